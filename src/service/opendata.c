/*
 * opendata.c -- open data (issue 17 item 3): the pages the public CSV files
 * are streamed from (src/api/api_open.c), and GET /v1/stats, the totals the
 * dashboards need, grouped by the store in SQL (store.h ops->stats), with
 * the country groups of config/country-groups.json.
 *
 * A CSV file is read page by page, each page a snapshot of its own on a
 * reader view (READ_ON_VIEW): the file never holds the whole table in
 * memory, and a row committed while a long file streams may or may not be
 * in it (rows are listed by id, so none is listed twice).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../metrics.h"
#include "ldc.h"
#include "tlog.h"
#include "service_int.h"
#include "views.h"

#define OPS (s->st->ops)

/* ---- country groups (config/country-groups.json, optional) -------------- */

#define GROUPS_MAX 8
#define GROUP_MEMBERS_MAX 256

typedef struct {
  char code[17];
  char name[L6_NAME_MAX + 1];
  char source[512];
  char as_of[11];
  size_t n;
  char members[GROUP_MEMBERS_MAX][4];
} country_group;

static pthread_mutex_t groups_mu = PTHREAD_MUTEX_INITIALIZER;
static country_group *groups;
static size_t ngroups;

static l6_err bad_groups(l6_error *err, const char *path, const char *key, const char *why) {
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s: %s", path, key, why);
}

static bool only_keys(json_t *o, const char *const *keys, size_t n, const char **bad) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    bool ok = false;
    for (size_t i = 0; i < n; i++) ok |= strcmp(k, keys[i]) == 0;
    if (!ok) {
      *bad = k;
      return false;
    }
  }
  return true;
}

static bool copy_str(json_t *v, char *dst, size_t cap) {
  if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap) return false;
  memcpy(dst, json_string_value(v), json_string_length(v) + 1);
  return true;
}

static l6_err load_group(const char *path, const char *code, json_t *g, country_group *out, l6_error *err) {
  static const char *const keys[] = {"name", "source", "as_of", "note", "members"};
  const char *bad = NULL;
  if (!json_is_object(g)) return bad_groups(err, path, code, "must be an object");
  if (!only_keys(g, keys, 5, &bad)) return bad_groups(err, path, bad, "unknown key");
  if (strlen(code) == 0 || strlen(code) >= sizeof out->code) return bad_groups(err, path, code, "group codes have 1 to 16 characters");
  snprintf(out->code, sizeof out->code, "%s", code);
  if (!copy_str(json_object_get(g, "name"), out->name, sizeof out->name))
    return bad_groups(err, path, code, "name must be a short text");
  if (!copy_str(json_object_get(g, "source"), out->source, sizeof out->source))
    return bad_groups(err, path, code, "source must name where the list comes from");
  if (!copy_str(json_object_get(g, "as_of"), out->as_of, sizeof out->as_of) || strlen(out->as_of) != 10)
    return bad_groups(err, path, code, "as_of must be a date YYYY-MM-DD");
  json_t *note = json_object_get(g, "note");
  if (note && !json_is_string(note)) return bad_groups(err, path, code, "note must be a text");
  json_t *m = json_object_get(g, "members");
  if (!json_is_array(m) || json_array_size(m) == 0 || json_array_size(m) > GROUP_MEMBERS_MAX)
    return bad_groups(err, path, code, "members must be a non-empty array of at most 256 Party codes");
  size_t i;
  json_t *v;
  json_array_foreach(m, i, v) {
    const char *c = json_string_value(v);
    if (c == NULL || strlen(c) != 3 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] < 'A' || c[2] > 'Z')
      return bad_groups(err, path, code, "members must be ISO 3166-1 alpha-3 codes");
    for (size_t j = 0; j < out->n; j++)
      if (strcmp(out->members[j], c) == 0) return bad_groups(err, path, c, "listed twice");
    memcpy(out->members[out->n++], c, 4);
  }
  return L6_E_OK;
}

