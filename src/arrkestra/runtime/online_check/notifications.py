"""The notification URLs in the online check: can Apprise use each, and (``--notify``) does
each take a test message?

Every URL, fallbacks included, gets its own row and, with ``--notify``, the test message
of ``arrkestra notify test`` (``runtime/alerts.send_test``) directly: a check asks each
URL, where the daemon's fallback rule would try the fallbacks only after every primary
failed. Rows name URLs by their redacted labels (``json://***``), as the notifier does.
"""

from __future__ import annotations

import asyncio

from arrkestra.adapters.notify import Delivery, Notifier, url_labels
from arrkestra.config import Settings
from arrkestra.core.redact import Redactor
from arrkestra.runtime.alerts import send_test
from arrkestra.runtime.online_check.report import NOTHING, Result, Row

SEND_TIMEOUT = 10.0  # seconds a URL has to take the message (Apprise enforces it)
SEND_LIMIT = SEND_TIMEOUT + 5.0  # all of them, the worker threads included
UNUSABLE = (
    "Apprise cannot use this URL, so it always fails: check it against Apprise's list of "
    "services (https://github.com/caronc/apprise/wiki)"
)
NOT_DELIVERED = (
    "not delivered: the service refused it or did not answer in time; check the URL's "
    "token and chat/channel, and that the service can be reached from here"
)


async def check_notifications(settings: Settings, *, send: bool, redactor: Redactor) -> list[Row]:
    """A row per URL; with ``send``, whether it took the test message (else ``FAIL``)."""
    config = settings.notifications
    paths = [f"notifications.urls[{i}]" for i in range(len(config.urls))]
    paths += [f"notifications.fallback_urls[{i}]" for i in range(len(config.fallback_urls))]
    if not paths:
        if send:
            detail = "--notify: no URL to send to: set notifications.urls (Apprise URLs)"
            return [Row("notifications", NOTHING, Result.FAIL, detail)]
        return []
    urls = [url.get_secret_value() for url in (*config.urls, *config.fallback_urls)]
    labels = url_labels(urls)  # the notifier's own labels, in the same order
    notifier = Notifier(urls, [], redactor=redactor, timeout=SEND_TIMEOUT)
    unusable = set(await notifier.invalid_urls())
    delivery = await _send(notifier, labels) if send else None
    rows = []
    for path, label in zip(paths, labels, strict=True):
        if label in unusable:
            rows.append(Row(path, label, Result.FAIL if send else Result.WARN, UNUSABLE))
        elif delivery is None:
            rows.append(Row(path, label, Result.OK, "Apprise can use it"))
        elif label in delivery.sent:
            rows.append(Row(path, label, Result.DELIVERED, "the test message was accepted"))
        else:
            rows.append(Row(path, label, Result.FAIL, NOT_DELIVERED))
    return rows


async def _send(notifier: Notifier, labels: list[str]) -> Delivery:
    try:
        return await asyncio.wait_for(send_test(notifier), SEND_LIMIT)
    except TimeoutError:
        return Delivery((), tuple(labels), False)
