"""Lean reads of issuing: a model's columns as one record, and the record back as a row."""

from __future__ import annotations

import pytest

from laskutin.companies.models import Company
from laskutin.invoices.models import InvoiceLine
from laskutin.invoices.reading import columns_of, detached_record, row_of


def test_a_record_has_every_column_in_order_enums_as_text() -> None:
    fields = row_of(Company).removeprefix("ROW(").removesuffix(")").split(", ")
    assert [field.removesuffix("::text") for field in fields] == columns_of(Company).split(", ")
    assert "plan::text" in fields  # an enum: the driver could not decode it in a record
    assert "name" in fields


def test_a_record_becomes_a_row_with_the_column_names() -> None:
    names = columns_of(InvoiceLine).split(", ")
    row = detached_record(InvoiceLine, [f"value of {name}" for name in names])
    assert row.description == "value of description"
    assert row.unit == "value of unit"
    # A record of another shape is refused, not misread.
    with pytest.raises(ValueError, match="shorter"):
        detached_record(InvoiceLine, ["too", "short"])
