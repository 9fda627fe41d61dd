"""The error catalogue: one complete entry per code, in Finnish and English, saying what to fix where."""

from __future__ import annotations

import re

import pytest

from taimer_procountor.errors import CATALOGUE, DocumentError, FixWhere, describe, lookup
from taimer_procountor.errors import catalogue as catalogue_module
from taimer_procountor.errors.entry import ErrorEntry

FINNISH_LETTERS = re.compile(r"[äöÄÖ]|\b(ja|tai|on|ei|tarkista|korjaa)\b", re.IGNORECASE)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_entry_is_complete_and_bilingual(code):
    entry = CATALOGUE[code]
    assert entry.code == code and re.fullmatch(r"[A-Z0-9_]+", code)
    for text in (entry.fi, entry.en, entry.fix_fi, entry.fix_en):
        assert text.strip() and len(text) <= 300
    assert entry.fi != entry.en and entry.fix_fi != entry.fix_en
    assert FINNISH_LETTERS.search(entry.fi + " " + entry.fix_fi), "the Finnish text does not look Finnish"
    assert isinstance(entry.fix_where, FixWhere)
    # Only a transient failure may be retried automatically; it must say there is nothing to fix.
    assert entry.retryable == (entry.fix_where is FixWhere.TRANSIENT)


def test_the_catalogue_holds_each_area_and_the_codes_the_design_names():
    design_codes = {
        "ERROR_OPERATOR",
        "ERROR_VATSTATUS_VATPERC",
        "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION",
        "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE",
        "CLOSED_FISCAL_PERIOD",
        "DUE_DATE_BEFORE_BILL_DATE",
        "ERROR_BRN_CODE",
    }
    assert design_codes <= set(CATALOGUE)
    assert {c.split("_")[0] for c in CATALOGUE} >= {"PROCOUNTOR", "TAIMER", "REFERENCE"}


def test_a_code_defined_twice_is_refused(monkeypatch):
    twice = ErrorEntry("DUP_CODE", "fi", "en", "fix fi", "fix en", FixWhere.TAIMER)
    monkeypatch.setattr(catalogue_module, "_SOURCES", ((twice,), (twice,)))
    with pytest.raises(ValueError, match="DUP_CODE is defined twice"):
        catalogue_module._assemble()


def test_an_uncatalogued_procountor_code_keeps_its_code_and_says_so():
    entry = lookup("SOME_NEW_PROCOUNTOR_CODE")
    assert entry.code == "SOME_NEW_PROCOUNTOR_CODE" and "not in the catalogue" in entry.en
    assert "SOME_NEW_PROCOUNTOR_CODE" not in CATALOGUE


def test_document_error_message_names_code_field_and_detail_in_either_language():
    error = DocumentError("ERROR_OPERATOR", field="counterParty.einvoiceAddress.operator", detail="FOO123")
    assert error.message("fi") == (
        "ERROR_OPERATOR: " + describe("ERROR_OPERATOR", "fi") + " [counterParty.einvoiceAddress.operator] (FOO123)"
    )
    assert error.message("en").startswith("ERROR_OPERATOR: The e-invoice operator code is invalid.")


def test_both_sides_errors_are_coded_errors_with_the_catalogues_retryable():
    from taimer_procountor.errors import CodedError
    from taimer_procountor.procountor.errors import ProcountorServerError, ProcountorValidationError
    from taimer_procountor.taimer.errors import TaimerNotFoundError, TaimerUnreachableError

    errors = [
        ProcountorServerError("GET /invoices -> HTTP 503"),
        ProcountorValidationError("POST /invoices -> HTTP 400", code="ERROR_OPERATOR"),
        TaimerUnreachableError("GET /invoices: refused"),
        TaimerNotFoundError("GET /invoices/9: no such invoice", field="id"),
    ]
    for error in errors:
        assert isinstance(error, CodedError)
        assert error.entry == lookup(error.code)
        assert error.retryable == lookup(error.code).retryable
    assert [e.code for e in errors] == [
        "PROCOUNTOR_SERVER_ERROR",
        "ERROR_OPERATOR",
        "TAIMER_UNREACHABLE",
        "TAIMER_NOT_FOUND",
    ]
    assert [e.retryable for e in errors] == [True, False, True, False]
    assert errors[3].to_document_errors() == [DocumentError("TAIMER_NOT_FOUND", "id", errors[3].detail)]


def test_a_coded_errors_detail_is_redacted_when_it_is_made():
    from taimer_procountor.errors import CodedError
    from taimer_procountor.redaction import register_secret

    register_secret("s3cr3t-coded-error-token")
    error = CodedError("TAIMER_UNAUTHORIZED", "refused key s3cr3t-coded-error-token", field="password")
    assert "s3cr3t" not in error.detail and "s3cr3t" not in str(error)
    assert (error.code, error.field, error.retryable) == ("TAIMER_UNAUTHORIZED", "password", False)


def test_a_failed_step_is_described_by_its_coded_error_and_nothing_else():
    from taimer_procountor.procountor.errors import ProcountorUnauthorized
    from taimer_procountor.reference.steps import STEP_FAILED, describe_failure

    class LooksCoded(Exception):
        code = "LOOKS_LIKE_A_CODE"

    assert describe_failure(ProcountorUnauthorized("GET /company -> HTTP 401"))[0] == "PROCOUNTOR_UNAUTHORIZED"
    code, detail = describe_failure(LooksCoded("Maija Meikäläinen"))
    assert code == STEP_FAILED and "Maija" not in detail and "LooksCoded" in detail


def test_the_errors_package_has_no_import_cycle():
    """Every import inside ``taimer_procountor.errors`` (at module level or inside a function) goes one way."""
    import ast
    from pathlib import Path

    import taimer_procountor.errors as package

    folder = Path(package.__file__).parent
    graph: dict[str, set[str]] = {}
    for path in folder.glob("*.py"):
        if path.stem == "__init__":
            continue
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("taimer_procountor.errors."):
                deps.add(node.module.rsplit(".", 1)[1])
        graph[path.stem] = deps
    assert {"entry", "catalogue", "document", "coded"} <= set(graph)

    def reaches(start: str, target: str, seen: frozenset[str] = frozenset()) -> bool:
        return any(d == target or (d not in seen and reaches(d, target, seen | {d})) for d in graph.get(start, ()))

    assert [m for m in graph if reaches(m, m)] == []
