"""Code lists the e-invoice writers share: units, VAT exemption reasons, address schemes.

Every code here appears in the code lists of the rule sets in ``../shared/einvoice`` (EN 16931
BR-CL-22/BR-CL-23 and PEPPOL-EN16931-CL008, BIS Billing 3.0.21); tests/unit/einvoice checks
that against the XSLTs themselves, so a release that drops a code fails a test, not a send.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from laskutin.finnish.vat import VAT_GROUNDS

Format = Literal["finvoice", "peppol"]
"""The e-invoice formats (and their rows' ``format`` in invoice_documents)."""

# UN/ECE Recommendation 20 (and 21, "X" + package code) for our units and their common
# spellings in Finnish, Swedish and English. "kpl" (kappale) is a piece: H87, not C62 ("one"),
# which is kept for units we cannot name.
UNKNOWN_UNIT: Final = "C62"
UNIT_CODES: Mapping[str, str] = {
    **dict.fromkeys(("kpl", "kappale", "st", "styck", "pcs", "pc", "piece"), "H87"),
    **dict.fromkeys(("h", "tunti", "tuntia", "tim", "timme", "hour", "hours"), "HUR"),
    **dict.fromkeys(("min", "minuutti", "minute"), "MIN"),
    **dict.fromkeys(("pv", "päivä", "päivää", "dag", "dagar", "d", "day", "days"), "DAY"),
    **dict.fromkeys(("vk", "viikko", "vecka", "week", "weeks"), "WEE"),
    **dict.fromkeys(("kk", "kuukausi", "mån", "månad", "month", "months"), "MON"),
    **dict.fromkeys(("v", "vuosi", "år", "year", "years"), "ANN"),
    "km": "KMT",
    "m": "MTR",
    **dict.fromkeys(("m²", "m2", "neliö"), "MTK"),
    **dict.fromkeys(("m³", "m3", "kuutio"), "MTQ"),
    "kg": "KGM",
    **dict.fromkeys(("t", "tonni", "ton"), "TNE"),
    **dict.fromkeys(("l", "litra", "liter", "litre"), "LTR"),
    **dict.fromkeys(("erä", "parti", "lot", "batch"), "LO"),
    **dict.fromkeys(("pkt", "paketti", "paket", "package"), "XPK"),
    **dict.fromkeys(("rs", "rasia", "ask", "box"), "XBX"),
}


def unit_code(unit: str | None) -> str:
    """The UN/ECE code of one of our units (``kpl`` -> H87, ``h`` -> HUR); free text -> C62."""
    if unit is None:
        return UNKNOWN_UNIT
    return UNIT_CODES.get(unit.strip().lower(), UNKNOWN_UNIT)


# VAT exemption reason codes (CEF VATEX) by finnish.vat ground. The ground table carries its
# own code; this view exists so the writers and the tests read one place, and so a ground
# added without a code is noticed (categories S and Z have none by rule: BR-S-10, BR-Z-10).
VATEX_BY_GROUND: Mapping[str, str] = {
    key: ground.vatex for key, ground in VAT_GROUNDS.items() if ground.vatex is not None
}


def vatex_code(ground_key: str | None) -> str | None:
    """The VATEX code of a ground (``intra_community_supply`` -> VATEX-EU-IC), or None."""
    return None if ground_key is None else VATEX_BY_GROUND.get(ground_key)


# Peppol Electronic Address Scheme (EAS) codes of BIS Billing 3.0.21 (PEPPOL-EN16931-CL008).
# 0037, the old LY-tunnus scheme, is not among them: a Finnish OVT code (0037 + business id
# digits) is addressed with 0216, TIEKE's OVT scheme.
_EAS = """0002 0007 0009 0060 0088 0096 0097 0106 0130 0135 0142 0151 0183 0184 0188 0190 0191
    0192 0195 0196 0198 0199 0200 0201 0204 0208 0209 0210 0211 0216 0218 0221 0225 0230 0235
    0240 0242 0244 0245 0246 0248 9910 9913 9914 9915 9918 9919 9920 9922 9923 9924 9925 9926
    9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 9941 9942 9943 9944
    9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959"""
PEPPOL_EAS: frozenset[str] = frozenset(_EAS.split())
OVT_SCHEME: Final = "0216"
# ISO 6523 ICD of a Finnish business id (Y-tunnus) as a legal registration id (BT-30).
BUSINESS_ID_SCHEME: Final = "0212"

# The 27 member states as ISO 3166 codes (Greece is GR here; its VAT prefix is EL).
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_COUNTRIES: frozenset[str] = frozenset(_EU.split())

# UNTDID 1001 document types and UNTDID 4461 payment means.
INVOICE_TYPE: Final = "380"
CREDIT_NOTE_TYPE: Final = "381"
SEPA_CREDIT_TRANSFER: Final = "58"
CREDIT_TRANSFER: Final = "30"
# UNTDID 5189 allowance reason: "Discount".
DISCOUNT_REASON: Final = "95"
