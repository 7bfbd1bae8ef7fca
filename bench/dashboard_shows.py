"""Discovery's TVMaze cache for the dashboard bench: shows judged by the default filters.

Shows are drawn with the spread of TVMaze's catalogue (about 90,000 shows; English and
scripted far from all of it; titles built from the bench library's words, a fifth of them
holding "the" as TVMaze's do), judged by ``discovery.filters``' defaults (``judge_with``),
and saved with the store's own ``save_shows`` together with the state rows a finished full
sync leaves. Of the shows the filters accept, Sonarr then has most (``exists``), discovery
added a third, some wait for a TVDB id and a few failed; a few dozen are skipped by hand.

Review mode (``discovery.review``) was turned on afterwards: the store's own ``refilter``
with the review-mode judge then put every accepted show not yet in Sonarr in ``review``
(a few hundred wait for a person) and stored review mode's filter fingerprint, so the
daemon, configured with ``review: true``, sees no filter change to act on.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta
from typing import Any

import dashboard_library as lib  # bench/: the script's folder is on sys.path

from arrkestra.config.models.discovery import ShowFilters
from arrkestra.core.discovery import judge_with
from arrkestra.core.filters import rules_fingerprint
from arrkestra.core.job_kinds import LastRun
from arrkestra.core.show_review import fingerprint
from arrkestra.core.shows import Show, ShowStatus
from arrkestra.store.connection import write_transaction
from arrkestra.store.shows import RESULT_SQL, STATE_KEYS, refilter, save_shows, skip_within

LANGUAGES = (("English", 60), ("Japanese", 9), ("Spanish", 7), ("Korean", 6), ("German", 5),
             ("French", 5), ("Hindi", 4), ("Portuguese", 2), (None, 2))  # fmt: skip
COUNTRIES = (("US", 38), ("GB", 12), ("JP", 9), ("KR", 5), ("CA", 5), ("DE", 5), ("FR", 5),
             ("ES", 4), ("IN", 4), ("AU", 4), ("BR", 2), (None, 7))  # fmt: skip
TYPES = (("Scripted", 48), ("Reality", 14), ("Animation", 10), ("Documentary", 9),
         ("Talk Show", 7), ("News", 4), ("Sports", 4), ("Game Show", 4))  # fmt: skip
STATUSES = (("Ended", 62), ("Running", 28), ("To Be Determined", 6), ("In Development", 4))
GENRES = ("Drama", "Comedy", "Crime", "Thriller", "Science-Fiction", "Fantasy", "Romance",
          "Reality", "Family", "Horror", "Mystery", "Food", "Travel")  # fmt: skip
NETWORKS = ("HBO", "BBC One", "NHK", "ABC", "CBS", "NBC", "FOX", "ITV", "tvN", "ZDF")
WEB = ("Netflix", "Prime Video", "Disney+", "Apple TV+", "Hulu")
SKIPPED = 40
REVIEW = True  # discovery.review, as bench/dashboard.py configures the daemon


def _title(rng: random.Random) -> str:
    """A title as TVMaze's look: about one in five holds "the" (``?q=the`` finds them)."""
    adjective, noun, place = (
        rng.choice(lib.ADJECTIVES),
        rng.choice(lib.NOUNS),
        rng.choice(lib.PLACES),
    )
    shape = rng.random()
    if shape < 0.15:
        return f"The {adjective} {noun}"
    if shape < 0.55:
        return f"{adjective} {noun}"
    if shape < 0.7:
        return f"{noun} of {place}"
    if shape < 0.85:
        return f"{place} {noun}"
    return f"{adjective} {noun}: {place}"


def _pick(rng: random.Random, table: tuple[tuple[str | None, int], ...]) -> str | None:
    return rng.choices([v for v, _ in table], [w for _, w in table])[0]


