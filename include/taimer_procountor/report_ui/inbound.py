"""The inbound section of the report UI: ``GET /inbound`` (page) and ``GET /api/inbound`` (JSON).

What a person checks after an inbound run: the latest run's table (counts per kind), its routing decisions with
reasons, the approvals pushed and payments applied, its errors with their fi/en meaning; how many bills came over
per routing reason in all; where the two watermarks stand. Read-only, like the rest of the UI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

FLOW = "inbound"  # taimer_procountor.inbound.FLOW (not imported: the UI stays light at import time)
WATERMARK_FLOWS = ("inbound_purchase_invoices", "inbound_payments")

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "inbound": "Saapuvat (Procountor → Taimer)",
        "empty": "Saapuvien laskujen synkronointia (procountor_to_taimer) ei ole vielä ajettu.",
        "latest": "Viimeisin ajo",
        "kind": "Laji",
        "routing": "Ostolaskujen kohdistus",
        "reason": "Peruste",
        "recipient": "Vastaanottaja",
        "notes": "Huomiot",
        "approvals": "Hyväksynnät Procountoriin",
        "payments": "Maksutiedot Taimeriin",
        "watermarks": "Lukurajat (Procountorin versiopäivä)",
        "bills_total": "Taimeriin tulleet ostolaskut perusteittain",
        "action": "Toimenpide",
        "status": "Tila",
        "amount": "Maksettu",
        "date": "Päivä",
        "errors": "Virheet ja huomautukset",
    },
    "en": {
        "inbound": "Inbound (Procountor → Taimer)",
        "empty": "The inbound sync (procountor_to_taimer) has not run yet.",
        "latest": "Latest run",
        "kind": "Kind",
        "routing": "Purchase-invoice routing",
        "reason": "Reason",
        "recipient": "Recipient",
        "notes": "Notes",
        "approvals": "Approvals pushed to Procountor",
        "payments": "Payment states written to Taimer",
        "watermarks": "Watermarks (Procountor version date)",
        "bills_total": "Purchase invoices in Taimer by routing reason",
        "action": "Action",
        "status": "Status",
        "amount": "Paid",
        "date": "Date",
        "errors": "Errors and notices",
    },
}

TEMPLATE = """
{% extends "base.html" %}
{% block main %}
<section id="inbound" aria-labelledby="inbound-h">
<h2 id="inbound-h">{{ it.inbound }}</h2>
{% if not inbound.latest %}
<p class="empty">{{ it.empty }}</p>
{% else %}
{% set s = inbound.latest.summary %}
<h3>{{ it.latest }}: <code>{{ inbound.latest.run_id }}</code>
  <span class="status status-{{ s.outcome }}">{{ status_word(s.outcome) }}</span>{% if s.dry_run %} (dry run)
    {% endif %}</h3>
<div class="wrap"><table>
  <thead><tr><th scope="col">{{ it.kind }}</th>{% for c in inbound.latest.columns %}
    <th scope="col" class="num">{{ c }}</th>{% endfor %}</tr></thead>
  <tbody>{% for k in s.kinds %}<tr><th scope="row">{{ k.kind }}</th>
    {% for c in inbound.latest.columns %}<td class="num">{{ k.counts.get(c, 0) }}</td>{% endfor %}</tr>
    {% endfor %}</tbody>
</table></div>
{% if s.details.decisions %}
<h3>{{ it.routing }}</h3>
<div class="wrap"><table>
  <thead><tr><th scope="col">Procountor</th><th scope="col">Taimer</th><th scope="col">{{ it.reason }}</th>
    <th scope="col">{{ it.recipient }}</th><th scope="col">{{ it.notes }}</th></tr></thead>
  <tbody>{% for d in s.details.decisions %}<tr><td class="num">{{ d.procountor_id }}</td>
    <td>{{ d.taimer_bill_id or '–' }}</td>
    <td>{{ d.reason }}</td><td>{{ d.recipient_user_id or '–' }}</td>
    <td>{% for n in d.notes %}<code title="{{ meaning(n.code) }}">{{ n.code }}</code> {{ n.detail }}<br>
    {% endfor %}</td></tr>{% endfor %}</tbody>
