/*
 * link_a6.c -- Article 6 across links (issue 19 item 4); see link_a6.h and
 * docs/LINKS.md, "Article 6 across links".
 *
 * The rule followed (domain.md section 4): "First transfer: for NDC use,
 * the first international transfer" and "Corresponding adjustment: the
 * first-transferring Party adds the ITMOs to its reported emissions; the
 * using Party subtracts them." Seed 000: "国际转让的减缓成果会导致东道国排放量
 * 的相应调整" (internationally transferred mitigation outcomes lead to a
 * corresponding adjustment of the host's emissions); seed 004: "转让方应进
 * 行相应调整以避免双重核算" (the transferring Party should make the
 * corresponding adjustment to avoid double counting). So the host books
 * the first transfer and its adjustment when the units leave its registry
 * for another Party's, and the acquiring registry books the acquisition
 * (and later the use, POST /v1/a6/uses, with the ITMOs recorded here).
 */
#include "link_a6.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/a6.h"
#include "a6.h"
#include "service_int.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

static const char *jstr(const json_t *o, const char *k) {
  const char *v = json_string_value(json_object_get(o, k));
  return v ? v : "";
}
static int64_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static bool list_has(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; *p;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == n && strncmp(p, item, n) == 0) return true;
    if (!end) break;
    p = end + 1;
  }
  return false;
}

typedef struct {
  l6_a6_itmo *r;
  size_t n, cap;
  bool overflow;
} rows;

static int row_add(void *ctx, const void *row) {
  rows *b = ctx;
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 8;
    l6_a6_itmo *nr = cap > L6_A6_MAX_PIECES ? NULL : realloc(b->r, cap * sizeof *nr);
    if (nr == NULL) {
      b->overflow = true;
      return 1;
    }
    b->r = nr;
    b->cap = cap;
  }
  b->r[b->n++] = *(const l6_a6_itmo *)row;
  return 0;
}

static l6_err rows_of(l6_svc *s, l6_id batch, int64_t first, int64_t last, rows *out, l6_error *err) {
  l6_err e = OPS->a6_itmo_in_batch(ST, batch, first, last, row_add, out, err);
  if (e == L6_E_OK && out->overflow)
    e = l6_fail(err, L6_E_TOO_MANY_RANGES, "batch %lld has too many ITMO ranges", (long long)batch);
  return e;
}

/* ---- authorization references ------------------------------------------------ */

static l6_err rec_body(l6_svc *s, const char *kind, const char *key, json_t **out, l6_error *err) {
  *out = NULL;
  l6_link_rec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_error e2 = {0};
  l6_err e = OPS->link_get(ST, kind, key, r, &e2);
  if (e == L6_E_OK) {
    json_error_t je;
    *out = json_loads(r->body, 0, &je);
  } else if (e == L6_E_NOT_FOUND) {
    e = L6_E_OK;
  } else {
    *err = e2;
  }
  free(r);
  return e;
}

static l6_err rec_store(l6_svc *s, const char *kind, const char *key, const json_t *body, l6_error *err) {
  l6_link_rec *r = calloc(1, sizeof *r);
  char *txt = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  l6_err e = r && txt ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) {
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->body, sizeof r->body, "%s", txt);
    e = OPS->link_put(ST, r, err);
  }
  free(txt);
  free(r);
  return e;
}

/* The reference of local authorization id: the one it copies (link record
 * "aloc"), else this registry's own. */
static l6_err auth_ref(l6_svc *s, const char *registry, l6_id id, char ref[32], l6_error *err) {
  char key[32];
  snprintf(key, sizeof key, "%020lld", (long long)id);
  json_t *o;
  l6_err e = rec_body(s, "aloc", key, &o, err);
  if (e == L6_E_OK && o && strlen(jstr(o, "ref")) < 32) snprintf(ref, 32, "%s", jstr(o, "ref"));
  else if (e == L6_E_OK) snprintf(ref, 32, "%s:%lld", registry, (long long)id);
  json_decref(o);
  return e;
}

/* A reference "REG01:ID": its registry and id; false when malformed. */
static bool ref_parse(const char *ref, char reg[6], l6_id *id) {
  if (strlen(ref) < 7 || strlen(ref) > 25 || ref[5] != ':') return false;
  snprintf(reg, 6, "%.5s", ref);
  char *end;
  long long v = strtoll(ref + 6, &end, 10);
  if (*end != '\0' || v < 1 || !l6_valid_registry_id(reg)) return false;
  *id = v;
  return true;
}

