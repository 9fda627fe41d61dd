"""Fitting text into Procountor's lengths: unchanged up to the limit, shortened with a notice past it; the
Windows-1252 helpers name exactly the characters it lacks."""

from __future__ import annotations

from taimer_procountor.outbound.text import cp1252_offenders, fit, strings


def test_fit_keeps_text_up_to_the_limit_and_shortens_past_it():
    notices: list = []
    assert fit(None, 5, "x.comment", notices) is None
    assert fit("12345", 5, "x.comment", notices) == "12345" and notices == []
    assert fit("123456", 5, "invoiceRows[0].comment", notices) == "12..."
    assert fit("abcdefgh", 6, "notes", notices) == "abc..."
    assert [(n.code, n.field, n.detail) for n in notices] == [
        ("OUTBOUND_ROW_COMMENT_SHORTENED", "invoiceRows[0].comment", "6 characters shortened to 5"),
        ("OUTBOUND_TEXT_SHORTENED", "notes", "8 characters shortened to 6"),
    ]


def test_cp1252_offenders_and_string_paths():
    assert cp1252_offenders("€ š Ž œ “x” äö") == ""
    assert cp1252_offenders("Łódź ✓✓ ≈ 😀") == "Łź✓≈😀"
    body = {"a": "x", "rows": [{"comment": "y"}, {"n": 1}], "b": {"c": "z"}}
    assert list(strings(body)) == [("a", "x"), ("rows[0].comment", "y"), ("b.c", "z")]
