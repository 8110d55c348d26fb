/*
 * cfgfile.h -- what the loaders of the data files (config/...) share: the
 * INVALID_CONFIG error that names the file, the key and the reason, and the
 * check that an object holds only the keys its format allows. Pure: no I/O.
 */
#ifndef L6_CFGFILE_H
#define L6_CFGFILE_H

#include <stdbool.h>

#include <jansson.h>

#include "../errors.h"

/* L6_E_INVALID_CONFIG, "PATH: key KEY: REASON". */
l6_err cfg_bad(l6_error *err, const char *path, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* True when every key of o is in allowed (NULL-terminated); else *unknown
 * names the first other key. */
bool cfg_only_keys(json_t *o, const char *const *allowed, const char **unknown);

#endif
