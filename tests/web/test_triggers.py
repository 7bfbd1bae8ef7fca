"""autoscan's trigger URLs: ``/triggers/sonarr``, ``/triggers/radarr`` (webhook intake, with
autoscan's own test payloads, ``tests/fixtures/autoscan``) and ``/triggers/manual?dir=``
(``/sync/manual``'s folder sync), through the real app, a real database and real rsync."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY
from tests.web.conftest import AppFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "autoscan"
SECRET = "trigger-secret-0123456789"
USER, PASSWORD = "autoscan", "autoscan-pässwörd"
KEY = {"X-Api-Key": API_KEY}
SONARR = sorted(p.name for p in (FIXTURES / "sonarr").glob("*.json"))
RADARR = sorted(p.name for p in (FIXTURES / "radarr").glob("*.json"))
INTERSTELLAR = "/Movies/Interstellar (2014)"  # the two dirs autoscan's manual_test posts
PARASITE = "/Movies/Parasite (2019)"


def basic(user: str = USER, password: str = PASSWORD) -> dict[str, str]:
    pair = base64.b64encode(f"{user}:{password}".encode("latin-1")).decode()
    return {"Authorization": f"Basic {pair}"}


AUTHS: dict[str, tuple[dict[str, str], str]] = {  # headers, query
    "header": ({"X-Webhook-Secret": SECRET}, ""),
    "token": ({}, f"token={SECRET}"),
    "basic": (basic(), ""),
}
WEBHOOK = {"secret": SECRET, "username": USER, "password": PASSWORD}


def sections(tmp: Path, **server: Any) -> dict[str, Any]:
    """Both kinds with autoscan's credentials, cleanup and mirror (autoscan's ``/TV`` and
    ``/Movies`` roots under ``tmp``; the destinations exist, as mounted)."""
    for root in ("src/tv", "src/movies", "dst/TV", "dst/Movies"):
        (tmp / root).mkdir(parents=True, exist_ok=True)
    return {
        "server": {"api_key": API_KEY, "drain_timeout": "5s", **server},
        "sonarr": {
            "hd": {"url": "http://sonarr:8989", "default": True, "webhook": WEBHOOK},
            "uhd": {"url": "http://sonarr-4k:8989", "is_4k": True, "webhook": WEBHOOK},
        },
        "radarr": {"hd": {"url": "http://radarr:7878", "webhook": WEBHOOK}},
        "overseerr": {"url": "http://overseerr:5055", "api_key": "overseerr-key-0123456789"},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/TV",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/TV"),
                },
                {
                    "arr_path": "/Movies",
                    "source": str(tmp / "src/movies"),
                    "destination": str(tmp / "dst/Movies"),
                },
            ]
        },
    }


def fixture(kind: str, name: str) -> bytes:
    return (FIXTURES / kind / name).read_bytes()


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str] | None = None
) -> httpx.Response:
    """What Sonarr and Radarr send: a JSON body, the connection's headers."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    return await client.post(url, content=body, headers=sent)


async def event_of(client: httpx.AsyncClient, event_id: int) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/events/{event_id}", headers=KEY)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return {k: found[k] for k in ("source", "instance", "event_type", "body", "routed_to")}


