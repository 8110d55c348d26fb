/*
 * work-ldc.js -- the least developed countries' features of the working app
 * (web/work.html loads it after work.js, work-a6.js and work-ets.js and
 * shares their helpers): programmes of activities and their components,
 * public comments on an activity's steps (on the activity screen),
 * grievances, and the fees statement of a host Party. A thin client of
 * docs/API.md, "Programmes of activities", "Public comment, grievances and
 * appeals" and "GET /v1/fees/{party}": the server checks every criterion,
 * window and role.
 */
'use strict';

/* ---- programmes of activities -------------------------------------------- */

const POA_ROLES = ['holder', 'validator', 'mechanism-admin', 'authority', 'admin', 'auditor'];

function poaLookup(code) {
  const f = el('form', { class: 'filters', id: 'poa-find', 'aria-label': tr('poa.find') },
    field(tr('poa.code'), input('code', { required: true, maxlength: 32, value: code || null, spellcheck: 'false' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('open'))));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/poa/' + encodeURIComponent(new FormData(f).get('code').trim());
  });
  return f;
}

function poaRegisterForm(mechs, parties, regs) {
  const form = el('form', { class: 'grid', id: 'poa-register', 'aria-label': tr('poa.register_label') },
    field(tr('ets.code'), input('code', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' })),
    field(tr('reg.title'), input('title', { required: true, maxlength: 200 })),
    field(tr('col.mechanism'), select('mechanism', mechs.filter((m) => m.programmes).map((m) => [m.code, m.code + ' — ' + m.name]))),
    field(tr('poa.coordinator_id'), input('coordinator', { type: 'number', min: 1, step: 1, required: true })),
    field(tr('f.host'), select('host', parties.map((p) => [p.code, p.code + ' — ' + p.name]))),
    field(tr('f.registry'), select('registry', regs.map((r) => [r.id, r.id + ' — ' + r.name]))),
    field(tr('reg.scope'), input('scope', { required: true, maxlength: 16 })),
    field(tr('col.kind'), select('kind', ['avoidance', 'removal', 'adaptation'].map((k) => [k, word('akind', k)]))),
    field(tr('reg.methodology'), input('methodology', { required: true, maxlength: 200 })),
    field(tr('reg.sector'), input('sector', { required: true, maxlength: 200 })),
    field(tr('poa.calculators'), input('calculators', { required: true }), tr('poa.calculators_hint')),
    field(tr('poa.regions'), input('regions', { required: true }), tr('poa.regions_hint')),
    field(tr('poa.max'), input('max_annual', { type: 'number', min: 1, step: 1, required: true })),
    field(tr('poa.cred_from'), input('crediting_from', { type: 'date' })),
    field(tr('poa.cred_to'), input('crediting_to', { type: 'date' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('poa.register_do'))));
  onSubmit(form, async (x) => {
    const r = await post('/v1/poas', { code: x.code, mechanism: x.mechanism, title: x.title, coordinator: Number(x.coordinator), host: x.host, registry: x.registry,
      criteria: compact({ scope: x.scope, kind: x.kind, methodology: x.methodology, sector: x.sector, calculators: splitList(x.calculators), regions: splitList(x.regions),
        max_annual: Number(x.max_annual), crediting_from: x.crediting_from, crediting_to: x.crediting_to }) });
    flash('ok', el('span', { id: 'done' }, tr('poa.registered', { code: r.code })));
    location.hash = '#/poa/' + encodeURIComponent(r.code);
  });
  return form;
}

screen('poa', 'screen.poa', POA_ROLES, async (v, code) => {
  const parts = [el('p', {}, tr('poa.intro')), poaLookup(code)];
  if (me.role === 'mechanism-admin') {
    const [mechs, parties, regs] = await Promise.all([get('/v1/mechanisms'), get('/v1/parties'), get('/v1/registries')]);
    parts.push(el('details', { class: 'data', open: !code }, el('summary', {}, tr('poa.register_h')), poaRegisterForm(mechs.items, parties.items, regs.items)));
  }
  if (!code) return v.replaceChildren(...parts);
  const p = await get('/v1/poas/' + encodeURIComponent(code));
  $('#title').textContent = tr('act.id_title', { id: p.code, title: p.title });
  const c = p.criteria;
  parts.push(el('dl', { class: 'facts', id: 'poa-facts' },
    el('dt', {}, tr('poa.mhr')), el('dd', {}, p.mechanism + ', ' + p.host + ', ' + p.registry),
    el('dt', {}, tr('poa.coordinator')), el('dd', {}, tr('act.org', { org: p.coordinator })),
    el('dt', {}, tr('poa.each')), el('dd', {}, tr('poa.each_dd', { scope: c.scope, kind: word('akind', c.kind), methodology: c.methodology, sector: c.sector })),
    el('dt', {}, tr('poa.criteria')), el('dd', {}, tr('poa.criteria_dd', { regions: c.regions.join(', '), calculators: c.calculators.join(', '), n: num(c.max_annual) }) +
      (c.crediting_from ? tr('poa.cfrom', { d: when(c.crediting_from) }) : '') + (c.crediting_to ? tr('poa.cto', { d: when(c.crediting_to) }) : '')),
    el('dt', {}, tr('poa.registered_dt')), el('dd', {}, tr('poa.registered_dd', { when: when(p.registered), by: p.registered_by }))));
  const checks = (inc) => (inc ? el('span', {}, tr(inc.reasons ? 'poa.inc_reasons' : 'poa.inc', { decision: word('incl', inc.decision), who: inc.validator, reasons: inc.reasons }),
    el('ul', {}, (inc.checks || []).map((k) => el('li', {}, tr(k.ok ? 'poa.met' : 'poa.not_met', { criterion: k.criterion, detail: k.detail }))))) : '—');
  parts.push(el('h2', {}, tr('poa.components')), p.components.length ? table(tr('poa.components_of', { code: p.code }), [tr('poa.component'), tr('reg.title'), tr('poa.region'), tr('stp.calculator'), tr('poa.expected'), tr('poa.crediting'), tr('col.state'), tr('poa.inclusion')],
    p.components.map((x) => [x.state === 'included' ? link('#/activity/' + encodeURIComponent(x.id), x.id) : x.id, x.title, x.region, x.calculator, num(x.expected_annual),
      when(x.crediting_start) + ' – ' + when(x.crediting_end), word('cstate', x.state), checks(x.inclusion)]), [4]) : empty(tr('poa.no_component')));
  if (me.role === 'holder' && me.organisation === p.coordinator) {
    const form = el('form', { class: 'grid', id: 'component', 'aria-label': tr('poa.propose_h') },
      field(tr('poa.component_id'), input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' }), tr('poa.component_id_hint')),
      field(tr('reg.title'), input('title', { required: true, maxlength: 200 })),
      field(tr('poa.region'), select('region', c.regions)),
      field(tr('stp.calculator'), select('calculator', c.calculators)),
      field(tr('poa.expected'), input('expected_annual', { type: 'number', min: 1, step: 1, required: true })),
      field(tr('reg.start'), input('crediting_start', { type: 'date', required: true })),
      field(tr('reg.end'), input('crediting_end', { type: 'date', required: true })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('poa.propose_do'))));
    /* The criteria's lists are offered, not enforced: another region may be typed and the validator's check refuses it. */
    form.querySelector('select[name=region]').append(el('option', { value: '' }, tr('poa.another_region')));
    form.insertBefore(field(tr('poa.other_region'), input('other_region', { maxlength: 64 })), form.querySelector('.actions'));
    onSubmit(form, async (x) => {
      const r = await post('/v1/poas/' + encodeURIComponent(p.code) + '/components', { id: x.id, title: x.title, region: x.other_region || x.region, calculator: x.calculator,
        expected_annual: Number(x.expected_annual), crediting_start: x.crediting_start, crediting_end: x.crediting_end });
      flash('ok', el('span', { id: 'done' }, tr('poa.proposed', { id: r.id })));
      await render();
    });
    parts.push(el('h2', {}, tr('poa.propose_h')), form);
  }
  const proposed = p.components.filter((x) => x.state === 'proposed');
  if (me.role === 'validator' && proposed.length) {
    const form = el('form', { class: 'grid', id: 'inclusion', 'aria-label': tr('poa.inclusion_h') },
      field(tr('poa.component'), select('component', proposed.map((x) => [x.id, x.id + ' — ' + x.title + ' (' + x.region + ')']))),
      el('fieldset', { class: 'decision' }, el('legend', {}, tr('stp.decision')),
        el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'accept', checked: true }), ' ' + tr('poa.include')),
        el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'reject' }), ' ' + tr('poa.exclude'))),
      field(tr('poa.reasons'), input('reasons', { maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('poa.inclusion_do'))));
    onSubmit(form, async (x) => {
      const r = await post('/v1/poas/' + encodeURIComponent(p.code) + '/components/' + encodeURIComponent(x.component) + '/inclusion', compact({ decision: x.decision, reasons: x.reasons }));
      flash('ok', el('span', { id: 'done' }, tr(r.state === 'included' ? 'poa.included' : 'poa.decided', { id: r.id, state: word('cstate', r.state) })));
      await render();
    });
    parts.push(el('h2', {}, tr('poa.inclusion_h')), el('p', { class: 'muted' }, tr('poa.inclusion_p')), form);
  }
  v.replaceChildren(...parts);
});
screens.poa.nav = 'nav.poa';

