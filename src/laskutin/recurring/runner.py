"""Making each due period's invoice, exactly once, however many workers run the job.

The job (recurring.tasks) first finds the due templates of every company with no company
active: the read-only policy ``recurring_invoices_sweep`` lets a transaction that set
``laskutin.sweep`` to ``recurring_invoices`` see active templates with a next run, and nothing
else (migration 20261206_0018). Then, for each template, one short transaction per period
(:func:`run_period`):

1. act as the template's company and lock its row ``FOR UPDATE SKIP LOCKED``: another worker
   on it (or an edit in progress) means this one moves on; the row read under the lock is the
   latest committed one, so a period another worker just made is seen as made;
2. the period is ``next_sequence`` dated ``next_run`` (due when ``next_run`` is today or
   earlier, Helsinki time); with ``wait_for_payment`` it waits while the previous period's
   invoice is neither paid nor credited;
3. insert the run row (``UNIQUE (template_id, sequence)``, ``ON CONFLICT DO NOTHING``: the
   constraint backs the lock), make the invoice through the invoice services as the member who
   made the template (draft; then issue; then the e-mail send request), advance
   ``next_sequence``/``next_run`` and commit: the run, the invoice and the progress together.

Catching up after a pause of the worker runs the loop once per missed period, oldest first.
Each invoice is dated its period's date (the tax point too, as no delivery date is set), so
catching up gives the invoices the workers would have made on time; their due dates follow
from those dates.

An invoice that cannot be issued (say, the company lost its bank account) is left as a draft
and the run records ``failed`` with the reason; a send refused is recorded on an ``issued`` run.
If the member who made the template can no longer write invoices, the template is paused (an
audit event says why) and no period is used up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid

from sqlalchemy import select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.audit import service as audit
from laskutin.companies import domain as companies
from laskutin.companies.domain import Permission
from laskutin.companies.models import Membership
from laskutin.companies.service import Actor
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import DomainError, RuleViolation, ValidationFailed
from laskutin.core.settings import Settings
from laskutin.core.tenancy import act_as
from laskutin.delivery.schemas import SendRequest
from laskutin.delivery.service import request_send
from laskutin.invoices import service as invoices
from laskutin.invoices.models import Invoice
from laskutin.invoices.schemas import InvoiceCreate, LineIn
from laskutin.recurring.models import RecurringInvoice, RecurringInvoiceRun
from laskutin.recurring.service import RESOURCE, advance, waits_for_payment

log = logging.getLogger(__name__)

SWEEP_SETTING = text("SELECT set_config('laskutin.sweep', 'recurring_invoices', true)")
SWEEP_LIMIT = 500
# Periods one template may catch up in one job run; the next run goes on.
MAX_PERIODS_PER_RUN = 400
MAX_ERROR = 1000


@dataclasses.dataclass(frozen=True)
class Made:
    template_id: uuid.UUID
    sequence: int
    period_date: dt.date
    invoice_id: uuid.UUID | None
    outcome: str
    error: str | None


async def due_templates(
    session: AsyncSession,
    *,
    today: dt.date,
    limit: int = SWEEP_LIMIT,
    after: tuple[dt.date, uuid.UUID] | None = None,
) -> list[tuple[dt.date, uuid.UUID, uuid.UUID]]:
    """``(next_run, company_id, template_id)`` of every company's active templates due by
    ``today``, the longest due first, a page of ``limit`` after ``after`` (no company active:
    the sweep policy)."""
    await act_as(session, company_id=None, user_id=None)
    await session.execute(SWEEP_SETTING)
    statement = (
        select(RecurringInvoice.next_run, RecurringInvoice.company_id, RecurringInvoice.id)
        .where(
            RecurringInvoice.paused_at.is_(None),
            RecurringInvoice.next_run.is_not(None),
            RecurringInvoice.next_run <= today,
        )
        .order_by(RecurringInvoice.next_run, RecurringInvoice.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(
            tuple_(RecurringInvoice.next_run, RecurringInvoice.id) > tuple_(*after)
        )
    rows = await session.execute(statement)
    return [
        (day, company_id, template_id)
        for day, company_id, template_id in rows.all()
        if day is not None  # the query's condition; for the type checker
    ]


async def invoicing_member(session: AsyncSession, row: RecurringInvoice) -> Actor | None:
    """The member whose invoices the template makes (its maker), if they may still write."""
    if row.created_by is None:
        return None
    role = await session.scalar(
        select(Membership.role).where(
            Membership.company_id == row.company_id, Membership.user_id == row.created_by
        )
    )
    if role is None or not companies.can(role, Permission.WRITE):
        return None
    return Actor(user_id=row.created_by, company_id=row.company_id, role=role)


def describe(exc: DomainError) -> str:
    """A refusal in words (English) for the run's history."""
    if isinstance(exc, ValidationFailed):
        text_ = "; ".join(f"{error.field}: {error.message}" for error in exc.errors)
    elif isinstance(exc, RuleViolation):
        text_ = exc.message("en")
    else:
        from laskutin.core.i18n import translate

        text_ = translate(f"{exc.code}.detail", "en", exc.params) or exc.code
    return text_[:MAX_ERROR]


