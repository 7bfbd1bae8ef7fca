"""Per-client-address rate limit (token bucket) as ASGI middleware: 429 with Retry-After.

Buckets live in a bounded LRU map so a scan from many addresses cannot grow memory
without limit. ``server.rate_limit: null`` turns the middleware off.

What is limited: the API and everything unauthenticated. Not limited: the probes
(``/health``, ``/ready``, ``/metrics``, ``/ping``: a monitor polling them must not be
locked out, nor lock out the API) and webhooks, which the middleware lets through so
the webhook route decides: an authenticated webhook is never limited (Sonarr and Radarr
do not retry one), a refused one takes a token (``RateLimiter.refuse_if_spent``).

The client is the connection's address; behind a reverse proxy listed in
``server.trusted_proxies`` it is the right-most ``X-Forwarded-For`` address that is not
itself a trusted proxy (the left part of that header is whatever the client wrote).
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_CLIENTS = 10_000
PROBES = frozenset({"/health", "/ready", "/metrics", "/ping"})
WEBHOOK_PREFIX = "/webhook/"
LEGACY_WEBHOOKS = frozenset({"/sync/sonarr", "/sync/radarr"})  # sync-webhook's own URLs
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """``capacity`` requests at once, refilled at ``capacity / per`` tokens a second."""

    def __init__(
        self, capacity: int, per: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = float(capacity)
        self.rate = capacity / per
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str) -> float:
        """0.0 if a request may pass now, else the seconds until one may."""
        now = self._clock()
        bucket = self._buckets.pop(client, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self._buckets[client] = bucket
        if len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def exempt(path: str) -> bool:
    """Probes and webhooks pass the middleware (webhooks are charged only when refused)."""
    return path in PROBES or path.startswith(WEBHOOK_PREFIX) or path in LEGACY_WEBHOOKS


class RateLimiter:
    """Token buckets keyed by the client's address, seen through trusted proxies."""

    def __init__(self, buckets: TokenBuckets, trusted_proxies: Iterable[Network] = ()) -> None:
        self.buckets = buckets
        self.trusted = tuple(trusted_proxies)

    def _trusted(self, text: str) -> bool:
        address = _address(text)
        return address is not None and any(address in network for network in self.trusted)

    def client(self, scope: Scope) -> str:
        peer = scope.get("client")
        address = str(peer[0]) if peer else "unknown"
        if not self.trusted or not self._trusted(address):
            return str(address)
        forwarded = [
            hop.strip()
            for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")
        ]
        for hop in reversed(forwarded):
            if _address(hop) is None:
                break  # garbage: the proxy's own address is all we know
            if not self._trusted(hop):
                return str(hop)
            address = hop
        return str(address)

    def wait(self, scope: Scope) -> float:
        """0.0 if the request may pass, else the seconds until one may."""
        return self.buckets.take(self.client(scope))

    def refuse_if_spent(self, scope: Scope) -> HTTPException | None:
        """For a refused webhook: 429 once the address has spent its tokens, else None."""
        wait = self.wait(scope)
        if wait <= 0:
            return None
        retry_after = str(max(1, math.ceil(wait)))
        return HTTPException(
            429,
            f"rate limit exceeded; retry in {retry_after}s",
            headers={"Retry-After": retry_after},
        )


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or exempt(scope["path"]):
            await self.app(scope, receive, send)
            return
        wait = self.limiter.wait(scope)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        retry_after = str(max(1, math.ceil(wait)))
        body = json.dumps(
            {
                "error": "too_many_requests",
                "detail": f"rate limit exceeded; retry in {retry_after}s",
            }
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"retry-after", retry_after.encode()),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
