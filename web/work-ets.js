/*
 * work-ets.js -- the emissions trading screens of the working app
 * (web/work.html loads it after work.js and shares its helpers): the
 * regulator's schemes, covered entities, verified emissions (entered by an
 * accredited verifier, confirmed or corrected by the regulator, possibly
 * held for a second regulator: 202 with a proposal, decided on the
 * Approvals screen), allocations and the compliance report; the covered
 * entity's compliance years on its surrender screen (work.js, #/ets). A
 * thin client of docs/API.md, "Emissions trading", and docs/ETS.md: the
 * server decides who is the regulator (an authority of the scheme's
 * stored registry, or admin) and who verifies.
 */
'use strict';

const ETS_ROLES = ['authority', 'admin', 'auditor', 'validator'];
const regulates = () => me.role === 'authority' || me.role === 'admin';
const verifies = () => me.role === 'validator' || me.role === 'admin';

/* What a proposal is about, for proposals that move no units (ETS and
 * Article 6 decisions; their accounts and quantity are 0). */
function proposalAbout(p) {
  const q = p.request || {};
  if (p.kind === 'ets-confirmation') return tr('about.ets_confirm', { n: num(q.verified), entity: q.entity, scheme: q.scheme, year: q.year });
  if (p.kind === 'ets-correction') return tr('about.ets_correct', { entity: q.entity, scheme: q.scheme, year: q.year, from: num(q.from), to: num(q.verified), reason: q.reason || '' });
  if (p.kind === 'a6-authorization') return tr('about.a6_auth', { n: num(q.quantity), project: q.project || '', approach: q.approach || '' });
  if (p.kind === 'a6-revocation') return tr('about.a6_revoke', { id: q.authorization });
  return null;
}

/* A regulator's decision held for a second person (202). */
function heldNode(p) {
  return el('div', { class: 'status held', role: 'status', id: 'proposal' },
    el('p', {}, tr('held.p', { id: p.id, state: word('pstate', p.state), reasons: reasonsText(p) })),
    el('p', {}, trx('held.who', { what: proposalAbout(p), when: when(p.expires_at), approvals: link('#/approvals', tr('nav.approvals')) })));
}

function currencyDigits(c) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: c }).resolvedOptions().maximumFractionDigits;
  } catch (e) {
    return 2;
  }
}

/* ---- schemes --------------------------------------------------------------- */

