"""core.jsontext writes the same bytes as the standard library did for JSON data, so ETags and
stored idempotent answers made before the switch still match."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from laskutin.api.etag import etag_of_content
from laskutin.core import jsontext

# Text without lone surrogates (neither library can write those as UTF-8), control characters
# and non-ASCII included; integers within 64 bits (orjson's range; the API's are far smaller).
_TEXT = st.text(st.characters(exclude_categories=["Cs"]))
_JSON_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=30,
)


def _stdlib(value: Any, *, sort_keys: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=sort_keys).encode(
        "utf-8"
    )


@given(_JSON_DATA)
def test_dumps_writes_the_standard_librarys_bytes(value: Any) -> None:
    assert jsontext.dumps(value) == _stdlib(value)
    assert jsontext.dumps_text(value) == _stdlib(value).decode()
    assert jsontext.loads(jsontext.dumps(value)) == value


@given(_JSON_DATA)
def test_canonical_sorts_keys_as_the_standard_library(value: Any) -> None:
    assert jsontext.canonical(value) == _stdlib(value, sort_keys=True)


def test_an_etag_is_what_it_was_before_orjson() -> None:
    # What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) and sha256
    # gave before the switch: a rolling deploy must not turn If-Match headers stale.
    content = {
        "name": "Äijälä Oy",
        "total": "124.00",
        "lines": [{"b": 1, "a": None}],
        "ok": True,
        "note": 'rivi\n"lainaus"\t\u2028',
    }
    assert etag_of_content(content) == '"328be3a2c607a2c34ffaeb58bbe8869d"'
