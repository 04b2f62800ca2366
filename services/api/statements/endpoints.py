"""Payment statements (domain.md §7.8): a provider client reads its own contracts' statements, BI and
admin clients every statement of the council; each as JSON, its lines as CSV too. Every version stays
readable, with what changed from the one before."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.api import audit
from services.api.auth import Caller
from services.api.contracts.access import CodePath, Reader, own_provider
from services.api.contracts.service import require
from services.api.deps import SessionDep
from services.api.problems import V1_PROBLEMS
from services.api.scores.rows import INSTANT, Instant
from services.api.statements import queries
from services.api.statements.schemas import LINE_COLUMNS, Guard, StatementLineChange, StatementLineOut
from services.api.tabular import CSV_RESPONSE, TableFormatAsked, instant
from shared.domain.engines.pbnr.closing import ERASED
from shared.errors import NotFound
from shared.models import Contract, PaymentStatement

router = APIRouter(prefix="/v1/contracts/{code}/statements", responses=V1_PROBLEMS, tags=["payment by needs reduction"])
PeriodPath = Annotated[date, Path(description="the period's first day")]
# The CSV repeats on every line what the statement's JSON gives once, so a line read alone is checkable
# against its statement.
STATEMENT_COLUMNS = (
    "contract",
    "period_start",
    "period_end",
    "version",
    "rules_version",
    "contract_version",
    "cutoff",
    "inputs_hash",
    "total_earned",
    "total_paid",
    "total_withheld",
)


class StatementOut(BaseModel):
    contract: str = Field(description="The contract's code")
    period_start: date = Field(description="The period's first day")
    period_end: date = Field(description="The period's last day")
    version: int = Field(description="The statement's version: each recompute that changes it adds one")
    rules_version: str = Field(description="The payment rules it was computed under, e.g. pbnr-v1")
    contract_version: int = Field(description="The contract version whose terms it applies")
    cutoff: date = Field(description="Assessments recorded after this day count in a later period")
    inputs_hash: str = Field(description="SHA-256 of the inputs it stands on: the same inputs, the same hash")
    computed_at: Instant = Field(description=f"When it was computed, {INSTANT}")
    closed_at: Instant | None = Field(description=f"When the period was closed (it stands for good), {INSTANT}")
    earned: Decimal = Field(description="Sum of the lines' earned, GBP")
    paid: Decimal = Field(description="Sum of the lines' paid, GBP")
    withheld: Decimal = Field(description="Sum of the lines' withheld, GBP")
    guard: Guard = Field(description="Figures a commissioner checks against gaming")
    lines: list[StatementLineOut] | None = Field(
        default=None, description="The lines; absent in the list of statements"
    )


class VersionChange(BaseModel):
    version: int = Field(description="The statement's version")
    inputs_hash: str = Field(description="SHA-256 of the inputs it stands on")
    computed_at: Instant = Field(description=f"When it was computed, {INSTANT}")
    earned: Decimal = Field(description="Sum of the lines' earned, GBP")
    paid: Decimal = Field(description="Sum of the lines' paid, GBP")
    withheld: Decimal = Field(description="Sum of the lines' withheld, GBP")
    lines_added: list[StatementLineChange] = Field(description="Lines not in the version before (without numbers)")
    lines_removed: list[StatementLineChange] = Field(description="Lines of the version before no longer in it")


async def readable_contract(db: AsyncSession, caller: Caller, code: str, period: date | None = None) -> Contract:
    """The contract, if the caller may read it, and the period, if the contract (as it now ends) has it:
    a period a shortened contract no longer reaches is gone from it."""
    contract, latest = await require(db, caller.la_id, code, lock=False, provider=own_provider(caller))
    if period is not None and period > latest.end_date:
        raise NotFound("No statement for that period.")
    return contract


def render(contract: Contract, s: PaymentStatement, lines: list[dict[str, Any]] | None = None) -> StatementOut:
    return StatementOut(
        contract=contract.code,
        period_start=s.period_start,
        period_end=s.period_end,
        version=s.version,
        rules_version=s.rules_version,
        contract_version=s.contract_version,
        cutoff=s.cutoff,
        inputs_hash=s.inputs_hash,
        computed_at=instant(s.computed_at),
        closed_at=instant(s.closed_at) if s.closed_at else None,
        earned=s.earned,
        paid=s.paid,
        withheld=s.withheld,
        guard=s.guard,
        lines=lines,
    )


def seen(db: AsyncSession, lines: list[dict[str, Any]], guard: dict[str, Any]) -> None:
    pseudonyms = {line["child_pseudonym"] for line in lines}
    pseudonyms |= {row["child_pseudonym"] for rows in guard.values() for row in rows}
    audit.saw_pseudonyms(db, sorted(pseudonyms - {ERASED}))  # an erased child is no child the caller saw


@router.get("", response_model=list[StatementOut], summary="The contract's statements, the latest version of each")
async def list_statements(code: CodePath, db: SessionDep, caller: Reader) -> list[StatementOut]:
    contract, latest = await require(db, caller.la_id, code, lock=False, provider=own_provider(caller))
    return [render(contract, s) for s in await queries.latest_versions(db, contract, latest.end_date)]


@router.get(
    "/{period_start}",
    response_model=StatementOut,
    responses=CSV_RESPONSE,
    summary="A period's statement with its lines (CSV: the lines); ?version= for an earlier version",
)
async def get_statement(
    code: CodePath,
    period_start: PeriodPath,
    db: SessionDep,
    caller: Reader,
    table_format: TableFormatAsked,
    version: Annotated[int | None, Query(ge=1, description="An earlier version; none: the latest")] = None,
) -> Any:
    contract = await readable_contract(db, caller, code, period_start)
    statement = await queries.statement_of(db, contract, period_start, version)
    if statement is None:
        raise NotFound("No statement for that period.")
    lines = await queries.lines_of(db, statement)
    seen(db, lines, statement.guard)
    if table_format.csv:
        name = f"statement-{contract.code}-{period_start.isoformat()}-v{statement.version}"
        rows = with_statement(contract, statement, lines)
        return table_format.csv_response(LINE_COLUMNS + STATEMENT_COLUMNS, rows, name)
    return render(contract, statement, lines)


def with_statement(contract: Contract, s: PaymentStatement, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    head = {
        "contract": contract.code,
        "period_start": s.period_start,
        "period_end": s.period_end,
        "version": s.version,
        "rules_version": s.rules_version,
        "contract_version": s.contract_version,
        "cutoff": s.cutoff,
        "inputs_hash": s.inputs_hash,
        "total_earned": s.earned,
        "total_paid": s.paid,
        "total_withheld": s.withheld,
    }
    return [line | head for line in lines]


@router.get(
    "/{period_start}/versions",
    response_model=list[VersionChange],
    summary="Every version of a period's statement, each with the lines it added and removed",
)
async def list_statement_versions(
    code: CodePath, period_start: PeriodPath, db: SessionDep, caller: Reader
) -> list[VersionChange]:
    contract = await readable_contract(db, caller, code, period_start)
    versions = await queries.versions_of(db, contract, period_start)
    if not versions:
        raise NotFound("No statement for that period.")
    changes: list[VersionChange] = []
    before: list[dict[str, Any]] = []
    for statement in versions:
        lines = await queries.lines_of(db, statement)
        seen(db, lines, statement.guard)
        now_lines = [without_number(line) for line in lines]
        changes.append(
            VersionChange(
                version=statement.version,
                inputs_hash=statement.inputs_hash,
                computed_at=instant(statement.computed_at),
                earned=statement.earned,
                paid=statement.paid,
                withheld=statement.withheld,
                lines_added=[line for line in now_lines if line not in before],
                lines_removed=[line for line in before if line not in now_lines],
            )
        )
        before = now_lines
    return changes


def without_number(line: dict[str, Any]) -> dict[str, Any]:
    """A line as its content: its number moves when a line before it comes or goes."""
    return {name: value for name, value in line.items() if name != "line"}
