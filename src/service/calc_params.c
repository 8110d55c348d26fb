/* calc_params.c -- methodology parameters as data; see calc_params.h. */
#include "calc_params.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "../core/model.h"
#include "cfgfile.h"

/* One {"value", "source"} for input in of calc, party "" = default. */
static l6_err one_value(const char *path, const char *where, json_t *o, const l6_calc *calc, size_t in, const char *party,
                        l6_calc_params *p, l6_error *err) {
  static const char *const keys[] = {"value", "source", NULL};
  const char *unk = NULL;
  if (!json_is_object(o)) return cfg_bad(err, path, where, "must be an object {\"value\", \"source\"}");
  if (!cfg_only_keys(o, keys, &unk)) return cfg_bad(err, path, where, "unknown key %.40s", unk);
  json_t *v = json_object_get(o, "value"), *src = json_object_get(o, "source");
  const l6_calc_input *ci = &calc->inputs[in];
  if (!json_is_integer(v) || json_integer_value(v) < ci->min || json_integer_value(v) > ci->max)
    return cfg_bad(err, path, where, "value must be an integer from %lld to %lld (the range of %s)", (long long)ci->min,
               (long long)ci->max, ci->name);
  if (!json_is_string(src) || strlen(json_string_value(src)) != json_string_length(src) ||
      !l6_valid_text(json_string_value(src), 200))
    return cfg_bad(err, path, where, "source must be printable text of 1-200 bytes saying where the figure comes from");
  if (p->n == L6_MAX_CALC_PARAMS) return cfg_bad(err, path, where, "more than %d values in the file", L6_MAX_CALC_PARAMS);
  l6_calc_param *x = &p->p[p->n++];
  x->calc = calc;
  x->input = in;
  snprintf(x->party, sizeof x->party, "%s", party);
  x->value = json_integer_value(v);
  snprintf(x->source, sizeof x->source, "%s", json_string_value(src));
  return L6_E_OK;
}

static l6_err one_input(const char *path, const char *cname, const char *iname, json_t *o, const l6_calc *calc,
                        l6_calc_params *p, l6_error *err) {
  char where[128];
  snprintf(where, sizeof where, "calculators.%.40s.%.40s", cname, iname);
  size_t in = 0;
  while (in < calc->ninputs && strcmp(calc->inputs[in].name, iname) != 0) in++;
  if (in == calc->ninputs) return cfg_bad(err, path, where, "calculator %s has no input of this name", calc->name);
  static const char *const keys[] = {"default", "parties", NULL};
  const char *unk = NULL;
  if (!json_is_object(o)) return cfg_bad(err, path, where, "must be an object {\"default\", \"parties\"}");
  if (!cfg_only_keys(o, keys, &unk)) return cfg_bad(err, path, where, "unknown key %.40s", unk);
  json_t *def = json_object_get(o, "default"), *parties = json_object_get(o, "parties");
  if (def == NULL && parties == NULL) return cfg_bad(err, path, where, "needs a default or parties");
  char w2[160];
  l6_err e = L6_E_OK;
  if (def) {
    snprintf(w2, sizeof w2, "%s.default", where);
    e = one_value(path, w2, def, calc, in, "", p, err);
  }
  if (e == L6_E_OK && parties) {
    if (!json_is_object(parties) || json_object_size(parties) == 0)
      return cfg_bad(err, path, where, "parties must be an object of Party codes");
    const char *party;
    json_t *v;
    json_object_foreach(parties, party, v) {
      snprintf(w2, sizeof w2, "%s.parties.%.8s", where, party);
      if (!l6_valid_alpha3(party)) return cfg_bad(err, path, w2, "must be a Party's alpha-3 code");
      if ((e = one_value(path, w2, v, calc, in, party, p, err)) != L6_E_OK) return e;
    }
  }
  return e;
}

l6_err calc_params_parse(const char *path, const char *text, size_t len, l6_calc_params **out, l6_error *err) {
  *out = NULL;
  if (len > L6_MAX_CALC_PARAMS_BYTES)
    return l6_fail(err, L6_E_INVALID_CONFIG, "%s: is larger than the limit of 64 KiB", path);
  json_error_t je;
  json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: line %d, column %d: %s", path, je.line, je.column, je.text);
  l6_calc_params *p = calloc(1, sizeof *p);
  l6_err e = p ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  static const char *const keys[] = {"description", "calculators", NULL};
  const char *unk = NULL;
  json_t *calcs = json_object_get(root, "calculators"), *desc = json_object_get(root, "description");
  if (e == L6_E_OK && !json_is_object(root)) e = l6_fail(err, L6_E_INVALID_CONFIG, "%s: must be a JSON object", path);
  else if (e == L6_E_OK && !cfg_only_keys(root, keys, &unk)) e = cfg_bad(err, path, unk, "unknown key");
  else if (e == L6_E_OK && desc && (!json_is_string(desc) || strlen(json_string_value(desc)) != json_string_length(desc) ||
                                    !l6_valid_text(json_string_value(desc), L6_TEXT_MAX)))
    e = cfg_bad(err, path, "description", "must be printable text");
  else if (e == L6_E_OK && !json_is_object(calcs)) e = cfg_bad(err, path, "calculators", "is required: an object of calculators");
  const char *cname, *iname;
  json_t *cv, *iv;
  if (e == L6_E_OK) json_object_foreach(calcs, cname, cv) {
      const l6_calc *calc = calc_find(cname);
      char where[64];
      snprintf(where, sizeof where, "calculators.%.40s", cname);
      if (calc == NULL) e = cfg_bad(err, path, where, "no calculator of this name (core/calc.h)");
      else if (!json_is_object(cv) || json_object_size(cv) == 0)
        e = cfg_bad(err, path, where, "must be an object of the calculator's inputs");
      if (e != L6_E_OK) break;
      json_object_foreach(cv, iname, iv) {
        if ((e = one_input(path, cname, iname, iv, calc, p, err)) != L6_E_OK) break;
      }
      if (e != L6_E_OK) break;
    }
  json_decref(root);
  if (e != L6_E_OK) {
    free(p);
    return e;
  }
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)text, len);
  sodium_bin2hex(p->hash, sizeof p->hash, h, sizeof h);
  *out = p;
  return L6_E_OK;
}

void calc_params_free(l6_calc_params *p) { free(p); }

const l6_calc_param *calc_params_find(const l6_calc_params *p, const l6_calc *calc, size_t input, const char *host) {
  const l6_calc_param *def = NULL;
  for (size_t i = 0; p && i < p->n; i++) {
    const l6_calc_param *x = &p->p[i];
    if (x->calc != calc || x->input != input) continue;
    if (x->party[0] == '\0') def = x;
    else if (host && strcmp(x->party, host) == 0) return x;
  }
  return def;
}
