/*
 * origin.c -- registries outside the Parties: config/origins.json, origin
 * serial lookups and the importer of public exports; see origin.h.
 */
#include "origin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/origin.h"
#include "a6.h"
#include "move.h"
#include "service_int.h"
#include "tlog.h"

#define OPS (s->st->ops)

typedef struct {
  char code[L6_ORIGIN_CODE_MAX + 1];   /* "verra" */
  char name[L6_NAME_MAX + 1];
  char registry[6];                    /* its ledger6 registry id */
  char seat[4];                        /* the Party of the standard's seat: the registry row's party */
  char programme[L6_CODE_MAX + 1];
  char unit_type[L6_CODE_MAX + 1];
  char project_prefix[16];             /* ledger6 project ids are PREFIX.ID */
  origin_pattern pattern;
  bool has_serial;                     /* false: the origin's exports give no serials (Isometric), no pattern */
} origin_def;

typedef struct {
  char name[L6_NAME_MAX + 1];
  char code[4];
} country_name;

struct origin_set {
  origin_def o[L6_MAX_ORIGINS];
  size_t n;
  country_name *countries;             /* ISO 3166 names, then the aliases */
  size_t ncountries;
};

void svc__origins_free(l6_svc *s) {
  if (s->origins == NULL) return;
  for (size_t i = 0; i < s->origins->n; i++)
    if (s->origins->o[i].has_serial) origin_pattern_free(&s->origins->o[i].pattern);
  free(s->origins->countries);
  free(s->origins);
  s->origins = NULL;
}

static const origin_def *origin_get(const l6_svc *s, const char *code) {
  if (s->origins == NULL) return NULL;
  for (size_t i = 0; i < s->origins->n; i++)
    if (strcmp(s->origins->o[i].code, code) == 0) return &s->origins->o[i];
  return NULL;
}

bool svc_origin_known(const l6_svc *s, const char *code) { return origin_get(s, code) != NULL; }

/* ---- configuration ---------------------------------------------------- */

static l6_err cfg_fail(l6_error *err, const char *path, const char *where, const char *what) {
  return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s: %s", path, where, what);
}

/* Refuses any key of o not in allowed (NULL-terminated). */
static l6_err only_keys(json_t *o, const char *const *allowed, const char *path, const char *where, l6_error *err) {
  const char *k;
  json_t *v;
  json_object_foreach(o, k, v) {
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++) ok = strcmp(k, allowed[i]) == 0;
    if (!ok) return l6_fail(err, L6_E_INVALID_CONFIG, "%s: %s: unknown key '%s'", path, where, k);
  }
  return L6_E_OK;
}

static l6_err str_field(json_t *o, const char *key, char *dst, size_t cap, const char *path, const char *where,
                        l6_error *err) {
  const char *v = json_string_value(json_object_get(o, key));
  if (v == NULL || v[0] == '\0' || strlen(v) >= cap) {
    char what[96];
    snprintf(what, sizeof what, "'%s' must be a string of 1 to %zu bytes", key, cap - 1);
    return cfg_fail(err, path, where, what);
  }
  snprintf(dst, cap, "%s", v);
  return L6_E_OK;
}

