"""Path mapping: rule matching, every refusal, Plex paths, the argv guard, the symlink half."""

from __future__ import annotations

import re

import pytest

from arrkestra.core.errors import PermanentError
from arrkestra.core.paths import (
    MappedPath,
    PathRefused,
    PathRule,
    ensure_inside,
    map_path,
    safe_for_argv,
)

RULES = (
    PathRule("/movies", "/mnt/synology/rs-movies", "/mnt/unraid/media/Movies", "/data/Movies", 1),
    PathRule("/movies-4k", "/mnt/synology/rs-4kmedia/4kmovies", "/mnt/unraid/media/4K Movies"),
    PathRule("/tv/", "/mnt/synology/rs-tv/", "/mnt/unraid/media/TV Shows//"),
    PathRule("/tv/anime", "/mnt/synology/anime", "/mnt/unraid/media/Anime"),
    PathRule("D:\\Media\\TV", "/mnt/win/tv", "/mnt/unraid/media/WinTV", "E:\\Plex\\TV"),
    PathRule("\\\\nas\\tv", "/mnt/nas/tv", "/mnt/unraid/media/NasTV", "\\\\plexbox\\media\\TV"),
    PathRule("C:/", "/mnt/win/c", "/mnt/unraid/media/C"),
    PathRule("/kids", "/mnt/kids", "/mnt/unraid/media/Kids", instances=("sonarr.hd",)),
)
NO_MATCH = re.escape("no mirror.paths rule matches")


@pytest.mark.parametrize(
    ("arr_path", "destination"),
    [
        ("/movies/A (2020)/A.mkv", "/mnt/unraid/media/Movies/A (2020)/A.mkv"),
        # whole components: /movies never matches /movies-4k/..., /tv never /tvshows/...
        ("/movies-4k/B/B.mkv", "/mnt/unraid/media/4K Movies/B/B.mkv"),
        ("/tv/Show/S01/e.mkv", "/mnt/unraid/media/TV Shows/Show/S01/e.mkv"),
        # the longest prefix wins, on components
        ("/tv/anime/Naruto/e.mkv", "/mnt/unraid/media/Anime/Naruto/e.mkv"),
        ("/tv/animation/Show/e.mkv", "/mnt/unraid/media/TV Shows/animation/Show/e.mkv"),
        ("/tv/Anime/Show/e.mkv", "/mnt/unraid/media/TV Shows/Anime/Show/e.mkv"),
        # duplicate slashes, "." components, a trailing slash
        ("//tv///Show//./S01/e.mkv", "/mnt/unraid/media/TV Shows/Show/S01/e.mkv"),
        ("/tv/Show/e.mkv/", "/mnt/unraid/media/TV Shows/Show/e.mkv"),
        # names that look like options, quotes, brackets, unicode, a POSIX backslash
        ("/tv/Show/-rf.mkv", "/mnt/unraid/media/TV Shows/Show/-rf.mkv"),
        ("/tv/--delete/--.mkv", "/mnt/unraid/media/TV Shows/--delete/--.mkv"),
        (
            '/tv/It\'s "Quoted" [2020] {tvdb-1}/Été 日本 👨\u200d👩.mkv',
            '/mnt/unraid/media/TV Shows/It\'s "Quoted" [2020] {tvdb-1}/Été 日本 👨\u200d👩.mkv',
        ),
        ("/tv/Show/a\\b.mkv", "/mnt/unraid/media/TV Shows/Show/a\\b.mkv"),
        ("/tv/Show/..hidden/...mkv", "/mnt/unraid/media/TV Shows/Show/..hidden/...mkv"),
        # Windows: case-insensitive root, either separator, the name's case kept
        ("D:\\Media\\TV\\Show\\S01\\e.mkv", "/mnt/unraid/media/WinTV/Show/S01/e.mkv"),
        ("d:/media/tv/Show/e.mkv", "/mnt/unraid/media/WinTV/Show/e.mkv"),
        ("D:\\MEDIA\\tv\\Show/S01\\E.MKV", "/mnt/unraid/media/WinTV/Show/S01/E.MKV"),
        ("D:\\\\Media\\\\TV\\\\Show\\e.mkv", "/mnt/unraid/media/WinTV/Show/e.mkv"),
        # UNC, in either spelling
        ("\\\\nas\\tv\\Show\\e.mkv", "/mnt/unraid/media/NasTV/Show/e.mkv"),
        ("\\\\NAS\\TV\\Show\\e.mkv", "/mnt/unraid/media/NasTV/Show/e.mkv"),
        ("//nas/tv/Show/e.mkv", "/mnt/unraid/media/NasTV/Show/e.mkv"),
        # a whole drive as the root
        ("c:\\Users\\x\\e.mkv", "/mnt/unraid/media/C/Users/x/e.mkv"),
    ],
)
def test_matching(arr_path: str, destination: str) -> None:
    mapped = map_path(arr_path, RULES)
    assert mapped.destination == destination
    rule = mapped.rule
    assert mapped.destination == "/".join((rule.destination_root, *mapped.relative))
    assert mapped.source == "/".join((rule.source_root, *mapped.relative))


