"""Work asked for by hand: ``sync`` (a file, or a folder's media files), ``catchup``
(history) and ``reconcile`` (the trees). Each queues jobs in the database; the daemon runs
them."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from arrkestra.cli.base import (
    ConfigOption,
    app,
    err,
    load,
    with_services,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from arrkestra.core.jobs import Job
    from arrkestra.pipelines.mirror.manual_folder import FolderPlan
    from arrkestra.runtime.queue import Enqueued
    from arrkestra.runtime.services import Services


@app.command()
def sync(
    path: Annotated[
        str,
        typer.Argument(
            help="The file (or folder) as Sonarr/Radarr name it: /tv/Show/Season 01/x.mkv"
        ),
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
    """Mirror a file: queue the job an import of it would have queued; a folder: one for
    each media file in it not at the destination yet (exit 2 if refused)."""
    from arrkestra.pipelines.mirror.manual import ManualSync, SyncRefused, media_type
    from arrkestra.pipelines.mirror.manual_folder import FolderPlan
    from arrkestra.runtime.capabilities.mirror import plan_manual_path

    settings = load(config)
    redact = settings.redactor()
    try:
        plan = plan_manual_path(settings, ManualSync(path, media_type(type_), instance))
    except SyncRefused as exc:
        err(f"error: {redact(str(exc))}")
        raise typer.Exit(2) from None
    if isinstance(plan, FolderPlan):
        _sync_folder(plan, config, redact)
        return
    job, created = with_services(config, lambda s: s.queue.enqueue(plan.spec))
    verb = "queued" if created else "was already queued"
    typer.echo(f"job {job.id} {verb}: {job.status.value}")
    typer.echo(redact(f"  {plan.mapped.source} -> {plan.mapped.destination_dir}"))


def _sync_folder(plan: FolderPlan, config: Path | None, redact: Callable[[str], str]) -> None:
    async def enqueue(services: Services) -> Enqueued:
        return await services.queue.enqueue_many(plan.specs)

    queued = with_services(config, enqueue) if plan.specs else None
    created = queued.created if queued else 0
    waiting = len(queued.jobs) - created if queued else 0
    typer.echo(
        f"{created} job(s) queued, {waiting} already queued, {plan.already_present} already "
        f"present, {plan.skipped} skipped"
    )
    typer.echo(redact(f"  {plan.folder.source} -> {plan.folder.destination}"))


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
    from arrkestra.runtime.capabilities.catchup import CatchupRefused, catchup_specs, since_of

    settings = load(config)
    try:
        specs = catchup_specs(settings, instance, since_of(since, time.time()), "cli")
    except CatchupRefused as exc:
        err(f"error: {settings.redactor()(str(exc)).replace('since:', '--since:', 1)}")
        raise typer.Exit(2) from None

    async def enqueue(services: Services) -> list[tuple[Job, bool]]:
        return [await services.queue.enqueue(spec) for spec in specs]

    for spec, (job, created) in zip(specs, with_services(config, enqueue), strict=True):
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

    settings = load(config)

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
        run, created = with_services(config, enqueue)
    except ReconcileRefused as exc:
        err(f"error: {settings.redactor()(str(exc))}")
        raise typer.Exit(2) from None
    verb = "queued" if created else "was already queued"
    typer.echo(f"reconcile run {run.id} (job {run.job_id}) {verb}")
    typer.echo(f"the daemon runs it; see GET /api/v1/reconcile/runs/{run.id}")
