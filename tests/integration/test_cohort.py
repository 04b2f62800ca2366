"""Cohort figures for BI (issue 4, Figures; domain.md §4, cohort views): one council of nine children, of
different ages, sexes and UASC status, placed with two providers in two placement groups, with figures
that differ; every expected value below is worked out by hand from the table in `PLAN`."""

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council, new_council
from tests.integration.helpers import (
    DOMAINS,
    assessment,
    placement,
    publish_every_count,
    ratings,
    run_worker,
    years_ago,
)

BASELINE_ON = date.today() - timedelta(days=120)
LATEST_ON = date.today() - timedelta(days=20)  # 100 days on: a change of 1 is a slope of 3.65 a year


@dataclass(frozen=True)
class Plan:
    age: float  # years today
    sex: str
    uasc: bool
    ethnicity: str
    placements: tuple[tuple[str, str, str, float, float | None], ...]  # provider, PLACE, LS, began, ended (years ago)
    levels: tuple[int, ...]  # every domain's need at baseline, then at the latest assessment (if any)
    safety: tuple[int, ...] | None = None  # the safety domain's, where it differs


FOSTER, HOME = "U4", "K2"
PLAN = {
    # under 1, foster with A: every domain 3 -> 1 (resolved, improving; total -24: reliable improvement)
    "C1": Plan(0.5, "F", False, "WBRI", (("PROV-A", FOSTER, "C2", 0.4, None),), (3, 1)),
    # 1-4, foster with A: 2 -> 2 (actionable, stable)
    "C2": Plan(3, "M", False, "WBRI", (("PROV-A", FOSTER, "C2", 1, None),), (2, 2)),
    # 5-9, home with B: 1 -> 3 (new needs, worsening; total +24: reliable deterioration)
    "C3": Plan(7, "F", False, "BAFR", (("PROV-B", HOME, "C2", 1, None),), (1, 3)),
    # 10-15, UASC, home with B under section 20: 2 -> 1 (resolved, improving; total -12: no reliable change)
    "C4": Plan(12, "M", True, "WBRI", (("PROV-B", HOME, "V2", 1, None),), (2, 1)),
    # 10-15, its only placement (A) ended: one assessment at 2 (actionable, no change, no verdict)
    "C5": Plan(14, "F", False, "WBRI", (("PROV-A", FOSTER, "C2", 1, 0.1),), (2,)),
    # 16+, UASC, home with B under section 20: 3 -> 3, safety 3 -> 1 (resolved in safety only)
    "C6": Plan(17, "M", True, "WBRI", (("PROV-B", HOME, "V2", 1, None),), (3, 3), (3, 1)),
    # 10-15, never placed: 0 -> 0, safety 0 -> 4 (a new need in safety only)
    "C7": Plan(11, "F", False, "WBRI", (), (0, 0), (0, 4)),
    # 16+, first with A (ended), now home with B: 1 -> 1, safety 1 -> 3 (a new need in safety only)
    "C8": Plan(
        16.5,
        "M",
        False,
        "WBRI",
        (("PROV-A", FOSTER, "C2", 1.5, 0.5), ("PROV-B", HOME, "C2", 0.5, None)),
        (1, 1),
        (1, 3),
    ),
    # 10-15, with A, not yet assessed: in no figure
    "C9": Plan(10, "F", False, "WBRI", (("PROV-A", FOSTER, "C2", 1, None),), ()),
}
BEHAVIOUR = "behaviour"  # a domain every child moves in as a whole
SAFETY = "safety"  # the domain where three children differ