@pytest.mark.parametrize(
    ("arr_path", "relative"),
    [
        ("/tv/Show/S01/e.mkv", ("Show", "S01", "e.mkv")),
        ("D:\\Media\\TV\\Show Name (2020)\\e.mkv", ("Show Name (2020)", "e.mkv")),
        ("\\\\nas\\tv/Show\\e.mkv", ("Show", "e.mkv")),
        ("/movies/x.mkv", ("x.mkv",)),
    ],
)
def test_relative_parts(arr_path: str, relative: tuple[str, ...]) -> None:
    assert map_path(arr_path, RULES).relative == relative


def test_posix_rules_are_case_sensitive() -> None:
    with pytest.raises(PathRefused, match=NO_MATCH):
        map_path("/TV/Show/e.mkv", RULES)


def test_a_path_in_the_style_of_the_other_family_does_not_match() -> None:
    with pytest.raises(PathRefused, match=NO_MATCH):
        map_path("/Media/TV/Show/e.mkv", [RULES[4]])  # D:\Media\TV needs its drive
    with pytest.raises(PathRefused, match=NO_MATCH):
        map_path("\\\\tv\\share\\e.mkv", [RULES[2]])


@pytest.mark.parametrize(
    ("instance", "destination"),
    [
        ("radarr.4k", "/dst/4k/A/A.mkv"),
        ("radarr.hd", "/dst/all/4k/A/A.mkv"),  # the limited rule steps aside
        (None, "/dst/4k/A/A.mkv"),  # no instance named: every rule is considered
    ],
)
def test_instances_limit_a_rule(instance: str | None, destination: str) -> None:
    rules = [
        PathRule("/movies", "/src/all", "/dst/all"),
        PathRule("/movies/4k", "/src/4k", "/dst/4k", instances=("radarr.4k",)),
    ]
    assert map_path("/movies/4k/A/A.mkv", rules, instance=instance).destination == destination


def test_among_equally_long_matches_the_first_applicable_rule_wins() -> None:
    rules = [
        PathRule("/tv", "/src/hd", "/dst/hd", instances=("sonarr.hd",)),
        PathRule("/tv/", "/src/4k", "/dst/4k", instances=("sonarr.4k",)),
    ]
    assert map_path("/tv/S/e.mkv", rules, instance="sonarr.4k").destination == "/dst/4k/S/e.mkv"
    assert map_path("/tv/S/e.mkv", rules, instance="sonarr.hd").destination == "/dst/hd/S/e.mkv"
    assert map_path("/tv/S/e.mkv", rules).destination == "/dst/hd/S/e.mkv"


