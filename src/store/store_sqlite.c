/*
 * store_sqlite.c -- the embedded store: SQLite in WAL mode, synchronous
 * FULL (a commit is on disk before it is acknowledged), foreign keys on,
 * every statement prepared once and cached. One connection per store; the
 * service layer serialises access to it. Statements both engines share are
 * in store_sql.h, row decoders in store_rows.c; an op binds its arguments
 * and runs its statement with q_write / q_one / q_each.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "schema.h"
#include "store.h"
#include "store_common.h"
#include "store_rows.h"
#include "store_sql.h"


/* Every statement, by id. The id indexes the cache. */
#define SQL_MAP(XX) \
  XX(ORG_PUT, "INSERT INTO organisations(registry, name) VALUES(?1, ?2)") \
  XX(ORG_LIST, "SELECT id, registry, name FROM organisations WHERE (?1 = 0 OR id = ?1) ORDER BY id") \
  XX(ACC_PUT, "INSERT INTO accounts(registry, org, type, status, name) VALUES(?1, ?2, ?3, ?4, ?5)") \
  XX(ACC_LIST, "SELECT id, registry, org, type, status, name FROM accounts" \
               " WHERE (?1 = 0 OR org = ?1) AND id > ?2 ORDER BY id LIMIT ?3") \
  XX(PROJ_LIST, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start," \
                " crediting_end, status FROM projects WHERE (?1 = '' OR programme = ?1)" \
                " AND (?2 = '' OR host = ?2) AND (?3 = '' OR status = ?3) AND id > ?4" \
                " ORDER BY id LIMIT ?5") \
  XX(PROJ_LIST_HS, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE host = ?2 AND status = ?3 AND (?1 = '' OR programme = ?1) AND (?2 = '' OR host = ?2) AND (?3 = '' OR status = ?3) AND id > ?4 ORDER BY id LIMIT ?5") \
  XX(PROJ_LIST_HOST, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE host = ?2 AND (?1 = '' OR programme = ?1) AND (?2 = '' OR host = ?2) AND (?3 = '' OR status = ?3) AND id > ?4 ORDER BY id LIMIT ?5") \
  XX(PROJ_LIST_STATUS, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE status = ?3 AND (?1 = '' OR programme = ?1) AND (?2 = '' OR host = ?2) AND (?3 = '' OR status = ?3) AND id > ?4 ORDER BY id LIMIT ?5") \
  XX(PROJ_LIST_PROG, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start, crediting_end, status FROM projects" " WHERE programme = ?1 AND (?1 = '' OR programme = ?1) AND (?2 = '' OR host = ?2) AND (?3 = '' OR status = ?3) AND id > ?4 ORDER BY id LIMIT ?5") \
  XX(BATCH_PUT, "INSERT INTO batches(project, unit_type, registry, vintage, serial_start," \
                " quantity, tx, production_start, production_end)" \
                " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") \
  XX(BATCH_LIST, "SELECT id, project, unit_type, registry, vintage, serial_start, quantity, tx," \
                 " production_start, production_end" \
                 " FROM batches WHERE (?1 = '' OR project = ?1) AND id > ?2 ORDER BY id LIMIT ?3") \
  XX(BLK_INS, "INSERT INTO blocks(batch, account, first, last, vintage)" \
              " VALUES(?1, ?2, ?3, ?4, (SELECT vintage FROM batches WHERE id = ?1))") \
  XX(BLK_PICK, "SELECT b.id, b.batch, b.account, b.first, b.last, b.vintage" \
               " FROM blocks b INDEXED BY blocks_pick WHERE b.account = ?1" \
               " AND (?4 = 0 OR b.vintage = ?4) AND EXISTS(SELECT 1 FROM batches ba" \
               "  WHERE ba.id = b.batch AND (?2 = '' OR ba.unit_type = ?2)" \
               "  AND (?3 = '' OR ba.project = ?3))" \
               " ORDER BY b.vintage, b.batch, b.first LIMIT ?5") \
  XX(BLK_OF_ACC, "SELECT id, batch, account, first, last, vintage FROM blocks INDEXED BY" \
                 " blocks_account WHERE account = ?1 AND id > ?2 ORDER BY id LIMIT ?3") \
  XX(ACC_TOTAL, "SELECT COALESCE(SUM(b.last - b.first + 1), 0) FROM blocks b" \
                " JOIN batches ba ON ba.id = b.batch WHERE b.account = ?1" \
                " AND (?2 = '' OR ba.unit_type = ?2) AND (?3 = '' OR ba.project = ?3)" \
                " AND (?4 = 0 OR ba.vintage = ?4)") \
  XX(TX_PUT, "INSERT INTO transactions(kind, ts, actor, from_account, to_account, quantity," \
             " beneficiary, purpose, claim, reporting_year) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)") \
  XX(TX_LIST, "SELECT t.id, t.kind, t.ts, t.actor, t.from_account, t.to_account, t.quantity," \
              " t.beneficiary, t.purpose, t.claim, t.reporting_year FROM transactions t" \
              " WHERE t.id > ?1 AND (?2 = 0 OR t.from_account = ?2 OR t.to_account = ?2)" \
              " AND (?3 = '' OR t.kind = ?3)" \
              " AND (?4 = 0 OR EXISTS(SELECT 1 FROM tx_lines l WHERE l.tx = t.id AND l.batch = ?4))" \
              /* a project's: its batches' lines, read once (batches_project, \
               * tx_lines_hist), not a lookup per transaction (issue 21) */ \
              " AND (?5 = '' OR t.id IN (SELECT l.tx FROM batches ba JOIN tx_lines l ON l.batch = ba.id" \
              "      WHERE ba.project = ?5))" \
              " AND (?6 = 0 OR EXISTS(SELECT 1 FROM accounts a WHERE a.org = ?6" \
              "      AND (a.id = t.from_account OR a.id = t.to_account)))" \
              " ORDER BY t.id LIMIT ?7") \
  XX(LINE_OF_TX, "SELECT tx, batch, first, last, from_account, to_account FROM tx_lines" \
                 " WHERE tx = ?1 ORDER BY rowid") \
  XX(LINE_HIST, L6_LINE_HIST_SQL("?1", "?2")) \
  XX(TOK_PUT, "INSERT INTO tokens(hash, role, org, label, created, expires) VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
  XX(TOK_LIST, "SELECT " TOK_COLS " FROM tokens WHERE (?1 = 0 OR id = ?1) AND id > ?2 ORDER BY id LIMIT ?3") \
  XX(LOG_SIZE, "SELECT MAX(COALESCE((SELECT MAX(idx) FROM log_leaves), -1)," \
              " COALESCE((SELECT MAX(idx) FROM log_letters), -1)) + 1")

/* The project cycle's statements (documents, accreditations, activities,
 * periods, step records). */
#define SQL_MAP_CYCLE(XX) \
  XX(ACT_LIST, "SELECT project, mechanism, org, registry, scope, state, rejected_step," \
               " transition_from, requested_on, ets_covered, replacement_due, issued, updated" \
               " FROM activities WHERE (?1 = '' OR mechanism = ?1) AND (?2 = '' OR state = ?2)" \
               " AND project > ?3 ORDER BY project LIMIT ?4") \
  XX(STEP_PUT, "INSERT INTO cycle_steps(project, period, step, decision, from_state, to_state," \
               " actor, role, ts, mechanism_hash, documents, detail)" \
               " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)")

/* Article 6.2 accounting's statements (NDCs, authorizations, ITMO ranges,
 * AEF actions). */
#define SQL_MAP_A6(XX) \
  XX(A6_AUTH_INS, "INSERT INTO a6_authorizations(party, approach, project, vintage_from, vintage_to," \
                  " quantity, assigned, purposes, ft_event, parties, entities, year_from, year_to," \
                  " in_scope, version, revoked, ts, letter_sha256) VALUES(?2,?3,?4,?5,?6,?7,?8,?9,?10,?11," \
                  "?12,?13,?14,?15,?16,?17,?18,?19)") \
  XX(A6_AUTH_LIST, "SELECT " A6_AUTH_COLS " FROM a6_authorizations WHERE (?1 = '' OR party = ?1)" \
                   " ORDER BY id") \
  XX(A6_ITMO_INS, "INSERT INTO a6_itmos(auth, approach, registry, host, batch, first, last, itmo_first," \
                  " vintage, ft_year, fate, user_party, use_year)" \
                  " VALUES(?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)") \
  XX(A6_ITMO_LIST, "SELECT " A6_ITMO_COLS " FROM a6_itmos WHERE (?1 = 0 OR auth = ?1)" \
                   " ORDER BY approach, registry, itmo_first") \
  XX(A6_ACT_PUT, "INSERT INTO a6_actions(tx, type, party, auth, approach, registry, itmo_first," \
                 " itmo_last, first_id, last_id, quantity, vintage, from_party, to_party, purpose," \
                 " user_entity, year, ca, ts) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14," \
                 "?15,?16,?17,?18,?19)") \
  XX(A6_ACT_LIST, "SELECT " A6_ACT_COLS " FROM a6_actions WHERE (?1 = '' OR party = ?1) ORDER BY id") \
  XX(NMA_INS, "INSERT INTO nma_records(kind, party, status, body) VALUES(?2, ?3, ?4, ?5)") \
  XX(NMA_LIST, "SELECT id, kind, party, status, body FROM nma_records WHERE kind = ?1" \
               " AND (?2 = '' OR party = ?2) ORDER BY id") \
  XX(MREC_INS, "INSERT INTO mech_records(kind, ref, state, body) VALUES(?2, ?3, ?4, ?5)") \
  XX(MREC_LIST, "SELECT id, kind, ref, state, body FROM mech_records WHERE kind = ?1" \
                " AND (?2 = '' OR ref = ?2) ORDER BY id") \
  XX(AREC_UPD, "UPDATE activity_records SET body = ?6 WHERE project = ?1 AND kind = ?2 AND id = ?3") \
  XX(AREC_LIST, "SELECT project, kind, id, period, ref, body FROM activity_records" \
                " WHERE project = ?1 AND kind = ?2 AND (?3 < 0 OR period = ?3) ORDER BY id")

#define SQL_MAP_LINK(XX) \
  XX(LINK_DUE, "SELECT kind, key, state, due_ms, body FROM link_records WHERE kind = ?1 AND state = ?2" \
               " AND (?3 < 0 OR due_ms <= ?3) ORDER BY due_ms, key")

#define SQL_MAP_APPROACH(XX)

#define SQL_MAP_ETS(XX) \
  XX(ETS_LIST, "SELECT kind, key, body FROM ets_records WHERE kind = ?1" \
               " AND substr(key, 1, length(?2)) = ?2 ORDER BY key") \
  XX(ETS_HIST_ADD, "INSERT INTO ets_history(kind, key, actor, ts, body) VALUES(?1, ?2, ?3, ?4, ?5)")

#define SQL_MAP_EX(XX) \
  XX(BLABEL_PUT, "INSERT INTO crit_batch_labels(batch, label, actor, ts, reference) VALUES(?1,?2,?3,?4,?5)") \
  XX(EX_CASH_LIST, "SELECT org, currency, balance, reserved FROM ex_cash WHERE (?1 < 0 OR org = ?1) ORDER BY org," " currency") \
  XX(EX_JOUR_PUT, "INSERT INTO ex_journal(org, currency, kind, amount, ref, ts) VALUES(?1,?2,?3,?4,?5,?6)") \
  XX(EX_JOUR_LIST, "SELECT id, org, currency, kind, amount, ref, ts FROM ex_journal WHERE (?1 < 0 OR org = ?1)" " ORDER BY id") \
  XX(EX_ORDER_LIST, "SELECT id, instrument, seq, org, account, side, type, tif, post_only, price, qty, remaining," " reserved, status, day, ts, counterparty FROM ex_orders WHERE (?1 = '' OR instrument = ?1) AND" " (?2 = 0 OR org = ?2) AND (?3 = 0 OR status = 'open') ORDER BY seq") \
  XX(EX_TRADE_PUT, "INSERT INTO ex_trades(instrument, price, qty, buy_order, sell_order, buyer, seller," " taker_side, buyer_fee, seller_fee, day, ts, tx) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)") \
  XX(EX_TRADE_LIST_ASC, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE instrument = ?1 AND (?2 = '' OR day = ?2)" " ORDER BY id ASC LIMIT ?3") \
  XX(EX_TRADE_LIST_DESC, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE instrument = ?1 AND (?2 = '' OR day = ?2)" " ORDER BY id DESC LIMIT ?3")

