"""Idempotent writes, amendments with ETag/If-Match, and one council never seeing another's rows."""

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from shared.access import Kind
from shared.settings import Settings
from tests.conftest import Council, headers_for
from tests.integration.helpers import add_child, assessment, placement, ratings, run_worker, years_ago


async def test_resending_an_assessment_creates_nothing(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    body = assessment("C1", "A1", years_ago(1))
    first = await api.post("/v1/assessments", json=body, headers=council.headers)
    again = await api.post("/v1/assessments", json=body, headers=council.headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    changed = await api.post("/v1/assessments", json=body | {"context": "initial"}, headers=council.headers)
    assert changed.status_code == 409 and changed.json()["errors"][0]["field"] == "external_id"
    listed = await api.get("/v1/assessments", params={"child_id": "C1"}, headers=council.headers)
    assert len(listed.json()) == 1


async def test_idempotency_key_replays_and_refuses_a_different_body(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    headers = council.headers | {"Idempotency-Key": str(uuid.uuid4())}
    body = placement("C1", "P1", years_ago(1))
    first = await api.post("/v1/placements", json=body, headers=headers)
    replay = await api.post("/v1/placements", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    other = await api.post("/v1/placements", json=placement("C1", "P2", years_ago(3), years_ago(2)), headers=headers)
    assert other.status_code == 422 and other.json()["type"] == "/problems/idempotency-key-reused"
    listed = await api.get("/v1/placements", params={"child_id": "C1"}, headers=council.headers)
    assert [p["external_id"] for p in listed.json()] == ["P1"]


async def test_each_client_has_its_own_idempotency_keys(api: httpx.AsyncClient, app: FastAPI, council: Council) -> None:
    """Two case-management systems of one council may pick the same key: neither is handed the other's
    reply, nor refused because the other used it first."""
    await add_child(api, council.headers, "C1")
    second = await headers_for(app, council, Kind.CASE_MANAGEMENT)
    same, reused = {"Idempotency-Key": "same-request"}, {"Idempotency-Key": "another-request"}
    a1, a2, a3 = (assessment("C1", name, years_ago(age)) for name, age in (("A1", 1), ("A2", 0.5), ("A3", 0.25)))
    # The same key and body: the second system learns what its own request did (the assessment was
    # already there, 200), not the first system's "created".
    assert (await api.post("/v1/assessments", json=a1, headers=council.headers | same)).status_code == 201
    resent = await api.post("/v1/assessments", json=a1, headers=second | same)
    assert resent.status_code == 200, resent.text
    # The same key and another body: written, not refused.
    first = await api.post("/v1/assessments", json=a3, headers=council.headers | reused)
    own = await api.post("/v1/assessments", json=a2, headers=second | reused)
    assert (first.status_code, own.status_code) == (201, 201), own.text
    # Each system's retry replays its own first reply.
    retried = await api.post("/v1/assessments", json=a3, headers=council.headers | reused)
    own_retried = await api.post("/v1/assessments", json=a2, headers=second | reused)
    assert (retried.json(), own_retried.json()) == (first.json(), own.json())
    listed = await api.get("/v1/assessments", params={"child_id": "C1"}, headers=council.headers)
    assert sorted(a["external_id"] for a in listed.json()) == ["A1", "A2", "A3"]


async def test_amendment_needs_the_current_etag_and_keeps_every_version(
    api: httpx.AsyncClient, council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    created = await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
    url = f"/v1/assessments/{created.json()['id']}"
    read = await api.get(url, headers=council.headers)
    etag = read.headers["ETag"]
    amendment = {
        k: v
        for k, v in assessment("C1", "A1", years_ago(1), ratings=ratings(1)).items()
        if k not in ("external_id", "child_id")
    }

    missing = await api.put(url, json=amendment, headers=council.headers)
    assert missing.status_code == 428
    amended = await api.put(url, json=amendment, headers=council.headers | {"If-Match": etag})
    assert amended.status_code == 200 and amended.json()["version"] == 2
    assert amended.headers["ETag"] != etag
    stale = await api.put(url, json=amendment, headers=council.headers | {"If-Match": etag})
    assert stale.status_code == 412

    versions = (await api.get(f"{url}/versions", headers=council.headers)).json()
    assert [v["ratings"]["safety"]["need"] for v in versions] == [2, 1]
    bad = await api.put(
        url, json=amendment | {"ratings": ratings(9)}, headers=council.headers | {"If-Match": amended.headers["ETag"]}
    )
    assert bad.status_code == 422
    assert (await api.get(url, headers=council.headers)).json()["version"] == 2


async def test_a_council_never_sees_another_councils_rows(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, other_council: Council
) -> None:
    await add_child(api, council.headers, "C1")
    created = await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
    assessment_id = created.json()["id"]
    placed = await api.post("/v1/placements", json=placement("C1", "P1", years_ago(1)), headers=council.headers)

    foreign = other_council.headers
    assert (await api.get("/v1/children/C1", headers=foreign)).status_code == 404
    assert (await api.get("/v1/children/C1/needs-trends", headers=foreign)).status_code == 404
    assert (await api.get(f"/v1/assessments/{assessment_id}", headers=foreign)).status_code == 404
    assert (await api.get(f"/v1/placements/{placed.json()['id']}", headers=foreign)).status_code == 404
    amendment = {k: v for k, v in assessment("C1", "A1", years_ago(1)).items() if k not in ("external_id", "child_id")}
    amend = await api.put(f"/v1/assessments/{assessment_id}", json=amendment, headers=foreign | {"If-Match": '"1"'})
    assert amend.status_code == 404
    assert (await api.get(f"/v1/assessments/{assessment_id}", headers=council.headers)).json()["version"] == 1
    # The other council can't attach an assessment to a child of the first.
    attach = await api.post("/v1/assessments", json=assessment("C1", "A9", years_ago(1)), headers=foreign)
    assert attach.status_code == 422 and attach.json()["errors"][0]["field"] == "child_id"
    await run_worker(settings, app)
    assert len((await api.get("/v1/scores/needs-trends", headers=council.bi)).json()["items"]) == 12
    for table in ("needs-trends", "needs-summary"):
        scores = await api.get(f"/v1/scores/{table}", headers=other_council.bi)
        assert scores.status_code == 200 and scores.json()["items"] == [], table
    only_c1 = {"child_pseudonym": council.pseudonym("C1")}
    foreign_c1 = await api.get("/v1/scores/needs-trends", params=only_c1, headers=other_council.bi)
    assert foreign_c1.json()["items"] == []
    # The same child id in another council is another child.
    await add_child(api, foreign, "C1")
    assert (await api.get("/v1/assessments", params={"child_id": "C1"}, headers=foreign)).json() == []


async def test_every_route_but_health_needs_a_key(api: httpx.AsyncClient, council: Council) -> None:
    assert (await api.get("/healthz")).status_code == 200
    for path in ("/v1/children/C1", "/v1/scores/needs-trends", "/metrics", "/v1/assessments?child_id=C1"):
        anonymous = await api.get(path)
        assert anonymous.status_code == 401, path
        assert anonymous.headers["content-type"] == "application/problem+json"
        wrong = await api.get(path, headers={"Authorization": "Bearer nlc_abc_notakey"})
        assert wrong.status_code == 401, path


async def test_paging_with_a_cursor_reads_every_row_once(
    api: httpx.AsyncClient, council: Council, app: FastAPI, settings: Settings
) -> None:
    for n in range(3):
        await add_child(api, council.headers, f"C{n}")
        await api.post("/v1/assessments", json=assessment(f"C{n}", f"A{n}", years_ago(1)), headers=council.headers)
    await run_worker(settings, app)
    seen, cursor = [], None
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = (await api.get("/v1/scores/needs-trends", params=params, headers=council.bi)).json()
        seen += [(row["child_pseudonym"], row["domain"]) for row in page["items"]]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    assert len(seen) == len(set(seen)) == 36
    # The last page's cursor serves a later sync: nothing changed since, so nothing comes back.
    later = await api.get("/v1/scores/needs-trends", params={"cursor": cursor}, headers=council.bi)
    assert later.json()["items"] == [] and later.json()["next_cursor"] == cursor
    await api.post("/v1/assessments", json=assessment("C0", "A9", years_ago(0.5)), headers=council.headers)
    await run_worker(settings, app)
    changed = await api.get("/v1/scores/needs-trends", params={"cursor": cursor}, headers=council.bi)
    changed_children = {row["child_pseudonym"] for row in changed.json()["items"]}
    assert changed_children == {council.pseudonym("C0")} and len(changed.json()["items"]) == 12
    # The filters combine: rows computed at or after an instant, of one child, past a cursor.
    since = {"updated_since": changed.json()["items"][0]["computed_at"]}
    recent = await api.get("/v1/scores/needs-summary", params=since, headers=council.bi)
    assert [row["child_pseudonym"] for row in recent.json()["items"]] == [council.pseudonym("C0")]
    for child, expected in (("C0", 12), ("C1", 0)):
        params = since | {"child_pseudonym": council.pseudonym(child), "cursor": "0", "limit": 20}
        rows = (await api.get("/v1/scores/needs-trends", params=params, headers=council.bi)).json()["items"]
        assert len(rows) == expected, child
    summary = (await api.get("/v1/scores/needs-summary", params={"format": "csv"}, headers=council.bi)).text
    assert summary.splitlines()[0].startswith("child_pseudonym,instrument_code")
    assert len(summary.splitlines()) == 4


async def test_scores_refuse_a_cursor_they_never_gave(api: httpx.AsyncClient, council: Council) -> None:
    for cursor in ("abc", "99999999999999999999999", "١٢"):
        response = await api.get("/v1/scores/needs-trends", params={"cursor": cursor}, headers=council.bi)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "query.cursor"


async def test_bi_exports_carry_pseudonyms_never_the_councils_child_ids(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "=HYPERLINK(1)")
    body = assessment("=HYPERLINK(1)", "A1", years_ago(1))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    for table in ("needs-summary", "needs-trends"):
        text = (await api.get(f"/v1/scores/{table}", params={"format": "csv"}, headers=council.bi)).text
        assert "HYPERLINK" not in text
        assert all(row.startswith(council.pseudonym("=HYPERLINK(1)") + ",") for row in text.splitlines()[1:])


async def test_concurrent_batches_over_the_same_children_both_land(api: httpx.AsyncClient, council: Council) -> None:
    children = [f"K{n:02d}" for n in range(20)]
    for child in children:
        await add_child(api, council.headers, child)
    forward = [assessment(c, f"F-{c}", years_ago(1)) for c in children]
    backward = [assessment(c, f"B-{c}", years_ago(0.5)) for c in reversed(children)]
    responses = await asyncio.gather(
        *(
            api.post("/v1/assessments/batch", json={"items": items}, headers=council.headers)
            for items in (forward, backward)
        )
    )
    assert [r.status_code for r in responses] == [200, 200]
    assert all(r.json()["created"] == 20 for r in responses)


async def test_parallel_puts_of_a_new_child_create_it_once(api: httpx.AsyncClient, council: Council) -> None:
    body = {"date_of_birth": years_ago(10).isoformat(), "sex": "M", "ethnicity": "WBRI"}
    responses = await asyncio.gather(
        *(api.put("/v1/children/NEW", json=body, headers=council.headers) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 200, 200, 201]
    provider = {"name": "Synthetic Fostering Agency"}
    placed = await asyncio.gather(
        *(api.put("/v1/providers/PR", json=provider, headers=council.admin) for _ in range(3))
    )
    assert sorted(r.status_code for r in placed) == [200, 200, 201]


async def test_a_feed_resending_an_episode_with_its_ending_ends_it(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    opened = placement("C1", "P1", years_ago(2), postcode="AB1 2CD", weekly_cost="750")
    assert (await api.post("/v1/placements", json=opened, headers=council.headers)).status_code == 201
    same_written_otherwise = opened | {"postcode": "ab12cd", "weekly_cost": "750.00"}
    assert (await api.post("/v1/placements", json=same_written_otherwise, headers=council.headers)).status_code == 200

    ended = opened | {"end_date": years_ago(1).isoformat(), "reason_ended": "X1", "reason_place_change": "CARPL"}
    response = await api.post("/v1/placements", json=ended, headers=council.headers)
    assert response.status_code == 200 and response.json()["end_date"] == ended["end_date"]
    assert (await api.post("/v1/placements", json=ended, headers=council.headers)).status_code == 200
    in_a_batch = await api.post("/v1/placements/batch", json={"items": [ended]}, headers=council.headers)
    assert in_a_batch.json()["existing"] == 1

    reopened = await api.post("/v1/placements", json=opened, headers=council.headers)
    assert reopened.status_code == 409
    moved = await api.post("/v1/placements", json=ended | {"place": "U5"}, headers=council.headers)
    assert moved.status_code == 409


async def test_a_batch_reports_endings_it_applied(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    opened = placement("C1", "P1", years_ago(2))
    await api.post("/v1/placements", json=opened, headers=council.headers)
    ended = opened | {"end_date": years_ago(1).isoformat(), "reason_ended": "E8"}
    following = placement("C1", "P2", years_ago(1))
    response = await api.post("/v1/placements/batch", json={"items": [ended, following]}, headers=council.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["updated"], response.json()["created"]) == (1, 1)
    stored = (await api.get("/v1/placements", params={"child_id": "C1"}, headers=council.headers)).json()
    assert [(p["external_id"], p["end_date"]) for p in stored] == [("P1", ended["end_date"]), ("P2", None)]


async def test_an_assessment_read_with_get_can_be_sent_back_with_put(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "C1")
    await add_child(api, council.headers, "C2")
    created = await api.post("/v1/assessments", json=assessment("C1", "A1", years_ago(1)), headers=council.headers)
    url = f"/v1/assessments/{created.json()['id']}"
    read = await api.get(url, headers=council.headers)
    if_match = council.headers | {"If-Match": read.headers["ETag"]}
    changed = read.json() | {"context": "review"}

    for field, value in [
        ("id", str(uuid.uuid4())),
        ("external_id", "A2"),
        ("child_id", "C2"),
        ("version", 2),
        ("recorded_at", "2020-01-01T00:00:00Z"),
    ]:
        refused = await api.put(url, json=changed | {field: value}, headers=if_match)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == [
            {
                "field": field,
                "message": f"is not this assessment's {field}: a PUT cannot change it "
                "(send it as GET returned it, or leave it out)",
            }
        ]
    assert (await api.get(url, headers=council.headers)).json() == read.json(), "a refused PUT changed it"

    amended = await api.put(url, json=changed, headers=if_match)
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2 and amended.json()["context"] == "review"
    assert {k: amended.json()[k] for k in ("id", "external_id", "child_id")} == {
        "id": created.json()["id"],
        "external_id": "A1",
        "child_id": "C1",
    }
