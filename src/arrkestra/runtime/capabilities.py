"""What each capability needs from the config, said in one line at start-up."""

from __future__ import annotations

from arrkestra.config import Settings


def describe_capabilities(settings: Settings) -> list[str]:
    """One human line per capability: configured, disabled, or what is missing."""
    lines = []
    has_arr = bool(settings.sonarr or settings.radarr)
    if not settings.cleanup.enabled:
        lines.append("cleanup: disabled (cleanup.enabled is false)")
    elif settings.overseerr is None or not has_arr:
        lines.append(
            "cleanup: not configured yet: needs an overseerr section (or OVERSEER_URL) "
            "and at least one sonarr/radarr instance"
        )
    else:
        lines.append("cleanup: configured")
    if not settings.mirror.enabled:
        lines.append("mirror: disabled (mirror.enabled is false)")
    elif not settings.mirror.paths or not has_arr:
        lines.append(
            "mirror: not configured yet: needs mirror.paths and at least one sonarr/radarr instance"
        )
    else:
        lines.append("mirror: configured")
    if not settings.catchup.enabled:
        lines.append("catchup: disabled (catchup.enabled is false)")
    elif not has_arr:
        lines.append("catchup: not configured yet: needs at least one sonarr/radarr instance")
    else:
        lines.append("catchup: configured")
    if not settings.reconcile.enabled:
        lines.append("reconcile: disabled (reconcile.enabled is false)")
    elif not settings.mirror.paths:
        lines.append("reconcile: not configured yet: needs mirror.paths")
    else:
        lines.append("reconcile: configured")
    if not settings.discovery.enabled:
        lines.append(
            "discovery: disabled (set discovery.enabled: true to add TVMaze shows to Sonarr)"
        )
    else:
        lines.append("discovery: configured")
    if not settings.notifications.urls:
        lines.append("notifications: not configured yet: set notifications.urls (Apprise URLs)")
    return lines
