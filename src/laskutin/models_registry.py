"""Imports every domain's models so that ``metadata`` holds all tables (migrations, drift test)."""

from laskutin.core.models import Base

metadata = Base.metadata

__all__ = ["metadata"]
