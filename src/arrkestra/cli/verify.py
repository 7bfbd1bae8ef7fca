"""``arrkestra verify``: audit existing copies once (``pipelines/mirror/copy_audit``).

It reports and never copies or deletes: one line per problem, then a summary. Exit 0 when
every copy matches, 1 when any problem was found (a root that is down included), 2 for
input it cannot take. No daemon and no database are needed, so it runs beside one.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Annotated

import typer

from arrkestra.cli.base import ConfigOption, app, err, load

if TYPE_CHECKING:
    from collections.abc import Callable

    from arrkestra.adapters.file_verify import Verdict, VerifyMethod
    from arrkestra.pipelines.mirror.copy_audit import AuditReport

METHODS = ("size", "checksum")
PROGRESS_EVERY = 1.0  # seconds between progress lines on a terminal's stderr


@app.command()
def verify(
    path: Annotated[
        str | None,
        typer.Argument(
            help="A file or folder as Sonarr/Radarr name it: /tv/Show, /tv/Show/Season 01/x.mkv"
        ),
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", help="Every mirror.paths rule's source tree.")
    ] = False,
    method: Annotated[
        str | None,
        typer.Option(help="size or checksum (BLAKE2b). Default: mirror.verify, else size."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Check that the copies at the destination match their sources; report, never copy
    (exit 0: every copy matches, 1: problems found, 2: refused)."""
    from arrkestra.pipelines.mirror.copy_audit import VerifyRefused, audit, default_method, scope_of

    if (path is None) == (not all_):
        err("error: give a PATH or --all (not both)")
        raise typer.Exit(2)
    if method is not None and method not in METHODS:
        err(f"error: --method {method!r} is not one of: {', '.join(METHODS)}")
        raise typer.Exit(2)
    settings = load(config)
    redact = settings.redactor()
    chosen: VerifyMethod = "checksum" if method == "checksum" else "size"
    chosen = default_method(settings) if method is None else chosen
    try:
        scope = asyncio.run(scope_of(settings, path))
    except VerifyRefused as exc:
        err(f"error: {redact(str(exc))}")
        raise typer.Exit(2) from None
    for problem in scope.problems:
        typer.echo(redact(printable(problem)))
    progress = Progress(len(scope.pairs), time.monotonic) if sys.stderr.isatty() else None

    def reported(verdict: Verdict) -> None:
        if verdict.problem is not None:
            if progress is not None:
                progress.clear()
            line = f"{verdict.problem}: {verdict.source} -> {verdict.destination}"
            typer.echo(redact(printable(line)))
        if progress is not None:
            progress.add(verdict)

    report = asyncio.run(audit(scope, chosen, time.monotonic, reported))
    if progress is not None:
        progress.clear()
    typer.echo(summary(report, chosen))
    raise typer.Exit(0 if report.ok else 1)


def summary(report: AuditReport, method: VerifyMethod) -> str:
    """``3 files checked by checksum, 1.2 GB read in 4s (300.0 MB/s): 1 problem``."""
    from arrkestra.pipelines.mirror.messages import human_bytes, human_seconds

    files = len(report.verdicts)
    text = f"{files} file{'' if files == 1 else 's'} checked by {method}"
    seconds = f"{report.seconds:.1f}s" if report.seconds < 60 else human_seconds(report.seconds)
    if method == "checksum":
        rate = report.bytes_read / report.seconds if report.seconds > 0 else 0.0
        text += f", {human_bytes(report.bytes_read)} read in {seconds}"
        text += f" ({human_bytes(rate)}/s)"
    else:
        text += f" in {seconds}"
    count = len(report.problems) + len(report.root_problems)
    if count == 0:
        return text + ": every copy matches"
    return text + f": {count} problem{'' if count == 1 else 's'}"


def printable(text: str) -> str:
    """A line a terminal can take: a name's undecodable bytes shown as ``\\xNN``."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class Progress:
    """``checked 120/4,000 files, 3.4 GB read`` on stderr, at most once a second."""

    def __init__(self, total: int, clock: Callable[[], float]) -> None:
        self.total, self.clock = total, clock
        self.done = self.read = 0
        self.shown = clock()
        self.visible = False

    def add(self, verdict: Verdict) -> None:
        from arrkestra.pipelines.mirror.messages import human_bytes

        self.done += 1
        self.read += verdict.bytes_read
        if self.clock() - self.shown >= PROGRESS_EVERY:
            self.shown = self.clock()
            line = f"checked {self.done:,}/{self.total:,} files, {human_bytes(self.read)} read"
            sys.stderr.write(f"\r{line}\x1b[K")
            sys.stderr.flush()
            self.visible = True

    def clear(self) -> None:
        if self.visible:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self.visible = False
