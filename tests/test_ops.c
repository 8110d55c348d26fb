/*
 * test_ops.c -- operations, black-box on a real server (docs/OPERATIONS.md):
 *   - the access log: one JSON line per request with time, request id,
 *     client, method, route template (never the raw path), status,
 *     duration and the token's id and role -- never a token's secret --
 *     refused 401 and 403 attempts included;
 *   - X-Request-Id on every answer: a sane one of the client's echoed, an
 *     insane one replaced by a generated id;
 *   - GET /v1/health (liveness, no store) and GET /v1/ready (store
 *     reachable, migrations current, signing key loaded; 503 naming the
 *     failing check when the store's schema version is not this binary's,
 *     and when the store is gone: the SQLite file removed, or on PostgreSQL
 *     the database closed to connections and the server's session ended);
 *   - GET /metrics parsed by a strict parser of the Prometheus text format
 *     0.0.4 written here (below): counters that count the requests made,
 *     route templates as labels, histograms whose buckets add up, the log
 *     size equal to the signed tree head's, store errors counted; who may
 *     read it (--metrics token, public, off).
 */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "testlib.h"
#include "testlib_http.h"

static tl_srv srv;
static tl_srv *const S = &srv;
static char access_path[600];
static char *auditor, *holder;

/* ---- a strict parser of the Prometheus text format 0.0.4 ---------------- */

/* One sample: its metric name, its labels in canonical form
 * (`a="x",b="y"`, sorted by name, without le for buckets kept in le), the
 * value. */
typedef struct {
  char name[128];
  char labels[512]; /* canonical, le excluded */
  char le[32];      /* a bucket's le, "" otherwise */
  double value;
} sample;

typedef struct {
  sample *s;
  size_t n, cap;
  char problem[1400]; /* the first violation, "" when the text is valid */
} expo;

static bool name_ok(const char *p, size_t n, bool metric) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    bool ok = isalpha((unsigned char)c) || c == '_' || (metric && c == ':') || (i > 0 && isdigit((unsigned char)c));
    if (!ok) return false;
  }
  return true;
}

static bool parse_value(const char *p, double *out) {
  if (strcmp(p, "+Inf") == 0) return *out = INFINITY, true;
  if (strcmp(p, "-Inf") == 0) return *out = -INFINITY, true;
  if (strcmp(p, "NaN") == 0) return *out = NAN, true;
  char *end;
  *out = strtod(p, &end);
  return end != p && *end == '\0' && !isinf(*out) && !isnan(*out);
}

typedef struct {
  char name[200];
  char type[16];
  bool help, done; /* done: another family started after it */
} family;

/* The family a sample name belongs to: the histogram's base name for its
 * _bucket, _sum and _count series. */
static family *family_of(family *fams, size_t nf, const char *name) {
  for (size_t i = 0; i < nf; i++) {
    size_t l = strlen(fams[i].name);
    if (strcmp(fams[i].name, name) == 0) return &fams[i];
    if (strcmp(fams[i].type, "histogram") == 0 && strncmp(name, fams[i].name, l) == 0 &&
        (strcmp(name + l, "_bucket") == 0 || strcmp(name + l, "_sum") == 0 || strcmp(name + l, "_count") == 0))
      return &fams[i];
  }
  return NULL;
}