async def all_jobs(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    answer = await client.get("/api/v1/jobs", params={"limit": 500}, headers=KEY)
    jobs: list[dict[str, Any]] = answer.json()["jobs"]
    return jobs


@pytest.mark.parametrize(
    ("kind", "name"), [("sonarr", n) for n in SONARR] + [("radarr", n) for n in RADARR]
)
async def test_each_autoscan_payload_is_taken_as_the_webhook_url_takes_it(
    running_app: AppFactory, tmp_path: Path, kind: str, name: str
) -> None:
    """Same answer, same stored event, same jobs: ``/triggers/KIND`` is ``/webhook/KIND``.

    ``dedupe_window: 0s``, so the second delivery is a new event rather than a redelivery;
    its jobs are the first one's, since a job already waiting for the same work is reused.
    """
    body = fixture(kind, name)
    headers = {"X-Webhook-Secret": SECRET}
    async with running_app(background=False, **sections(tmp_path, dedupe_window="0s")) as r:
        webhook = await post(r.client, f"/webhook/{kind}", body, headers)
        trigger = await post(r.client, f"/triggers/{kind}", body, headers)
        events = [await event_of(r.client, a.json()["event_id"]) for a in (webhook, trigger)]
        jobs = await all_jobs(r.client)
    assert trigger.status_code == webhook.status_code, trigger.text
    assert trigger.status_code in (200, 202)
    answers = [{k: v for k, v in a.json().items() if k != "event_id"} for a in (webhook, trigger)]
    assert answers[0] == answers[1]
    assert events[0] == events[1] and events[1]["instance"] == "hd"
    assert events[1]["source"] == kind and events[1]["body"]["eventType"]
    assert len(jobs) == len(answers[1].get("jobs", []))  # nothing queued twice


async def test_the_payloads_become_the_jobs_autoscan_users_expect(
    running_app: AppFactory, tmp_path: Path
) -> None:
    """An import mirrors its file; a delete is a cleanup; a Test answers 200."""
    headers = {"X-Webhook-Secret": SECRET}
    async with running_app(background=False, **sections(tmp_path)) as r:
        imported = await post(
            r.client, "/triggers/sonarr", fixture("sonarr", "westworld.json"), headers
        )
        deleted = await post(
            r.client, "/triggers/radarr", fixture("radarr", "movie_delete.json"), headers
        )
        test = await post(r.client, "/triggers/sonarr", fixture("sonarr", "test.json"), headers)
        jobs = {job["id"]: job for job in await all_jobs(r.client)}
    assert imported.status_code == deleted.status_code == 202
    (copy,) = [jobs[i] for i in imported.json()["jobs"]]
    assert copy["pipeline"] == "mirror"
    assert copy["params"]["library_path"] == (
        "/TV/Westworld/Season 1/Westworld.S01E01.The.Original.2160p.TrueHD.Atmos.7.1.HEVC.REMUX.mkv"
    )
    assert [jobs[i]["pipeline"] for i in deleted.json()["jobs"]] == ["cleanup"]
    assert test.status_code == 200
    assert test.json()["detail"] == "sonarr/hd can reach arrkestra"


@pytest.mark.parametrize("how", AUTHS)
@pytest.mark.parametrize("url", ["/triggers/sonarr", "/triggers/radarr", "/triggers/sonarr/uhd"])
async def test_triggers_take_the_webhook_credentials(
    running_app: AppFactory, tmp_path: Path, how: str, url: str
) -> None:
    headers, query = AUTHS[how]
    kind = url.split("/")[2]
    body = fixture("sonarr", "test.json")  # autoscan has one Test body, for both kinds
    async with running_app(background=False, **sections(tmp_path)) as r:
        taken = await post(r.client, f"{url}?{query}", body, headers)
        event = await event_of(r.client, taken.json()["event_id"])
    assert taken.status_code == 200 and taken.json()["status"] == "ok", taken.text
    assert event["instance"] == (url.removeprefix(f"/triggers/{kind}").strip("/") or "hd")


@pytest.mark.parametrize("url", ["/triggers/sonarr", "/triggers/radarr", "/triggers/manual"])
async def test_triggers_refuse_missing_or_wrong_credentials(
    running_app: AppFactory, tmp_path: Path, url: str
) -> None:
    body = fixture("radarr", "interstellar.json")
    async with running_app(background=False, **sections(tmp_path)) as r:
        missing = await post(r.client, f"{url}?dir=/Movies/X", body)
        wrong_secret = await post(r.client, f"{url}?token=nope&dir=/Movies/X", body)
        wrong_user = await post(r.client, f"{url}?dir=/Movies/X", body, basic("x", PASSWORD))
        api_key = await post(r.client, f"{url}?dir=/Movies/X", body, KEY)  # not a webhook's
        jobs = await all_jobs(r.client)
    for answer in (missing, wrong_secret, wrong_user, api_key):
        assert answer.status_code == 401, answer.text
        assert "webhook.secret" in answer.json()["detail"]
        assert SECRET not in answer.text and PASSWORD not in answer.text
    assert jobs == []


def movie(tmp: Path, folder: str, name: str) -> None:
    path = tmp / "src/movies" / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name)


