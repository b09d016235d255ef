"""Products and services a company sells (issue 5)."""
