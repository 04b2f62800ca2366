"""Each child's decision support figures (engines/decisions.py) as at the day of its kept placement figures, under
its council's rules in force, kept in child_decision_figures.

They are derived from the figures, never from the raw records, so one rule holds for every path: written in the
transaction that writes the placement figures, from its placement figures as at the day and the needs figures kept
(a burst's, written before them in the same transaction; a council's refresh reads them on a connection of its own
once it holds the figures lock, which a full recompute's needs write held until it committed). A council whose rows
are not of its placement figures' day or of its rules' version is found stale by the placement figures' sweep
(kept_placement_figures.stale_councils) and refreshed.
"""

import asyncio
import uuid
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Uuid, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from shared.db import among, driver, unsynced
from shared.domain import staged_rows
from shared.domain.child_profile import RATED_AT_LATEST
from shared.domain.decision_rules import SHIPPED_VERSION, current_rules
from shared.domain.engines.decisions import (
    Costed,
    DecisionRules,
    PeerValue,
    Profile,
    ValueRules,
    decide,
    peer_values,
)
from shared.domain.placement_inputs import PlacedChild
from shared.domain.written_needs import NeedsPiece, WrittenNeeds, piece_rows
from shared.models import Child, ChildDecisionFigures, LocalAuthority

Values = Mapping[str, Any]  # a child's placement figures as kept_placement_figures.VALUE_COLUMNS names them

# The children's profiles (child_profile.py). Of the domains a latest assessment rated, only those at a level ($2)
# or with a rise ($3) some rule of the councils asks about are read: the rules compare levels and rises with their
# thresholds only, and a nation's needs are a million domain rows.
NEEDS = f"""
WITH rated AS (
    SELECT d.child_pk, array_agg(d.domain ORDER BY d.position) AS domains, array_agg(d.latest ORDER BY d.position)
        AS levels, array_agg(d.change_since_previous ORDER BY d.position) AS rises
    FROM domain_needs_trends d JOIN child_needs_trends t ON {RATED_AT_LATEST}
    WHERE d.la_id = ANY($1::uuid[]) AND (d.latest >= $2 OR d.change_since_previous >= $3) {{domains}}
    GROUP BY d.child_pk
)
SELECT t.child_pk, t.latest_assessment_id,
    t.assessment_ids[array_length(t.assessment_ids, 1) - 1] AS previous_assessment_id, t.latest_assessed_on,
    t.total_need, t.previous_total_need, t.max_need, r.domains, r.levels, r.rises
FROM child_needs_trends t LEFT JOIN rated r ON r.child_pk = t.child_pk
WHERE t.la_id = ANY($1::uuid[]) AND t.assessments_count > 0 {{children}}
"""

# What the needs figures give a child's row, as NEEDS names them.
NEED_COLUMNS = (
    "latest_assessment_id",
    "previous_assessment_id",
    "latest_assessed_on",
    "total_need",
    "previous_total_need",
    "max_need",
)
COLUMNS = (
    "child_pk",
    "la_id",
    "as_at",
    "rules_version",
    "looked_after",
    "current_group",
    "weekly_cost",
    *NEED_COLUMNS,
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
)
# A child no longer looked after: its row stays, emptied (the columns after looked_after).
EMPTY: tuple[Any, ...] = (*[None] * 9, [], None, [], None, [], None, None, [], [], *[None] * 5)
NEEDS_OF = itemgetter(*NEED_COLUMNS)
NOT_ASSESSED: dict[str, Any] = dict.fromkeys((*NEED_COLUMNS, "domains", "levels", "rises"))


@dataclass(frozen=True, slots=True)
class Needs:
    """What the kept needs figures say of the children, and their councils' rules in force."""

    children: dict[uuid.UUID, Mapping[str, Any]]  # NEEDS's rows by child
    rules: dict[uuid.UUID, tuple[int, DecisionRules]]


def thresholds(rules: list[DecisionRules]) -> tuple[int, int]:
    """The lowest level and the lowest rise any of the rules asks about."""
    level = min(min(r.step_down.high_from, r.step_down.intensive_from, r.joint_funding.from_level) for r in rules)
    return level, min(r.stability.domain_rise for r in rules)


