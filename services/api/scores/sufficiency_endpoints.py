"""Sufficiency for commissioners (issue 17): the needs profiles of the council's children, placed or waiting,
against the places its providers declare they can meet, and the children placed out of area or in residential
care for want of a placement that meets their needs; for BI small numbers withheld, for the admin whole."""

import uuid
from dataclasses import asdict
from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel, Field

from services.api import audit
from services.api.deps import SessionDep
from services.api.scores.rows import columns_of
from services.api.scores.serving import AdminClient, BiClient, page_response, scores_router, whole_scores_router
from services.api.scores.withheld_rows import Layout, council_threshold, withhold
from services.api.tabular import CSV_RESPONSE, TableFormat, TableFormatAsked
from shared.domain.sufficiency_inputs import sufficiency

router = scores_router()
admin_router = whole_scores_router()
WITHHELD = "; null when withheld"
Parts = dict[str, tuple[str, tuple[str, ...]]]  # an unpublished count: a count less its other parts
NESTED: Parts = {
    "not_residential": ("placed", ("residential",)),
    "family_option": ("residential", ("residential_for_want",)),
}
AWAY: Parts = {"in_area": ("placed", ("out_of_area",)), "local_option": ("out_of_area", ("out_of_area_for_want",))}
CHILD_COUNTS = ("children", "placed", "waiting", "residential", "residential_for_want")
AWAY_COUNTS = ("out_of_area", "out_of_area_for_want")


class SufficiencyRow(BaseModel):
    profile: str = Field(
        description="The needs at the rules' profile level (3, high, shipped) or above, as 'domain level' "
        "separated by ', '; empty: no high need"
    )
    children: int | None = Field(description="Children of the profile, placed or waiting" + WITHHELD)
    placed: int | None = Field(description="Of those, looked after now" + WITHHELD)
    waiting: int | None = Field(
        description="Not looked after, their latest assessment asking for a placement (placement_request)" + WITHHELD
    )
    providers: int = Field(description="Providers whose offer meets every need of the profile")
    places: int = Field(description="The places they declare: what the profile's children could use")
    family_places: int = Field(description="Of those, places in family groups (foster, shipped)")
    shortfall: int | None = Field(description="children - places where more; 0 otherwise" + WITHHELD)
    residential: int | None = Field(description="Children of the profile in residential care now" + WITHHELD)
    residential_for_want: int | None = Field(
        description="Of those, children no family offer could meet every need of (needs to meet)" + WITHHELD
    )
    out_of_area: int | None = Field(
        description="Children placed outside the rules' home districts; null with none named, or withheld"
    )
    out_of_area_for_want: int | None = Field(
        description="Of those, children no offer from a home district could meet every need of" + WITHHELD
    )
    suppressed: bool = Field(description="True when a count of this row is withheld")
    suppressed_columns: str = Field(description="The withheld columns, separated by spaces")


class SufficiencyOut(BaseModel):
    rules_version: int = Field(description="The version of the council's decision rules applied")
    suppression_threshold: int | None = Field(description="Counts from 1 to this are withheld; null: nothing")
    columns: list[str] = Field(description="The columns of the rows in order: the CSV header")
    items: list[SufficiencyRow] = Field(description="One row per profile, most children first")
    next_cursor: str | None = Field(description="Always null: a council's profiles are one page")
    has_more: bool = Field(description="Always false")


async def serve(
    request: Request, db: SessionDep, table_format: TableFormat, la_id: uuid.UUID, *, suppressed: bool
) -> Response:
    found = await sufficiency(db, la_id)
    rows: list[dict[str, Any]] = [
        asdict(row) | {"children": row.children, "shortfall": row.shortfall} for row in found.rows
    ]
    away = bool(rows) and rows[0]["out_of_area"] is not None
    layout = Layout(
        CHILD_COUNTS + (AWAY_COUNTS if away else ()),
        NESTED | (AWAY if away else {}),
        (("children", ("placed", "waiting")),),
    )
    threshold = await council_threshold(db, la_id) if suppressed else None
    gone = withhold(rows, layout, threshold) if threshold is not None else [[] for _ in rows]
    for row, names in zip(rows, gone, strict=True):
        if row["children"] is None:  # places are published: the shortfall would give the children back
            row["shortfall"] = None
            names.append("shortfall")
        row["suppressed"], row["suppressed_columns"] = bool(names), " ".join(names)
    audit.note(db, rows=len(rows), suppressed=suppressed)
    described = {"rules_version": found.rules_version, "suppression_threshold": threshold}
    columns = columns_of(SufficiencyRow)
    return page_response(
        request,
        table_format,
        "sufficiency",
        columns,
        [{c: row[c] for c in columns} for row in rows],
        None,
        False,
        described,
    )


@router.get(
    "/sufficiency",
    response_model=SufficiencyOut,
    responses=CSV_RESPONSE,
    summary="Needs profiles against the places providers declare, and children placed for want of a better fit",
)
async def read_sufficiency(
    request: Request, db: SessionDep, caller: BiClient, table_format: TableFormatAsked
) -> Response:
    return await serve(request, db, table_format, caller.la_id, suppressed=True)


@admin_router.get(
    "/sufficiency",
    response_model=SufficiencyOut,
    responses=CSV_RESPONSE,
    summary="The sufficiency figures whole, nothing withheld: for the council's own commissioners",
)
async def read_unsuppressed_sufficiency(
    request: Request, db: SessionDep, caller: AdminClient, table_format: TableFormatAsked
) -> Response:
    return await serve(request, db, table_format, caller.la_id, suppressed=False)
