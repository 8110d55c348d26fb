/*
 * service.h -- one function per use case. Each call checks who may do it,
 * validates with the core, and runs as one atomic store transaction: it
 * either commits everything it did or leaves the store unchanged. Calls
 * are serialised by a mutex, so a service is safe to share between HTTP
 * worker threads.
 *
 * Results are jansson values (the shape the API returns); *out is a new
 * reference the caller must json_decref. On error *out is NULL and err
 * says what is wrong.
 */
#ifndef L6_SERVICE_H
#define L6_SERVICE_H

#include <jansson.h>
#include <stdint.h>

#include "../store/store.h"
#include "tlog.h"

typedef struct l6_svc l6_svc;

/* Who is asking. role NONE is the anonymous public. */
typedef struct {
  l6_role role;
  l6_id org;      /* holder's organisation */
  l6_id token;    /* token id, 0 for the CLI and web sessions */
  l6_id user;     /* the user of a web session (people.h), 0 otherwise */
  l6_id owner;    /* the user a bearer token belongs to (tokens.owner), 0 otherwise */
  char name[64];  /* recorded as the transaction's actor */
} l6_actor;

/* Idempotency: a request with a key is done once; the same key with the
 * same request hash returns the first reply, with another hash is refused. */
typedef struct {
  char key[L6_IDEM_MAX + 24]; /* "<token id>:<client key>", "" when none */
  char hash[65];             /* hex SHA-256 of the canonical request */
} l6_idem;

/* Reply of a ledger transaction (status 201, or the replayed one). */
typedef struct {
  int status;
  json_t *body;
  bool replayed;
} l6_reply;

typedef struct {
  char registry[6];                 /* issuing registry; units land in its pending account */
  char project[L6_CODE_MAX + 1];
  char unit_type[L6_CODE_MAX + 1];
  int vintage;
  l6_qty quantity;
  int64_t serial_start;             /* 0: start at 1 */
  l6_id forward_to;                 /* 0: stay in pending; else forwarded in the same commit */
  /* Optional production (monitoring) period of the reductions, YYYY-MM-DD
   * inclusive: both or neither; inside the project's crediting period, the
   * vintage one of its years. Offset rules test it (docs/ETS.md). */
  char production_start[11], production_end[11];
  l6_idem idem;
} l6_issue_req;

typedef struct {
  l6_tx_kind kind;                  /* TRANSFER, RETIREMENT or CANCELLATION */
  l6_id from_account;
  l6_id to_account;                 /* 0 for retirement/cancellation: the registry's own account */
  /* Either a quantity picked by the registry (oldest vintage, then lowest
   * serial) among units matching unit_type/project/vintage ... */
  char unit_type[L6_CODE_MAX + 1];
  char project[L6_CODE_MAX + 1];
  int vintage;
  l6_qty quantity;
  /* ... or explicit serial ranges (nranges > 0, quantity 0). */
  size_t nranges;
  l6_range ranges[L6_MAX_RANGES];
  /* Retirement details. */
  char beneficiary[L6_NAME_MAX + 1];
  char purpose[L6_NAME_MAX + 1];
  char claim[L6_TEXT_MAX + 1];
  int reporting_year;
  /* Transfers only: the consideration (price) the parties agreed, amount
   * in minor units of an ISO 4217 currency (docs/API.md, "Consideration on
   * transfers"); has_consideration false: unpriced. */
  bool has_consideration;
  int64_t consideration_amount;
  char consideration_currency[8];
  l6_idem idem;
} l6_move_req;

typedef struct {
  int limit;         /* 0: default page */
  char after[L6_CODE_MAX + 1]; /* cursor from the previous page's "next" */
} l6_page;

/* Opens a service over a store it takes ownership of. check_level: 1
 * asserts conservation of every transaction in memory; 2 also re-reads
 * and checks the partition of every batch a transaction touched (tests). */
l6_svc *svc_open(l6_store *st, int check_level, l6_error *err);
void svc_close(l6_svc *s);
l6_store *svc_store(l6_svc *s);
/* Replaces the clock (ms since the epoch) used for timestamps; tests. */
void svc_set_clock(l6_svc *s, int64_t (*now_ms)(void));

