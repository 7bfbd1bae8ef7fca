"""discovery.filters: the example's section loads, the new keys and old variables reach the
core's FilterRules, and rules inherit the filters they do not set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from arrkestra.config import ShowFilters, load_settings
from arrkestra.core.filters import ACCEPTED, FilterRules, Rejected, evaluate, rules_fingerprint
from arrkestra.core.shows import Show

DOCS_EXAMPLE = Path(__file__).parents[2] / "docs" / "arrkestra.example.yaml"

TVMAZE_SYNC_DEFAULTS = FilterRules(
    genres_exclude=("Reality", "Talk Show", "Game Show", "News", "Sports"),
    types_include=("Scripted", "Animation", "Documentary"),
    countries_include=("US", "GB", "CA", "AU", "NZ", "IE"),
    languages_include=("English",),
    exclude_ended=True,
    premiered_after=date(2010, 1, 1),
    min_runtime=20,
)
SHOW = Show(
    tvmaze_id=1,
    title="Slow Horses",
    updated=0,
    language="English",
    country="GB",
    type="Scripted",
    status="Running",
    premiered=date(2022, 4, 1),
    web_channel="Apple TV+",
    genres=("Drama", "Thriller"),
    runtime=50,
    rating=8.1,
)


def test_the_defaults_are_tvmaze_syncs() -> None:
    assert ShowFilters().rules() == TVMAZE_SYNC_DEFAULTS


@pytest.mark.parametrize("path", ["shared copy", "docs"])
def test_the_example_discovery_section_loads_as_the_defaults(
    example: Path, example_env: dict[str, str], path: str
) -> None:
    settings = load_settings(example if path == "shared copy" else DOCS_EXAMPLE, example_env)
    [rule] = settings.discovery.effective_rules()
    assert rule.filters.rules() == TVMAZE_SYNC_DEFAULTS
    assert evaluate(SHOW, rule.filters.rules()) is ACCEPTED


def test_the_new_keys_load(load) -> None:
    settings = load(
        """
        discovery:
          filters:
            genres: {include: [Drama], exclude: [News]}
            types: {exclude: [Variety]}
            countries: {include: null, exclude: [FR, DE]}
            languages: {include: [], exclude: [French]}
            networks: {include: [HBO, BBC One], exclude: [Fox]}
            web_channels: {include: [Netflix], exclude: [Quibi]}
            status: {include: [Running, To Be Determined], exclude_ended: false}
            premiered: {after: null, before: "2020-01-01"}
            min_runtime: null
            min_rating: 7
        """
    )
    assert settings.discovery.filters.rules() == FilterRules(
        genres_include=("Drama",),
        genres_exclude=("News",),
        types_include=("Scripted", "Animation", "Documentary"),  # not set: the default
        types_exclude=("Variety",),
        countries_exclude=("FR", "DE"),  # include: null is the default, [] lists none
        countries_include=("US", "GB", "CA", "AU", "NZ", "IE"),
        languages_exclude=("French",),
        networks_include=("HBO", "BBC One"),
        networks_exclude=("Fox",),
        web_channels_include=("Netflix",),
        web_channels_exclude=("Quibi",),
        status_include=("Running", "To Be Determined"),
        exclude_ended=False,
        premiered_before=date(2020, 1, 1),
        min_rating=7.0,
    )


def test_setting_exclude_keeps_the_default_include(load) -> None:
    """Each key has its own default, as for genres: ``include: []`` is how to drop it."""
    filters = load(
        "discovery: {filters: {countries: {exclude: [FR]}, languages: {include: [], exclude: [x]}}}"
    ).discovery.filters
    assert filters.countries.include == ["US", "GB", "CA", "AU", "NZ", "IE"]
    assert filters.languages.include == []
    rules = filters.rules()
    assert evaluate(replace(SHOW, country="FR"), rules) == Rejected(
        "country", "country FR is excluded"
    )
    assert evaluate(replace(SHOW, country="JP"), rules) == Rejected(
        "country", "country JP not in US, GB, CA, AU, NZ, IE"
    )
    assert evaluate(replace(SHOW, language="Japanese"), rules) is ACCEPTED


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("discovery: {filters: {min_rating: 11}}", "discovery.filters.min_rating"),
        ("discovery: {filters: {min_rating: -1}}", "discovery.filters.min_rating"),
        (
            'discovery: {filters: {premiered: {before: "soon"}}}',
            "discovery.filters.premiered.before",
        ),
        ("discovery: {filters: {networks: {exclude: Fox}}}", "discovery.filters.networks.exclude"),
        ("discovery: {filters: {web_channel: {include: [x]}}}", "discovery.filters.web_channel"),
    ],
)
def test_bad_filter_values_are_reported_with_their_path(problems, text: str, path: str) -> None:
    assert [problem.path for problem in problems(text).problems] == [path]


def test_old_style_variables_fill_the_new_keys(load) -> None:
    settings = load(
        "",
        {
            "FILTERS_GENRES_EXCLUDE": "Reality,Talk Show",
            "FILTERS_TYPES_EXCLUDE": "Variety",
            "FILTERS_COUNTRIES_EXCLUDE": '["FR", "DE"]',
            "FILTERS_LANGUAGES_EXCLUDE": "French, German",
            "FILTERS_NETWORKS_INCLUDE": "HBO,BBC One",
            "FILTERS_NETWORKS_EXCLUDE": "Fox",
            "FILTERS_WEB_CHANNELS_INCLUDE": "Netflix,Apple TV+",
            "FILTERS_WEB_CHANNELS_EXCLUDE": "Quibi",
            "FILTERS_STATUS_INCLUDE": "Running,To Be Determined",
            "FILTERS_PREMIERED_BEFORE": "2020-01-01",
            "FILTERS_MIN_RATING": "6.5",
        },
    )
    filters = settings.discovery.filters
    assert filters.genres.exclude == ["Reality", "Talk Show"]
    assert filters.types.exclude == ["Variety"]
    assert filters.countries.exclude == ["FR", "DE"]
    assert filters.languages.exclude == ["French", "German"]
    assert (filters.networks.include, filters.networks.exclude) == (["HBO", "BBC One"], ["Fox"])
    assert filters.web_channels.include == ["Netflix", "Apple TV+"]
    assert filters.web_channels.exclude == ["Quibi"]
    assert filters.status.include == ["Running", "To Be Determined"]
    assert filters.premiered.before == date(2020, 1, 1)
    assert filters.min_rating == 6.5
    rejected = evaluate(SHOW, filters.rules())
    assert rejected == Rejected("network", "network unknown")  # a web-only show, HBO listed


def test_the_file_wins_over_an_old_variable(load) -> None:
    settings = load(
        "discovery: {filters: {networks: {include: [HBO]}, min_rating: 5}}",
        {"FILTERS_NETWORKS_INCLUDE": "Fox", "FILTERS_MIN_RATING": "9"},
    )
    assert settings.discovery.filters.networks.include == ["HBO"]
    assert settings.discovery.filters.min_rating == 5.0


def test_a_bad_old_variable_is_reported(problems) -> None:
    error = problems("", {"FILTERS_MIN_RATING": "great"})
    [problem] = error.problems
    assert problem.path == "discovery.filters.min_rating"
    assert "FILTERS_MIN_RATING" in problem.render()


def test_arrkestra_variables_reach_the_new_keys(load) -> None:
    settings = load(
        "",
        {
            "ARRKESTRA_DISCOVERY__FILTERS__MIN_RATING": "7.5",
            "ARRKESTRA_DISCOVERY__FILTERS__NETWORKS__EXCLUDE": '["Fox"]',
        },
    )
    assert settings.discovery.filters.min_rating == 7.5
    assert settings.discovery.filters.networks.exclude == ["Fox"]


def test_rules_inherit_new_keys_and_each_becomes_its_own_filter_rules(load) -> None:
    settings = load(
        """
        sonarr:
          hd: {url: "http://sonarr:8989", api_key: key-0123456789}
          anime: {url: "http://anime:8989", api_key: key-0123456789}
        discovery:
          target: {instance: hd, root_folder: /tv, quality_profile: HD}
          filters: {min_rating: 6, networks: {exclude: [Fox]}}
          rules:
            - filters: {genres: {include: [Anime]}, countries: {include: [JP]}, min_rating: null}
              target: {instance: anime, root_folder: /anime}
            - {}
        """
    )
    anime, rest = (rule.filters.rules() for rule in settings.discovery.effective_rules())
    assert anime.networks_exclude == rest.networks_exclude == ("Fox",)
    assert (anime.min_rating, rest.min_rating) == (None, 6.0)
    assert (anime.countries_include, anime.genres_include) == (("JP",), ("Anime",))
    assert rest == replace(TVMAZE_SYNC_DEFAULTS, min_rating=6.0, networks_exclude=("Fox",))
    assert rules_fingerprint([anime, rest]) != rules_fingerprint([rest, anime])
