"""The scoring worker: python -m services.scoring (or arq services.scoring.worker.WorkerSettings).

Jobs are thin I/O around the engines; transient failures are retried with backoff, everything is
idempotent because arq delivers at least once."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import structlog
from arq import cron
from arq.worker import func

from services.scoring import statements
from services.scoring.housekeeping import prune
from services.scoring.lease import leased
from services.scoring.pending import recompute_pending
from services.scoring.retries import retried_when_transient
from services.scoring.waiting import until_database_ready
from shared import logging, outbox, queue
from shared.db import make_engine, make_sessionmaker
from shared.settings import Settings, get_settings

log = structlog.get_logger("worker")


@retried_when_transient
async def recompute_child_job(ctx: dict[str, Any], child_pk: str) -> int:
    # One recompute at a time per worker: jobs arriving meanwhile wait, and the next finds their requests
    # pending together and recomputes them in one run.
    async with ctx["recompute_lock"]:
        done = await recompute_pending(ctx["sessions"], uuid.UUID(child_pk))
    log.info("recompute.done", requests=done)
    await send_stale_statements(ctx)
    return done


async def send_stale_statements(ctx: dict[str, Any]) -> None:
    """A refresh job for each contract marked stale."""
    for contract_id in await statements.stale_contracts(ctx["sessions"]):
        await queue.enqueue_refresh(ctx["redis"], contract_id)


@retried_when_transient
async def refresh_statements_job(ctx: dict[str, Any], contract_id: str) -> None:
    await statements.refresh_contract(ctx["sessions"], uuid.UUID(contract_id))


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    settings: Settings = ctx["settings"]
    policy = outbox.SweepPolicy(timedelta(seconds=settings.outbox_stall_seconds), settings.outbox_max_sends)
    await send_stale_statements(ctx)  # a job lost, or a contract changed with no child recomputed
    return await outbox.sweep(ctx["redis"], ctx["sessions"], policy)


@retried_when_transient
async def refresh_statements(ctx: dict[str, Any]) -> int:
    refreshed = await statements.refresh_every_contract(ctx["sessions"])
    log.info("statements.refreshed", contracts=refreshed)
    return refreshed


async def housekeeping(ctx: dict[str, Any]) -> None:
    requests, records = await prune(ctx["sessions"], ctx["settings"])
    log.info("housekeeping.pruned", recompute_requests=requests, idempotency_records=records)


def worker_options(settings: Settings) -> dict[str, Any]:
    """Everything arq's Worker takes, from our settings; tests build a burst Worker from the same."""

    async def startup(ctx: dict[str, Any]) -> None:
        logging.configure(settings.log_level)
        ctx["settings"] = settings
        ctx["engine"] = make_engine(settings)
        ctx["sessions"] = make_sessionmaker(ctx["engine"])
        ctx["recompute_lock"] = asyncio.Lock()
        await until_database_ready(ctx["engine"], settings)
        # Whatever a killed worker or a Redis outage left undone is sent again now, not after a stall.
        resent = await outbox.sweep(
            ctx["redis"], ctx["sessions"], outbox.SweepPolicy(timedelta(0), settings.outbox_max_sends)
        )
        await send_stale_statements(ctx)
        log.info("worker.started", resent=resent)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await ctx["engine"].dispose()

    return {
        "functions": [
            func(
                leased(recompute_child_job),
                name=queue.RECOMPUTE_CHILD,
                max_tries=settings.worker_max_tries,
                timeout=settings.worker_job_timeout_seconds,
            ),
            # Kept for no time, so a contract marked stale again as soon as it is done gets a job again.
            func(
                leased(refresh_statements_job),
                name=queue.REFRESH_STATEMENTS,
                max_tries=settings.worker_max_tries,
                timeout=settings.worker_job_timeout_seconds,
                keep_result=0,
            ),
        ],
        "cron_jobs": [
            # The longest timeout sets how long a killed worker's job waits before another worker
            # takes it, so the sweep gets no longer than a recompute.
            cron(
                sweep_outbox,
                second=set(range(0, 60, settings.outbox_sweep_seconds)),
                unique=True,
                timeout=settings.worker_job_timeout_seconds,
            ),
            cron(housekeeping, minute=17, second=0, unique=True, timeout=settings.worker_job_timeout_seconds),
            # After midnight in England (UTC+1 at most), so the day's periods and cut-offs have turned. The
            # common timeout, as above: a contract's refresh takes a tenth of a second at a large provider.
            cron(
                refresh_statements,
                hour=1,
                minute=7,
                second=0,
                unique=True,
                timeout=settings.worker_job_timeout_seconds,
                max_tries=settings.worker_max_tries,  # arq tries a cron job once unless told, so a retry needs it
            ),
        ],
        "on_startup": startup,
        "on_shutdown": shutdown,
        "redis_settings": queue.redis_settings(settings),
        "queue_name": settings.queue_name,
        "job_serializer": queue.serialize,
        "job_deserializer": queue.deserialize,
        "poll_delay": 0.05,
        "max_jobs": settings.worker_max_jobs,
        "health_check_interval": 15,
        "keep_result": 60,
    }


# The arq command line reads its options from a class's attributes.
WorkerSettings = type("WorkerSettings", (), worker_options(get_settings()))
