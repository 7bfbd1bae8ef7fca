"""mirror, in bulk: reconcile's copies of one root go out in one rsync over a file list.

A reconcile can queue tens of thousands of copies (a first sync of a new destination).
Each keeps its own job, but when one starts, the other due ``bulk`` copies of the same
instance, root and ``replace_existing`` are leased with it (up to ``BULK_LIMIT``, through
the same :class:`~arrkestra.pipelines.mirror.deps.Siblings` as a folder batch, so their
leases are renewed and they finish in one transaction) and one rsync copies them all
(``adapters/rsync_file_list``). Reconcile listed every file itself, sidecars included,
so no sidecars are collected here.

Per job, afterwards: named in rsync's output -> ``copied``; at the destination with the
source's size (or present, with ``ignore_existing``) -> ``already_present``; otherwise
the file failed (rsync's per-file errors, exit 23/24): a sibling is released with a note
and runs alone (failing on its own), the leading job fails with rsync's message (dies at
once when the file left the source since the comparison). A run that fails as a whole
releases every sibling: to run alone when the failure is permanent (a file of the list
can cause it), to be batched again when it is transient (I/O, the timeout: the next run
skips what this one finished). A dry run judges nothing: every job is ``dry_run``.

Then each member's copy is verified (``mirror.verify``, ``verification``): a sibling
whose copy does not match its source is released with a note (it copies again alone), the
leading job fails (and retries); a job whose attempt needs ``--checksum`` runs alone.

Each folder that received a verified file gets its scans queued (debounced, as a live copy's);
files are not announced one by one: the reconcile run sends its own report. Live imports
never come here: only copies flagged ``bulk``.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Literal

from arrkestra.adapters.rsync import RsyncOptions
from arrkestra.adapters.rsync_file_list import FileListRun, copy_listed
from arrkestra.core.errors import ArrkestraError, PermanentError, TransientError
from arrkestra.core.job_kinds import BatchTotals, CopyParams, CopyResult, load_mirror_params
from arrkestra.core.jobs import Job
from arrkestra.core.paths import MappedPath
from arrkestra.pipelines.mirror.deps import Changed, Deps
from arrkestra.pipelines.mirror.verification import (
    CopyNotVerified,
    may_share_run,
    method_of,
    needs_checksum,
    rsync_options,
    unverified,
)

BULK_LIMIT = 10_000  # jobs per rsync run


@dataclass(frozen=True)
class Member:
    job: Job
    params: CopyParams
    mapped: MappedPath

    @property
    def relative(self) -> str:
        return "/".join(self.mapped.relative)


def key_prefix(params: CopyParams, mapped: MappedPath) -> str:
    """The keys of every copy below the rule's root (``sonarr.hd//tv/``)."""
    return f"{params.instance}/{mapped.rule.library_path('x')[:-1]}"


def _member(job: Job, lead: Member) -> Member | None:
    """``job`` as a file of ``lead``'s run (SQL already chose bulk copies with its
    ``replace_existing`` and instance), or None. The path is checked as ``map_path`` would,
    without searching the rules again (``PathRule.relative_of``): thousands of files."""
    try:
        params = load_mirror_params(job.params)
    except ArrkestraError:
        return None
    rule = lead.mapped.rule
    relative = rule.relative_of(params.library_path) if isinstance(params, CopyParams) else None
    if relative is None or not isinstance(params, CopyParams):
        return None
    parts = tuple(relative.split("/"))
    plex = rule.plex_root.rstrip(rule.plex_separator) + rule.plex_separator
    mapped = MappedPath(
        rule=rule,
        relative=parts,
        source=f"{rule.source_root.rstrip('/')}/{relative}",
        destination=f"{rule.destination_root.rstrip('/')}/{relative}",
        plex=plex + rule.plex_separator.join(parts),
    )
    return Member(job, params, mapped)


def _judge(members: list[Member], run: FileListRun, deps: Deps, replace: bool) -> list[int | None]:
    """Per member: the bytes it copied (0: it was complete already), None: it failed.

    A dry run copied nothing and judges nothing: every member is a would-be copy (0).
    """
    if deps.rsync.dry_run:
        return [0 for _ in members]
    ignore_existing = deps.rsync.ignore_existing and not replace
    out: list[int | None] = []
    for member in members:
        try:
            size = os.stat(member.mapped.destination).st_size
        except OSError:
            out.append(None)
            continue
        if member.relative in run.transferred:
            out.append(size)
            continue
        try:
            complete = ignore_existing or os.stat(member.mapped.source).st_size == size
        except OSError:
            complete = False
        out.append(0 if complete else None)
    return out


def _result(member: Member, copied: int, run: FileListRun, lead: Job, deps: Deps) -> CopyResult:
    sent = member.relative in run.transferred
    dry_run = deps.rsync.dry_run
    outcome: Literal["dry_run", "copied", "already_present"] = (
        "dry_run" if dry_run else "copied" if sent else "already_present"
    )
    return CopyResult(
        outcome=outcome,
        summary=f"{member.mapped.source} (bulk)",
        source=member.mapped.source,
        destination=member.mapped.destination,
        files=[member.mapped.name],
        files_transferred=1 if sent and not dry_run else 0,
        bytes_transferred=copied,
        seconds=0.0 if member.job.id != lead.id else run.seconds,
        batch_of=None if member.job.id == lead.id else lead.id,
        verified=method_of(deps),
    )


