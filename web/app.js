/*
 * app.js -- the ledger6 public pages: plain JavaScript calling the JSON API
 * (/v1/...), no build step, no library. Every page has <body data-page=...>;
 * the matching function below fills its <div id="out">. Text from the API
 * goes into the page as text nodes only (el() below), never as HTML.
 */
'use strict';

/* ---- small helpers ------------------------------------------------------ */

const $ = (sel, root) => (root || document).querySelector(sel);

/* el('a', {href: '/x'}, 'text', child...) -> a DOM element. */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

const NUM = new Intl.NumberFormat('en-US');
/* 12500 -> "12,500" */
const num = (n) => (n === null || n === undefined ? '—' : NUM.format(n));
/* "2026-11-21T03:10:15.914Z" -> "2026-11-21 03:10 UTC"; dates stay as they are. */
function when(ts) {
  if (!ts) return '—';
  if (typeof ts === 'number') ts = new Date(ts).toISOString();
  return ts.length > 10 ? ts.slice(0, 10) + ' ' + ts.slice(11, 16) + ' UTC' : ts;
}
const params = () => new URLSearchParams(location.search);
const link = (href, text) => el('a', { href }, text);
const serialSpan = (s) => el('span', { class: 'serial' }, s);

function status(out, kind, text) {
  out.replaceChildren(el('p', { class: 'status ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text));
}
const loading = (out, what) => status(out, 'loading', 'Loading ' + what + '…');

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/* GET a JSON route (with the caller's token, if given); throws ApiError
 * with the server's message. */
async function api(path, token) {
  let r;
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  try {
    r = await fetch(path, { headers });
  } catch (e) {
    throw new ApiError(0, 'network', 'the registry cannot be reached (' + e.message + ')');
  }
  let body = null;
  try {
    body = await r.json();
  } catch (e) {
    /* not JSON */
  }
  if (!r.ok) {
    const err = body && body.error;
    throw new ApiError(r.status, err ? err.code : 'http_' + r.status, err ? err.message : 'HTTP ' + r.status);
  }
  return body;
}

/* Every item of a paged list route, following "next". */
async function apiAll(path, token, maxPages) {
  const items = [];
  let after = null;
  for (let guard = 0; guard < (maxPages || 200); guard++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api(path + sep + 'limit=500' + (after ? '&after=' + encodeURIComponent(after) : ''), token);
    items.push(...(page.items || []));
    if (!page.next) {
      items.complete = true;
      break;
    }
    after = page.next;
  }
  return items;
}

function table(caption, headers, rows, numeric) {
  numeric = numeric || [];
  const head = el('tr', {}, headers.map((h, i) => el('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, h)));
  const body = rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { class: numeric.includes(i) ? 'num' : null }, c))));
  return el('div', { class: 'table-wrap' }, el('table', {}, caption ? el('caption', {}, caption) : null, el('thead', {}, head), el('tbody', {}, body)));
}

/* Party and programme names by code (GET /v1/parties, /v1/programmes),
 * loaded once per page; a failure leaves the codes. */
let namesLoaded = null;
function codeNames() {
  if (!namesLoaded) namesLoaded = Promise.all([apiAll('/v1/parties'), apiAll('/v1/programmes')])
    .then(([ps, gs]) => ({ party: new Map(ps.map((p) => [p.code, p.name])), programme: new Map(gs.map((p) => [p.code, p.name])) }))
    .catch(() => ({ party: new Map(), programme: new Map() }));
  return namesLoaded;
}
/* A name with its code on hover, or the code when the name is unknown. */
const nameWithCode = (map, code) => (code && map.has(code) ? el('span', { class: 'named', title: code }, map.get(code)) : code || '—');

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter((p) => p).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/* ---- projects ------------------------------------------------------------- */

async function pageIndex() {
  const out = $('#out');
  const form = $('#filters');
  const q = params();
  for (const name of ['q', 'programme', 'host', 'kind', 'status']) if (q.get(name)) form.elements[name].value = q.get(name);
  try {
    const [progs, parties] = await Promise.all([apiAll('/v1/programmes'), apiAll('/v1/parties')]);
    namesLoaded = Promise.resolve({ party: new Map(parties.map((p) => [p.code, p.name])), programme: new Map(progs.map((p) => [p.code, p.name])) });
    for (const p of progs) form.elements.programme.append(el('option', { value: p.code }, p.code + ' — ' + p.name));
    for (const p of parties) form.elements.host.append(el('option', { value: p.code }, p.code + ' — ' + p.name));
    for (const name of ['programme', 'host']) if (q.get(name)) form.elements[name].value = q.get(name);
  } catch (e) {
    status(out, 'error', 'cannot load the filters: ' + e.message);
    return;
  }
  const names = await codeNames();
  async function search() {
    const f = form.elements;
    const sp = new URLSearchParams();
    for (const name of ['q', 'programme', 'host', 'kind', 'status']) if (f[name].value) sp.set(name, f[name].value);
    history.replaceState(null, '', sp.toString() ? '?' + sp : location.pathname);
    const api_q = new URLSearchParams();
    for (const name of ['programme', 'host', 'status']) if (f[name].value) api_q.set(name, f[name].value);
    loading(out, 'projects');
    let items;
    try {
      items = await apiAll('/v1/projects' + (api_q.toString() ? '?' + api_q : ''));
    } catch (e) {
      status(out, 'error', 'cannot search projects: ' + e.message);
      return;
    }
    const text = f.q.value.trim().toLowerCase();
    items = items.filter((p) => (!f.kind.value || p.kind === f.kind.value) &&
      (!text || [p.id, p.title, p.methodology, p.sector].join(' ').toLowerCase().includes(text)));
    if (!items.length) {
      status(out, 'empty', 'No project matches these filters.');
      return;
    }
    out.replaceChildren(
      el('p', { role: 'status' }, num(items.length) + (items.length === 1 ? ' project' : ' projects')),
      table(null, ['Project', 'Title', 'Programme', 'Host', 'Type', 'Status', 'Crediting period'],
        items.map((p) => [link('/project.html?id=' + encodeURIComponent(p.id), p.id), p.title, nameWithCode(names.programme, p.programme),
          nameWithCode(names.party, p.host), p.kind,
          p.status, p.crediting_start + ' to ' + p.crediting_end])));
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search();
  });
  await search();
}

async function pageProject() {
  const out = $('#out');
  const id = params().get('id');
  if (!id) {
    status(out, 'error', 'no project given: open a project from the project list');
    return;
  }
  loading(out, 'project ' + id);
  let p, act = null, rets;
  try {
    [p, rets] = await Promise.all([api('/v1/projects/' + encodeURIComponent(id)),
      apiAll('/v1/retirements?project=' + encodeURIComponent(id))]);
  } catch (e) {
    status(out, 'error', e.status === 404 ? 'there is no project ' + id : 'cannot load project ' + id + ': ' + e.message);
    return;
  }
  try {
    act = await api('/v1/activities/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status !== 404) act = { error: e.message };
  }
  $('#title').textContent = p.id + ': ' + p.title;
  document.title = p.id + ' · ledger6 registry';
  const issued = (p.issuances || []).reduce((s, b) => s + b.quantity, 0);
  const retired = rets.reduce((s, r) => s + r.quantity, 0);
  const names = await codeNames();
  const parts = [facts([
    ['Programme', nameWithCode(names.programme, p.programme)], ['Host Party', nameWithCode(names.party, p.host)], ['Type', p.kind], ['Sector', p.sector],
    ['Methodology', p.methodology], ['Status', p.status], ['Crediting period', p.crediting_start + ' to ' + p.crediting_end],
    ['Issued', num(issued) + ' t'], ['Retired', num(retired) + ' t']])];
  parts.push(el('h2', {}, 'Project cycle'));
  if (!act) parts.push(el('p', { class: 'status empty' }, 'No project cycle is recorded in this registry for this project.'));
  else if (act.error) parts.push(el('p', { class: 'status error' }, 'cannot load the project cycle: ' + act.error));
  else {
    parts.push(facts([['Mechanism', act.mechanism], ['State', act.state], act.transition_from && ['Transition from', act.transition_from],
      ['Issued through the cycle', num(act.issued) + ' t']]));
    if ((act.periods || []).length)
      parts.push(table('Monitoring periods', ['Period', 'From', 'To', 'State', 'Reported (t)', 'Certified (t)'],
        act.periods.map((m) => [String(m.period), m.start, m.end, m.state, num(m.reported), num(m.certified)]), [4, 5]));
    if ((act.steps || []).length)
      parts.push(table('Steps', ['Date', 'Step', 'Period', 'Decision', 'State', 'By', 'Documents (SHA-256)'],
        act.steps.map((s) => [when(s.timestamp), s.step, s.period === null ? '—' : String(s.period), s.decision || '—',
          (s.from_state || '—') + ' → ' + s.to_state, s.role,
          el('span', {}, (s.documents || []).map((d) => el('span', { class: 'serial' }, d.type + ' ',
            link('/v1/documents/' + d.sha256, d.sha256.slice(0, 16) + '…'), el('br'))))])));
    /* Issue 20: the safeguards answered at registration, the SD indicators
     * of each monitoring report, and the fees billed (step details). */
    const steps = act.steps || [];
    const safe = steps.filter((s) => s.detail && s.detail.safeguards);
    if (safe.length)
      parts.push(table('Safeguards (answered at registration)', ['Safeguard', 'Answer'],
        Object.entries(safe[safe.length - 1].detail.safeguards).map(([k, v]) => [k, v ? 'yes' : 'no'])));
    const sd = steps.filter((s) => s.step === 'monitor' && s.detail && s.detail.sd_indicators);
    if (sd.length)
      parts.push(table('Sustainable-development indicators', ['Period', 'Indicator', 'Value'],
        sd.flatMap((s) => Object.entries(s.detail.sd_indicators).map(([k, v]) => [String(s.period), k, num(v)])), [2]));
    const inv = steps.flatMap((s) => ((s.detail && s.detail.invoices) || []).map((i) => [when(s.timestamp), i.fee + (i.deferred ? ' (deferred)' : ''),
      i.currency + ' ' + (i.amount / 100).toFixed(2), i.relief + (i.group ? ' (' + i.group + ')' : ''), i.currency + ' ' + (i.due / 100).toFixed(2)]));
    if (inv.length) parts.push(table('Fees', ['Date', 'Fee', 'Amount', 'Relief', 'Due'], inv, [2, 4]));
  }
  parts.push(el('h2', {}, 'Issuances'));
  if (!(p.issuances || []).length) parts.push(el('p', { class: 'status empty' }, 'No units have been issued for this project.'));
  else parts.push(table(null, ['Batch', 'Vintage', 'Unit type', 'Quantity (t)', 'Registry', 'Serials'],
    p.issuances.map((b) => [String(b.batch), String(b.vintage), b.unit_type, num(b.quantity), b.registry,
      link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial)]), [3]));
  parts.push(el('h2', {}, 'Retirements'));
  if (!rets.length) parts.push(el('p', { class: 'status empty' }, 'No units of this project have been retired.'));
  else parts.push(retirementTable(rets));
  out.replaceChildren(...parts);
}

/* ---- serials ---------------------------------------------------------------- */

const where = (type, registry) => (type ? type + ' account' : '—') + (registry ? ' of ' + registry : '');

async function pageSerial() {
  const out = $('#out');
  const form = $('#lookup');
  async function look(serial) {
    loading(out, serial);
    let v;
    try {
      v = await api('/v1/serials/' + encodeURIComponent(serial) + '/public');
    } catch (e) {
      status(out, 'error', e.status === 404 ? 'no unit has serial ' + serial
        : e.code === 'invalid_serial' ? serial + ' is not a serial number (UT-HOST-PROJECT-VINTAGE-BATCH-N)' : e.message);
      return;
    }
    const b = v.batch;
    const held = v.held_by.map((h) => [serialSpan(h.serial), num(h.quantity),
      where(h.account.type, h.account.registry), h.retired ? 'yes — retired or cancelled' : 'no']);
    const hist = v.history.map((h) => [when(h.timestamp), h.kind, num(h.last - h.first + 1),
      h.from_account_type ? where(h.from_account_type, h.from_registry) : '—', where(h.to_account_type, h.to_registry),
      h.kind === 'retirement' ? link('/retirement.html?id=' + h.transaction, 'retirement ' + h.transaction) : String(h.transaction)]);
    const now = v.held_by.length === 1 ? v.held_by[0] : null;
    out.replaceChildren(
      el('p', { class: 'verdict-line', id: 'where' }, now
        ? ['Now in a ', el('strong', {}, where(now.account.type, now.account.registry)), now.retired ? ' (retired: it can no longer move).' : ' (not retired).']
        : 'Held in ' + v.held_by.length + ' blocks.'),
      facts([['Serial', serialSpan(v.serial)], ['Project', link('/project.html?id=' + encodeURIComponent(b.project), b.project)],
        ['Unit type', b.unit_type], ['Vintage', String(b.vintage)], ['Issuance batch', serialSpan(b.serial)], ['Batch size', num(b.quantity) + ' t']]),
      el('h2', {}, 'Where it is now'),
      table(null, ['Block', 'Units', 'Account', 'Retired'], held, [1]),
      el('h2', {}, 'How it got there'),
      hist.length ? table(null, ['Date', 'Kind', 'Units moved', 'From', 'To', 'Transaction'], hist, [2])
        : el('p', { class: 'status empty' }, 'No history recorded.'));
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const s = form.elements.serial.value.trim();
    if (!s) return;
    history.replaceState(null, '', '?serial=' + encodeURIComponent(s));
    look(s);
  });
  const s = params().get('serial');
  if (s) {
    form.elements.serial.value = s;
    await look(s);
  } else status(out, 'empty', 'Enter a serial number, for example one from a project page.');
}

