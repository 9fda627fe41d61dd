"""A received purchase invoice's attachments reach its Taimer bill once: a dry run copies nothing, the first run
copies the allowed one and reports the refused one with its code, a later run (the invoice changed in Procountor,
read again through the overlap) stores nothing twice. Library level (``inbound.bills``) over real HTTP to both
sandboxes and a real SQLite ledger; Taimer's end state judged from its sandbox's own state and request log."""

from __future__ import annotations

import requests

from sandboxes.demo import program as demo
from taimer_procountor.inbound.bills import load_bills
from taimer_procountor.inbound.extract import BILLS_FLOW, window_for
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.procountor.models import AttachmentMeta

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0123456789" * 900 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00" + b"\x00" * 64


def _bill(tm_url: str, procountor_id: int) -> dict:
    bills = requests.get(f"{tm_url}/_control/state", timeout=10).json()["bills"]
    return next(b for b in bills if b["procountor_id"] == procountor_id)


def test_received_invoice_attachment_copied_once_over_two_runs(sqlite_url: str, inbound_sandboxes) -> None:
    sb = inbound_sandboxes
    client, taimer, events, tm_url = sb.client, sb.taimer, sb.events, sb.taimer_url
    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    try:
        invoice_id = events.receive(project_number="P-100", supplier_invoice_number="601")["id"]
        pdf = client.attachments.upload(
            AttachmentMeta(name="lasku.pdf", reference_type="INVOICE", reference_id=invoice_id), PDF
        )
        png = client.attachments.upload(
            AttachmentMeta(name="kuva.png", reference_type="INVOICE", reference_id=invoice_id), PNG
        )

        dry = load_bills(ledger, client, taimer, window_for(ledger, BILLS_FLOW), dry_run=True)
        assert dry.counts["attachments_would_copy"] == 2
        assert not [e for e in demo.request_log(tm_url) if e["method"] == "PUT"]

        first = load_bills(ledger, client, taimer, window_for(ledger, BILLS_FLOW))
        assert (first.counts["created"], first.counts["attachments_copied"], first.counts["attachments_refused"]) == (
            1,
            1,
            1,
        )
        assert [(p.code, p.field) for p in first.notices if p.field == "attachments"] == [
            ("OUTBOUND_ATTACHMENT_TYPE_NOT_ALLOWED", "attachments")
        ]
        assert first.errors == []
        assert first.watermark["moved"] is True

        events.act(invoice_id, "invalidate")  # changed in Procountor: the next run reads and upserts it again
        second = load_bills(ledger, client, taimer, window_for(ledger, BILLS_FLOW))
        assert second.counts["updated"] == 1
        assert "attachments_copied" not in second.counts and "attachments_refused" not in second.counts
        third = load_bills(ledger, client, taimer, window_for(ledger, BILLS_FLOW))  # the overlap reads it again
        assert "attachments_copied" not in third.counts

        bill = _bill(tm_url, invoice_id)
        assert bill["procountor_status"] == "INVALIDATED"
        assert [(a["procountor_attachment_id"], a["name"], a["size"]) for a in bill["attachments"]] == [
            (pdf.id, "lasku.pdf", len(PDF))
        ]
        assert png.id not in {a["procountor_attachment_id"] for a in bill["attachments"]}
        content = b"".join(taimer.iter_attachment_content(bill["attachments"][0]["id"]))
        assert content == PDF
        puts = [e for e in demo.request_log(tm_url) if e["method"] == "PUT" and "/attachments/" in e["path"]]
        assert len(puts) == 1
    finally:
        ledger.dispose()
