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

/* ---- languages (docs/API.md "Web pages", Languages) ------------------------
 * lang.js (loaded first) picks the language and gives tr, trn, trx, word and
 * loadMessages; the pages' catalogues are web/i18n/LANG.json. */
/* The static text of the page (data-i18n="key": the element's text;
 * data-i18n-attr="attr=key;...": attributes), the lang attribute, and the
 * language picker at the end of the header. */
function translatePage(shown) {
  document.documentElement.lang = shown || LANG;
  for (const e of document.querySelectorAll('[data-i18n]'))
    e.textContent = e.tagName === 'TITLE' ? tr('title.of', { what: tr(e.dataset.i18n) }) : tr(e.dataset.i18n);
  translateAttrs();
  langPicker(shown || LANG);
}

const NUM = new Intl.NumberFormat(LOCALE);
/* 12500 -> "12,500" (en), "12 500" (fr), "12.500" (es), "12,500" (zh) */
const num = (n) => (n === null || n === undefined ? '—' : NUM.format(n));
/* A number with fixed decimals in the page's locale: 12.5 -> "12.50" / "12,50". */
/* 42 -> "42 %" ("42 %" in French, "42%" in Chinese: the catalogue's form) */
const pct = (v) => tr('pct', { v: typeof v === 'number' ? num(v) : v });
const dec = (v, d) => new Intl.NumberFormat(LOCALE, { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);
/* Timestamps in UTC. English keeps ISO 8601 ("2026-11-21 03:10 UTC", the
 * registry's documents' form); the other languages their locale's date
 * (Intl.DateTimeFormat, "21 nov. 2026, 03:10 UTC"). Dates alone likewise. */
const DATE_TIME = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const DATE = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });
function when(ts) {
  if (!ts) return '—';
  if (typeof ts === 'number') ts = new Date(ts).toISOString();
  const d = new Date(ts.length > 10 ? ts : ts + 'T00:00:00Z');
  if (LANG === 'en' || isNaN(d)) return ts.length > 10 ? ts.slice(0, 10) + ' ' + ts.slice(11, 16) + ' UTC' : ts;
  return ts.length > 10 ? DATE_TIME.format(d) + ' UTC' : DATE.format(d);
}
/* The day of a timestamp. */
const day = (ts) => (ts ? when(String(ts).slice(0, 10)) : '—');
const params = () => new URLSearchParams(location.search);
/* "2021-01-01 to 2030-12-31" */
const period = (a, b) => tr('period', { from: when(a), to: when(b) });
const link = (href, text) => el('a', { href }, text);
/* 12500 -> "12,500 t" */
const tonnes = (n) => tr('tonnes', { n: num(n) });
const serialSpan = (s) => el('span', { class: 'serial' }, s);

/* A status line; an error's "Error:" prefix is drawn by the style sheet
 * from data-prefix (style.css). */
function status(out, kind, text) {
  out.replaceChildren(el('p', { class: 'status ' + kind, role: kind === 'error' ? 'alert' : 'status',
    'data-prefix': kind === 'error' ? tr('status.error_prefix') : null }, text));
}
const loading = (out, what) => status(out, 'loading', tr('status.loading', { what }));

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
    throw new ApiError(0, 'network', tr('err.network', { e: e.message }));
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
/* Names in the chosen language (docs/API.md "Web pages", Names): a Party's
 * through the browser's Intl.DisplayNames (type region) from its ISO 3166-1
 * alpha-2 code (web/i18n/iso3166-1-alpha2.json, alpha-3 -> alpha-2, the
 * data of config/iso3166-1-alpha2.tsv), in English the name as registered,
 * and the registered (English) name when the browser knows no name for it;
 * a programme's from the catalogue (programme.CODE), else as registered. */
let alpha2Loaded = null;
function alpha2() {
  if (!alpha2Loaded) alpha2Loaded = LANG === 'en' ? Promise.resolve({})
    : fetch('/i18n/iso3166-1-alpha2.json').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  return alpha2Loaded;
}
async function localNames(parties, programmes) {
  const a2 = await alpha2();
  let dn = null;
  try {
    dn = LANG === 'en' ? null : new Intl.DisplayNames([LOCALE], { type: 'region', fallback: 'none' });
  } catch (e) {
    /* no Intl.DisplayNames: the registered names */
  }
  const region = (c) => {
    try {
      return dn && a2[c] ? dn.of(a2[c]) : undefined;
    } catch (e) {
      return undefined;
    }
  };
  return { party: new Map(parties.map((p) => [p.code, region(p.code) || p.name])),
    programme: new Map(programmes.map((p) => [p.code, word('programme', p.code) === p.code ? p.name : word('programme', p.code)])) };
}
function codeNames() {
  if (!namesLoaded) namesLoaded = Promise.all([apiAll('/v1/parties'), apiAll('/v1/programmes')])
    .then(([ps, gs]) => localNames(ps, gs))
    .catch(() => ({ party: new Map(), programme: new Map() }));
  return namesLoaded;
}
/* A name with its code on hover, or the code when the name is unknown. */
const nameWithCode = (map, code) => (code && map.has(code) ? el('span', { class: 'named', title: code }, map.get(code)) : code || '—');

