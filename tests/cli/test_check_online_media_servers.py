"""``arrkestra check --online`` with Jellyfin and Emby: fake servers on 127.0.0.1, real
temp directories. Each server's row says its name and version; each mirror rule's root as
that server sees it must lie inside one of its libraries, else a FAIL says what to write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from tests.cli.test_check_online import check, mirror_of, roots, row, rule, runner
from tests.conftest import base_config, write_config

from arrkestra.cli import app
from arrkestra.testing.fake_media_browser import FakeMediaBrowser
from arrkestra.testing.loopback import LoopbackServer

JELLYFIN_KEY = "jellyfin-key-0123456789abcdef"
EMBY_KEY = "emby-key-0123456789abcdef0123"
WRONG = "wrong-key-fedcba9876543210"
CLOSED_PORT = 9


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def servers() -> Iterator[
    tuple[FakeMediaBrowser, LoopbackServer, FakeMediaBrowser, LoopbackServer]
]:
    jellyfin = FakeMediaBrowser(
        "jellyfin",
        JELLYFIN_KEY,
        [("Shows", "tvshows", ["/media/tv"]), ("Films", "movies", ["/media/movies"])],
        server_name="living-room",
        version="10.10.3",
    )
    emby = FakeMediaBrowser(
        "emby",
        EMBY_KEY,
        [("TV", "tvshows", ["/mnt/share/TV"])],
        server_name="den",
        version="4.8.10.0",
    )
    with LoopbackServer(jellyfin.app) as j, LoopbackServer(emby.app) as e:
        yield jellyfin, j, emby, e


def assert_no_key(output: str) -> None:
    for secret in (JELLYFIN_KEY, EMBY_KEY, WRONG):
        assert secret not in output
    assert "Traceback" not in output


def test_each_server_shows_its_name_and_version_and_each_rule_its_library(
    tmp_path: Path, servers: Any
) -> None:
    _, j, _, e = servers
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {}},
        jellyfin={"url": j.url, "api_key": JELLYFIN_KEY},
        emby={"den": {"url": f"{e.url}/emby", "api_key": EMBY_KEY}},  # /emby written too
        mirror=mirror_of(
            rule(source, destination, jellyfin_path="/media/tv", emby_path="/mnt/share/TV")
        ),
    )
    assert answer.exit_code == 0, answer.output
    out = answer.output
    jellyfin = row(out, "jellyfin.default")
    assert " ok " in jellyfin and "Jellyfin Server 10.10.3 'living-room'" in jellyfin
    assert "used by mirror (Jellyfin updates)" in jellyfin
    emby = row(out, "emby.den")
    assert " ok " in emby and "Emby 4.8.10.0 'den'" in emby and "mirror (Emby updates)" in emby
    assert "jellyfin.default: in library 'Shows'" in row(out, "mirror.paths[0].jellyfin_path")
    assert "emby.den: in library 'TV'" in row(out, "mirror.paths[0].emby_path")
    assert_no_key(out)


def test_a_root_outside_every_library_fails_with_what_to_write(
    tmp_path: Path, servers: Any
) -> None:
    _, j, _, e = servers
    source, destination = roots(tmp_path)
    movies_source, movies_destination = roots(tmp_path, "movies")
    answer = check(
        tmp_path,
        sonarr={"hd": {}},
        jellyfin={"url": j.url, "api_key": JELLYFIN_KEY},
        emby={"url": e.url, "api_key": EMBY_KEY},
        mirror=mirror_of(
            rule(source, destination, jellyfin_path="/media/tv-4k"),  # a sibling, not inside
            rule(movies_source, movies_destination, arr_path="/movies"),  # no *_path at all
        ),
    )
    assert answer.exit_code == 1, answer.output
    out = answer.output
    sibling = row(out, "mirror.paths[0].jellyfin_path")
    assert " FAIL " in sibling and "/media/tv-4k" in sibling
    assert "no library holds it (its folders: /media/tv, /media/movies)" in sibling
    assert "jellyfin_path must be the destination as Jellyfin sees it" in sibling
    unset = [line for line in out.splitlines() if line.startswith("mirror.paths[1].emby_path")]
    assert len(unset) == 1 and " FAIL " in unset[0] and str(movies_destination) in unset[0]
    assert "set emby_path to the destination as Emby sees it" in unset[0]
    assert "online check: " in out and "problem(s)" in out


def test_a_wrong_key_says_where_to_make_one_and_skips_the_libraries(
    tmp_path: Path, servers: Any
) -> None:
    _, j, _, e = servers
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {}},
        jellyfin={"url": j.url, "api_key": WRONG},
        emby={"url": e.url, "api_key": WRONG},
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1, answer.output
    jellyfin = row(answer.output, "jellyfin.default")
    assert " FAIL " in jellyfin and "auth failed (HTTP 401)" in jellyfin
    assert "Dashboard -> API Keys" in jellyfin and "jellyfin.default.api_key" in jellyfin
    emby = row(answer.output, "emby.default")
    assert "Server Dashboard -> Advanced (under Expert) -> Security" in emby
    skipped = row(answer.output, "jellyfin.default libraries")
    assert " skipped " in skipped and "did not answer as it should" in skipped
    assert_no_key(answer.output)


def test_an_unreachable_server_or_a_wrong_kind_gets_its_hint(tmp_path: Path, servers: Any) -> None:
    _, j, _, _ = servers
    source, destination = roots(tmp_path)
    answer = check(
        tmp_path,
        sonarr={"hd": {}},
        jellyfin={"url": f"http://127.0.0.1:{CLOSED_PORT}", "api_key": JELLYFIN_KEY},
        emby={"url": j.url, "api_key": JELLYFIN_KEY},  # the Jellyfin server, as an Emby
        mirror=mirror_of(rule(source, destination)),
    )
    assert answer.exit_code == 1, answer.output
    refused = row(answer.output, "jellyfin.default")
    assert "unreachable" in refused and "check the host and port" in refused
    wrong = row(answer.output, "emby.default")
    assert "HTTP 404" in wrong and "arrkestra adds Emby's /emby itself" in wrong
    assert_no_key(answer.output)


def test_a_server_of_the_other_kind_is_named(tmp_path: Path) -> None:
    other = FastAPI()

    @other.get("/System/Info")
    async def info() -> dict[str, str]:
        return {"ServerName": "box", "Version": "4.9.0.0", "ProductName": "Emby Server"}

    source, destination = roots(tmp_path)
    with LoopbackServer(other) as server:
        answer = check(
            tmp_path,
            sonarr={"hd": {}},
            jellyfin={"url": server.url, "api_key": JELLYFIN_KEY},
            mirror=mirror_of(rule(source, destination)),
        )
    assert answer.exit_code == 1, answer.output
    line = row(answer.output, "jellyfin.default")
    assert "this is Emby Server, not Jellyfin" in line and "configure it under emby:" in line


def test_the_offline_check_names_the_servers_a_copy_is_announced_to(tmp_path: Path) -> None:
    source, destination = roots(tmp_path)
    config = write_config(
        tmp_path,
        base_config(
            tmp_path,
            sonarr={"hd": {}},
            jellyfin={"url": "http://jellyfin:8096", "api_key": JELLYFIN_KEY},
            emby={"living": {"url": "http://emby:8096", "api_key": EMBY_KEY}},
            mirror=mirror_of(rule(source, destination)),
        ),
    )
    answer = runner.invoke(app, ["check", "-c", str(config)])
    assert answer.exit_code == 0, answer.output
    (mirror,) = [line for line in answer.output.splitlines() if line.strip().startswith("mirror:")]
    assert "jellyfin.default, emby.living" in mirror
    assert_no_key(answer.output)
