"""Thousands of webhooks from concurrent clients, SIGKILL in the middle, restart.

Every request that got 202 must be in the database with its job; nothing may be
stored twice. (A request cut off by the kill may or may not be stored: it was never
acknowledged, so Sonarr logged it as failed and catch-up will find it.)
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon, free_port

pytestmark = pytest.mark.e2e
SECRET = "flood-secret-0123456789"
TOTAL, CLIENTS, KILL_AFTER = 3000, 8, 1200


def series_delete(marker: int) -> bytes:
    body = {
        "eventType": "SeriesDelete",
        "series": {
            "id": marker,
            "title": f'Show {marker} ☃ "quoted" [x]',
            "tvdbId": 1000 + marker,
            "tmdbId": 50_000 + marker,
            "path": f"/tv/Show {marker}",
        },
        "deletedFiles": True,
        "marker": marker,
    }
    return json.dumps(body).encode()


class Flood:
    def __init__(self, url: str) -> None:
        self.url = url
        self.acked: dict[int, int] = {}  # marker -> event_id, for 202 answers only
        self.other: dict[int, str] = {}
        self.lock = threading.Lock()

    def client(self, markers: range) -> None:
        headers = {"X-Webhook-Secret": SECRET, "Content-Type": "application/json"}
        with httpx.Client(timeout=10, headers=headers) as client:
            for marker in markers:
                try:
                    answer = client.post(
                        f"{self.url}/webhook/sonarr/hd", content=series_delete(marker)
                    )
                except httpx.TransportError as exc:
                    with self.lock:
                        self.other[marker] = type(exc).__name__
                    continue
                with self.lock:
                    if answer.status_code == 202:
                        self.acked[marker] = answer.json()["event_id"]
                    else:
                        self.other[marker] = str(answer.status_code)


def test_every_acknowledged_webhook_survives_a_sigkill(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    data = base_config(
        tmp_path,
        server={"rate_limit": None},
        sonarr={"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}},
        # every event is one cleanup job; they run (and fail: nothing listens there) while
        # the flood goes on, then wait out the backoff
        overseerr={"url": f"http://127.0.0.1:{free_port()}", "poll_interval": "0s"},
        cleanup={"concurrency": 4, "retry": {"base": "1h", "cap": "1h"}},
    )
    config = write_config(tmp_path, data)
    first = Daemon(config, tmp_path / "daemon.log").start()
    daemons.append(first)
    first.wait_ready()

    flood = Flood(first.url)
    share = TOTAL // CLIENTS
    threads = [
        threading.Thread(target=flood.client, args=(range(i * share, (i + 1) * share),))
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(flood.acked) >= KILL_AFTER, timeout=60, interval=0.005)
    first.signal(signal.SIGKILL)
    for thread in threads:
        thread.join(timeout=120)
    first.wait_exit(10)
    assert KILL_AFTER <= len(flood.acked) < TOTAL, "the kill must land in the middle of the flood"

    second = Daemon(config, tmp_path / "daemon.log").start()  # recovery on the same database
    daemons.append(second)
    second.wait_ready()
    second.signal(signal.SIGTERM)
    assert second.wait_exit(30) == 0

    db = sqlite3.connect(tmp_path / "data" / "arrkestra.db")
    events = db.execute("SELECT id, body FROM events").fetchall()
    jobs = dict(db.execute("SELECT event_id, COUNT(*) FROM jobs GROUP BY event_id").fetchall())
    db.close()
    markers = [json.loads(body)["marker"] for _, body in events]
    assert len(markers) == len(set(markers)), "an event was stored twice"
    stored = {json.loads(body)["marker"]: event_id for event_id, body in events}
    lost = [m for m, event_id in flood.acked.items() if stored.get(m) != event_id]
    assert lost == [], f"{len(lost)} acknowledged webhooks are missing, e.g. {lost[:5]}"
    without_job = [event_id for event_id in flood.acked.values() if jobs.get(event_id) != 1]
    assert without_job == [], f"acknowledged events without their job: {without_job[:5]}"
    unacked_stored = len(stored) - len(flood.acked)
    assert 0 <= unacked_stored <= CLIENTS  # at most the requests in flight at the kill
