/*
 * cycle_data.c -- monitoring devices and signed readings, methodology
 * parameters at the monitoring report, ex-ante purchases delivered at
 * issuance, and a third-party developer's registry choice (issue 20,
 * items 6 and 7); see cycle_data.h.
 *
 * Sources followed:
 * - Seed 003 on digital monitoring: "卫星成像、遥感技术、无人机以及人工智能正在
 *   提升对森林、土地利用以及工业排放的监测能力。这些技术工具有助于提高透明度并
 *   减少欺诈行为。" -- readings come signed from registered devices, and their
 *   hashes stay in the trail, so a figure can be traced to its measurements.
 * - Seed 000 (LDC report): "各国必须制定不易被操纵的强有力的监测、报告和核查规程"
 *   -- a forged (bad signature), replayed or unknown-device reading is refused.
 * - Seed 002 on the ABM: "该专题发言概述了适应效益机制下的事后和事先项目融资模式，
 *   包括一个适应“超市”，可以在其中列出项目并购买适应效益" -- the ex-ante model:
 *   a funder buys a registered activity's benefits before issuance.
 * - Seed 001 on the Belt and Road mechanism: "若项目开发方中的一方为第三方（即不是
 *   来自中方或者东道国），该机制依然允许其进行减排量的开发，但开发的减排量只可选择
 *   进入中方或者东道国的注册登记簿，不能计入第三方国家的 NDC。"
 */
#include "cycle_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "calc_params.h"
#include "move.h"
#include "service_int.h"
#include "tlog.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* ---- small helpers ---------------------------------------------------- */

static bool hex_of(const char *h, size_t n) {
  if (strlen(h) != n) return false;
  for (size_t i = 0; i < n; i++)
    if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f'))) return false;
  return true;
}

/* Device names: [A-Za-z0-9._-], 1-40. */
static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > 40) return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
          strchr("._-", s[i])))
      return false;
  return true;
}

static l6_err only(const json_t *in, const char *const *keys, l6_error *err) {
  if (!json_is_object(in)) return l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)in, k, v) {
    bool ok = false;
    for (const char *const *a = keys; *a && !ok; a++) ok = strcmp(*a, k) == 0;
    if (!ok) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.40s'", k);
  }
  return L6_E_OK;
}

static l6_err need_str(const json_t *in, const char *key, size_t max, const char **out, l6_error *err) {
  json_t *v = json_object_get(in, key);
  if (v == NULL || json_is_null(v)) return l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key);
  if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be a string", key);
  if (strlen(json_string_value(v)) != json_string_length(v) || !l6_valid_text(json_string_value(v), max))
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be printable text of 1-%zu bytes", key, max);
  *out = json_string_value(v);
  return L6_E_OK;
}

static l6_err need_int(const json_t *in, const char *key, int64_t min, int64_t max, l6_err range, int64_t *out,
                       l6_error *err) {
  json_t *v = json_object_get(in, key);
  if (v == NULL || json_is_null(v)) return l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key);
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer", key);
  if (json_integer_value(v) < min || json_integer_value(v) > max)
    return l6_fail(err, range, "field '%s' must be %lld-%lld", key, (long long)min, (long long)max);
  *out = json_integer_value(v);
  return L6_E_OK;
}

static l6_err load_act(l6_svc *s, const char *project, l6_activity *act, const l6_mech **m, l6_error *err) {
  l6_err e = OPS->activity_get(ST, project, act, err);
  if (e == L6_E_UNKNOWN_ACTIVITY) return l6_fail(err, e, "no activity '%.40s' is in a project cycle", project);
  if (e != L6_E_OK) return e;
  *m = mech_find(svc__mechs(s), act->mechanism);
  if (*m == NULL) return l6_fail(err, L6_E_UNKNOWN_MECHANISM, "no mechanism '%.40s' is loaded", act->mechanism);
  return L6_E_OK;
}

static json_t *body_of(const l6_arec *r) {
  json_t *b = json_loads(r->body, 0, NULL);
  return b ? b : json_object();
}

