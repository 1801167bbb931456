/**
 * The dashboard's script (served as /dashboard/assets/app.js): plain browser JavaScript, kept in a
 * TypeScript string so tsc ships it in dist/ with the rest. It picks the page from the path, reads
 * the API with the key kept in this browser's localStorage (asked for only when the service
 * answers 401), follows the live alert feed over server-sent events (read with fetch so the key
 * travels in a header, never in a URL), and draws its charts as inline SVG.
 */
import { SEED_EXAMPLE } from './seed-example.js';

export const DASHBOARD_JS = String.raw`
'use strict';
const page = document.getElementById('page');
const SEED_EXAMPLE = ${JSON.stringify(SEED_EXAMPLE)};
function key() { return localStorage.getItem('netsentinel-key') || ''; }
function headers(extra) { const h = Object.assign({}, extra || {}); if (key()) h.Authorization = 'Bearer ' + key(); return h; }
function askKey() { const f = document.getElementById('keyform'); f.hidden = false; }
document.getElementById('keyform').addEventListener('submit', function (e) { e.preventDefault(); localStorage.setItem('netsentinel-key', document.getElementById('key').value.trim()); location.reload(); });
async function api(path, opts) {
  const r = await fetch(path, Object.assign({}, opts || {}, { headers: headers((opts || {}).headers) }));
  if (r.status === 401) { askKey(); throw new Error('this service needs an API key'); }
  const body = await r.json().catch(function () { return {}; });
  if (!r.ok) { const e = new Error(body.error || ('HTTP ' + r.status)); e.status = r.status; throw e; }
  return body;
}
function el(tag, attrs, children) {
  const e = document.createElement(tag);
  for (const k in (attrs || {})) { if (k === 'text') e.textContent = attrs[k]; else e.setAttribute(k, attrs[k]); }
  for (const c of (children || [])) e.append(c);
  return e;
}
function section(title, wide) { const s = el('section', wide ? { class: 'wide' } : {}, [el('h2', { text: title })]); page.append(s); return s; }
function fmt(x, d) { return x === null || x === undefined ? '' : Number(x).toFixed(d === undefined ? 3 : d); }
function table(cols, rows) {
  const t = el('table', {}, [el('thead', {}, [el('tr', {}, cols.map(function (c) { return el('th', { text: c }); }))])]);
  const tb = el('tbody'); t.append(tb);
  for (const r of rows) tb.append(r);
  return t;
}
function ipLink(ip) { return ip ? el('a', { href: '/dashboard/ip/' + encodeURIComponent(ip), text: ip }) : ''; }
function alertRow(a) {
  return el('tr', { 'data-id': String(a.id) }, [el('td', { text: a.timestamp }), el('td', { class: 'sev' + a.severity, text: String(a.severity) }), el('td', { text: a.signature }),
    el('td', {}, [ipLink(a.srcIp)]), el('td', { text: (a.destIp || '') + (a.destPort !== null && a.destPort !== undefined ? ':' + a.destPort : '') }),
    el('td', { class: 'num', text: fmt(a.risk, 4) }), el('td', { class: 'reasons', text: (a.reasons || []).join('; ') })]);
}
const ALERT_COLS = ['time', 'sev', 'signature', 'source', 'destination', 'risk', 'reasons'];

// live feed: server-sent events read with fetch (the key goes in a header)
const liveHandlers = [];
async function follow() {
  const badge = document.getElementById('live');
  // the id of the last alert seen: a reconnect sends it, and the service first sends what was
  // stored meanwhile (as EventSource does; without it those alerts never showed)
  let lastId = '';
  for (;;) {
    try {
      const r = await fetch('/v1/alerts/stream', { headers: headers(lastId ? { 'Last-Event-ID': lastId } : {}) });
      if (r.status === 401) { askKey(); badge.textContent = 'live: needs a key'; return; }
      badge.textContent = 'live'; badge.classList.remove('off');
      const reader = r.body.getReader(); const dec = new TextDecoder(); let buf = '';
      for (;;) {
        const x = await reader.read(); if (x.done) break;
        buf += dec.decode(x.value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i); buf = buf.slice(i + 2);
          const id = /(^|\n)id: (\d+)/.exec(ev); if (id) lastId = id[2];
          const data = ev.split('\n').filter(function (l) { return l.startsWith('data: '); }).map(function (l) { return l.slice(6); }).join('\n');
          if (data && /(^|\n)event: alert/.test(ev)) { const a = JSON.parse(data); for (const h of liveHandlers) h(a); }
        }
      }
    } catch (e) { /* reconnect below */ }
    badge.textContent = 'live: reconnecting'; badge.classList.add('off');
    await new Promise(function (res) { setTimeout(res, 2000); });
  }
}

function barChart(points, valueOf, labelOf, height) {
  const w = 640, h = height || 160, pad = 28; const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('viewBox', '0 0 ' + w + ' ' + (h + pad)); svg.setAttribute('width', '100%');
  const max = Math.max(1e-9, ...points.map(valueOf)); const bw = (w - pad) / Math.max(1, points.length);
  points.forEach(function (p, i) {
    const v = valueOf(p); const bh = (v / max) * (h - 10);
    const r = document.createElementNS(ns, 'rect'); r.setAttribute('x', String(pad + i * bw + 1)); r.setAttribute('y', String(h - bh)); r.setAttribute('width', String(Math.max(1, bw - 2))); r.setAttribute('height', String(bh)); r.setAttribute('fill', '#2457c5');
    const t = document.createElementNS(ns, 'title'); t.textContent = labelOf(p) + ': ' + v; r.append(t); svg.append(r);
  });
  const lab = document.createElementNS(ns, 'text'); lab.setAttribute('x', '0'); lab.setAttribute('y', '12'); lab.textContent = String(Math.round(max * 1000) / 1000); svg.append(lab);
  if (points.length) { const a = document.createElementNS(ns, 'text'); a.setAttribute('x', String(pad)); a.setAttribute('y', String(h + 18)); a.textContent = labelOf(points[0]); svg.append(a);
    const b = document.createElementNS(ns, 'text'); b.setAttribute('x', String(w - 120)); b.setAttribute('y', String(h + 18)); b.textContent = labelOf(points[points.length - 1]); svg.append(b); }
  return svg;
}
function rocChart(roc) {
  const s = 240, ns = 'http://www.w3.org/2000/svg'; const svg = document.createElementNS(ns, 'svg'); svg.setAttribute('viewBox', '0 0 ' + (s + 30) + ' ' + (s + 30)); svg.setAttribute('width', '280');
  const frame = document.createElementNS(ns, 'rect'); frame.setAttribute('x', '20'); frame.setAttribute('y', '5'); frame.setAttribute('width', String(s)); frame.setAttribute('height', String(s)); frame.setAttribute('fill', 'none'); frame.setAttribute('stroke', '#d9dde5'); svg.append(frame);
  const pl = document.createElementNS(ns, 'polyline'); pl.setAttribute('fill', 'none'); pl.setAttribute('stroke', '#2457c5'); pl.setAttribute('stroke-width', '2');
  pl.setAttribute('points', roc.fpr.map(function (f, i) { return (20 + f * s) + ',' + (5 + s - roc.tpr[i] * s); }).join(' ')); svg.append(pl);
  const t = document.createElementNS(ns, 'text'); t.setAttribute('x', '30'); t.setAttribute('y', String(s + 25)); t.textContent = 'ROC (normal vs attack), AUC ' + fmt(roc.auc); svg.append(t);
  return svg;
}

async function overview() {
  const live = section('Live alerts', true);
  const first = await api('/v1/alerts?limit=20');
  const t = table(ALERT_COLS, first.alerts.map(alertRow)); t.id = 'alerts'; live.append(t);
  const tbody = t.querySelector('tbody');
  liveHandlers.push(function (a) { if (tbody.querySelector('tr[data-id="' + a.id + '"]')) return; const r = alertRow(a); r.classList.add('new'); tbody.prepend(r); });
  const risk = section('Risk over time (alerts per hour, highest risk)');
  const tl = await api('/v1/risk/timeline?hours=168');
  if (tl.hours.length) { risk.append(barChart(tl.hours, function (p) { return p.alerts; }, function (p) { return p.hour + 'h'; })); risk.append(barChart(tl.hours, function (p) { return p.maxRisk; }, function (p) { return p.hour + 'h'; }, 80)); }
  else risk.append(el('p', { text: 'No alerts stored yet.' }));
  const top = section('Top sources');
  const src = await api('/v1/sources/top?limit=15');
  top.append(table(['source', 'alerts', 'max risk', 'last seen', 'reasons'], src.sources.map(function (s) {
    return el('tr', {}, [el('td', {}, [ipLink(s.srcIp)]), el('td', { class: 'num', text: String(s.alerts) }), el('td', { class: 'num', text: fmt(s.maxRisk, 4) }), el('td', { text: s.lastSeen }), el('td', { class: 'reasons', text: s.reasons.join('; ') })]);
  })));
}

async function ipPage(ip) {
  const info = await api('/v1/ips/' + encodeURIComponent(ip));
  const head = section('Source ' + ip, true);
  head.append(el('p', { text: info.alerts ? info.alerts + ' alerts, highest risk ' + fmt(info.maxRisk, 4) + (info.lastSeen ? ', last seen ' + info.lastSeen : '') : 'No alerts stored about this address.' }));
  const f = section('Findings');
  f.append(info.reasons.length ? el('ul', {}, info.reasons.map(function (r) { return el('li', { text: r }); })) : el('p', { text: 'No findings.' }));
  const flows = section(info.recent.length < info.alerts ? 'Flows behind its newest ' + info.recent.length + ' alerts' : 'Flows behind its alerts', true);
  flows.append(table(['time', 'destination', 'proto', 'signature', 'risk'], info.recent.map(function (a) {
    return el('tr', {}, [el('td', { text: a.timestamp }), el('td', { text: (a.destIp || '') + (a.destPort !== null ? ':' + a.destPort : '') }), el('td', { text: a.proto || '' }), el('td', { text: a.signature }), el('td', { class: 'num', text: fmt(a.risk, 4) })]);
  })));
  const dec = section('Decisions', true); dec.id = 'decisions';
  dec.append(info.decisions.length ? table(['type', 'severity', 'about', 'until', 'state', 'origin', 'reason'], info.decisions.map(function (d) {
    return el('tr', {}, [el('td', { text: d.type }), el('td', { text: d.severity }), el('td', { text: d.value }), el('td', { text: d.expires }), el('td', { text: d.active ? (d.simulated ? 'simulated' : 'active') : 'expired' }), el('td', { text: d.origin }), el('td', { class: 'reasons', text: d.reason })]);
  })) : el('p', { text: 'No decision about this address.' }));
  const ti = section('Threat intelligence'); ti.id = 'intel';
  const it = info.intel;
  if (it) {
    ti.append(el('p', { text: 'threat score ' + it.score + ', severity ' + it.severity + (it.malicious ? ', MALICIOUS' : '') + (it.answered.length ? ' (from ' + it.answered.join(', ') + ')' : ' (no source answered)') + (it.partial ? '; partial: a source did not answer' : '') }));
    if (it.indicators.length) ti.append(el('ul', {}, it.indicators.map(function (x) { return el('li', { text: x }); })));
    ti.append(table(['source', 'status', 'score', 'note'], it.sources.map(function (x) {
      return el('tr', {}, [el('td', { text: x.source }), el('td', { text: x.status }), el('td', { class: 'num', text: x.score === undefined ? '' : String(x.score) }), el('td', { class: 'reasons', text: x.reason || (x.fetchedAt ? 'cached ' + x.fetchedAt : '') })]);
    })));
  } else ti.append(el('p', { text: 'Not an address intelligence knows about.' }));
}

async function modelsPage() {
  const list = await api('/v1/models');
  if (!list.models.length) section('Models').append(el('p', { text: 'This service holds no model.' }));
  for (const m of list.models) {
    const c = await api('/v1/models/' + encodeURIComponent(m.name));
    const s = section('Model ' + c.name + ' (' + c.estimator + ', ' + c.kind + ')', true); s.classList.add('model-card');
    s.append(el('p', { text: 'Trained on ' + c.training.rows + ' rows of ' + c.trainedOn.join(', ') + ' in ' + fmt(c.training.seconds, 1) + ' s; ' + c.inputs + ' input columns' + (c.classes ? '; classes ' + c.classes.join(', ') : '') }));
    const v = c.validation || {};
    const held = v.heldOut;
    if (held) {
      const keys = Object.keys(held).filter(function (k) { return typeof held[k] === 'number'; });
      const dec = function (k) { return Number.isInteger(held[k]) ? String(held[k]) : fmt(held[k], 4); };
      s.append(el('h3', { text: 'Held-out evaluation: ' + held.how }));
      s.append(table(keys, [el('tr', {}, keys.map(function (k) { return el('td', { class: 'num', text: dec(k) }); }))]));
      if (held.confusion) {
        s.append(el('h3', { text: 'Confusion matrix (rows: true class, columns: predicted)' }));
        const cm = table([''].concat(held.classes), held.confusion.map(function (row, i) { return el('tr', {}, [el('th', { text: held.classes[i] })].concat(row.map(function (n) { return el('td', { class: 'num', text: String(n) }); }))); }));
        cm.classList.add('confusion'); s.append(cm);
      }
      if (held.roc) s.append(rocChart(held.roc));
    } else s.append(el('p', { text: 'No evaluation stored in this model file (train it with --test FILE to keep one).' }));
    if (v.crossValidation) s.append(el('pre', { text: 'cross-validation: ' + JSON.stringify(v.crossValidation) }));
  }
}

async function blobUrl(path) {
  const r = await fetch(path, { headers: headers() });
  if (!r.ok) throw new Error('HTTP ' + r.status);
  return URL.createObjectURL(await r.blob());
}

async function runsPage() {
  const an = await api('/v1/analyses');
  for (const a of an.analyses.slice(0, 5)) {
    const s = section('Analysis of ' + a.input + ' (' + a.finishedAt + ')', true); s.classList.add('analysis');
    s.append(el('p', { text: a.flows + ' flows, ' + a.riskyFlows + ' risky flows, ' + a.riskySources + ' risky sources' }));
    if (a.files['risk_scores.png']) { const img = el('img', { alt: 'risk scores', style: 'max-width:100%' }); img.src = await blobUrl(a.files['risk_scores.png']); s.append(img); }
    const links = el('p');
    for (const f of Object.keys(a.files)) { const l = el('a', { href: '#', text: f }); l.addEventListener('click', async function (e) { e.preventDefault(); window.open(await blobUrl(a.files[f]), '_blank'); }); links.append(l, ' '); }
    s.append(links);
  }
  const r = await api('/v1/runs?limit=50');
  const s = section('Analyses stored', true);
  if (!r.runs.length) { s.append(el('p', { text: 'No analysis stored yet (netsentinel analyze ... --store, or POST /v1/alerts).' })); return; }
  s.append(barChart(r.runs.slice().reverse(), function (x) { return x.alerts; }, function (x) { return '#' + x.id; }));
  s.append(table(['run', 'finished', 'inputs', 'flows', 'alerts'], r.runs.map(function (x) {
    return el('tr', {}, [el('td', { text: '#' + x.id }), el('td', { text: x.finishedAt }), el('td', { text: x.inputs.join(', ') }), el('td', { class: 'num', text: String(x.flows) }), el('td', { class: 'num', text: String(x.alerts) })]);
  })));
}

function classifyPage() {
  const s = section('Try POST /classify (seed 004)', true);
  const form = el('form', { class: 'classify', id: 'classify' });
  for (const k of Object.keys(SEED_EXAMPLE)) form.append(el('label', {}, [k, el('input', { name: k, value: String(SEED_EXAMPLE[k]) })]));
  form.append(el('button', { type: 'submit', text: 'Classify' }));
  const out = el('div', { class: 'answer', id: 'answer' });
  s.append(form, out);
  form.addEventListener('submit', async function (e) {
    e.preventDefault();
    const body = {};
    for (const k of Object.keys(SEED_EXAMPLE)) { const v = form.elements[k].value; body[k] = typeof SEED_EXAMPLE[k] === 'number' ? Number(v) : v; }
    out.className = 'answer'; out.textContent = '…';
    try { const r = await api('/classify', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }); out.textContent = 'Attack Type: ' + r['Attack Type']; }
    catch (err) { out.className = 'answer error'; out.textContent = err.message; }
  });
}

(async function () {
  const path = location.pathname.replace(/\/+$/, '');
  try {
    if (path === '/dashboard') await overview();
    else if (path.startsWith('/dashboard/ip/')) await ipPage(decodeURIComponent(path.slice('/dashboard/ip/'.length)));
    else if (path === '/dashboard/models') await modelsPage();
    else if (path === '/dashboard/runs') await runsPage();
    else if (path === '/dashboard/classify') classifyPage();
    else section('Not found').append(el('p', { text: 'No dashboard page here.' }));
    document.body.dataset.ready = 'true';
  } catch (e) {
    section('Error', true).append(el('p', { class: 'error', text: e.message }));
    document.body.dataset.ready = 'error';
  }
  follow();
})();
`;
