"""Who may see the dashboard: login, sessions, Basic, CSRF, the CSP, and the disabled page."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from tests.conftest import API_KEY
from tests.dashboard.dashboard_client import csrf_of, log_in
from tests.web.conftest import AppFactory, running_app

__all__ = ["running_app"]

BASIC: dict[str, Any] = {"basic_auth": {"username": "ana", "password": "s3cret-pass-phrase"}}


def basic(user: str = "ana", password: str = "s3cret-pass-phrase") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


async def test_a_browser_without_a_session_is_sent_to_the_login_form(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False) as app:
        root = await app.client.get("/")
        assert root.status_code == 303
        assert root.headers["location"] == "/ui/"
        page = await app.client.get("/ui/jobs?status=dead")
        assert page.status_code == 303
        assert page.headers["location"] == "/ui/login?next=/ui/jobs%3Fstatus%3Ddead"
        form = await app.client.get(page.headers["location"])
        assert form.status_code == 200
        assert 'type="password"' in form.text


async def test_login_with_the_api_key_gives_a_strict_http_only_session(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False) as app:
        answer = await app.client.post("/ui/login", data={"password": API_KEY, "next": "/ui/jobs"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/jobs"
        cookie = answer.headers["set-cookie"]
        assert "arrkestra_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie
        assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
        assert API_KEY not in cookie
        page = await app.client.get("/ui/jobs")
        assert page.status_code == 200
        assert API_KEY not in page.text


async def test_the_session_cookie_is_secure_behind_https(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        answer = await app.client.post(
            "/ui/login", data={"password": API_KEY}, headers={"X-Forwarded-Proto": "https"}
        )
        assert "Secure" in answer.headers["set-cookie"]


async def test_a_wrong_password_is_refused_and_no_session_is_given(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False) as app:
        answer = await app.client.post("/ui/login", data={"password": "not-the-key"})
        assert answer.status_code == 401
        assert "Wrong password" in answer.text
        assert "set-cookie" not in answer.headers
        assert (await app.client.get("/ui/jobs")).status_code == 303


async def test_a_forged_or_garbled_cookie_is_no_session(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        await log_in(app.client)
        real = app.client.cookies["arrkestra_session"]
        sid, expiry, signature = real.split(".")
        for forged in (
            f"{sid}.{int(expiry) + 10**6}.{signature}",  # a longer life, same signature
            f"other.{expiry}.{signature}",
            "garbage",
            f"{sid}.{expiry}.",
        ):
            app.client.cookies.set("arrkestra_session", forged)
            assert (await app.client.get("/ui/")).status_code == 303, forged


async def test_login_never_redirects_to_another_site(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        for target in ("https://evil.example/", "//evil.example/ui/", "/api/v1/jobs"):
            answer = await app.client.post("/ui/login", data={"password": API_KEY, "next": target})
            assert answer.headers["location"] == "/ui/", target


async def test_basic_credentials_open_the_pages_and_the_login_form(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, server=BASIC) as app:
        page = await app.client.get("/ui/jobs", headers=basic())
        assert page.status_code == 200
        assert (await app.client.get("/ui/jobs", headers=basic(password="nope"))).status_code == 303
        wrong = await app.client.post(
            "/ui/login", data={"username": "ana", "password": "wrong-pass"}
        )
        assert wrong.status_code == 401
        ok = await app.client.post(
            "/ui/login", data={"username": "ana", "password": "s3cret-pass-phrase"}
        )
        assert ok.status_code == 303
        assert (await app.client.get("/ui/jobs")).status_code == 200


async def test_a_post_without_the_token_is_refused_even_with_basic_credentials(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False, server=BASIC) as app:
        page = await app.client.get("/ui/", headers=basic())
        # Basic viewers' forms carry a token too (none is a logout form, so read it here)
        refused = await app.client.post(
            "/ui/logout", data={"csrf_token": "forged"}, headers=basic()
        )
        assert refused.status_code == 403
        assert "security token" in refused.text
        assert page.status_code == 200


async def test_logout_needs_the_token_and_ends_the_session(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        token = await log_in(app.client)
        assert (await app.client.post("/ui/logout")).status_code == 403
        assert (await app.client.post("/ui/logout", data={"csrf_token": "x"})).status_code == 403
        cross = await app.client.post(
            "/ui/logout",
            data={"csrf_token": token},
            headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        )
        assert cross.status_code == 403
        out = await app.client.post("/ui/logout", data={"csrf_token": token})
        assert out.status_code == 303
        assert (await app.client.get("/ui/")).status_code == 303


async def test_every_page_carries_a_restrictive_content_security_policy(
    running_app: AppFactory,
) -> None:
    async with running_app(background=False) as app:
        await log_in(app.client)
        for path in ("/", "/ui/", "/ui/login", "/ui/jobs", "/ui/no-such-page"):
            answer = await app.client.get(path)
            policy = answer.headers["content-security-policy"]
            assert "default-src 'none'" in policy, path
            assert "script-src 'self'" in policy
            assert "unsafe-inline" not in policy
            assert "frame-ancestors 'none'" in policy
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["cache-control"] == "no-store"
        css = await app.client.get("/ui/static/dashboard.css")
        assert css.status_code == 200
        assert "no-store" not in css.headers.get("cache-control", "")
        api = await app.client.get("/api/v1/jobs", headers={"X-Api-Key": API_KEY})
        assert "content-security-policy" not in api.headers


async def test_an_unknown_page_is_an_html_404(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        await log_in(app.client)
        answer = await app.client.get("/ui/no-such-page")
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        api = await app.client.get("/api/v1/no-such", headers={"X-Api-Key": API_KEY})
        assert api.json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/ui/", "/ui/jobs", "/ui/login"])
async def test_with_no_credential_configured_the_pages_say_how_to_enable_them(
    running_app: AppFactory, path: str
) -> None:
    async with running_app(background=False, server={"api_key": None}) as app:
        answer = await app.client.get(path)
        if path == "/ui/login":
            assert answer.status_code == 403
        assert "ARRKESTRA_API_KEY" in answer.text
        assert "<nav" not in answer.text


async def test_pages_render_no_token_for_an_unknown_viewer(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        form = await app.client.get("/ui/login")
        assert "csrf_token" not in form.text
        token = await log_in(app.client)
        assert csrf_of((await app.client.get("/ui/")).text) == token


async def test_the_browsers_own_basic_prompt_opens_the_pages(running_app: AppFactory) -> None:
    async with running_app(background=False, server=BASIC) as app:
        challenge = await app.client.get("/ui/basic?next=/ui/jobs")
        assert challenge.status_code == 401
        assert challenge.headers["www-authenticate"].startswith("Basic")
        wrong = await app.client.get("/ui/basic", headers=basic(password="nope"))
        assert wrong.status_code == 401
        answer = await app.client.get("/ui/basic?next=/ui/jobs", headers=basic())
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui/jobs"


async def test_without_basic_auth_there_is_no_basic_prompt(running_app: AppFactory) -> None:
    async with running_app(background=False) as app:
        assert (await app.client.get("/ui/basic")).status_code == 404


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every route of the app, through included routers (the dashboard's nest)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from api_routes(route.original_router.routes)


async def test_every_dashboard_post_is_refused_without_the_token(running_app: AppFactory) -> None:
    """Walks the app's routes: a new button whose route forgot ``FormDep`` fails here."""
    async with running_app(background=False, server=BASIC) as app:
        posts = [
            route.path
            for route in api_routes(app.app.routes)
            if "POST" in route.methods
            and route.path.startswith("/ui/")
            and route.path != "/ui/login"
        ]
        assert len(posts) >= 12, posts  # retry, cancel, replay, approve, confirm, resume ...
        await log_in(app.client, password="s3cret-pass-phrase", username="ana")
        for template in posts:
            path = template.replace("{name}", "mirror")
            for placeholder in ("{job_id}", "{event_id}", "{tvmaze_id}", "{run_id}"):
                path = path.replace(placeholder, "1")
            assert "{" not in path, path
            for headers in (basic(), {}):  # Basic credentials, then the session cookie
                for data in ({}, {"csrf_token": "forged"}):
                    answer = await app.client.post(path, data=data, headers=headers)
                    assert answer.status_code == 403, (path, headers, data)
