"""Verified copies (``mirror.verify``) in the real services: real rsync on temp trees, with a
stand-in ``rsync`` first on PATH that damages a copy after the real one ran
(``rsync_saboteur``): the copy is not announced, scanned or counted, it is copied again
(with ``--checksum`` when only that can see the damage), then verified."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from tests.runtime.rsync_saboteur import install_saboteur
from tests.runtime.test_mirror_batch_runtime import (
    SEASON,
    all_jobs,
    announced_episodes,
    episode,
    identical,
    job_detail,
    season,
)
from tests.runtime.test_mirror_changes import rename
from tests.runtime.test_mirror_runtime import (
    SCAN_DEBOUNCE,
    SHOW,
    sections_for,
    upstreams,
    write,
)
from tests.runtime.test_reconcile_runtime import start
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock

__all__ = ["upstreams"]  # the fixture, shared

LATER = 7200.0  # past any backoff of a one-hour retry policy


def single(n: int) -> dict[str, Any]:
    """Sonarr's "On File Import" of episode ``n``."""
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"},
        "episodes": [{"id": n, "episodeNumber": n, "seasonNumber": 1}],
        "episodeFile": {"id": 100 + n, "relativePath": f"{SEASON}/{episode(n)}"},
        "isUpgrade": False,
    }


def paths(tmp_path: Path, n: int) -> tuple[Path, Path]:
    """Episode ``n`` at the source and where its copy goes."""
    source = tmp_path / "src" / "tv" / SHOW / SEASON / episode(n)
    return source, tmp_path / "dst" / "TV" / SHOW / SEASON / episode(n)


async def one_copy(r: Running, n: int) -> int:
    answer = await r.client.post("/webhook/sonarr/hd", json=single(n))
    assert answer.status_code == 202, answer.text
    (job_id,) = answer.json()["jobs"]
    assert isinstance(job_id, int)
    return job_id


def outcomes(detail: dict[str, Any]) -> list[str]:
    return [a["outcome"] for a in detail["attempts_log"]]


