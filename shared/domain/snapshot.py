"""The full recompute's snapshot: every table it needs read with one query each, in one transaction's
snapshot shared by two sessions, by binary COPY into numpy arrays; the ratings (ten million of them
nationally) joined to their versions in memory."""

import asyncio
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Date, Select, SmallInteger, Uuid, any_, bindparam, cast, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import among, driver
from shared.domain.bulk_read import copy_columns, fetch_rows, positional
from shared.domain.engines.needs_trends import NOT_RATED
from shared.models import (
    Assessment,
    AssessmentVersion,
    Child,
    ChildNeedsTrend,
    Instrument,
    LocalAuthority,
    RecomputeRequest,
    is_standing_final,
)


def standing_versions() -> Select[uuid.UUID, uuid.UUID, int, int, date, datetime, int]:
    """Every standing final version (shared.models.is_standing_final) of the councils' children (or of some of
    them, or dated on or before a day), with its child, its instrument (numbered from 1 in the order of the
    instruments given) and when the assessment was first recorded (shared.models.first_recorded: created_at,
    then the sequence the engine numbers assessments by)."""

    def array(name: str) -> Any:
        return bindparam(name, type_=ARRAY(Uuid))

    on_or_before = bindparam("on_or_before", type_=Date)
    on_or_after = bindparam("on_or_after", type_=Date)
    return (
        select(
            AssessmentVersion.id.label("version"),
            Assessment.id.label("id"),
            cast(Child.seq, BigInteger).label("child"),
            cast(Assessment.recorded_seq, BigInteger).label("assessment"),
            AssessmentVersion.assessed_on.label("day"),
            Assessment.created_at.label("recorded"),
            cast(func.array_position(array("instruments"), Assessment.instrument_id), SmallInteger).label("instrument"),
        )
        .join(Assessment, is_standing_final())
        .join(Child, Child.id == Assessment.child_pk)
        .where(
            Assessment.la_id == any_(array("la_ids")),
            array("children").is_(None) | (Assessment.child_pk == any_(array("children"))),
            on_or_before.is_(None) | (AssessmentVersion.assessed_on <= on_or_before),
            on_or_after.is_(None) | (AssessmentVersion.assessed_on >= on_or_after),
        )
    )


VERSION_COLUMNS = (
    ("version", "uuid"),
    ("id", "uuid"),
    ("child", "int8"),
    ("assessment", "int8"),
    ("day", "date"),
    ("recorded", "timestamptz"),
    ("instrument", "int2"),
)
# The ratings table alone, joined to the versions above in memory: a join per rating on the server
# took longer than the rest of the recompute. Ratings of other versions find no version and drop out.
RATINGS = """
SELECT assessment_version_id AS version, position, coalesce(need, -1)::int2 AS need,
       coalesce(strength, -1)::int2 AS strength
FROM ratings
"""
OF_COUNCILS = """
WHERE assessment_version_id IN (
    SELECT v.id FROM assessment_versions v JOIN assessments a ON a.id = v.assessment_id WHERE a.la_id = ANY($1::uuid[])
)"""
RATING_COLUMNS = (("version", "uuid"), ("position", "int2"), ("need", "int2"), ("strength", "int2"))
OF_CHILDREN = """
WHERE assessment_version_id IN (
    SELECT v.id FROM assessment_versions v JOIN assessments a ON a.id = v.assessment_id
    WHERE a.child_pk = ANY($1::uuid[])
)"""
CHILDREN = """
SELECT seq::int8 AS seq, id AS id, la_id AS la_id FROM children
WHERE la_id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
"""


@dataclass(frozen=True, slots=True)
class RecomputeTarget:
    """Councils to recompute whole, or some of their children; with `on_or_before`, from the final assessments
    dated on or before that day only (the figures as at it, which are not stored), and with `on_or_after` too,
    from those dated within the window (the figures of a window, not stored either)."""

    la_ids: list[uuid.UUID]
    children: list[uuid.UUID] | None = None
    on_or_before: date | None = None
    on_or_after: date | None = None

    def outbox(self) -> Any:
        column = among(RecomputeRequest.la_id, self.la_ids, Uuid)
        return column if self.children is None else column & among(RecomputeRequest.child_pk, self.children, Uuid)

    def figures(self) -> Any:
        column = among(ChildNeedsTrend.la_id, self.la_ids, Uuid)
        return column if self.children is None else column & among(ChildNeedsTrend.child_pk, self.children, Uuid)


Outbox = dict[int, tuple[uuid.UUID, bool]]  # request id -> (child, pending)


def changed_since(read: Outbox, now: Outbox) -> set[uuid.UUID]:
    """Children written to, or recomputed, since the outbox was read: theirs is newer than what was read."""
    changed = set()
    for request, (child, pending) in now.items():
        before = read.get(request)
        if before is None or before[1] != pending:
            changed.add(child)
    return changed


def written_since(read: Outbox, now: Outbox) -> set[uuid.UUID]:
    """Children written to since the outbox was read (each write asks anew): a recompute of theirs since is not
    counted, as a figure derived from records the read saw stands however the needs figures were recomputed."""
    return {child for request, (child, _) in now.items() if request not in read}


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything read, in one transaction's snapshot."""

    versions: dict[str, np.ndarray[Any, Any]]  # VERSION_COLUMNS, with `child` an index into child_seq
    need: np.ndarray[Any, Any]  # versions x domain positions in their own instrument, NOT_RATED where none
    strength: np.ndarray[Any, Any]
    rated: np.ndarray[Any, Any]  # versions with any rating row: a version without one is no assessment
    child_seq: np.ndarray[Any, Any]  # sorted
    child_pk: np.ndarray[Any, Any]  # uuid bytes, in child_seq's order
    child_council: np.ndarray[Any, Any]  # index into councils, in child_seq's order
    councils: list[uuid.UUID]
    instruments: list[Any]  # rows of instruments: id, la_id, code, version, compatible_with, definition
    outbox: Outbox
    had_figures: set[uuid.UUID]


