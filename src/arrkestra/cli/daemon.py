"""``serve``, ``check`` and ``version``: running the daemon and checking its configuration."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from typing import TYPE_CHECKING, Annotated

import typer

from arrkestra import __version__
from arrkestra.cli.base import (
    ConfigOption,
    app,
    load,
    log,
    table,
)

if TYPE_CHECKING:
    from arrkestra.config import Settings


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (server.host).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (server.port).")] = None,
) -> None:
    """Run the daemon: webhooks, job workers, scheduler and the HTTP API on one port."""
    from arrkestra.config import config_warnings, resolve_config_path
    from arrkestra.runtime import capabilities
    from arrkestra.runtime.logs import configure_history, configure_logging
    from arrkestra.runtime.services import open_services
    from arrkestra.store.connection import StoreError
    from arrkestra.web.server import serve as run_server

    settings = load(config)
    lg = settings.logging
    configure_logging(
        level=lg.level,
        fmt=lg.format,
        redact=settings.redactor(),
        file=lg.file,
        max_bytes=lg.max_bytes,
        backups=lg.backups,
        probes=settings.server.access_log_probes,
    )
    configure_history(
        file=lg.history_file,
        redact=settings.redactor(),
        max_bytes=lg.history_max_bytes,
        backups=lg.history_backups,
    )
    path, _ = resolve_config_path(config, os.environ)
    log.info(
        "arrkestra %s starting (config: %s%s)",
        __version__,
        path.absolute(),
        "" if path.exists() else ", not found: using defaults",
    )
    for warning in config_warnings(settings):
        hint = f" (hint: {warning.hint})" if warning.hint else ""
        log.warning("config: %s: %s%s", warning.path, warning.message, hint)
    for line in capabilities.report(settings):
        log.info("%s", line)
    if not capabilities.configured(settings):
        log.warning("%s", capabilities.NOTHING_TO_DO)
    try:
        services = open_services(settings, daemon=True)
    except StoreError as exc:
        log.critical("%s", exc)
        raise typer.Exit(1) from None
    log.info("database: %s", settings.storage.db_file)
    run_server(
        settings, services, host=host or settings.server.host, port=port or settings.server.port
    )


@app.command()
def check(
    config: ConfigOption = None,
    online: Annotated[
        bool,
        typer.Option(
            "--online",
            help="Also check what the configuration reaches: upstreams, mirror roots, Plex "
            "sections, Jellyfin and Emby libraries, notification URLs.",
        ),
    ] = False,
    notify: Annotated[
        bool,
        typer.Option(
            "--notify", help="With the online check: send a test message through each URL."
        ),
    ] = False,
) -> None:
    """Validate the configuration and say what each capability will do (exit 2 on errors,
    1 when nothing is configured to run, 0 otherwise, warnings included)."""
    from arrkestra.config import config_warnings, resolve_config_path
    from arrkestra.runtime import capabilities
    from arrkestra.runtime.alerts import build_notifier

    settings = load(config)
    path, _ = resolve_config_path(config, os.environ)
    for warning in config_warnings(settings):
        typer.echo(f"warning: {warning.render()}")
    notifier = build_notifier(settings, settings.redactor())
    if notifier.enabled:  # offline: Apprise only parses them; said here once, not logged too
        logging.getLogger("arrkestra.notify").disabled = True
        for label in asyncio.run(notifier.invalid_urls()):
            typer.echo(f"warning: notifications: {label} is not a URL Apprise can use: it fails")
    typer.echo(f"configuration OK: {path}" + ("" if path.exists() else " (no file: defaults)"))
    for line in capabilities.report(settings):
        typer.echo(f"  {line}")
    if online or notify:
        _check_online(settings, notify=notify)
    running = capabilities.configured(settings)
    if not running:
        typer.echo(capabilities.NOTHING_TO_DO)
        raise typer.Exit(1)
    if "mirror" in running and shutil.which("rsync") is None:
        typer.echo("mirror cannot copy: rsync is not installed (see the warning above)")
        raise typer.Exit(1)


def _check_online(settings: Settings, *, notify: bool) -> None:
    """One table of what the configuration reaches (runtime/online_check); exit 1 when
    something a configured capability needs fails."""
    from arrkestra.runtime import online_check

    report = asyncio.run(online_check.run(settings, notify=notify))
    if report.rows:
        table(["CHECK", "TARGET", "RESULT", "DETAIL / HINT"], [r.cells() for r in report.rows])
        typer.echo(report.summary())
    else:
        typer.echo("online check: nothing configured to contact")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print arrkestra's version."""
    typer.echo(f"arrkestra {__version__}")
