"""sync-webhook: its ``PATH_MAPPINGS`` and the variables the alias table does not know.

- ``PATH_MAPPINGS`` (from its ``app.py``) become ``mirror.paths`` rules; with none given,
  the four mappings its README documents as the built-in table (reported as defaulted).
  ``PLEX_SECTION_*`` then land on the ``/movies``, ``/movies-4k``, ``/tv``, ``/tv-4k``
  rules through the alias table.
- ``RADARR_HD_URL``, ``SONARR_4K_URL`` (and the ``..._API_KEY`` its catch-up used) are one
  instance each (``radarr.hd``, ``sonarr.4k``, 4K when the name says so).
- ``APPRISE_TELEGRAM_TOKEN``/``_CHAT_ID`` (its setup guide) are Telegram, as
  ``TELEGRAM_BOT_TOKEN``/``_CHAT_ID``.
- What arrkestra does differently is reported, not dropped (``NOT_MAPPED``).
"""

from __future__ import annotations

from collections.abc import Sequence

from arrkestra.config.loading.aliases import ALIASES, SYNC_WEBHOOK
from arrkestra.config.migration.alias_mapping import apply_alias, fill_variable
from arrkestra.config.migration.draft import Draft
from arrkestra.config.migration.legacy_files import PathMapping, PathMappings
from arrkestra.config.migration.report import Kind
from arrkestra.config.migration.variables import NUMBERED_INSTANCE, Variable

TOOL = SYNC_WEBHOOK
SOURCE_BASE, DEST_BASE = "/mnt/synology", "/mnt/unraid/media"
README_MAPPINGS = (
    PathMapping("/movies", "rs-movies", "Movies"),
    PathMapping("/movies-4k", "rs-4kmedia/4kmovies", "4K Movies"),
    PathMapping("/tv", "rs-tv", "TV Shows"),
    PathMapping("/tv-4k", "rs-4kmedia/4ktv", "4K TV Shows"),
)
"""The table sync-webhook's README documents as its built-in ``PATH_MAPPINGS``, below its
``SYNC_SOURCE_BASE`` (``/mnt/synology``) and ``SYNC_DEST_BASE`` (``/mnt/unraid/media``)."""
OWN_VARIABLES = frozenset(
    {
        "SYNC_SOURCE_BASE",
        "SYNC_DEST_BASE",
        "SYNC_DB_PATH",
        "SYNC_DRY_RUN",
        "SYNC_WEBHOOK_PORT",
        "SYNC_LOG_PATH",
        "SYNC_LOG_LEVEL",
        "SYNC_RETRY_INTERVAL",
        "SYNC_MAX_RETRIES",
    }
)
"""Variables only sync-webhook had: a .env with one of them is its own, not a shared file
that merely holds Telegram's (only then is its built-in table assumed)."""

NOT_MAPPED = {
    "SYNC_LOG_JSON_PATH": "arrkestra writes one log; set logging.format: json for JSON lines",
}
TELEGRAM_SETUP = ("APPRISE_TELEGRAM_TOKEN", "APPRISE_TELEGRAM_CHAT_ID")


def apply_paths(
    draft: Draft, files: Sequence[PathMappings], variables: Sequence[Variable]
) -> set[Variable]:
    """``mirror.paths`` from the given PATH_MAPPINGS; without them, the README's table
    below ``SYNC_SOURCE_BASE``/``SYNC_DEST_BASE`` when a .env is sync-webhook's own.
    Returns the base variables used."""
    for found in files:
        source = found.path.name
        for problem in found.problems:
            draft.not_mapped("PATH_MAPPINGS", problem, source)
        for mapping in found.mappings:
            rules = draft.get(("mirror", "paths")) or []
            taken = [str(rule.get("arr_path", "")).rstrip("/") for rule in rules]
            if mapping.arr_path.rstrip("/") in taken:
                why = f"a rule for {mapping.arr_path} is already there (an earlier mapping)"
                draft.not_mapped(f"PATH_MAPPINGS[{mapping.arr_path!r}]", why, source)
                continue
            draft.fill(
                [(("mirror", "paths", len(rules)), _rule(mapping))],
                old=f"PATH_MAPPINGS[{mapping.arr_path!r}]",
                source=source,
            )
    bases = {v.name: v for v in variables if v.name in ("SYNC_SOURCE_BASE", "SYNC_DEST_BASE")}
    if files:
        for variable in bases.values():
            why = "the PATH_MAPPINGS given say each folder's source and destination"
            draft.not_mapped(variable.key, why, variable.source)
        return set(bases.values())
    if not any(v.name in OWN_VARIABLES for v in variables):
        return set()
    source = bases["SYNC_SOURCE_BASE"].text if "SYNC_SOURCE_BASE" in bases else SOURCE_BASE
    destination = bases["SYNC_DEST_BASE"].text if "SYNC_DEST_BASE" in bases else DEST_BASE
    draft.default(
        ("mirror", "paths"),
        [
            _rule(
                PathMapping(
                    m.arr_path, _below(source, m.source), _below(destination, m.destination)
                )
            )
            for m in README_MAPPINGS
        ],
        why="sync-webhook's built-in table, as its README documents it, below "
        f"{source} and {destination}; give its app.py to migrate the PATH_MAPPINGS it really had",
        missing="PATH_MAPPINGS",
    )
    for variable in bases.values():
        side = "source" if variable.name == "SYNC_SOURCE_BASE" else "destination"
        draft.report.add(Kind.MAPPED, variable.key, f"mirror.paths[].{side}", variable.source)
    return set(bases.values())


def _below(base: str, folder: str) -> str:
    return base.rstrip("/") + "/" + folder


def _rule(mapping: PathMapping) -> dict[str, str]:
    return {
        "arr_path": mapping.arr_path,
        "source": mapping.source,
        "destination": mapping.destination,
    }


def apply_instances(draft: Draft, variables: Sequence[Variable]) -> set[Variable]:
    """``RADARR_HD_URL``-style variables: one instance each; returns those used."""
    used: set[Variable] = set()
    for variable in variables:
        match = NUMBERED_INSTANCE.fullmatch(variable.name)
        if match is None or variable.tool != TOOL:
            continue
        kind, name, key = match[1].lower(), match[2].lower(), match[3].lower()
        fill_variable(draft, variable, (kind, name, key), variable.text)
        if ("4K" in match[2] or "UHD" in match[2]) and draft.get((kind, name, "is_4k")) is None:
            draft.default((kind, name, "is_4k"), True, why=f"{kind}.{name} is a 4K instance")
        used.add(variable)
    return used


def apply_extras(draft: Draft, variables: Sequence[Variable]) -> set[Variable]:
    """Telegram as its setup guide named it, and what arrkestra does differently."""
    used: set[Variable] = set()
    telegram = next(a for a in ALIASES if a.names == ("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"))
    for source in dict.fromkeys(v.source for v in variables if v.name in TELEGRAM_SETUP):
        mine = {v.name: v for v in variables if v.source == source and v.name in TELEGRAM_SETUP}
        given = tuple(mine.get(name) for name in TELEGRAM_SETUP)
        apply_alias(draft, telegram, given)
        used.update(mine.values())
    for variable in variables:
        if variable.name in NOT_MAPPED and variable.tool == TOOL:
            draft.not_mapped(variable.key, NOT_MAPPED[variable.name], variable.source)
            used.add(variable)
    return used
