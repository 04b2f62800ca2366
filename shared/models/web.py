"""People signed in to the web pages: their sessions, and the one-time links that start one without an
identity provider. Both are found by a SHA-256 digest of a random token the browser holds, never the token."""

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from shared.models.base import Base, tenant_fk, uuid_pk
from shared.models.base import created_at as created_now


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    la_id: Mapped[uuid.UUID] = tenant_fk()
    # The council's client for the person's role: what the audit log names beside the person.
    client_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("clients.id"))
    role: Mapped[str] = mapped_column(String(20))
    provider_pk: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    actor: Mapped[str] = mapped_column(String(220))
    created_at: Mapped[datetime] = created_now()
    last_seen_at: Mapped[datetime] = created_now()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInLink(Base):
    __tablename__ = "web_sign_in_links"

    id: Mapped[uuid.UUID] = uuid_pk()
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    la_id: Mapped[uuid.UUID] = tenant_fk()
    role: Mapped[str] = mapped_column(String(20))
    provider_pk: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    created_at: Mapped[datetime] = created_now()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
