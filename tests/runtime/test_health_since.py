"""Each health component remembers since when it is in its state (the overview's "since")."""

from __future__ import annotations

from arrkestra.runtime.clock import ManualClock
from arrkestra.runtime.health import Component, ComponentState, HealthRegistry


def test_a_state_is_timed_from_its_change_not_from_each_report() -> None:
    clock = ManualClock(1000.0)
    health = HealthRegistry(started_at=clock.now(), clock=clock.now)
    health.set("overseerr", ComponentState.OK)
    clock.advance(60)
    health.set("overseerr", ComponentState.DOWN, "connection refused")
    clock.advance(60)
    health.set("overseerr", ComponentState.DOWN, "timed out")  # the same trouble, new words
    assert health.since("overseerr") == 1060.0
    assert health.components["overseerr"].detail == "timed out"
    clock.advance(60)
    health.put("overseerr", Component(ComponentState.OK))
    assert health.since("overseerr") == 1180.0


def test_unknown_when_never_reported_or_written_around_the_registry() -> None:
    health = HealthRegistry(started_at=5.0)  # no clock: a state is dated from the start
    health.set("store", ComponentState.OK)
    assert health.since("store") == 5.0
    assert health.since("plex") is None
    health.components["store"] = Component(ComponentState.DOWN, "gone")  # not through put
    assert health.since("store") is None
    health.remove("store")
    assert health.since("store") is None and "store" not in health.components
