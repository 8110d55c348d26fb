/*
 * cadt.c -- the Climate Action Data Trust's shape of the registry (issue 17
 * item 4, docs/IMPORT.md "CADT"): GET /v1/cadt/projects, /v1/cadt/units and
 * `ledger6 export cadt`.
 *
 * Field names and picklist values are CADT's own (Chia-Network/cadt,
 * commit 171e6d636265c248a5893a0e9efad50dd2e4f12e: src/models/units/
 * units.modeltypes.cjs, src/models/projects/projects.modeltypes.cjs,
 * src/models/issuances/issuances.modeltypes.cjs, the picklists of
 * src/models/governance/governance.stub.js). A CADT field ledger6 has no
 * source for is null, never filled with a made-up value; what ledger6
 * knows and CADT has no field for (the status date, the ITMO reference,
 * ledger6's own ids) is in each record's "ledger6" object.
 *
 * A CADT unit is a block of consecutive serials in one state. The units
 * are the blocks of every batch (by batch, then first serial), split where
 * one state ends: a block of a retirement or cancellation account at the
 * edges of the transactions that moved its parts there (adjacent blocks of
 * one account merge, but each retirement keeps its reason and date), and
 * any block at the edges of its ITMO ranges (corresponding adjustments are
 * per ITMO range). Read on a reader view, page by page.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/a6.h"
#include "../core/serial.h"
#include "crit.h"
#include "origin.h"
#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)

static int cadt_limit(const l6_page *pg) {
  if (pg == NULL || pg->limit <= 0) return L6_DEFAULT_PAGE;
  return pg->limit > L6_MAX_PAGE ? L6_MAX_PAGE : pg->limit;
}

/* ---- small collectors ------------------------------------------------------ */

typedef struct {
  void *v;
  size_t n, cap, size;
  bool oom; /* a row did not fit: the caller answers NOMEM */
} vec;

static int vec_push(vec *x, const void *row) {
  if (x->n == x->cap) {
    size_t nc = x->cap ? x->cap * 2 : 16;
    void *p = realloc(x->v, nc * x->size);
    if (p == NULL) {
      x->oom = true;
      return 1;
    }
    x->v = p;
    x->cap = nc;
  }
  memcpy((char *)x->v + x->n * x->size, row, x->size);
  x->n++;
  return 0;
}

static int vec_row(void *ctx, const void *row) { return vec_push(ctx, row); }

/* A collecting store call's result: NOMEM when a row did not fit. */
static l6_err vec_check(l6_err e, const vec *x, l6_error *err) {
  return e == L6_E_OK && x->oom ? l6_fail(err, L6_E_NOMEM, NULL) : e;
}

/* ---- units ----------------------------------------------------------------- */

/* CADT unitStatus (picklist unitStatus: Held, Retired, Cancelled, Expired,
 * Buffer, Exported, Pending Export) of an account type. */
static const char *unit_status(l6_account_type t) {
  switch (t) {
  case L6_ACCT_RETIREMENT:
  case L6_ACCT_SURRENDER:
    return "Retired";
  case L6_ACCT_CANCELLATION:
  case L6_ACCT_OMGE_CANCELLATION:
    return "Cancelled";
  case L6_ACCT_BUFFER:
    return "Buffer";
  case L6_ACCT_LINK_EXTERNAL:
    return "Exported";
  case L6_ACCT_LINK_ESCROW:
    return "Pending Export";
  default:
    return "Held";
  }
}

typedef struct {
  l6_svc *s;
  l6_error *err;
  json_t *arr;
  int limit;
  l6_id after_batch;
  int64_t after_first;
  char next[48];
  /* the batch being listed */
  l6_batch b;
  char host[4];
  char labels[512];
} unit_ctx;

/* The day a transaction happened: its effective date (at its origin
 * registry) where it has one, else the day ledger6 committed it. */
static l6_err tx_date(l6_svc *s, const l6_tx *t, char out[11], bool *unstated, l6_error *err) {
  l6_error ign;
  *unstated = false;
  l6_err e = OPS->tx_origin_get(s->st, t->id, out, unstated, &ign);
  if (e == L6_E_OK) return L6_E_OK;
  if (e != L6_E_NOT_FOUND) return l6_fail(err, e, "%s", ign.message);
  snprintf(out, 11, "%.10s", t->ts);
  return L6_E_OK;
}

