"""Every rule error speaks Finnish, Swedish and English, with the same placeholders in each."""

from __future__ import annotations

import importlib
import pkgutil
from string import Formatter

import pytest

import laskutin.finnish
from laskutin.core import money
from laskutin.core.errors import RuleViolation


def _all_rule_errors() -> list[type[RuleViolation]]:
    for module in pkgutil.walk_packages(laskutin.finnish.__path__, "laskutin.finnish."):
        importlib.import_module(module.name)
    importlib.import_module(money.__name__)
    found: list[type[RuleViolation]] = []
    pending = list(RuleViolation.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(("laskutin.finnish", "laskutin.core")):
            found.append(cls)
    return sorted(found, key=lambda cls: cls.code)


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


RULE_ERRORS = _all_rule_errors()


def test_rule_errors_exist() -> None:
    assert money.TooManyDecimals in RULE_ERRORS


@pytest.mark.parametrize("error", RULE_ERRORS, ids=lambda cls: cls.code)
def test_three_languages_with_the_same_placeholders(error: type[RuleViolation]) -> None:
    assert set(error.messages) == {"fi", "sv", "en"}
    expected = _placeholders(error.messages["en"])
    for language in ("fi", "sv"):
        assert _placeholders(error.messages[language]) == expected, language
    assert error.code != RuleViolation.code, "each rule error names itself with a code"


def test_codes_are_unique() -> None:
    codes = [error.code for error in RULE_ERRORS]
    assert len(codes) == len(set(codes))


def test_message_fills_placeholders_per_language() -> None:
    error = money.TooManyDecimals(field="unit_price", value="1.234", places=2)
    assert error.message("fi") == "Kenttä unit_price: 1.234 – enintään 2 desimaalia."
    assert error.message("sv") == "Fältet unit_price: 1.234 – högst 2 decimaler."
    assert str(error) == "Field unit_price: 1.234 has more than 2 decimal places."
