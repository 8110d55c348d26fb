/*
 * ex_cli.c -- the exchange on the command line (the operator's view):
 *   ledger6 exchange instruments
 *   ledger6 exchange depth|trades|bars|close --instrument CODE
 *   ledger6 exchange cash | orders [--open]
 *   ledger6 exchange deposit|withdraw --org ID --currency EUR --amount MINOR
 *   ledger6 exchange halt|open|close-instrument --instrument CODE
 *   ledger6 exchange labels | label --batch ID --label NAME [--reference TEXT]
 * every one with [--store SPEC] [--config DIR]. Prints the API's JSON.
 * Exit status 0, 2 on usage errors, 3 when the call failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../service/crit.h"
#include "../service/exchange.h"
#include "cli.h"

static const char *usage =
    "usage: ledger6 exchange instruments [--store SPEC]\n"
    "       ledger6 exchange depth|trades|bars|close --instrument CODE [--store SPEC]\n"
    "       ledger6 exchange cash|orders [--open] [--store SPEC]\n"
    "       ledger6 exchange deposit|withdraw --org ID --currency ISO4217 --amount MINOR_UNITS [--store SPEC]\n"
    "       ledger6 exchange halt|open|close-instrument --instrument CODE [--store SPEC]\n"
    "       ledger6 exchange labels | label --batch ID --label NAME [--reference TEXT] [--store SPEC]\n"
    "The exchange operator's commands: instruments, market data, members' cash and\n"
    "orders, deposits and withdrawals (org 0: the operator's fee account), and the\n"
    "status of an instrument; the integrity labels (config/labels.json) and setting\n"
    "one on an issuance batch. Orders are entered over HTTP by members.\n";

bool cli_ex_has(const char *cmd) { return strcmp(cmd, "exchange") == 0; }

int cli_ex_main(int argc, char **argv) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},       {"store", required_argument, NULL, 'd'},
      {"keys", required_argument, NULL, 'K'},     {"config", required_argument, NULL, 'c'},
      {"instrument", required_argument, NULL, 'i'}, {"org", required_argument, NULL, 'o'},
      {"currency", required_argument, NULL, 'u'}, {"amount", required_argument, NULL, 'a'},
      {"open", no_argument, NULL, 'O'},           {"help", no_argument, NULL, 'h'},
      {"batch", required_argument, NULL, 'b'},    {"label", required_argument, NULL, 'l'},
      {"reference", required_argument, NULL, 'r'},
      {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *code = NULL, *cur = NULL, *label = NULL, *ref = "";
  long long org = -1, amount = 0, batch = 0;
  bool open_only = false;
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
    case 'K': break;
    case 'i': code = optarg; break;
    case 'o': org = atoll(optarg); break;
    case 'u': cur = optarg; break;
    case 'a': amount = atoll(optarg); break;
    case 'O': open_only = true; break;
    case 'b': batch = atoll(optarg); break;
    case 'l': label = optarg; break;
    case 'r': ref = optarg; break;
    case 'h': fputs(usage, stdout); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  bool market = strcmp(what, "depth") == 0 || strcmp(what, "trades") == 0 || strcmp(what, "bars") == 0 ||
                strcmp(what, "close") == 0;
  bool status = strcmp(what, "halt") == 0 || strcmp(what, "open") == 0 || strcmp(what, "close-instrument") == 0;
  bool cash = strcmp(what, "deposit") == 0 || strcmp(what, "withdraw") == 0;
  bool list = strcmp(what, "instruments") == 0 || strcmp(what, "cash") == 0 || strcmp(what, "orders") == 0 ||
              strcmp(what, "labels") == 0;
  bool labelling = strcmp(what, "label") == 0;
  if (strcmp(what, "close") == 0 && code == NULL) market = false;
  if ((!market && !status && !cash && !list && !labelling) || ((market || status) && code == NULL) ||
      (cash && (org < 0 || cur == NULL || amount <= 0)) || (labelling && (batch <= 0 || label == NULL))) {
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
  l6_err e;
  if (strcmp(what, "instruments") == 0) e = svc_ex_instrument_list(s, &cli_admin, &out, &err);
  else if (strcmp(what, "cash") == 0) e = svc_ex_cash_list(s, &cli_admin, &out, &err);
  else if (strcmp(what, "orders") == 0) e = svc_ex_order_list(s, &cli_admin, open_only, &out, &err);
  else if (strcmp(what, "labels") == 0) e = svc_crit_labels(s, &out, &err);
  else if (labelling) e = svc_batch_label(s, &cli_admin, (l6_id)batch, label, ref, &out, &err);
  else if (strcmp(what, "depth") == 0) e = svc_ex_depth(s, code, 10, &out, &err);
  else if (strcmp(what, "trades") == 0) e = svc_ex_trades(s, code, 50, &out, &err);
  else if (strcmp(what, "bars") == 0) e = svc_ex_bars(s, code, &out, &err);
  else if (strcmp(what, "close") == 0) e = svc_ex_close(s, code, &out, &err);
  else if (cash) e = svc_ex_cash(s, &cli_admin, (l6_id)org, cur, amount, strcmp(what, "deposit") == 0, &out, &err);
  else e = svc_ex_instrument_status(s, &cli_admin, code, strcmp(what, "halt") == 0 ? "halted" : strcmp(what, "open") == 0 ? "open" : "closed", &out, &err);
  svc_close(s);
  if (e != L6_E_OK) {
    fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(e), err.message);
    return 3;
  }
  char *text = json_dumps(out, JSON_INDENT(2));
  if (text) puts(text);
  free(text);
  json_decref(out);
  return 0;
}
