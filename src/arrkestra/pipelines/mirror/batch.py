"""mirror, batched: the copies waiting for one folder go out in one rsync run.

One job per file stays the rule (a file has its own key, status, outcome and history),
but rsync costs about 45 ms a run however little it copies (its local-mode exit waits
in 20 ms steps), so a season pack or an "On Import Complete" of a hundred files would
spend seconds just starting and stopping rsync. When a copy job starts, its runtime
also leases the other due, ``pending`` copy jobs of the same instance and source folder
with the same ``replace_existing`` (up to ``deps.batch_limit``, through
:class:`~arrkestra.pipelines.mirror.deps.Siblings`), and one rsync copies every file with
its sidecars (``batch_plan`` lists the folder and works out each copy before the run).

Per job, as if it had run alone:

- outcome: a file already complete at the destination before the run (with
  ``ignore_existing``: present with the source's size; otherwise: same size and
  modification time, rsync's own quick check) is ``already_present``, else ``copied``,
  with its own files and bytes. A copy of another size (truncated by an earlier run) makes
  the whole run go without ``--ignore-existing``, rsync's quick check deciding. A
  complete file whose job ran before (a retry, or its last attempt was released) is
  ``copied`` with a note, as a lone job would be: nobody announced it yet.
- a file that changed during the run (still being written, see ``file_copy``) is not
  counted: a sibling is released (it runs again alone, then waits for the file to hold
  still), the job that started the run waits once the others are finished.
- a copy that does not match its source after the run (``mirror.verify``, see
  ``verification``) is not counted either: a sibling is released with a note (it runs
  alone, copying again), the job that started the run fails as if alone, once the others
  are finished. A job whose attempt needs ``--checksum`` (a checksum retry) neither leads
  nor joins a batch: it runs alone.
- the folder's scans are queued (one job per server and folder, debounced), then the
  siblings finish together (one transaction), each result naming ``batch_of``; then each
  copied job is announced (coalesced per series by the caller; a sibling cancelled
  meanwhile is not).

A sibling whose own checks fail (source gone, symlink escape) is released before the
run, to fail on its own. When the run fails, the siblings are released (their attempt
given back) with a note saying why, and then run alone (the job's ``run_alone`` flag):
one bad file cannot fail them twice. The job that started the run fails through the
normal path, as if alone; on a permanent error (which may be any file's, an unreadable
sidecar) it first reruns alone at once, so it dies only for its own file. Cancelled (a
drain, the job cancelled), the run releases the siblings without a note: they may be
batched again. Live progress stays on the job that started the run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from arrkestra.adapters.file_verify import VerifyMethod
from arrkestra.adapters.rsync import Transfer, TransferStats, run_transfer
from arrkestra.core.errors import ArrkestraError, PermanentError
from arrkestra.core.job_kinds import BatchTotals, CopyParams, CopyResult, load_mirror_params
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath, PathRule, map_path
from arrkestra.pipelines.mirror.batch_plan import (
    ARGV_BUDGET,
    LeftOut,
    MappedCopy,
    ReadyCopy,
    changed_during_run,
    prepare,
)
from arrkestra.pipelines.mirror.deps import Changed, Deps
from arrkestra.pipelines.mirror.file_copy import (
    announcement,
    copy_file,
    copy_result,
    still_writing,
)
from arrkestra.pipelines.mirror.verification import (
    destination_pairs,
    may_share_run,
    method_of,
    needs_checksum,
    unverified,
)

PATHS_PER_FILE = 3  # a media file and, usually, two sidecars: the estimate before listing


def as_sibling(job: Job, main: MappedCopy, rules: Sequence[PathRule]) -> MappedCopy | None:
    """``job`` as a copy of ``main``'s batch, or None when it does not belong there."""
    try:
        params = load_mirror_params(job.params)
    except ArrkestraError:
        return None
    if (
        not isinstance(params, CopyParams)
        or params.instance != main.params.instance
        or params.replace_existing != main.params.replace_existing
        or params.folder_key_prefix != main.params.folder_key_prefix
    ):
        return None
    try:
        mapped = map_path(params.library_path, rules, instance=params.instance)
    except ArrkestraError:
        return None
    same_place = mapped.rule == main.mapped.rule and mapped.source_dir == main.mapped.source_dir
    if not same_place or mapped.destination_dir != main.mapped.destination_dir:
        return None
    return MappedCopy(job, params, mapped)


