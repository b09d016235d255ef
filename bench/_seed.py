"""Seed data for bench/invoicing.py, written with SQL as the superuser (row-level security does
not apply to it), then ``VACUUM ANALYZE``.

- The big company (made through the API's sign-up) gets what issuing needs (a Y-tunnus, an
  address, a bank account), ``customers`` customers and ``invoices`` invoices over the last
  three years, numbered in date order without gaps (its series continues after them).
- ``others`` other companies get 3 customers and 10 invoices each, over the last year.

Every invoice has 3 lines (general VAT rate in force on its date: 24 % before 2024-09-01, then
25.5 %), and totals, a VAT breakdown and seller and buyer snapshots that agree with them. The
mix, by sequence in the company (``g``):

- drafts: ``g % 997 = 0``, and every 8th of the newest 1.5 % (no number, half without a date);
- credit notes: ``g % 30 = 1``, each crediting the whole of invoice ``g - 1`` (so that one is
  ``credited``);
- other invoices are due 14 days after their date. Past due: ``g % 13 = 5`` unpaid (overdue),
  ``g % 17 = 3`` half paid (overdue too), the rest paid (one payment each). Not yet due:
  ``g % 5 = 0`` paid, ``g % 7 = 2`` half paid, the rest open. 70 % have been sent.

That makes about 12 % of the big company's invoices overdue, 80 % paid and 3 % credit notes.
Audit events: ``created`` for each invoice and ``issued`` for each issued one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import psycopg

IBAN = "FI2112345600000785"  # the FFI barcode guide's example account (valid check digits)
BIC = "NDEAFIHH"
BUSINESS_ID = "1234567-1"

SURNAMES = (
    "Virtanen",
    "Korhonen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Niemi",
    "Heikkilä",
    "Kinnunen",
    "Salonen",
    "Turunen",
)
TRADES = "Rakennus Kuljetus Konsultointi Sähkö Putki Puutarha Kahvila Tilitoimisto Design Auto"
CITIES = "Helsinki Espoo Tampere Vantaa Oulu Turku Jyväskylä Lahti Kuopio Pori"


def _array(words: list[str]) -> str:
    return "(ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "])"


def _is_draft(g: str) -> str:
    """SQL: invoice ``g`` of a company with ``s.n`` invoices is a draft."""
    return f"(({g}) % 997 = 0 OR (({g}) > s.n - s.n * 15 / 1000 AND ({g}) % 8 = 0))"


@dataclass(frozen=True)
class Seeded:
    invoices: int  # of the big company
    customers: int
    other_companies: int
    other_invoices: int
    lines: int
    payments: int
    next_number: int  # of the big company's series


def _statements(big: uuid.UUID, user: uuid.UUID, invoices: int, customers: int, others: int) -> str:
    names = (
        f"{_array(SURNAMES)}[1 + c % 20] || ' ' || "
        f"{_array(TRADES.split())}[1 + (c / 20) % 10] || ' ' || "
        f"{_array(CITIES.split())}[1 + (c / 200) % 10] || ' Oy'"
    )
    draft_g, draft_prev, draft_next = _is_draft("g"), _is_draft("g - 1"), _is_draft("g + 1")
    return f"""
SET LOCAL synchronous_commit = off;

UPDATE companies SET business_id = '{BUSINESS_ID}', vat_number = 'FI12345671',
    street_address = 'Mannerheimintie 1 A', postal_code = '00100', city = 'Helsinki',
    email = 'laskutus@bench.example', phone = '+358 9 1234 567'
WHERE id = '{big}';
INSERT INTO company_bank_accounts (company_id, position, iban, bic)
VALUES ('{big}', 0, '{IBAN}', '{BIC}');

CREATE TEMP TABLE seed_companies ON COMMIT DROP AS
SELECT '{big}'::uuid AS company_id, {invoices}::int AS n, {customers}::int AS customers,
       1095 AS days, '{user}'::uuid AS user_id
UNION ALL
SELECT gen_random_uuid(), 10, 3, 365, NULL FROM generate_series(1, {others});

INSERT INTO companies (id, name, business_id, street_address, postal_code, city, email)
SELECT company_id, 'Yritys ' || row_number() OVER () || ' Oy',
       lpad((row_number() OVER ())::text, 7, '0') || '-0', 'Kauppakatu 1', '33100', 'Tampere',
       'info@yritys.example'
