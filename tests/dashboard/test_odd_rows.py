"""Rows the dashboard cannot read as it expects (an older version's, or edited by hand)
never break a page: each page still answers, in HTML, and says what it can."""

from __future__ import annotations

import sqlite3

from tests.dashboard.dashboard_client import csrf_of, log_in
from tests.web.conftest import AppFactory, running_app

from arrkestra.runtime.clock import ManualClock
from arrkestra.store.connection import write_transaction

__all__ = ["running_app"]

DEEP = '{"eventType": "Download", "series": {"title": "Deep"}, "x": ' + "[" * 950 + "]" * 950 + "}"


def odd_rows(conn: sqlite3.Connection) -> None:
    with write_transaction(conn):
        conn.executemany(
            "INSERT INTO events (id, source, instance, event_type, received_at, body, dedupe_key,"
            " routed_to) VALUES (?, 'sonarr', 'default', 'Download', 1.0, ?, ?, ?)",
            [
                (1, DEEP, "a", "[]"),
                (2, "not json", "b", "garbage"),
                (3, '{"x": NaN}', "c", "[]"),
                (4, '{"eventType": "Download", "series": {"title": "Deep"}}', "d", "garbage"),
            ],
        )
        conn.executemany(
            "INSERT INTO jobs (id, pipeline, key, params, status, created_at, updated_at,"
            " next_attempt_at, result, event_id) VALUES (?, ?, ?, ?, ?, 1, 1, 1, ?, 1)",
            [
                (1, "mirror", "k1", "[1, 2]", "succeeded", '"x"'),
                (2, "retired_pipeline", "k2", '{"title": "Deep"}', "pending", None),
                (3, "cleanup", "k3", '{"title": "Deep", "media_type": "tv"}', "dead", "[]"),
            ],
        )
        conn.execute(
            "INSERT INTO reconcile_runs (id, status, trigger, started_at, report)"
            " VALUES (1, 'done', 'api', 1.0, 'not json')"
        )


async def test_every_page_answers_over_rows_it_cannot_read(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await app.services.db.run(odd_rows)
        await log_in(app.client)
        for path in (
            "/ui/",
            "/ui/jobs",
            "/ui/jobs?pipeline=retired_pipeline",
            "/ui/jobs/1",
            "/ui/jobs/2",
            "/ui/jobs/3",
            "/ui/events",
            "/ui/events/1",
            "/ui/events/2",
            "/ui/events/3",
            "/ui/titles?q=deep",
            "/ui/titles/series/Deep",
            "/ui/reconcile",
            "/ui/reconcile/1",
        ):
            answer = await app.client.get(path, follow_redirects=True)
            assert answer.status_code == 200, (path, answer.text[:500])
            assert answer.headers["content-type"].startswith("text/html"), path
        report = await app.client.get("/ui/reconcile/1")
        assert "the stored report could not be read" in report.text


async def test_an_event_whose_body_is_no_json_is_not_offered_for_replay(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await app.services.db.run(odd_rows)
        token = await log_in(app.client)
        page = await app.client.get("/ui/events/2")
        assert "/ui/events/2/replay" not in page.text
        assert csrf_of(page.text) == token
        # a replay asked for anyway (an old tab, a script) says why it cannot be done
        answer = await app.client.post(
            "/ui/events/2/replay", data={"csrf_token": token}, follow_redirects=True
        )
        assert answer.status_code == 200
        assert "its body is not JSON arrkestra reads today" in answer.text
        api = await app.client.post(
            "/api/v1/events/2/replay", headers={"X-Api-Key": "test-api-key-0123456789"}
        )
        assert api.status_code == 409


async def test_a_bug_under_ui_is_an_html_page_with_its_correlation_id(
    running_app: AppFactory,
) -> None:
    """A row that breaks what the page expects in a way no check foresaw: still a page."""
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)

        def drop_jobs(conn: sqlite3.Connection) -> None:
            conn.execute("ALTER TABLE jobs RENAME TO jobs_gone")  # every jobs query fails

        await app.services.db.run(drop_jobs)
        answer = await app.client.get("/ui/jobs")
        assert answer.status_code == 500
        assert answer.headers["content-type"].startswith("text/html")
        correlation = answer.headers["x-correlation-id"]
        assert correlation in answer.text
        assert "Traceback" not in answer.text
        api = await app.client.get("/api/v1/jobs", headers={"X-Api-Key": "test-api-key-0123456789"})
        assert api.status_code == 500
        assert api.json()["error"] == "internal_server_error"

        def restore(conn: sqlite3.Connection) -> None:
            conn.execute("ALTER TABLE jobs_gone RENAME TO jobs")

        await app.services.db.run(restore)
