"""A database as a busy home server has it after 90 days, for the dashboard bench.

Decisions, written down:

- **The daemon's own code says what a row holds.** The schema comes from the store's
  migrations (``connect`` + ``migrate``). Webhook bodies (``dashboard_webhooks``) are
  parsed and routed with ``core.events.parse_event`` and ``core.routing.jobs_for``, so
  every event-born job has exactly the params the daemon would give it; every other
  params and every result is a job-kind model's ``to_json()`` (summaries as the
  pipelines word them); discovery's ~90,000 shows are judged by the default filters and
  saved with ``store.shows.save_shows`` (``dashboard_shows``). Rows are then
  bulk-inserted with ``executemany``, in one transaction per table group (seconds, not
  the hours 150,000 webhooks would take).
- **Proportions.** Mostly single-episode and movie imports (a mirror copy each), a Plex
  scan after most copies, upgrades and file deletes (mirror deletes, with
  ``propagate_deletes``), renames, series/movie deletes (cleanup), an hourly catch-up per
  instance, a discovery cycle every 6 h, a reconcile run a night (one waiting for
  confirmation) whose bulk copies make up the job count asked for. About 2-4 % dead,
  1 % failed (recent ones only: older ones have retried or died), a few cancelled;
  pending and running only among the last minutes' jobs (the newest copy is running;
  the daemon's start-up recovery returns it to pending, so ``bench/dashboard.py`` then
  leases a waiting mirror job with the store's ``claim_next``: one runs while pages are
  timed). Each attempt has its row in ``job_attempts`` (failed ones their error). Times
  are spread over the last 89 days (under the default 90-day event retention), ids in
  time order as the daemon writes them.
- **The worker stays idle.** Every pipeline is paused (a ``state`` row, as
  ``arrkestra jobs pause`` writes it), so the daemon started on this database measures
  pages over the seeded rows, not over jobs it is busy running.
- **No ``ANALYZE``.** The daemon never runs it, so the planner sees what a user's
  database gives it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import dashboard_library as lib  # bench/: the script's folder is on sys.path
import dashboard_results as results
import dashboard_runs as runs
import dashboard_shows
import dashboard_webhooks

from arrkestra.core.events import parse_event
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import (
    CatchupParams,
    CleanupParams,
    CopyParams,
    CycleParams,
    JobParams,
    JobResult,
    MirrorProblem,
    ScanParams,
)
from arrkestra.core.job_kinds.outcomes import KINDS
from arrkestra.core.routing import jobs_for
from arrkestra.store import state as state_store
from arrkestra.store.catchup import MARK_PREFIX
from arrkestra.store.connection import connect, write_transaction
from arrkestra.store.migrations import migrate

DAY = 86400.0
SPAN = 89 * DAY
OWNER = "nas-1:4242"  # a worker's lease owner name
SCANNED = 0.55  # copies followed by a scan job of their own (the others share one)
PIPELINES = frozenset({"cleanup", "mirror"})  # what routing feeds
INSTANCES = {
    kind: InstanceRef(kind, "hd", mirror_deletes=True, mirror_renames=True)
    for kind in ("sonarr", "radarr")
}
PAUSED = ("mirror", "plex_scan", "cleanup", "catchup", "reconcile", "discovery")
DEAD = {"mirror": 0.02, "plex_scan": 0.01, "cleanup": 0.04, "catchup": 0.01, "discovery": 0.02}
ERRORS = {
    "mirror": (
        'rsync exited with code 23 (partial transfer): send_files failed to open "{f}": '
        "Permission denied (13)",
        "rsync exited with code 12 (error in rsync protocol data stream)",
        "the mount /mnt/unraid/media did not answer within 5 s",
        "the file is still changing: {f} grew while it was copied",
    ),
    "plex_scan": (
        "Plex answered HTTP 500 for /library/sections/2/refresh",
        "connection refused: http://plex:32400/library/sections",
    ),
    "cleanup": (
        "Overseerr answered HTTP 500 Internal Server Error",
        "timed out after 30 s: http://overseerr:5055/api/v1/search",
    ),
    "catchup": ("connection refused: http://sonarr:8989/api/v3/history/since",),
    "discovery": ("TVMaze answered HTTP 429 Too Many Requests",),
    "reconcile": ("the source mount /mnt/synology/rs-tv did not answer within 5 s",),
}


@dataclass
class Draft:
    """A job before it has an id and a fate."""

    params: JobParams
    created: float
    event_id: int | None = None
    forced: str | None = None  # a status the job must have (a reconcile run's job)
    result: JobResult | None = None  # a success's result, when the creator knows it
    run: runs.Run | None = None  # the reconcile run this job is


@dataclass
class Seeded:
    events: list[tuple[Any, ...]] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    runs: list[runs.Run] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


# -- events and the jobs they cause ---------------------------------------------------


def make_events(rng: random.Random, library: lib.Library, count: int, now: float) -> Seeded:
    """``count`` webhooks over the last 89 days, each with the jobs routing gives it and
    a Plex scan after most copies."""
    seeded = Seeded()
    times = sorted(now - 60 - rng.random() * SPAN for _ in range(count))
    for event_id, at in enumerate(times, start=1):
        kind, body = dashboard_webhooks.random_body(rng, library)
        text = json.dumps(body)
        parsed = parse_event(kind, body)  # type: ignore[arg-type]
        specs = jobs_for(parsed, INSTANCES[kind], pipelines=PIPELINES)
        dedupe = hashlib.sha256(f"{kind}/hd\n{text}".encode()).hexdigest()
        routed = json.dumps(sorted({s.pipeline for s in specs}))
        seeded.events.append(
            (event_id, kind, "hd", parsed.event_type, at, text, dedupe, "172.18.0.5", routed)
        )
        for n, spec in enumerate(specs):
            params = KINDS[spec.pipeline][0](spec.params)
            seeded.drafts.append(Draft(params, at + 0.01 * (n + 1), event_id))
            if isinstance(params, CopyParams) and rng.random() < SCANNED:
                folder = results.mapped(params.library_path)[2].rsplit("/", 1)[0]
                section = 2 if params.library_path.startswith("/tv/") else 1
                scan = ScanParams(folder=folder, section=section)
                seeded.drafts.append(Draft(scan, at + rng.uniform(60, 900)))
    return seeded


def periodic(rng: random.Random, now: float) -> list[Draft]:
    """Catch-up every hour per instance, a discovery cycle every 6 h."""
    drafts = []
    hour = 3600.0
    for instance in ("sonarr.hd", "radarr.hd"):
        at = now - SPAN + rng.random() * hour
        while at < now:
            drafts.append(Draft(CatchupParams(instance=instance), at))
            at += hour
    at = now - SPAN
    while at < now:
        drafts.append(Draft(CycleParams(), at))
        at += 6 * hour
    return drafts


def bulk_copy(rng: random.Random, library: lib.Library, at: float) -> Draft:
    """A copy a reconcile run queued: a file missing at the destination."""
    if rng.random() < 0.75:
        show = rng.choice(library.series)
        season = rng.randint(1, len(show.seasons))
        number = rng.randint(1, show.seasons[season - 1])
        path = f"{show.folder}/{lib.episode_file_name(show, season, number, 'WEBDL-1080p')}"
        params = CopyParams(instance="sonarr.hd", library_path=path, bulk=True)
    else:
        movie = rng.choice(library.movies)
        path = f"{movie.folder}/{lib.movie_file_name(movie, 'Bluray-1080p')}"
        params = CopyParams(instance="radarr.hd", library_path=path, bulk=True)
    return Draft(params, at)


# -- what became of each job ----------------------------------------------------------


def fate(draft: Draft, rng: random.Random, now: float) -> str:
    if draft.forced:
        return draft.forced
    params = draft.params
    if isinstance(params, MirrorProblem) or getattr(params, "problems", None):
        return "dead"
    age = now - draft.created
    if age < 900:
        return rng.choices(("pending", "running", "succeeded"), (0.55, 0.1, 0.35))[0]
    dead = DEAD.get(params.pipeline, 0.0)
    draw = rng.random()
    if draw < dead:
        return "dead"
    if draw < dead + 0.003:
        return "cancelled"
    if draw < dead + 0.013 and age < 2 * DAY:
        return "failed"  # older ones have retried since (or died)
    return "succeeded"


def _error(draft: Draft, rng: random.Random) -> str:
    params = draft.params
    if isinstance(params, MirrorProblem | CleanupParams) and getattr(params, "problems", None):
        return "; ".join(params.problems or [])
    name = getattr(params, "library_path", "") or ""
    return rng.choice(ERRORS[params.pipeline]).format(f=name.rsplit("/", 1)[-1])


def settle(draft: Draft, job_id: int, rng: random.Random, now: float, active: set[Any]) -> Any:
    """The job row and its attempt rows: ``(row, [attempt, ...])``."""
    params, status = draft.params, fate(draft, rng, now)
    key = (params.pipeline, params.key())
    if status in ("pending", "running", "failed"):
        status = "succeeded" if key in active else status
        active.add(key)
    tries = {"succeeded": 2 if rng.random() < 0.04 else 1, "running": 1, "failed": 2}
    if status == "dead":
        tries["dead"] = 1 if getattr(params, "problems", None) else 3
        tries["dead"] = rng.randint(8, 20) if params.pipeline == "cleanup" else tries["dead"]
    attempts = tries.get(status, 1 if status == "cancelled" and rng.random() < 0.5 else 0)
    at, attempt_rows, error = draft.created + rng.uniform(0.05, 2), [], None
    for n in range(1, attempts + 1):
        last = n == attempts
        took = rng.uniform(0.2, 3) if not isinstance(params, CopyParams) else rng.uniform(5, 90)
        ended = None if status == "running" else min(at + took, now - 0.5)
        outcome = (status if status != "running" else None) if last else "failed"
        wrong = _error(draft, rng) if outcome in ("failed", "dead") else None
        error = wrong or error
        attempt_rows.append((job_id, n, OWNER, at, ended, outcome, wrong))
        at = min((ended or at) + min(30 * 2**n, 900) * rng.uniform(0.5, 1), now - 0.4)
    finished = None
    if status in ("succeeded", "dead", "cancelled"):
        finished = attempt_rows[-1][4] if attempt_rows else min(draft.created + 60, now - 0.3)
    updated = finished or (attempt_rows[-1][4] or attempt_rows[-1][3] if attempt_rows else None)
    updated = updated or draft.created
    due = draft.created + (30 if isinstance(params, ScanParams) else 0)
    if status == "failed":
        due = now + rng.uniform(30, 900)
    result = None
    if status == "succeeded":
        done = draft.result or results.result_for(params, rng, finished or now)
        data = done.to_json()
        result = json.dumps(data, separators=(",", ":"))
    row = (
        job_id,
        params.pipeline,
        params.key(),
        json.dumps(params.to_json(), separators=(",", ":"), sort_keys=True),
        status,
        attempts,
        draft.created,
        updated,
        due,
        OWNER if status == "running" else None,
        now + 300 if status == "running" else None,
        error if status != "succeeded" else None,
        result,
        finished,
        None,
        draft.event_id,
    )
    return row, attempt_rows


# -- writing it -----------------------------------------------------------------------

INSERT_EVENT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
INSERT_JOB = """
INSERT INTO jobs (id, pipeline, key, params, status, attempts, created_at, updated_at,
    next_attempt_at, lease_owner, lease_expires_at, last_error, result, finished_at,
    retried_at, event_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
INSERT_ATTEMPT = """
INSERT INTO job_attempts (job_id, attempt, owner, started_at, finished_at, outcome, error)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""


def fit(drafts: list[Draft], target: int, rng: random.Random) -> list[Draft]:
    """Exactly ``target`` jobs: drop a random few of the event-born ones if there are too
    many (reconcile runs and their jobs stay)."""
    if len(drafts) <= target:
        return drafts
    droppable = [n for n, d in enumerate(drafts) if d.run is None]
    dropped = set(rng.sample(droppable, len(drafts) - target))
    return [d for n, d in enumerate(drafts) if n not in dropped]


def seed(path: Any, *, jobs: int, events: int, shows: int, seed: int, now: float) -> Seeded:
    """Create the database at ``path`` (with the daemon's migrations) and fill it."""
    rng = random.Random(seed)
    library = lib.make_library(rng, max(jobs // 40, 20), max(jobs // 60, 20))
    seeded = make_events(rng, library, events, now)
    seeded.drafts += periodic(rng, now)
    missing = max(jobs - len(seeded.drafts) - runs.RUNS, 0)
    seeded.runs = runs.make_runs(rng, now, missing)
    for run in seeded.runs:
        job = Draft(run.params(), run.started, forced=run.job_status(), result=run.result())
        job.run = run
        seeded.drafts.append(job)
        seeded.drafts += [bulk_copy(rng, library, run.finished + n) for n in range(run.queued)]
    drafts = sorted(fit(seeded.drafts, jobs, rng), key=lambda d: d.created)
    copies = [d for d in drafts if isinstance(d.params, CopyParams) and d.forced is None]
    if copies:  # at least one job running (the daemon's start returns it to pending)
        copies[-1].forced = "running"
    conn = connect(path)
    try:
        migrate(conn)
        _write_jobs(conn, seeded, drafts, rng, now)
        dashboard_shows.write_shows(conn, rng, shows, now)
        _write_state(conn, now)
        seeded.counts = {
            table: int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
            for table in ("events", "jobs", "job_attempts", "shows", "reconcile_runs")
        }
    finally:
        conn.close()
    return seeded


def _write_jobs(
    conn: sqlite3.Connection, seeded: Seeded, drafts: list[Draft], rng: random.Random, now: float
) -> None:
    active: set[Any] = set()
    job_rows, attempt_rows = [], []
    for job_id, draft in enumerate(drafts, start=1):
        row, attempts = settle(draft, job_id, rng, now, active)
        job_rows.append(row)
        attempt_rows += attempts
        if draft.run is not None:
            draft.run.job_id = job_id
    with write_transaction(conn):
        conn.executemany(INSERT_EVENT, seeded.events)
        conn.executemany(INSERT_JOB, job_rows)
        conn.executemany(INSERT_ATTEMPT, attempt_rows)
        conn.executemany(runs.INSERT_RUN, [run.row() for run in seeded.runs])


def _write_state(conn: sqlite3.Connection, now: float) -> None:
    with write_transaction(conn):
        for pipeline in PAUSED:
            reason = "paused by bench/dashboard.py: the seeded jobs stay as seeded"
            value = {"reason": reason, "since": now}
            state_store.put(conn, state_store.PAUSE_PREFIX + pipeline, value, now=now)
        for instance in ("sonarr.hd", "radarr.hd"):
            mark = datetime.fromtimestamp(now - 1800, UTC).isoformat(timespec="seconds")
            state_store.put(conn, MARK_PREFIX + instance, mark, now=now)
