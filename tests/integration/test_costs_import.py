"""Loading a council's placement costs file through the imports' one path (shared/domain/return_import.py,
costs_merge.py): through the operator's CLI as a real process and as an admin's upload run by the worker, every
rejection only the stored data can show, a file loaded twice, a strict import, and the contracts of the
providers a changed placement was and is with marked stale."""

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, update

from shared.db import transaction
from shared.domain import return_import
from shared.domain.return_import import ImportAsked
from shared.models import Contract, ImportFinding, Placement, Provider, RecomputeRequest, ReturnImport
from shared.settings import Settings
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.integration.contracts import new_contract, stale_since
from tests.integration.helpers import add_child, placement, run_worker
from tests.unit.ssda903_files_builders import EPISODE_COLUMNS, HEADER_COLUMNS

COLUMNS = "CHILD,DECOM,PLACEMENT_ID,WEEKLY_COST,FUNDING_SOCIAL_CARE,FUNDING_HEALTH,FUNDING_EDUCATION,PROVIDER"
COSTS = [
    'A1,01/05/2022,,"£1,250.50",50%,50%,,P1',  # accepted, the cost's formatting read with a warning
    "B1,,LCS-1,900,1,0,0,P1",  # the API's placement, moved from P2 to P1
    "A9,01/05/2022,,650,1,0,0,P1",  # no such child
    "A1,01/06/2022,,650,1,0,0,P1",  # no such episode of the child
    "A2,01/05/2022,,650,1,0,0,NOPE",  # no such provider
    "A1,2022-05-01,,700,1,0,0,P1",  # the episode of row 2 again, saying another cost
    "A2,01/05/2022,,650,0.5,0.3,0.1,P1",  # shares summing to 0.9
    "B1,01/05/2022,,650,1,0,0,P1",  # DECOM names only a return's episodes: B1's came through the API
]
REPORT = [
    ("4", "rejected", "CHILD", "A9", "missing-child", ""),
    ("5", "rejected", "DECOM", "01/06/2022", "missing-episode", ""),
    ("6", "rejected", "PROVIDER", "NOPE", "unknown-provider", ""),
    ("7", "rejected", "", "", "duplicate", "costs.csv row 2"),
    ("8", "rejected", "FUNDING_*", "0.5+0.3+0.1", "shares-sum", ""),
    ("9", "rejected", "DECOM", "01/05/2022", "missing-episode", ""),
]


async def a_council_with_placements(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council
) -> dict[str, uuid.UUID]:
    """Children A1 and A2 loaded from a return (no provider yet), B1 placed through the API with P2, and a
    contract with each of P1, P2 and P3, none of them stale."""
    contracts = {
        provider: await new_contract(api, council, f"C-{provider}", provider) for provider in ("P1", "P2", "P3")
    }
    header = "\n".join([HEADER_COLUMNS, "A1,1,01/02/2010,WBRI,,,", "A2,2,03/04/2011,WIRI,,,"])
    episodes = "\n".join([EPISODE_COLUMNS, "A1,01/05/2022,S,C2,N1,U4,PR1,,,,,,", "A2,01/05/2022,S,C2,N1,U4,PR1,,,,,,"])
    files = [("header.csv", io.BytesIO(header.encode())), ("episodes.csv", io.BytesIO(episodes.encode()))]
    assert (await imported(app, settings, council.la_id, files)).state == "done"
    await add_child(api, council.headers, "B1")
    body = placement("B1", "LCS-1", date(2022, 5, 1), provider_id="P2")
    assert (await api.post("/v1/placements", json=body, headers=council.headers)).status_code == 201
    await clear_stale(app)
    return contracts


async def imported(
    app: FastAPI, settings: Settings, la_id: uuid.UUID, files: list[tuple[str, io.BytesIO]], kind: str = "ssda903"
) -> ReturnImport:
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        began = await return_import.begin(db, ImportAsked(la_id, [name for name, _ in files], "cli", kind=kind))
    return (await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes)).row


async def clear_stale(app: FastAPI) -> None:
    async with transaction(state_of(app).sessions) as db:
        await db.execute(update(Contract).values(statements_stale_since=None))


async def costs_of(app: FastAPI, la_id: uuid.UUID) -> dict[str, tuple[Decimal | None, tuple[Decimal, ...], str | None]]:
    async with state_of(app).sessions() as db:
        rows = await db.execute(
            select(
                Placement.external_id,
                Placement.weekly_cost,
                Placement.funding_social_care,
                Placement.funding_health,
                Placement.funding_education,
                Provider.external_id,
            )
            .outerjoin(Provider, Provider.id == Placement.provider_id)
            .where(Placement.la_id == la_id)
        )
        return {
            placed: (cost, (care, health, education), provider)
            for placed, cost, care, health, education, provider in rows
        }


async def requests(app: FastAPI, la_id: uuid.UUID) -> int:
    async with state_of(app).sessions() as db:
        return (
            await db.scalar(select(func.count()).select_from(RecomputeRequest).where(RecomputeRequest.la_id == la_id))
            or 0
        )


