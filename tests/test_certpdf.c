/*
 * test_certpdf.c -- retirement certificates as PDF files (src/api/pdf.c,
 * src/core/pdfattach.c; docs/TRANSPARENCY.md, "The certificate as a PDF").
 *
 * The real server makes GET /v1/retirements/{id}/certificate.pdf for a
 * retirement of two blocks whose beneficiary and claim hold markup,
 * non-ASCII text and the very bytes that mark the attachment; then:
 *   - poppler reads it back: pdfinfo (an A4 PDF), pdftotext (the page says
 *     what the HTML certificate says), pdfdetach (one attachment,
 *     certificate.json, equal to GET .../certificate);
 *   - `ledger6 verify certificate.pdf --key KEY` in a folder with only the
 *     PDF says valid; edited PDFs (a quantity, a signature digit, a longer
 *     JSON, a second attachment, a compressed one, none) are refused;
 *   - the QR code (pdftoppm + zbarimg) is the retirement page's URL;
 *   - verify on random, truncated and bit-flipped PDFs refuses cleanly:
 *     in process (pdfattach_find, thousands of cases, L6_SEED replays them)
 *     and through the CLI (exit 1, only "invalid:" lines, no crash).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/pdfattach.h"
#include "testlib.h"
#include "testlib_http.h"

#define PROJECT "VCS.2250"
#define HOST "MWI"
#define BENEFICIARY "Z\xc3\xbcrich <b>Energie</b> & 'Co' (\xe5\x8c\x97\xe4\xba\xac)"
/* The attachment's own marker as a claim: a text of the certificate
 * cannot pass for a second attachment. */
#define CLAIM "<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length 5 >>"

static struct {
  tl_srv srv;
  char *dir; /* the buyer's folder */
  int64_t retire;
  char pk_hex[65];
  char key_id[32];
  char *pdf; /* the certificate PDF as served */
  size_t len;
  char *json; /* GET .../certificate */
} A;

#define S (&A.srv)

static const char *bin(void) {
  static char path[4096];
  if (path[0] == '\0') {
    const char *b = getenv("L6_BIN");
    if (b == NULL || b[0] == '\0') b = "build/ledger6";
    if (realpath(b, path) == NULL) snprintf(path, sizeof path, "%s", b);
  }
  return path;
}

static char out[65536];

/* Runs `cd A.dir && CMD 2>&1`; the exit status (-1: killed), output in out. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
  char args[4096], cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "cd %s && %s 2>&1", A.dir, args);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, sizeof out - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int have(const char *tool) {
  char cmd[256];
  snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
  return system(cmd) == 0;
}

static void save(const char *name, const char *bytes, size_t len) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", A.dir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static int verify(const char *name) { return sh("%s verify %s --key %s", bin(), name, A.pk_hex); }

/* Every line of out starts with "invalid: ". */
static void only_invalid_lines(const char *what) {
  if (out[0] == '\0') fail_msg("%s: verify printed nothing", what);
  for (const char *p = out; *p;) {
    if (strncmp(p, "invalid: ", 9) != 0) fail_msg("%s: verify printed '%s'", what, out);
    const char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : p + strlen(p);
  }
}

static const char *find_in(const char *h, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = 0; n <= len && i + n <= len; i++)
    if (memcmp(h + i, needle, n) == 0) return h + i;
  return NULL;
}

