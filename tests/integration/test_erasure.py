"""Erasure on request (domain.md §9): afterwards no endpoint, export, figure or table holds anything of
the child but its pseudonym in the audit log and the erasures feed, and the amounts of its payment
statement lines under a marker; cohort figures no longer count it."""

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text

from services.api.children.trends import TrendsOut
from shared.access import Kind
from shared.db import transaction
from shared.domain.locks import figures_lock
from shared.models import ChildPlacementFigures
from shared.settings import Settings
from tests.conftest import Council, headers_for, state_of
from tests.integration.helpers import (
    DOMAINS,
    add_child,
    assessment,
    placement,
    publish_every_count,
    ratings,
    run_worker,
    years_ago,
)

ERASED = "ERASE-ME-7734"
KEPT = "KEEP-ME-1180"


async def cohort(api: httpx.AsyncClient, council: Council) -> dict[str, dict[str, Any]]:
    response = await api.get("/v1/scores/cohort", headers=council.bi)
    assert response.status_code == 200, response.text
    return {row["domain"]: row for row in response.json()["items"]}


async def tables_mentioning(app: FastAPI, needle: str) -> dict[str, int]:
    """Every table in the database, searched row by row as text."""
    found = {}
    async with transaction(state_of(app).sessions) as db:
        tables = await db.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        for table in list(tables):
            count = await db.scalar(
                text(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE :needle'), {"needle": f"%{needle}%"}
            )
            if count:
                found[table] = count
    return found


async def kept_placement_rows(app: FastAPI, council: Council) -> int:
    async with transaction(state_of(app).sessions) as db:
        count = await db.scalar(
            select(func.count()).select_from(ChildPlacementFigures).where(ChildPlacementFigures.la_id == council.la_id)
        )
        return int(count or 0)


async def test_an_erased_child_is_gone_from_every_endpoint_export_and_table(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await publish_every_count(api, council)
    await api.put("/v1/providers/P1", json={"name": "Agency"}, headers=council.admin)
    provider = await headers_for(app, council, Kind.PROVIDER, "P1")
    for child in (ERASED, KEPT):
        await add_child(api, council.headers, child)
        await api.post(
            "/v1/placements",
            json=placement(child, f"PL-{child}", years_ago(1), provider_id="P1"),
            headers=council.headers,
        )
        await api.post("/v1/assessments", json=assessment(child, f"A1-{child}", years_ago(1)), headers=council.headers)
    sdq = {"external_id": f"OM-{ERASED}", "child_id": ERASED, "code": "sdq_total", "value": 17}
    measured = await api.post(
        "/v1/outcome-measures", json=sdq | {"period_start": str(years_ago(1))}, headers=council.headers
    )
    assert measured.status_code == 201, measured.text
    later = assessment(ERASED, f"A2-{ERASED}", years_ago(0.2), ratings=ratings(4))
    replayed = {"Idempotency-Key": "erasure-replay-key"}
    created = await api.post("/v1/assessments", json=later, headers=council.headers | replayed)
    assert created.status_code == 201
    assessment_id = created.json()["id"]
    placement_id = (await api.get("/v1/placements", params={"child_id": ERASED}, headers=council.headers)).json()[0][
        "id"
    ]
    await run_worker(settings, app)
    pseudonym = council.pseudonym(ERASED)
    kept = (await api.get("/v1/scores/placement-children", headers=council.bi)).json()["items"]
    assert {row["child_pseudonym"] for row in kept} == {pseudonym, council.pseudonym(KEPT)}
    assert await kept_placement_rows(app, council) == 2
    before = await cohort(api, council)
    assert all(row["children_counted"] == 2 for row in before.values())
    assert pseudonym in (await api.get("/v1/provider/children", headers=provider)).text
    seen = await api.get(f"/v1/provider/children/{pseudonym}/needs-trends", headers=provider)
    # Sent as read, not through the model: byte for byte what the documented model sends.
    assert TrendsOut.model_validate_json(seen.content).model_dump_json().encode() == seen.content
    assert seen.json()["child_pseudonym"] == pseudonym and seen.json()["domains"]

    erased = await api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin)
    assert erased.status_code == 200, erased.text
    assert erased.json() | {"erased_at": None} == {
        "child_pseudonym": pseudonym,
        "erased_at": None,
        "assessments_erased": 2,
        "placements_erased": 1,
    }
    await run_worker(settings, app)  # a recompute already queued for the child finds nothing to bring back

    # The case-management system: every read of the child or its records is a 404.
    for path in (
        f"/v1/children/{ERASED}",
        f"/v1/children/{ERASED}/needs-trends",
        f"/v1/assessments?child_id={ERASED}",
        f"/v1/assessments/{assessment_id}",
        f"/v1/assessments/{assessment_id}/versions",
        f"/v1/placements?child_id={ERASED}",
        f"/v1/placements/{placement_id}",
        f"/v1/outcome-measures?child_id={ERASED}",
        f"/v1/outcome-measures/{measured.json()['id']}",
    ):
        assert (await api.get(path, headers=council.headers)).status_code == 404, path
    # The replayed Idempotency-Key no longer hands back the erased record.
    again = await api.post("/v1/assessments", json=later, headers=council.headers | replayed)
    assert again.status_code == 422 and "ratings" not in again.text
    # BI: no row in any table or export, JSON or CSV; the erasures feed names the pseudonym to drop.
    for table in ("needs-trends", "needs-summary", "placement-children"):
        for fmt in ("json", "csv"):
            page = await api.get(f"/v1/scores/{table}", params={"format": fmt}, headers=council.bi)
            assert pseudonym not in page.text and council.pseudonym(KEPT) in page.text, (table, fmt)
    assert await kept_placement_rows(app, council) == 1
    feed = (await api.get("/v1/scores/erasures", headers=council.bi)).json()["items"]
    assert [row["child_pseudonym"] for row in feed] == [pseudonym]
    # The provider: gone from its list, and its figures a 404.
    assert pseudonym not in (await api.get("/v1/provider/children", headers=provider)).text
    trends = await api.get(f"/v1/provider/children/{pseudonym}/needs-trends", headers=provider)
    assert trends.status_code == 404
    # Cohort figures count one child fewer, and its level-4 needs no longer weigh on them.
    after = await cohort(api, council)
    assert all(row["children_counted"] == 1 for row in after.values())
    assert all(after[d]["actionable_count"] == 1 for d in after) and all(
        before[d]["actionable_count"] == 2 for d in before
    )
    # The database holds nothing under the child's id; its pseudonym stays only in the log and the feed.
    assert await tables_mentioning(app, ERASED) == {}
    assert set(await tables_mentioning(app, pseudonym)) == {"audit_events", "erasures"}
    # The erasure is audited, and the child's earlier history is still found by its id.
    history = (await api.get("/v1/admin/audit", params={"child_id": ERASED}, headers=council.admin)).json()["items"]
    erasure = [row["action"] for row in history].index("create_erasure")
    assert history[erasure]["result"] == "erased" and "put_child" in [row["action"] for row in history[:erasure]]
    # What was asked of the child after its erasure was refused, and each refusal is recorded against it.
    assert {row["result"] for row in history[erasure + 1 :]} == {"not-found"}
    # Erased once: a second request finds no such child.
    assert (await api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin)).status_code == 404


