"""The cross-company harness proves itself on a tiny tenant resource ("widgets").

The harness is run here against create_app(settings), without the real API's id-taking
operations (tests/contract/test_cross_company.py checks those), plus a test-only router, once
with a correct implementation (it must pass) and once with each deliberate bug (it must fail,
naming the operation and the role). Authentication is a stand-in: the ``X-Test-Company`` and
``X-Test-Role`` headers play the token's part.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Response
from fastapi.responses import JSONResponse
from httpx import AsyncClient
from pydantic import BaseModel, ConfigDict, Field

from laskutin.app import create_app
from laskutin.companies.domain import Role, can_write
from laskutin.core import errors
from laskutin.core.settings import Settings
from tests.api.conftest import NO_DATABASE, serve
from tests.contract.harness import (
    Company,
    ExampleGenerator,
    FactoryContext,
    HarnessError,
    Registry,
    Resource,
    assert_cross_company_404,
    collection_of,
    coverage,
    id_operations,
    run,
    takes_an_id,
)

# --- the widget service, correct and broken --------------------------------------------------

CORRECT = "correct"
FORBIDDEN = "forbidden"  # checks the role before finding the widget: 403 for B's widget
LEAKY = "leaky"  # answers 200 "not yours" and names B's widget
LEAKY_404 = "leaky-404"  # a proper 404 problem, but its detail names B's widget
UNFILTERED = "unfiltered"  # forgets the company filter altogether
ROLE_SLIP = "role-slip"  # forgets the filter only when an accountant reads


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


class WidgetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=3, max_length=60)]
    note: str = ""


class WidgetUpdate(BaseModel):
    """Strict on purpose: the harness must send a body that passes it."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=3, max_length=60)]
    quantity: Annotated[int, Field(ge=1, le=10)]
    price: Decimal
    colour: Colour
    due: dt.date
    tags: Annotated[list[Annotated[str, Field(min_length=2)]], Field(min_length=1)]
    comment: str | None = None


class ArchiveRequest(BaseModel):
    # A pattern the generator cannot satisfy: the schema's example must be used.
    reason: Annotated[str, Field(pattern=r"^[a-z]+-[0-9]{4}$", examples=["obsolete-2026"])]


class Widget(BaseModel):
    id: str
    company_id: str
    name: str
    note: str
    archived: bool = False
    parts: dict[str, str] = {}


@dataclass(frozen=True)
class Caller:
    company_id: str
    role: Role


def caller(
    x_test_company: Annotated[str | None, Header()] = None,
    x_test_role: Annotated[str | None, Header()] = None,
) -> Caller:
    if not x_test_company or not x_test_role:
        raise errors.Unauthenticated()
    return Caller(x_test_company, Role(x_test_role))


CallerDep = Annotated[Caller, Depends(caller)]


@dataclass
class WidgetService:
    variant: str
    widgets: dict[str, Widget] = field(default_factory=dict)

    def find(self, widget_id: str, who: Caller) -> Widget:
        widget = self.widgets.get(widget_id)
        if widget is None:
            raise errors.NotFound()
        if widget.company_id == who.company_id:
            return widget
        if self.variant == UNFILTERED or (
            self.variant == ROLE_SLIP and who.role is Role.ACCOUNTANT
        ):
            return widget
        if self.variant == LEAKY:
            raise _Leak(JSONResponse({"error": "not yours", "name": widget.name}))
        if self.variant == LEAKY_404:
            raise _Leak(
                JSONResponse(
                    {
                        "type": "/problems/not-found",
                        "title": "Not found",
                        "status": 404,
                        "detail": f"{widget.name} belongs to another company",
                    },
                    status_code=404,
                    media_type="application/problem+json",
                )
            )
        raise errors.NotFound()

    def for_change(self, widget_id: str, who: Caller) -> Widget:
        if self.variant == FORBIDDEN and not can_write(who.role):
            raise errors.PermissionDenied()  # the bug: before the lookup
        widget = self.find(widget_id, who)
        if not can_write(who.role):
            raise errors.PermissionDenied()  # right: only for the caller's own company's widget
        return widget


