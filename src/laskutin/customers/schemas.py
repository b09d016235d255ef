"""API shapes of customers (issue 5): CustomerCreate, CustomerUpdate, CustomerRead, ...

Addresses are objects (``billing_address``, ``delivery_address``); a PATCH that sends an
address replaces the whole address. Archiving is ``POST .../archive`` and ``.../unarchive``,
not a field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from laskutin.customers.domain import (
    MAX_CUSTOMER_NUMBER,
    CustomerKind,
    CustomerLanguage,
    WarningCode,
)


def _no_control_characters(value: str) -> str:
    if any(ord(character) < 32 and character not in "\t\n\r" for character in value):
        raise ValueError("control characters are not allowed")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_control_characters),
]
Short = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_no_control_characters),
]
Street = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=200),
    AfterValidator(_no_control_characters),
]
City = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=100),
    AfterValidator(_no_control_characters),
]
Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=50),
    AfterValidator(_no_control_characters),
]
EinvoiceText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    AfterValidator(_no_control_characters),
]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=320),
    AfterValidator(_no_control_characters),
]
Notes = Annotated[str, StringConstraints(max_length=5000), AfterValidator(_no_control_characters)]
Country = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$"),
    Field(description="ISO 3166-1 alpha-2 country code", examples=["FI"]),
]
CustomerNumber = Annotated[int, Field(ge=1, le=MAX_CUSTOMER_NUMBER, examples=[1001])]
PaymentTerms = Annotated[int, Field(ge=0, le=365, examples=[14])]


class BillingAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    street: Street | None = Field(default=None, examples=["Mannerheimintie 1 A 2"])
    postal_code: Short | None = Field(default=None, examples=["00100"])
    city: City | None = Field(default=None, examples=["Helsinki"])
    country: Country = "FI"


class DeliveryAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, description="Recipient, if not the customer")
    street: Street | None = Field(default=None, examples=["Teollisuuskatu 5"])
    postal_code: Short | None = Field(default=None, examples=["00510"])
    city: City | None = Field(default=None, examples=["Helsinki"])
    country: Country | None = None


class CustomerFields(BaseModel):
    """What a client sends; shared by create and update."""

    model_config = ConfigDict(extra="forbid")

    kind: CustomerKind = CustomerKind.COMPANY
    business_id: Short | None = Field(
        default=None,
        description="Finnish business ID (Y-tunnus); checked and stored as NNNNNNN-C",
        examples=["0116297-6"],
    )
    vat_number: Short | None = Field(
        default=None,
        description="EU VAT number with its country prefix (FI, SE, DE, ...); without a "
        "prefix, the billing country's is assumed",
        examples=["FI01162976"],
    )
    email: Email | None = Field(default=None, examples=["laskut@asiakas.fi"])
    phone: Phone | None = Field(default=None, examples=["+358 40 123 4567"])
    contact_person: Name | None = Field(default=None, examples=["Maija Meikäläinen"])
    language: CustomerLanguage = Field(
        default=CustomerLanguage.FI, description="Language of the customer's invoices"
    )
    billing_address: BillingAddress | None = None
    delivery_address: DeliveryAddress | None = Field(
        default=None, description="Only when goods go elsewhere than the billing address"
    )
    einvoice_address: EinvoiceText | None = Field(
        default=None,
        description="E-invoice address: an OVT code (0037 + Y-tunnus digits + optional "
        "extension; checked), a Peppol id or an IBAN-style Finvoice address",
        examples=["003701162976"],
    )
    einvoice_operator: EinvoiceText | None = Field(
        default=None,
        description="The e-invoice operator's id (e.g. its BIC)",
        examples=["NDEAFIHH"],
    )
    payment_terms_days: PaymentTerms | None = Field(
        default=None, description="Days to pay; null: the company's default"
    )
    customer_number: CustomerNumber | None = Field(
        default=None,
        description="Unique in the company; left out, the next free number is assigned",
    )
    notes: Notes | None = None


class CustomerCreate(CustomerFields):
    """Only ``name`` is required."""

    name: Name = Field(examples=["Asiakas Oy"])


class CustomerUpdate(CustomerFields):
    """Send only the fields to change; ``null`` clears an optional field. An address sent
    replaces the whole address. ``name``, ``kind``, ``language`` and ``customer_number`` cannot
    be cleared (null is refused)."""

    name: Name = Field(default=None, examples=["Asiakas Oy"])  # type: ignore[assignment]
    kind: CustomerKind = Field(default=None)  # type: ignore[assignment]
    language: CustomerLanguage = Field(default=None)  # type: ignore[assignment]


class BillingAddressRead(BaseModel):
    street: str | None
    postal_code: str | None
    city: str | None
    country: str


class DeliveryAddressRead(BaseModel):
    name: str | None
    street: str | None
    postal_code: str | None
    city: str | None
    country: str | None


class CustomerRead(BaseModel):
    id: uuid.UUID
    customer_number: int
    kind: CustomerKind
    name: str
    business_id: str | None
    vat_number: str | None
    email: str | None
    phone: str | None
    contact_person: str | None
    language: CustomerLanguage
    billing_address: BillingAddressRead
    delivery_address: DeliveryAddressRead | None
    einvoice_address: str | None
    einvoice_operator: str | None
    payment_terms_days: int | None
    notes: str | None
    archived: bool
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CustomerWarning(BaseModel):
    """Something to check, not an error: the change was saved."""

    code: WarningCode
    field: str = Field(examples=["business_id"])
    message: str = Field(description="In the response's language (Accept-Language)")
    customer_id: uuid.UUID = Field(description="The other customer with the same value")


class CustomerSaved(CustomerRead):
    """The customer after a create or update, with warnings (e.g. another customer has the same
    business ID). The ``ETag`` header is that of the customer without ``warnings``, as GET
    answers it."""

    warnings: list[CustomerWarning]