static json_t *terms_json(const l6_a6_auth *x) {
  return json_pack("{s:s, s:i, s:s, s:i, s:i, s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:b, s:i, s:b}", "party", x->party,
                   "approach", x->approach, "project", x->project, "vintage_from", x->vintage_from, "vintage_to",
                   x->vintage_to, "quantity", (json_int_t)x->quantity, "purposes", x->purposes, "first_transfer_event",
                   x->ft_event, "authorized_parties", x->parties, "authorized_entities", x->entities, "year_from",
                   x->year_from, "year_to", x->year_to, "in_ndc_scope", x->in_scope, "version", x->version, "revoked",
                   x->revoked);
}

/* Terms of a message's authorization into x (id untouched); false when malformed. */
static bool terms_load(const json_t *t, l6_a6_auth *x) {
  static const char *const strs[] = {"party", "project", "purposes", "first_transfer_event", "authorized_parties",
                                     "authorized_entities"};
  static const char *const ints[] = {"approach", "vintage_from", "vintage_to", "quantity", "year_from", "year_to", "version"};
  if (!json_is_object(t)) return false;
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (!json_is_string(json_object_get(t, strs[i]))) return false;
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (!json_is_integer(json_object_get(t, ints[i]))) return false;
  if (!json_is_boolean(json_object_get(t, "in_ndc_scope")) || !json_is_boolean(json_object_get(t, "revoked"))) return false;
  if (!l6_valid_alpha3(jstr(t, "party")) || strlen(jstr(t, "project")) > L6_CODE_MAX ||
      strlen(jstr(t, "purposes")) >= sizeof x->purposes || strlen(jstr(t, "first_transfer_event")) >= sizeof x->ft_event ||
      strlen(jstr(t, "authorized_parties")) > L6_A6_LIST_MAX || strlen(jstr(t, "authorized_entities")) > L6_A6_LIST_MAX)
    return false;
  unsigned purposes = 0;
  if (!a6_purposes_parse(jstr(t, "purposes"), &purposes)) return false;
  snprintf(x->party, sizeof x->party, "%s", jstr(t, "party"));
  snprintf(x->project, sizeof x->project, "%s", jstr(t, "project"));
  snprintf(x->purposes, sizeof x->purposes, "%s", jstr(t, "purposes"));
  snprintf(x->ft_event, sizeof x->ft_event, "%s", jstr(t, "first_transfer_event"));
  snprintf(x->parties, sizeof x->parties, "%s", jstr(t, "authorized_parties"));
  snprintf(x->entities, sizeof x->entities, "%s", jstr(t, "authorized_entities"));
  x->approach = (int)jint(t, "approach");
  x->vintage_from = (int)jint(t, "vintage_from");
  x->vintage_to = (int)jint(t, "vintage_to");
  x->quantity = jint(t, "quantity");
  x->year_from = (int)jint(t, "year_from");
  x->year_to = (int)jint(t, "year_to");
  x->version = (int)jint(t, "version");
  x->in_scope = json_is_true(json_object_get(t, "in_ndc_scope"));
  x->revoked = json_is_true(json_object_get(t, "revoked"));
  return true;
}

/* A message's ITMO entry as a range of local batch `batch`. */
static l6_a6_itmo entry_row(const json_t *it, l6_id batch) {
  l6_a6_itmo r = {.approach = (int)jint(it, "approach"), .batch = batch, .first = jint(it, "first"),
                  .last = jint(it, "last"), .itmo_first = jint(it, "itmo_first"), .vintage = (int)jint(it, "vintage"),
                  .ft_year = (int)jint(it, "first_transfer_year")};
  snprintf(r.registry, sizeof r.registry, "%s", jstr(it, "registry"));
  snprintf(r.host, sizeof r.host, "%s", jstr(it, "host"));
  return r;
}

/* The transferring Party of an ITMO entry's crossing: the sending
 * registry's Party (the proposal's "party"), except for A6.4ERs that leave
 * the registry that issued them, the Article 6.4 mechanism registry
 * forwarding them (docs/LINKS.md, "The mechanism registry"): the mechanism
 * registry is no Party's, it forwards the host's authorized units, so they
 * cross on the host's behalf. Seed 001, table 2: "A6.4ERs (Article 6.4
 * Emission Reductions, 当被相关国家授权用于实现NDC或其他国际减缓目的时，属于
 * ITMOs范畴)" (authorized by the Party concerned for NDC or other
 * international mitigation purposes, A6.4ERs are ITMOs); seed 003: "第
 * 6.4 条建立由联合国监督的集中式全球碳市场" (Article 6.4 sets up a centralised
 * global carbon market supervised by the UN). The unit type is the one
 * config/mechanisms/pacm.json gives the mechanism's units. */
