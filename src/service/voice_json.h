/*
 * voice_json.h -- strict readers of request bodies shared by poa.c and
 * voice.c: unknown members refused, types and ranges checked, each with
 * its error code (BAD_JSON, UNKNOWN_FIELD, WRONG_TYPE, MISSING_FIELD,
 * INVALID_VALUE). Internal to the service layer.
 */
#ifndef L6_SERVICE_VOICE_JSON_H
#define L6_SERVICE_VOICE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../errors.h"

/* body must be an object whose members are all in allowed (NULL-ended). */
l6_err vj_keys(const json_t *body, const char *const *allowed, l6_error *err);
/* A string member of at most cap-1 printable bytes (valid, when given,
 * checks its form; what names the form in messages). Absent: "" (and
 * MISSING_FIELD when required). */
l6_err vj_str(const json_t *body, const char *key, bool required, char *dst, size_t cap,
              bool (*valid)(const char *), const char *what, l6_error *err);
/* An integer member in min..max; absent: *out untouched (MISSING_FIELD
 * when required). */
l6_err vj_int(const json_t *body, const char *key, bool required, int64_t min, int64_t max, int64_t *out,
              l6_error *err);
/* JSON text of v into dst (cap bytes); INTERNAL when it does not fit. */
l6_err vj_dump(const json_t *v, char *dst, size_t cap, l6_error *err);
/* The JSON object of text (a stored body), or an empty object. */
json_t *vj_load(const char *text);

#endif
