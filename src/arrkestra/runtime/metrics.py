"""Prometheus metrics, in a registry of their own (no module-level singletons).

Queue gauges are refreshed from the database at scrape time, so they are right even
for jobs changed by another process (the CLI).

Labels come only from known values: a webhook's event type is one of
``KNOWN_EVENT_TYPES`` (or ``unknown``), so a sender cannot grow the series without
limit or put text in a label that the exposition cannot encode (``/metrics`` never 500s).
"""

from __future__ import annotations

import platform
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

from arrkestra.core.events import KNOWN_EVENT_TYPES
from arrkestra.store import jobs as job_store

NO_EVENT = "-"  # refused before its body was read
UNKNOWN_EVENT = "unknown"
INTAKE_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400)


class Collector(Protocol):
    """Gauges read from the database at scrape time, by a capability (e.g. discovery)."""

    def read(self, conn: sqlite3.Connection) -> object: ...

    def apply(self, snapshot: object, now: float) -> None: ...


@dataclass(frozen=True)
class QueueSnapshot:
    counts: dict[tuple[str, str], int]
    oldest_waiting: dict[str, float]


def queue_snapshot(conn: sqlite3.Connection) -> QueueSnapshot:
    return QueueSnapshot(job_store.count_by_pipeline_status(conn), job_store.oldest_waiting(conn))


class Metrics:
    def __init__(self, version: str) -> None:
        self.registry = CollectorRegistry()
        self.collectors: list[Collector] = []
        Info("arrkestra_build", "arrkestra build information", registry=self.registry).info(
            {"version": version, "python": platform.python_version()}
        )
        self.job_duration = Histogram(
            "arrkestra_job_duration_seconds",
            "How long job attempts ran, by pipeline and outcome",
            ["pipeline", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.jobs = Gauge(
            "arrkestra_jobs",
            "Jobs in the database by pipeline and status",
            ["pipeline", "status"],
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "arrkestra_queue_depth",
            "Jobs waiting to run (pending or failed)",
            ["pipeline"],
            registry=self.registry,
        )
        self.oldest_waiting = Gauge(
            "arrkestra_queue_oldest_age_seconds",
            "Age of the oldest job waiting to run",
            ["pipeline"],
            registry=self.registry,
        )

        self.webhooks = Counter(
            "arrkestra_webhooks",
            "Webhooks received, by sender kind, instance, event type and outcome",
            ["kind", "instance", "event", "outcome"],
            registry=self.registry,
        )
        self.intake_seconds = Histogram(
            "arrkestra_webhook_intake_seconds",
            "From request to durable acknowledgement (parse, store, commit)",
            ["kind"],
            buckets=INTAKE_BUCKETS,
            registry=self.registry,
        )

        self.mirror_bytes = Counter(
            "arrkestra_mirror_bytes_transferred",
            "Bytes rsync transferred for mirror jobs",
            registry=self.registry,
        )
        self.mirror_outcomes = Counter(
            "arrkestra_mirror_files",
            "Mirror jobs finished, by outcome (copied, already_present, dry_run)",
            ["outcome"],
            registry=self.registry,
        )
        self.mirror_rate = Gauge(
            "arrkestra_mirror_transfer_rate_bytes_per_second",
            "Average rate of the last transfer that copied something",
            registry=self.registry,
        )
        self.mount_up = Gauge(
            "arrkestra_mount_up",
            "1 when a mirror root passed its last mount check, else 0",
            ["path", "role"],
            registry=self.registry,
        )

    def observe_transfer(self, outcome: str, bytes_transferred: int, seconds: float) -> None:
        self.mirror_outcomes.labels(outcome).inc()
        if outcome == "copied":
            self.mirror_bytes.inc(bytes_transferred)
            if seconds > 0:
                self.mirror_rate.set(bytes_transferred / seconds)

    def set_mount(self, path: str, role: str, ok: bool) -> None:
        self.mount_up.labels(path, role).set(1 if ok else 0)

    def count_webhook(self, kind: str, instance: str, event: str, outcome: str) -> None:
        """``event`` is kept only when it is a known event type of ``kind``."""
        known = KNOWN_EVENT_TYPES.get(kind, frozenset())  # type: ignore[call-overload]
        label = event if event == NO_EVENT or event in known else UNKNOWN_EVENT
        self.webhooks.labels(kind, instance, label, outcome).inc()

    def observe_intake(self, kind: str, seconds: float) -> None:
        self.intake_seconds.labels(kind).observe(seconds)

    def observe_job(self, pipeline: str, outcome: str, seconds: float) -> None:
        self.job_duration.labels(pipeline, outcome).observe(seconds)

    def read_all(self, conn: sqlite3.Connection) -> tuple[QueueSnapshot, list[object]]:
        """Everything a scrape needs from the database, in one call on the store's thread."""
        return queue_snapshot(conn), [collector.read(conn) for collector in self.collectors]

    def render(self, snapshot: QueueSnapshot, now: float, extra: Sequence[object] = ()) -> bytes:
        for collector, value in zip(self.collectors, extra, strict=False):
            collector.apply(value, now)
        self.jobs.clear()
        self.queue_depth.clear()
        self.oldest_waiting.clear()
        depth: dict[str, int] = {}
        for (pipeline, status), count in snapshot.counts.items():
            self.jobs.labels(pipeline, status).set(count)
            if status in ("pending", "failed"):
                depth[pipeline] = depth.get(pipeline, 0) + count
        for pipeline, count in depth.items():
            self.queue_depth.labels(pipeline).set(count)
        for pipeline, created in snapshot.oldest_waiting.items():
            self.oldest_waiting.labels(pipeline).set(max(now - created, 0.0))
        return generate_latest(self.registry)
