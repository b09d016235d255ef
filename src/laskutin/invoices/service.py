"""Use cases of invoices and credit notes. Keyword-only; nothing here commits.

Every query names the active company (``actor.company_id``) besides row-level security. A
path's invoice of another company is a 404 (:class:`NotFound`), looked up before the role is
checked (api/authz.py: 404 before 403). Changes lock the invoice row (``SELECT ... FOR
UPDATE``) before comparing ``If-Match`` and before changing it.

Issuing takes the next number of the company's series inside the issuing transaction::

    UPDATE number_series SET next_number = next_number + 1
        WHERE company_id = :company AND kind = 'invoice' RETURNING prefix, next_number - 1;

(for the company's first number, when that finds no row: ``INSERT INTO number_series
(company_id, kind) VALUES (:company, 'invoice') ON CONFLICT DO NOTHING`` and the UPDATE again).

The UPDATE's row lock makes concurrent issuers on every replica take turns; a rolled-back
issue gives its number back, so the numbers have no gaps; the unique (company_id, number) of
invoices backs it. Lock order everywhere: the invoice (or credit note), the series row, then
a credit note's original, so issuers and payers never deadlock.

Amounts come only from finnish.lines and finnish.totals (rounding in core.money).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    case,
    delete,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.companies.domain import Permission
from laskutin.companies.models import Company, CompanyBankAccount
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    RuleViolation,
    ValidationFailed,
)
from laskutin.core.money import ZERO, to_decimal
from laskutin.customers.models import Customer
from laskutin.delivery.models import InvoiceSend
from laskutin.finnish import barcode as bank_barcode
from laskutin.finnish.lines import (
    DISCOUNT_PLACES,
    QUANTITY_PLACES,
    UNIT_PRICE_PLACES,
    Line,
    check_line,
    credit_lines,
)
from laskutin.finnish.reference import format_reference
from laskutin.finnish.totals import InvoiceTotals, invoice_totals
from laskutin.finnish.vat import (
    NoVatRateOnDate,
    RateClass,
    VatCategory,
    parse_rate_class,
    parse_vat_category,
    rates_on,
    vat_ground,
)
from laskutin.invoices import domain
from laskutin.invoices.domain import Kind, Status, StatusInputs
from laskutin.invoices.models import Invoice, InvoiceLine
from laskutin.invoices.schemas import (
    CreditNoteLink,
    CreditNoteRequest,
    InvoiceCreate,
    InvoiceDelivery,
    InvoicePreview,
    InvoiceRead,
    InvoiceSummary,
    LineIn,
    LineRead,
    PaymentSummary,
    VatBreakdownRow,
)
from laskutin.jobs.queue import enqueue
from laskutin.payments.models import Payment
from laskutin.products.models import Product

RESOURCE = "invoice"
SERIES_KIND = "invoice"
# Where an invoice without a date sorts: after every date. A literal rather than a bound
# parameter, so that PostgreSQL matches the list's ORDER BY with the expression of the index
# ix_invoices_company_id_list_date (migration 20261206_0012). asyncpg reads 'infinity' back as
# date.max, the value a cursor then carries, and binds date.max as 'infinity' again.
_NO_DATE = literal_column("'infinity'::date", Date)
_NO_NUMBER = 2**63 - 1

# --- errors ----------------------------------------------------------------------------------


class VatRateNotInForce(RuleViolation):
    code = "vat-rate-not-in-force"
    messages = {
        "fi": "Kenttä {field}: verokanta {rate} % ei ole voimassa {day}. Silloin voimassa "
        "olevat verokannat: {rates} % (yleinen verokanta {general} %).",
        "sv": "Fältet {field}: skattesatsen {rate} % gäller inte {day}. Då gällande "
        "skattesatser: {rates} % (allmän skattesats {general} %).",
        "en": "Field {field}: the VAT rate {rate} % is not in force on {day}. The rates in "
        "force then: {rates} % (general rate {general} %).",
    }


class UnknownCustomer(RuleViolation):
    code = "unknown-customer"
    messages = {
        "fi": "Kenttä {field}: asiakasta ei löydy.",
        "sv": "Fältet {field}: kunden finns inte.",
        "en": "Field {field}: no such customer.",
    }


class UnknownProduct(RuleViolation):
    code = "unknown-product"
    messages = {
        "fi": "Kenttä {field}: tuotetta ei löydy.",
        "sv": "Fältet {field}: produkten finns inte.",
        "en": "Field {field}: no such product.",
    }


class LineValueRequired(RuleViolation):
    code = "line-value-required"
    messages = {
        "fi": "Kenttä {field}: anna arvo (tai tuote, jolta se otetaan).",
        "sv": "Fältet {field}: ange ett värde (eller en produkt att ta det från).",
        "en": "Field {field}: give a value (or a product to take it from).",
    }


class InvoiceImmutable(RuleViolation, Conflict):
    code = "invoice-immutable"
    messages = {
        "fi": "Lähetettyä laskua ei voi muuttaa eikä poistaa; tee hyvityslasku.",
        "sv": "En utfärdad faktura kan inte ändras eller tas bort; gör en kreditnota.",
        "en": "Issued invoices are immutable; create a credit note.",
    }


class AlreadyIssued(RuleViolation, Conflict):
    code = "invoice-already-issued"
    messages = {
        "fi": "Lasku on jo laskutettu (numero {number}).",
        "sv": "Fakturan är redan utfärdad (nummer {number}).",
        "en": "The invoice is already issued (number {number}).",
    }


class CreditNoteLinesFixed(RuleViolation):
    code = "credit-note-lines-fixed"
    messages = {
        "fi": "Kenttä {field}: hyvityslaskun rivit ja asiakas tulevat alkuperäiseltä laskulta; "
        "poista luonnos ja tee uusi hyvitys.",
        "sv": "Fältet {field}: kreditnotans rader och kund kommer från den ursprungliga "
        "fakturan; ta bort utkastet och gör en ny kreditering.",
        "en": "Field {field}: a credit note's lines and customer come from the original "
        "invoice; delete the draft and credit again.",
    }


class NotCreditable(RuleViolation, Conflict):
    code = "invoice-not-creditable"
    messages = {
        "fi": "Vain laskutettua laskua voi hyvittää (ei luonnosta eikä hyvityslaskua).",
        "sv": "Bara en utfärdad faktura kan krediteras (inte ett utkast eller en kreditnota).",
        "en": "Only an issued invoice can be credited (not a draft, not a credit note).",
    }


class CreditExceedsRemaining(RuleViolation):
    code = "credit-exceeds-remaining"
    messages = {
        "fi": "Kenttä {field}: hyvitys {amount} € ylittää hyvittämättä olevan osan {remaining} €.",
        "sv": "Fältet {field}: krediteringen {amount} € överstiger den okrediterade delen "
        "{remaining} €.",
        "en": "Field {field}: the credit of {amount} € exceeds what remains un-credited, "
        "{remaining} €.",
    }


class AmountNotPositive(RuleViolation):
    code = "amount-not-positive"
    messages = {
        "fi": "Kenttä {field}: summan on oltava suurempi kuin nolla.",
        "sv": "Fältet {field}: beloppet måste vara större än noll.",
        "en": "Field {field}: the amount must be greater than zero.",
    }


class CreditChoiceAmbiguous(RuleViolation):
    code = "credit-choice-ambiguous"
    messages = {
        "fi": "Kenttä {field}: anna joko rivit tai summa, ei molempia.",
        "sv": "Fältet {field}: ange antingen rader eller ett belopp, inte båda.",
        "en": "Field {field}: give either lines or an amount, not both.",
    }


class BusinessIdMissing(RuleViolation):
    code = "business-id-missing"
    messages = {
        "fi": "Yrityksen Y-tunnus puuttuu: lisää se yrityksen tietoihin ennen laskutusta.",
        "sv": "Företagets FO-nummer saknas: lägg till det i företagets uppgifter först.",
        "en": "The company has no business ID: add it to the company settings first.",
    }


class BankAccountMissing(RuleViolation):
    code = "bank-account-missing"
    messages = {
        "fi": "Yrityksellä ei ole pankkitiliä: lisää tili yrityksen tietoihin ennen laskutusta.",
        "sv": "Företaget har inget bankkonto: lägg till ett i företagets uppgifter först.",
        "en": "The company has no bank account: add one to the company settings first.",
    }


class NoLines(RuleViolation):
    code = "invoice-has-no-lines"
    messages = {
        "fi": "Laskulla ei ole yhtään riviä.",
        "sv": "Fakturan har inga rader.",
        "en": "The invoice has no lines.",
    }


class CustomerArchived(RuleViolation):
    code = "customer-archived"
    messages = {
        "fi": "Asiakas on arkistoitu: valitse toinen asiakas.",
        "sv": "Kunden är arkiverad: välj en annan kund.",
        "en": "The customer is archived: choose another customer.",
    }


class NotIssuable(ValidationFailed):
    """Everything that keeps a draft from being issued, each naming its field (422)."""

    def __init__(self, violations: Sequence[tuple[str, RuleViolation]]) -> None:
        self.violations = list(violations)
        super().__init__(self.localised("en"))

    def localised(self, language: str) -> list[FieldError]:
        return [FieldError(field, v.code, v.message(language)) for field, v in self.violations]


# --- status in SQL ---------------------------------------------------------------------------


def _balance_sql(c: Any) -> ColumnElement[Decimal]:
    result: ColumnElement[Decimal] = c.total - c.paid_amount - c.credited_amount
    return result


def _status_parts(c: Any, today: dt.date) -> dict[Status, ColumnElement[bool]]:
    """One SQL predicate per status over the stored columns ``c`` (the Invoice model, or any
    selectable's ``.c`` with the same names); exactly one holds for every row (domain.py)."""
    issued = c.state == "issued"
    note = and_(issued, c.kind == Kind.CREDIT_NOTE.value)
    invoice = and_(issued, c.kind == Kind.INVOICE.value)
    left = _balance_sql(c)
    credited = and_(c.credited_amount > 0, c.credited_amount >= c.total)
    open_ = and_(invoice, ~credited, left > 0)
    past_due = and_(c.due_date.is_not(None), c.due_date < today)
    not_due = or_(c.due_date.is_(None), c.due_date >= today)
    unpaid_open = and_(open_, not_due, c.paid_amount <= 0)
    return {
        Status.DRAFT: c.state == "draft",
        Status.CREDITED: and_(invoice, credited),
        Status.PAID: and_(invoice, ~credited, left <= 0),
        Status.OVERDUE: and_(open_, past_due),
        Status.PARTIALLY_PAID: and_(open_, not_due, c.paid_amount > 0),
        Status.SENT: or_(
            and_(note, c.sent_at.is_not(None)), and_(unpaid_open, c.sent_at.is_not(None))
        ),
        Status.ISSUED: or_(and_(note, c.sent_at.is_(None)), and_(unpaid_open, c.sent_at.is_(None))),
    }


def status_condition(status: Status, c: Any, today: dt.date) -> ColumnElement[bool]:
    """The SQL predicate "this row has ``status``" (for list filters)."""
    return _status_parts(c, today)[status]


def status_sql(c: Any, today: dt.date) -> ColumnElement[str]:
    """The status as one SQL CASE expression, in domain.derive_status's priority."""
    issued = c.state == "issued"
    return case(
        (c.state == "draft", literal(Status.DRAFT.value)),
        (and_(issued, c.kind == Kind.CREDIT_NOTE.value, c.sent_at.is_not(None)), "sent"),
        (c.kind == Kind.CREDIT_NOTE.value, "issued"),
        (and_(c.credited_amount > 0, c.credited_amount >= c.total), "credited"),
        (_balance_sql(c) <= 0, "paid"),
        (and_(c.due_date.is_not(None), c.due_date < today), "overdue"),
        (c.paid_amount > 0, "partially_paid"),
        (c.sent_at.is_not(None), "sent"),
        else_="issued",
    )


def status_of(invoice: Invoice, today: dt.date) -> Status:
    return domain.derive_status(
        StatusInputs(
            kind=invoice.kind,
            state=invoice.state,
            total=invoice.total,
            paid_amount=invoice.paid_amount,
            credited_amount=invoice.credited_amount,
            due_date=invoice.due_date,
            sent_at=invoice.sent_at,
        ),
        today,
    )


# --- lines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BuiltLine:
    """A line ready for the totals, with what the invoice prints besides the amounts."""

    line: Line
    description: str
    unit: str | None
    product_id: uuid.UUID | None = None
    original_position: int | None = None


def _rates_in_force(day: dt.date, field: str) -> dict[RateClass, Decimal]:
    try:
        return rates_on(day)
    except NoVatRateOnDate as exc:
        raise NoVatRateOnDate(**{**exc.params, "field": field}) from None


def check_rate_in_force(
    rate: Decimal, day: dt.date, field: str, rate_class: RateClass | None = None
) -> RateClass:
    """Refuse a standard rate not in force on the tax point, naming those that are; the rate
    class the rate belongs to (``rate_class`` when it has that rate)."""
    in_force = _rates_in_force(day, field)
    if rate_class is not None and in_force.get(rate_class) == rate:
        return rate_class
    for cls, value in in_force.items():
        if value == rate:
            return cls
    distinct = sorted(set(in_force.values()), reverse=True)
    raise VatRateNotInForce(
        field=field,
        rate=domain.rate_text(rate),
        day=day.isoformat(),
        rates=", ".join(domain.rate_text(r) for r in distinct),
        general=domain.rate_text(in_force[RateClass.GENERAL]),
    )


def _product_name(product: Product, language: str) -> str | None:
    names = product.names or {}
    for key in (language, "fi", "en", "sv"):
        value = names.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def build_lines(
    lines: Sequence[LineIn],
    *,
    products: Mapping[uuid.UUID, Product],
    tax_point: dt.date,
    date_field: str,
    language: str,
    prices_include_vat: bool,
) -> list[BuiltLine]:
    """Parse and check a draft's lines (fields ``lines.N.*``), filling from products."""
    built = []
    for position, given in enumerate(lines):
        at = f"lines.{position}."
        product = None
        if given.product_id is not None:
            product = products.get(given.product_id)
            if product is None:
                raise UnknownProduct(field=at + "product_id")
        description = given.description
        if description is None and product is not None:
            description = _product_name(product, language)
        if not description:
            raise LineValueRequired(field=at + "description")
        price = given.unit_price
        if price is None and product is not None:
            price = product.unit_price
        if price is None:
            raise LineValueRequired(field=at + "unit_price")
        category = parse_vat_category(
            given.vat_category or (product.vat_category if product else "S"),
            field=at + "vat_category",
        )
        ground_key = given.vat_ground
        if ground_key is None and product is not None and product.vat_category == category:
            ground_key = product.vat_ground
        ground = vat_ground(category, ground_key, field=at + "vat_ground")
        rate_class: RateClass | None = None
        if category is VatCategory.STANDARD:
            product_class = None
            if product is not None and product.rate_class:
                product_class = parse_rate_class(product.rate_class, field=at + "product_id")
            if given.vat_rate is None:
                in_force = _rates_in_force(tax_point, date_field)
                rate_class = product_class or RateClass.GENERAL
                rate = in_force[rate_class]
            else:
                rate = to_decimal(given.vat_rate, field=at + "vat_rate")
                rate_class = check_rate_in_force(rate, tax_point, at + "vat_rate", product_class)
        else:
            rate = (
                ZERO
                if given.vat_rate is None
                else to_decimal(given.vat_rate, field=at + "vat_rate")
            )
        line = Line(
            quantity=to_decimal(given.quantity, field=at + "quantity", max_places=QUANTITY_PLACES),
            unit_price=to_decimal(
                price, field=at + "unit_price", max_places=UNIT_PRICE_PLACES, allow_negative=False
            ),
            vat_rate=rate,
            tax_point=tax_point,
            category=category,
            discount_percent=to_decimal(
                given.discount_percent, field=at + "discount_percent", max_places=DISCOUNT_PLACES
            ),
            prices_include_vat=prices_include_vat,
            ground=ground,
            rate_class=rate_class,
        )
        check_line(line, position)
        unit = given.unit if given.unit is not None else (product.unit if product else None)
        built.append(BuiltLine(line, description, unit, given.product_id))
    return built


def _line_from_row(row: InvoiceLine, prices_include_vat: bool, tax_point: dt.date) -> Line:
    category = VatCategory(row.vat_category)
    return Line(
        quantity=row.quantity,
        unit_price=row.unit_price,
        vat_rate=row.vat_rate,
        tax_point=tax_point,
        category=category,
        discount_percent=row.discount_percent,
        prices_include_vat=prices_include_vat,
        ground=vat_ground(category, row.vat_ground) if row.vat_ground else None,
        rate_class=RateClass(row.rate_class) if row.rate_class else None,
    )


def rebuild_lines(
    rows: Sequence[InvoiceLine], invoice: Invoice, *, tax_point: dt.date | None
) -> list[BuiltLine]:
    """A saved draft's lines again: an invoice's on a (possibly new) tax point, its standard
    rates checked to be in force then; a credit note's with the tax points they keep."""
    built = []
    for row in rows:
        point = tax_point if tax_point is not None else (row.tax_point or clock.today())
        line = _line_from_row(row, invoice.prices_include_vat, point)
        if tax_point is not None and line.category is VatCategory.STANDARD:
            check_rate_in_force(
                line.vat_rate, point, f"lines.{row.position}.vat_rate", line.rate_class
            )
        built.append(
            BuiltLine(line, row.description, row.unit, row.product_id, row.original_position)
        )
    return built


def compute_totals(built: Sequence[BuiltLine], *, credit_note: bool = False) -> InvoiceTotals:
    """finnish.totals over the lines; a field named ``.category`` there is ``.vat_category``
    in this API."""
    try:
        return invoice_totals([b.line for b in built], credit_note=credit_note)
    except RuleViolation as exc:
        field = exc.params.get("field")
        if isinstance(field, str) and field.endswith(".category"):
            renamed = field[: -len("category")] + "vat_category"
            raise type(exc)(**{**exc.params, "field": renamed}) from None
        raise


def _breakdown_json(totals: InvoiceTotals, language: str) -> list[dict[str, Any]]:
    return [
        {
            "vat_category": row.category.value,
            "vat_rate": domain.rate_text(row.rate),
            "taxable_amount": str(row.taxable_amount),
            "vat_amount": str(row.vat_amount),
            "vat_ground": row.ground.key if row.ground else None,
            "note": row.note(language),
        }
        for row in totals.breakdown
    ]


def _line_rows(
    invoice: Invoice, built: Sequence[BuiltLine], totals: InvoiceTotals
) -> list[InvoiceLine]:
    return [
        InvoiceLine(
            invoice_id=invoice.id,
            position=position,
            company_id=invoice.company_id,
            product_id=b.product_id,
            original_position=b.original_position,
            description=b.description,
            quantity=b.line.quantity,
            unit=b.unit,
            unit_price=b.line.unit_price,
            discount_percent=b.line.discount_percent,
            vat_rate=b.line.vat_rate,
            vat_category=b.line.category.value,
            rate_class=b.line.rate_class.value if b.line.rate_class else None,
            vat_ground=b.line.ground.key if b.line.ground else None,
            tax_point=b.line.tax_point,
            net_amount=amounts.net,
            vat_amount=amounts.vat,
            gross_amount=amounts.gross,
        )
        for position, (b, amounts) in enumerate(zip(built, totals.lines, strict=True))
    ]


_LINE_FIELDS = tuple(column.key for column in sa_inspect(InvoiceLine).column_attrs)


def _same_lines(stored: Sequence[InvoiceLine], new: Sequence[InvoiceLine]) -> bool:
    return len(stored) == len(new) and all(
        getattr(old, name) == getattr(row, name)
        for old, row in zip(stored, new, strict=True)
        for name in _LINE_FIELDS
    )


async def _replace_lines(
    session: AsyncSession,
    invoice: Invoice,
    built: Sequence[BuiltLine],
    *,
    stored: Sequence[InvoiceLine] | None = None,
) -> bool:
    """Write the lines and the invoice's totals; True when the lines were written. With
    ``stored`` (the lines as read in this transaction), lines equal to them are kept as
    they are instead of being deleted and inserted again."""
    totals = compute_totals(built, credit_note=invoice.kind == Kind.CREDIT_NOTE)
    rows = _line_rows(invoice, built, totals)
    invoice.net_total = totals.net_total
    invoice.vat_total = totals.vat_total
    invoice.total = totals.gross_total
    invoice.vat_breakdown = _breakdown_json(totals, invoice.language)
    if stored is not None and _same_lines(stored, rows):
        return False
    await session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    session.add_all(rows)
    return True


# --- reading ---------------------------------------------------------------------------------


def _line_read(row: InvoiceLine) -> LineRead:
    return LineRead(
        position=row.position,
        product_id=row.product_id,
        original_position=row.original_position,
        description=row.description,
        quantity=row.quantity,
        unit=row.unit,
        unit_price=row.unit_price,
        discount_percent=row.discount_percent,
        vat_rate=domain.rate_text(row.vat_rate),
        vat_category=row.vat_category,
        vat_ground=row.vat_ground,
        tax_point=row.tax_point,
        net_amount=row.net_amount,
        vat_amount=row.vat_amount,
        gross_amount=row.gross_amount,
    )


def _printed_reference(reference: str | None) -> str | None:
    return format_reference(reference) if reference else None


def invoice_read(
    invoice: Invoice,
    *,
    lines: Sequence[InvoiceLine],
    payments: Sequence[Payment],
    credit_notes: Sequence[Invoice],
    today: dt.date,
    delivery: InvoiceSend | None = None,
) -> InvoiceRead:
    seller = invoice.seller
    return InvoiceRead(
        id=invoice.id,
        kind=Kind(invoice.kind),
        number=invoice.number,
        status=status_of(invoice, today),
        customer_id=invoice.customer_id,
        invoice_date=invoice.invoice_date,
        delivery_date=invoice.delivery_date,
        due_date=invoice.due_date,
        payment_terms_days=invoice.payment_terms_days,
        reference=_printed_reference(invoice.reference),
        reference_machine=invoice.reference,
        buyer_reference=invoice.buyer_reference,
        order_reference=invoice.order_reference,
        notes=invoice.notes,
        language=invoice.language,
        currency=invoice.currency,
        prices_include_vat=invoice.prices_include_vat,
        net_total=invoice.net_total,
        vat_total=invoice.vat_total,
        total=invoice.total,
        vat_breakdown=[VatBreakdownRow.model_validate(r) for r in invoice.vat_breakdown],
        bank_barcode=invoice.bank_barcode,
        lines=[_line_read(row) for row in lines],
        paid_amount=invoice.paid_amount,
        credited_amount=invoice.credited_amount,
        balance=domain.balance(invoice.total, invoice.paid_amount, invoice.credited_amount),
        overpaid_amount=domain.overpaid_amount(
            invoice.total, invoice.paid_amount, invoice.credited_amount
        ),
        last_payment_date=invoice.last_payment_date,
        penalty_interest=seller.get("penalty_interest") if seller else None,
        seller=seller,
        buyer=invoice.buyer,
        credited_invoice_id=invoice.credited_invoice_id,
        credit_notes=[
            CreditNoteLink(
                id=note.id, number=note.number, status=status_of(note, today), total=note.total
            )
            for note in credit_notes
        ],
        payments=[
            PaymentSummary(id=p.id, payment_date=p.payment_date, amount=p.amount) for p in payments
        ],
        sent_at=invoice.sent_at,
        delivery=None if delivery is None else _delivery_read(delivery),
        issued_at=invoice.issued_at,
        issued_by=invoice.issued_by,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


def _delivery_read(send: InvoiceSend) -> InvoiceDelivery:
    return InvoiceDelivery(
        send_id=send.id,
        channel=send.channel,
        state=send.state,
        recipients=list(send.recipients),
        attempts=send.attempts,
        last_error=send.last_error,
        requested_at=send.created_at,
        sent_at=send.sent_at,
    )


async def latest_send(session: AsyncSession, invoice: Invoice) -> InvoiceSend | None:
    """The invoice's newest send request (laskutin.delivery), if it was ever sent."""
    return await session.scalar(
        select(InvoiceSend)
        .where(InvoiceSend.company_id == invoice.company_id, InvoiceSend.invoice_id == invoice.id)
        .order_by(InvoiceSend.created_at.desc(), InvoiceSend.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def find_invoice(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, lock: bool = False
) -> Invoice:
    """The active company's invoice (fresh from the database), or NotFound."""
    statement = (
        select(Invoice)
        .where(Invoice.company_id == actor.company_id, Invoice.id == invoice_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update()
    invoice = await session.scalar(statement)
    if invoice is None:
        raise NotFound()
    return invoice


async def _lines_of(session: AsyncSession, invoice: Invoice) -> list[InvoiceLine]:
    rows = await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id)
        .order_by(InvoiceLine.position)
        .execution_options(populate_existing=True)
    )
    return list(rows)


async def read_invoice(
    session: AsyncSession,
    invoice: Invoice,
    *,
    fresh: bool = False,
    lines: Sequence[InvoiceLine] | None = None,
    unsettled: bool = False,
) -> InvoiceRead:
    """The whole invoice as the API shows it (lines, payments, credit notes).

    What the caller knows spares queries: ``fresh``, the invoice was just read from the
    database and has not changed since (else it is written and read back); ``lines``, its
    lines as read in this transaction, unchanged since; ``unsettled``, it was a draft when it
    was locked in this transaction, so it has no payments and no credit notes (both need an
    issued invoice, and lock it first)."""
    if not fresh:
        await session.flush()
        await session.refresh(invoice)
    if lines is None:
        lines = await _lines_of(session, invoice)
    payments: list[Payment] = []
    notes: list[Invoice] = []
    if not unsettled:
        payments = list(
            await session.scalars(
                select(Payment)
                .where(Payment.company_id == invoice.company_id, Payment.invoice_id == invoice.id)
                .order_by(Payment.payment_date, Payment.created_at, Payment.id)
            )
        )
        notes = list(
            await session.scalars(
                select(Invoice)
                .where(
                    Invoice.company_id == invoice.company_id,
                    Invoice.credited_invoice_id == invoice.id,
                )
                .order_by(Invoice.created_at, Invoice.id)
            )
        )
    return invoice_read(
        invoice,
        lines=lines,
        payments=payments,
        credit_notes=notes,
        today=clock.today(),
        delivery=await latest_send(session, invoice),
    )


async def get_invoice(session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID) -> InvoiceRead:
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return await read_invoice(session, invoice, fresh=True)


# --- drafts ----------------------------------------------------------------------------------


async def _customer(
    session: AsyncSession, actor: Actor, customer_id: uuid.UUID, field: str = "customer_id"
) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.company_id == actor.company_id, Customer.id == customer_id)
    )
    if customer is None:
        raise UnknownCustomer(field=field)
    return customer


async def _products(
    session: AsyncSession, actor: Actor, lines: Iterable[LineIn]
) -> dict[uuid.UUID, Product]:
    ids = {line.product_id for line in lines if line.product_id is not None}
    if not ids:
        return {}
    rows = await session.scalars(
        select(Product).where(Product.company_id == actor.company_id, Product.id.in_(ids))
    )
    return {row.id: row for row in rows}


def _tax_point(invoice_date: dt.date | None, delivery_date: dt.date | None) -> tuple[dt.date, str]:
    """The tax point for rate checks and the field it came from (a draft without dates: today
    in Europe/Helsinki, re-checked at issue)."""
    if delivery_date is not None:
        return delivery_date, "delivery_date"
    if invoice_date is not None:
        return invoice_date, "invoice_date"
    return clock.today(), "invoice_date"


async def _built_from_input(
    session: AsyncSession,
    actor: Actor,
    lines: Sequence[LineIn],
    *,
    invoice_date: dt.date | None,
    delivery_date: dt.date | None,
    language: str,
    prices_include_vat: bool,
) -> list[BuiltLine]:
    point, date_field = _tax_point(invoice_date, delivery_date)
    return build_lines(
        lines,
        products=await _products(session, actor, lines),
        tax_point=point,
        date_field=date_field,
        language=language,
        prices_include_vat=prices_include_vat,
    )


async def preview(session: AsyncSession, *, actor: Actor, data: InvoiceCreate) -> InvoicePreview:
    """Lines, totals and breakdown of a would-be draft; nothing is saved."""
    customer = await _customer(session, actor, data.customer_id)
    language = data.language or customer.language
    built = await _built_from_input(
        session,
        actor,
        data.lines,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        language=language,
        prices_include_vat=data.prices_include_vat,
    )
    totals = compute_totals(built)
    point, _ = _tax_point(data.invoice_date, data.delivery_date)
    rows = _line_rows(Invoice(id=uuid.uuid4(), company_id=actor.company_id), built, totals)
    return InvoicePreview(
        language=language,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        tax_point=point,
        prices_include_vat=data.prices_include_vat,
        lines=[_line_read(row) for row in rows],
        net_total=totals.net_total,
        vat_total=totals.vat_total,
        total=totals.gross_total,
        vat_breakdown=[
            VatBreakdownRow.model_validate(r) for r in _breakdown_json(totals, language)
        ],
    )


async def create_draft(session: AsyncSession, *, actor: Actor, data: InvoiceCreate) -> InvoiceRead:
    require(actor, Permission.WRITE)
    customer = await _customer(session, actor, data.customer_id)
    language = data.language or customer.language
    built = await _built_from_input(
        session,
        actor,
        data.lines,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        language=language,
        prices_include_vat=data.prices_include_vat,
    )
    invoice = Invoice(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        kind=Kind.INVOICE.value,
        state="draft",
        customer_id=customer.id,
        invoice_date=data.invoice_date,
        delivery_date=data.delivery_date,
        buyer_reference=data.buyer_reference,
        order_reference=data.order_reference,
        notes=data.notes,
        language=language,
        currency="EUR",
        prices_include_vat=data.prices_include_vat,
    )
    session.add(invoice)
    await session.flush()
    await _replace_lines(session, invoice, built)
    await audit.record(
        session, resource_type=RESOURCE, resource_id=invoice.id, action="created", actor=actor
    )
    return await read_invoice(session, invoice)


def _authorise_change(actor: Actor, invoice: Invoice) -> None:
    require(actor, Permission.WRITE)
    if invoice.state != "draft":
        raise InvoiceImmutable()


async def update_draft(
    session: AsyncSession,
    *,
    actor: Actor,
    invoice_id: uuid.UUID,
    changes: Mapping[str, Any],
    lines: Sequence[LineIn] | None,
    if_match: str | None,
) -> InvoiceRead:
    """Change a draft: the fields in ``changes``; ``lines`` (when given) replace all lines.
    Dates or the price basis changing re-check and recompute the lines."""
    from laskutin.api.etag import check_if_match, etag_of

    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    before = await read_invoice(session, invoice)
    check_if_match(if_match, etag_of(before))
    _authorise_change(actor, invoice)
    credit_note = invoice.kind == Kind.CREDIT_NOTE
    if credit_note:
        for field in ("customer_id", "prices_include_vat", "delivery_date"):
            if field in changes:
                raise CreditNoteLinesFixed(field=field)
        if lines is not None:
            raise CreditNoteLinesFixed(field="lines")
    if changes.get("customer_id") is not None:
        customer = await _customer(session, actor, changes["customer_id"])
        invoice.customer_id = customer.id
    for field in ("invoice_date", "delivery_date", "buyer_reference", "order_reference", "notes"):
        if field in changes:
            setattr(invoice, field, changes[field])
    if changes.get("prices_include_vat") is not None:
        invoice.prices_include_vat = changes["prices_include_vat"]
    if changes.get("language") is not None:
        invoice.language = changes["language"]
    if lines is not None:
        built = await _built_from_input(
            session,
            actor,
            lines,
            invoice_date=invoice.invoice_date,
            delivery_date=invoice.delivery_date,
            language=invoice.language,
            prices_include_vat=invoice.prices_include_vat,
        )
        await _replace_lines(session, invoice, built)
    else:
        rows = await _lines_of(session, invoice)
        point = None if credit_note else _tax_point(invoice.invoice_date, invoice.delivery_date)[0]
        await _replace_lines(session, invoice, rebuild_lines(rows, invoice, tax_point=point))
    invoice.updated_at = clock.now()
    after = await read_invoice(session, invoice)
    changed = audit.diff(
        before.model_dump(mode="json", exclude={"updated_at", "status"}),
        after.model_dump(mode="json", exclude={"updated_at", "status"}),
    )
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action="updated",
        actor=actor,
        changes=changed,
    )
    return after


async def delete_draft(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, if_match: str | None
) -> None:
    from laskutin.api.etag import check_if_match, etag_of

    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    check_if_match(if_match, etag_of(await read_invoice(session, invoice)))
    _authorise_change(actor, invoice)
    await session.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    await session.delete(invoice)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice_id,
        action="deleted",
        actor=actor,
        changes={"kind": invoice.kind},
    )