static l6_err add_country(struct origin_set *set, size_t *cap, const char *name, const char *code, l6_error *err) {
  country_name *c = svc__grow(set->countries, set->ncountries, cap, sizeof *c, 256);
  if (c == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  set->countries = c;
  snprintf(c[set->ncountries].name, sizeof c->name, "%s", name);
  snprintf(c[set->ncountries].code, sizeof c->code, "%s", code);
  set->ncountries++;
  return L6_E_OK;
}

static l6_err load_iso_names(struct origin_set *set, size_t *cap, const char *dir, l6_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/iso3166-1.tsv", dir);
  FILE *f = fopen(path, "r");
  if (f == NULL) return L6_E_OK; /* svc_load_config already requires it; a bare test dir may lack it */
  char line[512];
  l6_err e = L6_E_OK;
  while (e == L6_E_OK && fgets(line, sizeof line, f)) {
    if (line[0] == '#' || strlen(line) < 5 || line[3] != '\t') continue;
    line[strcspn(line, "\r\n")] = '\0';
    char code[4];
    memcpy(code, line, 3);
    code[3] = '\0';
    e = add_country(set, cap, line + 4, code, err);
  }
  fclose(f);
  /* ISO 3166 alpha-2 codes, as ACR and CAR name countries ("US"):
   * CODE2<TAB>CODE3 (from Debian's iso-codes, like iso3166-1.tsv). */
  snprintf(path, sizeof path, "%s/iso3166-1-alpha2.tsv", dir);
  f = fopen(path, "r");
  while (f && e == L6_E_OK && fgets(line, sizeof line, f)) {
    if (line[0] == '#' || strlen(line) < 6 || line[2] != '\t') continue;
    line[strcspn(line, "\r\n")] = '\0';
    if (strlen(line) != 6) continue;
    line[2] = '\0';
    e = add_country(set, cap, line, line + 3, err);
  }
  if (f) fclose(f);
  return e;
}

l6_err svc_origins_load(l6_svc *s, const char *dir, l6_error *err) {
  char path[1024];
  snprintf(path, sizeof path, "%s/origins.json", dir);
  FILE *probe = fopen(path, "r");
  if (probe == NULL) return L6_E_OK; /* optional */
  fclose(probe);
  json_error_t je;
  json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (root == NULL) return l6_fail(err, L6_E_INVALID_CONFIG, "%s:%d: %s", path, je.line, je.text);
  struct origin_set *set = calloc(1, sizeof *set);
  size_t cap = 0;
  l6_err e = set ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  static const char *const top_keys[] = {"description", "origins", "country_aliases", NULL};
  static const char *const origin_keys[] = {"name", "registry", "seat", "programme", "unit_type", "project_prefix",
                                            "serial", "example", NULL};
  static const char *const serial_keys[] = {"pattern", "prefix", "first", "last", NULL};
  if (e == L6_E_OK && !json_is_object(root)) e = cfg_fail(err, path, "top level", "must be an object");
  if (e == L6_E_OK) e = only_keys(root, top_keys, path, "top level", err);
  json_t *origins = json_object_get(root, "origins");
  if (e == L6_E_OK && !json_is_object(origins)) e = cfg_fail(err, path, "origins", "must be an object");
  const char *code;
  json_t *od;
  if (e == L6_E_OK) json_object_foreach(origins, code, od) {
      if (e != L6_E_OK) break;
      char where[64];
      snprintf(where, sizeof where, "origins.%.40s", code);
      if (set->n == L6_MAX_ORIGINS) {
        e = cfg_fail(err, path, where, "too many origins");
        break;
      }
      origin_def *d = &set->o[set->n];
      if (strlen(code) == 0 || strlen(code) > L6_ORIGIN_CODE_MAX || strspn(code, "abcdefghijklmnopqrstuvwxyz-") != strlen(code)) {
        e = cfg_fail(err, path, where, "an origin code is 1 to 24 of a-z and '-'");
        break;
      }
      snprintf(d->code, sizeof d->code, "%s", code);
      if (!json_is_object(od)) e = cfg_fail(err, path, where, "must be an object");
      if (e == L6_E_OK) e = only_keys(od, origin_keys, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "name", d->name, sizeof d->name, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "registry", d->registry, sizeof d->registry, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "seat", d->seat, sizeof d->seat, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "programme", d->programme, sizeof d->programme, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "unit_type", d->unit_type, sizeof d->unit_type, path, where, err);
      if (e == L6_E_OK) e = str_field(od, "project_prefix", d->project_prefix, sizeof d->project_prefix, path, where, err);
      if (e == L6_E_OK && !l6_valid_registry_id(d->registry)) e = cfg_fail(err, path, where, "registry must be alpha-3 and two digits");
      if (e == L6_E_OK && !l6_valid_alpha3(d->seat)) e = cfg_fail(err, path, where, "seat must be an ISO 3166 alpha-3 code");
      if (e == L6_E_OK && !l6_valid_project_id(d->project_prefix)) e = cfg_fail(err, path, where, "project_prefix must be a project id");
      json_t *sr = json_object_get(od, "serial");
      /* No "serial": the origin's exports give no serials (Isometric); its
       * units are only ever counted without serials. */
      if (e == L6_E_OK && sr == NULL) {
        if (json_object_get(od, "example")) e = cfg_fail(err, path, where, "an example without a serial pattern");
        if (e == L6_E_OK) set->n++;
        continue;
      }
      if (e == L6_E_OK && !json_is_object(sr)) e = cfg_fail(err, path, where, "'serial' must be an object");
      if (e == L6_E_OK) e = only_keys(sr, serial_keys, path, where, err);
      const char *pat = json_string_value(json_object_get(sr, "pattern"));
      json_t *pg = json_object_get(sr, "prefix"), *fg = json_object_get(sr, "first"), *lg = json_object_get(sr, "last");
      if (e == L6_E_OK && (pat == NULL || !json_is_integer(pg) || !json_is_integer(fg) || !json_is_integer(lg)))
        e = cfg_fail(err, path, where, "serial needs pattern (string) and prefix, first, last (group numbers)");
      char msg[160];
      if (e == L6_E_OK && !origin_pattern_compile(&d->pattern, pat, (int)json_integer_value(pg), (int)json_integer_value(fg),
                                                  (int)json_integer_value(lg), msg, sizeof msg))
        e = cfg_fail(err, path, where, msg);
      if (e == L6_E_OK) d->has_serial = true;
      if (e == L6_E_OK) set->n++;
      /* The example, when given, must parse: the pattern is tested at load. */
      const char *ex = json_string_value(json_object_get(od, "example"));
      origin_serial os;
      if (e == L6_E_OK && ex && !origin_serial_parse(&d->pattern, ex, &os))
        e = cfg_fail(err, path, where, "the example does not match the serial pattern");
    }
  if (e == L6_E_OK) e = load_iso_names(set, &cap, dir, err);
  json_t *aliases = json_object_get(root, "country_aliases");
  if (e == L6_E_OK && aliases && !json_is_object(aliases)) e = cfg_fail(err, path, "country_aliases", "must be an object");
  const char *name;
  json_t *cv;
  if (e == L6_E_OK && aliases) json_object_foreach(aliases, name, cv) {
      const char *c = json_string_value(cv);
      if (c == NULL || !l6_valid_alpha3(c) || strlen(name) > L6_NAME_MAX) {
        e = cfg_fail(err, path, "country_aliases", "every alias maps a name to an ISO 3166 alpha-3 code");
        break;
      }
      if ((e = add_country(set, &cap, name, c, err)) != L6_E_OK) break;
    }
  json_decref(root);
  if (e != L6_E_OK) {
    if (set) {
      for (size_t i = 0; i < set->n; i++)
        if (set->o[i].has_serial) origin_pattern_free(&set->o[i].pattern);
      free(set->countries);
      free(set);
    }
    return e;
  }
  svc__origins_free(s);
  s->origins = set;
  return L6_E_OK;
}

/* The alpha-3 code of a country as an export names it: an alias or an
 * ISO 3166 name, ignoring ASCII case; NULL when neither. Aliases come last
 * in the list and win. */
static const char *country_code(const l6_svc *s, const char *name) {
  const char *found = NULL;
  /* An ISO 3166 alpha-3 code as such (Isometric's country_code, "IND"). */
  if (l6_valid_alpha3(name))
    for (size_t i = 0; i < s->origins->ncountries; i++)
      if (strcmp(s->origins->countries[i].code, name) == 0) return s->origins->countries[i].code;
  for (size_t i = 0; i < s->origins->ncountries; i++)
    if (strcasecmp(s->origins->countries[i].name, name) == 0) found = s->origins->countries[i].code;
  return found;
}

static const char *country_name_of(const l6_svc *s, const char *code) {
  for (size_t i = 0; s->origins && i < s->origins->ncountries; i++)
    if (strcmp(s->origins->countries[i].code, code) == 0) return s->origins->countries[i].name;
  return code;
}

/* ---- serial lookups ---------------------------------------------------- */

l6_err svc__origin_find(l6_svc *s, const char *text, l6_origin_block *out, l6_error *err) {
  for (size_t i = 0; s->origins && i < s->origins->n; i++) {
    const origin_def *d = &s->origins->o[i];
    origin_serial os;
    if (!d->has_serial) continue;
    if (!origin_serial_parse(&d->pattern, text, &os)) continue;
    l6_err e = OPS->origin_block_at(s->st, d->code, os.prefix, os.first, os.first, out, err);
    if (e == L6_E_NOT_FOUND || (e == L6_E_OK && out->last < os.last))
      return l6_fail(err, L6_E_UNKNOWN_SERIAL, "no block of %s holds serials %lld-%lld of '%.100s'", d->code,
                     (long long)os.first, (long long)os.last, text);
    if (e == L6_E_OK) {
      /* Narrow the block to the serials the text names. */
      out->serial_first += os.first - out->first;
      out->first = os.first;
      out->last = os.last;
    }
    return e;
  }
  return l6_fail(err, L6_E_INVALID_SERIAL, "'%.100s' is neither a ledger6 serial nor one of a configured origin", text);
}

/* ---- the importer ------------------------------------------------------ */

#define VINTAGE_SLOTS (L6_VINTAGE_MAX - L6_VINTAGE_MIN + 1)

typedef struct {
  char project[L6_CODE_MAX + 1];
  char vs[11], ve[11];
  l6_qty total;
  l6_qty buffer;                   /* of total, issued to the buffer pool (issuance records without serials) */
  l6_qty retired;                  /* retired without serials (Isometric's retirements) */
  int64_t total_kg, buffer_kg, retired_kg; /* in_kg rows: the exact sums, whose whole tonnes the figures are */
  bool has_total, has_retired;     /* which figures the rows gave; the others stay as stored */
  bool in_kg;
} vintage_total;

#define PROJECT_CACHE 1024 /* slots, by a hash of the project id (40 KiB) */

struct svc_import {
  l6_svc *s;
  const origin_def *o;
  svc_import_opts opts;
  l6_actor actor;
  l6_account pending, retirement, cancellation;
  long rows_in_tx;                 /* rows applied since the last commit */
  bool open;                       /* the service is locked with a transaction open */
  long projects, batches, added, retired, unchanged, noted, totals_changed, updated;
  long labels_changed;             /* labels set or dropped on batches recorded before the row (mirror mode) */
  l6_qty issued_by[VINTAGE_SLOTS], retired_by[VINTAGE_SLOTS];
  vintage_total *totals;           /* one per (project, vintage period) a row gave a total for */
  size_t ntotals, cap_totals;
  char last_project[L6_CODE_MAX + 1]; /* the last project seen to exist (rows come grouped) */
  export_row scratch;              /* a row whose vintage period the store's origin_periods gives */
  char last_host[4];                  /* its host Party (for the log entries of its batches) */
  /* Projects found (or made) in the open commit chunk, with their hosts:
   * ensure_project reads each once a chunk, not once a row (issue 17).
   * Emptied at every commit and when a row is rolled back. */
  struct {
    char id[L6_CODE_MAX + 1];
    char host[4];
  } known[PROJECT_CACHE];
};

static l6_err ensure_party(l6_svc *s, const char *code, l6_error *err) {
  l6_party p;
  l6_err e = OPS->party_get(s->st, code, &p, err);
  if (e != L6_E_UNKNOWN_PARTY) return e;
  p = (l6_party){0};
  snprintf(p.code, sizeof p.code, "%s", code);
  snprintf(p.name, sizeof p.name, "%s", country_name_of(s, code));
  return OPS->party_put(s->st, &p, err);
}

static l6_err own_account(l6_svc *s, const origin_def *o, l6_account_type t, l6_account *out, l6_error *err) {
  l6_err e = OPS->account_of_registry(s->st, o->registry, t, out, err);
  if (e != L6_E_UNKNOWN_ACCOUNT) return e;
  *out = (l6_account){.type = t, .status = L6_STATUS_OPEN};
  snprintf(out->registry, sizeof out->registry, "%s", o->registry);
  snprintf(out->name, sizeof out->name, "%.150s %s", o->name, l6_account_type_str(t));
  return OPS->account_put(s->st, out, err);
}

/* The origin's registry, its seat Party and its own accounts, made when absent. */
static l6_err ensure_registry(svc_import *im, l6_error *err) {
  l6_svc *s = im->s;
  const origin_def *o = im->o;
  l6_registry r;
  char kind[16] = "";
  l6_err e = ensure_party(s, o->seat, err);
  if (e == L6_E_OK) e = OPS->registry_get(s->st, o->registry, &r, err);
  if (e == L6_E_UNKNOWN_REGISTRY) {
    r = (l6_registry){0};
    snprintf(r.id, sizeof r.id, "%s", o->registry);
    snprintf(r.party, sizeof r.party, "%s", o->seat);
    snprintf(r.name, sizeof r.name, "%s", o->name);
    e = OPS->registry_put(s->st, &r, err);
    if (e == L6_E_OK) e = OPS->registry_kind_set(s->st, r.id, "standard", err);
  }
  if (e == L6_E_OK) e = OPS->registry_kind_get(s->st, o->registry, kind, err);
  if (e == L6_E_OK && strcmp(kind, "standard") != 0)
    e = l6_fail(err, L6_E_INVALID_CONFIG, "config/origins.json: origin %s names registry %s, a Party's registry", o->code,
                o->registry);
  if (e == L6_E_OK) e = own_account(s, o, L6_ACCT_PENDING, &im->pending, err);
  if (e == L6_E_OK) e = own_account(s, o, L6_ACCT_RETIREMENT, &im->retirement, err);
  if (e == L6_E_OK) e = own_account(s, o, L6_ACCT_CANCELLATION, &im->cancellation, err);
  l6_unit_type ut;
  if (e == L6_E_OK) e = OPS->unit_type_get(s->st, o->unit_type, &ut, err);
  if (e == L6_E_UNKNOWN_UNIT_TYPE)
    l6_fail(err, e, "origin %s's unit type %s is not loaded (config/programmes)", o->code, o->unit_type);
  if (e == L6_E_OK && strcmp(ut.programme, o->programme) != 0)
    e = l6_fail(err, L6_E_INVALID_CONFIG, "origin %s: unit type %s belongs to programme %s, not %s", o->code, ut.code,
                ut.programme, o->programme);
  return e;
}

l6_err svc_import_begin(l6_svc *s, const l6_actor *a, const char *origin, const svc_import_opts *opts, svc_import **out,
                        l6_error *err) {
  *out = NULL;
  if (a->role != L6_ROLE_ADMIN) return l6_fail(err, L6_E_FORBIDDEN, "only an administrator imports");
  const origin_def *o = origin_get(s, origin);
  if (o == NULL) return l6_fail(err, L6_E_INVALID_VALUE, "no origin '%s' in config/origins.json", origin);
  svc_import *im = calloc(1, sizeof *im);
  if (im == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  im->s = s;
  im->o = o;
  im->opts = *opts;
  im->actor = *a;
  l6_err e = svc__begin(s, err);
  if (e != L6_E_OK) {
    free(im);
    return e;
  }
  /* A bulk session for the store (SQLite: a larger page cache), ended by
   * svc_import_end. */
  if ((e = ensure_registry(im, err)) != L6_E_OK ||
      (OPS->bulk_session && (e = OPS->bulk_session(s->st, true, err)) != L6_E_OK)) {
    svc__finish(s, e, err);
    free(im);
    return e;
  }
  im->open = true;
  *out = im;
  return L6_E_OK;
}

static size_t project_slot(const char *id) {
  uint32_t h = 2166136261u; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)id; *p; p++) h = (h ^ *p) * 16777619u;
  return h % PROJECT_CACHE;
}

