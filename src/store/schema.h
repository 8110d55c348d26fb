/*
 * schema.h -- versioned migrations of the store schema. Migration i brings
 * the schema from version i to i + 1; the store records the version in
 * meta('schema_version') and applies what is missing at open, in one
 * transaction each. Never edit a released migration: append a new one.
 * The SQL is kept to the subset SQLite and PostgreSQL share.
 */
#ifndef L6_SCHEMA_H
#define L6_SCHEMA_H

#include "store/schema_lvl.h"

static const char *const l6_migrations[] = {
    /* 0 -> 1: the registry. */
    "CREATE TABLE parties(code TEXT PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE registries(id TEXT PRIMARY KEY, party TEXT NOT NULL REFERENCES parties(code),"
    "  name TEXT NOT NULL);"
    "CREATE TABLE organisations(id INTEGER PRIMARY KEY, registry TEXT NOT NULL REFERENCES registries(id),"
    "  name TEXT NOT NULL);"
    "CREATE TABLE accounts(id INTEGER PRIMARY KEY, registry TEXT NOT NULL REFERENCES registries(id),"
    "  org INTEGER REFERENCES organisations(id), type TEXT NOT NULL, status TEXT NOT NULL,"
    "  name TEXT NOT NULL);"
    "CREATE INDEX accounts_org ON accounts(org, id);"
    "CREATE INDEX accounts_registry ON accounts(registry, type);"
    "CREATE TABLE programmes(code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL);"
    "CREATE TABLE unit_types(code TEXT PRIMARY KEY, programme TEXT NOT NULL REFERENCES programmes(code),"
    "  name TEXT NOT NULL);"
    "CREATE TABLE projects(id TEXT PRIMARY KEY, programme TEXT NOT NULL REFERENCES programmes(code),"
    "  host TEXT NOT NULL REFERENCES parties(code), title TEXT NOT NULL, methodology TEXT NOT NULL,"
    "  sector TEXT NOT NULL, kind TEXT NOT NULL, crediting_start TEXT NOT NULL,"
    "  crediting_end TEXT NOT NULL, status TEXT NOT NULL);"
    "CREATE TABLE transactions(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ts TEXT NOT NULL,"
    "  actor TEXT NOT NULL, from_account INTEGER REFERENCES accounts(id),"
    "  to_account INTEGER NOT NULL REFERENCES accounts(id), quantity INTEGER NOT NULL CHECK(quantity > 0),"
    "  beneficiary TEXT NOT NULL, purpose TEXT NOT NULL, claim TEXT NOT NULL,"
    "  reporting_year INTEGER NOT NULL);"
    "CREATE INDEX tx_from ON transactions(from_account, id);"
    "CREATE INDEX tx_to ON transactions(to_account, id);"
    "CREATE INDEX tx_kind ON transactions(kind, id);"
    "CREATE TABLE batches(id INTEGER PRIMARY KEY, project TEXT NOT NULL REFERENCES projects(id),"
    "  unit_type TEXT NOT NULL REFERENCES unit_types(code), registry TEXT NOT NULL REFERENCES registries(id),"
    "  vintage INTEGER NOT NULL, serial_start INTEGER NOT NULL CHECK(serial_start >= 1),"
    "  quantity INTEGER NOT NULL CHECK(quantity > 0), tx INTEGER NOT NULL REFERENCES transactions(id));"
    "CREATE INDEX batches_project ON batches(project, id);"
    /* vintage is copied from the batch so that picking (oldest vintage,
     * then batch, then serial) walks blocks_pick in order and stops at its
     * LIMIT instead of sorting every block of the account. */
    "CREATE TABLE blocks(id INTEGER PRIMARY KEY, batch INTEGER NOT NULL REFERENCES batches(id),"
    "  account INTEGER NOT NULL REFERENCES accounts(id), first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  vintage INTEGER NOT NULL, CHECK(first >= 1 AND last >= first));"
    "CREATE UNIQUE INDEX blocks_batch_first ON blocks(batch, first);"
    "CREATE INDEX blocks_pick ON blocks(account, vintage, batch, first);"
    "CREATE INDEX blocks_account ON blocks(account);" /* rows come in id order: paging by id */
    "CREATE TABLE tx_lines(tx INTEGER NOT NULL REFERENCES transactions(id),"
    "  batch INTEGER NOT NULL REFERENCES batches(id), first INTEGER NOT NULL, last INTEGER NOT NULL,"
    "  from_account INTEGER REFERENCES accounts(id), to_account INTEGER NOT NULL REFERENCES accounts(id));"
    "CREATE INDEX tx_lines_tx ON tx_lines(tx);"
    "CREATE INDEX tx_lines_batch ON tx_lines(batch, first);"
    "CREATE TABLE idempotency(key TEXT PRIMARY KEY, hash TEXT NOT NULL, status INTEGER NOT NULL,"
    "  body TEXT NOT NULL);"
    "CREATE TABLE tokens(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL,"
    "  org INTEGER REFERENCES organisations(id), label TEXT NOT NULL);",
    /* 1 -> 2: crediting mechanisms and the project cycle (src/service/cycle.c).
     * Documents are content-addressed (SHA-256), their bytes base64 text or
     * absent (kept outside the store). An activity is the project of the same
     * id going through a mechanism's cycle; periods are its monitoring
     * periods; cycle_steps is the trail of every step (actor, time, state
     * change, document hashes, the mechanism file's hash). Mechanism
     * definitions themselves are files, not rows. */
    "CREATE TABLE documents(hash TEXT PRIMARY KEY, media_type TEXT NOT NULL, name TEXT NOT NULL,"
    "  size INTEGER NOT NULL CHECK(size >= 0), content TEXT, ts TEXT NOT NULL);"
    "CREATE TABLE accreditations(org INTEGER NOT NULL REFERENCES organisations(id), mechanism TEXT NOT NULL,"
    "  scope TEXT NOT NULL, PRIMARY KEY(org, mechanism, scope));"
    "CREATE TABLE activities(project TEXT PRIMARY KEY REFERENCES projects(id), mechanism TEXT NOT NULL,"
    "  org INTEGER NOT NULL REFERENCES organisations(id), registry TEXT NOT NULL REFERENCES registries(id),"
    "  scope TEXT NOT NULL, state TEXT NOT NULL, rejected_step TEXT NOT NULL, transition_from TEXT NOT NULL,"
    "  requested_on TEXT NOT NULL, ets_covered INTEGER NOT NULL,"
    "  replacement_due INTEGER NOT NULL CHECK(replacement_due >= 0), issued INTEGER NOT NULL CHECK(issued >= 0),"
    "  updated TEXT NOT NULL);"
    "CREATE INDEX activities_mechanism ON activities(mechanism, project);"
    "CREATE TABLE periods(project TEXT NOT NULL REFERENCES activities(project), seq INTEGER NOT NULL,"
    "  start_date TEXT NOT NULL, end_date TEXT NOT NULL, state TEXT NOT NULL, rejected_step TEXT NOT NULL,"
    "  calculator TEXT NOT NULL, inputs TEXT NOT NULL, reported INTEGER NOT NULL CHECK(reported >= 0),"
    "  certified INTEGER NOT NULL CHECK(certified >= 0), forward TEXT NOT NULL, PRIMARY KEY(project, seq));"
    "CREATE TABLE cycle_steps(id INTEGER PRIMARY KEY, project TEXT NOT NULL REFERENCES activities(project),"
    "  period INTEGER NOT NULL, step TEXT NOT NULL, decision TEXT NOT NULL, from_state TEXT NOT NULL,"
    "  to_state TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, ts TEXT NOT NULL,"
    "  mechanism_hash TEXT NOT NULL, documents TEXT NOT NULL, detail TEXT NOT NULL);"
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
    "CREATE TABLE log_keys(id TEXT PRIMARY KEY, public_key TEXT NOT NULL UNIQUE, created INTEGER NOT NULL,"
    "  current INTEGER NOT NULL);"
    "CREATE TABLE log_leaves(idx INTEGER PRIMARY KEY, tx INTEGER NOT NULL UNIQUE REFERENCES transactions(id),"
    "  salt TEXT NOT NULL);"
    "CREATE TABLE log_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL,"
    "  PRIMARY KEY(level, idx));"
    "CREATE TABLE log_heads(tree_size INTEGER PRIMARY KEY, root_hash TEXT NOT NULL, ts INTEGER NOT NULL,"
    "  key_id TEXT NOT NULL REFERENCES log_keys(id), signature TEXT NOT NULL);",
    /* 3 -> 4: Article 6.2 accounting (src/service/a6.c). NDCs and their
     * years; letters of authorization; ITMO ranges (serials of a batch made
     * ITMOs by an authorization, split as they part, each with its first
     * transfer year and fate); the AEF actions, which are also the ledger
     * of corresponding adjustments (column ca). Self-contained: it only
     * references tables of the first migration. */
    "CREATE TABLE a6_ndcs(party TEXT PRIMARY KEY REFERENCES parties(code), first_year INTEGER NOT NULL,"
    "  last_year INTEGER NOT NULL, kind TEXT NOT NULL, method TEXT NOT NULL, target_year INTEGER NOT NULL,"
    "  target BIGINT NOT NULL, metric TEXT NOT NULL, factor_micro BIGINT NOT NULL CHECK(factor_micro > 0),"
    "  updated TEXT NOT NULL);"
    "CREATE TABLE a6_ndc_years(party TEXT NOT NULL REFERENCES parties(code), year INTEGER NOT NULL,"
    "  reported INTEGER NOT NULL, emissions BIGINT NOT NULL, has_trajectory INTEGER NOT NULL,"
    "  trajectory BIGINT NOT NULL, PRIMARY KEY(party, year));"
    "CREATE TABLE a6_authorizations(id INTEGER PRIMARY KEY, party TEXT NOT NULL REFERENCES parties(code),"
    "  approach INTEGER NOT NULL, project TEXT NOT NULL REFERENCES projects(id), vintage_from INTEGER NOT NULL,"
    "  vintage_to INTEGER NOT NULL, quantity BIGINT NOT NULL CHECK(quantity > 0),"
    "  assigned BIGINT NOT NULL CHECK(assigned >= 0 AND assigned <= quantity), purposes TEXT NOT NULL,"
    "  ft_event TEXT NOT NULL, parties TEXT NOT NULL, entities TEXT NOT NULL, year_from INTEGER NOT NULL,"
    "  year_to INTEGER NOT NULL, in_scope INTEGER NOT NULL, version INTEGER NOT NULL, revoked INTEGER NOT NULL,"
    "  ts TEXT NOT NULL);"
    "CREATE INDEX a6_authorizations_party ON a6_authorizations(party, id);"
    "CREATE TABLE a6_itmos(id INTEGER PRIMARY KEY, auth INTEGER NOT NULL REFERENCES a6_authorizations(id),"
    "  approach INTEGER NOT NULL, registry TEXT NOT NULL REFERENCES registries(id), host TEXT NOT NULL,"
    "  batch INTEGER NOT NULL REFERENCES batches(id), first BIGINT NOT NULL, last BIGINT NOT NULL,"
    "  itmo_first BIGINT NOT NULL, vintage INTEGER NOT NULL, ft_year INTEGER NOT NULL, fate TEXT NOT NULL,"
    "  user_party TEXT NOT NULL, use_year INTEGER NOT NULL, CHECK(first >= 1 AND last >= first));"
    "CREATE UNIQUE INDEX a6_itmos_batch ON a6_itmos(batch, first);"
    "CREATE UNIQUE INDEX a6_itmos_serial ON a6_itmos(approach, registry, itmo_first);"
    "CREATE INDEX a6_itmos_auth ON a6_itmos(auth, id);"
    "CREATE TABLE a6_actions(id INTEGER PRIMARY KEY, tx INTEGER REFERENCES transactions(id), type TEXT NOT NULL,"
    "  party TEXT NOT NULL, auth INTEGER NOT NULL REFERENCES a6_authorizations(id), approach INTEGER NOT NULL,"
    "  registry TEXT NOT NULL, itmo_first BIGINT NOT NULL, itmo_last BIGINT NOT NULL, first_id TEXT NOT NULL,"
    "  last_id TEXT NOT NULL, quantity BIGINT NOT NULL CHECK(quantity > 0), vintage INTEGER NOT NULL,"
    "  from_party TEXT NOT NULL, to_party TEXT NOT NULL, purpose TEXT NOT NULL, user_entity TEXT NOT NULL,"
    "  year INTEGER NOT NULL, ca BIGINT NOT NULL, ts TEXT NOT NULL);"
    "CREATE INDEX a6_actions_party ON a6_actions(party, id);",
    /* 4 -> 5: non-market approaches (src/service/nma.c). nma_records holds
     * the NMA register, support offers and matches as JSON bodies (kind
     * "nma" | "offer" | "match"; party: the NMA's or provider's Party;
     * status: the workflow state); unit types gain the non_offsetting flag
     * (CABs, forest conservation certificates: never for an emissions
     * claim). Self-contained: it only references tables of the first
     * migration. */
    "CREATE TABLE nma_records(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, party TEXT NOT NULL,"
    "  status TEXT NOT NULL, body TEXT NOT NULL);"
    "CREATE INDEX nma_records_kind ON nma_records(kind, party, id);"
    "ALTER TABLE unit_types ADD COLUMN non_offsetting INTEGER NOT NULL DEFAULT 0;",
    /* 5 -> 6: emissions trading (src/service/ets.c) */
    "CREATE TABLE IF NOT EXISTS ets_records(kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(kind, key));",
    /* 6 -> 7: the exchange (src/service/exchange.c): instruments, cash accounts
     * per member (org) and currency (org 0: the exchange operator, who
     * collects the fees), the cash journal, orders (open ones are the
     * books), and trades. Self-contained. */
    "CREATE TABLE ex_instruments(code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
    "  unit_type TEXT NOT NULL, project TEXT NOT NULL, vintage_from INTEGER NOT NULL, vintage_to INTEGER NOT NULL,"
    "  batch BIGINT NOT NULL, registry TEXT NOT NULL, escrow BIGINT NOT NULL, currency TEXT NOT NULL,"
    "  minor_units INTEGER NOT NULL, tick BIGINT NOT NULL CHECK(tick > 0), lot BIGINT NOT NULL CHECK(lot > 0),"
    "  min_qty BIGINT NOT NULL, max_qty BIGINT NOT NULL, band_pct INTEGER NOT NULL, sessions TEXT NOT NULL,"
    "  tz_offset INTEGER NOT NULL, status TEXT NOT NULL, mode TEXT NOT NULL, prev_close BIGINT NOT NULL,"
    "  maker_bps INTEGER NOT NULL, taker_bps INTEGER NOT NULL, no_same_day_resale INTEGER NOT NULL, created TEXT NOT NULL,"
    "  call_minutes INTEGER NOT NULL);"
    "CREATE TABLE ex_cash(org BIGINT NOT NULL, currency TEXT NOT NULL, balance BIGINT NOT NULL CHECK(balance >= 0),"
    "  reserved BIGINT NOT NULL CHECK(reserved >= 0), PRIMARY KEY(org, currency));"
    "CREATE TABLE ex_journal(id INTEGER PRIMARY KEY, org BIGINT NOT NULL, currency TEXT NOT NULL, kind TEXT NOT NULL,"
    "  amount BIGINT NOT NULL, ref BIGINT NOT NULL, ts TEXT NOT NULL);"
    "CREATE INDEX ex_journal_org ON ex_journal(org, id);"
    "CREATE TABLE ex_orders(id INTEGER PRIMARY KEY, instrument TEXT NOT NULL REFERENCES ex_instruments(code),"
    "  seq BIGINT NOT NULL, org BIGINT NOT NULL, account BIGINT NOT NULL, side TEXT NOT NULL, type TEXT NOT NULL,"
    "  tif TEXT NOT NULL, post_only INTEGER NOT NULL, price BIGINT NOT NULL, qty BIGINT NOT NULL CHECK(qty > 0),"
    "  remaining BIGINT NOT NULL CHECK(remaining >= 0 AND remaining <= qty), reserved BIGINT NOT NULL CHECK(reserved >= 0),"
    "  status TEXT NOT NULL, day TEXT NOT NULL, ts TEXT NOT NULL, counterparty BIGINT NOT NULL);"
    "CREATE INDEX ex_orders_open ON ex_orders(instrument, status, seq);"
    "CREATE TABLE ex_trades(id INTEGER PRIMARY KEY, instrument TEXT NOT NULL REFERENCES ex_instruments(code),"
    "  price BIGINT NOT NULL CHECK(price > 0), qty BIGINT NOT NULL CHECK(qty > 0), buy_order BIGINT NOT NULL,"
    "  sell_order BIGINT NOT NULL, buyer BIGINT NOT NULL, seller BIGINT NOT NULL, taker_side TEXT NOT NULL,"
    "  buyer_fee BIGINT NOT NULL, seller_fee BIGINT NOT NULL, day TEXT NOT NULL, ts TEXT NOT NULL);"
    "CREATE INDEX ex_trades_day ON ex_trades(instrument, day, id);",
    /* Instrument eligibility criteria and batch labels (issue 6, crit):
     * the lists of a standard contract beyond its first unit type, and
     * integrity labels on issuance batches (history kept: never updated).
     * Self-contained. */
    "CREATE TABLE crit_instruments(code TEXT PRIMARY KEY REFERENCES ex_instruments(code),"
    "  unit_types TEXT NOT NULL, programmes TEXT NOT NULL, labels TEXT NOT NULL, corsia_phase TEXT NOT NULL);"
    "CREATE TABLE crit_batch_labels(id INTEGER PRIMARY KEY, batch BIGINT NOT NULL, label TEXT NOT NULL,"
    "  actor TEXT NOT NULL, ts TEXT NOT NULL, reference TEXT NOT NULL, UNIQUE(batch, label));",
    /* The ETS history (issue 14): every change of a project's ETS
     * attributes and of verified emissions (entry, confirmation,
     * correction), with who and when; append-only. Self-contained. */
    "CREATE TABLE ets_history(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, actor TEXT NOT NULL,"
    "  ts TEXT NOT NULL, body TEXT NOT NULL);"
    "CREATE INDEX ets_history_key ON ets_history(kind, key, id);",
    /* Issuance batches gain the production (monitoring) period of the
     * reductions they carry (issue 14: offset rules test when reductions
     * were produced); '' when the issuance named none. */
    "ALTER TABLE batches ADD COLUMN production_start TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE batches ADD COLUMN production_end TEXT NOT NULL DEFAULT '';",
    /* 10 -> 11: a trade records the transaction that delivered its units
     * (issue 14: same-day resale is a rule on serials, so the serials a
     * trade delivered must be found from the trade); 0 for older trades. */
    "ALTER TABLE ex_trades ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;"
    "CREATE INDEX ex_trades_ts ON ex_trades(ts);",
    /* People (issue 15): user accounts with an Argon2id password hash
     * (libsodium's crypto_pwhash_str string) and a TOTP secret (hex; the
     * last time step used, so a code is taken once); web sessions, keyed by
     * the SHA-256 of their opaque id (the id itself is never stored), with
     * the hash of their CSRF token and times in ms since the epoch; and the
     * user a token belongs to (0: a system integration, named by its label). */
    "CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL,"
    "  org BIGINT NOT NULL, pwhash TEXT NOT NULL, totp_secret TEXT NOT NULL, totp_step BIGINT NOT NULL,"
    "  disabled INTEGER NOT NULL, created TEXT NOT NULL);"
    "CREATE TABLE sessions(hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), csrf_hash TEXT NOT NULL,"
    "  created_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "ALTER TABLE tokens ADD COLUMN owner BIGINT NOT NULL DEFAULT 0;",
    /* 12 -> 13: the token lifecycle (issue 15): when a token was made,
     * when it expires, when it was revoked and when it was last used, in
     * ms since the epoch; 0 = none. Tokens made before have no creation
     * time and never expire (docs/OPERATIONS.md: list and revoke them).
     * A later migration may add an owner column (a user or a named
     * integration): every column here has a default. */
    "ALTER TABLE tokens ADD COLUMN created INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN expires INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN revoked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tokens ADD COLUMN last_used INTEGER NOT NULL DEFAULT 0;",
    /* 13 -> 14: four eyes, trusted accounts and transfer delays (issue 15,
     * proposal.c): a registry's approval policy (JSON) with the account
     * that holds the units of open proposals; proposals, each with the
     * canonical request it runs once approved or once its delay ends; and
     * every account's trusted list. Times in ms since the epoch. */
    "CREATE TABLE approval_policies(registry TEXT PRIMARY KEY, body TEXT NOT NULL, hold_account BIGINT NOT NULL);"
    "CREATE TABLE proposals(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL, registry TEXT NOT NULL,"
    "  org BIGINT NOT NULL, from_account BIGINT NOT NULL, to_account BIGINT NOT NULL, quantity BIGINT NOT NULL,"
    "  reasons TEXT NOT NULL, proposer TEXT NOT NULL, proposer_role TEXT NOT NULL, proposer_org BIGINT NOT NULL,"
    "  proposer_user BIGINT NOT NULL, proposer_token BIGINT NOT NULL, created_ms BIGINT NOT NULL,"
    "  expires_ms BIGINT NOT NULL, executes_ms BIGINT NOT NULL, decided_ms BIGINT NOT NULL, decided_by TEXT NOT NULL,"
    "  approved_by TEXT NOT NULL, result TEXT NOT NULL, hold_tx BIGINT NOT NULL, release_tx BIGINT NOT NULL,"
    "  result_tx BIGINT NOT NULL, request TEXT NOT NULL);"
    "CREATE INDEX proposals_state ON proposals(state, id);"
    "CREATE INDEX proposals_org ON proposals(org, id);"
    "CREATE TABLE trusted_accounts(account BIGINT NOT NULL, trusted BIGINT NOT NULL, added_ms BIGINT NOT NULL,"
    "  active_ms BIGINT NOT NULL, added_by TEXT NOT NULL, PRIMARY KEY(account, trusted));",
    /* 14 -> 15: registries outside the Parties and their serials (issue 17).
     * A registry has a kind: "party" (a Party's national registry) or
     * "standard" (an independent standard's: Verra, Gold Standard, ...).
     * A batch may carry its vintage as a period (the year stays in
     * `vintage`, derived by core/origin.h's rule); '' when it has none.
     * origin_blocks: the serial ranges a batch carries at its origin
     * registry (origin code, serial prefix, first, last, the text as the
     * origin wrote it), disjoint per (origin, prefix): an overlap is a
     * double issuance. tx_origin: when a transaction happened at its origin
     * (its effective date; ts stays the commit time the log signs) and
     * whether the origin stated no beneficiary. origin_unplaced: units an
     * origin reports issued for a project and vintage whose serials its
     * export does not place. Self-contained but for batches/transactions. */
    "ALTER TABLE registries ADD COLUMN kind TEXT NOT NULL DEFAULT 'party';"
    "ALTER TABLE batches ADD COLUMN vintage_start TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE batches ADD COLUMN vintage_end TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE origin_blocks(id INTEGER PRIMARY KEY, origin TEXT NOT NULL, prefix TEXT NOT NULL,"
    "  first BIGINT NOT NULL, last BIGINT NOT NULL, text TEXT NOT NULL, batch BIGINT NOT NULL REFERENCES batches(id),"
    "  serial_first BIGINT NOT NULL, project TEXT NOT NULL, vintage_start TEXT NOT NULL, vintage_end TEXT NOT NULL,"
    "  CHECK(first >= 0 AND last >= first));"
    "CREATE INDEX origin_blocks_range ON origin_blocks(origin, prefix, first);"
    "CREATE INDEX origin_blocks_vintage ON origin_blocks(origin, project, vintage_start, vintage_end);"
    "CREATE INDEX origin_blocks_batch ON origin_blocks(batch);"
    "CREATE TABLE tx_origin(tx BIGINT PRIMARY KEY REFERENCES transactions(id), effective TEXT NOT NULL,"
    "  beneficiary_unstated INTEGER NOT NULL);"
    "CREATE TABLE origin_unplaced(origin TEXT NOT NULL, project TEXT NOT NULL, vintage_start TEXT NOT NULL,"
    "  vintage_end TEXT NOT NULL, vintage INTEGER NOT NULL, total BIGINT NOT NULL, unplaced BIGINT NOT NULL,"
    "  PRIMARY KEY(origin, project, vintage_start, vintage_end));",
    /* 15 -> 16: authorization amendments (issue 18): one row per amendment
     * of an authorization, version -> version + 1: the terms it replaced,
     * what changed, from when, and the ITMO ranges already first
     * transferred, which keep the replaced terms (body: a JSON object,
     * src/service/a6.c svc_a6_amend). */
    "CREATE TABLE a6_auth_versions(auth BIGINT NOT NULL REFERENCES a6_authorizations(id), version INTEGER NOT NULL,"
    "  effective_from TEXT NOT NULL, body TEXT NOT NULL, ts TEXT NOT NULL, PRIMARY KEY(auth, version));",
    /* 16 -> 17: history in O(log n) (issue 16): every history line gets its
     * length class, lvl = floor(log2(last - first + 1)), and the index
     * (batch, lvl, first, last) replaces (batch, first): a serial lookup
     * seeks it once per class instead of scanning the batch's lines below
     * the serial (schema_lvl.h says why that is exact and bounded). */
    "ALTER TABLE tx_lines ADD COLUMN lvl INTEGER NOT NULL DEFAULT 0;"
    "UPDATE tx_lines SET lvl = " L6_LVL_SQL ";"
    "DROP INDEX tx_lines_batch;"
    "CREATE INDEX tx_lines_hist ON tx_lines(batch, lvl, first, last);",
    /* 17 -> 18: programmes of activities, public comments, grievances and
     * appeals (issue 20, src/service/poa.c, src/service/voice.c): one
     * record per programme, component, comment, grievance or appeal, its
     * fields a JSON body the service validates (kind "programme" |
     * "component" | "comment" | "grievance" | "appeal"; ref: the programme
     * code, the commented project or the mechanism; state: its workflow
     * state). Rows are never deleted: hidden comments and decided cases stay
     * in the trail. Self-contained. */
    "CREATE TABLE mech_records(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL,"
    "  state TEXT NOT NULL, body TEXT NOT NULL);"
    "CREATE INDEX mech_records_ref ON mech_records(kind, ref, id);",
    /* 18 -> 19: records attached to an activity of the project cycle
     * (issue 20, items 6 and 7), one row each, its fields as one JSON
     * object (the service validates and shapes it): kind "device" (a
     * monitoring system and its Ed25519 public key, ref its name), "reading"
     * (a signed reading of a period, ref "device/seq": a replay is a
     * duplicate), "commitment" (an ex-ante purchase of the activity's
     * units, ref its id) and "registry-choice" (a third-party developer's
     * registry, ref "registry"). id counts per activity and kind. */
    "CREATE TABLE activity_records(project TEXT NOT NULL REFERENCES projects(id), kind TEXT NOT NULL,"
    "  id BIGINT NOT NULL, period INTEGER NOT NULL, ref TEXT NOT NULL, body TEXT NOT NULL,"
    "  PRIMARY KEY(project, kind, id));"
    "CREATE UNIQUE INDEX activity_records_ref ON activity_records(project, kind, ref);"
    "CREATE INDEX activity_records_period ON activity_records(project, kind, period, id);",
    /* 19 -> 20: links between registries (issue 19, docs/LINKS.md): one
     * table of the link's records, each a JSON body the link service
     * (src/service/link.c) writes and reads, addressed by (kind, key):
     * peers, outbound transfers (the outbox: state, next try at due_ms),
     * inbound messages (the inbox: answered message ids), the origin map of
     * mirrored batches, and the hub's record of who holds which serials. */
    "CREATE TABLE link_records(kind TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,"
    "  due_ms BIGINT NOT NULL, body TEXT NOT NULL, PRIMARY KEY(kind, key));"
    "CREATE INDEX link_records_due ON link_records(kind, state, due_ms);",
    /* 20 -> 21: the terms of off-exchange transfers (issue 20 item 5,
     * docs/API.md "Consideration on transfers"): one row per transfer made
     * through POST /v1/transfers, with its consideration (price) in minor
     * units of an ISO 4217 currency, or amount -1 and currency '' when the
     * parties stated none (an unpriced transfer). */
    "CREATE TABLE tx_terms(tx BIGINT PRIMARY KEY REFERENCES transactions(id), amount BIGINT NOT NULL,"
    "  currency TEXT NOT NULL);",
    /* 21 -> 22: the hash of the letter of authorization (issue 18 item 4,
     * src/core/a6_letter.h): the SHA-256 (hex) of the canonical text of an
     * authorization's terms, recorded at each change (made, amended,
     * revoked) and recomputed by GET /v1/a6/authorizations/{id}/letter and
     * ledger6 verify --store. Rows made before: '' (no hash recorded). */
    "ALTER TABLE a6_authorizations ADD COLUMN letter_sha256 TEXT NOT NULL DEFAULT '';",
    /* 22 -> 23: buffer pools of imported issuances (issue 17, docs/IMPORT.md
     * "ACR, CAR and ART TREES"): of an origin_unplaced total, the units the
     * origin issued to its buffer pool (ACR, CAR, ART TREES issuances
     * exports), which no export gives serials; 0 when none or not given. */
    "ALTER TABLE origin_unplaced ADD COLUMN buffer BIGINT NOT NULL DEFAULT 0;",
    /* 23 -> 24: cooperative approaches (issue 18 item 2, docs/API.md
     * "Article 6.2 reports"): one record per approach (code: 1..9999 for
     * CA0001..CA9999), registered by the authority of a participating
     * Party (party), its fields a JSON body the service validates
     * (src/service/a6_report.c): description, Parties, duration, metrics
     * and the texts of the initial report. */
    "CREATE TABLE a6_approaches(code INTEGER PRIMARY KEY, party TEXT NOT NULL, body TEXT NOT NULL,"
    "  ts TEXT NOT NULL);",
    /* 24 -> 25: email notices (issue 22, src/service/notice.c): a user's
     * choice (1: send, 0: opted out; every user has an address, the login's
     * email) and the queue, one row per (user, key): what awaits them, sent
     * by the background tick with retries (docs/OPERATIONS.md "Email notices"). */
    "ALTER TABLE users ADD COLUMN notify_email INTEGER NOT NULL DEFAULT 1;"
    "CREATE TABLE notices(id INTEGER PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id), key TEXT NOT NULL,"
    "  email TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,"
    "  created_ms BIGINT NOT NULL, due_ms BIGINT NOT NULL, sent_ms BIGINT NOT NULL, last_error TEXT NOT NULL,"
    "  UNIQUE(user_id, key));"
    "CREATE INDEX notices_due ON notices(state, due_ms, id);",
    /* 25 -> 26: retirements without serials (issue 17, docs/IMPORT.md
     * "Isometric"): of an origin_unplaced row, the units the origin reports
     * retired whose serials no export gives (Isometric gives none), and the
     * origin's own figures in kilograms for origins that count fractions of
     * a tonne (Isometric): total_kg, buffer_kg, retired_kg, exact, whose
     * whole tonnes (rounded down) are total, buffer and retired; 0 for
     * origins that count whole units. */
    "ALTER TABLE origin_unplaced ADD COLUMN retired BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN total_kg BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN buffer_kg BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE origin_unplaced ADD COLUMN retired_kg BIGINT NOT NULL DEFAULT 0;"
    /* and the origin's own facts of a project its project list gives
     * (docs/IMPORT.md "Project lists of Verra and Gold Standard"): its
     * status as the origin words it ("Under validation") and its
     * registration date (YYYY-MM-DD, '' when not given). */
    "CREATE TABLE origin_projects(origin TEXT NOT NULL, project TEXT NOT NULL, status TEXT NOT NULL,"
    "  registered TEXT NOT NULL, PRIMARY KEY(origin, project));",
    /* 26 -> 27: the project counts of GET /v1/stats and GET /v1/projects
     * (issue 21, docs/PERFORMANCE.md "Public pages at a registry's size"):
     * one GROUP BY status, host, programme reads this index alone, in
     * order, instead of every project row and a sort (100,000 projects:
     * 27 ms of CPU instead of 210 ms). */
    "CREATE INDEX projects_counts ON projects(status, host, programme);",
    /* 27 -> 28: letter leaves of the transparency log (issue 18 item 4,
     * docs/TRANSPARENCY.md "Letter leaves"): each version of an Article 6
     * authorization (made, amended, revoked) is a leaf of its own, whose
     * entry commits to (authorization, version, the letter's SHA-256, time); auth is the authorization.
     * Leaf indexes are shared with log_leaves (a leaf is a row of one of the
     * two tables); versions made before this migration have no leaf. */
    "CREATE TABLE log_letters(idx INTEGER PRIMARY KEY, auth INTEGER NOT NULL, version INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL, ts TEXT NOT NULL, UNIQUE(auth, version));",
    /* 28 -> 29 (issue 17, docs/IMPORT.md "Labels in mirror mode" and
     * "Cercarbono"): a batch label an import set and a newer export no
     * longer carries is dropped, its row kept with when and why; and the
     * vintage period an origin's issuance gives a serial prefix and year
     * (Cercarbono's vintage_of_credits), which its retirements name by the
     * year alone. */
    "ALTER TABLE crit_batch_labels ADD COLUMN dropped_ts TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE crit_batch_labels ADD COLUMN dropped_reference TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE origin_periods(origin TEXT NOT NULL, prefix TEXT NOT NULL, year INTEGER NOT NULL,"
    "  vintage_start TEXT NOT NULL, vintage_end TEXT NOT NULL, PRIMARY KEY(origin, prefix, year));",
    /* 29 -> 30: GET /v1/projects filtered by host, status or programme
     * (issue 21, docs/PERFORMANCE.md "Public pages at a registry's size"):
     * each filter's statement (store_common.h store__proj_list_q) reads its
     * index in id order, or the host's few rows, instead of every project
     * by id (100,000 projects, a host and a status matching none: 0.6 s of
     * scan). */
    "CREATE INDEX projects_host ON projects(host, status, id);"
    "CREATE INDEX projects_status ON projects(status, id);"
    "CREATE INDEX projects_programme ON projects(programme, id);",
};

#define L6_SCHEMA_VERSION ((int)(sizeof l6_migrations / sizeof l6_migrations[0]))

#endif
