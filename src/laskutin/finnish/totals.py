"""Invoice totals and the VAT breakdown (EN 16931 BG-23; finnish-invoicing.md §11).

VAT is not summed per line. Lines are grouped by VAT category and rate; each group's taxable
amount is the sum of its line nets (BR-S-08) and its VAT is computed once on that sum
(BR-CO-17). Total VAT is the sum over groups (BR-CO-14), and net + VAT = gross (BR-CO-15).

Lines whose prices include VAT (consumer sales): the customer must pay exactly the gross they
saw. In a group, those lines' grosses G are summed and the net is backed out once,
N = round(G / (1 + rate)); their VAT is G − N ("round the net, derive the VAT", §11; 10.00 at
25.5 % -> 7.97 + 2.03). N is split over the lines by largest remainder, so the line nets still
add up to the taxable amount, and each line's net + VAT is its gross. The group's VAT is
round(E × rate) + (G − N), E being the group's VAT-exclusive nets. It can differ from
round(taxable × rate) by one cent, within the tolerance the EN 16931 schematron allows for
BR-CO-17; no net gives both that and the gross the customer saw, so the gross wins. Groups
without VAT-inclusive lines satisfy BR-CO-17 exactly.

A line's own VAT (``LineAmounts.vat``) is informational (Finvoice RowVatAmount): for VAT-exclusive
lines, round(net × rate), which may differ by a cent from the breakdown; the breakdown is the
authority (§11: do not "fix" it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from laskutin.core.errors import RuleViolation
from laskutin.core.money import CENT, ZERO, round_cents
from laskutin.finnish.lines import Line, check_line, line_amount
from laskutin.finnish.vat import VatCategory, VatGround

_HUNDRED = Decimal(100)
_CATEGORY_ORDER = list(VatCategory)


@dataclass(frozen=True)
class LineAmounts:
    """A line's net (BT-131), its VAT (informational) and net + VAT."""

    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class VatBreakdown:
    """One EN 16931 VAT breakdown row (BG-23): BT-116 taxable, BT-117 VAT, BT-118 category,
    BT-119 rate, and the ground whose note is BT-120 and VATEX code BT-121."""

    category: VatCategory
    rate: Decimal
    taxable_amount: Decimal
    vat_amount: Decimal
    ground: VatGround | None = None

    def note(self, language: str = "fi") -> str | None:
        return self.ground.note(language) if self.ground else None


@dataclass(frozen=True)
class InvoiceTotals:
    """BT-109 net total, BT-110 VAT total, BT-112 gross total, per-line amounts and the
    breakdown (standard rates highest first, then categories in VatCategory order)."""

    lines: tuple[LineAmounts, ...]
    breakdown: tuple[VatBreakdown, ...]
    net_total: Decimal
    vat_total: Decimal
    gross_total: Decimal


class NotSubjectToVatMixed(RuleViolation):
    code = "not-subject-to-vat-mixed"
    messages = {
        "fi": "Kenttä {field}: laskulla, jonka myynti ei ole arvonlisäverollista (O), "
        "ei voi olla muita ALV-luokkia.",
        "sv": "Fältet {field}: en faktura med försäljning som inte är momspliktig (O) "
        "kan inte ha andra momskategorier.",
        "en": "Field {field}: an invoice with sales not subject to VAT (O) cannot have other "
        "VAT categories.",
    }


class ConflictingVatGrounds(RuleViolation):
    code = "conflicting-vat-grounds"
    messages = {
        "fi": "Kenttä {field}: yhdellä laskulla voi olla vain yksi peruste ALV-luokalle "
        "{category} ({first} tai {second}); tee erilliset laskut.",
        "sv": "Fältet {field}: en faktura kan ha bara en grund för momskategori {category} "
        "({first} eller {second}); gör separata fakturor.",
        "en": "Field {field}: one invoice can have only one ground for VAT category {category} "
        "({first} or {second}); make separate invoices.",
    }


