"""Webhook intake throughput of the real daemon, measured with wrk; prints a table.

Starts ``arrkestra serve`` (uvicorn, one process) on a temporary database, replays the
payload samples (each request made unique, so none is a redelivery) at several
concurrencies for a fixed time, and measures the same server's no-op endpoint (/ping)
in the same run for the ratio. Every 202 is a committed SQLite transaction (WAL,
synchronous=FULL, group commit).

Needs wrk (Debian package ``wrk``). Usage: python bench/ingest.py [--duration 10]
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import daemon  # bench/daemon.py: the script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
PAYLOADS = ROOT / "tests" / "fixtures" / "payloads"
SECRET = "bench-secret-0123456789"
CONCURRENCY = (1, 16, 64)

LUA = r"""
local bodies = {}
local paths = {}
local counter = 0
local thread_tag = ""
local id = 0
function setup(thread)
  id = id + 1
  thread:set("thread_tag", "t" .. id)
end
function init(args)
  local f = io.open(args[1], "r")
  for line in f:lines() do
    local path, body = line:match("^(%S+) (.*)$")
    table.insert(paths, path)
    table.insert(bodies, body)
  end
  f:close()
end
function request()
  counter = counter + 1
  local i = (counter % #bodies) + 1
  -- a unique marker per request: otherwise identical bodies are (correctly) deduplicated
  local body = bodies[i]:gsub('^{', '{"benchSeq":"' .. thread_tag .. "-" .. counter .. '",', 1)
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/json",
                                        ["X-Webhook-Secret"] = "__SECRET__"}, body)
end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50": %d, "p99": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), errors))
end
"""
NOOP_LUA = LUA.replace("function request()", "function unused_request()").replace(
    "function init(args)", "function unused_init(args)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def payload_lines() -> list[str]:
    lines = []
    for kind in ("sonarr", "radarr"):
        for sample in sorted((PAYLOADS / kind).glob("*.json")):
            body = json.dumps(json.loads(sample.read_text()), separators=(",", ":"))
            lines.append(f"/webhook/{kind}/hd {body}")
    if not lines:
        sys.exit(f"no payload samples under {PAYLOADS}")
    return lines


def start_daemon(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    config = {
        "server": {"rate_limit": None, "access_log": False},
        "logging": {"level": "warning"},
        "storage": {"path": str(tmp / "data")},
        "sonarr": {"hd": {"url": "http://sonarr:8989", "webhook": {"secret": SECRET}}},
        "radarr": {"hd": {"url": "http://radarr:7878", "webhook": {"secret": SECRET}}},
    }
    return daemon.start_daemon(tmp, port, config)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(url: str, script: Path, data: Path, concurrency: int, seconds: int) -> dict[str, float]:
    threads = 1
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(data),
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = json.loads(line[len("RESULT ") :])
    return result


def main(seconds: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        data = tmp / "payloads.txt"
        data.write_text("\n".join(payload_lines()) + "\n")
        (tmp / "ingest.lua").write_text(LUA.replace("__SECRET__", SECRET))
        (tmp / "noop.lua").write_text(NOOP_LUA)
        port = free_port()
        daemon = start_daemon(tmp, port)
        base = f"http://127.0.0.1:{port}"
        rows = []
        try:
            for c in CONCURRENCY:
                noop = wrk(f"{base}/ping", tmp / "noop.lua", data, c, seconds)
                hook = wrk(f"{base}/webhook/sonarr/hd", tmp / "ingest.lua", data, c, seconds)
                rows.append((c, hook, noop, rss_mib(daemon.pid)))
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
        stored = _count_events(tmp / "data" / "arrkestra.db")
    print(
        f"{'conc':>4} {'webhooks/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'/ping req/s':>11} {'/ping p99':>9} {'ratio':>6} {'RSS MiB':>8}"
    )
    for c, hook, noop, rss in rows:
        rate = hook["requests"] / hook["seconds"]
        noop_rate = noop["requests"] / noop["seconds"]
        print(
            f"{c:>4} {rate:>11.0f} {hook['p50'] / 1000:>7.2f} {hook['p99'] / 1000:>7.2f} "
            f"{int(hook['errors']):>6} {noop_rate:>11.0f} {noop['p99'] / 1000:>9.2f} "
            f"{rate / noop_rate:>6.2f} {rss:>8.1f}"
        )
    print(f"events stored: {stored} (every 202 is a committed transaction; synchronous=FULL)")


def _count_events(db_file: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(db_file)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    main(parser.parse_args().duration)
