"""The filter engine: each rule accepts and rejects with a readable reason, unknown data is
handled as documented, the first failure is reported in a fixed order, and the fingerprint
changes exactly when an outcome could."""

from __future__ import annotations

import math
import time
from dataclasses import fields, replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrkestra.core.filters import (
    ACCEPTED,
    REJECTION_CODES,
    Accepted,
    FilterRules,
    Rejected,
    evaluate,
    rules_fingerprint,
)
from arrkestra.core.shows import Show

PASSING = Show(
    tvmaze_id=44933, title="Severance", updated=1_700_000_000, language="English", country="US",
    type="Scripted", status="Running", premiered=date(2022, 2, 18), network=None,
    web_channel="Apple TV+", genres=("Drama", "Science-Fiction", "Thriller"), runtime=55,
    rating=8.4,
)  # fmt: skip
"""Passes every rule of every case below unless the case changes the field under test."""


def check(rules: dict[str, Any], show: dict[str, Any]) -> Accepted | Rejected:
    return evaluate(replace(PASSING, **show), FilterRules(**rules))


CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, str] | None]] = [
    # genres
    ("genre excluded", {"genres_exclude": ("Reality",)}, {"genres": ("Drama", "Reality")},
     ("genre", "genre Reality is excluded")),
    ("genre not excluded", {"genres_exclude": ("Reality",)}, {}, None),
    ("no genre included", {"genres_include": ("Anime", "Western")},
     {"genres": ("Drama", "Comedy")}, ("genre", "genres Drama, Comedy not in Anime, Western")),
    ("one genre included", {"genres_include": ("Anime", "Comedy")},
     {"genres": ("Drama", "Comedy")}, None),
    ("exclude wins over include", {"genres_include": ("Drama",), "genres_exclude": ("Reality",)},
     {"genres": ("Drama", "Reality")}, ("genre", "genre Reality is excluded")),
    # types
    ("type not included", {"types_include": ("Scripted", "Animation")}, {"type": "Reality"},
     ("type", "type Reality not in Scripted, Animation")),
    ("type included", {"types_include": ("Scripted", "Animation")}, {"type": "Animation"}, None),
    ("type excluded", {"types_exclude": ("Reality",)}, {"type": "Reality"},
     ("type", "type Reality is excluded")),
    ("type not excluded", {"types_exclude": ("Reality",)}, {"type": "Scripted"}, None),
    # countries
    ("country not included", {"countries_include": ("US", "GB")}, {"country": "FR"},
     ("country", "country FR not in US, GB")),
    ("country included", {"countries_include": ("US", "GB")}, {"country": "GB"}, None),
    ("country excluded", {"countries_exclude": ("FR",)}, {"country": "FR"},
     ("country", "country FR is excluded")),
    ("excluded country wins", {"countries_include": ("FR",), "countries_exclude": ("FR",)},
     {"country": "FR"}, ("country", "country FR is excluded")),
    ("exclude is checked first", {"countries_include": ("US",), "countries_exclude": ("FR",)},
     {"country": "FR"}, ("country", "country FR is excluded")),
    # languages
    ("language not included", {"languages_include": ("English",)}, {"language": "Japanese"},
     ("language", "language Japanese not in English")),
    ("language excluded", {"languages_exclude": ("Japanese",)}, {"language": "Japanese"},
     ("language", "language Japanese is excluded")),
    ("language not excluded", {"languages_exclude": ("Japanese",)}, {}, None),
    # networks
    ("network not included", {"networks_include": ("HBO", "BBC One")}, {"network": "Fox"},
     ("network", "network Fox not in HBO, BBC One")),
    ("network included", {"networks_include": ("HBO", "BBC One")}, {"network": "BBC One"}, None),
    ("network excluded", {"networks_exclude": ("Fox",)}, {"network": "Fox"},
     ("network", "network Fox is excluded")),
    # web channels
    ("web channel not included", {"web_channels_include": ("Netflix",)}, {},
     ("web_channel", "web channel Apple TV+ not in Netflix")),
    ("web channel included", {"web_channels_include": ("Netflix", "Apple TV+")}, {}, None),
    ("web channel excluded", {"web_channels_exclude": ("Apple TV+",)}, {},
     ("web_channel", "web channel Apple TV+ is excluded")),
    # status
    ("status not included", {"status_include": ("Running", "To Be Determined")},
     {"status": "Ended"}, ("status", "status Ended not in Running, To Be Determined")),
    ("status included", {"status_include": ("Running", "To Be Determined")},
     {"status": "To Be Determined"}, None),
    ("ended", {"exclude_ended": True}, {"status": "Ended", "ended": date(2019, 5, 19)},
     ("ended", "ended 2019-05-19")),
    ("ended without a date", {"exclude_ended": True}, {"status": "Ended"}, ("ended", "ended")),
    ("end date, status unknown", {"exclude_ended": True},
     {"status": None, "ended": date(2019, 5, 19)}, ("ended", "ended 2019-05-19")),
    ("running", {"exclude_ended": True}, {"status": "Running"}, None),
    ("ended is allowed", {"exclude_ended": False}, {"status": "Ended"}, None),
    # premiered
    ("premiered too early", {"premiered_after": date(2010, 1, 1)},
     {"premiered": date(2008, 3, 4)}, ("premiered", "premiered 2008-03-04, before 2010-01-01")),
    ("premiered on the after date", {"premiered_after": date(2010, 1, 1)},
     {"premiered": date(2010, 1, 1)}, None),
    ("premiered too late", {"premiered_before": date(2020, 1, 1)},
     {"premiered": date(2020, 1, 1)}, ("premiered", "premiered 2020-01-01, not before 2020-01-01")),
    ("premiered before", {"premiered_before": date(2020, 1, 1)},
     {"premiered": date(2019, 12, 31)}, None),
    ("premiered in the window",
     {"premiered_after": date(2010, 1, 1), "premiered_before": date(2020, 1, 1)},
     {"premiered": date(2015, 6, 1)}, None),
    # runtime
    ("runtime too short", {"min_runtime": 20}, {"runtime": 15}, ("runtime", "runtime 15 min < 20")),
    ("runtime at the minimum", {"min_runtime": 20}, {"runtime": 20}, None),
    # rating
    ("rating too low", {"min_rating": 6.5}, {"rating": 5.9}, ("rating", "rating 5.9 < 6.5")),
    ("rating at the minimum", {"min_rating": 6.5}, {"rating": 6.5}, None),
    ("whole-number rating", {"min_rating": 7.0}, {"rating": 6.0}, ("rating", "rating 6 < 7")),
]  # fmt: skip


