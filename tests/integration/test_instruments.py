"""Instruments are data: a council loads its own (JSON or YAML), versioned, checked whole; assessments keep the
version they were rated with; trends run across versions declared compatible and restart otherwise; no council
sees another's instrument."""

import asyncio
import copy
import functools
import json
import operator
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi import FastAPI
from sqlalchemy import select

from shared.db import transaction
from shared.models import AuditEvent, Instrument
from shared.settings import Settings
from tests.conftest import PSEUDONYM_KEY, ROOT, Council, state_of
from tests.integration.helpers import add_child, assessment, run_worker, years_ago

NEEDS_V1: dict[str, Any] = json.loads((ROOT / "shared" / "instruments" / "needs-v1.json").read_text())
LOAD = "/v1/admin/instruments"
JSON = {"Content-Type": "application/json"}
YAML = {"Content-Type": "application/yaml"}


def herts_needs(version: int = 1, compatible_with: tuple[int, ...] = (), **changes: Any) -> dict[str, Any]:
    """A variant of needs-v1: ten domains (the 'be connected' pair and its outcome area left out)."""
    document = copy.deepcopy(NEEDS_V1)
    document["domains"] = document["domains"][:10]
    document["outcome_areas"] = document["outcome_areas"][:5]
    return (
        document
        | {
            "code": "herts-needs",
            "version": version,
            "title": f"Hertfordshire needs, version {version}",
            "compatible_with": list(compatible_with),
        }
        | changes
    )


HERTS_DOMAINS = [domain["code"] for domain in herts_needs()["domains"]]


def herts_ratings(level: int) -> dict[str, dict[str, int]]:
    return {domain: {"need": level, "strength": 1} for domain in HERTS_DOMAINS}


async def load(
    api: httpx.AsyncClient, council: Council, document: dict[str, Any], headers: dict[str, str] = JSON
) -> httpx.Response:
    as_yaml = headers.get("Content-Type", "").endswith("yaml")
    body = yaml.safe_dump(document, sort_keys=False) if as_yaml else json.dumps(document)
    return await api.post(LOAD, content=body, headers=council.admin | headers)


async def loaded(api: httpx.AsyncClient, council: Council, document: dict[str, Any]) -> dict[str, Any]:
    response = await load(api, council, document)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return [error["field"] for error in response.json().get("errors", [])]


async def stored_versions(app: FastAPI, council: Council, code: str = "herts-needs") -> list[int]:
    async with transaction(state_of(app).sessions) as db:
        query = select(Instrument.version).where(Instrument.la_id == council.la_id, Instrument.code == code)
        return sorted(await db.scalars(query))