static json_t *serial_json(const unit_ctx *c, int64_t first, int64_t last) {
  l6_serial sn = {.vintage = c->b.vintage, .batch = c->b.id, .first = first, .last = last, .is_block = first != last};
  snprintf(sn.unit_type, sizeof sn.unit_type, "%s", c->b.unit_type);
  snprintf(sn.host, sizeof sn.host, "%s", c->host);
  snprintf(sn.project, sizeof sn.project, "%s", c->b.project);
  char buf[L6_SERIAL_MAX + 1];
  return serial_format(&sn, buf, sizeof buf) < 0 ? json_null() : json_string(buf);
}

/* Emits one unit: serials [first, last] of the batch, in an account of
 * type t (registry reg), moved there by transaction tx (NULL: an account
 * that is not terminal), its ITMO range it (NULL: none). */
static l6_err emit(unit_ctx *c, int64_t first, int64_t last, const l6_account *acc, const l6_tx *tx,
                   const l6_a6_itmo *it) {
  l6_svc *s = c->s;
  if (c->b.id == c->after_batch && first <= c->after_first) return L6_E_OK; /* on the previous page */
  if ((int)json_array_size(c->arr) >= c->limit) return L6_E_OK;
  l6_error ign;
  l6_registry reg = {0};
  l6_party party = {0};
  const char *country = NULL;
  /* A Party's registry: its Party. An independent standard's (an import's
   * origin, kind "standard"): its seat says nothing of who holds the
   * units there, so null. */
  if (OPS->registry_get(s->st, acc->registry, &reg, &ign) == L6_E_OK && strcmp(reg.kind, "standard") != 0 &&
      OPS->party_get(s->st, reg.party, &party, &ign) == L6_E_OK)
    country = party.name;
  char status_date[11] = "";
  bool unstated = false;
  l6_err e = L6_E_OK;
  if (tx) e = tx_date(s, tx, status_date, &unstated, c->err);
  if (e != L6_E_OK) return e;
  char wid[48];
  snprintf(wid, sizeof wid, "%lld.%lld", (long long)c->b.id, (long long)first);
  char iss[24];
  snprintf(iss, sizeof iss, "%lld", (long long)c->b.id);
  /* Corresponding adjustment (picklists correspondingAdjustmentDeclaration:
   * Committed, Not Required, Unknown; correspondingAdjustmentStatus: Not
   * Started, Pending, Completed). An ITMO: its host committed to adjust;
   * the adjustment is booked at first transfer (a6.c: the "First
   * transfer" action's ca), so Completed once first transferred, else Not
   * Started. Not an ITMO: no authorization, no adjustment to make. */
  const char *ca_decl = it ? "Committed" : "Not Required";
  const char *ca_status = it ? (it->ft_year > 0 ? "Completed" : "Not Started") : NULL;
  json_t *itmo = json_null();
  if (it) {
    a6_itmo_id a = {.approach = it->approach, .serial = it->itmo_first + (first - it->first), .vintage = it->vintage};
    snprintf(a.registry, sizeof a.registry, "%s", it->registry);
    snprintf(a.host, sizeof a.host, "%s", it->host);
    char f[A6_ITMO_ID_MAX], l[A6_ITMO_ID_MAX];
    a6_itmo_format(&a, f, sizeof f);
    a.serial = it->itmo_first + (last - it->first);
    a6_itmo_format(&a, l, sizeof l);
    itmo = json_pack("{s:I, s:i, s:s, s:s, s:i, s:s?}", "authorization", (json_int_t)it->auth, "approach",
                     it->approach, "first", f, "last", l, "firstTransferYear", it->ft_year, "fate",
                     it->fate[0] ? it->fate : NULL);
    if (it->ft_year == 0) json_object_set_new(itmo, "firstTransferYear", json_null());
  }
  json_t *issuance =
      json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:n, s:n, s:n}", "id", iss, "orgUid", c->b.registry, "warehouseProjectId",
                c->b.project, "startDate", c->b.production_start[0] ? c->b.production_start : NULL, "endDate",
                c->b.production_end[0] ? c->b.production_end : NULL, "verificationApproach", "verificationReportDate",
                "verificationBody");
  json_t *ext = json_pack(
      "{s:I, s:I, s:I, s:s, s:s, s:s, s:s?, s:I, s:o}", "batch", (json_int_t)c->b.id, "first", (json_int_t)first,
      "last", (json_int_t)last, "unitType", c->b.unit_type, "accountType", l6_account_type_str(acc->type), "registry",
      acc->registry, "statusDate", status_date[0] ? status_date : NULL, "transaction", (json_int_t)(tx ? tx->id : 0),
      "itmo", itmo);
  if (tx == NULL) json_object_set_new(ext, "transaction", json_null());
  if (tx) json_object_set_new(ext, "beneficiaryNotStated", json_boolean(unstated));
  json_t *u = json_pack(
      "{s:s, s:s, s:n, s:s, s:s?, s:s?, s:n, s:o, s:o, s:o, s:I, s:i, s:n, s:n, s:n, s:n, s:s?, s:s, s:s?, s:n, "
      "s:s, s:s?, s:o, s:o}",
      "warehouseUnitId", wid, "issuanceId", iss, "projectLocationId", "orgUid", c->b.registry, "unitOwner",
      tx && tx->beneficiary[0] ? tx->beneficiary : NULL, "countryJurisdictionOfOwner", country,
      "inCountryJurisdictionOfOwner", "serialNumberBlock", serial_json(c, first, last), "unitBlockStart",
      serial_json(c, first, first), "unitBlockEnd", serial_json(c, last, last), "unitCount",
      (json_int_t)(last - first + 1), "vintageYear", c->b.vintage, "unitType", "marketplace", "marketplaceLink",
      "marketplaceIdentifier", "unitTags", c->labels[0] ? c->labels : NULL, "unitStatus", unit_status(acc->type),
      "unitStatusReason", tx && tx->purpose[0] ? tx->purpose : NULL, "unitRegistryLink",
      "correspondingAdjustmentDeclaration", ca_decl, "correspondingAdjustmentStatus", ca_status, "issuance", issuance,
      "ledger6", ext);
  if (u == NULL) return l6_fail(c->err, L6_E_NOMEM, NULL);
  json_array_append_new(c->arr, u);
  snprintf(c->next, sizeof c->next, "%s", wid);
  return L6_E_OK;
}

