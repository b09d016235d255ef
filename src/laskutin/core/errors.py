"""Domain errors. Services raise these; api/problem.py turns them into problem+json.

Each error has a stable ``code`` (it becomes the problem ``type``) and a message key with
parameters that the API layer renders in the caller's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str  # already in the caller's language, or English for internal callers


class DomainError(Exception):
    code = "domain-error"

    def __init__(self, message_key: str | None = None, **params: object) -> None:
        self.message_key = message_key or self.code
        self.params: Mapping[str, object] = params
        super().__init__(f"{self.message_key} {params}" if params else self.message_key)


class NotFound(DomainError):
    code = "not-found"


class Conflict(DomainError):
    code = "conflict"


class PreconditionFailed(DomainError):
    """A conditional request's precondition does not hold (412): the ``If-Match`` ETag is not
    the resource's current one, so it changed since the client read it."""

    code = "precondition-failed"


class PermissionDenied(DomainError):
    code = "forbidden"


class Unauthenticated(DomainError):
    """No valid credential: a missing, invalid or expired token (the API answers 401)."""

    code = "unauthenticated"


class ValidationFailed(DomainError):
    code = "validation-error"

    def __init__(self, errors: list[FieldError], message_key: str | None = None) -> None:
        super().__init__(message_key or self.code)
        self.errors = errors


class TooManyRequests(DomainError):
    """Refused for now: come back after ``retry_after_seconds`` (429, with ``Retry-After``)."""

    code = "too-many-requests"

    def __init__(self, *, retry_after_seconds: int, message_key: str | None = None) -> None:
        super().__init__(message_key, retry_after=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class Locked(TooManyRequests):
    """The resource is locked for now (423, with ``Retry-After``)."""

    code = "locked"


class ServiceUnavailable(DomainError):
    code = "service-unavailable"


class DatabaseUnavailable(ServiceUnavailable):
    code = "database-unavailable"


@dataclass(frozen=True)
class Problem:
    """What a failed request answers, before rendering (RFC 9457)."""

    status: int
    code: str
    title_key: str
    detail_key: str
    params: Mapping[str, object] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    headers: Mapping[str, str] = field(default_factory=dict)


class RuleViolation(DomainError):
    """A pure rule refused an input (a bad IBAN, too many decimals, a date with no VAT rate).

    Each subclass names one rule: a stable ``code`` and its message in Finnish, Swedish and
    English, with ``{placeholders}`` filled from the keyword arguments. ``str(error)`` is English.
    """

    code = "rule-violation"
    messages: Mapping[str, str] = {
        "fi": "Virheellinen arvo.",
        "sv": "Ogiltigt värde.",
        "en": "Invalid value.",
    }

    def __init__(self, **params: object) -> None:
        super().__init__(self.code, **params)

    def message(self, language: str = "fi") -> str:
        template = self.messages.get(language) or self.messages["en"]
        return template.format_map(_Missing(self.params))

    def __str__(self) -> str:
        return self.message("en")


class _Missing(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
