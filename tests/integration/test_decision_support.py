"""Decision support from end to end (domain.md §8): the worker keeps each child's figures under the council's
rules, BI reads them as JSON and CSV, the case-management system reads one child's with its value against its
peers, and a council's own rules (a new version, validated) change the figures once the worker has run. Worked by
hand with the shipped needs-v1 domains, in position order."""

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError

from shared.db import driver, transaction
from shared.domain.full_recompute import recompute_every_figure
from shared.models import ChildDecisionFigures
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import (
    add_child,
    assessment,
    placement,
    publish_every_count,
    ratings,
    run_worker,
    years_ago,
)

TODAY = date.today()


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


async def post(api: httpx.AsyncClient, council: Council, url: str, body: dict[str, Any]) -> None:
    response = await api.post(url, json=body, headers=council.headers)
    assert response.status_code == 201, response.text


async def looked_after(api: httpx.AsyncClient, council: Council) -> None:
    """D1 and D2 in a children's home at £3,800 a week; D3 fostered at £800 after two moves in the year, the first
    for its behaviour; D4 went home 50 days ago."""
    for child in ("D1", "D2", "D3", "D4"):
        await add_child(api, council.headers, child)
    for body in (
        placement("D1", "D1-1", years_ago(2), rne="S", place="K1", weekly_cost="3800.00"),
        placement("D2", "D2-1", years_ago(2), rne="S", place="K1", weekly_cost="3800.00"),
        placement("D3", "D3-1", ago(300), ago(200), rne="S", place="U6", reason_place_change="CREQB"),
        placement("D3", "D3-2", ago(200), ago(100), place="U4", reason_place_change="CARPL"),
        placement(
            "D3",
            "D3-3",
            ago(100),
            weekly_cost="800.00",
            funding={"social_care": "1", "health": "0", "education": "0"},
        ),
        placement("D4", "D4-1", ago(400), ago(50), rne="S", reason_ended="E4A"),
    ):
        await post(api, council, "/v1/placements", body)
    for body in (
        assessment("D1", "D1-A", years_ago(1), ratings=ratings(3)),  # total 36
        assessment("D1", "D1-B", years_ago(0.5), ratings=ratings(2, behaviour=3, safety=3)),  # total 26
        assessment("D2", "D2-A", years_ago(1)),  # total 24
        # total 29: behaviour 2 -> 4, family, identity and learning high
        assessment("D2", "D2-B", years_ago(0.5), ratings=ratings(2, behaviour=4, family=3, identity=3, learning=3)),
        assessment("D3", "D3-A", years_ago(0.5), ratings=ratings(2, emotional_health=3)),  # total 25
    ):
        await post(api, council, "/v1/assessments", body)


async def feed(api: httpx.AsyncClient, council: Council) -> dict[str, dict[str, Any]]:
    response = await api.get("/v1/scores/decision-support", headers=council.bi)
    assert response.status_code == 200, response.text
    return {row["child_pseudonym"]: row for row in response.json()["items"]}