function facts(pairs) {
  return el('dl', { class: 'facts' }, pairs.filter((p) => p).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

/* ---- projects ------------------------------------------------------------- */

/* Projects a page at a time (PROJECTS_PAGE, by project id, "after" the
 * server's cursor), never the whole list; the whole list is the CSV.
 * The registry's total of the server's filters (programme, host, status:
 * the page's "total") is shown above the page. */
const PROJECTS_PAGE = 50;

async function pageIndex() {
  const out = $('#out');
  const form = $('#filters');
  const q = params();
  for (const name of ['q', 'programme', 'host', 'kind', 'status']) if (q.get(name)) form.elements[name].value = q.get(name);
  try {
    const [progs, parties] = await Promise.all([apiAll('/v1/programmes'), apiAll('/v1/parties')]);
    namesLoaded = localNames(parties, progs);
    const ln = await namesLoaded;
    for (const p of progs) form.elements.programme.append(el('option', { value: p.code }, p.code + ' — ' + ln.programme.get(p.code)));
    for (const p of parties) form.elements.host.append(el('option', { value: p.code }, p.code + ' — ' + ln.party.get(p.code)));
    for (const name of ['programme', 'host']) if (q.get(name)) form.elements[name].value = q.get(name);
  } catch (e) {
    status(out, 'error', tr('index.err_filters', { e: e.message }));
    return;
  }
  const names = await codeNames();
  /* The filters of the form, as query parameters ("after": the page). */
  const filterParams = () => {
    const sp = new URLSearchParams();
    for (const name of ['q', 'programme', 'host', 'kind', 'status']) if (form.elements[name].value) sp.set(name, form.elements[name].value);
    return sp;
  };
  const pageQuery = (after) => {
    const sp = filterParams();
    if (after) sp.set('after', after);
    return sp.toString() ? '?' + sp : '';
  };
  const pageHref = (after) => '/index.html' + pageQuery(after);
  async function search(after) {
    const f = form.elements;
    history.replaceState(null, '', pageQuery(after) || location.pathname);
    /* The server filters by programme, host and status and pages
     * (GET /v1/projects); type and text filter the page loaded. */
    const api_q = new URLSearchParams();
    for (const name of ['programme', 'host', 'status']) if (f[name].value) api_q.set(name, f[name].value);
    api_q.set('limit', String(PROJECTS_PAGE));
    if (after) api_q.set('after', after);
    loading(out, tr('index.loading'));
    let page;
    try {
      page = await api('/v1/projects?' + api_q);
    } catch (e) {
      status(out, 'error', tr('index.err_search', { e: e.message }));
      return;
    }
    const text = f.q.value.trim().toLowerCase();
    const items = (page.items || []).filter((p) => (!f.kind.value || p.kind === f.kind.value) &&
      (!text || [p.id, p.title, p.methodology, p.sector].join(' ').toLowerCase().includes(text)));
    const pager = after || page.next ? el('nav', { class: 'pager', 'aria-label': tr('index.pages') },
      after ? link(pageHref(null), tr('index.first')) : null, after && page.next ? ' · ' : null,
      page.next ? link(pageHref(page.next), tr('index.next')) : null) : null;
    const note = (f.kind.value || text) && (after || page.next) ? el('p', { class: 'muted', id: 'page-note' }, tr('index.page_note')) : null;
    const filtered = f.programme.value || f.host.value || f.status.value;
    const total = el('p', { id: 'projects-total' }, trn(filtered ? 'index.total_filtered' : 'index.total', page.total));
    if (!items.length) {
      status(out, 'empty', tr('index.none'));
      out.append(...[total, note, pager, csvLinks(['projects'])].filter((x) => x));
      return;
    }
    out.replaceChildren(total,
      el('p', { role: 'status', id: 'projects-shown' }, trn('index.count', items.length)), note,
      csvLinks(['projects']),
      table(null, [tr('col.project'), tr('col.title'), tr('col.programme'), tr('col.host'), tr('col.type'), tr('col.status'), tr('col.crediting')],
        items.map((p) => [link('/project.html?id=' + encodeURIComponent(p.id), p.id), p.title, nameWithCode(names.programme, p.programme),
          nameWithCode(names.party, p.host), word('kind', p.kind),
          word('pstatus', p.status), period(p.crediting_start, p.crediting_end)])), pager);
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search();
  });
  await search(q.get('after'));
}

async function pageProject() {
  const out = $('#out');
  const id = params().get('id');
  if (!id) {
    status(out, 'error', tr('project.none_given'));
    return;
  }
  loading(out, tr('project.loading', { id }));
  let p, act = null, rets;
  try {
    [p, rets] = await Promise.all([api('/v1/projects/' + encodeURIComponent(id)),
      apiAll('/v1/retirements?project=' + encodeURIComponent(id))]);
  } catch (e) {
    status(out, 'error', e.status === 404 ? tr('project.missing', { id }) : tr('project.err', { id, e: e.message }));
    return;
  }
  try {
    act = await api('/v1/activities/' + encodeURIComponent(id));
  } catch (e) {
    if (e.status !== 404) act = { error: e.message };
  }
  $('#title').textContent = p.id + ': ' + p.title;
  document.title = tr('title.of', { what: p.id });
  const issued = (p.issuances || []).reduce((s, b) => s + b.quantity, 0);
  const retired = rets.reduce((s, r) => s + r.quantity, 0);
  const names = await codeNames();
  const parts = [facts([
    [tr('col.programme'), nameWithCode(names.programme, p.programme)], [tr('index.host'), nameWithCode(names.party, p.host)], [tr('col.type'), word('kind', p.kind)],
    [tr('project.sector'), p.sector], [tr('project.methodology'), p.methodology], [tr('col.status'), word('pstatus', p.status)],
    [tr('col.crediting'), period(p.crediting_start, p.crediting_end)],
    [tr('project.issued'), tonnes(issued)], [tr('project.retired'), tonnes(retired)]])];
  parts.push(el('h2', {}, tr('project.cycle')));
  if (!act) parts.push(el('p', { class: 'status empty' }, tr('project.no_cycle')));
  else if (act.error) parts.push(el('p', { class: 'status error', 'data-prefix': tr('status.error_prefix') }, tr('project.err_cycle', { e: act.error })));
  else {
    parts.push(facts([[tr('project.mechanism'), act.mechanism], [tr('project.state'), word('cstate', act.state)], act.transition_from && [tr('project.transition'), act.transition_from],
      [tr('project.issued_cycle'), tonnes(act.issued)]]));
    if ((act.periods || []).length)
      parts.push(table(tr('project.periods'), [tr('col.period'), tr('col.from'), tr('col.to'), tr('project.state'), tr('project.reported'), tr('project.certified')],
        act.periods.map((m) => [String(m.period), when(m.start), when(m.end), word('cstate', m.state), num(m.reported), num(m.certified)]), [4, 5]));
    if ((act.steps || []).length)
      parts.push(table(tr('project.steps'), [tr('col.date'), tr('project.step'), tr('col.period'), tr('project.decision'), tr('project.state'), tr('project.by'), tr('project.docs')],
        act.steps.map((s) => [when(s.timestamp), word('step', s.step), s.period === null ? '—' : String(s.period), s.decision || '—',
          word('cstate', s.from_state || '—') + ' → ' + word('cstate', s.to_state), s.role,
          el('span', {}, (s.documents || []).map((d) => el('span', { class: 'serial' }, d.type + ' ',
            link('/v1/documents/' + d.sha256, d.sha256.slice(0, 16) + '…'), el('br'))))])));
    /* Issue 20: the safeguards answered at registration, the SD indicators
     * of each monitoring report, and the fees billed (step details). */
    const steps = act.steps || [];
    const safe = steps.filter((s) => s.detail && s.detail.safeguards);
    if (safe.length)
      parts.push(table(tr('project.safeguards'), [tr('project.safeguard'), tr('project.answer')],
        Object.entries(safe[safe.length - 1].detail.safeguards).map(([k, v]) => [k, v ? tr('yes') : tr('no')])));
    const sd = steps.filter((s) => s.step === 'monitor' && s.detail && s.detail.sd_indicators);
    if (sd.length)
      parts.push(table(tr('project.sd'), [tr('col.period'), tr('project.indicator'), tr('project.value')],
        sd.flatMap((s) => Object.entries(s.detail.sd_indicators).map(([k, v]) => [String(s.period), k, num(v)])), [2]));
    const inv = steps.flatMap((s) => ((s.detail && s.detail.invoices) || []).map((i) => [when(s.timestamp), i.deferred ? tr('project.deferred', { fee: word('fee', i.fee) }) : word('fee', i.fee),
      money(i.amount, i.currency), word('relief', i.relief) + (i.group ? ' (' + i.group + ')' : ''), money(i.due, i.currency)]));
    if (inv.length) parts.push(table(tr('project.fees'), [tr('col.date'), tr('project.fee'), tr('project.amount'), tr('project.relief'), tr('project.due')], inv, [2, 4]));
  }
  parts.push(el('h2', {}, tr('project.issuances')));
  if (!(p.issuances || []).length) parts.push(el('p', { class: 'status empty' }, tr('project.no_issuance')));
  else parts.push(table(null, [tr('col.batch'), tr('col.vintage'), tr('col.unit_type'), tr('col.quantity'), tr('col.registry'), tr('col.serials')],
    p.issuances.map((b) => [String(b.batch), String(b.vintage), b.unit_type, num(b.quantity), b.registry,
      link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial)]), [3]));
  parts.push(el('h2', {}, tr('project.retirements')));
  if (!rets.length) parts.push(el('p', { class: 'status empty' }, tr('project.no_retirement')));
  else parts.push(retirementTable(rets));
  out.replaceChildren(...parts);
}

