"""Use cases of recurring invoice templates. Keyword-only; nothing here commits.

Every query names the active company besides row-level security; another company's template
is a 404, looked up before the role is checked (api/authz.py). Changes lock the template row
(``SELECT ... FOR UPDATE``) before comparing ``If-Match`` and before changing it; the job
(recurring.runner) takes the same lock, so an edit and a run never interleave.

Decisions (docs/recurring.md):

- A new template never invoices a period dated before the day it was made: a start date in
  the past fixes the rule's rhythm (the day of the month, the week day) and the first invoice
  is the first period on or after today.
- Pausing stops the invoices; resuming skips the periods that fell in the pause (they are not
  invoiced later), as most services do. A worker that was stopped is different: the job catches
  up every missed period of an active template, in order.
- ``end_date`` and ``count`` may change at any time (a finished template extended again goes on
  from today, like a resume); the other schedule fields only until the first invoice was made.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.auth.models import User
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import Conflict, NotFound, RuleViolation
from laskutin.customers.models import Customer
from laskutin.delivery.domain import recipients_of
from laskutin.invoices import service as invoices
from laskutin.invoices.domain import Status
from laskutin.invoices.errors import CustomerArchived, UnknownCustomer
from laskutin.invoices.models import Invoice
from laskutin.invoices.schemas import InvoiceCreate, LineIn
from laskutin.invoices.status import status_of
from laskutin.recurring import schedule
from laskutin.recurring.models import RecurringInvoice, RecurringInvoiceRun
from laskutin.recurring.schemas import (
    UPCOMING,
    RecurringInvoiceCreate,
    RecurringInvoiceRead,
    RunRead,
    Schedule,
    ScheduleRead,
    TemplateState,
)

RESOURCE = "recurring_invoice"
# Schedule fields that may change after the first invoice (they do not renumber the periods).
_ALWAYS_CHANGEABLE = frozenset({"end_date", "count"})
# Fields a PATCH cannot clear (a null sent for one of them changes nothing).
_NOT_NULL = frozenset(
    {
        "name",
        "customer_id",
        "prices_include_vat",
        "action",
        "wait_for_payment",
        "unit",
        "every",
        "weekend",
        "start_date",
    }
)

SORTS: dict[str, Sort] = {
    "created_at": Sort(
        "recurring:created",
        ((RecurringInvoice.created_at, "desc"), (RecurringInvoice.id, "desc")),
    ),
    "name": Sort("recurring:name", ((RecurringInvoice.name, "asc"), (RecurringInvoice.id, "asc"))),
}
RUNS_NEWEST_FIRST = Sort(
    "recurring-runs:newest",
    ((RecurringInvoiceRun.sequence, "desc"), (RecurringInvoiceRun.id, "desc")),
)
PAID_ENOUGH = frozenset({Status.PAID, Status.CREDITED})


# --- errors ----------------------------------------------------------------------------------


class ScheduleFixed(Conflict):
    """The rule's rhythm cannot change once invoices were made from it (409)."""

    code = "recurring-schedule-fixed"


class NoInvoiceDates(RuleViolation):
    code = "recurring-no-invoice-dates"
    messages = {
        "fi": "Aikataulun mukaan yhtään laskua ei tehtäisi tästä päivästä eteenpäin. Tarkista "
        "päättymispäivä ja laskujen määrä.",
        "sv": "Enligt schemat skulle ingen faktura göras från och med i dag. Kontrollera "
        "slutdatumet och antalet fakturor.",
        "en": "The schedule makes no invoice from today on. Check the end date and the number "
        "of invoices.",
    }

    def __init__(self, field: str = "schedule.end_date") -> None:
        super().__init__(field=field)


# --- the rule --------------------------------------------------------------------------------


def rule_of(row: RecurringInvoice) -> schedule.Rule:
    return schedule.Rule(
        start=row.start_date,
        unit=schedule.Unit(row.unit),
        every=row.every,
        day_of_month=row.day_of_month,
        weekend=schedule.Weekend(row.weekend),
        end=row.end_date,
        count=row.count,
    )