async def read_needs(db: AsyncSession, la_ids: Sequence[uuid.UUID], children: Sequence[uuid.UUID] | None) -> Needs:
    """The councils' (or the children's) needs as the session sees them written."""
    rules = await current_rules(db, list(la_ids))
    values: list[Any] = [list(la_ids), *thresholds([each for _, each in rules.values()])]
    if children is None:
        statement = NEEDS.format(domains="", children="")
    else:
        values.append(list(children))
        statement = NEEDS.format(
            domains="AND d.child_pk = ANY($4::uuid[])", children="AND t.child_pk = ANY($4::uuid[])"
        )
    rows = await (await driver(db)).fetch(statement, *values)
    return Needs({row["child_pk"]: row for row in rows}, rules)


def profile_of(values: Values, need: Mapping[str, Any]) -> Profile:
    domains, levels, rises = need["domains"] or [], need["levels"] or [], need["rises"] or []
    return Profile(
        current_group=values["current_group"],
        weekly_cost=values["weekly_cost"],
        funding_health=values["funding_health"],
        funding_education=values["funding_education"],
        placements_in_year=values["placements_in_year"],
        reasons_ended=tuple(values["reasons_ended"]),
        assessed=need["latest_assessment_id"] is not None,
        latest_levels=dict(zip(domains, levels, strict=True)),
        rises={domain: rise for domain, rise in zip(domains, rises, strict=True) if rise is not None},
        total_need=need["total_need"],
        previous_total_need=need["previous_total_need"],
    )


def record(child: PlacedChild, values: Values, day: date, needs: Needs) -> tuple[Any, ...]:
    """A child's row but its computed_at, from its placement figures as at the day
    (kept_placement_figures.VALUE_COLUMNS) and its needs."""
    version, rules = needs.rules[child.la_id]
    about = (child.child_pk, child.la_id, day, version, values["looked_after"])
    if not values["looked_after"]:
        return (*about, *EMPTY)
    need = needs.children.get(child.child_pk, NOT_ASSESSED)
    decided = decide(profile_of(values, need), rules)
    return (
        *about,
        values["current_group"],
        values["weekly_cost"],
        *NEEDS_OF(need),
        decided.step_down,
        list(decided.step_down_reasons),
        decided.weekly_saving,
        list(decided.stability_flags),
        decided.total_need_change,
        list(decided.rising_domains),
        values["placements_in_year"],
        decided.warning_endings,
        list(decided.health_needs),
        list(decided.education_needs),
        values["funding_health"],
        values["funding_education"],
        decided.health_unshared,
        decided.education_unshared,
        decided.cost_per_need_point,
    )


async def decided(
    placed: Sequence[tuple[PlacedChild, Values]], day: date, needs: Awaitable[Needs]
) -> dict[uuid.UUID, tuple[Any, ...]]:
    """The children's rows by child, but their computed_at, once their needs are known; made in a thread."""
    known = await needs
    return await asyncio.to_thread(
        lambda: {child.child_pk: record(child, values, day, known) for child, values in placed}
    )


async def as_written(
    being_written: WrittenNeeds,
    placed: Sequence[tuple[PlacedChild, Values]],
    day: date,
    rules: dict[uuid.UUID, tuple[int, DecisionRules]],
) -> tuple[dict[uuid.UUID, tuple[Any, ...]], set[uuid.UUID]]:
    """The children's rows by child, but their computed_at, decided from the needs figures a recompute is writing,
    piece by piece as it computes them (each in a thread, while it writes the piece before); and the children it
    does not cover, left to their own recompute."""
    level_from, rise_from = thresholds([each for _, each in rules.values()])
    by_child = {child.child_pk: (child, values) for child, values in placed}

    def piece_records(piece: NeedsPiece) -> dict[uuid.UUID, tuple[Any, ...]]:
        needs = Needs(piece_rows(piece, level_from, rise_from), rules)
        return {pk: record(*by_child[pk], day, needs) for pk in needs.children if pk in by_child}

    rows: dict[uuid.UUID, tuple[Any, ...]] = {}
    async for piece in being_written.pieces():
        rows.update(await asyncio.to_thread(piece_records, piece))
    covered = set(being_written.covered.tolist())
    unassessed = Needs({}, rules)
    for pk, (child, values) in by_child.items():
        if pk not in rows and pk.bytes in covered:
            rows[pk] = record(child, values, day, unassessed)
    return rows, {pk for pk in by_child if pk.bytes not in covered}