/* ---- serials ---------------------------------------------------------------- */

const where = (type, registry) => (type ? (registry ? tr('serial.account_of', { type: word('acct', type), registry }) : tr('serial.account', { type: word('acct', type) })) : '—');

async function pageSerial() {
  const out = $('#out');
  const form = $('#lookup');
  async function look(serial) {
    loading(out, serial);
    let v;
    try {
      v = await api('/v1/serials/' + encodeURIComponent(serial) + '/public');
    } catch (e) {
      status(out, 'error', e.status === 404 ? tr('serial.missing', { serial })
        : e.code === 'invalid_serial' ? tr('serial.invalid', { serial }) : e.message);
      return;
    }
    const b = v.batch;
    const held = v.held_by.map((h) => [serialSpan(h.serial), num(h.quantity),
      where(h.account.type, h.account.registry), h.retired ? tr('serial.retired_yes') : tr('no')]);
    const hist = v.history.map((h) => [when(h.timestamp), word('txkind', h.kind), num(h.last - h.first + 1),
      h.from_account_type ? where(h.from_account_type, h.from_registry) : '—', where(h.to_account_type, h.to_registry),
      h.kind === 'retirement' ? link('/retirement.html?id=' + h.transaction, tr('serial.retirement_n', { n: h.transaction })) : String(h.transaction)]);
    const now = v.held_by.length === 1 ? v.held_by[0] : null;
    out.replaceChildren(
      el('p', { class: 'verdict-line', id: 'where' }, now
        ? trx(now.retired ? 'serial.now_retired' : 'serial.now', { where: el('strong', {}, where(now.account.type, now.account.registry)) })
        : trn('serial.held_in', v.held_by.length)),
      facts([[tr('serial.serial'), serialSpan(v.serial)], [tr('col.project'), link('/project.html?id=' + encodeURIComponent(b.project), b.project)],
        [tr('col.unit_type'), b.unit_type], [tr('col.vintage'), String(b.vintage)], [tr('serial.batch'), serialSpan(b.serial)], [tr('serial.batch_size'), tonnes(b.quantity)]]),
      el('h2', {}, tr('serial.where_now')),
      table(null, [tr('serial.block'), tr('serial.units'), tr('serial.acct'), tr('project.retired')], held, [1]),
      el('h2', {}, tr('serial.how')),
      hist.length ? table(null, [tr('col.date'), tr('col.kind'), tr('serial.moved'), tr('col.from'), tr('col.to'), tr('col.transaction')], hist, [2])
        : el('p', { class: 'status empty' }, tr('serial.no_history')));
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
  } else status(out, 'empty', tr('serial.enter'));
}

/* ---- retirements ------------------------------------------------------------ */

/* Retirements are named by their registry transaction number: issuances,
 * transfers and retirements share one sequence, so the retirements'
 * numbers have gaps (4, 10, 17); the pages say so. */
const RETIREMENT_NUMBERS = 'ret.numbers';
function retirementTable(rets) {
  return table(null, [tr('col.date'), tr('col.quantity'), tr('col.beneficiary'), tr('col.purpose'), tr('col.reporting_year'), tr('serial.units'), tr('col.certificate')],
    rets.map((r) => [when(r.timestamp), num(r.quantity), r.beneficiary || '—', r.purpose || '—',
      r.reporting_year ? String(r.reporting_year) : tr('ret.no_year'),
      el('span', {}, r.blocks.map((b) => [link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial), el('br')])),
      link('/retirement.html?id=' + r.id, tr('ret.cert_of', { n: r.id }))]), [1]);
}

/* Retirements a page at a time (RETIREMENTS_PAGE, newest cursor from the
 * server's "next"), with the registry's totals from GET /v1/stats and the
 * whole list as CSV. */
const RETIREMENTS_PAGE = 50;
async function pageRetirements() {
  const out = $('#out');
  loading(out, tr('rets.loading'));
  const after = params().get('after');
  let page, stats;
  try {
    [page, stats] = await Promise.all([api('/v1/retirements?limit=' + RETIREMENTS_PAGE + (after ? '&after=' + encodeURIComponent(after) : '')),
      api('/v1/stats')]);
  } catch (e) {
    return status(out, 'error', tr('rets.err', { e: e.message }));
  }
  const rets = page.items || [];
  if (!rets.length && !after) return status(out, 'empty', tr('rets.none'));
  const T = stats.totals;
  const pager = after || page.next ? el('nav', { class: 'pager', 'aria-label': tr('rets.pages') },
    after ? link('/retirements.html', tr('rets.first')) : null, after && page.next ? ' · ' : null,
    page.next ? link('/retirements.html?after=' + encodeURIComponent(page.next), tr('rets.next')) : null) : null;
  out.replaceChildren(el('p', { role: 'status', id: 'rets-total' }, tr('rets.total', { n: trn('rets.count', T.retirements), q: num(T.retired) })),
    el('p', { id: 'rets-shown' }, tr('rets.shown', { n: num(rets.length) })),
    csvLinks(['retirements']),
    el('p', { class: 'muted', id: 'numbering' }, tr(RETIREMENT_NUMBERS)), retirementTable(rets), pager);
}

