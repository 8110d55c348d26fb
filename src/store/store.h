/*
 * store.h -- the persistence interface. The service layer talks to a
 * store only through l6_store_ops; there are two engines behind it:
 * SQLite (store_sqlite.c, the embedded default) and PostgreSQL
 * (store_pg.c, for production and several server processes).
 * store_open() picks one from a store spec.
 *
 * Conventions for every op:
 *  - returns L6_E_OK, a lookup error (UNKNOWN_*, when the row is absent),
 *    ALREADY_EXISTS (unique key taken), BUSY (retry: the store is locked
 *    by another writer for too long, or unreachable), or STORE (anything
 *    else; the store's own message is in err);
 *  - records are caller-owned structs filled by value; list ops call `each`
 *    once per row and stop early (returning that value) when it returns
 *    non-zero; `each` may call other ops of the same store;
 *  - writes happen inside begin()/commit(); begin() nests (savepoints), so
 *    a caller can group several service calls in one durable commit;
 *  - after an op fails inside a transaction, the caller rolls back (to the
 *    innermost begin) before doing anything else there: PostgreSQL refuses
 *    further statements in a failed transaction, and the PostgreSQL store
 *    answers STORE to them without sending them;
 *  - a top-level transaction excludes every other writer of the same store,
 *    in this process and in any other (SQLite: BEGIN IMMEDIATE; PostgreSQL:
 *    a transaction-level advisory lock), so what a transaction reads stays
 *    true until it commits. Waiting longer than L6_STORE_BUSY_TIMEOUT_MS
 *    for that is BUSY.
 */
#ifndef L6_STORE_H
#define L6_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/ledger.h"
#include "../core/model.h"
#include "../errors.h"

typedef struct {
  char code[4];                   /* ISO 3166 alpha-3 */
  char name[L6_NAME_MAX + 1];
} l6_party;

typedef struct {
  char id[6];                     /* alpha-3 + 2 digits */
  char party[4];
  char name[L6_NAME_MAX + 1];
} l6_registry;

typedef struct {
  l6_id id;
  char registry[6];
  char name[L6_NAME_MAX + 1];
} l6_org;

typedef struct {
  l6_id id;
  char registry[6];
  l6_id org;                      /* 0: owned by the registry itself */
  l6_account_type type;
  l6_account_status status;
  char name[L6_NAME_MAX + 1];
} l6_account;

typedef struct {
  char code[L6_CODE_MAX + 1];
  char name[L6_NAME_MAX + 1];
  char kind[32];                  /* "article6.4", "article6.2", "voluntary", "compliance", ... */
} l6_programme;

typedef struct {
  char code[L6_CODE_MAX + 1];
  char programme[L6_CODE_MAX + 1];
  char name[L6_NAME_MAX + 1];
} l6_unit_type;

typedef struct {
  char id[L6_CODE_MAX + 1];
  char programme[L6_CODE_MAX + 1];
  char host[4];
  char title[L6_NAME_MAX + 1];
  char methodology[L6_NAME_MAX + 1];
  char sector[L6_NAME_MAX + 1];
  char kind[16];                  /* "avoidance" | "removal" */
  char crediting_start[11];       /* YYYY-MM-DD */
  char crediting_end[11];
  char status[16];                /* "listed" | "registered" | "suspended" */
} l6_project;

typedef struct {
  l6_id id;
  char project[L6_CODE_MAX + 1];
  char unit_type[L6_CODE_MAX + 1];
  char registry[6];
  int vintage;
  int64_t serial_start;           /* first serial, >= 1 */
  l6_qty quantity;
  l6_id tx;                       /* issuing transaction */
} l6_batch;

typedef struct {
  l6_id id;
  l6_tx_kind kind;
  char ts[32];                    /* ISO 8601 UTC, ms */
  char actor[64];
  l6_id from_account;             /* 0 for issuance */
  l6_id to_account;
  l6_qty quantity;
  char beneficiary[L6_NAME_MAX + 1];
  char purpose[L6_NAME_MAX + 1];
  char claim[L6_TEXT_MAX + 1];
  int reporting_year;             /* 0 when not given */
} l6_tx;

typedef struct {
  l6_id tx;
  l6_id batch;
  int64_t first;
  int64_t last;
  l6_id from_account;
  l6_id to_account;
} l6_tx_line;

typedef struct {
  l6_id id;
  l6_role role;
  l6_id org;                      /* holder tokens only */
  char label[L6_NAME_MAX + 1];
} l6_token;

