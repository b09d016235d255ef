"""Numbers as the e-invoices write them, and the unit prices of a line.

Both formats take the document's amounts as they are (each line's net, the VAT breakdown that
finnish.totals computed): nothing is recomputed here but the price per unit, which EN 16931
wants without VAT.
"""

from __future__ import annotations

from decimal import Decimal, localcontext

from laskutin.core.money import round_cents
from laskutin.documents.data import DocumentLine

_HUNDRED = Decimal(100)
# EN 16931 limits no decimals of the net price (BT-146); PEPPOL-EN16931-R120 compares
# quantity x price with the line net within 0.02, so a derived price keeps ten decimals.
_PRICE_PLACES = Decimal("1E-10")


def plain(value: Decimal) -> str:
    """Digits without exponent or trailing zeros: 25.50 -> "25.5", 100 -> "100"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def list_price_net(line: DocumentLine, *, prices_include_vat: bool) -> Decimal:
    """The unit price before discount and without VAT: as given, or, for a price that includes
    VAT, that price less its VAT at the line's rate."""
    if not prices_include_vat:
        return line.unit_price
    with localcontext() as exact:
        exact.prec = 60
        net = line.unit_price * _HUNDRED / (_HUNDRED + line.vat_rate)
    return net.quantize(_PRICE_PLACES).normalize()


def net_price(line: DocumentLine, *, prices_include_vat: bool) -> Decimal:
    """The item net price (BT-146). A VAT-exclusive price is the unit price, its discount a
    line allowance; for a VAT-inclusive one the line's net per unit, because that net was
    backed out of the group's gross (finnish.totals) and no list price and discount add up to
    it exactly."""
    if not prices_include_vat:
        return line.unit_price
    if not line.quantity:
        return list_price_net(line, prices_include_vat=True)
    with localcontext() as exact:
        exact.prec = 60
        price = line.net_amount / line.quantity
    return price.quantize(_PRICE_PLACES).normalize()


def gross_line_amount(line: DocumentLine) -> Decimal:
    """quantity x unit price before the discount, in cents (a VAT-exclusive line)."""
    with localcontext() as exact:
        exact.prec = 60
        return round_cents(line.quantity * line.unit_price)
