"""Everyone signed in with a role reads through the role's one client of the council, but each person has
the per-client limits to themselves: one manager who reloads a page past the burst limit is told to wait,
and another manager of the same council is served."""

import uuid

import httpx
from fastapi import FastAPI

from services.api.web import sessions
from services.api.web.roles import Role
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.access_helpers import client_of, dedicated_app, fresh_window

LIMIT, WINDOW = 4, 3600


async def signed_in(client: httpx.AsyncClient, application: FastAPI, la_id: uuid.UUID) -> dict[str, str]:
    async with transaction(state_of(application).sessions) as db:
        token = await sessions.new_link(db, la_id, Role.MANAGER, None, 5)
    answer = await client.post(f"/web/sign-in/link/{token}")
    assert answer.status_code == 303, answer.text
    # httpx keeps a Secure cookie for https only; a browser sends it to this address.
    return {"Cookie": f"{sessions.SESSION_COOKIE}={answer.cookies[sessions.SESSION_COOKIE]}"}


async def test_one_person_past_the_burst_limit_does_not_hold_back_another_of_the_same_role(
    settings: Settings, council: Council
) -> None:
    async with (
        dedicated_app(settings, client_request_limit=LIMIT, client_request_window_seconds=WINDOW) as application,
        client_of(application) as client,
    ):
        first, second = (
            await signed_in(client, application, council.la_id),
            await signed_in(client, application, council.la_id),
        )
        await fresh_window(WINDOW, needed=LIMIT + 2)
        # Each view of the contracts page is one API read.
        views = [(await client.get("/web/contracts", headers=first)).status_code for _ in range(LIMIT + 1)]
        assert views == [200] * LIMIT + [429]
        other = await client.get("/web/contracts", headers=second)
        assert other.status_code == 200, other.text[-1500:]
