"""``/ui/events``: Events (not built yet: a placeholder page)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arrkestra.web.dashboard.access import ViewerDep
from arrkestra.web.dashboard.rendering import render
from arrkestra.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/ui/events")
async def page(request: Request, services: ServicesDep, viewer: ViewerDep) -> HTMLResponse:
    return render(request, services, viewer, "placeholder.html", title="Events")
