"""Customers: the companies and persons a company invoices (issue 5)."""
