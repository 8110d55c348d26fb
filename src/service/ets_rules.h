/*
 * ets_rules.h -- the jurisdiction files of emissions trading
 * (config/jurisdictions/NAME.json, format in docs/ETS.md), parsed strictly
 * into the core's rule sets (src/core/ets.h). Read at every start, so
 * editing a file and restarting changes the outcome with no rebuild.
 *
 * A malformed file is refused with INVALID_CONFIG naming the file, the
 * key and the reason: "config/jurisdictions/cn-sh.json: key rules[2].percent:
 * must be an integer from 0 to 100".
 */
#ifndef L6_ETS_RULES_H
#define L6_ETS_RULES_H

#include "../core/ets.h"
#include "../errors.h"

typedef struct ets_set {
  size_t n;
  ets_ruleset *r;   /* n rule sets, by file name (owned) */
  char (*hash)[65]; /* SHA-256 of each file, hex */
} ets_set;

/* Parses one file's text; path names it in messages. */
l6_err ets_rules_parse(const char *path, const char *text, size_t len, ets_ruleset *out, l6_error *err);

/* Reads every *.json in DIR/jurisdictions (missing folder: none). All or
 * nothing; codes must be unique. *out is malloc'd (ets_set_free). */
l6_err ets_rules_load_dir(const char *dir, ets_set **out, l6_error *err);

/* A jurisdiction (and scheme) code: [A-Z0-9.-]{1,32}, starting alnum. */
bool ets_valid_code(const char *s);

const ets_ruleset *ets_set_find(const ets_set *s, const char *code);
void ets_set_free(ets_set *s);

#endif