/* ---- public comments (the activity screen) --------------------------------- */

/* The comments of an activity's steps, a form to comment on a step whose
 * mechanism opens a comment window, and (participant, mechanism
 * administrator) a form to respond. */
async function activityVoice(a, m) {
  const list = await get('/v1/activities/' + encodeURIComponent(a.id) + '/comments');
  const steps = Object.entries(m.steps || {}).filter(([, s]) => s && s.comment_days).map(([k]) => k);
  const parts = [el('h2', {}, tr('cm.h')),
    list.items.length ? table(tr('cm.on', { id: a.id }), [tr('cm.comment'), tr('col.step'), tr('cm.author'), tr('cm.submitted'), tr('cm.text'), tr('cm.responses')],
      list.items.map((c) => [String(c.id), c.period ? tr('cm.step_period', { step: word('step', c.step), period: c.period }) : word('step', c.step), c.author, when(c.submitted), c.hidden ? tr('cm.hidden', { reason: c.hidden_reason || '' }) : c.text,
        (c.responses || []).length ? el('ul', {}, c.responses.map((r) => el('li', {}, tr('cm.response', { by: r.by, role: word('srole', r.role), text: r.text })))) : '—'])) : empty(tr('cm.none'))];
  if (steps.length) {
    const form = el('form', { class: 'grid', id: 'comment', 'aria-label': tr('cm.comment') },
      el('h3', {}, tr('cm.on_step')),
      field(tr('col.step'), select('step', steps.map((s) => [s, word('step', s)])), tr('cm.step_hint')),
      field(tr('cm.your_name'), input('author', { required: true, maxlength: 200, value: me.user.name })),
      field(tr('cm.comment'), el('textarea', { name: 'text', id: 'f-text', required: true, maxlength: 4000, rows: 3, class: 'short' })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('cm.send'))));
    onSubmit(form, async (x) => {
      const c = await post('/v1/activities/' + encodeURIComponent(a.id) + '/comments', { step: x.step, author: x.author, text: x.text });
      flash('ok', el('span', { id: 'done' }, tr('cm.recorded', { id: c.id, when: when(c.window_closes) })));
      await render();
    });
    parts.push(form);
  }
  const responds = (me.role === 'holder' && me.organisation === a.organisation) || me.role === 'mechanism-admin';
  if (responds && list.items.length) {
    const form = el('form', { class: 'grid', id: 'respond', 'aria-label': tr('cm.respond_h') },
      el('h3', {}, tr('cm.respond_h')),
      field(tr('cm.comment'), select('comment_id', list.items.map((c) => [c.id, c.id + ' — ' + c.author]))),
      field(tr('cm.response_f'), el('textarea', { name: 'text', id: 'f-response', required: true, maxlength: 4000, rows: 3, class: 'short' })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('cm.respond'))));
    onSubmit(form, async (x) => {
      await post('/v1/comments/' + Number(x.comment_id) + '/responses', { text: x.text });
      flash('ok', el('span', { id: 'done' }, tr('cm.responded', { id: x.comment_id })));
      await render();
    });
    parts.push(form);
  }
  return parts;
}

