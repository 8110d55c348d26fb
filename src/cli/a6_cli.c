/*
 * a6_cli.c -- Article 6.2 reports on the command line:
 *   ledger6 report aef --party THA --year 2030 [--as-of YYYY-MM-DD] [--format json|csv|xlsx] [--table NAME]
 *                      [--out FILE] [--store SPEC] [--config DIR]
 *   ledger6 report balances --party CHE
 *   ledger6 report whatif --party THA
 *   ledger6 report fees --party MWI [--format csv] [--out FILE]
 *                      (issue 20: the fees billed to a host's activities, src/service/mech_ldc.c)
 * The AEF is printed after its consistency check; the exit status is 0
 * when consistent, 1 when the check found inconsistencies (listed on
 * stderr), 2 on usage errors, 3 when the report could not be made.
 * csv (one table, --table) and xlsx (the UN's workbook) are exports: they
 * are written only when the check passes (like the HTTP route).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/csvwrite.h"
#include "../service/a6.h"
#include "../service/ldc.h"
#include "cli.h"

static const char *usage =
    "usage: ledger6 report aef --party ALPHA3 --year YYYY [--as-of YYYY-MM-DD] [--format json|csv|xlsx]\n"
    "                          [--table NAME] [--out FILE] [--store SPEC] [--config DIR]\n"
    "       ledger6 report balances --party ALPHA3 [--store SPEC]\n"
    "       ledger6 report whatif --party ALPHA3 [--store SPEC]\n"
    "       ledger6 report fees --party ALPHA3 [--format json|csv] [--out FILE] [--store SPEC] [--config DIR]\n"
    "aef: the Party's agreed electronic format (submission, authorizations, actions,\n"
    "holdings, authorized entities) after its consistency check; exit status 1 when\n"
    "the check finds inconsistencies (listed on stderr). Holdings are those at the end\n"
    "(UTC) of --as-of; by default 31 December of --year, or today while that is ahead.\n"
    "--format xlsx: the UN's AEF workbook; --format csv: the table named by --table\n"
    "(submission, authorizations, actions, holdings, authorized_entities). Exports are\n"
    "written (to --out, default standard output) only when the check passes.\n"
    "fees: every fee invoice of the activities the Party hosts (registration, issuance;\n"
    "waived, deferred, due) with totals per currency, as GET /v1/fees/{party};\n"
    "--format csv: one row per invoice (no totals), to --out or standard output.\n";

/* The fee report's invoices as CSV (RFC 4180, CRLF), one row each; the
 * columns of FEE_COLS. Malloc'd; NULL when out of memory. */
#define FEE_COLS "project,step,step_id,period,ts,fee,party,currency,amount,relief,group,due,units,deferred"
static char *fees_csv(const json_t *report) {
  static const char *const cols[] = {"project", "step",   "step_id", "period", "ts",    "fee",  "party",
                                     "currency", "amount", "relief",  "group",  "due",  "units", "deferred"};
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) return NULL;
  len = (size_t)snprintf(buf, cap, "%s\r\n", FEE_COLS);
  size_t i;
  json_t *inv;
  json_array_foreach(json_object_get(report, "invoices"), i, inv) {
    for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
      json_t *v = json_object_get(inv, cols[c]);
      char num[32];
      const char *text = "";
      bool is_text = false;
      if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        text = num;
      } else if (json_is_boolean(v)) {
        text = json_is_true(v) ? "true" : "false";
      } else if (json_is_string(v)) {
        text = json_string_value(v);
        is_text = true;
      }
      size_t need = csv_field(NULL, text, is_text) + 3;
      if (len + need >= cap) {
        while (len + need >= cap) cap *= 2;
        char *nb = realloc(buf, cap);
        if (nb == NULL) {
          free(buf);
          return NULL;
        }
        buf = nb;
      }
      len += csv_field(buf + len, text, is_text);
      buf[len++] = c + 1 < sizeof cols / sizeof *cols ? ',' : '\r';
      if (c + 1 == sizeof cols / sizeof *cols) buf[len++] = '\n';
    }
  }
  buf[len] = '\0';
  return buf;
}

bool cli_a6_has(const char *cmd) { return strcmp(cmd, "report") == 0; }

