/*
 * work.js -- the registry's working app (web/work.html): people of every
 * role log in and do their daily work through forms and tables. Plain
 * JavaScript, no build step, no library (docs/APP.md says why). Every screen
 * is a thin client of the JSON API (/v1/...): it reads with GET, writes with
 * the session cookie and the X-CSRF-Token header, and shows what the server
 * answers; the server alone decides who may do what. Text from the API goes
 * into the page as text nodes only (el() below), never as HTML.
 *
 * web/work-letter.html (data-app="letter") uses the same file for the
 * printable letter of authorization.
 */
'use strict';

/* ---- helpers ------------------------------------------------------------ */

const $ = (sel, root) => (root || document).querySelector(sel);

/* el('a', {href: '/x'}, 'text', child...) -> a DOM element. */
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

const link = (href, text, attrs) => el('a', { href, ...(attrs || {}) }, text);
const serial = (s) => el('span', { class: 'serial' }, s);
/* A number with fixed decimals in the language's locale: 12.5 -> "12.50" / "12,50". */
const dec = (v, d) => new Intl.NumberFormat(LOCALE, { minimumFractionDigits: d, maximumFractionDigits: d }).format(v);

/* ---- languages (docs/APP.md "Languages") ------------------------------------
 * lang.js (loaded first, shared with the pages) picks the language and gives
 * tr, trn, trx, word and loadMessages; the app's catalogues are
 * web/i18n/app-LANG.json. */
/* The static text of work.html and work-letter.html (data-i18n="key": the
 * element's text; data-i18n-attr="attr=key;..."), the lang attribute, and the
 * language picker at the end of the header (as on the pages). */
function translatePage() {
  document.documentElement.lang = SHOWN;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = tr(e.dataset.i18n);
  translateAttrs();
  for (const e of document.querySelectorAll('[data-i18n-html]'))
    e.replaceChildren(...trx(e.dataset.i18nHtml, { api: link('/v1/openapi.json', tr('foot.api')), pages: link('/', tr('foot.pages')) }));
  langPicker(SHOWN);
}

const NUM = new Intl.NumberFormat(LOCALE);
const num = (n) => (n === null || n === undefined ? '—' : NUM.format(n));
/* Timestamps in UTC. English keeps ISO 8601 ("2026-11-21 03:10 UTC"); the
 * other languages their locale's date ("21 nov. 2026, 03:10 UTC"), as on
 * the pages. Dates alone likewise. */
const DATE_TIME = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
const DATE = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeZone: 'UTC' });
function when(ts) {
  if (!ts) return '—';
  const d = new Date(ts.length > 10 ? ts : ts + 'T00:00:00Z');
  if (LANG === 'en' || isNaN(d)) return ts.length > 10 ? ts.slice(0, 10) + ' ' + ts.slice(11, 16) + ' UTC' : ts;
  return ts.length > 10 ? DATE_TIME.format(d) + ' UTC' : DATE.format(d);
}

class ApiError extends Error {
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body || {};
  }
}

/* The session's CSRF token: the l6_csrf cookie (the session cookie itself
 * is HttpOnly and never read here). */
function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)l6_csrf=([^;]+)/);
  return m ? m[1] : '';
}

/* A random Idempotency-Key for a ledger write (a retried click is not done twice). */
function idemKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return 'web-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/* Calls a route; JSON in and out. Writes carry the CSRF header. Throws
 * ApiError with the server's code and message (and the error object). */
async function call(method, path, body, headers) {
  const h = { Accept: 'application/json', ...(headers || {}) };
  const init = { method, headers: h, credentials: 'same-origin' };
  if (method !== 'GET') h['X-CSRF-Token'] = csrf();
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', tr('err.network', { e: e.message }));
  }
  let j = null;
  try {
    j = await r.json();
  } catch (e) {
    /* not JSON */
  }
  if (!r.ok) {
    const err = j && j.error;
    throw new ApiError(r.status, err ? err.code : 'http_' + r.status, err ? err.message : 'HTTP ' + r.status, err);
  }
  return j;
}
const get = (path) => call('GET', path);
const post = (path, body, headers) => call('POST', path, body, headers);

/* Every item of a paged list route, following "next" (at most maxPages pages). */
async function all(path, maxPages) {
  const items = [];
  let url = path;
  for (let i = 0; i < (maxPages || 20); i++) {
    const j = await get(url);
    items.push(...j.items);
    if (!j.next) break;
    url = path + (path.includes('?') ? '&' : '?') + 'after=' + encodeURIComponent(j.next);
  }
  return items;
}

/* A table: headers, rows of cells (strings or nodes), the indexes of number columns. */
function table(caption, heads, rows, numeric) {
  const nums = new Set(numeric || []);
  return el('div', { class: 'table-wrap cards', tabindex: '0', role: 'region', 'aria-label': caption },
    el('table', {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, heads.map((h, i) => el('th', { scope: 'col', class: nums.has(i) ? 'num' : null }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c, i) => el('td', { class: nums.has(i) ? 'num' : null, 'data-label': heads[i] || null }, c)))))));
}

const note = (kind, text) => el('p', { class: 'status ' + kind, role: kind === 'error' ? 'alert' : 'status' }, text);
const empty = (text) => el('p', { class: 'status empty' }, text);

/* An error as the server gave it, with its details (a surrender's evaluation,
 * an AEF's inconsistencies). */
function errorNode(e, doing) {
  const box = el('div', { class: 'status error', role: 'alert' },
    e.code && e.status ? tr(doing ? 'err.doing_code' : 'err.code', { doing, message: e.message, status: e.status, code: e.code }) : tr(doing ? 'err.doing' : 'err.plain', { doing, message: e.message }));
  if (e.body && e.body.evaluation) box.append(evaluationNode(e.body.evaluation));
  if (e.body && Array.isArray(e.body.inconsistencies))
    box.append(el('ul', {}, e.body.inconsistencies.map((x) => el('li', {}, tr('err.item', { code: x.code, message: x.message })))));
  return box;
}

/* A labelled field. */
function field(label, input, hint) {
  return el('div', { class: 'field' }, el('label', {}, label, input), hint ? el('span', { class: 'hint' }, hint) : null);
}
const input = (name, attrs) => el('input', { name, id: 'f-' + name, ...(attrs || {}) });
function select(name, options, attrs) {
  return el('select', { name, id: 'f-' + name, ...(attrs || {}) },
    options.map((o) => (Array.isArray(o) ? el('option', { value: o[0] }, o[1]) : el('option', { value: o }, o))));
}

/* Wires a form: on submit, disables its button, runs fn(values, form) and
 * shows its result or error in the form's result area. */
function onSubmit(form, fn) {
  const out = el('div', { class: 'result', 'aria-live': 'polite' });
  form.append(out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = ev.submitter || form.querySelector('button[type=submit]');
    if (btn) btn.disabled = true;
    out.replaceChildren(note('loading', tr('sending')));
    try {
      const node = await fn(Object.fromEntries(new FormData(form)), form, btn);
      out.replaceChildren(node || '');
    } catch (e) {
      out.replaceChildren(errorNode(e, tr('err.refused')));
    } finally {
      if (btn) btn.disabled = false;
    }
  });
  return form;
}
const intOrNull = (v) => (v === undefined || v === null || String(v).trim() === '' ? null : Number(v));
/* Leaves out empty fields (the API counts null as absent anyway). */
function compact(o) {
  const r = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && !v.length)) r[k] = v;
  return r;
}

/* ---- the session ------------------------------------------------------- */

let me = null; /* GET /v1/session: {via, user, role, organisation, ...} */
const ROLES = ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor', 'reviewer'];
const roleName = (r) => word('role', r);

/* ---- the project cycle: what waits for whom ---------------------------- */

/* The step an activity's state waits for (docs/API.md, "Crediting
 * mechanisms and the project cycle"); approve only when the mechanism has it. */
function activityNext(a, m) {
  switch (a.state) {
    case 'submitted': return 'validate';
    case 'validated': return m && m.steps && m.steps.approve ? 'approve' : 'register';
    case 'approved': return 'register';
    case 'rejected': return 'resubmit';
    default: return null;
  }
}
const PERIOD_NEXT = { reported: 'verify', verified: 'request', requested: 'issue', rejected: 'monitor' };
const DECISION = new Set(['validate', 'approve', 'register', 'verify', 'issue', 'approve-transition']);
const STEP_ROLE = { participant: 'holder', validator: 'validator', authority: 'authority', 'mechanism-admin': 'mechanism-admin' };


function roleOf(m, step) {
  if (step === 'resubmit') return 'participant';
  return (m && m.steps && m.steps[step] && m.steps[step].role) || null;
}

/* Is this step one the signed-in person may be asked to do? The server
 * still decides (accreditation, host Party). */
function mine(role, a) {
  if (!me || STEP_ROLE[role] !== me.role) return false;
  if (role === 'participant') return me.organisation === a.organisation;
  if (role === 'validator') return me.organisation !== a.organisation;
  return true;
}

/* The steps an activity waits for: [{step, period, role}]. */
function waitsFor(a, m, detail) {
  const w = [];
  const s = activityNext(a, m);
  if (s) w.push({ step: s, period: null, role: roleOf(m, s) });
  if (detail && a.state === 'registered')
    for (const p of detail.periods || []) {
      const ps = PERIOD_NEXT[p.state];
      if (ps) w.push({ step: ps, period: p.period, role: roleOf(m, ps) });
    }
  return w;
}

