/*
 * store_pg.c -- the PostgreSQL store (libpq). Same interface, schema and
 * behaviour as store_sqlite.c: the same ids, orderings, errors, nesting
 * and fault hook, so the service and the test suite cannot tell the two
 * apart. One connection per store; the service layer serialises access
 * to it within a process.
 *
 * Concurrency across processes. Every top-level transaction runs at READ
 * COMMITTED and takes a transaction-level advisory lock on one ledger key
 * right after BEGIN (pg_advisory_xact_lock), held until COMMIT or
 * ROLLBACK. Writers are therefore serialised exactly as SQLite's single
 * writer (BEGIN IMMEDIATE) serialises them, across every ledger6 process
 * sharing the database: a transfer re-reads the source's blocks after it
 * holds the lock, so two processes cannot spend the same units, and there
 * are no serialization failures to retry. docs/OPERATIONS.md says why this
 * was chosen over SERIALIZABLE. Waiting longer than
 * L6_STORE_BUSY_TIMEOUT_MS for the lock is BUSY.
 *
 * Ids. Rows get max(id) + 1, computed in the INSERT under the lock: that
 * is SQLite's rowid rule, so ids are dense and equal to SQLite's for the
 * same history.
 *
 * Connection loss. A store whose connection broke reconnects (PQreset,
 * which tries every host of a multi-host URI, honouring
 * target_session_attrs) at the next top-level begin or statement outside a
 * transaction, re-prepares its statements and carries on; leases held on
 * the old connection are gone (lease_try says so). A loss inside a
 * transaction is BUSY (nothing was applied: retry), except during COMMIT,
 * where the outcome is unknown: STORE with a message saying so (clients
 * retry with their Idempotency-Key).
 *
 * Layout, for adding ops: add the SQL to store_sql.h when SQLite runs it as
 * written (with ?n), else to PG_SQL_MAP under its section; a row decoder
 * to store_rows.c if the row is new (and its name to STORE_ROW_DECODERS);
 * the op under its section (args with a_*(), then run_write / run_one /
 * run_each), and the entry in pg_ops. Migrations go to schema_pg.h,
 * twinned with schema.h.
 */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sodium.h>

#include "schema.h"
#include "schema_pg.h"
#include "store.h"
#include "store_common.h"
#include "store_rows.h"
#include "store_sql.h"

_Static_assert(L6_PG_SCHEMA_VERSION == L6_SCHEMA_VERSION,
               "schema_pg.h must have the PostgreSQL twin of every migration in schema.h");

/* The advisory lock every top-level transaction holds: two 32-bit keys,
 * a space that never overlaps the single 64-bit keys used for leases.
 * 0x4C364C47 is "L6LG"; the second key would tell several ledgers in one
 * database apart (one today). */
#define PG_LOCK_CLASS 1278626887
#define PG_LOCK_LEDGER 1
#define PG_STR_(x) #x
#define PG_STR(x) PG_STR_(x)
/* A reader's transaction (pg_reader): one snapshot, no writer lock. */
#define PG_BEGIN_READ_SQL "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"
#define PG_BEGIN_SQL                                                                                                   \
  "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" PG_STR(PG_LOCK_CLASS) ", " PG_STR(             \
      PG_LOCK_LEDGER) ")"

/* Lowest server version: DROP DATABASE ... WITH (FORCE) (tests) and
 * identity columns. Debian 12 ships 15. */
#define PG_MIN_VERSION 130000

/* Every statement, by id. The id names the prepared statement ("l6_<id>").
 * Text sentinels ('' = no filter) and integer sentinels (0) are cast so
 * that their parameter types are fixed. */

#define PG_SQL_MAP(XX) \
  /* reference data */ \
  XX(ORG_PUT, "INSERT INTO organisations(id, registry, name)" \
              " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM organisations), $1, $2) RETURNING id") \
  XX(ORG_LIST, "SELECT id, registry, name FROM organisations WHERE ($1::bigint = 0 OR id = $1) ORDER BY id") \
  XX(ACC_PUT, "INSERT INTO accounts(id, registry, org, type, status, name)" \
              " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM accounts), $1, $2, $3, $4, $5) RETURNING id") \
  XX(ACC_LIST, "SELECT id, registry, org, type, status, name FROM accounts" \
               " WHERE ($1::bigint = 0 OR org = $1) AND id > $2 ORDER BY id LIMIT $3") \
  XX(PROJ_LIST, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start," \
                " crediting_end, status FROM projects WHERE ($1::text = '' OR programme = $1)" \
                " AND ($2::text = '' OR host = $2) AND ($3::text = '' OR status = $3) AND id > $4" \
                " ORDER BY id LIMIT $5") \
  XX(PROJ_LIST_HS, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE host = $2::text AND status = $3::text AND ($1::text = '' OR programme = $1::text) AND ($2::text = '' OR host = $2::text) AND ($3::text = '' OR status = $3::text) AND id > $4::text ORDER BY id LIMIT $5::bigint") \
  XX(PROJ_LIST_HOST, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE host = $2::text AND ($1::text = '' OR programme = $1::text) AND ($2::text = '' OR host = $2::text) AND ($3::text = '' OR status = $3::text) AND id > $4::text ORDER BY id LIMIT $5::bigint") \
  XX(PROJ_LIST_STATUS, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE status = $3::text AND ($1::text = '' OR programme = $1::text) AND ($2::text = '' OR host = $2::text) AND ($3::text = '' OR status = $3::text) AND id > $4::text ORDER BY id LIMIT $5::bigint") \
  XX(PROJ_LIST_PROG, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE programme = $1::text AND ($1::text = '' OR programme = $1::text) AND ($2::text = '' OR host = $2::text) AND ($3::text = '' OR status = $3::text) AND id > $4::text ORDER BY id LIMIT $5::bigint") \
  /* issuance batches */ \
  XX(BATCH_PUT, "INSERT INTO batches(id, project, unit_type, registry, vintage, serial_start, quantity, tx," \
                " production_start, production_end)" \
                " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM batches), $1, $2, $3, $4, $5, $6, $7, $8, $9)" \
                " RETURNING id") \
  XX(BATCH_LIST, "SELECT id, project, unit_type, registry, vintage, serial_start, quantity, tx," \
                 " production_start, production_end" \
                 " FROM batches WHERE ($1::text = '' OR project = $1) AND id > $2 ORDER BY id LIMIT $3") \
  /* blocks */ \
  XX(BLK_INS, "INSERT INTO blocks(id, batch, account, first, last, vintage)" \
              " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM blocks), $1, $2, $3, $4," \
              " (SELECT vintage FROM batches WHERE id = $1))") \
  XX(BLK_PICK, "SELECT b.id, b.batch, b.account, b.first, b.last, b.vintage" \
               " FROM blocks b WHERE b.account = $1" \
               " AND ($4::integer = 0 OR b.vintage = $4) AND EXISTS(SELECT 1 FROM batches ba" \
               "  WHERE ba.id = b.batch AND ($2::text = '' OR ba.unit_type = $2)" \
               "  AND ($3::text = '' OR ba.project = $3))" \
               " ORDER BY b.vintage, b.batch, b.first LIMIT $5") \
  XX(BLK_OF_ACC, "SELECT id, batch, account, first, last, vintage FROM blocks" \
                 " WHERE account = $1 AND id > $2 ORDER BY id LIMIT $3") \
  XX(ACC_TOTAL, "SELECT COALESCE(SUM(b.last - b.first + 1), 0) FROM blocks b" \
                " JOIN batches ba ON ba.id = b.batch WHERE b.account = $1" \
                " AND ($2::text = '' OR ba.unit_type = $2) AND ($3::text = '' OR ba.project = $3)" \
                " AND ($4::integer = 0 OR ba.vintage = $4)") \
  /* registry transactions and their history */ \
  XX(TX_PUT, "INSERT INTO transactions(id, kind, ts, actor, from_account, to_account, quantity," \
             " beneficiary, purpose, claim, reporting_year)" \
             " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM transactions)," \
             " $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id") \
  XX(TX_LIST, "SELECT t.id, t.kind, t.ts, t.actor, t.from_account, t.to_account, t.quantity," \
              " t.beneficiary, t.purpose, t.claim, t.reporting_year FROM transactions t" \
              " WHERE t.id > $1 AND ($2::bigint = 0 OR t.from_account = $2 OR t.to_account = $2)" \
              " AND ($3::text = '' OR t.kind = $3)" \
              " AND ($4::bigint = 0 OR EXISTS(SELECT 1 FROM tx_lines l WHERE l.tx = t.id AND l.batch = $4))" \
              " AND ($5::text = '' OR EXISTS(SELECT 1 FROM tx_lines l JOIN batches ba ON ba.id = l.batch" \
              "      WHERE l.tx = t.id AND ba.project = $5))" \
              " AND ($6::bigint = 0 OR EXISTS(SELECT 1 FROM accounts a WHERE a.org = $6" \
              "      AND (a.id = t.from_account OR a.id = t.to_account)))" \
              " ORDER BY t.id LIMIT $7") \
  XX(LINE_OF_TX, "SELECT tx, batch, first, last, from_account, to_account FROM tx_lines" \
                 " WHERE tx = $1 ORDER BY seq") \
  XX(LINE_HIST, L6_LINE_HIST_SQL_PG("$1", "$2")) \
  /* idempotency and tokens */ \
  XX(TOK_PUT, "INSERT INTO tokens(id, hash, role, org, label, created, expires)" \
              " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM tokens), $1, $2, $3, $4, $5, $6) RETURNING id") \
  XX(TOK_LIST, "SELECT " TOK_COLS " FROM tokens WHERE ($1::bigint = 0 OR id = $1) AND id > $2" \
               " ORDER BY id LIMIT $3") \
  /* the project cycle */ \
  XX(ACT_LIST, "SELECT project, mechanism, org, registry, scope, state, rejected_step," \
               " transition_from, requested_on, ets_covered, replacement_due, issued, updated" \
               " FROM activities WHERE ($1::text = '' OR mechanism = $1) AND ($2::text = '' OR state = $2)" \
               " AND project > $3 ORDER BY project LIMIT $4") \
  XX(STEP_PUT, "INSERT INTO cycle_steps(id, project, period, step, decision, from_state, to_state," \
               " actor, role, ts, mechanism_hash, documents, detail)" \
               " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM cycle_steps)," \
               " $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id") \
  /* Article 6.2 accounting */ \
  XX(A6_AUTH_INS, "INSERT INTO a6_authorizations(id, party, approach, project, vintage_from, vintage_to," \
                  " quantity, assigned, purposes, ft_event, parties, entities, year_from, year_to," \
                  " in_scope, version, revoked, ts, letter_sha256)" \
                  " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM a6_authorizations)," \
                  " $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING id") \
  XX(A6_AUTH_LIST, "SELECT " A6_AUTH_COLS " FROM a6_authorizations WHERE ($1::text = '' OR party = $1)" \
                   " ORDER BY id") \
  XX(A6_ITMO_INS, "INSERT INTO a6_itmos(id, auth, approach, registry, host, batch, first, last, itmo_first," \
                  " vintage, ft_year, fate, user_party, use_year)" \
                  " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM a6_itmos)," \
                  " $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id") \
  XX(A6_ITMO_LIST, "SELECT " A6_ITMO_COLS " FROM a6_itmos WHERE ($1::bigint = 0 OR auth = $1)" \
                   " ORDER BY approach, registry, itmo_first") \
  XX(A6_ACT_PUT, "INSERT INTO a6_actions(id, tx, type, party, auth, approach, registry, itmo_first," \
                 " itmo_last, first_id, last_id, quantity, vintage, from_party, to_party, purpose," \
                 " user_entity, year, ca, ts) VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM a6_actions)," \
                 " $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19) RETURNING id") \
  XX(A6_ACT_LIST, "SELECT " A6_ACT_COLS " FROM a6_actions WHERE ($1::text = '' OR party = $1) ORDER BY id") \
  /* non-market approaches */ \
  XX(NMA_INS, "INSERT INTO nma_records(id, kind, party, status, body)" \
              " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM nma_records), $1, $2, $3, $4) RETURNING id") \
  XX(NMA_LIST, "SELECT id, kind, party, status, body FROM nma_records WHERE kind = $1" \
               " AND ($2::text = '' OR party = $2) ORDER BY id") \
  XX(MREC_INS, "INSERT INTO mech_records(id, kind, ref, state, body)" \
               " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM mech_records), $1, $2, $3, $4) RETURNING id") \
  XX(MREC_LIST, "SELECT id, kind, ref, state, body FROM mech_records WHERE kind = $1" \
                " AND ($2::text = '' OR ref = $2) ORDER BY id") \
  XX(AREC_UPD, "UPDATE activity_records SET body = $4 WHERE project = $1 AND kind = $2 AND id = $3") \
  XX(AREC_LIST, "SELECT project, kind, id, period, ref, body FROM activity_records" \
                " WHERE project = $1 AND kind = $2 AND ($3::int < 0 OR period = $3::int) ORDER BY id") \
  /* cooperative approaches */ \
  /* links between registries */ \
  XX(LINK_DUE, "SELECT kind, key, state, due_ms, body FROM link_records WHERE kind = $1 AND state = $2" \
               " AND ($3::bigint < 0 OR due_ms <= $3::bigint) ORDER BY due_ms, key") \
  /* emissions trading */ \
  XX(ETS_LIST, "SELECT kind, key, body FROM ets_records WHERE kind = $1" \
               " AND substr(key, 1, length($2::text)) = $2::text ORDER BY key") \
  XX(ETS_HIST_ADD, "INSERT INTO ets_history(id, kind, key, actor, ts, body)" \
                   " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM ets_history), $1, $2, $3, $4, $5) RETURNING id") \
  /* transparency log */ \
  XX(LOG_SIZE, "SELECT GREATEST(COALESCE((SELECT MAX(idx) FROM log_leaves), -1)," \
              " COALESCE((SELECT MAX(idx) FROM log_letters), -1)) + 1")

#define SQL_MAP_EX(XX) \
  XX(BLABEL_PUT, "INSERT INTO crit_batch_labels(id, batch, label, actor, ts, reference) VALUES((SELECT" " COALESCE(MAX(id), 0) + 1 FROM crit_batch_labels), $1,$2,$3,$4,$5) RETURNING id") \
  XX(EX_CASH_LIST, "SELECT org, currency, balance, reserved FROM ex_cash WHERE ($1::bigint < 0 OR org = $1) ORDER" " BY org, currency") \
  XX(EX_JOUR_PUT, "INSERT INTO ex_journal(id, org, currency, kind, amount, ref, ts) VALUES((SELECT" " COALESCE(MAX(id), 0) + 1 FROM ex_journal), $1,$2,$3,$4,$5,$6) RETURNING id") \
  XX(EX_JOUR_LIST, "SELECT id, org, currency, kind, amount, ref, ts FROM ex_journal WHERE ($1::bigint < 0 OR org =" " $1) ORDER BY id") \
  XX(EX_ORDER_LIST, "SELECT id, instrument, seq, org, account, side, type, tif, post_only, price, qty, remaining," " reserved, status, day, ts, counterparty FROM ex_orders WHERE ($1::text = '' OR instrument =" " $1) AND ($2::bigint = 0 OR org = $2) AND ($3::bigint = 0 OR status = 'open') ORDER BY seq") \
  XX(EX_TRADE_PUT, "INSERT INTO ex_trades(id, instrument, price, qty, buy_order, sell_order, buyer, seller," " taker_side, buyer_fee, seller_fee, day, ts, tx) VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM" " ex_trades), $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id") \
  XX(EX_TRADE_LIST_ASC, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE instrument = $1 AND ($2::text = '' OR day" " = $2) ORDER BY id ASC LIMIT $3::bigint") \
  XX(EX_TRADE_LIST_DESC, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE instrument = $1 AND ($2::text = '' OR day" " = $2) ORDER BY id DESC LIMIT $3::bigint")

/* People (issue 15): users, web sessions, token owners. */
#define SQL_MAP_PEOPLE(XX) \
  XX(USER_PUT, "INSERT INTO users(id, email, name, role, org, pwhash, totp_secret, totp_step, disabled, created)" \
               " VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM users), $1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")

/* Email notices (issue 22, service/notice.c). */
#define SQL_MAP_NOTICE(XX) \
  XX(NOTICE_ADD, "INSERT INTO notices(" NOTICE_COLS ") VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM notices)," \
                 " $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT(user_id, key) DO NOTHING RETURNING id") \
  XX(NOTICE_DUE, "SELECT " NOTICE_COLS " FROM notices WHERE state = 'queued' AND due_ms <= $1" \
                 " ORDER BY due_ms, id LIMIT $2::bigint") \
  XX(NOTICE_LIST, "SELECT " NOTICE_COLS " FROM notices WHERE ($1::bigint = 0 OR user_id = $1) ORDER BY id" \
                  " LIMIT $2::bigint")

/* Four eyes, trusted accounts, delays (issue 15, proposal.c). */
#define SQL_MAP_PROP(XX) \
  XX(PROP_PUT, "INSERT INTO proposals(" PROP_COLS ") VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM proposals) + 0 * $1::bigint," \
               " $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22," \
               " $23, $24, $25) RETURNING id") \
  XX(PROP_LIST, "SELECT " PROP_COLS " FROM proposals WHERE ($1::text = '' OR state = $1)" \
                " AND ($2::bigint = 0 OR org = $2) AND ($3::bigint = 0 OR from_account = $3 OR to_account = $3)" \
                " AND ($4::bigint = 0 OR (state = 'pending' AND expires_ms <= $4)" \
                "  OR (state = 'delayed' AND executes_ms <= $4)) AND id > $5 ORDER BY id" \
                " LIMIT CASE WHEN $6::bigint > 0 THEN $6::bigint END")

