"""A filter change with 90,000 cached shows: re-evaluated locally, newly passing ones added.

The cache is filled the end-to-end way: a full sync of a 90,000-show generated fake TVMaze
(361 index pages, time scaled by a small ``per``) through the real services, with filters
that accept few shows. The services then restart with looser filters and, with the
discovery pipeline paused so that no cycle can run meanwhile, ``POST /refilter``
re-evaluates every cached show not yet in Sonarr without a single request to TVMaze.
Resumed, the next cycle adds exactly the newly passing shows.

The filters are simple enough for the expected sets to be computed here from the raw
JSON, independently of the filter engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import pytest
from tests.conftest import eventually
from tests.runtime.discovery_rig import HEADERS, Rig, cycle, finished_cycles, rig  # noqa: F401
from tests.web.conftest import AppFactory

from arrkestra.testing.fake_tvmaze_catalogue import PAGE_SIZE, Catalogue, Show

SHOWS = 90_000
MIN_RATING = 9.0  # keeps the number of Sonarr adds (a few per second of test) small
STRICT_NETWORKS = ("HBO",)
LOOSER_NETWORKS = ("HBO", "BBC One", "NBC")


def filters(networks: Iterable[str]) -> dict[str, Any]:
    """English scripted shows of these networks rated at least MIN_RATING; nothing else."""
    return {
        "genres": {"exclude": []},
        "types": {"include": ["Scripted"]},
        "countries": {"include": []},
        "languages": {"include": ["English"]},
        "networks": {"include": list(networks)},
        "status": {"exclude_ended": False},
        "premiered": {"after": None},
        "min_runtime": None,
        "min_rating": MIN_RATING,
    }


def accepted(shows: Iterable[Show], networks: Iterable[str]) -> set[int]:
    """TVDB ids of the shows ``filters(networks)`` accept (and Sonarr can add)."""
    wanted = {name.casefold() for name in networks}
    found = set()
    for show in shows:
        network = (show.get("network") or {}).get("name")
        rating = (show.get("rating") or {}).get("average")
        tvdb = (show.get("externals") or {}).get("thetvdb")
        if (
            show["type"] == "Scripted"
            and show["language"] == "English"
            and network is not None
            and network.casefold() in wanted
            and rating is not None
            and rating >= MIN_RATING
            and tvdb
        ):
            found.add(tvdb)
    return found


@pytest.mark.timeout(300)
async def test_a_filter_change_re_evaluates_90000_cached_shows_without_tvmaze(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.tvmaze.catalogue = Catalogue.generated(SHOWS, seed=5, clock=rig.clock, gap_rate=0.0)
    for raw in rig.catalogue:
        tvdb = (raw.get("externals") or {}).get("thetvdb")
        if tvdb:
            rig.sonarr.state.add_to_catalogue(tvdb, raw["name"], tvmaze_id=raw["id"])
    strict = accepted(rig.catalogue, STRICT_NETWORKS)
    looser = accepted(rig.catalogue, LOOSER_NETWORKS)
    assert 0 < len(strict) < len(looser) - 50  # enough newly passing shows to see

    async with running_app(**rig.sections(filters=filters(STRICT_NETWORKS))) as r:
        synced = await cycle(r, within=240)
        before = (await r.client.get("/api/v1/discovery/state", headers=HEADERS)).json()
    assert synced["status"] == "succeeded" and synced["result"]["mode"] == "full"
    assert rig.tvmaze.count("shows_page") == SHOWS // PAGE_SIZE + 2  # 361 pages and the 404
    assert before["total_shows"] == SHOWS
    assert {int(b["tvdbId"]) for b in rig.sonarr.state.series_posts} == strict
    waiting = sum(
        before["status_counts"].get(status, 0) for status in ("pending", "filtered", "pending_tvdb")
    )
    assert waiting == SHOWS - len(strict)  # every show not added to Sonarr

    posted_before = len(rig.sonarr.state.series_posts)
    async with running_app(**rig.sections(filters=filters(LOOSER_NETWORKS))) as r:
        await r.services.queue.pause("discovery", "test: nothing runs during the refilter")
        done_before = len(await finished_cycles(r))
        requests_before = rig.tvmaze.total
        answer = await r.client.post("/api/v1/discovery/refilter", headers=HEADERS)
        requests_after = rig.tvmaze.total
        state = (await r.client.get("/api/v1/discovery/state", headers=HEADERS)).json()

        resumed = await r.client.post("/api/v1/pipelines/discovery/resume", headers=HEADERS)
        assert resumed.status_code == 200, resumed.text

        async def next_cycle_done() -> bool:
            return len(await finished_cycles(r)) > done_before

        await eventually(next_cycle_done, within=120)
        job = (await finished_cycles(r))[0]

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert requests_after == requests_before  # the re-evaluation asked TVMaze nothing
    assert body["refiltered"] == waiting  # all cached shows not yet in Sonarr
    assert body["changed"] >= len(looser - strict)  # at least every newly passing one
    assert state["filters_changed"] is False  # the new fingerprint was stored with the rows
    assert state["status_counts"].get("pending", 0) >= len(looser - strict)

    assert job["status"] == "succeeded"
    assert job["result"]["mode"] == "incremental"
    assert "refiltered" not in job["result"]  # done already: the cycle did not redo it
    newly = Counter(int(b["tvdbId"]) for b in rig.sonarr.state.series_posts[posted_before:])
    assert set(newly) == looser - strict  # exactly the newly passing shows were added
    assert max(newly.values()) == 1
    assert rig.tvmaze.total - requests_after == 1 and rig.tvmaze.count("updates") == 1
