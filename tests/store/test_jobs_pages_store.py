"""The jobs and events pages' reads: each filter is answered from an index in id order
(EXPLAIN QUERY PLAN of the very statement the store runs), the instance filter, the
event summaries (title from the body, count of jobs), and the search's raw prefilter
never hiding a match."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

import pytest

from arrkestra.core.job_kinds import CleanupParams, CopyParams, ScanParams
from arrkestra.core.jobs import JobSpec
from arrkestra.store import events as event_store
from arrkestra.store import jobs as job_store
from arrkestra.store.events import EventFilter, IncomingEvent
from arrkestra.store.jobs import JobFilter


def plan_of(conn: sqlite3.Connection, read: Callable[[], object]) -> str:
    """The query plan of the statement ``read`` runs (its last one), as one string."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        read()
    finally:
        conn.set_trace_callback(None)
    rows = conn.execute("EXPLAIN QUERY PLAN " + seen[-1]).fetchall()
    return " | ".join(str(row[3]) for row in rows)


@pytest.fixture
def jobs(conn: sqlite3.Connection) -> sqlite3.Connection:
    for params in (
        CopyParams(instance="sonarr.hd", library_path="/tv/A/a.mkv", title="A"),
        CopyParams(instance="radarr.4k", library_path="/m/B.mkv", title="B"),
        CleanupParams(media_type="tv", instance="sonarr.hd", tvdb_id=1, title="C"),
        ScanParams(folder="/tv/A"),
    ):
        job_store.enqueue(conn, params.spec(), now=1.0)
    return conn


def test_jobs_of_an_instance_come_from_their_index_newest_first(jobs: sqlite3.Connection) -> None:
    found = job_store.list_jobs(jobs, JobFilter(instance="sonarr.hd"))
    assert [j.params["title"] for j in found] == ["C", "A"]
    assert job_store.list_jobs(jobs, JobFilter(instance="nope")) == []
    plan = plan_of(jobs, lambda: job_store.list_jobs(jobs, JobFilter(instance="sonarr.hd")))
    assert "USING INDEX jobs_instance" in plan and "TEMP B-TREE" not in plan


@pytest.mark.parametrize(
    "query",
    [
        EventFilter(source="sonarr"),
        EventFilter(instance="hd"),
        EventFilter(source="sonarr", instance="hd"),
        EventFilter(event_type="SeriesDelete"),
        EventFilter(source="radarr", event_type="Test", before=10),
    ],
)
def test_every_events_filter_reads_an_index_in_id_order(
    conn: sqlite3.Connection, query: EventFilter
) -> None:
    plan = plan_of(conn, lambda: event_store.list_summaries(conn, query))
    assert "USING" in plan and "INDEX" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert "SCAN events" not in plan, plan


def incoming(n: int, body: object, **fields: str) -> IncomingEvent:
    return IncomingEvent(
        source=fields.get("source", "sonarr"),
        instance=fields.get("instance", "hd"),
        event_type=fields.get("event_type", "SeriesDelete"),
        body=body if isinstance(body, str) else json.dumps(body),
        dedupe_key=f"k{n}",
        received_at=float(n),
        jobs=(CleanupParams(media_type="tv", instance="sonarr.hd", tvdb_id=n).spec(),),
    )


def test_summaries_name_the_title_and_count_the_jobs(conn: sqlite3.Connection) -> None:
    series = {"eventType": "SeriesDelete", "series": {"title": "Severance"}}
    movie = {"eventType": "MovieDelete", "movie": {"title": "Amélie"}}
    deep = '{"eventType": "Test", "x": ' + "[" * 70 + "]" * 70 + "}"
    event_store.accept_events(
        conn,
        [incoming(1, series), incoming(2, movie, source="radarr"), incoming(3, deep)],
        dedupe_window=0,
    )
    found = event_store.list_summaries(conn, EventFilter())
    assert [(e.title, e.jobs) for e in found] == [(None, 1), ("Amélie", 1), ("Severance", 1)]
    assert [e.id for e in event_store.list_summaries(conn, EventFilter(source="radarr"))] == [2]
    (first,) = event_store.jobs_of(conn, 1, 10)
    assert first.event_id == 1


def test_the_raw_prefilter_never_hides_a_match(conn: sqlite3.Connection) -> None:
    """Rows with escapes (non-ASCII, quotes, backslashes) always take the exact test."""
    titles = ["Straße", 'Say "When"', "C:\\Films\\X", "ÉCOLE", "plain"]
    for n, title in enumerate(titles):
        spec = JobSpec("mirror", f"k{n}", {"instance": "radarr.hd", "title": title})
        job_store.enqueue(conn, spec, now=1.0)

    def found(text: str) -> list[str]:
        return [j.params["title"] for j in job_store.list_jobs(conn, JobFilter(text=text))]

    assert found("strasse") == ["Straße"]  # casefold: ß is ss, which the raw JSON lacks
    assert found('"when"') == ['Say "When"']
    assert found("films\\x") == ["C:\\Films\\X"]
    assert found("école") == ["ÉCOLE"]
    assert found("PLAIN") == ["plain"]
    assert found("instance") == []  # a key of the JSON is no title
