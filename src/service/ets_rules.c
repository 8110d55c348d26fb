/*
 * ets_rules.c -- strict loading of jurisdiction files; see ets_rules.h.
 */
#include "ets_rules.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#define ETS_FILE_MAX (64 * 1024)

typedef struct {
  const char *path;
  l6_error *err;
} pctx;

static l6_err bad(pctx *c, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static l6_err bad(pctx *c, const char *key, const char *fmt, ...) {
  char reason[160];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return l6_fail(c->err, L6_E_INVALID_CONFIG, "%s: key %s: %s", c->path, key, reason);
}

static l6_err keys_only(pctx *c, const char *where, json_t *obj, const char *const *allowed) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, key) == 0;
    if (!ok) {
      char k[128];
      snprintf(k, sizeof k, "%s%s%s", where, *where ? "." : "", key);
      return bad(c, k, "unknown key");
    }
  }
  return L6_E_OK;
}

static bool valid_value(const char *s) {
  if (!*s || strlen(s) > L6_ETS_VALUE_MAX) return false;
  for (const char *p = s; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
          *p == '_' || *p == '.'))
      return false;
  return true;
}

static l6_err get_str(pctx *c, json_t *obj, const char *where, const char *key, bool required, char *dst, size_t cap,
                      bool (*valid)(const char *), const char *what) {
  char k[128];
  snprintf(k, sizeof k, "%s%s%s", where, *where ? "." : "", key);
  dst[0] = 0;
  json_t *v = json_object_get(obj, key);
  if (!v) return required ? bad(c, k, "is required") : L6_E_OK;
  const char *s = json_string_value(v);
  if (!s || strlen(s) >= cap || !l6_valid_text(s, cap - 1) || (valid && !valid(s))) return bad(c, k, "must be %s", what);
  snprintf(dst, cap, "%s", s);
  return L6_E_OK;
}

static l6_err get_int(pctx *c, json_t *obj, const char *where, const char *key, bool required, int64_t min,
                      int64_t max, int *out) {
  char k[128];
  snprintf(k, sizeof k, "%s%s%s", where, *where ? "." : "", key);
  json_t *v = json_object_get(obj, key);
  if (!v) return required ? bad(c, k, "is required") : L6_E_OK;
  if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
    return bad(c, k, "must be an integer from %lld to %lld", (long long)min, (long long)max);
  *out = (int)json_integer_value(v);
  return L6_E_OK;
}

static l6_err get_values(pctx *c, json_t *obj, const char *where, const char *key, bool required, bool codes,
                         ets_values *out) {
  char k[128];
  snprintf(k, sizeof k, "%s%s%s", where, *where ? "." : "", key);
  memset(out, 0, sizeof *out);
  json_t *a = json_object_get(obj, key);
  if (!a) return required ? bad(c, k, "is required") : L6_E_OK;
  if (!json_is_array(a) || json_array_size(a) > L6_ETS_MAX_VALUES)
    return bad(c, k, "must be an array of at most %d strings", L6_ETS_MAX_VALUES);
  size_t i;
  json_t *v;
  json_array_foreach(a, i, v) {
    const char *s = json_string_value(v);
    if (!s || !(codes ? l6_valid_code(s) : valid_value(s)))
      return bad(c, k, "entry %zu must be %s", i, codes ? "a unit type code" : "a value of [A-Za-z0-9._-], 1-32 characters");
    for (size_t j = 0; j < out->n; j++)
      if (strcmp(out->v[j], s) == 0) return bad(c, k, "lists %s twice", s);
    snprintf(out->v[out->n++], sizeof out->v[0], "%s", s);
  }
  return L6_E_OK;
}

