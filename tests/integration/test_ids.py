"""Ids as a client sends or names them: a full-width look-alike names the same record as its ASCII form
(NFKC), and an id holding a control or format character (an escape, a bidirectional override) is refused
with the field named, wherever an id is taken, and nothing is written."""

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.access import Kind
from shared.db import transaction
from shared.settings import Settings
from tests.conftest import Council, headers_for, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import add_child, assessment, placement, years_ago


def wide(ascii_id: str) -> str:
    """Its letters as their full-width look-alikes (U+FF21...): wide("DEMO-1") reads as the issue's example."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in ascii_id)


ASCII = "DEMO-000001"
FULL_WIDTH = wide(ASCII)
ESCAPE = "SEC-\x1b[31mRED"
BIDI = "SEC-\u202eevil"
COUNCIL_TABLES = ("children", "assessments", "placements", "providers", "contracts")


def path(value: str) -> str:
    return quote(value, safe="")


def contract(code: str, provider: str) -> dict[str, Any]:
    return {
        "code": code,
        "provider_id": provider,
        "start_date": years_ago(1).isoformat(),
        "end_date": years_ago(-1).isoformat(),
        "period": "quarter",
    }


async def rows_of(app: FastAPI, council: Council) -> dict[str, int]:
    async with transaction(state_of(app).sessions) as db:
        return {
            table: await db.scalar(text(f"SELECT count(*) FROM {table} WHERE la_id = :la"), {"la": council.la_id})
            for table in COUNCIL_TABLES
        }


async def test_a_full_width_id_names_the_same_records_as_its_ascii_form(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    await add_child(api, council.headers, ASCII)
    born = {"date_of_birth": years_ago(12).isoformat(), "sex": "F", "ethnicity": "WBRI"}
    again = await api.put(f"/v1/children/{path(FULL_WIDTH)}", json=born, headers=council.headers)
    assert again.status_code == 200 and again.json()["child_id"] == ASCII  # updated, not a second child
    read = await api.get(f"/v1/children/{path(FULL_WIDTH)}", headers=council.headers)
    assert read.status_code == 200 and read.json()["pseudonym"] == council.pseudonym(ASCII)

    created = await api.post(
        "/v1/assessments", json=assessment(FULL_WIDTH, wide("AS-1"), years_ago(1)), headers=council.headers
    )
    assert created.status_code == 201, created.text
    repeated = await api.post("/v1/assessments", json=assessment(ASCII, "AS-1", years_ago(1)), headers=council.headers)
    assert repeated.status_code == 200 and repeated.json()["id"] == created.json()["id"]
    listed = await api.get("/v1/assessments", params={"child_id": FULL_WIDTH}, headers=council.headers)
    assert [a["external_id"] for a in listed.json()] == ["AS-1"]

    provider = await api.put(f"/v1/providers/{path(wide('IFA-1'))}", json={"name": "Agency"}, headers=council.admin)
    assert provider.status_code == 201 and provider.json()["provider_id"] == "IFA-1"
    assert (await api.get("/v1/providers/IFA-1", headers=council.admin)).status_code == 200
    episode = placement(ASCII, wide("PL-1"), years_ago(1), provider_id=wide("IFA-1"))
    placed = await api.post("/v1/placements", json=episode, headers=council.headers)
    assert placed.status_code == 201
    assert (placed.json()["external_id"], placed.json()["provider_id"]) == ("PL-1", "IFA-1")
    made = await api.post("/v1/admin/contracts", json=contract(wide("PB-1"), wide("IFA-1")), headers=council.admin)
    assert made.status_code == 201 and made.json()["code"] == "PB-1"
    assert (await api.get(f"/v1/contracts/{path(wide('PB-1'))}", headers=council.bi)).json()["code"] == "PB-1"
    provider_client = await headers_for(app, council, Kind.PROVIDER, wide("IFA-1"))
    placed_here = await api.get("/v1/provider/children", headers=provider_client)
    assert [c["child_pseudonym"] for c in placed_here.json()["items"]] == [council.pseudonym(ASCII)]

    history = await api.get("/v1/admin/audit", params={"child_id": FULL_WIDTH}, headers=council.admin)
    assert "put_child" in [row["action"] for row in history.json()["items"]]
    assert await rows_of(app, council) == dict.fromkeys(COUNCIL_TABLES, 1)
    erased = await api.post("/v1/admin/erasures", json={"child_id": FULL_WIDTH}, headers=council.admin)
    assert erased.status_code == 200 and erased.json()["child_pseudonym"] == council.pseudonym(ASCII)
    assert (await api.get(f"/v1/children/{ASCII}", headers=council.headers)).status_code == 404


@pytest.mark.parametrize("bad", [ESCAPE, BIDI], ids=["escape", "bidi"])
async def test_an_id_with_a_control_or_format_character_is_refused_by_name_and_nothing_is_written(
    api: httpx.AsyncClient, app: FastAPI, council: Council, bad: str
) -> None:
    await add_child(api, council.headers, "C1")
    await api.put("/v1/providers/P1", json={"name": "Agency"}, headers=council.admin)
    provider_client = await headers_for(app, council, Kind.PROVIDER, "P1")
    before = await rows_of(app, council)
    good = assessment("C1", "A1", years_ago(1))
    episode = placement("C1", "PL1", years_ago(1))
    born = {"date_of_birth": years_ago(12).isoformat(), "sex": "F", "ethnicity": "WBRI"}
    cms, admin = council.headers, council.admin
    requests: list[tuple[str, str, dict[str, Any], dict[str, str], tuple[int | None, str]]] = [
        ("PUT", f"/v1/children/{path(bad)}", {"json": born}, cms, (None, "path.child_id")),
        ("GET", f"/v1/children/{path(bad)}/needs-trends", {}, cms, (None, "path.child_id")),
        ("POST", "/v1/assessments", {"json": good | {"child_id": bad}}, cms, (None, "child_id")),
        ("POST", "/v1/assessments", {"json": good | {"external_id": bad}}, cms, (None, "external_id")),
        (
            "POST",
            "/v1/assessments/batch",
            {"json": {"items": [good, good | {"external_id": bad}]}},
            cms,
            (1, "external_id"),
        ),
        ("GET", "/v1/assessments", {"params": {"child_id": bad}}, cms, (None, "query.child_id")),
        ("POST", "/v1/placements", {"json": episode | {"child_id": bad}}, cms, (None, "child_id")),
        ("POST", "/v1/placements", {"json": episode | {"provider_id": bad}}, cms, (None, "provider_id")),
        (
            "POST",
            "/v1/placements/batch",
            {"json": {"items": [episode | {"external_id": bad}]}},
            cms,
            (0, "external_id"),
        ),
        ("GET", "/v1/placements", {"params": {"child_id": bad}}, cms, (None, "query.child_id")),
        ("PUT", f"/v1/providers/{path(bad)}", {"json": {"name": "Agency"}}, admin, (None, "path.provider_id")),
        (
            "POST",
            "/v1/admin/clients",
            {"json": {"name": "portal", "kind": "provider", "provider_id": bad}},
            admin,
            (None, "provider_id"),
        ),
        ("POST", "/v1/admin/contracts", {"json": contract(bad, "P1")}, admin, (None, "code")),
        ("POST", "/v1/admin/contracts", {"json": contract("PB", bad)}, admin, (None, "provider_id")),
        (
            "POST",
            f"/v1/admin/contracts/{path(bad)}/end",
            {"json": {"end_date": years_ago(0).isoformat()}},
            admin,
            (None, "path.code"),
        ),
        ("POST", "/v1/admin/erasures", {"json": {"child_id": bad}}, admin, (None, "child_id")),
        ("GET", "/v1/admin/audit", {"params": {"child_id": bad}}, admin, (None, "query.child_id")),
        (
            "GET",
            "/v1/scores/needs-summary",
            {"params": {"child_pseudonym": bad}},
            council.bi,
            (None, "query.child_pseudonym"),
        ),
        ("GET", f"/v1/provider/children/{path(bad)}/needs-trends", {}, provider_client, (None, "path.child_pseudonym")),
    ]
    for method, url, content, headers, (index, field) in requests:
        response = await api.request(method, url, headers=headers, **content)
        assert response.status_code == 422, (method, url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        named = [(error.get("index"), error["field"]) for error in response.json()["errors"]]
        assert named == [(index, field)], (method, url, named)
    assert await rows_of(app, council) == before
    assert (await api.get("/v1/children/C1", headers=cms)).status_code == 200


async def test_the_cli_names_a_child_as_the_api_does(
    api: httpx.AsyncClient, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, ASCII)
    refused = await cli(settings, "erase-child", council.code, BIDI)
    assert refused.code != 0 and "child_id" in refused.err and "Cc and Cf" in refused.err
    erased = await cli(settings, "erase-child", council.code, FULL_WIDTH)
    assert erased.code == 0 and council.pseudonym(ASCII) in erased.out, erased.err
    assert (await api.get(f"/v1/children/{ASCII}", headers=council.headers)).status_code == 404
