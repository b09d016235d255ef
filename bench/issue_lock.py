"""How much issuers of one company wait for its number series row, through the API.

Issuing takes the next number with ``UPDATE number_series ...`` and holds that row's lock until
the transaction commits (invoices/service.py), so the issuers of one company take turns. This
diagnostic shows how far that bounds ``invoicing.py``'s issuing runs: while C clients issue
through two ``laskutin serve`` processes (as there), a thread samples ``pg_stat_activity``
every few milliseconds and counts the app's backends waiting for a lock (``Lock`` wait events:
``transactionid``, ``tuple``). A histogram of that count near C - 1 means the lock is never
free, and the API issues about one invoice per hold time, whatever the CPU.

Run: ``.venv/bin/python bench/issue_lock.py --clients 1 4 8`` (about a minute per count).
The sampling thread takes some CPU itself, so compare its issues/s only with its own runs.
"""

from __future__ import annotations

import argparse
import collections
import sys
import threading
import time

import psycopg

import invoicing as bench
from _pg import throwaway_database


def sample_waits(
    conninfo: str, stop: threading.Event, interval: float, histogram: collections.Counter[int]
) -> None:
    """Until ``stop``: how many of the app's backends wait for a lock, counted in ``histogram``."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while not stop.is_set():
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                "WHERE application_name = 'laskutin' AND backend_type = 'client backend'"
            ).fetchone()
            histogram[int(row[0]) if row else 0] += 1
            time.sleep(interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--issues", type=int, default=2000, help="per client count")
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--interval-ms", type=float, default=3.0)
    args = parser.parse_args(argv)
    with throwaway_database() as environment:
        servers = [bench.start_server(environment) for _ in range(args.servers)]
        ports = [server.port for server in servers]
        api = bench.Api(ports[0])
        conninfo = environment.superuser_conninfo()
        try:
            customer_id = bench.small_company(api, conninfo)
            template, *warm = bench.make_drafts(api, customer_id, 21)
            bench.issue_many(ports, api.token, warm, 2 * len(ports))
            for clients in args.clients:
                api.log_in()
                drafts = bench.copy_drafts(conninfo, template, args.issues)
                bench.vacuum_analyze(conninfo)
                stop = threading.Event()
                histogram: collections.Counter[int] = collections.Counter()
                sampler = threading.Thread(
                    target=sample_waits,
                    args=(conninfo, stop, args.interval_ms / 1000, histogram),
                )
                sampler.start()
                started = time.perf_counter()
                bench.issue_many(ports, api.token, drafts, clients)
                seconds = time.perf_counter() - started
                stop.set()
                sampler.join()
                total = sum(histogram.values())
                mean = sum(k * v for k, v in histogram.items()) / total
                shares = ", ".join(
                    f"{waiting}: {share / total:.0%}"
                    for waiting, share in sorted(histogram.items())
                )
                print(
                    f"{clients} clients: {args.issues / seconds:6.1f} issues/s; backends waiting "
                    f"for a lock: {mean:.2f} on average ({shares}; {total} samples)",
                    flush=True,
                )
        finally:
            api.close()
            for server in servers:
                server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
