/*
 * a6_report.c -- the Article 6.2 reports other than the AEF (issue 18
 * item 2; docs/API.md "Article 6.2 reports"): the record of a cooperative
 * approach, the initial report per approach (decision 2/CMA.3, annex,
 * chapter IV.A, paragraph 18), the annual information (paragraph 20) and
 * the regular information (paragraphs 21-23). Each call is one store
 * transaction; the reports are built from the approach's record and the
 * books (NDC, authorizations, AEF actions, balances).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "a6.h"
#include "service_int.h"
#include "tlog.h"

#define ST (svc_store(s))
#define OPS (svc_store(s)->ops)

/* The texts of an approach's record (its "texts" object) and whether the
 * initial report needs them. The element of paragraph 18 each one answers
 * is in ELEMENTS below. */
typedef struct {
  const char *key;
  bool required;
} text_key;

static const text_key TEXT_KEYS[] = {
    {"participation", true},           /* 18(a), para 4: participation responsibilities */
    {"ndc_information", true},         /* the NDC's mitigation information: sectors, sources, gases, periods */
    {"authorization", true},           /* 18: a copy of (a reference to) the Party's authorization of the approach */
    {"environmental_integrity", true}, /* no net increase in global emissions, conservative baselines, non-permanence */
    {"sustainable_development", true}, /* avoids negative impacts, fosters sustainable development */
    {"safeguards", true},              /* environmental and social safeguards, human rights */
    {"adaptation", false},             /* contribution to adaptation (share of proceeds): encouraged */
};
#define N_TEXT_KEYS (sizeof TEXT_KEYS / sizeof TEXT_KEYS[0])

static const char *const PUT_KEYS[] = {"title", "description", "parties", "start_year", "end_year", "metrics",
                                       "expected_mitigation", "authorized_entities", "texts", NULL};

