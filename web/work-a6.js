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
const KIND = { 'multi-year': 'multi-year (every year of the period)', 'single-year': 'single-year (the target year)' };
const CA_METHOD = { 'per-year': 'per year', averaging: 'averaging', trajectory: 'trajectory' };

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
  return { code, name, form: el('form', { class: 'filters', 'aria-label': 'Party', onsubmit: (ev) => ev.preventDefault() }, field('Party', pick)) };
}

const tonnes = (n) => (n === null || n === undefined ? '—' : num(n));

/* ---- NDC figures --------------------------------------------------------- */

function ndcFacts(n) {
  return el('dl', { class: 'facts', id: 'ndc-facts' },
    el('dt', {}, 'Implementation period'), el('dd', {}, n.first_year + '–' + n.last_year),
    el('dt', {}, 'Kind'), el('dd', {}, KIND[n.kind] || n.kind),
    el('dt', {}, 'Corresponding adjustments'), el('dd', {}, CA_METHOD[n.method] || n.method),
    el('dt', {}, 'Target'), el('dd', {}, num(n.target) + ' ' + n.metric + ' in ' + n.target_year),
    el('dt', {}, 'Last changed'), el('dd', {}, when(n.updated)));
}

screen('ndc', 'NDC figures', A6_READERS, async (v, party) => {
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
    parts.push(ndcFacts(n), table('Figures of ' + p.code + ' by year (' + n.metric + ')', ['Year', 'Reported emissions', 'Trajectory level'], rows, [1, 2]));
  } else parts.push(empty(p.name + ' has no NDC recorded yet.'));
  if (a6Writes() && n) {
    const y = new Date().getUTCFullYear();
    const form = el('form', { class: 'grid', id: 'ndc-year', 'aria-label': 'Figures of one year' },
      field('Year', input('year', { type: 'number', min: n.first_year, max: n.last_year, required: true, value: Math.min(Math.max(y - 1, n.first_year), n.last_year) })),
      field('Reported emissions (' + n.metric + ')', input('emissions', { type: 'number', min: 0, step: 1 }), 'Leave empty when not reported.'),
      field('Trajectory level (' + n.metric + ', optional)', input('trajectory', { type: 'number', min: 0, step: 1 }), 'For the trajectory method.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Record the year')));
    onSubmit(form, async (x) => {
      const body = compact({ emissions: intOrNull(x.emissions), trajectory: intOrNull(x.trajectory) });
      const r = await call('PUT', '/v1/a6/ndcs/' + p.code + '/years/' + Number(x.year), body);
      const got = r.years.find((q) => q.year === Number(x.year)) || {};
      flash('ok', el('span', { id: 'done' }, p.code + ' ' + x.year + ' recorded: reported emissions ' + tonnes(got.emissions) + ', trajectory ' + tonnes(got.trajectory) + ' (' + r.metric + ').'));
      await render();
    });
    parts.push(el('h2', {}, 'Record the figures of a year'), el('p', { class: 'muted' }, 'Recording a year replaces what it had.'), form);
  }
  if (a6Writes()) {
    const cur = n || { first_year: 2021, last_year: 2030, kind: 'multi-year', method: 'per-year', target_year: 2030, target: '', metric: 't CO2e' };
    const kind = select('kind', Object.entries(KIND));
    kind.value = cur.kind;
    const method = select('method', Object.entries(CA_METHOD));
    method.value = cur.method;
    const form = el('form', { class: 'grid', id: 'ndc', 'aria-label': 'The NDC' },
      field('First year', input('first_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.first_year })),
      field('Last year', input('last_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.last_year })),
      field('Kind', kind), field('Corresponding adjustments', method),
      field('Target year', input('target_year', { type: 'number', min: 1990, max: 2100, required: true, value: cur.target_year })),
      field('Target (' + cur.metric + ')', input('target', { type: 'number', min: 0, step: 1, required: true, value: cur.target })),
      field('Metric', input('metric', { required: true, maxlength: 31, value: cur.metric })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, n ? 'Replace the NDC' : 'Record the NDC')));
    onSubmit(form, async (x) => {
      const r = await call('PUT', '/v1/a6/ndcs/' + p.code, { first_year: Number(x.first_year), last_year: Number(x.last_year), kind: x.kind, method: x.method,
        target_year: Number(x.target_year), target: Number(x.target), metric: x.metric });
      flash('ok', el('span', { id: 'done' }, 'The NDC of ' + r.party + ' is recorded: ' + r.first_year + '–' + r.last_year + ', target ' + num(r.target) + ' ' + r.metric + ' in ' + r.target_year + '.'));
      await render();
    });
    parts.push(el('h2', {}, n ? 'Replace the NDC' : 'Record the NDC'), el('p', { class: 'muted' }, 'The years already recorded are kept.'), form);
  }
  parts.push(el('p', {}, link('#/books/' + p.code, 'The Article 6 books of ' + p.code), ' · ', link('#/aef/' + p.code, 'The AEF of ' + p.code)));
  v.replaceChildren(...parts);
});
screens.ndc.nav = 'NDC';

/* ---- the Article 6 books ------------------------------------------------- */

screen('books', 'Article 6 books', A6_READERS, async (v, party) => {
  const p = await partyPicker('books', party);
  let b;
  try {
    b = await get('/v1/a6/balances/' + p.code);
  } catch (e) {
    if (e.code !== 'unknown_ndc') throw e;
    return v.replaceChildren(p.form, empty(p.name + ' has no NDC recorded: its books start with it. '), el('p', {}, link('#/ndc/' + p.code, 'NDC figures of ' + p.code)));
  }
  const w = await get('/v1/a6/whatif/' + p.code);
  const n = b.ndc;
  v.replaceChildren(p.form, ndcFacts(n),
    el('p', { id: 'target', class: b.target_met ? 'status ok' : 'status error' }, 'Adjusted emissions in the target year ' + n.target_year + ': ' +
      tonnes(b.target_year_adjusted_emissions) + ' ' + n.metric + ' against a target of ' + num(n.target) + (b.target_met ? ': the target is met.' : ': the target is not met.')),
    table('Balances of ' + p.code + ' by year (' + n.metric + ')', ['Year', 'Reported emissions', 'First transferred', 'Used', 'Corresponding adjustment', 'Adjusted emissions'],
      b.years.map((y) => [String(y.year), y.reported ? tonnes(y.emissions) : 'not reported', num(y.first_transferred), num(y.used), num(y.corresponding_adjustment), tonnes(y.adjusted_emissions)]), [1, 2, 3, 4, 5]),
    el('h2', {}, 'What if'),
    el('p', {}, 'The adjusted emissions under every accounting option, for comparison (read only: the NDC\'s own method is ' + (CA_METHOD[n.method] || n.method) + '). A negative gap is below the target.'),
    table('Accounting options for ' + p.code, ['Adjust', 'Timing', 'Aggregation', 'Outside the NDC scope adjusted', 'Net transfers', 'Adjusted emissions', 'Target', 'Gap'],
      w.options.map((o) => [o.adjust, o.timing, o.aggregation, o.ca_outside_scope ? 'yes' : 'no', num(o.net), num(o.emissions), num(o.target), num(o.gap)]), [4, 5, 6, 7]),
    el('details', { class: 'data' }, el('summary', {}, 'Inputs by year'),
      table('What-if inputs of ' + p.code, ['Year', 'Emissions', 'First transferred (at transfer)', 'First transferred (at use)', 'Outside scope (at transfer)', 'Outside scope (at use)', 'Used'],
        w.inputs.map((y) => [String(y.year), tonnes(y.emissions), num(y.ft_at_transfer), num(y.ft_at_use), num(y.outside_scope_at_transfer), num(y.outside_scope_at_use), num(y.used)]), [1, 2, 3, 4, 5, 6])),
    el('p', {}, link('#/aef/' + p.code, 'The AEF of ' + p.code), ' · ', link('#/ndc/' + p.code, 'NDC figures')));
});
screens.books.nav = 'Article 6 books';

/* ---- the AEF ------------------------------------------------------------- */

const AEF_TABLES = [['submission', 'Table 1: Submission'], ['authorizations', 'Table 2: Authorizations'], ['actions', 'Table 3: Actions'],
  ['holdings', 'Table 4: Holdings'], ['authorized_entities', 'Table 5: Authorized entities']];

screen('aef', 'Agreed electronic format (AEF)', A6_READERS, async (v, party, year, asOf) => {
  const p = await partyPicker('aef', party);
  const y = Number(year) || new Date().getUTCFullYear() - 1;
  const q = '?year=' + y + (asOf ? '&as_of=' + encodeURIComponent(asOf) : '');
  const form = el('form', { class: 'filters', id: 'aef-year', 'aria-label': 'Reporting year' },
    field('Reporting year', input('year', { type: 'number', min: 1990, max: 2100, required: true, value: y })),
    field('Holdings at (optional)', input('as_of', { type: 'date', value: asOf || null }), 'Default: 31 December of the year, or today.'),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const x = Object.fromEntries(new FormData(form));
    location.hash = '#/aef/' + p.code + '/' + Number(x.year) + (x.as_of ? '/' + x.as_of : '');
  });
  const checks = await get('/v1/a6/aef/' + p.code + '/checks' + q);
  const base = '/v1/a6/aef/' + p.code + q;
  const parts = [p.form, form,
    el('p', { id: 'consistency', class: checks.consistent ? 'verdict ok' : 'verdict bad' }, checks.consistent ?
      'the books of ' + p.code + ' pass every consistency check for ' + y + ' (holdings at ' + checks.holdings_as_of + ').' :
      'the books of ' + p.code + ' fail ' + checks.checks.filter((c) => !c.passed).length + ' consistency check(s) for ' + y + ': the AEF is withheld until they are corrected.'),
    table('Consistency checks', ['Check', 'Kind', 'What must hold', 'Result', 'Findings'],
      checks.checks.map((c) => [el('code', {}, c.code), c.kind, c.description, c.passed ? 'passed' : 'FAILED',
        c.findings.length ? el('ul', {}, c.findings.map((f) => el('li', {}, f))) : '—']))];
  if (checks.consistent) {
    const aef = await get(base);
    const s = aef.submission;
    parts.push(el('h2', {}, 'Export'),
      el('p', { class: 'actions', id: 'aef-export' }, link(base + '&format=xlsx', 'AEF workbook ' + p.code + ' ' + y + ' (xlsx)', { class: 'button', id: 'aef-xlsx', download: 'AEF-' + p.code + '-' + y + '.xlsx' }),
        AEF_TABLES.map(([t, label]) => link(base + '&format=csv&table=' + t, label + ' (CSV)', { class: 'button', download: 'AEF-' + p.code + '-' + y + '-' + t + '.csv', 'data-table': t }))),
      el('h2', {}, 'Table 1: Submission'),
      el('dl', { class: 'facts', id: 'aef-submission' },
        el('dt', {}, 'Party, year'), el('dd', {}, s.party + ', ' + s.year),
        el('dt', {}, 'NDC'), el('dd', {}, s.ndc_first_year + '–' + s.ndc_last_year + ', ' + (KIND[s.ndc_kind] || s.ndc_kind) + ', adjustments ' + (CA_METHOD[s.ca_method] || s.ca_method)),
        el('dt', {}, 'Reported emissions'), el('dd', {}, s.emissions === null ? 'not reported' : num(s.emissions) + ' ' + s.metric),
        el('dt', {}, 'First transferred, used'), el('dd', {}, num(s.first_transferred) + ' t, ' + num(s.used) + ' t'),
        el('dt', {}, 'Corresponding adjustment'), el('dd', {}, num(s.corresponding_adjustment) + ' t'),
        el('dt', {}, 'Adjusted emissions'), el('dd', {}, s.adjusted_emissions === null ? '— (no reported emissions)' : num(s.adjusted_emissions) + ' ' + s.metric),
        el('dt', {}, 'Holdings at'), el('dd', {}, s.holdings_as_of)),
      el('h2', {}, 'Table 2: Authorizations'),
      aef.authorizations.length ? table('Authorizations', ['Authorization', 'Approach', 'Project', 'Version', 'Quantity (t)', 'Purposes', 'Vintages', 'Timeframe', 'State'],
        aef.authorizations.map((a) => [link('#/auth/' + a.id, String(a.id)), a.approach, a.project, String(a.version), num(a.quantity), a.purposes.join(', '), a.vintage_from + '–' + a.vintage_to,
          a.year_from + '–' + a.year_to, a.revoked ? 'revoked' : 'in force']), [4]) : empty('No authorization.'),
      el('h2', {}, 'Table 3: Actions'),
      aef.actions.length ? table('Actions', ['Date', 'Action', 'First ITMO', 'Last ITMO', 'Quantity (t)', 'Vintage', 'Purpose', 'Used by or for', 'Year'],
        aef.actions.map((a) => [a.date, a.action, serial(a.first_id), serial(a.last_id), num(a.quantity), String(a.vintage), a.purpose || '—', a.using_party_or_entity || '—', String(a.year)]), [4]) : empty('No action up to ' + y + '.'),
      el('h2', {}, 'Table 4: Holdings'),
      aef.holdings.length ? table('Holdings at ' + s.holdings_as_of, ['Vintage', 'Quantity (t)'], aef.holdings.map((h) => [String(h.vintage), num(h.quantity)]), [1]) : empty('No ITMO held at ' + s.holdings_as_of + '.'),
      el('h2', {}, 'Table 5: Authorized entities'),
      aef.authorized_entities.length ? table('Authorized entities', ['Authorization', 'Entity'], aef.authorized_entities.map((x) => [String(x.authorization), x.entity])) : empty('No authorized entity.'));
  } else parts.push(el('p', {}, 'The export (workbook and CSV) is refused while a check fails (409 aef_inconsistent); the findings above say what to correct.'));
  v.replaceChildren(...parts);
});
screens.aef.nav = 'AEF';

