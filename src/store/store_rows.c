/*
 * store_rows.c -- the row decoders of both store engines, written once
 * against store_row (store_rows.h).
 */
#include <assert.h>
#include <stddef.h>
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

/* A decoder as a table: column k of the row goes to the field of
 * descriptor k (its kind, offset and size in the record). */
enum { COL_NUM_, COL_BOOL_, COL_TEXT_, COL_TEXT_WHOLE_, COL_HEX_ };
typedef struct {
  unsigned char kind;
  unsigned short size;
  size_t off;
} store_col;
#define COL_(k, T, f) {k, sizeof(((T *)0)->f), offsetof(T, f)}
#define COL_NUM(T, f) COL_(COL_NUM_, T, f)   /* an integer field of any width */
#define COL_BOOL(T, f) COL_(COL_BOOL_, T, f) /* a flag: the column is not 0 */
#define COL_TEXT(T, f) COL_(COL_TEXT_, T, f)
#define COL_TEXT_WHOLE(T, f) COL_(COL_TEXT_WHOLE_, T, f)
#define COL_HEX(T, f) COL_(COL_HEX_, T, f)
#define COLS(a) ((int)(sizeof(a) / sizeof(a)[0]))

static void put_int(char *dst, size_t size, int64_t v) {
  switch (size) {
  case 1: {
    int8_t w = (int8_t)v;
    memcpy(dst, &w, 1);
    break;
  }
  case 2: {
    int16_t w = (int16_t)v;
    memcpy(dst, &w, 2);
    break;
  }
  case 4: {
    int32_t w = (int32_t)v;
    memcpy(dst, &w, 4);
    break;
  }
  default:
    assert(size == 8);
    memcpy(dst, &v, 8);
  }
}

static void dec_cols(const store_row *rw, void *o, const store_col *c, int n) {
  char *rec = o;
  for (int k = 0; k < n; k++) {
    char *dst = rec + c[k].off;
    switch (c[k].kind) {
    case COL_NUM_: put_int(dst, c[k].size, row_i64(rw, k)); break;
    case COL_BOOL_: put_int(dst, c[k].size, row_i64(rw, k) != 0); break;
    case COL_TEXT_: row_text(rw, k, dst, c[k].size); break;
    case COL_TEXT_WHOLE_: row_text_whole(rw, k, dst, c[k].size); break;
    default: row_hex(rw, k, (uint8_t *)dst, c[k].size); break;
    }
  }
}

static const store_col party_cols[] = {
    COL_TEXT(l6_party, code), COL_TEXT(l6_party, name)
};
void store_dec_party(const store_row *rw, void *o) { dec_cols(rw, o, party_cols, COLS(party_cols)); }

static const store_col registry_cols[] = {
    COL_TEXT(l6_registry, id), COL_TEXT(l6_registry, party), COL_TEXT(l6_registry, name), COL_TEXT(l6_registry, kind)
};
void store_dec_registry(const store_row *rw, void *o) { dec_cols(rw, o, registry_cols, COLS(registry_cols)); }

static const store_col org_cols[] = {
    COL_NUM(l6_org, id), COL_TEXT(l6_org, registry), COL_TEXT(l6_org, name)
};
void store_dec_org(const store_row *rw, void *o) { dec_cols(rw, o, org_cols, COLS(org_cols)); }

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

static const store_col programme_cols[] = {
    COL_TEXT(l6_programme, code), COL_TEXT(l6_programme, name), COL_TEXT(l6_programme, kind)
};
void store_dec_programme(const store_row *rw, void *o) { dec_cols(rw, o, programme_cols, COLS(programme_cols)); }

static const store_col unit_type_cols[] = {
    COL_TEXT(l6_unit_type, code), COL_TEXT(l6_unit_type, programme), COL_TEXT(l6_unit_type, name),
    COL_BOOL(l6_unit_type, non_offsetting)
};
void store_dec_unit_type(const store_row *rw, void *o) { dec_cols(rw, o, unit_type_cols, COLS(unit_type_cols)); }

