"""CSV import of customers and products: upload and check (a dry run that reports every bad row
by line, column and field), then run (the worker imports every row or none).

Each row is judged exactly as the API's create endpoint would judge it: the same schema
(CustomerCreate, ProductCreate) and the same domain rules (customers.service.new_customer_row,
products.service.new_product_row), plus what only a batch has: a customer number or product
code twice in the file or already taken. The run checks everything again against the database
of that moment, then inserts in bulk in one transaction; its progress is written from a second
connection so that the web app can show it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast

from pydantic import ValidationError
from sqlalchemy import Select, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from laskutin.api.pagination import Page, Sort, paginate
from laskutin.api.problem import field_error
from laskutin.audit.models import AuditEvent
from laskutin.auth.models import User
from laskutin.companies.domain import Permission, Role
from laskutin.companies.service import Actor, require
from laskutin.core import clock
from laskutin.core.db import unit_of_work
from laskutin.core.errors import Conflict, NotFound, RuleViolation
from laskutin.core.i18n import Language
from laskutin.core.tenancy import act_as
from laskutin.customers import domain as customer_domain
from laskutin.customers import service as customers
from laskutin.customers.models import Customer
from laskutin.customers.schemas import CustomerCreate
from laskutin.imports.columns import COLUMNS, ColumnMap, Kind, cells_of, map_columns
from laskutin.imports.csvfile import CsvUnreadable, read_table
from laskutin.imports.models import Import
from laskutin.imports.rows import customer_body, product_body
from laskutin.imports.schemas import ImportColumns, ImportRead, RowProblem
from laskutin.jobs.queue import enqueue
from laskutin.products import service as products
from laskutin.products.models import Product
from laskutin.products.schemas import ProductCreate

MAX_BYTES: Final = 20 * 1024 * 1024
MAX_ROWS: Final = 100_000
ERRORS_KEPT: Final = 1000
CHUNK: Final = 1000  # rows per INSERT batch and per progress update
RUN_IMPORT: Final = "imports.run"
SORT = Sort("created", ((Import.created_at, "desc"), (Import.id, "desc")))
# Which columns a file must have (any one of each group).
REQUIRED: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "customers": (("name",),),
    "products": (("name_fi", "name_sv", "name_en"), ("unit_price", "unit_price_with_vat")),
}


# --- errors ----------------------------------------------------------------------------------


class CsvNotReadable(RuleViolation):
    code = "import-file-unreadable"
    messages = {
        "fi": "Tiedostoa ei voi lukea CSV-muodossa: {reason}.",
        "sv": "Filen kan inte läsas som CSV: {reason}.",
        "en": "The file cannot be read as CSV: {reason}.",
    }


class ColumnMissing(RuleViolation):
    code = "import-column-missing"
    messages = {
        "fi": "Tiedostosta puuttuu sarake {expected}. Sarakkeet olivat: {found}.",
        "sv": "Filen saknar kolumnen {expected}. Kolumnerna var: {found}.",
        "en": "The file has no {expected} column. Its columns were: {found}.",
    }


class TooManyRows(RuleViolation):
    code = "import-too-many-rows"
    messages = {
        "fi": "Tiedostossa on {count} riviä; enintään {limit} kerralla.",
        "sv": "Filen har {count} rader; högst {limit} åt gången.",
        "en": "The file has {count} rows; at most {limit} at a time.",
    }


class NotReady(Conflict):
    """Running an import that is not ``checked`` (invalid, running or done already)."""

    code = "import-not-ready"


_DUPLICATE = {
    "fi": "{value} on tiedostossa jo rivillä {line}.",
    "sv": "{value} finns redan i filen på rad {line}.",
    "en": "{value} is in the file already on line {line}.",
}
_TAKEN = {
    "fi": "{value} on jo käytössä.",
    "sv": "{value} används redan.",
    "en": "{value} is taken already.",
}
_BAD_RATE = {
    "fi": "ALV-kanta {value} ei ole voimassa oleva kanta. 0 %:n tuotteille anna ALV-luokka "
    "(Z, E, AE, K, G tai O).",
    "sv": "Momssatsen {value} är ingen gällande sats. För 0 % ange momskategorin "
    "(Z, E, AE, K, G eller O).",
    "en": "VAT rate {value} is no rate in force. For 0 % give the VAT category "
    "(Z, E, AE, K, G or O).",
}


# --- checking ----------------------------------------------------------------------------------


@dataclass
class Checked:
    """A file judged row by row: the rows ready to insert, or the problems."""

    kind: Kind
    total: int
    column_map: ColumnMap
    header: list[str]
    # (line, model) of good rows.
    good: list[tuple[int, Any]] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    def column_of(self, name: str | None) -> str | None:
        if name is None:
            return None
        root = name.split(".")[0]
        candidates = [root, f"billing_{name.split('.')[-1]}", f"name_{name.split('.')[-1]}"]
        if root == "unit_price":
            candidates.append("unit_price_with_vat")
        for candidate in candidates:
            if candidate in self.column_map.fields:
                return self.header[self.column_map.fields[candidate]]
        return None

    def problem(self, line: int, field_name: str | None, message: str) -> RowProblem:
        return RowProblem(
            line=line, column=self.column_of(field_name), field=field_name, message=message
        )


def _parse(kind: Kind, data: bytes) -> tuple[list[str], ColumnMap, list[tuple[int, list[str]]]]:
    try:
        table = read_table(data)
    except CsvUnreadable as exc:
        raise CsvNotReadable(field="file", reason=exc.reason) from None
    if len(table.rows) > MAX_ROWS:
        raise TooManyRows(field="file", count=len(table.rows), limit=MAX_ROWS)
    column_map = map_columns(kind, table.header)
    for group in REQUIRED[kind]:
        if not any(name in column_map.fields for name in group):
            expected = " / ".join(f'"{COLUMNS[kind][name][1]}"' for name in group)
            raise ColumnMissing(field="file", expected=expected, found=", ".join(table.header))
    return table.header, column_map, table.rows


def _model_errors(
    checked: Checked, line: int, exc: ValidationError, language: Language
) -> list[RowProblem]:
    problems = []
    for error in exc.errors():
        found = field_error(cast(dict[str, Any], error), language)
        problems.append(checked.problem(line, found.field, found.message))
    return problems


def _judge_rows(
    checked: Checked,
    rows: Sequence[tuple[int, list[str]]],
    language: Language,
    to_model: Callable[[dict[str, str]], Any],
) -> None:
    for line, cells in rows:
        model, problems = _judge(
            checked, line, dict(cells_of(checked.column_map, cells)), language, to_model
        )
        if problems:
            checked.errors.extend(problems)
        else:
            checked.good.append((line, model))


def _judge(
    checked: Checked,
    line: int,
    values: dict[str, str],
    language: Language,
    to_model: Callable[[dict[str, str]], Any],
) -> tuple[Any, list[RowProblem]]:
    """The row's model, or every problem of the row: the schema and the rules stop at their
    first refusal, so a refused value is left out and the row judged again, until it passes
    or nothing more can be left out."""
    problems: list[RowProblem] = []
    seen: set[str | None] = set()
    for attempt in range(len(values) + 1):
        try:
            return to_model(values), problems
        except ValidationError as exc:
            found = _model_errors(checked, line, exc, language)
        except RuleViolation as exc:
            found = [checked.problem(line, _field_of(exc), exc.message(language))]
        fresh = [p for p in found if p.field not in seen]
        if attempt:  # a field no column fills is missing because a value was left out
            fresh = [p for p in fresh if p.column is not None]
        problems.extend(fresh)
        seen.update(p.field for p in found)
        named = {_column_field(checked, p.field) for p in found}
        removable = {key for key in named if key is not None and key in values}
        if not fresh or not removable:
            break
        for key in removable:
            del values[key]
    return None, problems


def _column_field(checked: Checked, field_name: str | None) -> str | None:
    """The CSV field (a key of the row's values) behind a schema or rule field."""
    if field_name is None:
        return None
    column = checked.column_of(field_name)
    if column is None:
        return None
    for key, index in checked.column_map.fields.items():
        if checked.header[index] == column:
            return key
    return None


def _field_of(exc: RuleViolation) -> str | None:
    value = exc.params.get("field")
    return value if isinstance(value, str) else None


class _BadRate(RuleViolation):
    code = "import-vat-rate"
    messages = _BAD_RATE


def _customer_model(company_id: uuid.UUID) -> Callable[[dict[str, str]], Any]:
    def to_model(values: dict[str, str]) -> tuple[CustomerCreate, Customer]:
        data = CustomerCreate.model_validate(customer_body(values))
        return data, customers.new_customer_row(company_id, data)

    return to_model


def _product_model(company_id: uuid.UUID) -> Callable[[dict[str, str]], Any]:
    day = clock.today()

    def to_model(values: dict[str, str]) -> tuple[ProductCreate, Product]:
        body, bad_rate = product_body(values, day)
        if bad_rate is not None:
            raise _BadRate(field="vat_rate", value=values.get("vat_rate"))
        data = ProductCreate.model_validate(body)
        return data, products.new_product_row(company_id, data)

    return to_model


def _no_repeats(
    checked: Checked, key_of: Callable[[Any], str | None], field_name: str, language: Language
) -> None:
    """A value the rows must not share: each repeat is an error on its later line."""
    first: dict[str, int] = {}
    for line, model in checked.good:
        key = key_of(model)
        if key is None:
            continue
        if key in first:
            message = _DUPLICATE[language].format(value=key, line=first[key])
            checked.errors.append(checked.problem(line, field_name, message))
        else:
            first[key] = line


async def check_rows(
    session: AsyncSession, actor: Actor, kind: Kind, data: bytes, language: Language
) -> Checked:
    """Judge every row (nothing is written)."""
    header, column_map, rows = _parse(kind, data)
    checked = Checked(kind=kind, total=len(rows), column_map=column_map, header=header)
    if kind == "customers":
        _judge_rows(checked, rows, language, _customer_model(actor.company_id))
        number_of: Callable[[Any], str | None] = lambda m: (  # noqa: E731
            None if m[0].customer_number is None else str(m[0].customer_number)
        )
        _no_repeats(checked, number_of, "customer_number", language)
        numbers = [m[0].customer_number for _, m in checked.good if m[0].customer_number]
        taken = set(
            (
                await session.scalars(
                    select(Customer.customer_number).where(
                        Customer.company_id == actor.company_id,
                        Customer.customer_number.in_(numbers),
                    )
                )
            ).all()
        )
        for line, model in checked.good:
            if model[0].customer_number in taken:
                message = _TAKEN[language].format(value=model[0].customer_number)
                checked.errors.append(checked.problem(line, "customer_number", message))
        await _duplicate_ids(session, actor, checked, language)
    else:
        _judge_rows(checked, rows, language, _product_model(actor.company_id))
        code_of: Callable[[Any], str | None] = lambda m: (  # noqa: E731
            None if m[1].code is None else m[1].code.lower()
        )
        _no_repeats(checked, code_of, "code", language)
        codes = [m[1].code.lower() for _, m in checked.good if m[1].code]
        taken_codes = await products.taken_codes(session, actor, codes) if codes else set()
        for line, model in checked.good:
            if model[1].code and model[1].code.lower() in taken_codes:
                message = _TAKEN[language].format(value=model[1].code)
                checked.errors.append(checked.problem(line, "code", message))
    checked.errors.sort(key=lambda p: p.line)
    return checked


async def _duplicate_ids(
    session: AsyncSession, actor: Actor, checked: Checked, language: Language
) -> None:
    """A business ID another customer has already: a warning, never a refusal (as in the API)."""
    ids = {m[1].business_id: line for line, m in checked.good if m[1].business_id}
    if not ids:
        return
    existing = await session.execute(
        select(Customer.business_id, Customer.id, Customer.customer_number, Customer.name)
        .where(Customer.company_id == actor.company_id, Customer.business_id.in_(list(ids)))
        .order_by(Customer.customer_number)
    )
    warned: set[str] = set()
    for business_id, other_id, number, name in existing.all():
        if business_id is None or business_id in warned:
            continue
        warned.add(business_id)
        warning = customer_domain.DuplicateWarning(
            customer_domain.WarningCode.DUPLICATE_BUSINESS_ID, business_id, other_id, number, name
        )
        checked.warnings.append(
            checked.problem(ids[business_id], "business_id", warning.message(language))
        )
    checked.warnings.sort(key=lambda p: p.line)


# --- the import resource ------------------------------------------------------------------------


def _read(row: Import) -> ImportRead:
    columns = row.columns or {}
    return ImportRead(
        id=row.id,
        kind=cast(Kind, row.kind),
        state=cast(Any, row.state),
        filename=row.filename,
        total_rows=row.total_rows,
        done_rows=row.done_rows,
        created_count=row.created_count,
        error_count=row.error_count,
        errors=[RowProblem(**e) for e in row.errors],
        warnings=[RowProblem(**w) for w in row.warnings],
        columns=ImportColumns(used=columns.get("used", {}), ignored=columns.get("ignored", [])),
        created_at=row.created_at,
        updated_at=row.updated_at,
        finished_at=row.finished_at,
    )


def _dump(problems: Sequence[RowProblem]) -> list[dict[str, Any]]:
    return [p.model_dump() for p in problems[:ERRORS_KEPT]]


async def upload(
    session: AsyncSession,
    *,
    actor: Actor,
    kind: Kind,
    data: bytes,
    filename: str | None,
    language: Language,
) -> ImportRead:
    """Keep the file and answer its check: state ``checked`` or ``invalid`` with every bad
    row. A file that is not CSV or lacks a needed column is refused (422) and not kept."""
    require(actor, Permission.WRITE)
    checked = await check_rows(session, actor, kind, data, language)
    now = clock.now()
    row = Import(
        id=uuid.uuid4(),
        company_id=actor.company_id,
        kind=kind,
        state="invalid" if checked.errors else "checked",
        filename=filename,
        content=data,
        language=language,
        total_rows=checked.total,
        done_rows=0,
        created_count=0,
        error_count=len(checked.errors),
        errors=_dump(checked.errors),
        warnings=_dump(checked.warnings),
        columns={
            "used": {f: checked.header[i] for f, i in checked.column_map.fields.items()},
            "ignored": checked.column_map.ignored,
        },
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return _read(row)


async def _find(session: AsyncSession, actor: Actor, import_id: uuid.UUID) -> Import:
    row = await session.scalar(
        select(Import)
        .where(Import.company_id == actor.company_id, Import.id == import_id)
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound()
    return row


async def get_import(session: AsyncSession, *, actor: Actor, import_id: uuid.UUID) -> ImportRead:
    return _read(await _find(session, actor, import_id))


async def list_imports(
    session: AsyncSession, *, actor: Actor, limit: int, cursor: str | None
) -> Page[ImportRead]:
    statement = cast("Select[Any]", select(Import).where(Import.company_id == actor.company_id))
    return await paginate(session, statement, sort=SORT, limit=limit, cursor=cursor, item=_read)


async def start(session: AsyncSession, *, actor: Actor, import_id: uuid.UUID) -> ImportRead:
    """Queue the import of a ``checked`` file (the worker runs it)."""
    row = await session.scalar(
        select(Import)
        .where(Import.company_id == actor.company_id, Import.id == import_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFound()
    require(actor, Permission.WRITE)
    if row.state != "checked":
        raise NotReady(state=row.state)
    row.state = "queued"
    row.updated_at = clock.now()
    await session.flush()
    await enqueue(
        session,
        RUN_IMPORT,
        company_id=str(actor.company_id),
        import_id=str(row.id),
        user_id=str(actor.user_id),
    )
    return _read(row)


# --- running -----------------------------------------------------------------------------------

_PROGRESS = text("UPDATE imports SET done_rows = :done, updated_at = now() WHERE id = :id")


async def _progress(
    factory: async_sessionmaker[AsyncSession],
    company_id: uuid.UUID,
    import_id: uuid.UUID,
    done: int,
) -> None:
    """Written and committed on its own connection, so readers see it while the import's
    transaction is still open."""
    async with unit_of_work(factory) as session:
        await act_as(session, company_id=company_id, user_id=None)
        await session.execute(_PROGRESS, {"done": done, "id": import_id})


def _customer_values(model: tuple[CustomerCreate, Customer], number: int) -> dict[str, Any]:
    row = model[1]
    values = {
        column.key: getattr(row, column.key)
        for column in Customer.__table__.columns
        if column.key not in ("created_at", "updated_at", "archived_at")
    }
    values["id"] = uuid.uuid4()
    values["customer_number"] = number
    return values


def _product_values(model: tuple[ProductCreate, Product]) -> dict[str, Any]:
    row = model[1]
    values = {
        column.key: getattr(row, column.key)
        for column in Product.__table__.columns
        if column.key not in ("created_at", "updated_at", "archived_at")
    }
    values["id"] = uuid.uuid4()
    return values


async def run(
    session: AsyncSession,
    factory: async_sessionmaker[AsyncSession] | None,
    *,
    company_id: uuid.UUID,
    import_id: uuid.UUID,
    user_id: uuid.UUID,
) -> None:
    """Import every row of a queued file in ``session``'s transaction, or none: the rows are
    checked again first (the database may have changed since the upload)."""
    await act_as(session, company_id=company_id, user_id=user_id)
    # One run at a time per import, also if the queue retries while one is still going.
    got = await session.scalar(
        text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"import:{import_id}"},
    )
    if not got:
        return
    row = await session.get(Import, import_id, populate_existing=True)
    if row is None or row.state not in ("queued", "running") or row.content is None:
        return
    role = await session.scalar(
        text("SELECT role FROM memberships WHERE company_id = :c AND user_id = :u"),
        {"c": company_id, "u": user_id},
    )
    if role is None:
        row.state, row.updated_at = "failed", clock.now()
        return
    actor = Actor(user_id=user_id, company_id=company_id, role=Role(role))
    kind = cast(Kind, row.kind)
    language = cast(Language, row.language)
    if factory is not None:
        await _progress(factory, company_id, import_id, 0)
    if kind == "customers":
        await customers.lock_numbering(session, actor)
    checked = await check_rows(session, actor, kind, row.content, language)
    if checked.errors:
        row.state = "invalid"
        row.errors, row.error_count = _dump(checked.errors), len(checked.errors)
        row.updated_at = clock.now()
        return
    values: list[dict[str, Any]]
    if kind == "customers":
        given = [m[0].customer_number for _, m in checked.good if m[0].customer_number]
        highest = await customers.highest_number(session, actor) or 0
        next_number = max([highest, *given]) + 1
        values = []
        for _, model in checked.good:
            number = model[0].customer_number
            if number is None:
                number = next_number
                next_number += 1
            values.append(_customer_values(model, number))
        table: Any = Customer
    else:
        values = [_product_values(model) for _, model in checked.good]
        table = Product
    name = await session.scalar(select(User.name).where(User.id == user_id)) or ""
    resource = "customer" if kind == "customers" else "product"
    for start_at in range(0, len(values), CHUNK):
        chunk = values[start_at : start_at + CHUNK]
        await session.execute(insert(table), chunk)
        await session.execute(
            insert(AuditEvent),
            [
                {
                    "company_id": company_id,
                    "resource_type": resource,
                    "resource_id": v["id"],
                    "action": "imported",
                    "actor_user_id": user_id,
                    "actor_name": name,
                    "changes": {"import_id": str(import_id)},
                }
                for v in chunk
            ],
        )
        if factory is not None:
            await _progress(factory, company_id, import_id, start_at + len(chunk))
    now = clock.now()
    row.state = "done"
    row.done_rows = row.created_count = len(values)
    row.content = None  # imported: the file is not kept
    row.updated_at = row.finished_at = now
    await session.flush()