async function cycleData() {
  const [acts, mechs] = await Promise.all([all('/v1/activities'), get('/v1/mechanisms')]);
  const mech = Object.fromEntries(mechs.items.map((m) => [m.code, m]));
  const reg = acts.filter((a) => a.state === 'registered').slice(0, 60);
  const det = await Promise.all(reg.map((a) => get('/v1/activities/' + encodeURIComponent(a.id))));
  const detail = Object.fromEntries(det.map((d) => [d.id, d]));
  return { acts, mech, detail };
}

const stepLabel = (w) => tr(w.period ? 'step.label_period' : 'step.label', { step: word('step', w.step), period: w.period, who: word('by', w.role) || '—' });

/* ---- screens ------------------------------------------------------------ */

const screens = {};
function screen(name, title, roles, run) {
  screens[name] = { title, roles, run };
}

function nav() {
  const items = [['', tr('dash.title')]];
  for (const [name, s] of Object.entries(screens))
    if (name && s.nav && s.roles.includes(me.role)) items.push([name, tr(s.nav)]);
  return items;
}

screen('', 'screen.home', ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor', 'reviewer'], async (v) => {
  const parts = [el('p', { id: 'who' }, tr(me.organisation ? 'dash.who_org' : 'dash.who', { name: me.user.name, role: roleName(me.role), org: me.organisation }))];
  const cycleRole = ['holder', 'validator', 'authority', 'mechanism-admin'].includes(me.role);
  const tasks = [];
  if (cycleRole) {
    const { acts, mech, detail } = await cycleData();
    for (const a of acts)
      for (const w of waitsFor(a, mech[a.mechanism], detail[a.id])) if (mine(w.role, a)) tasks.push([a, w]);
    /* Open proposals of the organisation this person may approve or reject
     * (not their own), and delayed transfers they may cancel. */
    const props = me.role === 'holder' || me.role === 'authority' ? (await openProposals()).filter((p) => mayDecide(p) || p.state === 'delayed') : [];
    parts.push(el('h2', {}, tr('dash.awaiting')));
    if (!tasks.length && !props.length) parts.push(empty(tr('dash.nothing')));
    else
      parts.push(el('ul', { id: 'awaiting', class: 'tasks' }, tasks.map(([a, w]) => el('li', {},
        link('#/activity/' + encodeURIComponent(a.id), tr('act.id_title', { id: a.id, title: a.title })), tr('dash.task', { step: stepLabel(w), mechanism: a.mechanism, host: a.host }))),
      props.map((p) => el('li', {}, link('#/approvals', tr('dash.proposal', { id: p.id, what: proposalAbout(p) || tr(p.to_account ? 'prop.what_to' : 'prop.what',
        { kind: word('kind', p.kind), n: num(p.quantity), from: p.from_account, to: p.to_account }) })),
        p.state === 'pending' ? tr('dash.decide_by', { when: when(p.expires_at), who: p.proposer }) : tr('dash.delayed', { when: when(p.executes_at) })))));
  }
  const links = (pairs) => pairs.flatMap(([h, k], i) => [i ? ' · ' : '', link(h, tr(k))]);
  if (me.role === 'holder') {
    const accounts = await all('/v1/accounts');
    const hs = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/holdings')));
    const total = hs.reduce((s, h) => s + h.total, 0);
    parts.push(el('h2', {}, tr('dash.accounts')),
      el('p', {}, trn('dash.accounts_n', accounts.length, { t: num(total) }), ' ',
        links([['#/holdings', 'nav.holdings'], ['#/transfer', 'nav.transfer'], ['#/retire', 'nav.retire'], ['#/statement', 'nav.statement'],
          ['#/approvals', 'nav.approvals'], ['#/trusted', 'nav.trusted'], ['#/orders', 'screen.orders']])));
  }
  if (me.role === 'admin') {
    const [users, tokens] = await Promise.all([get('/v1/users'), all('/v1/tokens')]);
    parts.push(el('h2', {}, tr('dash.registry')),
      el('p', {}, tr('dash.registry_n', { users: num(users.items.length), disabled: num(users.items.filter((u) => u.status !== 'active').length),
        tokens: num(tokens.filter((t) => t.state === 'active').length) }), ' ',
        links([['#/users', 'nav.users'], ['#/accounts', 'nav.accounts'], ['#/tokens', 'nav.tokens'], ['#/policy', 'dash.policies'], ['#/approvals', 'dash.proposals']])));
  }
  if (me.role === 'authority' || me.role === 'admin' || me.role === 'auditor' || me.role === 'reviewer')
    parts.push(el('h2', {}, tr('dash.a6')), el('p', {}, trx('dash.a6_links', { auth: link('#/a6', tr('nav.a6')), ndc: link('#/ndc', tr('screen.ndc')),
      books: link('#/books', tr('nav.books')), aef: link('#/aef', tr('dash.aef')) })));
  if (['authority', 'admin', 'auditor', 'validator'].includes(me.role))
    parts.push(el('h2', {}, tr('dash.ets')), el('p', {}, trx('dash.ets_links', { schemes: link('#/schemes', tr('dash.schemes')) })));
  parts.push(...(await noticeChoice()));
  v.replaceChildren(...parts);
});

/* The person's choice of email notices (GET and PUT /v1/session/notices;
 * docs/APP.md "Email notices"): what "Awaiting you" lists, also by email
 * when the registry has a mail relay. */
async function noticeChoice() {
  const p = await get('/v1/session/notices');
  const form = el('form', { id: 'notices', 'aria-label': tr('notices.title') },
    el('div', { class: 'field check' }, el('label', {}, el('input', { type: 'checkbox', name: 'email', id: 'f-notice-email', checked: !!p.email }),
      ' ' + tr('notices.me', { address: p.address }))),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('save'))));
  onSubmit(form, async (x) => {
    const r = await call('PUT', '/v1/session/notices', { email: 'email' in x });
    return el('div', { class: 'status ok', role: 'status', id: 'notices-saved' }, r.email ? tr('notices.on', { address: r.address }) : tr('notices.off'));
  });
  return [el('h2', {}, tr('notices.title')), el('p', { class: 'muted' }, tr('notices.about')), form];
}

/* ---- account holder ----------------------------------------------------- */

async function myAccounts() {
  return (await all('/v1/accounts')).filter((a) => a.organisation !== null);
}

screen('holdings', 'screen.holdings', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty(tr('hold.no_account')));
  const hs = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/holdings')));
  const parts = [];
  for (const h of hs) {
    const a = h.account;
    parts.push(el('h2', {}, tr('hold.account_h', { id: a.id, name: a.name })),
      el('p', {}, tr('hold.account_p', { type: word('acctype', a.type), registry: a.registry, status: word('accstatus', a.status), t: num(h.total) })));
    if (!h.total) {
      parts.push(empty(tr('hold.empty')));
      continue;
    }
    parts.push(table(tr('hold.by_type', { id: a.id }), [tr('col.unit_type'), tr('col.vintage'), tr('col.quantity')],
      h.by_unit_type_vintage.map((r) => [r.unit_type, String(r.vintage), num(r.quantity)]), [2]));
    parts.push(el('details', { class: 'data' }, el('summary', {}, tr('hold.blocks', { n: num(h.block_count) })),
      table(tr('hold.blocks_of', { id: a.id }), [tr('col.serials'), tr('col.project'), tr('col.quantity')],
        h.blocks.map((b) => [serial(b.serial), link('/project.html?id=' + encodeURIComponent(b.project), b.project), num(b.quantity)]), [2])));
  }
  v.replaceChildren(...parts);
});
screens.holdings.nav = 'nav.holdings';

/* The source account and unit choice shared by transfer and retire. */
async function sourceFields(form) {
  const accounts = (await myAccounts()).filter((a) => a.status === 'open');
  const units = select('units', [['', tr('src.account_first')]], { required: true });
  const acc = select('from_account', [['', tr('choose')], ...accounts.map((a) => [a.id, tr('src.account_opt', { id: a.id, name: a.name, registry: a.registry })])], { required: true });
  /* The account's holdings, read again after every move (the choice is kept). */
  form.refresh = async () => {
    const keep = units.value;
    units.replaceChildren(el('option', { value: '' }, tr('src.loading')));
    if (!acc.value) return;
    const rows = (await get('/v1/accounts/' + acc.value + '/holdings')).by_unit_type_vintage;
    units.replaceChildren(...(rows.length ? rows.map((r) => el('option', { value: r.unit_type + '|' + r.vintage },
      tr('src.units_opt', { type: r.unit_type, vintage: r.vintage, n: num(r.quantity) }))) : [el('option', { value: '' }, tr('src.no_units'))]));
    if (keep && rows.some((r) => r.unit_type + '|' + r.vintage === keep)) units.value = keep;
  };
  acc.addEventListener('change', form.refresh);
  form.append(field(tr('f.from_account'), acc), field(tr('f.units'), units), field(tr('col.quantity'), input('quantity', { type: 'number', min: 1, step: 1, required: true })));
  return accounts;
}
function unitsOf(values) {
  const [unitType, vintage] = values.units.split('|');
  return { unit_type: unitType, vintage: Number(vintage), quantity: Number(values.quantity) };
}
/* what: the key of the verb ('tx.transferred', 'tx.retired'). */
function txNode(t, what) {
  if (!t || !t.kind) return el('p', { class: 'status ok', role: 'status' }, tr('tx.answered', { json: JSON.stringify(t) }));
  const key = 'tx.done' + (t.from_account ? '_from' : '') + (t.to_account ? '_to' : '');
  return el('div', { class: 'status ok', role: 'status', id: 'done' },
    el('p', {}, tr(key, { what: tr(what), id: t.id, n: num(t.quantity), from: t.from_account, to: t.to_account, when: when(t.timestamp) })),
    el('ul', {}, (t.blocks || []).map((b) => el('li', {}, serial(b.serial)))));
}