# --- issuing ---------------------------------------------------------------------------------


_TAKE_NUMBER = text(
    "UPDATE number_series SET next_number = next_number + 1 "
    "WHERE company_id = :company_id AND kind = :kind "
    "RETURNING prefix, next_number - 1 AS sequence_number"
)
_MAKE_SERIES = text(
    "INSERT INTO number_series (company_id, kind) VALUES (:company_id, :kind) "
    "ON CONFLICT DO NOTHING"
)


_TAKE_NUMBER = text(
    "UPDATE number_series SET next_number = next_number + 1 "
    "WHERE company_id = :company_id AND kind = :kind "
    "RETURNING prefix, next_number - 1 AS sequence_number"
)
_MAKE_SERIES = text(
    "INSERT INTO number_series (company_id, kind) VALUES (:company_id, :kind) "
    "ON CONFLICT DO NOTHING"
)


async def next_number(session: AsyncSession, *, company_id: uuid.UUID) -> tuple[str, int]:
    """The next number of the company's invoice series (prefix + sequence number), under the
    series row's lock until the transaction ends (module docstring)."""
    params = {"company_id": company_id, "kind": SERIES_KIND}
    row = (await session.execute(_TAKE_NUMBER, params)).one_or_none()
    if row is None:  # the company's first number: make its series, then take from it
        await session.execute(_MAKE_SERIES, params)
        row = (await session.execute(_TAKE_NUMBER, params)).one()
    prefix, sequence = row
    return f"{prefix}{sequence}", int(sequence)