async function pageRetirement() {
  const out = $('#out');
  const id = params().get('id');
  if (!id || !/^[0-9]+$/.test(id)) return status(out, 'error', tr('ret.none_given'));
  loading(out, tr('ret.loading', { id }));
  let cert;
  try {
    cert = await api('/v1/retirements/' + id + '/certificate');
  } catch (e) {
    return status(out, 'error', e.status === 404 ? tr('ret.missing', { id }) : tr('ret.err', { id, e: e.message }));
  }
  const r = cert.retirement;
  const names = await codeNames();
  $('#title').textContent = tr('ret.title', { q: num(r.quantity), day: day(r.timestamp), tx: r.transaction });
  document.title = tr('title.of', { what: tr('ret.doc_title', { tx: r.transaction }) });
  const result = el('div', { id: 'result', 'aria-live': 'polite' });
  const btn = el('button', { type: 'button', class: 'primary' }, tr('ret.verify_here'));
  btn.addEventListener('click', () => showVerification(result, cert));
  out.replaceChildren(
    facts([[tr('ret.tx'), el('span', { id: 'tx' }, String(r.transaction))], [tr('col.date'), when(r.timestamp)], [tr('ret.quantity'), tonnes(r.quantity)],
      [tr('col.beneficiary'), r.beneficiary || '—'], [tr('col.purpose'), r.purpose || '—'], [tr('ret.claim'), r.claim || '—'],
      [tr('col.reporting_year'), r.reporting_year ? String(r.reporting_year) : tr('ret.no_year')],
      [tr('ret.leaf'), tr('ret.leaf_of', { i: num(cert.leaf.index), n: num(cert.tree_head.tree_size) })],
      [tr('ret.signed'), tr('ret.signed_with', { when: when(cert.tree_head.timestamp), key: cert.tree_head.key_id })]]),
    el('h2', {}, tr('serial.units')),
    table(null, [tr('col.serials'), tr('col.quantity'), tr('col.project'), tr('col.host'), tr('col.vintage')], r.blocks.map((b) => [
      link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial), num(b.quantity),
      link('/project.html?id=' + encodeURIComponent(b.project), b.project), nameWithCode(names.party, b.host), String(b.vintage)]), [1]),
    el('p', { class: 'muted' }, tr(RETIREMENT_NUMBERS)),
    el('h2', {}, tr('col.certificate')),
    el('p', {}, link('/v1/retirements/' + id + '/certificate.html', tr('ret.printable')), ' · ',
      el('a', { href: '/v1/retirements/' + id + '/certificate.pdf', download: 'certificate-' + id + '.pdf', type: 'application/pdf' }, tr('ret.pdf')), ' · ',
      el('a', { href: '/v1/retirements/' + id + '/certificate', download: 'certificate-' + id + '.json' }, tr('verify.cert')), ' · ',
      link('/verify.html', tr('ret.verify_other'))),
    btn, result);
}

/* ---- certificate verification (docs/TRANSPARENCY.md) ---------------------- */

const enc = new TextEncoder();
const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
function unhex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error(tr('verify.not_hex', { s: String(s).slice(0, 20) }));
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
    if (!Number.isSafeInteger(v)) throw new Error(tr('verify.not_int', { v }));
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
      Array.isArray(cert.inclusion_proof), tr('verify.c_format'))) return checks;
    const r = cert.retirement, head = cert.tree_head;
    if (!check(Array.isArray(r.blocks) && r.blocks.length > 0 &&
      r.blocks.reduce((s, b) => s + b.quantity, 0) === r.quantity &&
      r.blocks.every((b) => b.last - b.first + 1 === b.quantity), tr('verify.c_blocks', { q: num(r.quantity) }))) return checks;
    const entry = logEntry(r);
    if (cert.leaf.entry !== undefined &&
      !check(new TextDecoder().decode(entry) === cert.leaf.entry, tr('verify.c_entry'))) return checks;
    const leaf = await sha256(new Uint8Array([0]), entry);
    if (!check(hex(leaf) === cert.leaf.hash, tr('verify.c_leaf', { h: hex(leaf).slice(0, 16) }))) return checks;
    /* RFC 9162 2.1.3.2 */
    let fn = cert.leaf.index, sn = head.tree_size - 1, h = leaf;
    if (!check(Number.isSafeInteger(fn) && fn >= 0 && fn <= sn, tr('verify.c_index', { i: fn, n: head.tree_size }))) return checks;
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
    if (!check(sn === 0 && hex(h) === head.root_hash, tr('verify.c_proof', { n: cert.inclusion_proof.length,
      root: String(head.root_hash).slice(0, 16) }))) return checks;
    const key = keys.find((k) => k.key_id === head.key_id);
    if (!check(!!key, tr('verify.c_key', { key: head.key_id }))) return checks;
    const pk = unhex(key.public_key);
    if (!check(pk.length === 32 && hex(await sha256(pk)).slice(0, 16) === key.key_id, tr('verify.c_keyid'))) return checks;
    const size = new DataView(new ArrayBuffer(16));
    size.setBigUint64(0, BigInt(head.tree_size));
    size.setBigUint64(8, BigInt(head.timestamp));
    const msg = concat(enc.encode('ledger6 tree head v1\n'), new Uint8Array(size.buffer), unhex(head.root_hash));
    let ok = false;
    try {
      const k = await crypto.subtle.importKey('raw', pk, { name: 'Ed25519' }, false, ['verify']);
      ok = await crypto.subtle.verify({ name: 'Ed25519' }, k, unhex(head.signature), msg);
    } catch (e) {
      check(false, tr('verify.c_nosig', { e: e.message }));
      return checks;
    }
    check(ok, tr('verify.c_sig', { when: when(head.timestamp) }));
  } catch (e) {
    check(false, tr('verify.c_malformed', { e: e.message }));
  }
  return checks;
}

