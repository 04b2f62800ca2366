"""Recompute the needs figures of whole councils at once: each table read with one query into arrays,
the vectorised engine over every child, the figures written back with COPY.

It gives the figures a child's incremental recompute gives (the same engine; tested on the demo
council and a generated cohort). Writes landing meanwhile are not overwritten: a child whose outbox
changed since the read is left to its incremental recompute."""

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Uuid, any_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.bulk_read import copy_columns
from services.scoring.calibration import AUTOMATIC_AT, calibrate_when_due, figures_lock, reference_sd, reliability_of
from services.scoring.engines.vectorised import NOT_RATED, Assessments, Scale, Trends, compute, reliable_change
from services.scoring.figures_copy import (
    Children,
    child_rows,
    create_staging,
    domain_rows,
    insert_children,
    insert_domains,
)
from services.scoring.recompute import CLEARED_CHILD, CLEARED_DOMAIN
from shared.db import transaction
from shared.instruments import InstrumentScale
from shared.models import (
    Child,
    ChildNeedsTrend,
    DomainNeedsTrend,
    Instrument,
    LocalAuthority,
    RciCalibration,
    RecomputeRequest,
)  # fmt: skip
from shared.models.figures import FIGURES_ROW_VERSION

Progress = Callable[[str, int, int], None]

# Every standing final version: the current version of its assessment, with its child and instrument.
VERSIONS = """
SELECT v.id AS version, a.id AS id, c.seq::int8 AS child, a.recorded_seq::int8 AS assessment, v.assessed_on AS day,
       v.recorded_at AS recorded, array_position($2::uuid[], a.instrument_id)::int2 AS instrument
FROM assessment_versions v
JOIN assessments a ON a.id = v.assessment_id AND a.current_version = v.version
JOIN children c ON c.id = a.child_pk
WHERE v.status = 'final' AND a.la_id = ANY($1::uuid[]) AND ($3::uuid[] IS NULL OR a.child_pk = ANY($3::uuid[]))
"""
VERSION_COLUMNS = (
    ("version", "uuid"), ("id", "uuid"), ("child", "int8"), ("assessment", "int8"), ("day", "date"),
    ("recorded", "timestamptz"), ("instrument", "int2"),
)  # fmt: skip
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
class Scope:
    """Councils to recompute whole, or some of their children."""

    la_ids: list[uuid.UUID]
    children: list[uuid.UUID] | None = None

    def outbox(self) -> Any:
        column = RecomputeRequest.la_id.in_(self.la_ids)
        return column if self.children is None else column & among(RecomputeRequest.child_pk, self.children, Uuid)

    def figures(self) -> Any:
        column = ChildNeedsTrend.la_id.in_(self.la_ids)
        return column if self.children is None else column & among(ChildNeedsTrend.child_pk, self.children, Uuid)


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


