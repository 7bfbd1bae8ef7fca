"""The real daemon under ``arrkestra demo``: ``python -m arrkestra serve`` as a child process.

A child process rather than the server in the demo's own process: it is the daemon a user
runs (its start-up, its logs, its graceful SIGTERM), and stopping it leaves nothing
behind. It runs in its own session, so a Ctrl-C in the terminal reaches the demo alone,
which then stops the daemon once, gracefully (a second signal would make it skip the
drain). Its environment is a minimal one: the caller's ``ARRKESTRA_*`` and the old tools'
variables (``SONARR_URL``, ``PORT``, ...) would otherwise override the demo's config.
Its output goes to ``daemon.log`` in the demo's folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

KEPT_VARIABLES = (
    *("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ"),
    *("PYTHONPATH", "VIRTUAL_ENV", "SYSTEMROOT"),
)
STOP_TIMEOUT = 15.0  # the demo's drain_timeout (3 s) and the shutdown's own steps


class DaemonFailed(Exception):
    """The daemon exited, or did not get ready, on its own."""


class DemoDaemon:
    def __init__(self, config: Path, port: int, log_file: Path) -> None:
        self.config = config
        self.port = port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    def start(self) -> DemoDaemon:
        environment = {k: v for k, v in os.environ.items() if k in KEPT_VARIABLES}
        argv = [sys.executable, "-m", "arrkestra", "serve", "--config", str(self.config)]
        argv += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=self.config.parent,
                start_new_session=True,
            )
        return self

    def wait_ready(self, stopping: threading.Event, timeout: float = 60.0) -> bool:
        """Wait for ``/ready``; False when ``stopping`` was set first. DaemonFailed when it
        exited or did not get ready within ``timeout``."""
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=1.0, trust_env=False) as client:
            while not stopping.is_set():
                self.check_alive()
                try:
                    if client.get(f"{self.url}/ready").status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise DaemonFailed(f"it was not ready within {timeout:g} s")
                stopping.wait(0.1)
        return False

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise DaemonFailed(f"it exited with code {self.process.returncode}")

    def stop(self) -> int | None:
        """SIGTERM, a graceful drain, and SIGKILL if it takes too long; its exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        return process.returncode

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
