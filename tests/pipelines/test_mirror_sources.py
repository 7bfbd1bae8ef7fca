"""The mirror's source lists: sidecars found from a sorted listing, per file or per batch."""

from __future__ import annotations

import random
from pathlib import Path

from arrkestra.core.job_kinds import CopyParams
from arrkestra.core.jobs import Job, JobStatus
from arrkestra.core.paths import PathRule, map_path, sidecar_names
from arrkestra.pipelines.mirror import batch
from arrkestra.pipelines.mirror.file_copy import sidecars_in

PARTS = ["Show", "Show - S01E01", "Show - S01E01.Extended", "Movie", "Movie.Part2", "A", "a"]
ENDINGS = [".mkv", ".mp4", ".srt", ".en.srt", ".en.forced.srt", ".nfo", "-thumb.jpg", ".jpg"]
ENDINGS += [".txt", ".MKV", ".SRT", ".1.en.srt", ".en..srt", ""]


def test_sidecars_from_a_sorted_listing_are_those_of_the_whole_listing() -> None:
    rng = random.Random(7)
    for _ in range(400):
        entries = sorted({rng.choice(PARTS) + rng.choice(ENDINGS) for _ in range(12)} - {""})
        for name in entries:
            assert sidecars_in(name, entries) == sidecar_names(name, entries), (
                name,
                entries,
            )


def job(job_id: int, **params: object) -> Job:
    return Job(job_id, "mirror", "k", dict(params), JobStatus.PENDING, 0, 0.0, 0.0, 0.0)


def test_a_batch_takes_copies_of_the_same_folder_instance_and_mode_only(tmp_path: Path) -> None:
    rule = PathRule(arr_path="/tv", source=str(tmp_path / "s"), destination=str(tmp_path / "d"))
    base = {"instance": "sonarr.hd", "replace_existing": True}
    params = CopyParams.model_validate({**base, "library_path": "/tv/S/Season 1/e1.mkv"})
    main = batch.MappedCopy(job(1), params, map_path("/tv/S/Season 1/e1.mkv", (rule,)))
    assert params.folder_key_prefix == "sonarr.hd//tv/S/Season 1/"

    def takes(**changes: object) -> bool:
        candidate = {**base, "library_path": "/tv/S/Season 1/e2.mkv", **changes}
        return batch.as_sibling(job(2, **candidate), main, (rule,)) is not None

    assert takes()
    assert takes(action="copy", title="S")
    assert not takes(library_path="/tv/S/Season 1/sub/e2.mkv")
    assert not takes(library_path="/tv/S/e2.mkv")
    assert not takes(instance="sonarr.4k")
    assert not takes(replace_existing=False)
    assert not takes(action="rename", previous_path="/tv/S/Season 1/old.mkv")
    assert not takes(action="delete")
    assert not takes(problems=["no path"])
    assert not takes(library_path="/tv/S/Season 1/../e2.mkv")
    assert not takes(episodes="not a list")
