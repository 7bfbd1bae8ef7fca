"""What a page says after one of its buttons: a fixed sentence chosen by ``?done=``.

A button is a form POST answered with a 303 back to its page carrying ``?done=<what>``
(and, where the sentence counts something, the numbers: ``&count=2``). Each page lists
its values in an enum (``class Done(StrEnum)``: FastAPI answers any other value with a
400 page) and declares its sentences next to its routes, one :class:`Notice` a value
(:func:`table`). The page looks ``done`` up (:func:`notice`) and its template shows what
it found with the ``notice`` macro of ``macros.html``.

Nothing the query says is ever echoed: ``done`` is only a key, and a sentence's
``{fields}`` are filled with numbers and with what the page itself knows (the reason
the settings give), never with the query's text.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

Done = TypeVar("Done", bound=enum.StrEnum)


@dataclass(frozen=True)
class Notice:
    """One sentence a page can say after a POST."""

    text: str  # fixed; ``{name}`` fields are filled by :meth:`filled`
    error: bool = False  # the button was refused: shown as an error

    def filled(self, **values: object) -> Notice:
        return Notice(self.text.format(**values), self.error)


def table(done: type[Done], said: Mapping[Done, Notice]) -> Mapping[str, Notice]:
    """A page's notices by ``?done=`` value: one for each value of ``done``, checked when
    the page is imported (a value without its sentence would say nothing)."""
    missing = [value.value for value in done if value not in said]
    if missing:
        raise ValueError(f"{done.__name__}: no notice for {', '.join(missing)}")
    return MappingProxyType({value.value: notice for value, notice in said.items()})


def notice(notices: Mapping[str, Notice], done: str | None, **values: object) -> Notice | None:
    """The notice ``?done=`` asks for, its fields filled with ``values`` (None: no button
    was pressed, or one the page does not know)."""
    found = notices.get(done or "")
    return None if found is None else found.filled(**values)
