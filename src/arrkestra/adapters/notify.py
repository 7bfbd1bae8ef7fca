"""Apprise notifications: severities, primary and fallback URLs, alert-once keys.

Primary URLs get every message; fallback URLs get a message when every primary URL
failed it, and always get critical ones. Each URL has its own Apprise object so a
partial failure is known per URL (the fallback rule depends on it). Apprise is
synchronous (requests), so each URL is notified in a worker thread, with a deadline.

Nothing here raises into the caller: a pipeline must not fail because Telegram is down.
A failure is logged and reported in the returned ``Delivery``. Apprise URLs carry tokens
(in the host, path, user info or query), so only redacted labels leave this module, and
Apprise's own log records are redacted before any handler sees them.

Apprise is imported, and each URL loaded into it, when the first message goes out (in a
worker thread): loading one URL makes Apprise import every plugin it has, about 0.5 s of
start-up and 15 MB that a daemon should not pay before it has anything to say.
``invalid_urls`` loads them on demand (``arrkestra check``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from arrkestra.core.redact import MASK, Redactor

if TYPE_CHECKING:
    import apprise

log = logging.getLogger("arrkestra.notify")

Severity = Literal["info", "critical"]
_NOTIFY_TYPE = {"info": "info", "critical": "failure"}  # apprise.NotifyType's values
_APPRISE_LOGGER = "apprise"  # apprise.LOGGER_NAME
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,20}://")
# Apprise enforces the deadline itself; this margin only covers a thread it lost track of.
_GRACE = 2.0


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    severity: Severity = "info"


@dataclass(frozen=True)
class Delivery:
    """Where a message went. ``sent``/``failed`` hold redacted URL labels, never raw URLs."""

    sent: tuple[str, ...]
    failed: tuple[str, ...]
    used_fallback: bool


@dataclass(frozen=True)
class _Target:
    label: str
    service: apprise.Apprise | None  # None: Apprise could not load the URL


@dataclass(frozen=True)
class _Targets:
    primary: list[_Target]
    fallback: list[_Target]


class _AppriseLogRedaction(logging.Filter):
    """Apprise logs parts of its URLs (hosts, paths, chat ids): mask them at the source.

    A filter on the ``apprise`` logger runs before propagation, so no handler (the
    daemon's, a test's ``caplog``) ever sees the raw text.
    """

    def __init__(self) -> None:
        super().__init__()
        self.notifiers: weakref.WeakSet[Notifier] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
            for notifier in list(self.notifiers):
                text = notifier._redact(text)
        except Exception:
            return False  # drop the record rather than risk printing a secret
        record.msg, record.args, record.exc_info, record.exc_text = text, None, None, None
        return True


_APPRISE_LOGS = _AppriseLogRedaction()
logging.getLogger(_APPRISE_LOGGER).addFilter(_APPRISE_LOGS)


class Notifier:
    """Sends messages to Apprise URLs; ``send`` never raises."""

    def __init__(
        self,
        urls: Sequence[str],
        fallback_urls: Sequence[str],
        *,
        redactor: Redactor,
        timeout: float = 15.0,
    ) -> None:
        self._content_redact = redactor
        # Also mask the URLs' own parts: Apprise may log a bare path segment or password.
        self._redact = Redactor.of((*redactor.secrets, *_url_secrets([*urls, *fallback_urls])))
        _APPRISE_LOGS.notifiers.add(self)
        self._timeout = timeout
        labels = url_labels([*urls, *fallback_urls])
        self._primary_urls = list(zip(labels[: len(urls)], urls, strict=True))
        self._fallback_urls = list(zip(labels[len(urls) :], fallback_urls, strict=True))
        self._targets: _Targets | None = None
        self._loading = asyncio.Lock()
        self._once: set[str] = set()

    @property
    def enabled(self) -> bool:
        return bool(self._primary_urls or self._fallback_urls)

    async def invalid_urls(self) -> list[str]:
        """The labels of the URLs Apprise cannot load (they always fail)."""
        targets = await self._loaded()
        return [t.label for t in (*targets.primary, *targets.fallback) if t.service is None]

    async def send(self, message: Message) -> Delivery:
        """Deliver ``message`` by the fallback rule; failures are logged and reported."""
        if not self.enabled:
            return Delivery((), (), False)
        try:
            return await self._deliver(message)
        except Exception as exc:  # a notification must never fail its caller
            log.error("notification failed: %s", self._redact(f"{type(exc).__name__}: {exc}"))
            labels = tuple(label for label, _ in (*self._primary_urls, *self._fallback_urls))
            return Delivery((), labels, False)

    async def send_once(self, key: str, message: Message) -> Delivery | None:
        """Send once per ``key`` until ``reset(key)``; ``None`` when suppressed.

        The key is taken before sending (a concurrent repeat is suppressed) and given
        back if no URL accepted the message, so a condition that outlives an outage of
        the notification service is still announced once it is back.
        """
        if key in self._once:
            return None
        self._once.add(key)
        delivery = await self.send(message)
        if delivery.failed and not delivery.sent:
            self._once.discard(key)
        return delivery

    def reset(self, key: str) -> None:
        self._once.discard(key)

    async def _deliver(self, message: Message) -> Delivery:
        targets = await self._loaded()
        primary, fallback = targets.primary, targets.fallback
        if message.severity == "critical" or not primary:
            # Critical messages go everywhere at once; with no primary, the fallback is all.
            results = await self._notify_all([*primary, *fallback], message)
            return _delivery(results, used_fallback=bool(fallback))
        results = await self._notify_all(primary, message)
        if any(ok for _, ok in results) or not fallback:
            return _delivery(results, used_fallback=False)
        log.warning("every primary notification URL failed; using the fallback URLs")
        results += await self._notify_all(fallback, message)
        return _delivery(results, used_fallback=True)

    async def _loaded(self) -> _Targets:
        """The URLs loaded into Apprise, the first time in a worker thread (see the module doc)."""
        async with self._loading:
            if self._targets is None:
                self._targets = await asyncio.to_thread(self._load)
        return self._targets

    def _load(self) -> _Targets:
        return _Targets(
            [self._target(label, url) for label, url in self._primary_urls],
            [self._target(label, url) for label, url in self._fallback_urls],
        )

    async def _notify_all(
        self, targets: Sequence[_Target], message: Message
    ) -> list[tuple[str, bool]]:
        oks = await asyncio.gather(*(self._notify(t, message) for t in targets))
        return [(t.label, ok) for t, ok in zip(targets, oks, strict=True)]

    async def _notify(self, target: _Target, message: Message) -> bool:
        if target.service is None:
            return False  # reported once, when the URL failed to load
        service = target.service
        title, body = self._content_redact(message.title), self._content_redact(message.body)

        def call() -> tuple[bool, str]:
            result = service.notify(
                body=body,
                title=title,
                notify_type=_NOTIFY_TYPE[message.severity],
                timeout=self._timeout,
            )
            try:
                reasons = [e.message for e in result.logs() if e.level in {"WARNING", "ERROR"}]
                return bool(result), f"{result.status.name}: {'; '.join(reasons)}"
            finally:
                result.close()

        try:
            ok, detail = await asyncio.wait_for(
                asyncio.to_thread(call), timeout=self._timeout + _GRACE
            )
        except TimeoutError:
            ok, detail = False, f"no answer within {self._timeout:g}s"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        if ok:
            log.info("notification sent to %s", target.label)
        else:
            log.warning("notification to %s failed: %s", target.label, self._redact(detail))
        return ok

    def _target(self, label: str, url: str) -> _Target:
        import apprise  # the first message pays for it (see the module doc)

        asset = apprise.AppriseAsset(service_timeout=self._timeout)
        plugin = apprise.Apprise.instantiate(url, asset=asset)
        if plugin is None:
            log.error("notification URL %s is not a valid Apprise URL; it always fails", label)
            return _Target(label, None)
        # requests' own timeouts end the thread even after Apprise stopped waiting for it.
        plugin.socket_connect_timeout = min(plugin.socket_connect_timeout, self._timeout)
        plugin.socket_read_timeout = min(plugin.socket_read_timeout, self._timeout)
        return _Target(label, apprise.Apprise(plugin, asset=asset))


def _delivery(results: list[tuple[str, bool]], *, used_fallback: bool) -> Delivery:
    sent = tuple(label for label, ok in results if ok)
    failed = tuple(label for label, ok in results if not ok)
    return Delivery(sent, failed, used_fallback)


def url_labels(urls: Sequence[str]) -> list[str]:
    """``json://***`` per URL; a repeat gets ``#2``: two Telegram chats stay tellable apart."""
    seen: dict[str, int] = {}
    labels = []
    for url in urls:
        label = _label(url)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label}#{seen[label]}")
    return labels


def _label(url: str) -> str:
    """``json://***``: the scheme says which service it is, everything after it is secret."""
    scheme = _SCHEME.match(url)
    return f"{scheme.group(0).lower() if scheme else ''}{MASK}"


def _url_secrets(urls: Iterable[str]) -> list[str]:
    """The token-bearing parts of each URL: user info, a dotless host, path, query values."""
    values: list[str] = []
    for url in urls:
        values.append(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            continue
        userinfo, _, host = parts.netloc.rpartition("@")
        values.extend(unquote(v) for v in userinfo.split(":"))
        name, colon, port = host.rpartition(":")
        host = name if colon and port.isdigit() else host
        if "." not in host:  # a real host name has dots; a bot token or webhook id has none
            values.append(host)
        values.extend(unquote(p) for p in parts.path.split("/"))
        values.extend(v for _, v in parse_qsl(parts.query))
    return [v for v in values if v]