static void forget_projects(svc_import *im) {
  for (size_t i = 0; i < PROJECT_CACHE; i++) im->known[i].id[0] = '\0';
}

/* The importer's own accounts read again: another request may have
 * changed them between two commit chunks, and the policy step is given
 * them instead of reading them (svc_move_ctx.accounts_given). */
static l6_err reload_accounts(svc_import *im, l6_error *err) {
  l6_svc *s = im->s;
  l6_err e = OPS->account_get(s->st, im->pending.id, &im->pending, err);
  if (e == L6_E_OK) e = OPS->account_get(s->st, im->retirement.id, &im->retirement, err);
  if (e == L6_E_OK) e = OPS->account_get(s->st, im->cancellation.id, &im->cancellation, err);
  return e;
}

/* The ledger6 project of a row, made when absent (registered: the origin
 * issued units for it). Its crediting period is not in the exports: left
 * empty, never guessed. */
static l6_err ensure_project(svc_import *im, const export_row *r, const char *id, l6_error *err) {
  l6_svc *s = im->s;
  if (strcmp(im->last_project, id) == 0) return L6_E_OK;
  size_t slot = project_slot(id);
  if (strcmp(im->known[slot].id, id) == 0) { /* checked in this chunk */
    snprintf(im->last_project, sizeof im->last_project, "%s", id);
    snprintf(im->last_host, sizeof im->last_host, "%s", im->known[slot].host);
    return L6_E_OK;
  }
  l6_project p;
  l6_err e = OPS->project_get(s->st, id, &p, err);
  if (e == L6_E_OK && strcmp(p.programme, im->o->programme) != 0)
    return l6_fail(err, L6_E_UNIT_TYPE_MISMATCH, "project %s exists under programme %s, not %s", id, p.programme,
                   im->o->programme);
  if (e == L6_E_UNKNOWN_PROJECT && r->country[0] == '\0')
    return l6_fail(err, L6_E_UNKNOWN_PROJECT, "project %s is not recorded and the row names no country: import %s's project list first",
                   id, im->o->code);
  if (e == L6_E_UNKNOWN_PROJECT) {
    const char *host = country_code(s, r->country);
    if (host == NULL)
      return l6_fail(err, L6_E_UNKNOWN_PARTY,
                     "country '%.60s' is neither an ISO 3166 name nor an alias in config/origins.json", r->country);
    p = (l6_project){0};
    snprintf(p.id, sizeof p.id, "%s", id);
    snprintf(p.programme, sizeof p.programme, "%s", im->o->programme);
    snprintf(p.host, sizeof p.host, "%s", host);
    snprintf(p.title, sizeof p.title, "%s", l6_valid_text(r->project_name, L6_NAME_MAX) ? r->project_name : id);
    if (l6_valid_text(r->methodology, L6_NAME_MAX)) snprintf(p.methodology, sizeof p.methodology, "%s", r->methodology);
    if (l6_valid_text(r->sector, L6_NAME_MAX)) snprintf(p.sector, sizeof p.sector, "%s", r->sector);
    snprintf(p.kind, sizeof p.kind, "avoidance");
    snprintf(p.status, sizeof p.status, "registered");
    /* A project list's facts (Verra, Gold Standard). */
    if (r->status == EXPORT_PROJECT && r->origin_status[0]) {
      snprintf(p.status, sizeof p.status, "%s", origin_project_status(r->origin_status));
      memcpy(p.crediting_start, r->crediting_start, 11);
      memcpy(p.crediting_end, r->crediting_end, 11);
    }
    e = ensure_party(s, host, err);
    if (e == L6_E_OK) e = OPS->project_put(s->st, &p, err);
    if (e == L6_E_OK) im->projects++;
  }
  if (e == L6_E_OK) snprintf(im->last_project, sizeof im->last_project, "%s", id);
  if (e == L6_E_OK) snprintf(im->last_host, sizeof im->last_host, "%s", p.host);
  if (e == L6_E_OK) {
    snprintf(im->known[slot].id, sizeof im->known[slot].id, "%s", id);
    snprintf(im->known[slot].host, sizeof im->known[slot].host, "%s", p.host);
  }
  return e;
}