async def build(api: httpx.AsyncClient, settings: Settings, app: FastAPI, council: Council) -> None:
    for provider in ("PROV-A", "PROV-B"):
        response = await api.put(f"/v1/providers/{provider}", json={"name": provider}, headers=council.admin)
        assert response.status_code in (200, 201), response.text
    for child_id, plan in PLAN.items():
        body = {
            "date_of_birth": years_ago(plan.age).isoformat(),
            "sex": plan.sex,
            "ethnicity": plan.ethnicity,
            "uasc": plan.uasc,
        }
        assert (await api.put(f"/v1/children/{child_id}", json=body, headers=council.headers)).status_code == 201
        for n, (provider, place, legal_status, began, ended) in enumerate(plan.placements):
            episode = placement(
                child_id,
                f"PL-{child_id}-{n}",
                years_ago(began),
                years_ago(ended) if ended is not None else None,
                provider_id=provider,
                place=place,
                legal_status=legal_status,
                place_provider="PR1" if place == FOSTER else "PR4",
            )
            response = await api.post("/v1/placements", json=episode, headers=council.headers)
            assert response.status_code == 201, response.text
        for k, (day, level) in enumerate(zip((BASELINE_ON, LATEST_ON), plan.levels, strict=False)):
            safety = plan.safety[k] if plan.safety else level
            body = assessment(child_id, f"AS-{child_id}-{k}", day, ratings=ratings(level, safety=safety))
            response = await api.post("/v1/assessments", json=body, headers=council.headers)
            assert response.status_code == 201, response.text
    await run_worker(settings, app)