int cli_a6_main(int argc, char **argv) {
  static const struct option longs[] = {{"db", required_argument, NULL, 'd'}, {"store", required_argument, NULL, 'd'}, {"keys", required_argument, NULL, 'K'},     {"config", required_argument, NULL, 'c'},
                                        {"party", required_argument, NULL, 'p'},  {"year", required_argument, NULL, 'y'},
                                        {"format", required_argument, NULL, 'f'}, {"as-of", required_argument, NULL, 'a'},
                                        {"table", required_argument, NULL, 't'},  {"out", required_argument, NULL, 'o'},
                                        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *party = NULL, *format = "json", *as_of = NULL,
             *table = NULL, *outfile = NULL;
  int year = 0, ch;
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *what = argv[1];
  optind = 1;
  while ((ch = getopt_long(argc - 1, argv + 1, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': db = optarg; break;
    case 'c': config = optarg; break;
    case 'K': break; /* the signing key file: these commands sign nothing */
    case 'p': party = optarg; break;
    case 'y': year = atoi(optarg); break;
    case 'f': format = optarg; break;
    case 'a': as_of = optarg; break;
    case 't': table = optarg; break;
    case 'o': outfile = optarg; break;
    case 'h': fputs(usage, stdout); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  bool aef = strcmp(what, "aef") == 0, fees = strcmp(what, "fees") == 0, csv = strcmp(format, "csv") == 0;
  if ((!aef && strcmp(what, "balances") != 0 && strcmp(what, "whatif") != 0 && !fees) || party == NULL || (aef && year == 0) ||
      (strcmp(format, "json") != 0 && !csv && strcmp(format, "xlsx") != 0) ||
      (as_of != NULL && (!aef || !l6_valid_date(as_of))) || (strcmp(format, "json") != 0 && !aef && !(fees && csv)) ||
      (aef ? csv != (table != NULL) : table != NULL) || (table != NULL && !svc_a6_aef_table_known(table)) ||
      (outfile != NULL && strcmp(format, "json") == 0)) {
    fputs(usage, stderr);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = cli_open(db, config, &err);
  if (s == NULL) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(err.code), err.message);
    return 3;
  }
  json_t *out = NULL;
  l6_err e = aef                              ? svc_a6_aef(s, &cli_admin, party, year, as_of, &out, &err)
             : strcmp(what, "balances") == 0 ? svc_a6_balances(s, &cli_admin, party, &out, &err)
             : fees                          ? svc_fee_report(s, &cli_admin, party, &out, &err)
                                             : svc_a6_whatif(s, &cli_admin, party, &out, &err);
  svc_close(s);
  if (e != L6_E_OK) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(e), err.message);
    return 3;
  }
  int rc = 0;
  bool consistent = !aef || json_is_true(json_object_get(json_object_get(out, "consistency"), "consistent"));
  if (strcmp(format, "json") == 0) {
    char *text = json_dumps(out, JSON_INDENT(2));
    if (text) puts(text);
    free(text);
  } else if (consistent) { /* an export: only of books that pass the check */
    char *buf = NULL;
    size_t len = 0;
    if (csv) {
      buf = fees ? fees_csv(out) : svc_a6_aef_csv_table(out, table);
      len = buf ? strlen(buf) : 0;
      if (buf == NULL) l6_fail(&err, L6_E_NOMEM, NULL);
    } else {
      svc_a6_aef_xlsx(out, &buf, &len, &err);
    }
    FILE *f = buf == NULL ? NULL : outfile ? fopen(outfile, "wb") : stdout;
    bool ok = f != NULL && fwrite(buf, 1, len, f) == len;
    if (f != NULL && f != stdout && fclose(f) != 0) ok = false;
    if (!ok) {
      fprintf(stderr, "ledger6: error: the %s could not be written%s%s\n", format, buf ? "" : ": ", buf ? "" : err.message);
      rc = 3;
    }
    free(buf);
  }
  if (aef) {
    json_t *c = json_object_get(out, "consistency");
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(c, "inconsistencies"), i, x)
      fprintf(stderr, "ledger6: inconsistency %s: %s\n", json_string_value(json_object_get(x, "code")),
              json_string_value(json_object_get(x, "message")));
    if (!json_is_true(json_object_get(c, "consistent")) && rc == 0) rc = 1;
  }
  json_decref(out);
  return rc;
}