/* People (issue 15): users, web sessions, token owners. */
#define SQL_MAP_PEOPLE(XX) \
  XX(USER_PUT, "INSERT INTO users(email, name, role, org, pwhash, totp_secret, totp_step, disabled, created)" \
               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")

/* Email notices (issue 22, service/notice.c). */
#define SQL_MAP_NOTICE(XX) \
  XX(NOTICE_ADD, "INSERT INTO notices(user_id, key, email, subject, body, state, attempts, created_ms, due_ms," \
                 " sent_ms, last_error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)" \
                 " ON CONFLICT(user_id, key) DO NOTHING") \
  XX(NOTICE_DUE, "SELECT " NOTICE_COLS " FROM notices WHERE state = 'queued' AND due_ms <= ?1" \
                 " ORDER BY due_ms, id LIMIT ?2") \
  XX(NOTICE_LIST, "SELECT " NOTICE_COLS " FROM notices WHERE (?1 = 0 OR user_id = ?1) ORDER BY id LIMIT ?2")

/* Four eyes, trusted accounts, delays (issue 15, proposal.c). */
#define SQL_MAP_PROP(XX) \
  XX(PROP_PUT, "INSERT INTO proposals(" PROP_COLS ") VALUES(NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12," \
               " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)") \
  XX(PROP_LIST, "SELECT " PROP_COLS " FROM proposals WHERE (?1 = '' OR state = ?1) AND (?2 = 0 OR org = ?2)" \
                " AND (?3 = 0 OR from_account = ?3 OR to_account = ?3)" \
                " AND (?4 = 0 OR (state = 'pending' AND expires_ms <= ?4)" \
                "  OR (state = 'delayed' AND executes_ms <= ?4)) AND id > ?5 ORDER BY id LIMIT ?6")

#define SQL_MAP_ORIGIN(XX) \
  XX(ORIGIN_PUT, "INSERT INTO origin_blocks(origin, prefix, first, last, text, batch, serial_first, project," \
                 " vintage_start, vintage_end) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") \
  XX(ORIGIN_AT, "SELECT " ORIGIN_COLS " FROM origin_blocks WHERE origin = ?1 AND prefix = ?2 AND first <= ?4" \
                " ORDER BY first DESC LIMIT 1")

/* Open data (issue 17): trades by id across instruments, and the totals of
 * GET /v1/stats grouped in SQL (store.h ops->stats). */
#define SQL_MAP_OPEN(XX) \
  XX(EX_TRADE_PAGE, "SELECT id, instrument, price, qty, buy_order, sell_order, buyer, seller, taker_side," \
     " buyer_fee, seller_fee, day, ts, tx FROM ex_trades WHERE id > ?1 ORDER BY id LIMIT ?2") \
  XX(STATS_VINTAGE, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT CAST(b.vintage AS TEXT) AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > ?3 LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)" " UNION ALL SELECT CAST(b.vintage AS TEXT), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)) u GROUP BY k ORDER BY k") \
  XX(STATS_HOST, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT p.host AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > ?3 LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)" " UNION ALL SELECT p.host, 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)) u GROUP BY k ORDER BY k") \
  XX(STATS_PROGRAMME, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT p.programme AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > ?3 LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)" " UNION ALL SELECT p.programme, 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)) u GROUP BY k ORDER BY k") \
  XX(STATS_YEAR, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (" " SELECT SUBSTR(COALESCE(o.effective, t.ts), 1, 4) AS k, b.quantity AS iss, 0 AS ret FROM batches b JOIN projects p ON p.id = b.project" " JOIN transactions t ON t.id = b.tx AND b.tx > ?3 LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)" " UNION ALL SELECT SUBSTR(COALESCE(o.effective, t.ts), 1, 4), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)) u GROUP BY k ORDER BY k") \
  XX(STATS_RYEAR, "SELECT CAST(t.reporting_year AS TEXT), 0, CAST(SUM(l.last - l.first + 1) AS BIGINT) FROM tx_lines l JOIN transactions t ON t.id = l.tx" " AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2) GROUP BY t.reporting_year ORDER BY t.reporting_year") \
  XX(STATS_COUNTS, "SELECT 'all', (SELECT COUNT(*) FROM batches b JOIN projects p ON p.id = b.project WHERE b.tx > ?3 AND (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2))," " (SELECT COUNT(DISTINCT l.tx) FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > ?3" " JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2))") \
  XX(STATS_CELLS, "SELECT k, CAST(SUM(iss) AS BIGINT), CAST(SUM(ret) AS BIGINT) FROM (SELECT p.host || ' ' || p.programme || ' ' || CAST(b.vintage AS TEXT) || ' ' || SUBSTR(COALESCE(o.effective, t.ts), 1, 4) AS k, b.quantity AS iss, 0 AS ret" " FROM batches b JOIN projects p ON p.id = b.project JOIN transactions t ON t.id = b.tx AND b.tx > ?3 LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)" " UNION ALL SELECT p.host || ' ' || p.programme || ' ' || CAST(b.vintage AS TEXT) || ' ' || SUBSTR(COALESCE(o.effective, t.ts), 1, 4), 0, l.last - l.first + 1 FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project LEFT JOIN tx_origin o ON o.tx = t.id WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2)) u GROUP BY k") \
  XX(STATS_RCELLS, "SELECT p.host || ' ' || p.programme || ' ' || CAST(t.reporting_year AS TEXT), 0, CAST(SUM(l.last - l.first + 1) AS BIGINT) FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project" " WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2) GROUP BY p.host, p.programme, t.reporting_year") \
  XX(STATS_BCOUNT, "SELECT p.host || ' ' || p.programme, COUNT(*), 0 FROM batches b JOIN projects p ON p.id = b.project WHERE b.tx > ?3 AND (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2) GROUP BY p.host, p.programme") \
  XX(STATS_RTX, "SELECT DISTINCT CAST(l.tx AS TEXT) || ' ' || p.host || ' ' || p.programme, l.tx, 0 FROM tx_lines l JOIN transactions t ON t.id = l.tx AND t.kind = 'retirement' AND t.id > ?3 JOIN batches b ON b.id = l.batch JOIN projects p ON p.id = b.project WHERE (?1 = '' OR p.host = ?1) AND (?2 = '' OR p.programme = ?2) ORDER BY l.tx") \
  XX(STATS_PROJECTS, "SELECT status || ' ' || host || ' ' || programme, COUNT(*), 0 FROM projects WHERE (?1 = '' OR host = ?1) AND (?2 = '' OR programme = ?2) GROUP BY status, host, programme")

enum {
#define XX(id, sql) Q_##id,
  STORE_SQL_SHARED(XX) SQL_MAP(XX) SQL_MAP_CYCLE(XX) SQL_MAP_A6(XX) SQL_MAP_ETS(XX) SQL_MAP_LINK(XX) SQL_MAP_APPROACH(XX) SQL_MAP_EX(XX) SQL_MAP_PEOPLE(XX) SQL_MAP_NOTICE(XX) SQL_MAP_PROP(XX) SQL_MAP_ORIGIN(XX) SQL_MAP_OPEN(XX)
#undef XX
      Q__COUNT
};

static const char *const sql_text[Q__COUNT] = {
#define XX(id, sql) [Q_##id] = sql,
    STORE_SQL_SHARED(XX) SQL_MAP(XX) SQL_MAP_CYCLE(XX) SQL_MAP_A6(XX) SQL_MAP_ETS(XX) SQL_MAP_LINK(XX) SQL_MAP_APPROACH(XX) SQL_MAP_EX(XX) SQL_MAP_PEOPLE(XX) SQL_MAP_NOTICE(XX) SQL_MAP_PROP(XX) SQL_MAP_ORIGIN(XX) SQL_MAP_OPEN(XX)
#undef XX
};

typedef struct {
  char name[L6_LEASE_NAME_MAX + 1]; /* "" when the slot is free */
  int fd;                           /* the flock'ed lease file, -1 for an in-memory store */
} sq_lease;

/* Transaction control, prepared once (on first use) instead of parsed by
 * sqlite3_exec at every BEGIN, SAVEPOINT and COMMIT: a group commit runs
 * two of them per request (issue 16, target 4). Every savepoint has the
 * same name: ROLLBACK TO and RELEASE act on the innermost one of that
 * name, which is always the one the nesting depth means. */
enum { TXC_BEGIN, TXC_BEGIN_IMMEDIATE, TXC_COMMIT, TXC_SAVEPOINT, TXC_RELEASE, TXC_ROLLBACK_TO, TXC_ROLLBACK, TXC__COUNT };
static const char *const txc_sql[TXC__COUNT] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "SAVEPOINT sp",
                                                "RELEASE sp", "ROLLBACK TO sp", "ROLLBACK"};

typedef struct {
  l6_store base;
  sqlite3 *db;
  sqlite3_stmt *stmt[Q__COUNT];
  sqlite3_stmt *txc[TXC__COUNT]; /* NULL until first used */
  int depth;      /* open transaction nesting: 0 none, 1 BEGIN, >1 savepoints */
  int fail_after; /* fault injection countdown; 0 off */
  int fail_commit; /* fault injection: the nth top-level COMMIT fails; 0 off */
  bool broken;    /* a savepoint could not be rolled back: the transaction only rolls back */
  bool readonly;  /* a reader (sq_reader): BEGIN takes a snapshot, never the write lock */
  sq_lease lease[L6_MAX_LEASES]; /* leases this store holds */
  char *path;     /* the database file (malloc'd), NULL for an in-memory store */
  dev_t dev;      /* the file opened: schema_version checks it is still at path */
  ino_t ino;
  int bulk_saved; /* a bulk session's cache_size to restore (PRAGMA's units); 0 when none is open */
} sq_store;

static sq_store *SQ(l6_store *s) { return (sq_store *)s; }

/* Maps the last SQLite error to an l6 error with its message. */
static l6_err sq_fail(sq_store *q, int rc, l6_error *err) {
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
    return l6_fail(err, L6_E_ALREADY_EXISTS, "%s", sqlite3_errmsg(q->db));
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return l6_fail(err, L6_E_BUSY, "%s", sqlite3_errmsg(q->db));
  return l6_fail(err, L6_E_STORE, "store: %s", sqlite3_errmsg(q->db));
}

/* The cached, reset statement for id. Statements are prepared at open. */
static sqlite3_stmt *st(sq_store *q, int id) {
  if (q->base.tx_only && q->depth == 0) store__outside_tx(id);
  sqlite3_stmt *s = q->stmt[id];
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  return s;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v) { sqlite3_bind_text(s, i, v ? v : "", -1, SQLITE_STATIC); }
static void bind_id_or_null(sqlite3_stmt *s, int i, l6_id v) {
  if (v > 0) sqlite3_bind_int64(s, i, v);
  else sqlite3_bind_null(s, i);
}
static void col_text(sqlite3_stmt *s, int i, char *dst, size_t cap) {
  const unsigned char *t = sqlite3_column_text(s, i);
  snprintf(dst, cap, "%s", t ? (const char *)t : "");
}

/* Runs a write statement to completion, honouring fault injection. */
static l6_err run_write(sq_store *q, sqlite3_stmt *s, l6_error *err) {
  if (q->fail_after > 0 && --q->fail_after == 0) {
    sqlite3_reset(s);
    return l6_fail(err, L6_E_STORE, "store: injected fault");
  }
  int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(q->db);
    sqlite3_reset(s);
    return sq_fail(q, ext, err);
  }
  sqlite3_reset(s);
  return L6_E_OK;
}

/* Steps a single-row query: OK with the row current, or `absent`. */
static l6_err run_one(sq_store *q, sqlite3_stmt *s, l6_err absent, l6_error *err) {
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return L6_E_OK;
  if (rc == SQLITE_DONE) {
    sqlite3_reset(s);
    return l6_fail(err, absent, NULL);
  }
  int ext = sqlite3_extended_errcode(q->db);
  sqlite3_reset(s);
  return sq_fail(q, ext, err);
}

typedef void (*row_fn)(sqlite3_stmt *s, void *out);

/* Steps a multi-row query, decoding each row into buf and calling each. */
static l6_err run_each(sq_store *q, sqlite3_stmt *s, row_fn decode, void *buf, l6_each_fn each, void *ctx,
                       l6_error *err) {
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    decode(s, buf);
    if (each(ctx, buf) != 0) {
      sqlite3_reset(s);
      return L6_E_OK;
    }
  }
  if (rc != SQLITE_DONE) {
    int ext = sqlite3_extended_errcode(q->db);
    sqlite3_reset(s);
    return sq_fail(q, ext, err);
  }
  sqlite3_reset(s);
  return L6_E_OK;
}

/* Table-driven statements: the arguments of statement id, in parameter
 * order (?1, ?2, ...), as a compound-literal array: A_T text (NULL binds
 * ''), A_I integer, A_N id or NULL (0 and below bind NULL). q_write,
 * q_one and q_each bind them, then run the statement as run_write,
 * run_one (decoding the row into out) and run_each do. */
typedef struct {
  char kind; /* 't', 'i' or 'n' */
  int64_t i;
  const char *t;
} sq_arg;
#define A_T(v) ((sq_arg){'t', 0, (v)})
#define A_I(v) ((sq_arg){'i', (v), NULL})
#define A_N(v) ((sq_arg){'n', (v), NULL})
#define ARGS(...) (const sq_arg[]){__VA_ARGS__}, (int)(sizeof((const sq_arg[]){__VA_ARGS__}) / sizeof(sq_arg))

/* Binds a[0..n) as parameters first, first + 1, ... */
static void bind_args(sqlite3_stmt *s, int first, const sq_arg *a, int n) {
  for (int k = 0; k < n; k++) {
    if (a[k].kind == 't') bind_text(s, first + k, a[k].t);
    else if (a[k].kind == 'n') bind_id_or_null(s, first + k, a[k].i);
    else sqlite3_bind_int64(s, first + k, a[k].i);
  }
}
static sqlite3_stmt *st_args(sq_store *q, int id, const sq_arg *a, int n) {
  sqlite3_stmt *s = st(q, id);
  bind_args(s, 1, a, n);
  return s;
}
static l6_err q_write(sq_store *q, int id, const sq_arg *a, int n, l6_error *err) {
  return run_write(q, st_args(q, id, a, n), err);
}
static l6_err q_one(sq_store *q, int id, const sq_arg *a, int n, row_fn dec, void *out, l6_err absent, l6_error *err) {
  sqlite3_stmt *s = st_args(q, id, a, n);
  l6_err e = run_one(q, s, absent, err);
  if (e != L6_E_OK) return e;
  dec(s, out);
  sqlite3_reset(s);
  return L6_E_OK;
}
static l6_err q_each(sq_store *q, int id, const sq_arg *a, int n, row_fn decode, void *buf, l6_each_fn each, void *ctx,
                     l6_error *err) {
  return run_each(q, st_args(q, id, a, n), decode, buf, each, ctx, err);
}
/* q_each with a row buffer of `size` bytes off the stack (large records). */
static l6_err q_each_heap(sq_store *q, int id, const sq_arg *a, int n, row_fn decode, size_t size, l6_each_fn each,
                          void *ctx, l6_error *err) {
  void *buf = malloc(size);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(q, st_args(q, id, a, n), decode, buf, each, ctx, err);
  free(buf);
  return e;
}
/* Saves a record by id: *id 0 inserts with statement ins (its parameters
 * are ?2, ?3, ...) and sets *id to the new row's; otherwise updates with
 * statement upd (?1 = *id, then the same parameters). */
static l6_err q_save(sq_store *q, int upd, int ins, l6_id *id, const sq_arg *a, int n, l6_error *err) {
  bool insert = *id == 0;
  sqlite3_stmt *s = st(q, insert ? ins : upd);
  if (!insert) sqlite3_bind_int64(s, 1, *id);
  bind_args(s, 2, a, n);
  l6_err e = run_write(q, s, err);
  if (e == L6_E_OK && insert) *id = sqlite3_last_insert_rowid(q->db);
  return e;
}

