"""Each child's decision support figures (engines/decisions.py) as at the day of its kept placement figures, under
its council's rules in force, kept in child_decision_figures.

They are derived from the kept figures, never from the raw records, so one rule holds for every path: written in
the transaction that writes the placement figures (a burst's, after its needs figures; a council's refresh, which
a full recompute starts once its needs write holds the figures lock, so it reads them committed), from the rows
that transaction sees. A council whose rows are not of its placement figures' day or of its rules' version is
found stale by the placement figures' sweep (kept_placement_figures.stale_councils) and refreshed.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among, driver, unsynced
from shared.domain.child_profile import RATED_AT_LATEST
from shared.domain.decision_rules import SHIPPED_VERSION, current_rules
from shared.domain.engines.decisions import (
    Costed,
    DecisionRules,
    Decisions,
    PeerValue,
    Profile,
    decide,
    peer_values,
)
from shared.models import Child, ChildDecisionFigures, LocalAuthority

# The child's profile (child_profile.py) and what the placement figures say of it.
INPUTS = f"""
SELECT p.child_pk, p.la_id, p.as_at, p.looked_after, p.current_group, p.weekly_cost, p.funding_health,
    p.funding_education, p.placements_in_year, p.reasons_ended, t.latest_assessment_id,
    t.assessment_ids[array_length(t.assessment_ids, 1) - 1] AS previous_assessment_id, t.latest_assessed_on,
    t.total_need, t.previous_total_need, t.max_need, r.domains, r.levels, r.rises