#define SQL_MAP_ORIGIN(XX) \
  XX(ORIGIN_PUT, "INSERT INTO origin_blocks(id, origin, prefix, first, last, text, batch, serial_first, project," \
                 " vintage_start, vintage_end) VALUES((SELECT COALESCE(MAX(id), 0) + 1 FROM origin_blocks)," \
                 " $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id") \
  XX(ORIGIN_AT, "SELECT " ORIGIN_COLS " FROM origin_blocks WHERE origin = $1 AND prefix = $2 AND first <= $3" \
                " ORDER BY first DESC LIMIT 1")

/* Open data (issue 17): trades by id across instruments, and the totals of
 * GET /v1/stats grouped in SQL (store.h ops->stats). */
#define SQL_MAP_OPEN(XX) \
  XX(EX_TRADE_PAGE, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," \
     " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE id > $1 ORDER BY id LIMIT $2::bigint") \
  XX(STATS_VINTAGE, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT CAST(b.vintage AS TEXT) AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > $3::bigint LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)" " UNION ALL SELECT CAST(b.vintage AS TEXT), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)) u GROUP BY k ORDER BY k") \
  XX(STATS_HOST, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT p.host AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > $3::bigint LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)" " UNION ALL SELECT p.host, 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)) u GROUP BY k ORDER BY k") \
  XX(STATS_PROGRAMME, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT p.programme AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > $3::bigint LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)" " UNION ALL SELECT p.programme, 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)) u GROUP BY k ORDER BY k") \
  XX(STATS_YEAR, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT SUBSTR(COALESCE(o.effective, t.ts), 1, 4) AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > $3::bigint LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)" " UNION ALL SELECT SUBSTR(COALESCE(o.effective, t.ts), 1, 4), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)) u GROUP BY k ORDER BY k") \
  XX(STATS_RYEAR, "SELECT CAST(t.reporting_year AS TEXT), 0, CAST(SUM(l.last - l.first + 1) AS BIGINT) FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text) GROUP BY t.reporting_year ORDER BY t.reporting_year") \
  XX(STATS_COUNTS, "SELECT 'all', (SELECT COUNT(*) FROM batches b JOIN projects p ON p.id = b.project WHERE b.tx > $3::bigint AND ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text))," " (SELECT COUNT(DISTINCT l.tx) FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > $3::bigint" " JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text))") \
  XX(STATS_CELLS, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (SELECT p.host || ' ' || p.programme || ' ' || CAST(b.vintage AS TEXT) || ' ' || SUBSTR(COALESCE(o.effective, t.ts), 1, 4) AS k, b.quantity AS iss, 0 AS ret" " FROM batches b JOIN projects p ON p.id = b.project JOIN transactions t ON t.id = b.tx AND b.tx > $3::bigint LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)" " UNION ALL SELECT p.host || ' ' || p.programme || ' ' || CAST(b.vintage AS TEXT) || ' ' || SUBSTR(COALESCE(o.effective, t.ts), 1, 4), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project LEFT JOIN tx_origin o ON o.tx = t.id WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text)) u GROUP BY k") \
  XX(STATS_RCELLS, "SELECT p.host || ' ' || p.programme || ' ' || CAST(t.reporting_year AS TEXT), 0, CAST(SUM(l.last - l.first + 1) AS BIGINT) FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text) GROUP BY p.host, p.programme, t.reporting_year") \
  XX(STATS_BCOUNT, "SELECT p.host || ' ' || p.programme, COUNT(*), 0 FROM batches b JOIN projects p ON p.id = b.project WHERE b.tx > $3::bigint AND ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text) GROUP BY p.host, p.programme") \
  XX(STATS_RTX, "SELECT DISTINCT CAST(l.tx AS TEXT) || ' ' || p.host || ' ' || p.programme, l.tx, 0 FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > $3::bigint JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE ($1::text = '' OR p.host = $1::text) AND ($2::text = '' OR p.programme = $2::text) ORDER BY l.tx") \
  XX(STATS_PROJECTS, "SELECT status || ' ' || host || ' ' || programme, COUNT(*), 0 FROM projects WHERE ($1::text = '' OR host = $1::text) AND ($2::text = '' OR programme = $2::text) GROUP BY status, host, programme")

enum {
#define XX(id, sql) Q_##id,
  STORE_SQL_SHARED(XX) PG_SQL_MAP(XX) SQL_MAP_EX(XX) SQL_MAP_PEOPLE(XX) SQL_MAP_NOTICE(XX) SQL_MAP_PROP(XX) SQL_MAP_ORIGIN(XX) SQL_MAP_OPEN(XX)
#undef XX
      Q__COUNT
};

/* The statements as written: the shared ones in SQLite's parameter form,
 * turned into PostgreSQL's once (pg_sql_init) into sql_text. */
static const char *const sql_src[Q__COUNT] = {
#define XX(id, sql) [Q_##id] = sql,
    STORE_SQL_SHARED(XX) PG_SQL_MAP(XX) SQL_MAP_EX(XX) SQL_MAP_PEOPLE(XX) SQL_MAP_NOTICE(XX) SQL_MAP_PROP(XX) SQL_MAP_ORIGIN(XX) SQL_MAP_OPEN(XX)
#undef XX
};

/* The shared statements come first: ids below Q__SHARED. */
#define XX(id, sql) +1
enum { Q__SHARED = 0 STORE_SQL_SHARED(XX) };
#undef XX

/* Every statement as prepared: the shared ones written with $n, the others
 * as they are. Filled once, by the first store_pg_open. */
static const char *sql_text[Q__COUNT];
static bool sql_text_ok;
static void pg_sql_init(void) {
  for (int i = 0; i < Q__COUNT; i++) {
    if (i >= Q__SHARED) {
      sql_text[i] = sql_src[i];
    } else if ((sql_text[i] = store_sql_pg(sql_src[i])) == NULL) {
      return;
    }
  }
  sql_text_ok = true;
}

typedef struct {
  char name[L6_LEASE_NAME_MAX + 1]; /* "" when the slot is free */
  int64_t key;                      /* its session advisory lock key */
  unsigned gen;                     /* connection generation it was taken on */
} pg_lease;

typedef struct {
  l6_store base;
  PGconn *conn;
  char shown[L6_STORE_SPEC_MAX + 1]; /* the spec with its password hidden, for messages */
  int depth;                         /* open transaction nesting: 0 none, 1 BEGIN, >1 savepoints */
  bool failed;                       /* the open transaction hit an error: only rollback helps */
  bool readonly;                     /* a reader (pg_reader): snapshot transactions, no advisory lock */
  char *spec;                        /* the spec opened (malloc'd), for pg_reader */
  bool ready;                        /* migrated: sessions prepare the statements */
  bool session_ok;                   /* this connection has its settings (and statements when ready) */
  unsigned gen;                      /* bumped at every reconnect */
  int fail_after;                    /* fault injection countdown; 0 off */
  int pending;                       /* statements sent in pipeline mode, results not yet read */
  pg_lease lease[L6_MAX_LEASES];     /* leases this store holds */
} pg_store;

static pg_store *PG(l6_store *s) { return (pg_store *)s; }

/* ---- arguments ------------------------------------------------------- */

/* Parameters of one statement, in text format. */
#define PG_MAX_ARGS 32
typedef struct {
  const char *v[PG_MAX_ARGS];
  char num[PG_MAX_ARGS][24]; /* room for integers written by a_int */
  int n;
} pg_args;

static void a_text(pg_args *a, const char *v) {
  assert(a->n < PG_MAX_ARGS);
  a->v[a->n++] = v ? v : "";
}
static void a_int(pg_args *a, int64_t v) {
  assert(a->n < PG_MAX_ARGS);
  snprintf(a->num[a->n], sizeof a->num[a->n], "%lld", (long long)v);
  a->v[a->n] = a->num[a->n];
  a->n++;
}
static void a_id_or_null(pg_args *a, l6_id v) {
  if (v > 0) {
    a_int(a, v);
  } else {
    assert(a->n < PG_MAX_ARGS);
    a->v[a->n++] = NULL;
  }
}

/* ---- errors and connection ------------------------------------------- */

/* The first line of libpq's connection message (it ends with "\n"). */
static void conn_message(PGconn *c, char *buf, size_t cap) {
  snprintf(buf, cap, "%s", c ? PQerrorMessage(c) : "out of memory");
  buf[strcspn(buf, "\n")] = '\0';
}

static bool conn_lost(pg_store *q, const char *state) {
  return PQstatus(q->conn) != CONNECTION_OK || (state && strncmp(state, "08", 2) == 0) ||
         (state && (strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0));
}

/*
 * Maps a failed result to an l6 error with its message, like sq_fail.
 * Inside a transaction it also marks the transaction failed. in_commit:
 * the failure is COMMIT's, so a lost connection leaves the outcome unknown.
 */
static l6_err pg_fail(pg_store *q, const PGresult *r, bool in_commit, l6_error *err) {
  const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
  const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  char cmsg[200];
  if (msg == NULL) {
    conn_message(q->conn, cmsg, sizeof cmsg);
    msg = cmsg;
  }
  if (q->depth > 0) q->failed = true;
  if (conn_lost(q, state)) {
    if (in_commit)
      return l6_fail(err, L6_E_STORE,
                     "store: the connection to PostgreSQL was lost during COMMIT, so the transaction may or may "
                     "not have been applied (retry with the same Idempotency-Key): %s",
                     msg);
    return l6_fail(err, L6_E_BUSY, "store: the connection to PostgreSQL was lost (%s); nothing was changed", msg);
  }
  if (state && strcmp(state, "23505") == 0) return l6_fail(err, L6_E_ALREADY_EXISTS, "%s", msg);
  if (state && strcmp(state, "55P03") == 0)
    return l6_fail(err, L6_E_BUSY, "store: another writer held the store for more than %d ms",
                   L6_STORE_BUSY_TIMEOUT_MS);
  if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "57014") == 0))
    return l6_fail(err, L6_E_BUSY, "%s", msg);
  if (state && strcmp(state, "25006") == 0)
    return l6_fail(err, L6_E_BUSY, "store: PostgreSQL is read-only here (a standby?): %s", msg);
  return l6_fail(err, L6_E_STORE, "store: %s", msg);
}

/* Runs a statement without parameters or results (SET, SAVEPOINT, ...). */
static l6_err pipe_flush(pg_store *q, l6_error *err);
static l6_err exec_sql(pg_store *q, const char *sql, l6_error *err) {
  l6_err fe = pipe_flush(q, err);
  if (fe != L6_E_OK) return fe;
  q->base.round_trips++;
  PGresult *r = PQexec(q->conn, sql);
  ExecStatusType st = PQresultStatus(r);
  l6_err e = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? L6_E_OK : pg_fail(q, r, false, err);
  PQclear(r);
  return e;
}

/* Server notices ("there is no transaction in progress") are not errors;
 * they stay out of the server's stderr. */
static void pg_notice(void *arg, const char *message) {
  (void)arg;
  (void)message;
}

static l6_err migrate(pg_store *q, l6_error *err);

/* Session settings and prepared statements of a new connection. */
static l6_err pg_session(pg_store *q, l6_error *err) {
  PQsetNoticeProcessor(q->conn, pg_notice, NULL);
  if (PQsetClientEncoding(q->conn, "UTF8") != 0) return pg_fail(q, NULL, false, err);
  char sql[96];
  snprintf(sql, sizeof sql, "SET lock_timeout = %d", L6_STORE_BUSY_TIMEOUT_MS);
  l6_err e = exec_sql(q, sql, err);
  if (e != L6_E_OK) return e;
  if (!q->ready) return L6_E_OK; /* store_pg_open migrates first, then comes back */
  for (int i = 0; i < Q__COUNT; i++) {
    char name[16];
    snprintf(name, sizeof name, "l6_%d", i);
    PGresult *r = PQprepare(q->conn, name, sql_text[i], 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      e = pg_fail(q, r, false, err);
      PQclear(r);
      return e;
    }
    PQclear(r);
  }
  return L6_E_OK;
}

/* Outside a transaction: reconnects when the connection is gone, and
 * sets up a session that has not been set up. */
static l6_err pg_ensure(pg_store *q, l6_error *err) {
  assert(q->depth == 0);
  if (PQstatus(q->conn) == CONNECTION_OK && q->session_ok) return L6_E_OK;
  if (PQstatus(q->conn) != CONNECTION_OK) {
    PQreset(q->conn);
    q->pending = 0; /* a pipeline of the old connection is gone with it */
    q->gen++; /* whatever happens, the old session and its leases are gone */
    q->session_ok = false;
    if (PQstatus(q->conn) != CONNECTION_OK) {
      char msg[200];
      conn_message(q->conn, msg, sizeof msg);
      return l6_fail(err, L6_E_BUSY, "store: cannot reach PostgreSQL at %s: %s", q->shown, msg);
    }
  }
  l6_err e = pg_session(q, err);
  q->session_ok = (e == L6_E_OK);
  return e;
}

/* ---- pipeline (issue 16 target 5) ------------------------------------
 *
 * Inside a transaction, a write whose result the caller does not need
 * (no new id, no count of rows changed) and a SAVEPOINT are sent in
 * libpq's pipeline mode and not waited for. The next statement that needs
 * an answer (a read, a write with a result, RELEASE, COMMIT, a lease)
 * joins the pipeline, and one sync then brings every result back in
 * order: one round trip for all of them. The server runs the statements
 * as they arrive and, after the first failure, skips the rest up to the
 * sync, so the first failure is the outcome, mapped by pg_fail exactly as
 * it would have been had the write waited: the transaction is marked
 * failed and the caller rolls back. The only difference is where a
 * deferred write's failure shows: at the next synchronising statement of
 * the same transaction instead of the write's own call. So a caller that
 * must tell one write's error code from another's (cycle_data.c's replayed
 * reading) uses a write with a result, and RELEASE and the service's
 * ops->flush (txgroup.c, at the end of a request) synchronise, so that a
 * request's failure is its own and rolls back to its own savepoint. */

/* Statements one pipeline holds before it is synchronised anyway (the
 * results of writes are a few bytes each; this keeps libpq's and the
 * socket's buffers far from full, so blocking sends cannot deadlock). */
#define PG_PIPE_MAX 200

/* Writes whose failure a caller tells apart by its code and words at the
 * call (the service turns ALREADY_EXISTS into "Party X already exists",
 * a replayed reading into READING_REPLAYED): they wait for their answer. */
static bool pipe_must_wait(int id) {
  static const int ids[] = {Q_PARTY_PUT, Q_REG_PUT, Q_PROG_PUT, Q_UT_PUT, Q_PROJ_PUT, Q_AREC_INS};
  for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
    if (ids[i] == id) return true;
  return false;
}

/* Sends prepared statement id (sql NULL) or sql (no parameters) into the
 * pipeline, entering pipeline mode first. Only inside a transaction. */