/* ---- grievances ------------------------------------------------------------ */

screen('grievance', 'screen.grievance', CYCLE_ROLES, async (v, id) => {
  const parts = [];
  if (id) {
    const g = await get('/v1/grievances/' + encodeURIComponent(id));
    $('#title').textContent = tr('gr.title', { id: g.id });
    parts.push(el('dl', { class: 'facts', id: 'case' },
      el('dt', {}, tr('col.state')), el('dd', { id: 'case-state' }, word('gstate', g.state)),
      el('dt', {}, tr('gr.mech_act')), el('dd', {}, g.mechanism + (g.activity ? ', ' + g.activity : '')),
      el('dt', {}, tr('gr.complainant')), el('dd', {}, g.complainant + (g.contact ? ' (' + g.contact + ')' : '')),
      el('dt', {}, tr('gr.subject')), el('dd', {}, g.subject),
      el('dt', {}, tr('cm.text')), el('dd', {}, g.text),
      el('dt', {}, tr('stp.decision')), el('dd', {}, g.decision ? tr('gr.decision', { outcome: word('goutcome', g.decision.outcome), reasons: g.decision.reasons }) : tr('gr.none_yet'))),
    table(tr('gr.history', { id: g.id }), [tr('col.when'), tr('col.action'), tr('em.by'), tr('col.state')], g.history.map((h) => [when(h.at), word('gaction', h.action), h.by, h.state ? word('gstate', h.state) : '—'])),
    el('p', {}, link('#/grievance', tr('gr.another'))));
    return v.replaceChildren(...parts);
  }
  const mechs = (await get('/v1/mechanisms')).items.filter((m) => m.recourse);
  const acts = await all('/v1/activities');
  const form = el('form', { class: 'grid', id: 'grievance', 'aria-label': tr('gr.file_label') },
    field(tr('col.mechanism'), select('mechanism', mechs.map((m) => [m.code, m.code + ' — ' + m.name]))),
    field(tr('gr.activity'), select('activity', [['', tr('gr.no_activity')], ...acts.map((a) => [a.id, a.id + ' — ' + a.title])])),
    field(tr('cm.your_name'), input('complainant', { required: true, maxlength: 200, value: me.user.name })),
    field(tr('gr.contact'), input('contact', { maxlength: 200, value: me.user.email }), tr('gr.contact_hint')),
    field(tr('gr.subject'), input('subject', { required: true, maxlength: 200 })),
    field(tr('gr.grievance'), el('textarea', { name: 'text', id: 'f-text', required: true, maxlength: 4000, rows: 4, class: 'short' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('gr.file_do'))));
  onSubmit(form, async (x) => {
    const g = await post('/v1/grievances', compact({ mechanism: x.mechanism, activity: x.activity, complainant: x.complainant, contact: x.contact, subject: x.subject, text: x.text }));
    flash('ok', el('span', { id: 'done' }, tr('gr.received', { id: g.id }) + ' ', link('#/grievance/' + g.id, tr('gr.follow_n', { id: g.id }), { id: 'case-link' })));
    return null;
  });
  const find = el('form', { class: 'filters', id: 'grievance-find', 'aria-label': tr('gr.follow') },
    field(tr('gr.number'), input('id', { type: 'number', min: 1, step: 1, required: true })),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, tr('open'))));
  find.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/grievance/' + Number(new FormData(find).get('id'));
  });
  v.replaceChildren(el('p', {}, tr('gr.intro')),
    mechs.length ? form : empty(tr('gr.no_mech')), el('h2', {}, tr('gr.follow')), find);
});
screens.grievance.nav = 'nav.grievance';