/* Splits [first, last] at the edges of its ITMO ranges. */
static l6_err emit_itmo_split(unit_ctx *c, int64_t first, int64_t last, const l6_account *acc, const l6_tx *tx) {
  l6_svc *s = c->s;
  vec its = {.size = sizeof(l6_a6_itmo)};
  l6_err e = OPS->a6_itmo_in_batch(s->st, c->b.id, first, last, vec_row, &its, c->err);
  e = vec_check(e, &its, c->err);
  int64_t at = first;
  for (size_t i = 0; i < its.n && e == L6_E_OK; i++) {
    const l6_a6_itmo *it = (const l6_a6_itmo *)its.v + i;
    int64_t f = it->first > at ? it->first : at, l = it->last < last ? it->last : last;
    if (f > l) continue;
    if (f > at) e = emit(c, at, f - 1, acc, tx, NULL);
    if (e == L6_E_OK) e = emit(c, f, l, acc, tx, it);
    at = l + 1;
  }
  if (e == L6_E_OK && at <= last) e = emit(c, at, last, acc, tx, NULL);
  free(its.v);
  return e;
}

typedef struct {
  l6_id account;
  l6_tx_line last; /* the last line that moved the serial into account */
  bool found;
} into_ctx;

static int into_row(void *ctx, const void *row) {
  into_ctx *c = ctx;
  const l6_tx_line *l = row;
  if (l->to_account == c->account) {
    c->last = *l;
    c->found = true;
  }
  return 0;
}

/* A block: a terminal account's split by the transactions that moved its
 * parts there (their reason and date), any account's by ITMO ranges. */
