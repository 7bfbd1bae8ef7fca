"""What needs a person: the overview's "Action required" list, one sentence per item,
each with the page where it is fixed.

Only what does not fix itself is listed: a paused pipeline (a deletion budget, a rejected
key, a missing tool: someone resumes it or fixes the key), an upstream refusing our
credentials, a mount that is down (its jobs wait on it), a reconcile run held for
confirmation, dead jobs (they never run again unless retried) and discovered shows
waiting for a TVDB id. An upstream that is merely down is not here: its jobs wait and run
when it is back, by themselves.

Texts that came from outside (pause reasons, upstream messages, mount details) can hold
URLs with credentials: they go through ``redact`` before they are part of a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from arrkestra.core.job_kinds.words import counted

Kind = Literal["paused", "auth_failed", "mount_down", "reconcile", "dead", "pending_tvdb"]


@dataclass(frozen=True)
class Action:
    """One item: ``text``, then a link to ``href`` saying ``link``; ``since`` when known;
    ``resume``: the pipeline a Resume button resumes."""

    kind: Kind
    text: str
    href: str
    link: str
    since: float | None = None
    resume: str | None = None


@dataclass(frozen=True)
class DownMount:
    path: str
    detail: str
    since: float | None
    waiting: int  # pending jobs waiting on it


@dataclass(frozen=True)
class HeldRun:
    """The newest reconcile run (dry runs aside), held for confirmation."""

    id: int
    files: int  # missing plus different: what it would copy
    started_at: float


@dataclass(frozen=True)
class Attention:
    """Everything the list is built from (the page gathers it)."""

    paused: Mapping[str, Mapping[str, Any]]  # pipeline -> {"reason": ..., "since": ...}
    auth_failed: Sequence[tuple[str, str]]  # (upstream, its message)
    mounts_down: Sequence[DownMount]
    held_run: HeldRun | None
    dead: Mapping[str, int]  # pipeline -> jobs that died in the last 7 days
    pending_tvdb: int


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return f"{text}."


def _since(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def paused_items(
    paused: Mapping[str, Mapping[str, Any]], redact: Callable[[str], str]
) -> list[Action]:
    items = []
    for pipeline, why in sorted(paused.items()):
        reason = redact(str(why.get("reason") or "no reason recorded"))
        items.append(
            Action(
                "paused",
                _sentence(f"The {pipeline} pipeline is paused and its jobs wait: {reason}"),
                "/ui/jobs?pipeline=" + quote(pipeline, safe=""),
                "its jobs",
                since=_since(why.get("since")),
                resume=pipeline,
            )
        )
    return items


def actions(found: Attention, redact: Callable[[str], str]) -> list[Action]:
    """The list, most urgent first: what stops work, then what waits for a decision."""
    items = paused_items(found.paused, redact)
    for upstream, message in sorted(found.auth_failed):
        said = redact(message) or "credentials rejected"
        text = f"{upstream} rejects arrkestra's credentials ({said}): fix its API key"
        items.append(Action("auth_failed", _sentence(text), "/ui/settings", "settings"))
    for mount in sorted(found.mounts_down, key=lambda m: m.path):
        waits = counted(mount.waiting, "job") + (" waits" if mount.waiting == 1 else " wait")
        detail = redact(mount.detail) or "it fails its mount check"
        text = f"The mount {redact(mount.path)} is down ({detail}); {waits} on it"
        items.append(
            Action("mount_down", _sentence(text), "/ui/settings", "path rules", mount.since)
        )
    if found.held_run is not None:
        run = found.held_run
        text = (
            f"Reconcile run {run.id} found {counted(run.files, 'file')} to copy, more than "
            "reconcile.confirm_above, and waits for confirmation"
        )
        items.append(
            Action("reconcile", _sentence(text), "/ui/reconcile", "review it", run.started_at)
        )
    dead = {pipeline: n for pipeline, n in found.dead.items() if n > 0}
    if dead:
        per = ", ".join(f"{n} {pipeline}" for pipeline, n in sorted(dead.items()))
        total = sum(dead.values())
        verb = "has" if total == 1 else "have"
        text = (
            f"{counted(total, 'job')} {verb} given up in the last 7 days ({per}) and will not "
            "run again unless retried"
        )
        items.append(Action("dead", _sentence(text), "/ui/jobs?status=dead", "dead jobs"))
    if found.pending_tvdb > 0:
        shows = counted(found.pending_tvdb, "show")
        verb, them = ("waits", "it") if found.pending_tvdb == 1 else ("wait", "them")
        text = f"{shows} {verb} for a TVDB id before Sonarr can add {them}"
        href = "/ui/discovery?status=pending_tvdb"
        items.append(Action("pending_tvdb", _sentence(text), href, "those shows"))
    return items