FROM seed_companies WHERE company_id <> '{big}';
INSERT INTO company_bank_accounts (company_id, position, iban, bic)
SELECT company_id, 0, '{IBAN}', '{BIC}' FROM seed_companies WHERE company_id <> '{big}';

CREATE TEMP TABLE seed_customers ON COMMIT DROP AS
SELECT s.company_id, c, gen_random_uuid() AS id, {names} AS name
FROM seed_companies s, generate_series(1, s.customers) c;
CREATE INDEX ON seed_customers (company_id, c);
INSERT INTO customers (id, company_id, customer_number, kind, name, business_id, email,
    language, billing_street, billing_postal_code, billing_city, payment_terms_days)
SELECT id, company_id, c, 'company', name, lpad((c * 7)::text, 7, '0') || '-' || (c % 10),
       'laskut' || c || '@asiakas.example', 'fi', 'Asiakaskatu ' || c, '00' || (100 + c % 900),
       'Helsinki', NULL
FROM seed_customers;

-- One row per invoice: its role in the mix, date, customer and number in the series.
CREATE TEMP TABLE seed_roles ON COMMIT DROP AS
SELECT s.company_id, s.n, s.user_id, g, gen_random_uuid() AS id,
       CASE WHEN {draft_g} THEN 'draft'
            WHEN g % 30 = 1 AND g > 1 AND NOT {draft_prev} THEN 'credit_note'
            ELSE 'invoice' END AS role,
       g % 30 = 0 AND g < s.n AND NOT {draft_g} AND NOT {draft_next} AS credited,
       (CURRENT_DATE - ((s.n - g)::bigint * s.days / s.n)::int) AS day,
       1 + ((CASE WHEN g % 30 = 1 AND g > 1 THEN g - 1 ELSE g END)::bigint * 7919) % s.customers
           AS customer_n
FROM seed_companies s, generate_series(1, s.n) g;

CREATE TEMP TABLE seed_inv ON COMMIT DROP AS
SELECT r.*, c.id AS customer_id,
       CASE WHEN r.role = 'draft' THEN NULL
            ELSE count(*) FILTER (WHERE r.role <> 'draft')
                 OVER (PARTITION BY r.company_id ORDER BY r.g) END AS seq,
       lag(r.id) OVER (PARTITION BY r.company_id ORDER BY r.g) AS previous_id
FROM seed_roles r JOIN seed_customers c ON c.company_id = r.company_id AND c.c = r.customer_n;
CREATE INDEX ON seed_inv (id);

-- 3 lines each; a credit note's are its original's, negated.
CREATE TEMP TABLE seed_lines ON COMMIT DROP AS
SELECT id, company_id, k, qty, price, rate, day,
       round(qty * price, 2) AS net, round(round(qty * price, 2) * rate / 100, 2) AS vat,
       round(qty * price, 2) + round(round(qty * price, 2) * rate / 100, 2) AS gross
FROM (
    SELECT i.id, i.company_id, k, i.day,
           (CASE WHEN i.role = 'credit_note' THEN -1 ELSE 1 END)
               * (1 + ((CASE WHEN i.role = 'credit_note' THEN i.g - 1 ELSE i.g END) + k) % 4)
               AS qty,
           10 + (((CASE WHEN i.role = 'credit_note' THEN i.g - 1 ELSE i.g END) * 37 + k * 101)
                 % 49000) / 100.0 AS price,
           CASE WHEN i.day < DATE '2024-09-01' THEN 24.0 ELSE 25.5 END AS rate
    FROM seed_inv i, generate_series(0, 2) k
) x;

CREATE TEMP TABLE seed_totals ON COMMIT DROP AS
SELECT id, sum(net) AS net, sum(vat) AS vat, sum(gross) AS gross, max(rate) AS rate
FROM seed_lines GROUP BY id;
CREATE INDEX ON seed_totals (id);

CREATE TEMP TABLE seed_full ON COMMIT DROP AS
SELECT i.*, t.net, t.vat, t.gross, t.rate,
       CASE WHEN i.role = 'draft' THEN NULL
            WHEN i.role = 'credit_note' THEN i.day ELSE i.day + 14 END AS due,
       CASE
           WHEN i.role <> 'invoice' OR i.credited THEN 0
           WHEN i.day + 14 < CURRENT_DATE THEN
               CASE WHEN i.g % 13 = 5 THEN 0
                    WHEN i.g % 17 = 3 THEN round(t.gross / 2, 2)
                    ELSE t.gross END
           ELSE
               CASE WHEN i.g % 5 = 0 THEN t.gross
                    WHEN i.g % 7 = 2 THEN round(t.gross / 2, 2)
                    ELSE 0 END
       END AS paid
