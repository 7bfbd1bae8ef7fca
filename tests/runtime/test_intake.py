"""Group commit on a real database file: concurrent submits share transactions."""

import asyncio
import sqlite3
from pathlib import Path

import pytest

from arrkestra.core.jobs import JobSpec
from arrkestra.runtime.intake import EventWriter
from arrkestra.store.database import Database
from arrkestra.store.events import IncomingEvent


def event(i: int, *, jobs: tuple[JobSpec, ...] = (), body: str | None = None) -> IncomingEvent:
    text = body if body is not None else f'{{"eventType":"Download","n":{i}}}'
    return IncomingEvent("sonarr", "hd", "Download", text, f"key-{i}", 1000.0 + i, None, jobs)


@pytest.fixture
async def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = Database.open(tmp_path / "arrkestra.db")
    yield database
    database.close()


async def test_concurrent_submits_are_all_committed_before_they_return(
    db: Database, tmp_path: Path
) -> None:
    woken: list[int] = []
    writer = EventWriter(db, dedupe_window=86_400, on_jobs=lambda: woken.append(1))
    writer.start()

    async def submit_and_check(i: int) -> int:
        accepted = await writer.submit(event(i, jobs=(JobSpec("p", f"j{i}", {}),)))
        # acknowledged means durable: another connection already sees the row
        other = sqlite3.connect(tmp_path / "arrkestra.db")
        try:
            row = other.execute(
                "SELECT COUNT(*) FROM jobs WHERE event_id = ?", (accepted.event_id,)
            ).fetchone()
        finally:
            other.close()
        assert row[0] == 1
        return accepted.event_id

    ids = await asyncio.gather(*(submit_and_check(i) for i in range(300)))
    await writer.stop()
    assert len(set(ids)) == 300 and woken


async def test_a_bad_event_does_not_fail_its_batch_neighbours(db: Database) -> None:
    writer = EventWriter(db, dedupe_window=86_400)
    writer.start()
    bad = IncomingEvent("sonarr", "hd", "X", None, "bad", 1.0)  # type: ignore[arg-type]
    results = await asyncio.gather(
        *(writer.submit(event(i)) for i in range(20)), writer.submit(bad), return_exceptions=True
    )
    await writer.stop()
    assert isinstance(results[-1], sqlite3.IntegrityError)
    assert all(not isinstance(r, BaseException) for r in results[:-1])


async def test_without_a_running_writer_submit_commits_directly(db: Database) -> None:
    writer = EventWriter(db, dedupe_window=86_400)
    first = await writer.submit(event(1))
    again = await writer.submit(event(1))
    assert again.duplicate and again.event_id == first.event_id
