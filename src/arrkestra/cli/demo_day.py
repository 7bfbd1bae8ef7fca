"""The day ``arrkestra demo`` plays: real webhooks and API calls over HTTP, in order, each
step waiting until the daemon has done what it causes before the next one starts.

The morning's imports (a season pack, one Download per episode as Sonarr sends them, and
a movie with its subtitle), an upgrade that replaces an episode, a series deleted while
Overseerr is down (the cleanup job retries, and succeeds once Overseerr is back), a
discovery cycle, an import whose file never reached the source (its copy fails and says
why) and a reconcile dry run. Each step says what it did and what came of it; a step
that did not turn out as expected within its deadline says so, and the day goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from arrkestra.cli.demo_payloads import radarr_download, sonarr_download, sonarr_series_delete
from arrkestra.cli.demo_titles import (
    HARBOUR_LIGHTS,
    LIGHTHOUSE,
    MISSING,
    MOVIE,
    SEASON_PACK,
    UNANNOUNCED,
    UPGRADE,
)
from arrkestra.cli.demo_world import World

PAUSE = 1.5  # seconds between steps: time to see each one arrive on the dashboard
DEADLINE = 30.0  # seconds a step's outcome may take before the day says it did not happen
POLL = 0.2
OUTAGE = 3.0  # seconds Overseerr stays down after the deletion's first failed attempt
ENDED = frozenset({"succeeded", "dead", "cancelled"})

Say = Callable[[str], None]


class Stopped(Exception):
    """Ctrl-C (or SIGTERM) during the day."""


@dataclass
class Step:
    clock: str  # the time of day it plays at, for the story
    what: str
    act: Callable[[], str | None]  # what came of it, or None: not as expected
    mirror_only: bool = False  # left out when rsync is missing


class Api:
    """The daemon's HTTP interface with the run's API key, as Sonarr, Radarr and a user
    reach it."""

    def __init__(self, url: str, api_key: str, webhook_secret: str) -> None:
        self._client = httpx.Client(base_url=url, timeout=10.0, trust_env=False)
        self._key = {"X-Api-Key": api_key}
        self._hook = {"X-Webhook-Secret": webhook_secret}

    def close(self) -> None:
        self._client.close()

    def webhook(self, kind: str, body: dict[str, Any]) -> list[int]:
        """POST a webhook; the ids of the jobs it caused."""
        answer = self._client.post(f"/webhook/{kind}", json=body, headers=self._hook)
        answer.raise_for_status()
        return [int(job) for job in answer.json().get("jobs", [])]

    def get(self, path: str) -> Any:
        answer = self._client.get(path, headers=self._key)
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        answer = self._client.post(path, json=body, headers=self._key)
        answer.raise_for_status()
        return answer.json()


class Day:
    def __init__(self, world: World, api: Api, say: Say, stopping: threading.Event) -> None:
        self.world = world
        self.api = api
        self.say = say
        self.stopping = stopping
        self.cleanup_jobs: list[int] = []  # the deletion's, waited on once Overseerr is back

    def steps(self) -> list[Step]:
        """The day in order; without mirror, the steps that need it are left out."""
        season = f"{LIGHTHOUSE.title} S01"
        day = [
            Step("08:10", f"Sonarr imports a season pack: {season}, one Download per episode",
                 self.season_pack),
            Step("09:30", f"Radarr imports a movie: {MOVIE.folder}, with its subtitle",
                 self.movie),
            Step("11:00", f"Sonarr upgrades {season}E02 to 2160p (the 1080p file is deleted)",
                 self.upgrade),
            Step("13:00", f"Overseerr goes down; Sonarr deletes {HARBOUR_LIGHTS.title} meanwhile",
                 self.deletion_while_down),
            Step("13:05", "Overseerr is back", self.overseerr_back),
            Step("15:00", "A discovery cycle: TVMaze's shows through the filters into Sonarr",
                 self.discovery),
            Step("18:00", f"Sonarr imports {MISSING.series.title} {MISSING.code}, but the file "
                 "never reached the source", self.failed_copy, mirror_only=True),
            Step("23:00", "A reconcile dry run compares source and destination",
                 self.reconcile, mirror_only=True),
        ]  # fmt: skip
        return [step for step in day if self.world.mirror or not step.mirror_only]

    def play(self) -> list[str]:
        """Play every step; the steps that did not turn out as expected."""
        problems = []
        steps = self.steps()
        for number, step in enumerate(steps, 1):
            self.say(f"  {step.clock}  {step.what}")
            outcome = step.act()
            if outcome is None:
                problems.append(step.what)
                outcome = f"not as expected within {DEADLINE:g} s: see the dashboard and daemon.log"
            self.say(f"         -> {outcome}")
            if number < len(steps):
                self.pause(PAUSE)
        return problems

    # -- the steps -------------------------------------------------------------------

    def season_pack(self) -> str | None:
        jobs = [
            job
            for episode in SEASON_PACK
            for job in self.api.webhook("sonarr", sonarr_download(episode, season_pack=True))
        ]
        return self.copied(jobs, f"{len(SEASON_PACK)} episodes copied, Plex asked to scan")

    def movie(self) -> str | None:
        jobs = self.api.webhook("radarr", radarr_download(MOVIE))
        return self.copied(jobs, "copied with its subtitle, Plex asked to scan")

    def upgrade(self) -> str | None:
        old = SEASON_PACK[1]
        if self.world.mirror:
            self.world.replace_episode(old, UPGRADE)
        jobs = self.api.webhook("sonarr", sonarr_download(UPGRADE, replaces=old))
        return self.copied(jobs, "the 2160p file copied, the 1080p copy removed")

    def deletion_while_down(self) -> str | None:
        self.world.fakes.overseerr.down = True
        jobs = self.api.webhook("sonarr", sonarr_series_delete(HARBOUR_LIGHTS))
        self.cleanup_jobs = jobs
        tried = self.wait(jobs, lambda job: job["last_error"] is not None)
        if tried is None:
            return None
        self.pause(OUTAGE)
        return "the cleanup job could not reach Overseerr (503): it waits and retries"

    def overseerr_back(self) -> str | None:
        self.world.fakes.overseerr.down = False
        done = self.wait(self.cleanup_jobs, lambda job: job["status"] in ENDED)
        if done is None or any(job["status"] != "succeeded" for job in done):
            return None
        return f"the cleanup job ran again: {HARBOUR_LIGHTS.title} removed from Overseerr"

    def discovery(self) -> str | None:
        job = int(self.api.post("/api/v1/discovery/trigger")["job"])
        done = self.wait([job], lambda found: found["status"] in ENDED)
        if done is None or done[0]["status"] != "succeeded":
            return None
        # the start-up cycle may have added them already: say what Sonarr got in all
        posts = self.world.fakes.sonarr.state.series_posts
        added = sorted({str(post.get("title")) for post in posts if isinstance(post, dict)})
        return (
            f"Sonarr got {len(added)} show(s): {', '.join(added) or 'none'}; the others were "
            "rejected by the filters or already there"
        )

    def failed_copy(self) -> str | None:
        jobs = self.api.webhook("sonarr", sonarr_download(MISSING))
        done = self.wait(jobs, lambda job: job["status"] in ENDED)
        if done is None or any(job["status"] != "dead" for job in done):
            return None
        return "the copy gave up at once: " + str(done[0]["last_error"])

    def reconcile(self) -> str | None:
        started = self.api.post("/api/v1/reconcile", {"dry_run": True})
        done = self.wait([int(started["job_id"])], lambda job: job["status"] in ENDED)
        if done is None or done[0]["status"] != "succeeded":
            return None
        run = self.api.get(f"/api/v1/reconcile/runs/{int(started['run_id'])}")
        return (
            f"{run['missing']} file(s) missing from the destination (like "
            f"{LIGHTHOUSE.title} {UNANNOUNCED.code}, never announced); a dry run copies nothing"
        )

    # -- waiting ---------------------------------------------------------------------

    def copied(self, jobs: list[int], outcome: str) -> str | None:
        """The import's jobs all succeeded (without mirror: the event is stored, no job)."""
        if not self.world.mirror:
            return "stored; nothing copied (mirror is off: rsync is not installed)"
        done = self.wait(jobs, lambda job: job["status"] in ENDED)
        if done is None or not jobs or any(job["status"] != "succeeded" for job in done):
            return None
        return outcome

    def wait(
        self, jobs: Iterable[int], ready: Callable[[dict[str, Any]], bool]
    ) -> list[dict[str, Any]] | None:
        """Poll the jobs until ``ready`` holds for each; None after ``DEADLINE``."""
        deadline = time.monotonic() + DEADLINE
        wanted = list(jobs)
        while True:
            found = [self.api.get(f"/api/v1/jobs/{job}") for job in wanted]
            if all(ready(job) for job in found):
                return found
            if time.monotonic() > deadline:
                return None
            self.pause(POLL)

    def pause(self, seconds: float) -> None:
        if self.stopping.wait(seconds):
            raise Stopped
