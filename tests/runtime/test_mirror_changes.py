"""Deletes and renames propagated to the copy: real files, real services, real rsync."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.runtime.test_mirror_runtime import (
    HEADERS,
    SHOW,
    mirror_jobs,
    sections_for,
    upstreams,  # noqa: F401  (fixture)
    write,
)
from tests.web.conftest import AppFactory, Running

SERIES = {"id": 1, "title": SHOW, "path": f"/tv/{SHOW}"}
E1 = f"{SHOW} - S01E01.mkv"


def tree(tmp: Path) -> tuple[Path, Path]:
    source = tmp / "src" / "tv" / SHOW / "Season 01"
    copy = tmp / "dst" / "TV" / SHOW / "Season 01"
    source.mkdir(parents=True)
    copy.mkdir(parents=True)
    return source, copy


def file_delete(name: str, reason: str = "manual") -> dict[str, Any]:
    return {
        "eventType": "EpisodeFileDelete",
        "series": SERIES,
        "episodes": [{"id": 1, "episodeNumber": 1, "seasonNumber": 1}],
        "episodeFile": {"id": 7, "relativePath": f"Season 01/{name}"},
        "deleteReason": reason,
    }


def rename(old: str, new: str) -> dict[str, Any]:
    return {
        "eventType": "Rename",
        "series": SERIES,
        "renamedEpisodeFiles": [
            {
                "id": 7,
                "relativePath": f"Season 01/{new}",
                "previousRelativePath": f"Season 01/{old}",
            }
        ],
    }


async def settled(r: Running, count: int) -> list[dict[str, Any]]:
    """Run the queue until idle; then ``count`` mirror jobs have finished."""
    await r.services.worker.run_until_idle()
    jobs = await mirror_jobs(r)
    assert len(jobs) == count and all(j["status"] in ("succeeded", "dead") for j in jobs)
    return jobs


async def test_without_propagate_deletes_a_file_delete_starts_nothing(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    _, copy = tree(tmp_path)
    write(copy / E1, 10)
    async with running_app(background=False, **sections_for(tmp_path, upstreams)) as r:
        answer = await r.client.post("/webhook/sonarr/hd", json=file_delete(E1))
    assert answer.json()["jobs"] == [] and (copy / E1).exists()


async def test_a_deleted_file_and_its_sidecars_leave_the_copy(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    source, copy = tree(tmp_path)
    for name in (E1, E1.replace(".mkv", ".en.srt"), "poster.jpg", f"{SHOW} - S01E02.mkv"):
        write(copy / name, 10)
    write(source / f"{SHOW} - S01E02.mkv", 10)
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=file_delete(E1))
        (job,) = await settled(r, 1)
    assert job["result"]["outcome"] == "deleted"
    assert sorted(Path(p).name for p in job["result"]["deleted"]) == [
        E1.replace(".mkv", ".en.srt"),
        E1,
    ]
    assert sorted(p.name for p in copy.iterdir()) == sorted(["poster.jpg", f"{SHOW} - S01E02.mkv"])


async def test_a_file_back_at_the_source_is_never_deleted_from_the_copy(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    source, copy = tree(tmp_path)
    write(copy / E1, 10)
    write(source / E1, 10)  # imported again since the delete
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=file_delete(E1))
        (job,) = await settled(r, 1)
    assert job["result"]["outcome"] == "kept_source_present" and (copy / E1).exists()


async def test_an_upgrade_under_a_new_name_replaces_the_old_copy(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    source, copy = tree(tmp_path)
    old, new = f"{SHOW} - S01E01 [HDTV].mkv", f"{SHOW} - S01E01 [WEBDL].mkv"
    write(copy / old, 10)
    digest = write(source / new, 2000)
    upgrade = {
        "eventType": "Download",
        "isUpgrade": True,
        "series": SERIES,
        "episodes": [{"id": 1, "episodeNumber": 1, "seasonNumber": 1}],
        "episodeFile": {"id": 8, "relativePath": f"Season 01/{new}"},
        "deletedFiles": [{"id": 7, "relativePath": f"Season 01/{old}"}],
    }
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=upgrade)
        jobs = await settled(r, 2)
    assert sorted(j["result"]["outcome"] for j in jobs) == ["copied", "deleted"]
    assert [p.name for p in copy.iterdir()] == [new]
    assert hashlib.sha256((copy / new).read_bytes()).hexdigest() == digest


async def test_dry_run_only_says_what_it_would_delete(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    _, copy = tree(tmp_path)
    write(copy / E1, 10)
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True, dry_run=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=file_delete(E1))
        (job,) = await settled(r, 1)
    assert job["result"]["outcome"] == "dry_run"
    assert job["result"]["would_delete"] == [str(copy / E1)]
    assert (copy / E1).exists()


async def test_the_deletion_budget_pauses_the_mirror(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    _, copy = tree(tmp_path)
    names = [f"{SHOW} - S01E0{n}.mkv" for n in range(1, 5)]
    for name in names:
        write(copy / name, 10)
    budget = {"deletions": 2, "per": "1h"}
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True, budget=budget)
    async with running_app(background=False, **sections) as r:
        for name in names:
            await r.client.post("/webhook/sonarr/hd", json=file_delete(name))
        await r.services.worker.run_until_idle()
        answer = await r.client.get("/api/v1/pipelines", headers=HEADERS)
        jobs = await mirror_jobs(r)
    assert any(p["name"] == "mirror" and p["paused"] for p in answer.json())
    statuses = sorted(j["status"] for j in jobs)
    assert statuses == ["pending", "pending", "succeeded", "succeeded"]
    assert len(list(copy.iterdir())) == 2


async def test_a_rename_moves_the_copy_and_its_sidecars(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    source, copy = tree(tmp_path)
    old, new = "show.s01e01.mkv", f"{SHOW} - S01E01 - Pilot.mkv"
    write(copy / old, 3000)
    write(copy / "show.s01e01.en.srt", 10)
    write(source / new, 3000)
    inode = (copy / old).stat().st_ino
    sections = sections_for(tmp_path, upstreams, propagate_renames=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=rename(old, new))
        (job,) = await settled(r, 1)
    assert job["result"]["outcome"] == "renamed"
    assert sorted(p.name for p in copy.iterdir()) == sorted([new, new.replace(".mkv", ".en.srt")])
    assert (copy / new).stat().st_ino == inode  # moved, not copied again


async def test_a_rename_copies_when_the_old_copy_is_missing_or_not_propagated(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    source, copy = tree(tmp_path)
    new = f"{SHOW} - S01E01 - Pilot.mkv"
    write(source / new, 3000)
    sections = sections_for(tmp_path, upstreams, propagate_renames=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=rename("gone.mkv", new))
        (job,) = await settled(r, 1)
    assert (
        job["result"]["outcome"] == "copied" and "not at the destination" in job["result"]["note"]
    )
    assert (copy / new).exists()


async def test_a_delete_outside_the_root_is_refused(
    running_app: AppFactory,
    tmp_path: Path,
    upstreams: Any,  # noqa: F811
) -> None:
    tree(tmp_path)
    victim = tmp_path / "dst" / "precious.mkv"
    write(victim, 10)
    escape = file_delete("x.mkv")
    escape["episodeFile"]["relativePath"] = "../../precious.mkv"
    sections = sections_for(tmp_path, upstreams, propagate_deletes=True)
    async with running_app(background=False, **sections) as r:
        await r.client.post("/webhook/sonarr/hd", json=escape)
        (job,) = await settled(r, 1)
    assert job["status"] == "dead" and victim.exists()