static int cmp_label(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

#define BAD(...) (snprintf(x->problem, sizeof x->problem, __VA_ARGS__), false)

/* Parses text into x; false with x->problem set at the first violation:
 * a line that is neither a comment nor a sample, a bad metric or label name,
 * a bad escape, a bad value, a TYPE after its samples or twice, a sample
 * without TYPE, a family's samples not together, a duplicate series, a
 * histogram without +Inf, with decreasing buckets, or whose +Inf differs
 * from its _count, or without _sum. */
static bool expo_parse(const char *text, expo *x) {
  family fams[64];
  size_t nf = 0;
  family *cur = NULL;
  memset(x, 0, sizeof *x);
  if (text[0] && text[strlen(text) - 1] != '\n') return BAD("the text does not end with a newline");
  const char *line = text;
  int ln = 0;
  while (*line) {
    ln++;
    const char *eol = strchr(line, '\n');
    char buf[2048];
    size_t len = (size_t)(eol - line);
    if (len >= sizeof buf) return BAD("line %d is too long", ln);
    memcpy(buf, line, len);
    buf[len] = '\0';
    line = eol + 1;
    if (len == 0) continue;
    if (buf[0] == '#') {
      char kw[8], name[200];
      int off = 0;
      if (sscanf(buf, "# %7s %199s %n", kw, name, &off) < 2 || (strcmp(kw, "HELP") && strcmp(kw, "TYPE"))) continue;
      if (!name_ok(name, strlen(name), true)) return BAD("line %d: bad metric name '%s'", ln, name);
      family *f = NULL;
      for (size_t i = 0; i < nf; i++)
        if (strcmp(fams[i].name, name) == 0) f = &fams[i];
      if (f == NULL) {
        if (nf == 64) return BAD("too many families");
        f = &fams[nf++];
        memset(f, 0, sizeof *f);
        snprintf(f->name, sizeof f->name, "%s", name);
      }
      if (f->done || (cur && cur != f && strcmp(cur->name, name) != 0 && cur->type[0] && f->type[0]))
        return BAD("line %d: %s of %s after its samples", ln, kw, name);
      if (cur && cur != f) cur->done = true;
      cur = f;
      if (strcmp(kw, "TYPE") == 0) {
        const char *t = buf + off;
        if (f->type[0]) return BAD("line %d: a second TYPE for %s", ln, name);
        if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") && strcmp(t, "summary") &&
            strcmp(t, "untyped"))
          return BAD("line %d: unknown type '%s'", ln, t);
        snprintf(f->type, sizeof f->type, "%s", t);
      } else {
        if (f->help) return BAD("line %d: a second HELP for %s", ln, name);
        f->help = true;
      }
      continue;
    }
    /* name{labels} value [timestamp] */
    sample sm;
    memset(&sm, 0, sizeof sm);
    const char *p = buf;
    size_t nl = strcspn(p, "{ ");
    if (!name_ok(p, nl, true) || nl >= sizeof sm.name) return BAD("line %d: bad metric name", ln);
    memcpy(sm.name, p, nl);
    p += nl;
    char *labs[16];
    size_t nlab = 0;
    if (*p == '{') {
      p++;
      while (*p != '}') {
        size_t ll = strcspn(p, "=");
        if (!name_ok(p, ll, false) || p[ll] != '=' || p[ll + 1] != '"') return BAD("line %d: bad label", ln);
        char lname[64], lval[256];
        if (ll >= sizeof lname) return BAD("line %d: label name too long", ln);
        memcpy(lname, p, ll);
        lname[ll] = '\0';
        p += ll + 2;
        size_t vl = 0;
        while (*p != '"') {
          if (*p == '\0') return BAD("line %d: unterminated label value", ln);
          char c = *p++;
          if (c == '\\') {
            c = *p++;
            if (c == 'n') c = '\n';
            else if (c != '\\' && c != '"') return BAD("line %d: bad escape in a label value", ln);
          }
          if (vl + 1 >= sizeof lval) return BAD("line %d: label value too long", ln);
          lval[vl++] = c;
        }
        lval[vl] = '\0';
        p++;
        for (size_t i = 0; i < nlab; i++)
          if (strncmp(labs[i], lname, ll) == 0 && labs[i][ll] == '=') return BAD("line %d: label %s twice", ln, lname);
        if (strcmp(lname, "le") == 0) {
          snprintf(sm.le, sizeof sm.le, "%s", lval);
        } else {
          if (nlab == 16) return BAD("line %d: too many labels", ln);
          labs[nlab] = malloc(strlen(lname) + strlen(lval) + 4);
          sprintf(labs[nlab++], "%s=\"%s\"", lname, lval);
        }
        if (*p == ',') p++;
        else if (*p != '}') return BAD("line %d: expected , or } after a label", ln);
      }
      p++;
    }
    qsort(labs, nlab, sizeof labs[0], cmp_label);
    for (size_t i = 0; i < nlab; i++) {
      size_t l = strlen(sm.labels);
      snprintf(sm.labels + l, sizeof sm.labels - l, "%s%s", i ? "," : "", labs[i]);
      free(labs[i]);
    }
    if (*p != ' ') return BAD("line %d: no value", ln);
    p++;
    char val[64];
    size_t vl = strcspn(p, " ");
    if (vl == 0 || vl >= sizeof val) return BAD("line %d: bad value", ln);
    memcpy(val, p, vl);
    val[vl] = '\0';
    if (!parse_value(val, &sm.value)) return BAD("line %d: bad value '%s'", ln, val);
    p += vl;
    if (*p == ' ') { /* a timestamp: an integer */
      p++;
      if (*p == '-') p++;
      if (!isdigit((unsigned char)*p)) return BAD("line %d: bad timestamp", ln);
      while (isdigit((unsigned char)*p)) p++;
    }
    if (*p) return BAD("line %d: junk after the value", ln);
    family *f = family_of(fams, nf, sm.name);
    if (f == NULL || !f->type[0]) return BAD("line %d: sample %s without a TYPE before it", ln, sm.name);
    if (f->done) return BAD("line %d: %s's samples are not together", ln, f->name);
    if (cur && cur != f) cur->done = true;
    cur = f;
    bool is_bucket = strcmp(f->type, "histogram") == 0 && strstr(sm.name, "_bucket") == sm.name + strlen(f->name);
    if (is_bucket != (sm.le[0] != '\0')) return BAD("line %d: le on a non-bucket or a bucket without le", ln);
    if (strcmp(f->type, "counter") == 0 && sm.value < 0) return BAD("line %d: a negative counter", ln);
    for (size_t i = 0; i < x->n; i++)
      if (strcmp(x->s[i].name, sm.name) == 0 && strcmp(x->s[i].labels, sm.labels) == 0 && strcmp(x->s[i].le, sm.le) == 0)
        return BAD("line %d: duplicate series %s{%s}", ln, sm.name, sm.labels);
    if (x->n == x->cap) {
      x->cap = x->cap ? 2 * x->cap : 64;
      x->s = realloc(x->s, x->cap * sizeof *x->s);
    }
    x->s[x->n++] = sm;
  }
  /* Histograms: per label set, buckets rise, +Inf equals _count, _sum is there. */
  for (size_t i = 0; i < x->n; i++) {
    sample *c = &x->s[i];
    size_t bl = strlen(c->name);
    if (bl < 6 || strcmp(c->name + bl - 6, "_count") != 0) continue;
    family *f = family_of(fams, nf, c->name);
    if (f == NULL || strcmp(f->type, "histogram") != 0) continue;
    char bucket[220], sum[220];
    snprintf(bucket, sizeof bucket, "%s_bucket", f->name);
    snprintf(sum, sizeof sum, "%s_sum", f->name);
    double prev = -1, prev_le = -INFINITY, inf = -1;
    bool has_sum = false;
    for (size_t j = 0; j < x->n; j++) {
      sample *b = &x->s[j];
      if (strcmp(b->labels, c->labels) != 0) continue;
      if (strcmp(b->name, sum) == 0) has_sum = true;
      if (strcmp(b->name, bucket) != 0) continue;
      double le;
      if (!parse_value(b->le, &le)) return BAD("%s{%s}: bad le '%s'", bucket, b->labels, b->le);
      if (le <= prev_le || b->value < prev) return BAD("%s{%s}: buckets not in rising order", bucket, b->labels);
      prev_le = le, prev = b->value;
      if (isinf(le)) inf = b->value;
    }
    if (inf < 0) return BAD("%s{%s}: no +Inf bucket", bucket, c->labels);
    if (inf != c->value) return BAD("%s{%s}: +Inf bucket %g but _count %g", bucket, c->labels, inf, c->value);
    if (!has_sum) return BAD("%s{%s}: no _sum", f->name, c->labels);
  }
  return true;
}

