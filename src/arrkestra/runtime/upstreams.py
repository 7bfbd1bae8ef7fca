"""Which upstreams a configuration talks to, and how to probe each one."""

from __future__ import annotations

from arrkestra.adapters.probes import ProbeTarget
from arrkestra.config import Settings


def probe_targets(settings: Settings) -> list[ProbeTarget]:
    targets = []
    for kind, instances in (("sonarr", settings.sonarr), ("radarr", settings.radarr)):
        for name, inst in instances.items():
            if inst.url is None:
                continue  # a webhook-only instance: nothing to call
            key = inst.api_key.get_secret_value() if inst.api_key else ""
            targets.append(
                ProbeTarget(
                    f"{kind}.{name}",
                    inst.url,
                    "/api/v3/system/status",
                    {"X-Api-Key": key},
                    inst.timeout,
                )
            )
    if settings.overseerr is not None:
        o = settings.overseerr
        key = o.api_key.get_secret_value() if o.api_key else ""
        targets.append(
            ProbeTarget("overseerr", o.url, "/api/v1/auth/me", {"X-Api-Key": key}, o.timeout)
        )
    if settings.plex is not None:
        p = settings.plex
        token = p.token.get_secret_value() if p.token else ""
        headers = {"X-Plex-Token": token, "Accept": "application/json"}
        targets.append(ProbeTarget("plex", p.url, "/library/sections", headers, p.timeout))
    if settings.discovery.enabled:
        tv = settings.discovery.tvmaze
        targets.append(ProbeTarget("tvmaze", tv.url, "/shows/1", {}, 10.0))
    return targets
