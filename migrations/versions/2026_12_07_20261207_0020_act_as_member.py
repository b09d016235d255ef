"""One statement to begin a tenant request: the tenant settings and the acting member.

Revision ID: 20261207_0020
Revises: 20261206_0019
Created: 2026-12-07

Every authenticated tenant request used to begin with two statements: ``set_config`` of the
tenant settings (core.tenancy.act_as), then the acting member's role (companies.service).
They cannot be one plain statement: the membership query is filtered by row-level security,
which reads the settings, and nothing orders a ``set_config`` in a SELECT list before the
scan's policy check. A PL/pgSQL function runs its statements in order, so
``laskutin_act_as_member`` sets both settings and then reads the member as the caller (SECURITY
INVOKER: row-level security applies as before). One round trip less per request
(bench/README.md, invoicing). A new function only: expand, nothing to contract.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "20261207_0020"
down_revision: str | None = "20261206_0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The OUT columns are named member_* so that they cannot be mistaken for the tables' columns
# inside the body (PL/pgSQL treats OUT parameters as variables).
ACT_AS_MEMBER = """
CREATE FUNCTION laskutin_act_as_member(company uuid, acting_user uuid)
    RETURNS TABLE (
        member_role text,
        member_name text,
        member_company_requires_two_factor boolean,
        member_has_two_factor boolean
    )
    LANGUAGE plpgsql VOLATILE SECURITY INVOKER
    AS $$
BEGIN
    PERFORM set_config('laskutin.company_id', COALESCE(company::text, ''), true),
            set_config('laskutin.user_id', COALESCE(acting_user::text, ''), true);
    RETURN QUERY
        SELECT memberships.role::text, users.name::text, companies.require_two_factor,
               EXISTS (SELECT 1 FROM user_two_factor t
                       WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL)
        FROM memberships
        JOIN users ON users.id = memberships.user_id
        JOIN companies ON companies.id = memberships.company_id
        WHERE memberships.company_id = company AND memberships.user_id = acting_user;
END
$$;
COMMENT ON FUNCTION laskutin_act_as_member(uuid, uuid) IS
    'Sets laskutin.company_id and laskutin.user_id for this transaction (as act_as does), then '
    'returns the user''s membership of the company (none when not a member).';
"""


def upgrade() -> None:
    op.execute(ACT_AS_MEMBER)


def downgrade() -> None:
    op.execute("DROP FUNCTION laskutin_act_as_member(uuid, uuid)")
