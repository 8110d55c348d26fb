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

const NUM = new Intl.NumberFormat('en-US');
const num = (n) => (n === null || n === undefined ? '—' : NUM.format(n));
function when(ts) {
  if (!ts) return '—';
  return ts.length > 10 ? ts.slice(0, 10) + ' ' + ts.slice(11, 16) + ' UTC' : ts;
}
const link = (href, text, attrs) => el('a', { href, ...(attrs || {}) }, text);
const serial = (s) => el('span', { class: 'serial' }, s);

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
    throw new ApiError(0, 'network', 'the registry cannot be reached (' + e.message + ')');
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
    (doing ? doing + ': ' : '') + e.message + (e.code && e.status ? ' (' + e.status + ' ' + e.code + ')' : ''));
  if (e.body && e.body.evaluation) box.append(evaluationNode(e.body.evaluation));
  if (e.body && Array.isArray(e.body.inconsistencies))
    box.append(el('ul', {}, e.body.inconsistencies.map((x) => el('li', {}, x.code + ': ' + x.message))));
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
    out.replaceChildren(note('loading', 'Sending…'));
    try {
      const node = await fn(Object.fromEntries(new FormData(form)), form, btn);
      out.replaceChildren(node || '');
    } catch (e) {
      out.replaceChildren(errorNode(e, 'The registry refused'));
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
const ROLE = {
  holder: 'Account holder and project participant',
  validator: 'Validator and verifier',
  authority: 'Designated authority',
  'mechanism-admin': 'Mechanism administrator',
  admin: 'Registry administrator',
  auditor: 'Auditor',
  reviewer: 'Technical expert reviewer (Article 6)',
};

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
const ROLE_NAME = { participant: 'the participant', validator: 'a validator', authority: 'the host\'s designated authority', 'mechanism-admin': 'the mechanism administrator' };

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

const stepLabel = (w) => w.step + (w.period ? ' (period ' + w.period + ')' : '') + ' by ' + (ROLE_NAME[w.role] || w.role || '—');

/* ---- screens ------------------------------------------------------------ */

const screens = {};
function screen(name, title, roles, run) {
  screens[name] = { title, roles, run };
}

function nav() {
  const items = [['', 'Dashboard']];
  for (const [name, s] of Object.entries(screens))
    if (name && s.nav && s.roles.includes(me.role)) items.push([name, s.nav]);
  return items;
}

screen('', 'Dashboard', ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor', 'reviewer'], async (v) => {
  const parts = [el('p', { id: 'who' }, 'Signed in as ' + me.user.name + ' — ' + (ROLE[me.role] || me.role) +
    (me.organisation ? ', organisation ' + me.organisation : '') + '. The session ends after 15 minutes without use.')];
  const cycleRole = ['holder', 'validator', 'authority', 'mechanism-admin'].includes(me.role);
  const tasks = [];
  if (cycleRole) {
    const { acts, mech, detail } = await cycleData();
    for (const a of acts)
      for (const w of waitsFor(a, mech[a.mechanism], detail[a.id])) if (mine(w.role, a)) tasks.push([a, w]);
    /* Open proposals of the organisation this person may approve or reject
     * (not their own), and delayed transfers they may cancel. */
    const props = me.role === 'holder' || me.role === 'authority' ? (await openProposals()).filter((p) => mayDecide(p) || p.state === 'delayed') : [];
    parts.push(el('h2', {}, 'Awaiting you'));
    if (!tasks.length && !props.length) parts.push(empty('Nothing in the project cycle waits for you.'));
    else
      parts.push(el('ul', { id: 'awaiting', class: 'tasks' }, tasks.map(([a, w]) => el('li', {},
        link('#/activity/' + encodeURIComponent(a.id), a.id + ': ' + a.title), ' — ' + stepLabel(w) + ' (' + a.mechanism + ', ' + a.host + ')')),
      props.map((p) => el('li', {}, link('#/approvals', 'Proposal ' + p.id + ': ' + (proposalAbout(p) || p.kind + ' of ' + num(p.quantity) + ' t from account ' + p.from_account +
        (p.to_account ? ' to account ' + p.to_account : ''))), p.state === 'pending' ? ' — approve or reject by ' + when(p.expires_at) + ' (proposed by ' + p.proposer + ')' :
        ' — delayed, executes at ' + when(p.executes_at) + ' unless cancelled'))));
  }
  if (me.role === 'holder') {
    const accounts = await all('/v1/accounts');
    const hs = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/holdings')));
    const total = hs.reduce((s, h) => s + h.total, 0);
    parts.push(el('h2', {}, 'Your accounts'),
      el('p', {}, num(accounts.length) + (accounts.length === 1 ? ' account, ' : ' accounts, ') + num(total) + ' t held. ',
        link('#/holdings', 'Holdings'), ' · ', link('#/transfer', 'Transfer'), ' · ', link('#/retire', 'Retire'), ' · ', link('#/statement', 'Statements'),
        ' · ', link('#/approvals', 'Approvals'), ' · ', link('#/trusted', 'Trusted accounts'), ' · ', link('#/orders', 'Exchange orders')));
  }
  if (me.role === 'admin') {
    const [users, tokens] = await Promise.all([get('/v1/users'), all('/v1/tokens')]);
    parts.push(el('h2', {}, 'Registry'),
      el('p', {}, num(users.items.length) + ' users (' + num(users.items.filter((u) => u.status !== 'active').length) + ' disabled), ' +
        num(tokens.filter((t) => t.state === 'active').length) + ' active API tokens. ',
        link('#/users', 'Users'), ' · ', link('#/accounts', 'Accounts'), ' · ', link('#/tokens', 'Tokens'), ' · ', link('#/policy', 'Approval policies'),
        ' · ', link('#/approvals', 'Proposals')));
  }
  if (me.role === 'authority' || me.role === 'admin' || me.role === 'auditor' || me.role === 'reviewer')
    parts.push(el('h2', {}, 'Article 6'), el('p', {}, link('#/a6', 'Authorizations'), ' and their printable letters · ', link('#/ndc', 'NDC figures'), ' · ',
      link('#/books', 'Article 6 books'), ' · ', link('#/aef', 'AEF and its consistency checks')));
  if (['authority', 'admin', 'auditor', 'validator'].includes(me.role))
    parts.push(el('h2', {}, 'Emissions trading'), el('p', {}, link('#/schemes', 'Schemes'), ', their covered entities, verified emissions, allocations and compliance.'));
  parts.push(...(await noticeChoice()));
  v.replaceChildren(...parts);
});

/* The person's choice of email notices (GET and PUT /v1/session/notices;
 * docs/APP.md "Email notices"): what "Awaiting you" lists, also by email
 * when the registry has a mail relay. */
async function noticeChoice() {
  const p = await get('/v1/session/notices');
  const form = el('form', { id: 'notices', 'aria-label': 'Email notices' },
    el('div', { class: 'field check' }, el('label', {}, el('input', { type: 'checkbox', name: 'email', id: 'f-notice-email', checked: !!p.email }),
      ' Email me what awaits me (to ' + p.address + ')')),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Save')));
  onSubmit(form, async (x) => {
    const r = await call('PUT', '/v1/session/notices', { email: 'email' in x });
    return el('div', { class: 'status ok', role: 'status', id: 'notices-saved' }, r.email ? 'Email notices are on: they go to ' + r.address + '.' :
      'Email notices are off: nothing is sent to you until you turn them on again.');
  });
  return [el('h2', {}, 'Email notices'), el('p', { class: 'muted' }, 'Sent when the registry runs with a mail relay: proposals to decide, one about to expire, a step of the project cycle for your role. Each is sent once.'), form];
}

/* ---- account holder ----------------------------------------------------- */

async function myAccounts() {
  return (await all('/v1/accounts')).filter((a) => a.organisation !== null);
}

screen('holdings', 'Holdings', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty('Your organisation has no account.'));
  const hs = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/holdings')));
  const parts = [];
  for (const h of hs) {
    const a = h.account;
    parts.push(el('h2', {}, 'Account ' + a.id + ': ' + a.name),
      el('p', {}, a.type + ' account in ' + a.registry + ', ' + a.status + '; ' + num(h.total) + ' t.'));
    if (!h.total) {
      parts.push(empty('No units in this account.'));
      continue;
    }
    parts.push(table('Account ' + a.id + ' by unit type and vintage', ['Unit type', 'Vintage', 'Quantity (t)'],
      h.by_unit_type_vintage.map((r) => [r.unit_type, String(r.vintage), num(r.quantity)]), [2]));
    parts.push(el('details', { class: 'data' }, el('summary', {}, 'Serial blocks (' + num(h.block_count) + ')'),
      table('Serial blocks of account ' + a.id, ['Serials', 'Project', 'Quantity (t)'],
        h.blocks.map((b) => [serial(b.serial), link('/project.html?id=' + encodeURIComponent(b.project), b.project), num(b.quantity)]), [2])));
  }
  v.replaceChildren(...parts);
});
screens.holdings.nav = 'Holdings';

