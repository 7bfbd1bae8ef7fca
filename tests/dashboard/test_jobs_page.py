"""``/ui/jobs`` and ``/ui/jobs/{id}``: filters, search, paging, a job told whole with its
attempts, live progress, and the Retry / Cancel buttons as a browser posts them."""

from __future__ import annotations

import re
from typing import Any

import httpx
from tests.conftest import API_KEY
from tests.dashboard.dashboard_client import log_in
from tests.web.conftest import OVERSEERR_KEY, AppFactory, cleanup_sections, overseerr, running_app

from arrkestra.core import jobs as machine
from arrkestra.core.job_kinds import CleanupParams, CopyParams, ScanParams
from arrkestra.core.jobs import FailureKind, JobSpec, JobStatus
from arrkestra.core.retry import RetryPolicy
from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import Services
from arrkestra.store import jobs as job_store
from arrkestra.store.connection import write_transaction
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer
from arrkestra.web.dashboard.jobs import SEARCH_WINDOW

__all__ = ["overseerr", "running_app"]

URL_PASSWORD = "url-pass-0123456789"
LINK = re.compile(r'<td class="num"><a href="/ui/jobs/(\d+)">')


def listed(html: str) -> list[int]:
    """The job ids a list page shows, in order."""
    return [int(found) for found in LINK.findall(html)]


def movie_delete(tmdb: int, title: str) -> dict[str, Any]:
    return {"eventType": "MovieDelete", "movie": {"id": tmdb, "tmdbId": tmdb, "title": title}}


def failing_cleanup(server: LoopbackServer, attempts: int = 2) -> dict[str, Any]:
    """Cleanup against the fake Overseerr, reached with a password in its URL."""
    sections = cleanup_sections(server)
    sections["overseerr"]["url"] = server.url.replace("http://", f"http://arr:{URL_PASSWORD}@")
    sections["cleanup"] = {"retry": {"max_attempts": attempts}}
    return sections


async def enqueue(services: Services, *specs: Any) -> list[int]:
    return [(await services.queue.enqueue(p.spec()))[0].id for p in specs]


