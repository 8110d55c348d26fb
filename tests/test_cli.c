/*
 * test_cli.c -- the ledger6 command line, black box: every command's
 * --help, exit codes (0 ok, 1 refused, 2 usage), init/demo/check on a
 * fresh store (SQLite, or PostgreSQL when L6_STORE names a server), token
 * creation, listing and revocation, error messages that carry the stable error code, the --db
 * alias, a store that cannot be reached (its password never shown), and
 * the split of the Debian packages between `make run` and `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib.h"

static tl_store store;
static char out[16384];

/* Runs `ledger6 ARGS` with stderr folded into stdout; returns the exit
 * status and leaves the output in `out`. */
static int run(const char *fmt, ...) {
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char keys[200] = "";
  if (store.db[0] && strstr(args, "--keys") == NULL) /* PostgreSQL: the key file goes to a folder of ours */
    snprintf(keys, sizeof keys, "--keys %s/%s.keys", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", store.db);
  snprintf(cmd, sizeof cmd, "%s %s --store '%s' %s --config %s/config 2>&1", bin, args, store.spec, keys, src);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state) { return tl_store_make(&store, "cli", 0); }

static int teardown(void **state) {
  if (store.db[0]) {
    char keys[200];
    snprintf(keys, sizeof keys, "%s/%s.keys", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", store.db);
    unlink(keys);
  }
  return tl_store_free(&store);
}

/* Runs a whole command line (stderr folded in); output in `out`. */
static int run_line(const char *cmd) {
  char full[4096];
  snprintf(full, sizeof full, "%s 2>&1", cmd);
  FILE *p = popen(full, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_help(void **state) {
  static const char *const cmds[] = {"--help",       "init --help",         "serve --help", "demo --help",
                                     "check --help", "token create --help", "verify --help", "key --help",
                                     "key list --help", "ets --help"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    assert_int_equal(run("%s", cmds[i]), 0);
    assert_non_null(strstr(out, "usage: ledger6"));
  }
}

static void test_usage_errors(void **state) {
  assert_int_equal(run("frobnicate"), 2);
  assert_non_null(strstr(out, "unknown command 'frobnicate'"));
  assert_int_equal(run("serve --port 70000"), 2);
  assert_non_null(strstr(out, "--port must be 0-65535"));
  assert_int_equal(run("token create --role emperor"), 2);
  assert_non_null(strstr(out, "--role must be admin, holder, auditor, validator, authority, mechanism-admin or reviewer"));
  assert_int_equal(run("verify"), 2); /* neither a certificate nor --store */
  assert_non_null(strstr(out, "usage: ledger6 verify"));
  assert_int_equal(run("verify a.json b.json --key 00"), 2);
  assert_int_equal(run("verify --store extra"), 2);
  assert_int_equal(run("verify --store"), 1); /* before init: there is no store, and none is made */
  assert_non_null(strstr(out, "no store at"));
  assert_int_equal(run("key frobnicate"), 2);
  assert_non_null(strstr(out, "usage: ledger6 key"));
  assert_int_equal(run("serve --sth-interval 0"), 2);
  assert_non_null(strstr(out, "--sth-interval must be"));
  assert_int_equal(run("serve --request-timeout 0"), 2); /* transport limits (docs/OPERATIONS.md) */
  assert_non_null(strstr(out, "--request-timeout must be 1-3600"));
  assert_int_equal(run("serve --token-write-rate fast"), 2);
  assert_non_null(strstr(out, "--token-write-rate must be N/s, N/min or N/h"));
  assert_int_equal(run("serve --auth-fail-rate 5/min,0"), 2);
  assert_int_equal(run("serve --conns-per-ip 1000"), 2);
  assert_int_equal(run("serve --tls-cert cert.pem"), 2);
  assert_non_null(strstr(out, "--tls-cert and --tls-key go together"));
  assert_int_equal(run("ets report --year 2023"), 2); /* no --scheme */
  assert_non_null(strstr(out, "usage: ledger6 ets"));
  assert_int_equal(run("ets dry-run --scheme S --entity E --year 2023 --item 1:5-4"), 2);
  assert_non_null(strstr(out, "--item must be BATCH:FIRST-LAST"));
}

static void test_init_demo_check_token(void **state) {
  assert_int_equal(run("init"), 0);
  assert_non_null(strstr(out, "initialised store"));
  assert_int_equal(run("init"), 0); /* idempotent: migrations and config load again cleanly */
  assert_int_equal(run("demo"), 0);
  assert_non_null(strstr(out, "demo registry"));
  assert_int_equal(run("demo"), 1); /* never over existing data */
  assert_non_null(strstr(out, "error already_exists"));
  assert_int_equal(run("check"), 0);
  assert_non_null(strstr(out, "ok: every issuance batch"));
  /* the demo's two ETS surrenders, in the compliance reports */
  assert_int_equal(run("ets report --scheme GD-ETS --year 2023 --format csv"), 0);
  assert_non_null(strstr(out, "GZ.PEARL,Guangzhou Pearl River Power Co.,confirmed,100000,90000,90000,10000,0,0,compliant,"));
  assert_int_equal(run("ets report --scheme FJ-ETS --year 2023 --format csv"), 0);
  assert_non_null(strstr(out, "FZ.MINJIANG,Fuzhou Minjiang Cement Co.,confirmed,50000,45000,45000,4500,500,5000000,shortfall,"));
  assert_int_equal(run("ets report --scheme NONE --year 2023"), 3);
  assert_non_null(strstr(out, "error unknown_scheme"));
  /* init made a signing key; the demo's transactions are all in the log. */
  assert_int_equal(run("key list"), 0);
  assert_non_null(strstr(out, "current"));
  assert_int_equal(run("verify --store"), 0);
  assert_non_null(strstr(out, "valid: "));
  assert_non_null(strstr(out, "no signed tree head yet"));
  assert_int_equal(run("token create --role auditor --label ci"), 0);
  assert_non_null(strstr(out, "l6_"));
  assert_int_equal(strlen(out), 3 + 48 + 1); /* the token and a newline, nothing else */
  assert_int_equal(run("token create --role holder --label x"), 1);
  assert_non_null(strstr(out, "error missing_field"));
  assert_int_equal(run("token create --role holder --org 999 --label x"), 1);
  assert_non_null(strstr(out, "error unknown_organisation"));
  assert_int_equal(run("token create --role holder --org 1 --label x"), 0);
  /* issue 15: lifetimes, list, revoke */
  assert_int_equal(run("token create --role admin --days 31"), 1); /* admin tokens live 30 days at most */
  assert_non_null(strstr(out, "error invalid_value"));
  assert_int_equal(run("token create --role admin --days 0"), 2);
  assert_int_equal(run("token create --role admin --days 2 --label short"), 0);
  assert_int_equal(run("token list"), 0);
  assert_non_null(strstr(out, "auditor         -      active   "));
  assert_non_null(strstr(out, " short"));
  assert_null(strstr(out, "l6_")); /* never a secret */
  assert_int_equal(run("token revoke 1"), 0);
  assert_non_null(strstr(out, "token 1 revoked at "));
  assert_int_equal(run("token list"), 0);
  assert_non_null(strstr(out, "\n1      auditor         -      revoked  "));
  assert_int_equal(run("token revoke 999"), 1);
  assert_non_null(strstr(out, "error unknown_token"));
  assert_int_equal(run("token revoke x"), 2);
  assert_int_equal(run("token revoke"), 2);
}

/* issue 15, set-up: `make run` installs only what building and running
 * need; the test packages come with `make check` (and CI). */
static void test_deps_split(void **state) {
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "sh %s/scripts/deps.sh --list", src);
  assert_int_equal(run_line(cmd), 0);
  static const char *const runs[] = {"build-essential", "pkg-config", "libmicrohttpd-dev", "libjansson-dev",
                                     "libsqlite3-dev", "libsodium-dev", "libpq-dev",
                                     "libcurl4-openssl-dev"}; /* the links between registries send with libcurl (issue 19) */
  static const char *const tests[] = {"libcmocka-dev", "chromium", "nodejs", "npm"};
  char want[64];
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    snprintf(want, sizeof want, "%s\n", runs[i]);
    assert_non_null(strstr(out, want));
  }
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    snprintf(want, sizeof want, "\n%s\n", tests[i]);
    if (strstr(out, want)) fail_msg("make run would install %s", tests[i]);
  }
  snprintf(cmd, sizeof cmd, "sh %s/scripts/deps.sh --list --test", src);
  assert_int_equal(run_line(cmd), 0);
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    snprintf(want, sizeof want, "\n%s\n", tests[i]);
    assert_non_null(strstr(out, want));
  }
  /* The Makefile: run takes `deps` (no --test), check takes `deps-test`. */
  snprintf(cmd, sizeof cmd,
           "grep -qx 'run: deps' %s/Makefile && grep -qx 'check: deps-test' %s/Makefile && "
           "grep -A1 -x 'deps:' %s/Makefile | grep -qx '.@sh scripts/deps.sh' && "
           "grep -A1 -x 'deps-test:' %s/Makefile | grep -qx '.@sh scripts/deps.sh --test'",
           src, src, src, src);
  assert_int_equal(run_line(cmd), 0);
}

