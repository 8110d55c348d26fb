/*
 * main.c -- the ledger6 command line:
 *   ledger6 init | serve | demo | token create | check | verify | key | --help | --version
 * Every command takes --store SPEC (default data/ledger6.db: an SQLite file;
 * postgres://... for PostgreSQL; --db PATH is the old name of the option)
 * and --config DIR (default: $LEDGER6_CONFIG, ./config, or the config folder
 * next to the binary: cli_config_default); the signing key file is --keys PATH
 * (default the SQLite file's path + ".keys", data/ledger6.keys for a
 * PostgreSQL store).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../api/http.h"
#include "../core/pdfattach.h"
#include "../metrics.h"
#include "../service/certificate.h"
#include "../service/keys.h"
#include "../service/link.h"
#include "../service/people.h"
#include "../service/notice.h"
#include "../service/proposal.h"
#include "../service/views.h"
#include "../service/exchange.h"
#include "cli.h"

const l6_actor cli_admin = {.role = L6_ROLE_ADMIN, .name = "cli"};

static const char *usage_main =
    "usage: ledger6 <command> [options]\n"
    "\n"
    "commands:\n"
    "  init          create (or migrate) a store, load the config folder, and open in every\n"
    "                registry the levy accounts its mechanisms need\n"
    "  serve         serve the HTTP/JSON API\n"
    "  demo          fill an empty store with a realistic demo registry\n"
    "  token         create an API token (printed once), list tokens, revoke one\n"
    "  check         verify the ledger invariants of every batch and the exchange's books\n"
    "  link          links between registries: link reconcile --peer CODE (docs/LINKS.md)\n"
    "  mechanisms    list (and check) the crediting mechanism definitions\n"
    "  calc          run a methodology calculator\n"
    "  document      register a document (PDD, report, letter) by its bytes or hash\n"
    "  accredit      accredit a validator for a mechanism's sectoral scopes\n"
    "  cycle         a step of the project cycle, as a token's role (API JSON bodies)\n"
    "  activity      show an activity of the project cycle, or list them\n"
    "  report        Article 6.2 reports: aef (checked), balances, whatif\n"
    "  nma           Article 6.8: NMAs, ranked support offers, support totals, adaptation marketplace\n"
    "  ets           emissions trading: jurisdiction rules, compliance report, surrender and dry run\n"
    "  exchange      the exchange operator: instruments, market data, cash, orders\n"
    "  import        load registries' public CSV exports (Verra, Gold Standard)\n"
    "  export cadt   write the projects and units in the Climate Action Data Trust's shape\n"
    "  verify        check a retirement certificate offline, or a whole store against its log\n"
    "  key           generate, rotate or list the keys that sign the log's tree heads\n"
    "\n"
    "common options:\n"
    "  --store SPEC   the store: an SQLite file path (default data/ledger6.db), or a\n"
    "                 PostgreSQL URI postgres://[user@]host[:port][,host2[:port2]]/db[?...]\n"
    "                 (password from PGPASSWORD or ~/.pgpass; --db PATH is an alias)\n"
    "  --config DIR   configuration folder (default: $LEDGER6_CONFIG, else ./config, else\n"
    "                 BINDIR/../share/ledger6/config, else BINDIR/../config, the first that\n"
    "                 holds iso3166-1.tsv; BINDIR is the ledger6 binary's folder)\n"
    "  --keys PATH    signing key file (default: the store's path + .keys)\n"
    "  -h, --help     help for a command: ledger6 <command> --help\n"
    "  --version      print the version (also: ledger6 version)\n"
    "The manual: man ledger6.\n";

static const char *usage_serve =
    "usage: ledger6 serve [--store SPEC] [--config DIR] [--addr 127.0.0.1] [--port 8080]\n"
    "                     [--admin-token] [--paranoid] [--sth-interval SECONDS] [--keys PATH]\n"
    "                     [--web DIR] [--tls-cert FILE --tls-key FILE] [--access-log -|FILE|off]\n"
    "                     [--metrics token|public|off] [limits below]\n"
    "  --admin-token   when the store has no usable administrator token (none, or all revoked\n"
    "                  or expired), create one and print it; else say so (it was printed when made)\n"
    "  --session-idle S, --session-max S  web session timeouts in seconds: idle and absolute\n"
    "                  (default 900 and 28800: 15 minutes, 8 hours)\n"
    "  --pwhash-cost moderate|interactive  Argon2id cost of new password hashes (default\n"
    "                  moderate: 256 MiB, ~0.7 s; interactive: 64 MiB, for tests and small machines)\n"
    "  --cookie-secure mark the session cookies Secure (behind an HTTPS proxy; on by itself with --tls-cert)\n"
    "  --web DIR       serve the web pages from DIR at / (default web; none when missing)\n"
    "  --paranoid      re-check the partition of every batch a transaction touches\n"
    "  --sth-interval  sign a tree head of the log every SECONDS when it grew (default 60)\n"
    "  --tls-cert FILE, --tls-key FILE\n"
    "                  serve HTTPS only (PEM certificate chain and its private key)\n"
    "  --access-log    one JSON line per request to standard error (-, the default), a FILE\n"
    "                  (appended, created 0600), or off\n"
    "  --metrics       who may GET /metrics: token (admin or auditor tokens, the default),\n"
    "                  public (anyone who reaches the port), or off\n"
    "  --peers FILE    links between registries (docs/LINKS.md): this server's link identity and\n"
    "                  its peers, read strictly and stored; the outbox is sent every 100 ms\n"
    "  --role hub      serve as the independent transaction log of linked registries\n"
    "  --link-faults SPEC  tests only: drop=P,repeat=P,lose=P,delay=P,seed=N (percent) faults of the outbox\n"
    "  --link-reconcile SECONDS  reconcile with every link peer every SECONDS (1-86400; default off):\n"
    "                  differences in the log and in /metrics\n"
    "email notices (off by default; docs/OPERATIONS.md, \"Email notices\"):\n"
    "  --smtp-url URL   the relay: smtp://HOST[:PORT] (STARTTLS per --smtp-tls) or smtps://HOST[:PORT]\n"
    "  --smtp-from ADDR the sender address (needed with --smtp-url)\n"
    "  --smtp-tls url|try|required  STARTTLS on smtp://: as the URL says (none), when offered, or\n"
    "                  required (default try)\n"
    "  --smtp-ca FILE   CA bundle for the relay's certificate (default: the system's)\n"
    "  --smtp-user USER SMTP AUTH user; its password from the environment, L6_SMTP_PASSWORD\n"
    "  --smtp-interval S seconds between rounds of the queue (1-3600, default 10)\n"
    "  --smtp-retry S   the wait after a failed attempt, doubled at each (1-3600, default 30; at\n"
    "                  most an hour between attempts; given up after 12)\n"
    "  --app-url URL    the working app's address, linked in notices (e.g. https://HOST/work.html)\n"
    "limits (docs/OPERATIONS.md, \"Limits\"; RATE is N/s, N/min or N/h with an optional ,BURST, or off):\n"
    "  --conns-per-ip N         connections one client address may hold (default 64; 0: no limit)\n"
    "  --request-timeout S      seconds to send a request's head, and again its body (default 10)\n"
    "  --streams-per-client N   market data streams per address and per token (default 4)\n"
    "  --token-write-rate RATE  writes per token (default 50/s,500)\n"
    "  --ip-write-rate RATE     writes per client address (default 100/s,1000)\n"
    "  --auth-fail-rate RATE    failed authentications per address and per credential (default 1/s,1000)\n"
    "Prints 'listening on http://ADDR:PORT/' (https:// with TLS) and serves until SIGINT or SIGTERM.\n"
    "Makes a signing key (in --keys) when the store has none.\n"
    "Several servers may share one PostgreSQL store (or one SQLite file on one machine).\n";

static const char *usage_verify =
    "usage: ledger6 verify CERTIFICATE.json|CERTIFICATE.pdf --key KEY\n"
    "       ledger6 verify --store [--store SPEC] [--keys PATH] [--key KEY]\n"
    "The first form checks a retirement certificate offline: it rebuilds the log entry from the\n"
    "retirement's fields, follows the inclusion proof to the tree root and checks the registry's\n"
    "signature of the root with KEY (the public key: 64 hex digits, 44 base64 characters, or a file\n"
    "holding either). Prints 'valid: ...' (exit 0) or 'invalid: ...' for each failure (exit 1).\n"
    "A certificate PDF is checked by the JSON it carries (its attachment certificate.json).\n"
    "The second form checks a store against its log: every transaction row against its leaf, every\n"
    "stored node, and the root and signature of every signed tree head; it names the first entry\n"
    "that no longer matches (exit 1). Tree heads must be signed by a key of the key file, if there\n"
    "is one, or KEY.\n";

static const char *usage_key =
    "usage: ledger6 key generate|rotate|list [--store SPEC] [--keys PATH]\n"
    "  generate  make the first signing key (init and serve do it when there is none)\n"
    "  rotate    retire the current key (its secret is forgotten, its public key kept so old\n"
    "            tree heads stay verifiable) and make a new one; restart serve to sign with it\n"
    "  list      print every key: id, state, creation time, public key in hex and base64\n"
    "The secret key lives in the key file (mode 0600), the public keys in the store.\n";

static const char *usage_token =
    "usage: ledger6 token create --role ROLE [--org ID] [--label TEXT] [--days N] [--store SPEC]\n"
    "       ledger6 token list [--store SPEC]\n"
    "       ledger6 token revoke ID [--store SPEC]\n"
    "create: ROLE is admin, holder, auditor, validator, authority, mechanism-admin or\n"
    "reviewer; holder, validator, authority and reviewer tokens need --org (the\n"
    "authority's and the reviewer's organisation belongs to the Party's registry). The token expires after N days (default and most: the role's\n"
    "lifetime, config/tokens.json). Prints the new token; only its hash is stored, so keep it.\n"
    "list: id, role, organisation, state, created, expires, last used, label of every token.\n"
    "revoke: the token is refused from its next request on, by every server of the store.\n";

#define USAGE_SIMPLE "usage: ledger6 %s [--store SPEC] [--config DIR]\n%s"

typedef struct {
  const char *store, *config, *addr, *role, *label, *keys, *key, *web;
  const char *tls_cert, *tls_key, *access_log;
  const char *peers, *link_faults, *peer; /* links between registries (link.h) */
  l6_metrics_access metrics;
  l6_http_opts http; /* serve's transport limits */
  int port, sth_interval, days;
  int link_reconcile; /* seconds between periodic reconciliations; 0: off */
  const char *smtp_url, *smtp_from, *smtp_ca, *smtp_user, *app_url; /* email notices (notice.h) */
  int smtp_tls, smtp_interval, smtp_retry;
  int session_idle, session_max; /* seconds; 0: the defaults */
  bool pwhash_interactive, cookie_secure;
  long long org;
  bool admin_token, paranoid, help, verify_store;
  char **args; /* positional arguments */
  int nargs;
  char keys_buf[4200]; /* default key file path */
} opts;

