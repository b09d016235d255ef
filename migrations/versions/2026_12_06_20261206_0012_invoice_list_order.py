"""Invoices: an index in the order of the default invoice list (issue 5, list budget).

Revision ID: 20261206_0012
Revises: 20261206_0011
Created: 2026-12-06

The invoice list's default order is ``coalesce(invoice_date, 'infinity'::date) DESC, id DESC``
(drafts without a date first, then newest first; invoices.service.SORTS). With this index a
filtered page (a status, a search word) is read in that order and stops after the page, instead
of sorting all of a company's invoices: with 100,000 invoices, ``status=overdue`` went from
170 ms to 8 ms at the median (bench/invoicing.py; the list also plans with the request's
values, see invoices.service.list_invoices). Adding an index is an expand-only change; the
previous release does not use it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261206_0012"
down_revision: str | None = "20261206_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_invoices_company_id_list_date"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "invoices",
        ["company_id", sa.literal_column("coalesce(invoice_date, 'infinity'::date)"), "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="invoices")
