/*
 * cycle_cli.c -- the command line of crediting mechanisms and the project
 * cycle:
 *
 *   ledger6 mechanisms [--config DIR]               list the definitions, or say which is malformed
 *   ledger6 calc NAME INPUT=VALUE...                run a methodology calculator
 *   ledger6 document FILE --media-type TYPE [--name NAME] [--store SPEC] [--config DIR]
 *   ledger6 accredit --org ID --mechanism CODE --scope S[,S...] [--store SPEC] [--config DIR]
 *   ledger6 cycle --token TOKEN submit BODY | step ACTIVITY BODY | report ACTIVITY BODY
 *                 | period ACTIVITY N BODY | transition BODY  [--store SPEC] [--config DIR]
 *   ledger6 activity [ID] [--store SPEC] [--config DIR]
 *
 * `cycle` takes the API's JSON body (text, @FILE, or - for stdin) and runs
 * it through the API's own handler (src/api/api_cycle.c) as the token's
 * actor, so the CLI and the API accept exactly the same requests. The
 * operator on the machine accredits validators as the mechanism
 * administrator. Replies are printed as JSON; errors as
 * "ledger6: error CODE: message" with exit status 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../api/api_int.h"
#include "../api/jsonin.h"
#include "../service/cycle.h"
#include "cli.h"

static const char *usage =
    "usage:\n"
    "  ledger6 mechanisms [--config DIR]\n"
    "      List the crediting mechanism definitions of DIR/mechanisms (code, unit type,\n"
    "      file, SHA-256). A malformed file is named with its key and the reason; exit 1.\n"
    "  ledger6 calc NAME INPUT=VALUE...\n"
    "      Run a methodology calculator: grid-renewable, methane-destruction,\n"
    "      cookstoves, afforestation (inputs: docs/API.md). Prints whole tonnes.\n"
    "  ledger6 document FILE --media-type TYPE [--name NAME]\n"
    "      Register a document. Up to 40 KiB its bytes are stored; a larger file is\n"
    "      registered by its SHA-256 and size (its bytes stay with you). Prints the hash.\n"
    "  ledger6 accredit --org ID --mechanism CODE --scope S[,S...]\n"
    "      Accredit a validator organisation for sectoral scopes (as the mechanism\n"
    "      administrator).\n"
    "  ledger6 cycle --token TOKEN submit BODY\n"
    "  ledger6 cycle --token TOKEN step ACTIVITY BODY\n"
    "  ledger6 cycle --token TOKEN report ACTIVITY BODY\n"
    "  ledger6 cycle --token TOKEN period ACTIVITY N BODY\n"
    "  ledger6 cycle --token TOKEN transition BODY\n"
    "      A project-cycle request with the API's JSON body (text, @FILE or -), as the\n"
    "      token's role: POST /v1/activities, .../steps, .../periods,\n"
    "      .../periods/N/steps, /v1/transitions.\n"
    "  ledger6 activity [ID]\n"
    "      An activity with its periods and step trail, or the list of activities.\n"
    "Every command but calc takes --db PATH (default data/ledger6.db) and --config DIR\n"
    "(default: $LEDGER6_CONFIG, ./config, or the config folder next to the binary; see ledger6 --help).\n";

static const char *const commands[] = {"mechanisms", "calc", "document", "accredit", "cycle", "activity", NULL};

bool cli_cycle_has(const char *cmd) {
  for (const char *const *c = commands; *c; c++)
    if (strcmp(*c, cmd) == 0) return true;
  return false;
}

typedef struct {
  const char *db, *config, *token, *media_type, *name, *mechanism, *scope;
  long long org;
  bool help;
} copts;

/* Parses options; the operands are left in argv[optind..argc). */
static int parse(int argc, char **argv, copts *o) {
  static const struct option longs[] = {{"db", required_argument, NULL, 'd'}, {"store", required_argument, NULL, 'd'}, {"keys", required_argument, NULL, 'K'},
                                        {"config", required_argument, NULL, 'c'},
                                        {"token", required_argument, NULL, 't'},
                                        {"media-type", required_argument, NULL, 'm'},
                                        {"name", required_argument, NULL, 'n'},
                                        {"mechanism", required_argument, NULL, 'M'},
                                        {"scope", required_argument, NULL, 's'},
                                        {"org", required_argument, NULL, 'o'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  *o = (copts){.db = "data/ledger6.db", .config = cli_config_default()};
  optind = 1;
  int ch;
  while ((ch = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': o->db = optarg; break;
    case 'c': o->config = optarg; break;
    case 'K': break; /* the signing key file: these commands sign nothing */
    case 't': o->token = optarg; break;
    case 'm': o->media_type = optarg; break;
    case 'n': o->name = optarg; break;
    case 'M': o->mechanism = optarg; break;
    case 's': o->scope = optarg; break;
    case 'o': o->org = atoll(optarg); break;
    case 'h': o->help = true; break;
    default: return -1;
    }
  }
  return 0;
}

static int fail(const l6_error *err) {
  fprintf(stderr, "ledger6: error %s: %s\n", l6_err_code(err->code), err->message);
  if (err->code == L6_E_WRONG_STATE && err->expected[0]) fprintf(stderr, "ledger6: expected state: %s\n", err->expected);
  return 1;
}

static int print_json(json_t *v) {
  char *t = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  if (t) puts(t);
  free(t);
  json_decref(v);
  return 0;
}

static int cmd_mechanisms(const copts *o) {
  l6_error err = {0};
  l6_svc *s = cli_open(":memory:", o->config, &err);
  if (s == NULL) return fail(&err);
  json_t *out = NULL;
  l6_actor pub = {.role = L6_ROLE__NONE};
  if (svc_mechanism_list(s, &pub, &out, &err) != L6_E_OK) {
    svc_close(s);
    return fail(&err);
  }
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(out, "items"), i, m)
    printf("%-8s %-8s %-12s %s\n", json_string_value(json_object_get(m, "code")),
           json_string_value(json_object_get(m, "unit_type")), json_string_value(json_object_get(m, "file")),
           json_string_value(json_object_get(m, "hash")));
  printf("%zu mechanism definitions loaded from %s/mechanisms\n", json_array_size(json_object_get(out, "items")), o->config);
  json_decref(out);
  svc_close(s);
  return 0;
}

static int cmd_calc(int argc, char **argv) {
  if (argc < 1) {
    fputs(usage, stderr);
    return 2;
  }
  l6_calc_arg in[L6_CALC_MAX_INPUTS];
  size_t n = 0;
  l6_error err = {0};
  for (int i = 1; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    char *end = NULL;
    if (eq == NULL || eq == argv[i] || (size_t)(eq - argv[i]) >= sizeof in[0].name || n == L6_CALC_MAX_INPUTS) {
      fprintf(stderr, "ledger6: inputs are INPUT=INTEGER (at most %d)\n", L6_CALC_MAX_INPUTS);
      return 2;
    }
    snprintf(in[n].name, sizeof in[n].name, "%.*s", (int)(eq - argv[i]), argv[i]);
    in[n].value = strtoll(eq + 1, &end, 10);
    if (end == eq + 1 || *end) {
      fprintf(stderr, "ledger6: %s: the value must be an integer\n", argv[i]);
      return 2;
    }
    n++;
  }
  l6_qty t = 0;
  if (svc_calc(argv[0], in, n, &t, &err) != L6_E_OK) return fail(&err);
  printf("%lld\n", (long long)t);
  return 0;
}

/* Reads a whole file (at most max bytes; *len gets its size either way). */
static unsigned char *slurp(const char *path, size_t max, size_t *len, bool *too_big) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  size_t k;
  *too_big = false;
  while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      if (cap > max && max > 0) *too_big = true;
      unsigned char *nb = realloc(buf, cap * 2);
      if (nb == NULL) free(buf);
      buf = nb;
      cap *= 2;
    }
  }
  if (f != stdin) fclose(f);
  *len = n;
  return buf;
}

