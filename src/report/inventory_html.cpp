// The self-contained HTML inventory report: the page skeleton, summary cards and the embedded
// JSON data are written here; the inline script draws the charts, table and detail view from it.
#include "src/report/inventory_html.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "src/inventory/policies.h"
#include "src/report/json_writer.h"

namespace sprawl {
namespace {

extern const char* const kStyle;
extern const char* const kScript;

/// JSON made safe inside <script>: '<', '>' and '&' only occur inside JSON strings, where their
/// \u escapes mean the same thing, so "</script>" or "<!--" in any identity text cannot end the block.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size() + json.size() / 16);
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

std::string data_json(const std::vector<InventoryEntry>& entries, const std::string& now) {
  std::string out;
  JsonWriter json(out);
  json.begin_object().field("generated_at", now).field("sprawl_version", SPRAWL_VERSION);
  json.key("rows").begin_array();
  std::map<std::string, std::string> remediation;
  for (const auto& e : entries) {
    const auto age = age_in_days(e.identity->first_seen, now);
    json.begin_object().field("age_days", static_cast<std::int64_t>(age ? *age : -1)).key("identity");
    write_identity_json(json, e);
    json.end_object();
    remediation.emplace(e.identity->provider, remediation_for(e.identity->provider));
  }
  json.end_array().key("remediation").begin_object();
  for (const auto& [provider, steps] : remediation) json.field(provider, steps);
  json.end_object().end_object();
  return out;
}

std::string card(const std::string& id, std::size_t value, const std::string& label, const std::string& sub,
                 const std::string& extra_class = "") {
  return fmt::format(
      "<div class=\"card{}\" id=\"{}\"><div class=\"value\">{}</div><div class=\"label\">{}</div>"
      "<div class=\"sub\">{}</div></div>\n",
      extra_class.empty() ? "" : " " + extra_class, id, value, html_escape(label), html_escape(sub));
}

std::string summary_cards(const std::vector<InventoryEntry>& entries) {
  std::size_t valid = 0, checked = 0, present = 0, high = 0, flagged = 0, revoked_valid = 0;
  std::map<std::string, std::size_t> per_policy;  // "NHI2 leaked" → identities
  for (const auto& e : entries) {
    const Identity& i = *e.identity;
    valid += i.validity == "valid";
    checked += !i.validity.empty();
    present += i.present;
    high += i.risk >= 70;
    revoked_valid += revoked_but_valid(e);
    for (const auto& p : i.policies) ++per_policy[p.id + " " + p.name];
    flagged += std::any_of(i.policies.begin(), i.policies.end(), [](const PolicyFlag& p) { return p.id != "NHI2"; });
  }
  std::string breakdown;
  for (const auto& [policy, n] : per_policy)
    breakdown += fmt::format("{}{} ×{}", breakdown.empty() ? "" : " · ", policy, n);
  std::string out = card("card-identities", entries.size(), "identities", "one per credential");
  out += card("card-valid", valid, "valid", fmt::format("{} of {} checked live", valid, checked));
  out += card("card-present", present, "present at HEAD",
              fmt::format("{} only in history or deleted layers", entries.size() - present));
  out +=
      card("card-high-risk", high, "high risk (≥ 70)", "risk 0–100, reasons in the detail view", high ? "alert" : "");
  out += card("card-policies", per_policy.size(), "policies breached",
              breakdown.empty() ? "none" : breakdown + fmt::format(" — {} beyond NHI2", flagged));
  if (revoked_valid)
    out += card("card-revoked-valid", revoked_valid, "revoked but still valid",
                "triaged as revoked or rotated, yet a live check accepted it", "alert");
  return out;
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string render_inventory_html(const std::vector<InventoryEntry>& entries, const std::string& now) {
  std::string out = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>sprawl — NHI inventory</title>
<style>)";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<header><h1>NHI inventory</h1>";
  out += fmt::format("<p class=\"meta\">sprawl {} · generated {} · {} identit{}</p></header>\n",
                     html_escape(SPRAWL_VERSION), html_escape(now), entries.size(), entries.size() == 1 ? "y" : "ies");
  out += "<section id=\"cards\">\n" + summary_cards(entries) + "</section>\n";
  out += R"(<section id="charts">
<figure class="chart" id="chart-provider"><figcaption>By provider</figcaption></figure>
<figure class="chart" id="chart-type"><figcaption>By NHI type</figcaption></figure>
<figure class="chart" id="chart-age"><figcaption>By age (first seen)</figcaption></figure>
<figure class="chart" id="chart-risk"><figcaption>By risk</figcaption></figure>
</section>
<section id="controls">
<input id="filter" type="search" placeholder="Filter: id, provider, identifier, owner, path, policy…" aria-label="Filter">
<select id="provider-filter" aria-label="Provider"><option value="">All providers</option></select>
<select id="validity-filter" aria-label="Validity"><option value="">Any validity</option></select>
<span id="row-count"></span>
</section>
<main>
<div id="table-wrap"><table id="identity-table"><thead></thead><tbody></tbody></table></div>
<aside id="detail" hidden></aside>
</main>
<noscript><p>The table, charts and detail view need JavaScript; <code>sprawl inventory --format csv</code> gives the same rows.</p></noscript>
<script type="application/json" id="inventory-data">)";
  out += script_safe(data_json(entries, now));
  out += "</script>\n<script>";
  out += kScript;
  out += "</script>\n</body>\n</html>\n";
  return out;
}

namespace {

const char* const kStyle = R"CSS(
:root { --fg: #1d2430; --muted: #5b6575; --line: #d9dee6; --bg: #f6f7f9; --accent: #2f6fdb; --alert: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; padding: 16px 24px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header h1 { margin: 0; font-size: 22px; }
.meta { margin: 2px 0 12px; color: var(--muted); }
#cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 170px; flex: 1; }
.card .value { font-size: 28px; font-weight: 600; }
.card .label { font-weight: 600; }
.card .sub { color: var(--muted); font-size: 12px; }
.card.alert .value { color: var(--alert); }
#charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 12px; margin: 0 0 16px; }
.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.chart figcaption { font-weight: 600; margin-bottom: 4px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { font-size: 11px; fill: var(--fg); }
.chart rect.bar { fill: var(--accent); }
.chart g.clickable { cursor: pointer; }
.chart rect.bar.high { fill: var(--alert); }
.chart rect.bar.elevated { fill: #e08a1e; }
.chart rect.bar.medium { fill: #d6b21f; }
.chart rect.bar.low { fill: #4c9a52; }
#controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; flex-wrap: wrap; }
#filter { flex: 1; min-width: 240px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
select { padding: 5px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
#row-count { color: var(--muted); }
main { display: flex; gap: 12px; align-items: flex-start; }
#table-wrap { flex: 1; overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { cursor: pointer; user-select: none; background: #eef1f5; position: sticky; top: 0; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.identifier { max-width: 280px; overflow: hidden; text-overflow: ellipsis; }
tbody tr { cursor: pointer; }
tbody tr:hover { background: #f0f4fb; }
tbody tr.selected { background: #dde8fb; }
.risk-high { color: var(--alert); font-weight: 600; }
.validity-valid { color: var(--alert); font-weight: 600; }
#detail { width: 400px; flex: none; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; position: sticky; top: 8px; max-height: 95vh; overflow: auto; }
#detail h2 { font-size: 16px; margin: 0 0 6px; word-break: break-all; }
#detail h3 { font-size: 14px; margin: 12px 0 4px; }
#detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0; }
#detail dt { color: var(--muted); }
#detail dd { margin: 0; word-break: break-all; }
#detail ul, #detail ol { margin: 0; padding-left: 18px; }
#detail li { margin-bottom: 4px; word-break: break-all; }
#detail .sub { color: var(--muted); font-size: 12px; }
#detail-close { float: right; border: none; background: none; font-size: 18px; cursor: pointer; }
.warning { color: var(--alert); font-weight: 600; }
)CSS";

const char* const kScript = R"JS(
'use strict';
(function () {
  const started = performance.now();
  const data = JSON.parse(document.getElementById('inventory-data').textContent);
  const rows = data.rows;
  const byId = new Map(rows.map(r => [r.identity.id, r]));
  const defaults = { filter: '', provider: '', validity: '', sort: 'risk', dir: 'desc', detail: '' };
  const state = Object.assign({}, defaults);
  const $ = id => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  const validityOf = i => i.validity || 'not checked';
  function ageBucket(days) {
    if (days < 0) return 'unknown';
    if (days < 30) return '< 30 d';
    if (days < 90) return '30–90 d';
    if (days <= 365) return '90–365 d';
    return '> 365 d';
  }
  function riskBucket(risk) {
    if (risk >= 70) return 'high ≥ 70';
    if (risk >= 50) return 'elevated 50–69';
    if (risk >= 25) return 'medium 25–49';
    return 'low < 25';
  }

  const columns = [
    { key: 'id', label: 'ID', get: r => r.identity.id },
    { key: 'risk', label: 'Risk', num: true, get: r => r.identity.risk },
    { key: 'provider', label: 'Provider', get: r => r.identity.provider },
    { key: 'type', label: 'Type', get: r => r.identity.nhi_type },
    { key: 'identifier', label: 'Identifier', get: r => r.identity.identifier },
    { key: 'validity', label: 'Validity', get: r => validityOf(r.identity) },
    { key: 'present', label: 'At HEAD', get: r => (r.identity.present ? 'present' : 'history') },
    { key: 'age', label: 'Age (d)', num: true, get: r => r.age_days },
    { key: 'owner', label: 'Owner', get: r => (r.identity.owner ? r.identity.owner.name : '') },
    { key: 'env', label: 'Env', get: r => r.identity.environments.join(', ') },
    { key: 'policies', label: 'Policies', get: r => r.identity.policies.map(p => p.id).join(' ') },
    { key: 'locations', label: 'Locs', num: true, get: r => r.identity.locations.length },
  ];
  const searchText = new Map(rows.map(r => {
    const i = r.identity;
    const parts = [i.id, i.provider, i.nhi_type, i.identifier, validityOf(i), i.owner ? i.owner.name : '',
      i.environments.join(' '), i.policies.map(p => p.id + ' ' + p.name).join(' '),
      i.locations.map(l => (l.repository || '') + ' ' + l.path).join(' '), i.triage ? i.triage.status : ''];
    return [i.id, parts.join(' ').toLowerCase()];
  }));

  function readHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    for (const key of Object.keys(defaults)) state[key] = params.get(key) || defaults[key];
  }
  function writeHash() {
    const params = new URLSearchParams();
    for (const key of Object.keys(defaults)) if (state[key] !== defaults[key]) params.set(key, state[key]);
    const hash = params.toString();
    try { history.replaceState(null, '', hash ? '#' + hash : location.pathname + location.search); } catch (e) { /* file: URLs in some browsers */ }
  }

  function barChart(id, counts, classOf, onClick) {
    const figure = $(id);
    const old = figure.querySelector('svg');
    if (old) old.remove();
    const rowHeight = 22, labelWidth = 110, width = 300, barMax = width - labelWidth - 36;
    const max = Math.max(1, ...counts.map(c => c[1]));
    const chart = svg('svg', { viewBox: `0 0 ${width} ${Math.max(1, counts.length) * rowHeight}`, role: 'img' });
    counts.forEach(([label, n], k) => {
      const g = svg('g', { transform: `translate(0,${k * rowHeight})`, class: 'bar-row' + (onClick ? ' clickable' : ''), 'data-label': label });
      g.appendChild(svg('text', { x: 0, y: 15 }, label.length > 16 ? label.slice(0, 15) + '…' : label));
      const w = n ? Math.max(2, Math.round((n / max) * barMax)) : 0;
      g.appendChild(svg('rect', { class: 'bar ' + (classOf ? classOf(label) : ''), x: labelWidth, y: 3, width: w, height: rowHeight - 6, rx: 2 }));
      g.appendChild(svg('text', { x: labelWidth + w + 5, y: 15, class: 'count' }, n));
      g.appendChild(svg('title', {}, `${label}: ${n}`));
      if (onClick) g.addEventListener('click', () => onClick(label));
      chart.appendChild(g);
    });
    figure.appendChild(chart);
  }
  function countBy(get, fixedOrder) {
    const counts = new Map((fixedOrder || []).map(k => [k, 0]));
    for (const r of rows) counts.set(get(r), (counts.get(get(r)) || 0) + 1);
    const list = [...counts.entries()];
    if (!fixedOrder) list.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    return list;
  }
  function drawCharts() {
    barChart('chart-provider', countBy(r => r.identity.provider), null, p => { state.provider = p; update(); });
    barChart('chart-type', countBy(r => r.identity.nhi_type));
    const ages = ['< 30 d', '30–90 d', '90–365 d', '> 365 d'];
    if (rows.some(r => r.age_days < 0)) ages.push('unknown');
    barChart('chart-age', countBy(r => ageBucket(r.age_days), ages));
    barChart('chart-risk', countBy(r => riskBucket(r.identity.risk), ['high ≥ 70', 'elevated 50–69', 'medium 25–49', 'low < 25']),
      label => label.split(' ')[0]);
  }

  function fillSelect(id, values) {
    const select = $(id);
    for (const v of [...new Set(values)].sort()) select.appendChild(el('option', { value: v }, v));
  }

  function drawHeader() {
    const tr = el('tr');
    for (const c of columns) {
      const th = el('th', { 'data-key': c.key, scope: 'col' }, c.label);
      th.addEventListener('click', () => {
        state.dir = state.sort === c.key && state.dir === (c.num ? 'desc' : 'asc') ? (c.num ? 'asc' : 'desc') : (c.num ? 'desc' : 'asc');
        state.sort = c.key;
        update();
      });
      tr.appendChild(th);
    }
    document.querySelector('#identity-table thead').appendChild(tr);
  }

  function visibleRows() {
    const needle = state.filter.trim().toLowerCase();
    const shown = rows.filter(r => (!state.provider || r.identity.provider === state.provider) &&
      (!state.validity || validityOf(r.identity) === state.validity) &&
      (!needle || searchText.get(r.identity.id).includes(needle)));
    const column = columns.find(c => c.key === state.sort) || columns[1];
    const sign = state.dir === 'asc' ? 1 : -1;
    shown.sort((a, b) => {
      const x = column.get(a), y = column.get(b);
      const order = column.num ? x - y : String(x).localeCompare(String(y));
      return sign * order || a.identity.id.localeCompare(b.identity.id);
    });
    return shown;
  }

  function drawTable() {
    const tbody = document.querySelector('#identity-table tbody');
    const shown = visibleRows();
    const fragment = document.createDocumentFragment();
    for (const r of shown) {
      const i = r.identity;
      const tr = el('tr', { 'data-id': i.id, tabindex: '0' });
      if (i.id === state.detail) tr.classList.add('selected');
      for (const c of columns) {
        const td = el('td', { class: c.key + (c.num ? ' num' : '') }, c.get(r));
        if (c.key === 'risk' && i.risk >= 70) td.classList.add('risk-high');
        if (c.key === 'validity') td.classList.add('validity-' + validityOf(i).replace(/[^a-z_]/g, '_'));
        tr.appendChild(td);
      }
      fragment.appendChild(tr);
      tr.addEventListener('click', () => { state.detail = i.id; update(); });
      tr.addEventListener('keydown', e => { if (e.key === 'Enter') { state.detail = i.id; update(); } });
    }
    tbody.replaceChildren(fragment);
    $('row-count').textContent = `${shown.length} of ${rows.length} identities`;
    for (const th of document.querySelectorAll('#identity-table th')) {
      if (th.dataset.key === state.sort) th.setAttribute('aria-sort', state.dir === 'asc' ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
  }

  function section(panel, title, id, items, render, ordered) {
    panel.appendChild(el('h3', {}, title));
    const list = el(ordered ? 'ol' : 'ul', { id: id });
    for (const item of items) list.appendChild(render(item));
    if (!items.length) list.appendChild(el('li', { class: 'none' }, 'none'));
    panel.appendChild(list);
  }
  function locationItem(l) {
    const li = el('li', { class: 'location' + (l.present ? ' present' : ' history') });
    li.appendChild(el('span', { class: 'path' }, (l.repository ? l.repository + ' ' : '') + l.path + ':' + l.line));
    li.appendChild(document.createTextNode(' [' + (l.present ? 'present' : 'history') + (l.environment ? ', ' + l.environment : '') + ']'));
    const sub = [l.rule_id];
    if (l.commit) sub.push(`commit ${l.commit.slice(0, 12)} ${l.commit_date} ${l.author}`);
    if (l.image) sub.push(`image ${l.image} layer ${l.layer_digest}`);
    if (l.archive_members) sub.push('in ' + l.archive_members.join(' → '));
    li.appendChild(el('div', { class: 'sub' }, sub.join(' · ')));
    return li;
  }
  function drawDetail() {
    const panel = $('detail');
    const r = byId.get(state.detail);
    panel.replaceChildren();
    panel.hidden = !state.detail;
    if (!state.detail) return;
    panel.dataset.id = state.detail;
    const close = el('button', { id: 'detail-close', title: 'Close', 'aria-label': 'Close' }, '×');
    close.addEventListener('click', () => { state.detail = ''; update(); });
    panel.appendChild(close);
    if (!r) { panel.appendChild(el('h2', { id: 'detail-title' }, `No identity ${state.detail} in this report`)); return; }
    const i = r.identity;
    panel.appendChild(el('h2', { id: 'detail-title' }, `${i.id} · ${i.provider} · risk ${i.risk}`));
    if (i.revoked_but_valid) panel.appendChild(el('p', { class: 'warning' }, `Triaged as ${i.triage.status} but a live check found it still valid`));
    const facts = [['Type', i.nhi_type], ['Identifier', i.identifier || '-'],
      ['Validity', validityOf(i) + (i.validity_checked_at ? ` (checked ${i.validity_checked_at})` : '')],
      ['First seen', `${i.first_seen} (${r.age_days < 0 ? '?' : r.age_days} days ago)`], ['Last seen', i.last_seen],
      ['Presence', i.present ? 'still present' : 'history only'],
      ['Owner', i.owner ? `${i.owner.name} (from ${i.owner.source})` : '-'], ['Environments', i.environments.join(', ') || '-']];
    for (const [k, v] of Object.entries(i.attributes)) facts.push([k, v]);
    for (const p of i.previews || []) facts.push(['Secret (redacted)', p]);
    if (i.triage) facts.push(['Triage', i.triage.status + (i.triage.note ? ' — ' + i.triage.note : '')]);
    const dl = el('dl', { id: 'detail-facts' });
    for (const [k, v] of facts) { dl.appendChild(el('dt', {}, k)); dl.appendChild(el('dd', {}, v)); }
    panel.appendChild(dl);
    section(panel, `Risk ${i.risk}`, 'detail-risk', i.risk_reasons, t => el('li', {}, t));
    section(panel, 'Policies', 'detail-policies', i.policies, p => {
      const li = el('li', { class: 'flag', 'data-policy': p.id });
      li.appendChild(el('b', {}, `${p.id} ${p.name}`));
      li.appendChild(document.createTextNode(' — ' + p.evidence));
      return li;
    });
    section(panel, `Locations (${i.locations.length})`, 'detail-locations', i.locations, locationItem, true);
    panel.appendChild(el('h3', {}, 'Remediation'));
    panel.appendChild(el('p', { id: 'detail-remediation' }, data.remediation[i.provider] || ''));
  }

  function update() {
    writeHash();
    $('filter').value = state.filter;
    $('provider-filter').value = state.provider;
    $('validity-filter').value = state.validity;
    drawTable();
    drawDetail();
  }

  fillSelect('provider-filter', rows.map(r => r.identity.provider));
  fillSelect('validity-filter', rows.map(r => validityOf(r.identity)));
  drawHeader();
  drawCharts();
  $('filter').addEventListener('input', e => { state.filter = e.target.value; update(); });
  $('provider-filter').addEventListener('change', e => { state.provider = e.target.value; update(); });
  $('validity-filter').addEventListener('change', e => { state.validity = e.target.value; update(); });
  document.addEventListener('keydown', e => { if (e.key === 'Escape' && state.detail) { state.detail = ''; update(); } });
  window.addEventListener('hashchange', () => { readHash(); update(); });
  readHash();
  update();
  document.body.dataset.renderMs = Math.round(performance.now() - started);  // first draw, for benchmarks
})();
)JS";

}  // namespace
}  // namespace sprawl
