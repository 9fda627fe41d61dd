"""Procountor REST API client: settings, auth, typed models and errors, paged iterators.

    from taimer_procountor.procountor import ProcountorClient, ProcountorSettings

See ``client.py`` for the call-safety rules and docs/procountor-client.md for the whole picture.
"""

from taimer_procountor.procountor.client import (
    ActionResult,
    AttachmentsApi,
    InvalidRow,
    InvoicesApi,
    LedgerReceiptsApi,
    ProcountorClient,
)
from taimer_procountor.procountor.errors import (
    ProcountorError,
    ProcountorErrorItem,
    ProcountorForbidden,
    ProcountorNotFound,
    ProcountorOutcomeUnknown,
    ProcountorRateLimited,
    ProcountorServerError,
    ProcountorUnauthorized,
    ProcountorUnreachable,
    ProcountorValidationError,
)
from taimer_procountor.procountor.settings import PRODUCTION_BASE_URL, TEST_BASE_URL, ProcountorSettings

__all__ = [
    "PRODUCTION_BASE_URL",
    "TEST_BASE_URL",
    "ActionResult",
    "AttachmentsApi",
    "InvalidRow",
    "InvoicesApi",
    "LedgerReceiptsApi",
    "ProcountorClient",
    "ProcountorError",
    "ProcountorErrorItem",
    "ProcountorForbidden",
    "ProcountorNotFound",
    "ProcountorOutcomeUnknown",
    "ProcountorRateLimited",
    "ProcountorServerError",
    "ProcountorSettings",
    "ProcountorUnauthorized",
    "ProcountorUnreachable",
    "ProcountorValidationError",
]
