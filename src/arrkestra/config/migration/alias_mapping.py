"""The loader's alias table, applied to the old settings once, to write them down for good.

At load time ``config/loading/legacy`` fills gaps from the old tools' variables; here the
same ``ALIASES`` (their order, targets and conversions) turn the old files into keys of
the new file, with two differences:

- **secrets are never written**: when a variable lands in a secret setting (an API key, a
  token, a webhook secret, a notification URL) or carries a password inside a URL, the
  alias is applied again to ``${NAME}`` references instead of the values, so the file
  says ``tgram://${TELEGRAM_BOT_TOKEN}/${TELEGRAM_CHAT_ID}``, and the report lists the
  variables to keep set. A conversion that needs the value itself (Discord's webhook URL
  becomes ``discord://ID/TOKEN``) gets the whole variable as a reference: Apprise reads
  Discord's own URL as it is.
- values are written with their type (``PORT=8080`` as the number 8080, a bare number of
  seconds as ``30s``), so the file reads like a hand-written one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, get_args

from arrkestra.config.loading.aliases import ALIASES, SECONDS, Alias, AliasIgnored
from arrkestra.config.migration.draft import Draft, Fill, reference
from arrkestra.config.migration.variables import Variable
from arrkestra.config.models.fieldtree import Loc, resolve, unwrap
from arrkestra.config.models.secrets import raw_secrets, secrets_in
from arrkestra.config.models.settings import Settings
from arrkestra.core.redact import Redactor

_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True}
_BOOLEANS |= {"false": False, "no": False, "off": False, "0": False}


def apply_aliases(draft: Draft, variables: Sequence[Variable]) -> set[Variable]:
    """Every alias, in the table's order, for each file that sets one of its variables;
    returns the variables used (mapped or reported)."""
    used: set[Variable] = set()
    for alias in ALIASES:
        for given in _per_source(alias, variables):
            apply_alias(draft, alias, given)
            used.update(v for v in given if v is not None)
    return used


def _per_source(
    alias: Alias, variables: Sequence[Variable]
) -> Iterable[tuple[Variable | None, ...]]:
    """For each file that sets any of ``alias.names``: its variables, by name (None: unset)."""
    sources = dict.fromkeys(v.source for v in variables if v.name in alias.names)
    for source in sources:
        mine = {v.name: v for v in variables if v.source == source and v.name in alias.names}
        yield tuple(mine.get(name) for name in alias.names)


def apply_alias(draft: Draft, alias: Alias, given: tuple[Variable | None, ...]) -> None:
    present = [v for v in given if v is not None]
    old, source = " + ".join(v.key for v in present), present[0].source
    texts = tuple(None if v is None else v.text for v in given)
    try:
        real = alias.fills(texts, draft.data)
    except AliasIgnored as exc:
        draft.not_mapped(old, f"ignored: {exc}", source)
        return
    except ValueError as exc:
        draft.not_mapped(old, f"invalid: {_masked(str(exc), present)}", source)
        return
    if not real:
        draft.not_mapped(old, "nothing in this config for it to apply to", source)
        return
    if any(holds_secret(loc, value) for loc, value in real):
        fills, note = _as_references(draft, alias, given, real)
    else:
        verbatim = next((v.text for v in present if v.verbatim), None)
        fills = [(loc, _typed(loc, value, alias, verbatim)) for loc, value in real]
        note = ""
    if draft.fill(fills, old=old, source=source, note=note):
        for variable in present:
            note_references(draft, variable)


def note_references(draft: Draft, variable: Variable) -> None:
    """The variables a value written as it was (``"${SONARR_URL}"``) needs at run time."""
    if variable.verbatim:
        for name in _REFERENCE.findall(variable.text):
            draft.report.reference(
                name, f"{variable.source} referenced it already ({variable.key})"
            )


def _as_references(
    draft: Draft, alias: Alias, given: tuple[Variable | None, ...], real: Sequence[Fill]
) -> tuple[list[Fill], str]:
    """The alias applied to ``${NAME}`` references; the variables noted as needed."""
    refs = tuple(
        None if v is None else (v.text if v.verbatim else reference(v.name)) for v in given
    )
    try:
        fills = alias.fills(refs, draft.data)
    except (AliasIgnored, ValueError):  # the conversion needs the value: reference it whole
        whole = next(ref for ref in refs if ref is not None)
        fills = [(loc, [whole] if isinstance(value, list) else whole) for loc, value in real]
    for variable in given:
        if variable is not None and not variable.verbatim:
            draft.report.reference(variable.name, _where(variable))
    shown = ", ".join(reference(v.name) for v in given if v is not None and not v.verbatim)
    return list(fills), f"secret, written as {shown}" if shown else "kept as written"


def _where(variable: Variable) -> str:
    if variable.key == variable.name:
        return f"set in {variable.source}"
    return (
        f"{variable.key} was written inline in {variable.source}: set {variable.name} to that "
        "value in the environment (or a Docker secret, "
        f"{variable.name}_FILE)"
    )


def holds_secret(loc: Loc, value: Any) -> bool:
    """Whether ``value`` at ``loc`` is a secret setting, or text holding a secret: a URL
    with a password, or with a token in its query (``?X-Plex-Token=``): whatever the log's
    redactor would mask."""
    nested: Any = value
    for key in reversed(loc):
        nested = {key: nested} if isinstance(key, str) else [None] * key + [nested]
    for _ in raw_secrets(Settings, nested):
        return True
    if isinstance(value, str) and Redactor()(value) != value:
        return True
    return any(True for _ in secrets_in(value))


def _typed(loc: Loc, value: Any, alias: Alias, verbatim: str | None) -> Any:
    """A value as text the way a person writes it in YAML: numbers, booleans, ``30s``."""
    if verbatim is not None and isinstance(value, str):
        return verbatim
    if not isinstance(value, str):
        return value
    text = value.strip()
    annotation = unwrap(resolve(Settings, loc))
    if annotation is bool and text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    if SECONDS in alias.rule and _NUMBER.fullmatch(text):
        return f"{text}s"
    if (annotation is int or int in get_args(annotation)) and text.isdigit():
        return int(text)
    if annotation is float and _NUMBER.fullmatch(text):
        return float(text)
    return value


def _masked(message: str, variables: Sequence[Variable]) -> str:
    """An alias's error message with every value of its variables masked."""
    for variable in variables:
        if len(variable.text) >= 3:
            message = message.replace(variable.text, "***")
    return message


def fill_variable(draft: Draft, variable: Variable, loc: Loc, value: Any, note: str = "") -> bool:
    """One old setting to one key, outside the alias table (a tool's own meaning of it):
    a secret as its ``${NAME}`` reference, anything else with its type."""
    if variable.verbatim:
        value = variable.text
    elif holds_secret(loc, value):
        value = reference(variable.name)
        draft.report.reference(variable.name, _where(variable))
        note = f"secret, written as {value}" + (f"; {note}" if note else "")
    filled = draft.fill([(loc, value)], old=variable.key, source=variable.source, note=note)
    if filled:
        note_references(draft, variable)
    return filled


def as_boolean(text: str) -> bool | None:
    return _BOOLEANS.get(text.strip().lower())
