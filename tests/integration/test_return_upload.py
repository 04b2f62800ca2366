"""An admin uploads the council's SSDA903 return (POST /v1/admin/imports): the worker imports it as a job the
admin follows, the row-level report downloads as JSON or CSV, the files go once the import ends, and uploads
have a size limit of their own."""

import asyncio
import csv
import io
import threading
import uuid
from datetime import date

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from shared.db import transaction
from shared.domain import return_import
from shared.domain.import_steps import Files, Read
from shared.domain.return_import import ImportAsked
from shared.models import ImportUpload
from shared.settings import Settings
from shared.ssda903_files.progress import Tick
from tests.conftest import Council, state_of
from tests.integration.faults import true_within
from tests.integration.helpers import run_worker
from tests.unit.ssda903_files_builders import EPISODE_COLUMNS, HEADER_COLUMNS

HEADER = "\n".join([HEADER_COLUMNS, "U1,2,01/02/2010,WBRI,,,", "U2,1,03/04/2011,WIRI,,,"])
EPISODES = "\n".join(
    [
        EPISODE_COLUMNS,
        "U1,01/05/2022,S,C2,N1,U4,PR1,01/09/2022,X1,CARPL,,,",
        "U1,01/09/2022,P,C2,N1,U6,PR1,,E11,,,,",  # an open episode with a REC: kept open, REC dropped
        "U2,01/06/2022,S,C2,N1,Q9,PR1,,,,,,",  # no such placement type
    ]
)


def upload(*files: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (name, content, "text/csv")) for name, content in files]


async def test_an_uploaded_return_is_imported_by_the_worker_and_its_report_downloads(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, other_council: Council
) -> None:
    files = upload(("header.csv", HEADER.encode()), ("episodes.csv", EPISODES.encode()))
    asked = await api.post("/v1/admin/imports", files=files, data={"year": "2022-23"}, headers=council.admin)
    assert asked.status_code == 202, asked.text
    location = asked.headers["Location"]
    assert asked.json()["state"] == "queued" and asked.json()["files"] == ["header.csv", "episodes.csv"]

    await run_worker(settings, app)
    done = (await api.get(location, headers=council.admin)).json()
    assert (done["state"], done["source"], done["year"]) == ("done", "api", 2022)
    counts = done["counts"]
    assert (counts["children_created"], counts["episodes_created"], counts["warnings"], counts["rejected"]) == (
        2,
        2,
        1,
        1,
    )
    # The import's files go once it ends (another test's import, still queued, may hold its own).
    async with state_of(app).sessions() as db:
        uploads = select(func.count()).select_from(ImportUpload).where(ImportUpload.import_id == uuid.UUID(done["id"]))
        assert await db.scalar(uploads) == 0

    report = await api.get(f"{location}/report", params={"format": "csv"}, headers=council.admin)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.text)))
    assert [(row["row"], row["severity"], row["column"], row["rule"]) for row in rows] == [
        ("3", "warning", "REC", "dfe-148"),
        ("4", "rejected", "PLACE", "code-list"),
    ]
    as_json = (await api.get(f"{location}/report", headers=council.admin)).json()
    assert [item["rule"] for item in as_json["items"]] == ["dfe-148", "code-list"]

    listed = (await api.get("/v1/admin/imports", headers=council.admin)).json()
    assert [item["id"] for item in listed] == [done["id"]]
    assert (await api.get(location, headers=other_council.admin)).status_code == 404
    assert (await api.get(f"{location}/report", headers=other_council.admin)).status_code == 404
    assert (await api.get(location, headers=council.headers)).status_code == 403


async def test_an_upload_larger_than_the_api_body_limit_is_taken_and_a_file_the_service_cannot_read_refused(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council
) -> None:
    big = b"NOT,A,RETURN\n" + b"x,y,z\n" * (settings.max_body_bytes // 6 + 1)
    assert len(big) > settings.max_body_bytes
    asked = await api.post("/v1/admin/imports", files=upload(("big.csv", big)), headers=council.admin)
    assert asked.status_code == 202, asked.text
    await run_worker(settings, app)
    refused = (await api.get(asked.headers["Location"], headers=council.admin)).json()
    assert refused["state"] == "refused" and refused["reason"].startswith("big.csv: ")


async def test_a_year_that_is_not_a_collection_year_is_refused_naming_the_field(
    api: httpx.AsyncClient, council: Council
) -> None:
    files = upload(("header.csv", HEADER.encode()))
    refused = await api.post("/v1/admin/imports", files=files, data={"year": "2022-25"}, headers=council.admin)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["year"]
    assert (await api.get("/v1/admin/imports", headers=council.admin)).json() == []


async def test_a_running_import_shows_on_its_resource_how_far_its_reading_has_got(
    app: FastAPI, api: httpx.AsyncClient, settings: Settings, council: Council, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reading held half way (a reader that tells how far it got, then waits), the admin polls the import."""
    release = threading.Event()
    reader = return_import.READERS["ssda903"]

    def held(files: Files, year: int | None, today: date, tick: Tick) -> Read:
        tick("reading", 1, 1)
        tick("checking", 2_000, 5_050)
        release.wait(timeout=60)
        return reader(files, year, today, tick)

    monkeypatch.setitem(return_import.READERS, "ssda903", held)
    sessions = state_of(app).sessions
    async with transaction(sessions) as db:
        began = await return_import.begin(db, ImportAsked(council.la_id, ["header.csv"], "cli", 2022, False, "ssda903"))
    files = [("header.csv", io.BytesIO(HEADER.encode())), ("episodes.csv", io.BytesIO(EPISODES.encode()))]
    running = asyncio.ensure_future(return_import.run(sessions, began.id, files, settings.pseudonym_key_bytes))
    location = f"/v1/admin/imports/{began.id}"
    try:

        async def half_way() -> bool:
            shown = (await api.get(location, headers=council.admin)).json()
            return (shown["state"], shown["stage"], shown["progress"]) == (
                "running",
                "checking",
                {"done": 2_000, "total": 5_050},
            )

        await true_within(half_way, 10.0, "the import's progress")
    finally:
        release.set()
        ended = await running
    assert ended.row.state == "done"
    done = (await api.get(location, headers=council.admin)).json()
    assert (done["state"], done["stage"], done["progress"]) == ("done", None, None)