static l6_err pipe_send(pg_store *q, int id, const char *sql, const pg_args *a, l6_error *err) {
  assert(q->depth > 0);
  if (PQpipelineStatus(q->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(q->conn) != 1)
    return pg_fail(q, NULL, false, err);
  int ok;
  if (sql == NULL) {
    char name[16];
    snprintf(name, sizeof name, "l6_%d", id);
    ok = PQsendQueryPrepared(q->conn, name, a->n, a->v, NULL, NULL, 0);
  } else {
    ok = PQsendQueryParams(q->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
  }
  if (ok != 1) return pg_fail(q, NULL, false, err);
  q->pending++;
  return L6_E_OK;
}

/*
 * Synchronises the pipeline: one sync, then every pending result in
 * order, then back to ordinary mode. Returns the first failure (pg_fail),
 * else OK; when all succeeded keep[0..nkeep-1] get the results of the
 * last nkeep statements (caller PQclears; keep may be NULL when nkeep is
 * 0). commit: the last statement is COMMIT, so a connection lost while
 * waiting for its answer leaves the outcome unknown.
 */
static l6_err pipe_sync_keep(pg_store *q, bool commit, PGresult **keep, int nkeep, l6_error *err) {
  int n = q->pending;
  assert(nkeep <= n);
  q->pending = 0;
  for (int k = 0; k < nkeep; k++) keep[k] = NULL;
  q->base.round_trips++;
  l6_err e = L6_E_OK;
  if (PQpipelineSync(q->conn) != 1) {
    e = pg_fail(q, NULL, commit, err);
    goto out;
  }
  for (int i = 0; i < n; i++) {
    PGresult *r = PQgetResult(q->conn);
    if (r == NULL) { /* no answer at all: the connection broke */
      if (e == L6_E_OK) e = pg_fail(q, NULL, commit, err);
      goto out;
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
      if (i >= n - nkeep) keep[i - (n - nkeep)] = r;
      else PQclear(r);
    } else {
      if (e == L6_E_OK) e = pg_fail(q, r, commit && i == n - 1, err); /* later ones: PGRES_PIPELINE_ABORTED */
      PQclear(r);
    }
    for (PGresult *z; (z = PQgetResult(q->conn)) != NULL;) PQclear(z); /* the NULL that ends a statement's results */
    if (PQstatus(q->conn) != CONNECTION_OK) {
      if (e == L6_E_OK) e = pg_fail(q, NULL, commit && i == n - 1, err);
      goto out;
    }
  }
  PGresult *r = PQgetResult(q->conn); /* PGRES_PIPELINE_SYNC */
  bool synced = r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
  PQclear(r);
  if ((!synced || PQexitPipelineMode(q->conn) != 1) && e == L6_E_OK) e = pg_fail(q, NULL, commit, err);
out:
  if (e != L6_E_OK)
    for (int k = 0; k < nkeep; k++) {
      PQclear(keep[k]);
      keep[k] = NULL;
    }
  return e;
}

/* The same, handing back the last statement's result (last may be NULL). */
static l6_err pipe_sync(pg_store *q, bool commit, PGresult **last, l6_error *err) {
  PGresult *keep[1];
  l6_err e = pipe_sync_keep(q, commit, keep, last ? 1 : 0, err);
  if (last) *last = keep[0];
  return e;
}

/* Synchronises a pipeline with statements pending; OK when none. */
static l6_err pipe_flush(pg_store *q, l6_error *err) {
  if (q->pending == 0) return L6_E_OK;
  return pipe_sync(q, false, NULL, err);
}

/* Leaves pipeline mode whatever happened (before a rollback): pending
 * results are read and dropped. */
static void pipe_drop(pg_store *q) {
  if (q->pending > 0) {
    l6_error ignored = {0};
    (void)pipe_sync(q, false, NULL, &ignored);
  }
  q->pending = 0;
  if (PQpipelineStatus(q->conn) == PQ_PIPELINE_OFF || PQstatus(q->conn) != CONNECTION_OK) return;
  for (PGresult *r; (r = PQgetResult(q->conn)) != NULL;) PQclear(r);
  (void)PQexitPipelineMode(q->conn);
}

static l6_err pg_flush(l6_store *s, l6_error *err) {
  pg_store *q = PG(s);
  if (q->pending == 0) return q->failed ? l6_fail(err, L6_E_STORE, "store: an earlier statement of this transaction failed") : L6_E_OK;
  return pipe_sync(q, false, NULL, err);
}

/*
 * Runs prepared statement id. Returns the result (caller PQclears) or
 * NULL with *e and err set. A read outside a transaction that finds the
 * connection dead is retried once on a new connection; a write never is
 * (it might have been applied).
 */
static PGresult *pg_exec(pg_store *q, int id, const pg_args *a, bool read, l6_err *e, l6_error *err) {
  if (q->failed) {
    *e = l6_fail(err, L6_E_STORE, "store: an earlier statement of this transaction failed; roll back first");
    return NULL;
  }
  if (q->base.tx_only && q->depth == 0) {
    store__outside_tx(id);
    *e = l6_fail(err, L6_E_INTERNAL, "store: statement %d refused outside a transaction (a service call skipped the writer lock)", id);
    return NULL;
  }
  if (q->pending > 0) { /* writes wait in the pipeline: this statement joins them, one round trip for all */
    PGresult *r = NULL;
    *e = pipe_send(q, id, NULL, a, err);
    if (*e == L6_E_OK) *e = pipe_sync(q, false, &r, err);
    return *e == L6_E_OK ? r : NULL;
  }
  char name[16];
  snprintf(name, sizeof name, "l6_%d", id);
  for (int attempt = 0;; attempt++) {
    if (q->depth == 0 && (*e = pg_ensure(q, err)) != L6_E_OK) return NULL;
    q->base.round_trips++;
    PGresult *r = PQexecPrepared(q->conn, name, a->n, a->v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    bool retry = read && q->depth == 0 && attempt == 0 && PQstatus(q->conn) != CONNECTION_OK;
    if (!retry) *e = pg_fail(q, r, false, err);
    PQclear(r);
    if (!retry) return NULL;
  }
}

/* ---- statement runners ----------------------------------------------- */

typedef void (*row_fn)(const PGresult *r, int row, void *out);

/* Runs a write statement, honouring fault injection. *new_id (may be
 * NULL) gets the RETURNING id, *changed (may be NULL) the rows changed. */
static l6_err run_write(pg_store *q, int id, const pg_args *a, l6_id *new_id, int64_t *changed, l6_error *err) {
  if (q->fail_after > 0 && --q->fail_after == 0) return l6_fail(err, L6_E_STORE, "store: injected fault");
  l6_err e;
  if (new_id == NULL && changed == NULL && q->depth > 0 && !q->failed && !pipe_must_wait(id)) { /* nothing to wait for: pipelined */
    e = pipe_send(q, id, NULL, a, err);
    if (e == L6_E_OK && q->pending >= PG_PIPE_MAX) e = pipe_sync(q, false, NULL, err);
    return e;
  }
  PGresult *r = pg_exec(q, id, a, false, &e, err);
  if (r == NULL) return e;
  if (new_id) *new_id = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
  if (changed) *changed = strtoll(PQcmdTuples(r), NULL, 10);
  PQclear(r);
  return L6_E_OK;
}

/* Runs a single-row query: decodes the row into out, or fails `absent`. */
static l6_err run_one(pg_store *q, int id, const pg_args *a, row_fn dec, void *out, l6_err absent, l6_error *err) {
  l6_err e;
  PGresult *r = pg_exec(q, id, a, true, &e, err);
  if (r == NULL) return e;
  if (PQntuples(r) == 0) {
    PQclear(r);
    return l6_fail(err, absent, NULL);
  }
  dec(r, 0, out);
  PQclear(r);
  return L6_E_OK;
}

/* Runs two single-row queries in one round trip (both in one pipeline):
 * *found_a / *found_b tell whether each had a row, decoded into out_a /
 * out_b. Inside a transaction only; outside, one after the other. */
static l6_err run_one_pair(pg_store *q, int id_a, const pg_args *a, void *out_a, bool *found_a, int id_b,
                           const pg_args *b, void *out_b, bool *found_b, row_fn dec, l6_error *err) {
  *found_a = *found_b = false;
  l6_err e;
  if (q->depth == 0 || q->failed) {
    PGresult *r = pg_exec(q, id_a, a, true, &e, err);
    if (r == NULL) return e;
    if ((*found_a = PQntuples(r) > 0)) dec(r, 0, out_a);
    PQclear(r);
    if ((r = pg_exec(q, id_b, b, true, &e, err)) == NULL) return e;
    if ((*found_b = PQntuples(r) > 0)) dec(r, 0, out_b);
    PQclear(r);
    return L6_E_OK;
  }
  if ((e = pipe_send(q, id_a, NULL, a, err)) != L6_E_OK) return e;
  if ((e = pipe_send(q, id_b, NULL, b, err)) != L6_E_OK) return e;
  PGresult *r[2];
  if ((e = pipe_sync_keep(q, false, r, 2, err)) != L6_E_OK) return e; /* with any writes pending before them */
  if ((*found_a = PQntuples(r[0]) > 0)) dec(r[0], 0, out_a);
  if ((*found_b = PQntuples(r[1]) > 0)) dec(r[1], 0, out_b);
  PQclear(r[0]);
  PQclear(r[1]);
  return L6_E_OK;
}

/* Runs a multi-row query, decoding each row into buf and calling each.
 * The whole result is fetched first, so `each` may run other ops. */
static l6_err run_each(pg_store *q, int id, const pg_args *a, row_fn dec, void *buf, l6_each_fn each, void *ctx,
                       l6_error *err) {
  l6_err e;
  PGresult *r = pg_exec(q, id, a, true, &e, err);
  if (r == NULL) return e;
  int n = PQntuples(r);
  for (int i = 0; i < n; i++) {
    dec(r, i, buf);
    if (each(ctx, buf) != 0) break;
  }
  PQclear(r);
  return L6_E_OK;
}

/* ---- transactions ---------------------------------------------------- */

static l6_err pg_begin(l6_store *s, l6_error *err) {
  pg_store *q = PG(s);
  if (q->depth > 0) {
    if (q->failed) return l6_fail(err, L6_E_STORE, "store: an earlier statement of this transaction failed");
    char sql[48];
    snprintf(sql, sizeof sql, "SAVEPOINT sp%d", q->depth);
    l6_err e = pipe_send(q, -1, sql, NULL, err); /* pipelined: it answers with the next synchronising statement */
    if (e == L6_E_OK) q->depth++;
    return e;
  }
  for (int attempt = 0;; attempt++) {
    l6_err e = pg_ensure(q, err);
    if (e != L6_E_OK) return e;
    q->base.round_trips++;
    PGresult *r = PQexec(q->conn, q->readonly ? PG_BEGIN_READ_SQL : PG_BEGIN_SQL);
    if (PQresultStatus(r) == (q->readonly ? PGRES_COMMAND_OK : PGRES_TUPLES_OK)) {
      PQclear(r);
      q->depth = 1;
      q->failed = false;
      return L6_E_OK;
    }
    bool lost = PQstatus(q->conn) != CONNECTION_OK;
    if (lost && attempt == 0) { /* the server went away while we were idle: nothing was done, reconnect */
      PQclear(r);
      continue;
    }
    e = pg_fail(q, r, false, err);
    PQclear(r);
    if (!lost && PQtransactionStatus(q->conn) != PQTRANS_IDLE) PQclear(PQexec(q->conn, "ROLLBACK"));
    return e;
  }
}

static l6_err pg_commit(l6_store *s, l6_error *err) {
  pg_store *q = PG(s);
  assert(q->depth > 0);
  if (q->failed) return l6_fail(err, L6_E_STORE, "store: an earlier statement of this transaction failed");
  if (q->depth > 1) {
    char sql[48];
    snprintf(sql, sizeof sql, "RELEASE sp%d", q->depth - 1);
    l6_err e = q->pending > 0 ? pipe_send(q, -1, sql, NULL, err) : exec_sql(q, sql, err);
    if (e == L6_E_OK && q->pending > 0) e = pipe_sync(q, false, NULL, err); /* the savepoint's writes answer here */
    if (e == L6_E_OK) q->depth--;
    return e;
  }
  PGresult *r = NULL;
  l6_err e = L6_E_OK;
  if (q->pending > 0) { /* the pending writes and COMMIT: one round trip */
    e = pipe_send(q, -1, "COMMIT", NULL, err);
    if (e == L6_E_OK) e = pipe_sync(q, true, &r, err);
  } else {
    q->base.round_trips++;
    r = PQexec(q->conn, "COMMIT");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) e = pg_fail(q, r, true, err);
  }
  if (e != L6_E_OK) {
    /* failed above */
  } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) { /* PostgreSQL answers ROLLBACK for a failed transaction */
    e = l6_fail(err, L6_E_STORE, "store: PostgreSQL rolled the transaction back at COMMIT");
  }
  PQclear(r);
  if (e == L6_E_OK) q->depth = 0;
  else q->failed = true; /* the caller rolls back, which only tidies up */
  return e;
}

static void pg_rollback(l6_store *s) {
  pg_store *q = PG(s);
  assert(q->depth > 0);
  pipe_drop(q); /* the pipeline's results first (a pipeline skips everything after a failure, ROLLBACK too) */
  if (q->depth == 1) {
    if (PQstatus(q->conn) == CONNECTION_OK && PQtransactionStatus(q->conn) != PQTRANS_IDLE) {
      q->base.round_trips++;
      PQclear(PQexec(q->conn, "ROLLBACK"));
    }
    q->depth = 0;
    q->failed = false;
    return;
  }
  char sql[64];
  snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", q->depth - 1, q->depth - 1);
  q->base.round_trips++;
  PGresult *r = PQexec(q->conn, sql);
  if (PQresultStatus(r) == PGRES_COMMAND_OK) q->failed = false; /* back to a sound savepoint */
  PQclear(r);
  q->depth--;
}

/* ---- row decoders ---------------------------------------------------- */

static void col_text(const PGresult *r, int row, int col, char *dst, size_t cap) {
  snprintf(dst, cap, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}
static int64_t col_i64(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* The shared decoders (store_rows.c) read a result row through this
 * reader; dec_<name> wraps store_dec_<name> for run_one/run_each. */
static const char *pg_row_text(const store_row *rw, int col) {
  const PGresult *r = rw->res;
  return PQgetisnull(r, rw->row, col) ? NULL : PQgetvalue(r, rw->row, col);
}
static size_t pg_row_len(const store_row *rw, int col) { return (size_t)PQgetlength(rw->res, rw->row, col); }
static int64_t pg_row_i64(const store_row *rw, int col) { return col_i64(rw->res, rw->row, col); }
static int pg_row_ncols(const store_row *rw) { return PQnfields(rw->res); }
static const store_row_ops pg_row_ops = {pg_row_text, pg_row_len, pg_row_i64, pg_row_ncols};

#define PG_DEC(name)                                                                                   \
  static void dec_##name(const PGresult *r, int i, void *o) {                                          \
    store_row rw = {&pg_row_ops, r, i};                                                                \
    store_dec_##name(&rw, o);                                                                          \
  }
STORE_ROW_DECODERS(PG_DEC)
#undef PG_DEC

/* Single-row get by one text or integer key. */
static l6_err get_by_text(pg_store *q, int id, const char *key, row_fn dec, void *out, l6_err absent,
                          l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, key);
  return run_one(q, id, &a, dec, out, absent, err);
}
static l6_err get_by_id(pg_store *q, int id, l6_id key, row_fn dec, void *out, l6_err absent, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, key);
  return run_one(q, id, &a, dec, out, absent, err);
}

static const pg_args no_args = {.n = 0};

/* ---- reference data -------------------------------------------------- */

static l6_err pg_party_put(l6_store *s, const l6_party *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->code);
  a_text(&a, p->name);
  return run_write(PG(s), Q_PARTY_PUT, &a, NULL, NULL, err);
}
static l6_err pg_party_get(l6_store *s, const char *code, l6_party *out, l6_error *err) {
  return get_by_text(PG(s), Q_PARTY_GET, code, dec_party, out, L6_E_UNKNOWN_PARTY, err);
}
static l6_err pg_party_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_party buf;
  return run_each(PG(s), Q_PARTY_LIST, &no_args, dec_party, &buf, each, ctx, err);
}

static l6_err pg_registry_put(l6_store *s, const l6_registry *r, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, r->id);
  a_text(&a, r->party);
  a_text(&a, r->name);
  return run_write(PG(s), Q_REG_PUT, &a, NULL, NULL, err);
}
static l6_err pg_registry_get(l6_store *s, const char *id, l6_registry *out, l6_error *err) {
  return get_by_text(PG(s), Q_REG_GET, id, dec_registry, out, L6_E_UNKNOWN_REGISTRY, err);
}
static l6_err pg_registry_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_registry buf;
  return run_each(PG(s), Q_REG_LIST, &no_args, dec_registry, &buf, each, ctx, err);
}

static l6_err pg_org_put(l6_store *s, l6_org *o, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, o->registry);
  a_text(&a, o->name);
  return run_write(PG(s), Q_ORG_PUT, &a, &o->id, NULL, err);
}
static l6_err pg_org_get(l6_store *s, l6_id id, l6_org *out, l6_error *err) {
  return get_by_id(PG(s), Q_ORG_GET, id, dec_org, out, L6_E_UNKNOWN_ORGANISATION, err);
}
static l6_err pg_org_list(l6_store *s, l6_id only, l6_each_fn each, void *ctx, l6_error *err) {
  l6_org buf;
  pg_args a = {.n = 0};
  a_int(&a, only);
  return run_each(PG(s), Q_ORG_LIST, &a, dec_org, &buf, each, ctx, err);
}

static l6_err pg_account_put(l6_store *s, l6_account *acc, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, acc->registry);
  a_id_or_null(&a, acc->org);
  a_text(&a, l6_account_type_str(acc->type));
  a_text(&a, l6_account_status_str(acc->status));
  a_text(&a, acc->name);
  return run_write(PG(s), Q_ACC_PUT, &a, &acc->id, NULL, err);
}
static l6_err pg_account_get(l6_store *s, l6_id id, l6_account *out, l6_error *err) {
  return get_by_id(PG(s), Q_ACC_GET, id, dec_account, out, L6_E_UNKNOWN_ACCOUNT, err);
}
static l6_err pg_account_set_status(l6_store *s, l6_id id, l6_account_status st, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_text(&a, l6_account_status_str(st));
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_ACC_STATUS, &a, NULL, &changed, err);
  if (e == L6_E_OK && changed == 0) return l6_fail(err, L6_E_UNKNOWN_ACCOUNT, NULL);
  return e;
}
static l6_err pg_account_of_registry(l6_store *s, const char *registry, l6_account_type t, l6_account *out,
                                     l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, registry);
  a_text(&a, l6_account_type_str(t));
  return run_one(PG(s), Q_ACC_OF_REG, &a, dec_account, out, L6_E_UNKNOWN_ACCOUNT, err);
}
static l6_err pg_account_list(l6_store *s, l6_id org, l6_id after, int limit, l6_each_fn each, void *ctx,
                              l6_error *err) {
  l6_account buf;
  pg_args a = {.n = 0};
  a_int(&a, org);
  a_int(&a, after);
  a_int(&a, limit);
  return run_each(PG(s), Q_ACC_LIST, &a, dec_account, &buf, each, ctx, err);
}

static l6_err pg_programme_put(l6_store *s, const l6_programme *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->code);
  a_text(&a, p->name);
  a_text(&a, p->kind);
  return run_write(PG(s), Q_PROG_PUT, &a, NULL, NULL, err);
}
static l6_err pg_programme_get(l6_store *s, const char *code, l6_programme *out, l6_error *err) {
  return get_by_text(PG(s), Q_PROG_GET, code, dec_programme, out, L6_E_UNKNOWN_PROGRAMME, err);
}
static l6_err pg_programme_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_programme buf;
  return run_each(PG(s), Q_PROG_LIST, &no_args, dec_programme, &buf, each, ctx, err);
}
static l6_err pg_unit_type_put(l6_store *s, const l6_unit_type *u, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, u->code);
  a_text(&a, u->programme);
  a_text(&a, u->name);
  a_int(&a, u->non_offsetting ? 1 : 0);
  return run_write(PG(s), Q_UT_PUT, &a, NULL, NULL, err);
}
static l6_err pg_unit_type_get(l6_store *s, const char *code, l6_unit_type *out, l6_error *err) {
  return get_by_text(PG(s), Q_UT_GET, code, dec_unit_type, out, L6_E_UNKNOWN_UNIT_TYPE, err);
}
static l6_err pg_unit_type_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_unit_type buf;
  return run_each(PG(s), Q_UT_LIST, &no_args, dec_unit_type, &buf, each, ctx, err);
}

