/*
 * schema_pg.h -- the PostgreSQL twins of the migrations in schema.h.
 * Migration i here brings a PostgreSQL store from version i to i + 1 and
 * makes the same tables, columns, keys and indexes as schema.h's migration
 * i does in SQLite; the two lists always have the same length (checked at
 * compile time in store_pg.c and by tests/test_store.c). When you append a
 * migration to schema.h, append its twin here in the same commit. Never
 * edit a released migration.
 *
 * Differences from the SQLite text, and why:
 *  - text columns are COLLATE "C": SQLite compares text byte by byte, and
 *    listing order and "after" cursors must not depend on the database's
 *    locale;
 *  - integers are BIGINT (SQLite's INTEGER is 64-bit), small ones INTEGER;
 *  - row ids are plain BIGINT keys: the store assigns max(id) + 1 under
 *    its writer lock, which is exactly SQLite's rowid rule, so both engines
 *    hand out the same ids for the same history (no gaps after a rollback,
 *    as a sequence would leave);
 *  - tx_lines has an identity column `seq`, the insertion order that
 *    SQLite keeps in its hidden rowid;
 *  - blocks_account indexes (account, id): SQLite's index carries the rowid.
 */
#ifndef L6_SCHEMA_PG_H
#define L6_SCHEMA_PG_H

#define L6_PG_TEXT "TEXT COLLATE \"C\""

static const char *const l6_pg_migrations[] = {
    /* 0 -> 1: the registry. */
    "CREATE TABLE parties(code " L6_PG_TEXT " PRIMARY KEY, name " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE registries(id " L6_PG_TEXT " PRIMARY KEY, party " L6_PG_TEXT " NOT NULL REFERENCES parties(code),"
    "  name " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE organisations(id BIGINT PRIMARY KEY, registry " L6_PG_TEXT " NOT NULL REFERENCES registries(id),"
    "  name " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE accounts(id BIGINT PRIMARY KEY, registry " L6_PG_TEXT " NOT NULL REFERENCES registries(id),"
    "  org BIGINT REFERENCES organisations(id), type " L6_PG_TEXT " NOT NULL, status " L6_PG_TEXT " NOT NULL,"
    "  name " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX accounts_org ON accounts(org, id);"
    "CREATE INDEX accounts_registry ON accounts(registry, type);"
    "CREATE TABLE programmes(code " L6_PG_TEXT " PRIMARY KEY, name " L6_PG_TEXT " NOT NULL, kind " L6_PG_TEXT
    " NOT NULL);"
    "CREATE TABLE unit_types(code " L6_PG_TEXT " PRIMARY KEY, programme " L6_PG_TEXT
    " NOT NULL REFERENCES programmes(code), name " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE projects(id " L6_PG_TEXT " PRIMARY KEY, programme " L6_PG_TEXT " NOT NULL REFERENCES programmes(code),"
    "  host " L6_PG_TEXT " NOT NULL REFERENCES parties(code), title " L6_PG_TEXT " NOT NULL, methodology " L6_PG_TEXT
    " NOT NULL, sector " L6_PG_TEXT " NOT NULL, kind " L6_PG_TEXT " NOT NULL, crediting_start " L6_PG_TEXT " NOT NULL,"
    "  crediting_end " L6_PG_TEXT " NOT NULL, status " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE transactions(id BIGINT PRIMARY KEY, kind " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL,"
    "  actor " L6_PG_TEXT " NOT NULL, from_account BIGINT REFERENCES accounts(id),"
    "  to_account BIGINT NOT NULL REFERENCES accounts(id), quantity BIGINT NOT NULL CHECK(quantity > 0),"
    "  beneficiary " L6_PG_TEXT " NOT NULL, purpose " L6_PG_TEXT " NOT NULL, claim " L6_PG_TEXT " NOT NULL,"
    "  reporting_year INTEGER NOT NULL);"
    "CREATE INDEX tx_from ON transactions(from_account, id);"
    "CREATE INDEX tx_to ON transactions(to_account, id);"
    "CREATE INDEX tx_kind ON transactions(kind, id);"
    "CREATE TABLE batches(id BIGINT PRIMARY KEY, project " L6_PG_TEXT " NOT NULL REFERENCES projects(id),"
    "  unit_type " L6_PG_TEXT " NOT NULL REFERENCES unit_types(code), registry " L6_PG_TEXT
    " NOT NULL REFERENCES registries(id),"
    "  vintage INTEGER NOT NULL, serial_start BIGINT NOT NULL CHECK(serial_start >= 1),"
    "  quantity BIGINT NOT NULL CHECK(quantity > 0), tx BIGINT NOT NULL REFERENCES transactions(id));"
    "CREATE INDEX batches_project ON batches(project, id);"
    "CREATE TABLE blocks(id BIGINT PRIMARY KEY, batch BIGINT NOT NULL REFERENCES batches(id),"
    "  account BIGINT NOT NULL REFERENCES accounts(id), first BIGINT NOT NULL, last BIGINT NOT NULL,"
    "  vintage INTEGER NOT NULL, CHECK(first >= 1 AND last >= first));"
    "CREATE UNIQUE INDEX blocks_batch_first ON blocks(batch, first);"
    "CREATE INDEX blocks_pick ON blocks(account, vintage, batch, first);"
    "CREATE INDEX blocks_account ON blocks(account, id);"
    "CREATE TABLE tx_lines(seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  tx BIGINT NOT NULL REFERENCES transactions(id),"
    "  batch BIGINT NOT NULL REFERENCES batches(id), first BIGINT NOT NULL, last BIGINT NOT NULL,"
    "  from_account BIGINT REFERENCES accounts(id), to_account BIGINT NOT NULL REFERENCES accounts(id));"
    "CREATE INDEX tx_lines_tx ON tx_lines(tx, seq);"
    "CREATE INDEX tx_lines_batch ON tx_lines(batch, first);"
    "CREATE TABLE idempotency(key " L6_PG_TEXT " PRIMARY KEY, hash " L6_PG_TEXT " NOT NULL, status INTEGER NOT NULL,"
    "  body " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE tokens(id BIGINT PRIMARY KEY, hash " L6_PG_TEXT " NOT NULL UNIQUE, role " L6_PG_TEXT " NOT NULL,"
    "  org BIGINT REFERENCES organisations(id), label " L6_PG_TEXT " NOT NULL);",
};

#define L6_PG_SCHEMA_VERSION ((int)(sizeof l6_pg_migrations / sizeof l6_pg_migrations[0]))

#endif
