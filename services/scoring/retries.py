"""A job that meets a transient failure (the database or network blinked, a transaction lost a race) is
retried with backoff, wherever in the job it happens; any other failure fails the job for good."""

import functools
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

import structlog
from arq import Retry

from services.scoring.context import job_of
from shared.transient import backoff_seconds, is_transient

log = structlog.get_logger("worker")

Job = TypeVar("Job", bound=Callable[..., Coroutine[Any, Any, Any]])


def retried_when_transient(job: Job) -> Job:
    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await job(ctx, *args, **kwargs)
        except Exception as error:
            if not is_transient(error):
                raise
            attempt = job_of(ctx).attempt
            log.warning("job.retry", job=job.__name__, error=type(error).__name__, job_try=attempt)
            raise Retry(defer=backoff_seconds(attempt)) from error

    return cast(Job, run)
