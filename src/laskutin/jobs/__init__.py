"""Background jobs. Domains declare jobs with ``laskutin.jobs.registry``; only this package
knows the queue library (Procrastinate, whose queue lives in PostgreSQL)."""
