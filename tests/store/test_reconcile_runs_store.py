"""Reconcile runs in the store: queued with their job, failed when their job fails."""

from __future__ import annotations

from pathlib import Path

from arrkestra.core import jobs as machine
from arrkestra.store import jobs as job_store
from arrkestra.store import reconcile_runs
from arrkestra.store.database import Database


def test_a_failed_job_fails_its_run_and_a_second_request_gets_the_waiting_run(
    tmp_path: Path,
) -> None:
    db = Database.open(tmp_path / "a.db")
    try:
        run, created = db.call(
            reconcile_runs.queue_run, trigger="api", dry_run=False, confirm=False, now=1.0
        )
        again, created_again = db.call(
            reconcile_runs.queue_run, trigger="cli", dry_run=False, confirm=False, now=2.0
        )
        assert created and not created_again and again.id == run.id  # one waiting run
        assert run.status == "queued" and run.job_id is not None
        db.call(reconcile_runs.mark_running, run.id, run.job_id, now=3.0)
        db.call(reconcile_runs.fail_run, run.id, "the disk went away", now=4.0)
        failed = db.call(reconcile_runs.get_run, run.id)
        assert failed.status == "failed" and failed.finished_at == 4.0
        assert failed.report.problems == ["the disk went away"]
        job = db.call(job_store.get_job, run.job_id)
        db.call(job_store.transition, job.id, lambda j: machine.cancel(j, now=5.0))
        assert [r.id for r in db.call(reconcile_runs.list_runs)] == [run.id]
    finally:
        db.close()
