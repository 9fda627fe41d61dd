"""Ledger receipts (accounts, dimensions, version), invoice search (filters, paging), attachments."""

from __future__ import annotations

import email
import json

import pytest

DIM_ERR = "DIMENSION_OR_DIMENSION_ITEM_IDENTIFIERS_DOES_NOT_MATCH_THOSE_STORED_IN_DATABASE"
ACC_ERR = "ERROR_LEDGERACCOUNT_VATPERCENTAGE_COMBINATION"


def test_ledger_receipt_update_validates_accounts_and_dimensions(api, bodies, spec_check, create_invoice, error_fields):
    inv = create_invoice(bodies.sales())
    rid = inv["ledgerReceiptId"]
    receipt = api.get(f"/ledgerreceipts/{rid}").json()
    entry = next(n for n, t in enumerate(receipt["transactions"]) if t["transactionType"] == "ENTRY")
    value = abs(receipt["transactions"][entry]["accountingValue"])

    good = json.loads(json.dumps(receipt))
    good["transactions"][entry]["account"] = "3010"
    good["transactions"][entry]["dimensionItemValues"] = [{"dimensionId": 501, "itemId": 5013, "value": value}]
    r = api.put(f"/ledgerreceipts/{rid}", json=good)
    assert r.status_code == 200, r.text
    saved = r.json()
    spec_check.check("LedgerReceipt", saved)
    assert saved["transactions"][entry]["account"] == "3010" and saved["version"] > receipt["version"]

    stale = api.put(f"/ledgerreceipts/{rid}", json=good)
    assert ("version", "ERROR_VERSION_CONFLICT") in error_fields(stale)

    for account in ("9999", "3990"):  # unknown, inactive
        bad = json.loads(json.dumps(saved))
        bad["transactions"][entry]["account"] = account
        assert (f"transactions[{entry}].account", ACC_ERR) in error_fields(api.put(f"/ledgerreceipts/{rid}", json=bad))
    for item in (5014, 7777):  # inactive, unknown
        bad = json.loads(json.dumps(saved))
        bad["transactions"][entry]["dimensionItemValues"] = [{"dimensionId": 501, "itemId": item, "value": value}]
        field = f"transactions[{entry}].dimensionItemValues"
        assert (field, DIM_ERR) in error_fields(api.put(f"/ledgerreceipts/{rid}", json=bad))


def test_transaction_dimensions_endpoint(api, bodies, spec_check, create_invoice, error_fields):
    inv = create_invoice(bodies.purchase())
    receipt = api.get(f"/ledgerreceipts/{inv['ledgerReceiptId']}").json()
    n, tx = next((n, t) for n, t in enumerate(receipt["transactions"]) if t["transactionType"] == "ENTRY")
    path = f"/ledgerreceipts/{receipt['id']}/transactions/{tx['id']}/dimensions"
    half = abs(tx["accountingValue"]) / 2
    split = [{"dimensionId": 501, "itemId": 5011, "value": half}, {"dimensionId": 501, "itemId": 5012, "value": half}]
    r = api.put(path, json={"dimensionItemValues": split})
    assert r.status_code == 200, r.text
    spec_check.check("LedgerReceipt", r.json())
    assert r.json()["transactions"][n]["dimensionItemValues"] == split
    wrong_sum = [{"dimensionId": 501, "itemId": 5011, "value": half}]
    sum_err = (f"transactions[{n}].dimensionItemValues", "DIMENSION_VALUES_DO_NOT_MATCH_TRANSACTION_VALUE")
    assert sum_err in error_fields(api.put(path, json={"dimensionItemValues": wrong_sum}))
    inactive = [{"dimensionId": 501, "itemId": 5014, "value": abs(tx["accountingValue"])}]
    assert (f"transactions[{n}].dimensionItemValues", DIM_ERR) in error_fields(
        api.put(path, json={"dimensionItemValues": inactive})
    )
    assert error_fields(api.put(path, json={"dimensionItemValues": [{"dimensionId": 501}]}))
    unknown_tx = f"/ledgerreceipts/{receipt['id']}/transactions/1/dimensions"
    assert error_fields(api.put(unknown_tx, json={"dimensionItemValues": []}), status=404)


@pytest.fixture
def many(api, bodies, create_invoice):
    made = []
    for i in range(12):
        inv_type = "SALES_INVOICE" if i % 3 else "PURCHASE_INVOICE"
        body = (
            bodies.sales(originalInvoiceNumber=f"T-{i}", date=f"2026-10-{i + 1:02d}")
            if inv_type == "SALES_INVOICE"
            else bodies.purchase(originalInvoiceNumber=f"T-{i}", date=f"2026-10-{i + 1:02d}")
        )
        body["paymentInfo"]["dueDate"] = "2026-12-31"
        made.append(create_invoice(body))
    return made


