"""The Apprise notifier against a real HTTP receiver on 127.0.0.1 (Apprise's json:// service).

The receiver records a message before it answers, so once ``send`` returns, what was
delivered is already there: no waiting is needed.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator, Sequence

import pytest

from arrkestra.adapters.notify import Delivery, Message, Notifier
from arrkestra.core.redact import Redactor
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.loopback import LoopbackServer

INFO = Message("mirrored", "Show S01E01 copied")
CRITICAL = Message("job failed", "mirror job 7 gave up", "critical")


class Receiver(FakeNotify):
    port = 0

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path.strip('/')}"


@pytest.fixture
def fake() -> Iterator[Receiver]:
    receiver = Receiver()
    with LoopbackServer(receiver.app) as server:
        receiver.port = server.port
        yield receiver
        receiver.release()  # a stalled request must not hold up the server's shutdown


def notifier(primary: list[str], fallback: Sequence[str] = (), timeout: float = 15.0) -> Notifier:
    return Notifier(primary, fallback, redactor=Redactor(), timeout=timeout)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_primary_receives_info(fake: Receiver) -> None:
    delivery = await notifier([fake.url("primary")], [fake.url("fallback")]).send(INFO)

    assert delivery == Delivery(("json://***",), (), False)
    [got] = fake.received("/primary")
    assert (got.title, got.message, got.type) == ("mirrored", "Show S01E01 copied", "info")
    assert fake.attempts("/fallback") == 0


async def test_failed_primary_falls_back(fake: Receiver) -> None:
    fake.fail("/primary")

    delivery = await notifier([fake.url("primary")], [fake.url("fallback")]).send(INFO)

    assert delivery.used_fallback
    assert delivery.failed == ("json://***",)
    assert delivery.sent == ("json://***#2",)  # same scheme, told apart by a suffix
    assert fake.attempts("/primary") == 1
    assert [m.title for m in fake.received("/fallback")] == ["mirrored"]


async def test_one_failed_primary_of_two_does_not_use_fallback(fake: Receiver) -> None:
    fake.fail("/second")
    n = notifier([fake.url("first"), fake.url("second")], [fake.url("fallback")])

    delivery = await n.send(INFO)

    assert not delivery.used_fallback
    assert (len(delivery.sent), len(delivery.failed)) == (1, 1)
    assert len(fake.received("/first")) == 1
    assert fake.attempts("/fallback") == 0


async def test_critical_goes_to_primary_and_fallback(fake: Receiver) -> None:
    delivery = await notifier([fake.url("primary")], [fake.url("fallback")]).send(CRITICAL)

    assert delivery.used_fallback and len(delivery.sent) == 2 and not delivery.failed
    for path in ("/primary", "/fallback"):
        [got] = fake.received(path)
        assert (got.title, got.type) == ("job failed", "failure")


async def test_fallback_alone_gets_everything(fake: Receiver) -> None:
    delivery = await notifier([], [fake.url("fallback")]).send(INFO)

    assert delivery.sent == ("json://***",) and delivery.used_fallback
    assert len(fake.received("/fallback")) == 1


async def test_no_urls_is_disabled_and_a_no_op(fake: Receiver) -> None:
    n = notifier([])

    assert not n.enabled
    assert await n.send(CRITICAL) == Delivery((), (), False)
    assert await n.send_once("k", INFO) == Delivery((), (), False)
    assert fake.attempts() == 0


async def test_send_once_suppresses_repeats_until_reset(fake: Receiver) -> None:
    n = notifier([fake.url("primary")])

    assert await n.send_once("auth:sonarr", CRITICAL) is not None
    assert await n.send_once("auth:sonarr", CRITICAL) is None
    assert await n.send_once("auth:radarr", CRITICAL) is not None  # keys are independent
    assert len(fake.received("/primary")) == 2

    n.reset("auth:sonarr")
    assert await n.send_once("auth:sonarr", CRITICAL) is not None
    assert len(fake.received("/primary")) == 3


async def test_send_once_concurrent_repeats_send_once(fake: Receiver) -> None:
    n = notifier([fake.url("primary")])

    results = await asyncio.gather(*(n.send_once("paused", CRITICAL) for _ in range(5)))

    assert sum(r is not None for r in results) == 1
    assert len(fake.received("/primary")) == 1


async def test_send_once_retries_a_message_nobody_received(fake: Receiver) -> None:
    n = notifier([fake.url("primary")])
    fake.fail("/primary")
    first = await n.send_once("paused", CRITICAL)
    assert first is not None and first.failed and not first.sent

    fake.fail("/primary", failing=False)
    assert await n.send_once("paused", CRITICAL) is not None
    assert await n.send_once("paused", CRITICAL) is None
    assert len(fake.received("/primary")) == 1


async def test_unreachable_url_fails_fast_without_raising() -> None:
    n = notifier([f"json://127.0.0.1:{closed_port()}/hook"])
    loop = asyncio.get_running_loop()
    started = loop.time()

    delivery = await n.send(INFO)

    assert delivery == Delivery((), ("json://***",), False)
    assert loop.time() - started < 5


async def test_a_hung_endpoint_is_bounded_by_the_timeout(fake: Receiver) -> None:
    fake.stall("/slow")
    n = notifier([fake.url("slow")], [fake.url("fallback")], timeout=0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()

    delivery = await n.send(INFO)

    assert loop.time() - started < 4
    assert delivery.failed == ("json://***",) and delivery.used_fallback
    assert len(fake.received("/fallback")) == 1


SECRETS = ("pathsecret987", "passsecret654", "querysecret321", "abc123secret", "boguskey4242")


@pytest.mark.parametrize("failing", [False, True])
async def test_url_secrets_never_leak(
    fake: Receiver, caplog: pytest.LogCaptureFixture, failing: bool
) -> None:
    caplog.set_level(logging.DEBUG, logger="apprise")  # Apprise logs URL parts at DEBUG
    caplog.set_level(logging.DEBUG, logger="arrkestra")
    port = fake.port
    urls = [
        f"json://127.0.0.1:{port}/hook/pathsecret987",
        f"json://user:passsecret654@127.0.0.1:{port}/basic",
        f"json://127.0.0.1:{port}/query?-token=querysecret321&token=abc123secret",
        f"json://127.0.0.1:{closed_port()}/down?-token=querysecret321",
        "bogus://boguskey4242/chat",  # Apprise cannot load it: always fails, never raises
    ]
    for path in ("/hook/pathsecret987", "/basic", "/query"):
        fake.fail(path, failing)
    n = Notifier(urls, [], redactor=Redactor(), timeout=5)

    delivery = await n.send(CRITICAL)
    delivery_once = await n.send_once("k", CRITICAL)

    # the URLs were used as written: the secrets did reach the receiver
    assert fake.attempts("/hook/pathsecret987") == fake.attempts("/basic") == 2
    if not failing:
        assert fake.received("/query")[0].query == {"token": "querysecret321"}
        assert fake.received("/basic")[0].authorization is not None
    # ...and nowhere else
    assert len(delivery.sent) == (0 if failing else 3)
    assert "bogus://***" in delivery.failed
    visible = [repr(delivery), repr(delivery_once), caplog.text]
    visible += [str(r.msg) for r in caplog.records] + [repr(r.args) for r in caplog.records]
    assert any("apprise" in r.name for r in caplog.records)  # Apprise's records were seen
    for secret in SECRETS:
        assert not any(secret in text for text in visible), secret


async def test_config_redactor_masks_message_content(fake: Receiver) -> None:
    n = Notifier([fake.url("primary")], [], redactor=Redactor.of(["sonarr-key-1234"]))

    await n.send(Message("auth failed", "sonarr rejected sonarr-key-1234", "critical"))

    assert fake.received("/primary")[0].message == "sonarr rejected ***"