def sibling_filter(
    main: MappedCopy, deps: Deps
) -> tuple[Callable[[Job], bool], dict[int, MappedCopy]]:
    """``accept`` for the claim, and the copies it took (filled while the claim runs)."""
    taken: dict[int, MappedCopy] = {}
    used = PATHS_PER_FILE * (len(main.mapped.source) + 1)

    def accept(job: Job) -> bool:
        nonlocal used
        if not may_share_run(job, deps):  # it copies again with --checksum, alone
            return False
        sibling = as_sibling(job, main, deps.rules)
        if sibling is None:
            return False
        cost = PATHS_PER_FILE * (len(sibling.mapped.source) + 1)
        if used + cost > ARGV_BUDGET:
            return False
        used += cost
        taken[job.id] = sibling
        return True

    return accept, taken


async def copy_with_siblings(
    job: Job, params: CopyParams, mapped: MappedPath, deps: Deps
) -> CopyResult:
    """Copy the job's file, and with it the waiting files of its folder (see the module doc)."""
    main = MappedCopy(job, params, mapped)
    accept, taken = sibling_filter(main, deps)
    limit = 0 if needs_checksum(job, deps) else deps.batch_limit  # --checksum: alone
    claimed = await deps.siblings.claim(job, params.folder_key_prefix, accept, limit)
    ran_before = job.attempts > 1 or job.id in claimed.resumed
    if not claimed.jobs:
        return await copy_file(job, params, mapped, deps, ran_before=ran_before)
    held = {j.id: MappedCopy(j, taken[j.id].params, taken[j.id].mapped) for j in claimed.jobs}
    run = BatchRun(main, held, claimed.resumed, deps)
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
        ran_before = ran_before or run.touched_main
        return await copy_file(job, params, mapped, deps, ran_before=ran_before)
    except BaseException:  # cancelled (drain, the job cancelled): no fault of the siblings
        await run.release_all(None)
        raise