static int vslot(const export_row *r) { return origin_vintage_year(r->vintage_start, r->vintage_end) - L6_VINTAGE_MIN; }

/* ---- batch labels from the export ------------------------------------- */

#define ROW_LABELS_MAX 32

typedef struct {
  char label[L6_CRIT_LABEL_MAX + 1];
  char reference[L6_NAME_MAX + 1];
} row_label;

/* The batch labels config/labels.json defines that a row's flags and
 * certifications give (docs/IMPORT.md "Certifications and SDG labels"):
 * "CCP Approved: Yes" or Gold Standard's "ICVCM CCP" label -> ccp, "ARB
 * Eligible: Yes" -> arb, Verra's CCB certification -> ccb (reference: its
 * distinction), each Sustainable Development Goal g -> sdg-g, and Verra's
 * other certifications (below). */
static size_t row_labels(const svc_import *im, const export_row *r, row_label *out) {
  size_t n = 0;
  for (int k = 0; k < 3 + 17; k++) {
    bool on = k == 0 ? r->ccp : k == 1 ? r->arb : k == 2 ? r->ccb : (r->sdgs >> (k - 2)) & 1u;
    if (!on) continue;
    row_label *x = &out[n++];
    if (k < 3) snprintf(x->label, sizeof x->label, "%s", k == 0 ? "ccp" : k == 1 ? "arb" : "ccb");
    else snprintf(x->label, sizeof x->label, "sdg-%d", k - 2);
    if (k == 2) snprintf(x->reference, sizeof x->reference, "%.40s export: %.60s", im->o->code, r->ccb_text);
    else snprintf(x->reference, sizeof x->reference, "%.40s export", im->o->code);
  }
  /* Verra's other certifications: removal, socialcarbon, article6-oimp,
   * -ndc, -other, corsia-pilot, corsia-first (reference: the export's
   * words, "verra export: CORSIA - First Phase, 2024-2026 Scope"). */
  for (int k = 0; k < EXPORT_CERTS; k++) {
    if (!(r->certs >> k & 1u)) continue;
    row_label *x = &out[n++];
    snprintf(x->label, sizeof x->label, "%s", export_cert_label(k));
    snprintf(x->reference, sizeof x->reference, "%.40s export: %.63s", im->o->code, r->cert_text[k]);
  }
  return n;
}

typedef struct {
  l6_batch_label rows[ROW_LABELS_MAX * 2];
  size_t n;
} label_rows;

static int collect_label(void *ctx, const void *row) {
  label_rows *c = ctx;
  if (c->n < sizeof c->rows / sizeof c->rows[0]) c->rows[c->n++] = *(const l6_batch_label *)row;
  return 0;
}

/* Brings a batch's imported labels to what the row says (docs/IMPORT.md
 * "Labels in mirror mode"): a label the row gives and the batch does not
 * carry is set (a dropped one set again); a label this origin's import set
 * (reference "ORIGIN export...") that the row no longer gives is dropped,
 * its row kept with when and why. Labels an administrator set are never
 * dropped. A row of a layout without label columns changes nothing.
 * im->labels_changed counts what changed on a recorded batch (not fresh). */
