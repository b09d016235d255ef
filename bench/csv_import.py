"""CSV import of 10,000 customers and 10,000 products (issue 9): "10,000 rows import in a few
seconds".

    .venv/bin/python bench/csv_import.py            # 10,000 rows of each kind
    .venv/bin/python bench/csv_import.py --rows 2000 --quick

A throwaway embedded PostgreSQL, `laskutin serve` and `laskutin worker` as processes, a user
signed up through the API. For each kind: upload the file (the check, a dry run: wall time of
the request), run the import (wall time until GET /imports/{id} says done, polled every 0.1 s,
with the progress seen on the way), and, as the baseline in the same run, the same number of
rows written by one plain multi-row INSERT through psycopg (what the database needs at least).
"""

from __future__ import annotations

import argparse
import io
import platform
import random
import sys
import time

import httpx
import psycopg

from _pg import BIN_DIR, Environment, throwaway_database
from _procs import Server, free_port, wait_ready

HOST = "127.0.0.1"
EMAIL = "tuonti@example.fi"
PASSWORD = "correct horse battery staple"
FIRST = ["Aalto", "Berg", "Koski", "Laine", "Mäki", "Nieminen", "Salo", "Virta", "Österberg"]
KIND = ["Rakennus", "Konsultointi", "Kahvila", "Sähkö", "Kuljetus", "Paja", "Tilit"]
CITIES = [("00100", "Helsinki"), ("33100", "Tampere"), ("20100", "Turku"), ("90100", "Oulu")]


def business_id(number: int) -> str:
    """A valid Y-tunnus from a number (7-digit body, weights 7 9 10 5 8 4 2, mod 11)."""
    while True:
        body = f"{number % 10_000_000:07d}"
        total = sum(int(d) * w for d, w in zip(body, (7, 9, 10, 5, 8, 4, 2), strict=True))
        check = 11 - total % 11 if total % 11 else 0
        if check != 10 and (check != 11):
            return f"{body}-{check}"
        number += 1


def customers_csv(rows: int, rng: random.Random) -> bytes:
    out = io.StringIO()
    out.write(
        "Asiakasnumero;Nimi;Y-tunnus;Sähköposti;Katuosoite;Postinumero;Postitoimipaikka;Kieli\n"
    )
    for n in range(1, rows + 1):
        postal, city = rng.choice(CITIES)
        name = f"{rng.choice(FIRST)} {rng.choice(KIND)} {n} Oy"
        out.write(
            f"{n};{name};{business_id(1_000_000 + n * 7)};laskut{n}@asiakas.example;"
            f"Katu {n};{postal};{city};{rng.choice(['suomi', 'ruotsi', 'englanti'])}\n"
        )
    return out.getvalue().encode("utf-8")


def products_csv(rows: int, rng: random.Random) -> bytes:
    out = io.StringIO()
    out.write("Tuotekoodi;Tuotteen nimi;Yksikkö;À-hinta;ALV %\n")
    for n in range(1, rows + 1):
        price = f"{rng.randint(1, 99999) / 100:.2f}".replace(".", ",")
        rate = rng.choice(["25,5", "25,5", "13,5", "10"])
        out.write(f"P{n:05d};Tuote {n};{rng.choice(['kpl', 'h', 'kk'])};{price};{rate}\n")
    return out.getvalue().encode("utf-8")


def start(environment: Environment, name: str, command: list[str], port: int) -> Server:
    server = Server(
        name,
        port,
        command,
        dict(environment.env),
        environment.data_dir,
        environment.data_dir / f"{name}.log",
    )
    server.start()
    return server


def baseline_insert(environment: Environment, kind: str, rows: int) -> float:
    """Seconds for one multi-row INSERT of ``rows`` plain rows as the superuser."""
    with psycopg.connect(environment.superuser_conninfo()) as conn:
        company = conn.execute("SELECT id FROM companies LIMIT 1").fetchone()
        assert company is not None
        started = time.perf_counter()
        with conn.cursor() as cur:
            if kind == "customers":
                cur.executemany(
                    "INSERT INTO customers (company_id, customer_number, name, language, "
                    "billing_country) VALUES (%s, %s, %s, 'fi', 'FI')",
                    [(company[0], 1_000_000 + n, f"Baseline {n} Oy") for n in range(rows)],
                )
            else:
                cur.executemany(
                    "INSERT INTO products (company_id, code, names, unit, unit_price) "
                    "VALUES (%s, %s, %s, 'kpl', 1)",
                    [(company[0], f"B{n}", '{"fi": "B"}') for n in range(rows)],
                )
        conn.rollback()
        return time.perf_counter() - started


def run(args: argparse.Namespace, environment: Environment) -> bool:
    port = free_port()
    serve = start(
        environment,
        "serve",
        [str(BIN_DIR / "laskutin"), "serve", "--host", HOST, "--port", str(port)],
        port,
    )
    worker = start(environment, "worker", [str(BIN_DIR / "laskutin"), "worker"], port)
    ok = True
    try:
        wait_ready(serve, port)
        client = httpx.Client(base_url=f"http://{HOST}:{port}", timeout=120)
        signup = {
            "email": EMAIL,
            "password": PASSWORD,
            "name": "Tuoja",
            "company_name": "Tuonti Oy",
        }
        client.post("/api/v1/auth/signup", json=signup).raise_for_status()
        token = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        rng = random.Random(7)
        print(
            f"{'kind':<10}{'rows':>7}{'check s':>9}{'import s':>10}{'total s':>9}"
            f"{'baseline s':>12}{'ratio':>7}  progress seen"
        )
        for kind, make in (("customers", customers_csv), ("products", products_csv)):
            data = make(args.rows, rng)
            started = time.perf_counter()
            answer = client.post(
                "/api/v1/imports",
                params={"kind": kind},
                content=data,
                headers={**headers, "Content-Type": "text/csv"},
            )
            checked = time.perf_counter() - started
            report = answer.json()
            if answer.status_code != 201 or report["state"] != "checked":
                print(f"{kind}: the check failed: {answer.status_code} {str(report)[:500]}")
                return False
            started = time.perf_counter()
            client.post(f"/api/v1/imports/{report['id']}/run", headers=headers).raise_for_status()
            seen: list[int] = []
            while True:
                state = client.get(f"/api/v1/imports/{report['id']}", headers=headers).json()
                if state["done_rows"] not in seen:
                    seen.append(state["done_rows"])
                if state["state"] in ("done", "failed", "invalid"):
                    break
                if time.perf_counter() - started > 300:
                    print(f"{kind}: not done in 300 s")
                    return False
                time.sleep(0.1)
            imported = time.perf_counter() - started
            ok = ok and state["state"] == "done" and state["created_count"] == args.rows
            base = baseline_insert(environment, kind, args.rows)
            steps = ", ".join(str(s) for s in seen[:8]) + (" ..." if len(seen) > 8 else "")
            print(
                f"{kind:<10}{args.rows:>7}{checked:>9.2f}{imported:>10.2f}"
                f"{checked + imported:>9.2f}{base:>12.2f}"
                f"{(checked + imported) / base:>7.1f}  {steps}"
            )
        return ok
    finally:
        worker.stop()
        serve.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 rows")
    args = parser.parse_args()
    if args.quick:
        args.rows = 1000
    print(f"{platform.node()}, Python {platform.python_version()}, {args.rows} rows per kind")
    with throwaway_database() as environment:
        ok = run(args, environment)
    print("every import done" if ok else "IMPORT FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