FROM seed_inv i JOIN seed_totals t ON t.id = i.id;

INSERT INTO invoices (id, company_id, kind, state, customer_id, credited_invoice_id, number,
    sequence_number, invoice_date, due_date, payment_terms_days, reference, buyer_reference,
    order_reference, language, currency, prices_include_vat, net_total, vat_total, total,
    vat_breakdown, seller, buyer, bank_barcode, paid_amount, credited_amount,
    last_payment_date, sent_at, issued_at, issued_by, created_at, updated_at)
SELECT f.id, f.company_id,
       CASE WHEN f.role = 'credit_note' THEN 'credit_note' ELSE 'invoice' END,
       CASE WHEN f.role = 'draft' THEN 'draft' ELSE 'issued' END,
       f.customer_id,
       CASE WHEN f.role = 'credit_note' THEN f.previous_id END,
       f.seq::text, f.seq,
       CASE WHEN f.role = 'draft' AND f.g % 2 = 0 THEN NULL ELSE f.day END,
       f.due,
       CASE WHEN f.role = 'draft' THEN NULL WHEN f.role = 'credit_note' THEN 0 ELSE 14 END,
       CASE WHEN f.seq IS NOT NULL THEN ref.base || ref.check_digit END,
       CASE WHEN f.g % 4 = 0 THEN 'Tilaus ' || (1000 + f.g * 13 % 9000) END,
       CASE WHEN f.g % 6 = 0 THEN 'PO-' || f.g END,
       'fi', 'EUR', false, f.net, f.vat, f.gross,
       jsonb_build_array(jsonb_build_object(
           'vat_category', 'S', 'vat_rate', CASE WHEN f.rate = 24 THEN '24' ELSE '25.5' END,
           'taxable_amount', f.net::text, 'vat_amount', f.vat::text,
           'vat_ground', NULL, 'note', NULL)),
       CASE WHEN f.role <> 'draft' THEN jsonb_build_object(
           'name', co.name, 'business_id', co.business_id, 'vat_number', co.vat_number,
           'street_address', co.street_address, 'postal_code', co.postal_code,
           'city', co.city, 'country_code', co.country_code, 'email', co.email,
           'phone', co.phone, 'website', co.website,
           'bank_accounts', jsonb_build_array(jsonb_build_object('iban', '{IBAN}',
                                                                 'bic', '{BIC}')),
           'penalty_interest_percent', NULL,
           'penalty_interest', 'Viivästyskorko korkolain mukaan',
           'einvoice_address', NULL, 'einvoice_operator', NULL) END,
       CASE WHEN f.role <> 'draft' THEN jsonb_build_object(
           'customer_number', cu.customer_number, 'kind', cu.kind, 'name', cu.name,
           'business_id', cu.business_id, 'vat_number', NULL, 'email', cu.email,
           'phone', NULL, 'contact_person', NULL, 'language', cu.language,
           'street_address', cu.billing_street, 'postal_code', cu.billing_postal_code,
           'city', cu.billing_city, 'country_code', cu.billing_country,
           'delivery_name', NULL, 'delivery_street', NULL, 'delivery_postal_code', NULL,
           'delivery_city', NULL, 'delivery_country', NULL,
           'einvoice_address', NULL, 'einvoice_operator', NULL) END,
       CASE WHEN f.role = 'invoice' THEN
           '4' || substr('{IBAN}', 3, 16) || lpad(((f.gross * 100)::bigint % 100000000)::text,
           8, '0') || '000' || lpad(ref.base || ref.check_digit, 20, '0')
           || to_char(f.due, 'YYMMDD') END,
       f.paid,
       CASE WHEN f.credited THEN f.gross ELSE 0 END,
       CASE WHEN f.paid <> 0 THEN LEAST(f.due - f.g % 10, CURRENT_DATE) END,
       CASE WHEN f.role <> 'draft' AND f.g % 10 < 7
            THEN f.day + TIME '08:05' + (f.g % 480) * INTERVAL '1 minute' END,
       CASE WHEN f.role <> 'draft' THEN f.day + TIME '08:00' + (f.g % 480) * INTERVAL '1 minute'
            END,
       CASE WHEN f.role <> 'draft' THEN f.user_id END,
       COALESCE(f.day, CURRENT_DATE) - 1 + TIME '15:00' + (f.g % 60) * INTERVAL '1 minute',
       CASE WHEN f.paid <> 0 THEN LEAST(f.due - f.g % 10, CURRENT_DATE) + TIME '12:00'
            WHEN f.role <> 'draft' THEN f.day + TIME '08:00' + (f.g % 480) * INTERVAL '1 minute'
            ELSE COALESCE(f.day, CURRENT_DATE) - 1 + TIME '15:00' END
