/* jsonin.c -- request body decoding; see jsonin.h. */
#include "jsonin.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../core/model.h"
#include "../limits.h"

int json_depth(const char *buf, size_t len) {
  int depth = 0, max = 0;
  bool in_str = false;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_str) {
      if (c == '\\') i++;
      else if (c == '"') in_str = false;
      continue;
    }
    if (c == '"') in_str = true;
    else if (c == '{' || c == '[') {
      if (++depth > max) max = depth;
    } else if (c == '}' || c == ']') depth--;
  }
  return in_str ? -1 : max;
}

l6_err json_parse_body(const char *buf, size_t len, json_t **out, l6_error *err) {
  *out = NULL;
  if (len > L6_MAX_BODY_BYTES)
    return l6_fail(err, L6_E_BODY_TOO_LARGE, "request body is %zu bytes, the limit is %d", len, L6_MAX_BODY_BYTES);
  if (len == 0) return l6_fail(err, L6_E_BAD_JSON, "request body is empty; a JSON object is required");
  if (json_depth(buf, len) > L6_MAX_JSON_DEPTH)
    return l6_fail(err, L6_E_JSON_TOO_DEEP, "JSON nesting deeper than %d", L6_MAX_JSON_DEPTH);
  json_error_t je;
  json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
  if (v == NULL) {
    if (json_error_code(&je) == json_error_numeric_overflow)
      return l6_fail(err, L6_E_QUANTITY_OVERFLOW, "a number in the request does not fit in 64 bits (line %d, column %d)",
                     je.line, je.column);
    return l6_fail(err, L6_E_BAD_JSON, "invalid JSON at line %d, column %d: %s", je.line, je.column, je.text);
  }
  if (!json_is_object(v)) {
    json_decref(v);
    return l6_fail(err, L6_E_WRONG_TYPE, "request body must be a JSON object");
  }
  *out = v;
  return L6_E_OK;
}

static bool listed(const char *key, const char *const *extra) {
  for (; extra && *extra; extra++)
    if (strcmp(*extra, key) == 0) return true;
  return false;
}

l6_err json_decode(const json_t *obj, const jfield *fields, size_t n, const char *const *extra, void *out,
                   l6_error *err) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)obj, key, v) {
    bool known = listed(key, extra);
    for (size_t i = 0; i < n && !known; i++) known = strcmp(fields[i].name, key) == 0;
    if (!known) return l6_fail(err, L6_E_UNKNOWN_FIELD, "unknown field '%.64s'", key);
  }
  for (size_t i = 0; i < n; i++) {
    const jfield *f = &fields[i];
    v = json_object_get(obj, f->name);
    if (v == NULL || json_is_null(v)) {
      if (f->required) return l6_fail(err, L6_E_MISSING_FIELD, "field '%s' is required", f->name);
      continue;
    }
    char *dst = (char *)out + f->off;
    switch (f->type) {
    case JF_STR: {
      if (!json_is_string(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be a string", f->name);
      size_t len = json_string_length(v);
      if (len >= f->cap)
        return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' is longer than %zu bytes", f->name, f->cap - 1);
      if (!l6_valid_chars(json_string_value(v), len)) /* every string of every request, whatever the service checks after */
        return l6_fail(err, L6_E_INVALID_VALUE,
                       "field '%s' must be text without control or invisible format characters (such as U+0000, "
                       "U+202E)",
                       f->name);
      memcpy(dst, json_string_value(v), len + 1);
      break;
    }
    case JF_INT:
    case JF_INT32: {
      if (!json_is_integer(v)) return l6_fail(err, L6_E_WRONG_TYPE, "field '%s' must be an integer", f->name);
      json_int_t x = json_integer_value(v);
      if (f->type == JF_INT) {
        int64_t y = x;
        memcpy(dst, &y, sizeof y);
      } else {
        if (x < INT32_MIN || x > INT32_MAX)
          return l6_fail(err, L6_E_INVALID_VALUE, "field '%s' is out of range", f->name);
        int y = (int)x;
        memcpy(dst, &y, sizeof y);
      }
      break;
    }
    }
  }
  return L6_E_OK;
}
