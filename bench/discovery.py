"""Discovery against a 90,000-show fake TVMaze, run by the real daemon; prints a table.

The fake TVMaze (a generated catalogue with ids 1..90,000: index pages 0..360) and a fake
Sonarr that knows every TVDB id run in this process on loopback; ``arrkestra serve`` runs
as a subprocess, as in production, so the fakes do not share its CPU. TVMaze's limit is
scaled in time: ``--rate-limit`` requests per ``--per`` seconds, enforced by the fake
with 429s. Measured, in one run:

1. full sync: the daemon mirrors the whole index and adds the shows its default filters
   accept. Requests against the minimum (the pages and the 404 after the last one), 429s
   received (target 0), wall time of the cycle and of the walk (first to last TVMaze
   request) against the rate-limit floor ``ceil(requests / rate_limit) * per`` (target
   at most 1.05x), the daemon's CPU time per request against the time budget per request
   (``per / rate_limit``).
2. incremental sync: ``--updates`` random shows change at the fake, one more cycle.
   Requests against the minimum: the updates list + the index pages the changes touch.
3. refilter: the daemon restarts with changed filters (premiered after 2000, any
   language) and ``POST /api/v1/discovery/refilter`` is timed: the daemon re-evaluates
   its whole cache there, in the request (target under 1 s). Then back to the default
   filters and to the looser ones again, for the median of three.
4. local processing: the same index pages, as bytes, through the daemon's code in this
   process without network or pacing (and without the fakes, whose million objects
   would slow the garbage collector): ``parse_page`` (adapter), ``judge_with`` (core)
   and ``save_shows`` (one transaction per page with its checkpoint, as the sync writes
   them) into a fresh database.

Choosing the time scale: the walk can only reach the floor when the daemon's CPU time
per page fits in the time budget per request. At TVMaze's real limit (20 per 10 s) the
budget is 500 ms and a page costs the daemon about 25 ms; the default here (20 per 1 s,
10x faster than TVMaze) leaves 50 ms. At 20 per 0.2 s (50x) the budget is 10 ms: the walk
is then bound by the daemon's CPU, not by the limit, and the wall-time ratio measures
that (the table's CPU row shows it).

Usage: python bench/discovery.py [--shows 90000] [--rate-limit 20] [--per 1.0]
       [--updates 2000] [--seed 1] [--dry-run] [--log]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from arrkestra.adapters.tvmaze_models import parse_page
from arrkestra.config.models.discovery import ShowFilters
from arrkestra.core.discovery import judge_with
from arrkestra.core.filters import FilterRules
from arrkestra.pipelines.discovery_catalogue import STATE_KEYS
from arrkestra.store import shows as show_store
from arrkestra.store.database import Database
from arrkestra.testing.fake_sonarr import FakeSonarr
from arrkestra.testing.fake_tvmaze import FakeTvmaze
from arrkestra.testing.fake_tvmaze_catalogue import PAGE_SIZE, Catalogue, index_page
from arrkestra.testing.loopback import LoopbackServer

API_KEY = "bench-api-key-0123456789"
SONARR_KEY = "bench-sonarr-key-0123456789"
HEADERS = {"X-Api-Key": API_KEY}
LOOSER: dict[str, Any] = {"premiered": {"after": "2000-01-01"}, "languages": {"include": []}}
WALL_TARGET = 1.05
REFILTER_TARGET = 1.0  # seconds


class Clock:
    """The fake TVMaze's wall clock (``updated`` stamps, the updates windows)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Row:
    measure: str
    value: str
    reference: str = ""
    ratio: str = ""
    verdict: str = ""  # "ok" or "MISSED" where the row has a target


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


# -- the daemon ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Upstreams:
    tvmaze_url: str
    sonarr_url: str


def write_config(
    tmp: Path, up: Upstreams, args: argparse.Namespace, filters: dict[str, Any] | None = None
) -> Path:
    config: dict[str, Any] = {
        "server": {"api_key": API_KEY, "rate_limit": None, "access_log": False},
        "logging": {"level": "warning"},
        "storage": {"path": str(tmp / "data")},
        "sonarr": {"hd": {"url": up.sonarr_url, "api_key": SONARR_KEY}},
        "discovery": {
            "enabled": True,
            "poll_interval": "6h",
            "dry_run": args.dry_run,
            "tvmaze": {"url": up.tvmaze_url, "rate_limit": args.rate_limit, "per": args.per},
            "target": {"root_folder": "/tv", "quality_profile": "HD-1080p"},
        },
    }
    if filters is not None:
        config["discovery"]["filters"] = filters
    path = tmp / "arrkestra.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