@pytest_asyncio.fixture(scope="module")
async def bi_council(app: FastAPI, settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, Council]]:
    """The council of PLAN, read-only for the tests that take it."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as api:
        council = await new_council(app)
        await publish_every_count(api, council)
        await build(api, settings, app, council)
        yield api, council


async def cohort(
    api: httpx.AsyncClient, council: Council, *by: str, table: str = "cohort", **params: Any
) -> dict[str, Any]:
    response = await api.get(f"/v1/scores/{table}", params={"by": list(by), **params}, headers=council.bi)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def row(body: dict[str, Any], domain: str, **slice_values: Any) -> dict[str, Any]:
    found = [r for r in body["items"] if r["domain"] == domain and all(r[k] == v for k, v in slice_values.items())]
    assert len(found) == 1, (domain, slice_values, found)
    return found[0]


def figures(r: dict[str, Any]) -> tuple[Any, ...]:
    return (
        r["children_counted"],
        r["actionable_count"],
        r["actionable_prevalence"],
        r["mean_change_since_baseline"],
        r["improving_count"],
        r["worsening_count"],
        r["resolved_count"],
        r["new_need_count"],
    )


async def test_the_whole_council_per_domain(bi_council: tuple[httpx.AsyncClient, Council]) -> None:
    api, council = bi_council
    body = await cohort(api, council)
    assert body["slices"] == {"by": [], "definitions": {}}
    assert body["columns"][:3] == ["instrument_code", "instrument_version", "domain"]
    # One row per domain, in the instrument's order; the unassessed C9 counts nowhere.
    assert [r["domain"] for r in body["items"]] == list(DOMAINS)
    assert body["has_more"] is False and body["next_cursor"] is None
    assert {(r["instrument_code"], r["instrument_version"]) for r in body["items"]} == {("needs-v1", 1)}
    # behaviour: latest 1,2,3,1,2,3,0,1 -> four actionable; change -2,0,+2,-1,0,0,0,0 -> -1/8;
    # C1, C4 improve and resolve it, C3 worsens and gains it.
    assert figures(row(body, BEHAVIOUR)) == (8, 4, 0.5, -0.125, 2, 1, 2, 1)
    # safety: latest 1,2,3,1,2,1,4,3 -> five actionable; change -2,0,+2,-1,0,-2,+4,+2 -> 3/8;
    # C1, C4, C6 resolve it, C3, C7, C8 gain it.
    assert figures(row(body, SAFETY)) == (8, 5, 0.625, 0.375, 3, 3, 3, 3)
    # The counts of children are not repeated on each domain's row, where a sum would count a child twice.
    assert not {"children_in_slice", "reliably_improved_count"} & set(body["columns"] + list(body["items"][0]))
    # No SD yet for reliable change: eight children with figures, no verdict, no share; one row for the council.
    children = await cohort(api, council, table="cohort-children")
    assert children["columns"] == [
        "instrument_code",
        "instrument_version",
        "children_in_slice",
        "children_with_verdict",
        "reliably_improved_count",
        "reliably_worse_count",
        "reliably_improved_share",
        "reliably_worse_share",
        "suppressed",
        "suppressed_columns",
    ]
    assert children["items"] == [
        {
            "instrument_code": "needs-v1",
            "instrument_version": 1,
            "children_in_slice": 8,
            "children_with_verdict": 0,
            "reliably_improved_count": 0,
            "reliably_worse_count": 0,
            "reliably_improved_share": None,
            "reliably_worse_share": None,
            "suppressed": False,
            "suppressed_columns": "",
        }
    ]


async def test_by_provider_follows_each_child_current_placement(
    bi_council: tuple[httpx.AsyncClient, Council],
) -> None:
    api, council = bi_council
    body = await cohort(api, council, "provider")
    assert body["slices"]["by"] == ["provider"] and set(body["slices"]["definitions"]) == {"provider"}
    assert body["columns"][:2] == ["provider", "instrument_code"]
    # A: C1, C2 and C5 (its ended placement is its latest); B: C3, C4, C6 and C8 (open now, after one with
    # A); none: C7. Providers in order, the children never placed last.
    assert [r["provider"] for r in body["items"][:: len(DOMAINS)]] == ["PROV-A", "PROV-B", None]
    children = await cohort(api, council, "provider", table="cohort-children")
    assert [(r["provider"], r["children_in_slice"]) for r in children["items"]] == [
        ("PROV-A", 3),
        ("PROV-B", 4),
        (None, 1),
    ]
    # A, behaviour: C1 1 (-2), C2 2 (0), C5 2 (0)
    assert figures(row(body, BEHAVIOUR, provider="PROV-A")) == (3, 2, 0.6667, -0.6667, 1, 0, 1, 0)
    # B, behaviour: C3 3 (+2), C4 1 (-1), C6 3 (0), C8 1 (0)
    assert figures(row(body, BEHAVIOUR, provider="PROV-B")) == (4, 2, 0.5, 0.25, 1, 1, 1, 1)
    # B, safety: C3 3 (+2), C4 1 (-1), C6 1 (-2), C8 3 (+2)
    assert figures(row(body, SAFETY, provider="PROV-B")) == (4, 2, 0.5, 0.25, 2, 2, 2, 2)
    # Never placed, safety: C7 alone, 0 -> 4
    assert figures(row(body, SAFETY, provider=None)) == (1, 1, 1.0, 4.0, 0, 1, 0, 1)


async def test_by_age_band_and_sex(bi_council: tuple[httpx.AsyncClient, Council]) -> None:
    api, council = bi_council
    # Asked in any order, the slice columns come in one fixed order.
    body = await cohort(api, council, "sex", "age_band", "sex")
    assert body["slices"]["by"] == ["age_band", "sex"]
    assert set(body["slices"]["definitions"]) == {"age_band", "sex"}
    assert "16_plus" in body["slices"]["definitions"]["age_band"]
    assert body["columns"][:3] == ["age_band", "sex", "instrument_code"]
    # Youngest band first, not in alphabetical order.
    children = await cohort(api, council, "sex", "age_band", table="cohort-children")
    combinations = [(r["age_band"], r["sex"], r["children_in_slice"]) for r in children["items"]]
    assert [(r["age_band"], r["sex"]) for r in body["items"][:: len(DOMAINS)]] == [c[:2] for c in combinations]
    assert combinations == [
        ("under_1", "F", 1),
        ("1_4", "M", 1),
        ("5_9", "F", 1),
        ("10_15", "F", 2),  # C5 and C7 (C9 has no figures)
        ("10_15", "M", 1),
        ("16_plus", "M", 2),  # C6 (17) and C8 (16 and a half)
    ]
    assert len(body["items"]) == 6 * len(DOMAINS)
    # Girls of 10-15, safety: C5 2 (no change yet), C7 0 -> 4.
    assert figures(row(body, SAFETY, age_band="10_15", sex="F")) == (2, 2, 1.0, 2.0, 0, 1, 0, 1)
    # Boys of 16 and over, safety: C6 3 -> 1, C8 1 -> 3.
    assert figures(row(body, SAFETY, age_band="16_plus", sex="M")) == (2, 1, 0.5, 0.0, 1, 1, 1, 1)
    # The baby, behaviour: 3 -> 1.
    assert figures(row(body, BEHAVIOUR, age_band="under_1", sex="F")) == (1, 0, 0.0, -2.0, 1, 0, 1, 0)


async def test_by_ethnicity_legal_status_placement_group_and_uasc(
    bi_council: tuple[httpx.AsyncClient, Council],
) -> None:
    api, council = bi_council
    body = await cohort(api, council, "uasc", "placement_group", "legal_status", "ethnicity")
    assert body["slices"]["by"] == ["ethnicity", "uasc", "legal_status", "placement_group"]
    assert "K2" in body["slices"]["definitions"]["placement_group"]
    children = await cohort(
        api, council, "uasc", "placement_group", "legal_status", "ethnicity", table="cohort-children"
    )
    in_slice = {
        (r["ethnicity"], r["uasc"], r["legal_status"], r["placement_group"]): r["children_in_slice"]
        for r in children["items"]
    }
    assert in_slice == {
        ("BAFR", False, "C2", "residential"): 1,  # C3
        ("WBRI", False, "C2", "foster"): 3,  # C1, C2, C5
        ("WBRI", False, "C2", "residential"): 1,  # C8, placed in a home now
        ("WBRI", False, None, None): 1,  # C7, never placed
        ("WBRI", True, "V2", "residential"): 2,  # C4, C6
    }
    # The two UASC boys, safety: C4 2 -> 1, C6 3 -> 1: both resolved.
    uasc = row(body, SAFETY, uasc=True)
    assert figures(uasc) == (2, 0, 0.0, -1.5, 2, 0, 2, 0)


async def test_csv_holds_the_json_rows_under_the_same_header(bi_council: tuple[httpx.AsyncClient, Council]) -> None:
    api, council = bi_council
    body = await cohort(api, council, "provider", "uasc")
    response = await api.get(
        "/v1/scores/cohort", params={"by": ["provider", "uasc"], "format": "csv"}, headers=council.bi
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == body["columns"]
    assert len(table) - 1 == len(body["items"]) == 4 * len(DOMAINS)  # A; B no; B UASC; none
    by_accept = await api.get(
        "/v1/scores/cohort", params={"by": ["provider", "uasc"]}, headers=council.bi | {"Accept": "text/csv"}
    )
    assert by_accept.text == response.text
    # The same figures as the JSON, cell for cell, in the same order; a child never placed has an empty provider.
    rows = [dict(zip(table[0], cells, strict=True)) for cells in table[1:]]
    assert [(r["uasc"], r["provider"], r["domain"], r["children_counted"]) for r in rows] == [
        (str(r["uasc"]), r["provider"] or "", r["domain"], str(r["children_counted"])) for r in body["items"]
    ]
    assert {(r["uasc"], r["provider"], r["children_counted"]) for r in rows if r["domain"] == BEHAVIOUR} == {
        ("False", "PROV-A", "3"),
        ("False", "PROV-B", "2"),
        ("False", "", "1"),
        ("True", "PROV-B", "2"),
    }


async def test_paging_returns_every_row_once(bi_council: tuple[httpx.AsyncClient, Council]) -> None:
    api, council = bi_council
    whole = await cohort(api, council, "age_band", "sex")
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 10} | ({"cursor": cursor} if cursor else {})
        response = await api.get("/v1/scores/cohort", params={"by": ["age_band", "sex"], **params}, headers=council.bi)
        page = response.json()
        pages += 1
        seen.extend(page["items"])
        if not page["has_more"]:
            assert page["next_cursor"] is None and "X-Next-Cursor" not in response.headers
            break
        assert response.headers["X-Next-Cursor"] == page["next_cursor"] and 'rel="next"' in response.headers["Link"]
        cursor = page["next_cursor"]
    assert pages == 8  # 72 rows, ten a page
    assert seen == whole["items"]
    keys = [(r["age_band"], r["sex"], r["domain"]) for r in seen]
    assert len(keys) == len(set(keys)) == 72
    past_the_end = await cohort(api, council, "age_band", limit=10, cursor=1000)
    assert past_the_end["items"] == [] and past_the_end["has_more"] is False
    too_large = await api.get("/v1/scores/cohort", params={"limit": 100_000}, headers=council.bi)
    assert too_large.status_code == 422
    unknown = await api.get("/v1/scores/cohort", params={"by": "team"}, headers=council.bi)
    assert unknown.status_code == 422 and "by" in unknown.text


async def test_another_council_sees_nothing_of_it(
    bi_council: tuple[httpx.AsyncClient, Council], other_council: Council
) -> None:
    api, council = bi_council
    for by in ((), ("provider",), ("age_band", "sex", "ethnicity", "uasc", "legal_status", "placement_group")):
        body = await cohort(api, other_council, *by)
        assert body["items"] == [] and body["has_more"] is False, by
    # Its own BI still sees its own council whole.
    assert row(await cohort(api, council), BEHAVIOUR)["children_counted"] == 8


async def test_reliable_change_shares_after_calibration(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await publish_every_count(api, council)
    await build(api, settings, app, council)
    made = await api.post("/v1/admin/calibrations", json={"instrument_code": "needs-v1"}, headers=council.admin)
    assert made.status_code == 201, made.text
    # Baseline totals 36, 24, 12, 24, 24, 36, 0, 12: SD 12.42, so S_diff 7.86 and a reliable change needs
    # 15.4 points: C1 (-24) improved, C3 (+24) worsened, the other six with two assessments did not.
    assert made.json()["n"] == 8
    [whole] = (await cohort(api, council, table="cohort-children"))["items"]
    assert (whole["children_in_slice"], whole["children_with_verdict"]) == (8, 7)  # C5 has one assessment
    assert (whole["reliably_improved_count"], whole["reliably_worse_count"]) == (1, 1)
    assert (whole["reliably_improved_share"], whole["reliably_worse_share"]) == (0.1429, 0.1429)
    by_provider = await cohort(api, council, "provider", table="cohort-children")
    shares = {
        r["provider"]: (r["children_with_verdict"], r["reliably_improved_share"], r["reliably_worse_share"])
        for r in by_provider["items"]
    }
    # A: C1 improved, C2 not, C5 no verdict; B: C3 worse of four; C7 alone, no reliable change.
    assert shares == {"PROV-A": (2, 0.5, 0.0), "PROV-B": (4, 0.0, 0.25), None: (1, 0.0, 0.0)}


async def test_published_small_numbers_are_withheld_and_the_admin_reads_them_whole(
    bi_council: tuple[httpx.AsyncClient, Council],
) -> None:
    api, council = bi_council
    await api.put("/v1/admin/suppression-threshold", json={"threshold": 2}, headers=council.admin)
    try:
        body = await cohort(api, council, "provider", "uasc")
        whole = await api.get("/v1/admin/cohort", params={"by": ["provider", "uasc"]}, headers=council.admin)
    finally:
        await publish_every_count(api, council)
    assert whole.status_code == 200, whole.text
    # Behaviour's slices count 3 (A), 2 (B), 1 (no provider) and 2 (B, UASC) children: the 2s and the 1 are small;
    # with three of the four withheld, the 3 stays, as the council's 8 less the 3 gives back only their sum.
    published = {(r["provider"], r["uasc"]): r for r in body["items"] if r["domain"] == BEHAVIOUR}
    assert {key: r["children_counted"] for key, r in published.items()} == {
        ("PROV-A", False): 3,
        ("PROV-B", False): None,
        (None, False): None,
        ("PROV-B", True): None,
    }
    small = published[("PROV-B", False)]
    assert small["suppressed"] is True and "children_counted" in small["suppressed_columns"].split()
    assert small["actionable_prevalence"] is None and small["mean_change_since_baseline"] is None
    admin = {(r["provider"], r["uasc"]): r for r in whole.json()["items"] if r["domain"] == BEHAVIOUR}
    assert {key: r["children_counted"] for key, r in admin.items()} == {
        ("PROV-A", False): 3,
        ("PROV-B", False): 2,
        (None, False): 1,
        ("PROV-B", True): 2,
    }
    assert not any(r["suppressed"] for r in whole.json()["items"])
