"""Strong ETags, ``If-Match`` (412 when stale) and ``If-None-Match`` (304) for resources.

An ETag is the SHA-256 of the resource's canonical JSON representation (its Read schema,
``model_dump(mode="json")`` with sorted keys), quoted: the same representation always has the
same tag, on every replica, with no version column needed.

- :func:`etag_of` ``(model) -> str``: the strong ETag of a representation.
- :func:`check_if_match` ``(if_match, current) -> None``: raises
  :class:`~laskutin.core.errors.PreconditionFailed` (412, ``/problems/precondition-failed``)
  unless the header is absent, ``*``, or lists ``current``. Weak tags (``W/"..."``) never
  match (strong comparison, RFC 9110 §13.1.1); an unparseable header matches nothing.
- :data:`IfMatch`: a dependency giving the optional ``If-Match`` header (documented in OpenAPI).
- :func:`read_response` ``(model, request, status_code=200, headers=None) -> Response``: the
  JSON answer with its ``ETag`` header, or 304 Not Modified when ``If-None-Match`` names it.

**Lock before you compare.** The service must read the row with ``SELECT ... FOR UPDATE``,
build its Read model, compare, then change it, all in the request's transaction; otherwise two
PATCHes carrying the same ``If-Match`` could both pass the check and both win. Example (a
route and its service)::

    @router.patch("/{customer_id}", response_model=CustomerRead)
    async def update_customer(
        customer_id: uuid.UUID, body: CustomerUpdate, if_match: IfMatch,
        actor: Member, session: TenantSession, request: Request,
    ) -> Response:
        customer = await service.update_customer(
            session, actor=actor, customer_id=customer_id, changes=body.model_dump(
                exclude_unset=True), if_match=if_match)
        return read_response(customer, request)

    # service: row = await session.get(Customer, customer_id, with_for_update=True)
    #          (404 if missing), then check_if_match(if_match, etag_of(_read(row))), then change.

A route returning :func:`read_response` gives ``response_model=...`` in its decorator so that
OpenAPI still documents the body.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from laskutin.core import jsontext
from laskutin.core.errors import PreconditionFailed

__all__ = [
    "IfMatch",
    "check_if_match",
    "etag_of",
    "etag_of_content",
    "parse_etags",
    "read_response",
]

# One entity tag: optional W/ and a quoted string of visible ASCII other than the quote.
_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def etag_of(model: BaseModel) -> str:
    """The strong ETag of ``model``'s JSON representation, e.g. ``"3f2a...c9"`` (quoted)."""
    return etag_of_content(model.model_dump(mode="json"))


def etag_of_content(content: Any) -> str:
    """:func:`etag_of` for a representation already dumped (``model.model_dump(mode="json")``),
    so that a route dumping it for its body too does so once."""
    return '"' + hashlib.sha256(jsontext.canonical(content)).hexdigest()[:32] + '"'


def parse_etags(header: str) -> list[tuple[bool, str]] | None:
    """``(weak, tag)`` for each entity tag of an ``If-Match``/``If-None-Match`` list, or None
    when the header is not such a list. ``*`` is not handled here."""
    tags: list[tuple[bool, str]] = []
    position = 0
    header = header.strip()
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None or match.end() == position:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags or None


def check_if_match(if_match: str | None, current: str) -> None:
    """Refuse (412) unless ``If-Match`` is absent, ``*``, or lists ``current`` as a strong tag.

    Example: ``check_if_match(if_match, etag_of(customer_read))`` after ``SELECT ... FOR UPDATE``.
    """
    if if_match is None:
        return
    if if_match.strip() == "*":
        return  # the resource exists: the caller found it before checking
    tags = parse_etags(if_match) or []
    if any(not weak and tag == current for weak, tag in tags):
        return
    raise PreconditionFailed()


def _if_none_match_hits(if_none_match: str | None, current: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/"x"`` matches ``"x"`` too."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag == current for _, tag in parse_etags(if_none_match) or [])


def read_response(
    model: BaseModel,
    request: Request,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``model`` as JSON with its ``ETag``; 304 (no body) when ``If-None-Match`` names the tag.

    Example: ``return read_response(await service.get_customer(...), request)``.
    """
    tag = etag_of(model)
    all_headers = {**(headers or {}), "ETag": tag}
    if status_code == 200 and _if_none_match_hits(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=all_headers)
    return JSONResponse(model.model_dump(mode="json"), status_code=status_code, headers=all_headers)


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description="The resource's ETag as you last read it: the change is refused with "
            "412 (/problems/precondition-failed) if the resource has changed since. "
            "Optional; `*` matches any current version.",
            max_length=1000,
        ),
    ] = None,
) -> str | None:
    return if_match


IfMatch = Annotated[str | None, Depends(_if_match)]
"""The optional ``If-Match`` header (None when absent); pass it to :func:`check_if_match`."""