def _seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


class Daemon:
    def __init__(self, tmp: Path, config: Path) -> None:
        self.port = free_port()
        self.log = tmp / "daemon.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARRKESTRA_")}
        argv = [sys.executable, "-m", "arrkestra", "serve", "--config", str(config)]
        argv += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.client = httpx.Client(
            base_url=f"http://127.0.0.1:{self.port}", headers=HEADERS, timeout=30
        )
        deadline = time.monotonic() + 30
        while not self._ready():
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.fail("the daemon did not become ready")
            time.sleep(0.05)

    def _ready(self) -> bool:
        try:
            return self.client.get("/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def fail(self, why: str) -> None:
        self.stop()
        sys.exit(f"{why}\n{self.log.read_text()[-4000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the daemon process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cycle(self, timeout: float = 1800) -> tuple[dict[str, Any], float, float]:
        """Trigger a cycle and wait for it: (the job, the run's wall seconds, the daemon's
        CPU seconds meanwhile). The run's time is its attempt's, as the daemon stamped it,
        so the wait before the run starts is not counted (``job["waited"]``)."""
        cpu, sent = self.cpu_seconds(), time.time()
        answer = self.client.post("/api/v1/discovery/trigger")
        answer.raise_for_status()
        job_id = answer.json()["job"]
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = self.client.get(f"/api/v1/jobs/{job_id}").json()
            if job["status"] in ("succeeded", "dead", "cancelled"):
                break
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.fail(f"the cycle did not finish: {job}")
            time.sleep(0.02)
        if job["status"] != "succeeded":
            self.fail(f"the cycle ended {job['status']}: {job}")
        run = job["attempts_log"][-1]
        started = _seconds(run["started_at"])
        job["waited"] = started - sent
        return job, _seconds(run["finished_at"]) - started, self.cpu_seconds() - cpu

    def stop(self) -> None:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- measurements -----------------------------------------------------------------------


def floor_seconds(requests: int, args: argparse.Namespace) -> float:
    return float(math.ceil(requests / args.rate_limit) * args.per)


def timed(name: str, seconds: float, floor: float) -> Row:
    ratio = seconds / floor
    return Row(name, f"{seconds:.2f} s", f"floor {floor:.2f} s", f"{ratio:.2f}x",
               verdict(ratio <= WALL_TARGET))  # fmt: skip


def full_sync(
    daemon: Daemon, tvmaze: FakeTvmaze, pages: int, args: argparse.Namespace
) -> list[Row]:
    job, wall, cpu = daemon.cycle()
    result = job["result"]
    requests, limited = tvmaze.total, tvmaze.rate_limited
    walk = tvmaze.requests[-1].at - tvmaze.requests[0].at
    floor = floor_seconds(requests, args)
    minimum = pages + 1
    budget = args.per / args.rate_limit
    added = result["results"].get("added", 0)
    return [
        Row("full sync: TVMaze requests", f"{requests}", f"minimum {minimum} (pages + 1)",
            f"{requests / minimum:.2f}x", verdict(requests == minimum)),
        Row("full sync: 429 responses received", f"{limited}", "target 0", "",
            verdict(limited == 0)),
        timed("full sync: walk, first -> last request", walk, floor),
        timed("full sync: cycle (walk + Sonarr adds)", wall, floor),
        Row("full sync: daemon CPU per request", f"{cpu / requests * 1e3:.1f} ms",
            f"budget {budget * 1e3:.0f} ms (per / rate_limit)", f"{cpu / requests / budget:.2f}x"),
        Row("full sync: shows stored / added", f"{result['shows_saved']} / {added}",
            f"daemon CPU {cpu:.1f} s in all"),
        Row("full sync: trigger -> cycle start", f"{job['waited']:.2f} s",
            "(not counted: first-cycle delay)"),
    ]  # fmt: skip


def incremental(
    daemon: Daemon, tvmaze: FakeTvmaze, clock: Clock, args: argparse.Namespace
) -> list[Row]:
    clock.now += 3600  # an hour after the full sync
    ids = tvmaze.catalogue.ids()
    changed = random.Random(args.seed).sample(ids, min(args.updates, len(ids)))
    for show_id in changed:
        name = tvmaze.catalogue.view()[show_id]["name"]
        tvmaze.catalogue.update(show_id, name=f"{name} (updated)")
    touched = len({show_id // PAGE_SIZE for show_id in changed})
    tvmaze.reset_counters()
    job, wall, _ = daemon.cycle()
    result = job["result"]
    requests = tvmaze.total
    maximum = min(len(changed), touched) + 1
    routes = ", ".join(f"{n} {route}" for route, n in sorted(tvmaze.by_route.items()))
    return [
        Row(f"incremental, {len(changed)} updated: requests", f"{requests}",
            f"at most {maximum} (pages touched + 1)", f"{requests / maximum:.2f}x",
            verdict(requests <= maximum)),
        Row("incremental: requests by route", routes,
            f"window {result['window']}, {result['changed']} changed"),
        Row("incremental: 429 responses received", f"{tvmaze.rate_limited}", "target 0", "",
            verdict(tvmaze.rate_limited == 0)),
        timed("incremental: cycle", wall, floor_seconds(requests, args)),
    ]  # fmt: skip


def page_bodies(catalogue: Catalogue) -> list[bytes]:
    """Every index page as the fake serves it."""
    view, last = catalogue.view(), catalogue.last_id()
    bodies: list[bytes] = []
    while (shows := index_page(view, len(bodies), last)) is not None:
        bodies.append(json.dumps(shows, ensure_ascii=False, separators=(",", ":")).encode())
    return bodies


def local_processing(bodies: list[bytes], tmp: Path, rules: list[FilterRules]) -> list[Row]:
    """The daemon's parse + judge + store of every index page, without network or pacing."""
    judge_show = judge_with(rules)
    db = Database.open(tmp / "processing.db")
    parse = grade = store = 0.0
    count = 0
    try:
        for page, body in enumerate(bodies):
            a = time.perf_counter()
            parsed = parse_page(body).shows
            b = time.perf_counter()
            judged = [(show, judge_show(show)) for show in parsed]
            c = time.perf_counter()
            state = {STATE_KEYS.next_page: page + 1}
            db.call(show_store.save_shows, judged, now=time.time(), state=state)
            store += time.perf_counter() - c
            parse, grade, count = parse + b - a, grade + c - b, count + len(judged)
    finally:
        db.close()
    total = parse + grade + store
    return [
        Row(f"local processing of {count} shows", f"{total:.2f} s",
            f"{total / count * 1e6:.1f} us/show, {total / len(bodies) * 1e3:.1f} ms/page"),
        Row("  parse (adapter parse_page)", f"{parse:.2f} s", f"{parse / total:.0%}"),
        Row("  judge (core judge_with)", f"{grade:.2f} s", f"{grade / total:.0%}"),
        Row("  store (save_shows, 1 txn/page)", f"{store:.2f} s", f"{store / total:.0%}"),
    ]  # fmt: skip


def refilter_once(tmp: Path, up: Upstreams, args: argparse.Namespace, filters: Any) -> Row:
    """Restart the daemon with other filters and time ``POST /api/v1/discovery/refilter``
    (the re-evaluation runs inside the request). The cycle it queues is cancelled before
    it runs, so the next start finds the cache as this refilter left it."""
    daemon = Daemon(tmp, write_config(tmp, up, args, filters))
    try:
        started = time.perf_counter()
        answer = daemon.client.post("/api/v1/discovery/refilter")
        seconds = time.perf_counter() - started
        answer.raise_for_status()
        queued = daemon.client.get(
            "/api/v1/jobs", params={"pipeline": "discovery", "status": "pending"}
        ).json()["jobs"]
        for job in queued:
            daemon.client.post(f"/api/v1/jobs/{job['id']}/cancel").raise_for_status()
    finally:
        daemon.stop()
    body = answer.json()
    return Row("", f"{seconds:.3f} s", f"{body['refiltered']} / {body['changed']}")


def refilter(tmp: Path, up: Upstreams, args: argparse.Namespace) -> list[Row]:
    """The looser rules, back to the default ones, the looser ones again: each run
    re-evaluates the whole cache and rewrites the rows whose verdict changes."""
    runs = [refilter_once(tmp, up, args, filters) for filters in (LOOSER, {}, LOOSER)]
    times = [float(run.value.split()[0]) for run in runs]
    median = statistics.median(times)
    return [
        Row("refilter in the daemon (POST /refilter)", runs[0].value,
            f"target < {REFILTER_TARGET:g} s", f"{times[0] / REFILTER_TARGET:.2f}x",
            verdict(times[0] < REFILTER_TARGET)),
        Row("  evaluated / changed", runs[0].reference, "not in Sonarr / rewritten"),
        Row("  3 runs (looser, default, looser)", f"{median:.3f} s",
            f"median; runs {', '.join(f'{t:.3f}' for t in times)} s",
            f"{median / REFILTER_TARGET:.2f}x", verdict(median < REFILTER_TARGET)),
    ]  # fmt: skip


# -- main ---------------------------------------------------------------------------------


def build_fakes(args: argparse.Namespace, clock: Clock) -> tuple[FakeTvmaze, FakeSonarr]:
    catalogue = Catalogue.generated(args.shows, seed=args.seed, clock=clock, gap_rate=0.0)
    tvmaze = FakeTvmaze(catalogue, rate_limit=args.rate_limit, per=args.per)
    sonarr = FakeSonarr(SONARR_KEY)
    sonarr.state.add_root_folder("/tv")
    for show in catalogue:
        tvdb = (show.get("externals") or {}).get("thetvdb")
        if tvdb:
            sonarr.state.add_to_catalogue(tvdb, show["name"], tvmaze_id=show["id"])
    return tvmaze, sonarr


def print_table(rows: list[Row]) -> None:
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("measure", "value", "reference")]
    head = ("measure", "value", "reference / baseline", "ratio", "target")
    print(f"{head[0]:<{widths[0]}}  {head[1]:>{widths[1]}}  {head[2]:<{widths[2]}}  "
          f"{head[3]:>6}  {head[4]}")  # fmt: skip
    for r in rows:
        print(f"{r.measure:<{widths[0]}}  {r.value:>{widths[1]}}  {r.reference:<{widths[2]}}  "
              f"{r.ratio:>6}  {r.verdict}".rstrip())  # fmt: skip


def against_the_daemon(tmp: Path, args: argparse.Namespace) -> tuple[list[Row], list[bytes]]:
    """Syncs and refilters by the daemon; the index pages as bytes for ``local_processing``.

    The fakes (some million Python objects) live only here: measured in this process
    afterwards, their garbage collection would be counted as the daemon's work.
    """
    clock = Clock()
    tvmaze, sonarr = build_fakes(args, clock)
    pages = tvmaze.catalogue.last_id() // PAGE_SIZE + 1
    title = (
        f"discovery: {len(tvmaze.catalogue)} shows on {pages} index pages; TVMaze limit "
        f"{args.rate_limit} per {args.per:g} s "
        f"({10.0 / 20 / (args.per / args.rate_limit):g}x TVMaze's 20 per 10 s); "
        f"{os.cpu_count()} CPUs{'; dry run (no Sonarr adds)' if args.dry_run else ''}"
    )
    rows = [Row(title, "")]
    with LoopbackServer(tvmaze.app) as t, LoopbackServer(sonarr.app) as s:
        up = Upstreams(t.url, s.url)
        daemon = Daemon(tmp, write_config(tmp, up, args))
        try:
            rows += full_sync(daemon, tvmaze, pages, args)
            rows += incremental(daemon, tvmaze, clock, args)
        finally:
            daemon.stop()
        rows += refilter(tmp, up, args)
    return rows, page_bodies(tvmaze.catalogue)


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        rows, bodies = against_the_daemon(tmp, args)
        gc.collect()  # the fakes are gone
        rows += local_processing(bodies, tmp, [ShowFilters().rules()])
        if args.log:
            print(f"daemon log (tail):\n{(tmp / 'daemon.log').read_text()[-3000:]}")
    print(rows[0].measure)
    print_table(rows[1:])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shows", type=int, default=90_000)
    parser.add_argument("--rate-limit", type=int, default=20)
    parser.add_argument("--per", type=float, default=1.0, help="seconds (TVMaze's: 10)")
    parser.add_argument("--updates", type=int, default=2000, help="shows changed at the fake")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dry-run", action="store_true", help="no Sonarr adds: TVMaze alone")
    parser.add_argument("--log", action="store_true", help="print the daemon log's tail")
    main(parser.parse_args())
