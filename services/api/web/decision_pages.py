"""Decision support as the council's managers and commissioners see it: the lists and flags (step-down
candidates with their reasons and savings, stability risk, needs no funding partner shares, cost high for the
needs), the savings of the moves made, and the sufficiency of the places on offer. Each child links to its
journey."""

import asyncio

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.api.web.charts import bar_chart
from services.api.web.inner_api import api_get, read_all
from services.api.web.render import page
from services.api.web.signed_in import PersonDep

router = APIRouter(prefix="/web/decision-support", include_in_schema=False)
# A chart of every profile would run to hundreds of bars, most withheld.
CHARTED_PROFILES = 15


@router.get("")
async def decision_support(request: Request, person: PersonDep) -> Response:
    # Read at once: each is the API's own work, and the page waits for the slower only.
    (rows, link), (high_cost, value_link) = await asyncio.gather(
        read_all(request, person, "/v1/scores/decision-support", {}),
        read_all(request, person, "/v1/scores/value", {"high_cost": "true"}),
    )
    return page(
        request,
        person,
        "decision_support.html",
        title="Decision support",
        total=len(rows),
        candidates=[row for row in rows if row["step_down"] == "candidate"],
        at_risk=[row for row in rows if row["stability_flags"]],
        unshared=[row for row in rows if row["health_unshared"] or row["education_unshared"]],
        high_cost=high_cost,
        link_to_api=link,
        value_link=value_link,
    )


@router.get("/savings")
async def savings(request: Request, person: PersonDep) -> Response:
    (months, months_link), (moves, link) = await asyncio.gather(
        read_all(request, person, "/v1/scores/savings-by-month", {}),
        read_all(request, person, "/v1/scores/savings", {}),
    )
    return page(
        request,
        person,
        "savings.html",
        title="Savings from moves",
        months=months,
        months_link=months_link,
        moves=moves,
        link_to_api=link,
    )


@router.get("/sufficiency")
async def sufficiency(request: Request, person: PersonDep) -> Response:
    answer = await api_get(request, person, "/v1/scores/sufficiency")
    profiles = answer.json()["items"]
    published = [row for row in profiles if row["shortfall"]]
    largest = sorted(published, key=lambda row: -row["shortfall"])[:CHARTED_PROFILES]
    chart = bar_chart(
        "shortfall-chart",
        f"The {len(largest)} needs profiles with the largest shortfall of places (every profile is in the table)",
        [(row["profile"] or "no need at level 3 or above", row["shortfall"]) for row in largest],
        unit="",
    )
    return page(
        request,
        person,
        "sufficiency.html",
        title="Sufficiency",
        profiles=profiles,
        chart=chart,
        link_to_api=answer.link,
    )