def test_a_rule_limited_to_other_instances_is_named_in_the_refusal() -> None:
    with pytest.raises(PathRefused) as refused:
        map_path("/kids/Show/e.mkv", RULES, instance="sonarr.4k")
    message = str(refused.value)
    assert "for sonarr.4k" in message
    assert "/kids (only sonarr.hd)" in message
    assert "/movies; /movies-4k; /tv/" in message
    assert map_path("/kids/Show/e.mkv", RULES, instance="sonarr.hd").rule is RULES[7]


REFUSALS = [
    ("", "empty"),
    ("tv/Show/e.mkv", "not an absolute path"),
    (" /tv/Show/e.mkv", "not an absolute path"),
    ("\\tv\\Show\\e.mkv", "not an absolute path"),  # rooted, but on which drive?
    ("D:Media\\TV\\e.mkv", "not an absolute path"),  # drive-relative
    ("\\\\nas", "not an absolute path"),  # a server without a share
    ("\\\\?\\D:\\Media\\TV\\e.mkv", "not an absolute path"),  # device paths: unsupported
    ("\\\\.\\D:\\Media\\TV\\e.mkv", "not an absolute path"),
    ("/tv/../movies/A/A.mkv", "'..'"),
    ("/tv/Show/../../../etc/passwd", "'..'"),
    ("/tv/..", "'..'"),
    ("/../tv/Show/e.mkv", "'..'"),
    ("D:\\Media\\TV\\..\\..\\Windows\\e.mkv", "'..'"),
    ("D:/Media/TV/Show/../e.mkv", "'..'"),
    ("//nas/tv/../e.mkv", "'..'"),
    ("/tv/Show/e\x00.mkv", "U+0000"),
    ("/tv/Show/e.mkv\n/movies/x.mkv", "U+000A"),
    ("/tv/Show/e.mkv\r", "U+000D"),
    ("/tv/Show/\te.mkv", "U+0009"),
    ("/tv/Show/e\x1b[31m.mkv", "U+001B"),
    ("/tv/Show/e\x7f.mkv", "U+007F"),
    ("/tv/Show/e\x85.mkv", "U+0085"),
    ("/tv/Show/e\x9b.mkv", "U+009B"),
    ("/tv/Show/e\u2028.mkv", "U+2028"),
    ("/tv/Show/e\ud800.mkv", "U+D800"),
    ("/tv", "itself"),
    ("/tv/", "itself"),
    ("/tv/./", "itself"),
    ("/tv/anime", "itself"),
    ("D:\\Media\\TV\\", "itself"),
    ("\\\\NAS\\tv", "itself"),
    ("C:", "itself"),
    ("/music/A/a.flac", "no mirror.paths rule matches"),
    ("/tvshows/A/a.mkv", "no mirror.paths rule matches"),
    ("/", "no mirror.paths rule matches"),
    ("E:\\Media\\TV\\e.mkv", "no mirror.paths rule matches"),
    ("D:\\Media\\TV-4K\\Show\\e.mkv", "no mirror.paths rule matches"),
    ("\\\\nas\\tvshows\\e.mkv", "no mirror.paths rule matches"),
    ("D:\\Media\\TV\\Show\\a:b.mkv", "Windows file name"),
    ("D:\\Media\\TV\\Show\\a?.mkv", "Windows file name"),
    ("D:\\Media\\TV\\Show.\\e.mkv", "dot or space"),
    ("D:\\Media\\TV\\Show\\e.mkv ", "dot or space"),
    ("/tv/Show/" + "é" * 128 + ".mkv", "longer than 255 bytes"),
]


@pytest.mark.parametrize(("arr_path", "reason"), REFUSALS)
def test_refusals(arr_path: str, reason: str) -> None:
    with pytest.raises(PathRefused, match=re.escape(reason)) as refused:
        map_path(arr_path, RULES)
    assert isinstance(refused.value, PermanentError)
    assert refused.value.path == arr_path
    assert "\n" not in str(refused.value)  # the path is shown escaped, never raw


