"""A discovery test rig: fake TVMaze and fake Sonarr on loopback, the real services."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from tests.conftest import API_KEY, eventually
from tests.web.conftest import Running

from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import Catalogue, make_show
from arrkestra.testing.loopback import LoopbackServer

SONARR_KEY = "sonarr-discovery-key-0123456789"
HEADERS = {"X-Api-Key": API_KEY}
NOW = 1_750_000_000.0


class Clock:
    """The fake TVMaze's wall clock, moved by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    tvmaze: FakeTvmaze
    sonarr: FakeSonarr
    tvmaze_url: str
    sonarr_url: str
    clock: Clock

    @property
    def catalogue(self) -> Catalogue:
        return self.tvmaze.catalogue

    def sections(self, **discovery: Any) -> dict[str, Any]:
        target = {
            "instance": "hd",
            "root_folder": "/tv",
            "quality_profile": "HD-1080p",
            "monitor": "future",
            "tags": ["auto-sync"],
            "create_tags": True,
            **discovery.pop("target", {}),
        }
        return {
            "sonarr": {"hd": {"url": self.sonarr_url, "api_key": SONARR_KEY}},
            "discovery": {
                "enabled": True,
                "poll_interval": "1h",
                "tvmaze": {"url": self.tvmaze_url, "rate_limit": 20, "per": 0.05},
                "target": target,
                **discovery,
            },
        }

    def show(
        self, tvmaze_id: int, name: str, *, in_sonarr_catalogue: bool = True, **fields: Any
    ) -> None:
        """A TVMaze show (passing the default filters unless ``fields`` say otherwise)."""
        show = self.catalogue.add(make_show(tvmaze_id, name, updated=int(self.clock.now), **fields))
        tvdb = (show.get("externals") or {}).get("thetvdb")
        if tvdb and in_sonarr_catalogue:
            self.sonarr.state.add_to_catalogue(tvdb, name, tvmaze_id=tvmaze_id)

    def added_tvdb_ids(self) -> list[int]:
        return [int(body["tvdbId"]) for body in self.sonarr.state.series_posts]


@pytest.fixture
def rig() -> Iterator[Rig]:
    clock = Clock()
    tvmaze = FakeTvmaze(Catalogue(clock=clock), per=0.05)
    sonarr = FakeSonarr(SONARR_KEY)
    sonarr.state.add_root_folder("/tv")
    with LoopbackServer(tvmaze.app) as t, LoopbackServer(sonarr.app) as s:
        yield Rig(tvmaze, sonarr, t.url, s.url, clock)


async def cycle(r: Running, *, within: float = 60) -> dict[str, Any]:
    """Trigger a cycle and wait for it to finish; its job as the API shows it."""
    before = await finished_cycles(r)
    answer = await r.client.post("/api/v1/discovery/trigger", headers=HEADERS)
    assert answer.status_code == 202, answer.text

    async def done() -> bool:
        return len(await finished_cycles(r)) > len(before)

    await eventually(done, within=within)
    return (await finished_cycles(r))[0]


async def finished_cycles(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": "discovery", "limit": 100}, headers=HEADERS
    )
    return [j for j in answer.json()["jobs"] if j["status"] in ("succeeded", "dead")]


async def shows(r: Running, status: str) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/discovery/shows", params={"status": status, "limit": 1000}, headers=HEADERS
    )
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result
