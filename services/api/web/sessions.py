"""People's sessions and one-time sign-in links. The browser holds a random token; the database holds its
SHA-256 digest, so a copy of the database signs no one in. A session ends at sign-out, after the idle
timeout, or at the absolute timeout, whichever comes first; every page view checks all three. Signing in and
out are audited like the reads a person's pages make, under the person's name."""

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.auth import Caller
from services.api.web.roles import ROLE_KIND, ROLE_NAMES, ROLE_SCOPES, Role
from shared.db import driver, named_lock
from shared.settings import Settings

# __Host-: only this host, over HTTPS (or localhost), for every path, may set it; a sibling subdomain cannot.
SESSION_COOKIE = "__Host-nlc-session"
# A seen session's last_seen_at is written at most this often: a page view then costs no write.
SEEN_EVERY_SECONDS = 60
SIGN_IN_ROUTE, SIGN_OUT_ROUTE = "/web/sign-in", "/web/sign-out"


@dataclass(frozen=True, slots=True)
class Person:
    session_id: uuid.UUID
    la_id: uuid.UUID
    council: str
    role: Role
    client_id: uuid.UUID
    provider_pk: uuid.UUID | None
    provider: str | None  # the council's id for the provider a provider finance role works for
    actor: str
    csrf: str

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


def caller_of(person: Person) -> Caller:
    """The person as the API's access checks and audit log see them: the role's client, the person's name."""
    return person_caller(person.client_id, person.la_id, person.role, person.provider_pk, person.actor)


def person_caller(
    client_id: uuid.UUID, la_id: uuid.UUID, role: Role, provider_pk: uuid.UUID | None, actor: str
) -> Caller:
    return Caller(client_id, la_id, ROLE_KIND[role], ROLE_SCOPES[role], provider_pk, actor, person=True)


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def csrf_token(token: str, settings: Settings) -> str:
    """The session's form token: derived, not stored, and worthless without the session cookie it pairs with."""
    return hmac.new(settings.pseudonym_key_bytes, b"csrf:" + token.encode(), hashlib.sha256).hexdigest()


# The council's admin closes a role by disabling its client; an enabled one of the same name (an admin may
# register one, POST /v1/admin/clients) opens it again.
ROLE_CLIENT = """
SELECT id, disabled_at IS NOT NULL AS disabled FROM clients
WHERE la_id = $1 AND name = $2 AND kind = $3 AND provider_pk IS NOT DISTINCT FROM $4
ORDER BY disabled_at IS NOT NULL, created_at LIMIT 1
"""
NEW_ROLE_CLIENT = """
INSERT INTO clients (id, la_id, kind, name, scopes, provider_pk) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
"""


class SignInRefused(Exception):
    """Why a person cannot sign in, in words shown to them."""


def role_client_name(role: Role) -> str:
    return f"Web pages: {ROLE_NAMES[role]}"


async def role_client(
    db: AsyncSession, la_id: uuid.UUID, role: Role, provider_pk: uuid.UUID | None
) -> tuple[uuid.UUID, bool]:
    """The council's client standing for everyone signed in with a role, and whether it was made now: the
    audit log's client beside the person, and what the council's admin disables to close the pages to a role."""
    name = role_client_name(role)
    connection = await driver(db)
    await named_lock(db, f"web-role-client:{la_id}:{name}:{provider_pk}")
    kind = ROLE_KIND[role].value
    found = await connection.fetchrow(ROLE_CLIENT, la_id, name, kind, provider_pk)
    if found is not None:
        if found["disabled"]:
            raise SignInRefused(f"The council has closed the web pages to the {ROLE_NAMES[role].lower()} role.")
        return uuid.UUID(str(found["id"])), False
    scopes = sorted(scope.value for scope in ROLE_SCOPES[role])
    created = await connection.fetchval(NEW_ROLE_CLIENT, uuid.uuid4(), la_id, kind, name, scopes, provider_pk)
    return uuid.UUID(str(created)), True


