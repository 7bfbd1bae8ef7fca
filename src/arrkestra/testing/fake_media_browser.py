"""A fake Jellyfin or Emby server, written from Jellyfin's OpenAPI document
(specs/jellyfin-openapi-stable.json), sharing no code with the adapter.

It answers what arrkestra asks of these servers, shaped as the document's schemas:

- ``POST /Library/Media/Updated`` (MediaUpdateInfoDto): 204, the ``Updates`` recorded
  as sent. Strict where the document is: no property beyond ``Updates``, ``Path`` and
  ``UpdateType`` (``additionalProperties: false``), ``Path`` a string, ``UpdateType``
  one of Created, Modified, Deleted (the values the server parses), and ``Updates``
  present (the schema lets it be left out, but such a request says nothing); anything
  else is a 400 ProblemDetails, as ASP.NET's model validation answers. A body that is not JSON
  (by its Content-Type) is a 415.
- ``GET /System/Info`` (SystemInfo, needs the key), ``GET /System/Info/Public``
  (PublicSystemInfo, no key) and ``GET /Library/VirtualFolders`` (VirtualFolderInfo[],
  needs the key).

Jellyfin serves these at the root; Emby serves the same routes under ``/emby`` only, so
a client that forgets (or doubles) the prefix gets 404s. The key is read from
``Authorization: MediaBrowser Token="..."`` (or the ``Emby`` scheme) and from
``X-Emby-Token``; an older server (``legacy_auth``) reads only the latter and answers 401
to the former. A key in the query string is not read: arrkestra never sends one, and a
call recorded with auth style ``none`` shows it did not.

Switches: ``down`` (503 with ``Retry-After`` and ``Message``, as the document says a
starting server answers), ``fail_with`` (every request answers that status), ``delay``
(seconds before any answer), and ``api_key`` itself (change it and every request is 401).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException

Handler = Callable[[Request], Awaitable[Response]]
LibrarySeed = tuple[str, str, Iterable[str]]  # name, collection type ("" for mixed), locations
AuthStyle = Literal["authorization", "x-emby-token", "none"]

KINDS = ("jellyfin", "emby")
SERVER_ID = "4bb2ec5a7c0e4a4ba8c2ffb86c0ba1de"
JSON_MEDIA_TYPES = ("application/json", "text/json")  # and application/*+json
_AUTH_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')
STARTING = "Jellyfin Server is starting"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _MediaUpdateInfoPath(_Strict):
    Path: str
    UpdateType: Literal["Created", "Modified", "Deleted"]


class _MediaUpdateInfo(_Strict):
    Updates: list[_MediaUpdateInfoPath]


def _token_in_authorization(header: str) -> str | None:
    """``MediaBrowser Token="key", Client="x"`` (or the ``Emby`` scheme): the Token."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() not in ("mediabrowser", "emby"):
        return None
    params = {name.lower(): value for name, value in _AUTH_PARAM.findall(rest)}
    return params.get("token")


def _auth_style(request: Request) -> AuthStyle:
    if "authorization" in request.headers:
        return "authorization"
    if "x-emby-token" in request.headers:
        return "x-emby-token"
    return "none"


def _validation_errors(exc: ValueError) -> dict[str, list[str]]:
    """What was wrong, by JSON path, as ASP.NET lists it."""
    if not isinstance(exc, ValidationError):
        return {"$": [f"not JSON: {exc}"]}
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        errors.setdefault("$" + where, []).append(error["msg"])
    return errors


def _problem(status: int, title: str, errors: dict[str, list[str]]) -> JSONResponse:
    """ASP.NET's ValidationProblemDetails."""
    body = {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        "title": title,
        "status": status,
        "errors": errors,
    }
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


