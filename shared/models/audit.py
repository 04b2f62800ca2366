"""The audit log and the record of erasures: append-only, written in the transaction they record."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base


class AuditEvent(Base):
    """One row per audited request. The database refuses UPDATE, DELETE and TRUNCATE on this table
    (migration 0006), so not even the service can rewrite history."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_council", "la_id", "id"),
        Index("ix_audit_events_client", "la_id", "client_id", "id"),
        Index("ix_audit_events_children", "children", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.clock_timestamp())
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id"))
    # No client for an operator's command-line action: the actor then says "cli".
    client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("clients.id"))
    client_kind: Mapped[str] = mapped_column(String(20))
    # The credential that acted: an API key's prefix or a token's subject (never a secret), or "cli".
    actor: Mapped[str] = mapped_column(String(220))
    action: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(200))
    children: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    target: Mapped[str | None] = mapped_column(String(200))
    # How it succeeded (read, written, replayed, erased): a failed request rolls back with its audit row.
    # Or how it was refused (forbidden, not-found): those rows are kept, so probing leaves a trace.
    result: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Erasure(Base):
    """A child erased on request, by pseudonym only: BI tools read these to drop their copies."""

    __tablename__ = "erasures"
    __table_args__ = (Index("ix_erasures_council", "la_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    child_pseudonym: Mapped[str] = mapped_column(String(32))
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