async function showVerification(result, cert) {
  status(result, 'loading', tr('verify.verifying'));
  let keys;
  try {
    keys = (await api('/v1/keys')).items;
  } catch (e) {
    return status(result, 'error', tr('verify.err_keys', { e: e.message }));
  }
  const checks = await verifyCertificate(cert, keys);
  const ok = checks.length > 0 && checks.every((c) => c.ok);
  const r = cert && cert.retirement;
  result.replaceChildren(
    el('p', { class: 'verdict ' + (ok ? 'ok' : 'bad'), id: 'verdict', role: 'status', 'data-prefix': tr(ok ? 'verify.valid' : 'verify.not_valid') }, ok
      ? tr('verify.ok', { q: num(r.quantity), who: r.beneficiary || '—' })
      : tr('verify.failed', { what: checks.find((c) => !c.ok).what })),
    el('ol', { class: 'checks' }, checks.map((c) => el('li', { class: c.ok ? 'pass' : 'fail' }, c.ok ? c.what : tr('verify.failed_item', { what: c.what })))));
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
    if (!text) return status(out, 'empty', tr('verify.paste_first'));
    let cert;
    try {
      cert = JSON.parse(text);
    } catch (e) {
      return status(out, 'error', tr('verify.not_json', { e: e.message }));
    }
    showVerification(out, cert);
  });
  status(out, 'empty', tr('verify.nothing'));
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
  return responsiveFigure(id, title, draw, rows.length ? null : tr('chart.no_data'),
    el('details', { class: 'data' }, el('summary', {}, tr('chart.numbers')),
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

/* CSV downloads of the open data (docs/API.md, Open data). */
function csvLinks(names) {
  return el('p', { class: 'downloads' }, tr('csv.download') + ' ',
    names.map((n, i) => [i ? ' · ' : '', el('a', { href: '/v1/public/' + n + '.csv', download: n + '.csv', type: 'text/csv' }, tr('csv.' + n))]));
}

/* The dashboards read the registry's aggregates (GET /v1/stats: totals by
 * vintage, reporting year, host and programme, summed by the store) and the
 * short reference lists, never the lists of issuances or retirements, so
 * that they load as fast with 100,000 projects as with 15. */
async function pageDashboards() {
  const out = $('#out');
  const charts = $('#charts');
  loading(out, tr('dash.loading'));
  let stats, auths, parties, programmes;
  try {
    [stats, auths, parties, programmes] = await Promise.all([api('/v1/stats'), apiAll('/v1/a6/authorizations'), apiAll('/v1/parties'),
      apiAll('/v1/programmes')]);
  } catch (e) {
    return status(out, 'error', tr('dash.err', { e: e.message }));
  }
  /* Names for codes, in the chosen language (localNames), the code on hover. */
  const named = (m) => (code) => (m.has(code) ? { text: m.get(code), code } : String(code));
  const ln = await localNames(parties, programmes);
  const partyName = named(ln.party);
  const programmeName = named(ln.programme);
  const T = stats.totals;
  const total = T.issued;
  out.replaceChildren(el('p', { role: 'status', id: 'totals' }, tr('dash.totals', { issued: num(T.issued), batches: trn('dash.batches', T.batches),
    retired: num(T.retired), retirements: trn('dash.retirements', T.retirements) })),
  el('p', { id: 'projects-total' }, trn('dash.projects', T.projects)), csvLinks(['projects', 'issuances', 'retirements']));
  const S = { issued: tr('dash.s_issued'), retired: tr('dash.s_retired') };
  const byKey = (a, b) => String(a.key).localeCompare(String(b.key));
  const list = [];
  list.push(barChart('chart-issuance-year', tr('dash.by_vintage'), [S.issued],
    stats.by_vintage.filter((r) => r.issued).sort(byKey).map((r) => ({ label: String(r.key), values: [r.issued] }))));
  /* The year a retirement is reported for (its reporting_year), not the
   * year it was recorded; retirements that name none are counted apart. */
  const ry = stats.by_reporting_year.filter((r) => r.retired);
  list.push(barChart('chart-retirement-year', tr('dash.by_reporting_year'), [S.retired],
    ry.filter((r) => r.key !== null).sort(byKey).concat(ry.filter((r) => r.key === null))
      .map((r) => ({ label: r.key === null ? tr('dash.no_year') : r.key, values: [r.retired] }))));
  /* issuance and retirements by host Party and by programme, most issued first */
  const byTwo = (rows, name) => rows.slice().sort((x, y) => y.issued - x.issued || byKey(x, y)).map((r) => ({ label: name(r.key), values: [r.issued, r.retired] }));
  list.push(barChart('chart-host', tr('dash.by_host'), [S.issued, S.retired], byTwo(stats.by_host, partyName)));
  list.push(barChart('chart-programme', tr('dash.by_programme'), [S.issued, S.retired], byTwo(stats.by_programme, programmeName)));
  /* the registry's projects, issued or not, by status (GET /v1/stats) */
  list.push(barChart('chart-projects-status', tr('dash.by_status'), [tr('dash.s_projects')],
    stats.projects_by_status.map((r) => ({ label: word('pstatus', r.key), values: [r.projects] }))));
  /* concentration: the share of the top six hosts -- only when there are
   * more than six; with six or fewer, every host's share. */
  const hosts = stats.by_host.filter((r) => r.issued).sort((x, y) => y.issued - x.issued || byKey(x, y))
    .map((r) => ({ label: partyName(r.key), values: [r.issued] }));
  const share = (v) => pct(dec(total ? (100 * v) / total : 0, 1));
  const shareS = tr('dash.s_share');
  if (hosts.length > 6) {
    const top = hosts.slice(0, 6);
    const share6 = top.reduce((s, r) => s + r.values[0], 0);
    top.push({ label: tr('dash.other_hosts', { n: num(hosts.length - 6) }), values: [total - share6] });
    list.push(barChart('chart-top6', tr('dash.top6', { n: num(hosts.length), share: share(share6) }), [shareS], top, share));
  } else {
    list.push(barChart('chart-top6', hosts.length === 1 ? tr('dash.share_one') : tr('dash.share_all', { n: num(hosts.length) }), [shareS], hosts, share));
  }
  /* authorized vs unauthorized (Article 6.2) */
  const authBy = sumBy(auths.filter((a) => !a.revoked), (a) => a.party, (a) => a.assigned || 0);
  list.push(barChart('chart-authorized', tr('dash.authorized'), [tr('dash.s_authorized'), tr('dash.s_not_authorized')],
    stats.by_host.filter((r) => r.issued).sort(byKey)
      .map((r) => ({ label: partyName(r.key), values: [authBy.get(r.key) || 0, Math.max(0, r.issued - (authBy.get(r.key) || 0))] }))));
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
  list.push(barChart('chart-itmo', tr('dash.itmo'), [tr('dash.s_first_transferred'), tr('dash.s_used')],
    subs.map((s) => {
      const p = partyName(s.party);
      return { label: typeof p === 'object' ? { text: p.text + ' ' + s.year, code: p.code } : p + ' ' + s.year, values: [s.first_transferred || 0, s.used || 0] };
    })));
  /* benefit sharing: of the price buyers paid on the exchange, what reached the host side */
  const bs = await api('/v1/exchange/benefit-sharing').catch(() => ({ items: [], unattributed_qty: 0 }));
  const major = (v, d) => (v === null ? 0 : v / 10 ** d);
  const fig = barChart('chart-benefit', tr('dash.benefit'), [tr('dash.s_host_received'), tr('dash.s_buyers_paid')],
    bs.items.filter((r) => r.share_bps !== null).map((r) => {
      const p = partyName(r.host);
      const text = tr('dash.benefit_row', { host: typeof p === 'object' ? p.text : p, cur: r.currency, share: pct(dec(r.share_bps / 100, 1)) });
      return { label: { text, code: r.host }, values: [major(r.host_sales.received, r.minor_units), major(r.buyers_price, r.minor_units)] };
    }),
    (v) => dec(v, 2));
  fig.append(el('p', { class: 'muted' }, tr('dash.benefit_note', { q: num(bs.unattributed_qty) })));
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
    throw new ApiError(0, 'network', tr('err.network', { e: e.message }));
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
  loading(out, tr('acc.loading'));
  let orgs, accounts;
  try {
    [orgs, accounts] = await Promise.all([apiAll('/v1/organisations'), apiAll('/v1/accounts')]);
  } catch (e) {
    status(out, 'error', tr('acc.err', { e: e.message }));
    return false;
  }
  const orgName = new Map(orgs.map((o) => [o.id, o.name]));
  const who = session.user.name + ' (' + (orgs.length === 1 ? orgs[0].name : trn('acc.orgs', orgs.length)) + ')';
  if (!accounts.length) {
    out.replaceChildren(el('p', { id: 'who' }, tr('acc.who', { who })), el('p', { class: 'status empty' }, tr('acc.none')));
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
    const b = el('button', { type: 'button', 'data-proposal': String(p.id), 'data-action': what }, tr('acc.do_' + what));
    b.addEventListener('click', async () => {
      document.body.removeAttribute('data-ready');
      let note = null;
      try {
        await apiWrite('POST', '/v1/proposals/' + p.id + '/' + what, {});
      } catch (e) {
        note = tr('acc.err_' + what, { id: p.id, e: e.message });
      }
      await showAccounts(out, session);
      if (note) out.prepend(el('p', { class: 'status error', role: 'alert', 'data-prefix': tr('status.error_prefix') }, note));
      document.body.setAttribute('data-ready', '1');
    });
    return b;
  };
  const total = details.reduce((s, d) => s + (d.h ? d.h.total : 0), 0);
  const parts = [el('p', { id: 'who' }, tr(accounts.length > shown.length ? 'acc.who_held_first' : 'acc.who_held',
    { who, accounts: trn('acc.accounts', accounts.length), q: num(total), first: shown.length })),
  table(tr('acc.accounts_caption'), [tr('serial.acct'), tr('acc.name'), tr('acc.org'), tr('col.registry'), tr('col.type'), tr('col.status'), tr('acc.held')],
    details.map((d) => [el('a', { href: '#acct-' + d.a.id }, String(d.a.id)), d.a.name, orgName.get(d.a.organisation) || String(d.a.organisation),
      d.a.registry, word('acct', d.a.type), d.a.status, d.h ? num(d.h.total) : '—']), [6])];
  if (open.length) {
    parts.push(table(tr('acc.proposals'), [tr('acc.proposal'), tr('col.kind'), tr('project.state'), tr('col.quantity'), tr('col.from'), tr('col.to'),
      tr('acc.proposer'), tr('acc.expires'), tr('acc.act')],
      open.map((p) => [String(p.id), word('txkind', p.kind), p.state, num(p.quantity), String(p.from_account), String(p.to_account), p.proposer,
        when(p.state === 'pending' ? p.expires_at : p.executes_at),
        el('span', {}, ...(p.state === 'pending' ? [decide(p, 'approve'), ' ', decide(p, 'reject'), ' '] : []), decide(p, 'cancel'))]), [3]));
  }
  for (const d of details) {
    parts.push(el('h2', { id: 'acct-' + d.a.id }, tr('acc.account_h', { id: d.a.id, name: d.a.name })));
    if (d.error) {
      parts.push(el('p', { class: 'status error', role: 'alert', 'data-prefix': tr('status.error_prefix') }, tr('acc.err_one', { e: d.error })));
      continue;
    }
    if (!d.h.total) parts.push(el('p', { class: 'status empty' }, tr('acc.empty')));
    else {
      parts.push(table(tr('acc.holdings'), [tr('col.unit_type'), tr('col.vintage'), tr('col.quantity')],
        d.h.by_unit_type_vintage.map((r) => [r.unit_type, String(r.vintage), num(r.quantity)]), [2]));
      parts.push(table(d.h.blocks_truncated ? tr('acc.blocks_first', { n: num(d.h.blocks.length) }) : tr('acc.blocks'),
        [tr('col.serials'), tr('col.project'), tr('col.quantity')], d.h.blocks.map((b) => [link('/serial.html?serial=' + encodeURIComponent(b.serial), b.serial),
          link('/project.html?id=' + encodeURIComponent(b.project), b.project), num(b.quantity)]), [2]));
    }
    if (d.trusted && d.trusted.length) {
      parts.push(table(tr('acc.trusted'), [tr('serial.acct'), tr('project.state'), tr('acc.active_from'), tr('acc.added_by')],
        d.trusted.map((t) => [String(t.trusted_account), t.state, when(t.active_from), t.added_by])));
    }
    if (d.txs.length) {
      parts.push(table(d.txsComplete ? tr('acc.latest') : tr('acc.latest_of', { n: num(TX_PAGES_MAX * 500) }),
        [tr('col.date'), tr('col.kind'), tr('col.quantity'), tr('col.from'), tr('col.to'), tr('col.transaction')],
        d.txs.map((t) => [when(t.timestamp), word('txkind', t.kind), num(t.quantity), t.from_account ? String(t.from_account) : '—',
          t.to_account ? String(t.to_account) : '—', String(t.id)]), [2]));
    }
  }
  out.replaceChildren(...parts);
  return true;
}

/* What a refused login says (the server's stable codes). */
const LOGIN_REFUSED = ['bad_credentials', 'bad_totp', 'totp_reused', 'user_disabled'];

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
      status(out, 'error', tr('login.refused', { why: LOGIN_REFUSED.includes(e.code) ? tr('login.' + e.code) : e.message }));
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
      status(out, 'empty', tr('login.out'));
    } catch (e) {
      status(out, e.code === 'session_expired' ? 'empty' : 'error',
        e.code === 'session_expired' ? tr('login.ended') : tr('login.err_out', { e: e.message }));
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
    status(out, 'empty', tr('login.prompt'));
  }
}