def seller_snapshot(
    company: Company, accounts: Sequence[CompanyBankAccount], language: str
) -> dict[str, Any]:
    percent = company.penalty_interest_percent
    return {
        "name": company.name,
        "business_id": company.business_id,
        "vat_number": company.vat_number,
        "street_address": company.street_address,
        "postal_code": company.postal_code,
        "city": company.city,
        "country_code": company.country_code,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "bank_accounts": [{"iban": a.iban, "bic": a.bic} for a in accounts],
        "penalty_interest_percent": None if percent is None else str(percent),
        "penalty_interest": domain.penalty_interest_text(percent, language),
        "einvoice_address": company.einvoice_address,
        "einvoice_operator": company.einvoice_operator,
    }


def buyer_snapshot(customer: Customer) -> dict[str, Any]:
    return {
        "customer_number": customer.customer_number,
        "kind": customer.kind,
        "name": customer.name,
        "business_id": customer.business_id,
        "vat_number": customer.vat_number,
        "email": customer.email,
        "phone": customer.phone,
        "contact_person": customer.contact_person,
        "language": customer.language,
        "street_address": customer.billing_street,
        "postal_code": customer.billing_postal_code,
        "city": customer.billing_city,
        "country_code": customer.billing_country,
        "delivery_name": customer.delivery_name,
        "delivery_street": customer.delivery_street,
        "delivery_postal_code": customer.delivery_postal_code,
        "delivery_city": customer.delivery_city,
        "delivery_country": customer.delivery_country,
        "einvoice_address": customer.einvoice_address,
        "einvoice_operator": customer.einvoice_operator,
    }


