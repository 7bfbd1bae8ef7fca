"""reconcile: compare every mapped root's source and destination, and queue a copy of
every file missing there or of another size (sync-webhook's nightly reconcile script).

One job is one run (its row in ``reconcile_runs``). For each ``mirror.paths`` rule whose
two roots pass their mount check (a stale mount would look like "everything missing"),
both trees are listed with the mirror's excludes (``adapters/tree_scan``) and compared by
relative path and size (``core/tree_diff``). Destination-only files are reported, never
deleted. When no rule has both roots up (a NAS reboot at 3 AM), the run does not end
"failed": it waits on the mount (``MountDown``, no attempt spent, still ``queued``) and
runs once the mount monitor sees the root back. A missing file becomes a ``mirror`` copy
job like an import's, flagged ``bulk`` (the mirror copies a root's bulk copies with one
rsync over a file list); a file of another size replaces the destination's even with
``mirror.ignore_existing``.

A run that would queue more than ``reconcile.confirm_above`` files queues nothing: it is
stored as ``needs_confirmation`` and a notification says how to confirm. ``dry_run``
queues nothing either. The copies are queued in chunks the mirror starts on at once
(``store/reconcile_runs``). Missed deletions (titles Overseerr still shows that no
instance has) come from ``pipelines/missed_deletions`` when ``reconcile.missed_deletions``
is on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from arrkestra.adapters.notify import Message, Severity
from arrkestra.adapters.tree_scan import compare_trees
from arrkestra.core.errors import ArrkestraError, MountDown
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.filenames import storable
from arrkestra.core.job_kinds import CopyParams
from arrkestra.core.job_kinds.reconcile import (
    SAMPLE,
    ReconcileParams,
    ReconcileReport,
    ReconcileResult,
    RootReport,
    RunStatus,
)
from arrkestra.core.jobs import Job, JobSpec
from arrkestra.core.paths import PathRule
from arrkestra.core.tree_diff import TreeDiff
from arrkestra.store import reconcile_runs as runs
from arrkestra.store.database import Database

log = logging.getLogger("arrkestra.reconcile")
NAME = "reconcile"
COPY_CHUNK = 2000  # copies committed (and startable) at a time


@dataclass(frozen=True)
class MissedFound:
    """What the missed-deletion check found: its part of the report, and its jobs."""

    report: ReconcileReport
    jobs: list[JobSpec]


@dataclass(frozen=True)
class Deps:
    db: Database
    rules: tuple[PathRule, ...]
    excludes: ExcludeMatcher
    check_roots: Callable[[PathRule], Awaitable[str | None]]  # None: both roots usable
    confirm_above: int
    notify: Callable[[Message], Awaitable[object]]
    now: Callable[[], float]
    queued: Callable[[], None]  # copies were committed: wake the worker
    instance_for: Callable[[PathRule], str]  # whose copies a rule's files are
    missed_deletions: Callable[[bool], Awaitable[MissedFound]] | None = None  # (apply?)
    require_roots: Callable[[PathRule], Awaitable[None]] | None = None  # else MountDown


@dataclass
class Found:
    """The comparison of every root: the copies to queue and what the report says."""

    roots: list[RootReport]
    copies: list[JobSpec]
    missing: list[str]
    different: list[str]
    extra: list[str]
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


def copy_specs(rule: PathRule, diff: TreeDiff, instance: str) -> list[JobSpec]:
    """A bulk copy per file to copy; one of another size replaces the destination's."""
    return [
        CopyParams(
            instance=instance,
            library_path=rule.library_path(relative),
            replace_existing=replace,
            bulk=True,
        ).spec()
        for paths, replace in ((diff.missing, False), (diff.different, True))
        for relative in paths
        if storable(relative)
    ]


async def compare(rules: Sequence[PathRule], deps: Deps) -> Found:
    found = Found([], [], [], [], [])
    for rule in rules:
        where = {"source": rule.source_root, "destination": rule.destination_root}
        problem = await deps.check_roots(rule)
        diff = None
        if problem is None:
            try:
                diff = await asyncio.to_thread(
                    compare_trees, rule.source_root, rule.destination_root, deps.excludes
                )
            except ArrkestraError as exc:
                problem = str(exc)
        if diff is None:
            found.roots.append(RootReport(**where, problem=problem))
            continue
        odd = [p for p in (*diff.missing, *diff.different) if not storable(p)]
        if odd:
            shown = odd[0].encode("utf-8", "backslashreplace").decode()
            found.problems.append(
                f"{rule.source_root}: {len(odd)} file name(s) are not UTF-8 and were not "
                f"queued (rename them), e.g. {shown}"
            )
        size = diff.missing_bytes + diff.different_bytes
        found.roots.append(
            RootReport(
                **where,
                missing=len(diff.missing),
                different=len(diff.different),
                extra=len(diff.extra),
                bytes=size,
            )
        )
        found.copies.extend(copy_specs(rule, diff, deps.instance_for(rule)))
        for mine, theirs in (
            (found.missing, diff.missing),
            (found.different, diff.different),
            (found.extra, diff.extra),
        ):
            root = rule.source_root if mine is not found.extra else rule.destination_root
            sample = [p for p in theirs[: SAMPLE - len(mine)] if storable(p)]
            mine.extend(f"{root}/{p}" for p in sample)
        found.bytes += size
    return found


