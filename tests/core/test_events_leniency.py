"""parse_event is liberal in what it accepts and never raises.

Missing or null fields still parse (pipelines fail later, naming the field); unknown
fields are kept; only a body whose known fields have impossible types is Malformed; an
unknown eventType is Unsupported.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from arrkestra.core.events import (
    EVENT_MODELS,
    KNOWN_EVENT_TYPES,
    ArrKind,
    Event,
    Malformed,
    RadarrDownload,
    RadarrMovieDelete,
    SonarrDownload,
    SonarrEpisodeFileDelete,
    SonarrImportComplete,
    SonarrSeriesDelete,
    Unsupported,
    known_id,
    parse_event,
)

PAYLOADS = Path(__file__).parents[1] / "fixtures" / "payloads"
SAMPLES = sorted(PAYLOADS.glob("*/*.json"))
SAMPLE_TEXTS = [path.read_text(encoding="utf-8") for path in SAMPLES]


def sample(path: Path) -> tuple[ArrKind, dict[str, Any]]:
    kind: ArrKind = "sonarr" if path.parent.name == "sonarr" else "radarr"
    return kind, json.loads(path.read_text(encoding="utf-8"))


def key_paths(body: dict[str, Any]) -> Iterator[tuple[str, ...]]:
    """Every key of the body and of the objects (or first list items) one level down."""
    for key, value in body.items():
        if key == "eventType":
            continue
        yield (key,)
        child = value[0] if isinstance(value, list) and value else value
        if isinstance(child, dict):
            prefix = (key, "0") if isinstance(value, list) else (key,)
            for inner in child:
                yield (*prefix, inner)


def edit(
    body: dict[str, Any], path: tuple[str, ...], value: Any, *, delete: bool
) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for part in path[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_any_field_may_be_missing_or_null(path: Path) -> None:
    kind, body = sample(path)
    for where in key_paths(body):
        for delete in (True, False):
            event = parse_event(kind, edit(body, where, None, delete=delete))
            assert isinstance(event, Event), (where, delete, event)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_unknown_fields_anywhere_are_kept_and_ignored(path: Path) -> None:
    kind, body = sample(path)
    original = parse_event(kind, body)
    for where in [("x_new",), *((*p[:-1], "x_new") for p in key_paths(body) if len(p) > 1)]:
        event = parse_event(kind, edit(body, where, {"deep": [1, "two"]}, delete=False))
        assert type(event) is type(original)
        assert event.summary == original.summary
    extra = parse_event(kind, {**body, "futureField": [1, {"a": None}]})
    assert isinstance(extra, Event)
    assert extra.model_extra is not None
    assert extra.model_extra["futureField"] == [1, {"a": None}]


def test_extra_nested_fields_are_kept() -> None:
    event = parse_event(
        "sonarr",
        {"eventType": "SeriesAdd", "series": {"id": 5, "malIds": [1], "originalCountry": "jp"}},
    )
    assert isinstance(event, Event)
    assert event.model_dump()["series"]["malIds"] == [1]


@pytest.mark.parametrize("kind", ["sonarr", "radarr"])
def test_every_known_type_parses_from_the_envelope_alone(kind: ArrKind) -> None:
    for event_type, model in EVENT_MODELS[kind].items():
        event = parse_event(kind, {"eventType": event_type})
        assert type(event) is model
        assert event.instance_name is None and event.application_url is None
        assert isinstance(event.summary, str) and event.summary.startswith(event_type)


def test_missing_ids_are_none_and_zero_stays_zero() -> None:
    delete = parse_event("sonarr", {"eventType": "SeriesDelete"})
    assert isinstance(delete, SonarrSeriesDelete)
    assert (delete.series_id, delete.tvdb_id, delete.tmdb_id, delete.imdb_id) == (None,) * 4
    assert delete.deleted_files is False
    assert delete.summary == "SeriesDelete: unknown series"
    zero = parse_event("sonarr", {"eventType": "SeriesDelete", "series": {"id": 0, "tmdbId": 0}})
    assert isinstance(zero, SonarrSeriesDelete)
    assert (zero.series_id, zero.tmdb_id) == (0, 0)
    assert known_id(zero.tmdb_id) is None and known_id(None) is None and known_id(7) == 7


def test_deleted_files_is_a_list_on_download_and_a_boolean_on_deletes() -> None:
    download = parse_event("radarr", {"eventType": "Download", "deletedFiles": [{"id": 1}]})
    assert isinstance(download, RadarrDownload) and download.deleted_files[0].id == 1
    movie_delete = parse_event("radarr", {"eventType": "MovieDelete", "deletedFiles": True})
    assert isinstance(movie_delete, RadarrMovieDelete) and movie_delete.deleted_files is True
    for body, event_type in (
        ({"deletedFiles": None}, "Download"),
        ({"deletedFiles": None}, "MovieDelete"),
    ):
        event = parse_event("radarr", {"eventType": event_type, **body})
        assert isinstance(event, Event)
    wrong_way = parse_event("sonarr", {"eventType": "SeriesDelete", "deletedFiles": [{"id": 1}]})
    assert isinstance(wrong_way, Malformed)
    assert wrong_way.problems[0].startswith("deletedFiles: ")
    bool_on_download = parse_event("sonarr", {"eventType": "Download", "deletedFiles": True})
    assert isinstance(bool_on_download, Malformed)


def test_download_shape_is_chosen_by_episode_files() -> None:
    both = {"eventType": "Download", "episodeFile": {"id": 1}, "episodeFiles": [{"id": 2}]}
    assert type(parse_event("sonarr", both)) is SonarrImportComplete
    null_files = {"eventType": "Download", "episodeFile": {"id": 1}, "episodeFiles": None}
    assert type(parse_event("sonarr", null_files)) is SonarrDownload
    assert type(parse_event("radarr", both)) is RadarrDownload


def test_import_complete_without_files_says_so() -> None:
    event = parse_event("sonarr", {"eventType": "Download", "episodeFiles": []})
    assert isinstance(event, SonarrImportComplete)
    assert event.imported_files() == [] and event.path_problems() == ["episodeFiles is empty"]


def test_large_sizes_and_numbers_sent_as_text() -> None:
    event = parse_event(
        "sonarr",
        {
            "eventType": "Download",
            "series": {"id": "42", "title": 1984, "path": "/tv/1984"},
            "episodeFile": {"relativePath": "a.mkv", "size": 2**63 - 1},
        },
    )
    assert isinstance(event, SonarrDownload)
    assert (event.series_id, event.title) == (42, "1984")
    assert event.imported_files()[0].size == 2**63 - 1


def test_descriptive_fields_of_the_wrong_type_are_dropped() -> None:
    body = {
        "eventType": "EpisodeFileDelete",
        "series": {"id": 3, "path": "/tv/S", "genres": "Drama", "images": {}, "year": "soon"},
        "episodeFile": {
            "relativePath": "a.mkv",
            "mediaInfo": [],
            "dateAdded": "yesterday",
            "languages": "English",
            "quality": {"weird": True},
        },
        "episodes": [{"id": 1, "airDate": "not a date"}],
    }
    event = parse_event("sonarr", body)
    assert isinstance(event, SonarrEpisodeFileDelete)
    assert event.series is not None and event.series.genres is None and event.series.year is None
    assert event.episode_file is not None and event.episode_file.media_info is None
    assert event.episode_file.quality is None and event.episode_file.date_added is None
    assert event.library_path == "/tv/S/a.mkv"


@pytest.mark.parametrize(
    ("kind", "body", "problem"),
    [
        ("sonarr", {"eventType": "SeriesDelete", "series": "The Show"}, "series: "),
        ("sonarr", {"eventType": "Download", "episodeFiles": "a.mkv"}, "episodeFiles: "),
        ("sonarr", {"eventType": "Download", "episodes": [1]}, "episodes[0]: "),
        ("sonarr", {"eventType": "Grab", "series": {"id": "abc"}}, "series.id: "),
        ("radarr", {"eventType": "MovieDelete", "movie": {"tmdbId": 1.5}}, "movie.tmdbId: "),
        ("radarr", {"eventType": "Download", "movieFile": {"size": "big"}}, "movieFile.size: "),
        ("radarr", {"eventType": "Health", "message": {"text": "x"}}, "message: "),
        ("radarr", {"eventType": "Test", "instanceName": ["a"]}, "instanceName: "),
    ],
)
def test_known_types_with_impossible_fields_are_malformed(
    kind: ArrKind, body: dict[str, Any], problem: str
) -> None:
    result = parse_event(kind, body)
    assert isinstance(result, Malformed)
    assert (result.kind, result.event_type) == (kind, body["eventType"])
    assert result.problems[0].startswith(problem), result.problems
    assert "(got " in result.problems[0]
    assert result.summary.startswith(f"{body['eventType']}: malformed {kind} event")


def test_malformed_names_the_misfit_and_its_type() -> None:
    result = parse_event("sonarr", {"eventType": "SeriesDelete", "series": "The Show"})
    assert result == Malformed(
        "sonarr",
        "SeriesDelete",
        ("series: Input should be a valid dictionary or instance of Series (got string)",),
    )


def test_problem_list_is_capped() -> None:
    files = [{"size": "x"}] * 30
    result = parse_event("sonarr", {"eventType": "Download", "episodeFiles": files})
    assert isinstance(result, Malformed)
    assert len(result.problems) == 11 and result.problems[-1] == "... and 20 more"


@pytest.mark.parametrize(
    ("kind", "event_type"),
    [
        ("sonarr", "SomethingNew"),
        ("sonarr", "download"),
        ("sonarr", "MovieDelete"),
        ("radarr", "SeriesDelete"),
        ("radarr", "EpisodeFileDelete"),
        ("radarr", ""),
    ],
)
def test_unknown_event_types_are_unsupported(kind: ArrKind, event_type: str) -> None:
    result = parse_event(kind, {"eventType": event_type, "series": "anything"})
    assert result == Unsupported(kind, event_type)
    assert event_type not in KNOWN_EVENT_TYPES[kind]


def test_known_event_types() -> None:
    shared = {"Test", "Grab", "Download", "Rename", "Health", "HealthRestored"}
    shared |= {"ApplicationUpdate", "ManualInteractionRequired"}
    assert KNOWN_EVENT_TYPES["sonarr"] == shared | {
        "SeriesAdd",
        "SeriesDelete",
        "EpisodeFileDelete",
    }
    assert KNOWN_EVENT_TYPES["radarr"] == shared | {"MovieAdded", "MovieDelete", "MovieFileDelete"}


def test_events_are_frozen_and_do_not_touch_their_input() -> None:
    body = {"eventType": "SeriesDelete", "series": {"id": 1}, "deletedFiles": True}
    before = copy.deepcopy(body)
    event = parse_event("sonarr", body)
    assert body == before
    with pytest.raises(ValidationError):
        event.event_type = "Other"  # type: ignore[misc]


# --- property tests -------------------------------------------------------------------------

WIRE_KEYS = sorted(
    {
        alias
        for models in EVENT_MODELS.values()
        for model in models.values()
        for field in model.model_fields.values()
        if (alias := field.alias) and alias != "eventType"
    }
    | {"episodeFiles", "id", "path", "relativePath", "quality", "size", "title", "tmdbId"}
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(WIRE_KEYS) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def bodies(kind: ArrKind) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects with a string eventType: three times in four a type the kind knows."""
    known = st.sampled_from(sorted(KNOWN_EVENT_TYPES[kind]))
    event_type = st.integers(0, 3).flatmap(lambda n: known if n else st.text(max_size=20))
    return st.builds(
        lambda event_type, fields, extra: {**extra, **fields, "eventType": event_type},
        event_type,
        st.dictionaries(st.sampled_from(WIRE_KEYS), json_values, max_size=8),
        st.dictionaries(st.text(max_size=10), json_values, max_size=2),
    )


