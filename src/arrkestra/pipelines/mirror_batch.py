"""mirror, batched: the copies waiting for one folder go out in one rsync run.

One job per file stays the rule (a file has its own key, status, outcome and history),
but rsync costs about 45 ms a run however little it copies (its local-mode exit waits
in 20 ms steps), so a season pack or an "On Import Complete" of a hundred files would
spend seconds just starting and stopping rsync. When a copy job starts, its runtime
also leases the other due, ``pending`` copy jobs of the same instance and source folder
with the same ``replace_existing`` (up to :data:`BATCH_LIMIT`, :class:`Batching`), and
one rsync copies every file with its sidecars.

Per job, as if it had run alone:

- outcome: a file already complete at the destination before the run (with
  ``ignore_existing``: present; otherwise: same size and modification time, rsync's own
  quick check) is ``already_present``, else ``copied``, with its own files and bytes. A
  complete file whose job ran before (a retry, or its last attempt was released) is
  ``copied`` with a note, as a lone job would be: nobody announced it yet.
- the siblings finish together (one transaction), each result naming ``batch_of``; then
  each copied job is announced (coalesced per series by the caller; a sibling cancelled
  meanwhile is not) and the folder's Plex scan is queued once (debounced per folder).

A sibling whose own checks fail (source gone, symlink escape) is released before the
run, to fail on its own. When the run fails, the siblings are released (their attempt
given back) with a note saying why, and then run alone: one bad file cannot fail them
twice. The job that started the run fails through the normal path, as if alone; on a
permanent error (which may be any file's, an unreadable sidecar) it first reruns alone
at once, so it dies only for its own file. Cancelled (a drain, the job cancelled), the
run releases the siblings without a note: they may be batched again. Live progress
stays on the job that started the run.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from arrkestra.adapters.rsync import Transfer, TransferStats, run_transfer
from arrkestra.core.errors import ArrkestraError, PermanentError
from arrkestra.core.jobs import Job, JsonObject
from arrkestra.core.paths import MappedPath, PathRule, ensure_inside, map_path
from arrkestra.pipelines import mirror
from arrkestra.pipelines.mirror import Deps, MirrorParams

BATCH_LIMIT = 1000  # siblings leased with one job
ARGV_BUDGET = 512 * 1024  # bytes of source paths on one rsync command line
PATHS_PER_FILE = 3  # a media file and, usually, two sidecars: the estimate before listing


@dataclass(frozen=True)
class Claimed:
    jobs: list[Job]  # the siblings, now running under the main job's lease owner
    # Of those and the main job: the attempt before this one was released, with the
    # release's note (None at a drain; else the run it was part of failed).
    released: dict[int, str | None]


ClaimSiblings = Callable[[Job, str | None, Callable[[Job], bool], int], Awaitable[Claimed]]


@dataclass(frozen=True)
class Batching:
    """What the runtime does for a batch: the job store lives there."""

    # (main job, key prefix or None for no siblings, accept, limit); no siblings for a
    # main job whose last attempt was released with a note
    claim: ClaimSiblings
    # the siblings succeeded, with their results; the ids of those that did (not cancelled)
    finish: Callable[[Job, list[tuple[Job, JsonObject]]], Awaitable[set[int]]]
    # back to pending, the attempt given back; with a note, each runs alone next time
    release: Callable[[Job, list[Job], str | None], Awaitable[None]]
    limit: int = BATCH_LIMIT


@dataclass(frozen=True)
class Member:
    job: Job
    params: MirrorParams
    mapped: MappedPath


@dataclass(frozen=True)
class Prepared:
    member: Member
    sources: list[str]
    pending_files: int  # of its sources, not complete at the destination before the run
    pending_bytes: int


@dataclass(frozen=True)
class Dropped:
    job: Job
    error: BaseException
    note: str | None  # None: it may go with a later batch (it did not fit this one)


def key_prefix(params: MirrorParams) -> str | None:
    """The keys of copies into the same folder (``core/routing_mirror``: instance/path)."""
    path = params.library_path or ""
    cut = max(path.rfind("/"), path.rfind("\\"))
    if params.instance is None or cut < 0:
        return None
    return f"{params.instance}/{path[: cut + 1]}"


def as_sibling(job: Job, main: Member, rules: Sequence[PathRule]) -> Member | None:
    """``job`` as a member of ``main``'s batch, or None when it does not belong there."""
    try:
        params = MirrorParams.model_validate(job.params)
    except ValidationError:
        return None
    path, folder = params.library_path, key_prefix(main.params)
    if (
        params.action != "copy"
        or params.problems
        or path is None
        or params.instance != main.params.instance
        or params.replace_existing != main.params.replace_existing
        or key_prefix(params) != folder
    ):
        return None
    try:
        mapped = map_path(path, rules, instance=params.instance)
    except ArrkestraError:
        return None
    same_place = mapped.rule == main.mapped.rule and mapped.source_dir == main.mapped.source_dir
    if not same_place or mapped.destination_dir != main.mapped.destination_dir:
        return None
    return Member(job, params, mapped)


