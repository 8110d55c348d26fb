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
 * after the leaf N0 - 1's: the cache below keeps, per filter, the raw rows
 * at some size and adds the rows of the newer transactions only (issue 21,
 * item 5: GET /v1/stats at 10^6 blocks took 11 s summing every batch and
 * line six times over; docs/PERFORMANCE.md). The project counts are read
 * each time (indexed GROUP BY over projects). */
#define STATS_CACHE 16
typedef struct {
  bool used;
  char host[4], programme[L6_CODE_MAX + 1];
  int64_t size;      /* log size summed up to */
  uint8_t root[32];  /* the log's root at size */
  l6_id last_tx;     /* the transaction of leaf size - 1 (0 when size is 0) */
  json_t *rows[L6_STAT_COUNTS + 1]; /* raw rows of each unit dimension, by key */
  uint64_t used_at;
} stats_entry;
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static stats_entry stats_cache[STATS_CACHE];
static uint64_t stats_clock;

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int key_cmp(const void *a, const void *b) {
  return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "key")),
                json_string_value(json_object_get(*(json_t *const *)b, "key")));
}

/* Adds delta's rows into rows (by key; a new key is inserted in order). */
static void rows_add(json_t *rows, json_t *delta, bool counts) {
  size_t i, j;
  json_t *d, *r;
  bool added = false;
  json_array_foreach(delta, i, d) {
    const char *k = json_string_value(json_object_get(d, "key"));
    bool found = false;
    json_array_foreach(rows, j, r) {
      if (!counts && strcmp(json_string_value(json_object_get(r, "key")), k) != 0) continue;
      static const char *const f[] = {"issued", "retired"};
      for (int x = 0; x < 2; x++)
        json_object_set_new(r, f[x], json_integer(json_integer_value(json_object_get(r, f[x])) +
                                                  json_integer_value(json_object_get(d, f[x]))));
      found = true;
      break;
    }
    if (!found) {
      json_array_append(rows, d);
      added = true;
    }
  }
  if (added && !counts) { /* keep the store's order by key */
    size_t n = json_array_size(rows);
    json_t **v = malloc(n * sizeof *v);
    if (v == NULL) return;
    for (i = 0; i < n; i++) v[i] = json_incref(json_array_get(rows, i));
    qsort(v, n, sizeof *v, key_cmp);
    json_array_clear(rows);
    for (i = 0; i < n; i++) json_array_append_new(rows, v[i]);
    free(v);
  }
}

/* The raw rows of the unit dimensions for the filter at the store's log
 * size, from the cache plus the newer transactions (or all, the first
 * time): rows[d] new references. */
