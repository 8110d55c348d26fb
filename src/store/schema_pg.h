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
 *  - blocks_account indexes (account, id): SQLite's index carries the rowid;
 *  - migrations 1-3 (cycle, transparency log, Article 6.2) are schema.h's
 *    text with every INTEGER a BIGINT and every TEXT COLLATE "C"; hashes,
 *    keys and signatures stay lowercase hex text and document bytes base64
 *    text, as SQLite stores them.
 */
#ifndef L6_SCHEMA_PG_H
#define L6_SCHEMA_PG_H

#include "store/schema_lvl.h"

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
    /* 1 -> 2: crediting mechanisms and the project cycle (src/service/cycle.c).
     * Documents are content-addressed (SHA-256), their bytes base64 text or
     * absent (kept outside the store). An activity is the project of the same
     * id going through a mechanism's cycle; periods are its monitoring
     * periods; cycle_steps is the trail of every step (actor, time, state
     * change, document hashes, the mechanism file's hash). Mechanism
     * definitions themselves are files, not rows. */
    "CREATE TABLE documents(hash " L6_PG_TEXT " PRIMARY KEY, media_type " L6_PG_TEXT " NOT NULL, name " L6_PG_TEXT " NOT NULL,"
    "  size BIGINT NOT NULL CHECK(size >= 0), content " L6_PG_TEXT ", ts " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE accreditations(org BIGINT NOT NULL REFERENCES organisations(id), mechanism " L6_PG_TEXT " NOT NULL,"
    "  scope " L6_PG_TEXT " NOT NULL, PRIMARY KEY(org, mechanism, scope));"
    "CREATE TABLE activities(project " L6_PG_TEXT " PRIMARY KEY REFERENCES projects(id), mechanism " L6_PG_TEXT " NOT NULL,"
    "  org BIGINT NOT NULL REFERENCES organisations(id), registry " L6_PG_TEXT " NOT NULL REFERENCES registries(id),"
    "  scope " L6_PG_TEXT " NOT NULL, state " L6_PG_TEXT " NOT NULL, rejected_step " L6_PG_TEXT " NOT NULL, transition_from " L6_PG_TEXT " NOT NULL,"
    "  requested_on " L6_PG_TEXT " NOT NULL, ets_covered BIGINT NOT NULL,"
    "  replacement_due BIGINT NOT NULL CHECK(replacement_due >= 0), issued BIGINT NOT NULL CHECK(issued >= 0),"
    "  updated " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX activities_mechanism ON activities(mechanism, project);"
    "CREATE TABLE periods(project " L6_PG_TEXT " NOT NULL REFERENCES activities(project), seq BIGINT NOT NULL,"
    "  start_date " L6_PG_TEXT " NOT NULL, end_date " L6_PG_TEXT " NOT NULL, state " L6_PG_TEXT " NOT NULL, rejected_step " L6_PG_TEXT " NOT NULL,"
    "  calculator " L6_PG_TEXT " NOT NULL, inputs " L6_PG_TEXT " NOT NULL, reported BIGINT NOT NULL CHECK(reported >= 0),"
    "  certified BIGINT NOT NULL CHECK(certified >= 0), forward " L6_PG_TEXT " NOT NULL, PRIMARY KEY(project, seq));"
    "CREATE TABLE cycle_steps(id BIGINT PRIMARY KEY, project " L6_PG_TEXT " NOT NULL REFERENCES activities(project),"
    "  period BIGINT NOT NULL, step " L6_PG_TEXT " NOT NULL, decision " L6_PG_TEXT " NOT NULL, from_state " L6_PG_TEXT " NOT NULL,"
    "  to_state " L6_PG_TEXT " NOT NULL, actor " L6_PG_TEXT " NOT NULL, role " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL,"
    "  mechanism_hash " L6_PG_TEXT " NOT NULL, documents " L6_PG_TEXT " NOT NULL, detail " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX cycle_steps_project ON cycle_steps(project, id);",

    /* 2 -> 3: the transparency log (docs/TRANSPARENCY.md). Hashes,
     * salts, keys and signatures are lowercase hex text, which both
     * engines store and compare the same way.
     *  - log_keys: the registry's Ed25519 public keys by key id; exactly
     *    one is current (signs new tree heads). Secret keys live in the
     *    key file next to the store, never here.
     *  - log_leaves: leaf idx (from 0, in commit order) records
     *    transaction tx; salt hides the transaction's private fields in
     *    the entry's commitment.
     *  - log_nodes: the hash of every complete subtree (level, idx) of
     *    2^level leaves starting at leaf idx * 2^level; level 0 holds the
     *    leaf hashes. An append writes at most log2(n) + 1 rows; a root or
     *    proof reads O(log n) of them.
     *  - log_heads: signed tree heads, one per tree size. */
    "CREATE TABLE log_keys(id " L6_PG_TEXT " PRIMARY KEY, public_key " L6_PG_TEXT " NOT NULL UNIQUE, created BIGINT NOT NULL,"
    "  current BIGINT NOT NULL);"
    "CREATE TABLE log_leaves(idx BIGINT PRIMARY KEY, tx BIGINT NOT NULL UNIQUE REFERENCES transactions(id),"
    "  salt " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE log_nodes(level BIGINT NOT NULL, idx BIGINT NOT NULL, hash " L6_PG_TEXT " NOT NULL,"
    "  PRIMARY KEY(level, idx));"
    "CREATE TABLE log_heads(tree_size BIGINT PRIMARY KEY, root_hash " L6_PG_TEXT " NOT NULL, ts BIGINT NOT NULL,"
    "  key_id " L6_PG_TEXT " NOT NULL REFERENCES log_keys(id), signature " L6_PG_TEXT " NOT NULL);",
    /* 3 -> 4: Article 6.2 accounting (src/service/a6.c). NDCs and their
     * years; letters of authorization; ITMO ranges (serials of a batch made
     * ITMOs by an authorization, split as they part, each with its first
     * transfer year and fate); the AEF actions, which are also the ledger
     * of corresponding adjustments (column ca). Self-contained: it only
     * references tables of the first migration. */
    "CREATE TABLE a6_ndcs(party " L6_PG_TEXT " PRIMARY KEY REFERENCES parties(code), first_year BIGINT NOT NULL,"
    "  last_year BIGINT NOT NULL, kind " L6_PG_TEXT " NOT NULL, method " L6_PG_TEXT " NOT NULL, target_year BIGINT NOT NULL,"
    "  target BIGINT NOT NULL, metric " L6_PG_TEXT " NOT NULL, factor_micro BIGINT NOT NULL CHECK(factor_micro > 0),"
    "  updated " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE a6_ndc_years(party " L6_PG_TEXT " NOT NULL REFERENCES parties(code), year BIGINT NOT NULL,"
    "  reported BIGINT NOT NULL, emissions BIGINT NOT NULL, has_trajectory BIGINT NOT NULL,"
    "  trajectory BIGINT NOT NULL, PRIMARY KEY(party, year));"
    "CREATE TABLE a6_authorizations(id BIGINT PRIMARY KEY, party " L6_PG_TEXT " NOT NULL REFERENCES parties(code),"
    "  approach BIGINT NOT NULL, project " L6_PG_TEXT " NOT NULL REFERENCES projects(id), vintage_from BIGINT NOT NULL,"
    "  vintage_to BIGINT NOT NULL, quantity BIGINT NOT NULL CHECK(quantity > 0),"
    "  assigned BIGINT NOT NULL CHECK(assigned >= 0 AND assigned <= quantity), purposes " L6_PG_TEXT " NOT NULL,"
    "  ft_event " L6_PG_TEXT " NOT NULL, parties " L6_PG_TEXT " NOT NULL, entities " L6_PG_TEXT " NOT NULL, year_from BIGINT NOT NULL,"
    "  year_to BIGINT NOT NULL, in_scope BIGINT NOT NULL, version BIGINT NOT NULL, revoked BIGINT NOT NULL,"
    "  ts " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX a6_authorizations_party ON a6_authorizations(party, id);"
    "CREATE TABLE a6_itmos(id BIGINT PRIMARY KEY, auth BIGINT NOT NULL REFERENCES a6_authorizations(id),"
    "  approach BIGINT NOT NULL, registry " L6_PG_TEXT " NOT NULL REFERENCES registries(id), host " L6_PG_TEXT " NOT NULL,"
    "  batch BIGINT NOT NULL REFERENCES batches(id), first BIGINT NOT NULL, last BIGINT NOT NULL,"
    "  itmo_first BIGINT NOT NULL, vintage BIGINT NOT NULL, ft_year BIGINT NOT NULL, fate " L6_PG_TEXT " NOT NULL,"
    "  user_party " L6_PG_TEXT " NOT NULL, use_year BIGINT NOT NULL, CHECK(first >= 1 AND last >= first));"
    "CREATE UNIQUE INDEX a6_itmos_batch ON a6_itmos(batch, first);"
    "CREATE UNIQUE INDEX a6_itmos_serial ON a6_itmos(approach, registry, itmo_first);"
    "CREATE INDEX a6_itmos_auth ON a6_itmos(auth, id);"
    "CREATE TABLE a6_actions(id BIGINT PRIMARY KEY, tx BIGINT REFERENCES transactions(id), type " L6_PG_TEXT " NOT NULL,"
    "  party " L6_PG_TEXT " NOT NULL, auth BIGINT NOT NULL REFERENCES a6_authorizations(id), approach BIGINT NOT NULL,"
    "  registry " L6_PG_TEXT " NOT NULL, itmo_first BIGINT NOT NULL, itmo_last BIGINT NOT NULL, first_id " L6_PG_TEXT " NOT NULL,"
    "  last_id " L6_PG_TEXT " NOT NULL, quantity BIGINT NOT NULL CHECK(quantity > 0), vintage BIGINT NOT NULL,"
    "  from_party " L6_PG_TEXT " NOT NULL, to_party " L6_PG_TEXT " NOT NULL, purpose " L6_PG_TEXT " NOT NULL, user_entity " L6_PG_TEXT " NOT NULL,"
    "  year BIGINT NOT NULL, ca BIGINT NOT NULL, ts " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX a6_actions_party ON a6_actions(party, id);",
    /* 4 -> 5: non-market approaches (src/service/nma.c); see schema.h. */
    "CREATE TABLE nma_records(id BIGINT PRIMARY KEY, kind " L6_PG_TEXT " NOT NULL, party " L6_PG_TEXT " NOT NULL,"
    "  status " L6_PG_TEXT " NOT NULL, body " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX nma_records_kind ON nma_records(kind, party, id);"
    "ALTER TABLE unit_types ADD COLUMN non_offsetting BIGINT NOT NULL DEFAULT 0;",
    /* 5 -> 6: emissions trading (src/service/ets.c) */
    "CREATE TABLE IF NOT EXISTS ets_records(kind " L6_PG_TEXT " NOT NULL, key " L6_PG_TEXT " NOT NULL, body " L6_PG_TEXT " NOT NULL,"
    "  PRIMARY KEY(kind, key));",
    /* 6 -> 7: the exchange (src/service/exchange.c): instruments, cash accounts
     * per member (org) and currency (org 0: the exchange operator, who
     * collects the fees), the cash journal, orders (open ones are the
     * books), and trades. Self-contained. */
    "CREATE TABLE ex_instruments(code " L6_PG_TEXT " PRIMARY KEY, name " L6_PG_TEXT " NOT NULL, kind " L6_PG_TEXT " NOT NULL,"
    "  unit_type " L6_PG_TEXT " NOT NULL, project " L6_PG_TEXT " NOT NULL, vintage_from BIGINT NOT NULL, vintage_to BIGINT NOT NULL,"
    "  batch BIGINT NOT NULL, registry " L6_PG_TEXT " NOT NULL, escrow BIGINT NOT NULL, currency " L6_PG_TEXT " NOT NULL,"
    "  minor_units BIGINT NOT NULL, tick BIGINT NOT NULL CHECK(tick > 0), lot BIGINT NOT NULL CHECK(lot > 0),"
    "  min_qty BIGINT NOT NULL, max_qty BIGINT NOT NULL, band_pct BIGINT NOT NULL, sessions " L6_PG_TEXT " NOT NULL,"
    "  tz_offset BIGINT NOT NULL, status " L6_PG_TEXT " NOT NULL, mode " L6_PG_TEXT " NOT NULL, prev_close BIGINT NOT NULL,"
    "  maker_bps BIGINT NOT NULL, taker_bps BIGINT NOT NULL, no_same_day_resale BIGINT NOT NULL, created " L6_PG_TEXT " NOT NULL,"
    "  call_minutes BIGINT NOT NULL);"
    "CREATE TABLE ex_cash(org BIGINT NOT NULL, currency " L6_PG_TEXT " NOT NULL, balance BIGINT NOT NULL CHECK(balance >= 0),"
    "  reserved BIGINT NOT NULL CHECK(reserved >= 0), PRIMARY KEY(org, currency));"
    "CREATE TABLE ex_journal(id BIGINT PRIMARY KEY, org BIGINT NOT NULL, currency " L6_PG_TEXT " NOT NULL, kind " L6_PG_TEXT " NOT NULL,"
    "  amount BIGINT NOT NULL, ref BIGINT NOT NULL, ts " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX ex_journal_org ON ex_journal(org, id);"
    "CREATE TABLE ex_orders(id BIGINT PRIMARY KEY, instrument " L6_PG_TEXT " NOT NULL REFERENCES ex_instruments(code),"
    "  seq BIGINT NOT NULL, org BIGINT NOT NULL, account BIGINT NOT NULL, side " L6_PG_TEXT " NOT NULL, type " L6_PG_TEXT " NOT NULL,"
    "  tif " L6_PG_TEXT " NOT NULL, post_only BIGINT NOT NULL, price BIGINT NOT NULL, qty BIGINT NOT NULL CHECK(qty > 0),"
    "  remaining BIGINT NOT NULL CHECK(remaining >= 0 AND remaining <= qty), reserved BIGINT NOT NULL CHECK(reserved >= 0),"
    "  status " L6_PG_TEXT " NOT NULL, day " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL, counterparty BIGINT NOT NULL);"
    "CREATE INDEX ex_orders_open ON ex_orders(instrument, status, seq);"
    "CREATE TABLE ex_trades(id BIGINT PRIMARY KEY, instrument " L6_PG_TEXT " NOT NULL REFERENCES ex_instruments(code),"
    "  price BIGINT NOT NULL CHECK(price > 0), qty BIGINT NOT NULL CHECK(qty > 0), buy_order BIGINT NOT NULL,"
    "  sell_order BIGINT NOT NULL, buyer BIGINT NOT NULL, seller BIGINT NOT NULL, taker_side " L6_PG_TEXT " NOT NULL,"
    "  buyer_fee BIGINT NOT NULL, seller_fee BIGINT NOT NULL, day " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX ex_trades_day ON ex_trades(instrument, day, id);",
    /* Instrument eligibility criteria and batch labels (issue 6, crit). */
    "CREATE TABLE crit_instruments(code " L6_PG_TEXT " PRIMARY KEY REFERENCES ex_instruments(code),"
    "  unit_types " L6_PG_TEXT " NOT NULL, programmes " L6_PG_TEXT " NOT NULL, labels " L6_PG_TEXT " NOT NULL,"
    "  corsia_phase " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE crit_batch_labels(id BIGINT PRIMARY KEY, batch BIGINT NOT NULL, label " L6_PG_TEXT " NOT NULL,"
    "  actor " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL, reference " L6_PG_TEXT " NOT NULL, UNIQUE(batch, label));",
    /* The ETS history (issue 14); see schema.h. */
    "CREATE TABLE ets_history(id BIGINT PRIMARY KEY, kind " L6_PG_TEXT " NOT NULL, key " L6_PG_TEXT " NOT NULL,"
    "  actor " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL, body " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX ets_history_key ON ets_history(kind, key, id);",
    /* Issuance batches gain the production (monitoring) period. */
    "ALTER TABLE batches ADD COLUMN production_start " L6_PG_TEXT " NOT NULL DEFAULT '';"
    "ALTER TABLE batches ADD COLUMN production_end " L6_PG_TEXT " NOT NULL DEFAULT '';",
    /* 10 -> 11: the trade's delivery transaction (schema.h). */
    "ALTER TABLE ex_trades ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX ex_trades_ts ON ex_trades(ts);",
    /* People (issue 15): users, web sessions, a token's owner (schema.h). */
    "CREATE TABLE users(id BIGINT PRIMARY KEY, email " L6_PG_TEXT " NOT NULL UNIQUE, name " L6_PG_TEXT " NOT NULL,"
    "  role " L6_PG_TEXT " NOT NULL, org BIGINT NOT NULL, pwhash " L6_PG_TEXT " NOT NULL,"
    "  totp_secret " L6_PG_TEXT " NOT NULL, totp_step BIGINT NOT NULL, disabled BIGINT NOT NULL,"
    "  created " L6_PG_TEXT " NOT NULL);"
    "CREATE TABLE sessions(hash " L6_PG_TEXT " PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),"
    "  csrf_hash " L6_PG_TEXT " NOT NULL, created_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "ALTER TABLE tokens ADD COLUMN owner BIGINT NOT NULL DEFAULT 0;",
    /* 12 -> 13: the token lifecycle (schema.h). */
    "ALTER TABLE tokens ADD COLUMN created BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN expires BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN revoked BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN last_used BIGINT NOT NULL DEFAULT 0;",
    /* 13 -> 14: four eyes, trusted accounts and delays (schema.h). */
    "CREATE TABLE approval_policies(registry " L6_PG_TEXT " PRIMARY KEY, body " L6_PG_TEXT " NOT NULL, hold_account BIGINT NOT NULL);"
    "CREATE TABLE proposals(id BIGINT PRIMARY KEY, kind " L6_PG_TEXT " NOT NULL, state " L6_PG_TEXT " NOT NULL, registry " L6_PG_TEXT " NOT NULL,"
    "  org BIGINT NOT NULL, from_account BIGINT NOT NULL, to_account BIGINT NOT NULL, quantity BIGINT NOT NULL,"
    "  reasons " L6_PG_TEXT " NOT NULL, proposer " L6_PG_TEXT " NOT NULL, proposer_role " L6_PG_TEXT " NOT NULL, proposer_org BIGINT NOT NULL,"
    "  proposer_user BIGINT NOT NULL, proposer_token BIGINT NOT NULL, created_ms BIGINT NOT NULL,"
    "  expires_ms BIGINT NOT NULL, executes_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL, decided_by " L6_PG_TEXT " NOT NULL,"
    "  approved_by " L6_PG_TEXT " NOT NULL, result " L6_PG_TEXT " NOT NULL, hold_tx BIGINT NOT NULL, release_tx BIGINT NOT NULL,"
    "  result_tx BIGINT NOT NULL, request " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX proposals_state ON proposals(state, id);"
    "CREATE INDEX proposals_org ON proposals(org, id);"
    "CREATE TABLE trusted_accounts(account BIGINT NOT NULL, trusted BIGINT NOT NULL, added_ms BIGINT NOT NULL,"
    "  active_ms BIGINT NOT NULL, added_by " L6_PG_TEXT " NOT NULL, PRIMARY KEY(account, trusted));",
    /* 14 -> 15: standard registries, origin serials, effective dates (schema.h). */
    "ALTER TABLE registries ADD COLUMN kind " L6_PG_TEXT " NOT NULL DEFAULT 'party';"
    "ALTER TABLE batches ADD COLUMN vintage_start " L6_PG_TEXT " NOT NULL DEFAULT '';"
    "ALTER TABLE batches ADD COLUMN vintage_end " L6_PG_TEXT " NOT NULL DEFAULT '';"
    "CREATE TABLE origin_blocks(id BIGINT PRIMARY KEY, origin " L6_PG_TEXT " NOT NULL, prefix " L6_PG_TEXT " NOT NULL,"
    "  first BIGINT NOT NULL, last BIGINT NOT NULL, text " L6_PG_TEXT " NOT NULL, batch BIGINT NOT NULL REFERENCES batches(id),"
    "  serial_first BIGINT NOT NULL, project " L6_PG_TEXT " NOT NULL, vintage_start " L6_PG_TEXT " NOT NULL,"
    "  vintage_end " L6_PG_TEXT " NOT NULL, CHECK(first >= 0 AND last >= first));"
    "CREATE INDEX origin_blocks_range ON origin_blocks(origin, prefix, first);"
    "CREATE INDEX origin_blocks_vintage ON origin_blocks(origin, project, vintage_start, vintage_end);"
    "CREATE INDEX origin_blocks_batch ON origin_blocks(batch);"
    "CREATE TABLE tx_origin(tx BIGINT PRIMARY KEY REFERENCES transactions(id), effective " L6_PG_TEXT " NOT NULL,"
    "  beneficiary_unstated BIGINT NOT NULL);"
    "CREATE TABLE origin_unplaced(origin " L6_PG_TEXT " NOT NULL, project " L6_PG_TEXT " NOT NULL,"
    "  vintage_start " L6_PG_TEXT " NOT NULL, vintage_end " L6_PG_TEXT " NOT NULL, vintage BIGINT NOT NULL,"
    "  total BIGINT NOT NULL, unplaced BIGINT NOT NULL, PRIMARY KEY(origin, project, vintage_start, vintage_end));",
    /* 15 -> 16: authorization amendments (schema.h). */
    "CREATE TABLE a6_auth_versions(auth BIGINT NOT NULL REFERENCES a6_authorizations(id), version INTEGER NOT NULL,"
    "  effective_from TEXT NOT NULL, body TEXT NOT NULL, ts TEXT NOT NULL, PRIMARY KEY(auth, version));",
    /* 16 -> 17: the history lines' length class and its index (schema.h). */
    "ALTER TABLE tx_lines ADD COLUMN lvl INTEGER NOT NULL DEFAULT 0;"
    "UPDATE tx_lines SET lvl = " L6_LVL_SQL ";"
    "DROP INDEX tx_lines_batch;"
    "CREATE INDEX tx_lines_hist ON tx_lines(batch, lvl, first, last);",
    /* 17 -> 18: programmes of activities, comments, grievances (schema.h). */
    "CREATE TABLE mech_records(id BIGINT PRIMARY KEY, kind " L6_PG_TEXT " NOT NULL, ref " L6_PG_TEXT " NOT NULL,"
    "  state " L6_PG_TEXT " NOT NULL, body " L6_PG_TEXT " NOT NULL);"
    "CREATE INDEX mech_records_ref ON mech_records(kind, ref, id);",
    /* 18 -> 19: activity records: devices, readings, commitments, registry choices (schema.h). */
    "CREATE TABLE activity_records(project " L6_PG_TEXT " NOT NULL REFERENCES projects(id), kind " L6_PG_TEXT " NOT NULL,"
    "  id BIGINT NOT NULL, period INTEGER NOT NULL, ref " L6_PG_TEXT " NOT NULL, body " L6_PG_TEXT " NOT NULL,"
    "  PRIMARY KEY(project, kind, id));"
    "CREATE UNIQUE INDEX activity_records_ref ON activity_records(project, kind, ref);"
    "CREATE INDEX activity_records_period ON activity_records(project, kind, period, id);",
    /* 19 -> 20: links between registries (schema.h). */
    "CREATE TABLE link_records(kind " L6_PG_TEXT " NOT NULL, key " L6_PG_TEXT " NOT NULL, state " L6_PG_TEXT " NOT NULL,"
    "  due_ms BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(kind, key));"
    "CREATE INDEX link_records_due ON link_records(kind, state, due_ms);",
    /* 20 -> 21: the terms of off-exchange transfers (schema.h). */
    "CREATE TABLE tx_terms(tx BIGINT PRIMARY KEY REFERENCES transactions(id), amount BIGINT NOT NULL,"
    "  currency " L6_PG_TEXT " NOT NULL);",
    /* 21 -> 22: the hash of the letter of authorization (schema.h). */
    "ALTER TABLE a6_authorizations ADD COLUMN letter_sha256 " L6_PG_TEXT " NOT NULL DEFAULT '';",
    /* 22 -> 23: buffer pools of imported issuances (schema.h). */
    "ALTER TABLE origin_unplaced ADD COLUMN buffer BIGINT NOT NULL DEFAULT 0;",
    /* 23 -> 24: cooperative approaches (schema.h). */
    "CREATE TABLE a6_approaches(code INTEGER PRIMARY KEY, party " L6_PG_TEXT " NOT NULL, body TEXT NOT NULL,"
    "  ts " L6_PG_TEXT " NOT NULL);",
    /* 24 -> 25: email notices (schema.h). */
    "ALTER TABLE users ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE notices(id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), key " L6_PG_TEXT " NOT NULL,"
    "  email " L6_PG_TEXT " NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, state " L6_PG_TEXT " NOT NULL,"
    "  attempts INTEGER NOT NULL, created_ms BIGINT NOT NULL, due_ms BIGINT NOT NULL, sent_ms BIGINT NOT NULL,"
    "  last_error TEXT NOT NULL, UNIQUE(user_id, key));"
    "CREATE INDEX notices_due ON notices(state, due_ms, id);",
    /* 25 -> 26: retirements without serials, figures in kilograms (schema.h). */
    "ALTER TABLE origin_unplaced ADD COLUMN retired BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN total_kg BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN buffer_kg BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN retired_kg BIGINT NOT NULL DEFAULT 0;"
    "CREATE TABLE origin_projects(origin " L6_PG_TEXT " NOT NULL, project " L6_PG_TEXT " NOT NULL,"
    "  status " L6_PG_TEXT " NOT NULL, registered " L6_PG_TEXT " NOT NULL, PRIMARY KEY(origin, project));",
    /* 26 -> 27: the project counts' index (schema.h). */
    "CREATE INDEX projects_counts ON projects(status, host, programme);",
    /* 27 -> 28: letter leaves of the transparency log (schema.h). */
    "CREATE TABLE log_letters(idx BIGINT PRIMARY KEY, auth BIGINT NOT NULL, version INTEGER NOT NULL,"
    "  sha256 " L6_PG_TEXT " NOT NULL, ts " L6_PG_TEXT " NOT NULL, UNIQUE(auth, version));",
    /* 28 -> 29: dropped batch labels, origin vintage periods (schema.h). */
    "ALTER TABLE crit_batch_labels ADD COLUMN dropped_ts " L6_PG_TEXT " NOT NULL DEFAULT '';"
    "ALTER TABLE crit_batch_labels ADD COLUMN dropped_reference " L6_PG_TEXT " NOT NULL DEFAULT '';"
    "CREATE TABLE origin_periods(origin " L6_PG_TEXT " NOT NULL, prefix " L6_PG_TEXT " NOT NULL, year INTEGER NOT NULL,"
    "  vintage_start " L6_PG_TEXT " NOT NULL, vintage_end " L6_PG_TEXT " NOT NULL, PRIMARY KEY(origin, prefix, year));",
    /* 29 -> 30: the project list's filter indexes (schema.h). */
    "CREATE INDEX projects_host ON projects(host, status, id);"
    "CREATE INDEX projects_status ON projects(status, id);"
    "CREATE INDEX projects_programme ON projects(programme, id);",
};

#define L6_PG_SCHEMA_VERSION ((int)(sizeof l6_pg_migrations / sizeof l6_pg_migrations[0]))

#endif
