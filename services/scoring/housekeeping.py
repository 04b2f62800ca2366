"""Rows kept only for a while: satisfied recompute requests (kept a week to explain recent figures),
idempotency records (kept long enough for any client's retries), and the web pages' sessions and one-time
links once they can sign no one in (the audit log keeps who read what)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, delete, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import transaction
from shared.models import IdempotencyRecord, RecomputeRequest, SignInLink, WebSession
from shared.settings import Settings


async def prune(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> tuple[int, int, int]:
    async with transaction(sessions) as db:
        requests: CursorResult[Any] = await db.execute(  # type: ignore[assignment]
            delete(RecomputeRequest).where(
                RecomputeRequest.done_at < func.now() - timedelta(days=settings.outbox_retain_days)
            )
        )
        records: CursorResult[Any] = await db.execute(  # type: ignore[assignment]
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < func.now() - timedelta(hours=settings.idempotency_retain_hours)
            )
        )
        web: CursorResult[Any] = await db.execute(  # type: ignore[assignment]
            delete(WebSession).where(
                WebSession.ended_at.is_not(None)
                | (WebSession.created_at < func.now() - timedelta(hours=settings.web_session_hours))
            )
        )
        links: CursorResult[Any] = await db.execute(  # type: ignore[assignment]
            delete(SignInLink).where(SignInLink.used_at.is_not(None) | (SignInLink.expires_at < func.now()))
        )
    return requests.rowcount, records.rowcount, web.rowcount + links.rowcount
