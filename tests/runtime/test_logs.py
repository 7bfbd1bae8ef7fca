import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from arrkestra.core.redact import Redactor
from arrkestra.runtime.logs import configure_logging, job_context

SECRET = "supersecretvalue123"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def emit_everything() -> None:
    log = logging.getLogger("arrkestra.test")
    log.info("api key is %s", SECRET)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "POST", "/webhook/sonarr?token=abc123", 202
    )
    logging.getLogger("httpx").warning(
        "HTTP Request: GET http://plex:32400/library/sections?X-Plex-Token=plextok42"
    )
    logging.getLogger("arrkestra.notify").info("sending to tgram://123456:bottoken/987")
    token = job_context.set((42, "mirror"))
    try:
        log.info("copying")
        try:
            raise RuntimeError(f"failed with {SECRET}")
        except RuntimeError:
            log.exception("job crashed")
    finally:
        job_context.reset(token)


@pytest.mark.usefixtures("restore_logging")
def test_text_log_file_masks_secrets_and_tags_job_lines(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "arrkestra.log"
    configure_logging(level="info", fmt="text", redact=Redactor.of([SECRET]), file=log_file)
    emit_everything()
    text = log_file.read_text()
    for leaked in (SECRET, "abc123", "plextok42", "bottoken"):
        assert leaked not in text
    assert "token=***" in text and "X-Plex-Token=***" in text
    assert "copying [job=42 pipeline=mirror]" in text
    assert "Traceback" in text and "RuntimeError: failed with ***" in text


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_carry_job_fields(tmp_path: Path) -> None:
    log_file = tmp_path / "arrkestra.log"
    configure_logging(level="info", fmt="json", redact=Redactor.of([SECRET]), file=log_file)
    emit_everything()
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert SECRET not in log_file.read_text()
    copying = next(r for r in records if r["message"] == "copying")
    assert (copying["job_id"], copying["pipeline"], copying["level"]) == (42, "mirror", "info")
    crashed = next(r for r in records if r["message"] == "job crashed")
    assert "RuntimeError" in crashed["exception"]


@pytest.mark.usefixtures("restore_logging")
def test_file_rotation(tmp_path: Path) -> None:
    log_file = tmp_path / "arrkestra.log"
    configure_logging(
        level="info", fmt="text", redact=Redactor.of([]), file=log_file, max_bytes=2000, backups=2
    )
    for i in range(200):
        logging.getLogger("arrkestra").info("line %d %s", i, "x" * 50)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "arrkestra.log",
        "arrkestra.log.1",
        "arrkestra.log.2",
    ]


@pytest.mark.usefixtures("restore_logging")
def test_probe_requests_and_apprise_chatter_stay_out_of_the_log(tmp_path: Path) -> None:
    log_file = tmp_path / "arrkestra.log"
    configure_logging(level="info", fmt="text", redact=Redactor.of([]), file=log_file, probes=False)
    access = logging.getLogger("uvicorn.access")
    for path in ("/health", "/ready?x=1", "/metrics", "/api/v1/jobs"):
        access.info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "GET", path, 200)
    logging.getLogger("apprise").info("Sent Telegram notification.")
    text = log_file.read_text()
    assert "/api/v1/jobs" in text
    assert all(probe not in text for probe in ("/health", "/ready", "/metrics"))
    assert "Sent Telegram" not in text
    configure_logging(level="info", fmt="text", redact=Redactor.of([]), file=log_file, probes=True)
    access.info('%s - "%s %s HTTP/1.1" %d', "127.0.0.1", "GET", "/health", 200)
    assert "/health" in log_file.read_text()
