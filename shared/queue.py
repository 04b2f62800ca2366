"""The queue interface both services share: arq on Redis, JSON on the wire (pickle would let anyone
who can write to Redis run code in the worker)."""

import json
import uuid
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis, RedisSettings

from shared.redis_breaker import GuardedPool
from shared.settings import Settings

RECOMPUTE_PENDING = "recompute_pending"  # a drain of every pending child: see shared/wakes.py
REFRESH_STATEMENTS = "refresh_statements"  # one contract's, debounced: its job id is the contract's
STATEMENTS_DEBOUNCE = timedelta(seconds=1)  # a burst of changes to one contract's children, refreshed once
RETURN_IMPORT = "return_import"  # a council's SSDA903 return uploaded: its job id is the import row's
COUNCIL_RECOMPUTE = "council_recompute"  # an admin's recompute of a whole council: its job id is the row's
PLACEMENT_FIGURES = "placement_figures"  # a council's kept placement figures brought to today: its id the council's


def serialize(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def deserialize(raw: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(raw)
    return value


def redis_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url)


def connect(settings: Settings) -> ArqRedis:
    """A lazy client: nothing connects until first use, so the API starts while Redis is down. Each call
    waits REDIS_TIMEOUT_MS at most, and one that goes unanswered has Redis skipped for a second."""
    pool = GuardedPool.from_url(settings.redis_url, deadline_seconds=settings.redis_timeout_ms / 1000)
    return ArqRedis(
        pool,
        job_serializer=serialize,
        job_deserializer=deserialize,
        default_queue_name=settings.queue_name,
    )


async def enqueue_refresh(redis: ArqRedis, contract_id: uuid.UUID) -> None:
    """A refresh of the contract's statements, a second from now; arq keeps one job per id, so a
    contract already waiting is not queued twice."""
    await redis.enqueue_job(
        REFRESH_STATEMENTS, str(contract_id), _job_id=f"statements-{contract_id}", _defer_by=STATEMENTS_DEBOUNCE
    )


async def enqueue_return_import(redis: ArqRedis, import_id: uuid.UUID) -> None:
    """The job of a return's import; arq keeps one job per id, so one sent again is not queued twice."""
    await redis.enqueue_job(RETURN_IMPORT, str(import_id), _job_id=f"return-import-{import_id}")


async def enqueue_placement_figures(redis: ArqRedis, la_id: uuid.UUID) -> None:
    """The refresh of a council's kept placement figures; arq keeps one job per id, so it is not queued twice."""
    await redis.enqueue_job(PLACEMENT_FIGURES, str(la_id), _job_id=f"placement-figures-{la_id}")


async def enqueue_council_recompute(redis: ArqRedis, recompute_id: uuid.UUID) -> None:
    """The job of a council recompute row; arq keeps one job per id, so one sent again is not queued twice."""
    await redis.enqueue_job(COUNCIL_RECOMPUTE, str(recompute_id), _job_id=f"council-recompute-{recompute_id}")
