"""Job params and results as models: rows the previous version wrote still load, keys are
built in one place per kind, and nothing else in src reads the JSON by key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arrkestra.core.errors import PermanentError
from arrkestra.core.job_kinds import (
    CleanupParams,
    CleanupResult,
    CopyParams,
    CopyResult,
    CycleParams,
    CycleResult,
    DeleteParams,
    DeleteResult,
    JobResult,
    MirrorProblem,
    RenameParams,
    RenameResult,
    ScanParams,
    ScanResult,
    load_mirror_params,
    load_mirror_result,
    summary_of,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "arrkestra"

# Rows as arrkestra 0.1.0 (before these models) wrote them, copied from its databases.
OLD_CLEANUP = {
    "arr_id": 169,
    "deleted_files": True,
    "instance": "sonarr.hd",
    "is_4k": False,
    "media_type": "tv",
    "title": "Severance",
    "tmdb_id": 95396,
    "tvdb_id": 371980,
}
OLD_COPY = {
    "action": "copy",
    "episode_titles": ["Hello, Ms. Cobel"],
    "episodes": [1],
    "instance": "sonarr.hd",
    "library_path": "/tv/Severance/Season 02/Severance - S02E01.mkv",
    "quality": "WEBDL-2160p",
    "replace_existing": False,
    "season": 2,
    "size": 4_000_000_000,
    "title": "Severance",
    "year": 2022,
}
OLD_MANUAL = {
    "action": "copy",
    "instance": "radarr.hd",
    "library_path": "/movies/Dune (2021)/Dune.mkv",
    "manual": True,
    "media_type": "movie",
}
OLD_SIBLING_RESULT = {
    "batch_of": 41,
    "bytes_transferred": 4_000_000_500,
    "destination": "/mnt/dst/TV/Severance/Season 02/Severance - S02E01.mkv",
    "files": ["Severance - S02E01.mkv", "Severance - S02E01.en.srt"],
    "files_transferred": 2,
    "outcome": "copied",
    "seconds": 38.2,
    "source": "/mnt/src/tv/Severance/Season 02/Severance - S02E01.mkv",
    "summary": "Severance S02E01 - Hello, Ms. Cobel (WEBDL-2160p)",
}


def test_rows_written_before_the_models_still_load() -> None:
    cleanup = CleanupParams.load(OLD_CLEANUP)
    assert cleanup.key() == "sonarr.hd/tv/tmdb:95396/tvdb:371980/arr:169"
    copy = load_mirror_params(OLD_COPY)
    assert isinstance(copy, CopyParams) and copy.episodes == [1]
    assert copy.key() == f"sonarr.hd/{OLD_COPY['library_path']}"
    manual = load_mirror_params(OLD_MANUAL)
    assert isinstance(manual, CopyParams) and manual.manual and manual.media_type == "movie"
    no_action = load_mirror_params({k: v for k, v in OLD_COPY.items() if k != "action"})
    assert isinstance(no_action, CopyParams)  # the oldest copies carried no action
    problem = load_mirror_params({"problems": ["the import lists no file"]})
    assert isinstance(problem, MirrorProblem) and problem.problems == ["the import lists no file"]
    delete = load_mirror_params(
        {"action": "delete", "instance": "radarr.hd", "library_path": "/m/a.mkv", "reason": "up"}
    )
    assert isinstance(delete, DeleteParams) and delete.key() == "radarr.hd/delete//m/a.mkv"
    rename = load_mirror_params(
        {
            "action": "rename",
            "instance": "sonarr.hd",
            "library_path": "/tv/b.mkv",
            "previous_path": "/tv/a.mkv",
            "title": "S",
        }
    )
    assert isinstance(rename, RenameParams) and rename.key() == "sonarr.hd/rename//tv/a.mkv"
    scan = ScanParams.load({"folder": "/data/TV/S/Season 01", "section": 2})
    assert scan.key() == "2:/data/TV/S/Season 01"
    assert CycleParams.load({}).key() == "discovery/cycle"


def test_results_written_before_the_models_still_load() -> None:
    sibling = load_mirror_result(OLD_SIBLING_RESULT)
    assert isinstance(sibling, CopyResult) and sibling.batch_of == 41 and sibling.batch is None
    leader = load_mirror_result(
        {
            **OLD_SIBLING_RESULT,
            "batch_of": None,
            "batch": {"jobs": 10, "files_transferred": 20, "bytes_transferred": 9},
        }
    )
    assert isinstance(leader, CopyResult) and leader.batch is not None and leader.batch.jobs == 10
    deleted = load_mirror_result(
        {
            "outcome": "deleted",
            "destination": "/d/a.mkv",
            "reason": "upgrade",
            "deleted": ["/d/a.mkv"],
            "kept": [],
            "summary": "S: deleted a.mkv at the destination",
        }
    )
    assert isinstance(deleted, DeleteResult) and deleted.deleted == ["/d/a.mkv"]
    renamed = load_mirror_result({"outcome": "renamed", "moved": [["/d/a", "/d/b"]]})
    assert isinstance(renamed, RenameResult) and renamed.moved == [["/d/a", "/d/b"]]
    dry = load_mirror_result({"outcome": "dry_run", "would_move": [["/d/a", "/d/b"]]})
    assert isinstance(dry, RenameResult)
    assert load_mirror_result(None) is None
    assert load_mirror_result({"outcome": "copied"}) is None  # fits no model: nothing to say
    cleanup = CleanupResult.load(
        {"outcome": "kept_other_copy", "removed_requests": [5001], "media_id": 1000}
    )
    assert cleanup.removed_requests == [5001]
    cycle = CycleResult.load({"outcome": "synced", "mode": "full", "results": {"added": 2}})
    assert cycle.results == {"added": 2}
    assert ScanResult.load({"outcome": "scanned", "folder": "/x", "section": "2"}).section == "2"


def test_a_result_round_trips_and_leaves_out_what_is_not_known() -> None:
    result = CopyResult.load(OLD_SIBLING_RESULT)
    assert result.to_json() == OLD_SIBLING_RESULT  # no "note": null, no "batch": null
    assert CopyResult.load(result.to_json()) == result


def test_params_that_fit_no_model_fail_the_job_for_good() -> None:
    with pytest.raises(PermanentError, match="invalid cleanup job: media_type"):
        CleanupParams.load({"instance": "radarr.hd", "media_type": "book"})
    with pytest.raises(PermanentError, match="invalid mirror job"):
        load_mirror_params({"action": "copy", "instance": "sonarr.hd"})  # no library_path
    with pytest.raises(PermanentError, match="invalid mirror job"):
        load_mirror_params({"action": "explode"})


def test_summary_of_any_result_and_json_paths_only_for_fields_that_exist() -> None:
    assert summary_of(OLD_SIBLING_RESULT) == OLD_SIBLING_RESULT["summary"]
    assert summary_of({"echo": 1}) is None and summary_of(None) is None
    assert JobResult.json_path("outcome") == "$.outcome"
    assert CopyResult.json_path("bytes_transferred") == "$.bytes_transferred"
    with pytest.raises(AttributeError):
        CopyResult.json_path("bytes")


def test_copy_keys_group_a_folder() -> None:
    params = CopyParams(instance="sonarr.hd", library_path="D:\\TV\\Show\\e1.mkv")
    assert params.folder_key_prefix == "sonarr.hd/D:\\TV\\Show\\"
    assert CopyParams(instance="sonarr.hd", library_path="e1.mkv").folder_key_prefix is None


# -- nothing else reads the JSON by key ---------------------------------------------------

DICT_ACCESS = re.compile(
    r"\.(params|result)(\.get\(|\[)"  # job.params["x"], job.result.get("x")
    r"|json_extract\(\s*(params|result)\s*,\s*'\$\."  # a literal path into a job's JSON
    r"|JobSpec\(\s*['\"]"  # a job built by hand: its key and params outside the models
)


def offenders() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(("core/job_kinds/", "testing/")):
            continue  # the models' own (de)serialisation; the fakes share nothing with src
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if DICT_ACCESS.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_outside_the_models_no_job_json_is_read_by_key() -> None:
    assert offenders() == []


@pytest.mark.parametrize(
    "line",
    [
        'x = job.params["library_path"]',
        'outcome = job.result.get("outcome")',
        "WHERE json_extract(result, '$.outcome') = 'copied'",
        'JobSpec("mirror", key, params)',
    ],
)
def test_the_scan_would_see_a_dict_read(line: str) -> None:
    assert DICT_ACCESS.search(line)


def test_what_a_job_is_about_is_its_title_else_its_file() -> None:
    from arrkestra.core.job_kinds import subject_of

    assert subject_of({"title": "Amélie", "library_path": "/movies/A/a.mkv"}) == "Amélie"
    assert subject_of({"library_path": "D:\\Movies\\A\\a.mkv"}) == "a.mkv"
    assert subject_of({"problems": ["x"], "subject": "malformed"}) == "malformed"
    assert subject_of({"title": 5}) is None and subject_of(None) is None
