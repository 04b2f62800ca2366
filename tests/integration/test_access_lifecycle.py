"""Access from end to end, through the real app on the real database and Redis: keys an admin issues,
rotates, revokes and lets expire, and the operator's CLI, each as a caller would notice it."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from services.api import councils
from services.api.clients.schemas import ClientIn
from shared import api_keys
from shared.access import KIND_SCOPES, Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, new_client, state_of
from tests.integration.access_helpers import (
    AUDIT,
    CLIENTS,
    SUMMARY,
    assert_problem,
    bearer,
    fields_of,
    issue,
    keys_of,
    own_client_id,
    read_client,
    register,
    status_with,
    when,
)
from tests.integration.cli_runner import Run, cli

# Keys through the admin API


async def test_an_issued_key_is_shown_once_works_and_is_refused_from_the_request_after_revocation(
    api: httpx.AsyncClient, council: Council
) -> None:
    client = await register(api, council)
    assert client["kind"] == "bi" and client["scopes"] == sorted(KIND_SCOPES[Kind.BI]) and client["keys"] == []
    issued = await issue(api, council, client["client_id"])
    plaintext = issued["api_key"]
    assert timedelta(days=364) < when(issued["expires_at"]) - when(issued["created_at"]) <= timedelta(days=365)

    shown = await read_client(api, council, client["client_id"])
    listed = await api.get(CLIENTS, headers=council.admin)
    audit = await api.get(AUDIT, headers=council.admin)
    # The secret is all that follows the prefix: it may hold "_" itself, so its tail alone could be one letter.
    for later in (shown, listed, audit):
        assert later.status_code == 200
        assert plaintext not in later.text and plaintext.split("_", 2)[2] not in later.text
    (key,) = shown.json()["keys"]
    assert "api_key" not in key
    assert key["key_id"] == issued["key_id"] and key["prefix"] == issued["prefix"] and key["revoked_at"] is None

    assert await status_with(api, plaintext) == 200

    revoked = await api.post(f"{CLIENTS}/{client['client_id']}/keys/{issued['key_id']}/revoke", headers=council.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = await api.get(SUMMARY, headers=bearer(plaintext))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert_problem(refused)
    # Revoking again changes nothing.
    again = await api.post(f"{CLIENTS}/{client['client_id']}/keys/{issued['key_id']}/revoke", headers=council.admin)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_rotation_with_an_overlap_keeps_the_old_key_working_for_that_long(
    api: httpx.AsyncClient, council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    old = await issue(api, council, client_id)
    new = await issue(api, council, client_id, rotate_overlap_hours=1)

    assert await status_with(api, old["api_key"]) == 200
    assert await status_with(api, new["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    old_expiry = when(keys[old["key_id"]]["expires_at"])
    assert abs(old_expiry - (when(new["created_at"]) + timedelta(hours=1))) < timedelta(seconds=5)
    assert when(keys[new["key_id"]]["expires_at"]) - when(new["created_at"]) > timedelta(days=364)
    assert keys[old["key_id"]]["revoked_at"] is None


async def test_rotation_without_overlap_stops_the_old_keys_at_once(api: httpx.AsyncClient, council: Council) -> None:
    client_id = (await register(api, council))["client_id"]
    first = await issue(api, council, client_id)
    second = await issue(api, council, client_id, rotate_overlap_hours=1)
    third = await issue(api, council, client_id, rotate_overlap_hours=0)

    assert await status_with(api, first["api_key"]) == 401
    assert await status_with(api, second["api_key"]) == 401
    assert await status_with(api, third["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    for old in (first, second):
        assert when(keys[old["key_id"]]["expires_at"]) <= when(third["created_at"])


async def test_an_expired_key_is_refused(api: httpx.AsyncClient, app: FastAPI, council: Council) -> None:
    client_id = (await register(api, council))["client_id"]
    expiring = await issue(api, council, client_id, expires_in_days=1)
    other = await issue(api, council, client_id)
    assert await status_with(api, expiring["api_key"]) == 200

    async with transaction(state_of(app).sessions) as db:
        await db.execute(
            text("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = :id"),
            {"id": uuid.UUID(expiring["key_id"])},
        )

    assert await status_with(api, expiring["api_key"]) == 401
    # The client's other key is not touched.
    assert await status_with(api, other["api_key"]) == 200
    keys = await keys_of(api, council, client_id)
    assert when(keys[expiring["key_id"]]["expires_at"]) < when(other["created_at"])


async def test_disabling_a_client_revokes_its_keys_and_an_admin_cannot_disable_itself(
    api: httpx.AsyncClient, council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    keys = [await issue(api, council, client_id) for _ in range(2)]
    assert all([await status_with(api, key["api_key"]) == 200 for key in keys])

    disabled = await api.post(f"{CLIENTS}/{client_id}/disable", headers=council.admin)
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["disabled_at"] is not None
    assert all(key["revoked_at"] is not None for key in disabled.json()["keys"])
    assert [await status_with(api, key["api_key"]) for key in keys] == [401, 401]
    # A disabled client gets no new key either.
    refused = await api.post(f"{CLIENTS}/{client_id}/keys", json={}, headers=council.admin)
    assert refused.status_code == 409
    assert_problem(refused)

    own = await own_client_id(api, council)
    itself = await api.post(f"{CLIENTS}/{own}/disable", headers=council.admin)
    assert itself.status_code == 409
    assert_problem(itself)
    assert (await api.get(CLIENTS, headers=council.admin)).status_code == 200
    assert (await read_client(api, council, own)).json()["disabled_at"] is None


BAD_CLIENTS: list[tuple[str, dict[str, Any], str]] = [
    ("bi client with a case-management scope", {"kind": "bi", "scopes": ["children:read"]}, "scopes"),
    ("admin client with a bi scope", {"kind": "admin", "scopes": ["audit:read", "scores:read"]}, "scopes"),
    ("unknown scope", {"kind": "bi", "scopes": ["everything"]}, "scopes.0"),
    ("provider client without provider_id", {"kind": "provider"}, "provider_id"),
    ("provider client with an unknown provider", {"kind": "provider", "provider_id": "NO-SUCH"}, "provider_id"),
    ("bi client bound to a provider", {"kind": "bi", "provider_id": "PR1"}, "provider_id"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_CLIENTS, ids=[case[0] for case in BAD_CLIENTS])
async def test_a_client_beyond_what_its_kind_allows_is_refused_naming_the_field(
    api: httpx.AsyncClient, council: Council, case: str, body: dict[str, Any], field: str
) -> None:
    name = f"refused {uuid.uuid4().hex[:6]}"
    response = await api.post(CLIENTS, json={"name": name} | body, headers=council.admin)
    assert response.status_code == 422, case
    assert field in fields_of(response), response.text
    assert_problem(response)
    listed = await api.get(CLIENTS, headers=council.admin)
    assert name not in {client["name"] for client in listed.json()}


async def test_a_client_with_fewer_scopes_than_its_kind_is_refused_what_it_lacks(
    api: httpx.AsyncClient, council: Council
) -> None:
    auditor = await register(api, council, name="auditor", kind="admin", scopes=["audit:read"])
    assert auditor["scopes"] == ["audit:read"]
    headers = bearer((await issue(api, council, auditor["client_id"]))["api_key"])

    assert (await api.get(AUDIT, headers=headers)).status_code == 200
    for refused in (
        await api.get(CLIENTS, headers=headers),
        await api.post(CLIENTS, json={"name": "sneaky", "kind": "admin"}, headers=headers),
        await api.get(f"{CLIENTS}/{uuid.uuid4()}", headers=headers),
    ):
        assert refused.status_code == 403, refused.text
        assert "clients:manage" in refused.json()["detail"]
        assert_problem(refused)


async def test_another_councils_admin_can_neither_see_nor_touch_the_client(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    client_id = (await register(api, council))["client_id"]
    key = await issue(api, council, client_id)
    path = f"{CLIENTS}/{client_id}"
    for response in (
        await api.get(path, headers=other_council.admin),
        await api.post(f"{path}/keys", json={}, headers=other_council.admin),
        await api.post(f"{path}/keys/{key['key_id']}/revoke", headers=other_council.admin),
        await api.post(f"{path}/disable", headers=other_council.admin),
    ):
        assert response.status_code == 404, response.text
    assert client_id not in (await api.get(CLIENTS, headers=other_council.admin)).text
    assert await status_with(api, key["api_key"]) == 200
    assert len(await keys_of(api, council, client_id)) == 1


# The operator's CLI


def created_client(run: Run) -> tuple[str, str]:
    """create-client prints 'client <uuid>' and then the key, once."""
    assert run.code == 0, run.err
    first, key = run.out.strip().splitlines()
    label, client_id = first.split()
    assert label == "client"
    uuid.UUID(client_id)
    assert key.startswith("nlc_")
    return client_id, key


async def test_the_cli_creates_councils_clients_and_keys_rotates_and_revokes_and_is_audited(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings
) -> None:
    # Each run starts a Python process (about a second), so independent runs go two at a time.
    code = f"CLI{uuid.uuid4().hex[:8].upper()}"
    council = await cli(settings, "create-council", code, "Council made by the CLI")
    assert council.code == 0, council.err
    assert f"council {code} created" in council.out
    async with transaction(state_of(app).sessions) as db:
        found = await councils.find_council(db, code)
    assert found is not None
    admin = await new_client(app, found.id, ClientIn(name="operator console", kind=Kind.ADMIN))

    bi_run, overreach = await asyncio.gather(
        cli(settings, "create-client", code, "bi", "dashboard"),
        cli(settings, "create-client", code, "bi", "overreach", "--scope", "clients:manage"),
    )
    bi_id, first_key = created_client(bi_run)
    assert await status_with(api, first_key) == 200
    assert overreach.code != 0
    assert "scopes" in overreach.err and "clients:manage" in overreach.err, overreach.err
    listed = await api.get(CLIENTS, headers=admin)
    assert sorted(client["name"] for client in listed.json()) == ["dashboard", "operator console"]

    rotated, erase_unknown = await asyncio.gather(
        cli(settings, "create-key", bi_id, "--rotate-overlap-hours", "0"),
        cli(settings, "erase-child", code, "NO-SUCH-CHILD"),
    )
    assert rotated.code == 0, rotated.err
    second_key = rotated.out.strip()
    assert second_key.startswith("nlc_")
    assert await status_with(api, first_key) == 401
    assert await status_with(api, second_key) == 200
    assert erase_unknown.code != 0
    assert "No such child" in erase_unknown.err, erase_unknown.err
    for failed in (overreach, erase_unknown):
        assert "Traceback" not in failed.err and failed.out == "", failed.err

    keys = (await api.get(f"{CLIENTS}/{bi_id}", headers=admin)).json()["keys"]
    (second,) = [key for key in keys if key["prefix"] == api_keys.prefix_of(second_key)]
    revoked = await cli(settings, "revoke-key", bi_id, second["key_id"])
    assert revoked.code == 0, revoked.err
    assert "key revoked" in revoked.out
    assert await status_with(api, second_key) == 401

    audit = await api.get(AUDIT, headers=admin)
    assert audit.status_code == 200
    by_cli = [event for event in audit.json()["items"] if event["actor"] == "cli"]
    assert sorted(event["action"] for event in by_cli) == ["create_client", "issue_key", "revoke_key"]
    assert all(event["client_id"] is None and event["client_kind"] == "operator" for event in by_cli)
    assert {event["target"] for event in by_cli} == {f"client:{bi_id}"}
    assert first_key not in audit.text and second_key not in audit.text


async def test_one_command_creates_a_council_and_its_first_admin_key_which_then_registers_clients(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    """What a new compose or Kubernetes deployment runs first (README): everything else goes through the API."""
    code = f"FIRST{uuid.uuid4().hex[:8].upper()}"
    first = await cli(settings, "create-council", code, "First council", "--admin-client", "Data team")
    assert first.code == 0, first.err
    said, *client_lines = first.out.strip().splitlines()
    assert said == f"council {code} created"
    admin_id, key = created_client(Run(0, "\n".join(client_lines), ""))
    admin = {"Authorization": f"Bearer {key}"}
    registered = await api.post(CLIENTS, json={"name": "dashboard", "kind": "bi"}, headers=admin)
    assert registered.status_code == 201, registered.text
    listed = (await api.get(CLIENTS, headers=admin)).json()
    assert {(client["client_id"], client["name"], client["kind"]) for client in listed} >= {
        (admin_id, "Data team", "admin")
    }
    audit = (await api.get(AUDIT, headers=admin)).json()["items"]
    assert any(event["actor"] == "cli" and event["target"] == f"client:{admin_id}" for event in audit)