/* The value of series name{labels} (labels canonical: sorted by name), or
 * -1 when absent. */
static double expo_get(const expo *x, const char *name, const char *labels, const char *le) {
  for (size_t i = 0; i < x->n; i++)
    if (strcmp(x->s[i].name, name) == 0 && strcmp(x->s[i].labels, labels) == 0 && strcmp(x->s[i].le, le ? le : "") == 0)
      return x->s[i].value;
  return -1;
}

/* GET /metrics as token, parsed; fails the test on anything but a valid
 * 200 text/plain; version=0.0.4 reply. */
static void scrape(const char *token, expo *x) {
  tl_resp r = tl_http_req(S, "GET", "/metrics", token, NULL, NULL);
  tl_assert_status(&r, 200);
  char ct[128];
  assert_true(tl_resp_header(&r, "Content-Type", ct, sizeof ct));
  assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
  if (!expo_parse(r.raw, x)) fail_msg("GET /metrics is not valid text format 0.0.4: %s\n%.2000s", x->problem, r.raw);
  tl_resp_free(&r);
}

/* The parser itself refuses what it must (so its passes mean something). */
static void test_parser_refuses(void **state) {
  (void)state;
  static const char *const bad[] = {
      "x 1\n",                                                   /* no TYPE */
      "# TYPE x counter\nx{a=\"1\"} one\n",                      /* bad value */
      "# TYPE x counter\nx{a=1} 1\n",                            /* unquoted label value */
      "# TYPE x counter\nx{a=\"\\t\"} 1\n",                      /* bad escape */
      "# TYPE x counter\nx 1\nx 2\n",                            /* duplicate series */
      "# TYPE x counter\n# TYPE y gauge\ny 1\nx 1\n",            /* x's samples after y's */
      "# TYPE 1x counter\n",                                     /* bad name */
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", /* falling */
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", /* +Inf != count */
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",                        /* no +Inf */
      "# TYPE x counter\nx 1",                                   /* no final newline */
      "# TYPE x counter\nx -1\n",                                /* negative counter */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    expo x;
    bool ok = expo_parse(bad[i], &x);
    free(x.s);
    if (ok) fail_msg("the parser accepted invalid text %zu:\n%s", i, bad[i]);
  }
  expo x;
  assert_true(expo_parse("# HELP h a histogram\n# TYPE h histogram\nh_bucket{a=\"q\\\"\",le=\"0.5\"} 1\n"
                         "h_bucket{a=\"q\\\"\",le=\"+Inf\"} 2\nh_sum{a=\"q\\\"\"} 0.75\nh_count{a=\"q\\\"\"} 2\n",
                         &x));
  assert_int_equal(x.n, 4);
  free(x.s);
}

