"""GET /api/v1/invoices/{id}/pdf on the real database (issue 6): a draft's watermarked preview;
an issued invoice's PDF rendered once (by the issue's job or the first request), stored and
served byte-identical ever after, with a strong ETag and 304."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.companies.domain import Role
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.documents.models import InvoiceDocumentFile
from laskutin.documents.tasks import RENDER_PDF, render_pdf_job
from laskutin.finnish.qr import epc_qr_payload
from laskutin.jobs.registry import JobContext
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company
from tests.contract.invoicing import BIC, IBAN, make_seller, owner_session
from tests.unit.documents.pdfs import decode_page, pdf_text

from .test_invoices_api import INVOICES, draft, issue, ok, owner, problem


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


async def get_pdf(
    client: AsyncClient, auth: TokenAuth, company: Company, invoice_id: str, **headers: str
) -> Response:
    request_headers = {**await owner(auth, company), **headers}
    return await client.get(f"{INVOICES}/{invoice_id}/pdf", headers=request_headers)


def pdf_of(response: Response) -> bytes:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.content.startswith(b"%PDF-")
    return response.content


async def stored(auth: TokenAuth, company: Company, invoice_id: str) -> list[InvoiceDocumentFile]:
    async with owner_session(auth, company) as session:
        rows = await session.scalars(
            select(InvoiceDocumentFile).where(
                InvoiceDocumentFile.invoice_id == uuid.UUID(invoice_id)
            )
        )
        return list(rows)


async def queued_jobs(app: FastAPI) -> list[dict[str, Any]]:
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with unit_of_work(sessions) as session:
        rows = await session.execute(
            text("SELECT args FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
            {"t": RENDER_PDF},
        )
        return [dict(args) for (args,) in rows.all()]


async def run_jobs(app: FastAPI) -> None:
    """Run the queued PDF jobs as the worker does: each in a transaction of its own."""
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    for args in await queued_jobs(app):
        async with unit_of_work(sessions) as session:
            await render_pdf_job(JobContext(session, app.state.settings, None), **args)


async def test_a_draft_is_a_watermarked_preview_never_stored(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    created = await draft(client, auth, company)
    response = await get_pdf(client, auth, company, created["id"])
    (page,) = pdf_text(pdf_of(response))
    assert "LASKU (LUONNOS)" in page
    assert "Konsultointi" in page
    assert "Yhteensä 251,00 €" in page
    assert "ETag" not in response.headers
    assert response.headers["content-disposition"] == 'inline; filename="lasku-luonnos.pdf"'
    assert await stored(auth, company, created["id"]) == []
    assert decode_page(response.content, dpi=150) == []  # no barcode, no QR code


async def test_an_issued_invoice_is_rendered_once_and_served_identical(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    first = await get_pdf(client, auth, company, invoice["id"])
    content = pdf_of(first)
    etag = f'"{hashlib.sha256(content).hexdigest()}"'
    assert first.headers["etag"] == etag
    number = invoice["number"]
    assert first.headers["content-disposition"] == f'inline; filename="lasku-{number}.pdf"'

    again = await get_pdf(client, auth, company, invoice["id"])
    assert pdf_of(again) == content
    assert again.headers["etag"] == etag
    (row,) = await stored(auth, company, invoice["id"])
    assert (row.format, row.renderer, row.sha256) == ("pdf", "pdf-1", etag.strip('"'))
    assert row.content == content

    not_modified = await get_pdf(client, auth, company, invoice["id"], **{"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    other_tag = await get_pdf(client, auth, company, invoice["id"], **{"If-None-Match": '"x"'})
    assert pdf_of(other_tag) == content
    await run_jobs(app)  # the issue's job comes after the first request: nothing to do
    (after_job,) = await stored(auth, company, invoice["id"])
    assert after_job.content == content
    assert pdf_of(await get_pdf(client, auth, company, invoice["id"])) == content

    (page,) = pdf_text(content)
    assert f"Laskun numero {number}" in page
    assert f"Viitenumero {invoice['reference']}" in page
    assert "Eräpäivä 19.3.2026" in page  # 14 days from 5.3.2026
    assert "Yhteensä 251,00 €" in page
    assert f"Virtuaaliviivakoodi {invoice['bank_barcode']}" in page


async def test_the_codes_are_the_issued_barcode_and_qr_payload(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    content = pdf_of(await get_pdf(client, auth, company, invoice["id"]))
    payload = epc_qr_payload(
        name=invoice["seller"]["name"],
        iban=IBAN,
        bic=BIC,
        amount=invoice["total"],
        reference=invoice["reference_machine"],
        due_date=dt.date.fromisoformat(invoice["due_date"]),
    )
    found = {(d.format, d.text) for d in decode_page(content)}
    assert found == {("Code 128", invoice["bank_barcode"]), ("QR Code", payload.text)}


async def test_the_issue_queues_a_job_that_stores_the_pdf_first(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    jobs = await queued_jobs(app)
    assert jobs == [
        {
            "company_id": company.id,
            "invoice_id": invoice["id"],
            "user_id": str(auth.members[(company.id, Role.OWNER)]),
        }
    ]
    assert await stored(auth, company, invoice["id"]) == []
    await run_jobs(app)
    (row,) = await stored(auth, company, invoice["id"])
    await run_jobs(app)  # again: idempotent, the stored bytes stay
    (again,) = await stored(auth, company, invoice["id"])
    assert again.content == row.content
    assert again.created_at == row.created_at
    served = pdf_of(await get_pdf(client, auth, company, invoice["id"]))
    assert served == row.content


async def test_a_refused_issue_queues_no_job(
    app: FastAPI, client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    """The job is deferred with the issue's first reads; a refusal rolls it back."""
    made = await draft(client, auth, company, lines=[])
    answer = await client.post(f"{INVOICES}/{made['id']}/issue", headers=await owner(auth, company))
    assert [error["field"] for error in problem(answer, 422)["errors"]] == ["lines"]
    assert await queued_jobs(app) == []


