"""Bad input is refused as problem+json naming the field, and nothing is written."""

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from shared.ssda903 import collection_year_of, year_label
from tests.conftest import Council
from tests.integration.helpers import add_child, assessment, placement, ratings, years_ago


async def count_assessments(api: httpx.AsyncClient, council: Council, child_id: str) -> int:
    response = await api.get("/v1/assessments", params={"child_id": child_id}, headers=council.headers)
    return len(response.json())


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.headers["content-type"] == "application/problem+json"
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


def fields_of(response: httpx.Response) -> set[str]:
    return {error["field"] for error in errors_of(response)}


BAD_ASSESSMENTS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "unknown domain",
        {"ratings": ratings() | {"astrology": {"need": 1}}},
        "ratings.astrology",
        "'astrology' is not a domain of needs-v1 v1",
    ),
    ("level above scale", {"ratings": ratings(safety=5)}, "ratings.safety.need", "5 is outside the scale 0-4"),
    ("negative level", {"ratings": ratings(family=-1)}, "ratings.family.need", "-1 is outside the scale 0-4"),
    (
        "missing domain",
        {"ratings": {k: v for k, v in ratings().items() if k != "identity"}},
        "ratings.identity",
        "missing: rate it, or mark it not_assessed with a reason",
    ),
    (
        "false is not a rating",
        {"ratings": ratings() | {"learning": {"need": False}}},
        "ratings.learning.need",
        "must be a whole number",
    ),
    (
        "strength out of scale",
        {"ratings": ratings() | {"learning": {"need": 1, "strength": 9}}},
        "ratings.learning.strength",
        "9 is outside the strengths scale 0-3",
    ),
    (
        "a string is not a rating",
        {"ratings": ratings() | {"learning": {"need": "2"}}},
        "ratings.learning.need",
        "must be a whole number",
    ),
    (
        "need and a reason not assessed",
        {"ratings": ratings() | {"learning": {"need": 1, "not_assessed": "absent"}}},
        "ratings.learning",
        "give either need or not_assessed (with a reason), not both or neither",
    ),
    (
        "a number is not a date",
        {"assessed_on": 1700000000},
        "assessed_on",
        "must be a date as an ISO 8601 string, e.g. 2025-04-01",
    ),
    (
        "a day that does not exist",
        {"assessed_on": "2025-02-30"},
        "assessed_on",
        "must be a date, e.g. 2025-04-01 (day value is outside expected range)",
    ),
    (
        "NUL in free text",
        {"narrative": {"profile": "likes \u0000 football"}},
        "narrative.profile",
        "must not contain the NUL character (U+0000)",
    ),
    (
        "NUL in a reason",
        {"ratings": ratings() | {"safety": {"not_assessed": "\u0000"}}},
        "ratings.safety.not_assessed",
        "must not contain the NUL character (U+0000)",
    ),
    (
        "NUL in an id",
        {"external_id": "A\u00001"},
        "external_id",
        "must not contain control or format characters (Unicode categories Cc and Cf)",
    ),
    (
        "instrument version out of range",
        {"instrument_version": 2**40},
        "instrument_version",
        "must be less than or equal to 2147483647",
    ),
    ("empty external id", {"external_id": ""}, "external_id", "must not be empty"),
    (
        "future date",
        {"assessed_on": (date.today() + timedelta(days=1)).isoformat()},
        "assessed_on",
        f"{(date.today() + timedelta(days=1)).isoformat()} is in the future",
    ),
    ("before birth", {"assessed_on": years_ago(13).isoformat()}, "assessed_on", "is before the child's date of birth"),
    (
        "unknown context",
        {"context": "whim"},
        "context",
        "must be one of 'initial', 'review', 'placement_request', 'placement_change', 'step_down_review', "
        "'edge_of_care' or 'ad_hoc'",
    ),
    ("unknown field", {"colour": "blue"}, "colour", "is not a known field"),
    (
        "no context",
        {"context": None},
        "context",
        "must be one of 'initial', 'review', 'placement_request', "
        "'placement_change', 'step_down_review', 'edge_of_care' or 'ad_hoc'",
    ),
    (
        "unknown child",
        {"child_id": "NOBODY"},
        "child_id",
        "no child with this id in your council: PUT /v1/children/{child_id} first",
    ),
]


