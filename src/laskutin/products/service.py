"""Use cases of products. Keyword-only, nothing here commits (the request's unit of work does).

A product of another company is :class:`~laskutin.core.errors.NotFound` before any role check;
writing needs ``Permission.WRITE``. Changes lock the row (``SELECT ... FOR UPDATE``) before
comparing ``If-Match``. A product's code is unique among the company's active products: checked
under a transaction-scoped advisory lock per company, so two concurrent writers of one code
cannot both pass. A product on an invoice line is archived, never deleted (409).

Every create, update, archive, unarchive and delete appends an audit event (``product``).
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from sqlalchemy import Text, exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from laskutin.api.etag import check_if_match, etag_of
from laskutin.api.pagination import Page, Sort, paginate
from laskutin.audit import service as audit
from laskutin.audit.schemas import AuditEventRead
from laskutin.companies.domain import Permission
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.errors import NotFound
from laskutin.finnish.vat import RateClass, VatCategory
from laskutin.invoices.models import InvoiceLine
from laskutin.products import domain
from laskutin.products.domain import ProductCodeTaken, ProductInUse
from laskutin.products.models import Product
from laskutin.products.schemas import ProductCreate, ProductRead

RESOURCE = "product"
ProductSort = Literal["name", "-name", "code", "-code", "created_at", "-created_at"]
_NAME = func.lower(
    func.coalesce(
        Product.names["fi"].astext,
        Product.names["sv"].astext,
        Product.names["en"].astext,
        "",
        type_=Text,
    ),
    type_=Text,
)
_CODE = func.lower(func.coalesce(Product.code, "", type_=Text), type_=Text)


def _sort(name: str, column: Any) -> dict[str, Sort]:
    return {
        name: Sort(f"products:{name}", [(column, "asc"), (Product.id, "asc")]),
        f"-{name}": Sort(f"products:-{name}", [(column, "desc"), (Product.id, "desc")]),
    }


SORTS: dict[str, Sort] = {
    **_sort("name", _NAME),
    **_sort("code", _CODE),
    **_sort("created_at", Product.created_at),
}
_CODE_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('laskutin.product_codes'), hashtext(:company))"
)
_NOT_AUDITED = {"id", "created_at", "updated_at", "vat_rate_today"}


def to_read(row: Product) -> ProductRead:
    return ProductRead(
        id=row.id,
        code=row.code,
        names={k: v for k, v in row.names.items() if isinstance(v, str)},
        unit=row.unit,
        unit_price=domain.format_price(row.unit_price),
        prices_include_vat=row.prices_include_vat,
        vat_category=VatCategory(row.vat_category),
        rate_class=None if row.rate_class is None else RateClass(row.rate_class),
        vat_ground=row.vat_ground,
        vat_rate_today=_rate_text(row.rate_class),
        archived=row.archived_at is not None,
        archived_at=row.archived_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _rate_text(rate_class: str | None) -> str | None:
    rate = domain.rate_today(rate_class, clock.today())
    return None if rate is None else str(rate)


async def _product(
    session: AsyncSession, actor: Actor, product_id: uuid.UUID, *, lock: bool = False
) -> Product:
    statement = select(Product).where(
        Product.company_id == actor.company_id, Product.id == product_id
    )
    if lock:
        statement = statement.with_for_update()
    row = await session.scalar(statement)
    if row is None:
        raise NotFound()
    return row


async def get_product(session: AsyncSession, *, actor: Actor, product_id: uuid.UUID) -> ProductRead:
    require(actor, Permission.READ)
    return to_read(await _product(session, actor, product_id))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_products(
    session: AsyncSession,
    *,
    actor: Actor,
    q: str | None = None,
    archived: bool = False,
    sort: ProductSort = "name",
    limit: int,
    cursor: str | None,
) -> Page[ProductRead]:
    """Active products (or, with ``archived``, the archived ones) whose code or any name
    contains ``q`` (any case)."""
    require(actor, Permission.READ)
    statement = select(Product).where(Product.company_id == actor.company_id)
    if archived:
        statement = statement.where(Product.archived_at.is_not(None))
    else:
        statement = statement.where(Product.archived_at.is_(None))
    term = (q or "").replace("\x00", "").strip()
    if term:
        pattern = f"%{_escape_like(term.lower())}%"
        statement = statement.where(
            or_(
                func.lower(Product.code).like(pattern, escape="\\"),
                *(
                    func.lower(Product.names[language].astext).like(pattern, escape="\\")
                    for language in domain.LANGUAGES
                ),
            )
        )
    return await paginate(
        session, statement, sort=SORTS[sort], limit=limit, cursor=cursor, item=to_read
    )


async def taken_codes(session: AsyncSession, actor: Actor, codes: list[str]) -> set[str]:
    """Which of ``codes`` (lower-cased) active products of the company have, with product
    numbering locked until the transaction ends (a CSV import)."""
    await session.execute(_CODE_LOCK, {"company": str(actor.company_id)})
    rows = await session.scalars(
        select(func.lower(Product.code)).where(
            Product.company_id == actor.company_id,
            Product.archived_at.is_(None),
            func.lower(Product.code).in_(codes),
        )
    )
    return set(rows.all())


async def _check_code_free(
    session: AsyncSession, actor: Actor, code: str, *, own_id: uuid.UUID | None
) -> None:
    """No other ACTIVE product of the company has ``code`` (compared in any case)."""
    await session.execute(_CODE_LOCK, {"company": str(actor.company_id)})
    statement = select(Product.id).where(
        Product.company_id == actor.company_id,
        Product.archived_at.is_(None),
        func.lower(Product.code) == code.lower(),
    )
    if own_id is not None:
        statement = statement.where(Product.id != own_id)
    if await session.scalar(statement.limit(1)) is not None:
        raise ProductCodeTaken(field="code", value=code)


def _apply(row: Product, changes: dict[str, Any], *, creating: bool) -> None:
    """Set the columns of the fields sent, checked by the product rules (422 naming the field)."""
    values: dict[str, Any] = {}
    if "names" in changes:
        values["names"] = domain.clean_names(changes["names"] or {})
    if "unit_price" in changes:
        values["unit_price"] = domain.parse_unit_price(changes["unit_price"])
    for field in ("code", "unit", "prices_include_vat"):
        if field in changes:
            values[field] = changes[field]
    vat_fields = {"vat_category", "rate_class", "vat_ground"}
    if creating or vat_fields & changes.keys():
        category = str(changes.get("vat_category") or row.vat_category)
        same_category = category == row.vat_category
        rate_class = changes.get("rate_class") if "rate_class" in changes else None
        if "rate_class" not in changes and same_category and not creating:
            rate_class = row.rate_class
        ground = changes.get("vat_ground") if "vat_ground" in changes else None
        if "vat_ground" not in changes and same_category and not creating:
            ground = row.vat_ground
        treatment = domain.vat_treatment(
            category, None if rate_class is None else str(rate_class), ground
        )
        values["vat_category"] = treatment.category.value
        values["rate_class"] = None if treatment.rate_class is None else treatment.rate_class.value
        values["vat_ground"] = treatment.vat_ground
    for column, value in values.items():
        setattr(row, column, value)


def new_product_row(company_id: uuid.UUID, data: ProductCreate) -> Product:
    """A product checked by the rules (422 naming the field), not yet added to a session:
    creating one, and each row of a CSV import."""
    row = Product(company_id=company_id)
    row.vat_category = VatCategory.STANDARD.value
    _apply(row, data.model_dump(mode="json"), creating=True)
    return row


async def create_product(
    session: AsyncSession, *, actor: Actor, data: ProductCreate
) -> ProductRead:
    require(actor, Permission.WRITE)
    row = new_product_row(actor.company_id, data)
    if row.code is not None:
        await _check_code_free(session, actor, row.code, own_id=None)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    read = to_read(row)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="created",
        actor=actor,
        changes=audit.diff({}, read.model_dump(mode="json", exclude=_NOT_AUDITED)),
    )
    return read


async def update_product(
    session: AsyncSession,
    *,
    actor: Actor,
    product_id: uuid.UUID,
    changes: dict[str, Any],
    if_match: str | None = None,
) -> ProductRead:
    row = await _product(session, actor, product_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    _apply(row, changes, creating=False)
    if (
        "code" in changes
        and row.code is not None
        and row.archived_at is None
        and (before.code or "").lower() != row.code.lower()
    ):
        await _check_code_free(session, actor, row.code, own_id=row.id)
    await session.flush()
    await session.refresh(row)
    read = to_read(row)
    changed = audit.diff(
        before.model_dump(mode="json", exclude=_NOT_AUDITED),
        read.model_dump(mode="json", exclude=_NOT_AUDITED),
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
    return read


async def set_archived(
    session: AsyncSession,
    *,
    actor: Actor,
    product_id: uuid.UUID,
    archived: bool,
    if_match: str | None = None,
) -> ProductRead:
    """Archive (no longer sold; kept for invoices) or bring back: an unarchived product's code
    must be free among the active products (409 otherwise)."""
    row = await _product(session, actor, product_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    if before.archived == archived:
        return before
    if not archived and row.code is not None:
        await _check_code_free(session, actor, row.code, own_id=row.id)
    row.archived_at = clock.now() if archived else None
    await session.flush()
    await session.refresh(row)
    read = to_read(row)
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=row.id,
        action="archived" if archived else "unarchived",
        actor=actor,
        changes={"archived": [before.archived, archived]},
    )
    return read


async def delete_product(
    session: AsyncSession, *, actor: Actor, product_id: uuid.UUID, if_match: str | None = None
) -> None:
    """Delete a product no invoice line names; otherwise 409: archive it instead."""
    row = await _product(session, actor, product_id, lock=True)
    require(actor, Permission.WRITE)
    before = to_read(row)
    check_if_match(if_match, etag_of(before))
    used = await session.scalar(
        select(
            exists().where(
                InvoiceLine.company_id == actor.company_id, InvoiceLine.product_id == row.id
            )
        )
    )
    if used:
        raise ProductInUse(id=row.id)
    await session.delete(row)
    await session.flush()
    await audit.record(
        session,
        resource_type=RESOURCE,
        resource_id=product_id,
        action="deleted",
        actor=actor,
        changes={"names": [before.names, None], "code": [before.code, None]},
    )


async def product_audit(
    session: AsyncSession, *, actor: Actor, product_id: uuid.UUID, limit: int, cursor: str | None
) -> Page[AuditEventRead]:
    await _product(session, actor, product_id)
    require(actor, Permission.READ)
    return await audit.list_events(
        session, resource_type=RESOURCE, resource_id=product_id, limit=limit, cursor=cursor
    )
