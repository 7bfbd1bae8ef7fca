"""The fake Overseerr on loopback (one server per module, emptied before each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

OVERSEERR_KEY = "overseerr-adapter-key-0123456789abcdef"


@dataclass
class OverseerrRig:
    """The fake, its URL, an HTTP client and a hand-moved clock for the index TTL."""

    fake: FakeOverseerr
    url: str
    http: httpx.AsyncClient
    now: float = 1_700_000_000.0

    def client(self, *, api_key: str = OVERSEERR_KEY, **options: Any) -> OverseerrClient:
        return OverseerrClient(
            options.pop("base_url", self.url),
            api_key,
            client=options.pop("http", self.http),
            redactor=Redactor.of([OVERSEERR_KEY]),
            clock=lambda: self.now,
            **options,
        )

    def paths(self, method: str = "GET") -> list[str]:
        return [path for verb, path, _ in self.fake.calls if verb == method]


@pytest.fixture(scope="module")
def overseerr_server() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(OVERSEERR_KEY)
    with LoopbackServer(fake.app) as server:
        yield fake, server


@pytest.fixture
async def rig(
    overseerr_server: tuple[FakeOverseerr, LoopbackServer],
) -> AsyncIterator[OverseerrRig]:
    fake, server = overseerr_server
    fake.reset()
    async with httpx.AsyncClient(timeout=5.0) as http:
        yield OverseerrRig(fake, server.url, http)
