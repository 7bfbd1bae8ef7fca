"""Finding cached shows for a person (the discovery page): by status and by words of the
title, newest TVMaze id first, one page at a time.

The catalogue holds ~90,000 shows. Listing a status reads ``shows_status`` in id order
and stops at the page. A title search is a substring (``LIKE``, ASCII letters in any
case), which no B-tree index can seek: it scans ``shows_status_title`` (status, title,
and the id with them), never the table, then reads only the page's rows by id; a few ms
over the whole catalogue. A page asks for one row more than it shows, to know whether
another page follows (no count of the matches, which would scan again).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from arrkestra.core.shows import ShowStatus
from arrkestra.store.shows import SELECT_COLUMNS, ShowRow, show_row

LIST_SQL = f"""
SELECT {SELECT_COLUMNS} FROM shows INDEXED BY shows_status
WHERE processing_status = ? ORDER BY tvmaze_id DESC LIMIT ? OFFSET ?
"""
LIST_ALL_SQL = f"SELECT {SELECT_COLUMNS} FROM shows ORDER BY tvmaze_id DESC LIMIT ? OFFSET ?"
SEARCH_SQL = f"""
SELECT {SELECT_COLUMNS} FROM shows WHERE tvmaze_id IN (
    SELECT tvmaze_id FROM shows INDEXED BY shows_status_title
    WHERE processing_status = ? AND title LIKE ? ESCAPE '\\'
) ORDER BY tvmaze_id DESC LIMIT ? OFFSET ?
"""
SEARCH_ALL_SQL = f"""
SELECT {SELECT_COLUMNS} FROM shows WHERE tvmaze_id IN (
    SELECT tvmaze_id FROM shows INDEXED BY shows_status_title WHERE title LIKE ? ESCAPE '\\'
) ORDER BY tvmaze_id DESC LIMIT ? OFFSET ?
"""


@dataclass(frozen=True)
class ShowPage:
    rows: list[ShowRow]
    more: bool  # another page follows


def like_pattern(words: str) -> str:
    """``LIKE`` pattern for ``words`` anywhere in the title (``%`` and ``_`` taken literally)."""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_shows(
    conn: sqlite3.Connection,
    status: ShowStatus | None,
    words: str | None,
    *,
    limit: int,
    offset: int = 0,
) -> ShowPage:
    """Shows of ``status`` (None: any) whose title holds ``words`` (None: any title)."""
    paging: list[Any] = [limit + 1, offset]
    if words:
        if status is None:
            rows = conn.execute(SEARCH_ALL_SQL, [like_pattern(words), *paging])
        else:
            rows = conn.execute(SEARCH_SQL, [status.value, like_pattern(words), *paging])
    elif status is None:
        rows = conn.execute(LIST_ALL_SQL, paging)
    else:
        rows = conn.execute(LIST_SQL, [status.value, *paging])
    found = [show_row(row) for row in rows]
    return ShowPage(found[:limit], len(found) > limit)