def _barcode(iban: str, total: Decimal, reference: str, due: dt.date) -> str | None:
    """The virtual barcode, or None where none can be printed (a foreign IBAN, a date out of
    the barcode's range)."""
    try:
        return bank_barcode.compose_virtual_barcode(
            iban=iban, amount=total, reference=reference, due_date=due
        )
    except RuleViolation:
        return None


async def _seller(session: AsyncSession, actor: Actor) -> tuple[Company, list[CompanyBankAccount]]:
    """The active company and its bank accounts in order, in one query."""
    rows = (
        await session.execute(
            select(Company, CompanyBankAccount)
            .outerjoin(CompanyBankAccount, CompanyBankAccount.company_id == Company.id)
            .where(Company.id == actor.company_id)
            .order_by(CompanyBankAccount.position)
        )
    ).all()
    assert rows
    return rows[0][0], [account for _, account in rows if account is not None]


async def issue(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, invoice_date: dt.date | None
) -> InvoiceRead:
    """Number, date, reference, snapshots and totals; then the invoice is frozen."""
    invoice = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    if invoice.state != "draft":
        raise AlreadyIssued(number=invoice.number)
    credit_note = invoice.kind == Kind.CREDIT_NOTE
    company, accounts = await _seller(session, actor)
    customer = await _customer(session, actor, invoice.customer_id)
    rows = await _lines_of(session, invoice)
    missing: list[tuple[str, RuleViolation]] = []
    if not company.business_id:
        missing.append(("company.business_id", BusinessIdMissing()))
    if not accounts:
        missing.append(("company.bank_accounts", BankAccountMissing()))
    if not rows:
        missing.append(("lines", NoLines()))
    if customer.archived_at is not None and not credit_note:
        missing.append(("customer_id", CustomerArchived()))
    if missing:
        raise NotIssuable(missing)
    day = invoice_date or invoice.invoice_date or clock.today()
    invoice.invoice_date = day
    point = None if credit_note else _tax_point(day, invoice.delivery_date)[0]
    built = rebuild_lines(rows, invoice, tax_point=point)
    rewritten = await _replace_lines(session, invoice, built, stored=rows)
    if rewritten:
        await session.flush()  # before the series row is locked: it is held until the commit
    number, sequence = await next_number(session, company_id=actor.company_id)
    terms = (
        0
        if credit_note
        else (
            customer.payment_terms_days
            if customer.payment_terms_days is not None
            else company.payment_terms_days
        )
    )
    invoice.number = number
    invoice.sequence_number = sequence
    invoice.payment_terms_days = terms
    invoice.due_date = domain.due_date(day, terms)
    invoice.reference = domain.invoice_reference(sequence, company.reference_type)
    invoice.penalty_interest_percent = company.penalty_interest_percent
    invoice.seller = seller_snapshot(company, accounts, invoice.language)
    invoice.buyer = buyer_snapshot(customer)
    invoice.bank_barcode = (
        None
        if credit_note
        else _barcode(accounts[0].iban, invoice.total, invoice.reference, invoice.due_date)
    )
    invoice.state = "issued"
    invoice.issued_at = clock.now()
    invoice.issued_by = actor.user_id
    invoice.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=invoice.id,
        action="issued",
        actor=actor,
        changes={"number": number, "invoice_date": day.isoformat(), "total": str(invoice.total)},
    )
    if credit_note:
        assert invoice.credited_invoice_id is not None
        original = await find_invoice(
            session, actor=actor, invoice_id=invoice.credited_invoice_id, lock=True
        )
        amount = -invoice.total
        remaining = original.total - original.credited_amount
        if amount > remaining:
            raise CreditExceedsRemaining(field="lines", amount=amount, remaining=remaining)
        original.credited_amount += amount
        original.updated_at = clock.now()
        await session.flush()
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=original.id,
            action="credited",
            actor=actor,
            changes={"credit_note_id": str(invoice.id), "number": number, "amount": str(amount)},
        )
    # Render and store the PDF now (documents.tasks), so the first download needs no render.
    await enqueue(
        session,
        "documents.render_pdf",
        company_id=str(actor.company_id),
        invoice_id=str(invoice.id),
        user_id=str(actor.user_id),
    )
    return await read_invoice(session, invoice, lines=None if rewritten else rows, unsettled=True)