/* The source account and unit choice shared by transfer and retire. */
async function sourceFields(form) {
  const accounts = (await myAccounts()).filter((a) => a.status === 'open');
  const units = select('units', [['', 'choose an account first']], { required: true });
  const acc = select('from_account', [['', 'choose…'], ...accounts.map((a) => [a.id, a.id + ' · ' + a.name + ' (' + a.registry + ')'])], { required: true });
  /* The account's holdings, read again after every move (the choice is kept). */
  form.refresh = async () => {
    const keep = units.value;
    units.replaceChildren(el('option', { value: '' }, 'loading…'));
    if (!acc.value) return;
    const rows = (await get('/v1/accounts/' + acc.value + '/holdings')).by_unit_type_vintage;
    units.replaceChildren(...(rows.length ? rows.map((r) => el('option', { value: r.unit_type + '|' + r.vintage },
      r.unit_type + ' of vintage ' + r.vintage + ' — ' + num(r.quantity) + ' t held')) : [el('option', { value: '' }, 'no units in this account')]));
    if (keep && rows.some((r) => r.unit_type + '|' + r.vintage === keep)) units.value = keep;
  };
  acc.addEventListener('change', form.refresh);
  form.append(field('From account', acc), field('Units', units), field('Quantity (t)', input('quantity', { type: 'number', min: 1, step: 1, required: true })));
  return accounts;
}
function unitsOf(values) {
  const [unitType, vintage] = values.units.split('|');
  return { unit_type: unitType, vintage: Number(vintage), quantity: Number(values.quantity) };
}
function txNode(t, what) {
  if (!t || !t.kind) return el('p', { class: 'status ok', role: 'status' }, 'The registry answered: ' + JSON.stringify(t));
  return el('div', { class: 'status ok', role: 'status', id: 'done' },
    el('p', {}, what + ': transaction ' + t.id + ', ' + num(t.quantity) + ' t' + (t.from_account ? ' from account ' + t.from_account : '') +
      (t.to_account ? ' to account ' + t.to_account : '') + ', ' + when(t.timestamp) + '.'),
    el('ul', {}, (t.blocks || []).map((b) => el('li', {}, serial(b.serial)))));
}

screen('transfer', 'Transfer units', ['holder'], async (v) => {
  const form = el('form', { class: 'grid', id: 'transfer', 'aria-label': 'Transfer' });
  const accounts = await sourceFields(form);
  if (!accounts.length) return v.replaceChildren(empty('Your organisation has no open account.'));
  form.append(field('To account (its id)', input('to_account', { type: 'number', min: 1, step: 1, required: true }), 'The receiving account\'s number, as its holder gave it to you.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Transfer')));
  onSubmit(form, async (x) => {
    const t = await post('/v1/transfers', { from_account: Number(x.from_account), to_account: Number(x.to_account), ...unitsOf(x) },
      { 'Idempotency-Key': idemKey() });
    await form.refresh();
    if (isProposal(t)) return proposalNode(t, 'Transfer');
    return txNode(t, 'Transferred');
  });
  v.replaceChildren(el('p', {}, 'Moves units of one type and vintage, oldest serials first. The registry checks every rule of the move (account status, policy) and refuses with its reason.'), form);
});
screens.transfer.nav = 'Transfer';