/* ---- retirements ------------------------------------------------------------ */

/* Retirements are named by their registry transaction number: issuances,
 * transfers and retirements share one sequence, so the retirements'
 * numbers have gaps (4, 10, 17); the pages say so. */
const RETIREMENT_NUMBERS = 'A retirement is numbered by its registry transaction: issuances, transfers and retirements share one ' +
  'sequence, so the numbers of retirements have gaps.';
function retirementTable(rets) {
  return table(null, ['Date', 'Quantity (t)', 'Beneficiary', 'Purpose', 'Reporting year', 'Units', 'Certificate'],
    rets.map((r) => [when(r.timestamp), num(r.quantity), r.beneficiary || '—', r.purpose || '—',
      r.reporting_year ? String(r.reporting_year) : 'not given',
      el('span', {}, r.blocks.map((b) => [link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial), el('br')])),
      link('/retirement.html?id=' + r.id, 'certificate of transaction ' + r.id)]), [1]);
}

async function pageRetirements() {
  const out = $('#out');
  loading(out, 'retirements');
  try {
    const rets = await apiAll('/v1/retirements');
    if (!rets.length) return status(out, 'empty', 'No units have been retired yet.');
    const total = rets.reduce((s, r) => s + r.quantity, 0);
    out.replaceChildren(el('p', { role: 'status' }, num(rets.length) + ' retirements, ' + num(total) + ' t in all.'),
      el('p', { class: 'muted', id: 'numbering' }, RETIREMENT_NUMBERS), retirementTable(rets));
  } catch (e) {
    status(out, 'error', 'cannot load the retirements: ' + e.message);
  }
}

