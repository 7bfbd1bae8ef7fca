"""Skipping shows by hand: a skipped show is never added, whatever later cycles bring.

Fake TVMaze and fake Sonarr over real HTTP, the real services (see discovery_rig).
"""

from __future__ import annotations

from typing import Any

from tests.runtime.discovery_rig import HEADERS, Rig, cycle, rig, shows  # noqa: F401
from tests.web.conftest import AppFactory, Running

SKIPS = "/api/v1/discovery/shows/{}/{}"


async def act(r: Running, tvmaze_id: int, what: str, **body: Any) -> dict[str, Any]:
    answer = await r.client.post(SKIPS.format(tvmaze_id, what), headers=HEADERS, json=body or None)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_skipped_show_is_never_added_until_unskipped(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    rig.show(2, "Also Accepted")
    rig.show(3, "Old Show", premiered="2001-05-05")
    async with running_app(**rig.sections(dry_run=True)) as r:
        await cycle(r)  # catalogued, nothing added: show 1 is pending
        skipped = await act(r, 1, "skip", reason="seen it")
    assert skipped["processing_status"] == "skipped" and skipped["in_catalogue"] is True
    assert skipped["skip_reason"] == "seen it" and skipped["skipped_at"] is not None
    assert skipped["show"]["filter_reason"] == "skipped by hand: seen it"

    async with running_app(**rig.sections()) as r:
        await cycle(r)
        assert rig.added_tvdb_ids() == [100_002]
        rig.clock.now += 3600
        rig.catalogue.update(1, name="Accepted Drama (renamed)")  # TVMaze updates it
        job = await cycle(r)
        assert job["result"]["mode"] == "incremental" and job["result"]["shows_saved"] == 1
        refilter = await r.client.post("/api/v1/discovery/refilter", headers=HEADERS)
        assert refilter.status_code == 200, refilter.text
        await cycle(r)
        (row,) = await shows(r, "skipped")
        state = (await r.client.get("/state", headers=HEADERS)).json()
        metrics = (await r.client.get("/metrics")).text
    assert rig.added_tvdb_ids() == [100_002]  # never show 1
    assert row["tvmaze_id"] == 1 and row["title"] == "Accepted Drama (renamed)"
    assert row["skipped_by_hand"] is True and row["skip_reason"] == "seen it"
    assert state["status_counts"]["skipped"] == 1 and state["skipped_by_hand"] == 1
    assert 'tvmaze_shows_total{status="skipped"} 1.0' in metrics

    looser = {"premiered": {"after": "2000-01-01"}}  # a filter change: the cache is judged again
    async with running_app(**rig.sections(filters=looser)) as r:
        job = await cycle(r)
        assert job["result"]["refiltered"]["changed"] == 1  # show 3 only
        assert sorted(rig.added_tvdb_ids()) == [100_002, 100_003]
        unskipped = await act(r, 1, "unskip")
        assert unskipped["processing_status"] == "pending"
        assert unskipped["skipped_by_hand"] is False and "next cycle" in unskipped["message"]
        await cycle(r)
        (added,) = [s for s in await shows(r, "added") if s["tvmaze_id"] == 1]
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_002, 100_003]
    assert added["filter_reason"] is None and added["skipped_by_hand"] is False


async def test_a_show_not_in_the_catalogue_yet_can_be_skipped(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    rig.show(300, "On Page One")
    async with running_app(**rig.sections()) as r:
        early = await act(r, 300, "skip")  # before the first walk
        listed = (await r.client.get("/api/v1/discovery/skips", headers=HEADERS)).json()
        job = await cycle(r)
        (row,) = await shows(r, "skipped")
    assert early["in_catalogue"] is False and early["processing_status"] == "skipped"
    assert early["show"] is None and "not in the catalogue yet" in early["message"]
    assert listed == {"total": 1, "skips": [{"tvmaze_id": 300, "reason": None,
                                             "skipped_at": early["skipped_at"]}]}  # fmt: skip
    assert job["result"]["mode"] == "full" and rig.added_tvdb_ids() == [100_001]
    assert row["tvmaze_id"] == 300 and row["filter_reason"] == "skipped by hand"


async def test_unskipping_a_show_the_filters_reject_leaves_it_filtered(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(3, "Old Show", premiered="2001-05-05")
    async with running_app(**rig.sections()) as r:
        await cycle(r)
        await act(r, 3, "skip")
        unskipped = await act(r, 3, "unskip")
        again = await act(r, 3, "unskip")
        unknown = await act(r, 999, "unskip")
    assert unskipped["processing_status"] == "filtered"
    assert "2001-05-05" in unskipped["show"]["filter_reason"]
    assert "not skipped by hand" in again["message"] and again["processing_status"] == "filtered"
    assert unknown["processing_status"] is None and unknown["in_catalogue"] is False


async def test_a_show_sonarr_already_has_is_not_skipped(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    rig.show(1, "Accepted Drama")
    async with running_app(**rig.sections()) as r:
        await cycle(r)
        answer = await r.client.post(SKIPS.format(1, "skip"), headers=HEADERS)
        listed = (await r.client.get("/api/v1/discovery/skips", headers=HEADERS)).json()
        (row,) = await shows(r, "added")
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert "already in Sonarr (added)" in detail and "delete it there" in detail
    assert listed["total"] == 0 and row["skipped_by_hand"] is False


async def test_skips_need_the_api_key_and_a_sane_body(
    running_app: AppFactory,
    rig: Rig,  # noqa: F811
) -> None:
    async with running_app(**rig.sections()) as r:
        answers = [
            await r.client.post(SKIPS.format(1, "skip")),
            await r.client.post(SKIPS.format(1, "skip"), json={"reason": "x"}),
            await r.client.post(SKIPS.format(1, "unskip")),
            await r.client.get("/api/v1/discovery/skips"),
        ]
        bad = [
            await r.client.post(SKIPS.format(0, "skip"), headers=HEADERS),
            await r.client.post(SKIPS.format("abc", "skip"), headers=HEADERS),
            await r.client.post(SKIPS.format(1, "skip"), headers=HEADERS, json={"why": "x"}),
            await r.client.post(
                SKIPS.format(1, "skip"), headers=HEADERS, json={"reason": "x" * 501}
            ),
        ]
        listed = (await r.client.get("/api/v1/discovery/skips", headers=HEADERS)).json()
    assert [a.status_code for a in answers] == [401] * 4
    assert [b.status_code for b in bad] == [422] * 4
    assert listed["total"] == 0  # nothing was stored


async def test_without_discovery_skips_say_how_to_enable_it(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post(SKIPS.format(1, "skip"), headers=HEADERS)
    assert answer.status_code == 409 and "discovery.enabled" in answer.json()["detail"]
