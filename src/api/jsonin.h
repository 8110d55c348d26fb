/*
 * jsonin.h -- strict decoding of request bodies: a size and depth check
 * before jansson parses, then a field table that refuses unknown fields,
 * wrong types, missing fields, overlong strings and strings with a
 * control or invisible format character (l6_valid_chars), each with its
 * own error code. Pure apart from jansson; fuzzed by fuzz/fuzz_json.c.
 */
#ifndef L6_JSONIN_H
#define L6_JSONIN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../errors.h"

typedef enum {
  JF_STR,  /* char[cap] at off */
  JF_INT,  /* int64_t at off, any integer */
  JF_INT32 /* int at off, any integer that fits */
} jf_type;

typedef struct {
  const char *name;
  jf_type type;
  bool required;
  size_t off;
  size_t cap; /* JF_STR: buffer size including NUL */
} jfield;

/* Nesting depth of the JSON text (max over arrays/objects, strings
 * skipped). Returns -1 for an unterminated string. Never reads past len. */
int json_depth(const char *buf, size_t len);

/* Parses a request body: BODY_TOO_LARGE, JSON_TOO_DEEP, BAD_JSON (with
 * jansson's line/column), QUANTITY_OVERFLOW (a number beyond 64 bits),
 * WRONG_TYPE (not an object). *out is a new reference on success. */
l6_err json_parse_body(const char *buf, size_t len, json_t **out, l6_error *err);

/* Decodes obj into the struct at out following fields[0..n); keys listed
 * in `extra` (NULL-terminated, may be NULL) are allowed but not decoded. */
l6_err json_decode(const json_t *obj, const jfield *fields, size_t n, const char *const *extra, void *out,
                   l6_error *err);

#endif
