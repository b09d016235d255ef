"""JSON text of JSON data, with orjson.

The standard library's ``json`` took a few per cent of the CPU of issuing an invoice (the
answer, its ETag, the stored idempotent answer and the snapshots: bench/README.md,
invoicing); orjson does the same several times faster. For JSON data (dicts with string keys,
lists, strings, integers, booleans, None: what ``model_dump(mode="json")`` gives) the bytes
are the same as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` encoded as
UTF-8, so ETags and stored answers do not change (tests/unit/test_jsontext.py).
"""

from __future__ import annotations

from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON, keys in their order."""
    return orjson.dumps(value)


def dumps_text(value: Any) -> str:
    """:func:`dumps` as a ``str`` (for a json/jsonb query parameter)."""
    return orjson.dumps(value).decode()


def canonical(value: Any) -> bytes:
    """Compact UTF-8 JSON with object keys sorted: the same data gives the same bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def loads(text: str | bytes) -> Any:
    return orjson.loads(text)
