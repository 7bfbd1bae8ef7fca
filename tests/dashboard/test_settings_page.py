"""/ui/settings: each setting with its value (secrets masked) and where it came from, and
the path-mapping preview for a mapped, an unmapped and an escaping path."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY, base_config
from tests.dashboard.dashboard_client import csrf_of
from tests.web.conftest import AppFactory, running_app

from arrkestra.config.loading import settings_from_data
from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import open_services
from arrkestra.web.app import create_app

__all__ = ["running_app"]

FILE_SECRET = "sonarr-key-from-the-file-0123456789"
REFERENCED_SECRET = "radarr-key-behind-a-reference-0123"
ENV_SECRET = "overseerr-key-from-arrkestra-env-0123"
ALIAS_SECRET = "plex-token-from-the-old-variable-0123"
BASIC_PASSWORD = "basic-password-from-the-file-0123"
TELEGRAM_TOKEN = "123456789:AAtelegram-token-from-alias-0123"
SONARR: dict[str, Any] = {
    "hd": {"url": "http://sonarr:8989"},
    "uhd": {"url": "http://sonarr-4k:8989", "is_4k": True},
}
SECRETS = (FILE_SECRET, REFERENCED_SECRET, ENV_SECRET, ALIAS_SECRET, BASIC_PASSWORD)

MIRROR: dict[str, Any] = {
    "paths": [
        {
            "arr_path": "/tv",
            "source": "/mnt/source/tv",
            "destination": "/mnt/copy/tv",
            "plex_path": "/data/tv",
            "plex_section": 2,
        },
        {
            "arr_path": "/tv-4k",
            "source": "/mnt/source/tv-4k",
            "destination": "/mnt/copy/tv-4k",
            "instances": ["sonarr.uhd"],
        },
    ]
}


@asynccontextmanager
async def app_with_environment(
    tmp_path: Path, environ: dict[str, str], **sections: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on settings loaded with ``environ`` (``running_app`` loads with none)."""
    settings = settings_from_data(base_config(tmp_path, **sections), environ)
    services = open_services(settings, daemon=True, clock=ManualClock())
    app = create_app(settings, services)
    await services.start(background=False)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await log_in_here(client)
            yield client
    finally:
        await services.stop()


async def log_in_here(client: httpx.AsyncClient) -> str:
    """Log in through the form and return the session's CSRF token, read on this page
    (``dashboard_client.log_in`` reads it on /ui/jobs, another page)."""
    answer = await client.post("/ui/login", data={"password": API_KEY})
    assert answer.status_code == 303, answer.text
    return csrf_of((await client.get("/ui/settings")).text)


def row(page: str, path: str) -> tuple[str, str]:
    """The value and source cells of the row of ``path``."""
    found = re.search(
        rf"<td><code>{re.escape(path)}</code></td>\s*<td[^>]*>(.*?)</td>\s*<td>"
        r'<span class="source[^"]*">(.*?)</span>',
        page,
        re.S,
    )
    assert found is not None, f"no row for {path}"
    return html.unescape(found.group(1)), html.unescape(found.group(2))


async def test_every_kind_of_source_is_shown_and_no_secret_is(tmp_path: Path) -> None:
    environ = {
        "RADARR_KEY": REFERENCED_SECRET,
        "ARRKESTRA_OVERSEERR__API_KEY": ENV_SECRET,
        "ARRKESTRA_QUEUE__LEASE": "45s",
        "PLEX_URL": "http://plex:32400",
        "PLEX_TOKEN": ALIAS_SECRET,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_CHAT_ID": "4242",
    }
    sections: dict[str, Any] = {
        "server": {"basic_auth": {"username": "ana", "password": BASIC_PASSWORD}},
        "sonarr": {"hd": {"url": "http://sonarr:8989", "api_key": FILE_SECRET}},
        "radarr": {"hd": {"url": "http://radarr:7878", "api_key": "${RADARR_KEY}"}},
        "overseerr": {"url": "http://overseerr:5055"},
    }
    async with app_with_environment(tmp_path, environ, **sections) as client:
        answer = await client.get("/ui/settings")
    assert answer.status_code == 200
    page = answer.text
    for secret in (*SECRETS, API_KEY, TELEGRAM_TOKEN, "AAtelegram-token"):
        assert secret not in page, secret
    assert row(page, "sonarr.hd.api_key") == ("***", "file")
    assert row(page, "sonarr.hd.url") == ("http://sonarr:8989", "file")
    assert row(page, "radarr.hd.api_key") == ("***", "file (${RADARR_KEY})")
    assert row(page, "overseerr.api_key") == ("***", "env ARRKESTRA_OVERSEERR__API_KEY")
    assert row(page, "queue.lease") == ("45.0", "env ARRKESTRA_QUEUE__LEASE")
    assert row(page, "plex.token") == ("***", "alias PLEX_TOKEN")
    assert row(page, "plex.url") == ("http://plex:32400", "alias PLEX_URL")
    assert row(page, "notifications.urls") == (
        "***",
        "alias TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID",
    )
    assert row(page, "server.basic_auth.password") == ("***", "file")
    assert row(page, "server.basic_auth.username") == ("ana", "file")
    assert row(page, "server.port") == ("8080", "default")
    assert 'href="/ui/static/settings.css"' in page
    assert "cleanup: configured" in page  # what runs, as check says it


