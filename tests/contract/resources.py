"""The real app's resource factories and the one list of exempted paths.

Every operation of the API whose path takes an id (``{id}`` or ``{..._id}``) must be covered
here, by a factory for its collection segment or by an exemption with its reason; otherwise
tests/contract/test_cross_company.py fails and names what is missing.

A factory creates one resource in the company it is given (company B), through the API as that
company's owner, and returns what the API answered:

    @resource_factory("customers")
    async def customer(ctx: FactoryContext) -> Resource:
        answer = await ctx.client.post(
            "/api/v1/customers", json={"name": "Asiakas B-7f3c Oy"}, headers=await ctx.headers()
        )
        assert answer.status_code == 201, answer.text
        return Resource(id=answer.json()["id"], data=answer.json())

Use distinctive values (names, e-mails) so that a leak is recognisable.
"""

from __future__ import annotations

from tests.contract.harness import Registry

REGISTRY = Registry()
resource_factory = REGISTRY.resource_factory

# The one list of exemptions: path (every method) or "METHOD /path" -> why it is not a
# cross-company 404. Example for the company switch that issue 4 adds:
#   "/api/v1/companies/{company_id}/switch": "names a company the caller belongs to; a company
#   the caller is not a member of is refused by the membership check (tested in tests/api)",
EXEMPTIONS: dict[str, str] = {}

for _target, _reason in EXEMPTIONS.items():
    REGISTRY.exempt(_target, _reason)
