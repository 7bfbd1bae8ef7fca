"""``arrkestra notify test``: a real message to a local Apprise receiver."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import base_config, write_config
from typer.testing import CliRunner

from arrkestra.cli import app
from arrkestra.testing.fake_notify import FakeNotify
from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.loopback import LoopbackServer

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


def config_with(tmp_path: Path, **notifications: object) -> str:
    return str(write_config(tmp_path, base_config(tmp_path, notifications=notifications)))


def test_notify_test_sends_one_message_and_names_urls_redacted(tmp_path: Path) -> None:
    notify = FakeNotify()
    with LoopbackServer(notify.app) as server:
        url = f"json://127.0.0.1:{server.port}/chat-secret-42"
        result = runner.invoke(app, ["notify", "test", "-c", config_with(tmp_path, urls=[url])])
        received = notify.received("/chat-secret-42")
    assert result.exit_code == 0, result.output
    assert "sent:   json://***" in result.output and "chat-secret-42" not in result.output
    assert [m.title for m in received] == ["arrkestra: test notification"]


def test_notify_test_fails_when_no_url_takes_it(tmp_path: Path) -> None:
    notify = FakeNotify()
    notify.fail("/down")
    with LoopbackServer(notify.app) as server:
        url = f"json://127.0.0.1:{server.port}/down"
        result = runner.invoke(app, ["notify", "test", "-c", config_with(tmp_path, urls=[url])])
    assert result.exit_code == 1
    assert "failed: json://***" in result.output


def test_check_names_a_url_apprise_cannot_use_without_sending_anything(tmp_path: Path) -> None:
    urls = ["bogus://bogus-secret-4242/chat", "json://127.0.0.1:9/fine"]
    overseerr = {"url": "http://overseerr:5055"}  # something to do, so only the URL is at issue
    config = write_config(
        tmp_path, base_config(tmp_path, notifications={"urls": urls}, overseerr=overseerr)
    )
    result = runner.invoke(app, ["check", "-c", str(config)])
    assert result.exit_code == 0, result.output  # a warning: the config itself is valid
    assert "warning: notifications: bogus://*** is not a URL Apprise can use" in result.output
    assert "json://***" not in result.output and "bogus-secret-4242" not in result.output


def test_notify_test_without_urls_says_what_to_configure(tmp_path: Path) -> None:
    result = runner.invoke(app, ["notify", "test", "-c", config_with(tmp_path)])
    assert result.exit_code == 2 and "notifications.urls" in result.output


def test_check_online_validates_discovery_targets_without_changing_sonarr(
    tmp_path: Path,
) -> None:
    key = "k" * 32
    sonarr, tvmaze = FakeSonarr(key), FakeTvmaze()
    sonarr.state.add_root_folder("/tv")
    with LoopbackServer(sonarr.app) as s, LoopbackServer(tvmaze.app) as t:

        def check(target: dict[str, object]) -> object:
            sections = {
                "sonarr": {"hd": {"url": s.url, "api_key": key}},
                "discovery": {"enabled": True, "tvmaze": {"url": t.url}, "target": target},
            }
            path = write_config(tmp_path, base_config(tmp_path, **sections))
            return runner.invoke(app, ["check", "--online", "-c", str(path)])

        good = check(
            {"root_folder": "/tv", "quality_profile": "Any", "tags": ["auto"], "create_tags": True}
        )
        bad = check({"root_folder": "/nowhere", "quality_profile": "Nope"})
    output: str = good.output  # type: ignore[attr-defined]
    targets = [line for line in output.splitlines() if line.startswith("discovery targets")]
    assert len(targets) == 1 and " ok " in targets[0], output
    assert sonarr.state.tags == []  # check creates nothing
    assert bad.exit_code == 1  # type: ignore[attr-defined]
    assert "/nowhere" in bad.output and "Nope" in bad.output  # type: ignore[attr-defined]
    assert key not in bad.output  # type: ignore[attr-defined]
