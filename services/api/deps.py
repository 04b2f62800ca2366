"""Request dependencies: one session per request (a read's autocommitted and bounded by
READ_STATEMENT_TIMEOUT_MS), its audit row written and the whole committed once here, then the outbox
dispatched; a refused request's audit row written after its rollback."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.state import AppState
from shared import outbox
from shared.errors import Forbidden, NotFound


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.services
    return state


# async, like every dependency on the request path: FastAPI runs a plain function in a worker thread.
async def app_state(request: Request) -> AppState:
    return state_of(request)


StateDep = Annotated[AppState, Depends(app_state)]


# The state read directly, here and in the scope check, not as a dependency of theirs: FastAPI solves a
# dependency's own dependencies again wherever it is named, before finding its value cached.
async def session(request: Request) -> AsyncIterator[AsyncSession]:
    state = state_of(request)
    reading = request.method == "GET"
    if not reading:
        await state.write_gate.admit()
    # scope="function" below: the commit happens before the response is sent, so a 201 means kept.
    async with (state.read_sessions if reading else state.sessions)() as db:
        try:
            async with db.begin():
                if not reading:
                    # Connections bound every statement by READ_STATEMENT_TIMEOUT_MS (shared/db.py): a read
                    # cut off is answered 503 and can be sent again; a write is left to finish.
                    await db.execute(select(func.set_config("statement_timeout", "0", True)))
                yield db
                # Reached only when the route succeeded: an error rolls back, and its audit row with it.
                await audit.flush(db)
        except (Forbidden, NotFound) as refusal:
            # Kept in a transaction of its own, so probing for ids leaves a trace the rollback cannot take.
            audit.refused(db, refusal.slug, audit.ids_asked(request), state.settings.pseudonym_key_bytes)
            async with db.begin():
                await audit.flush(db)
            raise
        state.dispatcher.after_commit(outbox.queued_in(db))


SessionDep = Annotated[AsyncSession, Depends(session, scope="function")]
