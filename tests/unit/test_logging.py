"""Every log line is one JSON object, our own and other libraries' alike."""

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from shared import logging as service_logging


@pytest.fixture
def restored_root_logger() -> Iterator[None]:
    """The test points both loggers at its captured stdout, closed after it: later tests get theirs back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    structlog_config = structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
    structlog.configure(**structlog_config)


@pytest.mark.usefixtures("restored_root_logger")
def test_our_lines_and_library_lines_are_json(capsys: pytest.CaptureFixture[str]) -> None:
    service_logging.configure("INFO")
    structlog.get_logger("request").info("request", route="/v1/children/{child_id}", status=200)
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("arq.worker").info("job started with its arguments")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["event"] for line in lines] == ["request", "Started server process"]
    assert all(line["level"] == "info" and "timestamp" in line for line in lines)


@pytest.mark.usefixtures("restored_root_logger")
def test_a_library_exception_is_logged_as_its_type_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    service_logging.configure("INFO")
    try:
        raise ValueError("duplicate key (child_id)=(SECRET-CHILD-ID)")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    out = capsys.readouterr().out
    line = json.loads(out)
    assert (line["event"], line["error"], line["level"]) == ("Exception in ASGI application", "ValueError", "error")
    assert "SECRET" not in out and "Traceback" not in out


@pytest.mark.usefixtures("restored_root_logger")
def test_our_own_exception_lines_carry_the_type_alone(capsys: pytest.CaptureFixture[str]) -> None:
    service_logging.configure("INFO")
    try:
        raise ValueError("duplicate key (child_id)=(SECRET-CHILD-ID)")
    except ValueError:
        structlog.get_logger("worker").exception("recompute.failed")
    out = capsys.readouterr().out
    line = json.loads(out)
    assert (line["event"], line["error"], line["level"]) == ("recompute.failed", "ValueError", "error")
    assert "SECRET" not in out and "Traceback" not in out