static const char *cli_web_default(void);

static int parse_opts(int argc, char **argv, opts *o) {
  static const struct option longs[] = {
      {"store", required_argument, NULL, 'd'},   {"db", required_argument, NULL, 'd'},
      {"config", required_argument, NULL, 'c'},
      {"addr", required_argument, NULL, 'a'},    {"port", required_argument, NULL, 'p'},
      {"role", required_argument, NULL, 'r'},    {"org", required_argument, NULL, 'o'},
      {"label", required_argument, NULL, 'l'},   {"admin-token", no_argument, NULL, 'T'},
      {"paranoid", no_argument, NULL, 'P'},      {"help", no_argument, NULL, 'h'},
      {"keys", required_argument, NULL, 'K'},    {"key", required_argument, NULL, 'k'},
      {"verify-store", no_argument, NULL, 'S'},  {"sth-interval", required_argument, NULL, 'I'},
      {"web", required_argument, NULL, 'W'},
      {"tls-cert", required_argument, NULL, 1},  {"tls-key", required_argument, NULL, 2},
      {"conns-per-ip", required_argument, NULL, 3}, {"request-timeout", required_argument, NULL, 4},
      {"streams-per-client", required_argument, NULL, 5}, {"token-write-rate", required_argument, NULL, 6},
      {"ip-write-rate", required_argument, NULL, 7}, {"auth-fail-rate", required_argument, NULL, 8},
      {"session-idle", required_argument, NULL, 'J'}, {"session-max", required_argument, NULL, 'M'},
      {"pwhash-cost", required_argument, NULL, 'C'},  {"cookie-secure", no_argument, NULL, 'Z'},
      {"days", required_argument, NULL, 'D'},
      {"access-log", required_argument, NULL, 'A'}, {"metrics", required_argument, NULL, 'X'},
      {"peers", required_argument, NULL, 9}, {"link-faults", required_argument, NULL, 10},
      {"peer", required_argument, NULL, 11},     {"link-reconcile", required_argument, NULL, 12},
      {"smtp-url", required_argument, NULL, 13}, {"smtp-from", required_argument, NULL, 14},
      {"smtp-tls", required_argument, NULL, 15}, {"smtp-ca", required_argument, NULL, 16},
      {"smtp-user", required_argument, NULL, 17}, {"smtp-interval", required_argument, NULL, 18},
      {"app-url", required_argument, NULL, 19}, {"smtp-retry", required_argument, NULL, 20},
      {NULL, 0, NULL, 0}};
  *o = (opts){.store = "data/ledger6.db",
              .config = cli_config_default(),
              .addr = "127.0.0.1",
              .port = 8080,
              .label = "cli",
              .web = cli_web_default(),
              .access_log = "-",
              .smtp_tls = 1,
              .smtp_interval = 10,
              .sth_interval = L6_STH_INTERVAL_S};
  http_opts_default(&o->http);
  /* `verify --store` (check the store against its log) is a flag, while
   * --store SPEC names the store: a --store with no value after it (the
   * end, or another option) is the flag. */
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "--store") == 0 && (i + 1 == argc || argv[i + 1][0] == '-')) argv[i] = "--verify-store";
  }
  optind = 1;
  int ch;
  while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': o->store = optarg; break;
    case 'c': o->config = optarg; break;
    case 'a': o->addr = optarg; break;
    case 'W': o->web = optarg; break;
    case 'A': o->access_log = optarg; break;
    case 'X':
      if (strcmp(optarg, "token") == 0) o->metrics = L6_METRICS_TOKEN;
      else if (strcmp(optarg, "public") == 0) o->metrics = L6_METRICS_PUBLIC;
      else if (strcmp(optarg, "off") == 0) o->metrics = L6_METRICS_OFF;
      else {
        fprintf(stderr, "ledger6: --metrics must be token, public or off\n");
        return -1;
      }
      break;
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
    case 'D': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > L6_TOKEN_MAX_DAYS) {
        fprintf(stderr, "ledger6: --days must be 1-%d\n", L6_TOKEN_MAX_DAYS);
        return -1;
      }
      o->days = (int)v;
      break;
    }
    case 'o': o->org = atoll(optarg); break;
    case 'l': o->label = optarg; break;
    case 'T': o->admin_token = true; break;
    case 'P': o->paranoid = true; break;
    case 'h': o->help = true; break;
    case 'K': o->keys = optarg; break;
    case 'k': o->key = optarg; break;
    case 'S': o->verify_store = true; break;
    case 'I': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > L6_STH_INTERVAL_MAX_S) {
        fprintf(stderr, "ledger6: --sth-interval must be 1-%d seconds\n", L6_STH_INTERVAL_MAX_S);
        return -1;
      }
      o->sth_interval = (int)v;
      break;
    }
    case 1: o->tls_cert = optarg; break;
    case 9: o->peers = optarg; break;
    case 10: o->link_faults = optarg; break;
    case 11: o->peer = optarg; break;
    case 12: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 86400) {
        fprintf(stderr, "ledger6: --link-reconcile must be 1-86400 seconds\n");
        return -1;
      }
      o->link_reconcile = (int)v;
      break;
    }
    case 2: o->tls_key = optarg; break;
    case 13: o->smtp_url = optarg; break;
    case 14: o->smtp_from = optarg; break;
    case 15:
      if (strcmp(optarg, "url") == 0) o->smtp_tls = 0;
      else if (strcmp(optarg, "try") == 0) o->smtp_tls = 1;
      else if (strcmp(optarg, "required") == 0) o->smtp_tls = 2;
      else {
        fprintf(stderr, "ledger6: --smtp-tls must be url, try or required\n");
        return -1;
      }
      break;
    case 16: o->smtp_ca = optarg; break;
    case 17: o->smtp_user = optarg; break;
    case 18: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 3600) {
        fprintf(stderr, "ledger6: --smtp-interval must be 1-3600 seconds\n");
        return -1;
      }
      o->smtp_interval = (int)v;
      break;
    }
    case 19: o->app_url = optarg; break;
    case 20: {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 3600) {
        fprintf(stderr, "ledger6: --smtp-retry must be 1-3600 seconds\n");
        return -1;
      }
      o->smtp_retry = (int)v;
      break;
    }
    case 3:
    case 4:
    case 5: {
      static const char *const names[] = {"--conns-per-ip", "--request-timeout", "--streams-per-client"};
      static const int lo[] = {0, 1, 1}, hi[] = {L6_MAX_CONNECTIONS, L6_HTTP_REQUEST_TIMEOUT_MAX_S, L6_EX_MAX_STREAMS};
      int k = ch - 3;
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || optarg[0] == '\0' || v < lo[k] || v > hi[k]) {
        fprintf(stderr, "ledger6: %s must be %d-%d\n", names[k], lo[k], hi[k]);
        return -1;
      }
      *(k == 0 ? &o->http.conns_per_ip : k == 1 ? &o->http.request_timeout_s : &o->http.streams_per_client) = (int)v;
      break;
    }
    case 6:
    case 7:
    case 8: {
      static const char *const names[] = {"--token-write-rate", "--ip-write-rate", "--auth-fail-rate"};
      l6_rate *dst = ch == 6 ? &o->http.token_writes : ch == 7 ? &o->http.ip_writes : &o->http.auth_failures;
      if (!l6_rate_parse(optarg, dst)) {
        fprintf(stderr, "ledger6: %s must be N/s, N/min or N/h with an optional ,BURST (N, BURST 1-%d), or off\n",
                names[ch - 6], L6_RATE_MAX);
        return -1;
      }
      break;
    }
    case 'J':
    case 'M': {
      char *end;
      long v = strtol(optarg, &end, 10);
      if (*end || v < 1 || v > 7 * 24 * 3600) {
        fprintf(stderr, "ledger6: --session-idle and --session-max must be 1-604800 seconds\n");
        return -1;
      }
      if (ch == 'J') o->session_idle = (int)v;
      else o->session_max = (int)v;
      break;
    }
    case 'C':
      if (strcmp(optarg, "moderate") != 0 && strcmp(optarg, "interactive") != 0) {
        fprintf(stderr, "ledger6: --pwhash-cost must be moderate or interactive\n");
        return -1;
      }
      o->pwhash_interactive = strcmp(optarg, "interactive") == 0;
      break;
    case 'Z': o->cookie_secure = true; break;
    default: return -1;
    }
  }
  o->args = argv + optind;
  o->nargs = argc - optind;
  if (o->keys == NULL) {
    if (store_spec_is_pg(o->store)) snprintf(o->keys_buf, sizeof o->keys_buf, "data/ledger6.keys");
    else snprintf(o->keys_buf, sizeof o->keys_buf, "%s.keys", o->store);
    o->keys = o->keys_buf;
  }
  return 0;
}

