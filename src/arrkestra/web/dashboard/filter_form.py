"""The GET forms that filter a page (jobs, events, discovery; the settings' preview):
their fields read back, the choices their selects offer, and the links that keep them.

A GET form sends every field, so an empty one (``?status=``) means "any" (:func:`blank`).
A select offers what is configured and, besides, the value asked for, so the rows of an
instance no longer configured stay findable (:func:`options`). A link (Older, Newest, a
redirect after a button) carries the filters that are set and leaves the others out
(:func:`url`).

Instances are named two ways: a job's params and a webhook's URL say ``sonarr.hd``
(:func:`qualified_instances`), a stored event says ``hd`` beside its source
(:func:`instance_names`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from urllib.parse import urlencode

from arrkestra.config import Settings
from arrkestra.config.models.settings import InstanceKind

KINDS: tuple[InstanceKind, ...] = ("sonarr", "radarr")


def blank(value: str | None) -> str | None:
    """A form's field as a filter: None for an empty one (``?status=``: "any")."""
    text = (value or "").strip()
    return text or None


def options(known: list[str], chosen: str | None) -> list[str]:
    """The select's choices, and the one asked for even when nothing configures it."""
    return [*known, chosen] if chosen and chosen not in known else known


def url(path: str, params: Mapping[str, object]) -> str:
    """``path`` with the parameters that are set (not None) as its query string."""
    kept = {name: str(value) for name, value in params.items() if value is not None}
    return f"{path}?{urlencode(kept)}" if kept else path


def _configured(settings: Settings) -> Iterator[tuple[InstanceKind, str]]:
    for kind in KINDS:
        for name in settings.instances(kind):
            yield kind, name


def qualified_instances(settings: Settings) -> list[str]:
    """``sonarr.hd``, ``radarr.4k``: every instance as jobs and webhooks name it, in the
    configuration's order."""
    return [f"{kind}.{name}" for kind, name in _configured(settings)]


def instance_names(settings: Settings) -> list[str]:
    """``4k``, ``hd``: every instance's name as a stored event says it, sorted, once."""
    return sorted({name for _, name in _configured(settings)})