#define MECH_UNIT_TYPE "A6.4ER"
static bool entry_mech(const json_t *msg, const json_t *it) {
  const json_t *rg = json_array_get(json_object_get(msg, "ranges"), (size_t)jint(it, "range"));
  return strcmp(jstr(rg, "unit_type"), MECH_UNIT_TYPE) == 0 && strcmp(jstr(rg, "origin"), jstr(msg, "from")) == 0 &&
         strcmp(jstr(it, "registry"), jstr(msg, "from")) == 0 && l6_valid_alpha3(jstr(it, "host"));
}

static const char *entry_from(const json_t *msg, const json_t *it) {
  return entry_mech(msg, it) ? jstr(it, "host") : jstr(msg, "party");
}

/* The host's books of A6.4ERs follow the units (docs/LINKS.md, "The
 * mechanism registry", "A6.4ERs sent on by the host's registry"): A6.4ERs
 * not yet first transferred that the mechanism registry forwards to the
 * host's own registry leave the host's books in the mechanism registry
 * ("Forwarded out") and enter them in the host's registry ("Forwarded
 * in"), each in the transaction the link books in (no international
 * transfer: no AEF action). So the host's registry, which then sends them
 * on to another Party and books their first transfer (seed 004:
 * "转让方应进行相应调整以避免双重核算", the transferring Party makes the
 * corresponding adjustment to avoid double counting), holds them in its
 * books, and the mechanism registry no longer counts them. */
#define FORWARDED_OUT "Forwarded out"
#define FORWARDED_IN "Forwarded in"

/* Whether the entry's crossing from from_party to another Party is its
 * first transfer, by the terms the message carries: both sides decide
 * with this one rule on the same data. */
static bool entry_due(const json_t *msg, const json_t *it, const char *from_party) {
  l6_a6_auth x = {0};
  if (!terms_load(json_object_get(json_object_get(msg, "authorizations"), jstr(it, "authorization")), &x)) return false;
  l6_a6_itmo r = entry_row(it, 0);
  return a6__first_transfer_due(&r, &x, from_party);
}

/* ---- the sender -------------------------------------------------------------- */

l6_err link_a6_export(l6_svc *s, const char *registry, size_t idx, l6_id batch, int64_t first, int64_t last,
                      json_t *itmos, json_t *auths, l6_error *err) {
  rows rs = {0};
  l6_err e = rows_of(s, batch, first, last, &rs, err);
  l6_a6_auth x = {0};
  for (size_t i = 0; i < rs.n && e == L6_E_OK; i++) {
    l6_a6_itmo r = rs.r[i];
    if (x.id != r.auth && (e = OPS->a6_auth_get(ST, r.auth, &x, err)) != L6_E_OK) break;
    if (r.fate[0] || (x.revoked && r.ft_year == 0)) continue; /* no ITMO any more (a6.c, itmo_active) */
    if (r.first < first) {
      r.itmo_first += first - r.first;
      r.first = first;
    }
    if (r.last > last) r.last = last;
    char ref[32], fid[64], lid[64];
    if ((e = auth_ref(s, registry, x.id, ref, err)) != L6_E_OK) break;
    a6__itmo_id(&r, r.itmo_first, fid);
    a6__itmo_id(&r, r.itmo_first + (r.last - r.first), lid);
    json_array_append_new(itmos, json_pack("{s:I, s:I, s:I, s:I, s:i, s:s, s:s, s:i, s:i, s:s, s:s, s:s}", "range",
                                           (json_int_t)idx, "first", (json_int_t)r.first, "last", (json_int_t)r.last,
                                           "itmo_first", (json_int_t)r.itmo_first, "approach", r.approach, "registry",
                                           r.registry, "host", r.host, "vintage", r.vintage, "first_transfer_year",
                                           r.ft_year, "first_id", fid, "last_id", lid, "authorization", ref));
    if (json_object_get(auths, ref) == NULL) json_object_set_new(auths, ref, terms_json(&x));
  }
  free(rs.r);
  return e;
}

