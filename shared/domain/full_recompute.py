"""The one recompute every stored figure is written by, for whole councils, a burst of pending children or
one child alone: the snapshot read (snapshot.py), the needs trends engine over every child in pieces, the
figures written back with COPY, under the locks of locks.py, then statements marked stale and requests done.

The figures as at a past day (figures_as_at.py) are computed and inserted by the same pieces, into
temporary tables. Writes landing meanwhile are not overwritten: a child whose outbox changed since the
read is left pending, for the next drain."""

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, Uuid, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import among, driver, transaction, unsynced
from shared.domain import kept_outcome_figures, kept_placement_figures, statements
from shared.domain.bulk_read import copy_columns, positional
from shared.domain.calibration import AUTOMATIC_AT, calibrate_when_due, reference_sd, reliability_of
from shared.domain.child_profile import rated_at_latest
from shared.domain.engines.needs_trends import NOT_RATED, Assessments, Scale, Trends, compute, reliable_change
from shared.domain.figures_copy import (
    CLEARED_CHILD,
    CLEARED_DOMAIN,
    STORED,
    AreaLayout,
    Children,
    Sink,
    area_rows,
    child_rows,
    create_staging,
    domain_rows,
    insert_children,
    insert_domains,
)
from shared.domain.locks import child_locks, figures_lock
from shared.domain.outcome_inputs import EVER, Measured, measured
from shared.domain.refresh_process import RefreshProcess
from shared.domain.snapshot import RecomputeTarget, Snapshot, changed_since, read, read_outbox
from shared.domain.written_needs import NeedsPiece, NeedsSink
from shared.instruments import InstrumentScale
from shared.models import (
    Child,
    ChildNeedsTrend,
    DomainNeedsTrend,
    RciCalibration,
    RecomputeRequest,
)
from shared.models.figures import FIGURES_ROW_VERSION

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class RecomputeCounts:
    children: int
    written: int
    cleared: int
    left_to_incremental: int


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
        np.searchsorted(piece.children, child[rows]),
        v["assessment"][rows],
        v["day"][rows],
        v["recorded"][rows],
        need,
        strength,
    )
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


async def council_sds(
    db: AsyncSession, snapshot: Snapshot, computed: list[Computed], *, calibrate: bool
) -> dict[tuple[int, str], float]:
    """Each council's SD per instrument code (councils by index): the instrument's own, the stored
    calibration, or else, once AUTOMATIC_AT children have a baseline, a calibration taken from these
    figures and stored (`calibrate`), as a burst takes one (calibrate_when_due) when the 30th child has a
    baseline. Only a recompute of whole councils' stored figures sees every baseline, so only it calibrates."""
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
        if calibrate and (council, code) not in sds and len(totals) >= AUTOMATIC_AT:
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


async def write(
    db: AsyncSession,
    snapshot: Snapshot,
    measures: Measured,
    target: RecomputeTarget,
    progress: Progress,
    now: datetime,
    hand_over: NeedsSink | None = None,
) -> tuple[int, int, set[uuid.UUID]]:
    """The recompute's one transaction, its locks taken at `now`: (written, cleared, left out). `hand_over` is
    given the needs figures once they are computed, before they are written."""
    excluded = await changed_or_gone(db, snapshot, target)
    keep_child = ~np.isin(snapshot.child_pk, np.array([pk.bytes for pk in excluded], dtype="V16"))
    latest = latest_instruments(snapshot)
    written = {uuid.UUID(bytes=pk.tobytes()) for pk in snapshot.child_pk[(latest > 0) & keep_child]}
    # The outcome figures go first: the needs figures' pieces write the areas' rows beside their own.
    await kept_outcome_figures.clear(db, target, excluded)
    await replace_figures(db, snapshot, target, latest, keep_child, written, now, progress, hand_over)
    progress("written", len(written), len(written))
    cleared = (snapshot.had_figures - written) - excluded
    await clear_figures(db, cleared, now)
    await kept_outcome_figures.write_measures(db, measures, excluded, now)
    await kept_outcome_figures.record_removals(db)
    await settle(db, snapshot, excluded, written | cleared)
    return len(written), len(cleared), excluded


async def take_locks(db: AsyncSession, target: RecomputeTarget) -> datetime:
    """The children's locks, then the figures lock (locks.py); the time the figures are stamped with."""
    if target.children is not None:
        await child_locks(db, target.children)  # an erasure waits, or has happened and is seen below
    return await figures_lock(db)


async def changed_or_gone(db: AsyncSession, snapshot: Snapshot, target: RecomputeTarget) -> set[uuid.UUID]:
    """The children read that are left out: written to since the read (their recompute follows), or erased
    (an erasure takes the figures lock before it deletes, so a child seen here stays until this commits)."""
    scope = among(Child.la_id, target.la_ids, Uuid)
    if target.children is not None:
        scope &= among(Child.id, target.children, Uuid)
    # Their ids as bytes, compared in arrays: a nation's children as objects cost a second.
    existing = await copy_columns(await driver(db), *positional(select(Child.id).where(scope), {}), [("id", "uuid")])
    gone = snapshot.child_pk[~np.isin(snapshot.child_pk, existing["id"])]
    return changed_since(snapshot.outbox, await read_outbox(db, target)) | {
        uuid.UUID(bytes=pk.tobytes()) for pk in gone
    }


