"""Reports: figures over a company's invoices and payments (the dashboard)."""