screen('transfer', 'screen.transfer', ['holder'], async (v) => {
  const form = el('form', { class: 'grid', id: 'transfer', 'aria-label': tr('nav.transfer') });
  const accounts = await sourceFields(form);
  if (!accounts.length) return v.replaceChildren(empty(tr('hold.no_open')));
  form.append(field(tr('f.to_account'), input('to_account', { type: 'number', min: 1, step: 1, required: true }), tr('f.to_account_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('transfer.do'))));
  onSubmit(form, async (x) => {
    const t = await post('/v1/transfers', { from_account: Number(x.from_account), to_account: Number(x.to_account), ...unitsOf(x) },
      { 'Idempotency-Key': idemKey() });
    await form.refresh();
    if (isProposal(t)) return proposalNode(t, 'prop.transfer');
    return txNode(t, 'tx.transferred');
  });
  v.replaceChildren(el('p', {}, tr('transfer.intro')), form);
});
screens.transfer.nav = 'nav.transfer';

screen('retire', 'screen.retire', ['holder'], async (v) => {
  const form = el('form', { class: 'grid', id: 'retire', 'aria-label': tr('nav.retire') });
  const accounts = await sourceFields(form);
  if (!accounts.length) return v.replaceChildren(empty(tr('hold.no_open')));
  form.append(field(tr('f.beneficiary'), input('beneficiary', { required: true, maxlength: 200 }), tr('f.beneficiary_hint')),
    field(tr('f.purpose'), input('purpose', { required: true, maxlength: 200, list: 'purposes' }), tr('f.purpose_hint')),
    el('datalist', { id: 'purposes' }, ['voluntary', 'conservation', 'adaptation', 'rbcf'].map((p) => el('option', { value: tr('purpose.' + p) }))),
    field(tr('f.claim'), el('textarea', { name: 'claim', id: 'f-claim', maxlength: 2000, rows: 2, class: 'short' })),
    field(tr('f.reporting_year'), input('reporting_year', { type: 'number', min: 1990, max: 2100 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('retire.do'))));
  onSubmit(form, async (x) => {
    const t = await post('/v1/retirements', compact({ from_account: Number(x.from_account), ...unitsOf(x), beneficiary: x.beneficiary,
      purpose: x.purpose, claim: x.claim, reporting_year: intOrNull(x.reporting_year) }), { 'Idempotency-Key': idemKey() });
    await form.refresh();
    if (isProposal(t)) return proposalNode(t, 'prop.retirement');
    const n = txNode(t, 'tx.retired');
    if (t && t.id) n.append(el('p', {}, trx('retire.cert', { cert: link('/v1/retirements/' + t.id + '/certificate.html', tr('retire.cert_html', { id: t.id }), { id: 'cert-link' }),
      page: link('/retirement.html?id=' + t.id, tr('retire.cert_page')), json: link('/v1/retirements/' + t.id + '/certificate', tr('retire.cert_json')) })));
    return n;
  });
  v.replaceChildren(el('p', {}, tr('retire.intro')), form);
});
screens.retire.nav = 'nav.retire';

/* RFC 4180 CSV; a cell that a spreadsheet would read as a formula gets a leading apostrophe. */
function csvCell(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+$/.test(s)) s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function statementCsv(account, txs) {
  const head = ['transaction', 'timestamp', 'kind', 'direction', 'quantity', 'from_account', 'to_account', 'unit_type', 'project', 'vintage', 'serial', 'beneficiary', 'purpose'];
  const lines = [head.join(',')];
  for (const t of txs)
    for (const b of t.blocks)
      lines.push([t.id, t.timestamp, t.kind, t.to_account === account ? 'in' : 'out', b.quantity, t.from_account, t.to_account, b.unit_type,
        b.project, b.vintage, b.serial, t.beneficiary, t.purpose].map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

screen('statement', 'screen.statement', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty(tr('hold.no_account')));
  const form = el('form', { class: 'filters', id: 'statement', 'aria-label': tr('st.label') },
    field(tr('f.account'), select('account', accounts.map((a) => [a.id, tr('st.account_opt', { id: a.id, name: a.name })]))),
    field(tr('col.kind'), select('kind', [['', tr('st.all')], ...['issuance', 'transfer', 'retirement', 'cancellation'].map((k) => [k, word('kind', k)])])),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('st.show'))));
  onSubmit(form, async (x) => {
    const id = Number(x.account);
    const txs = await all('/v1/transactions?account=' + id + (x.kind ? '&kind=' + x.kind : ''), 50);
    const csv = new Blob([statementCsv(id, txs)], { type: 'text/csv' });
    const dl = link(URL.createObjectURL(csv), trn('st.csv', txs.length), { download: 'statement-account-' + id + '.csv', id: 'csv', class: 'button' });
    if (!txs.length) return el('div', {}, empty(tr('st.none')), dl);
    return el('div', {}, dl, table(tr('st.caption', { id }), [tr('col.date'), tr('col.transaction'), tr('col.kind'), tr('col.inout'), tr('col.quantity'), tr('col.other_account'), tr('col.serials')],
      txs.map((t) => [when(t.timestamp), String(t.id), word('kind', t.kind), tr(t.to_account === id ? 'st.in' : 'st.out'), num(t.quantity),
        String((t.to_account === id ? t.from_account : t.to_account) || '—'), el('span', {}, t.blocks.map((b) => el('span', { class: 'serial block' }, b.serial)))]), [4]));
  });
  v.replaceChildren(el('p', {}, tr('st.intro')), form);
  form.requestSubmit();
});
screens.statement.nav = 'nav.statement';

/* ---- the project cycle ---------------------------------------------------- */

const CYCLE_ROLES = ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor'];

screen('cycle', 'screen.cycle', CYCLE_ROLES, async (v) => {
  const { acts, mech, detail } = await cycleData();
  const parts = [];
  if (me.role === 'holder') parts.push(el('p', {}, link('#/register', tr('cyc.register'), { class: 'button', id: 'new-activity' })));
  parts.push(acts.length ? table(tr('cyc.activities'), [tr('col.activity'), tr('col.mechanism'), tr('col.host'), tr('col.state'), tr('col.waits'), tr('col.issued')],
    acts.map((a) => {
      const w = waitsFor(a, mech[a.mechanism], detail[a.id]);
      return [link('#/activity/' + encodeURIComponent(a.id), tr('act.id_title', { id: a.id, title: a.title })), a.mechanism, a.host, word('state', a.state),
        w.length ? w.map((x) => stepLabel(x) + (mine(x.role, a) ? tr('cyc.you') : '')).join('; ') : '—', num(a.issued)];
    }), [5]) : empty(tr('cyc.none')));
  v.replaceChildren(...parts);
});
screens.cycle.nav = 'nav.cycle';

/* Document inputs for the types a step needs; uploads them (POST
 * /v1/documents: stored up to 40 KiB, else the hash and size) and returns
 * [{type, sha256}]. */
function docInputs(types) {
  return (types || []).map((t) => field(tr('doc.field', { type: t }), input('doc:' + t, { type: 'file', required: true })));
}
async function bytesB64(buf) {
  let s = '';
  const u = new Uint8Array(buf);
  for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
  return btoa(s);
}
async function uploadDocs(form) {
  const docs = [];
  for (const inp of form.querySelectorAll('input[type=file]')) {
    const f = inp.files[0];
    if (!f) continue;
    const buf = await f.arrayBuffer();
    const body = { name: f.name.slice(0, 200), media_type: f.type || 'application/octet-stream' };
    if (buf.byteLength <= 40 * 1024) body.content_base64 = await bytesB64(buf);
    else {
      if (!crypto.subtle) throw new ApiError(0, 'too_large', tr('doc.too_large'));
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
      body.sha256 = Array.from(h, (x) => x.toString(16).padStart(2, '0')).join('');
      body.size = buf.byteLength;
    }
    const d = await post('/v1/documents', body);
    docs.push({ type: inp.name.slice(4), sha256: d.sha256 });
  }
  return docs;
}

screen('register', 'screen.register', ['holder'], async (v) => {
  const [mechs, regs, parties] = await Promise.all([get('/v1/mechanisms'), get('/v1/registries'), get('/v1/parties')]);
  const byCode = Object.fromEntries(mechs.items.map((m) => [m.code, m]));
  const mSel = select('mechanism', mechs.items.map((m) => [m.code, m.code + ' — ' + m.name]), { required: true });
  const dyn = el('div', { class: 'grid-dyn' });
  const form = el('form', { class: 'grid', id: 'register', 'aria-label': tr('screen.register') },
    field(tr('col.mechanism'), mSel),
    field(tr('reg.id'), input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' }), tr('reg.id_hint')),
    field(tr('reg.title'), input('title', { required: true, maxlength: 200 })),
    field(tr('f.host'), select('host', parties.items.map((p) => [p.code, p.code + ' — ' + p.name]))),
    field(tr('reg.registry'), select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]))),
    field(tr('reg.methodology'), input('methodology', { required: true, maxlength: 200 })),
    field(tr('reg.sector'), input('sector', { required: true, maxlength: 200 })),
    field(tr('reg.start'), input('crediting_start', { type: 'date', required: true })),
    field(tr('reg.end'), input('crediting_end', { type: 'date', required: true })),
    dyn,
    field(tr('f.comment'), input('comment', { maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('reg.do'))));
  const redo = () => {
    const m = byCode[mSel.value];
    const el2 = m.eligibility || {};
    dyn.replaceChildren(field(tr('reg.scope'), select('scope', el2.scopes || [])), field(tr('col.kind'), select('kind', (el2.kinds || ['avoidance', 'removal', 'adaptation']).map((k) => [k, word('akind', k)]))),
      ...docInputs(m.steps.submit && m.steps.submit.documents));
  };
  mSel.addEventListener('change', redo);
  if (byCode.PACM) mSel.value = 'PACM';
  redo();
  onSubmit(form, async (x, f) => {
    const documents = await uploadDocs(f);
    const r = await post('/v1/activities', compact({ id: x.id, mechanism: x.mechanism, registry: x.registry, host: x.host, title: x.title,
      methodology: x.methodology, sector: x.sector, scope: x.scope, kind: x.kind, crediting_start: x.crediting_start, crediting_end: x.crediting_end,
      documents, comment: x.comment }));
    flash('ok', tr('reg.done', { id: r.activity.id }));
    location.hash = '#/activity/' + encodeURIComponent(r.activity.id);
  });
  v.replaceChildren(el('p', {}, tr('reg.intro')), form);
});

/* The calculators' inputs (docs/API.md, POST /v1/activities/{id}/periods). */
const CALC = {
  'grid-renewable': ['net_kwh', 'ef_cm_t_mwh_e6'],
  'methane-destruction': ['ch4_kg', 'gwp_e1', 'pe_kg'],
  cookstoves: ['fuel_saved_kg', 'ef_t_t_e6', 'fnrb_bp'],
  afforestation: ['stock_start_kg', 'stock_end_kg', 'baseline_kg', 'leakage_bp'],
};

/* The form of one step; path is where it is posted. */
async function stepForm(a, m, w, detail) {
  const { step, period } = w;
  const docs = m.steps[step === 'resubmit' ? 'submit' : step];
  const form = el('form', { class: 'grid step', id: 'step-' + step + (period ? '-' + period : ''), 'aria-label': tr('stp.label', { step: word('step', step) }) },
    el('h3', {}, tr(period ? 'stp.h_period' : 'stp.h', { step: word('stepcap', step), period })),
    el('p', { class: 'muted' }, tr('stp.gives', { mechanism: a.mechanism, who: word('by', w.role) })));
  if (DECISION.has(step))
    form.append(el('fieldset', { class: 'decision' }, el('legend', {}, tr('stp.decision')),
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'accept', checked: true }), ' ' + tr('stp.accept')),
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'reject' }), ' ' + tr('stp.reject'))));
  const p = period ? detail.periods.find((q) => q.period === period) : null;
  if (step === 'verify') form.append(field(tr('stp.certified'), input('certified', { type: 'number', min: 1, max: p.reported, value: p.reported, required: true }), tr('stp.certified_hint', { n: num(p.reported) })));
  if (step === 'request') {
    const acc = (await myAccounts()).filter((x) => x.registry === a.registry && x.status === 'open');
    form.append(field(tr('stp.forward'), select('forward', [['', tr('stp.keep')], ...acc.map((x) => [x.id, tr('stp.account_opt', { id: x.id, name: x.name })])])));
    if (acc.length) form.querySelector('select[name=forward]').value = String(acc[0].id);
  }
  if (step === 'monitor') calcFields(form, m, p);
  if (step === 'monitor') sdFields(form, m);
  if (step === 'register') safeguardFields(form, m);
  form.append(...docInputs(docs && docs.documents), field(tr('f.comment'), input('comment', { maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('stp.record', { step: word('step', step) }))));
  onSubmit(form, async (x, f) => {
    const documents = await uploadDocs(f);
    const body = compact({ step, decision: x.decision, documents, comment: x.comment });
    if (step === 'verify' && x.decision === 'accept') body.certified = Number(x.certified);
    if (step === 'request' && x.forward) body.forward = [{ account: Number(x.forward), bp: 10000 }];
    if (step === 'monitor') Object.assign(body, calcBody(x, f), sdBody(x, m));
    if (step === 'register' && x.decision === 'accept' && m.safeguards) body.safeguards = safeguardBody(f, m);
    const path = '/v1/activities/' + encodeURIComponent(a.id) + (period ? '/periods/' + period : '') + '/steps';
    const r = await post(path, body);
    flash('ok', tr('stp.recorded', { step: word('step', step), from: word('state', r.step.from_state) || '—', to: word('state', r.step.to_state) }));
    await render();
  });
  return form;
}
function calcFields(form, m, p) {
  const calcs = (m.eligibility && m.eligibility.calculators) || Object.keys(CALC);
  const sel = select('calculator', calcs);
  const box = el('div', { class: 'grid-dyn' });
  const redo = () => box.replaceChildren(...(CALC[sel.value] || []).map((k) =>
    field(tr('calc.' + k), input('in:' + k, { type: 'number', min: 0, step: 1, required: true, value: p && p.inputs ? p.inputs[k] : null }))));
  sel.addEventListener('change', redo);
  if (p && p.calculator) sel.value = p.calculator;
  redo();
  form.append(field(tr('stp.calculator'), sel), box);
}
/* Issue 20: the mechanism's safeguards checklist (register) and SD
 * indicators (monitoring reports), when its file lists them. */
