import contextlib
import sqlite3

from arrkestra.core.jobs import JobSpec
from arrkestra.store import events as store
from arrkestra.store import jobs as job_store
from arrkestra.store.events import IncomingEvent

DAY = 86_400.0


def incoming(
    body: str = '{"eventType":"SeriesDelete"}',
    *,
    at: float = 1000.0,
    key: str = "k1",
    jobs: tuple[JobSpec, ...] = (),
) -> IncomingEvent:
    return IncomingEvent("sonarr", "hd", "SeriesDelete", body, key, at, "127.0.0.1", jobs)


def test_event_and_its_jobs_are_stored_together(conn: sqlite3.Connection) -> None:
    spec = JobSpec("cleanup", "sonarr.hd/series/7", {"series_id": 7})
    [accepted] = store.accept_events(conn, [incoming(jobs=(spec,))], dedupe_window=DAY)
    assert not accepted.duplicate and len(accepted.job_ids) == 1
    event = store.get_event(conn, accepted.event_id)
    assert (event.source, event.instance, event.event_type, event.remote_addr) == (
        "sonarr",
        "hd",
        "SeriesDelete",
        "127.0.0.1",
    )
    assert event.routed_to == ["cleanup"] and event.body == '{"eventType":"SeriesDelete"}'
    job = job_store.get_job(conn, accepted.job_ids[0])
    assert job.event_id == accepted.event_id and job.params == {"series_id": 7}


def test_redelivery_within_the_window_creates_nothing(conn: sqlite3.Connection) -> None:
    spec = JobSpec("cleanup", "x", {})
    first, again, later = store.accept_events(
        conn,
        [incoming(jobs=(spec,)), incoming(at=1000 + DAY - 1, jobs=(spec,))],
        dedupe_window=DAY,
    ) + store.accept_events(conn, [incoming(at=1000 + DAY + 1)], dedupe_window=DAY)
    assert again.duplicate and again.event_id == first.event_id and again.job_ids == first.job_ids
    assert not later.duplicate and later.event_id != first.event_id
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 1


def test_a_batch_is_one_transaction(conn: sqlite3.Connection) -> None:
    batch = [incoming(key=f"k{i}", body=f'{{"n":{i}}}') for i in range(50)]
    results = store.accept_events(conn, batch, dedupe_window=DAY)
    assert [r.event_id for r in results] == sorted(r.event_id for r in results)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 50


def test_failed_batch_leaves_nothing_behind(conn: sqlite3.Connection) -> None:
    bad = IncomingEvent("sonarr", "hd", "X", None, "k", 1.0)  # type: ignore[arg-type]  # body NOT NULL
    with contextlib.suppress(sqlite3.IntegrityError):
        store.accept_events(conn, [incoming(), bad], dedupe_window=DAY)
    assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0


def test_listing_filters_and_cursor(conn: sqlite3.Connection) -> None:
    for i in range(6):
        source = "sonarr" if i % 2 else "radarr"
        store.accept_events(
            conn,
            [IncomingEvent(source, "hd", "Download" if i < 3 else "Test", "{}", f"k{i}", float(i))],
            dedupe_window=DAY,
        )
    everything = store.list_events(conn, store.EventFilter(limit=4))
    assert [e.id for e in everything] == [6, 5, 4, 3]
    rest = store.list_events(conn, store.EventFilter(before=3))
    assert [e.id for e in rest] == [2, 1]
    downloads = store.list_events(conn, store.EventFilter(event_type="Download", source="sonarr"))
    assert [e.id for e in downloads] == [2]
    window = store.list_events(conn, store.EventFilter(since=2.0, until=4.0))
    assert [e.id for e in window] == [4, 3]


def test_pruning_removes_old_events_but_keeps_their_jobs(conn: sqlite3.Connection) -> None:
    old = store.accept_events(
        conn, [incoming(at=10.0, jobs=(JobSpec("p", "a", {}),))], dedupe_window=DAY
    )[0]
    new = store.accept_events(conn, [incoming(at=5000.0, key="other")], dedupe_window=DAY)[0]
    assert store.prune_events(conn, older_than=100.0, batch=1) == 1
    assert [e.id for e in store.list_events(conn, store.EventFilter())] == [new.event_id]
    job = job_store.get_job(conn, old.job_ids[0])
    assert job.event_id is None  # the work's audit trail outlives the event body


def test_record_routing_merges_pipelines(conn: sqlite3.Connection) -> None:
    [accepted] = store.accept_events(conn, [incoming()], dedupe_window=DAY)
    store.record_routing(conn, accepted.event_id, ["mirror", "cleanup"])
    store.record_routing(conn, accepted.event_id, ["cleanup"])
    assert store.get_event(conn, accepted.event_id).routed_to == ["cleanup", "mirror"]
