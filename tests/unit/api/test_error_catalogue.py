"""The committed catalogue of rule codes (docs/error-codes.md) matches the code."""

from __future__ import annotations

from pathlib import Path

from laskutin.api.catalogue import render_markdown, rule_catalogue

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "error-codes.md"


def test_committed_catalogue_matches_the_code() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render_markdown(), (
        "run `make error-codes` and commit docs/error-codes.md"
    )


def test_codes_are_unique_kebab_case_with_three_languages() -> None:
    entries = rule_catalogue()
    assert len({e.code for e in entries}) == len(entries)
    for entry in entries:
        assert entry.code == entry.code.lower()
        assert " " not in entry.code
        assert entry.english
        assert entry.finnish
        assert 400 <= entry.status < 500


def test_conflicts_answer_409_and_rule_violations_422() -> None:
    status = {e.code: e.status for e in rule_catalogue()}
    assert status["invoice-immutable"] == 409
    assert status["vat-rate-not-in-force"] == 422