async def test_a_copy_whose_content_differs_is_not_announced_and_copied_again_with_checksum(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    plex, _, notify, _ = upstreams
    source, copy = paths(tmp_path, 1)
    write(source, 300_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    saboteur = install_saboteur(tmp_path, monkeypatch, copy, damage="flip")
    clock = ManualClock()
    slow_retry = {"base": "1h", "cap": "1h"}
    sections = sections_for(tmp_path, upstreams, verify="checksum", retry=slow_retry)
    async with running_app(background=False, clock=clock, **sections) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()
        first = await job_detail(r, job_id)
        scans_after_first = await all_jobs(r, "plex_scan")
        damaged = copy.read_bytes()
        clock.advance(LATER)
        await r.services.worker.run_until_idle()
        done = await job_detail(r, job_id)
        clock.advance(SCAN_DEBOUNCE)
        await r.services.worker.run_until_idle()  # the folder's scan
        metrics = (await r.client.get("/metrics")).text
    # closed: what was announced is flushed
    assert first["status"] == "failed" and first["result"] is None
    assert "content differs (BLAKE2b)" in first["last_error"]
    assert "rsync --checksum" in first["last_error"]
    assert scans_after_first == []  # nothing scanned for the damaged copy
    assert len(damaged) == source.stat().st_size and damaged != source.read_bytes()
    assert done["status"] == "succeeded" and outcomes(done) == ["failed", "succeeded"]
    assert done["result"]["outcome"] == "copied" and done["result"]["verified"] == "checksum"
    assert done["result"]["files_transferred"] == 1  # --checksum copied it again
    assert saboteur.checksum_runs() == [False, True]
    assert identical(source, copy)
    assert plex.scans == [("2", f"/data/TV/{SHOW}/{SEASON}")]
    assert announced_episodes(notify) == Counter({"S01E01": 1})
    assert 'arrkestra_mirror_files_total{outcome="copied"} 1.0' in metrics


async def test_size_catches_a_truncated_copy_which_is_copied_again(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``verify`` in the config: ``size`` is the default."""
    _, _, notify, _ = upstreams
    source, copy = paths(tmp_path, 1)
    write(source, 100_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    saboteur = install_saboteur(tmp_path, monkeypatch, copy, damage="truncate", times=1)
    async with running_app(background=False, **sections_for(tmp_path, upstreams)) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()  # fails, then the retry (no backoff here)
        done = await job_detail(r, job_id)
    assert done["status"] == "succeeded" and outcomes(done) == ["failed", "succeeded"]
    first_error = done["attempts_log"][0]["error"]
    assert "50,000 bytes at the destination, 100,000 at the source" in first_error
    assert "(size check)" in first_error
    assert done["result"]["verified"] == "size"
    assert saboteur.damaged == 1 and saboteur.checksum_runs() == [False, False]
    assert identical(source, copy)
    assert announced_episodes(notify) == Counter({"S01E01": 1})


async def test_verify_none_trusts_rsync(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, copy = paths(tmp_path, 1)
    write(source, 10_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    install_saboteur(tmp_path, monkeypatch, copy, damage="truncate", times=1)
    sections = sections_for(tmp_path, upstreams, verify="none")
    async with running_app(background=False, **sections) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()
        done = await job_detail(r, job_id)
    assert done["status"] == "succeeded" and outcomes(done) == ["succeeded"]
    assert done["result"]["outcome"] == "copied" and "verified" not in done["result"]
    assert copy.stat().st_size == 5_000  # nobody looked


@pytest.mark.parametrize("damaged", [2, 1], ids=["a sibling", "the leading job"])
async def test_a_batch_with_one_damaged_copy_announces_the_others_and_that_one_retries_alone(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,
    monkeypatch: pytest.MonkeyPatch,
    damaged: int,
) -> None:
    _, _, notify, _ = upstreams
    season(tmp_path, 4)
    _, copy = paths(tmp_path, damaged)
    saboteur = install_saboteur(tmp_path, monkeypatch, copy, damage="flip")
    bounded = {"max_attempts": 3}  # a copy that never verifies ends dead, not in a loop
    sections = sections_for(tmp_path, upstreams, concurrency=1, verify="checksum", retry=bounded)
    async with running_app(background=False, **sections) as r:
        ids = []
        for n in range(1, 5):
            ids.append(await one_copy(r, n))
        await r.services.worker.run_until_idle()
        jobs = {j["id"]: j for j in await all_jobs(r)}
        details = {i: await job_detail(r, i) for i in ids}
    bad, leader = ids[damaged - 1], ids[0]
    assert all(j["status"] == "succeeded" for j in jobs.values())
    assert {j["result"]["verified"] for j in jobs.values()} == {"checksum"}
    first = details[bad]["attempts_log"][0]
    assert first["outcome"] == ("released" if bad != leader else "failed")
    assert "content differs (BLAKE2b)" in first["error"]
    assert outcomes(details[bad])[1:] == ["succeeded"]
    assert "batch_of" not in jobs[bad]["result"]  # it ran alone
    for job_id in ids:
        if job_id not in (bad, leader):  # verified in the first run, with the leader
            assert jobs[job_id]["result"]["batch_of"] == leader
            assert outcomes(details[job_id]) == ["succeeded"]
    runs = saboteur.runs()
    assert saboteur.checksum_runs() == [False, True]
    assert any(episode(damaged) in a for a in runs[1])  # the retry: only its own files
    assert not any(episode(n) in a for a in runs[1] for n in range(1, 5) if n != damaged)
    for n in range(1, 5):
        assert identical(*paths(tmp_path, n))
    assert announced_episodes(notify) == Counter({f"S01E0{n}": 1 for n in range(1, 5)})


async def test_a_retry_deferred_by_a_mount_down_still_copies_with_checksum(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Failed verification, then an attempt given back (the destination root down), then the
    attempt that copies with ``--checksum``: the deferral does not lose it."""
    source, copy = paths(tmp_path, 1)
    write(source, 50_000)
    root = tmp_path / "dst" / "TV"
    root.mkdir(parents=True)
    saboteur = install_saboteur(tmp_path, monkeypatch, copy, damage="flip")
    clock = ManualClock()
    slow_retry = {"base": "1h", "cap": "1h"}
    sections = sections_for(tmp_path, upstreams, verify="checksum", retry=slow_retry)
    async with running_app(background=False, clock=clock, **sections) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()  # copied, damaged, not verified
        root.rename(tmp_path / "dst" / "away")
        clock.advance(LATER)
        await r.services.worker.run_until_idle()  # the root is down: the attempt waits
        waiting = await job_detail(r, job_id)
        (tmp_path / "dst" / "away").rename(root)
        await r.services.scheduler.run("mirror.mounts")  # back: the job is due
        await r.services.worker.run_until_idle()
        done = await job_detail(r, job_id)
    assert waiting["status"] == "pending" and "destination root" in waiting["last_error"]
    assert done["status"] == "succeeded" and done["result"]["verified"] == "checksum"
    assert outcomes(done)[0] == "failed" and outcomes(done)[-1] == "succeeded"
    assert done["attempts"] == 2  # the wait on the mount cost no attempt
    assert saboteur.checksum_runs() == [False, True]
    assert identical(source, copy)


async def test_a_rename_copied_instead_is_verified(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = episode(1).replace(".mkv", " - Pilot.mkv")
    source = tmp_path / "src" / "tv" / SHOW / SEASON / new
    copy = tmp_path / "dst" / "TV" / SHOW / SEASON / new
    write(source, 20_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    saboteur = install_saboteur(tmp_path, monkeypatch, copy, damage="truncate", times=1)
    sections = sections_for(tmp_path, upstreams, propagate_renames=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=rename("gone.mkv", new))
        await r.services.worker.run_until_idle()
        (job,) = await all_jobs(r)
        detail = await job_detail(r, job["id"])
    assert job["status"] == "succeeded" and outcomes(detail) == ["failed", "succeeded"]
    assert "10,000 bytes at the destination" in detail["attempts_log"][0]["error"]
    assert job["result"]["verified"] == "size" and "copied instead" in job["result"]["note"]
    assert saboteur.damaged == 1
    assert identical(source, copy)


async def test_a_bulk_copy_whose_content_differs_is_copied_again_alone_with_checksum(
    running_app: AppFactory, tmp_path: Path, upstreams: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    src, dst = tmp_path / "src" / "tv" / SHOW / SEASON, tmp_path / "dst" / "TV" / SHOW / SEASON
    for n in range(1, 4):
        write(src / f"e{n}.mkv", 4000 + n)
    dst.mkdir(parents=True)
    saboteur = install_saboteur(tmp_path, monkeypatch, dst / "e2.mkv", damage="flip")
    bounded = {"max_attempts": 3}  # a copy that never verifies ends dead, not in a loop
    sections = sections_for(tmp_path, upstreams, concurrency=1, verify="checksum", retry=bounded)
    async with running_app(background=False, clock=ManualClock(), **sections) as r:
        run = await start(r)  # reconcile, then its bulk copies, until idle
        jobs = {Path(j["params"]["library_path"]).name: j for j in await all_jobs(r)}
        e2 = await job_detail(r, jobs["e2.mkv"]["id"])
    assert run["queued"] == 3
    assert all(j["status"] == "succeeded" for j in jobs.values())
    assert {j["result"]["verified"] for j in jobs.values()} == {"checksum"}
    assert e2["attempts_log"][0]["outcome"] in ("released", "failed")
    assert "content differs (BLAKE2b)" in e2["attempts_log"][0]["error"]
    assert saboteur.checksum_runs() == [False, True]
    assert all(identical(src / name, dst / name) for name in ("e1.mkv", "e2.mkv", "e3.mkv"))


async def test_a_sidecar_the_excludes_keep_back_is_not_missed(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    source, copy = paths(tmp_path, 1)
    write(source, 1000)
    write(source.with_suffix(".nfo"), 10)  # a sidecar rsync is told to leave out
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    sections = sections_for(tmp_path, upstreams, excludes=["*.nfo"])
    async with running_app(background=False, **sections) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()
        done = await job_detail(r, job_id)
    assert outcomes(done) == ["succeeded"] and done["result"]["verified"] == "size"
    assert identical(source, copy) and not copy.with_suffix(".nfo").exists()


async def test_a_sidecar_linked_to_a_folder_not_mirrored_is_verified_as_a_link(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    """rsync copies the link as a link; its target dangles at the destination, and that is
    the copy it should be (following it would call it missing for ever)."""
    source, copy = paths(tmp_path, 1)
    write(source, 1000)
    subtitles = source.parent.parent / "Subs" / "e1.srt"  # beside the season: not copied
    write(subtitles, 10)
    source.with_suffix(".en.srt").symlink_to("../Subs/e1.srt")
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    async with running_app(background=False, **sections_for(tmp_path, upstreams)) as r:
        job_id = await one_copy(r, 1)
        await r.services.worker.run_until_idle()
        done = await job_detail(r, job_id)
    assert outcomes(done) == ["succeeded"] and done["result"]["verified"] == "size"
    link = copy.with_suffix(".en.srt")
    assert link.is_symlink() and not link.exists()  # the link, dangling as rsync left it
