import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at


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