MISSING: list[tuple[str, dict[str, Any], dict[str, Any], tuple[str, str] | None]] = [
    # an include list or a minimum rejects what is unknown, an exclude list accepts it
    ("null country, include", {"countries_include": ("US",)}, {"country": None},
     ("country", "country unknown")),
    ("empty country, include", {"countries_include": ("US",)}, {"country": ""},
     ("country", "country unknown")),
    ("null country, exclude", {"countries_exclude": ("FR",)}, {"country": None}, None),
    ("null network, include", {"networks_include": ("HBO",)}, {"network": None},
     ("network", "network unknown")),
    ("null network, exclude", {"networks_exclude": ("Fox",)}, {"network": None}, None),
    ("null web channel, include", {"web_channels_include": ("Netflix",)}, {"web_channel": None},
     ("web_channel", "web channel unknown")),
    ("null type, include", {"types_include": ("Scripted",)}, {"type": None},
     ("type", "type unknown")),
    ("null language, exclude", {"languages_exclude": ("French",)}, {"language": None}, None),
    ("no genres, include", {"genres_include": ("Drama",)}, {"genres": ()},
     ("genre", "genre unknown")),
    ("blank genre, include", {"genres_include": ("Drama",)}, {"genres": ("",)},
     ("genre", "genre unknown")),
    ("no genres, exclude", {"genres_exclude": ("Reality",)}, {"genres": ()}, None),
    ("null status, include", {"status_include": ("Running",)}, {"status": None},
     ("status", "status unknown")),
    ("null status, no end date", {"exclude_ended": True}, {"status": None, "ended": None}, None),
    ("null premiered, after", {"premiered_after": date(2010, 1, 1)}, {"premiered": None},
     ("premiered", "premiere date unknown")),
    ("null premiered, before", {"premiered_before": date(2020, 1, 1)}, {"premiered": None},
     ("premiered", "premiere date unknown")),
    ("null premiered, no bound", {}, {"premiered": None}, None),
    ("null runtime, minimum", {"min_runtime": 20}, {"runtime": None},
     ("runtime", "runtime unknown")),
    ("null runtime, minimum 0", {"min_runtime": 0}, {"runtime": None},
     ("runtime", "runtime unknown")),
    ("null runtime, no minimum", {"min_runtime": None}, {"runtime": None}, None),
    ("null rating, minimum", {"min_rating": 6.0}, {"rating": None}, ("rating", "rating unknown")),
    ("NaN rating, minimum", {"min_rating": 6.0}, {"rating": math.nan},
     ("rating", "rating unknown")),
    ("null rating, no minimum", {}, {"rating": None}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "show", "expected"),
    [case[1:] for case in CASES + MISSING],
    ids=[case[0] for case in CASES + MISSING],
)
def test_each_rule_accepts_or_rejects_with_its_reason(
    rules: dict[str, Any], show: dict[str, Any], expected: tuple[str, str] | None
) -> None:
    result = check(rules, show)
    assert result == (ACCEPTED if expected is None else Rejected(*expected))


