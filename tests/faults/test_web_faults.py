"""Issue 13's web findings (4, 5, 9, 11), each as it was reproduced against the daemon.

4: hostile text and numbers in a webhook; 5: cross-site requests; 9: the rate limit
dropping authenticated webhooks; 11: slow clients starving the daemon of connections.
"""

from __future__ import annotations

import asyncio
import base64
import json
import resource
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import API_KEY, base_config, write_config
from tests.e2e.daemon import Daemon
from tests.web.conftest import AppFactory, running_app

from arrkestra.core.routing import jobs_for
from arrkestra.store.events import IncomingEvent
from arrkestra.web.webhooks import safe_parse

SECRET = "fault-secret-0123456789"
KEY = {"X-Api-Key": API_KEY}
JSON = {"Content-Type": "application/json"}
HOOK = {"X-Webhook-Secret": SECRET, **JSON}
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "payloads" / "sonarr"
MIRROR: dict[str, Any] = {
    "sonarr": {"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}},
    "mirror": {
        "paths": [{"arr_path": "/tv", "source": "/mnt/src/tv", "destination": "/mnt/dst/TV"}]
    },
}
__all__ = ["running_app"]
READS = ("/api/v1/jobs", "/api/v1/stats", "/jobs", "/api/v1/events")


def series_delete(marker: int, title: str = "Show") -> dict[str, Any]:
    return {
        "eventType": "SeriesDelete",
        "series": {"id": marker, "title": title, "tvdbId": 1000 + marker, "path": f"/tv/S{marker}"},
        "deletedFiles": True,
    }


def download(title: str) -> str:
    """A real Sonarr v4 import whose series title is ``title`` (JSON text, escapes kept)."""
    text = (FIXTURES / "v4-download-single.real.json").read_text(encoding="utf-8")
    data = json.loads(text)
    data["series"]["title"] = "TITLE"
    return json.dumps(data).replace('"TITLE"', f'"{title}"')


async def hook(client: httpx.AsyncClient, body: str | bytes, **headers: str) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return await client.post("/webhook/sonarr/hd", content=content, headers={**HOOK, **headers})


# --- finding 4: input is text, numbers are sane, reads never 500 ------------------------


async def test_4_a_lone_surrogate_event_type_is_400_and_metrics_stay_up(
    running_app: AppFactory,
) -> None:
    async with running_app(**MIRROR) as r:
        answer = await hook(r.client, '{"eventType": "\\ud800"}')
        metrics = await r.client.get("/metrics")
    assert answer.status_code == 400 and "surrogate" in answer.json()["detail"]
    assert metrics.status_code == 200


async def test_4_a_lone_surrogate_in_a_title_is_400_and_reads_stay_up(
    running_app: AppFactory,
) -> None:
    async with running_app(**MIRROR) as r:
        answer = await hook(r.client, download("Bad \\udc80 title"))
        paired = await hook(r.client, download("Good \\ud83d\\ude00 title"))  # a real emoji
        reads = [(await r.client.get(path, headers=KEY)).status_code for path in READS]
    assert answer.status_code == 400, answer.text
    assert paired.status_code == 202, paired.text
    assert reads == [200] * len(READS)


async def test_4_rows_stored_before_the_fix_cannot_make_reads_500(
    running_app: AppFactory,
) -> None:
    """What an older version stored (surrogates, 900 levels, NaN) is shown, not a 500."""
    bodies = [
        download("Bad \\udc80 title"),  # (a surrogate eventType could never be stored)
        '{"eventType": "Grab", "x": ' + "[" * 900 + "]" * 900 + "}",
        '{"eventType": "Grab", "x": NaN}',
    ]
    async with running_app(**MIRROR) as r:
        ref = r.settings.instance_ref("sonarr", "hd")
        assert ref is not None
        ids = []
        for n, text in enumerate(bodies):
            parsed = safe_parse("sonarr", json.loads(text))
            specs = jobs_for(parsed, ref, pipelines=frozenset(r.services.worker.pipelines))
            accepted = await r.services.intake.submit(
                IncomingEvent(
                    source="sonarr",
                    instance="hd",
                    event_type=parsed.event_type,
                    body=text,
                    dedupe_key=f"old-{n}",
                    received_at=r.services.clock.now(),
                    remote_addr=None,
                    jobs=tuple(specs),
                )
            )
            ids.append(accepted.event_id)
        reads = [(await r.client.get(path, headers=KEY)).status_code for path in READS]
        events = [(await r.client.get(f"/api/v1/events/{i}", headers=KEY)) for i in ids]
        metrics = await r.client.get("/metrics")
    assert reads == [200] * len(READS)
    assert [e.status_code for e in events] == [200] * len(ids), [e.text[:200] for e in events]
    assert metrics.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        '{"eventType": "Grab", "x": ' + "[" * 900 + "]" * 900 + "}",
        '{"eventType": "Grab", "n": ' + "9" * 4400 + "}",
        '{"eventType": "Grab", "n": ' + "9" * 40 + "}",
        '{"eventType": "Grab", "n": 1e400}',
        '{"eventType": "Grab", "n": NaN}',
        '{"eventType": "Grab", "n": -Infinity}',
    ],
    ids=["900-deep", "4400-digits", "40-digits", "1e400", "NaN", "-Infinity"],
)
async def test_4_absurd_nesting_and_numbers_are_400_not_500(
    running_app: AppFactory, body: str
) -> None:
    async with running_app(**MIRROR) as r:
        answer = await hook(r.client, body)
        reads = [(await r.client.get(path, headers=KEY)).status_code for path in READS]
    assert answer.status_code == 400, answer.text[:300]
    assert "Traceback" not in answer.text
    assert reads == [200] * len(READS)


