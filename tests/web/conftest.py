from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import base_config, write_config

from arrkestra.config import Settings, load_settings
from arrkestra.runtime.services import Services, open_services
from arrkestra.web.app import create_app


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
    async def factory(**sections: Any) -> AsyncIterator[Running]:
        settings = load_settings(write_config(tmp_path, base_config(tmp_path, **sections)), {})
        services = open_services(settings, daemon=True)
        app = create_app(settings, services)
        await services.start()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://arrkestra.test"
            ) as client:
                yield Running(settings, services, app, client)
        finally:
            await services.stop()

    return factory