l6_err svc_groups_load(const char *dir, l6_error *err) {
  char path[4096];
  snprintf(path, sizeof path, "%s/country-groups.json", dir);
  FILE *f = fopen(path, "rb");
  if (f == NULL) return L6_E_OK; /* optional: /v1/stats then has no groups */
  fclose(f);
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s:%d: %s", path, je.line, je.text);
  static const char *const keys[] = {"description", "groups"};
  const char *bad = NULL;
  l6_err e = L6_E_OK;
  json_t *gs = json_object_get(root, "groups");
  if (!json_is_object(root)) e = bad_groups(err, path, "(top)", "must be an object");
  else if (!only_keys(root, keys, 2, &bad)) e = bad_groups(err, path, bad, "unknown key");
  else if (!json_is_object(gs) || json_object_size(gs) == 0 || json_object_size(gs) > GROUPS_MAX)
    e = bad_groups(err, path, "groups", "must be an object of 1 to 8 groups");
  country_group *g = e == L6_E_OK ? calloc(json_object_size(gs), sizeof *g) : NULL;
  if (e == L6_E_OK && g == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  size_t n = 0;
  const char *k;
  json_t *v;
  if (e == L6_E_OK) {
    json_object_foreach(gs, k, v) {
      if (e == L6_E_OK) e = load_group(path, k, v, &g[n++], err);
    }
  }
  json_decref(root);
  if (e != L6_E_OK) {
    free(g);
    return e;
  }
  pthread_mutex_lock(&groups_mu);
  free(groups);
  groups = g;
  ngroups = n;
  pthread_mutex_unlock(&groups_mu);
  return L6_E_OK;
}

int svc_group_member(const char *group, const char *party) {
  int r = -1;
  pthread_mutex_lock(&groups_mu);
  for (size_t i = 0; i < ngroups && r < 0; i++) {
    if (strcmp(groups[i].code, group) != 0) continue;
    r = 0;
    for (size_t j = 0; j < groups[i].n && r == 0; j++) r = strcmp(groups[i].members[j], party) == 0;
  }
  pthread_mutex_unlock(&groups_mu);
  return r;
}

/* ---- pages of the CSV files ---------------------------------------------- */

static json_t *v_trade_public(const l6_ex_trade *t) {
  /* The fields GET /v1/exchange/{code}/trades shows the public (exchange.c v_trade). */
  return json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)t->id, "instrument", t->instrument, "price",
                   (json_int_t)t->price, "qty", (json_int_t)t->qty, "taker_side", t->taker_side, "day", t->day, "ts",
                   t->ts);
}

typedef struct {
  json_t *arr;
  l6_id last;
  int count;
} trade_page;

static int trade_row(void *ctx, const void *row) {
  trade_page *c = ctx;
  json_array_append_new(c->arr, v_trade_public(row));
  c->last = ((const l6_ex_trade *)row)->id;
  c->count++;
  return 0;
}

static l6_err trades_page(l6_svc *s, l6_id after, int limit, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, trades_page, after, limit, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  trade_page c = {.arr = json_array()};
  e = OPS->ex_trade_page(s->st, after, limit, trade_row, &c, err);
  *out = json_pack("{s:o}", "items", c.arr);
  char cur[32];
  snprintf(cur, sizeof cur, "%lld", (long long)c.last);
  if (*out) view_set_next(*out, c.count == limit ? cur : NULL);
  return svc__finish_out(s, e, out, err);
}