static l6_err pg_project_put(l6_store *s, const l6_project *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->id);
  a_text(&a, p->programme);
  a_text(&a, p->host);
  a_text(&a, p->title);
  a_text(&a, p->methodology);
  a_text(&a, p->sector);
  a_text(&a, p->kind);
  a_text(&a, p->crediting_start);
  a_text(&a, p->crediting_end);
  a_text(&a, p->status);
  return run_write(PG(s), Q_PROJ_PUT, &a, NULL, NULL, err);
}
static l6_err pg_project_get(l6_store *s, const char *id, l6_project *out, l6_error *err) {
  return get_by_text(PG(s), Q_PROJ_GET, id, dec_project, out, L6_E_UNKNOWN_PROJECT, err);
}
static l6_err pg_project_list(l6_store *s, const char *programme, const char *host, const char *status,
                              const char *after, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_project buf;
  pg_args a = {.n = 0};
  a_text(&a, programme);
  a_text(&a, host);
  a_text(&a, status);
  a_text(&a, after);
  a_int(&a, limit);
  int q = store__proj_list_q(programme, host, status, Q_PROJ_LIST, Q_PROJ_LIST_HS, Q_PROJ_LIST_HOST, Q_PROJ_LIST_STATUS,
                             Q_PROJ_LIST_PROG);
  return run_each(PG(s), q, &a, dec_project, &buf, each, ctx, err);
}

/* ---- issuance batches ------------------------------------------------ */

static l6_err pg_batch_put(l6_store *s, l6_batch *b, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, b->project);
  a_text(&a, b->unit_type);
  a_text(&a, b->registry);
  a_int(&a, b->vintage);
  a_int(&a, b->serial_start);
  a_int(&a, b->quantity);
  a_int(&a, b->tx);
  a_text(&a, b->production_start);
  a_text(&a, b->production_end);
  return run_write(PG(s), Q_BATCH_PUT, &a, &b->id, NULL, err);
}
static l6_err pg_batch_get(l6_store *s, l6_id id, l6_batch *out, l6_error *err) {
  return get_by_id(PG(s), Q_BATCH_GET, id, dec_batch, out, L6_E_UNKNOWN_BATCH, err);
}
static l6_err pg_batch_list(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each, void *ctx,
                            l6_error *err) {
  l6_batch buf;
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_int(&a, after);
  a_int(&a, limit);
  return run_each(PG(s), Q_BATCH_LIST, &a, dec_batch, &buf, each, ctx, err);
}

/* ---- blocks ---------------------------------------------------------- */

static l6_err set_block(pg_store *q, l6_id id, int64_t first, int64_t last, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_int(&a, first);
  a_int(&a, last);
  return run_write(q, Q_BLK_SET, &a, NULL, NULL, err);
}

static l6_err pg_block_remove(l6_store *s, l6_id id, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  return run_write(PG(s), Q_BLK_DEL, &a, NULL, NULL, err);
}

/* As sq_block_add: merges with adjacent blocks of the same account,
 * refuses an overlap with either neighbour. */
static l6_err pg_block_add(l6_store *s, l6_id account, l6_id batch, int64_t first, int64_t last, l6_error *err) {
  pg_store *q = PG(s);
  assert(first >= 1 && last >= first);
  l6_block left = {0}, right = {0};
  bool has_left = false, has_right = false;
  pg_args al = {.n = 0}, ar = {.n = 0};
  a_int(&al, batch);
  a_int(&al, first);
  a_int(&ar, batch);
  a_int(&ar, first);
  l6_err e = run_one_pair(q, Q_BLK_LEFT, &al, &left, &has_left, Q_BLK_RIGHT, &ar, &right, &has_right, dec_block, err);
  if (e != L6_E_OK) return e;
  if ((has_left && left.last >= first) || (has_right && right.first <= last))
    return l6_fail(err, L6_E_INTERNAL, "block [%lld,%lld] of batch %lld overlaps an existing block", (long long)first,
                   (long long)last, (long long)batch);
  bool merge_left = has_left && left.account == account && left.last == first - 1;
  bool merge_right = has_right && right.account == account && right.first == last + 1;
  if (merge_left) {
    int64_t new_last = merge_right ? right.last : last;
    if (merge_right && (e = pg_block_remove(s, right.id, err)) != L6_E_OK) return e;
    return set_block(q, left.id, left.first, new_last, err);
  }
  if (merge_right) return set_block(q, right.id, first, right.last, err);
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_int(&a, account);
  a_int(&a, first);
  a_int(&a, last);
  return run_write(q, Q_BLK_INS, &a, NULL, NULL, err);
}

static l6_err pg_block_find(l6_store *s, l6_id account, l6_id batch, int64_t serial, l6_block *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_int(&a, serial);
  l6_err e = run_one(PG(s), Q_BLK_FIND, &a, dec_block, out, L6_E_UNKNOWN_SERIAL, err);
  if (e != L6_E_OK) return e;
  if (out->last < serial || (account != 0 && out->account != account)) return l6_fail(err, L6_E_UNKNOWN_SERIAL, NULL);
  return L6_E_OK;
}

static void args_pick(pg_args *a, const l6_pick_filter *f) {
  a_int(a, f->account);
  a_text(a, f->unit_type);
  a_text(a, f->project);
  a_int(a, f->vintage);
}

static l6_err pg_block_pick(l6_store *s, const l6_pick_filter *f, int limit, l6_each_fn each, void *ctx,
                            l6_error *err) {
  l6_block buf;
  pg_args a = {.n = 0};
  args_pick(&a, f);
  a_int(&a, limit);
  return run_each(PG(s), Q_BLK_PICK, &a, dec_block, &buf, each, ctx, err);
}

static l6_err pg_blocks_of_account(l6_store *s, l6_id account, l6_id after, int limit, l6_each_fn each, void *ctx,
                                   l6_error *err) {
  l6_block buf;
  pg_args a = {.n = 0};
  a_int(&a, account);
  a_int(&a, after);
  a_int(&a, limit);
  return run_each(PG(s), Q_BLK_OF_ACC, &a, dec_block, &buf, each, ctx, err);
}

static l6_err pg_blocks_of_batch(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_block buf;
  pg_args a = {.n = 0};
  a_int(&a, batch);
  return run_each(PG(s), Q_BLK_OF_BATCH, &a, dec_block, &buf, each, ctx, err);
}


static l6_err pg_account_total(l6_store *s, const l6_pick_filter *f, l6_qty *out, l6_error *err) {
  pg_args a = {.n = 0};
  args_pick(&a, f);
  return run_one(PG(s), Q_ACC_TOTAL, &a, dec_total, out, L6_E_INTERNAL, err);
}

/* ---- registry transactions ------------------------------------------- */

static l6_err pg_tx_put(l6_store *s, l6_tx *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, l6_tx_kind_str(x->kind));
  a_text(&a, x->ts);
  a_text(&a, x->actor);
  a_id_or_null(&a, x->from_account);
  a_int(&a, x->to_account);
  a_int(&a, x->quantity);
  a_text(&a, x->beneficiary);
  a_text(&a, x->purpose);
  a_text(&a, x->claim);
  a_int(&a, x->reporting_year);
  return run_write(PG(s), Q_TX_PUT, &a, &x->id, NULL, err);
}
static l6_err pg_tx_get(l6_store *s, l6_id id, l6_tx *out, l6_error *err) {
  return get_by_id(PG(s), Q_TX_GET, id, dec_tx, out, L6_E_UNKNOWN_TRANSACTION, err);
}
static l6_err pg_tx_line_put(l6_store *s, const l6_tx_line *l, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, l->tx);
  a_int(&a, l->batch);
  a_int(&a, l->first);
  a_int(&a, l->last);
  a_id_or_null(&a, l->from_account);
  a_int(&a, l->to_account);
  a_int(&a, l6_line_lvl(l->first, l->last));
  return run_write(PG(s), Q_LINE_PUT, &a, NULL, NULL, err);
}
static l6_err pg_tx_list(l6_store *s, const l6_tx_filter *f, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx buf;
  pg_args a = {.n = 0};
  a_int(&a, f->after);
  a_int(&a, f->account);
  a_text(&a, f->kind ? l6_tx_kind_str(f->kind) : "");
  a_int(&a, f->batch);
  a_text(&a, f->project);
  a_int(&a, f->org);
  a_int(&a, f->limit);
  return run_each(PG(s), Q_TX_LIST, &a, dec_tx, &buf, each, ctx, err);
}
static l6_err pg_tx_lines(l6_store *s, l6_id tx, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx_line buf;
  pg_args a = {.n = 0};
  a_int(&a, tx);
  return run_each(PG(s), Q_LINE_OF_TX, &a, dec_line, &buf, each, ctx, err);
}
static l6_err pg_serial_history(l6_store *s, l6_id batch, int64_t serial, l6_each_fn each, void *ctx,
                                l6_error *err) {
  l6_tx_line buf;
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_int(&a, serial);
  return run_each(PG(s), Q_LINE_HIST, &a, dec_line, &buf, each, ctx, err);
}

/* ---- idempotency and tokens ------------------------------------------ */

typedef struct {
  char *hash; /* 65 bytes */
  int status;
  char *body; /* malloc'd */
} idem_row;

static void dec_idem(const PGresult *r, int i, void *o) {
  idem_row *x = o;
  col_text(r, i, 0, x->hash, 65);
  x->status = (int)col_i64(r, i, 1);
  x->body = strdup(PQgetvalue(r, i, 2));
}

static l6_err pg_idem_get(l6_store *s, const char *key, char hash[65], int *status, char **body, l6_error *err) {
  idem_row x = {.hash = hash};
  l6_err e = get_by_text(PG(s), Q_IDEM_GET, key, dec_idem, &x, L6_E_UNKNOWN_TRANSACTION, err);
  if (e != L6_E_OK) return e;
  *status = x.status;
  *body = x.body;
  return *body ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}
static l6_err pg_idem_put(l6_store *s, const char *key, const char *hash, int status, const char *body,
                          l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, key);
  a_text(&a, hash);
  a_int(&a, status);
  a_text(&a, body);
  return run_write(PG(s), Q_IDEM_PUT, &a, NULL, NULL, err);
}

static l6_err pg_token_put(l6_store *s, l6_token *k, const char *hash_hex, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, hash_hex);
  a_text(&a, l6_role_str(k->role));
  a_id_or_null(&a, k->org);
  a_text(&a, k->label);
  a_int(&a, k->created);
  a_int(&a, k->expires);
  return run_write(PG(s), Q_TOK_PUT, &a, &k->id, NULL, err);
}


static l6_err pg_token_find(l6_store *s, const char *hash_hex, l6_token *out, l6_error *err) {
  return get_by_text(PG(s), Q_TOK_FIND, hash_hex, dec_token, out, L6_E_UNAUTHORIZED, err);
}
static l6_err pg_token_get(l6_store *s, l6_id id, l6_token *out, l6_error *err) {
  return get_by_id(PG(s), Q_TOK_GET, id, dec_token, out, L6_E_UNKNOWN_TOKEN, err);
}
static l6_err pg_token_list(l6_store *s, l6_id only, l6_id after, int limit, l6_each_fn each, void *ctx,
                            l6_error *err) {
  l6_token buf;
  pg_args a = {.n = 0};
  a_int(&a, only);
  a_int(&a, after);
  a_int(&a, limit);
  return run_each(PG(s), Q_TOK_LIST, &a, dec_token, &buf, each, ctx, err);
}
static l6_err pg_token_revoke(l6_store *s, l6_id id, int64_t at, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_int(&a, at);
  return run_write(PG(s), Q_TOK_REVOKE, &a, NULL, NULL, err);
}
static l6_err pg_token_touch(l6_store *s, l6_id id, int64_t at, int64_t before, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_int(&a, at);
  a_int(&a, before);
  return run_write(PG(s), Q_TOK_TOUCH, &a, NULL, NULL, err);
}

/* ---- people: users, sessions, token owners ----------------------------- */


static l6_err pg_user_put(l6_store *s, l6_user *u, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, u->email);
  a_text(&a, u->name);
  a_text(&a, l6_role_str(u->role));
  a_int(&a, u->org);
  a_text(&a, u->pwhash);
  a_text(&a, u->totp_secret);
  a_int(&a, u->totp_step);
  a_int(&a, u->disabled);
  a_text(&a, u->created);
  return run_write(PG(s), Q_USER_PUT, &a, &u->id, NULL, err);
}
static l6_err pg_user_get(l6_store *s, l6_id id, l6_user *out, l6_error *err) {
  return get_by_id(PG(s), Q_USER_GET, id, dec_user, out, L6_E_UNKNOWN_USER, err);
}
static l6_err pg_user_by_email(l6_store *s, const char *email, l6_user *out, l6_error *err) {
  return get_by_text(PG(s), Q_USER_BY_EMAIL, email, dec_user, out, L6_E_UNKNOWN_USER, err);
}
static l6_err pg_user_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_user *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_USER_LIST, &no_args, dec_user, buf, each, ctx, err);
  free(buf);
  return e;
}
static l6_err pg_user_set_disabled(l6_store *s, l6_id id, bool disabled, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_int(&a, disabled);
  return run_write(PG(s), Q_USER_DISABLE, &a, NULL, NULL, err);
}
static l6_err pg_user_take_step(l6_store *s, l6_id id, int64_t step, bool *taken, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_int(&a, step);
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_USER_STEP, &a, NULL, &changed, err);
  *taken = e == L6_E_OK && changed == 1;
  return e;
}
/* ---- email notices (issue 22) -------------------------------------------- */


static l6_err pg_notice_add(l6_store *s, l6_notice *n, bool *added, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, n->user);
  a_text(&a, n->key);
  a_text(&a, n->email);
  a_text(&a, n->subject);
  a_text(&a, n->body);
  a_text(&a, n->state);
  a_int(&a, n->attempts);
  a_int(&a, n->created_ms);
  a_int(&a, n->due_ms);
  a_int(&a, n->sent_ms);
  a_text(&a, n->last_error);
  int64_t changed = 0;
  l6_id id = 0;
  l6_err e = run_write(PG(s), Q_NOTICE_ADD, &a, &id, &changed, err);
  *added = e == L6_E_OK && changed == 1;
  if (*added) n->id = id;
  return e;
}

static l6_err pg_notice_due(l6_store *s, int64_t due_before, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, due_before);
  a_int(&a, limit);
  l6_notice *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_NOTICE_DUE, &a, dec_notice, buf, each, ctx, err);
  free(buf);
  return e;
}

static l6_err pg_notice_update(l6_store *s, const l6_notice *n, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, n->id);
  a_text(&a, n->state);
  a_int(&a, n->attempts);
  a_int(&a, n->due_ms);
  a_int(&a, n->sent_ms);
  a_text(&a, n->last_error);
  return run_write(PG(s), Q_NOTICE_UPD, &a, NULL, NULL, err);
}

static l6_err pg_notice_list(l6_store *s, l6_id user, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, user);
  a_int(&a, limit);
  l6_notice *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_NOTICE_LIST, &a, dec_notice, buf, each, ctx, err);
  free(buf);
  return e;
}


static l6_err pg_user_notify_get(l6_store *s, l6_id user, bool *on, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, user);
  return run_one(PG(s), Q_USER_NOTIFY_GET, &a, dec_flag, on, L6_E_UNKNOWN_USER, err);
}

static l6_err pg_user_notify_set(l6_store *s, l6_id user, bool on, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, user);
  a_int(&a, on ? 1 : 0);
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_USER_NOTIFY_SET, &a, NULL, &changed, err);
  if (e == L6_E_OK && changed != 1) e = l6_fail(err, L6_E_UNKNOWN_USER, NULL);
  return e;
}

static l6_err pg_session_put(l6_store *s, const char *hash_hex, const l6_session *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, hash_hex);
  a_int(&a, x->user);
  a_text(&a, x->csrf_hash);
  a_int(&a, x->created_ms);
  a_int(&a, x->last_ms);
  return run_write(PG(s), Q_SESS_PUT, &a, NULL, NULL, err);
}
static l6_err pg_session_get(l6_store *s, const char *hash_hex, l6_session *out, l6_error *err) {
  return get_by_text(PG(s), Q_SESS_GET, hash_hex, dec_session, out, L6_E_SESSION_EXPIRED, err);
}
static l6_err pg_session_touch(l6_store *s, const char *hash_hex, int64_t last_ms, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, hash_hex);
  a_int(&a, last_ms);
  return run_write(PG(s), Q_SESS_TOUCH, &a, NULL, NULL, err);
}
static l6_err pg_session_delete(l6_store *s, const char *hash_hex, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, hash_hex);
  return run_write(PG(s), Q_SESS_DEL, &a, NULL, NULL, err);
}
static l6_err pg_session_delete_user(l6_store *s, l6_id user, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, user);
  return run_write(PG(s), Q_SESS_DEL_USER, &a, NULL, NULL, err);
}
static l6_err pg_token_set_owner(l6_store *s, l6_id token, l6_id owner, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, token);
  a_int(&a, owner);
  return run_write(PG(s), Q_TOK_OWNER, &a, NULL, NULL, err);
}

/* ---- the project cycle ----------------------------------------------- */

static l6_err pg_project_set_status(l6_store *s, const char *id, const char *status, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, id);
  a_text(&a, status);
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_PROJ_STATUS, &a, NULL, &changed, err);
  if (e == L6_E_OK && changed == 0) return l6_fail(err, L6_E_UNKNOWN_PROJECT, NULL);
  return e;
}

static l6_err pg_doc_put(l6_store *s, const l6_doc *d, const char *content_b64, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, d->hash);
  a_text(&a, d->media_type);
  a_text(&a, d->name);
  a_int(&a, d->size);
  a.v[a.n++] = content_b64; /* NULL: the bytes are kept outside the store */
  a_text(&a, d->ts);
  return run_write(PG(s), Q_DOC_PUT, &a, NULL, NULL, err);
}

typedef struct {
  l6_doc *doc;
  char **content; /* NULL: not wanted */
} doc_row;