async def replace_figures(
    db: AsyncSession,
    snapshot: Snapshot,
    target: RecomputeTarget,
    latest: np.ndarray[Any, Any],
    keep_child: np.ndarray[Any, Any],
    written: set[uuid.UUID],
    now: datetime,
    progress: Progress,
    hand_over: NeedsSink | None,
) -> None:
    """The written children's rows replaced, and a burst's councils calibrated once they have enough baselines."""
    # Their domain rows go with them (the trigger domain_figures_follow_child).
    await db.execute(unsynced(delete(ChildNeedsTrend).where(among(ChildNeedsTrend.child_pk, written, Uuid))))
    apg = await driver(db)
    await create_staging(apg)
    computed = await compute_into(
        db,
        apg,
        snapshot,
        latest,
        keep_child,
        now,
        progress,
        STORED,
        calibrate=target.children is None,
        hand_over=hand_over,
    )
    if target.children is not None:
        for done in computed:
            for council in np.unique(snapshot.child_council[done.piece.children]):
                await calibrate_when_due(db, snapshot.councils[int(council)], done.definition)


async def compute_into(
    db: AsyncSession,
    apg: Any,
    snapshot: Snapshot,
    latest: np.ndarray[Any, Any],
    keep_child: np.ndarray[Any, Any],
    now: datetime,
    progress: Progress,
    sink: Sink,
    *,
    calibrate: bool,
    hand_over: NeedsSink | None = None,
) -> list[Computed]:
    """Every piece computed in a thread while the previous piece's domain rows are inserted into the sink, then
    the kept children's rows with reliable change once every council's SD is known (council_sds: `calibrate`
    when the snapshot holds whole councils). `hand_over` is given each piece's figures once computed."""
    computed: list[Computed] = []
    inserting: asyncio.Future[None] | None = None
    ids = assessment_ids(snapshot)
    for piece in pieces(latest):
        done = await asyncio.to_thread(run, snapshot, latest, piece)
        computed.append(done)
        children, chosen = children_of(snapshot, piece), kept(done, keep_child)
        if hand_over is not None:
            hand_over.put(needs_piece(done, children, chosen, ids))
        rows = domain_rows(done.trends, children, chosen, piece.instrument)
        areas = area_rows(done.trends, children, chosen, area_layout(done.definition))
        if inserting is not None:
            await inserting
        # Row versions from the sequence, as every figures write takes them: a BI cursor sees every row again.
        inserting = asyncio.ensure_future(insert_domains(apg, rows, areas, snapshot.instruments, now, sink))
        progress("computed", sum(len(c.piece.children) for c in computed), len(snapshot.child_seq))
    if hand_over is not None:
        hand_over.close(snapshot.child_pk[keep_child])
    if inserting is not None:
        await inserting
    sds = await council_sds(db, snapshot, computed, calibrate=calibrate)
    staged = []
    for done in computed:
        rci, verdict = rci_of(done, snapshot.child_council[done.piece.children], sds)
        children = children_of(snapshot, done.piece)
        staged.append(
            child_rows(done.trends, children, kept(done, keep_child), done.piece.instrument, rci, verdict, ids)
        )
    await insert_children(apg, staged, snapshot.instruments, now, sink)
    return computed


def needs_piece(
    done: Computed,
    children: Children,
    chosen: np.ndarray[Any, Any],
    assessment_ids: Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]],
) -> NeedsPiece:
    """What the rows of the piece's chosen children (indexes into the run) will hold that the decision figures
    read (written_needs.py)."""
    c, d = done.trends.children, done.trends.domains
    domains = InstrumentScale.from_definition(done.definition).domains
    shape = (len(c.assessments_count), len(domains))
    starts, lengths = c.series_starts[chosen], c.series_starts[chosen + 1] - c.series_starts[chosen]
    return NeedsPiece(
        domains=domains,
        child_pk=children.pk[chosen],
        latest_id=assessment_ids(c.latest_assessment[chosen]),
        previous_id=assessment_ids(c.series[starts + np.maximum(lengths - 2, 0)]),
        has_previous=lengths >= 2,
        latest_day=c.latest_assessed_on[chosen],
        total=c.total_need[chosen],
        previous_total=c.previous_total_need[chosen],
        max=c.max_need[chosen],
        latest=d.latest.reshape(shape)[chosen],
        previous=d.previous.reshape(shape)[chosen],
        rated_at_latest=rated_at_latest(d.latest_assessed_on.reshape(shape)[chosen], c.latest_assessed_on[chosen]),
    )