static l6_err exec_sql(sq_store *q, const char *sql, l6_error *err) {
  char *msg = NULL;
  int rc = sqlite3_exec(q->db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) {
    l6_err e = (rc == SQLITE_BUSY) ? L6_E_BUSY : L6_E_STORE;
    l6_fail(err, e, "store: %s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return e;
  }
  return L6_E_OK;
}

/* ---- transactions ---------------------------------------------------- */

/* Runs transaction-control statement k (prepared on first use). */
static l6_err txc_run(sq_store *q, int k, l6_error *err) {
  if (q->txc[k] == NULL && sqlite3_prepare_v3(q->db, txc_sql[k], -1, SQLITE_PREPARE_PERSISTENT, &q->txc[k], NULL) != SQLITE_OK) {
    int rc = sqlite3_errcode(q->db);
    return l6_fail(err, rc == SQLITE_BUSY ? L6_E_BUSY : L6_E_STORE, "store: %s", sqlite3_errmsg(q->db));
  }
  int rc = sqlite3_step(q->txc[k]);
  sqlite3_reset(q->txc[k]);
  if (rc == SQLITE_DONE) return L6_E_OK;
  return l6_fail(err, (rc & 0xff) == SQLITE_BUSY ? L6_E_BUSY : L6_E_STORE, "store: %s", sqlite3_errmsg(q->db));
}

/* Savepoints serve the group commit (src/service/txgroup.c): requests
 * share one transaction, each in its own savepoint. If SQLite ends the
 * transaction by itself (it rolls back the whole transaction on some I/O
 * and memory errors) or a savepoint cannot be rolled back, the
 * transaction is "broken": a new savepoint is refused (in autocommit mode
 * it would start a transaction of its own, whose RELEASE commits it) and
 * so is the commit, which rolls everything back instead. */
static bool sq_lost(sq_store *q) { return q->depth > 0 && sqlite3_get_autocommit(q->db); }

static l6_err sq_begin(l6_store *s, l6_error *err) {
  sq_store *q = SQ(s);
  if (q->depth > 0 && (q->broken || sq_lost(q))) {
    q->broken = true;
    return l6_fail(err, L6_E_STORE, "store: the transaction was rolled back by an earlier failure");
  }
  l6_err e = txc_run(q, q->depth > 0 ? TXC_SAVEPOINT : q->readonly ? TXC_BEGIN : TXC_BEGIN_IMMEDIATE, err);
  if (e == L6_E_OK) {
    if (q->depth == 0) q->broken = false;
    q->depth++;
  }
  return e;
}

static l6_err sq_commit(l6_store *s, l6_error *err) {
  sq_store *q = SQ(s);
  assert(q->depth > 0);
  if (q->broken || sq_lost(q)) {
    q->broken = true;
    return l6_fail(err, L6_E_STORE, "store: the transaction was rolled back by an earlier failure");
  }
  if (q->depth == 1 && q->fail_commit > 0 && --q->fail_commit == 0)
    return l6_fail(err, L6_E_STORE, "store: injected fault at commit");
  l6_err e = txc_run(q, q->depth == 1 ? TXC_COMMIT : TXC_RELEASE, err);
  if (e == L6_E_OK) q->depth--;
  return e;
}

static void sq_rollback(l6_store *s) {
  sq_store *q = SQ(s);
  assert(q->depth > 0);
  l6_error ignore = {0};
  if (q->depth == 1) {
    if (!sqlite3_get_autocommit(q->db)) (void)txc_run(q, TXC_ROLLBACK, &ignore);
    q->broken = false;
  } else if (q->broken || sq_lost(q) || txc_run(q, TXC_ROLLBACK_TO, &ignore) != L6_E_OK ||
             txc_run(q, TXC_RELEASE, &ignore) != L6_E_OK) {
    q->broken = true;
  }
  q->depth--;
}

/* ---- row decoders ---------------------------------------------------- */

/* The shared decoders (store_rows.c) read a stepped statement through
 * this reader; dec_<name> wraps store_dec_<name> for run_one/run_each. */
static const char *sq_row_text(const store_row *rw, int col) {
  return (const char *)sqlite3_column_text((sqlite3_stmt *)rw->res, col);
}
static size_t sq_row_len(const store_row *rw, int col) {
  return (size_t)sqlite3_column_bytes((sqlite3_stmt *)rw->res, col);
}
static int64_t sq_row_i64(const store_row *rw, int col) { return sqlite3_column_int64((sqlite3_stmt *)rw->res, col); }
static int sq_row_ncols(const store_row *rw) { return sqlite3_column_count((sqlite3_stmt *)rw->res); }
static const store_row_ops sq_row_ops = {sq_row_text, sq_row_len, sq_row_i64, sq_row_ncols};

#define SQ_DEC(name)                                                                                   \
  static void dec_##name(sqlite3_stmt *s, void *o) {                                                   \
    store_row rw = {&sq_row_ops, s, 0};                                                                \
    store_dec_##name(&rw, o);                                                                          \
  }
STORE_ROW_DECODERS(SQ_DEC)
#undef SQ_DEC

/* Single-row get: binds one key (text when key_text, else key_id). */
static l6_err get_row(sq_store *q, int id, const char *key_text, l6_id key_id, row_fn dec, void *out,
                      l6_err absent, l6_error *err) {
  sqlite3_stmt *s = st(q, id);
  if (key_text) bind_text(s, 1, key_text);
  else sqlite3_bind_int64(s, 1, key_id);
  l6_err e = run_one(q, s, absent, err);
  if (e != L6_E_OK) return e;
  dec(s, out);
  sqlite3_reset(s);
  return L6_E_OK;
}

/* ---- entities -------------------------------------------------------- */

static l6_err sq_party_put(l6_store *s, const l6_party *p, l6_error *err) {
  return q_write(SQ(s), Q_PARTY_PUT, ARGS(A_T(p->code), A_T(p->name)), err);
}
static l6_err sq_party_get(l6_store *s, const char *code, l6_party *out, l6_error *err) {
  return get_row(SQ(s), Q_PARTY_GET, code, 0, dec_party, out, L6_E_UNKNOWN_PARTY, err);
}
static l6_err sq_party_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_party buf;
  return run_each(SQ(s), st(SQ(s), Q_PARTY_LIST), dec_party, &buf, each, ctx, err);
}

static l6_err sq_registry_put(l6_store *s, const l6_registry *r, l6_error *err) {
  return q_write(SQ(s), Q_REG_PUT, ARGS(A_T(r->id), A_T(r->party), A_T(r->name)), err);
}
static l6_err sq_registry_get(l6_store *s, const char *id, l6_registry *out, l6_error *err) {
  return get_row(SQ(s), Q_REG_GET, id, 0, dec_registry, out, L6_E_UNKNOWN_REGISTRY, err);
}
static l6_err sq_registry_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_registry buf;
  return run_each(SQ(s), st(SQ(s), Q_REG_LIST), dec_registry, &buf, each, ctx, err);
}

static l6_err sq_org_put(l6_store *s, l6_org *o, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_ORG_PUT, ARGS(A_T(o->registry), A_T(o->name)), err);
  if (e == L6_E_OK) o->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}
static l6_err sq_org_get(l6_store *s, l6_id id, l6_org *out, l6_error *err) {
  return get_row(SQ(s), Q_ORG_GET, NULL, id, dec_org, out, L6_E_UNKNOWN_ORGANISATION, err);
}
static l6_err sq_org_list(l6_store *s, l6_id only, l6_each_fn each, void *ctx, l6_error *err) {
  l6_org buf;
  return q_each(SQ(s), Q_ORG_LIST, ARGS(A_I(only)), dec_org, &buf, each, ctx, err);
}

static l6_err sq_account_put(l6_store *s, l6_account *a, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_ACC_PUT, ARGS(A_T(a->registry), A_N(a->org), A_T(l6_account_type_str(a->type)),
                         A_T(l6_account_status_str(a->status)), A_T(a->name)), err);
  if (e == L6_E_OK) a->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}
static l6_err sq_account_get(l6_store *s, l6_id id, l6_account *out, l6_error *err) {
  return get_row(SQ(s), Q_ACC_GET, NULL, id, dec_account, out, L6_E_UNKNOWN_ACCOUNT, err);
}
static l6_err sq_account_set_status(l6_store *s, l6_id id, l6_account_status stt, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_ACC_STATUS, ARGS(A_I(id), A_T(l6_account_status_str(stt))), err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 0) return l6_fail(err, L6_E_UNKNOWN_ACCOUNT, NULL);
  return e;
}
static l6_err sq_account_of_registry(l6_store *s, const char *registry, l6_account_type ty, l6_account *out,
                                     l6_error *err) {
  return q_one(SQ(s), Q_ACC_OF_REG, ARGS(A_T(registry), A_T(l6_account_type_str(ty))), dec_account, out,
               L6_E_UNKNOWN_ACCOUNT, err);
}
static l6_err sq_account_list(l6_store *s, l6_id org, l6_id after, int limit, l6_each_fn each, void *ctx,
                              l6_error *err) {
  l6_account buf;
  return q_each(SQ(s), Q_ACC_LIST, ARGS(A_I(org), A_I(after), A_I(limit)), dec_account, &buf, each, ctx, err);
}

static l6_err sq_programme_put(l6_store *s, const l6_programme *p, l6_error *err) {
  return q_write(SQ(s), Q_PROG_PUT, ARGS(A_T(p->code), A_T(p->name), A_T(p->kind)), err);
}
static l6_err sq_programme_get(l6_store *s, const char *code, l6_programme *out, l6_error *err) {
  return get_row(SQ(s), Q_PROG_GET, code, 0, dec_programme, out, L6_E_UNKNOWN_PROGRAMME, err);
}
static l6_err sq_programme_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_programme buf;
  return run_each(SQ(s), st(SQ(s), Q_PROG_LIST), dec_programme, &buf, each, ctx, err);
}
static l6_err sq_unit_type_put(l6_store *s, const l6_unit_type *u, l6_error *err) {
  return q_write(SQ(s), Q_UT_PUT, ARGS(A_T(u->code), A_T(u->programme), A_T(u->name),
                     A_I(u->non_offsetting ? 1 : 0)), err);
}
static l6_err sq_unit_type_get(l6_store *s, const char *code, l6_unit_type *out, l6_error *err) {
  return get_row(SQ(s), Q_UT_GET, code, 0, dec_unit_type, out, L6_E_UNKNOWN_UNIT_TYPE, err);
}
static l6_err sq_unit_type_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_unit_type buf;
  return run_each(SQ(s), st(SQ(s), Q_UT_LIST), dec_unit_type, &buf, each, ctx, err);
}

static l6_err sq_project_put(l6_store *s, const l6_project *p, l6_error *err) {
  return q_write(SQ(s), Q_PROJ_PUT, ARGS(A_T(p->id), A_T(p->programme), A_T(p->host), A_T(p->title),
                     A_T(p->methodology), A_T(p->sector), A_T(p->kind), A_T(p->crediting_start),
                     A_T(p->crediting_end), A_T(p->status)), err);
}
static l6_err sq_project_get(l6_store *s, const char *id, l6_project *out, l6_error *err) {
  return get_row(SQ(s), Q_PROJ_GET, id, 0, dec_project, out, L6_E_UNKNOWN_PROJECT, err);
}
static l6_err sq_project_list(l6_store *s, const char *programme, const char *host, const char *status,
                              const char *after, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_project buf;
  sqlite3_stmt *t = st(SQ(s), store__proj_list_q(programme, host, status, Q_PROJ_LIST, Q_PROJ_LIST_HS, Q_PROJ_LIST_HOST,
                                                 Q_PROJ_LIST_STATUS, Q_PROJ_LIST_PROG));
  bind_text(t, 1, programme);
  bind_text(t, 2, host);
  bind_text(t, 3, status);
  bind_text(t, 4, after);
  sqlite3_bind_int(t, 5, limit);
  return run_each(SQ(s), t, dec_project, &buf, each, ctx, err);
}

static l6_err sq_batch_put(l6_store *s, l6_batch *b, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_BATCH_PUT, ARGS(A_T(b->project), A_T(b->unit_type), A_T(b->registry),
                         A_I(b->vintage), A_I(b->serial_start), A_I(b->quantity), A_I(b->tx),
                         A_T(b->production_start), A_T(b->production_end)), err);
  if (e == L6_E_OK) b->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}
static l6_err sq_batch_get(l6_store *s, l6_id id, l6_batch *out, l6_error *err) {
  return get_row(SQ(s), Q_BATCH_GET, NULL, id, dec_batch, out, L6_E_UNKNOWN_BATCH, err);
}
static l6_err sq_batch_list(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each,
                            void *ctx, l6_error *err) {
  l6_batch buf;
  return q_each(SQ(s), Q_BATCH_LIST, ARGS(A_T(project), A_I(after), A_I(limit)), dec_batch, &buf, each, ctx, err);
}

/* ---- blocks ---------------------------------------------------------- */

/* Reads the block of `batch` starting exactly at `first`; *found = false
 * when none. */
static l6_err block_at(sq_store *q, int qid, l6_id batch, int64_t first, l6_block *out, bool *found,
                       l6_error *err) {
  sqlite3_stmt *t = st(q, qid);
  sqlite3_bind_int64(t, 1, batch);
  sqlite3_bind_int64(t, 2, first);
  l6_err e = run_one(q, t, L6_E_UNKNOWN_SERIAL, err);
  *found = (e == L6_E_OK);
  if (e == L6_E_UNKNOWN_SERIAL) return L6_E_OK;
  if (e != L6_E_OK) return e;
  dec_block(t, out);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_block_add(l6_store *s, l6_id account, l6_id batch, int64_t first, int64_t last,
                           l6_error *err) {
  sq_store *q = SQ(s);
  assert(first >= 1 && last >= first);
  l6_block left, right;
  bool has_left, has_right;
  l6_err e = block_at(q, Q_BLK_LEFT, batch, first, &left, &has_left, err);
  if (e == L6_E_OK) e = block_at(q, Q_BLK_RIGHT, batch, first, &right, &has_right, err);
  if (e != L6_E_OK) return e;
  /* Overlap with a neighbour would break the partition: refuse loudly. */
  if ((has_left && left.last >= first) || (has_right && right.first <= last))
    return l6_fail(err, L6_E_INTERNAL, "block [%lld,%lld] of batch %lld overlaps an existing block",
                   (long long)first, (long long)last, (long long)batch);
  bool merge_left = has_left && left.account == account && left.last == first - 1;
  bool merge_right = has_right && right.account == account && right.first == last + 1;
  sqlite3_stmt *t;
  if (merge_left) {
    int64_t new_last = merge_right ? right.last : last;
    if (merge_right) {
      t = st(q, Q_BLK_DEL);
      sqlite3_bind_int64(t, 1, right.id);
      if ((e = run_write(q, t, err)) != L6_E_OK) return e;
    }
    t = st(q, Q_BLK_SET);
    sqlite3_bind_int64(t, 1, left.id);
    sqlite3_bind_int64(t, 2, left.first);
    sqlite3_bind_int64(t, 3, new_last);
    return run_write(q, t, err);
  }
  if (merge_right) {
    t = st(q, Q_BLK_SET);
    sqlite3_bind_int64(t, 1, right.id);
    sqlite3_bind_int64(t, 2, first);
    sqlite3_bind_int64(t, 3, right.last);
    return run_write(q, t, err);
  }
  t = st(q, Q_BLK_INS);
  sqlite3_bind_int64(t, 1, batch);
  sqlite3_bind_int64(t, 2, account);
  sqlite3_bind_int64(t, 3, first);
  sqlite3_bind_int64(t, 4, last);
  return run_write(q, t, err);
}

static l6_err sq_block_remove(l6_store *s, l6_id id, l6_error *err) {
  return q_write(SQ(s), Q_BLK_DEL, ARGS(A_I(id)), err);
}

static l6_err sq_block_find(l6_store *s, l6_id account, l6_id batch, int64_t serial, l6_block *out,
                            l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_BLK_FIND);
  sqlite3_bind_int64(t, 1, batch);
  sqlite3_bind_int64(t, 2, serial);
  l6_err e = run_one(SQ(s), t, L6_E_UNKNOWN_SERIAL, err);
  if (e != L6_E_OK) return e;
  dec_block(t, out);
  sqlite3_reset(t);
  if (out->last < serial || (account != 0 && out->account != account))
    return l6_fail(err, L6_E_UNKNOWN_SERIAL, NULL);
  return L6_E_OK;
}

static void bind_pick(sqlite3_stmt *t, const l6_pick_filter *f) {
  sqlite3_bind_int64(t, 1, f->account);
  bind_text(t, 2, f->unit_type);
  bind_text(t, 3, f->project);
  sqlite3_bind_int(t, 4, f->vintage);
}

static l6_err sq_block_pick(l6_store *s, const l6_pick_filter *f, int limit, l6_each_fn each, void *ctx,
                            l6_error *err) {
  l6_block buf;
  sqlite3_stmt *t = st(SQ(s), Q_BLK_PICK);
  bind_pick(t, f);
  sqlite3_bind_int(t, 5, limit);
  return run_each(SQ(s), t, dec_block, &buf, each, ctx, err);
}

