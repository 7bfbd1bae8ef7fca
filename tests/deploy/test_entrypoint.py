"""The image's entrypoint (deploy/docker/entrypoint.sh) run as Docker runs it, without Docker.

No config file, only variables: the daemon starts, answers ``/health`` on ``PORT`` and
``arrkestra health`` (the HEALTHCHECK) agrees. Run as root (as the image starts), the script
gives the account "arrkestra" the ids PUID/PGID, hands the config and data directories to
them and drops root; as anyone else it just starts arrkestra. /config and /data are
temporary directories here (ARRKESTRA_CONFIG_DIR, ARRKESTRA_DATA_DIR); the working directory
is the config directory, as the image's WORKDIR /config makes it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.conftest import wait_until
from tests.e2e.daemon import free_port

from arrkestra.config import ALIASES

pytestmark = pytest.mark.e2e

ENTRYPOINT = Path(__file__).resolve().parents[2] / "deploy" / "docker" / "entrypoint.sh"
ACCOUNT = "arrkestra"
AS_ROOT = os.geteuid() == 0
PUID = 4321  # no account on a test machine has it
root_only = pytest.mark.skipif(not AS_ROOT, reason="dropping to PUID/PGID needs root")


@pytest.fixture
def box() -> Iterator[Path]:
    """``config/`` and ``data/`` that any uid can reach (pytest's tmp_path is root's only)."""
    root = Path(tempfile.mkdtemp(prefix="arrkestra-docker-"))
    root.chmod(0o755)
    (root / "config").mkdir()
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def account() -> Iterator[None]:
    """The entrypoint (as root) creates the account "arrkestra" on this machine: removed after."""
    if not AS_ROOT:
        yield
        return
    if _lookup("passwd", ACCOUNT) or _lookup("group", ACCOUNT):
        pytest.skip(f"this machine has an account {ACCOUNT!r} of its own: not touching it")
    yield
    subprocess.run(["userdel", ACCOUNT], capture_output=True, check=False)
    subprocess.run(["groupdel", ACCOUNT], capture_output=True, check=False)


def _lookup(database: str, key: str) -> list[str]:
    found = subprocess.run(["getent", database, key], capture_output=True, text=True, check=False)
    return found.stdout.strip().split(":") if found.returncode == 0 else []


def container_env(box: Path, **variables: str) -> dict[str, str]:
    """This process's environment without any arrkestra setting, plus the image's own
    (ARRKESTRA_STORAGE__PATH=/data) and the test's."""
    read = {name for alias in ALIASES for name in alias.names} | {"PUID", "PGID", "UMASK"}
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ARRKESTRA_") and name.removesuffix("_FILE") not in read
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        ARRKESTRA_CONFIG_DIR=str(box / "config"),
        ARRKESTRA_DATA_DIR=str(box / "data"),
        ARRKESTRA_STORAGE__PATH=str(box / "data"),
    )
    env.update(variables)
    return env


