"""mirror batches in the real services: one rsync run for the waiting files of a folder.

Real rsync on temp trees, real SQLite, fake Plex and a notification receiver on
loopback (the fixture of test_mirror_runtime). ``mirror.concurrency: 1`` keeps the runs
in a known order: the first job of a webhook starts, the others of its folder go with it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from tests.conftest import eventually
from tests.runtime.test_mirror_runtime import (
    HEADERS,
    SCAN_DEBOUNCE,
    SHOW,
    season_pack,
    sections_for,
    upstreams,
    write,
)
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock

__all__ = ["upstreams"]  # the fixture, shared

SEASON = "Season 01"


def episode(n: int) -> str:
    return f"{SHOW} - S01E{n:02d}.mkv"


async def all_jobs(r: Running, pipeline: str = "mirror") -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": pipeline, "limit": 500}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


async def job_detail(r: Running, job_id: int) -> dict[str, Any]:
    detail: dict[str, Any] = (await r.client.get(f"/api/v1/jobs/{job_id}", headers=HEADERS)).json()
    return detail


async def settle(
    r: Running, count: int, running: asyncio.Task[int] | None = None
) -> list[dict[str, Any]]:
    """Run the queue until idle (or await the ``running`` burst): then ``count`` mirror jobs
    exist and none waits or runs; the jobs by id."""
    await (running if running is not None else r.services.worker.run_until_idle())
    jobs = sorted(await all_jobs(r), key=lambda j: j["id"])
    assert len(jobs) == count
    assert all(j["status"] in ("succeeded", "dead", "cancelled") for j in jobs), jobs
    return jobs


def burst(r: Running) -> asyncio.Task[int]:
    """The queue, run until idle in the background while the test acts on a running copy."""
    return asyncio.create_task(r.services.worker.run_until_idle())


def announced_episodes(notify: Any) -> Counter[str]:
    """How many times each SxxEyy was announced, over every "mirrored" message."""
    found: Counter[str] = Counter()
    for message in notify.received("/alerts"):
        if "mirrored" in message.title:
            found.update(re.findall(r"S01E\d+", message.message))
    return found


def season(tmp_path: Path, episodes: int, size: int = 3000) -> dict[str, int]:
    """Episodes (random data) with an ``.en.srt`` each; bytes per job (media + subtitle)."""
    folder = tmp_path / "src" / "tv" / SHOW / SEASON
    sizes = {}
    for n in range(1, episodes + 1):
        write(folder / episode(n), size + n)
        write(folder / episode(n).replace(".mkv", ".en.srt"), 100 + n)
        sizes[episode(n)] = size + n + 100 + n
    (tmp_path / "dst" / "TV").mkdir(parents=True, exist_ok=True)
    return sizes


def identical(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


async def test_an_import_complete_of_100_files_is_one_rsync_run_with_a_result_per_job(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    plex, _, notify, _ = upstreams
    sizes = season(tmp_path, 100)
    sections = sections_for(tmp_path, upstreams, concurrency=1)
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=season_pack(100))
        assert answer.status_code == 202 and len(answer.json()["jobs"]) == 100
        jobs = await settle(r, 100)
        clock.advance(SCAN_DEBOUNCE)
        assert await r.services.worker.run_until_idle() == 1  # the folder's scan

        async def announced() -> bool:  # after the quiet window
            return sum(announced_episodes(notify).values()) >= 100

        await eventually(announced, within=15)
        details = [await job_detail(r, j["id"]) for j in jobs]
        metrics = (await r.client.get("/metrics")).text
    leaders = [j for j in jobs if "batch_of" not in j["result"]]
    assert len(leaders) == 1  # one rsync run for the folder
    [leader] = leaders
    assert leader["result"]["batch"]["jobs"] == 100
    assert {j["result"].get("batch_of") for j in jobs if j is not leader} == {leader["id"]}
    for job in jobs:
        name = Path(job["result"]["source"]).name
        assert job["status"] == "succeeded" and job["attempts"] == 1
        assert job["result"]["outcome"] == "copied"
        assert job["result"]["bytes_transferred"] == sizes[name]
        assert job["result"]["files"] == [name, name.replace(".mkv", ".en.srt")]
    assert all([a["outcome"] for a in d["attempts_log"]] == ["succeeded"] for d in details)
    source = tmp_path / "src" / "tv" / SHOW / SEASON
    copied = tmp_path / "dst" / "TV" / SHOW / SEASON
    assert sorted(p.name for p in copied.iterdir()) == sorted(p.name for p in source.iterdir())
    assert all(identical(source / p.name, p) for p in copied.iterdir())
    assert plex.scans == [("2", f"/data/TV/{SHOW}/{SEASON}")]
    assert set(announced_episodes(notify).values()) == {1}  # each file announced once
    assert len(announced_episodes(notify)) == 100
    assert 'arrkestra_mirror_files_total{outcome="copied"} 100.0' in metrics
    [total] = re.findall(r"^arrkestra_mirror_bytes_transferred_total (\S+)$", metrics, re.M)
    assert float(total) == sum(sizes.values())


async def test_files_already_complete_at_the_destination_are_already_present(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    sizes = season(tmp_path, 6)
    source = tmp_path / "src" / "tv" / SHOW / SEASON
    copied = tmp_path / "dst" / "TV" / SHOW / SEASON
    copied.mkdir(parents=True)
    for n in (2, 4):  # complete copies: same size and time (Import Complete replaces others)
        for name in (episode(n), episode(n).replace(".mkv", ".en.srt")):
            shutil.copy2(source / name, copied / name)
    (copied / episode(5)).write_bytes(b"an older, different file")  # replaced
    sections = sections_for(tmp_path, upstreams, concurrency=1)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=season_pack(6))
        jobs = await settle(r, 6)

        async def announced() -> bool:
            return sum(announced_episodes(notify).values()) >= 4

        await eventually(announced, within=15)
    outcomes = {Path(j["result"]["source"]).name: j["result"]["outcome"] for j in jobs}
    assert outcomes == {
        episode(n): ("already_present" if n in (2, 4) else "copied") for n in range(1, 7)
    }
    for job in jobs:
        name = Path(job["result"]["source"]).name
        expected = 0 if outcomes[name] == "already_present" else sizes[name]
        assert job["result"]["bytes_transferred"] == expected
    assert len([j for j in jobs if "batch_of" not in j["result"]]) == 1
    assert all(identical(source / p.name, p) for p in copied.iterdir())
    assert set(announced_episodes(notify)) == {"S01E01", "S01E03", "S01E05", "S01E06"}


async def test_a_failed_batch_releases_its_jobs_which_then_succeed_or_fail_on_their_own(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    """rsync slowed down, a source file removed while it copies the first one: exit 24
    (vanished), transient. The leader fails (and retries), the others are released with
    their attempt given back and then run alone: the vanished one dies, the rest succeed."""
    _, _, notify, _ = upstreams
    season(tmp_path, 5)
    source = tmp_path / "src" / "tv" / SHOW / SEASON
    write(source / episode(1), 6 * 1024 * 1024)  # about 3 s at 2 MB/s: time to remove E04
    sections = sections_for(tmp_path, upstreams, concurrency=1, bwlimit="2M")
    async with running_app(background=False, **sections) as r:
        ids = (await r.client.post("/webhook/sonarr/hd", json=season_pack(5))).json()["jobs"]
        running = burst(r)

        async def copying() -> bool:
            statuses = {j["status"] for j in await all_jobs(r)}
            leader = await job_detail(r, ids[0])
            return statuses == {"running"} and bool(leader["progress"])

        await eventually(copying, within=30)
        os.unlink(source / episode(4))
        jobs = {j["id"]: j for j in await settle(r, 5, running)}
        details = {i: await job_detail(r, i) for i in ids}

        async def announced() -> bool:
            return sum(announced_episodes(notify).values()) >= 4

        await eventually(announced, within=15)
    leader, vanished = details[ids[0]], details[ids[3]]
    assert [a["outcome"] for a in leader["attempts_log"]] == ["failed", "succeeded"]
    assert "vanished" in leader["attempts_log"][0]["error"]
    assert leader["result"]["outcome"] == "copied" and "batch_of" not in leader["result"]
    assert vanished["status"] == "dead"
    assert "not in the source folder" in vanished["last_error"]
    for job_id in (ids[1], ids[2], ids[4]):
        job, detail = jobs[job_id], details[job_id]
        log = detail["attempts_log"]
        assert job["status"] == "succeeded" and job["attempts"] == 1  # the release was free
        assert [a["outcome"] for a in log] == ["released", "succeeded"]
        assert f"the batch run of job {ids[0]} failed" in log[0]["error"]
        assert "batch_of" not in job["result"]  # released with a note: then alone
        # the failed run copied it already: announced now, as nobody did
        assert job["result"]["outcome"] == "copied"
    copied = tmp_path / "dst" / "TV" / SHOW / SEASON
    assert not (copied / episode(4)).exists()
    assert all(identical(source / p.name, p) for p in copied.iterdir())
    assert announced_episodes(notify) == Counter({f"S01E0{n}": 1 for n in (1, 2, 3, 5)})


async def test_a_sibling_cancelled_while_its_batch_runs_stays_cancelled(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    season(tmp_path, 3)
    write(tmp_path / "src" / "tv" / SHOW / SEASON / episode(1), 4 * 1024 * 1024)
    sections = sections_for(tmp_path, upstreams, concurrency=1, bwlimit="2M")
    async with running_app(background=False, **sections) as r:
        ids = (await r.client.post("/webhook/sonarr/hd", json=season_pack(3))).json()["jobs"]
        running = burst(r)

        async def batched() -> bool:
            return {j["status"] for j in await all_jobs(r)} == {"running"}

        await eventually(batched, within=30)
        answer = await r.client.post(f"/api/v1/jobs/{ids[2]}/cancel", headers=HEADERS)
        assert answer.status_code == 200, answer.text
        jobs = {j["id"]: j for j in await settle(r, 3, running)}

        async def announced() -> bool:
            return sum(announced_episodes(notify).values()) >= 2

        await eventually(announced, within=15)
    assert [jobs[i]["status"] for i in ids] == ["succeeded", "succeeded", "cancelled"]
    assert jobs[ids[1]]["result"]["batch_of"] == ids[0]
    assert jobs[ids[2]]["result"] is None
    assert announced_episodes(notify) == Counter({"S01E01": 1, "S01E02": 1})  # not E03


async def test_a_file_that_fails_its_own_checks_leaves_the_batch_and_dies_alone(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    season(tmp_path, 4)
    source = tmp_path / "src" / "tv" / SHOW / SEASON
    outside = tmp_path / "elsewhere.mkv"
    write(outside, 500)
    (source / episode(3)).unlink()
    (source / episode(3)).symlink_to(outside)  # leads out of the source root
    sections = sections_for(tmp_path, upstreams, concurrency=1)
    async with running_app(background=False, **sections) as r:
        ids = (await r.client.post("/webhook/sonarr/hd", json=season_pack(4))).json()["jobs"]
        jobs = {j["id"]: j for j in await settle(r, 4)}
        escaped = await job_detail(r, ids[2])
    assert [jobs[i]["status"] for i in ids] == ["succeeded", "succeeded", "dead", "succeeded"]
    assert jobs[ids[1]]["result"]["batch_of"] == ids[0]
    assert jobs[ids[3]]["result"]["batch_of"] == ids[0]
    assert "resolves outside" in escaped["last_error"]
    log = escaped["attempts_log"]
    assert [a["outcome"] for a in log] == ["released", "dead"]
    assert f"cannot be copied with job {ids[0]}" in log[0]["error"]
    assert not (tmp_path / "dst" / "TV" / SHOW / SEASON / episode(3)).exists()


async def test_a_drain_releases_the_whole_batch_and_the_restart_announces_what_it_copied(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    season(tmp_path, 3)
    source = tmp_path / "src" / "tv" / SHOW / SEASON
    copied = tmp_path / "dst" / "TV" / SHOW / SEASON
    write(source / episode(2), 8 * 1024 * 1024)  # E01 first and quick, then about 4 s
    slow = sections_for(tmp_path, upstreams, concurrency=1, bwlimit="2M")
    async with running_app(background=False, **slow, server={"drain_timeout": "1s"}) as r:
        ids = (await r.client.post("/webhook/sonarr/hd", json=season_pack(3))).json()["jobs"]
        running = burst(r)

        async def e01_copied() -> bool:
            return (copied / episode(1)).exists() and bool(
                (await job_detail(r, ids[0]))["progress"]
            )

        await eventually(e01_copied, within=30)
    # stopped: the batch was cancelled after the drain timeout, every job given back
    assert await running == 1  # the leader's attempt; the stop ended the burst
    sections = sections_for(tmp_path, upstreams, concurrency=1)
    async with running_app(background=False, **sections) as r:
        drained = [await job_detail(r, i) for i in ids]
        jobs = {j["id"]: j for j in await settle(r, 3)}
        logs = {i: [a["outcome"] for a in (await job_detail(r, i))["attempts_log"]] for i in ids}

        async def announced() -> bool:
            return sum(announced_episodes(notify).values()) >= 3

        await eventually(announced, within=15)
    assert all(d["attempts_log"][0]["outcome"] == "released" for d in drained)
    assert all(d["attempts_log"][0]["error"] is None for d in drained)  # not a failure
    assert all(logs[i] == ["released", "succeeded"] for i in ids)
    assert all(jobs[i]["attempts"] == 1 for i in ids)
    assert len([j for j in jobs.values() if "batch_of" not in j["result"]]) == 1  # batched again
    # E01 was complete before the restart, but only the drained run had copied it
    assert jobs[ids[0]]["result"]["outcome"] == "copied"
    assert jobs[ids[0]]["result"]["note"].startswith("the copy was already complete")
    assert announced_episodes(notify) == Counter({"S01E01": 1, "S01E02": 1, "S01E03": 1})
    assert all(identical(source / p.name, p) for p in copied.iterdir())


async def test_a_file_that_fails_a_batch_for_good_does_not_take_the_others_with_it(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    """A folder in the way of E03's copy: rsync copies the rest and exits 23 (permanent).
    The leader does not die for E03: it runs alone at once (its copy is there: copied,
    announced); the others are released, run alone, and only E03 dies."""
    _, _, notify, _ = upstreams
    season(tmp_path, 4)
    copied = tmp_path / "dst" / "TV" / SHOW / SEASON
    (copied / episode(3)).mkdir(parents=True)
    (copied / episode(3) / "keep").write_text("not ours")
    sections = sections_for(tmp_path, upstreams, concurrency=1)
    async with running_app(background=False, **sections) as r:
        ids = (await r.client.post("/webhook/sonarr/hd", json=season_pack(4))).json()["jobs"]
        jobs = {j["id"]: j for j in await settle(r, 4)}
        logs = {i: (await job_detail(r, i))["attempts_log"] for i in ids}

        async def announced() -> bool:
            return sum(announced_episodes(notify).values()) >= 3

        await eventually(announced, within=15)
    assert [jobs[i]["status"] for i in ids] == ["succeeded", "succeeded", "dead", "succeeded"]
    assert [a["outcome"] for a in logs[ids[0]]] == ["succeeded"]  # no failed attempt
    assert jobs[ids[0]]["result"]["outcome"] == "copied"
    assert "batch" not in jobs[ids[0]]["result"]  # its own run decided its result
    for i in (ids[1], ids[3]):
        assert [a["outcome"] for a in logs[i]] == ["released", "succeeded"]
        assert jobs[i]["result"]["outcome"] == "copied"
    assert [a["outcome"] for a in logs[ids[2]]] == ["released", "dead"]
    assert "could not make way" in jobs[ids[2]]["last_error"]
    assert (copied / episode(3) / "keep").read_text() == "not ours"
    assert announced_episodes(notify) == Counter({"S01E01": 1, "S01E02": 1, "S01E04": 1})
