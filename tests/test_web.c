/*
 * test_web.c -- the static web pages (src/api/web.c), black-box: a real
 * server started with --web on a folder made here, next to a secret file
 * outside it, a symlink pointing out, hidden and oversized files. Every
 * traversal attempt must answer 404 without the secret. (A "%00" in the
 * path ends it where libmicrohttpd decodes it: "/index.html%00.txt" is
 * "/index.html", a file of the folder, so it is not listed here.) Also the path
 * check alone (web_path_ok) and the public serial view the pages use
 * (GET /v1/serials/{serial}/public).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/web.h"
#include "limits.h"
#include "testlib.h"
#include "testlib_http.h"

#define SECRET "top-secret-outside-the-web-folder"

static tl_srv srv;
static tl_srv *const S = &srv;
static char webdir[600];

static void put(const char *dir, const char *name, const char *text) {
  char p[800];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  if (tl_srv_start(S, "web") != 0 || tl_srv_stop(S) != 0) return -1;
  snprintf(webdir, sizeof webdir, "%s/web", S->dir);
  char p[800];
  if (mkdir(webdir, 0755) != 0) return -1;
  snprintf(p, sizeof p, "%s/sub", webdir);
  if (mkdir(p, 0755) != 0) return -1;
  snprintf(p, sizeof p, "%s/dir.html", webdir);
  if (mkdir(p, 0755) != 0) return -1;
  put(S->dir, "secret.txt", SECRET "\n");
  put(S->dir, "secret.html", SECRET "\n");
  put(webdir, "index.html", "<!doctype html><title>index</title>\n");
  put(webdir, "app.js", "console.log('app');\n");
  put(webdir, "style.css", "body{margin:0}\n");
  put(webdir, "data.exe", "MZ\n");
  put(webdir, ".hidden.txt", SECRET "\n");
  put(webdir, "sub/page.html", "<!doctype html><title>sub</title>\n");
  snprintf(p, sizeof p, "%s/link.txt", webdir);
  if (symlink("../secret.txt", p) != 0) return -1;
  snprintf(p, sizeof p, "%s/sub/up.html", webdir);
  if (symlink("../../secret.html", p) != 0) return -1;
  snprintf(p, sizeof p, "%s/inside.txt", webdir);
  if (symlink("sub/page.html", p) != 0) return -1; /* a symlink inside the folder is fine */
  snprintf(p, sizeof p, "%s/big.js", webdir);
  FILE *f = fopen(p, "w");
  if (f == NULL) return -1;
  for (int i = 0; i <= L6_WEB_MAX_FILE / 1024; i++) fprintf(f, "%01023d\n", 0);
  fclose(f);
  S->extra[0] = "--web";
  S->extra[1] = webdir;
  S->extra[2] = NULL;
  return tl_srv_restart(S);
}

static int teardown(void **state) {
  (void)state;
  int rc = S->pid ? tl_srv_stop(S) : 0;
  tl_srv_free(S);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

static tl_resp get(const char *path) { return tl_http_req(S, "GET", path, NULL, NULL, NULL); }

static void expect_file(const char *path, const char *type, const char *start) {
  tl_resp r = get(path);
  char h[200];
  if (r.status != 200) fprintf(stderr, "GET %s: %ld %s\n", path, r.status, r.raw);
  assert_int_equal(r.status, 200);
  assert_true(tl_resp_header(&r, "Content-Type", h, sizeof h));
  assert_string_equal(h, type);
  assert_true(tl_resp_header(&r, "Cache-Control", h, sizeof h));
  assert_string_equal(h, "no-cache");
  assert_true(tl_resp_header(&r, "X-Content-Type-Options", h, sizeof h));
  assert_true(tl_resp_header(&r, "Content-Security-Policy", h, sizeof h));
  assert_non_null(strstr(h, "script-src 'self'"));
  assert_true(strncmp(r.raw, start, strlen(start)) == 0);
  tl_resp_free(&r);
}

static void test_files(void **state) {
  (void)state;
  expect_file("/", "text/html; charset=utf-8", "<!doctype html><title>index");
  expect_file("/index.html", "text/html; charset=utf-8", "<!doctype html><title>index");
  expect_file("/index.html?q=1", "text/html; charset=utf-8", "<!doctype html><title>index");
  expect_file("/app.js", "text/javascript; charset=utf-8", "console.log");
  expect_file("/style.css", "text/css; charset=utf-8", "body{");
  expect_file("/sub/page.html", "text/html; charset=utf-8", "<!doctype html><title>sub");
  expect_file("/inside.txt", "text/plain; charset=utf-8", "<!doctype html><title>sub");
  tl_resp r = tl_http_req(S, "HEAD", "/index.html", NULL, NULL, NULL);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.raw, "");
  tl_resp_free(&r);
  /* The API is untouched. */
  r = get("/v1/health");
  assert_int_equal(r.status, 200);
  assert_non_null(r.body);
  tl_resp_free(&r);
}