async function pageRetirement() {
  const out = $('#out');
  const id = params().get('id');
  if (!id || !/^[0-9]+$/.test(id)) return status(out, 'error', 'no retirement given: open one from the list of retirements');
  loading(out, 'retirement ' + id);
  let cert;
  try {
    cert = await api('/v1/retirements/' + id + '/certificate');
  } catch (e) {
    return status(out, 'error', e.status === 404 ? 'there is no retirement ' + id : 'cannot load retirement ' + id + ': ' + e.message);
  }
  const r = cert.retirement;
  const names = await codeNames();
  $('#title').textContent = 'Retirement of ' + num(r.quantity) + ' t on ' + when(r.timestamp).slice(0, 10) + ' (transaction ' + r.transaction + ')';
  document.title = 'Retirement, transaction ' + r.transaction + ' · ledger6 registry';
  const result = el('div', { id: 'result', 'aria-live': 'polite' });
  const btn = el('button', { type: 'button', class: 'primary' }, 'Verify this certificate here');
  btn.addEventListener('click', () => showVerification(result, cert));
  out.replaceChildren(
    facts([['Registry transaction', el('span', { id: 'tx' }, String(r.transaction))], ['Date', when(r.timestamp)], ['Quantity', num(r.quantity) + ' t'], ['Beneficiary', r.beneficiary || '—'],
      ['Purpose', r.purpose || '—'], ['Claim', r.claim || '—'], ['Reporting year', r.reporting_year ? String(r.reporting_year) : 'not given'],
      ['Log leaf', '#' + num(cert.leaf.index) + ' of a tree of ' + num(cert.tree_head.tree_size)],
      ['Signed', when(cert.tree_head.timestamp) + ' with key ' + cert.tree_head.key_id]]),
    el('h2', {}, 'Units'),
    table(null, ['Serials', 'Quantity (t)', 'Project', 'Host', 'Vintage'], r.blocks.map((b) => [
      link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial), num(b.quantity),
      link('/project.html?id=' + encodeURIComponent(b.project), b.project), nameWithCode(names.party, b.host), String(b.vintage)]), [1]),
    el('p', { class: 'muted' }, RETIREMENT_NUMBERS),
    el('h2', {}, 'Certificate'),
    el('p', {}, link('/v1/retirements/' + id + '/certificate.html', 'Printable certificate'), ' · ',
      el('a', { href: '/v1/retirements/' + id + '/certificate.pdf', download: 'certificate-' + id + '.pdf', type: 'application/pdf' }, 'Certificate PDF'), ' · ',
      el('a', { href: '/v1/retirements/' + id + '/certificate', download: 'certificate-' + id + '.json' }, 'Certificate JSON'), ' · ',
      link('/verify.html', 'Verify another certificate')),
    btn, result);
}

/* ---- certificate verification (docs/TRANSPARENCY.md) ---------------------- */

const enc = new TextEncoder();
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error('not lowercase hex: ' + String(s).slice(0, 20));
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
function concat(...parts) {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const sha256 = async (...parts) => new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));

/* The log entry of a retirement, rebuilt from its fields. */
function logEntry(r) {
  const text = (name, v) => {
    const b = enc.encode(v === null || v === undefined ? '' : String(v));
    return concat(enc.encode(name + ' ' + b.length + ':'), b, enc.encode('\n'));
  };
  const int = (v) => {
    if (!Number.isSafeInteger(v)) throw new Error('not an integer: ' + v);
    return String(v);
  };
  return concat(
    enc.encode('ledger6 log entry v1\ntransaction ' + int(r.transaction) + '\nkind ' + r.kind + '\n'),
    text('timestamp', r.timestamp),
    enc.encode('quantity ' + int(r.quantity) + '\nreporting_year ' + int(r.reporting_year || 0) + '\n'),
    text('beneficiary', r.beneficiary), text('purpose', r.purpose), text('claim', r.claim),
    enc.encode('private ' + r.private_commitment + '\n'),
    ...r.blocks.map((b) => enc.encode('block ' + int(b.batch) + ' ' + int(b.first) + ' ' + int(b.last) + ' ' + b.serial + '\n')));
}

/* Checks a certificate; returns [{ok, what}] in order, stopping at the first failure. */
async function verifyCertificate(cert, keys) {
  const checks = [];
  const check = (ok, what) => {
    checks.push({ ok, what });
    return ok;
  };
  try {
    if (!check(cert && cert.format === 'ledger6 retirement certificate v1' && cert.retirement && cert.leaf && cert.tree_head &&
      Array.isArray(cert.inclusion_proof), 'it is a ledger6 retirement certificate (v1)')) return checks;
    const r = cert.retirement, head = cert.tree_head;
    if (!check(Array.isArray(r.blocks) && r.blocks.length > 0 &&
      r.blocks.reduce((s, b) => s + b.quantity, 0) === r.quantity &&
      r.blocks.every((b) => b.last - b.first + 1 === b.quantity), 'its blocks add up to the quantity retired (' + num(r.quantity) + ' t)')) return checks;
    const entry = logEntry(r);
    if (cert.leaf.entry !== undefined &&
      !check(new TextDecoder().decode(entry) === cert.leaf.entry, 'the retirement matches the log entry it claims')) return checks;
    const leaf = await sha256(new Uint8Array([0]), entry);
    if (!check(hex(leaf) === cert.leaf.hash, 'leaf hash SHA-256(0x00 ‖ entry) = ' + hex(leaf).slice(0, 16) + '…')) return checks;
    /* RFC 9162 2.1.3.2 */
    let fn = cert.leaf.index, sn = head.tree_size - 1, h = leaf;
    if (!check(Number.isSafeInteger(fn) && fn >= 0 && fn <= sn, 'leaf #' + fn + ' lies in the tree of ' + head.tree_size)) return checks;
    for (const p of cert.inclusion_proof) {
      const ph = unhex(p);
      if (fn & 1 || fn === sn) {
        h = await sha256(new Uint8Array([1]), ph, h);
        while (fn && !(fn & 1)) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      } else h = await sha256(new Uint8Array([1]), h, ph);
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (!check(sn === 0 && hex(h) === head.root_hash, 'the inclusion proof (' + cert.inclusion_proof.length +
      ' hashes) leads to the signed root ' + String(head.root_hash).slice(0, 16) + '…')) return checks;
    const key = keys.find((k) => k.key_id === head.key_id);
    if (!check(!!key, 'the tree head was signed by registry key ' + head.key_id + ' (from /v1/keys)')) return checks;
    const pk = unhex(key.public_key);
    if (!check(pk.length === 32 && hex(await sha256(pk)).slice(0, 16) === key.key_id, 'the key id is the hash of that public key')) return checks;
    const size = new DataView(new ArrayBuffer(16));
    size.setBigUint64(0, BigInt(head.tree_size));
    size.setBigUint64(8, BigInt(head.timestamp));
    const msg = concat(enc.encode('ledger6 tree head v1\n'), new Uint8Array(size.buffer), unhex(head.root_hash));
    let ok = false;
    try {
      const k = await crypto.subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
      ok = await crypto.subtle.verify({ name: 'Ed25519' }, k, unhex(head.signature), msg);
    } catch (e) {
      check(false, 'this browser cannot check Ed25519 signatures (' + e.message + '); use ledger6 verify instead');
      return checks;
    }
    check(ok, 'the tree head\'s Ed25519 signature is valid (signed ' + when(head.timestamp) + ')');
  } catch (e) {
    check(false, 'the certificate is malformed: ' + e.message);
  }
  return checks;
}

async function showVerification(result, cert) {
  status(result, 'loading', 'Verifying…');
  let keys;
  try {
    keys = (await api('/v1/keys')).items;
  } catch (e) {
    return status(result, 'error', 'cannot load the registry\'s public keys: ' + e.message);
  }
  const checks = await verifyCertificate(cert, keys);
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const r = cert && cert.retirement;
  result.replaceChildren(
    el('p', { class: 'verdict ' + (ok ? 'ok' : 'bad'), id: 'verdict', role: 'status' }, ok
      ? 'this certificate is in the registry\'s signed log: ' + num(r.quantity) + ' t retired for ' + (r.beneficiary || '—') + '.'
      : checks.find((c) => !c.ok).what + ' — check failed.'),
    el('ol', { class: 'checks' }, checks.map((c) => el('li', { class: c.ok ? 'pass' : 'fail' }, (c.ok ? '' : 'FAILED: ') + c.what))));
}

async function pageVerify() {
  const form = $('#verify');
  const out = $('#out');
  $('#file').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (f) {
      form.elements.cert.value = await f.text();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = form.elements.cert.value.trim();
    if (!text) return status(out, 'empty', 'Paste a certificate first.');
    let cert;
    try {
      cert = JSON.parse(text);
    } catch (e) {
      return status(out, 'error', 'this is not JSON: ' + e.message);
    }
    showVerification(out, cert);
  });
  status(out, 'empty', 'Nothing verified yet.');
}

