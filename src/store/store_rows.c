/*
 * store_rows.c -- the row decoders of both store engines, written once
 * against store_row (store_rows.h).
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "store.h"
#include "store_rows.h"

int64_t row_i64(const store_row *rw, int col) { return rw->ops->i64(rw, col); }
int row_int(const store_row *rw, int col) { return (int)rw->ops->i64(rw, col); }
int row_ncols(const store_row *rw) { return rw->ops->ncols(rw); }

void row_text(const store_row *rw, int col, char *dst, size_t cap) {
  const char *t = rw->ops->text(rw, col);
  snprintf(dst, cap, "%s", t ? t : "");
}

void row_text_whole(const store_row *rw, int col, char *dst, size_t cap) {
  if (rw->ops->len(rw, col) >= cap) snprintf(dst, cap, "\x01overlong");
  else row_text(rw, col, dst, cap);
}

void row_hex(const store_row *rw, int col, uint8_t *out, size_t n) {
  const char *t = rw->ops->text(rw, col);
  size_t len = 0;
  memset(out, 0, n);
  if (t == NULL || strlen(t) != 2 * n || sodium_hex2bin(out, n, t, 2 * n, NULL, &len, NULL) != 0 || len != n)
    memset(out, 0, n);
}

void store_dec_party(const store_row *rw, void *o) {
  l6_party *p = o;
  row_text(rw, 0, p->code, sizeof p->code);
  row_text(rw, 1, p->name, sizeof p->name);
}

void store_dec_registry(const store_row *rw, void *o) {
  l6_registry *r = o;
  row_text(rw, 0, r->id, sizeof r->id);
  row_text(rw, 1, r->party, sizeof r->party);
  row_text(rw, 2, r->name, sizeof r->name);
  row_text(rw, 3, r->kind, sizeof r->kind);
}

void store_dec_org(const store_row *rw, void *o) {
  l6_org *r = o;
  r->id = row_i64(rw, 0);
  row_text(rw, 1, r->registry, sizeof r->registry);
  row_text(rw, 2, r->name, sizeof r->name);
}

void store_dec_account(const store_row *rw, void *o) {
  l6_account *a = o;
  char buf[32];
  a->id = row_i64(rw, 0);
  row_text(rw, 1, a->registry, sizeof a->registry);
  a->org = row_i64(rw, 2);
  row_text(rw, 3, buf, sizeof buf);
  a->type = l6_account_type_from_str(buf);
  row_text(rw, 4, buf, sizeof buf);
  a->status = l6_account_status_from_str(buf);
  row_text(rw, 5, a->name, sizeof a->name);
}

void store_dec_programme(const store_row *rw, void *o) {
  l6_programme *p = o;
  row_text(rw, 0, p->code, sizeof p->code);
  row_text(rw, 1, p->name, sizeof p->name);
  row_text(rw, 2, p->kind, sizeof p->kind);
}

void store_dec_unit_type(const store_row *rw, void *o) {
  l6_unit_type *u = o;
  row_text(rw, 0, u->code, sizeof u->code);
  row_text(rw, 1, u->programme, sizeof u->programme);
  row_text(rw, 2, u->name, sizeof u->name);
  u->non_offsetting = row_int(rw, 3) != 0;
}

void store_dec_project(const store_row *rw, void *o) {
  l6_project *p = o;
  row_text(rw, 0, p->id, sizeof p->id);
  row_text(rw, 1, p->programme, sizeof p->programme);
  row_text(rw, 2, p->host, sizeof p->host);
  row_text(rw, 3, p->title, sizeof p->title);
  row_text(rw, 4, p->methodology, sizeof p->methodology);
  row_text(rw, 5, p->sector, sizeof p->sector);
  row_text(rw, 6, p->kind, sizeof p->kind);
  row_text(rw, 7, p->crediting_start, sizeof p->crediting_start);
  row_text(rw, 8, p->crediting_end, sizeof p->crediting_end);
  row_text(rw, 9, p->status, sizeof p->status);
}

void store_dec_batch(const store_row *rw, void *o) {
  l6_batch *b = o;
  b->id = row_i64(rw, 0);
  row_text(rw, 1, b->project, sizeof b->project);
  row_text(rw, 2, b->unit_type, sizeof b->unit_type);
  row_text(rw, 3, b->registry, sizeof b->registry);
  b->vintage = row_int(rw, 4);
  b->serial_start = row_i64(rw, 5);
  b->quantity = row_i64(rw, 6);
  b->tx = row_i64(rw, 7);
  row_text(rw, 8, b->production_start, sizeof b->production_start);
  row_text(rw, 9, b->production_end, sizeof b->production_end);
}

void store_dec_block(const store_row *rw, void *o) {
  l6_block *b = o;
  b->id = row_i64(rw, 0);
  b->batch = row_i64(rw, 1);
  b->account = row_i64(rw, 2);
  b->first = row_i64(rw, 3);
  b->last = row_i64(rw, 4);
  b->vintage = row_ncols(rw) > 5 ? row_int(rw, 5) : 0; /* neighbour probes omit it */
}

