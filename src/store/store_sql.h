/*
 * store_sql.h -- the statements both store engines share (issue 16,
 * target 7): every statement whose SQL is the same for SQLite and
 * PostgreSQL is written here once, with SQLite's numbered parameters
 * (?1, ?2, ...); store_pg.c prepares it with them turned into $1, $2, ...
 * (store_sql_pg). Each engine lists STORE_SQL_SHARED first in its own
 * statement table and adds the statements that differ (PostgreSQL's ids
 * computed in the INSERT with RETURNING, its typed sentinels such as
 * $1::text = '', SQLite's INDEXED BY and rowid). The column lists below
 * are the order the shared row decoders (store_rows.c) read.
 */
#ifndef L6_STORE_SQL_H
#define L6_STORE_SQL_H

#include <stddef.h>

/* The columns of a token row, in store_dec_token's order. */
#define TOK_COLS "id, role, org, label, created, expires, revoked, last_used, owner"
#define A6_AUTH_COLS "id, party, approach, project, vintage_from, vintage_to, quantity, assigned, purposes," \
  " ft_event, parties, entities, year_from, year_to, in_scope, version, revoked, ts, letter_sha256"
#define A6_ITMO_COLS "id, auth, approach, registry, host, batch, first, last, itmo_first, vintage, ft_year, fate," \
  " user_party, use_year"
#define A6_ACT_COLS "id, tx, type, party, auth, approach, registry, itmo_first, itmo_last, first_id, last_id," \
  " quantity, vintage, from_party, to_party, purpose, user_entity, year, ca, ts"
#define USER_COLS "id, email, name, role, org, pwhash, totp_secret, totp_step, disabled, created"
#define NOTICE_COLS "id, user_id, key, email, subject, body, state, attempts, created_ms, due_ms, sent_ms, last_error"
#define PROP_COLS                                                                                         \
  "id, kind, state, registry, org, from_account, to_account, quantity, reasons, proposer, proposer_role," \
  " proposer_org, proposer_user, proposer_token, created_ms, expires_ms, executes_ms, decided_ms, decided_by," \
  " approved_by, result, hold_tx, release_tx, result_tx, request"
#define ORIGIN_COLS "id, origin, prefix, first, last, text, batch, serial_first, project, vintage_start, vintage_end"
#define UNPLACED_COLS "origin, project, vintage_start, vintage_end, vintage, total, unplaced, buffer, retired," \
  " total_kg, buffer_kg, retired_kg"
