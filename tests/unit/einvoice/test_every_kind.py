"""Every kind of document, in both formats, passes the app's own checks, the official XSD
(Finvoice 3.0, UBL 2.1) and, for Peppol, the EN 16931 and PEPPOL schematron: no fatal finding."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from laskutin.documents.data import InvoiceDocument
from laskutin.einvoice.checks import problems
from laskutin.einvoice.codes import Format
from laskutin.einvoice.formats import write
from laskutin.einvoice.validation import validate
from tests.unit.einvoice.documents import all_kinds

KINDS = all_kinds()
FORMATS: tuple[Format, ...] = ("finvoice", "peppol")


def test_the_kinds_cover_every_vat_category_the_issue_names() -> None:
    categories = {line.vat_category for doc in KINDS.values() for line in doc.lines}
    assert categories >= {"S", "AE", "K", "G", "E", "O"}
    assert any(doc.is_credit_note for doc in KINDS.values())
    rates = {row.vat_rate for doc in KINDS.values() for row in doc.vat_breakdown}
    assert rates >= {Decimal(r) for r in ("25.5", "14", "13.5", "10", "0")}


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_valid_against_the_official_rules(kind: str, format: Format, artifacts: Path) -> None:
    document: InvoiceDocument = KINDS[kind]
    assert problems(document, format) == []

    findings = validate(write(document, format), format, artifacts)

    fatal = [f"{f.source} {f.id}: {f.text} at {f.location}" for f in findings if f.fatal]
    assert fatal == []


@pytest.mark.parametrize("format", FORMATS)
def test_writing_is_deterministic(format: Format) -> None:
    document = KINDS["mixed-2026"]
    assert write(document, format) == write(document, format)