async def read(db: AsyncSession, other: AsyncSession, scope: Scope) -> Snapshot:
    """Two sessions in one snapshot: the ratings stream through one while the other reads the rest,
    so two server processes work at once."""
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
    if scope.children is not None:
        ratings_query, ratings_args = RATINGS + OF_CHILDREN, [scope.children]
    elif await db.scalar(select(func.count()).select_from(LocalAuthority)) == len(set(scope.la_ids)):
        ratings_query, ratings_args = RATINGS, []
    else:
        ratings_query, ratings_args = RATINGS + OF_COUNCILS, [scope.la_ids]
    ratings, (versions, children, outbox, had) = await asyncio.gather(
        copy_columns(await raw_connection(db), ratings_query, ratings_args, RATING_COLUMNS),
        read_the_rest(other, scope, instruments),
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


async def read_the_rest(db: AsyncSession, scope: Scope, instruments: list[Any]) -> tuple[Any, ...]:
    apg = await raw_connection(db)
    ids = [i.id for i in instruments]
    versions = await copy_columns(apg, VERSIONS, [scope.la_ids, ids, scope.children], VERSION_COLUMNS)
    children = await copy_columns(
        apg, CHILDREN, [scope.la_ids, scope.children], [("seq", "int8"), ("id", "uuid"), ("la_id", "uuid")]
    )
    outbox = await read_outbox(db, scope)
    had = set(await db.scalars(select(ChildNeedsTrend.child_pk).where(scope.figures())))
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


async def read_outbox(db: AsyncSession, scope: Scope) -> dict[int, tuple[uuid.UUID, bool]]:
    rows = await db.execute(
        select(RecomputeRequest.id, RecomputeRequest.child_pk, RecomputeRequest.done_at.is_(None)).where(scope.outbox())
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


PIECE = 12_000  # children per engine run: the write of one overlaps the computing of the next


@dataclass(frozen=True, slots=True)
class Piece:
    """Children whose latest assessment is of one instrument (one scale), computed in one engine run."""

    instrument: int  # numbered from 1, into Snapshot.instruments
    children: np.ndarray[Any, Any]  # indexes into Snapshot.child_seq, ascending


@dataclass(frozen=True, slots=True)
class Computed:
    piece: Piece
    definition: dict[str, Any]
    trends: Trends


def latest_instruments(snapshot: Snapshot) -> np.ndarray[Any, Any]:
    """Each child's latest assessment (by date, then recording) names the instrument its trends follow;
    0 for a child without one."""
    v, rated = snapshot.versions, snapshot.rated
    child = v["child"][rated]
    order = np.lexsort((v["assessment"][rated], v["recorded"][rated], v["day"][rated], child))
    last = np.r_[child[order][1:] != child[order][:-1], True] if len(order) else np.zeros(0, dtype=bool)
    latest = np.zeros(len(snapshot.child_seq), dtype=np.int64)
    latest[child[order][last]] = v["instrument"][rated][order][last]
    return latest


def pieces(latest: np.ndarray[Any, Any]) -> list[Piece]:
    return [
        Piece(int(head), members[begin : begin + PIECE])
        for head in np.unique(latest[latest > 0])
        for members in [np.flatnonzero(latest == head)]
        for begin in range(0, len(members), PIECE)
    ]


def run(snapshot: Snapshot, latest: np.ndarray[Any, Any], piece: Piece) -> Computed:
    """The engine over one piece's children, across their instrument family's assessments."""
    v = snapshot.versions
    child = v["child"]
    definition = snapshot.instruments[piece.instrument - 1].definition
    scale = InstrumentScale.from_definition(definition)
    in_piece = np.zeros(len(snapshot.child_seq), dtype=bool)
    in_piece[piece.children] = True
    family = families(snapshot.instruments)[piece.instrument]
    rows = in_piece[child] & family[v["instrument"]] & snapshot.rated
    need, strength = in_scale(snapshot, rows, scale)
    assessments = Assessments(
        np.searchsorted(piece.children, child[rows]), v["assessment"][rows], v["day"][rows], v["recorded"][rows],
        need, strength,
    )  # fmt: skip
    engine_scale = Scale(scale.domains, scale.actionable_from, scale.intensive_level)
    return Computed(piece, definition, compute(assessments, len(piece.children), engine_scale))


def in_scale(
    snapshot: Snapshot, rows: np.ndarray[Any, Any], scale: InstrumentScale
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """The rows' levels with their columns in the order of the scale their trends follow (compatible
    versions share their domains, not necessarily their order)."""
    instrument = snapshot.versions["instrument"][rows]
    need = np.full((len(instrument), len(scale.domains)), NOT_RATED, dtype=np.int16)
    strength = need.copy()
    for n in np.unique(instrument):
        own = InstrumentScale.from_definition(snapshot.instruments[int(n) - 1].definition).domains
        columns = [scale.domains.index(code) for code in own]
        chosen = np.flatnonzero(rows)[instrument == n]
        need[np.ix_(instrument == n, columns)] = snapshot.need[chosen, : len(own)]
        strength[np.ix_(instrument == n, columns)] = snapshot.strength[chosen, : len(own)]
    return need, strength


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


async def council_sds(
    db: AsyncSession, snapshot: Snapshot, computed: list[Computed], *, whole: bool
) -> dict[tuple[int, str], float]:
    """Each council's SD per instrument code (councils by index): the instrument's own, the stored
    calibration, or else, once AUTOMATIC_AT children have a baseline, a calibration taken from these
    figures and stored, as the incremental recompute takes one when the 30th child has a baseline.
    Only a recompute of whole councils (`whole`) sees every baseline, so only it calibrates here."""
    stored = await db.execute(
        select(RciCalibration.la_id, RciCalibration.instrument_code, RciCalibration.sd)
        .where(among(RciCalibration.la_id, snapshot.councils, Uuid))
        .order_by(RciCalibration.calibrated_at)
    )
    number = {la_id: n for n, la_id in enumerate(snapshot.councils)}
    sds = {(number[la_id], code): sd for la_id, code, sd in stored}  # the latest calibration last, so it stands
    baselines: dict[tuple[int, str], list[int]] = {}
    for done in computed:
        code, baseline = done.definition["code"], done.trends.children.baseline_total_need
        if done.definition.get("sd") is not None:
            sds.update({(int(c), code): float(done.definition["sd"]) for c in np.unique(snapshot.child_council)})
            continue
        for council, total in zip(snapshot.child_council[done.piece.children], baseline, strict=True):
            baselines.setdefault((int(council), code), []).append(int(total))
    for (council, code), totals in baselines.items():
        if whole and (council, code) not in sds and len(totals) >= AUTOMATIC_AT:
            sd = reference_sd(totals)
            la_id = snapshot.councils[council]
            db.add(RciCalibration(la_id=la_id, instrument_code=code, sd=sd, n=len(totals), source="automatic"))
            sds[council, code] = sd
    return sds


def rci_of(done: Computed, councils: np.ndarray[Any, Any], sds: dict[tuple[int, str], float]) -> tuple[Any, Any]:
    """Each child's RCI and verdict, with its own council's SD."""
    c, code = done.trends.children, done.definition["code"]
    sd = np.array([sds.get((int(council), code), np.nan) for council in range(int(councils.max(initial=-1)) + 1)])
    reliability = np.full(len(councils), reliability_of(done.definition))
    return reliable_change(c.total_need, c.baseline_total_need, c.assessments_count, sd[councils], reliability)


async def write(db: AsyncSession, snapshot: Snapshot, scope: Scope, progress: Progress) -> tuple[int, int, int]:
    """Every piece computed in a thread while the previous piece's rows are inserted."""
    if scope.children is not None:
        # Each child's own lock, as its incremental recompute and its erasure take it (in one order,
        # so two batches cannot deadlock): an erasure waits, or has happened and is seen below.
        await db.execute(text(CHILD_LOCKS), {"children": scope.children})
    now = await figures_lock(db)
    existing = set(await db.scalars(select(Child.id).where(among(Child.id, pks(snapshot), Uuid))))
    excluded = changed_since(snapshot, await read_outbox(db, scope)) | (pks(snapshot) - existing)
    excluded_bytes = {pk.bytes for pk in excluded}
    keep_child = np.array([pk.tobytes() not in excluded_bytes for pk in snapshot.child_pk], dtype=bool)
    latest = latest_instruments(snapshot)
    written = {uuid.UUID(bytes=pk.tobytes()) for pk in snapshot.child_pk[(latest > 0) & keep_child]}
    # Their domain rows go with them (the trigger domain_figures_follow_child).
    await db.execute(delete(ChildNeedsTrend).where(among(ChildNeedsTrend.child_pk, written, Uuid)))
    apg = await raw_connection(db)
    await create_staging(apg)
    computed: list[Computed] = []
    inserting: asyncio.Future[None] | None = None
    for piece in pieces(latest):
        done = await asyncio.to_thread(run, snapshot, latest, piece)
        computed.append(done)
        rows = domain_rows(done.trends, children_of(snapshot, piece), kept(done, keep_child), piece.instrument)
        if inserting is not None:
            await inserting
        # Row versions from the sequence, as the incremental recompute takes them: a BI cursor sees every row again.
        inserting = asyncio.ensure_future(insert_domains(apg, rows, snapshot.instruments, now))
        progress("computed", sum(len(c.piece.children) for c in computed), len(snapshot.child_seq))
    if inserting is not None:
        await inserting
    sds = await council_sds(db, snapshot, computed, whole=scope.children is None)
    ids = assessment_ids(snapshot)
    staged = []
    for done in computed:
        rci, verdict = rci_of(done, snapshot.child_council[done.piece.children], sds)
        children = children_of(snapshot, done.piece)
        staged.append(
            child_rows(done.trends, children, kept(done, keep_child), done.piece.instrument, rci, verdict, ids)
        )
    await insert_children(apg, staged, snapshot.instruments, now)
    if scope.children is not None:
        for done in computed:
            for council in np.unique(snapshot.child_council[done.piece.children]):
                await calibrate_when_due(db, snapshot.councils[int(council)], done.definition)
    progress("written", len(written), len(written))
    cleared = (snapshot.had_figures - written) - excluded
    for model, values in ((ChildNeedsTrend, CLEARED_CHILD), (DomainNeedsTrend, CLEARED_DOMAIN)):
        if cleared:
            await db.execute(
                update(model)
                .where(among(model.child_pk, cleared, Uuid))
                .values(**values, computed_at=now, row_version=FIGURES_ROW_VERSION.next_value())
            )
    pending = [r for r, (child, waiting) in snapshot.outbox.items() if waiting and child not in excluded]
    if pending:
        await db.execute(
            update(RecomputeRequest)
            .where(among(RecomputeRequest.id, pending, BigInteger), RecomputeRequest.done_at.is_(None))
            .values(done_at=func.now())
        )
    return len(written), len(cleared), len(excluded)


CHILD_LOCKS = """
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(id::text, 0) AS k FROM unnest(CAST(:children AS uuid[])) AS id) AS keys
ORDER BY k
"""


def pks(snapshot: Snapshot) -> set[uuid.UUID]:
    return {uuid.UUID(bytes=pk.tobytes()) for pk in snapshot.child_pk}


def assessment_ids(snapshot: Snapshot) -> Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]:
    """Assessment numbers (recorded_seq, the engine's) to assessment ids."""
    order = np.argsort(snapshot.versions["assessment"])
    numbers, ids = snapshot.versions["assessment"][order], snapshot.versions["id"][order]
    return lambda wanted: ids[np.searchsorted(numbers, wanted)]


def children_of(snapshot: Snapshot, piece: Piece) -> Children:
    council_ids = np.array([la_id.bytes for la_id in snapshot.councils], dtype="V16")
    return Children(
        snapshot.child_seq[piece.children],
        snapshot.child_pk[piece.children],
        council_ids[snapshot.child_council[piece.children]],
    )


def kept(done: Computed, keep_child: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The piece's children to write (indexes into the run): not written to since the read."""
    return np.flatnonzero(keep_child[done.piece.children])


async def recompute_councils(
    sessions: async_sessionmaker[AsyncSession], la_ids: list[uuid.UUID], progress: Progress | None = None
) -> Outcome:
    return await recompute(sessions, Scope(la_ids), progress)


async def recompute_children(sessions: async_sessionmaker[AsyncSession], children: list[uuid.UUID]) -> Outcome:
    """A burst of children at once, as each alone would be recomputed (the worker's path under load)."""
    async with sessions() as db:
        la_ids = list(set(await db.scalars(select(Child.la_id).where(among(Child.id, children, Uuid)))))
    return await recompute(sessions, Scope(la_ids, sorted(children)), None)


async def recompute(sessions: async_sessionmaker[AsyncSession], scope: Scope, progress: Progress | None) -> Outcome:
    report = progress or (lambda stage, done, total: None)
    async with sessions() as db, sessions() as other:
        # One snapshot for every read, so the tables agree with each other and with the outbox.
        await db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        await other.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        exported = await db.scalar(select(func.pg_export_snapshot()))
        await other.execute(text(f"SET TRANSACTION SNAPSHOT '{exported}'"))
        snapshot = await read(db, other, scope)
        await db.rollback()
        await other.rollback()
    report("read", len(snapshot.versions["child"]), len(snapshot.versions["child"]))
    async with transaction(sessions) as db:
        written, cleared, excluded = await write(db, snapshot, scope, report)
    return Outcome(len(snapshot.child_seq), written, cleared, excluded)