l6_err svc_open_page(l6_svc *s, l6_open_kind kind, const char *after, int limit, json_t **out, l6_error *err) {
  static const l6_actor anonymous = {.role = L6_ROLE__NONE}; /* the public's view, whoever asks */
  l6_page pg = {.limit = limit};
  snprintf(pg.after, sizeof pg.after, "%s", after ? after : "");
  switch (kind) {
  case L6_OPEN_PROJECTS:
    return svc_project_list(s, &anonymous, NULL, NULL, NULL, &pg, out, err);
  case L6_OPEN_ISSUANCES:
    return svc_issuance_list(s, &anonymous, NULL, &pg, out, err);
  case L6_OPEN_RETIREMENTS: {
    l6_tx_filter f = {.kind = L6_TX_RETIREMENT, .limit = limit, .after = after ? strtoll(after, NULL, 10) : 0};
    return svc_tx_list(s, &anonymous, &f, out, err);
  }
  case L6_OPEN_TRADES:
    return trades_page(s, after ? strtoll(after, NULL, 10) : 0, limit, out, err);
  case L6_OPEN_SD: /* issue 20: SD indicators of the monitoring reports (mech_ldc.c) */
    return svc_sd_page(s, after, limit, out, err);
  case L6_OPEN_SAFEGUARDS: /* issue 20: the safeguards answered at registration (mech_ldc.c) */
    return svc_safeguards_page(s, after, limit, out, err);
  }
  return l6_fail(err, L6_E_INTERNAL, "unknown open data file");
}

/* ---- GET /v1/stats --------------------------------------------------------- */

typedef struct {
  json_t *arr;
  int64_t issued, retired;
} stat_ctx;

static int stat_row(void *ctx, const void *row) {
  stat_ctx *c = ctx;
  const l6_stat_row *r = row;
  json_array_append_new(c->arr, json_pack("{s:s, s:I, s:I}", "key", r->key, "issued", (json_int_t)r->issued, "retired",
                                          (json_int_t)r->retired));
  c->issued += r->issued;
  c->retired += r->retired;
  return 0;
}

/* The unit figures (dimensions L6_STAT_VINTAGE to L6_STAT_COUNTS) are
 * sums over transactions, and a batch or retirement line is written only
 * with its transaction, in the commit that appends the transaction's leaf
 * to the transparency log (tlog.c); projects change only their status,
 * which no unit figure reads. So the figures of a store whose log is
 * size N are those of the log at N0 <= N (root equal to the store's root
 * at N0: the same store and history) plus the sums of the transactions
 * after the leaf N0 - 1's (issue 21, item 5: GET /v1/stats at 10^6 blocks
 * took 11 s summing every batch and line six times over;
 * docs/PERFORMANCE.md).
 *
 * The cache below keeps ONE grid for every filter: the figures grouped by
 * every dimension /v1/stats filters or groups on (host, programme,
 * vintage, year; host, programme, reporting year; the batches by host and
 * programme; the retirements by the (host, programme) pairs of their
 * lines), at some log size, and adds the rows of the newer transactions
 * only. Any filter is then a sum over the grid's cells in memory (a few
 * thousand cells at 100,000 projects), not a scan of the store: only the
 * first call after start (`serve` makes it in a thread) reads every batch
 * and line. A retirement counts once in a filter however many of its
 * lines fall in it: one with lines of a single (host, programme) is
 * counted in that cell, the few with several keep their pairs (multi).
 * A few grids of different sizes are kept, for readers on older
 * snapshots. The project counts are read each time (indexed GROUP BY over
 * projects). */
enum { GK_UNITS, GK_RYEAR, GK_BATCHES, GK_RETS };
typedef struct {
  uint8_t kind;                          /* GK_* */
  char host[4], prog[L6_CODE_MAX + 1];
  char a[24], b[8];                      /* GK_UNITS: vintage, year; GK_RYEAR: reporting year */
  int64_t issued, retired;               /* GK_BATCHES: issued = batches; GK_RETS: retired = retirements */
} gcell;
typedef struct {
  l6_id tx;
  char host[4], prog[L6_CODE_MAX + 1];
} gpair;
typedef struct {
  bool used;
  int64_t size;      /* log size summed up to */
  uint8_t root[32];  /* the log's root at size */
  l6_id last_tx;     /* the transaction of leaf size - 1 (0 when size is 0) */
  uint64_t used_at;
  gcell *cells;      /* sorted by gcell_cmp, one per key */
  size_t ncells, capcells;
  gpair *multi;      /* the pairs of the retirements with lines in more than one (host, programme), by tx */
  size_t nmulti, capmulti;
} stats_grid;
#define STATS_CACHE 4
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static stats_grid stats_cache[STATS_CACHE];
static uint64_t stats_clock;

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int gcell_cmp(const void *x, const void *y) {
  const gcell *a = x, *b = y;
  int c = (int)a->kind - (int)b->kind;
  if (c == 0) c = strcmp(a->host, b->host);
  if (c == 0) c = strcmp(a->prog, b->prog);
  if (c == 0) c = strcmp(a->a, b->a);
  if (c == 0) c = strcmp(a->b, b->b);
  return c;
}