/* ---- dashboards: SVG charts ----------------------------------------------- */

const SVGNS = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...kids) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

let chartSeq = 0;
/* Chart text is drawn at CHART_FONT_PX CSS pixels: each chart is laid out
 * at its container's width in pixels (viewBox = size), never scaled, and
 * drawn again when that width changes. */
const CHART_FONT_PX = 13;
const CHART_FONT = CHART_FONT_PX + 'px system-ui, sans-serif';
let measureCtx = null;
function textWidth(s) {
  if (!measureCtx) {
    measureCtx = document.createElement('canvas').getContext('2d');
    measureCtx.font = CHART_FONT;
  }
  return measureCtx.measureText(String(s)).width;
}
/* s broken at spaces into lines of at most maxW pixels (a word longer
 * than a line is cut at characters). */
function wrapText(s, maxW) {
  const lines = [];
  let cur = '';
  for (const word of String(s).split(' ')) {
    const next = cur ? cur + ' ' + word : word;
    if (textWidth(next) <= maxW || !cur) cur = next;
    else lines.push(cur), cur = word;
    while (textWidth(cur) > maxW && cur.length > 1) {
      let k = cur.length - 1;
      while (k > 1 && textWidth(cur.slice(0, k)) > maxW) k--;
      lines.push(cur.slice(0, k));
      cur = cur.slice(k);
    }
  }
  lines.push(cur);
  return lines;
}
/* A figure whose SVG draw(width) makes; drawn when it is in the page
 * (drawCharts) and again on every change of its width. */
function responsiveFigure(id, title, draw, empty, numbers) {
  const fig = el('figure', { id });
  fig.append(el('figcaption', {}, title));
  if (empty) {
    fig.append(el('p', { class: 'status empty' }, empty));
    return fig;
  }
  const box = el('div', { class: 'chart-box' });
  fig.append(box, numbers);
  let drawnW = -1;
  fig.drawChart = () => {
    const w = Math.max(240, Math.floor(box.clientWidth));
    if (w === drawnW) return;
    drawnW = w;
    box.replaceChildren(draw(w));
  };
  if (window.ResizeObserver) new ResizeObserver(() => fig.drawChart()).observe(box);
  return fig;
}
/* Draws the charts under root now that they are in the page. */
const drawCharts = (root) => root.querySelectorAll('figure').forEach((f) => f.drawChart && f.drawChart());

/* A label: text, or {text, code} (a name, its code on hover). */
const labelText = (l) => (typeof l === 'object' && l ? l.text : String(l));
const labelCode = (l) => (typeof l === 'object' && l ? l.code : null);
/* The label as a table cell: the name with its code as a tooltip. */
const labelCell = (l) => (labelCode(l) ? el('span', { class: 'named', title: labelCode(l) }, labelText(l)) : labelText(l));

/* A horizontal bar chart: rows [{label, values: [..]}], one bar per series
 * (grouped), each series with its own fill pattern so it reads without
 * colour; the label above its bars (so long names fit a phone), the value
 * at each bar's end, the code of a named label on hover. fmt formats values. */