async def test_4_unknown_event_types_are_one_metrics_label(running_app: AppFactory) -> None:
    async with running_app(**MIRROR) as r:
        for n in range(3):
            assert (await hook(r.client, json.dumps({"eventType": f"Made-Up {n}"}))).is_success
        text = (await r.client.get("/metrics")).text
    assert "Made-Up" not in text
    assert 'event="unknown"' in text


# --- finding 5: cross-site requests -----------------------------------------------------

BASIC = {
    "server": {"api_key": None, "basic_auth": {"username": "me", "password": "pw-0123456789"}},
}
BASIC_HEADER = {"Authorization": "Basic " + base64.b64encode(b"me:pw-0123456789").decode()}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    "headers",
    [
        {**FORM, "Origin": "http://evil.example"},
        {**FORM, "Sec-Fetch-Site": "cross-site"},
        {**FORM, "Origin": "null"},
        FORM,  # an old browser sending neither: no JSON body, no custom header
        {"Content-Type": "text/plain"},
        {**JSON, "X-Requested-With": "x", "Origin": "http://evil.example"},
    ],
    ids=["origin", "sec-fetch-site", "null-origin", "plain-form", "text-plain", "json-cross"],
)
@pytest.mark.parametrize(
    "path", ["/api/v1/jobs/retry-failed", "/api/v1/pipelines/cleanup/resume", "/queue/retry-failed"]
)
async def test_5_cross_site_posts_with_basic_auth_are_403(
    running_app: AppFactory, headers: dict[str, str], path: str
) -> None:
    async with running_app(**BASIC) as r:
        answer = await r.client.post(path, content=b"a=1", headers={**BASIC_HEADER, **headers})
    assert answer.status_code == 403, answer.text
    assert "cross-site" in answer.json()["detail"]


