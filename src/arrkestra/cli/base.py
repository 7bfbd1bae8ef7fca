"""What every ``arrkestra`` command shares: the Typer app and its groups, the ``--config``
option, and the few steps each command takes (load the settings, open the services, print).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.runtime.services import Services

T = TypeVar("T")
log = logging.getLogger("arrkestra")

app = typer.Typer(
    help="arrkestra keeps Sonarr, Radarr, Overseerr/Jellyseerr and Plex in step.\n\n"
    "Start with `arrkestra serve` (no config file needed), then `arrkestra check`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
jobs_app = typer.Typer(help="Inspect and steer the job queue.", no_args_is_help=True)
db_app = typer.Typer(
    help="Database maintenance: backups and integrity checks.", no_args_is_help=True
)
notify_app = typer.Typer(help="Notifications: try the configured URLs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")
app.add_typer(db_app, name="db")
app.add_typer(notify_app, name="notify")

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file. Default: $ARRKESTRA_CONFIG, else ./arrkestra.yaml (optional).",
        dir_okay=False,
    ),
]


def err(message: str) -> None:
    typer.echo(message, err=True)


def load(config: Path | None) -> Settings:
    """Load and validate; on problems print every one of them and exit 2."""
    from arrkestra.config import load_settings
    from arrkestra.core.errors import ConfigError

    try:
        return load_settings(config, os.environ)
    except ConfigError as exc:
        err(f"error: {exc}")
        raise typer.Exit(2) from None


def services_for(settings: Settings) -> Services:
    from arrkestra.runtime.services import open_services
    from arrkestra.store.connection import StoreError

    try:
        return open_services(settings, daemon=False)
    except StoreError as exc:
        err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(1) from None


def with_services(config: Path | None, action: Callable[[Services], Coroutine[Any, Any, T]]) -> T:
    services = services_for(load(config))
    try:
        return asyncio.run(action(services))
    finally:
        services.close()


def when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    for line in (headers, *rows):
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C in a CLI command: no traceback
        sys.exit(130)
    except OSError as exc:  # the system refused a start-up step: one line, never a traceback
        err(f"error: {system_refusal(exc)}")
        sys.exit(1)


def system_refusal(exc: OSError) -> str:
    """What the system refused, on what, and what to check: a data folder, a log file or a
    config file the daemon's user may not write or read, a read-only volume, a full disk."""
    what = exc.strerror or str(exc) or type(exc).__name__
    where = f": {exc.filename}" if exc.filename else ""
    hint = {
        errno.EACCES: f"the user arrkestra runs as (uid {os.getuid()}) needs access there",
        errno.EPERM: f"the user arrkestra runs as (uid {os.getuid()}) needs access there",
        errno.EROFS: "the volume is mounted read-only",
        errno.ENOSPC: "free some space on that volume",
    }.get(exc.errno or 0)
    return f"{what}{where}" + (f" ({hint})" if hint else "")
