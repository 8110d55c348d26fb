/*
 * work-a6.js -- the designated authority's Article 6 screens of the working
 * app (web/work.html loads it after work.js and shares its helpers: el,
 * call, get, table, field, onSubmit, screen ...): NDC figures, the Article 6
 * books (balances and what-if), the AEF with its consistency checks and its
 * export, and authorization amendments. A reviewer of a Party (the
 * Article 6 technical expert review) sees the books and the AEF read-only.
 * Each screen is a thin client of docs/API.md, "Article 6.2 accounting":
 * the server decides who may write what (a reviewer's or another Party's
 * write is refused 403 and the app shows that).
 */
'use strict';

const A6_READERS = ['authority', 'admin', 'auditor', 'reviewer'];
const A6_WRITERS = ['authority', 'admin'];
const a6Writes = () => A6_WRITERS.includes(me.role);
const KINDS = ['multi-year', 'single-year'];
const CA_METHODS = ['per-year', 'averaging', 'trajectory'];

/* The Party a screen is about: the one in the hash, else the last one
 * chosen (the session does not name an authority's Party; the server
 * refuses a write for another Party). */
let a6Party = null;
async function partyPicker(screenName, party, extra) {
  const parties = (await get('/v1/parties')).items;
  const code = party || a6Party || (parties[0] && parties[0].code);
  a6Party = code;
  const pick = select('party', parties.map((p) => [p.code, p.code + ' — ' + p.name]), { onchange: (ev) => (location.hash = '#/' + screenName + '/' + ev.target.value + (extra || '')) });
  pick.value = code;
  const name = (parties.find((p) => p.code === code) || { name: code }).name;
  return { code, name, form: el('form', { class: 'filters', 'aria-label': tr('col.party'), onsubmit: (ev) => ev.preventDefault() }, field(tr('col.party'), pick)) };
}

const tonnes = (n) => (n === null || n === undefined ? '—' : num(n));

/* ---- NDC figures --------------------------------------------------------- */

function ndcFacts(n) {
  return el('dl', { class: 'facts', id: 'ndc-facts' },
    el('dt', {}, tr('ndc.period')), el('dd', {}, n.first_year + '–' + n.last_year),
    el('dt', {}, tr('col.kind')), el('dd', {}, word('ndckind', n.kind)),
    el('dt', {}, tr('ndc.ca')), el('dd', {}, word('camethod', n.method)),
    el('dt', {}, tr('ndc.target')), el('dd', {}, tr('ndc.target_dd', { n: num(n.target), metric: n.metric, year: n.target_year })),
    el('dt', {}, tr('ndc.changed')), el('dd', {}, when(n.updated)));
}