NEW_SESSION = """
INSERT INTO web_sessions (id, token_hash, la_id, client_id, role, provider_pk, actor)
VALUES ($1, $2, $3, $4, $5, $6, $7)
"""


async def start(
    db: AsyncSession, la_id: uuid.UUID, role: Role, provider_pk: uuid.UUID | None, actor: str, how: str
) -> str:
    """A new session for a person, audited; the token to set as their cookie."""
    client_id, made = await role_client(db, la_id, role, provider_pk)
    token = secrets.token_urlsafe(32)
    actor = actor[:220]
    await (await driver(db)).execute(
        NEW_SESSION, uuid.uuid4(), digest(token), la_id, client_id, role.value, provider_pk, actor
    )
    audit.begin(db, person_caller(client_id, la_id, role, provider_pk, actor), "sign_in", "POST", SIGN_IN_ROUTE)
    audit.note(db, target=f"client:{client_id}", role=role.value, how=how, client_created=made)
    await audit.flush(db)
    return token


CURRENT = """
SELECT s.id, s.la_id, l.code, s.role, s.client_id, s.provider_pk, p.external_id AS provider, s.actor,
       s.last_seen_at < now() - make_interval(secs => $4) AS seen_long_ago
FROM web_sessions s
JOIN local_authorities l ON l.id = s.la_id
JOIN clients c ON c.id = s.client_id
LEFT JOIN providers p ON p.id = s.provider_pk
WHERE s.token_hash = $1 AND s.ended_at IS NULL AND c.disabled_at IS NULL
  AND s.last_seen_at > now() - make_interval(mins => $2) AND s.created_at > now() - make_interval(hours => $3)
"""
SEEN = "UPDATE web_sessions SET last_seen_at = now() WHERE id = $1"


async def current(db: AsyncSession, token: str, settings: Settings) -> Person | None:
    """The person whose session the token is, if it has not ended or timed out."""
    connection = await driver(db)
    row = await connection.fetchrow(
        CURRENT, digest(token), settings.web_session_idle_minutes, settings.web_session_hours, SEEN_EVERY_SECONDS
    )
    if row is None:
        return None
    if row["seen_long_ago"]:
        await connection.execute(SEEN, row["id"])
    return Person(
        row["id"],
        row["la_id"],
        row["code"],
        Role(row["role"]),
        row["client_id"],
        row["provider_pk"],
        row["provider"],
        row["actor"],
        csrf_token(token, settings),
    )


async def end(db: AsyncSession, token: str, person: Person | None = None) -> None:
    """Ends the session; a person signing out is audited (a session a new sign-in replaces is not)."""
    await (await driver(db)).execute(
        "UPDATE web_sessions SET ended_at = now() WHERE token_hash = $1 AND ended_at IS NULL", digest(token)
    )
    if person is not None:
        audit.begin(db, caller_of(person), "sign_out", "POST", SIGN_OUT_ROUTE)
        await audit.flush(db)


NEW_LINK = """
INSERT INTO web_sign_in_links (id, token_hash, la_id, role, provider_pk, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))
"""
USE_LINK = """
UPDATE web_sign_in_links SET used_at = now()
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
RETURNING id, la_id, role, provider_pk
"""


async def new_link(db: AsyncSession, la_id: uuid.UUID, role: Role, provider_pk: uuid.UUID | None, minutes: int) -> str:
    """A link's token: it signs one person in once, within `minutes`."""
    token = secrets.token_urlsafe(32)
    await (await driver(db)).execute(NEW_LINK, uuid.uuid4(), digest(token), la_id, role.value, provider_pk, minutes)
    return token


async def use_link(db: AsyncSession, token: str) -> str | None:
    """The session a one-time link starts; None for a link used, expired or never made."""
    row = await (await driver(db)).fetchrow(USE_LINK, digest(token))
    if row is None:
        return None
    return await start(db, row["la_id"], Role(row["role"]), row["provider_pk"], f"link:{row['id']}", "one-time link")