static l6_err sq_blocks_of_account(l6_store *s, l6_id account, l6_id after, int limit, l6_each_fn each,
                                   void *ctx, l6_error *err) {
  l6_block buf;
  return q_each(SQ(s), Q_BLK_OF_ACC, ARGS(A_I(account), A_I(after), A_I(limit)), dec_block, &buf, each, ctx, err);
}

static l6_err sq_blocks_of_batch(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_block buf;
  return q_each(SQ(s), Q_BLK_OF_BATCH, ARGS(A_I(batch)), dec_block, &buf, each, ctx, err);
}

static l6_err sq_account_total(l6_store *s, const l6_pick_filter *f, l6_qty *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_ACC_TOTAL);
  bind_pick(t, f);
  l6_err e = run_one(SQ(s), t, L6_E_INTERNAL, err);
  if (e != L6_E_OK) return e;
  dec_total(t, out);
  sqlite3_reset(t);
  return L6_E_OK;
}

/* ---- transactions (registry) ----------------------------------------- */

static l6_err sq_tx_put(l6_store *s, l6_tx *x, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_TX_PUT, ARGS(A_T(l6_tx_kind_str(x->kind)), A_T(x->ts), A_T(x->actor),
                         A_N(x->from_account), A_I(x->to_account), A_I(x->quantity), A_T(x->beneficiary),
                         A_T(x->purpose), A_T(x->claim), A_I(x->reporting_year)), err);
  if (e == L6_E_OK) x->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}
static l6_err sq_tx_get(l6_store *s, l6_id id, l6_tx *out, l6_error *err) {
  return get_row(SQ(s), Q_TX_GET, NULL, id, dec_tx, out, L6_E_UNKNOWN_TRANSACTION, err);
}
static l6_err sq_tx_line_put(l6_store *s, const l6_tx_line *l, l6_error *err) {
  return q_write(SQ(s), Q_LINE_PUT, ARGS(A_I(l->tx), A_I(l->batch), A_I(l->first), A_I(l->last),
                     A_N(l->from_account), A_I(l->to_account), A_I(l6_line_lvl(l->first, l->last))), err);
}
static l6_err sq_tx_list(l6_store *s, const l6_tx_filter *f, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx buf;
  return q_each(SQ(s), Q_TX_LIST, ARGS(A_I(f->after), A_I(f->account), A_T(f->kind ? l6_tx_kind_str(f->kind) : ""),
                    A_I(f->batch), A_T(f->project), A_I(f->org), A_I(f->limit)), dec_tx, &buf, each, ctx, err);
}
static l6_err sq_tx_lines(l6_store *s, l6_id tx, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx_line buf;
  return q_each(SQ(s), Q_LINE_OF_TX, ARGS(A_I(tx)), dec_line, &buf, each, ctx, err);
}
static l6_err sq_serial_history(l6_store *s, l6_id batch, int64_t serial, l6_each_fn each, void *ctx,
                                l6_error *err) {
  l6_tx_line buf;
  return q_each(SQ(s), Q_LINE_HIST, ARGS(A_I(batch), A_I(serial)), dec_line, &buf, each, ctx, err);
}

/* ---- idempotency and tokens ------------------------------------------ */

static l6_err sq_idem_get(l6_store *s, const char *key, char hash[65], int *status, char **body,
                          l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_IDEM_GET);
  bind_text(t, 1, key);
  l6_err e = run_one(SQ(s), t, L6_E_UNKNOWN_TRANSACTION, err);
  if (e != L6_E_OK) return e;
  col_text(t, 0, hash, 65);
  *status = sqlite3_column_int(t, 1);
  const char *b = (const char *)sqlite3_column_text(t, 2);
  *body = strdup(b ? b : "");
  sqlite3_reset(t);
  return *body ? L6_E_OK : l6_fail(err, L6_E_NOMEM, NULL);
}
static l6_err sq_idem_put(l6_store *s, const char *key, const char *hash, int status, const char *body,
                          l6_error *err) {
  return q_write(SQ(s), Q_IDEM_PUT, ARGS(A_T(key), A_T(hash), A_I(status), A_T(body)), err);
}
static l6_err sq_token_put(l6_store *s, l6_token *k, const char *hash_hex, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_TOK_PUT, ARGS(A_T(hash_hex), A_T(l6_role_str(k->role)), A_N(k->org), A_T(k->label),
                         A_I(k->created), A_I(k->expires)), err);
  if (e == L6_E_OK) k->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}
static l6_err sq_token_find(l6_store *s, const char *hash_hex, l6_token *out, l6_error *err) {
  return q_one(SQ(s), Q_TOK_FIND, ARGS(A_T(hash_hex)), dec_token, out, L6_E_UNAUTHORIZED, err);
}
static l6_err sq_token_get(l6_store *s, l6_id id, l6_token *out, l6_error *err) {
  return q_one(SQ(s), Q_TOK_GET, ARGS(A_I(id)), dec_token, out, L6_E_UNKNOWN_TOKEN, err);
}
static l6_err sq_token_list(l6_store *s, l6_id only, l6_id after, int limit, l6_each_fn each, void *ctx,
                            l6_error *err) {
  l6_token buf;
  return q_each(SQ(s), Q_TOK_LIST, ARGS(A_I(only), A_I(after), A_I(limit)), dec_token, &buf, each, ctx, err);
}
static l6_err sq_token_revoke(l6_store *s, l6_id id, int64_t at, l6_error *err) {
  return q_write(SQ(s), Q_TOK_REVOKE, ARGS(A_I(id), A_I(at)), err);
}
static l6_err sq_token_touch(l6_store *s, l6_id id, int64_t at, int64_t before, l6_error *err) {
  return q_write(SQ(s), Q_TOK_TOUCH, ARGS(A_I(id), A_I(at), A_I(before)), err);
}

/* ---- people: users, sessions, token owners ----------------------------- */


static l6_err sq_user_put(l6_store *s, l6_user *u, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_USER_PUT, ARGS(A_T(u->email), A_T(u->name), A_T(l6_role_str(u->role)), A_I(u->org),
                         A_T(u->pwhash), A_T(u->totp_secret), A_I(u->totp_step), A_I(u->disabled),
                         A_T(u->created)), err);
  if (e == L6_E_OK) u->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err user_one(l6_store *s, sqlite3_stmt *t, l6_user *out, l6_error *err) {
  l6_err e = run_one(SQ(s), t, L6_E_UNKNOWN_USER, err);
  if (e != L6_E_OK) return e;
  dec_user(t, out);
  sqlite3_reset(t);
  return L6_E_OK;
}
static l6_err sq_user_get(l6_store *s, l6_id id, l6_user *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_USER_GET);
  sqlite3_bind_int64(t, 1, id);
  return user_one(s, t, out, err);
}
static l6_err sq_user_by_email(l6_store *s, const char *email, l6_user *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_USER_BY_EMAIL);
  bind_text(t, 1, email);
  return user_one(s, t, out, err);
}
static l6_err sq_user_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_user *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(SQ(s), st(SQ(s), Q_USER_LIST), dec_user, buf, each, ctx, err);
  free(buf);
  return e;
}
static l6_err sq_user_set_disabled(l6_store *s, l6_id id, bool disabled, l6_error *err) {
  return q_write(SQ(s), Q_USER_DISABLE, ARGS(A_I(id), A_I(disabled)), err);
}
static l6_err sq_user_take_step(l6_store *s, l6_id id, int64_t step, bool *taken, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_USER_STEP, ARGS(A_I(id), A_I(step)), err);
  *taken = e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 1;
  return e;
}
/* ---- email notices (issue 22) -------------------------------------------- */


static l6_err sq_notice_add(l6_store *s, l6_notice *n, bool *added, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_NOTICE_ADD, ARGS(A_I(n->user), A_T(n->key), A_T(n->email), A_T(n->subject),
                         A_T(n->body), A_T(n->state), A_I(n->attempts), A_I(n->created_ms), A_I(n->due_ms),
                         A_I(n->sent_ms), A_T(n->last_error)), err);
  *added = e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 1;
  if (*added) n->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_notice_due(l6_store *s, int64_t due_before, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  return q_each_heap(SQ(s), Q_NOTICE_DUE, ARGS(A_I(due_before), A_I(limit)), dec_notice, sizeof(l6_notice), each, ctx,
                     err);
}

static l6_err sq_notice_update(l6_store *s, const l6_notice *n, l6_error *err) {
  return q_write(SQ(s), Q_NOTICE_UPD, ARGS(A_I(n->id), A_T(n->state), A_I(n->attempts), A_I(n->due_ms),
                     A_I(n->sent_ms), A_T(n->last_error)), err);
}

static l6_err sq_notice_list(l6_store *s, l6_id user, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  return q_each_heap(SQ(s), Q_NOTICE_LIST, ARGS(A_I(user), A_I(limit)), dec_notice, sizeof(l6_notice), each, ctx, err);
}

static l6_err sq_user_notify_get(l6_store *s, l6_id user, bool *on, l6_error *err) {
  return q_one(SQ(s), Q_USER_NOTIFY_GET, ARGS(A_I(user)), dec_flag, on, L6_E_UNKNOWN_USER, err);
}

static int read_int(void *ctx, int n, char **vals, char **names) {
  (void)names;
  if (n > 0 && vals[0]) *(int *)ctx = atoi(vals[0]);
  return 0;
}

/* A bulk session's page cache (store.h bulk_session): the default 2 MiB
 * cache is re-read from the file at every index probe once an import's
 * indexes outgrow it (about 10,000 rows); L6_BULK_CACHE_KIB keeps them. */
static l6_err sq_bulk_session(l6_store *s, bool on, l6_error *err) {
  sq_store *q = SQ(s);
  char sql[64];
  if (on) {
    if (q->bulk_saved != 0) return L6_E_OK; /* already on */
    int was = 0;
    char *msg = NULL;
    if (sqlite3_exec(q->db, "PRAGMA cache_size", read_int, &was, &msg) != SQLITE_OK) {
      l6_fail(err, L6_E_STORE, "store: %s", msg ? msg : "PRAGMA cache_size");
      sqlite3_free(msg);
      return L6_E_STORE;
    }
    if (was == 0) was = -2000; /* SQLite's default, 2,000 KiB */
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d", L6_BULK_CACHE_KIB);
    l6_err e = exec_sql(q, sql, err);
    if (e == L6_E_OK) q->bulk_saved = was;
    return e;
  }
  if (q->bulk_saved == 0) return L6_E_OK;
  snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", q->bulk_saved);
  q->bulk_saved = 0;
  return exec_sql(q, sql, err);
}

static l6_err sq_user_notify_set(l6_store *s, l6_id user, bool on, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_USER_NOTIFY_SET, ARGS(A_I(user), A_I(on)), err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) != 1) e = l6_fail(err, L6_E_UNKNOWN_USER, NULL);
  return e;
}

static l6_err sq_session_put(l6_store *s, const char *hash_hex, const l6_session *x, l6_error *err) {
  return q_write(SQ(s), Q_SESS_PUT, ARGS(A_T(hash_hex), A_I(x->user), A_T(x->csrf_hash), A_I(x->created_ms),
                     A_I(x->last_ms)), err);
}
static l6_err sq_session_get(l6_store *s, const char *hash_hex, l6_session *out, l6_error *err) {
  return q_one(SQ(s), Q_SESS_GET, ARGS(A_T(hash_hex)), dec_session, out, L6_E_SESSION_EXPIRED, err);
}
static l6_err sq_session_touch(l6_store *s, const char *hash_hex, int64_t last_ms, l6_error *err) {
  return q_write(SQ(s), Q_SESS_TOUCH, ARGS(A_T(hash_hex), A_I(last_ms)), err);
}
static l6_err sq_session_delete(l6_store *s, const char *hash_hex, l6_error *err) {
  return q_write(SQ(s), Q_SESS_DEL, ARGS(A_T(hash_hex)), err);
}
static l6_err sq_session_delete_user(l6_store *s, l6_id user, l6_error *err) {
  return q_write(SQ(s), Q_SESS_DEL_USER, ARGS(A_I(user)), err);
}
static l6_err sq_token_set_owner(l6_store *s, l6_id token, l6_id owner, l6_error *err) {
  return q_write(SQ(s), Q_TOK_OWNER, ARGS(A_I(token), A_I(owner)), err);
}

/* ---- leases ---------------------------------------------------------- */

/* A lease of a file store is an exclusive flock() on "<path>-lease-<name>"
 * next to the database: the kernel drops it when the holder closes the
 * store or dies, so another process can take it over. An in-memory store
 * is private to its connection, so its leases are always granted. */

static sq_lease *sq_lease_find(sq_store *q, const char *name) {
  for (int i = 0; i < L6_MAX_LEASES; i++)
    if (q->lease[i].name[0] && strcmp(q->lease[i].name, name) == 0) return &q->lease[i];
  return NULL;
}

static l6_err sq_lease_try(l6_store *s, const char *name, l6_error *err) {
  sq_store *q = SQ(s);
  if (!store_lease_name_ok(name))
    return l6_fail(err, L6_E_INVALID_VALUE, "lease name must be 1-%d characters of [A-Za-z0-9._-]", L6_LEASE_NAME_MAX);
  if (sq_lease_find(q, name)) return L6_E_OK; /* the flock is held until we close the file */
  sq_lease *slot = NULL;
  for (int i = 0; i < L6_MAX_LEASES && slot == NULL; i++)
    if (q->lease[i].name[0] == '\0') slot = &q->lease[i];
  if (slot == NULL) return l6_fail(err, L6_E_STORE, "store: this store already holds %d leases", L6_MAX_LEASES);
  const char *db = sqlite3_db_filename(q->db, "main");
  int fd = -1;
  if (db && db[0]) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s-lease-%s", db, name) >= (int)sizeof path)
      return l6_fail(err, L6_E_STORE, "store: lease file path is too long");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return l6_fail(err, L6_E_STORE, "store: cannot open lease file %s: %s", path, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int saved = errno;
      close(fd);
      if (saved == EWOULDBLOCK) return l6_fail(err, L6_E_BUSY, "lease %s is held by another process", name);
      return l6_fail(err, L6_E_STORE, "store: cannot lock lease file %s: %s", path, strerror(saved));
    }
  }
  snprintf(slot->name, sizeof slot->name, "%s", name);
  slot->fd = fd;
  return L6_E_OK;
}

static void sq_lease_release(l6_store *s, const char *name) {
  sq_lease *l = sq_lease_find(SQ(s), name);
  if (l == NULL) return;
  if (l->fd >= 0) close(l->fd); /* drops the flock */
  l->fd = -1;
  l->name[0] = '\0';
}

static void sq_fail_after(l6_store *s, int n) { SQ(s)->fail_after = n; }
/* ---- the project cycle ------------------------------------------------ */

static l6_err sq_project_set_status(l6_store *s, const char *id, const char *status, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_PROJ_STATUS, ARGS(A_T(id), A_T(status)), err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 0) return l6_fail(err, L6_E_UNKNOWN_PROJECT, NULL);
  return e;
}

