/*
 * main.c -- the ledger6 command line:
 *   ledger6 init | serve | demo | token create | check | --help
 * Every command takes --db PATH (default data/ledger6.db) and --config DIR
 * (default config).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../api/http.h"
#include "cli.h"

const l6_actor cli_admin = {.role = L6_ROLE_ADMIN, .name = "cli"};

static const char *usage_main =
    "usage: ledger6 <command> [options]\n"
    "\n"
    "commands:\n"
    "  init          create (or migrate) a store and load the config folder\n"
    "  serve         serve the HTTP/JSON API\n"
    "  demo          fill an empty store with a realistic demo registry\n"
    "  token create  create an API token (printed once)\n"
    "  check         verify the ledger invariants of every issuance batch\n"
    "  mechanisms    list (and check) the crediting mechanism definitions\n"
    "  calc          run a methodology calculator\n"
    "  document      register a document (PDD, report, letter) by its bytes or hash\n"
    "  accredit      accredit a validator for a mechanism's sectoral scopes\n"
    "  cycle         a step of the project cycle, as a token's role (API JSON bodies)\n"
    "  activity      show an activity of the project cycle, or list them\n"
    "  report        Article 6.2 reports: aef (checked), balances, whatif\n"
    "\n"
    "common options:\n"
    "  --db PATH      SQLite store (default data/ledger6.db)\n"
    "  --config DIR   configuration folder (default config)\n"
    "  -h, --help     help for a command: ledger6 <command> --help\n";

static const char *usage_serve =
    "usage: ledger6 serve [--db PATH] [--config DIR] [--addr 127.0.0.1] [--port 8080]\n"
    "                     [--admin-token] [--paranoid]\n"
    "  --admin-token  create a fresh administrator token and print it\n"
    "  --paranoid     re-check the partition of every batch a transaction touches\n"
    "Prints 'listening on http://ADDR:PORT/' and serves until SIGINT or SIGTERM.\n";

static const char *usage_token =
    "usage: ledger6 token create --role ROLE [--org ID] [--label TEXT] [--db PATH]\n"
    "ROLE is admin, holder, auditor, validator, authority or mechanism-admin; holder,\n"
    "validator and authority tokens need --org (the authority's organisation belongs to\n"
    "its Party's registry).\n"
    "Prints the new token; only its hash is stored, so keep it.\n";

#define USAGE_SIMPLE "usage: ledger6 %s [--db PATH] [--config DIR]\n%s"

typedef struct {
  const char *db, *config, *addr, *role, *label;
  int port;
  long long org;
  bool admin_token, paranoid, help;
} opts;

static int parse_opts(int argc, char **argv, opts *o) {
  static const struct option longs[] = {
      {"db", required_argument, NULL, 'd'},      {"config", required_argument, NULL, 'c'},
      {"addr", required_argument, NULL, 'a'},    {"port", required_argument, NULL, 'p'},
      {"role", required_argument, NULL, 'r'},    {"org", required_argument, NULL, 'o'},
      {"label", required_argument, NULL, 'l'},   {"admin-token", no_argument, NULL, 'T'},
      {"paranoid", no_argument, NULL, 'P'},      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  *o = (opts){.db = "data/ledger6.db", .config = "config", .addr = "127.0.0.1", .port = 8080, .label = "cli"};
  optind = 1;
  int ch;
  while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': o->db = optarg; break;
    case 'c': o->config = optarg; break;
    case 'a': o->addr = optarg; break;
    case 'p': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 0 || v > 65535) {
        fprintf(stderr, "ledger6: --port must be 0-65535\n");
        return -1;
      }
      o->port = (int)v;
      break;
    }
    case 'r': o->role = optarg; break;
    case 'o': o->org = atoll(optarg); break;
    case 'l': o->label = optarg; break;
    case 'T': o->admin_token = true; break;
    case 'P': o->paranoid = true; break;
    case 'h': o->help = true; break;
    default: return -1;
    }
  }
  return 0;
}

static int fail(const l6_error *err) {
  fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(err->code), err->message);
  return 1;
}

/* Opens the store (creating its folder) and the service. */
static l6_svc *open_svc(const opts *o, int check_level, l6_error *err) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", o->db);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    mkdir(dir, 0700);
  }
  l6_store *st = store_sqlite_open(o->db, err);
  if (st == NULL) return NULL;
  l6_svc *s = svc_open(st, check_level, err);
  if (s == NULL) {
    st->ops->close(st);
    return NULL;
  }
  if (svc_load_config(s, o->config, err) != L6_E_OK) {
    svc_close(s);
    return NULL;
  }
  return s;
}