@pytest.mark.parametrize("path", ["/test", "/summary/send"])
async def test_5_the_old_tools_acting_gets_refuse_other_sites(
    running_app: AppFactory, path: str
) -> None:
    """sync-webhook's ``GET /test`` and ``GET /summary/send`` send a message: an ``<img>``
    on another site's page must not trigger them with the user's Basic credentials."""
    notify = {"notifications": {"urls": ["json://127.0.0.1:9/x"]}}
    async with running_app(**BASIC, **notify) as r:
        img = await r.client.get(path, headers={**BASIC_HEADER, "Sec-Fetch-Site": "cross-site"})
        foreign = await r.client.get(
            path, headers={**BASIC_HEADER, "Origin": "http://evil.example"}
        )
    assert img.status_code == foreign.status_code == 403
    assert "cross-site" in img.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Requested-With": "XMLHttpRequest"},
        {**JSON, "Origin": "http://arrkestra.test"},
        {**JSON, "Sec-Fetch-Site": "same-origin"},
        {
            "X-Requested-With": "fetch",
            "Sec-Fetch-Site": "same-origin",
            "Origin": "http://x.example",
        },
    ],
)
async def test_5_same_origin_and_scripted_posts_still_work(
    running_app: AppFactory, headers: dict[str, str]
) -> None:
    async with running_app(**BASIC) as r:
        answer = await r.client.post(
            "/api/v1/jobs/retry-failed", content=b"{}", headers={**BASIC_HEADER, **headers}
        )
        keyed = await r.client.post("/api/v1/jobs/retry-failed", headers=KEY)
    assert answer.status_code == 200, answer.text
    assert keyed.status_code == 401  # basic_auth only here: the key is not configured


async def test_5_api_key_clients_need_nothing_more(running_app: AppFactory) -> None:
    async with running_app() as r:
        answer = await r.client.post("/api/v1/jobs/retry-failed", headers=KEY)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        ("multipart/form-data; boundary=x", 415),
        (None, 415),
        ("application/json", 202),
        ("application/json; charset=utf-8", 202),
        ("Application/JSON;charset=UTF-8", 202),
    ],
)
async def test_5_webhooks_take_only_json(
    running_app: AppFactory, content_type: str | None, status: int
) -> None:
    """An instance without credentials: a web page's simple POST must not reach it."""
    headers = {"Origin": "http://evil.example"} if status == 415 else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    async with running_app(radarr={"hd": {"url": "http://radarr:7878"}}) as r:
        body = json.dumps({**series_delete(1), "eventType": "MovieDelete"}).encode()
        answer = await r.client.post("/webhook/radarr/hd", content=body, headers=headers)
        stored = (await r.client.get("/api/v1/events", headers=KEY)).json()["events"]
    assert answer.status_code == status, answer.text
    assert len(stored) == (1 if status == 202 else 0)


# --- finding 9: the rate limit never drops an authenticated webhook ---------------------


async def test_9_150_concurrent_authenticated_webhooks_are_all_202(
    running_app: AppFactory,
) -> None:
    async with running_app(**MIRROR) as r:
        answers = await asyncio.gather(
            *(hook(r.client, json.dumps(series_delete(n))) for n in range(150))
        )
    assert [a.status_code for a in answers] == [202] * 150


async def test_9_probes_are_exempt_and_failed_auth_is_limited(running_app: AppFactory) -> None:
    limited = {**MIRROR, "server": {"rate_limit": {"requests": 3, "per": "1h"}}}
    async with running_app(**limited) as r:
        probes = [(await r.client.get(p)).status_code for p in ("/health", "/ready") * 10]
        probes.append((await r.client.get("/metrics")).status_code)
        wrong = [
            (await hook(r.client, "{}", **{"X-Webhook-Secret": "wrong"})).status_code
            for _ in range(5)
        ]
        good = [(await hook(r.client, json.dumps(series_delete(n)))).status_code for n in range(10)]
        api = (await r.client.get("/api/v1/jobs", headers=KEY)).status_code
    assert set(probes) == {200}
    assert wrong == [401, 401, 401, 429, 429]
    assert good == [202] * 10
    assert api == 429  # the API shares the address's bucket


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (["127.0.0.0/8"], [200, 200, 200, 200]),  # one address each, via the proxy
        ([], [200, 200, 429, 429]),  # not trusted: X-Forwarded-For is ignored
        (["10.0.0.1"], [200, 200, 429, 429]),  # another proxy is trusted, not this one
    ],
)
async def test_9_trusted_proxies_give_each_client_its_own_bucket(
    running_app: AppFactory, trusted: list[str], expected: list[int]
) -> None:
    server = {"rate_limit": {"requests": 2, "per": "1h"}, "trusted_proxies": trusted}
    async with running_app(server=server) as r:
        codes = []
        for client in ("192.0.2.1", "192.0.2.2"):
            for _ in range(2):
                headers = {**KEY, "X-Forwarded-For": f"203.0.113.9, {client}"}
                codes.append((await r.client.get("/api/v1/jobs", headers=headers)).status_code)
    ordered = [codes[0], codes[1], codes[2], codes[3]]
    assert ordered == expected


