"""X-Request-ID: honoured when sane, generated otherwise, always returned and on every log line."""

from __future__ import annotations

import json
import logging
import re

import pytest
from httpx import AsyncClient

from laskutin.core.logging import request_id_var

GENERATED = re.compile(r"^[0-9a-f]{32}$")


@pytest.mark.parametrize(
    "incoming",
    ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "lb.1:2/3+4=5_6", "x" * 128],
)
async def test_sane_request_id_is_honoured(offline_client: AsyncClient, incoming: str) -> None:
    response = await offline_client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response.status_code == 200
    assert response.headers["x-request-id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        "x" * 300,
        "x" * 129,
        "has spaces in it",
        "new\\nline",
        "<script>",
        "semi;colon",
        "",
        "ä".encode(),
    ],
)
async def test_unsafe_request_id_is_replaced(
    offline_client: AsyncClient, incoming: str | bytes
) -> None:
    response = await offline_client.get("/healthz", headers={"X-Request-ID": incoming})

    assert response.status_code == 200
    assert GENERATED.match(response.headers["x-request-id"])


async def test_request_id_is_generated_and_unique(offline_client: AsyncClient) -> None:
    first = await offline_client.get("/healthz")
    second = await offline_client.get("/healthz")

    assert GENERATED.match(first.headers["x-request-id"])
    assert GENERATED.match(second.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_request_id_is_returned_on_errors_and_in_the_problem(
    offline_client: AsyncClient,
) -> None:
    response = await offline_client.get("/nowhere", headers={"X-Request-ID": "trace-me-404"})

    assert response.status_code == 404
    assert response.headers["x-request-id"] == "trace-me-404"
    assert response.json()["request_id"] == "trace-me-404"


async def test_request_id_is_returned_on_a_500(offline_client: AsyncClient) -> None:
    response = await offline_client.get("/test/boom", headers={"X-Request-ID": "trace-me-500"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "trace-me-500"
    assert response.json()["request_id"] == "trace-me-500"


async def test_log_records_carry_the_request_id(
    offline_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    await offline_client.get("/test/items/7", headers={"X-Request-ID": "req-one"})
    await offline_client.get("/test/items/8", headers={"X-Request-ID": "req-two"})

    by_message = {record.getMessage(): record for record in caplog.records}
    assert by_message["reading item 7"].request_id == "req-one"  # type: ignore[attr-defined]
    assert by_message["reading item 8"].request_id == "req-two"  # type: ignore[attr-defined]
    access = [r for r in caplog.records if r.name == "laskutin.access"]
    assert [(r.request_id, r.status) for r in access] == [  # type: ignore[attr-defined]
        ("req-one", 200),
        ("req-two", 200),
    ]
    assert access[0].route == "/test/items/{item_id}"  # type: ignore[attr-defined]
    assert request_id_var.get() is None  # nothing leaks out of the request


async def test_records_outside_requests_have_no_request_id(
    offline_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    logging.getLogger("laskutin.tests").info("between requests")

    (record,) = [r for r in caplog.records if r.getMessage() == "between requests"]
    assert record.request_id is None  # type: ignore[attr-defined]


async def test_json_log_lines_name_the_request(
    offline_client: AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    from laskutin.core.logging import configure_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO", "json")
        await offline_client.get("/test/items/9", headers={"X-Request-ID": "json-line"})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("uvicorn.access").disabled = False

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    mine = [line for line in lines if line.get("request_id") == "json-line"]
    assert {line["message"] for line in mine} >= {"reading item 9", "GET /test/items/9 200"}
    for line in mine:
        assert line["level"] == "INFO"
        assert line["logger"]
        assert line["time"]