/* A folder that holds a configuration: it has the ISO 3166-1 table every
 * store loads. */
static bool is_config_dir(const char *dir) {
  char path[4300];
  if ((size_t)snprintf(path, sizeof path, "%s/iso3166-1.tsv", dir) >= sizeof path) return false;
  return access(path, R_OK) == 0;
}

const char *cli_config_default(void) {
  static char found[4200];
  if (found[0]) return found;
  const char *env = getenv("LEDGER6_CONFIG");
  if (env && env[0]) {
    snprintf(found, sizeof found, "%s", env);
    return found;
  }
  snprintf(found, sizeof found, "config");
  if (is_config_dir(found)) return found;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0'; /* BINDIR */
    static const char *const rel[] = {"../share/ledger6/config", "../config"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
      char dir[4200];
      snprintf(dir, sizeof dir, "%s/%s", exe, rel[i]);
      if (is_config_dir(dir)) {
        char *real = realpath(dir, NULL); /* "/src/ledger6/config", not ".../build/../config" */
        snprintf(found, sizeof found, "%s", real ? real : dir);
        free(real);
        return found;
      }
    }
  }
  return found; /* "config": its error names it */
}

/* The web pages' folder: ./web when there is one (a source tree), else
 * the installed BINDIR/../share/ledger6/web (make install), else "web"
 * (serve then serves no pages). */
