/*
 * test_fuzz_replay.c -- replays the saved fuzz corpus (fuzz/corpus/<name>/)
 * through the fuzzers' own checks (fuzz/fuzz_checks.h), so every build runs
 * the corpus without libFuzzer.
 *
 * The repository root is $L6_SRCDIR, else the current directory. One test
 * per table entry: it fails if the entry's corpus directory is missing or
 * empty, or if any file fails the check (the message names the file). A
 * further test fails if fuzz/corpus/ holds a directory no entry replays, so
 * a new corpus cannot be forgotten.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../fuzz/fuzz_checks.h"
#include "testlib.h"

typedef struct {
  const char *name;    /* corpus directory under fuzz/corpus/ */
  fuzz_check_fn check; /* the property the fuzzer checks */
} replay_target;

/* One line per fuzz target. */
static const replay_target targets[] = {
    {"serial", fuzz_check_serial},
    {"json", fuzz_check_json},
    {"cert", fuzz_check_cert},
    {"book", fuzz_check_book},
    {"pdf", fuzz_check_pdf},
    {"csv", fuzz_check_csv},
    {"mech", fuzz_check_mech},
    {"params", fuzz_check_params},
    {"reading", fuzz_check_reading},
};

#define NTARGETS (sizeof targets / sizeof targets[0])

/* Writes "a/b" into buf; fails the test if it does not fit. */
static void join(char *buf, size_t cap, const char *a, const char *b) {
  int n = snprintf(buf, cap, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= cap) fail_msg("path too long: %s/%s", a, b);
}

/* The corpus root, $L6_SRCDIR/fuzz/corpus, written into buf. */
static void corpus_root(char *buf, size_t cap) {
  const char *src = getenv("L6_SRCDIR");
  if (src == NULL || src[0] == '\0') src = ".";
  join(buf, cap, src, "fuzz/corpus");
}

/* Reads a whole file into a malloc'd buffer (caller frees); the size goes
 * to *size. Fails the test on any error. */
static uint8_t *read_all(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fail_msg("cannot open %s: %s", path, strerror(errno));
    return NULL; /* not reached: fail_msg jumps out of the test */
  }
  size_t cap = 4096, len = 0;
  uint8_t *buf = malloc(cap);
  while (buf != NULL) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    cap *= 2;
    uint8_t *bigger = realloc(buf, cap);
    if (bigger == NULL) free(buf);
    buf = bigger;
  }
  int bad = ferror(f);
  fclose(f);
  if (buf == NULL || bad) {
    free(buf);
    fail_msg("cannot read %s", path);
    return NULL;
  }
  *size = len;
  return buf;
}

/*
 * Runs every regular file of dir (names starting with '.' skipped) through
 * check. Returns NULL when all pass, with the count in *files; else a
 * message naming the first failing file, in msg. Fails the test if dir
 * cannot be read.
 */
