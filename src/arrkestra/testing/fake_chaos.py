"""A chaos upstream: an HTTP server on 127.0.0.1 that answers each path the way a bad day does.

Adapters are tested against well-behaved fakes of their upstreams; this one is the bad
day. Per path it answers a 500, a 401, a 200 HTML page (a login proxy, a wrong base path),
a 200 of garbage JSON (a truncated body), resets the connection (a TCP RST before any
answer), hangs (reads the request, never answers) or trickles (a 200 whose body comes one
byte every ``trickle_every`` seconds, for ever: no single read ever times out). A path
given ``json`` answers that JSON normally, so an adapter can get past its first calls.

It is a small HTTP/1.1 server on asyncio streams in its own thread (not an ASGI app): an
ASGI server cannot reset a connection or hang without answering. Every connection is
closed after one answer. Imports nothing from arrkestra.
"""

from __future__ import annotations

import asyncio
import enum
import json
import socket
import struct
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Chaos", "ChaosServer", "Seen"]

HEAD_LIMIT = 64 * 1024
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head>"
    b"<body><form method='post'><input name='password'></form></body></html>"
)
GARBAGE_JSON = b'{"id": 1, "title": "cut off here'


class Chaos(enum.StrEnum):
    """What a path answers."""

    SERVER_ERROR = "500"
    UNAUTHORIZED = "401"
    HTML = "html"
    GARBAGE = "garbage json"
    RESET = "reset"
    HANG = "hang"
    TRICKLE = "trickle"


@dataclass(frozen=True)
class Seen:
    """One request as it arrived: method, path (no query), query string, headers."""

    method: str
    path: str
    query: str
    headers: dict[str, str]


class ChaosServer:
    """Serve on a free loopback port while used as a context manager.

    ``answer(path, chaos)`` sets how a path misbehaves; ``json(path, body)`` makes it
    answer normally. A path set neither way answers as ``otherwise`` says (404 when None).
    ``seen`` lists every request.
    """

    def __init__(self, *, trickle_every: float = 0.1, otherwise: Chaos | None = None) -> None:
        self.trickle_every = trickle_every
        self.otherwise = otherwise
        self.seen: list[Seen] = []
        self._chaos: dict[str, Chaos] = {}
        self._bodies: dict[str, bytes] = {}
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="chaos-server", daemon=True)
        self._ready = threading.Event()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answer(self, path: str, chaos: Chaos) -> None:
        self._bodies.pop(path, None)
        self._chaos[path] = chaos

    def answer_all(self, paths: list[str], chaos: Chaos) -> None:
        for path in paths:
            self.answer(path, chaos)

    def json(self, path: str, body: Any) -> None:
        self._chaos.pop(path, None)
        self._bodies[path] = json.dumps(body).encode()

    def reset(self) -> None:
        """Every path back to 404, nothing seen."""
        self.otherwise = None
        self._chaos.clear()
        self._bodies.clear()
        self.seen.clear()

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> ChaosServer:
        self._thread.start()
        if not self._ready.wait(10) or self._server is None:
            raise RuntimeError("chaos server did not start")
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._ready.set()
        await self._stopping.wait()
        self._server.close()
        for writer in list(self._writers):  # hanging and trickling connections end here
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    # -- one connection --------------------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            seen = await _read_request(reader)
            if seen is None:
                return
            self.seen.append(seen)
            await self._respond(seen.path, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away: nothing to answer
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            if not writer.transport.is_closing():
                writer.close()

    async def _respond(
        self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if path in self._bodies:
            await _send(writer, 200, "application/json", self._bodies[path])
            return
        match self._chaos.get(path, self.otherwise):
            case None:
                await _send(writer, 404, "application/json", b'{"message": "Not Found"}')
            case Chaos.SERVER_ERROR:
                body = b'{"message": "Internal Server Error"}'
                await _send(writer, 500, "application/json", body)
            case Chaos.UNAUTHORIZED:
                await _send(writer, 401, "application/json", b'{"error": "Unauthorized"}')
            case Chaos.HTML:
                await _send(writer, 200, "text/html; charset=utf-8", HTML_PAGE)
            case Chaos.GARBAGE:
                await _send(writer, 200, "application/json", GARBAGE_JSON)
            case Chaos.RESET:
                sock = writer.get_extra_info("socket")
                if sock is not None:  # linger 0: close() sends a RST, not a FIN
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            case Chaos.HANG:
                await reader.read()  # until the client gives up (or the server stops)
            case Chaos.TRICKLE:
                await self._trickle(writer)

    async def _trickle(self, writer: asyncio.StreamWriter) -> None:
        head = _head(200, "application/json", 1_000_000_000)
        writer.write(head + b"[")
        await writer.drain()
        while not writer.transport.is_closing():
            await asyncio.sleep(self.trickle_every)
            writer.write(b" ")
            await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    """The request line and headers; the body (Content-Length only) is read and dropped."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    if len(raw) > HEAD_LIMIT:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or "0")
    if length:
        await reader.readexactly(length)
    target = urlsplit(parts[1])
    return Seen(parts[0], target.path, target.query, headers)


def _head(status: int, content_type: str, length: int) -> bytes:
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
    return (
        f"HTTP/1.1 {status} {reason.get(status, 'Status')}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()


async def _send(writer: asyncio.StreamWriter, status: int, content_type: str, body: bytes) -> None:
    writer.write(_head(status, content_type, len(body)) + body)
    await writer.drain()
