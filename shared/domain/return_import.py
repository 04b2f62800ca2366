"""An import of a council's files from start to end, wherever it was asked for, whatever its kind (an SSDA903
return, return_merge.py; a placement costs file, costs_merge.py; an assessments file, assessments_merge.py):
the import row written first (one running at a time per council), the files read off the event loop, the rows
merged with the row-level report in one transaction, or nothing merged when the files are refused, when a
strict import finds a rejected row, or when it fails."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from io import BytesIO
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import outbox
from shared.db import driver, transaction
from shared.domain import assessments_merge, costs_merge, return_merge
from shared.domain.import_steps import Files, Read, Reader
from shared.models import ImportFinding, ImportUpload, ReturnImport
from shared.ssda903_files import FileRejected, Finding
from shared.ssda903_files.progress import Tick, no_tick
from shared.transient import is_transient

UNFINISHED = ("queued", "running")
SHOWN_EVERY = 0.5  # seconds between the reading's progress written to the row (and shown to an operator)
# Each kind's reader, by the kind the import row names; a costs or assessments file has no collection year.
READERS: dict[str, Reader] = {
    "ssda903": return_merge.read,
    "costs": lambda files, _year, _today, tick: costs_merge.read(files, tick),
    "assessments": lambda files, _year, today, tick: assessments_merge.read(files, today, tick),
}


@dataclass(frozen=True, slots=True)
class Ended:
    """The import's row as it ended, and what its merge queued, to send once committed (shared/outbox.py)."""

    row: ReturnImport
    queued: outbox.Queued


@dataclass(frozen=True, slots=True)
class ImportAsked:
    la_id: uuid.UUID
    file_names: list[str]
    source: str  # "cli" or "api"
    year: int | None = None
    strict: bool = False
    kind: str = "ssda903"


async def ask(db: AsyncSession, asked: ImportAsked, uploads: Sequence[tuple[str, bytes]]) -> ReturnImport:
    """An import of uploaded files, queued for the worker once the transaction commits."""
    row = await begin(db, asked)
    db.add_all(
        ImportUpload(import_id=row.id, position=n, name=name, content=content)
        for n, (name, content) in enumerate(uploads)
    )
    await db.flush()
    outbox.return_import_asked(db, row.id)
    return row


async def run_uploaded(
    sessions: async_sessionmaker[AsyncSession], import_id: uuid.UUID, pseudonym_key: bytes
) -> Ended | None:
    """The worker's job: the import of the files uploaded for it, which go once it ends. None when there is
    nothing to run (ended already: a job delivered twice)."""
    async with sessions() as db:
        uploads = (
            await db.execute(
                select(ImportUpload.name, ImportUpload.content)
                .join(ReturnImport, ReturnImport.id == ImportUpload.import_id)
                .where(ImportUpload.import_id == import_id, ReturnImport.state.in_(UNFINISHED))
                .order_by(ImportUpload.position)
            )
        ).all()
    if not uploads:
        return None
    ended = await run(sessions, import_id, [(name, BytesIO(content)) for name, content in uploads], pseudonym_key)
    async with transaction(sessions) as db:
        await db.execute(delete(ImportUpload).where(ImportUpload.import_id == import_id))
    return ended


async def waiting_or_lost(sessions: async_sessionmaker[AsyncSession]) -> list[uuid.UUID]:
    """The imports the sweep sends again: queued (their job may be lost with Redis), or running with files
    still waiting while no process holds their council's import lock (their worker died)."""
    async with sessions() as db:
        rows = (
            await db.execute(
                select(ReturnImport.id, ReturnImport.state, ReturnImport.la_id)
                .where(ReturnImport.state.in_(UNFINISHED))
                .where(select(ImportUpload.import_id).where(ImportUpload.import_id == ReturnImport.id).exists())
            )
        ).all()
        lost = []
        for import_id, state, la_id in rows:
            if state == "queued" or await lock_is_free(db, la_id):
                lost.append(import_id)
        await db.rollback()
    return lost


