"""A fake receiver for Apprise's ``json://`` / ``jsons://`` notifications (for tests).

Apprise's JSON service POSTs ``{"version", "title", "message", "type", ...}`` to the URL's
path. One receiver serves any number of endpoints (one per path), so a test can point
several Apprise URLs at one server and make some of them fail (HTTP 500) or stall.
The message is recorded before the answer is sent, so once Apprise returns, it is there.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response

STALL_LIMIT = 30.0  # a stalled request gives up by itself so the server can always stop


@dataclass(frozen=True)
class Received:
    path: str
    title: str
    message: str
    type: str
    payload: dict[str, Any]
    query: dict[str, str] = field(default_factory=dict)
    authorization: str | None = None


class FakeNotify:
    """Records notifications per path; ``fail``/``stall`` change how a path answers."""

    def __init__(self) -> None:
        self.app = FastAPI()
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self._attempts: list[str] = []
        self._failing: set[str] = set()
        self._stalling: set[str] = set()
        self._released = threading.Event()
        self.app.post("/{path:path}")(self._receive)

    def fail(self, path: str, failing: bool = True) -> None:
        """Answer 500 on ``path`` (without recording the message) until told otherwise."""
        with self._lock:
            (self._failing.add if failing else self._failing.discard)(_norm(path))

    def stall(self, path: str) -> None:
        """Hold requests to ``path`` without answering until ``release()``."""
        with self._lock:
            self._stalling.add(_norm(path))
            self._released.clear()

    def release(self) -> None:
        with self._lock:
            self._stalling.clear()
            self._released.set()

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self._received if path is None or r.path == _norm(path)]

    def attempts(self, path: str | None = None) -> int:
        """Requests that reached ``path`` (or any path), answered or not."""
        with self._lock:
            return sum(1 for p in self._attempts if path is None or p == _norm(path))

    async def _receive(self, path: str, request: Request) -> Response:
        path = _norm(path)
        with self._lock:
            self._attempts.append(path)
            stalled, failing = path in self._stalling, path in self._failing
        if stalled:  # the event is set from the test's thread, so wait on it from a thread
            await asyncio.to_thread(self._released.wait, STALL_LIMIT)
        if failing:
            return Response("failing on purpose", status_code=500)
        payload = await request.json()
        entry = Received(
            path=path,
            title=str(payload.get("title", "")),
            message=str(payload.get("message", "")),
            type=str(payload.get("type", "")),
            payload=payload,
            query=dict(request.query_params),
            authorization=request.headers.get("authorization"),
        )
        with self._lock:
            self._received.append(entry)
        return Response(status_code=200)


def _norm(path: str) -> str:
    return "/" + path.strip("/")
