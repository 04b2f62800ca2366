import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, uuid_pk


class RecomputeRequest(Base):
    """Transactional outbox: written with the change it follows, so Redis being down loses nothing."""

    __tablename__ = "recompute_requests"
    __table_args__ = (
        Index("ix_recompute_requests_pending", "child_pk", postgresql_where=text("done_at IS NULL")),
        Index("ix_recompute_requests_undone", "requested_at", postgresql_where=text("done_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    child_pk: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"))
    requested_at: Mapped[datetime] = created_at()
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatch_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Its child's recompute failed (alone): no drain takes it again until the sweep sends it again.
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


RECOMPUTE_STATES = ("queued", "running", "done", "failed")


class CouncilRecompute(Base):
    """An admin's recompute of a whole council: the row is the job (queued with its audit row, so Redis being
    down loses nothing), its progress and its result, which the admin polls."""

    __tablename__ = "council_recomputes"
    __table_args__ = (
        CheckConstraint(f"state IN {RECOMPUTE_STATES}", name="state"),
        # One at a time per council: a second asked for while one waits or runs is refused.
        Index(
            "ix_council_recomputes_active",
            "la_id",
            unique=True,
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
        Index("ix_council_recomputes_la_id_requested_at", "la_id", "requested_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    requested_at: Mapped[datetime] = created_at()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Written as it runs: a running recompute not heard from for a while was lost with its worker.
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stage: Mapped[str | None] = mapped_column(String(32))
    stage_done: Mapped[int | None] = mapped_column(Integer)
    stage_total: Mapped[int | None] = mapped_column(Integer)
    children: Mapped[int | None] = mapped_column(Integer)
    written: Mapped[int | None] = mapped_column(Integer)
    cleared: Mapped[int | None] = mapped_column(Integer)
    left_to_incremental: Mapped[int | None] = mapped_column(Integer)
    # The error's type only: a database message can quote a child's data.
    error: Mapped[str | None] = mapped_column(String(100))