async def test_an_erasure_waits_for_a_figures_write_in_flight_and_takes_its_rows_with_the_child(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """A full recompute checks each child exists under the figures lock, then writes; an erasure
    committing between the two would leave figures of an erased child behind, with no key to stop it."""
    await publish_every_count(api, council)
    await add_child(api, council.headers, ERASED)
    await api.post("/v1/assessments", json=assessment(ERASED, "A1", years_ago(1)), headers=council.headers)
    await run_worker(settings, app)
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        pk = await db.scalar(text("SELECT id FROM children WHERE child_id = :c"), {"c": ERASED})
    figures = "SELECT count(*) FROM {} WHERE child_pk = :pk"
    async with transaction(sessions) as writer:
        # What a recompute does: the lock, the child seen to exist, its figures written afresh.
        await figures_lock(writer)
        assert await writer.scalar(text("SELECT count(*) FROM children WHERE id = :pk"), {"pk": pk}) == 1
        for table in ("child_needs_trends", "domain_needs_trends"):
            await writer.execute(
                text(f"CREATE TEMP TABLE fresh_{table} AS SELECT * FROM {table} WHERE child_pk = :pk"), {"pk": pk}
            )
            await writer.execute(text(f"DELETE FROM {table} WHERE child_pk = :pk"), {"pk": pk})
            await writer.execute(text(f"INSERT INTO {table} SELECT * FROM fresh_{table}"))
        erasing = asyncio.create_task(api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin))
        while not await writer.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        ):
            assert not erasing.done(), (await erasing).text
            await asyncio.sleep(0.05)
    assert (await erasing).status_code == 200
    async with transaction(sessions) as db:
        for table in ("child_needs_trends", "domain_needs_trends"):
            assert await db.scalar(text(figures.format(table)), {"pk": pk}) == 0, table


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


