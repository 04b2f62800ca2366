"""Admin: a council's SSDA903 return, or its placement costs file, uploaded whole, imported by the worker as a
job the admin follows, and each import's row-level report, as JSON or CSV."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import undefer

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.responses import json_of
from services.api.tabular import CSV_RESPONSE, TableFormatAsked
from shared.access import Scope
from shared.domain import return_import
from shared.domain.return_import import ImportAsked
from shared.errors import InvalidInput, NotFound, field_error
from shared.models import ImportFinding, ReturnImport
from shared.ssda903 import parse_collection_year

router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=V1_PROBLEMS)
IMPORTS_PATH = "/v1/admin/imports"  # its own upload limit (MAX_UPLOAD_BYTES), not the API's body limit
Importer = Annotated[Caller, requires(Scope.RETURNS_IMPORT)]
ImportIdPath = Annotated[uuid.UUID, Path(description="The import's id, as POST /v1/admin/imports gave it")]
LISTED = 50
ImportKind = Literal["ssda903", "costs", "assessments"]
KIND = "ssda903 (an SSDA903 return), costs (a placement costs file) or assessments (a needs assessments file)"


class ImportCounts(BaseModel):
    rows_read: dict[str, int] = Field(description="Data rows read, per file")
    children_accepted: int | None = Field(default=None, description="A return: children (header rows) accepted")
    episodes_accepted: int | None = Field(default=None, description="A return: episodes accepted")
    rows_accepted: int | None = Field(default=None, description="A costs or assessments file: rows accepted")
    warnings: int = Field(description="Rows accepted with a value normalised or dropped (see the report)")
    rejected: int = Field(description="Rows rejected (see the report)")
    children_created: int | None = Field(default=None, description="Merged: children new to the service")
    children_updated: int | None = Field(default=None, description="Merged: children whose details changed")
    children_unchanged: int | None = Field(default=None, description="Merged: children as stored already")
    episodes_created: int | None = Field(default=None, description="Merged: episodes new to the service")
    episodes_updated: int | None = Field(default=None, description="Merged: episodes this return changed")
    episodes_unchanged: int | None = Field(
        default=None, description="Merged: episodes as stored already, or stored by a later year's return"
    )
    children_recomputed: int | None = Field(default=None, description="Merged: children whose figures follow")
    measures_accepted: int | None = Field(
        default=None,
        description="A return: outcome measures read from its OC2, missing and OC3 tables (sdq_total, offences, "
        "missing_episodes, neet), each of the collection year; merged, those not held already through the API",
    )
    measures_created: int | None = Field(default=None, description="Merged: outcome measures new to the service")
    measures_updated: int | None = Field(default=None, description="Merged: outcome measures this return amended")
    measures_unchanged: int | None = Field(default=None, description="Merged: outcome measures as stored already")
    placements_changed: int | None = Field(
        default=None, description="Merged, a costs file: placements whose cost, funding or provider changed"
    )
    placements_unchanged: int | None = Field(
        default=None, description="Merged, a costs file: placements as stored already"
    )
    assessments_created: int | None = Field(
        default=None, description="Merged, an assessments file: assessments new to the service"
    )
    assessments_existing: int | None = Field(
        default=None, description="Merged, an assessments file: assessments stored already with the same content"
    )


class ImportProgress(BaseModel):
    done: int = Field(description="Reading: the files read; checking: the rows checked; merging: 0")
    total: int = Field(description="Of how many: the files, then the rows they hold; merging: 0 (not counted)")


class ImportOut(BaseModel):
    id: uuid.UUID = Field(description="The import's id: GET /v1/admin/imports/{id} follows it")
    kind: ImportKind = Field(description=f"What it loads: {KIND}")
    state: Literal["queued", "running", "done", "refused", "failed"] = Field(
        description="queued (waiting for the worker), running (see stage), done (see counts), refused (the files, "
        "or a strict import's rejected rows: see reason; nothing was loaded), or failed (see reason)"
    )
    source: Literal["api", "cli"] = Field(
        description="Uploaded here, or loaded by an operator's import-903 or import-costs"
    )
    files: list[str] = Field(description="The files' names, as uploaded")
    year: int | None = Field(
        description="A return's collection year (2023 is 2023-24), as given or inferred; null for a costs file"
    )
    strict: bool = Field(description="Whether a single rejected row refuses the whole import")
    requested_at: datetime = Field(description="When it was asked for")
    started_at: datetime | None = Field(description="When it began; null while queued")
    finished_at: datetime | None = Field(description="When it ended")
    stage: str | None = Field(description="While running: reading (the files), checking (their rows), then merging")
    progress: ImportProgress | None = Field(
        default=None, description="While running: how far the stage has got (the import's progress bar)"
    )
    counts: ImportCounts | None = Field(description="Once read: what was read and what it changed")
    reason: str | None = Field(description="Refused or failed: why, in plain English")


class FindingOut(BaseModel):
    file: str = Field(description="The file the row is in")
    row: int = Field(
        description="CSV: the row as a spreadsheet numbers it (the header is row 1); XML: its element's line, or, "
        "in a file written on one line, its place among the HEADER and EPISODE elements (from 1)"
    )
    severity: Literal["warning", "rejected"] = Field(description="warning: accepted as the reason says; rejected")
    column: str | None = Field(description="The column at fault (FUNDING_* for a costs file's three shares)")
    value: str | None = Field(description="Its value as written")
    rule: str = Field(description="A stable name of the rule, e.g. dfe-148, code-list, overlap")
    reason: str = Field(description="What is wrong and what was done, in plain English")
    conflicts_with: str | None = Field(description="The other rows the rejection depends on")


FINDING_COLUMNS = tuple(FindingOut.model_fields)


class ReportOut(BaseModel):
    kind: ImportKind = Field(description=f"What the import loads: {KIND}")
    columns: list[str] = Field(description="The findings' fields in order: the CSV header")
    items: list[FindingOut] = Field(description="Every finding, in file then row order")


@router.post(
    "/imports",
    status_code=202,
    response_model=ImportOut,
    summary="Upload the council's SSDA903 return, placement costs file or assessments file to import, as a job",
    description="Multipart: one or more `files`, and optionally `kind`, `year` and `strict`. `kind` ssda903 (the "
    "default) loads the return's CSV tables or its XML file, for the collection `year` (e.g. 2023 or 2023-24, "
    "inferred when absent); `kind` costs loads a placement costs file (CSV: CHILD, DECOM or PLACEMENT_ID, "
    "WEEKLY_COST, FUNDING_SOCIAL_CARE, FUNDING_HEALTH, FUNDING_EDUCATION, PROVIDER); `kind` assessments loads a "
    "needs assessments file (CSV: CHILD, ASSESSMENT_ID, ASSESSED_ON, INSTRUMENT, CONTEXT, ASSESSOR_ROLE, optional "
    "INSTRUMENT_VERSION and STATUS, then a column per domain of the instrument with its need level, blank when not "
    "rated, and optional <domain>_strength columns), each row checked as POST /v1/assessments/batch checks an "
    "item. Neither of those has a year. Answers at once with the queued import and its Location; the worker runs "
    "one import of a council at a time. Uploads have their own size limit (MAX_UPLOAD_BYTES); the files are kept "
    "only until the import ends.",
)
async def upload_return(
    db: SessionDep,
    caller: Importer,
    response: Response,
    files: Annotated[
        list[UploadFile],
        File(description="The return's CSV tables or its XML file; or the placement costs or assessments file"),
    ],
    year: Annotated[
        str | None, Form(description="A return's collection year, e.g. 2023 or 2023-24 (default: inferred)")
    ] = None,
    strict: Annotated[bool, Form(description="Load nothing if any row is rejected")] = False,
    kind: Annotated[ImportKind, Form(description=f"What the files are: {KIND}")] = "ssda903",
) -> ImportOut:
    try:
        if year is not None and kind != "ssda903":
            raise ValueError(f"{kind} files have no collection year: leave year out")
        collection_year = None if year is None else parse_collection_year(year)
    except ValueError as error:
        raise InvalidInput(
            "The year is invalid; nothing was queued.", errors=[field_error("year", str(error))]
        ) from None
    uploads = [(upload.filename or f"file-{n + 1}", await upload.read()) for n, upload in enumerate(files)]
    names = [name for name, _ in uploads]
    asked = await return_import.ask(db, ImportAsked(caller.la_id, names, "api", collection_year, strict, kind), uploads)
    audit.note(db, target=f"import:{asked.id}")
    response.headers["Location"] = f"{IMPORTS_PATH}/{asked.id}"
    await db.refresh(asked)
    return import_out(asked)


@router.get("/imports", response_model=list[ImportOut], summary=f"The council's imports, newest first ({LISTED})")
async def list_imports(db: SessionDep, caller: Importer) -> list[ImportOut]:
    rows = await db.scalars(
        with_progress()
        .where(ReturnImport.la_id == caller.la_id)
        .order_by(ReturnImport.requested_at.desc())
        .limit(LISTED)
    )
    return [import_out(row) for row in rows]


def with_progress() -> Select[ReturnImport]:
    return select(ReturnImport).options(undefer(ReturnImport.progress_done), undefer(ReturnImport.progress_total))


def import_out(row: ReturnImport) -> ImportOut:
    out = ImportOut.model_validate(row, from_attributes=True)
    if row.state == "running" and row.progress_total is not None:
        out.progress = ImportProgress(done=row.progress_done or 0, total=row.progress_total)
    return out


async def council_import(db: SessionDep, la_id: uuid.UUID, import_id: uuid.UUID) -> ReturnImport:
    found = await db.scalar(with_progress().where(ReturnImport.id == import_id, ReturnImport.la_id == la_id))
    if found is None:
        raise NotFound("No such import.")
    return found


@router.get("/imports/{import_id}", response_model=ImportOut, summary="An import: its state, progress and counts")
async def get_import(import_id: ImportIdPath, db: SessionDep, caller: Importer) -> ImportOut:
    return import_out(await council_import(db, caller.la_id, import_id))


@router.get(
    "/imports/{import_id}/report",
    response_model=ReportOut,
    responses=CSV_RESPONSE,
    summary="An import's row-level report: every row accepted with a warning or rejected, and why",
)
async def get_import_report(
    import_id: ImportIdPath, db: SessionDep, caller: Importer, table_format: TableFormatAsked
) -> Response:
    kind = (await council_import(db, caller.la_id, import_id)).kind
    found = await db.scalars(
        select(ImportFinding).where(ImportFinding.import_id == import_id).order_by(ImportFinding.id)
    )
    rows = [{name: getattr(finding, name) for name in FINDING_COLUMNS} for finding in found]
    audit.note(db, target=f"import:{import_id}", rows=len(rows))
    if table_format.csv:
        return table_format.csv_response(FINDING_COLUMNS, rows, f"import-{import_id}-{kind}-report")
    return json_of({"kind": kind, "columns": list(FINDING_COLUMNS), "items": rows})
