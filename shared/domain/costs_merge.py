"""Loading a council's placement costs file (domain.md §6: what the SSDA903 return lacks): what the reader
(shared/ssda903_files/costs.py) accepted is staged by COPY and written in SQL, in the caller's transaction, so
a file is applied whole or not at all and a large one is not written row by row.

Each row sets a stored placement's weekly cost, funding and provider; a row whose child, placement or provider
is not stored is rejected naming it. A file loaded again writes nothing. Needs trends do not read costs, so no
child is recomputed; payment statements do (a provider's base fees are its placements' weekly costs), so the
contracts of the providers the changed placements were and are with are marked stale."""

import uuid
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import driver
from shared.domain import statements
from shared.domain.import_steps import Files, Merged, Read
from shared.domain.locks import figures_lock
from shared.models import Contract
from shared.ssda903 import episode_id
from shared.ssda903_files import Finding, RowRef
from shared.ssda903_files.costs import read_costs
from shared.ssda903_files.progress import Tick
from shared.ssda903_files.records import CostRecord, ParsedCosts

STAGING = """
CREATE TEMPORARY TABLE stage_costs (
    child_id text, placement_id text, start_date date, weekly_cost numeric(10, 2), social_care numeric(4, 3),
    health numeric(4, 3), education numeric(4, 3), provider text, file text, row int
) ON COMMIT DROP
"""

# Rows naming a child, placement or provider the council has not stored are taken out of the staging, and
# returned with what the council needs to correct them: a placement of the child starting on the DECOM given
# that was sent through the API, under an id of its own.
REJECT_UNMATCHED = """
WITH matched AS (
    SELECT s.file, s.row, s.child_id, s.placement_id, s.start_date, s.provider,
           c.id IS NOT NULL AS child_known, p.id IS NOT NULL AS placement_known, p.start_date AS stored_start,
           v.id IS NOT NULL AS provider_known,
           (SELECT q.external_id FROM placements q
            WHERE q.child_pk = c.id AND q.start_date = s.start_date ORDER BY q.external_id LIMIT 1) AS same_day
    FROM stage_costs s
    LEFT JOIN children c ON c.la_id = $1 AND c.child_id = s.child_id
    LEFT JOIN placements p ON p.child_pk = c.id AND p.external_id = s.placement_id
    LEFT JOIN providers v ON v.la_id = $1 AND v.external_id = s.provider
), refused AS (
    SELECT * FROM matched
    WHERE NOT (child_known AND placement_known AND provider_known) OR stored_start <> start_date
), dropped AS (
    DELETE FROM stage_costs s USING refused r WHERE s.file = r.file AND s.row = r.row
)
SELECT * FROM refused ORDER BY file, row
"""

# `before` is the placement as it was: the only way an UPDATE returns a value it replaces.
WRITE_COSTS = """
UPDATE placements p
SET weekly_cost = s.weekly_cost, funding_social_care = s.social_care, funding_health = s.health,
    funding_education = s.education, provider_id = v.id, updated_at = now()
FROM stage_costs s
JOIN children c ON c.la_id = $1 AND c.child_id = s.child_id
JOIN providers v ON v.la_id = $1 AND v.external_id = s.provider
JOIN placements before ON before.child_pk = c.id AND before.external_id = s.placement_id
WHERE p.id = before.id
  AND (p.weekly_cost, p.funding_social_care, p.funding_health, p.funding_education, p.provider_id)
      IS DISTINCT FROM (s.weekly_cost, s.social_care, s.health, s.education, v.id)
RETURNING p.child_pk, before.provider_id AS provider_before
"""


def read(files: Files, tick: Tick) -> Read:
    """The costs file read, for the import job (return_import.py)."""
    parsed = read_costs(files, tick)
    counts = {"rows_read": parsed.rows_read, "rows_accepted": len(parsed.costs)}
    return Read(None, parsed.findings, counts, partial(merged, parsed))


def staged(cost: CostRecord) -> tuple[Any, ...]:
    return (
        cost.child_id,
        cost.placement_id,
        cost.start_date,
        cost.weekly_cost,
        cost.social_care,
        cost.health,
        cost.education,
        cost.provider_id,
        cost.ref.file,
        cost.ref.row,
    )


async def merged(
    parsed: ParsedCosts, db: AsyncSession, la_id: uuid.UUID, _pseudonym_key: bytes, strict: bool
) -> Merged:
    apg = await driver(db)
    await apg.execute(STAGING)
    await apg.copy_records_to_table("stage_costs", records=[staged(cost) for cost in parsed.costs])
    refused = await apg.fetch(REJECT_UNMATCHED, la_id)
    rejections = [finding for row in refused for finding in unmatched(row)]
    if strict and rejections:
        return Merged(rejections, {})
    written = await apg.fetch(WRITE_COSTS, la_id)
    if written:
        # Lock 2 of shared/domain/locks.py, under which every change marks its contracts stale: those of the
        # providers the children are placed with now, and of those a changed placement was with before.
        await figures_lock(db)
        children = {row["child_pk"] for row in written}
        before = {row["provider_before"] for row in written} - {None}
        left = list(await db.scalars(select(Contract.id).where(Contract.provider_id.in_(before)))) if before else []
        await statements.mark_stale(db, sorted({*await statements.contracts_of_children(db, children), *left}))
    accepted = len(parsed.costs) - len(refused)
    counts = {"rows_accepted": accepted, "placements_changed": len(written)}
    return Merged(rejections, {**counts, "placements_unchanged": accepted - len(written)})


def unmatched(row: Any) -> list[Finding]:
    """The rejections of a row the stored data does not match: its placement (or child), and its provider."""
    ref = RowRef(row["file"], row["row"])
    start, placement = row["start_date"], row["placement_id"]
    named_by_decom = start is not None and placement == episode_id(row["child_id"], start)
    findings = []
    if not row["child_known"]:
        reason = "no child with this CHILD is stored for the council: load the child first (its return, or the API)"
        findings.append(Finding(ref, "rejected", "CHILD", row["child_id"], "missing-child", reason))
    elif named_by_decom and not row["placement_known"]:
        reason = "the child has no episode loaded from an SSDA903 return that starts on DECOM"
        if row["same_day"]:
            reason += f"; its placement starting that day came through the API: give PLACEMENT_ID {row['same_day']}"
        findings.append(Finding(ref, "rejected", "DECOM", start.strftime("%d/%m/%Y"), "missing-episode", reason))
    elif not row["placement_known"]:
        reason = "the child has no placement with this PLACEMENT_ID (the external id it was sent with)"
        findings.append(Finding(ref, "rejected", "PLACEMENT_ID", placement, "missing-episode", reason))
    elif start is not None and row["stored_start"] != start:
        reason = f"the placement of PLACEMENT_ID starts on {row['stored_start'].strftime('%d/%m/%Y')}, not on DECOM"
        findings.append(Finding(ref, "rejected", "DECOM", start.strftime("%d/%m/%Y"), "missing-episode", reason))
    if not row["provider_known"]:
        reason = "no provider with this external id is registered for the council: add it first (PUT /v1/providers)"
        findings.append(Finding(ref, "rejected", "PROVIDER", row["provider"], "unknown-provider", reason))
    return findings
