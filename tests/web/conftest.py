from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import base_config, write_config

from arrkestra.config import Settings, load_settings
from arrkestra.runtime.clock import Clock
from arrkestra.runtime.services import Services, open_services
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer
from arrkestra.web.app import create_app

OVERSEERR_KEY = "overseerr-web-key-0123456789"


@dataclass
class Running:
    settings: Settings
    services: Services
    app: FastAPI
    client: httpx.AsyncClient


AppFactory = Callable[..., Any]


@pytest.fixture
def running_app(tmp_path: Path) -> AppFactory:
    @asynccontextmanager
    async def factory(
        *, background: bool = True, clock: Clock | None = None, **sections: Any
    ) -> AsyncIterator[Running]:
        """``background=False``: no dispatcher, no scheduler; the test runs the queue with
        ``services.worker.run_until_idle()`` and tasks with ``services.scheduler.run``, and
        moves a ``ManualClock`` to make later jobs (a debounced scan) due."""
        settings = load_settings(write_config(tmp_path, base_config(tmp_path, **sections)), {})
        services = open_services(settings, daemon=True, clock=clock)
        app = create_app(settings, services)
        await services.start(background=background)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://arrkestra.test"
            ) as client:
                yield Running(settings, services, app, client)
        finally:
            await services.stop()

    return factory


@pytest.fixture
def overseerr() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    """A fake Overseerr on loopback, for tests that need a real pipeline's jobs."""
    fake = FakeOverseerr(OVERSEERR_KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def cleanup_sections(server: LoopbackServer) -> dict[str, Any]:
    """A Radarr instance and the fake Overseerr: MovieDelete webhooks become cleanup jobs."""
    return {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "overseerr": {"url": server.url, "api_key": OVERSEERR_KEY, "poll_interval": "0s"},
    }
