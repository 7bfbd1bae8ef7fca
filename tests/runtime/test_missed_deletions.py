"""Missed deletions in the real services, against the fake Overseerr and fake Sonarr/Radarr
on loopback: a title Overseerr shows as available that no instance has any more is
removed (through a cleanup job); pending requests and titles an instance still has are
kept; an instance whose library answer is empty (or fails) deletes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import OVERSEERR_KEY, AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.testing.fake_arr_history import FakeArr
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

HEADERS = {"X-Api-Key": API_KEY}
SONARR_KEY, RADARR_KEY = "sonarr-missed-key-0123456789", "radarr-missed-key-0123456789"
AVAILABLE, PARTIAL, PENDING = 5, 4, 2


@pytest.fixture
def upstreams() -> Iterator[dict[str, Any]]:
    sonarr, radarr = FakeArr("sonarr", SONARR_KEY), FakeArr("radarr", RADARR_KEY)
    overseerr = FakeOverseerr(OVERSEERR_KEY)
    with (
        LoopbackServer(sonarr.app) as s,
        LoopbackServer(radarr.app) as r,
        LoopbackServer(overseerr.app) as o,
    ):
        yield {"sonarr": (sonarr, s), "radarr": (radarr, r), "overseerr": (overseerr, o)}


def sections(tmp: Path, up: dict[str, Any], **reconcile: Any) -> dict[str, Any]:
    (tmp / "src").mkdir(exist_ok=True)
    (tmp / "dst").mkdir(exist_ok=True)
    return {
        "sonarr": {"hd": {"url": up["sonarr"][1].url, "api_key": SONARR_KEY}},
        "radarr": {"hd": {"url": up["radarr"][1].url, "api_key": RADARR_KEY}},
        "overseerr": {
            "url": up["overseerr"][1].url,
            "api_key": OVERSEERR_KEY,
            "poll_interval": "0s",
        },
        "mirror": {
            "paths": [
                {"arr_path": "/tv", "source": str(tmp / "src"), "destination": str(tmp / "dst")}
            ]
        },
        "catchup": {"enabled": False},
        "reconcile": {"missed_deletions": True, **reconcile},
    }


async def reconcile(r: Running, **body: bool) -> dict[str, Any]:
    answer = await r.client.post("/api/v1/reconcile", json=body or None, headers=HEADERS)
    assert answer.status_code == 202, answer.text
    await r.services.worker.run_until_idle()
    run = await r.client.get(f"/api/v1/reconcile/runs/{answer.json()['run_id']}", headers=HEADERS)
    found: dict[str, Any] = run.json()
    return found


def library(up: dict[str, Any]) -> dict[str, int]:
    """Sonarr has one series, Radarr one movie; Overseerr shows them and two gone ones."""
    sonarr, radarr, overseerr = up["sonarr"][0], up["radarr"][0], up["overseerr"][0]
    sonarr.add_series("Kept Show", path="/tv/Kept Show", tvdb_id=100, tmdb_id=1100)
    radarr.add_movie("Kept Film", path="/movies/Kept Film", tmdb_id=2100)
    return {
        "kept show": overseerr.add_media(media_type="tv", tmdb_id=1100, tvdb_id=100),
        "kept film": overseerr.add_media(media_type="movie", tmdb_id=2100),
        "gone show": overseerr.add_media(
            media_type="tv", tmdb_id=1200, tvdb_id=200, status=PARTIAL
        ),
        "gone film": overseerr.add_media(media_type="movie", tmdb_id=2200),
        "pending film": overseerr.add_media(
            media_type="movie", tmdb_id=2300, status=PENDING, requests=[(False, 1)]
        ),
    }


async def test_available_titles_no_instance_has_are_removed(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    media = library(upstreams)
    overseerr = upstreams["overseerr"][0]
    config = sections(tmp_path, upstreams, apply_missed_deletions=True)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        run = await reconcile(r)
    found = {(m["media_type"], m["media_id"]) for m in run["missed_deletions"]}
    assert found == {("tv", media["gone show"]), ("movie", media["gone film"])}
    assert run["cleanup_jobs"] == 2 and run["untrusted"] == []
    assert run["queued"] == 0  # copies only: the trees are in step
    assert not overseerr.has_media(media["gone show"])
    assert not overseerr.has_media(media["gone film"])
    for kept in ("kept show", "kept film", "pending film"):
        assert overseerr.has_media(media[kept]), kept


async def test_without_apply_they_are_only_listed(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    media = library(upstreams)
    overseerr = upstreams["overseerr"][0]
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, upstreams)
    ) as r:
        run = await reconcile(r)
    assert {m["action"] for m in run["missed_deletions"]} == {"listed"}
    assert run["cleanup_jobs"] == 0
    assert all(overseerr.has_media(media_id) for media_id in media.values())


@pytest.mark.parametrize("failure", ["empty", "failed"])
async def test_an_untrusted_library_deletes_nothing_even_confirmed(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, failure: str
) -> None:
    media = library(upstreams)
    sonarr, overseerr = upstreams["sonarr"][0], upstreams["overseerr"][0]
    if failure == "empty":
        sonarr.remove_series(next(iter(sonarr.series)))
    else:
        sonarr.fail_library = True
    config = sections(tmp_path, upstreams, apply_missed_deletions=True)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        run = await reconcile(r, confirm=True)
    assert [u.split(":")[0] for u in run["untrusted"]] == ["sonarr.hd"]
    found = {(m["media_type"], m["media_id"]) for m in run["missed_deletions"]}
    assert found == {("movie", media["gone film"])}  # Radarr's side is still judged
    assert overseerr.has_media(media["gone show"]) and overseerr.has_media(media["kept show"])
    assert not overseerr.has_media(media["gone film"])


async def test_a_title_without_an_id_the_library_carries_is_not_judged(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    sonarr, overseerr = upstreams["sonarr"][0], upstreams["overseerr"][0]
    upstreams["radarr"][0].add_movie("Film", path="/movies/Film", tmdb_id=9)
    sonarr.add_series("Old v3 Show", path="/tv/Old", tvdb_id=100)  # Sonarr v3: no tmdbId
    no_tvdb = overseerr.add_media(media_type="tv", tmdb_id=1300, tvdb_id=None)
    config = sections(tmp_path, upstreams, apply_missed_deletions=True)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        run = await reconcile(r)
    assert run["missed_deletions"] == [] and overseerr.has_media(no_tvdb)
    assert any("no id to match" in p for p in run["problems"])