static bool is_party_code(const char *s) {
  return s && strlen(s) == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

static l6_err need_string_array(const json_t *body, const char *key, size_t min, size_t max_len, l6_error *err) {
  const json_t *v = json_object_get(body, key);
  if (v == NULL) return L6_E_OK;
  if (!json_is_array(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array of strings", key);
  if (json_array_size(v) < min) return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' needs at least %zu items", key, min);
  size_t i;
  const json_t *x;
  json_array_foreach(v, i, x) {
    if (!json_is_string(x)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an array of strings", key);
    if (json_string_length(x) == 0 || json_string_length(x) > max_len)
      return l6_fail(err, L6_E_INVALID_VALUE, "items of '%s' have 1 to %zu characters", key, max_len);
  }
  return L6_E_OK;
}

static l6_err need_year(const json_t *body, const char *key, l6_error *err) {
  const json_t *v = json_object_get(body, key);
  if (v == NULL) return L6_E_OK;
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer", key);
  if (json_integer_value(v) < L6_VINTAGE_MIN || json_integer_value(v) > L6_VINTAGE_MAX)
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be a year from %d to %d", key, L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  return L6_E_OK;
}

/* The body's shape: known fields, types, Parties, years, texts. */
static l6_err approach_validate(const json_t *body, l6_error *err) {
  if (!json_is_object(body)) return l6_fail(err, L6_E_WRONG_TYPE, "the body must be a JSON object");
  const char *k;
  const json_t *v;
  json_object_foreach((json_t *)body, k, v) {
    bool known = false;
    for (size_t i = 0; PUT_KEYS[i] && !known; i++) known = strcmp(PUT_KEYS[i], k) == 0;
    if (!known) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.40s'", k);
  }
  const json_t *t = json_object_get(body, "title");
  if (t == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'title' is required");
  if (!json_is_string(t)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'title' must be a string");
  if (json_string_length(t) == 0 || json_string_length(t) > L6_NAME_MAX)
    return l6_fail(err, L6_E_INVALID_VALUE, "field 'title' has 1 to %d characters", L6_NAME_MAX);
  const json_t *d = json_object_get(body, "description");
  if (d && !json_is_string(d)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'description' must be a string");
  if (json_object_get(body, "parties") == NULL) return l6_fail(err, L6_E_MISSING_FIELD, "field 'parties' is required");
  l6_err e = need_string_array(body, "parties", 2, 3, err);
  if (e == L6_E_OK) e = need_string_array(body, "metrics", 0, 64, err);
  if (e == L6_E_OK) e = need_string_array(body, "authorized_entities", 0, L6_NAME_MAX, err);
  if (e == L6_E_OK) e = need_year(body, "start_year", err);
  if (e == L6_E_OK) e = need_year(body, "end_year", err);
  if (e != L6_E_OK) return e;
  size_t i;
  const json_t *x;
  json_array_foreach(json_object_get(body, "parties"), i, x) {
    if (!is_party_code(json_string_value(x)))
      return l6_fail(err, L6_E_INVALID_VALUE, "parties are ISO 3166 alpha-3 codes ('%.8s' is not)", json_string_value(x));
    for (size_t j = 0; j < i; j++)
      if (json_equal(x, json_array_get(json_object_get(body, "parties"), j)))
        return l6_fail(err, L6_E_INVALID_VALUE, "Party %s is listed twice", json_string_value(x));
  }
  const json_t *sy = json_object_get(body, "start_year"), *ey = json_object_get(body, "end_year");
  if (sy && ey && json_integer_value(sy) > json_integer_value(ey))
    return l6_fail(err, L6_E_INVALID_VALUE, "start_year must not be after end_year");
  const json_t *em = json_object_get(body, "expected_mitigation");
  if (em) {
    if (!json_is_array(em)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'expected_mitigation' must be an array");
    json_array_foreach(em, i, x) {
      const json_t *y = json_object_get(x, "year"), *q = json_object_get(x, "tco2e");
      if (!json_is_object(x) || json_object_size(x) != 2 || !json_is_integer(y) || !json_is_integer(q))
        return l6_fail(err, L6_E_WRONG_TYPE, "items of 'expected_mitigation' are {\"year\": integer, \"tco2e\": integer}");
      if (json_integer_value(q) < 0 || json_integer_value(q) > L6_MAX_QUANTITY)
        return l6_fail(err, L6_E_INVALID_VALUE, "expected_mitigation tco2e must be from 0 to %lld", (long long)L6_MAX_QUANTITY);
      if ((sy && json_integer_value(y) < json_integer_value(sy)) || (ey && json_integer_value(y) > json_integer_value(ey)) ||
          json_integer_value(y) < L6_VINTAGE_MIN || json_integer_value(y) > L6_VINTAGE_MAX)
        return l6_fail(err, L6_E_INVALID_VALUE, "expected_mitigation year %lld is outside the approach's duration",
                       (long long)json_integer_value(y));
      for (size_t j = 0; j < i; j++)
        if (json_equal(y, json_object_get(json_array_get(em, j), "year")))
          return l6_fail(err, L6_E_INVALID_VALUE, "expected_mitigation lists year %lld twice", (long long)json_integer_value(y));
    }
  }
  const json_t *tx = json_object_get(body, "texts");
  if (tx) {
    if (!json_is_object(tx)) return l6_fail(err, L6_E_WRONG_TYPE, "field 'texts' must be an object");
    json_object_foreach((json_t *)tx, k, v) {
      bool known = false;
      for (size_t j = 0; j < N_TEXT_KEYS && !known; j++) known = strcmp(TEXT_KEYS[j].key, k) == 0;
      if (!known) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown text 'texts.%.40s'", k);
      if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "texts.%s must be a string", k);
    }
  }
  return L6_E_OK;
}

static bool lists(const json_t *arr, const char *s) {
  size_t i;
  const json_t *x;
  json_array_foreach(arr, i, x) if (json_is_string(x) && strcmp(json_string_value(x), s) == 0) return true;
  return false;
}

static void code_str(int code, char out[8]) { snprintf(out, 8, "CA%04d", code % 10000); }

/* The record as the API shows it. */
static json_t *approach_view(const l6_a6_approach *r) {
  json_t *body = json_loads(r->body, 0, NULL);
  if (body == NULL) return NULL;
  char c[8];
  code_str(r->code, c);
  json_object_set_new(body, "code", json_string(c));
  json_object_set_new(body, "registered_by", json_string(r->party));
  json_object_set_new(body, "updated", json_string(r->ts));
  return body;
}

l6_err svc_a6_approach_put(l6_svc *s, const l6_actor *a, int code, const json_t *body, json_t **out, int *status,
                           l6_error *err) {
  *out = NULL;
  if (a->role == L6_ROLE__NONE) return l6_fail(err, L6_E_UNAUTHORIZED, NULL);
  if (a->role != L6_ROLE_ADMIN && a->role != L6_ROLE_AUTHORITY)
    return l6_fail(err, L6_E_FORBIDDEN, "role %s may not record cooperative approaches", l6_role_str(a->role));
  if (code < 1 || code > L6_A6_MAX_APPROACH) return l6_fail(err, L6_E_UNKNOWN_APPROACH, "approaches are CA0001 to CA9999");
  l6_err e = approach_validate(body, err);
  if (e != L6_E_OK) return e;
  char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
  if (text == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  if (strlen(text) > L6_A6_APPROACH_BODY_MAX) {
    free(text);
    return l6_fail(err, L6_E_INVALID_VALUE, "the record is longer than %d bytes as JSON", L6_A6_APPROACH_BODY_MAX);
  }
  l6_a6_approach *r = calloc(1, sizeof *r);
  if (r == NULL) {
    free(text);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  if ((e = svc__begin(s, err)) != L6_E_OK) {
    free(text);
    free(r);
    return e;
  }
  char p[4] = "";
  e = svc__a6_actor_party(s, a, p, err);
  const json_t *parties = json_object_get(body, "parties");
  if (e == L6_E_OK && a->role == L6_ROLE_AUTHORITY && !lists(parties, p))
    e = l6_fail(err, L6_E_NOT_APPROACH_PARTY, "the authority of %s may not record an approach %s does not take part in", p, p);
  size_t i;
  const json_t *x;
  json_array_foreach(parties, i, x) {
    l6_party pp;
    if (e != L6_E_OK) break;
    e = OPS->party_get(ST, json_string_value(x), &pp, err);
    if (e == L6_E_UNKNOWN_PARTY || e == L6_E_NOT_FOUND)
      e = l6_fail(err, L6_E_UNKNOWN_PARTY, "Party %s is not known to the registry", json_string_value(x));
  }
  l6_a6_approach old;
  bool existed = false;
  if (e == L6_E_OK) {
    l6_err g = OPS->a6_approach_get(ST, code, &old, err);
    if (g == L6_E_OK) existed = true;
    else if (g != L6_E_NOT_FOUND) e = g;
  }
  /* Replacing a record: the authority of a Party of the old record too
   * (a Party cannot take over an approach it is not in). */
  if (e == L6_E_OK && existed && a->role == L6_ROLE_AUTHORITY) {
    json_t *ob = json_loads(old.body, 0, NULL);
    if (ob == NULL || !lists(json_object_get(ob, "parties"), p))
      e = l6_fail(err, L6_E_NOT_APPROACH_PARTY, "%s is not a Party of the recorded approach CA%04d", p, code);
    json_decref(ob);
  }
  if (e == L6_E_OK) {
    r->code = code;
    snprintf(r->party, sizeof r->party, "%s", existed ? old.party : (p[0] ? p : json_string_value(json_array_get(parties, 0))));
    snprintf(r->body, sizeof r->body, "%s", text);
    svc__timestamp(s, r->ts);
    e = OPS->a6_approach_put(ST, r, err);
  }
  if (e == L6_E_OK && (*out = approach_view(r)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (status) *status = existed ? 200 : 201;
  free(text);
  free(r);
  if (e == L6_E_OK) e = tlog_append_new(ST, err);
  return svc__finish_out(s, e, out, err);
}

static l6_err approach_load(l6_svc *s, int code, l6_a6_approach *r, l6_error *err) {
  if (code < 1 || code > L6_A6_MAX_APPROACH) return l6_fail(err, L6_E_UNKNOWN_APPROACH, "approaches are CA0001 to CA9999");
  l6_err e = OPS->a6_approach_get(ST, code, r, err);
  if (e == L6_E_NOT_FOUND) return l6_fail(err, L6_E_UNKNOWN_APPROACH, "no cooperative approach CA%04d is recorded", code);
  return e;
}

l6_err svc_a6_approach_get(l6_svc *s, const l6_actor *a, int code, json_t **out, l6_error *err) {
  (void)a; /* public, like the initial report */
  *out = NULL;
  l6_a6_approach *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e == L6_E_OK) {
    e = approach_load(s, code, r, err);
    if (e == L6_E_OK && (*out = approach_view(r)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    e = svc__finish_out(s, e, out, err);
  }
  free(r);
  return e;
}

static int approach_row(void *ctx, const void *row) {
  json_t *v = approach_view(row);
  if (v == NULL) return 1;
  json_array_append_new(ctx, v);
  return 0;
}

l6_err svc_a6_approach_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err) {
  (void)a;
  *out = NULL;
  json_t *arr = json_array();
  if (arr == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    json_decref(arr);
    return e;
  }
  e = OPS->a6_approach_list(ST, approach_row, arr, err);
  if (e == L6_E_OK) *out = json_pack("{s:o}", "approaches", arr);
  else json_decref(arr);
  return svc__finish_out(s, e, out, err);
}

/* ---- the initial report ------------------------------------------------ */

static bool has_text(const json_t *o, const char *k) {
  const json_t *v = json_object_get(o, k);
  return json_is_string(v) && json_string_length(v) > 0;
}

/* Appends an element: id, paragraph, title, required, source, value (taken), present. */
static void element(json_t *list, json_t *missing, const char *id, const char *para, const char *title, bool required,
                    const char *source, json_t *value, bool present) {
  json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:b}", "id", id, "paragraph", para, "title", title,
                                        "required", required, "source", source, "value", value ? value : json_null(),
                                        "present", present));
  if (required && !present) json_array_append_new(missing, json_string(id));
}

static json_t *text_or_null(const json_t *texts, const char *k) {
  return has_text(texts, k) ? json_incref(json_object_get(texts, k)) : json_null();
}

typedef struct {
  int approach;
  const char *party;
  json_t *list;
} auth_rows;

static int auth_row(void *ctx, const void *row) {
  auth_rows *c = ctx;
  const l6_a6_auth *x = row;
  if (x->approach != c->approach || strcmp(x->party, c->party) != 0) return 0;
  json_array_append_new(c->list, json_pack("{s:I, s:i, s:s, s:s, s:b, s:o}", "id", (json_int_t)x->id, "version", x->version,
                                           "project", x->project, "purposes", x->purposes, "revoked", x->revoked,
                                           "letter_sha256", x->letter_sha256[0] ? json_string(x->letter_sha256) : json_null()));
  return 0;
}

l6_err svc_a6_initial_report(l6_svc *s, const l6_actor *a, int code, const char *party, json_t **out, l6_error *err) {
  (void)a; /* public: the secretariat publishes initial reports */
  *out = NULL;
  if (party && party[0] && !is_party_code(party)) return l6_fail(err, L6_E_BAD_PARAM, "party must be a Party code");
  l6_a6_approach *r = malloc(sizeof *r);
  if (r == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(r);
    return e;
  }
  e = approach_load(s, code, r, err);
  json_t *rec = e == L6_E_OK ? json_loads(r->body, 0, NULL) : NULL;
  if (e == L6_E_OK && rec == NULL) e = l6_fail(err, L6_E_INTERNAL, "the record of CA%04d is not JSON", code);
  char p[4] = "";
  if (e == L6_E_OK) snprintf(p, sizeof p, "%s", party && party[0] ? party : r->party);
  const json_t *parties = json_object_get(rec, "parties"), *texts = json_object_get(rec, "texts");
  if (e == L6_E_OK && !lists(parties, p))
    e = l6_fail(err, L6_E_BAD_PARAM, "%s is not a Party of the cooperative approach CA%04d", p, code);
  l6_a6_ndc ndc;
  bool has_ndc = false;
  if (e == L6_E_OK) {
    l6_err g = OPS->a6_ndc_get(ST, p, &ndc, err);
    if (g == L6_E_OK) has_ndc = true;
    else if (g != L6_E_UNKNOWN_NDC) e = g;
  }
  json_t *auths = json_array();
  auth_rows ar = {.approach = code, .party = p, .list = auths};
  if (e == L6_E_OK) e = OPS->a6_auth_list(ST, p, auth_row, &ar, err);
  if (e == L6_E_OK) {
    json_t *list = json_array(), *missing = json_array();
    /* 18(a) and paragraph 4: the participation responsibilities. */
    element(list, missing, "participation", "18(a), 4", "Participation responsibilities (Party to the Paris Agreement; "
            "arrangements for authorizing and tracking ITMOs; latest national inventory report; NDC; contribution to "
            "the NDC and long-term strategy)", true, "record", text_or_null(texts, "participation"),
            has_text(texts, "participation"));
    const json_t *metrics = json_object_get(rec, "metrics");
    element(list, missing, "itmo_metrics", "18(b)", "ITMO metrics (t CO2 eq or non-GHG metrics)", true, "record",
            metrics ? json_incref((json_t *)metrics) : NULL, json_array_size(metrics) > 0);
    element(list, missing, "corresponding_adjustment_method", "18(c)",
            "Method for applying corresponding adjustments (single-year NDC: trajectory, budget or averaging; multi-year)",
            true, "books", has_ndc ? json_pack("{s:s, s:s}", "ndc_kind", ndc.kind, "method", ndc.method) : NULL, has_ndc);
    element(list, missing, "ndc_information", "18(d)",
            "Mitigation information of the NDC (sectors, sources, greenhouse gases, time periods, reference points)", true,
            "record", text_or_null(texts, "ndc_information"), has_text(texts, "ndc_information"));
    element(list, missing, "ndc_quantification", "18(d)-(e)",
            "The NDC quantified in t CO2 eq for its implementation period", true, "books",
            has_ndc ? json_pack("{s:i, s:i, s:i, s:I, s:s, s:I}", "first_year", ndc.first_year, "last_year", ndc.last_year,
                                "target_year", ndc.target_year, "target", (json_int_t)ndc.target, "metric", ndc.metric,
                                "factor_micro", (json_int_t)ndc.factor_micro)
                    : NULL,
            has_ndc);
    element(list, missing, "approach_authorization", "18(f)",
            "A copy of the Party's authorization of the cooperative approach", true, "record",
            has_text(texts, "authorization")
                ? json_pack("{s:O, s:O}", "document", json_object_get(texts, "authorization"), "authorizations_in_books", auths)
                : NULL,
            has_text(texts, "authorization"));
    /* 18(g): the approach's description, each part named when missing. */
    const json_t *em = json_object_get(rec, "expected_mitigation"), *ents = json_object_get(rec, "authorized_entities");
    struct {
      const char *id;
      bool ok;
    } parts[] = {{"approach_description.description", has_text(rec, "description")},
                 {"approach_description.duration", json_object_get(rec, "start_year") && json_object_get(rec, "end_year")},
                 {"approach_description.expected_mitigation", json_array_size(em) > 0},
                 {"approach_description.participating_parties", json_array_size(parties) >= 2},
                 {"approach_description.authorized_entities", ents != NULL}};
    bool all = true;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) all = all && parts[i].ok;
    json_t *desc = json_object();
    json_object_set(desc, "title", json_object_get(rec, "title"));
    json_object_set_new(desc, "description", text_or_null(rec, "description"));
    json_object_set_new(desc, "start_year", json_object_get(rec, "start_year") ? json_incref(json_object_get(rec, "start_year")) : json_null());
    json_object_set_new(desc, "end_year", json_object_get(rec, "end_year") ? json_incref(json_object_get(rec, "end_year")) : json_null());
    json_object_set(desc, "participating_parties", (json_t *)parties);
    json_object_set_new(desc, "expected_mitigation", em ? json_incref((json_t *)em) : json_array());
    json_object_set_new(desc, "authorized_entities", ents ? json_incref((json_t *)ents) : json_null());
    element(list, missing, "approach_description", "18(g)",
            "The cooperative approach: description, duration, expected mitigation for each year, participating Parties, "
            "authorized entities", true, "record", desc, all);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
      if (!parts[i].ok) json_array_append_new(missing, json_string(parts[i].id));
    element(list, missing, "environmental_integrity", "18(h)",
            "How the approach ensures environmental integrity: no net increase in global emissions within and between NDC "
            "periods; robust, transparent governance and conservative baselines; minimizing the risk of non-permanence",
            true, "record", text_or_null(texts, "environmental_integrity"), has_text(texts, "environmental_integrity"));
    element(list, missing, "sustainable_development", "18(i)",
            "How the approach minimizes and where possible avoids negative environmental, economic and social impacts and "
            "fosters sustainable development", true, "record", text_or_null(texts, "sustainable_development"),
            has_text(texts, "sustainable_development"));
    element(list, missing, "safeguards", "18(i)", "Environmental and social safeguards, and respect for human rights", true,
            "record", text_or_null(texts, "safeguards"), has_text(texts, "safeguards"));
    element(list, missing, "adaptation", "18(j)", "Contribution to adaptation (e.g. a share of proceeds): encouraged", false,
            "record", text_or_null(texts, "adaptation"), has_text(texts, "adaptation"));
    char c[8];
    code_str(code, c);
    *out = json_pack("{s:s, s:s, s:s, s:O, s:s, s:b, s:o, s:o}", "cooperative_approach", c, "title",
                     json_string_value(json_object_get(rec, "title")), "party", p, "participating_parties", parties,
                     "record_updated", r->ts, "complete", json_array_size(missing) == 0, "missing", missing, "elements", list);
    if (*out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  }
  json_decref(auths);
  json_decref(rec);
  free(r);
  return svc__finish_out(s, e, out, err);
}

/* ---- annual information -------------------------------------------------- */

l6_err svc_a6_annual_information(l6_svc *s, const l6_actor *a, const char *party, int year, json_t **out,
                                 l6_error *err) {
  *out = NULL;
  json_t *aef = NULL;
  /* The AEF for the year, checked as every export (svc_a6_aef). */
  l6_err e = svc_a6_aef(s, a, party, year, NULL, &aef, err);
  if (e != L6_E_OK) return e;
  char due[16], today[32];
  snprintf(due, sizeof due, "%04d-04-15", (year + 1) % 10000); /* paragraph 20: "no later than 15 April of the following year" */
  svc__timestamp(s, today);
  bool past = strncmp(today, due, 10) > 0;
  *out = json_pack("{s:s, s:i, s:s, s:s#, s:b, s:O, s:o}", "party", party, "year", year, "due_date", due, "today", today,
                   (int)10, "past_due", past, "consistent",
                   json_object_get(json_object_get(aef, "consistency"), "consistent"), "aef", aef);
  return *out ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}

/* ---- regular information ------------------------------------------------- */

typedef struct {
  int approach;
  int year;
  int64_t first_transferred, used, first_transferred_itmos, used_itmos, cancelled_itmos, acquired_itmos, transferred_itmos;
} ap_year;

typedef struct {
  ap_year *v;
  size_t n, cap;
  bool nomem;
} ap_years;

static ap_year *ap_at(ap_years *b, int approach, int year) {
  for (size_t i = 0; i < b->n; i++)
    if (b->v[i].approach == approach && b->v[i].year == year) return &b->v[i];
  ap_year *nv = svc__grow(b->v, b->n, &b->cap, sizeof *nv, 16);
  if (nv == NULL) return NULL;
  b->v = nv;
  b->v[b->n] = (ap_year){.approach = approach, .year = year};
  return &b->v[b->n++];
}

static int action_row(void *ctx, const void *row) {
  ap_years *b = ctx;
  const l6_a6_action *x = row;
  ap_year *y = ap_at(b, x->approach, x->year);
  if (y == NULL) {
    b->nomem = true;
    return 1;
  }
  if (strcmp(x->type, "First transfer") == 0) {
    y->first_transferred += x->ca; /* as the balances count it (a6.c balance_years) */
    y->first_transferred_itmos += x->quantity;
  } else if (strcmp(x->type, "Use") == 0) {
    y->used -= x->ca;
    y->used_itmos += x->quantity;
  } else if (strcmp(x->type, "Cancellation") == 0) {
    y->cancelled_itmos += x->quantity;
  } else if (strcmp(x->type, "Acquisition") == 0) {
    y->acquired_itmos += x->quantity;
  } else if (strcmp(x->type, "Transfer") == 0) {
    y->transferred_itmos += x->quantity;
  }
  return 0;
}

static int cmp_ap(const void *pa, const void *pb) {
  const ap_year *a = pa, *b = pb;
  if (a->approach != b->approach) return a->approach < b->approach ? -1 : 1;
  return (a->year > b->year) - (a->year < b->year);
}

l6_err svc_a6_regular_information(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err) {
  *out = NULL;
  l6_err e = svc__a6_need_books_reader(s, a, NULL, err);
  if (e != L6_E_OK) return e;
  if ((e = svc__begin(s, err)) != L6_E_OK) return e;
  if ((e = svc__a6_need_books_reader(s, a, party, err)) != L6_E_OK) return svc__finish(s, e, err);
  json_t *bal = NULL;
  ap_years b = {0};
  l6_a6_approach *r = malloc(sizeof *r);
  if (r == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  if (e == L6_E_OK) e = svc__a6_balances_in_tx(s, party, &bal, err);
  if (e == L6_E_OK) e = OPS->a6_action_list(ST, party, action_row, &b, err);
  if (e == L6_E_OK && b.nomem) e = l6_fail(err, L6_E_NOMEM, NULL);
  json_t *approaches = json_array();
  if (e == L6_E_OK) qsort(b.v, b.n, sizeof *b.v, cmp_ap);
  for (size_t i = 0; i < b.n && e == L6_E_OK;) {
    int code = b.v[i].approach;
    json_t *years = json_array();
    for (; i < b.n && b.v[i].approach == code; i++) {
      const ap_year *y = &b.v[i];
      json_array_append_new(years, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "year", y->year,
                                             "first_transferred", (json_int_t)y->first_transferred, "used",
                                             (json_int_t)y->used, "first_transferred_itmos",
                                             (json_int_t)y->first_transferred_itmos, "used_itmos",
                                             (json_int_t)y->used_itmos, "cancelled_itmos", (json_int_t)y->cancelled_itmos,
                                             "acquired_itmos", (json_int_t)y->acquired_itmos, "transferred_itmos",
                                             (json_int_t)y->transferred_itmos));
    }
    char c[8];
    code_str(code, c);
    json_t *ap = json_pack("{s:s, s:o}", "cooperative_approach", c, "years", years);
    l6_err g = code >= 1 && code <= L6_A6_MAX_APPROACH ? OPS->a6_approach_get(ST, code, r, err) : L6_E_NOT_FOUND;
    json_t *rec = g == L6_E_OK ? json_loads(r->body, 0, NULL) : NULL;
    if (g != L6_E_OK && g != L6_E_NOT_FOUND) e = g;
    const json_t *texts = json_object_get(rec, "texts");
    json_object_set_new(ap, "recorded", json_boolean(rec != NULL));
    json_object_set_new(ap, "title", rec ? json_incref(json_object_get(rec, "title")) : json_null());
    /* Paragraph 22: how the approach ensures environmental integrity and
     * fosters sustainable development, from its record. */
    json_object_set_new(ap, "environmental_integrity", text_or_null(texts, "environmental_integrity"));
    json_object_set_new(ap, "sustainable_development", text_or_null(texts, "sustainable_development"));
    json_decref(rec);
    json_array_append_new(approaches, ap);
  }
  if (e == L6_E_OK) {
    const json_t *ndc = json_object_get(bal, "ndc");
    *out = json_pack("{s:s, s:O, s:O, s:O, s:O, s:o}", "party", party, "ndc", ndc, "corresponding_adjustment_method",
                     json_object_get(ndc, "method"), "emissions_balance", json_object_get(bal, "years"),
                     "target_met", json_object_get(bal, "target_met"), "approaches", approaches);
    approaches = NULL;
    if (*out == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  }
  json_decref(approaches);
  json_decref(bal);
  free(b.v);
  free(r);
  return svc__finish_out(s, e, out, err);
}