class FakeMediaBrowser:
    """In-memory Jellyfin (``kind="jellyfin"``) or Emby; serve ``app`` with LoopbackServer
    or httpx.ASGITransport."""

    def __init__(
        self,
        kind: str,
        api_key: str,
        libraries: Iterable[LibrarySeed] = (),
        *,
        server_name: str = "Fake Media Server",
        version: str = "10.10.3",
        legacy_auth: bool = False,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind is one of {KINDS}, not {kind!r}")
        self.kind = kind
        self.prefix = "/emby" if kind == "emby" else ""
        self._initial_key = api_key
        self._initial_libraries = [(n, t, tuple(locations)) for n, t, locations in libraries]
        self._initial_legacy = legacy_auth
        self.server_name = server_name
        self.version = version
        self.reset()
        self.app = self._build_app()

    def reset(self) -> None:
        """Back to the key and libraries given at construction, nothing recorded, every
        switch off."""
        self.api_key = self._initial_key
        self.legacy_auth = self._initial_legacy
        self.libraries: list[tuple[str, str, tuple[str, ...]]] = list(self._initial_libraries)
        self.updates: list[list[dict[str, str]]] = []  # each accepted request's Updates
        self.calls: list[tuple[str, str, str]] = []  # (method, path, auth style)
        self.down = False  # every request answers 503, as a starting server does
        self.retry_after = 30  # the Retry-After of that 503, in seconds
        self.fail_with: int | None = None  # every request answers this status
        self.updates_fail_with: int | None = None  # POST /Library/Media/Updated alone does
        self.delay = 0.0  # seconds before answering anything

    def add_library(self, name: str, collection_type: str, locations: Iterable[str]) -> None:
        self.libraries.append((name, collection_type, tuple(locations)))

    # -- answers ---------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        by_header = not self.legacy_auth and _token_in_authorization(header) == self.api_key
        return by_header or request.headers.get("x-emby-token") == self.api_key

    def _public_info(self, request: Request) -> dict[str, Any]:
        info: dict[str, Any] = {
            "LocalAddress": str(request.base_url).rstrip("/") + self.prefix,
            "ServerName": self.server_name,
            "Version": self.version,
            "OperatingSystem": "",
            "Id": SERVER_ID,
            "StartupWizardCompleted": True,
        }
        if self.kind == "jellyfin":  # Emby does not send a ProductName
            info["ProductName"] = "Jellyfin Server"
        return info

    def _system_info(self, request: Request) -> dict[str, Any]:
        return {
            **self._public_info(request),
            "OperatingSystemDisplayName": "",
            "PackageName": "Jellyfin-Docker",
            "HasPendingRestart": False,
            "IsShuttingDown": False,
            "SupportsLibraryMonitor": True,
            "WebSocketPortNumber": 8096,
            "CompletedInstallations": [],
            "CanSelfRestart": True,
            "CanLaunchWebBrowser": False,
            "ProgramDataPath": "/config/data",
            "WebPath": "/jellyfin/jellyfin-web",
            "ItemsByNamePath": "/config/metadata",
            "CachePath": "/cache",
            "LogPath": "/config/log",
            "InternalMetadataPath": "/config/metadata",
            "TranscodingTempPath": "/cache/transcodes",
            "CastReceiverApplications": [],
            "HasUpdateAvailable": False,
            "EncoderLocation": "System",
            "SystemArchitecture": "X64",
        }

    def _virtual_folders(self) -> list[dict[str, Any]]:
        folders = []
        for number, (name, collection_type, locations) in enumerate(self.libraries, start=1):
            folder: dict[str, Any] = {
                "Name": name,
                "Locations": list(locations),
                "LibraryOptions": {
                    "Enabled": True,
                    "EnableRealtimeMonitor": False,
                    "PathInfos": [{"Path": path} for path in locations],
                    "TypeOptions": [],
                },
                "ItemId": f"{number:032x}",
                "RefreshStatus": "Idle",
            }
            if collection_type:  # a mixed library has none
                folder["CollectionType"] = collection_type
            folders.append(folder)
        return folders

    async def _media_updated(self, request: Request) -> Response:
        if self.updates_fail_with is not None:
            failed = "Error processing request."
            return PlainTextResponse(failed, status_code=self.updates_fail_with)
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        json_like = media_type.startswith("application/") and media_type.endswith("+json")
        if media_type not in JSON_MEDIA_TYPES and not json_like:
            return PlainTextResponse("Unsupported Media Type", status_code=415)
        try:
            sent = json.loads(await request.body())
            _MediaUpdateInfo.model_validate(sent)
        except ValueError as exc:  # pydantic's ValidationError is one
            errors = _validation_errors(exc)
            return _problem(400, "One or more validation errors occurred.", errors)
        self.updates.append(sent["Updates"])
        return Response(status_code=204)

    # -- the app ---------------------------------------------------------------------------

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        """Record the call, then apply the switches."""
        self.calls.append((request.method, request.url.path, _auth_style(request)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            starting = "<html><head><title>Jellyfin</title></head><body>Starting</body></html>"
            headers = {"Retry-After": str(self.retry_after), "Message": STARTING}
            return HTMLResponse(starting, status_code=503, headers=headers)
        if self.fail_with is not None:
            return PlainTextResponse("Error processing request.", status_code=self.fail_with)
        return await call_next(request)

    def _routes(self) -> APIRouter:
        router = APIRouter()

        @router.post("/Library/Media/Updated")
        async def media_updated(request: Request) -> Response:
            if not self._authorized(request):
                return Response(status_code=401)
            return await self._media_updated(request)

        @router.get("/System/Info")
        async def system_info(request: Request) -> Response:
            if not self._authorized(request):
                return Response(status_code=401)
            return JSONResponse(self._system_info(request))

        @router.get("/System/Info/Public")
        async def public_info(request: Request) -> Response:
            return JSONResponse(self._public_info(request))

        @router.get("/Library/VirtualFolders")
        async def virtual_folders(request: Request) -> Response:
            if not self._authorized(request):
                return Response(status_code=401)
            return JSONResponse(self._virtual_folders())

        return router

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)

        @app.exception_handler(HTTPException)
        async def no_route(request: Request, exc: HTTPException) -> Response:
            return Response(status_code=exc.status_code)  # Kestrel's empty 404 / 405

        app.include_router(self._routes(), prefix=self.prefix)
        return app
