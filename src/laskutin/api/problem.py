"""Every error as RFC 9457 problem+json, in the caller's language (Accept-Language).

The ``type`` is a stable relative URI per kind of error (``/problems/<code>``), documented in
docs/api-errors.md; clients compare it as a string.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from laskutin.core import errors
from laskutin.core.db import is_database_unavailable
from laskutin.core.i18n import Language, negotiate_language, translate
from laskutin.core.logging import request_id_var

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = "5"

STATUS_BY_ERROR: list[tuple[type[errors.DomainError], int]] = [
    (errors.Unauthenticated, 401),
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.PreconditionFailed, 412),
    (errors.Locked, 423),
    (errors.TooManyRequests, 429),
    (errors.PermissionDenied, 403),
    (errors.ValidationFailed, 422),
    (errors.RuleViolation, 422),
    (errors.ServiceUnavailable, 503),
]


def problem_type(code: str) -> str:
    return f"/problems/{code}"


def render(
    request: Request | None,
    problem: errors.Problem,
    *,
    language: Language | None = None,
    detail: str | None = None,
) -> JSONResponse:
    """The problem as a response; ``detail``, when given, is already in ``language``."""
    if language is None:
        header = request.headers.get("accept-language") if request is not None else None
        language = negotiate_language(header)
    request_id = request_id_var.get()
    params = {"request_id": request_id, **problem.params}
    # An error kind without a title of its own still gets words, not its code, in a title.
    title = translate(problem.title_key, language, params) or translate(
        "http-error", language, params
    )
    title = title or problem.title_key
    if detail is None:
        detail = translate(f"{problem.detail_key}.detail", language, params)
    if detail is None:
        detail = translate(problem.detail_key, language, params) or title
    body: dict[str, Any] = {
        "type": problem_type(problem.code),
        "title": title,
        "status": problem.status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if request_id:
        body["request_id"] = request_id
    if problem.errors:
        body["errors"] = [
            {"field": e.field, "code": e.code, "message": e.message} for e in problem.errors
        ]
    headers = {"Content-Language": language, **problem.headers}
    return JSONResponse(body, status_code=problem.status, headers=headers, media_type=PROBLEM_JSON)


def from_domain_error(exc: errors.DomainError) -> errors.Problem:
    status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
    headers = {"Retry-After": RETRY_AFTER_SECONDS} if status == 503 else {}
    if status == 401:  # RFC 6750: which scheme to authenticate with
        headers = {"WWW-Authenticate": 'Bearer realm="laskutin"'}
    if isinstance(exc, errors.TooManyRequests):  # RFC 9110 §10.2.3: a delay in seconds
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    field_errors = exc.errors if isinstance(exc, errors.ValidationFailed) else []
    params: dict[str, object] = dict(exc.params)
    if field_errors:
        params.setdefault("count", len(field_errors))
    return errors.Problem(
        status=status,
        code=exc.code,
        title_key=exc.code,
        detail_key=exc.message_key,
        params=params,
        errors=field_errors,
        headers=headers,
    )


def unexpected_error_response(request: Request, exc: BaseException) -> JSONResponse:
    """A 500 (or 503 for a database outage) that reveals nothing internal; the trace is logged."""
    if is_database_unavailable(exc):
        log.warning("database unavailable: %s", exc.__class__.__name__)
        return render(request, from_domain_error(errors.DatabaseUnavailable()))
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return render(
        request,
        errors.Problem(500, "internal-error", "internal-error", "internal-error"),
    )


def field_error(error: Mapping[str, Any], language: Language) -> errors.FieldError:
    code = str(error.get("type", "invalid"))
    location = [str(part) for part in error.get("loc", ())]
    if code == "json_invalid":
        location = []  # FastAPI puts the character offset there, not a field
    elif location and location[0] == "body":
        location = location[1:]
    field = ".".join(location) or "body"
    context = dict(error.get("ctx") or {})
    message = translate(f"field.{code}", language, context)
    if message is None:
        # pydantic's own text is English; other languages get a plain sentence of their own.
        fallback = str(error.get("msg") or "")
        message = fallback if language == "en" and fallback else None
    if message is None:
        message = translate("field.invalid", language) or code
    return errors.FieldError(field=field, code=code, message=message)


def _validation_problem(request: Request, raw_errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    language = negotiate_language(request.headers.get("accept-language"))
    field_errors = [field_error(e, language) for e in raw_errors]
    problem = errors.Problem(
        422,
        "validation-error",
        "validation-error",
        "validation-error",
        params={"count": len(field_errors)},
        errors=field_errors,
    )
    return render(request, problem, language=language)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_problem(request, exc.errors())


# FastAPI's answer to a body it cannot even decode (not UTF-8, say): a bare 400, where invalid
# JSON gets a 422. Both are the same mistake to a client, so both are the same problem.
_UNPARSABLE_BODY = "There was an error parsing the body"


async def _on_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
        return _validation_problem(request, [{"type": "json_invalid", "loc": ("body",)}])
    if exc.status_code == 404:
        problem = errors.Problem(404, "not-found", "not-found", "not-found", headers=headers)
    elif exc.status_code == 405:
        allowed = _allowed_methods(request) or headers.get("Allow", headers.get("allow", ""))
        headers = {k: v for k, v in headers.items() if k.lower() != "allow"}
        headers["Allow"] = allowed
        problem = errors.Problem(
            405,
            "method-not-allowed",
            "method-not-allowed",
            "method-not-allowed",
            params={"method": request.method, "allowed": allowed},
            headers=headers,
        )
    elif exc.status_code == 413:
        problem = errors.Problem(413, "request-too-large", "request-too-large", "request-too-large")
    else:
        problem = errors.Problem(
            exc.status_code,
            "http-error",
            "http-error",
            "http-error",
            params={"status": exc.status_code},
            headers=headers,
        )
    return render(request, problem)


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method some route fully matches at this path, in a stable order.

    Starlette names only the first matching route's methods, in set order; asking the router
    per method also sees into included routers.
    """
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]
    return ", ".join(allowed)


