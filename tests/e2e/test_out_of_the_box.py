"""`arrkestra serve` on a fresh machine: no config file, nothing in the directory."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.e2e.daemon import Daemon

pytestmark = pytest.mark.e2e


def test_serve_with_no_config_starts_on_the_embedded_default(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    home.mkdir()
    daemon = Daemon(None, tmp_path / "daemon.log", cwd=home).start()
    try:
        daemon.wait_ready()
        health = httpx.get(f"{daemon.url}/health", timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "healthy"
        assert (home / "data" / "arrkestra.db").is_file()
        daemon.signal(signal.SIGTERM)
        assert daemon.wait_exit(15) == 0
    finally:
        daemon.stop()
    log = daemon.log()
    assert "not found: using defaults" in log
    for capability in ("cleanup:", "mirror:", "catchup:", "reconcile:", "discovery:"):
        assert capability in log  # one clear line per capability
    assert "Traceback" not in log