static int setup(void **state) {
  (void)state;
  memset(&A, 0, sizeof A);
  if (tl_srv_start(&A.srv, "certpdf") != 0) return -1;
  tl_registry_accounts che;
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_party(S, HOST, "Malawi");
  tl_mk_registry(S, "CHE01", "CHE", &che);
  tl_mk_project(S, PROJECT, "VCS", HOST);
  int64_t org = tl_mk_org(S, "CHE01", "Alpine Carbon AG");
  int64_t acc = tl_mk_account(S, "CHE01", org, "holding", "A main");
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2022, 1000, acc));
  json_decref(tl_mk_issue(S, "CHE01", PROJECT, "VCU", 2023, 1000, acc));
  tl_resp r = tl_http_reqj(S, "POST", "/v1/retirements", S->admin,
                           json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:i}", "from_account", (json_int_t)acc, "unit_type",
                                     "VCU", "quantity", (json_int_t)1500, "beneficiary", BENEFICIARY, "purpose",
                                     "voluntary <offsetting>", "claim", CLAIM, "reporting_year", 2025),
                           NULL);
  tl_assert_status(&r, 201);
  A.retire = tl_jint(r.body, "id");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/keys", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(r.body, "items"), i, it) if (json_is_true(json_object_get(it, "current"))) {
    snprintf(A.pk_hex, sizeof A.pk_hex, "%s", tl_jstr(it, "public_key"));
    snprintf(A.key_id, sizeof A.key_id, "%s", tl_jstr(it, "key_id"));
  }
  tl_resp_free(&r);
  char path[128];
  snprintf(path, sizeof path, "/v1/retirements/%lld/certificate", (long long)A.retire);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  A.json = r.raw, r.raw = NULL;
  tl_resp_free(&r);
  snprintf(path, sizeof path, "/v1/retirements/%lld/certificate.pdf", (long long)A.retire);
  r = tl_http_req(S, "GET", path, NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  A.pdf = r.raw, A.len = r.len, r.raw = NULL;
  char h[128];
  assert_true(tl_resp_header(&r, "Content-Type", h, sizeof h));
  assert_string_equal(h, "application/pdf");
  tl_resp_free(&r);
  A.dir = tl_tmpdir_make("certpdf-buyer");
  if (A.dir == NULL || A.pk_hex[0] == '\0') return -1;
  save("certificate.pdf", A.pdf, A.len);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  int rc = A.srv.pid ? tl_srv_stop(&A.srv) : 0;
  tl_srv_free(&A.srv);
  tl_tmpdir_remove(A.dir);
  free(A.pdf);
  free(A.json);
  tl_http_thread_done();
  return rc == 0 ? 0 : -1;
}

/* The PDF reads back: an A4 document saying what the certificate says. */
static void test_pdf_reads_back(void **state) {
  (void)state;
  assert_true(A.len > 1000);
  assert_memory_equal(A.pdf, "%PDF-", 5);
  assert_memory_equal(A.pdf + A.len - 6, "%%EOF\n", 6);
  assert_int_equal(sh("pdfinfo certificate.pdf"), 0);
  assert_non_null(strstr(out, "A4"));
  char want[128];
  snprintf(want, sizeof want, "Retirement certificate %lld", (long long)A.retire);
  assert_non_null(strstr(out, want)); /* the title */
  assert_int_equal(sh("pdftotext -layout certificate.pdf -"), 0);
  static const char *const says[] = {"Retirement certificate",
                                     "1500 units were retired",
                                     "Z\xc3\xbcrich <b>Energie</b> & 'Co'", /* as text, not markup */
                                     "voluntary <offsetting>",
                                     "Reporting year",
                                     "2025",
                                     "VCU-MWI-VCS.2250-2022-000001-000000001-000001000",
                                     "ledger6 verify certificate.pdf --key PUBLIC_KEY",
                                     "Units retired",
                                     "Proof in the registry's public log",
                                     "Log entry",
                                     "ledger6 log entry v1"};
  /* pdftotext may break the long serial of the table, so the serial is
   * looked up in the log entry's line, which never wraps at 7.5 pt. */
  for (size_t i = 0; i < sizeof says / sizeof says[0]; i++)
    if (strstr(out, says[i]) == NULL) fail_msg("the PDF's text lacks '%s':\n%s", says[i], out);
  assert_non_null(strstr(out, A.key_id));
}

