"""sync-webhook's ``/sync/manual`` with a folder: every media file in it is queued, then
copied by the real queue with the real rsync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import API_KEY
from tests.web.conftest import AppFactory, Running

KEY = {"X-Api-Key": API_KEY}
SHOW = "/tv/Show (2020)"


def sections(tmp: Path, **mirror: Any) -> dict[str, Any]:
    """Sonarr and Radarr, ``mirror.paths`` under ``tmp``; the destination roots exist (mounted)."""
    for root in ("dst/TV", "dst/Movies", "src/tv", "src/movies"):
        (tmp / root).mkdir(parents=True, exist_ok=True)
    return {
        "sonarr": {"hd": {"url": "http://sonarr:8989"}},
        "radarr": {"hd": {"url": "http://radarr:7878"}},
        "mirror": {
            "paths": [
                {
                    "arr_path": "/tv",
                    "source": str(tmp / "src/tv"),
                    "destination": str(tmp / "dst/TV"),
                },
                {
                    "arr_path": "/movies",
                    "source": str(tmp / "src/movies"),
                    "destination": str(tmp / "dst/Movies"),
                },
            ],
            **mirror,
        },
    }


def write(path: Path, text: str = "data") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def show_folder(tmp: Path) -> Path:
    """Three episodes (one with a subtitle) in two seasons, and what no copy takes."""
    show = tmp / "src/tv/Show (2020)"
    write(show / "Season 01/Show (2020) - S01E01.mkv", "one")
    write(show / "Season 01/Show (2020) - S01E01.en.srt", "subtitle")
    write(show / "Season 01/Show (2020) - S01E02.mkv", "two")
    write(show / "Season 02/Show (2020) - S02E01.mkv", "three")
    write(show / "Season 01/.DS_Store")  # mirror.excludes
    write(show / "@eaDir/Show (2020) - S01E01.mkv/SYNOVIDEO.mkv")  # an excluded folder
    write(show / "poster.jpg")  # folder-wide: an import does not copy it either
    return show


def copied(tmp: Path) -> list[str]:
    root = tmp / "dst/TV"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


async def sync(r: Running, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
    answer = await r.client.post("/sync/manual", json={"path": path, **body}, headers=KEY)
    result: dict[str, Any] = answer.json()
    return answer.status_code, result


async def mirror_results(r: Running) -> list[dict[str, Any]]:
    answer = await r.client.get("/api/v1/jobs", params={"pipeline": "mirror"}, headers=KEY)
    return [job["result"] for job in answer.json()["jobs"]]


async def test_a_folder_queues_each_media_file_once_and_rsync_copies_them(
    running_app: AppFactory, tmp_path: Path
) -> None:
    show_folder(tmp_path)
    async with running_app(background=False, **sections(tmp_path)) as r:
        status, body = await sync(r, SHOW, type="tv")
        again_status, again = await sync(r, SHOW)  # still waiting: nothing new
        await r.services.worker.run_until_idle()
        results = await mirror_results(r)
        done_status, done = await sync(r, SHOW)  # everything is there now
    assert status == 202 and body["status"] == "accepted", body
    assert (body["queued"], body["already_queued"], body["already_present"]) == (3, 0, 0)
    assert body["sidecars"] == 1 and body["skipped"] == 3  # .DS_Store, @eaDir, poster.jpg
    assert body["source"] == str(tmp_path / "src/tv/Show (2020)")
    assert body["dest"] == str(tmp_path / "dst/TV/Show (2020)") and body["dry_run"] is False
    assert len(body["job_ids"]) == 3 and body["job_id"] == body["job_ids"][0]
    assert again_status == 200 and again["status"] == "already_queued"
    assert (again["queued"], again["already_queued"], again["job_ids"]) == (0, 3, body["job_ids"])
    assert copied(tmp_path) == [
        "Show (2020)/Season 01/Show (2020) - S01E01.en.srt",
        "Show (2020)/Season 01/Show (2020) - S01E01.mkv",
        "Show (2020)/Season 01/Show (2020) - S01E02.mkv",
        "Show (2020)/Season 02/Show (2020) - S02E01.mkv",
    ]
    assert len(results) == 3 and {res["outcome"] for res in results} == {"copied"}
    assert sum(res["files_transferred"] for res in results) == 4  # each file once
    assert done_status == 200 and done["status"] == "nothing_to_sync"
    assert (done["queued"], done["already_present"]) == (0, 3)
    assert "No media file to sync" in done["message"]


async def test_a_dry_run_queues_the_folder_and_copies_nothing(
    running_app: AppFactory, tmp_path: Path
) -> None:
    show_folder(tmp_path)
    async with running_app(background=False, **sections(tmp_path, dry_run=True)) as r:
        status, body = await sync(r, f"{SHOW}/Season 01")
        await r.services.worker.run_until_idle()
        results = await mirror_results(r)
    assert status == 202 and body["queued"] == 2 and body["dry_run"] is True
    assert {res["outcome"] for res in results} == {"dry_run"}
    assert not (tmp_path / "dst/TV/Show (2020)/Season 01").exists()


async def test_missing_empty_and_unmapped_folders_and_a_file(
    running_app: AppFactory, tmp_path: Path
) -> None:
    show_folder(tmp_path)
    (tmp_path / "src/movies/Empty (2024)").mkdir(parents=True)
    write(tmp_path / "src/movies/Empty (2024)/movie.nfo")
    episode = f"{SHOW}/Season 01/Show (2020) - S01E02.mkv"
    async with running_app(background=False, **sections(tmp_path)) as r:
        missing = await sync(r, "/movies/Movie Name (2024)", type="movie")
        empty = await sync(r, "/movies/Empty (2024)", type="movie")
        unmapped = await sync(r, "/music/Album")
        root = await sync(r, "/tv")
        one_file = await sync(r, episode)
        subtitle = await sync(r, f"{SHOW}/Season 01/Show (2020) - S01E01.en.srt")
        await r.services.worker.run_until_idle()
    assert missing[0] == 404, missing
    assert "no folder or file /movies/Movie Name (2024)" in missing[1]["detail"]
    assert empty[0] == 200 and empty[1]["status"] == "nothing_to_sync"
    assert (empty[1]["queued"], empty[1]["skipped"]) == (0, 1)
    assert unmapped[0] == 400 and "no mirror.paths rule matches" in unmapped[1]["detail"]
    assert root[0] == 400  # the rule's root itself: as before, a path below it is needed
    assert one_file[0] == 202 and one_file[1]["queued"] == 1
    assert one_file[1]["source"] == str(
        tmp_path / "src/tv/Show (2020)/Season 01/Show (2020) - S01E02.mkv"
    )
    assert subtitle[0] == 202 and "job_status" in subtitle[1]  # an existing file: as a file
    assert copied(tmp_path) == [
        "Show (2020)/Season 01/Show (2020) - S01E01.en.srt",
        "Show (2020)/Season 01/Show (2020) - S01E02.mkv",
    ]


async def test_a_folder_of_more_media_files_than_a_bulk_run_is_refused(
    running_app: AppFactory, tmp_path: Path
) -> None:
    big = tmp_path / "src/tv/Daily Show/Season 01"
    big.mkdir(parents=True)
    for n in range(10_001):
        (big / f"Daily Show - S01E{n:05d}.mkv").touch()
    async with running_app(background=False, **sections(tmp_path)) as r:
        status, body = await sync(r, "/tv/Daily Show")
        jobs = await mirror_results(r)
    assert status == 400 and "more than 10,000 media files" in body["detail"]
    assert "sub-folders" in body["detail"] and jobs == []  # nothing queued


async def test_the_api_sync_of_one_file_refuses_a_folder_up_front(
    running_app: AppFactory, tmp_path: Path
) -> None:
    show_folder(tmp_path)
    async with running_app(background=False, **sections(tmp_path)) as r:
        folder = await r.client.post("/api/v1/mirror/sync", json={"path": SHOW}, headers=KEY)
        jobs = await mirror_results(r)
    assert folder.status_code == 400 and "/sync/manual" in folder.json()["detail"]
    assert jobs == []  # nothing queued that could only die
