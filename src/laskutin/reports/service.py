"""The dashboard's figures, each one query over the active company's rows (plus RLS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.core.money import round_cents
from laskutin.customers.models import Customer
from laskutin.delivery.models import InvoiceSend
from laskutin.invoices.domain import Kind, Status
from laskutin.invoices.models import Invoice
from laskutin.invoices.status import status_condition, status_sql
from laskutin.payments.models import Payment
from laskutin.reports.schemas import (
    Attention,
    Dashboard,
    LatestInvoice,
    MonthSales,
    Receivables,
)

MONTHS = 12
LATEST = 5
_OPEN = (Status.ISSUED, Status.SENT, Status.PARTIALLY_PAID, Status.OVERDUE)


def _money(value: Decimal | None) -> Decimal:
    return round_cents(value if value is not None else Decimal(0))


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


async def _receivables(
    session: AsyncSession, actor: Actor, today: dt.date, statuses: tuple[Status, ...]
) -> Receivables:
    balance = Invoice.total - Invoice.paid_amount - Invoice.credited_amount
    row = (
        await session.execute(
            select(func.sum(balance), func.count()).where(
                Invoice.company_id == actor.company_id,
                Invoice.kind == Kind.INVOICE.value,
                or_(*(status_condition(s, Invoice, today) for s in statuses)),
            )
        )
    ).one()
    return Receivables(amount=_money(row[0]), count=row[1])


async def _sales_by_month(session: AsyncSession, actor: Actor, today: dt.date) -> list[MonthSales]:
    first = _month_start(today, MONTHS - 1)
    month = cast(func.date_trunc("month", Invoice.invoice_date), Date)
    rows = (
        await session.execute(
            select(month, func.sum(Invoice.net_total), func.sum(Invoice.total))
            .where(
                Invoice.company_id == actor.company_id,
                Invoice.state == "issued",
                Invoice.invoice_date >= first,
                Invoice.invoice_date < _month_start(today, -1),
            )
            .group_by(month)
        )
    ).all()
    sums = {start: (net, gross) for start, net, gross in rows}
    result = []
    for back in range(MONTHS - 1, -1, -1):
        start = _month_start(today, back)
        net, gross = sums.get(start, (None, None))
        result.append(MonthSales(month=f"{start:%Y-%m}", net=_money(net), gross=_money(gross)))
    return result


async def _latest(session: AsyncSession, actor: Actor, today: dt.date) -> list[LatestInvoice]:
    rows = (
        await session.execute(
            select(Invoice, Customer.name, status_sql(Invoice, today))
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Invoice.company_id == actor.company_id)
            .order_by(Invoice.created_at.desc(), Invoice.id.desc())
            .limit(LATEST)
        )
    ).all()
    return [
        LatestInvoice(
            id=invoice.id,
            kind=Kind(invoice.kind),
            number=invoice.number,
            customer_name=(invoice.buyer or {}).get("name") or customer_name,
            total=invoice.total,
            status=Status(status),
        )
        for invoice, customer_name, status in rows
    ]


async def _failed_sends(session: AsyncSession, actor: Actor) -> int:
    """Invoices whose latest send failed (a later send, pending or done, supersedes it)."""
    later = aliased(InvoiceSend)
    superseded = exists().where(
        later.invoice_id == InvoiceSend.invoice_id,
        later.company_id == actor.company_id,
        later.state != "failed",
        later.created_at > InvoiceSend.created_at,
    )
    count = await session.scalar(
        select(func.count(func.distinct(InvoiceSend.invoice_id))).where(
            InvoiceSend.company_id == actor.company_id,
            InvoiceSend.state == "failed",
            ~superseded,
        )
    )
    return int(count or 0)


async def dashboard(session: AsyncSession, *, actor: Actor) -> Dashboard:
    today = clock.today()
    open_ = await _receivables(session, actor, today, _OPEN)
    overdue = await _receivables(session, actor, today, (Status.OVERDUE,))
    paid = await session.scalar(
        select(func.sum(Payment.amount)).where(
            Payment.company_id == actor.company_id,
            and_(
                Payment.payment_date >= _month_start(today),
                Payment.payment_date < _month_start(today, -1),
            ),
        )
    )
    drafts = await session.scalar(
        select(func.count()).where(Invoice.company_id == actor.company_id, Invoice.state == "draft")
    )
    return Dashboard(
        today=today,
        open_receivables=open_,
        overdue_receivables=overdue,
        paid_this_month=_money(paid),
        sales_by_month=await _sales_by_month(session, actor, today),
        latest_invoices=await _latest(session, actor, today),
        attention=Attention(
            overdue_invoices=overdue.count,
            drafts=int(drafts or 0),
            failed_sends=await _failed_sends(session, actor),
        ),
    )
