"""``/ui/settings``: the effective configuration, where each value came from, and a
path-mapping preview.

Values are those of ``Settings.redacted()`` (secrets as ``***``, URLs through the
redactor), so this page can never show more than ``/api`` would; each row names its
source (``Settings.sources``: the file, a ``${VAR}`` in it, an ``ARRKESTRA_*`` variable,
an old tool's variable, or the default). The preview (``?path=...&instance=...``) maps a
path as Sonarr/Radarr name it through ``mirror.paths`` with core's own mapping
(``core/path_preview``), without touching the file system. Nothing here reads the
database: the page costs no query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from arrkestra.config import Settings, config_warnings
from arrkestra.config.loading.provenance import leaves
from arrkestra.config.models.fieldtree import render_path
from arrkestra.core.path_preview import Preview, preview
from arrkestra.runtime import capabilities
from arrkestra.web.dashboard.access import ViewerDep
from arrkestra.web.dashboard.filter_form import qualified_instances
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)
PathQuery = Annotated[str | None, Query(max_length=4096)]
InstanceQuery = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True)
class Row:
    """One setting: its dotted path, its value as shown (secrets masked), its source."""

    path: str
    value: str
    source: str
    kind: str  # file, env, alias, default; "" when the loader recorded nothing


@dataclass(frozen=True)
class Section:
    name: str
    rows: list[Row]


def shown(value: Any) -> str:
    """A JSON value as a person reads it in a table cell."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value) if value else "none"
    if isinstance(value, dict):
        return "none"  # an empty section (a non-empty one is split into its rows)
    return str(value)


def sections(settings: Settings) -> list[Section]:
    """The redacted settings as one table per top-level section, in the model's order."""
    grouped: dict[str, list[Row]] = {}
    for loc, value in leaves(settings.redacted()):
        path = render_path(loc)
        source = settings.sources.get(path)
        row = Row(path, shown(value), str(source or ""), source.kind if source else "")
        grouped.setdefault(str(loc[0]), []).append(row)
    return [Section(name, rows) for name, rows in grouped.items()]


def path_preview(settings: Settings, path: str | None, instance: str | None) -> Preview | None:
    """The preview of ``path`` (None: nothing asked); an unknown instance is a 400."""
    if instance and instance not in qualified_instances(settings):
        raise HTTPException(400, "no such instance: choose one from the list")
    if not path:
        return None
    return preview(path, settings.mirror.path_rules(), instance or None)


@router.get("/ui/settings")
async def page(
    request: Request,
    services: ServicesDep,
    viewer: ViewerDep,
    path: PathQuery = None,
    instance: InstanceQuery = None,
) -> HTMLResponse:
    settings, redact = services.settings, services.redactor
    context = {
        "sections": sections(settings),
        "recorded": len(settings.sources) > 0,
        "capabilities": [redact(line) for line in capabilities.report(settings)],
        "warnings": [redact(problem.render()) for problem in config_warnings(settings)],
        "instances": qualified_instances(settings),
        "rules": settings.mirror.path_rules(),
        "asked": path or "",
        "instance": instance or "",
        "preview": path_preview(settings, path, instance),
    }
    return render(request, services, viewer, "settings.html", context, title="Settings")