static const store_col project_cols[] = {
    COL_TEXT(l6_project, id), COL_TEXT(l6_project, programme), COL_TEXT(l6_project, host),
    COL_TEXT(l6_project, title), COL_TEXT(l6_project, methodology), COL_TEXT(l6_project, sector),
    COL_TEXT(l6_project, kind), COL_TEXT(l6_project, crediting_start), COL_TEXT(l6_project, crediting_end),
    COL_TEXT(l6_project, status)
};
void store_dec_project(const store_row *rw, void *o) { dec_cols(rw, o, project_cols, COLS(project_cols)); }

static const store_col batch_cols[] = {
    COL_NUM(l6_batch, id), COL_TEXT(l6_batch, project), COL_TEXT(l6_batch, unit_type), COL_TEXT(l6_batch, registry),
    COL_NUM(l6_batch, vintage), COL_NUM(l6_batch, serial_start), COL_NUM(l6_batch, quantity), COL_NUM(l6_batch, tx),
    COL_TEXT(l6_batch, production_start), COL_TEXT(l6_batch, production_end)
};
void store_dec_batch(const store_row *rw, void *o) { dec_cols(rw, o, batch_cols, COLS(batch_cols)); }

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

static const store_col line_cols[] = {
    COL_NUM(l6_tx_line, tx), COL_NUM(l6_tx_line, batch), COL_NUM(l6_tx_line, first), COL_NUM(l6_tx_line, last),
    COL_NUM(l6_tx_line, from_account), COL_NUM(l6_tx_line, to_account)
};
void store_dec_line(const store_row *rw, void *o) { dec_cols(rw, o, line_cols, COLS(line_cols)); }

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

static const store_col notice_cols[] = {
    COL_NUM(l6_notice, id), COL_NUM(l6_notice, user), COL_TEXT(l6_notice, key), COL_TEXT(l6_notice, email),
    COL_TEXT(l6_notice, subject), COL_TEXT(l6_notice, body), COL_TEXT(l6_notice, state), COL_NUM(l6_notice, attempts),
    COL_NUM(l6_notice, created_ms), COL_NUM(l6_notice, due_ms), COL_NUM(l6_notice, sent_ms),
    COL_TEXT(l6_notice, last_error)
};
void store_dec_notice(const store_row *rw, void *o) { dec_cols(rw, o, notice_cols, COLS(notice_cols)); }

static const store_col activity_cols[] = {
    COL_TEXT(l6_activity, project), COL_TEXT(l6_activity, mechanism), COL_NUM(l6_activity, org),
    COL_TEXT(l6_activity, registry), COL_TEXT(l6_activity, scope), COL_TEXT(l6_activity, state),
    COL_TEXT(l6_activity, rejected_step), COL_TEXT(l6_activity, transition_from), COL_TEXT(l6_activity, requested_on),
    COL_BOOL(l6_activity, ets_covered), COL_NUM(l6_activity, replacement_due), COL_NUM(l6_activity, issued),
    COL_TEXT(l6_activity, updated)
};
void store_dec_activity(const store_row *rw, void *o) { dec_cols(rw, o, activity_cols, COLS(activity_cols)); }

static const store_col period_cols[] = {
    COL_TEXT(l6_period, project), COL_NUM(l6_period, seq), COL_TEXT(l6_period, start), COL_TEXT(l6_period, end),
    COL_TEXT(l6_period, state), COL_TEXT(l6_period, rejected_step), COL_TEXT(l6_period, calculator),
    COL_TEXT(l6_period, inputs), COL_NUM(l6_period, reported), COL_NUM(l6_period, certified),
    COL_TEXT(l6_period, forward)
};
void store_dec_period(const store_row *rw, void *o) { dec_cols(rw, o, period_cols, COLS(period_cols)); }

static const store_col step_cols[] = {
    COL_NUM(l6_step_rec, id), COL_TEXT(l6_step_rec, project), COL_NUM(l6_step_rec, period),
    COL_TEXT(l6_step_rec, step), COL_TEXT(l6_step_rec, decision), COL_TEXT(l6_step_rec, from_state),
    COL_TEXT(l6_step_rec, to_state), COL_TEXT(l6_step_rec, actor), COL_TEXT(l6_step_rec, role),
    COL_TEXT(l6_step_rec, ts), COL_TEXT(l6_step_rec, mechanism_hash), COL_TEXT(l6_step_rec, documents),
    COL_TEXT(l6_step_rec, detail)
};
void store_dec_step(const store_row *rw, void *o) { dec_cols(rw, o, step_cols, COLS(step_cols)); }

