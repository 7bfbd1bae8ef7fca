"""``POST /api/v1/catchup``: read Sonarr/Radarr history now (all instances, or one).

The body is optional: ``{"instance": "sonarr/hd", "since": "48h"}``. Without ``since`` a
run starts at the instance's high-water mark, as the scheduled runs do; with it, that far
back (the mark still only moves forward). 202 with the ids of the queued jobs; a run
already waiting for an instance is that job (``already_queued``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from arrkestra.runtime.capabilities.catchup import CatchupRefused, catchup_specs, since_of
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(prefix="/api/v1", dependencies=[Depends(authenticated)], tags=["catchup"])


class CatchupRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instance: str | None = Field(
        default=None, max_length=200, description="sonarr/hd (default: every instance)"
    )
    since: str | None = Field(
        default=None, max_length=50, description="how far back, e.g. 48h (default: the mark)"
    )


@router.post("/catchup", status_code=202, summary="Read Sonarr/Radarr history now")
async def catchup(services: ServicesDep, body: CatchupRequest | None = None) -> dict[str, Any]:
    request = body or CatchupRequest()
    try:
        since = since_of(request.since, services.clock.now())
        specs = catchup_specs(services.settings, request.instance, since, "api")
    except CatchupRefused as exc:
        raise HTTPException(exc.status, services.redactor(str(exc))) from None
    jobs: list[int] = []
    already: list[int] = []
    for spec in specs:
        job, created = await services.queue.enqueue(spec)
        (jobs if created else already).append(job.id)
        if not created:
            await services.queue.run_now(job.id)  # one waiting for its backoff runs now
    return {"status": "queued", "jobs": jobs + already, "already_queued": already}
