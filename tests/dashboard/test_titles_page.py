"""/ui/titles in-process: a series' steps across mirror (real rsync), Plex, cleanup and
discovery in order with their skip reasons; the search's redirect, list and empty state;
no secret on the page; unknown titles and kinds are HTML 404s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from tests.dashboard.dashboard_client import log_in
from tests.web.conftest import AppFactory, Running, running_app

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.runtime.clock import ManualClock
from arrkestra.store import shows as show_store
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["running_app"]

OVERSEERR_KEY = "overseerr-titles-key-0123456789"
PLEX_TOKEN = "plex-titles-token-0123456789"
SHOW = "The Expanse"
TVDB = 280619


@pytest.fixture
def upstreams() -> Iterator[tuple[LoopbackServer, ...]]:
    """Overseerr, Plex and a notification receiver on loopback."""
    overseerr = FakeOverseerr(OVERSEERR_KEY)
    plex = FakePlex(PLEX_TOKEN, sections=[("2", "show", "TV Shows", ["/data/TV"])])
    notify = FakeNotify()
    with (
        LoopbackServer(overseerr.app) as o,
        LoopbackServer(plex.app) as p,
        LoopbackServer(notify.app) as n,
    ):
        yield o, p, n


def sections(tmp: Path, upstreams: Any) -> dict[str, Any]:
    o, p, n = upstreams
    return {
        "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"]},
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "overseerr": {"url": o.url, "api_key": OVERSEERR_KEY, "poll_interval": "0s"},
        "plex": {"url": p.url, "token": PLEX_TOKEN, "scan_debounce": "5s"},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src" / "tv"),
                    "destination": str(tmp / "dst" / "TV"),
                    "plex_path": "/data/TV",
                }
            ]
        },
    }


def download(title: str = SHOW, episode: int = 1) -> dict[str, Any]:
    name = f"Season 01/{title} - S01E{episode:02d}.mkv"
    return {
        "eventType": "Download",
        "series": {"id": 7, "title": title, "path": f"/tv/{title}", "tvdbId": TVDB},
        "episodes": [{"id": 70 + episode, "episodeNumber": episode, "seasonNumber": 1}],
        "episodeFile": {"id": 700 + episode, "relativePath": name, "quality": "WEBDL-1080p"},
        "isUpgrade": False,
    }


def series_delete(title: str = SHOW) -> dict[str, Any]:
    return {
        "eventType": "SeriesDelete",
        "series": {"id": 7, "title": title, "path": f"/tv/{title}", "tvdbId": TVDB},
        "deletedFiles": True,
    }


def steps_of(page: str) -> list[str]:
    """Each step's text (badge, words, reason), in page order."""
    items = re.findall(r'<li class="step[^"]*">(.*?)</li>', page, flags=re.S)
    return [unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split())) for item in items]


def position(steps: list[str], words: str) -> int:
    found = [i for i, step in enumerate(steps) if words in step]
    assert found, f"no step says {words!r}:\n" + "\n".join(steps)
    return found[0]


async def a_series_lived(r: Running, clock: ManualClock, tmp: Path) -> None:
    """Imported (copied, then scanned), rejected by discovery, deleted in Sonarr (cleanup
    finds nothing in Overseerr)."""
    episode = tmp / "src" / "tv" / SHOW / "Season 01" / f"{SHOW} - S01E01.mkv"
    episode.parent.mkdir(parents=True)
    episode.write_bytes(b"x" * 4096)
    (tmp / "dst" / "TV").mkdir(parents=True)
    assert (await r.client.post("/webhook/sonarr/hd", json=download())).status_code == 202
    await r.services.worker.run_until_idle()
    clock.advance(10)  # the debounced scan falls due
    await r.services.worker.run_until_idle()
    clock.advance(60)
    show = Show(tvmaze_id=1825, title=SHOW, updated=1, tvdb_id=TVDB, language="English")
    verdict = Verdict(ShowStatus.FILTERED, "language", "language English not in Japanese")
    await r.services.db.run(show_store.save_shows, [(show, verdict)], now=clock.now())
    clock.advance(60)
    assert (await r.client.post("/webhook/sonarr/hd", json=series_delete())).status_code == 202
    clock.advance(1)
    await r.services.worker.run_until_idle()


