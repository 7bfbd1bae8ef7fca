"""Who may see the dashboard, and how a browser proves it: sessions and CSRF tokens.

The pages take the API's credentials. A script may send them on every request (HTTP
Basic with ``server.basic_auth``, or ``X-Api-Key``); a browser trades them once, on the
login form, for a session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS).

Decisions, written down:

- **Stateless sessions.** The cookie is ``id.expiry.signature``, signed with HMAC-SHA256
  under a key derived from the configured credentials. Nothing is written to the database
  (the dashboard never costs a write), a restart keeps people logged in, and changing
  ``server.api_key`` or the Basic password signs everyone out. Logging out clears the
  cookie; a copied cookie stays valid until it expires (``SESSION_SECONDS``), which is the
  usual trade of signed cookies, acceptable for a home-lab dashboard.
- **CSRF.** Every state-changing POST carries a token (form field ``csrf_token`` or the
  ``X-CSRF-Token`` header) and is refused (403) without it, even with valid Basic
  credentials: a browser replays Basic credentials on a cross-site form POST, and
  SameSite does not cover Basic. The token is an HMAC of the session id (or of the Basic
  user), so another site cannot compute it. The browser's own cross-site verdict
  (``Sec-Fetch-Site``, ``Origin``) is checked too, as for the API.
- **Nothing configured**: the pages show only how to enable them (as the API refuses
  with a hint) rather than opening the queue to the home network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import Depends, Request

from arrkestra.config import Settings
from arrkestra.web.auth import (
    basic_candidates,
    credentials_valid,
    refuse_other_sites,
    secrets_equal,
)
from arrkestra.web.deps import ServicesDep

COOKIE = "arrkestra_session"
SESSION_SECONDS = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """No (valid) credentials: a page sends the browser to the login form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class DashboardDisabled(Exception):
    """Neither ``server.api_key`` nor ``server.basic_auth`` is set: show how to enable it."""


class CsrfRefused(Exception):
    """A state-changing request without this viewer's token, or sent by another site."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Viewer:
    """Someone allowed to see the pages: by session cookie or by credentials on the request."""

    how: Literal["session", "basic", "api_key"]
    subject: str  # the session id, or the Basic user
    csrf: str  # the token this viewer's forms carry

    @property
    def logged_in(self) -> bool:
        """A session, which ``Log out`` can end (Basic credentials live in the browser)."""
        return self.how == "session"


def signing_key(settings: Settings) -> bytes | None:
    """The key sessions and tokens are signed with, derived from the configured
    credentials (None: neither is configured)."""
    server = settings.server
    parts: list[str] = []
    if server.api_key is not None:
        parts.append("key:" + server.api_key.get_secret_value())
    if server.basic_auth is not None:
        basic = server.basic_auth
        parts.append(f"basic:{basic.username}:{basic.password.get_secret_value()}")
    if not parts:
        return None
    material = "\x00".join(parts).encode("utf-8", "surrogateescape")
    return hmac.new(material, b"arrkestra dashboard v1", hashlib.sha256).digest()


def _sign(key: bytes, text: str) -> str:
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_token(key: bytes, subject: str) -> str:
    return _sign(key, "csrf:" + subject)


def new_session(key: bytes, now: float) -> str:
    """A fresh session cookie value."""
    body = f"{secrets.token_urlsafe(18)}.{int(now + SESSION_SECONDS)}"
    return f"{body}.{_sign(key, body)}"


def session_id(key: bytes, cookie: str | None, now: float) -> str | None:
    """The session id a cookie proves, None when it is forged, garbled or expired."""
    if not cookie or cookie.count(".") != 2:
        return None
    sid, expiry, signature = cookie.split(".")
    if not secrets_equal(signature, _sign(key, f"{sid}.{expiry}")):
        return None
    if not expiry.isdigit() or int(expiry) < now:
        return None
    return sid


def login_matches(settings: Settings, username: str, password: str) -> bool:
    """The login form's answer: the API key as password (any user name), or the Basic pair."""
    server = settings.server
    matched = False
    if server.api_key is not None:
        matched |= secrets_equal(password, server.api_key.get_secret_value())
    if server.basic_auth is not None:
        basic = server.basic_auth
        matched |= secrets_equal(username, basic.username) & secrets_equal(
            password, basic.password.get_secret_value()
        )
    return matched


def _basic_user(request: Request) -> str:
    pairs = basic_candidates(request.headers.get("authorization") or "")
    return pairs[0][0] if pairs else ""


def viewer_of(settings: Settings, request: Request, now: float) -> Viewer | None:
    """Who is asking, by session cookie or credentials on the request; None: nobody known."""
    key = signing_key(settings)
    if key is None:
        raise DashboardDisabled
    sid = session_id(key, request.cookies.get(COOKIE), now)
    if sid is not None:
        return Viewer("session", sid, csrf_token(key, sid))
    if credentials_valid(settings, request):
        if request.headers.get("x-api-key") is not None:
            return Viewer("api_key", "api-key", csrf_token(key, "api-key"))
        subject = "basic:" + _basic_user(request)
        return Viewer("basic", subject, csrf_token(key, subject))
    return None


def _local_target(request: Request) -> str:
    query = f"?{request.url.query}" if request.url.query else ""
    return request.url.path + query


def current_viewer(request: Request, services: ServicesDep) -> Viewer:
    """The page's viewer, or :class:`LoginRequired` (the handler redirects to the form)."""
    viewer = viewer_of(services.settings, request, services.clock.now())
    if viewer is None:
        raise LoginRequired(_local_target(request))
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def checked_form(request: Request, viewer: ViewerDep) -> dict[str, str]:
    """A state-changing request's form fields, once its CSRF token and origin are checked.

    Use as the dependency of every POST route of the dashboard.
    """
    try:
        refuse_other_sites(request)
    except Exception:
        raise CsrfRefused("refused: the request came from another site") from None
    form = await request.form()
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    given = fields.pop(CSRF_FIELD, None) or request.headers.get(CSRF_HEADER)
    if given is None or not secrets_equal(given, viewer.csrf):
        raise CsrfRefused("refused: the form's security token is missing or out of date")
    return fields


FormDep = Annotated[dict[str, str], Depends(checked_form)]


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a dashboard path of this host, never another site."""
    if target and target.startswith("/ui") and not target.startswith("//"):
        return target
    return "/ui/"


def login_url(next_url: str) -> str:
    return "/ui/login?next=" + quote(safe_next(next_url), safe="/")
