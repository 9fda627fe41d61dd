"""The event simulation of the control API (``/_control/events``): received e-invoices, a person's actions, bank
payments. Every answer is valid against the spec, and each event moves the invoice's ``version`` so a
``versionStartDate`` search finds it."""

from __future__ import annotations

from sandboxes.procountor.events import ProcountorEvents


def test_received_invoice_carries_the_routing_fields_and_is_found_by_version(api, sandbox_server, spec_check):
    events = ProcountorEvents(sandbox_server.base_url)
    before = api.get("/invoices", params={"types": "PURCHASE_INVOICE"}).json()["results"]
    received = events.receive(project_number="P-100", person_id=5002, supplier_invoice_number="4711")
    spec_check.check("Invoice", received)
    assert (received["status"], received["type"], received["invoiceChannel"]) == (
        "RECEIVED",
        "PURCHASE_INVOICE",
        "ELECTRONIC_INVOICE",
    )
    read = api.get(f"/invoices/{received['id']}").json()
    assert (read["orderReference"], read["buyerReferenceIdentifier"]) == ("P-100", "5002")
    assert "Projektinumero: P-100" in read["additionalInformation"]
    hits = api.get("/invoices", params={"versionStartDate": received["version"], "types": "PURCHASE_INVOICE"})
    assert received["id"] in [h["id"] for h in hits.json()["results"]]
    assert received["id"] not in [h["id"] for h in before]
    bad = api.control("POST", "/events/received-invoices", json={"project": "P-1"})
    assert bad.status_code == 400


def test_person_actions_and_circulation_with_verifiers(api, sandbox_server, spec_check):
    events = ProcountorEvents(sandbox_server.base_url)
    inv = events.receive(verifiers=[7], supplier_invoice_number="4712")
    # through the API, an invoice whose circulation names verifiers is approved only once verified
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 403
    assert api.put(f"/invoices/{inv['id']}/verify").status_code == 200
    assert api.put(f"/invoices/{inv['id']}/approve").status_code == 200
    other = events.receive(verifiers=[7], supplier_invoice_number="4713")
    approved = events.act(other["id"], "approve")  # a person in the UI is the circulation's approver
    spec_check.check("Invoice", approved)
    assert approved["status"] == "APPROVED" and approved["version"] > other["version"]
    assert api.control("POST", f"/events/invoices/{other['id']}/invalidate").json()["status"] == "INVALIDATED"
    assert api.control("POST", f"/events/invoices/{other['id']}/approve").status_code == 403
    assert api.control("POST", f"/events/invoices/{other['id']}/dance").status_code == 400


def test_bank_payments_partial_then_full(api, sandbox_server, spec_check):
    events = ProcountorEvents(sandbox_server.base_url)
    inv = events.receive(supplier_invoice_number="4714")  # 2 x 50 + 25.5 % VAT = 125.50
    total = api.get(f"/invoices/{inv['id']}").json()["invoiceSumInfo"][0]["invoiceSumTotal"]
    first = events.pay(inv["id"], "25.50")
    spec_check.check("PaymentEvent", first)
    assert api.get(f"/invoices/{inv['id']}").json()["status"] == "PARTLY_PAID"
    events.pay(inv["id"], str(round(total - 25.5, 2)))
    paid = api.get(f"/invoices/{inv['id']}").json()
    assert paid["status"] == "PAID" and paid["version"] >= inv["version"]
    listed = api.get(f"/invoices/{inv['id']}/paymentevents").json()
    spec_check.check("PaymentEventSearchResult", listed)
    assert [(e["status"], e["type"]) for e in listed["results"]] == [("PAID", "REFERENCEPAYMENT")] * 2
    assert sum(e["amount"] for e in listed["results"]) == total
    assert api.control("POST", f"/events/invoices/{inv['id']}/payments", json={"amount": "1"}).status_code == 403