l6_err link_a6_transferred(l6_svc *s, const json_t *msg, const l6_id *batches, size_t n, l6_id tx, const char *my_party,
                           const char *to_party, int year, l6_error *err) {
  if (!l6_valid_alpha3(to_party)) return L6_E_OK;
  size_t i;
  json_t *it;
  l6_err e = L6_E_OK;
  json_array_foreach(json_object_get(msg, "itmos"), i, it) {
    size_t idx = (size_t)jint(it, "range");
    if (idx >= n) return l6_fail(err, L6_E_INTERNAL, "itmos[%zu] names no range of the transfer", i);
    (void)my_party; /* the proposal's party; entry_from says whose crossing it is */
    const char *from = entry_from(msg, it);
    bool forward = strcmp(to_party, from) == 0; /* a domestic link: no AEF action */
    if (forward && !entry_mech(msg, it)) continue;
    bool due = !forward && entry_due(msg, it, from);
    rows rs = {0};
    e = rows_of(s, batches[idx], jint(it, "first"), jint(it, "last"), &rs, err);
    for (size_t k = 0; k < rs.n && e == L6_E_OK; k++) {
      l6_a6_itmo *r = &rs.r[k];
      if (forward && r->ft_year != 0) continue; /* first transferred: no longer in the host's books */
      e = a6__isolate(s, r, jint(it, "first"), jint(it, "last"), err);
      if (e == L6_E_OK && forward) {
        e = a6__put_action(s, tx, FORWARDED_OUT, from, r, from, to_party, year, 0, err);
        continue;
      }
      if (e == L6_E_OK && due && r->ft_year == 0) e = a6__first_transfer(s, tx, r, year, to_party, err);
      if (e == L6_E_OK) e = a6__put_action(s, tx, "Transfer", from, r, from, to_party, year, 0, err);
    }
    free(rs.r);
    if (e != L6_E_OK) break;
  }
  return e;
}

/* ---- the receiver ------------------------------------------------------------ */

static void say(char *detail, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *detail, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, cap, fmt, ap);
  va_end(ap);
}

l6_err link_a6_check(l6_svc *s, const char *registry, const json_t *msg, const char *my_party, int year,
                     const char **code, char *detail, size_t cap, l6_error *err) {
  *code = NULL;
  const json_t *itmos = json_object_get(msg, "itmos"), *auths = json_object_get(msg, "authorizations");
  const json_t *ranges = json_object_get(msg, "ranges");
  if (itmos == NULL && auths == NULL) return L6_E_OK; /* a proposal without Article 6 units */
  const char *from_party = jstr(msg, "party");
  if (!json_is_array(itmos) || !json_is_object(auths) || (json_array_size(itmos) > 0 && !l6_valid_alpha3(from_party))) {
    *code = "L08";
    say(detail, cap, "itmos, authorizations or the sender's party is malformed");
    return L6_E_OK;
  }
  size_t i;
  json_t *it;
  json_array_foreach(itmos, i, it) {
    const json_t *rg = json_array_get(ranges, (size_t)jint(it, "range"));
    const json_t *terms = json_object_get(auths, jstr(it, "authorization"));
    l6_a6_auth x = {0};
    char reg[6];
    l6_id aid;
    bool ok = json_is_object(it) && json_is_integer(json_object_get(it, "range")) && jint(it, "range") >= 0 && rg &&
              jint(it, "first") >= jint(rg, "first") && jint(it, "last") >= jint(it, "first") &&
              jint(it, "last") <= jint(rg, "last") && jint(it, "itmo_first") >= 1 && jint(it, "approach") >= 1 &&
              jint(it, "approach") <= L6_A6_MAX_APPROACH && l6_valid_registry_id(jstr(it, "registry")) &&
              l6_valid_alpha3(jstr(it, "host")) && jint(it, "vintage") == jint(rg, "vintage") &&
              jint(it, "first_transfer_year") >= 0 && ref_parse(jstr(it, "authorization"), reg, &aid) &&
              terms_load(terms, &x) && strcmp(x.party, jstr(it, "host")) == 0 && x.approach == jint(it, "approach");
    for (size_t k = 0; ok && k < i; k++) { /* no serial carried twice */
      const json_t *o = json_array_get(itmos, k);
      ok = !(jint(o, "range") == jint(it, "range") && jint(o, "first") <= jint(it, "last") && jint(it, "first") <= jint(o, "last"));
    }
    if (ok && strcmp(reg, registry) == 0) { /* ITMOs coming home: the authorization is this registry's own */
      l6_a6_auth mine;
      l6_error e2 = {0};
      l6_err e = OPS->a6_auth_get(ST, aid, &mine, &e2);
      if (e != L6_E_OK && e != L6_E_UNKNOWN_AUTHORIZATION) return *err = e2, e;
      ok = e == L6_E_OK && strcmp(mine.party, x.party) == 0 && mine.approach == x.approach;
    }
    l6_party pty;
    char rp[4];
    snprintf(rp, sizeof rp, "%.3s", jstr(it, "registry"));
    l6_error e3 = {0};
    if (ok && (OPS->party_get(ST, x.party, &pty, &e3) != L6_E_OK || OPS->party_get(ST, rp, &pty, &e3) != L6_E_OK)) {
      *code = "L06";
      say(detail, cap, "itmos[%zu]: the host Party %s or the Party of registry %s is unknown here", i, x.party,
          jstr(it, "registry"));
      return L6_E_OK;
    }
    if (!ok) {
      *code = "L08";
      say(detail, cap, "itmos[%zu] is malformed or does not match its range or authorization", i);
      return L6_E_OK;
    }
    const char *from = entry_from(msg, it);
    if (strcmp(from, my_party) == 0 || !entry_due(msg, it, from)) continue;
    if (x.parties[0] && !list_has(x.parties, my_party)) {
      *code = "L10";
      say(detail, cap, "ITMOs %s to %s: authorization %s of %s does not cover %s (only %s)", jstr(it, "first_id"),
          jstr(it, "last_id"), jstr(it, "authorization"), x.party, my_party, x.parties);
      return L6_E_OK;
    }
    if (year < x.year_from || year > x.year_to) {
      *code = "L11";
      say(detail, cap, "ITMOs %s to %s: a first transfer in %d is outside authorization %s's timeframe %d-%d",
          jstr(it, "first_id"), jstr(it, "last_id"), year, jstr(it, "authorization"), x.year_from, x.year_to);
      return L6_E_OK;
    }
  }
  return L6_E_OK;
}