# --- credit notes ----------------------------------------------------------------------------


_CREDIT_TEXT = {
    "fi": "Hyvitys laskulle {number}",
    "sv": "Kreditering av faktura {number}",
    "en": "Credit for invoice {number}",
}


def amount_credit_lines(
    amount: Decimal,
    breakdown: Sequence[Mapping[str, Any]],
    rows: Sequence[InvoiceLine],
    description: str,
) -> list[BuiltLine]:
    """An amount credit: one VAT-inclusive line per VAT breakdown row of the original, the
    gross amount split in proportion to each row's gross (domain.split_amount)."""
    weights = [Decimal(r["taxable_amount"]) + Decimal(r["vat_amount"]) for r in breakdown]
    parts = domain.split_amount(amount, weights)
    built = []
    for row, part in zip(breakdown, parts, strict=True):
        if part == 0:
            continue
        category = VatCategory(row["vat_category"])
        rate = Decimal(row["vat_rate"])
        source = next(r for r in rows if r.vat_category == category.value and r.vat_rate == rate)
        line = Line(
            quantity=Decimal(-1),
            unit_price=part,
            vat_rate=rate,
            tax_point=source.tax_point or clock.today(),
            category=category,
            prices_include_vat=True,
            ground=vat_ground(category, row["vat_ground"]) if row["vat_ground"] else None,
            rate_class=RateClass(source.rate_class) if source.rate_class else None,
        )
        built.append(BuiltLine(line, description, None))
    return built