FROM seed_full f
JOIN companies co ON co.id = f.company_id
JOIN customers cu ON cu.id = f.customer_id
LEFT JOIN LATERAL (
    SELECT b.base, ((10 - sum(substr(reverse(b.base), d, 1)::int
                              * (ARRAY[7, 3, 1])[1 + (d - 1) % 3]) % 10) % 10)::text
               AS check_digit
    FROM (SELECT '1' || CASE WHEN f.seq < 10 THEN '0' ELSE '' END || f.seq AS base) b,
         generate_series(1, length(b.base)) d
    GROUP BY b.base
) ref ON f.seq IS NOT NULL
ORDER BY f.company_id, f.g;

INSERT INTO invoice_lines (invoice_id, position, company_id, description, quantity, unit,
    unit_price, discount_percent, vat_rate, vat_category, rate_class, tax_point, net_amount,
    vat_amount, gross_amount)
SELECT id, k, company_id,
       (ARRAY['Suunnittelu', 'Asennustyö', 'Tarvikkeet'])[k + 1] || ' (' || to_char(day, 'MM/YYYY')
           || ')',
       qty, (ARRAY['h', 'h', 'kpl'])[k + 1], price, 0, rate, 'S', 'general', day, net, vat, gross
FROM seed_lines;

INSERT INTO payments (company_id, invoice_id, payment_date, amount, source, reference,
    payer_name, created_at)
SELECT i.company_id, i.id, i.last_payment_date, i.paid_amount,
       CASE WHEN i.sequence_number % 3 = 0 THEN 'manual' ELSE 'bank_file' END, i.reference,
       i.buyer ->> 'name', i.updated_at
FROM invoices i WHERE i.paid_amount <> 0;

INSERT INTO number_series (company_id, kind, prefix, next_number)
SELECT company_id, 'invoice', '', COALESCE(max(seq), 0) + 1 FROM seed_inv GROUP BY company_id;

INSERT INTO audit_events (company_id, resource_type, resource_id, action, actor_user_id,
    actor_name, at, changes)
SELECT company_id, 'invoice', id, 'created', a.actor, a.name, created_at, NULL
FROM invoices, LATERAL (SELECT CASE WHEN company_id = '{big}' THEN '{user}'::uuid END AS actor,
                               CASE WHEN company_id = '{big}' THEN 'Bench Käyttäjä'
                                    ELSE 'system' END AS name) a
UNION ALL
SELECT i.company_id, 'invoice', i.id, 'issued', i.issued_by, COALESCE(u.name, 'system'),
       i.issued_at,
       jsonb_build_object('number', i.number, 'invoice_date', i.invoice_date,
                          'total', i.total::text)
FROM invoices i LEFT JOIN users u ON u.id = i.issued_by WHERE i.state = 'issued';
"""


def seed(
    conninfo: str,
    *,
    company_id: uuid.UUID,
    user_id: uuid.UUID,
    invoices: int,
    customers: int,
    others: int,
) -> Seeded:
    """Write the data (one transaction), then VACUUM ANALYZE; what was written."""
    with psycopg.connect(conninfo) as conn:
        conn.execute(_statements(company_id, user_id, invoices, customers, others).encode())
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        counts = conn.execute(
            """SELECT
                 (SELECT count(*) FROM invoices WHERE company_id = %(c)s),
                 (SELECT count(*) FROM customers WHERE company_id = %(c)s),
                 (SELECT count(*) - 1 FROM companies),
                 (SELECT count(*) FROM invoices WHERE company_id <> %(c)s),
                 (SELECT count(*) FROM invoice_lines),
                 (SELECT count(*) FROM payments),
                 (SELECT next_number FROM number_series WHERE company_id = %(c)s)""",
            {"c": company_id},
        ).fetchone()
    assert counts is not None
    return Seeded(*(int(v) for v in counts))
