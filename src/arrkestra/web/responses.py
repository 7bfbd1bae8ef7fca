"""JSON answers that can always be written, whatever an older version stored.

The fast path is Starlette's own (UTF-8, no NaN). A value that path refuses (a lone
surrogate kept in a job's params by a version that accepted it, a NaN) is written
instead as ASCII JSON with the surrogate escaped (``"\\udc80"``) and non-finite numbers
as ``null``: the read shows what is there rather than answering 500.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse

from arrkestra.core.json_values import finite


class SafeJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            text = json.dumps(finite(content), ensure_ascii=True, separators=(",", ":"))
            return text.encode("ascii")