def copied(tmp: Path) -> list[str]:
    root = tmp / "dst/Movies"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def manual_url(*dirs: str) -> str:
    return "/triggers/manual?" + str(httpx.QueryParams([("dir", d) for d in dirs]))


@pytest.mark.parametrize("how", AUTHS)
async def test_manual_queues_each_dir_s_files_and_rsync_copies_them(
    running_app: AppFactory, tmp_path: Path, how: str
) -> None:
    movie(tmp_path, "Interstellar (2014)", "Interstellar.2014.UHD.BluRay.2160p.REMUX.mkv")
    movie(tmp_path, "Interstellar (2014)", "Interstellar.2014.UHD.BluRay.2160p.REMUX.en.srt")
    movie(tmp_path, "Interstellar (2014)", "poster.jpg")
    movie(tmp_path, "Parasite (2019)", "Parasite.2019.2160p.UHD.BluRay.REMUX.mkv")
    headers, query = AUTHS[how]
    url = manual_url(INTERSTELLAR, PARASITE) + (f"&{query}" if query else "")
    async with running_app(background=False, **sections(tmp_path)) as r:
        first = await r.client.post(url, headers=headers)  # as autoscan's callers: no body
        again = await r.client.post(url, headers=headers)
        await r.services.worker.run_until_idle()
        done = await r.client.post(url, headers=headers)
    assert first.status_code == 202, first.text
    body = first.json()
    assert (body["status"], body["queued"]) == ("accepted", 2)
    assert [d["dir"] for d in body["dirs"]] == [INTERSTELLAR, PARASITE]
    assert [(d["queued"], d["sidecars"], d["skipped"]) for d in body["dirs"]] == [
        (1, 1, 1),
        (1, 0, 0),
    ]
    assert body["dirs"][0]["source"] == str(tmp_path / "src/movies/Interstellar (2014)")
    assert again.status_code == 200 and again.json()["status"] == "already_queued"
    assert [d["job_ids"] for d in again.json()["dirs"]] == [d["job_ids"] for d in body["dirs"]]
    assert copied(tmp_path) == [
        "Interstellar (2014)/Interstellar.2014.UHD.BluRay.2160p.REMUX.en.srt",
        "Interstellar (2014)/Interstellar.2014.UHD.BluRay.2160p.REMUX.mkv",
        "Parasite (2019)/Parasite.2019.2160p.UHD.BluRay.REMUX.mkv",
    ]
    assert done.status_code == 200 and done.json()["status"] == "nothing_to_sync"


async def test_manual_refuses_as_sync_manual_does_and_queues_nothing(
    running_app: AppFactory, tmp_path: Path
) -> None:
    movie(tmp_path, "Interstellar (2014)", "Interstellar.2014.mkv")
    creds = {"X-Webhook-Secret": SECRET}
    paths = ["/Movies/Tenet (2020)", "/Music/Album", "/Movies/../../etc"]
    async with running_app(background=False, **sections(tmp_path)) as r:
        pairs = []
        for path in paths:
            old = await r.client.post("/sync/manual", json={"path": path}, headers=KEY)
            new = await r.client.post(manual_url(path), headers=creds)
            pairs.append((old, new))
        mixed = await r.client.post(manual_url(INTERSTELLAR, "/Music/Album"), headers=creds)
        jobs = await all_jobs(r.client)
    for old, new in pairs:
        assert old.status_code in (400, 404)
        assert (new.status_code, new.json()) == (old.status_code, old.json())
    assert "no folder or file /Movies/Tenet (2020)" in pairs[0][1].json()["detail"]
    assert "no mirror.paths rule matches" in pairs[1][1].json()["detail"]
    assert mixed.status_code == 400 and jobs == []  # a refused dir: nothing queued at all


