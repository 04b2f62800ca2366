"""Outcome figures end to end (domain.md §5, issue 16), worked by hand: six children whose physical health need
and SDQ moved, assessed and measured through the API, their needs figures kept by a real worker; a child's
outcome figures, the council's link with Spearman's coefficient and the shares improved, small numbers withheld
for BI and given whole to the admin, and the link over a window."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.settings import Settings
from tests.conftest import Council
from tests.integration.figures_check import assert_full_recompute_agrees
from tests.integration.helpers import add_child, assessment, ratings, run_worker, years_ago

BASELINE_DAY = years_ago(2)
LATEST_DAY = years_ago(0.5)
# child: physical health need at baseline and now (emotional health stays 2), SDQ then and now.
CHILDREN = {
    "K1": ((4, 0), (20, 10)),
    "K2": ((3, 1), (18, 15)),
    "K3": ((3, 2), (15, 16)),
    "K4": ((2, 2), (14, 12)),
    "K5": ((1, 3), (10, 14)),
    "K6": ((0, 4), (8, 8)),
}


def sdq(child: str, n: int, value: int, end: date) -> dict[str, Any]:
    start = end - timedelta(days=90)
    return {
        "external_id": f"SDQ-{child}-{n}",
        "child_id": child,
        "code": "sdq_total",
        "value": value,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
    }


async def load(api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council) -> None:
    for child, ((before, after), (sdq_before, sdq_after)) in CHILDREN.items():
        await add_child(api, council.headers, child, born=years_ago(12))
        for n, (day, level) in enumerate(((BASELINE_DAY, before), (LATEST_DAY, after))):
            body = assessment(
                child, f"A-{child}-{n}", day, ratings=ratings(1, physical_health=level, emotional_health=2)
            )
            assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
        items = [sdq(child, 0, sdq_before, BASELINE_DAY), sdq(child, 1, sdq_after, LATEST_DAY)]
        response = await api.post("/v1/outcome-measures/batch", json={"items": items}, headers=council.headers)
        assert response.status_code == 200, response.text
    await run_worker(settings, app)


def healthy_sdq(rows: list[dict[str, Any]]) -> dict[str, Any]:
    (row,) = [r for r in rows if (r["outcome_area"], r["measure_code"]) == ("be_healthy", "sdq_total")]
    return row


async def test_a_childs_outcome_figures(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    response = await api.get("/v1/children/K2/outcomes", headers=council.headers)
    assert response.status_code == 200, response.text
    figures = response.json()
    healthy = next(a for a in figures["areas"] if a["outcome_area"] == "be_healthy")
    # Physical health 3 then 1, emotional health 2 both times: (3 + 2) / 2 = 2.5, then 1.5; indexes 100 * (1 -
    # 2.5/4) = 37.5 and 62.5, both rounded up.
    assert (healthy["baseline_area_need"], healthy["latest_area_need"], healthy["area_need_change"]) == (
        "2.5000",
        "1.5000",
        "-1.0000",
    )
    assert (healthy["baseline_outcome_index"], healthy["latest_outcome_index"]) == (38, 63)
    (measure,) = figures["measures"]
    assert (measure["baseline"], measure["latest"], measure["change"], measure["improved"]) == (
        "18.0000",
        "15.0000",
        "-3.0000",
        True,
    )
    assert (measure["baseline_band"], measure["latest_band"]) == ("concern", "borderline")
    assert figures["links"] == [
        {
            "outcome_area": "be_healthy",
            "code": "sdq_total",
            "area_need_change": "-1.0000",
            "measure_change": "-3.0000",
            "need_fell": True,
            "measure_improved": True,
        }
    ]
    assert (await api.get("/v1/children/NOBODY/outcomes", headers=council.headers)).status_code == 404
    # BI reads the same kept figures by pseudonym, in JSON and CSV.
    pseudonym = {"child_pseudonym": council.pseudonym("K2")}
    areas = (await api.get("/v1/scores/outcome-areas", params=pseudonym, headers=council.bi)).json()["items"]
    row = next(r for r in areas if r["outcome_area"] == "be_healthy")
    assert (row["baseline_area_need"], row["latest_area_need"], row["area_need_change"]) == (
        "2.5000",
        "1.5000",
        "-1.0000",
    )
    assert (row["baseline_outcome_index"], row["latest_outcome_index"]) == (38, 63)
    measures = await api.get("/v1/scores/outcome-measures", params=pseudonym | {"format": "csv"}, headers=council.bi)
    header, line = measures.text.splitlines()
    assert dict(zip(header.split(","), line.split(","), strict=True)) | {"computed_at": ""} == {
        "child_pseudonym": council.pseudonym("K2"),
        "code": "sdq_total",
        "outcome_area": "be_healthy",
        "measures_count": "2",
        "baseline": "18.0000",
        "latest": "15.0000",
        "change": "-3.0000",
        "improved": "True",
        "baseline_band": "concern",
        "latest_band": "borderline",
        "period_start": (BASELINE_DAY - timedelta(days=90)).isoformat(),
        "period_end": LATEST_DAY.isoformat(),
        "computed_at": "",
    }


async def test_the_councils_link_whole_for_the_admin_and_withheld_for_bi(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    whole = await api.get("/v1/admin/outcome-links", headers=council.admin)
    assert whole.status_code == 200, whole.text
    assert whole.json()["suppression_threshold"] is None
    row = healthy_sdq(whole.json()["items"])
    # Area changes -2, -1, -0.5, 0, 1, 2 rank 1-6; SDQ changes -10, -3, 1, -2, 4, 0 rank 1, 2, 5, 3, 6, 4: the
    # squared rank differences sum to 10, so rho = 1 - 6 * 10 / (6 * 35) = 5/7.
    assert row["children"] == 6 and row["spearman"] == pytest.approx(5 / 7, abs=1e-4)
    # Fisher's z = atanh(5/7) = ln(6) / 2, standard error sqrt(1.06 / 3).
    assert (row["interval_low"], row["interval_high"]) == (
        pytest.approx(-0.2628, abs=1e-4),
        pytest.approx(0.9681, abs=1e-4),
    )
    # Needs fell for K1-K3, of whom K1 and K2 improved; K4-K6 not, of whom K4 improved.
    assert (row["need_fell"], row["need_fell_improved"], row["need_fell_share_improved"]) == (3, 2, 0.6667)
    assert (row["need_not_fell"], row["need_not_fell_improved"], row["need_not_fell_share_improved"]) == (3, 1, 0.3333)
    assert row["suppressed"] is False

    published = healthy_sdq((await api.get("/v1/scores/outcome-links", headers=council.bi)).json()["items"])
    # Threshold 5: every count from 1 to 5 is withheld, and the shares built on them.
    assert published["children"] == 6 and published["spearman"] == row["spearman"]
    withheld = ("need_fell", "need_fell_improved", "need_not_fell", "need_not_fell_improved")
    assert all(published[name] is None for name in withheld)
    assert published["suppressed"] is True and published["suppressed_columns"] == " ".join(withheld)
    assert published["need_fell_share_improved"] is None
    assert published["need_fell_share_note"] == "suppressed: built on a small number"

    response = await api.put("/v1/admin/suppression-threshold", json={"threshold": 2}, headers=council.admin)
    assert response.status_code == 200
    published = healthy_sdq((await api.get("/v1/scores/outcome-links", headers=council.bi)).json()["items"])
    # Threshold 2: the 2 and the 1 go; the 3s stay, and nothing gives the 2 or the 1 back.
    assert (published["need_fell"], published["need_not_fell"]) == (3, 3)
    assert (published["need_fell_improved"], published["need_not_fell_improved"]) == (None, None)
    csv = await api.get("/v1/scores/outcome-links", params={"format": "csv"}, headers=council.bi)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("outcome_area,measure_code,children,spearman,")


async def test_a_window_counts_only_what_is_dated_in_it(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    # A window that ends before the latest assessments: one assessment each, so no area-need change, no link.
    early = {"window_end": (LATEST_DAY - timedelta(days=1)).isoformat()}
    rows = (await api.get("/v1/admin/outcome-links", params=early, headers=council.admin)).json()["items"]
    assert rows == []
    whole = {"window_start": (BASELINE_DAY - timedelta(days=200)).isoformat(), "window_end": date.today().isoformat()}
    rows = (await api.get("/v1/admin/outcome-links", params=whole, headers=council.admin)).json()["items"]
    assert healthy_sdq(rows)["children"] == 6
    backwards = {"window_start": "2025-01-02", "window_end": "2025-01-01"}
    refused = await api.get("/v1/admin/outcome-links", params=backwards, headers=council.admin)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "window_start"


async def test_one_child_a_burst_and_a_full_recompute_give_the_same_outcome_figures(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    # A measure amended: the worker's next burst brings the child's kept figures along.
    sdq_now = (await api.get("/v1/outcome-measures", params={"child_id": "K4"}, headers=council.headers)).json()[-1]
    amended = await api.put(
        f"/v1/outcome-measures/{sdq_now['id']}", json={"value": 16}, headers=council.headers | {"If-Match": '"1"'}
    )
    assert amended.status_code == 200, amended.text
    await run_worker(settings, app)
    (measure,) = (await api.get("/v1/children/K4/outcomes", headers=council.headers)).json()["measures"]
    assert (measure["latest"], measure["change"], measure["improved"]) == ("16.0000", "2.0000", False)
    # Kept by bursts, by each child alone and by a full recompute, and computed anew: the same, field for field.
    await assert_full_recompute_agrees(app, council.la_id)


async def test_a_domain_never_rated_is_left_out_of_its_areas_mean(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await add_child(api, council.headers, "N1", born=years_ago(12))
    for n, (day, safety) in enumerate(((BASELINE_DAY, 3), (LATEST_DAY, 2))):
        # behaviour is marked not assessed both times: be_safe is safety alone, never behaviour read as 0.
        body = assessment("N1", f"N-{n}", day, ratings=ratings(1, safety=safety, behaviour=None))
        assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201
    await run_worker(settings, app)
    areas = (await api.get("/v1/children/N1/outcomes", headers=council.headers)).json()["areas"]
    safe = next(a for a in areas if a["outcome_area"] == "be_safe")
    assert (safe["domains_rated"], safe["baseline_area_need"], safe["latest_area_need"]) == (1, "3.0000", "2.0000")
    # 100 * (1 - 3/4) = 25 and 100 * (1 - 2/4) = 50.
    assert (safe["baseline_outcome_index"], safe["latest_outcome_index"], safe["area_need_change"]) == (
        25,
        50,
        "-1.0000",
    )


async def test_a_codes_new_meaning_reaches_its_measures_kept_figures(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(api, app, settings, council)
    # The council reads SDQ with its own bands: 0-9 low, 10+ high.
    own = {
        "label": "SDQ, the council's bands",
        "outcome_area": "be_healthy",
        "unit": "score",
        "min_value": 0,
        "max_value": 40,
        "better": "lower",
        "bands": [{"label": "low", "from": 0}, {"label": "high", "from": 10}],
    }
    assert (await api.put("/v1/admin/measure-codes/sdq_total", json=own, headers=council.admin)).status_code == 200
    await run_worker(settings, app)
    (measure,) = (await api.get("/v1/children/K6/outcomes", headers=council.headers)).json()["measures"]
    # K6: 8 then 8, both low now (normal under the shipped bands).
    assert (measure["baseline_band"], measure["latest_band"]) == ("low", "low")
    await assert_full_recompute_agrees(app, council.la_id)