async def stage(db: AsyncSession, records: Iterable[tuple[Any, ...]]) -> None:
    """Rows (COLUMNS but computed_at) staged in the writing transaction (staged_rows.py)."""
    await staged_rows.stage(db, ChildDecisionFigures.__tablename__, COLUMNS, records)


async def replace(
    db: AsyncSession, la_ids: Sequence[uuid.UUID], children: Sequence[uuid.UUID] | None, excluded: set[uuid.UUID]
) -> None:
    """The scope's rows replaced by those staged, under the figures lock the caller holds, but for the children
    left out (whose own recompute follows)."""
    scope = (
        among(ChildDecisionFigures.la_id, la_ids, Uuid)
        if children is None
        else among(ChildDecisionFigures.child_pk, children, Uuid)
    )
    await db.execute(
        unsynced(delete(ChildDecisionFigures).where(scope, ~among(ChildDecisionFigures.child_pk, excluded, Uuid)))
    )
    await staged_rows.move_in(db, ChildDecisionFigures.__tablename__, COLUMNS, excluded)


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


def costed(la_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    """The council's children compared with their peers: looked after, with a weekly cost and a final assessment."""
    return (
        ChildDecisionFigures.la_id == la_id,
        ChildDecisionFigures.looked_after.is_(True),
        ChildDecisionFigures.weekly_cost.is_not(None),
        ChildDecisionFigures.max_need.is_not(None),
    )


def costed_of(row: ChildDecisionFigures) -> Costed:
    return Costed(row.max_need, row.total_need, row.weekly_cost)  # type: ignore[arg-type]


async def value_rules(db: AsyncSession, la_id: uuid.UUID) -> tuple[ValueRules, int | None]:
    """The council's value rules in force, and its suppression threshold (none when 0)."""
    threshold = await db.scalar(select(LocalAuthority.suppression_threshold).where(LocalAuthority.id == la_id))
    return (await current_rules(db, [la_id]))[la_id][1].value, threshold or None


async def valued(db: AsyncSession, la_id: uuid.UUID) -> list[Valued]:
    """Each child looked after in the council with a weekly cost and a final assessment, by pseudonym, against
    its peers (engines/decisions.py peer_values): from the kept rows, under the council's rules in force and its
    suppression threshold."""
    rows = (
        await db.execute(
            select(Child.pseudonym, ChildDecisionFigures)
            .join(Child, Child.id == ChildDecisionFigures.child_pk)
            .where(*costed(la_id))
            .order_by(Child.pseudonym)
        )
    ).all()
    values = peer_values([costed_of(row) for _, row in rows], *await value_rules(db, la_id))
    return [Valued(row.child_pk, pseudonym, row, value) for (pseudonym, row), value in zip(rows, values, strict=True)]


async def value_of(db: AsyncSession, row: ChildDecisionFigures) -> PeerValue | None:
    """One child's value against its peers, as `valued` gives it, reading only the children that can be its peers
    (a case-management system asks child by child; a national council's rows took a tenth of a second); none when
    it is not compared (not looked after, or without a cost or an assessment)."""
    if not row.looked_after or row.weekly_cost is None or row.max_need is None or row.total_need is None:
        return None
    rules, threshold = await value_rules(db, row.la_id)
    near = ChildDecisionFigures.total_need.between(
        row.total_need - rules.total_within, row.total_need + rules.total_within
    )
    others = await db.scalars(
        select(ChildDecisionFigures).where(
            *costed(row.la_id),
            ChildDecisionFigures.max_need == row.max_need,
            near,
            ChildDecisionFigures.child_pk != row.child_pk,
        )
    )
    # Every one of its peers is among these, so its own value is exact.
    return peer_values([costed_of(row), *map(costed_of, others)], rules, threshold)[0]
