"""A fake Plex Media Server, written from specs/plex.md, sharing no code with the adapter.

It answers ``/identity``, ``GET /library/sections`` (JSON for ``Accept: application/json``,
XML otherwise, shaped like the real sample in specs/plex) and partial scans
``GET /library/sections/{key}/refresh?path=...`` (200, empty body; 404 for an unknown
section), and records which sections and paths were scanned. Every request needs the
token, as a header or as the ``X-Plex-Token`` query parameter; without it, or with a
wrong one, the answer is Plex's HTML 401. Switches make it go down, fail, be slow, or
answer XML whatever the client asks for.
"""

from __future__ import annotations

import asyncio
import itertools
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException

Handler = Callable[[Request], Awaitable[Response]]
SectionSeed = tuple[str, str, str, Iterable[str]]  # key, type, title, locations

STAMP = 1_700_000_000
AGENTS = {
    "movie": ("tv.plex.agents.movie", "Plex Movie"),
    "show": ("tv.plex.agents.series", "Plex TV Series"),
    "artist": ("tv.plex.agents.music", "Plex Music"),
    "photo": ("com.plexapp.agents.none", "Plex Photo Scanner"),
}


def _html_error(status: int, reason: str) -> HTMLResponse:
    """The little HTML page Plex answers errors with."""
    body = (
        f"<html><head><title>{reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    )
    return HTMLResponse(body, status_code=status)


class FakePlex:
    """In-memory Plex; serve ``app`` with LoopbackServer or httpx.ASGITransport."""

    def __init__(
        self,
        token: str,
        sections: Iterable[SectionSeed] = (),
        *,
        machine_identifier: str = "0123456789abcdef0123456789abcdef01234567",
        version: str = "1.41.3.9314-a0bfb8370",
    ) -> None:
        self._initial_token = token
        self._initial_sections = [(k, t, n, tuple(locs)) for k, t, n, locs in sections]
        self.machine_identifier = machine_identifier
        self.version = version
        self.reset()
        self.app = self._build_app()

    def reset(self) -> None:
        """Back to the sections given at construction, nothing scanned, every switch off."""
        self.token = self._initial_token
        self.sections: dict[str, dict[str, Any]] = {}
        self._location_ids = itertools.count(1)
        for key, kind, title, locations in self._initial_sections:
            self.add_section(key, kind, title, locations)
        self.scans: list[tuple[str, str]] = []  # (section key, path); "" for a whole section
        self.calls: list[tuple[str, str, dict[str, str]]] = []  # (method, path, query)
        self.down = False  # every request answers 503, as a reverse proxy would
        self.fail_with: int | None = None  # every request answers this status
        self.delay = 0.0  # seconds before answering anything
        self.xml_only = False  # answer XML even to Accept: application/json

    def add_section(self, key: str, kind: str, title: str, locations: Iterable[str]) -> None:
        if not key.isdigit():
            raise ValueError(f"a section key is numeric, not {key!r}")
        if kind not in AGENTS:
            raise ValueError(f"a section type is one of {sorted(AGENTS)}, not {kind!r}")
        self.sections[key] = {
            "type": kind,
            "title": title,
            "locations": [(next(self._location_ids), path) for path in locations],
        }

    def remove_section(self, key: str) -> None:
        del self.sections[key]

    # -- answers ---------------------------------------------------------------------------

    def _directory(self, key: str) -> tuple[dict[str, Any], list[tuple[int, str]]]:
        """A section's attributes as JSON values, and its locations."""
        section = self.sections[key]
        agent, scanner = AGENTS[section["type"]]
        attributes = {
            "allowSync": True,
            "art": f"/:/resources/{section['type']}-fanart.jpg",
            "composite": f"/library/sections/{key}/composite/{STAMP}",
            "filters": True,
            "refreshing": False,
            "thumb": f"/:/resources/{section['type']}.png",
            "key": key,
            "type": section["type"],
            "title": section["title"],
            "agent": agent,
            "scanner": scanner,
            "language": "en-US",
            "uuid": f"00000000-0000-4000-8000-{int(key):012d}",
            "updatedAt": STAMP,
            "createdAt": STAMP,
            "scannedAt": STAMP,
            "content": True,
            "directory": True,
            "contentChangedAt": STAMP,
            "hidden": 0,
        }
        return attributes, section["locations"]

    def _sections_json(self) -> dict[str, Any]:
        directories = []
        for key in self.sections:
            attributes, locations = self._directory(key)
            attributes["Location"] = [{"id": i, "path": path} for i, path in locations]
            directories.append(attributes)
        container = {
            "size": len(directories),
            "allowSync": False,
            "title1": "Plex Library",
            "Directory": directories,
        }
        return {"MediaContainer": container}

    def _sections_xml(self) -> str:
        root = ElementTree.Element(
            "MediaContainer",
            size=str(len(self.sections)),
            allowSync="0",
            identifier="com.plexapp.plugins.library",
            mediaTagPrefix="/system/bundle/media/flags/",
            mediaTagVersion=str(STAMP),
            title1="Plex Library",
        )
        for key in self.sections:
            attributes, locations = self._directory(key)
            directory = ElementTree.SubElement(root, "Directory", _xml_attributes(attributes))
            for location_id, path in locations:
                ElementTree.SubElement(directory, "Location", id=str(location_id), path=path)
        return _xml_document(root)

    def _identity(self, request: Request) -> Response:
        if self._wants_json(request):
            container = {
                "size": 0,
                "claimed": True,
                "machineIdentifier": self.machine_identifier,
                "version": self.version,
            }
            return JSONResponse({"MediaContainer": container})
        root = ElementTree.Element(
            "MediaContainer",
            size="0",
            claimed="1",
            machineIdentifier=self.machine_identifier,
            version=self.version,
        )
        return Response(_xml_document(root), media_type="application/xml")

    def _refresh(self, key: str, request: Request) -> Response:
        keys = list(self.sections) if key == "all" else [key]
        if any(k not in self.sections for k in keys):
            return _html_error(404, "Not Found")
        path = request.query_params.get("path", "")
        self.scans.extend((k, path) for k in keys)
        return HTMLResponse("", status_code=200)

    def _wants_json(self, request: Request) -> bool:
        return not self.xml_only and "application/json" in request.headers.get("accept", "")

    # -- the app ---------------------------------------------------------------------------

    async def _gate(self, request: Request, call_next: Handler) -> Response:
        """Record the call, then apply the switches and the token check."""
        self.calls.append((request.method, request.url.path, dict(request.query_params)))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            return PlainTextResponse("503 Service Unavailable", status_code=503)
        if self.fail_with is not None:
            return _html_error(self.fail_with, "Fake Failure")
        token = request.headers.get("x-plex-token") or request.query_params.get("X-Plex-Token")
        if token != self.token:
            return _html_error(401, "Unauthorized")
        return await call_next(request)

    def _build_app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
        app.middleware("http")(self._gate)

        @app.exception_handler(HTTPException)
        async def no_route(request: Request, exc: HTTPException) -> Response:
            return _html_error(exc.status_code, "Not Found" if exc.status_code == 404 else "Error")

        @app.get("/identity")
        async def identity(request: Request) -> Response:
            return self._identity(request)

        @app.get("/library/sections")
        async def sections(request: Request) -> Response:
            if self._wants_json(request):
                return JSONResponse(self._sections_json())
            return Response(self._sections_xml(), media_type="application/xml")

        @app.get("/library/sections/{key}/refresh")
        async def refresh(key: str, request: Request) -> Response:
            return self._refresh(key, request)

        return app


def _xml_attributes(values: dict[str, Any]) -> dict[str, str]:
    """JSON attribute values as Plex writes them in XML (booleans as 0/1)."""
    return {
        name: str(int(value)) if isinstance(value, bool) else str(value)
        for name, value in values.items()
    }


def _xml_document(root: ElementTree.Element) -> str:
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
