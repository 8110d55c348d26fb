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
  const parts = [el('p', {}, tr('ets.intro')),
    schemes.items.length ? table(tr('dash.schemes'), [tr('ets.scheme'), tr('col.name'), tr('ets.jurisdiction'), tr('f.registry'), tr('ets.years'), tr('col.deadline'), tr('ets.penalty'), tr('ets.surrender_account')],
      schemes.items.map((s) => [link('#/scheme/' + encodeURIComponent(s.code), s.code), s.name, s.jurisdiction, s.registry, s.first_year + '–' + s.last_year, tr('ets.deadline_dd', { d: s.deadline }),
        money(s.penalty, { minor_units: currencyDigits(s.currency), currency: s.currency }), String(s.surrender_account)])) : empty(tr('ets.none'))];
  if (regulates()) {
    const form = el('form', { class: 'grid', id: 'scheme', 'aria-label': tr('ets.form') },
      field(tr('ets.code'), input('code', { required: true, maxlength: 32, pattern: '[A-Z0-9.\\-]+', spellcheck: 'false' }), tr('ets.code_hint')),
      field(tr('col.name'), input('name', { required: true, maxlength: 200 })),
      field(tr('ets.f_jurisdiction'), select('jurisdiction', juris.items.map((j) => [j.code, j.code + ' — ' + j.name]))),
      field(tr('f.registry'), select('registry', regs.items.map((r) => [r.id, r.id + ' — ' + r.name]))),
      field(tr('ndc.first_year'), input('first_year', { type: 'number', min: 1990, max: 2100, required: true })),
      field(tr('ndc.last_year'), input('last_year', { type: 'number', min: 1990, max: 2100, required: true })),
      field(tr('ets.f_deadline'), input('deadline', { required: true, pattern: '[0-9]{2}-[0-9]{2}', placeholder: '06-30' })),
      field(tr('ets.f_penalty'), input('penalty', { type: 'number', min: 0, step: 1, required: true })),
      field(tr('col.currency'), input('currency', { required: true, pattern: '[A-Z]{3}', maxlength: 3 })),
      field(tr('ets.f_alloc'), input('allocation_account', { type: 'number', min: 1, step: 1 }), tr('ets.f_alloc_hint')),
      field(tr('ets.f_auction'), input('auction_account', { type: 'number', min: 1, step: 1 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('ets.save'))));
    onSubmit(form, async (x) => {
      const r = await call('PUT', '/v1/ets/schemes/' + encodeURIComponent(x.code), compact({ name: x.name, jurisdiction: x.jurisdiction, registry: x.registry,
        first_year: Number(x.first_year), last_year: Number(x.last_year), deadline: x.deadline, penalty: Number(x.penalty), currency: x.currency,
        allocation_account: intOrNull(x.allocation_account), auction_account: intOrNull(x.auction_account) }));
      flash('ok', tr('ets.saved', { code: r.code, account: r.surrender_account }));
      await render();
    });
    parts.push(el('h2', {}, tr('ets.form')), form);
  }
  v.replaceChildren(...parts);
});
screens.schemes.nav = 'nav.schemes';

/* ---- one scheme: its compliance year and its entities ------------------------ */

