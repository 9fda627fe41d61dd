"""Invoices: creation, Procountor's validation rules, update with version, status transitions, payments."""

from __future__ import annotations

import pytest

FORBIDDEN = {"errors": [{"status": 403, "message": "Insufficient user rights or invalid invoice status"}]}


def test_create_sales_invoice(api, bodies, spec_check, create_invoice):
    inv = create_invoice(bodies.sales(status="APPROVED"))
    spec_check.check("Invoice", inv)
    assert inv["status"] == "UNFINISHED" and inv["invoiceNumber"] == 1 and inv["ledgerReceiptId"]
    assert inv["paymentInfo"]["bankReferenceCode"]  # "" -> generated
    assert inv["invoiceSumInfo"][0]["invoiceSumTotal"] == pytest.approx(251 + 45.4)
    second = create_invoice(bodies.sales())
    assert second["invoiceNumber"] == 2
    receipt = api.get(f"/ledgerreceipts/{inv['ledgerReceiptId']}").json()
    spec_check.check("LedgerReceipt", receipt)
    kinds = [(t["transactionType"], t["account"]) for t in receipt["transactions"]]
    assert kinds[0] == ("REVERSING_ENTRY", "1700") and ("ENTRY", "3000") in kinds
    assert sum(t["accountingValue"] for t in receipt["transactions"] if t["transactionType"] == "ENTRY") == -240


def test_schema_violations_name_the_field(api, bodies, error_fields):
    body = bodies.sales(originalInvoiceNumber="X" * 41)
    body["invoiceRows"][0]["comment"] = "c" * 513
    del body["counterParty"]["counterPartyAddress"]["name"]
    fields = {f for f, _ in error_fields(api.post("/invoices", json=body))}
    assert {"originalInvoiceNumber", "invoiceRows[0].comment", "counterParty.counterPartyAddress.name"} <= fields


RULES = [
    (lambda b: b["invoiceRows"][0].update(vatPercent=24), "invoiceRows[0].vatPercent", "ERROR_VAT_PERCENTAGE"),
    (lambda b: b["invoiceRows"][1].update(vatPercent=14), "invoiceRows[1].vatPercent", "ERROR_VAT_PERCENTAGE"),
    (lambda b: b["invoiceRows"][0].update(vatStatus=3), "invoiceRows[0].vatStatus", "ERROR_VATSTATUS_VATPERC"),
    (lambda b: b.update(date="2025-02-10", paymentInfo={**b["paymentInfo"], "dueDate": "2025-02-20"}),
     "date", "CLOSED_FISCAL_PERIOD"),
    (lambda b: b["paymentInfo"].update(dueDate="2026-11-19"), "paymentInfo.dueDate", "DUE_DATE_BEFORE_BILL_DATE"),
    (lambda b: b.update(invoiceChannel="ELECTRONIC_INVOICE",
                        counterParty={**b["counterParty"], "einvoiceAddress": {"address": "003712345671",
                                                                               "operator": "BOGUS"}}),
     "counterParty.einvoiceAddress.operator", "ERROR_OPERATOR"),
    (lambda b: b["counterParty"].update(identifier="1234567-2"), "counterParty.identifier", "ERROR_BRN_CODE"),
    (lambda b: b["paymentInfo"]["bankAccount"].update(accountNumber="FI4950009420028730"),
     "paymentInfo.bankAccount.accountNumber", "ERROR_BANK_ACCOUNT"),
    (lambda b: b.update(notes="Kiitos ✓"), "notes", "INVALID_CHARACTERS"),
    (lambda b: b["invoiceRows"][0].update(product="Työ ☃"), "invoiceRows[0].product", "INVALID_CHARACTERS"),
]  # fmt: skip


@pytest.mark.parametrize(("mutate", "field", "code"), RULES, ids=[r[2] + ":" + r[1] for r in RULES])
def test_business_rules(api, bodies, mutate, field, code, error_fields):
    body = bodies.sales()
    mutate(body)
    assert (field, code) in error_fields(api.post("/invoices", json=body))
    assert api.control("GET", "/state").json()["invoices"] == []


