"""Admin: the council's audit log, filtered by child, client, result and time, paged oldest first."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import select

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep, StateDep
from services.api.paging import PAGE_LIMIT_QUERY, Cursor, check_limit, keyset_page
from services.api.problems import V1_PROBLEMS
from services.api.types import Id, UtcDateTime, built_in_loop
from shared.access import Scope
from shared.models import AuditEvent
from shared.pseudonyms import pseudonym

router = APIRouter(prefix="/v1/admin/audit", tags=["admin"], responses=V1_PROBLEMS)


# What audit.note records: counts, codes, parameters; never free text.
DetailValue = str | int | float | bool | list[str] | list[int] | None


class AuditEventOut(BaseModel):
    id: int = Field(description="The event's number, in order")
    at: datetime = Field(description="When it happened")
    client_id: uuid.UUID | None = Field(description="The client that made the request")
    client_kind: str = Field(description="Its kind")
    actor: str = Field(description="Who acted (the client's name or subject)")
    action: str = Field(description="What was done (method and route)")
    route: str = Field(description="The route template, without ids")
    children: list[str] = Field(description="Pseudonyms of the children the request touched")
    target: str | None = Field(description="What it acted on")
    result: str = Field(description="The outcome (e.g. ok, denied, replayed)")
    detail: dict[str, DetailValue] | None = Field(description="Counts and parameters of the request, no free text")


class AuditPage(BaseModel):
    items: list[AuditEventOut] = Field(description="The events of this page")
    next_cursor: str | None = Field(description="Send as cursor for the next page")
    has_more: bool = Field(description="More events wait")


@dataclass
class AuditQuery:
    limit: PAGE_LIMIT_QUERY = 500
    cursor: Cursor = None
    child_id: Annotated[
        Id | None, Query(min_length=1, max_length=64, description="The council's child id (erased children too)")
    ] = None
    child_pseudonym: Annotated[
        Id | None, Query(min_length=1, max_length=32, description="Only events touching this child")
    ] = None
    client_id: Annotated[uuid.UUID | None, Query(description="Only this client's events")] = None
    result: Annotated[
        str | None,
        Query(
            pattern="^[a-z-]{1,20}$",
            description="How the request ended: read, written, replayed, erased; refused: forbidden, not-found",
        ),
    ] = None
    since: Annotated[UtcDateTime | None, Query(description="At or after this instant")] = None
    until: Annotated[UtcDateTime | None, Query(description="Before this instant")] = None


@router.get("", response_model=AuditPage, summary="Audit events, oldest first, by child, client, result and time range")
async def read_audit(
    query: Annotated[AuditQuery, Depends(built_in_loop(AuditQuery))],
    db: SessionDep,
    state: StateDep,
    caller: Annotated[Caller, requires(Scope.AUDIT_READ)],
) -> AuditPage:
    limit = check_limit(query.limit, state.settings)
    statement = select(AuditEvent).where(AuditEvent.la_id == caller.la_id).order_by(AuditEvent.id).limit(limit + 1)
    if query.cursor is not None:
        statement = statement.where(AuditEvent.id > query.cursor)
    children = [query.child_pseudonym] if query.child_pseudonym else []
    if query.child_id is not None:
        children.append(pseudonym(state.settings.pseudonym_key_bytes, caller.la_id, query.child_id))
    for name in children:
        statement = statement.where(AuditEvent.children.contains([name]))
    # Asking after a child is itself a use of its record.
    audit.saw_pseudonyms(db, children)
    if query.client_id is not None:
        statement = statement.where(AuditEvent.client_id == query.client_id)
    if query.result is not None:
        statement = statement.where(AuditEvent.result == query.result)
    if query.since is not None:
        statement = statement.where(AuditEvent.at >= query.since)
    if query.until is not None:
        statement = statement.where(AuditEvent.at < query.until)
    page = keyset_page(list(await db.scalars(statement)), limit, query.cursor, lambda event: event.id)
    return AuditPage(
        items=[AuditEventOut.model_validate(row, from_attributes=True) for row in page.rows],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )
