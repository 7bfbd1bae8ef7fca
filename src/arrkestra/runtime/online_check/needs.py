"""Which configured capability calls which upstream: what makes an upstream *required*.

An upstream is required when a capability that runs (its ``why_not`` is None) calls it:
a Sonarr/Radarr instance's API by catch-up (the instances whose history it reads),
discovery (its rules' target instances) and reconcile's missed deletions (every
instance's library); Overseerr by cleanup and missed deletions; Plex by mirror's scans,
each Jellyfin and Emby server by mirror's updates;
TVMaze by discovery. Webhooks need none of them, so an instance only mirror or cleanup
use (from its webhooks) is not required, and ``check --online`` never fails on it.
"""

from __future__ import annotations

from collections import defaultdict

from arrkestra.config import Settings
from arrkestra.pipelines.discovery_sonarr import targets_of
from arrkestra.runtime.capabilities import catchup, cleanup, discovery, mirror, reconcile

MISSED_DELETIONS = "reconcile.missed_deletions"


def needs(settings: Settings) -> dict[str, tuple[str, ...]]:
    """``{"sonarr.hd": ("catchup", "discovery"), "overseerr": ("cleanup",)}``: each
    upstream a running capability calls, with the capabilities that call it."""
    users: dict[str, list[str]] = defaultdict(list)
    if catchup.why_not(settings) is None:
        for qualified in catchup.readable_instances(settings):
            users[qualified].append(catchup.NAME)
    if discovery.why_not(settings) is None:
        for target in targets_of(settings):
            if discovery.NAME not in users[target.instance]:
                users[target.instance].append(discovery.NAME)
        users["tvmaze"].append(discovery.NAME)
    if cleanup.why_not(settings) is None:
        users["overseerr"].append(cleanup.NAME)
    if (
        reconcile.why_not(settings) is None
        and settings.reconcile.missed_deletions
        and settings.overseerr is not None
    ):
        users["overseerr"].append(MISSED_DELETIONS)
        for kind in ("sonarr", "radarr"):
            for name in settings.sonarr if kind == "sonarr" else settings.radarr:
                users[f"{kind}.{name}"].append(MISSED_DELETIONS)
    if mirror.why_not(settings) is None:
        for server, told in media_servers(settings).items():
            users[server].append(f"{mirror.NAME} ({told})")
    return {name: tuple(used_by) for name, used_by in users.items() if used_by}


def media_servers(settings: Settings) -> dict[str, str]:
    """Each media server a copy is announced to, with what it is asked for."""
    servers = {"plex": "Plex scans"} if settings.plex is not None else {}
    servers |= {f"jellyfin.{name}": "Jellyfin updates" for name in settings.jellyfin}
    servers |= {f"emby.{name}": "Emby updates" for name in settings.emby}
    return servers
