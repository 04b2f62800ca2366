"""JSON logs via structlog. Callers log codes, counts and durations: never a child's ids or free text."""

import logging
import sys

import structlog


def configure(level: str) -> None:
    logging.basicConfig(stream=sys.stdout, format="%(message)s", level=level.upper())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        # Not cached, so a test (structlog.testing.capture_logs) sees what production would write.
        cache_logger_on_first_use=False,
    )
    # arq logs each job with its arguments, and ours carry child keys: keep only its warnings.
    logging.getLogger("arq.worker").setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