/* ---- Article 6.8: non-market approaches ---------------------------------- */

/* Minor units as an amount of the currency (no minor unit for JPY, KRW). */
const money = (minor, cur) => {
  const d = ['JPY', 'KRW'].includes(cur) ? 0 : 2;
  return cur + ' ' + dec(minor / 10 ** d, d);
};

async function pageNma() {
  const out = $('#out');
  loading(out, tr('nma.loading'));
  let totals, nmas, market;
  try {
    [totals, nmas, market] = await Promise.all([api('/v1/nma-totals'), api('/v1/nmas'), api('/v1/adaptation-marketplace')]);
  } catch (e) {
    return status(out, 'error', tr('nma.err', { e: e.message }));
  }
  const rows = totals.items || [];
  const short = rows.filter((r) => r.pledged < r.requested).length;
  out.replaceChildren(el('p', { role: 'status', id: 'gap' }, tr('nma.gap', { nmas: trn('nma.count', (nmas.items || []).length), short: num(short), rows: num(rows.length) })));
  /* Tables, not bars: the rows are in different currencies. */
  const list = [];
  const names = await codeNames();
  list.push(table(tr('nma.gap_caption'), [tr('nma.party'), tr('nma.focus'), tr('nma.requested'), tr('nma.pledged'), tr('nma.delivered'), tr('nma.gap_col'), tr('nma.share')],
    rows.map((r) => [nameWithCode(names.party, r.party), r.focus_area, money(r.requested, r.currency), money(r.pledged, r.currency), money(r.delivered, r.currency),
      money(r.gap, r.currency), pct(r.pledged_pct)]), [2, 3, 4, 5, 6]));
  list.push(table(tr('nma.published'), [tr('nma.nma'), tr('nma.party'), tr('nma.status'), tr('nma.focus_areas'), tr('nma.needs')],
    (nmas.items || []).map((n) => [n.title, el('span', {}, (n.parties || []).length ? trx('nma.lead_with', { lead: nameWithCode(names.party, n.party),
      others: (n.parties || []).map((c, i) => [i ? ', ' : '', nameWithCode(names.party, c)]) }) : nameWithCode(names.party, n.party)), n.status, (n.focus_areas || []).join(', '),
      (n.needs || []).map((x) => x.type + ' (' + x.sector + '): ' + money(x.amount, x.currency)).join('; ')])));
  list.push(table(tr('nma.marketplace'), [tr('nma.project'), tr('nma.certificate'), tr('nma.price'), tr('nma.available')],
    (market.items || []).map((l) => [link('/project.html?id=' + encodeURIComponent(l.project), l.project + ' — ' + l.title), l.unit_type,
      money(l.price, l.currency), num(l.available)]), [2, 3]));
  $('#tables').replaceChildren(...list);
}