class _Leak(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def widget_router(service: WidgetService) -> APIRouter:
    router = APIRouter(prefix="/api/v1/widgets", tags=["widgets"])

    @router.post("", status_code=201, operation_id="widgets-create")
    async def create(body: WidgetCreate, who: CallerDep) -> Widget:
        widget = Widget(id=str(uuid.uuid4()), company_id=who.company_id, **body.model_dump())
        service.widgets[widget.id] = widget
        return widget

    @router.get("/{widget_id}", operation_id="widgets-get")
    async def read(widget_id: str, who: CallerDep) -> Widget:
        return service.find(widget_id, who)

    @router.patch("/{widget_id}", operation_id="widgets-update")
    async def update(widget_id: str, body: WidgetUpdate, who: CallerDep) -> Widget:
        widget = service.for_change(widget_id, who)
        widget.name = body.name
        return widget

    @router.delete("/{widget_id}", status_code=204, operation_id="widgets-delete")
    async def delete(widget_id: str, who: CallerDep) -> Response:
        service.for_change(widget_id, who)
        del service.widgets[widget_id]
        return Response(status_code=204)

    @router.post("/{widget_id}/archive", operation_id="widgets-archive")
    async def archive(widget_id: str, body: ArchiveRequest, who: CallerDep) -> Widget:
        widget = service.for_change(widget_id, who)
        widget.archived = True
        return widget

    @router.post("/{widget_id}/parts", status_code=201, operation_id="widget-parts-create")
    async def add_part(widget_id: str, body: WidgetCreate, who: CallerDep) -> dict[str, str]:
        widget = service.for_change(widget_id, who)
        part_id = str(uuid.uuid4())
        widget.parts[part_id] = body.name
        return {"id": part_id, "widget_id": widget_id, "name": body.name}

    @router.get("/{widget_id}/parts/{part_id}", operation_id="widget-parts-get")
    async def read_part(widget_id: str, part_id: str, who: CallerDep) -> dict[str, str]:
        widget = service.find(widget_id, who)
        if part_id not in widget.parts:
            raise errors.NotFound()
        return {"id": part_id, "widget_id": widget_id, "name": widget.parts[part_id]}

    return router


def build_app(variant: str, *extra: APIRouter) -> FastAPI:
    settings = Settings(_env_file=None, env="test", database_url=NO_DATABASE, log_format="text")  # type: ignore[call-arg]
    app = create_app(settings)
    # The real API's own id-taking operations are test_cross_company.py's to check: the
    # self-test's document leaves them out and keeps the rest of the real app, plus widgets.
    real_ids = {path for path in create_app(settings).openapi()["paths"] if takes_an_id(path)}
    full_document = app.openapi

    def without_real_ids() -> dict[str, Any]:
        document = full_document()
        for path in real_ids:
            document["paths"].pop(path, None)
        return document

    app.openapi = without_real_ids  # type: ignore[method-assign]
    app.include_router(widget_router(WidgetService(variant)))
    for router in extra:
        app.include_router(router)

    async def on_leak(request: Any, exc: Exception) -> JSONResponse:
        assert isinstance(exc, _Leak)
        return exc.response

    app.add_exception_handler(_Leak, on_leak)
    return app


# --- how the harness gets companies, credentials and widgets ---------------------------------


class HeaderAuth:
    """The stand-in auth provider: a company is a uuid, a credential two headers."""

    async def new_company(self, label: str) -> Company:
        return Company(id=str(uuid.uuid4()), label=label)

    async def as_role(self, company: Company, role: Role) -> dict[str, str]:
        return {"X-Test-Company": company.id, "X-Test-Role": role.value}


def widget_registry() -> Registry:
    registry = Registry()

    @registry.resource_factory("widgets")
    async def widget(ctx: FactoryContext) -> Resource:
        answer = await ctx.client.post(
            "/api/v1/widgets",
            json={"name": f"Vekotin {uuid.uuid4().hex[:10]}", "note": "B:n salainen muistiinpano"},
            headers=await ctx.headers(),
        )
        assert answer.status_code == 201, answer.text
        return Resource(id=answer.json()["id"], data=answer.json())

    @registry.resource_factory("parts")
    async def part(ctx: FactoryContext) -> Resource:
        parent = await widget(ctx)
        answer = await ctx.client.post(
            f"/api/v1/widgets/{parent.id}/parts",
            json={"name": f"Osa {uuid.uuid4().hex[:10]}"},
            headers=await ctx.headers(),
        )
        assert answer.status_code == 201, answer.text
        return Resource(
            id=answer.json()["id"],
            data={"part": answer.json(), "widget": parent.data},
            path_params={"widget_id": parent.id},
        )

    return registry


WIDGET_OPERATIONS = {
    "GET /api/v1/widgets/{widget_id}",
    "PATCH /api/v1/widgets/{widget_id}",
    "DELETE /api/v1/widgets/{widget_id}",
    "POST /api/v1/widgets/{widget_id}/archive",
    "POST /api/v1/widgets/{widget_id}/parts",
    "GET /api/v1/widgets/{widget_id}/parts/{part_id}",
}


@pytest.fixture
async def correct() -> AsyncIterator[tuple[FastAPI, AsyncClient]]:
    app = build_app(CORRECT)
    async with serve(app) as http:
        yield app, http


async def harness_failure(variant: str) -> str:
    app = build_app(variant)
    async with serve(app) as http:
        with pytest.raises(HarnessError) as failed:
            await assert_cross_company_404(http, app.openapi(), widget_registry(), HeaderAuth())
    return str(failed.value)


# --- the correct service passes --------------------------------------------------------------


async def test_the_correct_service_passes_for_every_operation_and_role(
    correct: tuple[FastAPI, AsyncClient],
) -> None:
    app, http = correct

    report = await assert_cross_company_404(http, app.openapi(), widget_registry(), HeaderAuth())

    assert {o.key for o in report.coverage.checked} == WIDGET_OPERATIONS
    assert report.cases == len(WIDGET_OPERATIONS) * 4
    assert report.failures == []


async def test_the_correct_service_still_serves_its_own_company(
    correct: tuple[FastAPI, AsyncClient],
) -> None:
    """The 404s above are about the company, not a service that finds nothing."""
    _, http = correct
    auth = HeaderAuth()
    company = await auth.new_company("B")
    owner = await auth.as_role(company, Role.OWNER)
    made = await http.post("/api/v1/widgets", json={"name": "Oma vekotin"}, headers=owner)
    url = f"/api/v1/widgets/{made.json()['id']}"

    assert (await http.get(url, headers=owner)).status_code == 200
    archived = await http.post(f"{url}/archive", json={"reason": "obsolete-2026"}, headers=owner)
    assert archived.status_code == 200
    accountant = await auth.as_role(company, Role.ACCOUNTANT)
    assert (await http.delete(url, headers=accountant)).status_code == 403  # own company: 403


# --- each broken service fails, naming the operation and the role ----------------------------


async def test_a_403_for_another_companys_id_fails() -> None:
    message = await harness_failure(FORBIDDEN)

    assert "DELETE /api/v1/widgets/{widget_id} (widgets-delete) as accountant" in message
    assert "PATCH /api/v1/widgets/{widget_id} (widgets-update) as accountant" in message
    assert "expected 404, got 403" in message
    assert "as owner" not in message  # only the accountant's
    assert "as member" not in message
    assert "GET /api/v1/widgets/{widget_id} (widgets-get)" not in message


async def test_a_200_that_leaks_data_fails() -> None:
    message = await harness_failure(LEAKY)

    for role in Role:
        assert f"GET /api/v1/widgets/{{widget_id}} (widgets-get) as {role.value}" in message
    assert "expected 404, got 200" in message
    assert "the answer shows company B's data ['Vekotin " in message


async def test_a_404_whose_words_leak_data_fails() -> None:
    message = await harness_failure(LEAKY_404)

    assert "GET /api/v1/widgets/{widget_id} (widgets-get) as member" in message
    assert "expected 404" not in message  # the status and type are right; the words are not
    assert "the answer shows company B's data ['Vekotin " in message


async def test_a_forgotten_company_filter_fails_and_changes_are_caught() -> None:
    message = await harness_failure(UNFILTERED)

    assert "GET /api/v1/widgets/{widget_id} (widgets-get) as owner" in message
    assert "GET /api/v1/widgets/{widget_id}/parts/{part_id} (widget-parts-get) as member" in message
    assert "B:n salainen muistiinpano" in message
    # An owner of A changed B's widget: the read-back by B's owner shows it.
    assert (
        "PATCH /api/v1/widgets/{widget_id} (widgets-update) as owner of company A: "
        "company B's widgets" in message
    )
    assert "DELETE /api/v1/widgets/{widget_id} (widgets-delete) as admin" in message


async def test_a_filter_forgotten_for_one_role_names_that_role() -> None:
    message = await harness_failure(ROLE_SLIP)

    assert "GET /api/v1/widgets/{widget_id} (widgets-get) as accountant" in message
    for role in ("owner", "admin", "member"):
        assert f"as {role} of company A" not in message


# --- coverage: a new endpoint cannot slip past ------------------------------------------------


def gadget_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1/gadgets")

    @router.get("/{gadget_id}", operation_id="gadgets-get")
    async def read(gadget_id: str) -> dict[str, str]:
        raise errors.NotFound()

    return router


async def test_an_id_operation_without_a_factory_fails_naming_the_factory() -> None:
    app = build_app(CORRECT, gadget_router())
    async with serve(app) as http:
        with pytest.raises(HarnessError) as failed:
            await assert_cross_company_404(http, app.openapi(), widget_registry(), HeaderAuth())

    message = str(failed.value)
    assert "GET /api/v1/gadgets/{gadget_id} (gadgets-get) takes an id" in message
    assert "@resource_factory('gadgets')" in message


async def test_an_exempted_path_is_left_out_only_with_a_reason() -> None:
    app = build_app(CORRECT, gadget_router())
    registry = widget_registry()
    with pytest.raises(HarnessError, match="needs a written reason"):
        registry.exempt("/api/v1/gadgets/{gadget_id}", "  ")
    registry.exempt("/api/v1/gadgets/{gadget_id}", "gadgets are public catalogue entries")

    async with serve(app) as http:
        report = await assert_cross_company_404(http, app.openapi(), registry, HeaderAuth())

    assert [o.key for o in report.coverage.exempted] == ["GET /api/v1/gadgets/{gadget_id}"]
    assert {o.key for o in report.coverage.checked} == WIDGET_OPERATIONS


async def test_an_exemption_for_one_method_leaves_the_others_checked() -> None:
    app = build_app(UNFILTERED)
    registry = widget_registry()
    registry.exempt("DELETE /api/v1/widgets/{widget_id}", "test: only this method")

    result = coverage(app.openapi(), registry)

    assert [o.key for o in result.exempted] == ["DELETE /api/v1/widgets/{widget_id}"]
    assert "GET /api/v1/widgets/{widget_id}" in {o.key for o in result.checked}


def test_a_stale_exemption_fails() -> None:
    registry = widget_registry()
    registry.exempt("/api/v1/companies/{company_id}", "switching company")

    result = coverage(build_app(CORRECT).openapi(), registry)

    assert result.problems == [
        "exemption '/api/v1/companies/{company_id}' matches no operation that takes an id: "
        "remove it"
    ]


async def test_a_factory_whose_resource_is_unreachable_fails_the_control() -> None:
    app = build_app(CORRECT)
    registry = Registry()

    @registry.resource_factory("widgets")
    async def ghost(ctx: FactoryContext) -> Resource:
        return Resource(id=str(uuid.uuid4()), data={})

    registry.exempt("/api/v1/widgets/{widget_id}/parts/{part_id}", "test: widgets only")
    async with serve(app) as http:
        report = await run(http, app.openapi(), registry, HeaderAuth())

    assert report.failures
    assert all("control failed" in f for f in report.failures if "(widgets-get)" in f)


def test_two_factories_for_one_collection_are_refused() -> None:
    registry = widget_registry()
    with pytest.raises(HarnessError, match="two factories for 'widgets'"):

        @registry.resource_factory("widgets")
        async def again(ctx: FactoryContext) -> Resource:
            raise AssertionError


# --- the rules the harness reads the document by ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "collection"),
    [
        ("/api/v1/customers/{customer_id}", "customers"),
        ("/api/v1/customers/{id}", "customers"),
        ("/api/v1/invoices/{id}/issue", "invoices"),
        ("/api/v1/invoices/{invoice_id}/credit-note", "invoices"),
        ("/api/v1/invoices/{invoice_id}/payments/{payment_id}", "payments"),
        ("/api/v1/invoices/{invoice_id}/payments", "invoices"),
    ],
)
def test_the_collection_is_the_segment_before_the_last_id(path: str, collection: str) -> None:
    assert takes_an_id(path)
    assert collection_of(path) == collection


