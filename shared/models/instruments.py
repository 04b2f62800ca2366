import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, uuid_pk


class Instrument(Base):
    """A versioned needs framework, kept as the document it was loaded from.

    Shipped for every council (``la_id`` NULL, such as needs-v1) or loaded by one council for itself; a council
    sees the shipped ones and its own, never another council's. (code, version) is unique among the shipped
    ones and within each council."""

    __tablename__ = "instruments"
    __table_args__ = (
        UniqueConstraint("la_id", "code", "version"),
        Index(
            "uq_instruments_shipped_code_version",
            "code",
            "version",
            unique=True,
            postgresql_where=text("la_id IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    compatible_with: Mapped[list[int]] = mapped_column(ARRAY(Integer), default=list)
    created_at: Mapped[datetime] = created_at()
