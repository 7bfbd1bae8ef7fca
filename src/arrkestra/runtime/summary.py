"""The daily summary: what the mirror did in the last day, and what needs attention.

sync-webhook sent it at 00:05: counts, movies and episodes synced, bytes, up to five
failed titles and a "needs attention" list (jobs that gave up). It goes out at
``notifications.daily_summary.at`` in its ``timezone``, and on demand through
``/summary/send``. "Today" (``/stats``' ``today_*``) starts at midnight in that zone.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from arrkestra.adapters.notify import Delivery, Message, Notifier
from arrkestra.config import Settings
from arrkestra.pipelines.mirror.messages import human_bytes
from arrkestra.runtime.capabilities.contract import Cron
from arrkestra.runtime.clock import Clock
from arrkestra.store.database import Database
from arrkestra.store.mirror_stats import MirrorStats, mirror_stats

DAY = 86_400.0
SUMMARY_TASK = "notifications.daily_summary"


def summary_zone(settings: Settings) -> ZoneInfo:
    """ "Today" is the daily summary's day, so its counts and ``/stats`` agree."""
    summary = settings.notifications.daily_summary
    return ZoneInfo(summary.timezone if summary is not None else settings.storage.timezone)


def day_start(now: float, zone: ZoneInfo) -> float:
    """Unix time of the last local midnight in ``zone`` at ``now``."""
    local = datetime.fromtimestamp(now, zone)
    return datetime.combine(local.date(), time(), zone).timestamp()


async def read_stats(
    db: Database,
    clock: Clock,
    settings: Settings,
    *,
    since: float | None = None,
    failed_limit: int = 5,
    attention_limit: int = 20,
) -> tuple[MirrorStats, float]:
    """The mirror stats now, and the ``day_start`` their ``today_*`` counts start at."""
    start = day_start(clock.now(), summary_zone(settings))
    stats = await db.run(
        mirror_stats,
        day_start=start,
        since=since,
        failed_limit=failed_limit,
        attention_limit=attention_limit,
    )
    return stats, start


def summary_message(stats: MirrorStats, *, day: str) -> Message:
    """The summary of a day's mirror work (``stats`` limited to that day)."""
    lines = [
        f"Mirrored: {stats.episodes_synced} episode(s), {stats.movies_synced} movie(s), "
        f"{human_bytes(stats.bytes_transferred)}",
        f"Succeeded: {stats.total_successful} · Failed: {stats.total_failed}"
        + (f" · Retrying: {stats.retrying}" if stats.retrying else ""),
    ]
    if stats.recent_failures:
        lines.append("Failed:")
        lines.extend(f"- {job.title}" for job in stats.recent_failures)
    if stats.needs_attention:
        lines.append(f"Needs attention ({len(stats.needs_attention)} job(s) gave up):")
        lines.extend(
            f"- #{job.id} {job.title}: {first_line(job.error)}" for job in stats.needs_attention
        )
    return Message(f"arrkestra: daily summary {day}", "\n".join(lines))


def first_line(error: str | None, limit: int = 120) -> str:
    return (error or "").strip().split("\n", 1)[0][:limit]


async def send_summary(
    db: Database, clock: Clock, settings: Settings, notifier: Notifier
) -> Delivery:
    """Summarise the last 24 hours and send it (the scheduled task and ``/summary/send``)."""
    now = clock.now()
    stats, _ = await read_stats(
        db, clock, settings, since=now - DAY, failed_limit=5, attention_limit=10
    )
    day = datetime.fromtimestamp(now - DAY / 2, summary_zone(settings)).date()
    message = summary_message(stats, day=day.isoformat())
    return await notifier.send(message)


def summary_task(settings: Settings, db: Database, clock: Clock, notifier: Notifier) -> Cron | None:
    """The daily summary at ``notifications.daily_summary.at`` (None: not wanted, or no
    notification URL to send it to)."""
    summary = settings.notifications.daily_summary
    if summary is None or not notifier.enabled:
        return None
    hour, minute = (int(part) for part in summary.at.split(":"))

    async def send() -> None:
        await send_summary(db, clock, settings, notifier)

    return Cron(SUMMARY_TASK, f"{minute} {hour} * * *", send, timezone=ZoneInfo(summary.timezone))
