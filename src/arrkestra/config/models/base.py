"""What every config model shares: unknown keys are errors, values are frozen.

Also the two small mechanisms the models build on: errors that carry a hint, and
``overlay``, the "only the keys you set" merge used for per-pipeline retry settings and
discovery rules.
"""

from __future__ import annotations

import types
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

M = TypeVar("M", bound=BaseModel)


class ConfigModel(BaseModel):
    """Base of every config section: a typo in a key is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_unset(cls, data: Any) -> Any:
        """``key: null`` means "not set" (the default), except where null is a value itself
        (``rate_limit: null`` disables). So an empty ``sonarr:`` or ``server:`` is fine."""
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {
            key: value
            for key, value in data.items()
            if value is not None or key not in fields or _allows_none(fields[key].annotation)
        }


def _allows_none(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def config_error(kind: str, message: str, hint: str = "") -> PydanticCustomError:
    """A validation error whose ``ctx["hint"]`` the loader shows under the message."""
    return PydanticCustomError(kind, "{message}", {"message": message, "hint": hint})


def overlay(base: M, top: M) -> M:
    """``base`` with every field ``top`` explicitly set (an explicit ``null`` included).

    Nested models merge the same way, so ``{genres: {exclude: [News]}}`` keeps the base's
    ``genres.include``. Fields ``top`` never set keep the base's value.
    """
    update: dict[str, object] = {}
    for name in top.model_fields_set:
        mine, theirs = getattr(top, name), getattr(base, name)
        both_models = isinstance(mine, BaseModel) and type(mine) is type(theirs)
        update[name] = overlay(theirs, mine) if both_models else mine
    return base.model_copy(update=update)