async def _claim(lead: Member, deps: Deps) -> tuple[list[Member], list[Job]]:
    """The run's members (the lead first) and the siblings leased with it."""
    job, params = lead.job, lead.params
    taken: dict[int, Member] = {}

    def accept(candidate: Job) -> bool:
        if not may_share_run(candidate, deps):  # it copies again with --checksum, alone
            return False
        member = _member(candidate, lead)
        if member is not None:
            taken[candidate.id] = member
        return member is not None

    same_kind = {
        CopyParams.json_path("bulk"): 1,
        CopyParams.json_path("replace_existing"): int(params.replace_existing),
    }
    prefix = key_prefix(params, lead.mapped)
    limit = 0 if needs_checksum(job, deps) else BULK_LIMIT - 1  # --checksum: alone
    claimed = await deps.siblings.claim(job, prefix, accept, limit, same_kind)
    return [lead, *(taken[j.id] for j in claimed.jobs)], claimed.jobs


async def copy_bulk(job: Job, params: CopyParams, mapped: MappedPath, deps: Deps) -> CopyResult:
    members, siblings = await _claim(Member(job, params, mapped), deps)
    options = rsync_options(job, deps)
    try:
        run, copied = await _copy(members, deps, options, params.replace_existing)
        failed = await _unverified(members, copied, deps)
        await _settle(job, members, run, copied, failed, deps)
    except asyncio.CancelledError:
        await deps.siblings.release(job, siblings, None)  # may be batched again
        raise
    except Exception as exc:
        # A file of the list (unreadable, a permission) can fail the whole run: the others
        # then run alone. A run that failed for what may pass (I/O, a timeout) does not.
        alone = (
            None
            if isinstance(exc, TransientError)
            else f"the bulk run of job {job.id} failed: {exc}"
        )
        await deps.siblings.release(job, siblings, alone)
        raise
    if copied[0] is None:
        if not await asyncio.to_thread(os.path.lexists, mapped.source):  # gone since compared
            raise PermanentError(f"the file is not in the source folder any more: {mapped.source}")
        raise TransientError(
            f"rsync did not copy {mapped.source}: {run.stderr or 'no reason given'}"
        )
    if job.id in failed:
        raise failed[job.id]
    result = _result(members[0], copied[0], run, job, deps)
    totals = BatchTotals(
        jobs=len(members),
        files_transferred=len(run.transferred),
        bytes_transferred=sum(size or 0 for size in copied),
    )
    return result.model_copy(update={"batch": totals})


async def _copy(
    members: list[Member], deps: Deps, options: RsyncOptions, replace: bool
) -> tuple[FileListRun, list[int | None]]:
    """One rsync over the members' list (``--checksum`` goes without ``--ignore-existing``)."""
    rule = members[0].mapped.rule
    relatives = [m.relative for m in members]
    replace = replace or options.checksum
    run = await copy_listed(
        rule.source_root, rule.destination_root, relatives, options, replace=replace
    )
    return run, await asyncio.to_thread(_judge, members, run, deps, replace)


async def _unverified(
    members: list[Member], copied: list[int | None], deps: Deps
) -> dict[int, CopyNotVerified]:
    """The members rsync copied (or found complete) whose copy does not match its source."""
    copies = {
        m.job.id: (m.mapped.name, [(m.mapped.source, m.mapped.destination)])
        for m, size in zip(members, copied, strict=True)
        if size is not None
    }
    return await unverified(copies, method_of(deps))


async def _settle(
    job: Job,
    members: list[Member],
    run: FileListRun,
    copied: list[int | None],
    unmatched: dict[int, CopyNotVerified],
    deps: Deps,
) -> None:
    """Release the siblings that did not make it (to fail alone) or whose copy does not
    match its source (to copy again alone), queue the scans of each folder that received a
    verified file, then finish the siblings that made it."""
    done, failed = [], []
    for member, size in zip(members[1:], copied[1:], strict=True):
        if size is None:
            failed.append(member.job)
        elif member.job.id in unmatched:
            note = f"released: {unmatched[member.job.id]}"
            await deps.siblings.release(job, [member.job], note)
        else:
            done.append((member.job, _result(member, size, run, job, deps)))
    if failed:
        note = f"not copied by the bulk run of job {job.id}: {run.stderr or 'no reason given'}"
        await deps.siblings.release(job, failed, note)
    if deps.tell_servers is not None and not deps.rsync.dry_run:
        changed = [
            Changed(m.mapped, "Created")
            for m in members
            if m.relative in run.transferred and m.job.id not in unmatched
        ]
        # one scan per server and folder; before the siblings finish, as in ``batch``
        await deps.tell_servers(changed)
    await deps.siblings.finish(job, done)
