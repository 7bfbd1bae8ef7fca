"""rsync over a file list: many files of one root copied by one rsync run (reconcile's bulk
copies, tens of thousands of files at a time).

``rsync --files-from=LIST --from0 SRC_ROOT/ DST_ROOT/`` copies exactly the listed paths
(relative to the roots; ``--files-from`` implies ``--relative``, so parent folders are
created as needed) in one process. Decisions:

- One process per root instead of one per file or per folder: rsync costs ~45 ms a start
  here, so 20,000 files in 200 folders would spend 9 s just starting rsync.
- The list goes through a temp file (NUL-separated, so any legal file name passes) rather
  than stdin, keeping the process runner of ``adapters/rsync`` unchanged.
- ``--out-format=%n -8`` names each item rsync transferred (``-8``: UTF-8 names as they
  are, only control characters escaped); a listed file not named was
  already complete at the destination (with ``--ignore-existing``: present). Exit codes 23
  and 24 (some files failed or vanished) are per-file outcomes, not a failed run: the
  caller checks each file that was neither named nor present afterwards and fails only its
  job. Every other non-zero code fails the run (``EXIT_CODES``).
- Same options as a live copy otherwise: ``--whole-file``, the excludes, ``--bwlimit``,
  ``--ignore-existing`` unless the files replace the destination's (different sizes),
  ``--checksum`` when the options ask for it.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from arrkestra.adapters.rsync import RsyncOptions, checked_path, execute
from arrkestra.adapters.rsync_output import OutputReader, StderrTail, exit_error
from arrkestra.core.errors import PermanentError, TransientError

PER_FILE_CODES = frozenset({23, 24})  # some files failed or vanished: judged per file


@dataclass(frozen=True)
class FileListRun:
    """What one run did: the listed files it transferred, and what rsync said on stderr."""

    transferred: frozenset[str]
    code: int
    stderr: str
    seconds: float


def build_argv(
    source_root: str, destination_root: str, list_file: str, options: RsyncOptions, *, replace: bool
) -> list[str]:
    source = checked_path(source_root, "source root").rstrip("/")
    destination = checked_path(destination_root, "destination root").rstrip("/")
    argv = [options.binary, "--archive", "-s", "--from0", f"--files-from={list_file}"]
    argv += ["--out-format=%n", "-8", "--whole-file"]
    argv += [f"--exclude={pattern}" for pattern in options.excludes]
    if options.ignore_existing and not replace:
        argv.append("--ignore-existing")
    if options.dry_run:
        argv.append("--dry-run")
    if options.bwlimit:
        argv.append(f"--bwlimit={options.bwlimit}")
    if options.checksum:
        argv.append("--checksum")
    return [*argv, "--", source + "/", destination + "/"]


_ESCAPE = re.compile(r"\\#([0-7]{3})")


def unescape(line: str) -> str:
    """A name as rsync printed it: ``-8`` keeps UTF-8 as it is, but a control character
    (a newline in a name) still comes as ``\\#ooo``, octal."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), line) if "\\#" in line else line


def _write_list(relatives: Sequence[str]) -> str:
    handle, path = tempfile.mkstemp(prefix="arrkestra-files-", suffix=".list")
    with os.fdopen(handle, "wb") as out:
        out.write(b"\0".join(os.fsencode(r) for r in relatives))
    return path


async def copy_listed(
    source_root: str,
    destination_root: str,
    relatives: Sequence[str],
    options: RsyncOptions,
    *,
    replace: bool = False,
) -> FileListRun:
    """Copy ``relatives`` (POSIX paths below both roots) in one rsync run."""
    if not relatives:
        raise PermanentError("a file list needs at least one file")
    if any(r.startswith("/") or "\0" in r for r in relatives):
        raise PermanentError("listed paths must be relative, without NUL characters")
    list_file = await asyncio.to_thread(_write_list, relatives)
    try:
        argv = build_argv(source_root, destination_root, list_file, options, replace=replace)
        reader = OutputReader(max_lines=2 * len(relatives) + 100)
        tail = StderrTail()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(options.timeout):
                code = await execute(argv, reader, tail, options.kill_grace)
        except TimeoutError:
            raise TransientError(f"rsync over {len(relatives)} file(s) timed out") from None
    finally:
        await asyncio.to_thread(os.unlink, list_file)
    if code != 0 and code not in PER_FILE_CODES:
        raise exit_error(code, tail.text())
    listed = set(relatives)
    transferred = frozenset(name for line in reader.lines if (name := unescape(line)) in listed)
    return FileListRun(transferred, code, tail.text(), loop.time() - started)