def _schedule_fields(data: Schedule) -> dict[str, Any]:
    return {
        "unit": data.unit.value,
        "every": data.every,
        "day_of_month": data.day_of_month,
        "weekend": data.weekend.value,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "count": data.count,
    }


def place(row: RecurringInvoice, *, start_at: int, today: dt.date) -> None:
    """Set ``next_sequence``/``next_run`` to the first period from ``start_at`` dated today or
    later (the rule's end: ``next_run`` NULL)."""
    rule = rule_of(row)
    k = schedule.first_on_or_after(rule, today, start_at=start_at)
    if k is None:
        row.next_sequence = max(row.next_sequence, start_at)
        row.next_run = None
        return
    row.next_sequence = k
    row.next_run = schedule.occurrence(rule, k)


def advance(row: RecurringInvoice) -> None:
    """After period ``next_sequence`` was made: the next one, however far back it lies."""
    row.next_sequence += 1
    row.next_run = schedule.occurrence(rule_of(row), row.next_sequence)


def state_of(row: RecurringInvoice) -> TemplateState:
    if row.next_run is None:
        return "finished"
    return "paused" if row.paused_at is not None else "active"


# --- reading ---------------------------------------------------------------------------------


def _run_read(run: RecurringInvoiceRun, invoice: Invoice | None, today: dt.date) -> RunRead:
    return RunRead(
        id=run.id,
        sequence=run.sequence,
        period_date=run.period_date,
        outcome=run.outcome,
        error=run.error,
        invoice_id=run.invoice_id,
        invoice_number=None if invoice is None else invoice.number,
        invoice_status=None if invoice is None else status_of(invoice, today),
        created_at=run.created_at,
    )


def waits_for_payment(
    row: RecurringInvoice, last: RecurringInvoiceRun | None, invoice: Invoice | None
) -> bool:
    """The next period waits: the template says so, and the previous period's invoice exists
    and is neither paid nor credited (a draft counts as unpaid)."""
    if not row.wait_for_payment or last is None or invoice is None:
        return False
    return status_of(invoice, clock.today()) not in PAID_ENOUGH