/* Loads the ISO 3166 list (config/iso3166-1.tsv) that Party codes are
 * checked against, and every programme file in config/programmes/ (new
 * programmes and unit types are created; existing ones are left alone). */
l6_err svc_load_config(l6_svc *s, const char *dir, l6_error *err);

/* Tokens. */
l6_err svc_authenticate(l6_svc *s, const char *bearer, l6_actor *out, l6_error *err);
/* Creates a token; token_out receives the secret (shown once). days: its
 * lifetime, 1 to the role's (config/tokens.json), 0 for the role's. */
l6_err svc_token_create(l6_svc *s, const l6_actor *a, l6_role role, l6_id org, const char *label, int days,
                        char token_out[80], json_t **out, l6_error *err);
/* Reads DIR/tokens.json, the lifetime of new tokens by role (optional;
 * svc_load_config calls it): INVALID_CONFIG when malformed. */
l6_err svc_tokens_load(l6_svc *s, const char *dir, l6_error *err);
/* GET /v1/tokens: every token for an administrator, one's own token for
 * anyone else; never a secret. */
l6_err svc_token_list(l6_svc *s, const l6_actor *a, const l6_page *pg, json_t **out, l6_error *err);
/* POST /v1/tokens/{id}/revoke (and `ledger6 token revoke`): the token is
 * refused from the next request on. An administrator revokes any token,
 * anyone else only its own. Revoking twice keeps the first time. */
l6_err svc_token_revoke(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* Whether the store has an administrator token neither revoked nor
 * expired (the first such in *found when not NULL): `serve --admin-token`
 * mints one only when it has none. */
l6_err svc_token_admin_usable(l6_svc *s, l6_token *found, bool *has, l6_error *err);

/* Reference data. */
l6_err svc_party_create(l6_svc *s, const l6_actor *a, const l6_party *p, json_t **out, l6_error *err);
l6_err svc_party_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* Creates a registry with its own accounts (pending, retirement,
 * cancellation) and one account, owned by no organisation, of every type a
 * loaded mechanism's levies go to (mech_levy_account_types: with the
 * shipped config/mechanisms adaptation-fund, omge-cancellation, buffer),
 * all listed in the reply's "accounts". */
l6_err svc_registry_create(l6_svc *s, const l6_actor *a, const l6_registry *r, json_t **out, l6_error *err);
/* Gives every registry that lacks one an open levy account of each type
 * the loaded mechanisms need (registries made before a mechanism was
 * added, or before registries got them); `ledger6 init` runs it. Admin.
 * *opened is the number of accounts made. */
l6_err svc_levy_accounts_open(l6_svc *s, const l6_actor *a, size_t *opened, l6_error *err);
l6_err svc_registry_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_org_create(l6_svc *s, const l6_actor *a, l6_org *o, json_t **out, l6_error *err);
l6_err svc_org_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_account_create(l6_svc *s, const l6_actor *a, l6_account *acc, json_t **out, l6_error *err);
l6_err svc_account_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_account_set_status(l6_svc *s, const l6_actor *a, l6_id id, l6_account_status st, json_t **out,
                              l6_error *err);
l6_err svc_account_list(l6_svc *s, const l6_actor *a, const l6_page *pg, json_t **out, l6_error *err);
l6_err svc_holdings(l6_svc *s, const l6_actor *a, l6_id account, json_t **out, l6_error *err);
l6_err svc_programme_create(l6_svc *s, const l6_actor *a, const l6_programme *p, json_t **out, l6_error *err);
l6_err svc_programme_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_unit_type_create(l6_svc *s, const l6_actor *a, const l6_unit_type *u, json_t **out, l6_error *err);
l6_err svc_unit_type_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
l6_err svc_project_create(l6_svc *s, const l6_actor *a, const l6_project *p, json_t **out, l6_error *err);
l6_err svc_project_get(l6_svc *s, const l6_actor *a, const char *id, json_t **out, l6_error *err);
/* Filters may be NULL. */
l6_err svc_project_list(l6_svc *s, const l6_actor *a, const char *programme, const char *host,
                        const char *status, const l6_page *pg, json_t **out, l6_error *err);
/* svc_project_list with "total": the number of projects of the filters
 * (GET /v1/projects, issue 21). */
