"""Installation-wide housekeeping: the worker's own checks, pruning, demo data seeding."""