static void dec_doc(const PGresult *r, int i, void *o) {
  doc_row *x = o;
  l6_doc *d = x->doc;
  col_text(r, i, 0, d->hash, sizeof d->hash);
  col_text(r, i, 1, d->media_type, sizeof d->media_type);
  col_text(r, i, 2, d->name, sizeof d->name);
  d->size = col_i64(r, i, 3);
  d->stored = strcmp(PQgetvalue(r, i, 4), "t") == 0;
  col_text(r, i, 5, d->ts, sizeof d->ts);
  if (x->content && d->stored) *x->content = strdup(PQgetisnull(r, i, 6) ? "" : PQgetvalue(r, i, 6));
}

static l6_err pg_doc_get(l6_store *s, const char *hash, l6_doc *out, char **content_b64, l6_error *err) {
  if (content_b64) *content_b64 = NULL;
  doc_row x = {.doc = out, .content = content_b64};
  l6_err e = get_by_text(PG(s), Q_DOC_GET, hash, dec_doc, &x, L6_E_UNKNOWN_DOCUMENT, err);
  if (e == L6_E_OK && content_b64 && out->stored && *content_b64 == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  return e;
}

static l6_err pg_accreditation_put(l6_store *s, l6_id org, const char *mechanism, const char *scope, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, org);
  a_text(&a, mechanism);
  a_text(&a, scope);
  return run_write(PG(s), Q_ACCR_PUT, &a, NULL, NULL, err);
}

static void dec_nothing(const PGresult *r, int i, void *o) {
  (void)r;
  (void)i;
  (void)o;
}

static l6_err pg_accreditation_has(l6_store *s, l6_id org, const char *mechanism, const char *scope, bool *out,
                                   l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, org);
  a_text(&a, mechanism);
  a_text(&a, scope);
  l6_err e = run_one(PG(s), Q_ACCR_HAS, &a, dec_nothing, NULL, L6_E_NOT_FOUND, err);
  *out = e == L6_E_OK;
  return e == L6_E_NOT_FOUND ? L6_E_OK : e;
}


static l6_err pg_activity_save(l6_store *s, const l6_activity *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->project);
  a_text(&a, x->mechanism);
  a_int(&a, x->org);
  a_text(&a, x->registry);
  a_text(&a, x->scope);
  a_text(&a, x->state);
  a_text(&a, x->rejected_step);
  a_text(&a, x->transition_from);
  a_text(&a, x->requested_on);
  a_int(&a, x->ets_covered ? 1 : 0);
  a_int(&a, x->replacement_due);
  a_int(&a, x->issued);
  a_text(&a, x->updated);
  return run_write(PG(s), Q_ACT_SAVE, &a, NULL, NULL, err);
}

static l6_err pg_activity_get(l6_store *s, const char *project, l6_activity *out, l6_error *err) {
  return get_by_text(PG(s), Q_ACT_GET, project, dec_activity, out, L6_E_UNKNOWN_ACTIVITY, err);
}

static l6_err pg_activity_list(l6_store *s, const char *mechanism, const char *state, const char *after, int limit,
                               l6_each_fn each, void *ctx, l6_error *err) {
  l6_activity buf;
  pg_args a = {.n = 0};
  a_text(&a, mechanism);
  a_text(&a, state);
  a_text(&a, after);
  a_int(&a, limit);
  return run_each(PG(s), Q_ACT_LIST, &a, dec_activity, &buf, each, ctx, err);
}


static l6_err pg_period_save(l6_store *s, const l6_period *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->project);
  a_int(&a, p->seq);
  a_text(&a, p->start);
  a_text(&a, p->end);
  a_text(&a, p->state);
  a_text(&a, p->rejected_step);
  a_text(&a, p->calculator);
  a_text(&a, p->inputs);
  a_int(&a, p->reported);
  a_int(&a, p->certified);
  a_text(&a, p->forward);
  return run_write(PG(s), Q_PER_SAVE, &a, NULL, NULL, err);
}

static l6_err pg_period_get(l6_store *s, const char *project, int seq, l6_period *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_int(&a, seq);
  return run_one(PG(s), Q_PER_GET, &a, dec_period, out, L6_E_UNKNOWN_PERIOD, err);
}

static l6_err pg_period_list(l6_store *s, const char *project, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_period buf;
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_int(&a, limit);
  return run_each(PG(s), Q_PER_LIST, &a, dec_period, &buf, each, ctx, err);
}


static l6_err pg_step_put(l6_store *s, l6_step_rec *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->project);
  a_int(&a, x->period);
  a_text(&a, x->step);
  a_text(&a, x->decision);
  a_text(&a, x->from_state);
  a_text(&a, x->to_state);
  a_text(&a, x->actor);
  a_text(&a, x->role);
  a_text(&a, x->ts);
  a_text(&a, x->mechanism_hash);
  a_text(&a, x->documents);
  a_text(&a, x->detail);
  return run_write(PG(s), Q_STEP_PUT, &a, &x->id, NULL, err);
}

static l6_err pg_step_list(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each, void *ctx,
                           l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_int(&a, after);
  a_int(&a, limit);
  l6_step_rec *buf = malloc(sizeof *buf); /* 8 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_STEP_LIST, &a, dec_step, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- the exchange ------------------------------------------------------ */






static l6_err pg_ex_instrument_put(l6_store *s, const l6_ex_instrument *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->code);
  a_text(&a, x->name);
  a_text(&a, x->kind);
  a_text(&a, x->unit_type);
  a_text(&a, x->project);
  a_int(&a, x->vintage_from);
  a_int(&a, x->vintage_to);
  a_int(&a, x->batch);
  a_text(&a, x->registry);
  a_int(&a, x->escrow);
  a_text(&a, x->currency);
  a_int(&a, x->minor_units);
  a_int(&a, x->tick);
  a_int(&a, x->lot);
  a_int(&a, x->min_qty);
  a_int(&a, x->max_qty);
  a_int(&a, x->band_pct);
  a_text(&a, x->sessions);
  a_int(&a, x->tz_offset);
  a_text(&a, x->status);
  a_text(&a, x->mode);
  a_int(&a, x->prev_close);
  a_int(&a, x->maker_bps);
  a_int(&a, x->taker_bps);
  a_int(&a, x->no_same_day_resale ? 1 : 0);
  a_text(&a, x->created);
  a_int(&a, x->call_minutes);
  return run_write(PG(s), Q_EX_INSTR_PUT, &a, NULL, NULL, err);
}

static l6_err pg_ex_cash_put(l6_store *s, const l6_ex_cash *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->org);
  a_text(&a, x->currency);
  a_int(&a, x->balance);
  a_int(&a, x->reserved);
  return run_write(PG(s), Q_EX_CASH_PUT, &a, NULL, NULL, err);
}

static l6_err pg_ex_journal_put(l6_store *s, l6_ex_journal *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->org);
  a_text(&a, x->currency);
  a_text(&a, x->kind);
  a_int(&a, x->amount);
  a_int(&a, x->ref);
  a_text(&a, x->ts);
  return run_write(PG(s), Q_EX_JOUR_PUT, &a, &x->id, NULL, err);
}

static l6_err pg_ex_order_put(l6_store *s, const l6_ex_order *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->id);
  a_text(&a, x->instrument);
  a_int(&a, x->seq);
  a_int(&a, x->org);
  a_int(&a, x->account);
  a_text(&a, x->side);
  a_text(&a, x->type);
  a_text(&a, x->tif);
  a_int(&a, x->post_only ? 1 : 0);
  a_int(&a, x->price);
  a_int(&a, x->qty);
  a_int(&a, x->remaining);
  a_int(&a, x->reserved);
  a_text(&a, x->status);
  a_text(&a, x->day);
  a_text(&a, x->ts);
  a_int(&a, x->counterparty);
  return run_write(PG(s), Q_EX_ORDER_PUT, &a, NULL, NULL, err);
}

static l6_err pg_ex_trade_put(l6_store *s, l6_ex_trade *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->instrument);
  a_int(&a, x->price);
  a_int(&a, x->qty);
  a_int(&a, x->buy_order);
  a_int(&a, x->sell_order);
  a_int(&a, x->buyer);
  a_int(&a, x->seller);
  a_text(&a, x->taker_side);
  a_int(&a, x->buyer_fee);
  a_int(&a, x->seller_fee);
  a_text(&a, x->day);
  a_text(&a, x->ts);
  a_int(&a, x->tx);
  return run_write(PG(s), Q_EX_TRADE_PUT, &a, &x->id, NULL, err);
}

static l6_err pg_ex_instrument_get(l6_store *s, const char *code, l6_ex_instrument *out, l6_error *err) {
  return get_by_text(PG(s), Q_EX_INSTR_GET, code, dec_ex_instrument, out, L6_E_UNKNOWN_INSTRUMENT, err);
}

static l6_err pg_ex_instrument_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_instrument buf;
  pg_args a = {.n = 0};
  return run_each(PG(s), Q_EX_INSTR_LIST, &a, dec_ex_instrument, &buf, each, ctx, err);
}

/* ---- instrument criteria, batch labels (crit) ---- */



static l6_err pg_crit_put(l6_store *s, const l6_crit *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->code);
  a_text(&a, x->unit_types);
  a_text(&a, x->programmes);
  a_text(&a, x->labels);
  a_text(&a, x->corsia_phase);
  return run_write(PG(s), Q_CRIT_PUT, &a, NULL, NULL, err);
}

static l6_err pg_crit_get(l6_store *s, const char *code, l6_crit *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, code);
  l6_err e = run_one(PG(s), Q_CRIT_GET, &a, dec_crit, out, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) {
    *out = (l6_crit){0};
    snprintf(out->code, sizeof out->code, "%s", code);
    return L6_E_OK;
  }
  return e;
}

static l6_err pg_batch_label_put(l6_store *s, l6_batch_label *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->batch);
  a_text(&a, x->label);
  a_text(&a, x->actor);
  a_text(&a, x->ts);
  a_text(&a, x->reference);
  return run_write(PG(s), Q_BLABEL_PUT, &a, &x->id, NULL, err);
}

/* An UPDATE of one row: NOT_FOUND when it changed none. */
static l6_err label_update(l6_store *s, int q, const pg_args *a, l6_error *err) {
  int64_t changed = 0;
  l6_err e = run_write(PG(s), q, a, NULL, &changed, err);
  if (e == L6_E_OK && changed == 0) return l6_fail(err, L6_E_NOT_FOUND, "no such batch label");
  return e;
}

static l6_err pg_batch_label_drop(l6_store *s, l6_id batch, const char *label, const char *ts, const char *reference,
                                  l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_text(&a, label);
  a_text(&a, ts);
  a_text(&a, reference);
  return label_update(s, Q_BLABEL_DROP, &a, err);
}

static l6_err pg_batch_label_restore(l6_store *s, const l6_batch_label *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->batch);
  a_text(&a, x->label);
  a_text(&a, x->actor);
  a_text(&a, x->ts);
  a_text(&a, x->reference);
  return label_update(s, Q_BLABEL_RESTORE, &a, err);
}

static l6_err pg_batch_label_list(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_batch_label buf;
  pg_args a = {.n = 0};
  a_int(&a, batch);
  return run_each(PG(s), Q_BLABEL_LIST, &a, dec_batch_label, &buf, each, ctx, err);
}

static l6_err pg_ex_cash_get(l6_store *s, l6_id org, const char *currency, l6_ex_cash *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, org);
  a_text(&a, currency);
  l6_err e = run_one(PG(s), Q_EX_CASH_GET, &a, dec_ex_cash, out, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) {
    *out = (l6_ex_cash){.org = org};
    snprintf(out->currency, sizeof out->currency, "%s", currency);
    return L6_E_OK;
  }
  return e;
}

static l6_err pg_ex_cash_list(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_cash buf;
  pg_args a = {.n = 0};
  a_int(&a, org);
  return run_each(PG(s), Q_EX_CASH_LIST, &a, dec_ex_cash, &buf, each, ctx, err);
}

static l6_err pg_ex_journal_list(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_journal buf;
  pg_args a = {.n = 0};
  a_int(&a, org);
  return run_each(PG(s), Q_EX_JOUR_LIST, &a, dec_ex_journal, &buf, each, ctx, err);
}

static l6_err pg_ex_order_get(l6_store *s, l6_id id, l6_ex_order *out, l6_error *err) {
  return get_by_id(PG(s), Q_EX_ORDER_GET, id, dec_ex_order, out, L6_E_UNKNOWN_ORDER, err);
}

static l6_err pg_ex_order_list(l6_store *s, const char *instrument, l6_id org, bool open_only, l6_each_fn each,
                               void *ctx, l6_error *err) {
  l6_ex_order buf;
  pg_args a = {.n = 0};
  a_text(&a, instrument);
  a_int(&a, org);
  a_int(&a, open_only ? 1 : 0);
  return run_each(PG(s), Q_EX_ORDER_LIST, &a, dec_ex_order, &buf, each, ctx, err);
}

static void dec_ex_max(const PGresult *r, int i, void *o) {
  int64_t *v = o;
  v[0] = col_i64(r, i, 0);
  v[1] = col_i64(r, i, 1);
}

static l6_err pg_ex_order_max(l6_store *s, int64_t *id, int64_t *seq, l6_error *err) {
  int64_t v[2] = {0, 0};
  pg_args a = {.n = 0};
  l6_err e = run_one(PG(s), Q_EX_ORDER_MAX, &a, dec_ex_max, v, L6_E_STORE, err);
  *id = v[0];
  *seq = v[1];
  return e;
}

static l6_err pg_ex_trade_list(l6_store *s, const char *instrument, const char *day, bool desc, int limit,
                               l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_trade buf;
  pg_args a = {.n = 0};
  a_text(&a, instrument);
  a_text(&a, day);
  a_id_or_null(&a, limit); /* NULL: no limit */
  return run_each(PG(s), desc ? Q_EX_TRADE_LIST_DESC : Q_EX_TRADE_LIST_ASC, &a, dec_ex_trade, &buf, each, ctx, err);
}

static l6_err pg_ex_delivered(l6_store *s, const char *since, l6_id batch, int64_t first, int64_t last, l6_each_fn each,
                              void *ctx, l6_error *err) {
  l6_tx_line buf;
  pg_args a = {.n = 0};
  a_text(&a, since);
  a_int(&a, batch);
  a_int(&a, first);
  a_int(&a, last);
  return run_each(PG(s), Q_EX_DELIVERED, &a, dec_line, &buf, each, ctx, err);
}

/* ---- Article 6.2 accounting ------------------------------------------ */


static l6_err pg_a6_ndc_put(l6_store *s, const l6_a6_ndc *n, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, n->party);
  a_int(&a, n->first_year);
  a_int(&a, n->last_year);
  a_text(&a, n->kind);
  a_text(&a, n->method);
  a_int(&a, n->target_year);
  a_int(&a, n->target);
  a_text(&a, n->metric);
  a_int(&a, n->factor_micro);
  a_text(&a, n->updated);
  return run_write(PG(s), Q_A6_NDC_PUT, &a, NULL, NULL, err);
}

static l6_err pg_a6_ndc_get(l6_store *s, const char *party, l6_a6_ndc *out, l6_error *err) {
  return get_by_text(PG(s), Q_A6_NDC_GET, party, dec_a6_ndc, out, L6_E_UNKNOWN_NDC, err);
}


static l6_err pg_a6_year_put(l6_store *s, const l6_a6_year *y, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, y->party);
  a_int(&a, y->year);
  a_int(&a, y->reported ? 1 : 0);
  a_int(&a, y->emissions);
  a_int(&a, y->has_trajectory ? 1 : 0);
  a_int(&a, y->trajectory);
  return run_write(PG(s), Q_A6_YEAR_PUT, &a, NULL, NULL, err);
}

static l6_err pg_a6_year_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_year buf;
  pg_args a = {.n = 0};
  a_text(&a, party);
  return run_each(PG(s), Q_A6_YEAR_LIST, &a, dec_a6_year, &buf, each, ctx, err);
}


/* Inserts (x->id == 0: the new id is max + 1) or updates by id. */
static l6_err pg_a6_auth_put(l6_store *s, l6_a6_auth *x, l6_error *err) {
  pg_args a = {.n = 0};
  bool insert = x->id == 0;
  if (!insert) a_int(&a, x->id);
  a_text(&a, x->party);
  a_int(&a, x->approach);
  a_text(&a, x->project);
  a_int(&a, x->vintage_from);
  a_int(&a, x->vintage_to);
  a_int(&a, x->quantity);
  a_int(&a, x->assigned);
  a_text(&a, x->purposes);
  a_text(&a, x->ft_event);
  a_text(&a, x->parties);
  a_text(&a, x->entities);
  a_int(&a, x->year_from);
  a_int(&a, x->year_to);
  a_int(&a, x->in_scope ? 1 : 0);
  a_int(&a, x->version);
  a_int(&a, x->revoked ? 1 : 0);
  a_text(&a, x->ts);
  a_text(&a, x->letter_sha256);
  if (insert) return run_write(PG(s), Q_A6_AUTH_INS, &a, &x->id, NULL, err);
  return run_write(PG(s), Q_A6_AUTH_UPD, &a, NULL, NULL, err);
}

static l6_err pg_a6_auth_get(l6_store *s, l6_id id, l6_a6_auth *out, l6_error *err) {
  return get_by_id(PG(s), Q_A6_AUTH_GET, id, dec_a6_auth, out, L6_E_UNKNOWN_AUTHORIZATION, err);
}