@pytest.mark.parametrize(
    "path", ["/api/v1/meta", "/test/domain/{kind}", "/x/{paid}", "/x/{uuid}", "/x/{identity}"]
)
def test_other_parameters_are_not_ids(path: str) -> None:
    assert not takes_an_id(path)


def test_the_real_widget_routes_are_what_the_harness_finds() -> None:
    found = {o.key for o in id_operations(build_app(CORRECT).openapi())}

    assert found == WIDGET_OPERATIONS


def test_generated_bodies_validate() -> None:
    document = build_app(CORRECT).openapi()
    generator = ExampleGenerator(document)

    update = generator.value({"$ref": "#/components/schemas/WidgetUpdate"})
    archive = generator.value({"$ref": "#/components/schemas/ArchiveRequest"})

    WidgetUpdate.model_validate(update)
    assert ArchiveRequest.model_validate(archive).reason == "obsolete-2026"
    assert set(update) == {"name", "quantity", "price", "colour", "due", "tags"}  # required only


def test_a_pattern_without_an_example_asks_for_one() -> None:
    generator = ExampleGenerator({})
    with pytest.raises(HarnessError, match=r"body\.code: cannot make a string for pattern"):
        generator.value(
            {
                "type": "object",
                "required": ["code"],
                "properties": {"code": {"type": "string", "pattern": "^A"}},
            }
        )
