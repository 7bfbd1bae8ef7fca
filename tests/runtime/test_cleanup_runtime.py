"""cleanup wired into the real services: webhooks in, Overseerr fake and notification fake out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import API_KEY, eventually
from tests.web.conftest import AppFactory, Running

from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

KEY = "overseerr-key-runtime-0123456789"
HEADERS = {"X-Api-Key": API_KEY}


@pytest.fixture(scope="module")
def upstreams() -> Iterator[tuple[FakeOverseerr, LoopbackServer, FakeNotify, LoopbackServer]]:
    fake, notify = FakeOverseerr(KEY), FakeNotify()
    with LoopbackServer(fake.app) as o, LoopbackServer(notify.app) as n:
        yield fake, o, notify, n


@pytest.fixture
def sections(upstreams: Any) -> dict[str, Any]:
    fake, o, notify, n = upstreams
    fake.reset()
    notify.fail("/alerts", False)
    return {
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "overseerr": {"url": o.url, "api_key": KEY, "poll_interval": "0.3s", "timeout": "2s"},
        "notifications": {"urls": [f"json://127.0.0.1:{n.port}/alerts"]},
    }


def movie(tmdb: int) -> dict[str, Any]:
    return {
        "eventType": "MovieDelete",
        "movie": {"id": tmdb, "title": f"Film {tmdb}", "tmdbId": tmdb},
    }


async def job_states(r: Running) -> list[tuple[str, int, str | None]]:
    jobs = (
        await r.client.get("/api/v1/jobs", params={"pipeline": "cleanup"}, headers=HEADERS)
    ).json()["jobs"]
    return [(j["status"], j["attempts"], (j["result"] or {}).get("outcome")) for j in jobs]


async def test_a_rejected_key_pauses_cleanup_alerts_once_and_resumes_when_fixed(
    running_app: AppFactory, sections: dict[str, Any], upstreams: Any
) -> None:
    fake, _, notify, _ = upstreams
    media = fake.add_media(media_type="movie", tmdb_id=603)
    fake.api_key = "the key was rotated"
    async with running_app(background=False, **sections) as r:
        answer = await r.client.post("/webhook/radarr/hd", json=movie(603))
        assert answer.status_code == 202
        assert await r.services.worker.run_until_idle() == 1  # the attempt meets the 403
        health = (await r.client.get("/health")).json()
        pipelines = (await r.client.get("/api/v1/pipelines", headers=HEADERS)).json()
        assert health["overseer"] == "auth_failed"
        assert [p["paused"] for p in pipelines if p["name"] == "cleanup"] == [True]
        states = await job_states(r)
        assert states[0][1] == 0 and states[0][0] in ("failed", "pending")  # no attempt burnt

        for _ in range(3):  # the monitor keeps seeing the 403...
            await r.services.scheduler.run("overseerr.health")
        assert sum(1 for c in fake.calls if c[1] == "/api/v1/auth/me") >= 3
        alerts = [m for m in notify.received("/alerts") if "credentials" in m.title]
        assert len(alerts) == 1  # ...but says so once
        assert KEY not in alerts[0].message

        fake.api_key = KEY  # fixed: the next poll resumes cleanup and the job runs at once
        await r.services.scheduler.run("overseerr.health")
        assert await r.services.worker.run_until_idle() == 1
        assert not fake.has_media(media)
        assert (await job_states(r))[0][::2] == ("succeeded", "deleted")
        assert (await r.client.get("/health")).json()["overseer"] == "available"


async def test_the_deletion_budget_pauses_alerts_and_resume_releases(
    running_app: AppFactory, sections: dict[str, Any], upstreams: Any
) -> None:
    fake, _, notify, _ = upstreams
    before = len(notify.received("/alerts"))
    ids = [fake.add_media(media_type="movie", tmdb_id=700 + i) for i in range(5)]
    budget = {"budget": {"deletions": 2, "per": "1h"}}
    async with running_app(background=False, **sections, cleanup=budget) as r:
        for i in range(5):
            answer = await r.client.post("/webhook/radarr/hd", json=movie(700 + i))
            assert answer.status_code == 202
        await r.services.worker.run_until_idle()  # two deletions, then the pause
        states = await job_states(r)
        assert sum(s[2] == "deleted" for s in states) == 2
        assert sum(s[0] == "pending" for s in states) == 3
        pipelines = (await r.client.get("/api/v1/pipelines", headers=HEADERS)).json()
        assert any(p["name"] == "cleanup" and p["paused"] for p in pipelines)
        assert sum(fake.has_media(m) for m in ids) == 3
        pauses = [m for m in notify.received("/alerts")[before:] if "paused" in m.title]
        assert len(pauses) == 1 and "budget" in pauses[0].message

        resumed = await r.client.post("/api/v1/pipelines/cleanup/resume", headers=HEADERS)
        assert resumed.json()["resumed"] is True
        await r.services.worker.run_until_idle()  # the budget counts again from the resume
        states = await job_states(r)
        assert sum(s[2] == "deleted" for s in states) == 4
        assert sum(s[0] == "pending" for s in states) == 1


async def test_a_dead_cleanup_job_sends_a_critical_notification(
    running_app: AppFactory, sections: dict[str, Any], upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    before = len(notify.received("/alerts"))
    async with running_app(background=False, **sections) as r:
        no_id = {"eventType": "MovieDelete", "movie": {"id": 5, "title": "No Ids"}}
        assert (await r.client.post("/webhook/radarr/hd", json=no_id)).status_code == 202
        assert await r.services.worker.run_until_idle() == 1
        [state] = await job_states(r)
        assert state[0] == "dead"
    failed = [m for m in notify.received("/alerts")[before:] if "job failed" in m.title]
    assert len(failed) == 1
    assert "tmdbId" in failed[0].message and failed[0].type == "failure"
    assert "No Ids" in failed[0].message and "radarr.hd/" not in failed[0].message  # a title


async def test_the_test_button_is_announced(
    running_app: AppFactory, sections: dict[str, Any], upstreams: Any
) -> None:
    _, _, notify, _ = upstreams
    async with running_app(**sections) as r:
        answer = await r.client.post("/webhook/radarr/hd", json={"eventType": "Test"})
        assert answer.status_code == 200

        async def announced() -> bool:
            return any(
                "radarr/hd can reach arrkestra" in m.message for m in notify.received("/alerts")
            )

        await eventually(announced)