/* The local authorization of reference ref: this registry's own, else its
 * copy (made, or brought up to the message's terms). */
/* The registries a copy's ITMOs came from (link record "aref", "via"):
 * they, and the authorization's own registry, may send its updates. */
static l6_err via_add(l6_svc *s, const char *ref, json_t *o, const char *from, l6_error *err) {
  json_t *via = json_object_get(o, "via");
  if (!json_is_array(via)) json_object_set_new(o, "via", via = json_array());
  size_t i;
  json_t *v;
  json_array_foreach(via, i, v) {
    if (strcmp(json_string_value(v) ? json_string_value(v) : "", from) == 0) return L6_E_OK;
  }
  json_array_append_new(via, json_string(from));
  return rec_store(s, "aref", ref, o, err);
}

static l6_err local_auth(l6_svc *s, const char *registry, const char *ref, const json_t *terms, const char *from, l6_id *id,
                         l6_error *err) {
  char reg[6];
  if (!ref_parse(ref, reg, id)) return l6_fail(err, L6_E_INTERNAL, "authorization reference '%s' is malformed", ref);
  if (strcmp(reg, registry) == 0) return L6_E_OK; /* checked by link_a6_check */
  json_t *o;
  l6_err e = rec_body(s, "aref", ref, &o, err);
  l6_a6_auth x = {0};
  if (e == L6_E_OK && o) e = OPS->a6_auth_get(ST, jint(o, "auth"), &x, err);
  if (e == L6_E_OK && o) e = via_add(s, ref, o, from, err);
  json_decref(o);
  if (e != L6_E_OK) return e;
  bool is_new = x.id == 0;
  if (!is_new && x.version >= jint(terms, "version")) {
    *id = x.id; /* an older (or the same) version: the copy keeps its terms and kept versions */
    return L6_E_OK;
  }
  terms_load(terms, &x);
  x.assigned = x.quantity; /* a copy assigns no units of this registry's batches */
  svc__timestamp(s, x.ts);
  if ((e = OPS->a6_auth_put(ST, &x, err)) != L6_E_OK) return e;
  *id = x.id;
  if (!is_new) return L6_E_OK;
  char key[32];
  snprintf(key, sizeof key, "%020lld", (long long)x.id);
  json_t *a = json_pack("{s:I, s:[s]}", "auth", (json_int_t)x.id, "via", from), *b = json_pack("{s:s}", "ref", ref);
  e = rec_store(s, "aref", ref, a, err);
  if (e == L6_E_OK) e = rec_store(s, "aloc", key, b, err);
  json_decref(a);
  json_decref(b);
  return e;
}

/* The registry that made the ITMOs, recorded here when it is another
 * server's (their identifiers name it; a registry id starts with its
 * Party's code, service.c): a row with no accounts, so nothing is ever
 * held in it here. */
static l6_err known_registry(l6_svc *s, const char *id, l6_error *err) {
  l6_registry r;
  l6_error e2 = {0};
  l6_err e = OPS->registry_get(ST, id, &r, &e2);
  if (e == L6_E_OK) return e;
  if (e != L6_E_UNKNOWN_REGISTRY) return *err = e2, e;
  memset(&r, 0, sizeof r);
  snprintf(r.id, sizeof r.id, "%s", id);
  snprintf(r.party, sizeof r.party, "%.3s", id);
  snprintf(r.name, sizeof r.name, "%s (another server's registry, known through a link)", id);
  return OPS->registry_put(ST, &r, err);
}