/* ---- market (the exchange) --------------------------------------------- */

/* A price in minor units as the currency's amount: 8650 (CNY, 2) -> "CNY 86.50". */
function price(minor, cur, minorUnits) {
  if (minor === null || minor === undefined) return '—';
  const d = minorUnits === undefined ? 2 : minorUnits;
  return cur + ' ' + dec(minor / 10 ** d, d);
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
        svg('title', {}, tr('mkt.t_range', { day: b.day, high: fmt(b.high), low: fmt(b.low) }))));
      root.append(svg('rect', { x: x - 4, y: py(b.close) - 4, width: 8, height: 8, fill: '#fff', stroke: '#222', 'stroke-width': 2 },
        svg('title', {}, tr('mkt.t_last', { day: b.day, p: fmt(b.close) }))));
      path += (i ? 'L' : 'M') + x.toFixed(1) + ' ' + py(b.close).toFixed(1);
      const vh = (b.volume / vmax) * (volH - 14);
      root.append(svg('rect', { x: x - Math.min(12, step / 3), y: vy0 - vh, width: Math.min(24, (2 * step) / 3), height: vh, fill: 'url(#hatch-v)', stroke: '#222' },
        svg('title', {}, b.day + ': ' + num(b.volume) + ' t')));
      if (i % every === 0) root.append(svg('text', { x, y: vy0 + 16, 'text-anchor': 'middle' }, b.day.slice(5)));
    });
    root.prepend(svg('defs', {}, svg('pattern', { id: 'hatch-v', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, fill: '#fff' }), svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#222', 'stroke-width': 3 }))));
    if (bars.length > 1) root.append(svg('path', { d: path, fill: 'none', stroke: '#222', 'stroke-dasharray': '4 3' }));
    root.append(svg('text', { x: padL + 4, y: 14 }, W < 420 ? tr('mkt.legend_short') : tr('mkt.legend')),
      svg('text', { x: padL + 4, y: top + priceH + gapH + 2 }, tr('mkt.volume_axis')));
    return root;
  };
  return responsiveFigure(id, title, draw, bars.length ? null : tr('mkt.no_trades'),
    el('details', { class: 'data' }, el('summary', {}, tr('chart.numbers')),
      table(null, [tr('mkt.day'), tr('mkt.open'), tr('mkt.high'), tr('mkt.low'), tr('mkt.last'), tr('mkt.settle_vwap'), tr('mkt.volume')],
        bars.map((b) => [b.day, fmt(b.open), fmt(b.high), fmt(b.low), fmt(b.close), fmt(b.settlement_price), num(b.volume)]), [1, 2, 3, 4, 5, 6])));
}

async function marketList(out) {
  const list = await apiAll('/v1/exchange/instruments');
  if (!list.length) return status(out, 'empty', tr('mkt.none'));
  /* GET .../close: the day's settlement price (VWAP), not the last trade. */
  const closes = await Promise.all(list.map((x) => api('/v1/exchange/instruments/' + encodeURIComponent(x.code) + '/close').catch(() => null)));
  out.replaceChildren(el('p', { role: 'status' }, trn('mkt.listed', list.length)),
    table(null, [tr('mkt.instrument'), tr('acc.name'), tr('serial.units'), tr('mkt.mode'), tr('col.status'), tr('mkt.settle'), tr('mkt.volume_today')], list.map((x, i) => {
      const c = closes[i];
      const what = x.kind === 'batch' ? tr('mkt.batch', { n: x.batch }) : contractUnits(x);
      return [link('/market.html?code=' + encodeURIComponent(x.code), x.code), x.name, what, x.mode, x.status,
        c ? price(c.settlement_price, x.currency, x.minor_units) : '—', c ? num(c.volume) : '—'];
    }), [5, 6]));
}

