"""discovery with the real daemon process: SIGKILL during the initial sync, then restart.

The fake TVMaze (a generated catalogue of 3,000 shows, some 15 index pages) answers every
request after ``ANSWER_DELAY``, so the initial sync takes several seconds; the fake Sonarr
knows every TVDB id. Both run in this process on loopback. The daemon is killed with
SIGKILL once a few pages are checkpointed, and restarted on the same database: it resumes
at the checkpointed page (no page below it is fetched again, only the page in flight at
the kill may be fetched twice), walks to the end, and adds exactly the shows the filters
accept, none twice.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import PAGE_SIZE, Catalogue
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e

SONARR_KEY = "sonarr-e2e-discovery-key-0123456789"
SHOWS = 3000
ANSWER_DELAY = 0.4  # seconds per TVMaze answer: the initial sync takes about 6 s
PAGES_BEFORE_KILL = 4
# Simple filters, so the expected set is computed here from the raw JSON, independently
# of the filter engine: English scripted shows, whatever else they are.
FILTERS = {
    "genres": {"exclude": []},
    "types": {"include": ["Scripted"]},
    "countries": {"include": []},
    "languages": {"include": ["English"]},
    "status": {"exclude_ended": False},
    "premiered": {"after": None},
    "min_runtime": None,
}


@dataclass
class Upstreams:
    tvmaze: FakeTvmaze
    sonarr: FakeSonarr
    tvmaze_url: str
    sonarr_url: str


@pytest.fixture
def upstreams() -> Iterator[Upstreams]:
    catalogue = Catalogue.generated(SHOWS, seed=11)
    tvmaze = FakeTvmaze(catalogue, per=0.05)
    tvmaze.delay = ANSWER_DELAY
    sonarr = FakeSonarr(SONARR_KEY)
    sonarr.state.add_root_folder("/tv")
    for show in catalogue:
        tvdb = (show.get("externals") or {}).get("thetvdb")
        if tvdb:
            sonarr.state.add_to_catalogue(tvdb, show["name"], tvmaze_id=show["id"])
    with LoopbackServer(tvmaze.app) as t, LoopbackServer(sonarr.app) as s:
        yield Upstreams(tvmaze, sonarr, t.url, s.url)


def discovery_config(tmp_path: Path, up: Upstreams) -> Path:
    data = base_config(
        tmp_path,
        sonarr={"hd": {"url": up.sonarr_url, "api_key": SONARR_KEY}},
        discovery={
            "enabled": True,
            "poll_interval": "6h",
            "tvmaze": {"url": up.tvmaze_url, "rate_limit": 20, "per": "0.05s"},
            "target": {"root_folder": "/tv", "quality_profile": "HD-1080p"},
            "filters": FILTERS,
        },
    )
    return write_config(tmp_path, data)


def accepted_tvdb_ids(catalogue: Catalogue) -> set[int]:
    """What FILTERS accept and Sonarr can add (a TVDB id), from the catalogue's JSON."""
    return {
        show["externals"]["thetvdb"]
        for show in catalogue
        if show["type"] == "Scripted"
        and show["language"] == "English"
        and (show.get("externals") or {}).get("thetvdb")
    }


def state(daemon: Daemon) -> dict[str, Any]:
    answer = daemon.api("GET", "/api/v1/discovery/state")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def checkpoint(db_file: Path) -> int:
    """The next index page, as the killed daemon left it in its database."""
    db = sqlite3.connect(db_file)
    try:
        row = db.execute("SELECT value FROM state WHERE key = 'discovery.next_page'").fetchone()
    finally:
        db.close()
    return int(row[0])


def pages_requested(tvmaze: FakeTvmaze, *, after: float = 0.0, before: float = 1e18) -> list[int]:
    """Index pages asked for (in order) by requests that arrived in ``[after, before)``."""
    return [
        int(parse_qs(r.query).get("page", ["0"])[0])
        for r in tvmaze.requests
        if r.route == "shows_page" and after <= r.at < before
    ]


def test_sigkill_during_the_initial_sync_resumes_at_the_checkpoint_and_adds_nothing_twice(
    tmp_path: Path, daemons: list[Daemon], upstreams: Upstreams
) -> None:
    config = discovery_config(tmp_path, upstreams)
    tvmaze, sonarr = upstreams.tvmaze, upstreams.sonarr
    last_page = tvmaze.catalogue.last_id() // PAGE_SIZE
    expected = accepted_tvdb_ids(tvmaze.catalogue)
    assert last_page >= 10 and len(expected) > 100  # the catalogue is what the test needs

    first = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(first)
    first.wait_ready()
    answer = first.api("POST", "/api/v1/discovery/trigger")
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job"]
    wait_until(lambda: state(first)["last_tvmaze_page"] >= PAGES_BEFORE_KILL - 1, timeout=60)
    first.signal(signal.SIGKILL)
    assert first.wait_exit(10) == -signal.SIGKILL
    posted_at_kill = len(sonarr.state.series_posts)
    resume_at = checkpoint(tmp_path / "data" / "arrkestra.db")
    assert PAGES_BEFORE_KILL <= resume_at <= last_page  # killed during the sync, not after

    restarted_at = time.monotonic()  # the fake's clock: later arrivals are the second daemon's
    second = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(second)
    second.wait_ready()
    answer = second.api("POST", "/api/v1/discovery/trigger")
    assert answer.status_code == 202, answer.text
    assert answer.json()["job"] == job_id  # the interrupted cycle, recovered, not a new one

    def cycle_done() -> bool:
        job = second.api("GET", f"/api/v1/jobs/{job_id}").json()
        assert job["status"] not in ("dead", "cancelled"), job
        return bool(job["status"] == "succeeded")

    wait_until(cycle_done, timeout=90)
    final = state(second)
    before = pages_requested(tvmaze, before=restarted_at)
    after = pages_requested(tvmaze, after=restarted_at)

    # resumed at the checkpoint: nothing below it again, only the page in flight twice
    assert after[0] == resume_at, (resume_at, after)
    assert after == list(range(resume_at, last_page + 2))  # in order, to the 404 past the end
    assert set(before) & set(after) <= {resume_at}
    assert set(before) | set(after) == set(range(last_page + 2))  # every page was fetched
    assert tvmaze.count("shows_page", 404) == 1
    assert final["initial_sync_complete"] is True
    assert final["total_shows"] == len(tvmaze.catalogue)
    assert final["highest_tvmaze_id"] == tvmaze.catalogue.last_id()

    # Sonarr: each accepted show POSTed exactly once, and nothing else
    posted = Counter(int(body["tvdbId"]) for body in sonarr.state.series_posts)
    assert [tvdb for tvdb, n in posted.items() if n > 1] == []
    assert set(posted) == expected
    assert 0 < posted_at_kill < len(expected)  # shows were added on both sides of the kill
    assert {int(s["tvdbId"]) for s in sonarr.state.series} == expected
    counts = final["status_counts"]
    assert counts.get("added", 0) + counts.get("exists", 0) == len(expected)
    assert counts.get("failed", 0) == 0

    detail = second.api("GET", f"/api/v1/jobs/{job_id}").json()
    assert [a["outcome"] for a in detail["attempts_log"]] == ["recovered", "succeeded"]
    assert detail["result"]["mode"] == "full"
    assert "recovered 1 job(s) left running" in second.log()