/* ---- fixtures ------------------------------------------------------------ */

static int setup(void **state) {
  (void)state;
  if (tl_srv_start(S, "ops") != 0) return -1;
  snprintf(access_path, sizeof access_path, "%s/access.log", S->dir);
  if (tl_srv_stop(S) != 0) return -1;
  S->extra[0] = "--access-log";
  S->extra[1] = access_path;
  if (tl_srv_restart(S) != 0) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  free(auditor);
  free(holder);
  tl_srv_free(S);
  return 0;
}

/* ---- the access log and request ids -------------------------------------- */

/* The access log's lines (parsed), once `want` lines name request ids in
 * ids (the lines are written when each answer is complete: wait up to 5 s). */
static json_t *log_lines(const char *const *ids, size_t want, char **raw) {
  for (int tries = 0; tries < 100; tries++) {
    FILE *f = fopen(access_path, "r");
    json_t *lines = json_array();
    tl_sbuf text = {0};
    size_t found = 0;
    char line[4096];
    while (f && fgets(line, sizeof line, f)) {
      tl_sb_add(&text, "%s", line);
      json_error_t je;
      json_t *v = json_loads(line, 0, &je);
      if (v == NULL) fail_msg("an access log line is not JSON (%s): %s", je.text, line);
      for (size_t i = 0; i < want; i++)
        if (strcmp(tl_jstr(v, "request_id") ? tl_jstr(v, "request_id") : "", ids[i]) == 0) found++;
      json_array_append_new(lines, v);
    }
    if (f) fclose(f);
    if (found >= want) {
      *raw = text.buf;
      return lines;
    }
    free(text.buf);
    json_decref(lines);
    usleep(50000);
  }
  fail_msg("the access log %s lacks the requests' lines", access_path);
  return NULL;
}

static json_t *line_of(json_t *lines, const char *id) {
  size_t i;
  json_t *v;
  json_array_foreach(lines, i, v) if (strcmp(tl_jstr(v, "request_id") ? tl_jstr(v, "request_id") : "", id) == 0) return v;
  fail_msg("no access log line has request id %s", id);
  return NULL;
}