void store_dec_tx(const store_row *rw, void *o) {
  l6_tx *t = o;
  char buf[32];
  t->id = row_i64(rw, 0);
  row_text(rw, 1, buf, sizeof buf);
  t->kind = l6_tx_kind_from_str(buf);
  row_text_whole(rw, 2, t->ts, sizeof t->ts);
  row_text_whole(rw, 3, t->actor, sizeof t->actor);
  t->from_account = row_i64(rw, 4);
  t->to_account = row_i64(rw, 5);
  t->quantity = row_i64(rw, 6);
  row_text_whole(rw, 7, t->beneficiary, sizeof t->beneficiary);
  row_text_whole(rw, 8, t->purpose, sizeof t->purpose);
  row_text_whole(rw, 9, t->claim, sizeof t->claim);
  t->reporting_year = row_int(rw, 10);
}

void store_dec_line(const store_row *rw, void *o) {
  l6_tx_line *l = o;
  l->tx = row_i64(rw, 0);
  l->batch = row_i64(rw, 1);
  l->first = row_i64(rw, 2);
  l->last = row_i64(rw, 3);
  l->from_account = row_i64(rw, 4);
  l->to_account = row_i64(rw, 5);
}

void store_dec_token(const store_row *rw, void *o) {
  l6_token *k = o;
  char buf[32];
  k->id = row_i64(rw, 0);
  row_text(rw, 1, buf, sizeof buf);
  k->role = l6_role_from_str(buf);
  k->org = row_i64(rw, 2);
  row_text(rw, 3, k->label, sizeof k->label);
  k->created = row_i64(rw, 4);
  k->expires = row_i64(rw, 5);
  k->revoked = row_i64(rw, 6);
  k->last_used = row_i64(rw, 7);
  k->owner = row_i64(rw, 8);
}

void store_dec_user(const store_row *rw, void *o) {
  l6_user *u = o;
  char buf[32];
  u->id = row_i64(rw, 0);
  row_text(rw, 1, u->email, sizeof u->email);
  row_text(rw, 2, u->name, sizeof u->name);
  row_text(rw, 3, buf, sizeof buf);
  u->role = l6_role_from_str(buf);
  u->org = row_i64(rw, 4);
  row_text(rw, 5, u->pwhash, sizeof u->pwhash);
  row_text(rw, 6, u->totp_secret, sizeof u->totp_secret);
  u->totp_step = row_i64(rw, 7);
  u->disabled = row_i64(rw, 8) != 0;
  row_text(rw, 9, u->created, sizeof u->created);
}

void store_dec_notice(const store_row *rw, void *o) {
  l6_notice *n = o;
  n->id = row_i64(rw, 0);
  n->user = row_i64(rw, 1);
  row_text(rw, 2, n->key, sizeof n->key);
  row_text(rw, 3, n->email, sizeof n->email);
  row_text(rw, 4, n->subject, sizeof n->subject);
  row_text(rw, 5, n->body, sizeof n->body);
  row_text(rw, 6, n->state, sizeof n->state);
  n->attempts = row_int(rw, 7);
  n->created_ms = row_i64(rw, 8);
  n->due_ms = row_i64(rw, 9);
  n->sent_ms = row_i64(rw, 10);
  row_text(rw, 11, n->last_error, sizeof n->last_error);
}