/* ---- one authorization: its versions and amendments ---------------------- */

const PURPOSES = ['NDC', 'OIMP', 'IMP', 'OP'];
const splitList = (s) => (s || '').split(',').map((t) => t.trim()).filter(Boolean);
const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

screen('auth', 'Authorization', ['authority', 'admin', 'auditor', 'reviewer'], async (v, id) => {
  const [a, vers] = await Promise.all([get('/v1/a6/authorizations/' + encodeURIComponent(id)), get('/v1/a6/authorizations/' + encodeURIComponent(id) + '/versions')]);
  $('#title').textContent = 'Authorization ' + a.id + ' (version ' + a.version + ')';
  const parts = [el('dl', { class: 'facts', id: 'auth-terms' },
    el('dt', {}, 'Party, approach'), el('dd', {}, a.party + ', ' + a.approach),
    el('dt', {}, 'Project'), el('dd', {}, a.project),
    el('dt', {}, 'Quantity'), el('dd', {}, num(a.quantity) + ' t (' + num(a.assigned) + ' t assigned as ITMOs)'),
    el('dt', {}, 'Vintages'), el('dd', {}, a.vintage_from + '–' + a.vintage_to),
    el('dt', {}, 'Timeframe'), el('dd', {}, a.year_from + '–' + a.year_to),
    el('dt', {}, 'Purposes'), el('dd', {}, a.purposes.join(', ')),
    el('dt', {}, 'Acquiring Parties'), el('dd', {}, a.authorized_parties.length ? a.authorized_parties.join(', ') : 'any Party'),
    el('dt', {}, 'Entities (OIMP)'), el('dd', {}, a.authorized_entities.length ? a.authorized_entities.join(', ') : 'any entity'),
    el('dt', {}, 'State'), el('dd', {}, a.revoked ? 'revoked' : 'in force')),
  el('p', {}, link('/work-letter.html?id=' + a.id, 'Printable letter of authorization ' + a.id))];
  if (a6Writes() && !a.revoked) {
    const form = el('form', { class: 'grid', id: 'amend', 'aria-label': 'Amend authorization ' + a.id },
      el('p', {}, 'Change the terms below and say from when and why; only the terms you change are sent. ITMOs already first transferred keep the terms in force at their first transfer.'),
      field('Quantity (t)', input('quantity', { type: 'number', min: Math.max(1, a.assigned), step: 1, required: true, value: a.quantity }), 'Not below the ' + num(a.assigned) + ' t already made ITMOs.'),
      field('Vintages from', input('vintage_from', { type: 'number', required: true, value: a.vintage_from })),
      field('Vintages to', input('vintage_to', { type: 'number', required: true, value: a.vintage_to })),
      field('Timeframe from (year)', input('year_from', { type: 'number', required: true, value: a.year_from })),
      field('Timeframe to (year)', input('year_to', { type: 'number', required: true, value: a.year_to })),
      el('fieldset', { class: 'purposes' }, el('legend', {}, 'Authorized purposes'), PURPOSES.map((p) =>
        el('label', {}, el('input', { type: 'checkbox', name: 'purpose:' + p, value: p, checked: a.purposes.includes(p) }), ' ' + p))),
      field('Parties that may acquire', input('authorized_parties', { value: a.authorized_parties.join(', ') }), 'Alpha-3 codes, separated by commas; none: any Party.'),
      field('Entities that may cancel for OIMP', input('authorized_entities', { value: a.authorized_entities.join(', ') }), 'Names, separated by commas.'),
      field('Effective from', input('effective_from', { type: 'date', required: true, value: new Date().toISOString().slice(0, 10) })),
      field('Reason', input('reason', { required: true, maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Amend')));
    onSubmit(form, async (x) => {
      const changes = {};
      for (const k of ['quantity', 'vintage_from', 'vintage_to', 'year_from', 'year_to']) if (Number(x[k]) !== a[k]) changes[k] = Number(x[k]);
      const purposes = PURPOSES.filter((p) => ('purpose:' + p) in x);
      if (!sameList(purposes, a.purposes)) changes.purposes = purposes;
      if (!sameList(splitList(x.authorized_parties), a.authorized_parties)) changes.authorized_parties = splitList(x.authorized_parties);
      if (!sameList(splitList(x.authorized_entities), a.authorized_entities)) changes.authorized_entities = splitList(x.authorized_entities);
      /* No change: the server's refusal ("changes must name at least one term"). */
      const r = await post('/v1/a6/authorizations/' + a.id + '/amendments', { changes, effective_from: x.effective_from, reason: x.reason });
      flash('ok', el('span', { id: 'done' }, 'Authorization ' + r.id + ' amended: version ' + r.amendment.version + ' from ' + r.amendment.effective_from + '; ' +
        num(r.amendment.itmos_kept) + ' ITMOs already first transferred keep the replaced terms, ' + num(r.amendment.itmos_touched) + ' take the new ones.'));
      await render();
    });
    parts.push(el('h2', {}, 'Amend'), form);
  }
  const terms = (t) => 'quantity ' + num(t.quantity) + ' t; vintages ' + t.vintage_from + '–' + t.vintage_to + '; timeframe ' + t.year_from + '–' + t.year_to + '; purposes ' +
    (t.purposes || []).join(', ') + '; Parties ' + ((t.authorized_parties || []).join(', ') || 'any') + '; entities ' + ((t.authorized_entities || []).join(', ') || 'any');
  const changed = (c) => Object.entries(c).map(([k, val]) => k + ' ' + (Array.isArray(val) ? val.join(', ') || 'none' : num(val))).join('; ');
  parts.push(el('h2', {}, 'Versions'), vers.amendments.length ? table('Amendments of authorization ' + a.id + ', oldest first', ['Version', 'Replaced', 'Effective from', 'Recorded', 'Changes', 'Reason', 'Replaced terms', 'ITMOs kept / touched'],
    vers.amendments.map((x) => [String(x.version), String(x.replaced_version), x.effective_from, when(x.ts), changed(x.changes), x.reason || '—', terms(x.terms), num(x.itmos_kept) + ' / ' + num(x.itmos_touched)])) :
    empty('Version ' + a.version + ': never amended.'));
  v.replaceChildren(...parts);
});
