"""Invoicing: company settings, bank accounts, logo, numbering series, customers, products,
invoices and their lines, payments (issue 5).

Revision ID: 20261125_0008
Revises: 20261125_0007
Created: 2026-11-25

Every new table is a tenant table: row-level security enabled and forced, one policy per table
on ``company_id = laskutin_company_id()`` (docs/database.md#row-level-security). The new
columns of ``companies`` all have defaults or allow NULL, so the previous release keeps working
while this one rolls out (expand only).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "20261125_0008"
down_revision: str | None = "20261125_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = (
    "company_bank_accounts",
    "company_logos",
    "number_series",
    "customers",
    "products",
    "invoices",
    "invoice_lines",
    "payments",
)

COMPANY_CHECKS = {
    "reference_type": "reference_type IN ('national', 'rf')",
    "invoice_language": "invoice_language IN ('fi', 'sv', 'en')",
    "payment_terms_days": "payment_terms_days BETWEEN 0 AND 365",
}


def _isolate(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_company ON {table} "
        "USING (company_id = laskutin_company_id()) "
        "WITH CHECK (company_id = laskutin_company_id())"
    )


def upgrade() -> None:
    op.create_table(
        "company_bank_accounts",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_bank_accounts_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "position", name=op.f("pk_company_bank_accounts")),
    )
    op.create_table(
        "company_logos",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_logos_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_logos")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("customer_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), server_default="company", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=20), nullable=True),
        sa.Column("vat_number", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=50), nullable=True),
        sa.Column("contact_person", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="fi", nullable=False),
        sa.Column("billing_street", sa.String(length=200), nullable=True),
        sa.Column("billing_postal_code", sa.String(length=20), nullable=True),
        sa.Column("billing_city", sa.String(length=100), nullable=True),
        sa.Column("billing_country", sa.String(length=2), server_default="FI", nullable=False),
        sa.Column("delivery_name", sa.String(length=200), nullable=True),
        sa.Column("delivery_street", sa.String(length=200), nullable=True),
        sa.Column("delivery_postal_code", sa.String(length=20), nullable=True),
        sa.Column("delivery_city", sa.String(length=100), nullable=True),
        sa.Column("delivery_country", sa.String(length=2), nullable=True),
        sa.Column("einvoice_address", sa.String(length=64), nullable=True),
        sa.Column("einvoice_operator", sa.String(length=64), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("kind IN ('company', 'person')", name=op.f("ck_customers_kind")),
        sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name=op.f("ck_customers_language")),
        sa.CheckConstraint(
            "payment_terms_days IS NULL OR payment_terms_days BETWEEN 0 AND 365",
            name=op.f("ck_customers_payment_terms_days"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_customers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("company_id", "customer_number", name=op.f("uq_customers_company_id")),
    )
    op.create_index(
        "ix_customers_company_id_business_id",
        "customers",
        ["company_id", "business_id"],
        unique=False,
    )
    op.create_index(
        "ix_customers_company_id_name",
        "customers",
        ["company_id", sa.literal_column("lower(name)")],
        unique=False,
    )
    op.create_table(
        "number_series",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=20), server_default="", nullable=False),
        sa.Column("next_number", sa.BigInteger(), server_default="1", nullable=False),
        sa.CheckConstraint("next_number >= 1", name=op.f("ck_number_series_next_number")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_number_series_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "kind", name=op.f("pk_number_series")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("names", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("unit", sa.String(length=20), server_default="kpl", nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("prices_include_vat", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("vat_category", sa.String(length=2), server_default="S", nullable=False),
        sa.Column("rate_class", sa.String(length=30), nullable=True),
        sa.Column("vat_ground", sa.String(length=40), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')",
            name=op.f("ck_products_vat_category"),
        ),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_products_unit_price")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_products_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index("ix_products_company_id_code", "products", ["company_id", "code"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=12), server_default="invoice", nullable=False),
        sa.Column("state", sa.String(length=10), server_default="draft", nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("credited_invoice_id", sa.Uuid(), nullable=True),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("sequence_number", sa.BigInteger(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("penalty_interest_percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("reference", sa.String(length=35), nullable=True),
        sa.Column("buyer_reference", sa.String(length=100), nullable=True),
        sa.Column("order_reference", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=2), server_default="fi", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="EUR", nullable=False),
        sa.Column("prices_include_vat", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "net_total", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "vat_total", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column("total", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False),
        sa.Column(
            "vat_breakdown",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("seller", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("buyer", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("bank_barcode", sa.String(length=54), nullable=True),
        sa.Column(
            "paid_amount", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "credited_amount", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column("last_payment_date", sa.Date(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind = 'invoice' OR credited_invoice_id IS NOT NULL",
            name=op.f("ck_invoices_credit_note_original"),
        ),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f("ck_invoices_kind")),
        sa.CheckConstraint("language IN ('fi', 'sv', 'en')", name=op.f("ck_invoices_language")),
        sa.CheckConstraint(
            "state = 'draft' OR (number IS NOT NULL AND invoice_date IS NOT NULL "
            "AND due_date IS NOT NULL AND issued_at IS NOT NULL)",
            name=op.f("ck_invoices_issued_complete"),
        ),
        sa.CheckConstraint("state IN ('draft', 'issued')", name=op.f("ck_invoices_state")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invoices_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credited_invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoices_credited_invoice_id_invoices"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["users.id"],
            name=op.f("fk_invoices_issued_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("company_id", "number", name=op.f("uq_invoices_company_id")),
    )
    op.create_index(
        "ix_invoices_company_id_created_at",
        "invoices",
        ["company_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_company_id_customer_id",
        "invoices",
        ["company_id", "customer_id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_company_id_due_date", "invoices", ["company_id", "due_date"], unique=False
    )
    op.create_index(
        "ix_invoices_company_id_invoice_date",
        "invoices",
        ["company_id", "invoice_date", "id"],
        unique=False,
    )
    op.create_index(
        "ix_invoices_company_id_updated_at", "invoices", ["company_id", "updated_at"], unique=False
    )
    op.create_index(
        "ix_invoices_credited_invoice_id", "invoices", ["credited_invoice_id"], unique=False
    )
    op.create_table(
        "invoice_lines",
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("original_position", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=True),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column(
            "discount_percent", sa.Numeric(precision=5, scale=2), server_default="0", nullable=False
        ),
        sa.Column("vat_rate", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("vat_category", sa.String(length=2), server_default="S", nullable=False),
        sa.Column("rate_class", sa.String(length=30), nullable=True),
        sa.Column("vat_ground", sa.String(length=40), nullable=True),
        sa.Column("tax_point", sa.Date(), nullable=True),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("vat_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("gross_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.CheckConstraint(
            "vat_category IN ('S', 'Z', 'E', 'AE', 'K', 'G', 'O')",
            name=op.f("ck_invoice_lines_vat_category"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invoice_lines_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_invoice_lines_product_id_products"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("invoice_id", "position", name=op.f("pk_invoice_lines")),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("source", sa.String(length=12), server_default="manual", nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=True),
        sa.Column("payer_name", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("source IN ('manual', 'bank_file')", name=op.f("ck_payments_source")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_payments_amount")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_payments_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_payments_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_payments_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index(
        "ix_payments_company_id_invoice_id", "payments", ["company_id", "invoice_id"], unique=False
    )
    op.add_column("companies", sa.Column("street_address", sa.String(length=200), nullable=True))
    op.add_column("companies", sa.Column("postal_code", sa.String(length=20), nullable=True))
    op.add_column("companies", sa.Column("city", sa.String(length=100), nullable=True))
    op.add_column(
        "companies",
        sa.Column("country_code", sa.String(length=2), server_default="FI", nullable=False),
    )
    op.add_column("companies", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column("companies", sa.Column("phone", sa.String(length=50), nullable=True))
    op.add_column("companies", sa.Column("website", sa.String(length=200), nullable=True))
    op.add_column(
        "companies",
        sa.Column("payment_terms_days", sa.Integer(), server_default="14", nullable=False),
    )
    op.add_column(
        "companies",
        sa.Column("penalty_interest_percent", sa.Numeric(precision=5, scale=2), nullable=True),
    )
    op.add_column(
        "companies",
        sa.Column(
            "reference_type", sa.String(length=10), server_default="national", nullable=False
        ),
    )
    op.add_column(
        "companies",
        sa.Column("invoice_language", sa.String(length=2), server_default="fi", nullable=False),
    )
    op.add_column("companies", sa.Column("einvoice_address", sa.String(length=64), nullable=True))
    op.add_column("companies", sa.Column("einvoice_operator", sa.String(length=64), nullable=True))

    for name, condition in COMPANY_CHECKS.items():
        op.create_check_constraint(op.f(f"ck_companies_{name}"), "companies", condition)
    for table in TENANT_TABLES:
        _isolate(table)


def downgrade() -> None:
    for name in COMPANY_CHECKS:
        op.drop_constraint(op.f(f"ck_companies_{name}"), "companies", type_="check")

    op.drop_column("companies", "einvoice_operator")
    op.drop_column("companies", "einvoice_address")
    op.drop_column("companies", "invoice_language")
    op.drop_column("companies", "reference_type")
    op.drop_column("companies", "penalty_interest_percent")
    op.drop_column("companies", "payment_terms_days")
    op.drop_column("companies", "website")
    op.drop_column("companies", "phone")
    op.drop_column("companies", "email")
    op.drop_column("companies", "country_code")
    op.drop_column("companies", "city")
    op.drop_column("companies", "postal_code")
    op.drop_column("companies", "street_address")
    op.drop_index("ix_payments_company_id_invoice_id", table_name="payments")
    op.drop_table("payments")
    op.drop_table("invoice_lines")
    op.drop_index("ix_invoices_credited_invoice_id", table_name="invoices")
    op.drop_index("ix_invoices_company_id_updated_at", table_name="invoices")
    op.drop_index("ix_invoices_company_id_invoice_date", table_name="invoices")
    op.drop_index("ix_invoices_company_id_due_date", table_name="invoices")
    op.drop_index("ix_invoices_company_id_customer_id", table_name="invoices")
    op.drop_index("ix_invoices_company_id_created_at", table_name="invoices")
    op.drop_table("invoices")
    op.drop_index("ix_products_company_id_code", table_name="products")
    op.drop_table("products")
    op.drop_table("number_series")
    op.drop_index("ix_customers_company_id_name", table_name="customers")
    op.drop_index("ix_customers_company_id_business_id", table_name="customers")
    op.drop_table("customers")
    op.drop_table("company_logos")
    op.drop_table("company_bank_accounts")