static void grid_free(stats_grid *g) {
  free(g->cells);
  free(g->multi);
  memset(g, 0, sizeof *g);
}

static bool grid_copy(stats_grid *dst, const stats_grid *src) {
  *dst = *src;
  dst->cells = malloc((src->ncells ? src->ncells : 1) * sizeof *dst->cells);
  dst->multi = malloc((src->nmulti ? src->nmulti : 1) * sizeof *dst->multi);
  dst->capcells = src->ncells;
  dst->capmulti = src->nmulti;
  if (dst->cells == NULL || dst->multi == NULL) {
    grid_free(dst);
    return false;
  }
  if (src->ncells) memcpy(dst->cells, src->cells, src->ncells * sizeof *dst->cells);
  if (src->nmulti) memcpy(dst->multi, src->multi, src->nmulti * sizeof *dst->multi);
  return true;
}

static bool grow(void **p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return true;
  size_t c = *cap ? *cap * 2 : 256;
  void *q = realloc(*p, c * size);
  if (q == NULL) return false;
  *p = q;
  *cap = c;
  return true;
}

/* Splits key into at most n fields at single spaces (a field may be empty). */
static size_t split_key(char *key, char **f, size_t n) {
  size_t m = 0;
  f[m++] = key;
  for (char *p = key; *p && m < n; p++)
    if (*p == ' ') {
      *p = '\0';
      f[m++] = p + 1;
    }
  for (size_t i = m; i < n; i++) f[i] = "";
  return m;
}

typedef struct {
  stats_grid *g;
  int kind;
  size_t tx_start; /* GK_RETS: the first pair of the current retirement in g->multi */
  bool oom;
} grid_load_ctx;

/* A single-pair retirement left at the end of multi becomes a cell. */
static void rets_flush(grid_load_ctx *c) {
  stats_grid *g = c->g;
  if (g->nmulti != c->tx_start + 1) return;
  if (!grow((void **)&g->cells, &g->capcells, g->ncells, sizeof *g->cells)) {
    c->oom = true;
    return;
  }
  gcell *x = &g->cells[g->ncells++];
  *x = (gcell){.kind = GK_RETS, .retired = 1};
  memcpy(x->host, g->multi[c->tx_start].host, sizeof x->host);
  memcpy(x->prog, g->multi[c->tx_start].prog, sizeof x->prog);
  g->nmulti--;
}

static int grid_row(void *ctx, const void *row) {
  grid_load_ctx *c = ctx;
  const l6_stat_row *r = row;
  stats_grid *g = c->g;
  char key[sizeof r->key];
  char *f[4];
  memcpy(key, r->key, sizeof key);
  if (c->kind == GK_RETS) { /* "TX HOST PROGRAMME", issued = TX, by TX */
    split_key(key, f, 3);
    if (g->nmulti > c->tx_start && g->multi[c->tx_start].tx != r->issued) {
      rets_flush(c);
      c->tx_start = g->nmulti;
    }
    if (c->oom || !grow((void **)&g->multi, &g->capmulti, g->nmulti, sizeof *g->multi)) {
      c->oom = true;
      return 1;
    }
    gpair *p = &g->multi[g->nmulti++];
    p->tx = r->issued;
    snprintf(p->host, sizeof p->host, "%s", f[1]);
    snprintf(p->prog, sizeof p->prog, "%s", f[2]);
    return 0;
  }
  if (!grow((void **)&g->cells, &g->capcells, g->ncells, sizeof *g->cells)) {
    c->oom = true;
    return 1;
  }
  split_key(key, f, 4);
  gcell *x = &g->cells[g->ncells++];
  *x = (gcell){.kind = (uint8_t)c->kind, .issued = r->issued, .retired = r->retired};
  snprintf(x->host, sizeof x->host, "%s", f[0]);
  snprintf(x->prog, sizeof x->prog, "%s", f[1]);
  snprintf(x->a, sizeof x->a, "%s", f[2]);
  snprintf(x->b, sizeof x->b, "%s", f[3]);
  return 0;
}

