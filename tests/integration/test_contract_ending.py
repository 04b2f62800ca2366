"""Ending a contract before a version scheduled to take effect later (domain.md §7.1): the ending is a
version from the end date with the terms in force that day, and the scheduled version never applies."""

from datetime import date

import httpx
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker

CONTRACT = {
    "code": "ENDS",
    "provider_id": "IFA-END",
    "start_date": "2024-01-01",
    "end_date": "2024-12-31",
    "period": "quarter",
}


async def test_a_contract_ends_before_a_version_scheduled_later_which_then_never_applies(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await api.put("/v1/providers/IFA-END", json={"name": "Agency"}, headers=council.admin)
    assert (await api.post("/v1/admin/contracts", json=CONTRACT, headers=council.admin)).status_code == 201
    scheduled = {"effective_from": "2024-09-01", "tariff": {"2": "1000", "3": "2000", "4": "4000"}}
    assert (await api.post("/v1/admin/contracts/ENDS/versions", json=scheduled, headers=council.admin)).is_success

    # Before the start it still cannot end, and nothing is written.
    early = await api.post("/v1/admin/contracts/ENDS/end", json={"end_date": "2023-12-31"}, headers=council.admin)
    assert early.status_code == 422 and [e["field"] for e in early.json()["errors"]] == ["end_date"]

    ended = await api.post("/v1/admin/contracts/ENDS/end", json={"end_date": "2024-06-30"}, headers=council.admin)
    assert ended.status_code == 201, ended.text
    assert ended.json()["end_date"] == "2024-06-30"
    versions = ended.json()["versions"]
    assert [(v["version"], v["effective_from"], v["end_date"]) for v in versions] == [
        (1, "2024-01-01", "2024-12-31"),
        (2, "2024-09-01", "2024-12-31"),
        (3, "2024-06-30", "2024-06-30"),
    ]
    assert versions[2]["tariff"] == versions[0]["tariff"] != versions[1]["tariff"]

    # Safety 3 at the stay's start, 1 on the contract's last day: paid at version 1's £1,000 x 40%, not
    # the scheduled version's £2,000; the second instalment is forfeited as the contract ends first.
    await add_child(api, council.headers, "END-1")
    stay = placement("END-1", "PL-END-1", date(2024, 1, 10), provider_id="IFA-END")
    assert (await api.post("/v1/placements", json=stay, headers=council.headers)).status_code == 201
    for day, safety in ((date(2024, 1, 12), 3), (date(2024, 6, 30), 1)):
        body = assessment("END-1", f"END-{day.isoformat()}", day, ratings=ratings(0, safety=safety))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    listed = (await api.get("/v1/contracts/ENDS/statements", headers=council.bi)).json()
    assert [(s["period_start"], s["period_end"], s["contract_version"]) for s in listed] == [
        ("2024-01-01", "2024-03-31", 1),
        ("2024-04-01", "2024-06-30", 3),
    ]
    last = (await api.get("/v1/contracts/ENDS/statements/2024-04-01", headers=council.bi)).json()
    assert [(line["kind"], line["instalment"], line["event_date"], line["paid"]) for line in last["lines"]] == [
        ("earned", 1, "2024-06-30", "400.00"),
        ("forfeited", 2, "2024-06-30", "0.00"),
    ]