static const store_col ex_instrument_cols[] = {
    COL_TEXT(l6_ex_instrument, code), COL_TEXT(l6_ex_instrument, name), COL_TEXT(l6_ex_instrument, kind),
    COL_TEXT(l6_ex_instrument, unit_type), COL_TEXT(l6_ex_instrument, project),
    COL_NUM(l6_ex_instrument, vintage_from), COL_NUM(l6_ex_instrument, vintage_to), COL_NUM(l6_ex_instrument, batch),
    COL_TEXT(l6_ex_instrument, registry), COL_NUM(l6_ex_instrument, escrow), COL_TEXT(l6_ex_instrument, currency),
    COL_NUM(l6_ex_instrument, minor_units), COL_NUM(l6_ex_instrument, tick), COL_NUM(l6_ex_instrument, lot),
    COL_NUM(l6_ex_instrument, min_qty), COL_NUM(l6_ex_instrument, max_qty), COL_NUM(l6_ex_instrument, band_pct),
    COL_TEXT(l6_ex_instrument, sessions), COL_NUM(l6_ex_instrument, tz_offset), COL_TEXT(l6_ex_instrument, status),
    COL_TEXT(l6_ex_instrument, mode), COL_NUM(l6_ex_instrument, prev_close), COL_NUM(l6_ex_instrument, maker_bps),
    COL_NUM(l6_ex_instrument, taker_bps), COL_BOOL(l6_ex_instrument, no_same_day_resale),
    COL_TEXT(l6_ex_instrument, created), COL_NUM(l6_ex_instrument, call_minutes)
};
void store_dec_ex_instrument(const store_row *rw, void *o) { dec_cols(rw, o, ex_instrument_cols, COLS(ex_instrument_cols)); }

static const store_col ex_cash_cols[] = {
    COL_NUM(l6_ex_cash, org), COL_TEXT(l6_ex_cash, currency), COL_NUM(l6_ex_cash, balance),
    COL_NUM(l6_ex_cash, reserved)
};
void store_dec_ex_cash(const store_row *rw, void *o) { dec_cols(rw, o, ex_cash_cols, COLS(ex_cash_cols)); }

static const store_col ex_journal_cols[] = {
    COL_NUM(l6_ex_journal, id), COL_NUM(l6_ex_journal, org), COL_TEXT(l6_ex_journal, currency),
    COL_TEXT(l6_ex_journal, kind), COL_NUM(l6_ex_journal, amount), COL_NUM(l6_ex_journal, ref),
    COL_TEXT(l6_ex_journal, ts)
};
void store_dec_ex_journal(const store_row *rw, void *o) { dec_cols(rw, o, ex_journal_cols, COLS(ex_journal_cols)); }

static const store_col ex_order_cols[] = {
    COL_NUM(l6_ex_order, id), COL_TEXT(l6_ex_order, instrument), COL_NUM(l6_ex_order, seq), COL_NUM(l6_ex_order, org),
    COL_NUM(l6_ex_order, account), COL_TEXT(l6_ex_order, side), COL_TEXT(l6_ex_order, type),
    COL_TEXT(l6_ex_order, tif), COL_BOOL(l6_ex_order, post_only), COL_NUM(l6_ex_order, price),
    COL_NUM(l6_ex_order, qty), COL_NUM(l6_ex_order, remaining), COL_NUM(l6_ex_order, reserved),
    COL_TEXT(l6_ex_order, status), COL_TEXT(l6_ex_order, day), COL_TEXT(l6_ex_order, ts),
    COL_NUM(l6_ex_order, counterparty)
};
void store_dec_ex_order(const store_row *rw, void *o) { dec_cols(rw, o, ex_order_cols, COLS(ex_order_cols)); }