def test_a_backslash_is_part_of_a_posix_name_not_a_separator() -> None:
    mapped = map_path("/tv/Show\\..\\..\\e.mkv", RULES)
    assert mapped.relative == ("Show\\..\\..\\e.mkv",)
    assert mapped.destination == "/mnt/unraid/media/TV Shows/Show\\..\\..\\e.mkv"


def test_a_name_of_255_bytes_is_accepted() -> None:
    name = "é" * 125 + "x.mkv"
    assert len(name.encode()) == 255
    assert map_path(f"/tv/Show/{name}", RULES).relative == ("Show", name)


def test_no_rules_at_all() -> None:
    with pytest.raises(PathRefused, match=r"mirror\.paths is empty"):
        map_path("/tv/Show/e.mkv", [])


def test_directories_and_plex_paths() -> None:
    mapped = map_path("/movies/A (2020)/A.mkv", RULES)
    assert mapped == MappedPath(
        rule=RULES[0],
        relative=("A (2020)", "A.mkv"),
        source="/mnt/synology/rs-movies/A (2020)/A.mkv",
        destination="/mnt/unraid/media/Movies/A (2020)/A.mkv",
        plex="/data/Movies/A (2020)/A.mkv",
    )
    assert mapped.source_dir == "/mnt/synology/rs-movies/A (2020)"
    assert mapped.destination_dir == "/mnt/unraid/media/Movies/A (2020)"
    assert mapped.plex_dir == "/data/Movies/A (2020)"
    assert mapped.name == "A.mkv"
    assert mapped.rule.plex_section == 1


def test_a_file_directly_in_the_root_has_the_root_as_its_folder() -> None:
    mapped = map_path("/movies/A.mkv", RULES)
    assert mapped.source_dir == "/mnt/synology/rs-movies"
    assert mapped.plex_dir == "/data/Movies"
    top = PathRule("/", "/", "/")
    assert map_path("/A.mkv", [top]).source_dir == "/"
    assert map_path("/A.mkv", [top]).destination == "/A.mkv"


def test_without_plex_path_plex_sees_the_destination() -> None:
    mapped = map_path("/tv/Show/S01/e.mkv", RULES)
    assert mapped.plex == mapped.destination == "/mnt/unraid/media/TV Shows/Show/S01/e.mkv"
    assert mapped.plex_dir == mapped.destination_dir == "/mnt/unraid/media/TV Shows/Show/S01"


@pytest.mark.parametrize(
    ("arr_path", "plex", "plex_dir"),
    [
        ("D:\\Media\\TV\\S\\e.mkv", "E:\\Plex\\TV\\S\\e.mkv", "E:\\Plex\\TV\\S"),
        ("\\\\nas\\tv\\S\\e.mkv", "\\\\plexbox\\media\\TV\\S\\e.mkv", "\\\\plexbox\\media\\TV\\S"),
    ],
)
def test_a_windows_plex_path_is_joined_with_backslashes(
    arr_path: str, plex: str, plex_dir: str
) -> None:
    mapped = map_path(arr_path, RULES)
    assert (mapped.plex, mapped.plex_dir) == (plex, plex_dir)


@pytest.mark.parametrize(
    ("plex_path", "root"),
    [("e:/Plex//TV/", "E:\\Plex\\TV"), ("E:", "E:\\"), ("//plexbox/m/", "\\\\plexbox\\m")],
)
def test_plex_roots_are_normalised(plex_path: str, root: str) -> None:
    rule = PathRule("/tv", "/src", "/dst", plex_path=plex_path)
    assert rule.plex_root == root
    assert rule.plex_separator == "\\"
    assert map_path("/tv/e.mkv", [rule]).plex_dir == root