static l6_err sq_doc_put(l6_store *s, const l6_doc *d, const char *content_b64, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_DOC_PUT);
  bind_text(t, 1, d->hash);
  bind_text(t, 2, d->media_type);
  bind_text(t, 3, d->name);
  sqlite3_bind_int64(t, 4, d->size);
  if (content_b64) sqlite3_bind_text(t, 5, content_b64, -1, SQLITE_STATIC);
  else sqlite3_bind_null(t, 5);
  bind_text(t, 6, d->ts);
  return run_write(SQ(s), t, err);
}

static l6_err sq_doc_get(l6_store *s, const char *hash, l6_doc *out, char **content_b64, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_DOC_GET);
  bind_text(t, 1, hash);
  if (content_b64) *content_b64 = NULL;
  l6_err e = run_one(SQ(s), t, L6_E_UNKNOWN_DOCUMENT, err);
  if (e != L6_E_OK) return e;
  col_text(t, 0, out->hash, sizeof out->hash);
  col_text(t, 1, out->media_type, sizeof out->media_type);
  col_text(t, 2, out->name, sizeof out->name);
  out->size = sqlite3_column_int64(t, 3);
  out->stored = sqlite3_column_int(t, 4) != 0;
  col_text(t, 5, out->ts, sizeof out->ts);
  if (content_b64 && out->stored) {
    const char *c = (const char *)sqlite3_column_text(t, 6);
    *content_b64 = strdup(c ? c : "");
    if (*content_b64 == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  }
  sqlite3_reset(t);
  return e;
}

static l6_err sq_accreditation_put(l6_store *s, l6_id org, const char *mechanism, const char *scope, l6_error *err) {
  return q_write(SQ(s), Q_ACCR_PUT, ARGS(A_I(org), A_T(mechanism), A_T(scope)), err);
}

static l6_err sq_accreditation_has(l6_store *s, l6_id org, const char *mechanism, const char *scope, bool *out,
                                   l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_ACCR_HAS);
  sqlite3_bind_int64(t, 1, org);
  bind_text(t, 2, mechanism);
  bind_text(t, 3, scope);
  l6_err e = run_one(SQ(s), t, L6_E_NOT_FOUND, err);
  *out = e == L6_E_OK;
  if (e == L6_E_OK) sqlite3_reset(t);
  return e == L6_E_NOT_FOUND ? L6_E_OK : e;
}


static l6_err sq_activity_save(l6_store *s, const l6_activity *a, l6_error *err) {
  return q_write(SQ(s), Q_ACT_SAVE, ARGS(A_T(a->project), A_T(a->mechanism), A_I(a->org), A_T(a->registry),
                     A_T(a->scope), A_T(a->state), A_T(a->rejected_step), A_T(a->transition_from),
                     A_T(a->requested_on), A_I(a->ets_covered ? 1 : 0), A_I(a->replacement_due), A_I(a->issued),
                     A_T(a->updated)), err);
}

static l6_err sq_activity_get(l6_store *s, const char *project, l6_activity *out, l6_error *err) {
  return get_row(SQ(s), Q_ACT_GET, project, 0, dec_activity, out, L6_E_UNKNOWN_ACTIVITY, err);
}

static l6_err sq_activity_list(l6_store *s, const char *mechanism, const char *state, const char *after, int limit,
                               l6_each_fn each, void *ctx, l6_error *err) {
  l6_activity buf;
  return q_each(SQ(s), Q_ACT_LIST, ARGS(A_T(mechanism), A_T(state), A_T(after), A_I(limit)), dec_activity, &buf, each,
                ctx, err);
}


static l6_err sq_period_save(l6_store *s, const l6_period *p, l6_error *err) {
  return q_write(SQ(s), Q_PER_SAVE, ARGS(A_T(p->project), A_I(p->seq), A_T(p->start), A_T(p->end), A_T(p->state),
                     A_T(p->rejected_step), A_T(p->calculator), A_T(p->inputs), A_I(p->reported),
                     A_I(p->certified), A_T(p->forward)), err);
}

static l6_err sq_period_get(l6_store *s, const char *project, int seq, l6_period *out, l6_error *err) {
  return q_one(SQ(s), Q_PER_GET, ARGS(A_T(project), A_I(seq)), dec_period, out, L6_E_UNKNOWN_PERIOD, err);
}

static l6_err sq_period_list(l6_store *s, const char *project, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_period buf;
  return q_each(SQ(s), Q_PER_LIST, ARGS(A_T(project), A_I(limit)), dec_period, &buf, each, ctx, err);
}


static l6_err sq_step_put(l6_store *s, l6_step_rec *r, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_STEP_PUT, ARGS(A_T(r->project), A_I(r->period), A_T(r->step), A_T(r->decision),
                         A_T(r->from_state), A_T(r->to_state), A_T(r->actor), A_T(r->role), A_T(r->ts),
                         A_T(r->mechanism_hash), A_T(r->documents), A_T(r->detail)), err);
  if (e == L6_E_OK) r->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_step_list(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each, void *ctx,
                           l6_error *err) {
  /* 8 KB: off the stack */
  return q_each_heap(SQ(s), Q_STEP_LIST, ARGS(A_T(project), A_I(after), A_I(limit)), dec_step, sizeof(l6_step_rec),
                     each, ctx, err);
}

/* ---- the exchange ------------------------------------------------------ */






static l6_err sq_ex_instrument_put(l6_store *s, const l6_ex_instrument *x, l6_error *err) {
  return q_write(SQ(s), Q_EX_INSTR_PUT, ARGS(A_T(x->code), A_T(x->name), A_T(x->kind), A_T(x->unit_type),
                     A_T(x->project), A_I(x->vintage_from), A_I(x->vintage_to), A_I(x->batch), A_T(x->registry),
                     A_I(x->escrow), A_T(x->currency), A_I(x->minor_units), A_I(x->tick), A_I(x->lot),
                     A_I(x->min_qty), A_I(x->max_qty), A_I(x->band_pct), A_T(x->sessions), A_I(x->tz_offset),
                     A_T(x->status), A_T(x->mode), A_I(x->prev_close), A_I(x->maker_bps), A_I(x->taker_bps),
                     A_I(x->no_same_day_resale ? 1 : 0), A_T(x->created), A_I(x->call_minutes)), err);
}

static l6_err sq_ex_cash_put(l6_store *s, const l6_ex_cash *x, l6_error *err) {
  return q_write(SQ(s), Q_EX_CASH_PUT, ARGS(A_I(x->org), A_T(x->currency), A_I(x->balance), A_I(x->reserved)), err);
}

static l6_err sq_ex_journal_put(l6_store *s, l6_ex_journal *x, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_EX_JOUR_PUT, ARGS(A_I(x->org), A_T(x->currency), A_T(x->kind), A_I(x->amount),
                         A_I(x->ref), A_T(x->ts)), err);
  if (e == L6_E_OK) x->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_ex_order_put(l6_store *s, const l6_ex_order *x, l6_error *err) {
  return q_write(SQ(s), Q_EX_ORDER_PUT, ARGS(A_I(x->id), A_T(x->instrument), A_I(x->seq), A_I(x->org),
                     A_I(x->account), A_T(x->side), A_T(x->type), A_T(x->tif), A_I(x->post_only ? 1 : 0),
                     A_I(x->price), A_I(x->qty), A_I(x->remaining), A_I(x->reserved), A_T(x->status),
                     A_T(x->day), A_T(x->ts), A_I(x->counterparty)), err);
}

static l6_err sq_ex_trade_put(l6_store *s, l6_ex_trade *x, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_EX_TRADE_PUT, ARGS(A_T(x->instrument), A_I(x->price), A_I(x->qty), A_I(x->buy_order),
                         A_I(x->sell_order), A_I(x->buyer), A_I(x->seller), A_T(x->taker_side),
                         A_I(x->buyer_fee), A_I(x->seller_fee), A_T(x->day), A_T(x->ts), A_I(x->tx)), err);
  if (e == L6_E_OK) x->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_ex_instrument_get(l6_store *s, const char *code, l6_ex_instrument *out, l6_error *err) {
  return get_row(SQ(s), Q_EX_INSTR_GET, code, 0, dec_ex_instrument, out, L6_E_UNKNOWN_INSTRUMENT, err);
}

static l6_err sq_ex_instrument_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_instrument buf;
  return run_each(SQ(s), st(SQ(s), Q_EX_INSTR_LIST), dec_ex_instrument, &buf, each, ctx, err);
}

/* ---- instrument criteria, batch labels (crit) ---- */



static l6_err sq_crit_put(l6_store *s, const l6_crit *x, l6_error *err) {
  return q_write(SQ(s), Q_CRIT_PUT, ARGS(A_T(x->code), A_T(x->unit_types), A_T(x->programmes), A_T(x->labels),
                     A_T(x->corsia_phase)), err);
}

static l6_err sq_crit_get(l6_store *s, const char *code, l6_crit *out, l6_error *err) {
  l6_err e = get_row(SQ(s), Q_CRIT_GET, code, 0, dec_crit, out, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) {
    *out = (l6_crit){0};
    snprintf(out->code, sizeof out->code, "%s", code);
    return L6_E_OK;
  }
  return e;
}

static l6_err sq_batch_label_put(l6_store *s, l6_batch_label *x, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_BLABEL_PUT, ARGS(A_I(x->batch), A_T(x->label), A_T(x->actor), A_T(x->ts),
                         A_T(x->reference)), err);
  if (e == L6_E_OK) x->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

/* An UPDATE of one row: NOT_FOUND when it changed none. */
static l6_err label_update(l6_store *s, sqlite3_stmt *t, l6_error *err) {
  l6_err e = run_write(SQ(s), t, err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 0) return l6_fail(err, L6_E_NOT_FOUND, "no such batch label");
  return e;
}

static l6_err sq_batch_label_drop(l6_store *s, l6_id batch, const char *label, const char *ts, const char *reference,
                                  l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_BLABEL_DROP);
  sqlite3_bind_int64(t, 1, batch);
  bind_text(t, 2, label);
  bind_text(t, 3, ts);
  bind_text(t, 4, reference);
  return label_update(s, t, err);
}

static l6_err sq_batch_label_restore(l6_store *s, const l6_batch_label *x, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_BLABEL_RESTORE);
  sqlite3_bind_int64(t, 1, x->batch);
  bind_text(t, 2, x->label);
  bind_text(t, 3, x->actor);
  bind_text(t, 4, x->ts);
  bind_text(t, 5, x->reference);
  return label_update(s, t, err);
}

static l6_err sq_batch_label_list(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_batch_label buf;
  return q_each(SQ(s), Q_BLABEL_LIST, ARGS(A_I(batch)), dec_batch_label, &buf, each, ctx, err);
}

static l6_err sq_ex_cash_get(l6_store *s, l6_id org, const char *currency, l6_ex_cash *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_EX_CASH_GET);
  sqlite3_bind_int64(t, 1, org);
  bind_text(t, 2, currency);
  l6_err e = run_one(SQ(s), t, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) {
    *out = (l6_ex_cash){.org = org};
    snprintf(out->currency, sizeof out->currency, "%s", currency);
    return L6_E_OK;
  }
  if (e != L6_E_OK) return e;
  dec_ex_cash(t, out);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_ex_cash_list(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_cash buf;
  return q_each(SQ(s), Q_EX_CASH_LIST, ARGS(A_I(org)), dec_ex_cash, &buf, each, ctx, err);
}

static l6_err sq_ex_journal_list(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_journal buf;
  return q_each(SQ(s), Q_EX_JOUR_LIST, ARGS(A_I(org)), dec_ex_journal, &buf, each, ctx, err);
}

static l6_err sq_ex_order_get(l6_store *s, l6_id id, l6_ex_order *out, l6_error *err) {
  return get_row(SQ(s), Q_EX_ORDER_GET, NULL, id, dec_ex_order, out, L6_E_UNKNOWN_ORDER, err);
}

static l6_err sq_ex_order_list(l6_store *s, const char *instrument, l6_id org, bool open_only, l6_each_fn each,
                               void *ctx, l6_error *err) {
  l6_ex_order buf;
  return q_each(SQ(s), Q_EX_ORDER_LIST, ARGS(A_T(instrument), A_I(org), A_I(open_only ? 1 : 0)), dec_ex_order, &buf,
                each, ctx, err);
}

static l6_err sq_ex_order_max(l6_store *s, int64_t *id, int64_t *seq, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_EX_ORDER_MAX);
  l6_err e = run_one(SQ(s), t, L6_E_STORE, err);
  if (e != L6_E_OK) return e;
  *id = sqlite3_column_int64(t, 0);
  *seq = sqlite3_column_int64(t, 1);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_ex_trade_list(l6_store *s, const char *instrument, const char *day, bool desc, int limit,
                               l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_trade buf;
  return q_each(SQ(s), desc ? Q_EX_TRADE_LIST_DESC : Q_EX_TRADE_LIST_ASC, ARGS(A_T(instrument), A_T(day),
                    A_I(limit > 0 ? limit : -1)), dec_ex_trade, &buf, each, ctx, err);
}

static l6_err sq_ex_delivered(l6_store *s, const char *since, l6_id batch, int64_t first, int64_t last, l6_each_fn each,
                              void *ctx, l6_error *err) {
  l6_tx_line buf;
  return q_each(SQ(s), Q_EX_DELIVERED, ARGS(A_T(since), A_I(batch), A_I(first), A_I(last)), dec_line, &buf, each, ctx,
                err);
}

/* ---- Article 6.2 accounting ------------------------------------------ */


static l6_err sq_a6_ndc_put(l6_store *s, const l6_a6_ndc *n, l6_error *err) {
  return q_write(SQ(s), Q_A6_NDC_PUT, ARGS(A_T(n->party), A_I(n->first_year), A_I(n->last_year), A_T(n->kind),
                     A_T(n->method), A_I(n->target_year), A_I(n->target), A_T(n->metric), A_I(n->factor_micro),
                     A_T(n->updated)), err);
}

static l6_err sq_a6_ndc_get(l6_store *s, const char *party, l6_a6_ndc *out, l6_error *err) {
  return get_row(SQ(s), Q_A6_NDC_GET, party, 0, dec_a6_ndc, out, L6_E_UNKNOWN_NDC, err);
}


static l6_err sq_a6_year_put(l6_store *s, const l6_a6_year *y, l6_error *err) {
  return q_write(SQ(s), Q_A6_YEAR_PUT, ARGS(A_T(y->party), A_I(y->year), A_I(y->reported ? 1 : 0),
                     A_I(y->emissions), A_I(y->has_trajectory ? 1 : 0), A_I(y->trajectory)), err);
}

static l6_err sq_a6_year_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_year buf;
  return q_each(SQ(s), Q_A6_YEAR_LIST, ARGS(A_T(party)), dec_a6_year, &buf, each, ctx, err);
}


static l6_err sq_a6_auth_put(l6_store *s, l6_a6_auth *a, l6_error *err) {
  return q_save(SQ(s), Q_A6_AUTH_UPD, Q_A6_AUTH_INS, &a->id, ARGS(A_T(a->party), A_I(a->approach), A_T(a->project),
                     A_I(a->vintage_from), A_I(a->vintage_to), A_I(a->quantity), A_I(a->assigned),
                     A_T(a->purposes), A_T(a->ft_event), A_T(a->parties), A_T(a->entities), A_I(a->year_from),
                     A_I(a->year_to), A_I(a->in_scope ? 1 : 0), A_I(a->version), A_I(a->revoked ? 1 : 0),
                     A_T(a->ts), A_T(a->letter_sha256)), err);
}

