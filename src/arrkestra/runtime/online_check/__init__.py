"""``arrkestra check --online``: everything the configuration reaches, checked as the
daemon would use it, with the one thing to do about each failure.

Top to bottom, as :func:`run` does it: each upstream (``upstreams``: reachable, credential
accepted, version), required only when a configured capability calls it (``needs``);
discovery's Sonarr targets (root folder, profiles, tags) as a cycle validates them; each
mirror rule's roots, the Plex section it scans and the Jellyfin and Emby libraries that
hold it (``mirror_paths``); each notification URL,
and with ``--notify`` a test message through each (``notifications``). The answer is
one :class:`~report.Report`: rows for the table, and whether something needed failed
(exit 1). Nothing is changed anywhere, except a test file created and removed in each
destination root, and the test messages.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from arrkestra.adapters.http import make_client
from arrkestra.adapters.media_browser import MediaBrowserClient
from arrkestra.adapters.plex import PlexClient
from arrkestra.config import Settings
from arrkestra.core.redact import Redactor
from arrkestra.pipelines.discovery_sonarr import targets_of
from arrkestra.runtime.capabilities import discovery, mirror
from arrkestra.runtime.online_check import upstreams
from arrkestra.runtime.online_check.mirror_paths import (
    check_libraries,
    check_plex_sections,
    check_roots,
)
from arrkestra.runtime.online_check.needs import needs
from arrkestra.runtime.online_check.notifications import check_notifications
from arrkestra.runtime.online_check.report import Report, Result, Row

__all__ = ["Report", "Result", "Row", "run"]

TARGETS_LIMIT = 60.0  # discovery's validation reads each target instance's whole library


async def run(settings: Settings, *, notify: bool = False) -> Report:
    """Check everything; ``notify`` also sends a test message through each URL."""
    redactor = settings.redactor()
    async with make_client(timeout=upstreams.PROBE_LIMIT) as http:
        clients = upstreams.Clients(
            _plex_client(settings, http, redactor), _media_browsers(settings, http, redactor)
        )
        rows = await _upstream_rows(settings, http, clients, redactor)
        ok = {row.check for row in rows if row.result is Result.OK}
        if discovery.why_not(settings) is None:
            rows.append(await _discovery_targets(settings, ok, redactor))
        if mirror.why_not(settings) is None:
            rows += await check_roots(settings, redactor)
            if clients.plex is not None:
                rows += await _plex_sections(settings, clients.plex, "plex" in ok, redactor)
            rows += await check_libraries(settings, clients.media_browser, ok, redactor)
    rows += await check_notifications(settings, send=notify, redactor=redactor)
    return Report(tuple(rows))


async def _upstream_rows(
    settings: Settings, http: httpx.AsyncClient, clients: upstreams.Clients, redactor: Redactor
) -> list[Row]:
    """A row per configured upstream, probed at once; required by what ``needs`` says."""
    used = needs(settings)
    checks = [
        upstreams.check(u, used.get(u.name, ()), http=http, clients=clients, redactor=redactor)
        for u in upstreams.upstreams(settings)
    ]
    return list(await asyncio.gather(*checks))


async def _plex_sections(
    settings: Settings, plex: PlexClient, answered: bool, redactor: Redactor
) -> list[Row]:
    assert settings.plex is not None
    url = redactor(settings.plex.url)
    if not answered:
        detail = "not checked: Plex did not answer as it should (the plex row)"
        return [Row("plex sections", url, Result.SKIPPED, detail)]
    return await check_plex_sections(settings, plex, url, redactor)


def _plex_client(
    settings: Settings, http: httpx.AsyncClient, redactor: Redactor
) -> PlexClient | None:
    """One client for the plex probe and the section checks (it caches the sections)."""
    if settings.plex is None:
        return None
    token = settings.plex.token
    return PlexClient(
        settings.plex.url,
        token.get_secret_value() if token else "",
        client=http,
        redactor=redactor,
        clock=time.monotonic,
    )


def _media_browsers(
    settings: Settings, http: httpx.AsyncClient, redactor: Redactor
) -> dict[str, MediaBrowserClient]:
    """One client per Jellyfin and Emby server, for its probe and its libraries."""
    return {
        f"{kind}.{name}": MediaBrowserClient(
            kind,
            server.url,
            server.api_key.get_secret_value() if server.api_key else "",
            client=http,
            redactor=redactor,
            upstream=f"{kind}.{name}",
        )
        for kind, name, server in upstreams.media_servers(settings)
    }


async def _discovery_targets(settings: Settings, ok: set[str], redactor: Redactor) -> Row:
    """Each rule's target resolved on its Sonarr instance, as a cycle starts by doing."""
    instances = sorted({target.instance for target in targets_of(settings)})
    where = ", ".join(instances)
    down = [name for name in instances if name not in ok]
    if down:
        detail = f"not checked: {', '.join(down)} did not answer as it should (its row)"
        return Row("discovery targets", where, Result.SKIPPED, detail)
    try:
        problem = await asyncio.wait_for(discovery.check_targets(settings, redactor), TARGETS_LIMIT)
    except TimeoutError:
        problem = f"Sonarr did not answer within {TARGETS_LIMIT:g}s"
    if problem is None:
        return Row("discovery targets", where, Result.OK, "root folders, profiles and tags found")
    return Row("discovery targets", where, Result.FAIL, redactor(problem))