screen('ndc', 'screen.ndc', A6_READERS, async (v, party) => {
  const p = await partyPicker('ndc', party);
  let n = null;
  try {
    n = await get('/v1/a6/ndcs/' + p.code);
  } catch (e) {
    if (e.code !== 'unknown_ndc') throw e;
  }
  const parts = [p.form];
  if (n) {
    const years = new Map(n.years.map((y) => [y.year, y]));
    const rows = [];
    for (let y = n.first_year; y <= n.last_year; y++) {
      const r = years.get(y) || {};
      rows.push([String(y), tonnes(r.emissions), tonnes(r.trajectory)]);
    }
    parts.push(ndcFacts(n), table(tr('ndc.figures', { party: p.code, metric: n.metric }), [tr('col.year'), tr('col.reported_emissions'), tr('col.trajectory')], rows, [1, 2]));
  } else parts.push(empty(tr('ndc.none', { name: p.name })));
  if (a6Writes() && n) {
    const y = new Date().getUTCFullYear();
    const form = el('form', { class: 'grid', id: 'ndc-year', 'aria-label': tr('ndc.one_year') },
      field(tr('col.year'), input('year', { type: 'number', min: n.first_year, max: n.last_year, required: true, value: Math.min(Math.max(y - 1, n.first_year), n.last_year) })),
      field(tr('ndc.f_emissions', { metric: n.metric }), input('emissions', { type: 'number', min: 0, step: 1 }), tr('ndc.f_emissions_hint')),
      field(tr('ndc.f_trajectory', { metric: n.metric }), input('trajectory', { type: 'number', min: 0, step: 1 }), tr('ndc.f_trajectory_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('ndc.record_year'))));
    onSubmit(form, async (x) => {
      const body = compact({ emissions: intOrNull(x.emissions), trajectory: intOrNull(x.trajectory) });
      const r = await call('PUT', '/v1/a6/ndcs/' + p.code + '/years/' + Number(x.year), body);
      const got = r.years.find((q) => q.year === Number(x.year)) || {};
      flash('ok', el('span', { id: 'done' }, tr('ndc.year_done', { party: p.code, year: x.year, emissions: tonnes(got.emissions), trajectory: tonnes(got.trajectory), metric: r.metric })));
      await render();
    });
    parts.push(el('h2', {}, tr('ndc.record_year_h')), el('p', { class: 'muted' }, tr('ndc.replaces')), form);
  }
  if (a6Writes()) {
    const cur = n || { first_year: 2021, last_year: 2030, kind: 'multi-year', method: 'per-year', target_year: 2030, target: '', metric: 't CO2e' };
    const kind = select('kind', KINDS.map((k) => [k, word('ndckind', k)]));
    kind.value = cur.kind;
    const method = select('method', CA_METHODS.map((k) => [k, word('camethod', k)]));
    method.value = cur.method;
    const form = el('form', { class: 'grid', id: 'ndc', 'aria-label': tr('ndc.the') },
      field(tr('ndc.first_year'), input('first_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.first_year })),
      field(tr('ndc.last_year'), input('last_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.last_year })),
      field(tr('col.kind'), kind), field(tr('ndc.ca'), method),
      field(tr('ndc.target_year'), input('target_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.target_year })),
      field(tr('ndc.f_target', { metric: cur.metric }), input('target', { type: 'number', min: 0, step: 1, required: true, value: cur.target })),
      field(tr('ndc.metric'), input('metric', { required: true, maxlength: 31, value: cur.metric })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr(n ? 'ndc.replace' : 'ndc.record'))));
    onSubmit(form, async (x) => {
      const r = await call('PUT', '/v1/a6/ndcs/' + p.code, { first_year: Number(x.first_year), last_year: Number(x.last_year), kind: x.kind, method: x.method,
        target_year: Number(x.target_year), target: Number(x.target), metric: x.metric });
      flash('ok', el('span', { id: 'done' }, tr('ndc.done', { party: r.party, from: r.first_year, to: r.last_year, n: num(r.target), metric: r.metric, year: r.target_year })));
      await render();
    });
    parts.push(el('h2', {}, tr(n ? 'ndc.replace' : 'ndc.record')), el('p', { class: 'muted' }, tr('ndc.kept')), form);
  }
  parts.push(el('p', {}, link('#/books/' + p.code, tr('ndc.books_of', { party: p.code })), ' · ', link('#/aef/' + p.code, tr('ndc.aef_of', { party: p.code }))));
  v.replaceChildren(...parts);
});
screens.ndc.nav = 'nav.ndc';

/* ---- the Article 6 books ------------------------------------------------- */

screen('books', 'screen.books', A6_READERS, async (v, party) => {
  const p = await partyPicker('books', party);
  let b;
  try {
    b = await get('/v1/a6/balances/' + p.code);
  } catch (e) {
    if (e.code !== 'unknown_ndc') throw e;
    return v.replaceChildren(p.form, empty(tr('bk.no_ndc', { name: p.name })), el('p', {}, link('#/ndc/' + p.code, tr('bk.ndc_of', { party: p.code }))));
  }
  const w = await get('/v1/a6/whatif/' + p.code);
  const n = b.ndc;
  const yn = (x) => tr(x ? 'yes' : 'no');
  v.replaceChildren(p.form, ndcFacts(n),
    el('p', { id: 'target', class: b.target_met ? 'status ok' : 'status error' }, tr(b.target_met ? 'bk.met' : 'bk.not_met', { year: n.target_year,
      n: tonnes(b.target_year_adjusted_emissions), metric: n.metric, target: num(n.target) })),
    table(tr('bk.balances', { party: p.code, metric: n.metric }), [tr('col.year'), tr('col.reported_emissions'), tr('col.first_transferred'), tr('col.used'), tr('col.ca'), tr('col.adjusted')],
      b.years.map((y) => [String(y.year), y.reported ? tonnes(y.emissions) : tr('bk.not_reported'), num(y.first_transferred), num(y.used), num(y.corresponding_adjustment), tonnes(y.adjusted_emissions)]), [1, 2, 3, 4, 5]),
    el('h2', {}, tr('bk.whatif')),
    el('p', {}, tr('bk.whatif_p', { method: word('camethod', n.method) })),
    table(tr('bk.options', { party: p.code }), [tr('col.adjust'), tr('col.timing'), tr('col.aggregation'), tr('col.outside'), tr('col.net'), tr('col.adjusted'), tr('ndc.target'), tr('col.gap')],
      w.options.map((o) => [word('wi', o.adjust), word('wi', o.timing), word('wi', o.aggregation), yn(o.ca_outside_scope), num(o.net), num(o.emissions), num(o.target), num(o.gap)]), [4, 5, 6, 7]),
    el('details', { class: 'data' }, el('summary', {}, tr('bk.inputs')),
      table(tr('bk.inputs_of', { party: p.code }), [tr('col.year'), tr('col.emissions'), tr('col.ft_transfer'), tr('col.ft_use'), tr('col.os_transfer'), tr('col.os_use'), tr('col.used')],
        w.inputs.map((y) => [String(y.year), tonnes(y.emissions), num(y.ft_at_transfer), num(y.ft_at_use), num(y.outside_scope_at_transfer), num(y.outside_scope_at_use), num(y.used)]), [1, 2, 3, 4, 5, 6])),
    el('p', {}, link('#/aef/' + p.code, tr('ndc.aef_of', { party: p.code })), ' · ', link('#/ndc/' + p.code, tr('screen.ndc'))));
});
screens.books.nav = 'nav.books';

/* ---- the AEF ------------------------------------------------------------- */

const AEF_TABLES = ['submission', 'authorizations', 'actions', 'holdings', 'authorized_entities'];

screen('aef', 'screen.aef', A6_READERS, async (v, party, year, asOf) => {
  const p = await partyPicker('aef', party);
  const y = Number(year) || new Date().getUTCFullYear() - 1;
  const q = '?year=' + y + (asOf ? '&as_of=' + encodeURIComponent(asOf) : '');
  const form = el('form', { class: 'filters', id: 'aef-year', 'aria-label': tr('aef.year') },
    field(tr('aef.year'), input('year', { type: 'number', min: 1990, max: 2100, required: true, value: y })),
    field(tr('aef.as_of'), input('as_of', { type: 'date', value: asOf || null }), tr('aef.as_of_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('st.show'))));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const x = Object.fromEntries(new FormData(form));
    location.hash = '#/aef/' + p.code + '/' + Number(x.year) + (x.as_of ? '/' + x.as_of : '');
  });
  const checks = await get('/v1/a6/aef/' + p.code + '/checks' + q);
  const base = '/v1/a6/aef/' + p.code + q;
  const parts = [p.form, form,
    el('p', { id: 'consistency', class: checks.consistent ? 'verdict ok' : 'verdict bad' }, checks.consistent ?
      tr('aef.pass', { party: p.code, year: y, as_of: when(checks.holdings_as_of) }) :
      trn('aef.fail', checks.checks.filter((c) => !c.passed).length, { party: p.code, year: y })),
    table(tr('aef.checks'), [tr('col.check'), tr('col.kind'), tr('col.must_hold'), tr('col.result'), tr('col.findings')],
      checks.checks.map((c) => [el('code', {}, c.code), c.kind, c.description, tr(c.passed ? 'aef.passed' : 'aef.failed'),
        c.findings.length ? el('ul', {}, c.findings.map((f) => el('li', {}, f))) : '—']))];
  if (checks.consistent) {
    const aef = await get(base);
    const s = aef.submission;
    parts.push(el('h2', {}, tr('aef.export')),
      el('p', { class: 'actions', id: 'aef-export' }, link(base + '&format=xlsx', tr('aef.xlsx', { party: p.code, year: y }), { class: 'button', id: 'aef-xlsx', download: 'AEF-' + p.code + '-' + y + '.xlsx' }),
        AEF_TABLES.map((t) => link(base + '&format=csv&table=' + t, tr('aef.csv', { table: tr('aef.t_' + t) }), { class: 'button', download: 'AEF-' + p.code + '-' + y + '-' + t + '.csv', 'data-table': t }))),
      el('h2', {}, tr('aef.t_submission')),
      el('dl', { class: 'facts', id: 'aef-submission' },
        el('dt', {}, tr('aef.party_year')), el('dd', {}, s.party + ', ' + s.year),
        el('dt', {}, tr('aef.ndc')), el('dd', {}, tr('aef.ndc_dd', { from: s.ndc_first_year, to: s.ndc_last_year, kind: word('ndckind', s.ndc_kind), method: word('camethod', s.ca_method) })),
        el('dt', {}, tr('col.reported_emissions')), el('dd', {}, s.emissions === null ? tr('bk.not_reported') : num(s.emissions) + ' ' + s.metric),
        el('dt', {}, tr('aef.ft_used')), el('dd', {}, tr('aef.ft_used_dd', { ft: num(s.first_transferred), used: num(s.used) })),
        el('dt', {}, tr('col.ca')), el('dd', {}, tr('t', { n: num(s.corresponding_adjustment) })),
        el('dt', {}, tr('col.adjusted')), el('dd', {}, s.adjusted_emissions === null ? tr('aef.no_reported') : num(s.adjusted_emissions) + ' ' + s.metric),
        el('dt', {}, tr('aef.holdings_at')), el('dd', {}, when(s.holdings_as_of))),
      el('h2', {}, tr('aef.t_authorizations')),
      aef.authorizations.length ? table(tr('nav.a6'), [tr('screen.auth'), tr('col.approach'), tr('col.project'), tr('col.version'), tr('col.quantity'), tr('col.purposes'), tr('lt.vintages'), tr('aef.timeframe'), tr('col.state')],
        aef.authorizations.map((a) => [link('#/auth/' + a.id, String(a.id)), a.approach, a.project, String(a.version), num(a.quantity), a.purposes.join(', '), a.vintage_from + '–' + a.vintage_to,
          a.year_from + '–' + a.year_to, tr(a.revoked ? 'a6.revoked' : 'a6.in_force')]), [4]) : empty(tr('aef.no_auth')),
      el('h2', {}, tr('aef.t_actions')),
      aef.actions.length ? table(tr('aef.actions'), [tr('col.date'), tr('col.action'), tr('lt.first'), tr('lt.last'), tr('col.quantity'), tr('col.vintage'), tr('f.purpose'), tr('aef.used_by'), tr('col.year')],
        aef.actions.map((a) => [when(a.date), a.action, serial(a.first_id), serial(a.last_id), num(a.quantity), String(a.vintage), a.purpose || '—', a.using_party_or_entity || '—', String(a.year)]), [4]) : empty(tr('aef.no_action', { year: y })),
      el('h2', {}, tr('aef.t_holdings')),
      aef.holdings.length ? table(tr('aef.holdings_caption', { at: when(s.holdings_as_of) }), [tr('col.vintage'), tr('col.quantity')], aef.holdings.map((h) => [String(h.vintage), num(h.quantity)]), [1]) : empty(tr('aef.no_itmo', { at: when(s.holdings_as_of) })),
      el('h2', {}, tr('aef.t_authorized_entities')),
      aef.authorized_entities.length ? table(tr('aef.entities'), [tr('screen.auth'), tr('aef.entity')], aef.authorized_entities.map((x) => [String(x.authorization), x.entity])) : empty(tr('aef.no_entity')));
  } else parts.push(el('p', {}, tr('aef.refused')));
  v.replaceChildren(...parts);
});
screens.aef.nav = 'nav.aef';

/* ---- one authorization: its versions and amendments ---------------------- */

const PURPOSES = ['NDC', 'OIMP', 'IMP', 'OP'];
const splitList = (s) => (s || '').split(',').map((t) => t.trim()).filter(Boolean);
const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

screen('auth', 'screen.auth', ['authority', 'admin', 'auditor', 'reviewer'], async (v, id) => {
  const [a, vers] = await Promise.all([get('/v1/a6/authorizations/' + encodeURIComponent(id)), get('/v1/a6/authorizations/' + encodeURIComponent(id) + '/versions')]);
  $('#title').textContent = tr('au.title', { id: a.id, version: a.version });
  const parts = [el('dl', { class: 'facts', id: 'auth-terms' },
    el('dt', {}, tr('au.party_approach')), el('dd', {}, a.party + ', ' + a.approach),
    el('dt', {}, tr('col.project')), el('dd', {}, a.project),
    el('dt', {}, tr('lt.quantity')), el('dd', {}, tr('lt.quantity_dd', { n: num(a.quantity), assigned: num(a.assigned) })),
    el('dt', {}, tr('lt.vintages')), el('dd', {}, a.vintage_from + '–' + a.vintage_to),
    el('dt', {}, tr('aef.timeframe')), el('dd', {}, a.year_from + '–' + a.year_to),
    el('dt', {}, tr('col.purposes')), el('dd', {}, a.purposes.join(', ')),
    el('dt', {}, tr('lt.acquiring')), el('dd', {}, a.authorized_parties.length ? a.authorized_parties.join(', ') : tr('lt.any_party')),
    el('dt', {}, tr('lt.entities')), el('dd', {}, a.authorized_entities.length ? a.authorized_entities.join(', ') : tr('lt.any_entity')),
    el('dt', {}, tr('col.state')), el('dd', {}, tr(a.revoked ? 'a6.revoked' : 'a6.in_force'))),
  el('p', {}, link('/work-letter.html?id=' + a.id, tr('au.printable', { id: a.id })))];
  if (a6Writes() && !a.revoked) {
    const form = el('form', { class: 'grid', id: 'amend', 'aria-label': tr('a6.amend_label', { id: a.id }) },
      el('p', {}, tr('au.intro')),
      field(tr('col.quantity'), input('quantity', { type: 'number', min: Math.max(1, a.assigned), step: 1, required: true, value: a.quantity }), tr('au.q_hint', { n: num(a.assigned) })),
      field(tr('a6.v_from'), input('vintage_from', { type: 'number', required: true, value: a.vintage_from })),
      field(tr('a6.v_to'), input('vintage_to', { type: 'number', required: true, value: a.vintage_to })),
      field(tr('a6.y_from'), input('year_from', { type: 'number', required: true, value: a.year_from })),
      field(tr('a6.y_to'), input('year_to', { type: 'number', required: true, value: a.year_to })),
      el('fieldset', { class: 'purposes' }, el('legend', {}, tr('a6.purposes')), PURPOSES.map((p) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'purpose:' + p, value: p, checked: a.purposes.includes(p) }), ' ' + tr('a6.purpose_' + p)))),
      field(tr('au.parties'), input('authorized_parties', { value: a.authorized_parties.join(', ') }), tr('a6.parties_hint')),
      field(tr('au.entities'), input('authorized_entities', { value: a.authorized_entities.join(', ') }), tr('a6.entities_hint')),
      field(tr('au.effective'), input('effective_from', { type: 'date', required: true, value: new Date().toISOString().slice(0, 10) })),
      field(tr('au.reason'), input('reason', { required: true, maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('a6.amend'))));
    onSubmit(form, async (x) => {
      const changes = {};
      for (const k of ['quantity', 'vintage_from', 'vintage_to', 'year_from', 'year_to']) if (Number(x[k]) !== a[k]) changes[k] = Number(x[k]);
      const purposes = PURPOSES.filter((p) => ('purpose:' + p) in x);
      if (!sameList(purposes, a.purposes)) changes.purposes = purposes;
      if (!sameList(splitList(x.authorized_parties), a.authorized_parties)) changes.authorized_parties = splitList(x.authorized_parties);
      if (!sameList(splitList(x.authorized_entities), a.authorized_entities)) changes.authorized_entities = splitList(x.authorized_entities);
      /* No change: the server's refusal ("changes must name at least one term"). */
      const r = await post('/v1/a6/authorizations/' + a.id + '/amendments', { changes, effective_from: x.effective_from, reason: x.reason });
      flash('ok', el('span', { id: 'done' }, tr('au.done', { id: r.id, version: r.amendment.version, from: when(r.amendment.effective_from),
        kept: num(r.amendment.itmos_kept), touched: num(r.amendment.itmos_touched) })));
      await render();
    });
    parts.push(el('h2', {}, tr('a6.amend')), form);
  }
  const list = (l) => (l || []).join(', ');
  const terms = (t) => tr('au.terms', { n: num(t.quantity), vf: t.vintage_from, vt: t.vintage_to, yf: t.year_from, yt: t.year_to, purposes: list(t.purposes),
    parties: list(t.authorized_parties) || tr('au.any'), entities: list(t.authorized_entities) || tr('au.any') });
  const changed = (c) => Object.entries(c).map(([k, val]) => word('term', k) + ' ' + (Array.isArray(val) ? val.join(', ') || tr('au.none') : num(val))).join('; ');
  parts.push(el('h2', {}, tr('a6.versions')), vers.amendments.length ? table(tr('au.amendments', { id: a.id }), [tr('col.version'), tr('au.replaced'), tr('au.effective'), tr('au.recorded'), tr('au.changes'), tr('au.reason'), tr('au.replaced_terms'), tr('au.kept_touched')],
    vers.amendments.map((x) => [String(x.version), String(x.replaced_version), when(x.effective_from), when(x.ts), changed(x.changes), x.reason || '—', terms(x.terms), num(x.itmos_kept) + ' / ' + num(x.itmos_touched)])) :
    empty(tr('au.never', { version: a.version })));
  v.replaceChildren(...parts);
});
