"""Response headers of every dashboard page: a restrictive Content-Security-Policy and friends.

The policy allows only this host's own script, style and images (``data:`` for icons),
no inline script or style, no framing, forms posting only here; pages are never cached
(they show live state and carry CSRF tokens). Applied to everything under ``/ui`` and
to ``/`` (its redirect), by path, so error pages and redirects carry it too.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
NO_STORE = (b"cache-control", b"no-store")
STATIC_PREFIX = "/ui/static/"


def applies(path: str) -> bool:
    return path == "/" or path == "/ui" or path.startswith("/ui/")


class SecurityHeadersMiddleware:
    """Adds :data:`HEADERS` (and ``Cache-Control: no-store`` except on static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not applies(scope["path"]):
            await self.app(scope, receive, send)
            return
        extra = list(HEADERS)
        if not scope["path"].startswith(STATIC_PREFIX):
            extra.append(NO_STORE)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(pair for pair in extra if pair[0] not in names),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)
