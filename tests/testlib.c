/* testlib.c -- shared test helpers; see testlib.h. Sections as there. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "testlib.h"

#include <assert.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

/* ---- 1. Seeded randomness ------------------------------------------------ */

/* splitmix64's output function: a bijective mix of 64 bits. */
static uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t tl_seed(void) {
  static int have;
  static uint64_t seed;
  if (have) return seed;
  const char *env = getenv("L6_SEED");
  if (env != NULL && env[0] != '\0') {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(env, &end, 0);
    if (errno != 0 || *end != '\0' || env[0] == '-') {
      fprintf(stderr, "testlib: L6_SEED=%s is not an unsigned integer\n", env);
      abort();
    }
    seed = (uint64_t)v;
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = mix64((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) ^ (uint64_t)getpid();
  }
  have = 1;
  fprintf(stderr, "testlib: L6_SEED=%" PRIu64 "\n", seed);
  return seed;
}

void tl_rng_init(tl_rng *r, uint64_t stream) { r->state = mix64(tl_seed() ^ mix64(stream)); }

uint64_t tl_rng_next(tl_rng *r) {
  r->state += 0x9e3779b97f4a7c15ULL;
  return mix64(r->state);
}

uint64_t tl_rng_below(tl_rng *r, uint64_t n) {
  assert(n > 0);
  /* Reject the top partial bucket so every value is equally likely. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = tl_rng_next(r);
  while (x >= limit);
  return x % n;
}

int64_t tl_rng_range(tl_rng *r, int64_t lo, int64_t hi) {
  assert(lo <= hi);
  uint64_t span = (uint64_t)hi - (uint64_t)lo; /* hi - lo without overflow */
  uint64_t off = span == UINT64_MAX ? tl_rng_next(r) : tl_rng_below(r, span + 1);
  return (int64_t)((uint64_t)lo + off);
}

/* ---- 2. Temporary directories -------------------------------------------- */

char *tl_tmpdir_make(const char *tag) {
  const char *base = getenv("TMPDIR");
  if (base == NULL || base[0] == '\0') base = "/tmp";
  size_t cap = strlen(base) + strlen(tag) + sizeof "/ledger6--XXXXXX";
  char *path = malloc(cap);
  if (path == NULL) return NULL;
  snprintf(path, cap, "%s/ledger6-%s-XXXXXX", base, tag);
  if (mkdtemp(path) == NULL) {
    int saved = errno;
    free(path);
    errno = saved;
    return NULL;
  }
  return path;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  if (remove(path) != 0) fprintf(stderr, "testlib: cannot remove %s: %s\n", path, strerror(errno));
  return 0; /* keep going: remove as much as possible */
}

int tl_tmpdir_remove(char *path) {
  if (path == NULL) return 0;
  const char *slash = strrchr(path, '/');
  const char *name = slash ? slash + 1 : path;
  if (strncmp(name, "ledger6-", 8) != 0) {
    fprintf(stderr, "testlib: refusing to remove %s (not made by tl_tmpdir_make)\n", path);
    free(path);
    return -1;
  }
  /* FTW_DEPTH visits children before their directory; FTW_PHYS never
   * follows symbolic links out of the tree. */
  nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  int rc = access(path, F_OK) == 0 ? -1 : 0;
  free(path);
  return rc;
}

/* ---- 3. Stores ----------------------------------------------------------- */

static const char *pg_base(void) {
  const char *e = getenv("L6_STORE");
  return store_spec_is_pg(e) ? e : NULL;
}

int tl_store_is_pg(void) { return pg_base() != NULL; }

int tl_store_exec(const char *spec, const char *sql) {
  int rc = 0;
  if (tl_store_is_pg()) {
    PGconn *c = PQconnectdb(spec);
    PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
    if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
      fprintf(stderr, "testlib: %s: %s\n", sql, PQerrorMessage(c));
      rc = -1;
    }
    PQclear(r);
    PQfinish(c);
    return rc;
  }
  sqlite3 *h = NULL;
  char *msg = NULL;
  if (sqlite3_open(spec, &h) != SQLITE_OK) rc = -1;
  if (rc == 0) sqlite3_busy_timeout(h, 5000);
  if (rc == 0 && sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) rc = -1;
  if (rc) fprintf(stderr, "testlib: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(h));
  sqlite3_free(msg);
  sqlite3_close(h);
  return rc;
}

int tl_store_make(tl_store *t, const char *tag, int memory_ok) {
  memset(t, 0, sizeof *t);
  const char *base = pg_base();
  if (base == NULL) {
    if (memory_ok) {
      snprintf(t->spec, sizeof t->spec, ":memory:");
      return 0;
    }
    t->dir = tl_tmpdir_make(tag);
    if (t->dir == NULL) {
      fprintf(stderr, "testlib: cannot make a folder for store %s: %s\n", tag, strerror(errno));
      return -1;
    }
    snprintf(t->spec, sizeof t->spec, "%s/l.db", t->dir);
    return 0;
  }
  /* A database name the store accepts: [a-z0-9_], at most 63 bytes. */
  static unsigned counter;
  char clean[24];
  size_t n = 0;
  for (const char *c = tag; *c && n < sizeof clean - 1; c++) {
    char ch = *c;
    if (ch >= 'A' && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
    clean[n++] = ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) ? ch : '_';
  }
  clean[n] = '\0';
  snprintf(t->db, sizeof t->db, "l6t_%s_%ld_%u", clean, (long)getpid(), counter++);
  l6_error err = {0};
  if (store_pg_create_db(base, t->db, t->spec, sizeof t->spec, &err) != L6_E_OK) {
    fprintf(stderr, "testlib: cannot create database %s: %s\n", t->db, err.message);
    t->db[0] = '\0';
    return -1;
  }
  return 0;
}

l6_store *tl_store_open(const tl_store *t) {
  l6_error err = {0};
  l6_store *st = store_open(t->spec, &err);
  if (st == NULL) fprintf(stderr, "testlib: store_open(%s): %s: %s\n", t->spec, l6_err_code(err.code), err.message);
  return st;
}

int tl_store_free(tl_store *t) {
  int rc = 0;
  if (t->dir) rc = tl_tmpdir_remove(t->dir);
  if (t->db[0]) {
    l6_error err = {0};
    if (store_pg_drop_db(pg_base(), t->db, &err) != L6_E_OK) {
      fprintf(stderr, "testlib: cannot drop database %s: %s\n", t->db, err.message);
      rc = -1;
    }
  }
  memset(t, 0, sizeof *t);
  return rc;
}

/* ---- 4. Text buffers ------------------------------------------------------ */

void tl_sb_add(tl_sbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) abort();
  if (b->len + (size_t)n + 1 > b->cap) {
    b->cap = (b->len + (size_t)n + 1) * 2;
    b->buf = realloc(b->buf, b->cap);
    if (b->buf == NULL) abort();
  }
  va_start(ap, fmt);
  vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}
