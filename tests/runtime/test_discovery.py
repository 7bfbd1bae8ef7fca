"""discovery end to end in the services: fake TVMaze and fake Sonarr over real HTTP."""

from __future__ import annotations

from tests.runtime.discovery_rig import HEADERS, Rig, cycle, rig, shows  # noqa: F401
from tests.web.conftest import AppFactory

from arrkestra.testing.fake_tvmaze_catalogue import Catalogue


def seed(rig: Rig) -> None:  # noqa: F811
    rig.show(1, "Accepted Drama")
    rig.show(2, "Reality Thing", type="Reality", genres=["Reality"])
    rig.show(3, "Old Show", premiered="2001-05-05")
    rig.show(4, "No TVDB", externals={"tvrage": None, "thetvdb": None, "imdb": None})
    rig.show(5, "Already There")
    rig.sonarr.state.add_series(100_005, "Already There", tvmaze_id=5)
    rig.show(6, "Excluded One")
    rig.sonarr.state.add_exclusion(100_006, "Excluded One")
    rig.show(300, "On Page One")  # a second index page


async def test_initial_sync_stores_everything_and_adds_what_passes(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(**rig.sections()) as r:
        job = await cycle(r)
        state = (await r.client.get("/state", headers=HEADERS)).json()
        filtered = await shows(r, "filtered")
        metrics = (await r.client.get("/metrics")).text
    assert job["status"] == "succeeded" and job["result"]["mode"] == "full"
    # one request per page and the 404 after the last: nothing else
    assert rig.tvmaze.count("shows_page") == 3 and rig.tvmaze.total == 3
    assert rig.tvmaze.rate_limited == 0
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_300]
    body = rig.sonarr.state.series_posts[0]
    assert body["addOptions"]["monitor"] == "future" and body["rootFolderPath"] == "/tv"
    assert len(body["tags"]) == 1  # auto-sync, created because create_tags is on
    assert state["initial_sync_complete"] is True and state["highest_tvmaze_id"] == 300
    assert state["status_counts"] == {
        "added": 2, "filtered": 2, "pending_tvdb": 1, "exists": 1, "skipped": 1,
    }  # fmt: skip
    reasons = {s["title"]: s["filter_reason"] for s in filtered}
    assert "Reality" in reasons["Reality Thing"] and "2001-05-05" in reasons["Old Show"]
    assert 'tvmaze_shows_total{status="added"} 2.0' in metrics
    assert "tvmaze_sync_initial_complete 1.0" in metrics
    assert 'tvmaze_api_requests_total{endpoint="shows_page",service="tvmaze",status="200"} 2.0' in (
        metrics
    )


async def test_incremental_refresh_costs_the_updates_list_and_the_touched_pages(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.tvmaze.catalogue = Catalogue.generated(1200, seed=3, clock=rig.clock)
    for raw in list(rig.catalogue):
        tvdb = (raw.get("externals") or {}).get("thetvdb")
        if tvdb:
            rig.sonarr.state.add_to_catalogue(tvdb, raw["name"], tvmaze_id=raw["id"])
    ids = sorted(rig.catalogue.ids())
    async with running_app(**rig.sections()) as r:
        await cycle(r)
        rig.tvmaze.reset_counters()
        rig.clock.now += 3600
        page0 = [i for i in ids if i < 250][:5]  # five changes on page 0: one page request
        lone = [i for i in ids if 500 <= i < 750][:1]  # one change on page 2: one show request
        for show_id in page0 + lone:
            rig.catalogue.update(show_id, name=f"Renamed {show_id}")
        job = await cycle(r)
        renamed = [s for s in await shows(r, "filtered") + await shows(r, "added")
                   if s["title"].startswith("Renamed")]  # fmt: skip
    assert job["result"]["mode"] == "incremental"
    assert rig.tvmaze.count("updates") == 1
    assert rig.tvmaze.count("shows_page") == 1 and rig.tvmaze.count("show") == 1
    assert rig.tvmaze.total == 3 and job["result"]["changed"] == 6
    assert {s["tvmaze_id"] for s in renamed} <= set(page0 + lone)
