import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, uuid_pk

IMPORT_STATES = ("queued", "running", "done", "refused", "failed")
IMPORT_KINDS = ("ssda903", "costs", "assessments")  # an SSDA903 return, a placement costs file, or assessments


class ReturnImport(Base):
    """One load of a council's SSDA903 return, placement costs file or assessments file: the job, its progress,
    its counts, and (in ImportFinding) the row-level report kept with it. One runs at a time per council
    (shared/domain/return_import.py)."""

    __tablename__ = "return_imports"
    __table_args__ = (
        CheckConstraint(f"state IN {IMPORT_STATES}", name="state"),
        CheckConstraint(f"kind IN {IMPORT_KINDS}", name="kind"),
        Index("ix_return_imports_la_id_requested_at", "la_id", "requested_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    kind: Mapped[str] = mapped_column(String(16), default="ssda903", server_default="ssda903")
    source: Mapped[str] = mapped_column(String(8))  # "cli" or "api"
    files: Mapped[list[str]] = mapped_column(ARRAY(String(200)))
    year: Mapped[int | None] = mapped_column(SmallInteger)  # the collection year, given or inferred
    strict: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stage: Mapped[str | None] = mapped_column(String(32))
    # How far the stage has got (files read, rows checked) of how many; 0 of 0 while not counted.
    progress_done: Mapped[int | None] = mapped_column(Integer, deferred=True)
    progress_total: Mapped[int | None] = mapped_column(Integer, deferred=True)
    # rows read per file, warnings, rejections; a return's children and episodes created / updated / unchanged,
    # a costs file's rows accepted and placements changed / unchanged
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was refused or failed, in plain English


class ImportFinding(Base):
    """A row of an import that was not accepted cleanly: accepted with a warning, or rejected, and why."""

    __tablename__ = "import_findings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("return_imports.id", ondelete="CASCADE"), index=True)
    file: Mapped[str] = mapped_column(String(200))
    row: Mapped[int] = mapped_column(Integer)
    severity: Mapped[str] = mapped_column(String(8))  # "warning" or "rejected"
    column: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(500))
    conflicts_with: Mapped[str | None] = mapped_column(String(500))  # "file row n; ..." of the rows it conflicts with


class ImportUpload(Base):
    """A file uploaded for an import, kept only until the import ends: a return holds what the service never
    keeps (UPNs, full postcodes), so the file goes as soon as its rows are merged, refused or failed."""

    __tablename__ = "import_uploads"

    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("return_imports.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
