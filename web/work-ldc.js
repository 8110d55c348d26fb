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
  const f = el('form', { class: 'filters', id: 'poa-find', 'aria-label': 'Find a programme' },
    field('Programme code', input('code', { required: true, maxlength: 32, value: code || null, spellcheck: 'false' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Open')));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/poa/' + encodeURIComponent(new FormData(f).get('code').trim());
  });
  return f;
}

function poaRegisterForm(mechs, parties, regs) {
  const form = el('form', { class: 'grid', id: 'poa-register', 'aria-label': 'Register a programme of activities' },
    field('Code', input('code', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' })),
    field('Title', input('title', { required: true, maxlength: 200 })),
    field('Mechanism', select('mechanism', mechs.filter((m) => m.programmes).map((m) => [m.code, m.code + ' — ' + m.name]))),
    field('Coordinating entity (organisation id)', input('coordinator', { type: 'number', min: 1, step: 1, required: true })),
    field('Host Party', select('host', parties.map((p) => [p.code, p.code + ' — ' + p.name]))),
    field('Registry', select('registry', regs.map((r) => [r.id, r.id + ' — ' + r.name]))),
    field('Sectoral scope', input('scope', { required: true, maxlength: 16 })),
    field('Kind', select('kind', ['avoidance', 'removal', 'adaptation'])),
    field('Methodology', input('methodology', { required: true, maxlength: 200 })),
    field('Sector', input('sector', { required: true, maxlength: 200 })),
    field('Calculators', input('calculators', { required: true }), 'Separated by commas, e.g. grid-renewable, cookstoves.'),
    field('Regions', input('regions', { required: true }), 'Separated by commas.'),
    field('At most (t a year per component)', input('max_annual', { type: 'number', min: 1, step: 1, required: true })),
    field('Crediting from (optional)', input('crediting_from', { type: 'date' })),
    field('Crediting to (optional)', input('crediting_to', { type: 'date' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Register the programme')));
  onSubmit(form, async (x) => {
    const r = await post('/v1/poas', { code: x.code, mechanism: x.mechanism, title: x.title, coordinator: Number(x.coordinator), host: x.host, registry: x.registry,
      criteria: compact({ scope: x.scope, kind: x.kind, methodology: x.methodology, sector: x.sector, calculators: splitList(x.calculators), regions: splitList(x.regions),
        max_annual: Number(x.max_annual), crediting_from: x.crediting_from, crediting_to: x.crediting_to }) });
    flash('ok', el('span', { id: 'done' }, 'Programme ' + r.code + ' registered.'));
    location.hash = '#/poa/' + encodeURIComponent(r.code);
  });
  return form;
}

screen('poa', 'screen.poa', POA_ROLES, async (v, code) => {
  const parts = [el('p', {}, 'Micro and small activities bundled under one coordinating entity: the programme is registered once, and each component joins by a validator\'s inclusion check against the programme\'s criteria.'), poaLookup(code)];
  if (me.role === 'mechanism-admin') {
    const [mechs, parties, regs] = await Promise.all([get('/v1/mechanisms'), get('/v1/parties'), get('/v1/registries')]);
    parts.push(el('details', { class: 'data', open: !code }, el('summary', {}, 'Register a programme'), poaRegisterForm(mechs.items, parties.items, regs.items)));
  }
  if (!code) return v.replaceChildren(...parts);
  const p = await get('/v1/poas/' + encodeURIComponent(code));
  $('#title').textContent = p.code + ': ' + p.title;
  const c = p.criteria;
  parts.push(el('dl', { class: 'facts', id: 'poa-facts' },
    el('dt', {}, 'Mechanism, host, registry'), el('dd', {}, p.mechanism + ', ' + p.host + ', ' + p.registry),
    el('dt', {}, 'Coordinating entity'), el('dd', {}, 'organisation ' + p.coordinator),
    el('dt', {}, 'Each component'), el('dd', {}, 'scope ' + c.scope + ', ' + c.kind + ', ' + c.methodology + ' (' + c.sector + ')'),
    el('dt', {}, 'Criteria'), el('dd', {}, 'regions ' + c.regions.join(', ') + '; calculators ' + c.calculators.join(', ') + '; at most ' + num(c.max_annual) + ' t a year' +
      (c.crediting_from ? '; crediting from ' + c.crediting_from : '') + (c.crediting_to ? '; to ' + c.crediting_to : '')),
    el('dt', {}, 'Registered'), el('dd', {}, when(p.registered) + ' by ' + p.registered_by)));
  const checks = (inc) => (inc ? el('span', {}, inc.decision + ' by ' + inc.validator + (inc.reasons ? ' (' + inc.reasons + ')' : ''),
    el('ul', {}, (inc.checks || []).map((k) => el('li', {}, (k.ok ? 'met: ' : 'NOT met: ') + k.criterion + ' — ' + k.detail)))) : '—');
  parts.push(el('h2', {}, 'Components'), p.components.length ? table('Components of ' + p.code, ['Component', 'Title', 'Region', 'Calculator', 'Expected (t a year)', 'Crediting', 'State', 'Inclusion'],
    p.components.map((x) => [x.state === 'included' ? link('#/activity/' + encodeURIComponent(x.id), x.id) : x.id, x.title, x.region, x.calculator, num(x.expected_annual),
      x.crediting_start + ' – ' + x.crediting_end, x.state, checks(x.inclusion)]), [4]) : empty('No component yet.'));
  if (me.role === 'holder' && me.organisation === p.coordinator) {
    const form = el('form', { class: 'grid', id: 'component', 'aria-label': 'Propose a component' },
      field('Component id', input('id', { required: true, maxlength: 32, pattern: '[A-Za-z0-9._]+', spellcheck: 'false' }), 'It becomes the activity\'s project id once included.'),
      field('Title', input('title', { required: true, maxlength: 200 })),
      field('Region', select('region', c.regions)),
      field('Calculator', select('calculator', c.calculators)),
      field('Expected (t a year)', input('expected_annual', { type: 'number', min: 1, step: 1, required: true })),
      field('Crediting start', input('crediting_start', { type: 'date', required: true })),
      field('Crediting end', input('crediting_end', { type: 'date', required: true })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Propose the component')));
    /* The criteria's lists are offered, not enforced: another region may be typed and the validator's check refuses it. */
    form.querySelector('select[name=region]').append(el('option', { value: '' }, 'another region (type it below)'));
    form.insertBefore(field('Other region (optional)', input('other_region', { maxlength: 64 })), form.querySelector('.actions'));
    onSubmit(form, async (x) => {
      const r = await post('/v1/poas/' + encodeURIComponent(p.code) + '/components', { id: x.id, title: x.title, region: x.other_region || x.region, calculator: x.calculator,
        expected_annual: Number(x.expected_annual), crediting_start: x.crediting_start, crediting_end: x.crediting_end });
      flash('ok', el('span', { id: 'done' }, 'Component ' + r.id + ' proposed: it waits for a validator\'s inclusion check.'));
      await render();
    });
    parts.push(el('h2', {}, 'Propose a component'), form);
  }
  const proposed = p.components.filter((x) => x.state === 'proposed');
  if (me.role === 'validator' && proposed.length) {
    const form = el('form', { class: 'grid', id: 'inclusion', 'aria-label': 'Inclusion check' },
      field('Component', select('component', proposed.map((x) => [x.id, x.id + ' — ' + x.title + ' (' + x.region + ')']))),
      el('fieldset', { class: 'decision' }, el('legend', {}, 'Decision'),
        el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'accept', checked: true }), ' include'),
        el('label', {}, el('input', { type: 'radio', name: 'decision', value: 'reject' }), ' exclude')),
      field('Reasons (needed to exclude)', input('reasons', { maxlength: 200 })),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'Record the inclusion check')));
    onSubmit(form, async (x) => {
      const r = await post('/v1/poas/' + encodeURIComponent(p.code) + '/components/' + encodeURIComponent(x.component) + '/inclusion', compact({ decision: x.decision, reasons: x.reasons }));
      flash('ok', el('span', { id: 'done' }, 'Component ' + r.id + ' ' + r.state + (r.state === 'included' ? ': it is a registered activity of the coordinating entity.' : '.')));
      await render();
    });
    parts.push(el('h2', {}, 'Inclusion check'), el('p', { class: 'muted' }, 'The registry checks every criterion of the programme; a component that fails one is refused with the criterion named.'), form);
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
  const parts = [el('h2', {}, 'Public comments'),
    list.items.length ? table('Public comments on ' + a.id, ['Comment', 'Step', 'Author', 'Submitted', 'Text', 'Responses'],
      list.items.map((c) => [String(c.id), c.step + (c.period ? ' (period ' + c.period + ')' : ''), c.author, when(c.submitted), c.hidden ? 'hidden: ' + (c.hidden_reason || '') : c.text,
        (c.responses || []).length ? el('ul', {}, c.responses.map((r) => el('li', {}, r.by + ' (' + r.role + '): ' + r.text))) : '—'])) : empty('No comment yet.')];
  if (steps.length) {
    const form = el('form', { class: 'grid', id: 'comment', 'aria-label': 'Comment' },
      el('h3', {}, 'Comment on a step'),
      field('Step', select('step', steps), 'Comments are open for the days the mechanism sets after the step.'),
      field('Your name', input('author', { required: true, maxlength: 200, value: me.user.name })),
      field('Comment', el('textarea', { name: 'text', id: 'f-text', required: true, maxlength: 4000, rows: 3, class: 'short' })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Send the comment')));
    onSubmit(form, async (x) => {
      const c = await post('/v1/activities/' + encodeURIComponent(a.id) + '/comments', { step: x.step, author: x.author, text: x.text });
      flash('ok', el('span', { id: 'done' }, 'Comment ' + c.id + ' recorded (the window closes ' + c.window_closes + ').'));
      await render();
    });
    parts.push(form);
  }
  const responds = (me.role === 'holder' && me.organisation === a.organisation) || me.role === 'mechanism-admin';
  if (responds && list.items.length) {
    const form = el('form', { class: 'grid', id: 'respond', 'aria-label': 'Respond to a comment' },
      el('h3', {}, 'Respond to a comment'),
      field('Comment', select('comment_id', list.items.map((c) => [c.id, c.id + ' — ' + c.author]))),
      field('Response', el('textarea', { name: 'text', id: 'f-response', required: true, maxlength: 4000, rows: 3, class: 'short' })),
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Respond')));
    onSubmit(form, async (x) => {
      await post('/v1/comments/' + Number(x.comment_id) + '/responses', { text: x.text });
      flash('ok', el('span', { id: 'done' }, 'Response to comment ' + x.comment_id + ' recorded.'));
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
    $('#title').textContent = 'Grievance ' + g.id;
    parts.push(el('dl', { class: 'facts', id: 'case' },
      el('dt', {}, 'State'), el('dd', { id: 'case-state' }, g.state),
      el('dt', {}, 'Mechanism, activity'), el('dd', {}, g.mechanism + (g.activity ? ', ' + g.activity : '')),
      el('dt', {}, 'Complainant'), el('dd', {}, g.complainant + (g.contact ? ' (' + g.contact + ')' : '')),
      el('dt', {}, 'Subject'), el('dd', {}, g.subject),
      el('dt', {}, 'Text'), el('dd', {}, g.text),
      el('dt', {}, 'Decision'), el('dd', {}, g.decision ? g.decision.outcome + ': ' + g.decision.reasons : 'none yet')),
    table('History of grievance ' + g.id, ['When', 'Action', 'By', 'State'], g.history.map((h) => [when(h.at), h.action, h.by, h.state || '—'])),
    el('p', {}, link('#/grievance', 'File another grievance')));
    return v.replaceChildren(...parts);
  }
  const mechs = (await get('/v1/mechanisms')).items.filter((m) => m.recourse);
  const acts = await all('/v1/activities');
  const form = el('form', { class: 'grid', id: 'grievance', 'aria-label': 'File a grievance' },
    field('Mechanism', select('mechanism', mechs.map((m) => [m.code, m.code + ' — ' + m.name]))),
    field('Activity (optional)', select('activity', [['', 'none: about the mechanism'], ...acts.map((a) => [a.id, a.id + ' — ' + a.title])])),
    field('Your name', input('complainant', { required: true, maxlength: 200, value: me.user.name })),
    field('Contact (optional)', input('contact', { maxlength: 200, value: me.user.email }), 'Shown to the mechanism administrators only.'),
    field('Subject', input('subject', { required: true, maxlength: 200 })),
    field('Grievance', el('textarea', { name: 'text', id: 'f-text', required: true, maxlength: 4000, rows: 4, class: 'short' })),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, 'File the grievance')));
  onSubmit(form, async (x) => {
    const g = await post('/v1/grievances', compact({ mechanism: x.mechanism, activity: x.activity, complainant: x.complainant, contact: x.contact, subject: x.subject, text: x.text }));
    flash('ok', el('span', { id: 'done' }, 'Grievance ' + g.id + ' received; the mechanism\'s administrators review and decide it. ', link('#/grievance/' + g.id, 'Follow grievance ' + g.id, { id: 'case-link' })));
    return null;
  });
  const find = el('form', { class: 'filters', id: 'grievance-find', 'aria-label': 'Follow a grievance' },
    field('Grievance number', input('id', { type: 'number', min: 1, step: 1, required: true })),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Open')));
  find.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = '#/grievance/' + Number(new FormData(find).get('id'));
  });
  v.replaceChildren(el('p', {}, 'Anyone affected by an activity or by the mechanism may file a grievance; each case goes received → under review → decided, every move recorded.'),
    mechs.length ? form : empty('No mechanism takes grievances.'), el('h2', {}, 'Follow a grievance'), find);
});
screens.grievance.nav = 'nav.grievance';

/* ---- fees statement --------------------------------------------------------- */

screen('fees', 'screen.fees', ['holder', 'validator', 'authority', 'mechanism-admin', 'admin', 'auditor', 'reviewer'], async (v, party) => {
  const p = await partyPicker('fees', party);
  const f = await get('/v1/fees/' + p.code);
  const m = (n, cur) => money(n, { minor_units: currencyDigits(cur), currency: cur });
  const RELIEF = { waived: 'waived (least developed country)', deferred: 'deferred to the first issuance (small island developing State)' };
  const totals = Object.entries(f.totals);
  v.replaceChildren(p.form,
    el('p', {}, 'The fees billed in the cycles of the activities ' + p.name + ' hosts, with the relief its group of countries gets under the mechanism\'s file.'),
    totals.length ? table('Totals of ' + p.code, ['Currency', 'Due', 'Waived', 'Deferred', 'Deferred, still outstanding'],
      totals.map(([cur, t]) => [cur, m(t.due, cur), m(t.waived, cur), m(t.deferred, cur), m(t.deferred_outstanding, cur)]), [1, 2, 3, 4]) : null,
    f.invoices.length ? table('Invoices of ' + p.code + ', oldest first per activity', ['Activity', 'Step', 'Period', 'Fee', 'Amount', 'Relief', 'Due', 'Billed'],
      f.invoices.map((i) => [i.project, i.step, i.period ? String(i.period) : '—', i.fee + (i.units ? ' (' + num(i.units) + ' units)' : ''), m(i.amount, i.currency),
        i.relief ? (RELIEF[i.relief] || i.relief) + (i.group ? ', ' + i.group : '') : 'none', m(i.due, i.currency), when(i.ts)]), [4, 6]) :
      empty(p.name + ' hosts no activity that was billed a fee.'));
});
screens.fees.nav = 'nav.fees';
