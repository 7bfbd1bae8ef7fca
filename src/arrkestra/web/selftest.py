"""Test-only route: enqueue a ``selftest`` job. Mounted only when ``selftest.enabled``."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from arrkestra.core.jobs import JobSpec
from arrkestra.pipelines import selftest
from arrkestra.web.api import JobOut
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(
    prefix="/api/v1/selftest", dependencies=[Depends(authenticated)], tags=["selftest"]
)


class SelftestRequest(selftest.SelftestParams):
    key: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=200)


class Enqueued(BaseModel):
    created: bool
    job: JobOut


@router.post("/jobs", response_model=Enqueued, status_code=202)
async def enqueue_selftest(body: SelftestRequest, services: ServicesDep) -> Enqueued:
    params = body.model_dump(exclude={"key"})
    job, created = await services.queue.enqueue(JobSpec(selftest.NAME, body.key, params))
    return Enqueued(created=created, job=JobOut.of(job, services.redactor))