def test_rule_roots_are_normalised() -> None:
    rule = RULES[2]
    assert (rule.source_root, rule.destination_root) == (
        "/mnt/synology/rs-tv",
        "/mnt/unraid/media/TV Shows",
    )
    assert rule.plex_root == rule.destination_root
    assert RULES[4].is_windows
    assert not rule.is_windows


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"arr_path": "tv"}, "arr_path 'tv' is not an absolute path"),
        ({"arr_path": ""}, "arr_path '' is not an absolute path"),
        ({"arr_path": "/tv/../movies"}, "'..'"),
        ({"arr_path": "/tv\n"}, "U+000A"),
        ({"arr_path": "\\\\nas"}, "not an absolute path"),
        ({"source": "mnt/tv"}, "source 'mnt/tv' is not an absolute path"),
        ({"source": "D:\\TV"}, "source 'D:\\\\TV' is not an absolute path"),
        ({"destination": "/mnt/../etc"}, "destination '/mnt/../etc' holds a '..'"),
        ({"destination": "-rf"}, "not an absolute path"),
        ({"destination": "/mnt/\x00"}, "U+0000"),
        ({"plex_path": "data/tv"}, "plex_path 'data/tv' is not an absolute path"),
        ({"plex_path": "E:\\..\\x"}, "'..'"),
    ],
)
def test_bad_rules_are_refused_on_construction(fields: dict[str, str], message: str) -> None:
    values = {"arr_path": "/tv", "source": "/src", "destination": "/dst", **fields}
    with pytest.raises(ValueError, match=re.escape(message)):
        PathRule(**values)  # type: ignore[arg-type]


def test_instances_from_a_config_list_become_a_tuple() -> None:
    rule = PathRule("/tv", "/s", "/d", instances=["sonarr.hd"])  # type: ignore[arg-type]
    assert rule.instances == ("sonarr.hd",)
    assert hash(rule) == hash(PathRule("/tv", "/s", "/d", instances=("sonarr.hd",)))
    assert rule.applies_to("sonarr.hd")
    assert not rule.applies_to("sonarr.4k")
    assert rule.applies_to(None)
    with pytest.raises(ValueError, match="instances must be a list"):
        PathRule("/tv", "/s", "/d", instances="sonarr.hd")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "path",
    ["/", "/a", "/tv/Show/-rf.mkv", "/tv/--delete-after", "/a/b/", "/x:y/z", "/a b/'c'/[d]*?"],
)
def test_safe_for_argv_accepts_normalised_absolute_paths(path: str) -> None:
    assert safe_for_argv(path) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "-rf",
        "--delete",
        "a/b",
        "./-rf",
        "~/x",
        " /a",
        "host:/x",
        "rsync://host/module",
        "C:\\x",
        "/a/../b",
        "/a/./b",
        "/a//b",
        "//",
        "/a//",
        "/..",
        "/a\n",
        "/a\x00b",
        "/a\x9b",
    ],
)
def test_safe_for_argv_refuses_everything_else(path: str) -> None:
    with pytest.raises(PathRefused):
        safe_for_argv(path)


@pytest.mark.parametrize(
    ("resolved", "root", "allow_root"),
    [
        ("/mnt/src/Show/e.mkv", "/mnt/src", False),
        ("/mnt/src/e.mkv", "/mnt/src/", False),
        ("/mnt/src", "/mnt/src", True),
        ("/e.mkv", "/", False),
    ],
)
def test_ensure_inside_accepts(resolved: str, root: str, allow_root: bool) -> None:
    assert ensure_inside(resolved, root, allow_root=allow_root) == resolved


@pytest.mark.parametrize(
    ("resolved", "root"),
    [
        ("/etc/passwd", "/mnt/src"),
        ("/mnt/src-evil/e.mkv", "/mnt/src"),  # a prefix of the text, not of the components
        ("/mnt", "/mnt/src"),
        ("/mnt/src", "/mnt/src"),  # a file cannot be the root folder itself
        ("/mnt/src/../etc/x", "/mnt/src"),  # not resolved
        ("mnt/src/x", "mnt/src"),
    ],
)
def test_ensure_inside_refuses(resolved: str, root: str) -> None:
    with pytest.raises(PathRefused):
        ensure_inside(resolved, root)
