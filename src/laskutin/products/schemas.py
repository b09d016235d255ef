"""API shapes of products (issue 5): ProductCreate, ProductUpdate, ProductRead.

Prices are decimal strings (``"12.50"``, up to 6 decimals), never floats. Archiving is
``POST .../archive`` and ``.../unarchive``, not a field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from laskutin.finnish.vat import VAT_GROUNDS, RateClass, VatCategory
from laskutin.products.domain import SUGGESTED_UNITS


def _no_control_characters(value: str) -> str:
    if any(ord(character) < 32 and character not in "\t\n\r" for character in value):
        raise ValueError("control characters are not allowed")
    return value


def _whole_numbers_as_text(value: Any) -> Any:
    # JSON integers are exact; JSON fractions would be floats and are refused by the str type.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


ProductName = Annotated[
    str, StringConstraints(max_length=200), AfterValidator(_no_control_characters)
]
Code = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    AfterValidator(_no_control_characters),
]
Unit = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=20),
    AfterValidator(_no_control_characters),
    Field(
        description="A unit of the suggested list (" + ", ".join(SUGGESTED_UNITS) + ") or any "
        "text of up to 20 characters",
        examples=["h"],
    ),
]
DecimalText = Annotated[
    str,
    BeforeValidator(_whole_numbers_as_text),
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    Field(
        description="A decimal string, up to 6 decimals, at least 0",
        examples=["85.00"],
        json_schema_extra={"pattern": r"^[0-9]{1,12}(\.[0-9]{1,6})?$"},
    ),
]
GroundKey = Annotated[
    str,
    StringConstraints(max_length=40),
    Field(
        description="Why a line is not standard-rated; one of: " + ", ".join(VAT_GROUNDS),
        examples=["construction_reverse_charge"],
    ),
]


class Names(BaseModel):
    """The product's name per language; at least one must be non-empty."""

    model_config = ConfigDict(extra="forbid")

    fi: ProductName | None = Field(default=None, examples=["Suunnittelutyö"])
    sv: ProductName | None = Field(default=None, examples=["Planeringsarbete"])
    en: ProductName | None = Field(default=None, examples=["Design work"])


class ProductFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code | None = Field(
        default=None,
        description="Optional; unique among the company's active products",
        examples=["SUUNN-01"],
    )
    unit: Unit = "kpl"
    prices_include_vat: bool = Field(
        default=False, description="Whether unit_price includes VAT (true) or is net (false)"
    )
    vat_category: VatCategory = Field(
        default=VatCategory.STANDARD,
        description="EN 16931 VAT category: S standard rated, Z zero rated, E exempt, "
        "AE reverse charge, K intra-Community supply, G export outside the EU, O not subject "
        "to VAT",
    )
    rate_class: RateClass | None = Field(
        default=None,
        description="For category S only (required there): the rate class; the rate follows "
        "the invoice's tax point",
    )
    vat_ground: GroundKey | None = Field(
        default=None,
        description="For categories other than S: the ground printed on the invoice. Z, K, G "
        "and O have one ground each, filled in when left out; E and AE must name theirs",
    )


class ProductCreate(ProductFields):
    """``names`` and ``unit_price`` are required; with the default category S, so is
    ``rate_class``."""

    names: Names = Field(examples=[{"fi": "Suunnittelutyö", "en": "Design work"}])
    unit_price: DecimalText
    rate_class: RateClass | None = Field(default=None, examples=["general"])


class ProductUpdate(ProductFields):
    """Send only the fields to change; ``null`` clears ``code``. ``names`` sent replaces all
    names. Changing ``vat_category`` usually means sending ``rate_class`` or ``vat_ground``
    too (a rate class is cleared automatically when the category leaves S, and a ground
    when it becomes S)."""

    names: Names = Field(default=None)  # type: ignore[assignment]
    unit_price: DecimalText = Field(default=None)  # type: ignore[assignment]
    unit: Unit = Field(default=None)  # type: ignore[assignment]
    prices_include_vat: bool = Field(default=None)  # type: ignore[assignment]
    vat_category: VatCategory = Field(default=None)  # type: ignore[assignment]


class ProductRead(BaseModel):
    id: uuid.UUID
    code: str | None
    names: dict[str, str] = Field(examples=[{"fi": "Suunnittelutyö", "en": "Design work"}])
    unit: str
    unit_price: str = Field(description="Decimal string", examples=["85.00"])
    prices_include_vat: bool
    vat_category: VatCategory
    rate_class: RateClass | None
    vat_ground: str | None
    vat_rate_today: str | None = Field(
        description="Read only: the VAT rate in percent in force today (Europe/Helsinki) for "
        "the rate class; null outside category S",
        examples=["25.5"],
    )
    archived: bool
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
