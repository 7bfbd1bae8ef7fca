"""Path mapping: a file as Sonarr/Radarr name it -> where arrkestra reads it, writes its
copy, and where Plex, Jellyfin and Emby see that copy (``mirror.paths``).

Matching. A rule's ``arr_path`` is a POSIX path (``/tv``) or a Windows path (``D:\\TV``,
``\\\\nas\\tv``, also written ``D:/TV`` or ``//nas/tv``). The longest ``arr_path`` that is
a prefix *on whole components* wins (``/tv`` never matches ``/tv-4k/...``); among equally
long matches the first rule in the list wins. Windows rules match case-insensitively and
accept ``\\`` and ``/`` alike; POSIX rules match exactly, and a backslash in a POSIX path
is an ordinary character of a file name. Duplicate separators and ``.`` components are
dropped. A rule with ``instances`` serves only those instances (``radarr.hd``); when the
caller names no instance (a manual sync) every rule is considered. Below the root, names
are kept exactly as sent (case, Unicode form): they name real files on the source.

Refusals (:class:`PathRefused`, a :class:`PermanentError`): an empty or relative path,
any ``..`` component (refused anywhere, not resolved: ``a/..`` is not ``.`` when ``a`` is
a symlink), NUL and control characters (see :data:`filenames.UNSAFE_CHARACTERS`), a
path that names a rule's root rather than a file below it, a name a Windows instance
could not have sent, a name longer than 255 bytes, and a path no rule matches.

What core cannot check: symlinks. Lexically, every mapped path lies below its rule's
root; whether it still does after the file system resolves symlinks needs the file
system, so the I/O layer resolves ``MappedPath.source`` (and the destination folder) and
the rule's roots, and passes both to :func:`ensure_inside`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from arrkestra.core.errors import PermanentError
from arrkestra.core.filenames import (
    describe_character,
    name_problem,
    unsafe_character,
    windows_name_problem,
)
from arrkestra.core.sidecars import sidecar_names

__all__ = [
    "MappedPath",
    "PathRefused",
    "PathRule",
    "ensure_inside",
    "map_path",
    "normalise_library_path",
    "safe_for_argv",
    "sidecar_names",
]

Style = Literal["posix", "windows"]
MediaServer = Literal["plex", "jellyfin", "emby"]
"""The media servers a rule can say it is seen by (``<server>_path``)."""
MEDIA_SERVERS: tuple[MediaServer, ...] = get_args(MediaServer)

_DRIVE = re.compile(r"[A-Za-z]:(?:[\\/]|$)")
_UNC = re.compile(r"[\\/]{2}[^\\/]")
_SEPARATORS = re.compile(r"[\\/]")
_NOT_SERVERS = frozenset({"", ".", "..", "?"})
_ABSOLUTE_FORMS = "/..., D:\\... or \\\\server\\share\\..."


class PathRefused(PermanentError):
    """A path arrkestra will not touch: retrying cannot change the answer."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class _Reading:
    """A path split into components: ``key`` is compared with rules, ``parts`` is kept.

    For a Windows path the first component is the anchor (``D:`` or ``\\\\nas\\tv``) and
    ``key`` is case-folded; for a POSIX path both are the same.
    """

    key: tuple[str, ...]
    parts: tuple[str, ...]


def _posix(path: str) -> _Reading | None:
    if not path.startswith("/"):
        return None
    parts = tuple(part for part in path.split("/") if part not in ("", "."))
    return _Reading(parts, parts)


def _windows(path: str) -> _Reading | None:
    if _DRIVE.match(path):
        anchor, rest = path[0].upper() + ":", _SEPARATORS.split(path[2:])
    elif _UNC.match(path):
        server, *rest = _SEPARATORS.split(path[2:])
        share = rest.pop(0) if rest else ""
        if server in _NOT_SERVERS or share in ("", ".", ".."):
            return None  # no share, or a device path (\\?\, \\.\): not supported
        anchor = f"\\\\{server}\\{share}"
    else:
        return None
    parts = (anchor, *(part for part in rest if part not in ("", ".")))
    return _Reading(tuple(part.casefold() for part in parts), parts)


