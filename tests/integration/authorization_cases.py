"""The authorisation matrix's cases: the world it runs in (council A holds the data, council B and provider P2
must not reach it), and for every operation how to build its request and what a foreign caller gets."""

import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from services.api.clients import service as clients
from services.api.clients.schemas import KeyIn
from shared.access import Kind
from shared.db import transaction
from shared.domain import statements
from shared.domain.council_recompute import ACTIVE
from shared.domain.locks import figures_lock
from shared.models import CouncilRecompute
from tests.conftest import ROOT, Council, state_of
from tests.integration.helpers import add_child, assessment, placement, years_ago

# What a caller with the scope, but of another council (or another provider), gets.
Foreign = Literal["not_found", "invalid", "own", "list"]


@dataclass
class Caller:
    name: str
    headers: dict[str, str]
    council: Literal["A", "B"] | None = None  # None: the credential itself is bad
    kind: Kind | None = None
    provider: str | None = None


@dataclass
class World:
    """Council A holds the data; council B and provider P2 must not reach it."""

    app: FastAPI
    api: httpx.AsyncClient
    a: Council
    b: Council
    callers: list[Caller]
    assessment_id: str = ""
    placement_id: str = ""
    measure_id: str = ""
    spare_client_id: str = ""
    c1_pseudonym: str = ""
    markers: dict[str, list[str]] = field(default_factory=dict)
    audit_cursors: dict[str, str | None] = field(default_factory=dict)

    def caller(self, name: str) -> Caller:
        return next(c for c in self.callers if c.name == name)

    async def fresh_child(self) -> str:
        child_id = f"F-{uuid.uuid4().hex[:8]}"
        await add_child(self.api, self.a.headers, child_id)
        return child_id

    async def fresh_placement(self) -> str:
        child_id = await self.fresh_child()
        body = placement(child_id, f"PL-{uuid.uuid4().hex[:8]}", years_ago(1), provider_id="P1")
        response = await self.api.post("/v1/placements", json=body, headers=self.a.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def fresh_measure(self) -> str:
        body = outcome_measure("C1", f"OM-{uuid.uuid4().hex[:8]}", unique_day())
        response = await self.api.post("/v1/outcome-measures", json=body, headers=self.a.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def fresh_assessment(self) -> str:
        body = assessment("C1", f"AS-{uuid.uuid4().hex[:8]}", years_ago(0.2))
        response = await self.api.post("/v1/assessments", json=body, headers=self.a.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


@dataclass
class Request:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    files: Any = None  # a multipart upload


@dataclass
class Case:
    build: Callable[[World], Awaitable[Request]]
    foreign: Foreign
    markers: str | None = None  # World.markers key: what the owner's list shows and no one else's may


def child_body() -> dict[str, Any]:
    return {"date_of_birth": "2012-01-01", "sex": "F", "ethnicity": "WBRI", "uasc": False}


def fixed(method: str, path: str, json: Any = None, **params: str) -> Callable[[World], Awaitable[Request]]:
    async def build(world: World) -> Request:
        return Request(method, path.format(w=world), json, params=params)

    return build


async def amend(world: World) -> Request:
    assessment_id = await world.fresh_assessment()
    content = {k: v for k, v in assessment("C1", "x", years_ago(0.2)).items() if k not in ("external_id", "child_id")}
    return Request("PUT", f"/v1/assessments/{assessment_id}", content, {"If-Match": '"1"'})


async def new_assessment(world: World) -> Request:
    return Request("POST", "/v1/assessments", assessment("C1", f"N-{uuid.uuid4().hex[:8]}", years_ago(0.1)))


async def new_assessments(world: World) -> Request:
    item = assessment("C1", f"N-{uuid.uuid4().hex[:8]}", years_ago(0.1))
    return Request("POST", "/v1/assessments/batch", {"items": [item]})


async def new_placement(world: World) -> Request:
    child_id = await world.fresh_child()
    return Request("POST", "/v1/placements", placement(child_id, f"N-{uuid.uuid4().hex[:8]}", years_ago(0.5)))


async def new_placements(world: World) -> Request:
    child_id = await world.fresh_child()
    item = placement(child_id, f"N-{uuid.uuid4().hex[:8]}", years_ago(0.5))
    return Request("POST", "/v1/placements/batch", {"items": [item]})


def outcome_measure(child_id: str, external_id: str, day: date) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "child_id": child_id,
        "code": "sdq_total",
        "value": 15,
        "period_start": str(day),
    }


async def new_measure(world: World) -> Request:
    return Request("POST", "/v1/outcome-measures", outcome_measure("C1", f"N-{uuid.uuid4().hex[:8]}", unique_day()))


async def new_measures(world: World) -> Request:
    item = outcome_measure("C1", f"N-{uuid.uuid4().hex[:8]}", unique_day())
    return Request("POST", "/v1/outcome-measures/batch", {"items": [item]})


DAYS = itertools.count(1)


def unique_day() -> date:
    """A day of its own for each new measure of C1: a child holds one value of a code per period."""
    return years_ago(1) - timedelta(days=next(DAYS))


async def amend_measure(world: World) -> Request:
    return Request("PUT", f"/v1/outcome-measures/{await world.fresh_measure()}", {"value": 16}, {"If-Match": '"1"'})


MEASURE_CODE = {
    "label": "Contacts kept",
    "outcome_area": "be_happy",
    "unit": "percent",
    "min_value": 0,
    "max_value": 100,
    "better": "higher",
}


async def council_measure_code(world: World) -> Request:
    """Council A's own measure code, defined once: its clients see it, no other council's may."""
    if "measure-codes" not in world.markers:
        response = await world.api.put(
            "/v1/admin/measure-codes/matrix_a_contacts", json=MEASURE_CODE, headers=world.a.admin
        )
        assert response.status_code == 200, response.text
        world.markers["measure-codes"] = ["matrix_a_contacts"]
    return Request("GET", "/v1/measure-codes")


# A value no other council's rules hold: what shows whose rules a reply gives.
DECISION_RULES = {"step_down": {"foster_weekly_cost": "987.65"}}


async def council_decision_rules(world: World) -> Request:
    """Council A's own decision rules, set once: its clients read them, another council's its own."""
    if "decision-rules" not in world.markers:
        response = await world.api.put("/v1/admin/decision-rules", json=DECISION_RULES, headers=world.a.admin)
        assert response.status_code == 200, response.text
        world.markers["decision-rules"] = ["987.65"]
    return Request("GET", "/v1/decision-rules")


WHAT_IF = {"provider_id": "P1", "start_date": "2024-01-01", "end_date": "2027-12-31", "period": "quarter"}
OFFER = {"placement_group": "foster", "weekly_cost": "800.00", "places": 2, "meets": {"behaviour": [2, 3]}}


async def declared_offer(world: World) -> Request:
    """P1's offer, declared once by council A's admin: A's clients read it, P1 is no one else's."""
    if "offer" not in world.markers:
        response = await world.api.put("/v1/providers/P1/offer", json=OFFER, headers=world.a.admin)
        assert response.status_code == 200, response.text
        world.markers["offer"] = ["P1"]
    return Request("GET", "/v1/providers/P1/offer")


async def matched(world: World) -> Request:
    """Needs P1's offer meets: council A's reply names it, another council's names none of A's providers."""
    await declared_offer(world)
    return Request("POST", "/v1/matches", {"needs": {"behaviour": 3}})


async def end_placement(world: World) -> Request:
    placement_id = await world.fresh_placement()
    ending = {"end_date": date.today().isoformat(), "reason_ended": "E11"}
    return Request("POST", f"/v1/placements/{placement_id}/end", ending)


async def new_client(world: World) -> Request:
    return Request("POST", "/v1/admin/clients", {"name": "new BI", "kind": "bi"})


async def revoke(world: World) -> Request:
    async with transaction(state_of(world.app).sessions) as db:
        client = await clients.require_client(db, world.a.la_id, uuid.UUID(world.spare_client_id))
        key = await clients.issue_key(db, client, KeyIn())
    return Request("POST", f"/v1/admin/clients/{world.spare_client_id}/keys/{key.key_id}/revoke")


async def disable(world: World) -> Request:
    response = await world.api.post(
        "/v1/admin/clients", json={"name": "to disable", "kind": "bi"}, headers=world.caller("admin A").headers
    )
    return Request("POST", f"/v1/admin/clients/{response.json()['client_id']}/disable")


async def council_recompute(world: World) -> str:
    """Council A's recompute, its id a marker no other council's list may show; those asked for before are
    marked done, as the worker (not running here) would, since a council has one at a time."""
    await settle_recomputes(world)
    response = await world.api.post("/v1/admin/recompute", headers=world.a.admin)
    assert response.status_code == 202, response.text
    world.markers["recomputes"] = [response.json()["id"]]
    return str(response.json()["id"])


RETURN_FILE = ("files", ("header.csv", b"CHILD,SEX,DOB,ETHNIC\nA1,1,01/02/2010,WBRI\n", "text/csv"))


async def council_import(world: World) -> str:
    """Council A's import of a return, its id a marker no other council's list may show."""
    response = await world.api.post("/v1/admin/imports", files=[RETURN_FILE], headers=world.a.admin)
    assert response.status_code == 202, response.text
    world.markers["imports"] = [response.json()["id"]]
    return str(response.json()["id"])


async def upload_return(world: World) -> Request:
    return Request("POST", "/v1/admin/imports", files=[RETURN_FILE])


async def follow_import(world: World) -> Request:
    return Request("GET", f"/v1/admin/imports/{await council_import(world)}")


async def import_report(world: World) -> Request:
    return Request("GET", f"/v1/admin/imports/{await council_import(world)}/report")


async def list_imports(world: World) -> Request:
    await council_import(world)
    return Request("GET", "/v1/admin/imports")


async def settle_recomputes(world: World) -> None:
    async with transaction(state_of(world.app).sessions) as db:
        councils = CouncilRecompute.la_id.in_([world.a.la_id, world.b.la_id])
        await db.execute(
            update(CouncilRecompute).where(councils, CouncilRecompute.state.in_(ACTIVE)).values(state="done")
        )


async def recompute(world: World) -> Request:
    await settle_recomputes(world)
    return Request("POST", "/v1/admin/recompute")


async def follow_recompute(world: World) -> Request:
    return Request("GET", f"/v1/admin/recomputes/{await council_recompute(world)}")


async def list_recomputes(world: World) -> Request:
    await council_recompute(world)
    return Request("GET", "/v1/admin/recomputes")


async def erase(world: World) -> Request:
    return Request("POST", "/v1/admin/erasures", {"child_id": await world.fresh_child()})


NEEDS_V1 = json.loads((ROOT / "shared" / "instruments" / "needs-v1.json").read_text())
COUNCIL_INSTRUMENT = "matrix-a-needs"


async def new_instrument(world: World) -> Request:
    return Request("POST", "/v1/admin/instruments", NEEDS_V1 | {"code": f"m-{uuid.uuid4().hex[:12]}"})


async def council_instrument(world: World) -> None:
    """Council A's own instrument, loaded once: its clients see it, no other council's may."""
    if "instruments" not in world.markers:
        body = NEEDS_V1 | {"code": COUNCIL_INSTRUMENT}
        response = await world.api.post("/v1/admin/instruments", json=body, headers=world.a.admin)
        assert response.status_code == 201, response.text
        world.markers["instruments"] = [COUNCIL_INSTRUMENT]


async def list_instruments(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", "/v1/instruments")


async def list_domains(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", "/v1/scores/domains")


async def get_instrument(world: World) -> Request:
    await council_instrument(world)
    return Request("GET", f"/v1/instruments/{COUNCIL_INSTRUMENT}/1")


CONTRACT, CONTRACT_START = "K-P1", years_ago(2)


def contract_body(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "provider_id": "P1",
        "start_date": CONTRACT_START.isoformat(),
        "end_date": years_ago(-1).isoformat(),
        "period": "quarter",
    }


async def new_contract(world: World) -> Request:
    return Request("POST", "/v1/admin/contracts", contract_body(f"K-{uuid.uuid4().hex[:8]}"))


async def end_contract(world: World) -> Request:
    code = f"K-{uuid.uuid4().hex[:8]}"
    created = await world.api.post("/v1/admin/contracts", json=contract_body(code), headers=world.a.admin)
    assert created.status_code == 201, created.text
    return Request("POST", f"/v1/admin/contracts/{code}/end", {"end_date": date.today().isoformat()})


async def close_period(world: World) -> Request:
    """A fresh contract's first period, its statements computed as the worker would."""
    code = f"K-{uuid.uuid4().hex[:8]}"
    created = await world.api.post("/v1/admin/contracts", json=contract_body(code), headers=world.a.admin)
    assert created.status_code == 201, created.text
    async with transaction(state_of(world.app).sessions) as db:
        now = await figures_lock(db)
        await statements.refresh(db, uuid.UUID(created.json()["id"]), now.date(), now)
    return Request("POST", f"/v1/admin/contracts/{code}/statements/{CONTRACT_START.isoformat()}/close")


STATEMENT = f"/v1/contracts/{CONTRACT}/statements/{CONTRACT_START.isoformat()}"

CASES: dict[str, Case] = {
    "put_child": Case(fixed("PUT", "/v1/children/C-put", child_body()), "own"),
    "put_children": Case(fixed("POST", "/v1/children/batch", {"items": [child_body() | {"child_id": "C-put"}]}), "own"),
    "get_child": Case(fixed("GET", "/v1/children/C1"), "not_found"),
    "get_needs_trends": Case(fixed("GET", "/v1/children/C1/needs-trends"), "not_found"),
    "get_series": Case(fixed("GET", "/v1/children/C1/series"), "not_found"),
    "get_placement_figures": Case(fixed("GET", "/v1/children/C1/placement-figures"), "not_found"),
    "create_assessment": Case(new_assessment, "invalid"),
    "list_assessments": Case(fixed("GET", "/v1/assessments", child_id="C1"), "not_found"),
    "create_assessments": Case(new_assessments, "invalid"),
    "get_assessment": Case(fixed("GET", "/v1/assessments/{w.assessment_id}"), "not_found"),
    "amend_assessment": Case(amend, "not_found"),
    "get_versions": Case(fixed("GET", "/v1/assessments/{w.assessment_id}/versions"), "not_found"),
    "create_placement": Case(new_placement, "invalid"),
    "create_outcome_measure": Case(new_measure, "invalid"),
    "create_outcome_measures": Case(new_measures, "invalid"),
    "list_outcome_measures": Case(fixed("GET", "/v1/outcome-measures", child_id="C1"), "not_found"),
    "get_outcome_measure": Case(fixed("GET", "/v1/outcome-measures/{w.measure_id}"), "not_found"),
    "get_outcome_measure_versions": Case(fixed("GET", "/v1/outcome-measures/{w.measure_id}/versions"), "not_found"),
    "amend_outcome_measure": Case(amend_measure, "not_found"),
    "list_measure_codes": Case(council_measure_code, "list", "measure-codes"),
    "get_child_outcomes": Case(fixed("GET", "/v1/children/C1/outcomes"), "not_found"),
    "read_outcome_links": Case(fixed("GET", "/v1/scores/outcome-links"), "list"),
    "read_outcome_areas": Case(fixed("GET", "/v1/scores/outcome-areas"), "list", "figures"),
    "read_outcome_measures": Case(fixed("GET", "/v1/scores/outcome-measures"), "list", "figures"),
    # The same pager as the figures' tables; the world's recompute takes no row away (test_outcome_removals does).
    "read_outcome_area_removals": Case(fixed("GET", "/v1/scores/outcome-area-removals"), "list", "removals"),
    "read_unsuppressed_outcome_links": Case(fixed("GET", "/v1/admin/outcome-links"), "list"),
    "read_edge_of_care_figures": Case(fixed("GET", "/v1/scores/edge-of-care"), "list"),
    "read_unsuppressed_edge_of_care": Case(fixed("GET", "/v1/admin/edge-of-care"), "list"),
    "get_suppression_threshold": Case(fixed("GET", "/v1/admin/suppression-threshold"), "own"),
    "put_suppression_threshold": Case(fixed("PUT", "/v1/admin/suppression-threshold", {"threshold": 5}), "own"),
    "put_measure_code": Case(fixed("PUT", "/v1/admin/measure-codes/matrix_own", MEASURE_CODE), "own"),
    "get_decision_rules": Case(council_decision_rules, "list", "decision-rules"),
    "put_decision_rules": Case(fixed("PUT", "/v1/admin/decision-rules", DECISION_RULES), "own"),
    "read_decision_support": Case(fixed("GET", "/v1/scores/decision-support"), "list", "figures"),
    "read_savings": Case(fixed("GET", "/v1/scores/savings"), "list"),
    "read_savings_by_month": Case(fixed("GET", "/v1/scores/savings-by-month"), "list"),
    "read_sufficiency": Case(fixed("GET", "/v1/scores/sufficiency"), "list"),
    "read_unsuppressed_sufficiency": Case(fixed("GET", "/v1/admin/sufficiency"), "list"),
    # Another council has no provider P1: its admin's proposal names none (422), as its contract would.
    "contract_what_if": Case(fixed("POST", "/v1/admin/contract-what-if", WHAT_IF), "invalid"),
    "read_value": Case(fixed("GET", "/v1/scores/value"), "list", "figures"),
    "get_child_decisions": Case(fixed("GET", "/v1/children/C1/decision-support"), "not_found"),
    "put_offer": Case(fixed("PUT", "/v1/providers/P1/offer", OFFER), "not_found"),
    "get_offer": Case(declared_offer, "not_found"),
    "get_child_matches": Case(fixed("GET", "/v1/children/C1/matches"), "not_found"),
    "post_matches": Case(matched, "list", "offer"),
    "list_placements": Case(fixed("GET", "/v1/placements", child_id="C1"), "not_found"),
    "create_placements": Case(new_placements, "invalid"),
    "get_placement": Case(fixed("GET", "/v1/placements/{w.placement_id}"), "not_found"),
    "end_placement": Case(end_placement, "not_found"),
    "put_provider": Case(fixed("PUT", "/v1/providers/P-put", {"name": "Agency"}), "own"),
    "get_provider": Case(fixed("GET", "/v1/providers/P1"), "not_found"),
    "read_needs_trends": Case(fixed("GET", "/v1/scores/needs-trends"), "list", "figures"),
    "read_needs_summary": Case(fixed("GET", "/v1/scores/needs-summary"), "list", "figures"),
    "read_erasures": Case(fixed("GET", "/v1/scores/erasures"), "list", "erased"),
    "read_cohort_figures": Case(fixed("GET", "/v1/scores/cohort"), "list", "cohort"),
    "read_cohort_children": Case(fixed("GET", "/v1/scores/cohort-children"), "list", "cohort-children"),
    "read_cohort_figures_whole": Case(fixed("GET", "/v1/admin/cohort"), "list", "cohort"),
    "read_cohort_children_whole": Case(fixed("GET", "/v1/admin/cohort-children"), "list", "cohort-children"),
    "read_children_dimensions": Case(fixed("GET", "/v1/scores/children"), "list", "figures"),
    "read_placement_children": Case(fixed("GET", "/v1/scores/placement-children"), "list", "figures"),
    "read_placement_figures": Case(fixed("GET", "/v1/scores/placement-figures"), "list"),
    "read_codes": Case(fixed("GET", "/v1/scores/codes"), "list"),
    "read_domains": Case(list_domains, "list", "instruments"),
    "list_placed_children": Case(fixed("GET", "/v1/provider/children"), "list", "figures"),
    "list_provider_stays": Case(fixed("GET", "/v1/provider/stays"), "list", "figures"),
    "get_placed_child_trends": Case(fixed("GET", "/v1/provider/children/{w.c1_pseudonym}/needs-trends"), "not_found"),
    "get_placed_child_series": Case(fixed("GET", "/v1/provider/children/{w.c1_pseudonym}/series"), "not_found"),
    "create_calibration": Case(fixed("POST", "/v1/admin/calibrations", {"instrument_code": "needs-v1"}), "invalid"),
    "list_calibrations": Case(fixed("GET", "/v1/admin/calibrations"), "list", "calibrations"),
    "recompute_council": Case(recompute, "own"),
    "list_recomputes": Case(list_recomputes, "list", "recomputes"),
    "get_recompute": Case(follow_recompute, "not_found"),
    "upload_return": Case(upload_return, "own"),
    "list_imports": Case(list_imports, "list", "imports"),
    "get_import": Case(follow_import, "not_found"),
    "get_import_report": Case(import_report, "not_found"),
    "list_clients": Case(fixed("GET", "/v1/admin/clients"), "list", "clients"),
    "create_client": Case(new_client, "own"),
    "get_client": Case(fixed("GET", "/v1/admin/clients/{w.spare_client_id}"), "not_found"),
    "issue_key": Case(fixed("POST", "/v1/admin/clients/{w.spare_client_id}/keys", {}), "not_found"),
    "revoke_key": Case(revoke, "not_found"),
    "disable_client": Case(disable, "not_found"),
    "read_audit": Case(fixed("GET", "/v1/admin/audit"), "list", "clients"),
    "create_erasure": Case(erase, "not_found"),
    "create_instrument": Case(new_instrument, "own"),
    "list_instruments": Case(list_instruments, "list", "instruments"),
    "get_instrument": Case(get_instrument, "not_found"),
    "create_contract": Case(new_contract, "invalid"),
    "create_version": Case(
        fixed("POST", f"/v1/admin/contracts/{CONTRACT}/versions", {"effective_from": date.today().isoformat()}),
        "not_found",
    ),
    "end_contract": Case(end_contract, "not_found"),
    "close_period": Case(close_period, "not_found"),
    "list_contracts": Case(fixed("GET", "/v1/contracts"), "list", "contracts"),
    "get_contract": Case(fixed("GET", f"/v1/contracts/{CONTRACT}"), "not_found"),
    "list_statements": Case(fixed("GET", f"/v1/contracts/{CONTRACT}/statements"), "not_found"),
    "get_statement": Case(fixed("GET", STATEMENT), "not_found"),
    "list_statement_versions": Case(fixed("GET", f"{STATEMENT}/versions"), "not_found"),
}
