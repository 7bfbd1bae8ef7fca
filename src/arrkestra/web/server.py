"""Run the app under uvicorn with arrkestra's own signal handling.

uvicorn re-raises SIGTERM after a graceful shutdown, so the process would exit 143 and
``docker stop`` would look like a crash. Here SIGTERM/SIGINT start the graceful
shutdown (stop accepting, drain jobs, release leases) and the process exits 0; a second
signal forces the exit.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import signal
from collections.abc import Generator
from types import FrameType

import uvicorn

from arrkestra.config import Settings
from arrkestra.runtime.services import Services
from arrkestra.web.app import create_app
from arrkestra.web.read_deadline import (
    HEAD_LIMIT,
    connection_cap,
    raise_open_files_limit,
    read_deadline_protocol,
)

log = logging.getLogger("arrkestra")
HANDLED = (signal.SIGTERM, signal.SIGINT)
KEEP_ALIVE = 5  # seconds an idle connection stays open between requests
GC_YOUNG_THRESHOLD = 10_000  # default 700: a webhook allocates a few thousand objects


class GracefulServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in HANDLED}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, sig: int, frame: FrameType | None) -> None:
        if self.should_exit:
            log.warning("second %s: exiting without waiting", signal.Signals(sig).name)
            self.force_exit = True
        else:
            log.info("%s received: shutting down gracefully", signal.Signals(sig).name)
        self.should_exit = True


def serve(settings: Settings, services: Services, *, host: str, port: int) -> None:
    app = create_app(settings, services)
    files = raise_open_files_limit()
    log.debug("open files limit %d: at most %d client connections", files, connection_cap())
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # our handlers (with redaction) are already on the root logger
        access_log=settings.server.access_log,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=max(math.ceil(settings.server.drain_timeout), 1),
        lifespan="on",
        http=read_deadline_protocol(settings.server.read_timeout, connection_cap()),
        h11_max_incomplete_event_size=HEAD_LIMIT,  # the same cap if h11 is ever used
        timeout_keep_alive=KEEP_ALIVE,
    )
    tune_garbage_collector()
    GracefulServer(config).run()


def tune_garbage_collector() -> None:
    """Fewer, cheaper collections: the long-lived start-up objects are frozen out of GC.

    Full collections walk every tracked object; with the app's thousands of start-up
    objects frozen (``gc.freeze``) and a larger young generation, collections stop
    showing up as latency spikes under load.
    """
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, second, third)
