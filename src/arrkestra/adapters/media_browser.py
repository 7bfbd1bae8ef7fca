"""Jellyfin and Emby client: tell the server exactly which paths changed, read its name,
version and libraries.

After a copy, a delete or a move the server is told the changed paths as it sees them:
``POST /Library/Media/Updated`` with ``{"Updates": [{"Path": ..., "UpdateType":
"Created" | "Modified" | "Deleted"}]}`` (204). It refreshes the items those paths belong
to, never a whole library; there is deliberately no call here that refreshes one.
``GET /System/Info`` (name, version; it needs the key, so it is also the auth probe) and
``GET /Library/VirtualFolders`` (each library's locations, for ``check --online``) are
read as Jellyfin's OpenAPI document describes them; Emby serves the same routes under
``/emby``, which is added to the configured url unless it ends with it already.

Auth. The key travels in ``Authorization: MediaBrowser Token="<key>"``, what current
servers expect. An older server answers 401 to that header and reads only
``X-Emby-Token``: a 401 is tried once more with the other header, and the header that got
through is kept for this client's later requests. 401 both ways is an
``UpstreamAuthError`` for this server (``upstream``: ``jellyfin.default``), whose
scans then wait. The key is never put in a URL, and every message is redacted.

Status codes become the error taxonomy (``adapters/http``); a 404 is permanent with a
hint about the url (the root, and Emby's ``/emby``). An answer that is not the JSON the
spec describes is transient, naming what was wrong. No retries happen here: each report
is its own job, and the job queue owns retries.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    retry_after_seconds,
    validation_problem,
)
from arrkestra.core.errors import PermanentError, TransientError, Unreachable, UpstreamAuthError
from arrkestra.core.job_kinds.server_update import MediaChange, ServerKind
from arrkestra.core.library_locations import holding
from arrkestra.core.redact import Redactor

__all__ = ["Library", "MediaBrowserClient", "ServerInfo", "library_holding"]

EMBY_PREFIX = "/emby"
UPDATED = "/Library/Media/Updated"
SYSTEM_INFO = "/System/Info"
VIRTUAL_FOLDERS = "/Library/VirtualFolders"
DETAIL_LIMIT = 200
PRODUCTS: dict[ServerKind, str] = {"jellyfin": "Jellyfin", "emby": "Emby"}

AuthStyle = Literal["authorization", "x-emby-token"]
_OTHER_STYLE: dict[AuthStyle, AuthStyle] = {
    "authorization": "x-emby-token",
    "x-emby-token": "authorization",
}
_HEADER_NAMES: dict[AuthStyle, str] = {
    "authorization": "Authorization",
    "x-emby-token": "X-Emby-Token",
}

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerInfo:
    name: str  # ServerName
    version: str  # Version
    product: str | None  # ProductName (Jellyfin sends it; Emby may not)


@dataclass(frozen=True)
class Library:
    name: str
    locations: tuple[str, ...]  # root folders as the server sees them
    collection_type: str | None  # movies, tvshows, mixed ...; None when the server names none


def library_holding(libraries: Iterable[Library], folder: str) -> Library | None:
    """The library with the longest location containing ``folder`` on whole components
    (``/media/movies-4k/X`` is not under ``/media/movies``; Windows paths ignore case and
    take either separator); the first on a tie, None when none holds it."""
    return holding(libraries, folder)


# -- answers ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on the first answer


class _SystemInfo(_Model):
    ServerName: str
    Version: str
    ProductName: str | None = None


class _VirtualFolder(_Model):
    Name: str | None = None
    Locations: list[str] | None = None
    CollectionType: str | None = None


_SYSTEM_INFO = TypeAdapter(_SystemInfo)
_VIRTUAL_FOLDERS = TypeAdapter(list[_VirtualFolder])


def api_root(kind: ServerKind, base_url: str) -> str:
    """Where the routes are: Jellyfin's url as given (a base path like ``/jellyfin``
    included), Emby's with ``/emby`` (added unless the url ends with it)."""
    root = base_url.rstrip("/")
    if kind == "emby" and not root.lower().endswith(EMBY_PREFIX):
        root += EMBY_PREFIX
    return root


# -- the client ------------------------------------------------------------------------------