static const char *cli_web_default(void) {
  static char found[4200];
  if (found[0]) return found;
  struct stat sb;
  snprintf(found, sizeof found, "web");
  if (stat(found, &sb) == 0 && S_ISDIR(sb.st_mode)) return found;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0) {
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/../share/ledger6/web", exe);
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      char *real = realpath(dir, NULL);
      snprintf(found, sizeof found, "%s", real ? real : dir);
      free(real);
    }
  }
  return found;
}

static int fail(const l6_error *err) {
  fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(err->code), err->message);
  return 1;
}

/* Opens the store (creating the folder of an SQLite file) and the service;
 * gives a store that predates the transparency log its leaves. */
static l6_svc *open_svc(const opts *o, int check_level, l6_error *err) {
  if (!store_spec_is_pg(o->store)) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->store);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = '\0';
      mkdir(dir, 0700);
    }
  }
  l6_store *st = store_open(o->store, err);
  if (st == NULL) return NULL;
  l6_svc *s = svc_open(st, check_level, err);
  if (s == NULL) {
    st->ops->close(st);
    return NULL;
  }
  int64_t added = 0;
  if (svc_load_config(s, o->config, err) != L6_E_OK || svc_log_backfill(s, &added, err) != L6_E_OK) {
    svc_close(s);
    return NULL;
  }
  if (added) fprintf(stderr, "ledger6: gave the %lld earlier transactions their log leaves\n", (long long)added);
  return s;
}

l6_svc *cli_open(const char *db, const char *config, l6_error *err) {
  opts o = {.store = db, .config = config};
  return open_svc(&o, 1, err);
}

/* Loads the signing key, making the first one when there is none. */
static int open_keys(l6_svc *s, const opts *o) {
  l6_error err = {0};
  bool created = false;
  char dir[4096]; /* the key file's folder (data/ for a PostgreSQL store by default) */
  snprintf(dir, sizeof dir, "%s", o->keys);
  char *slash = strrchr(dir, '/');
  if (slash && slash != dir) {
    *slash = '\0';
    mkdir(dir, 0700);
  }
  if (svc_keys_open(s, o->keys, true, &created, &err) != L6_E_OK) return fail(&err);
  if (created) fprintf(stderr, "ledger6: made a signing key; its secret is in %s (keep it private)\n", o->keys);
  return 0;
}

static int cmd_init(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 1, &err);
  if (s == NULL) return fail(&err);
  if (open_keys(s, o) != 0) {
    svc_close(s);
    return 1;
  }
  size_t opened = 0; /* the levy accounts of mechanisms added since the registries were made */
  if (svc_levy_accounts_open(s, &cli_admin, &opened, &err) != L6_E_OK) {
    svc_close(s);
    return fail(&err);
  }
  if (opened) printf("opened %zu levy accounts that the mechanisms need in existing registries\n", opened);
  char shown[L6_STORE_SPEC_MAX + 1];
  printf("initialised store %s with the configuration in %s\n", store_spec_redact(o->store, shown, sizeof shown),
         o->config);
  svc_close(s);
  return 0;
}

static int cmd_demo(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 2, &err);
  if (s == NULL) return fail(&err);
  if (open_keys(s, o) != 0) {
    svc_close(s);
    return 1;
  }
  l6_err e = demo_populate(s, &err);
  svc_close(s);
  return e == L6_E_OK ? 0 : fail(&err);
}

/* Prints prefix and the new token (and nothing else: scripts read it);
 * with `serve`, a second line says when it expires. */
static int print_token(l6_svc *s, l6_role role, l6_id org, const char *label, int days, const char *prefix) {
  l6_error err = {0};
  char token[80];
  json_t *out = NULL;
  if (svc_token_create(s, &cli_admin, role, org, label, days, token, &out, &err) != L6_E_OK) return fail(&err);
  printf("%s%s\n", prefix, token);
  if (prefix[0]) {
    json_t *exp = json_object_get(out, "expires");
    printf("(token %lld, shown only now: keep it; it %s%s)\n", (long long)json_integer_value(json_object_get(out, "id")),
           json_is_string(exp) ? "expires " : "never expires", json_is_string(exp) ? json_string_value(exp) : "");
  }
  json_decref(out);
  return 0;
}

static const char *str_or(const json_t *v, const char *dflt) { return json_is_string(v) ? json_string_value(v) : dflt; }

static int token_list(l6_svc *s) {
  l6_error err = {0};
  l6_page pg = {.limit = L6_MAX_PAGE};
  printf("%-6s %-15s %-6s %-8s %-24s %-24s %-24s %s\n", "id", "role", "org", "state", "created", "expires",
         "last used", "label");
  for (;;) {
    json_t *out = NULL;
    if (svc_token_list(s, &cli_admin, &pg, &out, &err) != L6_E_OK) return fail(&err);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(out, "items"), i, t) {
      json_t *org = json_object_get(t, "organisation");
      char orgs[24] = "-";
      if (json_is_integer(org)) snprintf(orgs, sizeof orgs, "%lld", (long long)json_integer_value(org));
      printf("%-6lld %-15s %-6s %-8s %-24s %-24s %-24s %s\n", (long long)json_integer_value(json_object_get(t, "id")),
             str_or(json_object_get(t, "role"), ""), orgs, str_or(json_object_get(t, "state"), ""),
             str_or(json_object_get(t, "created"), "-"), str_or(json_object_get(t, "expires"), "never"),
             str_or(json_object_get(t, "last_used"), "-"), str_or(json_object_get(t, "label"), ""));
    }
    const char *next = str_or(json_object_get(out, "next"), NULL);
    bool more = next != NULL;
    if (more) snprintf(pg.after, sizeof pg.after, "%s", next);
    json_decref(out);
    if (!more) return 0;
  }
}

static int cmd_token(int argc, char **argv) {
  opts o;
  bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
  if (argc < 2 || help ||
      (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "list") != 0 && strcmp(argv[1], "revoke") != 0)) {
    fputs(usage_token, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  if (parse_opts(argc - 1, argv + 1, &o) != 0) return 2;
  if (o.help) return fputs(usage_token, stdout), 0;
  if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "revoke") == 0) {
    bool revoke = strcmp(argv[1], "revoke") == 0;
    char *end = NULL;
    long long id = revoke && o.nargs == 1 ? strtoll(o.args[0], &end, 10) : 0;
    if (revoke ? (o.nargs != 1 || *end || id <= 0) : o.nargs != 0) {
      fputs(usage_token, stderr);
      return 2;
    }
    l6_error err = {0};
    l6_svc *s = open_svc(&o, 1, &err);
    if (s == NULL) return fail(&err);
    int rc = 0;
    if (revoke) {
      json_t *out = NULL;
      if (svc_token_revoke(s, &cli_admin, (l6_id)id, &out, &err) != L6_E_OK) rc = fail(&err);
      else printf("token %lld revoked at %s\n", id, str_or(json_object_get(out, "revoked"), "?"));
      json_decref(out);
    } else {
      rc = token_list(s);
    }
    svc_close(s);
    return rc;
  }
  l6_role role = l6_role_from_str(o.role);
  if (role == L6_ROLE__NONE) {
    fprintf(stderr, "ledger6: --role must be %s\n", L6_ROLE_NAMES);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = open_svc(&o, 1, &err);
  if (s == NULL) return fail(&err);
  int rc = print_token(s, role, (l6_id)o.org, o.label, o.days, "");
  svc_close(s);
  return rc;
}

