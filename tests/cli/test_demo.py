"""``arrkestra demo`` from start to Ctrl-C: it prints the dashboard and its password, plays
the day (copies, an upgrade, a cleanup that waits out Overseerr, a discovery cycle, a failed
copy, a reconcile dry run), every page answers, and Ctrl-C leaves nothing behind: no
daemon, no fake listening, no temporary folder."""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.cli.demo_process import Banner, DemoProcess, api_get
from tests.e2e.daemon import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture
def demos() -> Iterator[list[DemoProcess]]:
    started: list[DemoProcess] = []
    yield started
    for demo in started:
        demo.kill()


def jobs(banner: Banner, **query: str) -> list[dict[str, Any]]:
    answer = api_get(banner, "/api/v1/jobs", limit=200, **query)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["jobs"]
    return found


def listening(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, int(port))) == 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_demo_plays_a_day_every_page_answers_and_ctrl_c_removes_everything(
    tmp_path: Path, demos: list[DemoProcess]
) -> None:
    port = free_port()
    demo = DemoProcess(tmp_path, "--port", str(port)).start()
    demos.append(demo)
    banner = demo.banner()
    assert banner.url == f"http://127.0.0.1:{port}/ui/"
    assert banner.folder.parent == tmp_path and banner.folder.name.startswith("arrkestra-demo-")
    assert "log in with this password" in demo.output
    assert set(banner.fakes) == {"sonarr", "radarr", "overseerr", "plex", "tvmaze", "notify"}
    assert "every step as expected" in demo.day_played()

    mirror = jobs(banner, pipeline="mirror")
    assert sum(j["status"] == "succeeded" for j in mirror) == 6  # 3 + movie + upgrade + delete
    (dead,) = [j for j in mirror if j["status"] == "dead"]
    assert "not in the source folder" in dead["last_error"]
    (cleanup,) = jobs(banner, pipeline="cleanup")
    assert cleanup["status"] == "succeeded" and cleanup["attempts"] > 1  # Overseerr was down
    assert {j["status"] for j in jobs(banner, pipeline="discovery")} == {"succeeded"}
    runs = api_get(banner, "/api/v1/reconcile/runs").json()
    assert [(r["missing"], r["queued"]) for r in runs if r["dry_run"]] == [(1, 0)]
    subtitles = (banner.folder / "destination/Movies/Paper Moons (2021)").glob("*.en.srt")
    assert len(list(subtitles)) == 1  # the sidecar went with the movie

    event = api_get(banner, "/api/v1/events", limit=1).json()["events"][0]
    pages = [
        "/ui/",
        "/ui/jobs",
        f"/ui/jobs/{dead['id']}",
        "/ui/events",
        f"/ui/events/{event['id']}",
        "/ui/titles?q=Lighthouse",
        "/ui/discovery",
        "/ui/reconcile",
        "/ui/settings",
    ]
    answers = {page: api_get(banner, page).status_code for page in pages}
    assert answers == dict.fromkeys(pages, 200)

    demo.send(signal.SIGINT)
    assert demo.wait_exit() == 0
    assert f"Removed {banner.folder}" in demo.output
    assert not banner.folder.exists() and list(tmp_path.iterdir()) == []
    assert not alive(banner.pid)
    assert not any(listening(url) for url in [banner.base, *banner.fakes.values()])
    assert "Traceback" not in demo.output


def test_sigterm_before_the_day_has_played_stops_it_and_keep_keeps_the_folder(
    tmp_path: Path, demos: list[DemoProcess]
) -> None:
    demo = DemoProcess(tmp_path, "--keep").start()
    demos.append(demo)
    banner = demo.banner()
    demo.wait_for("08:10", timeout=10)  # the day has begun
    demo.send(signal.SIGTERM)
    assert demo.wait_exit() == 0
    assert "The day has played" not in demo.output and "Kept" in demo.output
    assert (banner.folder / "arrkestra.yaml").is_file()
    assert (banner.folder / "data/arrkestra.db").is_file()
    assert not alive(banner.pid)
    assert not any(listening(url) for url in [banner.base, *banner.fakes.values()])


def test_a_port_in_use_is_refused_before_anything_starts(
    tmp_path: Path, demos: list[DemoProcess]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        demo = DemoProcess(tmp_path, "--port", str(taken.getsockname()[1])).start()
        demos.append(demo)
        assert demo.wait_exit() == 1
    assert "is in use: choose another with --port" in demo.output
    assert list(tmp_path.iterdir()) == []


def test_without_rsync_it_says_how_to_install_it_and_plays_the_day_without_mirror(
    tmp_path: Path, demos: list[DemoProcess]
) -> None:
    no_rsync = tmp_path / "bin"  # a PATH without rsync (the interpreter is called by its path)
    no_rsync.mkdir()
    demo = DemoProcess(tmp_path, env={"PATH": str(no_rsync)}).start()
    demos.append(demo)
    banner = demo.banner()
    assert "rsync is not installed" in demo.output and "apt install rsync" in demo.output
    assert "every step as expected" in demo.day_played()
    assert "nothing copied (mirror is off" in demo.output and "Northern Line" not in demo.output
    assert jobs(banner, pipeline="mirror") == []
    assert [j["status"] for j in jobs(banner, pipeline="cleanup")] == ["succeeded"]
    demo.send(signal.SIGINT)
    assert demo.wait_exit() == 0
    assert not banner.folder.exists()
