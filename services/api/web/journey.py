"""A child's journey: needs and strengths over time, baseline against latest, placements, outcomes, flags,
and the child's own view beside the professionals'. Children are named by pseudonym in these pages' addresses,
so a browser's history or a proxy's log holds no council id."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from services.api.deps import state_of
from services.api.web.charts import Series, Span, line_chart, radar_chart, timeline
from services.api.web.inner_api import PageNotFound, api_get
from services.api.web.render import may, page
from services.api.web.roles import Role
from services.api.web.sessions import Person
from services.api.web.signed_in import PersonDep
from shared.access import Scope
from shared.db import driver, transaction

router = APIRouter(prefix="/web", include_in_schema=False)
PseudonymPath = Annotated[str, Path(min_length=1, max_length=32)]
LOWEST_SCALE_TOP = 3


async def council_child_id(request: Request, person: Person, pseudonym: str) -> str:
    """The council's id for the child a pseudonym names, in the person's council only."""
    async with transaction(state_of(request).sessions) as db:
        found = await (await driver(db)).fetchval(
            "SELECT child_id FROM children WHERE la_id = $1 AND pseudonym = $2", person.la_id, pseudonym
        )
    if found is None:
        raise PageNotFound(pseudonym)
    return str(found)


def domain_series(points: list[dict[str, Any]], domain: str) -> list[Series]:
    days = [date.fromisoformat(point["assessed_on"]) for point in points]
    return [
        Series(label, [(day, point[kind].get(domain)) for day, point in zip(days, points, strict=True)])
        for label, kind in (("Need", "needs"), ("Strength", "strengths"))
    ]


def scale_top(points: list[dict[str, Any]]) -> int:
    values = [int(v) for p in points for kind in ("needs", "strengths") for v in p[kind].values() if v is not None]
    return max([LOWEST_SCALE_TOP, *values])


async def decision_figures(read: Callable[[str, str], Awaitable[Any]], path: str) -> Any:
    """A child never placed, or whose figures are still being worked out, has no decision figures yet."""
    try:
        return await read("decisions", path)
    except PageNotFound:
        return None


@router.get("/children/{pseudonym}")
async def child_journey(request: Request, person: PersonDep, pseudonym: PseudonymPath) -> Response:
    links: dict[str, str] = {}

    async def read(name: str, path: str, params: dict[str, Any] | None = None) -> Any:
        answer = await api_get(request, person, path, params)
        links[name] = answer.link
        return answer.json()

    placements: list[dict[str, Any]] = []
    outcomes = decisions = child = None
    if person.role is Role.PROVIDER_FINANCE:
        base = f"/v1/provider/children/{quote(pseudonym, safe='')}"
        series, trends = await asyncio.gather(read("series", f"{base}/series"), read("trends", f"{base}/needs-trends"))
    else:
        if not may(person, Scope.CHILDREN_READ):
            raise PageNotFound(pseudonym)
        child_id = await council_child_id(request, person, pseudonym)
        base = f"/v1/children/{quote(child_id, safe='')}"
        child, series, trends, placements, outcomes, decisions = await asyncio.gather(
            read("child", base),
            read("series", f"{base}/series"),
            read("trends", f"{base}/needs-trends"),
            read("placements", "/v1/placements", {"child_id": child_id}),
            read("outcomes", f"{base}/outcomes"),
            decision_figures(read, f"{base}/decision-support"),
        )
    points = series["points"]
    domains = [row["domain"] for row in trends.get("domains", [])]
    top = scale_top(points + series.get("childs_own", []))
    level_charts = [
        (
            domain,
            line_chart(
                f"levels-{domain}",
                f"{domain.replace('_', ' ').capitalize()}: need and strength over time",
                domain_series(points, domain),
                top,
                "Level",
            ),
        )
        for domain in domains
    ]
    radar = (
        radar_chart(
            "profile-chart",
            "Needs at baseline and at the latest assessment, every domain",
            [d.replace("_", " ") for d in domains],
            [
                Series("Baseline need", [(date.min, row["baseline"]) for row in trends["domains"]]),
                Series("Latest need", [(date.min, row["latest"]) for row in trends["domains"]]),
            ],
            top,
        )
        if domains
        else None
    )
    spans = [
        Span(
            f"{row['place']} {row.get('provider_id') or ''}".strip(),
            date.fromisoformat(row["start_date"]),
            date.fromisoformat(row["end_date"]) if row["end_date"] else None,
        )
        for row in sorted(placements, key=lambda row: row["start_date"])
    ]
    return page(
        request,
        person,
        "journey.html",
        title=f"Journey of {pseudonym}",
        pseudonym=pseudonym,
        child=child,
        series=series,
        trends=trends,
        domains=domains,
        points=points,
        level_charts=level_charts,
        radar=radar,
        placements=placements,
        placements_chart=timeline("placements-chart", "Placements over time", spans, date.today()),
        outcomes=outcomes,
        decisions=decisions,
        links=links,
    )
