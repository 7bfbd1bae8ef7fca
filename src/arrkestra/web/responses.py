"""JSON answers that can always be written, whatever an older version stored.

The fast path is Starlette's own (UTF-8, no NaN). A value that path refuses (a lone
surrogate kept in a job's params by a version that accepted it, a NaN) is written
instead as ASCII JSON with the surrogate escaped (``"\\udc80"``) and non-finite numbers
as ``null``: the read shows what is there rather than answering 500.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi.responses import JSONResponse


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by ``None`` (JSON has neither)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            text = json.dumps(_finite(content), ensure_ascii=True, separators=(",", ":"))
            return text.encode("ascii")
