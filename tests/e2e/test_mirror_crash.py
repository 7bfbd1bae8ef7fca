"""mirror with the real daemon process: SIGKILL in the middle of a copy, and a season pack.

Crash: a few hundred MB of random data are copied with ``mirror.bwlimit`` set, so the copy
takes seconds, and the daemon is killed with SIGKILL while rsync writes its temp file.
After a restart on the same database the job runs exactly once more and the mirror holds
a complete, identical copy: no rsync temp file (``.name.XXXXXX``), no partial folder,
nothing else. Two ways to die are covered: the whole service at once (the daemon and the
rsync it started, as a container kill, the OOM killer in a container or a power cut do)
and the daemon alone. In the second case Linux stops the daemon's rsync too (it runs in
its own session, but with PR_SET_PDEATHSIG), so no orphan copies on beside the restart;
and a retry that finds the copy complete (an earlier attempt finished it) still scans
and announces it, since nobody did.

Season pack: a Sonarr "On Import Complete" Download with 10 episode files, each with an
``.srt``, gives 10 copies with their subtitles, one Plex scan of the season folder (fake
Plex on loopback) and one coalesced notification (fake Apprise receiver on loopback).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_plex import FakePlex
from arrkestra.testing.loopback import LoopbackServer
from tests.conftest import base_config, wait_until, write_config
from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e

PAYLOADS = Path(__file__).resolve().parent.parent / "fixtures" / "payloads"
PLEX_TOKEN = "plex-e2e-token-0123456789abcdef"
BIG_FILE_MIB = 256  # random data, generated once per module
BWLIMIT = "64M"  # mirror.bwlimit (MiB/s): the copy takes about 4 s
CHUNK = 16 * 1024 * 1024
MOVIE_FOLDER = "Spirited Away (2001)"
MOVIE_FILE = "Spirited.Away.2002.1080p.BluRay.x265-NAN0.mkv"
TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9]{6}$")  # rsync's temp file: .name.XXXXXX
PARTIAL_DIRS = {".arrkestra-partial", ".rsync-partial", ".~tmp~"}


# -- helpers ---------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def tree(root: Path) -> set[str]:
    """Every file and folder under ``root``, as relative POSIX paths."""
    found = set()
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            found.add((Path(folder) / name).relative_to(root).as_posix())
    return found


def leftovers(root: Path) -> list[str]:
    """rsync temp files and partial folders anywhere under ``root``."""
    return sorted(
        path
        for path in tree(root)
        if TEMP_NAME.match(Path(path).name) or Path(path).name in PARTIAL_DIRS
    )


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a process, None when it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    state, parent, group = data[data.rindex(b")") + 2 :].split(maxsplit=3)[:3]
    return state.decode(), int(parent), int(group)


def rsync_children(parent: int) -> list[int]:
    """The rsync processes ``parent`` started itself (not their own children)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        info = proc_stat(int(entry))
        try:
            name = Path(f"/proc/{entry}/comm").read_text().strip()
        except OSError:
            continue
        if info is not None and info[1] == parent and name == "rsync":
            pids.append(int(entry))
    return pids


def group_alive(group: int) -> bool:
    """Whether a process of ``group`` still runs (zombies waiting for init do not count)."""
    for entry in os.listdir("/proc"):
        info = proc_stat(int(entry)) if entry.isdigit() else None
        if info is not None and info[2] == group and info[0] != "Z":
            return True
    return False


def kill_group(group: int) -> None:
    """SIGKILL a process group this test started (through the daemon) and wait for it."""
    if not group_alive(group):
        return  # gone already: its number may belong to someone else by now
    try:
        os.killpg(group, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not group_alive(group), timeout=10)