async def test_the_preview_maps_a_path_and_names_the_rule(running_app: AppFactory) -> None:
    async with running_app(
        background=False, clock=ManualClock(), mirror=MIRROR, sonarr=SONARR
    ) as app:
        await log_in_here(app.client)
        mapped = await app.client.get(
            "/ui/settings",
            params={"path": "/tv/Show (2020)/Season 01/Show - S01E01.mkv", "instance": ""},
        )
        four_k = await app.client.get(
            "/ui/settings", params={"path": "/tv-4k/Show/x.mkv", "instance": "sonarr.hd"}
        )
    assert mapped.status_code == 200
    page = html.unescape(mapped.text)
    assert "<code>mirror.paths[0]</code></a>: arr_path\n    <code>/tv</code>" in page
    assert (
        '<code class="mapped-source">/mnt/source/tv/Show (2020)/Season 01/Show - S01E01.mkv' in page
    )
    assert '<code class="mapped-destination">/mnt/copy/tv/Show (2020)/Season 01/' in page
    assert '<code class="mapped-plex">/data/tv/Show (2020)/Season 01/Show - S01E01.mkv' in page
    assert re.search(r"<dt>Plex section</dt>\s*<dd>2</dd>", page)
    # the 4K rule serves sonarr.uhd only: for sonarr.hd, /tv-4k is no /tv file either
    unmapped = html.unescape(four_k.text)
    assert "No rule maps this path." in unmapped
    assert "/tv-4k (only sonarr.uhd)" in unmapped
    assert 'value="sonarr.hd" selected' in four_k.text


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/movies/Film (2001)/film.mkv", "No rule maps this path."),
        ("/tv/../etc/passwd", "Refused: the mirror never touches this path."),
        ("tv/Show/x.mkv", "Refused: the mirror never touches this path."),
        ("/tv", "Refused: the mirror never touches this path."),
    ],
)
async def test_the_preview_says_why_a_path_is_not_mapped(
    running_app: AppFactory, path: str, said: str
) -> None:
    async with running_app(
        background=False, clock=ManualClock(), mirror=MIRROR, sonarr=SONARR
    ) as app:
        await log_in_here(app.client)
        answer = await app.client.get("/ui/settings", params={"path": path})
    assert answer.status_code == 200
    assert said in answer.text
    assert "mapped-source" not in answer.text


async def test_junk_preview_input_is_a_clear_400_page(running_app: AppFactory) -> None:
    async with running_app(
        background=False, clock=ManualClock(), mirror=MIRROR, sonarr=SONARR
    ) as app:
        await log_in_here(app.client)
        unknown = await app.client.get("/ui/settings?path=/tv/x.mkv&instance=sonarr.nope")
        long = await app.client.get("/ui/settings", params={"path": "/tv/" + "x" * 5000})
    assert unknown.status_code == 400
    assert unknown.headers["content-type"].startswith("text/html")
    assert "no such instance" in unknown.text
    assert long.status_code == 400
    assert long.headers["content-type"].startswith("text/html")


async def test_the_page_needs_a_login(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        answer = await app.client.get("/ui/settings?path=/tv/x.mkv")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/ui/login?next=/ui/settings")