static l6_err get_units(pctx *c, json_t *root, const char *key, bool required, ets_unit *out, size_t *n) {
  static const char *const keys[] = {"unit", "num", "den", NULL};
  json_t *a = json_object_get(root, key);
  *n = 0;
  if (!a) return required ? bad(c, key, "is required") : L6_E_OK;
  if (!json_is_array(a) || json_array_size(a) > L6_ETS_MAX_UNITS)
    return bad(c, key, "must be an array of at most %d unit entries", L6_ETS_MAX_UNITS);
  if (required && json_array_size(a) == 0) return bad(c, key, "must name at least one unit type");
  size_t i;
  json_t *v;
  l6_err e;
  json_array_foreach(a, i, v) {
    char w[64];
    snprintf(w, sizeof w, "%s[%zu]", key, i);
    if (!json_is_object(v)) return bad(c, w, "must be an object");
    if ((e = keys_only(c, w, v, keys)) != L6_E_OK) return e;
    ets_unit *u = &out[*n];
    u->num = u->den = 1;
    if ((e = get_str(c, v, w, "unit", true, u->unit, sizeof u->unit, l6_valid_code, "a unit type code")) != L6_E_OK ||
        (e = get_int(c, v, w, "num", false, 1, L6_ETS_MAX_RATIO, &u->num)) != L6_E_OK ||
        (e = get_int(c, v, w, "den", false, 1, L6_ETS_MAX_RATIO, &u->den)) != L6_E_OK)
      return e;
    (*n)++;
  }
  return L6_E_OK;
}

/* A jurisdiction code: [A-Z0-9.-]{1,32}, starting with a letter or digit ("CN-SH", "EU.P4"). */
bool ets_valid_code(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > L6_CODE_MAX || !((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))) return false;
  return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static bool valid_year_or_date(const char *s) {
  if (strlen(s) == 4) return s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == 4;
  return l6_valid_date(s);
}

static l6_err get_attr(pctx *c, json_t *obj, const char *where, const char *key, bool required, ets_attr *out) {
  char name[32], k[128];
  snprintf(k, sizeof k, "%s.%s", where, key);
  l6_err e = get_str(c, obj, where, key, required, name, sizeof name, NULL, "an attribute name");
  if (e != L6_E_OK) return e;
  *out = ETS_ATTR__NONE;
  if (!*name) return L6_E_OK;
  if ((*out = ets_attr_from_str(name)) == ETS_ATTR__NONE)
    return bad(c, k, "unknown attribute %s (unit_type, project, project_type, province, city, reg_province, gases, "
                     "covered_entity, registered, credit_start, credit_end, project_start, production_start, "
                     "production_end, production, vintage)", name);
  return L6_E_OK;
}

