"""What a job of the worker reaches, typed: arq hands every job one plain dict, holding its own entries
(redis, job_id, job_try) and what the worker's start-up put there."""

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.settings import Settings

KEY = "worker"


@dataclass(frozen=True, slots=True)
class WorkerServices:
    """Made once at the worker's start-up, shared by its jobs."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: ArqRedis


@dataclass(frozen=True, slots=True)
class Job:
    """The run of one job, as arq numbers it."""

    id: str
    attempt: int


def worker_of(ctx: dict[str, Any]) -> WorkerServices:
    worker: WorkerServices = ctx[KEY]
    return worker


def job_of(ctx: dict[str, Any]) -> Job:
    return Job(ctx["job_id"], ctx["job_try"])