FROM child_placement_figures p
LEFT JOIN child_needs_trends t ON t.child_pk = p.child_pk AND t.assessments_count > 0
LEFT JOIN LATERAL (
    SELECT array_agg(d.domain ORDER BY d.position) AS domains, array_agg(d.latest ORDER BY d.position) AS levels,
        array_agg(d.change_since_previous ORDER BY d.position) AS rises
    FROM domain_needs_trends d
    WHERE p.looked_after AND {RATED_AT_LATEST}
) r ON true
WHERE p.la_id = ANY($1::uuid[]) AND NOT p.child_pk = ANY($2::uuid[]) {{children}}
"""

COLUMNS = (
    "child_pk",
    "la_id",
    "as_at",
    "rules_version",
    "looked_after",
    "current_group",
    "weekly_cost",
    "latest_assessment_id",
    "previous_assessment_id",
    "latest_assessed_on",
    "total_need",
    "previous_total_need",
    "max_need",
    "step_down",
    "step_down_reasons",
    "weekly_saving",
    "stability_flags",
    "total_need_change",
    "rising_domains",
    "placements_in_year",
    "warning_endings",
    "health_needs",
    "education_needs",
    "funding_health",
    "funding_education",
    "health_unshared",
    "education_unshared",
    "cost_per_need_point",
    "computed_at",
)


def profile_of(row: Any) -> Profile:
    domains, levels, rises = row["domains"] or [], row["levels"] or [], row["rises"] or []
    return Profile(
        current_group=row["current_group"],
        weekly_cost=row["weekly_cost"],
        funding_health=row["funding_health"],
        funding_education=row["funding_education"],
        placements_in_year=row["placements_in_year"],
        reasons_ended=tuple(row["reasons_ended"]),
        assessed=row["latest_assessment_id"] is not None,
        latest_levels=dict(zip(domains, levels, strict=True)),
        rises={domain: rise for domain, rise in zip(domains, rises, strict=True) if rise is not None},
        total_need=row["total_need"],
        previous_total_need=row["previous_total_need"],
    )


# A child no longer looked after: its row stays, emptied (the columns between looked_after and computed_at).
EMPTY: tuple[Any, ...] = (*[None] * 9, [], None, [], None, [], None, None, [], [], *[None] * 5)


def record(row: Any, version: int, rules: DecisionRules, now: datetime) -> tuple[Any, ...]:
    about = (row["child_pk"], row["la_id"], row["as_at"], version, row["looked_after"])
    if not row["looked_after"]:
        return (*about, *EMPTY, now)
    decided: Decisions = decide(profile_of(row), rules)
    return (
        *about,
        row["current_group"],
        row["weekly_cost"],
        row["latest_assessment_id"],
        row["previous_assessment_id"],
        row["latest_assessed_on"],
        row["total_need"],
        row["previous_total_need"],
        row["max_need"],
        decided.step_down,
        list(decided.step_down_reasons),
        decided.weekly_saving,
        list(decided.stability_flags),
        decided.total_need_change,
        list(decided.rising_domains),
        row["placements_in_year"],
        decided.warning_endings,
        list(decided.health_needs),
        list(decided.education_needs),
        row["funding_health"],
        row["funding_education"],
        decided.health_unshared,
        decided.education_unshared,
        decided.cost_per_need_point,
        now,
    )


async def write(
    db: AsyncSession, la_ids: Sequence[uuid.UUID], children: Sequence[uuid.UUID] | None, excluded: set[uuid.UUID]
) -> int:
    """The scope's rows replaced from the kept figures this transaction sees, under the figures lock the caller
    holds, but for the children left out; the rows written."""
    scope = (
        among(ChildDecisionFigures.la_id, la_ids, Uuid)
        if children is None
        else among(ChildDecisionFigures.child_pk, children, Uuid)
    )
    await db.execute(
        unsynced(delete(ChildDecisionFigures).where(scope, ~among(ChildDecisionFigures.child_pk, excluded, Uuid)))
    )
    apg = await driver(db)
    values: list[Any] = [list(la_ids), list(excluded)]
    if children is not None:
        values.append(list(children))
    statement = INPUTS.format(children="" if children is None else "AND p.child_pk = ANY($3::uuid[])")
    rows = await apg.fetch(statement, *values)
    rules = await current_rules(db, list(la_ids))
    now = await db.scalar(select(func.now()))
    assert now is not None
    records = await asyncio.to_thread(lambda: [record(row, *rules[row["la_id"]], now) for row in rows])
    if records:
        await apg.copy_records_to_table(ChildDecisionFigures.__tablename__, records=records, columns=COLUMNS)
    return len(records)


STALE = f"""
WITH rules AS (SELECT la_id, max(version) AS version FROM decision_rule_versions GROUP BY la_id)
SELECT DISTINCT p.la_id
FROM child_placement_figures p
LEFT JOIN child_decision_figures d ON d.child_pk = p.child_pk
LEFT JOIN rules ON rules.la_id = p.la_id
WHERE d.child_pk IS NULL OR d.as_at <> p.as_at OR d.rules_version <> coalesce(rules.version, {SHIPPED_VERSION})
"""


async def stale_councils(db: AsyncSession) -> list[uuid.UUID]:
    """Councils with a child whose decision figures are missing, of another day than its placement figures, or of
    rules the council has since replaced."""
    return list(await db.scalars(text(STALE)))


@dataclass(frozen=True, slots=True)
class Valued:
    child_pk: uuid.UUID
    pseudonym: str
    row: ChildDecisionFigures
    value: PeerValue


async def valued(db: AsyncSession, la_id: uuid.UUID) -> list[Valued]:
    """Each child looked after in the council with a weekly cost and a final assessment, by pseudonym, against
    its peers (engines/decisions.py peer_values): from the kept rows, under the council's rules in force and its
    suppression threshold."""
    rows = (
        await db.execute(
            select(Child.pseudonym, ChildDecisionFigures)
            .join(Child, Child.id == ChildDecisionFigures.child_pk)
            .where(
                ChildDecisionFigures.la_id == la_id,
                ChildDecisionFigures.looked_after,
                ChildDecisionFigures.weekly_cost.is_not(None),
                ChildDecisionFigures.max_need.is_not(None),
            )
            .order_by(Child.pseudonym)
        )
    ).all()
    threshold = await db.scalar(select(LocalAuthority.suppression_threshold).where(LocalAuthority.id == la_id))
    rules = (await current_rules(db, [la_id]))[la_id][1]
    costed = [Costed(row.max_need, row.total_need, row.weekly_cost) for _, row in rows]  # type: ignore[arg-type]
    values = peer_values(costed, rules.value, threshold or None)
    return [Valued(row.child_pk, pseudonym, row, value) for (pseudonym, row), value in zip(rows, values, strict=True)]