static l6_err parse_rule(pctx *c, json_t *v, size_t i, ets_ruleset *rs, ets_rule *r) {
  static const char *const keys[] = {"id", "kind", "text", "source", "units", "where", "years", "base", "percent",
                                     "rounding", "attr", "in", "from", "to", NULL};
  char w[32], k[64], s[32];
  snprintf(w, sizeof w, "rules[%zu]", i);
  if (!json_is_object(v)) return bad(c, w, "must be an object");
  l6_err e = keys_only(c, w, v, keys);
  if (e != L6_E_OK) return e;
  memset(r, 0, sizeof *r);
  if ((e = get_str(c, v, w, "id", true, r->id, sizeof r->id, l6_valid_code, "a rule id ([A-Z0-9.]{1,32})")) != L6_E_OK ||
      (e = get_str(c, v, w, "text", true, r->text, sizeof r->text, NULL, "text of 1-200 characters")) != L6_E_OK ||
      (e = get_str(c, v, w, "kind", true, s, sizeof s, NULL, "limit, share, require, exclude or window")) != L6_E_OK)
    return e;
  snprintf(k, sizeof k, "%s.kind", w);
  if ((r->kind = ets_rule_kind_from_str(s)) == ETS_RULE__NONE) return bad(c, k, "must be limit, share, require, exclude or window");
  for (size_t j = 0; j < rs->nrules; j++)
    if (strcmp(rs->rules[j].id, r->id) == 0) return bad(c, w, "id %s is used twice", r->id);
  if ((e = get_values(c, v, w, "units", false, true, &r->units)) != L6_E_OK) return e;
  for (size_t j = 0; j < r->units.n; j++)
    if (!ets_offset_unit(rs, r->units.v[j])) {
      snprintf(k, sizeof k, "%s.units", w);
      return bad(c, k, "%s is not among the scheme's offsets", r->units.v[j]);
    }
  json_t *src = json_object_get(v, "source");
  if (src) { /* where the rule comes from: {"doc": ..., "quote": ...}, both required */
    static const char *const skeys[] = {"doc", "quote", NULL};
    snprintf(k, sizeof k, "%s.source", w);
    if (!json_is_object(src)) return bad(c, k, "must be an object {doc, quote}");
    if ((e = keys_only(c, k, src, skeys)) != L6_E_OK ||
        (e = get_str(c, src, k, "doc", true, r->source_doc, sizeof r->source_doc, NULL, "text of 1-600 bytes")) != L6_E_OK ||
        (e = get_str(c, src, k, "quote", true, r->source_quote, sizeof r->source_quote, NULL, "text of 1-600 bytes")) != L6_E_OK)
      return e;
  }
  json_t *wh = json_object_get(v, "where");
  if (wh) {
    static const char *const wkeys[] = {"attr", "in", "not_in", NULL};
    snprintf(k, sizeof k, "%s.where", w);
    if (!json_is_object(wh)) return bad(c, k, "must be an object");
    if ((e = keys_only(c, k, wh, wkeys)) != L6_E_OK || (e = get_attr(c, wh, k, "attr", true, &r->where_attr)) != L6_E_OK)
      return e;
    if (r->where_attr == ETS_ATTR_PRODUCTION) return bad(c, k, "production is for windows only (production_start, production_end)");
    bool in = json_object_get(wh, "in") != NULL, not_in = json_object_get(wh, "not_in") != NULL;
    if (in == not_in) return bad(c, k, "needs exactly one of in and not_in");
    r->where_not = not_in;
    if ((e = get_values(c, wh, k, in ? "in" : "not_in", true, false, &r->where)) != L6_E_OK) return e;
  }
  json_t *y = json_object_get(v, "years");
  if (y) {
    snprintf(k, sizeof k, "%s.years", w);
    if (!json_is_array(y) || json_array_size(y) != 2 || !json_is_integer(json_array_get(y, 0)) ||
        !json_is_integer(json_array_get(y, 1)))
      return bad(c, k, "must be [first, last] (0 for open)");
    json_int_t a = json_integer_value(json_array_get(y, 0)), b = json_integer_value(json_array_get(y, 1));
    if (a < 0 || b < 0 || (a && a < 1990) || a > 2200 || (b && b < 1990) || b > 2200 || (a && b && a > b))
      return bad(c, k, "must be years from 1990 to 2200, first <= last (0 for open)");
    r->first_year = (int)a;
    r->last_year = (int)b;
  }
  bool is_limit = r->kind == ETS_RULE_LIMIT, is_share = r->kind == ETS_RULE_SHARE,
       is_window = r->kind == ETS_RULE_WINDOW;
  /* keys that belong to other kinds are refused, so a typo cannot hide */
  static const struct {
    const char *key;
    unsigned kinds; /* bit per ets_rule_kind */
  } owned[] = {{"base", 1u << ETS_RULE_LIMIT},
               {"rounding", 1u << ETS_RULE_LIMIT},
               {"percent", (1u << ETS_RULE_LIMIT) | (1u << ETS_RULE_SHARE)},
               {"attr", (1u << ETS_RULE_SHARE) | (1u << ETS_RULE_REQUIRE) | (1u << ETS_RULE_EXCLUDE) | (1u << ETS_RULE_WINDOW)},
               {"in", (1u << ETS_RULE_SHARE) | (1u << ETS_RULE_REQUIRE) | (1u << ETS_RULE_EXCLUDE)},
               {"from", 1u << ETS_RULE_WINDOW},
               {"to", 1u << ETS_RULE_WINDOW}};
  for (size_t j = 0; j < sizeof owned / sizeof owned[0]; j++)
    if (json_object_get(v, owned[j].key) && !(owned[j].kinds & (1u << r->kind))) {
      snprintf(k, sizeof k, "%s.%s", w, owned[j].key);
      return bad(c, k, "does not apply to %s %s rule", l6_article(ets_rule_kind_str(r->kind)),
                 ets_rule_kind_str(r->kind));
    }
  if (is_limit) {
    if ((e = get_str(c, v, w, "base", true, s, sizeof s, NULL, "emissions, obligation, allocated or shortfall")) != L6_E_OK)
      return e;
    snprintf(k, sizeof k, "%s.base", w);
    if ((r->base = ets_base_from_str(s)) == ETS_BASE__NONE) return bad(c, k, "must be emissions, obligation, allocated or shortfall");
    if ((e = get_str(c, v, w, "rounding", false, s, sizeof s, NULL, "floor or ceil")) != L6_E_OK) return e;
    snprintf(k, sizeof k, "%s.rounding", w);
    if (*s && strcmp(s, "floor") != 0 && strcmp(s, "ceil") != 0) return bad(c, k, "must be floor or ceil");
    r->ceil = strcmp(s, "ceil") == 0;
  }
  if (is_limit || is_share)
    if ((e = get_int(c, v, w, "percent", true, 0, 100, &r->percent)) != L6_E_OK) return e;
  if (!is_limit) {
    if ((e = get_attr(c, v, w, "attr", true, &r->attr)) != L6_E_OK) return e;
    if (r->attr == ETS_ATTR_PRODUCTION && !is_window) {
      snprintf(k, sizeof k, "%s.attr", w);
      return bad(c, k, "production is for windows only (production_start, production_end)");
    }
    if (is_window) {
      if (!ets_attr_is_date(r->attr) && r->attr != ETS_ATTR_VINTAGE) {
        snprintf(k, sizeof k, "%s.attr", w);
        return bad(c, k, "a window needs a date attribute or vintage");
      }
      bool date = ets_attr_is_date(r->attr);
      const char *what = date ? "a date YYYY-MM-DD" : "a year YYYY";
      if ((e = get_str(c, v, w, "from", false, r->from, sizeof r->from, valid_year_or_date, what)) != L6_E_OK ||
          (e = get_str(c, v, w, "to", false, r->to, sizeof r->to, valid_year_or_date, what)) != L6_E_OK)
        return e;
      snprintf(k, sizeof k, "%s.from", w);
      if (!*r->from && !*r->to) return bad(c, k, "a window needs from, to or both");
      if ((*r->from && (strlen(r->from) == 10) != date) || (*r->to && (strlen(r->to) == 10) != date))
        return bad(c, k, "must be %s", what);
      if (*r->from && *r->to && strcmp(r->from, r->to) > 0) return bad(c, k, "is after to");
    } else if ((e = get_values(c, v, w, "in", true, r->attr == ETS_ATTR_UNIT_TYPE, &r->values)) != L6_E_OK) {
      return e;
    }
  }
  return L6_E_OK;
}

