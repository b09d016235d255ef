"""A test app: the real create_app(settings) plus a few routes that only tests need."""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import logging
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from laskutin.api.deps import SessionDep
from laskutin.app import create_app
from laskutin.core import errors
from laskutin.core.models import InstanceMetadata
from laskutin.core.settings import Settings

log = logging.getLogger("laskutin.tests.probe")
# A socket folder where nothing listens: for tests that need no database, or its absence.
NO_DATABASE = "postgresql://laskutin_app@/laskutin?host=/nonexistent"
SECRET_IN_EXCEPTION = "hunter2-do-not-show"


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=2, max_length=20)]
    quantity: Annotated[int, Field(ge=1)]
    price: Decimal
    colour: Colour
    due: dt.date


class OddQuantity(errors.RuleViolation):
    code = "odd-quantity"
    messages: ClassVar[dict[str, str]] = {
        "fi": "Määrä {quantity} ei ole parillinen.",
        "sv": "Antalet {quantity} är inte jämnt.",
        "en": "The quantity {quantity} is not even.",
    }


DOMAIN_ERRORS: dict[str, errors.DomainError] = {
    "rule": OddQuantity(quantity=3),
    "rule-on-field": OddQuantity(quantity=3, field="lines.0.quantity"),
    "not-found": errors.NotFound(),
    "conflict": errors.Conflict(),
    "forbidden": errors.PermissionDenied(),
    "validation": errors.ValidationFailed(
        [errors.FieldError(field="iban", code="iban_invalid", message="Tilinumero ei kelpaa.")]
    ),
    "unavailable": errors.ServiceUnavailable(),
    "database": errors.DatabaseUnavailable(),
}


def add_test_routes(app: FastAPI) -> None:
    @app.get("/test/items")
    async def list_items() -> list[dict[str, Any]]:
        return []

    @app.post("/test/items", status_code=201)
    async def create_item(item: ItemCreate) -> dict[str, Any]:
        return item.model_dump(mode="json")

    @app.get("/test/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        log.info("reading item %d", item_id)
        return {"id": item_id}

    @app.get("/test/boom")
    async def boom() -> None:
        log.info("about to fail")
        raise RuntimeError(f"internal state: password={SECRET_IN_EXCEPTION}")

    @app.get("/test/domain/{kind}")
    async def domain_error(kind: str) -> None:
        raise DOMAIN_ERRORS[kind]

    @app.put("/test/rows/{key}", status_code=204)
    async def put_row(key: str, session: SessionDep, fail: bool = False) -> None:
        session.add(InstanceMetadata(key=key, value={"set": True}))
        if fail:
            raise errors.Conflict()

    @app.get("/test/rows/{key}")
    async def get_row(key: str, session: SessionDep) -> dict[str, Any]:
        row = await session.scalar(select(InstanceMetadata).where(InstanceMetadata.key == key))
        if row is None:
            raise errors.NotFound()
        return {"key": row.key, "value": row.value}


def build_test_app(settings: Settings) -> FastAPI:
    app = create_app(settings)
    add_test_routes(app)
    return app


@contextlib.asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[AsyncClient]:
    """The app with its lifespan running, behind an in-process HTTP client."""
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
def test_app(settings: Settings) -> FastAPI:
    """The test app on a fresh, migrated database."""
    return build_test_app(settings)


@pytest.fixture
async def test_client(test_app: FastAPI) -> AsyncIterator[AsyncClient]:
    async with serve(test_app) as http:
        yield http


@pytest.fixture
def offline_settings() -> Settings:
    """Settings for tests that never touch the database (no database is made for them)."""
    return Settings(_env_file=None, env="test", database_url=NO_DATABASE, log_format="text")  # type: ignore[call-arg]


@pytest.fixture
async def offline_client(offline_settings: Settings) -> AsyncIterator[AsyncClient]:
    """The test app with no database behind it: errors, request ids, metrics of routes."""
    async with serve(build_test_app(offline_settings)) as http:
        yield http
