"""A worker stopped while a job is ending (arq recording its end when the stop cancels it) stops cleanly: the
job ends cancelled, for arq to run again as it runs a killed worker's, and the process is not ended by the
cancellation in a traceback with status 1, as the shipped worker was in CI with jobs finishing at its stop."""

import asyncio

from services.scoring.redis_outages import PatientWorker
from services.scoring.worker import worker_options
from shared.settings import Settings


async def test_a_job_cancelled_as_the_worker_stops_does_not_fail_the_stop(settings: Settings) -> None:
    worker = PatientWorker(**worker_options(settings), burst=True, handle_signals=False)
    worker._pool = await worker.connect(worker.redis_settings)
    worker.ctx["redis"] = worker._pool
    await worker.on_startup(worker.ctx)  # as arq's main starts it, which close's shutdown undoes

    async def ending() -> None:
        await asyncio.sleep(60)  # stands for arq's recording of the job's end, which the stop cancels

    job = asyncio.ensure_future(ending())
    worker.tasks["a-job-ending"] = job
    await asyncio.sleep(0)
    await worker.close()
    assert job.cancelled() and worker._pool is None