/* Adds the figures of the transactions after after_tx to g (every one
 * when 0) and sorts and merges its cells. */
static l6_err grid_load(l6_svc *s, stats_grid *g, l6_id after_tx, l6_error *err) {
  static const l6_stat_dim dims[] = {L6_STAT_CELLS, L6_STAT_RCELLS, L6_STAT_BCOUNT, L6_STAT_RTX};
  static const int kinds[] = {GK_UNITS, GK_RYEAR, GK_BATCHES, GK_RETS};
  l6_err e = L6_E_OK;
  grid_load_ctx c = {.g = g};
  for (size_t i = 0; i < 4 && e == L6_E_OK; i++) {
    c.kind = kinds[i];
    c.tx_start = g->nmulti;
    e = OPS->stats(s->st, dims[i], "", "", after_tx, grid_row, &c, err);
    if (e == L6_E_OK && c.kind == GK_RETS && !c.oom) rets_flush(&c);
    if (e == L6_E_OK && c.oom) e = l6_fail(err, L6_E_NOMEM, NULL);
  }
  if (e != L6_E_OK) return e;
  if (g->ncells > 1) qsort(g->cells, g->ncells, sizeof *g->cells, gcell_cmp); /* cells NULL when none */
  size_t n = 0;
  for (size_t i = 0; i < g->ncells; i++) {
    if (n > 0 && gcell_cmp(&g->cells[n - 1], &g->cells[i]) == 0) {
      g->cells[n - 1].issued += g->cells[i].issued;
      g->cells[n - 1].retired += g->cells[i].retired;
    } else {
      g->cells[n++] = g->cells[i];
    }
  }
  g->ncells = n;
  return L6_E_OK;
}

typedef struct {
  const char *key;
  int64_t issued, retired;
} gsum;

static int gsum_cmp(const void *x, const void *y) { return strcmp(((const gsum *)x)->key, ((const gsum *)y)->key); }

static int gsum_cmp_num(const void *x, const void *y) {
  long long a = atoll(((const gsum *)x)->key), b = atoll(((const gsum *)y)->key);
  return a < b ? -1 : a > b ? 1 : gsum_cmp(x, y);
}

/* Sums of the cells of kind in the filter by one of their fields (0 host,
 * 1 programme, 2 a, 3 b), ordered by key: the rows {key, issued, retired}. */
static json_t *grid_rows(const stats_grid *g, int kind, int field, const char *host, const char *prog, bool numeric) {
  size_t n = 0, cap = 0;
  gsum *v = NULL;
  for (size_t i = 0; i < g->ncells; i++) {
    const gcell *x = &g->cells[i];
    if (x->kind != kind || (host[0] && strcmp(x->host, host) != 0) || (prog[0] && strcmp(x->prog, prog) != 0)) continue;
    const char *k = field == 0 ? x->host : field == 1 ? x->prog : field == 2 ? x->a : x->b;
    size_t j = n;
    while (j > 0 && strcmp(v[j - 1].key, k) != 0) j--; /* a few dozen keys a dimension */
    if (j == 0 || strcmp(v[j - 1].key, k) != 0) {
      if (!grow((void **)&v, &cap, n, sizeof *v)) break;
      v[n++] = (gsum){.key = k};
      j = n;
    }
    v[j - 1].issued += x->issued;
    v[j - 1].retired += x->retired;
  }
  if (n > 1) qsort(v, n, sizeof *v, numeric ? gsum_cmp_num : gsum_cmp); /* v NULL when none */
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "key", v[i].key, "issued", (json_int_t)v[i].issued, "retired",
                                         (json_int_t)v[i].retired));
  free(v);
  return arr;
}