l6_err link_a6_acquire(l6_svc *s, const char *registry, const json_t *msg, const l6_id *batches, size_t n, l6_id tx,
                       const char *my_party, int year, l6_error *err) {
  const json_t *auths = json_object_get(msg, "authorizations");
  size_t i;
  json_t *it;
  l6_err e = L6_E_OK;
  json_array_foreach(json_object_get(msg, "itmos"), i, it) {
    size_t idx = (size_t)jint(it, "range");
    if (idx >= n) return l6_fail(err, L6_E_INTERNAL, "itmos[%zu] names no range of the proposal", i);
    int64_t first = jint(it, "first"), last = jint(it, "last");
    l6_a6_itmo r = entry_row(it, batches[idx]);
    const char *from = entry_from(msg, it);
    bool international = strcmp(from, my_party) != 0;
    if (international && entry_due(msg, it, from)) r.ft_year = year; /* the sender books it (link_a6_transferred) */
    e = known_registry(s, r.registry, err);
    if (e == L6_E_OK)
      e = local_auth(s, registry, jstr(it, "authorization"), json_object_get(auths, jstr(it, "authorization")),
                     jstr(msg, "from"), &r.auth, err);
    /* rows already here (ITMOs coming back): replaced by the carried state */
    rows rs = {0};
    if (e == L6_E_OK) e = rows_of(s, batches[idx], first, last, &rs, err);
    for (size_t k = 0; k < rs.n && e == L6_E_OK; k++) {
      e = a6__isolate(s, &rs.r[k], first, last, err);
      if (e == L6_E_OK) e = OPS->a6_itmo_remove(ST, rs.r[k].id, err);
    }
    free(rs.r);
    if (e == L6_E_OK) e = OPS->a6_itmo_put(ST, &r, err);
    if (e == L6_E_OK && international) e = a6__put_action(s, tx, "Acquisition", my_party, &r, from, my_party, year, 0, err);
    if (e == L6_E_OK && !international && r.ft_year == 0 && entry_mech(msg, it))
      e = a6__put_action(s, tx, FORWARDED_IN, my_party, &r, from, my_party, year, 0, err);
    if (e != L6_E_OK) break;
  }
  return e;
}

/* ---- authorization updates after crossing (docs/LINKS.md, "Authorization updates") ---- */

/* The local authorization of reference ref here: this registry's own, or
 * its copy; *id 0 when there is none. */
static l6_err ref_local(l6_svc *s, const char *registry, const char *ref, l6_id *id, l6_error *err) {
  char reg[6];
  *id = 0;
  if (!ref_parse(ref, reg, id)) return *id = 0, L6_E_OK;
  if (strcmp(reg, registry) == 0) return L6_E_OK;
  *id = 0;
  json_t *o;
  l6_err e = rec_body(s, "aref", ref, &o, err);
  if (e == L6_E_OK && o) *id = jint(o, "auth");
  json_decref(o);
  return e;
}

static void copy_key(char key[64], const char *peer, const char *ref) { snprintf(key, 64, "%s %s", peer, ref); }

l6_err link_a6_copies_sent(l6_svc *s, const char *registry, const json_t *msg, const char *peer, l6_error *err) {
  const char *ref;
  json_t *terms;
  l6_err e = L6_E_OK;
  json_object_foreach((json_t *)json_object_get(msg, "authorizations"), ref, terms) {
    char reg[6], key[64];
    l6_id id;
    if (!ref_parse(ref, reg, &id) || strcmp(reg, peer) == 0) continue; /* ITMOs going home: the peer has the letter */
    if ((e = ref_local(s, registry, ref, &id, err)) != L6_E_OK) break;
    if (id == 0) continue;
    copy_key(key, peer, ref);
    json_t *o;
    if ((e = rec_body(s, "acopy", key, &o, err)) != L6_E_OK) break;
    if (o == NULL) {
      /* a copy made at version 1 is complete; one made later lacks the
       * kept versions: the next update sends them */
      o = json_pack("{s:s, s:s, s:I, s:I}", "peer", peer, "ref", ref, "auth", (json_int_t)id, "version",
                    (json_int_t)(jint(terms, "version") == 1 ? 1 : 0));
      e = rec_store(s, "acopy", key, o, err);
    }
    json_decref(o);
    if (e != L6_E_OK) break;
  }
  return e;
}

typedef struct {
  json_t *items;
} collect_ctx;

static int collect_body(void *ctx, const void *row) {
  const l6_link_rec *r = row;
  json_t *o = json_loads(r->body, 0, NULL);
  if (o) json_array_append_new(((collect_ctx *)ctx)->items, o);
  return 0;
}

