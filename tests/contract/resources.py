"""The real app's resource factories and the one list of exempted paths.

Every operation of the API whose path takes an id (``{id}`` or ``{..._id}``) must be covered
here, by a factory for its collection segment or by an exemption with its reason; otherwise
tests/contract/test_cross_company.py fails and names what is missing.

A factory creates one resource in the company it is given (company B), through the API as that
company's owner, and returns what the API answered:

    @resource_factory("customers")
    async def customer(ctx: FactoryContext) -> Resource:
        answer = await ctx.client.post(
            "/api/v1/customers", json={"name": "Asiakas B-7f3c Oy"}, headers=await ctx.headers()
        )
        assert answer.status_code == 201, answer.text
        return Resource(id=answer.json()["id"], data=answer.json())

Use distinctive values (names, e-mails) so that a leak is recognisable.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.auth.models import User
from laskutin.companies.domain import Plan, Role
from laskutin.companies.models import Company, Membership
from laskutin.core.tenancy import act_as
from tests.contract.auth import TokenAuth
from tests.contract.harness import FactoryContext, Registry, Resource

REGISTRY = Registry()
resource_factory = REGISTRY.resource_factory

# The one list of exemptions: path (every method) or "METHOD /path" -> why it is not a
# cross-company 404. Example for the company switch that issue 4 adds:
#   "/api/v1/companies/{company_id}/switch": "names a company the caller belongs to; a company
#   the caller is not a member of is refused by the membership check (tested in tests/api)",
EXEMPTIONS: dict[str, str] = {
    "/api/v1/dev/mails/{mail_id}/raw": "the development mailbox: mails that reached nobody, of "
    "no company; 404 unless LASKUTIN_ENV is development (tests/integration/"
    "test_invoice_delivery.py)",
    "/api/v1/dev/mails/{mail_id}/attachments/{index}": "the development mailbox, as above",
}

for _target, _reason in EXEMPTIONS.items():
    REGISTRY.exempt(_target, _reason)


@resource_factory("members")
async def member(ctx: FactoryContext) -> Resource:
    """A second user, a member of company B: written as the app's database role (adding
    members through the API comes with invitations, issue 8), then read through the API."""
    assert isinstance(ctx.auth, TokenAuth), "the members factory writes through TokenAuth's app"
    sessions: async_sessionmaker[AsyncSession] = ctx.auth.app.state.session_factory
    company_id = uuid.UUID(ctx.company.id)
    tag = uuid.uuid4().hex[:8]
    async with sessions() as session, session.begin():
        user = User(email=f"b-only.{tag}@harness.example.fi", name=f"Jäsen B-{tag}")
        session.add(user)
        await session.flush()
        owner = ctx.auth.members[(ctx.company.id, Role.OWNER)]
        await act_as(session, company_id=company_id, user_id=owner)
        session.add(Membership(company_id=company_id, user_id=user.id, role=Role.MEMBER))
    answer = await ctx.client.get(f"/api/v1/members/{user.id}", headers=await ctx.headers())
    assert answer.status_code == 200, answer.text
    return Resource(id=str(user.id), data=answer.json())


@resource_factory("invitations")
async def invitation(ctx: FactoryContext) -> Resource:
    """An open invitation of company B to a distinctive address."""
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        "/api/v1/invitations",
        json={"email": f"b-invited.{tag}@harness.example.fi", "role": "member"},
        headers=await ctx.headers(),
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())


@resource_factory("api-keys")
async def api_key(ctx: FactoryContext) -> Resource:
    """An API key of company B (which is put on the pro plan first, as the app's role)."""
    assert isinstance(ctx.auth, TokenAuth), "the api-keys factory writes through TokenAuth's app"
    sessions: async_sessionmaker[AsyncSession] = ctx.auth.app.state.session_factory
    company_id = uuid.UUID(ctx.company.id)
    async with sessions() as session, session.begin():
        owner = ctx.auth.members[(ctx.company.id, Role.OWNER)]
        await act_as(session, company_id=company_id, user_id=owner)
        await session.execute(update(Company).where(Company.id == company_id).values(plan=Plan.PRO))
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        "/api/v1/api-keys", json={"name": f"Avain B-{tag}"}, headers=await ctx.headers()
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())


@resource_factory("imports")
async def csv_import(ctx: FactoryContext) -> Resource:
    """A checked CSV import of company B (one distinctive customer row)."""
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        "/api/v1/imports",
        params={"kind": "customers", "filename": f"b-{tag}.csv"},
        content=f"Nimi;Sähköposti\nTuotu B-{tag} Oy;b-import.{tag}@harness.example.fi\n".encode(),
        headers={**await ctx.headers(), "Content-Type": "text/csv"},
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())


@resource_factory("customers")
async def customer(ctx: FactoryContext) -> Resource:
    """A customer of company B, with distinctive name, e-mail and notes."""
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        "/api/v1/customers",
        json={
            "name": f"Asiakas B-{tag} Oy",
            "business_id": "0116297-6",
            "email": f"b-customer.{tag}@harness.example.fi",
            "notes": f"Vain yritykselle B {tag}",
            "billing_address": {"street": f"Bkatu {tag}", "city": "Turku"},
        },
        headers=await ctx.headers(),
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())


