"""The statement log of one real request, and a pgbench script made from it.

:func:`capture` turns on ``log_statement = 'all'`` (``ALTER SYSTEM`` and a reload, as the
superuser) around a callable that makes the request, and reads what PostgreSQL logged
meanwhile. Each log line starts with a marker, the backend's pid and its application name, so
that statements spanning several lines and their ``DETAIL: parameters:`` lines can be put back
together, and the statements of one connection told apart from the rest.

:func:`pgbench_script` writes those statements as a pgbench custom script for ``-M prepared``:
each bound parameter stays a bound parameter, as the app sent it: a pgbench variable named
after its value when the value is one of ``variables`` (an id that differs between runs or
transactions), else ``:v1``, ``:v2``... whose values (:class:`Script` ``.values``) the caller
passes with ``--define``. pgbench then sends them with each execution of the prepared
statement, so PostgreSQL parses and converts them every time, as for the app; written as
literals instead, they would be parsed once, when the statement is prepared (the snapshots
and the stored answer are kilobytes of JSON). What the log cannot show is
not in the script: the empty statement (``;``) the connection pool sends between the ``BEGIN``
and ``ROLLBACK`` of its liveness check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

MARKER = "@@bench@@"
_LINE = re.compile(rf"^{MARKER} (\d+) (\S*) {MARKER} (LOG|DETAIL|STATEMENT|ERROR|WARNING):  (.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*): (.*)$", re.S)
_PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
_PLACEHOLDER = re.compile(r"\$(\d+)")
_LITERAL = re.compile(r"E?'(?:[^'\\]|''|\\.)*'")


@dataclass
class Statement:
    pid: int
    application: str
    sql: str
    parameters: dict[int, str | None] = field(default_factory=dict)  # $n: text, or None: NULL


def _records(text: str) -> list[tuple[int, str, str, str]]:
    """(pid, application, level, message) of each log record, continuation lines joined."""
    records: list[tuple[int, str, str, str]] = []
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            pid, app, level, message = match.groups()
            records.append((int(pid), app, level, message))
        elif records:
            pid, app, level, message = records[-1]
            records[-1] = (pid, app, level, message + "\n" + line)
    return records


def parse(text: str) -> list[Statement]:
    """The statements in a stretch of the server log, with their parameters."""
    statements: list[Statement] = []
    for pid, app, level, message in _records(text):
        if level == "LOG":
            match = _STATEMENT.match(message)
            if match:
                statements.append(Statement(pid, app, match.group(1).strip()))
        elif level == "DETAIL" and message.startswith("parameters: ") and statements:
            last = statements[-1]
            if last.pid == pid:
                for number, value in _PARAMETER.findall(message):
                    last.parameters[int(number)] = (
                        None if value == "NULL" else value[1:-1].replace("''", "'")
                    )
    return statements


def capture(
    superuser_conninfo: str, log_file: Path, action: Callable[[], object]
) -> list[Statement]:
    """Every statement PostgreSQL ran while ``action`` ran (all connections)."""
    settings = {"log_statement": "'all'", "log_line_prefix": f"'{MARKER} %p %a {MARKER} '"}
    with psycopg.connect(superuser_conninfo, autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute(f"ALTER SYSTEM SET {name} = {value}")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)  # the postmaster signals every backend; each reloads before its next query
        start = log_file.stat().st_size
        try:
            action()
            time.sleep(0.2)
        finally:
            for name in settings:
                conn.execute(f"ALTER SYSTEM RESET {name}")
            conn.execute("SELECT pg_reload_conf()")
    with log_file.open("rb") as log:
        log.seek(start)
        text = log.read().decode(errors="replace")
    return parse(text)


def _render(statement: Statement, variables: Mapping[str, str], values: dict[str, str]) -> str:
    """``statement`` with its ``$n`` as pgbench variables (NULL stays a literal); the values of
    new ``:vN`` variables are added to ``values``."""

    def substitute(match: re.Match[str]) -> str:
        value = statement.parameters.get(int(match.group(1)))
        if value is None:
            return "NULL"
        if value in variables:
            return ":" + variables[value]
        name = f"v{len(values) + 1}"
        values[name] = value
        return ":" + name

    return _PLACEHOLDER.sub(substitute, statement.sql)


def shape(script: str) -> list[str]:
    """The script's commands with literals masked and comments dropped: what must stay equal
    between two captures of the same code path (values such as times differ)."""
    lines = [line for line in script.splitlines() if not line.startswith("--")]
    return [_LITERAL.sub("?", line) for line in lines if line.strip()]


@dataclass
class Script:
    text: str  # the pgbench script
    values: dict[str, str]  # --define name=value for its :vN variables


def pgbench_script(
    statements: Sequence[Statement],
    *,
    variables: Mapping[str, str],
    gset: Sequence[str],
    pipelined: Callable[[Statement], bool],
    header: Sequence[str],
    prologue: Sequence[str] = (),
) -> Script:
    """A pgbench script (``-M prepared``) running ``statements`` in order.

    ``variables``: parameter value -> pgbench variable name; other values become ``:vN``
    (:class:`Script` ``.values``). ``gset``: a statement starting with
    one of these ends with ``\\gset`` (its RETURNING columns become variables) instead of ``;``.
    Consecutive statements for which ``pipelined`` is true are sent in one pipeline
    (``\\startpipeline`` ... ``\\endpipeline``), as the driver sends an ``executemany``.
    ``header``: comment lines; ``prologue``: script lines before the statements.
    """
    out = [f"-- {line}".rstrip() for line in header]
    out += prologue
    in_pipeline = False
    values: dict[str, str] = {}
    for statement in statements:
        piped = pipelined(statement)
        if piped and not in_pipeline:
            out.append("\\startpipeline")
        elif in_pipeline and not piped:
            out.append("\\endpipeline")
        in_pipeline = piped
        sql = _render(statement, variables, values).rstrip().rstrip(";")
        ending = next(("\\gset" for start in gset if statement.sql.startswith(start)), ";")
        out.append(sql + (" " + ending if ending != ";" else ";"))
    if in_pipeline:
        out.append("\\endpipeline")
    return Script("\n".join(out) + "\n", values)