screen('retire', 'Retire units', ['holder'], async (v) => {
  const form = el('form', { class: 'grid', id: 'retire', 'aria-label': 'Retire' });
  const accounts = await sourceFields(form);
  if (!accounts.length) return v.replaceChildren(empty('Your organisation has no open account.'));
  form.append(field('Beneficiary', input('beneficiary', { required: true, maxlength: 200 }), 'On whose behalf the units are retired.'),
    field('Purpose', input('purpose', { required: true, maxlength: 200, list: 'purposes' }), 'For example voluntary offsetting. An Article 6 use or OIMP cancellation goes through the Article 6 routes.'),
    el('datalist', { id: 'purposes' }, ['voluntary offsetting', 'conservation', 'adaptation', 'results-based climate finance'].map((p) => el('option', { value: p }))),
    field('Claim (optional)', el('textarea', { name: 'claim', id: 'f-claim', maxlength: 2000, rows: 2, class: 'short' })),
    field('Reporting year (optional)', input('reporting_year', { type: 'number', min: 1990, max: 2100 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Retire')));
  onSubmit(form, async (x) => {
    const t = await post('/v1/retirements', compact({ from_account: Number(x.from_account), ...unitsOf(x), beneficiary: x.beneficiary,
      purpose: x.purpose, claim: x.claim, reporting_year: intOrNull(x.reporting_year) }), { 'Idempotency-Key': idemKey() });
    await form.refresh();
    if (isProposal(t)) return proposalNode(t, 'Retirement');
    const n = txNode(t, 'Retired');
    if (t && t.id) n.append(el('p', {}, 'Certificate: ', link('/v1/retirements/' + t.id + '/certificate.html', 'printable certificate ' + t.id, { id: 'cert-link' }),
      ' · ', link('/retirement.html?id=' + t.id, 'public retirement page'), ' · ', link('/v1/retirements/' + t.id + '/certificate', 'signed certificate (JSON)')));
    return n;
  });
  v.replaceChildren(el('p', {}, 'Retired units never move again. The certificate is signed by the registry and proven in its transparency log.'), form);
});
screens.retire.nav = 'Retire';

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

screen('statement', 'Statements', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty('Your organisation has no account.'));
  const form = el('form', { class: 'filters', id: 'statement', 'aria-label': 'Statement' },
    field('Account', select('account', accounts.map((a) => [a.id, a.id + ' · ' + a.name]))),
    field('Kind', select('kind', [['', 'all'], 'issuance', 'transfer', 'retirement', 'cancellation'])),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Show')));
  onSubmit(form, async (x) => {
    const id = Number(x.account);
    const txs = await all('/v1/transactions?account=' + id + (x.kind ? '&kind=' + x.kind : ''), 50);
    const csv = new Blob([statementCsv(id, txs)], { type: 'text/csv' });
    const dl = link(URL.createObjectURL(csv), 'Download CSV (' + txs.length + ' transactions)', { download: 'statement-account-' + id + '.csv', id: 'csv', class: 'button' });
    if (!txs.length) return el('div', {}, empty('No transaction.'), dl);
    return el('div', {}, dl, table('Transactions of account ' + id, ['Date', 'Transaction', 'Kind', 'In/out', 'Quantity (t)', 'Other account', 'Serials'],
      txs.map((t) => [when(t.timestamp), String(t.id), t.kind, t.to_account === id ? 'in' : 'out', num(t.quantity),
        String((t.to_account === id ? t.from_account : t.to_account) || '—'), el('span', {}, t.blocks.map((b) => el('span', { class: 'serial block' }, b.serial)))]), [4]));
  });
  v.replaceChildren(el('p', {}, 'Every transaction from or to the account, read from the registry; the CSV has one line per serial block.'), form);
  form.requestSubmit();
});
screens.statement.nav = 'Statements';

/* ---- the project cycle ---------------------------------------------------- */

const CYCLE_ROLES = ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor'];

screen('cycle', 'Project cycle', CYCLE_ROLES, async (v) => {
  const { acts, mech, detail } = await cycleData();
  const parts = [];
  if (me.role === 'holder') parts.push(el('p', {}, link('#/register', 'Register an activity under a mechanism', { class: 'button', id: 'new-activity' })));
  parts.push(acts.length ? table('Activities', ['Activity', 'Mechanism', 'Host', 'State', 'Waits for', 'Issued (t)'],
    acts.map((a) => {
      const w = waitsFor(a, mech[a.mechanism], detail[a.id]);
      return [link('#/activity/' + encodeURIComponent(a.id), a.id + ': ' + a.title), a.mechanism, a.host, a.state,
        w.length ? w.map((x) => stepLabel(x) + (mine(x.role, a) ? ' — you' : '')).join('; ') : '—', num(a.issued)];
    }), [5]) : empty('No activity yet.'));
  v.replaceChildren(...parts);
});
screens.cycle.nav = 'Project cycle';

/* Document inputs for the types a step needs; uploads them (POST
 * /v1/documents: stored up to 40 KiB, else the hash and size) and returns
 * [{type, sha256}]. */
function docInputs(types) {
  return (types || []).map((t) => field('Document: ' + t, input('doc:' + t, { type: 'file', required: true })));
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
      if (!crypto.subtle) throw new ApiError(0, 'too_large', 'a document over 40 KiB is registered by its hash, which this browser cannot compute here (use ledger6 document FILE)');
      const h = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
      body.sha256 = Array.from(h, (x) => x.toString(16).padStart(2, '0')).join('');
      body.size = buf.byteLength;
    }
    const d = await post('/v1/documents', body);
    docs.push({ type: inp.name.slice(4), sha256: d.sha256 });
  }
  return docs;
}

screen('register', 'Register an activity', ['holder'], async (v) => {
  const [mechs, regs, parties] = await Promise.all([get('/v1/mechanisms'), get('/v1/registries'), get('/v1/parties')]);
  const byCode = Object.fromEntries(mechs.items.map((m) => [m.code, m]));
  const mSel = select('mechanism', mechs.items.map((m) => [m.code, m.code + ' — ' + m.name]), { required: true });
  const dyn = el('div', { class: 'grid-dyn' });
  const form = el('form', { class: 'grid', id: 'register', 'aria-label': 'Register an activity' },
    field('Mechanism', mSel),
    field('Activity id', input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' }), 'The project id: letters, digits, dots and underscores.'),
    field('Title', input('title', { required: true, maxlength: 200 })),
    field('Host Party', select('host', parties.items.map((p) => [p.code, p.code + ' — ' + p.name]))),
    field('Issuing registry', select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]))),
    field('Methodology', input('methodology', { required: true, maxlength: 200 })),
    field('Sector', input('sector', { required: true, maxlength: 200 })),
    field('Crediting start', input('crediting_start', { type: 'date', required: true })),
    field('Crediting end', input('crediting_end', { type: 'date', required: true })),
    dyn,
    field('Comment (optional)', input('comment', { maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Submit the activity')));
  const redo = () => {
    const m = byCode[mSel.value];
    const el2 = m.eligibility || {};
    dyn.replaceChildren(field('Sectoral scope', select('scope', el2.scopes || [])), field('Kind', select('kind', el2.kinds || ['avoidance', 'removal', 'adaptation'])),
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
    flash('ok', 'Activity ' + r.activity.id + ' submitted: it waits for a validator.');
    location.hash = '#/activity/' + encodeURIComponent(r.activity.id);
  });
  v.replaceChildren(el('p', {}, 'Submitting makes your organisation the activity\'s participant. The mechanism\'s file says which documents each step needs; documents are registered by their SHA-256.'), form);
});

/* The calculators' inputs (docs/API.md, POST /v1/activities/{id}/periods). */
const CALC = {
  'grid-renewable': [['net_kwh', 'Net electricity to the grid (kWh)'], ['ef_cm_t_mwh_e6', 'Combined margin (t CO2/MWh × 10⁶)']],
  'methane-destruction': [['ch4_kg', 'Methane destroyed (kg)'], ['gwp_e1', 'GWP × 10'], ['pe_kg', 'Project emissions (kg CO2e)']],
  cookstoves: [['fuel_saved_kg', 'Fuel saved (kg)'], ['ef_t_t_e6', 'Emission factor (t CO2 per t fuel × 10⁶)'], ['fnrb_bp', 'fNRB (basis points)']],
  afforestation: [['stock_start_kg', 'Carbon stock at start (kg CO2e)'], ['stock_end_kg', 'Carbon stock at end (kg CO2e)'], ['baseline_kg', 'Baseline removals (kg CO2e)'], ['leakage_bp', 'Leakage (basis points)']],
};

/* The form of one step; path is where it is posted. */
async function stepForm(a, m, w, detail) {
  const { step, period } = w;
  const docs = m.steps[step === 'resubmit' ? 'submit' : step];
  const form = el('form', { class: 'grid step', id: 'step-' + step + (period ? '-' + period : ''), 'aria-label': 'Step ' + step },
    el('h3', {}, step.charAt(0).toUpperCase() + step.slice(1) + (period ? ', monitoring period ' + period : '')),
    el('p', { class: 'muted' }, a.mechanism + ' gives this step to ' + (ROLE_NAME[w.role] || w.role) + '.'));
  if (DECISION.has(step))
    form.append(el('fieldset', { class: 'decision' }, el('legend', {}, 'Decision'),
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'accept', checked: true }), ' accept'),
      el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'reject' }), ' reject')));
  const p = period ? detail.periods.find((q) => q.period === period) : null;
  if (step === 'verify') form.append(field('Certified quantity (t)', input('certified', { type: 'number', min: 1, max: p.reported, value: p.reported, required: true }), 'At most the reported ' + num(p.reported) + ' t.'));
  if (step === 'request') {
    const acc = (await myAccounts()).filter((x) => x.registry === a.registry && x.status === 'open');
    form.append(field('Forward the issued units to', select('forward', [['', 'keep them in the registry\'s pending account'], ...acc.map((x) => [x.id, 'account ' + x.id + ' · ' + x.name])])));
    if (acc.length) form.querySelector('select[name=forward]').value = String(acc[0].id);
  }
  if (step === 'monitor') calcFields(form, m, p);
  if (step === 'monitor') sdFields(form, m);
  if (step === 'register') safeguardFields(form, m);
  form.append(...docInputs(docs && docs.documents), field('Comment (optional)', input('comment', { maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Record ' + step)));
  onSubmit(form, async (x, f) => {
    const documents = await uploadDocs(f);
    const body = compact({ step, decision: x.decision, documents, comment: x.comment });
    if (step === 'verify' && x.decision === 'accept') body.certified = Number(x.certified);
    if (step === 'request' && x.forward) body.forward = [{ account: Number(x.forward), bp: 10000 }];
    if (step === 'monitor') Object.assign(body, calcBody(x, f), sdBody(x, m));
    if (step === 'register' && x.decision === 'accept' && m.safeguards) body.safeguards = safeguardBody(f, m);
    const path = '/v1/activities/' + encodeURIComponent(a.id) + (period ? '/periods/' + period : '') + '/steps';
    const r = await post(path, body);
    flash('ok', 'Step ' + step + ' recorded: ' + (r.step.from_state || '—') + ' → ' + r.step.to_state + '.');
    await render();
  });
  return form;
}
function calcFields(form, m, p) {
  const calcs = (m.eligibility && m.eligibility.calculators) || Object.keys(CALC);
  const sel = select('calculator', calcs);
  const box = el('div', { class: 'grid-dyn' });
  const redo = () => box.replaceChildren(...(CALC[sel.value] || []).map(([k, label]) =>
    field(label, input('in:' + k, { type: 'number', min: 0, step: 1, required: true, value: p && p.inputs ? p.inputs[k] : null }))));
  sel.addEventListener('change', redo);
  if (p && p.calculator) sel.value = p.calculator;
  redo();
  form.append(field('Calculator', sel), box);
}
/* Issue 20: the mechanism's safeguards checklist (register) and SD
 * indicators (monitoring reports), when its file lists them. */
function safeguardFields(form, m) {
  if (!m.safeguards) return;
  form.append(el('fieldset', { class: 'safeguards' }, el('legend', {}, 'Safeguards checklist'),
    ...m.safeguards.map((g) => el('label', {}, el('input', { type: 'checkbox', name: 'sg:' + g.code }), ' ' + g.text + (g.must_hold ? ' (must hold)' : '')))));
}
function safeguardBody(f, m) {
  return Object.fromEntries(m.safeguards.map((g) => [g.code, f.querySelector('input[name="sg:' + g.code + '"]').checked]));
}
function sdFields(form, m) {
  for (const d of m.sd_indicators || []) form.append(field(d.name + ' (' + d.unit + ')', input('sd:' + d.code, { type: 'number', min: 0, step: 1, required: true })));
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

screen('activity', 'Activity', CYCLE_ROLES, async (v, id) => {
  const [a, mechs] = await Promise.all([get('/v1/activities/' + encodeURIComponent(id)), get('/v1/mechanisms')]);
  const m = mechs.items.find((x) => x.code === a.mechanism) || { steps: {} };
  $('#title').textContent = a.id + ': ' + a.title;
  const w = waitsFor(a, m, a);
  const parts = [el('dl', { class: 'facts' },
    el('dt', {}, 'Mechanism'), el('dd', {}, a.mechanism + ' — ' + m.name),
    el('dt', {}, 'Host Party, registry'), el('dd', {}, a.host + ', ' + a.registry),
    el('dt', {}, 'Participant'), el('dd', {}, 'organisation ' + a.organisation),
    el('dt', {}, 'Scope, kind'), el('dd', {}, a.scope + ', ' + a.kind),
    el('dt', {}, 'State'), el('dd', { id: 'state' }, a.state),
    el('dt', {}, 'Waits for'), el('dd', { id: 'waits' }, w.length ? w.map(stepLabel).join('; ') : 'nothing'),
    el('dt', {}, 'Issued'), el('dd', {}, num(a.issued) + ' t'),
    el('dt', {}, 'Public page'), el('dd', {}, link('/project.html?id=' + encodeURIComponent(a.id), 'project ' + a.id)))];
  const forms = [];
  for (const x of w) if (mine(x.role, a)) forms.push(await stepForm(a, m, x, a));
  if (a.state === 'registered' && mine('participant', a)) {
    const form = el('form', { class: 'grid step', id: 'new-period', 'aria-label': 'Monitoring report' }, el('h3', {}, 'Report a monitoring period'),
      field('Period start', input('start', { type: 'date', required: true })), field('Period end', input('end', { type: 'date', required: true })));
    calcFields(form, m, null);
    sdFields(form, m);
    form.append(...docInputs(m.steps.monitor && m.steps.monitor.documents), field('Comment (optional)', input('comment', { maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Submit the monitoring report')));
    onSubmit(form, async (x, f) => {
      const documents = await uploadDocs(f);
      const r = await post('/v1/activities/' + encodeURIComponent(a.id) + '/periods', compact({ start: x.start, end: x.end, ...calcBody(x), ...sdBody(x, m), documents, comment: x.comment }));
      flash('ok', 'Period ' + r.period.period + ' reported: ' + num(r.period.reported) + ' t by the ' + r.period.calculator + ' calculator; it waits for a verifier.');
      await render();
    });
    forms.push(form);
  }
  if (forms.length) parts.push(el('h2', {}, 'Your steps'), ...forms);
  parts.push(...(await activityVoice(a, m)));
  parts.push(el('h2', {}, 'Monitoring periods'), a.periods.length ? table('Monitoring periods', ['Period', 'From', 'To', 'State', 'Calculator', 'Reported (t)', 'Certified (t)'],
    a.periods.map((p) => [String(p.period), p.start, p.end, p.state, p.calculator, num(p.reported), num(p.certified)]), [5, 6]) : empty('No monitoring period yet.'));
  parts.push(el('h2', {}, 'Steps'), table('Step trail, oldest first', ['When', 'Step', 'Period', 'Decision', 'State', 'Role', 'Actor', 'Documents'],
    a.steps.map((s) => [when(s.timestamp), s.step, s.period ? String(s.period) : '—', s.decision || '—', (s.from_state || '—') + ' → ' + s.to_state, s.role, s.actor,
      s.documents.length ? el('span', {}, s.documents.map((d) => el('span', { class: 'block' }, link('/v1/documents/' + d.sha256, d.type), ' ', el('code', {}, d.sha256.slice(0, 12) + '…')))) : '—'])));
  v.replaceChildren(...parts);
});

/* ---- Article 6 authorizations -------------------------------------------- */

screen('a6', 'Article 6 authorizations', ['authority', 'admin', 'auditor', 'reviewer'], async (v) => {
  const [auths, parties] = await Promise.all([all('/v1/a6/authorizations'), get('/v1/parties')]);
  const parts = [];
  const canWrite = me.role === 'authority' || me.role === 'admin';
  if (canWrite) {
    const projSel = select('project', [['', 'choose the host first']], { required: true });
    const party = select('party', [['', 'choose…'], ...parties.items.map((p) => [p.code, p.code + ' — ' + p.name])], { required: true });
    party.addEventListener('change', async () => {
      const ps = party.value ? await all('/v1/projects?host=' + encodeURIComponent(party.value)) : [];
      projSel.replaceChildren(...(ps.length ? ps.map((p) => el('option', { value: p.id }, p.id + ' — ' + p.title)) : [el('option', { value: '' }, 'no project hosted')]));
    });
    const y = new Date().getUTCFullYear();
    const form = el('form', { class: 'grid', id: 'authorize', 'aria-label': 'Authorize' },
      field('Host Party', party), field('Project', projSel),
      field('Cooperative approach', input('approach', { required: true, pattern: 'CA[0-9]{4}', placeholder: 'CA0001' }), 'CA0001 to CA9999.'),
      field('Quantity (t)', input('quantity', { type: 'number', min: 1, required: true })),
      field('Vintages from', input('vintage_from', { type: 'number', required: true, value: y - 1 })), field('Vintages to', input('vintage_to', { type: 'number', required: true, value: y + 4 })),
      field('Timeframe from (year)', input('year_from', { type: 'number', required: true, value: y })), field('Timeframe to (year)', input('year_to', { type: 'number', required: true, value: y + 4 })),
      el('fieldset', { class: 'purposes' }, el('legend', {}, 'Authorized purposes'), ['NDC', 'OIMP', 'IMP', 'OP'].map((p) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'purpose:' + p, value: p, checked: p === 'NDC' }), ' ' + p))),
      field('First transfer (OIMP)', select('first_transfer_event', [['use', 'at use'], ['authorization', 'at authorization'], ['issuance', 'at issuance']])),
      field('Parties that may acquire (optional)', input('authorized_parties', { placeholder: 'CHE, JPN' }), 'Alpha-3 codes, separated by commas; none: any Party.'),
      field('Entities that may cancel for OIMP (optional)', input('authorized_entities'), 'Names, separated by commas.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Authorize')));
    const list = (s) => (s || '').split(',').map((t) => t.trim()).filter(Boolean);
    onSubmit(form, async (x) => {
      const r = await post('/v1/a6/authorizations', compact({ party: x.party, approach: x.approach, project: x.project, quantity: Number(x.quantity),
        vintage_from: Number(x.vintage_from), vintage_to: Number(x.vintage_to), year_from: Number(x.year_from), year_to: Number(x.year_to),
        purposes: Object.keys(x).filter((k) => k.startsWith('purpose:')).map((k) => x[k]), first_transfer_event: x.first_transfer_event,
        authorized_parties: list(x.authorized_parties), authorized_entities: list(x.authorized_entities) }));
      flash('ok', el('span', { id: 'done' }, 'Authorization ' + r.id + ' recorded (' + num(r.assigned) + ' t assigned as ITMOs). ',
        link('/work-letter.html?id=' + r.id, 'Letter of authorization ' + r.id, { id: 'letter-link' })));
      await render();
    });
    parts.push(el('h2', {}, 'Authorize a project\'s units'), form);
  }
  parts.push(el('h2', {}, 'Letters of authorization'), auths.length ? table('Letters of authorization', ['Letter', 'Party', 'Approach', 'Project', 'Quantity (t)', 'Purposes', 'Version', 'State', 'Action'],
    auths.map((x) => [link('/work-letter.html?id=' + x.id, 'letter ' + x.id), x.party, x.approach, x.project, num(x.quantity), x.purposes.join(', '), String(x.version),
      x.revoked ? 'revoked' : 'in force',
      el('span', { class: 'btns' }, link('#/auth/' + x.id, canWrite && !x.revoked ? 'Amend' : 'Versions', { 'aria-label': (canWrite && !x.revoked ? 'Amend' : 'Versions of') + ' authorization ' + x.id }),
      canWrite && !x.revoked ? el('button', { type: 'button', 'aria-label': 'Revoke authorization ' + x.id, onclick: async (ev) => {
        if (!confirm('Revoke authorization ' + x.id + '? Its ITMOs can no longer be first transferred.')) return;
        ev.target.disabled = true;
        try {
          await post('/v1/a6/authorizations/' + x.id + '/revoke', {});
          flash('ok', 'Authorization ' + x.id + ' revoked.');
          await render();
        } catch (e) {
          flash('error', e);
          ev.target.disabled = false;
        }
      } }, 'Revoke') : null)]), [4]) : empty('No authorization yet.'));
  v.replaceChildren(...parts);
});
screens.a6.nav = 'Authorizations';

/* ---- registry administrator ------------------------------------------------ */

screen('users', 'Users', ['admin'], async (v) => {
  const [users, orgs] = await Promise.all([get('/v1/users'), all('/v1/organisations?limit=500')]);
  const orgName = Object.fromEntries(orgs.map((o) => [o.id, o.name]));
  const form = el('form', { class: 'grid', id: 'new-user', 'aria-label': 'New user' },
    field('Name', input('name', { required: true, maxlength: 200 })),
    field('Email', input('email', { type: 'email', required: true, spellcheck: 'false', autocomplete: 'off' })),
    field('Role', select('role', Object.entries(ROLE))),
    field('Organisation', select('organisation', [['', 'none (administrator, auditor, mechanism administrator)'], ...orgs.map((o) => [o.id, o.id + ' · ' + o.name + ' (' + o.registry + ')'])])),
    field('First password', input('password', { type: 'password', required: true, minlength: 12, autocomplete: 'new-password' }), 'At least 12 characters; hand it over with the code secret.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Create the user')));
  onSubmit(form, async (x) => {
    const u = await post('/v1/users', compact({ name: x.name, email: x.email, role: x.role, organisation: intOrNull(x.organisation), password: x.password }));
    return el('div', { class: 'status ok', role: 'status', id: 'done' },
      el('p', {}, 'User ' + u.id + ' (' + u.email + ') created. Their authenticator secret is shown this once: hand it over by a trusted channel.'),
      el('dl', { class: 'facts' }, el('dt', {}, 'Secret'), el('dd', {}, el('code', { id: 'totp-secret' }, u.totp.secret)),
        el('dt', {}, 'Key URI'), el('dd', {}, el('code', {}, u.totp.uri))),
      el('p', {}, link('#/users', 'Refresh the list')));
  });
  const rows = users.items.map((u) => [String(u.id), u.name, u.email, ROLE[u.role] || u.role, u.organisation ? u.organisation + ' · ' + (orgName[u.organisation] || '') : '—',
    'TOTP, required at every login', u.status, when(u.created),
    el('button', { type: 'button', 'aria-label': (u.status === 'active' ? 'Disable ' : 'Enable ') + u.email, onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        await call('PATCH', '/v1/users/' + u.id, { status: u.status === 'active' ? 'disabled' : 'active' });
        flash('ok', 'User ' + u.email + (u.status === 'active' ? ' disabled: their sessions ended.' : ' enabled.'));
        await render();
      } catch (e) {
        flash('error', e);
      }
    } }, u.status === 'active' ? 'Disable' : 'Enable')]);
  v.replaceChildren(users.items.length ? table('Users', ['Id', 'Name', 'Email', 'Role', 'Organisation', 'Second factor', 'Status', 'Created', 'Action'], rows) : empty('No user yet.'),
    el('p', { class: 'muted' }, 'A user\'s role and second factor are fixed: to change either, disable the user and create a new one (the API has no role change).'),
    el('h2', {}, 'New user'), form);
});
screens.users.nav = 'Users';

const ACCOUNT_TYPES = ['holding', 'trading', 'pending', 'retirement', 'cancellation', 'buffer', 'adaptation-fund', 'omge-cancellation', 'surrender'];

screen('accounts', 'Accounts', ['admin'], async (v, registry) => {
  const [regs, orgs] = await Promise.all([get('/v1/registries'), all('/v1/organisations?limit=500')]);
  const reg = registry || (regs.items[0] && regs.items[0].id);
  const accounts = (await all('/v1/accounts?limit=500')).filter((a) => a.registry === reg);
  const pick = select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]), { onchange: (ev) => (location.hash = '#/accounts/' + ev.target.value) });
  pick.value = reg;
  const act = (a, status, label) => el('button', { type: 'button', 'aria-label': label + ' account ' + a.id, onclick: async (ev) => {
    if (status === 'closed' && !confirm('Close account ' + a.id + '? Closing is final.')) return;
    ev.target.disabled = true;
    try {
      await call('PATCH', '/v1/accounts/' + a.id, { status });
      flash('ok', 'Account ' + a.id + ' is now ' + status + '.');
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, label);
  const rows = accounts.map((a) => [String(a.id), a.name, a.type, a.organisation ? a.organisation + ' · ' + (Object.fromEntries(orgs.map((o) => [o.id, o.name]))[a.organisation] || '') : 'the registry', a.status,
    el('span', { class: 'btns' }, a.status === 'open' ? act(a, 'blocked', 'Block') : null, a.status === 'blocked' ? act(a, 'open', 'Unblock') : null,
      a.status !== 'closed' ? act(a, 'closed', 'Close') : null)]);
  const form = el('form', { class: 'grid', id: 'new-account', 'aria-label': 'Open an account' },
    field('Organisation', select('organisation', [['', 'none: the registry\'s own account'], ...orgs.filter((o) => o.registry === reg).map((o) => [o.id, o.id + ' · ' + o.name])])),
    field('Type', select('type', ACCOUNT_TYPES)), field('Name', input('name', { required: true, maxlength: 200 })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Open the account')));
  onSubmit(form, async (x) => {
    const a = await post('/v1/accounts', compact({ registry: reg, organisation: intOrNull(x.organisation), type: x.type, name: x.name }));
    flash('ok', 'Account ' + a.id + ' (' + a.name + ') opened.');
    await render();
  });
  v.replaceChildren(el('form', { class: 'filters', 'aria-label': 'Registry', onsubmit: (ev) => ev.preventDefault() }, field('Registry', pick)),
    table('Accounts of ' + reg, ['Id', 'Name', 'Type', 'Holder', 'Status', 'Change'], rows),
    el('p', { class: 'muted' }, 'Blocked: nothing moves in or out. Closed: final, only for an empty account.'),
    el('h2', {}, 'Open an account in ' + reg), form);
});
screens.accounts.nav = 'Accounts';

screen('tokens', 'API tokens', ['admin'], async (v) => {
  const tokens = await all('/v1/tokens');
  v.replaceChildren(el('p', {}, 'Tokens of programs and integrations; people log in here instead. A revoked token is refused from its next request on.'),
    table('API tokens', ['Id', 'Label', 'Role', 'Organisation', 'State', 'Created', 'Expires', 'Last used', 'Action'],
      tokens.map((t) => [String(t.id), t.label, t.role, t.organisation ? String(t.organisation) : '—', t.state, when(t.created), when(t.expires), when(t.last_used),
        t.state === 'active' ? el('button', { type: 'button', 'aria-label': 'Revoke token ' + t.id, onclick: async (ev) => {
          if (!confirm('Revoke token ' + t.id + ' (' + t.label + ')?')) return;
          ev.target.disabled = true;
          try {
            await post('/v1/tokens/' + t.id + '/revoke', {});
            flash('ok', 'Token ' + t.id + ' revoked.');
            await render();
          } catch (e) {
            flash('error', e);
          }
        } }, 'Revoke') : ''])));
});
screens.tokens.nav = 'Tokens';

/* ---- ETS surrender ------------------------------------------------------------ */

function evaluationNode(ev) {
  const f = ev.figures || {};
  return el('div', { class: 'evaluation', id: 'evaluation' },
    el('p', { class: ev.accepted ? 'verdict ok' : 'verdict bad' }, ev.accepted ? 'the surrender meets every rule of ' + ev.jurisdiction + '.' :
      'the surrender breaks ' + (ev.breaks || []).length + ' rule(s) of ' + ev.jurisdiction + '.'),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Verified emissions'), el('dd', {}, num(f.emissions) + ' t (' + f.year + ')'),
      el('dt', {}, 'Obligation'), el('dd', {}, num(f.obligation) + ' t'),
      el('dt', {}, 'Allocated'), el('dd', {}, num(f.allocated) + ' t'),
      el('dt', {}, 'Allowances offered'), el('dd', {}, num(ev.allowances) + ' t'),
      el('dt', {}, 'Offsets offered'), el('dd', {}, num(ev.offsets) + ' t (at most ' + num(ev.max_offsets) + ' t count; ' + num(ev.eligible_offered) + ' t eligible)'),
      el('dt', {}, 'Shortfall'), el('dd', {}, num(ev.shortfall) + ' t')),
    (ev.breaks || []).length ? table('Rules broken', ['Rule', 'Kind', 'What the rule says', 'Figure (t)', 'Limit (t)'],
      ev.breaks.map((b) => [b.rule, b.kind, b.text, num(b.figure), num(b.limit)]), [3, 4]) : null);
}

screen('ets', 'ETS surrender', ['holder'], async (v) => {
  const schemes = (await get('/v1/ets/schemes')).items;
  const ents = [];
  for (const s of schemes) for (const e of (await get('/v1/ets/schemes/' + encodeURIComponent(s.code) + '/entities')).items) if (e.org === me.organisation) ents.push([s, e]);
  if (!ents.length) return v.replaceChildren(empty('Your organisation is no covered entity of an emissions trading scheme.'));
  const [s, e] = ents[0];
  const h = await get('/v1/accounts/' + e.account + '/holdings');
  const form = el('form', { class: 'grid', id: 'surrender', 'aria-label': 'Surrender' },
    field('Scheme and entity', select('entity', ents.map(([s2, e2]) => [s2.code + '|' + e2.id, s2.code + ' · ' + e2.id + ' — ' + e2.name]))),
    field('Compliance year', input('year', { type: 'number', min: s.first_year, max: s.last_year, required: true, value: new Date().getUTCFullYear() - 2 })),
    el('fieldset', { class: 'blocks' }, el('legend', {}, 'Units to surrender from account ' + e.account + ' (tonnes of each block)'),
      h.blocks.length ? h.blocks.map((b, i) => field(b.serial + ' (' + b.unit_type + ' ' + b.vintage + ', ' + num(b.quantity) + ' t held)',
        input('q:' + i, { type: 'number', min: 0, max: b.quantity, value: 0 }))) : empty('The account holds no units.')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', name: 'do', value: 'dry' }, 'Check (dry run)'),
      el('button', { type: 'submit', name: 'do', value: 'surrender' }, 'Surrender')));
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
      return el('div', { class: 'status ok', role: 'status', id: 'done' }, 'Surrendered: transaction ' + (r.tx || '—') +
        (r.record && r.record.compliance ? '; compliance: ' + r.record.compliance : '') + '.', evaluationNode(r));
    }
    return evaluationNode(await post('/v1/ets/surrenders/dry-run', body));
  });
  v.replaceChildren(el('p', {}, 'The dry run explains, rule by rule, what the scheme\'s rule file says about the units offered; nothing moves until you surrender.'), form,
    await entityYears(s, e));
});
screens.ets.nav = 'ETS surrender';

