"""Fixtures for tests that start processes or their own PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_temp_dir
from tests.integration.procs import kill_postgres_of, remove_tree


@pytest.fixture
def workdir() -> Iterator[Path]:
    """An empty folder that the unprivileged PostgreSQL user can reach; the processes' cwd (so
    no developer's .env is read)."""
    path = make_temp_dir("laskutin-it-")
    try:
        yield path
    finally:
        remove_tree(path)


@pytest.fixture
def data_dir(workdir: Path) -> Iterator[Path]:
    """A LASKUTIN_DATA_DIR for an embedded PostgreSQL; no server of it outlives the test."""
    path = workdir / "data"
    try:
        yield path
    finally:
        kill_postgres_of(path)
