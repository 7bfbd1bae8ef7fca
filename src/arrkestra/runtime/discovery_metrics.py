"""TVMaze-Sync's metric names, so its dashboards keep working.

Counters count as things happen; the gauges describing the cache (shows by status,
rejections by reason, the highest id, pending retries) and the last run are read from
the database at scrape time, so they are right after a restart too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from arrkestra.core.errors import ArrkestraError
from arrkestra.core.job_kinds import LastRun
from arrkestra.core.shows import ShowStatus
from arrkestra.store import shows as show_store
from arrkestra.store.shows import STATE_KEYS, read_state


def last_run(state: dict[str, Any]) -> LastRun | None:
    """The last cycle from discovery's state rows (None: none ran, or the row is damaged)."""
    row = state.get(STATE_KEYS.last_run)
    try:
        return None if row is None else LastRun.load(row)
    except ArrkestraError:
        return None


@dataclass(frozen=True)
class DiscoverySnapshot:
    state: dict[str, Any]
    by_status: dict[str, int]
    by_reason: dict[str, int]
    pending_retry: dict[str, int]
    highest_id: int


def _gauge(registry: CollectorRegistry, name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(name, doc, list(labels), registry=registry)


class DiscoveryMetrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        *,
        next_run: Callable[[], float | None],
        healthy: Callable[[], tuple[bool, bool]],  # (discovery healthy, Sonarr healthy)
    ) -> None:
        self._next_run, self._healthy = next_run, healthy

        def g(name: str, doc: str, *labels: str) -> Gauge:
            return _gauge(registry, name, doc, labels)

        self.last_run = g("tvmaze_sync_last_run_timestamp", "When the last cycle started")
        self.last_duration = g("tvmaze_sync_last_run_duration_seconds", "Last cycle's duration")
        self.next_run_at = g("tvmaze_sync_next_run_timestamp", "When the next cycle is due")
        self.initial = g("tvmaze_sync_initial_complete", "1 once the full index was synced")
        self.sync_healthy = g("tvmaze_sync_healthy", "1 when the last cycle succeeded")
        self.sonarr_healthy = g("tvmaze_sonarr_healthy", "1 when Sonarr passed validation")
        self.shows = g("tvmaze_shows_total", "Cached shows by processing status", "status")
        self.filtered = g(
            "tvmaze_shows_filtered_by_reason", "Filtered shows by rejecting rule", "reason"
        )
        self.highest = g("tvmaze_shows_highest_id", "Highest TVMaze id in the cache")
        self.pending = g("tvmaze_shows_pending_retry", "Shows waiting for a retry", "reason")
        self.last_processed = g(
            "tvmaze_sync_shows_processed", "Shows processed by the last cycle", "result"
        )
        self.processed = Counter(
            "tvmaze_shows_processed", "Shows processed, by result", ["result"], registry=registry
        )
        self.requests = Counter(
            "tvmaze_api_requests",
            "Requests to TVMaze and Sonarr by endpoint and HTTP status (0: no answer)",
            ["service", "endpoint", "status"],
            registry=registry,
        )

    def count_request(self, service: str, endpoint: str, status: int) -> None:
        self.requests.labels(service, endpoint, str(status)).inc()

    def count_processed(self, result: str) -> None:
        self.processed.labels(result).inc()

    def read(self, conn: sqlite3.Connection) -> object:
        return DiscoverySnapshot(
            read_state(conn),
            show_store.count_by_status(conn),
            show_store.count_filtered_by_reason(conn),
            show_store.count_pending_retry(conn),
            show_store.highest_id(conn),
        )

    def apply(self, snapshot: object, now: float) -> None:
        assert isinstance(snapshot, DiscoverySnapshot)
        last = last_run(snapshot.state)
        self.last_run.set(last.started if last else 0)
        self.last_duration.set(last.duration if last else 0)
        self.next_run_at.set(self._next_run() or 0)
        self.initial.set(1 if snapshot.state.get(STATE_KEYS.initial_complete) else 0)
        discovery_ok, sonarr_ok = self._healthy()
        self.sync_healthy.set(1 if discovery_ok else 0)
        self.sonarr_healthy.set(1 if sonarr_ok else 0)
        every_status = {status.value: 0 for status in ShowStatus}  # review: 0 is a value too
        for gauge, values in (
            (self.shows, every_status | snapshot.by_status),
            (self.filtered, snapshot.by_reason),
            (self.pending, snapshot.pending_retry),
            (self.last_processed, last.results if last else {}),
        ):
            gauge.clear()
            for label, count in values.items():
                gauge.labels(label).set(count)
        self.highest.set(snapshot.highest_id)
