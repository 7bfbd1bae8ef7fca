"""The fake TVMaze's data: show JSON in the real response shapes, and a mutable catalogue.

Written from specs/tvmaze.md and its samples, not from the client. The generator puts the
quirks a client must survive into every large catalogue: ids with gaps (short pages),
streaming shows with no network and a web channel without a country, all-null externals,
the older shape without ``averageRuntime``/``ended``/``dvdCountry``, empty genres,
numeric and non-ASCII names. It is deterministic for a seed and builds 90,000 shows in
well under two seconds, because benchmarks mirror a catalogue of that size.

Show dicts are replaced, never changed in place, so a snapshot of the mapping (the
edge-cached index) stays as it was when it was taken.
"""

from __future__ import annotations

import copy
import gc
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

PAGE_SIZE = 250
DAY = 86_400
SINCE_SECONDS = {"day": DAY, "week": 7 * DAY, "month": 30 * DAY}
DEFAULT_NOW = 1_700_000_000  # 2023-11-14, a fixed "now" so generated data is reproducible
Show = dict[str, Any]


def _country(name: str, code: str, timezone: str) -> dict[str, str]:
    return {"name": name, "code": code, "timezone": timezone}


US = _country("United States", "US", "America/New_York")
GB = _country("United Kingdom", "GB", "Europe/London")
CA = _country("Canada", "CA", "Canada/Atlantic")
JP = _country("Japan", "JP", "Asia/Tokyo")
# (id, name, country, language); shows of a channel speak its language
NETWORKS: tuple[tuple[int, str, dict[str, str], str], ...] = (
    (2, "CBS", US, "English"),
    (1, "NBC", US, "English"),
    (3, "ABC", US, "English"),
    (4, "FOX", US, "English"),
    (5, "The CW", US, "English"),
    (8, "HBO", US, "English"),
    (52, "Bravo", US, "English"),
    (23, "Comedy Central", US, "English"),
    (12, "BBC One", GB, "English"),
    (35, "ITV", GB, "English"),
    (45, "Channel 4", GB, "English"),
    (36, "CBC", CA, "English"),
    (451, "ICI Radio-Canada Télé", CA, "French"),
    (115, "DR1", _country("Denmark", "DK", "Europe/Copenhagen"), "Danish"),
    (58, "ZDF", _country("Germany", "DE", "Europe/Busingen"), "German"),
    (41, "TF1", _country("France", "FR", "Europe/Paris"), "French"),
    (1024, "NHK", JP, "Japanese"),
    (129, "Tokyo MX", JP, "Japanese"),
    (214, "KBS2", _country("Korea, Republic of", "KR", "Asia/Seoul"), "Korean"),
    (370, "Sky Cinema", _country("Italy", "IT", "Europe/Rome"), "Italian"),
    (150, "ABC", _country("Australia", "AU", "Australia/Sydney"), "English"),
    (249, "TVNZ 1", _country("New Zealand", "NZ", "Pacific/Auckland"), "English"),
    (311, "RTÉ One", _country("Ireland", "IE", "Europe/Dublin"), "English"),
    (146, "La 1", _country("Spain", "ES", "Europe/Madrid"), "Spanish"),
)
# Global streamers have no country (the Netflix quirk); a few national ones do.
WEB_CHANNELS: tuple[tuple[int, str, dict[str, str] | None, str], ...] = (
    (1, "Netflix", None, "English"),
    (3, "Prime Video", None, "English"),
    (287, "Disney+", None, "English"),
    (310, "Apple TV+", None, "English"),
    (21, "YouTube", None, "English"),
    (2, "Hulu", US, "English"),
    (26, "BBC iPlayer", GB, "English"),
    (103, "Crunchyroll", None, "Japanese"),
)
TYPES = (
    *("Scripted",) * 8,
    *("Reality", "Animation", "Animation", "Talk Show", "Documentary", "Documentary"),
    *("Variety", "News", "Game Show", "Sports", "Panel Show", "Award Show"),
)
GENRES = (
    *("Drama", "Comedy", "Action", "Crime", "Thriller", "Science-Fiction", "Romance"),
    *("Horror", "Mystery", "Family", "Fantasy", "Adventure", "History", "Anime", "Medical"),
)
STATUSES = (*("Ended",) * 6, *("Running",) * 3, "To Be Determined", "In Development")
WORDS = (
    *("Blue", "Silent", "Last", "Hidden", "Broken", "Northern", "Golden", "Little", "Dark"),
    *("River", "House", "Kingdom", "Station", "Island", "Empire", "Garden", "Line", "Code"),
)
# Real names that tripped parsers: non-ASCII, and numbers a loader might read as ints.
ODD_NAMES = (
    *("Krøniken", "Unité 9", "Pokémon", "Ōoku", "Сваты", "東京喰種", "Die Brücke"),
    *("Ça", "24", "1992", "1883", "3%", "9-1-1", "The 100"),
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FIRST_DAY = date(1950, 1, 1).toordinal()
LAST_DAY = date(2023, 11, 1).toordinal()


def _channel(entry: tuple[int, str, dict[str, str] | None, str], modern: bool) -> dict[str, Any]:
    ident, name, country, _ = entry
    channel: dict[str, Any] = {"id": ident, "name": name, "country": country}
    if modern:
        channel["officialSite"] = None
    return channel


# Built once: shows share these dicts, which nobody changes in place.
_NETWORK_JSON = {m: [_channel(n, m) for n in NETWORKS] for m in (False, True)}
_WEB_JSON = {m: [_channel(w, m) for w in WEB_CHANNELS] for m in (False, True)}


def make_show(tvmaze_id: int, name: str, *, updated: int | None = None, **fields: Any) -> Show:
    """One show in today's shape (like the 2022 sample), with plain defaults.

    ``fields`` replace top-level keys (``network=None``, ``externals={...}``, ...). Without
    ``updated`` the catalogue stamps the show with its clock when it is added.
    """
    show: Show = {
        "id": tvmaze_id,
        "url": f"https://www.tvmaze.com/shows/{tvmaze_id}/{_slug(name)}",
        "name": name,
        "type": "Scripted",
        "language": "English",
        "genres": ["Drama"],
        "status": "Running",
        "runtime": 60,
        "averageRuntime": 60,
        "premiered": "2015-01-01",
        "ended": None,
        "officialSite": None,
        "schedule": {"time": "21:00", "days": ["Monday"]},
        "rating": {"average": 7.5},
        "weight": 50,
        "network": _NETWORK_JSON[True][0],
        "webChannel": None,
        "dvdCountry": None,
        "externals": {"tvrage": None, "thetvdb": 100_000 + tvmaze_id, "imdb": None},
        "image": None,
        "summary": None,
        "updated": updated,
        "_links": {"self": {"href": f"https://api.tvmaze.com/shows/{tvmaze_id}"}},
    }
    show.update(fields)
    return show


def _slug(name: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in name.lower()).split())


