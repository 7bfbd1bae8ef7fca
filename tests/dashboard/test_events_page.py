"""``/ui/events`` and ``/ui/events/{id}``: the stored webhooks, filters and paging, a
payload shown with its secrets masked, the jobs an event caused, and Replay."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import API_KEY
from tests.dashboard.dashboard_client import log_in
from tests.web.conftest import AppFactory, cleanup_sections, overseerr, running_app

from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.services import Services
from arrkestra.store import events as event_store
from arrkestra.store.events import IncomingEvent
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

__all__ = ["overseerr", "running_app"]

EVENT = re.compile(r'<td class="num"><a href="/ui/events/(\d+)">')
JOB = re.compile(r'<td class="num"><a href="/ui/jobs/(\d+)">')
BODY_KEY = "body-api-key-0123456789"
BODY_PASSWORD = "body-url-pass-0123456789"
BEARER = "bearer-token-0123456789"


def listed(html: str) -> list[int]:
    return [int(found) for found in EVENT.findall(html)]


def sections(server: LoopbackServer) -> dict[str, Any]:
    return {**cleanup_sections(server), "sonarr": {"hd": {"url": "http://sonarr:8989"}}}


def movie_delete(tmdb: int, title: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventType": "MovieDelete",
        "movie": {"id": tmdb, "tmdbId": tmdb, "title": title},
        **extra,
    }


SERIES_DELETE = {
    "eventType": "SeriesDelete",
    "series": {"id": 3, "title": "Severance", "tvdbId": 371980, "path": "/tv/Severance"},
}


async def store(services: Services, *events: IncomingEvent) -> list[int]:
    """Events written straight to the store (as an older version or catch-up could)."""
    accepted = await services.db.run(event_store.accept_events, events, dedupe_window=0)
    return [a.event_id for a in accepted]


def stored(
    n: int, *, source: str = "radarr", instance: str = "hd", body: str = ""
) -> IncomingEvent:
    return IncomingEvent(
        source=source,
        instance=instance,
        event_type="Test",
        body=body or json.dumps({"eventType": "Test", "n": n}),
        dedupe_key=f"key-{n}",
        received_at=1_700_000_000.0 + n,
    )


async def test_the_list_says_where_each_event_came_from_and_what_it_caused(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    _, server = overseerr
    async with running_app(background=False, clock=ManualClock(), **sections(server)) as app:
        await log_in(app.client)
        await app.services.queue.pause("cleanup", "kept pending for the test")
        matrix = await app.client.post("/webhook/radarr/hd", json=movie_delete(603, "The Matrix"))
        severance = await app.client.post("/webhook/sonarr/hd", json=SERIES_DELETE)
        test = await app.client.post("/webhook/radarr/hd", json={"eventType": "Test"})
        ids = [a.json()["event_id"] for a in (matrix, severance, test)]

        page = await app.client.get("/ui/events")
        assert page.status_code == 200
        assert listed(page.text) == ids[::-1]
        rows = page.text.split("<tr>")[2:]
        assert "radarr.hd" in rows[2] and "MovieDelete" in rows[2] and "The Matrix" in rows[2]
        assert "cleanup" in rows[2] and '<td class="num">1</td>' in rows[2]
        assert "Severance" in rows[1] and "sonarr.hd" in rows[1]
        assert (
            '<span class="muted">nothing</span>' in rows[0] and '<td class="num">0</td>' in rows[0]
        )

        async def shown(**query: str) -> list[int]:
            answer = await app.client.get("/ui/events", params=query)
            assert answer.status_code == 200, answer.text
            return listed(answer.text)

        assert await shown(type="SeriesDelete") == [ids[1]]
        assert await shown(source="radarr") == [ids[2], ids[0]]
        assert await shown(source="radarr", type="MovieDelete") == [ids[0]]
        assert await shown(source="sonarr", instance="hd") == [ids[1]]
        assert await shown(source="", instance="", type="") == ids[::-1]
        empty = await app.client.get("/ui/events", params={"instance": "gone"})
        assert "No event matches these filters" in empty.text
        assert '<option value="gone" selected>' in empty.text


async def test_older_pages_follow_the_id_cursor(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        ids = await store(app.services, *(stored(n) for n in range(52)))
        first = await app.client.get("/ui/events", params={"type": "Test"})
        assert listed(first.text) == ids[::-1][:50]
        older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', first.text)
        assert older is not None and older.group(1) == f"/ui/events?type=Test&amp;before={ids[2]}"
        second = await app.client.get(older.group(1).replace("&amp;", "&"))
        assert listed(second.text) == ids[1::-1]
        assert 'rel="next"' not in second.text and ">Newest</a>" in second.text


async def test_a_payload_is_shown_whole_with_its_secrets_masked(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    _, server = overseerr
    async with running_app(background=False, **sections(server)) as app:
        await log_in(app.client)
        await app.services.queue.pause("cleanup", "kept pending for the test")
        body = movie_delete(
            603,
            "The Matrix",
            apiKey=BODY_KEY,
            applicationUrl=f"http://radarr:{BODY_PASSWORD}@radarr.lan:7878/",
            headers={"Authorization": f"Bearer {BEARER}"},
            note=f"sent with ?apikey={API_KEY}",
        )
        created = await app.client.post("/webhook/radarr/hd", json=body)
        event_id = created.json()["event_id"]
        (job_id,) = created.json()["jobs"]

        page = await app.client.get(f"/ui/events/{event_id}")
        assert page.status_code == 200
        for secret in (BODY_KEY, BODY_PASSWORD, BEARER, API_KEY):
            assert secret not in page.text
        assert "&#34;apiKey&#34;: &#34;***&#34;" in page.text
        assert "http://radarr:***@radarr.lan:7878/" in page.text
        assert "&#34;Authorization&#34;: &#34;***&#34;" in page.text
        assert "&#34;tmdbId&#34;: 603" in page.text  # the rest as sent, pretty-printed
        assert '<a href="/ui/titles?q=The%20Matrix">The Matrix</a>' in page.text
        assert JOB.findall(page.text) == [str(job_id)]
        api = await app.client.get(f"/api/v1/events/{event_id}", headers={"X-Api-Key": API_KEY})
        assert BODY_KEY not in api.text and api.json()["body"]["apiKey"] == "***"


async def test_a_body_intake_would_refuse_today_is_shown_as_text(running_app: AppFactory) -> None:
    """An older version stored it (nested deeper than intake takes now): still readable."""
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        nested = "[" * 70 + "]" * 70
        body = f'{{"eventType": "Test", "url": "http://u:pw-0123456789@h/", "x": {nested}}}'
        (event_id,) = await store(app.services, stored(1, body=body))
        listing = await app.client.get("/ui/events")
        assert listing.status_code == 200 and listed(listing.text) == [event_id]
        page = await app.client.get(f"/ui/events/{event_id}")
        assert page.status_code == 200
        assert "shown as text" in page.text and nested in page.text
        assert "pw-0123456789" not in page.text and "http://u:***@h/" in page.text


async def test_replay_routes_the_event_again_through_the_form(
    running_app: AppFactory, overseerr: tuple[FakeOverseerr, LoopbackServer]
) -> None:
    _, server = overseerr
    async with running_app(background=False, **sections(server)) as app:
        token = await log_in(app.client)
        await app.services.queue.pause("cleanup", "kept pending for the test")
        created = await app.client.post("/webhook/radarr/hd", json=movie_delete(1, "Film"))
        event_id = created.json()["event_id"]
        (first,) = created.json()["jobs"]
        replay = f"/ui/events/{event_id}/replay"

        assert (await app.client.post(replay)).status_code == 403
        assert (await app.client.post(replay, data={"csrf_token": "x"})).status_code == 403
        answer = await app.client.post(replay, data={"csrf_token": token})
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/ui/events/{event_id}?done=replayed&jobs=1&created=0"
        page = await app.client.get(answer.headers["location"])
        assert "Routed again: 1 job(s), 0 new, 1 already waiting." in page.text

        await app.services.queue.cancel(first)
        again = await app.client.post(replay, data={"csrf_token": token})
        assert again.headers["location"].endswith("?done=replayed&jobs=1&created=1")
        page = await app.client.get(f"/ui/events/{event_id}")
        second = max(int(found) for found in JOB.findall(page.text))
        assert JOB.findall(page.text) == [str(first), str(second)]
        assert second != first

        missing = await app.client.post("/ui/events/999/replay", data={"csrf_token": token})
        assert missing.status_code == 404 and "there is no event 999" in missing.text


async def test_an_event_that_cannot_be_replayed_says_why(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        token = await log_in(app.client)
        gone, other = await store(
            app.services,
            stored(1, instance="gone"),
            stored(2, source="manual", instance="x"),
        )
        answer = await app.client.post(f"/ui/events/{gone}/replay", data={"csrf_token": token})
        assert answer.headers["location"] == f"/ui/events/{gone}?done=instance_gone"
        page = await app.client.get(answer.headers["location"])
        assert 'class="flash error"' in page.text and "no longer configured" in page.text
        assert f'action="/ui/events/{gone}/replay"' in page.text
        refused = await app.client.post(f"/ui/events/{other}/replay", data={"csrf_token": token})
        assert refused.headers["location"] == f"/ui/events/{other}?done=not_replayable"
        page = await app.client.get(refused.headers["location"])
        assert "only Sonarr and Radarr events can" in page.text
        assert f'action="/ui/events/{other}/replay"' not in page.text  # no button to press


async def test_bad_addresses_are_html_error_pages(running_app: AppFactory) -> None:
    async with running_app(background=False, clock=ManualClock()) as app:
        await log_in(app.client)
        for path, status in (
            ("/ui/events?before=abc", 400),
            ("/ui/events?before=-3", 400),
            ("/ui/events?type=" + "x" * 101, 400),
            ("/ui/events/abc", 400),
            ("/ui/events/1?done=whatever", 400),
            ("/ui/events/1?jobs=-1", 400),
            ("/ui/events/999", 404),
        ):
            answer = await app.client.get(path)
            assert answer.status_code == status, path
            assert answer.headers["content-type"].startswith("text/html"), path
            assert 'class="flash error"' in answer.text
        assert (await app.client.get("/ui/events?type=NoSuchType")).status_code == 200
