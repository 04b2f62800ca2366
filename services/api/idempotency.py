"""Idempotency-Key: the same key and body from the same client replays the first response; the same key with
another body is refused. Keys are each client's own: two systems of one council choose theirs unaware of
each other."""

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.auth import Caller
from shared.db import named_lock
from shared.errors import IdempotencyKeyReused
from shared.models import IdempotencyRecord

Reply = tuple[int, dict[str, Any], dict[str, str]]


def fingerprint(route: str, body: BaseModel) -> str:
    canonical = json.dumps([route, body.model_dump(mode="json")], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def as_response(reply: Reply) -> JSONResponse:
    status, payload, headers = reply
    return JSONResponse(payload, status_code=status, headers=headers)


async def once(
    db: AsyncSession,
    caller: Caller,
    key: str | None,
    request: tuple[str, BaseModel],
    run: Callable[[], Awaitable[Reply]],
) -> JSONResponse:
    """The request (its route and body) is fingerprinted only when a key is sent: on a batch of 1,000 the
    fingerprint costs a tenth of the request's time."""
    if key is None:
        return as_response(await run())
    request_hash = fingerprint(*request)
    # Two requests with one key race on this lock, so the second sees the first's record.
    await named_lock(db, f"{caller.client_id}:{key}")
    record = await db.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.client_id == caller.client_id, IdempotencyRecord.key == key)
    )
    if record is not None:
        if record.request_hash != request_hash:
            raise IdempotencyKeyReused("This Idempotency-Key was used for a different request.")
        # The reply repeats the children's records: audited as a read of them.
        for child_pk in record.children:
            audit.saw_child(db, child_pk)
        audit.note(db, result="replayed")
        return as_response((record.status_code, record.response["body"], record.response["headers"]))
    status, payload, headers = await run()
    db.add(
        IdempotencyRecord(
            la_id=caller.la_id,
            client_id=caller.client_id,
            key=key,
            request_hash=request_hash,
            status_code=status,
            response={"body": payload, "headers": headers},
            children=audit.children_seen(db),
        )
    )
    return as_response((status, payload, headers))
