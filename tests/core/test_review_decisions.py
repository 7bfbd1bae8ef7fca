"""Review mode's pure decisions, and how a show's reason reads on the page."""

from __future__ import annotations

import pytest

from arrkestra.core.discovery import Verdict, judge, judge_with
from arrkestra.core.filters import FilterRules
from arrkestra.core.show_review import adding_statuses, fingerprint, settled
from arrkestra.core.show_words import STATUS_WORDS, reason_of
from arrkestra.core.shows import Show, ShowStatus

S = ShowStatus
REVIEW, PENDING = Verdict(S.REVIEW, rule=0), Verdict(S.PENDING, rule=0)
FILTERED = Verdict(S.FILTERED, "genre", "genre Reality is excluded")


def test_review_mode_turns_an_acceptance_into_a_wait_for_review() -> None:
    show = Show(tvmaze_id=1, title="A", updated=1, language="English")
    rules = [FilterRules(languages_include=("English",))]
    assert judge(show, rules, review=True) == Verdict(S.REVIEW, rule=0)
    assert judge_with(rules, review=True)(show) == Verdict(S.REVIEW, rule=0)
    assert judge_with(rules)(show) == Verdict(S.PENDING, rule=0)
    assert judge_with(rules * 2, review=True)(show) == Verdict(S.REVIEW, rule=0)
    other = Show(tvmaze_id=2, title="B", updated=1, language="French")
    assert judge_with(rules, review=True)(other).status is S.FILTERED


@pytest.mark.parametrize(
    ("verdict", "old", "approved", "expected"),
    [
        (REVIEW, S.PENDING, False, S.REVIEW),  # review turned on
        (REVIEW, S.PENDING_TVDB, False, S.REVIEW),
        (REVIEW, S.REVIEW, False, S.REVIEW),
        (REVIEW, S.FILTERED, False, S.REVIEW),
        (REVIEW, S.APPROVED, True, S.APPROVED),
        (REVIEW, S.PENDING_TVDB, True, S.PENDING_TVDB),  # its retry clock is kept
        (REVIEW, S.FILTERED, True, S.APPROVED),
        (PENDING, S.REVIEW, False, S.PENDING),  # review turned off
        (PENDING, S.PENDING_TVDB, False, S.PENDING_TVDB),
        (PENDING, S.APPROVED, True, S.APPROVED),
        (PENDING, S.FILTERED, False, S.PENDING),
        (FILTERED, S.APPROVED, True, S.FILTERED),
        (FILTERED, S.REVIEW, False, S.FILTERED),
    ],
)
def test_settled(verdict: Verdict, old: ShowStatus, approved: bool, expected: ShowStatus) -> None:
    assert settled(verdict, old, approved=approved) is expected


def test_the_mode_is_part_of_the_fingerprint_and_of_what_is_added() -> None:
    assert fingerprint("abc", False) == "abc"  # as before review mode existed
    assert fingerprint("abc", True) != "abc"
    assert S.PENDING not in adding_statuses(True) and S.APPROVED in adding_statuses(True)
    assert S.PENDING in adding_statuses(False) and S.REVIEW not in adding_statuses(False)


def test_every_status_has_words() -> None:
    assert set(STATUS_WORDS) == set(ShowStatus)
    assert next(iter(STATUS_WORDS)) is S.REVIEW  # what needs a person comes first


def test_a_reason_says_why_in_one_line() -> None:
    def said(status: ShowStatus, **kw: object) -> str:
        args: dict[str, object] = {"filter_reason": None, "rule": 0, "error": None, **kw}
        return reason_of(status, **args)  # type: ignore[arg-type]

    assert said(S.FILTERED, filter_reason="genre Reality is excluded", rule=None) == (
        "genre Reality is excluded"
    )
    assert said(S.REVIEW) == "passes the filters"
    assert said(S.REVIEW, rule=1, targets=["sonarr.hd", "sonarr.4k"]) == (
        "passes rule 2 (sonarr.4k)"
    )
    assert said(S.PENDING_TVDB, error="TVMaze has no TVDB id yet") == (
        "passes the filters; TVMaze has no TVDB id yet"
    )
    assert said(S.SKIPPED, filter_reason="skipped by hand: meh", rule=None) == (
        "skipped by hand: meh"
    )
    assert said(S.SKIPPED, error="on Sonarr's import list exclusions") == (
        "on Sonarr's import list exclusions"
    )