def test_no_rules_accept_a_show_with_nothing_known() -> None:
    bare = Show(tvmaze_id=1, title="?", updated=0)
    assert evaluate(bare, FilterRules()) is ACCEPTED


@pytest.mark.parametrize(
    ("rules", "show", "expected"),
    [
        ({"countries_include": ("us", "gb")}, {"country": "US"}, None),
        ({"countries_include": ("US",)}, {"country": "us"}, None),
        ({"genres_exclude": ("REALITY",)}, {"genres": ("reality",)}, "genre reality is excluded"),
        ({"types_exclude": ("talk show",)}, {"type": "Talk Show"}, "type Talk Show is excluded"),
        ({"networks_include": ("straße tv",)}, {"network": "STRASSE TV"}, None),  # casefold
        ({"status_include": ("running",)}, {"status": "RUNNING"}, None),
        ({"exclude_ended": True}, {"status": "ENDED"}, "ended"),
        ({"web_channels_exclude": (" netflix ",)}, {"web_channel": "Netflix"}, "web channel "
         "Netflix is excluded"),
    ],
)  # fmt: skip
def test_names_match_case_insensitively(
    rules: dict[str, Any], show: dict[str, Any], expected: str | None
) -> None:
    result = check(rules, show)
    assert (result.reason if isinstance(result, Rejected) else None) == expected


def test_a_blank_name_matches_nothing() -> None:
    assert check({"countries_exclude": ("", " ")}, {"country": ""}) is ACCEPTED
    assert check({"countries_include": ("",)}, {}) is ACCEPTED  # no real name: no filter


ONE_RULE_PER_CODE: dict[str, dict[str, Any]] = {
    "genre": {"genres_exclude": ("Reality",)},
    "type": {"types_include": ("Scripted",)},
    "country": {"countries_include": ("US",)},
    "language": {"languages_include": ("English",)},
    "network": {"networks_include": ("HBO",)},
    "web_channel": {"web_channels_include": ("Netflix",)},
    "status": {"status_include": ("Running",)},
    "ended": {"exclude_ended": True},
    "premiered": {"premiered_after": date(2010, 1, 1)},
    "runtime": {"min_runtime": 20},
    "rating": {"min_rating": 7.0},
}
FAILS_EVERYTHING = Show(
    tvmaze_id=2, title="Le Juste Prix", updated=0, language="French", country="FR",
    type="Game Show", status="Ended", premiered=date(1987, 7, 3), ended=date(2001, 6, 30),
    network="TF1", web_channel="Salto", genres=("Reality",), runtime=10, rating=3.1,
)  # fmt: skip


def test_codes_are_the_documented_metric_labels_and_cover_every_rule() -> None:
    assert tuple(ONE_RULE_PER_CODE) == REJECTION_CODES == tuple(FIELDS_OF_CODE)
    names = [spec.name for spec in fields(FilterRules) if spec.init]
    covered = [n for n in names for prefix in FIELDS_OF_CODE.values() if n.startswith(prefix)]
    assert sorted(covered) == sorted(names)  # each rule belongs to exactly one code


