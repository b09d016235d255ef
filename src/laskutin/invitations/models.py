"""``invitations``: a company asks someone, by e-mail, to join it in a role.

A tenant table: row-level security enabled and forced, the policy on ``company_id``. One more
policy, read-only: the person invited is not a member of anything yet, so with the
transaction-local setting ``laskutin.invitation_token`` set to the SHA-256 of the link's token a
transaction sees that one invitation and nothing else (migration 20261206_0013). Accepting then
makes the invitation's company the active one for the writes.

Only the hash of the token is stored, and only once the mail job made the token and sent it
(``token_hash`` is null until then), so the token lives in the mail alone: never in the job queue
or in an API answer.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.companies.domain import Role
from laskutin.companies.models import ROLE_TYPE
from laskutin.core.models import Base


class Invitation(Base):
    __tablename__ = "invitations"
    __table_args__ = (
        # At most one open invitation per address and company: inviting again replaces it.
        Index(
            "uq_invitations_open_email",
            "company_id",
            text("lower(email)"),
            unique=True,
            postgresql_where=text("accepted_at IS NULL AND revoked_at IS NULL"),
        ),
        Index("ix_invitations_company_created", "company_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    # The language of the mail: fi, sv or en.
    language: Mapped[str] = mapped_column(String(2), default="fi", server_default="fi")
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # Hex SHA-256 of the link's token; null until the mail job has made and sent it.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
