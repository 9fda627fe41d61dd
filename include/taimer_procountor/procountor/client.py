"""``ProcountorClient``: every call to Procountor goes through one place for auth, retries and rate.

    from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
    client = ProcountorClient(ProcountorSettings(base_url=..., client_id=..., client_secret=..., api_key=...))
    for hit in client.invoices.search(types=["SALES_INVOICE"], start_date=date(2026, 1, 1)):
        ...
    created = client.invoices.create(invoice)              # POST: never retried after sending
    client.ledger_receipts.set_dimensions(receipt_id, transaction_id, values)

Call safety (what is retried on connection errors, 429 and 5xx):

- retried: every GET; the token request; ``set_dimensions`` (it replaces the transaction's dimension values with
  absolute amounts, so a repeat leaves the same values).
- invoice actions (approve, verify, send, sendToCirculation, unfinished, invalidate, reject) are NOT blindly
  resent: a timeout, dropped connection or 5xx after sending makes the client read the invoice back (a safe GET)
  and decide from its status (see ``InvoicesApi`` and ``ActionResult``). A 429 is retried (the server did not act).
  A 403 on an invoice that already has the action's target status is a success ("already in status X").
- never retried after sending, ``ProcountorOutcomeUnknown`` instead: ``invoices.create`` (POST /invoices),
  ``attachments.upload`` (POST /attachments), ``invoices.update`` and ``ledger_receipts.update`` (versioned PUT:
  a repeat would fail on the stale version anyway), ``invoices.mark_paid`` (each call adds a payment event).
- a 401 is answered by one re-login and one resend of the same call, whatever the method: a 401 means the server
  did not act on it.

Answers are read defensively (``taimer_procountor.http.answers``): a 2xx body that is not bounded JSON, a value of
the wrong shape or one that does not fit its model raises ``ProcountorMalformedAnswer`` naming the fields, never the
values; a paged search that repeats a page, makes no keyset progress or runs past ``max_pages`` raises
``ProcountorPagingRunaway``.

The client is thread-safe as far as its own state goes (token, limiter); it shares one ``requests.Session``.
"""

from __future__ import annotations

import dataclasses
import email.parser
import email.policy
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from taimer_procountor.http import HttpStatusError, HttpTransport, RateLimiter, RetryPolicy, Timeouts, TransportError
from taimer_procountor.http.answers import (
    MalformedAnswer,
    decode_json,
    expect_list,
    expect_object,
    field_errors,
    validate_answer,
)
from taimer_procountor.procountor.auth import TokenManager
from taimer_procountor.procountor.errors import (
    ProcountorError,
    ProcountorForbidden,
    ProcountorMalformedAnswer,
    ProcountorOutcomeUnknown,
    ProcountorPagingRunaway,
    from_transport,
)
from taimer_procountor.procountor.models import (
    AttachmentMeta,
    BankAccountInfo,
    Company,
    Dimension,
    DimensionItem,
    DimensionItemValue,
    FiscalYear,
    InfoMessage,
    Invoice,
    InvoiceBasicInfo,
    LedgerAccount,
    LedgerReceipt,
    MarkInvoiceAsPaid,
    PaymentEvent,
    Person,
    Product,
    VatCountryInfo,
    VatInformation,
    VatPercentInfo,
    VatStatusInfo,
    to_wire,
)
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.procountor.transitions import Transition, transition_for
from taimer_procountor.redaction import get_logger

log = get_logger(__name__)

M = TypeVar("M", bound=BaseModel)

MAX_PAGE_SIZE = 200
MAX_ATTACHMENT_BYTES = 10_000_000
# A paged search longer than this many pages is taken for a runaway (at 200 a page: two million rows).
DEFAULT_MAX_PAGES = 10_000