static int cmd_check(const opts *o) {
  l6_error err = {0};
  l6_svc *s = open_svc(o, 1, &err);
  if (s == NULL) return fail(&err);
  l6_err e = svc_check(s, 0, &err);
  if (e == L6_E_OK) e = svc_ex_check(s, &err);
  svc_close(s);
  if (e != L6_E_OK) return fail(&err);
  printf("ok: every issuance batch is partitioned exactly by its blocks\n");
  printf("ok: the exchange's cash and escrowed units balance and its books equal a replay of its orders\n");
  return 0;
}

/* ---- verify ------------------------------------------------------------ */

/* Reads a whole (small) file into a malloc'd, NUL-terminated buffer; its
 * length (the file may hold NUL bytes) in *len. */
static char *read_file_len(const char *path, size_t max, size_t *len, const char **why) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    *why = strerror(errno);
    return NULL;
  }
  char *buf = malloc(max + 1);
  size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
  fclose(f);
  if (buf == NULL) {
    *why = "out of memory";
    return NULL;
  }
  if (n > max) {
    free(buf);
    *why = "the file is too large";
    return NULL;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static char *read_file(const char *path, size_t max, const char **why) {
  size_t len;
  return read_file_len(path, max, &len, why);
}

/* --key: the key itself, or a file holding it. */
static int parse_key_arg(const char *arg, uint8_t pk[STH_PUBLIC_KEY_BYTES]) {
  if (keys_parse_public(arg, pk)) return 0;
  const char *why = NULL;
  char *text = read_file(arg, 4096, &why);
  bool ok = text && keys_parse_public(text, pk);
  free(text);
  if (ok) return 0;
  fprintf(stderr, "ledger6: --key must be a public key (64 hex digits or 44 base64 characters) or a file holding one%s%s\n",
          why ? ": " : "", why ? why : "");
  return -1;
}

static int verify_certificate(const opts *o) {
  if (o->nargs != 1 || o->key == NULL) {
    fputs(usage_verify, stderr);
    return 2;
  }
  uint8_t pk[STH_PUBLIC_KEY_BYTES];
  if (parse_key_arg(o->key, pk) != 0) return 2;
  const char *why = NULL;
  size_t len = 0;
  char *text = read_file_len(o->args[0], L6_CERT_PDF_MAX_BYTES, &len, &why);
  if (text == NULL) {
    printf("invalid: cannot read %s: %s\n", o->args[0], why);
    return 1;
  }
  /* A certificate PDF (GET .../certificate.pdf) carries the JSON as its
   * attachment certificate.json (core/pdfattach.h): that is what counts. */
  const char *json = text;
  size_t jlen = len;
  bool pdf = pdfattach_is_pdf(text, len);
  if (pdf && pdfattach_find(text, len, &json, &jlen, &why) != 0) {
    printf("invalid: %s: %s\n", o->args[0], why);
    free(text);
    return 1;
  }
  if (jlen > L6_CERT_MAX_BYTES) {
    printf("invalid: cannot read %s: the certificate is too large\n", o->args[0]);
    free(text);
    return 1;
  }
  json_error_t je;
  json_t *cert = json_loadb(json, jlen, JSON_REJECT_DUPLICATES, &je);
  free(text);
  if (cert == NULL) {
    printf("invalid: %s%s is not JSON (line %d: %s)\n", o->args[0], pdf ? "'s attached certificate" : "", je.line,
           je.text);
    return 1;
  }
  cert_result res;
  cert_verify(cert, pk, &res);
  json_decref(cert);
  if (res.valid) {
    printf("valid: %s\n", res.summary);
    return 0;
  }
  for (int i = 0; i < res.nproblems; i++) printf("invalid: %s\n", res.problems[i]);
  return 1;
}

static int verify_store(const opts *o) {
  uint8_t pins[L6_MAX_KEYS + 1][STH_PUBLIC_KEY_BYTES];
  size_t npins = 0;
  const char *pinned_by = "not pinned: the store's own key table was trusted (give --key, or keep the key file)";
  l6_error err = {0};
  l6_keyring *ring = calloc(1, sizeof *ring);
  if (ring == NULL) return fail(&(l6_error){.code = L6_E_NOMEM, .message = "out of memory"});
  l6_err le = keys_load(o->keys, ring, &err);
  if (le == L6_E_OK) {
    for (size_t i = 0; i < ring->n; i++) memcpy(pins[npins++], ring->k[i].pk, STH_PUBLIC_KEY_BYTES);
    pinned_by = "pinned by the key file";
  }
  keys_wipe(ring);
  free(ring);
  if (le != L6_E_OK && le != L6_E_NOT_FOUND) return fail(&err);
  if (o->key) {
    if (parse_key_arg(o->key, pins[npins]) != 0) return 2;
    npins++;
    pinned_by = le == L6_E_OK ? "pinned by the key file and --key" : "pinned by --key";
  }
  /* The store is opened as it is: no configuration, no backfill, nothing
   * written -- and never made where there is none. */
  struct stat sb;
  char shown[L6_STORE_SPEC_MAX + 1];
  if (store_spec_is_pg(o->store)) {
    bool there = false;
    if (store_pg_initialised(o->store, &there, &err) != L6_E_OK) return fail(&err);
    if (!there) {
      fprintf(stderr, "ledger6: no store at %s\n", store_spec_redact(o->store, shown, sizeof shown));
      return 1;
    }
  } else if (stat(o->store, &sb) != 0) {
    fprintf(stderr, "ledger6: no store at %s\n", o->store);
    return 1;
  }
  l6_store *st = store_open(o->store, &err);
  if (st == NULL) return fail(&err);
  l6_svc *s = svc_open(st, 1, &err);
  if (s == NULL) {
    st->ops->close(st);
    return fail(&err);
  }
  tlog_report rep;
  l6_err e = svc_verify_store(s, (const uint8_t(*)[STH_PUBLIC_KEY_BYTES])pins, npins, &rep, &err);
  svc_close(s);
  if (e != L6_E_OK) return fail(&err);
  if (!rep.ok) {
    printf("invalid: %s\n", rep.problem);
    if (rep.leaf >= 0 || rep.tx > 0)
      printf("first mismatch: leaf %lld, transaction %lld\n", (long long)rep.leaf, (long long)rep.tx);
    return 1;
  }
  char heads[96];
  if (rep.heads) snprintf(heads, sizeof heads, "%lld signed tree heads (the latest of size %lld)", (long long)rep.heads,
                          (long long)rep.latest_head);
  else snprintf(heads, sizeof heads, "no signed tree head yet");
  printf("valid: %lld transactions match their %lld log leaves; %lld tree nodes, %s and %lld keys check out; "
         "head keys %s\n",
         (long long)rep.transactions, (long long)(rep.leaves - rep.letter_leaves), (long long)rep.nodes, heads, (long long)rep.keys,
         pinned_by);
  if (rep.letters) printf("letters: %lld letters of authorization match the hash recorded at their last change\n", (long long)rep.letters);
  if (rep.letter_leaves)
    printf("letter leaves: %lld letter leaves match their log entries and the hash the store keeps for their version\n",
           (long long)rep.letter_leaves);
  return 0;
}

static int cmd_verify(const opts *o) {
  if (o->help) return fputs(usage_verify, stdout), 0;
  if (o->verify_store) {
    if (o->nargs != 0) {
      fputs(usage_verify, stderr);
      return 2;
    }
    return verify_store(o);
  }
  return verify_certificate(o);
}

/* ---- key --------------------------------------------------------------- */

static void print_key(const json_t *k) {
  char when[32];
  int64_t ms = json_integer_value(json_object_get(k, "created"));
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  printf("%s  %-7s  %s  %s  %s\n", json_string_value(json_object_get(k, "key_id")),
         json_is_true(json_object_get(k, "current")) ? "current" : "retired", when,
         json_string_value(json_object_get(k, "public_key")),
         json_string_value(json_object_get(k, "public_key_base64")));
}

static int cmd_key(int argc, char **argv) {
  bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
  if (argc < 2 || help || (strcmp(argv[1], "generate") != 0 && strcmp(argv[1], "rotate") != 0 && strcmp(argv[1], "list") != 0)) {
    fputs(usage_key, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  opts o;
  if (parse_opts(argc - 1, argv + 1, &o) != 0) return 2;
  if (o.help) return fputs(usage_key, stdout), 0;
  l6_error err = {0};
  l6_svc *s = open_svc(&o, 1, &err);
  if (s == NULL) return fail(&err);
  json_t *out = NULL;
  l6_err e = L6_E_OK;
  if (strcmp(argv[1], "generate") == 0) {
    e = svc_key_generate(s, o.keys, &out, &err);
    if (e == L6_E_OK) {
      print_key(out);
      printf("its secret is in %s (mode 0600): keep it private, and back it up\n", o.keys);
    }
  } else if (strcmp(argv[1], "rotate") == 0) {
    e = svc_key_rotate(s, o.keys, &out, &err);
    if (e == L6_E_OK) {
      print_key(out);
      printf("the previous key is retired; restart ledger6 serve to sign with the new one\n");
    }
  } else {
    bool created;
    e = svc_keys_open(s, o.keys, false, &created, &err); /* the file must agree with the store */
    if (e == L6_E_OK) e = svc_keys_list(s, &cli_admin, &out, &err);
    size_t i;
    json_t *k;
    if (e == L6_E_OK) json_array_foreach(json_object_get(out, "items"), i, k) print_key(k);
  }
  json_decref(out);
  svc_close(s);
  return e == L6_E_OK ? 0 : fail(&err);
}

/* ---- links between registries ------------------------------------------ */

/* The link clock: the outbox every 100 ms (link.h). */
typedef struct {
  l6_svc *svc;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
} link_timer;

static void *link_main(void *arg) {
  link_timer *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_nsec += 100 * 1000000L;
    if (at.tv_nsec >= 1000000000L) {
      at.tv_sec++;
      at.tv_nsec -= 1000000000L;
    }
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &at) != ETIMEDOUT) {
    }
    if (t->stop) break;
    pthread_mutex_unlock(&t->mu);
    l6_error err = {0};
    int done = 0;
    if (svc_link_tick(t->svc, &done, &err) != L6_E_OK)
      fprintf(stderr, "ledger6: link outbox: %s: %s\n", l6_err_code(err.code), err.message);
    pthread_mutex_lock(&t->mu);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

/* `ledger6 link reconcile --peer CODE`: prints the differences (JSON);
 * exit status 0 when there are none, 1 when there are, 2 on error. */
static int cmd_link(const opts *o) {
  if (o->nargs < 1 || strcmp(o->args[0], "reconcile") != 0 || o->peer == NULL) {
    fputs("usage: ledger6 link reconcile --peer CODE [--store SPEC] [--config DIR] [--keys PATH]\n"
          "Compares this registry's link state with the peer's (a registry, or the hub) and prints every\n"
          "difference with its code (docs/LINKS.md); exit status 1 when there is one.\n",
          stderr);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = open_svc(o, 1, &err);
  if (s == NULL) return fail(&err);
  bool created = false;
  json_t *out = NULL;
  l6_err e = svc_keys_open(s, o->keys, false, &created, &err);
  if (e == L6_E_OK) e = svc_link_reconcile(s, o->peer, &out, &err);
  svc_close(s);
  if (e != L6_E_OK) return fail(&err), 2;
  char *txt = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
  printf("%s\n", txt ? txt : "");
  free(txt);
  int rc = json_array_size(json_object_get(out, "differences")) ? 1 : 0;
  json_decref(out);
  return rc;
}

/* ---- serve ------------------------------------------------------------- */

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { stop_flag = sig; }

/* The periodic signer: every interval, a tree head when the log grew. */
typedef struct {
  l6_svc *svc;
  int interval_s;
  void (*run)(l6_svc *s); /* what it does every interval_s */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
} sth_timer;

static void sign_head(l6_svc *s) {
  l6_error err = {0};
  bool fresh = false;
  int64_t size = 0;
  if (svc_log_sign(s, &fresh, &size, &err) != L6_E_OK)
    fprintf(stderr, "ledger6: cannot sign a tree head: %s: %s\n", l6_err_code(err.code), err.message);
  else if (fresh)
    fprintf(stderr, "ledger6: signed the tree head of size %lld\n", (long long)size);
}

/* The proposals' clock (proposal.h): expiries and delayed transfers that
 * are due. Reads run it too, so a late round is never visible. */
static void proposals_tick(l6_svc *s) {
  l6_error err = {0};
  int done = 0;
  if (svc_proposals_tick(s, &done, &err) != L6_E_OK)
    fprintf(stderr, "ledger6: proposals clock: %s: %s\n", l6_err_code(err.code), err.message);
  else if (done)
    fprintf(stderr, "ledger6: proposals clock: %d proposal%s expired or executed\n", done, done == 1 ? "" : "s");
}

/* Sums the registry's figures once at start (GET /v1/stats, unfiltered),
 * so that the dashboards' first visitor does not wait for the sum of every
 * batch and retirement line (seconds at 10^6 blocks); later answers add
 * only the newer transactions (opendata.c, docs/PERFORMANCE.md). */
static void *stats_warm_main(void *arg) {
  l6_error err = {0};
  json_t *out = NULL;
  if (svc_stats(arg, NULL, NULL, &out, &err) != L6_E_OK) fprintf(stderr, "ledger6: summing the figures at start: %s\n", err.message);
  json_decref(out);
  return NULL;
}

static void *sth_main(void *arg) {
  sth_timer *t = arg;
  pthread_mutex_lock(&t->mu);
  while (!t->stop) {
    struct timespec at;
    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += t->interval_s;
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &at) != ETIMEDOUT) {
    }
    if (t->stop) break;
    pthread_mutex_unlock(&t->mu);
    t->run(t->svc);
    pthread_mutex_lock(&t->mu);
  }
  pthread_mutex_unlock(&t->mu);
  return NULL;
}

/* The periodic reconciliation (serve --link-reconcile): every peer, the
 * differences to the log (one line per peer that has any, or failed) and
 * to the metrics (ledger6_link_reconcile_*). */
static void link_reconcile_run(l6_svc *s) {
  l6_error err = {0};
  json_t *out = NULL;
  if (svc_link_reconcile_all(s, &out, &err) != L6_E_OK) {
    fprintf(stderr, "ledger6: link reconcile: %s: %s\n", l6_err_code(err.code), err.message);
    return;
  }
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(out, "items"), i, it) {
    const char *peer = json_string_value(json_object_get(it, "peer"));
    json_t *d = json_object_get(it, "differences");
    metrics_link_reconcile(peer, d ? (int64_t)json_array_size(d) : -1);
    if (d && json_array_size(d) == 0) continue;
    char *txt = json_dumps(d ? d : it, JSON_COMPACT | JSON_SORT_KEYS);
    if (d) fprintf(stderr, "ledger6: link reconcile %s: %zu difference%s: %s\n", peer, json_array_size(d),
                   json_array_size(d) == 1 ? "" : "s", txt ? txt : "");
    else fprintf(stderr, "ledger6: link reconcile %s: failed: %s\n", peer, txt ? txt : "");
    free(txt);
  }
  json_decref(out);
}