void store_dec_activity(const store_row *rw, void *o) {
  l6_activity *a = o;
  row_text(rw, 0, a->project, sizeof a->project);
  row_text(rw, 1, a->mechanism, sizeof a->mechanism);
  a->org = row_i64(rw, 2);
  row_text(rw, 3, a->registry, sizeof a->registry);
  row_text(rw, 4, a->scope, sizeof a->scope);
  row_text(rw, 5, a->state, sizeof a->state);
  row_text(rw, 6, a->rejected_step, sizeof a->rejected_step);
  row_text(rw, 7, a->transition_from, sizeof a->transition_from);
  row_text(rw, 8, a->requested_on, sizeof a->requested_on);
  a->ets_covered = row_int(rw, 9) != 0;
  a->replacement_due = row_i64(rw, 10);
  a->issued = row_i64(rw, 11);
  row_text(rw, 12, a->updated, sizeof a->updated);
}

void store_dec_period(const store_row *rw, void *o) {
  l6_period *p = o;
  row_text(rw, 0, p->project, sizeof p->project);
  p->seq = row_int(rw, 1);
  row_text(rw, 2, p->start, sizeof p->start);
  row_text(rw, 3, p->end, sizeof p->end);
  row_text(rw, 4, p->state, sizeof p->state);
  row_text(rw, 5, p->rejected_step, sizeof p->rejected_step);
  row_text(rw, 6, p->calculator, sizeof p->calculator);
  row_text(rw, 7, p->inputs, sizeof p->inputs);
  p->reported = row_i64(rw, 8);
  p->certified = row_i64(rw, 9);
  row_text(rw, 10, p->forward, sizeof p->forward);
}

void store_dec_step(const store_row *rw, void *o) {
  l6_step_rec *r = o;
  r->id = row_i64(rw, 0);
  row_text(rw, 1, r->project, sizeof r->project);
  r->period = row_int(rw, 2);
  row_text(rw, 3, r->step, sizeof r->step);
  row_text(rw, 4, r->decision, sizeof r->decision);
  row_text(rw, 5, r->from_state, sizeof r->from_state);
  row_text(rw, 6, r->to_state, sizeof r->to_state);
  row_text(rw, 7, r->actor, sizeof r->actor);
  row_text(rw, 8, r->role, sizeof r->role);
  row_text(rw, 9, r->ts, sizeof r->ts);
  row_text(rw, 10, r->mechanism_hash, sizeof r->mechanism_hash);
  row_text(rw, 11, r->documents, sizeof r->documents);
  row_text(rw, 12, r->detail, sizeof r->detail);
}

void store_dec_ex_instrument(const store_row *rw, void *o) {
  l6_ex_instrument *x = o;
  row_text(rw, 0, x->code, sizeof x->code);
  row_text(rw, 1, x->name, sizeof x->name);
  row_text(rw, 2, x->kind, sizeof x->kind);
  row_text(rw, 3, x->unit_type, sizeof x->unit_type);
  row_text(rw, 4, x->project, sizeof x->project);
  x->vintage_from = (int)row_i64(rw, 5);
  x->vintage_to = (int)row_i64(rw, 6);
  x->batch = row_i64(rw, 7);
  row_text(rw, 8, x->registry, sizeof x->registry);
  x->escrow = row_i64(rw, 9);
  row_text(rw, 10, x->currency, sizeof x->currency);
  x->minor_units = (int)row_i64(rw, 11);
  x->tick = row_i64(rw, 12);
  x->lot = row_i64(rw, 13);
  x->min_qty = row_i64(rw, 14);
  x->max_qty = row_i64(rw, 15);
  x->band_pct = (int)row_i64(rw, 16);
  row_text(rw, 17, x->sessions, sizeof x->sessions);
  x->tz_offset = (int)row_i64(rw, 18);
  row_text(rw, 19, x->status, sizeof x->status);
  row_text(rw, 20, x->mode, sizeof x->mode);
  x->prev_close = row_i64(rw, 21);
  x->maker_bps = (int)row_i64(rw, 22);
  x->taker_bps = (int)row_i64(rw, 23);
  x->no_same_day_resale = row_i64(rw, 24) != 0;
  row_text(rw, 25, x->created, sizeof x->created);
  x->call_minutes = (int)row_i64(rw, 26);
}

void store_dec_ex_cash(const store_row *rw, void *o) {
  l6_ex_cash *x = o;
  x->org = row_i64(rw, 0);
  row_text(rw, 1, x->currency, sizeof x->currency);
  x->balance = row_i64(rw, 2);
  x->reserved = row_i64(rw, 3);
}

