"""Invoices and credit notes: drafts, issuing, numbering, status (issue 5)."""