function barChart(id, title, series, rows, fmt) {
  fmt = fmt || num;
  const n = ++chartSeq;
  const fills = ['#222', 'url(#hatch' + n + ')', 'url(#dots' + n + ')'];
  const max = Math.max(1, ...rows.flatMap((r) => r.values));
  const draw = (W) => {
    const line = CHART_FONT_PX + 6, barH = 18, gap = 12;
    const valueW = Math.max(...rows.flatMap((r) => r.values.map((v) => textWidth(fmt(v))))) + 10;
    const plotW = Math.max(40, W - valueW - 2);
    /* legend items, wrapped into lines */
    const legend = [];
    let lx = 0, ly = 0;
    series.forEach((s, i) => {
      const w = 22 + textWidth(s) + 16;
      if (lx > 0 && lx + w > W) lx = 0, ly += line;
      legend.push({ s, i, x: lx, y: ly });
      lx += w;
    });
    const top = ly + line + 8;
    const wrapped = rows.map((r) => wrapText(labelText(r.label), W - 4));
    const H = top + rows.reduce((h, r, k) => h + wrapped[k].length * line + series.length * barH + gap, 0) + 2;
    const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': id + '-t' });
    root.append(svg('title', { id: id + '-t' }, title),
      svg('defs', {},
        svg('pattern', { id: 'hatch' + n, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
          svg('rect', { width: 6, height: 6, fill: '#fff' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#222', 'stroke-width': 3 })),
        svg('pattern', { id: 'dots' + n, width: 5, height: 5, patternUnits: 'userSpaceOnUse' },
          svg('rect', { width: 5, height: 5, fill: '#fff' }), svg('circle', { cx: 2.5, cy: 2.5, r: 1.3, fill: '#222' }))));
    for (const g of legend)
      root.append(svg('rect', { x: g.x + 1, y: g.y + 3, width: 14, height: 14, fill: fills[g.i], stroke: '#222' }),
        svg('text', { x: g.x + 22, y: g.y + CHART_FONT_PX + 2 }, g.s));
    let y = top;
    rows.forEach((r, k) => {
      for (const text of wrapped[k]) {
        const label = svg('text', { x: 1, y: y + CHART_FONT_PX }, text);
        if (labelCode(r.label)) label.append(svg('title', {}, labelCode(r.label)));
        root.append(label);
        y += line;
      }
      r.values.forEach((v, i) => {
        const w = Math.max(v > 0 ? 1 : 0, (v / max) * plotW);
        root.append(svg('rect', { x: 1, y: y + i * barH + 1, width: w, height: barH - 3, fill: fills[i], stroke: '#222', 'stroke-width': 0.5 },
          svg('title', {}, labelText(r.label) + (labelCode(r.label) ? ' (' + labelCode(r.label) + ')' : '') + ', ' + series[i] + ': ' + fmt(v))));
        root.append(svg('text', { x: w + 6, y: y + i * barH + barH - 4 }, fmt(v)));
      });
      y += series.length * barH + gap;
    });
    root.append(svg('line', { x1: 1, y1: top - 2, x2: 1, y2: H - 2, stroke: '#222' }));
    return root;
  };
  return responsiveFigure(id, title, draw, rows.length ? null : 'No data yet.',
    el('details', { class: 'data' }, el('summary', {}, 'Numbers'),
      table(null, ['', ...series], rows.map((r) => [labelCell(r.label), ...r.values.map(fmt)]), series.map((_, i) => i + 1))));
}

function sumBy(items, key, val) {
  const m = new Map();
  for (const it of items) {
    const k = key(it);
    m.set(k, (m.get(k) || 0) + val(it));
  }
  return m;
}

async function pageDashboards() {
  const out = $('#out');
  const charts = $('#charts');
  loading(out, 'the registry\'s figures');
  let issuances, rets, projects, auths, parties, programmes;
  try {
    [issuances, rets, projects, auths, parties, programmes] = await Promise.all([apiAll('/v1/issuances'), apiAll('/v1/retirements'),
      apiAll('/v1/projects'), apiAll('/v1/a6/authorizations'), apiAll('/v1/parties'), apiAll('/v1/programmes')]);
  } catch (e) {
    return status(out, 'error', 'cannot load the figures: ' + e.message);
  }
  /* Names for codes: a Party's name (ISO 3166-1, as registered) and a
   * programme's, the code on hover. */
  const named = (m) => (code) => (m.has(code) ? { text: m.get(code), code } : String(code));
  const partyName = named(new Map(parties.map((p) => [p.code, p.name])));
  const programmeName = named(new Map(programmes.map((p) => [p.code, p.name])));
  const proj = new Map(projects.map((p) => [p.id, p]));
  const host = (b) => (proj.get(b.project) || {}).host || b.project.split('.')[0];
  const programme = (b) => (proj.get(b.project) || {}).programme || '?';
  const total = issuances.reduce((s, b) => s + b.quantity, 0);
  const retired = rets.reduce((s, r) => s + r.quantity, 0);
  out.replaceChildren(el('p', { role: 'status', id: 'totals' }, num(total) + ' t issued in ' + num(issuances.length) + ' batches; ' +
    num(retired) + ' t retired in ' + num(rets.length) + ' retirements.'));
  const rowsOf = (m, order, name) => [...m.entries()].sort(order).map(([k, v]) => ({ label: name ? name(k) : String(k), values: [v] }));
  const byKey = (a, b) => String(a[0]).localeCompare(String(b[0]));
  const byValue = (a, b) => b[1] - a[1];
  const list = [];
  list.push(barChart('chart-issuance-year', 'Issuance by vintage year (t)', ['issued'], rowsOf(sumBy(issuances, (b) => b.vintage, (b) => b.quantity), byKey)));
  /* The year a retirement is reported for (its reporting_year), not the
   * year it was recorded; retirements that name none are counted apart. */
  const NO_YEAR = 'no reporting year given';
  list.push(barChart('chart-retirement-year', 'Retirements by reporting year (t)', ['retired'],
    rowsOf(sumBy(rets, (r) => (r.reporting_year ? String(r.reporting_year) : NO_YEAR), (r) => r.quantity),
      (a, b) => (a[0] === NO_YEAR) - (b[0] === NO_YEAR) || byKey(a, b))));
  /* issuance and retirements by host Party and by programme */
  const retBlocks = rets.flatMap((r) => r.blocks);
  const byTwo = (key, name) => {
    const a = sumBy(issuances, key, (b) => b.quantity), b = sumBy(retBlocks, key, (x) => x.quantity);
    return [...a.keys()].sort((x, y) => a.get(y) - a.get(x)).map((k) => ({ label: name(k), values: [a.get(k), b.get(k) || 0] }));
  };
  list.push(barChart('chart-host', 'Issued and retired by host Party (t)', ['issued', 'retired'], byTwo(host, partyName)));
  list.push(barChart('chart-programme', 'Issued and retired by programme (t)', ['issued', 'retired'], byTwo(programme, programmeName)));
  /* concentration: the share of the top six hosts -- only when there are
   * more than six; with six or fewer, every host's share. */
  const hosts = rowsOf(sumBy(issuances, host, (b) => b.quantity), byValue, partyName);
  const pct = (v) => (total ? (100 * v / total).toFixed(1) : '0.0') + ' %';
  if (hosts.length > 6) {
    const top = hosts.slice(0, 6);
    const share6 = top.reduce((s, r) => s + r.values[0], 0);
    top.push({ label: 'the other ' + (hosts.length - 6) + ' host Parties', values: [total - share6] });
    list.push(barChart('chart-top6', 'Share of issuance of the top six of ' + hosts.length + ' host Parties: ' + pct(share6), ['share of issuance'], top, pct));
  } else {
    list.push(barChart('chart-top6', 'Share of issuance by host Party (' + (hosts.length === 1 ? 'one host Party' : 'all ' + hosts.length + ' host Parties') + ')',
      ['share of issuance'], hosts, pct));
  }
  /* authorized vs unauthorized (Article 6.2) */
  const authBy = sumBy(auths.filter((a) => !a.revoked), (a) => a.party, (a) => a.assigned || 0);
  const issBy = sumBy(issuances, host, (b) => b.quantity);
  list.push(barChart('chart-authorized', 'Units authorized for international transfer (ITMOs assigned) vs not authorized, by host Party (t)',
    ['authorized', 'not authorized'],
    [...issBy.keys()].sort().map((k) => ({ label: partyName(k), values: [authBy.get(k) || 0, Math.max(0, issBy.get(k) - (authBy.get(k) || 0))] }))));
  /* ITMOs first transferred and used, from each Party's AEF. Only Parties
   * in an authorization (authorizing or authorized) can have transferred
   * or used ITMOs, and only they are asked: a Party without an NDC has no
   * AEF, and asking would be a failed request. */
  const thisYear = new Date().getUTCFullYear();
  const aef = (party, y) => api('/v1/a6/aef/' + party + '?year=' + y).then((a) => a.submission, () => null);
  const a6parties = [...new Set(auths.flatMap((a) => [a.party, ...(a.authorized_parties || [])]))].filter((c) => parties.some((p) => p.code === c));
  const latest = (await Promise.all(a6parties.map((c) => aef(c, thisYear)))).filter((s) => s);
  const jobs = [];
  for (const s of latest) for (let y = Math.max(s.ndc_first_year || thisYear, thisYear - 9); y < thisYear; y++) jobs.push(aef(s.party, y));
  const subs = (await Promise.all(jobs)).concat(latest).filter((s) => s && (s.first_transferred || s.used))
    .sort((a, b) => a.party.localeCompare(b.party) || a.year - b.year);
  list.push(barChart('chart-itmo', 'ITMOs first transferred and used, by Party and year (from the public AEF)', ['first transferred', 'used'],
    subs.map((s) => {
      const p = partyName(s.party);
      return { label: typeof p === 'object' ? { text: p.text + ' ' + s.year, code: p.code } : p + ' ' + s.year, values: [s.first_transferred || 0, s.used || 0] };
    })));
  /* benefit sharing: of the price buyers paid on the exchange, what reached the host side */
  const bs = await api('/v1/exchange/benefit-sharing').catch(() => ({ items: [], unattributed_qty: 0 }));
  const major = (v, d) => (v === null ? 0 : v / 10 ** d);
  const fig = barChart('chart-benefit', 'How much of the buyers\' price reached the host side (exchange trades, per tonne)',
    ['received by the host side', 'paid by buyers'],
    bs.items.filter((r) => r.share_bps !== null).map((r) => {
      const p = partyName(r.host);
      const text = (typeof p === 'object' ? p.text : p) + ', ' + r.currency + ': ' + (r.share_bps / 100).toFixed(1) + ' %';
      return { label: { text, code: r.host }, values: [major(r.host_sales.received, r.minor_units), major(r.buyers_price, r.minor_units)] };
    }),
    (v) => v.toFixed(2));
  fig.append(el('p', { class: 'muted' }, 'Host side: sellers in a registry of the project\'s host Party, net of exchange fees. Buyers: the average ' +
    'price of resales by others, or of the host side\'s own sales when nobody resold. Only instruments of one project count; ' +
    num(bs.unattributed_qty) + ' t traded in contracts of several projects are left out.'));
  list.push(fig);
  charts.replaceChildren(...list);
  drawCharts(charts);
}

/* ---- my accounts (people logged in) --------------------------------------- */

/* Holdings of at most this many accounts are loaded on one page (an admin
 * sees every account of the registry). */
const ACCOUNT_PAGE_MAX = 50;
/* Pages of an account's transactions read to find its latest ten. */
const TX_PAGES_MAX = 4;

/* The session's CSRF token: the l6_csrf cookie (readable by this page,
 * unlike the HttpOnly session cookie), sent as X-CSRF-Token on writes. */
function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)l6_csrf=([0-9a-f]{64})/);
  return m ? m[1] : '';
}

/* A write in the session (POST, DELETE): JSON in and out, like api(). */
async function apiWrite(method, path, body) {
  let r;
  const headers = { Accept: 'application/json', 'X-CSRF-Token': csrfToken() };
  if (body) headers['Content-Type'] = 'application/json';
  try {
    r = await fetch(path, { method, headers, body: body ? JSON.stringify(body) : undefined, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', 'the registry cannot be reached (' + e.message + ')');
  }
  let reply = null;
  try {
    reply = await r.json();
  } catch (e) {
    /* not JSON */
  }
  if (!r.ok) {
    const err = reply && reply.error;
    throw new ApiError(r.status, err ? err.code : 'http_' + r.status, err ? err.message : 'HTTP ' + r.status);
  }
  return reply;
}

/* Shows the accounts the session's user sees (the cookie goes with every
 * request of this origin). */
async function showAccounts(out, session) {
  loading(out, 'your accounts');
  let orgs, accounts;
  try {
    [orgs, accounts] = await Promise.all([apiAll('/v1/organisations'), apiAll('/v1/accounts')]);
  } catch (e) {
    status(out, 'error', 'cannot load your accounts: ' + e.message);
    return false;
  }
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const who = session.user.name + ' (' + (orgs.length === 1 ? orgs[0].name : orgs.length + ' organisations') + ')';
  if (!accounts.length) {
    out.replaceChildren(el('p', { id: 'who' }, 'Signed in as ' + who + '.'), el('p', { class: 'status empty' }, 'You see no account.'));
    return true;
  }
  const shown = accounts.slice(0, ACCOUNT_PAGE_MAX);
  const details = await Promise.all(shown.map(async (a) => {
    try {
      const [h, txs] = await Promise.all([api('/v1/accounts/' + a.id + '/holdings'),
        apiAll('/v1/transactions?account=' + a.id, null, TX_PAGES_MAX)]);
      return { a, h, txs: txs.slice(-10).reverse(), txsComplete: txs.complete };
    } catch (e) {
      return { a, error: e.message };
    }
  }));
  /* Four eyes and delays (docs/API.md): the open proposals of the user's
   * organisation(s) and every shown account's trusted list. */
  let open = [];
  try {
    const [pending, delayed] = await Promise.all([apiAll('/v1/proposals?state=pending'), apiAll('/v1/proposals?state=delayed')]);
    open = pending.concat(delayed).sort((x, y) => x.id - y.id);
  } catch (e) {
    /* a role that sees no proposals */
  }
  await Promise.all(details.map(async (d) => {
    try {
      d.trusted = d.error ? [] : (await api('/v1/accounts/' + d.a.id + '/trusted')).items;
    } catch (e) {
      d.trusted = [];
    }
  }));
  const decide = (p, what) => {
    const b = el('button', { type: 'button', 'data-proposal': String(p.id), 'data-action': what }, what[0].toUpperCase() + what.slice(1));
    b.addEventListener('click', async () => {
      document.body.removeAttribute('data-ready');
      let note = null;
      try {
        await apiWrite('POST', '/v1/proposals/' + p.id + '/' + what, {});
      } catch (e) {
        note = 'cannot ' + what + ' proposal ' + p.id + ': ' + e.message;
      }
      await showAccounts(out, session);
      if (note) out.prepend(el('p', { class: 'status error', role: 'alert' }, note));
      document.body.setAttribute('data-ready', '1');
    });
    return b;
  };
  const total = details.reduce((s, d) => s + (d.h ? d.h.total : 0), 0);
  const parts = [el('p', { id: 'who' }, 'Signed in as ' + who + ': ' + num(accounts.length) + (accounts.length === 1 ? ' account' : ' accounts') +
    ', ' + num(total) + ' t held' + (accounts.length > shown.length ? ' in the first ' + shown.length : '') + '.'),
  table('Accounts', ['Account', 'Name', 'Organisation', 'Registry', 'Type', 'Status', 'Held (t)'],
    details.map((d) => [el('a', { href: '#acct-' + d.a.id }, String(d.a.id)), d.a.name, orgName.get(d.a.organisation) || String(d.a.organisation),
      d.a.registry, d.a.type, d.a.status, d.h ? num(d.h.total) : '—']), [6])];
  if (open.length) {
    parts.push(table('Proposals and delayed transfers (units on hold)', ['Proposal', 'Kind', 'State', 'Quantity (t)', 'From', 'To', 'Proposed by', 'Expires / executes', 'Act'],
      open.map((p) => [String(p.id), p.kind, p.state, num(p.quantity), String(p.from_account), String(p.to_account), p.proposer,
        when(p.state === 'pending' ? p.expires_at : p.executes_at),
        el('span', {}, ...(p.state === 'pending' ? [decide(p, 'approve'), ' ', decide(p, 'reject'), ' '] : []), decide(p, 'cancel'))]), [3]));
  }
  for (const d of details) {
    parts.push(el('h2', { id: 'acct-' + d.a.id }, 'Account ' + d.a.id + ': ' + d.a.name));
    if (d.error) {
      parts.push(el('p', { class: 'status error', role: 'alert' }, 'cannot load this account: ' + d.error));
      continue;
    }
    if (!d.h.total) parts.push(el('p', { class: 'status empty' }, 'No units in this account.'));
    else {
      parts.push(table('Holdings by unit type and vintage', ['Unit type', 'Vintage', 'Quantity (t)'],
        d.h.by_unit_type_vintage.map((r) => [r.unit_type, String(r.vintage), num(r.quantity)]), [2]));
      parts.push(table('Serial blocks' + (d.h.blocks_truncated ? ' (the first ' + num(d.h.blocks.length) + ')' : ''),
        ['Serials', 'Project', 'Quantity (t)'], d.h.blocks.map((b) => [link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial),
          link('/project.html?id=' + encodeURIComponent(b.project), b.project), num(b.quantity)]), [2]));
    }
    if (d.trusted && d.trusted.length) {
      parts.push(table('Trusted accounts', ['Account', 'State', 'Active from', 'Added by'],
        d.trusted.map((t) => [String(t.trusted_account), t.state, when(t.active_from), t.added_by])));
    }
    if (d.txs.length) {
      parts.push(table(d.txsComplete ? 'Latest transactions' : 'Latest of its first ' + num(TX_PAGES_MAX * 500) + ' transactions', ['Date', 'Kind', 'Quantity (t)', 'From', 'To', 'Transaction'],
        d.txs.map((t) => [when(t.timestamp), t.kind, num(t.quantity), t.from_account ? String(t.from_account) : '—',
          t.to_account ? String(t.to_account) : '—', String(t.id)]), [2]));
    }
  }
  out.replaceChildren(...parts);
  return true;
}

/* What a refused login says (the server's stable codes). */
const LOGIN_REFUSED = {
  bad_credentials: 'unknown email or wrong password',
  bad_totp: 'the code is wrong or out of date: type the one your app shows now',
  totp_reused: 'this code was used already: wait for the next one',
  user_disabled: 'this user is disabled: ask your registry administrator',
};

async function pageAccount() {
  const out = $('#out');
  const form = $('#signin');
  const signout = $('#signout');
  const signedIn = (on) => {
    signout.hidden = !on;
    form.hidden = on;
  };
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    document.body.removeAttribute('data-ready');
    const f = form.elements;
    let session = null;
    try {
      session = await apiWrite('POST', '/v1/session', { email: f.email.value.trim(), password: f.password.value, code: f.code.value.trim() });
    } catch (e) {
      status(out, 'error', 'the registry refused the login: ' + (LOGIN_REFUSED[e.code] || e.message));
    }
    f.password.value = '';
    f.code.value = '';
    if (session) signedIn(await showAccounts(out, session));
    document.body.setAttribute('data-ready', '1');
  });
  signout.addEventListener('click', async () => {
    document.body.removeAttribute('data-ready');
    try {
      await apiWrite('DELETE', '/v1/session');
      status(out, 'empty', 'Logged out. Log in to see your accounts.');
    } catch (e) {
      status(out, e.code === 'session_expired' ? 'empty' : 'error',
        e.code === 'session_expired' ? 'Your session had already ended. Log in to see your accounts.' : 'cannot log out: ' + e.message);
    }
    signedIn(false);
    document.body.setAttribute('data-ready', '1');
  });
  let session = null;
  try {
    session = await api('/v1/session');
  } catch (e) {
    /* no session, or it ended */
  }
  if (session && session.via === 'session') signedIn(await showAccounts(out, session));
  else {
    signedIn(false);
    status(out, 'empty', 'Log in with your email, password and code to see your accounts.');
  }
}

