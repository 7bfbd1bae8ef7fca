"""Discovery's filter rules: does a TVMaze show go to Sonarr, and if not, why.

A discovery cycle evaluates the whole TVMaze catalogue (~90,000 shows), so ``FilterRules``
compiles itself once, on construction, into only the checks it needs, each holding its
names as a casefolded ``frozenset``; ``evaluate`` then just runs those checks. Most shows are
rejected, so each check also builds a ``Rejected`` once per distinct value (a country, a date)
and hands out that same immutable value again.

The rules' meaning (docs/configuration.md says the same to users):

- Names (genres, types, countries, languages, networks, web channels, statuses) match
  case-insensitively. An empty list sets no filter.
- Missing data: an ``include`` list rejects a show whose value is unknown, since nothing shows
  it is in the list ("country unknown"); an ``exclude`` list accepts it, since nothing shows it
  is excluded. ``min_runtime``, ``min_rating`` and ``premiered_after``/``premiered_before``
  reject an unknown runtime, rating or premiere date, but only when they are set. An empty
  string counts as unknown.
- Genres: ``exclude`` rejects a show with any excluded genre, ``include`` needs one of them.
- A show has ended when its status is Ended, or its status is unknown but it has an end date.
- ``premiered_after`` keeps shows that premiered on or after the date, ``premiered_before``
  those that premiered strictly before it.
- Checks run in the order of ``REJECTION_CODES`` (an attribute's ``exclude`` before its
  ``include``) and the first failure is the answer, so a show always gets the same reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Literal, TypeVar, get_args

from arrkestra.core.shows import Show

RejectionCode = Literal[
    "genre",
    "type",
    "country",
    "language",
    "network",
    "web_channel",
    "status",
    "ended",
    "premiered",
    "runtime",
    "rating",
]
REJECTION_CODES: tuple[RejectionCode, ...] = get_args(RejectionCode)
"""Every ``Rejected.code``, in the order the checks run: the label values of a metric."""

FINGERPRINT_VERSION = 1
"""Part of every fingerprint: bump it when a rule's meaning changes, so shows are re-filtered."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """The show passes every rule."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """The first rule the show fails: ``code`` for metrics, ``reason`` for people."""

    code: RejectionCode
    reason: str


ACCEPTED = Accepted()

Check = Callable[[Show], Rejected | None]
Text = Callable[[Show], str | None]
V = TypeVar("V")
_CACHED_REASONS = 4096