@pytest.mark.parametrize("first", range(len(REJECTION_CODES)))
def test_the_first_failing_rule_in_code_order_is_reported(first: int) -> None:
    """With the rules of codes[first:] set, a show failing all of them reports codes[first]."""
    remaining = REJECTION_CODES[first:]
    rules: dict[str, Any] = {}
    for code in reversed(remaining):  # the order rules are given in must not matter
        rules.update(ONE_RULE_PER_CODE[code])
    result = evaluate(FAILS_EVERYTHING, FilterRules(**rules))
    assert isinstance(result, Rejected)
    assert result.code == REJECTION_CODES[first]
    assert result == evaluate(FAILS_EVERYTHING, FilterRules(**rules))  # and again


def test_reasons_are_per_value_even_when_remembered() -> None:
    rules = FilterRules(countries_include=("US",), min_runtime=30)
    reasons = [
        evaluate(replace(PASSING, country=country, runtime=runtime), rules)
        for country, runtime in [("FR", 60), ("DE", 60), ("FR", 60), ("US", 20), ("US", 25)]
    ]
    assert [r.reason for r in reasons if isinstance(r, Rejected)] == [
        "country FR not in US",
        "country DE not in US",
        "country FR not in US",
        "runtime 20 min < 30",
        "runtime 25 min < 30",
    ]


def test_rules_are_values() -> None:
    one = FilterRules(countries_include=("US",), min_runtime=20)
    assert one == FilterRules(countries_include=("US",), min_runtime=20)
    assert hash(one) == hash(FilterRules(countries_include=("US",), min_runtime=20))
    assert one != FilterRules(countries_include=("US",), min_runtime=21)
    assert "_checks" not in repr(one)
    with pytest.raises(AttributeError):
        one.min_runtime = 5  # type: ignore[misc]


# --- fingerprint ---------------------------------------------------------------------------

EVERY_RULE = FilterRules(
    genres_include=("Drama", "Comedy"), genres_exclude=("Reality", "News"),
    types_include=("Scripted",), types_exclude=("Variety",),
    countries_include=("US", "GB"), countries_exclude=("FR",),
    languages_include=("English",), languages_exclude=("French",),
    networks_include=("HBO",), networks_exclude=("Fox",),
    web_channels_include=("Netflix",), web_channels_exclude=("Quibi",),
    status_include=("Running",), exclude_ended=True,
    premiered_after=date(2010, 1, 1), premiered_before=date(2030, 1, 1),
    min_runtime=20, min_rating=6.5,
)  # fmt: skip
CHANGED: dict[str, Any] = {
    "exclude_ended": False,
    "premiered_after": date(2010, 1, 2),
    "premiered_before": None,
    "min_runtime": 21,
    "min_rating": 6.6,
}


def test_the_fingerprint_is_a_stable_sha256() -> None:
    """Stored between runs: a change here re-filters every user's catalogue (bump the version)."""
    assert (
        rules_fingerprint([FilterRules()])
        == "3586eec8bc5e162e578a7481c5f5d562ef30e5cbc0f969359dc08b6a265b22b7"
    )


def test_the_fingerprint_ignores_name_order_case_and_repeats() -> None:
    shuffled = replace(
        EVERY_RULE,
        genres_include=("comedy", "DRAMA", "Drama"),
        genres_exclude=("News", "Reality"),
        countries_include=("gb", "us"),
    )
    assert rules_fingerprint([shuffled]) == rules_fingerprint([EVERY_RULE])


@pytest.mark.parametrize("name", [spec.name for spec in fields(FilterRules) if spec.init])
def test_the_fingerprint_changes_when_any_rule_changes(name: str) -> None:
    value = getattr(EVERY_RULE, name)
    new = (*value, "Other") if isinstance(value, tuple) else CHANGED[name]
    assert rules_fingerprint([replace(EVERY_RULE, **{name: new})]) != rules_fingerprint(
        [EVERY_RULE]
    )


def test_the_fingerprint_tells_include_from_exclude_and_rule_order() -> None:
    include, exclude = (
        FilterRules(countries_include=("FR",)),
        FilterRules(countries_exclude=("FR",)),
    )
    assert rules_fingerprint([include]) != rules_fingerprint([exclude])
    assert rules_fingerprint([include, exclude]) != rules_fingerprint([exclude, include])
    assert rules_fingerprint([include]) != rules_fingerprint([include, include])
    assert rules_fingerprint([FilterRules(min_rating=7)]) == rules_fingerprint(
        [FilterRules(min_rating=7.0)]
    )