async def read(db: AsyncSession, other: AsyncSession | None, target: RecomputeTarget) -> Snapshot:
    """Two sessions in one snapshot: the ratings stream through one while the other reads the rest,
    so two server processes work at once; with no other session, one after the other."""
    # Plain rows, not ORM objects: they outlive the read transaction.
    instruments = list(
        (
            await db.execute(
                select(
                    Instrument.id,
                    Instrument.la_id,
                    Instrument.code,
                    Instrument.version,
                    Instrument.compatible_with,
                    Instrument.definition,
                ).order_by(Instrument.id)
            )
        ).all()
    )
    if target.children is not None:
        ratings_query, ratings_args = RATINGS + OF_CHILDREN, [target.children]
    elif await db.scalar(select(func.count()).select_from(LocalAuthority)) == len(set(target.la_ids)):
        ratings_query, ratings_args = RATINGS, []
    else:
        ratings_query, ratings_args = RATINGS + OF_COUNCILS, [target.la_ids]
    reading_ratings = copy_columns(await driver(db), ratings_query, ratings_args, RATING_COLUMNS)
    if other is None:
        ratings = await reading_ratings
        versions, children, outbox, had = await read_the_rest(db, target, instruments)
    else:
        ratings, (versions, children, outbox, had) = await asyncio.gather(
            reading_ratings, read_the_rest(other, target, instruments)
        )
    order = np.argsort(children["seq"], kind="stable")
    child_seq, child_pk = children["seq"][order], children["id"][order]
    # One read of the children: their councils come with their numbers.
    council_ids, child_council = np.unique(children["la_id"][order], return_inverse=True)
    councils = [uuid.UUID(bytes=council.tobytes()) for council in council_ids]
    versions["child"] = np.searchsorted(child_seq, versions["child"])
    width = max((len(i.definition["domains"]) for i in instruments), default=0)
    need, strength, rated = spread(ratings, versions.pop("version"), width)
    return Snapshot(
        versions, need, strength, rated, child_seq, child_pk, child_council, councils, instruments, outbox, had
    )


async def read_the_rest(db: AsyncSession, target: RecomputeTarget, instruments: list[Any]) -> tuple[Any, ...]:
    apg = await driver(db)
    ids = [i.id for i in instruments]
    versions_query = positional(
        standing_versions(),
        {
            "la_ids": target.la_ids,
            "instruments": ids,
            "children": target.children,
            "on_or_before": target.on_or_before,
            "on_or_after": target.on_or_after,
        },
    )
    versions = await copy_columns(apg, *versions_query, VERSION_COLUMNS)
    children = await copy_columns(
        apg, CHILDREN, [target.la_ids, target.children], [("seq", "int8"), ("id", "uuid"), ("la_id", "uuid")]
    )
    if target.on_or_before is not None or target.on_or_after is not None:
        return versions, children, {}, set()  # figures not stored: no outbox to settle, no rows to clear
    outbox = await read_outbox(db, target)
    had = set(await db.scalars(select(ChildNeedsTrend.child_pk).where(target.figures())))
    return versions, children, outbox, had


def spread(
    ratings: dict[str, np.ndarray[Any, Any]], versions: np.ndarray[Any, Any], width: int
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The ratings as versions x positions matrices of need and strength, and which versions have any."""
    row = locate(ratings["version"], versions)
    found = row >= 0
    row, position = row[found], ratings["position"][found]
    need = np.full((len(versions), width), NOT_RATED, dtype=np.int16)
    strength = need.copy()
    need[row, position], strength[row, position] = ratings["need"][found], ratings["strength"][found]
    rated = np.zeros(len(versions), dtype=bool)
    rated[row] = True
    return need, strength, rated


def locate(keys: np.ndarray[Any, Any], table: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Each 16-byte key's row in `table` (unique keys), -1 where absent. A version's ratings are stored
    together, so keys come in runs and each run is looked up once, by its first eight bytes."""
    if len(keys) == 0 or len(table) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    words, table_words = keys.view(np.uint64).reshape(-1, 2), table.view(np.uint64).reshape(-1, 2)
    starts = np.flatnonzero(np.r_[True, (words[1:] != words[:-1]).any(axis=1)])
    heads = words[starts]
    order = np.argsort(table_words[:, 0])
    first = table_words[order, 0]
    row = order[np.minimum(np.searchsorted(first, heads[:, 0]), len(first) - 1)]
    row[~(table_words[row] == heads).all(axis=1)] = -1
    # Ids sharing their first eight bytes (random ids practically never do) are settled one by one.
    repeated = np.unique(first[np.flatnonzero(first[1:] == first[:-1])])
    if len(repeated):
        row_of = {table[i].tobytes(): i for i in order[np.isin(first, repeated)]}
        for i in np.flatnonzero(np.isin(heads[:, 0], repeated)):
            row[i] = row_of.get(keys[starts[i]].tobytes(), -1)
    return np.repeat(row, np.diff(np.r_[starts, len(keys)]))


async def read_outbox(db: AsyncSession, target: RecomputeTarget) -> Outbox:
    # Fetched as they come: after a national return's import a council has a request for each of its children.
    rows = await fetch_rows(
        db,
        select(RecomputeRequest.id, RecomputeRequest.child_pk, RecomputeRequest.done_at.is_(None)).where(
            target.outbox()
        ),
    )
    return {row[0]: (row[1], bool(row[2])) for row in rows}
