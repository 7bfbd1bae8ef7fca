"""Notification controls: a test message, and the daily summary on demand.

``/api/v1/notifications/test`` and ``/api/v1/summary/send``, plus sync-webhook's ``/test``
and ``/summary/send`` for its users' scripts. Both need credentials: they send messages.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from arrkestra.adapters.notify import Delivery
from arrkestra.runtime.alerts import send_test
from arrkestra.runtime.summary import send_summary
from arrkestra.web.auth import refuse_other_sites
from arrkestra.web.deps import ServicesDep, authenticated

router = APIRouter(dependencies=[Depends(authenticated)], tags=["notifications"])
NOT_CONFIGURED = "no notification URLs are configured (notifications.urls / fallback_urls)"


class DeliveryOut(BaseModel):
    """Where the message went; URLs appear only as redacted labels (``tgram://***``)."""

    sent: list[str]
    failed: list[str]
    used_fallback: bool


def delivery_answer(delivery: Delivery) -> JSONResponse:
    """200 when some URL took the message, 502 when every URL failed it."""
    body = DeliveryOut(
        sent=list(delivery.sent), failed=list(delivery.failed), used_fallback=delivery.used_fallback
    )
    return JSONResponse(body.model_dump(), status_code=200 if delivery.sent else 502)


@router.post("/api/v1/notifications/test", response_model=DeliveryOut)
@router.post("/test", response_model=DeliveryOut, operation_id="compat_test_post")
@router.get("/test", response_model=DeliveryOut, operation_id="compat_test_get")
async def notification_test(services: ServicesDep, request: Request) -> JSONResponse:
    refuse_other_sites(request)  # the GET alias acts too
    if not services.notifier.enabled:
        return JSONResponse({"detail": NOT_CONFIGURED}, status_code=409)
    return delivery_answer(await send_test(services.notifier))


@router.post("/api/v1/summary/send", response_model=DeliveryOut)
@router.post("/summary/send", response_model=DeliveryOut, operation_id="compat_summary_post")
@router.get("/summary/send", response_model=DeliveryOut, operation_id="compat_summary_get")
async def summary_send(services: ServicesDep, request: Request) -> JSONResponse:
    """The daily summary of the last 24 hours, now (sync-webhook's ``/summary/send``)."""
    refuse_other_sites(request)  # the GET alias acts too
    if not services.notifier.enabled:
        return JSONResponse({"detail": NOT_CONFIGURED}, status_code=409)
    delivery = await send_summary(services.db, services.clock, services.settings, services.notifier)
    return delivery_answer(delivery)
