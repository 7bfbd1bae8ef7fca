"""reconcile in the real services, on real temporary trees with the real rsync: what is
missing or of another size is copied in bulk, what only the destination has is reported,
excluded folders are ignored, a dry run changes nothing, a flood waits for confirmation."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

from arrkestra.runtime.clock import ManualClock
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.loopback import LoopbackServer

HEADERS = {"X-Api-Key": API_KEY}
SHOW = "Show (2020)"


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    fake = FakeNotify()
    with LoopbackServer(fake.app) as server:
        yield fake, server


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))


def write_raw(path: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(b"x")


def trees(tmp: Path) -> tuple[Path, Path]:
    """Source and destination with one file of each kind of difference."""
    src, dst = tmp / "src" / "tv", tmp / "dst" / "tv"
    season = f"{SHOW}/Season 01"
    for n in range(1, 4):
        write(src / season / f"e{n}.mkv", 1000 + n)
    write(src / season / "e1.en.srt", 50)
    write(src / "@eaDir" / "thumb.jpg", 10)  # excluded: never copied, never reported
    write(src / season / ".DS_Store", 5)
    write(dst / season / "e1.mkv", 1001)  # complete
    write(dst / season / "e2.mkv", 7)  # another size: replaced
    write(dst / season / "old.nfo", 3)  # only at the destination: reported, kept
    return src, dst


def sections(tmp: Path, server: LoopbackServer, **reconcile: Any) -> dict[str, Any]:
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "notifications": {"urls": [f"json://127.0.0.1:{server.port}/alerts"]},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/tv"),
                }
            ]
        },
        "reconcile": reconcile,
    }


async def start(r: Running, **body: bool) -> dict[str, Any]:
    answer = await r.client.post("/api/v1/reconcile", json=body or None, headers=HEADERS)
    assert answer.status_code == 202, answer.text
    started: dict[str, Any] = answer.json()
    await r.services.worker.run_until_idle()
    run = await r.client.get(f"/api/v1/reconcile/runs/{started['run_id']}", headers=HEADERS)
    assert run.status_code == 200
    found: dict[str, Any] = run.json()
    return found


async def test_missing_and_different_files_are_copied_extra_ones_reported(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    fake, server = notify
    src, dst = trees(tmp_path)
    season = f"{SHOW}/Season 01"
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        run = await start(r)
        jobs = (await r.client.get("/api/v1/jobs?pipeline=mirror", headers=HEADERS)).json()["jobs"]
    assert run["status"] == "done"
    assert (run["missing"], run["different"], run["extra"], run["queued"]) == (2, 1, 1, 3)
    assert run["bytes"] == 1003 + 50 + 1002  # e3 and the subtitle missing, e2 of another size
    assert run["sample_extra"] == [f"{dst}/{season}/old.nfo"]
    assert all(j["status"] == "succeeded" for j in jobs) and len(jobs) == 3
    for name in ("e2.mkv", "e3.mkv", "e1.en.srt"):  # e1: same size, left as it is
        assert (dst / season / name).read_bytes() == (src / season / name).read_bytes()
    assert (dst / season / "old.nfo").exists()  # never deleted
    assert not (dst / "@eaDir").exists() and not (dst / season / ".DS_Store").exists()
    assert {j["params"]["bulk"] for j in jobs} == {True}
    assert {j["params"]["instance"] for j in jobs} == {"sonarr.hd"}  # the one that mirrors
    [report] = [m for m in fake.received("/alerts") if "reconcile" in m.title]
    assert "3 file(s) queued" in report.message


async def test_a_dry_run_changes_nothing(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    _, dst = trees(tmp_path)
    before = sorted(p.relative_to(dst) for p in dst.rglob("*"))
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        run = await start(r, dry_run=True)
        jobs = (await r.client.get("/api/v1/jobs?pipeline=mirror", headers=HEADERS)).json()["jobs"]
    assert run["status"] == "dry_run" and run["missing"] == 2 and run["queued"] == 0
    assert jobs == []
    assert sorted(p.relative_to(dst) for p in dst.rglob("*")) == before


async def test_a_flood_queues_nothing_until_confirmed(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    fake, server = notify
    trees(tmp_path)
    config = sections(tmp_path, server, confirm_above=2)
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        held = await start(r)
        assert held["status"] == "needs_confirmation" and held["queued"] == 0
        jobs = (await r.client.get("/api/v1/jobs?pipeline=mirror", headers=HEADERS)).json()
        assert jobs["jobs"] == []
        [warning] = [m for m in fake.received("/alerts") if "confirmation" in m.title]
        assert "confirm" in warning.message
        confirmed = await start(r, confirm=True)
        runs = (await r.client.get("/api/v1/reconcile/runs", headers=HEADERS)).json()
    assert confirmed["status"] == "done" and confirmed["queued"] == 3
    assert [run["id"] for run in runs] == [confirmed["id"], held["id"]]  # newest first


async def test_an_unusable_root_is_not_compared(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    trees(tmp_path)
    write(tmp_path / "src" / "movies" / "Film (2001)" / "film.mkv", 10)
    config = sections(tmp_path, server)
    movies = {"arr_path": "/movies", "source": str(tmp_path / "src" / "movies")}
    config["mirror"]["paths"].append({**movies, "destination": str(tmp_path / "not-mounted")})
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        run = await start(r)
    assert run["status"] == "done" and run["queued"] == 3  # the usable rule's copies
    assert run["roots"][0]["problem"] is None
    assert "not-mounted" in run["roots"][1]["problem"]


async def test_a_run_that_can_compare_no_root_waits_on_the_mount(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    fake, server = notify
    _, dst = trees(tmp_path)
    dst.rename(tmp_path / "dst-away")  # the destination NAS reboots at 3 AM
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        waiting = await start(r)
        job = (await r.client.get(f"/api/v1/jobs/{waiting['job_id']}", headers=HEADERS)).json()
        (tmp_path / "dst-away").rename(dst)
        await r.services.scheduler.run("mirror.mounts")  # back: the run is due now
        await r.services.worker.run_until_idle()
        run_id = waiting["id"]
        done = (await r.client.get(f"/api/v1/reconcile/runs/{run_id}", headers=HEADERS)).json()
    assert waiting["status"] == "queued"  # not "failed": nothing was compared yet
    assert job["status"] == "pending" and job["attempts"] == 0
    assert done["status"] == "done" and done["queued"] == 3
    titles = [m.title for m in fake.received("/alerts")]
    assert not any("failed" in t for t in titles), titles


async def test_a_file_gone_before_its_bulk_run_fails_alone(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    src, dst = trees(tmp_path)
    season = f"{SHOW}/Season 01"
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        await r.services.queue.pause("mirror", "test: the copies wait")
        run = await start(r)
        (src / season / "e3.mkv").unlink()  # deleted at the source after the comparison
        await r.services.queue.resume("mirror")
        await r.services.worker.run_until_idle()
        jobs = (await r.client.get("/api/v1/jobs?pipeline=mirror", headers=HEADERS)).json()["jobs"]
    assert run["queued"] == 3
    outcome = {Path(j["params"]["library_path"]).name: j["status"] for j in jobs}
    assert outcome == {"e1.en.srt": "succeeded", "e2.mkv": "succeeded", "e3.mkv": "dead"}
    [gone] = [j for j in jobs if j["status"] == "dead"]
    assert "not in the source folder" in gone["last_error"]
    assert (dst / season / "e2.mkv").read_bytes() == (src / season / "e2.mkv").read_bytes()


async def test_a_run_whose_job_is_cancelled_reads_as_failed(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    trees(tmp_path)
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        first = await r.client.post("/api/v1/reconcile", json={"dry_run": True}, headers=HEADERS)
        job_id, run_id = first.json()["job_id"], first.json()["run_id"]
        cancelled = await r.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=HEADERS)
        assert cancelled.status_code == 200, cancelled.text
        held = (await r.client.get(f"/api/v1/reconcile/runs/{run_id}", headers=HEADERS)).json()
        listed = (await r.client.get("/api/v1/reconcile/runs", headers=HEADERS)).json()
    assert held["status"] == "failed" and held["finished_at"] is not None
    assert any("cancelled" in p for p in held["problems"])
    assert [run["status"] for run in listed] == ["failed"]


async def test_a_name_that_is_not_utf8_is_reported_not_queued(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    src, _ = trees(tmp_path)
    write_raw(os.fsencode(src / SHOW / "Season 01") + b"/caf\xe9.mkv")  # Latin-1, not UTF-8
    async with running_app(
        background=False, clock=ManualClock(), **sections(tmp_path, server)
    ) as r:
        run = await start(r)
    assert run["status"] == "done" and run["queued"] == 3  # the three others
    assert any("not UTF-8" in p for p in run["problems"])


async def test_a_dry_run_mirror_copies_nothing_in_bulk(
    running_app: AppFactory, tmp_path: Path, notify: Any
) -> None:
    _, server = notify
    _, dst = trees(tmp_path)
    before = sorted(p.relative_to(dst) for p in dst.rglob("*"))
    config = sections(tmp_path, server)
    config["mirror"]["dry_run"] = True
    async with running_app(background=False, clock=ManualClock(), **config) as r:
        run = await start(r)
        jobs = (await r.client.get("/api/v1/jobs?pipeline=mirror", headers=HEADERS)).json()["jobs"]
    assert run["queued"] == 3
    assert {(j["status"], j["result"]["outcome"]) for j in jobs} == {("succeeded", "dry_run")}
    assert sorted(p.relative_to(dst) for p in dst.rglob("*")) == before