async def _on_domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)
    language = negotiate_language(request.headers.get("accept-language"))
    problem = from_domain_error(exc)
    if not isinstance(exc, errors.RuleViolation):
        return render(request, problem, language=language)
    # A rule violation carries its own words in each language; one that names the field it
    # refused is also listed like a validation error, so clients can point at the field.
    detail = exc.message(language)
    field = exc.params.get("field")
    if isinstance(field, str):
        problem = replace(
            problem,
            title_key="validation-error",
            errors=[errors.FieldError(field=field, code=exc.code, message=detail)],
        )
    else:
        problem = replace(problem, title_key="validation-error")
    return render(request, problem, language=language, detail=detail)


async def _on_idempotent_replay(request: Request, exc: Exception) -> Response:
    from laskutin.api.idempotency import IdempotentReplay

    assert isinstance(exc, IdempotentReplay)
    return exc.response


def install_problem_handlers(app: FastAPI) -> None:
    from laskutin.api.idempotency import IdempotentReplay

    # Not a problem: a retried POST answers its first answer (laskutin.api.idempotency).
    app.add_exception_handler(IdempotentReplay, _on_idempotent_replay)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(errors.DomainError, _on_domain_error)


# The contract says what the handlers above answer: FastAPI's default 422 schema
# ({"detail": [...]}, application/json) is not what clients get.
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_PROBLEM_SCHEMAS: dict[str, Any] = {
    "FieldError": {
        "title": "FieldError",
        "type": "object",
        "description": "One input field that failed validation.",
        "properties": {
            "field": {
                "type": "string",
                "description": "Dotted path of the field in the body (e.g. lines.0.price); "
                "query and path parameters start with query. or path.; body for the body itself.",
            },
            "code": {
                "type": "string",
                "description": "Stable machine-readable reason (e.g. missing, string_too_short).",
            },
            "message": {
                "type": "string",
                "description": "The reason in the language of the response (Content-Language).",
            },
        },
        "required": ["field", "code", "message"],
    },
    "Problem": {
        "title": "Problem",
        "type": "object",
        "description": "An error, as RFC 9457 problem details (application/problem+json). "
        "Title and detail are in the language negotiated from Accept-Language (fi, sv, en; "
        "Finnish by default), named by the Content-Language header.",
        "properties": {
            "type": {
                "type": "string",
                "description": "Stable identifier of the kind of error: /problems/<code>.",
                "examples": ["/problems/not-found"],
            },
            "title": {"type": "string", "description": "Short summary of the kind of error."},
            "status": {"type": "integer", "description": "The HTTP status code."},
            "detail": {"type": "string", "description": "What went wrong with this request."},
            "instance": {"type": "string", "description": "The path that was requested."},
            "request_id": {
                "type": "string",
                "description": "The request's id (also the X-Request-ID header); give it to "
                "support.",
            },
            "errors": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/FieldError"},
                "description": "For validation errors: every field that failed.",
            },
        },
        "required": ["type", "title", "status", "detail"],
    },
}
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAPI response documented as problem+json, for a route's ``responses``."""
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}},
    }
    if headers:
        response["headers"] = headers
    return response


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe every operation's errors as problem+json in an OpenAPI document (in place)."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(_PROBLEM_SCHEMAS)
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            # Any input can be invalid (a body that is not JSON, a parameter of the wrong
            # type), and any operation behind a token can find it missing or expired: each
            # such operation lists these statuses, whether or not its route declared them.
            if "422" in responses or "parameters" in operation or "requestBody" in operation:
                responses["422"] = problem_response(
                    "Invalid input: each failing field with a stable code and a message"
                )
            if operation.get("security"):
                responses.setdefault(
                    "401", problem_response("Not signed in, or the access token has expired")
                )
            responses.setdefault("default", problem_response("An error (RFC 9457 problem details)"))
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(schema):
            schemas.pop(unused, None)
    return schema
