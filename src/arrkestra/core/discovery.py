"""Pure decisions of the discovery pipeline: which rule takes a show, which window and
which requests an incremental sync needs.

Request planning. TVMaze's ``/updates/shows`` says which shows changed; refreshing K of
them one by one costs K requests, while a show-index page (250 ids) costs one request
for every changed show on it. So a page holding two or more changed shows is fetched
whole, a lone changed show alone: never more than min(K, pages touched) requests. The
index is cached at TVMaze's edge for up to a day, so a page may hold an older copy of a
show than the updates list announces: :func:`stale_ids` finds those, to fetch one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from arrkestra.core.filters import Accepted, FilterRules, Rejected, evaluate
from arrkestra.core.shows import Show, ShowStatus, page_of

DAY = 86400.0
UpdateWindow = Literal["day", "week", "month"]
WINDOWS: tuple[tuple[UpdateWindow, float], ...] = (
    ("day", DAY),
    ("week", 7 * DAY),
    ("month", 30 * DAY),
)
WINDOW_MARGIN = 3600.0  # a window must cover the gap with an hour to spare (clock skew, cache)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the filters made of a show: ``pending`` (to add, by ``rule``), ``review`` (to
    add once a person approves it: review mode) or ``filtered``."""

    status: ShowStatus
    code: str | None = None  # the metric label of the rejection
    reason: str | None = None
    rule: int | None = None  # index of the accepting rule


def judge(show: Show, rules: Sequence[FilterRules], *, review: bool = False) -> Verdict:
    """The first rule that accepts the show wins; with none, the first rule's rejection.

    With several rules the reason names each rule's rejection, so ``/shows`` explains why
    no rule took the show. ``review``: an accepted show waits for a person (``review``)
    instead of being added (``pending``).
    """
    rejections = []
    for index, rules_of_one in enumerate(rules):
        outcome = evaluate(show, rules_of_one)
        if isinstance(outcome, Accepted):
            return Verdict(ShowStatus.REVIEW if review else ShowStatus.PENDING, rule=index)
        rejections.append(outcome)
    if not rejections:
        return Verdict(ShowStatus.FILTERED, "rule", "no discovery rule is configured")
    first = rejections[0]
    if len(rejections) == 1:
        return Verdict(ShowStatus.FILTERED, first.code, first.reason)
    reason = "; ".join(f"rule {n + 1}: {r.reason}" for n, r in enumerate(rejections))
    return Verdict(ShowStatus.FILTERED, first.code, reason)


VERDICTS_KEPT = 8192  # distinct rejections remembered by a ``judge_with`` judge


def judge_with(rules: Sequence[FilterRules], *, review: bool = False) -> Callable[[Show], Verdict]:
    """``judge`` bound to ``rules``, for judging a whole catalogue (a full sync or a
    refilter judges ~90,000 shows): the same verdicts, cheaper. With one rule set (the
    usual config) the first rejection is the verdict, and each distinct rejection (the
    filters hand out the same ``Rejected`` for the same value) becomes a ``Verdict`` once.
    """
    bound = tuple(rules)
    if len(bound) != 1:
        return lambda show: judge(show, bound, review=review)
    only = bound[0]
    accepted = Verdict(ShowStatus.REVIEW if review else ShowStatus.PENDING, rule=0)
    verdicts: dict[Rejected, Verdict] = {}

    def judge_one(show: Show) -> Verdict:
        outcome = evaluate(show, only)
        if isinstance(outcome, Accepted):
            return accepted
        verdict = verdicts.get(outcome)
        if verdict is None:
            if len(verdicts) >= VERDICTS_KEPT:
                verdicts.clear()
            verdict = Verdict(ShowStatus.FILTERED, outcome.code, outcome.reason)
            verdicts[outcome] = verdict
        return verdict

    return judge_one


def update_window(
    seconds_since_last_sync: float, at_least: UpdateWindow | None = None
) -> UpdateWindow | None:
    """The smallest updates window covering the gap (and no smaller than ``at_least``, the
    configured ``discovery.tvmaze.update_window``); ``None``: too long, resync fully."""
    floor = dict(WINDOWS)[at_least] if at_least is not None else 0.0
    for name, length in WINDOWS:
        if seconds_since_last_sync + WINDOW_MARGIN <= length and length >= floor:
            return name
    return None


def changed_shows(updates: Mapping[int, int], known: Mapping[int, int]) -> dict[int, int]:
    """Shows the updates list announces newer than (or unknown to) the cache."""
    return {
        show_id: updated for show_id, updated in updates.items() if known.get(show_id, -1) < updated
    }


@dataclass(frozen=True)
class RefreshPlan:
    pages: tuple[int, ...]  # show-index pages to fetch whole
    shows: tuple[int, ...]  # shows to fetch one by one

    @property
    def requests(self) -> int:
        return len(self.pages) + len(self.shows)


def plan_refresh(changed: Iterable[int]) -> RefreshPlan:
    """Pages holding two or more changed shows, and the lone changed shows."""
    by_page: dict[int, list[int]] = {}
    for show_id in changed:
        by_page.setdefault(page_of(show_id), []).append(show_id)
    pages = tuple(sorted(page for page, ids in by_page.items() if len(ids) >= 2))
    singles = tuple(sorted(ids[0] for ids in by_page.values() if len(ids) == 1))
    return RefreshPlan(pages, singles)


def stale_ids(page_shows: Iterable[Show], wanted: Mapping[int, int]) -> list[int]:
    """Changed shows a (cached) page did not bring up to date, or did not bring at all.

    ``wanted`` maps the changed ids expected on these pages to their announced ``updated``.
    """
    seen = {show.tvmaze_id: show.updated for show in page_shows}
    return sorted(show_id for show_id, updated in wanted.items() if seen.get(show_id, -1) < updated)
