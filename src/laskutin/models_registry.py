"""Imports every domain's models so that ``metadata`` holds all tables (migrations, drift test)."""

from laskutin.auth import models as _auth_models  # noqa: F401
from laskutin.companies import models as _company_models  # noqa: F401
from laskutin.core.models import Base

metadata = Base.metadata

__all__ = ["metadata"]
