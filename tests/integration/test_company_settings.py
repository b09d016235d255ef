"""Company settings through the API on the real database (issue 5): every field, bank
accounts, numbering, roles, ETag/If-Match, the audit trail and two companies kept apart.

Roles come from tests/contract/auth.py's TokenAuth (one user per role in each company).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.companies.domain import Role
from laskutin.core.tenancy import act_as
from laskutin.customers.models import Customer
from laskutin.invoices.models import Invoice
from tests.contract.auth import TokenAuth
from tests.contract.harness import Company

COMPANY = "/api/v1/company"
AUDIT = "/api/v1/company/audit"
PROBLEM = "application/problem+json"
NORDEA = "FI2112345600000785"  # the FFI guide's example account: bank 1 (Nordea)
OP = "FI4950009420028730"  # bank 5 (OP)
GERMAN = "DE89370400440532013000"  # the standard German example IBAN


@pytest.fixture
async def auth(app: FastAPI, client: AsyncClient) -> TokenAuth:  # client: the lifespan runs
    return TokenAuth(app)


async def owner(auth: TokenAuth, company: Company) -> dict[str, str]:
    return await auth.as_role(company, Role.OWNER)


def ok(response: Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(response: Response, field: str, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert [e["field"] for e in body["errors"]] == [field], body
    return body


# --- reading ---------------------------------------------------------------------------------


async def test_a_new_company_has_defaults_and_lists_what_issuing_needs(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    body = ok(await client.get(COMPANY, headers=await owner(auth, company)))

    assert body["bank_accounts"] == []
    assert body["payment_terms_days"] == 14
    assert body["reference_type"] == "national"
    assert body["invoice_language"] == "fi"
    assert body["country_code"] == "FI"
    assert body["penalty_interest_percent"] is None
    assert (body["invoice_number_prefix"], body["next_invoice_number"]) == ("", 1)
    assert body["logo"] is None
    assert body["missing_for_issuing"] == ["business_id", "bank_accounts"]
    for field in ("street_address", "postal_code", "city", "email", "phone", "website"):
        assert body[field] is None
    assert body["einvoice_address"] is None
    assert body["einvoice_operator"] is None


async def test_get_has_a_strong_etag_and_answers_304(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    first = await client.get(COMPANY, headers=headers)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")

    again = await client.get(COMPANY, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    changed = ok(await client.patch(COMPANY, json={"city": "Espoo"}, headers=headers))
    assert changed["city"] == "Espoo"
    after = await client.get(COMPANY, headers={**headers, "If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag


# --- every field -----------------------------------------------------------------------------


async def test_every_setting_is_stored_in_its_normal_form(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    body = ok(
        await client.patch(
            COMPANY,
            json={
                "name": "  Matin Paja Oy ",
                "business_id": "0116297-6",
                "vat_number": "FI01162976",
                "street_address": "  Mannerheimintie 1 A 2 ",
                "postal_code": "00100",
                "city": "Helsinki",
                "country_code": "fi",
                "email": "Laskutus@Matinpaja.FI",
                "phone": "+358  40 123 4567",
                "website": "www.matinpaja.fi",
                "bank_accounts": [{"iban": "fi21 1234 5600 0007 85"}],
                "payment_terms_days": 30,
                "penalty_interest_percent": "11.5",
                "reference_type": "rf",
                "invoice_language": "sv",
                "einvoice_address": "0037 0116 2976",
                "einvoice_operator": "003721291126",
                "invoice_number_prefix": "2026-",
                "next_invoice_number": 100,
            },
            headers=headers,
        )
    )

    assert body["name"] == "Matin Paja Oy"
    assert (body["business_id"], body["vat_number"]) == ("0116297-6", "FI01162976")
    assert body["street_address"] == "Mannerheimintie 1 A 2"
    assert (body["postal_code"], body["city"], body["country_code"]) == ("00100", "Helsinki", "FI")
    assert body["email"] == "Laskutus@matinpaja.fi"  # the domain lower-cased, not the mailbox
    assert body["phone"] == "+358 40 123 4567"
    assert body["website"] == "https://www.matinpaja.fi"
    assert body["bank_accounts"] == [
        {"iban": NORDEA, "iban_formatted": "FI21 1234 5600 0007 85", "bic": "NDEAFIHH"}
    ]
    assert body["payment_terms_days"] == 30
    assert body["penalty_interest_percent"] == "11.50"
    assert (body["reference_type"], body["invoice_language"]) == ("rf", "sv")
    assert (body["einvoice_address"], body["einvoice_operator"]) == (
        "003701162976",
        "003721291126",
    )
    assert (body["invoice_number_prefix"], body["next_invoice_number"]) == ("2026-", 100)
    assert body["missing_for_issuing"] == []
    # What was written is what is read back.
    assert ok(await client.get(COMPANY, headers=headers)) == body


async def test_optional_fields_clear_with_null_or_empty_text(
    client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    ok(
        await client.patch(
            COMPANY,
            json={"city": "Turku", "website": "https://a.fi", "penalty_interest_percent": 8},
            headers=headers,
        )
    )
    body = ok(
        await client.patch(
            COMPANY,
            json={"city": "  ", "website": None, "penalty_interest_percent": None},
            headers=headers,
        )
    )
    assert (body["city"], body["website"], body["penalty_interest_percent"]) == (None, None, None)


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"postal_code": "1001"}, "postal_code", "postal-code-format"),
        ({"country_code": "XX"}, "country_code", "country-code-unknown"),
        ({"email": "not an address"}, "email", "email-invalid"),
        ({"phone": "call me"}, "phone", "phone-invalid"),
        ({"website": "ftp://files.example.fi"}, "website", "website-invalid"),
        ({"website": "localhost"}, "website", "website-invalid"),
        ({"einvoice_address": "003701162975"}, "einvoice_address", "ovt-code-check-digit"),
        ({"einvoice_address": "hello"}, "einvoice_address", "einvoice-address-format"),
        ({"einvoice_operator": "003721291125"}, "einvoice_operator", "ovt-code-check-digit"),
        ({"einvoice_operator": "maventa"}, "einvoice_operator", "einvoice-operator-format"),
        ({"invoice_number_prefix": "2026 "}, "invoice_number_prefix", None),
        ({"invoice_number_prefix": "A#"}, "invoice_number_prefix", "invoice-number-prefix-format"),
        ({"payment_terms_days": 366}, "payment_terms_days", "less_than_equal"),
        ({"payment_terms_days": -1}, "payment_terms_days", "greater_than_equal"),
        ({"payment_terms_days": None}, "payment_terms_days", "int_type"),
        ({"penalty_interest_percent": "100.01"}, "penalty_interest_percent", "less_than_equal"),
        ({"penalty_interest_percent": "7.125"}, "penalty_interest_percent", None),
        ({"reference_type": "swedish"}, "reference_type", "enum"),
        ({"invoice_language": "de"}, "invoice_language", "enum"),
        ({"next_invoice_number": 0}, "next_invoice_number", "greater_than_equal"),
        ({"bank_accounts": None}, "bank_accounts", "list_type"),
        ({"name": None}, "name", "string_type"),
    ],
)
async def test_a_bad_value_is_refused_naming_its_field(
    client: AsyncClient, auth: TokenAuth, body: dict[str, Any], field: str, kind: str | None
) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    before = ok(await client.get(COMPANY, headers=headers))

    response = await client.patch(COMPANY, json=body, headers=headers)

    if body == {"invoice_number_prefix": "2026 "}:  # surrounding space is trimmed: accepted
        assert ok(response)["invoice_number_prefix"] == "2026"
        return
    problem = refused(response, field)
    if kind is not None:
        assert problem["errors"][0]["code"] == kind
    assert problem["errors"][0]["message"]
    assert ok(await client.get(COMPANY, headers=headers)) == before


async def test_messages_are_in_the_callers_language(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    answers = {}
    for language in ("fi", "sv", "en"):
        response = await client.patch(
            COMPANY,
            json={"postal_code": "123"},
            headers={**headers, "Accept-Language": language},
        )
        answers[language] = refused(response, "postal_code")["errors"][0]["message"]
    assert "postinumero" in answers["fi"].lower()
    assert "postnummer" in answers["sv"].lower()
    assert "postal code" in answers["en"].lower()


async def test_einvoice_addresses_of_each_kind(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    cases = [
        ({"einvoice_address": "003701162976001"}, "003701162976001"),
        ({"einvoice_address": "0037:003701162976"}, "0037:003701162976"),
        ({"einvoice_address": "0216:003701162976"}, "0216:003701162976"),
        ({"einvoice_address": "FI21 1234 5600 0007 85"}, NORDEA),
    ]
    for body, stored in cases:
        assert ok(await client.patch(COMPANY, json=body, headers=headers))["einvoice_address"] == (
            stored
        )
    bank = ok(
        await client.patch(COMPANY, json={"einvoice_operator": "ndea fi hh"}, headers=headers)
    )
    assert bank["einvoice_operator"] == "NDEAFIHH"


async def test_nothing_is_half_changed(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    before = ok(await client.get(COMPANY, headers=headers))

    response = await client.patch(
        COMPANY,
        json={
            "name": "Uusi Nimi Oy",
            "city": "Oulu",
            "invoice_number_prefix": "X-",
            "bank_accounts": [{"iban": NORDEA}, {"iban": "FI21 1234 5600 0007 86"}],
        },
        headers=headers,
    )

    body = refused(response, "bank_accounts.1.iban")
    assert "FI21 1234 5600 0007 86" in body["errors"][0]["message"]
    assert ok(await client.get(COMPANY, headers=headers)) == before
    assert ok(await client.get(AUDIT, headers=headers))["items"] == []


# --- bank accounts ---------------------------------------------------------------------------


async def test_bank_accounts_are_replaced_as_a_list(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)

    two = ok(
        await client.patch(
            COMPANY,
            json={"bank_accounts": [{"iban": NORDEA}, {"iban": OP, "bic": "okoy fi hh"}]},
            headers=headers,
        )
    )
    assert [(a["iban"], a["bic"]) for a in two["bank_accounts"]] == [
        (NORDEA, "NDEAFIHH"),
        (OP, "OKOYFIHH"),
    ]
    # Reordered and shortened: the list is what was sent, in its order.
    swapped = ok(
        await client.patch(
            COMPANY, json={"bank_accounts": [{"iban": OP}, {"iban": GERMAN}]}, headers=headers
        )
    )
    assert [(a["iban"], a["bic"]) for a in swapped["bank_accounts"]] == [
        (OP, "OKOYFIHH"),
        (GERMAN, None),  # no BIC is guessed outside Finland
    ]
    assert swapped["bank_accounts"][1]["iban_formatted"] == "DE89 3704 0044 0532 0130 00"
    # Other fields leave the list alone.
    assert (
        ok(await client.patch(COMPANY, json={"city": "Lahti"}, headers=headers))["bank_accounts"]
        == (swapped["bank_accounts"])
    )
    cleared = ok(await client.patch(COMPANY, json={"bank_accounts": []}, headers=headers))
    assert cleared["bank_accounts"] == []
    assert "bank_accounts" in cleared["missing_for_issuing"]


@pytest.mark.parametrize(
    ("accounts", "field", "kind"),
    [
        ([{"iban": NORDEA}, {"iban": "FI21 1234 5600 0007 85"}], "bank_accounts.1.iban", None),
        ([{"iban": "FI2112345600000786"}], "bank_accounts.0.iban", "iban-wrong-check-digits"),
        ([{"iban": "FI2212345600000785"}], "bank_accounts.0.iban", "iban-wrong-check-digits"),
        ([{"iban": "12345"}], "bank_accounts.0.iban", "iban-malformed"),
        ([{"iban": NORDEA, "bic": "NOTABIC"}], "bank_accounts.0.bic", "bic-invalid"),
        ([{"iban": NORDEA, "bic": "NDEAXXHH"}], "bank_accounts.0.bic", "bic-unknown-country"),
        ([{"iban": NORDEA}] * 6, "bank_accounts", "too_long"),
        ([{"bic": "NDEAFIHH"}], "bank_accounts.0.iban", "missing"),
    ],
)
async def test_bad_bank_accounts_are_refused(
    client: AsyncClient,
    auth: TokenAuth,
    accounts: list[dict[str, str]],
    field: str,
    kind: str | None,
) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    body = refused(
        await client.patch(COMPANY, json={"bank_accounts": accounts}, headers=headers), field
    )
    code = body["errors"][0]["code"]
    assert code == (kind or "bank-account-duplicate")


# --- numbering -------------------------------------------------------------------------------


async def issue_directly(
    app: FastAPI,
    auth: TokenAuth,
    company: Company,
    numbers: list[tuple[str, int]],
    customer_number: int = 1,
) -> None:
    """Issued invoices with these (number, sequence) written as the app's role, as the
    invoices engineer's issuing would leave them."""
    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    company_id = uuid.UUID(company.id)
    async with sessions() as session, session.begin():
        await act_as(session, company_id=company_id, user_id=auth.members[(company.id, Role.OWNER)])
        customer = Customer(
            company_id=company_id, customer_number=customer_number, name="Ostaja Oy"
        )
        session.add(customer)
        await session.flush()
        for number, sequence in numbers:
            session.add(
                Invoice(
                    company_id=company_id,
                    customer_id=customer.id,
                    state="issued",
                    number=number,
                    sequence_number=sequence,
                    invoice_date=dt.date(2026, 1, 2),
                    due_date=dt.date(2026, 1, 16),
                    issued_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC),
                )
            )