def area_layout(definition: dict[str, Any]) -> AreaLayout:
    """The outcome area of each of the scale's domains, in the order of the engine's columns."""
    scale = InstrumentScale.from_definition(definition)
    area = {domain["code"]: domain["outcome_area"] for domain in definition["domains"]}
    return AreaLayout(tuple(area[code] for code in scale.domains), max(scale.levels))


async def clear_figures(db: AsyncSession, cleared: set[uuid.UUID], now: datetime) -> None:
    """No final assessment left: the rows stay, emptied with a new version, so a BI tool syncing by cursor
    learns the figures went. A child that never had figures gets no rows."""
    if not cleared:
        return
    for model, values in ((ChildNeedsTrend, CLEARED_CHILD), (DomainNeedsTrend, CLEARED_DOMAIN)):
        await db.execute(
            unsynced(
                update(model)
                .where(among(model.child_pk, cleared, Uuid))
                .values(**values, computed_at=now, row_version=FIGURES_ROW_VERSION.next_value())
            )
        )


async def settle(db: AsyncSession, snapshot: Snapshot, excluded: set[uuid.UUID], changed: set[uuid.UUID]) -> None:
    """What follows the figures: the statements of every contract a changed child was placed under marked
    stale, and the requests the snapshot read (those of children not left out) done."""
    await statements.mark_stale(db, await statements.contracts_of_children(db, changed))
    pending = [r for r, (child, waiting) in snapshot.outbox.items() if waiting and child not in excluded]
    if pending:
        await db.execute(
            unsynced(
                update(RecomputeRequest)
                .where(among(RecomputeRequest.id, pending, BigInteger), RecomputeRequest.done_at.is_(None))
                .values(done_at=func.now())
            )
        )


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
    sessions: async_sessionmaker[AsyncSession],
    la_ids: list[uuid.UUID],
    progress: Progress | None = None,
    *,
    refresh_placements: bool = False,
) -> RecomputeCounts:
    return await recompute(sessions, RecomputeTarget(la_ids), progress, refresh_placements=refresh_placements)


async def recompute_every_figure(
    sessions: async_sessionmaker[AsyncSession], la_ids: list[uuid.UUID], progress: Progress | None = None
) -> RecomputeCounts:
    """The councils' needs figures recomputed whole and their placement and decision figures brought to today, by
    a process of their own (refresh_process.py) handed the needs figures as they are computed: the two share
    nothing but the figures lock and that hand-over."""
    return await recompute_councils(sessions, la_ids, progress, refresh_placements=True)


async def recompute_children(sessions: async_sessionmaker[AsyncSession], children: list[uuid.UUID]) -> RecomputeCounts:
    """A burst of children at once, as each alone would be recomputed (the worker's path under load)."""
    async with sessions() as db:
        la_ids = list(set(await db.scalars(select(Child.la_id).where(among(Child.id, children, Uuid)))))
    return await recompute(sessions, RecomputeTarget(la_ids, sorted(children)), None)


async def recompute(
    sessions: async_sessionmaker[AsyncSession],
    target: RecomputeTarget,
    progress: Progress | None,
    *,
    refresh_placements: bool = False,
) -> RecomputeCounts:
    report = progress or (lambda stage, done, total: None)
    async with sessions() as db, sessions() as other, sessions() as third:
        # One snapshot for every read, so the tables agree with each other and with the outbox.
        for session in (db, other, third):
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        exported = await db.scalar(select(func.pg_export_snapshot()))
        for session in (other, third):
            await session.execute(text(f"SET TRANSACTION SNAPSHOT '{exported}'"))
        # The measures on a connection of their own: a read the database does while the process parses ratings.
        snapshot, measures = await asyncio.gather(
            read(db, other, target), measured(third, target.la_ids, EVER, target.children)
        )
        # A burst's children may have new episodes; a whole council's placement figures are their own job's
        # (kept_placement_figures.refresh_council), as nothing a council recompute is for moves them.
        placements = None if target.children is None else await kept_placement_figures.compute(db, target, date.today())
        for session in (db, other, third):
            await session.rollback()
    report("read", len(snapshot.versions["child"]), len(snapshot.versions["child"]))
    alongside: RefreshProcess | None = None
    try:
        async with transaction(sessions) as db:
            now = await take_locks(db, target)
            # Started once the locks are held: its write waits for this one to commit.
            alongside = RefreshProcess(sessions, target.la_ids, date.today()) if refresh_placements else None
            written, cleared, excluded = await write(db, snapshot, measures, target, report, now, alongside)
            if placements is not None:
                await kept_placement_figures.write(db, await kept_placement_figures.stage(db, placements), excluded)
    except BaseException:
        if alongside is not None:
            await alongside.aborted()
        raise
    if alongside is not None:
        await alongside.committed()
    return RecomputeCounts(len(snapshot.child_seq), written, cleared, len(excluded))
