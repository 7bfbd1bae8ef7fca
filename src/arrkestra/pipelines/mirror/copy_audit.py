"""What ``arrkestra verify`` checks: existing copies compared with their sources, reported,
never repaired (for people who want to audit a destination once).

The scope is a path as Sonarr/Radarr name it (a file, a folder, or a ``mirror.paths``
root itself), mapped exactly as ``arrkestra sync`` maps it (``core/paths.map_path``, every
rule considered), or every rule's source tree (``--all``). A folder is listed as reconcile
lists a root (``adapters/tree_scan``, the mirror's excludes applied to paths relative to
the rule's root, symlinks not followed), and every file in it is paired with the same
relative path at the destination: a file the mirror would copy there and is not there is
a problem, whether or not it is a video. Files only at the destination are not reported
(reconcile's report counts them). The pairs are compared by ``adapters/file_verify``.

Each rule's two roots pass the mount check first (``adapters/mounts``, with the anchor
file, within ``mirror.mounts.check_timeout``): an unmounted source would list as an empty
tree and "verify" nothing, an unmounted destination would report every file missing. A
root that fails is one problem in the report and its rule's files are not compared. Both
roots are checked as *sources*: readable, never written to (the destination check's probe
file would be a write, and verify writes nothing).

Nothing here touches the database or the daemon: it reads the config and the two trees,
so it runs beside a running daemon. A path no rule maps, or one not in the source, is a
:class:`VerifyRefused` (``exit 2``); problems found are the report.
"""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

from arrkestra.adapters.file_verify import Verdict, VerifyMethod, verify_files
from arrkestra.adapters.mounts import MountChecker, MountSpec
from arrkestra.adapters.tree_scan import TreeUnavailable, scan_tree
from arrkestra.config import Settings
from arrkestra.core.excludes import ExcludeMatcher
from arrkestra.core.paths import PathRefused, PathRule, ensure_inside, map_path

__all__ = ["AuditReport", "Scope", "VerifyRefused", "audit", "default_method", "scope_of"]

Pair = tuple[str, str]


class VerifyRefused(Exception):
    """A verify that cannot start: a path no rule maps, or nothing there in the source."""


@dataclass(frozen=True)
class Scope:
    """What one verify compares, and the roots it could not read (each a sentence)."""

    pairs: tuple[Pair, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditReport:
    verdicts: list[Verdict]
    root_problems: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def problems(self) -> list[Verdict]:
        return [verdict for verdict in self.verdicts if not verdict.ok]

    @property
    def bytes_read(self) -> int:
        return sum(verdict.bytes_read for verdict in self.verdicts)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.root_problems


def default_method(settings: Settings) -> VerifyMethod:
    """``mirror.verify`` when it is a method, else (``none``) ``size``."""
    return "checksum" if settings.mirror.verify == "checksum" else "size"


async def scope_of(settings: Settings, path: str | None) -> Scope:
    """The pairs under ``path`` (as Sonarr/Radarr name it), or under every rule (None)."""
    mirror = settings.mirror
    rules = mirror.path_rules()
    excludes = ExcludeMatcher(mirror.excludes)
    mounts = MountChecker(timeout=mirror.mounts.check_timeout)
    try:
        if path is None:
            if not rules:
                raise VerifyRefused("mirror.paths is empty: there are no copies to verify")
            return await _every_root(rules, excludes, mounts, mirror.mounts.anchor_file)
        rule, relative = _mapped(path, rules)
        down = await _roots_down(rule, mounts, mirror.mounts.anchor_file)
        if down:
            return Scope((), tuple(down))
        return await asyncio.to_thread(_path_scope, path, rule, relative, excludes)
    finally:
        mounts.close()


async def audit(
    scope: Scope,
    method: VerifyMethod,
    clock: Callable[[], float],
    on_verdict: Callable[[Verdict], None] | None = None,
) -> AuditReport:
    """Compare every pair of ``scope``; ``clock`` (monotonic seconds) times the run."""
    started = clock()
    verdicts = await verify_files(scope.pairs, method, on_verdict)
    return AuditReport(verdicts, scope.problems, clock() - started)


def _mapped(path: str, rules: tuple[PathRule, ...]) -> tuple[PathRule, tuple[str, ...]]:
    """The rule and the components below its root; a rule's root itself is ``()``."""
    try:
        mapped = map_path(path, rules)
    except PathRefused as refused:
        # map_path wants a file below a root; a root asked for by name maps as its child's
        # folder (a path refused for any other reason is refused for the child too)
        separator = "\\" if "\\" in path else "/"
        try:
            child = map_path(path.rstrip("/\\") + separator + "x", rules)
        except PathRefused:
            raise VerifyRefused(str(refused)) from None
        if len(child.relative) != 1:
            raise VerifyRefused(str(refused)) from None
        return child.rule, ()
    return mapped.rule, mapped.relative


async def _roots_down(rule: PathRule, mounts: MountChecker, anchor: str | None) -> list[str]:
    """A sentence per root of ``rule`` that fails its mount check."""
    roots = (("source", rule.source_root), ("destination", rule.destination_root))
    states = await mounts.check_all([MountSpec(root, "source", anchor) for _, root in roots])
    return [
        f"{side} root {root}: {state.detail}"
        for (side, root), state in zip(roots, states, strict=True)
        if not state.ok
    ]


def _path_scope(
    path: str, rule: PathRule, relative: tuple[str, ...], excludes: ExcludeMatcher
) -> Scope:
    """Blocking: the one pair of a file, or every file's pair below a folder."""
    source = os.path.join(rule.source_root, *relative)
    destination = os.path.join(rule.destination_root, *relative)
    try:
        mode = os.stat(source).st_mode
        if stat.S_ISDIR(mode):
            ensure_inside(
                os.path.realpath(source), os.path.realpath(rule.source_root), allow_root=True
            )
    except (FileNotFoundError, NotADirectoryError):
        raise VerifyRefused(f"no file or folder {path} in the source ({source})") from None
    except OSError as exc:
        raise VerifyRefused(f"cannot read {source}: {exc.strerror}") from None
    except PathRefused as exc:
        raise VerifyRefused(str(exc)) from None
    if not stat.S_ISDIR(mode):
        return Scope(((source, destination),))
    try:
        return Scope(_tree_pairs(rule, excludes, "/".join(relative)))
    except TreeUnavailable as exc:
        return Scope((), (str(exc),))


async def _every_root(
    rules: tuple[PathRule, ...], excludes: ExcludeMatcher, mounts: MountChecker, anchor: str | None
) -> Scope:
    pairs: dict[Pair, None] = {}  # two rules with the same roots list them once
    problems: list[str] = []
    for rule in rules:
        down = await _roots_down(rule, mounts, anchor)
        if down:
            problems += [problem for problem in down if problem not in problems]
            continue
        try:
            listed = await asyncio.to_thread(_tree_pairs, rule, excludes, "")
        except TreeUnavailable as exc:
            problems.append(str(exc))
            continue
        pairs.update(dict.fromkeys(listed))
    return Scope(tuple(pairs), tuple(problems))


def _tree_pairs(rule: PathRule, excludes: ExcludeMatcher, below: str) -> tuple[Pair, ...]:
    """Blocking: (source, destination) of every file below ``below``, sorted by path."""
    listing = scan_tree(rule.source_root, excludes, below=below)
    return tuple(
        (os.path.join(rule.source_root, relative), os.path.join(rule.destination_root, relative))
        for relative in sorted(listing)
    )