static l6_err stats_units(l6_svc *s, const char *host, const char *programme, json_t *rows[L6_STAT_COUNTS + 1],
                          l6_error *err) {
  int64_t size;
  uint8_t root[32] = {0};
  l6_id last_tx = 0;
  l6_err e = OPS->log_size(s->st, &size, err);
  if (e == L6_E_OK && size > 0) e = tlog_root(s->st, size, root, err);
  if (e == L6_E_OK && size > 0) e = tlog_last_tx(s->st, size, &last_tx, err); /* letter leaves skipped */
  if (e != L6_E_OK) return e;
  if (size == 0) { /* no log (yet): nothing to tell stores apart by, so no cache */
    for (int d = 0; d <= L6_STAT_COUNTS && e == L6_E_OK; d++) {
      stat_ctx c = {.arr = json_array()};
      e = OPS->stats(s->st, (l6_stat_dim)d, host, programme, 0, stat_row, &c, err);
      rows[d] = c.arr;
    }
    return e;
  }
  /* the newest entry of this filter with a size <= ours, still our history */
  stats_entry base = {0};
  pthread_mutex_lock(&stats_mu);
  int slot = -1;
  for (int i = 0; i < STATS_CACHE; i++) {
    stats_entry *c = &stats_cache[i];
    if (!c->used || strcmp(c->host, host) != 0 || strcmp(c->programme, programme) != 0 || c->size > size) continue;
    if (slot < 0 || c->size > stats_cache[slot].size) slot = i;
  }
  if (slot >= 0) {
    base = stats_cache[slot];
    for (int d = 0; d <= L6_STAT_COUNTS; d++) base.rows[d] = json_deep_copy(stats_cache[slot].rows[d]);
    stats_cache[slot].used_at = ++stats_clock;
  }
  pthread_mutex_unlock(&stats_mu);
  if (slot >= 0 && base.size > 0) { /* is it our history? (the root at its size) */
    uint8_t r0[32];
    e = tlog_root(s->st, base.size, r0, err);
    if (e == L6_E_OK && memcmp(r0, base.root, 32) != 0) slot = -1;
  }
  if (e == L6_E_OK && slot >= 0 && base.size < size && base.size > 0 && last_tx <= base.last_tx) slot = -1; /* a leaf order not by id */
  if (slot < 0)
    for (int d = 0; d <= L6_STAT_COUNTS; d++) {
      if (base.rows[d]) json_decref(base.rows[d]);
      base.rows[d] = NULL;
    }
  l6_id after = slot >= 0 ? base.last_tx : 0;
  for (int d = 0; d <= L6_STAT_COUNTS && e == L6_E_OK; d++) {
    stat_ctx c = {.arr = json_array()};
    if (slot < 0 || base.size < size) e = OPS->stats(s->st, (l6_stat_dim)d, host, programme, after, stat_row, &c, err);
    if (base.rows[d] == NULL) {
      base.rows[d] = c.arr;
    } else {
      rows_add(base.rows[d], c.arr, d == L6_STAT_COUNTS);
      json_decref(c.arr);
    }
  }
  if (e != L6_E_OK) {
    for (int d = 0; d <= L6_STAT_COUNTS; d++) json_decref(base.rows[d]);
    return e;
  }
  /* remember these rows at this size: in place of the oldest entry */
  pthread_mutex_lock(&stats_mu);
  int put = 0;
  for (int i = 0; i < STATS_CACHE; i++) {
    stats_entry *c = &stats_cache[i];
    if (c->used && strcmp(c->host, host) == 0 && strcmp(c->programme, programme) == 0 && c->size == size &&
        memcmp(c->root, root, 32) == 0) {
      put = -1; /* another request already did */
      break;
    }
    if (stats_cache[put].used && (!c->used || c->used_at < stats_cache[put].used_at)) put = i; /* a free slot, else the least used */
  }
  if (put >= 0) {
    stats_entry *c = &stats_cache[put];
    for (int d = 0; d <= L6_STAT_COUNTS; d++)
      if (c->used) json_decref(c->rows[d]);
    *c = (stats_entry){.used = true, .size = size, .last_tx = last_tx, .used_at = ++stats_clock};
    snprintf(c->host, sizeof c->host, "%s", host);
    snprintf(c->programme, sizeof c->programme, "%s", programme);
    memcpy(c->root, root, 32);
    for (int d = 0; d <= L6_STAT_COUNTS; d++) c->rows[d] = json_deep_copy(base.rows[d]);
  }
  pthread_mutex_unlock(&stats_mu);
  for (int d = 0; d <= L6_STAT_COUNTS; d++) rows[d] = base.rows[d];
  return L6_E_OK;
}

l6_err svc_stats(l6_svc *s, const char *host, const char *programme, json_t **out, l6_error *err) {
  READ_ON_VIEW(s, svc_stats, host, programme, out, err); /* a snapshot, off the writer lock (readers.c) */
  *out = NULL;
  static const char *const names[L6_STAT__COUNT] = {"by_vintage", "by_host", "by_programme", "by_year", "by_reporting_year", NULL,
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
  for (int d = 0; d < L6_STAT__COUNT && e == L6_E_OK; d++) {
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
