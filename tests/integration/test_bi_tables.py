"""The tables a BI model is built from (issue 13, item 7): per-child dimensions, code and domain labels,
cohort figures as at a chosen day, CSV an Excel user can open, one timestamp form in JSON and CSV."""

import csv
import io
import re
from datetime import date, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from services.api.scores.cohort import years_before
from shared.settings import Settings
from shared.ssda903 import CODE_LISTS
from tests.conftest import Council
from tests.integration.helpers import DOMAINS, assessment, placement, publish_every_count, ratings, run_worker

TODAY = date.today()
BEHAVIOUR = "behaviour"
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def build(api: httpx.AsyncClient, settings: Settings, app: FastAPI, council: Council) -> None:
    """TURNED turned 10 thirty days ago; with PROV-A from 400 days ago to 40 days ago, then with PROV-B;
    assessed at 3 a hundred days ago and at 1 ten days ago. LATE, with PROV-A, is first assessed five days ago."""
    for provider in ("PROV-A", "PROV-B"):
        assert (await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)).is_success
    children = {"TURNED": years_before(ago(30), 10), "LATE": years_before(TODAY, 7)}
    for child_id, born in children.items():
        body = {"date_of_birth": born.isoformat(), "sex": "F", "ethnicity": "WBRI", "uasc": False}
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
    episodes = [
        placement("TURNED", "PL-1", ago(400), ago(40), provider_id="PROV-A"),
        placement("TURNED", "PL-2", ago(40), provider_id="PROV-B", place="K2", place_provider="PR4"),
        placement("LATE", "PL-3", ago(400), provider_id="PROV-A"),
    ]
    for episode in episodes:
        assert (await api.post("/v1/placements", json=episode, headers=council.headers)).status_code == 201, episode
    for child_id, external_id, day, level in (
        ("TURNED", "AS-1", ago(100), 3),
        ("TURNED", "AS-2", ago(10), 1),
        ("LATE", "AS-3", ago(5), 2),
    ):
        body = assessment(child_id, external_id, day, ratings=ratings(level))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)


async def get(api: httpx.AsyncClient, council: Council, path: str, **params: Any) -> httpx.Response:
    response = await api.get(f"/v1/scores/{path}", params=params, headers=council.bi)
    assert response.status_code == 200, response.text
    return response


def behaviour(body: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (r["age_band"], r["provider"], r["children_counted"], r["actionable_count"], r["mean_change_since_baseline"])
        for r in body["items"]
        if r["domain"] == BEHAVIOUR
    ]


