"""Shared test helpers: config files on disk, and waiting on conditions with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

API_KEY = "test-api-key-0123456789"


def write_config(directory: Path, data: dict[str, Any], name: str = "arrkestra.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def base_config(tmp_path: Path, **sections: Any) -> dict[str, Any]:
    """A minimal daemon config: data under tmp_path, an API key, quick queue timings."""
    data: dict[str, Any] = {
        "server": {"api_key": API_KEY, "drain_timeout": "5s"},
        "storage": {"path": str(tmp_path / "data")},
        "queue": {"lease": "30s", "poll_interval": "1s", "reclaim_interval": "2s"},
        "retry": {"base": "0s", "cap": "0s"},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def wait_until(check: Callable[[], bool], timeout: float = 20.0, interval: float = 0.05) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


@pytest.fixture
def api_headers() -> dict[str, str]:
    return {"X-Api-Key": API_KEY}


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    """Async ``wait_until``: await ``check`` until it is true; fail after ``within`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.01)