function safeguardFields(form, m) {
  if (!m.safeguards) return;
  form.append(el('fieldset', { class: 'safeguards' }, el('legend', {}, tr('stp.safeguards')),
    ...m.safeguards.map((g) => el('label', {}, el('input', { type: 'checkbox', name: 'sg:' + g.code }), ' ' + g.text + (g.must_hold ? tr('stp.must_hold') : '')))));
}
function safeguardBody(f, m) {
  return Object.fromEntries(m.safeguards.map((g) => [g.code, f.querySelector('input[name="sg:' + g.code + '"]').checked]));
}
function sdFields(form, m) {
  for (const d of m.sd_indicators || []) form.append(field(tr('stp.sd', { name: d.name, unit: d.unit }), input('sd:' + d.code, { type: 'number', min: 0, step: 1, required: true })));
}
function sdBody(x, m) {
  if (!m.sd_indicators) return {};
  return { sd_indicators: Object.fromEntries(m.sd_indicators.map((d) => [d.code, Number(x['sd:' + d.code])])) };
}
function calcBody(x) {
  const inputs = {};
  for (const [k, v] of Object.entries(x)) if (k.startsWith('in:')) inputs[k.slice(3)] = Number(v);
  return { calculator: x.calculator, inputs };
}

screen('activity', 'screen.activity', CYCLE_ROLES, async (v, id) => {
  const [a, mechs] = await Promise.all([get('/v1/activities/' + encodeURIComponent(id)), get('/v1/mechanisms')]);
  const m = mechs.items.find((x) => x.code === a.mechanism) || { steps: {} };
  $('#title').textContent = tr('act.id_title', { id: a.id, title: a.title });
  const w = waitsFor(a, m, a);
  const parts = [el('dl', { class: 'facts' },
    el('dt', {}, tr('col.mechanism')), el('dd', {}, a.mechanism + ' — ' + m.name),
    el('dt', {}, tr('act.host_reg')), el('dd', {}, a.host + ', ' + a.registry),
    el('dt', {}, tr('act.participant')), el('dd', {}, tr('act.org', { org: a.organisation })),
    el('dt', {}, tr('act.scope_kind')), el('dd', {}, a.scope + ', ' + word('akind', a.kind)),
    el('dt', {}, tr('col.state')), el('dd', { id: 'state' }, word('state', a.state)),
    el('dt', {}, tr('col.waits')), el('dd', { id: 'waits' }, w.length ? w.map(stepLabel).join('; ') : tr('act.nothing')),
    el('dt', {}, tr('act.issued')), el('dd', {}, tr('t', { n: num(a.issued) })),
    el('dt', {}, tr('act.public')), el('dd', {}, link('/project.html?id=' + encodeURIComponent(a.id), tr('act.project', { id: a.id }))))];
  const forms = [];
  for (const x of w) if (mine(x.role, a)) forms.push(await stepForm(a, m, x, a));
  if (a.state === 'registered' && mine('participant', a)) {
    const form = el('form', { class: 'grid step', id: 'new-period', 'aria-label': tr('act.mr') }, el('h3', {}, tr('act.mr_h')),
      field(tr('act.p_start'), input('start', { type: 'date', required: true })), field(tr('act.p_end'), input('end', { type: 'date', required: true })));
    calcFields(form, m, null);
    sdFields(form, m);
    form.append(...docInputs(m.steps.monitor && m.steps.monitor.documents), field(tr('f.comment'), input('comment', { maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('act.mr_do'))));
    onSubmit(form, async (x, f) => {
      const documents = await uploadDocs(f);
      const r = await post('/v1/activities/' + encodeURIComponent(a.id) + '/periods', compact({ start: x.start, end: x.end, ...calcBody(x), ...sdBody(x, m), documents, comment: x.comment }));
      flash('ok', tr('act.reported', { period: r.period.period, n: num(r.period.reported), calc: r.period.calculator }));
      await render();
    });
    forms.push(form);
  }
  if (forms.length) parts.push(el('h2', {}, tr('act.your_steps')), ...forms);
  parts.push(...(await activityVoice(a, m)));
  parts.push(el('h2', {}, tr('act.periods')), a.periods.length ? table(tr('act.periods'), [tr('col.period'), tr('col.from'), tr('col.to'), tr('col.state'), tr('stp.calculator'), tr('col.reported'), tr('col.certified')],
    a.periods.map((p) => [String(p.period), when(p.start), when(p.end), word('state', p.state), p.calculator, num(p.reported), num(p.certified)]), [5, 6]) : empty(tr('act.no_period')));
  parts.push(el('h2', {}, tr('act.steps')), table(tr('act.trail'), [tr('col.when'), tr('col.step'), tr('col.period'), tr('stp.decision'), tr('col.state'), tr('col.role'), tr('col.actor'), tr('col.documents')],
    a.steps.map((s) => [when(s.timestamp), word('step', s.step), s.period ? String(s.period) : '—', s.decision ? word('decision', s.decision) : '—', (word('state', s.from_state) || '—') + ' → ' + word('state', s.to_state), word('srole', s.role), s.actor,
      s.documents.length ? el('span', {}, s.documents.map((d) => el('span', { class: 'block' }, link('/v1/documents/' + d.sha256, d.type), ' ', el('code', {}, d.sha256.slice(0, 12) + '…')))) : '—'])));
  v.replaceChildren(...parts);
});

/* ---- Article 6 authorizations -------------------------------------------- */

screen('a6', 'screen.a6', ['authority', 'admin', 'auditor', 'reviewer'], async (v) => {
  const [auths, parties] = await Promise.all([all('/v1/a6/authorizations'), get('/v1/parties')]);
  const parts = [];
  const canWrite = me.role === 'authority' || me.role === 'admin';
  if (canWrite) {
    const projSel = select('project', [['', tr('a6.host_first')]], { required: true });
    const party = select('party', [['', tr('choose')], ...parties.items.map((p) => [p.code, p.code + ' — ' + p.name])], { required: true });
    party.addEventListener('change', async () => {
      const ps = party.value ? await all('/v1/projects?host=' + encodeURIComponent(party.value)) : [];
      projSel.replaceChildren(...(ps.length ? ps.map((p) => el('option', { value: p.id }, p.id + ' — ' + p.title)) : [el('option', { value: '' }, tr('a6.no_project'))]));
    });
    const y = new Date().getUTCFullYear();
    const form = el('form', { class: 'grid', id: 'authorize', 'aria-label': tr('a6.authorize') },
      field(tr('f.host'), party), field(tr('col.project'), projSel),
      field(tr('a6.approach'), input('approach', { required: true, pattern: 'CA[0-9]{4}', placeholder: 'CA0001' }), tr('a6.approach_hint')),
      field(tr('col.quantity'), input('quantity', { type: 'number', min: 1, required: true })),
      field(tr('a6.v_from'), input('vintage_from', { type: 'number', required: true, value: y - 1 })), field(tr('a6.v_to'), input('vintage_to', { type: 'number', required: true, value: y + 4 })),
      field(tr('a6.y_from'), input('year_from', { type: 'number', required: true, value: y })), field(tr('a6.y_to'), input('year_to', { type: 'number', required: true, value: y + 4 })),
      el('fieldset', { class: 'purposes' }, el('legend', {}, tr('a6.purposes')), ['NDC', 'OIMP', 'IMP', 'OP'].map((p) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'purpose:' + p, value: p, checked: p === 'NDC' }), ' ' + tr('a6.purpose_' + p)))),
      field(tr('a6.fte'), select('first_transfer_event', ['use', 'authorization', 'issuance'].map((k) => [k, tr('fte.' + k)]))),
      field(tr('a6.parties'), input('authorized_parties', { placeholder: 'CHE, JPN' }), tr('a6.parties_hint')),
      field(tr('a6.entities'), input('authorized_entities'), tr('a6.entities_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('a6.authorize'))));
    const list = (s) => (s || '').split(',').map((t) => t.trim()).filter(Boolean);
    onSubmit(form, async (x) => {
      const r = await post('/v1/a6/authorizations', compact({ party: x.party, approach: x.approach, project: x.project, quantity: Number(x.quantity),
        vintage_from: Number(x.vintage_from), vintage_to: Number(x.vintage_to), year_from: Number(x.year_from), year_to: Number(x.year_to),
        purposes: Object.keys(x).filter((k) => k.startsWith('purpose:')).map((k) => x[k]), first_transfer_event: x.first_transfer_event,
        authorized_parties: list(x.authorized_parties), authorized_entities: list(x.authorized_entities) }));
      flash('ok', el('span', { id: 'done' }, tr('a6.recorded', { id: r.id, n: num(r.assigned) }) + ' ',
        link('/work-letter.html?id=' + r.id, tr('a6.letter_n', { id: r.id }), { id: 'letter-link' })));
      await render();
    });
    parts.push(el('h2', {}, tr('a6.authorize_h')), form);
  }
  parts.push(el('h2', {}, tr('a6.letters')), auths.length ? table(tr('a6.letters'), [tr('col.letter'), tr('col.party'), tr('col.approach'), tr('col.project'), tr('col.quantity'), tr('col.purposes'), tr('col.version'), tr('col.state'), tr('col.action')],
    auths.map((x) => [link('/work-letter.html?id=' + x.id, tr('a6.letter_l', { id: x.id })), x.party, x.approach, x.project, num(x.quantity), x.purposes.join(', '), String(x.version),
      tr(x.revoked ? 'a6.revoked' : 'a6.in_force'),
      el('span', { class: 'btns' }, link('#/auth/' + x.id, tr(canWrite && !x.revoked ? 'a6.amend' : 'a6.versions'), { 'aria-label': tr(canWrite && !x.revoked ? 'a6.amend_label' : 'a6.versions_label', { id: x.id }) }),
      canWrite && !x.revoked ? el('button', { type: 'button', 'aria-label': tr('a6.revoke_label', { id: x.id }), onclick: async (ev) => {
        if (!confirm(tr('a6.revoke_confirm', { id: x.id }))) return;
        ev.target.disabled = true;
        try {
          await post('/v1/a6/authorizations/' + x.id + '/revoke', {});
          flash('ok', tr('a6.revoked_msg', { id: x.id }));
          await render();
        } catch (e) {
          flash('error', e);
          ev.target.disabled = false;
        }
      } }, tr('revoke')) : null)]), [4]) : empty(tr('a6.none')));
  v.replaceChildren(...parts);
});
screens.a6.nav = 'nav.a6';

/* ---- registry administrator ------------------------------------------------ */

screen('users', 'screen.users', ['admin'], async (v) => {
  const [users, orgs] = await Promise.all([get('/v1/users'), all('/v1/organisations?limit=500')]);
  const orgName = Object.fromEntries(orgs.map((o) => [o.id, o.name]));
  const form = el('form', { class: 'grid', id: 'new-user', 'aria-label': tr('usr.new') },
    field(tr('col.name'), input('name', { required: true, maxlength: 200 })),
    field(tr('f.email'), input('email', { type: 'email', required: true, spellcheck: 'false', autocomplete: 'off' })),
    field(tr('col.role'), select('role', ROLES.map((r) => [r, roleName(r)]))),
    field(tr('col.organisation'), select('organisation', [['', tr('usr.no_org')], ...orgs.map((o) => [o.id, tr('src.account_opt', { id: o.id, name: o.name, registry: o.registry })])])),
    field(tr('usr.password'), input('password', { type: 'password', required: true, minlength: 12, autocomplete: 'new-password' }), tr('usr.password_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('usr.create'))));
  onSubmit(form, async (x) => {
    const u = await post('/v1/users', compact({ name: x.name, email: x.email, role: x.role, organisation: intOrNull(x.organisation), password: x.password }));
    return el('div', { class: 'status ok', role: 'status', id: 'done' },
      el('p', {}, tr('usr.created', { id: u.id, email: u.email })),
      el('dl', { class: 'facts' }, el('dt', {}, tr('usr.secret')), el('dd', {}, el('code', { id: 'totp-secret' }, u.totp.secret)),
        el('dt', {}, tr('usr.uri')), el('dd', {}, el('code', {}, u.totp.uri))),
      el('p', {}, link('#/users', tr('usr.refresh'))));
  });
  const rows = users.items.map((u) => [String(u.id), u.name, u.email, roleName(u.role), u.organisation ? u.organisation + ' · ' + (orgName[u.organisation] || '') : '—',
    tr('usr.totp'), word('ustatus', u.status), when(u.created),
    el('button', { type: 'button', 'aria-label': tr(u.status === 'active' ? 'usr.disable_label' : 'usr.enable_label', { email: u.email }), onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await call('PATCH', '/v1/users/' + u.id, { status: u.status === 'active' ? 'disabled' : 'active' });
        flash('ok', tr(u.status === 'active' ? 'usr.disabled' : 'usr.enabled', { email: u.email }));
        await render();
      } catch (e) {
        flash('error', e);
      }
    } }, tr(u.status === 'active' ? 'usr.disable' : 'usr.enable'))]);
  v.replaceChildren(users.items.length ? table(tr('screen.users'), [tr('col.id'), tr('col.name'), tr('f.email'), tr('col.role'), tr('col.organisation'), tr('usr.second'), tr('col.status'), tr('col.created'), tr('col.action')], rows) : empty(tr('usr.none')),
    el('p', { class: 'muted' }, tr('usr.fixed')),
    el('h2', {}, tr('usr.new')), form);
});
screens.users.nav = 'nav.users';

const ACCOUNT_TYPES = ['holding', 'trading', 'pending', 'retirement', 'cancellation', 'buffer', 'adaptation-fund', 'omge-cancellation', 'surrender'];

screen('accounts', 'screen.accounts', ['admin'], async (v, registry) => {
  const [regs, orgs] = await Promise.all([get('/v1/registries'), all('/v1/organisations?limit=500')]);
  const reg = registry || (regs.items[0] && regs.items[0].id);
  const accounts = (await all('/v1/accounts?limit=500')).filter((a) => a.registry === reg);
  const pick = select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]), { onchange: (ev) => (location.hash = '#/accounts/' + ev.target.value) });
  pick.value = reg;
  const act = (a, status, label) => el('button', { type: 'button', 'aria-label': tr('acc.act_label', { what: label, id: a.id }), onclick: async (ev) => {
    if (status === 'closed' && !confirm(tr('acc.close_confirm', { id: a.id }))) return;
    ev.target.disabled = true;
    try {
      await call('PATCH', '/v1/accounts/' + a.id, { status });
      flash('ok', tr('acc.now', { id: a.id, status: word('accstatus', status) }));
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, label);
  const names = Object.fromEntries(orgs.map((o) => [o.id, o.name]));
  const rows = accounts.map((a) => [String(a.id), a.name, word('acctype', a.type), a.organisation ? a.organisation + ' · ' + (names[a.organisation] || '') : tr('acc.registry_own'), word('accstatus', a.status),
    el('span', { class: 'btns' }, a.status === 'open' ? act(a, 'blocked', tr('acc.block')) : null, a.status === 'blocked' ? act(a, 'open', tr('acc.unblock')) : null,
      a.status !== 'closed' ? act(a, 'closed', tr('acc.close')) : null)]);
  const form = el('form', { class: 'grid', id: 'new-account', 'aria-label': tr('acc.open_label') },
    field(tr('col.organisation'), select('organisation', [['', tr('acc.no_org')], ...orgs.filter((o) => o.registry === reg).map((o) => [o.id, o.id + ' · ' + o.name])])),
    field(tr('col.type'), select('type', ACCOUNT_TYPES.map((t) => [t, word('acctype', t)]))), field(tr('col.name'), input('name', { required: true, maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('acc.open_do'))));
  onSubmit(form, async (x) => {
    const a = await post('/v1/accounts', compact({ registry: reg, organisation: intOrNull(x.organisation), type: x.type, name: x.name }));
    flash('ok', tr('acc.opened', { id: a.id, name: a.name }));
    await render();
  });
  v.replaceChildren(el('form', { class: 'filters', 'aria-label': tr('f.registry'), onsubmit: (ev) => ev.preventDefault() }, field(tr('f.registry'), pick)),
    table(tr('acc.of', { reg }), [tr('col.id'), tr('col.name'), tr('col.type'), tr('col.holder'), tr('col.status'), tr('col.change')], rows),
    el('p', { class: 'muted' }, tr('acc.about')),
    el('h2', {}, tr('acc.open_in', { reg })), form);
});
screens.accounts.nav = 'nav.accounts';

screen('tokens', 'screen.tokens', ['admin'], async (v) => {
  const tokens = await all('/v1/tokens');
  v.replaceChildren(el('p', {}, tr('tok.intro')),
    table(tr('screen.tokens'), [tr('col.id'), tr('col.label'), tr('col.role'), tr('col.organisation'), tr('col.state'), tr('col.created'), tr('col.expires'), tr('col.last_used'), tr('col.action')],
      tokens.map((t) => [String(t.id), t.label, roleName(t.role), t.organisation ? String(t.organisation) : '—', word('tokstate', t.state), when(t.created), when(t.expires), when(t.last_used),
        t.state === 'active' ? el('button', { type: 'button', 'aria-label': tr('tok.revoke_label', { id: t.id }), onclick: async (ev) => {
          if (!confirm(tr('tok.revoke_confirm', { id: t.id, label: t.label }))) return;
          ev.target.disabled = true;
          try {
            await post('/v1/tokens/' + t.id + '/revoke', {});
            flash('ok', tr('tok.revoked', { id: t.id }));
            await render();
          } catch (e) {
            flash('error', e);
          }
        } }, tr('revoke')) : ''])));
});
screens.tokens.nav = 'nav.tokens';

/* ---- ETS surrender ------------------------------------------------------------ */

function evaluationNode(ev) {
  const f = ev.figures || {};
  return el('div', { class: 'evaluation', id: 'evaluation' },
    el('p', { class: ev.accepted ? 'verdict ok' : 'verdict bad' }, ev.accepted ? tr('ev.meets', { j: ev.jurisdiction }) :
      trn('ev.breaks', (ev.breaks || []).length, { j: ev.jurisdiction })),
    el('dl', { class: 'facts' },
      el('dt', {}, tr('ev.emissions')), el('dd', {}, tr('ev.t_year', { n: num(f.emissions), year: f.year })),
      el('dt', {}, tr('ev.obligation')), el('dd', {}, tr('t', { n: num(f.obligation) })),
      el('dt', {}, tr('ev.allocated')), el('dd', {}, tr('t', { n: num(f.allocated) })),
      el('dt', {}, tr('ev.allowances')), el('dd', {}, tr('t', { n: num(ev.allowances) })),
      el('dt', {}, tr('ev.offsets')), el('dd', {}, tr('ev.offsets_dd', { n: num(ev.offsets), max: num(ev.max_offsets), eligible: num(ev.eligible_offered) })),
      el('dt', {}, tr('ev.shortfall')), el('dd', {}, tr('t', { n: num(ev.shortfall) }))),
    (ev.breaks || []).length ? table(tr('ev.broken'), [tr('col.rule'), tr('col.kind'), tr('col.rule_says'), tr('col.figure'), tr('col.limit')],
      ev.breaks.map((b) => [b.rule, b.kind, b.text, num(b.figure), num(b.limit)]), [3, 4]) : null);
}

screen('ets', 'screen.ets', ['holder'], async (v) => {
  const schemes = (await get('/v1/ets/schemes')).items;
  const ents = [];
  for (const s of schemes) for (const e of (await get('/v1/ets/schemes/' + encodeURIComponent(s.code) + '/entities')).items) if (e.org === me.organisation) ents.push([s, e]);
  if (!ents.length) return v.replaceChildren(empty(tr('sur.no_entity')));
  const [s, e] = ents[0];
  const h = await get('/v1/accounts/' + e.account + '/holdings');
  const form = el('form', { class: 'grid', id: 'surrender', 'aria-label': tr('sur.label') },
    field(tr('sur.entity'), select('entity', ents.map(([s2, e2]) => [s2.code + '|' + e2.id, s2.code + ' · ' + e2.id + ' — ' + e2.name]))),
    field(tr('sur.year'), input('year', { type: 'number', min: s.first_year, max: s.last_year, required: true, value: new Date().getUTCFullYear() - 2 })),
    el('fieldset', { class: 'blocks' }, el('legend', {}, tr('sur.units', { account: e.account })),
      h.blocks.length ? h.blocks.map((b, i) => field(tr('sur.block', { serial: b.serial, type: b.unit_type, vintage: b.vintage, n: num(b.quantity) }),
        input('q:' + i, { type: 'number', min: 0, max: b.quantity, value: 0 }))) : empty(tr('sur.no_units'))),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', name: 'do', value: 'dry' }, tr('sur.dry')),
      el('button', { type: 'submit', name: 'do', value: 'surrender' }, tr('sur.do'))));
  onSubmit(form, async (x, f, btn) => {
    const [scheme, entity] = x.entity.split('|');
    const items = [];
    h.blocks.forEach((b, i) => {
      const q = Number(x['q:' + i] || 0);
      if (q > 0) items.push({ batch: b.batch, first: b.first, last: b.first + q - 1 });
    });
    const body = { scheme, entity, year: Number(x.year), items };
    if (btn && btn.value === 'surrender') {
      const r = await post('/v1/ets/surrenders', body);
      return el('div', { class: 'status ok', role: 'status', id: 'done' }, tr(r.record && r.record.compliance ? 'sur.done_c' : 'sur.done', { tx: r.tx || '—',
        c: r.record && r.record.compliance ? word('compliance', r.record.compliance) : '' }), evaluationNode(r));
    }
    return evaluationNode(await post('/v1/ets/surrenders/dry-run', body));
  });
  v.replaceChildren(el('p', {}, tr('sur.intro')), form,
    await entityYears(s, e));
});
screens.ets.nav = 'nav.ets';

/* ---- four eyes, trusted accounts, exchange orders ------------------------------ */

/* A covered move answers 202 with a proposal instead of a transaction
 * (docs/API.md, "Four eyes, trusted accounts and transfer delays"). */
const isProposal = (t) => !!(t && Array.isArray(t.reasons) && t.state);
const reasonsText = (p) => (p.reasons || []).map((r) => word('reason', r)).join(', ');
/* what: the key of the kind of move ('kind.transfer', 'kind.retirement'). */
function proposalNode(p, what) {
  return el('div', { class: 'status held', role: 'status', id: 'proposal' },
    el('p', {}, tr('prop.held', { what: tr(what), id: p.id, n: num(p.quantity), state: word('pstate', p.state), reasons: reasonsText(p) })),
    el('p', {}, p.state === 'delayed' ? tr('prop.executes', { when: when(p.executes_at) }) : tr('prop.other_person', { when: when(p.expires_at) }) + ' ',
      link('#/approvals', tr('nav.approvals'))));
}
/* May the signed-in person approve or reject it? Not their own proposal
 * (the server refuses with self_approval anyway). */
const mayDecide = (p) => p.state === 'pending' && p.proposer !== 'user:' + me.user.id;

async function openProposals() {
  const [pending, delayed] = await Promise.all([all('/v1/proposals?state=pending'), all('/v1/proposals?state=delayed')]);
  return pending.concat(delayed).sort((x, y) => x.id - y.id);
}

screen('approvals', 'screen.approvals', ['holder', 'authority', 'admin', 'auditor'], async (v) => {
  const open = await openProposals();
  const recent = (await get('/v1/proposals?limit=20')).items.filter((p) => p.state !== 'pending' && p.state !== 'delayed');
  const act = (p, what, label) => el('button', { type: 'button', class: what === 'approve' ? 'primary' : null, 'data-proposal': String(p.id), 'data-action': what,
    'aria-label': tr('appr.' + what + '_label', { id: p.id }), onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await post('/v1/proposals/' + p.id + '/' + what, {});
        flash('ok', el('span', { id: 'decided' }, tr('appr.now', { id: r.id, state: word('pstate', r.state) }) + (r.tx ? tr('appr.tx', { tx: r.tx }) : '') +
          (r.failure ? ' (' + r.failure + ')' : '') + (r.state === 'delayed' ? tr('appr.executes', { when: when(r.executes_at) }) : '') + '.'));
        await render();
      } catch (e) {
        flash('error', e);
        ev.target.disabled = false;
      }
    } }, label);
  const canAct = me.role !== 'auditor';
  const rows = open.map((p) => [String(p.id), proposalAbout(p) || word('kind', p.kind), word('pstate', p.state), reasonsText(p), proposalAbout(p) ? '—' : num(p.quantity),
    p.from_account ? String(p.from_account) : '—', p.to_account ? String(p.to_account) : '—', p.proposer === 'user:' + me.user.id ? tr('appr.you', { who: p.proposer }) : p.proposer, when(p.created),
    p.state === 'delayed' ? tr('appr.executes_at', { when: when(p.executes_at) }) : tr('appr.expires_at', { when: when(p.expires_at) }),
    canAct ? el('span', { class: 'btns' }, p.state === 'pending' ? [act(p, 'approve', tr('appr.approve')), act(p, 'reject', tr('appr.reject'))] : null,
      act(p, 'cancel', tr('appr.cancel'))) : '']);
  v.replaceChildren(el('p', {}, tr('appr.intro')),
  open.length ? table(tr('appr.open'), [tr('col.proposal'), tr('col.what'), tr('col.state'), tr('col.why'), tr('col.quantity'), tr('col.from'), tr('col.to'), tr('col.proposed_by'), tr('col.proposed'), tr('col.deadline'), tr('col.decide')], rows, [4]) :
    empty(tr('appr.none_open')),
  el('h2', {}, tr('appr.recent')),
  recent.length ? table(tr('appr.recent_caption'), [tr('col.proposal'), tr('col.what'), tr('col.state'), tr('col.quantity'), tr('col.from'), tr('col.to'), tr('col.decided_by'), tr('col.decided'), tr('col.tx_or_failure')],
    recent.map((p) => [String(p.id), proposalAbout(p) || word('kind', p.kind), word('pstate', p.state), proposalAbout(p) ? '—' : num(p.quantity), p.from_account ? String(p.from_account) : '—', p.to_account ? String(p.to_account) : '—',
      p.decided_by || '—', when(p.decided_at), p.tx ? String(p.tx) : p.failure || '—']), [3]) : empty(tr('none_yet')));
});
screens.approvals.nav = 'nav.approvals';

