"""Loading a council's SSDA903 return (shared/domain/return_import.py): the synthetic return through the
operator's CLI as a real process, several years' returns one after another, a return loaded twice, an
episode that overlaps one sent through the API, and a strict import."""

import contextlib
import csv
import io
import uuid
from datetime import date
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select, text

from services.cli.progress import bar
from shared.db import transaction
from shared.domain import return_import
from shared.domain.return_import import ImportAsked
from shared.models import Child, ImportFinding, Placement, RecomputeRequest, ReturnImport
from shared.settings import Settings
from shared.ssda903_files import read_return
from tests.conftest import Council, state_of
from tests.integration.cli_runner import cli
from tests.unit.ssda903_files_builders import EPISODE_COLUMNS, HEADER_COLUMNS

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "ssda903"
SAMPLE_FILES = [SAMPLE / f"csc-validator-be-903__{table}.csv" for table in ("header", "episodes", "uasc", "oc2")]


async def stored(app: FastAPI, la_id: uuid.UUID) -> tuple[int, int, int]:
    """The council's children, episodes and recompute requests."""
    async with state_of(app).sessions() as db:
        return (
            await db.scalar(select(func.count()).select_from(Child).where(Child.la_id == la_id)) or 0,
            await db.scalar(select(func.count()).select_from(Placement).where(Placement.la_id == la_id)) or 0,
            await db.scalar(select(func.count()).select_from(RecomputeRequest).where(RecomputeRequest.la_id == la_id))
            or 0,
        )


async def test_the_synthetic_return_loads_through_the_cli_and_a_second_load_changes_nothing(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    with SAMPLE_FILES[0].open(newline="") as header:
        children_in_file = {row["CHILD"] for row in csv.DictReader(header)}
    files = [(path.name, path.open("rb")) for path in SAMPLE_FILES]
    parsed = read_return(files, None)
    for _, opened in files:
        opened.close()

    first = await cli(settings, "import-903", council.code, *map(str, SAMPLE_FILES))
    assert first.code == 0, first.err
    # Not a terminal: the progress bar is each stage's last state, a line each.
    checked = parsed.rows_read[SAMPLE_FILES[0].name] + parsed.rows_read[SAMPLE_FILES[1].name]
    assert first.err.splitlines()[:3] == [
        bar("reading", len(SAMPLE_FILES), len(SAMPLE_FILES), "files"),
        bar("checking", checked, checked, "rows"),
        "merging…",
    ]
    children, episodes, requests = await stored(app, council.la_id)
    assert children == len(children_in_file) == len(parsed.children)
    assert episodes == len(parsed.episodes)
    assert requests == children  # every child new, each recomputed once
    assert f"children: {children:,} new, 0 changed, 0 unchanged" in first.out
    assert f"episodes: {episodes:,} new, 0 changed, 0 unchanged" in first.out
    # OC2: an SDQ score for each child with one, and every child's CONVICTED (outcome_rows.py).
    assert len(parsed.measures) == 1321 + 2675
    assert f"outcome measures: {len(parsed.measures):,} new, 0 changed, 0 unchanged" in first.out
    async with state_of(app).sessions() as db:
        kept = await db.scalar(select(ReturnImport).where(ReturnImport.la_id == council.la_id))
        assert kept is not None and kept.state == "done" and kept.source == "cli" and kept.year == 2018
        report = await db.scalar(
            select(func.count()).select_from(ImportFinding).where(ImportFinding.import_id == kept.id)
        )
        assert report == len(parsed.findings)

    again = await cli(settings, "import-903", council.code, *map(str, SAMPLE_FILES))
    assert again.code == 0, again.err
    assert "nothing changed: the return was loaded already" in again.out
    assert f"children: 0 new, 0 changed, {children:,} unchanged" in again.out
    assert f"outcome measures: 0 new, 0 changed, {len(parsed.measures):,} unchanged" in again.out
    assert await stored(app, council.la_id) == (children, episodes, requests)


def csv_file(name: str, columns: str, rows: list[str]) -> tuple[str, io.BytesIO]:
    return name, io.BytesIO("\n".join([columns, *rows]).encode())


async def load(
    app: FastAPI,
    settings: Settings,
    la_id: uuid.UUID,
    headers: list[str],
    episodes: list[str],
    *,
    year: int | None = None,
    strict: bool = False,
) -> ReturnImport:
    files = [csv_file("header.csv", HEADER_COLUMNS, headers), csv_file("episodes.csv", EPISODE_COLUMNS, episodes)]
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        began = await return_import.begin(db, ImportAsked(la_id, [name for name, _ in files], "cli", year, strict))
    ended = await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes)
    return ended.row


