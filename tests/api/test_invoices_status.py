"""The status rule in SQL (list filters) agrees with the Python rule (invoices.domain)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import psycopg
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Numeric,
    String,
    column,
    create_engine,
    insert,
    select,
    table,
    text,
)

from laskutin.invoices.domain import Status, StatusInputs, derive_status
from laskutin.invoices.status import status_condition, status_sql
from tests.conftest import Cluster

TODAY = dt.date(2026, 3, 15)
money = st.integers(min_value=-50, max_value=300).map(lambda c: Decimal(c))
states = st.builds(
    StatusInputs,
    kind=st.sampled_from(["invoice", "credit_note"]),
    state=st.sampled_from(["draft", "issued"]),
    total=money,
    paid_amount=money,
    credited_amount=money,
    due_date=st.none() | st.dates(dt.date(2026, 3, 10), dt.date(2026, 3, 20)),
    sent_at=st.none() | st.just(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)),
)


def test_sql_status_agrees_with_python(cluster: Cluster) -> None:
    engine = create_engine(
        "postgresql+psycopg://",
        creator=lambda: psycopg.connect(cluster.server.superuser_conninfo()),
    )
    columns = [
        column("n", Integer),
        column("kind", String),
        column("state", String),
        column("total", Numeric),
        column("paid_amount", Numeric),
        column("credited_amount", Numeric),
        column("due_date", Date),
        column("sent_at", DateTime(timezone=True)),
    ]

    invoices = table("status_check", *columns)
    c = invoices.c
    flags = [status_condition(s, c, TODAY).label(s.value) for s in Status]
    query = select(status_sql(c, TODAY), *flags).order_by(c.n)

    @settings(max_examples=30)
    @given(st.lists(states, min_size=1, max_size=40))
    def check(rows: list[StatusInputs]) -> None:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "CREATE TEMP TABLE status_check (n int, kind text, state text, "
                    "total numeric(18, 2), paid_amount numeric(18, 2), "
                    "credited_amount numeric(18, 2), due_date date, sent_at timestamptz) "
                    "ON COMMIT DROP"
                )
            )
            connection.execute(
                insert(invoices),
                [
                    {"n": n, **{k: getattr(r, k) for k in StatusInputs.__dataclass_fields__}}
                    for n, r in enumerate(rows)
                ],
            )
            answers = connection.execute(query).all()
        assert len(answers) == len(rows)
        for row, answer in zip(rows, answers, strict=True):
            expected = derive_status(row, TODAY)
            assert answer[0] == expected.value, row
            holding = [s for s, flag in zip(Status, answer[1:], strict=True) if flag]
            assert holding == [expected], row

    try:
        check()
    finally:
        engine.dispose()