static l6_err store_body(l6_arec *r, const json_t *b, l6_error *err) {
  char *t = json_dumps(b, JSON_COMPACT);
  if (t == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t n = strlen(t);
  if (n >= sizeof r->body) {
    free(t);
    return l6_fail(err, L6_E_INTERNAL, "an activity record of %zu bytes exceeds %zu", n, sizeof r->body - 1);
  }
  memcpy(r->body, t, n + 1);
  free(t);
  return L6_E_OK;
}

typedef struct {
  json_t *arr;
  size_t n;
} rec_list;

static int rec_row(void *ctx, const void *row) {
  rec_list *l = ctx;
  json_array_append_new(l->arr, body_of(row));
  l->n++;
  return 0;
}

static l6_err list_bodies(l6_svc *s, const char *project, const char *kind, int period, json_t **arr, l6_error *err) {
  rec_list l = {json_array(), 0};
  if (l.arr == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = OPS->arec_list(ST, project, kind, period, rec_row, &l, err);
  if (e != L6_E_OK) {
    json_decref(l.arr);
    return e;
  }
  *arr = l.arr;
  return L6_E_OK;
}

/* ---- devices and readings -------------------------------------------- */

int svc_reading_message(char *buf, size_t cap, const char *activity, int period, const char *device, int64_t seq,
                        const char *input, int64_t value, const char *taken_on) {
  int n = snprintf(buf, cap, "ledger6-reading/1\n%s\n%d\n%s\n%lld\n%s\n%lld\n%s\n", activity, period, device,
                   (long long)seq, input, (long long)value, taken_on);
  return n < 0 || (size_t)n >= cap ? -1 : n;
}

l6_err svc_reading_parse(const json_t *in, l6_reading *r, l6_error *err) {
  static const char *const keys[] = {"device", "seq", "input", "value", "taken_on", "signature", NULL};
  const char *dev = NULL, *input = NULL, *taken = NULL, *sig = NULL;
  memset(r, 0, sizeof *r);
  l6_err e = only(in, keys, err);
  if (e == L6_E_OK) e = need_str(in, "device", 40, &dev, err);
  if (e == L6_E_OK) e = need_int(in, "seq", 1, INT32_MAX, L6_E_INVALID_VALUE, &r->seq, err);
  if (e == L6_E_OK) e = need_str(in, "input", 31, &input, err);
  if (e == L6_E_OK) e = need_int(in, "value", 0, INT64_MAX, L6_E_INVALID_VALUE, &r->value, err);
  if (e == L6_E_OK) e = need_str(in, "taken_on", 10, &taken, err);
  if (e == L6_E_OK && !l6_valid_date(taken)) e = l6_fail(err, L6_E_INVALID_VALUE, "taken_on must be a date YYYY-MM-DD");
  if (e == L6_E_OK) e = need_str(in, "signature", 128, &sig, err);
  if (e == L6_E_OK && !hex_of(sig, 128))
    e = l6_fail(err, L6_E_INVALID_VALUE, "signature must be an Ed25519 signature: 128 lower-case hex digits");
  if (e != L6_E_OK) return e;
  snprintf(r->device, sizeof r->device, "%s", dev);
  snprintf(r->input, sizeof r->input, "%s", input);
  snprintf(r->taken_on, sizeof r->taken_on, "%s", taken);
  snprintf(r->signature, sizeof r->signature, "%s", sig);
  return L6_E_OK;
}

bool svc_reading_verify(const char *pk_hex, const char *activity, int period, const l6_reading *r, char *msg, size_t cap,
                        int *mlen) {
  unsigned char pk[crypto_sign_PUBLICKEYBYTES], sg[crypto_sign_BYTES];
  *mlen = svc_reading_message(msg, cap, activity, period, r->device, r->seq, r->input, r->value, r->taken_on);
  return pk_hex != NULL && *mlen >= 0 && sodium_hex2bin(pk, sizeof pk, pk_hex, strlen(pk_hex), NULL, NULL, NULL) == 0 &&
         sodium_hex2bin(sg, sizeof sg, r->signature, strlen(r->signature), NULL, NULL, NULL) == 0 &&
         crypto_sign_verify_detached(sg, (const unsigned char *)msg, (unsigned long long)*mlen, pk) == 0;
}

l6_err svc_device_register(l6_svc *s, const l6_actor *a, const char *project, const json_t *in, json_t **out,
                           l6_error *err) {
  *out = NULL;
  static const char *const keys[] = {"name", "public_key", NULL};
  const char *name = NULL, *pk = NULL;
  l6_err e = only(in, keys, err);
  if (e == L6_E_OK) e = need_str(in, "name", 40, &name, err);
  if (e == L6_E_OK && !valid_name(name)) e = l6_fail(err, L6_E_INVALID_VALUE, "name must be [A-Za-z0-9._-], 1-40 characters");
  if (e == L6_E_OK) e = need_str(in, "public_key", 64, &pk, err);
  if (e == L6_E_OK && !hex_of(pk, 64))
    e = l6_fail(err, L6_E_INVALID_VALUE, "public_key must be an Ed25519 public key: 64 lower-case hex digits");
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  e = load_act(s, project, &act, &m, err);
  if (e == L6_E_OK && (a->role != L6_ROLE_HOLDER || a->org != act.org))
    e = l6_fail(err, L6_E_FORBIDDEN, "the participant (a holder token of organisation %lld) registers the activity's "
                "monitoring devices", (long long)act.org);
  json_t *devs = NULL;
  if (e == L6_E_OK) e = list_bodies(s, project, "device", -1, &devs, err);
  if (e == L6_E_OK && json_array_size(devs) >= L6_MAX_DEVICES)
    e = l6_fail(err, L6_E_INVALID_VALUE, "an activity has at most %d monitoring devices", L6_MAX_DEVICES);
  l6_arec *r = calloc(1, sizeof *r);
  if (r == NULL && e == L6_E_OK) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_t *b = NULL;
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    snprintf(r->project, sizeof r->project, "%s", project);
    snprintf(r->kind, sizeof r->kind, "device");
    r->id = (l6_id)json_array_size(devs) + 1;
    snprintf(r->ref, sizeof r->ref, "%s", name);
    b = json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s}", "id", (json_int_t)r->id, "activity", project, "name", name,
                  "public_key", pk, "last_seq", (json_int_t)0, "registered", ts, "registered_by", a->name);
    e = b ? store_body(r, b, err) : l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (e == L6_E_OK) {
    e = OPS->arec_put(ST, r, false, err);
    if (e == L6_E_ALREADY_EXISTS) l6_fail(err, e, "activity %s already has a device named %s", project, name);
  }
  if (e == L6_E_OK) *out = json_incref(b);
  json_decref(b);
  json_decref(devs);
  free(r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

typedef struct {
  int max_seq;
  int state_ok;  /* period: 1 next (not reported), 2 rejected, 0 other */
  int want;
  char state[24];
} per_scan;

static int per_row(void *ctx, const void *row) {
  per_scan *p = ctx;
  const l6_period *x = row;
  if (x->seq > p->max_seq) p->max_seq = x->seq;
  if (x->seq == p->want) snprintf(p->state, sizeof p->state, "%s", x->state);
  return 0;
}

/* The calculator input named input among m's calculators (NULL: none). */
static const l6_calc_input *mech_input(const l6_mech *m, const char *input) {
  for (size_t i = 0; i < m->ncalcs; i++)
    for (size_t k = 0; k < m->calcs[i]->ninputs; k++)
      if (strcmp(m->calcs[i]->inputs[k].name, input) == 0) return &m->calcs[i]->inputs[k];
  return NULL;
}

l6_err svc_reading_submit(l6_svc *s, const l6_actor *a, const char *project, int period, const json_t *in, json_t **out,
                          l6_error *err) {
  *out = NULL;
  l6_reading rd;
  l6_err e = svc_reading_parse(in, &rd, err);
  const char *dev = rd.device, *input = rd.input, *taken = rd.taken_on, *sig = rd.signature;
  int64_t seq = rd.seq, value = rd.value;
  if (e == L6_E_OK && (period < 1 || period > L6_MAX_PERIODS))
    e = l6_fail(err, L6_E_UNKNOWN_PERIOD, "periods are numbered 1-%d", L6_MAX_PERIODS);
  if (e != L6_E_OK) return e;
  /* The signature is the credential: no token is needed (a bad one is 401
   * at the API), but a reviewer's token writes nothing. */
  if (a->role == L6_ROLE_REVIEWER) return l6_fail(err, L6_E_FORBIDDEN, "a reviewer token writes nothing");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  l6_arec *dr = calloc(1, sizeof *dr), *rr = calloc(1, sizeof *rr);
  json_t *db = NULL, *rb = NULL, *readings = NULL;
  char msg[L6_READING_MSG_MAX], hash[65] = "";
  int mlen = -1;
  if (dr == NULL || rr == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_act(s, project, &act, &m, err);
  if (e == L6_E_OK) {
    e = OPS->arec_get(ST, project, "device", dev, dr, err);
    if (e == L6_E_NOT_FOUND) e = l6_fail(err, L6_E_UNKNOWN_DEVICE, "activity %s has no device named '%.40s'", project, dev);
  }
  if (e == L6_E_OK) {
    db = body_of(dr);
    if (!svc_reading_verify(json_string_value(json_object_get(db, "public_key")), project, period, &rd, msg, sizeof msg,
                            &mlen))
      e = l6_fail(err, L6_E_BAD_SIGNATURE, "the signature does not verify with device %s's public key", dev);
  }
  if (e == L6_E_OK && seq <= json_integer_value(json_object_get(db, "last_seq")))
    e = l6_fail(err, L6_E_READING_REPLAYED, "device %s already submitted reading %lld; the next must be above it", dev,
                (long long)json_integer_value(json_object_get(db, "last_seq")));
  if (e == L6_E_OK && strcmp(act.state, l6_cstate_str(L6_CS_REGISTERED)) != 0) {
    e = l6_fail(err, L6_E_WRONG_STATE, "activity %s is '%s'; readings need it 'registered'", project, act.state);
    snprintf(err->expected, sizeof err->expected, "%s", l6_cstate_str(L6_CS_REGISTERED));
  }
  per_scan ps = {.want = period};
  if (e == L6_E_OK) e = OPS->period_list(ST, project, L6_MAX_PERIODS + 1, per_row, &ps, err);
  if (e == L6_E_OK && period > ps.max_seq + 1)
    e = l6_fail(err, L6_E_UNKNOWN_PERIOD, "activity %s has %d monitoring periods; readings go to one not yet reported (%d)",
                project, ps.max_seq, ps.max_seq + 1);
  if (e == L6_E_OK && period <= ps.max_seq && strcmp(ps.state, l6_cstate_str(L6_CS_REJECTED)) != 0)
    e = l6_fail(err, L6_E_WRONG_STATE, "period %d is '%s': its report is made; readings go to period %d", period, ps.state,
                ps.max_seq + 1);
  const l6_calc_input *ci = e == L6_E_OK ? mech_input(m, input) : NULL;
  if (e == L6_E_OK && ci == NULL)
    e = l6_fail(err, L6_E_INVALID_VALUE, "no calculator of %s has an input '%.32s'", m->code, input);
  if (e == L6_E_OK && (value < ci->min || value > ci->max))
    e = l6_fail(err, L6_E_INVALID_VALUE, "value of %s must be %lld-%lld", input, (long long)ci->min, (long long)ci->max);
  char today[11];
  date_from_days(svc__now_ms(s) / 86400000, today);
  if (e == L6_E_OK && strcmp(taken, today) > 0) e = l6_fail(err, L6_E_INVALID_VALUE, "taken_on %s is in the future", taken);
  if (e == L6_E_OK) e = list_bodies(s, project, "reading", period, &readings, err);
  if (e == L6_E_OK && json_array_size(readings) >= L6_MAX_READINGS)
    e = l6_fail(err, L6_E_INVALID_VALUE, "a period takes at most %d readings", L6_MAX_READINGS);
  if (e == L6_E_OK) {
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)msg, (unsigned long long)mlen);
    sodium_bin2hex(hash, sizeof hash, h, sizeof h);
    char ts[32];
    svc__timestamp(s, ts);
    snprintf(rr->project, sizeof rr->project, "%s", project);
    snprintf(rr->kind, sizeof rr->kind, "reading");
    rr->id = (dr->id << 32) | seq; /* unique: one device, one sequence number */
    rr->period = period;
    snprintf(rr->ref, sizeof rr->ref, "%s/%lld", dev, (long long)seq);
    rb = json_pack("{s:s, s:i, s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s}", "activity", project, "period", period, "device",
                   dev, "seq", (json_int_t)seq, "input", input, "value", (json_int_t)value, "taken_on", taken, "signature",
                   sig, "hash", hash, "received", ts);
    e = rb ? store_body(rr, rb, err) : l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (e == L6_E_OK) {
    e = OPS->arec_put(ST, rr, false, err);
    if (e == L6_E_ALREADY_EXISTS) l6_fail(err, L6_E_READING_REPLAYED, "device %s already submitted reading %lld", dev, (long long)seq);
    if (e == L6_E_ALREADY_EXISTS) e = L6_E_READING_REPLAYED;
  }
  if (e == L6_E_OK) {
    json_object_set_new(db, "last_seq", json_integer(seq));
    e = store_body(dr, db, err);
    if (e == L6_E_OK) e = OPS->arec_put(ST, dr, true, err);
  }
  if (e == L6_E_OK) *out = json_incref(rb);
  json_decref(db);
  json_decref(rb);
  json_decref(readings);
  free(dr);
  free(rr);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_reading_list(l6_svc *s, const l6_actor *a, const char *project, int period, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  json_t *arr = NULL;
  e = load_act(s, project, &act, &m, err);
  if (e == L6_E_OK) e = list_bodies(s, project, "reading", period, &arr, err);
  if (e == L6_E_OK) *out = json_pack("{s:s, s:i, s:o}", "activity", project, "period", period, "items", arr);
  if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

/* ---- the monitoring report's inputs ----------------------------------- */

l6_err cdata__inputs(l6_svc *s, const l6_calc *calc, const char *project, const char *host, int period,
                     const char *start, const char *end, const l6_calc_arg *given, size_t ngiven, l6_calc_arg *out,
                     size_t *nout, json_t *detail, l6_error *err) {
  *nout = 0;
  if (ngiven > L6_CALC_MAX_INPUTS)
    return l6_fail(err, L6_E_INVALID_VALUE, "calculator %s takes %zu inputs", calc->name, calc->ninputs);
  int64_t given_v[L6_CALC_MAX_INPUTS], sum[L6_CALC_MAX_INPUTS] = {0};
  bool has_given[L6_CALC_MAX_INPUTS] = {false}, has_read[L6_CALC_MAX_INPUTS] = {false};
  for (size_t i = 0; i < ngiven; i++) {
    size_t k = 0;
    while (k < calc->ninputs && strcmp(calc->inputs[k].name, given[i].name) != 0) k++;
    if (k == calc->ninputs)
      return l6_fail(err, L6_E_INVALID_VALUE, "calculator %s has no input '%.32s'", calc->name, given[i].name);
    if (has_given[k]) return l6_fail(err, L6_E_INVALID_VALUE, "input %s is given twice", given[i].name);
    has_given[k] = true;
    given_v[k] = given[i].value;
  }
  json_t *readings = NULL;
  l6_err e = list_bodies(s, project, "reading", period, &readings, err);
  if (e != L6_E_OK) return e;
  crypto_hash_sha256_state hs;
  crypto_hash_sha256_init(&hs);
  json_t *hashes = json_array();
  size_t i;
  json_t *rd;
  json_array_foreach(readings, i, rd) {
    const char *in = json_string_value(json_object_get(rd, "input"));
    const char *on = json_string_value(json_object_get(rd, "taken_on"));
    const char *h = json_string_value(json_object_get(rd, "hash"));
    int64_t v = json_integer_value(json_object_get(rd, "value"));
    size_t k = 0;
    while (in && k < calc->ninputs && strcmp(calc->inputs[k].name, in) != 0) k++;
    if (in == NULL || on == NULL || h == NULL) e = l6_fail(err, L6_E_INTERNAL, "a stored reading is malformed");
    else if (k == calc->ninputs)
      e = l6_fail(err, L6_E_INVALID_VALUE, "reading %s/%lld of period %d is of input %s, which calculator %s does not take",
                  json_string_value(json_object_get(rd, "device")), (long long)json_integer_value(json_object_get(rd, "seq")),
                  period, in, calc->name);
    else if (strcmp(on, start) < 0 || strcmp(on, end) > 0)
      e = l6_fail(err, L6_E_INVALID_VALUE, "reading %s/%lld was taken on %s, outside the period %s..%s",
                  json_string_value(json_object_get(rd, "device")), (long long)json_integer_value(json_object_get(rd, "seq")),
                  on, start, end);
    else if (has_given[k])
      e = l6_fail(err, L6_E_INVALID_VALUE, "input %s comes from the period's device readings; the report may not give it",
                  in);
    else if (sum[k] > INT64_MAX - v)
      e = l6_fail(err, L6_E_INVALID_VALUE, "the readings of %s add up beyond its range", in);
    if (e != L6_E_OK) break;
    sum[k] += v;
    has_read[k] = true;
    crypto_hash_sha256_update(&hs, (const unsigned char *)h, strlen(h));
    if (json_array_size(hashes) < 16) json_array_append_new(hashes, json_string(h));
  }
  const l6_calc_params *params = svc__mechs(s) ? svc__mechs(s)->params : NULL;
  json_t *sources = json_object();
  bool used_params = false;
  for (size_t k = 0; k < calc->ninputs && e == L6_E_OK; k++) {
    const char *name = calc->inputs[k].name;
    snprintf(out[k].name, sizeof out[k].name, "%s", name);
    if (has_given[k]) {
      out[k].value = given_v[k];
      json_object_set_new(sources, name, json_string("reported"));
    } else if (has_read[k]) {
      out[k].value = sum[k];
      json_object_set_new(sources, name, json_string("readings"));
    } else {
      const l6_calc_param *p = calc_params_find(params, calc, k, host);
      if (p == NULL) {
        e = l6_fail(err, L6_E_MISSING_FIELD, "input %s of calculator %s is required (no reading, and no parameter for %s "
                    "or by default)", name, calc->name, host);
        break;
      }
      out[k].value = p->value;
      used_params = true;
      json_object_set_new(sources, name, json_pack("{s:s, s:s}", "parameter", p->party[0] ? p->party : "default",
                                                   "source", p->source));
    }
  }
  if (e == L6_E_OK) {
    *nout = calc->ninputs;
    json_object_set(detail, "sources", sources);
    if (json_array_size(readings) > 0) {
      unsigned char d[crypto_hash_sha256_BYTES];
      char dh[65];
      crypto_hash_sha256_final(&hs, d);
      sodium_bin2hex(dh, sizeof dh, d, sizeof d);
      /* digest: SHA-256 of the readings' hashes (hex, in id order, concatenated). */
      json_object_set_new(detail, "readings", json_pack("{s:I, s:s, s:O}", "count", (json_int_t)json_array_size(readings),
                                                        "digest", dh, "hashes", hashes));
    }
    if (used_params) json_object_set_new(detail, "parameters_hash", json_string(params->hash));
  }
  json_decref(sources);
  json_decref(hashes);
  json_decref(readings);
  return e;
}

/* ---- third-party developer's registry choice ------------------------- */

l6_err cdata__tp_choice(l6_svc *s, const char *project, int *share, l6_error *err) {
  *share = -1;
  l6_arec *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_error sub;
  l6_err e = OPS->arec_get(ST, project, "registry-choice", "registry", r, &sub);
  if (e == L6_E_OK) {
    json_t *b = body_of(r);
    *share = (int)json_integer_value(json_object_get(b, "share"));
    json_decref(b);
  } else if (e == L6_E_NOT_FOUND) {
    e = L6_E_OK;
  } else {
    l6_fail(err, e, "%s", sub.message);
  }
  free(r);
  return e;
}

l6_err cdata__tp_choose(l6_svc *s, const l6_mech *m, const char *project, const char *host, const char *dev_party,
                        const char *party, l6_error *err) {
  if (m->ntp_choice == 0)
    return l6_fail(err, L6_E_REGISTRY_CHOICE_REFUSED, "%s gives no developer a choice of registry", m->code);
  int k = -1;
  char names[64] = "";
  for (size_t j = 0; j < m->ntp_choice; j++) {
    const l6_mech_share *sh = &m->shares[m->tp_choice[j]];
    const char *p = sh->party[0] ? sh->party : "host";
    if (strcmp(p, party) == 0) k = m->tp_choice[j];
    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", j ? ", " : "", p);
  }
  if (k < 0)
    return l6_fail(err, L6_E_REGISTRY_CHOICE_REFUSED, "a third-party developer under %s chooses %s, not '%.8s'", m->code,
                   names, party);
  for (size_t j = 0; j < m->nshares; j++) {
    const char *p = m->shares[j].party[0] ? m->shares[j].party : host;
    if (strcmp(p, dev_party) == 0)
      return l6_fail(err, L6_E_REGISTRY_CHOICE_REFUSED, "the developer is of %s, a Party of the cooperation: its units "
                     "are split, not sent to a registry of its choice", dev_party);
  }
  l6_arec *r = calloc(1, sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  snprintf(r->project, sizeof r->project, "%s", project);
  snprintf(r->kind, sizeof r->kind, "registry-choice");
  r->id = 1;
  snprintf(r->ref, sizeof r->ref, "registry");
  json_t *b = json_pack("{s:s, s:i, s:s}", "party", party, "share", k, "developer_party", dev_party);
  l6_err e = b ? store_body(r, b, err) : l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = OPS->arec_put(ST, r, false, err);
  json_decref(b);
  free(r);
  return e;
}

/* ---- ex-ante purchases ------------------------------------------------- */

static bool is_currency(const char *c) {
  return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' && c[2] >= 'A' && c[2] <= 'Z';
}

l6_err svc_commitment_post(l6_svc *s, const l6_actor *a, const char *project, const json_t *in, json_t **out,
                           l6_error *err) {
  *out = NULL;
  static const char *const keys[] = {"quantity", "price", "currency", "funder_account", "beneficiary", NULL};
  int64_t qty = 0, price = 0, acc_id = 0;
  const char *cur = NULL, *benef = NULL;
  l6_err e = only(in, keys, err);
  if (e == L6_E_OK) e = need_int(in, "quantity", 1, L6_MAX_QUANTITY, L6_E_INVALID_QUANTITY, &qty, err);
  if (e == L6_E_OK) e = need_int(in, "price", 0, INT64_MAX, L6_E_INVALID_VALUE, &price, err);
  if (e == L6_E_OK && price > 0 && qty > INT64_MAX / price)
    e = l6_fail(err, L6_E_INVALID_VALUE, "price x quantity overflows");
  if (e == L6_E_OK) e = need_str(in, "currency", 3, &cur, err);
  if (e == L6_E_OK && !is_currency(cur)) e = l6_fail(err, L6_E_INVALID_VALUE, "currency must be an ISO 4217 code");
  if (e == L6_E_OK) e = need_int(in, "funder_account", 1, INT64_MAX, L6_E_UNKNOWN_ACCOUNT, &acc_id, err);
  if (e == L6_E_OK) e = need_str(in, "beneficiary", L6_NAME_MAX, &benef, err);
  if (e != L6_E_OK) return e;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_HOLDER) return l6_fail(err, L6_E_FORBIDDEN, "a funder (a holder token) commits to a purchase");
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  l6_account acc, ret;
  json_t *list = NULL, *b = NULL;
  l6_arec *r = calloc(1, sizeof *r);
  if (r == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = load_act(s, project, &act, &m, err);
  if (e == L6_E_OK && !m->ex_ante)
    e = l6_fail(err, L6_E_COMMITMENT_NOT_OFFERED, "%s takes no ex-ante purchases (ex_ante_purchases)", m->code);
  if (e == L6_E_OK) e = svc__open_account(s, acc_id, "funder_account", &acc, err);
  if (e == L6_E_OK && acc.org != a->org)
    e = l6_fail(err, L6_E_FORBIDDEN, "account %lld belongs to another organisation", (long long)acc.id);
  if (e == L6_E_OK && a->org == act.org)
    e = l6_fail(err, L6_E_FORBIDDEN, "the participant does not pre-purchase its own activity's units");
  if (e == L6_E_OK && strcmp(act.state, l6_cstate_str(L6_CS_REGISTERED)) != 0) {
    e = l6_fail(err, L6_E_WRONG_STATE, "activity %s is '%s'; its units are bought ex ante once it is 'registered'", project,
                act.state);
    snprintf(err->expected, sizeof err->expected, "%s", l6_cstate_str(L6_CS_REGISTERED));
  }
  if (e == L6_E_OK && acc.type != L6_ACCT_HOLDING && acc.type != L6_ACCT_TRADING)
    e = l6_fail(err, L6_E_INVALID_DESTINATION, "the funder's account must be a holding or trading account");
  if (e == L6_E_OK) {
    e = OPS->account_of_registry(ST, acc.registry, L6_ACCT_RETIREMENT, &ret, err);
    if (e == L6_E_UNKNOWN_ACCOUNT)
      e = l6_fail(err, L6_E_INVALID_DESTINATION, "registry %s has no retirement account for the delivered units", acc.registry);
  }
  if (e == L6_E_OK) e = list_bodies(s, project, "commitment", -1, &list, err);
  if (e == L6_E_OK && json_array_size(list) >= L6_MAX_COMMITMENTS)
    e = l6_fail(err, L6_E_INVALID_VALUE, "an activity takes at most %d commitments", L6_MAX_COMMITMENTS);
  if (e == L6_E_OK) {
    char ts[32];
    svc__timestamp(s, ts);
    snprintf(r->project, sizeof r->project, "%s", project);
    snprintf(r->kind, sizeof r->kind, "commitment");
    r->id = (l6_id)json_array_size(list) + 1;
    snprintf(r->ref, sizeof r->ref, "%lld", (long long)r->id);
    b = json_pack("{s:I, s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:[]}", "id", (json_int_t)r->id,
                  "activity", project, "org", (json_int_t)a->org, "funder_account", (json_int_t)acc.id, "beneficiary",
                  benef, "quantity", (json_int_t)qty, "price", (json_int_t)price, "currency", cur, "amount",
                  (json_int_t)(price * qty), "delivered", (json_int_t)0, "state", "open", "created", ts, "actor", a->name,
                  "deliveries");
    e = b ? store_body(r, b, err) : l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (e == L6_E_OK) e = OPS->arec_put(ST, r, false, err);
  if (e == L6_E_OK) *out = json_incref(b);
  json_decref(b);
  json_decref(list);
  free(r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_commitment_list(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  l6_activity act;
  const l6_mech *m;
  json_t *arr = NULL;
  e = load_act(s, project, &act, &m, err);
  if (e == L6_E_OK) e = list_bodies(s, project, "commitment", -1, &arr, err);
  if (e == L6_E_OK) *out = json_pack("{s:s, s:o}", "activity", project, "items", arr);
  if (e == L6_E_OK && *out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

/* One ledger transaction moving take (of batch) as its only line. */
static l6_err move_one(l6_svc *s, const l6_actor *a, svc_move_route route, l6_tx *tx, const l6_take *take, l6_error *err) {
  l6_err e = OPS->tx_put(ST, tx, err);
  svc_move_ctx mc = {.route = route, .tx = tx, .takes = take, .n = 1, .actor = a};
  if (e == L6_E_OK) e = svc__move_units(s, &mc, err);
  return e;
}

typedef struct {
  l6_arec *recs;
  size_t n, cap;
} arec_buf;

static int arec_row(void *ctx, const void *row) {
  arec_buf *b = ctx;
  if (b->n < b->cap) b->recs[b->n++] = *(const l6_arec *)row;
  return 0;
}

l6_err cdata__deliver(l6_svc *s, const l6_actor *a, const char *ts, const char *project, int period, l6_id pending,
                      l6_id batch, int64_t *next, l6_qty avail, l6_qty *delivered, json_t *detail, l6_error *err) {
  *delivered = 0;
  arec_buf buf = {calloc(L6_MAX_COMMITMENTS, sizeof(l6_arec)), 0, L6_MAX_COMMITMENTS};
  if (buf.recs == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = OPS->arec_list(ST, project, "commitment", -1, arec_row, &buf, err);
  json_t *done = json_array();
  for (size_t i = 0; i < buf.n && e == L6_E_OK && *delivered < avail; i++) {
    json_t *b = body_of(&buf.recs[i]);
    l6_qty want = json_integer_value(json_object_get(b, "quantity")) - json_integer_value(json_object_get(b, "delivered"));
    l6_qty q = want < avail - *delivered ? want : avail - *delivered;
    l6_account acc, ret;
    l6_error sub;
    l6_id acc_id = json_integer_value(json_object_get(b, "funder_account"));
    const char *skip = NULL;
    if (q <= 0) {
      json_decref(b);
      continue;
    }
    /* A funder whose account closed or whose registry lost its retirement
     * account is passed over (recorded), not allowed to block the issuance. */
    if (svc__open_account(s, acc_id, "funder_account", &acc, &sub) != L6_E_OK) skip = "the funder's account is not open";
    else if (OPS->account_of_registry(ST, acc.registry, L6_ACCT_RETIREMENT, &ret, &sub) != L6_E_OK ||
             ret.status != L6_STATUS_OPEN)
      skip = "the funder's registry has no open retirement account";
    if (skip) {
      json_array_append_new(done, json_pack("{s:I, s:I, s:s}", "commitment", (json_int_t)buf.recs[i].id, "quantity",
                                            (json_int_t)0, "skipped", skip));
      json_decref(b);
      continue;
    }
    l6_take take = {.batch = batch, .first = *next, .last = *next + q - 1};
    l6_tx buy = {.kind = L6_TX_TRANSFER, .from_account = pending, .to_account = acc.id, .quantity = q};
    l6_tx retire = {.kind = L6_TX_RETIREMENT, .from_account = acc.id, .to_account = ret.id, .quantity = q};
    snprintf(buy.ts, sizeof buy.ts, "%s", ts);
    snprintf(buy.actor, sizeof buy.actor, "%s", a->name);
    snprintf(buy.purpose, sizeof buy.purpose, "ex-ante purchase");
    snprintf(buy.claim, sizeof buy.claim, "commitment %lld of activity %s, monitoring period %d", (long long)buf.recs[i].id,
             project, period);
    snprintf(retire.ts, sizeof retire.ts, "%s", ts);
    snprintf(retire.actor, sizeof retire.actor, "%s", a->name);
    snprintf(retire.beneficiary, sizeof retire.beneficiary, "%s", json_string_value(json_object_get(b, "beneficiary")));
    snprintf(retire.purpose, sizeof retire.purpose, "adaptation");
    snprintf(retire.claim, sizeof retire.claim,
             "funded ex ante by %.100s (commitment %lld of activity %s); non-offsetting: no emissions claim",
             json_string_value(json_object_get(b, "beneficiary")), (long long)buf.recs[i].id, project);
    e = move_one(s, a, SVC_MOVE_CYCLE, &buy, &take, err);
    if (e == L6_E_OK) e = move_one(s, a, SVC_MOVE_MARKETPLACE, &retire, &take, err);
    if (e == L6_E_OK) {
      *next += q;
      *delivered += q;
      l6_qty got = json_integer_value(json_object_get(b, "delivered")) + q;
      json_object_set_new(b, "delivered", json_integer(got));
      json_object_set_new(b, "state", json_string(got == json_integer_value(json_object_get(b, "quantity")) ? "delivered" : "open"));
      json_t *dl = json_object_get(b, "deliveries");
      if (json_is_array(dl) && json_array_size(dl) < 100)
        json_array_append_new(dl, json_pack("{s:i, s:I, s:I, s:I, s:s}", "period", period, "quantity", (json_int_t)q,
                                            "transfer", (json_int_t)buy.id, "retirement", (json_int_t)retire.id, "ts", ts));
      e = store_body(&buf.recs[i], b, err);
      if (e == L6_E_OK) e = OPS->arec_put(ST, &buf.recs[i], true, err);
      json_array_append_new(done, json_pack("{s:I, s:I, s:I, s:I}", "commitment", (json_int_t)buf.recs[i].id, "quantity",
                                            (json_int_t)q, "transfer", (json_int_t)buy.id, "retirement",
                                            (json_int_t)retire.id));
    }
    json_decref(b);
  }
  if (json_array_size(done) > 0) json_object_set(detail, "commitments", done);
  json_decref(done);
  free(buf.recs);
  return e;
}