class _Draw:
    """Seeded choices on ``random.random`` alone: ``randrange``/``sample`` are several
    times slower, and the generator must build 90,000 shows quickly."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed).random  # noqa: S311 (test data, not secrets)

    def chance(self, p: float) -> bool:
        return self.random() < p

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def pick(self, items: tuple[Any, ...]) -> Any:
        return items[int(self.random() * len(items))]


GENRE_SETS = (
    (),
    *((g,) for g in GENRES),
    *((g, h) for g, h in zip(GENRES, GENRES[3:], strict=False)),
    *((g, h, i) for g, h, i in zip(GENRES, GENRES[5:], GENRES[9:], strict=False)),
)


def _updated(draw: _Draw, now: int) -> int:
    """Most shows changed long ago; a few inside the day, week and month windows."""
    roll = draw.random()
    if roll < 0.02:
        return now - draw.below(DAY)
    if roll < 0.06:
        return now - draw.below(7 * DAY)
    if roll < 0.12:
        return now - draw.below(30 * DAY)
    return now - 30 * DAY - draw.below(12 * 365 * DAY)


def _externals(draw: _Draw, tvmaze_id: int) -> dict[str, Any]:
    if draw.chance(0.1):  # like The Daily Show with Trevor Noah: all three null
        return {"tvrage": None, "thetvdb": None, "imdb": None}
    return {
        "tvrage": tvmaze_id + 20_000 if draw.chance(0.4) else None,
        "thetvdb": 70_000 + tvmaze_id * 3,
        "imdb": f"tt{1_000_000 + tvmaze_id * 7}" if draw.chance(0.8) else None,
    }


def _named(draw: _Draw, tvmaze_id: int) -> tuple[str, str]:
    if draw.chance(0.03):
        name: str = draw.pick(ODD_NAMES)
        return name, _slug(name)
    word: str = draw.pick(WORDS)
    return f"{word} {tvmaze_id}", f"{word.lower()}-{tvmaze_id}"


def _generated(draw: _Draw, tvmaze_id: int, now: int) -> Show:
    """One random show; about a third have the pre-2021 shape."""
    modern = draw.chance(0.65)
    network = webchannel = None
    if draw.chance(0.7):
        index = draw.below(len(NETWORKS))
        network, language = _NETWORK_JSON[modern][index], NETWORKS[index][3]
    else:
        index = draw.below(len(WEB_CHANNELS))
        webchannel, language = _WEB_JSON[modern][index], WEB_CHANNELS[index][3]
    name, slug = _named(draw, tvmaze_id)
    status = draw.pick(STATUSES)
    first = FIRST_DAY + draw.below(LAST_DAY - FIRST_DAY)
    runtime = draw.pick((30, 45, 60, 60, None))
    show: Show = {
        "id": tvmaze_id,
        "url": f"https://www.tvmaze.com/shows/{tvmaze_id}/{slug}",
        "name": name,
        "type": draw.pick(TYPES),
        "language": language if draw.chance(0.97) else None,
        "genres": list(draw.pick(GENRE_SETS)),
        "status": status,
        "runtime": runtime,
        "premiered": date.fromordinal(first).isoformat() if draw.chance(0.95) else None,
        "officialSite": None,
        "schedule": {"time": "", "days": [draw.pick(DAYS)]},
        "rating": {"average": round(1 + draw.random() * 8.6, 1) if draw.chance(0.6) else None},
        "weight": draw.below(101),
        "network": network,
        "webChannel": webchannel,
        "externals": _externals(draw, tvmaze_id),
        "image": None,
        "summary": None,
        "updated": _updated(draw, now),
        "_links": {"self": {"href": f"https://api.tvmaze.com/shows/{tvmaze_id}"}},
    }
    if modern:
        ended = None
        if status == "Ended":
            ended = date.fromordinal(min(first + 30 + draw.below(3000), LAST_DAY)).isoformat()
        average = runtime if runtime is not None else draw.pick((22, 47, None))
        show.update(averageRuntime=average, ended=ended, dvdCountry=None)
    return show


def generate_catalogue(
    count: int,
    *,
    seed: int = 0,
    now: int = DEFAULT_NOW,
    first_id: int = 1,
    gap_rate: float = 0.05,
    max_gap: int = 10,
) -> list[Show]:
    """``count`` shows in id order; after a show, with ``gap_rate``, up to ``max_gap`` ids
    are missing (deleted shows), so index pages can hold fewer than 250 shows."""
    draw = _Draw(seed)
    shows: list[Show] = []
    tvmaze_id = first_id
    # Millions of new dicts would trigger the cyclic GC over and over (half the time);
    # these dicts hold no cycles, so collecting can wait until they are built.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for _ in range(count):
            shows.append(_generated(draw, tvmaze_id, now))
            tvmaze_id += 1 + (1 + draw.below(max_gap) if draw.chance(gap_rate) else 0)
    finally:
        if collecting:
            gc.enable()
    return shows


class Catalogue:
    """The shows a fake TVMaze serves, mutable by tests; ``clock`` is its wall clock.

    Adding or updating a show stamps ``updated`` with the clock, as TVMaze does when any
    part of a show changes. ``version(page)`` moves whenever a show on that page changes,
    so a server can cache serialised pages safely. Shows given to the constructor are
    kept as they are (copying 90,000 would be slow): do not change them afterwards.
    """

    def __init__(self, shows: Iterable[Show] = (), *, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._shows: dict[int, Show] = {}
        for show in shows:
            self._shows[int(show["id"])] = show if show.get("updated") else _stamped(show, clock)
        self._versions: dict[int, int] = {}
        self._last_id: int | None = None  # cached max id; None: compute again

    @classmethod
    def generated(
        cls, count: int, *, seed: int = 0, clock: Callable[[], float] = time.time, **options: Any
    ) -> Catalogue:
        """A catalogue of ``count`` generated shows, dated relative to ``clock()``."""
        now = int(clock())
        return cls(generate_catalogue(count, seed=seed, now=now, **options), clock=clock)

    def __len__(self) -> int:
        return len(self._shows)

    def __contains__(self, tvmaze_id: object) -> bool:
        return tvmaze_id in self._shows

    def __iter__(self) -> Iterator[Show]:
        return iter(self._shows.values())

    def now(self) -> int:
        return int(self.clock())

    def ids(self) -> list[int]:
        return sorted(self._shows)

    def last_id(self) -> int:
        """The highest id (0 when empty); its page is the index's last."""
        if self._last_id is None:
            self._last_id = max(self._shows, default=0)
        return self._last_id

    def get(self, tvmaze_id: int) -> Show | None:
        """A copy of the show (changing it changes nothing here), or None."""
        show = self._shows.get(tvmaze_id)
        return copy.deepcopy(show) if show is not None else None

    def add(self, show: Show) -> Show:
        """Add (or replace) a show, stamped ``updated`` = now unless it carries its own."""
        stored = copy.deepcopy(show) if show.get("updated") else _stamped(show, self.clock)
        self._shows[int(stored["id"])] = stored
        self._touch(int(stored["id"]))
        return copy.deepcopy(stored)

    def update(self, tvmaze_id: int, **fields: Any) -> Show:
        """Change top-level fields of a show; ``updated`` moves to now."""
        if tvmaze_id not in self._shows:
            raise KeyError(f"no show {tvmaze_id}")
        self._shows[tvmaze_id] = {**self._shows[tvmaze_id], **fields, "updated": self.now()}
        self._touch(tvmaze_id)
        return copy.deepcopy(self._shows[tvmaze_id])

    def remove(self, tvmaze_id: int) -> None:
        del self._shows[tvmaze_id]
        self._touch(tvmaze_id)

    def view(self) -> Mapping[int, Show]:
        """The live shows, read-only and uncopied (for serving pages)."""
        return MappingProxyType(self._shows)

    def snapshot(self) -> dict[int, Show]:
        """The shows as they are now; later changes do not reach it (dicts are replaced)."""
        return dict(self._shows)

    def version(self, page: int) -> int:
        return self._versions.get(page, 0)

    def updates(self, since: str | None = None) -> dict[str, int]:
        """``/updates/shows``: id (string) -> ``updated``, all or within day/week/month."""
        cutoff = self.now() - SINCE_SECONDS[since] if since else None
        return {
            str(ident): show["updated"]
            for ident, show in sorted(self._shows.items())
            if cutoff is None or show["updated"] >= cutoff
        }

    def _touch(self, tvmaze_id: int) -> None:
        self._last_id = None
        page = tvmaze_id // PAGE_SIZE
        self._versions[page] = self._versions.get(page, 0) + 1


def _stamped(show: Show, clock: Callable[[], float]) -> Show:
    return {**copy.deepcopy(show), "updated": int(clock())}


def index_page(shows: Mapping[int, Show], page: int, last_id: int) -> list[Show] | None:
    """Page ``page`` of the show index (ids ``page*250 … page*250+249``), or None past the
    page of ``last_id``. A page before the last may be short or even empty."""
    if page < 0 or not shows or page > last_id // PAGE_SIZE:
        return None
    first = page * PAGE_SIZE
    return [shows[i] for i in range(first, first + PAGE_SIZE) if i in shows]