def run_entrypoint(box: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRYPOINT), *args],
        env=env,
        cwd=box / "config",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def health(box: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The HEALTHCHECK: ``arrkestra health`` in the working directory, with the same env."""
    return subprocess.run(
        ["arrkestra", "health"],
        env=env,
        cwd=box / "config",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class Container:
    """``entrypoint.sh serve`` (the image's CMD) as a subprocess; the script execs, so its
    pid is arrkestra's."""

    def __init__(self, box: Path, env: dict[str, str]) -> None:
        self.box = box
        self.env = env
        self.log_file = box / "container.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Container:
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [str(ENTRYPOINT), "serve"],
                env=self.env,
                cwd=self.box / "config",
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def wait_healthy(self, port: int) -> None:
        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"exited with {self.process.returncode}:\n{self.log()}")
            try:
                return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(answers, timeout=30)

    def status(self, field: str) -> list[str]:
        """A field of /proc/PID/status of the running process (``Uid``: real, effective,
        saved and file-system uid)."""
        assert self.process is not None
        status = Path(f"/proc/{self.process.pid}/status").read_text("utf-8")
        return next(line for line in status.splitlines() if line.startswith(f"{field}:")).split()[
            1:
        ]

    def terminate(self) -> int:
        """``docker stop``: SIGTERM, then wait for the exit."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text("utf-8", errors="replace")


def test_starts_on_variables_alone_as_puid_pgid(box: Path, account: None) -> None:
    port = free_port()
    ids = {"PUID": str(PUID), "PGID": str(PUID)}
    env = container_env(
        box,
        PORT=str(port),  # sync-webhook's variable for server.port
        OVERSEER_URL=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        UMASK="027",
        **ids,
    )
    container = Container(box, env).start()
    try:
        container.wait_healthy(port)
        uid = PUID if AS_ROOT else os.getuid()
        gid = PUID if AS_ROOT else os.getgid()
        assert {int(value) for value in container.status("Uid")} == {uid}
        assert {int(value) for value in container.status("Gid")} == {gid}
        assert container.status("CapEff") == container.status("CapPrm") == ["0" * 16]
        probe = health(box, env)
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.startswith(f"healthy: http://127.0.0.1:{port}/health answered 200")
        assert len(probe.stdout.splitlines()) == 1
        created = sorted((box / "data").iterdir())
        assert box / "data" / "arrkestra.db" in created
        for path in created:
            info = path.stat()
            assert (info.st_uid, info.st_gid) == (uid, gid), path
            assert info.st_mode & 0o007 == 0, path  # UMASK=027
        assert container.terminate() == 0
    finally:
        container.kill()
    after = health(box, env)
    assert after.returncode == 1
    assert after.stdout == ""
    assert "connection refused" in after.stderr and len(after.stderr.splitlines()) == 1
    log = container.log()
    assert "not found: using defaults" in log
    assert "Traceback" not in log
    if AS_ROOT:
        assert f"running arrkestra as uid {PUID}, gid {PUID}" in log
        assert _lookup("passwd", ACCOUNT)[2:4] == [str(PUID), str(PUID)]


def test_a_config_file_in_the_config_directory_is_read(box: Path, account: None) -> None:
    port = free_port()
    config = box / "config" / "arrkestra.yaml"
    config.write_text(f"server:\n  port: {port}\n", "utf-8")
    config.chmod(0o600)  # readable by its owner only: the entrypoint hands it over
    env = container_env(box, PUID=str(PUID), PGID=str(PUID))
    container = Container(box, env).start()
    try:
        container.wait_healthy(port)
        probe = health(box, env)  # no PORT anywhere: the HEALTHCHECK follows the file
        assert probe.returncode == 0, probe.stderr
        assert f":{port}/health" in probe.stdout
        assert container.terminate() == 0
    finally:
        container.kill()
    assert "Traceback" not in container.log()


def test_an_explicit_config_that_is_missing_stops_the_start(box: Path, account: None) -> None:
    missing = box / "config" / "elsewhere.yaml"
    env = container_env(box, ARRKESTRA_CONFIG=str(missing), PUID=str(PUID), PGID=str(PUID))
    done = run_entrypoint(box, env, "serve")
    assert done.returncode == 2
    assert f"config file {missing} does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_ids_or_umask_are_refused_in_one_line(box: Path) -> None:
    done = run_entrypoint(box, container_env(box, UMASK="u=rwx"), "version")
    assert done.returncode == 2
    assert done.stderr == "entrypoint: error: UMASK=u=rwx is not an octal mask like 022 or 002\n"
    if AS_ROOT:
        done = run_entrypoint(box, container_env(box, PUID="abc"), "version")
        assert done.returncode == 2
        assert done.stderr.startswith("entrypoint: error: PUID=abc is not a numeric user id")


@root_only
def test_new_ids_move_the_account_and_only_what_is_not_theirs_is_chowned(
    box: Path, account: None
) -> None:
    first = run_entrypoint(box, container_env(box, PUID=str(PUID), PGID=str(PUID)), "version")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("arrkestra ")
    stray = box / "data" / "left-by-root.db"
    stray.write_bytes(b"")  # created by root: not arrkestra's yet
    outside = box / "outside"
    outside.write_bytes(b"")

    new = str(PUID + 1)
    moved = run_entrypoint(box, container_env(box, PUID=new, PGID=new), "version")
    assert moved.returncode == 0, moved.stderr
    assert _lookup("passwd", ACCOUNT)[2:4] == [new, new]
    assert _lookup("group", ACCOUNT)[2] == new
    handed = [box / "config", box / "data", stray]
    assert {(p.stat().st_uid, p.stat().st_gid) for p in handed} == {(PUID + 1, PUID + 1)}
    assert outside.stat().st_uid == 0  # only the config and data directories

    changed = {p: p.stat().st_ctime_ns for p in handed}
    again = run_entrypoint(box, container_env(box, PUID=new, PGID=new), "version")
    assert again.returncode == 0, again.stderr
    assert {p: p.stat().st_ctime_ns for p in handed} == changed  # a restart touches nothing