screen('trusted', 'screen.trusted', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty(tr('hold.no_account')));
  const lists = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/trusted')));
  const rm = (a, t) => el('button', { type: 'button', 'aria-label': tr('tru.remove_label', { t: t.trusted_account, a }), onclick: async (ev) => {
    if (!confirm(tr('tru.remove_confirm', { t: t.trusted_account, a }))) return;
    ev.target.disabled = true;
    try {
      await call('DELETE', '/v1/accounts/' + a + '/trusted/' + t.trusted_account);
      flash('ok', tr('tru.removed', { t: t.trusted_account, a }));
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, tr('tru.remove'));
  const items = lists.flatMap((l) => l.items.map((t) => [String(l.account), String(t.trusted_account), word('tstate', t.state), when(t.active_from), when(t.added), t.added_by, rm(l.account, t)]));
  const form = el('form', { class: 'grid', id: 'add-trusted', 'aria-label': tr('tru.add_h') },
    field(tr('tru.your_account'), select('account', accounts.map((a) => [a.id, tr('src.account_opt', { id: a.id, name: a.name, registry: a.registry })]))),
    field(tr('tru.to_trust'), input('trusted', { type: 'number', min: 1, step: 1, required: true }), tr('tru.to_trust_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('tru.add'))));
  onSubmit(form, async (x) => {
    const r = await post('/v1/accounts/' + Number(x.account) + '/trusted', { account: Number(x.trusted) });
    flash('ok', r.state === 'active' ? tr('tru.added_active', { t: r.trusted_account, a: r.account }) :
      tr('tru.added_from', { t: r.trusted_account, a: r.account, state: word('tstate', r.state), when: when(r.active_from) }));
    await render();
  });
  v.replaceChildren(el('p', {}, tr('tru.intro')),
    items.length ? table(tr('screen.trusted'), [tr('f.account'), tr('col.trusted_account'), tr('col.state'), tr('col.active_from'), tr('col.added'), tr('col.added_by'), tr('tru.remove')], items) : empty(tr('tru.none')),
    el('h2', {}, tr('tru.add_h')), form);
});
screens.trusted.nav = 'nav.trusted';

const POLICY = [
  ['transfers_out_of_registry', 'bool'],
  ['transfer_above', 0, 0],
  ['retirement_above', 0, 0],
  ['proposal_lifetime_hours', 1, 8760],
  ['untrusted_transfer_delay_hours', 0, 8760],
  ['trusted_activation_hours', 0, 8760],
  ['a6_authorizations', 'bool'],
  ['ets_emissions', 'bool'],
];
screen('policy', 'screen.policy', ['admin'], async (v, registry) => {
  const regs = await get('/v1/registries');
  const reg = registry || (regs.items[0] && regs.items[0].id);
  const p = await get('/v1/registries/' + encodeURIComponent(reg) + '/approval-policy');
  const pick = select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]), { onchange: (ev) => (location.hash = '#/policy/' + ev.target.value) });
  pick.value = reg;
  const form = el('form', { class: 'grid', id: 'policy', 'aria-label': tr('pol.of', { reg }) },
    POLICY.map(([k, min, max]) => (min === 'bool' ? el('div', { class: 'field check' }, el('label', {}, el('input', { type: 'checkbox', name: k, id: 'f-' + k, checked: !!p[k] }), ' ' + tr('pol.' + k))) :
      field(tr('pol.' + k), input(k, { type: 'number', min, max: max || null, step: 1, required: true, value: p[k] })))),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('pol.save'))));
  onSubmit(form, async (x) => {
    const body = {};
    for (const [k, min] of POLICY) body[k] = min === 'bool' ? k in x : Number(x[k]);
    const r = await call('PUT', '/v1/registries/' + encodeURIComponent(reg) + '/approval-policy', body);
    return el('div', { class: 'status ok', role: 'status', id: 'done' }, tr('pol.saved', { reg: r.registry, hold: r.hold_account }));
  });
  v.replaceChildren(el('form', { class: 'filters', 'aria-label': tr('f.registry'), onsubmit: (ev) => ev.preventDefault() }, field(tr('f.registry'), pick)),
    el('p', {}, p.hold_account ? tr('pol.hold', { hold: p.hold_account }) : tr('pol.defaults')),
    form, el('p', { class: 'muted' }, tr('pol.covered', { reg })));
});
screens.policy.nav = 'nav.policy';

