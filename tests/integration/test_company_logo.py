"""The company logo through the API on the real database (issue 5): PNG and JPEG built here
byte by byte, the size and type limits, broken files, roles, ETags and two companies apart."""

from __future__ import annotations

import hashlib
import struct
import zlib

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from laskutin.companies.domain import Role
from laskutin.companies.logo import MAX_LOGO_BYTES
from tests.contract.auth import TokenAuth

COMPANY = "/api/v1/company"
LOGO = "/api/v1/company/logo"
AUDIT = "/api/v1/company/audit"
PROBLEM = "application/problem+json"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 3, height: int = 2, padding: int = 0) -> bytes:
    """A valid RGB PNG; ``padding`` adds an ancillary text chunk to make it bigger."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    extra = _chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def jpeg(width: int = 16, height: int = 8) -> bytes:
    """A baseline JPEG's structure: SOI, APP0 (JFIF), DQT, SOF0 (1 component), DHT, SOS,
    one byte of scan data, EOI. Enough for any header reader."""
    jfif = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\x00" + bytes([1] * 64)
    sof0 = b"\x08" + struct.pack(">HH", height, width) + b"\x01\x01\x11\x00"
    dht = b"\x00" + bytes([1] + [0] * 15) + b"\x00"
    sos = b"\x01\x01\x00\x00\x3f\x00"
    return (
        b"\xff\xd8"
        + _segment(0xE0, jfif)
        + _segment(0xDB, dqt)
        + _segment(0xC0, sof0)
        + _segment(0xC4, dht)
        + _segment(0xDA, sos)
        + b"\x00"
        + b"\xff\xd9"
    )


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


async def test_png_upload_read_and_delete(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    image = png()
    digest = hashlib.sha256(image).hexdigest()

    assert (await client.get(LOGO, headers=owner)).status_code == 404
    put = await client.put(LOGO, content=image, headers={**owner, "Content-Type": "image/png"})
    assert put.status_code == 200, put.text
    summary = put.json()
    assert summary["content_type"] == "image/png"
    assert summary["size"] == len(image)
    assert summary["sha256"] == digest
    assert summary["url"] == LOGO

    got = await client.get(LOGO, headers=owner)
    assert got.status_code == 200
    assert got.content == image
    assert got.headers["content-type"] == "image/png"
    assert got.headers["etag"] == f'"{digest}"'
    assert got.headers["cache-control"].startswith("private")
    cached = await client.get(LOGO, headers={**owner, "If-None-Match": got.headers["etag"]})
    assert cached.status_code == 304

    company_body = (await client.get(COMPANY, headers=owner)).json()
    assert company_body["logo"]["sha256"] == digest
    assert company_body["logo"]["size"] == len(image)

    assert (await client.delete(LOGO, headers=owner)).status_code == 204
    assert (await client.get(LOGO, headers=owner)).status_code == 404
    assert (await client.get(COMPANY, headers=owner)).json()["logo"] is None
    assert (await client.delete(LOGO, headers=owner)).status_code == 404

    events = (await client.get(AUDIT, headers=owner)).json()["items"]
    assert [e["action"] for e in events] == ["logo_removed", "logo_updated"]
    assert events[1]["changes"]["width"] == 3
    assert events[1]["changes"]["height"] == 2
    assert events[1]["changes"]["sha256"] == digest


async def test_jpeg_replaces_png(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    first = await client.put(LOGO, content=png(), headers={**owner, "Content-Type": "image/png"})
    assert first.status_code == 200
    image = jpeg(640, 480)
    put = await client.put(
        LOGO, content=image, headers={**owner, "Content-Type": "image/jpeg; charset=binary"}
    )
    assert put.status_code == 200, put.text
    got = await client.get(LOGO, headers=owner)
    assert (got.content, got.headers["content-type"]) == (image, "image/jpeg")
    events = (await client.get(AUDIT, headers=owner)).json()["items"]
    assert events[0]["changes"]["width"] == 640
    assert events[0]["changes"]["height"] == 480


@pytest.mark.parametrize(
    ("body", "content_type", "status", "kind"),
    [
        (png(), "image/gif", 415, "logo-unsupported-type"),
        (b"<svg/>", "image/svg+xml", 415, "logo-unsupported-type"),
        (png(), None, 415, "logo-unsupported-type"),
        (png(padding=MAX_LOGO_BYTES), "image/png", 413, "logo-too-large"),
        (jpeg(), "image/png", 422, "logo-broken"),
        (png(), "image/jpeg", 422, "logo-broken"),
        (png()[:40], "image/png", 422, "logo-broken"),
        (png()[:-4] + b"\x00\x00\x00\x00", "image/png", 422, "logo-broken"),
        (jpeg()[:30], "image/jpeg", 422, "logo-broken"),
        (b"", "image/png", 422, "logo-broken"),
        (png(width=9000), "image/png", 422, "logo-too-many-pixels"),
        (png(width=0), "image/png", 422, "logo-broken"),
    ],
)
async def test_bad_files_are_refused(
    client: AsyncClient,
    auth: TokenAuth,
    body: bytes,
    content_type: str | None,
    status: int,
    kind: str,
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    headers = dict(owner)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await client.put(LOGO, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"] == f"/problems/{kind}"
    assert response.json()["detail"]
    assert (await client.get(LOGO, headers=owner)).status_code == 404
    assert (await client.get(AUDIT, headers=owner)).json()["items"] == []


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.MEMBER])
async def test_other_roles_read_the_logo_but_never_change_it(
    client: AsyncClient, auth: TokenAuth, role: Role
) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    headers = await auth.as_role(company, role)
    await client.put(LOGO, content=png(), headers={**owner, "Content-Type": "image/png"})

    assert (await client.get(LOGO, headers=headers)).content == png()
    put = await client.put(LOGO, content=jpeg(), headers={**headers, "Content-Type": "image/jpeg"})
    assert put.status_code == 403
    assert put.json()["type"] == "/problems/forbidden"
    assert (await client.delete(LOGO, headers=headers)).status_code == 403
    assert (await client.get(LOGO, headers=owner)).content == png()


async def test_an_admin_manages_the_logo(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    admin = await auth.as_role(company, Role.ADMIN)
    put = await client.put(LOGO, content=jpeg(), headers={**admin, "Content-Type": "image/jpeg"})
    assert put.status_code == 200, put.text
    assert (await client.delete(LOGO, headers=admin)).status_code == 204


async def test_if_match_on_the_logo(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    owner = await auth.as_role(company, Role.OWNER)
    png_headers = {**owner, "Content-Type": "image/png"}
    nothing_yet = await client.put(LOGO, content=png(), headers={**png_headers, "If-Match": "*"})
    assert nothing_yet.status_code == 412
    await client.put(LOGO, content=png(), headers=png_headers)
    etag = (await client.get(LOGO, headers=owner)).headers["etag"]
    replaced = await client.put(LOGO, content=png(4, 4), headers={**png_headers, "If-Match": etag})
    assert replaced.status_code == 200
    stale = await client.delete(LOGO, headers={**owner, "If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition-failed"
    # The company's ETag follows the logo.
    company_etag = (await client.get(COMPANY, headers=owner)).headers["etag"]
    await client.delete(LOGO, headers=owner)
    assert (await client.get(COMPANY, headers=owner)).headers["etag"] != company_etag


async def test_two_companies_logos_stay_apart(client: AsyncClient, auth: TokenAuth) -> None:
    a, b = await auth.new_company("A"), await auth.new_company("B")
    a_owner, b_owner = await auth.as_role(a, Role.OWNER), await auth.as_role(b, Role.OWNER)
    await client.put(LOGO, content=png(), headers={**a_owner, "Content-Type": "image/png"})

    for role in Role:
        b_headers = await auth.as_role(b, role)
        assert (await client.get(LOGO, headers=b_headers)).status_code == 404
        assert (await client.get(COMPANY, headers=b_headers)).json()["logo"] is None
    assert (await client.delete(LOGO, headers=b_owner)).status_code == 404
    await client.put(LOGO, content=jpeg(), headers={**b_owner, "Content-Type": "image/jpeg"})
    assert (await client.get(LOGO, headers=a_owner)).content == png()
    assert (await client.get(LOGO, headers=b_owner)).content == jpeg()
    a_events = (await client.get(AUDIT, headers=a_owner)).json()["items"]
    assert [e["resource_id"] for e in a_events] == [a.id]
