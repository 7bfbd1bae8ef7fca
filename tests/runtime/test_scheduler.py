import asyncio
from zoneinfo import ZoneInfo

from arrkestra.runtime.scheduler import Scheduler


async def test_interval_tasks_run_and_failures_do_not_stop_them() -> None:
    scheduler = Scheduler(ZoneInfo("UTC"))
    runs: list[int] = []
    done = asyncio.Event()

    async def flaky() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError("first run fails")
        done.set()

    scheduler.every("flaky", 0.05, flaky, run_now=True)
    scheduler.start()
    try:
        await asyncio.wait_for(done.wait(), 10)
    finally:
        scheduler.shutdown()
    assert len(runs) >= 2


async def test_cron_tasks_know_their_next_run_in_their_timezone() -> None:
    scheduler = Scheduler(ZoneInfo("Europe/Berlin"))

    async def nightly() -> None:
        return None

    scheduler.cron("backup", "30 2 * * *", nightly)
    scheduler.start()
    try:
        next_run = scheduler.next_run("backup")
    finally:
        scheduler.shutdown()
    assert next_run is not None
    from datetime import datetime

    local = datetime.fromtimestamp(next_run, ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (2, 30)
    assert scheduler.task_names == ["backup"]
