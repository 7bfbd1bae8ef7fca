"""Property tests: no generated path escapes its rule's roots or reaches argv as an option."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import event, given, settings
from hypothesis import strategies as st

from arrkestra.core.filenames import UNSAFE_CHARACTERS, WINDOWS_FORBIDDEN
from arrkestra.core.paths import MappedPath, PathRefused, PathRule, map_path, safe_for_argv
from arrkestra.core.sidecars import VIDEO_EXTENSIONS, sidecar_names, split_extension

RULES = (
    PathRule("/movies", "/mnt/src/movies", "/mnt/dst/Movies", "/data/Movies"),
    PathRule("/movies/4k", "/mnt/src/4k", "/mnt/dst/4K Movies", instances=("radarr.4k",)),
    PathRule("/tv", "/mnt/src/tv", "/mnt/dst/TV Shows"),
    PathRule("/", "/mnt/src/all", "/mnt/dst/all"),
    PathRule("D:\\Media\\TV", "/mnt/win/tv", "/mnt/dst/WinTV", "E:\\Plex\\TV"),
    PathRule("\\\\nas\\share", "/mnt/nas", "/mnt/dst/nas"),
)
INSTANCES = st.sampled_from([None, "radarr.hd", "radarr.4k", "sonarr.hd"])
SPECIAL = st.sampled_from(
    [
        "..",
        ".",
        "",
        "/",
        "\\",
        "//",
        "\\\\",
        "../..",
        "..\\..",
        "-",
        "--",
        "-rf",
        "--delete",
        "~",
        "C:",
        "D:\\",
        "host:",
        "rsync:",
        ".. ",
        "...",
        "\x00",
        "\n",
        "\r",
        "\t",
        "\x7f",
        "\x85",
        "\x9b",
        "\u2028",
        "\ud800",
        "\udcff",
        "é",
        "日本",
        "'\"[]{}*? ",
    ]
)
TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)  # controls: SPECIAL
FRAGMENT = st.sampled_from(
    [
        "/tv",
        "/movies",
        "/movies/4k",
        "d:\\media\\tv",
        "D:/Media/TV",
        "\\\\NAS\\share",
        "//nas/share",
    ]
)
COMPONENT = st.one_of(SPECIAL, TEXT, st.lists(st.one_of(SPECIAL, TEXT), max_size=3).map("".join))
COMPONENTS = st.lists(COMPONENT, max_size=6)


def reason(refused: PathRefused) -> str:
    """The kind of a refusal, for hypothesis' statistics (``--hypothesis-show-statistics``)."""
    message = str(refused)
    kinds = ("control character", "'..'", "not an absolute", "itself", "no mirror.paths rule")
    return next((kind for kind in kinds if kind in message), "file name")


def assert_contained(mapped: MappedPath) -> None:
    """The invariants every accepted mapping keeps."""
    rule = mapped.rule
    assert mapped.relative
    for part in mapped.relative:
        assert part not in ("", ".", "..")
        assert "/" not in part
        assert not UNSAFE_CHARACTERS.search(part)
    for path, root in (
        (mapped.source, rule.source_root),
        (mapped.destination, rule.destination_root),
        (mapped.source_dir, rule.source_root),
        (mapped.destination_dir, rule.destination_root),
    ):
        pure = PurePosixPath(path)
        # lexically inside the root: relative_to succeeds, and nothing can climb back out
        below = pure.relative_to(PurePosixPath(root))
        assert ".." not in pure.parts
        assert path.startswith("/")
        assert not UNSAFE_CHARACTERS.search(path)
        assert str(pure) == path  # already normalised: what rsync gets is what was checked
        assert safe_for_argv(path) == path
        if path in (mapped.source, mapped.destination):
            assert below.parts == mapped.relative
    assert not UNSAFE_CHARACTERS.search(mapped.plex)
    assert not mapped.plex.startswith("-")
    assert mapped.plex.startswith(rule.plex_root)


@settings(max_examples=400)
@given(st.sampled_from(RULES), COMPONENTS, st.sampled_from(["/", "\\"]), INSTANCES)
def test_components_under_a_rule_never_escape(
    rule: PathRule, components: list[str], separator: str, instance: str | None
) -> None:
    if not rule.is_windows:
        separator = "/"
    arr_path = rule.arr_path.rstrip("/\\") + separator + separator.join(components)
    try:
        mapped = map_path(arr_path, RULES, instance=instance)
    except PathRefused as refused:
        event(f"refused: {reason(refused)}")
        return
    event("mapped")
    assert_contained(mapped)


@settings(max_examples=400)
@given(st.lists(st.one_of(FRAGMENT, SPECIAL, TEXT), max_size=8).map("".join), INSTANCES)
def test_any_text_is_refused_or_contained(arr_path: str, instance: str | None) -> None:
    try:
        mapped = map_path(arr_path, RULES, instance=instance)
    except PathRefused as refused:
        event(f"refused: {reason(refused)}")
        return
    event("mapped")
    assert_contained(mapped)


SAFE_NAME = st.text(
    st.characters(
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters="/\\" + "".join(WINDOWS_FORBIDDEN),
    ),
    min_size=1,
    max_size=20,
).filter(lambda name: name not in (".", "..") and not name.endswith((".", " ")))


@settings(max_examples=300)
@given(st.sampled_from(RULES), st.lists(SAFE_NAME, min_size=1, max_size=5), st.booleans())
def test_every_legal_name_maps_unchanged(rule: PathRule, names: list[str], upper: bool) -> None:
    """No false refusals: legal names below any root map, component for component."""
    root = rule.arr_path.upper() if upper and rule.is_windows else rule.arr_path
    separator = "\\" if rule.is_windows else "/"
    mapped = map_path(root.rstrip("/\\") + separator + separator.join(names), RULES)
    assert_contained(mapped)
    if mapped.rule is rule:
        assert mapped.relative == tuple(names)


@given(st.one_of(TEXT, st.lists(st.one_of(SPECIAL, TEXT), max_size=6).map("".join)))
def test_safe_for_argv_passes_only_normalised_absolute_paths(path: str) -> None:
    try:
        safe = safe_for_argv(path)
    except PathRefused:
        return
    assert safe == path
    assert path.startswith("/")
    assert not UNSAFE_CHARACTERS.search(path)
    assert ".." not in PurePosixPath(path).parts
    assert str(PurePosixPath(path)) == (path.rstrip("/") or "/")


@given(
    st.sampled_from(["A.mkv", "-rf.mkv", "Movie.Extended.mkv", "é.mp4"]),
    st.lists(st.one_of(TEXT, SPECIAL, st.sampled_from(["A.en.srt", "A.mp4", "-rf.nfo"]))),
)
def test_sidecars_are_entries_but_never_the_media_file_or_a_video(
    media: str, entries: list[str]
) -> None:
    chosen = sidecar_names(media, entries)
    assert set(chosen) <= set(entries)
    assert media not in chosen
    for name in chosen:
        assert split_extension(name)[1].lower() not in VIDEO_EXTENSIONS
        assert name not in ("", ".", "..")
        assert "/" not in name
        assert not UNSAFE_CHARACTERS.search(name)