/* The fields every line has, and their types. */
static void assert_line_shape(json_t *v) {
  const char *t = tl_jstr(v, "time");
  assert_non_null(t);
  int y, mo, d, h, mi, s, ms;
  char z;
  assert_int_equal(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &h, &mi, &s, &ms, &z), 8);
  assert_int_equal(z, 'Z');
  assert_true(json_is_string(json_object_get(v, "method")));
  assert_true(json_is_string(json_object_get(v, "route")));
  assert_true(json_is_integer(json_object_get(v, "status")));
  assert_true(json_is_number(json_object_get(v, "duration_ms")));
  assert_true(json_number_value(json_object_get(v, "duration_ms")) >= 0);
  assert_true(json_object_get(v, "token") != NULL); /* an id or null */
  assert_true(json_object_get(v, "role") != NULL);
  assert_string_equal(tl_jstr(v, "client"), "127.0.0.1");
}

/* One request with X-Request-Id: id (NULL: none); returns the id the
 * answer carries (static buffer of the caller's). */
static long req_id(const char *method, const char *path, const char *token, const char *body, const char *id,
                   char out[80]) {
  char hdr[200];
  if (id) snprintf(hdr, sizeof hdr, "X-Request-Id: %s", id);
  tl_req q = {.method = method, .path = path, .token = token, .body = body, .headers = {id ? hdr : NULL}};
  tl_resp r = tl_http_send(S, &q);
  if (!tl_resp_header(&r, "X-Request-Id", out, 80))
    fail_msg("%s %s answered %ld without X-Request-Id", method, path, r.status);
  long st = r.status;
  tl_resp_free(&r);
  return st;
}