</table></div>
{% endif %}
{% if s.details.approvals %}
<h3>{{ it.approvals }}</h3>
<ul>{% for a in s.details.approvals %}<li>{{ a.bill_id }} ({{ a.procountor_id }}): {{ a.action }}</li>
    {% endfor %}</ul>
{% endif %}
{% if s.details.payments %}
<h3>{{ it.payments }}</h3>
<div class="wrap"><table>
  <thead><tr><th scope="col">Taimer</th><th scope="col">Procountor</th><th scope="col">{{ it.status }}</th>
    <th scope="col" class="num">{{ it.amount }}</th><th scope="col">{{ it.date }}</th></tr></thead>
  <tbody>{% for p in s.details.payments %}<tr><td>{{ p.kind }} {{ p.taimer_id }}</td>
    <td class="num">{{ p.procountor_id }}</td>
    <td>{{ p.status }}</td><td class="num">{{ p.paid_amount or '–' }}</td>
    <td>{{ p.paid_date or '–' }}</td></tr>{% endfor %}</tbody>
</table></div>
{% endif %}
{% if s.errors or s.notices or s.failed_steps %}
<h3>{{ it.errors }}</h3>
<ul class="errs">
{% for f in s.failed_steps %}<li>
    <code>{{ f.code }}</code> [{{ f.task_id }}] {{ meaning(f.code) }} {{ f.detail or '' }}</li>{% endfor %}
{% for p in s.errors + s.notices %}<li>
    <code>{{ p.code }}</code> [{{ p.where }}] {{ meaning(p.code) }} {{ p.detail or '' }}</li>{% endfor %}
</ul>
{% endif %}
{% endif %}
<h3>{{ it.bills_total }}</h3>
<ul>{% for reason, n in inbound.bills_by_reason.items() %}<li>{{ reason }}: {{ n }}</li>{% else %}<li>–</li>
    {% endfor %}</ul>
<h3>{{ it.watermarks }}</h3>
<ul>{% for flow, w in inbound.watermarks.items() %}<li><code>{{ flow }}</code>: {{ w.value or '–' }}
  {% if w.overlap_seconds %}(−{{ w.overlap_seconds }} s){% endif %}</li>{% endfor %}</ul>
</section>
{% endblock %}
"""


def inbound(ledger: Ledger) -> dict[str, Any]:
    """The data of the inbound page (JSON-able)."""
    from taimer_procountor.ledger.hashing import redact_json

    latest = None
    rows = ledger.runs.recent(flow=FLOW, limit=1)
    if rows and rows[0].counts and rows[0].counts.get("flow") == FLOW:
        summary = rows[0].counts
        columns: list[str] = []
        for kind in summary.get("kinds") or []:
            columns += [c for c in kind.get("counts") or {} if c not in columns]
        latest = {"run_id": rows[0].run_id, "status": str(rows[0].status), "summary": summary, "columns": columns}
    reasons = Counter(
        str(((m.details or {}).get("routing") or {}).get("reason") or "unknown")
        for m in ledger.inbound.inbound_mappings("purchase_invoice")
    )
    watermarks = {}
    for flow in WATERMARK_FLOWS:
        wm = ledger.inbound.get_watermark(flow)
        watermarks[flow] = {
            "value": wm.value.isoformat() if wm else None,
            "overlap_seconds": int(wm.overlap.total_seconds()) if wm else None,
        }
    return redact_json({"latest": latest, "bills_by_reason": dict(sorted(reasons.items())), "watermarks": watermarks})


def add_routes(
    router: APIRouter,
    ledger: Callable[[], Ledger],
    render: Callable[..., HTMLResponse],
    api: Callable[[Callable[[], Any]], JSONResponse],
    language: Callable[[Request], str],
) -> None:
    """``/inbound`` and ``/api/inbound`` on the app's guarded router."""

    @router.get("/inbound", response_class=HTMLResponse)
    def inbound_page(request: Request, lang: str | None = Query(None)) -> HTMLResponse:
        lang = language(request)  # ?lang=, else the kept choice, else the browser's
        return render(request, "inbound.html", lang, page="inbound", page_title=TEXTS[lang]["inbound"],
                      it=TEXTS[lang], inbound=inbound(ledger()))  # fmt: skip

    @router.get("/api/inbound")
    def api_inbound() -> JSONResponse:
        return api(lambda: inbound(ledger()))