static const store_col ex_trade_cols[] = {
    COL_NUM(l6_ex_trade, id), COL_TEXT(l6_ex_trade, instrument), COL_NUM(l6_ex_trade, price),
    COL_NUM(l6_ex_trade, qty), COL_NUM(l6_ex_trade, buy_order), COL_NUM(l6_ex_trade, sell_order),
    COL_NUM(l6_ex_trade, buyer), COL_NUM(l6_ex_trade, seller), COL_TEXT(l6_ex_trade, taker_side),
    COL_NUM(l6_ex_trade, buyer_fee), COL_NUM(l6_ex_trade, seller_fee), COL_TEXT(l6_ex_trade, day),
    COL_TEXT(l6_ex_trade, ts), COL_NUM(l6_ex_trade, tx)
};
void store_dec_ex_trade(const store_row *rw, void *o) { dec_cols(rw, o, ex_trade_cols, COLS(ex_trade_cols)); }

static const store_col crit_cols[] = {
    COL_TEXT(l6_crit, code), COL_TEXT(l6_crit, unit_types), COL_TEXT(l6_crit, programmes), COL_TEXT(l6_crit, labels),
    COL_TEXT(l6_crit, corsia_phase)
};
void store_dec_crit(const store_row *rw, void *o) { dec_cols(rw, o, crit_cols, COLS(crit_cols)); }

static const store_col batch_label_cols[] = {
    COL_NUM(l6_batch_label, id), COL_NUM(l6_batch_label, batch), COL_TEXT(l6_batch_label, label),
    COL_TEXT(l6_batch_label, actor), COL_TEXT(l6_batch_label, ts), COL_TEXT(l6_batch_label, reference),
    COL_TEXT(l6_batch_label, dropped_ts), COL_TEXT(l6_batch_label, dropped_reference)
};
void store_dec_batch_label(const store_row *rw, void *o) { dec_cols(rw, o, batch_label_cols, COLS(batch_label_cols)); }

static const store_col a6_ndc_cols[] = {
    COL_TEXT(l6_a6_ndc, party), COL_NUM(l6_a6_ndc, first_year), COL_NUM(l6_a6_ndc, last_year),
    COL_TEXT(l6_a6_ndc, kind), COL_TEXT(l6_a6_ndc, method), COL_NUM(l6_a6_ndc, target_year),
    COL_NUM(l6_a6_ndc, target), COL_TEXT(l6_a6_ndc, metric), COL_NUM(l6_a6_ndc, factor_micro),
    COL_TEXT(l6_a6_ndc, updated)
};
void store_dec_a6_ndc(const store_row *rw, void *o) { dec_cols(rw, o, a6_ndc_cols, COLS(a6_ndc_cols)); }

static const store_col a6_year_cols[] = {
    COL_TEXT(l6_a6_year, party), COL_NUM(l6_a6_year, year), COL_BOOL(l6_a6_year, reported),
    COL_NUM(l6_a6_year, emissions), COL_BOOL(l6_a6_year, has_trajectory), COL_NUM(l6_a6_year, trajectory)
};
void store_dec_a6_year(const store_row *rw, void *o) { dec_cols(rw, o, a6_year_cols, COLS(a6_year_cols)); }

static const store_col a6_auth_cols[] = {
    COL_NUM(l6_a6_auth, id), COL_TEXT(l6_a6_auth, party), COL_NUM(l6_a6_auth, approach),
    COL_TEXT(l6_a6_auth, project), COL_NUM(l6_a6_auth, vintage_from), COL_NUM(l6_a6_auth, vintage_to),
    COL_NUM(l6_a6_auth, quantity), COL_NUM(l6_a6_auth, assigned), COL_TEXT(l6_a6_auth, purposes),
    COL_TEXT(l6_a6_auth, ft_event), COL_TEXT(l6_a6_auth, parties), COL_TEXT(l6_a6_auth, entities),
    COL_NUM(l6_a6_auth, year_from), COL_NUM(l6_a6_auth, year_to), COL_BOOL(l6_a6_auth, in_scope),
    COL_NUM(l6_a6_auth, version), COL_BOOL(l6_a6_auth, revoked), COL_TEXT(l6_a6_auth, ts),
    COL_TEXT(l6_a6_auth, letter_sha256)
};
void store_dec_a6_auth(const store_row *rw, void *o) { dec_cols(rw, o, a6_auth_cols, COLS(a6_auth_cols)); }

