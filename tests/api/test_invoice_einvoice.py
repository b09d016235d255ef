"""GET /invoices/{id}/finvoice and /peppol on the real database (issue 6, e-invoices)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from lxml import etree
from sqlalchemy import select

from laskutin.companies.domain import Role
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.documents.data import InvoiceDocument
from laskutin.documents.models import InvoiceDocumentFile
from laskutin.einvoice.codes import Format
from laskutin.einvoice.peppol import PeppolWriter
from laskutin.einvoice.service import issued_einvoice
from laskutin.einvoice.validation import validate
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import line, make_customer, make_seller, owner_session

INVOICES = "/api/v1/invoices"
PROBLEM = "application/problem+json"
UBL_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
UBL_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"


@pytest.fixture(autouse=True)
def march_2026() -> Iterator[None]:
    with clock.frozen_at(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)):
        yield


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


@pytest.fixture
async def company(auth: TokenAuth) -> Company:
    made = await auth.new_company("A")
    await make_seller(auth, made)
    return made


async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


def ok(response: Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


async def issued(
    client: AsyncClient, auth: TokenAuth, company: Company, *, issue: bool = True, **body: Any
) -> dict[str, Any]:
    """An invoice of a Finnish business customer (its e-invoice address follows from its
    business id), with a buyer reference unless the test says otherwise."""
    headers = await owner(auth, company)
    if "customer_id" not in body:
        body["customer_id"] = await make_customer(auth, company, business_id="0116297-6")
    body.setdefault("buyer_reference", "Projekti 42")
    body.setdefault(
        "lines",
        [line(), line(description="Kirja", quantity="1", unit="kpl", vat_rate="13.5")],
    )
    created = ok(await client.post(INVOICES, json=body, headers=headers), 201)
    if not issue:
        return created
    return ok(await client.post(f"{INVOICES}/{created['id']}/issue", headers=headers))


@pytest.mark.parametrize("format", ["finvoice", "peppol"])
async def test_an_issued_invoice_as_an_e_invoice(
    client: AsyncClient, auth: TokenAuth, company: Company, format: Format
) -> None:
    invoice = await issued(client, auth, company)
    headers = await owner(auth, company)
    url = f"{INVOICES}/{invoice['id']}/{format}"

    first = await client.get(url, headers=headers)

    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/xml")
    assert first.headers["content-disposition"] == (
        f'attachment; filename="invoice-{invoice["number"]}-{format}.xml"'
    )
    assert first.headers["etag"] == f'"{hashlib.sha256(first.content).hexdigest()}"'
    artifacts = auth.app.state.settings.einvoice_artifacts_dir
    assert [f for f in validate(first.content, format, artifacts) if f.fatal] == []
    assert invoice["number"].encode() in first.content
    second = await client.get(url, headers=headers)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    unchanged = await client.get(url, headers={**headers, "If-None-Match": first.headers["etag"]})
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == first.headers["etag"]
    assert unchanged.content == b""


async def test_the_document_is_stored_once(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issued(client, auth, company)
    headers = await owner(auth, company)
    answer = await client.get(f"{INVOICES}/{invoice['id']}/peppol", headers=headers)
    assert answer.status_code == 200

    async with owner_session(auth, company) as session:
        rows = list(
            await session.scalars(
                select(InvoiceDocumentFile).where(
                    InvoiceDocumentFile.invoice_id == uuid.UUID(invoice["id"])
                )
            )
        )
    assert [(row.format, row.renderer, row.content) for row in rows] == [
        ("peppol", "peppol-bis3/1", answer.content)
    ]


async def test_a_credit_note_refers_to_its_invoice(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issued(client, auth, company)
    headers = await owner(auth, company)
    draft = ok(await client.post(f"{INVOICES}/{invoice['id']}/credit-note", headers=headers), 201)
    note = ok(await client.post(f"{INVOICES}/{draft['id']}/issue", headers=headers))

    answer = await client.get(f"{INVOICES}/{note['id']}/peppol", headers=headers)

    assert answer.status_code == 200, answer.text
    assert 'filename="credit-note-' in answer.headers["content-disposition"]
    tree = etree.fromstring(answer.content)
    assert etree.QName(tree).localname == "CreditNote"
    reference = tree.findtext(
        "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
        namespaces={"cac": UBL_CAC, "cbc": UBL_CBC},
    )
    assert reference == invoice["number"]
    finvoice = await client.get(f"{INVOICES}/{note['id']}/finvoice", headers=headers)
    assert b"<InvoiceTypeCode>INV02</InvoiceTypeCode>" in finvoice.content


async def test_a_draft_has_no_e_invoice_yet(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    draft = await issued(client, auth, company, issue=False)
    headers = {**await owner(auth, company), "Accept-Language": "en"}

    for format in ("finvoice", "peppol"):
        body = problem(await client.get(f"{INVOICES}/{draft['id']}/{format}", headers=headers), 409)
        assert body["type"] == "/problems/einvoice-of-draft"
        assert "issue it first" in body["detail"]


async def test_what_is_missing_is_named(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    consumer = await make_customer(auth, company, kind="person", name="Maija Meikäläinen")
    invoice = await issued(client, auth, company, customer_id=consumer, buyer_reference=None)
    headers = {**await owner(auth, company), "Accept-Language": "en"}

    peppol = problem(await client.get(f"{INVOICES}/{invoice['id']}/peppol", headers=headers), 422)
    finvoice = problem(
        await client.get(f"{INVOICES}/{invoice['id']}/finvoice", headers=headers), 422
    )

    assert [(e["field"], e["code"]) for e in peppol["errors"]] == [
        ("buyer_reference", "einvoice-buyer-reference-missing"),
        ("customer.einvoice_address", "einvoice-buyer-address-missing"),
    ]
    assert "e-invoice address" in peppol["errors"][1]["message"]
    assert [e["field"] for e in finvoice["errors"]] == ["customer.einvoice_address"]
    async with owner_session(auth, company) as session:
        stored = await session.scalar(
            select(InvoiceDocumentFile).where(
                InvoiceDocumentFile.invoice_id == uuid.UUID(invoice["id"])
            )
        )
    assert stored is None  # nothing broken is ever kept


async def test_an_accountant_may_read_it(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issued(client, auth, company)
    accountant = await auth.as_role(company, Role.ACCOUNTANT)

    answer = await client.get(f"{INVOICES}/{invoice['id']}/finvoice", headers=accountant)

    assert answer.status_code == 200, answer.text


async def test_another_companys_invoice_is_not_found(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    other = await auth.new_company("B")
    await make_seller(auth, other)
    theirs = await issued(client, auth, other)

    answer = await client.get(
        f"{INVOICES}/{theirs['id']}/peppol", headers=await owner(auth, company)
    )

    problem(answer, 404)


def _broken_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Peppol writer whose documents ask for 1000 euros too much (BR-CO-16)."""
    real = PeppolWriter.write

    def write(self: PeppolWriter, document: InvoiceDocument) -> bytes:
        payable = b'<cbc:PayableAmount currencyID="EUR">'
        return real(self, document).replace(payable, payable + b"1", 1)

    monkeypatch.setattr(PeppolWriter, "write", write)


