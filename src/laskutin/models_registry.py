"""Imports every domain's models so that ``metadata`` holds all tables (migrations, drift test)."""

from laskutin.api import idempotency as _idempotency  # noqa: F401
from laskutin.apikeys import models as _apikey_models  # noqa: F401
from laskutin.audit import models as _audit_models  # noqa: F401
from laskutin.auth import models as _auth_models  # noqa: F401
from laskutin.companies import models as _company_models  # noqa: F401
from laskutin.core import ratelimit as _ratelimit  # noqa: F401
from laskutin.core.models import Base
from laskutin.customers import models as _customer_models  # noqa: F401
from laskutin.delivery import models as _delivery_models  # noqa: F401
from laskutin.documents import models as _document_models  # noqa: F401
from laskutin.imports import models as _import_models  # noqa: F401
from laskutin.invitations import models as _invitation_models  # noqa: F401
from laskutin.invoices import models as _invoice_models  # noqa: F401
from laskutin.oidc import models as _oidc_models  # noqa: F401
from laskutin.payments import models as _payment_models  # noqa: F401
from laskutin.products import models as _product_models  # noqa: F401
from laskutin.quotes import models as _quote_models  # noqa: F401
from laskutin.recurring import models as _recurring_models  # noqa: F401

metadata = Base.metadata

__all__ = ["metadata"]
