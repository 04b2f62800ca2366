"""Loading a council's assessments file (a first load of its history) through the imports' one path
(shared/domain/return_import.py, assessments_merge.py): through the operator's CLI as a real process and as an
admin's upload run by the worker, each row refused for what the assessment batch refuses, with its reasons,
a file loaded twice, a strict import, and the figures of the children whose assessments landed."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from shared.instruments import shipped_instrument
from shared.models import Assessment, ImportFinding, ReturnImport
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.integration.helpers import add_child, assessment, run_worker

DOMAINS = shipped_instrument().domains
COLUMNS = ",".join(["CHILD", "ASSESSMENT_ID", "ASSESSED_ON", "INSTRUMENT", "CONTEXT", "ASSESSOR_ROLE", *DOMAINS])
TOMORROW = (date.today() + timedelta(days=1)).strftime("%d/%m/%Y")


def row(child: str, external_id: str, day: str, levels: list[str], context: str = "review") -> str:
    return ",".join([child, external_id, day, "needs-v1", context, "social_worker", *levels])


ROWS = [
    row("A1", "AS-1", "01/05/2022", ["2.0", *["3"] * 11]),  # accepted, 2.0 read as 2 with a warning
    row("A1", "AS-2", "2023-05-01", ["", *["1"] * 11]),  # accepted, the blank domain not assessed
    row("A9", "AS-3", "01/05/2022", ["1"] * 12),  # no such child
    row("A1", "AS-4", "01/05/2022", ["7", *["1"] * 11]),  # a level outside the scale
    row("A1", "AS-5", TOMORROW, ["1"] * 12),  # in the future
    row("A1", "AS-6", "01/05/2022", ["1"] * 12, context="chat"),  # not one of the API's contexts
    row("A2", "AS-7", "01/05/2014", ["1"] * 12),  # before A2 was born
    row("A2", "AS-API", "01/05/2022", ["1"] * 12),  # the API's assessment of A2, with other content
]
REPORT = [
    (4, "CHILD", "A9", "missing-child"),
    (5, DOMAINS[0], "7", "scale"),
    (6, "ASSESSED_ON", TOMORROW, "date"),
    (7, "CONTEXT", "chat", "value"),
    (8, "ASSESSED_ON", "01/05/2014", "date"),
    (9, "ASSESSMENT_ID", "AS-API", "other-content"),
]


async def a_council_with_children(api: httpx.AsyncClient, council: Council) -> None:
    await add_child(api, council.headers, "A1", date(2010, 1, 1))
    await add_child(api, council.headers, "A2", date(2015, 1, 1))
    body = assessment("A2", "AS-API", date(2022, 5, 1))
    assert (await api.post("/v1/assessments", json=body, headers=council.headers)).status_code == 201


async def stored(app: FastAPI, council: Council) -> list[str]:
    async with state_of(app).sessions() as db:
        query = select(Assessment.external_id).where(Assessment.la_id == council.la_id)
        return sorted(await db.scalars(query))


async def test_an_assessments_file_loads_through_the_cli_row_by_row_and_a_second_load_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    await a_council_with_children(api, council)
    path = tmp_path / "assessments.csv"
    path.write_text("\n".join([COLUMNS, *ROWS]) + "\n", encoding="cp1252")

    first = await cli(settings, "import-assessments", council.code, str(path))
    assert first.code == 0, first.err
    assert "(assessments): done" in first.out and "assessments.csv: 8 rows read" in first.out
    assert "assessments: 2 new, 0 existing" in first.out
    assert "1 rows accepted with warnings, 6 rejected" in first.out
    assert await stored(app, council) == ["AS-1", "AS-2", "AS-API"]

    async with state_of(app).sessions() as db:
        kept = await db.scalar(
            select(ReturnImport).where(ReturnImport.la_id == council.la_id, ReturnImport.kind == "assessments")
        )
        assert kept is not None and (kept.state, kept.source, kept.year) == ("done", "cli", None)
        assert kept.counts == {
            "rows_read": {"assessments.csv": 8},
            "rows_accepted": 2,
            "warnings": 1,
            "rejected": 6,
            "assessments_created": 2,
            "assessments_existing": 0,
        }
        report = await db.execute(
            select(
                ImportFinding.row, ImportFinding.column, ImportFinding.value, ImportFinding.rule, ImportFinding.reason
            )
            .where(ImportFinding.import_id == kept.id, ImportFinding.severity == "rejected")
            .order_by(ImportFinding.row)
        )
        found = list(report)
    assert [(r, column, value, rule) for r, column, value, rule, _ in found] == REPORT
    reasons = {r: reason for r, *_, reason in found}
    # The API's own reasons, named by the file's column.
    assert "no child with this id in your council" in reasons[4]
    assert "outside the scale 0-4" in reasons[5]
    assert "already used for an assessment with other content" in reasons[9]

    await run_worker(settings, app)
    trends = (await api.get("/v1/children/A1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh" and len(trends["assessment_ids"]) == 2
    assert trends["summary"]["baseline_total_need"] == 2 + 3 * 11

    again = await cli(settings, "import-assessments", council.code, str(path))
    assert again.code == 0, again.err
    assert "assessments: 0 new, 2 existing" in again.out
    assert "nothing changed: the file was loaded already" in again.out
    assert await stored(app, council) == ["AS-1", "AS-2", "AS-API"]


async def test_a_strict_assessments_import_with_a_rejected_row_loads_nothing(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    await a_council_with_children(api, council)
    path = tmp_path / "assessments.csv"
    # Both rows valid on their own: only the stored data knows A9 is no child of the council.
    path.write_text("\n".join([COLUMNS, ROWS[0], ROWS[2]]))

    refused = await cli(settings, "import-assessments", council.code, str(path), "--strict")
    assert refused.code == 1
    assert "(assessments): refused" in refused.out and "strict import: 1 row rejected" in refused.out
    assert await stored(app, council) == ["AS-API"]

    lenient = await cli(settings, "import-assessments", council.code, str(path))
    assert lenient.code == 0 and "assessments: 1 new, 0 existing" in lenient.out


async def test_an_uploaded_assessments_file_is_imported_by_the_worker_and_its_report_names_each_row(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council
) -> None:
    await a_council_with_children(api, council)
    files = [("files", ("assessments.csv", "\n".join([COLUMNS, *ROWS]).encode(), "text/csv"))]
    asked = await api.post("/v1/admin/imports", files=files, data={"kind": "assessments"}, headers=council.admin)
    assert asked.status_code == 202, asked.text

    await run_worker(settings, app)
    location = asked.headers["Location"]
    done = (await api.get(location, headers=council.admin)).json()
    assert (done["state"], done["kind"]) == ("done", "assessments")
    assert (done["counts"]["assessments_created"], done["counts"]["rejected"]) == (2, 6)
    report = await api.get(f"{location}/report", params={"format": "csv"}, headers=council.admin)
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert (rows[0]["severity"], rows[0]["column"]) == ("warning", DOMAINS[0])
    assert [(int(r["row"]), r["column"], r["value"], r["rule"]) for r in rows[1:]] == REPORT
    async with state_of(app).sessions() as db:
        assert (
            await db.scalar(select(func.count()).select_from(Assessment).where(Assessment.la_id == council.la_id)) == 3
        )
    trends = (await api.get("/v1/children/A1/needs-trends", headers=council.headers)).json()
    assert trends["status"] == "fresh" and len(trends["assessment_ids"]) == 2

    with_year = await api.post(
        "/v1/admin/imports", files=files, data={"kind": "assessments", "year": "2022"}, headers=council.admin
    )
    assert with_year.status_code == 422 and "year" in with_year.text