static void test_bad_config(void **state) {
  char *bad = tl_tmpdir_make("cfg");
  assert_non_null(bad);
  tl_store fresh;
  assert_int_equal(tl_store_make(&fresh, "cfg", 0), 0);
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "mkdir -p %s/programmes && printf 'CHE\\tSwitzerland\\n' > %s/iso3166-1.tsv && "
           "printf '{\"code\":\"X\",\"name\":\"x\",\"kind\":\"k\",\"unit_types\":[{\"code\":\"bad code\",\"name\":\"n\"}]}' "
           "> %s/programmes/x.json",
           bad, bad, bad);
  assert_int_equal(system(cmd), 0);
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  snprintf(cmd, sizeof cmd, "%s init --store '%s' --config %s 2>&1", bin, fresh.spec, bad);
  FILE *p = popen(cmd, "r");
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  assert_int_equal(WEXITSTATUS(st), 1);
  /* The file, the key and the reason. */
  assert_non_null(strstr(out, "x.json"));
  assert_non_null(strstr(out, "unit_types[0]"));
  tl_tmpdir_remove(bad);
  tl_store_free(&fresh);
}

/* --db PATH is the old name of --store: an SQLite file, whatever L6_STORE. */
static void test_db_alias(void **state) {
  char *d = tl_tmpdir_make("alias");
  assert_non_null(d);
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "%s init --db %s/sub/old.db --config %s/config", bin, d, src);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "old.db"));
  snprintf(cmd, sizeof cmd, "%s check --db %s/sub/old.db --config %s/config", bin, d, src);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "ok: every issuance batch"));
  tl_tmpdir_remove(d);
}

