/*
 * work-ex.js -- the exchange's block quotes and sealed-bid auctions in the
 * working app (web/work.html loads it after work.js and shares its helpers).
 * A thin client of docs/API.md, "Block agreement transfer" and "Sealed-bid
 * auctions": a holder sends a quote to one counterparty organisation on an
 * instrument of mode block and accepts a quote sent to it (by its number:
 * the API lists a quote to its owner only); the administrator runs the
 * auction of an instrument of mode primary or one-way over its open bids
 * (bids are gtc limit buys placed on the Exchange screen). The server checks
 * every rule (status, session, tick, lot, price limit, cash, holdings).
 */
'use strict';

const QUOTE_ROLES = ['holder'];

screen('quotes', 'screen.quotes', QUOTE_ROLES, async (v) => {
  const [inst, orders, accounts] = await Promise.all([get('/v1/exchange/instruments'), all('/v1/exchange/orders'), myAccounts()]);
  const byCode = Object.fromEntries(inst.items.map((i) => [i.code, i]));
  const blocks = inst.items.filter((i) => i.mode === 'block' && i.status === 'open');
  const open = accounts.filter((a) => a.status === 'open').map((a) => [a.id, tr('src.account_opt', { id: a.id, name: a.name, registry: a.registry })]);
  const quotes = orders.filter((o) => o.tif === 'quote' || o.tif === 'accept');
  const form = el('form', { class: 'grid', id: 'quote', 'aria-label': tr('q.send_h') },
    field(tr('col.instrument'), select('instrument', blocks.map((i) => [i.code, i.code + ' — ' + i.name + ' (' + i.currency + ')']), { required: true })),
    field(tr('f.account'), select('account', open)),
    field(tr('col.side'), select('side', [['sell', word('side', 'sell')], ['buy', word('side', 'buy')]])),
    field(tr('ord.price'), input('price', { type: 'number', min: 1, step: 1, required: true }), tr('ord.price_hint', { eg: dec(12.5, 2) })),
    field(tr('col.quantity'), input('qty', { type: 'number', min: 1, step: 1, required: true }), tr('ord.qty_hint')),
    field(tr('q.counterparty'), input('counterparty', { type: 'number', min: 1, step: 1, required: true }), tr('q.counterparty_hint')),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('q.send'))));
  onSubmit(form, async (x) => {
    const q = await post('/v1/exchange/quotes', { instrument: x.instrument, account: Number(x.account), side: x.side, price: Number(x.price), qty: Number(x.qty),
      counterparty: Number(x.counterparty) }, { 'Idempotency-Key': idemKey() });
    flash('ok', el('span', { id: 'quoted' }, tr('q.sent', { id: q.id, side: word('side', q.side), n: num(q.qty), price: money(q.price, byCode[q.instrument]), org: q.counterparty })));
    await render();
  });
  const acc = el('form', { class: 'grid', id: 'accept', 'aria-label': tr('q.accept_h') },
    field(tr('q.number'), input('quote', { type: 'number', min: 1, step: 1, required: true }), tr('q.number_hint')),
    field(tr('q.into'), select('account', open)),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('q.accept'))));
  onSubmit(acc, async (x) => {
    const o = await post('/v1/exchange/quotes/' + Number(x.quote) + '/accept', { account: Number(x.account) }, { 'Idempotency-Key': idemKey() });
    const t = (o.trades || [])[0];
    flash('ok', el('span', { id: 'accepted' }, tr('q.accepted', { id: x.quote, status: word('ostatus', o.status), n: num(o.qty - o.remaining),
      price: t ? money(t.price, byCode[o.instrument]) : '—' })));
    await render();
  });
  const cancel = (o) => el('button', { type: 'button', 'aria-label': tr('q.cancel_label', { id: o.id }), onclick: async (ev) => {
    ev.target.disabled = true;
    try {
      const r = await post('/v1/exchange/orders/' + o.id + '/cancel', {});
      flash('ok', tr('q.cancelled', { id: r.id, status: word('ostatus', r.status) }));
      await render();
    } catch (e) {
      flash('error', e);
      ev.target.disabled = false;
    }
  } }, tr('appr.cancel'));
  v.replaceChildren(el('p', {}, tr('q.intro')),
    el('h2', {}, tr('q.send_h')), blocks.length ? form : empty(tr('q.no_block')),
    el('h2', {}, tr('q.accept_h')), acc,
    el('h2', {}, tr('q.yours')),
    quotes.length ? table(tr('q.yours'), [tr('q.number'), tr('col.instrument'), tr('col.side'), tr('col.price'), tr('col.quantity'), tr('col.kind'), tr('col.status'), tr('col.placed'), tr('col.action')],
      quotes.slice().reverse().map((o) => [String(o.id), o.instrument, word('side', o.side), money(o.price, byCode[o.instrument]), num(o.qty),
        tr(o.tif === 'accept' ? 'q.acceptance' : 'q.quote'), word('ostatus', o.status), when(o.ts),
        o.tif === 'quote' && o.status === 'open' ? cancel(o) : '']), [3, 4]) : empty(tr('q.none')));
});
screens.quotes.nav = 'nav.quotes';