async def test_the_worker_keeps_each_childs_decision_support_figures_and_bi_reads_them(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await looked_after(api, council)
    await run_worker(settings, app)
    rows = await feed(api, council)
    d1, d2, d3, d4 = (rows[council.pseudonym(child)] for child in ("D1", "D2", "D3", "D4"))

    assert (d1["step_down"], d1["step_down_reasons"], d1["weekly_saving"]) == ("candidate", [], "3050.00")
    assert (d1["total_need"], d1["previous_total_need"], d1["stability_flags"]) == (26, 36, [])
    assert d1["cost_per_need_point"] == "146.15"  # 3,800 / 26 = 146.153...
    assert d1["rules_version"] == 0

    assert d2["step_down"] == "ruled_out"
    assert d2["step_down_reasons"] == [
        "`behaviour` still intensive",
        "3 high needs (`family`, `identity`, `learning`), more than 2",
        "total need rose at the last review (from 24 to 29)",
    ]
    assert (d2["stability_flags"], d2["total_need_change"], d2["rising_domains"]) == (
        ["total_need_rise", "domain_rise"],
        5,
        ["behaviour +2"],
    )
    assert (d2["education_needs"], d2["education_unshared"]) == (["learning"], True)

    assert d3["step_down"] is None
    assert (d3["stability_flags"], d3["placements_in_year"], d3["warning_endings"]) == (
        ["placements_in_year", "warning_ending"],
        3,
        1,
    )
    assert (d3["health_needs"], d3["health_unshared"], d3["cost_per_need_point"]) == (
        ["emotional_health"],
        True,
        "32.00",
    )

    # Gone home: the row stays, emptied, so a copy synced by cursor learns the figures went.
    assert (d4["looked_after"], d4["step_down"], d4["stability_flags"], d4["weekly_cost"]) == (False, None, [], None)

    csv = await api.get("/v1/scores/decision-support", params={"format": "csv"}, headers=council.bi)
    header = csv.text.splitlines()[0].split(",")
    assert header[:4] == ["child_pseudonym", "as_at", "rules_version", "looked_after"]


async def test_the_childs_endpoint_names_its_assessments_and_compares_its_cost_with_its_peers(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await looked_after(api, council)
    await run_worker(settings, app)
    response = await api.get("/v1/children/D1/decision-support", headers=council.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["latest_assessment"], body["previous_assessment"], body["step_down"]) == ("D1-B", "D1-A", "candidate")
    # D1's one peer (max need 3, total within 3) is D3: below the council's threshold of 5, nothing is shown.
    assert body["value"] == {"peers": None, "peer_median": None, "high_cost": None}

    await publish_every_count(api, council)
    body = (await api.get("/v1/children/D1/decision-support", headers=council.headers)).json()
    # 3,800 against D3's 800: above 1.5 x 800.
    assert body["value"] == {"peers": 1, "peer_median": "800.00", "high_cost": True}
    # D2 (max need 4) has no peer.
    d2 = (await api.get("/v1/children/D2/decision-support", headers=council.headers)).json()
    assert d2["value"] == {"peers": 0, "peer_median": None, "high_cost": None}
    # BI reads the same, every costed child looked after; D4 went home.
    value = await api.get("/v1/scores/value", headers=council.bi)
    rows = {row["child_pseudonym"]: row for row in value.json()["items"]}
    assert set(rows) == {council.pseudonym(child) for child in ("D1", "D2", "D3")}
    d1 = rows[council.pseudonym("D1")]
    assert (d1["cost_per_need_point"], d1["peers"], d1["peer_median"], d1["high_cost"]) == ("146.15", 1, "800.00", True)
    # D3 against D1: 800 is not above 1.5 x 3,800.
    assert rows[council.pseudonym("D3")]["high_cost"] is False
    flagged = await api.get("/v1/scores/value", params={"high_cost": "true", "format": "csv"}, headers=council.bi)
    lines = flagged.text.splitlines()
    assert lines[0].startswith("child_pseudonym,rules_version,current_group,weekly_cost")
    assert [line.split(",")[0] for line in lines[1:]] == [council.pseudonym("D1")]

    assert (await api.get("/v1/children/NOPE/decision-support", headers=council.headers)).status_code == 404


async def test_a_councils_own_rules_are_a_new_version_that_the_figures_follow(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await looked_after(api, council)
    await run_worker(settings, app)
    shipped = (await api.get("/v1/decision-rules", headers=council.bi)).json()
    assert (shipped["version"], shipped["shipped"], shipped["rules"]["step_down"]["max_high_needs"]) == (0, True, 2)

    rules = {"step_down": {"max_high_needs": 1, "foster_weekly_cost": "900.00"}}
    put = await api.put("/v1/admin/decision-rules", json=rules, headers=council.admin)
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["rules"]["stability"]["total_rise"]) == (1, 3)
    await run_worker(settings, app)

    d1 = (await feed(api, council))[council.pseudonym("D1")]
    assert (d1["rules_version"], d1["step_down"], d1["step_down_reasons"]) == (
        1,
        "ruled_out",
        ["2 high needs (`safety`, `behaviour`), more than 1"],
    )
    current = (await api.get("/v1/decision-rules", headers=council.bi)).json()
    assert (current["version"], current["rules"]["step_down"]["foster_weekly_cost"]) == (1, "900.00")
    earlier = (await api.get("/v1/decision-rules", params={"version": 0}, headers=council.bi)).json()
    assert earlier["rules"]["step_down"]["max_high_needs"] == 2
    missing = await api.get("/v1/decision-rules", params={"version": 7}, headers=council.bi)
    assert missing.status_code == 404


async def test_bad_rules_are_refused_naming_the_field_and_change_nothing(
    api: httpx.AsyncClient, council: Council
) -> None:
    for rules, field in (
        ({"step_down": {"residential_groups": ["castle"]}}, "step_down"),
        ({"step_down": {"high_from": 4, "intensive_from": 3}}, "step_down"),
        ({"stability": {"warning_reasons": ["NOPE"]}}, "stability"),
        ({"value": {"ratio": "0.5"}}, "value.ratio"),
        ({"stability": {"total_rise": 0}}, "stability.total_rise"),
        ({"joint_funding": {"health_domains": ["dentistry"]}}, "joint_funding.health_domains"),
        ({"step_down": {"foster_cost": "900"}}, "step_down.foster_cost"),
    ):
        response = await api.put("/v1/admin/decision-rules", json=rules, headers=council.admin)
        assert response.status_code == 422, (rules, response.text)
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (rules, fields)
    current = (await api.get("/v1/decision-rules", headers=council.bi)).json()
    assert (current["version"], current["shipped"]) == (0, True)
    # Only the council's admin sets them.
    refused = await api.put("/v1/admin/decision-rules", json={}, headers=council.bi)
    assert refused.status_code == 403


async def test_the_worker_s_bursts_and_a_full_recompute_give_the_same_figures(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await looked_after(api, council)
    await run_worker(settings, app)

    async def kept() -> dict[Any, tuple[Any, ...]]:
        async with transaction(state_of(app).sessions) as db:
            rows = (await db.scalars(select(ChildDecisionFigures))).all()
            return {
                row.child_pk: tuple(
                    getattr(row, column.name)
                    for column in ChildDecisionFigures.__table__.c
                    if column.name not in ("computed_at", "row_version")
                )
                for row in rows
                if row.la_id == council.la_id
            }

    by_bursts = await kept()
    assert len(by_bursts) == 4
    async with transaction(state_of(app).sessions) as db:  # so that a recompute writing none is seen
        await db.execute(delete(ChildDecisionFigures).where(ChildDecisionFigures.la_id == council.la_id))
    await recompute_every_figure(state_of(app).sessions, [council.la_id])
    assert await kept() == by_bursts


async def test_the_operator_sets_a_councils_rules_from_a_file_and_a_bad_one_changes_nothing(
    api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    good = tmp_path / "rules.json"
    good.write_text(json.dumps({"value": {"ratio": "2"}, "sufficiency": {"home_districts": ["ab1"]}}))
    run = await cli(settings, "define-decision-rules", council.code, str(good))
    assert run.code == 0, run.err
    assert run.out.strip().startswith(f"decision rules version 1 set for {council.code}")
    rules = (await api.get("/v1/decision-rules", headers=council.bi)).json()
    assert (rules["version"], rules["rules"]["value"]["ratio"], rules["rules"]["sufficiency"]["home_districts"]) == (
        1,
        "2",
        ["AB1"],
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"savings": {"agency_providers": ["PR9"]}}))
    refused = await cli(settings, "define-decision-rules", council.code, str(bad))
    assert refused.code != 0 and "PR9 is not a PLACE_PROVIDER code" in refused.err
    assert (await api.get("/v1/decision-rules", headers=council.bi)).json()["version"] == 1


async def test_a_full_recompute_that_fails_leaves_no_figures_from_the_needs_it_did_not_write(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    """The decision figures of a full recompute are decided from its needs figures as it writes them: should its
    write fail, none is written from needs figures never committed."""
    await looked_after(api, council)
    await run_worker(settings, app)
    sessions = state_of(app).sessions
    refuse = f"""
        CREATE FUNCTION refuse_needs() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'needs write refused'; END $$;
        CREATE TRIGGER refuse_needs BEFORE INSERT ON child_needs_trends FOR EACH ROW
            WHEN (NEW.la_id = '{council.la_id}') EXECUTE FUNCTION refuse_needs()
    """
    async with transaction(sessions) as db:
        await db.execute(delete(ChildDecisionFigures).where(ChildDecisionFigures.la_id == council.la_id))
        await (await driver(db)).execute(refuse)
    try:
        with pytest.raises((DBAPIError, asyncpg.PostgresError), match="needs write refused"):
            await recompute_every_figure(sessions, [council.la_id])
        async with transaction(sessions) as db:
            assert (
                await db.scalars(
                    select(ChildDecisionFigures.child_pk).where(ChildDecisionFigures.la_id == council.la_id)
                )
            ).all() == []
    finally:
        async with transaction(sessions) as db:
            await (await driver(db)).execute(
                "DROP TRIGGER refuse_needs ON child_needs_trends; DROP FUNCTION refuse_needs()"
            )
    await recompute_every_figure(sessions, [council.la_id])
    async with transaction(sessions) as db:
        written = await db.scalars(
            select(ChildDecisionFigures.child_pk).where(ChildDecisionFigures.la_id == council.la_id)
        )
        assert len(written.all()) == 4
