"""Tree diff: missing, different and extra files between two listings, and their weight."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.core.tree_diff import TreeDiff, TreeDiffBuilder, diff_trees, merge

SOURCE = {
    "tv/Show/Season 01/e01.mkv": 1000,
    "tv/Show/Season 01/e01.en.srt": 30,
    "tv/Show/Season 01/e02.mkv": 1200,
    "tv/Show/Season 02/e01.mkv": 900,
    "tv/Show/tvshow.nfo": 12,
    "movies/A (2000)/A.mkv": 5000,
}
DESTINATION = {
    "tv/Show/Season 01/e01.mkv": 1000,
    "tv/Show/Season 01/e01.en.srt": 31,  # another size
    "tv/Show/Season 01/e00.mkv": 7,  # destination only
    "tv/Show/tvshow.nfo": 12,
    "movies/A (2000)/A.mkv": 4000,  # another size (a partial copy, an old version)
    "movies/B (2001)/B.mkv": 80,  # destination only
}


def test_missing_different_and_extra_are_sorted_with_their_sizes() -> None:
    diff = diff_trees(SOURCE, DESTINATION)
    assert diff.missing == ["tv/Show/Season 01/e02.mkv", "tv/Show/Season 02/e01.mkv"]
    assert diff.different == ["movies/A (2000)/A.mkv", "tv/Show/Season 01/e01.en.srt"]
    assert diff.extra == ["movies/B (2001)/B.mkv", "tv/Show/Season 01/e00.mkv"]
    assert (diff.missing_bytes, diff.different_bytes, diff.extra_bytes) == (2100, 5030, 87)
    assert diff.same == 2
    assert diff.to_copy == sorted(diff.missing + diff.different)
    assert diff.bytes_to_copy == 7130
    assert not diff.in_step


def test_equal_listings_are_in_step() -> None:
    diff = diff_trees(SOURCE, dict(SOURCE))
    assert diff == TreeDiff([], [], [], same=len(SOURCE))
    assert diff.in_step and diff.to_copy == [] and diff.bytes_to_copy == 0


def test_empty_sides() -> None:
    to_fill = diff_trees(SOURCE, {})
    assert to_fill.missing == sorted(SOURCE) and to_fill.missing_bytes == sum(SOURCE.values())
    assert diff_trees({}, DESTINATION).extra == sorted(DESTINATION)
    assert diff_trees({}, {}).in_step


def test_the_listings_are_not_changed_and_the_result_is_frozen() -> None:
    source, destination = dict(SOURCE), dict(DESTINATION)
    diff = diff_trees(source, destination)
    assert (source, destination) == (SOURCE, DESTINATION)
    with pytest.raises(dataclasses.FrozenInstanceError):
        diff.missing = []  # type: ignore[misc]


def test_a_zero_size_file_is_a_file() -> None:
    diff = diff_trees({"a": 0, "b": 0}, {"b": 0, "c": 0})
    assert (diff.missing, diff.extra, diff.same) == (["a"], ["c"], 1)


def by_folder(listing: dict[str, int]) -> dict[str, dict[str, int]]:
    """``{"folder/": {name: size}}``, as the scanner feeds the builder."""
    folders: dict[str, dict[str, int]] = defaultdict(dict)
    for path, size in listing.items():
        folder, _, name = path.rpartition("/")
        folders[folder + "/" if folder else ""][name] = size
    return folders


def test_the_builder_fed_folder_by_folder_gives_the_same_diff() -> None:
    source, destination = by_folder(SOURCE), by_folder(DESTINATION)
    builder = TreeDiffBuilder()
    for folder in source.keys() | destination.keys():
        builder.add(folder, source.get(folder, {}), destination.get(folder, {}))
    assert builder.result() == diff_trees(SOURCE, DESTINATION)


LISTINGS = st.dictionaries(
    st.builds(
        "/".join,
        st.lists(st.sampled_from(["a", "b", "Season 01", "é x", "c.mkv"]), min_size=1, max_size=4),
    ),
    st.integers(min_value=0, max_value=5),
    max_size=30,
)


@given(LISTINGS, LISTINGS, st.integers(min_value=1, max_value=4))
def test_folders_and_parts_add_up_to_the_whole(
    source: dict[str, int], destination: dict[str, int], parts: int
) -> None:
    whole = diff_trees(source, destination)
    assert set(whole.missing) == source.keys() - destination.keys()
    assert set(whole.extra) == destination.keys() - source.keys()
    assert whole.same + len(whole.different) == len(source.keys() & destination.keys())
    # the folders dealt out to ``parts`` processes, each diffing its own, then merged
    source_folders, destination_folders = by_folder(source), by_folder(destination)
    folders = sorted(source_folders.keys() | destination_folders.keys())
    results = []
    for part in range(parts):
        builder = TreeDiffBuilder()
        for folder in folders[part::parts]:
            builder.add(folder, source_folders[folder], destination_folders[folder])
        results.append(builder.result())
    assert merge(results) == whole
