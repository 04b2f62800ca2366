"""Outcome measures through the API (issue 16): the council's measure codes as data, with the six shipped;
measures recorded one at a time or in batches, idempotently, amended with the old version kept, and refused
with every fault named, writing nothing."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from shared.db import transaction
from shared.models import AuditEvent
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import add_child, years_ago

SHIPPED = {"sdq_total", "school_attendance_pct", "exclusion_days", "missing_episodes", "offences", "neet"}


def measure(external_id: str, child_id: str, code: str, value: float | str, start: date, **more: Any) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "child_id": child_id,
        "code": code,
        "value": value,
        "period_start": start.isoformat(),
        **more,
    }


async def measures_of(api: httpx.AsyncClient, council: Council, child_id: str) -> list[dict[str, Any]]:
    response = await api.get("/v1/outcome-measures", params={"child_id": child_id}, headers=council.headers)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()
    return result


async def test_the_shipped_codes_and_a_councils_own(api: httpx.AsyncClient, council: Council) -> None:
    codes = (await api.get("/v1/measure-codes", headers=council.headers)).json()
    assert {code["code"] for code in codes} == SHIPPED and all(code["shipped"] for code in codes)
    sdq = next(code for code in codes if code["code"] == "sdq_total")
    assert (sdq["outcome_area"], sdq["better"], sdq["min_value"], sdq["max_value"]) == (
        "be_healthy",
        "lower",
        "0",
        "40",
    )
    assert [(band["label"], band["from"]) for band in sdq["bands"]] == [
        ("normal", "0"),
        ("borderline", "14"),
        ("concern", "17"),
    ]
    own = {
        "label": "Health appointments kept",
        "outcome_area": "be_healthy",
        "unit": "percent",
        "min_value": 0,
        "max_value": 100,
        "better": "higher",
        "bands": [{"label": "low", "from": 0}, {"label": "good", "from": 80}],
    }
    response = await api.put("/v1/admin/measure-codes/health_appointments_pct", json=own, headers=council.admin)
    assert response.status_code == 200, response.text
    assert response.json()["shipped"] is False
    # The council's own sdq_total replaces the shipped one for it alone.
    narrower = own | {"label": "SDQ (carer)", "max_value": 30, "better": "lower", "bands": []}
    assert (await api.put("/v1/admin/measure-codes/sdq_total", json=narrower, headers=council.admin)).status_code == 200
    codes = {code["code"]: code for code in (await api.get("/v1/measure-codes", headers=council.headers)).json()}
    assert set(codes) == SHIPPED | {"health_appointments_pct"}
    assert (codes["sdq_total"]["max_value"], codes["sdq_total"]["shipped"]) == ("30", False)


async def test_another_councils_codes_are_not_seen(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    own = {"label": "x", "outcome_area": "be_safe", "unit": "n", "min_value": 0, "max_value": 9, "better": "lower"}
    await api.put("/v1/admin/measure-codes/contacts", json=own, headers=council.admin)
    codes = (await api.get("/v1/measure-codes", headers=other_council.headers)).json()
    assert {code["code"] for code in codes} == SHIPPED


async def test_a_bad_code_definition_names_the_field(api: httpx.AsyncClient, council: Council) -> None:
    bad = {"label": "x", "outcome_area": "be_rich", "unit": "n", "min_value": 0, "max_value": 9, "better": "lower"}
    response = await api.put("/v1/admin/measure-codes/wealth", json=bad, headers=council.admin)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "outcome_area" and "be_healthy" in error["message"]
    unordered = bad | {"outcome_area": "be_safe", "bands": [{"label": "b", "from": 5}, {"label": "a", "from": 1}]}
    response = await api.put("/v1/admin/measure-codes/wealth", json=unordered, headers=council.admin)
    assert response.status_code == 422 and "bands must rise" in response.text
    # Case management may read codes, not define them.
    response = await api.put("/v1/admin/measure-codes/wealth", json=bad, headers=council.headers)
    assert response.status_code == 403


async def test_a_measure_recorded_sent_again_and_amended(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    year = years_ago(1)
    body = measure("sdq-1", "C1", "sdq_total", 18, year, period_end=(year + timedelta(days=364)).isoformat())
    created = await api.post("/v1/outcome-measures", json=body, headers=council.headers)
    assert created.status_code == 201, created.text
    stored = created.json()
    assert (stored["value"], stored["version"], stored["period_end"]) == ("18", 1, body["period_end"])
    again = await api.post("/v1/outcome-measures", json=body, headers=council.headers)
    assert again.status_code == 200 and again.json()["id"] == stored["id"]
    other = await api.post("/v1/outcome-measures", json=body | {"value": 12}, headers=council.headers)
    assert other.status_code == 409 and other.json()["errors"][0]["field"] == "external_id"
    path = f"/v1/outcome-measures/{stored['id']}"
    stale = await api.put(path, json={"value": 16}, headers=council.headers | {"If-Match": '"0"'})
    assert stale.status_code == 412
    amended = await api.put(path, json={"value": 16, "source": "carer"}, headers=council.headers | {"If-Match": '"1"'})
    assert amended.status_code == 200, amended.text
    assert (amended.json()["value"], amended.json()["version"], amended.headers["ETag"]) == ("16", 2, '"2"')
    versions = (await api.get(f"{path}/versions", headers=council.headers)).json()
    assert [(v["version"], v["value"], v["source"]) for v in versions] == [
        (1, "18", None),
        (2, "16", "carer"),
    ]
    out_of_range = await api.put(path, json={"value": 41}, headers=council.headers | {"If-Match": '"2"'})
    assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["field"] == "value"
    assert [m["value"] for m in await measures_of(api, council, "C1")] == ["16"]


async def test_one_value_per_child_code_and_period(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C2")
    day = years_ago(1)
    assert (
        await api.post("/v1/outcome-measures", json=measure("a", "C2", "offences", 1, day), headers=council.headers)
    ).status_code == 201
    second = await api.post(
        "/v1/outcome-measures", json=measure("b", "C2", "offences", 2, day), headers=council.headers
    )
    assert second.status_code == 422
    assert "as measure 'a': amend that one" in second.json()["errors"][0]["message"]


async def test_bad_measures_are_refused_with_every_fault(api: httpx.AsyncClient, council: Council) -> None:
    born = years_ago(10)
    await add_child(api, council.headers, "C3", born=born)
    cases = [
        (measure("m1", "C3", "astrology", 1, years_ago(1)), "code", "is not one of your council's measure codes"),
        (measure("m2", "C3", "sdq_total", 41, years_ago(1)), "value", "must be between 0 and 40 for sdq_total"),
        (measure("m3", "C3", "neet", 1, born - timedelta(days=1)), "period_start", "before the child's date of birth"),
        (measure("m4", "C3", "neet", 1, date.today() + timedelta(days=1)), "period_start", "is in the future"),
        (measure("m5", "NOBODY", "neet", 1, years_ago(1)), "child_id", "no child with this id"),
        (measure("m6", "C3", "neet", "lots", years_ago(1)), "value", "decimal"),
    ]
    for body, field, message in cases:
        response = await api.post("/v1/outcome-measures", json=body, headers=council.headers)
        assert response.status_code == 422, (field, response.text)
        errors = response.json()["errors"]
        assert any(e["field"] == field and message in e["message"].lower() for e in errors), (field, errors)
    backwards = measure("m7", "C3", "neet", 0, years_ago(1), period_end=years_ago(2).isoformat())
    assert (await api.post("/v1/outcome-measures", json=backwards, headers=council.headers)).status_code == 422
    assert await measures_of(api, council, "C3") == []


async def test_a_batch_is_all_or_none_with_every_bad_item(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C4")
    day = years_ago(1)
    items = [
        measure("b1", "C4", "missing_episodes", 3, day),
        measure("b2", "C4", "missing_episodes", 4, day),  # the same child, code and period as b1
        measure("b3", "C4", "exclusion_days", 400, day),
        measure("b4", "C4", "school_attendance_pct", "87.5", day),
    ]
    response = await api.post("/v1/outcome-measures/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 422
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(1, "period_start"), (2, "value")]
    assert await measures_of(api, council, "C4") == []
    good = [items[0], items[3]]
    response = await api.post("/v1/outcome-measures/batch", json={"items": good}, headers=council.headers)
    assert response.status_code == 200 and response.json()["created"] == 2, response.text
    again = await api.post("/v1/outcome-measures/batch", json={"items": good}, headers=council.headers)
    assert (again.json()["created"], again.json()["existing"]) == (0, 2)
    assert sorted(m["value"] for m in await measures_of(api, council, "C4")) == ["3", "87.5"]


async def test_another_councils_measure_is_a_404(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    await add_child(api, council.headers, "C5")
    created = await api.post(
        "/v1/outcome-measures", json=measure("x", "C5", "neet", 0, years_ago(1)), headers=council.headers
    )
    path = f"/v1/outcome-measures/{created.json()['id']}"
    assert (await api.get(path, headers=other_council.headers)).status_code == 404
    amend = await api.put(path, json={"value": 1}, headers=other_council.headers | {"If-Match": '"1"'})
    assert amend.status_code == 404
    assert (await api.get(path, headers=council.bi)).status_code == 403


async def test_a_date_of_birth_after_a_measure_is_refused(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C6", born=years_ago(12))
    day = years_ago(3)
    recorded = await api.post(
        "/v1/outcome-measures", json=measure("d", "C6", "offences", 0, day), headers=council.headers
    )
    assert recorded.status_code == 201
    later_birth = {"date_of_birth": str(years_ago(2)), "sex": "F", "ethnicity": "WBRI", "uasc": False}
    response = await api.put("/v1/children/C6", json=later_birth, headers=council.headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "date_of_birth", "message": f"is after a record of this child dated {day.isoformat()}"}
    ]


async def test_the_cli_defines_a_code_and_is_audited(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    definition = {
        "label": "Youth offending contacts",
        "outcome_area": "be_safe",
        "unit": "contacts",
        "min_value": 0,
        "max_value": 50,
        "better": "lower",
        "bands": [{"label": "none", "from": 0}, {"label": "some", "from": 1}],
    }
    good = tmp_path / "yot.json"
    good.write_text(json.dumps(definition))
    run = await cli(settings, "define-measure-code", council.code, "yot_contacts", str(good))
    assert run.code == 0, run.err
    assert run.out.strip() == (
        f"measure code yot_contacts defined for {council.code}: be_safe, lower is better, none from 0, some from 1"
    )
    codes = {c["code"]: c for c in (await api.get("/v1/measure-codes", headers=council.headers)).json()}
    assert codes["yot_contacts"]["max_value"] == "50" and codes["yot_contacts"]["shipped"] is False
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(definition | {"outcome_area": "be_famous"}))
    refused = await cli(settings, "define-measure-code", council.code, "fame", str(bad))
    assert refused.code != 0 and "outcome_area: is not an outcome area" in refused.err
    async with transaction(state_of(app).sessions) as db:
        rows = (await db.scalars(select(AuditEvent).where(AuditEvent.la_id == council.la_id))).all()
    assert [(row.actor, row.action) for row in rows if row.action == "put_measure_code"] == [
        ("cli", "put_measure_code")
    ]