class MediaBrowserClient:
    def __init__(
        self,
        kind: ServerKind,
        base_url: str,
        api_key: str,
        *,
        client: httpx.AsyncClient,
        redactor: Redactor,
        upstream: str,
    ) -> None:
        self.kind = kind
        self.upstream = upstream
        self._base = base_url.rstrip("/")
        self._root = api_root(kind, base_url)
        self._client = client
        # The key is masked even if the caller's redactor was built without it.
        self._redactor = Redactor.of([api_key, *redactor.secrets])
        self._auth: dict[AuthStyle, dict[str, str]] = {
            "authorization": {"Authorization": f'MediaBrowser Token="{api_key}"'},
            "x-emby-token": {"X-Emby-Token": api_key},
        }
        self._style: AuthStyle = "authorization"  # what the next request tries first
        self._has_key = bool(api_key)

    @property
    def auth_style(self) -> AuthStyle:
        """The credential header this client sends first (the one that last got through)."""
        return self._style

    async def report_updates(self, changes: Sequence[MediaChange]) -> None:
        """``POST /Library/Media/Updated`` naming each changed path; any 2xx is success."""
        if not changes:
            return
        body = {"Updates": [{"Path": c.path, "UpdateType": c.type} for c in changes]}
        response = await self._request("POST", UPDATED, body)
        self._raise_for_status("POST", UPDATED, response)
        more = f" and {len(changes) - 1} more" if len(changes) > 1 else ""
        log.info(self._text(f"{self.upstream}: told about {changes[0].path}{more}"))

    async def system_info(self) -> ServerInfo:
        """``GET /System/Info``: the server's name, version and product (needs the key)."""
        info = await self._get(SYSTEM_INFO, _SYSTEM_INFO)
        return ServerInfo(name=info.ServerName, version=info.Version, product=info.ProductName)

    async def libraries(self) -> list[Library]:
        """``GET /Library/VirtualFolders``: every library with its locations."""
        folders = await self._get(VIRTUAL_FOLDERS, _VIRTUAL_FOLDERS)
        return [
            Library(
                name=folder.Name or "",
                locations=tuple(folder.Locations or ()),
                collection_type=folder.CollectionType or None,
            )
            for folder in folders
        ]

    async def check_auth(self) -> None:
        """Prove the key is accepted (``UpstreamAuthError`` if not): ``/System/Info``."""
        await self.system_info()

    # -- HTTP ------------------------------------------------------------------------------

    async def _get(self, path: str, model: TypeAdapter[T]) -> T:
        response = await self._request("GET", path)
        self._raise_for_status("GET", path, response)
        try:
            return model.validate_json(response.content)
        except ValidationError as exc:
            problem = validation_problem(exc)
        text = f"{self.upstream} GET {self._root}{path}: unexpected answer ({problem})"
        raise TransientError(self._text(text))

    async def _request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """The answer to the request made with the remembered credential header; after a
        401, the answer to the same request with the other header (kept when it got
        through). A 401 both ways is an ``UpstreamAuthError``."""
        style = self._style
        response = await self._send(method, path, style, body)
        if response.status_code != 401:
            return response
        other = _OTHER_STYLE[style]
        response = await self._send(method, path, other, body)
        if response.status_code != 401:
            if self._style == style:
                self._style = other
                log.info(f"{self.upstream}: sends its key as {_HEADER_NAMES[other]} from now on")
            return response
        tried = f"the key in {_HEADER_NAMES[style]} and in {_HEADER_NAMES[other]} alike"
        if self._has_key:
            hint = f"is the api_key of {self.upstream} right?"
        else:
            hint = f"{self.upstream} has no api_key set"
        text = f"{self._describe(method, path, response)}, to {tried} ({hint})"
        raise UpstreamAuthError(self._text(text), upstream=self.upstream)

    async def _send(
        self, method: str, path: str, style: AuthStyle, body: Mapping[str, Any] | None
    ) -> httpx.Response:
        url = self._root + path
        headers = {"Accept": "application/json", **self._auth[style]}
        try:
            return await self._client.request(method, url, json=body, headers=headers)
        except NO_ANSWER as exc:
            raise no_answer(exc, f"{self.upstream} {method} {url}", self._text) from None

    def _raise_for_status(self, method: str, path: str, response: httpx.Response) -> None:
        if 200 <= response.status_code < 300:
            return
        message = self._describe(method, path, response)
        if response.status_code == 404:
            raise PermanentError(f"{message} ({self._url_hint()})")
        if response.status_code == 503:  # starting, or a proxy with nothing behind it
            raise Unreachable(message, retry_after=retry_after_seconds(response))
        raise_for_upstream_status(
            response,
            message,
            upstream=self.upstream,
            credential=f"the api_key of {self.upstream}",
            redact=self._text,
        )

    def _url_hint(self) -> str:
        base = self._text(self._base)
        if self.kind == "emby":
            return (
                f"is {base} the server's root? Emby's routes are under /emby, added when "
                "the url does not end with it: the url works with or without /emby"
            )
        return f"is {base} the server's root, with its base path (/jellyfin) if it has one?"

    def _describe(self, method: str, path: str, response: httpx.Response) -> str:
        text = f"{self.upstream} {method} {self._root}{path}: HTTP {response.status_code}"
        detail = _server_message(response)
        return self._text(f"{text}: {detail}" if detail else text)

    def _text(self, text: str) -> str:
        return self._redactor(text)


def _server_message(response: httpx.Response) -> str:
    """The server's own words for a failure, shortened: its ``Message`` header (503), a
    ProblemDetails title and detail (400), or the text of an HTML page."""
    text = response.headers.get("message", "") or response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        text = " ".join(str(body[key]) for key in ("title", "detail", "Message") if body.get(key))
    elif "<" in text:
        title = re.search(r"(?is)<title>(.*?)</title>", text)
        text = title.group(1) if title else re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text[:DETAIL_LIMIT] + ("..." if len(text) > DETAIL_LIMIT else "")