/* The attachment is the certificate JSON, byte for byte as a JSON value. */
static void test_pdf_attachment_is_the_certificate(void **state) {
  (void)state;
  assert_int_equal(sh("pdfdetach -list certificate.pdf"), 0);
  assert_non_null(strstr(out, "1 embedded files"));
  assert_non_null(strstr(out, "1: " PDFATTACH_NAME));
  assert_int_equal(sh("mkdir -p detached && pdfdetach -saveall -o detached certificate.pdf"), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/detached/" PDFATTACH_NAME, A.dir);
  json_error_t je;
  json_t *att = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *cert = json_loads(A.json, 0, &je);
  assert_non_null(att);
  assert_non_null(cert);
  assert_true(json_equal(att, cert));
  json_decref(att);
  json_decref(cert);
  /* And the in-process reader finds the same bytes. */
  const char *at = NULL, *why = NULL;
  size_t n = 0;
  assert_int_equal(pdfattach_find(A.pdf, A.len, &at, &n, &why), 0);
  att = json_loadb(at, n, 0, &je);
  assert_non_null(att);
  assert_string_equal(tl_jstr(json_object_get(att, "retirement"), "claim"), CLAIM);
  json_decref(att);
}

/* The buyer's folder: the PDF and the key; verify checks the PDF itself. */
static void test_pdf_verifies_offline(void **state) {
  (void)state;
  int rc = verify("certificate.pdf");
  if (rc != 0 || strncmp(out, "valid: ", 7) != 0) fail_msg("verify certificate.pdf: exit %d: %s", rc, out);
  assert_non_null(strstr(out, "1500 units"));
  assert_non_null(strstr(out, "VCU-MWI-VCS.2250-2023-000002-000000001-000000500"));
  /* The detached JSON verifies as well. */
  assert_int_equal(verify("detached/" PDFATTACH_NAME), 0);
  /* Another key: refused. */
  assert_int_equal(sh("%s verify certificate.pdf --key %064d", bin(), 7), 1);
}

/* A copy of the PDF with the first `from` (in the attachment) replaced by
 * `to`. */
static char *edited(const char *from, const char *to, size_t *len) {
  const char *m = find_in(A.pdf, A.len, "<< /Type /EmbeddedFile");
  assert_non_null(m);
  const char *at = find_in(m, A.len - (size_t)(m - A.pdf), from);
  if (at == NULL) fail_msg("the attachment lacks '%s'", from);
  size_t lf = strlen(from), lt = strlen(to);
  *len = A.len - lf + lt;
  char *b = malloc(*len);
  size_t off = (size_t)(at - A.pdf);
  memcpy(b, A.pdf, off);
  memcpy(b + off, to, lt);
  memcpy(b + off + lt, at + lf, A.len - off - lf);
  return b;
}

static void test_tampered_pdf_fails(void **state) {
  (void)state;
  /* The signature's first hex digit, changed. */
  const char *sig = find_in(A.pdf, A.len, "\"signature\": \"");
  assert_non_null(sig);
  char from[20], to[20];
  snprintf(from, sizeof from, "\"signature\": \"%c", sig[14]);
  snprintf(to, sizeof to, "\"signature\": \"%c", sig[14] == '0' ? '1' : '0');
  static const struct {
    const char *name, *from, *to, *says;
  } edits[] = {
      {"quantity", "\"quantity\": 1500", "\"quantity\": 1400", "invalid: "},
      {"beneficiary", "Z\\u00FCrich", "Z\\u00FDrich", "invalid: "},
      {"signature", NULL, NULL, "signature does not verify"},
      {"a longer JSON", "\"format\"", " \"format\"", "does not end at endstream"},
      /* (The claim's marker, inside the JSON, is then the only one left.) */
      {"compressed", "/Length ", "/Filter /FlateDecode /Length ", "attachment"},
      {"a filter after the length", ">>\nstream\n", "/Filter /FlateDecode >>\nstream\n", "more than a type and a length"},
      {"no attachment", "/Type /EmbeddedFile", "/Type /EmbeddedFilx", "attachment"},
      {"a length past the end", "json /Length ", "json /Length 9", "past the end"},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    size_t len;
    char *b = edits[i].from ? edited(edits[i].from, edits[i].to, &len) : edited(from, to, &len);
    save("edited.pdf", b, len);
    free(b);
    int rc = verify("edited.pdf");
    if (rc != 1 || strstr(out, edits[i].says) == NULL)
      fail_msg("edited %s: exit %d, wanted 1 saying '%s':\n%s", edits[i].name, rc, edits[i].says, out);
    only_invalid_lines(edits[i].name);
  }
  /* A second attachment appended after the end: which one counts? */
  const char *m = find_in(A.pdf, A.len, "<< /Type /EmbeddedFile");
  const char *e = find_in(m, A.len - (size_t)(m - A.pdf), "endstream");
  size_t extra = (size_t)(e + 9 - m);
  char *b = malloc(A.len + extra + 1);
  memcpy(b, A.pdf, A.len);
  b[A.len] = '\n';
  memcpy(b + A.len + 1, m, extra);
  save("twice.pdf", b, A.len + extra + 1);
  free(b);
  assert_int_equal(verify("twice.pdf"), 1);
  assert_non_null(strstr(out, "more than one certificate"));
}

/* The QR code is the URL of the retirement's public page, on the host the
 * PDF was asked from. */
static void test_qr_code(void **state) {
  (void)state;
  if (!have("pdftoppm") || !have("zbarimg")) {
    print_message("pdftoppm or zbarimg missing (poppler-utils, zbar-tools: sh scripts/deps.sh --test)\n");
    skip();
  }
  assert_int_equal(sh("pdftoppm -r 150 -png -f 1 -l 1 -singlefile certificate.pdf page"), 0);
  int rc = sh("zbarimg -q --raw page.png");
  char want[256];
  snprintf(want, sizeof want, "http://127.0.0.1:%d/retirement.html?id=%lld\n", A.srv.port, (long long)A.retire);
  if (rc != 0 || strstr(out, want) == NULL) fail_msg("zbarimg: exit %d: '%s', wanted '%s'", rc, out, want);
}

static void test_pdf_errors(void **state) {
  (void)state;
  tl_resp r = tl_http_req(S, "GET", "/v1/retirements/1/certificate.pdf", NULL, NULL, NULL); /* an issuance */
  assert_error(&r, 404, "unknown_transaction");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/retirements/999/certificate.pdf", NULL, NULL, NULL);
  assert_error(&r, 404, "unknown_transaction");
  tl_resp_free(&r);
  char path[128];
  snprintf(path, sizeof path, "/v1/retirements/%lld/certificate.pdf", (long long)A.retire);
  r = tl_http_send(S, &(tl_req){.method = "GET", .path = path, .headers = {"Host: evil.example/<x>", NULL}});
  assert_error(&r, 400, "bad_param");
  tl_resp_free(&r);
  /* TLS or not, the host name names the page. */
  r = tl_http_send(S, &(tl_req){.method = "GET", .path = path, .headers = {"Host: registry.example.org", NULL}});
  tl_assert_status(&r, 200);
  const char *at = NULL, *why = NULL;
  size_t n = 0;
  assert_int_equal(pdfattach_find(r.raw, r.len, &at, &n, &why), 0);
  tl_resp_free(&r);
}

/* pdfattach_find on bytes it did not write: a found attachment always
 * lies within the bytes; truncations before the attachment's end are
 * refused, after it found whole. */
static void test_find_is_robust(void **state) {
  (void)state;
  const char *at0 = NULL, *why = NULL;
  size_t n0 = 0;
  assert_int_equal(pdfattach_find(A.pdf, A.len, &at0, &n0, &why), 0);
  size_t stream_end = (size_t)(find_in(at0 + n0, A.len - (size_t)(at0 + n0 - A.pdf), "endstream") + 9 - A.pdf);
  tl_rng rng;
  tl_rng_init(&rng, 21);
  /* Truncations: every cut near the attachment, and random ones. */
  size_t start = (size_t)(find_in(A.pdf, A.len, "<< /Type /EmbeddedFile") - A.pdf);
  for (int k = 0; k < 1200; k++) {
    size_t cut = k < 400   ? start - 200 + (size_t)k
                 : k < 800 ? stream_end - 200 + (size_t)(k - 400)
                           : (size_t)tl_rng_below(&rng, A.len + 1);
    if (cut > A.len) cut = A.len;
    const char *at = NULL;
    size_t n = 0;
    int rc = pdfattach_find(A.pdf, cut, &at, &n, &why);
    if (cut >= stream_end) {
      if (rc != 0 || at != at0 || n != n0) fail_msg("cut at %zu (after the attachment) lost it: %s", cut, why);
    } else if (rc == 0) {
      fail_msg("cut at %zu (before the attachment's end at %zu) was accepted", cut, stream_end);
    }
  }
  /* Random bytes flipped, random garbage behind a PDF header, markers
   * with random tails. */
  char *b = malloc(A.len);
  for (int k = 0; k < 3000; k++) {
    size_t len = A.len;
    memcpy(b, A.pdf, A.len);
    if (k % 3 == 0) {
      for (int f = 0, nf = 1 + (int)tl_rng_below(&rng, 8); f < nf; f++) {
        size_t pos = k % 2 ? start + (size_t)tl_rng_below(&rng, 120) : (size_t)tl_rng_below(&rng, A.len);
        b[pos] = (char)tl_rng_below(&rng, 256);
      }
    } else if (k % 3 == 1) {
      len = 5 + (size_t)tl_rng_below(&rng, 4096);
      for (size_t i = 5; i < len; i++) b[i] = (char)tl_rng_below(&rng, 256);
    } else {
      len = 6 + (size_t)tl_rng_below(&rng, 300);
      static const char mk[] = "<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length ";
      for (size_t i = 5; i < len; i++) b[i] = "0123456789 >stream\r\nend"[tl_rng_below(&rng, 23)];
      size_t pos = 5 + (size_t)tl_rng_below(&rng, len - 5);
      size_t take = len - pos < sizeof mk - 1 ? len - pos : sizeof mk - 1;
      memcpy(b + pos, mk, take);
    }
    const char *at = NULL;
    size_t n = 0;
    if (pdfattach_find(b, len, &at, &n, &why) == 0) {
      assert_true(at >= b && n <= len && (size_t)(at - b) <= len - n);
    } else {
      assert_non_null(why);
    }
  }
  free(b);
}

/* The CLI on broken PDFs: exit 1 with only "invalid:" lines, never a crash. */
static void test_verify_refuses_broken_pdfs(void **state) {
  (void)state;
  tl_rng rng;
  tl_rng_init(&rng, 2121);
  size_t start = (size_t)(find_in(A.pdf, A.len, "<< /Type /EmbeddedFile") - A.pdf);
  char *b = malloc(A.len + 64);
  for (int k = 0; k < 16; k++) {
    size_t len;
    if (k == 0) len = 0;
    else if (k == 1) memcpy(b, "%PDF-", 5), len = 5;
    else if (k == 2) {
      static const char huge[] = "%PDF-1.5\n<< /Type /EmbeddedFile /Subtype /application#2Fjson /Length 99999999999";
      memcpy(b, huge, sizeof huge - 1), len = sizeof huge - 1;
    }
    else if (k < 9) { /* truncated inside or before the attachment */
      len = start - 50 + (size_t)tl_rng_below(&rng, A.len - start);
      memcpy(b, A.pdf, len);
      const char *at = NULL, *why = NULL;
      size_t n = 0;
      if (pdfattach_find(b, len, &at, &n, &why) == 0) continue; /* cut after the attachment: still whole */
    } else { /* control characters (never valid JSON) inside the attachment's JSON */
      memcpy(b, A.pdf, A.len);
      len = A.len;
      for (int f = 0; f < 4; f++) b[start + 70 + tl_rng_below(&rng, 2000)] = (char)(1 + tl_rng_below(&rng, 8));
    }
    save("broken.pdf", b, len);
    int rc = verify("broken.pdf");
    if (rc != 1) fail_msg("broken PDF %d (%zu bytes): exit %d: %s", k, len, rc, out);
    only_invalid_lines("broken PDF");
  }
  free(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pdf_reads_back),
      cmocka_unit_test(test_pdf_attachment_is_the_certificate),
      cmocka_unit_test(test_pdf_verifies_offline),
      cmocka_unit_test(test_tampered_pdf_fails),
      cmocka_unit_test(test_qr_code),
      cmocka_unit_test(test_pdf_errors),
      cmocka_unit_test(test_find_is_robust),
      cmocka_unit_test(test_verify_refuses_broken_pdfs),
  };
  return cmocka_run_group_tests_name("certpdf", tests, setup, teardown);
}
