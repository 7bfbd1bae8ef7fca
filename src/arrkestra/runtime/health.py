"""Component health and the one ``/health`` body (with the replaced tools' fields).

Components report their own state here (store, upstreams, mounts); the body is
assembled on request. Upstream trouble (or a nearly full disk) makes the status
``degraded``; only a store that cannot take writes makes it ``unhealthy``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


class ComponentState(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"
    AUTH_FAILED = "auth_failed"
    UNKNOWN = "unknown"  # not checked (yet, or at all: a poll interval of 0): degrades nothing


@dataclass(frozen=True)
class Component:
    state: ComponentState
    detail: str = ""


@dataclass
class HealthRegistry:
    started_at: float
    components: dict[str, Component] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    clock: Callable[[], float] | None = None  # times each change of state ("since", on /ui/)
    _entered: dict[str, tuple[ComponentState, float]] = field(
        default_factory=dict, init=False, repr=False
    )

    def set(self, name: str, state: ComponentState, detail: str = "") -> None:
        self.put(name, Component(state, detail))

    def put(self, name: str, component: Component) -> None:
        """Publish ``component``; the time its state began is kept while the state holds
        (a new detail of the same trouble is no new state)."""
        entered = self._entered.get(name)
        if entered is None or entered[0] is not component.state:
            self._entered[name] = (component.state, self.clock() if self.clock else self.started_at)
        self.components[name] = component

    def since(self, name: str) -> float | None:
        """When the component entered its current state (or when this process first saw
        it so); None: unknown (it was written without :meth:`put`)."""
        component, entered = self.components.get(name), self._entered.get(name)
        if component is None or entered is None or entered[0] is not component.state:
            return None
        return entered[1]

    def remove(self, name: str) -> None:
        self.components.pop(name, None)
        self._entered.pop(name, None)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def overall_status(components: dict[str, Component]) -> str:
    store = components.get("store")
    if store is not None and store.state not in (ComponentState.OK, ComponentState.DEGRADED):
        return "unhealthy"  # it cannot take writes, or its file is gone (nearly full: degraded)
    settled = (ComponentState.OK, ComponentState.UNKNOWN)
    if any(c.state not in settled for c in components.values()):
        return "degraded"
    return "healthy"


def _public_name(name: str, mount_names: Mapping[str, str]) -> str:
    if not name.startswith(MOUNT):
        return name
    return MOUNT + mount_names.get(name[len(MOUNT) :], "a mirror root")


def _legacy_overseer(components: dict[str, Component]) -> str:
    overseerr = components.get("overseerr")
    if overseerr is None:
        return "not_configured"
    if overseerr.state is ComponentState.AUTH_FAILED:
        return "auth_failed"
    if overseerr.state is ComponentState.UNKNOWN:
        return "unknown"
    return "available" if overseerr.state is ComponentState.OK else "unavailable"


MOUNT = "mount:"


def health_body(
    registry: HealthRegistry,
    *,
    version: str,
    dry_run: bool,
    notifications: bool,
    jobs_24h: dict[str, int],
    mount_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The body of ``/health``. With ``mount_names`` (root path -> a name such as ``/tv
    destination``) it is the open body: component states without their details, mounts
    by name, so no path or URL reaches whoever can reach the port; ``None``: everything
    (a request with credentials)."""
    components = dict(registry.components)
    status = overall_status(components)
    if mount_names is not None:
        components = {
            _public_name(name, mount_names): Component(c.state) for name, c in components.items()
        }
    mounts = {k: v for k, v in components.items() if k.startswith(MOUNT)}
    nfs_issues = [
        f"{k[len(MOUNT) :]}: {v.detail or v.state}" for k, v in mounts.items() if v.state != "ok"
    ]
    return {
        "status": status,
        "healthy": status == "healthy",  # ArrSync's monitors: false while Overseerr is down
        "service": "arrkestra",
        "version": version,
        "uptime_since": _iso(registry.started_at),
        "dry_run": dry_run,
        "notifications": notifications,
        "components": {
            name: {"state": c.state.value, **({"detail": c.detail} if c.detail else {})}
            for name, c in sorted(components.items())
        },
        "notes": list(registry.notes),
        # the replaced tools' fields, so their monitors keep working
        "overseer": _legacy_overseer(components),
        "nfs_status": "error" if nfs_issues else "ok",
        "nfs_issues": nfs_issues,
        "jobs_24h": {"success": jobs_24h.get("succeeded", 0), "failed": jobs_24h.get("dead", 0)},
    }