screen('schemes', 'screen.schemes', ETS_ROLES, async (v) => {
  const [schemes, juris, regs] = await Promise.all([get('/v1/ets/schemes'), get('/v1/ets/jurisdictions'), get('/v1/registries')]);
  const parts = [el('p', {}, 'Schemes, their covered entities, verified emissions, allocations and compliance. The regulator of a scheme is an authority of its registry; verifiers are validators it accredited.'),
    schemes.items.length ? table('Schemes', ['Scheme', 'Name', 'Jurisdiction', 'Registry', 'Years', 'Deadline', 'Penalty per t', 'Surrender account'],
      schemes.items.map((s) => [link('#/scheme/' + encodeURIComponent(s.code), s.code), s.name, s.jurisdiction, s.registry, s.first_year + '–' + s.last_year, s.deadline + ' of the next year',
        money(s.penalty, { minor_units: currencyDigits(s.currency), currency: s.currency }), String(s.surrender_account)])) : empty('No scheme yet.')];
  if (regulates()) {
    const form = el('form', { class: 'grid', id: 'scheme', 'aria-label': 'Create or change a scheme' },
      field('Code', input('code', { required: true, maxlength: 32, pattern: '[A-Z0-9.\\-]+', spellcheck: 'false' }), 'An existing code changes that scheme.'),
      field('Name', input('name', { required: true, maxlength: 200 })),
      field('Jurisdiction (rule file)', select('jurisdiction', juris.items.map((j) => [j.code, j.code + ' — ' + j.name]))),
      field('Registry', select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]))),
      field('First year', input('first_year', { type: 'number', min: 1990, max: 2100, required: true })),
      field('Last year', input('last_year', { type: 'number', min: 1990, max: 2100, required: true })),
      field('Surrender deadline (MM-DD of the next year)', input('deadline', { required: true, pattern: '[0-9]{2}-[0-9]{2}', placeholder: '06-30' })),
      field('Penalty per missing tonne (minor units)', input('penalty', { type: 'number', min: 0, step: 1, required: true })),
      field('Currency', input('currency', { required: true, pattern: '[A-Z]{3}', maxlength: 3 })),
      field('Allocation account (optional)', input('allocation_account', { type: 'number', min: 1, step: 1 }), 'Free allocation moves allowances from it.'),
      field('Auction account (optional)', input('auction_account', { type: 'number', min: 1, step: 1 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save the scheme')));
    onSubmit(form, async (x) => {
      const r = await call('PUT', '/v1/ets/schemes/' + encodeURIComponent(x.code), compact({ name: x.name, jurisdiction: x.jurisdiction, registry: x.registry,
        first_year: Number(x.first_year), last_year: Number(x.last_year), deadline: x.deadline, penalty: Number(x.penalty), currency: x.currency,
        allocation_account: intOrNull(x.allocation_account), auction_account: intOrNull(x.auction_account) }));
      flash('ok', 'Scheme ' + r.code + ' saved (surrender account ' + r.surrender_account + ').');
      await render();
    });
    parts.push(el('h2', {}, 'Create or change a scheme'), form);
  }
  v.replaceChildren(...parts);
});
screens.schemes.nav = 'nav.schemes';

/* ---- one scheme: its compliance year and its entities ------------------------ */

screen('scheme', 'screen.scheme', ETS_ROLES, async (v, code, year) => {
  const s = (await get('/v1/ets/schemes')).items.find((x) => x.code === code);
  if (!s) return v.replaceChildren(note('error', 'No scheme ' + code + '.'));
  $('#title').textContent = s.code + ': ' + s.name;
  const y = Number(year) || Math.min(Math.max(new Date().getUTCFullYear() - 1, s.first_year), s.last_year);
  const [rep, ents] = await Promise.all([get('/v1/ets/schemes/' + encodeURIComponent(code) + '/report?year=' + y), get('/v1/ets/schemes/' + encodeURIComponent(code) + '/entities')]);
  /* Penalties are in minor units of the scheme's currency (ISO 4217 digits, as the browser knows them). */
  const cur = { minor_units: currencyDigits(rep.currency), currency: rep.currency };
  const pick = select('year', Array.from({ length: s.last_year - s.first_year + 1 }, (_, i) => String(s.first_year + i)), { onchange: (ev) => (location.hash = '#/scheme/' + code + '/' + ev.target.value) });
  pick.value = String(y);
  const parts = [el('dl', { class: 'facts' },
    el('dt', {}, 'Jurisdiction'), el('dd', {}, s.jurisdiction + ' (its rule file decides which units count)'),
    el('dt', {}, 'Registry'), el('dd', {}, s.registry + ' (its authorities regulate the scheme)'),
    el('dt', {}, 'Years'), el('dd', {}, s.first_year + '–' + s.last_year + '; surrender by ' + s.deadline + ' of the next year'),
    el('dt', {}, 'Accounts'), el('dd', {}, 'surrender ' + s.surrender_account + ', allocation ' + (s.allocation_account || 'none') + ', auction ' + (s.auction_account || 'none'))),
  el('form', { class: 'filters', 'aria-label': 'Compliance year', onsubmit: (ev) => ev.preventDefault() }, field('Compliance year', pick)),
  el('h2', {}, 'Compliance ' + y),
  rep.items.length ? table('Compliance report ' + s.code + ' ' + y + ' (t)', ['Entity', 'Emissions status', 'Obligation', 'Allocated', 'Allowances surrendered', 'Offsets surrendered', 'Shortfall', 'Penalty', 'Compliance'],
    rep.items.map((r) => [link('#/emissions/' + encodeURIComponent(code) + '/' + encodeURIComponent(r.entity) + '/' + y, r.entity + ': ' + r.name), r.emissions_status, num(r.obligation), num(r.allocated),
      num(r.surrendered_allowances), num(r.surrendered_offsets), num(r.shortfall), money(r.penalty, cur), r.compliance]), [2, 3, 4, 5, 6, 7]) : empty('No covered entity.'),
  el('p', {}, link('/v1/ets/schemes/' + encodeURIComponent(code) + '/report?year=' + y + '&format=csv', 'Compliance report ' + y + ' (CSV)', { download: 'ets-' + code + '-' + y + '.csv' })),
  el('h2', {}, 'Covered entities'),
  ents.items.length ? table('Covered entities of ' + s.code, ['Entity', 'Name', 'Organisation', 'Account', 'Province', 'City', 'Sector', 'Installations'],
    ents.items.map((e) => [link('#/emissions/' + encodeURIComponent(code) + '/' + encodeURIComponent(e.id) + '/' + y, e.id), e.name, String(e.org), String(e.account), e.province, e.city || '—', e.sector || '—',
      (e.installations || '').split('|').filter(Boolean).join(', ') || '—'])) : empty('No covered entity yet.')];
  if (regulates()) {
    const form = el('form', { class: 'grid', id: 'entity', 'aria-label': 'Add or change a covered entity' },
      field('Entity id', input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._-]+', spellcheck: 'false' }), 'An existing id changes that entity.'),
      field('Name', input('name', { required: true, maxlength: 200 })),
      field('Organisation (its id)', input('organisation', { type: 'number', min: 1, step: 1, required: true })),
      field('Account (its id)', input('account', { type: 'number', min: 1, step: 1, required: true }), 'A holding account of the organisation in ' + s.registry + '.'),
      field('Province', input('province', { required: true, maxlength: 32, placeholder: 'CN-GD' })),
      field('City (optional)', input('city', { maxlength: 64 })),
      field('Sector (optional)', input('sector', { maxlength: 64 })),
      field('Installations (optional)', input('installations'), 'Names, separated by commas.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Save the entity')));
    onSubmit(form, async (x) => {
      await call('PUT', '/v1/ets/schemes/' + encodeURIComponent(code) + '/entities/' + encodeURIComponent(x.id), compact({ name: x.name, organisation: Number(x.organisation),
        account: Number(x.account), province: x.province, city: x.city, sector: x.sector, installations: splitList(x.installations) }));
      flash('ok', 'Entity ' + x.id + ' saved in ' + code + '.');
      await render();
    });
    const acc = el('form', { class: 'grid', id: 'verifier', 'aria-label': 'Accredit a verifier' },
      field('Organisation (its id)', input('organisation', { type: 'number', min: 1, step: 1, required: true }), 'A verification body; its validators may then enter verified emissions.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Accredit')));
    onSubmit(acc, async (x) => {
      const r = await post('/v1/ets/schemes/' + encodeURIComponent(code) + '/verifiers', { organisation: Number(x.organisation) });
      return note('ok', 'Organisation ' + r.organisation + ' is a verifier of ' + r.scheme + '.');
    });
    parts.push(el('h2', {}, 'Add or change a covered entity'), form, el('h2', {}, 'Accredit a verifier'), acc);
  }
  v.replaceChildren(...parts);
});

