"""``Idempotency-Key`` for POSTs with a side effect: a retried request answers the first answer.

The contract (issue 5, docs/api-conventions.md): the key is stored in the same transaction as
the effect, scoped to the company and the credential (``user:<uuid>``; later ``key:<uuid>`` for
API keys), and kept 24 hours. A replay returns the first answer (same status, body and stored
headers, plus ``Idempotent-Replayed: true``); a concurrent duplicate waits for the first to
finish and then replays; the same key with another request (method, path or body) is refused
with 422 (``/problems/idempotency-key-reused``).

How: :data:`IdempotencyDep` runs before the route, in the request's transaction (the same
:data:`~laskutin.api.deps.TenantSession`: FastAPI gives one per request). With the header it
inserts a pending ``idempotency_keys`` row (``INSERT ... ON CONFLICT``). A concurrent insert of
the same key waits in PostgreSQL until the first transaction commits (then this one replays) or
rolls back (then this one goes ahead). The route ends with :meth:`Idempotency.respond`, which
stores the answer in the row and returns it; the commit then keeps the effect, the key and the
answer together. Without the header, ``respond`` just answers. Example::

    @router.post("", status_code=201, response_model=CustomerRead)
    async def create_customer(
        body: CustomerCreate, actor: Writer, session: TenantSession, idem: IdempotencyDep
    ) -> Response:
        customer = await service.create_customer(session, actor=actor, data=body)
        return await idem.respond(
            201, customer,
            headers={"Location": f"/api/v1/customers/{customer.id}", "ETag": etag_of(customer)},
        )

Notes for route authors:

- Always answer through ``idem.respond``; a key whose route returned otherwise is forgotten
  at the end of the request (a retry runs again).
- A domain error (4xx) or a crash rolls the transaction back: the key is not stored, and a
  retry with the same key runs the request again. Only successful answers are replayed.
- The dependency needs an authenticated tenant request (it uses the token's company and user).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import DateTime, ForeignKey, Integer, Text, delete, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from laskutin.api.deps import TenantSession, request_claims
from laskutin.auth.tokens import AccessClaims
from laskutin.core import jsontext
from laskutin.core.db import before_commit, driver_connection
from laskutin.core.errors import Conflict, RuleViolation
from laskutin.core.models import Base

__all__ = [
    "HEADER",
    "KEEP_FOR",
    "REPLAYED_HEADER",
    "Dumped",
    "Idempotency",
    "IdempotencyDep",
    "IdempotencyKey",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "IdempotentReplay",
    "credential_of",
    "sweep",
]

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = dt.timedelta(hours=24)
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"


class IdempotencyKey(Base):
    """One ``Idempotency-Key`` of a company's credential, with the first answer (tenant table:
    row-level security on company_id, migration 20261125_0007). ``status_code`` is NULL while
    the first request runs."""

    __tablename__ = "idempotency_keys"

    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    credential: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(JSONB(none_as_null=True), nullable=True)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSONB(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class IdempotencyKeyReused(RuleViolation):
    """The key was used for another request (method, path or body) within 24 hours."""

    code = "idempotency-key-reused"
    messages = {
        "fi": "Otsakkeen {field} avain on jo käytetty toiseen pyyntöön. Käytä uutta avainta "
        "jokaiselle eri pyynnölle.",
        "sv": "Nyckeln i huvudet {field} har redan använts för en annan begäran. Använd en ny "
        "nyckel för varje ny begäran.",
        "en": "The key in the {field} header was already used for a different request. Use a "
        "new key for each new request.",
    }

    def __init__(self) -> None:
        super().__init__(field=f"header.{HEADER}")


class IdempotencyKeyInUse(Conflict):
    """A request with this key was committed without an answer (a route that did not answer
    through :meth:`Idempotency.respond`): 409, try again later."""

    code = "idempotency-key-in-use"


class IdempotentReplay(Exception):
    """Raised by the dependency to answer the stored response instead of running the route
    (api/problem.py installs the handler; the request's transaction rolls back: it only read)."""

    def __init__(self, response: Response) -> None:
        super().__init__("replay")
        self.response = response


def credential_of(claims: AccessClaims) -> str:
    """The credential a key is scoped to: ``user:<uuid>`` for a user's access token,
    ``key:<uuid>`` for an API key."""
    if claims.api_key_id is not None:
        return f"key:{claims.api_key_id}"
    return f"user:{claims.user_id}"


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(method.upper().encode() + b"\n" + path.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


@dataclass(frozen=True)
class Dumped:
    """A body already in its JSON form (``model.model_dump(mode="json")``), e.g. one that was
    dumped once for its ETag too (api.etag.etag_of_content)."""

    content: Any


def _content(body: BaseModel | Any) -> Any:
    if isinstance(body, Dumped):
        return body.content
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json")
    return jsonable_encoder(body)


def _encode(content: Any) -> bytes:
    """``content`` as JSONResponse writes it (the same bytes: core.jsontext)."""
    return jsontext.dumps(content)


def _response(status_code: int, content: Any, headers: Mapping[str, str]) -> Response:
    if content is None:
        return Response(status_code=status_code, headers=dict(headers))
    return JSONResponse(content, status_code=status_code, headers=dict(headers))


# Every POST with the header runs these two: lean SQL (core.db.driver_connection), statements
# prepared once per connection instead of built and compiled per request. JSONB parameters are
# JSON text.
_CLAIM_SQL = (
    "INSERT INTO idempotency_keys (company_id, credential, key, request_hash, expires_at) "
    "VALUES ($1, $2, $3, $4, now() + interval '"
    + str(int(KEEP_FOR.total_seconds()))
    + " seconds') "
    "ON CONFLICT (company_id, credential, key) DO UPDATE SET "
    "request_hash = excluded.request_hash, status_code = NULL, response_body = NULL, "
    "response_headers = NULL, created_at = now(), expires_at = excluded.expires_at "
    "WHERE idempotency_keys.expires_at < now() RETURNING idempotency_keys.key"
)
_ANSWER_SQL = (
    "UPDATE idempotency_keys SET status_code = $4, response_body = $5, response_headers = $6 "
    "WHERE company_id = $1 AND credential = $2 AND key = $3"
)


class Idempotency:
    """The request's idempotency key (or none); answer with :meth:`respond`."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        company_id: uuid.UUID | None = None,
        credential: str | None = None,
        key: str | None = None,
    ) -> None:
        self.session = session
        self.company_id = company_id
        self.credential = credential
        self.key = key
        self.answered = False

    async def respond(
        self,
        status_code: int,
        body: BaseModel | Any = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The JSON answer (``body``: a Pydantic model, JSON-able data, or None for no body),
        stored with ``headers`` under the request's key in the request's transaction."""
        content = None if body is None else _content(body)
        stored_headers = dict(headers or {})
        # Serialised once: the stored answer and the body sent are the same JSON text.
        encoded = None if content is None else _encode(content)
        if self.key is not None:
            await (await driver_connection(self.session)).execute(
                _ANSWER_SQL,
                self.company_id,
                self.credential,
                self.key,
                status_code,
                None if encoded is None else encoded.decode(),
                jsontext.dumps_text(stored_headers),
            )
        self.answered = True
        if encoded is None:
            return Response(status_code=status_code, headers=stored_headers)
        return Response(
            encoded, status_code=status_code, headers=stored_headers, media_type="application/json"
        )

    def _identity(self) -> list[Any]:
        return [
            IdempotencyKey.company_id == self.company_id,
            IdempotencyKey.credential == self.credential,
            IdempotencyKey.key == self.key,
        ]

    async def _claim(self, fingerprint: str) -> None:
        """Insert the pending row, or replay/refuse what an earlier request stored."""
        # An expired key not yet swept starts again; a live one is left alone (and waited for,
        # when another transaction holds it uncommitted).
        claimed = await (await driver_connection(self.session)).fetchval(
            _CLAIM_SQL, self.company_id, self.credential, self.key, fingerprint
        )
        if claimed is not None:
            return
        row = (
            await self.session.execute(select(IdempotencyKey).where(*self._identity()))
        ).scalar_one()
        if row.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        if row.status_code is None:
            raise IdempotencyKeyInUse()
        headers = {**(row.response_headers or {}), REPLAYED_HEADER: "true"}
        raise IdempotentReplay(_response(row.status_code, row.response_body, headers))

    async def _forget_unanswered(self) -> None:
        if self.key is not None and not self.answered:
            log.warning("an Idempotency-Key request answered without idem.respond; key forgotten")
            await self.session.execute(delete(IdempotencyKey).where(*self._identity()))


async def _idempotency(
    request: Request,
    session: TenantSession,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            pattern=KEY_PATTERN,
            description="Optional: a unique key (1-255 visible ASCII characters, e.g. a UUID) "
            "that makes a retry safe. A retry with the same key and body within 24 hours "
            "answers the first answer (with `Idempotent-Replayed: true`) instead of doing it "
            "again; the same key with another body is refused (422).",
            examples=["0b6e1d9c-2f55-4c0e-9a53-1e0f4f5d2a77"],
        ),
    ] = None,
) -> Idempotency:
    if idempotency_key is None:
        return Idempotency(session)
    claims = request_claims(request)
    idem = Idempotency(
        session,
        company_id=claims.company_id,
        credential=credential_of(claims),
        key=idempotency_key,
    )
    await idem._claim(request_hash(request.method, request.url.path, await request.body()))
    # A key the route did not answer is forgotten when the request's transaction commits.
    before_commit(session, idem._forget_unanswered)
    return idem


IdempotencyDep = Annotated[Idempotency, Depends(_idempotency)]


async def sweep(session: AsyncSession) -> int:
    """Delete every expired key (of all companies); the number deleted.

    No company is active in a job: row-level security lets anyone delete expired keys and
    nothing else (policy ``idempotency_keys_delete_expired``), and the statement names no
    column, so it needs no SELECT policy either. Do not add a WHERE clause here.
    """
    result = await session.execute(text("DELETE FROM idempotency_keys"))
    return int(getattr(result, "rowcount", 0) or 0)
