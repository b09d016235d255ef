"""The catalogue of rule problems: every ``/problems/<code>`` a rule can answer, with its HTTP
status and its message in English and Finnish, written to docs/error-codes.md.

    .venv/bin/python -m laskutin.api.catalogue > docs/error-codes.md   # make error-codes

API users compare the ``type`` string, so the list is a contract: a test fails when the
committed file and the code drift apart (as for openapi/openapi.json).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass

import laskutin
from laskutin.api.problem import STATUS_BY_ERROR
from laskutin.core.errors import RuleViolation

HEADER = """# Error codes of the rules

Generated from the code by `make error-codes` (`python -m laskutin.api.catalogue`); do not edit
by hand. Each rule refusal answers `application/problem+json` with `type` `/problems/<code>`
and, for a field, `errors[].code` equal to the same code (docs/api-errors.md). Messages are
given here in English and Finnish; the API answers in the caller's language (fi, sv, en), with
`{placeholders}` filled in.

| code | status | English | suomi |
| --- | --- | --- | --- |
"""


@dataclass(frozen=True)
class Entry:
    code: str
    status: int
    english: str
    finnish: str


def _subclasses(cls: type[RuleViolation]) -> list[type[RuleViolation]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _import_every_module() -> None:
    """Every module of the package, so that every rule class is defined (the app alone does
    not import, e.g., the late-interest rules)."""
    for module in pkgutil.walk_packages(laskutin.__path__, "laskutin."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)


def status_of(cls: type[RuleViolation]) -> int:
    return next((status for base, status in STATUS_BY_ERROR if issubclass(cls, base)), 400)


def rule_catalogue() -> list[Entry]:
    """Every rule code of the application, once, sorted by code."""
    _import_every_module()
    entries: dict[str, Entry] = {}
    # Import order decides subclass order; sorting makes a code shared by two classes (a rule
    # re-raised with another field) always list the same one.
    classes = sorted(_subclasses(RuleViolation), key=lambda c: (c.__module__, c.__qualname__))
    for cls in classes:
        if not cls.__module__.startswith("laskutin.") or cls.code == RuleViolation.code:
            continue  # a test's own rule, or the generic base
        if cls.code in entries:
            continue
        entries[cls.code] = Entry(
            cls.code, status_of(cls), cls.messages.get("en", ""), cls.messages.get("fi", "")
        )
    return sorted(entries.values(), key=lambda entry: entry.code)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown() -> str:
    rows = [
        f"| `{e.code}` | {e.status} | {_cell(e.english)} | {_cell(e.finnish)} |"
        for e in rule_catalogue()
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_markdown())