async def begin(db: AsyncSession, asked: ImportAsked) -> ReturnImport:
    row = ReturnImport(
        la_id=asked.la_id,
        kind=asked.kind,
        source=asked.source,
        files=asked.file_names,
        year=asked.year,
        strict=asked.strict,
    )
    db.add(row)
    await db.flush()
    return row


@asynccontextmanager
async def one_at_a_time(sessions: async_sessionmaker[AsyncSession], la_id: uuid.UUID) -> AsyncIterator[None]:
    """The council's import lock, held on a connection of its own for the whole import: each import merges
    against what the one before stored. A process that dies mid-import drops its connection, and the lock
    with it; the import it was running is then marked failed by the next to take the lock."""
    async with sessions() as holder:
        # In a transaction of its own, open for the import: the lock goes when the session closes, or with
        # the connection (on the same connection throughout, which a session lock released after a commit
        # would not be).
        await holder.execute(select(func.pg_advisory_xact_lock(import_lock_key(la_id))))
        yield


def import_lock_key(la_id: uuid.UUID) -> Any:
    return func.hashtextextended(f"return-import:{la_id}", 0)


async def lock_is_free(db: AsyncSession, la_id: uuid.UUID) -> bool:
    if not await db.scalar(select(func.pg_try_advisory_lock(import_lock_key(la_id)))):
        return False
    await db.execute(select(func.pg_advisory_unlock(import_lock_key(la_id))))
    return True


async def run(
    sessions: async_sessionmaker[AsyncSession],
    import_id: uuid.UUID,
    files: Files,
    pseudonym_key: bytes,
    report: Tick = no_tick,
) -> Ended:
    """The import read and merged. A failure is recorded on the row, then raised."""
    async with transaction(sessions) as db:
        asked = await db.get_one(ReturnImport, import_id)
        la_id, year, strict, kind = asked.la_id, asked.year, asked.strict, asked.kind
    async with one_at_a_time(sessions, la_id):
        await abandon_unfinished(sessions, la_id, import_id)
        return await read_and_merge(sessions, import_id, files, pseudonym_key, report, (la_id, year, strict, kind))


async def abandon_unfinished(
    sessions: async_sessionmaker[AsyncSession], la_id: uuid.UUID, import_id: uuid.UUID
) -> None:
    """Imports of the council left running by an operator's process that died: none is running now, this one
    holds the lock. One left by a worker, its files still kept, is the sweep's to send again."""
    uploaded = select(ImportUpload.import_id).where(ImportUpload.import_id == ReturnImport.id).exists()
    async with transaction(sessions) as db:
        await db.execute(
            update(ReturnImport)
            .where(ReturnImport.la_id == la_id, ReturnImport.state == "running", ReturnImport.id != import_id)
            .where(~uploaded)
            .values(state="failed", finished_at=func.now(), stage=None, reason="the process running it stopped")
        )


async def read_and_merge(
    sessions: async_sessionmaker[AsyncSession],
    import_id: uuid.UUID,
    files: Files,
    pseudonym_key: bytes,
    report: Tick,
    asked: tuple[uuid.UUID, int | None, bool, str],
) -> Ended:
    la_id, year, strict, kind = asked
    try:
        progress = Progress(report, len(files))
        await mark(sessions, import_id, progress.now, state="running", started_at=func.now())
        try:
            read = await read_watched(sessions, import_id, progress, partial(READERS[kind], files, year, date.today()))
        except FileRejected as refused:
            ended = await finish(sessions, import_id, "refused", reason=f"{refused.file}: {refused.reason}")
            return Ended(ended, outbox.Queued([], [], [], []))
        report("merging", 0, 0)
        await mark(sessions, import_id, ("merging", 0, 0), year=read.year)
        async with transaction(sessions) as db:
            row = await merge(db, import_id, read, la_id, strict, pseudonym_key)
        return Ended(row, outbox.queued_in(db))
    except Exception as error:
        # A transient one (the database restarting) is tried again by the worker's retries, the files kept.
        if not is_transient(error):
            await finish(sessions, import_id, "failed", reason=f"the import failed ({type(error).__name__})")
        raise


