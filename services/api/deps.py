"""Request dependencies: one session per request, its audit row written and the whole committed once
here, then the outbox dispatched."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.state import AppState
from shared import outbox


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.services
    return state


StateDep = Annotated[AppState, Depends(app_state)]


async def session(state: StateDep) -> AsyncIterator[AsyncSession]:
    # scope="function" below: the commit happens before the response is sent, so a 201 means kept.
    async with state.sessions() as db:
        async with db.begin():
            yield db
            # Reached only when the route succeeded: an error rolls back, and its audit row with it.
            await audit.flush(db)
        state.dispatcher.after_commit(outbox.pending_in(db), outbox.stale_in(db))


SessionDep = Annotated[AsyncSession, Depends(session, scope="function")]