def sibling_filter(main: Member, deps: Deps) -> tuple[Callable[[Job], bool], dict[int, Member]]:
    """``accept`` for the claim, and the members it took (filled while the claim runs)."""
    taken: dict[int, Member] = {}
    used = PATHS_PER_FILE * (len(main.mapped.source) + 1)

    def accept(job: Job) -> bool:
        nonlocal used
        member = as_sibling(job, main, deps.rules)
        if member is None:
            return False
        cost = PATHS_PER_FILE * (len(member.mapped.source) + 1)
        if used + cost > ARGV_BUDGET:
            return False
        used += cost
        taken[job.id] = member
        return True

    return accept, taken


async def run_copy(job: Job, params: MirrorParams, deps: Deps, batching: Batching) -> JsonObject:
    """Copy the job's file, and with it the waiting files of its folder (see the module doc)."""
    assert params.library_path is not None
    mapped = map_path(params.library_path, deps.rules, instance=params.instance)
    await mirror.require_roots(mapped, deps)
    main = Member(job, params, mapped)
    accept, taken = sibling_filter(main, deps)
    claimed = await batching.claim(job, key_prefix(params), accept, batching.limit)
    if not claimed.jobs:
        resumed = job.id in claimed.released
        return await mirror.copy_file(job, params, mapped, deps, resumed=resumed)
    held = {j.id: Member(j, taken[j.id].params, taken[j.id].mapped) for j in claimed.jobs}
    run = BatchRun(main, held, claimed.released, deps, batching)
    try:
        return await run.copy()
    except Exception as exc:
        if run.own_failure:
            raise
        await run.release_all(f"released: the batch run of job {job.id} failed: {exc}")
        if not isinstance(exc, PermanentError):
            raise  # the job's own failure, as if it had run alone: it retries alone
        # A permanent error may be any file's (an unreadable sidecar): not a reason for
        # this job to die. It runs alone now, and fails only for its own file.
        resumed = run.touched_main or job.id in claimed.released
        return await mirror.copy_file(job, params, mapped, deps, resumed=resumed)
    except BaseException:  # cancelled (drain, the job cancelled): no fault of the siblings
        await run.release_all(None)
        raise


@dataclass
class BatchRun:
    main: Member
    held: dict[int, Member]  # the siblings still leased here: emptied as they go
    released: dict[int, str | None]
    deps: Deps
    batching: Batching
    touched_main: bool = False  # rsync ran while the main file was incomplete
    own_failure: bool = False  # the main job's file failed its checks: nobody else's fault

    async def release_all(self, note: str | None) -> None:
        if self.held:
            jobs = [m.job for m in self.held.values()]
            self.held.clear()
            await self.batching.release(self.main.job, jobs, note)

    async def copy(self) -> JsonObject:
        main, deps = self.main, self.deps
        prepared = await asyncio.to_thread(prepare, [main, *self.held.values()], deps)
        first = prepared[0]
        if isinstance(first, Dropped):  # its own failure: the siblings may go on together
            self.own_failure = True
            await self.release_all(None)
            raise first.error
        await self.drop([p for p in prepared[1:] if isinstance(p, Dropped)])
        resumed = main.job.id in self.released
        if not self.held:  # alone after all: exactly as an unbatched job
            return await mirror.copy_file(main.job, main.params, main.mapped, deps, resumed=resumed)
        ready = [p for p in prepared if isinstance(p, Prepared)]
        self.touched_main = resumed or ready[0].pending_files > 0
        stats = await self.transfer(ready)
        results = [result_of(p, stats, p.member.job.id in self.released) for p in ready]
        pairs = zip(ready[1:], results[1:], strict=True)
        siblings = [(p.member.job, {**r, "batch_of": main.job.id}) for p, r in pairs]
        self.held.clear()
        finished = await self.batching.finish(main.job, siblings) | {main.job.id}
        # Announced once finished: not a job cancelled meanwhile. Its scan is the folder's:
        # were the daemon to die before queueing it, the main job's rerun queues it.
        done = [(p, r) for p, r in zip(ready, results, strict=True) if p.member.job.id in finished]
        await publish(done, stats, deps)
        batch = {
            "jobs": len(ready),
            "files_transferred": stats.files_transferred,
            "bytes_transferred": stats.bytes_transferred,
        }
        return {**results[0], "batch": batch}

    async def drop(self, dropped: list[Dropped]) -> None:
        """Release the siblings that cannot go in this run, before it starts."""
        for note in {d.note for d in dropped}:
            jobs = [self.held.pop(d.job.id).job for d in dropped if d.note == note]
            await self.batching.release(self.main.job, jobs, note)

    async def transfer(self, ready: list[Prepared]) -> TransferStats:
        sources = list(dict.fromkeys(s for p in ready for s in p.sources))  # sidecars once
        main = self.main
        transfer = Transfer(
            tuple(sources), main.mapped.destination_dir, main.params.replace_existing
        )
        report, main_id = self.deps.progress, main.job.id
        return await run_transfer(
            transfer,
            self.deps.rsync,
            on_progress=None if report is None else (lambda update: report(main_id, update)),
        )