@pytest.fixture
def rsync_groups() -> Iterator[list[int]]:
    """rsync process groups a test saw; any still running at the end are killed."""
    groups: list[int] = []
    yield groups
    for group in groups:
        kill_group(group)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """BIG_FILE_MIB of random data (not sparse: every byte counts for the checksum)."""
    path = tmp_path_factory.mktemp("media") / "big.mkv"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(BIG_FILE_MIB * 1024 * 1024 // CHUNK):
            chunk = os.urandom(CHUNK)
            digest.update(chunk)
            handle.write(chunk)
    return path, digest.hexdigest()


@dataclass
class Upstreams:
    plex: FakePlex
    plex_url: str
    notify: FakeNotify
    notify_url: str

    def mirrored(self) -> list[str]:
        """The "mirrored" messages received, title and body."""
        received = self.notify.received("/alerts")
        return [f"{m.title}\n{m.message}" for m in received if "mirrored" in m.title]


@contextmanager
def serve_upstreams(plex_path: str, kind: str) -> Iterator[Upstreams]:
    plex = FakePlex(PLEX_TOKEN, sections=[("1", kind, "Library", [plex_path])])
    notify = FakeNotify()
    with LoopbackServer(plex.app) as p, LoopbackServer(notify.app) as n:
        yield Upstreams(plex, p.url, notify, f"json://127.0.0.1:{n.port}/alerts")


@pytest.fixture
def movie_upstreams() -> Iterator[Upstreams]:
    with serve_upstreams("/data/Movies", "movie") as upstreams:
        yield upstreams


def mirror_config(tmp: Path, upstreams: Upstreams, arr_path: str, plex_path: str) -> Path:
    data = base_config(
        tmp,
        sonarr={"hd": {"url": "http://sonarr:8989"}},
        radarr={"hd": {"url": "http://radarr:7878"}},
        plex={"url": upstreams.plex_url, "token": PLEX_TOKEN, "scan_debounce": "1s"},
        notifications={"urls": [upstreams.notify_url], "coalesce_window": "2s"},
        mirror={
            "bwlimit": BWLIMIT,
            "paths": [
                {
                    "arr_path": arr_path,
                    "source": str(tmp / "source"),
                    "destination": str(tmp / "mirror"),
                    "plex_path": plex_path,
                }
            ],
        },
    )
    return write_config(tmp, data)


def job(daemon: Daemon, job_id: int) -> dict[str, Any]:
    answer = daemon.api("GET", f"/api/v1/jobs/{job_id}")
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def jobs(daemon: Daemon, pipeline: str) -> list[dict[str, Any]]:
    answer = daemon.api("GET", "/api/v1/jobs", params={"pipeline": pipeline, "limit": 500})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["jobs"]
    return found


def settled(daemon: Daemon, pipeline: str, count: int) -> bool:
    found = jobs(daemon, pipeline)
    return len(found) == count and all(j["status"] in ("succeeded", "dead") for j in found)


# -- SIGKILL in the middle of a copy ---------------------------------------------------


@dataclass
class Crash:
    config: Path
    digest: str
    destination: Path  # the file's folder in the mirror
    job_id: int
    rsync: int  # the rsync the first daemon started: its pid and process group


def crash_mid_copy(
    tmp: Path,
    big_file: tuple[Path, str],
    upstreams: Upstreams,
    daemons: list[Daemon],
    rsync_groups: list[int],
) -> Crash:
    """Start a daemon, send Radarr's Download for the big file, SIGKILL the daemon mid-copy."""
    original, digest = big_file
    folder = tmp / "source" / MOVIE_FOLDER
    folder.mkdir(parents=True)
    os.link(original, folder / MOVIE_FILE)  # the same bytes, nothing more to write
    (tmp / "mirror").mkdir()
    config = mirror_config(tmp, upstreams, "/movies", "/data/Movies")
    first = Daemon(config, tmp / "daemon.log").start()
    daemons.append(first)
    first.wait_ready()
    body = json.loads((PAYLOADS / "radarr" / "v5-download.real.json").read_text())
    body["movie"]["folderPath"] = f"/movies/{MOVIE_FOLDER}"
    body["movieFile"]["relativePath"] = MOVIE_FILE
    body["movieFile"]["size"] = BIG_FILE_MIB * 1024 * 1024
    answer = httpx.post(f"{first.url}/webhook/radarr/hd", json=body, timeout=10)
    assert answer.status_code == 202, answer.text
    [job_id] = answer.json()["jobs"]

    destination = tmp / "mirror" / MOVIE_FOLDER
    started: list[int] = []

    def copying() -> bool:
        assert first.process is not None
        if not started:
            started.extend(rsync_children(first.process.pid))
            rsync_groups.extend(started)
        try:
            sizes = [p.stat().st_size for p in destination.iterdir() if TEMP_NAME.match(p.name)]
        except FileNotFoundError:  # the folder is not created yet
            return False
        return bool(started) and any(sizes)

    wait_until(copying, timeout=30, interval=0.005)  # rsync is writing its temp file
    first.signal(signal.SIGKILL)
    assert first.wait_exit(10) == -signal.SIGKILL
    assert not (destination / MOVIE_FILE).exists(), "the copy finished before the kill"
    [rsync] = started
    info = proc_stat(rsync)
    assert info is None or info[2] == rsync  # rsync leads its own process group
    return Crash(config, digest, destination, job_id, rsync)


def restart_and_check(tmp: Path, crash: Crash, daemons: list[Daemon]) -> dict[str, Any]:
    """Restart on the same database; the job runs once more and leaves an exact copy."""
    second = Daemon(crash.config, tmp / "daemon.log").start()
    daemons.append(second)
    second.wait_ready()
    wait_until(lambda: job(second, crash.job_id)["status"] == "succeeded", timeout=60)
    done = job(second, crash.job_id)
    assert done["attempts"] == 2
    assert [a["outcome"] for a in done["attempts_log"]] == ["recovered", "succeeded"]
    assert [j["id"] for j in jobs(second, "mirror")] == [crash.job_id]
    assert "recovered 1 job(s) left running" in second.log()

    assert sha256_of(crash.destination / MOVIE_FILE) == crash.digest
    assert leftovers(tmp / "mirror") == []
    assert tree(tmp / "mirror") == {MOVIE_FOLDER, f"{MOVIE_FOLDER}/{MOVIE_FILE}"}
    mode = (crash.destination / MOVIE_FILE).stat()
    assert stat.S_ISREG(mode.st_mode) and mode.st_size == BIG_FILE_MIB * 1024 * 1024
    return done


@pytest.mark.timeout(300)
def test_sigkill_of_the_whole_service_mid_copy_then_restart_copies_exactly_once(
    tmp_path: Path,
    big_file: tuple[Path, str],
    movie_upstreams: Upstreams,
    daemons: list[Daemon],
    rsync_groups: list[int],
) -> None:
    """Daemon and rsync die together (container kill, OOM, power cut): a temp file stays."""
    crash = crash_mid_copy(tmp_path, big_file, movie_upstreams, daemons, rsync_groups)
    kill_group(crash.rsync)
    temps = [p.name for p in crash.destination.iterdir()]
    assert len(temps) == 1 and TEMP_NAME.match(temps[0]), temps  # the killed rsync's leftover
    assert movie_upstreams.mirrored() == []

    done = restart_and_check(tmp_path, crash, daemons)
    assert done["result"]["outcome"] == "copied"
    assert done["result"]["bytes_transferred"] == BIG_FILE_MIB * 1024 * 1024
    wait_until(lambda: len(movie_upstreams.mirrored()) >= 1)
    wait_until(lambda: settled(daemons[-1], "plex_scan", 1))
    assert len(movie_upstreams.mirrored()) == 1  # announced once: by the run that copied
    assert movie_upstreams.plex.scans == [("1", f"/data/Movies/{MOVIE_FOLDER}")]


@pytest.mark.timeout(300)
def test_sigkill_of_the_daemon_alone_mid_copy_then_restart_leaves_an_exact_copy(
    tmp_path: Path,
    big_file: tuple[Path, str],
    movie_upstreams: Upstreams,
    daemons: list[Daemon],
    rsync_groups: list[int],
) -> None:
    """Only the daemon dies. Linux then sends its rsync SIGTERM (PR_SET_PDEATHSIG): rsync
    stops and removes its temp file itself, so no orphan copies on beside the restart."""
    crash = crash_mid_copy(tmp_path, big_file, movie_upstreams, daemons, rsync_groups)
    wait_until(lambda: not group_alive(crash.rsync), timeout=10)
    assert leftovers(tmp_path / "mirror") == []  # rsync cleaned up after itself
    done = restart_and_check(tmp_path, crash, daemons)
    assert done["result"]["outcome"] == "copied"
    assert leftovers(tmp_path / "mirror") == []
    assert sha256_of(crash.destination / MOVIE_FILE) == crash.digest


@pytest.mark.timeout(300)
def test_a_copy_finished_by_the_rsync_of_a_killed_daemon_is_still_scanned_and_announced(
    tmp_path: Path,
    big_file: tuple[Path, str],
    movie_upstreams: Upstreams,
    daemons: list[Daemon],
    rsync_groups: list[int],
) -> None:
    """The restart comes only after the killed daemon's rsync has ended, however it ended."""
    crash = crash_mid_copy(tmp_path, big_file, movie_upstreams, daemons, rsync_groups)
    wait_until(lambda: not group_alive(crash.rsync), timeout=60)
    restart_and_check(tmp_path, crash, daemons)
    wait_until(lambda: len(movie_upstreams.mirrored()) >= 1, timeout=15)
    wait_until(lambda: settled(daemons[-1], "plex_scan", 1), timeout=15)
    assert len(movie_upstreams.mirrored()) == 1
    assert movie_upstreams.plex.scans == [("1", f"/data/Movies/{MOVIE_FOLDER}")]


# -- a season pack ---------------------------------------------------------------------

SHOW = "The Expanse"
SEASON = "Season 06"
EPISODES = 10


@dataclass
class SeasonRun:
    tmp: Path
    digests: dict[str, str]  # episode file name -> sha256
    subtitles: dict[str, str]
    jobs: list[dict[str, Any]]
    scans: list[tuple[str, str]]
    scan_jobs: list[dict[str, Any]]
    mirrored: list[str]


def episode_name(number: int) -> str:
    return f"{SHOW} - S06E{number:02d} - Episode {number} [WEBDL-1080p][EAC3 5.1][h264]-NTb.mkv"


def season_pack_body() -> dict[str, Any]:
    """Sonarr's "On Import Complete" (a Download with episodeFiles) for 10 episodes."""
    sample = json.loads(
        (PAYLOADS / "sonarr" / "v4-import-complete-season-pack.constructed.json").read_text()
    )
    body: dict[str, Any] = copy.deepcopy(sample)
    body["series"]["path"] = f"/tv/{SHOW}"
    episode, file = sample["episodes"][0], sample["episodeFiles"][0]
    body["episodes"] = [
        {**episode, "id": 1000 + n, "episodeNumber": n, "title": f"Episode {n}"}
        for n in range(1, EPISODES + 1)
    ]
    body["episodeFiles"] = [
        {
            **file,
            "id": 2000 + n,
            "relativePath": f"{SEASON}/{episode_name(n)}",
            "path": f"/tv/{SHOW}/{SEASON}/{episode_name(n)}",
            "size": 1_000_000 + n,
        }
        for n in range(1, EPISODES + 1)
    ]
    body["fileCount"] = EPISODES
    return body


@pytest.fixture(scope="module")
def season_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeasonRun]:
    """One daemon run: the season pack arrives, is copied, scanned and announced."""
    tmp = tmp_path_factory.mktemp("season")
    folder = tmp / "source" / SHOW / SEASON
    folder.mkdir(parents=True)
    digests, subtitles = {}, {}
    for n in range(1, EPISODES + 1):
        data = os.urandom(1_000_000 + n)
        (folder / episode_name(n)).write_bytes(data)
        digests[episode_name(n)] = hashlib.sha256(data).hexdigest()
        srt = episode_name(n).removesuffix(".mkv") + ".en.srt"
        text = f"1\n00:00:01,000 --> 00:00:02,000\nEpisode {n}\n"
        (folder / srt).write_text(text)
        subtitles[srt] = text
    (tmp / "mirror").mkdir()
    with serve_upstreams("/data/TV", "show") as upstreams:
        config = mirror_config(tmp, upstreams, "/tv", "/data/TV")
        daemon = Daemon(config, tmp / "daemon.log").start()
        try:
            daemon.wait_ready()
            answer = httpx.post(
                f"{daemon.url}/webhook/sonarr/hd", json=season_pack_body(), timeout=10
            )
            assert answer.status_code == 202, answer.text
            assert len(answer.json()["jobs"]) == EPISODES
            wait_until(lambda: settled(daemon, "mirror", EPISODES), timeout=60)
            wait_until(lambda: settled(daemon, "plex_scan", 1), timeout=30)
            wait_until(lambda: len(upstreams.mirrored()) >= 1, timeout=30)
            mirror_jobs, scan_jobs = jobs(daemon, "mirror"), jobs(daemon, "plex_scan")
            daemon.signal(signal.SIGTERM)  # a clean stop sends anything still held
            assert daemon.wait_exit(30) == 0
        finally:
            daemon.stop()
        yield SeasonRun(
            tmp,
            digests,
            subtitles,
            mirror_jobs,
            list(upstreams.plex.scans),
            scan_jobs,
            upstreams.mirrored(),
        )


