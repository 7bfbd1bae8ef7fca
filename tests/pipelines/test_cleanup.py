"""The cleanup pipeline with the real Overseerr adapter against the fake server over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from arrkestra.adapters.overseerr import OverseerrClient
from arrkestra.core.errors import DeferredError, PermanentError, TransientError, UpstreamAuthError
from arrkestra.core.events import parse_event
from arrkestra.core.instances import InstanceRef
from arrkestra.core.job_kinds import CleanupParams, CleanupResult
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.core.redact import Redactor
from arrkestra.core.routing import jobs_for
from arrkestra.pipelines import cleanup
from arrkestra.pipelines.budget import Budget, BudgetGuard
from arrkestra.testing.fake_overseerr import FakeOverseerr
from arrkestra.testing.loopback import LoopbackServer

KEY = "overseerr-key-0123456789abcdef"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[FakeOverseerr, LoopbackServer]]:
    fake = FakeOverseerr(KEY)
    with LoopbackServer(fake.app) as loop:
        yield fake, loop


@dataclass
class World:
    fake: FakeOverseerr
    client: OverseerrClient
    deleted: int = 0
    paused: list[str] = field(default_factory=list)
    resumed: float = 0.0

    def deps(self, *, dry_run: bool = False, budget: Budget | None = None) -> cleanup.Deps:
        async def deletions_since(since: float) -> int:
            return self.deleted

        async def resumed_at() -> float:
            return self.resumed

        async def pause(reason: str) -> None:
            self.paused.append(reason)

        guard = BudgetGuard(
            cleanup.NAME,
            "Overseerr deletions",
            budget,
            lambda: 1000.0,
            deletions_since,
            resumed_at,
            pause,
        )
        return cleanup.Deps(self.client, dry_run, guard)


@pytest.fixture
async def world(server: tuple[FakeOverseerr, LoopbackServer]) -> AsyncIterator[World]:
    fake, loop = server
    fake.reset()
    async with httpx.AsyncClient(timeout=5) as http:
        client = OverseerrClient(
            loop.url, KEY, client=http, redactor=Redactor.of([KEY]), clock=lambda: 0.0
        )
        yield World(fake, client)


def job_for(kind: str, body: dict[str, Any], *, name: str = "hd", is_4k: bool = False) -> Job:
    [spec] = jobs_for(
        parse_event(kind, body),
        InstanceRef(kind, name, is_4k=is_4k),
        pipelines=frozenset({"cleanup"}),
    )  # type: ignore[arg-type]
    return Job(1, spec.pipeline, spec.key, spec.params, JobStatus.RUNNING, 1, 0.0, 0.0, 0.0)


async def run(job: Job, deps: cleanup.Deps) -> CleanupResult:
    """The pipeline as the worker runs it: the job's params read through their model."""
    return await cleanup.run(job, CleanupParams.load(job.params), deps)


def sample(kind: str, name: str, **series: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((PAYLOADS / kind / name).read_text())
    key = "series" if kind == "sonarr" else "movie"
    body[key] = {**body[key], **series}
    return body


def series_delete(**series: Any) -> dict[str, Any]:
    return sample("sonarr", "v4-series-delete.real.json", **series)


def movie_delete(**movie: Any) -> dict[str, Any]:
    return sample("radarr", "v6-movie-delete-with-files.constructed.json", **movie)


async def test_v4_series_with_tmdb_is_deleted_with_its_requests(world: World) -> None:
    media = world.fake.add_media(media_type="tv", tmdb_id=64728, tvdb_id=271005, title="Show")
    request = world.fake.add_request(media)
    result = await run(job_for("sonarr", series_delete()), world.deps())
    assert result.outcome == "deleted" and result.media_id == media
    assert not world.fake.has_media(media) and world.fake.requests_of(media) == []
    assert request not in world.fake.requests


async def test_v3_series_without_tmdb_is_found_by_tvdb_in_the_index(world: World) -> None:
    media = world.fake.add_media(
        media_type="tv", tmdb_id=63639, tvdb_id=280619, title="The Expanse"
    )
    body = sample("sonarr", "v3-series-delete.constructed.json")
    result = await run(job_for("sonarr", body), world.deps())
    assert result.outcome == "deleted" and not world.fake.has_media(media)
    assert not [c for c in world.fake.calls if c[1].startswith("/api/v1/tv/")]


async def test_v4_series_without_tmdb_is_found_by_tvdb(world: World) -> None:
    media = world.fake.add_media(media_type="tv", tmdb_id=999, tvdb_id=271005)
    body = series_delete()
    body["series"].pop("tmdbId")
    result = await run(job_for("sonarr", body), world.deps())
    assert result.outcome == "deleted" and not world.fake.has_media(media)


async def test_radarr_movie_is_deleted(world: World) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    result = await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps())
    assert result.outcome == "deleted" and result.title == "The Matrix"
    assert not world.fake.has_media(media)


