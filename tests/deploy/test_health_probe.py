"""``arrkestra health``, the Docker HEALTHCHECK: it finds the daemon's port the way the daemon
does (PORT, ARRKESTRA_SERVER__PORT, the file) and says in one line what it saw.

The daemon is stood in for by a small HTTP app on loopback answering ``/health``; the real
daemon is probed in test_entrypoint.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.e2e.daemon import free_port
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.cli.health import local_url
from arrkestra.config import ALIASES
from arrkestra.testing.loopback import LoopbackServer

runner = CliRunner()
KEY = "health-probe-key-0123456789"


def stand_in(status_code: int = 200, status: str = "degraded", key: str | None = None) -> Starlette:
    """``/health`` as the daemon answers it (``protect_health``: only with the key)."""

    async def health(request: Request) -> JSONResponse:
        if key is not None and request.headers.get("x-api-key") != key:
            return JSONResponse({"error": "unauthorized"}, 401)
        return JSONResponse({"status": status}, status_code)

    return Starlette(routes=[Route("/health", health)])


@pytest.fixture
def daemon() -> Iterator[LoopbackServer]:
    with LoopbackServer(stand_in()) as server:
        yield server


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ambient ARRKESTRA_* or old tools' variable, no ./arrkestra.yaml."""
    names = {name for alias in ALIASES for name in alias.names}
    for name in list(os.environ):
        if name.startswith("ARRKESTRA_") or name.removesuffix("_FILE") in names:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def probe(*args: str, **env: str) -> Any:
    return runner.invoke(app, ["health", *args], env=env)


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_the_port_comes_from_port_like_sync_webhook(daemon: LoopbackServer) -> None:
    result = probe(PORT=str(daemon.port))
    assert result.exit_code == 0, result.output
    line = one_line(result.output)
    assert line == f"healthy: http://127.0.0.1:{daemon.port}/health answered 200, status degraded"


def test_arrkestra_server_port_wins_over_port(daemon: LoopbackServer) -> None:
    result = probe(ARRKESTRA_SERVER__PORT=str(daemon.port), PORT=str(free_port()))
    assert result.exit_code == 0, result.output
    assert f":{daemon.port}/health" in one_line(result.output)


def test_the_port_comes_from_the_config_file(daemon: LoopbackServer, tmp_path: Path) -> None:
    (tmp_path / "arrkestra.yaml").write_text(f"server:\n  port: {daemon.port}\n", "utf-8")
    result = probe()  # ./arrkestra.yaml, as in the image (WORKDIR /config)
    assert result.exit_code == 0, result.output
    assert f":{daemon.port}/health" in one_line(result.output)


def test_a_refused_connection_is_exit_1_and_one_line_without_a_traceback() -> None:
    port = free_port()  # nothing listens there
    env = {**os.environ, "PORT": str(port)}
    done = subprocess.run(
        [sys.executable, "-m", "arrkestra", "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert one_line(done.stderr) == (
        f"unhealthy: http://127.0.0.1:{port}/health: connection refused "
        "(is arrkestra running there?)"
    )


def test_a_503_is_unhealthy() -> None:
    with LoopbackServer(stand_in(503, "unhealthy")) as server:
        result = probe(PORT=str(server.port))
    assert result.exit_code == 1
    assert one_line(result.output).endswith("answered 503, status unhealthy")


def test_a_bad_config_is_exit_1_and_one_line(tmp_path: Path) -> None:
    result = probe(ARRKESTRA_SERVER__PORT="eighty")
    assert result.exit_code == 1
    line = one_line(result.output)
    assert line.startswith("unhealthy: cannot load the configuration: server.port")
    assert line.endswith("run `arrkestra check`")
    missing = probe(ARRKESTRA_CONFIG=str(tmp_path / "missing.yaml"))
    assert missing.exit_code == 1
    assert "does not exist" in one_line(missing.output)


def test_protected_health_is_asked_with_the_api_key_which_is_never_printed() -> None:
    with LoopbackServer(stand_in(key=KEY)) as server:
        result = probe(
            ARRKESTRA_SERVER__PORT=str(server.port),
            ARRKESTRA_SERVER__PROTECT_HEALTH="true",
            ARRKESTRA_API_KEY=KEY,
        )
        unprotected = probe(ARRKESTRA_SERVER__PORT=str(server.port), ARRKESTRA_API_KEY=KEY)
    assert result.exit_code == 0, result.output
    assert unprotected.exit_code == 1  # the key is only sent where /health asks for it
    assert "answered 401" in one_line(unprotected.output)
    assert KEY not in result.output + unprotected.output


def test_url_overrides_the_settings(daemon: LoopbackServer) -> None:
    result = probe("--url", f"{daemon.url}/health", PORT=str(free_port()))
    assert result.exit_code == 0, result.output
    bad = probe("--url", "ftp://user:secret-password@host/health")
    assert bad.exit_code == 1
    assert "secret-password" not in one_line(bad.output)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080/health"),
        ("", "http://127.0.0.1:8080/health"),
        ("localhost", "http://127.0.0.1:8080/health"),
        ("::", "http://[::1]:8080/health"),
        ("[::]", "http://[::1]:8080/health"),
        ("127.0.0.1", "http://127.0.0.1:8080/health"),
        ("192.168.1.5", "http://192.168.1.5:8080/health"),
        ("fd00::5", "http://[fd00::5]:8080/health"),
    ],
)
def test_the_address_asked_is_loopback_unless_the_daemon_listens_on_one_address(
    host: str, url: str
) -> None:
    assert local_url(host, 8080) == url
