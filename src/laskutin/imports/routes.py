"""Routes of CSV imports (``/api/v1/imports``): upload and check, read the report and the
progress, run."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from laskutin.api.authz import Member, Writer
from laskutin.api.deps import TenantSession
from laskutin.api.etag import etag_of, read_response
from laskutin.api.idempotency import IdempotencyDep
from laskutin.api.pagination import DEFAULT_LIMIT, CursorParam, LimitParam
from laskutin.api.problem import problem_response as _problem
from laskutin.core.errors import RuleViolation
from laskutin.core.i18n import negotiate_language
from laskutin.imports import service
from laskutin.imports.schemas import ImportKind, ImportPage, ImportRead

Responses = dict[int | str, dict[str, Any]]
_ETAG = {"ETag": {"description": "Strong entity tag", "schema": {"type": "string"}}}
_401: Responses = {401: _problem("No valid access token, or no longer a member")}
_403: Responses = {403: _problem("Your role may not do this")}
_404: Responses = {404: _problem("No such import in the active company")}
_CSV = {"text/csv": {"schema": {"type": "string", "format": "binary"}}}

imports_router = APIRouter(prefix="/imports", tags=["imports"])


class FileTooLarge(RuleViolation):
    code = "import-file-too-large"
    messages = {
        "fi": "Tiedosto on liian suuri (enintään {limit} megatavua).",
        "sv": "Filen är för stor (högst {limit} megabyte).",
        "en": "The file is too large (at most {limit} megabytes).",
    }


async def _body(request: Request) -> bytes:
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > service.MAX_BYTES:
            raise FileTooLarge(field="file", limit=service.MAX_BYTES // (1024 * 1024))
    return bytes(data)


@imports_router.post(
    "",
    status_code=201,
    operation_id="imports-create",
    summary="Upload a CSV file of customers or products: its check (a dry run) comes back",
    response_model=ImportRead,
    openapi_extra={"requestBody": {"required": True, "content": _CSV}},
    responses={
        201: {"headers": _ETAG},
        **_401,
        **_403,
        422: _problem("Not CSV, a needed column missing, too many rows, or too large"),
    },
)
async def upload(
    request: Request,
    actor: Writer,
    session: TenantSession,
    idem: IdempotencyDep,
    kind: Annotated[ImportKind, Query(description="customers or products")],
    filename: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The body is the file (UTF-8 or Windows-1252; `;`, `,` or tab between columns; a
    header row). Columns are recognised by the names other Finnish invoicing services export
    (Nimi, Y-tunnus, Sähköposti, Postinumero, ...; Tuotekoodi, Hinta, ALV %, ...) in Finnish,
    Swedish or English, or our own field names; others are ignored and listed. Nothing is
    imported yet: the answer lists every bad row by line, column and field (state
    `invalid`), or is ready to run (state `checked`): POST /imports/{id}/run."""
    data = await _body(request)
    language = negotiate_language(request.headers.get("accept-language"))
    read = await service.upload(
        session, actor=actor, kind=kind, data=data, filename=filename, language=language
    )
    return await idem.respond(
        201, read, headers={"Location": f"/api/v1/imports/{read.id}", "ETag": etag_of(read)}
    )


@imports_router.get(
    "",
    operation_id="imports-list",
    summary="The active company's imports, newest first",
    responses={**_401, 422: _problem("A bad cursor")},
)
async def list_imports(
    actor: Member,
    session: TenantSession,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> ImportPage:
    page = await service.list_imports(session, actor=actor, limit=limit, cursor=cursor)
    return ImportPage(items=page.items, next_cursor=page.next_cursor)


@imports_router.get(
    "/{import_id}",
    operation_id="imports-get",
    summary="An import: its check and, while it runs, its progress (done_rows of total_rows)",
    response_model=ImportRead,
    responses={200: {"headers": _ETAG}, **_401, **_404},
)
async def get_import(
    import_id: uuid.UUID, actor: Member, session: TenantSession, request: Request
) -> Response:
    return read_response(
        await service.get_import(session, actor=actor, import_id=import_id), request
    )


@imports_router.post(
    "/{import_id}/run",
    status_code=202,
    operation_id="imports-run",
    summary="Import a checked file: every row or none; follow the progress with GET",
    response_model=ImportRead,
    responses={
        202: {"headers": _ETAG},
        **_401,
        **_403,
        **_404,
        409: _problem("Not ready: it has bad rows, or it ran already (import-not-ready)"),
    },
)
async def run_import(
    import_id: uuid.UUID, actor: Member, session: TenantSession, idem: IdempotencyDep
) -> Response:
    """The rows are checked once more against the database of that moment; if any is bad
    then, nothing is imported and the import becomes `invalid` with the reasons."""
    read = await service.start(session, actor=actor, import_id=import_id)
    return await idem.respond(202, read, headers={"ETag": etag_of(read)})
