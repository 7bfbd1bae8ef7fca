"""Issue 13's file and path findings (8, the path parts of 12, and 13), each a test that
failed before its fix: real rsync on temp trees, real SQLite, fake upstreams over HTTP."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running, running_app

from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.core.discovery import Verdict
from arrkestra.core.events import parse_event
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CleanupParams, CleanupResult
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.core.paths import PathRefused, PathRule, map_path
from arrkestra.core.redact import Redactor
from arrkestra.core.routing import jobs_for
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.pipelines import cleanup
from arrkestra.pipelines.budget import BudgetGuard
from arrkestra.pipelines.discovery_sonarr import waiting_for_tvdb
from arrkestra.pipelines.mirror.destination import apply_moves, plan_moves
from arrkestra.runtime.clock import ManualClock
from arrkestra.store import shows as show_store
from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["running_app"]

HEADERS = {"X-Api-Key": API_KEY}
SHOW = "Show (2020)"
EPISODE = f"{SHOW} - S01E01.mkv"
HOUR = 3600.0


@pytest.fixture
def notify() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    fake = FakeNotify()
    with LoopbackServer(fake.app) as server:
        yield fake, server


def mirror_sections(tmp: Path, notify_port: int, **mirror: Any) -> dict[str, Any]:
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "notifications": {
            "urls": [f"json://127.0.0.1:{notify_port}/alerts"],
            "coalesce_window": "1s",
        },
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                }
            ],
            **mirror,
        },
    }


def download(relative: str, *, series_path: str = f"/tv/{SHOW}") -> dict[str, Any]:
    return {
        "eventType": "Download",
        "series": {"id": 1, "title": SHOW, "path": series_path, "tvdbId": 1},
        "episodeFile": {"id": 7, "relativePath": relative, "quality": "WEBDL-1080p", "size": 1},
        "episodes": [{"id": 1, "episodeNumber": 1, "seasonNumber": 1}],
    }


async def mirror_jobs(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get(
        "/api/v1/jobs", params={"pipeline": "mirror", "limit": 100}, headers=HEADERS
    )
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


def growing_rsync(bin_dir: Path, grows: Path, marker: Path) -> None:
    """An ``rsync`` first on PATH: the real one, then (once, while ``marker`` exists) more
    bytes appended to ``grows``: the file was still being written while it was copied."""
    real = shutil.which("rsync")
    assert real is not None
    bin_dir.mkdir()
    script = bin_dir / "rsync"
    script.write_text(
        "#!/bin/sh\n"
        f'"{real}" "$@"\n'
        "rc=$?\n"
        f"if [ -e '{marker}' ]; then rm '{marker}'; head -c 5000 /dev/zero >> '{grows}'; fi\n"
        "exit $rc\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


# -- finding 8: a file still being written -------------------------------------------------


async def test_a_file_still_being_written_is_not_counted_and_is_copied_again_once_still(
    running_app: AppFactory,
    tmp_path: Path,
    notify: tuple[FakeNotify, LoopbackServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, server = notify
    source = tmp_path / "src" / "tv" / SHOW / "Season 01" / EPISODE
    source.parent.mkdir(parents=True)
    source.write_bytes(b"x" * 10_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    marker = tmp_path / "grow-once"
    marker.touch()
    growing_rsync(tmp_path / "bin", source, marker)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    clock = ManualClock()
    async with running_app(
        background=False, clock=clock, **mirror_sections(tmp_path, server.port)
    ) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=download(f"Season 01/{EPISODE}"))
        assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        (job,) = await mirror_jobs(r)
        assert job["status"] == "pending", job  # not counted: the file changed meanwhile
        assert job["attempts"] == 0  # no attempt spent on waiting
        assert "changed while it was copied" in (job["last_error"] or "")
        clock.advance(60)
        await r.services.worker.run_until_idle()
        (job,) = await mirror_jobs(r)
        assert job["status"] == "succeeded", job
        assert job["result"]["outcome"] == "copied"
    copy = tmp_path / "dst" / "TV" / SHOW / "Season 01" / EPISODE
    assert copy.read_bytes() == source.read_bytes()  # the whole file, not the first 10 kB


async def test_a_file_that_never_holds_still_becomes_a_counted_failure_after_an_hour(
    running_app: AppFactory,
    tmp_path: Path,
    notify: tuple[FakeNotify, LoopbackServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review of issue 13: a file something keeps writing was copied every 15 s for ever,
    unseen. Past an hour the waits end: retries back off and count, up to an alert."""
    _, server = notify
    source = tmp_path / "src" / "tv" / SHOW / "Season 01" / EPISODE
    source.parent.mkdir(parents=True)
    source.write_bytes(b"x" * 10_000)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    growing_rsync(tmp_path / "bin", source, tmp_path / "grow-once")
    script = tmp_path / "bin" / "rsync"
    script.write_text(script.read_text().replace("rm '", "true '"))  # grows at every run
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    (tmp_path / "grow-once").touch()
    clock = ManualClock()
    backoff = {"retry": {"base": "10m", "cap": "10m"}}  # not the tests' usual 0 s
    async with running_app(
        background=False, clock=clock, **mirror_sections(tmp_path, server.port, **backoff)
    ) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=download(f"Season 01/{EPISODE}"))
        assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        (waiting,) = await mirror_jobs(r)
        clock.advance(2 * 3600)
        await r.services.worker.run_until_idle()
        (failing,) = await mirror_jobs(r)
    assert waiting["status"] == "pending" and waiting["attempts"] == 0
    assert failing["status"] == "failed" and failing["attempts"] == 1
    assert "still changes after 1 h" in failing["last_error"]