async def test_a_series_shows_its_steps_in_order_with_each_skip_reason(
    running_app: AppFactory, tmp_path: Path, upstreams: Any
) -> None:
    clock = ManualClock()
    async with running_app(background=False, clock=clock, **sections(tmp_path, upstreams)) as r:
        await a_series_lived(r, clock, tmp_path)
        await log_in(r.client)
        found = await r.client.get("/ui/titles", params={"q": SHOW})
        assert found.status_code == 303
        assert found.headers["location"] == "/ui/titles/series/The%20Expanse?q=The+Expanse"
        page = await r.client.get(found.headers["location"])
        assert page.status_code == 200
        steps = steps_of(page.text)
        order = [
            position(steps, "Sonarr imported S01E01 (WEBDL-1080p"),
            position(steps, 'copied job 1 mirrored "The Expanse S01E01" 4.0 KiB'),
            position(steps, 'scanned Plex section 2 for "The Expanse/Season 01"'),
            position(steps, "discovery's filters rejected it"),
            position(steps, "Sonarr deleted the series and its files"),
            position(steps, 'skipped "The Expanse": not in Overseerr'),
        ]
        assert order == sorted(order), "\n".join(steps)
        assert steps[order[1]].endswith("announced")  # notifications are configured
        assert steps[order[3]].endswith("rejected: language English not in Japanese")
        assert steps[order[5]].endswith(": not in Overseerr not in Overseerr")  # words, reason
        assert 'discovery found "The Expanse", TVMaze 1825' in "".join(steps)
        assert 'href="/ui/jobs/' in page.text and 'href="/ui/events/' in page.text
        assert "2 events · 2 jobs" in page.text  # the copy and the cleanup (a scan names none)
        assert 'data-live="' not in page.text  # nothing waits: no refresh


async def test_a_search_lists_several_titles_and_says_when_none_matches(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, sonarr={"hd": {"url": "http://sonarr:8989"}}) as r:
        for title in (SHOW, "The Expanse: Aftershow", "Andor"):
            await r.client.post("/webhook/sonarr/hd", json=series_delete(title))
        await log_in(r.client)
        listed = await r.client.get("/ui/titles", params={"q": "EXPANSE"})
        assert listed.status_code == 200
        rows = re.findall(r'<td class="title"><a href="([^"]+)">([^<]+)</a>', listed.text)
        assert [name for _, name in rows] == [SHOW, "The Expanse: Aftershow"]
        assert rows[1][0] == "/ui/titles/series/The%20Expanse:%20Aftershow?q=EXPANSE"
        assert "Andor" not in listed.text
        # the exact title lands on its page even though another contains it
        exact = await r.client.get("/ui/titles", params={"q": SHOW})
        assert exact.headers["location"].startswith("/ui/titles/series/The%20Expanse?")
        every = await r.client.get("/ui/titles", params={"q": SHOW, "list": "1"})
        assert every.status_code == 200 and "The Expanse: Aftershow" in every.text
        page = await r.client.get(exact.headers["location"])
        assert 'href="/ui/titles?q=The+Expanse&amp;list=1"' in page.text
        # a single match lands on it too, whatever the case typed
        only = await r.client.get("/ui/titles", params={"q": "aNDo"})
        assert only.headers["location"] == "/ui/titles/series/Andor?q=aNDo"
        none = await r.client.get("/ui/titles", params={"q": "Severance"})
        assert none.status_code == 200
        assert "No series or movie contains “Severance”" in none.text
        start = await r.client.get("/ui/titles")
        recent = re.findall(r'<li><a href="([^"]+)">', start.text)
        assert recent[0] == "/ui/titles/series/Andor"  # the latest webhook's title first