static l6_err pg_a6_auth_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, party);
  l6_a6_auth *buf = malloc(sizeof *buf); /* 2 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_A6_AUTH_LIST, &a, dec_a6_auth, buf, each, ctx, err);
  free(buf);
  return e;
}


static l6_err pg_a6_itmo_put(l6_store *s, l6_a6_itmo *x, l6_error *err) {
  pg_args a = {.n = 0};
  bool insert = x->id == 0;
  if (!insert) a_int(&a, x->id);
  a_int(&a, x->auth);
  a_int(&a, x->approach);
  a_text(&a, x->registry);
  a_text(&a, x->host);
  a_int(&a, x->batch);
  a_int(&a, x->first);
  a_int(&a, x->last);
  a_int(&a, x->itmo_first);
  a_int(&a, x->vintage);
  a_int(&a, x->ft_year);
  a_text(&a, x->fate);
  a_text(&a, x->user);
  a_int(&a, x->use_year);
  if (insert) return run_write(PG(s), Q_A6_ITMO_INS, &a, &x->id, NULL, err);
  return run_write(PG(s), Q_A6_ITMO_UPD, &a, NULL, NULL, err);
}

static l6_err pg_a6_itmo_remove(l6_store *s, l6_id id, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  return run_write(PG(s), Q_A6_ITMO_DEL, &a, NULL, NULL, err);
}

static l6_err pg_a6_itmo_in_batch(l6_store *s, l6_id batch, int64_t first, int64_t last, l6_each_fn each, void *ctx,
                                  l6_error *err) {
  l6_a6_itmo buf;
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_int(&a, first);
  a_int(&a, last);
  return run_each(PG(s), Q_A6_ITMO_IN_BATCH, &a, dec_a6_itmo, &buf, each, ctx, err);
}

static l6_err pg_a6_itmo_by_serial(l6_store *s, int approach, const char *registry, int64_t first, int64_t last,
                                   l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_itmo buf;
  pg_args a = {.n = 0};
  a_int(&a, approach);
  a_text(&a, registry);
  a_int(&a, first);
  a_int(&a, last);
  return run_each(PG(s), Q_A6_ITMO_BY_SERIAL, &a, dec_a6_itmo, &buf, each, ctx, err);
}

static l6_err pg_a6_itmo_list(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_itmo buf;
  pg_args a = {.n = 0};
  a_int(&a, auth);
  return run_each(PG(s), Q_A6_ITMO_LIST, &a, dec_a6_itmo, &buf, each, ctx, err);
}

static l6_err pg_a6_itmo_next_serial(l6_store *s, int approach, const char *registry, int64_t *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, approach);
  a_text(&a, registry);
  return run_one(PG(s), Q_A6_ITMO_NEXT, &a, dec_total, out, L6_E_STORE, err);
}


static l6_err pg_a6_action_put(l6_store *s, l6_a6_action *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_id_or_null(&a, x->tx);
  a_text(&a, x->type);
  a_text(&a, x->party);
  a_int(&a, x->auth);
  a_int(&a, x->approach);
  a_text(&a, x->registry);
  a_int(&a, x->itmo_first);
  a_int(&a, x->itmo_last);
  a_text(&a, x->first_id);
  a_text(&a, x->last_id);
  a_int(&a, x->quantity);
  a_int(&a, x->vintage);
  a_text(&a, x->from_party);
  a_text(&a, x->to_party);
  a_text(&a, x->purpose);
  a_text(&a, x->user);
  a_int(&a, x->year);
  a_int(&a, x->ca);
  a_text(&a, x->ts);
  return run_write(PG(s), Q_A6_ACT_PUT, &a, &x->id, NULL, err);
}

/* ---- emissions trading ------------------------------------------------ */

/* ---- four eyes, trusted accounts, delays (issue 15) -------------------- */


static l6_err pg_policy_get(l6_store *s, const char *registry, l6_policy_rec *out, bool *found, l6_error *err) {
  memset(out, 0, sizeof *out);
  *found = false;
  pg_args a = {.n = 0};
  a_text(&a, registry);
  l6_err e = run_one(PG(s), Q_POL_GET, &a, dec_policy, out, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) return L6_E_OK;
  *found = e == L6_E_OK;
  return e;
}

static l6_err pg_policy_put(l6_store *s, const l6_policy_rec *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->registry);
  a_text(&a, p->body);
  a_int(&a, p->hold_account);
  return run_write(PG(s), Q_POL_PUT, &a, NULL, NULL, err);
}


static void args_proposal(pg_args *a, const l6_proposal *p) {
  a_int(a, p->id);
  a_text(a, p->kind);
  a_text(a, p->state);
  a_text(a, p->registry);
  a_int(a, p->org);
  a_int(a, p->from_account);
  a_int(a, p->to_account);
  a_int(a, p->quantity);
  a_text(a, p->reasons);
  a_text(a, p->proposer);
  a_text(a, p->proposer_role);
  a_int(a, p->proposer_org);
  a_int(a, p->proposer_user);
  a_int(a, p->proposer_token);
  a_int(a, p->created_ms);
  a_int(a, p->expires_ms);
  a_int(a, p->executes_ms);
  a_int(a, p->decided_ms);
  a_text(a, p->decided_by);
  a_text(a, p->approved_by);
  a_text(a, p->result);
  a_int(a, p->hold_tx);
  a_int(a, p->release_tx);
  a_int(a, p->result_tx);
  a_text(a, p->request);
}

static l6_err pg_proposal_put(l6_store *s, l6_proposal *p, l6_error *err) {
  pg_args a = {.n = 0};
  args_proposal(&a, p); /* $1, the id, is ignored: the statement picks the next one */
  return run_write(PG(s), Q_PROP_PUT, &a, &p->id, NULL, err);
}

static l6_err pg_proposal_update(l6_store *s, const l6_proposal *p, l6_error *err) {
  pg_args a = {.n = 0};
  args_proposal(&a, p);
  return run_write(PG(s), Q_PROP_UPD, &a, NULL, NULL, err);
}

static l6_err pg_proposal_get(l6_store *s, l6_id id, l6_proposal *out, l6_error *err) {
  return get_by_id(PG(s), Q_PROP_GET, id, dec_proposal, out, L6_E_UNKNOWN_PROPOSAL, err);
}

static l6_err pg_proposal_list(l6_store *s, const l6_proposal_filter *f, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, f->state);
  a_int(&a, f->org);
  a_int(&a, f->account);
  a_int(&a, f->due_ms);
  a_int(&a, f->after);
  a_int(&a, f->limit);
  l6_proposal *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_PROP_LIST, &a, dec_proposal, buf, each, ctx, err);
  free(buf);
  return e;
}

static l6_err pg_trusted_put(l6_store *s, const l6_trusted *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->account);
  a_int(&a, x->trusted);
  a_int(&a, x->added_ms);
  a_int(&a, x->active_ms);
  a_text(&a, x->added_by);
  return run_write(PG(s), Q_TRUST_PUT, &a, NULL, NULL, err);
}

static l6_err pg_trusted_delete(l6_store *s, l6_id account, l6_id trusted, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, account);
  a_int(&a, trusted);
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_TRUST_DEL, &a, NULL, &changed, err);
  if (e == L6_E_OK && changed == 0)
    e = l6_fail(err, L6_E_NOT_TRUSTED, "account %lld is not on the trusted list of account %lld", (long long)trusted,
                (long long)account);
  return e;
}


static l6_err pg_trusted_list(l6_store *s, l6_id account, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, account);
  l6_trusted buf;
  return run_each(PG(s), Q_TRUST_LIST, &a, dec_trusted, &buf, each, ctx, err);
}


static l6_err pg_ets_rec_put(l6_store *s, const l6_ets_rec *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->kind);
  a_text(&a, x->key);
  a_text(&a, x->body);
  return run_write(PG(s), Q_ETS_PUT, &a, NULL, NULL, err);
}

static l6_err pg_ets_rec_list(l6_store *s, const char *kind, const char *prefix, l6_each_fn each, void *ctx,
                              l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  a_text(&a, prefix);
  l6_ets_rec *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_ETS_LIST, &a, dec_ets_rec, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- links between registries ----------------------------------------- */


static l6_err pg_a6_approach_put(l6_store *s, const l6_a6_approach *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->code);
  a_text(&a, x->party);
  a_text(&a, x->body);
  a_text(&a, x->ts);
  return run_write(PG(s), Q_APPROACH_PUT, &a, NULL, NULL, err);
}

static l6_err pg_a6_approach_get(l6_store *s, int code, l6_a6_approach *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, code);
  return run_one(PG(s), Q_APPROACH_GET, &a, dec_approach, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_a6_approach_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  l6_a6_approach *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_APPROACH_LIST, &a, dec_approach, buf, each, ctx, err);
  free(buf);
  return e;
}


static l6_err pg_link_put(l6_store *s, const l6_link_rec *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, x->kind);
  a_text(&a, x->key);
  a_text(&a, x->state);
  a_int(&a, x->due_ms);
  a_text(&a, x->body);
  return run_write(PG(s), Q_LINK_PUT, &a, NULL, NULL, err);
}

static l6_err pg_link_get(l6_store *s, const char *kind, const char *key, l6_link_rec *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  a_text(&a, key);
  return run_one(PG(s), Q_LINK_GET, &a, dec_link, out, L6_E_NOT_FOUND, err);
}

typedef struct {
  l6_each_fn each;
  void *ctx;
  int left;
} link_lim;
static int link_lim_row(void *ctx, const void *row) {
  link_lim *l = ctx;
  if (l->each(l->ctx, row) != 0) return 1;
  return l->left > 0 && --l->left == 0;
}

static l6_err pg_link_list(l6_store *s, const char *kind, const char *state, int64_t due_before, int limit,
                           l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  bool due = state && state[0];
  if (due) {
    a_text(&a, state);
    a_int(&a, due_before);
  }
  l6_link_rec *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  link_lim l = {each, ctx, limit};
  l6_err e = run_each(PG(s), due ? Q_LINK_DUE : Q_LINK_LIST, &a, dec_link, buf, link_lim_row, &l, err);
  free(buf);
  return e;
}


static l6_err pg_ets_hist_add(l6_store *s, l6_ets_hist *h, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, h->kind);
  a_text(&a, h->key);
  a_text(&a, h->actor);
  a_text(&a, h->ts);
  a_text(&a, h->body);
  return run_write(PG(s), Q_ETS_HIST_ADD, &a, &h->id, NULL, err);
}

static l6_err pg_ets_hist_list(l6_store *s, const char *kind, const char *key, l6_each_fn each, void *ctx,
                               l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  a_text(&a, key);
  l6_ets_hist *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_ETS_HIST_LIST, &a, dec_ets_hist, buf, each, ctx, err);
  free(buf);
  return e;
}

static l6_err pg_a6_action_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, party);
  l6_a6_action *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_A6_ACT_LIST, &a, dec_a6_action, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- non-market approaches ------------------------------------------ */

/* ---- authorization amendments ---------------------------------------- */


static l6_err pg_a6_auth_version_put(l6_store *s, const l6_a6_auth_version *v, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, v->auth);
  a_int(&a, v->version);
  a_text(&a, v->effective_from);
  a_text(&a, v->body);
  a_text(&a, v->ts);
  return run_write(PG(s), Q_A6_VER_INS, &a, NULL, NULL, err);
}

static l6_err pg_a6_auth_version_list(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, auth);
  l6_a6_auth_version *buf = malloc(sizeof *buf); /* 16 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_A6_VER_LIST, &a, dec_a6_ver, buf, each, ctx, err);
  free(buf);
  return e;
}


/* Inserts (x->id == 0: the new id is max + 1) or updates by id. */
static l6_err pg_nma_put(l6_store *s, l6_nma_rec *x, l6_error *err) {
  pg_args a = {.n = 0};
  bool insert = x->id == 0;
  if (!insert) a_int(&a, x->id);
  a_text(&a, x->kind);
  a_text(&a, x->party);
  a_text(&a, x->status);
  a_text(&a, x->body);
  if (insert) return run_write(PG(s), Q_NMA_INS, &a, &x->id, NULL, err);
  return run_write(PG(s), Q_NMA_UPD, &a, NULL, NULL, err);
}