/* ---- Article 6.8: non-market approaches ---------------------------------- */

/* Minor units as an amount of the currency (no minor unit for JPY, KRW). */
const money = (minor, cur) => {
  const d = ['JPY', 'KRW'].includes(cur) ? 0 : 2;
  return cur + ' ' + new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d);
};

async function pageNma() {
  const out = $('#out');
  loading(out, 'the non-market approaches');
  let totals, nmas, market;
  try {
    [totals, nmas, market] = await Promise.all([api('/v1/nma-totals'), api('/v1/nmas'), api('/v1/adaptation-marketplace')]);
  } catch (e) {
    return status(out, 'error', 'cannot load the platform: ' + e.message);
  }
  const rows = totals.items || [];
  const short = rows.filter((r) => r.pledged < r.requested).length;
  out.replaceChildren(el('p', { role: 'status', id: 'gap' }, num((nmas.items || []).length) + ' NMAs; pledges fall short of the needs in ' +
    short + ' of ' + rows.length + ' Party and focus area rows.'));
  /* Tables, not bars: the rows are in different currencies. */
  const list = [];
  const names = await codeNames();
  list.push(table('The gap between needs and pledges', ['Party', 'focus area', 'requested', 'pledged', 'delivered', 'gap', 'share pledged'],
    rows.map((r) => [nameWithCode(names.party, r.party), r.focus_area, money(r.requested, r.currency), money(r.pledged, r.currency), money(r.delivered, r.currency),
      money(r.gap, r.currency), r.pledged_pct + ' %']), [2, 3, 4, 5, 6]));
  list.push(table('Published non-market approaches', ['NMA', 'Party', 'status', 'focus areas', 'needs'],
    (nmas.items || []).map((n) => [n.title, el('span', {}, nameWithCode(names.party, n.party), (n.parties || []).length ? ' (lead), with ' : '',
      (n.parties || []).map((c, i) => [i ? ', ' : '', nameWithCode(names.party, c)])), n.status, (n.focus_areas || []).join(', '),
      (n.needs || []).map((x) => x.type + ' (' + x.sector + '): ' + money(x.amount, x.currency)).join('; ')])));
  list.push(table('Adaptation marketplace', ['project', 'certificate', 'price', 'available'],
    (market.items || []).map((l) => [link('/project.html?id=' + encodeURIComponent(l.project), l.project + ' — ' + l.title), l.unit_type,
      money(l.price, l.currency), num(l.available)]), [2, 3]));
  $('#tables').replaceChildren(...list);
}