static l6_err sq_a6_auth_get(l6_store *s, l6_id id, l6_a6_auth *out, l6_error *err) {
  return get_row(SQ(s), Q_A6_AUTH_GET, NULL, id, dec_a6_auth, out, L6_E_UNKNOWN_AUTHORIZATION, err);
}

static l6_err sq_a6_auth_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  /* 2 KB: off the stack */
  return q_each_heap(SQ(s), Q_A6_AUTH_LIST, ARGS(A_T(party)), dec_a6_auth, sizeof(l6_a6_auth), each, ctx, err);
}


static l6_err sq_a6_itmo_put(l6_store *s, l6_a6_itmo *r, l6_error *err) {
  return q_save(SQ(s), Q_A6_ITMO_UPD, Q_A6_ITMO_INS, &r->id, ARGS(A_I(r->auth), A_I(r->approach), A_T(r->registry),
                     A_T(r->host), A_I(r->batch), A_I(r->first), A_I(r->last), A_I(r->itmo_first),
                     A_I(r->vintage), A_I(r->ft_year), A_T(r->fate), A_T(r->user), A_I(r->use_year)), err);
}

static l6_err sq_a6_itmo_remove(l6_store *s, l6_id id, l6_error *err) {
  return q_write(SQ(s), Q_A6_ITMO_DEL, ARGS(A_I(id)), err);
}

static l6_err sq_a6_itmo_in_batch(l6_store *s, l6_id batch, int64_t first, int64_t last, l6_each_fn each, void *ctx,
                                  l6_error *err) {
  l6_a6_itmo buf;
  return q_each(SQ(s), Q_A6_ITMO_IN_BATCH, ARGS(A_I(batch), A_I(first), A_I(last)), dec_a6_itmo, &buf, each, ctx, err);
}

static l6_err sq_a6_itmo_by_serial(l6_store *s, int approach, const char *registry, int64_t first, int64_t last,
                                   l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_itmo buf;
  return q_each(SQ(s), Q_A6_ITMO_BY_SERIAL, ARGS(A_I(approach), A_T(registry), A_I(first), A_I(last)), dec_a6_itmo,
                &buf, each, ctx, err);
}

static l6_err sq_a6_itmo_list(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err) {
  l6_a6_itmo buf;
  return q_each(SQ(s), Q_A6_ITMO_LIST, ARGS(A_I(auth)), dec_a6_itmo, &buf, each, ctx, err);
}

static l6_err sq_a6_itmo_next_serial(l6_store *s, int approach, const char *registry, int64_t *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_A6_ITMO_NEXT);
  sqlite3_bind_int(t, 1, approach);
  bind_text(t, 2, registry);
  l6_err e = run_one(SQ(s), t, L6_E_STORE, err);
  if (e != L6_E_OK) return e;
  *out = sqlite3_column_int64(t, 0);
  sqlite3_reset(t);
  return L6_E_OK;
}


static l6_err sq_a6_action_put(l6_store *s, l6_a6_action *a, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_A6_ACT_PUT, ARGS(A_N(a->tx), A_T(a->type), A_T(a->party), A_I(a->auth),
                         A_I(a->approach), A_T(a->registry), A_I(a->itmo_first), A_I(a->itmo_last),
                         A_T(a->first_id), A_T(a->last_id), A_I(a->quantity), A_I(a->vintage),
                         A_T(a->from_party), A_T(a->to_party), A_T(a->purpose), A_T(a->user), A_I(a->year),
                         A_I(a->ca), A_T(a->ts)), err);
  if (e == L6_E_OK) a->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

/* ---- four eyes, trusted accounts, delays (issue 15) -------------------- */

static l6_err sq_policy_get(l6_store *s, const char *registry, l6_policy_rec *out, bool *found, l6_error *err) {
  memset(out, 0, sizeof *out);
  *found = false;
  l6_err e = q_one(SQ(s), Q_POL_GET, ARGS(A_T(registry)), dec_policy, out, L6_E_NOT_FOUND, err);
  if (e == L6_E_NOT_FOUND) return L6_E_OK;
  *found = e == L6_E_OK;
  return e;
}

static l6_err sq_policy_put(l6_store *s, const l6_policy_rec *p, l6_error *err) {
  return q_write(SQ(s), Q_POL_PUT, ARGS(A_T(p->registry), A_T(p->body), A_I(p->hold_account)), err);
}


static void bind_proposal(sqlite3_stmt *t, const l6_proposal *p) {
  sqlite3_bind_int64(t, 1, p->id);
  bind_text(t, 2, p->kind);
  bind_text(t, 3, p->state);
  bind_text(t, 4, p->registry);
  sqlite3_bind_int64(t, 5, p->org);
  sqlite3_bind_int64(t, 6, p->from_account);
  sqlite3_bind_int64(t, 7, p->to_account);
  sqlite3_bind_int64(t, 8, p->quantity);
  bind_text(t, 9, p->reasons);
  bind_text(t, 10, p->proposer);
  bind_text(t, 11, p->proposer_role);
  sqlite3_bind_int64(t, 12, p->proposer_org);
  sqlite3_bind_int64(t, 13, p->proposer_user);
  sqlite3_bind_int64(t, 14, p->proposer_token);
  sqlite3_bind_int64(t, 15, p->created_ms);
  sqlite3_bind_int64(t, 16, p->expires_ms);
  sqlite3_bind_int64(t, 17, p->executes_ms);
  sqlite3_bind_int64(t, 18, p->decided_ms);
  bind_text(t, 19, p->decided_by);
  bind_text(t, 20, p->approved_by);
  bind_text(t, 21, p->result);
  sqlite3_bind_int64(t, 22, p->hold_tx);
  sqlite3_bind_int64(t, 23, p->release_tx);
  sqlite3_bind_int64(t, 24, p->result_tx);
  bind_text(t, 25, p->request);
}

static l6_err sq_proposal_put(l6_store *s, l6_proposal *p, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_PROP_PUT);
  bind_proposal(t, p);
  l6_err e = run_write(SQ(s), t, err);
  if (e == L6_E_OK) p->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_proposal_update(l6_store *s, const l6_proposal *p, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_PROP_UPD);
  bind_proposal(t, p);
  return run_write(SQ(s), t, err);
}

static l6_err sq_proposal_get(l6_store *s, l6_id id, l6_proposal *out, l6_error *err) {
  return q_one(SQ(s), Q_PROP_GET, ARGS(A_I(id)), dec_proposal, out, L6_E_UNKNOWN_PROPOSAL, err);
}

static l6_err sq_proposal_list(l6_store *s, const l6_proposal_filter *f, l6_each_fn each, void *ctx, l6_error *err) {
  return q_each_heap(SQ(s), Q_PROP_LIST, ARGS(A_T(f->state), A_I(f->org), A_I(f->account), A_I(f->due_ms),
              A_I(f->after), A_I(f->limit > 0 ? f->limit : -1)), dec_proposal, sizeof(l6_proposal), each, ctx, err);
}

static l6_err sq_trusted_put(l6_store *s, const l6_trusted *x, l6_error *err) {
  return q_write(SQ(s), Q_TRUST_PUT, ARGS(A_I(x->account), A_I(x->trusted), A_I(x->added_ms), A_I(x->active_ms),
                     A_T(x->added_by)), err);
}

static l6_err sq_trusted_delete(l6_store *s, l6_id account, l6_id trusted, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_TRUST_DEL, ARGS(A_I(account), A_I(trusted)), err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 0)
    e = l6_fail(err, L6_E_NOT_TRUSTED, "account %lld is not on the trusted list of account %lld", (long long)trusted,
                (long long)account);
  return e;
}


static l6_err sq_trusted_list(l6_store *s, l6_id account, l6_each_fn each, void *ctx, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_TRUST_LIST);
  sqlite3_bind_int64(t, 1, account);
  l6_trusted buf;
  return run_each(SQ(s), t, dec_trusted, &buf, each, ctx, err);
}

/* ---- emissions trading ------------------------------------------------ */


static l6_err sq_ets_rec_put(l6_store *s, const l6_ets_rec *r, l6_error *err) {
  return q_write(SQ(s), Q_ETS_PUT, ARGS(A_T(r->kind), A_T(r->key), A_T(r->body)), err);
}

static l6_err sq_ets_rec_list(l6_store *s, const char *kind, const char *prefix, l6_each_fn each, void *ctx,
                              l6_error *err) {
  return q_each_heap(SQ(s), Q_ETS_LIST, ARGS(A_T(kind), A_T(prefix)), dec_ets_rec, sizeof(l6_ets_rec), each, ctx, err);
}

/* ---- links between registries ----------------------------------------- */



static l6_err sq_a6_approach_put(l6_store *s, const l6_a6_approach *r, l6_error *err) {
  return q_write(SQ(s), Q_APPROACH_PUT, ARGS(A_I(r->code), A_T(r->party), A_T(r->body), A_T(r->ts)), err);
}

static l6_err sq_a6_approach_get(l6_store *s, int code, l6_a6_approach *out, l6_error *err) {
  return q_one(SQ(s), Q_APPROACH_GET, ARGS(A_I(code)), dec_approach, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_a6_approach_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_APPROACH_LIST);
  l6_a6_approach *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  l6_err e = run_each(SQ(s), t, dec_approach, buf, each, ctx, err);
  free(buf);
  return e;
}

static l6_err sq_link_put(l6_store *s, const l6_link_rec *r, l6_error *err) {
  return q_write(SQ(s), Q_LINK_PUT, ARGS(A_T(r->kind), A_T(r->key), A_T(r->state), A_I(r->due_ms), A_T(r->body)), err);
}

