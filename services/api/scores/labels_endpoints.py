"""Code-to-label tables for a BI model: every SSDA903 code list the API takes, and the domains of every
instrument the council can rate with. Small and whole: one page each, in JSON or CSV like the other feeds."""

from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.deps import SessionDep
from services.api.instruments.service import list_instruments
from services.api.scores.rows import Page, columns_of
from services.api.scores.serving import BiClient, page_response, scores_router
from services.api.tabular import CSV_RESPONSE, TableFormatAsked
from shared.ssda903 import CODE_LISTS, placement_group, year_label

router = scores_router()


class CodeRow(BaseModel):
    code_list: str = Field(description="The SSDA903 column the list is of: RNE, LS, CIN, PLACE, PLACE_PROVIDER, …")
    code: str = Field(description="The code as the API takes and gives it")
    label: str = Field(description="What the code means")
    first_year: str | None = Field(description="First collection year accepting it, e.g. 2024-25; null: no start")
    last_year: str | None = Field(description="Last collection year accepting it; null: still current")
    placement_group: str | None = Field(
        description="For a PLACE code: its group in the figures (ungrouped if none); else null"
    )


class DomainRow(BaseModel):
    instrument_code: str = Field(description="The instrument")
    instrument_version: int = Field(description="Its version")
    domain: str = Field(description="The domain's code, as in the figures")
    position: int = Field(description="The domain's place in the instrument, from 0")
    label: str = Field(description="The domain's name")
    outcome_area: str = Field(description="The code of the outcome area the domain serves")
    outcome_area_label: str = Field(description="The outcome area's name")


def code_rows() -> list[dict[str, Any]]:
    return [
        {
            "code_list": code_list,
            "code": code,
            "label": entry.label,
            "first_year": None if entry.first is None else year_label(entry.first),
            "last_year": None if entry.last is None else year_label(entry.last),
            "placement_group": (placement_group(code) or "ungrouped") if code_list == "PLACE" else None,
        }
        for code_list, codes in CODE_LISTS.items()
        for code, entry in codes.items()
    ]


@router.get(
    "/codes",
    response_model=Page[CodeRow],
    responses=CSV_RESPONSE,
    summary="Every SSDA903 code the API takes, with its label, the collection years accepting it and its group",
)
async def read_codes(request: Request, db: SessionDep, caller: BiClient, table_format: TableFormatAsked) -> Response:
    rows = code_rows()
    audit.note(db, rows=len(rows))
    return page_response(request, table_format, "codes", columns_of(CodeRow), rows, None, False)


@router.get(
    "/domains",
    response_model=Page[DomainRow],
    responses=CSV_RESPONSE,
    summary="Every domain of every instrument the council can rate with, with its label and outcome area",
)
async def read_domains(request: Request, db: SessionDep, caller: BiClient, table_format: TableFormatAsked) -> Response:
    rows: list[dict[str, Any]] = []
    for instrument in await list_instruments(db, caller.la_id):
        areas = {area["code"]: area["label"] for area in instrument.definition["outcome_areas"]}
        rows.extend(
            {
                "instrument_code": instrument.code,
                "instrument_version": instrument.version,
                "domain": domain["code"],
                "position": position,
                "label": domain["label"],
                "outcome_area": domain["outcome_area"],
                "outcome_area_label": areas[domain["outcome_area"]],
            }
            for position, domain in enumerate(instrument.definition["domains"])
        )
    audit.note(db, rows=len(rows))
    return page_response(request, table_format, "domains", columns_of(DomainRow), rows, None, False)
