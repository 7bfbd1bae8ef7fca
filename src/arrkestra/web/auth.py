"""Credentials: for /api (``X-Api-Key`` or HTTP Basic) and for each instance's webhooks.

Comparisons are constant-time. With no credential configured the API is refused, with
a detail saying how to enable it, rather than left open on the home network. Webhooks
without a configured credential are accepted (and flagged at start-up and on /health).

Cross-site requests: a browser replays Basic credentials to any page's form POST, so a
state-changing API request (any method but GET, HEAD, OPTIONS) is refused (403) when it
is cross-site (``Sec-Fetch-Site: cross-site``, or an ``Origin`` that is not this host),
and when it carries neither a JSON body nor a custom header (``X-Api-Key``,
``X-Requested-With``): the two things a web page cannot send cross-site without a CORS
preflight, which arrkestra never grants.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
from urllib.parse import urlsplit

from fastapi import HTTPException, Request

from arrkestra.config import Settings, WebhookAuth

CHALLENGE = {"WWW-Authenticate": 'Basic realm="arrkestra", charset="UTF-8"'}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CUSTOM_HEADERS = ("x-api-key", "x-requested-with")
DEFAULT_PORTS = {"http": "80", "https": "443"}
CROSS_SITE = (
    "refused as a cross-site request: send a JSON body or an X-Api-Key or X-Requested-With "
    "header, from a page of this host (a script with HTTP Basic: add "
    "-H 'X-Requested-With: script', or send X-Api-Key instead)"
)


def secrets_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def basic_candidates(header: str) -> list[tuple[str, str]]:
    """The (user, password) pairs a Basic header can mean.

    Sonarr and Radarr encode credentials as ISO-8859-1, browsers and curl as UTF-8: for
    non-ASCII credentials both readings are tried.
    """
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return []
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return []
    texts = [raw.decode("latin-1")]
    with contextlib.suppress(UnicodeDecodeError):
        texts.insert(0, raw.decode("utf-8"))
    pairs = []
    for text in texts:
        user, sep, password = text.partition(":")
        if sep:
            pairs.append((user, password))
    return pairs


def _basic_matches(header: str | None, username: str, password: str) -> bool:
    if not header:
        return False
    matched = False
    for user, given in basic_candidates(header):
        matched |= secrets_equal(user, username) & secrets_equal(given, password)
    return matched


def credentials_valid(settings: Settings, request: Request) -> bool:
    server = settings.server
    given_key = request.headers.get("x-api-key")
    if server.api_key is not None and given_key is not None:
        return secrets_equal(given_key, server.api_key.get_secret_value())
    basic = server.basic_auth
    if basic is not None:
        header = request.headers.get("authorization")
        return _basic_matches(header, basic.username, basic.password.get_secret_value())
    return False


def _host(value: str, scheme: str) -> str:
    """``host[:port]`` lower-cased, without the scheme's default port."""
    host = value.strip().lower()
    default = DEFAULT_PORTS.get(scheme)
    return host.removesuffix(f":{default}") if default else host


def _same_origin(origin: str, request: Request) -> bool:
    parts = urlsplit(origin.strip())
    if parts.scheme not in DEFAULT_PORTS or not parts.netloc:
        return False  # "null" (a sandboxed frame, a file) or garbage
    theirs = _host(parts.netloc, parts.scheme)
    ours = [request.headers.get("host"), request.headers.get("x-forwarded-host")]
    return any(
        _host(value.split(",")[0], parts.scheme) == theirs for value in ours if value is not None
    )


def media_type(content_type: str | None) -> str:
    """``application/json`` of ``Application/JSON; charset=utf-8``: the type, no parameters."""
    return (content_type or "").partition(";")[0].strip().lower()


def _json_body(content_type: str | None) -> bool:
    media = media_type(content_type)
    return media == "application/json" or media.endswith("+json")


def refuse_cross_site(request: Request) -> None:
    """403 for a state-changing request a web page of another site could have sent."""
    if request.method in SAFE_METHODS:
        return
    refuse_other_sites(request)
    headers = request.headers
    if not _json_body(headers.get("content-type")) and not any(
        name in headers for name in CUSTOM_HEADERS
    ):
        raise HTTPException(403, CROSS_SITE)


def refuse_other_sites(request: Request) -> None:
    """403 when a browser says another site's page sent this request, whatever the method:
    for the old tools' routes that act on a GET (``GET /test`` sends a notification), which
    an ``<img>`` on any page could otherwise trigger with the user's Basic credentials."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:  # the browser's own verdict, right behind a proxy that rewrites Host
        if site.strip().lower() == "cross-site":
            raise HTTPException(403, CROSS_SITE)
    elif origin is not None and not _same_origin(origin, request):
        raise HTTPException(403, CROSS_SITE)


def require_credentials(settings: Settings, request: Request) -> None:
    """401 without valid credentials; then 403 for a cross-site state change."""
    server = settings.server
    if server.api_key is None and server.basic_auth is None:
        raise HTTPException(
            401,
            "the API is disabled until a key is configured: set ARRKESTRA_API_KEY (or "
            "server.api_key, or server.basic_auth), then send it as the X-Api-Key header",
        )
    if not credentials_valid(settings, request):
        headers = CHALLENGE if server.basic_auth is not None else None
        raise HTTPException(401, wanted_credentials(settings), headers=headers)
    refuse_cross_site(request)


def wanted_credentials(settings: Settings) -> str:
    """What a refused request should send, and where that value is set (never the value)."""
    server = settings.server
    ways = []
    if server.api_key is not None:
        ways.append("the X-Api-Key header with server.api_key (ARRKESTRA_API_KEY)")
    if server.basic_auth is not None:
        ways.append("HTTP Basic with server.basic_auth's user and password")
    return "missing or wrong credentials: send " + ", or ".join(ways)


def wanted_webhook_credentials(auth: WebhookAuth, qualified: str) -> str:
    """What a refused webhook should send, and where that value is set (never the value)."""
    ways = []
    if auth.secret is not None:
        where = f"{qualified}.webhook.secret (or WEBHOOK_SECRET)"
        ways.append(f"the {auth.header} header or ?token= in the URL, set to {where}")
    if auth.username is not None:
        ways.append(f"HTTP Basic with {qualified}.webhook.username and password")
    return f"wrong or missing webhook credentials for {qualified}: send " + ", or ".join(ways)


def webhook_authorized(auth: WebhookAuth, request: Request) -> bool:
    """Whether a webhook proves one of the instance's configured credentials.

    Accepted: the secret in ``auth.header`` or in ``?token=``, or HTTP Basic. An instance
    with no credential configured accepts every webhook.
    """
    if not auth.configured:
        return True
    if auth.secret is not None:
        secret = auth.secret.get_secret_value()
        for given in (request.headers.get(auth.header), request.query_params.get("token")):
            if given is not None and secrets_equal(given, secret):
                return True
    if auth.username is not None and auth.password is not None:
        header = request.headers.get("authorization")
        return _basic_matches(header, auth.username, auth.password.get_secret_value())
    return False