@pytest.mark.parametrize(("case", "change", "field", "message"), BAD_ASSESSMENTS, ids=[c[0] for c in BAD_ASSESSMENTS])
async def test_bad_assessment_is_refused(
    api: httpx.AsyncClient, council: Council, case: str, change: dict[str, Any], field: str, message: str
) -> None:
    await add_child(api, council.headers, "C1", born=years_ago(12))
    response = await api.post(
        "/v1/assessments", json=assessment("C1", "A1", years_ago(1)) | change, headers=council.headers
    )
    assert response.status_code == 422, case
    assert {"field": field, "message": message} in errors_of(response)
    assert await count_assessments(api, council, "C1") == 0


# Started in 2024-25, a collection year that is over, so its codes are fixed.
IN_2024 = {"start_date": date(2024, 6, 1).isoformat()}
BAD_PLACEMENTS: list[tuple[str, dict[str, Any], str, str]] = [
    (
        "ends before it starts",
        {"start_date": years_ago(1).isoformat(), "end_date": years_ago(2).isoformat()},
        "end_date",
        f"ends before it starts: end_date must be after start_date {years_ago(1).isoformat()}",
    ),
    (
        "unknown PLACE",
        IN_2024 | {"place": "Q9"},
        "place",
        "'Q9' is not a placement type code (SSDA903 PLACE list) in collection year 2024-25; it accepts A3, A4, A5, "
        "A6, K1, K2, K3, P1, P3, R1, R2, R3, R5, S1, T0, T1, T2, T3, T4, U1, U2, U3, U4, U5, U6, Z1",
    ),
    (
        "code of another year",
        {"place": "K3", "start_date": date(2023, 6, 1).isoformat()},
        "place",
        "'K3' is not a placement type code (SSDA903 PLACE list) in collection year 2023-24 (accepted from 2024-25)",
    ),
    (
        "unknown legal status",
        IN_2024 | {"legal_status": "ZZ"},
        "legal_status",
        "'ZZ' is not a legal status code (SSDA903 LS list) in collection year 2024-25; it accepts C1, C2, D1, E1, "
        "J1, J2, J3, L1, L2, L3, V2, V3, V4",
    ),
    (
        "change reason on an open episode",
        {"reason_place_change": "CARPL"},
        "reason_place_change",
        "a reason for a placement change belongs to an episode that ended",
    ),
    (
        "end without reason",
        {"end_date": years_ago(0.5).isoformat(), "reason_ended": None},
        "reason_ended",
        "give reason_ended exactly when end_date is given",
    ),
    (
        "funding not summing to one",
        {"funding": {"social_care": "0.5", "health": "0.2", "education": "0"}},
        "funding",
        "social_care + health + education must be exactly 1",
    ),
    ("negative cost", {"weekly_cost": "-1"}, "weekly_cost", "must be greater than or equal to 0"),
    (
        "unknown provider",
        {"provider_id": "NOPE"},
        "provider_id",
        "no provider with this id in your council: PUT /v1/providers/{provider_id} first",
    ),
    ("not a postcode", {"postcode": "12345"}, "postcode", "is not a UK postcode or postcode sector"),
]


@pytest.mark.parametrize(("case", "change", "field", "message"), BAD_PLACEMENTS, ids=[c[0] for c in BAD_PLACEMENTS])
async def test_bad_placement_is_refused(
    api: httpx.AsyncClient, council: Council, case: str, change: dict[str, Any], field: str, message: str
) -> None:
    await add_child(api, council.headers, "C1", born=years_ago(12))
    response = await api.post(
        "/v1/placements", json=placement("C1", "P1", years_ago(1)) | change, headers=council.headers
    )
    assert response.status_code == 422, case
    assert {"field": field, "message": message} in errors_of(response)
    listed = await api.get("/v1/placements", params={"child_id": "C1"}, headers=council.headers)
    assert listed.json() == []