/* Email notices (serve --smtp-url; service/notice.h): each round queues
 * what awaits whom and sends what is due; a line when something happened. */
static l6_smtp_cfg smtp_cfg;

static void notices_run(l6_svc *s) {
  l6_error err = {0};
  l6_notice_round r;
  if (svc_notices_tick(s, &smtp_cfg, &r, &err) != L6_E_OK)
    fprintf(stderr, "ledger6: email notices: %s: %s\n", l6_err_code(err.code), err.message);
  else if (r.queued || r.sent || r.retried || r.failed)
    fprintf(stderr, "ledger6: email notices: %d queued, %d sent, %d to retry, %d given up\n", r.queued, r.sent, r.retried,
            r.failed);
}

/* Reads a PEM file of serve's TLS (at most 1 MiB) into a NUL-terminated
 * text (free it); NULL after saying why. */
static char *read_pem(const char *path, const char *what) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "ledger6: cannot read the TLS %s %s: %s\n", what, path, strerror(errno));
    return NULL;
  }
  size_t cap = 1024 * 1024, n;
  char *buf = malloc(cap + 1);
  n = buf ? fread(buf, 1, cap + 1, f) : 0;
  fclose(f);
  if (buf == NULL || n == 0 || n > cap || strstr((buf[n] = '\0', buf), "-----BEGIN ") == NULL) {
    fprintf(stderr, "ledger6: the TLS %s %s is not a PEM file of at most 1 MiB\n", what, path);
    free(buf);
    return NULL;
  }
  return buf;
}