static l6_err sq_link_get(l6_store *s, const char *kind, const char *key, l6_link_rec *out, l6_error *err) {
  return q_one(SQ(s), Q_LINK_GET, ARGS(A_T(kind), A_T(key)), dec_link, out, L6_E_NOT_FOUND, err);
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

static l6_err sq_link_list(l6_store *s, const char *kind, const char *state, int64_t due_before, int limit,
                           l6_each_fn each, void *ctx, l6_error *err) {
  sqlite3_stmt *t;
  if (state && state[0]) {
    t = st(SQ(s), Q_LINK_DUE);
    bind_text(t, 2, state);
    sqlite3_bind_int64(t, 3, due_before);
  } else {
    t = st(SQ(s), Q_LINK_LIST);
  }
  bind_text(t, 1, kind);
  l6_link_rec *buf = malloc(sizeof *buf);
  if (buf == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  link_lim l = {each, ctx, limit};
  l6_err e = run_each(SQ(s), t, dec_link, buf, link_lim_row, &l, err);
  free(buf);
  return e;
}


static l6_err sq_ets_hist_add(l6_store *s, l6_ets_hist *h, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_ETS_HIST_ADD, ARGS(A_T(h->kind), A_T(h->key), A_T(h->actor), A_T(h->ts), A_T(h->body)),
                     err);
  if (e == L6_E_OK) h->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_ets_hist_list(l6_store *s, const char *kind, const char *key, l6_each_fn each, void *ctx,
                               l6_error *err) {
  return q_each_heap(SQ(s), Q_ETS_HIST_LIST, ARGS(A_T(kind), A_T(key)), dec_ets_hist, sizeof(l6_ets_hist), each, ctx,
                     err);
}

static l6_err sq_a6_action_list(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err) {
  return q_each_heap(SQ(s), Q_A6_ACT_LIST, ARGS(A_T(party)), dec_a6_action, sizeof(l6_a6_action), each, ctx, err);
}

/* ---- authorization amendments ---------------------------------------- */


static l6_err sq_a6_auth_version_put(l6_store *s, const l6_a6_auth_version *v, l6_error *err) {
  return q_write(SQ(s), Q_A6_VER_INS, ARGS(A_I(v->auth), A_I(v->version), A_T(v->effective_from), A_T(v->body),
                     A_T(v->ts)), err);
}

static l6_err sq_a6_auth_version_list(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err) {
  /* 16 KB: off the stack */
  return q_each_heap(SQ(s), Q_A6_VER_LIST, ARGS(A_I(auth)), dec_a6_ver, sizeof(l6_a6_auth_version), each, ctx, err);
}

/* ---- non-market approaches ------------------------------------------ */


static l6_err sq_nma_put(l6_store *s, l6_nma_rec *r, l6_error *err) {
  return q_save(SQ(s), Q_NMA_UPD, Q_NMA_INS, &r->id, ARGS(A_T(r->kind), A_T(r->party), A_T(r->status), A_T(r->body)),
                err);
}

static l6_err sq_nma_get(l6_store *s, const char *kind, l6_id id, l6_nma_rec *out, l6_error *err) {
  return q_one(SQ(s), Q_NMA_GET, ARGS(A_I(id), A_T(kind)), dec_nma, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_nma_list(l6_store *s, const char *kind, const char *party, l6_each_fn each, void *ctx,
                          l6_error *err) {
  /* 16 KB: off the stack */
  return q_each_heap(SQ(s), Q_NMA_LIST, ARGS(A_T(kind), A_T(party)), dec_nma, sizeof(l6_nma_rec), each, ctx, err);
}

/* ---- programmes of activities, comments, grievances (poa.c, voice.c) ---- */


static l6_err sq_mech_rec_put(l6_store *s, l6_mech_rec *r, l6_error *err) {
  return q_save(SQ(s), Q_MREC_UPD, Q_MREC_INS, &r->id, ARGS(A_T(r->kind), A_T(r->ref), A_T(r->state), A_T(r->body)),
                err);
}

static l6_err sq_mech_rec_get(l6_store *s, const char *kind, l6_id id, l6_mech_rec *out, l6_error *err) {
  return q_one(SQ(s), Q_MREC_GET, ARGS(A_I(id), A_T(kind)), dec_mrec, out, L6_E_NOT_FOUND, err);
}

/* ---- activity records (issue 20) ----------------------------------- */


static l6_err sq_arec_put(l6_store *s, const l6_arec *r, bool update, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), update ? Q_AREC_UPD : Q_AREC_INS);
  bind_text(t, 1, r->project);
  bind_text(t, 2, r->kind);
  sqlite3_bind_int64(t, 3, r->id);
  if (!update) {
    sqlite3_bind_int(t, 4, r->period);
    bind_text(t, 5, r->ref);
  }
  bind_text(t, 6, r->body);
  l6_err e = run_write(SQ(s), t, err);
  if (e == L6_E_OK && update && sqlite3_changes(SQ(s)->db) == 0)
    return l6_fail(err, L6_E_NOT_FOUND, "no %s %lld of %s", r->kind, (long long)r->id, r->project);
  return e;
}

static l6_err sq_arec_get(l6_store *s, const char *project, const char *kind, const char *ref, l6_arec *out,
                          l6_error *err) {
  return q_one(SQ(s), Q_AREC_GET, ARGS(A_T(project), A_T(kind), A_T(ref)), dec_arec, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_mech_rec_list(l6_store *s, const char *kind, const char *ref, l6_each_fn each, void *ctx,
                               l6_error *err) {
  /* 16 KB: off the stack */
  return q_each_heap(SQ(s), Q_MREC_LIST, ARGS(A_T(kind), A_T(ref)), dec_mrec, sizeof(l6_mech_rec), each, ctx, err);
}

static l6_err sq_arec_list(l6_store *s, const char *project, const char *kind, int period, l6_each_fn each, void *ctx,
                           l6_error *err) {
  /* 16 KB: off the stack */
  return q_each_heap(SQ(s), Q_AREC_LIST, ARGS(A_T(project), A_T(kind), A_I(period)), dec_arec, sizeof(l6_arec), each,
                     ctx, err);
}

/* ---- transparency log ------------------------------------------------ */

/* Binary columns are stored as lowercase hex text. A value that is not
 * exactly n bytes of hex (a damaged row) decodes as zeros, which no real
 * hash, key or signature equals, so verification reports it. */
static void col_hex(sqlite3_stmt *s, int i, uint8_t *out, size_t n) {
  const char *t = (const char *)sqlite3_column_text(s, i);
  size_t len = 0;
  memset(out, 0, n);
  if (t == NULL || strlen(t) != 2 * n || sodium_hex2bin(out, n, t, 2 * n, NULL, &len, NULL) != 0 || len != n)
    memset(out, 0, n);
}

/* Binds n bytes as hex; buf (2n + 1 bytes) must live until the step. */
static void bind_hex(sqlite3_stmt *s, int i, const uint8_t *v, size_t n, char *buf) {
  sodium_bin2hex(buf, 2 * n + 1, v, n);
  sqlite3_bind_text(s, i, buf, (int)(2 * n), SQLITE_STATIC);
}


static l6_err sq_log_size(l6_store *s, int64_t *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_LOG_SIZE);
  l6_err e = run_one(SQ(s), t, L6_E_INTERNAL, err);
  if (e != L6_E_OK) return e;
  *out = sqlite3_column_int64(t, 0);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_log_append(l6_store *s, const l6_log_leaf *leaf, const merkle_node *nodes, size_t n, l6_error *err) {
  sq_store *q = SQ(s);
  char hex[2 * 32 + 1];
  sqlite3_stmt *t;
  if (leaf->tx == 0) { /* a letter leaf (schema 28) */
    t = st(q, Q_LETTER_PUT);
    sqlite3_bind_int64(t, 1, leaf->index);
    sqlite3_bind_int64(t, 2, leaf->auth);
    sqlite3_bind_int(t, 3, leaf->version);
    bind_text(t, 4, leaf->sha256);
    bind_text(t, 5, leaf->ts);
  } else {
    t = st(q, Q_LEAF_PUT);
    sqlite3_bind_int64(t, 1, leaf->index);
    sqlite3_bind_int64(t, 2, leaf->tx);
    bind_hex(t, 3, leaf->salt, sizeof leaf->salt, hex);
  }
  l6_err e = run_write(q, t, err);
  for (size_t i = 0; i < n && e == L6_E_OK; i++) {
    t = st(q, Q_NODE_PUT);
    sqlite3_bind_int(t, 1, nodes[i].level);
    sqlite3_bind_int64(t, 2, nodes[i].index);
    bind_hex(t, 3, nodes[i].hash, sizeof nodes[i].hash, hex);
    e = run_write(q, t, err);
  }
  return e;
}

static l6_err sq_log_leaf_get(l6_store *s, int64_t index, l6_id tx, l6_log_leaf *out, l6_error *err) {
  if (tx > 0) return get_row(SQ(s), Q_LEAF_OF_TX, NULL, tx, dec_leaf, out, L6_E_NOT_FOUND, err);
  return get_row(SQ(s), Q_LEAF_GET, NULL, index, dec_leaf, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_log_letter_get(l6_store *s, l6_id auth, int version, l6_log_leaf *out, l6_error *err) {
  return q_one(SQ(s), Q_LETTER_GET, ARGS(A_I(auth), A_I(version)), dec_leaf, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_log_leaf_list(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_leaf buf;
  return q_each(SQ(s), Q_LEAF_LIST, ARGS(A_I(from), A_I(limit)), dec_leaf, &buf, each, ctx, err);
}

static l6_err sq_log_node_get(l6_store *s, int level, int64_t index, uint8_t out[32], l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_NODE_GET);
  sqlite3_bind_int(t, 1, level);
  sqlite3_bind_int64(t, 2, index);
  l6_err e = run_one(SQ(s), t, L6_E_NOT_FOUND, err);
  if (e != L6_E_OK) return e;
  col_hex(t, 0, out, 32);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_log_head_put(l6_store *s, const l6_log_head *h, l6_error *err) {
  char root[2 * 32 + 1], sig[2 * STH_SIGNATURE_BYTES + 1];
  sqlite3_stmt *t = st(SQ(s), Q_HEAD_PUT);
  sqlite3_bind_int64(t, 1, h->tree_size);
  bind_hex(t, 2, h->root, sizeof h->root, root);
  sqlite3_bind_int64(t, 3, h->timestamp_ms);
  bind_text(t, 4, h->key_id);
  bind_hex(t, 5, h->signature, sizeof h->signature, sig);
  return run_write(SQ(s), t, err);
}

static l6_err sq_log_head_get(l6_store *s, int64_t tree_size, l6_log_head *out, l6_error *err) {
  sq_store *q = SQ(s);
  if (tree_size >= 0) return get_row(q, Q_HEAD_GET, NULL, tree_size, dec_head, out, L6_E_NOT_FOUND, err);
  sqlite3_stmt *t = st(q, Q_HEAD_LAST);
  l6_err e = run_one(q, t, L6_E_NOT_FOUND, err);
  if (e != L6_E_OK) return e;
  dec_head(t, out);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_log_head_list(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_head buf;
  return q_each(SQ(s), Q_HEAD_LIST, ARGS(A_I(from), A_I(limit)), dec_head, &buf, each, ctx, err);
}

static l6_err sq_log_key_put(l6_store *s, const l6_log_key *k, l6_error *err) {
  sq_store *q = SQ(s);
  l6_err e = L6_E_OK;
  if (k->current) e = run_write(q, st(q, Q_KEY_UNSET), err);
  if (e != L6_E_OK) return e;
  char pk[2 * STH_PUBLIC_KEY_BYTES + 1];
  sqlite3_stmt *t = st(q, Q_KEY_PUT);
  bind_text(t, 1, k->id);
  bind_hex(t, 2, k->public_key, sizeof k->public_key, pk);
  sqlite3_bind_int64(t, 3, k->created_ms);
  sqlite3_bind_int(t, 4, k->current ? 1 : 0);
  return run_write(q, t, err);
}

static l6_err sq_log_key_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_log_key buf;
  return run_each(SQ(s), st(SQ(s), Q_KEY_LIST), dec_key, &buf, each, ctx, err);
}

/* ---- open / close ---------------------------------------------------- */

static void sq_close(l6_store *s) {
  sq_store *q = SQ(s);
  if (q == NULL) return;
  for (int i = 0; i < L6_MAX_LEASES; i++)
    if (q->lease[i].name[0]) sq_lease_release(s, q->lease[i].name);
  for (int i = 0; i < Q__COUNT; i++) sqlite3_finalize(q->stmt[i]);
  for (int i = 0; i < TXC__COUNT; i++) sqlite3_finalize(q->txc[i]);
  sqlite3_close(q->db);
  free(q->path);
  free(q);
}

static l6_err sq_schema_version(l6_store *s, int *out, l6_error *err) {
  sq_store *q = SQ(s);
  struct stat sb;
  if (q->path && (stat(q->path, &sb) != 0 || sb.st_dev != q->dev || sb.st_ino != q->ino))
    return l6_fail(err, L6_E_STORE, "the store file %.200s is gone or was replaced since the server opened it",
                   q->path);
  sqlite3_stmt *t = NULL;
  if (sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &t, NULL) != SQLITE_OK)
    return sq_fail(q, sqlite3_errcode(q->db), err);
  int rc = sqlite3_step(t);
  *out = rc == SQLITE_ROW ? atoi((const char *)sqlite3_column_text(t, 0)) : 0;
  sqlite3_finalize(t);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_fail(q, rc, err);
  return L6_E_OK;
}

static l6_store *sq_reader(l6_store *s, l6_error *err);
/* ---- registries outside the Parties (issue 17) ------------------------ */

static l6_err sq_registry_kind_get(l6_store *s, const char *id, char kind[16], l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_REG_KIND_GET);
  bind_text(t, 1, id);
  l6_err e = run_one(SQ(s), t, L6_E_UNKNOWN_REGISTRY, err);
  if (e != L6_E_OK) return e;
  col_text(t, 0, kind, 16);
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_registry_kind_set(l6_store *s, const char *id, const char *kind, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_REG_KIND_SET, ARGS(A_T(id), A_T(kind)), err);
  if (e == L6_E_OK && sqlite3_changes(SQ(s)->db) == 0) e = l6_fail(err, L6_E_UNKNOWN_REGISTRY, NULL);
  return e;
}

static l6_err sq_batch_vintage_set(l6_store *s, l6_id batch, const char *start, const char *end, l6_error *err) {
  return q_write(SQ(s), Q_BATCH_VINTAGE, ARGS(A_I(batch), A_T(start), A_T(end)), err);
}


static l6_err sq_origin_block_put(l6_store *s, l6_origin_block *b, l6_error *err) {
  l6_err e = q_write(SQ(s), Q_ORIGIN_PUT, ARGS(A_T(b->origin), A_T(b->prefix), A_I(b->first), A_I(b->last),
                         A_T(b->text), A_I(b->batch), A_I(b->serial_first), A_T(b->project),
                         A_T(b->vintage_start), A_T(b->vintage_end)), err);
  if (e == L6_E_OK) b->id = sqlite3_last_insert_rowid(SQ(s)->db);
  return e;
}

static l6_err sq_origin_block_at(l6_store *s, const char *origin, const char *prefix, int64_t first, int64_t last,
                                 l6_origin_block *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_ORIGIN_AT);
  bind_text(t, 1, origin);
  bind_text(t, 2, prefix);
  sqlite3_bind_int64(t, 3, first);
  sqlite3_bind_int64(t, 4, last);
  l6_err e = run_one(SQ(s), t, L6_E_NOT_FOUND, err);
  if (e != L6_E_OK) return e;
  dec_origin(t, out);
  sqlite3_reset(t);
  return out->last >= first ? L6_E_OK : l6_fail(err, L6_E_NOT_FOUND, NULL);
}

static l6_err sq_origin_blocks_of_batch(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err) {
  l6_origin_block buf;
  return q_each(SQ(s), Q_ORIGIN_OF_BATCH, ARGS(A_I(batch)), dec_origin, &buf, each, ctx, err);
}

static l6_err sq_origin_placed(l6_store *s, const char *origin, const char *project, const char *vs, const char *ve,
                               l6_qty *out, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_ORIGIN_PLACED);
  bind_text(t, 1, origin);
  bind_text(t, 2, project);
  bind_text(t, 3, vs);
  bind_text(t, 4, ve);
  l6_err e = run_one(SQ(s), t, L6_E_INTERNAL, err);
  if (e != L6_E_OK) return e;
  *out = sqlite3_column_int64(t, 0);
  sqlite3_reset(t);
  return L6_E_OK;
}


static l6_err sq_origin_unplaced_put(l6_store *s, const l6_origin_unplaced *u, l6_error *err) {
  return q_write(SQ(s), Q_UNPLACED_PUT, ARGS(A_T(u->origin), A_T(u->project), A_T(u->vintage_start),
                     A_T(u->vintage_end), A_I(u->vintage), A_I(u->total), A_I(u->unplaced), A_I(u->buffer),
                     A_I(u->retired), A_I(u->total_kg), A_I(u->buffer_kg), A_I(u->retired_kg)), err);
}

static l6_err sq_origin_unplaced_get(l6_store *s, const char *origin, const char *project, const char *vs,
                                     const char *ve, l6_origin_unplaced *out, l6_error *err) {
  return q_one(SQ(s), Q_UNPLACED_GET, ARGS(A_T(origin), A_T(project), A_T(vs), A_T(ve)), dec_unplaced, out,
               L6_E_NOT_FOUND, err);
}

static l6_err sq_origin_unplaced_list(l6_store *s, const char *origin, l6_each_fn each, void *ctx, l6_error *err) {
  l6_origin_unplaced buf;
  return q_each(SQ(s), Q_UNPLACED_LIST, ARGS(A_T(origin)), dec_unplaced, &buf, each, ctx, err);
}

static l6_err sq_origin_project_put(l6_store *s, const l6_origin_project *p, l6_error *err) {
  return q_write(SQ(s), Q_OPROJ_PUT, ARGS(A_T(p->origin), A_T(p->project), A_T(p->status), A_T(p->registered)), err);
}

static l6_err sq_origin_project_get(l6_store *s, const char *origin, const char *project, l6_origin_project *out,
                                    l6_error *err) {
  return q_one(SQ(s), Q_OPROJ_GET, ARGS(A_T(origin), A_T(project)), dec_oproj, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_origin_period_put(l6_store *s, const l6_origin_period *p, l6_error *err) {
  return q_write(SQ(s), Q_OPER_PUT, ARGS(A_T(p->origin), A_T(p->prefix), A_I(p->year), A_T(p->vintage_start),
                     A_T(p->vintage_end)), err);
}

static l6_err sq_origin_period_get(l6_store *s, const char *origin, const char *prefix, int year, l6_origin_period *out,
                                   l6_error *err) {
  l6_origin_period got = {.year = year};
  l6_err e = q_one(SQ(s), Q_OPER_GET, ARGS(A_T(origin), A_T(prefix), A_I(year)), dec_operiod, &got, L6_E_NOT_FOUND,
                   err);
  if (e != L6_E_OK) return e;
  snprintf(got.origin, sizeof got.origin, "%s", origin);
  snprintf(got.prefix, sizeof got.prefix, "%s", prefix);
  *out = got;
  return L6_E_OK;
}

static l6_err sq_project_facts_set(l6_store *s, const l6_project *p, l6_error *err) {
  return q_write(SQ(s), Q_PROJ_FACTS, ARGS(A_T(p->id), A_T(p->methodology), A_T(p->crediting_start),
                     A_T(p->crediting_end), A_T(p->status)), err);
}

static l6_err sq_tx_origin_put(l6_store *s, l6_id tx, const char *effective, bool unstated, l6_error *err) {
  return q_write(SQ(s), Q_TXO_PUT, ARGS(A_I(tx), A_T(effective), A_I(unstated ? 1 : 0)), err);
}

static l6_err sq_tx_origin_get(l6_store *s, l6_id tx, char effective[11], bool *unstated, l6_error *err) {
  sqlite3_stmt *t = st(SQ(s), Q_TXO_GET);
  sqlite3_bind_int64(t, 1, tx);
  l6_err e = run_one(SQ(s), t, L6_E_NOT_FOUND, err);
  if (e != L6_E_OK) return e;
  col_text(t, 0, effective, 11);
  *unstated = sqlite3_column_int(t, 1) != 0;
  sqlite3_reset(t);
  return L6_E_OK;
}

static l6_err sq_tx_terms_put(l6_store *s, const l6_tx_terms *x, l6_error *err) {
  return q_write(SQ(s), Q_TXT_PUT, ARGS(A_I(x->tx), A_I(x->amount), A_T(x->currency)), err);
}


static l6_err sq_tx_terms_get(l6_store *s, l6_id tx, l6_tx_terms *out, l6_error *err) {
  return q_one(SQ(s), Q_TXT_GET, ARGS(A_I(tx)), dec_tx_terms, out, L6_E_NOT_FOUND, err);
}

static l6_err sq_tx_terms_list(l6_store *s, l6_each_fn each, void *ctx, l6_error *err) {
  l6_tx_terms buf;
  return run_each(SQ(s), st(SQ(s), Q_TXT_LIST), dec_tx_terms, &buf, each, ctx, err);
}

/* ---- open data (issue 17) ---------------------------------------------- */

static l6_err sq_ex_trade_page(l6_store *s, l6_id after, int limit, l6_each_fn each, void *ctx, l6_error *err) {
  l6_ex_trade buf;
  return q_each(SQ(s), Q_EX_TRADE_PAGE, ARGS(A_I(after), A_I(limit > 0 ? limit : -1)), dec_ex_trade, &buf, each, ctx,
                err);
}


static l6_err sq_stats(l6_store *s, l6_stat_dim dim, const char *host, const char *programme, l6_id after_tx,
                       l6_each_fn each, void *ctx, l6_error *err) {
  static const int q[L6_STAT__COUNT] = {Q_STATS_VINTAGE, Q_STATS_HOST, Q_STATS_PROGRAMME, Q_STATS_YEAR, Q_STATS_RYEAR, Q_STATS_COUNTS, Q_STATS_PROJECTS,
                                        Q_STATS_CELLS, Q_STATS_RCELLS, Q_STATS_BCOUNT, Q_STATS_RTX};
  if ((unsigned)dim >= L6_STAT__COUNT) return l6_fail(err, L6_E_INTERNAL, "stats: unknown dimension");
  l6_stat_row buf;
  sqlite3_stmt *t = st(SQ(s), q[dim]);
  bind_text(t, 1, host);
  bind_text(t, 2, programme);
  if (dim != L6_STAT_PROJECTS) sqlite3_bind_int64(t, 3, after_tx);
  return run_each(SQ(s), t, dec_stat, &buf, each, ctx, err);
}

static const l6_store_ops sqlite_ops = {
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .party_put = sq_party_put,
    .party_get = sq_party_get,
    .party_list = sq_party_list,
    .registry_put = sq_registry_put,
    .registry_get = sq_registry_get,
    .registry_list = sq_registry_list,
    .org_put = sq_org_put,
    .org_get = sq_org_get,
    .org_list = sq_org_list,
    .account_put = sq_account_put,
    .account_get = sq_account_get,
    .account_set_status = sq_account_set_status,
    .account_of_registry = sq_account_of_registry,
    .account_list = sq_account_list,
    .programme_put = sq_programme_put,
    .programme_get = sq_programme_get,
    .programme_list = sq_programme_list,
    .unit_type_put = sq_unit_type_put,
    .unit_type_get = sq_unit_type_get,
    .unit_type_list = sq_unit_type_list,
    .project_put = sq_project_put,
    .project_get = sq_project_get,
    .project_list = sq_project_list,
    .batch_put = sq_batch_put,
    .batch_get = sq_batch_get,
    .batch_list = sq_batch_list,
    .block_add = sq_block_add,
    .block_remove = sq_block_remove,
    .block_find = sq_block_find,
    .block_pick = sq_block_pick,
    .blocks_of_account = sq_blocks_of_account,
    .blocks_of_batch = sq_blocks_of_batch,
    .account_total = sq_account_total,
    .tx_put = sq_tx_put,
    .tx_get = sq_tx_get,
    .tx_line_put = sq_tx_line_put,
    .tx_list = sq_tx_list,
    .tx_lines = sq_tx_lines,
    .serial_history = sq_serial_history,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .token_put = sq_token_put,
    .token_find = sq_token_find,
    .token_get = sq_token_get,
    .token_list = sq_token_list,
    .token_revoke = sq_token_revoke,
    .token_touch = sq_token_touch,
    .lease_try = sq_lease_try,
    .lease_release = sq_lease_release,
    .fail_after = sq_fail_after,
    .link_put = sq_link_put,
    .link_get = sq_link_get,
    .link_list = sq_link_list,
    .ets_rec_put = sq_ets_rec_put,
    .ets_rec_list = sq_ets_rec_list,
    .ets_hist_add = sq_ets_hist_add,
    .ets_hist_list = sq_ets_hist_list,
    .user_put = sq_user_put,
    .user_get = sq_user_get,
    .user_by_email = sq_user_by_email,
    .user_list = sq_user_list,
    .user_set_disabled = sq_user_set_disabled,
    .user_take_step = sq_user_take_step,
    .notice_add = sq_notice_add,
    .notice_due = sq_notice_due,
    .notice_update = sq_notice_update,
    .notice_list = sq_notice_list,
    .user_notify_get = sq_user_notify_get,
    .user_notify_set = sq_user_notify_set,
    .bulk_session = sq_bulk_session,
    .session_put = sq_session_put,
    .session_get = sq_session_get,
    .session_touch = sq_session_touch,
    .session_delete = sq_session_delete,
    .session_delete_user = sq_session_delete_user,
    .token_set_owner = sq_token_set_owner,
    .project_set_status = sq_project_set_status,
    .doc_put = sq_doc_put,
    .doc_get = sq_doc_get,
    .accreditation_put = sq_accreditation_put,
    .accreditation_has = sq_accreditation_has,
    .activity_save = sq_activity_save,
    .activity_get = sq_activity_get,
    .activity_list = sq_activity_list,
    .period_save = sq_period_save,
    .period_get = sq_period_get,
    .period_list = sq_period_list,
    .step_put = sq_step_put,
    .step_list = sq_step_list,
    .a6_ndc_put = sq_a6_ndc_put,
    .a6_ndc_get = sq_a6_ndc_get,
    .a6_year_put = sq_a6_year_put,
    .a6_year_list = sq_a6_year_list,
    .a6_auth_put = sq_a6_auth_put,
    .a6_auth_get = sq_a6_auth_get,
    .a6_auth_list = sq_a6_auth_list,
    .a6_itmo_put = sq_a6_itmo_put,
    .a6_itmo_remove = sq_a6_itmo_remove,
    .a6_itmo_in_batch = sq_a6_itmo_in_batch,
    .a6_itmo_by_serial = sq_a6_itmo_by_serial,
    .a6_itmo_list = sq_a6_itmo_list,
    .a6_itmo_next_serial = sq_a6_itmo_next_serial,
    .a6_action_put = sq_a6_action_put,
    .a6_action_list = sq_a6_action_list,
    .a6_auth_version_put = sq_a6_auth_version_put,
    .a6_auth_version_list = sq_a6_auth_version_list,
    .a6_approach_put = sq_a6_approach_put,
    .a6_approach_get = sq_a6_approach_get,
    .a6_approach_list = sq_a6_approach_list,
    .nma_put = sq_nma_put,
    .nma_get = sq_nma_get,
    .nma_list = sq_nma_list,
    .mech_rec_put = sq_mech_rec_put,
    .mech_rec_get = sq_mech_rec_get,
    .mech_rec_list = sq_mech_rec_list,
    .arec_put = sq_arec_put,
    .arec_get = sq_arec_get,
    .arec_list = sq_arec_list,
    .ex_instrument_put = sq_ex_instrument_put,
    .ex_instrument_get = sq_ex_instrument_get,
    .ex_instrument_list = sq_ex_instrument_list,
    .crit_put = sq_crit_put,
    .crit_get = sq_crit_get,
    .batch_label_put = sq_batch_label_put,
    .batch_label_list = sq_batch_label_list,
    .batch_label_drop = sq_batch_label_drop,
    .batch_label_restore = sq_batch_label_restore,
    .ex_cash_get = sq_ex_cash_get,
    .ex_cash_put = sq_ex_cash_put,
    .ex_cash_list = sq_ex_cash_list,
    .ex_journal_put = sq_ex_journal_put,
    .ex_journal_list = sq_ex_journal_list,
    .ex_order_put = sq_ex_order_put,
    .ex_order_get = sq_ex_order_get,
    .ex_order_list = sq_ex_order_list,
    .ex_order_max = sq_ex_order_max,
    .ex_trade_put = sq_ex_trade_put,
    .ex_trade_list = sq_ex_trade_list,
    .ex_trade_page = sq_ex_trade_page,
    .stats = sq_stats,
    .ex_delivered = sq_ex_delivered,
    .log_size = sq_log_size,
    .log_append = sq_log_append,
    .log_leaf_get = sq_log_leaf_get,
    .log_leaf_list = sq_log_leaf_list,
    .log_letter_get = sq_log_letter_get,
    .log_node_get = sq_log_node_get,
    .log_head_put = sq_log_head_put,
    .log_head_get = sq_log_head_get,
    .log_head_list = sq_log_head_list,
    .log_key_put = sq_log_key_put,
    .log_key_list = sq_log_key_list,
    .schema_version = sq_schema_version,
    .policy_get = sq_policy_get,
    .policy_put = sq_policy_put,
    .proposal_put = sq_proposal_put,
    .proposal_update = sq_proposal_update,
    .proposal_get = sq_proposal_get,
    .proposal_list = sq_proposal_list,
    .trusted_put = sq_trusted_put,
    .trusted_delete = sq_trusted_delete,
    .trusted_list = sq_trusted_list,
    .reader = sq_reader,
    .registry_kind_get = sq_registry_kind_get,
    .registry_kind_set = sq_registry_kind_set,
    .batch_vintage_set = sq_batch_vintage_set,
    .origin_block_put = sq_origin_block_put,
    .origin_block_at = sq_origin_block_at,
    .origin_blocks_of_batch = sq_origin_blocks_of_batch,
    .origin_placed = sq_origin_placed,
    .origin_unplaced_put = sq_origin_unplaced_put,
    .origin_unplaced_get = sq_origin_unplaced_get,
    .origin_unplaced_list = sq_origin_unplaced_list,
    .origin_project_put = sq_origin_project_put,
    .origin_project_get = sq_origin_project_get,
    .origin_period_put = sq_origin_period_put,
    .origin_period_get = sq_origin_period_get,
    .project_facts_set = sq_project_facts_set,
    .tx_origin_put = sq_tx_origin_put,
    .tx_origin_get = sq_tx_origin_get,
    .tx_terms_put = sq_tx_terms_put,
    .tx_terms_get = sq_tx_terms_get,
    .tx_terms_list = sq_tx_terms_list,
};

/* Applies the migrations the database lacks, each in its own transaction. */
static l6_err migrate(sq_store *q, l6_error *err) {
  l6_err e = exec_sql(q, "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)", err);
  if (e != L6_E_OK) return e;
  int version = 0;
  sqlite3_stmt *t = NULL;
  if (sqlite3_prepare_v2(q->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &t, NULL) != SQLITE_OK)
    return sq_fail(q, sqlite3_errcode(q->db), err);
  if (sqlite3_step(t) == SQLITE_ROW) version = atoi((const char *)sqlite3_column_text(t, 0));
  sqlite3_finalize(t);
  if (version > L6_SCHEMA_VERSION)
    return l6_fail(err, L6_E_STORE, "store schema version %d is newer than this ledger6 (%d)", version,
                   L6_SCHEMA_VERSION);
  for (int v = version; v < L6_SCHEMA_VERSION; v++) {
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '%d')", v + 1);
    if ((e = exec_sql(q, "BEGIN IMMEDIATE", err)) != L6_E_OK) return e;
    if ((e = exec_sql(q, l6_migrations[v], err)) != L6_E_OK || (e = exec_sql(q, sql, err)) != L6_E_OK) {
      sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
      return e;
    }
    if ((e = exec_sql(q, "COMMIT", err)) != L6_E_OK) return e;
  }
  return L6_E_OK;
}

l6_store *store_sqlite_open(const char *path, l6_error *err) {
  sq_store *q = calloc(1, sizeof *q);
  if (q == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  q->base.ops = &sqlite_ops;
  /* A new store file is made here, mode 0600, before SQLite opens it:
   * it holds token hashes and every holding, so only its owner reads it.
   * SQLite gives its -wal and -shm files the database file's mode. */
  if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
  }
  int rc = sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK) {
    l6_fail(err, L6_E_STORE, "cannot open store %s: %s", path, q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
    sq_close(&q->base);
    return NULL;
  }
  struct stat sb; /* the file opened, unless in memory (":memory:", "", "file:" URIs are not used here) */
  if (strcmp(path, ":memory:") != 0 && path[0] && stat(path, &sb) == 0) {
    q->path = strdup(path);
    q->dev = sb.st_dev;
    q->ino = sb.st_ino;
  }
  sqlite3_busy_timeout(q->db, L6_STORE_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(q->db, 1);
  if (exec_sql(q, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", err) != L6_E_OK ||
      migrate(q, err) != L6_E_OK) {
    sq_close(&q->base);
    return NULL;
  }
  for (int i = 0; i < Q__COUNT; i++) {
    if (sqlite3_prepare_v3(q->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &q->stmt[i], NULL) != SQLITE_OK) {
      l6_fail(err, L6_E_STORE, "cannot prepare statement %d: %s", i, sqlite3_errmsg(q->db));
      sq_close(&q->base);
      return NULL;
    }
  }
  return &q->base;
}

/* A reader: the same file on a connection of its own, query_only, with
 * the same prepared statements; no migration (the writer did it). In WAL
 * mode its transactions read a snapshot while the writer commits. */
static l6_store *sq_reader(l6_store *s, l6_error *err) {
  sq_store *w = SQ(s);
  if (w->path == NULL || w->readonly) {
    l6_fail(err, L6_E_STORE, "an in-memory store has no readers");
    return NULL;
  }
  sq_store *q = calloc(1, sizeof *q);
  if (q == NULL) {
    l6_fail(err, L6_E_NOMEM, NULL);
    return NULL;
  }
  q->base.ops = &sqlite_ops;
  q->readonly = true;
  q->dev = w->dev;
  q->ino = w->ino;
  q->path = strdup(w->path);
  int rc = sqlite3_open_v2(w->path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (q->path == NULL || rc != SQLITE_OK) {
    l6_fail(err, L6_E_STORE, "cannot open a reader of %s: %s", w->path, q->db ? sqlite3_errmsg(q->db) : "out of memory");
    sq_close(&q->base);
    return NULL;
  }
  sqlite3_busy_timeout(q->db, L6_STORE_BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes(q->db, 1);
  if (exec_sql(q, "PRAGMA query_only=1; PRAGMA foreign_keys=ON;", err) != L6_E_OK) {
    sq_close(&q->base);
    return NULL;
  }
  for (int i = 0; i < Q__COUNT; i++) {
    if (sqlite3_prepare_v3(q->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &q->stmt[i], NULL) != SQLITE_OK) {
      l6_fail(err, L6_E_STORE, "cannot prepare statement %d: %s", i, sqlite3_errmsg(q->db));
      sq_close(&q->base);
      return NULL;
    }
  }
  return &q->base;
}

void store_sqlite_fail_after(l6_store *s, int n) { sq_fail_after(s, n); }
void store_sqlite_fail_commit(l6_store *s, int n) { SQ(s)->fail_commit = n; }