static l6_err sync_labels(svc_import *im, const export_row *r, l6_id batch, bool fresh, l6_error *err) {
  l6_svc *s = im->s;
  if (!r->labels_given) return L6_E_OK;
  row_label want[ROW_LABELS_MAX];
  size_t nw = row_labels(im, r, want);
  label_rows *have = calloc(1, sizeof *have);
  if (have == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  /* A batch this row just issued carries no label yet: nothing to read. */
  l6_err e = fresh ? L6_E_OK : OPS->batch_label_list(s->st, batch, collect_label, have, err);
  char mine[L6_ORIGIN_CODE_MAX + 8];
  snprintf(mine, sizeof mine, "%s export", im->o->code);
  char ts[32];
  svc__timestamp(s, ts);
  for (size_t i = 0; i < nw && e == L6_E_OK; i++) {
    const l6_batch_label *h = NULL;
    for (size_t k = 0; k < have->n && h == NULL; k++)
      if (strcmp(have->rows[k].label, want[i].label) == 0) h = &have->rows[k];
    if (h && h->dropped_ts[0] == '\0') continue;
    l6_batch_label x = {.batch = batch};
    snprintf(x.label, sizeof x.label, "%s", want[i].label);
    snprintf(x.actor, sizeof x.actor, "%s", im->actor.name);
    snprintf(x.reference, sizeof x.reference, "%s", want[i].reference);
    memcpy(x.ts, ts, sizeof x.ts);
    e = h ? OPS->batch_label_restore(s->st, &x, err) : OPS->batch_label_put(s->st, &x, err);
    if (e == L6_E_OK && !fresh) im->labels_changed++;
  }
  for (size_t k = 0; k < have->n && e == L6_E_OK; k++) {
    const l6_batch_label *h = &have->rows[k];
    if (h->dropped_ts[0] || strncmp(h->reference, mine, strlen(mine)) != 0) continue;
    bool wanted = false;
    for (size_t i = 0; i < nw && !wanted; i++) wanted = strcmp(want[i].label, h->label) == 0;
    if (wanted) continue;
    char why[L6_NAME_MAX + 1];
    snprintf(why, sizeof why, "%s: a newer export no longer gives it", mine);
    e = OPS->batch_label_drop(s->st, batch, h->label, ts, why, err);
    if (e == L6_E_OK) im->labels_changed++;
  }
  free(have);
  return e;
}

/* Retires (or cancels) serials first..last of batch from the pending
 * account, through the policy step, dated as the row says. bt (may be
 * NULL): the batch, just issued, with its project's host: the log entry is
 * then built from what this row wrote instead of read back. */
static l6_err retire(svc_import *im, const export_row *r, l6_id batch, int64_t first, int64_t last, const l6_batch *bt,
                     const char *host, l6_error *err) {
  l6_svc *s = im->s;
  bool cancel = r->status == EXPORT_CANCELLED;
  l6_tx tx = {.kind = cancel ? L6_TX_CANCELLATION : L6_TX_RETIREMENT, .from_account = im->pending.id,
              .to_account = cancel ? im->cancellation.id : im->retirement.id, .quantity = l6_range_qty(first, last)};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", im->actor.name);
  if (r->beneficiary[0] && !l6_valid_text(r->beneficiary, L6_NAME_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "the beneficiary holds a control or invisible character");
  if (r->purpose[0] && !l6_valid_text(r->purpose, L6_NAME_MAX))
    return l6_fail(err, L6_E_INVALID_VALUE, "the reason holds a control or invisible character");
  snprintf(tx.beneficiary, sizeof tx.beneficiary, "%s", r->beneficiary);
  snprintf(tx.purpose, sizeof tx.purpose, "%s", r->purpose);
  /* Details keep line breaks and may hold characters the claim refuses:
   * kept only when the claim would take them. */
  if (l6_valid_text(r->details, L6_TEXT_MAX)) snprintf(tx.claim, sizeof tx.claim, "%s", r->details);
  l6_err e = OPS->tx_put(s->st, &tx, err);
  l6_take take = {.batch = batch, .first = first, .last = last};
  svc_move_ctx m = {.route = cancel ? SVC_MOVE_CANCELLATION : SVC_MOVE_RETIREMENT, .tx = &tx, .takes = &take, .n = 1,
                    .actor = &im->actor, .from = im->pending, .to = cancel ? im->cancellation : im->retirement,
                    .accounts_given = true, .origin_claim = true};
  if (e == L6_E_OK) e = svc__move_units(s, &m, err);
  /* The one line svc__move_units wrote for the one take. */
  l6_tx_line line = {.tx = tx.id, .batch = batch, .first = first, .last = last, .from_account = tx.from_account,
                     .to_account = tx.to_account};
  if (e == L6_E_OK)
    e = bt ? tlog_append_known(s->st, &tx, &line, 1, bt, host, svc__check_level(s) >= 2, err)
           : tlog_append_tx(s->st, tx.id, NULL, err);
  if (e == L6_E_OK) e = OPS->tx_origin_put(s->st, tx.id, r->retired_on, r->beneficiary_unstated, err);
  int v = vslot(r);
  if (e == L6_E_OK) im->retired_by[v] += tx.quantity;
  return e;
}

/* Issues a new batch carrying the row's origin block. */
static l6_err issue(svc_import *im, const export_row *r, const char *project, const origin_serial *os, l6_error *err) {
  l6_svc *s = im->s;
  int vintage = origin_vintage_year(r->vintage_start, r->vintage_end);
  int64_t start = os->first >= 1 ? os->first : 1;
  if (start > L6_MAX_SERIAL - r->quantity) return l6_fail(err, L6_E_INVALID_RANGE, "serial %lld is out of range", (long long)start);
  l6_tx tx = {.kind = L6_TX_ISSUANCE, .to_account = im->pending.id, .quantity = r->quantity};
  svc__timestamp(s, tx.ts);
  snprintf(tx.actor, sizeof tx.actor, "%s", im->actor.name);
  l6_batch b = {.vintage = vintage, .serial_start = start, .quantity = r->quantity};
  snprintf(b.project, sizeof b.project, "%s", project);
  snprintf(b.unit_type, sizeof b.unit_type, "%s", im->o->unit_type);
  snprintf(b.registry, sizeof b.registry, "%s", im->o->registry);
  l6_err e = OPS->tx_put(s->st, &tx, err);
  b.tx = tx.id;
  if (e == L6_E_OK) e = OPS->batch_put(s->st, &b, err);
  int64_t last = start + r->quantity - 1;
  l6_tx_line line = {.tx = tx.id, .batch = b.id, .first = start, .last = last, .to_account = im->pending.id};
  if (e == L6_E_OK) e = OPS->block_add(s->st, im->pending.id, b.id, start, last, err);
  if (e == L6_E_OK) e = OPS->tx_line_put(s->st, &line, err);
  if (e == L6_E_OK) e = OPS->batch_vintage_set(s->st, b.id, r->vintage_start, r->vintage_end, err);
  /* ensure_project ran for this row: im->last_host is the project's host. */
  if (e == L6_E_OK) e = a6_on_issue_host(s, &tx, &b, im->last_host, err);
  if (e == L6_E_OK) e = tlog_append_known(s->st, &tx, &line, 1, &b, im->last_host, svc__check_level(s) >= 2, err);
  if (e == L6_E_OK && r->issued_on[0]) e = OPS->tx_origin_put(s->st, tx.id, r->issued_on, false, err);
  if (e == L6_E_OK) e = sync_labels(im, r, b.id, true, err);
  l6_origin_block ob = {.first = os->first, .last = os->last, .batch = b.id, .serial_first = start};
  snprintf(ob.origin, sizeof ob.origin, "%s", im->o->code);
  snprintf(ob.prefix, sizeof ob.prefix, "%s", os->prefix);
  snprintf(ob.text, sizeof ob.text, "%s", r->serial);
  snprintf(ob.project, sizeof ob.project, "%s", project);
  memcpy(ob.vintage_start, r->vintage_start, 11);
  memcpy(ob.vintage_end, r->vintage_end, 11);
  if (e == L6_E_OK) e = OPS->origin_block_put(s->st, &ob, err);
  if (e == L6_E_OK) {
    im->batches++;
    im->issued_by[vslot(r)] += r->quantity;
  }
  if (e == L6_E_OK && (r->status == EXPORT_RETIRED || r->status == EXPORT_CANCELLED)) e = retire(im, r, b.id, start, last, &b, im->last_host, err);
  if (e == L6_E_OK && svc__check_level(s) >= 2) e = svc__check_batch(s, b.id, err);
  return e;
}

/* A row whose serials lie inside a known block: unchanged, retired now,
 * or a contradiction. */
static l6_err mirror(svc_import *im, const export_row *r, const l6_origin_block *ob, const origin_serial *os,
                     svc_import_outcome *outcome, l6_error *err) {
  l6_svc *s = im->s;
  /* An issuance record says the block was issued, nothing of its units since. */
  if (r->status == EXPORT_ISSUED) {
    if (ob->first != os->first || ob->last != os->last)
      return l6_fail(err, L6_E_DOUBLE_ISSUANCE, "the issuance '%.80s' overlaps '%.80s' (batch %lld)", r->serial, ob->text,
                     (long long)ob->batch);
    *outcome = IMPORT_UNCHANGED;
    return L6_E_OK;
  }
  int64_t a = ob->serial_first + (os->first - ob->first), b = a + (os->last - os->first);
  l6_block held;
  l6_account acc;
  l6_err e = OPS->block_find(s->st, 0, ob->batch, a, &held, err);
  if (e != L6_E_OK) return e;
  bool whole = held.last >= b;
  l6_account_type want = r->status == EXPORT_ACTIVE      ? L6_ACCT_PENDING
                         : r->status == EXPORT_CANCELLED ? L6_ACCT_CANCELLATION
                                                         : L6_ACCT_RETIREMENT;
  if (whole && held.account == (want == L6_ACCT_PENDING ? im->pending.id : want == L6_ACCT_RETIREMENT ? im->retirement.id : im->cancellation.id)) {
    *outcome = IMPORT_UNCHANGED;
    return L6_E_OK;
  }
  if (whole && held.account == im->pending.id && r->status != EXPORT_ACTIVE) {
    *outcome = IMPORT_RETIRED;
    return retire(im, r, ob->batch, a, b, NULL, NULL, err);
  }
  /* The holder's type, read only to word the refusal. */
  if ((e = OPS->account_get(s->st, held.account, &acc, err)) != L6_E_OK) return e;
  return l6_fail(err, L6_E_EXPORT_CONFLICT, "the export says serials %lld-%lld of '%.60s' are %s; the store holds %s in %s %s account",
                 (long long)os->first, (long long)os->last, ob->text,
                 r->status == EXPORT_ACTIVE ? "active" : r->status == EXPORT_CANCELLED ? "cancelled" : "retired",
                 whole ? "them" : "some of them", l6_article(l6_account_type_str(acc.type)), l6_account_type_str(acc.type));
}

/* Notes the units a row reports issued for its project and vintage
 * period: Verra's Total Vintage Quantity, the same on every block of the
 * period; or an issuance record without serials (ACR, CAR, ART), one of
 * the issuances of the period: the total is their sum. */
static l6_err note_total(svc_import *im, const export_row *r, const char *project, l6_error *err) {
  bool ret = r->status == EXPORT_RETIRED_TOTAL;
  bool sum = r->status == EXPORT_TOTAL || ret;
  l6_qty q = sum ? r->quantity : r->vintage_total;
  if (q <= 0 && !sum) return L6_E_OK;
  for (size_t i = im->ntotals; i-- > 0;) {
    vintage_total *t = &im->totals[i];
    if (strcmp(t->project, project) == 0 && strcmp(t->vs, r->vintage_start) == 0 && strcmp(t->ve, r->vintage_end) == 0) {
      if (ret) {
        t->has_retired = true;
        t->retired += r->quantity;
        t->retired_kg += r->kg;
        t->in_kg |= r->in_kg;
        return L6_E_OK;
      }
      if (sum || !t->has_total) {
        t->has_total = true;
        t->total += q;
        t->buffer += r->buffer;
        t->total_kg += r->kg;
        t->buffer_kg += r->buffer_kg;
        t->in_kg |= r->in_kg;
        return L6_E_OK;
      }
      if (t->total != r->vintage_total)
        return l6_fail(err, L6_E_INVALID_VALUE, "total vintage quantity %lld differs from %lld given earlier for %s %s..%s",
                       (long long)r->vintage_total, (long long)t->total, project, r->vintage_start, r->vintage_end);
      return L6_E_OK;
    }
  }
  vintage_total *nt = svc__grow(im->totals, im->ntotals, &im->cap_totals, sizeof *nt, 64);
  if (nt == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  im->totals = nt;
  vintage_total *t = &nt[im->ntotals++];
  *t = (vintage_total){.in_kg = r->in_kg};
  snprintf(t->project, sizeof t->project, "%s", project);
  memcpy(t->vs, r->vintage_start, 11);
  memcpy(t->ve, r->vintage_end, 11);
  if (ret) {
    t->has_retired = true;
    t->retired = r->quantity;
    t->retired_kg = r->kg;
  } else {
    t->has_total = true;
    t->total = q;
    t->buffer = sum ? r->buffer : 0;
    t->total_kg = r->kg;
    t->buffer_kg = r->buffer_kg;
  }
  return L6_E_OK;
}

/* A row of Verra's or Gold Standard's project list: the project made, or
 * its facts brought to what the list says (mirror mode), and the origin's
 * own status and registration date kept beside it. */
static l6_err project_facts(svc_import *im, const export_row *r, const char *project, svc_import_outcome *outcome,
                            l6_error *err) {
  l6_svc *s = im->s;
  const char *host = country_code(s, r->country);
  if (host == NULL)
    return l6_fail(err, L6_E_UNKNOWN_PARTY, "country '%.60s' is neither an ISO 3166 name nor an alias in config/origins.json",
                   r->country);
  long before = im->projects;
  l6_err e = ensure_project(im, r, project, err);
  l6_project p;
  if (e == L6_E_OK) e = OPS->project_get(s->st, project, &p, err);
  if (e != L6_E_OK) return e;
  bool changed = false;
  if (strcmp(p.host, host) != 0)
    return l6_fail(err, L6_E_EXPORT_CONFLICT, "project %s is hosted in %s, the project list says %s (%.60s)", project, p.host,
                   host, r->country);
  if (im->projects == before) {
    l6_project want = p;
    snprintf(want.status, sizeof want.status, "%s", origin_project_status(r->origin_status));
    if (r->crediting_start[0]) memcpy(want.crediting_start, r->crediting_start, 11), memcpy(want.crediting_end, r->crediting_end, 11);
    if (r->methodology[0] && l6_valid_text(r->methodology, L6_NAME_MAX))
      snprintf(want.methodology, sizeof want.methodology, "%s", r->methodology);
    if (strcmp(want.status, p.status) != 0 || strcmp(want.crediting_start, p.crediting_start) != 0 ||
        strcmp(want.crediting_end, p.crediting_end) != 0 || strcmp(want.methodology, p.methodology) != 0) {
      changed = true;
      e = OPS->project_facts_set(s->st, &want, err);
    }
  }
  l6_origin_project op = {0}, was;
  snprintf(op.origin, sizeof op.origin, "%s", im->o->code);
  snprintf(op.project, sizeof op.project, "%s", project);
  snprintf(op.status, sizeof op.status, "%s", r->origin_status);
  memcpy(op.registered, r->registered, 11);
  l6_err ge = e == L6_E_OK ? OPS->origin_project_get(s->st, op.origin, op.project, &was, err) : e;
  if (ge == L6_E_NOT_FOUND || (ge == L6_E_OK && (strcmp(was.status, op.status) != 0 || strcmp(was.registered, op.registered) != 0))) {
    changed = true;
    e = OPS->origin_project_put(s->st, &op, err);
  } else if (ge != L6_E_OK) {
    e = ge;
  }
  if (e == L6_E_OK) *outcome = im->projects > before ? IMPORT_ADDED : changed ? IMPORT_UPDATED : IMPORT_UNCHANGED;
  return e;
}

/* Cercarbono's vintage periods (docs/IMPORT.md "Cercarbono's vintage
 * periods"): an issuance records the period its vintage_of_credits gives
 * its serial prefix and year (a newer export's replaces it); a retirement,
 * which names the prefix and year alone, takes the part of that year the
 * recorded period covers, the vintage period its issuance has. *rp is
 * then im->scratch, the row with that period. */
static l6_err origin_period(svc_import *im, const export_row **rp, l6_error *err) {
  l6_svc *s = im->s;
  const export_row *r = *rp;
  if (r->period_prefix[0] == '\0') return L6_E_OK;
  l6_origin_period p = {.year = r->period_year}, was;
  l6_err e = OPS->origin_period_get(s->st, im->o->code, r->period_prefix, r->period_year, &was, err);
  if (e != L6_E_OK && e != L6_E_NOT_FOUND) return e;
  if (!r->period_lookup) {
    if (e == L6_E_OK && strcmp(was.vintage_start, r->period_start) == 0 && strcmp(was.vintage_end, r->period_end) == 0)
      return L6_E_OK;
    snprintf(p.origin, sizeof p.origin, "%s", im->o->code);
    snprintf(p.prefix, sizeof p.prefix, "%s", r->period_prefix);
    memcpy(p.vintage_start, r->period_start, 11);
    memcpy(p.vintage_end, r->period_end, 11);
    return OPS->origin_period_put(s->st, &p, err);
  }
  if (e == L6_E_NOT_FOUND)
    return l6_fail(err, L6_E_UNKNOWN_SERIAL,
                   "no issuance of %s gave serial %.80s a vintage period for %d: import the issuances export first",
                   im->o->code, r->period_prefix, r->period_year);
  char ys[11], ye[11];
  snprintf(ys, sizeof ys, "%04d-01-01", r->period_year);
  snprintf(ye, sizeof ye, "%04d-12-31", r->period_year);
  im->scratch = *r;
  snprintf(im->scratch.vintage_start, 11, "%s", strcmp(was.vintage_start, ys) > 0 ? was.vintage_start : ys);
  snprintf(im->scratch.vintage_end, 11, "%s", strcmp(was.vintage_end, ye) < 0 ? was.vintage_end : ye);
  if (strcmp(im->scratch.vintage_start, im->scratch.vintage_end) > 0)
    return l6_fail(err, L6_E_EXPORT_CONFLICT, "vintage %d is outside the period %s..%s recorded for serial %.80s",
                   r->period_year, was.vintage_start, was.vintage_end, r->period_prefix);
  *rp = &im->scratch;
  return L6_E_OK;
}

static l6_err apply_row(svc_import *im, const export_row *r, svc_import_outcome *outcome, l6_error *err) {
  l6_svc *s = im->s;
  l6_err pe = origin_period(im, &r, err);
  if (pe != L6_E_OK) return pe;
  char project[L6_CODE_MAX + 1];
  if (snprintf(project, sizeof project, "%s.%s", im->o->project_prefix, r->project_ref) >= (int)sizeof project)
    return l6_fail(err, L6_E_INVALID_VALUE, "project id %s.%s is too long", im->o->project_prefix, r->project_ref);
  l6_err e;
  if (r->status == EXPORT_PROJECT && r->origin_status[0]) return project_facts(im, r, project, outcome, err);
  if (r->status == EXPORT_PROJECT || r->status == EXPORT_TOTAL || r->status == EXPORT_RETIRED_TOTAL) {
    long before = im->projects;
    if ((e = ensure_project(im, r, project, err)) != L6_E_OK) return e;
    if (r->status == EXPORT_PROJECT) {
      *outcome = im->projects > before ? IMPORT_ADDED : IMPORT_UNCHANGED;
      return L6_E_OK;
    }
    /* An issuance without serials: its units are issued without known
     * serials until the retirements and cancellations exports place them
     * (svc_import_end records what stays unplaced). A retirement without
     * serials (Isometric): counted as retired for its project and vintage,
     * beside the unplaced figure; no transaction, no invented serials. */
    *outcome = IMPORT_NOTED;
    return note_total(im, r, project, err);
  }
  origin_serial os;
  if (!im->o->has_serial)
    return l6_fail(err, L6_E_INVALID_SERIAL, "origin %s has no serial pattern (config/origins.json)", im->o->code);
  if (!origin_serial_parse(&im->o->pattern, r->serial, &os))
    return l6_fail(err, L6_E_INVALID_SERIAL, "serial '%.100s' does not match %s's serial pattern (config/origins.json)",
                   r->serial, im->o->code);
  if (os.last - os.first + 1 != r->quantity)
    return l6_fail(err, L6_E_INVALID_VALUE, "serial '%.100s' holds %lld units, the row says %lld", r->serial,
                   (long long)(os.last - os.first + 1), (long long)r->quantity);
  l6_origin_block ob;
  e = OPS->origin_block_at(s->st, im->o->code, os.prefix, os.first, os.last, &ob, err);
  if (e == L6_E_NOT_FOUND) {
    if (r->needs_issuance)
      return l6_fail(err, L6_E_UNKNOWN_SERIAL, "no issued block of %s holds '%.100s': import the issuances export first",
                     im->o->code, r->serial);
    if ((e = ensure_project(im, r, project, err)) != L6_E_OK) return e;
    if ((e = note_total(im, r, project, err)) != L6_E_OK) return e;
    *outcome = IMPORT_ADDED;
    return issue(im, r, project, &os, err);
  }
  if (e != L6_E_OK) return e;
  if (ob.first > os.first || ob.last < os.last || strcmp(ob.project, project) != 0 ||
      strcmp(ob.vintage_start, r->vintage_start) != 0 || strcmp(ob.vintage_end, r->vintage_end) != 0)
    return l6_fail(err, L6_E_DOUBLE_ISSUANCE, "serials %lld-%lld of '%.80s' overlap '%.80s' (project %s, vintage %s..%s, batch %lld)",
                   (long long)os.first, (long long)os.last, r->serial, ob.text, ob.project, ob.vintage_start,
                   ob.vintage_end, (long long)ob.batch);
  if ((e = note_total(im, r, project, err)) != L6_E_OK) return e;
  if ((e = mirror(im, r, &ob, &os, outcome, err)) != L6_E_OK) return e;
  /* The batch's labels brought to the row's (mirror mode): a row that
   * changed only them is "updated". */
  long before = im->labels_changed;
  if ((e = sync_labels(im, r, ob.batch, false, err)) != L6_E_OK) return e;
  if (im->labels_changed > before && *outcome == IMPORT_UNCHANGED) *outcome = IMPORT_UPDATED;
  return L6_E_OK;
}

l6_err svc_import_row(svc_import *im, const export_row *r, svc_import_outcome *outcome, l6_error *err) {
  l6_svc *s = im->s;
  *outcome = 0;
  l6_err e = OPS->begin(s->st, err); /* a savepoint: the row is all or nothing */
  if (e != L6_E_OK) return e;
  char keep_project[L6_CODE_MAX + 1], keep_host[4];
  memcpy(keep_project, im->last_project, sizeof keep_project);
  memcpy(keep_host, im->last_host, sizeof keep_host);
  long keep[3] = {im->projects, im->batches, im->labels_changed};
  int v = vslot(r); /* export_map_row checked the period: 0 <= v < VINTAGE_SLOTS */
  l6_qty keep_issued = v >= 0 && v < VINTAGE_SLOTS ? im->issued_by[v] : 0;
  l6_qty keep_retired = v >= 0 && v < VINTAGE_SLOTS ? im->retired_by[v] : 0;
  if (r->status == EXPORT_PROJECT) v = 0, keep_issued = im->issued_by[0], keep_retired = im->retired_by[0];
  size_t keep_ntotals = im->ntotals;
  if (v < 0 || v >= VINTAGE_SLOTS) e = l6_fail(err, L6_E_INVALID_VALUE, "the vintage period is outside the years accepted");
  else e = apply_row(im, r, outcome, err);
  /* A store that answers writes late (PostgreSQL's pipeline) may report
   * the row's failure at its RELEASE: rolled back and undone the same. */
  if (e == L6_E_OK) e = OPS->commit(s->st, err);
  if (e != L6_E_OK) {
    OPS->rollback(s->st);
    forget_projects(im); /* a project the row made is gone with it */
    memcpy(im->last_project, keep_project, sizeof keep_project);
    memcpy(im->last_host, keep_host, sizeof keep_host);
    im->projects = keep[0];
    im->batches = keep[1];
    im->labels_changed = keep[2];
    if (v >= 0 && v < VINTAGE_SLOTS) im->issued_by[v] = keep_issued, im->retired_by[v] = keep_retired;
    im->ntotals = keep_ntotals;
    *outcome = 0;
  }
  if (e != L6_E_OK) return e;
  if (*outcome == IMPORT_ADDED) im->added++;
  if (*outcome == IMPORT_RETIRED) im->retired++;
  if (*outcome == IMPORT_UNCHANGED) im->unchanged++;
  if (*outcome == IMPORT_NOTED) im->noted++;
  if (*outcome == IMPORT_UPDATED) im->updated++;
  /* Batched commits: every L6_IMPORT_COMMIT_ROWS rows, unless the whole
   * import is one transaction (a dry run, or strict). */
  if (++im->rows_in_tx >= L6_IMPORT_COMMIT_ROWS && !im->opts.dry_run && !im->opts.strict) {
    im->rows_in_tx = 0;
    im->open = false;
    if ((e = svc__finish(s, L6_E_OK, err)) != L6_E_OK) return e;
    if ((e = svc__begin(s, err)) != L6_E_OK) return e;
    im->open = true;
    /* What the last chunk knew may have changed before this one began. */
    forget_projects(im);
    im->last_project[0] = '\0';
    if ((e = reload_accounts(im, err)) != L6_E_OK) return e;
  }
  return L6_E_OK;
}

/* The unplaced units of every vintage total the rows gave. */
static l6_err record_unplaced(svc_import *im, json_t *by_vintage, l6_qty *unplaced_by, l6_qty *buffer_by,
                              l6_qty *retired_by, l6_error *err) {
  l6_svc *s = im->s;
  l6_err e = L6_E_OK;
  for (size_t i = 0; i < im->ntotals && e == L6_E_OK; i++) {
    const vintage_total *t = &im->totals[i];
    l6_qty placed = 0;
    e = OPS->origin_placed(s->st, im->o->code, t->project, t->vs, t->ve, &placed, err);
    l6_origin_unplaced u = {.vintage = origin_vintage_year(t->vs, t->ve), .total = t->total, .buffer = t->buffer,
                            .retired = t->retired, .total_kg = t->total_kg, .buffer_kg = t->buffer_kg,
                            .retired_kg = t->retired_kg}, was;
    l6_err ge = e == L6_E_OK ? OPS->origin_unplaced_get(s->st, im->o->code, t->project, t->vs, t->ve, &was, err) : e;
    if (ge != L6_E_OK && ge != L6_E_NOT_FOUND) e = ge;
    /* Figures in kg (Isometric): the whole tonnes of the exact sums. */
    if (t->in_kg) u.total = u.total_kg / 1000, u.buffer = u.buffer_kg / 1000, u.retired = u.retired_kg / 1000;
    /* A figure no row of this import gave (an import of the retirements
     * alone) stays as recorded. */
    if (ge == L6_E_OK && !t->has_total) u.total = was.total, u.buffer = was.buffer, u.total_kg = was.total_kg, u.buffer_kg = was.buffer_kg;
    if (ge == L6_E_OK && !t->has_retired) u.retired = was.retired, u.retired_kg = was.retired_kg;
    u.unplaced = u.total > placed ? u.total - placed : 0;
    if (ge == L6_E_OK && (was.total != u.total || was.unplaced != u.unplaced || was.buffer != u.buffer ||
                          was.retired != u.retired || was.total_kg != u.total_kg || was.buffer_kg != u.buffer_kg ||
                          was.retired_kg != u.retired_kg))
      im->totals_changed++;
    else if (ge == L6_E_NOT_FOUND) im->totals_changed++;
    snprintf(u.origin, sizeof u.origin, "%s", im->o->code);
    snprintf(u.project, sizeof u.project, "%s", t->project);
    memcpy(u.vintage_start, t->vs, 11);
    memcpy(u.vintage_end, t->ve, 11);
    if (e == L6_E_OK) e = OPS->origin_unplaced_put(s->st, &u, err);
    if (e == L6_E_OK) unplaced_by[u.vintage - L6_VINTAGE_MIN] += u.unplaced;
    if (e == L6_E_OK) buffer_by[u.vintage - L6_VINTAGE_MIN] += u.buffer;
    if (e == L6_E_OK) retired_by[u.vintage - L6_VINTAGE_MIN] += u.retired;
  }
  (void)by_vintage;
  return e;
}

l6_err svc_import_end(svc_import *im, bool commit, json_t **summary, l6_error *err) {
  l6_svc *s = im->s;
  if (summary) *summary = NULL;
  l6_qty *unplaced_by = calloc(3 * VINTAGE_SLOTS, sizeof *unplaced_by);
  l6_qty *buffer_by = unplaced_by ? unplaced_by + VINTAGE_SLOTS : NULL;
  l6_qty *unserialed_by = unplaced_by ? unplaced_by + 2 * VINTAGE_SLOTS : NULL;
  l6_err e = unplaced_by ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
  json_t *by = json_array();
  if (e == L6_E_OK && im->open && commit) e = record_unplaced(im, by, unplaced_by, buffer_by, unserialed_by, err);
  bool keep = commit && !im->opts.dry_run && e == L6_E_OK;
  if (OPS->bulk_session) { /* set back inside the import's last transaction (under the writer lock) */
    l6_error ignore;       /* the cache size only: the import's outcome stands */
    OPS->bulk_session(s->st, false, &ignore);
  }
  if (im->open) {
    l6_error ignore;
    l6_err fe = svc__finish(s, keep ? L6_E_OK : L6_E_INTERNAL, keep ? err : &ignore);
    if (keep) e = fe;
  }
  for (int v = 0; v < VINTAGE_SLOTS && unplaced_by; v++)
    if (im->issued_by[v] || im->retired_by[v] || unplaced_by[v] || buffer_by[v] || unserialed_by[v])
      json_array_append_new(by, json_pack("{s:i, s:I, s:I, s:I, s:I, s:I}", "vintage", v + L6_VINTAGE_MIN, "issued",
                                          (json_int_t)im->issued_by[v], "retired", (json_int_t)im->retired_by[v],
                                          "unplaced", (json_int_t)unplaced_by[v], "buffer", (json_int_t)buffer_by[v],
                                          "retired_unplaced", (json_int_t)unserialed_by[v]));
  if (summary && e == L6_E_OK)
    *summary = json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "origin", im->o->code,
                         "dry_run", im->opts.dry_run, "committed", keep, "projects", (json_int_t)im->projects, "batches",
                         (json_int_t)im->batches, "added", (json_int_t)im->added, "retired", (json_int_t)im->retired,
                         "unchanged", (json_int_t)im->unchanged, "updated", (json_int_t)im->updated, "noted",
                         (json_int_t)im->noted, "totals_changed", (json_int_t)im->totals_changed, "labels_changed",
                         (json_int_t)im->labels_changed, "by_vintage", by);
  else
    json_decref(by);
  free(unplaced_by);
  free(im->totals);
  free(im);
  return e;
}

/* CADT (cadt.c): the origin of a project id PREFIX.ID (its code, NULL for
 * a project made in ledger6), with the origin's name and the origin's own
 * project id (the part after the prefix). */
const char *svc__origin_of_project(const l6_svc *s, const char *project, const char **name, const char **origin_id) {
  for (size_t i = 0; s->origins && i < s->origins->n; i++) {
    const origin_def *d = &s->origins->o[i];
    size_t n = strlen(d->project_prefix);
    if (strncmp(project, d->project_prefix, n) != 0 || project[n] != '.' || project[n + 1] == '\0') continue;
    *name = d->name;
    *origin_id = project + n + 1;
    return d->code;
  }
  return NULL;
}
