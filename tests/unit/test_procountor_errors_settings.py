"""Error-body parsing, the mapping of HTTP failures to typed errors, and settings from connection fields."""

from __future__ import annotations

import json

import pytest

from taimer_procountor.errors import lookup
from taimer_procountor.http import HttpStatusError, OutcomeUnknownError, UnreachableError
from taimer_procountor.procountor import (
    TEST_BASE_URL,
    ProcountorForbidden,
    ProcountorNotFound,
    ProcountorOutcomeUnknown,
    ProcountorRateLimited,
    ProcountorServerError,
    ProcountorSettings,
    ProcountorUnauthorized,
    ProcountorUnreachable,
    ProcountorValidationError,
)
from taimer_procountor.procountor.errors import from_transport, looks_like_code, parse_error_body


def status_error(status: int, body: str, method: str = "GET") -> HttpStatusError:
    return HttpStatusError("x", method=method, url="http://h/api/invoices", status=status, body=body)


def test_validation_error_carries_status_field_and_procountor_code():
    first = {"status": 400, "field": "invoiceRows[3].vatStatus", "message": "ERROR_VATSTATUS_VATPERC"}
    body = json.dumps(
        {
            "errors": [
                first,
                {
                    "status": 400,
                    "field": "counterParty.counterPartyAddress.name",
                    "message": "Value of the 'counterPartyAddress.name' cannot be blank.",
                },
            ]
        }
    )
    err = from_transport(status_error(400, body, "POST"), "/invoices")
    assert isinstance(err, ProcountorValidationError)
    assert (err.status, err.field, err.procountor_code, err.code) == (
        400,
        "invoiceRows[3].vatStatus",
        "ERROR_VATSTATUS_VATPERC",
        "ERROR_VATSTATUS_VATPERC",
    )
    assert [e.code for e in err.errors] == ["ERROR_VATSTATUS_VATPERC", None]
    docs = err.to_document_errors()
    assert docs[0].code == "ERROR_VATSTATUS_VATPERC" and docs[0].field == "invoiceRows[3].vatStatus"
    assert docs[1].code == "PROCOUNTOR_VALIDATION" and "cannot be blank" in (docs[1].detail or "")
    assert not err.retryable


def test_sentence_messages_are_not_taken_for_codes():
    assert looks_like_code("CLOSED_FISCAL_PERIOD")
    assert not looks_like_code("Value of the 'depreciation' field is invalid: ")
    assert not looks_like_code("Unauthorized")


def test_html_500_is_parsed_into_a_server_error():
    html = (
        "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body><center>"
        "<h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>"
    )
    err = from_transport(status_error(500, html), "/invoices/1")
    assert isinstance(err, ProcountorServerError)
    assert err.status == 500
    assert err.errors[0].message == "500 Internal Server Error"
    assert "500 Internal Server Error" in str(err)
    assert err.retryable and lookup(err.code).retryable


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (401, ProcountorUnauthorized, "PROCOUNTOR_UNAUTHORIZED"),
        (403, ProcountorForbidden, "PROCOUNTOR_FORBIDDEN"),
        (404, ProcountorNotFound, "PROCOUNTOR_NOT_FOUND"),
        (429, ProcountorRateLimited, "PROCOUNTOR_RATE_LIMITED"),
        (503, ProcountorServerError, "PROCOUNTOR_SERVER_ERROR"),
    ],
)
def test_statuses_map_to_typed_errors(status, cls, code):
    err = from_transport(status_error(status, json.dumps({"errors": [{"status": status, "message": "m"}]})), "/x")
    assert type(err) is cls
    assert err.code == code and err.status == status
    assert code in lookup(code).code


def test_transport_failures_map_to_unreachable_and_outcome_unknown():
    unk = from_transport(
        OutcomeUnknownError(
            "boom", method="POST", url="http://h/api/invoices", status=502, body="<html><title>502</title></html>"
        ),
        "/invoices",
    )
    assert isinstance(unk, ProcountorOutcomeUnknown) and unk.status == 502 and unk.code == "PROCOUNTOR_OUTCOME_UNKNOWN"
    assert lookup("PROCOUNTOR_OUTCOME_UNKNOWN").retryable
    down = from_transport(UnreachableError("refused", method="GET", url="http://h/api/x"), "/x")
    assert isinstance(down, ProcountorUnreachable) and down.status is None


def test_legacy_and_oauth_error_bodies():
    items, _ = parse_error_body(
        json.dumps({"constraintViolations": [{"field": "date", "errorCode": "CLOSED_FISCAL_PERIOD"}]}), 400
    )
    assert items[0].field == "date" and items[0].code == "CLOSED_FISCAL_PERIOD"
    items, summary = parse_error_body(
        json.dumps({"error": "invalid_client", "error_description": "Bad credentials"}), 401
    )
    assert "Bad credentials" in summary


def test_settings_from_connection_fields_and_secret_free_repr():
    s = ProcountorSettings.from_connection_fields(
        host=TEST_BASE_URL + "/",
        login="my-client",
        password="very-secret-value",
        extra={
            "api_key": "key-123456",
            "rate_per_second": "10",
            "connect_timeout": 3,
            "read_timeout": 20,
            "token_margin_seconds": 30,
        },
    )
    assert s.base_url == TEST_BASE_URL
    assert (s.client_id, s.rate_per_second, s.connect_timeout, s.read_timeout, s.token_margin_seconds) == (
        "my-client",
        10.0,
        3.0,
        20.0,
        30.0,
    )
    assert "very-secret-value" not in repr(s) and "key-123456" not in repr(s)
    with pytest.raises(ValueError, match="api_key"):
        ProcountorSettings.from_connection_fields(host=TEST_BASE_URL, login="c", password="p", extra={})
    hostport = ProcountorSettings.from_connection_fields(
        host="127.0.0.1", login="c", password="pw12", extra={"api_key": "k123"}, schema="http", port=8080
    )
    assert hostport.base_url == "http://127.0.0.1:8080"