async def merge(
    db: AsyncSession, import_id: uuid.UUID, read: Read, la_id: uuid.UUID, strict: bool, pseudonym_key: bytes
) -> ReturnImport:
    row = await db.get_one(ReturnImport, import_id, with_for_update=True)
    findings, counts = read.findings, read.counts
    if not (strict and rejected_in(findings)):
        merged = await read.merge(db, la_id, pseudonym_key, strict)
        findings = sorted([*findings, *merged.findings], key=lambda f: (f.ref.file, f.ref.row))
        counts = {**counts, **merged.counts}
    await keep_findings(db, import_id, findings)
    rejected = rejected_in(findings)
    if strict and rejected:
        row.state, row.finished_at = "refused", func.now()
        rows = "row" if rejected == 1 else "rows"
        row.reason = f"strict import: {rejected:,} {rows} rejected, so nothing was loaded (see the report)"
        row.counts = counts_of(read.counts, findings)
    else:
        row.state, row.finished_at, row.stage = "done", func.now(), None
        row.counts = counts_of(counts, findings)
    await db.flush()
    return row


def rejected_in(findings: list[Finding]) -> int:
    return sum(f.severity == "rejected" for f in findings)


def counts_of(counts: dict[str, Any], findings: list[Finding]) -> dict[str, Any]:
    return {
        **counts,
        "warnings": sum(f.severity == "warning" for f in findings),
        "rejected": rejected_in(findings),
    }


FINDING_COLUMNS = ("import_id", "file", "row", "severity", "column", "value", "rule", "reason", "conflicts_with")


async def keep_findings(db: AsyncSession, import_id: uuid.UUID, findings: list[Finding]) -> None:
    """The report, by COPY in the findings' order (a national return's report runs to tens of thousands)."""
    records = [
        (
            import_id,
            f.ref.file,
            f.ref.row,
            f.severity,
            f.column,
            None if f.value is None else f.value[:200],
            f.rule,
            f.reason[:500],
            "; ".join(f"{ref.file} row {ref.row}" for ref in f.conflicts_with)[:500] or None,
        )
        for f in findings
    ]
    if records:
        await (await driver(db)).copy_records_to_table(
            ImportFinding.__tablename__, records=records, columns=FINDING_COLUMNS
        )


class Progress:
    """How far the reading has got: told by the reading thread, which tells the operator's bar at once; read by
    the job's loop, which writes it to the row now and then."""

    def __init__(self, report: Tick, files: int) -> None:
        self.report = report
        self.now = ("reading", 0, files)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.now = (stage, done, total)  # one assignment: the loop never sees half of it
        self.report(stage, done, total)


async def read_watched(
    sessions: async_sessionmaker[AsyncSession],
    import_id: uuid.UUID,
    progress: Progress,
    reader: Callable[[Tick], Read],
) -> Read:
    """The files read off the event loop, how far it has got written to the row as it goes."""
    reading = asyncio.ensure_future(asyncio.to_thread(reader, progress))
    written = None
    while not (await asyncio.wait({reading}, timeout=SHOWN_EVERY))[0]:
        if progress.now != written:
            written = progress.now
            await mark(sessions, import_id, written)
    return reading.result()


async def mark(
    sessions: async_sessionmaker[AsyncSession], import_id: uuid.UUID, progress: tuple[str, int, int], **values: Any
) -> None:
    stage, done, total = progress
    async with transaction(sessions) as db:
        await db.execute(
            update(ReturnImport)
            .where(ReturnImport.id == import_id)
            .values(stage=stage, progress_done=done, progress_total=total, **values)
        )


async def finish(
    sessions: async_sessionmaker[AsyncSession], import_id: uuid.UUID, state: str, *, reason: str
) -> ReturnImport:
    async with transaction(sessions) as db:
        await db.execute(
            update(ReturnImport)
            .where(ReturnImport.id == import_id)
            .values(state=state, reason=reason[:500], stage=None, finished_at=func.now())
        )
        return await db.get_one(ReturnImport, import_id, populate_existing=True)
