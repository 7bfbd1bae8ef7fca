"""Review mode's decision by hand: a person approves a show that waits for review.

Approving is the one write review mode adds: the show becomes ``approved`` and keeps
``approved_at`` (see core/show_review for how long an approval holds). Skipping a show
in review is the ordinary skip by hand (``shows.skip``): never added, whatever later
cycles bring.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from arrkestra.core.shows import ShowStatus
from arrkestra.store.connection import write_transaction

STATUS_SQL = "SELECT processing_status FROM shows WHERE tvmaze_id = ?"
APPROVE_SQL = """
UPDATE shows SET processing_status = 'approved', approved_at = ?, updated_at = ?
WHERE tvmaze_id = ? AND processing_status = 'review'
"""


@dataclass(frozen=True)
class Approval:
    """What :func:`approve` did: ``changed`` false when the show was not in ``review``
    (``status`` says what it is; None: not in the catalogue)."""

    changed: bool
    status: ShowStatus | None


def approve(conn: sqlite3.Connection, tvmaze_id: int, *, at: float) -> Approval:
    """A person approves a show in ``review``: the next adding pass adds it."""
    with write_transaction(conn):
        found = conn.execute(STATUS_SQL, (tvmaze_id,)).fetchone()
        if found is None:
            return Approval(False, None)
        if found[0] != ShowStatus.REVIEW.value:
            return Approval(False, ShowStatus(found[0]))
        conn.execute(APPROVE_SQL, (at, at, tvmaze_id))
    return Approval(True, ShowStatus.APPROVED)
