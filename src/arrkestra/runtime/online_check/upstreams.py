"""Each upstream, probed: does it answer, does it take our credential, which version is it?

One probe per upstream, the way its API says it is asked: Sonarr/Radarr
``GET /api/v3/system/status`` with ``X-Api-Key`` (version, and which app answers);
Overseerr/Jellyseerr the public ``GET /api/v1/status`` (version), then
``GET /api/v1/auth/me`` (the key); Plex ``GET /identity`` (version), then the library
sections (the token; XML answers too, through the Plex client); Jellyfin and Emby
``GET /System/Info`` through their client (name and version; it needs the key, and the
client falls back to the older header), asked once more as a plain GET when it fails, to
say what is wrong; TVMaze ``GET /updates/shows?since=day`` (there whatever the catalogue
holds).

A failure becomes what was found and the one thing to do about it, in the words of the
upstream's own settings page (:func:`trouble`). The whole probe, every request of it,
has one deadline (``asyncio.wait_for``): httpx's timeouts are per read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from arrkestra.adapters.http_probe import Failure, Problem, get_json
from arrkestra.adapters.media_browser import MediaBrowserClient, api_root
from arrkestra.adapters.plex import PlexClient
from arrkestra.config import EmbySettings, JellyfinSettings, MediaServerSettings, Settings
from arrkestra.core.errors import ArrkestraError, UpstreamAuthError
from arrkestra.core.job_kinds.server_update import SERVER_KINDS, ServerKind
from arrkestra.core.redact import Redactor
from arrkestra.runtime.online_check.report import NOTHING, Result, Row, failing

PROBE_LIMIT = 15.0  # seconds a probe may take in all, whatever the upstream's timeout
NOT_REQUIRED = "not required (used by nothing configured)"
DOCKER_HINT = "check the host and port (inside Docker use the container name, not localhost)"


@dataclass(frozen=True)
class Product:
    """What the hints say about one kind of upstream."""

    name: str  # "Sonarr"
    example: str  # its usual address, as a hint shows it
    key_hint: str  # where its credential is found
    path_hint: str  # what a wrong base path means for it


PRODUCTS = {
    "sonarr": Product(
        "Sonarr",
        "http://host:8989",
        "copy it from Sonarr Settings -> General -> API Key",
        "if Sonarr runs behind a reverse proxy with a URL base, include it "
        "(http://host:8989/sonarr)",
    ),
    "radarr": Product(
        "Radarr",
        "http://host:7878",
        "copy it from Radarr Settings -> General -> API Key",
        "if Radarr runs behind a reverse proxy with a URL base, include it "
        "(http://host:7878/radarr)",
    ),
    "overseerr": Product(
        "Overseerr",
        "http://host:5055",
        "copy it from Overseerr (or Jellyseerr) Settings -> General -> API Key",
        "use Overseerr's own address (http://host:5055), or the whole address a reverse "
        "proxy serves it under",
    ),
    "plex": Product(
        "Plex",
        "http://host:32400",
        "in Plex Web open any item's ... menu -> Get Info -> View XML, and copy the value of "
        "X-Plex-Token from the address it opens (Plex's support article 'Finding an "
        "authentication token')",
        "Plex's address has no path (http://host:32400)",
    ),
    "jellyfin": Product(
        "Jellyfin",
        JellyfinSettings.example,
        JellyfinSettings.key_hint,
        "use the server's root (http://host:8096), with its base URL if a reverse proxy "
        "serves it under one (http://host/jellyfin)",
    ),
    "emby": Product(
        "Emby",
        EmbySettings.example,
        EmbySettings.key_hint,
        "use the server's root (http://host:8096): arrkestra adds Emby's /emby itself",
    ),
    "tvmaze": Product(
        "TVMaze",
        "https://api.tvmaze.com",
        "the user name and API key of a TVMaze premium account (tvmaze.com -> your "
        "account -> API); without them the public API is used",
        "discovery.tvmaze.url is https://api.tvmaze.com",
    ),
}


@dataclass(frozen=True)
class Upstream:
    name: str  # "sonarr.hd", "overseerr", "plex", "tvmaze"
    kind: str  # a key of PRODUCTS
    url: str | None  # None: a webhook-only instance
    secret: str | None  # the API key or token; None when not configured
    secret_path: str  # where it is configured: "sonarr.hd.api_key"
    timeout: float
    username: str | None = None  # TVMaze's, with its API key

    @property
    def product(self) -> Product:
        return PRODUCTS[self.kind]


@dataclass(frozen=True)
class Clients:
    """The clients a probe uses beyond a plain GET (they are reused by the later checks:
    Plex's sections, Jellyfin's and Emby's libraries)."""

    plex: PlexClient | None
    media_browser: Mapping[str, MediaBrowserClient]  # by server: jellyfin.default ...


@dataclass(frozen=True)
class Reached:
    found: str  # "reachable, key accepted: Sonarr 4.0.14.2939"


@dataclass(frozen=True)
class Trouble:
    what: str  # "auth failed (HTTP 401)"
    hint: str


def upstreams(settings: Settings) -> list[Upstream]:
    """Every configured upstream, in the order the table lists them."""
    found = []
    for kind, instances in (("sonarr", settings.sonarr), ("radarr", settings.radarr)):
        for name, instance in instances.items():
            key = instance.api_key.get_secret_value() if instance.api_key else None
            url = None if instance.url is None else str(instance.url)
            path = f"{kind}.{name}.api_key"
            found.append(Upstream(f"{kind}.{name}", kind, url, key, path, instance.timeout))
    if (o := settings.overseerr) is not None:
        key = o.api_key.get_secret_value() if o.api_key else None
        found.append(Upstream("overseerr", "overseerr", o.url, key, "overseerr.api_key", o.timeout))
    if (p := settings.plex) is not None:
        token = p.token.get_secret_value() if p.token else None
        found.append(Upstream("plex", "plex", p.url, token, "plex.token", p.timeout))
    for kind, name, server in media_servers(settings):
        key = server.api_key.get_secret_value() if server.api_key else None
        path = f"{kind}.{name}.api_key"
        found.append(Upstream(f"{kind}.{name}", kind, server.url, key, path, server.timeout))
    if settings.discovery.enabled:
        tv = settings.discovery.tvmaze
        key = tv.api_key.get_secret_value() if tv.api_key else None
        path = "discovery.tvmaze.api_key"
        found.append(Upstream("tvmaze", "tvmaze", tv.url, key, path, 30.0, tv.username))
    return found


def media_servers(settings: Settings) -> list[tuple[ServerKind, str, MediaServerSettings]]:
    """Every Jellyfin and Emby server: its kind, its name and its settings."""
    return [
        (kind, name, server)
        for kind in SERVER_KINDS
        for name, server in settings.media_servers(kind).items()
    ]


async def check(
    upstream: Upstream,
    used_by: tuple[str, ...],
    *,
    http: httpx.AsyncClient,
    clients: Clients,
    redactor: Redactor,
) -> Row:
    """The upstream's row: ``FAIL`` only when something configured uses it."""
    required = bool(used_by)
    uses = f"used by {', '.join(used_by)}" if required else NOT_REQUIRED
    if upstream.url is None or (upstream.secret is None and upstream.kind in ("sonarr", "radarr")):
        return _unprobed(upstream, used_by)
    target = redactor(upstream.url)
    limit = min(upstream.timeout, PROBE_LIMIT)
    try:
        session = _Session(upstream, http, redactor, limit)
        answer = await asyncio.wait_for(_probe(session, clients), limit)
    except TimeoutError:
        answer = trouble(upstream, Failure(Problem.TIMEOUT, f"no whole answer within {limit:g}s"))
    if isinstance(answer, Reached):
        return Row(upstream.name, target, Result.OK, f"{answer.found}; {uses}")
    detail = f"{answer.what}: {answer.hint}" if answer.hint else answer.what
    prefix = "" if required else f"{NOT_REQUIRED}; "
    return Row(upstream.name, target, failing(required), prefix + redactor(detail))


def _unprobed(upstream: Upstream, used_by: tuple[str, ...]) -> Row:
    """A Sonarr/Radarr instance without url or api_key: webhook-only, unless needed."""
    missing = "url" if upstream.url is None else "api_key"
    if not used_by:
        detail = f"not checked: webhook-only instance (no {missing}); {NOT_REQUIRED}"
        return Row(upstream.name, NOTHING, Result.SKIPPED, detail)
    product = upstream.product
    if missing == "url":
        how = f"set {upstream.name}.url (e.g. {product.example})"
    else:
        how = f"{product.key_hint}, into {upstream.secret_path}"
    detail = f"no {missing}, needed by {', '.join(used_by)}: {how}"
    return Row(upstream.name, NOTHING, Result.FAIL, detail)


# -- the probes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Session:
    """One probe's way of asking its upstream: base URL, redactor and read timeout."""

    upstream: Upstream
    http: httpx.AsyncClient
    redactor: Redactor
    read_timeout: float

    @property
    def secret(self) -> str:
        return self.upstream.secret or ""

    async def get(
        self, path: str, headers: Mapping[str, str], auth: httpx.Auth | None = None
    ) -> Any:
        """The JSON answer, or a :class:`Failure`."""
        assert self.upstream.url is not None
        return await get_json(
            self.http,
            self.upstream.url.rstrip("/") + path,
            redactor=self.redactor,
            headers=headers,
            auth=auth,
            read_timeout=self.read_timeout,
        )


async def _probe(session: _Session, clients: Clients) -> Reached | Trouble:
    kind = session.upstream.kind
    if kind in ("sonarr", "radarr"):
        return await _arr(session)
    if kind == "overseerr":
        return await _overseerr(session)
    if kind == "plex":
        assert clients.plex is not None
        return await _plex(session, clients.plex)
    if kind in SERVER_KINDS:
        return await _media_browser(session, clients.media_browser[session.upstream.name])
    return await _tvmaze(session)


async def _arr(session: _Session) -> Reached | Trouble:
    upstream = session.upstream
    body = await session.get("/api/v3/system/status", {"X-Api-Key": session.secret})
    if isinstance(body, Failure):
        return trouble(upstream, body)
    product = upstream.product.name
    app, version = _field(body, "appName"), _field(body, "version")
    if app is None or version is None:
        return trouble(upstream, Failure(Problem.WRONG_PATH, f"the answer is not {product}'s"))
    if str(app).lower() != upstream.kind:
        port = upstream.product.example.rsplit(":", 1)[-1]
        hint = f"check the port: {product} listens on {port} unless you changed it"
        return Trouble(f"this is {app}, not {product}", hint)
    return Reached(f"reachable, key accepted: {app} {version}")


async def _overseerr(session: _Session) -> Reached | Trouble:
    status = await session.get("/api/v1/status", {})  # public: the address and the version
    if isinstance(status, Failure):
        return trouble(session.upstream, status)
    me = await session.get("/api/v1/auth/me", {"X-Api-Key": session.secret})  # the key
    if isinstance(me, Failure):
        return trouble(session.upstream, me)
    return Reached(f"reachable, key accepted: version {_field(status, 'version') or '?'}")


async def _plex(session: _Session, plex: PlexClient) -> Reached | Trouble:
    headers = {"X-Plex-Token": session.secret, "Accept": "application/json"}
    identity = await session.get("/identity", headers)
    if isinstance(identity, Failure):
        return trouble(session.upstream, identity)
    try:
        await plex.sections()  # needs the token (/identity may not)
    except UpstreamAuthError as exc:
        status = _status_of(session.redactor(str(exc)))
        return trouble(session.upstream, Failure(Problem.AUTH, status))
    except ArrkestraError as exc:
        return Trouble("error reading the library sections", session.redactor(str(exc)))
    version = _field(_field(identity, "MediaContainer"), "version")
    return Reached(f"reachable, token accepted: Plex Media Server {version or '?'}")


async def _media_browser(session: _Session, client: MediaBrowserClient) -> Reached | Trouble:
    """``/System/Info`` through the client (its header fallback included); when that
    fails for another reason than the key, a plain GET of it says what is wrong."""
    upstream = session.upstream
    product = upstream.product.name
    try:
        info = await client.system_info()
    except UpstreamAuthError as exc:
        status = _status_of(session.redactor(str(exc)))
        return trouble(upstream, Failure(Problem.AUTH, status))
    except ArrkestraError as exc:
        assert upstream.url is not None
        prefix = api_root(client.kind, upstream.url).removeprefix(upstream.url.rstrip("/"))
        found = await session.get(prefix + "/System/Info", {"Accept": "application/json"})
        if isinstance(found, Failure) and found.problem is not Problem.AUTH:
            return trouble(upstream, found)
        return Trouble("error reading /System/Info", session.redactor(str(exc)))
    if info.product and product.lower() not in info.product.lower():
        other = "emby" if client.kind == "jellyfin" else "jellyfin"
        hint = f"configure it under {other}: (or point {upstream.name}.url at {product})"
        return Trouble(f"this is {info.product}, not {product}", hint)
    name = f"{info.product or product} {info.version}"
    return Reached(f"reachable, key accepted: {name} '{session.redactor(info.name)}'")


async def _tvmaze(session: _Session) -> Reached | Trouble:
    upstream = session.upstream
    auth = httpx.BasicAuth(upstream.username or "", session.secret) if upstream.secret else None
    answer = await session.get("/updates/shows?since=day", {"Accept": "application/json"}, auth)
    if isinstance(answer, Failure):
        return trouble(upstream, answer)
    return Reached("reachable, key accepted" if auth else "reachable")


def _field(body: Any, name: str) -> Any:
    return body.get(name) if isinstance(body, dict) else None


def _status_of(message: str) -> str:
    """``HTTP 401`` from the Plex client's message, else the message."""
    for status in ("401", "403"):
        if f"HTTP {status}" in message:
            return f"HTTP {status}"
    return message


# -- hints -----------------------------------------------------------------------------------


def trouble(upstream: Upstream, failure: Failure) -> Trouble:
    """What was found, and what to do about it, for this kind of upstream."""
    product, url = upstream.product, upstream.url or ""
    what = f"{failure.problem.value} ({failure.detail})"
    match failure.problem:
        case Problem.REFUSED | Problem.NO_SUCH_HOST:
            hint = f"nothing answers at {url}: {DOCKER_HINT}"
        case Problem.TIMEOUT:
            hint = (
                f"is {product.name} running at {url}? {DOCKER_HINT}; a firewall that drops "
                "packets, or a server too busy to answer, looks like this"
            )
        case Problem.TLS:
            hint = (
                "use http:// for a port that speaks plain HTTP; with https:// the certificate "
                "must be valid for this host and trusted here (a self-signed one is not)"
            )
        case Problem.NOT_HTTP:
            hint = (
                f"is this an https:// port, or another program's? {product.name} usually "
                f"answers at {product.example}"
            )
        case Problem.AUTH:
            state = "no API key set" if upstream.secret is None else "wrong API key"
            if upstream.kind == "plex":
                state = "no token set" if upstream.secret is None else "wrong Plex token"
            hint = f"{state}: {product.key_hint}; it goes in {upstream.secret_path}"
        case Problem.WRONG_PATH:
            hint = f"wrong base path: {product.path_hint}"
        case Problem.REDIRECT:
            where = failure.location or "another address"
            hint = (
                f"redirected to {where}: a login proxy in front of {product.name}? Point "
                f"arrkestra at {product.name} itself, or use the address it redirects to"
            )
        case Problem.SERVER:
            hint = f"{product.name} answers but fails: its own logs say why"
        case _:
            hint = ""
    return Trouble(what, hint)
