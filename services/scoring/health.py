"""python -m services.scoring.health: the worker container's health check, in one line.

Healthy is a worker's report on the queue within its health interval (arq's health key, as
`arq --check` reads it). With Redis away, `arq --check` tried five times and ended in a traceback;
this says that the worker is waiting for Redis, and that it carries on by itself once Redis answers."""

import asyncio
import sys

from arq.constants import health_check_key_suffix
from redis.asyncio import Redis

from services.scoring.redis_outages import ANSWER_WITHIN, REDIS_DOWN
from shared import queue
from shared.settings import Settings, get_settings


async def reported(settings: Settings) -> bytes | None:
    # A client of its own, as patient as a health check may be: the API's (shared.queue) suits requests.
    redis = Redis.from_url(settings.redis_url, socket_connect_timeout=ANSWER_WITHIN, socket_timeout=ANSWER_WITHIN)
    try:
        report: bytes | None = await redis.get(settings.queue_name + health_check_key_suffix)
        return report
    finally:
        await redis.aclose()


def check(settings: Settings) -> tuple[bool, str]:
    where = queue.redis_settings(settings)
    try:
        report = asyncio.run(reported(settings))
    except REDIS_DOWN as error:
        return False, (
            f"waiting for Redis: {where.host}:{where.port} does not answer ({type(error).__name__}); "
            "the worker carries on by itself once it does"
        )
    if report is None:
        return False, f"no worker has reported on the queue {settings.queue_name} lately"
    return True, f"healthy: {report.decode()}"


def main() -> None:
    healthy, line = check(get_settings())
    print(line, flush=True)
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    main()