/* ---- four eyes, trusted accounts, exchange orders ------------------------------ */

/* A covered move answers 202 with a proposal instead of a transaction
 * (docs/API.md, "Four eyes, trusted accounts and transfer delays"). */
const isProposal = (t) => !!(t && Array.isArray(t.reasons) && t.state);
const REASON = { 'out-of-registry': 'out of the registry', 'above-threshold': 'above the policy\'s threshold', 'untrusted-destination': 'to an account not on the trusted list' };
function proposalNode(p, what) {
  const reasons = (p.reasons || []).map((r) => REASON[r] || r).join(', ');
  return el('div', { class: 'status held', role: 'status', id: 'proposal' },
    el('p', {}, what + ' held for approval: proposal ' + p.id + ', ' + num(p.quantity) + ' t, state ' + p.state + ' (' + reasons + ').'),
    el('p', {}, p.state === 'delayed' ? 'It executes at ' + when(p.executes_at) + ' unless cancelled.' :
      'Another person of your organisation approves or rejects it before ' + when(p.expires_at) + '; the units are on hold until then. ',
    link('#/approvals', 'Approvals')));
}
/* May the signed-in person approve or reject it? Not their own proposal
 * (the server refuses with self_approval anyway). */
const mayDecide = (p) => p.state === 'pending' && p.proposer !== 'user:' + me.user.id;

