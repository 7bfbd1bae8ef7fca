"""The routing table: which events start which jobs."""

import json
from pathlib import Path
from typing import Any

import pytest

from arrkestra.core.events import Malformed, parse_event
from arrkestra.core.routing import InstanceRef, jobs_for

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"
ALL = frozenset({"cleanup", "mirror", "selftest"})


def sample(kind: str, name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / kind / name).read_text())
    return data


def route(kind: str, body: dict[str, Any], **ref: Any) -> list[Any]:
    instance = InstanceRef(kind, "hd", **ref)  # type: ignore[arg-type]
    return jobs_for(parse_event(kind, body), instance, pipelines=frozenset({"cleanup", "mirror"}))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "name", "tmdb", "tvdb", "arr_id", "deleted"),
    [
        ("sonarr", "v4-series-delete.real.json", 64728, 271005, 169, True),
        ("sonarr", "v4-series-delete-keep-files-no-tmdb.constructed.json", None, None, None, False),
        ("sonarr", "v3-series-delete.constructed.json", None, 280619, 12, True),
        ("radarr", "v6-movie-delete-keep-files.constructed.json", None, None, None, False),
        ("radarr", "v6-movie-delete-with-files.constructed.json", None, None, None, True),
    ],
)
def test_deletes_route_to_exactly_one_cleanup_job(
    kind: str, name: str, tmdb: int | None, tvdb: int | None, arr_id: int | None, deleted: bool
) -> None:
    body = sample(kind, name)
    [job] = route(kind, body)
    assert job.pipeline == "cleanup"
    params = job.params
    assert params["media_type"] == ("tv" if kind == "sonarr" else "movie")
    assert params["instance"] == f"{kind}.hd" and params["is_4k"] is False
    assert params["deleted_files"] is deleted
    if tmdb is not None:
        assert params["tmdb_id"] == tmdb
    if tvdb is not None:
        assert params["tvdb_id"] == tvdb
    if arr_id is not None:
        assert params["arr_id"] == arr_id


def test_idempotency_key_is_stable_and_instance_scoped() -> None:
    body = sample("sonarr", "v4-series-delete.real.json")
    [a] = route("sonarr", body)
    [b] = route("sonarr", body)
    assert a.key == b.key == "sonarr.hd/tv/tmdb:64728/tvdb:271005/arr:169"
    [uhd] = jobs_for(
        parse_event("sonarr", body), InstanceRef("sonarr", "4k", is_4k=True), pipelines=ALL
    )[:1]
    assert uhd.key != a.key and uhd.params["is_4k"] is True


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (k, p.name)
        for k in ("sonarr", "radarr")
        for p in sorted((PAYLOADS / k).glob("*.json"))
        if "delete" not in p.name or "file-delete" in p.name or "upgrade" in p.name
    ],
)
def test_nothing_but_series_and_movie_deletes_reaches_cleanup(kind: str, name: str) -> None:
    assert [j for j in route(kind, sample(kind, name)) if j.pipeline == "cleanup"] == []


def test_instance_switches_and_the_files_deleted_condition() -> None:
    body = sample("sonarr", "v4-series-delete.real.json")
    assert route("sonarr", body, cleanup=False) == []
    assert len(route("sonarr", body, cleanup_only_when_files_deleted=True)) == 1
    kept = {**body, "deletedFiles": False}
    assert route("sonarr", kept, cleanup_only_when_files_deleted=True) == []
    assert len(route("sonarr", kept)) == 1


def test_a_pipeline_that_is_not_running_gets_no_job() -> None:
    body = sample("sonarr", "v4-series-delete.real.json")
    assert (
        jobs_for(parse_event("sonarr", body), InstanceRef("sonarr", "hd"), pipelines=frozenset())
        == []
    )


def test_malformed_deletes_still_become_jobs_that_carry_the_problem() -> None:
    parsed = parse_event("sonarr", {"eventType": "SeriesDelete", "series": "not an object"})
    assert isinstance(parsed, Malformed)
    [job] = jobs_for(parsed, InstanceRef("sonarr", "hd"), pipelines=frozenset({"cleanup"}))
    assert job.params["problems"] and job.params["media_type"] == "tv"


def test_selftest_rows_only_when_selftest_runs() -> None:
    body = sample("sonarr", "v4-series-delete.real.json")
    specs = jobs_for(parse_event("sonarr", body), InstanceRef("sonarr", "hd"), pipelines=ALL)
    assert sorted(s.pipeline for s in specs) == ["cleanup", "selftest"]