async def test_missing_media_info_never_deletes_by_tmdb_id(world: World) -> None:
    """ArrSync used the TMDB id as the media id when mediaInfo was missing."""
    victim = world.fake.add_media(media_type="movie", tmdb_id=42)
    world.fake.known_tmdb.add(
        ("movie", victim)
    )  # a real movie whose TMDB id equals victim's media id
    result = await run(job_for("radarr", movie_delete(tmdbId=victim)), world.deps())
    assert result.outcome == "not_in_overseerr"
    assert world.fake.has_media(victim)
    assert not [c for c in world.fake.calls if c[0] == "DELETE"]


async def test_unknown_tmdb_id_500_falls_back_to_the_index(world: World) -> None:
    result = await run(job_for("radarr", movie_delete(tmdbId=777001)), world.deps())
    assert result.outcome == "not_in_overseerr"
    assert [c for c in world.fake.calls if c[1] == "/api/v1/media"]


async def test_tmdb_failing_still_finds_the_row_through_the_index(world: World) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=550)
    world.fake.tmdb_failing = True
    result = await run(job_for("radarr", movie_delete(tmdbId=550)), world.deps())
    assert result.outcome == "deleted" and not world.fake.has_media(media)


@pytest.mark.parametrize(
    ("is_4k", "status", "status4k", "requests", "outcome", "kept_requests"),
    [
        # 4K instance deletes; the HD copy is available -> keep the row, drop the 4K requests
        (True, 5, 5, [(True, 2), (False, 2)], "kept_other_copy", [False]),
        # 4K instance; HD not available but an HD request is pending -> keep
        (True, 1, 5, [(True, 2), (False, 1)], "kept_other_copy", [False]),
        # 4K instance; HD partially available -> keep
        (True, 4, 5, [(True, 2)], "kept_other_copy", []),
        # 4K instance; no HD copy at all, HD request declined -> delete the row
        (True, 1, 5, [(True, 2), (False, 3)], "deleted", None),
        # HD instance; the 4K copy is available -> keep, drop the HD requests
        (False, 5, 5, [(False, 2), (True, 2)], "kept_other_copy", [True]),
        # HD instance; no 4K anything -> delete
        (False, 5, 1, [(False, 2)], "deleted", None),
    ],
)
async def test_instance_aware_other_copy(
    world: World,
    is_4k: bool,
    status: int,
    status4k: int,
    requests: list[tuple[bool, int]],
    outcome: str,
    kept_requests: list[bool] | None,
) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=603, status=status, status4k=status4k)
    for req_4k, req_status in requests:
        world.fake.add_request(media, is_4k=req_4k, status=req_status)
    result = await run(job_for("radarr", movie_delete(tmdbId=603), is_4k=is_4k), world.deps())
    assert result.outcome == outcome
    if kept_requests is None:
        assert not world.fake.has_media(media)
    else:
        assert world.fake.has_media(media)
        assert sorted(r["is4k"] for r in world.fake.requests_of(media)) == sorted(kept_requests)
        assert "availability sync" in result.note


@pytest.mark.parametrize(("status", "outcome"), [(6, "kept_blacklisted"), (7, "not_in_overseerr")])
async def test_jellyseerr_blacklisted_rows_are_never_deleted(
    world: World, status: int, outcome: str
) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=603, status=status)
    result = await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps())
    assert result.outcome == outcome and world.fake.has_media(media)


async def test_dry_run_looks_everything_up_and_changes_nothing(world: World) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=603, title="The Matrix")
    result = await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps(dry_run=True))
    assert result.outcome == "dry_run"
    assert (result.media_id, result.title, result.would.action) == (
        media,
        "The Matrix",
        "delete_media",
    )
    assert world.fake.has_media(media) and not [c for c in world.fake.calls if c[0] == "DELETE"]


async def test_the_deletion_budget_pauses_instead_of_deleting(world: World) -> None:
    media = world.fake.add_media(media_type="movie", tmdb_id=603)
    world.deleted = 2
    with pytest.raises(DeferredError, match="budget"):
        await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps(budget=Budget(2, 3600)))
    assert world.fake.has_media(media) and len(world.paused) == 1
    world.resumed = 999.0  # after a resume, earlier deletions no longer count
    world.deleted = 0
    result = await run(
        job_for("radarr", movie_delete(tmdbId=603)), world.deps(budget=Budget(2, 3600))
    )
    assert result.outcome == "deleted"


async def test_a_delete_without_ids_fails_permanently_naming_the_field(world: World) -> None:
    body = series_delete()
    for field_name in ("tmdbId", "tvdbId"):
        body["series"].pop(field_name)
    with pytest.raises(PermanentError, match=r"tmdbId.*tvdbId"):
        await run(job_for("sonarr", body), world.deps())
    movie = movie_delete()
    movie["movie"].pop("tmdbId", None)
    with pytest.raises(PermanentError, match="tmdbId"):
        await run(job_for("radarr", movie), world.deps())


async def test_overseerr_down_is_transient_and_a_bad_key_is_an_auth_error(world: World) -> None:
    world.fake.down = True
    with pytest.raises(TransientError):
        await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps())
    world.fake.down = False
    world.fake.api_key = "another-key"
    with pytest.raises(UpstreamAuthError) as caught:
        await run(job_for("radarr", movie_delete(tmdbId=603)), world.deps())
    assert KEY not in str(caught.value)
