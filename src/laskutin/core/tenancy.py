"""The tenant of a transaction: which company is active and which user acts.

Row-level security on every tenant table reads two settings (docs/database.md#row-level-security):

- ``laskutin.company_id``: the active company; tenant rows of other companies are invisible and
  cannot be written;
- ``laskutin.user_id``: the acting user; lets a user list the companies they belong to.

Call :func:`act_as` first in every request's or job's transaction. The settings are
transaction-local (``set_config(..., true)``): they end with the transaction, by commit or
rollback, so a pooled connection never carries one request's tenant into the next one. A
transaction that never calls it sees no tenant rows at all.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from laskutin.core.db import driver_connection

COMPANY_SETTING = "laskutin.company_id"
USER_SETTING = "laskutin.user_id"

_SET = text(
    "SELECT set_config(:company_setting, :company_id, true), "
    "set_config(:user_setting, :user_id, true)"
)
_SET_SQL = (
    f"SELECT set_config('{COMPANY_SETTING}', $1, true), set_config('{USER_SETTING}', $2, true)"
)


async def act_as(
    session: AsyncSession | AsyncConnection,
    *,
    company_id: uuid.UUID | None,
    user_id: uuid.UUID | None,
) -> None:
    """Make ``company_id`` active and ``user_id`` the acting user, until this transaction ends.

    ``None`` clears a setting (nothing of that kind is visible). Calling it again within the
    transaction replaces both settings: sign-up does so once the new company's id is known.
    """
    company = "" if company_id is None else str(company_id)
    user = "" if user_id is None else str(user_id)
    if isinstance(session, AsyncSession):
        # Every request's first statement: lean SQL (core.db.driver_connection, which begins
        # the transaction first).
        await (await driver_connection(session)).execute(_SET_SQL, company, user)
        return
    await session.execute(
        _SET,
        {
            "company_setting": COMPANY_SETTING,
            "company_id": company,
            "user_setting": USER_SETTING,
            "user_id": user,
        },
    )
