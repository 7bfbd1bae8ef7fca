"""The daily summary: scheduled at the configured time and zone, worded like sync-webhook's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import base_config, write_config

from arrkestra.config import load_settings
from arrkestra.runtime.services import open_services
from arrkestra.runtime.summary import SUMMARY_TASK, day_start, summary_message
from arrkestra.store.mirror_stats import FailedJob, MirrorStats


def services_with(tmp_path: Path, **notifications: object):  # type: ignore[no-untyped-def]
    config = base_config(tmp_path, notifications=notifications)
    return open_services(load_settings(write_config(tmp_path, config), {}), daemon=True)


async def test_the_summary_runs_at_its_time_in_its_zone(tmp_path: Path) -> None:
    services = services_with(
        tmp_path,
        urls=["json://127.0.0.1:9/x"],
        daily_summary={"at": "06:30", "timezone": "Europe/Paris"},
    )
    try:
        await services.start()
        at = services.scheduler.next_run(SUMMARY_TASK)
    finally:
        await services.stop()
    assert at is not None
    local = datetime.fromtimestamp(at, ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (6, 30)


def test_no_summary_without_urls_or_when_switched_off(tmp_path: Path) -> None:
    for sections in ({}, {"urls": ["json://127.0.0.1:9/x"], "daily_summary": None}):
        folder = tmp_path / str(len(sections))
        folder.mkdir()
        services = services_with(folder, **sections)
        try:
            assert SUMMARY_TASK not in services.scheduler.task_names
        finally:
            services.close()


def test_the_message_lists_counts_up_to_five_failures_and_what_needs_attention() -> None:
    failed = tuple(FailedJob(n, f"Title {n}", "failed", "err", 0.0) for n in range(5))
    stats = MirrorStats(
        movies_synced=2, episodes_synced=10, failures=1, bytes_transferred=150_000_000_000,
        total_successful=12, total_failed=6, today_successful=12, today_failed=6, retrying=5,
        recent_failures=failed,
        needs_attention=(FailedJob(9, "Dune", "dead", "rsync exit 23\nmore", 0.0),),
    )  # fmt: skip
    message = summary_message(stats, day="2026-11-22")
    assert message.title == "arrkestra: daily summary 2026-11-22"
    assert "10 episode(s), 2 movie(s), 139.7 GB" in message.body
    assert "Succeeded: 12 · Failed: 6 · Retrying: 5" in message.body
    assert [line for line in message.body.splitlines() if line.startswith("- Title")] == [
        f"- Title {n}" for n in range(5)
    ]
    assert "- #9 Dune: rsync exit 23" in message.body and "more" not in message.body


def test_today_starts_at_local_midnight() -> None:
    zone = ZoneInfo("America/New_York")
    noon = datetime(2026, 7, 1, 12, tzinfo=zone).timestamp()
    assert day_start(noon, zone) == datetime(2026, 7, 1, tzinfo=zone).timestamp()