async def _reads(
    session: AsyncSession, actor: Actor, rows: Sequence[RecurringInvoice]
) -> list[RecurringInvoiceRead]:
    if not rows:
        return []
    ids = [row.id for row in rows]
    customers = dict(
        (
            await session.execute(
                select(Customer.id, Customer.name).where(
                    Customer.company_id == actor.company_id,
                    Customer.id.in_({row.customer_id for row in rows}),
                )
            )
        ).all()
    )
    creators = {row.created_by for row in rows if row.created_by is not None}
    names = (
        dict((await session.execute(select(User.id, User.name).where(User.id.in_(creators)))).all())
        if creators
        else {}
    )
    counts = dict(
        (
            await session.execute(
                select(RecurringInvoiceRun.template_id, func.count())
                .where(
                    RecurringInvoiceRun.company_id == actor.company_id,
                    RecurringInvoiceRun.template_id.in_(ids),
                )
                .group_by(RecurringInvoiceRun.template_id)
            )
        ).all()
    )
    last_runs = (
        await session.execute(
            select(RecurringInvoiceRun, Invoice)
            .outerjoin(Invoice, Invoice.id == RecurringInvoiceRun.invoice_id)
            .where(
                RecurringInvoiceRun.company_id == actor.company_id,
                RecurringInvoiceRun.template_id.in_(ids),
            )
            .order_by(RecurringInvoiceRun.template_id, RecurringInvoiceRun.sequence.desc())
            .ext(distinct_on(RecurringInvoiceRun.template_id))
            .execution_options(populate_existing=True)
        )
    ).all()
    last = {run.template_id: (run, invoice) for run, invoice in last_runs}
    today = clock.today()
    reads = []
    for row in rows:
        run, invoice = last.get(row.id, (None, None))
        rule = rule_of(row)
        upcoming = [
            day
            for _, (_, day) in zip(
                range(UPCOMING),
                schedule.occurrences(rule, start_at=row.next_sequence),
                strict=False,
            )
        ]
        state = state_of(row)
        reads.append(
            RecurringInvoiceRead(
                id=row.id,
                name=row.name,
                customer_id=row.customer_id,
                customer_name=customers.get(row.customer_id, ""),
                lines=[LineIn.model_validate(line) for line in row.lines],
                notes=row.notes,
                buyer_reference=row.buyer_reference,
                order_reference=row.order_reference,
                prices_include_vat=row.prices_include_vat,
                language=row.language,
                schedule=ScheduleRead(
                    unit=schedule.Unit(row.unit),
                    every=row.every,
                    day_of_month=row.day_of_month,
                    weekend=schedule.Weekend(row.weekend),
                    start_date=row.start_date,
                    end_date=row.end_date,
                    count=row.count,
                ),
                action=row.action,
                recipients=row.recipients,
                wait_for_payment=row.wait_for_payment,
                state=state,
                paused_at=row.paused_at,
                next_run=row.next_run,
                upcoming=upcoming if state != "finished" else [],
                invoices_made=counts.get(row.id, 0),
                waiting_for_payment=state == "active"
                and row.next_run is not None
                and row.next_run <= today
                and waits_for_payment(row, run, invoice),
                last_run=None if run is None else _run_read(run, invoice, today),
                created_by_name=names.get(row.created_by) if row.created_by else None,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return reads


async def _read(session: AsyncSession, actor: Actor, row: RecurringInvoice) -> RecurringInvoiceRead:
    return (await _reads(session, actor, [row]))[0]


async def _find(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, *, lock: bool = False
) -> RecurringInvoice:
    statement = (
        select(RecurringInvoice)
        .where(RecurringInvoice.company_id == actor.company_id, RecurringInvoice.id == template_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update()
    row = await session.scalar(statement)
    if row is None:
        raise NotFound()
    return row


async def get_template(
    session: AsyncSession, *, actor: Actor, template_id: uuid.UUID
) -> RecurringInvoiceRead:
    row = await _find(session, actor, template_id)  # 404 before 403
    require(actor, Permission.READ)
    return await _read(session, actor, row)


async def list_templates(
    session: AsyncSession,
    *,
    actor: Actor,
    limit: int,
    cursor: str | None,
    state: TemplateState | None = None,
    customer_id: uuid.UUID | None = None,
    q: str | None = None,
    sort: str = "created_at",
) -> Page[RecurringInvoiceRead]:
    """Newest first (or by name); filters: ``state``, ``customer_id``, ``q`` (in the name)."""
    require(actor, Permission.READ)
    statement: Select[Any] = select(RecurringInvoice).where(
        RecurringInvoice.company_id == actor.company_id
    )
    if state == "finished":
        statement = statement.where(RecurringInvoice.next_run.is_(None))
    elif state == "paused":
        statement = statement.where(
            RecurringInvoice.next_run.is_not(None), RecurringInvoice.paused_at.is_not(None)
        )
    elif state == "active":
        statement = statement.where(
            RecurringInvoice.next_run.is_not(None), RecurringInvoice.paused_at.is_(None)
        )
    if customer_id is not None:
        statement = statement.where(RecurringInvoice.customer_id == customer_id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(RecurringInvoice.name.ilike(f"%{escaped}%", escape="\\"))
    page = await paginate(
        session, statement, sort=SORTS[sort], limit=limit, cursor=cursor, item=lambda row: row
    )
    return Page(items=await _reads(session, actor, page.items), next_cursor=page.next_cursor)


async def list_runs(
    session: AsyncSession,
    *,
    actor: Actor,
    template_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[RunRead]:
    """The template's history, newest period first, with each invoice's number and status."""
    await _find(session, actor, template_id)
    require(actor, Permission.READ)
    today = clock.today()
    statement = cast(
        "Select[Any]",
        select(RecurringInvoiceRun, Invoice)
        .outerjoin(Invoice, Invoice.id == RecurringInvoiceRun.invoice_id)
        .where(
            RecurringInvoiceRun.company_id == actor.company_id,
            RecurringInvoiceRun.template_id == template_id,
        ),
    )
    return await paginate(
        session,
        statement,
        sort=RUNS_NEWEST_FIRST,
        limit=limit,
        cursor=cursor,
        item=lambda row: _run_read(row[0], row[1], today),
    )


async def list_audit(
    session: AsyncSession,
    *,
    actor: Actor,
    template_id: uuid.UUID,
    limit: int,
    cursor: str | None,
) -> Page[Any]:
    await _find(session, actor, template_id)
    require(actor, Permission.READ)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=template_id, limit=limit, cursor=cursor
    )


# --- checks ----------------------------------------------------------------------------------


async def _customer(session: AsyncSession, actor: Actor, customer_id: uuid.UUID) -> Customer:
    customer = await session.scalar(
        select(Customer).where(Customer.company_id == actor.company_id, Customer.id == customer_id)
    )
    if customer is None:
        raise UnknownCustomer(field="customer_id")
    if customer.archived_at is not None:
        raise CustomerArchived(field="customer_id")
    return customer


async def _check_content(session: AsyncSession, actor: Actor, row: RecurringInvoice) -> None:
    """The customer, the lines (products, VAT rates in force on the next invoice's date: the
    invoice service's own preview) and, for sending, the recipients."""
    customer = await _customer(session, actor, row.customer_id)
    await invoices.preview(
        session,
        actor=actor,
        data=InvoiceCreate(
            customer_id=row.customer_id,
            invoice_date=row.next_run or clock.today(),
            prices_include_vat=row.prices_include_vat,
            language=row.language,
            lines=[LineIn.model_validate(line) for line in row.lines],
        ),
    )
    if row.action == "send":
        chosen = recipients_of(row.recipients, default=customer.email)
        if row.recipients is not None:
            row.recipients = list(chosen)


def _lines_json(lines: Sequence[LineIn]) -> list[Any]:
    return [line.model_dump(mode="json", exclude_none=True) for line in lines]


# --- changes ---------------------------------------------------------------------------------


async def create_template(
    session: AsyncSession, *, actor: Actor, data: RecurringInvoiceCreate
) -> RecurringInvoiceRead:
    require(actor, Permission.WRITE)
    fields = _schedule_fields(data.schedule)
    now = clock.now()
    row = RecurringInvoice(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        name=data.name,
        customer_id=data.customer_id,
        lines=_lines_json(data.lines),
        notes=data.notes,
        buyer_reference=data.buyer_reference,
        order_reference=data.order_reference,
        prices_include_vat=data.prices_include_vat,
        language=data.language,
        action=data.action,
        recipients=None if data.recipients is None else list(data.recipients),
        wait_for_payment=data.wait_for_payment,
        next_sequence=0,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        **fields,
    )
    rule_of(row).check()
    place(row, start_at=0, today=clock.today())
    if row.next_run is None:
        raise NoInvoiceDates()
    await _check_content(session, actor, row)
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="created",
        actor=actor,
        changes={"next_run": row.next_run.isoformat()},
    )
    return await _read(session, actor, row)


async def _open(
    session: AsyncSession, actor: Actor, template_id: uuid.UUID, if_match: str | None
) -> tuple[RecurringInvoice, RecurringInvoiceRead]:
    row = await _find(session, actor, template_id, lock=True)  # 404 before 403
    require(actor, Permission.WRITE)
    before = await _read(session, actor, row)
    check_if_match(if_match, etag_of(before))
    return row, before


async def _made_any(session: AsyncSession, row: RecurringInvoice) -> bool:
    found = await session.scalar(
        select(RecurringInvoiceRun.id).where(RecurringInvoiceRun.template_id == row.id).limit(1)
    )
    return found is not None


async def update_template(
    session: AsyncSession,
    *,
    actor: Actor,
    template_id: uuid.UUID,
    changes: Mapping[str, Any],
    if_match: str | None,
) -> RecurringInvoiceRead:
    """``changes``: the body's fields that were sent (``exclude_unset``)."""
    row, before = await _open(session, actor, template_id, if_match)
    today = clock.today()
    plain = {
        k: v
        for k, v in changes.items()
        if k not in ("schedule", "lines") and not (v is None and k in _NOT_NULL)
    }
    for name, value in plain.items():
        setattr(row, name, value)
    if "lines" in changes and changes["lines"] is not None:
        row.lines = _lines_json([LineIn.model_validate(line) for line in changes["lines"]])
    new_schedule = {
        k: (v.value if hasattr(v, "value") else v)
        for k, v in (changes.get("schedule") or {}).items()
        if not (v is None and k in _NOT_NULL)
    }
    if new_schedule:
        rhythm = {
            k
            for k, v in new_schedule.items()
            if k not in _ALWAYS_CHANGEABLE and getattr(row, k) != v
        }
        made = await _made_any(session, row)
        if rhythm and made:
            raise ScheduleFixed()
        was_finished = row.next_run is None
        for name, value in new_schedule.items():
            setattr(row, name, value)
        rule_of(row).check()
        if not made:
            place(row, start_at=0, today=today)
        else:
            row.next_run = schedule.occurrence(rule_of(row), row.next_sequence)
            if was_finished and row.next_run is not None and row.next_run < today:
                place(row, start_at=row.next_sequence, today=today)
        if row.next_run is None and not made:
            raise NoInvoiceDates()
    await _check_content(session, actor, row)
    row.updated_at = clock.now()
    await session.flush()
    after = await _read(session, actor, row)
    changed = audit.diff(
        before.model_dump(mode="json", exclude={"updated_at", "upcoming", "customer_name"}),
        after.model_dump(mode="json", exclude={"updated_at", "upcoming", "customer_name"}),
    )
    if changed:
        await audit.record(
            session,
            resource_type=RESOURCE,
            resource_id=row.id,
            action="updated",
            actor=actor,
            changes=changed,
        )
    return after


async def pause(
    session: AsyncSession, *, actor: Actor, template_id: uuid.UUID, if_match: str | None
) -> RecurringInvoiceRead:
    """No invoices until resumed. Pausing a paused (or finished) template changes nothing."""
    row, before = await _open(session, actor, template_id, if_match)
    if row.paused_at is not None or row.next_run is None:
        return before
    row.paused_at = row.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session, resource_type=RESOURCE, resource_id=row.id, action="paused", actor=actor
    )
    return await _read(session, actor, row)


async def resume(
    session: AsyncSession, *, actor: Actor, template_id: uuid.UUID, if_match: str | None
) -> RecurringInvoiceRead:
    """Invoices again from the first period dated today or later: the periods that fell in the
    pause are skipped. A template whose member can no longer write invoices is taken over by
    the member resuming it. Resuming an active template changes nothing."""
    row, before = await _open(session, actor, template_id, if_match)
    if row.paused_at is None:
        return before
    skipped_from = row.next_sequence
    row.paused_at = None
    place(row, start_at=row.next_sequence, today=clock.today())
    changes: dict[str, Any] = {
        "skipped_periods": row.next_sequence - skipped_from,
        "next_run": None if row.next_run is None else row.next_run.isoformat(),
    }
    from laskutin.recurring.runner import invoicing_member

    if await invoicing_member(session, row) is None:
        changes["created_by"] = [
            str(row.created_by) if row.created_by else None,
            str(actor.user_id),
        ]
        row.created_by = actor.user_id
    row.updated_at = clock.now()
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="resumed",
        actor=actor,
        changes=changes,
    )
    return await _read(session, actor, row)


async def delete_template(
    session: AsyncSession, *, actor: Actor, template_id: uuid.UUID, if_match: str | None
) -> None:
    """The template and its history go; the invoices it made stay."""
    row, _ = await _open(session, actor, template_id, if_match)
    await session.execute(
        delete(RecurringInvoice).where(
            RecurringInvoice.company_id == actor.company_id, RecurringInvoice.id == row.id
        )
    )
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="deleted",
        actor=actor,
        changes={"name": row.name},
    )
