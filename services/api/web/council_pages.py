"""The council's pages: the overview of its children's needs, over time, and finding a child."""

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from services.api.scores.cohort import SLICES
from services.api.web.charts import bar_chart
from services.api.web.inner_api import PageNotFound, api_get, api_json, largest_page
from services.api.web.render import may, page, percent
from services.api.web.sessions import Person
from services.api.web.signed_in import PersonDep, checked_form
from shared.access import Scope

router = APIRouter(prefix="/web", include_in_schema=False)
QUARTERS_SHOWN = 4


def quarter_ends(today: date, count: int) -> list[date]:
    """The last days of the `count` quarters before today's, oldest first."""
    ends = []
    start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    for _ in range(count):
        end = start - timedelta(days=1)
        ends.append(end)
        start = date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return sorted(ends)


def as_at_asked(request: Request, person: Person, as_at: str | None) -> date | Response | None:
    """The day the form asks for, or the page that says the value is not a day."""
    if not as_at:
        return None
    try:
        return date.fromisoformat(as_at)
    except ValueError:
        return page(
            request,
            person,
            "message.html",
            status=400,
            title="That is not a date",
            message=f"As at must be a date written YYYY-MM-DD, such as {date.today().isoformat()}.",
            next_href="/web/overview",
            next_label="Back to the council overview",
        )


@router.get("/overview")
async def overview(
    request: Request,
    person: PersonDep,
    by: Annotated[str | None, Query(max_length=20)] = None,
    as_at: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    if by is not None and by not in SLICES:
        by = None
    day = as_at_asked(request, person, as_at)
    if isinstance(day, Response):
        return day
    sliced = {"by": by, "as_at": None if day is None else day.isoformat(), "limit": largest_page(request)}
    cohort_answer, reliable, edge, stability = await asyncio.gather(
        api_get(request, person, "/v1/scores/cohort", sliced),
        api_get(request, person, "/v1/scores/cohort-children", sliced),
        api_get(request, person, "/v1/scores/edge-of-care"),
        api_get(request, person, "/v1/scores/placement-figures", sliced),
    )
    cohort = cohort_answer.json()
    domains = cohort["items"]
    chart = None
    if by is None:
        chart = bar_chart(
            "prevalence-chart",
            "Share of children with an actionable need, by domain",
            [
                (
                    row["domain"].replace("_", " "),
                    None if row["actionable_prevalence"] is None else round(row["actionable_prevalence"] * 100, 1),
                )
                for row in domains
            ],
        )
    return page(
        request,
        person,
        "overview.html",
        title="Council overview",
        cohort=cohort,
        cohort_link=cohort_answer.link,
        domains=domains,
        chart=chart,
        by=by,
        slices=SLICES,
        as_at=day,
        reliable=reliable.json(),
        reliable_link=reliable.link,
        edge=edge.json(),
        edge_link=edge.link,
        stability=stability.json(),
        stability_link=stability.link,
    )


@router.get("/overview/over-time")
async def over_time(request: Request, person: PersonDep) -> Response:
    """The share with an actionable need in each domain at the end of each of the last four quarters and now:
    each a cohort as at that day, worked out from the assessments dated by then (a page of its own, since each
    day's figures are computed afresh when the council's figures have changed since they were last asked)."""
    days = [*quarter_ends(date.today(), QUARTERS_SHOWN), None]

    async def by_domain(day: date | None) -> dict[str, Any]:
        asked = {"as_at": None if day is None else day.isoformat(), "limit": largest_page(request)}
        cohort = await api_json(request, person, "/v1/scores/cohort", asked)
        return {row["domain"]: row for row in cohort["items"]}

    columns = await asyncio.gather(*(by_domain(day) for day in days))
    rows = [
        [
            domain,
            *(
                percent(column[domain]["actionable_prevalence"]) if domain in column else "no figures"
                for column in columns
            ),
        ]
        for domain in columns[-1]
    ]
    shown = [*days[:-1], date.today()]
    return page(request, person, "over_time.html", title="Needs over time", days=shown, rows=rows)


@router.get("/children")
async def find_child_form(request: Request, person: PersonDep) -> Response:
    if not may(person, Scope.CHILDREN_READ):
        raise PageNotFound(request.url.path)
    return page(request, person, "find_child.html", title="Find a child", child_id="", missing=False)


@router.post("/children")
async def find_child(request: Request, person: PersonDep) -> Response:
    """The child's journey, by pseudonym: the council's id is posted, so it stays out of addresses and the
    browser's history."""
    if not may(person, Scope.CHILDREN_READ):
        raise PageNotFound(request.url.path)
    child_id = (await checked_form(request, person)).get("child_id", "").strip()[:64]
    try:
        child = await api_json(request, person, f"/v1/children/{quote(child_id, safe='')}") if child_id else None
    except PageNotFound:
        child = None
    if child is None:
        return page(
            request, person, "find_child.html", status=404, title="Find a child", child_id=child_id, missing=True
        )
    return RedirectResponse(f"/web/children/{child['pseudonym']}", status_code=303)
