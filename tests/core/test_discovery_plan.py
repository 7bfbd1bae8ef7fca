"""Pure discovery decisions: rule choice, update window, request planning."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from arrkestra.core.discovery import (
    DAY,
    changed_shows,
    judge,
    judge_with,
    plan_refresh,
    stale_ids,
    update_window,
)
from arrkestra.core.filters import FilterRules
from arrkestra.core.shows import Show, ShowStatus, page_of


def show(tvmaze_id: int, updated: int = 1, **fields: object) -> Show:
    return Show(tvmaze_id=tvmaze_id, title=f"S{tvmaze_id}", updated=updated, **fields)  # type: ignore[arg-type]


@given(st.sets(st.integers(min_value=0, max_value=200_000), max_size=400))
def test_a_refresh_never_costs_more_than_the_changes_or_the_pages(changed: set[int]) -> None:
    plan = plan_refresh(changed)
    pages = {page_of(i) for i in changed}
    assert plan.requests <= min(len(changed), len(pages))
    covered = set(plan.shows) | {i for i in changed if page_of(i) in plan.pages}
    assert covered == changed  # every changed show is fetched one way or the other


def test_pages_with_two_changes_are_fetched_whole_lone_changes_alone() -> None:
    plan = plan_refresh([1, 2, 3, 260, 900, 901])
    assert plan.pages == (0, 3) and plan.shows == (260,)


def test_the_window_is_the_smallest_that_covers_the_gap_with_a_margin() -> None:
    assert update_window(6 * 3600) == "day"
    assert update_window(DAY - 60) == "week"  # less than an hour to spare
    assert update_window(6 * DAY) == "week"
    assert update_window(20 * DAY) == "month"
    assert update_window(31 * DAY) is None  # resync


def test_changed_means_newer_or_unknown() -> None:
    assert changed_shows({1: 10, 2: 20, 3: 30}, {1: 10, 2: 15}) == {2: 20, 3: 30}


def test_a_stale_or_missing_page_copy_is_fetched_alone() -> None:
    page = [show(1, updated=100), show(2, updated=50)]
    assert stale_ids(page, {1: 100, 2: 60, 3: 70}) == [2, 3]


def test_the_first_accepting_rule_wins_and_rejections_name_every_rule() -> None:
    english = FilterRules(languages_include=("English",))
    german = FilterRules(languages_include=("German",))
    assert judge(show(1, language="German"), [english, german]).rule == 1
    verdict = judge(show(2, language="French"), [english, german])
    assert verdict.status is ShowStatus.FILTERED and verdict.code == "language"
    assert verdict.reason is not None
    assert verdict.reason.startswith("rule 1: ") and "rule 2: " in verdict.reason
    single = judge(show(3, language="French"), [english])
    assert single.reason is not None and not single.reason.startswith("rule")


SHOWS = st.builds(
    Show,
    tvmaze_id=st.integers(min_value=1, max_value=10**6),
    title=st.text(max_size=10),
    updated=st.integers(min_value=0),
    language=st.sampled_from([None, "English", "German", "french"]),
    country=st.sampled_from([None, "US", "GB", "DE"]),
    type=st.sampled_from([None, "Scripted", "Reality"]),
    genres=st.lists(st.sampled_from(["Drama", "Reality", "Anime"]), max_size=3).map(tuple),
    runtime=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
)
RULE_SETS = st.lists(
    st.builds(
        FilterRules,
        languages_include=st.sampled_from([(), ("English",), ("German", "French")]),
        countries_exclude=st.sampled_from([(), ("DE",)]),
        genres_exclude=st.sampled_from([(), ("Reality",)]),
        min_runtime=st.sampled_from([None, 20]),
    ),
    max_size=3,
)


@given(st.lists(SHOWS, max_size=30), RULE_SETS)
def test_judge_with_gives_the_same_verdicts_as_judge(
    shows: list[Show], rules: list[FilterRules]
) -> None:
    judge_show = judge_with(rules)
    for item in shows:
        assert judge_show(item) == judge(item, rules)
