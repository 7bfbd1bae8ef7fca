"""A logged-in browser-like client for the dashboard's in-process tests.

Pages are read with httpx through the app (``running_app``); forms are posted with the
CSRF token the page carried, as a browser would.
"""

from __future__ import annotations

import re

import httpx
from tests.conftest import API_KEY

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = TOKEN.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


async def log_in(client: httpx.AsyncClient, password: str = API_KEY, username: str = "") -> str:
    """Log in through the form; the session cookie stays in ``client``. Returns the CSRF
    token of the session's forms."""
    form = {"username": username, "password": password, "next": "/ui/jobs"}
    answer = await client.post("/ui/login", data=form)
    assert answer.status_code == 303, answer.text
    page = await client.get("/ui/jobs")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)