async def test_a_file_still_being_written_in_a_batch_run_is_copied_again_whole(
    running_app: AppFactory,
    tmp_path: Path,
    notify: tuple[FakeNotify, LoopbackServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, server = notify
    folder = tmp_path / "src" / "tv" / SHOW / "Season 01"
    folder.mkdir(parents=True)
    names = [f"{SHOW} - S01E0{n}.mkv" for n in range(1, 5)]
    for name in names:
        (folder / name).write_bytes(os.urandom(8_000))
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    marker = tmp_path / "grow-once"
    marker.touch()
    growing_rsync(tmp_path / "bin", folder / names[2], marker)  # one file of the batch grows
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    clock = ManualClock()
    async with running_app(
        background=False, clock=clock, **mirror_sections(tmp_path, server.port)
    ) as r:
        for name in names:
            answer = await r.client.post("/webhook/sonarr/hd", json=download(f"Season 01/{name}"))
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        clock.advance(60)  # past the wait of a file that changed during its run
        await r.services.worker.run_until_idle()
        jobs = await mirror_jobs(r)
    assert sorted(j["status"] for j in jobs) == ["succeeded"] * 4, jobs
    copied = tmp_path / "dst" / "TV" / SHOW / "Season 01"
    for name in names:
        assert (copied / name).read_bytes() == (folder / name).read_bytes(), name


async def test_a_truncated_earlier_copy_is_not_kept_as_already_present(
    running_app: AppFactory, tmp_path: Path, notify: tuple[FakeNotify, LoopbackServer]
) -> None:
    _, server = notify
    source = tmp_path / "src" / "tv" / SHOW / "Season 01" / EPISODE
    source.parent.mkdir(parents=True)
    source.write_bytes(os.urandom(20_000))
    copy = tmp_path / "dst" / "TV" / SHOW / "Season 01" / EPISODE
    copy.parent.mkdir(parents=True)
    copy.write_bytes(source.read_bytes()[:7_000])  # what an earlier, cut-short run left
    complete = copy.with_name(f"{SHOW} - S01E02.mkv")
    (source.parent / complete.name).write_bytes(b"new version at the source")
    complete.write_bytes(b"kept version, same size!!")  # same size: ignore_existing keeps it
    async with running_app(background=False, **mirror_sections(tmp_path, server.port)) as r:
        for name in (EPISODE, complete.name):
            answer = await r.client.post("/webhook/sonarr/hd", json=download(f"Season 01/{name}"))
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        jobs = await mirror_jobs(r)
    outcomes = {j["params"]["library_path"].rsplit("/", 1)[1]: j["result"]["outcome"] for j in jobs}
    assert outcomes == {EPISODE: "copied", complete.name: "already_present"}
    assert copy.read_bytes() == source.read_bytes()
    assert complete.read_bytes() == b"kept version, same size!!"


# -- finding 12: a symlinked sidecar, paths that are one file ------------------------------


async def test_a_sidecar_symlink_out_of_the_source_root_is_refused(
    running_app: AppFactory, tmp_path: Path, notify: tuple[FakeNotify, LoopbackServer]
) -> None:
    _, server = notify
    secret = tmp_path / "outside" / "secret"
    secret.parent.mkdir()
    secret.write_text("not for the second server")
    folder = tmp_path / "src" / "tv" / SHOW / "Season 01"
    folder.mkdir(parents=True)
    (folder / EPISODE).write_bytes(b"video")
    (folder / EPISODE.replace(".mkv", ".nfo")).symlink_to(secret)
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    async with running_app(background=False, **mirror_sections(tmp_path, server.port)) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=download(f"Season 01/{EPISODE}"))
        assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        (job,) = await mirror_jobs(r)
    assert job["status"] == "dead", job
    assert "sidecar" in job["last_error"] and "outside the source root" in job["last_error"]
    copied = tmp_path / "dst" / "TV" / SHOW / "Season 01"
    assert not (copied / EPISODE.replace(".mkv", ".nfo")).is_symlink()


async def test_dot_and_doubled_separators_in_a_library_path_make_one_job(
    running_app: AppFactory, tmp_path: Path, notify: tuple[FakeNotify, LoopbackServer]
) -> None:
    _, server = notify
    (tmp_path / "src" / "tv" / SHOW / "Season 01").mkdir(parents=True)
    (tmp_path / "src" / "tv" / SHOW / "Season 01" / EPISODE).write_bytes(b"video")
    (tmp_path / "dst" / "TV").mkdir(parents=True)
    async with running_app(background=False, **mirror_sections(tmp_path, server.port)) as r:
        ids = set()
        for series_path in (f"/tv/{SHOW}", f"/tv/./{SHOW}", f"//tv//{SHOW}", f"/tv/{SHOW}/."):
            answer = await r.client.post(
                "/webhook/sonarr/hd",
                json=download(f"Season 01/{EPISODE}", series_path=series_path),
            )
            assert answer.status_code == 202
            ids.update(answer.json()["jobs"])
        jobs = await mirror_jobs(r)
    assert len(ids) == 1 and len(jobs) == 1, jobs
    assert jobs[0]["params"]["library_path"] == f"/tv/{SHOW}/Season 01/{EPISODE}"


# -- finding 13: a folder made outside the root before the check ---------------------------


def test_a_rename_into_a_symlink_out_of_the_root_creates_nothing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    destination = tmp_path / "dst" / "TV"
    (destination / SHOW).mkdir(parents=True)
    (destination / SHOW / EPISODE).write_bytes(b"the copy")
    (destination / "Moved").symlink_to(outside)
    rule = PathRule(arr_path="/tv", source=str(tmp_path / "src"), destination=str(destination))
    old = map_path(f"/tv/{SHOW}/{EPISODE}", (rule,))
    new = map_path(f"/tv/Moved/Season 02/{EPISODE}", (rule,))
    moves = plan_moves(old, new)
    assert moves
    with pytest.raises(PathRefused):
        apply_moves(moves, new)
    assert list(outside.iterdir()) == []  # no "Season 02" made out there
    assert (destination / SHOW / EPISODE).read_bytes() == b"the copy"


# -- finding 13: one media-index read per burst, the 4K side's own status ------------------

OVERSEERR_KEY = "overseerr-key-0123456789abcdef"


@dataclass
class Seerr:
    fake: FakeOverseerr
    client: OverseerrClient
    budget: BudgetGuard

    async def delete(self, body: dict[str, Any], *, is_4k: bool = False) -> CleanupResult:
        name = "4k" if is_4k else "hd"
        [spec] = jobs_for(
            parse_event("sonarr", body),
            InstanceRef("sonarr", name, is_4k=is_4k),
            pipelines=frozenset({"cleanup"}),
        )
        job = Job(1, spec.pipeline, spec.key, spec.params, JobStatus.RUNNING, 1, 0.0, 0.0, 0.0)
        deps = cleanup.Deps(self.client, False, self.budget)
        return await cleanup.run(job, CleanupParams.load(job.params), deps)

    def index_reads(self) -> int:
        return sum(
            1 for method, path, _ in self.fake.calls if (method, path) == ("GET", "/api/v1/media")
        )


@pytest.fixture
async def seerr() -> AsyncIterator[Seerr]:
    fake = FakeOverseerr(OVERSEERR_KEY)

    async def none_since(since: float) -> int:
        return 0

    async def resumed_at() -> float:
        return 0.0

    async def pause(reason: str) -> None:
        raise AssertionError(reason)

    budget = BudgetGuard(
        "cleanup", "Overseerr deletions", None, lambda: 0.0, none_since, resumed_at, pause
    )
    with LoopbackServer(fake.app) as server:
        async with httpx.AsyncClient(timeout=5) as http:
            client = OverseerrClient(
                server.url,
                OVERSEERR_KEY,
                client=http,
                redactor=Redactor.of([OVERSEERR_KEY]),
                clock=lambda: 0.0,
            )
            yield Seerr(fake, client, budget)


def series_delete(tvdb_id: int, *, tmdb_id: int | None = None) -> dict[str, Any]:
    series: dict[str, Any] = {"id": tvdb_id, "title": f"Show {tvdb_id}", "path": f"/tv/{tvdb_id}"}
    series["tvdbId"] = tvdb_id
    if tmdb_id is not None:
        series["tmdbId"] = tmdb_id
    return {"eventType": "SeriesDelete", "series": series, "deletedFiles": True}


async def test_a_burst_of_deletions_reads_the_media_index_once(seerr: Seerr) -> None:
    rows = [
        seerr.fake.add_media(media_type="tv", tmdb_id=9000 + n, tvdb_id=100 + n) for n in range(10)
    ]
    for n in range(10):  # known by tvdbId only: found in the index
        result = await seerr.delete(series_delete(100 + n))
        assert result.outcome == "deleted" and result.media_id == rows[n]
    assert seerr.index_reads() == 1
    late = seerr.fake.add_media(media_type="tv", tmdb_id=9999, tvdb_id=999)  # after the read
    result = await seerr.delete(series_delete(999))
    assert result.outcome == "deleted" and result.media_id == late  # a miss reads it again
    assert seerr.index_reads() == 2


async def test_a_4k_delete_reads_status4k_not_the_hd_side_marked_deleted(seerr: Seerr) -> None:
    row = seerr.fake.add_media(media_type="tv", tmdb_id=7000, tvdb_id=700, status=7, status4k=5)
    result = await seerr.delete(series_delete(700, tmdb_id=7000), is_4k=True)
    assert result.outcome == "deleted", result
    assert not seerr.fake.has_media(row)
    gone = seerr.fake.add_media(media_type="tv", tmdb_id=7001, tvdb_id=701, status=5, status4k=7)
    result = await seerr.delete(series_delete(701, tmdb_id=7001), is_4k=True)
    assert result.outcome == "not_in_overseerr"  # the 4K side is already marked deleted
    assert seerr.fake.has_media(gone)


# -- finding 13: the mirror's budget message counts files ----------------------------------


async def test_the_mirror_budget_pause_counts_the_files_deleted_sidecars_included(
    running_app: AppFactory, tmp_path: Path, notify: tuple[FakeNotify, LoopbackServer]
) -> None:
    _, server = notify
    (tmp_path / "src" / "tv" / SHOW / "Season 01").mkdir(parents=True)
    copy = tmp_path / "dst" / "TV" / SHOW / "Season 01"
    copy.mkdir(parents=True)
    names = [f"{SHOW} - S01E0{n}.mkv" for n in range(1, 5)]
    for name in names:
        (copy / name).write_bytes(b"video")
        (copy / name.replace(".mkv", ".en.srt")).write_bytes(b"subtitles")
    budget = {"deletions": 3, "per": "1h"}
    sections = mirror_sections(tmp_path, server.port, propagate_deletes=True, budget=budget)
    async with running_app(background=False, **sections) as r:
        for name in names:
            answer = await r.client.post(
                "/webhook/sonarr/hd",
                json={
                    "eventType": "EpisodeFileDelete",
                    "series": {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}", "tvdbId": 1},
                    "episodes": [{"id": 1, "episodeNumber": 1, "seasonNumber": 1}],
                    "episodeFile": {"id": 7, "relativePath": f"Season 01/{name}"},
                    "deleteReason": "manual",
                },
            )
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()
        jobs = await mirror_jobs(r)
    waiting = [j for j in jobs if j["status"] == "pending"]
    assert len(waiting) == 1 and len(list(copy.iterdir())) == 2
    reason = waiting[0]["last_error"]
    assert "6 files deleted at the destination (3 deletions)" in reason, reason


# -- finding 13: abandoning a show without a TVDB id ---------------------------------------


class Discovery:
    """discovery's adding pass over a real database: what ``add_waiting`` does for shows
    without a TVDB id, with TVMaze updates stored in between."""

    def __init__(self, conn: sqlite3.Connection, *, retry_delay: float, abandon_after: float):
        self.conn, self.retry_delay, self.abandon_after = conn, retry_delay, abandon_after
        self.updated = 1

    def tvmaze_update(self, now: float) -> None:
        self.updated += 1
        show = Show(tvmaze_id=5, title="No TVDB yet", updated=self.updated)
        show_store.save_shows(self.conn, [(show, Verdict(ShowStatus.PENDING, rule=0))], now=now)

    def adding_pass(self, now: float) -> None:
        statuses = (ShowStatus.PENDING, ShowStatus.PENDING_TVDB)
        for row in list(show_store.rows_with_status(self.conn, statuses, due_before=now)):
            outcome = waiting_for_tvdb(
                row, now=now, retry_delay=self.retry_delay, abandon_after=self.abandon_after
            )
            show_store.record_outcome(self.conn, row.show.tvmaze_id, outcome, now=now)

    def row(self) -> show_store.ShowRow:
        found = show_store.get_show(self.conn, 5)
        assert found is not None
        return found


@pytest.fixture
def shows_db(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(tmp_path / "arrkestra.db")
    migrate(conn)
    yield conn
    conn.close()


def test_a_show_is_retried_once_when_retry_delay_equals_abandon_after(
    shows_db: sqlite3.Connection,
) -> None:
    run = Discovery(shows_db, retry_delay=HOUR, abandon_after=HOUR)
    run.tvmaze_update(0.0)
    run.adding_pass(0.0)
    assert run.row().status is ShowStatus.PENDING_TVDB  # not abandoned at its first try
    run.adding_pass(HOUR - 1)
    assert run.row().status is ShowStatus.PENDING_TVDB
    run.adding_pass(HOUR)
    assert run.row().status is ShowStatus.SKIPPED


def test_tvmaze_updates_neither_reset_nor_shorten_the_abandon_clock(
    shows_db: sqlite3.Connection,
) -> None:
    run = Discovery(shows_db, retry_delay=HOUR, abandon_after=3 * HOUR)
    run.tvmaze_update(0.0)
    run.adding_pass(0.0)
    abandoned_at = None
    for step in range(1, 25):  # a running show: TVMaze updates it every 10 minutes
        now = step * 600.0
        run.tvmaze_update(now)
        run.adding_pass(now)
        if abandoned_at is None and run.row().status is ShowStatus.SKIPPED:
            abandoned_at = now
    assert abandoned_at == 3 * HOUR  # exactly abandon_after after the first try
    row = run.row()
    assert row.status is ShowStatus.SKIPPED and row.retry_count == 3  # 3 scheduled retries