async def test_overlapping_placement_names_the_other(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    first = placement("C1", "P1", years_ago(2), years_ago(1))
    assert (await api.post("/v1/placements", json=first, headers=council.headers)).status_code == 201
    next_day = placement("C1", "P2", years_ago(1))
    overlapping = placement("C1", "P3", years_ago(1.5))
    response = await api.post("/v1/placements", json=overlapping, headers=council.headers)
    assert response.status_code == 422
    assert "'P1'" in response.json()["errors"][0]["message"]
    # An episode may start the day the previous one ended.
    assert (await api.post("/v1/placements", json=next_day, headers=council.headers)).status_code == 201


async def test_ending_a_placement(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    created = await api.post("/v1/placements", json=placement("C1", "P1", years_ago(1)), headers=council.headers)
    url = f"/v1/placements/{created.json()['id']}/end"
    early = await api.post(
        url, json={"end_date": years_ago(2).isoformat(), "reason_ended": "E8"}, headers=council.headers
    )
    assert early.status_code == 422 and "end_date" in fields_of(early)
    ending = {"end_date": years_ago(0.5).isoformat(), "reason_ended": "E8"}
    ended = await api.post(url, json=ending, headers=council.headers)
    assert ended.status_code == 200 and ended.json()["end_date"] == ending["end_date"]
    assert (await api.post(url, json=ending, headers=council.headers)).status_code == 200
    other = {"end_date": years_ago(0.25).isoformat(), "reason_ended": "E8"}
    assert (await api.post(url, json=other, headers=council.headers)).status_code == 409


async def test_batch_lists_every_bad_item_and_writes_nothing(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    items = [
        assessment("C1", "B0", years_ago(2)),
        assessment("C1", "B1", years_ago(1.5), ratings=ratings(safety=7)),
        assessment("C1", "B2", years_ago(1)),
        assessment("C1", "B3", years_ago(0.5), context="whim"),
        assessment("NOBODY", "B4", years_ago(0.5)),
    ]
    response = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "ratings.safety.need"), (3, "context"), (4, "child_id")}
    assert await count_assessments(api, council, "C1") == 0

    good = [item for index, item in enumerate(items) if index in (0, 2)]
    applied = await api.post("/v1/assessments/batch", json={"items": good}, headers=council.headers)
    assert applied.status_code == 200 and applied.json()["created"] == 2
    again = await api.post("/v1/assessments/batch", json={"items": good}, headers=council.headers)
    assert again.json()["created"] == 0 and again.json()["existing"] == 2
    assert await count_assessments(api, council, "C1") == 2


async def test_placement_batch_checks_overlaps_within_the_batch(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    items = [placement("C1", "P1", years_ago(2), years_ago(1)), placement("C1", "P2", years_ago(1.5))]
    response = await api.post("/v1/placements/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["index"] == 1 and "'P1'" in response.json()["errors"][0]["message"]
    assert (await api.get("/v1/placements", params={"child_id": "C1"}, headers=council.headers)).json() == []


async def test_batch_over_the_limit_is_refused(api: httpx.AsyncClient, council: Council) -> None:
    items = [assessment("C1", f"X{n}", years_ago(1)) for n in range(1001)]
    response = await api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
    assert response.status_code == 422 and "items" in fields_of(response)


async def test_bad_child_is_refused(api: httpx.AsyncClient, council: Council) -> None:
    born = {"date_of_birth": years_ago(12).isoformat(), "sex": "F", "ethnicity": "WBRI"}
    future = await api.put("/v1/children/C1", json=born | {"date_of_birth": "2999-01-01"}, headers=council.headers)
    assert future.status_code == 422 and fields_of(future) == {"date_of_birth"}
    unknown = await api.put("/v1/children/C1", json=born | {"ethnicity": "WBRX"}, headers=council.headers)
    assert unknown.status_code == 422
    assert errors_of(unknown) == [
        {
            "field": "ethnicity",
            "message": "'WBRX' is not an ethnicity code (SSDA903 ETHNIC list) in collection year "
            f"{year_label(collection_year_of(date.today()))}; it accepts ABAN, AIND, AOTH, APKN, BAFR, BCRB, BOTH, "
            "CHNE, MOTH, MWAS, MWBA, MWBC, NOBT, OOTH, REFU, WBRI, WIRI, WIRT, WOTH, WROM",
        }
    ]
    named = await api.put("/v1/children/C1", json=born | {"name": "Alice"}, headers=council.headers)
    assert named.status_code == 422 and fields_of(named) == {"name"}
    assert (await api.get("/v1/children/C1", headers=council.headers)).status_code == 404

    assert (await api.put("/v1/children/C1", json=born, headers=council.headers)).status_code == 201
    await api.post("/v1/placements", json=placement("C1", "P1", years_ago(2)), headers=council.headers)
    later = await api.put(
        "/v1/children/C1", json=born | {"date_of_birth": years_ago(1).isoformat()}, headers=council.headers
    )
    assert later.status_code == 422 and fields_of(later) == {"date_of_birth"}
    assert (await api.get("/v1/children/C1", headers=council.headers)).json()["date_of_birth"] == born["date_of_birth"]


async def test_a_batch_repeating_an_external_id(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    await add_child(api, council.headers, "C2")
    body = assessment("C1", "X1", years_ago(1))
    other_child = body | {"child_id": "C2"}
    refused = await api.post("/v1/assessments/batch", json={"items": [body, other_child]}, headers=council.headers)
    assert refused.status_code == 422
    assert [(e["index"], e["field"]) for e in refused.json()["errors"]] == [(1, "external_id")]
    assert await count_assessments(api, council, "C2") == 0

    twice = await api.post("/v1/assessments/batch", json={"items": [body, body]}, headers=council.headers)
    assert twice.status_code == 200
    items = twice.json()["items"]
    assert [i["outcome"] for i in items] == ["created", "existing"] and items[0]["id"] == items[1]["id"]
    episode = placement("C1", "P1", years_ago(1))
    placed = await api.post("/v1/placements/batch", json={"items": [episode, episode]}, headers=council.headers)
    assert placed.status_code == 200 and placed.json()["created"] == 1 and placed.json()["existing"] == 1


async def test_values_postgres_cannot_hold_are_refused_by_name(api: httpx.AsyncClient, council: Council) -> None:
    nul_path = await api.put(
        "/v1/children/C%00",
        json={"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI"},
        headers=council.headers,
    )
    assert nul_path.status_code == 422 and fields_of(nul_path) == {"path.child_id"}
    nul_query = await api.get("/v1/scores/needs-trends", params={"child_pseudonym": "C\x00"}, headers=council.bi)
    assert nul_query.status_code == 422 and fields_of(nul_query) == {"query.child_pseudonym"}
    far = await api.get(
        "/v1/scores/needs-trends", params={"updated_since": "9999-12-31T23:59:59-23:00"}, headers=council.bi
    )
    assert far.status_code == 422 and fields_of(far) == {"query.updated_since"}
    provider = await api.put("/v1/providers/P1", json={"name": "Agency\u0000"}, headers=council.admin)
    assert provider.status_code == 422 and fields_of(provider) == {"name"}


async def test_racing_creates_of_one_external_id_for_two_children(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    await add_child(api, council.headers, "C2")
    bodies = [assessment(child, "RACE", years_ago(1)) for child in ("C1", "C2")]
    responses = await asyncio.gather(*(api.post("/v1/assessments", json=b, headers=council.headers) for b in bodies))
    assert sorted(r.status_code for r in responses) == [201, 409]
    assert all(r.headers["content-type"] == "application/problem+json" for r in responses if r.status_code == 409)


async def test_a_mistyped_query_or_a_body_that_is_not_json_is_named_in_plain_words(
    api: httpx.AsyncClient, council: Council
) -> None:
    paged = await api.get("/v1/scores/needs-summary", params={"limit": "ten"}, headers=council.bi)
    assert paged.status_code == 422
    assert errors_of(paged) == [{"field": "query.limit", "message": "must be a whole number"}]
    broken = await api.post(
        "/v1/assessments", content=b'{"child_id": "C1",', headers=council.headers | {"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert errors_of(broken) == [
        {
            "field": "body",
            "message": "is not valid JSON (Expecting property name enclosed in double quotes) at character 18",
        }
    ]