async def queue_copies(copies: list[JobSpec], deps: Deps) -> int:
    """Queue the copies in chunks, each committed and handed to the worker at once: the
    first rsync runs while the rest are queued (thousands of rows take a second)."""
    queued = 0
    for start in range(0, len(copies), COPY_CHUNK):
        chunk = copies[start : start + COPY_CHUNK]
        queued += await deps.db.run(runs.queue_copies, chunk, now=deps.now())
        deps.queued()
    return queued


def decide(params: ReconcileParams, found: Found, deps: Deps) -> RunStatus:
    if found.roots and all(root.problem is not None for root in found.roots):
        return "failed"
    if params.dry_run:
        return "dry_run"
    if len(found.copies) > deps.confirm_above and not params.confirm:
        return "needs_confirmation"
    return "done"


async def wait_for_a_root(deps: Deps) -> None:
    """``MountDown`` (the run waits on that mount) when no rule has both roots up; with
    one that has, the run goes on and reports the others as problems."""
    if deps.require_roots is None or not deps.rules:
        return
    first: MountDown | None = None
    for rule in deps.rules:
        try:
            await deps.require_roots(rule)
        except MountDown as exc:
            first = first or exc
            continue
        return
    assert first is not None
    raise first


async def run(job: Job, params: ReconcileParams, deps: Deps) -> ReconcileResult:
    await wait_for_a_root(deps)
    await deps.db.run(runs.mark_running, params.run_id, job.id, now=deps.now())
    try:
        return await _run(params, deps)
    except Exception as exc:  # the row says so; the queue retries the job as usual
        await deps.db.run(runs.fail_run, params.run_id, str(exc), now=deps.now())
        raise


async def _run(params: ReconcileParams, deps: Deps) -> ReconcileResult:
    found = await compare(deps.rules, deps)
    status = decide(params, found, deps)
    report = ReconcileReport(
        roots=found.roots,
        sample_missing=found.missing,
        sample_different=found.different,
        sample_extra=found.extra,
        problems=[
            *(f"{r.source}: {r.problem}" for r in found.roots if r.problem is not None),
            *found.problems,
        ],
    )
    cleanups: list[JobSpec] = []
    if deps.missed_deletions is not None and status != "failed":
        missed = await deps.missed_deletions(status == "done")
        report = report.model_copy(
            update={
                "missed_deletions": missed.report.missed_deletions,
                "untrusted": missed.report.untrusted,
                "cleanup_jobs": len(missed.jobs),
                "problems": report.problems + missed.report.problems,
            }
        )
        cleanups = missed.jobs
    queued = await queue_copies(found.copies, deps) if status == "done" else 0
    counts = runs.Counts(
        missing=sum(r.missing for r in found.roots),
        different=sum(r.different for r in found.roots),
        queued=queued,
        extra=sum(r.extra for r in found.roots),
        bytes=found.bytes,
    )
    await deps.db.run(
        runs.finish_run, params.run_id, status, counts, report, cleanups, now=deps.now()
    )
    result = ReconcileResult(
        outcome=status,
        run_id=params.run_id,
        missing=counts.missing,
        different=counts.different,
        queued=queued,
        extra=counts.extra,
        bytes=counts.bytes,
        summary=f"reconcile run {params.run_id}: {status}, {len(found.copies)} file(s) to copy",
    )
    message = report_message(result, report, len(found.copies), deps.confirm_above)
    if message is not None:
        await deps.notify(message)
    log.info("%s, %d job(s) queued, %d extra", result.summary, queued, counts.extra)
    return result


def report_message(
    result: ReconcileResult, report: ReconcileReport, to_copy: int, confirm_above: int
) -> Message | None:
    """The run's notification: when it queued anything or needs attention, else none."""
    run_id = result.run_id
    if result.outcome == "needs_confirmation":
        body = (
            f"Reconcile run {run_id} found {to_copy} file(s) to copy, more than "
            f"reconcile.confirm_above ({confirm_above}), so it queued nothing. If that is "
            f"expected, confirm it: arrkestra reconcile --confirm, or POST "
            f'/api/v1/reconcile with {{"confirm": true}}.'
        )
        return Message("arrkestra: reconcile needs confirmation", body, "critical")
    lines = []
    if result.queued:
        lines.append(f"{result.queued} file(s) queued for copying ({result.bytes} bytes)")
    if result.extra:
        lines.append(f"{result.extra} file(s) only at the destination (left alone)")
    if report.missed_deletions:
        lines.append(f"{len(report.missed_deletions)} title(s) Overseerr has but no instance")
    lines.extend(report.problems)
    if result.outcome == "failed":
        lines.insert(0, "no root could be compared")
    if not (
        result.queued or report.problems or report.missed_deletions or result.outcome == "failed"
    ):
        return None
    severity: Severity = "critical" if result.outcome == "failed" or report.problems else "info"
    return Message(
        f"arrkestra: reconcile run {run_id} {result.outcome}", "\n".join(lines), severity
    )