async def test_the_series_is_created_on_first_write(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    body = ok(await client.patch(COMPANY, json={"next_invoice_number": 1000}, headers=headers))
    assert (body["invoice_number_prefix"], body["next_invoice_number"]) == ("", 1000)
    body = ok(await client.patch(COMPANY, json={"invoice_number_prefix": "L-"}, headers=headers))
    assert (body["invoice_number_prefix"], body["next_invoice_number"]) == ("L-", 1000)
    # Without issued invoices the number may go down again.
    body = ok(await client.patch(COMPANY, json={"next_invoice_number": 5}, headers=headers))
    assert body["next_invoice_number"] == 5


async def test_a_next_number_that_could_collide_is_refused(
    app: FastAPI, client: AsyncClient, auth: TokenAuth
) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    ok(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2026-", "next_invoice_number": 43},
            headers=headers,
        )
    )
    await issue_directly(app, auth, company, [("2026-41", 41), ("2026-42", 42), ("2025-90", 90)])

    for taken in (42, 41, 1):
        body = refused(
            await client.patch(COMPANY, json={"next_invoice_number": taken}, headers=headers),
            "next_invoice_number",
        )
        assert body["type"] == "/problems/invoice-number-taken"
        assert "43" in body["errors"][0]["message"]
    assert ok(await client.patch(COMPANY, json={"next_invoice_number": 43}, headers=headers))
    assert ok(await client.patch(COMPANY, json={"next_invoice_number": 500}, headers=headers))
    # Back to last year's prefix: its numbers count, with the number given or kept.
    refused(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2025-", "next_invoice_number": 90},
            headers=headers,
        ),
        "next_invoice_number",
    )
    refused(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2025-", "next_invoice_number": 12},
            headers=headers,
        ),
        "next_invoice_number",
    )
    body = ok(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2025-", "next_invoice_number": 91},
            headers=headers,
        )
    )
    assert (body["invoice_number_prefix"], body["next_invoice_number"]) == ("2025-", 91)
    # A prefix alone whose series would reach an issued number names the prefix.
    ok(
        await client.patch(
            COMPANY, json={"invoice_number_prefix": "A", "next_invoice_number": 1}, headers=headers
        )
    )
    await issue_directly(app, auth, company, [("B7", 7)], customer_number=2)
    refused(
        await client.patch(COMPANY, json={"invoice_number_prefix": "B"}, headers=headers),
        "invoice_number_prefix",
    )
    # A prefix that ends where an old number goes on: 2026-4 + 2 would print 2026-42.
    refused(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2026-4", "next_invoice_number": 2},
            headers=headers,
        ),
        "next_invoice_number",
    )
    assert ok(
        await client.patch(
            COMPANY,
            json={"invoice_number_prefix": "2026-4", "next_invoice_number": 3},
            headers=headers,
        )
    )


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.MEMBER])
async def test_accountants_and_members_read_but_never_change(
    client: AsyncClient, auth: TokenAuth, role: Role
) -> None:
    company = await auth.new_company("A")
    headers = await auth.as_role(company, role)
    before = ok(await client.get(COMPANY, headers=headers))
    ok(await client.get(AUDIT, headers=headers))

    for body in (
        {"city": "Vaasa"},
        {"bank_accounts": [{"iban": NORDEA}]},
        {"next_invoice_number": 7},
    ):
        response = await client.patch(COMPANY, json=body, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/forbidden"
    assert ok(await client.get(COMPANY, headers=headers)) == before


async def test_an_admin_changes_settings(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    admin = await auth.as_role(company, Role.ADMIN)
    assert (
        ok(await client.patch(COMPANY, json={"payment_terms_days": 7}, headers=admin))[
            "payment_terms_days"
        ]
        == 7
    )


# --- If-Match --------------------------------------------------------------------------------


async def test_if_match_refuses_a_stale_change(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    etag = (await client.get(COMPANY, headers=headers)).headers["etag"]

    first = await client.patch(
        COMPANY, json={"city": "Kuopio"}, headers={**headers, "If-Match": etag}
    )
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == (await client.get(COMPANY, headers=headers)).headers["etag"]

    stale = await client.patch(
        COMPANY, json={"city": "Joensuu"}, headers={**headers, "If-Match": etag}
    )
    assert stale.status_code == 412, stale.text
    assert stale.json()["type"] == "/problems/precondition-failed"
    weak = await client.patch(
        COMPANY,
        json={"city": "Joensuu"},
        headers={**headers, "If-Match": f"W/{first.headers['etag']}"},
    )
    assert weak.status_code == 412
    assert ok(await client.get(COMPANY, headers=headers))["city"] == "Kuopio"
    fresh = await client.patch(
        COMPANY, json={"city": "Joensuu"}, headers={**headers, "If-Match": first.headers["etag"]}
    )
    assert ok(fresh)["city"] == "Joensuu"


# --- audit -----------------------------------------------------------------------------------


async def test_every_change_is_audited_newest_first(client: AsyncClient, auth: TokenAuth) -> None:
    company = await auth.new_company("A")
    headers = await owner(auth, company)
    ok(await client.patch(COMPANY, json={"city": "Tampere"}, headers=headers))
    ok(await client.patch(COMPANY, json={"bank_accounts": [{"iban": NORDEA}]}, headers=headers))
    ok(await client.patch(COMPANY, json={"city": "Tampere"}, headers=headers))  # no change
    ok(await client.patch(COMPANY, json={"next_invoice_number": 10}, headers=headers))

    page = ok(await client.get(AUDIT, headers=headers))
    events = page["items"]
    assert [e["action"] for e in events] == ["updated"] * 3
    assert events[0]["changes"] == {"next_invoice_number": [1, 10]}
    assert events[1]["changes"]["bank_accounts"][0] == []
    assert events[1]["changes"]["bank_accounts"][1][0]["iban"] == NORDEA
    assert "missing_for_issuing" not in events[1]["changes"]
    assert events[2]["changes"] == {"city": [None, "Tampere"]}
    assert {e["resource_type"] for e in events} == {"company"}
    assert {e["resource_id"] for e in events} == {company.id}
    assert all(e["actor_user_id"] == str(auth.members[(company.id, Role.OWNER)]) for e in events)

    first = ok(await client.get(AUDIT, params={"limit": 2}, headers=headers))
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = ok(
        await client.get(
            AUDIT, params={"limit": 2, "cursor": first["next_cursor"]}, headers=headers
        )
    )
    assert [e["id"] for e in first["items"] + rest["items"]] == [e["id"] for e in events]
    assert rest["next_cursor"] is None
    assert (
        await client.get(AUDIT, params={"cursor": "garbage"}, headers=headers)
    ).status_code == 422


# --- two companies ---------------------------------------------------------------------------


async def test_two_companies_settings_stay_apart(client: AsyncClient, auth: TokenAuth) -> None:
    a, b = await auth.new_company("A"), await auth.new_company("B")
    a_headers, b_headers = await owner(auth, a), await owner(auth, b)
    ok(
        await client.patch(
            COMPANY,
            json={
                "city": "Rovaniemi-A",
                "bank_accounts": [{"iban": NORDEA}],
                "invoice_number_prefix": "A-",
                "next_invoice_number": 77,
            },
            headers=a_headers,
        )
    )
    b_body = ok(await client.get(COMPANY, headers=b_headers))
    assert b_body["id"] == b.id
    assert b_body["city"] is None
    assert b_body["bank_accounts"] == []
    assert (b_body["invoice_number_prefix"], b_body["next_invoice_number"]) == ("", 1)
    assert ok(await client.get(AUDIT, headers=b_headers))["items"] == []

    ok(await client.patch(COMPANY, json={"bank_accounts": [{"iban": OP}]}, headers=b_headers))
    a_body = ok(await client.get(COMPANY, headers=a_headers))
    assert [x["iban"] for x in a_body["bank_accounts"]] == [NORDEA]
    assert a_body["next_invoice_number"] == 77
    for role in Role:
        seen = ok(await client.get(AUDIT, headers=await auth.as_role(b, role)))
        assert all(e["resource_id"] == b.id for e in seen["items"])


# --- demo data -------------------------------------------------------------------------------


async def test_the_demo_company_is_ready_to_issue(app: FastAPI, client: AsyncClient) -> None:
    from laskutin.companies.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo_company
    from tests.integration.accounts import bearer, log_in

    sessions: async_sessionmaker[AsyncSession] = app.state.session_factory
    async with sessions() as session, session.begin():
        assert await seed_demo_company(session)

    tokens = await log_in(client, DEMO_EMAIL, DEMO_PASSWORD)
    body = ok(await client.get(COMPANY, headers=bearer(tokens)))
    assert body["missing_for_issuing"] == []
    assert (body["business_id"], body["vat_number"]) == ("1234567-1", "FI12345671")
    assert body["bank_accounts"] == [
        {"iban": NORDEA, "iban_formatted": "FI21 1234 5600 0007 85", "bic": "NDEAFIHH"}
    ]
    assert (body["postal_code"], body["city"]) == ("00100", "Helsinki")