def test_rules_that_pass(api, bodies, create_invoice, error_fields):
    body = bodies.sales(invoiceChannel="ELECTRONIC_INVOICE", notes="Hinta 5 € – kiitos")
    body["counterParty"]["einvoiceAddress"] = {"address": "003712345671", "operator": "NDEAFIHH"}
    body["paymentInfo"]["bankAccount"]["accountNumber"] = "fi2112345600000785"
    create_invoice(body)
    old = bodies.sales(date="2024-08-30")  # 24 % valid then, but FY 2024 is closed
    old["invoiceRows"][0]["vatPercent"] = 24
    old["invoiceRows"][1]["vatPercent"] = 14
    assert error_fields(api.post("/invoices", json=old)) == {("date", "CLOSED_FISCAL_PERIOD")}


def test_several_violations_together(api, bodies, error_fields):
    body = bodies.sales()
    body["invoiceRows"][0]["vatPercent"] = 24
    body["paymentInfo"]["dueDate"] = "2026-01-01"
    assert len(error_fields(api.post("/invoices", json=body))) == 2


def test_update_needs_current_version_and_editable_status(api, bodies, spec_check, create_invoice, error_fields):
    inv = create_invoice(bodies.sales())
    body = {**inv, "notes": "muutettu"}
    r = api.put(f"/invoices/{inv['id']}", json=body)
    assert r.status_code == 200, r.text
    updated = r.json()
    spec_check.check("Invoice", updated)
    assert updated["version"] > inv["version"] and updated["notes"] == "muutettu"
    assert updated["ledgerReceiptId"] == inv["ledgerReceiptId"]  # no accounting change
    assert ("version", "ERROR_VERSION_CONFLICT") in error_fields(api.put(f"/invoices/{inv['id']}", json=body))
    rows = {**updated, "invoiceRows": updated["invoiceRows"][:1]}
    changed = api.put(f"/invoices/{inv['id']}", json=rows).json()
    assert changed["ledgerReceiptId"] != inv["ledgerReceiptId"]  # rows changed: receipt re-created
    assert api.get(f"/ledgerreceipts/{inv['ledgerReceiptId']}").status_code == 404
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 200
    current = api.get(f"/invoices/{inv['id']}").json()
    r = api.put(f"/invoices/{inv['id']}", json=current)
    assert r.status_code == 403 and r.json() == FORBIDDEN


def _status(api, inv_id):
    return api.get(f"/invoices/{inv_id}").json()["status"]


def test_sales_transitions(api, bodies, spec_check, create_invoice, error_fields):
    inv = create_invoice(bodies.sales())
    refused = api.put(f"/invoices/{inv['id']}/send")
    assert error_fields(refused, status=403) == {(None, FORBIDDEN["errors"][0]["message"])}
    assert refused.json() == FORBIDDEN
    r = api.put(f"/invoices/{inv['id']}/approve", json={"comment": "ok"})
    assert r.status_code == 200
    spec_check.check("InfoMessage", r.json())
    assert _status(api, inv["id"]) == "NOT_SENT"
    assert api.put(f"/invoices/{inv['id']}/send").status_code == 200 and _status(api, inv["id"]) == "SENT"
    assert api.put(f"/invoices/{inv['id']}/verify").status_code == 403
    assert api.put(f"/invoices/{inv['id']}/unfinished").status_code == 200
    assert _status(api, inv["id"]) == "UNFINISHED"
    assert api.put(f"/invoices/{inv['id']}/invalidate").status_code == 200
    assert _status(api, inv["id"]) == "INVALIDATED"
    quiet = create_invoice(bodies.sales(invoiceChannel="NO_SENDING"))
    assert api.put(f"/invoices/{quiet['id']}/approve").status_code == 200
    assert _status(api, quiet["id"]) == "APPROVED"
    receipt = api.get(f"/ledgerreceipts/{quiet['ledgerReceiptId']}").json()
    assert receipt["status"] == "APPROVED"


