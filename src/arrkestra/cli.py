"""The ``arrkestra`` command. Each command is: load settings, open services, one call.

A command imports what it uses when it runs: ``arrkestra version`` loads no config, and
``serve`` pays for the web app and the capabilities that are configured, nothing more.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from arrkestra import __version__
from arrkestra.core.jobs import JobStatus

if TYPE_CHECKING:
    from arrkestra.config import Settings
    from arrkestra.core.jobs import Job
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


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _load(config: Path | None) -> Settings:
    """Load and validate; on problems print every one of them and exit 2."""
    from arrkestra.config import load_settings
    from arrkestra.core.errors import ConfigError

    try:
        return load_settings(config, os.environ)
    except ConfigError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(2) from None


def _services(settings: Settings) -> Services:
    from arrkestra.runtime.services import open_services
    from arrkestra.store.connection import StoreError

    try:
        return open_services(settings, daemon=False)
    except StoreError as exc:
        _err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(1) from None


def _with_services(config: Path | None, action: Callable[[Services], Coroutine[Any, Any, T]]) -> T:
    services = _services(_load(config))
    try:
        return asyncio.run(action(services))
    finally:
        services.close()


def _when(ts: float | None) -> str:
    return "-" if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    for line in (headers, *rows):
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


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

    settings = _load(config)
    lg = settings.logging
    configure_logging(
        level=lg.level,
        fmt=lg.format,
        redact=settings.redactor(),
        file=lg.file,
        max_bytes=lg.max_bytes,
        backups=lg.backups,
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
        path,
        "" if path.exists() else ", not found: using defaults",
    )
    for warning in config_warnings(settings):
        hint = f" (hint: {warning.hint})" if warning.hint else ""
        log.warning("config: %s: %s%s", warning.path, warning.message, hint)
    for line in capabilities.report(settings):
        log.info("%s", line)
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
        bool, typer.Option("--online", help="Also contact every configured upstream.")
    ] = False,
) -> None:
    """Validate the configuration and print every problem (exit 2 on errors, 0 on warnings)."""
    from arrkestra.config import config_warnings, resolve_config_path
    from arrkestra.runtime import capabilities
    from arrkestra.runtime.alerts import build_notifier

    settings = _load(config)
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
    if online:
        _check_online(settings)


def _check_online(settings: Settings) -> None:
    """Probe every configured upstream; discovery's targets as a cycle would check them."""
    from arrkestra.adapters.probes import probe_all
    from arrkestra.runtime.capabilities import discovery
    from arrkestra.runtime.upstreams import probe_targets

    targets = probe_targets(settings)
    if not targets:
        typer.echo("no upstreams configured: nothing to probe")
        return
    results = asyncio.run(probe_all(targets, settings.redactor()))
    _table(
        ["UPSTREAM", "URL", "RESULT", "DETAIL"],
        [[r.name, r.url, r.outcome.value, r.detail] for r in results],
    )
    problem = None
    if discovery.why_not(settings) is None:
        problem = asyncio.run(discovery.check_targets(settings, settings.redactor()))
        typer.echo(f"discovery targets: {problem or 'ok'}")
    if not all(r.ok for r in results) or problem:
        raise typer.Exit(1)


@app.command()
def version() -> None:
    """Print arrkestra's version."""
    typer.echo(f"arrkestra {__version__}")


