/*
 * nma_cli.c -- the Article 6.8 platform on the command line (read-only;
 * changes go through the API, whose roles they need):
 *   ledger6 nma list [--party ALPHA3]        the NMAs (admin's view)
 *   ledger6 nma ranking --nma ID             ranked offers for an NMA's needs
 *   ledger6 nma totals [--format json|csv]   support requested, pledged, delivered
 *   ledger6 nma marketplace                  the adaptation marketplace's listings
 * Exit status 0, 2 on usage errors, 3 when the answer could not be made.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/nma.h"
#include "cli.h"

static const char *usage =
    "usage: ledger6 nma list [--party ALPHA3] [--store SPEC] [--config DIR]\n"
    "       ledger6 nma ranking --nma ID [--store SPEC] [--config DIR]\n"
    "       ledger6 nma totals [--format json|csv] [--store SPEC] [--config DIR]\n"
    "       ledger6 nma marketplace [--store SPEC] [--config DIR]\n"
    "Article 6.8 non-market approaches: the register, the ranked support offers\n"
    "of an NMA (score: type 10 + sector 40 + region 30 + coverage 0..20), the\n"
    "totals of support requested, pledged and delivered per Party and focus\n"
    "area (with the gap), and the adaptation marketplace.\n";

bool cli_nma_has(const char *cmd) { return strcmp(cmd, "nma") == 0; }

int cli_nma_main(int argc, char **argv) {
  static const struct option longs[] = {{"db", required_argument, NULL, 'd'},     {"store", required_argument, NULL, 'd'},
                                        {"keys", required_argument, NULL, 'K'},   {"config", required_argument, NULL, 'c'},
                                        {"party", required_argument, NULL, 'p'},  {"nma", required_argument, NULL, 'n'},
                                        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *party = "", *format = "json";
  long long nma = 0;
  int ch;
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
    case 'K': break; /* nothing is signed */
    case 'p': party = optarg; break;
    case 'n': nma = atoll(optarg); break;
    case 'f': format = optarg; break;
    case 'h': fputs(usage, stdout); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  bool list = strcmp(what, "list") == 0, ranking = strcmp(what, "ranking") == 0, totals = strcmp(what, "totals") == 0,
       market = strcmp(what, "marketplace") == 0;
  if ((!list && !ranking && !totals && !market) || (ranking && nma <= 0) ||
      (strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) || (strcmp(format, "csv") == 0 && !totals)) {
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
  l6_err e = list      ? svc_nma_list(s, &cli_admin, party, &out, &err)
             : ranking ? svc_nma_ranking(s, &cli_admin, (l6_id)nma, &out, &err)
             : totals  ? svc_nma_totals(s, &cli_admin, &out, &err)
                       : svc_marketplace(s, &cli_admin, &out, &err);
  svc_close(s);
  if (e != L6_E_OK) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(e), err.message);
    return 3;
  }
  char *text = strcmp(format, "csv") == 0 ? svc_nma_totals_csv(out) : json_dumps(out, JSON_INDENT(2));
  if (text) fputs(text, stdout);
  if (text && strcmp(format, "csv") != 0) fputc('\n', stdout);
  free(text);
  json_decref(out);
  return text ? 0 : 3;
}
