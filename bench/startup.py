"""Start-up time and idle memory: ``arrkestra serve`` against a bare FastAPI + uvicorn app.

Each variant is started as a fresh process, several times, in turns (bare, no config,
full config, bare, ...), so a busy moment of the machine falls on all of them alike:

- ``bare``: a FastAPI app with one route, run by uvicorn the way arrkestra runs it;
  ready when ``GET /`` answers 200;
- ``no config``: ``arrkestra serve`` in an empty folder (embedded SQLite default);
- ``full config``: every capability configured (Sonarr, Radarr, Overseerr, Plex,
  notifications, mirror paths, discovery). Nothing is contacted at start-up; the
  upstreams are closed loopback ports, so the checks that run right after start fail fast.

Start: from ``Popen`` to the first 200 on ``/health`` (``/`` for bare), polled every 2 ms.
Idle RSS: the process's resident memory 2 s after it answered (from /proc).

Bytecode first: an installed arrkestra (``pip install``, the Docker image) has its ``.pyc``
files, but an editable install under ``PYTHONDONTWRITEBYTECODE=1`` (set on the machines
here) compiles every module from source at every start, which doubles every start-up and
hides the differences. So the script compiles the package and site-packages once before
measuring (``compileall``, as ``pip install`` does).

Targets (issue 10): no config <= 1.3x bare, full config <= 1.6x bare, idle RSS <= 90 MB.
Usage: python bench/startup.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BARE_APP = """
import sys
import fastapi
import uvicorn

app = fastapi.FastAPI()


@app.get("/")
def root() -> dict[str, bool]:
    return {"ok": True}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def full_config(tmp: Path) -> dict[str, Any]:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens: checks fail at once
    for folder in ("src/tv", "dst/tv", "src/movies", "dst/movies"):
        (tmp / folder).mkdir(parents=True)
    return {
        "server": {"api_key": "bench-api-key-0123456789"},
        "storage": {"path": str(tmp / "data")},
        "sonarr": {"hd": {"url": closed, "api_key": "sonarr-key-0123456789"}},
        "radarr": {"hd": {"url": closed, "api_key": "radarr-key-0123456789"}},
        "overseerr": {"url": closed, "api_key": "overseerr-key-0123456789"},
        "plex": {"url": closed, "token": "plex-token-0123456789"},
        "notifications": {"urls": [f"json://127.0.0.1:{free_port()}/alerts"]},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/tv"),
                },
                {
                    "arr_path": "/movies",
                    "source": str(tmp / "src/movies"),
                    "destination": str(tmp / "dst/movies"),
                },
            ]
        },
        "discovery": {
            "enabled": True,
            "tvmaze": {"url": closed},
            "target": {"root_folder": "/tv", "quality_profile": "HD-1080p"},
        },
    }


def argv_for(variant: str, tmp: Path, port: int) -> tuple[list[str], str]:
    serve = [sys.executable, "-m", "arrkestra", "serve", "--host", "127.0.0.1"]
    if variant == "bare":
        return [sys.executable, "-c", BARE_APP, str(port)], "/"
    if variant == "no config":
        return [*serve, "--port", str(port)], "/health"
    (tmp / "arrkestra.yaml").write_text(json.dumps(full_config(tmp)))
    return [*serve, "--port", str(port), "--config", str(tmp / "arrkestra.yaml")], "/health"


def one_start(variant: str) -> tuple[float, float]:
    """Seconds from Popen to the first 200, and the idle RSS in MB."""
    with tempfile.TemporaryDirectory() as folder:
        tmp, port = Path(folder), free_port()
        argv, path = argv_for(variant, tmp, port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while not answers(port, path):
                if process.poll() is not None:
                    sys.exit(f"{variant}: exited with {process.returncode}")
                if time.perf_counter() - started > 60:
                    sys.exit(f"{variant}: no answer within 60 s")
                time.sleep(0.002)
            elapsed = time.perf_counter() - started
            time.sleep(2.0)
            return elapsed, rss_mb(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def compile_bytecode() -> None:
    """What ``pip install`` does: every module of the environment gets its ``.pyc``."""
    import arrkestra

    paths = sysconfig.get_paths()
    folders = [str(Path(arrkestra.__file__).parent), paths["stdlib"], paths["purelib"]]
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "-j", "0", *sorted(set(folders))],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    compile_bytecode()
    variants = ("bare", "no config", "full config")
    starts: dict[str, list[float]] = {v: [] for v in variants}
    memory: dict[str, list[float]] = {v: [] for v in variants}
    for _ in range(args.rounds):
        for variant in variants:
            seconds, mb = one_start(variant)
            starts[variant].append(seconds)
            memory[variant].append(mb)
    bare = statistics.median(starts["bare"])
    median: Callable[[list[float]], float] = statistics.median
    rows = [["variant", "start median", "min", "max", "idle RSS", "vs bare", "target"]]
    targets = {"bare": "", "no config": "<= 1.30x", "full config": "<= 1.60x"}
    for variant in variants:
        times = starts[variant]
        rows.append(
            [
                variant,
                f"{median(times) * 1000:.0f} ms",
                f"{min(times) * 1000:.0f} ms",
                f"{max(times) * 1000:.0f} ms",
                f"{median(memory[variant]):.1f} MB",
                f"{median(times) / bare:.2f}x",
                targets[variant],
            ]
        )
    print(f"start -> first 200, {args.rounds} rounds in turns, python {sys.version.split()[0]}")
    print(table(rows))
    print("idle RSS target: <= 90 MB")


if __name__ == "__main__":
    main()