static const store_col a6_itmo_cols[] = {
    COL_NUM(l6_a6_itmo, id), COL_NUM(l6_a6_itmo, auth), COL_NUM(l6_a6_itmo, approach), COL_TEXT(l6_a6_itmo, registry),
    COL_TEXT(l6_a6_itmo, host), COL_NUM(l6_a6_itmo, batch), COL_NUM(l6_a6_itmo, first), COL_NUM(l6_a6_itmo, last),
    COL_NUM(l6_a6_itmo, itmo_first), COL_NUM(l6_a6_itmo, vintage), COL_NUM(l6_a6_itmo, ft_year),
    COL_TEXT(l6_a6_itmo, fate), COL_TEXT(l6_a6_itmo, user), COL_NUM(l6_a6_itmo, use_year)
};
void store_dec_a6_itmo(const store_row *rw, void *o) { dec_cols(rw, o, a6_itmo_cols, COLS(a6_itmo_cols)); }

static const store_col a6_action_cols[] = {
    COL_NUM(l6_a6_action, id), COL_NUM(l6_a6_action, tx), COL_TEXT(l6_a6_action, type), COL_TEXT(l6_a6_action, party),
    COL_NUM(l6_a6_action, auth), COL_NUM(l6_a6_action, approach), COL_TEXT(l6_a6_action, registry),
    COL_NUM(l6_a6_action, itmo_first), COL_NUM(l6_a6_action, itmo_last), COL_TEXT(l6_a6_action, first_id),
    COL_TEXT(l6_a6_action, last_id), COL_NUM(l6_a6_action, quantity), COL_NUM(l6_a6_action, vintage),
    COL_TEXT(l6_a6_action, from_party), COL_TEXT(l6_a6_action, to_party), COL_TEXT(l6_a6_action, purpose),
    COL_TEXT(l6_a6_action, user), COL_NUM(l6_a6_action, year), COL_NUM(l6_a6_action, ca), COL_TEXT(l6_a6_action, ts)
};
void store_dec_a6_action(const store_row *rw, void *o) { dec_cols(rw, o, a6_action_cols, COLS(a6_action_cols)); }

static const store_col proposal_cols[] = {
    COL_NUM(l6_proposal, id), COL_TEXT(l6_proposal, kind), COL_TEXT(l6_proposal, state),
    COL_TEXT(l6_proposal, registry), COL_NUM(l6_proposal, org), COL_NUM(l6_proposal, from_account),
    COL_NUM(l6_proposal, to_account), COL_NUM(l6_proposal, quantity), COL_TEXT(l6_proposal, reasons),
    COL_TEXT(l6_proposal, proposer), COL_TEXT(l6_proposal, proposer_role), COL_NUM(l6_proposal, proposer_org),
    COL_NUM(l6_proposal, proposer_user), COL_NUM(l6_proposal, proposer_token), COL_NUM(l6_proposal, created_ms),
    COL_NUM(l6_proposal, expires_ms), COL_NUM(l6_proposal, executes_ms), COL_NUM(l6_proposal, decided_ms),
    COL_TEXT(l6_proposal, decided_by), COL_TEXT(l6_proposal, approved_by), COL_TEXT(l6_proposal, result),
    COL_NUM(l6_proposal, hold_tx), COL_NUM(l6_proposal, release_tx), COL_NUM(l6_proposal, result_tx),
    COL_TEXT(l6_proposal, request)
};
void store_dec_proposal(const store_row *rw, void *o) { dec_cols(rw, o, proposal_cols, COLS(proposal_cols)); }

static const store_col trusted_cols[] = {
    COL_NUM(l6_trusted, account), COL_NUM(l6_trusted, trusted), COL_NUM(l6_trusted, added_ms),
    COL_NUM(l6_trusted, active_ms), COL_TEXT(l6_trusted, added_by)
};
void store_dec_trusted(const store_row *rw, void *o) { dec_cols(rw, o, trusted_cols, COLS(trusted_cols)); }

static const store_col ets_rec_cols[] = {
    COL_TEXT(l6_ets_rec, kind), COL_TEXT(l6_ets_rec, key), COL_TEXT(l6_ets_rec, body)
};
void store_dec_ets_rec(const store_row *rw, void *o) { dec_cols(rw, o, ets_rec_cols, COLS(ets_rec_cols)); }

