"""The placement figures the worker keeps as at today (shared/domain/kept_placement_figures.py): written by the
worker for each child it recomputes, served by the BI feeds and the child's endpoint, rewritten when an episode
changes, never served once the day has turned under them, and brought to today by the worker started as
shipped, by itself. Worked by hand with episodes dated back from today."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import delete, select, update

from services.api.scores.placement_figures import PlacementChildRow, child_row
from shared.db import transaction
from shared.domain.kept_placement_figures import VALUE_COLUMNS
from shared.models import Child, ChildPlacementFigures
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.integration.faults import true_within
from tests.integration.helpers import add_child, placement, run_worker, years_ago
from tests.integration.shipped import shipped_worker, stop, worker_environment

TODAY = date.today()
BROUGHT_TO_TODAY_WITHIN = 30.0  # seconds from the worker's start on a busy machine: its sweep, then the job


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def placed(api: httpx.AsyncClient, council: Council) -> None:
    """K1 in one foster placement for three years; K2 moved twice in the year, the first move for its
    behaviour, now fostered at 800 a week, a quarter paid by education; K3 went home 50 days ago."""
    for child in ("K1", "K2", "K3"):
        await add_child(api, council.headers, child, born=years_ago(12))
    episodes = [
        placement("K1", "K1-1", ago(1096), rne="S", weekly_cost=None),
        placement("K2", "K2-1", ago(300), ago(200), rne="S", place="U6", reason_place_change="CREQB"),
        placement("K2", "K2-2", ago(200), ago(100), place="K2", reason_place_change="CARPL"),
        placement(
            "K2",
            "K2-3",
            ago(100),
            weekly_cost="800.00",
            funding={"social_care": "0.75", "health": "0", "education": "0.25"},
        ),
        placement("K3", "K3-1", ago(400), ago(50), rne="S", reason_ended="E4A"),
    ]
    for body in episodes:
        created = await api.post("/v1/placements", json=body, headers=council.headers)
        assert created.status_code == 201, created.text


async def kept(app: FastAPI, council: Council) -> dict[str, ChildPlacementFigures]:
    """The council's kept rows, by pseudonym."""
    async with transaction(state_of(app).sessions) as db:
        rows = await db.execute(
            select(Child.child_id, ChildPlacementFigures)
            .join(Child, Child.id == ChildPlacementFigures.child_pk)
            .where(ChildPlacementFigures.la_id == council.la_id)
        )
        return {council.pseudonym(child_id): row for child_id, row in rows}


async def feed(api: httpx.AsyncClient, council: Council, **params: str) -> dict[str, dict[str, Any]]:
    page = await api.get("/v1/scores/placement-children", params=params, headers=council.bi)
    assert page.status_code == 200, page.text
    return {row["child_pseudonym"]: row for row in page.json()["items"]}


async def set_kept(app: FastAPI, council: Council, **values: Any) -> None:
    """The council's kept rows changed as a test needs them (aged a day, emptied of a value)."""
    async with transaction(state_of(app).sessions) as db:
        await db.execute(
            update(ChildPlacementFigures).where(ChildPlacementFigures.la_id == council.la_id).values(**values)
        )


YESTERDAYS = {"as_at": ChildPlacementFigures.as_at - 1}  # the rows as they stand once the day has turned


def published(row: ChildPlacementFigures, pseudonym: str) -> dict[str, Any]:
    """A kept row as the feed sends it."""
    values = child_row(pseudonym, {name: getattr(row, name) for name in VALUE_COLUMNS})
    return PlacementChildRow(**values).model_dump(mode="json")