static l6_err pg_nma_get(l6_store *s, const char *kind, l6_id id, l6_nma_rec *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_text(&a, kind);
  return run_one(PG(s), Q_NMA_GET, &a, dec_nma, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_nma_list(l6_store *s, const char *kind, const char *party, l6_each_fn each, void *ctx,
                          l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  a_text(&a, party);
  l6_nma_rec *buf = malloc(sizeof *buf); /* 16 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_NMA_LIST, &a, dec_nma, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- programmes of activities, comments, grievances (poa.c, voice.c) ---- */


/* Inserts (x->id == 0: the new id is max + 1) or updates by id. */
static l6_err pg_mech_rec_put(l6_store *s, l6_mech_rec *x, l6_error *err) {
  pg_args a = {.n = 0};
  bool insert = x->id == 0;
  if (!insert) a_int(&a, x->id);
  a_text(&a, x->kind);
  a_text(&a, x->ref);
  a_text(&a, x->state);
  a_text(&a, x->body);
  if (insert) return run_write(PG(s), Q_MREC_INS, &a, &x->id, NULL, err);
  return run_write(PG(s), Q_MREC_UPD, &a, NULL, NULL, err);
}

static l6_err pg_mech_rec_get(l6_store *s, const char *kind, l6_id id, l6_mech_rec *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, id);
  a_text(&a, kind);
  return run_one(PG(s), Q_MREC_GET, &a, dec_mrec, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_mech_rec_list(l6_store *s, const char *kind, const char *ref, l6_each_fn each, void *ctx,
                               l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, kind);
  a_text(&a, ref);
  l6_mech_rec *buf = malloc(sizeof *buf); /* 16 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_MREC_LIST, &a, dec_mrec, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- activity records (issue 20) ----------------------------------- */


static l6_err pg_arec_put(l6_store *s, const l6_arec *r, bool update, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, r->project);
  a_text(&a, r->kind);
  a_int(&a, r->id);
  if (update) {
    a_text(&a, r->body);
    int64_t changed = 0;
    l6_err e = run_write(PG(s), Q_AREC_UPD, &a, NULL, &changed, err);
    if (e == L6_E_OK && changed == 0) return l6_fail(err, L6_E_NOT_FOUND, "no %s %lld of %s", r->kind, (long long)r->id, r->project);
    return e;
  }
  a_int(&a, r->period);
  a_text(&a, r->ref);
  a_text(&a, r->body);
  return run_write(PG(s), Q_AREC_INS, &a, NULL, NULL, err);
}

static l6_err pg_arec_get(l6_store *s, const char *project, const char *kind, const char *ref, l6_arec *out,
                          l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_text(&a, kind);
  a_text(&a, ref);
  return run_one(PG(s), Q_AREC_GET, &a, dec_arec, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_arec_list(l6_store *s, const char *project, const char *kind, int period, l6_each_fn each, void *ctx,
                           l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, project);
  a_text(&a, kind);
  a_int(&a, period);
  l6_arec *buf = malloc(sizeof *buf); /* 16 KB: off the stack */
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(PG(s), Q_AREC_LIST, &a, dec_arec, buf, each, ctx, err);
  free(buf);
  return e;
}

/* ---- transparency log ------------------------------------------------ */

/* Binary columns are lowercase hex text, as in SQLite. A value that is not
 * exactly n bytes of hex (a damaged row) decodes as zeros, which no real
 * hash, key or signature equals, so verification reports it. */
static void col_hex(const PGresult *r, int row, int col, uint8_t *out, size_t n) {
  const char *t = PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
  size_t len = 0;
  memset(out, 0, n);
  if (t == NULL || strlen(t) != 2 * n || sodium_hex2bin(out, n, t, 2 * n, NULL, &len, NULL) != 0 || len != n)
    memset(out, 0, n);
}

/* Adds n bytes as hex; buf (2n + 1 bytes) must live until the statement runs. */
static void a_hex(pg_args *a, const uint8_t *v, size_t n, char *buf) {
  sodium_bin2hex(buf, 2 * n + 1, v, n);
  a_text(a, buf);
}

static void dec_hash32(const PGresult *r, int i, void *o) { col_hex(r, i, 0, o, 32); }

static l6_err pg_log_size(l6_store *s, int64_t *out, l6_error *err) {
  return run_one(PG(s), Q_LOG_SIZE, &no_args, dec_total, out, L6_E_INTERNAL, err);
}

static l6_err pg_log_append(l6_store *s, const l6_log_leaf *leaf, const merkle_node *nodes, size_t n, l6_error *err) {
  pg_store *q = PG(s);
  char hex[2 * 32 + 1];
  pg_args a = {.n = 0};
  a_int(&a, leaf->index);
  l6_err e;
  if (leaf->tx == 0) { /* a letter leaf (schema 28) */
    a_int(&a, leaf->auth);
    a_int(&a, leaf->version);
    a_text(&a, leaf->sha256);
    a_text(&a, leaf->ts);
    e = run_write(q, Q_LETTER_PUT, &a, NULL, NULL, err);
  } else {
    a_int(&a, leaf->tx);
    a_hex(&a, leaf->salt, sizeof leaf->salt, hex);
    e = run_write(q, Q_LEAF_PUT, &a, NULL, NULL, err);
  }
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    pg_args b = {.n = 0};
    a_int(&b, nodes[i].level);
    a_int(&b, nodes[i].index);
    a_hex(&b, nodes[i].hash, sizeof nodes[i].hash, hex);
    e = run_write(q, Q_NODE_PUT, &b, NULL, NULL, err);
  }
  return e;
}

static l6_err pg_log_leaf_get(l6_store *s, int64_t index, l6_id tx, l6_log_leaf *out, l6_error *err) {
  if (tx > 0) return get_by_id(PG(s), Q_LEAF_OF_TX, tx, dec_leaf, out, L6_E_NOT_FOUND, err);
  return get_by_id(PG(s), Q_LEAF_GET, index, dec_leaf, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_log_letter_get(l6_store *s, l6_id auth, int version, l6_log_leaf *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, auth);
  a_int(&a, version);
  return run_one(PG(s), Q_LETTER_GET, &a, dec_leaf, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_log_leaf_list(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_leaf buf;
  pg_args a = {.n = 0};
  a_int(&a, from);
  a_int(&a, limit);
  return run_each(PG(s), Q_LEAF_LIST, &a, dec_leaf, &buf, each, ctx, err);
}

static l6_err pg_log_node_get(l6_store *s, int level, int64_t index, uint8_t out[32], l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, level);
  a_int(&a, index);
  return run_one(PG(s), Q_NODE_GET, &a, dec_hash32, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_log_head_put(l6_store *s, const l6_log_head *h, l6_error *err) {
  char root[2 * 32 + 1], sig[2 * STH_SIGNATURE_BYTES + 1];
  pg_args a = {.n = 0};
  a_int(&a, h->tree_size);
  a_hex(&a, h->root, sizeof h->root, root);
  a_int(&a, h->timestamp_ms);
  a_text(&a, h->key_id);
  a_hex(&a, h->signature, sizeof h->signature, sig);
  return run_write(PG(s), Q_HEAD_PUT, &a, NULL, NULL, err);
}

static l6_err pg_log_head_get(l6_store *s, int64_t tree_size, l6_log_head *out, l6_error *err) {
  if (tree_size >= 0) return get_by_id(PG(s), Q_HEAD_GET, tree_size, dec_head, out, L6_E_NOT_FOUND, err);
  return run_one(PG(s), Q_HEAD_LAST, &no_args, dec_head, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_log_head_list(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_head buf;
  pg_args a = {.n = 0};
  a_int(&a, from);
  a_int(&a, limit);
  return run_each(PG(s), Q_HEAD_LIST, &a, dec_head, &buf, each, ctx, err);
}

static l6_err pg_log_key_put(l6_store *s, const l6_log_key *k, l6_error *err) {
  pg_store *q = PG(s);
  l6_err e = L6_E_OK;
  if (k->current) e = run_write(q, Q_KEY_UNSET, &no_args, NULL, NULL, err);
  if (e != L6_E_OK) return e;
  char pk[2 * STH_PUBLIC_KEY_BYTES + 1];
  pg_args a = {.n = 0};
  a_text(&a, k->id);
  a_hex(&a, k->public_key, sizeof k->public_key, pk);
  a_int(&a, k->created_ms);
  a_int(&a, k->current ? 1 : 0);
  return run_write(q, Q_KEY_PUT, &a, NULL, NULL, err);
}

static l6_err pg_log_key_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_key buf;
  return run_each(PG(s), Q_KEY_LIST, &no_args, dec_key, &buf, each, ctx, err);
}

/* ---- leases ---------------------------------------------------------- */

/*
 * A lease is a session-level advisory lock on a 64-bit key derived from
 * its name (FNV-1a): PostgreSQL drops it when the holding session ends,
 * so when a ledger6 process dies (or loses its connection), another one
 * takes the lease over with its next lease_try. Two names that hash alike
 * would share one lease: harmless (more exclusion, never less).
 */
static int64_t lease_key(const char *name) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char *p = "ledger6.lease."; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
  for (const char *p = name; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
  return (int64_t)h;
}

static pg_lease *pg_lease_find(pg_store *q, const char *name) {
  for (int i = 0; i < L6_MAX_LEASES; i++)
    if (q->lease[i].name[0] && strcmp(q->lease[i].name, name) == 0) return &q->lease[i];
  return NULL;
}

/* Runs a one-row, one-column boolean query; *yes gets the answer. */
static l6_err lease_query(pg_store *q, const char *sql, const pg_args *a, bool *yes, l6_error *err) {
  if (q->failed) return l6_fail(err, L6_E_STORE, "store: an earlier statement of this transaction failed");
  l6_err fe = pipe_flush(q, err);
  if (fe != L6_E_OK) return fe;
  q->base.round_trips++;
  PGresult *r = PQexecParams(q->conn, sql, a->n, NULL, a->v, NULL, NULL, 0);
  l6_err e = L6_E_OK;
  if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) e = pg_fail(q, r, false, err);
  else *yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  PQclear(r);
  return e;
}

static l6_err pg_lease_try(l6_store *s, const char *name, l6_error *err) {
  pg_store *q = PG(s);
  if (!store_lease_name_ok(name))
    return l6_fail(err, L6_E_INVALID_VALUE, "lease name must be 1-%d characters of [A-Za-z0-9._-]", L6_LEASE_NAME_MAX);
  if (q->depth == 0) {
    l6_err e = pg_ensure(q, err);
    if (e != L6_E_OK) return e;
  }
  pg_lease *l = pg_lease_find(q, name);
  if (l && l->gen != q->gen) { /* taken on a connection that is gone */
    l->name[0] = '\0';
    l = NULL;
  }
  int64_t key = lease_key(name);
  bool yes = false;
  l6_err e;
  if (l) {
    /* Confirm that the server still sees it held by this session. A
     * 64-bit advisory key shows in pg_locks as classid = high half,
     * objid = low half, objsubid = 1. */
    pg_args a = {.n = 0};
    a_int(&a, (int64_t)((uint64_t)key >> 32));
    a_int(&a, (int64_t)((uint64_t)key & 0xffffffffULL));
    e = lease_query(q,
                    "SELECT EXISTS(SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    " AND granted AND objsubid = 1 AND classid = $1::bigint::oid AND objid = $2::bigint::oid)",
                    &a, &yes, err);
    if (e != L6_E_OK || yes) return e;
    l->name[0] = '\0';
  }
  pg_lease *slot = NULL;
  for (int i = 0; i < L6_MAX_LEASES && slot == NULL; i++)
    if (q->lease[i].name[0] == '\0') slot = &q->lease[i];
  if (slot == NULL) return l6_fail(err, L6_E_STORE, "store: this store already holds %d leases", L6_MAX_LEASES);
  pg_args a = {.n = 0};
  a_int(&a, key);
  e = lease_query(q, "SELECT pg_try_advisory_lock($1::bigint)", &a, &yes, err);
  if (e != L6_E_OK) return e;
  if (!yes) return l6_fail(err, L6_E_BUSY, "lease %s is held by another process", name);
  snprintf(slot->name, sizeof slot->name, "%s", name);
  slot->key = key;
  slot->gen = q->gen;
  return L6_E_OK;
}

static void pg_lease_release(l6_store *s, const char *name) {
  pg_store *q = PG(s);
  pg_lease *l = pg_lease_find(q, name);
  if (l == NULL) return;
  if (l->gen == q->gen && PQstatus(q->conn) == CONNECTION_OK) {
    pg_args a = {.n = 0};
    a_int(&a, l->key);
    bool yes = false;
    l6_error ignore;
    if (lease_query(q, "SELECT pg_advisory_unlock($1::bigint)", &a, &yes, &ignore) != L6_E_OK)
      return; /* still held (e.g. inside a failed transaction); release again later, or close */
  }
  l->name[0] = '\0';
}

static void pg_fail_after(l6_store *s, int n) { PG(s)->fail_after = n; }

/* ---- open / close ---------------------------------------------------- */

static void pg_close(l6_store *s) {
  pg_store *q = PG(s);
  if (q == NULL) return;
  /* Ending the session frees its advisory locks only once the server's
   * backend has exited, a moment after PQfinish returns; release the
   * leases first, so that another process can take them as soon as this
   * close returns (as with SQLite's flocks). */
  for (int i = 0; i < L6_MAX_LEASES; i++)
    if (q->lease[i].name[0]) pg_lease_release(s, q->lease[i].name);
  PQfinish(q->conn); /* ends the session: any open transaction goes with it */
  free(q->spec);
  free(q);
}

/* The readiness probe: a query on the connection of the open transaction
 * (pg_begin reconnected it or failed). */
static l6_err pg_schema_version(l6_store *s, int *out, l6_error *err) {
  pg_store *q = PG(s);
  l6_err fe = pipe_flush(q, err);
  if (fe != L6_E_OK) return fe;
  q->base.round_trips++;
  PGresult *r = PQexec(q->conn, "SELECT value FROM meta WHERE key = 'schema_version'");
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    l6_err e = pg_fail(q, r, false, err);
    PQclear(r);
    return e;
  }
  *out = PQntuples(r) > 0 ? atoi(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return L6_E_OK;
}

static l6_store *pg_reader(l6_store *s, l6_error *err);
/* ---- registries outside the Parties (issue 17) ------------------------ */

static void dec_kind(const PGresult *r, int i, void *o) { col_text(r, i, 0, o, 16); }

static l6_err pg_registry_kind_get(l6_store *s, const char *id, char kind[16], l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, id);
  return run_one(PG(s), Q_REG_KIND_GET, &a, dec_kind, kind, L6_E_UNKNOWN_REGISTRY, err);
}

static l6_err pg_registry_kind_set(l6_store *s, const char *id, const char *kind, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, id);
  a_text(&a, kind);
  int64_t changed = 0;
  l6_err e = run_write(PG(s), Q_REG_KIND_SET, &a, NULL, &changed, err);
  if (e == L6_E_OK && changed == 0) e = l6_fail(err, L6_E_UNKNOWN_REGISTRY, NULL);
  return e;
}

static l6_err pg_batch_vintage_set(l6_store *s, l6_id batch, const char *start, const char *end, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, batch);
  a_text(&a, start);
  a_text(&a, end);
  return run_write(PG(s), Q_BATCH_VINTAGE, &a, NULL, NULL, err);
}


static l6_err pg_origin_block_put(l6_store *s, l6_origin_block *b, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, b->origin);
  a_text(&a, b->prefix);
  a_int(&a, b->first);
  a_int(&a, b->last);
  a_text(&a, b->text);
  a_int(&a, b->batch);
  a_int(&a, b->serial_first);
  a_text(&a, b->project);
  a_text(&a, b->vintage_start);
  a_text(&a, b->vintage_end);
  return run_write(PG(s), Q_ORIGIN_PUT, &a, &b->id, NULL, err);
}

static l6_err pg_origin_block_at(l6_store *s, const char *origin, const char *prefix, int64_t first, int64_t last,
                                 l6_origin_block *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, origin);
  a_text(&a, prefix);
  a_int(&a, last);
  l6_err e = run_one(PG(s), Q_ORIGIN_AT, &a, dec_origin, out, L6_E_NOT_FOUND, err);
  if (e != L6_E_OK) return e;
  return out->last >= first ? L6_E_OK : l6_fail(err, L6_E_NOT_FOUND, NULL);
}

static l6_err pg_origin_blocks_of_batch(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_origin_block buf;
  pg_args a = {.n = 0};
  a_int(&a, batch);
  return run_each(PG(s), Q_ORIGIN_OF_BATCH, &a, dec_origin, &buf, each, ctx, err);
}

static l6_err pg_origin_placed(l6_store *s, const char *origin, const char *project, const char *vs, const char *ve,
                               l6_qty *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, origin);
  a_text(&a, project);
  a_text(&a, vs);
  a_text(&a, ve);
  return run_one(PG(s), Q_ORIGIN_PLACED, &a, dec_total, out, L6_E_INTERNAL, err);
}


static l6_err pg_origin_unplaced_put(l6_store *s, const l6_origin_unplaced *u, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, u->origin);
  a_text(&a, u->project);
  a_text(&a, u->vintage_start);
  a_text(&a, u->vintage_end);
  a_int(&a, u->vintage);
  a_int(&a, u->total);
  a_int(&a, u->unplaced);
  a_int(&a, u->buffer);
  a_int(&a, u->retired);
  a_int(&a, u->total_kg);
  a_int(&a, u->buffer_kg);
  a_int(&a, u->retired_kg);
  return run_write(PG(s), Q_UNPLACED_PUT, &a, NULL, NULL, err);
}

static l6_err pg_origin_unplaced_get(l6_store *s, const char *origin, const char *project, const char *vs,
                                     const char *ve, l6_origin_unplaced *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, origin);
  a_text(&a, project);
  a_text(&a, vs);
  a_text(&a, ve);
  return run_one(PG(s), Q_UNPLACED_GET, &a, dec_unplaced, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_origin_unplaced_list(l6_store *s, const char *origin, l6_each_fn each, void *ctx, l6_error *err) {
  l6_origin_unplaced buf;
  pg_args a = {.n = 0};
  a_text(&a, origin);
  return run_each(PG(s), Q_UNPLACED_LIST, &a, dec_unplaced, &buf, each, ctx, err);
}

static l6_err pg_origin_project_put(l6_store *s, const l6_origin_project *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->origin);
  a_text(&a, p->project);
  a_text(&a, p->status);
  a_text(&a, p->registered);
  return run_write(PG(s), Q_OPROJ_PUT, &a, NULL, NULL, err);
}


static l6_err pg_origin_project_get(l6_store *s, const char *origin, const char *project, l6_origin_project *out,
                                    l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, origin);
  a_text(&a, project);
  return run_one(PG(s), Q_OPROJ_GET, &a, dec_oproj, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_origin_period_put(l6_store *s, const l6_origin_period *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->origin);
  a_text(&a, p->prefix);
  a_int(&a, p->year);
  a_text(&a, p->vintage_start);
  a_text(&a, p->vintage_end);
  return run_write(PG(s), Q_OPER_PUT, &a, NULL, NULL, err);
}


static l6_err pg_origin_period_get(l6_store *s, const char *origin, const char *prefix, int year, l6_origin_period *out,
                                   l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, origin);
  a_text(&a, prefix);
  a_int(&a, year);
  *out = (l6_origin_period){.year = year};
  snprintf(out->origin, sizeof out->origin, "%s", origin);
  snprintf(out->prefix, sizeof out->prefix, "%s", prefix);
  return run_one(PG(s), Q_OPER_GET, &a, dec_operiod, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_project_facts_set(l6_store *s, const l6_project *p, l6_error *err) {
  pg_args a = {.n = 0};
  a_text(&a, p->id);
  a_text(&a, p->methodology);
  a_text(&a, p->crediting_start);
  a_text(&a, p->crediting_end);
  a_text(&a, p->status);
  return run_write(PG(s), Q_PROJ_FACTS, &a, NULL, NULL, err);
}

static l6_err pg_tx_origin_put(l6_store *s, l6_id tx, const char *effective, bool unstated, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, tx);
  a_text(&a, effective);
  a_int(&a, unstated ? 1 : 0);
  return run_write(PG(s), Q_TXO_PUT, &a, NULL, NULL, err);
}

typedef struct {
  char *effective;
  bool *unstated;
} txo_out;

static void dec_txo(const PGresult *r, int i, void *o) {
  txo_out *x = o;
  col_text(r, i, 0, x->effective, 11);
  *x->unstated = col_i64(r, i, 1) != 0;
}

static l6_err pg_tx_origin_get(l6_store *s, l6_id tx, char effective[11], bool *unstated, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, tx);
  txo_out x = {effective, unstated};
  return run_one(PG(s), Q_TXO_GET, &a, dec_txo, &x, L6_E_NOT_FOUND, err);
}

static l6_err pg_tx_terms_put(l6_store *s, const l6_tx_terms *x, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, x->tx);
  a_int(&a, x->amount);
  a_text(&a, x->currency);
  return run_write(PG(s), Q_TXT_PUT, &a, NULL, NULL, err);
}


static l6_err pg_tx_terms_get(l6_store *s, l6_id tx, l6_tx_terms *out, l6_error *err) {
  pg_args a = {.n = 0};
  a_int(&a, tx);
  return run_one(PG(s), Q_TXT_GET, &a, dec_tx_terms, out, L6_E_NOT_FOUND, err);
}

static l6_err pg_tx_terms_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx_terms buf;
  pg_args a = {.n = 0};
  return run_each(PG(s), Q_TXT_LIST, &a, dec_tx_terms, &buf, each, ctx, err);
}

/* ---- open data (issue 17) ---------------------------------------------- */

static l6_err pg_ex_trade_page(l6_store *s, l6_id after, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_trade buf;
  pg_args a = {.n = 0};
  a_int(&a, after);
  a_id_or_null(&a, limit); /* NULL: no limit */
  return run_each(PG(s), Q_EX_TRADE_PAGE, &a, dec_ex_trade, &buf, each, ctx, err);
}


static l6_err pg_stats(l6_store *s, l6_stat_dim dim, const char *host, const char *programme, l6_id after_tx,
                       l6_each_fn each, void *ctx, l6_error *err) {
  static const int q[L6_STAT__COUNT] = {Q_STATS_VINTAGE, Q_STATS_HOST, Q_STATS_PROGRAMME, Q_STATS_YEAR, Q_STATS_RYEAR, Q_STATS_COUNTS, Q_STATS_PROJECTS,
                                        Q_STATS_CELLS, Q_STATS_RCELLS, Q_STATS_BCOUNT, Q_STATS_RTX};
  if ((unsigned)dim >= L6_STAT__COUNT) return l6_fail(err, L6_E_INTERNAL, "stats: unknown dimension");
  l6_stat_row buf;
  pg_args a = {.n = 0};
  a_text(&a, host ? host : "");
  a_text(&a, programme ? programme : "");
  if (dim != L6_STAT_PROJECTS) a_int(&a, after_tx);
  return run_each(PG(s), q[dim], &a, dec_stat, &buf, each, ctx, err);
}

