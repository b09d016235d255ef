-- pgbench script: one POST /api/v1/invoices/{id}/issue of a draft of 10 lines, statement by
-- statement as the app ran it (laskutin serve, SQLAlchemy + asyncpg, one pooled connection).
--
-- Made by bench/invoicing.py from PostgreSQL's statement log (log_statement = 'all') of one
-- real issue; the benchmark rewrites this file when the app's statements change (literals
-- aside), so commit it with the change. Do not edit it by hand.
--
-- Run by the benchmark as the app role over the Unix socket, e.g. for 8 clients:
--   pgbench -n -M prepared -f bench/issue_invoice.pgbench.sql -c 8 -t 250 \
--     -D company_id=<uuid> -D user_id=<uuid> -D credential=user:<uuid> \
--     -D customer_id=<uuid> -D per_client=250 -D k=0 -D v1=... -D v2=... laskutin
-- Every parameter the app bound is bound here too (pgbench sends it with each execution of the
-- prepared statement, so PostgreSQL converts it each time, as for the app): :invoice_id is the
-- draft (the Idempotency-Key too); :sequence_number comes from the series UPDATE (\gset; the
-- number is the same, the company has no prefix); the ids are --define'd, and so are :v1, :v2...
-- (dates, amounts, snapshots, the stored answer: the captured request's values, kept in
-- issue_invoice.pgbench.values.json when this file is written).
-- Not the app's: the first three lines pick a different draft for each transaction
-- (bench.drafts holds copies of one template draft).
-- Line INSERTs (none when the lines are kept) run in one pipeline, as asyncpg sends an executemany.
-- Captured 2026-12-07 with 9 statements.
\set n :client_id * :per_client + :k
\set k :k + 1
SELECT id AS invoice_id FROM bench.drafts WHERE n = :n \gset
BEGIN;
SELECT * FROM laskutin_act_as_member(:company_id, :user_id);
INSERT INTO idempotency_keys (company_id, credential, key, request_hash, expires_at) VALUES (:company_id, :credential, :invoice_id, :v1, now() + interval '86400 seconds') ON CONFLICT (company_id, credential, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = NULL, response_body = NULL, response_headers = NULL, created_at = now(), expires_at = excluded.expires_at WHERE idempotency_keys.expires_at < now() RETURNING idempotency_keys.key;
SELECT id, company_id, kind, state, customer_id, credited_invoice_id, number, sequence_number, invoice_date, delivery_date, due_date, payment_terms_days, penalty_interest_percent, reference, buyer_reference, order_reference, notes, language, currency, prices_include_vat, net_total, vat_total, total, vat_breakdown, seller, buyer, bank_barcode, paid_amount, credited_amount, last_payment_date, sent_at, issued_at, issued_by, created_at, updated_at FROM invoices WHERE company_id = :company_id AND id = :invoice_id FOR UPDATE;
SELECT (SELECT ROW(id, company_id, customer_number, kind, name, business_id, vat_number, email, phone, contact_person, language, billing_street, billing_postal_code, billing_city, billing_country, delivery_name, delivery_street, delivery_postal_code, delivery_city, delivery_country, einvoice_address, einvoice_operator, payment_terms_days, notes, archived_at, created_at, updated_at) FROM customers WHERE company_id = :company_id AND id = :customer_id), ARRAY(SELECT ROW(invoice_id, position, company_id, product_id, original_position, description, quantity, unit, unit_price, discount_percent, vat_rate, vat_category, rate_class, vat_ground, tax_point, net_amount, vat_amount, gross_amount) FROM invoice_lines WHERE invoice_id = :invoice_id ORDER BY position), (SELECT ROW(id, name, business_id, vat_number, plan::text, require_two_factor, street_address, postal_code, city, country_code, email, phone, website, payment_terms_days, penalty_interest_percent, reference_type, invoice_language, einvoice_address, einvoice_operator, sender_name, reply_to_email, created_at, updated_at) FROM companies WHERE id = :company_id), ARRAY(SELECT ROW(iban, bic) FROM company_bank_accounts WHERE company_id = :company_id ORDER BY position), procrastinate_defer_jobs_v1(ARRAY[ROW(:v2::varchar, :v3::varchar, 0, NULL, NULL::text, :v4::text::jsonb, NULL::timestamptz)::procrastinate_job_to_defer_v1]);
UPDATE number_series SET next_number = next_number + 1 WHERE company_id = :company_id AND kind = :v5 RETURNING prefix, next_number - 1 AS sequence_number \gset
WITH issued AS (UPDATE invoices SET state = 'issued', number = :sequence_number, sequence_number = :sequence_number, invoice_date = :v6, due_date = :v7, payment_terms_days = :v8, reference = :v9, penalty_interest_percent = NULL, seller = :v10, buyer = :v11, bank_barcode = :v12, net_total = :v13, vat_total = :v14, total = :v15, vat_breakdown = :v16, issued_at = :v17, issued_by = :user_id, updated_at = :v18 WHERE company_id = :company_id AND id = :invoice_id RETURNING id) INSERT INTO audit_events (company_id, resource_type, resource_id, action, actor_user_id, actor_name, changes) SELECT :company_id, :v19::text, id, 'issued', :user_id, :v20::text, :v21::jsonb FROM issued;
UPDATE idempotency_keys SET status_code = :v22, response_body = :v23, response_headers = :v24 WHERE company_id = :company_id AND credential = :credential AND key = :invoice_id;
COMMIT;