static l6_err emit_block(unit_ctx *c, const l6_block *blk) {
  l6_svc *s = c->s;
  l6_account acc;
  l6_err e = OPS->account_get(s->st, blk->account, &acc, c->err);
  if (e != L6_E_OK) return e;
  if (!l6_account_type_terminal(acc.type)) return emit_itmo_split(c, blk->first, blk->last, &acc, NULL);
  int64_t at = blk->first;
  while (e == L6_E_OK && at <= blk->last && (int)json_array_size(c->arr) < c->limit) {
    into_ctx h = {.account = acc.id};
    e = OPS->serial_history(s->st, blk->batch, at, into_row, &h, c->err);
    if (e != L6_E_OK) break;
    if (!h.found) return l6_fail(c->err, L6_E_INTERNAL, "no transaction moved serial %lld of batch %lld into account %lld",
                                 (long long)at, (long long)blk->batch, (long long)acc.id);
    int64_t end = h.last.last < blk->last ? h.last.last : blk->last;
    l6_tx tx;
    e = OPS->tx_get(s->st, h.last.tx, &tx, c->err);
    if (e == L6_E_OK) e = emit_itmo_split(c, at, end, &acc, &tx);
    at = end + 1;
  }
  return e;
}

static int block_cmp(const void *a, const void *b) {
  int64_t x = ((const l6_block *)a)->first, y = ((const l6_block *)b)->first;
  return x < y ? -1 : x > y;
}

/* The units of one batch, from its first block past the cursor. */
static l6_err batch_units(unit_ctx *c, const l6_batch *b) {
  l6_svc *s = c->s;
  c->b = *b;
  l6_project p;
  l6_err e = OPS->project_get(s->st, b->project, &p, c->err);
  if (e != L6_E_OK) return e;
  snprintf(c->host, sizeof c->host, "%s", p.host);
  /* unitTags: the batch's labels (config/labels.json), comma-separated. */
  json_t *labels = NULL;
  e = crit__batch_labels_json(s, b->id, &labels, c->err);
  if (e != L6_E_OK) return e;
  c->labels[0] = '\0';
  size_t i;
  json_t *l;
  json_array_foreach(labels, i, l) {
    const char *name = json_string_value(json_object_get(l, "label"));
    if (name == NULL || strstr(c->labels, name)) continue;
    size_t n = strlen(c->labels);
    snprintf(c->labels + n, sizeof c->labels - n, "%s%s", n ? "," : "", name);
  }
  json_decref(labels);
  vec blocks = {.size = sizeof(l6_block)};
  e = vec_check(OPS->blocks_of_batch(s->st, b->id, vec_row, &blocks, c->err), &blocks, c->err);
  if (e == L6_E_OK && blocks.n) qsort(blocks.v, blocks.n, sizeof(l6_block), block_cmp);
  for (size_t k = 0; k < blocks.n && e == L6_E_OK && (int)json_array_size(c->arr) < c->limit; k++) {
    const l6_block *blk = (const l6_block *)blocks.v + k;
    if (b->id == c->after_batch && blk->last <= c->after_first) continue;
    e = emit_block(c, blk);
  }
  free(blocks.v);
  return e;
}

/* A cursor "BATCH.FIRST" (a warehouseUnitId). */
static bool parse_unit_cursor(const char *s, l6_id *batch, int64_t *first) {
  char *end;
  if (s[0] < '1' || s[0] > '9') return false;
  long long b = strtoll(s, &end, 10);
  if (*end != '.' || end[1] < '1' || end[1] > '9') return false;
  long long f = strtoll(end + 1, &end, 10);
  if (*end != '\0' || b <= 0 || f <= 0 || b == INT64_MAX || f == INT64_MAX) return false;
  *batch = b;
  *first = f;
  return true;
}

l6_err svc_cadt_units(l6_svc *s, const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_cadt_units, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  unit_ctx c = {.s = s, .err = err, .limit = cadt_limit(pg)};
  if (pg && pg->after[0] && !parse_unit_cursor(pg->after, &c.after_batch, &c.after_first))
    return l6_fail(err, L6_E_BAD_PARAM, "after must be a cursor from a previous page");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  c.arr = json_array();
  if (c.after_batch) {
    l6_batch b;
    e = OPS->batch_get(s->st, c.after_batch, &b, err);
    if (e == L6_E_OK) e = batch_units(&c, &b);
  }
  l6_id after = c.after_batch;
  while (e == L6_E_OK && (int)json_array_size(c.arr) < c.limit) {
    vec bs = {.size = sizeof(l6_batch)};
    e = vec_check(OPS->batch_list(s->st, "", after, 64, vec_row, &bs, err), &bs, err);
    for (size_t i = 0; i < bs.n && e == L6_E_OK && (int)json_array_size(c.arr) < c.limit; i++) {
      const l6_batch *b = (const l6_batch *)bs.v + i;
      e = batch_units(&c, b);
      after = b->id;
    }
    size_t n = bs.n;
    free(bs.v);
    if (n < 64) break;
  }
  *out = json_pack("{s:o}", "items", c.arr);
  if (*out) view_set_next(*out, (int)json_array_size(c.arr) == c.limit ? c.next : NULL);
  return svc__finish_out(s, e, out, err);
}

