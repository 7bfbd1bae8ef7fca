"""TVMaze answers as lenient pydantic models, and their translation into ``core.shows.Show``.

Leniency is layered so the common case stays fast. A page is validated in one go from
its bytes (pydantic-core parses and validates without building Python dicts first);
only when that fails are its entries validated one by one. An entry whose ``id``,
``name`` or ``updated`` is unusable is skipped (a show we cannot identify or date cannot
be mirrored); any other malformed field is dropped and the show kept, because one odd
``premiered`` must not hide a show from discovery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Required

from pydantic import ConfigDict, TypeAdapter, ValidationError, with_config
from pydantic_core import from_json
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from arrkestra.core.shows import Show

log = logging.getLogger(__name__)

ESSENTIAL = frozenset({"id", "name", "updated"})


# TypedDicts, not BaseModels: validating a page into plain dicts is about 40% faster,
# and a full mirror parses some 90,000 shows.
_LENIENT = ConfigDict(extra="ignore", coerce_numbers_to_str=True)  # "24" may come as 24


@with_config(_LENIENT)
class CountryBody(TypedDict, total=False):
    code: str | None


@with_config(_LENIENT)
class ChannelBody(TypedDict, total=False):
    """A ``network`` or ``webChannel``: ``country`` is null for global streamers."""

    name: str | None
    country: CountryBody | None


@with_config(_LENIENT)
class ExternalsBody(TypedDict, total=False):
    thetvdb: int | None
    imdb: str | None


@with_config(_LENIENT)
class RatingBody(TypedDict, total=False):
    average: float | None


@with_config(_LENIENT)
class ShowBody(TypedDict, total=False):
    """A show object; ``averageRuntime`` and ``ended`` are absent in pre-2021 data."""

    id: Required[int]
    name: Required[str]
    updated: Required[int]
    type: str | None
    language: str | None
    genres: list[str] | None
    status: str | None
    runtime: int | None
    averageRuntime: int | None
    premiered: str | None  # dates are parsed leniently by ``show_value``
    ended: str | None
    network: ChannelBody | None
    webChannel: ChannelBody | None
    externals: ExternalsBody | None
    rating: RatingBody | None


def show_value(body: ShowBody) -> Show:
    """The core value: country from the network, else the web channel; runtime, else the
    average runtime; a TVDB id of 0 and an empty IMDb id mean "none"."""
    network, web = body.get("network"), body.get("webChannel")
    country = _country(network) or _country(web)
    externals = body.get("externals") or {}
    tvdb = externals.get("thetvdb")
    runtime = body.get("runtime")
    rating = body.get("rating")
    genres = body.get("genres")
    return Show(
        tvmaze_id=body["id"],
        title=body["name"],
        updated=body["updated"],
        tvdb_id=tvdb if tvdb is not None and tvdb > 0 else None,
        imdb_id=externals.get("imdb") or None,
        language=body.get("language"),
        country=country,
        type=body.get("type"),
        status=body.get("status"),
        premiered=_date(body.get("premiered")),
        ended=_date(body.get("ended")),
        network=network.get("name") if network else None,
        web_channel=web.get("name") if web else None,
        genres=tuple(genres) if genres else (),
        runtime=runtime if runtime is not None else body.get("averageRuntime"),
        rating=rating.get("average") if rating else None,
    )


def _country(channel: ChannelBody | None) -> str | None:
    country = channel.get("country") if channel else None
    return (country.get("code") or None) if country else None


_SHOW = TypeAdapter(ShowBody)
_PAGE = TypeAdapter(list[ShowBody])


@dataclass(frozen=True)
class ParsedPage:
    shows: list[Show]
    skipped: int  # entries that could not be identified (logged one by one)


class BodyError(ValueError):
    """The answer as a whole is not what TVMaze sends (not JSON, not a list ...)."""


def parse_page(content: bytes) -> ParsedPage:
    """A show-index page; malformed entries are skipped (and counted), never fatal."""
    try:
        return ParsedPage([show_value(body) for body in _PAGE.validate_json(content)], 0)
    except ValidationError:
        pass  # at least one odd entry: validate them one by one
    try:
        items = from_json(content)
    except ValueError as exc:
        raise BodyError(f"not JSON ({exc})") from None
    if not isinstance(items, list):
        raise BodyError(f"expected a list of shows, got {type(items).__name__}")
    shows: list[Show] = []
    for position, item in enumerate(items):
        body = parse_entry(item, f"entry {position}")
        if body is not None:
            shows.append(show_value(body))
    return ParsedPage(shows, len(items) - len(shows))


def parse_show(content: bytes) -> Show | None:
    """One show object; None (logged) when it lacks an id, name or ``updated``."""
    try:
        return show_value(_SHOW.validate_json(content))
    except ValidationError:
        pass
    try:
        item = from_json(content)
    except ValueError as exc:
        raise BodyError(f"not JSON ({exc})") from None
    body = parse_entry(item, "show")
    return show_value(body) if body is not None else None


def parse_entry(item: Any, where: str) -> ShowBody | None:
    """Validate one show dict, dropping malformed optional fields; None if unidentifiable."""
    if not isinstance(item, dict):
        log.warning("TVMaze %s skipped: not an object", where)
        return None
    try:
        return _SHOW.validate_python(item)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
    label = f"{where} (id {item.get('id')!r})"
    if bad & ESSENTIAL or not bad:
        log.warning("TVMaze %s skipped: unusable %s", label, ", ".join(sorted(bad)) or "shape")
        return None
    log.warning("TVMaze %s: ignored malformed %s", label, ", ".join(sorted(bad)))
    try:
        return _SHOW.validate_python({k: v for k, v in item.items() if k not in bad})
    except ValidationError:  # cannot happen: the bad keys are gone; be safe anyway
        return None


_UPDATES = TypeAdapter(dict[int, int])


def parse_updates(content: bytes) -> dict[int, int]:
    """``/updates/shows``: id strings become ints; odd pairs are dropped, not fatal."""
    try:
        return _UPDATES.validate_json(content)
    except ValidationError:
        pass
    try:
        raw = from_json(content)
    except ValueError as exc:
        raise BodyError(f"not JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise BodyError(f"expected an object of id -> timestamp, got {type(raw).__name__}")
    updates: dict[int, int] = {}
    for key, stamp in raw.items():
        if str(key).isdigit() and isinstance(stamp, int) and not isinstance(stamp, bool):
            updates[int(key)] = stamp
    if len(updates) < len(raw):
        log.warning("TVMaze updates: %d malformed entries ignored", len(raw) - len(updates))
    return updates


def _date(text: str | None) -> date | None:
    """``YYYY-MM-DD``; anything else (empty, partial) is treated as unknown."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
