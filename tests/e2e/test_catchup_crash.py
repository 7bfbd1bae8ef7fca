"""catch-up with the real daemon process: SIGKILL in the middle of a run, then restart.

A fake Sonarr on loopback holds thousands of import records from the last day (none of
them ever sent as a webhook). The daemon's first catch-up run replays them in chunks, each
committed with the high-water mark; it is killed with SIGKILL once some chunks are stored
and before the last, and restarted on the same database. The restarted daemon resumes
(the recovered job reads from the mark, less the overlap) and, in the end, every record
has exactly one mirror job: none queued twice, none missed. The mirror pipeline is paused
beforehand so its copies only wait (what is checked is what catch-up queued).
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arrkestra.store import state
from arrkestra.store.database import Database
from arrkestra.testing.fake_arr_history import FakeArr
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e

KEY = "sonarr-e2e-catchup-key-0123456789"
RECORDS = 6000
KILL_AFTER = 600  # records stored as events before the SIGKILL


@pytest.fixture
def sonarr() -> Iterator[tuple[FakeArr, LoopbackServer]]:
    fake = FakeArr("sonarr", KEY)
    series = fake.add_series("The Show", path="/tv/The Show", tvdb_id=81189)
    episode = fake.add_episode(series, 1, 1)
    now = time.time()
    for n in range(RECORDS):
        when = datetime.fromtimestamp(now - 20 * 3600 + n * 5, UTC)
        fake.add_import(series, episode, f"/tv/The Show/Season 01/e{n:05d}.mkv", date=when)
    with LoopbackServer(fake.app) as server:
        yield fake, server


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


def test_a_killed_catch_up_resumes_without_duplicates_or_gaps(
    tmp_path: Path, sonarr: tuple[FakeArr, LoopbackServer]
) -> None:
    _, server = sonarr
    (tmp_path / "src" / "tv").mkdir(parents=True)
    (tmp_path / "dst" / "tv").mkdir(parents=True)
    data = base_config(
        tmp_path,
        sonarr={"hd": {"url": server.url, "api_key": KEY}},
        mirror={
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp_path / "src/tv"),
                    "destination": str(tmp_path / "dst/tv"),
                }
            ]
        },
        reconcile={"enabled": False},
    )
    config = write_config(tmp_path, data)
    db_file = tmp_path / "data" / "arrkestra.db"
    db = Database.open(db_file)  # the mirror waits: only what catch-up queues is counted
    db.call(state.pause_pipeline, "mirror", "test: copies wait", now=time.time())
    db.close()
    events = "SELECT count(*) FROM events WHERE remote_addr = 'catchup'"
    daemon = Daemon(config, tmp_path / "daemon.log").start()
    try:
        daemon.wait_ready()
        wait_until(lambda: count(db_file, events) >= KILL_AFTER, timeout=60)
        daemon.signal(signal.SIGKILL)
        daemon.wait_exit(10)
    finally:
        daemon.stop()
    stored = count(db_file, events)
    assert KILL_AFTER <= stored < RECORDS, "the kill came before the run ended"
    restarted = Daemon(config, tmp_path / "daemon2.log").start()
    try:
        restarted.wait_ready()

        def caught_up() -> bool:
            done = "SELECT count(*) FROM jobs WHERE pipeline = 'catchup' AND status = 'succeeded'"
            return count(db_file, done) >= 1 and count(db_file, events) == RECORDS

        wait_until(caught_up, timeout=120)
        conn = sqlite3.connect(f"file:{db_file}?mode=ro", uri=True)
        keys = [row[0] for row in conn.execute("SELECT key FROM jobs WHERE pipeline = 'mirror'")]
        conn.close()
    finally:
        restarted.stop()
    assert len(keys) == RECORDS  # every record queued ...
    assert max(Counter(keys).values()) == 1  # ... and none twice
    expected = {f"sonarr.hd//tv/The Show/Season 01/e{n:05d}.mkv" for n in range(RECORDS)}
    assert set(keys) == expected