/* Issue 14: `ledger6 check` failed outside the source folder ("cannot read
 * config/iso3166-1.tsv"). Without --config the binary finds its
 * configuration: $LEDGER6_CONFIG, else ./config, else the folder next to the
 * binary (here the source tree's, from build/ledger6). */
static void test_config_from_any_folder(void **state) {
  char *d = tl_tmpdir_make("anywhere");
  assert_non_null(d);
  const char *bin0 = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  const char *src0 = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char *bin = realpath(bin0, NULL), *src = realpath(src0, NULL);
  assert_non_null(bin);
  assert_non_null(src);
  char cmd[8192], want[4200];
  /* From a folder with no config/: the binary's own. */
  snprintf(cmd, sizeof cmd, "cd %s && env -u LEDGER6_CONFIG %s init --store %s/l.db", d, bin, d);
  assert_int_equal(run_line(cmd), 0);
  snprintf(want, sizeof want, "with the configuration in %s/config\n", src);
  assert_non_null(strstr(out, want));
  snprintf(cmd, sizeof cmd, "cd %s && env -u LEDGER6_CONFIG %s check --store %s/l.db", d, bin, d);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "ok: every issuance batch"));
  snprintf(cmd, sizeof cmd, "cd / && env -u LEDGER6_CONFIG %s mechanisms", bin);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "mechanism definitions loaded from"));
  /* $LEDGER6_CONFIG comes first, taken as it is; --config before it. */
  snprintf(cmd, sizeof cmd, "cd %s && LEDGER6_CONFIG=%s/nothing %s check --store %s/l.db", d, d, bin, d);
  assert_int_equal(run_line(cmd), 1);
  snprintf(want, sizeof want, "cannot read %s/nothing/iso3166-1.tsv", d);
  assert_non_null(strstr(out, want));
  snprintf(cmd, sizeof cmd, "cd %s && LEDGER6_CONFIG=%s/nothing %s check --store %s/l.db --config %s/config", d, d, bin,
           d, src);
  assert_int_equal(run_line(cmd), 0);
  /* ./config, when it is one, before the binary's. */
  snprintf(cmd, sizeof cmd, "cp -r %s/config %s/config && cd %s && env -u LEDGER6_CONFIG %s init --store %s/l.db", src, d,
           d, bin, d);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "with the configuration in config\n"));
  /* The help says where it looks. */
  snprintf(cmd, sizeof cmd, "%s --help", bin);
  assert_int_equal(run_line(cmd), 0);
  assert_non_null(strstr(out, "$LEDGER6_CONFIG"));
  free(bin);
  free(src);
  tl_tmpdir_remove(d);
}

/* A PostgreSQL store nobody listens for: a clear store_error naming the
 * store, with the password hidden. */
static void test_store_unreachable(void **state) {
  const char *bin = getenv("L6_BIN") ? getenv("L6_BIN") : "build/ledger6";
  const char *src = getenv("L6_SRCDIR") ? getenv("L6_SRCDIR") : ".";
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "%s check --store 'postgres://l6:s3cret@127.0.0.1:1/ledger?connect_timeout=2' --config %s/config", bin,
           src);
  assert_int_equal(run_line(cmd), 1);
  assert_non_null(strstr(out, "error store_error: cannot open store postgres://l6:***@127.0.0.1:1/ledger"));
  assert_null(strstr(out, "s3cret"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_help),
      cmocka_unit_test(test_usage_errors),
      cmocka_unit_test(test_init_demo_check_token),
      cmocka_unit_test(test_deps_split),
      cmocka_unit_test(test_bad_config),
      cmocka_unit_test(test_db_alias),
      cmocka_unit_test(test_config_from_any_folder),
      cmocka_unit_test(test_store_unreachable),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