async def test_a_credit_note_has_its_pdf_without_transfer_form(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    headers = await owner(auth, company)
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    note = ok(await client.post(f"{INVOICES}/{invoice['id']}/credit-note", headers=headers), 201)
    note = await issue(client, auth, company, note["id"])
    response = await get_pdf(client, auth, company, note["id"])
    (page,) = pdf_text(pdf_of(response))
    assert "HYVITYSLASKU" in page
    assert f"Hyvitettävä lasku {invoice['number']} (5.3.2026)" in page
    assert "Yhteensä -251,00 €" in page
    assert "TILISIIRTO" not in page
    name = f"hyvityslasku-{note['number']}.pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{name}"'


async def test_an_accountant_may_read_another_company_may_not(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    response = await client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=accountant)
    content = pdf_of(response)
    other = await auth.new_company("B")
    stranger = await auth.as_role(other, Role.OWNER)
    problem(await client.get(f"{INVOICES}/{invoice['id']}/pdf", headers=stranger), 404)
    problem(await client.get(f"{INVOICES}/{uuid.uuid4()}/pdf", headers=accountant), 404)
    problem(await client.get(f"{INVOICES}/{invoice['id']}/pdf"), 401)
    # The stranger's request stored nothing of A's, and A still gets the same bytes.
    assert pdf_of(await get_pdf(client, auth, company, invoice["id"])) == content


async def test_the_pdf_is_in_the_invoices_language(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    created = await draft(client, auth, company, language="sv")
    invoice = await issue(client, auth, company, created["id"])
    response = await get_pdf(client, auth, company, invoice["id"])
    (page,) = pdf_text(pdf_of(response))
    assert "FAKTURA" in page
    assert "Förfallodag 2026-03-19" in page
    assert "Totalt 251,00 €" in page
    name = f"faktura-{invoice['number']}.pdf"
    assert response.headers["content-disposition"] == f'inline; filename="{name}"'


async def test_first_requests_at_once_store_one_pdf_and_answer_the_same_bytes(
    client: AsyncClient, auth: TokenAuth, company: Company
) -> None:
    invoice = await issue(client, auth, company, (await draft(client, auth, company))["id"])
    answers = await asyncio.gather(
        *(get_pdf(client, auth, company, invoice["id"]) for _ in range(3))
    )
    contents = {pdf_of(answer) for answer in answers}
    assert len(contents) == 1
    (row,) = await stored(auth, company, invoice["id"])
    assert contents == {row.content}