def _join(root: str, parts: Sequence[str], separator: str = "/") -> str:
    if not parts:
        return root
    base = root if root.endswith(separator) else root + separator
    return base + separator.join(parts)


def _is_windows_rule(text: str) -> bool:
    """Whether a rule path is Windows-style: a drive letter or two leading separators.

    ``D:\\TV``, ``D:/TV``, ``\\\\nas\\tv`` and ``//nas/tv`` all are.
    """
    return bool(_DRIVE.match(text) or _UNC.match(text))


def _rule_root(
    rule_field: str, value: str, *, windows_allowed: bool = False
) -> tuple[_Reading, Style]:
    """A rule's path read in its own style; :class:`ValueError` naming it when it is bad."""
    style: Style = "windows" if windows_allowed and _is_windows_rule(value) else "posix"
    reading = _windows(value) if style == "windows" else _posix(value)
    bad = unsafe_character(value)
    if bad is not None:
        problem = f"holds {describe_character(bad)}"
    elif reading is None:
        problem = f"is not an absolute path ({_ABSOLUTE_FORMS if windows_allowed else '/...'})"
    elif ".." in reading.parts:
        problem = "holds a '..' component"
    else:
        return reading, style
    raise ValueError(f"mirror.paths rule: {rule_field} {value!r} {problem}")


def _root_text(reading: _Reading, style: Style) -> tuple[str, str]:
    """A rule root as normalised text, with the separator to join below it."""
    if style == "windows":
        anchor = reading.parts[0]
        base = anchor + "\\" if anchor.endswith(":") else anchor
        return _join(base, reading.parts[1:], "\\"), "\\"
    return _join("/", reading.parts), "/"