async def test_the_worker_keeps_each_childs_figures_as_at_today_and_the_feeds_serve_them(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await placed(api, council)
    await run_worker(settings, app)
    rows = await kept(app, council)
    assert len(rows) == 3 and {row.as_at for row in rows.values()} == {TODAY}
    served = await feed(api, council)
    assert served == {pseudonym: published(row, pseudonym) for pseudonym, row in rows.items()}
    k1, k2, k3 = (served[council.pseudonym(child)] for child in ("K1", "K2", "K3"))
    # K1: under 16, in care and in the one placement three years: long-term stable.
    assert (k1["current_group"], k1["placements_in_year"], k1["long_term_stable"]) == ("foster", 1, True)
    # K2: three placements open within the 12 months; in care 300 days and today: 301 days, 43 weeks.
    assert (k2["placements_in_year"], k2["unstable"], k2["long_term_stable"]) == (3, True, None)
    assert (k2["reasons_ended"], k2["ended_for_behaviour"], k2["weeks_in_care"]) == (["CREQB", "CARPL"], 1, 43.0)
    assert (k2["weekly_cost"], k2["funding_education"]) == ("800.00", "0.250")
    # K3: went home: not looked after, one placement ended in the year with no reason to change.
    assert (k3["looked_after"], k3["placements_in_year"], k3["reasons_ended_in_year"]) == (False, None, ["none"])
    assert k3["weeks_in_care"] == 50.0

    own = await api.get("/v1/children/K2/placement-figures", headers=council.headers)
    assert own.status_code == 200 and own.json()["figures"] == k2 and own.json()["as_at"] == TODAY.isoformat()
    council_page = await api.get("/v1/scores/placement-figures", headers=council.bi)
    figures = {(row["measure"], row["category"]): row for row in council_page.json()["items"]}
    assert figures["looked_after", "foster"]["count"] == 2
    assert [figures["unstable", None][k] for k in ("count", "population")] == [1, 2]
    spend = {category: row["amount"] for (measure, category), row in figures.items() if measure == "weekly_spend"}
    assert spend == {"education": "200.00", "health": "0.00", "social_care": "600.00"}

    # As at today the feeds serve the worker's rows, not figures computed anew: a value changed in them shows.
    await set_kept(app, council, weekly_cost=1)
    assert {row["weekly_cost"] for row in (await feed(api, council)).values()} == {"1.00"}
    own = await api.get("/v1/children/K1/placement-figures", headers=council.headers)
    assert own.json()["figures"]["weekly_cost"] == "1.00"


async def test_an_episode_changed_through_the_api_rewrites_the_childs_row(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await placed(api, council)
    await run_worker(settings, app)
    ended = placement("K1", "K1-1", ago(1096), ago(10), rne="S", weekly_cost=None, reason_place_change="CHILD")
    assert (await api.post("/v1/placements", json=ended, headers=council.headers)).status_code == 200
    moved = placement("K1", "K1-2", ago(10), place="K2", weekly_cost="4200.00")
    assert (await api.post("/v1/placements", json=moved, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    row = (await kept(app, council))[council.pseudonym("K1")]
    assert (row.current_group, row.current_placement_start, row.placements_ended) == ("residential", ago(10), 1)
    assert (row.reasons_ended, row.weekly_cost, row.long_term_stable) == (["CHILD"], 4200, False)


async def test_figures_of_an_earlier_day_are_not_served_and_the_shipped_worker_brings_them_to_today(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council, tmp_path: Path
) -> None:
    await placed(api, council)
    await run_worker(settings, app)
    right = await feed(api, council)
    # As the rows stand once the day has turned: yesterday's, one day fewer in care.
    await set_kept(app, council, **YESTERDAYS, weeks_in_care=ChildPlacementFigures.weeks_in_care - 1 / 7)
    assert await feed(api, council) == right
    own = await api.get("/v1/children/K2/placement-figures", headers=council.headers)
    assert own.json()["figures"] == right[council.pseudonym("K2")]

    async with shipped_worker(worker_environment(settings), tmp_path / "worker.log") as worker:

        async def brought_to_today() -> bool:
            return {row.as_at for row in (await kept(app, council)).values()} == {TODAY}

        await true_within(brought_to_today, BROUGHT_TO_TODAY_WITHIN, "the council's placement figures")
        assert await stop(worker) == 0
    rows = await kept(app, council)
    assert {pseudonym: published(row, pseudonym) for pseudonym, row in rows.items()} == right


async def test_a_councils_recompute_by_the_operator_brings_its_placement_figures_to_today(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await placed(api, council)
    await run_worker(settings, app)
    right = await feed(api, council)
    await set_kept(app, council, **YESTERDAYS)
    done = await cli(settings, "recompute", "--council", council.code)
    assert done.code == 0, done.err
    rows = await kept(app, council)
    assert {row.as_at for row in rows.values()} == {TODAY}
    assert {pseudonym: published(row, pseudonym) for pseudonym, row in rows.items()} == right


async def test_a_council_whose_children_have_no_rows_yet_gets_them_from_the_worker_by_itself(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """As on the first deployment of the kept figures: episodes stored, no row kept. The worker's sweep at its
    start finds the council and its job writes every child's row."""
    await placed(api, council)
    await run_worker(settings, app)
    right = await feed(api, council)
    async with transaction(state_of(app).sessions) as db:
        await db.execute(delete(ChildPlacementFigures).where(ChildPlacementFigures.la_id == council.la_id))
    assert await kept(app, council) == {}
    assert await feed(api, council) == right  # computed on reading meanwhile
    await run_worker(settings, app)
    rows = await kept(app, council)
    assert {pseudonym: published(row, pseudonym) for pseudonym, row in rows.items()} == right