/* serve --admin-token: an administrator token is made once per store and
 * printed once, when made (only its hash is kept); a restart prints which
 * one is usable instead of minting another. A new one is made only when
 * every administrator token was revoked or has expired. */
static int admin_token_once(l6_svc *s) {
  l6_error err = {0};
  l6_token t;
  bool has;
  if (svc_token_admin_usable(s, &t, &has, &err) != L6_E_OK) return fail(&err);
  if (!has) return print_token(s, L6_ROLE_ADMIN, 0, "serve --admin-token", 0, "admin token: ");
  char when[32] = "never";
  if (t.expires) view_iso_time(t.expires, when);
  printf("admin token not minted: the store has one (token %lld, '%s', expires %s), printed when it was made; "
         "`ledger6 token create --role admin` makes another\n",
         (long long)t.id, t.label, when);
  return 0;
}

static int cmd_serve(const opts *o) {
  l6_error err = {0};
  if ((o->tls_cert == NULL) != (o->tls_key == NULL)) {
    fprintf(stderr, "ledger6: --tls-cert and --tls-key go together\n");
    return 2;
  }

  if (o->smtp_url && (o->smtp_from == NULL || (strncmp(o->smtp_url, "smtp://", 7) != 0 && strncmp(o->smtp_url, "smtps://", 8) != 0))) {
    fprintf(stderr, "ledger6: --smtp-url must be smtp://HOST[:PORT] or smtps://HOST[:PORT], with --smtp-from\n");
    return 2;
  }
  smtp_cfg = (l6_smtp_cfg){.url = o->smtp_url, .from = o->smtp_from, .tls = o->smtp_tls, .ca_file = o->smtp_ca,
                           .user = o->smtp_user, .password = o->smtp_user ? getenv("L6_SMTP_PASSWORD") : NULL,
                           .app_url = o->app_url, .retry_s = o->smtp_retry};
  l6_svc *s = open_svc(o, o->paranoid ? 2 : 1, &err);
  if (s == NULL) return fail(&err);
  if (open_keys(s, o) != 0 || (o->admin_token && admin_token_once(s) != 0)) {
    svc_close(s);
    return 1;
  }
  l6_http_ops hops = {.metrics = o->metrics, .access_log = o->access_log};
  if (http_ops_set(&hops, &err) != L6_E_OK) {
    svc_close(s);
    return fail(&err);
  }
  sign_head(s); /* the log as it is at start */
  bool hub = o->role && strcmp(o->role, "hub") == 0;
  if (o->role && !hub && strcmp(o->role, "registry") != 0) {
    fprintf(stderr, "ledger6: serve --role must be registry or hub\n");
    svc_close(s);
    return 2;
  }
  link_net_init();
  if ((o->link_faults && svc_link_faults(o->link_faults, &err) != L6_E_OK) ||
      (o->peers && svc_link_load(s, o->peers, hub, &err) != L6_E_OK) || (hub && !o->peers && svc_link_set_hub(s, &err) != L6_E_OK)) {
    svc_close(s);
    return fail(&err);
  }
  /* SIGINT and SIGTERM stay blocked in every thread (the HTTP workers and
   * the signer inherit the mask) and are taken only by sigsuspend below,
   * which unblocks them atomically: a signal can neither land in another
   * thread nor arrive between the check of stop_flag and the wait. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  svc_people_config(s, o->session_idle, o->session_max, o->pwhash_interactive ? L6_PWHASH_INTERACTIVE : L6_PWHASH_MODERATE);
  l6_http_opts hopts = o->http;
  char *cert = NULL, *key = NULL;
  if (o->tls_cert) {
    cert = read_pem(o->tls_cert, "certificate");
    key = cert ? read_pem(o->tls_key, "key") : NULL;
    if (key == NULL) {
      free(cert);
      pthread_sigmask(SIG_SETMASK, &old, NULL);
      svc_close(s);
      return 1;
    }
    hopts.tls_cert = cert;
    hopts.tls_key = key;
  }
  l6_http *h = http_start_opts(s, o->addr, o->port, o->web, &hopts, &err);
  if (key) sodium_memzero(key, strlen(key));
  free(key);
  free(cert);
  if (h == NULL) {
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    svc_close(s);
    return fail(&err);
  }
  http_set_secure_cookies(h, o->cookie_secure || o->tls_cert != NULL); /* TLS: Secure cookies; before the port is announced */
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sth_timer timer = {.svc = s, .interval_s = o->sth_interval, .run = sign_head};
  pthread_mutex_init(&timer.mu, NULL);
  pthread_cond_init(&timer.cv, NULL);
  pthread_t tid;
  bool timer_on = pthread_create(&tid, NULL, sth_main, &timer) == 0;
  if (!timer_on) fprintf(stderr, "ledger6: cannot start the tree head signer; heads are signed on demand only\n");
  /* The proposals' clock, every second (each round bounded: svc_proposals_tick). */
  sth_timer clock_timer = {.svc = s, .interval_s = 1, .run = proposals_tick};
  pthread_mutex_init(&clock_timer.mu, NULL);
  pthread_cond_init(&clock_timer.cv, NULL);
  pthread_t clock_tid;
  bool clock_on = pthread_create(&clock_tid, NULL, sth_main, &clock_timer) == 0;
  if (!clock_on) fprintf(stderr, "ledger6: cannot start the proposals clock; reads of proposals run it\n");
  link_timer ltimer = {.svc = s};
  pthread_mutex_init(&ltimer.mu, NULL);
  pthread_cond_init(&ltimer.cv, NULL);
  pthread_t link_tid;
  bool link_on = pthread_create(&link_tid, NULL, link_main, &ltimer) == 0;
  if (!link_on) fprintf(stderr, "ledger6: cannot start the link outbox\n");
  sth_timer rtimer = {.svc = s, .interval_s = o->link_reconcile, .run = link_reconcile_run};
  pthread_mutex_init(&rtimer.mu, NULL);
  pthread_cond_init(&rtimer.cv, NULL);
  pthread_t rec_tid;
  bool rec_on = o->link_reconcile > 0 && pthread_create(&rec_tid, NULL, sth_main, &rtimer) == 0;
  if (o->link_reconcile > 0 && !rec_on) fprintf(stderr, "ledger6: cannot start the periodic link reconciliation\n");
  sth_timer ntimer = {.svc = s, .interval_s = o->smtp_interval, .run = notices_run};
  pthread_mutex_init(&ntimer.mu, NULL);
  pthread_cond_init(&ntimer.cv, NULL);
  pthread_t notice_tid;
  bool notice_on = o->smtp_url && pthread_create(&notice_tid, NULL, sth_main, &ntimer) == 0;
  if (o->smtp_url && !notice_on) fprintf(stderr, "ledger6: cannot start the email notices\n");
  if (notice_on)
    fprintf(stderr, "ledger6: email notices through %s every %d s\n", o->smtp_url, o->smtp_interval);
  pthread_t warm_tid;
  bool warm_on = pthread_create(&warm_tid, NULL, stats_warm_main, s) == 0;
  printf("listening on %s://%s:%d/\n", o->tls_cert ? "https" : "http", o->addr, http_port(h));
  fflush(stdout);
  sigset_t wait_mask = old;
  sigdelset(&wait_mask, SIGINT);
  sigdelset(&wait_mask, SIGTERM);
  while (!stop_flag) sigsuspend(&wait_mask);
  if (warm_on) pthread_join(warm_tid, NULL);
  if (timer_on) {
    pthread_mutex_lock(&timer.mu);
    timer.stop = true;
    pthread_cond_signal(&timer.cv);
    pthread_mutex_unlock(&timer.mu);
    pthread_join(tid, NULL);
  }
  pthread_cond_destroy(&timer.cv);
  pthread_mutex_destroy(&timer.mu);
  if (clock_on) {
    pthread_mutex_lock(&clock_timer.mu);
    clock_timer.stop = true;
    pthread_cond_signal(&clock_timer.cv);
    pthread_mutex_unlock(&clock_timer.mu);
    pthread_join(clock_tid, NULL);
  }
  pthread_cond_destroy(&clock_timer.cv);
  pthread_mutex_destroy(&clock_timer.mu);
  if (rec_on) {
    pthread_mutex_lock(&rtimer.mu);
    rtimer.stop = true;
    pthread_cond_signal(&rtimer.cv);
    pthread_mutex_unlock(&rtimer.mu);
    pthread_join(rec_tid, NULL);
  }
  pthread_cond_destroy(&rtimer.cv);
  pthread_mutex_destroy(&rtimer.mu);
  if (notice_on) {
    pthread_mutex_lock(&ntimer.mu);
    ntimer.stop = true;
    pthread_cond_signal(&ntimer.cv);
    pthread_mutex_unlock(&ntimer.mu);
    pthread_join(notice_tid, NULL);
  }
  pthread_cond_destroy(&ntimer.cv);
  pthread_mutex_destroy(&ntimer.mu);
  if (link_on) {
    pthread_mutex_lock(&ltimer.mu);
    ltimer.stop = true;
    pthread_cond_signal(&ltimer.cv);
    pthread_mutex_unlock(&ltimer.mu);
    pthread_join(link_tid, NULL);
  }
  pthread_cond_destroy(&ltimer.cv);
  pthread_mutex_destroy(&ltimer.mu);
  http_stop(h);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
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
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    printf("ledger6 %s\n", l6_version);
    return 0;
  }
  if (strcmp(cmd, "token") == 0) return cmd_token(argc - 1, argv + 1);
  if (cli_cycle_has(cmd)) return cli_cycle_main(argc - 1, argv + 1); /* cycle_cli.c */
  if (cli_a6_has(cmd)) return cli_a6_main(argc - 1, argv + 1);       /* a6_cli.c */
  if (cli_nma_has(cmd)) return cli_nma_main(argc - 1, argv + 1);     /* nma_cli.c */
  if (cli_ets_has(cmd)) return cli_ets_main(argc - 1, argv + 1);     /* ets_cli.c */
  if (cli_ex_has(cmd)) return cli_ex_main(argc - 1, argv + 1);       /* ex_cli.c */
  if (cli_import_has(cmd)) return cli_import_main(argc - 1, argv + 1); /* import_cli.c */
  if (cli_cadt_has(cmd)) return cli_cadt_main(argc - 1, argv + 1); /* cadt_cli.c */
  if (cli_cadt_has(cmd)) return cli_cadt_main(argc - 1, argv + 1);     /* cadt_cli.c */
  if (strcmp(cmd, "key") == 0) return cmd_key(argc - 1, argv + 1);
  opts o;
  if (parse_opts(argc - 1, argv + 1, &o) != 0) return 2;
  if (strcmp(cmd, "serve") == 0) return o.help ? (fputs(usage_serve, stdout), 0) : cmd_serve(&o);
  if (strcmp(cmd, "init") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "init", "Creates or migrates the store and loads the configuration.\n"), 0) : cmd_init(&o);
  if (strcmp(cmd, "demo") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "demo", "Fills an empty store with the demo registry.\n"), 0) : cmd_demo(&o);
  if (strcmp(cmd, "verify") == 0) return cmd_verify(&o);
  if (strcmp(cmd, "link") == 0) return cmd_link(&o);
  if (strcmp(cmd, "check") == 0)
    return o.help ? (printf(USAGE_SIMPLE, "check", "Verifies that every batch's blocks partition its serials.\n"), 0)
                  : cmd_check(&o);
  fprintf(stderr, "ledger6: unknown command '%s'\n%s", cmd, usage_main);
  return 2;
}
