"""Review mode (``discovery.review``): matched shows wait for a person's approve or skip.

Fake TVMaze and fake Sonarr over real HTTP, the real services (see discovery_rig).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tests.conftest import eventually
from tests.runtime.discovery_rig import HEADERS, Rig, cycle, rig, shows  # noqa: F401
from tests.web.conftest import AppFactory, Running

SHOW = "/api/v1/discovery/shows/{}/{}"


async def act(r: Running, tvmaze_id: int, what: str) -> dict[str, Any]:
    answer = await r.client.post(SHOW.format(tvmaze_id, what), headers=HEADERS)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def jobs(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": "discovery", "limit": 100}, headers=HEADERS
    )
    found: list[dict[str, Any]] = answer.json()["jobs"]
    return found


async def quiet(r: Running) -> None:
    """Wait until no discovery cycle waits or runs."""

    async def idle() -> bool:
        return all(j["status"] in ("succeeded", "dead", "cancelled") for j in await jobs(r))

    await eventually(idle, within=30)


def in_sonarr(rig: Rig, tvdb: int) -> Callable[[], Awaitable[bool]]:  # noqa: F811
    """For ``eventually``: the fake Sonarr was asked to add this TVDB id."""

    async def check() -> bool:
        return tvdb in rig.added_tvdb_ids()

    return check


def seed(rig: Rig) -> None:  # noqa: F811
    rig.show(1, "Accepted Drama")
    rig.show(2, "Second Match")
    rig.show(3, "Old Show", premiered="2001-05-05")


async def test_matched_shows_wait_for_review_and_an_approved_one_reaches_sonarr(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(**rig.sections(review=True)) as r:
        job = await cycle(r)
        waiting = {s["tvmaze_id"]: s for s in await shows(r, "review")}
        state = (await r.client.get("/api/v1/discovery/state", headers=HEADERS)).json()
        metrics = (await r.client.get("/metrics")).text
        assert rig.sonarr.state.series_posts == []  # nothing is added without a person

        approved = await act(r, 1, "approve")
        await eventually(in_sonarr(rig, 100_001), within=30)  # no cycle was triggered by hand
        await quiet(r)
        (added,) = await shows(r, "added")
        still = await shows(r, "review")
    assert job["status"] == "succeeded" and job["result"]["results"] == {}
    assert sorted(waiting) == [1, 2]
    assert waiting[1]["filter_reason"] is None and waiting[1]["approved_at"] is None
    assert state["status_counts"] == {"review": 2, "filtered": 1}
    assert 'tvmaze_shows_total{status="review"} 2.0' in metrics
    assert 'tvmaze_shows_total{status="approved"} 0.0' in metrics  # every status, 0 too
    assert approved["processing_status"] == "approved" and "adds it" in approved["message"]
    assert approved["show"]["approved_at"] is not None
    assert rig.added_tvdb_ids() == [100_001]
    assert added["tvmaze_id"] == 1 and added["sonarr_series_id"] is not None
    assert [s["tvmaze_id"] for s in still] == [2]


async def test_a_skipped_show_in_review_is_never_added_even_after_refilter_and_cycles(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(**rig.sections(review=True)) as r:
        await cycle(r)
        skipped = await act(r, 2, "skip")
        again = await r.client.post(SHOW.format(2, "approve"), headers=HEADERS)
        refilter = await r.client.post("/api/v1/discovery/refilter", headers=HEADERS)
        await quiet(r)
        rig.clock.now += 3600
        rig.catalogue.update(2, name="Second Match (renamed)")  # TVMaze updates it
        await cycle(r)
        await act(r, 1, "approve")
        await eventually(in_sonarr(rig, 100_001), within=30)
        await quiet(r)
        (row,) = await shows(r, "skipped")
    assert skipped["processing_status"] == "skipped"
    assert again.status_code == 409 and "unskip it first" in again.json()["detail"]
    assert refilter.status_code == 200
    assert rig.added_tvdb_ids() == [100_001]  # never show 2
    assert row["tvmaze_id"] == 2 and row["title"] == "Second Match (renamed)"


async def test_review_survives_a_restart_refilters_and_tvmaze_updates(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(**rig.sections(review=True, dry_run=True)) as r:
        await cycle(r)
        await act(r, 1, "approve")  # dry run: approved, not added
        await quiet(r)
    looser = {"premiered": {"after": "2000-01-01"}}  # show 3 passes now
    async with running_app(**rig.sections(review=True, dry_run=True, filters=looser)) as r:
        job = await cycle(r)  # the filters changed: the cache is judged again
        rig.clock.now += 3600
        rig.catalogue.update(1, name="Accepted Drama (renamed)")
        rig.catalogue.update(2, name="Second Match (renamed)")
        await cycle(r)
        review = {s["tvmaze_id"] for s in await shows(r, "review")}
        approved = await shows(r, "approved")
    stricter = {"premiered": {"after": "2030-01-01"}}  # nothing passes
    async with running_app(**rig.sections(review=True, dry_run=True, filters=stricter)) as r:
        await cycle(r)
        filtered = {s["tvmaze_id"]: s for s in await shows(r, "filtered")}
    async with running_app(**rig.sections(review=True, dry_run=True)) as r:
        await cycle(r)
        back = {s["tvmaze_id"] for s in await shows(r, "review")}
    assert job["result"]["refiltered"]["changed"] == 1  # show 3 only: 1 stays approved, 2 in review
    assert review == {2, 3}
    assert [(s["tvmaze_id"], s["title"]) for s in approved] == [(1, "Accepted Drama (renamed)")]
    assert set(filtered) == {1, 2, 3} and filtered[1]["approved_at"] is None
    assert back == {1, 2}  # accepted again: the lost approval is asked for again
    assert rig.sonarr.state.series_posts == []


async def test_turning_review_on_holds_waiting_shows_and_off_lets_them_be_added(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(**rig.sections(dry_run=True)) as r:
        await cycle(r)
        pending = {s["tvmaze_id"] for s in await shows(r, "pending")}
    async with running_app(**rig.sections(review=True)) as r:
        job = await cycle(r)
        review = {s["tvmaze_id"] for s in await shows(r, "review")}
    assert rig.sonarr.state.series_posts == []  # review on: the waiting shows wait for a person
    async with running_app(**rig.sections()) as r:
        await cycle(r)
    assert pending == {1, 2} and review == {1, 2}
    assert job["result"]["refiltered"]["changed"] == 2
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_002]  # review off: added at once


async def test_approve_answers_for_every_status(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    seed(rig)
    async with running_app(background=False, **rig.sections(review=True)) as r:
        await r.client.post("/api/v1/discovery/trigger", headers=HEADERS)
        await r.services.worker.run_until_idle()
        first = await act(r, 1, "approve")
        twice = await act(r, 1, "approve")  # a double click: no error page
        await r.services.worker.run_until_idle()
        answers = {
            "added": await r.client.post(SHOW.format(1, "approve"), headers=HEADERS),
            "filtered": await r.client.post(SHOW.format(3, "approve"), headers=HEADERS),
            "unknown": await r.client.post(SHOW.format(999, "approve"), headers=HEADERS),
            "no key": await r.client.post(SHOW.format(2, "approve")),
            "junk id": await r.client.post(SHOW.format("abc", "approve"), headers=HEADERS),
        }
    assert first["message"].startswith("approved;")
    assert twice["processing_status"] == "approved" and "already cleared" in twice["message"]
    assert rig.added_tvdb_ids() == [100_001]
    codes = {name: answer.status_code for name, answer in answers.items()}
    assert codes == {"added": 409, "filtered": 409, "unknown": 404, "no key": 401, "junk id": 422}
    assert "already in Sonarr (added)" in answers["added"].json()["detail"]
    assert "not waiting for review" in answers["filtered"].json()["detail"]


async def test_an_approval_while_a_cycle_runs_queues_a_follow_up_cycle(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    """The running cycle may have made its last adding pass: one more cycle follows it."""
    seed(rig)
    async with running_app(background=False, **rig.sections(review=True)) as r:
        await r.client.post("/api/v1/discovery/trigger", headers=HEADERS)
        await r.services.worker.run_until_idle()
        (done,) = await jobs(r)

        def pretend_running(conn: Any) -> None:  # a cycle another worker is running
            conn.execute(
                "INSERT INTO jobs (pipeline, key, params, status, attempts, created_at, "
                "updated_at, next_attempt_at) VALUES ('discovery', 'discovery/cycle', '{}', "
                "'running', 1, 0, 0, 0)"
            )

        await r.services.db.run(pretend_running)
        await act(r, 1, "approve")
        queued = [j for j in await jobs(r) if j["status"] == "pending"]
    assert done["status"] == "succeeded"
    assert [j["params"] for j in queued] == [{"follow_up": True}]


async def test_without_discovery_approve_says_how_to_enable_it(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post(SHOW.format(1, "approve"), headers=HEADERS)
    assert answer.status_code == 409 and "discovery.enabled" in answer.json()["detail"]
