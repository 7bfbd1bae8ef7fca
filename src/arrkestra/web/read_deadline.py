"""uvicorn's HTTP protocol with a read deadline: slow clients cannot hold connections.

uvicorn times out an idle keep-alive connection, but not one that opens and then sends
half a request line, or headers one byte a minute (slowloris). Each such connection
holds a file descriptor; a few hundred of them under a common ``ulimit -n 1024`` and the
daemon cannot accept Sonarr's next webhook. Here every request must arrive whole
(request line, headers and body) within ``server.read_timeout`` of the connection
opening or of its first byte, else the connection is closed; and the request head may
not exceed ``HEAD_LIMIT`` bytes. The time the app then takes to answer is not limited.

A deadline alone still lets a burst of slow connections use every descriptor for its
duration, and then uvloop accepts and at once drops each new connection (Sonarr's
webhook among them, never retried). So connections are also capped below the process's
open-files limit (``connection_cap``): a connection over the cap closes the one that has
waited longest for its request to arrive, so a client that sends its request at once is
always served.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("arrkestra.web")
HEAD_LIMIT = 64 * 1024  # request line and headers; Sonarr's are under 1 KiB
RESERVED_FILES = 64  # for the database, logs, rsync's pipes and upstream connections


def connection_cap() -> int:
    """How many client connections fit in the open-files limit, leaving room for the rest."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1_000_000
    return max(soft - max(RESERVED_FILES, soft // 8), 16)


def raise_open_files_limit() -> int:
    """Raise the soft ``ulimit -n`` to the hard limit (systemd's soft default is 1024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            return soft
        return hard
    return soft


class ReadDeadlineProtocol(HttpToolsProtocol):
    read_timeout = 15.0
    max_connections = 1_000_000
    # connections still reading a request, oldest first (one dict per server: the factory's)
    reading: ClassVar[dict[ReadDeadlineProtocol, None]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._received = False  # the current request is in: wait for the app, not the client
        self._head_bytes: int | None = 0  # None once the head is complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()
        if len(self.connections) > self.max_connections:
            self._evict_oldest()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _evict_oldest(self) -> None:
        for waiting in self.reading:
            if waiting is not self:
                log.debug("over %d connections: closing the slowest", self.max_connections)
                waiting._disarm()
                waiting.transport.close()
                return

    def data_received(self, data: bytes) -> None:
        if self._deadline is None and not self._received:
            self._arm()  # the first byte of the next request on a kept-alive connection
        if self._head_bytes is not None:
            # the head ends at the first blank line: what follows in the chunk is body (a
            # large webhook body is no header)
            end = data.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else end
            if self._head_bytes > HEAD_LIMIT:
                self._disarm()
                self.send_400_response("Request headers too large.")
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        self._head_bytes = None
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._received = True
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._received = False
        self._head_bytes = 0
        super().on_response_complete()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.read_timeout, self._expire)
        self.reading[self] = None

    def _disarm(self) -> None:
        self.reading.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        self.reading.pop(self, None)
        if not self.transport.is_closing():
            client = "%s:%d" % self.client if self.client else "a client"  # noqa: UP031
            log.debug("closing %s: no whole request within %.0fs", client, self.read_timeout)
            self.transport.close()


def read_deadline_protocol(read_timeout: float, max_connections: int) -> type[ReadDeadlineProtocol]:
    """The protocol class for ``uvicorn.Config(http=...)``: this deadline, this cap."""
    settings = {"read_timeout": read_timeout, "max_connections": max_connections, "reading": {}}
    return type("ReadDeadline", (ReadDeadlineProtocol,), settings)
