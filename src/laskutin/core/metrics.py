"""Prometheus metrics (one registry per process; each replica is scraped on its own)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "laskutin_http_requests_total",
    "HTTP requests answered, by route template and status.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "laskutin_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
HTTP_IN_FLIGHT = Gauge(
    "laskutin_http_requests_in_flight", "Requests being answered now.", registry=REGISTRY
)
DB_POOL = Gauge(
    "laskutin_db_pool_connections",
    "Database pool connections by state (size, checked_out, idle, overflow).",
    ["state"],
    registry=REGISTRY,
)
JOB_QUEUE = Gauge(
    "laskutin_job_queue_jobs",
    "Jobs in the queue by queue name and status (todo, doing, failed, ...).",
    ["queue", "status"],
    registry=REGISTRY,
)
JOB_QUEUE_SCRAPE_ERRORS = Counter(
    "laskutin_job_queue_scrape_errors_total",
    "Times the job queue could not be read for /metrics.",
    registry=REGISTRY,
)