async def statement_texts(api: httpx.AsyncClient, code: str, headers: dict[str, str]) -> list[str]:
    """Every version of every period's statement, as JSON and CSV, and each period's versions listing."""
    texts = []
    for period in (await api.get(f"/v1/contracts/{code}/statements", headers=headers)).json():
        url = f"/v1/contracts/{code}/statements/{period['period_start']}"
        versions = await api.get(f"{url}/versions", headers=headers)
        texts.append(versions.text)
        for version in versions.json():
            for fmt in ("json", "csv"):
                read = await api.get(url, params={"version": version["version"], "format": fmt}, headers=headers)
                assert read.status_code == 200, read.text
                texts.append(read.text)
    return texts


async def test_an_erased_child_s_statement_lines_keep_their_amounts_under_a_marker_in_every_version(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Two children reduce twelve level-3 needs (£400 each at the first instalment, £600 at the second)
    under a £6,000 cap per period, the child to be erased first each time. The period of the first
    instalments is closed (paid); the second instalments' period is open."""
    reduced_in = quarter_start(date.today() - timedelta(days=300))
    stay = reduced_in - timedelta(days=90)
    reduced = {ERASED: reduced_in + timedelta(days=10), KEPT: reduced_in + timedelta(days=11)}
    sustained = {child: day + timedelta(days=200) for child, day in reduced.items()}
    await api.put("/v1/providers/IFA-E", json={"name": "Agency"}, headers=council.admin)
    terms = {
        "code": "PBNR-E",
        "provider_id": "IFA-E",
        "start_date": (stay - timedelta(days=30)).isoformat(),
        "end_date": (date.today() + timedelta(days=365)).isoformat(),
        "period": "quarter",
        "cap_per_period": "6000.00",
    }
    assert (await api.post("/v1/admin/contracts", json=terms, headers=council.admin)).status_code == 201
    provider = await headers_for(app, council, Kind.PROVIDER, "IFA-E")
    ids: dict[str, list[str]] = {ERASED: [], KEPT: []}
    for child in (ERASED, KEPT):
        await add_child(api, council.headers, child)
        ended = sustained[child] + timedelta(days=10) if child == ERASED else None
        placed = await api.post(
            "/v1/placements",
            json=placement(child, f"PL-{child}", stay, ended, provider_id="IFA-E"),
            headers=council.headers,
        )
        ids[child].append(placed.json()["id"])
        reviews = [
            ("BASE", stay, ratings(3)),
            ("REDUCED", reduced[child], ratings(1)),
            ("SUSTAINED", sustained[child], ratings(1)),
        ]
        if child == ERASED:  # safety rated higher than at the baseline: a guard entry
            reviews.append(("RISE", stay + timedelta(days=40), ratings(3, safety=4)))
        for name, day, levels in reviews:
            body = assessment(child, f"{name}-{child}", day, ratings=levels)
            created = await api.post("/v1/assessments", json=body, headers=council.headers)
            assert created.status_code == 201, created.text
            ids[child].append(created.json()["id"])
    await run_worker(settings, app)
    url = "/v1/contracts/PBNR-E/statements/{}"
    for period in (await api.get("/v1/contracts/PBNR-E/statements", headers=council.bi)).json():
        if period["period_start"] <= reduced_in.isoformat():
            closing = await api.post(
                f"/v1/admin/contracts/PBNR-E/statements/{period['period_start']}/close", headers=council.admin
            )
            assert closing.status_code == 200, closing.text
    paid = (await api.get(url.format(reduced_in), headers=council.bi)).json()
    assert (paid["earned"], paid["paid"], paid["withheld"]) == ("9600.00", "6000.00", "3600.00")
    pseudonym = council.pseudonym(ERASED)
    assert any(pseudonym in text for text in await statement_texts(api, "PBNR-E", provider))

    assert (await api.post("/v1/admin/erasures", json={"child_id": ERASED}, headers=council.admin)).status_code == 200
    await run_worker(settings, app)

    # Nothing names the child, its stay or its assessments in any version, JSON or CSV, for BI or the provider.
    for headers in (council.bi, provider):
        for text_ in await statement_texts(api, "PBNR-E", headers):
            assert pseudonym not in text_ and not any(i in text_ for i in ids[ERASED]), text_
    # The paid period stands as paid: its totals, and the child's lines with their amounts, under the marker.
    after = (await api.get(url.format(reduced_in), headers=provider)).json()
    figures = ("version", "closed_at", "earned", "paid", "withheld")
    assert [after[name] for name in figures] == [paid[name] for name in figures]
    erased_lines = [line for line in after["lines"] if line["child_pseudonym"] == "erased"]
    assert [
        (
            line["stay"],
            line["baseline_assessment"],
            line["confirming_assessment"],
            line["domain"],
            line["instalment"],
            line["paid"],
        )
        for line in erased_lines
    ] == [("erased", "erased", "erased", domain, 1, "400.00") for domain in sorted(DOMAINS)]
    kept = [line for line in after["lines"] if line["child_pseudonym"] == council.pseudonym(KEPT)]
    assert sum(Decimal(line["paid"]) for line in kept) == Decimal("1200.00")
    risen_in = (await api.get(url.format(quarter_start(stay + timedelta(days=40))), headers=council.bi)).json()
    assert risen_in["guard"]["domains_risen"] == [
        {
            "child_pseudonym": "erased",
            "stay": "erased",
            "domain": "safety",
            "assessment": "erased",
            "assessed_on": "erased",
            "previous_level": "erased",
            "level": "erased",
        }
    ]
    # No open period claws back what was paid for the child, nor pays the other child what the cap withheld.
    latest = (await api.get("/v1/contracts/PBNR-E/statements", headers=council.bi)).json()
    for period in latest:
        lines = (await api.get(url.format(period["period_start"]), headers=council.bi)).json()["lines"]
        assert [line for line in lines if line["kind"] == "adjustment"] == [], period["period_start"]
    # The open period is recomputed without the child: the other child's second instalments fill the cap.
    second = url.format(quarter_start(sustained[KEPT]))
    versions = (await api.get(f"{second}/versions", headers=council.bi)).json()
    assert [(v["paid"], v["withheld"]) for v in versions] == [("6000.00", "8400.00"), ("6000.00", "1200.00")]
    earlier = (await api.get(second, params={"version": 1}, headers=council.bi)).json()
    assert {line["child_pseudonym"] for line in earlier["lines"]} == {"erased", council.pseudonym(KEPT)}
    assert earlier["guard"]["stays_ended"] == [
        {"child_pseudonym": "erased", "stay": "erased", "ended_on": "erased", "reason_ended": "X1"}
    ]
    # Reading the marker's lines is no read of a child called "erased".
    marker = await api.get("/v1/admin/audit", params={"child_pseudonym": "erased"}, headers=council.admin)
    assert marker.status_code == 200 and marker.json()["items"] == []
    # The database holds the pseudonym only in the audit log and the erasures feed, the other ids nowhere.
    assert set(await tables_mentioning(app, pseudonym)) == {"audit_events", "erasures"}
    for erased_id in ids[ERASED]:
        assert await tables_mentioning(app, erased_id) == {}


async def test_an_erasure_changes_nothing_the_other_children_were_paid_under_a_closed_period_s_outcome_share_cap(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """Three children stay a whole quarter at £750 a week under a 20% outcome share cap, about £5,800 for
    the three. The two to be erased reduce four level-3 needs each there first (£1,600 each), the other
    twelve (£4,800), more than the limit leaves it. The quarter is closed (paid); then the two are erased,
    one after the other, so the second's base fees are kept beside the first's."""
    reduced_in = quarter_start(date.today() - timedelta(days=300))
    stay = reduced_in - timedelta(days=90)
    await api.put("/v1/providers/IFA-S", json={"name": "Agency"}, headers=council.admin)
    terms = {
        "code": "PBNR-S",
        "provider_id": "IFA-S",
        "start_date": (stay - timedelta(days=30)).isoformat(),
        "end_date": (date.today() + timedelta(days=365)).isoformat(),
        "period": "quarter",
        "cap_outcome_share": "0.2",
    }
    assert (await api.post("/v1/admin/contracts", json=terms, headers=council.admin)).status_code == 201
    erased = (ERASED, "ERASE-ME-TOO-2291")
    for child, reduced, day in ((erased[0], DOMAINS[:4], 10), (erased[1], DOMAINS[4:8], 10), (KEPT, DOMAINS, 11)):
        await add_child(api, council.headers, child)
        placed = await api.post(
            "/v1/placements", json=placement(child, f"PL-{child}", stay, provider_id="IFA-S"), headers=council.headers
        )
        assert placed.status_code == 201, placed.text
        reviews = [
            ("BASE", stay, ratings(3)),
            ("REDUCED", reduced_in + timedelta(days=day), ratings(3, **dict.fromkeys(reduced, 1))),
        ]
        for name, on, levels in reviews:
            created = await api.post(
                "/v1/assessments",
                json=assessment(child, f"{name}-{child}", on, ratings=levels),
                headers=council.headers,
            )
            assert created.status_code == 201, created.text
    await run_worker(settings, app)
    for period in (await api.get("/v1/contracts/PBNR-S/statements", headers=council.bi)).json():
        if period["period_start"] <= reduced_in.isoformat():
            closing = await api.post(
                f"/v1/admin/contracts/PBNR-S/statements/{period['period_start']}/close", headers=council.admin
            )
            assert closing.status_code == 200, closing.text
    url = f"/v1/contracts/PBNR-S/statements/{reduced_in.isoformat()}"
    paid = (await api.get(url, headers=council.bi)).json()
    kept_lines = [line for line in paid["lines"] if line["child_pseudonym"] == council.pseudonym(KEPT)]
    assert Decimal(paid["withheld"]) > 0 and any("outcome_share" in line["capped_by"] for line in kept_lines)
    kept_paid = await paid_to(api, council, council.pseudonym(KEPT))

    for child in erased:
        erasing = await api.post("/v1/admin/erasures", json={"child_id": child}, headers=council.admin)
        assert erasing.status_code == 200, erasing.text
    await run_worker(settings, app)

    # The paid quarter stands as paid, and no period claws back what its cap left the other child.
    after = (await api.get(url, headers=council.bi)).json()
    figures = ("version", "closed_at", "earned", "paid", "withheld")
    assert [after[name] for name in figures] == [paid[name] for name in figures]
    for period in (await api.get("/v1/contracts/PBNR-S/statements", headers=council.bi)).json():
        lines = (await api.get(f"/v1/contracts/PBNR-S/statements/{period['period_start']}", headers=council.bi)).json()
        assert [line for line in lines["lines"] if line["kind"] == "adjustment"] == [], period["period_start"]
    assert await paid_to(api, council, council.pseudonym(KEPT)) == kept_paid


async def paid_to(api: httpx.AsyncClient, council: Council, pseudonym: str) -> Decimal:
    """What the latest statement of every period pays for the child, adjustments included."""
    total = Decimal(0)
    for period in (await api.get("/v1/contracts/PBNR-S/statements", headers=council.bi)).json():
        read = await api.get(f"/v1/contracts/PBNR-S/statements/{period['period_start']}", headers=council.bi)
        total += sum(Decimal(line["paid"]) for line in read.json()["lines"] if line["child_pseudonym"] == pseudonym)
    return total