async def create_credit_note(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, data: CreditNoteRequest
) -> InvoiceRead:
    """A draft credit note for an issued invoice: all of it, chosen lines, or an amount."""
    original = await find_invoice(session, actor=actor, invoice_id=invoice_id, lock=True)
    require(actor, Permission.WRITE)
    if original.state != "issued" or original.kind != Kind.INVOICE:
        raise NotCreditable()
    if data.lines is not None and data.amount is not None:
        raise CreditChoiceAmbiguous(field="amount")
    rows = await _lines_of(session, original)
    description = _CREDIT_TEXT.get(original.language, _CREDIT_TEXT["en"]).format(
        number=original.number
    )
    remaining = original.total - original.credited_amount
    prices_include_vat = original.prices_include_vat
    if data.amount is not None:
        amount = to_decimal(data.amount, field="amount")
        if amount <= 0:
            raise AmountNotPositive(field="amount")
        if amount > remaining:
            raise CreditExceedsRemaining(field="amount", amount=amount, remaining=remaining)
        built = amount_credit_lines(amount, original.vat_breakdown, rows, description)
        prices_include_vat = True
    else:
        originals = [
            _line_from_row(row, original.prices_include_vat, row.tax_point or clock.today())
            for row in rows
        ]
        quantities = None
        if data.lines is not None:
            quantities = {chosen.position: chosen.quantity for chosen in data.lines}
        credited = credit_lines(originals, quantities)
        positions = sorted(quantities) if quantities is not None else list(range(len(rows)))
        built = [
            BuiltLine(
                line,
                rows[p].description,
                rows[p].unit,
                rows[p].product_id,
                original_position=p,
            )
            for line, p in zip(credited, positions, strict=True)
        ]
        field = "lines" if data.lines is not None else "body"
        total = -compute_totals(built, credit_note=True).gross_total
        if total > remaining:
            raise CreditExceedsRemaining(field=field, amount=total, remaining=remaining)
    note = Invoice(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        kind=Kind.CREDIT_NOTE.value,
        state="draft",
        customer_id=original.customer_id,
        credited_invoice_id=original.id,
        buyer_reference=original.buyer_reference,
        order_reference=original.order_reference,
        notes=data.notes if data.notes is not None else description,
        language=original.language,
        currency=original.currency,
        prices_include_vat=prices_include_vat,
    )
    session.add(note)
    await session.flush()
    await _replace_lines(session, note, built)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=note.id,
        action="created",
        actor=actor,
        changes={"credited_invoice_id": str(original.id)},
    )
    return await read_invoice(session, note)


