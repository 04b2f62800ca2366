"""The database is built by the migrations with no drift, and the demo council yields real figures."""

import csv
import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

import httpx
import pytest
from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy import func, select

from services.api import demo
from services.api.clients.schemas import ClientIn
from shared.access import Kind
from shared.db import transaction
from shared.demo_data import generate_demo_council
from shared.domain import kept_decision_figures
from shared.domain.engines.pbnr.money import CAPS
from shared.models import ChildNeedsTrend, DomainNeedsTrend, LocalAuthority
from shared.settings import Settings
from tests.conftest import ROOT, Servers, new_client, state_of
from tests.integration.helpers import DOMAINS, run_worker


def test_models_and_migrations_agree(servers: Servers) -> None:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = servers.database_url
    config.attributes["configure_logger"] = False
    command.check(config)


@pytest.mark.usefixtures("servers")
async def test_demo_council_produces_figures_statements_that_show_every_payment_rule_and_decision_lists(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings
) -> None:
    generated = generate_demo_council(DOMAINS)
    async with transaction(state_of(app).sessions) as db:
        council = await demo.load(db, generated, date.today(), settings.pseudonym_key_bytes)
    bi = await new_client(app, council.id, ClientIn(name="bi", kind=Kind.BI))
    await run_worker(settings, app)

    async with transaction(state_of(app).sessions) as db:
        assert (await db.get_one(LocalAuthority, council.id)).synthetic
        children = await db.scalar(select(func.count()).where(ChildNeedsTrend.la_id == council.id))
        directions = dict(
            (
                await db.execute(
                    select(DomainNeedsTrend.direction, func.count())
                    .where(DomainNeedsTrend.la_id == council.id)
                    .group_by(DomainNeedsTrend.direction)
                )
            ).all()
        )
    assert children == len(generated.children) == 200
    assert directions["improving"] > 0 and directions["worsening"] > 0 and directions["stable"] > 0
    page = await api.get("/v1/scores/needs-summary", params={"limit": 1000}, headers=bi)
    rows = page.json()["items"]
    assert len(rows) == 200
    assert any(row["mixed_progress"] for row in rows) and any(row["resolved_needs"] for row in rows)
    # An SDQ beside each child's first and latest assessments: the link of emotional health (be_healthy) has
    # content, its coefficient positive as the SDQs follow the need.
    admin = await new_client(app, council.id, ClientIn(name="admin", kind=Kind.ADMIN))
    links = (await api.get("/v1/admin/outcome-links", headers=admin)).json()["items"]
    sdq = next(row for row in links if (row["outcome_area"], row["measure_code"]) == ("be_healthy", "sdq_total"))
    assert sdq["children"] > 50 and sdq["spearman"] > 0

    # The demo's provider signs in to statements that show every payment rule, each line checkable by hand.
    provider = await new_client(
        app,
        council.id,
        ClientIn(name="provider", kind=Kind.PROVIDER, provider_id=generated.contract.provider_external_id),
    )
    lines, closed = [], []
    for listed in (await api.get("/v1/contracts/DEMO-PBNR/statements", headers=provider)).json():
        statement = await api.get(f"/v1/contracts/DEMO-PBNR/statements/{listed['period_start']}", headers=provider)
        lines += statement.json()["lines"]
        closed += [listed["period_start"]] if listed["closed_at"] else []
    assert closed == ["2024-10-01", "2025-01-01"]
    earned = [line for line in lines if line["kind"] == "earned"]
    assert any(line["days_with_provider"] < line["days_in_interval"] for line in earned)
    assert {Decimal(line["deadweight"]) for line in earned} == {Decimal("0.1")}
    assert {cap for line in lines for cap in line["capped_by"]} == {"per_child_year", "per_period", "outcome_share"}
    assert all(Decimal(line["withheld"]) > 0 for line in lines if line["capped_by"])
    assert any(line["kind"] == "forfeited" for line in lines)
    adjustments = [line for line in lines if line["kind"] == "adjustment"]
    assert adjustments and {line["adjusts_period"] for line in adjustments} <= set(closed)
    for line in earned:
        assert paid_by_hand(line) == Decimal(line["paid"])

    # Its CSV repeats the statement's totals, cut-off, versions and inputs hash on every line.
    path = f"/v1/contracts/DEMO-PBNR/statements/{adjustments[0]['event_date']}"
    statement = (await api.get(path, headers=provider)).json()
    table = list(csv.DictReader(io.StringIO((await api.get(path, params={"format": "csv"}, headers=provider)).text)))
    assert len(table) == len(statement["lines"])
    for row in table:
        assert (row["total_earned"], row["total_paid"], row["total_withheld"]) == (
            statement["earned"],
            statement["paid"],
            statement["withheld"],
        )
        assert (row["cutoff"], row["contract_version"], row["inputs_hash"]) == (
            statement["cutoff"],
            str(statement["contract_version"]),
            statement["inputs_hash"],
        )

    # Every decision support list has children on it.
    rows = (await api.get("/v1/scores/decision-support", params={"limit": 1000}, headers=bi)).json()["items"]
    few = 3
    assert sum(row["step_down"] == "candidate" for row in rows) >= few
    ruled_out = [row for row in rows if row["step_down"] == "ruled_out"]
    assert len(ruled_out) >= few and all(row["step_down_reasons"] for row in ruled_out)
    for flag in ("total_need_rise", "domain_rise", "placements_in_year", "warning_ending"):
        assert sum(flag in row["stability_flags"] for row in rows) >= few, flag
    assert sum(bool(row["health_unshared"]) for row in rows) >= few
    assert sum(bool(row["education_unshared"]) for row in rows) >= few
    value = (await api.get("/v1/scores/value", params={"high_cost": "true"}, headers=bi)).json()["items"]
    assert len(value) >= few
    # A child's own endpoint, which reads only its possible peers, compares it as the council's list does.
    async with transaction(state_of(app).sessions) as db:
        listed = await kept_decision_figures.valued(db, council.id)
        assert sum(each.value.peers is not None for each in listed) >= few
        assert [await kept_decision_figures.value_of(db, each.row) for each in listed] == [e.value for e in listed]
    moves = (await api.get("/v1/scores/savings", params={"limit": 1000}, headers=bi)).json()["items"]
    for kind in ("step_down", "agency_to_in_house"):
        assert sum(move["kind"] == kind and move["status"] == "continuing" for move in moves) >= few, kind
    # Its providers' offers give matching and sufficiency content: the council's own homes are out of its area.
    profiles = (await api.get("/v1/admin/sufficiency", headers=admin)).json()["items"]
    assert len(profiles) >= few and sum(row["out_of_area"] for row in profiles) >= few
    assert any(row["residential_for_want"] for row in profiles) and any(row["providers"] for row in profiles)
    cms = await new_client(app, council.id, ClientIn(name="cms", kind=Kind.CASE_MANAGEMENT))
    matched = (await api.get("/v1/children/DEMO-000001/matches", headers=cms)).json()["providers"]
    assert sum(provider["meets_every_need"] for provider in matched) >= 1 and len(matched) >= few


def paid_by_hand(line: dict[str, Any]) -> Decimal:
    """A line's payment worked from its own fields, as a provider checks it."""
    with localcontext() as exact:
        exact.prec = 50
        days, with_provider = line["days_in_interval"], line["days_with_provider"]
        attribution = Decimal(with_provider) / days if days else Decimal(1)
        amount = Decimal(line["tariff"]) * Decimal(line["share"]) * attribution * (1 - Decimal(line["deadweight"]))
    earned = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rooms = [Decimal(line[f"room_{cap}"]) for cap in CAPS if line[f"room_{cap}"] is not None]
    return min([earned, *(max(room, Decimal(0)) for room in rooms)])
