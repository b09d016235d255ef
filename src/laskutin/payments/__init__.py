"""Payments received against invoices: by hand now, from bank files later (issue 5)."""
