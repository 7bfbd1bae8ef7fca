"""discovery end to end in the services: fake TVMaze and fake Sonarr over real HTTP."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import eventually
from tests.runtime.discovery_rig import HEADERS, SONARR_KEY, Rig, cycle, rig, shows  # noqa: F401
from tests.web.conftest import AppFactory

from arrkestra.runtime.capabilities.contract import STARTUP_DELAY
from arrkestra.testing.fake_sonarr import V3_VERSION, FakeSonarr
from arrkestra.testing.fake_tvmaze_catalogue import Catalogue
from arrkestra.testing.loopback import LoopbackServer


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


async def test_a_stale_index_page_is_corrected_show_by_show(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    for n in range(1, 6):
        rig.show(n, f"Show {n}")
    async with running_app(**rig.sections()) as r:
        await cycle(r)
        rig.tvmaze.snapshot_index()  # the edge serves the index as it is now, for a day
        rig.clock.now += 600
        rig.catalogue.update(2, name="Show 2 (new title)")
        rig.catalogue.update(3, name="Show 3 (new title)")
        rig.tvmaze.reset_counters()
        job = await cycle(r)
        titles = {s["tvmaze_id"]: s["title"] for s in await shows(r, "added")}
    # the page came back stale for both: each was then fetched on its own
    assert rig.tvmaze.count("shows_page") == 1 and rig.tvmaze.count("show") == 2
    assert job["result"]["requests"] == 4
    assert titles[2] == "Show 2 (new title)" and titles[3] == "Show 3 (new title)"


async def test_a_rate_limited_request_is_retried_in_the_same_cycle(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    for n in (1, 260, 520):
        rig.show(n, f"Show {n}")
    async with running_app(**rig.sections()) as r:
        rig.tvmaze.fail_next(429, count=2, retry_after=0)
        job = await cycle(r)
    assert job["status"] == "succeeded" and job["attempts"] == 1
    assert rig.tvmaze.rate_limited == 2
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_260, 100_520]  # nothing skipped


async def test_an_invalid_target_pauses_discovery_with_the_reason_on_health(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    sections = rig.sections(target={"root_folder": "/nowhere", "quality_profile": "Nope"})
    async with running_app(**sections) as r:
        job = await cycle(r)
        health = (await r.client.get("/health", headers=HEADERS)).json()
        state = (await r.client.get("/state", headers=HEADERS)).json()
        metrics = (await r.client.get("/metrics")).text
    assert job["result"]["outcome"] == "paused"
    detail = health["components"]["discovery"]["detail"]
    assert "/nowhere" in detail and "Nope" in detail and health["status"] == "degraded"
    assert rig.tvmaze.total == 0 and rig.sonarr.state.series_posts == []  # nothing was synced
    assert state["paused_reason"] == detail
    assert "tvmaze_sonarr_healthy 0.0" in metrics


async def test_a_filter_change_re_evaluates_the_cache_without_asking_tvmaze(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    rig.show(2, "Old Show", premiered="2001-05-05")
    rig.show(3, "German Show", language="German")
    async with running_app(**rig.sections()) as r:
        await cycle(r)
    assert rig.added_tvdb_ids() == [100_001]
    rig.tvmaze.reset_counters()
    looser = {"premiered": {"after": "2000-01-01"}, "languages": {"include": []}}
    async with running_app(**rig.sections(filters=looser)) as r:
        job = await cycle(r)
    assert job["result"]["refiltered"] == {"evaluated": 2, "changed": 2}
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_002, 100_003]
    # the cycle asked only for the updates list: the re-evaluation itself asked nobody
    assert rig.tvmaze.total == 1 and rig.tvmaze.count("updates") == 1


async def test_shows_without_a_tvdb_id_wait_then_are_added_once_tvmaze_has_one(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(4, "No TVDB", externals={"tvrage": None, "thetvdb": None, "imdb": None})
    rig.sonarr.state.add_to_catalogue(100_004, "No TVDB", tvmaze_id=4)
    async with running_app(**rig.sections(retry_delay="1s")) as r:
        await cycle(r)
        (waiting,) = await shows(r, "pending_tvdb")
        assert waiting["retry_count"] == 1 and waiting["retry_after"] is not None
        rig.clock.now += 60
        rig.catalogue.update(4, externals={"tvrage": None, "thetvdb": 100_004, "imdb": None})
        await cycle(r)
        (added,) = await shows(r, "added")
    assert added["tvmaze_id"] == 4 and rig.added_tvdb_ids() == [100_004]


async def test_a_show_that_never_gets_a_tvdb_id_is_abandoned(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(4, "No TVDB", externals={"tvrage": None, "thetvdb": None, "imdb": None})
    sections = rig.sections(retry_delay="1s", abandon_after="2s")
    async with running_app(**sections) as r:
        await cycle(r)
        statuses = []
        for _ in range(3):
            (row,) = [*await shows(r, "pending_tvdb"), *await shows(r, "skipped")]
            statuses.append(row["processing_status"])
            if row["processing_status"] == "skipped":
                break
            await _wait_past(row["retry_after"])
            await cycle(r)
    assert statuses[-1] == "skipped" and "abandoned" in row["error_message"]


async def _wait_past(iso: str) -> None:
    due = datetime.fromisoformat(iso).timestamp()

    async def passed() -> bool:
        return datetime.now().timestamp() > due

    await eventually(passed, within=10)


async def test_a_sync_gap_longer_than_a_month_walks_the_index_again(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    async with running_app(**rig.sections()) as r:
        await cycle(r)
        await r.services.db.run(
            lambda conn: conn.execute(
                "UPDATE state SET value = '0' WHERE key = 'discovery.last_success'"
            )
        )
        rig.tvmaze.reset_counters()
        job = await cycle(r)
    assert job["result"]["mode"] == "resync"
    assert rig.tvmaze.count("shows_page") == 2 and rig.tvmaze.count("updates") == 0


async def test_dry_run_adds_nothing(running_app: AppFactory, rig: Rig) -> None:  # noqa: F811
    rig.show(1, "Accepted Drama")
    async with running_app(**rig.sections(dry_run=True)) as r:
        job = await cycle(r)
        pending = await shows(r, "pending")
    assert job["result"]["results"] == {"dry_run": 1}
    assert rig.sonarr.state.series_posts == [] and [s["tvmaze_id"] for s in pending] == [1]


async def test_rules_send_shows_to_several_instances(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    anime = FakeSonarr(SONARR_KEY, version=V3_VERSION)
    anime.state.add_root_folder("/anime")
    rig.show(1, "Drama", genres=["Drama"])
    rig.show(2, "Anime", genres=["Anime"], type="Animation")
    anime.state.add_to_catalogue(100_002, "Anime", tvmaze_id=2)
    rules = [
        {
            "filters": {"genres": {"include": ["Anime"]}},
            "target": {"instance": "anime", "root_folder": "/anime", "language_profile": "English"},
        },
        {"filters": {}, "target": {}},
    ]
    with LoopbackServer(anime.app) as a:
        sections = rig.sections(rules=rules)
        sections["sonarr"]["anime"] = {"url": a.url, "api_key": SONARR_KEY}
        async with running_app(**sections) as r:
            await cycle(r)
    assert [b["tvdbId"] for b in anime.state.series_posts] == [100_002]
    english = next(p["id"] for p in anime.state.language_profiles if p["name"] == "English")
    assert anime.state.series_posts[0]["languageProfileId"] == english  # Sonarr v3 wants one
    assert rig.added_tvdb_ids() == [100_001]
    assert "languageProfileId" not in rig.sonarr.state.series_posts[0]  # v4 does not


async def test_trigger_refilter_state_and_shows_need_the_api_key(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    async with running_app(**rig.sections()) as r:
        answers = [
            await r.client.post("/trigger"),
            await r.client.post("/api/v1/discovery/trigger"),
            await r.client.post("/refilter"),
            await r.client.get("/state"),
            await r.client.get("/shows", params={"status": "added"}),
        ]
        bad = await r.client.get("/shows", params={"status": "nonsense"}, headers=HEADERS)
    assert [a.status_code for a in answers] == [401] * 5
    assert bad.status_code == 422


async def test_without_discovery_the_routes_say_how_to_enable_it(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post("/trigger", headers=HEADERS)
    assert answer.status_code == 409 and "discovery.enabled" in answer.json()["detail"]


async def test_a_trigger_right_after_start_runs_the_first_cycle_at_once(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    async with running_app(**rig.sections()) as r:
        job = await cycle(r)
        detail = (await r.client.get(f"/api/v1/jobs/{job['id']}", headers=HEADERS)).json()
    created = datetime.fromisoformat(detail["created_at"]).timestamp()
    started = datetime.fromisoformat(detail["attempts_log"][0]["started_at"]).timestamp()
    assert started - created < STARTUP_DELAY  # not held back by the start-up delay