async function openProposals() {
  const [pending, delayed] = await Promise.all([all('/v1/proposals?state=pending'), all('/v1/proposals?state=delayed')]);
  return pending.concat(delayed).sort((x, y) => x.id - y.id);
}

screen('approvals', 'Approvals', ['holder', 'authority', 'admin', 'auditor'], async (v) => {
  const open = await openProposals();
  const recent = (await get('/v1/proposals?limit=20')).items.filter((p) => p.state !== 'pending' && p.state !== 'delayed');
  const act = (p, what, label) => el('button', { type: 'button', class: what === 'approve' ? 'primary' : null, 'data-proposal': String(p.id), 'data-action': what,
    'aria-label': label + ' proposal ' + p.id, onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const r = await post('/v1/proposals/' + p.id + '/' + what, {});
        flash('ok', el('span', { id: 'decided' }, 'Proposal ' + r.id + ' is now ' + r.state + (r.tx ? ': transaction ' + r.tx : '') +
          (r.failure ? ' (' + r.failure + ')' : '') + (r.state === 'delayed' ? ', executes at ' + when(r.executes_at) : '') + '.'));
        await render();
      } catch (e) {
        flash('error', e);
        ev.target.disabled = false;
      }
    } }, label);
  const canAct = me.role !== 'auditor';
  const rows = open.map((p) => [String(p.id), proposalAbout(p) || p.kind, p.state, (p.reasons || []).map((r) => REASON[r] || r).join(', '), proposalAbout(p) ? '—' : num(p.quantity),
    p.from_account ? String(p.from_account) : '—', p.to_account ? String(p.to_account) : '—', p.proposer + (p.proposer === 'user:' + me.user.id ? ' (you)' : ''), when(p.created),
    p.state === 'delayed' ? 'executes ' + when(p.executes_at) : 'expires ' + when(p.expires_at),
    canAct ? el('span', { class: 'btns' }, p.state === 'pending' ? [act(p, 'approve', 'Approve'), act(p, 'reject', 'Reject')] : null,
      act(p, 'cancel', 'Cancel')) : '']);
  v.replaceChildren(el('p', {}, 'Transfers and retirements your registry\'s approval policy holds for a second person, transfers delayed because their destination is not a trusted account, ' +
    'and the decisions of authorities it holds (Article 6 authorizations, ETS emissions confirmations and corrections). ' +
    'Another person than the proposer approves or rejects; anyone of the organisation cancels. The units stay on hold until then.'),
  open.length ? table('Open proposals', ['Proposal', 'What', 'State', 'Why', 'Quantity (t)', 'From', 'To', 'Proposed by', 'Proposed', 'Deadline', 'Decide'], rows, [4]) :
    empty('No open proposal.'),
  el('h2', {}, 'Recently decided'),
  recent.length ? table('Recently decided proposals', ['Proposal', 'What', 'State', 'Quantity (t)', 'From', 'To', 'Decided by', 'Decided', 'Transaction or failure'],
    recent.map((p) => [String(p.id), proposalAbout(p) || p.kind, p.state, proposalAbout(p) ? '—' : num(p.quantity), p.from_account ? String(p.from_account) : '—', p.to_account ? String(p.to_account) : '—',
      p.decided_by || '—', when(p.decided_at), p.tx ? String(p.tx) : p.failure || '—']), [3]) : empty('None yet.'));
});
screens.approvals.nav = 'Approvals';