void store_dec_ex_journal(const store_row *rw, void *o) {
  l6_ex_journal *x = o;
  x->id = row_i64(rw, 0);
  x->org = row_i64(rw, 1);
  row_text(rw, 2, x->currency, sizeof x->currency);
  row_text(rw, 3, x->kind, sizeof x->kind);
  x->amount = row_i64(rw, 4);
  x->ref = row_i64(rw, 5);
  row_text(rw, 6, x->ts, sizeof x->ts);
}

void store_dec_ex_order(const store_row *rw, void *o) {
  l6_ex_order *x = o;
  x->id = row_i64(rw, 0);
  row_text(rw, 1, x->instrument, sizeof x->instrument);
  x->seq = row_i64(rw, 2);
  x->org = row_i64(rw, 3);
  x->account = row_i64(rw, 4);
  row_text(rw, 5, x->side, sizeof x->side);
  row_text(rw, 6, x->type, sizeof x->type);
  row_text(rw, 7, x->tif, sizeof x->tif);
  x->post_only = row_i64(rw, 8) != 0;
  x->price = row_i64(rw, 9);
  x->qty = row_i64(rw, 10);
  x->remaining = row_i64(rw, 11);
  x->reserved = row_i64(rw, 12);
  row_text(rw, 13, x->status, sizeof x->status);
  row_text(rw, 14, x->day, sizeof x->day);
  row_text(rw, 15, x->ts, sizeof x->ts);
  x->counterparty = row_i64(rw, 16);
}

void store_dec_ex_trade(const store_row *rw, void *o) {
  l6_ex_trade *x = o;
  x->id = row_i64(rw, 0);
  row_text(rw, 1, x->instrument, sizeof x->instrument);
  x->price = row_i64(rw, 2);
  x->qty = row_i64(rw, 3);
  x->buy_order = row_i64(rw, 4);
  x->sell_order = row_i64(rw, 5);
  x->buyer = row_i64(rw, 6);
  x->seller = row_i64(rw, 7);
  row_text(rw, 8, x->taker_side, sizeof x->taker_side);
  x->buyer_fee = row_i64(rw, 9);
  x->seller_fee = row_i64(rw, 10);
  row_text(rw, 11, x->day, sizeof x->day);
  row_text(rw, 12, x->ts, sizeof x->ts);
  x->tx = row_i64(rw, 13);
}

void store_dec_crit(const store_row *rw, void *o) {
  l6_crit *x = o;
  row_text(rw, 0, x->code, sizeof x->code);
  row_text(rw, 1, x->unit_types, sizeof x->unit_types);
  row_text(rw, 2, x->programmes, sizeof x->programmes);
  row_text(rw, 3, x->labels, sizeof x->labels);
  row_text(rw, 4, x->corsia_phase, sizeof x->corsia_phase);
}

void store_dec_batch_label(const store_row *rw, void *o) {
  l6_batch_label *x = o;
  x->id = row_i64(rw, 0);
  x->batch = row_i64(rw, 1);
  row_text(rw, 2, x->label, sizeof x->label);
  row_text(rw, 3, x->actor, sizeof x->actor);
  row_text(rw, 4, x->ts, sizeof x->ts);
  row_text(rw, 5, x->reference, sizeof x->reference);
  row_text(rw, 6, x->dropped_ts, sizeof x->dropped_ts);
  row_text(rw, 7, x->dropped_reference, sizeof x->dropped_reference);
}

void store_dec_a6_ndc(const store_row *rw, void *o) {
  l6_a6_ndc *n = o;
  row_text(rw, 0, n->party, sizeof n->party);
  n->first_year = row_int(rw, 1);
  n->last_year = row_int(rw, 2);
  row_text(rw, 3, n->kind, sizeof n->kind);
  row_text(rw, 4, n->method, sizeof n->method);
  n->target_year = row_int(rw, 5);
  n->target = row_i64(rw, 6);
  row_text(rw, 7, n->metric, sizeof n->metric);
  n->factor_micro = row_i64(rw, 8);
  row_text(rw, 9, n->updated, sizeof n->updated);
}

void store_dec_a6_year(const store_row *rw, void *o) {
  l6_a6_year *y = o;
  row_text(rw, 0, y->party, sizeof y->party);
  y->year = row_int(rw, 1);
  y->reported = row_int(rw, 2) != 0;
  y->emissions = row_i64(rw, 3);
  y->has_trajectory = row_int(rw, 4) != 0;
  y->trajectory = row_i64(rw, 5);
}