@dataclass(frozen=True)
class InvalidRow:
    """One row of a reference list that did not fit its model. Carries where it was, the row's id (when the row has
    a usable scalar id) and which fields failed with which error type, never the row's values (a person row can
    hold personal data)."""

    path: str
    item_id: str | None
    fields: tuple[str, ...]
    parent_id: str | None = None  # dimension items: the dimension's id

    @classmethod
    def from_error(
        cls,
        path: str,
        raw: Any,
        exc: ValidationError,
        *,
        id_field: str = "id",
        parent_id: Any = None,
        model: type[BaseModel] | None = None,
    ) -> InvalidRow:
        fields = field_errors(exc, model, whole="(row)")
        return cls(path, _scalar_id(raw, id_field), fields, None if parent_id is None else str(parent_id))

    def describe(self) -> str:
        return f"invalid fields: {', '.join(self.fields)}" if self.fields else "not an object"


OnInvalid = Callable[[InvalidRow], None]


def _scalar_id(raw: Any, id_field: str) -> str | None:
    value = raw.get(id_field) if isinstance(raw, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)[:64]


def _validate_rows(
    model: type[M], rows: Iterable[Any], path: str, on_invalid: OnInvalid | None, *, id_field: str = "id"
) -> Iterator[M]:
    """Validate each row on its own. Without ``on_invalid`` a bad row raises ``ProcountorMalformedAnswer``; with it,
    the bad row is reported to ``on_invalid`` and skipped, and the others go on. ``rows`` must be a list."""
    with _reading(path):
        rows = expect_list(rows, "the list of rows")
    for position, raw in enumerate(rows):
        if on_invalid is None:
            with _reading(f"{path} row {position}"):
                row = validate_answer(model, raw)
            yield row
            continue
        try:
            row = model.model_validate(raw)
        except ValidationError as exc:
            on_invalid(InvalidRow.from_error(path, raw, exc, id_field=id_field, model=model))
            continue
        yield row


@contextmanager
def _reading(where: str) -> Iterator[None]:
    """Turn a ``MalformedAnswer`` raised inside into ``ProcountorMalformedAnswer`` located at ``where`` (the
    pydantic error it may come from is not chained: its text quotes the answer)."""
    try:
        yield
    except MalformedAnswer as exc:
        raise ProcountorMalformedAnswer(f"{where}: {exc}", fields=exc.fields, path=where) from None


def _model(model: type[M], data: Any, where: str) -> M:
    with _reading(where):
        return validate_answer(model, data)


