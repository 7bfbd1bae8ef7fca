"""Review mode (``discovery.review``): a show the filters accept waits for a person.

Without review mode an accepted show is ``pending`` and the next adding pass adds it to
Sonarr. With it, the show is ``review`` (with the rule that accepted it) until a person
approves it (``approved``: the next adding pass adds it, like ``pending``) or skips it
(a skip by hand: never added, whatever later cycles bring).

An approval is kept (the store's ``approved_at``) while the filters accept the show: a
TVMaze update or a refilter leaves it approved, or waiting for a TVDB id. A show the
filters come to reject is ``filtered`` and loses the approval; accepted again later, it
waits for review again.

Turning review mode on or off changes the fingerprint the cache was judged with
(:func:`fingerprint`), so the next cycle (or a refilter) judges the cache again: with
review on, every show still waiting to be added that nobody approved goes to ``review``
(nothing reaches Sonarr without a person's yes); with review off, shows in ``review``
wait to be added.
"""

from __future__ import annotations

from arrkestra.core.discovery import Verdict
from arrkestra.core.shows import ShowStatus

CLEARED = frozenset({ShowStatus.PENDING, ShowStatus.PENDING_TVDB, ShowStatus.APPROVED})
"""Accepted and cleared to be added: what an adding pass takes (``pending_tvdb`` when due)."""


def fingerprint(rules_fingerprint: str, review: bool) -> str:
    """The fingerprint the cache is judged with: the filters', marked when review is on
    (so turning it on or off re-judges the cache; off, it is the filters' own, as before
    review mode existed)."""
    return f"{rules_fingerprint}+review" if review else rules_fingerprint


def adding_statuses(review: bool) -> tuple[ShowStatus, ...]:
    """The statuses an adding pass takes: with review on, only what a person approved
    (``pending_tvdb`` rows then are approved ones, see :func:`settled`)."""
    if review:
        return (ShowStatus.APPROVED, ShowStatus.PENDING_TVDB)
    return (ShowStatus.PENDING, ShowStatus.PENDING_TVDB, ShowStatus.APPROVED)


def settled(verdict: Verdict, old: ShowStatus, *, approved: bool) -> ShowStatus:
    """The status a show judged again (a refilter) takes, from its ``verdict``, its status
    ``old`` and whether a person approved it.

    A rejected show is ``filtered``. An accepted one keeps a waiting status it has (a
    ``pending_tvdb`` show keeps its retry clock); else it is ``approved`` if a person
    approved it, ``review`` if review mode asks for one (the verdict says so), or
    ``pending``.
    """
    if verdict.status is ShowStatus.FILTERED:
        return ShowStatus.FILTERED
    if approved:
        return old if old in CLEARED else ShowStatus.APPROVED
    if verdict.status is ShowStatus.REVIEW:
        return ShowStatus.REVIEW
    return old if old in CLEARED else ShowStatus.PENDING
