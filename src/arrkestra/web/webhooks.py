"""Sonarr and Radarr webhooks: authenticated, parsed, stored with their jobs, then answered.

Sonarr and Radarr send each webhook once and never retry, and disable a connection that
keeps failing: so intake is liberal. Every JSON object with a string ``eventType`` is
stored; only a body that is not such an object is refused (400). The answer comes after
the commit: 202 means "on disk". If the store cannot take it, the answer is 503 so the
sender logs a failure (and catch-up finds the event in its history later).

Liberal, but only with text and numbers every reader can show again: a lone surrogate
(``"\\ud800"``, legal JSON escape, not encodable text), nesting deeper than
``MAX_DEPTH``, an integer outside SQLite's 64-bit range and ``NaN``/``Infinity``/an
overflowing float are refused with 400 before anything is stored (never replaced: what
is stored is what was sent). The body must be ``application/json`` (what Sonarr and
Radarr send), else 415: a web page cannot send that cross-site without a CORS preflight,
which arrkestra never grants.

Rate limiting: an authenticated webhook is never limited (Sonarr does not retry); a
refused one (wrong credentials, unknown instance) takes a token from the sender's
address, like any API request (``web/ratelimit``).

The old tools' URLs reach the default instance through the same ``receive``: ArrSync's
``/webhook/{kind}``, sync-webhook's ``/sync/{kind}`` and autoscan's ``/triggers/{kind}``.
autoscan's ``/triggers/manual?dir=PATH`` is no webhook (no body, no event): it takes the
default instances' webhook credentials and mirrors each path as ``/sync/manual`` does
(``compat.sync_dirs``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from arrkestra.core.events import (
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
from arrkestra.web.auth import (
    media_type,
    refuse_other_sites,
    wanted_webhook_credentials,
    webhook_authorized,
)
from arrkestra.web.compat import sync_dirs
from arrkestra.web.deps import get_services
from arrkestra.web.ratelimit import RateLimiter

log = logging.getLogger("arrkestra.webhooks")
router = APIRouter(tags=["webhooks"])
KINDS: tuple[ArrKind, ...] = ("sonarr", "radarr")


MAX_DEPTH = 64  # Sonarr's and Radarr's payloads nest 4 levels
MAX_INT = 2**63  # SQLite's INTEGER range: a larger id can match nothing
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # only an escape can make a surrogate


class BadWebhook(ValueError):
    """The body is not a JSON object with a string eventType, or holds what we cannot keep."""


class NotJson(ValueError):
    """The request's Content-Type is not application/json."""


def require_json(content_type: str | None) -> None:
    """``application/json`` with any parameters (``; charset=utf-8``), in any case."""
    media = media_type(content_type)
    if media != "application/json":
        shown = f"{media!r}" if media else "none"
        raise NotJson(f"webhooks must be sent as application/json (the Content-Type was {shown})")


def _int(text: str) -> int:
    digits = text.lstrip("-")
    if len(digits) > 19 or not -MAX_INT <= (value := int(text)) < MAX_INT:
        raise BadWebhook(f"the body holds an integer out of range ({len(digits)} digits)")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BadWebhook(f"the body holds a number too large for a float ({text[:20]})")
    return value


def _constant(name: str) -> float:
    raise BadWebhook(f"the body holds {name}, which is not JSON")


def _check_values(data: object, *, strings: bool) -> None:
    """Refuse nesting deeper than ``MAX_DEPTH`` and (if ``strings``) lone surrogates."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: list[object] = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            if strings and isinstance(value, str):
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    raise BadWebhook(
                        "the body holds a lone surrogate (an unpaired \\ud800-\\udfff escape), "
                        "which is not text"
                    ) from None
            continue
        if depth > MAX_DEPTH:
            raise BadWebhook(f"the body is nested deeper than {MAX_DEPTH} levels")
        stack.extend((child, depth + 1) for child in children)


def load_json(text: str) -> Any:
    """``json.loads`` that refuses what ``decode_body`` refuses (see the module docstring)."""
    data = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    strings = SURROGATE_ESCAPE.search(text) is not None
    if strings or text.count("{") + text.count("[") > MAX_DEPTH:
        _check_values(data, strings=strings)
    return data


def decode_body(body: bytes) -> tuple[str, dict[str, Any]]:
    """The body as text and as a JSON object, or ``BadWebhook`` saying why not."""
    if not body.strip():
        raise BadWebhook("the body is empty; expected a JSON object with an eventType")
    try:
        text = body.decode(json.detect_encoding(body))
        data = load_json(text)
    except BadWebhook:
        raise
    except (UnicodeDecodeError, LookupError):
        raise BadWebhook("the body is not valid UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadWebhook(
            f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadWebhook("the body is nested too deeply") from None
    except ValueError:  # e.g. an integer over Python's 4,300-digit conversion limit
        raise BadWebhook("the body holds a number that cannot be read") from None
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


def _refused(request: Request, status: int, detail: str) -> StarletteHTTPException:
    """401/404 for a webhook, or 429 once its address has spent its tokens on refusals."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limited = limiter.refuse_if_spent(request.scope)
        if limited is not None:
            return limited
    return HTTPException(status, detail)