def _param(value: Any) -> Any:
    """Query parameter value: lists comma-separated (Procountor's form), dates ISO, datetimes naive to the second."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | bytes):
        return value
    if isinstance(value, Iterable):
        return ",".join(str(_param(v)) for v in value)
    return value


def _params(**kwargs: Any) -> dict[str, Any]:
    return {k: _param(v) for k, v in kwargs.items() if v is not None}


class ProcountorClient:
    """Procountor REST client. Give it settings, and optionally the session (e.g. from ``ProcountorHook``) and a
    shared ``RateLimiter`` (one per process and API client: parallel clients must share it to stay under the
    rate). ``on_secret`` is called with the client secret, the API key and every access token (the hook passes
    Airflow's ``mask_secret``). ``token_clock`` (seconds, monotonic) replaces the token cache's clock, e.g. in
    tests that let a token age without sleeping. ``max_pages`` bounds every paged search."""

    def __init__(
        self,
        settings: ProcountorSettings,
        *,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        on_secret: Callable[[str], object] | None = None,
        token_clock: Callable[[], float] | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self.settings = settings
        self.max_pages = max_pages
        if on_secret is not None:  # e.g. Airflow's mask_secret: told about every secret the client holds
            on_secret(settings.client_secret)
            on_secret(settings.api_key)
        self.session = session or requests.Session()
        self.limiter = limiter or RateLimiter(settings.rate_per_second)
        self.transport = HttpTransport(
            self.session,
            settings.base_url,
            limiter=self.limiter,
            timeouts=Timeouts(settings.connect_timeout, settings.read_timeout),
            retry=retry or RetryPolicy(max_attempts=settings.max_attempts),
            logger=log,
        )
        clock = {"clock": token_clock} if token_clock is not None else {}
        self.auth = TokenManager(self.transport, settings, on_token=on_secret, **clock)
        self.invoices = InvoicesApi(self)
        self.attachments = AttachmentsApi(self)
        self.ledger_receipts = LedgerReceiptsApi(self)

    def __repr__(self) -> str:
        return f"ProcountorClient({self.settings.base_url!r}, client_id={self.settings.client_id!r})"

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> ProcountorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the one place every call goes through -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Any = None,
        idempotent: bool | None = None,
        accept: str = "application/json",
        retry: RetryPolicy | None = None,
    ) -> requests.Response:
        """Send one call with a bearer token; on 401 log in again once and resend. Raises ``ProcountorError``.
        ``retry`` replaces the client's retry policy for this call."""
        path = "/" + path.lstrip("/")
        for attempt in (1, 2):
            token = self.auth.token()
            headers = {"Authorization": f"Bearer {token}", "Accept": accept}
            try:
                return self.transport.send(
                    method,
                    path,
                    params=params,
                    json=json_body,
                    files=files,
                    headers=headers,
                    idempotent=idempotent,
                    retry=retry,
                )
            except HttpStatusError as exc:
                if exc.status == 401 and attempt == 1:
                    log.info("%s %s answered 401: logging in again and resending once", method, path)
                    self.auth.invalidate(token)
                    continue
                raise from_transport(exc, path) from exc
            except TransportError as exc:
                raise from_transport(exc, path) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return _json(self.request("GET", path, params=params), path)

    def paged(
        self,
        path: str,
        model: type[M],
        params: Mapping[str, Any] | None = None,
        *,
        page_size: int | None = None,
        keyset: bool = False,
        on_invalid: OnInvalid | None = None,
    ) -> Iterator[M]:
        """Iterate a paged search (``{results, meta}``), loading one page at a time.

        ``keyset=False``: ``page=0,1,…`` with ``size``; ``keyset=True``: ``previousId`` = the last id seen, with
        ``orderById=ASC`` (stable while new items are added). Stops when a page has fewer than ``size`` items.
        ``on_invalid``: report rows that do not fit ``model`` there and skip them (default: raise).
        """
        size = min(page_size or self.settings.page_size, MAX_PAGE_SIZE)
        base = {k: v for k, v in (params or {}).items() if v is not None}
        page = 0
        previous_id: int | None = None
        previous_digest: str | None = None
        while True:
            query = dict(base, size=size)
            if keyset:
                query["orderById"] = "ASC"
                if previous_id is not None:
                    query["previousId"] = previous_id
            else:
                query["page"] = page
            body = self.get_json(path, query)
            with _reading(f"GET {path} page {page}"):
                body = expect_object(body, "the search result")
                results = expect_list(body.get("results") or [], "results")
                meta = expect_object(body.get("meta") or {}, "meta")
                count = meta.get("resultCount", len(results))
                if isinstance(count, bool) or not isinstance(count, int):
                    raise MalformedAnswer("meta.resultCount is not an integer")
            log.debug("%s page %s: %d results", path, previous_id if keyset else page, count)
            yield from _validate_rows(model, results, path, on_invalid)
            if not results or count < size:
                return
            if keyset:
                last = results[-1].get("id") if isinstance(results[-1], Mapping) else None
                if isinstance(last, bool) or not isinstance(last, int) or last == previous_id:
                    raise ProcountorPagingRunaway(
                        f"GET {path}: keyset paging made no progress (the last row has no new integer id)", path=path
                    )
                previous_id = last
            else:
                # A server that ignores ``page`` answers the same full page forever: stop at the first repeat.
                digest = hashlib.sha256(json.dumps(results, sort_keys=True, default=str).encode()).hexdigest()
                if digest == previous_digest:
                    raise ProcountorPagingRunaway(f"GET {path}: page {page} repeats the page before it", path=path)
                previous_digest = digest
            page += 1
            if page >= self.max_pages:
                raise ProcountorPagingRunaway(
                    f"GET {path}: more than {self.max_pages} pages (max_pages); stopped as a runaway search", path=path
                )

    # --- reference data ----------------------------------------------------------------------------------------

    def company(self) -> Company:
        return _model(Company, self.get_json("/company"), "GET /company")

    # The list calls below take ``on_invalid``: with it, a row that does not fit its model is reported there (an
    # ``InvalidRow``: path, id, failing field names) and skipped, so one malformed row never stops the rest.
    # Without it they raise on the first bad row.

    def chart_of_accounts(self, *, on_invalid: OnInvalid | None = None) -> list[LedgerAccount]:
        with _reading("GET /coa"):
            rows = expect_object(self.get_json("/coa"), "the chart of accounts").get("ledgerAccounts", [])
        return list(_validate_rows(LedgerAccount, rows, "/coa", on_invalid, id_field="ledgerAccountCode"))

    def dimensions(self, *, on_invalid: OnInvalid | None = None) -> list[Dimension]:
        """``GET /dimensions``. With ``on_invalid`` each dimension and each of its items is validated on its own: a
        bad item is reported (``parent_id`` = its dimension) and left out of an otherwise good dimension."""
        with _reading("GET /dimensions"):
            body = expect_list(self.get_json("/dimensions"), "the dimensions")
        if on_invalid is None:
            return list(_validate_rows(Dimension, body, "/dimensions", None))
        out: list[Dimension] = []
        for raw in body:
            head = {k: v for k, v in raw.items() if k != "items"} if isinstance(raw, Mapping) else raw
            try:
                dim = Dimension.model_validate(head)
            except ValidationError as exc:
                on_invalid(InvalidRow.from_error("/dimensions", raw, exc, model=Dimension))
                continue
            items = raw.get("items") or []
            items = items if isinstance(items, list) else []
            for item in items:
                try:
                    dim.items.append(DimensionItem.model_validate(item))
                except ValidationError as exc:
                    on_invalid(
                        InvalidRow.from_error("/dimensions/items", item, exc, parent_id=dim.id, model=DimensionItem)
                    )
            out.append(dim)
        return out

    def products(
        self,
        type: str | None = None,
        *,
        active: bool | None = None,
        on_invalid: OnInvalid | None = None,
        **filters: Any,
    ) -> Iterator[Product]:
        """``GET /products`` (keyset-paged); ``type`` is SALES, PURCHASE or TRAVEL."""
        if type is not None and type not in ("SALES", "PURCHASE", "TRAVEL"):
            raise ValueError(f"product type must be SALES, PURCHASE or TRAVEL, not {type!r}")
        params = _params(type=type, active=active, **filters)
        return self.paged("/products", Product, params, keyset=True, on_invalid=on_invalid)

    def persons(
        self, *, include_inactive: bool | None = None, on_invalid: OnInvalid | None = None, **filters: Any
    ) -> Iterator[Person]:
        params = _params(includeInactive=include_inactive, **filters)
        return self.paged("/persons", Person, params, on_invalid=on_invalid)

    def person(self, person_id: int) -> Person:
        path = f"/persons/{int(person_id)}"
        return _model(Person, self.get_json(path), f"GET {path}")

    def vats_default(self, *, on_invalid: OnInvalid | None = None) -> VatInformation:
        """``GET /vats/default``. With ``on_invalid`` each percentage and each VAT status is validated on its own."""
        body = self.get_json("/vats/default")
        if on_invalid is None or not isinstance(body, Mapping):
            return _model(VatInformation, body, "GET /vats/default")
        countries = []
        with _reading("GET /vats/default"):
            vat_information = expect_list(body.get("vatInformation") or [], "vatInformation")
        for country in vat_information:
            if not isinstance(country, Mapping):
                continue
            rows = country.get("percentages") or []
            percentages = list(
                _validate_rows(VatPercentInfo, rows, "/vats/default/percentages", on_invalid, id_field="vatPercent")
            )
            name = country.get("country")
            countries.append(
                VatCountryInfo(country=name if isinstance(name, str) and name else None, percentages=percentages)
            )
        statuses = _validate_rows(
            VatStatusInfo, body.get("vatStatuses") or [], "/vats/default/statuses", on_invalid, id_field="vatStatus"
        )
        return VatInformation(vat_information=countries, vat_statuses=list(statuses))

    def bank_accounts(self, *, on_invalid: OnInvalid | None = None) -> Iterator[BankAccountInfo]:
        return self.paged("/bankaccounts", BankAccountInfo, {}, on_invalid=on_invalid)

    def fiscal_years(self, *, on_invalid: OnInvalid | None = None) -> list[FiscalYear]:
        with _reading("GET /fiscalyears"):
            rows = expect_object(self.get_json("/fiscalyears"), "the fiscal years").get("fiscalYears", [])
        return list(_validate_rows(FiscalYear, rows, "/fiscalyears", on_invalid))


@dataclass(frozen=True)
class ActionResult:
    """The outcome of an invoice action (``approve``, ``send``, …) that succeeded.

    - ``message``: the server's ``InfoMessage`` text when it answered 200.
    - ``status``: the invoice's status as read back, or None when the server simply answered 200 (not read).
    - ``already``: the server refused (403) because the invoice already had the action's target status: nothing
      was done by this call, and that is not an error (docs/procountor-client.md, "Invoice actions").
    - ``looked_up``: the outcome was established by reading the invoice back (after a 403 or an unknown outcome).
    - ``sends``: how many times the action was sent (2 only after an unknown outcome with the invoice still in a
      status the action is allowed from).
    """

    invoice_id: int
    action: str
    message: str | None = None
    status: str | None = None
    already: bool = False
    looked_up: bool = False
    sends: int = 1

    def __str__(self) -> str:
        what = f"{self.action} invoice {self.invoice_id}"
        if self.already:
            return f"{what}: already in status {self.status}"
        if self.looked_up:
            return f"{what}: done (status {self.status}, confirmed by reading the invoice back; sent {self.sends}x)"
        return f"{what}: done"


class InvoicesApi:
    """``/invoices``."""

    ACTIONS = ("approve", "verify", "send", "sendToCirculation", "unfinished", "invalidate", "reject")

    def __init__(self, client: ProcountorClient) -> None:
        self._c = client

    def search(
        self,
        *,
        types: Iterable[str] | None = None,
        status: Iterable[str] | None = None,
        start_date: date | None = None,
        end_date: date | None = None,
        version_start_date: datetime | None = None,
        version_end_date: datetime | None = None,
        original_invoice_number: str | None = None,
        invoice_number: int | str | None = None,
        page_size: int | None = None,
        keyset: bool = False,
        **other: Any,
    ) -> Iterator[InvoiceBasicInfo]:
        """``GET /invoices`` as an iterator over every hit, one page in memory at a time. ``other`` passes further
        Procountor parameters as they are (camelCase)."""
        params = _params(
            types=types,
            status=status,
            startDate=start_date,
            endDate=end_date,
            versionStartDate=version_start_date,
            versionEndDate=version_end_date,
            originalInvoiceNumber=original_invoice_number,
            invoiceNumber=invoice_number,
            **other,
        )
        return self._c.paged("/invoices", InvoiceBasicInfo, params, page_size=page_size, keyset=keyset)

    def find_by_original_number(self, original_invoice_number: str) -> list[InvoiceBasicInfo]:
        """The invoices whose ``originalInvoiceNumber`` equals the given one (the dedupe lookup before any resend
        whose outcome was unknown). Exact match only, in case the server matches loosely."""
        if not original_invoice_number:
            raise ValueError("original_invoice_number must not be empty")
        return [
            hit
            for hit in self.search(original_invoice_number=original_invoice_number)
            if hit.original_invoice_number == original_invoice_number
        ]

    def get(self, invoice_id: int) -> Invoice:
        path = f"/invoices/{int(invoice_id)}"
        return _model(Invoice, self._c.get_json(path), f"GET {path}")

    def create(self, invoice: Invoice | Mapping[str, Any]) -> Invoice:
        """``POST /invoices``. Never retried after sending: a timeout, dropped connection or 5xx raises
        ``ProcountorOutcomeUnknown`` and the caller looks the invoice up by ``originalInvoiceNumber``."""
        body = to_wire(invoice) if isinstance(invoice, BaseModel) else dict(invoice)
        body.pop("id", None)
        response = self._c.request("POST", "/invoices", json_body=body, idempotent=False)
        return _model(Invoice, _json(response, "/invoices"), "POST /invoices")

    def update(self, invoice_id: int, invoice: Invoice | Mapping[str, Any]) -> Invoice:
        """``PUT /invoices/{id}`` with the invoice's current ``version`` (required; a stale one answers 400)."""
        body = to_wire(invoice) if isinstance(invoice, BaseModel) else dict(invoice)
        if not body.get("version"):
            raise ValueError("updating an invoice needs its current version (read it with get())")
        path = f"/invoices/{int(invoice_id)}"
        response = self._c.request("PUT", path, json_body=body, idempotent=False)
        return _model(Invoice, _json(response, path), f"PUT {path}")

    def _action(self, invoice_id: int, action: str, comment: str | None = None, **query: Any) -> ActionResult:
        """Send one status action, exactly once in effect.

        Actions are not idempotent, so the transport never resends one whose outcome is unknown. Instead:

        - timeout / dropped connection / 5xx after sending: read the invoice (``GET /invoices/{id}``). If it has the
          action's target status, that is success; if it is still in a status the action is allowed from, send
          the action once more (once only); otherwise raise ``ProcountorForbidden`` (the action cannot happen
          from there) or, for invoice types whose rules we do not know, ``ProcountorOutcomeUnknown``.
        - 403: read the invoice; if it already has the target status, succeed with ``already=True``, else raise
          ``ProcountorForbidden`` naming the status.
        - 429 is retried by the transport (the server did not act).
        """
        invoice_id = int(invoice_id)
        path = f"/invoices/{invoice_id}/{action}"
        body = {"comment": comment} if comment is not None else None
        params = _params(**query) or None
        policy = dataclasses.replace(self._c.transport.retry, retry_unsafe_on_429=True)
        sends = 0
        looked_up = False
        while True:
            sends += 1
            try:
                response = self._c.request("PUT", path, params=params, json_body=body, idempotent=False, retry=policy)
            except ProcountorForbidden as exc:
                status, transition, _ = self._read_back(invoice_id, action, exc)
                if status in transition.targets:
                    log.info("PUT %s answered 403; read the invoice back: already %s, nothing to do", path, status)
                    return ActionResult(invoice_id, action, None, status, already=True, looked_up=True, sends=sends)
                raise self._forbidden(exc, invoice_id, action, status, transition) from exc
            except ProcountorOutcomeUnknown as exc:
                looked_up = True
                status, transition, known = self._read_back(invoice_id, action, exc)
                if status in transition.targets:
                    log.warning(
                        "PUT %s: outcome unknown (%s); read the invoice back: status %s, the action took effect",
                        path,
                        exc.status or "no answer",
                        status,
                    )
                    return ActionResult(invoice_id, action, None, status, looked_up=True, sends=sends)
                if status in transition.allowed_from and sends == 1:
                    log.warning(
                        "PUT %s: outcome unknown (%s); read the invoice back: still %s, sending the action once more",
                        path,
                        exc.status or "no answer",
                        status,
                    )
                    continue
                if known and status not in transition.allowed_from:
                    raise self._forbidden(exc, invoice_id, action, status, transition) from exc
                raise ProcountorOutcomeUnknown(
                    f"PUT {path}: outcome unknown after {sends} send(s); the invoice is in status {status}, "
                    f"not {'/'.join(sorted(transition.targets))}",
                    status=exc.status,
                    errors=exc.errors,
                    method="PUT",
                    path=path,
                    body=exc.body,
                ) from exc
            return ActionResult(invoice_id, action, _info_message(response), None, looked_up=looked_up, sends=sends)

    def _read_back(self, invoice_id: int, action: str, cause: ProcountorError) -> tuple[str | None, Transition, bool]:
        """The invoice's status and the action's transition for its type; if the invoice cannot be read, the error
        that made us look (``cause``) is raised."""
        try:
            current = self._c.get_json(f"/invoices/{invoice_id}")
        except ProcountorError as exc:
            log.warning("could not read invoice %s back after %s failed: %s", invoice_id, action, exc)
            raise cause from exc
        current = current if isinstance(current, dict) else {}
        invoice_type, status = current.get("type"), current.get("status")
        transition, known = transition_for(invoice_type if isinstance(invoice_type, str) else None, action)
        return (status if isinstance(status, str) else None), transition, known

    @staticmethod
    def _forbidden(
        cause: ProcountorError, invoice_id: int, action: str, status: str | None, transition: Transition
    ) -> ProcountorForbidden:
        allowed = "/".join(sorted(transition.allowed_from)) or "no status of this invoice type"
        return ProcountorForbidden(
            f"{action} of invoice {invoice_id} is not possible: it is in status {status} "
            f"({action} is allowed from {allowed}); {cause.message}",
            status=cause.status if cause.status == 403 else None,
            errors=cause.errors,
            method="PUT",
            path=f"/invoices/{invoice_id}/{action}",
            body=cause.body,
        )

    def approve(self, invoice_id: int, comment: str | None = None, **query: Any) -> ActionResult:
        return self._action(invoice_id, "approve", comment, **query)

    def verify(self, invoice_id: int, comment: str | None = None) -> ActionResult:
        return self._action(invoice_id, "verify", comment)

    def send(self, invoice_id: int) -> ActionResult:
        return self._action(invoice_id, "send")

    def send_to_circulation(self, invoice_id: int) -> ActionResult:
        return self._action(invoice_id, "sendToCirculation")

    def unfinished(self, invoice_id: int) -> ActionResult:
        return self._action(invoice_id, "unfinished")

    def invalidate(self, invoice_id: int) -> ActionResult:
        return self._action(invoice_id, "invalidate")

    def reject(self, invoice_id: int, comment: str | None = None) -> ActionResult:
        return self._action(invoice_id, "reject", comment)

    def payment_events(self, invoice_id: int) -> list[PaymentEvent]:
        path = f"/invoices/{int(invoice_id)}/paymentevents"
        with _reading(f"GET {path}"):
            rows = expect_object(self._c.get_json(path), "the payment events").get("results", [])
        return list(_validate_rows(PaymentEvent, rows, path, None))

    def mark_paid(self, invoice_id: int, body: MarkInvoiceAsPaid | Mapping[str, Any]) -> PaymentEvent:
        """``PUT /invoices/{id}/paymentevents/markpaid``: adds a payment event, so never retried after sending."""
        path = f"/invoices/{int(invoice_id)}/paymentevents/markpaid"
        payload = to_wire(body) if isinstance(body, BaseModel) else dict(body)
        response = self._c.request("PUT", path, json_body=payload, idempotent=False)
        return _model(PaymentEvent, _json(response, path) if response.content else {}, f"PUT {path}")


class AttachmentsApi:
    """``/attachments``."""

    def __init__(self, client: ProcountorClient) -> None:
        self._c = client

    def upload(self, meta: AttachmentMeta | Mapping[str, Any], content: bytes) -> AttachmentMeta:
        """``POST /attachments`` as multipart/form-data: a ``meta`` JSON part and a ``file`` part. Never retried
        after sending (``ProcountorOutcomeUnknown``): check the invoice's attachment list before uploading again."""
        meta_model = meta if isinstance(meta, AttachmentMeta) else AttachmentMeta.model_validate(meta)
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise ValueError(f"attachment {meta_model.name} is {len(content)} bytes; Procountor takes at most 10 MB")
        wire = meta_model.to_wire()
        wire.pop("id", None)
        mime = meta_model.mime_type or "application/octet-stream"
        files = {
            "meta": (None, json.dumps(wire).encode("utf-8"), "application/json"),
            "file": (meta_model.name, bytes(content), mime),
        }
        response = self._c.request("POST", "/attachments", files=files, idempotent=False)
        return _model(AttachmentMeta, _json(response, "/attachments"), "POST /attachments")

    def get(self, attachment_id: int) -> tuple[AttachmentMeta, bytes]:
        """``GET /attachments/{id}``: decodes the multipart/mixed answer into the metadata and the file bytes."""
        path = f"/attachments/{int(attachment_id)}"
        response = self._c.request("GET", path, accept="multipart/mixed, application/json")
        ctype = response.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return _model(AttachmentMeta, _json(response, path), f"GET {path}"), b""
        raw = b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + response.content
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        if not message.is_multipart():
            raise ProcountorError(f"GET {path}: expected multipart/mixed, got {ctype!r}", path=path)
        meta: AttachmentMeta | None = None
        content = b""
        for part in message.iter_parts():
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if part.get_content_type() == "application/json" and meta is None:
                with _reading(f"GET {path} metadata part"):
                    meta = validate_answer(AttachmentMeta, decode_json(payload))
            else:
                content = payload
        if meta is None:
            raise ProcountorError(f"GET {path}: the multipart answer had no JSON metadata part", path=path)
        return meta, content


class LedgerReceiptsApi:
    """``/ledgerreceipts``: where an invoice's accounts and dimensions (cost centers) live."""

    def __init__(self, client: ProcountorClient) -> None:
        self._c = client

    def get(self, receipt_id: int) -> LedgerReceipt:
        path = f"/ledgerreceipts/{int(receipt_id)}"
        return _model(LedgerReceipt, self._c.get_json(path), f"GET {path}")

    def update(self, receipt: LedgerReceipt, *, create_reconciliation: bool | None = None) -> LedgerReceipt:
        """``PUT /ledgerreceipts/{id}`` with the full receipt and its current ``version``."""
        if receipt.id is None or not receipt.version:
            raise ValueError("updating a ledger receipt needs its id and current version (read it with get())")
        path = f"/ledgerreceipts/{int(receipt.id)}"
        response = self._c.request(
            "PUT",
            path,
            params=_params(createReconciliation=create_reconciliation) or None,
            json_body=receipt.to_wire(),
            idempotent=False,
        )
        return _model(LedgerReceipt, _json(response, path), f"PUT {path}")

    def set_dimensions(
        self, receipt_id: int, transaction_id: int, values: Iterable[DimensionItemValue | Mapping[str, Any]]
    ) -> Any:
        """``PUT /ledgerreceipts/{r}/transactions/{t}/dimensions``: absolute values, so safe to repeat."""
        items = [v if isinstance(v, DimensionItemValue) else DimensionItemValue.model_validate(v) for v in values]
        path = f"/ledgerreceipts/{int(receipt_id)}/transactions/{int(transaction_id)}/dimensions"
        body = {"dimensionItemValues": [v.to_wire() for v in items]}
        response = self._c.request("PUT", path, json_body=body, idempotent=True)
        return _json(response, path) if response.content else None


def _info_message(response: requests.Response) -> str | None:
    """The ``message`` of an action's 200 ``InfoMessage``; None when the body is empty or not one (the action has
    taken effect either way, so an odd body is no reason to fail)."""
    try:
        return validate_answer(InfoMessage, decode_json(response.content)).message if response.content else None
    except MalformedAnswer:
        return None


def _json(response: requests.Response, path: str) -> Any:
    """The answer's JSON, bounded (``taimer_procountor.http.answers``); ``ProcountorMalformedAnswer`` otherwise."""
    try:
        return decode_json(response.content)
    except MalformedAnswer as exc:
        method = response.request.method if response.request else "?"
        raise ProcountorMalformedAnswer(
            f"{method} {path}: {exc} (Content-Type {response.headers.get('Content-Type')!r})",
            status=response.status_code,
            method=method,
            path=path,
        ) from None