def test_a_season_pack_is_copied_with_its_subtitles_and_scanned_once_per_folder(
    season_run: SeasonRun,
) -> None:
    assert {j["status"] for j in season_run.jobs} == {"succeeded"}
    assert {j["result"]["outcome"] for j in season_run.jobs} == {"copied"}
    assert all(j["attempts"] == 1 for j in season_run.jobs)
    copied = season_run.tmp / "mirror" / SHOW / SEASON
    assert tree(season_run.tmp / "mirror") == {
        SHOW,
        f"{SHOW}/{SEASON}",
        *(f"{SHOW}/{SEASON}/{name}" for name in [*season_run.digests, *season_run.subtitles]),
    }
    for name, digest in season_run.digests.items():
        assert sha256_of(copied / name) == digest
    for name, text in season_run.subtitles.items():
        assert (copied / name).read_text() == text
    assert season_run.scans == [("1", f"/data/TV/{SHOW}/{SEASON}")]  # one scan per folder
    assert [j["status"] for j in season_run.scan_jobs] == ["succeeded"]


def test_a_season_pack_is_announced_with_one_notification(season_run: SeasonRun) -> None:
    # "One notification per season pack" (coalescing, notifications.coalesce_window) was
    # being built separately when this test was written and landed before it (0354a61),
    # so the assertion runs: 10 files of one series within the window are one message.
    assert len(season_run.mirrored) == 1
    [message] = season_run.mirrored
    assert all(name in message for name in season_run.digests)
