"""Loading a council's assessments file (shared/ssda903_files/assessments.py), for a first load: each accepted row
made the body the API's batch takes and put through the batch's own check and write (shared/domain/assessments),
so a row is refused for what the API refuses, with its reason, named by the row and column of the file.

Rows go in chunks of a batch's size, so memory stays bounded however long the file, in child id order, the
order every write locks children in. A row whose assessment is stored with the same content is "existing": a
file loaded again writes nothing. Children whose final assessments land are recomputed, as after a batch."""

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date
from functools import partial
from itertools import islice
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.domain.assessments import writes
from shared.domain.assessments.content import AssessmentIn
from shared.domain.import_steps import Files, Merged, Read
from shared.domain.lookups import children_by_id, find_instrument, scale_of
from shared.messages import plain_message
from shared.ssda903_files import Finding
from shared.ssda903_files.assessments import STRENGTH, read_assessments
from shared.ssda903_files.progress import Tick
from shared.ssda903_files.records import AssessmentRecord, ParsedAssessments

CHUNK = 1000  # a batch's most items
# A domain of the instrument the file leaves blank: the API's "not assessed", with the reason the file gives.
NOT_RATED = "not rated in the file loaded"
# The body's fields by the file's columns that hold them.
COLUMN_OF = {
    "child_id": "CHILD",
    "external_id": "ASSESSMENT_ID",
    "assessed_on": "ASSESSED_ON",
    "instrument_code": "INSTRUMENT",
    "instrument_version": "INSTRUMENT_VERSION",
    "status": "STATUS",
    "context": "CONTEXT",
    "assessor_role": "ASSESSOR_ROLE",
}
RULE_OF = {
    "child_id": "missing-child",
    "external_id": "other-content",
    "assessed_on": "date",
    "instrument_code": "instrument",
    "instrument_version": "instrument",
    "ratings": "scale",
}


def read(files: Files, today: date, tick: Tick) -> Read:
    """The assessments file read, for the import job (return_import.py)."""
    parsed = read_assessments(files, tick)
    counts = {"rows_read": parsed.rows_read, "rows_accepted": len(parsed.assessments)}
    return Read(None, parsed.findings, counts, partial(merged, parsed, today))


async def merged(
    parsed: ParsedAssessments, today: date, db: AsyncSession, la_id: uuid.UUID, _pseudonym_key: bytes, strict: bool
) -> Merged:
    # Strict, every row is checked before any is written: a rejection in the last chunk leaves the first unwritten.
    if strict:
        rejections, _outcomes = await load(db, la_id, parsed.assessments, today, write=False)
        if rejections:
            return Merged(rejections, {})
    rejections, outcomes = await load(db, la_id, parsed.assessments, today, write=True)
    counts = {
        "rows_accepted": len(parsed.assessments) - len({f.ref for f in rejections}),
        "assessments_created": outcomes["created"],
        "assessments_existing": outcomes["existing"],
    }
    return Merged(rejections, counts)


async def load(
    db: AsyncSession, la_id: uuid.UUID, records: list[AssessmentRecord], today: date, *, write: bool
) -> tuple[list[Finding], Counter[str]]:
    rejections: list[Finding] = []
    outcomes: Counter[str] = Counter()
    for chunk in chunks(sorted(records, key=lambda record: record.child_id)):
        bodies: dict[int, AssessmentIn] = {}
        for index, record in enumerate(chunk):
            try:
                bodies[index] = AssessmentIn.model_validate(await body_of(db, la_id, record))
            except ValidationError as error:
                faults = [(".".join(map(str, e["loc"])), plain_message(e)) for e in error.errors()]
                rejections += [finding(record, field, message) for field, message in faults]
        children = await children_by_id(db, la_id, (body.child_id for body in bodies.values()), lock=True)
        checked = await writes.check_new(db, la_id, bodies, children, today)
        ready = {}
        for index, result in checked.items():
            if isinstance(result, list):
                rejections += [finding(chunk[index], error["field"], error["message"]) for error in result]
            else:
                ready[index] = result
        if write:
            outcomes.update(outcome for _, outcome in (await writes.apply_new(db, la_id, ready)).values())
    return sorted(rejections, key=lambda f: (f.ref.file, f.ref.row)), outcomes


def chunks(records: list[AssessmentRecord]) -> Iterator[list[AssessmentRecord]]:
    rows = iter(records)
    while chunk := list(islice(rows, CHUNK)):
        yield chunk


async def body_of(db: AsyncSession, la_id: uuid.UUID, record: AssessmentRecord) -> dict[str, Any]:
    """The body the API's batch would take for the row: each domain of the instrument rated, or not assessed
    when the file leaves it blank; a level given for another domain is left for the check to refuse."""
    instrument = await find_instrument(db, la_id, record.instrument_code, record.instrument_version)
    domains = scale_of(instrument).domains if instrument is not None else []
    ratings: dict[str, dict[str, Any]] = {domain: {"not_assessed": NOT_RATED} for domain in domains}
    for domain in {*record.needs, *record.strengths}:
        ratings[domain] = {"need": record.needs.get(domain), "strength": record.strengths.get(domain)}
    body = {
        "child_id": record.child_id,
        "external_id": record.external_id,
        "assessed_on": record.assessed_on.isoformat(),
        "instrument_code": record.instrument_code,
        "instrument_version": record.instrument_version,
        "status": record.status,
        "context": record.context,
        "assessor_role": record.assessor_role,
        "ratings": ratings,
    }
    # A blank is a field left out, as the API reads one: a missing code, the latest version.
    return {name: value for name, value in body.items() if value is not None}


def finding(record: AssessmentRecord, field: str, message: str) -> Finding:
    """A rejection naming the file's column for the body's field, and the value as written there."""
    top, _, rest = field.partition(".")
    if top == "ratings" and rest:
        domain, _, part = rest.partition(".")
        column = f"{domain}{STRENGTH}" if part == "strength" else domain
    else:
        column = COLUMN_OF.get(top, top)
    reason = f"{column}: {message}"
    return Finding(record.ref, "rejected", column, record.written.get(column), RULE_OF.get(top, "value"), reason)
