"""Our code lists are the ones the official rule sets accept (read from the XSLTs themselves,
so a new Peppol release that drops a code fails here first)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from laskutin.einvoice.codes import PEPPOL_EAS, UNIT_CODES, UNKNOWN_UNIT, VATEX_BY_GROUND
from laskutin.finnish.vat import VAT_GROUNDS, VatCategory
from laskutin.products.domain import SUGGESTED_UNITS


def _code_list(xslt: str, rule: str) -> set[str]:
    """The codes of the ``contains(' A B C ', ...)`` test of a CEN rule."""
    before = xslt[: xslt.index(f">{rule}<")]
    test = before[before.rindex("<svrl:failed-assert test=") :]
    found = re.search(r"contains\('([^']+)'", test)
    assert found is not None, rule
    return set(found[1].split())


@pytest.fixture(scope="module")
def cen(artifacts: Path) -> str:
    return (artifacts / "peppol-bis3" / "xslt" / "CEN-EN16931-UBL.xslt").read_text("utf-8")


def test_unit_codes_are_un_ece_recommendation_20(cen: str) -> None:
    allowed = _code_list(cen, "BR-CL-23")
    assert {*UNIT_CODES.values(), UNKNOWN_UNIT} <= allowed


def test_every_suggested_unit_has_its_own_code() -> None:
    assert [unit for unit in SUGGESTED_UNITS if unit not in UNIT_CODES] == []


def test_vatex_codes_are_in_the_cef_list(cen: str) -> None:
    assert set(VATEX_BY_GROUND.values()) <= _code_list(cen, "BR-CL-22")


def test_every_ground_outside_s_and_z_has_a_vatex_code() -> None:
    for key, ground in VAT_GROUNDS.items():
        needs = ground.category not in (VatCategory.STANDARD, VatCategory.ZERO_RATED)
        assert (key in VATEX_BY_GROUND) == needs, key


def test_address_schemes_are_peppols(artifacts: Path) -> None:
    xslt = (artifacts / "peppol-bis3" / "xslt" / "PEPPOL-EN16931-UBL.xslt").read_text("utf-8")
    listed = re.search(r'name="eaid" select="tokenize\(\'([^\']+)\'', xslt)
    assert listed is not None
    assert set(listed[1].split()) == PEPPOL_EAS
    assert "0216" in PEPPOL_EAS
    assert "0037" not in PEPPOL_EAS