static int cmd_document(const copts *o, int argc, char **argv) {
  if (argc != 1 || o->media_type == NULL) {
    fputs(usage, stderr);
    return 2;
  }
  size_t len = 0;
  bool big = false;
  unsigned char *bytes = slurp(argv[0], 0, &len, &big);
  if (bytes == NULL) {
    fprintf(stderr, "ledger6: cannot read %s\n", argv[0]);
    return 1;
  }
  const char *base = strrchr(argv[0], '/');
  const char *name = o->name ? o->name : base ? base + 1 : argv[0];
  l6_error err = {0};
  l6_svc *s = cli_open(o->db, o->config, &err);
  if (s == NULL) {
    free(bytes);
    return fail(&err);
  }
  static const l6_actor op = {.role = L6_ROLE_ADMIN, .name = "cli"};
  json_t *out = NULL;
  l6_err e;
  if (len <= L6_MAX_DOC_BYTES) {
    e = svc_document_put(s, &op, name, o->media_type, bytes, len, NULL, 0, &out, &err);
  } else { /* by hash and size: the bytes stay where they are */
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[65];
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    e = svc_document_put(s, &op, name, o->media_type, NULL, 0, hex, (int64_t)len, &out, &err);
  }
  free(bytes);
  svc_close(s);
  return e == L6_E_OK ? print_json(out) : fail(&err);
}

