"""FastAPI dependencies: the running services, and the credential check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Query, Request

from arrkestra.runtime.services import Services
from arrkestra.web.auth import require_credentials


def get_services(request: Request) -> Services:
    services: Services | None = getattr(request.app.state, "services", None)
    if services is None:
        raise HTTPException(503, "arrkestra is starting up")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

MAX_ROW_ID = 2**63 - 1  # SQLite's INTEGER range: a larger id can exist nowhere
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
Cursor = Annotated[
    int | None, Query(ge=1, le=MAX_ROW_ID, description="only rows with a smaller id")
]


def authenticated(request: Request, services: ServicesDep) -> None:
    require_credentials(services.settings, request)


def authenticated_if_protected(request: Request, services: ServicesDep) -> None:
    """/health, /ready and /metrics stay open unless ``server.protect_health`` is set."""
    if services.settings.server.protect_health:
        require_credentials(services.settings, request)
