/*
 * ets_cli.c -- emissions trading compliance on the command line:
 *   ledger6 ets rules [--jurisdiction CODE] [--config DIR]
 *   ledger6 ets report --scheme CODE --year YYYY [--format json|csv] [--store SPEC]
 *   ledger6 ets dry-run|surrender --scheme CODE --entity ID --year YYYY --item BATCH:FIRST-LAST ... [--store SPEC]
 * The CLI acts as the registry's administrator. Exit status: 0 done (a dry
 * run that breaks rules prints them and exits 1), 2 usage, 3 refused or
 * failed (the error on stderr).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/ets.h"
#include "cli.h"

static const char *usage =
    "usage: ledger6 ets rules [--jurisdiction CODE] [--config DIR]\n"
    "       ledger6 ets report --scheme CODE --year YYYY [--format json|csv] [--store SPEC] [--config DIR]\n"
    "       ledger6 ets dry-run|surrender --scheme CODE --entity ID --year YYYY --item BATCH:FIRST-LAST...\n"
    "                                    [--store SPEC] [--config DIR]\n"
    "rules: the jurisdiction files of config/jurisdictions as loaded (a malformed file is\n"
    "refused with file, key and reason). report: the compliance report of a scheme and\n"
    "year. dry-run: evaluates a surrender against the jurisdiction's rules, moving\n"
    "nothing (exit 1 when a rule is broken); surrender: does it (docs/ETS.md).\n";

bool cli_ets_has(const char *cmd) { return strcmp(cmd, "ets") == 0; }

static bool parse_item(const char *s, l6_range *g) {
  long long b, f, l;
  char tail;
  if (sscanf(s, "%lld:%lld-%lld%c", &b, &f, &l, &tail) != 3 || b < 1 || f < 1 || l < f) return false;
  g->batch = b;
  g->first = f;
  g->last = l;
  return true;
}

static void print_json(const json_t *j) {
  char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (t) printf("%s\n", t);
  free(t);
}

int cli_ets_main(int argc, char **argv) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},     {"store", required_argument, NULL, 'd'},
      {"keys", required_argument, NULL, 'K'},   {"config", required_argument, NULL, 'c'},
      {"scheme", required_argument, NULL, 's'}, {"entity", required_argument, NULL, 'e'},
      {"year", required_argument, NULL, 'y'},   {"format", required_argument, NULL, 'f'},
      {"item", required_argument, NULL, 'i'},   {"jurisdiction", required_argument, NULL, 'j'},
      {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *scheme = NULL, *entity = NULL, *format = "json", *jur = NULL;
  int year = 0, ch;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  l6_ets_surrender_req *r = calloc(1, sizeof *r);
  if (!r) return 3;
  const char *what = argv[1];
  optind = 1;
  while ((ch = getopt_long(argc - 1, argv + 1, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': db = optarg; break;
    case 'c': config = optarg; break;
    case 'K': break;
    case 's': scheme = optarg; break;
    case 'e': entity = optarg; break;
    case 'y': year = atoi(optarg); break;
    case 'f': format = optarg; break;
    case 'j': jur = optarg; break;
    case 'i':
      if (r->n == L6_ETS_MAX_OFFERS || !parse_item(optarg, &r->items[r->n])) {
        fprintf(stderr, "ledger6: --item must be BATCH:FIRST-LAST (at most %d)\n", L6_ETS_MAX_OFFERS);
        free(r);
        return 2;
      }
      r->n++;
      break;
    case 'h': fputs(usage, stdout); free(r); return 0;
    default: fputs(usage, stderr); free(r); return 2;
    }
  }
  bool rules = strcmp(what, "rules") == 0, report = strcmp(what, "report") == 0;
  bool dry = strcmp(what, "dry-run") == 0, sur = strcmp(what, "surrender") == 0;
  if ((!rules && !report && !dry && !sur) || (report && (!scheme || !year)) || ((dry || sur) && (!scheme || !entity || !year)) ||
      (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)) {
    fputs(usage, stderr);
    free(r);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = cli_open(db, config, &err);
  if (s == NULL) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(err.code), err.message);
    free(r);
    return 3;
  }
  json_t *out = NULL;
  l6_err e;
  if (rules) {
    e = svc_ets_jurisdictions(s, &cli_admin, &out, &err);
    if (e == L6_E_OK && jur) {
      json_t *one = NULL;
      size_t i;
      json_t *it;
      json_array_foreach(json_object_get(out, "items"), i, it) if (strcmp(json_string_value(json_object_get(it, "code")), jur) == 0)
          one = json_incref(it);
      json_decref(out);
      out = one;
      if (!out) e = l6_fail(&err, L6_E_UNKNOWN_JURISDICTION, "no jurisdiction %s in %s/jurisdictions", jur, config);
    }
  } else if (report) {
    e = svc_ets_report(s, &cli_admin, scheme, year, &out, &err);
  } else {
    snprintf(r->scheme, sizeof r->scheme, "%s", scheme);
    snprintf(r->entity, sizeof r->entity, "%s", entity);
    r->year = year;
    r->dry_run = dry;
    e = svc_ets_surrender(s, &cli_admin, r, &out, &err);
  }
  svc_close(s);
  free(r);
  if (e != L6_E_OK) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(e), err.message);
    return 3;
  }
  int rc = 0;
  if (report && strcmp(format, "csv") == 0) {
    char *csv = svc_ets_report_csv(out);
    if (csv) fputs(csv, stdout);
    rc = csv ? 0 : 3;
    free(csv);
  } else {
    print_json(out);
  }
  if (dry && !json_is_true(json_object_get(out, "accepted"))) rc = 1;
  json_decref(out);
  return rc;
}
