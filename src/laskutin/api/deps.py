"""Typed dependencies for routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    settings: Settings = request.app.state.settings
    bound = settings.db_connect_timeout_seconds + settings.db_pool_timeout_seconds
    async with unit_of_work(request.app.state.session_factory, acquire_timeout=bound) as session:
        yield session


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# scope="function": the transaction commits before the response is sent, so a failed commit
# answers an error instead of a 200 for work that was never saved.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(_settings)]
