"""JSON logs via structlog. Callers log codes, counts and durations: never a child's ids or free text."""

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SHARED_PROCESSORS: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]
# Libraries that configure their own handlers before our code runs (uvicorn, the arq command line).
THIRD_PARTY_LOGGERS = ("uvicorn", "uvicorn.error", "arq", "arq.worker", "arq.jobs")
# uvicorn's access log writes each raw path and query string, and those carry children's ids and pseudonyms;
# the app logs each request by its route template instead (services/api/observability.py).
ACCESS_LOGGER = "uvicorn.access"


def exception_type_only(_: object, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A library's exception becomes its type: a traceback's messages can quote what a query held."""
    exc_info = event.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        event["error"] = type(exc_info).__name__
    elif isinstance(exc_info, tuple) and exc_info[0] is not None:
        event["error"] = exc_info[0].__name__
    return event


def exception_arguments_as_types(record: logging.LogRecord) -> bool:
    """An exception passed as a message's argument becomes its type too: arq's line for a failed job is
    `... failed, %s: %s` with the exception itself, whose text can quote a query's parameters."""
    if isinstance(record.args, tuple):
        record.args = tuple(type(arg).__name__ if isinstance(arg, BaseException) else arg for arg in record.args)
    return True


def configure(level: str) -> None:
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[*SHARED_PROCESSORS, exception_type_only, structlog.processors.JSONRenderer()],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        # Not cached, so a test (structlog.testing.capture_logs) sees what production would write.
        cache_logger_on_first_use=False,
    )
    # Every other library's records leave as JSON too, through one handler on the root logger.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exception_type_only,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=SHARED_PROCESSORS,
        )
    )
    handler.addFilter(exception_arguments_as_types)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(numeric)
    for name in THIRD_PARTY_LOGGERS:
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Off whatever flags uvicorn was started with: it writes access lines whenever this logger has a handler
    # anywhere up its chain, which the root handler above would otherwise be.
    access = logging.getLogger(ACCESS_LOGGER)
    access.handlers = []
    access.propagate = False
    access.disabled = True
    # arq logs each job with its arguments, and ours carry child keys: keep only its warnings.
    logging.getLogger("arq.worker").setLevel(max(logging.WARNING, numeric))
