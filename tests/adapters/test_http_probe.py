"""``get_json`` against real HTTP apps on 127.0.0.1: each failure sorted by what to fix."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from arrkestra.adapters.http import make_client
from arrkestra.adapters.http_probe import BODY_LIMIT, Failure, Problem, get_json
from arrkestra.core.redact import Redactor
from arrkestra.testing.loopback import LoopbackServer

SECRET = "query-secret-0123456789"


def upstream() -> FastAPI:
    app = FastAPI()

    @app.get("/status")
    async def status() -> dict[str, str]:
        return {"version": "1.2.3"}

    @app.get("/login-first")
    async def login_first() -> RedirectResponse:
        return RedirectResponse(f"/login?token={SECRET}", status_code=302)

    @app.get("/broken")
    async def broken() -> JSONResponse:
        return JSONResponse({"message": "database locked"}, status_code=500)

    @app.get("/forbidden")
    async def forbidden() -> JSONResponse:
        return JSONResponse({"error": "no"}, status_code=403)

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<html><title>Welcome</title></html>")

    @app.get("/huge")
    async def huge() -> Response:
        return Response(b"[" + b"0," * BODY_LIMIT + b"0]", media_type="application/json")

    return app


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer(upstream()) as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(timeout=5.0) as http:
        yield http


async def probe(client: httpx.AsyncClient, url: str) -> object:
    return await get_json(client, url, redactor=Redactor.of([SECRET]), read_timeout=5.0)


async def test_a_json_answer_is_returned(client: httpx.AsyncClient, server: LoopbackServer) -> None:
    assert await probe(client, f"{server.url}/status") == {"version": "1.2.3"}


@pytest.mark.parametrize(
    ("path", "problem", "detail"),
    [
        ("/forbidden", Problem.AUTH, "HTTP 403"),
        ("/nowhere", Problem.WRONG_PATH, "HTTP 404"),
        ("/page", Problem.WRONG_PATH, "HTTP 200 with an HTML page, not the API's JSON"),
        ("/broken", Problem.SERVER, "HTTP 500"),
        ("/huge", Problem.WRONG_PATH, f"an answer over {BODY_LIMIT} bytes is not the API"),
    ],
)
async def test_answers_that_are_not_the_api_are_sorted(
    client: httpx.AsyncClient, server: LoopbackServer, path: str, problem: Problem, detail: str
) -> None:
    assert await probe(client, server.url + path) == Failure(problem, detail)


async def test_a_redirect_names_where_it_goes_redacted(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    found = await probe(client, f"{server.url}/login-first")
    assert isinstance(found, Failure) and found.problem is Problem.REDIRECT
    assert found.location == "/login?token=***"


async def test_nothing_listening_is_refused(client: httpx.AsyncClient) -> None:
    found = await probe(client, "http://127.0.0.1:9/status")
    assert found == Failure(Problem.REFUSED, "connection refused")


async def test_tls_to_a_plain_port_is_a_tls_failure(
    client: httpx.AsyncClient, server: LoopbackServer
) -> None:
    found = await probe(client, server.url.replace("http://", "https://") + "/status")
    assert isinstance(found, Failure) and found.problem is Problem.TLS, found
