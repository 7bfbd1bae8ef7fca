"""``arrkestra demo`` as a user starts it: a subprocess whose output is read as it comes.

Its temporary folder goes under the test's ``tmp_path`` (``TMPDIR``), so a test can check
that nothing is left behind. ``wait_for`` waits on the output itself (a condition
variable the reader thread notifies), never on a fixed delay.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

DAY_PLAYED = "The day has played"
DAY_TIMEOUT = 50.0  # the day takes about 15 s; a slow CI machine gets room


@dataclass(frozen=True)
class Banner:
    """What the demo printed once ready."""

    url: str  # the dashboard: http://127.0.0.1:PORT/ui/
    password: str
    pid: int  # the daemon's
    fakes: dict[str, str]  # name -> URL
    folder: Path

    @property
    def base(self) -> str:
        return self.url.removesuffix("/ui/")


class DemoProcess:
    def __init__(self, tmp_path: Path, *options: str, env: dict[str, str] | None = None) -> None:
        self.tmp_path = tmp_path
        self.options = options
        self.env = env or {}
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> DemoProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
        env["TMPDIR"] = str(self.tmp_path)
        env.update(self.env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "arrkestra", "demo", *self.options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=self.tmp_path,
        )
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # EOF: wake the waiters, who then see the exit
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for(self, text: str, timeout: float) -> str:
        """The first line holding ``text``; fails when the demo exits or time runs out."""

        def found() -> str | None:
            hits = [line for line in self.lines if text in line]
            return hits[0] if hits else None

        def decided() -> bool:
            assert self.process is not None
            return found() is not None or self.process.poll() is not None

        with self._changed:
            self._changed.wait_for(decided, timeout)
            line = found()
        assert line is not None, f"no {text!r} in the demo's output:\n{self.output}"
        return line

    def banner(self, timeout: float = 30.0) -> Banner:
        self.wait_for("Press Ctrl-C", timeout)
        text = self.output

        def field(name: str) -> str:
            found = re.search(rf"^\s+{name}:\s+(\S+)", text, re.MULTILINE)
            assert found is not None, f"no {name} in:\n{text}"
            return found.group(1)

        pid = re.search(r"Daemon:\s+pid (\d+)", text)
        fakes = re.search(r"Fakes:\s+(.+)$", text, re.MULTILINE)
        assert pid is not None and fakes is not None, text
        urls = dict(pair.split(" ") for pair in fakes.group(1).split(", "))
        return Banner(field("Dashboard"), field("Password"), int(pid.group(1)), urls,
                      Path(field("Folder")))  # fmt: skip

    def day_played(self) -> str:
        return self.wait_for(DAY_PLAYED, DAY_TIMEOUT)

    def send(self, sig: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(sig)

    def wait_exit(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def kill(self) -> None:
        """Teardown: stop it gracefully if a test did not, then for sure."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def api_get(banner: Banner, path: str, **params: str | int) -> httpx.Response:
    """A GET with the printed password as the API key (pages take it too)."""
    headers = {"X-Api-Key": banner.password}
    return httpx.get(f"{banner.base}{path}", params=params, headers=headers, timeout=10)