@app.command()
def sync(
    path: Annotated[
        str, typer.Argument(help="The file as Sonarr/Radarr name it: /tv/Show/Season 01/x.mkv")
    ],
    type_: Annotated[
        str | None,
        typer.Option("--type", help="movie or episode (default: told by the path)."),
    ] = None,
    instance: Annotated[
        str | None, typer.Option(help="The instance it belongs to, e.g. sonarr.hd.")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Mirror one file: queue the job an import of it would have queued (exit 2 if refused)."""
    from arrkestra.pipelines.mirror.manual import ManualSync, SyncRefused, media_type
    from arrkestra.runtime.capabilities.mirror import plan_manual_sync

    settings = _load(config)
    redact = settings.redactor()
    try:
        plan = plan_manual_sync(settings, ManualSync(path, media_type(type_), instance))
    except SyncRefused as exc:
        _err(f"error: {redact(str(exc))}")
        raise typer.Exit(2) from None
    job, created = _with_services(config, lambda s: s.queue.enqueue(plan.spec))
    verb = "queued" if created else "was already queued"
    typer.echo(f"job {job.id} {verb}: {job.status.value}")
    typer.echo(redact(f"  {plan.mapped.source} -> {plan.mapped.destination_dir}"))


@app.command()
def catchup(
    instance: Annotated[
        str | None, typer.Option(help="One instance, e.g. sonarr/hd (default: every one).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="How far back, e.g. 48h (default: since the last run's mark)."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Queue a catch-up run: Sonarr/Radarr history is read and missed imports mirrored."""
    from arrkestra.config.models.units import parse_duration
    from arrkestra.runtime.capabilities.catchup import CatchupRefused, catchup_specs

    settings = _load(config)
    try:
        back = None if since is None else parse_duration(since)
    except ValueError as exc:
        _err(f"error: --since: {exc} (write it like 48h, 2d or 90m)")
        raise typer.Exit(2) from None
    start = None if back is None else time.time() - back
    try:
        specs = catchup_specs(settings, instance, start, "cli")
    except CatchupRefused as exc:
        _err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(2) from None

    async def enqueue(services: Services) -> list[tuple[Job, bool]]:
        return [await services.queue.enqueue(spec) for spec in specs]

    for spec, (job, created) in zip(specs, _with_services(config, enqueue), strict=True):
        verb = "queued" if created else "was already queued"
        typer.echo(f"job {job.id} {verb}: catch-up of {spec.key.split('/')[0]}")
    typer.echo("the daemon runs it; see arrkestra jobs list --pipeline catchup")


@app.command()
def reconcile(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compare and report; queue nothing.")
    ] = False,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Queue even more than reconcile.confirm_above.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Queue a reconcile run: source and destination compared, missing files copied."""
    from arrkestra.runtime.capabilities.reconcile import ReconcileRefused, queue_reconcile

    settings = _load(config)

    async def enqueue(services: Services) -> tuple[Any, bool]:
        return await queue_reconcile(
            services.settings,
            services.db,
            trigger="cli",
            dry_run=dry_run,
            confirm=confirm,
            now=time.time(),
        )

    try:
        run, created = _with_services(config, enqueue)
    except ReconcileRefused as exc:
        _err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(2) from None
    verb = "queued" if created else "was already queued"
    typer.echo(f"reconcile run {run.id} (job {run.job_id}) {verb}")
    typer.echo(f"the daemon runs it; see GET /api/v1/reconcile/runs/{run.id}")


def _job_row(job: Job) -> list[str]:
    error = (job.last_error or "").replace("\n", " ")
    return [
        str(job.id),
        job.pipeline,
        job.status.value,
        str(job.attempts),
        _when(job.created_at),
        error[:60],
    ]


@jobs_app.command("list")
def jobs_list(
    config: ConfigOption = None,
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs in this status.")] = None,
    pipeline: Annotated[str | None, typer.Option(help="Only jobs of this pipeline.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
) -> None:
    """List jobs, newest first."""
    from arrkestra.store.jobs import JobFilter

    jobs = _with_services(
        config, lambda s: s.queue.list_jobs(JobFilter(status, pipeline, None, limit))
    )
    redact = _load(config).redactor()
    _table(
        ["ID", "PIPELINE", "STATUS", "ATTEMPTS", "CREATED (UTC)", "LAST ERROR"],
        [[redact(c) for c in _job_row(j)] for j in jobs],
    )


@jobs_app.command("show")
def jobs_show(job_id: int, config: ConfigOption = None) -> None:
    """Show one job with its parameters, result and every attempt."""
    from arrkestra.store.jobs import JobNotFound

    settings = _load(config)
    try:
        job, attempts = _with_services(config, lambda s: s.queue.get(job_id))
    except JobNotFound:
        _err(f"error: no job with id {job_id}")
        raise typer.Exit(1) from None
    redact = settings.redactor()
    for label, value in (
        ("id", job.id),
        ("pipeline", job.pipeline),
        ("key", job.key),
        ("status", job.status.value),
        ("attempts", job.attempts),
        ("created", _when(job.created_at)),
        ("next attempt", _when(job.next_attempt_at)),
        ("finished", _when(job.finished_at)),
        ("params", job.params),
        ("result", job.result),
        ("last error", job.last_error),
    ):
        typer.echo(f"{label:>13}: {redact(str(value))}")
    for a in attempts:
        outcome = a.outcome or "running"
        typer.echo(
            f"  attempt {a.attempt}: {_when(a.started_at)} -> {outcome} {redact(a.error or '')}"
        )


def _job_action(
    config: Path | None, job_id: int, verb: str, act: Callable[[Services], Coroutine[Any, Any, Job]]
) -> None:
    from arrkestra.core.jobs import InvalidTransition
    from arrkestra.store.jobs import JobNotFound

    try:
        job = _with_services(config, act)
    except JobNotFound:
        _err(f"error: no job with id {job_id}")
        raise typer.Exit(1) from None
    except InvalidTransition as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from None
    typer.echo(f"job {job.id} {verb}: now {job.status.value}")


@jobs_app.command("retry")
def jobs_retry(job_id: int, config: ConfigOption = None) -> None:
    """Run a failed, dead or cancelled job again with a fresh retry budget."""
    _job_action(config, job_id, "queued again", lambda s: s.queue.retry(job_id))


@jobs_app.command("cancel")
def jobs_cancel(job_id: int, config: ConfigOption = None) -> None:
    """Cancel a pending, failed or running job."""
    _job_action(config, job_id, "cancelled", lambda s: s.queue.cancel(job_id))


@jobs_app.command("resume")
def jobs_resume(pipeline: str, config: ConfigOption = None) -> None:
    """Resume a paused pipeline (its pending jobs start running again)."""
    resumed = _with_services(config, lambda s: s.queue.resume(pipeline))
    typer.echo(f"pipeline {pipeline} resumed" if resumed else f"pipeline {pipeline} was not paused")


@db_app.command("backup")
def db_backup(config: ConfigOption = None) -> None:
    """Write an online backup now (VACUUM INTO) and rotate old ones (storage.backup.keep)."""
    from arrkestra.runtime.housekeeping import run_backup

    result = _with_services(config, lambda s: run_backup(s.settings, s.db))
    typer.echo(
        f"backup written: {result.path} ({result.size} bytes); removed {len(result.removed)} old"
    )


@db_app.command("check")
def db_check(config: ConfigOption = None) -> None:
    """Run a full integrity check of the database (exit 1 if it is damaged)."""
    from arrkestra.runtime.services import open_database
    from arrkestra.store import maintenance
    from arrkestra.store.connection import StoreError

    settings = _load(config)
    storage = settings.storage
    try:
        db, _ = open_database(settings, daemon=False)
    except StoreError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(1) from None
    try:
        report = db.call(maintenance.check_integrity, full=True)
    finally:
        db.close()
    if not report.ok:
        _err(
            "error: "
            + maintenance.corruption_message(storage.db_file, storage.backup_dir, report.problems)
        )
        raise typer.Exit(1)
    typer.echo(f"database {storage.db_file}: ok")


@notify_app.command("test")
def notify_test(config: ConfigOption = None) -> None:
    """Send a test message through notifications.urls (and fallback_urls if they all fail)."""
    from arrkestra.runtime.alerts import build_notifier, send_test

    settings = _load(config)
    notifier = build_notifier(settings, settings.redactor())
    if not notifier.enabled:
        _err("error: no notification URLs are configured (notifications.urls / fallback_urls)")
        raise typer.Exit(2)
    delivery = asyncio.run(send_test(notifier))
    for label in delivery.sent:
        typer.echo(f"sent:   {label}")
    for label in delivery.failed:
        typer.echo(f"failed: {label}")
    if delivery.used_fallback:
        typer.echo("every primary URL failed; the fallback URLs were used")
    if not delivery.sent:
        _err("error: no notification URL accepted the message (see the log lines above)")
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # Ctrl-C in a CLI command: no traceback
        sys.exit(130)