/* The rows of the unit dimensions for a filter, from a grid. */
static void grid_answer(const stats_grid *g, const char *host, const char *prog, json_t *rows[L6_STAT_COUNTS + 1]) {
  rows[L6_STAT_VINTAGE] = grid_rows(g, GK_UNITS, 2, host, prog, false);
  rows[L6_STAT_HOST] = grid_rows(g, GK_UNITS, 0, host, prog, false);
  rows[L6_STAT_PROGRAMME] = grid_rows(g, GK_UNITS, 1, host, prog, false);
  rows[L6_STAT_YEAR] = grid_rows(g, GK_UNITS, 3, host, prog, false);
  rows[L6_STAT_RYEAR] = grid_rows(g, GK_RYEAR, 2, host, prog, true);
  int64_t batches = 0, rets = 0;
  for (size_t i = 0; i < g->ncells; i++) {
    const gcell *x = &g->cells[i];
    if ((host[0] && strcmp(x->host, host) != 0) || (prog[0] && strcmp(x->prog, prog) != 0)) continue;
    if (x->kind == GK_BATCHES) batches += x->issued;
    if (x->kind == GK_RETS) rets += x->retired;
  }
  for (size_t i = 0; i < g->nmulti;) { /* a retirement of several pairs: once if any is in the filter */
    size_t j = i;
    bool in = false;
    for (; j < g->nmulti && g->multi[j].tx == g->multi[i].tx; j++)
      in |= (!host[0] || strcmp(g->multi[j].host, host) == 0) && (!prog[0] || strcmp(g->multi[j].prog, prog) == 0);
    rets += in;
    i = j;
  }
  rows[L6_STAT_COUNTS] = json_pack("[{s:s, s:I, s:I}]", "key", "all", "issued", (json_int_t)batches, "retired", (json_int_t)rets);
}

/* The rows of the unit dimensions for the filter at the store's log size:
 * from the newest grid at a size <= ours (still our history) plus the
 * newer transactions, or from every transaction the first time. */
