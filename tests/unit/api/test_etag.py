"""Strong ETags and If-Match / If-None-Match (laskutin.api.etag), without a database."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from fastapi import FastAPI, Request, Response
from httpx import ASGITransport, AsyncClient
from pydantic import BaseModel

from laskutin.api.etag import IfMatch, check_if_match, etag_of, parse_etags, read_response
from laskutin.api.problem import install_problem_handlers
from laskutin.core.errors import PreconditionFailed


class Thing(BaseModel):
    id: uuid.UUID
    name: str
    price: Decimal
    due: dt.date


THING = Thing(
    id=uuid.UUID("0b6e1d9c-2f55-4c0e-9a53-1e0f4f5d2a77"),
    name="Ruuvi",
    price=Decimal("12.40"),
    due=dt.date(2026, 12, 1),
)


def test_the_same_representation_has_the_same_strong_tag() -> None:
    again = Thing.model_validate(THING.model_dump())
    tag = etag_of(THING)
    assert tag == etag_of(again)
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert not tag.startswith("W/")
    assert etag_of(THING.model_copy(update={"name": "Mutteri"})) != tag
    assert etag_of(THING.model_copy(update={"price": Decimal("12.41")})) != tag


@pytest.mark.parametrize(
    "header",
    [None, "*", " * ", '"{tag}"', '"other", "{tag}"', '"a",W/"b" , "{tag}"'],
)
def test_if_match_passes(header: str | None) -> None:
    tag = etag_of(THING)
    check_if_match(None if header is None else header.replace('"{tag}"', tag), tag)


@pytest.mark.parametrize(
    "header",
    ['"other"', 'W/"{tag}"', '"a", W/"{tag}"', "garbage", '"{tag}" junk', "", '"unterminated'],
)
def test_if_match_refuses(header: str) -> None:
    tag = etag_of(THING)
    with pytest.raises(PreconditionFailed):
        check_if_match(header.replace('"{tag}"', tag), tag)


def test_parse_etags() -> None:
    assert parse_etags('"a", W/"b",  "c"') == [(False, '"a"'), (True, '"b"'), (False, '"c"')]
    assert parse_etags("a") is None
    assert parse_etags("") is None


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    current = {"thing": THING}

    @app.get("/things/1", response_model=Thing)
    async def read(request: Request) -> Response:
        return read_response(current["thing"], request)

    @app.patch("/things/1", response_model=Thing)
    async def change(request: Request, if_match: IfMatch) -> Response:
        check_if_match(if_match, etag_of(current["thing"]))
        current["thing"] = current["thing"].model_copy(update={"name": "Uusi"})
        return read_response(current["thing"], request)

    return app


async def test_routes_answer_etag_304_and_412() -> None:
    transport = ASGITransport(app=_app())
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        await _routes_answer_etag_304_and_412(client)


async def _routes_answer_etag_304_and_412(client: AsyncClient) -> None:
    read = await client.get("/things/1")
    tag = read.headers["etag"]
    assert read.status_code == 200
    assert read.json()["price"] == "12.40"
    assert tag == etag_of(THING)

    not_modified = await client.get("/things/1", headers={"If-None-Match": tag})
    assert not_modified.status_code == 304
    assert not_modified.headers["etag"] == tag
    assert not_modified.content == b""
    weak = await client.get("/things/1", headers={"If-None-Match": f"W/{tag}"})
    assert weak.status_code == 304
    other = await client.get("/things/1", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200

    changed = await client.patch("/things/1", headers={"If-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag

    stale = await client.patch("/things/1", headers={"If-Match": tag, "Accept-Language": "en"})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    body = stale.json()
    assert body["type"] == "/problems/precondition-failed"
    assert "changed since you read it" in body["detail"]
    assert "Reload" in body["detail"]
    unconditional = await client.patch("/things/1", headers={"Accept-Language": "fi"})
    assert unconditional.status_code == 200


def test_if_match_is_documented_as_an_optional_header() -> None:
    operation = _app().openapi()["paths"]["/things/1"]["patch"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "If-Match"
    assert header["required"] is False