NAMES = st.lists(st.sampled_from(["US", "gb", "Drama", "Reality", "HBO", "Netflix", "x"]))


@given(NAMES, st.randoms(use_true_random=False))
def test_the_fingerprint_is_order_insensitive_within_lists(names: list[str], rnd: Any) -> None:
    shuffled = list(names)
    rnd.shuffle(shuffled)
    one = FilterRules(genres_exclude=tuple(names), networks_include=tuple(names))
    two = FilterRules(genres_exclude=tuple(shuffled), networks_include=tuple(shuffled))
    assert rules_fingerprint([one]) == rules_fingerprint([two])


# --- properties ----------------------------------------------------------------------------

TEXT = st.one_of(
    st.none(),
    st.sampled_from(["", "US", "us", "FR", "English", "Ended", "ended", "Running", "HBO"]),
    st.text(max_size=8),
)
TUPLES = st.lists(st.one_of(st.sampled_from(["US", "Drama", "Ended", "HBO"]), st.text(max_size=6)),
                  max_size=4).map(tuple)  # fmt: skip
DATES = st.one_of(st.none(), st.dates())
SHOWS = st.builds(
    Show,
    tvmaze_id=st.integers(),
    title=st.text(),
    updated=st.integers(),
    language=TEXT,
    country=TEXT,
    type=TEXT,
    status=TEXT,
    premiered=DATES,
    ended=DATES,
    network=TEXT,
    web_channel=TEXT,
    genres=TUPLES,
    runtime=st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    rating=st.one_of(st.none(), st.floats()),
)
RULES = st.builds(
    FilterRules,
    **{
        spec.name: TUPLES
        for spec in fields(FilterRules)
        if spec.init and spec.name.endswith(("_include", "_exclude"))
    },
    exclude_ended=st.booleans(),
    premiered_after=DATES,
    premiered_before=DATES,
    min_runtime=st.one_of(st.none(), st.integers(0, 500)),
    min_rating=st.one_of(st.none(), st.floats(0, 10)),
)


FIELDS_OF_CODE = {
    "genre": "genres_", "type": "types_", "country": "countries_", "language": "languages_",
    "network": "networks_", "web_channel": "web_channels_", "status": "status_include",
    "ended": "exclude_ended", "premiered": "premiered_", "runtime": "min_runtime",
    "rating": "min_rating",
}  # fmt: skip


def _single_rules(rules: FilterRules) -> list[FilterRules]:
    """``rules`` split into one FilterRules per code (in code order), each with only its rules."""
    names = [spec.name for spec in fields(FilterRules) if spec.init]
    return [
        FilterRules(
            **{
                name: getattr(rules, name)
                for name in names
                if name.startswith(FIELDS_OF_CODE[code])
            }
        )
        for code in REJECTION_CODES
    ]


@settings(max_examples=400)
@given(SHOWS, RULES)
def test_evaluate_never_raises_and_is_the_first_single_rule_failure(
    show: Show, rules: FilterRules
) -> None:
    """All rules together reject exactly when one rule alone does, with the first one's answer."""
    result = evaluate(show, rules)
    alone = [evaluate(show, single) for single in _single_rules(rules)]
    failures = [r for r in alone if isinstance(r, Rejected)]
    if failures:
        assert result == failures[0]
        assert result.reason
    else:
        assert result is ACCEPTED


def test_ninety_thousand_shows_evaluate_quickly() -> None:
    """A guard against losing the precompilation, not a benchmark (that is ~0.1 s)."""
    rules = replace(EVERY_RULE, genres_include=(), networks_include=(), web_channels_include=())
    shows = [replace(PASSING, tvmaze_id=i, runtime=20 + i % 40) for i in range(90_000)]
    assert evaluate(shows[0], rules) is ACCEPTED  # the slowest path: every check runs
    fastest = math.inf
    for _ in range(3):
        started = time.perf_counter()
        results = [evaluate(show, rules) for show in shows]
        fastest = min(fastest, time.perf_counter() - started)
    assert len(results) == 90_000
    assert fastest < 1.0
