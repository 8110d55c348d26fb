/* voice_json.c -- strict readers of request bodies; see voice_json.h. */
#include "voice_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/model.h"

l6_err vj_keys(const json_t *body, const char *const *allowed, l6_error *err) {
  if (!json_is_object(body)) return l6_fail(err, L6_E_BAD_JSON, "the body must be a JSON object");
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)body, key, v) {
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++) ok = strcmp(*a, key) == 0;
    if (!ok) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.40s'", key);
  }
  return L6_E_OK;
}

l6_err vj_str(const json_t *body, const char *key, bool required, char *dst, size_t cap,
              bool (*valid)(const char *), const char *what, l6_error *err) {
  dst[0] = '\0';
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key) : L6_E_OK;
  if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be a string", key);
  const char *s = json_string_value(v);
  if (json_string_length(v) == 0 || json_string_length(v) >= cap || strlen(s) != json_string_length(v) ||
      !l6_valid_text(s, cap - 1) || (valid && !valid(s)))
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be %s", key, what);
  snprintf(dst, cap, "%s", s);
  return L6_E_OK;
}

l6_err vj_int(const json_t *body, const char *key, bool required, int64_t min, int64_t max, int64_t *out,
              l6_error *err) {
  json_t *v = json_object_get(body, key);
  if (v == NULL || json_is_null(v))
    return required ? l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", key) : L6_E_OK;
  if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer", key);
  if (json_integer_value(v) < min || json_integer_value(v) > max)
    return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' must be from %lld to %lld", key, (long long)min,
                   (long long)max);
  *out = json_integer_value(v);
  return L6_E_OK;
}

l6_err vj_dump(const json_t *v, char *dst, size_t cap, l6_error *err) {
  char *t = json_dumps(v, JSON_COMPACT);
  if (t == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  size_t len = strlen(t);
  if (len >= cap) {
    free(t);
    return l6_fail(err, L6_E_INVALID_VALUE, "the record of %zu bytes exceeds %zu", len, cap - 1);
  }
  memcpy(dst, t, len + 1);
  free(t);
  return L6_E_OK;
}

json_t *vj_load(const char *text) {
  json_t *v = json_loads(text, 0, NULL);
  if (json_is_object(v)) return v;
  json_decref(v);
  return json_object();
}