/* Filter for listing transactions; zero fields do not filter. */
typedef struct {
  l6_id account;                  /* from or to */
  l6_id org;                      /* from or to an account of this org */
  l6_tx_kind kind;
  l6_id batch;
  char project[L6_CODE_MAX + 1];
  l6_id after;                    /* cursor: ids greater than this */
  int limit;
} l6_tx_filter;

/* Filter for picking blocks by quantity; empty fields do not filter. */
typedef struct {
  l6_id account;
  char unit_type[L6_CODE_MAX + 1];
  char project[L6_CODE_MAX + 1];
  int vintage;
} l6_pick_filter;

typedef struct l6_store l6_store;

typedef int (*l6_each_fn)(void *ctx, const void *row);

typedef struct {
  void (*close)(l6_store *s);
  l6_err (*begin)(l6_store *s, l6_error *err);
  l6_err (*commit)(l6_store *s, l6_error *err);
  void (*rollback)(l6_store *s);

  l6_err (*party_put)(l6_store *s, const l6_party *p, l6_error *err);
  l6_err (*party_get)(l6_store *s, const char *code, l6_party *out, l6_error *err);
  l6_err (*party_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);

  l6_err (*registry_put)(l6_store *s, const l6_registry *r, l6_error *err);
  l6_err (*registry_get)(l6_store *s, const char *id, l6_registry *out, l6_error *err);
  l6_err (*registry_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);

  l6_err (*org_put)(l6_store *s, l6_org *o, l6_error *err); /* sets o->id */
  l6_err (*org_get)(l6_store *s, l6_id id, l6_org *out, l6_error *err);
  l6_err (*org_list)(l6_store *s, l6_id only, l6_each_fn each, void *ctx, l6_error *err);

  l6_err (*account_put)(l6_store *s, l6_account *a, l6_error *err); /* sets a->id */
  l6_err (*account_get)(l6_store *s, l6_id id, l6_account *out, l6_error *err);
  l6_err (*account_set_status)(l6_store *s, l6_id id, l6_account_status st, l6_error *err);
  /* The registry's own (org-less) account of a type, e.g. its pending account. */
  l6_err (*account_of_registry)(l6_store *s, const char *registry, l6_account_type t, l6_account *out,
                                l6_error *err);
  l6_err (*account_list)(l6_store *s, l6_id org, l6_id after, int limit, l6_each_fn each, void *ctx,
                         l6_error *err);

  l6_err (*programme_put)(l6_store *s, const l6_programme *p, l6_error *err);
  l6_err (*programme_get)(l6_store *s, const char *code, l6_programme *out, l6_error *err);
  l6_err (*programme_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);
  l6_err (*unit_type_put)(l6_store *s, const l6_unit_type *u, l6_error *err);
  l6_err (*unit_type_get)(l6_store *s, const char *code, l6_unit_type *out, l6_error *err);
  l6_err (*unit_type_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);

  l6_err (*project_put)(l6_store *s, const l6_project *p, l6_error *err);
  l6_err (*project_get)(l6_store *s, const char *id, l6_project *out, l6_error *err);
  /* Filters are optional (NULL or ""); ordered by id, ids after `after`. */
  l6_err (*project_list)(l6_store *s, const char *programme, const char *host, const char *status,
                         const char *after, int limit, l6_each_fn each, void *ctx, l6_error *err);

  l6_err (*batch_put)(l6_store *s, l6_batch *b, l6_error *err); /* sets b->id */
  l6_err (*batch_get)(l6_store *s, l6_id id, l6_batch *out, l6_error *err);
  l6_err (*batch_list)(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each,
                       void *ctx, l6_error *err);

  /* Blocks (rows are l6_block). */
  l6_err (*block_add)(l6_store *s, l6_id account, l6_id batch, int64_t first, int64_t last,
                      l6_error *err); /* merges with adjacent blocks of the same account */
  l6_err (*block_remove)(l6_store *s, l6_id block_id, l6_error *err);
  /* The block of `account` containing serial `serial` of `batch` (any
   * account when account == 0). UNKNOWN_SERIAL when none. */
  l6_err (*block_find)(l6_store *s, l6_id account, l6_id batch, int64_t serial, l6_block *out,
                       l6_error *err);
  /* Blocks matching f in picking order (vintage, batch, first), at most limit. */
  l6_err (*block_pick)(l6_store *s, const l6_pick_filter *f, int limit, l6_each_fn each, void *ctx,
                       l6_error *err);
  l6_err (*blocks_of_account)(l6_store *s, l6_id account, l6_id after, int limit, l6_each_fn each,
                              void *ctx, l6_error *err);
  l6_err (*blocks_of_batch)(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err);
  /* Units held by the account, matching f. */
  l6_err (*account_total)(l6_store *s, const l6_pick_filter *f, l6_qty *out, l6_error *err);

  l6_err (*tx_put)(l6_store *s, l6_tx *t, l6_error *err); /* sets t->id */
  l6_err (*tx_get)(l6_store *s, l6_id id, l6_tx *out, l6_error *err);
  l6_err (*tx_line_put)(l6_store *s, const l6_tx_line *l, l6_error *err);
  l6_err (*tx_list)(l6_store *s, const l6_tx_filter *f, l6_each_fn each, void *ctx, l6_error *err);
  l6_err (*tx_lines)(l6_store *s, l6_id tx, l6_each_fn each, void *ctx, l6_error *err);
  /* Lines (l6_tx_line) that moved `serial` of `batch`, oldest first. */
  l6_err (*serial_history)(l6_store *s, l6_id batch, int64_t serial, l6_each_fn each, void *ctx,
                           l6_error *err);

  /* Idempotency: the stored response of a key, or UNKNOWN_TRANSACTION. */
  l6_err (*idem_get)(l6_store *s, const char *key, char hash[65], int *status, char **body,
                     l6_error *err); /* *body malloc'd, caller frees */
  l6_err (*idem_put)(l6_store *s, const char *key, const char *hash, int status, const char *body,
                     l6_error *err);

  l6_err (*token_put)(l6_store *s, l6_token *t, const char *hash_hex, l6_error *err); /* sets t->id */
  l6_err (*token_find)(l6_store *s, const char *hash_hex, l6_token *out, l6_error *err);

  /* Leases: a named, exclusive right to run a single-owner job (a log
   * appender, a periodic signer) among every process sharing the store.
   * lease_try takes the lease or confirms that this store still holds it:
   * OK when this store holds it now, BUSY when another store (process,
   * connection) holds it, STORE/BUSY when the store cannot say. Call it
   * again before every round of the job: a lease is lost when the holder's
   * process dies, and on PostgreSQL when its connection is lost (the next
   * lease_try then says so or takes it again). The name is 1 to
   * L6_LEASE_NAME_MAX characters of [A-Za-z0-9._-]; a store holds at most
   * L6_MAX_LEASES. Not transactional: a lease survives commit and
   * rollback. lease_release gives it up (no-op when not held). */
  l6_err (*lease_try)(l6_store *s, const char *name, l6_error *err);
  void (*lease_release)(l6_store *s, const char *name);

  /* Fault injection for tests: when n > 0, the n-th following write
   * statement fails with STORE without running (counting down); 0
   * disables. */
  void (*fail_after)(l6_store *s, int n);
} l6_store_ops;

