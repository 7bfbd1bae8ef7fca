"""The dashboard's templates: one Jinja2 environment, its filters, and ``render``.

Pages are server-rendered HTML, readable without JavaScript; ``static/dashboard.js`` only
refreshes the parts marked ``data-live`` and asks before destructive buttons. Templates
autoescape everything and are loaded from the package (no CDN, no build step). The
Content-Security-Policy (``headers.py``) forbids inline scripts and inline styles: give
elements classes (``static/dashboard.css``), use ``<progress>``/``<meter>`` and SVG
presentation attributes for sizes and colours.

Times: the database holds unix seconds; pages show them in ``storage.timezone``, with the
age ("3 min ago") beside, so what a user reads matches their Sonarr's clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from arrkestra import __version__
from arrkestra.core.job_kinds import words
from arrkestra.runtime.services import Services
from arrkestra.web.dashboard.access import CSRF_FIELD, Viewer

NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/ui/", "Overview"),
    ("/ui/jobs", "Jobs"),
    ("/ui/events", "Events"),
    ("/ui/titles", "Titles"),
    ("/ui/discovery", "Discovery"),
    ("/ui/reconcile", "Reconcile"),
    ("/ui/settings", "Settings"),
)
"""The navigation bar, in order: every page is reachable from it."""


def ago(seconds: float | None, now: float) -> str:
    """``3 min ago`` / ``in 2 h``: how far ``seconds`` lies from ``now``."""
    if seconds is None:
        return ""
    delta = now - seconds
    span = abs(delta)
    if span < 1:
        return "just now"
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if span >= length:
            said = f"{int(span // length)} {unit}"
            break
    else:
        said = f"{int(span)} s"
    return f"{said} ago" if delta > 0 else f"in {said}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("arrkestra.web.dashboard", "templates"),
        autoescape=select_autoescape(["html", "svg"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["size"] = lambda n: "" if n is None else words.size(n)
    env.filters["duration"] = lambda s: "" if s is None else words.duration(s)
    return env


ENVIRONMENT = _environment()


def render(
    request: Request,
    services: Services,
    viewer: Viewer | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    title: str = "",
) -> HTMLResponse:
    """A page: ``template`` inside ``base.html`` with the navigation, the viewer's CSRF
    token (``csrf_field``/``csrf_token``), and time helpers ``at(ts)`` and ``ago(ts)``."""
    now = services.clock.now()
    zone = ZoneInfo(services.settings.storage.timezone)

    def at(ts: float | None) -> str:
        if ts is None:
            return ""
        return datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S")

    page = {
        "request": request,
        "path": request.url.path,
        "navigation": NAVIGATION,
        "viewer": viewer,
        "csrf_field": CSRF_FIELD,
        "csrf_token": viewer.csrf if viewer else "",
        "version": __version__,
        "now": now,
        "at": at,
        "ago": lambda ts: ago(ts, now),
        "page_title": title,
        **(context or {}),
    }
    html = ENVIRONMENT.get_template(template).render(page)
    return HTMLResponse(html, status_code=status)