# --- lists -----------------------------------------------------------------------------------

SortName = Literal["invoice_date", "number", "due_date", "total", "created_at"]
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")  # until the commit

SORTS: dict[str, Sort] = {
    # Drafts without a date first, then newest first.
    "invoice_date": Sort(
        "invoices:invoice_date",
        [
            (func.coalesce(Invoice.invoice_date, _NO_DATE), "desc"),
            (Invoice.id, "desc"),
        ],
    ),
    # Highest number first; drafts (no number) first.
    "number": Sort(
        "invoices:number",
        [(func.coalesce(Invoice.sequence_number, _NO_NUMBER), "desc"), (Invoice.id, "desc")],
    ),
    # Soonest due first; drafts (no due date) last.
    "due_date": Sort(
        "invoices:due_date",
        [
            (func.coalesce(Invoice.due_date, _NO_DATE), "asc"),
            (Invoice.id, "asc"),
        ],
    ),
    "total": Sort("invoices:total", [(Invoice.total, "desc"), (Invoice.id, "desc")]),
    "created_at": Sort("invoices:created_at", [(Invoice.created_at, "desc"), (Invoice.id, "desc")]),
}
# SORTS["invoice_date"] when every listed invoice has a date (a date filter): the same order and
# cursors, on the date itself, so that the index (company_id, invoice_date, id) reads just the
# range in order (the sort expression's index can only filter: row-level security keeps
# coalesce() out of index conditions).
_DATED = Sort("invoices:invoice_date", [(Invoice.invoice_date, "desc"), (Invoice.id, "desc")])


