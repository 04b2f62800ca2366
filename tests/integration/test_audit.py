"""The audit log: one row per audited request, written with it or not at all, naming children by
pseudonym only, queryable by admins, and beyond the reach of UPDATE, DELETE and TRUNCATE."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from structlog.testing import capture_logs

from shared.access import Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, headers_for, state_of
from tests.integration.helpers import add_child, assessment, placement, run_worker, years_ago

SECRET_CHILD = "CHILD-SECRET-4471"
# The same id in full-width forms (NFKC folds them to SECRET_CHILD).
FULL_WIDTH_SECRET = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in SECRET_CHILD)


async def audit_rows(api: httpx.AsyncClient, council: Council, **params: Any) -> list[dict[str, Any]]:
    response = await api.get("/v1/admin/audit", params={"limit": 1000} | params, headers=council.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def new_rows(api: httpx.AsyncClient, council: Council, since: int) -> list[dict[str, Any]]:
    """Rows after the given id, leaving out the admin's own reads of the log."""
    return [row for row in await audit_rows(api, council, cursor=since) if row["action"] != "read_audit"]


async def last_id(api: httpx.AsyncClient, council: Council) -> int:
    rows = await audit_rows(api, council)
    return int(rows[-1]["id"]) if rows else 0


async def test_each_request_leaves_one_row_naming_who_what_and_which_child(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    pseudonym = council.pseudonym(SECRET_CHILD)
    await api.put("/v1/providers/P1", json={"name": "Agency"}, headers=council.admin)
    provider = await headers_for(app, council, Kind.PROVIDER, "P1")
    steps: list[tuple[str, dict[str, str], str, str, list[str]]] = [
        ("PUT", council.headers, f"/v1/children/{SECRET_CHILD}", "put_child", [pseudonym]),
        ("POST", council.headers, "/v1/assessments", "create_assessment", [pseudonym]),
        ("POST", council.headers, "/v1/placements", "create_placement", [pseudonym]),
        ("GET", council.headers, f"/v1/children/{SECRET_CHILD}", "get_child", [pseudonym]),
        ("GET", council.headers, f"/v1/children/{SECRET_CHILD}/needs-trends", "get_needs_trends", [pseudonym]),
        ("GET", council.bi, "/v1/scores/needs-summary", "read_needs_summary", [pseudonym]),
        ("GET", provider, "/v1/provider/children", "list_placed_children", [pseudonym]),
        ("GET", provider, f"/v1/provider/children/{pseudonym}/needs-trends", "get_placed_child_trends", [pseudonym]),
        ("POST", council.admin, "/v1/admin/clients", "create_client", []),
    ]
    bodies: dict[str, Any] = {
        "put_child": {"date_of_birth": years_ago(10).isoformat(), "sex": "M", "ethnicity": "WBRI"},
        "create_assessment": assessment(SECRET_CHILD, "A1", years_ago(0.5)),
        "create_placement": placement(SECRET_CHILD, "PL1", years_ago(1), provider_id="P1"),
        "create_client": {"name": "Power BI", "kind": "bi"},
    }
    for method, headers, path, action, children in steps:
        if action == "read_needs_summary":
            await run_worker(settings, app)
        before = await last_id(api, council)
        response = await api.request(method, path, json=bodies.get(action), headers=headers)
        assert response.status_code in (200, 201), (action, response.text)
        rows = await new_rows(api, council, before)
        assert [row["action"] for row in rows] == [action]
        row = rows[0]
        assert row["children"] == children, action
        assert row["result"] == ("read" if method == "GET" else "written")
        # The route template, never the path, which would hold the child's id.
        assert row["route"].startswith(f"{method} /v1/") and SECRET_CHILD not in row["route"]
        assert row["actor"].startswith("key:") and row["client_id"]
    kinds = {row["action"]: row["client_kind"] for row in await audit_rows(api, council)}
    assert kinds["put_child"] == "case_management" and kinds["read_needs_summary"] == "bi"
    assert kinds["get_placed_child_trends"] == "provider" and kinds["create_client"] == "admin"
    summary_read = next(r for r in await audit_rows(api, council) if r["action"] == "read_needs_summary")
    assert summary_read["detail"] == {"rows": 1}
    # Pseudonyms only: the council's id of the child is nowhere in the log.
    assert SECRET_CHILD not in (await api.get("/v1/admin/audit", headers=council.admin)).text


async def test_every_one_of_many_reads_at_once_leaves_its_own_row(
    api: httpx.AsyncClient, other_council: Council, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    before = await last_id(api, council)
    reads = await asyncio.gather(
        *(api.get("/v1/children/C1/needs-trends", headers=council.headers) for _ in range(20)),
        api.get("/v1/children/C1/needs-trends", headers=other_council.headers),
    )
    assert [read.status_code for read in reads] == [200] * 20 + [404]
    rows = await new_rows(api, council, before)
    assert [(row["action"], row["result"], row["children"]) for row in rows] == [
        ("get_needs_trends", "read", [council.pseudonym("C1")])
    ] * 20


async def test_a_request_that_fails_leaves_no_row(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    before = await last_id(api, council)
    good, bad = assessment("C1", "A1", years_ago(1)), assessment("C1", "A2", years_ago(1), status="sealed")
    refused = await api.post("/v1/assessments/batch", json={"items": [good, bad]}, headers=council.headers)
    assert refused.status_code == 422
    assert (await api.post("/v1/admin/clients", json={"kind": "bi"}, headers=council.admin)).status_code == 422
    assert await new_rows(api, council, before) == []
    # The good item was rolled back with the bad one, and so was its audit row.
    assert (await api.get("/v1/assessments", params={"child_id": "C1"}, headers=council.headers)).json() == []


async def test_a_refused_request_leaves_a_row_naming_its_client_and_what_it_asked_for(
    api: httpx.AsyncClient, app: FastAPI, council: Council, other_council: Council
) -> None:
    """Probing for ids is traced to the client that probed: a 403 or 404 is kept though the request rolled
    back, with the id asked for as a pseudonym under the caller's council, never as sent."""
    await add_child(api, council.headers, "C1")
    await add_child(api, other_council.headers, "THEIRS")
    await api.put("/v1/providers/P1", json={"name": "Agency"}, headers=council.admin)
    provider = await headers_for(app, council, Kind.PROVIDER, "P1")
    unknown_assessment = str(uuid.uuid4())
    probes: list[tuple[dict[str, str], str, dict[str, str], int]] = [
        (council.headers, f"/v1/children/{SECRET_CHILD}", {}, 404),
        (council.headers, "/v1/children/THEIRS/needs-trends", {}, 404),
        (council.headers, "/v1/assessments", {"child_id": SECRET_CHILD}, 404),
        (council.bi, "/v1/children/C1", {}, 403),
        (provider, f"/v1/provider/children/{council.pseudonym('C1')}/series", {}, 404),
        (provider, f"/v1/provider/children/{SECRET_CHILD}/series", {}, 404),
        (council.headers, f"/v1/assessments/{unknown_assessment}", {}, 404),
        # A full-width look-alike names the same child (stored ids are NFKC), so it is filed under it too.
        (council.headers, f"/v1/children/{FULL_WIDTH_SECRET}", {}, 404),
        ({}, f"/v1/children/{SECRET_CHILD}", {}, 401),
    ]
    before = await last_id(api, council)
    with capture_logs() as logged:
        for headers, path, params, status in probes:
            assert (await api.get(path, params=params, headers=headers)).status_code == status, path
    rows = await new_rows(api, council, before)
    assert [(row["route"], row["result"], row["children"]) for row in rows] == [
        ("GET /v1/children/{child_id}", "not-found", [council.pseudonym(SECRET_CHILD)]),
        ("GET /v1/children/{child_id}/needs-trends", "not-found", [council.pseudonym("THEIRS")]),
        ("GET /v1/assessments", "not-found", [council.pseudonym(SECRET_CHILD)]),
        ("GET /v1/children/{child_id}", "forbidden", [council.pseudonym("C1")]),
        ("GET /v1/provider/children/{child_pseudonym}/series", "not-found", [council.pseudonym("C1")]),
        ("GET /v1/provider/children/{child_pseudonym}/series", "not-found", []),
        ("GET /v1/assessments/{assessment_id}", "not-found", []),
        ("GET /v1/children/{child_id}", "not-found", [council.pseudonym(SECRET_CHILD)]),
    ]
    kinds = ["case_management"] * 3 + ["bi", "provider", "provider", "case_management", "case_management"]
    assert [row["client_kind"] for row in rows] == kinds
    assert rows[0]["client_id"] == rows[6]["client_id"] != rows[3]["client_id"]
    # Whatever is not a child's id or pseudonym is kept as its keyed hash, beside the parameter's name.
    assert rows[5]["target"].startswith("child_pseudonym:ps_") and rows[6]["target"].startswith("assessment_id:ps_")
    log = (await api.get("/v1/admin/audit", headers=council.admin)).text
    assert SECRET_CHILD not in log and "THEIRS" not in log and unknown_assessment not in log
    # The request log names the client too (none for a request without a credential), never the path.
    lines = [entry for entry in logged if entry["event"] == "request"]
    assert [line["client_id"] for line in lines] == [row["client_id"] for row in rows] + [None]
    assert SECRET_CHILD not in repr(lines) and FULL_WIDTH_SECRET not in repr(lines) + log
    # An admin finds who asked after a child, and every refusal of a kind; the other council's log has
    # no trace of the probe of its child, which was made in this council's name.
    asked = await audit_rows(api, council, child_id=SECRET_CHILD)
    assert [row["action"] for row in asked] == ["get_child", "list_assessments", "get_child"]
    assert [row["id"] for row in await audit_rows(api, council, result="forbidden")] == [rows[3]["id"]]
    unknown = await api.get("/v1/admin/audit", params={"result": "Forbidden!"}, headers=council.admin)
    assert unknown.status_code == 422 and [e["field"] for e in unknown.json()["errors"]] == ["query.result"]
    assert [row["action"] for row in await new_rows(api, other_council, 0)] == ["put_child"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET result = 'tampered' WHERE la_id = :la_id",
        "DELETE FROM audit_events WHERE la_id = :la_id",
        "TRUNCATE audit_events",
    ],
)
async def test_the_database_refuses_to_rewrite_the_log(
    api: httpx.AsyncClient, app: FastAPI, council: Council, statement: str
) -> None:
    await add_child(api, council.headers, "C1")
    before = await audit_rows(api, council)
    with pytest.raises(DBAPIError, match="append-only"):
        async with transaction(state_of(app).sessions) as db:
            await db.execute(text(statement), {"la_id": council.la_id} if ":la_id" in statement else {})
    after = await audit_rows(api, council)
    assert after[: len(before)] == before


async def test_admins_query_by_child_client_and_time(
    api: httpx.AsyncClient, app: FastAPI, council: Council, other_council: Council
) -> None:
    for child in ("C1", "C2"):
        await add_child(api, council.headers, child)
    await api.get("/v1/children/C1", headers=council.headers)
    by_id = await audit_rows(api, council, child_id="C1")
    by_pseudonym = await audit_rows(api, council, child_pseudonym=council.pseudonym("C1"))
    assert [r["action"] for r in by_id] == ["put_child", "get_child"]
    # Asking the log about a child is itself recorded against the child.
    assert by_pseudonym == [*by_id, {**by_pseudonym[-1], "action": "read_audit"}]
    assert by_pseudonym[-1]["children"] == [council.pseudonym("C1")]
    cms = by_id[0]["client_id"]
    assert {r["client_id"] for r in await audit_rows(api, council, client_id=cms)} == {cms}
    everything = await audit_rows(api, council)
    assert {r["action"] for r in await audit_rows(api, council, client_id=cms)} == {"put_child", "get_child"}
    start = datetime.fromisoformat(by_id[1]["at"])
    window = {"since": start.isoformat(), "until": (start + timedelta(microseconds=1)).isoformat()}
    assert [r["id"] for r in await audit_rows(api, council, **window)] == [by_id[1]["id"]]
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert await audit_rows(api, council, since=future) == []
    # Paged oldest first by cursor, every row once.
    first = (await api.get("/v1/admin/audit", params={"limit": 2}, headers=council.admin)).json()
    rest = await audit_rows(api, council, cursor=first["next_cursor"])
    assert first["has_more"] and [r["id"] for r in first["items"] + rest][: len(everything)] == [
        r["id"] for r in everything
    ]
    # Another council's admin sees none of it, even naming the same child id.
    assert await audit_rows(api, other_council, child_id="C1") == []


async def test_a_replayed_reply_is_audited_as_touching_its_children(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    key = {"Idempotency-Key": "replay-audit"}
    body = assessment("C1", "A1", years_ago(1))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers | key)).status_code == 201
    before = await last_id(api, council)
    replay = await api.post("/v1/assessments", json=body, headers=council.headers | key)
    assert replay.status_code == 201 and replay.json()["child_id"] == "C1"
    (row,) = await new_rows(api, council, before)
    assert (row["action"], row["result"], row["children"]) == (
        "create_assessment",
        "replayed",
        [council.pseudonym("C1")],
    )
