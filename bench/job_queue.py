"""Job queue throughput on a real SQLite file (WAL, synchronous=FULL), printed as a table.

Measures: enqueue (one transaction each), and the worker running no-op jobs end to end
(claim + attempt row + lease + success transition), against a same-run baseline of bare
SQLite writes with the same pragmas (one INSERT per transaction): the floor any durable
queue on this disk pays. Usage: python bench/job_queue.py [--jobs N]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from arrkestra.core.job_kinds import JobResult
from arrkestra.core.jobs import Job, JobSpec, JsonObject
from arrkestra.core.retry import RetryPolicy
from arrkestra.runtime.clock import SystemClock
from arrkestra.runtime.metrics import Metrics
from arrkestra.runtime.worker import Pipeline, Worker
from arrkestra.store import jobs as job_store
from arrkestra.store.connection import connect, write_transaction
from arrkestra.store.database import Database


def baseline(path: Path, n: int) -> float:
    conn = connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    start = time.perf_counter()
    for i in range(n):
        with write_transaction(conn):
            conn.execute("INSERT INTO t (v) VALUES (?)", (str(i),))
    elapsed = time.perf_counter() - start
    conn.close()
    return n / elapsed


async def enqueue_rate(db: Database, n: int) -> float:
    clock = SystemClock()
    start = time.perf_counter()
    for i in range(n):
        await db.run(job_store.enqueue, JobSpec("bench", str(i), {"i": i}), now=clock.now())
    return n / (time.perf_counter() - start)


async def worker_rate(db: Database, n: int, concurrency: int) -> float:
    ran = 0
    all_ran = asyncio.Event()

    async def noop(job: Job, params: JsonObject, deps: None) -> JobResult:
        nonlocal ran
        ran += 1
        if ran == n:
            all_ran.set()
        return JobResult(outcome="done")

    pipeline = Pipeline("bench", dict, noop, None, concurrency, RetryPolicy())
    worker = Worker(
        db,
        {"bench": pipeline},
        clock=SystemClock(),
        rand=lambda: 0.5,
        owner="bench",
        lease=60,
        poll_interval=1,
        metrics=Metrics("bench"),
    )
    start = time.perf_counter()
    worker.start()
    await all_ran.wait()
    await worker.stop(60)  # lets the last transitions commit
    elapsed = time.perf_counter() - start
    done = (await db.run(job_store.count_by_pipeline_status)).get(("bench", "succeeded"), 0)
    assert done == n, f"only {done} of {n} jobs succeeded"
    return n / elapsed


async def main(n: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline(Path(tmp) / "baseline.db", n)
        rows.append(("baseline: bare INSERT, 1 commit each", base))
        for concurrency in (1, 8):
            db = Database.open(Path(tmp) / f"queue-{concurrency}.db")
            rows.append((f"enqueue (1 commit each), c={concurrency}", await enqueue_rate(db, n)))
            rows.append(
                (
                    f"worker: claim+run+succeed, c={concurrency}",
                    await worker_rate(db, n, concurrency),
                )
            )
            db.close()
    print(f"{'operation':<44} {'ops/s':>10} {'vs baseline':>12}")
    for name, rate in rows:
        print(f"{name:<44} {rate:>10.0f} {rate / base:>11.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    asyncio.run(main(parser.parse_args().jobs))