def test_search_paging(api, many, spec_check, error_fields):
    r = api.get("/invoices", params={"size": 5})
    page0 = r.json()
    spec_check.check("InvoiceSearchResult", page0)
    assert page0["meta"] == {"pageNumber": 0, "pageSize": 5, "resultCount": 5, "totalCount": 12}
    ids = [i["id"] for i in page0["results"]]
    assert ids == sorted(ids, reverse=True)  # default orderById DESC
    last = api.get("/invoices", params={"size": 5, "page": 2}).json()
    assert last["meta"]["resultCount"] == 2
    seen, previous = [], None
    while True:
        params = {"size": 5, "orderById": "ASC", **({"previousId": previous} if previous else {})}
        chunk = api.get("/invoices", params=params).json()["results"]
        if not chunk:
            break
        seen += [i["id"] for i in chunk]
        previous = chunk[-1]["id"]
    assert seen == sorted(i["id"] for i in many)
    assert "size" in {f for f, _ in error_fields(api.get("/invoices", params={"size": 201}))}


def test_search_filters(api, many, error_fields):
    def count(**params):
        return api.get("/invoices", params=params).json()["meta"]["totalCount"]

    def ids(**params):
        return {i["id"] for i in api.get("/invoices", params={"size": 200, **params}).json()["results"]}

    assert count(types="PURCHASE_INVOICE") == 4
    assert count(types="PURCHASE_INVOICE,SALES_INVOICE") == 12
    assert count(startDate="2026-10-03", endDate="2026-10-05") == 3
    assert count(originalInvoiceNumber="T-7") == 1
    assert count(invoiceNumber=many[0]["invoiceNumber"]) == 1
    api.put(f"/invoices/{many[1]['id']}/approve")
    assert count(status="NOT_SENT") == 1
    assert count(status="NOT_SENT,UNFINISHED") == 12
    # Versions are second-resolution timestamps, so several invoices may share one: the expected hits are worked
    # out from each invoice's own version. The approve moved many[1]'s version at least 1 s past its creation, and
    # many[0] was created before many[1], so the filter always has something to exclude.
    versions = {inv["id"]: api.get(f"/invoices/{inv['id']}").json()["version"] for inv in many}
    newest = versions[many[1]["id"]]
    expected = {i for i, v in versions.items() if v >= newest}
    assert many[1]["id"] in expected and many[0]["id"] not in expected
    assert count(versionStartDate=newest) == len(expected)
    assert ids(versionStartDate=newest) == expected
    assert ids(versionEndDate=versions[many[0]["id"]]) == {
        i for i, v in versions.items() if v <= versions[many[0]["id"]]
    }
    assert count(versionEndDate="2000-01-01T00:00:00") == 0
    assert error_fields(api.get("/invoices", params={"types": "NOPE"}))


def test_attachments(api, bodies, spec_check, create_invoice):
    inv = create_invoice(bodies.sales())
    meta = {"name": "lasku.pdf", "referenceType": "INVOICE", "referenceId": inv["id"], "sendWithInvoice": True}
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 10
    r = api.post("/attachments", files={"meta": (None, json.dumps(meta), "application/json"),
                                        "file": ("lasku.pdf", pdf, "application/pdf")})  # fmt: skip
    assert r.status_code == 200, r.text
    att = r.json()
    spec_check.check("Attachment", att)
    assert att["mimeType"] == "application/pdf"
    listed = api.get(f"/invoices/{inv['id']}").json()["attachments"]
    assert [a["name"] for a in listed] == ["lasku.pdf"]
    got = api.get(f"/attachments/{att['id']}")
    assert got.headers["content-type"].startswith("multipart/mixed")
    msg = email.message_from_bytes(b"Content-Type: " + got.headers["content-type"].encode() + b"\r\n\r\n" + got.content)
    parts = msg.get_payload()
    assert json.loads(parts[0].get_payload()) == att
    assert parts[1].get_payload(decode=True) == pdf
    state = api.control("GET", "/state").json()["attachments"]
    assert state[0]["size"] == len(pdf)


def test_attachment_refusals(api, bodies, create_invoice, error_fields):
    inv = create_invoice(bodies.purchase())
    meta = {"name": "kuitti.jpg", "referenceType": "INVOICE", "referenceId": inv["id"], "sendWithInvoice": False}
    big = b"\xff\xd8\xff" + b"0" * 10_000_000
    r = api.post("/attachments", files={"meta": (None, json.dumps(meta), "application/json"),
                                        "file": ("kuitti.jpg", big, "image/jpeg")}, timeout=30)  # fmt: skip
    assert ("file", "File size too big") in error_fields(r)
    bad = {**meta, "sendWithInvoice": True}  # not allowed for purchase invoices
    r = api.post(
        "/attachments", files={"meta": (None, json.dumps(bad)), "file": ("k.jpg", b"\xff\xd8\xff", "image/jpeg")}
    )
    assert "sendWithInvoice" in {f for f, _ in error_fields(r)}
    r = api.post("/attachments", files={"meta": (None, json.dumps({**meta, "name": "kuitti☃.jpg"})),
                                        "file": ("k.jpg", b"\xff\xd8\xff", "image/jpeg")})  # fmt: skip
    assert ("name", "INVALID_CHARACTERS") in error_fields(r)
    r = api.post("/attachments", files={"meta": (None, json.dumps({**meta, "referenceId": 1})),
                                        "file": ("k.jpg", b"\xff\xd8\xff", "image/jpeg")})  # fmt: skip
    assert "referenceId" in {f for f, _ in error_fields(r)}
    assert api.get(f"/invoices/{inv['id']}").json()["attachments"] == []
