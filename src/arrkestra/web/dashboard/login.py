"""``/ui/login`` and ``/ui/logout``: trading the API's credentials for a session cookie.

The form takes ``server.api_key`` as the password (any user name), or the user and
password of ``server.basic_auth``. A wrong answer is a 401 page saying so (never which
part was wrong), charged to the rate limiter like a refused webhook, and logged with the
client's address so fail2ban-style tools can act on it.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from arrkestra.web.auth import CHALLENGE, refuse_other_sites
from arrkestra.web.dashboard.access import (
    COOKIE,
    SESSION_SECONDS,
    FormDep,
    ViewerDep,
    login_matches,
    new_session,
    safe_next,
    signing_key,
    viewer_of,
)
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import ServicesDep
from arrkestra.web.ratelimit import RateLimiter

log = logging.getLogger("arrkestra.web")
router = APIRouter(include_in_schema=False)
Next = Annotated[str | None, Query(max_length=2000)]


def _https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


@router.get("/ui/login")
async def login_form(request: Request, services: ServicesDep, next: Next = None) -> Response:
    viewer = viewer_of(services.settings, request, services.clock.now())
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request,
        services,
        None,
        "login.html",
        {"next": safe_next(next), "failed": False, "wants_user": _wants_user(services)},
        title="Log in",
    )


def _wants_user(services: ServicesDep) -> bool:
    return services.settings.server.basic_auth is not None


@router.post("/ui/login")
async def log_in(request: Request, services: ServicesDep) -> Response:
    refuse_other_sites(request)
    form = await request.form()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    key = signing_key(services.settings)
    if key is not None and login_matches(services.settings, username, password):
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            COOKIE,
            new_session(key, services.clock.now()),
            max_age=SESSION_SECONDS,
            path="/",
            httponly=True,
            samesite="strict",
            secure=_https(request),
        )
        log.info("dashboard: logged in from %s", request.client.host if request.client else "?")
        return response
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None and (limited := limiter.refuse_if_spent(request.scope)) is not None:
        raise limited
    log.warning("dashboard: failed login from %s", request.client.host if request.client else "?")
    return render(
        request,
        services,
        None,
        "login.html",
        {"next": target, "failed": True, "wants_user": _wants_user(services)},
        status=401,
        title="Log in",
    )


@router.get("/ui/basic")
async def basic_login(request: Request, services: ServicesDep, next: Next = None) -> Response:
    """The browser's own login prompt (HTTP Basic with ``server.basic_auth``): a 401 with a
    challenge until the browser sends the pair, then on to the page. The browser then
    sends it with every page under ``/ui/`` (it cannot be logged out of, hence the form)."""
    basic = services.settings.server.basic_auth
    if basic is None:
        raise HTTPException(404, "HTTP Basic is not configured (server.basic_auth)")
    viewer = viewer_of(services.settings, request, services.clock.now())
    if viewer is not None and viewer.how == "basic":
        return RedirectResponse(safe_next(next), status_code=303)
    page = render(request, services, None, "basic_prompt.html", title="Log in", status=401)
    page.headers.update(CHALLENGE)
    return page


@router.post("/ui/logout")
async def log_out(viewer: ViewerDep, _form: FormDep) -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response