void store_dec_a6_auth(const store_row *rw, void *o) {
  l6_a6_auth *a = o;
  a->id = row_i64(rw, 0);
  row_text(rw, 1, a->party, sizeof a->party);
  a->approach = row_int(rw, 2);
  row_text(rw, 3, a->project, sizeof a->project);
  a->vintage_from = row_int(rw, 4);
  a->vintage_to = row_int(rw, 5);
  a->quantity = row_i64(rw, 6);
  a->assigned = row_i64(rw, 7);
  row_text(rw, 8, a->purposes, sizeof a->purposes);
  row_text(rw, 9, a->ft_event, sizeof a->ft_event);
  row_text(rw, 10, a->parties, sizeof a->parties);
  row_text(rw, 11, a->entities, sizeof a->entities);
  a->year_from = row_int(rw, 12);
  a->year_to = row_int(rw, 13);
  a->in_scope = row_int(rw, 14) != 0;
  a->version = row_int(rw, 15);
  a->revoked = row_int(rw, 16) != 0;
  row_text(rw, 17, a->ts, sizeof a->ts);
  row_text(rw, 18, a->letter_sha256, sizeof a->letter_sha256);
}

void store_dec_a6_itmo(const store_row *rw, void *o) {
  l6_a6_itmo *r = o;
  r->id = row_i64(rw, 0);
  r->auth = row_i64(rw, 1);
  r->approach = row_int(rw, 2);
  row_text(rw, 3, r->registry, sizeof r->registry);
  row_text(rw, 4, r->host, sizeof r->host);
  r->batch = row_i64(rw, 5);
  r->first = row_i64(rw, 6);
  r->last = row_i64(rw, 7);
  r->itmo_first = row_i64(rw, 8);
  r->vintage = row_int(rw, 9);
  r->ft_year = row_int(rw, 10);
  row_text(rw, 11, r->fate, sizeof r->fate);
  row_text(rw, 12, r->user, sizeof r->user);
  r->use_year = row_int(rw, 13);
}

void store_dec_a6_action(const store_row *rw, void *o) {
  l6_a6_action *a = o;
  a->id = row_i64(rw, 0);
  a->tx = row_i64(rw, 1);
  row_text(rw, 2, a->type, sizeof a->type);
  row_text(rw, 3, a->party, sizeof a->party);
  a->auth = row_i64(rw, 4);
  a->approach = row_int(rw, 5);
  row_text(rw, 6, a->registry, sizeof a->registry);
  a->itmo_first = row_i64(rw, 7);
  a->itmo_last = row_i64(rw, 8);
  row_text(rw, 9, a->first_id, sizeof a->first_id);
  row_text(rw, 10, a->last_id, sizeof a->last_id);
  a->quantity = row_i64(rw, 11);
  a->vintage = row_int(rw, 12);
  row_text(rw, 13, a->from_party, sizeof a->from_party);
  row_text(rw, 14, a->to_party, sizeof a->to_party);
  row_text(rw, 15, a->purpose, sizeof a->purpose);
  row_text(rw, 16, a->user, sizeof a->user);
  a->year = row_int(rw, 17);
  a->ca = row_i64(rw, 18);
  row_text(rw, 19, a->ts, sizeof a->ts);
}

void store_dec_proposal(const store_row *rw, void *o) {
  l6_proposal *p = o;
  p->id = row_i64(rw, 0);
  row_text(rw, 1, p->kind, sizeof p->kind);
  row_text(rw, 2, p->state, sizeof p->state);
  row_text(rw, 3, p->registry, sizeof p->registry);
  p->org = row_i64(rw, 4);
  p->from_account = row_i64(rw, 5);
  p->to_account = row_i64(rw, 6);
  p->quantity = row_i64(rw, 7);
  row_text(rw, 8, p->reasons, sizeof p->reasons);
  row_text(rw, 9, p->proposer, sizeof p->proposer);
  row_text(rw, 10, p->proposer_role, sizeof p->proposer_role);
  p->proposer_org = row_i64(rw, 11);
  p->proposer_user = row_i64(rw, 12);
  p->proposer_token = row_i64(rw, 13);
  p->created_ms = row_i64(rw, 14);
  p->expires_ms = row_i64(rw, 15);
  p->executes_ms = row_i64(rw, 16);
  p->decided_ms = row_i64(rw, 17);
  row_text(rw, 18, p->decided_by, sizeof p->decided_by);
  row_text(rw, 19, p->approved_by, sizeof p->approved_by);
  row_text(rw, 20, p->result, sizeof p->result);
  p->hold_tx = row_i64(rw, 21);
  p->release_tx = row_i64(rw, 22);
  p->result_tx = row_i64(rw, 23);
  row_text(rw, 24, p->request, sizeof p->request);
}