@dataclass(frozen=True, slots=True)
class FilterRules:
    """One set of filters, as written in the config (names keep their spelling for reasons).

    The defaults filter nothing; the product's defaults live in the config.
    """

    genres_include: tuple[str, ...] = ()
    genres_exclude: tuple[str, ...] = ()
    types_include: tuple[str, ...] = ()
    types_exclude: tuple[str, ...] = ()
    countries_include: tuple[str, ...] = ()
    countries_exclude: tuple[str, ...] = ()
    languages_include: tuple[str, ...] = ()
    languages_exclude: tuple[str, ...] = ()
    networks_include: tuple[str, ...] = ()
    networks_exclude: tuple[str, ...] = ()
    web_channels_include: tuple[str, ...] = ()
    web_channels_exclude: tuple[str, ...] = ()
    status_include: tuple[str, ...] = ()
    exclude_ended: bool = False
    premiered_after: date | None = None
    premiered_before: date | None = None
    min_runtime: int | None = None
    min_rating: float | None = None
    _checks: tuple[Check, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_checks", tuple(_compile(self)))


def evaluate(show: Show, rules: FilterRules) -> Accepted | Rejected:
    """``ACCEPTED``, or the first rule ``show`` fails (checks run in ``REJECTION_CODES`` order)."""
    for check in rules._checks:
        rejected = check(show)
        if rejected is not None:
            return rejected
    return ACCEPTED


def rules_fingerprint(rules: Sequence[FilterRules]) -> str:
    """A stable hash of ``rules``, stored between runs to notice that the filters changed.

    Changes that cannot change an outcome (the order, case or repetition of names within a
    list) keep the fingerprint; the order of the rules counts, since the first match wins.
    """
    canonical = {"version": FINGERPRINT_VERSION, "rules": [_canonical(rule) for rule in rules]}
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _canonical(rules: FilterRules) -> dict[str, object]:
    out: dict[str, object] = {}
    for spec in fields(rules):
        if not spec.init:
            continue
        value = getattr(rules, spec.name)
        if isinstance(value, tuple):
            value = sorted(_keys(value))
        elif isinstance(value, date):
            value = value.isoformat()
        elif spec.name == "min_rating" and value is not None:
            value = float(value)
        out[spec.name] = value
    return out


def _keys(names: Iterable[str]) -> frozenset[str]:
    """Names as they are matched: casefolded, blanks dropped (a blank name matches nothing)."""
    return frozenset(key for key in (name.strip().casefold() for name in names) if key)


def _listed(names: tuple[str, ...]) -> str:
    return ", ".join(name.strip() for name in names if name.strip())


def _compile(rules: FilterRules) -> Iterator[Check]:
    """The checks ``rules`` needs, in ``REJECTION_CODES`` order; unset rules add none."""
    yield from _genre_checks(rules.genres_include, rules.genres_exclude)
    named: tuple[tuple[RejectionCode, Text, tuple[str, ...], tuple[str, ...]], ...] = (
        ("type", attrgetter("type"), rules.types_include, rules.types_exclude),
        ("country", attrgetter("country"), rules.countries_include, rules.countries_exclude),
        ("language", attrgetter("language"), rules.languages_include, rules.languages_exclude),
        ("network", attrgetter("network"), rules.networks_include, rules.networks_exclude),
        (
            "web_channel",
            attrgetter("web_channel"),
            rules.web_channels_include,
            rules.web_channels_exclude,
        ),
        ("status", attrgetter("status"), rules.status_include, ()),
    )
    for code, value_of, include, exclude in named:
        yield from _name_checks(code, value_of, include, exclude)
    if rules.exclude_ended:
        yield _ended_check()
    yield from _premiered_checks(rules.premiered_after, rules.premiered_before)
    if rules.min_runtime is not None:
        yield _min_runtime(rules.min_runtime)
    if rules.min_rating is not None:
        yield _min_rating(rules.min_rating)


def _reasons(make: Callable[[V], Rejected]) -> Callable[[V], Rejected]:
    """``make``, remembering its answer for each distinct value.

    Most of the catalogue is rejected, and building a frozen dataclass costs more than the
    check itself; the values (a country, a runtime, a date) repeat across thousands of shows.
    """
    return lru_cache(maxsize=_CACHED_REASONS)(make)


def _name_checks(
    code: RejectionCode, value_of: Text, include: tuple[str, ...], exclude: tuple[str, ...]
) -> Iterator[Check]:
    """The check of a one-valued attribute (a show has one country, one network...)."""
    label, excluded, included = code.replace("_", " "), _keys(exclude), _keys(include)
    if not (excluded or included):
        return
    unknown, listed = Rejected(code, f"{label} unknown") if included else None, _listed(include)

    @_reasons
    def is_excluded(value: str) -> Rejected:
        return Rejected(code, f"{label} {value} is excluded")

    @_reasons
    def not_listed(value: str) -> Rejected:
        return Rejected(code, f"{label} {value} not in {listed}")

    def passes(show: Show) -> Rejected | None:
        value = value_of(show)
        if not value:
            return unknown
        key = value.casefold()
        if key in excluded:
            return is_excluded(value)
        return not_listed(value) if included and key not in included else None

    yield passes


def _genre_checks(include: tuple[str, ...], exclude: tuple[str, ...]) -> Iterator[Check]:
    """A show has several genres: one excluded genre rejects it, one included genre admits it."""
    excluded, included = _keys(exclude), _keys(include)
    if not (excluded or included):
        return
    listed = _listed(include)

    @_reasons
    def is_excluded(genre: str) -> Rejected:
        return Rejected("genre", f"genre {genre} is excluded")

    @_reasons
    def none_listed(genres: tuple[str, ...]) -> Rejected:
        known = ", ".join(genre for genre in genres if genre)
        return Rejected("genre", f"genres {known} not in {listed}" if known else "genre unknown")

    def passes(show: Show) -> Rejected | None:
        found = not included
        for genre in show.genres:
            key = genre.casefold()
            if key in excluded:
                return is_excluded(genre)
            found = found or key in included
        return None if found else none_listed(show.genres)

    yield passes


def _ended_check() -> Check:
    @_reasons
    def has_ended(ended: date | None) -> Rejected:
        return Rejected("ended", "ended" if ended is None else f"ended {ended}")

    def not_ended(show: Show) -> Rejected | None:
        status = show.status
        if status and status.casefold() == "ended":
            return has_ended(show.ended)
        return has_ended(show.ended) if not status and show.ended is not None else None

    return not_ended


def _premiered_checks(after: date | None, before: date | None) -> Iterator[Check]:
    if after is None and before is None:
        return
    unknown = Rejected("premiered", "premiere date unknown")

    @_reasons
    def too_early(premiered: date) -> Rejected:
        return Rejected("premiered", f"premiered {premiered}, before {after}")

    @_reasons
    def too_late(premiered: date) -> Rejected:
        return Rejected("premiered", f"premiered {premiered}, not before {before}")

    def passes(show: Show) -> Rejected | None:
        premiered = show.premiered
        if premiered is None:
            return unknown
        if after is not None and premiered < after:
            return too_early(premiered)
        return too_late(premiered) if before is not None and premiered >= before else None

    yield passes


def _min_runtime(minimum: int) -> Check:
    unknown = Rejected("runtime", "runtime unknown")

    @_reasons
    def too_short(runtime: int) -> Rejected:
        return Rejected("runtime", f"runtime {runtime} min < {minimum}")

    def long_enough(show: Show) -> Rejected | None:
        runtime = show.runtime
        if runtime is None:
            return unknown
        return too_short(runtime) if runtime < minimum else None

    return long_enough


def _min_rating(minimum: float) -> Check:
    unknown = Rejected("rating", "rating unknown")

    @_reasons
    def too_low(rating: float) -> Rejected:
        return Rejected("rating", f"rating {rating:g} < {minimum:g}")

    def rated_enough(show: Show) -> Rejected | None:
        rating = show.rating
        if rating is None or rating != rating:  # NaN is no rating either
            return unknown
        return too_low(rating) if rating < minimum else None

    return rated_enough