def prepare(members: list[Member], deps: Deps) -> list[Prepared | Dropped]:
    """Blocking: each member's sources (one listing of the folder) and what is left to copy.

    The first member is the main job. Members whose sources do not fit the command line
    are dropped too (released: they go in a later run).
    """
    main = members[0].mapped
    entries = sorted(os.listdir(main.source_dir))
    mirror.check_destination(main)
    real_dir = os.path.realpath(main.source_dir)
    ensure_inside(real_dir, os.path.realpath(main.rule.source_root), allow_root=True)
    ignore = deps.rsync.ignore_existing and not members[0].params.replace_existing
    out: list[Prepared | Dropped] = []
    used = 0
    for member in members:
        try:
            sources = sources_of(member.mapped, entries)
            files, size = pending(sources, main.destination_dir, ignore_existing=ignore)
        except (ArrkestraError, OSError) as exc:
            note = f"released: cannot be copied with job {members[0].job.id}: {exc}"
            out.append(Dropped(member.job, exc, note))
            continue
        cost = sum(len(s) + 1 for s in sources)
        if out and used + cost > ARGV_BUDGET:
            out.append(Dropped(member.job, PermanentError("over the argv budget"), None))
            continue
        used += cost
        out.append(Prepared(member, sources, files, size))
    return out


def sources_of(mapped: MappedPath, entries: list[str]) -> list[str]:
    """Blocking: ``mirror.collect_sources`` for a file of a folder checked already (its real
    path is inside the root): a regular file there needs no check of its own; anything
    else (a symlink, gone) gets the full checks and their errors.
    """
    try:
        mode = os.lstat(mapped.source).st_mode
    except OSError:
        mode = 0
    if not stat.S_ISREG(mode):
        return mirror.collect_sources(mapped, entries)
    names = [mapped.name, *mirror.sidecars_in(mapped.name, entries)]
    return [os.path.join(mapped.source_dir, name) for name in names]


def pending(sources: list[str], destination_dir: str, *, ignore_existing: bool) -> tuple[int, int]:
    """Blocking: (files, bytes) of ``sources`` rsync will copy: not complete at the
    destination (present, with ``ignore_existing``; else same size and mtime)."""
    files = size = 0
    for source in sources:
        have = os.stat(source)
        try:
            there = os.stat(os.path.join(destination_dir, os.path.basename(source)))
        except FileNotFoundError:
            there = None
        if there is not None and (
            ignore_existing
            or (there.st_size == have.st_size and there.st_mtime_ns == have.st_mtime_ns)
        ):
            continue
        files += 1
        size += have.st_size
    return files, size


def result_of(prepared: Prepared, stats: TransferStats, resumed: bool) -> JsonObject:
    """One job's result: its own files and bytes, the run's duration."""
    member = prepared.member
    result: JsonObject = {
        "source": member.mapped.source,
        "destination": member.mapped.destination,
        "files": [os.path.basename(s) for s in prepared.sources],
        "files_transferred": prepared.pending_files,
        "bytes_transferred": prepared.pending_bytes,
        "seconds": round(stats.seconds, 3),
        "summary": mirror.describe(member.params),
    }
    if stats.dry_run:
        return {**result, "outcome": "dry_run"}
    if prepared.pending_files == 0:
        if member.job.attempts <= 1 and not resumed:
            return {**result, "outcome": "already_present"}
        result["note"] = mirror.RETRY_NOTE
    return {**result, "outcome": "copied"}


async def publish(
    done: list[tuple[Prepared, JsonObject]], stats: TransferStats, deps: Deps
) -> None:
    """Queue the folder's Plex scan once and announce each copied file."""
    copied = [p for p, result in done if result["outcome"] == "copied"]
    if not copied:
        return
    if deps.queue_scan is not None:
        await deps.queue_scan(copied[0].member.mapped)  # one folder, one rule: one scan
    for item in copied:
        member = item.member
        await deps.announce(
            mirror.announcement(
                member.params,
                member.mapped,
                bytes_copied=item.pending_bytes,
                seconds=stats.seconds,
            )
        )