async def receive(request: Request, kind: ArrKind, name: str | None) -> JSONResponse:
    started = time.perf_counter()
    services = get_services(request)
    try:
        ref = _instance(services, kind, name)
    except HTTPException as exc:
        raise _refused(request, exc.status_code, str(exc.detail)) from None
    metrics = services.metrics
    auth = services.settings.instances(kind)[ref.name].webhook
    if not webhook_authorized(auth, request):
        metrics.count_webhook(kind, ref.name, "-", "unauthorized")
        raise _refused(request, 401, wanted_webhook_credentials(auth, ref.qualified))
    try:
        require_json(request.headers.get("content-type"))
        text, data = decode_body(await request.body())
    except NotJson as exc:
        metrics.count_webhook(kind, ref.name, "-", "invalid")
        raise HTTPException(415, str(exc)) from None
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
        metrics.count_webhook(kind, ref.name, parsed.event_type, "error")  # label: known or unknown
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
    metrics.count_webhook(kind, ref.name, parsed.event_type, outcome)
    metrics.observe_intake(kind, time.perf_counter() - started)
    if outcome == "test":
        log.info("test webhook from %s received", ref.qualified)
        services.spawn(services.alerts.webhook_test(f"{kind}/{ref.name}"))
    return response


MAX_DIRS = 100  # autoscan's manual trigger: paths in one request
MAX_DIR = 4096  # characters in one path, as /sync/manual's ``path``


def _authorize_trigger(request: Request, services: Services) -> None:
    """``/triggers/manual`` takes the webhook credentials of the default Sonarr or the
    default Radarr instance (either); while neither has one set, it takes every request, as
    their webhooks do."""
    settings = services.settings
    defaults = [(kind, settings.default_instance(kind)) for kind in KINDS]
    auths = {f"{k}.{n}": settings.instances(k)[n].webhook for k, n in defaults if n is not None}
    if not auths:
        detail = "no default sonarr or radarr instance is configured; mark one with default: true"
        raise _refused(request, 404, detail)
    checked = {qualified: auth for qualified, auth in auths.items() if auth.configured}
    if checked and not any(webhook_authorized(auth, request) for auth in checked.values()):
        wanted = "; or ".join(wanted_webhook_credentials(a, q) for q, a in checked.items())
        raise _refused(request, 401, wanted)


async def manual_trigger(
    request: Request,
    dirs: Annotated[
        list[str] | None,
        Query(alias="dir", description="a folder (or file) as Sonarr/Radarr name it; repeatable"),
    ] = None,
) -> JSONResponse:
    """autoscan's manual trigger: each ``dir`` is mirrored as ``/sync/manual`` mirrors a path."""
    refuse_other_sites(request)  # no JSON body needed here: refuse what a page of another site sent
    services = get_services(request)
    _authorize_trigger(request, services)
    if not dirs:
        raise HTTPException(400, "name the folder to mirror: POST /triggers/manual?dir=PATH")
    if len(dirs) > MAX_DIRS or not all(0 < len(path) <= MAX_DIR for path in dirs):
        raise HTTPException(400, f"give 1 to {MAX_DIRS} dir values of 1 to {MAX_DIR} characters")
    status, answer = await sync_dirs(services, dirs)
    log.info("autoscan manual trigger: %d path(s), %d copies queued", len(dirs), answer["queued"])
    return JSONResponse(answer, status_code=status)


async def manual_form() -> None:
    """autoscan answered GET with an HTML form that posts; arrkestra has its dashboard."""
    detail = "POST /triggers/manual?dir=PATH mirrors PATH; a GET does nothing"
    raise HTTPException(405, detail, headers={"Allow": "POST"})


router.add_api_route(
    "/triggers/manual",
    manual_trigger,
    methods=["POST"],
    summary="autoscan: mirror each ?dir= folder (or file) now, as /sync/manual does",
    operation_id="autoscan_manual_trigger",
)
router.add_api_route("/triggers/manual", manual_form, methods=["GET"], include_in_schema=False)


def _register(kind: ArrKind) -> None:
    async def named(request: Request, instance: str) -> JSONResponse:
        return await receive(request, kind, instance)

    async def default(request: Request) -> JSONResponse:
        return await receive(request, kind, None)

    summary = f"{kind.capitalize()} webhook"
    for method in ("POST", "PUT"):  # Sonarr's webhook method setting allows PUT
        verb = method.lower()
        for prefix, whose in (("webhook", ""), ("triggers", " (autoscan's URL)")):
            router.add_api_route(
                f"/{prefix}/{kind}/{{instance}}",
                named,
                methods=[method],
                summary=f"{summary}{whose}",
                operation_id=f"{kind}_{prefix}_{verb}",
            )
        for legacy in ("webhook", "sync", "triggers"):  # ArrSync's, sync-webhook's, autoscan's
            router.add_api_route(
                f"/{legacy}/{kind}",
                default,
                methods=[method],
                summary=f"{summary} (default instance)",
                operation_id=f"{kind}_{legacy}_default_{verb}",
            )


for _kind in KINDS:
    _register(_kind)