async def test_manual_needs_a_dir_a_post_and_a_same_site_request(
    running_app: AppFactory, tmp_path: Path
) -> None:
    creds = {"X-Webhook-Secret": SECRET}
    async with running_app(background=False, **sections(tmp_path)) as r:
        no_dir = await r.client.post("/triggers/manual", headers=creds)
        empty = await r.client.post("/triggers/manual?dir=", headers=creds)
        too_many = await r.client.post(
            manual_url(*[f"/Movies/{n}" for n in range(101)]), headers=creds
        )
        get = await r.client.get(manual_url(INTERSTELLAR), headers=creds)
        head = await r.client.head(manual_url(INTERSTELLAR), headers=creds)
        cross_site = await r.client.post(
            manual_url(INTERSTELLAR), headers={**creds, "Sec-Fetch-Site": "cross-site"}
        )
        jobs = await all_jobs(r.client)
    assert no_dir.status_code == 400 and "?dir=PATH" in no_dir.json()["detail"]
    assert empty.status_code == too_many.status_code == 400
    assert get.status_code == head.status_code == 405 and get.headers["allow"] == "POST"
    assert "POST /triggers/manual?dir=PATH" in get.json()["detail"]
    assert cross_site.status_code == 403 and jobs == []


async def test_manual_takes_either_default_instance_s_credentials_never_an_open_one(
    running_app: AppFactory, tmp_path: Path
) -> None:
    """Only Radarr is configured (with a secret): Sonarr's implied default instance takes
    any webhook, but it must not open the manual trigger."""
    config = sections(tmp_path)
    del config["sonarr"]
    config["radarr"]["hd"]["webhook"] = {"secret": SECRET}
    async with running_app(background=False, **config) as r:
        open_sonarr = await post(r.client, "/webhook/sonarr", fixture("sonarr", "test.json"))
        refused = await r.client.post(manual_url("/Movies/Tenet (2020)"))
        taken = await r.client.post(manual_url("/Movies/Tenet (2020)") + f"&token={SECRET}")
    assert open_sonarr.status_code == 200  # the implied instance, as before
    assert refused.status_code == 401 and "radarr.hd.webhook.secret" in refused.json()["detail"]
    assert taken.status_code == 404  # authorized; the folder does not exist


async def test_manual_is_open_like_the_webhooks_when_no_default_sets_a_credential(
    running_app: AppFactory, tmp_path: Path
) -> None:
    config = sections(tmp_path)
    for kind in ("sonarr", "radarr"):
        for instance in config[kind].values():
            del instance["webhook"]
    async with running_app(background=False, **config) as r:
        answer = await r.client.post(manual_url("/Movies/Tenet (2020)"))
    assert answer.status_code == 404  # past authentication: no such folder


async def test_manual_is_404_without_a_default_instance(
    running_app: AppFactory, tmp_path: Path
) -> None:
    config = sections(tmp_path)
    config["sonarr"]["hd"]["default"] = False
    config["radarr"]["uhd"] = {"url": "http://radarr-4k:7878", "webhook": WEBHOOK}
    async with running_app(background=False, **config) as r:
        answer = await r.client.post(manual_url(INTERSTELLAR), headers={"X-Webhook-Secret": SECRET})
    assert answer.status_code == 404 and "default: true" in answer.json()["detail"]


async def test_the_openapi_schema_lists_the_triggers(
    running_app: AppFactory, tmp_path: Path
) -> None:
    async with running_app(background=False, **sections(tmp_path)) as r:
        paths = (await r.client.get("/api/openapi.json")).json()["paths"]
    assert {"post", "put"} <= set(paths["/triggers/sonarr"]) and "post" in paths["/triggers/radarr"]
    assert "post" in paths["/triggers/radarr/{instance}"]
    manual = paths["/triggers/manual"]
    assert set(manual) == {"post"} and "autoscan" in manual["post"]["summary"]
    assert [p["name"] for p in manual["post"]["parameters"]] == ["dir"]
