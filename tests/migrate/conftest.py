"""Each test runs in its own directory (``./arrkestra.yaml`` is its own), with no ambient
``ARRKESTRA_CONFIG``; the running app and the discovery rig are shared with the other tests."""

from pathlib import Path

import pytest
from tests.runtime.discovery_rig import rig
from tests.web.conftest import running_app

__all__ = ["rig", "running_app"]


@pytest.fixture(autouse=True)
def own_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARRKESTRA_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
