"""``arrkestra migrate`` with TVMaze-Sync's shows.db and state.json: the catalogue, its
statuses and checkpoints come over, shows skipped by hand stay skipped, and discovery goes
on from where TVMaze-Sync was (fake TVMaze and Sonarr on loopback, the real services)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from tests.conftest import base_config, write_config
from tests.migrate.legacy_rig import build_shows_db, copy_fixture, migrate, show_row
from tests.runtime.discovery_rig import Rig, cycle, shows
from tests.web.conftest import AppFactory

OLD_SHOWS = [
    show_row(1, "filtered", filter_reason="genre Reality is excluded", genres='["Reality"]'),
    show_row(2, "pending_tvdb", tvdb_id=None, retry_after="2025-01-22T10:00:00", retry_count=1),
    show_row(3, "added", sonarr_series_id=77, added_to_sonarr_at="2025-01-10 08:00:00"),
    show_row(4, "skipped", updated_at="2025-01-12 09:00:00"),
    show_row(5, "pending"),
    show_row(6, "exists", premiered="not a date", genres="Drama, Comedy"),
]


def database(tmp_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(tmp_path / "data" / "arrkestra.db")


def state_of(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute("SELECT key, value FROM state WHERE key LIKE 'discovery.%'")
    return {key: json.loads(value) for key, value in rows}


def test_shows_statuses_skips_and_checkpoints_come_over_once(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    old = build_shows_db(tmp_path / "shows.db", OLD_SHOWS)
    state_file = copy_fixture(tmp_path, "tvmaze-sync-state.json")
    first = migrate(old, state_file, "--config", config)
    assert first.exit_code == 0, first.output
    assert f"{old}: TVMaze-Sync shows.db" in first.output
    assert "imported shows.db: 6 shows (6 new, 0 already in the catalogue)" in first.output
    assert "1 skipped by hand in TVMaze-Sync: skipped by hand here too" in first.output
    assert "not kept: last_filter_hash: arrkestra fingerprints its filters" in first.output
    assert not (tmp_path / "arrkestra.yaml").exists()  # no settings given: no file written

    conn = database(tmp_path)
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT tvmaze_id, processing_status, filter_reason, tvdb_id, sonarr_series_id, "
        "retry_count, premiered, genres FROM shows")}  # fmt: skip
    assert {i: r[0] for i, r in rows.items()} == {
        1: "filtered", 2: "pending_tvdb", 3: "added", 4: "skipped", 5: "pending", 6: "exists"
    }  # fmt: skip
    assert rows[1][1] == "genre Reality is excluded" and rows[3][3] == 77 and rows[2][4] == 1
    assert rows[4][1] == "skipped by hand: skipped in TVMaze-Sync"
    assert rows[6][5:] == (None, '["Drama", "Comedy"]')  # an unusable date is left out
    assert conn.execute("SELECT tvmaze_id, reason FROM show_skips").fetchall() == [
        (4, "skipped in TVMaze-Sync")
    ]
    state = state_of(conn)
    assert state["discovery.initial_complete"] is True
    assert state["discovery.next_page"] == 281
    assert state["discovery.last_success"] == 1736935200.0  # the last updates check
    assert "discovery.filter_hash" not in state  # the first cycle re-judges locally

    again = migrate(old, state_file, "--config", config)
    assert again.exit_code == 0, again.output
    assert "imported shows.db: 6 shows (0 new, 6 already in the catalogue)" in again.output
    assert "checkpoints: arrkestra's catalogue has its own already" in again.output
    assert conn.execute("SELECT COUNT(*) FROM shows").fetchone()[0] == 6
    assert conn.execute("SELECT COUNT(*) FROM show_skips").fetchone()[0] == 1
    assert state_of(conn) == state
    conn.close()


def test_checkpoints_without_their_shows_are_not_imported(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_config(tmp_path), name="mine.yaml")
    answer = migrate(copy_fixture(tmp_path, "tvmaze-sync-state.json"), "--config", config)
    assert answer.exit_code == 0, answer.output
    assert "not imported: tvmaze-sync-state.json: its checkpoints describe the shows" in (
        answer.output
    )
    conn = database(tmp_path)
    assert state_of(conn) == {}
    conn.close()


async def test_discovery_goes_on_from_the_old_checkpoint_and_never_adds_a_skipped_show(
    tmp_path: Path, running_app: AppFactory, rig: Rig
) -> None:
    for tvmaze_id in (1, 2, 3):
        rig.show(tvmaze_id, f"Show {tvmaze_id}")
    updated = int(rig.clock.now)
    old = build_shows_db(
        tmp_path / "shows.db",
        [
            show_row(1, "added", tvmaze_updated_at=updated),
            show_row(2, "skipped", tvmaze_updated_at=updated),
            show_row(3, "pending", tvmaze_updated_at=updated),
        ],
    )
    now = time.time()
    iso = lambda at: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))  # noqa: E731
    state = tmp_path / "state.json"
    state.write_text(json.dumps({
        "last_full_sync": iso(now - 2 * 86400), "last_incremental_sync": iso(now - 3600),
        "last_updates_check": iso(now - 3600), "last_tvmaze_page": 0,
    }))  # fmt: skip
    config = write_config(tmp_path, base_config(tmp_path, **rig.sections()), name="mine.yaml")
    assert migrate(old, state, "--config", config).exit_code == 0

    async with running_app(**rig.sections()) as r:
        first = await cycle(r)
        rig.clock.now += 3600
        rig.catalogue.update(2, name="Show 2 (renamed)")  # TVMaze changes the skipped show
        second = await cycle(r)
        (skipped,) = await shows(r, "skipped")
    assert first["result"]["mode"] == "incremental"  # not the index again from page 0
    assert first["result"]["pages"] == 0 and first["result"]["requests"] == 1
    assert second["result"]["mode"] == "incremental" and second["result"]["shows_saved"] == 1
    assert rig.added_tvdb_ids() == [100_003]  # the pending one; never the skipped one
    assert skipped["tvmaze_id"] == 2 and skipped["title"] == "Show 2 (renamed)"
    assert skipped["skipped_by_hand"] is True
