"""Reconcile runs for the dashboard bench: one a night, with reports as the pipeline writes them.

Most runs are ``done`` and queued a few bulk copies; a few are dry runs asked for through
the API; two failed (their job died on a mount that did not answer); and one, three nights
ago, found more than ``reconcile.confirm_above`` files missing and waits for confirmation.
The bulk copies that make up the bench's job count go to three of the done runs, whose
counts say so, as a run that found a missing disk's worth of files would.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from arrkestra.core.job_kinds.reconcile import (
    SAMPLE,
    ReconcileParams,
    ReconcileReport,
    ReconcileResult,
    RootReport,
    RunStatus,
)

RUNS = 50
DAY = 86400.0
ROOTS = (
    ("/mnt/synology/rs-tv", "/mnt/unraid/media/TV Shows"),
    ("/mnt/synology/rs-movies", "/mnt/unraid/media/Movies"),
)
FAILED_AGO = (9, 23)  # nights ago
DRY_RUN_AGO = (5, 17, 31)
CONFIRM_AGO = 3
INSERT_RUN = """
INSERT INTO reconcile_runs (id, status, trigger, dry_run, confirm, job_id, started_at,
    finished_at, missing, different, queued, extra, bytes, report)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


@dataclass
class Run:
    id: int
    status: RunStatus
    started: float
    finished: float
    missing: int = 0
    different: int = 0
    queued: int = 0
    extra: int = 0
    bytes: int = 0
    report: ReconcileReport = field(default_factory=ReconcileReport)
    job_id: int | None = None

    @property
    def dry_run(self) -> bool:
        return self.status == "dry_run"

    def params(self) -> ReconcileParams:
        return ReconcileParams(run_id=self.id, dry_run=self.dry_run)

    def job_status(self) -> str:
        return "dead" if self.status == "failed" else "succeeded"

    def result(self) -> ReconcileResult | None:
        if self.status == "failed":
            return None
        return ReconcileResult(
            outcome=self.status,
            run_id=self.id,
            missing=self.missing,
            different=self.different,
            queued=self.queued,
            extra=self.extra,
            bytes=self.bytes,
            summary=(
                f"reconcile run {self.id}: {self.status}, "
                f"{self.missing + self.different} file(s) to copy"
            ),
        )

    def row(self) -> tuple[Any, ...]:
        trigger = "api" if self.dry_run else "schedule"
        report = json.dumps(self.report.model_dump(mode="json"))
        return (
            self.id,
            self.status,
            trigger,
            int(self.dry_run),
            0,
            self.job_id,
            self.started,
            self.finished,
            self.missing,
            self.different,
            self.queued,
            self.extra,
            self.bytes,
            report,
        )


def _samples(rng: random.Random, root: str, count: int) -> list[str]:
    return [
        f"{root}/Show {rng.randint(1, 3000):04d} ({rng.randint(1990, 2025)})/Season 01/"
        f"Show - S01E{n + 1:02d} [WEBDL-1080p].mkv"
        for n in range(min(count, SAMPLE))
    ]


def _status(ago: int) -> RunStatus:
    if ago == CONFIRM_AGO:
        return "needs_confirmation"
    if ago in FAILED_AGO:
        return "failed"
    return "dry_run" if ago in DRY_RUN_AGO else "done"


def _fill(rng: random.Random, run: Run, queued: int) -> None:
    """Counts and a report for a run that found ``queued`` files to copy."""
    run.different = min(queued, rng.randint(0, 2))
    run.missing = queued - run.different
    run.queued = queued if run.status == "done" else 0
    run.extra = rng.randint(0, 30)
    run.bytes = queued * rng.randint(1, 4) * 1_073_741_824
    tv = run.missing * 3 // 4
    roots = [
        RootReport(source=ROOTS[0][0], destination=ROOTS[0][1], missing=tv, extra=run.extra),
        RootReport(
            source=ROOTS[1][0],
            destination=ROOTS[1][1],
            missing=run.missing - tv,
            different=run.different,
        ),
    ]
    run.report = ReconcileReport(
        roots=roots,
        sample_missing=_samples(rng, ROOTS[0][0], run.missing),
        sample_different=_samples(rng, ROOTS[1][0], run.different),
        sample_extra=_samples(rng, ROOTS[0][1], run.extra),
    )


def make_runs(rng: random.Random, now: float, bulk: int) -> list[Run]:
    """``RUNS`` nightly runs (03:00 UTC), oldest first, queuing ``bulk`` copies in all."""
    midnight = now - now % DAY
    found = []
    for number, ago in enumerate(range(RUNS, 0, -1), start=1):
        started = midnight - ago * DAY + 3 * 3600 + rng.uniform(0, 30)
        found.append(Run(number, _status(ago), started, started + rng.uniform(40, 400)))
    done = [run for run in found if run.status == "done"]
    big = set(rng.sample(range(len(done)), 3))
    small = {n: min(rng.randint(0, 15), bulk // (len(done) * 2)) for n in range(len(done))}
    left = bulk - sum(small[n] for n in small if n not in big)
    for rank, n in enumerate(sorted(big)):
        small[n] = left // 3 + (1 if rank < left % 3 else 0)
    for n, run in enumerate(done):
        _fill(rng, run, small[n])
    for run in found:
        if run.status == "needs_confirmation":
            _fill(rng, run, 2400)
        elif run.status == "dry_run":
            _fill(rng, run, rng.randint(0, 40))
        elif run.status == "failed":
            problem = "/mnt/synology/rs-tv: the source mount did not answer within 5 s"
            run.report = ReconcileReport(
                roots=[RootReport(source=ROOTS[0][0], destination=ROOTS[0][1], problem=problem)],
                problems=[problem],
            )
    return found
