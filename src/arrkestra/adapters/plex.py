"""Plex Media Server client: find the library section of a folder and scan just that folder.

A partial scan is ``GET /library/sections/{key}/refresh?path=<folder>`` with the folder as
*Plex* sees it (see specs/plex.md). The section comes from the mirror rule when it names
one; otherwise it is the section whose ``Location`` is the longest whole-component prefix
of the folder (``/media/movies-4k/X`` is not under ``/media/movies``: the rule Jellyfin and
Emby share, ``core/library_locations``), found from ``GET /library/sections``, which is
cached for ``sections_ttl`` seconds.

The token travels only in the ``X-Plex-Token`` header, never in a URL, and every message
goes through the redactor. Status codes become the error taxonomy; no retries happen here
(the scan is its own job, and the job queue owns retries; it also debounces: the scans
of one folder within ``plex.scan_debounce`` are one job).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from arrkestra.adapters.http import (
    NO_ANSWER,
    no_answer,
    raise_for_upstream_status,
    validation_problem,
)
from arrkestra.core.errors import PermanentError, TransientError
from arrkestra.core.library_locations import holding, location_parts
from arrkestra.core.redact import Redactor

__all__ = ["PlexClient", "Section", "section_holds"]

UPSTREAM = "plex"
DETAIL_LIMIT = 200

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    key: str  # numeric, as a string (Plex serializes it so)
    type: str  # movie, show, artist or photo
    title: str  # not unique
    locations: tuple[str, ...]  # root folders as the Plex server sees them


# -- answers (JSON, or XML turned into the same shape) ---------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)  # built on the first answer


class _Location(_Model):
    path: str


class _Directory(_Model):
    key: str | int
    type: str = ""
    title: str = ""
    Location: list[_Location] = []


class _Container(_Model):
    Directory: list[_Directory] = []
    machineIdentifier: str | None = None


class _Body(_Model):
    MediaContainer: _Container


def _decode(content: bytes) -> Any:
    """The answer as JSON-like data, from JSON or (older servers, proxies) from XML."""
    if content.lstrip()[:1] != b"<":
        return json.loads(content)
    # No external entities are resolved by ElementTree, and expat bounds entity expansion.
    root = ElementTree.fromstring(content)  # noqa: S314
    if root.tag != "MediaContainer":
        raise ValueError(f"root element is <{root.tag}>, not <MediaContainer>")
    container: dict[str, Any] = dict(root.attrib)
    container["Directory"] = [
        {**item.attrib, "Location": [dict(loc.attrib) for loc in item.findall("Location")]}
        for item in root.findall("Directory")
    ]
    return {"MediaContainer": container}


# -- sections --------------------------------------------------------------------------------


def section_holds(section: Section, folder: str) -> bool:
    """Whether one of ``section``'s locations contains ``folder`` (whole components)."""
    return holding([section], folder) is not None


def _is_title(section: str) -> bool:
    """``Movies`` names a section by title; digits are its key, and anything with a ``/``
    (or nothing at all) is neither."""
    text = section.strip()
    return bool(text) and not text.isdigit() and "/" not in text


def _section_key(section: str | int) -> str:
    key = str(section).strip() if not isinstance(section, bool) else ""
    if not key.isdigit():  # also keeps "../x" and friends out of the URL path
        raise PermanentError(f"invalid Plex section {section!r}: it must be a number")
    return key


# -- the client ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    taken_at: float
    sections: list[Section]


class PlexClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client: httpx.AsyncClient,
        redactor: Redactor,
        clock: Callable[[], float],
        sections_ttl: float = 300.0,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._headers = {
            "X-Plex-Token": token,
            "Accept": "application/json",
            "X-Plex-Product": "arrkestra",
            "X-Plex-Client-Identifier": "arrkestra",
        }
        self._client = client
        # The token is masked even if the caller's redactor was built without it.
        self._redactor = Redactor.of([token, *redactor.secrets])
        self._clock = clock
        self._ttl = sections_ttl
        self._snapshot: _Snapshot | None = None
        self._lock = asyncio.Lock()

    async def identity(self) -> str:
        """``GET /identity``: the server's ``machineIdentifier`` (for health)."""
        body = await self._get_body("/identity")
        if not body.MediaContainer.machineIdentifier:
            raise TransientError(
                self._text(f"Plex GET {self._base}/identity: no machineIdentifier")
            )
        return body.MediaContainer.machineIdentifier

    async def check_auth(self) -> None:
        """Prove the token is accepted (``UpstreamAuthError`` if not): the sections, read
        afresh (``/identity`` answers without a token)."""
        await self._sections(force=True)

    async def sections(self) -> list[Section]:
        """Every library section, from a cache at most ``sections_ttl`` seconds old."""
        sections, _ = await self._sections(force=False)
        return list(sections)

    async def section_for(self, folder: str) -> Section | None:
        """The section holding ``folder`` (a Plex-side path), or None.

        A folder no cached section holds re-reads the sections once: a library may have
        been added since the cache was filled.
        """
        if location_parts(folder) is None:
            return None
        sections, fetched = await self._sections(force=False)
        found = holding(sections, folder)
        if found is None and not fetched:
            sections, _ = await self._sections(force=True)
            found = holding(sections, folder)
        return found

    async def _key_of_title(self, title: str, folder: str) -> str:
        """A section named by its title (``plex_section: Movies``): titles are not unique,
        so among several the one holding ``folder`` wins."""
        wanted = title.strip().casefold()
        named = [s for s in await self.sections() if s.title.strip().casefold() == wanted]
        if not named:
            raise PermanentError(self._text(f"Plex has no library section titled {title!r}"))
        return (holding(named, folder) or named[0]).key

    async def scan(self, folder: str, *, section: str | int | None = None) -> str:
        """Ask Plex to scan ``folder``; returns the key of the section scanned.

        Plex answers at once and scans in the background, so success means "queued".
        """
        if location_parts(folder) is None:
            raise PermanentError(f"cannot scan {folder!r}: not an absolute, normalized path")
        if isinstance(section, str) and _is_title(section):
            key = await self._key_of_title(str(section), folder)
        elif section is not None:
            key = _section_key(section)
        else:
            found = await self.section_for(folder)
            if found is None:
                raise PermanentError(self._text(f"no Plex library section holds {folder}"))
            key = found.key
        path = f"/library/sections/{key}/refresh"
        response = await self._send(path, {"path": folder})
        if response.status_code == 404:
            if section is not None:
                raise PermanentError(
                    self._text(f"Plex has no such section {key} (scan of {folder})")
                )
            self.invalidate_sections()  # the next attempt finds the section again
            raise TransientError(
                self._text(f"Plex section {key} is gone; sections will be re-read")
            )
        self._raise_for_status(path, response)
        log.info(self._text(f"Plex scan queued: section {key}, {folder}"))
        return key

    def invalidate_sections(self) -> None:
        self._snapshot = None

    # -- internals -------------------------------------------------------------------------

    async def _sections(self, *, force: bool) -> tuple[list[Section], bool]:
        """The sections, and whether this call fetched them."""
        async with self._lock:  # concurrent callers share one fetch
            snapshot = self._snapshot
            if not force and snapshot is not None:
                age = self._clock() - snapshot.taken_at
                if 0 <= age < self._ttl:
                    return snapshot.sections, False
            taken_at = self._clock()
            body = await self._get_body("/library/sections")
            sections = [
                Section(
                    key=str(item.key),
                    type=item.type,
                    title=item.title,
                    locations=tuple(loc.path for loc in item.Location),
                )
                for item in body.MediaContainer.Directory
            ]
            self._snapshot = _Snapshot(taken_at, sections)
            return sections, True

    async def _get_body(self, path: str) -> _Body:
        response = await self._send(path)
        self._raise_for_status(path, response)
        try:
            return _Body.model_validate(_decode(response.content))
        except ValidationError as exc:
            problem = validation_problem(exc)
        except (ValueError, ElementTree.ParseError) as exc:
            problem = f"neither JSON nor XML ({exc})"
        text = f"Plex GET {self._base}{path}: unexpected answer ({problem})"
        raise TransientError(self._text(text))

    async def _send(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        url = self._base + path
        try:
            return await self._client.get(url, params=params, headers=self._headers)
        except NO_ANSWER as exc:
            raise no_answer(exc, f"Plex GET {url}", self._text) from None

    def _raise_for_status(self, path: str, response: httpx.Response) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        text = f"Plex GET {self._base}{path}: HTTP {status}"
        detail = _server_message(response)
        message = self._text(f"{text}: {detail}" if detail else text)
        raise_for_upstream_status(
            response, message, upstream=UPSTREAM, credential="plex.token", redact=self._text
        )

    def _text(self, text: str) -> str:
        return self._redactor(text)


def _server_message(response: httpx.Response) -> str:
    """Plex's own words for a failure (an HTML title, usually), shortened."""
    text = response.text
    title = re.search(r"(?is)<title>(.*?)</title>", text)
    if title:
        text = title.group(1)
    elif "<" in text:
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    return text[:DETAIL_LIMIT] + ("..." if len(text) > DETAIL_LIMIT else "")
