"""The queue, the database and the notifications: ``jobs ...``, ``db ...``, ``notify test``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arrkestra.cli.base import (
    ConfigOption,
    db_app,
    err,
    jobs_app,
    load,
    notify_app,
    table,
    when,
    with_services,
)
from arrkestra.core.jobs import JobStatus

if TYPE_CHECKING:
    from arrkestra.core.jobs import Job
    from arrkestra.runtime.services import Services


@jobs_app.command("list")
def jobs_list(
    config: ConfigOption = None,
    status: Annotated[JobStatus | None, typer.Option(help="Only jobs in this status.")] = None,
    pipeline: Annotated[str | None, typer.Option(help="Only jobs of this pipeline.")] = None,
    title: Annotated[
        str | None,
        typer.Option(
            metavar="TEXT", help="Only jobs whose title or a file path contains TEXT (any case)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
) -> None:
    """List jobs, newest first; NOW: a running transfer's progress (from the daemon), else
    how long a running one has run, when a waiting one is due."""
    from arrkestra.cli.job_table import HEADERS, job_row, read_listing
    from arrkestra.store.jobs import JobFilter

    text = title.strip() if title else None
    query = JobFilter(status, pipeline, None, limit, text or None)
    from dataclasses import replace

    from arrkestra.cli.job_table import live_progress

    listing = with_services(config, lambda s: read_listing(s, query))
    settings = load(config)
    if listing.started:  # running jobs: their transfers' progress, from the daemon
        listing = replace(listing, live=live_progress(settings.server))
    redact = settings.redactor()
    table(HEADERS, [[redact(c) for c in job_row(j, listing)] for j in listing.jobs])


@jobs_app.command("show")
def jobs_show(job_id: int, config: ConfigOption = None) -> None:
    """Show one job with its parameters, result and every attempt."""
    from arrkestra.store.jobs import JobNotFound

    settings = load(config)
    try:
        job, attempts = with_services(config, lambda s: s.queue.get(job_id))
    except JobNotFound:
        err(f"error: no job with id {job_id}")
        raise typer.Exit(1) from None
    redact = settings.redactor()
    for label, value in (
        ("id", job.id),
        ("pipeline", job.pipeline),
        ("key", job.key),
        ("status", job.status.value),
        ("attempts", job.attempts),
        ("created", when(job.created_at)),
        ("next attempt", when(job.next_attempt_at)),
        ("finished", when(job.finished_at)),
        ("params", job.params),
        ("result", job.result),
        ("last error", job.last_error),
    ):
        typer.echo(f"{label:>13}: {redact(str(value))}")
    for a in attempts:
        outcome = a.outcome or "running"
        typer.echo(
            f"  attempt {a.attempt}: {when(a.started_at)} -> {outcome} {redact(a.error or '')}"
        )


def _job_action(
    config: Path | None, job_id: int, verb: str, act: Callable[[Services], Coroutine[Any, Any, Job]]
) -> None:
    from arrkestra.core.jobs import InvalidTransition
    from arrkestra.store.jobs import JobNotFound

    try:
        job = with_services(config, act)
    except JobNotFound:
        err(f"error: no job with id {job_id}")
        raise typer.Exit(1) from None
    except InvalidTransition as exc:
        err(f"error: {exc}")
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
    resumed = with_services(config, lambda s: s.queue.resume(pipeline))
    typer.echo(f"pipeline {pipeline} resumed" if resumed else f"pipeline {pipeline} was not paused")


@db_app.command("backup")
def db_backup(config: ConfigOption = None) -> None:
    """Write an online backup now (VACUUM INTO) and rotate old ones (storage.backup.keep)."""
    from arrkestra.runtime.housekeeping import run_backup

    result = with_services(config, lambda s: run_backup(s.settings, s.db))
    typer.echo(
        f"backup written: {result.path} ({result.size} bytes); removed {len(result.removed)} old"
    )


@db_app.command("check")
def db_check(config: ConfigOption = None) -> None:
    """Run a full integrity check of the database (exit 1 if it is damaged)."""
    from arrkestra.runtime.services import open_database
    from arrkestra.store import maintenance
    from arrkestra.store.connection import StoreError

    settings = load(config)
    storage = settings.storage
    try:
        db, _ = open_database(settings, daemon=False)
    except StoreError as exc:
        err(f"error: {exc}")
        raise typer.Exit(1) from None
    try:
        report = db.call(maintenance.check_integrity, full=True)
    finally:
        db.close()
    if not report.ok:
        err(
            "error: "
            + maintenance.corruption_message(storage.db_file, storage.backup_dir, report.problems)
        )
        raise typer.Exit(1)
    typer.echo(f"database {storage.db_file}: ok")


@notify_app.command("test")
def notify_test(config: ConfigOption = None) -> None:
    """Send a test message through notifications.urls (and fallback_urls if they all fail)."""
    from arrkestra.runtime.alerts import build_notifier, send_test

    settings = load(config)
    notifier = build_notifier(settings, settings.redactor())
    if not notifier.enabled:
        err("error: no notification URLs are configured (notifications.urls / fallback_urls)")
        raise typer.Exit(2)
    delivery = asyncio.run(send_test(notifier))
    for label in delivery.sent:
        typer.echo(f"sent:   {label}")
    for label in delivery.failed:
        typer.echo(f"failed: {label}")
    if delivery.used_fallback:
        typer.echo("every primary URL failed; the fallback URLs were used")
    if not delivery.sent:
        err("error: no notification URL accepted the message (see the log lines above)")
        raise typer.Exit(1)