# --- finding 11: slow clients -----------------------------------------------------------

SLOW_CLIENTS = 300
FD_LIMIT = 256  # below SLOW_CLIENTS, as `ulimit -n 1024` is below 1,100


class LimitedDaemon(Daemon):
    """The real daemon under a low open-files limit (``ulimit -n``)."""

    def start(self) -> LimitedDaemon:
        assert self.config is not None

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))

        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    *(sys.executable, "-m", "arrkestra", "serve", "--config", str(self.config)),
                    *("--host", "127.0.0.1", "--port", str(self.port)),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.cwd,
                preexec_fn=limit,  # only sets an rlimit, before exec
            )
        return self


@pytest.mark.e2e
def test_11_slow_clients_do_not_lock_out_a_webhook(tmp_path: Path) -> None:
    config = base_config(
        tmp_path,
        sonarr={"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}},
    )
    daemon = LimitedDaemon(write_config(tmp_path, config), tmp_path / "daemon.log").start()
    slow: list[socket.socket] = []
    try:
        daemon.wait_ready()
        for _ in range(SLOW_CLIENTS):  # half a request line each, then nothing
            sock = socket.create_connection(("127.0.0.1", daemon.port), timeout=5)
            sock.sendall(b"POST /webhook/son")
            slow.append(sock)
        answer = httpx.post(
            f"{daemon.url}/webhook/sonarr/hd",
            content=json.dumps(series_delete(1)).encode(),
            headers=HOOK,
            timeout=httpx.Timeout(15.0),
        )
        assert answer.status_code == 202, answer.text
    finally:
        for sock in slow:
            sock.close()
        daemon.stop()


@pytest.mark.e2e
def test_11_a_request_that_never_completes_is_closed_after_read_timeout(tmp_path: Path) -> None:
    config = base_config(tmp_path, server={"read_timeout": "1s"})
    daemon = Daemon(write_config(tmp_path, config), tmp_path / "daemon.log").start()
    try:
        daemon.wait_ready()
        with socket.create_connection(("127.0.0.1", daemon.port), timeout=10) as sock:
            sock.sendall(b"POST /webhook/sonarr HTTP/1.1\r\nHost: x\r\nContent-Le")
            assert sock.recv(1024) == b""  # closed by the daemon, well before our timeout
    finally:
        daemon.stop()


@pytest.mark.e2e
def test_11_a_large_webhook_body_is_no_header_but_huge_headers_are_refused(
    tmp_path: Path,
) -> None:
    """The head limit counts the head only: a Rename of a whole series (about 1 KB per
    episode, here 300 KB) is taken; 70 KB of headers are refused."""
    config = base_config(
        tmp_path, sonarr={"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}}
    )
    daemon = Daemon(write_config(tmp_path, config), tmp_path / "daemon.log").start()
    try:
        daemon.wait_ready()
        body = {**series_delete(1), "padding": ["x" * 1000] * 300}
        large = httpx.post(
            f"{daemon.url}/webhook/sonarr/hd",
            content=json.dumps(body).encode(),
            headers=HOOK,
            timeout=15,
        )
        headers = {**HOOK, **{f"X-Filler-{n}": "y" * 1000 for n in range(70)}}
        huge = httpx.post(
            f"{daemon.url}/webhook/sonarr/hd",
            content=json.dumps(series_delete(2)).encode(),
            headers=headers,
            timeout=15,
        )
    finally:
        daemon.stop()
    assert large.status_code == 202, large.text
    assert huge.status_code == 400
