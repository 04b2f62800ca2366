"""Admin: a council's clients (case-management systems, provider portals, BI tools, admins) and keys."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy import select

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.clients import service
from services.api.clients.schemas import ClientIn, ClientOut, KeyIn, KeyOut, NewKeyOut
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS, documented
from shared.access import Scope
from shared.errors import Conflict
from shared.models import Client

ClientIdPath = Annotated[uuid.UUID, Path(description="The client's id")]
KeyIdPath = Annotated[uuid.UUID, Path(description="The key's id")]
router = APIRouter(prefix="/v1/admin/clients", tags=["admin"], responses=V1_PROBLEMS)
Admin = Annotated[Caller, requires(Scope.CLIENTS_MANAGE)]


@router.post("", status_code=201, response_model=ClientOut, responses=documented(409), summary="Register a client")
async def create_client(body: ClientIn, db: SessionDep, caller: Admin) -> ClientOut:
    client = await service.create_client(db, caller.la_id, body)
    audit.note(db, target=f"client:{client.id}", kind=client.kind)
    return await service.render(db, client)


@router.get("", response_model=list[ClientOut], summary="The council's clients, oldest first")
async def list_clients(db: SessionDep, caller: Admin) -> list[ClientOut]:
    clients = await db.scalars(select(Client).where(Client.la_id == caller.la_id).order_by(Client.created_at))
    return [await service.render(db, client) for client in clients]


@router.get("/{client_id}", response_model=ClientOut, summary="A client and its keys (never the keys themselves)")
async def get_client(client_id: ClientIdPath, db: SessionDep, caller: Admin) -> ClientOut:
    audit.note(db, target=f"client:{client_id}")
    return await service.render(db, await service.require_client(db, caller.la_id, client_id))


@router.post(
    "/{client_id}/keys",
    status_code=201,
    response_model=NewKeyOut,
    responses=documented(409),
    summary="Issue an API key, shown once; with rotate_overlap_hours, the client's other keys expire after that",
)
async def issue_key(client_id: ClientIdPath, body: KeyIn, db: SessionDep, caller: Admin) -> NewKeyOut:
    client = await service.require_client(db, caller.la_id, client_id, lock=True)
    key = await service.issue_key(db, client, body)
    audit.note(db, target=f"client:{client_id}", key=key.prefix, rotate_overlap_hours=body.rotate_overlap_hours)
    return key


@router.post(
    "/{client_id}/keys/{key_id}/revoke",
    response_model=KeyOut,
    summary="Revoke a key: refused from the next request on (revoking again changes nothing)",
)
async def revoke_key(client_id: ClientIdPath, key_id: KeyIdPath, db: SessionDep, caller: Admin) -> KeyOut:
    client = await service.require_client(db, caller.la_id, client_id, lock=True)
    key = await service.revoke_key(db, client, key_id)
    audit.note(db, target=f"client:{client_id}", key=key.prefix)
    return service.render_key(key)


@router.post(
    "/{client_id}/disable",
    response_model=ClientOut,
    responses=documented(409),
    summary="Disable a client and revoke its keys; kept, as the audit log names it",
)
async def disable_client(client_id: ClientIdPath, db: SessionDep, caller: Admin) -> ClientOut:
    if client_id == caller.client_id:
        raise Conflict("A client cannot disable itself; use another admin client or the CLI.")
    client = await service.require_client(db, caller.la_id, client_id, lock=True)
    await service.disable_client(db, client)
    audit.note(db, target=f"client:{client_id}")
    return await service.render(db, client)
