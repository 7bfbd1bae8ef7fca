"""How a cached show's state reads for a person (the dashboard's discovery page): its
status in words, and why the filters accepted or rejected it.

The store keeps the filters' own sentence for a rejection (``genre Reality is
excluded``) and the rule index for an acceptance; Sonarr's side adds an error (no TVDB
id yet, Sonarr refused). Here they become one line, the status badge beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from arrkestra.core.shows import ShowStatus

STATUS_WORDS: dict[ShowStatus, str] = {
    ShowStatus.REVIEW: "waiting for review",
    ShowStatus.APPROVED: "approved",
    ShowStatus.PENDING: "to add",
    ShowStatus.PENDING_TVDB: "waiting for a TVDB id",
    ShowStatus.ADDED: "added",
    ShowStatus.EXISTS: "already in Sonarr",
    ShowStatus.FAILED: "failed",
    ShowStatus.SKIPPED: "skipped",
    ShowStatus.FILTERED: "filtered out",
}
"""Every status in words, in the order the page lists them (what needs a person first)."""

ACCEPTED = frozenset(
    {
        ShowStatus.REVIEW,
        ShowStatus.APPROVED,
        ShowStatus.PENDING,
        ShowStatus.PENDING_TVDB,
        ShowStatus.ADDED,
        ShowStatus.EXISTS,
        ShowStatus.FAILED,
    }
)
"""Statuses of shows the filters accepted (Sonarr may have had its say since)."""


def accepted_by(rule: int | None, targets: Sequence[str]) -> str:
    """``passes the filters`` (one rule), ``passes rule 2 (sonarr.4k)`` (several)."""
    if len(targets) <= 1 or rule is None:
        return "passes the filters"
    where = f" ({targets[rule]})" if 0 <= rule < len(targets) else ""
    return f"passes rule {rule + 1}{where}"


def reason_of(
    status: ShowStatus,
    *,
    filter_reason: str | None,
    rule: int | None,
    error: str | None,
    targets: Sequence[str] = (),
) -> str:
    """Why a show is where it is: the rejection, or the acceptance and what followed.

    ``targets``: each rule's Sonarr instance, by rule index (named when there are several).
    """
    if status is ShowStatus.FILTERED:
        return filter_reason or "the filters reject it"
    if status is ShowStatus.SKIPPED:
        return filter_reason or error or "skipped"
    said = accepted_by(rule, targets) if status in ACCEPTED else ""
    if error and status in (ShowStatus.PENDING_TVDB, ShowStatus.FAILED):
        return f"{said}; {error}" if said else error
    return said
