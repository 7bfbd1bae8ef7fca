"""A batch of changed files becomes one Jellyfin/Emby job per folder, paths translated."""

from __future__ import annotations

from arrkestra.core.job_kinds import JellyfinScanParams
from arrkestra.core.paths import PathRule, map_path
from arrkestra.pipelines.mirror.deps import Changed
from arrkestra.pipelines.mirror.scan import scan_specs
from arrkestra.pipelines.mirror.server_update import update_specs

RULE = PathRule(
    arr_path="/tv", source="/mnt/src/tv", destination="/mnt/dst/tv", jellyfin_path="/media/tv"
)


def changed(path: str, change: str = "Created") -> Changed:
    return Changed(map_path(path, [RULE]), change)  # type: ignore[arg-type]


def test_a_season_pack_is_one_job_per_folder_naming_each_file() -> None:
    changes = [changed(f"/tv/Show/Season 01/e{n}.mkv") for n in (1, 2, 3)]
    changes.append(changed("/tv/Show/Season 02/e1.mkv"))
    changes.append(changed("/tv/Show/Season 01/e1.mkv"))  # twice in one batch: named once
    specs = update_specs("jellyfin", "jellyfin.default", changes, debounce=30.0)
    assert [s.key for s in specs] == [
        "jellyfin.default:/media/tv/Show/Season 01",
        "jellyfin.default:/media/tv/Show/Season 02",
    ]
    first = JellyfinScanParams.load(specs[0].params)
    assert [(c.path, c.type) for c in first.changes] == [
        ("/media/tv/Show/Season 01/e2.mkv", "Created"),
        ("/media/tv/Show/Season 01/e3.mkv", "Created"),
        ("/media/tv/Show/Season 01/e1.mkv", "Created"),
    ]
    assert all(s.debounce and s.delay == 30.0 for s in specs)


def test_a_move_is_deleted_then_created() -> None:
    move = [
        changed("/tv/Show/Season 01/old.mkv", "Deleted"),
        changed("/tv/Show/Season 01/new.mkv"),
    ]
    (spec,) = update_specs("emby", "emby.default", move, debounce=1.0)
    told = spec.params["changes"]
    assert told == [
        {"path": "/mnt/dst/tv/Show/Season 01/old.mkv", "type": "Deleted"},
        {"path": "/mnt/dst/tv/Show/Season 01/new.mkv", "type": "Created"},
    ]
    assert spec.pipeline == "emby_scan"


def test_plex_gets_one_scan_per_folder() -> None:
    changes = [changed(f"/tv/Show/Season 01/e{n}.mkv") for n in (1, 2)]
    specs = scan_specs([*changes, changed("/tv/Show/Season 02/e1.mkv")], debounce=5.0)
    assert [s.params["folder"] for s in specs] == [
        "/mnt/dst/tv/Show/Season 01",
        "/mnt/dst/tv/Show/Season 02",
    ]