/* Every one of these answers 404 and never shows the secret. */
static void test_refused(void **state) {
  (void)state;
  const char *bad[] = {
      "/missing.html",          "/%2e%2e/secret.txt",     "/sub/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.html", "/sub/..%2f..%2fsecret.html", "/link.txt",                "/sub/up.html",
      "/.hidden.txt",           "/big.js",                "/data.exe",                     "/dir.html",
      "/sub/",                  "/sub",                   "/%2fetc%2fpasswd",              "//etc/passwd",
      "/..%5csecret.txt",       "/sec%72et.txt",     "/x%20y.html",                   "/INDEX.HTML",
      "/.%2e/secret.txt",       "/sub/./page.html%2e",    "/index.html.bak",               "/a/b/c/d.html",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    tl_resp r = get(bad[i]);
    if (r.status != 404 || strstr(r.raw, SECRET)) fprintf(stderr, "GET %s: %ld %.200s\n", bad[i], r.status, r.raw);
    assert_int_equal(r.status, 404);
    assert_null(strstr(r.raw, SECRET));
    assert_null(strstr(r.raw, "0000000000"));
    tl_resp_free(&r);
  }
  /* Only GET and HEAD read files; POST / is the API's 404. */
  tl_resp r = tl_http_req(S, "POST", "/index.html", NULL, "{}", NULL);
  assert_error(&r, 404, "not_found");
  tl_resp_free(&r);
  r = tl_http_req(S, "DELETE", "/", NULL, NULL, NULL);
  assert_error(&r, 404, "not_found");
  tl_resp_free(&r);
}

static void test_path_check(void **state) {
  (void)state;
  const char *good[] = {"/index.html", "/app.js", "/a/b.css", "/x-y_z.1.json", "/i.svg", "/f.png", "/favicon.ico"};
  const char *bad[] = {"",         "/",          "index.html", "/../a.html", "/a/../b.html", "/./a.html", "/.a.html",
                       "/a//b.html", "/a/",      "/a.exe",     "/a",         "/a.html/",     "/a b.html", "/a\\b.html",
                       "/a%2e.html", "/a.HTML",  "/a.html.",   "/a.",        "/a/.html"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) assert_true(web_path_ok(good[i]));
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (web_path_ok(bad[i])) fprintf(stderr, "accepted: '%s'\n", bad[i]);
    assert_false(web_path_ok(bad[i]));
  }
  char longp[L6_WEB_MAX_PATH + 10];
  memset(longp, 'a', sizeof longp);
  longp[0] = '/';
  memcpy(longp + sizeof longp - 6, ".html", 6);
  assert_false(web_path_ok(longp));
}

/* The public view of a serial: where it is and its history, account types
 * and registries only. */
static void test_public_serial(void **state) {
  (void)state;
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_registry(S, "CHE01", "CHE", NULL);
  int64_t org = tl_mk_org(S, "CHE01", "Secret Holder AG");
  int64_t acc = tl_mk_account(S, "CHE01", org, "holding", "Secret holding account");
  tl_mk_project(S, "CHE.WEB.01", "VCS", "CHE");
  json_t *iss = tl_mk_issue(S, "CHE01", "CHE.WEB.01", "VCU", 2022, 100, acc);
  int64_t batch = tl_batch_of(iss);
  json_decref(iss);
  char path[200];
  snprintf(path, sizeof path, "/v1/serials/VCU-CHE-CHE.WEB.01-2022-%06lld-000000007/public", (long long)batch);
  tl_resp r = get(path);
  tl_assert_status(&r, 200);
  assert_null(strstr(r.raw, "Secret"));
  json_t *held = json_object_get(r.body, "held_by");
  assert_int_equal(json_array_size(held), 1);
  json_t *a = json_object_get(json_array_get(held, 0), "account");
  assert_string_equal(tl_jstr(a, "type"), "holding");
  assert_string_equal(tl_jstr(a, "registry"), "CHE01");
  assert_null(json_object_get(a, "id"));
  assert_false(json_is_true(json_object_get(json_array_get(held, 0), "retired")));
  json_t *hist = json_object_get(r.body, "history");
  assert_true(json_array_size(hist) >= 1);
  json_t *last = json_array_get(hist, json_array_size(hist) - 1);
  assert_true(json_is_null(json_object_get(last, "to_account")));
  assert_string_equal(tl_jstr(last, "to_account_type"), "holding");
  assert_string_equal(tl_jstr(last, "to_registry"), "CHE01");
  tl_resp_free(&r);
  /* The full view still needs a token. */
  path[strlen(path) - strlen("/public")] = '\0';
  r = get(path);
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
  r = get("/v1/serials/NOT-A-SERIAL/public");
  assert_error(&r, 422, "invalid_serial");
  tl_resp_free(&r);
  r = get("/v1/serials/VCU-CHE-CHE.WEB.01-2022-000099-000000001/public");
  assert_int_equal(r.status, 404);
  tl_resp_free(&r);
}

int main(void) {
  const struct CMUnitTest unit[] = {cmocka_unit_test(test_path_check)};
  const struct CMUnitTest http[] = {
      cmocka_unit_test(test_files),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_public_serial),
  };
  int failed = cmocka_run_group_tests_name("web_path", unit, NULL, NULL);
  failed += cmocka_run_group_tests_name("web_http", http, setup, teardown);
  return failed;
}