l6_err svc_project_page(l6_svc *s, const l6_actor *a, const char *programme, const char *host,
                        const char *status, const l6_page *pg, json_t **out, l6_error *err);

/* Ledger transactions. */
l6_err svc_issue(l6_svc *s, const l6_actor *a, const l6_issue_req *r, l6_reply *out, l6_error *err);
l6_err svc_move(l6_svc *s, const l6_actor *a, const l6_move_req *r, l6_reply *out, l6_error *err);

/* Reads. */
l6_err svc_issuance_list(l6_svc *s, const l6_actor *a, const char *project, const l6_page *pg, json_t **out,
                         l6_error *err);
l6_err svc_tx_list(l6_svc *s, const l6_actor *a, const l6_tx_filter *f, json_t **out, l6_error *err);
l6_err svc_tx_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_serial(l6_svc *s, const l6_actor *a, const char *serial, json_t **out, l6_error *err);
/* The public view of a serial, for anyone: where it is (account type and
 * registry, retired or not) and its history with account types only. */
l6_err svc_serial_public(l6_svc *s, const char *serial, json_t **out, l6_error *err);

/* Checks the partition invariant of one batch (0: every batch); returns
 * INTERNAL with the first violation. For tests and `ledger6 check`. */
l6_err svc_check(l6_svc *s, l6_id batch, l6_error *err);

/* Leases (store.h): a job that must have a single owner among all the
 * server processes sharing the store (the transparency log's appender and
 * tree-head signer) calls svc_lease_try before each round and runs the
 * round only on OK; BUSY means another process owns the job. A process
 * that dies loses its leases to the next caller elsewhere. Safe to call
 * from any thread: serialised with the other calls, like them. */
l6_err svc_lease_try(l6_svc *s, const char *name, l6_error *err);
void svc_lease_release(l6_svc *s, const char *name);
/* ---- transparency log (docs/TRANSPARENCY.md) --------------------------
 * Every committed transaction is a leaf of the log (appended by svc_issue
 * and svc_move in their own store transaction). Reads of the log are
 * public; only what differs by role is said below. */

/* Opens the signing key file at path (keys.h) and checks it against the
 * store's public keys. With no file and no key in the store, create makes
 * the first key (*created set). Without a key the log still grows but no
 * tree head can be signed. Refuses a file the store disagrees with, and a
 * store with keys but no file. */
l6_err svc_keys_open(l6_svc *s, const char *path, bool create, bool *created, l6_error *err);
/* Makes the first key (ALREADY_EXISTS when the file or store has one);
 * *out is the new key (view_log_key). */
l6_err svc_key_generate(l6_svc *s, const char *path, json_t **out, l6_error *err);
/* Retires the current key (its secret is dropped from the file; its public
 * key stays in the store, so the heads it signed stay verifiable) and
 * makes a new one current. *out is the new key. A running server keeps
 * signing with the key it loaded until it is restarted. */
l6_err svc_key_rotate(l6_svc *s, const char *path, json_t **out, l6_error *err);
/* GET /v1/keys: {"items": [key...]}, oldest first. */
l6_err svc_keys_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

/* Signs a tree head when the log grew since the last one (serve does it
 * every --sth-interval seconds). *fresh: whether it signed; *size: the
 * latest head's tree size. */
l6_err svc_log_sign(l6_svc *s, bool *fresh, int64_t *size, l6_error *err);
/* GET /v1/log/sth: the latest signed tree head, signed now when the log
 * grew since the last one. */