screen('trusted', 'Trusted accounts', ['holder'], async (v) => {
  const accounts = await myAccounts();
  if (!accounts.length) return v.replaceChildren(empty('Your organisation has no account.'));
  const lists = await Promise.all(accounts.slice(0, 20).map((a) => get('/v1/accounts/' + a.id + '/trusted')));
  const rm = (a, t) => el('button', { type: 'button', 'aria-label': 'Remove account ' + t.trusted_account + ' from the trusted list of account ' + a, onclick: async (ev) => {
    if (!confirm('Remove account ' + t.trusted_account + ' from the trusted list of account ' + a + '?')) return;
    ev.target.disabled = true;
    try {
      await call('DELETE', '/v1/accounts/' + a + '/trusted/' + t.trusted_account);
      flash('ok', 'Account ' + t.trusted_account + ' removed from the trusted list of account ' + a + '.');
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, 'Remove');
  const items = lists.flatMap((l) => l.items.map((t) => [String(l.account), String(t.trusted_account), t.state, when(t.active_from), when(t.added), t.added_by, rm(l.account, t)]));
  const form = el('form', { class: 'grid', id: 'add-trusted', 'aria-label': 'Add a trusted account' },
    field('Your account', select('account', accounts.map((a) => [a.id, a.id + ' · ' + a.name + ' (' + a.registry + ')']))),
    field('Account to trust (its id)', input('trusted', { type: 'number', min: 1, step: 1, required: true }), 'Transfers to it are not delayed once it is active.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Add')));
  onSubmit(form, async (x) => {
    const r = await post('/v1/accounts/' + Number(x.account) + '/trusted', { account: Number(x.trusted) });
    flash('ok', 'Account ' + r.trusted_account + ' added to the trusted list of account ' + r.account + ': ' + (r.state === 'active' ? 'active now.' : r.state + ', active from ' + when(r.active_from) + '.'));
    await render();
  });
  v.replaceChildren(el('p', {}, 'A transfer to an account of another organisation that is not on the source account\'s trusted list waits the registry\'s delay; a new entry is active after the registry\'s activation delay.'),
    items.length ? table('Trusted accounts', ['Account', 'Trusted account', 'State', 'Active from', 'Added', 'Added by', 'Remove'], items) : empty('No trusted account yet.'),
    el('h2', {}, 'Add a trusted account'), form);
});
screens.trusted.nav = 'Trusted accounts';

const POLICY = [
  ['transfers_out_of_registry', 'A transfer to another registry needs approval', 'bool'],
  ['transfer_above', 'A transfer of more units needs approval (t; 0: no threshold)', 0, 0],
  ['retirement_above', 'A retirement or cancellation of more units needs approval (t; 0: no threshold)', 0, 0],
  ['proposal_lifetime_hours', 'A proposal expires after (hours)', 1, 8760],
  ['untrusted_transfer_delay_hours', 'A transfer to an untrusted account waits (hours)', 0, 8760],
  ['trusted_activation_hours', 'A new trusted account is active after (hours)', 0, 8760],
  ['a6_authorizations', 'Article 6 authorizations and revocations of the registry\'s Party need approval', 'bool'],
  ['ets_emissions', 'The regulator\'s confirmation and correction of verified emissions need approval', 'bool'],
];
screen('policy', 'Approval policy', ['admin'], async (v, registry) => {
  const regs = await get('/v1/registries');
  const reg = registry || (regs.items[0] && regs.items[0].id);
  const p = await get('/v1/registries/' + encodeURIComponent(reg) + '/approval-policy');
  const pick = select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]), { onchange: (ev) => (location.hash = '#/policy/' + ev.target.value) });
  pick.value = reg;
  const form = el('form', { class: 'grid', id: 'policy', 'aria-label': 'Approval policy of ' + reg },
    POLICY.map(([k, label, min, max]) => (min === 'bool' ? el('div', { class: 'field check' }, el('label', {}, el('input', { type: 'checkbox', name: k, id: 'f-' + k, checked: !!p[k] }), ' ' + label)) :
      field(label, input(k, { type: 'number', min, max: max || null, step: 1, required: true, value: p[k] })))),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save the policy')));
  onSubmit(form, async (x) => {
    const body = {};
    for (const [k, , min] of POLICY) body[k] = min === 'bool' ? k in x : Number(x[k]);
    const r = await call('PUT', '/v1/registries/' + encodeURIComponent(reg) + '/approval-policy', body);
    return el('div', { class: 'status ok', role: 'status', id: 'done' }, 'The approval policy of ' + r.registry + ' is saved; units on hold are kept in account ' + r.hold_account + '.');
  });
  v.replaceChildren(el('form', { class: 'filters', 'aria-label': 'Registry', onsubmit: (ev) => ev.preventDefault() }, field('Registry', pick)),
    el('p', {}, p.hold_account ? 'Units held for approval are kept in account ' + p.hold_account + '.' : 'No policy is set yet: these are the defaults (nothing is held). Saving opens the registry\'s hold account.'),
    form, el('p', { class: 'muted' }, 'Covered: transfers, retirements and cancellations whose source account is in ' + reg + '; with the boxes ticked, Article 6 authorizations of its Party and the emissions confirmations of its trading schemes. Delays count plain hours.'));
});
screens.policy.nav = 'Approval policy';