async def test_a_step_never_shows_a_secret(running_app: AppFactory, upstreams: Any) -> None:
    o = upstreams[0]
    overseerr = {"url": o.url, "api_key": OVERSEERR_KEY, "poll_interval": "0s"}
    sonarr = {"hd": {"url": "http://sonarr:8989"}}
    async with running_app(background=False, sonarr=sonarr, overseerr=overseerr) as r:
        await r.client.post("/webhook/sonarr/hd", json=series_delete())
        error = f"HTTP 500 from {o.url}/api/v1/media?apikey={OVERSEERR_KEY} (key {OVERSEERR_KEY})"

        def die(conn: Any) -> None:
            conn.execute(
                "UPDATE jobs SET status = 'dead', last_error = ?, finished_at = updated_at",
                (error,),
            )
            conn.commit()

        await r.services.db.run(die)
        await log_in(r.client)
        page = await r.client.get("/ui/titles/series/The%20Expanse")
        assert page.status_code == 200
        assert OVERSEERR_KEY not in page.text
        steps = steps_of(page.text)
        dead = steps[position(steps, 'could not remove "The Expanse" from Overseerr')]
        assert "dead" in dead and "HTTP 500" in dead and "***" in dead


@pytest.mark.parametrize(
    "path",
    [
        "/ui/titles/series/Nothing%20Called%20This",
        "/ui/titles/movie/The%20Expanse",  # a series of that name is not a movie
        "/ui/titles/anime/The%20Expanse",
    ],
)
async def test_an_unknown_title_or_kind_is_an_html_404(running_app: AppFactory, path: str) -> None:
    async with running_app(background=False, sonarr={"hd": {"url": "http://sonarr:8989"}}) as r:
        await r.client.post("/webhook/sonarr/hd", json=series_delete())
        await log_in(r.client)
        answer = await r.client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert "Traceback" not in answer.text
        too_long = await r.client.get("/ui/titles", params={"q": "x" * 300})
        assert too_long.status_code == 400
        assert too_long.headers["content-type"].startswith("text/html")


async def test_a_title_with_a_slash_and_accents_has_one_stable_address(
    running_app: AppFactory,
) -> None:
    title = "Amélie/Face Off? #1 100%"
    async with running_app(background=False, sonarr={"hd": {"url": "http://sonarr:8989"}}) as r:
        await r.client.post("/webhook/sonarr/hd", json=series_delete(title))
        await log_in(r.client)
        found = await r.client.get("/ui/titles", params={"q": "AMÉLIE"})
        target = found.headers["location"]
        assert target.startswith("/ui/titles/series/Am%C3%A9lie%2FFace%20Off%3F%20%231%20100%25?")
        page = await r.client.get(target)
        assert page.status_code == 200
        assert "<h1>Amélie/Face Off? #1 100% <span" in page.text


async def test_while_a_step_waits_the_timeline_refreshes_itself(
    running_app: AppFactory, tmp_path: Path
) -> None:
    rule = {"arr_path": "/tv", "source": str(tmp_path / "src"), "destination": str(tmp_path)}
    sonarr = {"hd": {"url": "http://sonarr:8989"}}
    async with running_app(background=False, sonarr=sonarr, mirror={"paths": [rule]}) as r:
        await r.client.post("/webhook/sonarr/hd", json=download())  # its copy waits: no worker
        await log_in(r.client)
        page = await r.client.get("/ui/titles/series/The%20Expanse")
        live = re.search(r'<ol class="timeline steps"[^>]* data-live="([^"]+)"', page.text)
        assert live is not None
        assert unescape(live.group(1)) == "/ui/titles/series/The%20Expanse?part=steps"
        part = await r.client.get(unescape(live.group(1)))
        assert part.status_code == 200
        assert "<html" not in part.text and "<nav" not in part.text
        assert [s.split(" ")[3] for s in steps_of(part.text)] == ["imported", "queued"]
        assert steps_of(part.text)[1].endswith('mirror "The Expanse S01E01"')
        bad = await r.client.get("/ui/titles/series/The%20Expanse?part=everything")
        assert bad.status_code == 400