/* Prices are in minor units of the instrument's currency per tonne. */
function money(n, ins) {
  if (n === null || n === undefined) return '—';
  const mu = ins ? ins.minor_units : 2;
  return new Intl.NumberFormat(LOCALE, { minimumFractionDigits: mu, maximumFractionDigits: mu }).format(n / 10 ** mu) + (ins ? ' ' + ins.currency : '');
}

screen('orders', 'screen.orders', ['holder'], async (v) => {
  const [inst, orders, cash, accounts] = await Promise.all([get('/v1/exchange/instruments'), all('/v1/exchange/orders'), get('/v1/exchange/cash'), myAccounts()]);
  const byCode = Object.fromEntries(inst.items.map((i) => [i.code, i]));
  /* Block instruments take quotes, not orders (docs/API.md). */
  const open = inst.items.filter((i) => i.status === 'open' && i.mode !== 'block');
  const cancel = (o) => el('button', { type: 'button', 'aria-label': tr('ord.cancel_label', { id: o.id }), onclick: async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await post('/v1/exchange/orders/' + o.id + '/cancel', {});
      flash('ok', tr(o.side === 'buy' ? 'ord.cancelled_buy' : 'ord.cancelled_sell', { id: r.id, status: word('ostatus', r.status), n: num(o.remaining) }));
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, tr('appr.cancel'));
  const form = el('form', { class: 'grid', id: 'order', 'aria-label': tr('ord.place_h') },
    field(tr('col.instrument'), select('instrument', open.map((i) => [i.code, i.code + ' — ' + i.name + ' (' + i.currency + ')']), { required: true })),
    field(tr('f.account'), select('account', accounts.filter((a) => a.status === 'open').map((a) => [a.id, tr('src.account_opt', { id: a.id, name: a.name, registry: a.registry })]))),
    field(tr('col.side'), select('side', [['buy', word('side', 'buy')], ['sell', word('side', 'sell')]])),
    field(tr('ord.price'), input('price', { type: 'number', min: 1, step: 1, required: true }), tr('ord.price_hint', { eg: dec(12.5, 2) })),
    field(tr('col.quantity'), input('qty', { type: 'number', min: 1, step: 1, required: true }), tr('ord.qty_hint')),
    field(tr('ord.tif'), select('tif', ['gtc', 'ioc', 'fok'].map((t) => [t, word('tif', t)]))),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('ord.place'))));
  onSubmit(form, async (x) => {
    const o = await post('/v1/exchange/orders', { instrument: x.instrument, account: Number(x.account), side: x.side, type: 'limit', price: Number(x.price),
      qty: Number(x.qty), tif: x.tif }, { 'Idempotency-Key': idemKey() });
    flash('ok', el('span', { id: 'placed' }, tr('ord.placed', { id: o.id, status: word('ostatus', o.status), filled: num(o.filled), trades: trn('ord.trades', o.trades.length), resting: num(o.remaining) })));
    await render();
  });
  v.replaceChildren(el('p', {}, tr('ord.intro')),
    cash.items.length ? table(tr('ord.cash'), [tr('col.currency'), tr('col.available'), tr('col.reserved')], cash.items.map((c) => {
      const cur = inst.items.find((i) => i.currency === c.currency) || { minor_units: 2 };
      return [c.currency, money(c.balance, { minor_units: cur.minor_units, currency: c.currency }), money(c.reserved, { minor_units: cur.minor_units, currency: c.currency })];
    }), [1, 2]) : empty(tr('ord.no_cash')),
    el('h2', {}, tr('ord.place_h')),
    table(tr('ord.instruments'), [tr('col.instrument'), tr('col.name'), tr('f.registry'), tr('col.tick'), tr('col.lot'), tr('col.prev'), tr('col.status')],
      inst.items.map((i) => [i.code, i.name, i.registry, money(i.tick, i), num(i.lot), money(i.prev_close, i), word('istatus', i.status) + (i.mode === 'block' ? tr('ord.block_only') : '')]), [3, 4, 5]),
    open.length ? form : empty(tr('ord.none_open')),
    orders.length ? table(tr('ord.list'), [tr('col.order'), tr('col.instrument'), tr('col.side'), tr('col.price'), tr('col.quantity'), tr('col.remaining'), tr('col.status'), tr('col.placed'), tr('col.action')],
      orders.slice().reverse().map((o) => [String(o.id), o.instrument, word('side', o.side), money(o.price, byCode[o.instrument]), num(o.qty), num(o.remaining), word('ostatus', o.status), when(o.ts),
        o.status === 'open' ? cancel(o) : '']), [3, 4, 5]) : empty(tr('ord.none')));
});
screens.orders.nav = 'nav.orders';

