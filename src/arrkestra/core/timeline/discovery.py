"""What discovery made of a show, as steps of its title's timeline.

A show row (``shows``) says when discovery first saw it in the TVMaze catalogue
(``created_at``), its verdict (``processing_status`` with ``filter_reason``) as of its
last check, and when it was added to Sonarr. Steps: "found in the catalogue", then the
verdict: ``rejected`` (``rejected: language Japanese not in English``), ``skipped``
(``already in Sonarr``), ``added`` (rule 1), or the discovery page's word for the status
(``core/show_words``: ``waiting for review``, ``waiting for a TVDB id`` ...).

Which rows belong to a series title: TVMaze names shows its own way ("The Office (US)"),
so a show whose TVDB id Sonarr sent with the title's events is its show; with no such id
known (a show only discovery knows), the shows of exactly that title are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from arrkestra.core.show_words import STATUS_WORDS, reason_of
from arrkestra.core.shows import ShowStatus
from arrkestra.core.timeline.entry import Entry, TitleIds, Tone

DISCOVERY = "discovery"


@dataclass(frozen=True)
class ShowFacts:
    """What the timeline reads of a row of ``shows``."""

    tvmaze_id: int
    tvdb_id: int | None
    title: str
    premiered: str | None
    status: str  # processing_status
    filter_reason: str | None
    rule: int | None
    added_to_sonarr_at: float | None
    last_checked: float | None
    created_at: float
    updated_at: float
    error_message: str | None = None


SAID: Mapping[ShowStatus, tuple[Tone, str]] = {
    ShowStatus.FILTERED: ("skip", "discovery's filters rejected it"),
    ShowStatus.PENDING: ("wait", "discovery's filters accepted it; the next cycle adds it"),
    ShowStatus.PENDING_TVDB: ("wait", "discovery's filters accepted it; Sonarr needs a TVDB id"),
    ShowStatus.EXISTS: ("skip", "discovery found it in Sonarr already"),
    ShowStatus.FAILED: ("bad", "discovery could not add it to Sonarr"),
    ShowStatus.SKIPPED: ("skip", "discovery leaves it out"),
    ShowStatus.REVIEW: ("wait", "discovery's filters accepted it; it waits for a person's review"),
    ShowStatus.APPROVED: ("wait", "approved: the next discovery cycle adds it to Sonarr"),
}
"""Each status but ``added``: its tone and sentence (the badge: ``show_words``' word)."""
SKIP_WORDS: Mapping[ShowStatus, str] = {
    ShowStatus.FILTERED: "rejected",
    ShowStatus.EXISTS: "skipped",
    ShowStatus.SKIPPED: "skipped",
}
"""A skip's badge (its reason says why); other statuses read as on the discovery page."""
SKIPPING = frozenset(SKIP_WORDS)


def _name(show: ShowFacts) -> str:
    year = f" ({show.premiered[:4]})" if show.premiered else ""
    return f'"{show.title}"{year}, TVMaze {show.tvmaze_id}'


def _verdict(show: ShowFacts, status: ShowStatus) -> Entry:
    tone, what = SAID.get(status, ("info", "discovery's verdict"))
    reason = reason_of(
        status, filter_reason=show.filter_reason, rule=show.rule, error=show.error_message
    )
    if status is ShowStatus.FILTERED:
        reason = f"rejected: {reason}"
    elif status is ShowStatus.EXISTS:
        reason = "already in Sonarr"
    keep = status in SKIPPING or status in (ShowStatus.FAILED, ShowStatus.PENDING_TVDB)
    at = show.last_checked or show.updated_at
    badge = SKIP_WORDS.get(status) or STATUS_WORDS.get(status, status.value)
    return Entry(at, DISCOVERY, what, badge, tone, "show", show.tvmaze_id, reason if keep else None)


def show_entries(show: ShowFacts) -> list[Entry]:
    """The show's steps: found in the catalogue, then its verdict (or its adding)."""
    found = Entry(
        at=show.created_at,
        pipeline=DISCOVERY,
        what=f"discovery found {_name(show)} in the TVMaze catalogue",
        outcome="catalogued",
        tone="info",
        source="show",
        source_id=show.tvmaze_id,
    )
    try:
        status = ShowStatus(show.status)
    except ValueError:
        return [found]  # a status from a newer version: nothing to say about it
    if status is ShowStatus.ADDED:
        rule = f" (rule {show.rule + 1})" if show.rule is not None else ""
        at = show.added_to_sonarr_at or show.last_checked or show.updated_at
        what = f"discovery added it to Sonarr{rule}"
        return [found, Entry(at, DISCOVERY, what, "added", "ok", "show", show.tvmaze_id)]
    return [found, _verdict(show, status)]


def shows_of(shows: Iterable[ShowFacts], title: str, ids: TitleIds) -> list[ShowFacts]:
    """The shows that are this series: by a TVDB id its events carried, else by title."""
    candidates = list(shows)
    by_id = [show for show in candidates if show.tvdb_id in ids.tvdb]
    if by_id:
        return by_id
    # a show of the same name with another TVDB id is another show
    unknown = not ids.tvdb
    return [s for s in candidates if s.title == title and (unknown or s.tvdb_id is None)]
