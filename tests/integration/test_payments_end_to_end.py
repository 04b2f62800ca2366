"""Payment by needs reduction end to end: an admin makes contracts, a case-management system posts
placements and assessments, the real worker produces statements, a provider reads its own (JSON and
CSV) and is refused another's, BI reads them all, and an amendment makes a new statement version."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from arq.jobs import Job, JobStatus
from fastapi import FastAPI
from sqlalchemy import select

from shared.access import Kind
from shared.db import transaction
from shared.domain import statements
from shared.domain.full_recompute import recompute_councils
from shared.models import Contract
from shared.settings import Settings
from tests.conftest import Council, headers_for, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import DOMAINS, add_child, assessment, placement, ratings, run_worker

TODAY = date.today()
STAY = TODAY - timedelta(days=400)
REDUCED, SUSTAINED = STAY + timedelta(days=100), STAY + timedelta(days=300)  # 200 days apart, over the 175-day gap


def contract(code: str, provider: str, **changes: Any) -> dict[str, Any]:
    body = {
        "code": code,
        "provider_id": provider,
        "start_date": (STAY - timedelta(days=30)).isoformat(),
        "end_date": (TODAY + timedelta(days=365)).isoformat(),
        "period": "quarter",
    }
    return body | changes


async def statements_of(api: httpx.AsyncClient, code: str, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    listed = await api.get(f"/v1/contracts/{code}/statements", headers=headers)
    assert listed.status_code == 200, listed.text
    return {s["period_start"]: s for s in listed.json()}


def period_of(statements: dict[str, dict[str, Any]], day: date) -> dict[str, Any]:
    return next(s for s in statements.values() if s["period_start"] <= day.isoformat() <= s["period_end"])


async def test_statements_from_placements_and_assessments_read_by_their_provider_only(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    for provider in ("IFA-1", "IFA-2"):
        await api.put(f"/v1/providers/{provider}", json={"name": f"Agency {provider}"}, headers=council.admin)
        created = await api.post(
            "/v1/admin/contracts", json=contract(f"PBNR-{provider}", provider), headers=council.admin
        )
        assert created.status_code == 201, created.text
    provider_1 = await headers_for(app, council, Kind.PROVIDER, "IFA-1")
    provider_2 = await headers_for(app, council, Kind.PROVIDER, "IFA-2")

    await add_child(api, council.headers, "PAY-1")
    stay = placement("PAY-1", "PL-PAY-1", STAY, provider_id="IFA-1", weekly_cost="800.00")
    assert (await api.post("/v1/placements", json=stay, headers=council.headers)).status_code == 201
    for external_id, day, level in (("BASE", STAY, 3), ("REDUCED", REDUCED, 1), ("SUSTAINED", SUSTAINED, 1)):
        body = assessment("PAY-1", external_id, day, ratings=ratings(level))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)

    # The provider: its contract's statements, twelve domains from level 3 (£1,000), 40% then 60%.
    mine = await statements_of(api, "PBNR-IFA-1", provider_1)
    first, second = period_of(mine, REDUCED), period_of(mine, SUSTAINED)
    assert (first["earned"], first["paid"], first["withheld"]) == ("4800.00", "4800.00", "0.00")
    assert (second["earned"], second["paid"]) == ("7200.00", "7200.00")
    assert sum(Decimal(s["paid"]) for s in mine.values()) == Decimal("12000.00")
    assert all(s["rules_version"] == "pbnr-v1" and s["contract_version"] == 1 for s in mine.values())
    url = f"/v1/contracts/PBNR-IFA-1/statements/{second['period_start']}"
    detail = (await api.get(url, headers=provider_1)).json()
    assert [(line["domain"], line["instalment"], line["paid"]) for line in detail["lines"]] == [
        (domain, 2, "600.00") for domain in sorted(DOMAINS)
    ]
    assert {line["child_pseudonym"] for line in detail["lines"]} == {council.pseudonym("PAY-1")}
    assert "PAY-1" not in (await api.get(url, headers=provider_1)).text
    rows = list(csv.DictReader(io.StringIO((await api.get(url, params={"format": "csv"}, headers=provider_1)).text)))
    assert [row["paid"] for row in rows] == ["600.00"] * 12 and rows[0]["kind"] == "earned"

    # Another provider's contract, or its statements, are a 404 for this provider; BI reads them all.
    for path in ("/v1/contracts/PBNR-IFA-2", "/v1/contracts/PBNR-IFA-2/statements"):
        assert (await api.get(path, headers=provider_1)).status_code == 404, path
    assert (await api.get("/v1/contracts/PBNR-IFA-1/statements", headers=provider_2)).status_code == 404
    assert [c["code"] for c in (await api.get("/v1/contracts", headers=provider_2)).json()] == ["PBNR-IFA-2"]
    assert await statements_of(api, "PBNR-IFA-1", council.bi) == mine
    others = await api.get("/v1/contracts/PBNR-IFA-2/statements", headers=council.bi)
    assert others.status_code == 200 and council.pseudonym("PAY-1") not in others.text

    # An amendment: safety rated actionable again at the sustaining review forfeits its second instalment.
    found = await api.get("/v1/assessments", params={"child_id": "PAY-1"}, headers=council.headers)
    sustaining = next(a for a in found.json() if a["external_id"] == "SUSTAINED")
    current = await api.get(f"/v1/assessments/{sustaining['id']}", headers=council.headers)
    amended = assessment("PAY-1", "SUSTAINED", SUSTAINED, ratings=ratings(1, safety=2))
    del amended["external_id"], amended["child_id"]
    response = await api.put(
        f"/v1/assessments/{sustaining['id']}",
        json=amended,
        headers=council.headers | {"If-Match": current.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    await run_worker(settings, app)
    versions = (await api.get(f"{url}/versions", headers=provider_1)).json()
    assert [(v["version"], v["earned"]) for v in versions] == [(1, "7200.00"), (2, "6600.00")]
    assert [(line["domain"], line["kind"]) for line in versions[1]["lines_removed"]] == [("safety", "earned")]
    assert [(line["domain"], line["kind"], line["paid"]) for line in versions[1]["lines_added"]] == [
        ("safety", "forfeited", "0.00")
    ]
    earlier = (await api.get(url, params={"version": 1}, headers=provider_1)).json()
    assert earlier["earned"] == "7200.00" and earlier["inputs_hash"] != versions[1]["inputs_hash"]

    # A contract version from the sustaining period on: that period's statement follows it, earlier ones stand.
    effective = {"effective_from": second["period_start"], "cap_per_period": "5000.00"}
    versioned = await api.post("/v1/admin/contracts/PBNR-IFA-1/versions", json=effective, headers=council.admin)
    assert versioned.status_code == 201, versioned.text
    await run_worker(settings, app)
    capped = await statements_of(api, "PBNR-IFA-1", council.bi)
    assert (capped[second["period_start"]]["paid"], capped[second["period_start"]]["withheld"]) == (
        "5000.00",
        "1600.00",
    )
    assert capped[second["period_start"]]["contract_version"] == 2
    assert capped[first["period_start"]]["version"] == 1 and capped[first["period_start"]]["paid"] == "4800.00"

    # A full recompute of the council gives the same statements: same hashes, so no new version.
    before = await statements_of(api, "PBNR-IFA-1", council.bi)
    await recompute_councils(state_of(app).sessions, [council.la_id])
    async with transaction(state_of(app).sessions) as db:
        stale = await db.scalar(select(Contract.statements_stale_since).where(Contract.code == "PBNR-IFA-1"))
    assert stale is not None  # the full recompute marked its statements for the worker to refresh
    await run_worker(settings, app)
    assert await statements_of(api, "PBNR-IFA-1", council.bi) == before


async def test_contract_terms_are_refused_with_the_field_named_and_nothing_written(
    api: httpx.AsyncClient, council: Council
) -> None:
    await api.put("/v1/providers/IFA-9", json={"name": "Agency"}, headers=council.admin)
    bad = {
        "second_share": {"first_share": "0.5", "second_share": "0.6"},
        "tariff.3": {"tariff": {"2": "500", "3": "-1"}},
        "deadweight": {"deadweight": "1.5"},
        "end_date": {"end_date": (STAY - timedelta(days=60)).isoformat()},
        "provider_id": {"provider_id": "NO-SUCH"},
        "period": {"period": "fortnight"},
    }
    for field, changes in bad.items():
        response = await api.post(
            "/v1/admin/contracts", json=contract("BAD", "IFA-9", **changes), headers=council.admin
        )
        assert response.status_code == 422, (field, response.text)
        assert field in {error["field"] for error in response.json()["errors"]}, (field, response.text)
    assert (await api.get("/v1/contracts", headers=council.bi)).json() == []
    assert (
        await api.post("/v1/admin/contracts", json=contract("OK", "IFA-9"), headers=council.admin)
    ).status_code == 201
    again = await api.post("/v1/admin/contracts", json=contract("OK", "IFA-9"), headers=council.admin)
    assert again.status_code == 409
    early = await api.post(
        "/v1/admin/contracts/OK/versions", json={"effective_from": "2000-01-01"}, headers=council.admin
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "effective_from"
    ended = await api.post("/v1/admin/contracts/OK/end", json={"end_date": TODAY.isoformat()}, headers=council.admin)
    assert ended.status_code == 201 and ended.json()["end_date"] == TODAY.isoformat()
    assert [v["version"] for v in ended.json()["versions"]] == [1, 2]


async def test_the_cli_creates_versions_and_ends_contracts_and_refuses_bad_terms(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    await api.put("/v1/providers/IFA-CLI", json={"name": "Agency"}, headers=council.admin)
    files = {
        "contract": contract("CLI-1", "IFA-CLI", deadweight="0.1"),
        "version": {"effective_from": TODAY.isoformat(), "cap_per_period": "1000.00"},
        "bad": contract("CLI-2", "IFA-CLI", first_share="0.5", second_share="0.6"),
    }
    for name, body in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(body))
    created = await cli(settings, "create-contract", council.code, str(tmp_path / "contract.json"))
    assert created.code == 0 and "contract CLI-1 version 1" in created.out, created.err
    # Its statements are queued as it commits, as through the API, not left for the worker's sweep.
    contract_id = (await api.get("/v1/contracts/CLI-1", headers=council.bi)).json()["id"]
    job = Job(f"statements-{contract_id}", state_of(app).redis, _queue_name=settings.queue_name)
    assert await job.status() in (JobStatus.deferred, JobStatus.queued)
    versioned = await cli(settings, "version-contract", council.code, "CLI-1", str(tmp_path / "version.json"))
    assert versioned.code == 0 and "version 2" in versioned.out, versioned.err
    end = TODAY + timedelta(days=30)
    ended = await cli(settings, "end-contract", council.code, "CLI-1", end.isoformat())
    assert ended.code == 0 and f"to {end.isoformat()}" in ended.out, ended.err
    refused = await cli(settings, "create-contract", council.code, str(tmp_path / "bad.json"))
    assert refused.code != 0 and "second_share" in refused.err
    read = (await api.get("/v1/contracts/CLI-1", headers=council.bi)).json()
    assert [(v["version"], v["cap_per_period"], v["deadweight"]) for v in read["versions"]] == [
        (1, None, "0.1000"),
        (2, "1000.00", "0.1000"),
        (3, "1000.00", "0.1000"),
    ]
    assert read["end_date"] == end.isoformat()
    assert (await api.get("/v1/contracts/CLI-2", headers=council.bi)).status_code == 404


async def test_a_closed_period_stands_and_a_later_amendment_to_it_is_adjusted_in_the_first_open_period(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await api.put("/v1/providers/IFA-C", json={"name": "Agency"}, headers=council.admin)
    assert (await api.post("/v1/admin/contracts", json=contract("CLOSE", "IFA-C"), headers=council.admin)).is_success
    await add_child(api, council.headers, "CLOSE-1")
    stay = placement("CLOSE-1", "PL-CLOSE-1", STAY, provider_id="IFA-C", weekly_cost="800.00")
    assert (await api.post("/v1/placements", json=stay, headers=council.headers)).status_code == 201
    ids = {}
    for external_id, day, level in (("BASE", STAY, 3), ("REDUCED", REDUCED, 1), ("SUSTAINED", SUSTAINED, 1)):
        body = assessment("CLOSE-1", external_id, day, ratings=ratings(level))
        ids[external_id] = (await api.post("/v1/assessments", json=body, headers=council.headers)).json()["id"]
    await run_worker(settings, app)
    periods = sorted((await statements_of(api, "CLOSE", council.admin)).values(), key=lambda s: s["period_start"])
    paid_in = next(s for s in periods if s["period_start"] <= REDUCED.isoformat() <= s["period_end"])
    closing = [s for s in periods if s["period_start"] <= paid_in["period_start"]]
    close = "/v1/admin/contracts/CLOSE/statements/{}/close"

    # Out of order, or before the period has ended, a period cannot close; each refusal says why.
    async def refused(period_start: str) -> str:
        response = await api.post(close.format(period_start), headers=council.admin)
        assert response.status_code == 409, response.text
        return str(response.json()["detail"])

    assert (await refused(paid_in["period_start"])).startswith("Close the earlier periods first: ")
    url = f"/v1/contracts/CLOSE/statements/{paid_in['period_start']}"
    as_closed = (await api.get(f"{url}/versions", headers=council.bi)).json()
    assert await refused(periods[-1]["period_start"]) == (
        f"The period runs to {periods[-1]['period_end']}: close it once it has ended."
    )
    for s in closing:
        assert (await api.post(close.format(s["period_start"]), headers=council.admin)).status_code == 200
    assert await refused(paid_in["period_start"]) == "The period is closed already."
    url = f"/v1/contracts/CLOSE/statements/{paid_in['period_start']}"
    as_closed = (await api.get(f"{url}/versions", headers=council.bi)).json()

    # Safety, amended as still actionable in the paid review, is first reduced at the next one instead.
    current = await api.get(f"/v1/assessments/{ids['REDUCED']}", headers=council.headers)
    amended = assessment("CLOSE-1", "REDUCED", REDUCED, ratings=ratings(1, safety=3))
    del amended["external_id"], amended["child_id"]
    if_match = {"If-Match": current.headers["ETag"]}
    assert (
        await api.put(f"/v1/assessments/{ids['REDUCED']}", json=amended, headers=council.headers | if_match)
    ).is_success
    await run_worker(settings, app)

    assert (await api.get(f"{url}/versions", headers=council.bi)).json() == as_closed
    assert (await api.get(url, headers=council.bi)).json()["earned"] == paid_in["earned"] == "4800.00"
    after = sorted((await statements_of(api, "CLOSE", council.bi)).values(), key=lambda s: s["period_start"])
    first_open = next(s for s in after if s["closed_at"] is None)
    lines = (await api.get(f"/v1/contracts/CLOSE/statements/{first_open['period_start']}", headers=council.bi)).json()
    adjustments = [line for line in lines["lines"] if line["kind"] == "adjustment"]
    assert [(a["domain"], a["instalment"], a["paid"], a["adjusts_period"]) for a in adjustments] == [
        ("safety", 1, "-400.00", paid_in["period_start"])
    ]
    # The change named: the instalment as settled, on the review since amended, and what stands now.
    assert adjustments[0]["cause"].startswith("was: 7.5 first instalment")
    assert f"on assessment {ids['REDUCED']}, £400.00 paid; now: no event" in adjustments[0]["cause"]
    sustained_in = next(s for s in after if s["period_start"] <= SUSTAINED.isoformat() <= s["period_end"])
    # Safety's first instalment now, at the sustaining review; the other eleven domains' second ones.
    assert Decimal(sustained_in["earned"]) - (Decimal("-400.00") if sustained_in is first_open else 0) == Decimal(
        "7000.00"
    )


async def test_the_nightly_refresh_brings_every_contract_s_statements_up_to_date(
    api: httpx.AsyncClient, app: FastAPI, council: Council
) -> None:
    """Nothing changes but the date: the worker's nightly job, run here by hand, computes what is due."""
    await api.put("/v1/providers/IFA-N", json={"name": "Agency"}, headers=council.admin)
    await add_child(api, council.headers, "NIGHT-1")
    stay = placement("NIGHT-1", "PL-NIGHT-1", STAY, provider_id="IFA-N", weekly_cost="800.00")
    assert (await api.post("/v1/placements", json=stay, headers=council.headers)).status_code == 201
    assert (await api.post("/v1/admin/contracts", json=contract("NIGHT", "IFA-N"), headers=council.admin)).is_success
    assert await statements_of(api, "NIGHT", council.bi) == {}  # the worker has not run
    assert await statements.refresh_every_contract(state_of(app).sessions) >= 1
    found = await statements_of(api, "NIGHT", council.bi)
    window_closed = period_of(found, STAY + timedelta(days=28))  # no baseline was ever recorded
    lines = await api.get(f"/v1/contracts/NIGHT/statements/{window_closed['period_start']}", headers=council.bi)
    assert [(line["kind"], line["event_date"]) for line in lines.json()["lines"]] == [
        ("no_baseline", (STAY + timedelta(days=28)).isoformat())
    ]
    # Again, with nothing new: no new versions.
    await statements.refresh_every_contract(state_of(app).sessions)
    assert await statements_of(api, "NIGHT", council.bi) == found
