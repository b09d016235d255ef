"""The cross-company harness: another company's id answers 404, for every operation and role.

How it works (docs/testing.md#cross-company-harness):

1. It reads the app's own OpenAPI document (``app.openapi()``; tests/api/test_openapi.py proves
   that it equals the committed openapi/openapi.json) and lists every operation whose path takes
   an id: a path parameter named ``id`` or ending in ``_id`` (:data:`ID_PARAMETER`). Nothing
   else is needed for a new endpoint to join.
2. Each such operation names a resource type: the path segment just before its last id
   parameter (``/api/v1/customers/{customer_id}`` and ``/api/v1/invoices/{id}/issue`` ->
   ``customers``, ``invoices``; :func:`collection_of`). A :class:`Registry` maps each resource
   type to a factory that creates one resource in a given company. An operation whose resource
   type has no factory fails the harness, naming the factory to write; the only way out is an
   exemption with a written reason, and an exemption that matches no operation fails too.
3. For every operation and every role (owner, admin, member, accountant) the harness creates a
   fresh resource in company B, then calls the operation as that role of company A with a body
   that validates (the schema's example, else one generated from the JSON schema, or the
   factory's own) and expects: 404, ``application/problem+json``, type ``/problems/not-found``,
   and none of B's resource's distinctive string values anywhere in the answer (body or
   headers). Where the resource has a GET at its own path, B's owner reads it before and after
   (it must exist, and be unchanged: a 404 that deleted or edited B's data is no 404).

Authentication is pluggable (:class:`AuthProvider`): the real app signs access tokens
(tests/contract/auth.py); the self-test's app reads a test header.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from httpx import AsyncClient, Response

from laskutin.companies.domain import Role

# Path parameters that name a resource: exactly ``id``, or anything ending in ``_id``.
ID_PARAMETER = re.compile(r"^(?:id|[A-Za-z0-9_]+_id)$")
_TEMPLATE_PARAMETER = re.compile(r"{([^}]+)}")
HTTP_METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
ROLES: tuple[Role, ...] = tuple(Role)
NOT_FOUND_TYPE = "/problems/not-found"
PROBLEM_JSON = "application/problem+json"
# A string value of B's resource shorter than this is not distinctive ("fi", "kpl", "draft").
MIN_DISTINCTIVE_LENGTH = 6


class HarnessError(AssertionError):
    """The harness cannot run as asked (a missing factory, a stale exemption, ...)."""


# --- operations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as in the OpenAPI document
    path: str
    spec: Mapping[str, Any] = field(repr=False, compare=False)
    path_item: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def label(self) -> str:
        """What messages call it: method, path and operationId."""
        operation_id = self.spec.get("operationId")
        return f"{self.key} ({operation_id})" if operation_id else self.key

    @property
    def path_parameters(self) -> list[str]:
        return _TEMPLATE_PARAMETER.findall(self.path)

    @property
    def id_parameters(self) -> list[str]:
        return [name for name in self.path_parameters if ID_PARAMETER.match(name)]

    @property
    def collection(self) -> str:
        return collection_of(self.path)

    @property
    def resource_path(self) -> str:
        """The path of the resource itself: up to and including its last id parameter."""
        last = self.id_parameters[-1]
        end = self.path.index("{" + last + "}") + len(last) + 2
        return self.path[:end]

    def parameters(self) -> list[Mapping[str, Any]]:
        """Path-level and operation-level parameters (the operation's win by name and place)."""
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for parameter in [*self.path_item.get("parameters", []), *self.spec.get("parameters", [])]:
            merged[(parameter["name"], parameter["in"])] = parameter
        return list(merged.values())


def takes_an_id(path: str) -> bool:
    return any(ID_PARAMETER.match(name) for name in _TEMPLATE_PARAMETER.findall(path))


def collection_of(path: str) -> str:
    """The resource type of a path: the literal segment just before its last id parameter."""
    segments = [s for s in path.split("/") if s]
    last_id = max(
        i for i, s in enumerate(segments) if s.startswith("{") and ID_PARAMETER.match(s.strip("{}"))
    )
    for segment in reversed(segments[:last_id]):
        if not segment.startswith("{"):
            return segment
    raise HarnessError(f"{path}: no collection segment before its id parameter")


def id_operations(schema: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document whose path takes an id, in a stable order."""
    found = []
    for path, item in sorted(schema.get("paths", {}).items()):
        if not takes_an_id(path):
            continue
        for method in HTTP_METHODS:
            if method in item:
                found.append(Operation(method, path, item[method], item))
    return found


# --- companies, authentication, factories ----------------------------------------------------


@dataclass(frozen=True)
class Company:
    """A company the harness acts in; ``id`` is what the auth provider made."""

    id: str
    label: str


class AuthProvider(Protocol):
    """How the harness gets companies and credentials for the app under test."""

    async def new_company(self, label: str) -> Company:
        """A new company with a member in every role."""
        ...

    async def as_role(self, company: Company, role: Role) -> dict[str, str]:
        """Request headers that act for ``company`` as its member in ``role``."""
        ...


@dataclass(frozen=True)
class Resource:
    """What a factory made in company B.

    ``id`` fills the operation's id parameter; ``path_params`` fills others by name (a nested
    resource's parent: ``{"invoice_id": ..., "payment_id": ...}``). ``data`` is the resource as
    the API answered it: its distinctive string values must not reach company A. ``bodies``
    gives a request body per operation (by operationId or ``"PATCH /api/v1/..."``), for an
    operation whose schema cannot be satisfied by the generated example.
    """

    id: str
    data: Mapping[str, Any]
    path_params: Mapping[str, str] = field(default_factory=dict)
    bodies: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FactoryContext:
    client: AsyncClient
    auth: AuthProvider
    company: Company  # where to create the resource (company B)

    async def headers(self, role: Role = Role.OWNER) -> dict[str, str]:
        return await self.auth.as_role(self.company, role)


Factory = Callable[[FactoryContext], Awaitable[Resource]]


class Registry:
    """Resource factories by collection segment, and the one list of exempted paths."""

    def __init__(self) -> None:
        self.factories: dict[str, Factory] = {}
        self.exemptions: dict[str, str] = {}

    def resource_factory(self, collection: str) -> Callable[[Factory], Factory]:
        """Decorator: ``@registry.resource_factory("customers")`` on ``async def f(ctx)``."""

        def register(factory: Factory) -> Factory:
            if collection in self.factories:
                raise HarnessError(f"two factories for {collection!r}")
            self.factories[collection] = factory
            return factory

        return register

    def exempt(self, target: str, reason: str) -> None:
        """Leave out a path (every method) or one ``"METHOD /path"``, saying why."""
        if not reason.strip():
            raise HarnessError(f"exempting {target!r} needs a written reason")
        self.exemptions[target] = reason

    def exemption_for(self, operation: Operation) -> str | None:
        return self.exemptions.get(operation.key) or self.exemptions.get(operation.path)


@dataclass(frozen=True)
class Coverage:
    checked: list[Operation]
    exempted: list[Operation]
    problems: list[str]


def coverage(schema: Mapping[str, Any], registry: Registry) -> Coverage:
    """Which id-taking operations the harness checks, which are exempt, and what is missing."""
    checked: list[Operation] = []
    exempted: list[Operation] = []
    problems: list[str] = []
    operations = id_operations(schema)
    for operation in operations:
        if registry.exemption_for(operation) is not None:
            exempted.append(operation)
        elif operation.collection in registry.factories:
            checked.append(operation)
        else:
            problems.append(
                f"{operation.label} takes an id but no factory makes a {operation.collection!r} "
                f"resource: register @resource_factory({operation.collection!r}) in "
                "tests/contract/resources.py (or exempt the path there, with a reason)"
            )
    used = {o.key for o in exempted} | {o.path for o in exempted}
    for target in registry.exemptions:
        if target not in used:
            problems.append(
                f"exemption {target!r} matches no operation that takes an id: remove it"
            )
    return Coverage(checked, exempted, problems)


# --- request bodies and parameters from JSON Schema --------------------------------------------


class ExampleGenerator:
    """A small value generator over the JSON Schema that FastAPI/pydantic emit.

    Takes ``examples``/``example``/``default``/``const``/``enum`` first, then makes the smallest
    value the constraints allow: required properties only, ``minLength``/``minItems``,
    ``minimum``/``exclusiveMinimum``, common string formats. A ``pattern`` it cannot satisfy is
    an error asking for an example in the schema (or a body from the factory).
    """

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            target: Any = self.document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            schema = target
        return schema

    def value(self, schema: Mapping[str, Any], where: str = "body") -> Any:
        schema = self.resolve(schema)
        if schema.get("examples"):
            return schema["examples"][0]
        for key in ("example", "default", "const"):
            if key in schema:
                return schema[key]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [
                    o for o in schema[key] if self.resolve(o).get("type") != "null"
                ] or schema[key]
                return self.value(options[0], where)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.resolve(part))
            return self.value(merged, where)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or (kind is None and "properties" in schema):
            properties = schema.get("properties", {})
            return {
                name: self.value(properties.get(name, {}), f"{where}.{name}")
                for name in schema.get("required", [])
            }
        if kind == "array":
            item = schema.get("items", {})
            return [self.value(item, f"{where}[]") for _ in range(schema.get("minItems", 0))]
        if kind == "string":
            return self._string(schema, where)
        if kind == "integer":
            return int(self._number(schema))
        if kind == "number":
            return self._number(schema)
        if kind == "boolean":
            return False
        if kind == "null":
            return None
        return {}

    def _string(self, schema: Mapping[str, Any], where: str) -> str:
        by_format = {
            "uuid": str(uuid.uuid4()),
            "date": "2026-01-15",
            "date-time": "2026-01-15T12:00:00Z",
            "email": "harness@example.fi",
            "uri": "https://example.fi/",
        }
        text = by_format.get(schema.get("format", ""), "")
        if not text:
            if "pattern" in schema:
                raise HarnessError(
                    f"{where}: cannot make a string for pattern {schema['pattern']!r}; give the "
                    "field an example in its schema, or a body in the factory's Resource.bodies"
                )
            text = "x" * max(schema.get("minLength", 0), 3)
        return text[: schema["maxLength"]] if "maxLength" in schema else text

    @staticmethod
    def _number(schema: Mapping[str, Any]) -> float | int:
        if "minimum" in schema:
            return schema["minimum"]  # type: ignore[no-any-return]
        if "exclusiveMinimum" in schema:
            return schema["exclusiveMinimum"] + 1  # type: ignore[no-any-return]
        if "maximum" in schema:
            return min(0, schema["maximum"])  # type: ignore[no-any-return]
        if "exclusiveMaximum" in schema:
            return min(0, schema["exclusiveMaximum"] - 1)  # type: ignore[no-any-return]
        return 1


@dataclass(frozen=True)
class Call:
    method: str
    url: str
    body: Any | None
    has_body: bool
    headers: dict[str, str]
    query: dict[str, Any]


def build_call(
    operation: Operation, resource: Resource, generator: ExampleGenerator, headers: dict[str, str]
) -> Call:
    """The request for ``operation`` aimed at ``resource``, with valid parameters and body."""
    values: dict[str, str] = {}
    for name in operation.path_parameters:
        if name in resource.path_params:
            values[name] = str(resource.path_params[name])
        elif name == operation.id_parameters[-1]:
            values[name] = resource.id
        else:
            schema = _parameter_schema(operation, name, "path")
            values[name] = str(generator.value(schema, f"path.{name}"))
    url = operation.path
    for name, value in values.items():
        url = url.replace("{" + name + "}", quote(value, safe=""))
    query: dict[str, Any] = {}
    extra_headers: dict[str, str] = {}
    for parameter in operation.parameters():
        if not parameter.get("required") or parameter["in"] == "path":
            continue
        value = generator.value(
            parameter.get("schema", {}), f"{parameter['in']}.{parameter['name']}"
        )
        if parameter["in"] == "query":
            query[parameter["name"]] = value
        elif parameter["in"] == "header":
            extra_headers[parameter["name"]] = str(value)
    body, has_body = None, False
    for key in (operation.spec.get("operationId"), operation.key):
        if key and key in resource.bodies:
            body, has_body = resource.bodies[key], True
            break
    else:
        request_body = operation.spec.get("requestBody")
        if request_body is not None:
            request_body = generator.resolve(request_body)
            media = request_body.get("content", {}).get("application/json")
            if media is not None:
                has_body = True
                if media.get("examples"):
                    body = next(iter(media["examples"].values())).get("value")
                elif "example" in media:
                    body = media["example"]
                else:
                    body = generator.value(media.get("schema", {}))
    return Call(operation.method.upper(), url, body, has_body, {**extra_headers, **headers}, query)


def _parameter_schema(operation: Operation, name: str, place: str) -> Mapping[str, Any]:
    for parameter in operation.parameters():
        if parameter["name"] == name and parameter["in"] == place:
            return parameter.get("schema", {})  # type: ignore[no-any-return]
    return {"type": "string"}


async def send(client: AsyncClient, call: Call) -> Response:
    return await client.request(
        call.method,
        call.url,
        params=call.query,
        headers=call.headers,
        **({"json": call.body} if call.has_body else {}),
    )


# --- the check -------------------------------------------------------------------------------


def string_values(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for value in data.values():
            yield from string_values(value)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from string_values(value)


def distinctive_values(resource: Resource, call: Call) -> set[str]:
    """B's values that company A must never see: long enough, and not in A's own request."""
    sent = call.url + " " + json.dumps(call.body, ensure_ascii=False) + json.dumps(call.query)
    return {
        value
        for value in string_values(resource.data)
        if len(value) >= MIN_DISTINCTIVE_LENGTH and value not in sent
    }


def leaked(resource: Resource, call: Call, response: Response) -> list[str]:
    seen = (
        response.text
        + "\n"
        + "\n".join(
            f"{name}: {value}" for name, value in response.headers.items() if name != "x-request-id"
        )
    )
    return sorted(
        value
        for value in distinctive_values(resource, call)
        if value in seen or json.dumps(value)[1:-1] in seen
    )


def judge(resource: Resource, call: Call, response: Response) -> str | None:
    """Why ``response`` is not a clean 404 for another company's resource (None if it is)."""
    reasons = []
    content_type = response.headers.get("content-type", "")
    if response.status_code != 404:
        reasons.append(f"expected 404, got {response.status_code}")
    if not content_type.startswith(PROBLEM_JSON):
        reasons.append(f"expected {PROBLEM_JSON}, got {content_type or 'no content type'}")
    else:
        try:
            problem_type = response.json().get("type")
        except (ValueError, AttributeError):
            problem_type = None
        if problem_type != NOT_FOUND_TYPE:
            reasons.append(f"expected problem type {NOT_FOUND_TYPE}, got {problem_type!r}")
    leaks = leaked(resource, call, response)
    if leaks:
        reasons.append(f"the answer shows company B's data {leaks}")
    if not reasons:
        return None
    return "; ".join(reasons) + f" — body: {response.text[:300]}"


@dataclass
class Report:
    coverage: Coverage
    cases: int = 0
    failures: list[str] = field(default_factory=list)


async def run(
    client: AsyncClient,
    schema: Mapping[str, Any],
    registry: Registry,
    auth: AuthProvider,
    roles: Iterable[Role] = ROLES,
) -> Report:
    """Every checked operation × role; failures are collected, not raised."""
    cover = coverage(schema, registry)
    report = Report(cover)
    if cover.problems or not cover.checked:
        return report
    generator = ExampleGenerator(schema)
    own, other = await auth.new_company("A"), await auth.new_company("B")
    owner_of_b = await auth.as_role(other, Role.OWNER)
    gets = {o.path for o in id_operations(schema) if o.method == "get"}
    for operation in cover.checked:
        factory = registry.factories[operation.collection]
        for role in roles:
            report.cases += 1
            case = f"{operation.label} as {role.value} of company A"
            resource = await factory(FactoryContext(client, auth, other))
            control = None
            if operation.resource_path in gets:
                control = _control_call(operation, resource, generator, owner_of_b)
                before = await send(client, control)
                if not before.is_success:
                    report.failures.append(
                        f"{case}: control failed — company B's owner reading its own "
                        f"{operation.collection} {resource.id} got {before.status_code}, so the "
                        f"factory's resource is not reachable: {before.text[:200]}"
                    )
                    continue
            call = build_call(operation, resource, generator, await auth.as_role(own, role))
            response = await send(client, call)
            verdict = judge(resource, call, response)
            if verdict:
                report.failures.append(f"{case}: {verdict}")
            if control is not None:
                after = await send(client, control)
                if after.status_code != before.status_code or after.content != before.content:
                    report.failures.append(
                        f"{case}: company B's {operation.collection} {resource.id} changed "
                        f"(read before {before.status_code} {before.text[:150]}, after "
                        f"{after.status_code} {after.text[:150]})"
                    )
    return report


def _control_call(
    operation: Operation, resource: Resource, generator: ExampleGenerator, headers: dict[str, str]
) -> Call:
    item = generator.document["paths"][operation.resource_path]
    read = Operation("get", operation.resource_path, item["get"], item)
    return build_call(read, resource, generator, headers)


async def assert_cross_company_404(
    client: AsyncClient,
    schema: Mapping[str, Any],
    registry: Registry,
    auth: AuthProvider,
    roles: Iterable[Role] = ROLES,
) -> Report:
    """Run the harness and fail with every problem found, each naming operation and role."""
    report = await run(client, schema, registry, auth, roles)
    problems = report.coverage.problems + report.failures
    if problems:
        raise HarnessError(
            f"cross-company harness: {len(problems)} problem(s)\n- " + "\n- ".join(problems)
        )
    return report