l6_svc *cli_open(const char *db, const char *config, l6_error *err) {
  opts o = {.db = db, .config = config};
  return open_svc(&o, 1, err);
}

static int cmd_init(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 1, &err);
  if (s == NULL) return fail(&err);
  printf("initialised store %s with the configuration in %s\n", o->db, o->config);
  svc_close(s);
  return 0;
}

static int cmd_demo(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 2, &err);
  if (s == NULL) return fail(&err);
  l6_err e = demo_populate(s, &err);
  svc_close(s);
  return e == L6_E_OK ? 0 : fail(&err);
}

static int print_token(l6_svc *s, l6_role role, l6_id org, const char *label, const char *prefix) {
  l6_error err = {0};
  char token[80];
  json_t *out = NULL;
  if (svc_token_create(s, &cli_admin, role, org, label, token, &out, &err) != L6_E_OK) return fail(&err);
  json_decref(out);
  printf("%s%s\n", prefix, token);
  return 0;
}

static int cmd_token(int argc, char **argv) {
  opts o;
  if (argc < 2 || strcmp(argv[1], "create") != 0) {
    fputs(usage_token, argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? stdout : stderr);
    return argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) ? 0 : 2;
  }
  if (parse_opts(argc - 1, argv + 1, &o) != 0) return 2;
  if (o.help) return fputs(usage_token, stdout), 0;
  l6_role role = l6_role_from_str(o.role);
  if (role == L6_ROLE__NONE) {
    fprintf(stderr, "ledger6: --role must be %s\n", L6_ROLE_NAMES);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = open_svc(&o, 1, &err);
  if (s == NULL) return fail(&err);
  int rc = print_token(s, role, (l6_id)o.org, o.label, "");
  svc_close(s);
  return rc;
}

static int cmd_check(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 1, &err);
  if (s == NULL) return fail(&err);
  l6_err e = svc_check(s, 0, &err);
  svc_close(s);
  if (e != L6_E_OK) return fail(&err);
  printf("ok: every issuance batch is partitioned exactly by its blocks\n");
  return 0;
}

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { stop_flag = sig; }

static int cmd_serve(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, o->paranoid ? 2 : 1, &err);
  if (s == NULL) return fail(&err);
  if (o->admin_token && print_token(s, L6_ROLE_ADMIN, 0, "serve --admin-token", "admin token: ") != 0) {
    svc_close(s);
    return 1;
  }
  l6_http *h = http_start(s, o->addr, o->port, &err);
  if (h == NULL) {
    svc_close(s);
    return fail(&err);
  }
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("listening on http://%s:%d/\n", o->addr, http_port(h));
  fflush(stdout);
  while (!stop_flag) pause();
  http_stop(h);
  svc_close(s);
  fprintf(stderr, "ledger6: stopped\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
    fputs(usage_main, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "token") == 0) return cmd_token(argc - 1, argv + 1);
  if (cli_cycle_has(cmd)) return cli_cycle_main(argc - 1, argv + 1); /* cycle_cli.c */
  if (cli_a6_has(cmd)) return cli_a6_main(argc - 1, argv + 1);       /* a6_cli.c */
  opts o;
  if (parse_opts(argc - 1, argv + 1, &o) != 0) return 2;
  if (strcmp(cmd, "serve") == 0) return o.help ? (fputs(usage_serve, stdout), 0) : cmd_serve(&o);
  if (strcmp(cmd, "init") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "init", "Creates or migrates the store and loads the configuration.\n"), 0) : cmd_init(&o);
  if (strcmp(cmd, "demo") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "demo", "Fills an empty store with the demo registry.\n"), 0) : cmd_demo(&o);
  if (strcmp(cmd, "check") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "check", "Verifies that every batch's blocks partition its serials.\n"), 0)
                  : cmd_check(&o);
  fprintf(stderr, "ledger6: unknown command '%s'\n%s", cmd, usage_main);
  return 2;
}