KINDS: list[ArrKind] = ["sonarr", "radarr"]
cases = st.sampled_from(KINDS).flatmap(lambda k: st.tuples(st.just(k), bodies(k)))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases)
def test_parse_event_never_raises(case: tuple[ArrKind, dict[str, Any]]) -> None:
    kind, body = case
    result = parse_event(kind, body)
    assert isinstance(result, Event | Unsupported | Malformed)
    assert result.event_type == body["eventType"]
    assert isinstance(result.summary, str)
    if isinstance(result, Event):
        assert result.kind == kind
        json.dumps(result.model_dump(mode="json", by_alias=True), default=str)
        for method in ("imported_files", "replaced_paths", "renamed_files", "path_problems"):
            if hasattr(result, method):
                getattr(result, method)()


@settings(max_examples=200)
@given(
    index=st.integers(min_value=0, max_value=len(SAMPLES) - 1),
    key=st.sampled_from(WIRE_KEYS),
    value=json_values,
)
def test_a_real_sample_with_one_garbage_field_never_raises(
    index: int, key: str, value: Any
) -> None:
    kind: ArrKind = "sonarr" if SAMPLES[index].parent.name == "sonarr" else "radarr"
    body = json.loads(SAMPLE_TEXTS[index])
    for target in (body, *(v for v in body.values() if isinstance(v, dict))):
        target[key] = value
    result = parse_event(kind, body)
    assert isinstance(result, Event | Unsupported | Malformed)