async def test_the_list_shows_what_each_job_is_about_and_the_filters_narrow_it(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        amelie, show, scan, severance = await enqueue(
            app.services,
            CopyParams(
                instance="radarr.hd", library_path="/m/Amélie.mkv", title="Amélie", year=2001
            ),
            CopyParams(
                instance="sonarr.hd",
                library_path="/tv/S/e.mkv",
                title="The Show",
                season=1,
                episodes=[2],
            ),
            ScanParams(folder="/data/tv/The Show/Season 01"),
            CleanupParams(media_type="tv", instance="sonarr.hd", tvdb_id=7, title="Severance"),
        )
        await app.services.queue.cancel(scan)

        every = await app.client.get("/ui/jobs")
        assert every.status_code == 200
        assert listed(every.text) == [severance, scan, show, amelie]
        for said in ("&#34;Amélie (2001)&#34;", "&#34;The Show S01E02&#34;", "s-cancelled"):
            assert said in every.text

        async def shown(**query: str) -> list[int]:
            page = await app.client.get("/ui/jobs", params=query)
            assert page.status_code == 200, page.text
            return listed(page.text)

        assert await shown(pipeline="mirror") == [show, amelie]
        assert await shown(status="cancelled") == [scan]
        assert await shown(instance="sonarr.hd") == [severance, show]
        assert await shown(instance="sonarr.hd", pipeline="cleanup") == [severance]
        assert await shown(q="amélie") == [amelie]
        assert await shown(q="AMÉLIE") == [amelie]
        assert await shown(q="season 01") == [scan]
        assert await shown(q="nothing like it") == []
        assert await shown(pipeline="", status="", instance="", q="") == listed(every.text)
        kept = await app.client.get("/ui/jobs", params={"pipeline": "mirror", "q": "show"})
        assert '<option value="mirror" selected>' in kept.text
        assert 'name="q" value="show"' in kept.text
        assert 'name="back" value="/ui/jobs?pipeline=mirror&amp;q=show"' in kept.text
        gone = await app.client.get("/ui/jobs", params={"instance": "sonarr.old"})
        assert '<option value="sonarr.old" selected>' in gone.text  # an instance since removed
        assert "No job matches these filters" in gone.text


async def test_older_pages_follow_the_id_cursor(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        ids = await enqueue(app.services, *(ScanParams(folder=f"/tv/S{i}") for i in range(53)))
        first = await app.client.get("/ui/jobs", params={"pipeline": "plex_scan"})
        assert listed(first.text) == ids[::-1][:50]
        older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first.text)
        assert older is not None
        assert older.group(1) == f"/ui/jobs?pipeline=plex_scan&amp;before={ids[3]}"
        second = await app.client.get(older.group(1).replace("&amp;", "&"))
        assert listed(second.text) == ids[2::-1]
        assert 'rel="next"' not in second.text
        assert '<a href="/ui/jobs?pipeline=plex_scan">Newest</a>' in second.text
        none = await app.client.get("/ui/jobs", params={"before": ids[0]})
        assert "No older jobs" in none.text


async def test_bad_addresses_are_html_error_pages(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        for path, status in (
            ("/ui/jobs?status=exploded", 400),
            ("/ui/jobs?pipeline=No%20Such", 400),
            ("/ui/jobs?before=abc", 400),
            ("/ui/jobs?before=0", 400),
            ("/ui/jobs?done=whatever", 400),
            ("/ui/jobs?count=-1", 400),
            ("/ui/jobs?q=" + "x" * 201, 400),
            ("/ui/jobs/abc", 400),
            ("/ui/jobs/9223372036854775808", 400),
            ("/ui/jobs/999", 404),
            ("/ui/jobs/999/now", 404),
        ):
            answer = await app.client.get(path)
            assert answer.status_code == status, path
            assert answer.headers["content-type"].startswith("text/html"), path
            assert 'class="flash error"' in answer.text, path
            assert "Traceback" not in answer.text


async def test_a_dead_job_shows_every_attempt_then_is_retried_from_its_page(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    media = fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    async with running_app(background=False, **failing_cleanup(server)) as app:
        token = await log_in(app.client)
        fake.fail_with = 500
        created = await app.client.post("/webhook/radarr/hd", json=movie_delete(603, "The Matrix"))
        (job_id,) = created.json()["jobs"]
        event_id = created.json()["event_id"]
        assert await app.services.worker.run_until_idle() == 2

        page = await app.client.get(f"/ui/jobs/{job_id}")
        assert page.status_code == 200
        text = page.text
        assert "Asked to remove &#34;The Matrix&#34; from Overseerr." in text
        assert "Could not remove &#34;The Matrix&#34; from Overseerr: gave up after 2" in text
        attempts = text[text.index("<h2>Attempts</h2>") : text.index("<h2>Params</h2>")]
        assert attempts.count("/api/v1/movie/603: HTTP 500") == 2
        assert "s-failed" in attempts and "s-dead" in attempts
        assert f'<a href="/ui/events/{event_id}">event {event_id}</a>' in text
        assert '<a href="/ui/titles?q=The%20Matrix">The Matrix</a>' in text
        assert "&#34;tmdb_id&#34;: 603" in text  # the params, pretty-printed
        assert URL_PASSWORD not in text and OVERSEERR_KEY not in text and API_KEY not in text
        assert "http://arr:***@" in text
        assert f'action="/ui/jobs/{job_id}/retry"' in text
        assert f'action="/ui/jobs/{job_id}/cancel"' not in text  # dead: nothing to cancel

        fake.fail_with = None
        back = f"/ui/jobs/{job_id}"
        retried = await app.client.post(
            f"/ui/jobs/{job_id}/retry", data={"csrf_token": token, "back": back}
        )
        assert retried.status_code == 303
        assert retried.headers["location"] == f"/ui/jobs/{job_id}?done=retried"
        assert await app.services.worker.run_until_idle() == 1
        done = await app.client.get(retried.headers["location"])
        assert "Queued again: the job runs as soon as a worker is free." in done.text
        assert "s-succeeded" in done.text
        assert "Removed &#34;The Matrix&#34; from Overseerr" in done.text
        assert done.text.count('<td class="num">') == 3  # three attempts, the last one won
    assert not fake.has_media(media)


async def test_retry_and_cancel_need_the_token_and_a_stale_button_says_so(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    _, server = overseerr
    async with running_app(background=False, **cleanup_sections(server)) as app:
        token = await log_in(app.client)
        await app.services.queue.pause("cleanup", "kept pending for the test")
        created = await app.client.post("/webhook/radarr/hd", json=movie_delete(1, "Film"))
        (job_id,) = created.json()["jobs"]

        async def status() -> JobStatus:
            return (await app.services.queue.get(job_id))[0].status

        cancel = f"/ui/jobs/{job_id}/cancel"
        assert (await app.client.post(cancel)).status_code == 403
        assert (await app.client.post(cancel, data={"csrf_token": "forged"})).status_code == 403
        cross = await app.client.post(
            cancel,
            data={"csrf_token": token},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        assert await status() is JobStatus.PENDING

        back = "/ui/jobs?pipeline=cleanup&done=retried"
        answer = await app.client.post(cancel, data={"csrf_token": token, "back": back})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/jobs?pipeline=cleanup&done=cancelled"
        assert await status() is JobStatus.CANCELLED
        listing = await app.client.get(answer.headers["location"])
        assert '<p class="flash" role="status">Cancelled.</p>' in listing.text
        assert f'action="/ui/jobs/{job_id}/retry"' in listing.text

        again = await app.client.post(cancel, data={"csrf_token": token, "back": back})
        assert again.headers["location"] == "/ui/jobs?pipeline=cleanup&done=cancel_refused"
        refused = await app.client.get(again.headers["location"])
        assert refused.status_code == 200
        assert 'class="flash error"' in refused.text and "cannot be cancelled now" in refused.text

        evil = await app.client.post(
            f"/ui/jobs/{job_id}/retry", data={"csrf_token": token, "back": "https://evil.example/"}
        )
        assert evil.headers["location"] == "/ui/?done=retried"
        assert await status() is JobStatus.PENDING
        plain = await app.client.post(f"/ui/jobs/{job_id}/retry", data={"csrf_token": token})
        assert plain.headers["location"] == f"/ui/jobs/{job_id}?done=retry_refused"
        missing = await app.client.post("/ui/jobs/999/retry", data={"csrf_token": token})
        assert missing.status_code == 404 and "there is no job 999" in missing.text


async def test_retry_all_failed_queues_the_dead_jobs_again(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    fake, server = overseerr
    async with running_app(background=False, **failing_cleanup(server, attempts=1)) as app:
        token = await log_in(app.client)
        fake.fail_with = 500
        for tmdb in (1, 2):
            await app.client.post("/webhook/radarr/hd", json=movie_delete(tmdb, f"Film {tmdb}"))
        assert await app.services.worker.run_until_idle() == 2
        dead = await app.client.get("/ui/jobs", params={"status": "dead"})
        assert len(listed(dead.text)) == 2
        answer = await app.client.post(
            "/ui/jobs/retry-failed", data={"csrf_token": token, "back": "/ui/jobs?status=dead"}
        )
        assert answer.headers["location"] == "/ui/jobs?status=dead&done=retried_all&count=2"
        page = await app.client.get(answer.headers["location"])
        assert "Queued again: 2 failed or dead job(s) of the last 24 h." in page.text
        assert listed(page.text) == []
        assert len(listed((await app.client.get("/ui/jobs?status=pending")).text)) == 2
        assert (await app.client.post("/ui/jobs/retry-failed")).status_code == 403


async def test_a_running_copy_shows_its_live_progress(running_app: AppFactory) -> None:
    clock = ManualClock()
    async with running_app(background=False, clock=clock) as app:
        await log_in(app.client)
        (job_id,) = await enqueue(
            app.services, CopyParams(instance="radarr.hd", library_path="/m/Big.mkv", title="Big")
        )
        claimed = await app.services.db.run(
            job_store.claim_next, ["mirror"], now=clock.now(), owner="test", lease=60
        )
        assert claimed is not None and claimed.id == job_id
        board = app.services.progress
        board.report(
            job_id, {"percent": 42.0, "bytes_done": 1, "rate": "105.25MB/s", "eta": "0:00:05"}
        )

        listing = await app.client.get("/ui/jobs")
        assert f'data-live="/ui/jobs/{job_id}/now"' in listing.text
        assert '<progress value="42.0" max="100">' in listing.text
        assert f'action="/ui/jobs/{job_id}/cancel"' in listing.text
        assert f'action="/ui/jobs/{job_id}/retry"' not in listing.text

        board.report(job_id, {"percent": 80.0, "bytes_done": 2, "rate": "99MB/s", "eta": "0:00:01"})
        cell = await app.client.get(f"/ui/jobs/{job_id}/now")
        assert cell.status_code == 200
        assert "<html" not in cell.text and "<progress" in cell.text
        assert "80% · 99MB/s · eta 0:00:01" in cell.text
        detail = await app.client.get(f"/ui/jobs/{job_id}")
        assert f'data-live="/ui/jobs/{job_id}/now"' in detail.text

        board.clear(job_id)
        assert (
            "running (no progress to show)" in (await app.client.get(f"/ui/jobs/{job_id}/now")).text
        )
        await app.services.queue.cancel(job_id)
        assert "cancelled just now: reload" in (await app.client.get(f"/ui/jobs/{job_id}/now")).text


async def test_secrets_in_a_jobs_params_and_errors_are_masked(running_app: AppFactory) -> None:
    clock = ManualClock()
    async with running_app(background=False, clock=clock) as app:
        await log_in(app.client)
        params = {
            "instance": "radarr.hd",
            "title": "Leaky",
            "api_key": "params-key-0123456789",
            "library_path": "/m/Leaky.mkv",
            "notify": "tgram://123456:bot-token-xyz/987",
        }
        job, _ = await app.services.queue.enqueue(JobSpec("mirror", "leaky", params))
        claimed = await app.services.db.run(
            job_store.claim_next, ["mirror"], now=clock.now(), owner="test", lease=60
        )
        assert claimed is not None
        error = f"GET http://u:pw-0123456789@host/x?apikey={API_KEY}: HTTP 500"
        policy = RetryPolicy(max_attempts=1)
        await app.services.db.run(
            job_store.transition,
            job.id,
            lambda j: machine.fail(
                j,
                now=clock.now(),
                kind=FailureKind.TRANSIENT,
                error=error,
                policy=policy,
                rand=lambda: 0.5,
            ),
            owner="test",
        )
        pages = [await app.client.get(p) for p in ("/ui/jobs", f"/ui/jobs/{job.id}")]
        for page in pages:
            assert page.status_code == 200
            for secret in ("params-key-0123456789", "bot-token-xyz", "pw-0123456789", API_KEY):
                assert secret not in page.text
        assert "&#34;api_key&#34;: &#34;***&#34;" in pages[1].text
        assert "http://u:***@host/x?apikey=***" in pages[1].text


async def test_the_pages_need_a_login(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        for path in ("/ui/jobs", "/ui/jobs/1", "/ui/jobs/1/now"):
            answer = await app.client.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/ui/login")
        api = httpx.Headers({"X-Api-Key": API_KEY})
        assert (await app.client.get("/ui/jobs", headers=api)).status_code == 200


async def test_a_search_reads_a_window_of_jobs_at_a_time_and_links_to_the_older_ones(
    running_app: AppFactory,
) -> None:
    """A "contains" search cannot use an index: each page reads a bounded window of jobs
    (a page stays fast at 100,000 jobs), says which it read, and links to the next."""

    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        await enqueue(
            app.services,
            CopyParams(instance="sonarr.hd", library_path="/tv/Rare/e.mkv", title="Rare Show"),
        )
        filler = [
            CopyParams(
                instance="sonarr.hd", library_path=f"/tv/Common/{n}.mkv", title="Common"
            ).spec()
            for n in range(SEARCH_WINDOW + 10)
        ]

        def fill(conn: Any) -> int:
            with write_transaction(conn):
                return job_store.insert_many(conn, filler, now=1.0)

        await app.services.db.run(fill)
        first = await app.client.get("/ui/jobs", params={"q": "rare"})
        assert first.status_code == 200
        assert listed(first.text) == []
        newest = SEARCH_WINDOW + 11
        assert f"Searched jobs #{newest - SEARCH_WINDOW + 1} to #{newest}" in first.text
        older = re.search(
            r'<a href="(/ui/jobs\?[^"]*before=\d+[^"]*)">Search older jobs', first.text
        )
        assert older is not None
        second = await app.client.get(older.group(1).replace("&amp;", "&"))
        assert listed(second.text) == [1]
        assert "Searched jobs" not in second.text  # the last window: every job was read
