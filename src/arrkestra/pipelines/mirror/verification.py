"""Verified copies: what rsync left at the destination is checked before a copy counts.

rsync's exit code 0 says the transfer ran, not that what landed on the second NAS is what
left the first (a flaky link or disk, something rewriting the file). With
``mirror.verify`` (``Deps.verify``) each copy job's files (the media file and its
sidecars, less those ``mirror.excludes`` keep rsync from copying) are compared with their
sources after rsync (``adapters/file_verify``), before anything is announced, scanned or
counted:

- ``size``: each file is at the destination with the source's size (a ``stat`` of each
  side): catches a truncated or missing copy;
- ``checksum``: the sizes, then both sides hashed (BLAKE2b, the two files read at the
  same time: one pass of the slower disk);
- ``none`` (``Deps.verify`` None): rsync's exit code is trusted. A dry run verifies nothing.

A copy that does not match raises :class:`CopyNotVerified`, a ``TransientError``: the
attempt fails, nothing is announced, scanned or counted, and the job retries with backoff.
In a folder's batch a sibling that does not match is released to run alone (the others
are finished and announced), and the job that led the run fails as if alone; a bulk run
does the same per member.

The retry of a checksum mismatch must not trust rsync's quick check: a corrupted copy with
the source's size and modification time is skipped by it, and would fail again for ever.
So in ``checksum`` mode an attempt that follows a counted attempt or a shared run that
failed (:func:`needs_checksum`: ``attempts > 1`` or ``run_alone``) runs rsync with
``--checksum`` and without ``--ignore-existing``, so rsync compares content and replaces
what differs, and it runs alone: it neither leads nor joins a batch
(:func:`may_share_run`), so the extra reading is only its own files'. The retry knows it
from the job's own counters rather than its last error: an attempt deferred in between
(a mount down) gives its attempt back and rewrites the last error, but leaves a counted
attempt counted and ``run_alone`` set, so the attempt after it still copies with
``--checksum``; a daemon that died between rsync and the check leaves the attempt counted
too. A retry that failed for another reason (rsync I/O) also goes with ``--checksum``: one
more read of its files, where trusting the quick check could cost an attempt.

Each copy job's result says how it was verified (``CopyResult.verified``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace

from arrkestra.adapters.file_verify import Verdict, VerifyMethod, verify_files
from arrkestra.adapters.rsync import RsyncOptions
from arrkestra.core.errors import TransientError
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.jobs import Job
from arrkestra.pipelines.mirror.deps import Deps

Pairs = Sequence[tuple[str, str]]  # (source, destination) paths of one job's files


class CopyNotVerified(TransientError):
    """A copy at the destination does not match its source: the attempt fails and retries
    (in ``checksum`` mode with rsync ``--checksum``); nothing is announced."""


def method_of(deps: Deps) -> VerifyMethod | None:
    """How this run's copies are verified; None: they are not (``verify: none``, dry run)."""
    return None if deps.rsync.dry_run else deps.verify


def needs_checksum(job: Job, deps: Deps) -> bool:
    """This attempt copies with ``--checksum``: ``checksum`` mode, and the job ran before
    (a counted attempt, or a shared run that failed). See the module doc."""
    return deps.verify == "checksum" and (job.attempts > 1 or job.run_alone)


def may_share_run(candidate: Job, deps: Deps) -> bool:
    """Whether a pending job may be copied in another job's run: not one whose next attempt
    needs ``--checksum`` (it ran before), which runs alone."""
    return deps.verify != "checksum" or candidate.attempts == 0


def rsync_options(job: Job, deps: Deps) -> RsyncOptions:
    """``deps.rsync``, with ``--checksum`` when this attempt needs it."""
    if needs_checksum(job, deps) and not deps.rsync.checksum:
        return replace(deps.rsync, checksum=True)
    return deps.rsync


def destination_pairs(
    sources: Sequence[str], destination_dir: str, excludes: Sequence[str]
) -> list[tuple[str, str]]:
    """(source, destination) for each of a job's files that rsync copies (not excluded)."""
    matcher = ExcludeMatcher(excludes)
    pairs = []
    for source in sources:
        name = os.path.basename(source)
        if not matcher.excluded(name, is_dir=False):
            pairs.append((source, os.path.join(destination_dir, name)))
    return pairs


async def unverified(
    copies: Mapping[int, tuple[str, Pairs]], method: VerifyMethod | None
) -> dict[int, CopyNotVerified]:
    """The copies (job id -> its file's name and pairs) that do not match their sources,
    each with its error; none when nothing is verified (``method`` None). A file shared
    by two jobs (a sidecar) is read once."""
    if method is None:
        return {}
    every = list(dict.fromkeys(pair for _, pairs in copies.values() for pair in pairs))
    verdicts = dict(zip(every, await verify_files(every, method), strict=True))
    failed: dict[int, CopyNotVerified] = {}
    for job_id, (name, pairs) in copies.items():
        bad = [verdicts[pair] for pair in pairs if not verdicts[pair].ok]
        if bad:
            failed[job_id] = not_verified(name, bad, method)
    return failed


async def require_verified(name: str, pairs: Pairs, deps: Deps) -> VerifyMethod | None:
    """Verify one job's files; the method (None: not verified), or ``CopyNotVerified``."""
    method = method_of(deps)
    failed = await unverified({0: (name, pairs)}, method)
    if failed:
        raise failed[0]
    return method


def not_verified(name: str, bad: Sequence[Verdict], method: VerifyMethod) -> CopyNotVerified:
    """``the copy of X does not match its source (checksum): X: content differs ...``."""
    problems = "; ".join(f"{os.path.basename(v.destination)}: {v.problem}" for v in bad)
    again = "copied again with rsync --checksum" if method == "checksum" else "copied again"
    return CopyNotVerified(
        f"the copy of {name} does not match its source ({method} check): {problems}; "
        f"not announced, {again}"
    )
