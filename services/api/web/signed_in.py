"""Who is signed in: the page dependency every page but sign-in takes, and the checks of every POST (a form
from this service's own page, carrying the session's token)."""

import hmac
from typing import Annotated

from fastapi import Depends, Request

from services.api.deps import state_of
from services.api.web import sessions
from services.api.web.sessions import SESSION_COOKIE, Person

# What a browser says of a request's origin (Sec-Fetch-Site); a browser too old to say is let through on the
# form token (or, for a one-time link, on the link's own secret).
FROM_THIS_SITE = frozenset({"same-origin", "none"})


class SignInNeeded(Exception):
    """No session, or one that has ended: the person is sent to sign in, told why."""

    def __init__(self, ended: bool) -> None:
        super().__init__("sign-in needed")
        self.ended = ended


class FormRefused(Exception):
    """A form posted from another site, or without this session's token (cross-site request forgery)."""


async def signed_in(request: Request) -> Person:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded(ended=False)
    state = state_of(request)
    # Autocommitted, as the API's reads are: a page view's lookup needs no BEGIN and COMMIT round trips.
    async with state.read_sessions() as db:
        person = await sessions.current(db, token, state.settings)
    if person is None:
        raise SignInNeeded(ended=True)
    return person


PersonDep = Annotated[Person, Depends(signed_in)]


def from_this_site(request: Request) -> None:
    if request.headers.get("sec-fetch-site", "same-origin") not in FROM_THIS_SITE:
        raise FormRefused()


async def checked_form(request: Request, person: Person) -> dict[str, str]:
    from_this_site(request)
    form = await request.form()
    if not hmac.compare_digest(str(form.get("csrf", "")), person.csrf):
        raise FormRefused()
    return {key: str(value) for key, value in form.items()}