static int version_row(void *ctx, const void *row) {
  const l6_a6_auth_version *v = row;
  json_t *body = json_loads(v->body, 0, NULL);
  if (body)
    json_array_append_new(((collect_ctx *)ctx)->items, json_pack("{s:i, s:s, s:s, s:o}", "version", v->version, "effective_from",
                                                                 v->effective_from, "ts", v->ts, "body", body));
  return 0;
}

l6_err link_a6_updates_due(l6_svc *s, json_t **out, l6_error *err) {
  collect_ctx c = {json_array()};
  *out = json_array();
  l6_err e = OPS->link_list(ST, "acopy", "", -1, 0, collect_body, &c, err);
  size_t i;
  json_t *o;
  json_array_foreach(e == L6_E_OK ? c.items : NULL, i, o) {
    l6_a6_auth x;
    l6_error e2 = {0};
    if (OPS->a6_auth_get(ST, jint(o, "auth"), &x, &e2) != L6_E_OK || x.version <= jint(o, "version")) continue;
    collect_ctx v = {json_array()};
    if ((e = OPS->a6_auth_version_list(ST, x.id, version_row, &v, err)) != L6_E_OK) {
      json_decref(v.items);
      break;
    }
    json_array_append_new(*out, json_pack("{s:s, s:s, s:o, s:o, s:i}", "peer", jstr(o, "peer"), "ref", jstr(o, "ref"), "terms",
                                          terms_json(&x), "versions", v.items, "version", x.version));
  }
  json_decref(c.items);
  return e;
}

l6_err link_a6_update_sent(l6_svc *s, const char *peer, const char *ref, int version, l6_error *err) {
  char key[64];
  copy_key(key, peer, ref);
  json_t *o;
  l6_err e = rec_body(s, "acopy", key, &o, err);
  if (e == L6_E_OK && o) {
    json_object_set_new(o, "version", json_integer(version));
    e = rec_store(s, "acopy", key, o, err);
  }
  json_decref(o);
  return e;
}

static bool has_version(const json_t *arr, int version) {
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    if (jint(v, "version") == version) return true;
  }
  return false;
}

