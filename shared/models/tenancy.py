import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, created_at, tenant_fk, uuid_pk


class LocalAuthority(Base):
    __tablename__ = "local_authorities"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    synthetic: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = created_at()
    # Published counts from 1 to this are withheld (small-number suppression); read only where figures publish.
    suppression_threshold: Mapped[int] = mapped_column(Integer, server_default="5", deferred=True)


class Client(Base):
    """A system that calls the API for one council: its kind bounds its scopes, and a provider client is
    bound to one provider organisation. Disabled, never deleted: the audit log names it."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("kind IN ('case_management', 'provider', 'bi', 'admin')", name="kind"),
        CheckConstraint("(kind = 'provider') = (provider_pk IS NOT NULL)", name="provider_bound"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = tenant_fk()
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    provider_pk: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    # The identity provider's claim (OAUTH_SUBJECT_CLAIM) naming this client in its bearer tokens.
    oauth_subject: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = created_at()
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """A client's key, kept only as a SHA-256 digest: keys are long random strings, so a fast hash is safe."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class IdempotencyRecord(Base):
    """The first response to an Idempotency-Key, replayed when the same client sends the same request again.
    Keys are the client's: two systems of one council choose theirs without knowing of each other."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("client_id", "key"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    la_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("local_authorities.id", ondelete="CASCADE"))
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSONB)
    # The children the first request touched: a replay is audited as touching them again, and an
    # erasure removes the replies that repeat an erased child's record.
    children: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid), server_default="{}")
    created_at: Mapped[datetime] = created_at()