static const store_col link_cols[] = {
    COL_TEXT(l6_link_rec, kind), COL_TEXT(l6_link_rec, key), COL_TEXT(l6_link_rec, state),
    COL_NUM(l6_link_rec, due_ms), COL_TEXT(l6_link_rec, body)
};
void store_dec_link(const store_row *rw, void *o) { dec_cols(rw, o, link_cols, COLS(link_cols)); }

static const store_col approach_cols[] = {
    COL_NUM(l6_a6_approach, code), COL_TEXT(l6_a6_approach, party), COL_TEXT(l6_a6_approach, body),
    COL_TEXT(l6_a6_approach, ts)
};
void store_dec_approach(const store_row *rw, void *o) { dec_cols(rw, o, approach_cols, COLS(approach_cols)); }

static const store_col ets_hist_cols[] = {
    COL_NUM(l6_ets_hist, id), COL_TEXT(l6_ets_hist, kind), COL_TEXT(l6_ets_hist, key), COL_TEXT(l6_ets_hist, actor),
    COL_TEXT(l6_ets_hist, ts), COL_TEXT(l6_ets_hist, body)
};
void store_dec_ets_hist(const store_row *rw, void *o) { dec_cols(rw, o, ets_hist_cols, COLS(ets_hist_cols)); }

static const store_col a6_ver_cols[] = {
    COL_NUM(l6_a6_auth_version, auth), COL_NUM(l6_a6_auth_version, version),
    COL_TEXT(l6_a6_auth_version, effective_from), COL_TEXT(l6_a6_auth_version, body), COL_TEXT(l6_a6_auth_version, ts)
};
void store_dec_a6_ver(const store_row *rw, void *o) { dec_cols(rw, o, a6_ver_cols, COLS(a6_ver_cols)); }

static const store_col nma_cols[] = {
    COL_NUM(l6_nma_rec, id), COL_TEXT(l6_nma_rec, kind), COL_TEXT(l6_nma_rec, party), COL_TEXT(l6_nma_rec, status),
    COL_TEXT(l6_nma_rec, body)
};
void store_dec_nma(const store_row *rw, void *o) { dec_cols(rw, o, nma_cols, COLS(nma_cols)); }

static const store_col mrec_cols[] = {
    COL_NUM(l6_mech_rec, id), COL_TEXT(l6_mech_rec, kind), COL_TEXT(l6_mech_rec, ref), COL_TEXT(l6_mech_rec, state),
    COL_TEXT(l6_mech_rec, body)
};
void store_dec_mrec(const store_row *rw, void *o) { dec_cols(rw, o, mrec_cols, COLS(mrec_cols)); }

static const store_col arec_cols[] = {
    COL_TEXT(l6_arec, project), COL_TEXT(l6_arec, kind), COL_NUM(l6_arec, id), COL_NUM(l6_arec, period),
    COL_TEXT(l6_arec, ref), COL_TEXT(l6_arec, body)
};
void store_dec_arec(const store_row *rw, void *o) { dec_cols(rw, o, arec_cols, COLS(arec_cols)); }

static const store_col leaf_cols[] = {
    COL_NUM(l6_log_leaf, index), COL_NUM(l6_log_leaf, tx), COL_HEX(l6_log_leaf, salt), COL_NUM(l6_log_leaf, auth),
    COL_NUM(l6_log_leaf, version), COL_TEXT(l6_log_leaf, sha256), COL_TEXT(l6_log_leaf, ts)
};
void store_dec_leaf(const store_row *rw, void *o) { dec_cols(rw, o, leaf_cols, COLS(leaf_cols)); }

static const store_col head_cols[] = {
    COL_NUM(l6_log_head, tree_size), COL_HEX(l6_log_head, root), COL_NUM(l6_log_head, timestamp_ms),
    COL_TEXT(l6_log_head, key_id), COL_HEX(l6_log_head, signature)
};
void store_dec_head(const store_row *rw, void *o) { dec_cols(rw, o, head_cols, COLS(head_cols)); }