async def test_a_document_failing_the_official_rules_is_refused_and_not_kept(
    client: AsyncClient, auth: TokenAuth, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = await issued(client, auth, company)
    _broken_writer(monkeypatch)

    body = problem(
        await client.get(f"{INVOICES}/{invoice['id']}/peppol", headers=await owner(auth, company)),
        422,
    )

    assert "BR-CO-16" in {error["code"] for error in body["errors"]}
    async with owner_session(auth, company) as session:
        assert await session.scalar(select(InvoiceDocumentFile)) is None


async def test_validation_can_be_switched_off(
    auth: TokenAuth, client: AsyncClient, company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoice = await issued(client, auth, company)
    _broken_writer(monkeypatch)
    settings = auth.app.state.settings.model_copy(update={"einvoice_validate": False})
    actor = Actor(
        user_id=auth.members[(company.id, Role.OWNER)],
        company_id=uuid.UUID(company.id),
        role=Role.OWNER,
    )

    async with owner_session(auth, company) as session:
        stored = await issued_einvoice(
            session,
            actor=actor,
            invoice_id=uuid.UUID(invoice["id"]),
            format="peppol",
            settings=settings,
        )

    payable = etree.fromstring(stored.content).findtext(
        "cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces={"cac": UBL_CAC, "cbc": UBL_CBC}
    )
    assert payable == "1" + invoice["total"]  # written as it came, not validated