struct l6_store {
  const l6_store_ops *ops;
};

/* Opens the store named by spec: "postgres://..." or "postgresql://..."
 * (a libpq connection URI, several hosts allowed) opens PostgreSQL,
 * anything else is an SQLite file path (":memory:" for tests). Creates
 * and migrates the schema as needed. Returns NULL and fills err on
 * failure. Close with ops->close. */
l6_store *store_open(const char *spec, l6_error *err);

/* True when spec names a PostgreSQL store. */
bool store_spec_is_pg(const char *spec);

/* Copies spec to buf (cap bytes) with any password replaced by "***",
 * for messages and logs. Returns buf. */
char *store_spec_redact(const char *spec, char *buf, size_t cap);

/* Opens (creating and migrating) an SQLite store at path (":memory:" for
 * tests). Returns NULL and fills err on failure. Close with ops->close. */
l6_store *store_sqlite_open(const char *path, l6_error *err);

/* Fault injection for tests, kept for old callers: ops->fail_after. */
void store_sqlite_fail_after(l6_store *s, int n);

/* Opens (creating and migrating) a PostgreSQL store; spec is a libpq
 * connection URI. Returns NULL and fills err on failure. */
l6_store *store_pg_open(const char *spec, l6_error *err);

/* For tests, benchmarks and tooling: creates the empty database `name`
 * ([a-z0-9_], at most 63 bytes) on the server of base_spec (which must
 * name a database the user can connect to, e.g. .../postgres, and may
 * CREATE DATABASE in), and writes the spec of the new database to out
 * (cap bytes). Returns OK, ALREADY_EXISTS or STORE. */
l6_err store_pg_create_db(const char *base_spec, const char *name, char *out, size_t cap, l6_error *err);

/* Drops database `name` on the server of base_spec, disconnecting its
 * sessions (DROP DATABASE ... WITH (FORCE)). Missing is not an error. */
l6_err store_pg_drop_db(const char *base_spec, const char *name, l6_error *err);

#endif