/* Prices are in minor units of the instrument's currency per tonne. */
function money(n, ins) {
  if (n === null || n === undefined) return '—';
  const mu = ins ? ins.minor_units : 2;
  return new Intl.NumberFormat('en-US', { minimumFractionDigits: mu, maximumFractionDigits: mu }).format(n / 10 ** mu) + (ins ? ' ' + ins.currency : '');
}

screen('orders', 'Exchange orders', ['holder'], async (v) => {
  const [inst, orders, cash, accounts] = await Promise.all([get('/v1/exchange/instruments'), all('/v1/exchange/orders'), get('/v1/exchange/cash'), myAccounts()]);
  const byCode = Object.fromEntries(inst.items.map((i) => [i.code, i]));
  /* Block instruments take quotes, not orders (docs/API.md). */
  const open = inst.items.filter((i) => i.status === 'open' && i.mode !== 'block');
  const cancel = (o) => el('button', { type: 'button', 'aria-label': 'Cancel order ' + o.id, onclick: async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await post('/v1/exchange/orders/' + o.id + '/cancel', {});
      flash('ok', 'Order ' + r.id + ' ' + r.status + ' (' + num(o.remaining) + ' t not filled; ' + (o.side === 'buy' ? 'its cash reservation released' : 'its units back from escrow') + ').');
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, 'Cancel');
  const form = el('form', { class: 'grid', id: 'order', 'aria-label': 'Place a limit order' },
    field('Instrument', select('instrument', open.map((i) => [i.code, i.code + ' — ' + i.name + ' (' + i.currency + ')']), { required: true })),
    field('Account', select('account', accounts.filter((a) => a.status === 'open').map((a) => [a.id, a.id + ' · ' + a.name + ' (' + a.registry + ')']))),
    field('Side', select('side', [['buy', 'buy'], ['sell', 'sell']])),
    field('Limit price (minor units per t)', input('price', { type: 'number', min: 1, step: 1, required: true }), 'For example 1250 is 12.50 in a currency of two decimals.'),
    field('Quantity (t)', input('qty', { type: 'number', min: 1, step: 1, required: true }), 'A multiple of the instrument\'s lot.'),
    field('Time in force', select('tif', [['gtc', 'good till cancelled'], ['ioc', 'immediate or cancel'], ['fok', 'fill or kill']])),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Place the order')));
  onSubmit(form, async (x) => {
    const o = await post('/v1/exchange/orders', { instrument: x.instrument, account: Number(x.account), side: x.side, type: 'limit', price: Number(x.price),
      qty: Number(x.qty), tif: x.tif }, { 'Idempotency-Key': idemKey() });
    flash('ok', el('span', { id: 'placed' }, 'Order ' + o.id + ' placed: ' + o.status + ', ' + num(o.filled) + ' t filled in ' + o.trades.length + ' trade(s), ' +
      num(o.remaining) + ' t resting.'));
    await render();
  });
  v.replaceChildren(el('p', {}, 'Limit orders of your organisation on the registry\'s exchange. A sell moves its units to the exchange\'s escrow; a buy reserves its cash; every trade settles delivery versus payment.'),
    cash.items.length ? table('Cash', ['Currency', 'Available', 'Reserved for open buys'], cash.items.map((c) => {
      const cur = inst.items.find((i) => i.currency === c.currency) || { minor_units: 2 };
      return [c.currency, money(c.balance, { minor_units: cur.minor_units, currency: c.currency }), money(c.reserved, { minor_units: cur.minor_units, currency: c.currency })];
    }), [1, 2]) : empty('Your organisation has no cash on the exchange: the operator records deposits.'),
    el('h2', {}, 'Place a limit order'),
    table('Instruments', ['Instrument', 'Name', 'Registry', 'Tick', 'Lot (t)', 'Previous settlement', 'Status'],
      inst.items.map((i) => [i.code, i.name, i.registry, money(i.tick, i), num(i.lot), money(i.prev_close, i), i.status + (i.mode === 'block' ? ' (block quotes only)' : '')]), [3, 4, 5]),
    open.length ? form : empty('No instrument is open for trading.'),
    orders.length ? table('Orders of your organisation, newest first', ['Order', 'Instrument', 'Side', 'Price', 'Quantity (t)', 'Remaining (t)', 'Status', 'Placed', 'Action'],
      orders.slice().reverse().map((o) => [String(o.id), o.instrument, o.side, money(o.price, byCode[o.instrument]), num(o.qty), num(o.remaining), o.status, when(o.ts),
        o.status === 'open' ? cancel(o) : '']), [3, 4, 5]) : empty('No order yet.'));
});
screens.orders.nav = 'Exchange';

/* ---- shell: login, navigation, routing ------------------------------------------ */

let pendingFlash = null;
function flash(kind, what) {
  const n = what instanceof Error ? errorNode(what, 'The registry refused') : what instanceof Node ?
    el('div', { class: 'status ' + kind, role: 'status' }, what) : note(kind, what);
  pendingFlash = n;
  $('#msg').replaceChildren(n);
}

function loginView(v) {
  $('#title').textContent = 'Log in';
  document.title = 'Log in · ledger6 registry work';
  $('#navlist').replaceChildren();
  $('#logout').hidden = true;
  $('#me').hidden = true;
  const form = el('form', { class: 'grid login', id: 'signin', 'aria-label': 'Log in' },
    field('Email', input('email', { type: 'email', required: true, autocomplete: 'username', spellcheck: 'false' })),
    field('Password', input('password', { type: 'password', required: true, autocomplete: 'current-password' })),
    field('Code', input('code', { required: true, inputmode: 'numeric', pattern: '[0-9]{6}', maxlength: 6, autocomplete: 'one-time-code' }), 'The 6 digits your authenticator app shows now.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Log in')));
  onSubmit(form, async (x) => {
    me = await post('/v1/session', { email: x.email, password: x.password, code: x.code });
    await render();
  });
  v.replaceChildren(el('p', {}, 'Log in with your email, password and the code of your authenticator app. Your administrator gave you the first two and the app\'s secret.'), form);
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
      if (e.code === 'session_expired') $('#msg').replaceChildren(note('empty', 'Your session ended. Log in again.'));
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
  $('#me').textContent = me.user.name + ' · ' + (ROLE[me.role] || me.role);
  $('#logout').hidden = false;
  $('#navlist').replaceChildren(...nav().map(([n, label]) => el('li', {}, el('a', { href: '#/' + n, 'aria-current': n === name ? 'page' : null }, label))));
  document.body.dataset.screen = name || 'home';
  if (!s || !s.roles.includes(me.role)) {
    $('#title').textContent = 'Not here';
    v.replaceChildren(note('error', s ? 'This screen is not for your role (' + me.role + ').' : 'No such screen.'), el('p', {}, link('#/', 'Dashboard')));
  } else {
    $('#title').textContent = s.title;
    v.replaceChildren(note('loading', 'Loading…'));
    try {
      await s.run(v, ...args);
    } catch (e) {
      if (e.code === 'session_expired' || e.status === 401) {
        me = null;
        return render();
      }
      v.replaceChildren(errorNode(e, 'Cannot show this screen'));
    }
  }
  document.title = $('#title').textContent + ' · ledger6 registry work';
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
  flash('empty', 'Logged out.');
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
    document.title = 'Letter of authorization ' + a.id + ' · ' + a.party;
    const purposes = { NDC: 'use towards nationally determined contributions', OIMP: 'other international mitigation purposes', IMP: 'international mitigation purposes', OP: 'other purposes' };
    v.replaceChildren(el('article', { class: 'letter' },
      el('p', { class: 'letterhead' }, pname(a.party) + ' — designated national authority for Article 6 of the Paris Agreement'),
      el('h1', {}, 'Letter of authorization No. ' + a.id),
      el('p', { class: 'muted' }, 'Cooperative approach ' + a.approach + ' · version ' + a.version + ' · recorded ' + when(a.ts)),
      a.revoked ? el('p', { class: 'verdict bad', id: 'revoked' }, 'this authorization has been revoked (version ' + a.version + ').') : null,
      el('p', {}, 'In accordance with Article 6, paragraph 3, of the Paris Agreement and decision 2/CMA.3, ' + pname(a.party) + ' (' + a.party +
        ') authorizes the mitigation outcomes of the project ' + a.project + ', of vintages ' + a.vintage_from + ' to ' + a.vintage_to +
        ', up to ' + num(a.quantity) + ' t CO2e, as internationally transferred mitigation outcomes (ITMOs) for: ' + a.purposes.map((p) => purposes[p] || p).join('; ') + '.'),
      el('dl', { class: 'facts' },
        el('dt', {}, 'Host Party'), el('dd', {}, pname(a.party) + ' (' + a.party + ')'),
        el('dt', {}, 'Project'), el('dd', {}, link('/project.html?id=' + encodeURIComponent(a.project), a.project)),
        el('dt', {}, 'Quantity'), el('dd', {}, num(a.quantity) + ' t (' + num(a.assigned) + ' t assigned as ITMOs)'),
        el('dt', {}, 'Vintages'), el('dd', {}, a.vintage_from + '–' + a.vintage_to),
        el('dt', {}, 'Timeframe of first transfer and use'), el('dd', {}, a.year_from + '–' + a.year_to),
        el('dt', {}, 'Acquiring Parties'), el('dd', {}, a.authorized_parties.length ? a.authorized_parties.map((p) => pname(p) + ' (' + p + ')').join(', ') : 'any Party'),
        el('dt', {}, 'Entities (OIMP)'), el('dd', {}, a.authorized_entities.length ? a.authorized_entities.join(', ') : 'any entity'),
        el('dt', {}, 'First transfer (OIMP)'), el('dd', {}, 'at ' + a.first_transfer_event),
        el('dt', {}, 'Within the NDC scope'), el('dd', {}, a.in_ndc_scope ? 'yes' : 'no'),
        el('dt', {}, 'SHA-256 of these terms'), el('dd', { id: 'letter-hash' }, a.letter_sha256 ? el('code', {}, a.letter_sha256) : 'not recorded (made before the registry kept letter hashes)')),
      a.itmos.length ? table('ITMO identifiers', ['First ITMO', 'Last ITMO', 'Quantity (t)', 'Vintage', 'State'],
        a.itmos.map((r) => [serial(r.first_id), serial(r.last_id), num(r.quantity), String(r.vintage), r.state]), [2]) : el('p', {}, 'No ITMO is assigned yet.'),
      el('p', { class: 'muted' }, 'Generated by the ledger6 registry from GET /v1/a6/authorizations/' + a.id + '; the registry\'s record is authoritative. ' +
        'The SHA-256 is that of the canonical text of the terms (GET /v1/a6/authorizations/' + a.id + '/letter), recorded at the last change; anyone may recompute it.')));
  } catch (e) {
    v.replaceChildren(errorNode(e, 'Cannot show the letter'));
  }
  document.body.dataset.ready = '1';
}

document.addEventListener('DOMContentLoaded', () => {
  if (document.body.dataset.app === 'letter') {
    $('#print').addEventListener('click', () => window.print());
    letter();
    return;
  }
  $('#logout').addEventListener('click', logout);
  window.addEventListener('hashchange', render);
  render();
});