l6_err ets_rules_parse(const char *path, const char *text, size_t len, ets_ruleset *rs, l6_error *err) {
  static const char *const keys[] = {"code", "name", "allowances", "offsets", "rules", NULL};
  pctx c = {path, err};
  memset(rs, 0, sizeof *rs);
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!root) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d: %s", path, je.line, je.text);
  l6_err e = L6_E_OK;
  if (!json_is_object(root)) e = bad(&c, "(top)", "must be an object");
  if (e == L6_E_OK) e = keys_only(&c, "", root, keys);
  if (e == L6_E_OK) e = get_str(&c, root, "", "code", true, rs->code, sizeof rs->code, ets_valid_code, "a code ([A-Z0-9.-]{1,32})");
  if (e == L6_E_OK) e = get_str(&c, root, "", "name", true, rs->name, sizeof rs->name, NULL, "text of 1-200 characters");
  if (e == L6_E_OK) e = get_units(&c, root, "allowances", true, rs->allow, &rs->nallow);
  if (e == L6_E_OK) e = get_units(&c, root, "offsets", false, rs->offset, &rs->noffset);
  for (size_t i = 0; e == L6_E_OK && i < rs->noffset; i++) {
    if (ets_allowance(rs, rs->offset[i].unit)) e = bad(&c, "offsets", "%s is also an allowance", rs->offset[i].unit);
    for (size_t j = 0; e == L6_E_OK && j < i; j++)
      if (strcmp(rs->offset[i].unit, rs->offset[j].unit) == 0) e = bad(&c, "offsets", "%s is listed twice", rs->offset[i].unit);
  }
  for (size_t i = 0; e == L6_E_OK && i < rs->nallow; i++)
    for (size_t j = 0; e == L6_E_OK && j < i; j++)
      if (strcmp(rs->allow[i].unit, rs->allow[j].unit) == 0) e = bad(&c, "allowances", "%s is listed twice", rs->allow[i].unit);
  json_t *rules = e == L6_E_OK ? json_object_get(root, "rules") : NULL;
  if (e == L6_E_OK && rules && (!json_is_array(rules) || json_array_size(rules) > L6_ETS_MAX_RULES))
    e = bad(&c, "rules", "must be an array of at most %d rules", L6_ETS_MAX_RULES);
  if (e == L6_E_OK && rules && json_array_size(rules) && !rs->noffset)
    e = bad(&c, "rules", "a scheme that takes no offsets has no offset rules");
  size_t i;
  json_t *v;
  if (e == L6_E_OK && rules) json_array_foreach(rules, i, v) {
      if ((e = parse_rule(&c, v, i, rs, &rs->rules[rs->nrules])) != L6_E_OK) break;
      rs->nrules++;
    }
  json_decref(root);
  if (e != L6_E_OK) memset(rs, 0, sizeof *rs);
  return e;
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static l6_err read_file(const char *path, char **out, size_t *len, l6_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: cannot be read", path);
  char *buf = malloc(ETS_FILE_MAX + 1);
  if (!buf) {
    fclose(f);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  size_t n = fread(buf, 1, ETS_FILE_MAX + 1, f);
  bool failed = ferror(f) != 0;
  fclose(f);
  if (failed || n > ETS_FILE_MAX) {
    free(buf);
    return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s", path, failed ? "cannot be read" : "is larger than 64 KiB");
  }
  buf[n] = 0;
  *out = buf;
  *len = n;
  return L6_E_OK;
}

void ets_set_free(ets_set *s) {
  if (!s) return;
  free(s->r);
  free(s->hash);
  free(s);
}

const ets_ruleset *ets_set_find(const ets_set *s, const char *code) {
  for (size_t i = 0; s && i < s->n; i++)
    if (strcmp(s->r[i].code, code) == 0) return &s->r[i];
  return NULL;
}

l6_err ets_rules_load_dir(const char *dir, ets_set **out, l6_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/jurisdictions", dir);
  *out = NULL;
  ets_set *set = calloc(1, sizeof *set);
  if (!set) return l6_fail(err, L6_E_NOMEM, NULL);
  set->r = calloc(L6_ETS_MAX_JURISDICTIONS, sizeof *set->r);
  set->hash = calloc(L6_ETS_MAX_JURISDICTIONS, sizeof *set->hash);
  if (!set->r || !set->hash) {
    ets_set_free(set);
    return l6_fail(err, L6_E_NOMEM, NULL);
  }
  DIR *d = opendir(path);
  if (!d) {
    *out = set;
    return L6_E_OK;
  }
  char *names[L6_ETS_MAX_JURISDICTIONS + 1];
  size_t n = 0;
  struct dirent *de;
  l6_err e = L6_E_OK;
  while ((de = readdir(d)) != NULL && e == L6_E_OK) {
    size_t len = strlen(de->d_name);
    if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0) continue;
    if (n == L6_ETS_MAX_JURISDICTIONS)
      e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: more than %d jurisdiction files", path, L6_ETS_MAX_JURISDICTIONS);
    else if ((names[n] = strdup(de->d_name)) == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
    else n++;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof names[0], cmp_name);
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    char file[4608], *text = NULL;
    size_t len = 0;
    snprintf(file, sizeof file, "%s/%s", path, names[i]);
    e = read_file(file, &text, &len, err);
    if (e == L6_E_OK) e = ets_rules_parse(file, text, len, &set->r[set->n], err);
    if (e == L6_E_OK) {
      unsigned char h[crypto_hash_sha256_BYTES];
      crypto_hash_sha256(h, (const unsigned char *)text, len);
      sodium_bin2hex(set->hash[set->n], sizeof set->hash[0], h, sizeof h);
      const ets_ruleset *dup = ets_set_find(set, set->r[set->n].code);
      if (dup) e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: key code: jurisdiction %s is defined twice", file, dup->code);
      else set->n++;
    }
    free(text);
  }
  for (size_t i = 0; i < n; i++) free(names[i]);
  if (e != L6_E_OK) {
    ets_set_free(set);
    return e;
  }
  *out = set;
  return L6_E_OK;
}