static l6_err stats_units(l6_svc *s, const char *host, const char *programme, json_t *rows[L6_STAT_COUNTS + 1],
                          l6_error *err) {
  int64_t size;
  uint8_t root[32] = {0};
  l6_id last_tx = 0;
  l6_err e = OPS->log_size(s->st, &size, err);
  if (e == L6_E_OK && size > 0) e = tlog_root(s->st, size, root, err);
  if (e == L6_E_OK && size > 0) e = tlog_last_tx(s->st, size, &last_tx, err); /* letter leaves skipped */
  if (e != L6_E_OK) return e;
  stats_grid g = {0};
  if (size == 0) { /* no log (yet): nothing to tell stores apart by, so no cache */
    metrics_stats_full_sum();
    e = grid_load(s, &g, 0, err);
    if (e == L6_E_OK) grid_answer(&g, host, programme, rows);
    grid_free(&g);
    return e;
  }
  pthread_mutex_lock(&stats_mu);
  int slot = -1;
  for (int i = 0; i < STATS_CACHE; i++) {
    stats_grid *c = &stats_cache[i];
    if (c->used && c->size <= size && (slot < 0 || c->size > stats_cache[slot].size)) slot = i;
  }
  if (slot >= 0 && stats_cache[slot].size == size && memcmp(stats_cache[slot].root, root, 32) == 0) {
    stats_cache[slot].used_at = ++stats_clock; /* this very state: sum its cells */
    grid_answer(&stats_cache[slot], host, programme, rows);
    pthread_mutex_unlock(&stats_mu);
    return L6_E_OK;
  }
  bool have = slot >= 0 && stats_cache[slot].size < size && grid_copy(&g, &stats_cache[slot]);
  pthread_mutex_unlock(&stats_mu);
  if (!have) metrics_stats_full_sum();
  if (have) { /* is it our history? (the root at its size; leaves in id order) */
    uint8_t r0[32];
    e = tlog_root(s->st, g.size, r0, err);
    if (e != L6_E_OK || memcmp(r0, g.root, 32) != 0 || last_tx <= g.last_tx) {
      grid_free(&g);
      if (e == L6_E_OK) metrics_stats_full_sum();
    }
  }
  if (e == L6_E_OK) e = grid_load(s, &g, g.used ? g.last_tx : 0, err);
  if (e != L6_E_OK) {
    grid_free(&g);
    return e;
  }
  g.used = true;
  g.size = size;
  g.last_tx = last_tx;
  memcpy(g.root, root, 32);
  grid_answer(&g, host, programme, rows);
  /* remember the grid at this size: in a free slot, else the least used */
  pthread_mutex_lock(&stats_mu);
  int put = 0;
  for (int i = 0; i < STATS_CACHE; i++) {
    stats_grid *c = &stats_cache[i];
    if (c->used && c->size == size && memcmp(c->root, root, 32) == 0) {
      put = -1; /* another request already did */
      break;
    }
    if (stats_cache[put].used && (!c->used || c->used_at < stats_cache[put].used_at)) put = i;
  }
  if (put >= 0) {
    grid_free(&stats_cache[put]);
    g.used_at = ++stats_clock;
    stats_cache[put] = g;
  } else {
    grid_free(&g);
  }
  pthread_mutex_unlock(&stats_mu);
  return L6_E_OK;
}