l6_err svc_log_sth(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* GET /v1/log/proof/inclusion: the proof of leaf index (or of transaction
 * tx when tx > 0) in the tree of tree_size leaves; tree_size 0 means the
 * latest signed head, which the reply then includes. */
l6_err svc_log_inclusion(l6_svc *s, const l6_actor *a, int64_t index, l6_id tx, int64_t tree_size, json_t **out,
                         l6_error *err);
/* GET /v1/log/proof/consistency: between tree sizes first and second;
 * second 0 means the latest signed head, which the reply then includes. */
l6_err svc_log_consistency(l6_svc *s, const l6_actor *a, int64_t first, int64_t second, json_t **out, l6_error *err);
/* GET /v1/log/entries: leaves start..end (inclusive; end < 0: as many as
 * a page holds), at most L6_LOG_MAX_ENTRIES and L6_LOG_PAGE_BYTES. Every
 * leaf shows its index and hash; the canonical entry and transaction id
 * are shown for retirements (public) and, to admins and auditors, for
 * every kind. */
l6_err svc_log_entries(l6_svc *s, const l6_actor *a, int64_t start, int64_t end, json_t **out, l6_error *err);
/* GET /v1/retirements/{id}/certificate (certificate.h), for the latest
 * signed head (signed now when the log grew). UNKNOWN_TRANSACTION when tx
 * is not a retirement. */
l6_err svc_certificate(l6_svc *s, const l6_actor *a, l6_id tx, json_t **out, l6_error *err);
/* Gives a store that predates the log its leaves (tlog_backfill); the
 * CLI does it whenever it opens a store to work on, never to verify it. */
l6_err svc_log_backfill(l6_svc *s, int64_t *added, l6_error *err);
/* `ledger6 verify --store`: tlog_verify_store in one store transaction. */
l6_err svc_verify_store(l6_svc *s, const uint8_t (*pins)[STH_PUBLIC_KEY_BYTES], size_t npins, tlog_report *rep,
                        l6_error *err);

/* ---- operations (health.c) ---------------------------------------------- */

/* GET /v1/ready: whether this server can serve. Checks, in order: the
 * store is reachable (a transaction opens, and an SQLite file is still the
 * one opened), its migrations are current (the schema version recorded
 * equals this binary's), and a signing key is loaded (svc_keys_open).
 * *out (new reference) is {"status": "ready"|"not_ready", "checks": [{"name",
 * "ok", "message"?}...]}; *ready says which. Never fails otherwise: a
 * failing check is the answer. */
l6_err svc_ready(l6_svc *s, json_t **out, bool *ready, l6_error *err);

/* The transparency log's size (its leaves), for the metrics; STORE/BUSY
 * when the store cannot say. No role: only the server calls it. */
l6_err svc_log_size(l6_svc *s, int64_t *out, l6_error *err);

/* ---- open data (opendata.c, issue 17) ------------------------------------ */

/* The public CSV files (GET /v1/public/{projects,issuances,retirements,
 * trades}.csv) are streamed page by page: one page of the public view
 * (anonymous; the same objects as the public JSON routes: GET /v1/projects,
 * /v1/issuances, /v1/retirements, /v1/exchange/{code}/trades), each page a
 * snapshot of its own; *out is {"items": [...], "next": cursor|null}. */
typedef enum { L6_OPEN_PROJECTS, L6_OPEN_ISSUANCES, L6_OPEN_RETIREMENTS, L6_OPEN_TRADES, L6_OPEN_SD, L6_OPEN_SAFEGUARDS } l6_open_kind;
l6_err svc_open_page(l6_svc *s, l6_open_kind kind, const char *after, int limit, json_t **out, l6_error *err);
/* GET /v1/stats: issued and retired totals by vintage, host, programme and
 * year (GROUP BY in the store), the totals, and the country groups of
 * config/country-groups.json; host, programme: filters (NULL or "": all). */
l6_err svc_stats(l6_svc *s, const char *host, const char *programme, json_t **out, l6_error *err);
/* Loads DIR/country-groups.json (optional; strict: unknown keys, malformed
 * or duplicate members are INVALID_CONFIG naming the file). */
l6_err svc_groups_load(const char *dir, l6_error *err);
/* Issue 17 item 4 (cadt.c, docs/IMPORT.md "CADT"): the projects and the
 * units (serial blocks in one state) in the Climate Action Data Trust's
 * shape, public, paged ({"items", "next"}); BAD_PARAM for a cursor that is
 * no previous page's. */
l6_err svc_cadt_projects(l6_svc *s, const l6_page *pg, json_t **out, l6_error *err);
l6_err svc_cadt_units(l6_svc *s, const l6_page *pg, json_t **out, l6_error *err);
/* Is party a member of the loaded country group (1), not (0), or is
 * there no such group (-1)? (fee relief, mech_ldc.c) */
int svc_group_member(const char *group, const char *party);

#endif