/* ---- projects -------------------------------------------------------------- */

/* CADT projectStatus (picklist projectStatusValues: Listed, Registered,
 * Completed, Transitioned, Withdrawn, De-registered); ledger6's
 * "suspended" has no CADT value: null (ledger6.status tells it). */
static const char *project_status(const char *st) {
  if (strcmp(st, "listed") == 0) return "Listed";
  if (strcmp(st, "registered") == 0) return "Registered";
  return NULL;
}

static json_t *cadt_project(l6_svc *s, const l6_project *p) {
  const char *origin_name = NULL, *origin_id = NULL;
  const char *origin = svc__origin_of_project(s, p->id, &origin_name, &origin_id);
  l6_error ign;
  l6_party host = {0};
  const char *host_registry = NULL;
  char reg_name[L6_NAME_MAX + 1] = "";
  if (OPS->party_get(s->st, p->host, &host, &ign) == L6_E_OK) {
    snprintf(reg_name, sizeof reg_name, "%s", host.name);
    host_registry = reg_name;
  }
  /* currentRegistry and registryOfOrigin: the origin registry's name for an
   * imported project (config/origins.json), else this registry's host
   * Party (ledger6 is the Party's registry of origin). */
  const char *registry = origin ? origin_name : host_registry;
  json_t *ext = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?}", "id", p->id, "host", p->host, "kind", p->kind,
                          "creditingStart", p->crediting_start[0] ? p->crediting_start : NULL, "creditingEnd",
                          p->crediting_end[0] ? p->crediting_end : NULL, "status", p->status, "origin", origin);
  return json_pack("{s:s, s:n, s:s?, s:s, s:s, s:s?, s:s, s:s, s:n, s:n, s:s?, s:n, s:n, s:n, s:n, s:s?, s:n, "
                   "s:s, s:s?, s:n, s:n, s:n, s:n, s:o}",
                   "warehouseProjectId", p->id, "orgUid", "currentRegistry", registry, "projectId", p->id,
                   "originProjectId", origin ? origin_id : p->id, "registryOfOrigin", registry, "program", p->programme,
                   "projectName", p->title, "projectLink", "projectDeveloper", "sector",
                   p->sector[0] ? p->sector : NULL, "projectType", "projectTags", "coveredByNDC", "ndcInformation",
                   "projectStatus", project_status(p->status), "projectStatusDate", "unitMetric", "tCO2e", "methodology",
                   p->methodology[0] ? p->methodology : NULL, "methodology2", "validationBody", "validationDate",
                   "description", "ledger6", ext);
}

l6_err svc_cadt_projects(l6_svc *s, const l6_page *pg, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_cadt_projects, pg, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  int limit = cadt_limit(pg);
  if (pg && pg->after[0] && !l6_valid_project_id(pg->after))
    return l6_fail(err, L6_E_BAD_PARAM, "after must be a cursor from a previous page");
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  vec ps = {.size = sizeof(l6_project)};
  e = vec_check(OPS->project_list(s->st, NULL, NULL, NULL, pg ? pg->after : "", limit, vec_row, &ps, err), &ps, err);
  json_t *arr = json_array();
  for (size_t i = 0; i < ps.n && e == L6_E_OK; i++) json_array_append_new(arr, cadt_project(s, (const l6_project *)ps.v + i));
  char cur[L6_CODE_MAX + 1] = "";
  if (ps.n) snprintf(cur, sizeof cur, "%s", ((const l6_project *)ps.v)[ps.n - 1].id);
  *out = json_pack("{s:o}", "items", arr);
  if (*out) view_set_next(*out, (int)ps.n == limit ? cur : NULL);
  free(ps.v);
  return svc__finish_out(s, e, out, err);
}