/* ---- shell: login, navigation, routing ------------------------------------------ */

let pendingFlash = null;
function flash(kind, what) {
  const n = what instanceof Error ? errorNode(what, tr('err.refused')) : what instanceof Node ?
    el('div', { class: 'status ' + kind, role: 'status' }, what) : note(kind, what);
  pendingFlash = n;
  $('#msg').replaceChildren(n);
}

function loginView(v) {
  $('#title').textContent = tr('login.title');
  document.title = tr('doc.title', { what: tr('login.title') });
  $('#navlist').replaceChildren();
  $('#logout').hidden = true;
  $('#me').hidden = true;
  const form = el('form', { class: 'grid login', id: 'signin', 'aria-label': tr('login.title') },
    field(tr('f.email'), input('email', { type: 'email', required: true, autocomplete: 'username', spellcheck: 'false' })),
    field(tr('f.password'), input('password', { type: 'password', required: true, autocomplete: 'current-password' })),
    field(tr('f.code'), input('code', { required: true, inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, autocomplete: 'one-time-code' }), tr('login.code_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('login.do'))));
  onSubmit(form, async (x) => {
    me = await post('/v1/session', { email: x.email, password: x.password, code: x.code });
    await render();
  });
  v.replaceChildren(el('p', {}, tr('login.intro')), form);
}

let firstRender = true;
async function render() {
  document.body.dataset.ready = '0';
  const v = $('#view');
  if (pendingFlash) pendingFlash = null;
  else $('#msg').replaceChildren();
  if (!me) {
    try {
      me = await get('/v1/session');
      if (me.via !== 'session') me = null;
    } catch (e) {
      me = null;
      if (e.code === 'session_expired') $('#msg').replaceChildren(note('empty', tr('session.ended')));
    }
  }
  if (!me) {
    loginView(v);
    document.body.dataset.screen = 'login';
    document.body.dataset.ready = '1';
    return;
  }
  const [name, ...args] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const s = screens[name] || null;
  $('#me').hidden = false;
  $('#me').textContent = me.user.name + ' · ' + roleName(me.role);
  $('#logout').hidden = false;
  $('#navlist').replaceChildren(...nav().map(([n, label]) => el('li', {}, el('a', { href: '#/' + n, 'aria-current': n === name ? 'page' : null }, label))));
  document.body.dataset.screen = name || 'home';
  if (!s || !s.roles.includes(me.role)) {
    $('#title').textContent = tr('nothere.title');
    v.replaceChildren(note('error', s ? tr('nothere.role', { role: roleName(me.role) }) : tr('nothere.none')), el('p', {}, link('#/', tr('dash.title'))));
  } else {
    $('#title').textContent = tr(s.title);
    v.replaceChildren(note('loading', tr('loading')));
    try {
      await s.run(v, ...args);
    } catch (e) {
      if (e.code === 'session_expired' || e.status === 401) {
        me = null;
        return render();
      }
      v.replaceChildren(errorNode(e, tr('err.screen')));
    }
  }
  document.title = tr('doc.title', { what: $('#title').textContent });
  if (!firstRender) $('#title').focus();
  firstRender = false;
  document.body.dataset.ready = '1';
}

async function logout() {
  try {
    await call('DELETE', '/v1/session');
  } catch (e) {
    /* already ended: the same for the person */
  }
  me = null;
  flash('empty', tr('logged_out'));
  if (location.hash && location.hash !== '#/') location.hash = '#/';
  else await render();
}

/* ---- the printable letter of authorization --------------------------------------- */

async function letter() {
  const v = $('#view');
  const id = new URLSearchParams(location.search).get('id');
  try {
    const [a, parties] = await Promise.all([get('/v1/a6/authorizations/' + encodeURIComponent(id || '')), get('/v1/parties')]);
    const pname = (c) => (parties.items.find((p) => p.code === c) || { name: c }).name;
    document.title = tr('lt.doc_title', { id: a.id, party: a.party });
    const purposes = { NDC: tr('lt.p_NDC'), OIMP: tr('lt.p_OIMP'), IMP: tr('lt.p_IMP'), OP: tr('lt.p_OP') };
    const party = (c) => tr('lt.party', { name: pname(c), code: c });
    v.replaceChildren(el('article', { class: 'letter' },
      el('p', { class: 'letterhead' }, tr('lt.head', { party: pname(a.party) })),
      el('h1', {}, tr('lt.h1', { id: a.id })),
      el('p', { class: 'muted' }, tr('lt.sub', { approach: a.approach, version: a.version, when: when(a.ts) })),
      a.revoked ? el('p', { class: 'verdict bad', id: 'revoked' }, tr('lt.revoked', { version: a.version })) : null,
      el('p', {}, tr('lt.body', { party: pname(a.party), code: a.party, project: a.project, from: a.vintage_from, to: a.vintage_to, n: num(a.quantity),
        purposes: a.purposes.map((p) => purposes[p] || p).join('; ') })),
      el('dl', { class: 'facts' },
        el('dt', {}, tr('f.host')), el('dd', {}, party(a.party)),
        el('dt', {}, tr('col.project')), el('dd', {}, link('/project.html?id=' + encodeURIComponent(a.project), a.project)),
        el('dt', {}, tr('lt.quantity')), el('dd', {}, tr('lt.quantity_dd', { n: num(a.quantity), assigned: num(a.assigned) })),
        el('dt', {}, tr('lt.vintages')), el('dd', {}, a.vintage_from + '–' + a.vintage_to),
        el('dt', {}, tr('lt.timeframe')), el('dd', {}, a.year_from + '–' + a.year_to),
        el('dt', {}, tr('lt.acquiring')), el('dd', {}, a.authorized_parties.length ? a.authorized_parties.map(party).join(', ') : tr('lt.any_party')),
        el('dt', {}, tr('lt.entities')), el('dd', {}, a.authorized_entities.length ? a.authorized_entities.join(', ') : tr('lt.any_entity')),
        el('dt', {}, tr('a6.fte')), el('dd', {}, tr('fte.' + a.first_transfer_event)),
        el('dt', {}, tr('lt.in_scope')), el('dd', {}, tr(a.in_ndc_scope ? 'yes' : 'no')),
        el('dt', {}, tr('lt.sha')), el('dd', { id: 'letter-hash' }, a.letter_sha256 ? el('code', {}, a.letter_sha256) : tr('lt.no_hash'))),
      a.itmos.length ? table(tr('lt.itmos'), [tr('lt.first'), tr('lt.last'), tr('col.quantity'), tr('col.vintage'), tr('col.state')],
        a.itmos.map((r) => [serial(r.first_id), serial(r.last_id), num(r.quantity), String(r.vintage), word('istate', r.state)]), [2]) : el('p', {}, tr('lt.no_itmo')),
      el('p', { class: 'muted' }, tr('lt.foot', { id: a.id }))));
  } catch (e) {
    v.replaceChildren(errorNode(e, tr('lt.err')));
  }
  document.body.dataset.ready = '1';
}

document.addEventListener('DOMContentLoaded', async () => {
  await loadMessages('app-');
  translatePage();
  if (document.body.dataset.app === 'letter') {
    $('#print').addEventListener('click', () => window.print());
    letter();
    return;
  }
  $('#logout').addEventListener('click', logout);
  window.addEventListener('hashchange', render);
  render();
});