/* ---- market (the exchange) --------------------------------------------- */

/* A price in minor units as the currency's amount: 8650 (CNY, 2) -> "CNY 86.50". */
function price(minor, cur, minorUnits) {
  if (minor === null || minor === undefined) return '—';
  const d = minorUnits === undefined ? 2 : minorUnits;
  return cur + ' ' + new Intl.NumberFormat('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }).format(minor / 10 ** d);
}

/* Daily bars as an SVG: the high-low range and the last trade of each day
 * above, the volume below; the numbers in a table under it. A bar's close is
 * the day's last trade; its settlement_price (the VWAP rounded to the tick)
 * is the exchange's closing price of the day, a different number. */
function priceChart(id, title, bars, fmt) {
  const draw = (W) => {
    const padL = Math.max(60, Math.min(W * 0.3, 10 + Math.max(textWidth(fmt(Math.max(...bars.map((b) => b.high)))), textWidth(num(Math.max(...bars.map((b) => b.volume))) + ' t'))));
    const padR = 12, top = 26, priceH = 170, gapH = 22, volH = 70;
    const H = top + priceH + gapH + volH + 24;
    const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': id + '-t' });
    root.append(svg('title', { id: id + '-t' }, title));
    const lo = Math.min(...bars.map((b) => b.low)), hi = Math.max(...bars.map((b) => b.high));
    const span = Math.max(1, hi - lo);
    const vmax = Math.max(1, ...bars.map((b) => b.volume));
    const step = (W - padL - padR) / Math.max(1, bars.length);
    const py = (p) => top + priceH - ((p - lo) / span) * (priceH - 10) - 5;
    const vy0 = top + priceH + gapH + volH;
    root.append(svg('text', { x: padL - 6, y: py(hi) + 4, 'text-anchor': 'end' }, fmt(hi)),
      svg('text', { x: padL - 6, y: py(lo) + 4, 'text-anchor': 'end' }, fmt(lo)),
      svg('text', { x: padL - 6, y: vy0 - volH + 10, 'text-anchor': 'end' }, num(vmax) + ' t'),
      svg('line', { x1: padL, y1: top, x2: padL, y2: vy0, stroke: '#222' }),
      svg('line', { x1: padL, y1: vy0, x2: W - padR, y2: vy0, stroke: '#222' }));
    let path = '';
    /* day labels: as many as fit at 13 px */
    const every = Math.max(1, Math.ceil(bars.length / Math.max(1, Math.floor((W - padL - padR) / (textWidth('12-31') + 10)))));
    bars.forEach((b, i) => {
      const x = padL + step * i + step / 2;
      root.append(svg('line', { x1: x, y1: py(b.high), x2: x, y2: py(b.low), stroke: '#222', 'stroke-width': 2 },
        svg('title', {}, b.day + ': high ' + fmt(b.high) + ', low ' + fmt(b.low))));
      root.append(svg('rect', { x: x - 4, y: py(b.close) - 4, width: 8, height: 8, fill: '#fff', stroke: '#222', 'stroke-width': 2 },
        svg('title', {}, b.day + ': last trade ' + fmt(b.close))));
      path += (i ? 'L' : 'M') + x.toFixed(1) + ' ' + py(b.close).toFixed(1);
      const vh = (b.volume / vmax) * (volH - 14);
      root.append(svg('rect', { x: x - Math.min(12, step / 3), y: vy0 - vh, width: Math.min(24, (2 * step) / 3), height: vh, fill: 'url(#hatch-v)', stroke: '#222' },
        svg('title', {}, b.day + ': ' + num(b.volume) + ' t')));
      if (i % every === 0) root.append(svg('text', { x, y: vy0 + 16, 'text-anchor': 'middle' }, b.day.slice(5)));
    });
    root.prepend(svg('defs', {}, svg('pattern', { id: 'hatch-v', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, fill: '#fff' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#222', 'stroke-width': 3 }))));
    if (bars.length > 1) root.append(svg('path', { d: path, fill: 'none', stroke: '#222', 'stroke-dasharray': '4 3' }));
    root.append(svg('text', { x: padL + 4, y: 14 }, W < 420 ? 'last trade (square), high-low (bar)' : 'price: last trade (square), high-low (bar)'),
      svg('text', { x: padL + 4, y: top + priceH + gapH + 2 }, 'volume (t)'));
    return root;
  };
  return responsiveFigure(id, title, draw, bars.length ? null : 'No trades yet.',
    el('details', { class: 'data' }, el('summary', {}, 'Numbers'),
      table(null, ['Day', 'Open', 'High', 'Low', 'Last trade', 'Settlement price (VWAP)', 'Volume (t)'],
        bars.map((b) => [b.day, fmt(b.open), fmt(b.high), fmt(b.low), fmt(b.close), fmt(b.settlement_price), num(b.volume)]), [1, 2, 3, 4, 5, 6])));
}

async function marketList(out) {
  const list = await apiAll('/v1/exchange/instruments');
  if (!list.length) return status(out, 'empty', 'No instrument is listed yet.');
  /* GET .../close: the day's settlement price (VWAP), not the last trade. */
  const closes = await Promise.all(list.map((x) => api('/v1/exchange/instruments/' + encodeURIComponent(x.code) + '/close').catch(() => null)));
  out.replaceChildren(el('p', { role: 'status' }, num(list.length) + (list.length === 1 ? ' instrument' : ' instruments') + ' listed.'),
    table(null, ['Instrument', 'Name', 'Units', 'Mode', 'Status', 'Settlement price', 'Volume today (t)'], list.map((x, i) => {
      const c = closes[i];
      const what = x.kind === 'batch' ? 'batch ' + x.batch : contractUnits(x);
      return [link('/market.html?code=' + encodeURIComponent(x.code), x.code), x.name, what, x.mode, x.status,
        c ? price(c.settlement_price, x.currency, x.minor_units) : '—', c ? num(c.volume) : '—'];
    }), [5, 6]));
}

/* A standard contract's eligibility criteria in words: unit types,
 * programmes, project, vintages and required labels (docs/API.md). */
function contractUnits(x) {
  const types = (x.unit_types && x.unit_types.length ? x.unit_types : [x.unit_type]).join(' or ');
  return types + (x.programmes && x.programmes.length ? ' of programme ' + x.programmes.join(' or ') : '') +
    (x.project ? ' of ' + x.project : '') +
    (x.vintage_from || x.vintage_to ? ', vintages ' + (x.vintage_from || '…') + '–' + (x.vintage_to || '…') : '') +
    (x.labels && x.labels.length ? ', labelled ' + x.labels.map((l) => l === 'corsia' ? 'CORSIA (' + x.corsia_phase + ' phase)' : l === 'ccp' ? 'CCP' : l === 'oimp' ? 'authorized for OIMP' : l).join(', ') : '');
}

async function marketInstrument(out, code) {
  const base = '/v1/exchange/instruments/' + encodeURIComponent(code);
  let x;
  try {
    x = (await apiAll('/v1/exchange/instruments')).find((i) => i.code === code);
  } catch (e) {
    return status(out, 'error', 'cannot load the instruments: ' + e.message);
  }
  if (!x) return status(out, 'error', 'there is no instrument ' + code);
  $('#title').textContent = x.code + ': ' + x.name;
  const [depth, trades, bars, close] = await Promise.all([api(base + '/depth?levels=10'), api(base + '/trades?limit=20'), api(base + '/bars'), api(base + '/close')]);
  const p = (v) => price(v, x.currency, x.minor_units);
  const n = Math.max(depth.bids.length, depth.asks.length);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const b = depth.bids[i], a = depth.asks[i];
    rows.push([b ? String(b.orders) : '', b ? num(b.qty) : '', b ? p(b.price) : '', a ? p(a.price) : '', a ? num(a.qty) : '', a ? String(a.orders) : '']);
  }
  const fee = (bps) => (bps / 100).toFixed(2) + ' %';
  out.replaceChildren(
    facts([['Status', x.status], ['Mode', x.mode], ['Units', x.kind === 'batch' ? 'issuance batch ' + x.batch : 'any ' + contractUnits(x) + ', oldest vintage first'],
    ['Settlement price', el('span', { id: 'settlement' }, p(close.settlement_price) + ' (' + (close.basis === 'vwap' ? 'volume-weighted average of ' + close.day + ', ' + num(close.volume) + ' t' : 'previous settlement price') + ')')],
    ['Last trade', el('span', { id: 'last-trade' }, close.last_trade_price === null ? 'none today' : p(close.last_trade_price))],
    ['Tick, lot', p(x.tick) + ', ' + num(x.lot) + ' t'],
    ['Price limit', x.band_pct ? '±' + x.band_pct + ' % of the previous settlement price' : 'none'],
    ['Order size', (x.min_qty ? 'at least ' + num(x.min_qty) + ' t' : '') + (x.min_qty && x.max_qty ? ', ' : '') + (x.max_qty ? 'at most ' + num(x.max_qty) + ' t' : '') || 'any'],
    ['Sessions', (x.sessions || 'always open') + (x.sessions ? ' (UTC' + (x.tz_offset_minutes >= 0 ? '+' : '−') + Math.abs(x.tz_offset_minutes / 60) + ')' : '')],
    ['Fees', 'maker ' + fee(x.maker_bps) + ', taker ' + fee(x.taker_bps)],
    x.no_same_day_resale ? ['Resale', 'units bought cannot be sold the same trading day'] : null]),
    el('h2', {}, 'Order book'),
    n ? el('div', { id: 'depth' }, table(n === 1 ? 'Best price level per side' : 'Best ' + n + ' price levels per side', ['Bid orders', 'Bid (t)', 'Bid price', 'Ask price', 'Ask (t)', 'Ask orders'], rows, [0, 1, 2, 3, 4, 5]))
      : el('p', { class: 'status empty', id: 'depth' }, x.mode === 'primary' || x.mode === 'one-way' ? 'Sealed bids are not shown.' : 'The book is empty.'),
    el('h2', {}, 'Recent trades'),
    trades.items.length ? el('div', { id: 'trades' }, table(null, ['Time', 'Price', 'Quantity (t)', 'Taker'],
      trades.items.map((t) => [when(t.ts), p(t.price), num(t.qty), t.taker_side]), [1, 2]))
      : el('p', { class: 'status empty', id: 'trades' }, 'No trades yet.'),
    el('h2', {}, 'Daily prices and volume'),
    el('div', { class: 'charts' }, priceChart('chart-bars', 'Daily price and volume of ' + x.code, bars.items, p)));
  drawCharts(out);
}

async function pageMarket() {
  const out = $('#out');
  const code = params().get('code');
  loading(out, code ? 'instrument ' + code : 'the market');
  try {
    if (code) await marketInstrument(out, code);
    else await marketList(out);
  } catch (e) {
    status(out, 'error', 'cannot load the market: ' + e.message);
  }
}

/* ---- start --------------------------------------------------------------- */

const pages = { index: pageIndex, project: pageProject, serial: pageSerial, retirements: pageRetirements,
  retirement: pageRetirement, verify: pageVerify, dashboards: pageDashboards, account: pageAccount, nma: pageNma, market: pageMarket };
document.addEventListener('DOMContentLoaded', () => {
  const f = pages[document.body.dataset.page];
  const done = () => document.body.setAttribute('data-ready', '1');
  if (f) f().catch((e) => status($('#out'), 'error', 'unexpected: ' + e.message)).finally(done);
  else done();
});
