"""The composition root on real files: start-up checks that must stop a daemon."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import base_config, write_config

from arrkestra.config import load_settings
from arrkestra.core.jobs import JobSpec, JobStatus
from arrkestra.runtime.housekeeping import run_backup
from arrkestra.runtime.services import open_services
from arrkestra.store import jobs as job_store
from arrkestra.store.connection import StoreError
from arrkestra.store.lock import DatabaseLock


def settings_for(tmp_path: Path, **sections: object):  # type: ignore[no-untyped-def]
    return load_settings(write_config(tmp_path, base_config(tmp_path, **sections)), {})


def test_only_one_daemon_per_database(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = open_services(settings, daemon=True)
    try:
        with pytest.raises(StoreError, match="already using"):
            open_services(settings, daemon=True)
        cli = open_services(settings, daemon=False)  # the CLI may read beside a running daemon
        cli.close()
    finally:
        first.close()
    open_services(settings, daemon=True).close()  # free again once the first is gone


async def test_a_damaged_database_stops_start_up_and_names_the_newest_backup(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    services = open_services(settings, daemon=True)
    await services.queue.enqueue(JobSpec("mirror", "k", {}))
    backup = await run_backup(settings, services.db)
    services.close()
    db_file = settings.storage.db_file
    raw = bytearray(db_file.read_bytes())
    page = 4096
    for root in range(1, len(raw) // page):  # invalid b-tree page types in every page header
        raw[root * page : root * page + 8] = b"\xa5" * 8
    db_file.write_bytes(bytes(raw))
    with pytest.raises(StoreError) as caught:
        open_services(settings, daemon=True)
    message = str(caught.value)
    assert str(backup.path) in message and "damaged" in message
    lock = DatabaseLock(db_file)  # the lock was released when start-up refused
    lock.acquire()
    lock.release()


def test_start_up_returns_jobs_left_running_to_pending(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    first = open_services(settings, daemon=True)
    job, _ = first.db.call(job_store.enqueue, JobSpec("cleanup", "k", {}), now=1.0)
    first.db.call(job_store.claim_next, ["cleanup"], now=1.0, owner="dead-process", lease=3600)
    first.close()
    second = open_services(settings, daemon=True)
    try:
        recovered = second.db.call(job_store.get_job, job.id)
    finally:
        second.close()
    assert recovered.status is JobStatus.PENDING and recovered.lease_owner is None


def test_pipelines_exist_only_when_configured(tmp_path: Path) -> None:
    plain = open_services(settings_for(tmp_path), daemon=True)
    assert dict(plain.worker.pipelines) == {}
    plain.close()
    cleanup = {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "overseerr": {"url": "http://overseerr:5055", "poll_interval": "1m"},
    }
    configured = open_services(settings_for(tmp_path, **cleanup), daemon=True)
    assert set(configured.worker.pipelines) == {"cleanup"}
    assert configured.scheduler.task_names == [
        "queue.reclaim",
        "events.prune",
        "store.backup",
        "store.integrity",
        "store.probe",
        "overseerr.health",
    ]
    configured.close()


def test_jobs_waiting_for_a_pipeline_that_no_longer_runs_are_named(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path)
    first = open_services(settings, daemon=True)
    for key in ("a", "b"):
        first.db.call(job_store.enqueue, JobSpec("cleanup", key, {}), now=1.0)
    first.close()
    with caplog.at_level("WARNING", logger="arrkestra"):
        again = open_services(settings, daemon=True)  # no overseerr: cleanup does not run
    try:
        notes = list(again.health.notes)
    finally:
        again.close()
    assert "jobs waiting for pipelines that do not run: 2 cleanup" in notes
    assert "2 cleanup" in caplog.text and "configured again" in caplog.text
