"""``arrkestra check --online``: real fake upstreams on 127.0.0.1, real temp directories.

Each failure carries its hint, only what a configured capability needs fails the command,
and no secret reaches the output.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, StreamingResponse
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.testing.fake_arr import create_fake_arr
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer

runner = CliRunner()
KEY = "sonarr-key-0123456789abcdef"
WRONG = "wrong-key-fedcba9876543210"
OVERSEERR_KEY = "overseerr-key-0123456789ab"
PLEX_TOKEN = "plex-token-0123456789abcd"
CLOSED_PORT = 9  # discard: nothing listens on loopback


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def sonarr() -> Iterator[LoopbackServer]:
    with LoopbackServer(create_fake_arr("sonarr", KEY)) as server:
        yield server


def roots(tmp_path: Path, name: str = "tv") -> tuple[Path, Path]:
    source, destination = tmp_path / "src" / name, tmp_path / "dst" / name
    source.mkdir(parents=True)
    destination.mkdir(parents=True)
    return source, destination


def mirror_of(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"paths": list(rules)}


def rule(source: Path, destination: Path, arr_path: str = "/tv", **more: Any) -> dict[str, Any]:
    return {"arr_path": arr_path, "source": str(source), "destination": str(destination), **more}


def check(tmp_path: Path, *options: str, **sections: Any) -> Any:
    config = write_config(tmp_path, base_config(tmp_path, **sections))
    return runner.invoke(app, ["check", "--online", *options, "-c", str(config)])


def row(output: str, check_name: str) -> str:
    """The table row of one check (its first column)."""
    for line in output.splitlines():
        if line.split("  ", 1)[0] == check_name:  # the table's columns: 2 spaces or more
            return line
    raise AssertionError(f"no row {check_name} in:\n{output}")


def assert_no_secret(output: str) -> None:
    for secret in (KEY, WRONG, OVERSEERR_KEY, PLEX_TOKEN):
        assert secret not in output
    assert "Traceback" not in output


# -- upstreams -------------------------------------------------------------------------------


def test_a_wrong_key_catchup_needs_names_where_to_find_it_and_fails(
    tmp_path: Path, sonarr: LoopbackServer
) -> None:
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": sonarr.url, "api_key": WRONG}},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1, answer.output
    line = row(answer.output, "sonarr.hd")
    assert " FAIL " in line and "auth failed (HTTP 401)" in line
    assert "copy it from Sonarr Settings -> General -> API Key" in line
    assert "sonarr.hd.api_key" in line
    assert_no_secret(answer.output)


def test_the_right_key_shows_the_version_and_who_uses_it(
    tmp_path: Path, sonarr: LoopbackServer
) -> None:
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": sonarr.url, "api_key": KEY}},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 0, answer.output
    line = row(answer.output, "sonarr.hd")
    assert " ok " in line and "Sonarr 4.0.14.2939" in line and "used by catchup" in line
    assert "online check: ok" in answer.output
    assert_no_secret(answer.output)


def test_a_wrong_base_path_gets_the_url_base_hint(tmp_path: Path, sonarr: LoopbackServer) -> None:
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": f"{sonarr.url}/sonarr", "api_key": KEY}},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1
    line = row(answer.output, "sonarr.hd")
    assert "HTTP 404" in line and "wrong base path" in line
    assert "include it (http://host:8989/sonarr)" in line


def test_an_html_page_instead_of_the_api_is_a_wrong_base_path(tmp_path: Path) -> None:
    proxy = FastAPI()

    @proxy.get("/{path:path}")
    async def start_page(path: str) -> HTMLResponse:
        return HTMLResponse("<!doctype html><html><title>Home Lab</title></html>")

    source, destination = roots(tmp_path)
    with LoopbackServer(proxy) as server:
        answer = check(
            tmp_path,
            radarr={"hd": {"url": server.url, "api_key": KEY}},
            mirror=mirror_of(rule(source, destination, arr_path="/movies")),
        )
    assert answer.exit_code == 1
    line = row(answer.output, "radarr.hd")
    assert "an HTML page" in line and "wrong base path" in line and "/radarr" in line


def test_a_refused_port_gets_the_host_and_port_hint(tmp_path: Path) -> None:
    source, destination = roots(tmp_path)
    url = f"http://127.0.0.1:{CLOSED_PORT}"
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": url, "api_key": KEY}},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1
    line = row(answer.output, "sonarr.hd")
    assert "connection refused" in line
    assert (
        f"nothing answers at {url}: check the host and port "
        "(inside Docker use the container name, not localhost)"
    ) in line


def test_https_to_a_plain_http_port_gets_the_tls_hint(
    tmp_path: Path, sonarr: LoopbackServer
) -> None:
    source, destination = roots(tmp_path)
    url = sonarr.url.replace("http://", "https://")
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": url, "api_key": KEY}},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1
    line = row(answer.output, "sonarr.hd")
    assert "TLS failed" in line and "use http:// for a port that speaks plain HTTP" in line


def test_a_trickling_server_cannot_hold_the_check(tmp_path: Path) -> None:
    trickle = FastAPI()

    @trickle.get("/{path:path}")
    async def slowly(path: str) -> StreamingResponse:
        async def drops() -> AsyncIterator[bytes]:
            for _ in range(300):  # a byte every 0.1 s: no read ever times out
                yield b" "
                await asyncio.sleep(0.1)

        return StreamingResponse(drops(), media_type="application/json")

    source, destination = roots(tmp_path)
    with LoopbackServer(trickle) as server:
        started = time.monotonic()
        answer = check(
            tmp_path,
            sonarr={"hd": {"url": server.url, "api_key": KEY, "timeout": "1s"}},
            mirror=mirror_of(rule(source, destination)),
        )
        elapsed = time.monotonic() - started
    assert answer.exit_code == 1
    assert elapsed < 10, elapsed
    line = row(answer.output, "sonarr.hd")
    assert "timed out (no whole answer within 1s)" in line


def test_a_mirror_only_config_does_not_need_the_instance_api(tmp_path: Path) -> None:
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {"url": f"http://127.0.0.1:{CLOSED_PORT}"}},  # no api_key
        radarr={  # cleanup only (from its webhooks): catch-up does not read its history
            "hd": {"url": f"http://127.0.0.1:{CLOSED_PORT}", "api_key": WRONG, "mirror": False}
        },
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 0, answer.output
    hook_only = row(answer.output, "sonarr.hd")
    assert "not checked: webhook-only instance (no api_key)" in hook_only
    assert "not required (used by nothing configured)" in hook_only
    unused = row(answer.output, "radarr.hd")  # probed, failing, but nothing calls it
    assert " warn " in unused and "not required" in unused and "nothing answers" in unused
    assert_no_secret(answer.output)


def test_missed_deletions_need_every_instance_api(tmp_path: Path, sonarr: LoopbackServer) -> None:
    fake = FakeOverseerr(OVERSEERR_KEY)
    source, destination = roots(tmp_path)
    with LoopbackServer(fake.app) as server:
        answer = check(
            tmp_path,
            sonarr={"hd": {"url": sonarr.url}},  # no api_key: its library cannot be read
            overseerr={"url": server.url, "api_key": OVERSEERR_KEY},
            mirror=mirror_of(rule(source, destination)),
            reconcile={"missed_deletions": True},
        )
    assert answer.exit_code == 1, answer.output
    line = row(answer.output, "sonarr.hd")
    assert " FAIL " in line and "no api_key, needed by reconcile.missed_deletions" in line
    assert "Sonarr Settings -> General -> API Key, into sonarr.hd.api_key" in line
    assert "used by cleanup, reconcile.missed_deletions" in row(answer.output, "overseerr")


def test_overseerr_key_cleanup_needs(tmp_path: Path) -> None:
    fake = FakeOverseerr(OVERSEERR_KEY)
    with LoopbackServer(fake.app) as server:
        wrong = check(
            tmp_path,
            sonarr={"hd": {}},  # webhook-only: all cleanup needs from Sonarr
            overseerr={"url": server.url, "api_key": WRONG},
        )
        right = check(
            tmp_path,
            sonarr={"hd": {}},
            overseerr={"url": server.url, "api_key": OVERSEERR_KEY},
        )
    assert wrong.exit_code == 1, wrong.output
    line = row(wrong.output, "overseerr")
    assert "auth failed (HTTP 403)" in line
    assert "copy it from Overseerr (or Jellyseerr) Settings -> General -> API Key" in line
    assert "not checked: webhook-only instance (no url)" in row(wrong.output, "sonarr.hd")
    assert right.exit_code == 0, right.output
    assert "version 1.34.0; used by cleanup" in row(right.output, "overseerr")
    assert_no_secret(wrong.output + right.output)


# -- mirror roots ----------------------------------------------------------------------------


def test_a_missing_or_unwritable_destination_root_fails_with_a_hint(tmp_path: Path) -> None:
    source, destination = roots(tmp_path)
    missing = tmp_path / "not-mounted"
    answer = check(
        tmp_path,
        mirror=mirror_of(
            rule(source, destination),
            rule(source, missing, arr_path="/movies"),
            rule(source, Path("/proc"), arr_path="/music"),  # refuses new files, even root's
        ),
    )
    assert answer.exit_code == 1, answer.output
    assert " ok " in row(answer.output, "mirror.paths[0].source")
    assert "writable" in row(answer.output, "mirror.paths[0].destination")
    gone = row(answer.output, "mirror.paths[1].destination")
    assert " FAIL " in gone and str(missing) in gone and "does not exist" in gone
    assert "is the share mounted, and is this the path inside arrkestra's container" in gone
    unwritable = row(answer.output, "mirror.paths[2].destination")
    assert " FAIL " in unwritable and "not writable" in unwritable
    assert "cannot create files there" in unwritable


# -- Plex sections ---------------------------------------------------------------------------


def test_plex_sections_resolve_or_say_what_to_write(tmp_path: Path) -> None:
    plex = FakePlex(
        PLEX_TOKEN,
        [("1", "movie", "Movies", ["/data/movies"]), ("2", "show", "TV Shows", ["/data/tv"])],
    )
    source, destination = roots(tmp_path)
    rules = mirror_of(
        rule(source, destination, plex_path="/data/tv", plex_section=2),
        rule(source, destination, arr_path="/gone", plex_path="/data/tv", plex_section=9),
        rule(
            source, destination, arr_path="/movies", plex_path="/data/movies", plex_section="Movies"
        ),
        rule(source, destination, arr_path="/other", plex_path="/data/other"),
        rule(source, destination, arr_path="/found", plex_path="/data/movies/kids"),
        rule(source, destination, arr_path="/elsewhere", plex_path="/srv/tv", plex_section=2),
    )
    with LoopbackServer(plex.app) as server:
        answer = check(
            tmp_path,
            plex={"url": server.url, "token": PLEX_TOKEN},
            sonarr={"hd": {}},
            mirror=rules,
        )
    assert answer.exit_code == 1, answer.output
    out = answer.output
    assert "Plex Media Server 1.41.3.9314-a0bfb8370; used by mirror (Plex scans)" in row(
        out, "plex"
    )
    assert "section 2 'TV Shows' holds /data/tv" in row(out, "mirror.paths[0].plex_section")
    missing = row(out, "mirror.paths[1].plex_section")
    assert "Plex has no such section (it has 1 'Movies', 2 'TV Shows')" in missing
    assert "set plex_section to one of their ids" in missing
    assert "section 1 'Movies' holds /data/movies" in row(out, "mirror.paths[2].plex_section")
    unheld = row(out, "mirror.paths[3].plex_path")
    assert "no Plex library folder holds it" in unheld and "/data/movies" in unheld
    assert "in Plex section 1 'Movies'" in row(out, "mirror.paths[4].plex_path")
    elsewhere = row(out, "mirror.paths[5].plex_section")
    assert "does not hold /srv/tv" in elsewhere and "plex_path must be" in elsewhere
    assert_no_secret(out)


def test_a_wrong_plex_token_says_how_to_find_one(tmp_path: Path) -> None:
    plex = FakePlex(PLEX_TOKEN, [("1", "show", "TV Shows", ["/data/tv"])])
    source, destination = roots(tmp_path)
    with LoopbackServer(plex.app) as server:
        answer = check(
            tmp_path,
            plex={"url": server.url, "token": WRONG},
            sonarr={"hd": {}},
            mirror=mirror_of(rule(source, destination, plex_path="/data/tv")),
        )
    assert answer.exit_code == 1
    line = row(answer.output, "plex")
    assert "wrong Plex token" in line and "X-Plex-Token" in line and "plex.token" in line
    assert "not checked: Plex did not answer" in row(answer.output, "plex sections")
    assert_no_secret(answer.output)


# -- notifications ---------------------------------------------------------------------------


def test_notify_sends_one_test_message_per_url_and_reports_each(tmp_path: Path) -> None:
    notify = FakeNotify()
    notify.fail("/down-secret-77")
    source, destination = roots(tmp_path)
    with LoopbackServer(notify.app) as server:
        urls = [
            f"json://127.0.0.1:{server.port}/chat-secret-42",
            f"json://127.0.0.1:{server.port}/down-secret-77",
        ]
        answer = check(
            tmp_path,
            "--notify",
            sonarr={"hd": {}},
            mirror=mirror_of(rule(source, destination)),
            notifications={"urls": urls[:1], "fallback_urls": urls[1:]},
        )
        received = notify.received("/chat-secret-42")
    assert [m.title for m in received] == ["arrkestra: test notification"]
    assert answer.exit_code == 1, answer.output  # the failing URL
    assert " delivered " in row(answer.output, "notifications.urls[0]")
    failed = row(answer.output, "notifications.fallback_urls[0]")
    assert " FAIL " in failed and "not delivered" in failed
    assert "json://***" in failed
    assert "chat-secret-42" not in answer.output and "down-secret-77" not in answer.output


def test_without_notify_urls_are_only_parsed(tmp_path: Path) -> None:
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {}},
        mirror=mirror_of(rule(source, destination)),
        notifications={"urls": ["json://127.0.0.1:9/fine-secret", "bogus://bogus-secret-4242"]},
    )
    assert answer.exit_code == 0, answer.output
    assert "Apprise can use it" in row(answer.output, "notifications.urls[0]")
    unusable = row(answer.output, "notifications.urls[1]")
    assert " warn " in unusable and "Apprise cannot use this URL" in unusable
    assert "fine-secret" not in answer.output and "bogus-secret-4242" not in answer.output