void store_dec_trusted(const store_row *rw, void *o) {
  l6_trusted *x = o;
  x->account = row_i64(rw, 0);
  x->trusted = row_i64(rw, 1);
  x->added_ms = row_i64(rw, 2);
  x->active_ms = row_i64(rw, 3);
  row_text(rw, 4, x->added_by, sizeof x->added_by);
}

void store_dec_ets_rec(const store_row *rw, void *o) {
  l6_ets_rec *r = o;
  row_text(rw, 0, r->kind, sizeof r->kind);
  row_text(rw, 1, r->key, sizeof r->key);
  row_text(rw, 2, r->body, sizeof r->body);
}

void store_dec_link(const store_row *rw, void *o) {
  l6_link_rec *r = o;
  row_text(rw, 0, r->kind, sizeof r->kind);
  row_text(rw, 1, r->key, sizeof r->key);
  row_text(rw, 2, r->state, sizeof r->state);
  r->due_ms = row_i64(rw, 3);
  row_text(rw, 4, r->body, sizeof r->body);
}

void store_dec_approach(const store_row *rw, void *o) {
  l6_a6_approach *r = o;
  r->code = row_int(rw, 0);
  row_text(rw, 1, r->party, sizeof r->party);
  row_text(rw, 2, r->body, sizeof r->body);
  row_text(rw, 3, r->ts, sizeof r->ts);
}

void store_dec_ets_hist(const store_row *rw, void *o) {
  l6_ets_hist *h = o;
  h->id = row_i64(rw, 0);
  row_text(rw, 1, h->kind, sizeof h->kind);
  row_text(rw, 2, h->key, sizeof h->key);
  row_text(rw, 3, h->actor, sizeof h->actor);
  row_text(rw, 4, h->ts, sizeof h->ts);
  row_text(rw, 5, h->body, sizeof h->body);
}

void store_dec_a6_ver(const store_row *rw, void *o) {
  l6_a6_auth_version *v = o;
  v->auth = row_i64(rw, 0);
  v->version = row_int(rw, 1);
  row_text(rw, 2, v->effective_from, sizeof v->effective_from);
  row_text(rw, 3, v->body, sizeof v->body);
  row_text(rw, 4, v->ts, sizeof v->ts);
}

void store_dec_nma(const store_row *rw, void *o) {
  l6_nma_rec *r = o;
  r->id = row_i64(rw, 0);
  row_text(rw, 1, r->kind, sizeof r->kind);
  row_text(rw, 2, r->party, sizeof r->party);
  row_text(rw, 3, r->status, sizeof r->status);
  row_text(rw, 4, r->body, sizeof r->body);
}

void store_dec_mrec(const store_row *rw, void *o) {
  l6_mech_rec *r = o;
  r->id = row_i64(rw, 0);
  row_text(rw, 1, r->kind, sizeof r->kind);
  row_text(rw, 2, r->ref, sizeof r->ref);
  row_text(rw, 3, r->state, sizeof r->state);
  row_text(rw, 4, r->body, sizeof r->body);
}

void store_dec_arec(const store_row *rw, void *o) {
  l6_arec *r = o;
  row_text(rw, 0, r->project, sizeof r->project);
  row_text(rw, 1, r->kind, sizeof r->kind);
  r->id = row_i64(rw, 2);
  r->period = row_int(rw, 3);
  row_text(rw, 4, r->ref, sizeof r->ref);
  row_text(rw, 5, r->body, sizeof r->body);
}

void store_dec_leaf(const store_row *rw, void *o) {
  l6_log_leaf *l = o;
  l->index = row_i64(rw, 0);
  l->tx = row_i64(rw, 1);
  row_hex(rw, 2, l->salt, sizeof l->salt);
  l->auth = row_i64(rw, 3);
  l->version = row_int(rw, 4);
  row_text(rw, 5, l->sha256, sizeof l->sha256);
  row_text(rw, 6, l->ts, sizeof l->ts);
}