static const store_col key_cols[] = {
    COL_TEXT(l6_log_key, id), COL_HEX(l6_log_key, public_key), COL_NUM(l6_log_key, created_ms),
    COL_BOOL(l6_log_key, current)
};
void store_dec_key(const store_row *rw, void *o) { dec_cols(rw, o, key_cols, COLS(key_cols)); }

static const store_col origin_cols[] = {
    COL_NUM(l6_origin_block, id), COL_TEXT(l6_origin_block, origin), COL_TEXT(l6_origin_block, prefix),
    COL_NUM(l6_origin_block, first), COL_NUM(l6_origin_block, last), COL_TEXT(l6_origin_block, text),
    COL_NUM(l6_origin_block, batch), COL_NUM(l6_origin_block, serial_first), COL_TEXT(l6_origin_block, project),
    COL_TEXT(l6_origin_block, vintage_start), COL_TEXT(l6_origin_block, vintage_end)
};
void store_dec_origin(const store_row *rw, void *o) { dec_cols(rw, o, origin_cols, COLS(origin_cols)); }

static const store_col unplaced_cols[] = {
    COL_TEXT(l6_origin_unplaced, origin), COL_TEXT(l6_origin_unplaced, project),
    COL_TEXT(l6_origin_unplaced, vintage_start), COL_TEXT(l6_origin_unplaced, vintage_end),
    COL_NUM(l6_origin_unplaced, vintage), COL_NUM(l6_origin_unplaced, total), COL_NUM(l6_origin_unplaced, unplaced),
    COL_NUM(l6_origin_unplaced, buffer), COL_NUM(l6_origin_unplaced, retired), COL_NUM(l6_origin_unplaced, total_kg),
    COL_NUM(l6_origin_unplaced, buffer_kg), COL_NUM(l6_origin_unplaced, retired_kg)
};
void store_dec_unplaced(const store_row *rw, void *o) { dec_cols(rw, o, unplaced_cols, COLS(unplaced_cols)); }

static const store_col tx_terms_cols[] = {
    COL_NUM(l6_tx_terms, tx), COL_NUM(l6_tx_terms, amount), COL_TEXT(l6_tx_terms, currency)
};
void store_dec_tx_terms(const store_row *rw, void *o) { dec_cols(rw, o, tx_terms_cols, COLS(tx_terms_cols)); }

static const store_col stat_cols[] = {
    COL_TEXT(l6_stat_row, key), COL_NUM(l6_stat_row, issued), COL_NUM(l6_stat_row, retired)
};
void store_dec_stat(const store_row *rw, void *o) { dec_cols(rw, o, stat_cols, COLS(stat_cols)); }

/* Records read by a get: a web session, a registry's policy, an origin's
 * project and period; one integer (a total) and one flag. */
static const store_col session_cols[] = {
    COL_NUM(l6_session, user), COL_TEXT(l6_session, csrf_hash), COL_NUM(l6_session, created_ms),
    COL_NUM(l6_session, last_ms)
};
void store_dec_session(const store_row *rw, void *o) { dec_cols(rw, o, session_cols, COLS(session_cols)); }
static const store_col policy_cols[] = {
    COL_TEXT(l6_policy_rec, registry), COL_TEXT(l6_policy_rec, body), COL_NUM(l6_policy_rec, hold_account)
};
void store_dec_policy(const store_row *rw, void *o) { dec_cols(rw, o, policy_cols, COLS(policy_cols)); }
static const store_col oproj_cols[] = {
    COL_TEXT(l6_origin_project, origin), COL_TEXT(l6_origin_project, project), COL_TEXT(l6_origin_project, status),
    COL_TEXT(l6_origin_project, registered)
};
void store_dec_oproj(const store_row *rw, void *o) { dec_cols(rw, o, oproj_cols, COLS(oproj_cols)); }
static const store_col operiod_cols[] = {
    COL_TEXT(l6_origin_period, vintage_start), COL_TEXT(l6_origin_period, vintage_end)
};
void store_dec_operiod(const store_row *rw, void *o) { dec_cols(rw, o, operiod_cols, COLS(operiod_cols)); }
void store_dec_total(const store_row *rw, void *o) { *(l6_qty *)o = row_i64(rw, 0); }
void store_dec_flag(const store_row *rw, void *o) { *(bool *)o = row_i64(rw, 0) != 0; }