@resource_factory("identities")
async def external_identity(ctx: FactoryContext) -> Resource:
    """An external sign-in identity (OpenID Connect) of company B's owner: written as the app's
    database role (linking one needs a real provider: tests/integration/test_oidc.py), then read
    through the API. An identity belongs to a user, so another company's user finds nothing."""
    from laskutin.oidc.models import ExternalIdentity

    assert isinstance(ctx.auth, TokenAuth), "the identities factory writes through TokenAuth's app"
    sessions: async_sessionmaker[AsyncSession] = ctx.auth.app.state.session_factory
    tag = uuid.uuid4().hex[:8]
    owner = ctx.auth.members[(ctx.company.id, Role.OWNER)]
    async with sessions() as session, session.begin():
        row = ExternalIdentity(
            user_id=owner,
            provider="harness-idp",
            subject=f"b-subject-{tag}",
            email=f"b-identity.{tag}@harness.example.fi",
        )
        session.add(row)
        await session.flush()
        identity_id = str(row.id)
    answer = await ctx.client.get("/api/v1/me/identities", headers=await ctx.headers())
    assert answer.status_code == 200, answer.text
    [data] = [item for item in answer.json()["items"] if item["id"] == identity_id]
    return Resource(id=identity_id, data=data)


@resource_factory("invoices")
async def invoice(ctx: FactoryContext) -> Resource:
    """An issued invoice of company B (with a payment: issue, credit and payments all have
    something to act on), with a distinctive line and notes."""
    from tests.contract.invoicing import line, make_customer, make_seller

    assert isinstance(ctx.auth, TokenAuth)
    tag = uuid.uuid4().hex[:8]
    await make_seller(ctx.auth, ctx.company)
    customer_id = await make_customer(ctx.auth, ctx.company, name=f"Laskutettava B-{tag} Oy")
    headers = await ctx.headers()
    created = await ctx.client.post(
        "/api/v1/invoices",
        json={
            "customer_id": customer_id,
            "notes": f"Vain yritykselle B {tag}",
            "lines": [line(description=f"Rivi B-{tag}")],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    invoice_id = created.json()["id"]
    issued = await ctx.client.post(f"/api/v1/invoices/{invoice_id}/issue", headers=headers)
    assert issued.status_code == 200, issued.text
    return Resource(id=invoice_id, data=issued.json())


@resource_factory("payments")
async def payment(ctx: FactoryContext) -> Resource:
    """A payment of an issued invoice of company B (path: /invoices/{id}/payments/{payment_id})."""
    made = await invoice(ctx)
    answer = await ctx.client.post(
        f"/api/v1/invoices/{made.id}/payments",
        json={
            "payment_date": "2026-01-15",
            "amount": "10.00",
            "payer_name": f"Maksaja B-{uuid.uuid4().hex[:8]}",
        },
        headers=await ctx.headers(),
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json(), path_params={"id": made.id})


@resource_factory("products")
async def product(ctx: FactoryContext) -> Resource:
    """A product of company B, with a distinctive code and names."""
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        "/api/v1/products",
        json={
            "code": f"B-{tag}",
            "names": {"fi": f"Tuote B-{tag}", "en": f"Product B-{tag}"},
            "unit": "h",
            "unit_price": "85.50",
            "rate_class": "general",
        },
        headers=await ctx.headers(),
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())


@resource_factory("sends")
async def invoice_send(ctx: FactoryContext) -> Resource:
    """A request to e-mail an issued invoice of company B to a distinctive address (path:
    /invoices/{id}/sends/{send_id}); queued only, no worker runs here."""
    made = await invoice(ctx)
    tag = uuid.uuid4().hex[:8]
    answer = await ctx.client.post(
        f"/api/v1/invoices/{made.id}/send",
        json={
            "channel": "email",
            "recipients": [f"b-send.{tag}@harness.example.fi"],
            "message": f"Vain yritykselle B {tag}",
        },
        headers=await ctx.headers(),
    )
    assert answer.status_code == 202, answer.text
    return Resource(id=answer.json()["id"], data=answer.json(), path_params={"id": made.id})


@resource_factory("quotes")
async def quote(ctx: FactoryContext) -> Resource:
    """An accepted quote of company B (send, accept, decline and invoice all have something to
    act on: 404 comes first), with a distinctive line and notes."""
    from tests.contract.invoicing import line, make_customer, make_seller

    assert isinstance(ctx.auth, TokenAuth)
    tag = uuid.uuid4().hex[:8]
    await make_seller(ctx.auth, ctx.company)
    customer_id = await make_customer(ctx.auth, ctx.company, name=f"Tarjottava B-{tag} Oy")
    headers = await ctx.headers()
    created = await ctx.client.post(
        "/api/v1/quotes",
        json={
            "customer_id": customer_id,
            "notes": f"Vain yritykselle B {tag}",
            "buyer_reference": f"Viite B-{tag}",
            "lines": [line(description=f"Tarjousrivi B-{tag}")],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    quote_id = created.json()["id"]
    accepted = await ctx.client.post(f"/api/v1/quotes/{quote_id}/accept", headers=headers)
    assert accepted.status_code == 200, accepted.text
    return Resource(id=quote_id, data=accepted.json())


@resource_factory("recurring-invoices")
async def recurring_invoice(ctx: FactoryContext) -> Resource:
    """A recurring invoice of company B (monthly, left as drafts) with a distinctive name, line
    and notes."""
    from tests.contract.invoicing import line, make_customer, make_seller

    assert isinstance(ctx.auth, TokenAuth)
    tag = uuid.uuid4().hex[:8]
    await make_seller(ctx.auth, ctx.company)
    customer_id = await make_customer(ctx.auth, ctx.company, name=f"Toistuva B-{tag} Oy")
    answer = await ctx.client.post(
        "/api/v1/recurring-invoices",
        json={
            "name": f"Toistuva B-{tag}",
            "customer_id": customer_id,
            "notes": f"Vain yritykselle B {tag}",
            "lines": [line(description=f"Toistuva rivi B-{tag}")],
            "schedule": {"unit": "month", "start_date": "2099-01-01"},
        },
        headers=await ctx.headers(),
    )
    assert answer.status_code == 201, answer.text
    return Resource(id=answer.json()["id"], data=answer.json())
