"""The validator catches broken documents (the pre-checks refuse most of them earlier, with
plain words: test_checks.py), and an invalid document never passes ensure_valid."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from laskutin.einvoice.checks import BuyerReferenceMissing, EinvoiceNotReady, check
from laskutin.einvoice.formats import write
from laskutin.einvoice.validation import (
    ArtifactsMissing,
    EinvoiceInvalid,
    Finding,
    ensure_valid,
    validate,
    validate_async,
)
from tests.unit.einvoice.documents import DOMESTIC, invoice

EXAMPLES = ("base-example.xml", "base-creditnote-correction.xml", "vat-category-E.xml")


def _ids(findings: list[Finding]) -> set[str]:
    return {f.id for f in findings if f.fatal}


@pytest.mark.parametrize("example", EXAMPLES)
def test_official_examples_pass(example: str, artifacts: Path) -> None:
    content = (artifacts / "peppol-bis3" / "examples" / example).read_bytes()
    assert _ids(validate(content, "peppol", artifacts)) == set()


def test_missing_buyer_reference_is_r003_and_refused_earlier(artifacts: Path) -> None:
    document = invoice(DOMESTIC, buyer_reference=None, order_reference=None)

    findings = validate(write(document, "peppol"), "peppol", artifacts)

    assert "PEPPOL-EN16931-R003" in _ids(findings)
    with pytest.raises(EinvoiceInvalid) as invalid:
        ensure_valid(findings)
    assert "PEPPOL-EN16931-R003" in {error.code for error in invalid.value.errors}
    with pytest.raises(EinvoiceNotReady) as refused:
        check(document, "peppol")
    [(field, violation)] = refused.value.violations
    assert field == "buyer_reference"
    assert isinstance(violation, BuyerReferenceMissing)
    assert "tilausnumeron" in violation.message("fi")


def test_wrong_totals_break_br_co_15_and_16(artifacts: Path) -> None:
    document = invoice(DOMESTIC)
    wrong_total = write(replace(document, total=document.total + 1), "peppol")
    wrong_payable = write(document, "peppol").replace(
        b'<cbc:PayableAmount currencyID="EUR">1063.27<',
        b'<cbc:PayableAmount currencyID="EUR">1064.27<',
    )

    assert "BR-CO-15" in _ids(validate(wrong_total, "peppol", artifacts))
    assert "BR-CO-16" in _ids(validate(wrong_payable, "peppol", artifacts))


def test_schema_errors_are_fatal_and_skip_the_schematron(artifacts: Path) -> None:
    content = write(invoice(DOMESTIC), "peppol").replace(
        b"<cbc:IssueDate>2026-03-02</cbc:IssueDate>", b""
    )

    findings = validate(content, "peppol", artifacts)

    assert {f.source for f in findings} == {"xsd"}
    assert all(f.fatal for f in findings)


def test_finvoice_refuses_a_decimal_point(artifacts: Path) -> None:
    content = write(invoice(DOMESTIC), "finvoice").replace(b"847,23", b"847.23")

    findings = validate(content, "finvoice", artifacts)

    assert _ids(findings) == {"XSD"}
    assert "847.23" in findings[0].text


def test_not_even_xml(artifacts: Path) -> None:
    assert _ids(validate(b"<Finvoice>", "finvoice", artifacts)) == {"XML"}


def test_warnings_do_not_refuse() -> None:
    ensure_valid([Finding("cen", "BR-X", "warning", "just saying")])


def test_missing_artifacts_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ArtifactsMissing, match="LASKUTIN_EINVOICE_ARTIFACTS_DIR"):
        validate(write(invoice(DOMESTIC), "finvoice"), "finvoice", tmp_path)


def test_async_validation_from_several_tasks_at_once(artifacts: Path) -> None:
    contents = [write(invoice(DOMESTIC, number=f"2026-{n}"), "peppol") for n in range(10, 16)]

    async def all_of_them() -> list[list[Finding]]:
        return await asyncio.gather(
            *(validate_async(content, "peppol", artifacts) for content in contents)
        )

    assert [_ids(findings) for findings in asyncio.run(all_of_them())] == [set()] * 6


def test_external_entities_are_not_read(artifacts: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE Finvoice [<!ENTITY s SYSTEM "{secret.as_uri()}">]>'
        '<Finvoice Version="3.0"><SellerPartyDetails>&s;</SellerPartyDetails></Finvoice>'
    ).encode()

    findings = validate(content, "finvoice", artifacts)

    assert findings
    assert all(f.fatal for f in findings)
    assert not any("TOP-SECRET" in f.text for f in findings)
