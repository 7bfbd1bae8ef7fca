"""The online check of ``mirror.paths``: each rule's roots, and the Plex section it scans.

Roots go through the mount checker the mirror itself uses (``adapters/mounts``: exists, is
a directory, can be listed, the anchor file when configured, and for a destination a test
file created and removed), so the check sees what a copy would see, within
``mirror.mounts.check_timeout`` even on a stale NFS mount. Plex: a rule's
``plex_section`` (an id, or a title) must be a section Plex has whose folders hold the
rule's root as Plex sees it (``plex_path``, else ``destination``); a rule without one
needs some section that holds it, or its scans find none. Jellyfin and Emby: each server's
libraries (``GET /Library/VirtualFolders``) must hold each rule's root as that server sees
it (``jellyfin_path`` / ``emby_path``, else ``destination``), or the server is told about
paths it does not watch and ignores them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Set

from arrkestra.adapters.media_browser import Library, MediaBrowserClient, library_holding
from arrkestra.adapters.mounts import MountChecker, MountState
from arrkestra.adapters.plex import PlexClient, Section, section_holds
from arrkestra.config import Settings
from arrkestra.core.errors import ArrkestraError
from arrkestra.core.job_kinds.server_update import ServerKind
from arrkestra.core.paths import PathRule
from arrkestra.core.redact import Redactor
from arrkestra.pipelines.mirror.roots import mount_specs
from arrkestra.runtime.online_check.report import NOTHING, Result, Row
from arrkestra.runtime.online_check.upstreams import PROBE_LIMIT

INSIDE_CONTAINER = (
    "is the share mounted, and is this the path inside arrkestra's container (the "
    "right-hand side of its volume)?"
)


async def check_roots(settings: Settings, redactor: Redactor) -> list[Row]:
    """A row per rule and root, in the order of ``mirror.paths``."""
    config = settings.mirror
    specs = [
        (index, spec)
        for index, rule in enumerate(config.path_rules())
        for spec in mount_specs(rule, config.mounts.anchor_file)
    ]
    checker = MountChecker(timeout=config.mounts.check_timeout)
    try:
        states = await checker.check_all([spec for _, spec in specs])
    finally:
        checker.close()
    return [
        _root_row(f"mirror.paths[{index}].{spec.role}", state, redactor)
        for (index, spec), state in zip(specs, states, strict=True)
    ]


def _root_row(check: str, state: MountState, redactor: Redactor) -> Row:
    target = redactor(state.path)
    if state.ok:
        found = "readable" if state.role == "source" else "readable and writable (test file)"
        return Row(check, target, Result.OK, found)
    hint = _root_hint(state.detail)
    detail = f"{state.detail}: {hint}" if hint else state.detail
    return Row(check, target, Result.FAIL, redactor(detail))


def _root_hint(detail: str) -> str:
    """What to do about a failed mount check (its detail is ``adapters/mounts``' words)."""
    if detail == "does not exist":
        return INSIDE_CONTAINER
    if detail == "is not a directory":
        return "point it at the folder, not at a file"
    if detail.startswith("not readable"):
        return (
            "arrkestra's user cannot list it: check the folder's permissions and the user "
            "the container runs as (PUID/PGID)"
        )
    if detail == "not writable (read-only file system)":
        return "it is mounted read-only: drop :ro from the volume, or export the share read-write"
    if detail.startswith("not writable"):
        return (
            "arrkestra's user cannot create files there: check the folder's owner and "
            "permissions, NFS root squash, and the user the container runs as (PUID/PGID)"
        )
    if "timed out" in detail or "hanging" in detail:
        return "a stale NFS mount? remount it (umount -l, then mount)"
    return ""  # the detail says it all ("is not a mount point (is the share mounted?)")


async def check_plex_sections(
    settings: Settings, plex: PlexClient, plex_url: str, redactor: Redactor
) -> list[Row]:
    """A row per rule: the section its scans go to, found or not."""
    try:
        sections = await asyncio.wait_for(plex.sections(), PROBE_LIMIT)
    except (ArrkestraError, TimeoutError) as exc:
        problem = redactor(str(exc)) or f"no answer within {PROBE_LIMIT:g}s"
        return [Row("plex sections", plex_url, Result.FAIL, f"cannot read them: {problem}")]
    rows = []
    for index, rule in enumerate(settings.mirror.path_rules()):
        if rule.plex_section is None:
            row = _found_section(f"mirror.paths[{index}].plex_path", rule, sections)
        else:
            row = _named_section(f"mirror.paths[{index}].plex_section", rule, sections)
        rows.append(Row(row.check, redactor(row.target), row.result, redactor(row.detail)))
    return rows


def _found_section(check: str, rule: PathRule, sections: list[Section]) -> Row:
    """A rule without ``plex_section``: its scans go to the section holding its root."""
    folder = rule.plex_root
    holding = [s for s in sections if section_holds(s, folder)]
    if len(holding) == 1:
        return Row(check, folder, Result.OK, f"in Plex section {_name(holding[0])}")
    if holding:  # nested library folders: the deepest one takes the scans
        names = ", ".join(_name(s) for s in holding)
        return Row(check, folder, Result.OK, f"in Plex sections {names} (the deepest folder's)")
    hint = _plex_path_hint(rule)
    detail = f"no Plex library folder holds it ({_folders(sections)}): {hint}"
    return Row(check, folder, Result.FAIL, detail)


def _named_section(check: str, rule: PathRule, sections: list[Section]) -> Row:
    """A rule's ``plex_section``, an id or a title (as the Plex client resolves it: among
    sections of one title, the one holding the folder)."""
    wanted = rule.plex_section
    assert wanted is not None
    target = str(wanted)
    if isinstance(wanted, int):
        matches = [s for s in sections if s.key == str(wanted)]
    else:
        matches = [s for s in sections if s.title.casefold() == wanted.strip().casefold()]
    if not matches:
        have = ", ".join(_name(s) for s in sections) or "none"
        hint = "set plex_section to one of their ids, or remove it to find it from the folder"
        return Row(check, target, Result.FAIL, f"Plex has no such section (it has {have}): {hint}")
    holding = [s for s in matches if section_holds(s, rule.plex_root)]
    section = (holding or matches)[0]
    if not holding:
        detail = f"section {_name(section)} ({_folders(matches)}) does not hold {rule.plex_root}"
        return Row(check, target, Result.FAIL, f"{detail}: {_plex_path_hint(rule)}")
    return Row(check, target, Result.OK, f"section {_name(section)} holds {rule.plex_root}")


def _plex_path_hint(rule: PathRule) -> str:
    if rule.plex_path is None:
        return "set plex_path to the destination as Plex sees it (its library folder)"
    return "plex_path must be the destination as Plex sees it, inside one of its folders"


def _name(section: Section) -> str:
    return f"{section.key} '{section.title}'"


def _folders(sections: list[Section]) -> str:
    return ", ".join(loc for s in sections for loc in s.locations) or "Plex has no folders"


# -- Jellyfin and Emby libraries -------------------------------------------------------------


async def check_libraries(
    settings: Settings,
    clients: Mapping[str, MediaBrowserClient],
    answered: Set[str],
    redactor: Redactor,
) -> list[Row]:
    """For each Jellyfin and Emby server (``answered``: its row was ok), a row per rule:
    the library holding the rule's root as that server sees it, or what to write."""
    rows = []
    for server, client in clients.items():
        if server not in answered:
            detail = f"not checked: {server} did not answer as it should (the {server} row)"
            rows.append(Row(f"{server} libraries", NOTHING, Result.SKIPPED, detail))
            continue
        try:
            libraries = await asyncio.wait_for(client.libraries(), PROBE_LIMIT)
        except (ArrkestraError, TimeoutError) as exc:
            problem = redactor(str(exc)) or f"no answer within {PROBE_LIMIT:g}s"
            detail = f"cannot read them: {problem}"
            rows.append(Row(f"{server} libraries", NOTHING, Result.FAIL, detail))
            continue
        for index, rule in enumerate(settings.mirror.path_rules()):
            row = _library_row(index, rule, server, client.kind, libraries)
            rows.append(Row(row.check, redactor(row.target), row.result, redactor(row.detail)))
    return rows


def _library_row(
    index: int, rule: PathRule, server: str, kind: ServerKind, libraries: list[Library]
) -> Row:
    check = f"mirror.paths[{index}].{kind}_path"
    root, _ = rule.server_root(kind)
    found = library_holding(libraries, root)
    if found is not None:
        return Row(check, root, Result.OK, f"{server}: in library '{found.name}'")
    product = kind.capitalize()
    folders = ", ".join(loc for library in libraries for loc in library.locations)
    have = f"its folders: {folders}" if folders else f"{product} has no library folders"
    if getattr(rule, f"{kind}_path") is None:
        hint = (
            f"set {kind}_path to the destination as {product} sees it (inside Docker, "
            f"the path on the right-hand side of {product}'s volume)"
        )
    else:
        hint = f"{kind}_path must be the destination as {product} sees it, inside a library"
    detail = f"{server}: no library holds it ({have}): {hint}"
    return Row(check, root, Result.FAIL, detail)