@dataclass
class BatchRun:
    main: MappedCopy
    held: dict[int, MappedCopy]  # the siblings still leased here: emptied as they go
    resumed: frozenset[int]  # jobs whose attempt before this one was released
    deps: Deps
    touched_main: bool = False  # rsync ran while the main file was incomplete
    own_failure: bool = False  # the main job's file failed its checks: nobody else's fault

    def ran_before(self, job: Job) -> bool:
        return job.attempts > 1 or job.id in self.resumed

    async def release_all(self, note: str | None) -> None:
        if self.held:
            jobs = [c.job for c in self.held.values()]
            self.held.clear()
            await self.deps.siblings.release(self.main.job, jobs, note)

    async def copy(self) -> CopyResult:
        main, deps = self.main, self.deps
        prepared = await asyncio.to_thread(prepare, [main, *self.held.values()], deps)
        listed = prepared.copies
        first = listed[0]
        if isinstance(first, LeftOut):  # its own failure: the siblings may go on together
            self.own_failure = True
            await self.release_all(None)
            raise first.error
        await self.leave_out([c for c in listed[1:] if isinstance(c, LeftOut)])
        ran_before = self.ran_before(main.job)
        if not self.held:  # alone after all: exactly as an unbatched job
            return await copy_file(main.job, main.params, main.mapped, deps, ran_before=ran_before)
        ready = [c for c in listed if isinstance(c, ReadyCopy)]
        self.touched_main = ran_before or ready[0].pending_files > 0
        stats = await self.transfer(ready, replace=prepared.replace)
        kept, own_error = await self.set_aside(ready)
        verified = method_of(deps)
        results = {c.copy.job.id: self.result_of(c, stats, verified) for c in kept}
        siblings = [
            (c.copy.job, results[c.copy.job.id].model_copy(update={"batch_of": main.job.id}))
            for c in kept
            if c.copy.job.id != main.job.id
        ]
        self.held.clear()
        # The servers are told before the siblings finish: were the daemon to die in
        # between, the siblings run again and tell them again (never: nobody tells them).
        await tell_servers_of([(c, results[c.copy.job.id]) for c in kept], deps)
        finished = await deps.siblings.finish(main.job, siblings) if siblings else set()
        if own_error is None:
            finished.add(main.job.id)
        # Announced once finished: not a job cancelled meanwhile.
        done = [(c, results[c.copy.job.id]) for c in kept if c.copy.job.id in finished]
        await announce_copies(done, stats, deps)
        if own_error is not None:
            self.own_failure = True
            raise own_error
        totals = BatchTotals(
            jobs=len(ready),
            files_transferred=stats.files_transferred,
            bytes_transferred=stats.bytes_transferred,
        )
        return results[main.job.id].model_copy(update={"batch": totals})

    async def set_aside(
        self, ready: list[ReadyCopy]
    ) -> tuple[list[ReadyCopy], ArrkestraError | None]:
        """After the run: the copies that count (their files held still and match their
        sources), and the main job's own error when its file did not. A sibling that did
        not is released with a note: it runs alone (then waits for its file to hold
        still, or copies it again)."""
        moved = await asyncio.to_thread(changed_during_run, ready)
        still = [c for c in ready if c.copy.job.id not in moved]
        destination = self.main.mapped.destination_dir
        excludes = self.deps.rsync.excludes
        copies = {
            c.copy.job.id: (c.copy.mapped.name, destination_pairs(c.sources, destination, excludes))
            for c in still
        }
        failed = await unverified(copies, method_of(self.deps))
        for c in ready[1:]:
            job = c.copy.job
            if job.id in moved:
                note = f"released: {c.copy.mapped.name} changed while it was copied"
            elif job.id in failed:
                note = f"released: {failed[job.id]}"
            else:
                continue
            self.held.pop(job.id, None)
            await self.deps.siblings.release(self.main.job, [job], note)
        main = self.main.job
        own_error: ArrkestraError | None = failed.get(main.id)
        if main.id in moved:
            own_error = still_writing(self.main.mapped.name, main, self.deps.now())
        return [c for c in still if c.copy.job.id not in failed], own_error

    def result_of(
        self, ready: ReadyCopy, stats: TransferStats, verified: VerifyMethod | None
    ) -> CopyResult:
        copy = ready.copy
        pending = (ready.pending_files, ready.pending_bytes)
        return copy_result(
            copy.params,
            copy.mapped,
            ready.sources,
            stats,
            pending=pending,
            ran_before=self.ran_before(copy.job),
            verified=verified,
        )

    async def leave_out(self, left: list[LeftOut]) -> None:
        """Release the siblings that cannot go in this run, before it starts."""
        for note in {c.note for c in left}:
            jobs = [self.held.pop(c.job.id).job for c in left if c.note == note]
            await self.deps.siblings.release(self.main.job, jobs, note)

    async def transfer(self, ready: list[ReadyCopy], *, replace: bool) -> TransferStats:
        sources = list(dict.fromkeys(s for c in ready for s in c.sources))  # sidecars once
        main = self.main
        transfer = Transfer(tuple(sources), main.mapped.destination_dir, replace)
        transfers, main_id = self.deps.transfers, main.job.id
        return await run_transfer(
            transfer,
            self.deps.rsync,
            on_progress=lambda update: transfers.progress(main_id, update),
        )


async def tell_servers_of(done: list[tuple[ReadyCopy, CopyResult]], deps: Deps) -> None:
    """Queue the folder's scans for the copied files (one job per server and folder)."""
    copied = [c for c, result in done if result.outcome == "copied"]
    if copied and deps.tell_servers is not None:
        await deps.tell_servers([Changed(ready.copy.mapped, "Created") for ready in copied])


async def announce_copies(
    done: list[tuple[ReadyCopy, CopyResult]], stats: TransferStats, deps: Deps
) -> None:
    """Announce each copied file (coalesced per series by the caller)."""
    for ready, result in done:
        if result.outcome != "copied":
            continue
        copy = ready.copy
        await deps.announce(
            announcement(
                copy.params, copy.mapped, bytes_copied=ready.pending_bytes, seconds=stats.seconds
            )
        )