async def test_a_costs_file_loads_through_the_cli_row_by_row_and_a_second_load_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    contracts = await a_council_with_placements(app, api, settings, council)
    recomputes = await requests(app, council.la_id)
    path = tmp_path / "costs.csv"
    path.write_text("\n".join([COLUMNS, *COSTS]) + "\n", encoding="cp1252")

    first = await cli(settings, "import-costs", council.code, str(path))
    assert first.code == 0, first.err
    assert "(costs): done" in first.out and "costs.csv: 8 rows read" in first.out
    assert "placements: 2 changed, 0 unchanged" in first.out
    assert "1 rows accepted with warnings, 6 rejected" in first.out
    stored = await costs_of(app, council.la_id)
    assert stored["903:A1:2022-05-01"] == (Decimal("1250.50"), (Decimal("0.5"), Decimal("0.5"), Decimal(0)), "P1")
    assert stored["LCS-1"] == (Decimal(900), (Decimal(1), Decimal(0), Decimal(0)), "P1")
    assert stored["903:A2:2022-05-01"][0] is None  # its rows rejected: as the return left it
    # Statements are paid on weekly costs: the contracts of P1 (now) and P2 (B1's provider before) go stale;
    # needs trends do not read costs, so no child is recomputed.
    assert await stale_since(app, contracts["P1"]) is not None
    assert await stale_since(app, contracts["P2"]) is not None
    assert await stale_since(app, contracts["P3"]) is None
    assert await requests(app, council.la_id) == recomputes

    async with state_of(app).sessions() as db:
        kept = await db.scalar(
            select(ReturnImport).where(ReturnImport.la_id == council.la_id, ReturnImport.kind == "costs")
        )
        assert kept is not None and (kept.state, kept.source, kept.year) == ("done", "cli", None)
        assert kept.counts == {
            "rows_read": {"costs.csv": 8},
            "rows_accepted": 2,
            "warnings": 1,
            "rejected": 6,
            "placements_changed": 2,
            "placements_unchanged": 0,
        }
        report = await db.execute(
            select(ImportFinding.row, ImportFinding.column, ImportFinding.reason)
            .where(ImportFinding.import_id == kept.id, ImportFinding.severity == "rejected")
            .order_by(ImportFinding.row)
        )
        reasons = {row: reason for row, _column, reason in report}
    assert "PLACEMENT_ID LCS-1" in reasons[9]  # the API's placement that DECOM did not name

    await clear_stale(app)
    again = await cli(settings, "import-costs", council.code, str(path))
    assert again.code == 0, again.err
    assert "placements: 0 changed, 2 unchanged" in again.out
    assert "nothing changed: the file was loaded already" in again.out
    assert await costs_of(app, council.la_id) == stored
    assert await stale_since(app, contracts["P1"]) is None


async def test_an_uploaded_costs_file_is_imported_by_the_worker_and_its_report_names_each_row(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council
) -> None:
    await a_council_with_placements(app, api, settings, council)
    content = "\n".join([COLUMNS, *COSTS]).encode()
    files = [("files", ("costs.csv", content, "text/csv"))]
    asked = await api.post("/v1/admin/imports", files=files, data={"kind": "costs"}, headers=council.admin)
    assert asked.status_code == 202, asked.text
    assert (asked.json()["kind"], asked.json()["state"]) == ("costs", "queued")

    await run_worker(settings, app)
    location = asked.headers["Location"]
    done = (await api.get(location, headers=council.admin)).json()
    assert (done["state"], done["kind"], done["year"]) == ("done", "costs", None)
    assert (done["counts"]["placements_changed"], done["counts"]["rejected"]) == (2, 6)

    report = await api.get(f"{location}/report", params={"format": "csv"}, headers=council.admin)
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert rows[0]["severity"] == "warning" and rows[0]["column"] == "WEEKLY_COST"
    found = [(r["row"], r["severity"], r["column"], r["value"], r["rule"], r["conflicts_with"]) for r in rows[1:]]
    assert found == REPORT
    assert (await api.get(f"{location}/report", headers=council.admin)).json()["kind"] == "costs"

    with_year = await api.post(
        "/v1/admin/imports", files=files, data={"kind": "costs", "year": "2022"}, headers=council.admin
    )
    assert with_year.status_code == 422 and "year" in with_year.text


async def test_a_strict_costs_import_with_a_row_the_stored_data_rejects_loads_nothing(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, tmp_path: Path
) -> None:
    contracts = await a_council_with_placements(app, api, settings, council)
    before = await costs_of(app, council.la_id)
    path = tmp_path / "costs.csv"
    # Every row valid on its own: the provider is unknown only to the stored data.
    path.write_text("\n".join([COLUMNS, "A1,01/05/2022,,650,1,0,0,P1", "A2,01/05/2022,,650,1,0,0,NOPE"]))

    refused = await cli(settings, "import-costs", council.code, str(path), "--strict")
    assert refused.code == 1
    assert "(costs): refused" in refused.out and "strict import: 1 row rejected" in refused.out
    assert await costs_of(app, council.la_id) == before
    assert await stale_since(app, contracts["P1"]) is None

    lenient = await cli(settings, "import-costs", council.code, str(path))
    assert lenient.code == 0 and "placements: 1 changed" in lenient.out
    assert (await costs_of(app, council.la_id))["903:A1:2022-05-01"][0] == Decimal(650)
