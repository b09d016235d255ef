"""CSV import of customers and products (issue 9)."""