async def test_a_council_loads_its_instrument_as_json_or_yaml(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    first = await load(api, council, herts_needs())
    assert first.status_code == 201, first.text
    assert first.headers["Location"] == "/v1/instruments/herts-needs/1"
    body = first.json()
    assert {k: v for k, v in body.items() if k not in ("created_at", "definition")} == {
        "code": "herts-needs",
        "version": 1,
        "title": "Hertfordshire needs, version 1",
        "owner": "council",
        "domains": HERTS_DOMAINS,
        "compatible_with": [],
    }
    assert body["definition"] == herts_needs()

    second = await load(api, council, herts_needs(2, (1,)), YAML)
    assert second.status_code == 201, second.text
    assert second.json()["compatible_with"] == [1]
    third = await load(api, council, herts_needs(3), {"Content-Type": "text/yaml; charset=utf-8"})
    assert third.status_code == 201, third.text

    for headers in (council.headers, council.bi, council.admin):
        listed = await api.get("/v1/instruments", headers=headers)
        assert listed.status_code == 200, listed.text
        assert [(i["code"], i["version"], i["owner"]) for i in listed.json()] == [
            ("herts-needs", 1, "council"),
            ("herts-needs", 2, "council"),
            ("herts-needs", 3, "council"),
            ("needs-v1", 1, "shipped"),
        ]
    one = await api.get("/v1/instruments/herts-needs/2", headers=council.headers)
    assert one.status_code == 200, one.text
    assert one.json()["definition"] == herts_needs(2, (1,))
    shipped = await api.get("/v1/instruments/needs-v1/1", headers=council.bi)
    assert shipped.status_code == 200 and shipped.json()["definition"] == NEEDS_V1
    assert (await api.get("/v1/instruments/herts-needs/4", headers=council.headers)).status_code == 404

    audit = await api.get("/v1/admin/audit", params={"limit": 1000}, headers=council.admin)
    loads = [row for row in audit.json()["items"] if row["action"] == "create_instrument"]
    assert [row["target"] for row in loads] == [f"instrument:herts-needs:{v}" for v in (1, 2, 3)]
    assert {row["client_kind"] for row in loads} == {"admin"}


async def test_a_flawed_document_is_refused_whole_with_every_field_named(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    document = herts_needs()
    document["domains"][1]["code"] = document["domains"][0]["code"]  # a duplicate domain code
    document["outcome_areas"].append({"code": "be_heard", "label": "Be heard"})  # an area without a domain
    document["strengths"] = [level for level in document["strengths"] if level["level"] != 2]  # a gap
    for headers in (JSON, YAML):
        response = await load(api, council, document, headers)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-input"
        assert set(fields(response)) == {"domains.1.code", "outcome_areas.5.code", "strengths"}

    unreadable = await api.post(LOAD, content="code: [unclosed", headers=council.admin | YAML)
    assert unreadable.status_code == 422 and fields(unreadable) == ["document"]
    typed = await load(api, council, herts_needs(version="2", actionable_from=True))  # type: ignore[arg-type]
    assert typed.status_code == 422 and set(fields(typed)) == {"version", "actionable_from"}
    assert await stored_versions(app, council) == []


async def test_versions_are_new_and_increase_and_compatibility_is_checked(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    await loaded(api, council, herts_needs(1))
    await loaded(api, council, herts_needs(3))

    again = await load(api, council, herts_needs(3, title="Changed"))
    assert again.status_code == 409 and fields(again) == ["version"], again.text
    assert again.json()["type"] == "/problems/conflict"
    lower = await load(api, council, herts_needs(2))
    assert lower.status_code == 409 and fields(lower) == ["version"], lower.text
    assert "below the latest loaded version (3)" in lower.text

    missing = await load(api, council, herts_needs(4, (3, 2)))
    assert missing.status_code == 422 and fields(missing) == ["compatible_with.1"], missing.text
    assert "version 2 of 'herts-needs' is not loaded" in missing.text
    other_domains = herts_needs(4, (1,))
    other_domains["domains"] = other_domains["domains"][:8]
    other_domains["outcome_areas"] = other_domains["outcome_areas"][:4]
    refused = await load(api, council, other_domains)
    assert refused.status_code == 422 and fields(refused) == ["compatible_with.0"], refused.text
    assert await stored_versions(app, council) == [1, 3]

    await loaded(api, council, herts_needs(4, (1, 3)))
    assert await stored_versions(app, council) == [1, 3, 4]


@pytest.mark.parametrize(
    "field",
    ["reliability", "sd", "version", "levels.2.level", "strengths.0.level", "actionable_from", "compatible_with.0"],
)
async def test_a_5000_digit_integer_is_refused_naming_its_field(
    api: httpx.AsyncClient, app: FastAPI, council: Council, field: str
) -> None:
    """More digits than Python converts to an integer once made the readers fail, and the load a 500."""
    document = herts_needs(version=2, compatible_with=(1,), sd=1.2)
    *parents, last = [int(part) if part.isdigit() else part for part in field.split(".")]
    within = functools.reduce(operator.getitem, parents, document)
    within[last] = "HUGE-NUMBER"
    for headers, dump in ((JSON, json.dumps), (YAML, yaml.safe_dump)):
        text = dump(document).replace('"HUGE-NUMBER"', "9" * 5000).replace("HUGE-NUMBER", "9" * 5000)
        response = await api.post(LOAD, content=text, headers=council.admin | headers)
        assert response.status_code == 422, (headers, response.text[:500])
        assert response.json()["errors"] == [{"field": field, "message": "is too large a number"}]
    assert await stored_versions(app, council) == []


async def test_a_shipped_code_cannot_be_loaded_by_a_council(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    response = await load(api, council, NEEDS_V1 | {"version": 2, "compatible_with": [1]})
    assert response.status_code == 409 and fields(response) == ["code"], response.text
    assert await stored_versions(app, council, "needs-v1") == []


async def test_only_an_admin_loads_and_only_json_or_yaml(api: httpx.AsyncClient, council: Council) -> None:
    for headers in (council.headers, council.bi):
        response = await api.post(LOAD, content=json.dumps(herts_needs()), headers=headers | JSON)
        assert response.status_code == 403, response.text
    as_text = await api.post(
        LOAD, content=json.dumps(herts_needs()), headers=council.admin | {"Content-Type": "text/plain"}
    )
    assert as_text.status_code == 415, as_text.text
    assert as_text.headers["content-type"] == "application/problem+json"
    not_utf8 = await api.post(LOAD, content="code: caf\xe9".encode("latin-1"), headers=council.admin | YAML)
    assert not_utf8.status_code == 422 and fields(not_utf8) == ["document"]
    # No Content-Type: read as JSON, else YAML.
    sniffed = await api.post(LOAD, content=yaml.safe_dump(herts_needs()), headers=council.admin)
    assert sniffed.status_code == 201, sniffed.text


async def test_no_council_sees_or_rates_with_another_councils_instrument(
    api: httpx.AsyncClient, council: Council, other_council: Council
) -> None:
    await loaded(api, council, herts_needs())
    assert (await api.get("/v1/instruments/herts-needs/1", headers=other_council.headers)).status_code == 404
    listed = await api.get("/v1/instruments", headers=other_council.admin)
    assert [i["code"] for i in listed.json()] == ["needs-v1"]

    await add_child(api, other_council.headers, "C1")
    body = assessment("C1", "A1", years_ago(0.5), instrument_code="herts-needs", ratings=herts_ratings(2))
    refused = await api.post("/v1/assessments", json=body, headers=other_council.headers)
    assert refused.status_code == 422 and fields(refused) == ["instrument_code"], refused.text
    unknown = await api.post(
        "/v1/assessments", json=body | {"instrument_code": "never-loaded"}, headers=other_council.headers
    )
    # The same answer as for a code no council ever loaded.
    assert unknown.status_code == 422 and fields(unknown) == ["instrument_code"]
    assert refused.json()["errors"][0]["message"] == unknown.json()["errors"][0]["message"].replace(
        "never-loaded", "herts-needs"
    )

    # Codes are the council's own: the other council may load one of the same name, seen by it alone.
    theirs = await loaded(api, other_council, herts_needs(title="Another council's"))
    assert theirs["title"] == "Another council's"
    mine = await api.get("/v1/instruments/herts-needs/1", headers=council.headers)
    assert mine.json()["title"] == "Hertfordshire needs, version 1"


async def trends(api: httpx.AsyncClient, council: Council) -> dict[str, Any]:
    response = await api.get("/v1/children/C1/needs-trends", headers=council.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    assert result["status"] == "fresh", result
    return result


async def rate(api: httpx.AsyncClient, council: Council, external_id: str, on: date, version: int, level: int) -> str:
    body = assessment(
        "C1",
        external_id,
        on,
        instrument_code="herts-needs",
        instrument_version=version,
        ratings=herts_ratings(level),
    )
    response = await api.post("/v1/assessments", json=body, headers=council.headers)
    assert response.status_code == 201, response.text
    assert (response.json()["instrument_code"], response.json()["instrument_version"]) == ("herts-needs", version)
    return str(response.json()["id"])


async def test_trends_run_across_compatible_versions_and_restart_otherwise(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await loaded(api, council, herts_needs(1))
    await add_child(api, council.headers, "C1")
    first = await rate(api, council, "A1", years_ago(2), 1, 3)
    second = await rate(api, council, "A2", years_ago(1.5), 1, 3)
    await run_worker(settings, app)
    figures = await trends(api, council)
    assert (figures["instrument_code"], figures["instrument_version"]) == ("herts-needs", 1)
    assert [d["domain"] for d in figures["domains"]] == HERTS_DOMAINS
    assert figures["summary"]["assessments_count"] == 2 and figures["summary"]["total_need"] == 30
    rows = await api.get(
        "/v1/scores/needs-trends", params={"child_pseudonym": council.pseudonym("C1")}, headers=council.bi
    )
    assert len(rows.json()["items"]) == 10

    # Version 2 declares itself compatible with version 1: one series across both.
    await loaded(api, council, herts_needs(2, (1,)))
    third = await rate(api, council, "A3", years_ago(1), 2, 2)
    await run_worker(settings, app)
    figures = await trends(api, council)
    assert figures["instrument_version"] == 2
    assert figures["assessment_ids"] == [first, second, third]
    summary = figures["summary"]
    assert (summary["assessments_count"], summary["baseline_total_need"], summary["total_need"]) == (3, 30, 20)

    # Version 3 does not: its first assessment starts the series again.
    await loaded(api, council, herts_needs(3))
    fourth = await rate(api, council, "A4", years_ago(0.5), 3, 1)
    await run_worker(settings, app)
    figures = await trends(api, council)
    assert figures["instrument_version"] == 3
    assert figures["assessment_ids"] == [fourth]
    summary = figures["summary"]
    assert (summary["assessments_count"], summary["baseline_total_need"], summary["total_need"]) == (1, 10, 10)
    assert {d["change_since_baseline"] for d in figures["domains"]} == {0}

    # Each assessment keeps the version it was rated with.
    for assessment_id, version in ((first, 1), (third, 2), (fourth, 3)):
        stored = await api.get(f"/v1/assessments/{assessment_id}", headers=council.headers)
        assert stored.json()["instrument_version"] == version


async def cli(settings: Settings, *args: str) -> tuple[int, str, str]:
    names = {name.upper() for name in Settings.model_fields}
    inherited = {name: value for name, value in os.environ.items() if name.upper() not in names}
    environment = inherited | {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "ENVIRONMENT": "test",
        "PSEUDONYM_KEY": PSEUDONYM_KEY,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.cli",
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_loads_an_instrument_from_a_file_and_is_audited(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    as_yaml = tmp_path / "herts.yaml"
    as_yaml.write_text(yaml.safe_dump(herts_needs()))
    flawed = herts_needs(2, (1,))
    for domain in flawed["domains"][:2]:  # both of be_healthy's domains, so that area has none
        domain["outcome_area"] = "be_nowhere"
    as_json = tmp_path / "herts.json"
    as_json.write_text(json.dumps(flawed))
    as_text = tmp_path / "herts.txt"
    as_text.write_text(json.dumps(herts_needs(2)))

    code, out, err = await cli(settings, "load-instrument", council.code, str(as_yaml))
    assert code == 0, err
    assert out.strip() == f"instrument herts-needs version 1 loaded for {council.code}"
    listed = await api.get("/v1/instruments", headers=council.headers)
    assert ("herts-needs", 1, "council") in [(i["code"], i["version"], i["owner"]) for i in listed.json()]

    refused, again, unnamed, nowhere = await asyncio.gather(
        cli(settings, "load-instrument", council.code, str(as_json)),
        cli(settings, "load-instrument", council.code, str(as_yaml)),
        cli(settings, "load-instrument", council.code, str(as_text)),
        cli(settings, "load-instrument", "NO-SUCH-COUNCIL", str(as_yaml)),
    )
    assert refused[0] != 0 and "domains.0.outcome_area" in refused[2] and "outcome_areas.0.code" in refused[2]
    assert again[0] != 0 and "version: 1 is already loaded" in again[2], again
    assert unnamed[0] != 0 and ".json, .yaml or .yml" in unnamed[2]
    assert nowhere[0] != 0 and "No council" in nowhere[2]
    assert await stored_versions(app, council) == [1]

    async with transaction(state_of(app).sessions) as db:
        rows = (await db.scalars(select(AuditEvent).where(AuditEvent.la_id == council.la_id))).all()
    loads = [(row.actor, row.client_kind, row.target) for row in rows if row.action == "create_instrument"]
    assert loads == [("cli", "operator", "instrument:herts-needs:1")]
