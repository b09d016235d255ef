"""Every error is RFC 9457 problem+json with a stable type, in the caller's language."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from httpx import AsyncClient

from tests.api.conftest import SECRET_IN_EXCEPTION

PROBLEM_JSON = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, type_: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["type"] == type_
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


@pytest.mark.parametrize(
    ("accept_language", "language", "title", "detail"),
    [
        (None, "fi", "Ei löytynyt", "Pyydettyä kohdetta ei ole olemassa."),
        ("de-DE", "fi", "Ei löytynyt", "Pyydettyä kohdetta ei ole olemassa."),
        ("sv-FI,sv;q=0.9", "sv", "Hittades inte", "Det begärda objektet finns inte."),
        ("en-GB,en;q=0.8,fi;q=0.5", "en", "Not found", "The requested resource does not exist."),
    ],
)
async def test_unknown_path_is_a_404_problem_in_the_callers_language(
    offline_client: AsyncClient, accept_language: str | None, language: str, title: str, detail: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}

    response = await offline_client.get("/api/v1/no-such-thing", headers=headers)

    body = assert_problem(response, 404, "/problems/not-found")
    assert response.headers["content-language"] == language
    assert body["title"] == title
    assert body["detail"] == detail
    assert body["instance"] == "/api/v1/no-such-thing"


async def test_wrong_method_is_a_405_problem_with_allow(offline_client: AsyncClient) -> None:
    response = await offline_client.delete("/healthz", headers={"Accept-Language": "en"})

    body = assert_problem(response, 405, "/problems/method-not-allowed")
    assert response.headers["allow"] == "GET, HEAD"
    assert body["detail"] == "This address does not support DELETE. Allowed: GET, HEAD."


async def test_allow_names_every_method_of_the_path(offline_client: AsyncClient) -> None:
    # GET and POST /test/items are two routes; Starlette alone would name only the first.
    response = await offline_client.patch("/test/items", headers={"Accept-Language": "sv"})

    body = assert_problem(response, 405, "/problems/method-not-allowed")
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "POST"}
    assert body["detail"] == ("Den här adressen stöder inte metoden PATCH. Tillåtna: GET, POST.")
    assert response.headers["content-language"] == "sv"


async def test_405_for_a_path_with_parameters(offline_client: AsyncClient) -> None:
    response = await offline_client.post("/test/items/3")

    assert_problem(response, 405, "/problems/method-not-allowed")
    assert response.headers["allow"] == "GET"


VALID_ITEM = {
    "name": "Kahvi",
    "quantity": 2,
    "price": "4.50",
    "colour": "red",
    "due": "2026-01-31",
}


async def test_valid_body_passes(offline_client: AsyncClient) -> None:
    response = await offline_client.post("/test/items", json=VALID_ITEM)

    assert response.status_code == 201, response.text
    assert response.json()["price"] == "4.50"


def errors_by_field(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {error["field"]: error for error in body["errors"]}


BAD_ITEM = {
    "name": "K",
    "quantity": 0,
    "price": "lots",
    "colour": "green",
    "due": "31.1.2026",
    "surprise": 1,
}

# field -> (code, {language: message})
EXPECTED_FIELD_ERRORS = {
    "name": (
        "string_too_short",
        {"fi": "Vähintään 2 merkkiä.", "sv": "Minst 2 tecken.", "en": "At least 2 characters."},
    ),
    "quantity": (
        "greater_than_equal",
        {
            "fi": "Arvon pitää olla vähintään 1.",
            "sv": "Värdet måste vara minst 1.",
            "en": "The value must be at least 1.",
        },
    ),
    "price": (
        "decimal_parsing",
        {
            "fi": 'Arvon pitää olla desimaaliluku, esim. "12.50".',
            "sv": 'Värdet måste vara ett decimaltal, t.ex. "12.50".',
            "en": 'The value must be a decimal number, e.g. "12.50".',
        },
    ),
    "colour": (
        "enum",
        {
            "fi": "Sallitut arvot: 'red' or 'blue'.",
            "sv": "Tillåtna värden: 'red' or 'blue'.",
            "en": "Allowed values: 'red' or 'blue'.",
        },
    ),
    "due": (
        "date_from_datetime_parsing",
        {
            "fi": "Päivämäärän muoto on VVVV-KK-PP.",
            "sv": "Datumformatet är ÅÅÅÅ-MM-DD.",
            "en": "Dates are written YYYY-MM-DD.",
        },
    ),
    "surprise": (
        "extra_forbidden",
        {"fi": "Tuntematon kenttä.", "sv": "Okänt fält.", "en": "Unknown field."},
    ),
}
TITLES = {"fi": "Virheelliset tiedot", "sv": "Ogiltiga uppgifter", "en": "Invalid input"}
DETAILS = {
    "fi": "Pyynnössä on 6 virheellistä kenttää.",
    "sv": "Begäran innehåller 6 ogiltiga fält.",
    "en": "The request has 6 invalid field(s).",
}


@pytest.mark.parametrize(
    ("accept_language", "language"), [(None, "fi"), ("sv", "sv"), ("en-US", "en")]
)
async def test_validation_errors_list_each_field_in_the_callers_language(
    offline_client: AsyncClient, accept_language: str | None, language: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}

    response = await offline_client.post("/test/items", json=BAD_ITEM, headers=headers)

    body = assert_problem(response, 422, "/problems/validation-error")
    assert response.headers["content-language"] == language
    assert body["title"] == TITLES[language]
    assert body["detail"] == DETAILS[language]
    found = errors_by_field(body)
    assert set(found) == set(EXPECTED_FIELD_ERRORS)
    for field, (code, messages) in EXPECTED_FIELD_ERRORS.items():
        assert found[field] == {"field": field, "code": code, "message": messages[language]}


async def test_missing_fields_are_named(offline_client: AsyncClient) -> None:
    response = await offline_client.post(
        "/test/items", json={"name": "Kahvi"}, headers={"Accept-Language": "en"}
    )

    body = assert_problem(response, 422, "/problems/validation-error")
    found = errors_by_field(body)
    assert set(found) == {"quantity", "price", "colour", "due"}
    assert {error["code"] for error in found.values()} == {"missing"}
    assert {error["message"] for error in found.values()} == {"This field is required."}


async def test_invalid_json_is_a_body_error_not_a_character_offset(
    offline_client: AsyncClient,
) -> None:
    response = await offline_client.post(
        "/test/items",
        content=b'{"name": "Kahvi", ',
        headers={"Content-Type": "application/json", "Accept-Language": "fi"},
    )

    body = assert_problem(response, 422, "/problems/validation-error")
    assert body["errors"] == [
        {
            "field": "body",
            "code": "json_invalid",
            "message": "Pyynnön runko ei ole kelvollista JSONia.",
        }
    ]


async def test_body_that_is_not_utf8_is_the_same_422_as_invalid_json(
    offline_client: AsyncClient,
) -> None:
    # Found by the schemathesis suite: FastAPI answers an undecodable body with a bare 400.
    response = await offline_client.post(
        "/test/items",
        content=b"\x1a\r\xff\xfe",
        headers={"Content-Type": "application/json", "Accept-Language": "en"},
    )

    body = assert_problem(response, 422, "/problems/validation-error")
    assert body["errors"] == [
        {"field": "body", "code": "json_invalid", "message": "The request body is not valid JSON."}
    ]


async def test_body_that_is_not_an_object(offline_client: AsyncClient) -> None:
    response = await offline_client.post(
        "/test/items", json=[1, 2], headers={"Accept-Language": "sv"}
    )

    body = assert_problem(response, 422, "/problems/validation-error")
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("body", "model_attributes_type")]


async def test_path_parameter_errors_name_the_parameter(offline_client: AsyncClient) -> None:
    response = await offline_client.get("/test/items/abc", headers={"Accept-Language": "en"})

    body = assert_problem(response, 422, "/problems/validation-error")
    assert body["errors"] == [
        {
            "field": "path.item_id",
            "code": "int_parsing",
            "message": "The value must be a whole number.",
        }
    ]


async def test_unknown_error_kind_still_gets_a_message_in_the_language(
    offline_client: AsyncClient,
) -> None:
    # An object where a date belongs: pydantic's "date_type" has no entry in the table.
    item = {**VALID_ITEM, "due": {"year": 2026}}

    fi = await offline_client.post("/test/items", json=item, headers={"Accept-Language": "fi"})
    en = await offline_client.post("/test/items", json=item, headers={"Accept-Language": "en"})

    fi_error = errors_by_field(assert_problem(fi, 422, "/problems/validation-error"))["due"]
    en_error = errors_by_field(assert_problem(en, 422, "/problems/validation-error"))["due"]
    assert fi_error["code"] == en_error["code"] == "date_type"
    assert fi_error["message"] == "Arvo ei kelpaa."
    assert en_error["message"]  # pydantic's own English words
    assert en_error["message"] != fi_error["message"]


async def test_unexpected_exception_is_a_500_problem_without_internals(
    offline_client: AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)

    response = await offline_client.get("/test/boom", headers={"Accept-Language": "en"})

    body = assert_problem(response, 500, "/problems/internal-error")
    request_id = response.headers["x-request-id"]
    assert request_id in body["detail"]
    assert body["title"] == "Internal error"
    for leak in (SECRET_IN_EXCEPTION, "RuntimeError", "Traceback", "boom.py", 'File "'):
        assert leak not in response.text
    # ...while the log has the whole story, under the same request id.
    failures = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert len(failures) == 1
    assert failures[0].request_id == request_id  # type: ignore[attr-defined]
    assert SECRET_IN_EXCEPTION in caplog.text
    assert "Traceback" in caplog.text
    assert "RuntimeError" in caplog.text


async def test_500_detail_is_localised(offline_client: AsyncClient) -> None:
    response = await offline_client.get("/test/boom")

    body = assert_problem(response, 500, "/problems/internal-error")
    assert body["title"] == "Sisäinen virhe"
    assert response.headers["content-language"] == "fi"


@pytest.mark.parametrize(
    ("kind", "status", "type_", "title"),
    [
        ("not-found", 404, "/problems/not-found", "Not found"),
        ("conflict", 409, "/problems/conflict", "Conflict"),
        ("forbidden", 403, "/problems/forbidden", "Forbidden"),
        ("validation", 422, "/problems/validation-error", "Invalid input"),
        ("unavailable", 503, "/problems/service-unavailable", "Service unavailable"),
        ("database", 503, "/problems/database-unavailable", "Database unavailable"),
    ],
)
async def test_domain_errors_map_to_problems(
    offline_client: AsyncClient, kind: str, status: int, type_: str, title: str
) -> None:
    response = await offline_client.get(f"/test/domain/{kind}", headers={"Accept-Language": "en"})

    body = assert_problem(response, status, type_)
    assert body["title"] == title
    assert response.headers["content-language"] == "en"
    if status == 503:
        assert int(response.headers["retry-after"]) > 0
    else:
        assert "retry-after" not in response.headers


async def test_domain_validation_error_lists_its_fields(offline_client: AsyncClient) -> None:
    response = await offline_client.get(
        "/test/domain/validation", headers={"Accept-Language": "fi"}
    )

    body = assert_problem(response, 422, "/problems/validation-error")
    assert body["detail"] == "Pyynnössä on 1 virheellistä kenttää."
    assert body["errors"] == [
        {"field": "iban", "code": "iban_invalid", "message": "Tilinumero ei kelpaa."}
    ]


async def test_problem_titles_and_details_differ_by_language(offline_client: AsyncClient) -> None:
    bodies = {}
    for language in ("fi", "sv", "en"):
        response = await offline_client.get(
            "/test/domain/conflict", headers={"Accept-Language": language}
        )
        bodies[language] = assert_problem(response, 409, "/problems/conflict")
        assert response.headers["content-language"] == language

    assert len({body["title"] for body in bodies.values()}) == 3
    assert len({body["detail"] for body in bodies.values()}) == 3
    assert len({body["type"] for body in bodies.values()}) == 1  # the type is stable


@pytest.mark.parametrize(
    ("language", "title", "detail"),
    [
        ("fi", "Virheelliset tiedot", "Määrä 3 ei ole parillinen."),
        ("sv", "Ogiltiga uppgifter", "Antalet 3 är inte jämnt."),
        ("en", "Invalid input", "The quantity 3 is not even."),
    ],
)
async def test_rule_violation_speaks_its_own_words(
    offline_client: AsyncClient, language: str, title: str, detail: str
) -> None:
    response = await offline_client.get("/test/domain/rule", headers={"Accept-Language": language})

    body = assert_problem(response, 422, "/problems/odd-quantity")
    assert body["title"] == title
    assert body["detail"] == detail
    assert response.headers["content-language"] == language


async def test_rule_violation_naming_a_field_lists_it_like_validation(
    offline_client: AsyncClient,
) -> None:
    response = await offline_client.get(
        "/test/domain/rule-on-field", headers={"Accept-Language": "sv"}
    )

    body = assert_problem(response, 422, "/problems/odd-quantity")
    assert body["errors"] == [
        {"field": "lines.0.quantity", "code": "odd-quantity", "message": "Antalet 3 är inte jämnt."}
    ]


async def test_probes_answer_head_for_load_balancers(offline_client: AsyncClient) -> None:
    response = await offline_client.head("/healthz")

    assert response.status_code == 200