static int cmd_accredit(const copts *o) {
  if (o->org <= 0 || o->mechanism == NULL || o->scope == NULL) {
    fputs(usage, stderr);
    return 2;
  }
  char scopes[L6_MAX_SCOPES][L6_CODE_MAX + 1];
  size_t n = 0;
  const char *p = o->scope;
  while (*p && n < L6_MAX_SCOPES) {
    size_t k = strcspn(p, ",");
    snprintf(scopes[n++], sizeof scopes[0], "%.*s", (int)(k < L6_CODE_MAX ? k : L6_CODE_MAX), p);
    p += k + (p[k] == ',');
  }
  l6_error err = {0};
  l6_svc *s = cli_open(o->db, o->config, &err);
  if (s == NULL) return fail(&err);
  static const l6_actor ma = {.role = L6_ROLE_MECHANISM_ADMIN, .name = "cli"};
  json_t *out = NULL;
  l6_err e = svc_accredit(s, &ma, (l6_id)o->org, o->mechanism, (const char(*)[L6_CODE_MAX + 1])scopes, n, &out, &err);
  svc_close(s);
  return e == L6_E_OK ? print_json(out) : fail(&err);
}

/* BODY: JSON text, @FILE, or - (stdin). */
static json_t *body_of(const char *arg, l6_error *err) {
  size_t len = 0;
  bool big = false;
  unsigned char *text = NULL;
  if (arg[0] == '@' || strcmp(arg, "-") == 0) {
    text = slurp(arg[0] == '@' ? arg + 1 : arg, L6_MAX_BODY_BYTES, &len, &big);
    if (text == NULL) {
      l6_fail(err, L6_E_BAD_JSON, "cannot read %s", arg);
      return NULL;
    }
  } else {
    len = strlen(arg);
    text = (unsigned char *)strdup(arg);
  }
  json_t *v = NULL;
  if (json_parse_body((const char *)text, len, &v, err) != L6_E_OK) v = NULL;
  free(text);
  return v;
}

static int cmd_cycle(const copts *o, int argc, char **argv) {
  static const struct {
    const char *verb;
    int operands; /* path operands before BODY */
    handler_fn fn;
  } verbs[] = {{"submit", 0, h_activity_post},
               {"step", 1, h_activity_step},
               {"report", 1, h_period_post},
               {"period", 2, h_period_step},
               {"transition", 0, h_transition_post}};
  if (argc < 1 || o->token == NULL) {
    fputs(usage, stderr);
    return 2;
  }
  size_t v = 0;
  while (v < sizeof verbs / sizeof verbs[0] && strcmp(verbs[v].verb, argv[0]) != 0) v++;
  if (v == sizeof verbs / sizeof verbs[0] || argc != 2 + verbs[v].operands) {
    fputs(usage, stderr);
    return 2;
  }
  l6_error err = {0};
  json_t *body = body_of(argv[argc - 1], &err);
  if (body == NULL) return fail(&err);
  l6_svc *s = cli_open(o->db, o->config, &err);
  if (s == NULL) {
    json_decref(body);
    return fail(&err);
  }
  req r = {.svc = s, .conn = NULL, .method = "POST", .body = body, .status = 200};
  for (int i = 0; i < verbs[v].operands; i++) r.param[i] = argv[1 + i];
  json_t *out = NULL;
  l6_err e = svc_authenticate(s, o->token, &r.actor, &err);
  if (e == L6_E_OK && r.actor.role == L6_ROLE__NONE) e = l6_fail(&err, L6_E_UNAUTHORIZED, "a token is required");
  if (e == L6_E_OK) e = verbs[v].fn(&r, &out, &err);
  if (e != L6_E_OK && err.code != e) l6_fail(&err, e, NULL);
  json_decref(body);
  svc_close(s);
  return e == L6_E_OK ? print_json(out) : fail(&err);
}

static int cmd_activity(const copts *o, int argc, char **argv) {
  if (argc > 1) {
    fputs(usage, stderr);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = cli_open(o->db, o->config, &err);
  if (s == NULL) return fail(&err);
  static const l6_actor pub = {.role = L6_ROLE__NONE};
  json_t *out = NULL;
  l6_page pg = {.limit = L6_MAX_PAGE};
  l6_err e = argc == 1 ? svc_activity_get(s, &pub, argv[0], &out, &err)
                       : svc_activity_list(s, &pub, NULL, NULL, &pg, &out, &err);
  svc_close(s);
  return e == L6_E_OK ? print_json(out) : fail(&err);
}

int cli_cycle_main(int argc, char **argv) {
  const char *cmd = argv[0];
  copts o;
  if (parse(argc, argv, &o) != 0) return 2;
  if (o.help) return fputs(usage, stdout), 0;
  int nops = argc - optind;
  char **ops = argv + optind;
  if (strcmp(cmd, "mechanisms") == 0) return nops ? (fputs(usage, stderr), 2) : cmd_mechanisms(&o);
  if (strcmp(cmd, "calc") == 0) return cmd_calc(nops, ops);
  if (strcmp(cmd, "document") == 0) return cmd_document(&o, nops, ops);
  if (strcmp(cmd, "accredit") == 0) return nops ? (fputs(usage, stderr), 2) : cmd_accredit(&o);
  if (strcmp(cmd, "cycle") == 0) return cmd_cycle(&o, nops, ops);
  return cmd_activity(&o, nops, ops);
}
