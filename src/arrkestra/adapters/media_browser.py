"""Jellyfin and Emby client (interface; the implementation is being written)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from arrkestra.core.job_kinds.server_update import MediaChange, ServerKind
from arrkestra.core.redact import Redactor


@dataclass(frozen=True)
class ServerInfo:
    name: str  # ServerName
    version: str  # Version
    product: str | None  # ProductName


@dataclass(frozen=True)
class Library:
    name: str
    locations: tuple[str, ...]
    collection_type: str | None


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

    async def report_updates(self, changes: Sequence[MediaChange]) -> None:
        raise NotImplementedError

    async def system_info(self) -> ServerInfo:
        raise NotImplementedError

    async def libraries(self) -> list[Library]:
        raise NotImplementedError

    async def check_auth(self) -> None:
        raise NotImplementedError
