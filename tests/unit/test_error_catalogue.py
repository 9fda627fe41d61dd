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