@dataclass(frozen=True)
class PathRule:
    """One ``mirror.paths`` entry.

    ``arr_path`` is the folder as Sonarr/Radarr see it (POSIX or Windows); ``source`` the
    same folder as arrkestra sees it; ``destination`` where the copy goes; ``plex_path``
    the destination as Plex sees it (POSIX, or Windows when Plex runs there; default
    ``destination``), ``jellyfin_path`` and ``emby_path`` the same for those servers.
    ``instances`` limits the rule to some instances (``radarr.hd``). Construction checks
    every path and raises :class:`ValueError` naming the bad one.
    """

    arr_path: str
    source: str
    destination: str
    plex_path: str | None = None
    plex_section: int | str | None = None
    instances: tuple[str, ...] | None = None
    jellyfin_path: str | None = None
    emby_path: str | None = None
    _style: Style = field(init=False, repr=False, compare=False)
    _key: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _source: str = field(init=False, repr=False, compare=False)
    _destination: str = field(init=False, repr=False, compare=False)
    _plex: tuple[str, str] = field(init=False, repr=False, compare=False)
    _servers: dict[str, tuple[str, str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.instances, str):
            raise ValueError(f"mirror.paths rule: instances must be a list, not {self.instances!r}")
        if self.instances is not None and not isinstance(self.instances, tuple):
            object.__setattr__(self, "instances", tuple(self.instances))  # a list from config
        arr, style = _rule_root("arr_path", self.arr_path, windows_allowed=True)
        source = _root_text(*_rule_root("source", self.source))
        destination = _root_text(*_rule_root("destination", self.destination))
        servers = {}
        paths = {"plex": self.plex_path, "jellyfin": self.jellyfin_path, "emby": self.emby_path}
        for server in MEDIA_SERVERS:
            path = paths[server]
            servers[server] = destination
            if path is not None:
                key = f"{server}_path"
                servers[server] = _root_text(*_rule_root(key, path, windows_allowed=True))
        plex = servers["plex"]
        object.__setattr__(self, "_style", style)
        object.__setattr__(self, "_key", arr.key)
        object.__setattr__(self, "_source", source[0])
        object.__setattr__(self, "_destination", destination[0])
        object.__setattr__(self, "_plex", plex)
        object.__setattr__(self, "_servers", servers)

    @property
    def is_windows(self) -> bool:
        """Whether ``arr_path`` is a Windows path (matched case-insensitively)."""
        return self._style == "windows"

    @property
    def source_root(self) -> str:
        """``source`` normalised: no duplicate or trailing slashes, no ``.`` components."""
        return self._source

    @property
    def destination_root(self) -> str:
        """``destination`` normalised like :attr:`source_root`."""
        return self._destination

    @property
    def plex_root(self) -> str:
        """``plex_path`` normalised in its own style, else :attr:`destination_root`."""
        return self._plex[0]

    @property
    def plex_separator(self) -> str:
        """``\\`` when :attr:`plex_root` is a Windows path, else ``/``."""
        return self._plex[1]

    def server_root(self, server: MediaServer) -> tuple[str, str]:
        """The destination root as ``server`` sees it (its ``<server>_path``, else
        ``destination``) and that path's separator."""
        return self._servers[server]

    def library_path(self, relative: str) -> str:
        """The file at POSIX ``relative`` below the roots, as Sonarr/Radarr name it (what
        :func:`map_path` maps back to it)."""
        separator = "\\" if self.is_windows else "/"
        root = self.arr_path.rstrip("/\\") or self.arr_path
        return _join(root, relative.split("/"), separator)

    def relative_of(self, library_path: str) -> str | None:
        """The POSIX path below this rule of a path :meth:`library_path` built, each
        component checked as :func:`map_path` checks it; None when it is not such a path.

        The fast path for thousands of files of one rule (reconcile's bulk copies): no
        rule search, no second reading of the path.
        """
        root = self.library_path("x")[:-1]
        if not library_path.startswith(root):
            return None
        separator = "\\" if self.is_windows else "/"
        parts = library_path[len(root) :].split(separator)
        for part in parts:
            if name_problem(part) or (self.is_windows and windows_name_problem(part)):
                return None
        return "/".join(parts)

    def applies_to(self, instance: str | None) -> bool:
        """Whether this rule serves ``instance`` (``None``: the caller named none)."""
        return self.instances is None or instance is None or instance in self.instances


@dataclass(frozen=True)
class MappedPath:
    """Where one library file is read, written and seen by Plex.

    ``relative`` holds the validated components below the rule's root: never empty, never
    ``.``, ``..`` or ``""``, no ``/``, no control characters. ``source`` and
    ``destination`` are absolute POSIX paths below ``rule.source_root`` and
    ``rule.destination_root``; ``plex`` is the same file as Plex sees it.
    """

    rule: PathRule
    relative: tuple[str, ...]
    source: str
    destination: str
    plex: str

    @property
    def source_dir(self) -> str:
        """The folder holding the file, as arrkestra reads it (where its sidecars are)."""
        return _join(self.rule.source_root, self.relative[:-1])

    @property
    def destination_dir(self) -> str:
        """The folder the copy goes into."""
        return _join(self.rule.destination_root, self.relative[:-1])

    @property
    def plex_dir(self) -> str:
        """The folder holding the copy as Plex sees it: the target of a partial scan."""
        return _join(self.rule.plex_root, self.relative[:-1], self.rule.plex_separator)

    def seen_by(self, server: MediaServer) -> str:
        """The copy as a media server sees it (``plex``, ``jellyfin``, ``emby``)."""
        root, separator = self.rule.server_root(server)
        return _join(root, self.relative, separator)

    def folder_seen_by(self, server: MediaServer) -> str:
        """The folder holding the copy as a media server sees it."""
        root, separator = self.rule.server_root(server)
        return _join(root, self.relative[:-1], separator)

    @property
    def name(self) -> str:
        """The file's own name (the last component)."""
        return self.relative[-1]


def map_path(
    arr_path: str, rules: Sequence[PathRule], *, instance: str | None = None
) -> MappedPath:
    """Map ``arr_path`` (as Sonarr/Radarr name it) through ``rules``; see the module doc.

    Raises :class:`PathRefused` when the path is refused or no rule matches.
    """
    readings = _readings(arr_path)
    rule, reading = _best_rule(arr_path, readings, rules, instance)
    relative = reading.parts[len(rule._key) :]
    if not relative:
        raise PathRefused(
            f"{arr_path!r} is the folder {rule.arr_path!r} itself: a file below it is needed",
            path=arr_path,
        )
    for part in relative:
        problem = name_problem(part) or (windows_name_problem(part) if rule.is_windows else None)
        if problem is not None:
            raise PathRefused(f"{arr_path!r} is refused: {problem}", path=arr_path)
    return MappedPath(
        rule=rule,
        relative=relative,
        source=safe_for_argv(_join(rule.source_root, relative)),  # a guard: cannot fail here
        destination=safe_for_argv(_join(rule.destination_root, relative)),
        plex=_join(rule.plex_root, relative, rule.plex_separator),
    )


def normalise_library_path(arr_path: str) -> str:
    """``arr_path`` without ``.`` components and repeated separators, read as every rule
    could read it: ``/tv/./Show/x.mkv`` and ``//tv//Show/x.mkv`` are ``/tv/Show/x.mkv``, so
    the jobs keyed by it are one. Only a rewrite that changes no reading is made: a path
    that is also a valid UNC path (``//nas/tv/...``) keeps its two leading separators, a
    Windows path (``D:\\TV\\.\\x``) its drive and backslashes. A path that is refused anyway
    (relative, ``..``, control characters) is returned as it is, for the refusal to name.
    """
    if unsafe_character(arr_path) is not None:
        return arr_path
    posix, windows = _posix(arr_path), _windows(arr_path)
    readings = [r for r in (posix, windows) if r is not None]
    if not readings or any(".." in r.parts for r in readings):
        return arr_path
    if posix is not None and windows is None:
        return "/" + "/".join(posix.parts)
    if windows is None:
        return arr_path
    separator = "\\" if "\\" in arr_path else "/"
    anchor = windows.parts[0]
    if posix is not None:  # ``//nas/tv/...``: both readings; the UNC form, if it keeps both
        candidate = "/" + _join("/" + "/".join(posix.parts[:2]), posix.parts[2:])
        again_posix, again_windows = _posix(candidate), _windows(candidate)
        same_posix = again_posix is not None and again_posix.parts == posix.parts
        same_windows = again_windows is not None and again_windows.parts == windows.parts
        return candidate if same_posix and same_windows else arr_path
    drive_root = anchor + separator if _DRIVE.match(anchor) else anchor
    return _join(drive_root, windows.parts[1:], separator)


def _readings(arr_path: str) -> dict[Style, _Reading]:
    """Every way ``arr_path`` can be read as an absolute path, after the checks on it."""
    if not arr_path:
        raise PathRefused("the path is empty", path=arr_path)
    bad = unsafe_character(arr_path)
    if bad is not None:
        raise PathRefused(
            f"{arr_path!r} holds the control character {describe_character(bad)}", path=arr_path
        )
    readings: dict[Style, _Reading] = {}
    posix, windows = _posix(arr_path), _windows(arr_path)
    if posix is not None:
        readings["posix"] = posix
    if windows is not None:
        readings["windows"] = windows
    if not readings:
        raise PathRefused(
            f"{arr_path!r} is not an absolute path (expected {_ABSOLUTE_FORMS})", path=arr_path
        )
    if any(".." in reading.parts for reading in readings.values()):
        raise PathRefused(
            f"{arr_path!r} holds a '..' component: library paths never do", path=arr_path
        )
    return readings


def _best_rule(
    arr_path: str,
    readings: dict[Style, _Reading],
    rules: Sequence[PathRule],
    instance: str | None,
) -> tuple[PathRule, _Reading]:
    matches = []
    for rule in rules:
        reading = readings.get(rule._style)
        if reading is None or not rule.applies_to(instance):
            continue
        if reading.key[: len(rule._key)] == rule._key:
            matches.append((rule, reading))
    if not matches:
        raise PathRefused(_no_match(arr_path, rules, instance), path=arr_path)
    return max(matches, key=lambda match: len(match[0]._key))  # the first of the longest


def _no_match(arr_path: str, rules: Sequence[PathRule], instance: str | None) -> str:
    whom = f" for {instance}" if instance else ""
    if not rules:
        return f"no mirror.paths rule matches {arr_path!r}{whom}: mirror.paths is empty"
    roots = "; ".join(
        rule.arr_path
        + ("" if rule.applies_to(instance) else f" (only {', '.join(rule.instances or ())})")
        for rule in rules
    )
    return f"no mirror.paths rule matches {arr_path!r}{whom}; the rules' arr_path roots: {roots}"


def safe_for_argv(path: str) -> str:
    """``path`` unchanged, once it is certain rsync reads it as a local path and nothing else.

    Only normalised absolute POSIX paths pass (one trailing ``/`` allowed: rsync's "the
    folder's contents"); anything else raises :class:`PathRefused`. Why that is enough:

    - rsync (popt) reads an argument as an option only when it starts with ``-``; an
      absolute path starts with ``/``, whatever its later components hold (``/tv/-rf.mkv``).
    - rsync reads an argument as remote (``host:path``, ``rsync://``) only when a ``:``
      comes before the first ``/``; here the first character is the ``/``.
    - The adapter runs rsync without a shell, and rsync does not expand wildcards in local
      paths, so quotes, ``*``, ``[`` and spaces are just characters of a name.
    - ``.`` and ``..`` components (meaningful to ``--relative`` and able to climb out of a
      root) and empty components are refused; so are control characters (NUL cannot be
      in an argv at all, and a newline would forge lines in rsync's output and our logs).

    A ``--`` before the paths is therefore unnecessary, though harmless.
    """
    if not path.startswith("/"):
        raise PathRefused(f"{path!r} is not an absolute path: refused for rsync", path=path)
    bad = unsafe_character(path)
    if bad is not None:
        raise PathRefused(
            f"{path!r} holds the control character {describe_character(bad)}", path=path
        )
    body = path[1:-1] if path.endswith("/") and path != "/" else path[1:]
    normalised = path == "/" or (
        body != "" and all(part not in ("", ".", "..") for part in body.split("/"))
    )
    if not normalised:
        raise PathRefused(f"{path!r} is not a normalised path: refused for rsync", path=path)
    return path


def ensure_inside(resolved: str, resolved_root: str, *, allow_root: bool = False) -> str:
    """The symlink half of the escape check, for the I/O layer to call.

    Pass ``os.path.realpath`` of a mapped path (``MappedPath.source``, or the
    ``destination_dir`` the copy goes into) and of its rule's root (``source_root`` /
    ``destination_root``). Returns ``resolved`` when it lies below the root (or is the
    root itself, with ``allow_root``, as a destination folder may be); raises
    :class:`PathRefused` when a symlink led outside.
    """
    inside, root = _posix(resolved), _posix(resolved_root)
    if inside is None or root is None or ".." in inside.parts or ".." in root.parts:
        raise PathRefused(f"{resolved!r} or {resolved_root!r} is not a resolved absolute path")
    below = inside.parts[: len(root.parts)] == root.parts
    if not below or (len(inside.parts) == len(root.parts) and not allow_root):
        raise PathRefused(
            f"{resolved!r} resolves outside {resolved_root!r} (a symlink leads out of the root)",
            path=resolved,
        )
    return resolved
