"""TVMaze-Sync's catalogue (``shows.db``) and checkpoints (``state.json``) imported into
arrkestra's, so discovery neither walks the TVMaze index again from page 0 nor adds a
show the user had excluded.

- Every show is stored with its data and status (TVMaze-Sync's status names are
  arrkestra's). A show arrkestra's catalogue already holds keeps arrkestra's row, so an
  import never rolls newer data back and running it twice changes nothing.
- A show TVMaze-Sync had ``skipped`` (excluded by hand) is skipped by hand here too
  (``shows.skip``): no cycle adds it or changes its status. A show Sonarr already has
  cannot be skipped; the import counts it.
- The old filter fingerprint is not kept: arrkestra fingerprints its filters its own way,
  so the first cycle re-judges the imported ``pending``/``filtered`` shows locally (no
  TVMaze request) with the filters of the new config.
- Checkpoints are imported only with the shows they describe, and only into a catalogue
  that has none of its own (arrkestra's own progress is never moved back). The index is
  complete once TVMaze-Sync finished a full sync; the next incremental sync covers the
  time since its last updates check.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from arrkestra.core.shows import ShowStatus
from arrkestra.store import shows as show_store
from arrkestra.store import state as state_store
from arrkestra.store.connection import StoreError, write_transaction
from arrkestra.store.legacy_db import columns, open_read_only, unix_time
from arrkestra.store.shows import STATE_KEYS

DAY = 86400.0
SKIP_REASON = "skipped in TVMaze-Sync"
OLD_COLUMNS = (
    "tvmaze_id", "tvdb_id", "imdb_id", "title", "language", "country", "type", "status",
    "premiered", "ended", "network", "web_channel", "genres", "runtime", "processing_status",
    "filter_reason", "sonarr_series_id", "added_to_sonarr_at", "last_checked",
    "tvmaze_updated_at", "retry_after", "retry_count", "error_message", "created_at",
    "updated_at",
)  # fmt: skip
INSERT_SQL = """
INSERT INTO shows (tvmaze_id, tvdb_id, imdb_id, title, language, country, type, status,
                   premiered, ended, network, web_channel, genres, runtime, processing_status,
                   filter_reason, sonarr_series_id, added_to_sonarr_at, last_checked,
                   tvmaze_updated_at, retry_after, retry_count, error_message, created_at,
                   updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (tvmaze_id) DO NOTHING
"""
CHUNK = 2000
COMPLETE_FLAGS = ("initial_sync_complete", "initial_complete")  # when a version wrote one
STATE_NOT_KEPT = {
    "highest_tvmaze_id": "arrkestra reads it from the catalogue",
    "last_filter_hash": "arrkestra fingerprints its filters its own way: the first cycle "
    "re-judges the imported shows locally (no TVMaze request)",
}


@dataclass
class CatalogueImport:
    """What an import found in the old file and did (or, surveyed, would do)."""

    shows: int = 0
    new: int = 0  # stored now
    by_status: dict[str, int] = field(default_factory=dict)  # the old statuses
    unreadable: int = 0  # rows without a usable TVMaze id
    skipped: int = 0  # skips by hand now held (or already held)
    skipped_in_sonarr: int = 0  # skipped in TVMaze-Sync, but Sonarr has them
    state: list[str] = field(default_factory=list)  # arrkestra state keys written
    state_notes: list[str] = field(default_factory=list)  # what was not, and why

    @property
    def present(self) -> int:
        """Shows arrkestra's catalogue already had (kept as they were)."""
        return self.shows - self.unreadable - self.new


def survey_catalogue(path: Path, state: Mapping[str, Any] | None) -> CatalogueImport:
    """What the old files hold, for a dry run: nothing is written anywhere."""
    found = CatalogueImport()
    for chunk in _old_rows(path, now=0.0):
        _count(found, chunk)
    found.skipped = found.by_status.get("skipped", 0)
    if state is not None:
        found.state = sorted(_state_values(state, found.state_notes))
    return found


def import_catalogue(
    conn: sqlite3.Connection, path: Path, state: Mapping[str, Any] | None, *, now: float
) -> CatalogueImport:
    """Store the old shows, their skips by hand and (with them) the checkpoints in one
    transaction: an import cut short leaves no skipped row unprotected."""
    found = CatalogueImport()
    skipped: dict[int, float] = {}
    with write_transaction(conn):
        before = conn.total_changes
        for chunk in _old_rows(path, now=now):
            _count(found, chunk)
            conn.executemany(INSERT_SQL, [row for row, _ in chunk])
            skipped |= {row[0]: row[24] for row, old in chunk if old == "skipped"}
        found.new = conn.total_changes - before
        if state is not None:
            found.state = _import_state(conn, state, found.state_notes, now=now)
        held = show_store.skips_of(conn, list(skipped))
        for tvmaze_id, at in skipped.items():
            if (
                tvmaze_id in held
                or show_store.skip_within(conn, tvmaze_id, SKIP_REASON, at).changed
            ):
                found.skipped += 1
            else:
                found.skipped_in_sonarr += 1
    return found


def _count(found: CatalogueImport, chunk: list[tuple[tuple[Any, ...] | None, str]]) -> None:
    for row, old in chunk:
        found.shows += 1
        if row is None:
            found.unreadable += 1
        else:
            found.by_status[old] = found.by_status.get(old, 0) + 1


def _old_rows(path: Path, *, now: float) -> Iterator[list[tuple[Any, str]]]:
    """The old rows in chunks, as (row for INSERT_SQL or None if unusable, old status)."""
    old = open_read_only(path)
    try:
        have = columns(old, "shows")
        select = ", ".join(name if name in have else "NULL" for name in OLD_COLUMNS)
        cursor = old.execute(f"SELECT {select} FROM shows ORDER BY tvmaze_id")
        while rows := cursor.fetchmany(CHUNK):
            yield [_converted(row, now) for row in rows]
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot read its shows: {exc}") from None
    finally:
        old.close()


def _converted(row: tuple[Any, ...], now: float) -> tuple[Any, str]:
    """One old row as arrkestra's (dates checked, genres as a JSON list, times as unix)."""
    values = dict(zip(OLD_COLUMNS, row, strict=True))
    old_status = str(values["processing_status"] or "pending")
    tvmaze_id = _integer(values["tvmaze_id"])
    if tvmaze_id is None:
        return None, old_status
    known = {s.value for s in ShowStatus}
    status = old_status if old_status in known else ShowStatus.PENDING.value
    converted = (
        tvmaze_id, _integer(values["tvdb_id"]), _text(values["imdb_id"]),
        _text(values["title"]) or f"TVMaze show {tvmaze_id}", _text(values["language"]),
        _text(values["country"]), _text(values["type"]), _text(values["status"]),
        _day(values["premiered"]), _day(values["ended"]), _text(values["network"]),
        _text(values["web_channel"]), _genres(values["genres"]), _integer(values["runtime"]),
        status, _text(values["filter_reason"]), _integer(values["sonarr_series_id"]),
        unix_time(values["added_to_sonarr_at"]), unix_time(values["last_checked"]),
        _integer(values["tvmaze_updated_at"]) or 0, unix_time(values["retry_after"]),
        _integer(values["retry_count"]) or 0, _text(values["error_message"]),
        unix_time(values["created_at"]) or now, unix_time(values["updated_at"]) or now,
    )  # fmt: skip
    return converted, old_status


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _text(value: Any) -> str | None:
    return None if value is None or str(value) == "" else str(value)


def _day(value: Any) -> str | None:
    """An ISO date (``2010-01-01``, or the date part of a timestamp); None otherwise."""
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _genres(value: Any) -> str:
    """The genres as arrkestra stores them: a JSON list of text."""
    if value is None:
        return "[]"
    try:
        decoded = json.loads(str(value))
    except ValueError:
        decoded = [part.strip() for part in str(value).split(",") if part.strip()]
    items = decoded if isinstance(decoded, list) else [decoded]
    return json.dumps([str(item) for item in items if item is not None])


def _state_values(state: Mapping[str, Any], notes: list[str]) -> dict[str, Any]:
    """TVMaze-Sync's state.json as arrkestra's discovery state rows."""
    times = {key: unix_time(state.get(key)) for key in (
        "last_full_sync", "last_incremental_sync", "last_updates_check")}  # fmt: skip
    values: dict[str, Any] = {}
    if times["last_full_sync"] is not None:
        values[STATE_KEYS.last_full_sync] = times["last_full_sync"]
    if times["last_incremental_sync"] is not None:
        values[STATE_KEYS.last_incremental_sync] = times["last_incremental_sync"]
    if times["last_updates_check"] is not None:
        values[STATE_KEYS.last_updates_check] = times["last_updates_check"]
    flags = [state[key] for key in COMPLETE_FLAGS if isinstance(state.get(key), bool)]
    done = flags[0] if flags else STATE_KEYS.last_full_sync in values
    values[STATE_KEYS.initial_complete] = done
    page = state.get("last_tvmaze_page")
    if isinstance(page, int) and not isinstance(page, bool) and page >= 0:
        values[STATE_KEYS.next_page] = page + 1
    covered = [t for t in (times["last_updates_check"], times["last_incremental_sync"]) if t]
    if covered:
        values[STATE_KEYS.last_success] = min(covered)
    elif times["last_full_sync"] is not None:  # a full sync's pages may be a day old
        values[STATE_KEYS.last_success] = times["last_full_sync"] - DAY
    for key in state:
        if key in STATE_NOT_KEPT:
            notes.append(f"{key}: {STATE_NOT_KEPT[key]}")
        elif key not in (*times, "last_tvmaze_page", *COMPLETE_FLAGS):
            notes.append(f"{key}: unknown to arrkestra, not kept")
    return values


def _import_state(
    conn: sqlite3.Connection, state: Mapping[str, Any], notes: list[str], *, now: float
) -> list[str]:
    """The checkpoints, unless arrkestra's catalogue has progress of its own."""
    values = _state_values(state, notes)
    current = show_store.read_state(conn)
    own = [key for key in (STATE_KEYS.next_page, STATE_KEYS.initial_complete) if current.get(key)]
    if own:
        notes.append(
            "checkpoints: arrkestra's catalogue has its own already (or an earlier import's): kept"
        )
        return []
    for key, value in values.items():
        state_store.put(conn, key, value, now=now)
    return sorted(values)
