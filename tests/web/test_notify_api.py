"""/test and /api/v1/notifications/test: a real message to a local Apprise receiver."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory

from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.loopback import LoopbackServer

HEADERS = {"X-Api-Key": API_KEY}


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[FakeNotify, LoopbackServer]]:
    notify = FakeNotify()
    with LoopbackServer(notify.app) as server:
        yield notify, server


def urls(server: LoopbackServer, *paths: str) -> list[str]:
    return [f"json://127.0.0.1:{server.port}{path}" for path in paths]


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/api/v1/notifications/test"), ("GET", "/test")]
)
async def test_a_test_message_reaches_the_primary_url(
    running_app: AppFactory, receiver: Any, method: str, path: str
) -> None:
    notify, server = receiver
    before = len(notify.received("/primary"))
    async with running_app(notifications={"urls": urls(server, "/primary")}) as r:
        answer = await r.client.request(method, path, headers=HEADERS)
    assert answer.status_code == 200
    assert answer.json() == {"sent": ["json://***"], "failed": [], "used_fallback": False}
    (message,) = notify.received("/primary")[before:]
    assert message.title == "arrkestra: test notification"
    assert str(server.port) not in answer.text  # URLs only as redacted labels


async def test_the_fallback_takes_it_when_the_primary_fails(
    running_app: AppFactory, receiver: Any
) -> None:
    notify, server = receiver
    notify.fail("/down")
    sections = {"urls": urls(server, "/down"), "fallback_urls": urls(server, "/backup")}
    before = len(notify.received("/backup"))
    try:
        async with running_app(notifications=sections) as r:
            answer = await r.client.post("/test", headers=HEADERS)
    finally:
        notify.fail("/down", False)
    assert answer.status_code == 200 and answer.json()["used_fallback"] is True
    assert answer.json()["failed"] == ["json://***"]
    assert len(notify.received("/backup")[before:]) == 1


async def test_every_url_failing_is_a_502(running_app: AppFactory, receiver: Any) -> None:
    notify, server = receiver
    notify.fail("/down")
    try:
        async with running_app(notifications={"urls": urls(server, "/down")}) as r:
            answer = await r.client.post("/test", headers=HEADERS)
    finally:
        notify.fail("/down", False)
    assert answer.status_code == 502 and answer.json()["sent"] == []


async def test_without_urls_it_says_what_to_configure(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post("/test", headers=HEADERS)
    assert answer.status_code == 409 and "notifications.urls" in answer.json()["detail"]


async def test_it_needs_credentials(running_app: AppFactory, receiver: Any) -> None:
    notify, server = receiver
    before = len(notify.received())
    async with running_app(notifications={"urls": urls(server, "/primary")}) as r:
        answer = await r.client.post("/test")
    assert answer.status_code == 401 and len(notify.received()) == before


async def test_the_daily_summary_on_demand_lists_counts_failures_and_attention(
    running_app: AppFactory, receiver: Any
) -> None:
    from arrkestra.core.jobs import JobSpec
    from arrkestra.store import jobs as job_store

    notify, server = receiver
    before = len(notify.received("/primary"))
    async with running_app(notifications={"urls": urls(server, "/primary")}) as r:
        db, now = r.services.db, r.services.clock.now()
        params = {
            "instance": "sonarr.hd",
            "library_path": "/tv/Severance/Season 01/Severance - S01E01.mkv",
            "title": "Severance",
            "season": 1,
            "episodes": [1],
        }
        done, _ = await db.run(job_store.enqueue, JobSpec("mirror", "a", params), now=now)
        dead, _ = await db.run(
            job_store.enqueue, JobSpec(
                "mirror",
                "b",
                {"title": "Dune", "instance": "radarr.hd", "library_path": "/movies/Dune.mkv"},
            ),
            now=now,
        )  # fmt: skip

        def finish(conn: Any) -> None:
            result = '{"outcome": "copied", "bytes_transferred": 3221225472}'
            conn.execute(
                "UPDATE jobs SET status = 'succeeded', result = ?, finished_at = ? WHERE id = ?",
                (result, now, done.id),
            )
            conn.execute(
                "UPDATE jobs SET status = 'dead', last_error = 'rsync: No space left on device',"
                " finished_at = ? WHERE id = ?",
                (now, dead.id),
            )

        await db.run(finish)
        answer = await r.client.post("/summary/send", headers=HEADERS)
    assert answer.status_code == 200, answer.text
    (message,) = notify.received("/primary")[before:]
    assert message.title.startswith("arrkestra: daily summary")
    assert "1 episode(s), 0 movie(s), 3.0 GB" in message.message
    assert "Needs attention (1 job(s) gave up)" in message.message
    assert "Dune: rsync: No space left on device" in message.message
