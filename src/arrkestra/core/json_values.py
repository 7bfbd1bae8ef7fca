"""Values JSON can hold: NaN and infinities become ``null``.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON: SQLite's JSON
functions refuse such text (``malformed JSON``), and since the dashboard's indexes read
job params and results with ``json_extract``, a job row holding one could not even be
written. Every JSON the store writes for a job goes through :func:`finite` first; the
API's answers use it too when a row from an older version holds one.
"""

from __future__ import annotations

import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by ``None``, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value