/* ---- fees statement --------------------------------------------------------- */

screen('fees', 'screen.fees', ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor', 'reviewer'], async (v, party) => {
  const p = await partyPicker('fees', party);
  const f = await get('/v1/fees/' + p.code);
  const m = (n, cur) => money(n, { minor_units: currencyDigits(cur), currency: cur });
  const totals = Object.entries(f.totals);
  v.replaceChildren(p.form,
    el('p', {}, tr('fee.intro', { name: p.name })),
    totals.length ? table(tr('fee.totals', { code: p.code }), [tr('col.currency'), tr('fee.due'), tr('fee.waived'), tr('fee.deferred'), tr('fee.outstanding')],
      totals.map(([cur, t]) => [cur, m(t.due, cur), m(t.waived, cur), m(t.deferred, cur), m(t.deferred_outstanding, cur)]), [1, 2, 3, 4]) : null,
    f.invoices.length ? table(tr('fee.invoices', { code: p.code }), [tr('col.activity'), tr('col.step'), tr('col.period'), tr('fee.fee'), tr('fee.amount'), tr('fee.relief'), tr('fee.due'), tr('fee.billed')],
      f.invoices.map((i) => [i.project, word('step', i.step), i.period ? String(i.period) : '—', i.units ? tr('fee.units', { fee: i.fee, n: num(i.units) }) : i.fee, m(i.amount, i.currency),
        i.relief ? word('relief', i.relief) + (i.group ? ', ' + i.group : '') : tr('au.none'), m(i.due, i.currency), when(i.ts)]), [4, 6]) :
      empty(tr('fee.none', { name: p.name })));
});
screens.fees.nav = 'nav.fees';
