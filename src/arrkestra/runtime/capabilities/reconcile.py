"""reconcile: nightly, source and destination are compared and what is missing is copied
(sync-webhook's 3 AM reconcile script); optionally, titles Overseerr still shows that no
instance has any more are found (a SeriesDelete/MovieDelete missed while down).

Runs: the ``reconcile`` pipeline (``pipelines/reconcile.run``, one job per run, one run at
a time) on ``reconcile.schedule`` (cron, in ``storage.timezone``) and on demand
(:func:`queue_reconcile`: ``POST /api/v1/reconcile``, ``arrkestra reconcile``). The copies
it queues are the mirror's (flagged ``bulk``), so it needs mirror to run. With
``reconcile.missed_deletions`` it also reads Overseerr and every instance's library
(``pipelines/missed_deletions``); with ``apply_missed_deletions`` it queues cleanup jobs,
under cleanup's deletion budget and dry-run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from arrkestra.core.job_kinds.reconcile import RECONCILE, ReconcileTrigger

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from arrkestra.adapters.mounts import MountChecker
    from arrkestra.config import Settings
    from arrkestra.core.paths import PathRule
    from arrkestra.pipelines.reconcile import MissedFound
    from arrkestra.runtime.capabilities.contract import Capability, Platform
    from arrkestra.store.database import Database
    from arrkestra.store.reconcile_runs import RunRow

NAME = RECONCILE
TASK = "reconcile.schedule"


class ReconcileRefused(Exception):
    """A run asked for by hand that cannot be queued: ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def why_not(settings: Settings) -> str | None:
    from arrkestra.runtime.capabilities import mirror

    if not settings.reconcile.enabled:
        return "disabled (reconcile.enabled is false)"
    reason = mirror.why_not(settings)
    if reason is not None:
        return f"not configured: queues mirror copies, and mirror is {reason}"
    return None


def does(settings: Settings) -> str:
    """What it will do, for ``check`` and the start-up log (when ``why_not`` is None)."""
    config = settings.reconcile
    when = f"at cron {config.schedule!r} ({settings.storage.timezone})"
    deletions = ", and missed deletions looked for" if config.missed_deletions else ""
    rules = len(settings.mirror.paths)
    return f"{when}, the {rules} mirrored folder(s) are compared; missing copies queued{deletions}"


async def queue_reconcile(
    settings: Settings,
    db: Database,
    *,
    trigger: ReconcileTrigger,
    dry_run: bool,
    confirm: bool,
    now: float,
) -> tuple[RunRow, bool]:
    """Queue a run (or find the same kind already waiting); 409 while reconcile does not run."""
    from arrkestra.store import reconcile_runs

    reason = why_not(settings)
    if reason is not None:
        raise ReconcileRefused(409, f"reconcile is {reason}")
    return await db.run(
        reconcile_runs.queue_run, trigger=trigger, dry_run=dry_run, confirm=confirm, now=now
    )


def build(settings: Settings, platform: Platform) -> Capability[None]:
    from arrkestra.adapters.mounts import MountChecker
    from arrkestra.core.excludes import ExcludeMatcher
    from arrkestra.core.job_kinds.reconcile import ReconcileParams
    from arrkestra.pipelines import reconcile
    from arrkestra.pipelines.mirror.roots import require_rule_roots
    from arrkestra.runtime.capabilities.contract import Capability, Cron
    from arrkestra.runtime.worker import Pipeline

    config, mirror = settings.reconcile, settings.mirror
    mounts = MountChecker(timeout=mirror.mounts.check_timeout)
    deps = reconcile.Deps(
        instance_for=lambda rule: copies_instance(settings, rule),
        db=platform.db,
        rules=mirror.path_rules(),
        excludes=ExcludeMatcher(mirror.excludes),
        check_roots=lambda rule: root_problem(mounts, rule, mirror.mounts.anchor_file),
        require_roots=lambda rule: require_rule_roots(mounts, rule, mirror.mounts.anchor_file),
        confirm_above=config.confirm_above,
        notify=platform.notifier.send,
        now=platform.clock.now,
        queued=platform.queue.wake,
        missed_deletions=missed_deletions(settings, platform),
    )
    pipeline = Pipeline(
        NAME,
        params=ReconcileParams.load,
        run=reconcile.run,
        deps=deps,
        concurrency=1,
        policy=settings.retry_policy(NAME),
    )

    async def scheduled() -> None:
        now = platform.clock.now()
        await queue_reconcile(
            settings, platform.db, trigger="schedule", dry_run=False, confirm=False, now=now
        )
        platform.queue.wake()

    async def close() -> None:
        mounts.close()

    return Capability(
        NAME,
        pipelines=(pipeline,),
        tasks=(Cron(TASK, config.schedule, scheduled),),
        closers=(close,),
    )


async def root_problem(mounts: MountChecker, rule: PathRule, anchor: str | None) -> str | None:
    """Why a rule's roots cannot be compared now (a stale mount would look like "everything
    is missing"), or None."""
    from arrkestra.pipelines.mirror.roots import mount_specs

    for state in await mounts.check_all(mount_specs(rule, anchor)):
        if not state.ok:
            return f"{state.role} root {state.path}: {state.detail}"
    return None


def copies_instance(settings: Settings, rule: PathRule) -> str:
    """Whose copies a rule's files are: the instance the rule names, else the one instance
    that mirrors, else ``reconcile``. A copy's key is its instance and file, so a live
    import and a reconcile copy of the same file meet as one job when the instance is known;
    with several instances sharing a rule it is not, and the two may run side by side (the
    second finds the file complete)."""
    if rule.instances:
        return rule.instances[0]
    mirroring = [  # configured ones: an implied instance of the other kind sends nothing here
        f"{kind}.{name}"
        for kind, configured in (("sonarr", settings.sonarr), ("radarr", settings.radarr))
        for name, instance in configured.items()
        if instance.mirror
    ]
    return mirroring[0] if len(mirroring) == 1 else "reconcile"


def missed_deletions(
    settings: Settings, platform: Platform
) -> Callable[[bool], Awaitable[MissedFound]] | None:
    """The missed-deletion check (``reconcile.missed_deletions``; needs Overseerr)."""
    from arrkestra.adapters.arr_history import ArrHistoryClient
    from arrkestra.adapters.overseerr import OverseerrClient
    from arrkestra.pipelines import missed_deletions
    from arrkestra.runtime.capabilities import cleanup

    overseerr = settings.overseerr
    if not settings.reconcile.missed_deletions or overseerr is None:
        return None
    client = OverseerrClient(
        overseerr.url,
        overseerr.api_key.get_secret_value() if overseerr.api_key else "",
        client=platform.http_client(timeout=overseerr.timeout),
        redactor=platform.redactor,
        clock=platform.clock.now,
    )
    instances, libraries = {}, {}
    for kind in ("sonarr", "radarr"):
        for name, config in settings.instances(kind).items():
            ref = settings.instance_ref(kind, name)
            assert ref is not None
            instances[ref.qualified] = ref
            key, url = config.api_key, config.url
            libraries[ref.qualified] = (
                None
                if key is None or url is None
                else ArrHistoryClient(
                    kind,
                    str(url),
                    key.get_secret_value(),
                    client=platform.http_client(timeout=config.timeout),
                    redactor=platform.redactor,
                    upstream=ref.qualified,
                ).library
            )
    deps = missed_deletions.Deps(
        overseerr=client,
        libraries=libraries,
        instances=instances,
        apply=settings.reconcile.apply_missed_deletions,
        cleanup_runs=cleanup.why_not(settings) is None,
    )
    return lambda queue: missed_deletions.find(deps, queue)
