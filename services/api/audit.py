"""Every request a scope admits leaves one audit row, written in the request's own transaction just
before it commits: a request that fails rolls back with its row, so the log holds what happened.
A request refused a route (403) or an id (404) is the exception: probing for ids must be traceable to
the client that probed, so its row is written after the rollback, naming what it asked for.

Code that touches a child says so with `saw_child`; the row then names the child by pseudonym only."""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.input_types import normal_form
from shared.pseudonyms import is_pseudonym, pseudonym

if TYPE_CHECKING:  # only named: the operator's CLI audits through this module without the API's web framework
    from starlette.requests import Request

    from services.api.auth import Caller

TRAIL = "audit.trail"
RESULT_BY_METHOD = {"GET": "read", "HEAD": "read"}


@dataclass
class Trail:
    la_id: uuid.UUID
    client_id: uuid.UUID | None
    client_kind: str
    actor: str
    action: str
    route: str
    result: str
    child_pks: set[uuid.UUID] = field(default_factory=set)
    pseudonyms: set[str] = field(default_factory=set)
    target: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def begin(db: AsyncSession, caller: "Caller", action: str, method: str, path: str) -> None:
    result = RESULT_BY_METHOD.get(method, "written")
    route = f"{method} {path}"
    db.info[TRAIL] = Trail(caller.la_id, caller.client_id, caller.kind.value, caller.actor, action, route, result)


def begin_operator(db: AsyncSession, la_id: uuid.UUID, action: str) -> None:
    """An operator's command-line action: no client, but audited like one (flush before commit)."""
    db.info[TRAIL] = Trail(la_id, None, "operator", "cli", action, f"cli {action}", "written")


def saw_child(db: AsyncSession, child_pk: uuid.UUID) -> None:
    # Outside a request (the worker, the demo loader) there is no trail: those are not client actions.
    trail: Trail | None = db.info.get(TRAIL)
    if trail is not None:
        trail.child_pks.add(child_pk)


def children_seen(db: AsyncSession) -> list[uuid.UUID]:
    trail: Trail | None = db.info.get(TRAIL)
    return sorted(trail.child_pks) if trail is not None else []


def saw_pseudonyms(db: AsyncSession, pseudonyms: Iterable[str]) -> None:
    trail: Trail | None = db.info.get(TRAIL)
    if trail is not None:
        trail.pseudonyms.update(pseudonyms)


def note(db: AsyncSession, *, target: str | None = None, result: str | None = None, **detail: Any) -> None:
    trail: Trail | None = db.info.get(TRAIL)
    if trail is None:
        return
    trail.target = target if target is not None else trail.target
    trail.result = result or trail.result
    trail.detail.update(detail)


def ids_asked(request: "Request") -> dict[str, str]:
    """The ids a request names: its path's, and the child whose records a list asks for by query."""
    asked = {name: normal_form(str(value)) for name, value in request.path_params.items()}
    if "child_id" in request.query_params:
        asked.setdefault("child_id", normal_form(request.query_params["child_id"]))
    return asked


def refused(db: AsyncSession, result: str, asked: dict[str, str], pseudonym_key: bytes) -> None:
    """Turns the trail into a refusal's, naming what was asked for without keeping any id as sent: a child
    id as its pseudonym in the caller's council (an id that exists nowhere has one too), so the log's
    query by child finds who asked after it; any other id as the same keyed hash, beside its name."""
    trail: Trail | None = db.info.get(TRAIL)
    if trail is None:
        return
    trail.result = result
    others = []
    for name, value in sorted(asked.items()):
        if name == "child_id":
            trail.pseudonyms.add(pseudonym(pseudonym_key, trail.la_id, value))
        elif name == "child_pseudonym" and is_pseudonym(value):
            trail.pseudonyms.add(value)
        else:
            others.append(f"{name}:{pseudonym(pseudonym_key, trail.la_id, value)}")
    trail.target = " ".join(others) or None


# The children named: the trail's pseudonyms, and its children's looked up here rather than in a round trip
# of their own; sorted by code point, as Python sorts them.
INSERT_EVENT = """
INSERT INTO audit_events (la_id, client_id, client_kind, actor, action, route, target, result, detail, children)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, coalesce(array_agg(named.p ORDER BY named.p COLLATE "C"), '{}')
FROM (SELECT pseudonym FROM children WHERE id = ANY($10::uuid[]) UNION SELECT unnest($11::varchar[])) AS named (p)
"""


async def flush(db: AsyncSession) -> None:
    trail: Trail | None = db.info.pop(TRAIL, None)
    if trail is None:
        return
    detail = json.dumps(trail.detail) if trail.detail else None
    await (await driver(db)).execute(
        INSERT_EVENT,
        trail.la_id,
        trail.client_id,
        trail.client_kind,
        trail.actor,
        trail.action,
        trail.route,
        trail.target,
        trail.result,
        detail,
        list(trail.child_pks),
        list(trail.pseudonyms),
    )