@pytest.mark.parametrize("inv_type", ["PURCHASE_INVOICE", "TRAVEL_INVOICE", "BILL_OF_CHARGES"])
def test_purchase_travel_expense_transitions(api, bodies, inv_type, create_invoice):
    inv = create_invoice(bodies.purchase(inv_type))
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 403
    assert api.put(f"/invoices/{inv['id']}/send").status_code == 403
    assert api.put(f"/invoices/{inv['id']}/sendToCirculation").status_code == 200
    assert _status(api, inv["id"]) == "RECEIVED"
    assert api.put(f"/invoices/{inv['id']}/verify", json={"comment": "tarkastettu"}).status_code == 200
    assert _status(api, inv["id"]) == "VERIFIED"
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 200
    assert _status(api, inv["id"]) == "APPROVED"
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 403  # already approved
    assert api.put(f"/invoices/{inv['id']}/unfinished").status_code == 200
    api.put(f"/invoices/{inv['id']}/sendToCirculation")
    assert api.put(f"/invoices/{inv['id']}/reject").status_code == 200
    assert _status(api, inv["id"]) == "PAYMENT_DENIED"
    assert api.put(f"/invoices/{inv['id']}/invalidate").status_code == 200
    assert _status(api, inv["id"]) == "INVALIDATED"


def test_travel_invoice_needs_a_known_person(api, bodies, error_fields):
    assert ("partnerId", "ERROR_PERSON_NOT_FOUND") in error_fields(
        api.post("/invoices", json=bodies.purchase("TRAVEL_INVOICE", partnerId=999))
    )


def test_markpaid(api, bodies, spec_check, create_invoice, error_fields):
    inv = create_invoice(bodies.purchase("BILL_OF_CHARGES"))
    total = inv["invoiceSumInfo"][0]["invoiceSumTotal"]
    pay = {"paymentDate": "2026-11-21", "amount": 100, "currency": "EUR"}
    r = api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json=pay)
    assert r.status_code == 403 and r.json() == FORBIDDEN
    api.put(f"/invoices/{inv['id']}/sendToCirculation")
    r = api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json=pay)
    assert r.status_code == 200, r.text
    spec_check.check("PaymentEvent", r.json())
    assert _status(api, inv["id"]) == "PARTLY_PAID"
    closed = {**pay, "paymentDate": "2025-01-15"}
    assert ("paymentDate", "CLOSED_FISCAL_PERIOD") in error_fields(
        api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json=closed)
    )
    assert next(iter(error_fields(
        api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json={**pay, "currency": "SEK"})
    )))[:1] == ("currency", )  # fmt: skip
    rest = {**pay, "paymentDate": "2026-11-22", "amount": round(total - 100, 2)}
    assert api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json=rest).status_code == 200
    assert _status(api, inv["id"]) == "MARKED_PAID"
    events = api.get(f"/invoices/{inv['id']}/paymentevents").json()
    spec_check.check("PaymentEventSearchResult", events)
    assert [e["paymentDate"] for e in events["results"]] == ["2026-11-21", "2026-11-22"]
    assert api.get(f"/invoices/{inv['id']}").json()["paymentDate"] == "2026-11-22"
    assert api.put(f"/invoices/{inv['id']}/paymentevents/markpaid", json=pay).status_code == 403


def test_sandbox_bug_in_a_response_is_loud(api, bodies, sandbox_server, create_invoice):
    inv = create_invoice(bodies.sales())
    sandbox_server.app.state.sandbox.state.invoices[inv["id"]]["status"] = "BOGUS"
    r = api.get(f"/invoices/{inv['id']}")
    assert r.status_code == 500 and "SANDBOX BUG" in r.json()["errors"][0]["message"]
