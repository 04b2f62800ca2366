"""The scoring worker: python -m services.scoring (or arq services.scoring.worker.WorkerSettings).

Jobs are thin I/O around the engines; transient failures are retried with backoff, everything is
idempotent because arq delivers at least once."""

import uuid
from datetime import date, timedelta
from typing import Any

import structlog
from arq import cron
from arq.worker import func

from services.scoring import context
from services.scoring.context import WorkerServices, job_of, worker_of
from services.scoring.drain import drain
from services.scoring.housekeeping import prune
from services.scoring.lease import leased
from services.scoring.retries import retried_when_transient
from services.scoring.waiting import until_database_ready
from shared import logging, outbox, queue, wakes
from shared.db import make_engine, make_sessionmaker
from shared.domain import council_recompute, kept_placement_figures, return_import, statements
from shared.settings import Settings, get_settings

log = structlog.get_logger("worker")

DRAIN_SECONDS = 5.0


@retried_when_transient
async def recompute_pending_job(ctx: dict[str, Any]) -> int:
    """A drain (shared/wakes.py): every child pending, in bursts, for a few seconds at most; the next
    drain is queued as it settles if a wake came meanwhile or work is left."""
    worker, job = worker_of(ctx), job_of(ctx)
    await wakes.claim(worker.redis, job.id)
    # Well inside the job's timeout, and short enough that statements follow a long backlog as it goes.
    drained = await drain(worker.sessions, min(DRAIN_SECONDS, worker.settings.worker_job_timeout_seconds / 4))
    if drained.children:
        log.info("recompute.done", children=drained.children, failed=drained.failed)
    await send_stale_statements(worker)
    await wakes.settle(worker.redis, job.id, drained.work_left)
    return drained.children


async def send_stale_statements(worker: WorkerServices) -> None:
    """A refresh job for each contract marked stale."""
    for contract_id in await statements.stale_contracts(worker.sessions):
        await queue.enqueue_refresh(worker.redis, contract_id)


async def send_council_recomputes(worker: WorkerServices) -> None:
    """A job for each council recompute waiting, or lost with its worker."""
    await outbox.send_council_recomputes(worker.redis, await council_recompute.waiting_or_lost(worker.sessions))


@retried_when_transient
async def council_recompute_job(ctx: dict[str, Any], recompute_id: str) -> str | None:
    ended = await council_recompute.run(worker_of(ctx).sessions, uuid.UUID(recompute_id))
    if ended is not None:
        log.info("council_recompute.ended", state=ended)
    return ended


async def send_placement_figures(worker: WorkerServices) -> None:
    """A job for each council whose kept placement figures are not of today: the day turned, or a child placed
    has none (the worker was away, or the figures were new)."""
    stale = await kept_placement_figures.stale_councils(worker.sessions, date.today())
    await outbox.send_placement_figures(worker.redis, stale)


@retried_when_transient
async def placement_figures_job(ctx: dict[str, Any], la_id: str) -> int:
    return await kept_placement_figures.refresh_council(worker_of(ctx).sessions, uuid.UUID(la_id), date.today())


async def send_return_imports(worker: WorkerServices) -> None:
    """A job for each uploaded return waiting, or lost with its worker."""
    await outbox.send_return_imports(worker.redis, await return_import.waiting_or_lost(worker.sessions))


@retried_when_transient
async def return_import_job(ctx: dict[str, Any], import_id: str) -> str | None:
    worker = worker_of(ctx)
    ended = await return_import.run_uploaded(worker.sessions, uuid.UUID(import_id), worker.settings.pseudonym_key_bytes)
    if ended is None:
        return None
    for sending in outbox.sending(worker.redis, worker.sessions, ended.queued):
        await sending
    log.info("return_import.ended", kind=ended.row.kind, state=ended.row.state)
    return ended.row.state


@retried_when_transient
async def refresh_statements_job(ctx: dict[str, Any], contract_id: str) -> None:
    await statements.refresh_under_figures_lock(worker_of(ctx).sessions, uuid.UUID(contract_id))


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    worker = worker_of(ctx)
    stall = timedelta(seconds=worker.settings.outbox_stall_seconds)
    await send_stale_statements(worker)  # a job lost, or a contract changed with no child recomputed
    await send_council_recomputes(worker)
    await send_return_imports(worker)
    await send_placement_figures(worker)
    return await outbox.sweep(
        worker.redis, worker.sessions, outbox.SweepPolicy(stall, worker.settings.outbox_max_sends)
    )


@retried_when_transient
async def refresh_statements(ctx: dict[str, Any]) -> int:
    refreshed = await statements.refresh_every_contract(worker_of(ctx).sessions)
    log.info("statements.refreshed", contracts=refreshed)
    return refreshed


async def housekeeping(ctx: dict[str, Any]) -> None:
    worker = worker_of(ctx)
    requests, records, web = await prune(worker.sessions, worker.settings)
    log.info("housekeeping.pruned", recompute_requests=requests, idempotency_records=records, web_sign_ins=web)


def worker_options(settings: Settings) -> dict[str, Any]:
    """Everything arq's Worker takes, from our settings; tests build a burst Worker from the same."""

    async def startup(ctx: dict[str, Any]) -> None:
        logging.configure(settings.log_level)
        engine = make_engine(settings)
        worker = ctx[context.KEY] = WorkerServices(settings, engine, make_sessionmaker(engine), ctx["redis"])
        await until_database_ready(engine, settings)
        # Whatever a killed worker or a Redis outage left undone is sent again now, not after a stall.
        resent = await outbox.sweep(
            worker.redis, worker.sessions, outbox.SweepPolicy(timedelta(0), settings.outbox_max_sends)
        )
        await send_stale_statements(worker)
        await send_council_recomputes(worker)
        await send_return_imports(worker)
        await send_placement_figures(worker)
        log.info("worker.started", resent=resent)

    async def shutdown(ctx: dict[str, Any]) -> None:
        await worker_of(ctx).engine.dispose()

    return {
        # Each kept for no time: a drain's id is its own and nothing reads its result; a contract marked stale
        # again as soon as it is done, or an import or recompute sent again, gets a job again.
        "functions": [
            func(
                leased(job),
                name=name,
                max_tries=settings.worker_max_tries,
                timeout=settings.worker_job_timeout_seconds,
                keep_result=0,
            )
            for job, name in (
                (recompute_pending_job, queue.RECOMPUTE_PENDING),
                (refresh_statements_job, queue.REFRESH_STATEMENTS),
                (return_import_job, queue.RETURN_IMPORT),
                (council_recompute_job, queue.COUNCIL_RECOMPUTE),
                (placement_figures_job, queue.PLACEMENT_FIGURES),
            )
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
