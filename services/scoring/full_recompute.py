"""Recompute the needs figures of whole councils at once: each table read with one query into arrays,
the vectorised engine over every child, the figures written back with COPY.

It gives the figures a child's incremental recompute gives (the same engine; tested on the demo
council and a generated cohort). Writes landing meanwhile are not overwritten: a child whose outbox
changed since the read is left to its incremental recompute."""

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Uuid, any_, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.bulk_read import copy_columns
from services.scoring.calibration import AUTOMATIC_AT, calibrate, current_sd, figures_lock, reliability_of
from services.scoring.engines.vectorised import Ratings, Scale, Trends, compute, reliable_change
from services.scoring.figures_copy import Staged, insert_staged, stage
from services.scoring.recompute import CLEARED_CHILD, CLEARED_DOMAIN
from shared.db import transaction
from shared.instruments import InstrumentScale
from shared.models import ChildNeedsTrend, DomainNeedsTrend, Instrument, RecomputeRequest
from shared.models.figures import FIGURES_ROW_VERSION

Progress = Callable[[str, int, int], None]

RATINGS = """
WITH positions AS (
    SELECT i.id, d ->> 'code' AS code, (o - 1)::int2 AS position
    FROM instruments i, jsonb_array_elements(i.definition -> 'domains') WITH ORDINALITY AS t(d, o)
)
SELECT c.seq::int8 AS child, a.recorded_seq::int8 AS assessment, v.assessed_on AS day, v.recorded_at AS recorded,
       array_position($2::uuid[], a.instrument_id)::int2 AS instrument, positions.position AS domain,
       coalesce(r.need, -1)::int2 AS need, coalesce(r.strength, -1)::int2 AS strength
FROM ratings r
JOIN assessment_versions v ON v.id = r.assessment_version_id AND v.status = 'final'
JOIN assessments a ON a.id = v.assessment_id AND a.current_version = v.version
JOIN children c ON c.id = a.child_pk
JOIN positions ON positions.id = a.instrument_id AND positions.code = r.domain
WHERE a.la_id = ANY($1::uuid[])
"""
RATING_COLUMNS = (
    ("child", "int8"), ("assessment", "int8"), ("day", "date"), ("recorded", "timestamptz"), ("instrument", "int2"),
    ("domain", "int2"), ("need", "int2"), ("strength", "int2"),
)  # fmt: skip
CHILDREN = "SELECT seq::int8 AS seq, id AS id, la_id AS la_id FROM children WHERE la_id = ANY($1::uuid[])"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything read, in one transaction's snapshot."""

    ratings: dict[str, np.ndarray[Any, Any]]
    child_seq: np.ndarray[Any, Any]  # sorted
    child_pk: np.ndarray[Any, Any]  # uuid bytes, in child_seq's order
    child_council: dict[bytes, uuid.UUID]
    instruments: list[Any]  # rows of instruments: id, la_id, code, version, compatible_with, definition
    outbox: dict[int, tuple[uuid.UUID, bool]]  # request id -> (child, pending)
    had_figures: set[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Outcome:
    children: int
    written: int
    cleared: int
    left_to_incremental: int


async def raw_connection(db: AsyncSession) -> Any:
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def sorted_by(seq: np.ndarray[Any, Any], pk: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    order = np.argsort(seq, kind="stable")
    return seq[order], pk[order]


async def read(db: AsyncSession, la_ids: list[uuid.UUID]) -> Snapshot:
    # Plain rows, not ORM objects: they outlive the read transaction.
    instruments = list(
        (
            await db.execute(
                select(
                    Instrument.id, Instrument.la_id, Instrument.code, Instrument.version, Instrument.compatible_with,
                    Instrument.definition,
                ).order_by(Instrument.id)
            )
        ).all()
    )  # fmt: skip
    apg = await raw_connection(db)
    ratings = await copy_columns(apg, RATINGS, [la_ids, [i.id for i in instruments]], RATING_COLUMNS)
    children = await copy_columns(apg, CHILDREN, [la_ids], [("seq", "int8"), ("id", "uuid"), ("la_id", "uuid")])
    # One read of the children: their councils come with their numbers.
    councils = {
        pk.tobytes(): uuid.UUID(bytes=la.tobytes()) for pk, la in zip(children["id"], children["la_id"], strict=True)
    }
    outbox = await read_outbox(db, la_ids)
    had = set(await db.scalars(select(ChildNeedsTrend.child_pk).where(ChildNeedsTrend.la_id.in_(la_ids))))
    child_seq, child_pk = sorted_by(children["seq"], children["id"])
    return Snapshot(
        ratings,
        child_seq,
        child_pk,
        councils,
        instruments,
        outbox,
        had,
    )


async def read_outbox(db: AsyncSession, la_ids: list[uuid.UUID]) -> dict[int, tuple[uuid.UUID, bool]]:
    rows = await db.execute(
        select(RecomputeRequest.id, RecomputeRequest.child_pk, RecomputeRequest.done_at.is_(None)).where(
            RecomputeRequest.la_id.in_(la_ids)
        )
    )
    return {row[0]: (row[1], bool(row[2])) for row in rows}


def families(instruments: list[Any]) -> np.ndarray[Any, Any]:
    """families[h, i]: a child whose latest assessment is of instrument h has its trends run across
    instrument i (numbered from 1, as the ratings query gives them): h's version and those it declares
    compatible. A council cannot load a shipped code, so the family never mixes councils."""
    size = len(instruments) + 1
    result = np.zeros((size, size), dtype=bool)
    for h, head in enumerate(instruments, start=1):
        versions = {head.version, *head.compatible_with}
        for i, other in enumerate(instruments, start=1):
            result[h, i] = other.code == head.code and other.version in versions and other.la_id == head.la_id
    return result


@dataclass(frozen=True, slots=True)
class Group:
    """Children whose latest assessment is of one instrument: one scale, one engine run."""

    instrument: Any  # a row of Snapshot.instruments
    scale: InstrumentScale
    children: np.ndarray[Any, Any]  # indexes into Snapshot.child_seq
    trends: Trends


def groups(snapshot: Snapshot) -> Iterator[Group]:
    r = snapshot.ratings
    child = np.searchsorted(snapshot.child_seq, r["child"])
    # Each child's latest assessment (by date, then recording) names the instrument its trends follow.
    order = np.lexsort((r["assessment"], r["recorded"], r["day"], child))
    last = np.r_[child[order][1:] != child[order][:-1], True] if len(order) else np.zeros(0, dtype=bool)
    latest_instrument = np.zeros(len(snapshot.child_seq), dtype=np.int64)
    latest_instrument[child[order][last]] = r["instrument"][order][last]
    in_family = families(snapshot.instruments)[latest_instrument[child], r["instrument"]]
    for head in np.unique(latest_instrument[latest_instrument > 0]):
        instrument = snapshot.instruments[int(head) - 1]
        scale = InstrumentScale.from_definition(instrument.definition)
        members = np.flatnonzero(latest_instrument == head)
        rows = in_family & (latest_instrument[child] == head)
        ratings = Ratings(
            np.searchsorted(members, child[rows]),
            r["assessment"][rows],
            r["day"][rows],
            r["recorded"][rows],
            remap_domains(snapshot.instruments, r["instrument"][rows], r["domain"][rows], scale),
            r["need"][rows],
            r["strength"][rows],
        )
        engine_scale = Scale(scale.domains, scale.actionable_from, scale.intensive_level)
        yield Group(instrument, scale, members, compute(ratings, len(members), engine_scale))


def remap_domains(
    instruments: list[Instrument],
    instrument: np.ndarray[Any, Any],
    domain: np.ndarray[Any, Any],
    scale: InstrumentScale,
) -> np.ndarray[Any, Any]:
    """Domain positions in each rating's own instrument, as positions in the scale its trends follow
    (compatible versions share their domains, not necessarily their order)."""
    result = domain.copy()
    for n in np.unique(instrument):
        own = InstrumentScale.from_definition(instruments[int(n) - 1].definition).domains
        lookup = np.array([scale.domains.index(code) for code in own], dtype=np.int64)
        rows = instrument == n
        result[rows] = lookup[domain[rows]]
    return result


def among(column: Any, values: Iterable[Any], item_type: Any) -> Any:
    """column = ANY(:values), one array parameter however many values (IN would bind one each)."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(item_type)))


def changed_since(snapshot: Snapshot, outbox: dict[int, tuple[uuid.UUID, bool]]) -> set[uuid.UUID]:
    """Children written to, or recomputed, since the snapshot: theirs is newer than what was read."""
    changed = set()
    for request, (child, pending) in outbox.items():
        before = snapshot.outbox.get(request)
        if before is None or before[1] != pending:
            changed.add(child)
    return changed


async def rci_of(db: AsyncSession, group: Group, councils: np.ndarray[Any, Any]) -> tuple[Any, Any]:
    """Each child's RCI and verdict, with its own council's SD."""
    c, definition = group.trends.children, group.instrument.definition
    sd = np.full(len(group.children), np.nan)
    for la_id in set(councils.tolist()):
        council_sd = await current_sd(db, la_id, definition)
        sd[councils == la_id] = np.nan if council_sd is None else council_sd
    reliability = np.full(len(group.children), reliability_of(definition))
    return reliable_change(c.total_need, c.baseline_total_need, c.assessments_count, sd, reliability)


async def write(
    db: AsyncSession, snapshot: Snapshot, la_ids: list[uuid.UUID], progress: Progress
) -> tuple[int, int, int]:
    await figures_lock(db)
    excluded = changed_since(snapshot, await read_outbox(db, la_ids))
    excluded_bytes = {pk.bytes for pk in excluded}
    now = await db.scalar(select(func.clock_timestamp()))
    assert now is not None
    council_of = np.array([snapshot.child_council[pk.tobytes()] for pk in snapshot.child_pk], dtype=object)
    keep_child = np.array([pk.tobytes() not in excluded_bytes for pk in snapshot.child_pk], dtype=bool)
    staged, written, done = Staged.empty(), set(), 0
    for group in groups(snapshot):
        keep = keep_child[group.children]
        rci, verdict = await rci_of(db, group, council_of[group.children])
        number = next(n for n, row in enumerate(snapshot.instruments, start=1) if row.id == group.instrument.id)
        stage(staged, group.trends, snapshot.child_seq[group.children], keep, number, rci, verdict)
        has = keep & (group.trends.children.assessments_count > 0)
        written |= {uuid.UUID(bytes=pk.tobytes()) for pk in snapshot.child_pk[group.children[has]]}
        done += len(group.children)
        progress("computed", done, len(snapshot.child_seq))
    await db.execute(delete(DomainNeedsTrend).where(among(DomainNeedsTrend.child_pk, written, Uuid)))
    await db.execute(delete(ChildNeedsTrend).where(among(ChildNeedsTrend.child_pk, written, Uuid)))
    # Row versions from the sequence, as the incremental recompute takes them: a BI cursor sees every row again.
    await insert_staged(await raw_connection(db), staged, snapshot.instruments, now)
    progress("written", len(written), len(written))
    cleared = (snapshot.had_figures - written) - excluded
    for model, values in ((ChildNeedsTrend, CLEARED_CHILD), (DomainNeedsTrend, CLEARED_DOMAIN)):
        await db.execute(
            update(model)
            .where(among(model.child_pk, cleared, Uuid))
            .values(**values, computed_at=now, row_version=FIGURES_ROW_VERSION.next_value())
        )
    pending = [r for r, (child, waiting) in snapshot.outbox.items() if waiting and child not in excluded]
    await db.execute(
        update(RecomputeRequest)
        .where(among(RecomputeRequest.id, pending, BigInteger), RecomputeRequest.done_at.is_(None))
        .values(done_at=func.now())
    )
    return len(written), len(cleared), len(excluded)


async def recompute_councils(
    sessions: async_sessionmaker[AsyncSession], la_ids: list[uuid.UUID], progress: Progress | None = None
) -> Outcome:
    report = progress or (lambda stage, done, total: None)
    async with sessions() as db:
        # One snapshot for every read, so the tables agree with each other and with the outbox.
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        snapshot = await read(db, la_ids)
        await db.rollback()
    report("read", len(snapshot.ratings["child"]), len(snapshot.ratings["child"]))
    async with transaction(sessions) as db:
        written, cleared, excluded = await write(db, snapshot, la_ids, report)
        for la_id in la_ids:
            await calibrate_unset(db, la_id)
    return Outcome(len(snapshot.child_seq), written, cleared, excluded)


async def calibrate_unset(db: AsyncSession, la_id: uuid.UUID) -> None:
    """As the incremental recompute does the first time 30 children have a baseline."""
    codes = await db.scalars(
        select(ChildNeedsTrend.instrument_code)
        .where(ChildNeedsTrend.la_id == la_id, ChildNeedsTrend.assessments_count > 0)
        .group_by(ChildNeedsTrend.instrument_code)
        .having(func.count() >= AUTOMATIC_AT)
    )
    for code in list(codes):
        instrument = await db.scalar(
            select(Instrument)
            .where(Instrument.code == code, Instrument.la_id.is_(None) | (Instrument.la_id == la_id))
            .order_by(Instrument.version.desc())
            .limit(1)
        )
        if instrument is not None and await current_sd(db, la_id, instrument.definition) is None:
            await calibrate(db, la_id, instrument.definition, "automatic")
