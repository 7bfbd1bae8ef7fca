"""Logging set-up: text or JSON, optional rotating files, secrets masked in every line.

The redacting filter sits on the handlers, so it also covers the access log
(``?token=`` in request lines) and library loggers (httpx logs full URLs).
"""

from __future__ import annotations

import contextvars
import json
import logging
import logging.handlers
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

job_context: contextvars.ContextVar[tuple[int, str] | None] = contextvars.ContextVar(
    "arrkestra_job", default=None
)
"""(job id, pipeline) of the job the current task is running; added to every log line."""

HISTORY_LOGGER = "arrkestra.history"
"""One human line per finished job, to ``logging.history_file`` (like sync_history.log)."""
TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s%(job_suffix)s"
LIBRARY_LEVELS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,
    "apprise": logging.WARNING,  # two INFO lines per message sent: arrkestra logs its own
}
PROBES = frozenset({"/health", "/ready", "/metrics"})


class ProbeFilter(logging.Filter):
    """Drops the access-log lines of monitors' probes (``server.access_log_probes: false``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            return args[2].split("?", 1)[0] not in PROBES
        return True


class ContextFilter(logging.Filter):
    """Adds ``job_id`` / ``pipeline`` from the running job, and masks secrets."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        current = job_context.get()
        job_id, pipeline = current if current else (None, None)
        record.__dict__.update(
            job_id=job_id,
            pipeline=pipeline,
            job_suffix=f" [job={job_id} pipeline={pipeline}]" if current else "",
        )
        record.msg = self._redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        record.exc_info = None  # the redacted text is what gets printed
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        job_id = record.__dict__.get("job_id")
        if job_id is not None:
            doc["job_id"] = job_id
            doc["pipeline"] = record.__dict__.get("pipeline")
        if record.exc_text:
            doc["exception"] = record.exc_text
        return json.dumps(doc, ensure_ascii=False)


def _rotating(path: Path, max_bytes: int, backups: int) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    return logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )


def configure_history(
    *, file: Path | None, redact: Callable[[str], str], max_bytes: int, backups: int
) -> None:
    """Send the history logger to its own rotating file (and nowhere else)."""
    history = logging.getLogger(HISTORY_LOGGER)
    for old in list(history.handlers):
        history.removeHandler(old)
        old.close()
    history.propagate = False
    if file is None:
        history.addHandler(logging.NullHandler())
        return
    handler = _rotating(file, max_bytes, backups)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(ContextFilter(redact))
    history.addHandler(handler)
    history.setLevel(logging.INFO)


def configure_logging(
    *,
    level: str,
    fmt: str,
    redact: Callable[[str], str],
    file: Path | None = None,
    max_bytes: int = 10 * 1024 * 1024,
    backups: int = 5,
    probes: bool = True,
) -> None:
    """Replace the root logger's handlers with arrkestra's (idempotent). ``probes``: keep
    the access-log lines of /health, /ready and /metrics."""
    formatter: logging.Formatter = (
        JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        handlers.append(_rotating(file, max_bytes, backups))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    context = ContextFilter(redact)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(context)
        root.addHandler(handler)
    root.setLevel(level.upper())
    for name, lib_level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(lib_level, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
        uv.setLevel(logging.NOTSET)  # follow the root level, whatever uvicorn set before
    access = logging.getLogger("uvicorn.access")
    for old_filter in [f for f in access.filters if isinstance(f, ProbeFilter)]:
        access.removeFilter(old_filter)
    if not probes:
        access.addFilter(ProbeFilter())
