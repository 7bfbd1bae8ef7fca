"""The jobs pages' buttons: Retry, Cancel and "Retry all failed (24 h)".

Each is a form (CSRF token and origin checked by ``FormDep``) answered with a 303 back
to the page it came from (the ``back`` field, a ``/ui`` path, its filters kept) carrying
``?done=<what>``, which that page turns into a fixed sentence (:data:`NOTICES`, see
``notices``): nothing a query says is ever echoed. A button pressed after its job
changed (Cancel on a job that just finished) says so in that sentence rather than
failing; an unknown job is a 404.
"""

from __future__ import annotations

import enum
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, HTTPException
from fastapi.responses import RedirectResponse

from arrkestra.core.jobs import InvalidTransition
from arrkestra.store.jobs import JobNotFound
from arrkestra.web.dashboard.access import FormDep, safe_next
from arrkestra.web.dashboard.notices import Notice, table
from arrkestra.web.deps import RowId, ServicesDep

router = APIRouter(include_in_schema=False)


class Done(enum.StrEnum):
    """What a button did, as the redirect after it says (``?done=``)."""

    RETRIED = "retried"
    CANCELLED = "cancelled"
    RETRIED_ALL = "retried_all"
    RETRY_REFUSED = "retry_refused"
    CANCEL_REFUSED = "cancel_refused"


NOTICES = table(
    Done,
    {
        Done.RETRIED: Notice("Queued again: the job runs as soon as a worker is free."),
        Done.CANCELLED: Notice("Cancelled."),
        Done.RETRIED_ALL: Notice("Queued again: {count} failed or dead job(s) of the last 24 h."),
        Done.RETRY_REFUSED: Notice(
            "That job cannot be retried now: only a failed, dead or cancelled job can "
            "(it changed meanwhile?).",
            error=True,
        ),
        Done.CANCEL_REFUSED: Notice(
            "That job cannot be cancelled now: only a pending, failed or running job can "
            "(it finished meanwhile?).",
            error=True,
        ),
    },
)


def back_to(back: str | None, fallback: str, done: Done, **extra: object) -> RedirectResponse:
    """303 to the page the form came from (a ``/ui`` path), with ``?done=`` for its message."""
    target = urlsplit(safe_next(back) if back else fallback)
    kept = [(k, v) for k, v in parse_qsl(target.query) if k not in ("done", "count")]
    added = [("done", done.value), *((k, str(v)) for k, v in extra.items())]
    return RedirectResponse(f"{target.path}?{urlencode(kept + added)}", status_code=303)


def _missing(job_id: int) -> HTTPException:
    return HTTPException(404, f"there is no job {job_id}")


@router.post("/ui/jobs/retry-failed")
async def retry_failed(services: ServicesDep, form: FormDep) -> RedirectResponse:
    """Every failed or dead job of the last 24 h queued again (the API's ``retry-failed``)."""
    retried = await services.queue.retry_failed()
    return back_to(form.get("back"), "/ui/jobs", Done.RETRIED_ALL, count=len(retried))


@router.post("/ui/jobs/{job_id}/retry")
async def retry(job_id: RowId, services: ServicesDep, form: FormDep) -> RedirectResponse:
    try:
        await services.queue.retry(job_id)
    except JobNotFound:
        raise _missing(job_id) from None
    except InvalidTransition:
        return back_to(form.get("back"), f"/ui/jobs/{job_id}", Done.RETRY_REFUSED)
    return back_to(form.get("back"), f"/ui/jobs/{job_id}", Done.RETRIED)


@router.post("/ui/jobs/{job_id}/cancel")
async def cancel(job_id: RowId, services: ServicesDep, form: FormDep) -> RedirectResponse:
    try:
        await services.queue.cancel(job_id)
    except JobNotFound:
        raise _missing(job_id) from None
    except InvalidTransition:
        return back_to(form.get("back"), f"/ui/jobs/{job_id}", Done.CANCEL_REFUSED)
    return back_to(form.get("back"), f"/ui/jobs/{job_id}", Done.CANCELLED)