#define STORE_SQL_SHARED(XX) \
  XX(PARTY_PUT, "INSERT INTO parties(code, name) VALUES(?1, ?2)") \
  XX(PARTY_GET, "SELECT code, name FROM parties WHERE code = ?1") \
  XX(PARTY_LIST, "SELECT code, name FROM parties ORDER BY code") \
  XX(REG_PUT, "INSERT INTO registries(id, party, name) VALUES(?1, ?2, ?3)") \
  XX(REG_GET, "SELECT id, party, name, kind FROM registries WHERE id = ?1") \
  XX(REG_LIST, "SELECT id, party, name, kind FROM registries ORDER BY id") \
  XX(ORG_GET, "SELECT id, registry, name FROM organisations WHERE id = ?1") \
  XX(ACC_GET, "SELECT id, registry, org, type, status, name FROM accounts WHERE id = ?1") \
  XX(ACC_STATUS, "UPDATE accounts SET status = ?2 WHERE id = ?1") \
  XX(ACC_OF_REG, "SELECT id, registry, org, type, status, name FROM accounts" \
                 " WHERE registry = ?1 AND type = ?2 AND org IS NULL ORDER BY id LIMIT 1") \
  XX(PROG_PUT, "INSERT INTO programmes(code, name, kind) VALUES(?1, ?2, ?3)") \
  XX(PROG_GET, "SELECT code, name, kind FROM programmes WHERE code = ?1") \
  XX(PROG_LIST, "SELECT code, name, kind FROM programmes ORDER BY code") \
  XX(UT_PUT, "INSERT INTO unit_types(code, programme, name, non_offsetting) VALUES(?1, ?2, ?3, ?4)") \
  XX(UT_GET, "SELECT code, programme, name, non_offsetting FROM unit_types WHERE code = ?1") \
  XX(UT_LIST, "SELECT code, programme, name, non_offsetting FROM unit_types ORDER BY code") \
  XX(PROJ_PUT, "INSERT INTO projects(id, programme, host, title, methodology, sector, kind," \
               " crediting_start, crediting_end, status) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)") \
  XX(PROJ_GET, "SELECT id, programme, host, title, methodology, sector, kind, crediting_start," \
               " crediting_end, status FROM projects WHERE id = ?1") \
  XX(BATCH_GET, "SELECT id, project, unit_type, registry, vintage, serial_start, quantity, tx," \
                " production_start, production_end FROM batches WHERE id = ?1") \
  XX(BLK_LEFT, "SELECT id, batch, account, first, last FROM blocks WHERE batch = ?1 AND first < ?2" \
               " ORDER BY first DESC LIMIT 1") \
  XX(BLK_RIGHT, "SELECT id, batch, account, first, last FROM blocks WHERE batch = ?1 AND first >= ?2" \
                " ORDER BY first LIMIT 1") \
  XX(BLK_SET, "UPDATE blocks SET first = ?2, last = ?3 WHERE id = ?1") \
  XX(BLK_DEL, "DELETE FROM blocks WHERE id = ?1") \
  XX(BLK_FIND, "SELECT id, batch, account, first, last, vintage FROM blocks" \
               " WHERE batch = ?1 AND first <= ?2 ORDER BY first DESC LIMIT 1") \
  XX(BLK_OF_BATCH, "SELECT id, batch, account, first, last, vintage FROM blocks" \
                   " WHERE batch = ?1 ORDER BY first") \
  XX(TX_GET, "SELECT id, kind, ts, actor, from_account, to_account, quantity, beneficiary," \
             " purpose, claim, reporting_year FROM transactions WHERE id = ?1") \
  XX(LINE_PUT, "INSERT INTO tx_lines(tx, batch, first, last, from_account, to_account, lvl)" \
               " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)") \
  XX(IDEM_GET, "SELECT hash, status, body FROM idempotency WHERE key = ?1") \
  XX(IDEM_PUT, "INSERT INTO idempotency(key, hash, status, body) VALUES(?1, ?2, ?3, ?4)") \
  XX(TOK_FIND, "SELECT " TOK_COLS " FROM tokens WHERE hash = ?1") \
  XX(TOK_GET, "SELECT " TOK_COLS " FROM tokens WHERE id = ?1") \
  XX(TOK_REVOKE, "UPDATE tokens SET revoked = ?2 WHERE id = ?1 AND revoked = 0") \
  XX(TOK_TOUCH, "UPDATE tokens SET last_used = ?2 WHERE id = ?1 AND last_used < ?3") \
  XX(LEAF_PUT, "INSERT INTO log_leaves(idx, tx, salt) VALUES(?1, ?2, ?3)") \
  XX(LETTER_PUT, "INSERT INTO log_letters(idx, auth, version, sha256, ts) VALUES(?1, ?2, ?3, ?4, ?5)") \
  XX(LETTER_GET, "SELECT idx, 0, '00000000000000000000000000000000', auth, version, sha256, ts FROM log_letters" " WHERE auth = ?1 AND version = ?2") \
  XX(LEAF_GET, "SELECT idx, tx, salt, 0 AS auth, 0 AS version, '' AS sha256, '' AS ts FROM log_leaves" " WHERE idx = ?1 UNION ALL " "SELECT idx, 0, '00000000000000000000000000000000', auth, version, sha256, ts FROM log_letters" " WHERE idx = ?1") \
  XX(LEAF_OF_TX, "SELECT idx, tx, salt, 0 AS auth, 0 AS version, '' AS sha256, '' AS ts FROM log_leaves" " WHERE tx = ?1") \
  XX(LEAF_LIST, "SELECT * FROM (" "SELECT idx, tx, salt, 0 AS auth, 0 AS version, '' AS sha256, '' AS ts FROM log_leaves" " WHERE idx >= ?1 ORDER BY idx LIMIT ?2) a UNION ALL" \
               " SELECT * FROM (" "SELECT idx, 0, '00000000000000000000000000000000', auth, version, sha256, ts FROM log_letters" " WHERE idx >= ?1 ORDER BY idx LIMIT ?2) b ORDER BY 1 LIMIT ?2") \
  XX(NODE_PUT, "INSERT INTO log_nodes(level, idx, hash) VALUES(?1, ?2, ?3)") \
  XX(NODE_GET, "SELECT hash FROM log_nodes WHERE level = ?1 AND idx = ?2") \
  XX(HEAD_PUT, "INSERT INTO log_heads(tree_size, root_hash, ts, key_id, signature)" \
               " VALUES(?1, ?2, ?3, ?4, ?5)") \
  XX(HEAD_GET, "SELECT tree_size, root_hash, ts, key_id, signature FROM log_heads" \
               " WHERE tree_size = ?1") \
  XX(HEAD_LAST, "SELECT tree_size, root_hash, ts, key_id, signature FROM log_heads" \
                " ORDER BY tree_size DESC LIMIT 1") \
  XX(HEAD_LIST, "SELECT tree_size, root_hash, ts, key_id, signature FROM log_heads" \
                " WHERE tree_size >= ?1 ORDER BY tree_size LIMIT ?2") \
  XX(KEY_UNSET, "UPDATE log_keys SET current = 0 WHERE current <> 0") \
  XX(KEY_PUT, "INSERT INTO log_keys(id, public_key, created, current) VALUES(?1, ?2, ?3, ?4)") \
  XX(KEY_LIST, "SELECT id, public_key, created, current FROM log_keys ORDER BY created, id") \
  XX(PROJ_STATUS, "UPDATE projects SET status = ?2 WHERE id = ?1") \
  XX(DOC_PUT, "INSERT INTO documents(hash, media_type, name, size, content, ts)" \
              " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(hash) DO UPDATE" \
              " SET content = COALESCE(documents.content, excluded.content)") \
  XX(DOC_GET, "SELECT hash, media_type, name, size, content IS NOT NULL, ts, content" \
              " FROM documents WHERE hash = ?1") \
  XX(ACCR_PUT, "INSERT INTO accreditations(org, mechanism, scope) VALUES(?1, ?2, ?3)" \
               " ON CONFLICT(org, mechanism, scope) DO NOTHING") \
  XX(ACCR_HAS, "SELECT 1 FROM accreditations WHERE org = ?1 AND mechanism = ?2 AND scope = ?3") \
  XX(ACT_SAVE, "INSERT INTO activities(project, mechanism, org, registry, scope, state," \
               " rejected_step, transition_from, requested_on, ets_covered, replacement_due, issued," \
               " updated) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)" \
               " ON CONFLICT(project) DO UPDATE SET mechanism = excluded.mechanism," \
               " org = excluded.org, registry = excluded.registry, scope = excluded.scope," \
               " state = excluded.state, rejected_step = excluded.rejected_step," \
               " transition_from = excluded.transition_from, requested_on = excluded.requested_on," \
               " ets_covered = excluded.ets_covered, replacement_due = excluded.replacement_due," \
               " issued = excluded.issued, updated = excluded.updated") \
  XX(ACT_GET, "SELECT project, mechanism, org, registry, scope, state, rejected_step," \
              " transition_from, requested_on, ets_covered, replacement_due, issued, updated" \
              " FROM activities WHERE project = ?1") \
  XX(PER_SAVE, "INSERT INTO periods(project, seq, start_date, end_date, state, rejected_step," \
               " calculator, inputs, reported, certified, forward)" \
               " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11) ON CONFLICT(project, seq) DO UPDATE" \
               " SET start_date = excluded.start_date, end_date = excluded.end_date," \
               " state = excluded.state, rejected_step = excluded.rejected_step," \
               " calculator = excluded.calculator, inputs = excluded.inputs," \
               " reported = excluded.reported, certified = excluded.certified," \
               " forward = excluded.forward") \
  XX(PER_GET, "SELECT project, seq, start_date, end_date, state, rejected_step, calculator, inputs," \
              " reported, certified, forward FROM periods WHERE project = ?1 AND seq = ?2") \
  XX(PER_LIST, "SELECT project, seq, start_date, end_date, state, rejected_step, calculator, inputs," \
               " reported, certified, forward FROM periods WHERE project = ?1 ORDER BY seq LIMIT ?2") \
  XX(STEP_LIST, "SELECT id, project, period, step, decision, from_state, to_state, actor, role, ts," \
                " mechanism_hash, documents, detail FROM cycle_steps WHERE project = ?1 AND id > ?2" \
                " ORDER BY id LIMIT ?3") \
  XX(A6_NDC_PUT, "INSERT INTO a6_ndcs(party, first_year, last_year, kind, method, target_year, target," \
                 " metric, factor_micro, updated) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)" \
                 " ON CONFLICT(party) DO UPDATE SET first_year = excluded.first_year," \
                 " last_year = excluded.last_year, kind = excluded.kind, method = excluded.method," \
                 " target_year = excluded.target_year, target = excluded.target," \
                 " metric = excluded.metric, factor_micro = excluded.factor_micro," \
                 " updated = excluded.updated") \
  XX(A6_NDC_GET, "SELECT party, first_year, last_year, kind, method, target_year, target, metric," \
                 " factor_micro, updated FROM a6_ndcs WHERE party = ?1") \
  XX(A6_YEAR_PUT, "INSERT INTO a6_ndc_years(party, year, reported, emissions, has_trajectory, trajectory)" \
                  " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(party, year) DO UPDATE SET" \
                  " reported = excluded.reported, emissions = excluded.emissions," \
                  " has_trajectory = excluded.has_trajectory, trajectory = excluded.trajectory") \
  XX(A6_YEAR_LIST, "SELECT party, year, reported, emissions, has_trajectory, trajectory" \
                   " FROM a6_ndc_years WHERE party = ?1 ORDER BY year") \
  XX(A6_AUTH_UPD, "UPDATE a6_authorizations SET party = ?2, approach = ?3, project = ?4," \
                  " vintage_from = ?5, vintage_to = ?6, quantity = ?7, assigned = ?8, purposes = ?9," \
                  " ft_event = ?10, parties = ?11, entities = ?12, year_from = ?13, year_to = ?14," \
                  " in_scope = ?15, version = ?16, revoked = ?17, ts = ?18, letter_sha256 = ?19 WHERE id = ?1") \
  XX(A6_AUTH_GET, "SELECT " A6_AUTH_COLS " FROM a6_authorizations WHERE id = ?1") \
  XX(A6_ITMO_UPD, "UPDATE a6_itmos SET auth = ?2, approach = ?3, registry = ?4, host = ?5, batch = ?6," \
                  " first = ?7, last = ?8, itmo_first = ?9, vintage = ?10, ft_year = ?11, fate = ?12," \
                  " user_party = ?13, use_year = ?14 WHERE id = ?1") \
  XX(A6_ITMO_DEL, "DELETE FROM a6_itmos WHERE id = ?1") \
  XX(A6_ITMO_IN_BATCH, "SELECT " A6_ITMO_COLS " FROM a6_itmos WHERE batch = ?1 AND last >= ?2" \
                       " AND first <= ?3 ORDER BY first") \
  XX(A6_ITMO_BY_SERIAL, "SELECT " A6_ITMO_COLS " FROM a6_itmos WHERE approach = ?1 AND registry = ?2" \
                        " AND itmo_first + (last - first) >= ?3 AND itmo_first <= ?4 ORDER BY itmo_first") \
  XX(A6_ITMO_NEXT, "SELECT COALESCE(MAX(itmo_first + (last - first)), 0) + 1 FROM a6_itmos" \
                   " WHERE approach = ?1 AND registry = ?2") \
  XX(A6_VER_INS, "INSERT INTO a6_auth_versions(auth, version, effective_from, body, ts) VALUES(?1, ?2, ?3, ?4, ?5)") \
  XX(A6_VER_LIST, "SELECT auth, version, effective_from, body, ts FROM a6_auth_versions WHERE auth = ?1" \
                  " ORDER BY version") \
  XX(NMA_UPD, "UPDATE nma_records SET kind = ?2, party = ?3, status = ?4, body = ?5 WHERE id = ?1") \
  XX(NMA_GET, "SELECT id, kind, party, status, body FROM nma_records WHERE id = ?1 AND kind = ?2") \
  XX(MREC_UPD, "UPDATE mech_records SET kind = ?2, ref = ?3, state = ?4, body = ?5 WHERE id = ?1") \
  XX(MREC_GET, "SELECT id, kind, ref, state, body FROM mech_records WHERE id = ?1 AND kind = ?2") \
  XX(AREC_INS, "INSERT INTO activity_records(project, kind, id, period, ref, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)") \
  XX(AREC_GET, "SELECT project, kind, id, period, ref, body FROM activity_records" \
               " WHERE project = ?1 AND kind = ?2 AND ref = ?3") \
  XX(LINK_PUT, "INSERT INTO link_records(kind, key, state, due_ms, body) VALUES(?1, ?2, ?3, ?4, ?5)" \
               " ON CONFLICT(kind, key) DO UPDATE SET state = excluded.state, due_ms = excluded.due_ms," \
               " body = excluded.body") \
  XX(LINK_GET, "SELECT kind, key, state, due_ms, body FROM link_records WHERE kind = ?1 AND key = ?2") \
  XX(LINK_LIST, "SELECT kind, key, state, due_ms, body FROM link_records WHERE kind = ?1" \
                " ORDER BY key") \
  XX(APPROACH_PUT, "INSERT INTO a6_approaches(code, party, body, ts) VALUES(?1, ?2, ?3, ?4)" \
                   " ON CONFLICT(code) DO UPDATE SET party = excluded.party, body = excluded.body," \
                   " ts = excluded.ts") \
  XX(APPROACH_GET, "SELECT code, party, body, ts FROM a6_approaches WHERE code = ?1") \
  XX(APPROACH_LIST, "SELECT code, party, body, ts FROM a6_approaches ORDER BY code") \
  XX(ETS_PUT, "INSERT INTO ets_records(kind, key, body) VALUES(?1, ?2, ?3)" \
              " ON CONFLICT(kind, key) DO UPDATE SET body = excluded.body") \
  XX(ETS_HIST_LIST, "SELECT id, kind, key, actor, ts, body FROM ets_history WHERE kind = ?1 AND key = ?2" \
                    " ORDER BY id") \
  XX(EX_INSTR_PUT, "INSERT INTO ex_instruments(code, name, kind, unit_type, project, vintage_from, vintage_to," " batch, registry, escrow, currency, minor_units, tick, lot, min_qty, max_qty, band_pct," " sessions, tz_offset, status, mode, prev_close, maker_bps, taker_bps, no_same_day_resale," " created, call_minutes)" " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)" " ON CONFLICT(code) DO UPDATE SET name = excluded.name, kind = excluded.kind, unit_type =" " excluded.unit_type, project = excluded.project, vintage_from = excluded.vintage_from," " vintage_to = excluded.vintage_to, batch = excluded.batch, registry = excluded.registry," " escrow = excluded.escrow, currency = excluded.currency, minor_units = excluded.minor_units," " tick = excluded.tick, lot = excluded.lot, min_qty = excluded.min_qty, max_qty =" " excluded.max_qty, band_pct = excluded.band_pct, sessions = excluded.sessions, tz_offset =" " excluded.tz_offset, status = excluded.status, mode = excluded.mode, prev_close =" " excluded.prev_close, maker_bps = excluded.maker_bps, taker_bps = excluded.taker_bps," " no_same_day_resale = excluded.no_same_day_resale, created = excluded.created, call_minutes =" " excluded.call_minutes") \
  XX(EX_INSTR_GET, "SELECT code, name, kind, unit_type, project, vintage_from, vintage_to, batch, registry," " escrow, currency, minor_units, tick, lot, min_qty, max_qty, band_pct, sessions, tz_offset," " status, mode, prev_close, maker_bps, taker_bps, no_same_day_resale, created, call_minutes" " FROM ex_instruments WHERE code = ?1") \
  XX(EX_INSTR_LIST, "SELECT code, name, kind, unit_type, project, vintage_from, vintage_to, batch, registry," " escrow, currency, minor_units, tick, lot, min_qty, max_qty, band_pct, sessions, tz_offset," " status, mode, prev_close, maker_bps, taker_bps, no_same_day_resale, created, call_minutes" " FROM ex_instruments ORDER BY code") \
  XX(CRIT_PUT, "INSERT INTO crit_instruments(code, unit_types, programmes, labels, corsia_phase) VALUES(?1,?2,?3,?4,?5)" " ON CONFLICT(code) DO UPDATE SET unit_types = excluded.unit_types, programmes = excluded.programmes," " labels = excluded.labels, corsia_phase = excluded.corsia_phase") \
  XX(CRIT_GET, "SELECT code, unit_types, programmes, labels, corsia_phase FROM crit_instruments WHERE code = ?1") \
  XX(BLABEL_LIST, "SELECT id, batch, label, actor, ts, reference, dropped_ts, dropped_reference FROM crit_batch_labels" \
                  " WHERE batch = ?1 ORDER BY id") \
  XX(BLABEL_DROP, "UPDATE crit_batch_labels SET dropped_ts = ?3, dropped_reference = ?4 WHERE batch = ?1 AND label = ?2") \
  XX(BLABEL_RESTORE, "UPDATE crit_batch_labels SET actor = ?3, ts = ?4, reference = ?5, dropped_ts = ''," \
                     " dropped_reference = '' WHERE batch = ?1 AND label = ?2") \
  XX(EX_CASH_GET, "SELECT org, currency, balance, reserved FROM ex_cash WHERE org = ?1 AND currency = ?2") \
  XX(EX_CASH_PUT, "INSERT INTO ex_cash(org, currency, balance, reserved) VALUES(?1,?2,?3,?4) ON CONFLICT(org," " currency) DO UPDATE SET currency = excluded.currency, balance = excluded.balance, reserved =" " excluded.reserved") \
  XX(EX_ORDER_PUT, "INSERT INTO ex_orders(id, instrument, seq, org, account, side, type, tif, post_only, price," " qty, remaining, reserved, status, day, ts, counterparty)" " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17) ON CONFLICT(id) DO UPDATE" " SET instrument = excluded.instrument, seq = excluded.seq, org = excluded.org, account =" " excluded.account, side = excluded.side, type = excluded.type, tif = excluded.tif, post_only =" " excluded.post_only, price = excluded.price, qty = excluded.qty, remaining =" " excluded.remaining, reserved = excluded.reserved, status = excluded.status, day =" " excluded.day, ts = excluded.ts, counterparty = excluded.counterparty") \
  XX(EX_ORDER_GET, "SELECT id, instrument, seq, org, account, side, type, tif, post_only, price, qty, remaining," " reserved, status, day, ts, counterparty FROM ex_orders WHERE id = ?1") \
  XX(EX_ORDER_MAX, "SELECT COALESCE(MAX(id), 0), COALESCE(MAX(seq), 0) FROM ex_orders") \
  XX(EX_DELIVERED, "SELECT l.tx, l.batch, l.first, l.last, l.from_account, l.to_account FROM ex_trades t JOIN" \
     " tx_lines l ON l.tx = t.tx WHERE t.ts >= ?1 AND t.tx > 0 AND l.batch = ?2 AND l.last >= ?3 AND l.first <= ?4" \
     " ORDER BY l.first") \
  XX(USER_GET, "SELECT " USER_COLS " FROM users WHERE id = ?1") \
  XX(USER_BY_EMAIL, "SELECT " USER_COLS " FROM users WHERE email = ?1") \
  XX(USER_LIST, "SELECT " USER_COLS " FROM users ORDER BY id") \
  XX(USER_DISABLE, "UPDATE users SET disabled = ?2 WHERE id = ?1") \
  XX(USER_STEP, "UPDATE users SET totp_step = ?2 WHERE id = ?1 AND totp_step < ?2") \
  XX(SESS_PUT, "INSERT INTO sessions(hash, user_id, csrf_hash, created_ms, last_ms) VALUES(?1, ?2, ?3, ?4, ?5)") \
  XX(SESS_GET, "SELECT user_id, csrf_hash, created_ms, last_ms FROM sessions WHERE hash = ?1") \
  XX(SESS_TOUCH, "UPDATE sessions SET last_ms = ?2 WHERE hash = ?1") \
  XX(SESS_DEL, "DELETE FROM sessions WHERE hash = ?1") \
  XX(SESS_DEL_USER, "DELETE FROM sessions WHERE user_id = ?1") \
  XX(TOK_OWNER, "UPDATE tokens SET owner = ?2 WHERE id = ?1") \
  XX(NOTICE_UPD, "UPDATE notices SET state = ?2, attempts = ?3, due_ms = ?4, sent_ms = ?5, last_error = ?6" \
                 " WHERE id = ?1") \
  XX(USER_NOTIFY_GET, "SELECT notify_email FROM users WHERE id = ?1") \
  XX(USER_NOTIFY_SET, "UPDATE users SET notify_email = ?2 WHERE id = ?1") \
  XX(POL_GET, "SELECT registry, body, hold_account FROM approval_policies WHERE registry = ?1") \
  XX(POL_PUT, "INSERT INTO approval_policies(registry, body, hold_account) VALUES(?1, ?2, ?3)" \
              " ON CONFLICT(registry) DO UPDATE SET body = excluded.body, hold_account = excluded.hold_account") \
  XX(PROP_UPD, "UPDATE proposals SET kind = ?2, state = ?3, registry = ?4, org = ?5, from_account = ?6," \
               " to_account = ?7, quantity = ?8, reasons = ?9, proposer = ?10, proposer_role = ?11," \
               " proposer_org = ?12, proposer_user = ?13, proposer_token = ?14, created_ms = ?15," \
               " expires_ms = ?16, executes_ms = ?17, decided_ms = ?18, decided_by = ?19, approved_by = ?20," \
               " result = ?21, hold_tx = ?22, release_tx = ?23, result_tx = ?24, request = ?25 WHERE id = ?1") \
  XX(PROP_GET, "SELECT " PROP_COLS " FROM proposals WHERE id = ?1") \
  XX(TRUST_PUT, "INSERT INTO trusted_accounts(account, trusted, added_ms, active_ms, added_by)" \
                " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(account, trusted) DO UPDATE SET" \
                " added_ms = excluded.added_ms, active_ms = excluded.active_ms, added_by = excluded.added_by") \
  XX(TRUST_DEL, "DELETE FROM trusted_accounts WHERE account = ?1 AND trusted = ?2") \
  XX(TRUST_LIST, "SELECT account, trusted, added_ms, active_ms, added_by FROM trusted_accounts" \
                 " WHERE account = ?1 ORDER BY trusted") \
  XX(REG_KIND_GET, "SELECT kind FROM registries WHERE id = ?1") \
  XX(REG_KIND_SET, "UPDATE registries SET kind = ?2 WHERE id = ?1") \
  XX(BATCH_VINTAGE, "UPDATE batches SET vintage_start = ?2, vintage_end = ?3 WHERE id = ?1") \
  XX(ORIGIN_OF_BATCH, "SELECT " ORIGIN_COLS " FROM origin_blocks WHERE batch = ?1 ORDER BY first") \
  XX(ORIGIN_PLACED, "SELECT COALESCE(SUM(last - first + 1), 0) FROM origin_blocks WHERE origin = ?1" \
                    " AND project = ?2 AND vintage_start = ?3 AND vintage_end = ?4") \
  XX(UNPLACED_PUT, "INSERT INTO origin_unplaced(" UNPLACED_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)" \
                   " ON CONFLICT(origin, project, vintage_start, vintage_end) DO UPDATE SET" \
                   " vintage = excluded.vintage, total = excluded.total, unplaced = excluded.unplaced," \
                   " buffer = excluded.buffer, retired = excluded.retired, total_kg = excluded.total_kg," \
                   " buffer_kg = excluded.buffer_kg, retired_kg = excluded.retired_kg") \
  XX(UNPLACED_GET, "SELECT " UNPLACED_COLS " FROM origin_unplaced WHERE origin = ?1 AND project = ?2" \
                   " AND vintage_start = ?3 AND vintage_end = ?4") \
  XX(UNPLACED_LIST, "SELECT " UNPLACED_COLS " FROM origin_unplaced WHERE ?1 = '' OR origin = ?1" \
                    " ORDER BY origin, project, vintage_start, vintage_end") \
  XX(TXO_PUT, "INSERT INTO tx_origin(tx, effective, beneficiary_unstated) VALUES(?1, ?2, ?3)") \
  XX(TXO_GET, "SELECT effective, beneficiary_unstated FROM tx_origin WHERE tx = ?1") \
  XX(OPROJ_PUT, "INSERT INTO origin_projects(origin, project, status, registered) VALUES(?1, ?2, ?3, ?4)" \
                " ON CONFLICT(origin, project) DO UPDATE SET status = excluded.status," \
                " registered = excluded.registered") \
  XX(OPROJ_GET, "SELECT origin, project, status, registered FROM origin_projects" \
                " WHERE origin = ?1 AND project = ?2") \
  XX(OPER_PUT, "INSERT INTO origin_periods(origin, prefix, year, vintage_start, vintage_end) VALUES(?1, ?2, ?3, ?4, ?5)" \
               " ON CONFLICT(origin, prefix, year) DO UPDATE SET vintage_start = excluded.vintage_start," \
               " vintage_end = excluded.vintage_end") \
  XX(OPER_GET, "SELECT vintage_start, vintage_end FROM origin_periods WHERE origin = ?1 AND prefix = ?2 AND year = ?3") \
  XX(PROJ_FACTS, "UPDATE projects SET methodology = ?2, crediting_start = ?3, crediting_end = ?4," \
                 " status = ?5 WHERE id = ?1") \
  XX(TXT_PUT, "INSERT INTO tx_terms(tx, amount, currency) VALUES(?1, ?2, ?3)") \
  XX(TXT_GET, "SELECT tx, amount, currency FROM tx_terms WHERE tx = ?1") \
  XX(TXT_LIST, "SELECT tx, amount, currency FROM tx_terms ORDER BY tx")

/* sql with every ?<digits> outside quotes written $<digits>
 * (PostgreSQL's parameter form), malloc'd; NULL when out of memory. */
char *store_sql_pg(const char *sql);

#endif