def _show(rng: random.Random, tvmaze_id: int, now: float) -> Show:
    premiered = date(1970, 1, 1) + timedelta(days=int(55 * 365 * rng.random() ** 0.5))  # recent
    status = _pick(rng, STATUSES)
    ended = premiered + timedelta(days=rng.randint(60, 3000)) if status == "Ended" else None
    streaming = rng.random() < 0.3
    return Show(
        tvmaze_id=tvmaze_id,
        title=_title(rng),
        updated=int(now - rng.uniform(0, 3 * 365 * 86400)),
        tvdb_id=None if rng.random() < 0.08 else 300000 + tvmaze_id,
        imdb_id=None if rng.random() < 0.3 else f"tt{9000000 + tvmaze_id}",
        language=_pick(rng, LANGUAGES),
        country=_pick(rng, COUNTRIES),
        type=_pick(rng, TYPES),
        status=status,
        premiered=premiered,
        ended=ended,
        network=None if streaming else rng.choice(NETWORKS),
        web_channel=rng.choice(WEB) if streaming else None,
        genres=tuple(rng.sample(GENRES, rng.randint(0, 3))),
        runtime=rng.choice((None, 10, 15, 22, 25, 30, 45, 60)),
        rating=None if rng.random() < 0.4 else round(rng.uniform(4, 9.5), 1),
    )


def write_shows(conn: sqlite3.Connection, rng: random.Random, count: int, now: float) -> None:
    """``count`` shows in the ``shows`` table, in mixed statuses, with discovery's state."""
    rules = [ShowFilters().rules()]
    judge = judge_with(rules)
    shows = [_show(rng, n, now) for n in range(1, count + 1)]
    last = LastRun(started=now - 4000, duration=37.5, outcome="synced", results={"exists": 2})
    state = {
        STATE_KEYS.next_page: count // 250 + 1,
        STATE_KEYS.initial_complete: True,
        STATE_KEYS.last_full_sync: now - 20 * 86400,
        STATE_KEYS.last_incremental_sync: now - 4000,
        STATE_KEYS.last_updates_check: now - 4000,
        STATE_KEYS.last_success: now - 4000,
        STATE_KEYS.filter_hash: rules_fingerprint(rules),
        STATE_KEYS.last_run: last.model_dump(),
    }
    judged = [(show, judge(show)) for show in shows]
    save_shows(conn, judged, now=now - 20 * 86400, state=state)
    outcomes = []
    for show, verdict in judged:
        if verdict.status is not ShowStatus.PENDING:
            continue
        at = now - rng.uniform(0, 20 * 86400)
        draw = rng.random()
        outcome: tuple[Any, ...]  # status, series id, added at, error, retry after, retries
        if show.tvdb_id is None:
            outcome = (ShowStatus.PENDING_TVDB.value, None, None, None, now + 86400 * 3, 2)
        elif draw < 0.45:
            outcome = (ShowStatus.EXISTS.value, show.tvmaze_id + 7, None, None, None, 0)
        elif draw < 0.8:
            outcome = (ShowStatus.ADDED.value, show.tvmaze_id + 7, at, None, None, 0)
        elif draw < 0.85:
            error = "Sonarr answered HTTP 400: This series has already been added"
            outcome = (ShowStatus.FAILED.value, None, None, error, at + 7 * 86400, 1)
        else:
            continue  # still pending: the next cycle adds it
        outcomes.append((*outcome, at, at, show.tvmaze_id, outcome[0]))
    with write_transaction(conn):
        conn.executemany(RESULT_SQL, outcomes)
        for tvmaze_id in rng.sample(range(1, count + 1), min(SKIPPED, count)):
            skip_within(conn, tvmaze_id, rng.choice((None, "not for us", "dubbed only")), now)
    if REVIEW:  # turned on 10 days ago: the next cycle judged the cache again
        marked = {STATE_KEYS.filter_hash: fingerprint(rules_fingerprint(rules), True)}
        refilter(conn, judge_with(rules, review=True), now=now - 10 * 86400, state=marked)
