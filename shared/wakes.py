"""Wake-ups of the recompute worker: the queue holds what is left to do, not one job per request.

What needs recomputing is in the outbox's rows; Redis carries only a nudge that rows are waiting. At
most one drain job (RECOMPUTE_PENDING) lives at a time, queued or running: its id is kept in the armed
key, and it is alive while arq keeps its job key (until it ends, however it ends). A wake while it lives
only raises the wake flag; a wake with none alive queues one. A drain clears the flag as it starts, so
whatever committed before that is in its reads, and settles as it ends: the flag raised meanwhile (or
work left over) queues the next drain, otherwise it disarms, and the next wake queues a new one. Each of
these is one Lua script, so no wake can fall between a drain's last look and its end."""

import uuid

from arq.connections import ArqRedis
from arq.constants import expires_extra_ms, job_key_prefix
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from shared.queue import RECOMPUTE_PENDING, serialize

# KEYS: the wake flag, the armed key, the queue, the next drain's job key.
# ARGV: arq's job key prefix, the next drain's id, its body, its score, its expiry (ms).
QUEUE_NEXT = """
redis.call('PSETEX', KEYS[4], ARGV[5], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""
WAKE = (
    """
local armed = redis.call('GET', KEYS[2])
if armed and redis.call('EXISTS', ARGV[1] .. armed) == 1 then
    redis.call('SET', KEYS[1], '1')
    return 0
end
"""
    + QUEUE_NEXT
)
# ARGV[6]: the settling drain's own id; ARGV[7]: '1' when it stopped with work left.
SETTLE = (
    """
if redis.call('GET', KEYS[2]) ~= ARGV[6] then
    return 0
end
if ARGV[7] ~= '1' and redis.call('EXISTS', KEYS[1]) == 0 then
    redis.call('DEL', KEYS[2])
    return 0
end
redis.call('DEL', KEYS[1])
"""
    + QUEUE_NEXT
)
# KEYS: the wake flag, the armed key; ARGV: the starting drain's id. A drain that is not the armed one (a
# stray) recomputes as well, but leaves the flag to the armed one.
CLAIM = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
end
return 0
"""


def wake_key(queue_name: str) -> str:
    return f"{queue_name}:recompute:wake"


def armed_key(queue_name: str) -> str:
    return f"{queue_name}:recompute:armed"


def next_drain(queue_name: str) -> tuple[list[str], list[str]]:
    """The keys and arguments of QUEUE_NEXT, for a drain job of a fresh id. Ids are never reused: arq
    deletes an ending job's key by its id, which must not be the next drain's."""
    job_id = f"{queue_name}:recompute:{uuid.uuid4().hex}"
    now = timestamp_ms()
    body = serialize_job(RECOMPUTE_PENDING, (), {}, None, now, serializer=serialize)
    keys = [wake_key(queue_name), armed_key(queue_name), queue_name, job_key_prefix + job_id]
    return keys, [job_key_prefix, job_id, body.decode(), str(now), str(expires_extra_ms)]


async def wake(redis: ArqRedis) -> bool:
    """The worker told that requests are waiting; True when this queued a drain."""
    keys, args = next_drain(redis.default_queue_name)
    return bool(await redis.eval(WAKE, len(keys), *keys, *args))  # type: ignore[misc]


async def claim(redis: ArqRedis, job_id: str) -> None:
    queue_name = redis.default_queue_name
    await redis.eval(CLAIM, 2, wake_key(queue_name), armed_key(queue_name), job_id)  # type: ignore[misc]


async def settle(redis: ArqRedis, job_id: str, work_left: bool) -> bool:
    """The drain's end; True when it queued the next drain (a wake came while it ran, or work is left)."""
    keys, args = next_drain(redis.default_queue_name)
    settling = [*args, job_id, "1" if work_left else "0"]
    return bool(await redis.eval(SETTLE, len(keys), *keys, *settling))  # type: ignore[misc]


async def drain_alive(redis: ArqRedis) -> bool:
    """A drain queued or running: requests waiting are late, not lost."""
    armed = await redis.get(armed_key(redis.default_queue_name))
    return armed is not None and bool(await redis.exists(job_key_prefix + armed.decode()))