@dataclass(frozen=True)
class ListFilters:
    statuses: Sequence[Status] = ()
    customer_id: uuid.UUID | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    overdue: bool | None = None
    q: str | None = None
    updated_since: dt.datetime | None = None
    kind: Kind | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_invoices(
    session: AsyncSession,
    *,
    actor: Actor,
    filters: ListFilters,
    sort: SortName,
    limit: int,
    cursor: str | None,
) -> Page[InvoiceSummary]:
    today = clock.today()
    # Plan with this request's values, not with the generic plan PostgreSQL keeps for a
    # prepared statement after five runs: that plan assumes a company of average size, and for
    # a company with 100,000 invoices it sorts them all instead of reading the list's index in
    # order and stopping after the page (160 ms instead of 2 ms, bench/invoicing.py).
    await session.execute(_CUSTOM_PLANS)
    statement: Any = (
        select(Invoice, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.company_id == actor.company_id)
    )
    if filters.statuses:
        statement = statement.where(
            or_(*(status_condition(s, Invoice, today) for s in set(filters.statuses)))
        )
    if filters.overdue is not None:
        overdue = status_condition(Status.OVERDUE, Invoice, today)
        statement = statement.where(overdue if filters.overdue else ~overdue)
    if filters.customer_id is not None:
        statement = statement.where(Invoice.customer_id == filters.customer_id)
    if filters.date_from is not None:
        statement = statement.where(Invoice.invoice_date >= filters.date_from)
    if filters.date_to is not None:
        statement = statement.where(Invoice.invoice_date <= filters.date_to)
    if filters.updated_since is not None:
        statement = statement.where(Invoice.updated_at >= filters.updated_since)
    if filters.kind is not None:
        statement = statement.where(Invoice.kind == filters.kind.value)
    if filters.q:
        words = filters.q.strip()
        pattern = f"%{_escape_like(words)}%"
        compact = "".join(words.split())
        # The customer's name is matched once per customer, not once per invoice (the same
        # rows as matching the joined name: the join is on the invoice's customer).
        named = select(Customer.id).where(
            Customer.company_id == actor.company_id, Customer.name.ilike(pattern)
        )
        conditions = [
            Invoice.number.ilike(pattern),
            Invoice.customer_id.in_(named),
            Invoice.buyer_reference.ilike(pattern),
            Invoice.order_reference.ilike(pattern),
        ]
        if compact:
            conditions.append(Invoice.reference.ilike(f"%{_escape_like(compact)}%"))
        statement = statement.where(or_(*conditions) if conditions else false())

    def item(row: tuple[Invoice, str]) -> InvoiceSummary:
        invoice, customer_name = row
        return InvoiceSummary(
            id=invoice.id,
            kind=Kind(invoice.kind),
            number=invoice.number,
            status=status_of(invoice, today),
            customer_id=invoice.customer_id,
            customer_name=(invoice.buyer or {}).get("name") or customer_name,
            invoice_date=invoice.invoice_date,
            due_date=invoice.due_date,
            reference=_printed_reference(invoice.reference),
            net_total=invoice.net_total,
            vat_total=invoice.vat_total,
            total=invoice.total,
            paid_amount=invoice.paid_amount,
            credited_amount=invoice.credited_amount,
            balance=domain.balance(invoice.total, invoice.paid_amount, invoice.credited_amount),
            credited_invoice_id=invoice.credited_invoice_id,
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
        )

    order = SORTS[sort]
    if sort == "invoice_date" and (filters.date_from is not None or filters.date_to is not None):
        order = _DATED
    return await paginate(session, statement, sort=order, limit=limit, cursor=cursor, item=item)


async def invoice_audit(
    session: AsyncSession, *, actor: Actor, invoice_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    """The invoice's trail, newest first. A deleted draft's trail stays readable only through
    reports (its id answers 404 here, like everywhere)."""
    await find_invoice(session, actor=actor, invoice_id=invoice_id)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=invoice_id, limit=limit, cursor=cursor
    )
