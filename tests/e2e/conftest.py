"""Fixtures of the browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_temp_dir
from tests.integration.procs import remove_tree


@pytest.fixture
def workdir() -> Iterator[Path]:
    """An empty folder for the processes a browser test starts (their cwd and logs)."""
    path = make_temp_dir("laskutin-e2e-")
    try:
        yield path
    finally:
        remove_tree(path)