static void test_access_log(void **state) {
  (void)state;
  auditor = tl_mk_token(S, "auditor", 0);
  tl_mk_party(S, "CHE", "Switzerland");
  tl_mk_registry(S, "CHE01", "CHE", NULL);
  int64_t org = tl_mk_org(S, "CHE01", "Ops AG");
  holder = tl_mk_token(S, "holder", org);
  char got[80];
  /* A sane id is echoed; every answer has one, errors and pages included. */
  assert_int_equal(req_id("GET", "/v1/health", NULL, NULL, "ops-health-1", got), 200);
  assert_string_equal(got, "ops-health-1");
  assert_int_equal(req_id("GET", "/v1/accounts/987654321", S->admin, NULL, "ops-404-1", got), 404);
  assert_string_equal(got, "ops-404-1");
  assert_int_equal(req_id("GET", "/v1/accounts", "l6_0000000000000000000000000000000000000000000000000", NULL,
                          "ops-401-1", got),
                   401);
  assert_int_equal(req_id("POST", "/v1/parties", auditor, "{\"code\":\"FRA\",\"name\":\"France\"}", "ops-403-1", got),
                   403);
  assert_int_equal(req_id("POST", "/v1/parties", S->admin, "{\"code\":\"FRA\",\"name\":\"France\"}", "ops-201-1", got),
                   201);
  assert_int_equal(req_id("GET", "/v1/nope/at/all?x=1", NULL, NULL, "ops-unmatched-1", got), 404);
  assert_int_equal(req_id("DELETE", "/v1/health", NULL, NULL, "ops-405-1", got), 405);
  /* An insane id (a space, too long) is replaced by 32 generated hex digits. */
  char gen1[80], gen2[80];
  req_id("GET", "/v1/health", NULL, NULL, "has space", gen1);
  char longid[100];
  memset(longid, 'a', 65);
  longid[65] = '\0';
  req_id("GET", "/v1/health", NULL, NULL, longid, gen2);
  char gen3[80];
  req_id("GET", "/v1/parties", holder, NULL, NULL, gen3); /* none sent */
  const char *gens[] = {gen1, gen2, gen3};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(strlen(gens[i]), 32);
    for (const char *p = gens[i]; *p; p++) assert_true(isxdigit((unsigned char)*p) && !isupper((unsigned char)*p));
  }
  assert_string_not_equal(gen1, gen2);

  const char *ids[] = {"ops-health-1", "ops-404-1", "ops-401-1", "ops-403-1", "ops-201-1", "ops-unmatched-1",
                       "ops-405-1",    gen1,        gen2,        gen3};
  char *raw = NULL;
  json_t *lines = log_lines(ids, sizeof ids / sizeof ids[0], &raw);
  size_t i;
  json_t *v;
  json_array_foreach(lines, i, v) assert_line_shape(v);
  struct {
    const char *id, *method, *route;
    int status;
    const char *role; /* NULL: no token (null) */
  } want[] = {
      {"ops-health-1", "GET", "/v1/health", 200, NULL},
      {"ops-404-1", "GET", "/v1/accounts/{id}", 404, "admin"},
      {"ops-401-1", "GET", "/v1/accounts", 401, NULL}, /* refused: no token id */
      {"ops-403-1", "POST", "/v1/parties", 403, "auditor"},
      {"ops-201-1", "POST", "/v1/parties", 201, "admin"},
      {"ops-unmatched-1", "GET", "(unmatched)", 404, NULL},
      {"ops-405-1", "DELETE", "/v1/health", 405, NULL},
      {gen3, "GET", "/v1/parties", 200, "holder"},
  };
  for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
    json_t *l = line_of(lines, want[k].id);
    assert_string_equal(tl_jstr(l, "method"), want[k].method);
    assert_string_equal(tl_jstr(l, "route"), want[k].route);
    assert_int_equal(tl_jint(l, "status"), want[k].status);
    if (want[k].role) {
      assert_string_equal(tl_jstr(l, "role"), want[k].role);
      assert_true(tl_jint(l, "token") > 0);
    } else {
      assert_true(json_is_null(json_object_get(l, "token")));
      assert_true(json_is_null(json_object_get(l, "role")));
    }
  }
  assert_int_equal(tl_jint(line_of(lines, gen3), "org"), org);
  /* Never a secret, never a raw path or query. */
  const char *never[] = {S->admin, auditor, holder, "l6_0000000000000000000000000000000000000000000000000",
                         "987654321", "/v1/nope", "x=1", "Bearer"};
  for (size_t k = 0; k < sizeof never / sizeof never[0]; k++)
    if (strstr(raw, never[k])) fail_msg("the access log holds '%s':\n%s", never[k], raw);
  /* The token's own secret part (after "l6_") is not there either. */
  assert_null(strstr(raw, S->admin + 3));
  free(raw);
  json_decref(lines);
}

/* ---- health and readiness ------------------------------------------------ */

static void assert_checks(json_t *b, bool store, bool migrations, bool key) {
  json_t *c = json_object_get(b, "checks");
  assert_int_equal(json_array_size(c), 3);
  const char *names[] = {"store", "migrations", "signing_key"};
  bool oks[] = {store, migrations, key};
  for (size_t i = 0; i < 3; i++) {
    json_t *k = json_array_get(c, i);
    assert_string_equal(tl_jstr(k, "name"), names[i]);
    assert_int_equal(json_is_true(json_object_get(k, "ok")), oks[i]);
    assert_int_equal(json_object_get(k, "message") != NULL, !oks[i]);
  }
  assert_string_equal(tl_jstr(b, "status"), store && migrations && key ? "ready" : "not_ready");
}

