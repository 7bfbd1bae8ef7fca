"""The real daemon as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import API_KEY, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Daemon:
    def __init__(
        self,
        config: Path | None,
        log_file: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        port_variable: str | None = None,
    ) -> None:
        """``port_variable``: the port is given as that environment variable (``PORT``, as
        the old tools' users set it) instead of ``--port``."""
        self.config = config
        self.cwd = cwd or (config.parent if config else log_file.parent)
        self.log_file = log_file
        self.port = free_port()
        self.env = dict(env or {})
        self.port_flag = ["--port", str(self.port)]
        if port_variable is not None:
            self.env[port_variable] = str(self.port)
            self.port_flag = []
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Daemon:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
        env.update(self.env)
        config = ["--config", str(self.config)] if self.config else []
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "arrkestra",
                    "serve",
                    *config,
                    "--host",
                    "127.0.0.1",
                    *self.port_flag,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.cwd,
            )
        return self

    def wait_ready(self, timeout: float = 30.0) -> None:
        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"daemon exited with {self.process.returncode}:\n{self.log()}")
            try:
                return httpx.get(f"{self.url}/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"X-Api-Key": API_KEY, **kwargs.pop("headers", {})}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kwargs)

    def signal(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_file.read_text(encoding="utf-8", errors="replace")


def run_migrate(home: Path, environment: dict[str, str], *files: Path) -> Path:
    """``arrkestra migrate FILES`` as a user runs it in ``home`` (with only ``environment``
    set); the written config's path. Fails the test with its output when it fails."""
    migrated = subprocess.run(
        [sys.executable, "-m", "arrkestra", "migrate", *map(str, files)],
        cwd=home,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    return home / "arrkestra.yaml"
