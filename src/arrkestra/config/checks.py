"""Things a valid config allows but that are probably not what the user wants.

They are printed at start-up and by ``arrkestra check``; none of them stops the daemon (it
must start with no config at all, which triggers several of them).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from arrkestra.config.models.settings import PIPELINES, Settings
from arrkestra.core.errors import ConfigProblem
from arrkestra.core.job_kinds.server_update import SERVER_KINDS


def config_warnings(settings: Settings) -> list[ConfigProblem]:
    warnings: list[ConfigProblem] = []
    for check in _CHECKS:
        warnings += check(settings)
    return warnings + list(settings.load_notes)


def _unauthenticated_webhooks(settings: Settings) -> list[ConfigProblem]:
    hint = (
        "set webhook.secret (sent in the webhook.header header or as ?token=) or "
        "webhook.username/password, and the same in the instance's Connect > Webhook form"
    )
    takes_webhooks = (settings.cleanup.enabled and settings.overseerr is not None) or (
        settings.mirror.enabled and bool(settings.mirror.paths)
    )
    return [
        ConfigProblem(
            f"{kind}.{name}.webhook",
            f"webhooks from {kind}.{name} are not authenticated",
            f"{hint} (or WEBHOOK_SECRET)" if settings.implied(kind, name) else hint,
        )
        for kind in ("sonarr", "radarr")
        for name, instance in settings.instances(kind).items()
        if not instance.webhook.configured and (takes_webhooks or not settings.implied(kind, name))
    ]


def _unprotected_api(settings: Settings) -> list[ConfigProblem]:
    server = settings.server
    if server.api_key is not None or server.basic_auth is not None:
        return []
    problems = [
        ConfigProblem(
            "server.api_key",
            "the dashboard (/ui/), /api/v1 and the old tools' control endpoints (/stats, /jobs, "
            "/trigger, ...) are refused until server.api_key is set",
            "set ARRKESTRA_API_KEY (or server.api_key, or server.basic_auth)",
        )
    ]
    if server.protect_health:
        problems.append(
            ConfigProblem(
                "server.protect_health",
                "protect_health is on but no credentials are set: /health is always refused",
                "set server.api_key, or protect_health: false",
            )
        )
    return problems


def _pipelines_without_upstream(settings: Settings) -> list[ConfigProblem]:
    instances = [*settings.sonarr.values(), *settings.radarr.values()]
    problems = []
    if (
        settings.cleanup.enabled
        and settings.overseerr is None
        and any(i.cleanup for i in instances)
    ):
        problems.append(
            ConfigProblem(
                "overseerr",
                "cleanup is enabled but overseerr is not configured: deletions are not cleaned up",
                "set overseerr.url (or OVERSEER_URL), or cleanup.enabled: false",
            )
        )
    if settings.mirror.enabled and not settings.mirror.paths and any(i.mirror for i in instances):
        problems.append(
            ConfigProblem(
                "mirror.paths",
                "mirror is enabled but has no paths: imports are not mirrored",
                "add mirror.paths rules, or mirror.enabled: false",
            )
        )
    return problems + _servers_not_configured(settings)


def _servers_not_configured(settings: Settings) -> list[ConfigProblem]:
    """A rule saying where a media server sees its files, with that server not configured:
    nothing will tell it about them."""
    rules = settings.mirror.paths
    servers = (
        (
            "plex",
            settings.plex is not None,
            any(r.plex_path or r.plex_section is not None for r in rules),
            "mirror.paths name Plex paths or sections but plex is not configured: no scans",
            "set plex.url and plex.token (or PLEX_URL and PLEX_TOKEN)",
        ),
        *(
            (
                kind,
                bool(settings.media_servers(kind)),
                any(getattr(r, f"{kind}_path") for r in rules),
                f"mirror.paths name {kind}_path but {kind} is not configured: nothing tells "
                f"{kind.capitalize()} about the copies",
                f"set {kind}.url and {kind}.api_key, or remove {kind}_path",
            )
            for kind in SERVER_KINDS
        ),
    )
    return [
        ConfigProblem(name, message, hint)
        for name, configured, named, message, hint in servers
        if named and not configured
    ]


def _retries(settings: Settings) -> list[ConfigProblem]:
    problems = []
    for name in PIPELINES:
        policy = settings.retry_policy(name)
        where = f"{name}.retry" if settings.pipeline(name).retry is not None else "retry"
        if policy.max_attempts is None and policy.max_age is None:
            problems.append(
                ConfigProblem(
                    where,
                    f"{name} jobs are retried forever (no max_attempts, no max_age)",
                    "set max_attempts or max_age",
                )
            )
        if policy.base > policy.cap:
            problems.append(
                ConfigProblem(where, f"{name}: base is larger than cap", "every delay is capped")
            )
    return problems


def _no_effect(settings: Settings) -> list[ConfigProblem]:
    problems = []
    if settings.reconcile.apply_missed_deletions and not settings.reconcile.missed_deletions:
        problems.append(
            ConfigProblem(
                "reconcile.apply_missed_deletions",
                "has no effect while reconcile.missed_deletions is false",
                "set reconcile.missed_deletions: true as well",
            )
        )
    if settings.dry_run:
        problems.append(
            ConfigProblem(
                "dry_run",
                "dry run: pipelines only report what they would do",
                "pipelines with their own dry_run: false still act",
            )
        )
    problems.extend(
        ConfigProblem(
            f"{name}.dry_run",
            f"dry run: {name} only reports what it would do",
            f"set {name}.dry_run: false (or remove it) to act",
        )
        for name in PIPELINES
        if settings.pipeline(name).dry_run and not settings.dry_run
    )
    return problems


def _key_without_url(settings: Settings) -> list[ConfigProblem]:
    """An api_key with no url: the user meant the server to be called, and it cannot be."""
    return [
        ConfigProblem(
            f"{kind}.{name}.url",
            f"{kind}.{name} has an api_key but no url: nothing can call it (catch-up, "
            "discovery, missed deletions and check --online skip it)",
            f"set {kind}.{name}.url (or {kind.upper()}_URL), e.g. http://{kind}:"
            + ("8989" if kind == "sonarr" else "7878"),
        )
        for kind in ("sonarr", "radarr")
        for name, instance in settings.instances(kind).items()
        if instance.url is None and instance.api_key is not None
    ]


def _missing_rsync(settings: Settings) -> list[ConfigProblem]:
    """Mirror copies with rsync: said here (and by ``check``) rather than by every job."""
    instances = [*settings.instances("sonarr").values(), *settings.instances("radarr").values()]
    mirrors = settings.mirror.enabled and settings.mirror.paths and any(i.mirror for i in instances)
    if not mirrors or shutil.which("rsync") is not None:
        return []
    return [
        ConfigProblem(
            "mirror",
            "rsync is not found on PATH: the mirror pipeline stays paused (its jobs wait) "
            "until it is installed",
            "install rsync >= 3.1 (apt install rsync, apk add rsync); mirror resumes by "
            "itself within a minute",
        )
    ]


_CHECKS: tuple[Callable[[Settings], list[ConfigProblem]], ...] = (
    _unauthenticated_webhooks,
    _key_without_url,
    _unprotected_api,
    _pipelines_without_upstream,
    _retries,
    _no_effect,
    _missing_rsync,
)
