"""/metrics: request counts and latency per route template, DB pool use, job queue depth."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from laskutin.core.db import unit_of_work
from laskutin.core.settings import Settings
from laskutin.jobs.queue import enqueue
from tests.api.conftest import NO_DATABASE, build_test_app, serve
from tests.conftest import Cluster

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def label_values(samples: Samples, name: str, label: str) -> set[str]:
    return {dict(labels)[label] for (sample, labels) in samples if sample == name}


async def test_requests_are_counted_by_route_template(offline_client: AsyncClient) -> None:
    before = await scrape(offline_client)

    for item_id in (1, 2, 3):
        response = await offline_client.get(f"/test/items/{item_id}")
        assert response.status_code == 200
    assert (await offline_client.get("/test/items/x")).status_code == 422

    after = await scrape(offline_client)
    total = "laskutin_http_requests_total"
    route = "/test/items/{item_id}"
    ok = {"method": "GET", "route": route, "status": "200"}
    bad = {"method": "GET", "route": route, "status": "422"}
    assert value(after, total, **ok) - value(before, total, **ok) == 3
    assert value(after, total, **bad) - value(before, total, **bad) == 1
    routes = label_values(after, total, "route")
    assert not any(r.startswith("/test/items/") and "{" not in r for r in routes), routes

    latency = "laskutin_http_request_duration_seconds_count"
    get = {"method": "GET", "route": route}
    assert value(after, latency, **get) - value(before, latency, **get) == 4
    buckets = label_values(after, "laskutin_http_request_duration_seconds_bucket", "le")
    assert "+Inf" in buckets
    assert len(buckets) > 5


async def test_unmatched_paths_share_one_label(offline_client: AsyncClient) -> None:
    before = await scrape(offline_client)

    for path in ("/nope", "/also/nope", "/api/v1/nothing-here"):
        assert (await offline_client.get(path)).status_code == 404

    after = await scrape(offline_client)
    total = "laskutin_http_requests_total"
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, total, **labels) - value(before, total, **labels) == 3
    assert not {"/nope", "/also/nope", "/api/v1/nothing-here"} & label_values(after, total, "route")


async def test_unknown_methods_do_not_make_new_series(offline_client: AsyncClient) -> None:
    before = await scrape(offline_client)

    response = await offline_client.request("BREW", "/test/items/1")
    assert response.status_code == 405

    after = await scrape(offline_client)
    total = "laskutin_http_requests_total"
    labels = {"method": "other", "route": "/test/items/{item_id}", "status": "405"}
    assert value(after, total, **labels) - value(before, total, **labels) == 1
    assert "BREW" not in label_values(after, total, "method")


async def test_500s_are_counted(offline_client: AsyncClient) -> None:
    before = await scrape(offline_client)

    assert (await offline_client.get("/test/boom")).status_code == 500

    after = await scrape(offline_client)
    labels = {"method": "GET", "route": "/test/boom", "status": "500"}
    total = "laskutin_http_requests_total"
    assert value(after, total, **labels) - value(before, total, **labels) == 1


async def test_db_pool_connections_are_exposed(client: AsyncClient, settings: Settings) -> None:
    assert (await client.get("/readyz")).status_code == 200  # the pool has opened a connection

    samples = await scrape(client)

    pool = "laskutin_db_pool_connections"
    assert label_values(samples, pool, "state") == {"size", "checked_out", "idle", "overflow"}
    assert value(samples, pool, state="size") == settings.db_pool_size
    assert value(samples, pool, state="idle") >= 1


async def test_job_queue_depth_after_an_enqueue(client: AsyncClient, app: FastAPI) -> None:
    queue = "laskutin_job_queue_jobs"
    assert value(await scrape(client), queue, queue="system", status="todo") == 0

    async with unit_of_work(app.state.session_factory) as session:
        await enqueue(session, "system.ping", token="x")
        await enqueue(session, "system.ping", token="x")

    samples = await scrape(client)
    assert value(samples, queue, queue="system", status="todo") == 2


async def test_enqueue_that_rolls_back_leaves_no_job(client: AsyncClient, app: FastAPI) -> None:
    class Abort(Exception):
        pass

    try:
        async with unit_of_work(app.state.session_factory) as session:
            await enqueue(session, "system.ping", token="x")
            raise Abort
    except Abort:
        pass

    samples = await scrape(client)
    assert value(samples, "laskutin_job_queue_jobs", queue="system", status="todo") == 0


async def test_metrics_answer_while_the_database_is_away(cluster: Cluster, database: str) -> None:
    settings = cluster.settings_for(database, database_url=NO_DATABASE)
    async with serve(build_test_app(settings)) as client:
        before = await scrape(client)
        after = await scrape(client)

    errors = "laskutin_job_queue_scrape_errors_total"
    assert value(after, errors) - value(before, errors) == 1
