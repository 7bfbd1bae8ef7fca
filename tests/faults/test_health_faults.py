"""Issue 13: what ``/health`` says (findings 12 and 13): the open body shows states, not
paths or URLs; an upstream nobody polls is ``unknown``, not degraded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, running_app

from arrkestra.runtime.health import ComponentState
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

KEY = "overseerr-faults-key-0123456789"
__all__ = ["running_app"]  # the fixture, shared with tests/web


async def test_the_open_health_names_mounts_and_shows_no_path_or_url(
    running_app: AppFactory, tmp_path: Path
) -> None:
    """Whoever reaches the port sees each component's state, mounts by their rule's name;
    the details (paths, URLs) need the API's credentials."""
    source, destination = tmp_path / "nas-secret-share" / "tv", tmp_path / "backup" / "TV"
    mirror = {
        "paths": [{"arr_path": "/tv", "source": str(source), "destination": str(destination)}]
    }
    sections = {"sonarr": {"hd": {"url": "http://sonarr.lan:8989"}}, "mirror": mirror}
    async with running_app(background=False, **sections) as r:
        r.services.health.set(f"mount:{destination}", ComponentState.DOWN, f"{destination} gone")
        r.services.health.set("sonarr.hd", ComponentState.DOWN, "http://sonarr.lan:8989 refused")
        open_body = (await r.client.get("/health")).json()
        keyed = (await r.client.get("/health", headers={"X-Api-Key": API_KEY})).json()
    text = str(open_body)
    assert str(tmp_path) not in text and "sonarr.lan" not in text
    assert open_body["components"]["mount:/tv destination"] == {"state": "down"}
    assert open_body["components"]["sonarr.hd"] == {"state": "down"}
    assert open_body["nfs_status"] == "error" and open_body["nfs_issues"] == [
        "/tv destination: down"
    ]
    assert keyed["components"][f"mount:{destination}"]["detail"] == f"{destination} gone"
    assert keyed["nfs_issues"] == [f"{destination}: {destination} gone"]


async def test_an_overseerr_nobody_polls_is_unknown_and_degrades_nothing(
    running_app: AppFactory,
) -> None:
    """``overseerr.poll_interval: 0`` (health polling off): it was ``degraded`` ("not
    checked yet") for ever; now ``unknown``, and the daemon is healthy."""
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        overseerr = {"url": server.url, "api_key": KEY, "poll_interval": 0}
        async with running_app(background=False, overseerr=overseerr) as r:
            await r.services.scheduler.run("overseerr.health")  # its 60 s check: no probe
            body: dict[str, Any] = (await r.client.get("/health")).json()
    assert fake.calls == []  # health polling off: Overseerr is not asked
    assert body["components"]["overseerr"] == {"state": "unknown"}
    assert body["status"] == "healthy" and body["healthy"] is True
    assert body["overseer"] == "unknown"


async def test_a_polled_overseerr_is_unknown_only_until_its_first_check(
    running_app: AppFactory,
) -> None:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as server:
        overseerr = {"url": server.url, "api_key": KEY, "poll_interval": "60s"}
        async with running_app(background=False, overseerr=overseerr) as r:
            before = (await r.client.get("/health")).json()["components"]["overseerr"]
            await r.services.scheduler.run("overseerr.health")
            checked = (await r.client.get("/health")).json()["components"]["overseerr"]
            r.services.health.set("overseerr", ComponentState.DOWN, "refused")
            down = (await r.client.get("/health")).json()
    assert before == {"state": "unknown"} and checked == {"state": "ok"}
    assert down["status"] == "degraded" and down["overseer"] == "unavailable"
