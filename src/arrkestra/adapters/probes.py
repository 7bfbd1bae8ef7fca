"""Reachability and credential probes for ``arrkestra check --online``.

A probe is one authenticated GET that every healthy upstream answers with 2xx; its
status code sorts the upstream into reachable / auth failed / unreachable / error.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field

import httpx

from arrkestra.adapters.http import make_client
from arrkestra.core.redact import Redactor


class ProbeOutcome(enum.StrEnum):
    REACHABLE = "reachable"
    AUTH_FAILED = "auth failed"
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True)
class ProbeTarget:
    name: str  # e.g. "sonarr.hd"
    base_url: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0


@dataclass(frozen=True)
class ProbeResult:
    name: str
    url: str
    outcome: ProbeOutcome
    detail: str

    @property
    def ok(self) -> bool:
        return self.outcome is ProbeOutcome.REACHABLE


def _outcome(status: int) -> ProbeOutcome:
    if 200 <= status < 300:
        return ProbeOutcome.REACHABLE
    if status in (401, 403):
        return ProbeOutcome.AUTH_FAILED
    return ProbeOutcome.ERROR


async def probe(client: httpx.AsyncClient, target: ProbeTarget, redactor: Redactor) -> ProbeResult:
    url = target.base_url.rstrip("/") + target.path
    shown = redactor(url)
    try:
        response = await client.get(url, headers=target.headers, timeout=target.timeout)
    except httpx.TimeoutException:
        return ProbeResult(target.name, shown, ProbeOutcome.UNREACHABLE, "timed out")
    except httpx.HTTPError as exc:
        reason = redactor(str(exc)) or type(exc).__name__
        return ProbeResult(target.name, shown, ProbeOutcome.UNREACHABLE, reason)
    return ProbeResult(
        target.name, shown, _outcome(response.status_code), f"HTTP {response.status_code}"
    )


async def probe_all(targets: list[ProbeTarget], redactor: Redactor) -> list[ProbeResult]:
    timeout = max((t.timeout for t in targets), default=10.0)
    async with make_client(timeout=timeout, redactor=redactor) as client:
        return list(await asyncio.gather(*(probe(client, t, redactor) for t in targets)))