static const char *replay_dir(const char *dir, fuzz_check_fn check, size_t *files, char *msg,
                              size_t cap) {
  char path[8192];
  DIR *d = opendir(dir);
  if (d == NULL) fail_msg("corpus %s: %s (set L6_SRCDIR to the repository root)", dir, strerror(errno));
  *files = 0;
  const char *result = NULL;
  struct dirent *de;
  while (result == NULL && (de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue; /* ".", "..", editor droppings */
    join(path, sizeof path, dir, de->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    size_t size = 0;
    uint8_t *data = read_all(path, &size);
    const char *fail = check(data, size);
    free(data);
    if (fail != NULL) {
      int n = snprintf(msg, cap, "%s: %s", path, fail); /* may be cut; still names the file */
      assert_true(n > 0);
      result = msg;
    }
    (*files)++;
  }
  closedir(d);
  return result;
}

static void test_replay(void **state) {
  const replay_target *t = *state;
  char root[4096], dir[4096], msg[8192];
  corpus_root(root, sizeof root);
  join(dir, sizeof dir, root, t->name);
  size_t files;
  const char *fail = replay_dir(dir, t->check, &files, msg, sizeof msg);
  if (fail != NULL) fail_msg("%s", fail);
  if (files == 0) fail_msg("corpus %s is empty", dir);
  print_message("replayed %zu %s input(s) from %s\n", files, t->name, dir);
}

/* Every directory under fuzz/corpus/ must have a table entry. */
static void test_every_corpus_has_a_check(void **state) {
  (void)state;
  char root[4096], path[8192];
  corpus_root(root, sizeof root);
  DIR *d = opendir(root);
  if (d == NULL) fail_msg("corpus root %s: %s (set L6_SRCDIR to the repository root)", root, strerror(errno));
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') continue;
    join(path, sizeof path, root, de->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    size_t i = 0;
    while (i < NTARGETS && strcmp(targets[i].name, de->d_name) != 0) i++;
    if (i == NTARGETS) {
      closedir(d);
      fail_msg("fuzz/corpus/%s has no entry in the table of test_fuzz_replay.c", de->d_name);
    }
  }
  closedir(d);
}

/* A check that rejects any input containing "BAD", to prove the replay
 * reports a failing file instead of passing everything. */
static const char *check_rejects_bad(const uint8_t *data, size_t size) {
  for (size_t i = 0; i + 3 <= size; i++)
    if (memcmp(data + i, "BAD", 3) == 0) return "input contains BAD";
  return NULL;
}

static void write_file(const char *dir, const char *name, const char *text) {
  char path[8192];
  join(path, sizeof path, dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
  assert_int_equal(fclose(f), 0);
}

static void test_replay_reports_failing_file(void **state) {
  (void)state;
  char *dir = tl_tmpdir_make("replay");
  assert_non_null(dir);
  char msg[8192];
  size_t files;
  write_file(dir, "good1", "hello");
  write_file(dir, ".hidden", "BAD but skipped");
  write_file(dir, "good2", "");
  assert_null(replay_dir(dir, check_rejects_bad, &files, msg, sizeof msg));
  assert_int_equal(files, 2);
  write_file(dir, "evil", "xxBADxx");
  const char *fail = replay_dir(dir, check_rejects_bad, &files, msg, sizeof msg);
  assert_non_null(fail);
  assert_non_null(strstr(fail, "/evil: input contains BAD"));
  assert_int_equal(tl_tmpdir_remove(dir), 0);
}

/* The serial check on fixed inputs: good serials (also cut short by an
 * embedded NUL) and unparsable junk are fine, never flagged. */
static void test_serial_check_fixed_inputs(void **state) {
  (void)state;
  const char *good = "VCU-MWI-VCS.2250-2022-000007-000000042";
  assert_null(fuzz_check_serial((const uint8_t *)good, strlen(good)));
  const char *block = "VCU-MWI-VCS.2250-2022-000007-000000001-000001000";
  assert_null(fuzz_check_serial((const uint8_t *)block, strlen(block)));
  const char emb[] = "VCU-MWI-VCS.2250-2022-000007-000000042\0junk";
  assert_null(fuzz_check_serial((const uint8_t *)emb, sizeof emb - 1));
  assert_null(fuzz_check_serial((const uint8_t *)"x", 1));
  assert_null(fuzz_check_serial((const uint8_t *)"", 0));
}

/* The reading signed outside ledger6's verifier (corpus/reading/valid:
 * libsodium directly, RFC 8032 test 1's key, over the text built by hand)
 * parses and verifies for FUZZ.ACT period 1, and for nothing else. */
static void test_reading_valid_verifies(void **state) {
  (void)state;
  char root[4096], path[4200];
  corpus_root(root, sizeof root);
  snprintf(path, sizeof path, "%s/reading/valid", root);
  json_error_t jerr;
  json_t *in = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
  assert_non_null(in);
  l6_reading r;
  l6_error err = {0};
  assert_int_equal(svc_reading_parse(in, &r, &err), L6_E_OK);
  json_decref(in);
  const char *pk = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"; /* RFC 8032 test 1 */
  char msg[L6_READING_MSG_MAX];
  int mlen;
  assert_true(svc_reading_verify(pk, "FUZZ.ACT", 1, &r, msg, sizeof msg, &mlen));
  assert_false(svc_reading_verify(pk, "FUZZ.ACT", 2, &r, msg, sizeof msg, &mlen));
  assert_false(svc_reading_verify(pk, "FUZZ.ACX", 1, &r, msg, sizeof msg, &mlen));
  r.seq++;
  assert_false(svc_reading_verify(pk, "FUZZ.ACT", 1, &r, msg, sizeof msg, &mlen));
  assert_null(fuzz_check_reading((const uint8_t *)"{\"device\": 1}", 13));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's stdout in order with stderr */
  static char names[NTARGETS][64];
  struct CMUnitTest tests[NTARGETS + 4];
  size_t n = 0;
  for (size_t i = 0; i < NTARGETS; i++) {
    snprintf(names[i], sizeof names[i], "test_replay_%s", targets[i].name);
    tests[n++] = (struct CMUnitTest){names[i], test_replay, NULL, NULL, (void *)&targets[i]};
  }
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_every_corpus_has_a_check);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_replay_reports_failing_file);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_serial_check_fixed_inputs);
  tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_reading_valid_verifies);
  return _cmocka_run_group_tests("fuzz_replay", tests, n, NULL, NULL);
}
