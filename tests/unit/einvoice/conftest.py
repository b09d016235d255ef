"""The official artifacts, found through the setting (default: ../shared/einvoice)."""

from __future__ import annotations

from pathlib import Path

import pytest

from laskutin.core.settings import load_settings


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = load_settings().einvoice_artifacts_dir
    assert folder.is_dir(), f"no e-invoice artifacts in {folder} (LASKUTIN_EINVOICE_ARTIFACTS_DIR)"
    return folder