void store_dec_head(const store_row *rw, void *o) {
  l6_log_head *h = o;
  h->tree_size = row_i64(rw, 0);
  row_hex(rw, 1, h->root, sizeof h->root);
  h->timestamp_ms = row_i64(rw, 2);
  row_text(rw, 3, h->key_id, sizeof h->key_id);
  row_hex(rw, 4, h->signature, sizeof h->signature);
}

void store_dec_key(const store_row *rw, void *o) {
  l6_log_key *k = o;
  row_text(rw, 0, k->id, sizeof k->id);
  row_hex(rw, 1, k->public_key, sizeof k->public_key);
  k->created_ms = row_i64(rw, 2);
  k->current = row_int(rw, 3) != 0;
}

void store_dec_origin(const store_row *rw, void *o) {
  l6_origin_block *b = o;
  b->id = row_i64(rw, 0);
  row_text(rw, 1, b->origin, sizeof b->origin);
  row_text(rw, 2, b->prefix, sizeof b->prefix);
  b->first = row_i64(rw, 3);
  b->last = row_i64(rw, 4);
  row_text(rw, 5, b->text, sizeof b->text);
  b->batch = row_i64(rw, 6);
  b->serial_first = row_i64(rw, 7);
  row_text(rw, 8, b->project, sizeof b->project);
  row_text(rw, 9, b->vintage_start, sizeof b->vintage_start);
  row_text(rw, 10, b->vintage_end, sizeof b->vintage_end);
}

void store_dec_unplaced(const store_row *rw, void *o) {
  l6_origin_unplaced *u = o;
  row_text(rw, 0, u->origin, sizeof u->origin);
  row_text(rw, 1, u->project, sizeof u->project);
  row_text(rw, 2, u->vintage_start, sizeof u->vintage_start);
  row_text(rw, 3, u->vintage_end, sizeof u->vintage_end);
  u->vintage = row_int(rw, 4);
  u->total = row_i64(rw, 5);
  u->unplaced = row_i64(rw, 6);
  u->buffer = row_i64(rw, 7);
  u->retired = row_i64(rw, 8);
  u->total_kg = row_i64(rw, 9);
  u->buffer_kg = row_i64(rw, 10);
  u->retired_kg = row_i64(rw, 11);
}

void store_dec_tx_terms(const store_row *rw, void *o) {
  l6_tx_terms *x = o;
  x->tx = row_i64(rw, 0);
  x->amount = row_i64(rw, 1);
  row_text(rw, 2, x->currency, sizeof x->currency);
}

void store_dec_stat(const store_row *rw, void *o) {
  l6_stat_row *x = o;
  row_text(rw, 0, x->key, sizeof x->key);
  x->issued = row_i64(rw, 1);
  x->retired = row_i64(rw, 2);
}

/* Records read by a get: a web session, a registry's policy, an origin's
 * project and period; one integer (a total) and one flag. */
void store_dec_session(const store_row *rw, void *o) {
  l6_session *x = o;
  x->user = row_i64(rw, 0);
  row_text(rw, 1, x->csrf_hash, sizeof x->csrf_hash);
  x->created_ms = row_i64(rw, 2);
  x->last_ms = row_i64(rw, 3);
}
void store_dec_policy(const store_row *rw, void *o) {
  l6_policy_rec *p = o;
  row_text(rw, 0, p->registry, sizeof p->registry);
  row_text(rw, 1, p->body, sizeof p->body);
  p->hold_account = row_i64(rw, 2);
}
void store_dec_oproj(const store_row *rw, void *o) {
  l6_origin_project *p = o;
  row_text(rw, 0, p->origin, sizeof p->origin);
  row_text(rw, 1, p->project, sizeof p->project);
  row_text(rw, 2, p->status, sizeof p->status);
  row_text(rw, 3, p->registered, sizeof p->registered);
}
void store_dec_operiod(const store_row *rw, void *o) {
  l6_origin_period *p = o;
  row_text(rw, 0, p->vintage_start, sizeof p->vintage_start);
  row_text(rw, 1, p->vintage_end, sizeof p->vintage_end);
}
void store_dec_total(const store_row *rw, void *o) { *(l6_qty *)o = row_i64(rw, 0); }
void store_dec_flag(const store_row *rw, void *o) { *(bool *)o = row_i64(rw, 0) != 0; }
