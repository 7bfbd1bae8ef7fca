"""The path-mapping preview names the rule that matched, or says why none did."""

from __future__ import annotations

from arrkestra.core.path_preview import preview
from arrkestra.core.paths import PathRule

RULES = (
    PathRule("/tv", "/src/tv", "/dst/tv", plex_path="/data/tv"),
    PathRule("/tv/kids", "/src/kids", "/dst/kids", instances=("sonarr.kids",)),
)


def test_the_longest_rule_serving_the_instance_wins_and_is_named_by_index() -> None:
    kids = preview("/tv/kids/Show/x.mkv", RULES, "sonarr.kids")
    assert (kids.outcome, kids.index) == ("mapped", 1)
    assert kids.mapped is not None and kids.mapped.source == "/src/kids/Show/x.mkv"
    other = preview("/tv/kids/Show/x.mkv", RULES, "sonarr.hd")
    assert (other.outcome, other.index) == ("mapped", 0)
    assert other.mapped is not None and other.mapped.plex == "/data/tv/kids/Show/x.mkv"


def test_unmapped_and_refused_paths_are_told_apart() -> None:
    assert preview("/movies/x.mkv", RULES).outcome == "unmapped"
    assert preview("/movies/x.mkv", ()).outcome == "unmapped"
    for refused in ("/tv/../etc/passwd", "relative/x.mkv", "/tv", "/tv/a\nb.mkv", ""):
        found = preview(refused, RULES)
        assert found.outcome == "refused", refused
        assert found.reason and found.mapped is None