/* A standard contract's eligibility criteria in words: unit types,
 * programmes, project, vintages and required labels (docs/API.md). */
function contractUnits(x) {
  const or = tr('mkt.or');
  const types = (x.unit_types && x.unit_types.length ? x.unit_types : [x.unit_type]).join(or);
  return types + (x.programmes && x.programmes.length ? tr('mkt.of_programme', { p: x.programmes.join(or) }) : '') +
    (x.project ? tr('mkt.of_project', { p: x.project }) : '') +
    (x.vintage_from || x.vintage_to ? tr('mkt.vintages', { from: x.vintage_from || '…', to: x.vintage_to || '…' }) : '') +
    (x.labels && x.labels.length ? tr('mkt.labelled', { l: x.labels.map((l) => l === 'corsia' ? tr('mkt.corsia', { phase: x.corsia_phase }) : l === 'ccp' ? 'CCP' : l === 'oimp' ? tr('mkt.oimp') : l).join(', ') }) : '');
}

async function marketInstrument(out, code) {
  const base = '/v1/exchange/instruments/' + encodeURIComponent(code);
  let x;
  try {
    x = (await apiAll('/v1/exchange/instruments')).find((i) => i.code === code);
  } catch (e) {
    return status(out, 'error', tr('mkt.err_list', { e: e.message }));
  }
  if (!x) return status(out, 'error', tr('mkt.missing', { code }));
  $('#title').textContent = x.code + ': ' + x.name;
  const [depth, trades, bars, close] = await Promise.all([api(base + '/depth?levels=10'), api(base + '/trades?limit=20'), api(base + '/bars'), api(base + '/close')]);
  const p = (v) => price(v, x.currency, x.minor_units);
  const n = Math.max(depth.bids.length, depth.asks.length);
  const rows = [];
  for (let i = 0; i < n; i++) {
    const b = depth.bids[i], a = depth.asks[i];
    rows.push([b ? String(b.orders) : '', b ? num(b.qty) : '', b ? p(b.price) : '', a ? p(a.price) : '', a ? num(a.qty) : '', a ? String(a.orders) : '']);
  }
  const fee = (bps) => pct(dec(bps / 100, 2));
  const size = [x.min_qty ? tr('mkt.at_least', { q: num(x.min_qty) }) : null, x.max_qty ? tr('mkt.at_most', { q: num(x.max_qty) }) : null].filter((v) => v);
  out.replaceChildren(
    facts([[tr('col.status'), x.status], [tr('mkt.mode'), x.mode], [tr('serial.units'), x.kind === 'batch' ? tr('mkt.units_batch', { n: x.batch }) : tr('mkt.units_any', { what: contractUnits(x) })],
    [tr('mkt.settle'), el('span', { id: 'settlement' }, p(close.settlement_price) + ' (' + (close.basis === 'vwap' ? tr('mkt.vwap_of', { day: close.day, q: num(close.volume) }) : tr('mkt.previous')) + ')')],
    [tr('mkt.last'), el('span', { id: 'last-trade' }, close.last_trade_price === null ? tr('mkt.none_today') : p(close.last_trade_price))],
    [tr('mkt.tick_lot'), p(x.tick) + ', ' + tonnes(x.lot)],
    [tr('mkt.limit'), x.band_pct ? tr('mkt.band', { pct: pct(x.band_pct) }) : tr('mkt.no_limit')],
    [tr('mkt.size'), size.length ? size.join(', ') : tr('mkt.any_size')],
    [tr('mkt.sessions'), (x.sessions || tr('mkt.always')) + (x.sessions ? ' (UTC' + (x.tz_offset_minutes >= 0 ? '+' : '−') + Math.abs(x.tz_offset_minutes / 60) + ')' : '')],
    [tr('project.fees'), tr('mkt.fees', { maker: fee(x.maker_bps), taker: fee(x.taker_bps) })],
    x.no_same_day_resale ? [tr('mkt.resale'), tr('mkt.no_resale')] : null]),
    el('h2', {}, tr('mkt.book')),
    n ? el('div', { id: 'depth' }, table(trn('mkt.best', n), [tr('mkt.bid_orders'), tr('mkt.bid_t'), tr('mkt.bid_price'), tr('mkt.ask_price'), tr('mkt.ask_t'), tr('mkt.ask_orders')], rows, [0, 1, 2, 3, 4, 5]))
      : el('p', { class: 'status empty', id: 'depth' }, x.mode === 'primary' || x.mode === 'one-way' ? tr('mkt.sealed') : tr('mkt.empty_book')),
    el('h2', {}, tr('mkt.recent')),
    trades.items.length ? el('div', { id: 'trades' }, table(null, [tr('mkt.time'), tr('nma.price'), tr('col.quantity'), tr('mkt.taker')],
      trades.items.map((t) => [when(t.ts), p(t.price), num(t.qty), word('side', t.taker_side)]), [1, 2]))
      : el('p', { class: 'status empty', id: 'trades' }, tr('mkt.no_trades')),
    el('h2', {}, tr('mkt.daily')),
    el('div', { class: 'charts' }, priceChart('chart-bars', tr('mkt.daily_of', { code: x.code }), bars.items, p)));
  drawCharts(out);
}

async function pageMarket() {
  const out = $('#out');
  const code = params().get('code');
  loading(out, code ? tr('mkt.loading_one', { code }) : tr('mkt.loading'));
  try {
    if (code) await marketInstrument(out, code);
    else await marketList(out);
  } catch (e) {
    status(out, 'error', tr('mkt.err', { e: e.message }));
  }
}

/* ---- start --------------------------------------------------------------- */

const pages = { index: pageIndex, project: pageProject, serial: pageSerial, retirements: pageRetirements,
  retirement: pageRetirement, verify: pageVerify, dashboards: pageDashboards, account: pageAccount, nma: pageNma, market: pageMarket };
document.addEventListener('DOMContentLoaded', async () => {
  translatePage(await loadMessages(''));
  const f = pages[document.body.dataset.page];
  const done = () => document.body.setAttribute('data-ready', '1');
  if (f) f().catch((e) => status($('#out'), 'error', tr('err.unexpected', { e: e.message }))).finally(done);
  else done();
});