async def _previous(
    session: AsyncSession, row: RecurringInvoice
) -> tuple[RecurringInvoiceRun | None, Invoice | None]:
    found = (
        await session.execute(
            select(RecurringInvoiceRun, Invoice)
            .outerjoin(Invoice, Invoice.id == RecurringInvoiceRun.invoice_id)
            .where(RecurringInvoiceRun.template_id == row.id)
            .order_by(RecurringInvoiceRun.sequence.desc())
            .limit(1)
            .execution_options(populate_existing=True)
        )
    ).first()
    return (None, None) if found is None else (found[0], found[1])


async def _make_invoice(
    session: AsyncSession,
    settings: Settings | None,
    actor: Actor,
    row: RecurringInvoice,
    period: dt.date,
) -> tuple[uuid.UUID | None, str, str | None]:
    """``(invoice_id, outcome, error)``: each step in a savepoint, so a refusal keeps what
    the steps before it made."""
    try:
        async with session.begin_nested():
            draft = await invoices.create_draft(
                session,
                actor=actor,
                data=InvoiceCreate(
                    customer_id=row.customer_id,
                    invoice_date=period,
                    buyer_reference=row.buyer_reference,
                    order_reference=row.order_reference,
                    notes=row.notes,
                    prices_include_vat=row.prices_include_vat,
                    language=row.language,
                    lines=[LineIn.model_validate(line) for line in row.lines],
                ),
            )
    except DomainError as exc:
        return None, "failed", describe(exc)
    if row.action == "draft":
        return draft.id, "draft", None
    try:
        async with session.begin_nested():
            await invoices.issue(session, actor=actor, invoice_id=draft.id, invoice_date=period)
    except DomainError as exc:
        return draft.id, "failed", describe(exc)
    if row.action == "issue" or settings is None:  # no settings: no sending (demo data)
        return draft.id, "issued", None
    try:
        async with session.begin_nested():
            await request_send(
                session,
                actor=actor,
                settings=settings,
                invoice_id=draft.id,
                data=SendRequest(channel="email", recipients=row.recipients),
            )
    except DomainError as exc:
        return draft.id, "issued", f"Not sent: {describe(exc)}"[:MAX_ERROR]
    return draft.id, "sent", None


async def run_period(
    session: AsyncSession,
    settings: Settings | None,
    *,
    company_id: uuid.UUID,
    template_id: uuid.UUID,
    today: dt.date,
) -> Made | None:
    """Make the template's next due period, in the caller's transaction; None when there is
    nothing to do now (not due, paused, waiting for a payment, or another worker holds it)."""
    await act_as(session, company_id=company_id, user_id=None)
    row = await session.scalar(
        select(RecurringInvoice)
        .where(RecurringInvoice.company_id == company_id, RecurringInvoice.id == template_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    if row is None or row.paused_at is not None or row.next_run is None or row.next_run > today:
        return None
    last, invoice = await _previous(session, row)
    if waits_for_payment(row, last, invoice):
        return None
    actor = await invoicing_member(session, row)
    if actor is None:
        row.paused_at = row.updated_at = clock.now()
        await session.flush()
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=row.id,
            action="paused",
            actor=None,
            changes={"reason": "the member who made it can no longer write invoices"},
        )
        log.warning("recurring invoice %s paused: its member cannot write invoices", row.id)
        return None
    await act_as(session, company_id=company_id, user_id=actor.user_id)
    sequence, period = row.next_sequence, row.next_run
    run_id = await session.scalar(
        insert(RecurringInvoiceRun)
        .values(
            id=uuid.uuid4(),
            company_id=company_id,
            template_id=row.id,
            sequence=sequence,
            period_date=period,
            outcome="failed",
            error="in progress",
        )
        .on_conflict_do_nothing(index_elements=["template_id", "sequence"])
        .returning(RecurringInvoiceRun.id)
    )
    if run_id is None:  # made already (the lock makes this unreachable; the constraint backs it)
        advance(row)
        await session.flush()
        return None
    invoice_id, outcome, error = await _make_invoice(session, settings, actor, row, period)
    await session.execute(
        update(RecurringInvoiceRun)
        .where(RecurringInvoiceRun.id == run_id)
        .values(invoice_id=invoice_id, outcome=outcome, error=error)
    )
    advance(row)
    row.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="invoice_made" if outcome != "failed" else "run_failed",
        actor=None,
        changes={
            "sequence": sequence,
            "period_date": period.isoformat(),
            "invoice_id": None if invoice_id is None else str(invoice_id),
            "outcome": outcome,
            **({"error": error} if error else {}),
        },
    )
    return Made(row.id, sequence, period, invoice_id, outcome, error)


async def run_due(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    today: dt.date | None = None,
) -> list[Made]:
    """Every due period of every company, oldest first per template, each in its own
    transaction; what was made (this worker's share). The due templates are walked in pages,
    so that many templates waiting for a payment cannot hide the others."""
    day = today or clock.today()
    made: list[Made] = []
    after: tuple[dt.date, uuid.UUID] | None = None
    while True:
        async with unit_of_work(sessions) as session:
            due = await due_templates(session, today=day, limit=SWEEP_LIMIT, after=after)
        for _, company_id, template_id in due:
            for _ in range(MAX_PERIODS_PER_RUN):
                async with unit_of_work(sessions) as session:
                    result = await run_period(
                        session, settings, company_id=company_id, template_id=template_id, today=day
                    )
                if result is None:
                    break
                made.append(result)
        if len(due) < SWEEP_LIMIT:
            return made
        after = (due[-1][0], due[-1][2])
