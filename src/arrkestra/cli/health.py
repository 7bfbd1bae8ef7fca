"""``arrkestra health``: the container's HEALTHCHECK, asking the running daemon's ``/health``.

It finds the daemon where the daemon put itself: the same settings (``--config``,
``ARRKESTRA_CONFIG`` or ``./arrkestra.yaml``, ``ARRKESTRA_SERVER__PORT``, the old ``PORT``),
so a container moved to another port stays healthy. Docker runs it every 30 s: it imports
the configuration and the standard library's HTTP client (no proxy, no web stack), waits at
most ``--timeout`` and says in one line what it saw: exit 0 on a 200, 1 on anything else,
never a traceback.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from arrkestra.cli.base import ConfigOption, app, err

if TYPE_CHECKING:
    from pathlib import Path

    from arrkestra.config import ServerSettings

TIMEOUT = 4.0  # under the Dockerfile's HEALTHCHECK --timeout (5s)
BODY_LIMIT = 64 * 1024
ANY_IPV4 = ("", "0.0.0.0", "localhost")  # noqa: S104 - listening everywhere: ask loopback
ANY_IPV6 = "::"


@app.command()
def health(
    config: ConfigOption = None,
    url: Annotated[
        str | None,
        typer.Option(
            help="Ask this URL instead (no config is read, no credentials are sent), "
            "e.g. http://127.0.0.1:5000/health."
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds to wait for the answer.")
    ] = TIMEOUT,
) -> None:
    """Ask the running daemon's /health: exit 0 on 200, else 1 (the Docker HEALTHCHECK)."""
    headers: dict[str, str] = {}
    if url is None:
        server = _server_settings(config)
        url = local_url(server.host, server.port)
        headers = credentials(server)
    healthy, line = ask(url, headers, timeout)
    if not healthy:
        err(line)
        raise typer.Exit(1)
    typer.echo(line)


def _server_settings(config: Path | None) -> ServerSettings:
    """``server`` as ``serve`` would load it; a bad configuration is one line and exit 1."""
    from arrkestra.config import load_settings
    from arrkestra.core.errors import ConfigError

    try:
        return load_settings(config, os.environ).server
    except ConfigError as exc:  # its messages are already masked
        first = exc.problems[0] if exc.problems else None
        what = str(exc) if first is None else first.message
        what = f"{first.path}: {what}" if first and first.path else what
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        text = " ".join(f"{what}{more}".split())
        err(f"unhealthy: cannot load the configuration: {text}; run `arrkestra check`")
        raise typer.Exit(1) from None


def local_url(host: str, port: int) -> str:
    """The ``/health`` URL of a daemon listening on ``host``: loopback when it listens on
    every address, else that address."""
    address = host.strip().strip("[]")
    if address in ANY_IPV4:
        address = "127.0.0.1"
    elif address == ANY_IPV6:
        address = "::1"
    return f"http://{_bracketed(address)}:{port}/health"


def credentials(server: ServerSettings) -> dict[str, str]:
    """With ``server.protect_health`` the probe needs the API's credentials too."""
    return api_credentials(server) if server.protect_health else {}


def api_credentials(server: ServerSettings) -> dict[str, str]:
    """The headers ``/api/v1`` asks for, from the same settings the daemon reads."""
    if server.api_key is not None:
        return {"X-Api-Key": server.api_key.get_secret_value()}
    if server.basic_auth is not None:
        import base64

        auth = server.basic_auth
        pair = f"{auth.username}:{auth.password.get_secret_value()}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {}


def ask(url: str, headers: dict[str, str], timeout: float) -> tuple[bool, str]:
    """GET ``url``: (answered 200, the line to print). The line never shows credentials."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        return False, "unhealthy: --url needs http(s)://HOST[:PORT]/PATH"
    shown = f"{parts.scheme}://{_bracketed(parts.hostname)}{f':{port}' if port else ''}"
    shown += parts.path or "/"
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname, port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", target, headers={"User-Agent": "arrkestra-health", **headers})
        response = connection.getresponse()
        body = response.read(BODY_LIMIT)
    except TimeoutError:
        return False, f"unhealthy: {shown}: no answer within {timeout:g}s"
    except ConnectionRefusedError:
        return False, f"unhealthy: {shown}: connection refused (is arrkestra running there?)"
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return False, f"unhealthy: {shown}: {reason}"
    finally:
        connection.close()
    healthy = response.status == 200
    status = _reported_status(body)
    verdict = "healthy" if healthy else "unhealthy"
    said = f", status {status}" if status else ""
    return healthy, f"{verdict}: {shown} answered {response.status}{said}"


def _reported_status(body: bytes) -> str | None:
    """``/health``'s own verdict (``healthy``, ``degraded``, ``unhealthy``) when it gave one."""
    import json

    try:
        answer = json.loads(body)
    except ValueError:
        return None
    status = answer.get("status") if isinstance(answer, dict) else None
    return status if isinstance(status, str) and status.isidentifier() else None


def _bracketed(address: str) -> str:
    return f"[{address}]" if ":" in address else address