l6_err svc_stats(l6_svc *s, const char *host, const char *programme, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_stats, host, programme, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  static const char *const names[L6_STAT_PROJECTS + 1] = {"by_vintage", "by_host", "by_programme", "by_year", "by_reporting_year", NULL,
                                                    NULL};
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) return e;
  json_t *o = json_object();
  stat_ctx by_host = {0};
  int64_t counts[2] = {0, 0}; /* batches, retirements */
  int64_t nprojects = 0;      /* the projects in the filter, issued or not */
  json_t *units[L6_STAT_COUNTS + 1] = {0};
  if (strlen(host ? host : "") > 3 || strlen(programme ? programme : "") > L6_CODE_MAX) {
    for (int d = 0; d <= L6_STAT_COUNTS; d++) units[d] = json_array(); /* no such Party or programme: nothing */
  } else {
    e = stats_units(s, host ? host : "", programme ? programme : "", units, err);
  }
  for (int d = 0; d <= L6_STAT_PROJECTS && e == L6_E_OK; d++) {
    stat_ctx c = {.arr = NULL};
    if (d <= L6_STAT_COUNTS) {
      c.arr = units[d];
      units[d] = NULL;
      size_t j;
      json_t *row;
      json_array_foreach(c.arr, j, row) {
        c.issued += json_integer_value(json_object_get(row, "issued"));
        c.retired += json_integer_value(json_object_get(row, "retired"));
      }
    } else {
      c.arr = json_array();
      e = OPS->stats(s->st, (l6_stat_dim)d, host ? host : "", programme ? programme : "", 0, stat_row, &c, err);
    }
    if (d == L6_STAT_HOST) by_host = c;
    if (d == L6_STAT_COUNTS) {
      json_t *row = json_array_get(c.arr, 0);
      counts[0] = json_integer_value(json_object_get(row, "issued"));
      counts[1] = json_integer_value(json_object_get(row, "retired"));
      json_decref(c.arr);
      continue;
    }
    if (d == L6_STAT_PROJECTS) { /* "STATUS HOST PROGRAMME" -> the three lists {"key", "projects"} */
      static const char *const pnames[3] = {"projects_by_status", "projects_by_host", "projects_by_programme"};
      json_t *by[3] = {json_object(), json_object(), json_object()};
      size_t j;
      json_t *row;
      json_array_foreach(c.arr, j, row) {
        char k[64];
        snprintf(k, sizeof k, "%s", json_string_value(json_object_get(row, "key")));
        json_int_t n = json_integer_value(json_object_get(row, "issued"));
        nprojects += n;
        char *save = NULL, *part = strtok_r(k, " ", &save);
        for (int x = 0; x < 3 && part; x++, part = strtok_r(NULL, " ", &save))
          json_object_set_new(by[x], part, json_integer(json_integer_value(json_object_get(by[x], part)) + n));
      }
      json_decref(c.arr);
      for (int x = 0; x < 3; x++) {
        size_t n = json_object_size(by[x]), m = 0;
        const char **keys = malloc((n ? n : 1) * sizeof *keys);
        json_t *arr = json_array();
        const char *k;
        json_t *v;
        if (keys) json_object_foreach(by[x], k, v) keys[m++] = k;
        qsort(keys, m, sizeof *keys, cmp_cstr);
        for (size_t i = 0; i < m; i++)
          json_array_append_new(arr, json_pack("{s:s, s:O}", "key", keys[i], "projects", json_object_get(by[x], keys[i])));
        free(keys);
        json_decref(by[x]);
        json_object_set_new(o, pnames[x], arr);
      }
      continue;
    }
    if (d == L6_STAT_RYEAR) { /* {"key": "2025" or null (none given), "retired"} */
      size_t j;
      json_t *row;
      json_array_foreach(c.arr, j, row) {
        const char *k = json_string_value(json_object_get(row, "key"));
        if (k && strcmp(k, "0") == 0) json_object_set_new(row, "key", json_null());
        json_object_del(row, "issued");
      }
    }
    json_object_set_new(o, names[d], c.arr);
  }
  json_object_set_new(o, "filters", json_pack("{s:s?, s:s?}", "host", host && host[0] ? host : NULL, "programme",
                                              programme && programme[0] ? programme : NULL));
  json_object_set_new(o, "totals", json_pack("{s:I, s:I, s:I, s:I, s:I}", "issued", (json_int_t)by_host.issued, "retired",
                                             (json_int_t)by_host.retired, "batches", (json_int_t)counts[0], "retirements",
                                             (json_int_t)counts[1], "projects", (json_int_t)nprojects));
  /* A group's totals: the sum of its hosts' rows, each already summed by
   * the store (at most one row per Party). */
  json_t *garr = json_array();
  pthread_mutex_lock(&groups_mu);
  for (size_t i = 0; i < ngroups && e == L6_E_OK; i++) {
    const country_group *g = &groups[i];
    int64_t iss = 0, ret = 0, hosts = 0;
    size_t j;
    json_t *row;
    json_array_foreach(by_host.arr, j, row) {
      const char *k = json_string_value(json_object_get(row, "key"));
      for (size_t m = 0; k && m < g->n; m++) {
        if (strcmp(g->members[m], k) != 0) continue;
        iss += json_integer_value(json_object_get(row, "issued"));
        ret += json_integer_value(json_object_get(row, "retired"));
        hosts++;
        break;
      }
    }
    json_array_append_new(garr, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "group", g->code, "name", g->name,
                                          "source", g->source, "as_of", g->as_of, "members", (json_int_t)g->n, "hosts",
                                          (json_int_t)hosts, "issued", (json_int_t)iss, "retired", (json_int_t)ret));
  }
  pthread_mutex_unlock(&groups_mu);
  json_object_set_new(o, "groups", garr);
  for (int d = 0; d <= L6_STAT_COUNTS; d++) json_decref(units[d]); /* left by an error */
  *out = o;
  return svc__finish_out(s, e, out, err);
}
