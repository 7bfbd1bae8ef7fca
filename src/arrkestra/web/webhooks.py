"""Sonarr and Radarr webhooks: authenticated, parsed, stored with their jobs, then answered.

Sonarr and Radarr send each webhook once and never retry, and disable a connection that
keeps failing: so intake is liberal. Every JSON object with a string ``eventType`` is
stored; only a body that is not such an object is refused (400). The answer comes after
the commit: 202 means "on disk". If the store cannot take it, the answer is 503 so the
sender logs a failure (and catch-up finds the event in its history later).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from arrkestra.core.events import (
    KNOWN_EVENT_TYPES,
    ArrKind,
    Event,
    Malformed,
    Unsupported,
    parse_event,
)
from arrkestra.core.instances import InstanceRef
from arrkestra.core.jobs import JobSpec
from arrkestra.core.routing import jobs_for
from arrkestra.core.routing_notes import explain, unserved
from arrkestra.runtime.services import Services
from arrkestra.store.events import Accepted, IncomingEvent
from arrkestra.web.auth import wanted_webhook_credentials, webhook_authorized
from arrkestra.web.deps import get_services

log = logging.getLogger("arrkestra.webhooks")
router = APIRouter(tags=["webhooks"])
KINDS: tuple[ArrKind, ...] = ("sonarr", "radarr")


class BadWebhook(ValueError):
    """The body is not a JSON object with a string eventType."""


def decode_body(body: bytes) -> tuple[str, dict[str, Any]]:
    """The body as text and as a JSON object, or ``BadWebhook`` saying why not."""
    if not body.strip():
        raise BadWebhook("the body is empty; expected a JSON object with an eventType")
    try:
        text = body.decode(json.detect_encoding(body))
        data = json.loads(text)
    except (UnicodeDecodeError, LookupError):
        raise BadWebhook("the body is not valid UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadWebhook(
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadWebhook("the body is nested too deeply") from None
    if not isinstance(data, dict):
        raise BadWebhook(f"the body is JSON but not an object (it is a {type(data).__name__})")
    event_type = data.get("eventType")
    if not isinstance(event_type, str) or not event_type:
        raise BadWebhook("the JSON object has no string eventType")
    return text, data


def safe_parse(kind: ArrKind, data: dict[str, Any]) -> Event | Unsupported | Malformed:
    """``parse_event`` that cannot take intake down: anything unexpected is Malformed."""
    try:
        return parse_event(kind, data)
    except Exception as exc:  # e.g. RecursionError on absurd nesting
        log.warning(
            "could not parse a %s %s event: %s", kind, data.get("eventType"), type(exc).__name__
        )
        return Malformed(kind, str(data["eventType"]), (f"unparseable: {type(exc).__name__}",))


def _instance(services: Services, kind: ArrKind, name: str | None) -> InstanceRef:
    settings = services.settings
    if name is None:
        name = settings.default_instance(kind)
        if name is None:
            hint = f"mark one {kind} instance with default: true, or use /webhook/{kind}/NAME"
            raise HTTPException(404, f"no default {kind} instance is configured; {hint}")
    ref = settings.instance_ref(kind, name)
    if ref is None:
        raise HTTPException(404, f"no {kind} instance named {name!r} is configured")
    return ref


def _answer(
    ref: InstanceRef,
    parsed: Event | Unsupported | Malformed,
    accepted: Accepted,
    idle: list[str],
) -> tuple[str, JSONResponse]:
    jobs = list(accepted.job_ids)
    if accepted.duplicate:
        body = {"status": "duplicate", "event_id": accepted.event_id, "jobs": jobs}
        return "duplicate", JSONResponse(body, status_code=200)
    if isinstance(parsed, Unsupported):
        return "ignored", JSONResponse({"status": "ignored", "event_id": accepted.event_id}, 200)
    if parsed.event_type == "Test":
        detail = f"{ref.kind}/{ref.name} can reach arrkestra"
        return "test", JSONResponse(
            {"status": "ok", "event_id": accepted.event_id, "detail": detail}, 200
        )
    answer: dict[str, Any] = {"event_id": accepted.event_id, "jobs": jobs}
    if idle:  # stored, so catch-up or a replay can still act on it once configured
        answer["note"] = (
            f"stored, but not acted on: {' and '.join(idle)} is not configured here "
            "(arrkestra check says what it needs)"
        )
    return "accepted", JSONResponse(answer, status_code=202)


def _routed(
    parsed: Event | Unsupported | Malformed,
    ref: InstanceRef,
    pipelines: frozenset[str],
    specs: list[JobSpec],
    accepted: Accepted,
) -> str:
    """The routing decision in words (``core/routing_notes``); a redelivery made no job."""
    if accepted.duplicate:
        jobs = ", ".join(map(str, accepted.job_ids)) or "none"
        return f"{parsed.event_type} from {ref.qualified}: a redelivery; its jobs: {jobs}"
    return explain(parsed, ref, pipelines=pipelines, specs=specs)


async def receive(request: Request, kind: ArrKind, name: str | None) -> JSONResponse:
    started = time.perf_counter()
    services = get_services(request)
    ref = _instance(services, kind, name)
    metrics = services.metrics
    auth = services.settings.instances(kind)[ref.name].webhook
    if not webhook_authorized(auth, request):
        metrics.count_webhook(kind, ref.name, "-", "unauthorized")
        raise HTTPException(401, wanted_webhook_credentials(auth, ref.qualified))
    try:
        text, data = decode_body(await request.body())
    except BadWebhook as exc:
        metrics.count_webhook(kind, ref.name, "-", "invalid")
        raise HTTPException(400, str(exc)) from None
    parsed = safe_parse(kind, data)
    pipelines = frozenset(services.worker.pipelines)
    specs = jobs_for(parsed, ref, pipelines=pipelines)
    incoming = IncomingEvent(
        source=kind,
        instance=ref.name,
        event_type=parsed.event_type,
        body=text,
        dedupe_key=hashlib.sha256(
            f"{kind}/{ref.name}\n{text}".encode("utf-8", "surrogatepass")
        ).hexdigest(),
        received_at=services.clock.now(),
        remote_addr=request.client.host if request.client else None,
        jobs=tuple(specs),
    )
    try:
        accepted = await services.intake.submit(incoming)
    except Exception as exc:
        metrics.count_webhook(kind, ref.name, parsed.event_type, "error")
        log.error("could not store a %s event from %s: %s", parsed.event_type, ref.qualified, exc)
        raise HTTPException(503, "the event could not be stored; it was NOT accepted") from None
    idle = [] if specs or accepted.duplicate else unserved(parsed, ref, pipelines=pipelines)
    outcome, response = _answer(ref, parsed, accepted, idle)
    if idle:
        log.warning(
            "%s from %s stored but not acted on: %s not configured (arrkestra check says why)",
            parsed.event_type,
            ref.qualified,
            " and ".join(idle),
        )
    if log.isEnabledFor(logging.DEBUG):
        routed = _routed(parsed, ref, pipelines, specs, accepted)
        log.debug("event %d: %s", accepted.event_id, routed)
    label = parsed.event_type if parsed.event_type in KNOWN_EVENT_TYPES[kind] else "unknown"
    metrics.count_webhook(kind, ref.name, label, outcome)
    metrics.observe_intake(kind, time.perf_counter() - started)
    if outcome == "test":
        log.info("test webhook from %s received", ref.qualified)
        services.spawn(services.alerts.webhook_test(f"{kind}/{ref.name}"))
    return response


def _register(kind: ArrKind) -> None:
    async def named(request: Request, instance: str) -> JSONResponse:
        return await receive(request, kind, instance)

    async def default(request: Request) -> JSONResponse:
        return await receive(request, kind, None)

    summary = f"{kind.capitalize()} webhook"
    for method in ("POST", "PUT"):  # Sonarr's webhook method setting allows PUT
        verb = method.lower()
        router.add_api_route(
            f"/webhook/{kind}/{{instance}}",
            named,
            methods=[method],
            summary=summary,
            operation_id=f"{kind}_webhook_{verb}",
        )
        for legacy in ("webhook", "sync"):  # ArrSync's and sync-webhook's URLs
            router.add_api_route(
                f"/{legacy}/{kind}",
                default,
                methods=[method],
                summary=f"{summary} (default instance)",
                operation_id=f"{kind}_{legacy}_default_{verb}",
            )


for _kind in KINDS:
    _register(_kind)