/* Runs sql on the server's store, from outside it (another connection). */
static void store_sql(const char *sql) {
  if (tl_store_is_pg()) {
    PGconn *c = PQconnectdb(S->spec);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
  } else {
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(S->spec, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
  }
}

static void test_health_ready(void **state) {
  (void)state;
  tl_resp r = tl_http_req(S, "GET", "/v1/health", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_string_equal(tl_jstr(r.body, "status"), "ok");
  assert_non_null(strstr(tl_jstr(r.body, "version"), "0."));
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/ready", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_checks(r.body, true, true, true);
  tl_resp_free(&r);

  /* Migrations not current: the store says a newer schema (another
   * server's newer ledger6 migrated it). */
  store_sql("UPDATE meta SET value = '9999' WHERE key = 'schema_version'");
  r = tl_http_req(S, "GET", "/v1/ready", NULL, NULL, NULL);
  tl_assert_status(&r, 503);
  assert_checks(r.body, true, false, true);
  assert_non_null(strstr(tl_jstr(json_array_get(json_object_get(r.body, "checks"), 1), "message"), "version 9999"));
  tl_resp_free(&r);
  /* (The store is dropped with the server: it can no longer be opened by
   * this ledger6, which is the point.) */
}

/* The store gone: the SQLite file removed (the server would go on writing
 * to a deleted file); on PostgreSQL the database closed to connections and
 * the server's session ended. Readiness says so; liveness does not care. */
static void test_ready_store_gone(void **state) {
  (void)state;
  expo before;
  scrape(S->admin, &before);
  double errs0 = expo_get(&before, "ledger6_store_errors_total", "code=\"store_error\"", NULL) +
                 expo_get(&before, "ledger6_store_errors_total", "code=\"busy\"", NULL);
  free(before.s);
  if (tl_store_is_pg()) {
    PGconn *c = PQconnectdb(getenv("L6_STORE"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    char sql[300];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS false", S->store.db);
    PGresult *q = PQexec(c, sql);
    assert_int_equal(PQresultStatus(q), PGRES_COMMAND_OK);
    PQclear(q);
    snprintf(sql, sizeof sql, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '%s'",
             S->store.db);
    q = PQexec(c, sql);
    assert_int_equal(PQresultStatus(q), PGRES_TUPLES_OK);
    PQclear(q);
    PQfinish(c);
  } else {
    char p[L6_STORE_SPEC_MAX + 8];
    assert_int_equal(unlink(S->spec), 0);
    snprintf(p, sizeof p, "%s-wal", S->spec);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", S->spec);
    unlink(p);
  }
  tl_resp r = tl_http_req(S, "GET", "/v1/ready", NULL, NULL, NULL);
  tl_assert_status(&r, 503);
  assert_checks(r.body, false, false, true);
  const char *msg = tl_jstr(json_array_get(json_object_get(r.body, "checks"), 0), "message");
  print_message("ready: the store check says: %s\n", msg);
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/v1/health", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  /* The failure is counted. */
  expo after;
  tl_resp m = tl_http_req(S, "GET", "/metrics", S->admin, NULL, NULL);
  if (m.status == 200) { /* SQLite: the token is still known to the open connection */
    assert_true(expo_parse(m.raw, &after));
    double errs1 = expo_get(&after, "ledger6_store_errors_total", "code=\"store_error\"", NULL) +
                   expo_get(&after, "ledger6_store_errors_total", "code=\"busy\"", NULL);
    assert_true(errs1 >= errs0 + 1);
    free(after.s);
  } else { /* PostgreSQL: no token can be checked without the store */
    assert_true(m.status == 503 || m.status == 500);
  }
  tl_resp_free(&m);
  if (tl_store_is_pg()) { /* let the teardown drop it */
    PGconn *c = PQconnectdb(getenv("L6_STORE"));
    char sql[300];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS true", S->store.db);
    PQclear(PQexec(c, sql));
    PQfinish(c);
  }
}

/* ---- metrics ------------------------------------------------------------- */

static void test_metrics(void **state) {
  (void)state;
  expo a, b;
  scrape(S->admin, &a);
  const char *health = "method=\"GET\",route=\"/v1/health\",status=\"200\"";
  const char *health_h = "method=\"GET\",route=\"/v1/health\"";
  double n0 = expo_get(&a, "ledger6_http_requests_total", health, NULL);
  double c0 = expo_get(&a, "ledger6_http_request_duration_seconds_count", health_h, NULL);
  double commits0 = expo_get(&a, "ledger6_store_transactions_total", "outcome=\"commit\"", NULL);
  free(a.s);
  assert_true(n0 >= 1); /* test_access_log's */
  assert_true(commits0 >= 1);
  for (int i = 0; i < 5; i++) {
    tl_resp r = tl_http_req(S, "GET", "/v1/health", NULL, NULL, NULL);
    tl_resp_free(&r);
  }
  tl_resp r = tl_http_req(S, "GET", "/v1/accounts/555444333", S->admin, NULL, NULL);
  tl_resp_free(&r);
  tl_mk_project(S, "CHE.OPS.01", "VCS", "CHE"); /* an issuance: a leaf of the log */
  json_decref(tl_mk_issue(S, "CHE01", "CHE.OPS.01", "VCU", 2023, 10, 0));
  r = tl_http_req(S, "GET", "/v1/log/sth", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  int64_t tree = tl_jint(r.body, "tree_size");
  tl_resp_free(&r);
  scrape(S->admin, &b);
  assert_true(expo_get(&b, "ledger6_http_requests_total", health, NULL) == n0 + 5);
  assert_true(expo_get(&b, "ledger6_http_request_duration_seconds_count", health_h, NULL) == c0 + 5);
  assert_true(expo_get(&b, "ledger6_http_request_duration_seconds_bucket", health_h, "+Inf") == c0 + 5);
  assert_true(expo_get(&b, "ledger6_http_requests_total",
                       "method=\"GET\",route=\"/v1/accounts/{id}\",status=\"404\"", NULL) >= 1);
  assert_true(expo_get(&b, "ledger6_http_requests_total",
                       "method=\"GET\",route=\"/metrics\",status=\"200\"", NULL) >= 1);
  /* Labels are templates: no raw id anywhere. */
  for (size_t i = 0; i < b.n; i++) assert_null(strstr(b.s[i].labels, "555444333"));
  assert_true(expo_get(&b, "ledger6_store_transactions_total", "outcome=\"commit\"", NULL) > commits0);
  assert_true(expo_get(&b, "ledger6_store_commit_duration_seconds_count", "", NULL) ==
              expo_get(&b, "ledger6_store_transactions_total", "outcome=\"commit\"", NULL));
  assert_true(expo_get(&b, "ledger6_log_size", "", NULL) == (double)tree);
  assert_true(tree >= 1); /* the fixtures' transactions */
  assert_true(expo_get(&b, "ledger6_event_streams_open", "", NULL) == 0);
  assert_true(expo_get(&b, "ledger6_store_errors_total", "code=\"store_error\"", NULL) == 0);
  assert_true(expo_get(&b, "ledger6_store_errors_total", "code=\"busy\"", NULL) == 0);
  bool build = false;
  for (size_t i = 0; i < b.n; i++) build |= strcmp(b.s[i].name, "ledger6_build_info") == 0 && b.s[i].value == 1;
  assert_true(build);
  /* Who may read it: admin and auditor, not holders nor the public. */
  scrape(auditor, &a);
  free(a.s);
  r = tl_http_req(S, "GET", "/metrics", NULL, NULL, NULL);
  assert_error(&r, 401, "unauthorized");
  tl_resp_free(&r);
  r = tl_http_req(S, "GET", "/metrics", holder, NULL, NULL);
  assert_error(&r, 403, "forbidden");
  tl_resp_free(&r);
  free(b.s);
}

/* --metrics public: anyone; --metrics off: 404 for everyone. */
static void test_metrics_modes(void **state) {
  (void)state;
  assert_int_equal(tl_srv_stop(S), 0);
  S->extra[2] = "--metrics";
  S->extra[3] = "public";
  assert_int_equal(tl_srv_restart(S), 0);
  expo x;
  scrape(NULL, &x);
  free(x.s);
  assert_int_equal(tl_srv_stop(S), 0);
  S->extra[3] = "off";
  assert_int_equal(tl_srv_restart(S), 0);
  tl_resp r = tl_http_req(S, "GET", "/metrics", S->admin, NULL, NULL);
  assert_error(&r, 404, "not_found");
  tl_resp_free(&r);
  assert_int_equal(tl_srv_stop(S), 0);
  S->extra[2] = S->extra[3] = NULL;
  assert_int_equal(tl_srv_restart(S), 0);
}

int main(void) {
  const struct CMUnitTest parser[] = {cmocka_unit_test(test_parser_refuses)};
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_access_log),    cmocka_unit_test(test_metrics),   cmocka_unit_test(test_metrics_modes),
      cmocka_unit_test(test_health_ready), cmocka_unit_test(test_ready_store_gone),
  };
  int failed = cmocka_run_group_tests_name("ops_parser", parser, NULL, NULL);
  failed += cmocka_run_group_tests_name("ops", tests, setup, teardown);
  return failed;
}