screen('scheme', 'screen.scheme', ETS_ROLES, async (v, code, year) => {
  const s = (await get('/v1/ets/schemes')).items.find((x) => x.code === code);
  if (!s) return v.replaceChildren(note('error', tr('ets.no_scheme', { code })));
  $('#title').textContent = tr('act.id_title', { id: s.code, title: s.name });
  const y = Number(year) || Math.min(Math.max(new Date().getUTCFullYear() - 1, s.first_year), s.last_year);
  const [rep, ents] = await Promise.all([get('/v1/ets/schemes/' + encodeURIComponent(code) + '/report?year=' + y), get('/v1/ets/schemes/' + encodeURIComponent(code) + '/entities')]);
  /* Penalties are in minor units of the scheme's currency (ISO 4217 digits, as the browser knows them). */
  const cur = { minor_units: currencyDigits(rep.currency), currency: rep.currency };
  const pick = select('year', Array.from({ length: s.last_year - s.first_year + 1 }, (_, i) => String(s.first_year + i)), { onchange: (ev) => (location.hash = '#/scheme/' + code + '/' + ev.target.value) });
  pick.value = String(y);
  const parts = [el('dl', { class: 'facts' },
    el('dt', {}, tr('ets.jurisdiction')), el('dd', {}, tr('ets.juris_dd', { j: s.jurisdiction })),
    el('dt', {}, tr('f.registry')), el('dd', {}, tr('ets.reg_dd', { r: s.registry })),
    el('dt', {}, tr('ets.years')), el('dd', {}, tr('ets.years_dd', { from: s.first_year, to: s.last_year, d: s.deadline })),
    el('dt', {}, tr('ets.accounts')), el('dd', {}, tr('ets.accounts_dd', { s: s.surrender_account, a: s.allocation_account || tr('au.none'), u: s.auction_account || tr('au.none') }))),
  el('form', { class: 'filters', 'aria-label': tr('sur.year'), onsubmit: (ev) => ev.preventDefault() }, field(tr('sur.year'), pick)),
  el('h2', {}, tr('ets.compliance_y', { y })),
  rep.items.length ? table(tr('ets.report', { code: s.code, y }), [tr('aef.entity'), tr('ets.e_status'), tr('ev.obligation'), tr('ev.allocated'), tr('ets.allow_sur'), tr('ets.off_sur'), tr('ev.shortfall'), tr('ets.penalty_col'), tr('ets.compliance')],
    rep.items.map((r) => [link('#/emissions/' + encodeURIComponent(code) + '/' + encodeURIComponent(r.entity) + '/' + y, tr('act.id_title', { id: r.entity, title: r.name })), word('estatus', r.emissions_status), num(r.obligation), num(r.allocated),
      num(r.surrendered_allowances), num(r.surrendered_offsets), num(r.shortfall), money(r.penalty, cur), word('compliance', r.compliance)]), [2, 3, 4, 5, 6, 7]) : empty(tr('ets.no_entity')),
  el('p', {}, link('/v1/ets/schemes/' + encodeURIComponent(code) + '/report?year=' + y + '&format=csv', tr('ets.report_csv', { y }), { download: 'ets-' + code + '-' + y + '.csv' })),
  el('h2', {}, tr('ets.entities')),
  ents.items.length ? table(tr('ets.entities_of', { code: s.code }), [tr('aef.entity'), tr('col.name'), tr('col.organisation'), tr('f.account'), tr('ets.province'), tr('ets.city'), tr('reg.sector'), tr('ets.installations')],
    ents.items.map((e) => [link('#/emissions/' + encodeURIComponent(code) + '/' + encodeURIComponent(e.id) + '/' + y, e.id), e.name, String(e.org), String(e.account), e.province, e.city || '—', e.sector || '—',
      (e.installations || '').split('|').filter(Boolean).join(', ') || '—'])) : empty(tr('ets.no_entity_yet'))];
  if (regulates()) {
    const form = el('form', { class: 'grid', id: 'entity', 'aria-label': tr('ets.entity_form') },
      field(tr('ets.entity_id'), input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._-]+', spellcheck: 'false' }), tr('ets.entity_id_hint')),
      field(tr('col.name'), input('name', { required: true, maxlength: 200 })),
      field(tr('ets.org_id'), input('organisation', { type: 'number', min: 1, step: 1, required: true })),
      field(tr('ets.account_id'), input('account', { type: 'number', min: 1, step: 1, required: true }), tr('ets.account_id_hint', { r: s.registry })),
      field(tr('ets.province'), input('province', { required: true, maxlength: 32, placeholder: 'CN-GD' })),
      field(tr('ets.city_opt'), input('city', { maxlength: 64 })),
      field(tr('ets.sector_opt'), input('sector', { maxlength: 64 })),
      field(tr('ets.inst_opt'), input('installations'), tr('a6.entities_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('ets.save_entity'))));
    onSubmit(form, async (x) => {
      await call('PUT', '/v1/ets/schemes/' + encodeURIComponent(code) + '/entities/' + encodeURIComponent(x.id), compact({ name: x.name, organisation: Number(x.organisation),
        account: Number(x.account), province: x.province, city: x.city, sector: x.sector, installations: splitList(x.installations) }));
      flash('ok', tr('ets.entity_saved', { id: x.id, code }));
      await render();
    });
    const acc = el('form', { class: 'grid', id: 'verifier', 'aria-label': tr('ets.accredit_h') },
      field(tr('ets.org_id'), input('organisation', { type: 'number', min: 1, step: 1, required: true }), tr('ets.accredit_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('ets.accredit'))));
    onSubmit(acc, async (x) => {
      const r = await post('/v1/ets/schemes/' + encodeURIComponent(code) + '/verifiers', { organisation: Number(x.organisation) });
      return note('ok', tr('ets.accredited', { org: r.organisation, scheme: r.scheme }));
    });
    parts.push(el('h2', {}, tr('ets.entity_form')), form, el('h2', {}, tr('ets.accredit_h')), acc);
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
  $('#title').textContent = tr('em.title', { entity, code, y });
  const key = { scheme: code, entity, year: y };
  const parts = [el('dl', { class: 'facts', id: 'record' },
    el('dt', {}, tr('col.status')), el('dd', { id: 'status' }, word('estatus', r.status)),
    el('dt', {}, tr('ev.emissions')), el('dd', { id: 'verified' }, r.status === 'none' ? '—' : tr('t', { n: num(r.verified) })),
    el('dt', {}, tr('ev.allocated')), el('dd', { id: 'allocated' }, tr('t', { n: num(r.allocated) })),
    el('dt', {}, tr('em.surrendered')), el('dd', {}, tr(r.tx ? 'em.surrendered_tx' : 'em.surrendered_dd', { a: num(r.surrendered_allowances), o: num(r.surrendered_offsets), tx: r.tx })),
    el('dt', {}, tr('ets.compliance')), el('dd', {}, word('compliance', r.compliance))),
  el('p', {}, link('#/scheme/' + encodeURIComponent(code) + '/' + y, tr('em.scheme_link', { code, y })))];
  if (pend.length) parts.push(el('div', { class: 'status held', role: 'status', id: 'pending' }, pend.map((p) => el('p', {}, trx('em.pending', { id: p.id, what: proposalAbout(p),
    who: p.proposer, created: when(p.created), until: when(p.expires_at), approvals: link('#/approvals', tr('nav.approvals')) })))));
  const forms = [];
  if (verifies() && (r.status === 'none' || r.status === 'entered')) {
    const f = el('form', { class: 'grid', id: 'enter', 'aria-label': tr('em.enter_label') },
      field(tr('em.f_verified'), input('verified', { type: 'number', min: 0, step: 1, required: true, value: r.status === 'entered' ? r.verified : null }), r.status === 'entered' ? tr('em.again') : null),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('em.enter_do'))));
    onSubmit(f, async (x) => {
      const o = await call('PUT', '/v1/ets/emissions', { ...key, verified: Number(x.verified) });
      flash('ok', el('span', { id: 'done' }, tr('em.entered', { entity, y, n: num(o.verified) })));
      await render();
    });
    forms.push(el('h2', {}, tr('em.enter_h')), f);
  }
  if (regulates() && r.status === 'entered') {
    const f = el('form', { class: 'grid', id: 'confirm', 'aria-label': tr('em.confirm_label') },
      el('p', {}, tr('em.confirm_p', { n: num(r.verified), y })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('em.confirm_do'))));
    onSubmit(f, async () => {
      const o = await post('/v1/ets/emissions/confirm', key);
      if (isProposal(o)) return heldNode(o);
      flash('ok', el('span', { id: 'done' }, tr('em.confirmed', { entity, y, n: num(o.verified) })));
      await render();
    });
    forms.push(el('h2', {}, tr('em.confirm_h')), f);
  }
  if (regulates() && r.status === 'confirmed') {
    const f = el('form', { class: 'grid', id: 'correct', 'aria-label': tr('em.correct_label') },
      field(tr('em.f_corrected'), input('verified', { type: 'number', min: 0, step: 1, required: true })),
      field(tr('au.reason'), input('reason', { required: true, maxlength: 200 }), tr('em.reason_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('em.correct_do'))));
    onSubmit(f, async (x) => {
      const o = await post('/v1/ets/emissions/corrections', { ...key, verified: Number(x.verified), reason: x.reason });
      if (isProposal(o)) return heldNode(o);
      flash('ok', el('span', { id: 'done' }, tr('em.corrected', { entity, y, n: num(o.verified) })));
      await render();
    });
    forms.push(el('h2', {}, tr('em.correct_h')), f);
  }
  if (regulates()) {
    const fig = el('form', { class: 'grid', id: 'allocation', 'aria-label': tr('em.alloc_fig') },
      field(tr('em.f_allocated'), input('allocated', { type: 'number', min: 0, step: 1, required: true, value: r.allocated })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('em.set'))));
    onSubmit(fig, async (x) => {
      await call('PUT', '/v1/ets/allocations', { ...key, allocated: Number(x.allocated) });
      flash('ok', el('span', { id: 'done' }, tr('em.fig_set', { entity, y, n: num(Number(x.allocated)) })));
      await render();
    });
    const mv = el('form', { class: 'grid', id: 'allocate', 'aria-label': tr('em.allocate_label') },
      field(tr('col.quantity'), input('quantity', { type: 'number', min: 1, step: 1, required: true })),
      field(tr('em.method'), select('method', [['free', tr('em.free')], ['auction', tr('em.auction')]])),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('em.allocate'))));
    onSubmit(mv, async (x) => {
      const o = await post('/v1/ets/allocations', { ...key, quantity: Number(x.quantity), method: x.method });
      flash('ok', el('span', { id: 'done' }, tr(o && o.tx ? 'em.allocated_tx' : 'em.allocated', { entity, n: num(Number(x.quantity)), tx: o && o.tx })));
      await render();
    });
    forms.push(el('h2', {}, tr('em.alloc_h')), el('p', { class: 'muted' }, tr('em.alloc_p')), fig, mv);
  }
  parts.push(...forms, el('h2', {}, tr('em.history')), r.history.length ? table(tr('em.history_caption'), [tr('col.when'), tr('col.action'), tr('em.old'), tr('em.new'), tr('em.before'), tr('em.by'), tr('col.role'), tr('au.reason')],
    r.history.map((h) => [when(h.ts), word('eaction', h.action), num(h.old), num(h.new), word('estatus', h.status_before), h.organisation ? tr('em.actor_org', { actor: h.actor, org: h.organisation }) : h.actor, word('srole', h.role), h.reason || '—']), [2, 3]) :
    empty(tr('em.nothing')));
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
  return el('div', {}, el('h2', {}, tr('em.your_years', { code: s.code })),
    rows.length ? table(tr('em.years_caption', { id: e.id, code: s.code }), [tr('col.year'), tr('col.emissions'), tr('em.verified'), tr('ev.allocated'), tr('ets.allow_sur'), tr('ets.off_sur'), tr('ets.compliance')],
      rows.map((r) => [String(r.year), word('estatus', r.status), num(r.verified), num(r.allocated), num(r.surrendered_allowances), num(r.surrendered_offsets), word('compliance', r.compliance)]), [2, 3, 4, 5]) :
      empty(tr('em.no_years')));
}
