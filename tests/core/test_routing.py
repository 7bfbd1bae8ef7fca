"""The routing table: which events start which jobs."""

import json
from pathlib import Path
from typing import Any

import pytest

from arrkestra.core.events import Malformed, parse_event
from arrkestra.core.instances import InstanceRef
from arrkestra.core.routing import jobs_for

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


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
        parse_event("sonarr", body),
        InstanceRef("sonarr", "4k", is_4k=True),
        pipelines=frozenset({"cleanup", "mirror"}),
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


def mirror_route(kind: str, name: str, **ref: Any) -> list[Any]:
    instance = InstanceRef(kind, "hd", **ref)  # type: ignore[arg-type]
    parsed = parse_event(kind, sample(kind, name))  # type: ignore[arg-type]
    return jobs_for(parsed, instance, pipelines=frozenset({"mirror"}))


def test_a_season_pack_gives_one_mirror_job_per_file() -> None:
    jobs = mirror_route("sonarr", "v4-import-complete-season-pack.constructed.json")
    assert len(jobs) >= 2 and {j.pipeline for j in jobs} == {"mirror"}
    assert len({j.key for j in jobs}) == len(jobs)
    assert all(
        j.params["replace_existing"] is True for j in jobs
    )  # Import Complete carries no isUpgrade
    assert all(j.params["library_path"].startswith("/") for j in jobs)


def test_per_file_import_and_import_complete_of_the_same_file_share_a_key() -> None:
    single = mirror_route("sonarr", "v4-download-single.real.json")
    assert len(single) == 1 and single[0].params["replace_existing"] is False
    upgrade = mirror_route("sonarr", "v4-download-upgrade-deletedfiles.real.json")
    assert upgrade[0].params["replace_existing"] is True
    movie = mirror_route("radarr", "v5-download.real.json")
    assert len(movie) == 1 and movie[0].key == f"radarr.hd/{movie[0].params['library_path']}"


def test_mirror_respects_the_instance_switch_and_never_takes_deletes() -> None:
    assert mirror_route("sonarr", "v4-download-single.real.json", mirror=False) == []
    assert mirror_route("sonarr", "v4-series-delete.real.json") == []


def test_an_import_without_a_library_path_still_becomes_a_job_naming_the_problem() -> None:
    body = sample("sonarr", "v4-download-single.real.json")
    body["episodeFile"].pop("relativePath", None)
    body["episodeFile"].pop("path", None)
    [job] = jobs_for(
        parse_event("sonarr", body), InstanceRef("sonarr", "hd"), pipelines=frozenset({"mirror"})
    )
    assert job.params["problems"] and "relativePath" in " ".join(job.params["problems"])