def invoice_totals(lines: Sequence[Line], *, credit_note: bool = False) -> InvoiceTotals:
    """Totals and VAT breakdown of an invoice or credit note (EN 16931 BR-CO-10, BR-CO-14,
    BR-CO-15, BR-CO-17, BR-S-08; one breakdown per non-S category: BR-E-01 and peers; O alone:
    BR-O-11). VAT-inclusive lines: see the module docstring."""
    for position, line in enumerate(lines):
        check_line(line, position, credit_note=credit_note)
    _check_categories(lines)
    amounts = [line_amount(line) for line in lines]
    groups: defaultdict[tuple[VatCategory, Decimal], list[int]] = defaultdict(list)
    for position, line in enumerate(lines):
        groups[line.category, line.vat_rate].append(position)
    per_line: dict[int, LineAmounts] = {}
    breakdown = []
    for (category, rate), positions in sorted(groups.items(), key=_breakdown_order):
        exclusive = [p for p in positions if not lines[p].prices_include_vat]
        inclusive = [p for p in positions if lines[p].prices_include_vat]
        for p in exclusive:
            vat = round_cents(amounts[p] * rate / _HUNDRED) + ZERO
            per_line[p] = LineAmounts(amounts[p], vat, amounts[p] + vat)
        exclusive_net = sum((amounts[p] for p in exclusive), ZERO)
        gross = sum((amounts[p] for p in inclusive), ZERO)
        net = round_cents(gross * _HUNDRED / (_HUNDRED + rate)) + ZERO
        shares = [amounts[p] * _HUNDRED / (_HUNDRED + rate) for p in inclusive]
        for p, line_net in zip(inclusive, _allocate(net, shares), strict=True):
            per_line[p] = LineAmounts(line_net, amounts[p] - line_net, amounts[p])
        vat = round_cents(exclusive_net * rate / _HUNDRED) + (gross - net) + ZERO
        ground = lines[positions[0]].ground
        breakdown.append(VatBreakdown(category, rate, exclusive_net + net, vat, ground))
    net_total = sum((row.taxable_amount for row in breakdown), ZERO)
    vat_total = sum((row.vat_amount for row in breakdown), ZERO)
    return InvoiceTotals(
        lines=tuple(per_line[p] for p in range(len(lines))),
        breakdown=tuple(breakdown),
        net_total=net_total,
        vat_total=vat_total,
        gross_total=net_total + vat_total,
    )


def _breakdown_order(group: tuple[tuple[VatCategory, Decimal], list[int]]) -> tuple[int, Decimal]:
    (category, rate), _ = group
    return _CATEGORY_ORDER.index(category), -rate


def _allocate(total: Decimal, shares: Sequence[Decimal]) -> list[Decimal]:
    """Split a total in cents over exact shares: round each share, then move the remaining
    cents one by one to the shares that rounding moved furthest the other way (largest
    remainder). Symmetric in sign, so a full credit note is the exact negative of its invoice."""
    rounded = [round_cents(share) + ZERO for share in shares]
    missing = int((total - sum(rounded, ZERO)) / CENT)
    if missing:
        step = CENT if missing > 0 else -CENT
        direction = 1 if missing > 0 else -1
        order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - rounded[i]) * direction, i))
        for i in order[: abs(missing)]:
            rounded[i] += step
    return rounded


def _check_categories(lines: Sequence[Line]) -> None:
    """One ground per non-S category (EN 16931 BR-E-01, BR-AE-01, BR-IC-01, BR-G-01, BR-Z-01:
    exactly one breakdown row each); category O stands alone on its invoice (BR-O-11)."""
    seen: dict[VatCategory, VatGround] = {}
    for position, line in enumerate(lines):
        field = f"lines.{position}.vat_ground"
        if line.ground is None:
            continue
        first = seen.setdefault(line.category, line.ground)
        if first != line.ground:
            raise ConflictingVatGrounds(
                field=field, category=line.category.value, first=first.key, second=line.ground.key
            )
    categories = {line.category for line in lines}
    if VatCategory.NOT_SUBJECT_TO_VAT in categories and len(categories) > 1:
        position = next(p for p, line in enumerate(lines) if line.category is not lines[0].category)
        raise NotSubjectToVatMixed(field=f"lines.{position}.category")