l6_err link_a6_update_apply(l6_svc *s, const char *registry, const json_t *msg, const char **code, char *detail, size_t cap,
                            l6_error *err) {
  *code = NULL;
  const char *ref = jstr(msg, "ref"), *from = jstr(msg, "from");
  const json_t *terms = json_object_get(msg, "terms"), *versions = json_object_get(msg, "versions");
  char reg[6];
  l6_id id;
  l6_a6_auth t = {0};
  if (!ref_parse(ref, reg, &id) || !terms_load(terms, &t) || !json_is_array(versions) || t.version < 1) {
    *code = "L08";
    say(detail, cap, "the authorization update is malformed");
    return L6_E_OK;
  }
  size_t i;
  json_t *v;
  json_array_foreach(versions, i, v) {
    if (!json_is_integer(json_object_get(v, "version")) || jint(v, "version") < 1 || jint(v, "version") >= t.version ||
        !json_is_object(json_object_get(v, "body")) || !l6_valid_date(jstr(v, "effective_from")) ||
        strlen(jstr(v, "ts")) >= sizeof((l6_a6_auth_version *)0)->ts) {
      *code = "L08";
      say(detail, cap, "versions[%zu] of the authorization update is malformed", i);
      return L6_E_OK;
    }
  }
  /* an update sent in parts (link.c, queue_update_parts): "partial" parts
   * add kept versions only; the last names every kept version */
  const json_t *partial = json_object_get(msg, "partial"), *all = json_object_get(msg, "all_versions");
  bool ok = (partial == NULL || json_is_boolean(partial)) && (all == NULL || (json_is_array(all) && json_array_size(all) <= 4096));
  json_array_foreach(all, i, v) ok = ok && json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) < t.version;
  if (!ok) {
    *code = "L08";
    say(detail, cap, "partial or all_versions of the authorization update is malformed");
    return L6_E_OK;
  }
  json_t *o = NULL;
  l6_err e = strcmp(reg, registry) == 0 ? L6_E_OK : rec_body(s, "aref", ref, &o, err);
  if (e != L6_E_OK) return e;
  if (strcmp(reg, registry) == 0 || o == NULL) {
    *code = "L12";
    say(detail, cap, "no copy of authorization %s here", ref);
    return L6_E_OK;
  }
  l6_a6_auth x;
  e = OPS->a6_auth_get(ST, jint(o, "auth"), &x, err);
  bool may = strcmp(reg, from) == 0;
  size_t k;
  json_t *w;
  json_array_foreach(json_object_get(o, "via"), k, w) may = may || strcmp(json_string_value(w) ? json_string_value(w) : "", from) == 0;
  json_decref(o);
  if (e != L6_E_OK) return e;
  if (!may) {
    *code = "L13";
    say(detail, cap, "%s is neither the registry of authorization %s nor one that sent its ITMOs here", from, ref);
    return L6_E_OK;
  }
  if (strcmp(t.party, x.party) != 0 || t.approach != x.approach || strcmp(t.project, x.project) != 0) {
    *code = "L08";
    say(detail, cap, "the update of %s names another Party, approach or project than its copy here", ref);
    return L6_E_OK;
  }
  /* the kept versions: every one this copy does not have yet */
  collect_ctx have = {json_array()};
  e = OPS->a6_auth_version_list(ST, x.id, version_row, &have, err);
  int added = 0;
  l6_a6_auth_version *rec = calloc(1, sizeof *rec);
  if (e == L6_E_OK && rec == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_array_foreach(e == L6_E_OK ? versions : NULL, i, v) {
    if (has_version(have.items, (int)jint(v, "version"))) continue;
    char *txt = json_dumps(json_object_get(v, "body"), JSON_COMPACT);
    if (txt == NULL || strlen(txt) > L6_A6_VERSION_BODY_MAX) {
      free(txt);
      e = l6_fail(err, L6_E_TOO_MANY_RANGES, "a kept version of %s exceeds %d bytes", ref, L6_A6_VERSION_BODY_MAX);
      break;
    }
    memset(rec, 0, sizeof *rec);
    rec->auth = x.id;
    rec->version = (int)jint(v, "version");
    snprintf(rec->effective_from, sizeof rec->effective_from, "%s", jstr(v, "effective_from"));
    snprintf(rec->ts, sizeof rec->ts, "%s", jstr(v, "ts"));
    snprintf(rec->body, sizeof rec->body, "%s", txt);
    free(txt);
    if ((e = OPS->a6_auth_version_put(ST, rec, err)) != L6_E_OK) break;
    added++;
  }
  free(rec);
  json_decref(have.items);
  if (e != L6_E_OK) return e;
  if (json_is_true(partial)) {
    say(detail, cap, "authorization %s: %d kept versions added (a part of an update)", ref, added);
    return L6_E_OK;
  }
  /* the last part: every kept version must be here before the terms are
   * taken (parts may arrive in any order); else no answer, the sender
   * tries again (this transaction is rolled back) */
  collect_ctx now_have = {json_array()};
  if (all && (e = OPS->a6_auth_version_list(ST, x.id, version_row, &now_have, err)) == L6_E_OK) {
    json_array_foreach(all, i, v) {
      if (has_version(now_have.items, (int)json_integer_value(v))) continue;
      e = l6_fail(err, L6_E_LINK_IN_FLIGHT, "kept version %lld of %s is still on its way (an update in parts)",
                  (long long)json_integer_value(v), ref);
      break;
    }
  }
  json_decref(now_have.items);
  if (e != L6_E_OK) return e;
  if (t.version > x.version) {
    /* the letter's new terms (a revocation included); a change does not
     * touch ITMOs first transferred before it: they keep the kept version's
     * terms (a6.c terms_of), revoked ones stay ITMOs (itmo_active) */
    l6_id keep = x.id;
    terms_load(terms, &x);
    x.id = keep;
    x.assigned = x.quantity;
    svc__timestamp(s, x.ts);
    e = OPS->a6_auth_put(ST, &x, err);
    say(detail, cap, "authorization %s recorded at version %d%s", ref, x.version, x.revoked ? " (revoked)" : "");
  } else {
    say(detail, cap, "authorization %s is at version %d here (%d kept versions added)", ref, x.version, added);
  }
  return e;
}

l6_err link_a6_auth_state(l6_svc *s, const char *registry, json_t *out, l6_error *err) {
  collect_ctx c = {json_array()};
  l6_err e = OPS->link_list(ST, "acopy", "", -1, 0, collect_body, &c, err);
  if (e == L6_E_OK) e = OPS->link_list(ST, "aloc", "", -1, 0, collect_body, &c, err);
  size_t i;
  json_t *o;
  json_array_foreach(e == L6_E_OK ? c.items : NULL, i, o) {
    const char *ref = jstr(o, "ref");
    if (json_object_get(out, ref)) continue;
    l6_id id;
    if ((e = ref_local(s, registry, ref, &id, err)) != L6_E_OK) break;
    l6_a6_auth x;
    l6_error e2 = {0};
    if (id == 0 || OPS->a6_auth_get(ST, id, &x, &e2) != L6_E_OK) continue;
    json_object_set_new(out, ref, json_pack("{s:i, s:b}", "version", x.version, "revoked", x.revoked));
  }
  json_decref(c.items);
  return e;
}
