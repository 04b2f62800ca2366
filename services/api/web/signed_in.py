"""Who is signed in: the page dependency every page but sign-in takes, and the form check of every POST."""

from typing import Annotated

from fastapi import Depends, Request

from services.api.deps import state_of
from services.api.web import sessions
from services.api.web.sessions import SESSION_COOKIE, Person
from shared.db import transaction


class SignInNeeded(Exception):
    """No session, or one that has ended: the person is sent to sign in, told why."""

    def __init__(self, ended: bool) -> None:
        super().__init__("sign-in needed")
        self.ended = ended


class FormRefused(Exception):
    """A form posted without this session's token: perhaps from another site (cross-site request forgery)."""


async def signed_in(request: Request) -> Person:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded(ended=False)
    state = state_of(request)
    async with transaction(state.sessions) as db:
        person = await sessions.current(db, token, state.settings)
    if person is None:
        raise SignInNeeded(ended=True)
    return person


PersonDep = Annotated[Person, Depends(signed_in)]


async def checked_form(request: Request, person: Person) -> dict[str, str]:
    form = await request.form()
    if form.get("csrf") != person.csrf:
        raise FormRefused()
    return {key: str(value) for key, value in form.items()}
