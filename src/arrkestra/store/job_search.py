"""Finding jobs by the text of their title or a file path (``list_jobs``' ``text``).

No index can answer "contains", so a search reads each job's JSON; it is shaped to make
that read cheap, in two tests joined by ``AND``:

1. :data:`RAW_CANDIDATE`, in SQLite's own code: the raw params/result JSON holds the
   text (``LIKE`` ignores ASCII case) or holds a backslash. JSON is written with
   ``ensure_ascii``, so a row without a backslash is ASCII with its strings written
   literally, and for it this test alone can rule the job out; a row with escapes (a
   non-ASCII title) always takes the exact test.
2. The exact test: each field of :data:`SEARCHED`, case-folded by Python
   (:func:`fold`, registered as the SQL function :data:`FOLD`), contains the text.

A search that finds nothing reads 100,000 jobs in ~50 ms instead of ~500 ms; the
dashboard also bounds the ids a page searches (``web/dashboard/jobs.SEARCH_WINDOW``).
The title search (``store/title_search``) folds and escapes text the same way.
"""

from __future__ import annotations

import sqlite3
import unicodedata

from arrkestra.core.job_kinds import (
    CleanupResult,
    CopyParams,
    MirrorProblem,
    RenameParams,
    ScanParams,
)

SEARCHED = (
    ("params", CopyParams.json_path("title")),  # every kind with a title names it so
    ("params", CopyParams.json_path("library_path")),  # copies, deletes, renames (new name)
    ("params", RenameParams.json_path("previous_path")),
    ("params", ScanParams.json_path("folder")),
    ("params", MirrorProblem.json_path("subject")),
    ("result", CleanupResult.json_path("title")),  # Overseerr's title, when the event had none
)
"""Where a job's title and file paths are: the fields :func:`text_clause` tests."""
FOLD = "arrkestra_fold"  # SQL function: text normalised and case-folded, as Python does it
LIKE_ESCAPE = "\\"


def fold(value: object) -> str | None:
    """Text compared without case, accents composed alike (``Amélie`` typed or pasted from
    a macOS file name); not text: None. SQLite's own ``lower`` knows ASCII only."""
    if not isinstance(value, str):
        return None
    return unicodedata.normalize("NFC", value).casefold()


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its ``%`` and ``_`` taken literally."""
    escaped = "".join(LIKE_ESCAPE + c if c in "%_" + LIKE_ESCAPE else c for c in fold(text) or "")
    return f"%{escaped}%"


RAW_CANDIDATE = f"""(params LIKE ? ESCAPE '{LIKE_ESCAPE}' OR instr(params, '{LIKE_ESCAPE}') > 0
  OR result LIKE ? ESCAPE '{LIKE_ESCAPE}' OR instr(result, '{LIKE_ESCAPE}') > 0)"""
"""The cheap test, run before the exact one (which calls Python for each field): a job can
match only if its raw JSON holds the text, or holds a backslash (see the module's text)."""


def text_clause(conn: sqlite3.Connection, text: str) -> tuple[str, list[object]]:
    """The ``WHERE`` clause of jobs whose title or a file path contains ``text`` in any
    case, and its arguments; registers :data:`FOLD` on ``conn``."""
    conn.create_function(FOLD, 1, fold, deterministic=True)
    pattern = contains_pattern(text)
    tests = [
        f"{FOLD}(json_extract({column}, '{path}')) LIKE ? ESCAPE '{LIKE_ESCAPE}'"
        for column, path in SEARCHED
    ]
    exact = "(" + " OR ".join(tests) + ")"
    return f"{RAW_CANDIDATE} AND {exact}", [pattern] * (2 + len(tests))