async def episodes_of(app: FastAPI, la_id: uuid.UUID) -> dict[date, tuple[date | None, str, int | None]]:
    async with state_of(app).sessions() as db:
        rows = await db.execute(
            select(Placement.start_date, Placement.end_date, Placement.place, Placement.return_year).where(
                Placement.la_id == la_id
            )
        )
        return {start: (end, place, year) for start, end, place, year in rows}


HEADER = "A1,1,01/02/2010,WBRI,,,"


async def test_a_later_years_return_closes_and_corrects_episodes_and_an_earlier_one_loaded_after_changes_nothing(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    year_2022 = [
        "A1,01/05/2022,S,C2,N1,U4,PR1,01/09/2022,X1,CARPL,,,",
        "A1,01/09/2022,P,C2,N1,U6,PR1,,,,,,",
    ]
    # The open episode closed in the next year's return, and the first one's placement type corrected.
    year_2023 = [
        "A1,01/05/2022,S,C2,N1,U5,PR1,01/09/2022,X1,CARPL,,,",
        "A1,01/09/2022,P,C2,N1,U6,PR1,01/06/2023,E4A,,,,",
    ]
    first = await load(app, settings, council.la_id, [HEADER], year_2022, year=2022)
    assert first.state == "done" and first.counts and first.counts["episodes_created"] == 2
    second = await load(app, settings, council.la_id, [HEADER], year_2023, year=2023)
    assert second.counts and (second.counts["episodes_created"], second.counts["episodes_updated"]) == (0, 2)
    expected = {
        date(2022, 5, 1): (date(2022, 9, 1), "U5", 2023),
        date(2022, 9, 1): (date(2023, 6, 1), "U6", 2023),
    }
    assert await episodes_of(app, council.la_id) == expected

    older_again = await load(app, settings, council.la_id, [HEADER], year_2022, year=2022)
    assert older_again.counts and older_again.counts["episodes_updated"] == 0
    assert await episodes_of(app, council.la_id) == expected


async def test_an_episode_overlapping_one_sent_through_the_api_is_rejected_and_the_stored_one_stands(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(app, settings, council.la_id, [HEADER], ["A1,01/05/2022,S,C2,N1,U4,PR1,01/09/2022,X1,CARPL,,,"])
    # Another DECOM for the same stay: the stored episode stands, the new row is reported.
    loaded = await load(app, settings, council.la_id, [HEADER], ["A1,02/05/2022,S,C2,N1,U4,PR1,,,,,,"])
    assert loaded.state == "done" and loaded.counts and loaded.counts["rejected"] == 1
    async with state_of(app).sessions() as db:
        finding = await db.scalar(select(ImportFinding).where(ImportFinding.import_id == loaded.id))
    assert finding is not None and (finding.file, finding.row, finding.rule, finding.column) == (
        "episodes.csv",
        2,
        "overlap",
        "DECOM",
    )
    assert "903:A1:2022-05-01" in finding.reason
    assert list(await episodes_of(app, council.la_id)) == [date(2022, 5, 1)]


async def test_a_strict_import_with_a_rejected_row_loads_nothing_and_keeps_its_report(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    episodes = ["A1,01/05/2022,S,C2,N1,U4,PR1,,,,,,", "A1,01/06/2022,S,C2,N1,XX,PR1,,,,,,"]
    refused = await load(app, settings, council.la_id, [HEADER], episodes, strict=True)
    assert refused.state == "refused" and refused.reason and "1 row rejected" in refused.reason
    assert await stored(app, council.la_id) == (0, 0, 0)
    async with state_of(app).sessions() as db:
        rules = list(await db.scalars(select(ImportFinding.rule).where(ImportFinding.import_id == refused.id)))
    assert rules == ["code-list"]

    lenient = await load(app, settings, council.la_id, [HEADER], episodes)
    assert lenient.state == "done" and (await stored(app, council.la_id))[:2] == (1, 1)


HELD_LOCKS = text("""
SELECT count(*) FROM pg_locks l, (SELECT hashtextextended(:key, 0) AS k) h
WHERE l.locktype = 'advisory' AND l.objsubid = 1
  AND l.classid::bigint = ((h.k >> 32) & 4294967295) AND l.objid::bigint = (h.k & 4294967295)
""")


async def test_an_import_ends_holding_no_lock_so_the_councils_next_import_never_waits(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    # Idle connections in the pool, so that a lock taken on one connection and released on whichever the
    # pool hands out next would be left held.
    async with contextlib.AsyncExitStack() as stack:
        for db in [await stack.enter_async_context(state_of(app).sessions()) for _ in range(3)]:
            await db.execute(select(1))
    for _ in range(3):
        assert (await load(app, settings, council.la_id, [HEADER], [], year=2022)).state == "done"
        async with state_of(app).sessions() as db:
            assert await db.scalar(HELD_LOCKS, {"key": f"return-import:{council.la_id}"}) == 0


async def test_a_strict_import_loads_nothing_when_only_the_stored_episodes_reject_a_row(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(app, settings, council.la_id, [HEADER], ["A1,01/05/2022,S,C2,N1,U4,PR1,01/09/2022,X1,CARPL,,,"])
    # Each row valid on its own; the second overlaps the stored episode under another DECOM.
    episodes = ["A1,01/09/2022,P,C2,N1,U6,PR1,,,,,,", "A1,02/05/2022,S,C2,N1,U4,PR1,,,,,,"]
    refused = await load(app, settings, council.la_id, [HEADER], episodes, strict=True)
    assert refused.state == "refused" and refused.reason and "1 row rejected" in refused.reason
    assert list(await episodes_of(app, council.la_id)) == [date(2022, 5, 1)]


async def test_an_earlier_years_header_loaded_after_a_later_one_leaves_the_childs_details_as_the_later_said(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    episode = "A1,01/05/2022,S,C2,N1,U4,PR1,,,,,,"
    await load(app, settings, council.la_id, ["A1,1,01/02/2010,WIRI,,,"], [episode], year=2023)
    older = await load(app, settings, council.la_id, [HEADER], [episode], year=2022)
    assert older.counts and (older.counts["children_updated"], older.counts["children_unchanged"]) == (0, 1)
    async with state_of(app).sessions() as db:
        assert await db.scalar(select(Child.ethnicity).where(Child.la_id == council.la_id)) == "WIRI"


async def test_a_date_of_birth_after_a_stored_record_of_the_child_is_rejected_with_its_episodes(
    app: FastAPI, settings: Settings, council: Council
) -> None:
    await load(app, settings, council.la_id, [HEADER], ["A1,01/05/2022,S,C2,N1,U4,PR1,01/06/2022,E8,,,,"])
    # Born after the stored episode of 2022, by this header; its own episode of 2023 goes with it.
    later = await load(
        app, settings, council.la_id, ["A1,1,01/01/2023,WBRI,,,"], ["A1,01/05/2023,S,C2,N1,U4,PR1,,,,,,"]
    )
    assert later.state == "done" and later.counts
    assert (later.counts["children_accepted"], later.counts["episodes_accepted"], later.counts["rejected"]) == (0, 0, 2)
    async with state_of(app).sessions() as db:
        findings = (
            await db.execute(
                select(
                    ImportFinding.file,
                    ImportFinding.row,
                    ImportFinding.column,
                    ImportFinding.rule,
                    ImportFinding.conflicts_with,
                )
                .where(ImportFinding.import_id == later.id)
                .order_by(ImportFinding.file, ImportFinding.row)
            )
        ).all()
        born = await db.scalar(select(Child.date_of_birth).where(Child.la_id == council.la_id))
    assert [tuple(row) for row in findings] == [
        ("episodes.csv", 2, "CHILD", "missing-child", "header.csv row 2"),
        ("header.csv", 2, "DOB", "date", None),
    ]
    assert born == date(2010, 2, 1)
    assert list(await episodes_of(app, council.la_id)) == [date(2022, 5, 1)]


async def test_the_returns_measures_are_the_years_and_one_held_through_the_api_stands(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    header = csv_file("header.csv", HEADER_COLUMNS, ["M1,1,01/01/2010,WBRI,,,", "M2,2,01/06/2023,WBRI,,,"])
    episodes = csv_file(
        "episodes.csv", EPISODE_COLUMNS, ["M1,01/05/2022,S,C2,N1,U4,PR1,,,,,,", "M2,01/07/2023,S,C2,N1,U4,PR1,,,,,,"]
    )
    oc2 = ("oc2.csv", "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED", ["M1,01/01/2010,19.0,,0", "M2,01/06/2023,41,,"])
    missing = ("missing.csv", "CHILD,DOB,MISSING,MIS_START,MIS_END", ["M1,01/01/2010,M,01/05/2023,02/05/2023"])
    files = [header, episodes, csv_file(*oc2), csv_file(*missing)]
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        began = await return_import.begin(db, ImportAsked(council.la_id, [n for n, _ in files], "cli", 2023, False))
    done = (await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes)).row
    assert done.state == "done" and done.counts is not None
    # M1: SDQ 19 (written 19.0), not convicted, one episode missing; M2: 41 is no SDQ score, no episode missing.
    assert (done.counts["measures_created"], done.counts["rejected"]) == (4, 1)
    measures = {
        (m["child_id"], m["code"]): (m["value"], m["period_start"], m["period_end"], m["source"])
        for child in ("M1", "M2")
        for m in (await api.get("/v1/outcome-measures", params={"child_id": child}, headers=council.headers)).json()
    }
    assert measures == {
        ("M1", "sdq_total"): ("19", "2023-04-01", "2024-03-31", "ssda903"),
        ("M1", "offences"): ("0", "2023-04-01", "2024-03-31", "ssda903"),
        ("M1", "missing_episodes"): ("1", "2023-04-01", "2024-03-31", "ssda903"),
        # Born in the year: its measures run from its birth.
        ("M2", "missing_episodes"): ("0", "2023-06-01", "2024-03-31", "ssda903"),
    }
    # The case-management system records M2's SDQ for the year; the return's next load does not overwrite it.
    held = {"external_id": "cms-sdq", "child_id": "M2", "code": "sdq_total", "value": 12}
    held |= {"period_start": "2023-06-01", "period_end": "2024-03-31"}
    assert (await api.post("/v1/outcome-measures", json=held, headers=council.headers)).status_code == 201
    files = [header, episodes, csv_file(*oc2[:2], ["M2,01/06/2023,15,,"])]
    for _, stream in files:
        stream.seek(0)
    async with transaction(sessions) as db:
        began = await return_import.begin(db, ImportAsked(council.la_id, [n for n, _ in files], "cli", 2023, False))
    again = (await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes)).row
    assert again.counts is not None and (again.counts["measures_created"], again.counts["warnings"]) == (0, 1)
    async with sessions() as db:
        finding = await db.scalar(select(ImportFinding).where(ImportFinding.import_id == again.id))
    assert finding is not None and finding.rule == "measure-held" and "'cms-sdq', which stands" in finding.reason
    sdq = (await api.get("/v1/outcome-measures", params={"child_id": "M2"}, headers=council.headers)).json()
    assert [(m["code"], m["value"]) for m in sdq if m["code"] == "sdq_total"] == [("sdq_total", "12")]


async def test_a_value_outside_the_councils_own_definition_of_its_code_is_rejected_and_strict_loads_nothing(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, council: Council
) -> None:
    narrower = {"label": "SDQ (carer)", "outcome_area": "be_healthy", "unit": "score", "min_value": 0}
    narrower |= {"max_value": 30, "better": "lower", "bands": []}
    response = await api.put("/v1/admin/measure-codes/sdq_total", json=narrower, headers=council.admin)
    assert response.status_code == 200, response.text
    header = csv_file("header.csv", HEADER_COLUMNS, ["Q1,1,01/01/2010,WBRI,,,", "Q2,2,01/01/2011,WBRI,,,"])
    episodes = csv_file(
        "episodes.csv", EPISODE_COLUMNS, ["Q1,01/05/2022,S,C2,N1,U4,PR1,,,,,,", "Q2,01/05/2022,S,C2,N1,U4,PR1,,,,,,"]
    )
    # 35 is an SDQ score (0 to 40) but not one this council's sdq_total allows.
    oc2 = csv_file("oc2.csv", "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED", ["Q1,01/01/2010,35,,1", "Q2,01/01/2011,20,,"])
    files = [header, episodes, oc2]
    sessions = state_of(app).sessions

    async def load(strict: bool) -> ReturnImport:
        for _, stream in files:
            stream.seek(0)
        async with transaction(sessions) as db:
            asked = ImportAsked(council.la_id, [n for n, _ in files], "cli", 2023, strict)
            began = await return_import.begin(db, asked)
        return (await return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes)).row

    refused = await load(strict=True)
    assert refused.counts is not None and refused.counts["rejected"] == 1
    assert await stored(app, council.la_id) == (0, 0, 0)
    done = await load(strict=False)
    assert done.counts is not None and (done.counts["rejected"], done.counts["measures_created"]) == (1, 2)
    async with sessions() as db:
        finding = await db.scalar(select(ImportFinding).where(ImportFinding.import_id == done.id))
    assert finding is not None and (finding.rule, finding.column, finding.value) == ("measure-code", "SDQ_SCORE", "35")
    assert "between 0 and 30" in finding.reason and finding.severity == "rejected"
    measures = {
        (m["child_id"], m["code"]): m["value"]
        for child in ("Q1", "Q2")
        for m in (await api.get("/v1/outcome-measures", params={"child_id": child}, headers=council.headers)).json()
    }
    # Q1's conviction on the same row stands; only the value the council's code refuses is not stored.
    assert measures == {("Q1", "offences"): "1", ("Q2", "sdq_total"): "20"}
