"""What each kind of import (an SSDA903 return, a placement costs file) hands the import job in
return_import.py: its files read, off the event loop, then its rows merged in the job's transaction."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from shared.ssda903_files import Finding
from shared.ssda903_files.progress import Tick

Files = Sequence[tuple[str, BinaryIO]]


@dataclass(frozen=True, slots=True)
class Merged:
    findings: list[Finding]  # rejections only the stored data could show
    counts: dict[str, Any]  # what the merge changed, and the reading's counts it corrects


@dataclass(frozen=True, slots=True)
class Read:
    year: int | None  # the collection year the files are of, where the kind has one
    findings: list[Finding]  # every warning and rejection the files alone show
    counts: dict[str, Any]  # what the reading alone tells: rows read per file, rows accepted
    # The accepted rows merged in the caller's transaction: (db, la_id, pseudonym_key, strict). Strict, a row
    # the stored data rejects leaves everything unwritten.
    merge: Callable[[AsyncSession, uuid.UUID, bytes, bool], Awaitable[Merged]]


# The files, the collection year if given, today (a date after it is refused), and who is told how far it got.
Reader = Callable[[Files, int | None, date, Tick], Read]