static const l6_store_ops pg_ops = {
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .flush = pg_flush,
    .party_put = pg_party_put,
    .party_get = pg_party_get,
    .party_list = pg_party_list,
    .registry_put = pg_registry_put,
    .registry_get = pg_registry_get,
    .registry_list = pg_registry_list,
    .org_put = pg_org_put,
    .org_get = pg_org_get,
    .org_list = pg_org_list,
    .account_put = pg_account_put,
    .account_get = pg_account_get,
    .account_set_status = pg_account_set_status,
    .account_of_registry = pg_account_of_registry,
    .account_list = pg_account_list,
    .programme_put = pg_programme_put,
    .programme_get = pg_programme_get,
    .programme_list = pg_programme_list,
    .unit_type_put = pg_unit_type_put,
    .unit_type_get = pg_unit_type_get,
    .unit_type_list = pg_unit_type_list,
    .project_put = pg_project_put,
    .project_get = pg_project_get,
    .project_list = pg_project_list,
    .batch_put = pg_batch_put,
    .batch_get = pg_batch_get,
    .batch_list = pg_batch_list,
    .block_add = pg_block_add,
    .block_remove = pg_block_remove,
    .block_find = pg_block_find,
    .block_pick = pg_block_pick,
    .blocks_of_account = pg_blocks_of_account,
    .blocks_of_batch = pg_blocks_of_batch,
    .account_total = pg_account_total,
    .tx_put = pg_tx_put,
    .tx_get = pg_tx_get,
    .tx_line_put = pg_tx_line_put,
    .tx_list = pg_tx_list,
    .tx_lines = pg_tx_lines,
    .serial_history = pg_serial_history,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .token_put = pg_token_put,
    .token_find = pg_token_find,
    .token_get = pg_token_get,
    .token_list = pg_token_list,
    .token_revoke = pg_token_revoke,
    .token_touch = pg_token_touch,
    .project_set_status = pg_project_set_status,
    .doc_put = pg_doc_put,
    .doc_get = pg_doc_get,
    .accreditation_put = pg_accreditation_put,
    .accreditation_has = pg_accreditation_has,
    .activity_save = pg_activity_save,
    .activity_get = pg_activity_get,
    .activity_list = pg_activity_list,
    .period_save = pg_period_save,
    .period_get = pg_period_get,
    .period_list = pg_period_list,
    .step_put = pg_step_put,
    .step_list = pg_step_list,
    .a6_ndc_put = pg_a6_ndc_put,
    .a6_ndc_get = pg_a6_ndc_get,
    .a6_year_put = pg_a6_year_put,
    .a6_year_list = pg_a6_year_list,
    .a6_auth_put = pg_a6_auth_put,
    .a6_auth_get = pg_a6_auth_get,
    .a6_auth_list = pg_a6_auth_list,
    .a6_itmo_put = pg_a6_itmo_put,
    .a6_itmo_remove = pg_a6_itmo_remove,
    .a6_itmo_in_batch = pg_a6_itmo_in_batch,
    .a6_itmo_by_serial = pg_a6_itmo_by_serial,
    .a6_itmo_list = pg_a6_itmo_list,
    .a6_itmo_next_serial = pg_a6_itmo_next_serial,
    .a6_action_put = pg_a6_action_put,
    .a6_action_list = pg_a6_action_list,
    .a6_auth_version_put = pg_a6_auth_version_put,
    .a6_auth_version_list = pg_a6_auth_version_list,
    .a6_approach_put = pg_a6_approach_put,
    .a6_approach_get = pg_a6_approach_get,
    .a6_approach_list = pg_a6_approach_list,
    .nma_put = pg_nma_put,
    .nma_get = pg_nma_get,
    .nma_list = pg_nma_list,
    .mech_rec_put = pg_mech_rec_put,
    .mech_rec_get = pg_mech_rec_get,
    .mech_rec_list = pg_mech_rec_list,
    .arec_put = pg_arec_put,
    .arec_get = pg_arec_get,
    .arec_list = pg_arec_list,
    .ex_instrument_put = pg_ex_instrument_put,
    .ex_instrument_get = pg_ex_instrument_get,
    .ex_instrument_list = pg_ex_instrument_list,
    .crit_put = pg_crit_put,
    .crit_get = pg_crit_get,
    .batch_label_put = pg_batch_label_put,
    .batch_label_list = pg_batch_label_list,
    .batch_label_drop = pg_batch_label_drop,
    .batch_label_restore = pg_batch_label_restore,
    .ex_cash_get = pg_ex_cash_get,
    .ex_cash_put = pg_ex_cash_put,
    .ex_cash_list = pg_ex_cash_list,
    .ex_journal_put = pg_ex_journal_put,
    .ex_journal_list = pg_ex_journal_list,
    .ex_order_put = pg_ex_order_put,
    .ex_order_get = pg_ex_order_get,
    .ex_order_list = pg_ex_order_list,
    .ex_order_max = pg_ex_order_max,
    .ex_trade_put = pg_ex_trade_put,
    .ex_trade_list = pg_ex_trade_list,
    .ex_trade_page = pg_ex_trade_page,
    .stats = pg_stats,
    .ex_delivered = pg_ex_delivered,
    .log_size = pg_log_size,
    .log_append = pg_log_append,
    .log_leaf_get = pg_log_leaf_get,
    .log_leaf_list = pg_log_leaf_list,
    .log_letter_get = pg_log_letter_get,
    .log_node_get = pg_log_node_get,
    .log_head_put = pg_log_head_put,
    .log_head_get = pg_log_head_get,
    .log_head_list = pg_log_head_list,
    .log_key_put = pg_log_key_put,
    .log_key_list = pg_log_key_list,
    .schema_version = pg_schema_version,
    .policy_get = pg_policy_get,
    .policy_put = pg_policy_put,
    .proposal_put = pg_proposal_put,
    .proposal_update = pg_proposal_update,
    .proposal_get = pg_proposal_get,
    .proposal_list = pg_proposal_list,
    .trusted_put = pg_trusted_put,
    .trusted_delete = pg_trusted_delete,
    .trusted_list = pg_trusted_list,
    .registry_kind_get = pg_registry_kind_get,
    .registry_kind_set = pg_registry_kind_set,
    .batch_vintage_set = pg_batch_vintage_set,
    .origin_block_put = pg_origin_block_put,
    .origin_block_at = pg_origin_block_at,
    .origin_blocks_of_batch = pg_origin_blocks_of_batch,
    .origin_placed = pg_origin_placed,
    .origin_unplaced_put = pg_origin_unplaced_put,
    .origin_unplaced_get = pg_origin_unplaced_get,
    .origin_unplaced_list = pg_origin_unplaced_list,
    .origin_project_put = pg_origin_project_put,
    .origin_project_get = pg_origin_project_get,
    .origin_period_put = pg_origin_period_put,
    .origin_period_get = pg_origin_period_get,
    .project_facts_set = pg_project_facts_set,
    .tx_origin_put = pg_tx_origin_put,
    .tx_origin_get = pg_tx_origin_get,
    .tx_terms_put = pg_tx_terms_put,
    .tx_terms_get = pg_tx_terms_get,
    .tx_terms_list = pg_tx_terms_list,
    .lease_try = pg_lease_try,
    .lease_release = pg_lease_release,
    .fail_after = pg_fail_after,
    .link_put = pg_link_put,
    .link_get = pg_link_get,
    .link_list = pg_link_list,
    .ets_rec_put = pg_ets_rec_put,
    .ets_rec_list = pg_ets_rec_list,
    .ets_hist_add = pg_ets_hist_add,
    .ets_hist_list = pg_ets_hist_list,
    .user_put = pg_user_put,
    .user_get = pg_user_get,
    .user_by_email = pg_user_by_email,
    .user_list = pg_user_list,
    .user_set_disabled = pg_user_set_disabled,
    .user_take_step = pg_user_take_step,
    .notice_add = pg_notice_add,
    .notice_due = pg_notice_due,
    .notice_update = pg_notice_update,
    .notice_list = pg_notice_list,
    .user_notify_get = pg_user_notify_get,
    .user_notify_set = pg_user_notify_set,
    .session_put = pg_session_put,
    .session_get = pg_session_get,
    .session_touch = pg_session_touch,
    .session_delete = pg_session_delete,
    .session_delete_user = pg_session_delete_user,
    .token_set_owner = pg_token_set_owner,
    .reader = pg_reader,
};

/*
 * Applies the migrations the database lacks, each in its own transaction
 * under the writer lock, so that several processes starting at once
 * migrate once: each re-reads the version after it holds the lock.
 */
static l6_err migrate(pg_store *q, l6_error *err) {
  /* The common case first, without the lock: the schema is current. */
  PGresult *probe = PQexec(q->conn, "SELECT value FROM meta WHERE key = 'schema_version'");
  bool current = PQresultStatus(probe) == PGRES_TUPLES_OK && PQntuples(probe) == 1 &&
                 atoi(PQgetvalue(probe, 0, 0)) == L6_SCHEMA_VERSION;
  PQclear(probe);
  if (current) return L6_E_OK;
  for (;;) {
    l6_err e = pg_begin(&q->base, err);
    if (e != L6_E_OK) return e;
    e = exec_sql(q, "CREATE TABLE IF NOT EXISTS meta(key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL)", err);
    int version = 0;
    if (e == L6_E_OK) {
      PGresult *r = PQexec(q->conn, "SELECT value FROM meta WHERE key = 'schema_version'");
      if (PQresultStatus(r) != PGRES_TUPLES_OK) e = pg_fail(q, r, false, err);
      else if (PQntuples(r) > 0) version = atoi(PQgetvalue(r, 0, 0));
      PQclear(r);
    }
    if (e == L6_E_OK && version > L6_SCHEMA_VERSION)
      e = l6_fail(err, L6_E_STORE, "store schema version %d is newer than this ledger6 (%d)", version,
                  L6_SCHEMA_VERSION);
    if (e == L6_E_OK && version == L6_SCHEMA_VERSION) return pg_commit(&q->base, err);
    if (e == L6_E_OK) e = exec_sql(q, l6_pg_migrations[version], err);
    if (e == L6_E_OK) {
      char sql[160];
      snprintf(sql, sizeof sql,
               "INSERT INTO meta(key, value) VALUES('schema_version', '%d')"
               " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
               version + 1);
      e = exec_sql(q, sql, err);
    }
    if (e == L6_E_OK) e = pg_commit(&q->base, err);
    if (e != L6_E_OK) {
      if (q->depth > 0) pg_rollback(&q->base);
      return e;
    }
  }
}

/* Checks what ledger6 needs of the server: version and UTF8 database. */
static l6_err check_server(pg_store *q, l6_error *err) {
  int v = PQserverVersion(q->conn);
  if (v < PG_MIN_VERSION)
    return l6_fail(err, L6_E_STORE, "store: PostgreSQL %d.%d is too old; ledger6 needs %d or later", v / 10000,
                   v % 10000, PG_MIN_VERSION / 10000);
  const char *enc = PQparameterStatus(q->conn, "server_encoding");
  if (enc == NULL || strcmp(enc, "UTF8") != 0)
    return l6_fail(err, L6_E_STORE,
                   "store: database encoding is %s; ledger6 needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8')",
                   enc ? enc : "unknown");
  /* Writers are kept apart by an advisory lock alone, so it must be real:
   * some PostgreSQL-compatible engines have accepted these calls as no-ops.
   * Take a transaction lock on a key of our own (not the ledger's, so no
   * wait) and look for it in pg_locks, where PostgreSQL shows a two-key
   * lock as classid = key1, objid = key2, objsubid = 2. */
  PGresult *r = PQexec(q->conn, "BEGIN; SELECT pg_advisory_xact_lock(" PG_STR(PG_LOCK_CLASS) ", 0);"
                                " SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                                " AND pid = pg_backend_pid() AND granted AND classid = " PG_STR(PG_LOCK_CLASS)
                                " AND objid = 0 AND objsubid = 2");
  bool real = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), "1") == 0;
  PQclear(r);
  PQclear(PQexec(q->conn, "ROLLBACK"));
  if (!real)
    return l6_fail(err, L6_E_STORE,
                   "store: this server does not show advisory locks as PostgreSQL does; ledger6 keeps writers "
                   "apart with pg_advisory_xact_lock and cannot run safely here");
  return L6_E_OK;
}

l6_store *store_pg_open(const char *spec, l6_error *err) {
  static pthread_once_t sql_once = PTHREAD_ONCE_INIT;
  pthread_once(&sql_once, pg_sql_init);
  pg_store *q = sql_text_ok ? calloc(1, sizeof *q) : NULL;
  if (q == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  q->base.ops = &pg_ops;
  store_spec_redact(spec, q->shown, sizeof q->shown);
  const char *keys[] = {"dbname", "fallback_application_name", NULL};
  const char *vals[] = {spec, "ledger6", NULL};
  q->conn = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(q->conn) != CONNECTION_OK) {
    char msg[200];
    conn_message(q->conn, msg, sizeof msg);
    l6_fail(err, L6_E_STORE, "cannot open store %s: %s", q->shown, msg);
    pg_close(&q->base);
    return NULL;
  }
  if (check_server(q, err) != L6_E_OK || pg_session(q, err) != L6_E_OK) {
    pg_close(&q->base);
    return NULL;
  }
  q->session_ok = true;
  if (migrate(q, err) != L6_E_OK) {
    pg_close(&q->base);
    return NULL;
  }
  q->ready = true;
  if (pg_session(q, err) != L6_E_OK) { /* now with the prepared statements */
    pg_close(&q->base);
    return NULL;
  }
  q->spec = strdup(spec);
  if (q->spec == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    pg_close(&q->base);
    return NULL;
  }
  return &q->base;
}

/* A reader: a second session on the same database with the same prepared
 * statements; its transactions are REPEATABLE READ, READ ONLY (one
 * snapshot, any write refused by the server) and take no advisory lock. */
static l6_store *pg_reader(l6_store *s, l6_error *err) {
  pg_store *w = PG(s);
  if (w->spec == NULL || w->readonly) {
    l6_fail(err, L6_E_STORE, "this connection opens no readers");
    return NULL;
  }
  pg_store *q = calloc(1, sizeof *q);
  if (q == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  q->base.ops = &pg_ops;
  q->readonly = true;
  memcpy(q->shown, w->shown, sizeof q->shown);
  const char *keys[] = {"dbname", "fallback_application_name", NULL};
  const char *vals[] = {w->spec, "ledger6-reader", NULL};
  q->conn = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(q->conn) != CONNECTION_OK) {
    char msg[200];
    conn_message(q->conn, msg, sizeof msg);
    l6_fail(err, L6_E_STORE, "cannot open a reader of %s: %s", q->shown, msg);
    pg_close(&q->base);
    return NULL;
  }
  q->ready = true;
  if (pg_session(q, err) != L6_E_OK) {
    pg_close(&q->base);
    return NULL;
  }
  q->session_ok = true;
  return &q->base;
}

/* ---- databases, for tests and tooling -------------------------------- */

/* Writes base_spec with its database replaced by name to out. */
static bool spec_with_db(const char *base, const char *name, char *out, size_t cap) {
  const char *p = strstr(base, "://");
  if (p == NULL) return false;
  p += 3;
  size_t auth = strcspn(p, "/?");
  const char *rest = p + auth;
  const char *query = strchr(rest, '?');
  int n = snprintf(out, cap, "%.*s/%s%s", (int)(rest - base), base, name, query ? query : "");
  return n > 0 && (size_t)n < cap;
}

static bool db_name_ok(const char *name) {
  size_t n = strlen(name);
  if (n == 0 || n > 63) return false;
  for (size_t i = 0; i < n; i++)
    if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') || name[i] == '_')) return false;
  return true;
}

/* Connects to base_spec and runs one statement. */
static l6_err admin_exec(const char *base_spec, const char *sql, l6_error *err) {
  const char *keys[] = {"dbname", "fallback_application_name", NULL};
  const char *vals[] = {base_spec, "ledger6-admin", NULL};
  PGconn *c = PQconnectdbParams(keys, vals, 1);
  char shown[L6_STORE_SPEC_MAX + 1];
  store_spec_redact(base_spec, shown, sizeof shown);
  if (PQstatus(c) != CONNECTION_OK) {
    char msg[200];
    conn_message(c, msg, sizeof msg);
    PQfinish(c);
    return l6_fail(err, L6_E_STORE, "cannot connect to %s: %s", shown, msg);
  }
  PQsetNoticeProcessor(c, pg_notice, NULL);
  PGresult *r = PQexec(c, sql);
  l6_err e = L6_E_OK;
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    e = l6_fail(err, state && strcmp(state, "42P04") == 0 ? L6_E_ALREADY_EXISTS : L6_E_STORE, "store: %s",
                msg ? msg : "failed");
  }
  PQclear(r);
  PQfinish(c);
  return e;
}

l6_err store_pg_create_db(const char *base_spec, const char *name, char *out, size_t cap, l6_error *err) {
  if (!store_spec_is_pg(base_spec)) return l6_fail(err, L6_E_INVALID_VALUE, "not a PostgreSQL store spec");
  if (!db_name_ok(name)) return l6_fail(err, L6_E_INVALID_VALUE, "database name must be 1-63 of [a-z0-9_]");
  if (!spec_with_db(base_spec, name, out, cap)) return l6_fail(err, L6_E_INVALID_VALUE, "store spec is too long");
  char sql[160];
  /* template0 with UTF8 and the C locale works on any cluster, whatever
   * its own locale; the store compares text bytewise in any case. */
  snprintf(sql, sizeof sql, "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
           name);
  return admin_exec(base_spec, sql, err);
}

l6_err store_pg_drop_db(const char *base_spec, const char *name, l6_error *err) {
  if (!store_spec_is_pg(base_spec)) return l6_fail(err, L6_E_INVALID_VALUE, "not a PostgreSQL store spec");
  if (!db_name_ok(name)) return l6_fail(err, L6_E_INVALID_VALUE, "database name must be 1-63 of [a-z0-9_]");
  char sql[128];
  snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
  return admin_exec(base_spec, sql, err);
}

l6_err store_pg_initialised(const char *spec, bool *out, l6_error *err) {
  *out = false;
  PGconn *c = PQconnectdb(spec);
  if (PQstatus(c) != CONNECTION_OK) {
    char msg[200], shown[L6_STORE_SPEC_MAX + 1];
    conn_message(c, msg, sizeof msg);
    PQfinish(c);
    return l6_fail(err, L6_E_STORE, "store: cannot reach PostgreSQL at %s: %s",
                   store_spec_redact(spec, shown, sizeof shown), msg);
  }
  PGresult *r = PQexec(c, "SELECT to_regclass('meta') IS NOT NULL");
  l6_err e = L6_E_OK;
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) *out = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
  else e = l6_fail(err, L6_E_STORE, "store: %s", PQerrorMessage(c));
  PQclear(r);
  PQfinish(c);
  return e;
}