async def test_cohort_figures_as_at_a_day_use_that_days_assessments_ages_and_placements(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await publish_every_count(api, council)
    await build(api, settings, app, council)
    by = {"by": ["age_band", "provider"]}
    now = (await get(api, council, "cohort", **by)).json()
    # Now: TURNED is 10, with PROV-B, 3 -> 1; LATE is 7, with PROV-A, at 2.
    assert now["as_at"] is None
    assert behaviour(now) == [("5_9", "PROV-A", 1, 1, 0.0), ("10_15", "PROV-B", 1, 0, -2.0)]

    # Sixty days ago: TURNED was 9 and with PROV-A, with only its first assessment; LATE had none.
    then = (await get(api, council, "cohort", as_at=ago(60).isoformat(), **by)).json()
    assert then["as_at"] == ago(60).isoformat()
    assert behaviour(then) == [("5_9", "PROV-A", 1, 1, 0.0)]
    assert len(then["items"]) == len(DOMAINS)
    children_then = (await get(api, council, "cohort-children", as_at=ago(60).isoformat(), **by)).json()
    assert [(r["age_band"], r["provider"], r["children_in_slice"]) for r in children_then["items"]] == [
        ("5_9", "PROV-A", 1)
    ]
    # The stored figures are untouched by a read as at another day.
    assert behaviour((await get(api, council, "cohort", **by)).json()) == behaviour(now)

    # Before any assessment: nothing to count. A day to come: refused, the parameter named.
    assert (await get(api, council, "cohort", as_at=ago(150).isoformat())).json()["items"] == []
    future = await api.get("/v1/scores/cohort", params={"as_at": ago(-1).isoformat()}, headers=council.bi)
    assert future.status_code == 422 and "as_at" in future.text
    unreadable = await api.get("/v1/scores/cohort", params={"as_at": "last week"}, headers=council.bi)
    assert unreadable.status_code == 422 and "as_at" in unreadable.text


async def test_children_dimensions_name_children_by_pseudonym_only(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, other_council: Council
) -> None:
    await build(api, settings, app, council)
    first = await get(api, council, "children", limit=1)
    second = await get(api, council, "children", limit=1, cursor=first.json()["next_cursor"])
    assert first.json()["has_more"] is True and second.json()["has_more"] is False
    rows = first.json()["items"] + second.json()["items"]
    assert rows == [
        {
            "child_pseudonym": council.pseudonym("TURNED"),
            "age_band": "10_15",
            "sex": "F",
            "ethnicity": "WBRI",
            "uasc": False,
            "legal_status": "C2",
            "placement_group": "residential",
            "provider": "PROV-B",
        },
        {
            "child_pseudonym": council.pseudonym("LATE"),
            "age_band": "5_9",
            "sex": "F",
            "ethnicity": "WBRI",
            "uasc": False,
            "legal_status": "C2",
            "placement_group": "foster",
            "provider": "PROV-A",
        },
    ]
    assert "TURNED" not in first.text + second.text
    as_csv = await get(api, council, "children", format="csv")
    table = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [dict(r) for r in table] == [{k: str(v) for k, v in r.items()} for r in rows]
    assert (await get(api, other_council, "children")).json()["items"] == []


async def test_code_and_domain_labels(api: httpx.AsyncClient, council: Council) -> None:
    codes = (await get(api, council, "codes")).json()
    assert codes["columns"] == ["code_list", "code", "label", "first_year", "last_year", "placement_group"]
    assert {r["code_list"] for r in codes["items"]} == set(CODE_LISTS)
    assert len(codes["items"]) == sum(len(codes) for codes in CODE_LISTS.values())
    by_code = {(r["code_list"], r["code"]): r for r in codes["items"]}
    assert by_code["LS", "C2"]["label"] == "Full care order"
    assert by_code["SEX", "1"]["last_year"] == "2023-24" and by_code["SEX", "M"]["first_year"] == "2024-25"
    assert by_code["PLACE", "K2"]["placement_group"] == "residential"
    assert by_code["ETHNIC", "WBRI"]["placement_group"] is None
    domains = (await get(api, council, "domains")).json()
    shipped = [r for r in domains["items"] if (r["instrument_code"], r["instrument_version"]) == ("needs-v1", 1)]
    assert [r["domain"] for r in shipped] == list(DOMAINS)
    assert [r["position"] for r in shipped] == list(range(len(DOMAINS)))
    assert all(r["label"] and r["outcome_area_label"] for r in shipped)
    as_csv = await get(api, council, "domains", format="csv", bom="true")
    assert as_csv.content.startswith(b"\xef\xbb\xbfinstrument_code,")
    assert as_csv.headers["content-disposition"] == 'attachment; filename="domains.csv"'


async def test_timestamps_read_the_same_in_json_and_csv(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await build(api, settings, app, council)
    erased = await api.post("/v1/admin/erasures", json={"child_id": "LATE"}, headers=council.admin)
    assert erased.status_code == 200, erased.text
    for path, column in (("needs-summary", "computed_at"), ("needs-trends", "computed_at"), ("erasures", "erased_at")):
        as_json = (await get(api, council, path)).json()["items"]
        as_csv = list(csv.DictReader(io.StringIO((await get(api, council, path, format="csv")).text)))
        assert as_json and [r[column] for r in as_json] == [r[column] for r in as_csv], path
        assert all(INSTANT.fullmatch(r[column]) for r in as_json), path
    cohort = (await get(api, council, "cohort")).json()
    assert INSTANT.fullmatch(cohort["computed_at"])


async def test_accept_weighed_by_q_and_csv_as_an_attachment(api: httpx.AsyncClient, council: Council) -> None:
    json_preferred = {"Accept": "text/csv;q=0.9, application/json"}
    response = await api.get("/v1/scores/needs-summary", headers=council.bi | json_preferred)
    assert response.headers["content-type"] == "application/json"
    csv_preferred = {"Accept": "text/csv, application/json;q=0.5"}
    response = await api.get("/v1/scores/needs-summary", headers=council.bi | csv_preferred)
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="needs-summary.csv"'
    assert not response.content.startswith(b"\xef\xbb\xbf")
    response = await api.get("/v1/scores/cohort?format=json", headers=council.bi | csv_preferred)
    assert response.headers["content-type"] == "application/json"