/* ---- one entity's year: verified emissions and allocation ------------------- */

/* The open proposals about this record (the server lists an authority's
 * organisation's; others see none). */
async function pendingAbout(code, entity, year) {
  if (!['authority', 'admin', 'auditor'].includes(me.role)) return [];
  const ps = await all('/v1/proposals?state=pending');
  return ps.filter((p) => p.request && p.request.scheme === code && p.request.entity === entity && p.request.year === year);
}

screen('emissions', 'screen.emissions', ETS_ROLES, async (v, code, entity, year) => {
  const y = Number(year);
  const [r, pend] = await Promise.all([get('/v1/ets/emissions?scheme=' + encodeURIComponent(code) + '&entity=' + encodeURIComponent(entity) + '&year=' + y), pendingAbout(code, entity, y)]);
  $('#title').textContent = entity + ' in ' + code + ', ' + y;
  const key = { scheme: code, entity, year: y };
  const parts = [el('dl', { class: 'facts', id: 'record' },
    el('dt', {}, 'Status'), el('dd', { id: 'status' }, r.status),
    el('dt', {}, 'Verified emissions'), el('dd', { id: 'verified' }, r.status === 'none' ? '—' : num(r.verified) + ' t'),
    el('dt', {}, 'Allocated'), el('dd', { id: 'allocated' }, num(r.allocated) + ' t'),
    el('dt', {}, 'Surrendered'), el('dd', {}, num(r.surrendered_allowances) + ' t of allowances, ' + num(r.surrendered_offsets) + ' t of offsets' + (r.tx ? ' (transaction ' + r.tx + ')' : '')),
    el('dt', {}, 'Compliance'), el('dd', {}, r.compliance)),
  el('p', {}, link('#/scheme/' + encodeURIComponent(code) + '/' + y, 'Scheme ' + code + ', compliance ' + y))];
  if (pend.length) parts.push(el('div', { class: 'status held', role: 'status', id: 'pending' }, pend.map((p) => el('p', {}, 'Pending: proposal ' + p.id + ' to ' + proposalAbout(p) +
    ', proposed by ' + p.proposer + ' ' + when(p.created) + '; approve or reject by ' + when(p.expires_at) + ' on the ', link('#/approvals', 'Approvals'), ' screen.'))));
  const forms = [];
  if (verifies() && (r.status === 'none' || r.status === 'entered')) {
    const f = el('form', { class: 'grid', id: 'enter', 'aria-label': 'Enter verified emissions' },
      field('Verified emissions (t CO2e)', input('verified', { type: 'number', min: 0, step: 1, required: true, value: r.status === 'entered' ? r.verified : null }), r.status === 'entered' ? 'Entering again replaces the entered figure.' : null),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Enter the figure')));
    onSubmit(f, async (x) => {
      const o = await call('PUT', '/v1/ets/emissions', { ...key, verified: Number(x.verified) });
      flash('ok', el('span', { id: 'done' }, 'Verified emissions of ' + entity + ' for ' + y + ' entered: ' + num(o.verified) + ' t; the regulator confirms them.'));
      await render();
    });
    forms.push(el('h2', {}, 'Enter verified emissions (verifier)'), f);
  }
  if (regulates() && r.status === 'entered') {
    const f = el('form', { class: 'grid', id: 'confirm', 'aria-label': 'Confirm verified emissions' },
      el('p', {}, 'Confirm the ' + num(r.verified) + ' t the verifier entered: they become the obligation of ' + y + '.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Confirm')));
    onSubmit(f, async () => {
      const o = await post('/v1/ets/emissions/confirm', key);
      if (isProposal(o)) return heldNode(o);
      flash('ok', el('span', { id: 'done' }, 'Verified emissions of ' + entity + ' for ' + y + ' confirmed: ' + num(o.verified) + ' t.'));
      await render();
    });
    forms.push(el('h2', {}, 'Confirm (regulator)'), f);
  }
  if (regulates() && r.status === 'confirmed') {
    const f = el('form', { class: 'grid', id: 'correct', 'aria-label': 'Correct verified emissions' },
      field('Corrected figure (t CO2e)', input('verified', { type: 'number', min: 0, step: 1, required: true })),
      field('Reason', input('reason', { required: true, maxlength: 200 }), 'Kept in the history with the old and new figure.'),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Correct')));
    onSubmit(f, async (x) => {
      const o = await post('/v1/ets/emissions/corrections', { ...key, verified: Number(x.verified), reason: x.reason });
      if (isProposal(o)) return heldNode(o);
      flash('ok', el('span', { id: 'done' }, 'Verified emissions of ' + entity + ' for ' + y + ' corrected to ' + num(o.verified) + ' t.'));
      await render();
    });
    forms.push(el('h2', {}, 'Correct confirmed emissions (regulator)'), f);
  }
  if (regulates()) {
    const fig = el('form', { class: 'grid', id: 'allocation', 'aria-label': 'Allocation figure' },
      field('Allocated (t)', input('allocated', { type: 'number', min: 0, step: 1, required: true, value: r.allocated })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Set the figure')));
    onSubmit(fig, async (x) => {
      await call('PUT', '/v1/ets/allocations', { ...key, allocated: Number(x.allocated) });
      flash('ok', el('span', { id: 'done' }, 'Allocation figure of ' + entity + ' for ' + y + ' set to ' + num(Number(x.allocated)) + ' t.'));
      await render();
    });
    const mv = el('form', { class: 'grid', id: 'allocate', 'aria-label': 'Allocate allowances' },
      field('Quantity (t)', input('quantity', { type: 'number', min: 1, step: 1, required: true })),
      field('Method', select('method', [['free', 'free (from the allocation account)'], ['auction', 'auction (from the auction account)']])),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Allocate')));
    onSubmit(mv, async (x) => {
      const o = await post('/v1/ets/allocations', { ...key, quantity: Number(x.quantity), method: x.method });
      flash('ok', el('span', { id: 'done' }, 'Allowances allocated to ' + entity + ': ' + num(Number(x.quantity)) + ' t' + (o && o.tx ? ' (transaction ' + o.tx + ')' : '') + '.'));
      await render();
    });
    forms.push(el('h2', {}, 'Allocation (regulator)'), el('p', { class: 'muted' }, 'Set the figure for allowances allocated outside the registry, or move allowances to the entity\'s account.'), fig, mv);
  }
  parts.push(...forms, el('h2', {}, 'History'), r.history.length ? table('History of the record, oldest first', ['When', 'Action', 'Old (t)', 'New (t)', 'Status before', 'By', 'Role', 'Reason'],
    r.history.map((h) => [when(h.ts), h.action, num(h.old), num(h.new), h.status_before, h.actor + (h.organisation ? ' (organisation ' + h.organisation + ')' : ''), h.role, h.reason || '—']), [2, 3]) :
    empty('Nothing entered yet.'));
  v.replaceChildren(...parts);
});

/* The covered entity's years (its surrender screen, work.js #/ets): the
 * record of each year of the scheme up to last year. */
async function entityYears(s, e) {
  const last = Math.min(s.last_year, new Date().getUTCFullYear());
  const years = [];
  for (let y = s.first_year; y <= last; y++) years.push(y);
  const recs = await Promise.all(years.map((y) => get('/v1/ets/emissions?scheme=' + encodeURIComponent(s.code) + '&entity=' + encodeURIComponent(e.id) + '&year=' + y)));
  const rows = recs.filter((r) => r.status !== 'none' || r.allocated || r.tx);
  return el('div', {}, el('h2', {}, 'Your compliance years in ' + s.code),
    rows.length ? table('Compliance of ' + e.id + ' in ' + s.code + ' (t)', ['Year', 'Emissions', 'Verified', 'Allocated', 'Allowances surrendered', 'Offsets surrendered', 'Compliance'],
      rows.map((r) => [String(r.year), r.status, num(r.verified), num(r.allocated), num(r.surrendered_allowances), num(r.surrendered_offsets), r.compliance]), [2, 3, 4, 5]) :
      empty('No verified emissions or allocation recorded yet.'));
}
