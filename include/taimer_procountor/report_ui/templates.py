"""Jinja2 templates of the report UI, kept as strings so the package needs no template files (package data) and
the pages render identically from an installed wheel. Autoescaping is on for every template."""

from __future__ import annotations

BASE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ page_title }} – {{ t.title }}</title>
<style>
  :root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #57606a; --line: #d0d7de;
          --head: #f3f5f7; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --info: #0969da; }
  @media (prefers-color-scheme: dark) {
    :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9da7b3; --line: #30363d; --head: #161b22;
            --ok: #3fb950; --warn: #d29922; --bad: #f85149; --info: #58a6ff; }
  }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
         background: var(--bg); margin: 0 1.2rem 2rem; }
  header { border-bottom: 1px solid var(--line); padding: .6rem 0; display: flex; flex-wrap: wrap;
           gap: .4rem 2rem; align-items: baseline; }
  h1 { font-size: 1.35rem; margin: 0; }
  h2 { font-size: 1.12rem; margin: 1.6rem 0 .4rem; }
  h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
  .sub, .muted { color: var(--muted); }
  nav ul { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; flex-wrap: wrap; }
  a { color: var(--info); }
  a[aria-current] { font-weight: 600; color: var(--fg); text-decoration: none; }
  table { border-collapse: collapse; margin: .3rem 0 .8rem; max-width: 100%; }
  caption { text-align: left; color: var(--muted); padding: .2rem 0; }
  th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
  th { background: var(--head); font-weight: 600; }
  td.time { min-width: 6.5rem; } td.errcell { min-width: 22rem; } td.headline-cell { max-width: 40rem; }
  tr.run-detail > td { border-top: none; padding-top: 0; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  .status { font-weight: 600; padding: 0 .35rem; border-radius: 3px; border: 1px solid currentColor; }
  .status-success { color: var(--ok); } .status-partial { color: var(--warn); }
  .status-failed { color: var(--bad); } .status-running { color: var(--info); }
  .empty { border: 1px dashed var(--line); padding: .6rem .8rem; max-width: 60rem; }
  .error-box { border: 2px solid var(--bad); padding: .6rem .8rem; max-width: 60rem; }
  ul.errs { margin: 0; padding-left: 1.1rem; } ul.errs li { margin-bottom: .25rem; }
  .wrap { overflow-x: auto; }
  .run { border: 1px solid var(--line); border-left: 4px solid var(--line); padding: .4rem .8rem .6rem;
         margin: .6rem 0; max-width: 75rem; }
  .run-success { border-left-color: var(--ok); } .run-partial { border-left-color: var(--warn); }
  .run-failed { border-left-color: var(--bad); } .run-running { border-left-color: var(--info); }
  .run h3 { margin: .2rem 0 .3rem; } .headline { margin: .2rem 0; }
  .cause { border: 2px solid var(--bad); padding: .3rem .6rem; margin: .4rem 0; }
  .links a { margin-right: .8rem; }
  table.counts td, table.counts th { padding: .2rem .45rem; }
  footer { margin-top: 2rem; color: var(--muted); font-size: .9rem; }
</style>
</head>
<body>
<header>
  <div><h1>{{ t.title }}</h1><div class="sub">{{ t.subtitle }}</div></div>
  <nav aria-label="{{ t.nav_label }}">
    <ul>
      <li><a href="{{ root }}/?lang={{ lang }}"{% if page == 'overview' %} aria-current="page"{% endif %}>
        {{ t.nav_overview }}</a></li>
      <li><a href="{{ root }}/inbound?lang={{ lang }}"{% if page == 'inbound' %} aria-current="page"{% endif %}>
        {{ 'Saapuvat' if lang == 'fi' else 'Inbound' }}</a></li>
      <li><a href="{{ root }}/catalogue?lang={{ lang }}"{% if page == 'catalogue' %} aria-current="page"{% endif %}>
        {{ t.nav_catalogue }}</a></li>
    </ul>
  </nav>
  <nav aria-label="{{ t.lang_label }}">
    <ul>
      <li><a href="?{{ lang_query('fi') }}" hreflang="fi" lang="fi"{% if lang == 'fi' %} aria-current="true"{% endif %}>
        Suomeksi</a></li>
      <li><a href="?{{ lang_query('en') }}" hreflang="en" lang="en"{% if lang == 'en' %} aria-current="true"{% endif %}>
        In English</a></li>
    </ul>
  </nav>
</header>
<main>
{% block main %}{% endblock %}
</main>
<footer>{{ t.generated }}: {{ now }} · {{ t.json }}:
  {% for name in ['runs', 'reference', 'outbound', 'catalogue'] %}
  <a href="{{ root }}/api/{{ name }}">/api/{{ name }}</a>
  {% endfor %}</footer>
</body>
</html>
"""

MACROS = """
{% macro status(value) -%}
<span class="status status-{{ value }}">{{ status_word(value) }}</span>
{%- endmacro %}


{% macro airflow_link(r, task=None) -%}
{% if airflow_root is not none %}
{% set base = airflow_root ~ '/dags/' ~ (r.dag_id | urlencode) ~ '/runs/' ~ (r.run_id | urlencode) %}
{% if task %}{% set t_id, _, mapped = task.partition('[') %}
<a href="{{ base }}/tasks/{{ t_id | urlencode }}{% if mapped %}/mapped{% endif %}" target="_top"
  class="task-log">{{ t.task_log }}</a>
{%- else %}<a href="{{ base }}" target="_top" class="airflow-run">{{ t.airflow_run }}</a>{% endif %}
{% endif %}
{%- endmacro %}

{% macro problems_list(items) -%}
<ul class="errs">
{% for e in items %}<li><code>{{ e.code }}</code>{% if e.where %} [{{ e.where }}]{% endif %}
  {% if e.field %} [{{ e.field }}]{% endif %} – {{ meaning(e.code) }}
  {% if e.detail %}<br><span class="muted">{{ t.detail }}: {{ e.detail }}</span>{% endif %}</li>
{% endfor %}</ul>
{%- endmacro %}

{% macro run_body(r, headline=True) -%}
{% set s = r.summary %}
{% if s %}
{% if headline %}<p class="headline"><strong>{{ s.headline }}</strong></p>{% endif %}
{% for f in s.failed_steps %}
<div class="cause" role="alert"><strong>{{ t.root_cause }}:</strong> {{ t.task }} <code>{{ f.task_id }}</code>
  {{ t.failed_after.format(n=f.attempts) }}: <code>{{ f.code }}</code> – {{ meaning(f.code) }}
  {% if f.detail %}<br><span class="muted">{{ t.detail }}: {{ f.detail }}</span>{% endif %}
  <br>{{ t.fix }}: {{ failed_fix(f.code) }} {{ airflow_link(r, f.task_id) }}</div>
{% endfor %}
{% if s.did_not_run %}<p class="not-run">{{ t.did_not_run }}:
  {% for step in s.did_not_run %}<code>{{ step }}</code>{{ ', ' if not loop.last }}{% endfor %}</p>{% endif %}
{% if s.kinds %}
<div class="wrap"><table class="counts">
  <caption>{{ t.counts_caption.format(flow=r.flow) }}</caption>
  <thead><tr><th scope="col">{{ t.kind }}</th>
    {% for c in s.columns %}<th scope="col" class="num">{{ column_word(c) }}</th>{% endfor %}</tr></thead>
  <tbody>
  {% for k in s.kinds %}<tr><th scope="row">{{ k.kind }}</th>
    {% for c in s.columns %}<td class="num">{{ k.counts.get(c, 0) }}</td>{% endfor %}</tr>
  {% endfor %}
  </tbody>
</table></div>
{% endif %}
{% if s.errors %}<h4>{{ t.errors }} ({{ s.errors | length }})</h4>{{ problems_list(s.errors) }}{% endif %}
{% if s.notices %}<h4>{{ t.notices }} ({{ s.notices | length }})</h4>{{ problems_list(s.notices) }}{% endif %}
{% elif r.errors %}{{ problems_list(r.errors) }}
{% else %}<p class="muted">{{ t.no_summary }}</p>
{% endif %}
{% if r.retries %}<h4>{{ t.retries }}</h4><ul class="errs">
{% for x in r.retries %}<li><code>{{ x.step }}</code>:
  {{ t.tries_failed.format(tries=x.tries | join(', ') or '?') }}:
  {% for c in x.codes %}<code>{{ c }}</code>{{ ', ' if not loop.last }}{% endfor %}
  {% if s and x.step not in s.failed_steps | map(attribute='task_id') %}
  – {{ t.then_succeeded.format(n=x.attempts + 1) }}{% endif %}
  {{ airflow_link(r, x.step) }}</li>
{% endfor %}</ul>{% endif %}
{%- endmacro %}

{% macro codes_table(entries, caption) -%}
<div class="wrap"><table>
  <caption>{{ caption }}</caption>
  <thead><tr><th scope="col">{{ t.code }}</th><th scope="col">{{ t.meaning }}</th><th scope="col">{{ t.fix }}</th>
    <th scope="col">{{ t.where }}</th></tr></thead>
  <tbody>
  {% for e in entries %}
    <tr><th scope="row">
      <a href="{{ root }}/catalogue?lang={{ lang }}&amp;code={{ e.code | urlencode }}"><code>{{ e.code }}</code></a>
      {% if not e.catalogued %}<br><span class="muted">({{ t.not_catalogued }})</span>{% endif %}</th>
      <td>{{ e[lang] }}</td><td>{{ e['fix_' + lang] }}</td><td>{{ where_word(e.fix_where) }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>
{%- endmacro %}
"""

OVERVIEW = (
    """
{% extends "base.html" %}
{% block main %}
"""
    + MACROS
    + """
{% if unavailable %}
<section class="error-box" role="alert"><h2>{{ t.unavailable }}</h2><p><code>{{ unavailable }}</code></p></section>
{% else %}

<section id="latest" aria-labelledby="latest-h">
<h2 id="latest-h">{{ t.latest }}</h2>
{% if not runs %}
<p class="empty">{{ t.runs_empty }}</p>
{% else %}
{% for r in latest %}
<article class="run run-{{ r.status }}" id="run-{{ r.dag_id }}-{{ r.run_id }}" aria-labelledby="latest-{{ r.id }}">
  <h3 id="latest-{{ r.id }}">{{ r.flow }} {{ status(r.status) }}</h3>
  <p class="muted links"><code>{{ r.dag_id }}</code> · <code>{{ r.run_id }}</code> · {{ r.started_at | when }}
    · {{ r.duration_seconds | duration }} {{ airflow_link(r) }}</p>
  {{ run_body(r) }}
</article>
{% endfor %}
{% endif %}
</section>

<section id="runs" aria-labelledby="runs-h">
<h2 id="runs-h">{{ t.runs }}</h2>
{% if runs %}
<p class="muted">{{ t.runs_intro }}</p>
<div class="wrap"><table>
  <thead><tr>
    <th scope="col">{{ t.started }}</th><th scope="col">{{ t.flow }}</th><th scope="col">{{ t.dag_run }}</th>
    <th scope="col">{{ t.status }}</th><th scope="col">{{ t.finished }}</th>
    <th scope="col" class="num">{{ t.duration }}</th><th scope="col">{{ t.details }}</th>
  </tr></thead>
  <tbody>
  {% for r in runs %}
    <tr{% if r.id not in latest_ids %} id="run-{{ r.dag_id }}-{{ r.run_id }}"{% endif %}>
      <td class="time">{{ r.started_at | when }}</td>
      <th scope="row">{{ r.flow }}</th>
      <td><code>{{ r.dag_id }}</code><br><code>{{ r.run_id }}</code><br>{{ airflow_link(r) }}</td>
      <td>{{ status(r.status) }}</td>
      <td class="time">{{ r.finished_at | when }}</td>
      <td class="num">{{ r.duration_seconds | duration }}</td>
      <td class="headline-cell">{{ r.summary.headline if r.summary else t.none }}</td>
    </tr>
    <tr class="run-detail"><td colspan="7"><details><summary>{{ t.show }}</summary>
      {{ run_body(r, headline=False) }}</details></td></tr>
  {% endfor %}
  </tbody>
</table></div>
{% endif %}
</section>

<section id="reference" aria-labelledby="reference-h">
<h2 id="reference-h">{{ t.reference }}</h2>
{% if not reference %}
<p class="empty">{{ t.reference_empty }}</p>
{% else %}
<div class="wrap"><table>
  <thead><tr><th scope="col">{{ t.kind }}</th><th scope="col" class="num">{{ t['items'] }}</th>
    <th scope="col">{{ t.fetched_at }}</th><th scope="col" class="num">{{ t.added }}</th>
    <th scope="col" class="num">{{ t.changed }}</th><th scope="col" class="num">{{ t.removed }}</th>
    <th scope="col" class="num">{{ t.snapshot_id }}</th>
    <th scope="col" class="num">{{ t.snapshots_kept }}</th></tr></thead>
  <tbody>
  {% for s in reference %}
    <tr><th scope="row">{{ s.kind }}</th><td class="num">{{ s['items'] }}</td><td>{{ s.fetched_at | when }}</td>
      <td class="num">{{ s.added }}</td><td class="num">{{ s.changed }}</td><td class="num">{{ s.removed }}</td>
      <td class="num">{{ s.snapshot_id }}</td><td class="num">{{ s.snapshots_kept }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>
{% endif %}
</section>

<section id="outbound" aria-labelledby="outbound-h">
<h2 id="outbound-h">{{ t.outbound }}</h2>
{% if not outbound.total %}
<p class="empty">{{ t.outbound_empty }}</p>
{% else %}
<div class="wrap"><table>
  <thead><tr><th scope="col">{{ t.source_type }}</th><th scope="col">{{ t.state }}</th>
    <th scope="col" class="num">{{ t.count }}</th></tr></thead>
  <tbody>
  {% for row in outbound.by_source_type_and_state %}
    <tr><th scope="row">{{ row.source_type }}</th><td><code>{{ row.state }}</code></td>
      <td class="num">{{ row.count }}</td></tr>
  {% endfor %}
  </tbody>
  <tfoot><tr><th scope="row" colspan="2">{{ t.total }}</th><td class="num">{{ outbound.total }}</td></tr></tfoot>
</table></div>

<h3 id="attention">{{ t.attention }}</h3>
<p class="muted">{{ t.attention_intro }}</p>
{% if not outbound.attention %}
<p class="empty">{{ t.attention_empty }}</p>
{% else %}
<div class="wrap"><table>
  <thead><tr><th scope="col" class="num">{{ t.doc_id }}</th><th scope="col">{{ t.source_type }}</th>
    <th scope="col">{{ t.taimer_number }}</th><th scope="col">{{ t.source_id }}</th><th scope="col">{{ t.state }}</th>
    <th scope="col">{{ t.flags }}</th><th scope="col">{{ t.errors }}</th>
    <th scope="col" class="num">{{ t.attempts }}</th>
    <th scope="col">{{ t.updated }}</th></tr></thead>
  <tbody>
  {% for d in outbound.attention %}
    <tr><td class="num">{{ d.id }}</td><td>{{ d.source_type }}</td><th scope="row">{{ d.taimer_number or t.none }}</th>
      <td><code>{{ d.source_id }}</code></td><td><code>{{ d.state }}</code></td>
      <td>{% if d.changed_after_send %}{{ t.changed_after_send }}{% endif %}
        {% if d.changed_after_send and d.lookup_required %}<br>{% endif %}
        {% if d.lookup_required %}{{ t.lookup_required }}{% endif %}
        {% if not d.changed_after_send and not d.lookup_required %}{{ t.none }}{% endif %}</td>
      <td class="errcell">{% if d.errors or d.last_error_code %}<ul class="errs">
        {% for e in d.errors %}<li><code>{{ e.code }}</code>{% if e.field %} [{{ e.field }}]{% endif %}
          – {{ meaning(e.code) }}
          {% if e.detail %}<br><span class="muted">{{ t.detail }}: {{ e.detail }}</span>{% endif %}
          </li>{% endfor %}
        {% if d.last_error_code and d.last_error_code not in d.errors | map(attribute='code') %}
          <li><code>{{ d.last_error_code }}</code> – {{ meaning(d.last_error_code) }}
          {% if d.last_error_detail %}
          <br><span class="muted">{{ t.detail }}: {{ d.last_error_detail }}</span>{% endif %}
          </li>{% endif %}
        </ul>{% else %}{{ t.none }}{% endif %}</td>
      <td class="num">{{ d.attempt_count }}</td><td>{{ d.updated_at | when }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>
{% endif %}
{% endif %}
</section>

{% if explained %}
<section id="codes" aria-labelledby="codes-h">
<h2 id="codes-h">{{ t.codes_on_page }}</h2>
{{ codes_table(explained, t.codes_on_page_intro) }}
</section>
{% endif %}
{% endif %}
{% endblock %}
"""
)

CATALOGUE = """
{% extends "base.html" %}
{% block main %}
<h2>{{ t.catalogue }}</h2>
<p class="muted">{{ t.catalogue_intro }}</p>
<form method="get" action="{{ root }}/catalogue" role="search">
  <input type="hidden" name="lang" value="{{ lang }}">
  <label for="code">{{ t.search_code }}</label>
  <input id="code" name="code" value="{{ code or '' }}" maxlength="64" autocomplete="off">
  <button type="submit">{{ t.search }}</button>
  {% if code %}<a href="{{ root }}/catalogue?lang={{ lang }}">{{ t.show_all }}</a>{% endif %}
</form>
<div class="wrap"><table>
  <caption>{{ t.n_codes.format(n=entries | length) }}</caption>
  <thead><tr><th scope="col">{{ t.code }}</th><th scope="col" lang="fi">{{ t.meaning_fi }}</th>
    <th scope="col" lang="en">{{ t.meaning_en }}</th><th scope="col">{{ t.fix }}</th><th scope="col">{{ t.where }}</th>
    <th scope="col">{{ t.retryable }}</th></tr></thead>
  <tbody>
  {% for e in entries %}
    <tr id="code-{{ e.code }}"><th scope="row"><code>{{ e.code }}</code></th><td lang="fi">{{ e.fi }}</td>
      <td lang="en">{{ e.en }}</td><td>{{ e['fix_' + lang] }}</td><td>{{ where_word(e.fix_where) }}</td>
      <td>{{ t.yes if e.retryable else t.no }}</td></tr>
  {% endfor %}
  </tbody>
</table></div>
{% endblock %}
"""

TEMPLATES: dict[str, str] = {"base.html": BASE, "overview.html": OVERVIEW, "catalogue.html": CATALOGUE}
