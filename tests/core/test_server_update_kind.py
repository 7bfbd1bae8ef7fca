"""Jellyfin/Emby update jobs: a folder's changes gathered into one job, sent as paths."""

from __future__ import annotations

from arrkestra.core.job_kinds import EmbyScanParams, JellyfinScanParams, MediaChange
from arrkestra.core.job_kinds.outcomes import KINDS
from arrkestra.core.job_kinds.server_update import (
    CHANGES_LIMIT,
    ServerUpdateResult,
    gather_changes,
    merged,
)
from arrkestra.core.paths import PathRule, map_path

FOLDER = "/media/tv/Show/Season 01"


def change(name: str, kind: str = "Created") -> MediaChange:
    return MediaChange.model_validate({"path": f"{FOLDER}/{name}", "type": kind})


def params(*changes: MediaChange) -> JellyfinScanParams:
    return JellyfinScanParams(server="jellyfin.default", folder=FOLDER, changes=list(changes))


def test_one_job_per_server_and_folder() -> None:
    spec = params(change("a.mkv")).spec(delay=30.0)
    assert (spec.pipeline, spec.key) == ("jellyfin_scan", f"jellyfin.default:{FOLDER}")
    assert spec.debounce and spec.delay == 30.0 and spec.gather is gather_changes
    emby = EmbyScanParams(server="emby.default", folder=FOLDER, changes=[change("a.mkv")])
    assert emby.spec().pipeline == "emby_scan"
    assert {"jellyfin_scan", "emby_scan"} <= set(KINDS)


def test_a_repeat_joins_the_waiting_job_and_the_latest_change_wins() -> None:
    waiting = params(change("a.mkv"), change("b.mkv")).to_json()
    repeat = params(change("a.mkv", "Deleted"), change("c.mkv")).to_json()
    joined = JellyfinScanParams.load(gather_changes(waiting, repeat))
    assert [(c.path.rsplit("/", 1)[1], c.type) for c in joined.changes] == [
        ("b.mkv", "Created"),
        ("a.mkv", "Deleted"),
        ("c.mkv", "Created"),
    ]
    assert merged([change("a.mkv")], [change("a.mkv")]) == [change("a.mkv")]


def test_params_that_fit_no_model_are_left_as_they_are() -> None:
    odd = {"server": "jellyfin.default", "folder": FOLDER, "changes": "nonsense"}
    assert gather_changes(odd, params(change("a.mkv")).to_json()) is odd


def test_past_the_limit_the_folder_itself_is_sent() -> None:
    few = params(*(change(f"{n}.mkv") for n in range(CHANGES_LIMIT)))
    assert few.sent() == few.changes
    many = params(*(change(f"{n}.mkv") for n in range(CHANGES_LIMIT + 1)))
    assert many.sent() == [MediaChange(path=FOLDER, type="Modified")]


def test_the_job_in_words() -> None:
    job = params(change("a.mkv"))
    assert job.about() == '"Show/Season 01"'
    assert job.task() == 'tell jellyfin.default about "Show/Season 01"'
    result = ServerUpdateResult(
        outcome="reported", server="jellyfin.default", folder=FOLDER, paths=3, changes=3
    )
    said = result.in_words(job.about())
    assert said == 'told jellyfin.default about "Show/Season 01" (3 paths)'


def test_each_server_sees_the_copy_under_its_own_root() -> None:
    rule = PathRule(
        arr_path="/tv",
        source="/mnt/src/tv",
        destination="/mnt/dst/tv",
        plex_path="/data/tv",
        jellyfin_path="/media/tv",
        emby_path="D:\\TV",
    )
    mapped = map_path("/tv/Show/Season 01/a.mkv", [rule])
    assert mapped.seen_by("jellyfin") == f"{FOLDER}/a.mkv"
    assert mapped.folder_seen_by("jellyfin") == FOLDER
    assert mapped.seen_by("emby") == "D:\\TV\\Show\\Season 01\\a.mkv"
    assert mapped.folder_seen_by("plex") == mapped.plex_dir == "/data/tv/Show/Season 01"
    plain = PathRule(arr_path="/tv", source="/mnt/src/tv", destination="/mnt/dst/tv")
    assert map_path("/tv/x/a.mkv", [plain]).seen_by("emby") == "/mnt/dst/tv/x/a.mkv"