screen('auctions', 'screen.auctions', ['admin', 'auditor'], async (v) => {
  const inst = await get('/v1/exchange/instruments');
  const auctioned = inst.items.filter((i) => i.mode === 'primary' || i.mode === 'one-way');
  const byCode = Object.fromEntries(inst.items.map((i) => [i.code, i]));
  const parts = [el('p', {}, tr('auc.intro')),
    auctioned.length ? table(tr('auc.instruments'), [tr('col.instrument'), tr('col.name'), tr('f.registry'), tr('auc.mode'), tr('col.tick'), tr('col.lot'), tr('col.status')],
      auctioned.map((i) => [i.code, i.name, i.registry, word('mode', i.mode), money(i.tick, i), num(i.lot), word('istatus', i.status)]), [4, 5]) : empty(tr('auc.none'))];
  if (me.role === 'admin' && auctioned.length) {
    const form = el('form', { class: 'grid', id: 'auction', 'aria-label': tr('auc.run_h') },
      field(tr('col.instrument'), select('instrument', auctioned.map((i) => [i.code, i.code + ' — ' + i.name + ' (' + word('mode', i.mode) + ')']), { required: true })),
      field(tr('auc.supply'), input('supply', { type: 'number', min: 1, step: 1, required: true }), tr('auc.supply_hint')),
      field(tr('auc.reserve'), input('reserve', { type: 'number', min: 0, step: 1, required: true }), tr('auc.reserve_hint')),
      field(tr('auc.from'), input('from_account', { type: 'number', min: 1, step: 1, required: true }), tr('auc.from_hint')),
      field(tr('auc.proceeds'), input('proceeds_org', { type: 'number', min: 0, step: 1, required: true, value: 0 }), tr('auc.proceeds_hint')),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary' }, tr('auc.run'))));
    onSubmit(form, async (x) => {
      const r = await post('/v1/exchange/instruments/' + encodeURIComponent(x.instrument) + '/auction', { supply: Number(x.supply), reserve: Number(x.reserve),
        from_account: Number(x.from_account), proceeds_org: Number(x.proceeds_org) });
      const ins = byCode[r.instrument];
      return el('div', { class: 'status ok', role: 'status', id: 'done' },
        el('p', {}, tr('auc.result', { code: r.instrument, price: money(r.price, ins), sold: num(r.sold), unsold: num(r.unsold), proceeds: money(r.proceeds, ins), bids: trn('auc.bids', r.bids) })),
        r.allocations.length ? table(tr('auc.allocations'), [tr('col.order'), tr('col.organisation'), tr('col.quantity'), tr('col.price')],
          r.allocations.map((a) => [String(a.order), String(a.org), num(a.qty), money(a.price, ins)]), [2, 3]) : empty(tr('auc.no_allocation')));
    });
    parts.push(el('h2', {}, tr('auc.run_h')), form);
  }
  v.replaceChildren(...parts);
});
screens.auctions.nav = 'nav.auctions';
