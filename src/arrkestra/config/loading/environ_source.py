"""pydantic-settings' environment source, reading the variables we pass.

Imported only when an ``ARRKESTRA_*`` variable names a setting: pydantic-settings costs
about 60 ms to import, which a daemon configured by its file alone should not pay.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import EnvSettingsSource, SettingsError

from arrkestra.config.models.fieldtree import unwrap

__all__ = ["SettingsError", "parse_environ"]

NULL = "null"


def parse_environ(
    root: type[BaseModel], environ: Mapping[str, str], *, prefix: str, delimiter: str
) -> dict[str, Any]:
    """The nested data ``environ`` sets for ``root``'s fields (``SettingsError`` on bad JSON)."""
    return _GivenEnvironSource(root, environ, prefix, delimiter)()


class _GivenEnvironSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading a mapping we pass instead of os.environ."""

    def __init__(
        self, root: type[BaseModel], environ: Mapping[str, str], prefix: str, delimiter: str
    ) -> None:
        self._given = {name.lower(): None if v == NULL else v for name, v in environ.items()}
        super().__init__(
            cast(Any, root),
            case_sensitive=False,
            env_prefix=prefix,
            env_nested_delimiter=delimiter,
            env_parse_none_str=NULL,
        )

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return self._given

    def decode_complex_value(self, field_name: str, field: FieldInfo, value: Any) -> Any:
        """JSON first; for lists also ``a,b,c``; otherwise the text, for pydantic to reject."""
        try:
            return json.loads(value)
        except ValueError:
            if field is not None and get_origin(unwrap(field.annotation)) is list:
                return [part.strip() for part in value.split(",") if part.strip()]
            return value
