"""The outbound section of the report UI: the latest outbound runs' reports (the ``FlowSummary`` each stored in its
``flow_run`` record) with every code explained in Finnish and English, the Taimer ↔ Procountor number map, and the
ledger's documents by state.

- ``GET /outbound``: the section as a page (``?lang=fi|en``, ``?runs=N``);
- ``GET /api/outbound/report``: the same as JSON.

Data first: ``outbound_report`` builds plain JSON from the ledger; the page is a thin rendering of it, so the generic
layout can draw the same ``FlowSummary`` shape its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from taimer_procountor.report_ui.texts import request_language

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

FLOW = "outbound"  # outbound.report.FLOW (not imported: this module must stay cheap to import)
RUNS_DEFAULT = 5


def outbound_report(ledger: Ledger, *, runs: int = RUNS_DEFAULT) -> dict[str, Any]:
    """The latest ``runs`` outbound run reports (newest first) and the ledger's outbound documents by state."""
    from taimer_procountor.ledger.hashing import redact_json
    from taimer_procountor.report_ui import data
    from taimer_procountor.summary import FlowSummary

    reports: list[dict[str, Any]] = []
    codes: list[str] = []
    for row in ledger.runs.recent(flow=FLOW, limit=runs):
        counts = row.counts or {}
        if "flow" not in counts:  # a run that has not reported yet
            reports.append({"run_id": row.run_id, "dag_id": row.dag_id, "status": str(row.status), "summary": None})
            continue
        summary = FlowSummary.from_json(counts)
        codes += [p.code for p in (*summary.errors, *summary.notices)] + [f.code for f in summary.failed_steps]
        number_map = summary.details.get("number_map") or {}
        reports.append(
            {
                "run_id": row.run_id,
                "dag_id": row.dag_id,
                "status": str(row.status),
                "started_at": row.started_at.isoformat() if row.started_at else None,
                "finished_at": row.finished_at.isoformat() if row.finished_at else None,
                "headline": summary.headline(),
                "summary": summary.to_json(),
                "numbers": [
                    {"taimer": where.split(":", 1)[-1], "kind": where.split(":", 1)[0], **ids}
                    for where, ids in sorted(number_map.items())
                ],
            }
        )
    return redact_json(
        {"reports": reports, "documents": data.outbound(ledger), "explained": data.explain(dict.fromkeys(codes))}
    )


_PAGE = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>Taimer ⇄ Procountor: outbound</title></head>
<body>
<h1>{{ 'Lähtevät laskut' if lang == 'fi' else 'Outbound invoices' }}</h1>
<section id="outbound-documents"><h2>{{ 'Asiakirjat tiloittain' if lang == 'fi' else 'Documents by state' }}</h2>
<table><thead><tr><th>kind</th><th>state</th><th>count</th></tr></thead><tbody>
{% for r in report.documents.by_source_type_and_state %}
<tr><td>{{ r.source_type }}</td><td>{{ r.state }}</td><td>{{ r.count }}</td></tr>
{% endfor %}</tbody></table></section>
{% for run in report.reports %}
<section class="outbound-run" id="run-{{ loop.index }}"><h2>{{ run.dag_id }} {{ run.run_id }}: {{ run.status }}</h2>
{% if run.summary %}
<p>{{ run.headline }}</p>
<table class="counts"><thead><tr><th>kind</th>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead><tbody>
{% for k in run.summary.kinds %}<tr><td>{{ k.kind }}</td>
{% for c in columns %}<td>{{ k.counts.get(c, 0) }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
<p>attachments: {% for k, v in run.summary.details.get('attachments', {}).items() %}{{ k }} {{ v }} {% endfor %}</p>
{% if run.numbers %}<table class="numbers"><thead><tr><th>Taimer</th><th>Procountor id</th><th>Procountor</th></tr>
</thead><tbody>{% for n in run.numbers %}<tr><td>{{ n.taimer }}</td><td>{{ n.procountor_id }}</td>
<td>{{ n.procountor_number }}</td></tr>{% endfor %}</tbody></table>{% endif %}
{% for p in run.summary.errors + run.summary.notices %}
<p class="problem"><code>{{ p.code }}</code> {{ p.where }} {{ p.field or '' }}: {{ texts[p.code] }}
{% if p.detail %}({{ p.detail }}){% endif %}</p>
{% endfor %}
{% endif %}</section>
{% endfor %}
</body></html>
"""
)
COLUMNS = ("extracted", "invalid", "created", "updated", "unchanged", "conflicts", "failed", "pending")


def add_routes(router: APIRouter, ledger: Callable[[], Ledger], api: Callable[[Callable[[], Any]], JSONResponse]):
    """Add the outbound routes to the app's guarded router (``api`` turns a read failure into a 503)."""

    @router.get("/api/outbound/report")
    def api_outbound_report(runs: int = Query(RUNS_DEFAULT, ge=1, le=100)) -> JSONResponse:
        return api(lambda: outbound_report(ledger(), runs=runs))

    @router.get("/outbound", response_class=HTMLResponse)
    def outbound_page(
        request: Request, lang: str | None = None, runs: int = Query(RUNS_DEFAULT, ge=1, le=100)
    ) -> HTMLResponse:
        chosen = request_language(request)  # ?lang=, else the kept choice, else the browser's
        report = outbound_report(ledger(), runs=runs)
        texts = {e["code"]: e[chosen] + " " + e[f"fix_{chosen}"] for e in report["explained"]}
        html = _PAGE.render(lang=chosen, report=report, columns=COLUMNS, texts=texts)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})
