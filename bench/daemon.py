"""Start the real daemon for a benchmark: a config file, a subprocess, wait for /ready."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def start_daemon(tmp: Path, port: int, config: dict[str, Any]) -> subprocess.Popen[bytes]:
    """``arrkestra serve`` on 127.0.0.1:``port`` with ``config``; exits the bench if not ready."""
    (tmp / "arrkestra.yaml").write_text(json.dumps(config))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
    argv = [sys.executable, "-m", "arrkestra", "serve", "--config", str(tmp / "arrkestra.yaml")]
    process = subprocess.Popen(
        [*argv, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "daemon.log").open("wb"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    sys.exit("daemon did not become ready:\n" + (tmp / "daemon.log").read_text())
