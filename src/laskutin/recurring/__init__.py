"""Recurring invoices (issue 9): templates with a calendar rule, and the job that invoices them."""
