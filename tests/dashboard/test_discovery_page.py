"""``/ui/discovery``: shows by status with why, search, paging, trigger, refilter, skip /
unskip, and review mode's approve; bad input as HTML errors; no secret on the page.

Fake TVMaze and fake Sonarr over real HTTP (tests/runtime/discovery_rig), the real services
without background tasks: each test runs the queue itself (``run_until_idle``).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from tests.dashboard.dashboard_client import log_in
from tests.runtime.discovery_rig import SONARR_KEY, Rig, rig
from tests.web.conftest import AppFactory, Running, running_app

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store import shows as show_store

__all__ = ["rig", "running_app"]

ROW = re.compile(r'<tr id="show-(\d+)"')


def listed(html: str) -> list[int]:
    return [int(found) for found in ROW.findall(html)]


def seed(rig: Rig) -> None:
    rig.show(1, "Accepted Drama")
    rig.show(2, "Second Match")
    rig.show(3, "Old Show", premiered="2001-05-05")
    rig.show(4, "Reality Thing", type="Reality", genres=["Reality"])


async def post(client: httpx.AsyncClient, path: str, token: str, **fields: str) -> httpx.Response:
    return await client.post(path, data={"csrf_token": token, **fields})


async def first_cycle(r: Running, token: str) -> httpx.Response:
    answer = await post(r.client, "/ui/discovery/trigger", token)
    await r.services.worker.run_until_idle()
    return answer


async def test_review_mode_lists_the_waiting_shows_first_and_approve_adds_one(
    running_app: AppFactory, rig: Rig
) -> None:
    seed(rig)
    async with running_app(background=False, **rig.sections(review=True)) as r:
        token = await log_in(r.client)
        empty = await r.client.get("/ui/discovery")
        triggered = await first_cycle(r, token)
        page = await r.client.get("/ui/discovery")
        live = await r.client.get("/ui/discovery/state")
        approved = await post(
            r.client, "/ui/discovery/shows/1/approve", token, status="review", q="", page="1"
        )
        await r.services.worker.run_until_idle()
        after = await r.client.get(approved.headers["location"])
        added = await r.client.get("/ui/discovery?status=added")
        filtered = await r.client.get("/ui/discovery?status=filtered")
    assert "No shows here." in empty.text and "none yet" in empty.text
    assert triggered.status_code == 303
    assert triggered.headers["location"] == "/ui/discovery?done=triggered"
    assert "2 shows wait for your review." in page.text  # the banner
    assert listed(page.text) == [2, 1]  # the page opens on them, newest first
    assert page.text.count(">Approve</button>") == 2 and page.text.count(">Skip</button>") == 2
    assert "passes the filters" in page.text and 'aria-current="page">waiting for review' in (
        page.text
    )
    assert "2 shows wait for your review." in live.text and "<html" not in live.text
    assert "synced" in live.text  # the last cycle's outcome
    assert approved.status_code == 303
    assert approved.headers["location"] == "/ui/discovery?status=review&done=approved"
    assert "Approved: a discovery cycle adds the show to Sonarr now." in after.text
    assert listed(after.text) == [2] and "1 show waits for your review." in after.text
    assert rig.added_tvdb_ids() == [100_001]
    assert listed(added.text) == [1] and ">added</span>" in added.text
    row = added.text.split('<tr id="show-1"')[1].split("</tr>")[0]
    assert re.search(r'<td class="num">\d+</td>', row), row  # the Sonarr id
    assert "2001-05-05" in filtered.text and "Reality" in filtered.text  # why rejected
    assert listed(filtered.text) == [4, 3]


async def test_skip_and_unskip_from_the_page(running_app: AppFactory, rig: Rig) -> None:
    seed(rig)
    async with running_app(background=False, **rig.sections(review=True)) as r:
        token = await log_in(r.client)
        await first_cycle(r, token)
        skipped = await post(r.client, "/ui/discovery/shows/2/skip", token, status="review")
        await r.services.worker.run_until_idle()
        page = await r.client.get("/ui/discovery?status=skipped")
        unskipped = await post(r.client, "/ui/discovery/shows/2/unskip", token, status="skipped")
        back = await r.client.get("/ui/discovery?status=review")
    assert skipped.headers["location"] == "/ui/discovery?status=review&done=skipped"
    assert listed(page.text) == [2] and ">Unskip</button>" in page.text
    assert "skipped by hand" in page.text
    assert unskipped.headers["location"] == "/ui/discovery?status=skipped&done=unskipped"
    assert listed(back.text) == [2, 1]  # judged again: waiting for review again
    assert rig.sonarr.state.series_posts == []


async def test_without_review_the_page_lists_all_and_refilter_works(
    running_app: AppFactory, rig: Rig
) -> None:
    seed(rig)
    async with running_app(background=False, **rig.sections()) as r:
        token = await log_in(r.client)
        await first_cycle(r, token)
        page = await r.client.get("/ui/discovery")
        refiltered = await post(r.client, "/ui/discovery/refilter", token, status="all")
        await r.services.worker.run_until_idle()
        after = await r.client.get(refiltered.headers["location"])
    assert listed(page.text) == [4, 3, 2, 1] and "wait for your review" not in page.text
    assert ">Approve</button>" not in page.text
    assert "Review mode</dt>" in page.text and "off:" in page.text
    assert sorted(rig.added_tvdb_ids()) == [100_001, 100_002]
    assert refiltered.headers["location"] == "/ui/discovery?status=all&done=refiltered"
    assert "The cache was judged again" in after.text


async def test_search_by_title_and_paging(running_app: AppFactory, rig: Rig) -> None:
    async with running_app(background=False, **rig.sections(review=True)) as r:
        await log_in(r.client)
        verdict = Verdict(ShowStatus.REVIEW, rule=0)
        shows = [
            (Show(tvmaze_id=n, title=f"{'Wire' if n % 3 == 0 else 'Dark'} {n}", updated=1), verdict)
            for n in range(1, 201)
        ]
        shows.append((Show(tvmaze_id=500, title="100% <Wire>", updated=1), verdict))
        await r.services.db.run(show_store.save_shows, shows, now=1.0)
        first = await r.client.get("/ui/discovery?status=review&q=wire")
        second = await r.client.get("/ui/discovery?status=review&q=wire&page=2")
        percent = await r.client.get("/ui/discovery", params={"q": "100%"})
        nothing = await r.client.get("/ui/discovery", params={"q": "<b>nope</b>"})
    assert listed(first.text) == [500, *range(198, 0, -3)][:50]
    assert "/ui/discovery?status=review&amp;q=wire&amp;page=2" in first.text  # older
    assert listed(second.text) == [500, *range(198, 0, -3)][50:]
    assert "/ui/discovery?status=review&amp;q=wire" in second.text  # newer, and no older
    assert "page=3" not in second.text
    assert listed(percent.text) == [500] and "100% &lt;Wire&gt;" in percent.text
    assert listed(nothing.text) == [] and "&lt;b&gt;nope&lt;/b&gt;" in nothing.text
    assert "<b>nope</b>" not in nothing.text


async def test_bad_input_is_a_clear_html_error(running_app: AppFactory, rig: Rig) -> None:
    seed(rig)
    async with running_app(background=False, **rig.sections(review=True)) as r:
        token = await log_in(r.client)
        await first_cycle(r, token)
        answers: dict[str, Any] = {
            "status": await r.client.get("/ui/discovery?status=bogus"),
            "page": await r.client.get("/ui/discovery?page=0"),
            "done": await r.client.get("/ui/discovery?done=<script>"),
            "long q": await r.client.get("/ui/discovery", params={"q": "x" * 201}),
            "unknown show": await post(r.client, "/ui/discovery/shows/999/approve", token),
            "junk id": await post(r.client, "/ui/discovery/shows/abc/approve", token),
            "filtered": await post(r.client, "/ui/discovery/shows/3/approve", token),
            "no token": await r.client.post("/ui/discovery/shows/1/approve"),
        }
        unchanged = await r.client.get("/ui/discovery?status=review")
    codes = {name: answer.status_code for name, answer in answers.items()}
    assert codes == {
        "status": 400, "page": 400, "done": 400, "long q": 400, "unknown show": 404,
        "junk id": 400, "filtered": 409, "no token": 403,
    }  # fmt: skip
    for name, answer in answers.items():
        assert answer.headers["content-type"].startswith("text/html"), name
        assert "Traceback" not in answer.text and "<script>" not in answer.text, name
    assert "status must be one of" in answers["status"].text
    assert "not in the catalogue" in answers["unknown show"].text
    assert "not waiting for review" in answers["filtered"].text
    assert listed(unchanged.text) == [2, 1]


async def test_no_secret_reaches_the_page(running_app: AppFactory, rig: Rig) -> None:
    seed(rig)
    sections = rig.sections(review=True)
    sections["discovery"]["tvmaze"]["api_key"] = "tvmaze-premium-key-0123456789"
    async with running_app(background=False, **sections) as r:
        token = await log_in(r.client)
        await first_cycle(r, token)
        failure = show_store.Outcome(
            ShowStatus.FAILED, error=f"Sonarr said: GET {rig.sonarr_url}/api/v3?apikey={SONARR_KEY}"
        )
        await r.services.db.run(show_store.record_outcome, 1, failure, now=2.0)
        pages = [
            await r.client.get("/ui/discovery?status=failed"),
            await r.client.get("/ui/discovery/state"),
        ]
    assert listed(pages[0].text) == [1] and "Sonarr said" in pages[0].text
    for page in pages:
        assert SONARR_KEY not in page.text
        assert "tvmaze-premium-key-0123456789" not in page.text


async def test_without_discovery_the_page_says_how_to_enable_it(running_app: AppFactory) -> None:
    async with running_app(background=False) as r:
        anonymous = await r.client.get("/ui/discovery?status=review")
        token = await log_in(r.client)
        page = await r.client.get("/ui/discovery")
        trigger = await post(r.client, "/ui/discovery/trigger", token)
    assert page.status_code == 200
    assert "Discovery does not run: it is disabled" in page.text
    assert "discovery.enabled" in page.text and "Trigger a cycle" not in page.text
    assert trigger.status_code == 409 and "discovery.enabled" in trigger.text
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/ui/login?next=/ui/discovery%3Fstatus%3Dreview"
