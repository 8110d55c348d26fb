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
#include "../core/merkle.h"
#include "../core/model.h"
#include "../core/sth.h"
#include "../errors.h"

typedef struct {
  char code[4];                   /* ISO 3166 alpha-3 */
  char name[L6_NAME_MAX + 1];
} l6_party;

typedef struct {
  char id[6];                     /* alpha-3 + 2 digits */
  char party[4];
  char name[L6_NAME_MAX + 1];
  char kind[16];                  /* read only: "party" (a Party's registry) or "standard" (service/origin.h); registry_put leaves "party" */
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
  bool non_offsetting;            /* CABs, conservation certificates: never for an emissions claim */
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
  /* The production (monitoring) period of the reductions it carries,
   * YYYY-MM-DD inclusive; both "" when the issuance named none. */
  char production_start[11], production_end[11];
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

/* The terms of an off-exchange transfer (tx_terms_*): amount -1 and
 * currency "" when the transfer is unpriced. */
typedef struct {
  l6_id tx;
  int64_t amount;
  char currency[4];
} l6_tx_terms;

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
  /* Times in ms since the epoch; 0 = none (expires 0: never, for tokens
   * made before tokens had lifetimes, or a role configured with none). */
  int64_t created;
  int64_t expires;
  int64_t revoked;
  int64_t last_used;              /* kept to within L6_TOKEN_TOUCH_MS */
  l6_id owner;                    /* the user it belongs to (schema 12); 0: a system integration's */
} l6_token;

/* A person who logs in (issue 15, people.c). The password hash is
 * libsodium's crypto_pwhash_str string (Argon2id, its parameters inside);
 * the TOTP secret is hex; totp_step is the last RFC 6238 time step whose
 * code was accepted (a code is taken at most once). */
typedef struct {
  l6_id id;
  char email[L6_EMAIL_MAX + 1];
  char name[L6_NAME_MAX + 1];
  l6_role role;
  l6_id org;                      /* 0 for roles without an organisation */
  char pwhash[L6_PWHASH_STR_MAX]; /* crypto_pwhash_STRBYTES */
  char totp_secret[2 * L6_TOTP_SECRET_BYTES + 1];
  int64_t totp_step;
  bool disabled;
  char created[32];
} l6_user;

/* A web session (people.c), stored under the SHA-256 of its id. */
typedef struct {
  l6_id user;
  char csrf_hash[65];             /* hex SHA-256 of the session's CSRF token */
  int64_t created_ms, last_ms;    /* ms since the epoch: login, last request */
} l6_session;

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

/* ---- the project cycle (src/service/cycle.c) ---- */

/* A document, addressed by the SHA-256 of its bytes. */
typedef struct {
  char hash[65];                          /* lower-case hex SHA-256 of the content */
  char media_type[L6_MEDIA_TYPE_MAX + 1]; /* "application/pdf" */
  char name[L6_NAME_MAX + 1];             /* as first registered */
  int64_t size;                           /* bytes */
  bool stored;                            /* the bytes are in the store (else kept elsewhere) */
  char ts[32];                            /* first registered */
} l6_doc;

/* An activity: the project of the same id going through a mechanism's
 * cycle. States are l6_cstate names (src/core/cycle.h). */
typedef struct {
  char project[L6_CODE_MAX + 1];         /* = projects.id */
  char mechanism[L6_CODE_MAX + 1];       /* mechanism code (config/mechanisms) */
  l6_id org;                             /* the participant organisation */
  char registry[6];                      /* issuing registry */
  char scope[L6_CODE_MAX + 1];           /* sectoral scope */
  char state[24];
  char rejected_step[24];                /* the step that rejected it, "" unless rejected */
  char transition_from[L6_CODE_MAX + 1]; /* programme it transitioned from (CDM), "" if none */
  char requested_on[11];                 /* date of the transition request, "" if none */
  bool ets_covered;                      /* participant declared allowances under an ETS */
  l6_qty replacement_due;                /* units still to replace after avoidable reversals */
  l6_qty issued;                         /* units issued over all periods (gross) */
  char updated[32];                      /* last step's time */
} l6_activity;

/* A monitoring period of an activity. */
typedef struct {
  char project[L6_CODE_MAX + 1];
  int seq;                               /* 1, 2, ... within the activity */
  char start[11], end[11];               /* YYYY-MM-DD, inclusive */
  char state[24];
  char rejected_step[24];
  char calculator[32];                   /* methodology calculator (src/core/calc.h) */
  char inputs[L6_PERIOD_TEXT_MAX + 1];   /* the reported data: JSON object of integers */
  l6_qty reported;                       /* the calculator's figure */
  l6_qty certified;                      /* the verifier's figure (0 until verified) */
  char forward[L6_PERIOD_TEXT_MAX + 1];  /* forwarding instructions: JSON array, "[]" if none */
} l6_period;

/* One step of the cycle, as recorded. */
typedef struct {
  l6_id id;
  char project[L6_CODE_MAX + 1];
  int period;                            /* 0 for activity steps */
  char step[24];
  char decision[8];                      /* "accept" | "reject" | "" */
  char from_state[24], to_state[24];     /* "" for none */
  char actor[64];
  char role[20];                         /* the mechanism role it acted in */
  char ts[32];
  char mechanism_hash[65];               /* SHA-256 of the mechanism file that applied */
  char documents[L6_STEP_TEXT_MAX + 1];  /* JSON array of {"type","sha256"} */
  char detail[L6_STEP_TEXT_MAX + 1];     /* JSON object: figures, transactions, comment */
} l6_step_rec;
/* ---- transparency log (docs/TRANSPARENCY.md) ---- */

/* A leaf of the log: the transaction it records, or (tx 0) a version of
 * an Article 6 authorization's letter (a letter leaf, schema 28: auth,
 * version, sha256, ts; docs/TRANSPARENCY.md "Letter leaves"). Its hash is
 * the level-0 node of the same index (merkle_node, core/merkle.h). */
typedef struct {
  int64_t index;                  /* from 0, in commit order */
  l6_id tx;                       /* 0 for a letter leaf */
  uint8_t salt[16];               /* hides the entry's private fields (core/logentry.h); zero for a letter leaf */
  l6_id auth;                     /* a letter leaf's authorization, version, letter hash and time */
  int version;
  char sha256[65];
  char ts[32];
} l6_log_leaf;

/* A signed tree head. */
typedef struct {
  int64_t tree_size;
  uint8_t root[32];               /* MTH of the first tree_size leaves */
  int64_t timestamp_ms;           /* when it was signed, ms since 1970 UTC */
  char key_id[STH_KEY_ID_LEN + 1];
  uint8_t signature[STH_SIGNATURE_BYTES];
} l6_log_head;

/* A public signing key of the registry. */
typedef struct {
  char id[STH_KEY_ID_LEN + 1];    /* sth_key_id(public_key) */
  uint8_t public_key[STH_PUBLIC_KEY_BYTES];
  int64_t created_ms;
  bool current;                   /* signs new tree heads; exactly one is */
} l6_log_key;

/* ---- Article 6.2 accounting (src/service/a6.c) ---- */

/* A Party's NDC: period, kind, corresponding-adjustment method, target,
 * metric. Names of kind and method as in src/core/a6.h. */
typedef struct {
  char party[4];
  int first_year, last_year;             /* implementation period, inclusive */
  char kind[16];                         /* "multi-year" | "single-year" */
  char method[16];                       /* "per-year" | "averaging" | "trajectory" */
  int target_year;
  int64_t target;                        /* target level, in the metric */
  char metric[32];                       /* "t CO2e" or a non-GHG metric ("MWh") */
  int64_t factor_micro;                  /* metric units per t CO2e, millionths */
  char updated[32];
} l6_a6_ndc;

/* One year of a Party's NDC: reported emissions and trajectory level. */
typedef struct {
  char party[4];
  int year;
  bool reported;
  int64_t emissions;                     /* metric units; 0 unless reported */
  bool has_trajectory;
  int64_t trajectory;                    /* trajectory/budget level; 0 unless given */
} l6_a6_year;

/* A letter of authorization. */
typedef struct {
  l6_id id;
  char party[4];                         /* the authorizing (host) Party */
  int approach;                          /* cooperative approach, 1..9999 (CA0001) */
  char project[L6_CODE_MAX + 1];         /* the units' project */
  int vintage_from, vintage_to;          /* vintages covered, inclusive */
  l6_qty quantity;                       /* authorized quantity */
  l6_qty assigned;                       /* units made ITMOs so far (<= quantity) */
  char purposes[24];                     /* "NDC,OIMP" */
  char ft_event[16];                     /* OIMP first transfer: "authorization" | "issuance" | "use" */
  char parties[L6_A6_LIST_MAX + 1];      /* authorized Parties, "CHE,JPN" ("" = any) */
  char entities[L6_A6_LIST_MAX + 1];     /* authorized entities, "|"-separated ("" = none named) */
  int year_from, year_to;                /* timeframe: years of first transfer and use */
  bool in_scope;                         /* the mitigation is inside the host's NDC scope */
  int version;                           /* 1, +1 at each change (revocation) */
  bool revoked;
  char ts[32];                           /* last change */
  char letter_sha256[65];                /* SHA-256 (hex) of the letter's canonical text (core/a6_letter.h) at
                                            the last change; "" for one made before schema 22 */
} l6_a6_auth;

/* A range of ITMOs: serials [first, last] of one batch, made ITMOs by one
 * authorization, all in one state. Ranges are split as their units part. */
typedef struct {
  l6_id id;
  l6_id auth;
  int approach;
  char registry[6];                      /* where the ITMOs were created (the batch's registry) */
  char host[4];
  l6_id batch;
  int64_t first, last;                   /* serials of the batch */
  int64_t itmo_first;                    /* ITMO serial of `first`; of `last` is itmo_first + last - first */
  int vintage;
  int ft_year;                           /* year of first transfer, 0 while not first transferred */
  char fate[12];                         /* "" (held), "used", "cancelled" */
  char user[4];                          /* using Party ("" unless used) */
  int use_year;                          /* year of use or cancellation, 0 before */
} l6_a6_itmo;

/* One row of the AEF actions table (and the corresponding-adjustment
 * ledger: ca is what the action adds to `party`'s emissions in `year`). */
typedef struct {
  l6_id id;
  l6_id tx;                              /* ledger transaction, 0 when none (authorization) */
  char type[20];                         /* "Issuance", "First transfer", "Transfer", "Acquisition", "Use", "Cancellation" */
  char party[4];                         /* the reporting Party */
  l6_id auth;
  int approach;
  char registry[6];
  int64_t itmo_first, itmo_last;         /* ITMO serials */
  char first_id[64], last_id[64];        /* formatted identifiers */
  l6_qty quantity;
  int vintage;
  char from_party[4], to_party[4];       /* transferring and acquiring Party ("" when not a transfer) */
  char purpose[24];                      /* "NDC", "OIMP", "CORSIA", "voluntary", ... */
  char user[L6_NAME_MAX + 1];            /* using Party or entity */
  int year;                              /* year of the action (use: year of use) */
  int64_t ca;                            /* t CO2e added to the Party's emissions (+ first transfer, - use) */
  char ts[32];
} l6_a6_action;

/* ---- non-market approaches (src/service/nma.c) ---- */

/* An amendment of an authorization: version -> version + 1 (the replaced
 * terms, the changes, the ITMO ranges that keep the replaced terms), as
 * one JSON object the service shapes. */
typedef struct {
  l6_id auth;
  int version;                           /* the version the amendment replaced */
  char effective_from[11];               /* YYYY-MM-DD */
  char body[L6_A6_VERSION_BODY_MAX + 1]; /* JSON object */
  char ts[32];
} l6_a6_auth_version;

/* A cooperative approach (issue 18 item 2): its code (1..9999, CA0001),
 * the Party whose authority registered it, its record as one JSON object
 * the service shapes (src/service/a6_report.c), the last change. */
typedef struct {
  int code;
  char party[4];
  char body[L6_A6_APPROACH_BODY_MAX + 1]; /* JSON object */
  char ts[32];
} l6_a6_approach;

/* A record attached to an activity of the project cycle (issue 20):
 * a monitoring device, a signed reading, an ex-ante commitment or a
 * registry choice, its fields as one JSON object (service/cycle_data.c
 * validates and shapes it). (project, kind, id) and (project, kind, ref)
 * are unique. */
typedef struct {
  char project[L6_CODE_MAX + 1];
  char kind[16];                         /* "device", "reading", "commitment", "registry-choice" */
  l6_id id;                              /* 1, 2, ... per project and kind */
  int period;                            /* readings: the monitoring period; else 0 */
  char ref[80];                          /* unique per project and kind */
  char body[L6_NMA_BODY_MAX + 1];        /* JSON object */
} l6_arec;

/* A record of the NMA platform: an NMA, a support offer or a match, its
 * fields as one JSON object (the service validates and shapes it). */
typedef struct {
  l6_id id;
  char kind[12];                         /* "nma", "offer", "match", "listing", "purchase" */
  char party[4];                         /* the NMA's lead Party, the offer's provider Party */
  char status[16];                       /* the workflow state */
  char body[L6_NMA_BODY_MAX + 1];        /* JSON object */
} l6_nma_rec;
/* A record of programmes of activities, public comments, grievances and
 * appeals (issue 20, poa.c and voice.c): its fields as one JSON object
 * the service validates and shapes. */
typedef struct {
  l6_id id;
  char kind[12];                         /* "programme", "component", "comment", "grievance", "appeal" */
  char ref[L6_CODE_MAX + 1];             /* the programme code, the commented project, the mechanism */
  char state[16];                        /* the workflow state */
  char body[L6_NMA_BODY_MAX + 1];        /* JSON object */
} l6_mech_rec;
/* ---- emissions trading (src/service/ets.c) ---- */

/* Four eyes and transfer delays (issue 15, proposal.c): a registry's
 * approval policy (a JSON object the service reads, docs/API.md) and the
 * registry-owned account that holds the units of open proposals. */
typedef struct {
  char registry[6];
  char body[L6_POLICY_BODY_MAX + 1];
  l6_id hold_account;
} l6_policy_rec;

/* A request that waits for a second person or for a delay, with its units
 * on hold. request is the canonical JSON of the original request, with
 * the serial ranges that were put on hold. Times in ms since the epoch,
 * 0 = none. */
typedef struct {
  l6_id id;
  char kind[24];   /* transfer | retirement | cancellation | a6-authorization | a6-revocation */
  char state[12];  /* pending | delayed | executed | rejected | cancelled | expired | failed */
  char registry[6];
  l6_id org;       /* the source account's organisation */
  l6_id from_account, to_account;
  l6_qty quantity;
  char reasons[96];  /* why: comma-separated (above-threshold, out-of-registry, untrusted-destination) */
  char proposer[64];
  char proposer_role[24];
  l6_id proposer_org, proposer_user, proposer_token;
  int64_t created_ms, expires_ms, executes_ms, decided_ms;
  char decided_by[64];
  char approved_by[64];
  char result[320]; /* why execution failed: "code: message" */
  l6_id hold_tx, release_tx, result_tx;
  char request[L6_PROPOSAL_BODY_MAX + 1];
} l6_proposal;

/* Which proposals to list: "" / 0 = any. due_ms > 0: only those the clock
 * must act on at due_ms (pending with expires_ms <= due_ms, delayed with
 * executes_ms <= due_ms). account: from or to. */
typedef struct {
  char state[12];
  l6_id org;
  l6_id account;
  int64_t due_ms;
  l6_id after;
  int limit;
} l6_proposal_filter;

/* One entry of an account's trusted list: transfers from account to
 * trusted are not delayed once active_ms has passed. */
typedef struct {
  l6_id account, trusted;
  int64_t added_ms, active_ms;
  char added_by[64];
} l6_trusted;

/* One record of the ETS module: schemes, entities, project attributes and
 * compliance records, each a JSON object the service writes and reads
 * (kind "scheme", "entity", "project", "record"), addressed by a text key
 * ("GD-2025|ENT1|2025"). */
typedef struct {
  char kind[16];
  char key[L6_ETS_KEY_MAX + 1];
  char body[L6_ETS_BODY_MAX + 1];
} l6_ets_rec;

/* One record of the links between registries (issue 19, src/service/
 * link.c): kind "peer", "out", "in", "map", "hub", ..., addressed by key,
 * with a state and a due time (ms; the outbox's next try) for the lists. */
typedef struct {
  char kind[16];
  char key[L6_LINK_KEY_MAX + 1];
  char state[16];
  int64_t due_ms;
  char body[L6_LINK_BODY_MAX + 1];
} l6_link_rec;

/* One entry of the ETS history (append-only, never updated): who changed
 * a record and when, with the old and new values as a JSON body. kind
 * "project" (key PROJECT: project attributes) or "emissions" (key
 * SCHEME|ENTITY|YEAR: entries, confirmations and corrections). */
typedef struct {
  l6_id id;
  char kind[16];
  char key[L6_ETS_KEY_MAX + 1];
  char actor[L6_NAME_MAX + 1];
  char ts[32];
  char body[L6_ETS_BODY_MAX + 1];
} l6_ets_hist;
/* ---- the exchange (src/service/exchange.c) ---- */

/* A listed instrument: a standard contract (kind "contract": any units of
 * unit_type, of project when not "", vintages vintage_from..vintage_to
 * when not 0) or one issuance batch (kind "batch"). Prices are minor
 * currency units per tonne. */
typedef struct {
  char code[L6_CODE_MAX + 1];
  char name[L6_NAME_MAX + 1];
  char kind[12];                         /* "contract" | "batch" */
  char unit_type[L6_CODE_MAX + 1];
  char project[L6_CODE_MAX + 1];         /* "" = any */
  int vintage_from, vintage_to;          /* 0 = any */
  l6_id batch;                           /* kind "batch" only, else 0 */
  char registry[6];                      /* where the escrow account is */
  l6_id escrow;                          /* exchange escrow account: sellers' reserved units */
  char currency[4];                      /* ISO 4217 */
  int minor_units;                       /* decimals of the currency (2 for CNY) */
  int64_t tick, lot;                     /* price tick (minor units), lot (tonnes) */
  int64_t min_qty, max_qty;              /* order size limits, 0 = none */
  int band_pct;                          /* price limit in % around the previous close, 0 = none */
  char sessions[64];                     /* "09:30-11:30,13:00-15:00" local time, "" = always */
  int tz_offset;                         /* minutes east of UTC of the sessions' time zone */
  char status[8];                        /* "open" | "halted" | "closed" */
  char mode[12];                         /* "continuous" | "block" */
  int64_t prev_close;                    /* reference price at listing (0 = none) */
  int maker_bps, taker_bps;              /* fees in basis points, to the operator */
  bool no_same_day_resale;               /* units bought cannot be sold the same trading day */
  char created[32];
  int call_minutes;                      /* opening call auction: minutes before each session, 0 = none */
} l6_ex_instrument;

/* A standard contract's criteria beyond l6_ex_instrument (crit): all its
 * unit types ("VCU,CER"; the first is l6_ex_instrument.unit_type),
 * programmes ("" = any), required labels ("ccp,oimp") and the CORSIA
 * phase of label "corsia". Lists are comma-separated codes. */
typedef struct {
  char code[L6_CODE_MAX + 1];
  char unit_types[L6_CRIT_LIST_MAX + 1];
  char programmes[L6_CRIT_LIST_MAX + 1];
  char labels[L6_CRIT_LIST_MAX + 1];
  char corsia_phase[16];
} l6_crit;

/* A label set on an issuance batch (crit): who set it, when, on what
 * reference. A label an import set and a newer export of its origin no
 * longer carries is dropped: the row stays, with when and why
 * (dropped_ts, dropped_reference; "" while the label holds). Setting a
 * dropped label again restores its row. */
typedef struct {
  l6_id id;
  l6_id batch;
  char label[L6_CRIT_LABEL_MAX + 1];
  char actor[64];
  char ts[32];
  char reference[L6_NAME_MAX + 1];
  char dropped_ts[32];
  char dropped_reference[L6_NAME_MAX + 1];
} l6_batch_label;

/* A member's cash in one currency (org 0: the exchange operator's fees). */
typedef struct {
  l6_id org;
  char currency[4];
  int64_t balance;                       /* available, minor units, >= 0 */
  int64_t reserved;                      /* held for open buy orders, >= 0 */
} l6_ex_cash;

/* One entry of the cash journal. */
typedef struct {
  l6_id id;
  l6_id org;
  char currency[4];
  char kind[12];                         /* deposit|withdraw|reserve|release|trade|fee */
  int64_t amount;                        /* signed change of the kind's balance */
  int64_t ref;                           /* order or trade id, 0 for deposits/withdrawals */
  char ts[32];
} l6_ex_journal;

typedef struct {
  l6_id id;                              /* assigned by the service */
  char instrument[L6_CODE_MAX + 1];
  int64_t seq;                           /* time priority */
  l6_id org, account;
  char side[8];                          /* "buy" | "sell" */
  char type[8];                          /* "limit" | "market" */
  char tif[8];                           /* "gtc" | "ioc" | "fok" */
  bool post_only;
  int64_t price;                         /* 0 for market orders */
  int64_t qty, remaining;
  int64_t reserved;                      /* cash still reserved (buy orders) */
  char status[12];                       /* "open" | "filled" | "cancelled" */
  char day[11];                          /* trading day of entry */
  char ts[32];
  l6_id counterparty;                    /* block quotes: the one organisation that may accept, else 0 */
} l6_ex_order;

typedef struct {
  l6_id id;
  char instrument[L6_CODE_MAX + 1];
  int64_t price, qty;
  l6_id buy_order, sell_order;
  l6_id buyer, seller;                   /* organisations */
  char taker_side[8];
  int64_t buyer_fee, seller_fee;
  char day[11];                          /* trading day */
  char ts[32];
  l6_id tx;                              /* the transaction that delivered the units (0: recorded before schema 9) */
} l6_ex_trade;

/* A row of l6_store_ops.stats: one key of the dimension and its totals. */
/* L6_STAT_RYEAR: retired units by the retirement's reporting year ("0":
 * none given; issued is 0). L6_STAT_COUNTS: one row "all", issued = the
 * number of batches, retired = the number of retirements with a block in
 * the filter (issue 21: the dashboards' counts without the lists).
 * L6_STAT_PROJECTS: the registry's projects (every project, issued or
 * not) counted by (status, host, programme) in one pass, key "STATUS HOST
 * PROGRAMME" (codes hold no space), issued = the number of projects,
 * retired 0 (issue 21: the project count). */
typedef enum {
  L6_STAT_VINTAGE,
  L6_STAT_HOST,
  L6_STAT_PROGRAMME,
  L6_STAT_YEAR,
  L6_STAT_RYEAR,
  L6_STAT_COUNTS,
  L6_STAT_PROJECTS,
  /* The cells /v1/stats answers any filter from (opendata.c; host and
   * programme filter as above, after_tx as for the unit dimensions):
   * CELLS "HOST PROGRAMME VINTAGE YEAR" issued and retired units (YEAR as
   * in L6_STAT_YEAR); RCELLS "HOST PROGRAMME REPORTING_YEAR" retired units;
   * BCOUNT "HOST PROGRAMME" issued = the number of batches; RTX one row per
   * distinct (retirement, host, programme) of its lines, key "TX HOST
   * PROGRAMME", issued = TX, ordered by TX. */
  L6_STAT_CELLS,
  L6_STAT_RCELLS,
  L6_STAT_BCOUNT,
  L6_STAT_RTX,
  L6_STAT__COUNT
} l6_stat_dim;
typedef struct {
  char key[64];
  int64_t issued, retired;
} l6_stat_row;

/* ---- registries outside the Parties (issue 17, service/origin.h) ---- */

/* A serial range as its origin registry numbered it, carried by a batch:
 * serials first..last of the origin map onto the batch's serials
 * serial_first..serial_first + (last - first). Ranges of one (origin,
 * prefix) never overlap. */
typedef struct {
  l6_id id;
  char origin[L6_ORIGIN_CODE_MAX + 1];   /* "verra" (config/origins.json) */
  char prefix[L6_ORIGIN_SERIAL_MAX + 1]; /* the numbering the range belongs to; "" when the origin numbers all its units in one sequence */
  int64_t first, last;                   /* as the origin numbers them */
  char text[L6_ORIGIN_SERIAL_MAX + 1];   /* the serial as the origin wrote it */
  l6_id batch;
  int64_t serial_first;                  /* the batch serial of `first` */
  char project[L6_CODE_MAX + 1];
  char vintage_start[11], vintage_end[11]; /* the vintage period, YYYY-MM-DD */
} l6_origin_block;

/* Units an origin reports issued for a project and vintage period whose
 * serials its export does not place: counted, never given serials. */
typedef struct {
  char origin[L6_ORIGIN_CODE_MAX + 1];
  char project[L6_CODE_MAX + 1];
  char vintage_start[11], vintage_end[11];
  int vintage;                           /* the derived year */
  l6_qty total;                          /* what the origin reports issued for the period */
  l6_qty unplaced;                       /* total less the units of the origin's blocks, >= 0 */
  l6_qty buffer;                         /* of total, issued to the origin's buffer pool (serials unknown) */
  l6_qty retired;                        /* units the origin reports retired without serials (Isometric) */
  int64_t total_kg, buffer_kg, retired_kg; /* the origin's figures in kg when it counts fractions of a tonne; 0 otherwise */
} l6_origin_unplaced;

/* An email notice (issue 22, service/notice.c): what awaits a person,
 * queued once per (user, key) and sent by the background tick. */
#define L6_NOTICE_KEY_MAX 160
#define L6_NOTICE_SUBJECT_MAX 200
#define L6_NOTICE_BODY_MAX 2000
#define L6_NOTICE_ERROR_MAX 200
typedef struct {
  l6_id id;
  l6_id user;
  char key[L6_NOTICE_KEY_MAX + 1];       /* "proposal:7", "activity:GHA.X:submitted:<ts>" */
  char email[L6_EMAIL_MAX + 1];          /* the recipient, as the user's address was when queued */
  char subject[L6_NOTICE_SUBJECT_MAX + 1];
  char body[L6_NOTICE_BODY_MAX + 1];
  char state[12];                        /* queued | sent | failed */
  int attempts;
  int64_t created_ms, due_ms, sent_ms;   /* due_ms: the next attempt */
  char last_error[L6_NOTICE_ERROR_MAX + 1];
} l6_notice;

/* An origin's own facts of a project its project list gives. */
typedef struct {
  char origin[L6_ORIGIN_CODE_MAX + 1];
  char project[L6_CODE_MAX + 1];
  char status[L6_NAME_MAX + 1];          /* as the origin words it ("Under validation") */
  char registered[11];                   /* YYYY-MM-DD, "" when not given */
} l6_origin_project;

/* The vintage period an origin's issuance gives a serial prefix and
 * vintage year (Cercarbono's vintage_of_credits), for its retirements,
 * which give only the year. */
typedef struct {
  char origin[L6_ORIGIN_CODE_MAX + 1];
  char prefix[L6_ORIGIN_SERIAL_MAX + 1];
  int year;                              /* the origin's vintage year */
  char vintage_start[11], vintage_end[11]; /* the period, YYYY-MM-DD */
} l6_origin_period;

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
  /* UNKNOWN_TOKEN when there is no token id. */
  l6_err (*token_get)(l6_store *s, l6_id id, l6_token *out, l6_error *err);
  /* Tokens in id order after `after`; only > 0: that token alone. */
  l6_err (*token_list)(l6_store *s, l6_id only, l6_id after, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* Sets revoked = at unless already revoked (the first revocation stays). */
  l6_err (*token_revoke)(l6_store *s, l6_id id, int64_t at, l6_error *err);
  /* Sets last_used = at when it is older than `before` (one conditional
   * UPDATE; no row changes when another server touched it already). */
  l6_err (*token_touch)(l6_store *s, l6_id id, int64_t at, int64_t before, l6_error *err);

  /* ---- the project cycle ---- */

  /* Sets a project's status ("listed", "registered", "suspended");
   * UNKNOWN_PROJECT when absent. */
  l6_err (*project_set_status)(l6_store *s, const char *id, const char *status, l6_error *err);

  /* Registers a document. content_b64 (its bytes in base64) may be NULL:
   * the bytes are kept outside the store. A hash already registered keeps
   * its metadata and gains the bytes if it had none. */
  l6_err (*doc_put)(l6_store *s, const l6_doc *d, const char *content_b64, l6_error *err);
  /* A document's metadata, and when content_b64 is not NULL its bytes in
   * base64 (malloc'd, caller frees; NULL when not stored).
   * UNKNOWN_DOCUMENT when absent. */
  l6_err (*doc_get)(l6_store *s, const char *hash, l6_doc *out, char **content_b64, l6_error *err);

  /* Accredits an organisation (a DOE/VVB) for a mechanism and sectoral
   * scope; accrediting twice is not an error. */
  l6_err (*accreditation_put)(l6_store *s, l6_id org, const char *mechanism, const char *scope, l6_error *err);
  /* *out = whether the organisation is accredited for mechanism and scope. */
  l6_err (*accreditation_has)(l6_store *s, l6_id org, const char *mechanism, const char *scope, bool *out,
                              l6_error *err);

  /* Inserts or replaces the activity of a->project. */
  l6_err (*activity_save)(l6_store *s, const l6_activity *a, l6_error *err);
  l6_err (*activity_get)(l6_store *s, const char *project, l6_activity *out, l6_error *err); /* UNKNOWN_ACTIVITY */
  /* Filters optional (NULL or ""); ordered by project, after `after`. */
  l6_err (*activity_list)(l6_store *s, const char *mechanism, const char *state, const char *after, int limit,
                          l6_each_fn each, void *ctx, l6_error *err);

  /* Inserts or replaces period (p->project, p->seq). */
  l6_err (*period_save)(l6_store *s, const l6_period *p, l6_error *err);
  l6_err (*period_get)(l6_store *s, const char *project, int seq, l6_period *out, l6_error *err); /* UNKNOWN_PERIOD */
  /* Periods of an activity by seq, at most limit. */
  l6_err (*period_list)(l6_store *s, const char *project, int limit, l6_each_fn each, void *ctx, l6_error *err);

  /* Appends a step record; sets r->id. */
  l6_err (*step_put)(l6_store *s, l6_step_rec *r, l6_error *err);
  /* Step records of an activity by id, after `after`, at most limit. */
  l6_err (*step_list)(l6_store *s, const char *project, l6_id after, int limit, l6_each_fn each, void *ctx,
                      l6_error *err);
  /* ---- Article 6.2 accounting ---- */

  /* Inserts or replaces a Party's NDC; UNKNOWN_NDC from get when absent. */
  l6_err (*a6_ndc_put)(l6_store *s, const l6_a6_ndc *n, l6_error *err);
  l6_err (*a6_ndc_get)(l6_store *s, const char *party, l6_a6_ndc *out, l6_error *err);
  /* Inserts or replaces one year of a Party's NDC; lists them by year. */
  l6_err (*a6_year_put)(l6_store *s, const l6_a6_year *y, l6_error *err);
  l6_err (*a6_year_list)(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err);

  /* Inserts an authorization (a->id == 0; sets a->id) or replaces it by id. */
  l6_err (*a6_auth_put)(l6_store *s, l6_a6_auth *a, l6_error *err);
  l6_err (*a6_auth_get)(l6_store *s, l6_id id, l6_a6_auth *out, l6_error *err); /* UNKNOWN_AUTHORIZATION */
  /* Authorizations of a Party ("" = all) by id. */
  l6_err (*a6_auth_list)(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err);

  /* Inserts an ITMO range (r->id == 0; sets r->id) or replaces it by id. */
  l6_err (*a6_itmo_put)(l6_store *s, l6_a6_itmo *r, l6_error *err);
  l6_err (*a6_itmo_remove)(l6_store *s, l6_id id, l6_error *err);
  /* ITMO ranges overlapping serials [first, last] of batch, by first. */
  l6_err (*a6_itmo_in_batch)(l6_store *s, l6_id batch, int64_t first, int64_t last, l6_each_fn each, void *ctx,
                             l6_error *err);
  /* ITMO ranges of an approach and registry overlapping ITMO serials [first, last], by ITMO serial. */
  l6_err (*a6_itmo_by_serial)(l6_store *s, int approach, const char *registry, int64_t first, int64_t last,
                              l6_each_fn each, void *ctx, l6_error *err);
  /* ITMO ranges of an authorization (0 = all) by (approach, registry, ITMO serial). */
  l6_err (*a6_itmo_list)(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err);
  /* The next free ITMO serial of an approach in a registry (1 when none). */
  l6_err (*a6_itmo_next_serial)(l6_store *s, int approach, const char *registry, int64_t *out, l6_error *err);

  /* Appends an action (sets a->id); lists a Party's ("" = all) by id. */
  l6_err (*a6_action_put)(l6_store *s, l6_a6_action *a, l6_error *err);
  l6_err (*a6_action_list)(l6_store *s, const char *party, l6_each_fn each, void *ctx, l6_error *err);
  /* ---- non-market approaches ---- */

  /* Authorization amendments: inserts one (ALREADY_EXISTS for the same
   * auth and version), and lists an authorization's, by version. */
  l6_err (*a6_auth_version_put)(l6_store *s, const l6_a6_auth_version *v, l6_error *err);
  l6_err (*a6_auth_version_list)(l6_store *s, l6_id auth, l6_each_fn each, void *ctx, l6_error *err);
  /* Cooperative approaches: inserts or replaces the record of r->code;
   * one record (NOT_FOUND when absent); all, by code. */
  l6_err (*a6_approach_put)(l6_store *s, const l6_a6_approach *r, l6_error *err);
  l6_err (*a6_approach_get)(l6_store *s, int code, l6_a6_approach *out, l6_error *err);
  l6_err (*a6_approach_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);

  /* Inserts r (r->id == 0; sets r->id) or replaces it by id. */
  l6_err (*nma_put)(l6_store *s, l6_nma_rec *r, l6_error *err);
  /* The record id of kind; NOT_FOUND when absent or of another kind. */
  l6_err (*nma_get)(l6_store *s, const char *kind, l6_id id, l6_nma_rec *out, l6_error *err);
  /* Records of kind (and party unless ""), by id. */
  l6_err (*nma_list)(l6_store *s, const char *kind, const char *party, l6_each_fn each, void *ctx, l6_error *err);

  /* Programmes of activities, comments, grievances and appeals: inserts r
   * (r->id == 0; sets r->id) or replaces it by id; the record id of kind
   * (NOT_FOUND when absent or of another kind); records of kind (and ref
   * unless ""), by id. */
  l6_err (*mech_rec_put)(l6_store *s, l6_mech_rec *r, l6_error *err);
  l6_err (*mech_rec_get)(l6_store *s, const char *kind, l6_id id, l6_mech_rec *out, l6_error *err);
  l6_err (*mech_rec_list)(l6_store *s, const char *kind, const char *ref, l6_each_fn each, void *ctx, l6_error *err);
  /* Activity records (l6_arec). Inserts r (ALREADY_EXISTS when its id or
   * ref is taken), or with update replaces the body of the record of r's
   * project, kind and id (NOT_FOUND when absent). */
  l6_err (*arec_put)(l6_store *s, const l6_arec *r, bool update, l6_error *err);
  /* The record of project and kind with ref; NOT_FOUND when absent. */
  l6_err (*arec_get)(l6_store *s, const char *project, const char *kind, const char *ref, l6_arec *out, l6_error *err);
  /* Records of project and kind (and period unless it is negative), by id. */
  l6_err (*arec_list)(l6_store *s, const char *project, const char *kind, int period, l6_each_fn each, void *ctx,
                      l6_error *err);

  /* Transparency log. The service appends a leaf in the same store
   * transaction as the registry change it records; nothing else writes
   * these tables. Absent rows are NOT_FOUND. Tree arithmetic is in
   * core/merkle.h, the log's use of these ops in service/tlog.h. */

  /* Number of leaves: one more than the largest index, 0 when empty. */
  l6_err (*log_size)(l6_store *s, int64_t *out, l6_error *err);
  /* Appends leaf (leaf->index must equal log_size) and the subtree nodes
   * it completes, nodes[0] being its own hash at level 0 (merkle_append
   * computes them). ALREADY_EXISTS when the index or transaction has a
   * leaf. */
  l6_err (*log_append)(l6_store *s, const l6_log_leaf *leaf, const merkle_node *nodes, size_t n, l6_error *err);
  /* The leaf of transaction tx (tx > 0), else the leaf at index. */
  l6_err (*log_leaf_get)(l6_store *s, int64_t index, l6_id tx, l6_log_leaf *out, l6_error *err);
  /* Leaves with index >= from, in index order, at most limit (rows are
   * l6_log_leaf). */
  l6_err (*log_leaf_list)(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* The letter leaf of (auth, version); NOT_FOUND when it has none. */
  l6_err (*log_letter_get)(l6_store *s, l6_id auth, int version, l6_log_leaf *out, l6_error *err);
  /* The hash of complete subtree (level, index). */
  l6_err (*log_node_get)(l6_store *s, int level, int64_t index, uint8_t out[32], l6_error *err);
  /* Stores a signed tree head; ALREADY_EXISTS when one has its size. */
  l6_err (*log_head_put)(l6_store *s, const l6_log_head *h, l6_error *err);
  /* The head of tree_size, or the largest one when tree_size < 0. */
  l6_err (*log_head_get)(l6_store *s, int64_t tree_size, l6_log_head *out, l6_error *err);
  /* Heads with tree_size >= from, by size, at most limit (l6_log_head). */
  l6_err (*log_head_list)(l6_store *s, int64_t from, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* Adds a public key; when k->current, every other key stops being
   * current. ALREADY_EXISTS when the id or key is known. */
  l6_err (*log_key_put)(l6_store *s, const l6_log_key *k, l6_error *err);
  /* Every key, oldest first (rows are l6_log_key). */
  l6_err (*log_key_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);
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

  /* ---- the exchange ---- */

  /* Inserts or replaces an instrument by code; UNKNOWN_INSTRUMENT. */
  l6_err (*ex_instrument_put)(l6_store *s, const l6_ex_instrument *x, l6_error *err);
  l6_err (*ex_instrument_get)(l6_store *s, const char *code, l6_ex_instrument *out, l6_error *err);
  l6_err (*ex_instrument_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err); /* by code */
  /* Instrument criteria (crit): an instrument without a row has none
   * beyond l6_ex_instrument (crit_get fills *out empty, returns OK). */
  l6_err (*crit_put)(l6_store *s, const l6_crit *x, l6_error *err);
  l6_err (*crit_get)(l6_store *s, const char *code, l6_crit *out, l6_error *err);
  /* Batch labels (crit): insert (x->id set), and a batch's labels by id. */
  l6_err (*batch_label_put)(l6_store *s, l6_batch_label *x, l6_error *err);
  l6_err (*batch_label_list)(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err);
  /* drop: marks the label (batch, label) dropped at ts for reference;
   * restore: sets a dropped one again (x's actor, ts, reference), its drop
   * cleared. NOT_FOUND when no such row. */
  l6_err (*batch_label_drop)(l6_store *s, l6_id batch, const char *label, const char *ts, const char *reference,
                             l6_error *err);
  l6_err (*batch_label_restore)(l6_store *s, const l6_batch_label *x, l6_error *err);
  /* A cash account; absent is OK with zero balances. put inserts or replaces. */
  l6_err (*ex_cash_get)(l6_store *s, l6_id org, const char *currency, l6_ex_cash *out, l6_error *err);
  l6_err (*ex_cash_put)(l6_store *s, const l6_ex_cash *c, l6_error *err);
  /* Cash accounts of org (org < 0: all) by (org, currency). */
  l6_err (*ex_cash_list)(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err);
  /* Appends a journal entry (sets j->id); lists org's (org < 0: all) by id. */
  l6_err (*ex_journal_put)(l6_store *s, l6_ex_journal *j, l6_error *err);
  l6_err (*ex_journal_list)(l6_store *s, l6_id org, l6_each_fn each, void *ctx, l6_error *err);
  /* Inserts or replaces an order by id; UNKNOWN_ORDER. */
  l6_err (*ex_order_put)(l6_store *s, const l6_ex_order *o, l6_error *err);
  l6_err (*ex_order_get)(l6_store *s, l6_id id, l6_ex_order *out, l6_error *err);
  /* Orders of instrument ("" = all) and org (0 = all), only status "open"
   * when open_only, by seq. */
  l6_err (*ex_order_list)(l6_store *s, const char *instrument, l6_id org, bool open_only, l6_each_fn each, void *ctx,
                          l6_error *err);
  /* Largest order id and seq (0 when none). */
  l6_err (*ex_order_max)(l6_store *s, int64_t *id, int64_t *seq, l6_error *err);
  /* Appends a trade (sets t->id). Lists an instrument's trades of day ("" =
   * any) by id, newest first when desc, at most limit (0: all). */
  l6_err (*ex_trade_put)(l6_store *s, l6_ex_trade *t, l6_error *err);
  l6_err (*ex_trade_list)(l6_store *s, const char *instrument, const char *day, bool desc, int limit, l6_each_fn each,
                          void *ctx, l6_error *err);
  /* Lines (l6_tx_line) of the transactions that delivered the units of
   * trades recorded at or after `since` (an ISO 8601 UTC timestamp)
   * whose serials of batch overlap [first, last] (whole lines, not
   * clipped), by first. The same-day resale rule's input. */
  l6_err (*ex_delivered)(l6_store *s, const char *since, l6_id batch, int64_t first, int64_t last, l6_each_fn each,
                         void *ctx, l6_error *err);

  /* Fault injection for tests: when n > 0, the n-th following write
   * statement fails with STORE without running (counting down); 0
   * disables. */
  void (*fail_after)(l6_store *s, int n);

  /* ---- emissions trading ---- */

  /* Inserts or replaces the record (kind, key). */
  l6_err (*ets_rec_put)(l6_store *s, const l6_ets_rec *r, l6_error *err);
  /* Records of a kind whose key starts with prefix ("" = all), by key. */
  l6_err (*ets_rec_list)(l6_store *s, const char *kind, const char *prefix, l6_each_fn each, void *ctx,
                         l6_error *err);
  /* Appends a history entry (sets h->id); lists the entries of (kind,
   * key) by id. */
  l6_err (*ets_hist_add)(l6_store *s, l6_ets_hist *h, l6_error *err);
  l6_err (*ets_hist_list)(l6_store *s, const char *kind, const char *key, l6_each_fn each, void *ctx, l6_error *err);

  /* ---- links between registries (issue 19) ---- */
  /* Inserts or replaces the record (kind, key). */
  l6_err (*link_put)(l6_store *s, const l6_link_rec *r, l6_error *err);
  /* One record; NOT_FOUND when absent. */
  l6_err (*link_get)(l6_store *s, const char *kind, const char *key, l6_link_rec *out, l6_error *err);
  /* Records of a kind by key; state "" = any, else only that state with
   * due_ms <= due_before (due_before < 0: any), by due_ms then key; at
   * most limit rows (0: all). */
  l6_err (*link_list)(l6_store *s, const char *kind, const char *state, int64_t due_before, int limit,
                      l6_each_fn each, void *ctx, l6_error *err);

  /* ---- people (issue 15): users, web sessions, token owners ---- */

  /* Adds a user (sets u->id); ALREADY_EXISTS when the email is taken. */
  l6_err (*user_put)(l6_store *s, l6_user *u, l6_error *err);
  /* One user by id or by email; UNKNOWN_USER when absent. */
  l6_err (*user_get)(l6_store *s, l6_id id, l6_user *out, l6_error *err);
  l6_err (*user_by_email)(l6_store *s, const char *email, l6_user *out, l6_error *err);
  /* Every user (l6_user), by id. */
  l6_err (*user_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);
  l6_err (*user_set_disabled)(l6_store *s, l6_id id, bool disabled, l6_error *err);
  /* Records step as the user's last TOTP step when it is later than the
   * stored one (*taken true); else changes nothing (*taken false). */
  l6_err (*user_take_step)(l6_store *s, l6_id id, int64_t step, bool *taken, l6_error *err);
  l6_err (*session_put)(l6_store *s, const char *hash_hex, const l6_session *x, l6_error *err);
  /* SESSION_EXPIRED when no session has this hash. */
  l6_err (*session_get)(l6_store *s, const char *hash_hex, l6_session *out, l6_error *err);
  l6_err (*session_touch)(l6_store *s, const char *hash_hex, int64_t last_ms, l6_error *err);
  l6_err (*session_delete)(l6_store *s, const char *hash_hex, l6_error *err);
  /* Ends every session of a user (disabled). */
  l6_err (*session_delete_user)(l6_store *s, l6_id user, l6_error *err);
  /* The user a token belongs to (0: a system integration); set once,
   * after token_put, by a token made in a user's session. */
  l6_err (*token_set_owner)(l6_store *s, l6_id token, l6_id owner, l6_error *err);
  /* ---- four eyes, trusted accounts, delays (issue 15, proposal.c) ---- */

  /* A registry's approval policy; *found false (and out zeroed) when none. */
  l6_err (*policy_get)(l6_store *s, const char *registry, l6_policy_rec *out, bool *found, l6_error *err);
  /* Inserts or replaces it. */
  l6_err (*policy_put)(l6_store *s, const l6_policy_rec *p, l6_error *err);
  l6_err (*proposal_put)(l6_store *s, l6_proposal *p, l6_error *err); /* sets p->id */
  l6_err (*proposal_update)(l6_store *s, const l6_proposal *p, l6_error *err);
  /* UNKNOWN_PROPOSAL when absent. */
  l6_err (*proposal_get)(l6_store *s, l6_id id, l6_proposal *out, l6_error *err);
  /* Proposals matching f, by id. */
  l6_err (*proposal_list)(l6_store *s, const l6_proposal_filter *f, l6_each_fn each, void *ctx, l6_error *err);
  /* Inserts or replaces (account, trusted). */
  l6_err (*trusted_put)(l6_store *s, const l6_trusted *t, l6_error *err);
  /* NOT_TRUSTED when the pair is not on the list. */
  l6_err (*trusted_delete)(l6_store *s, l6_id account, l6_id trusted, l6_error *err);
  /* The list of account (l6_trusted), by trusted id. */
  l6_err (*trusted_list)(l6_store *s, l6_id account, l6_each_fn each, void *ctx, l6_error *err);

  /* ---- operations ---- */

  /* The readiness probe (GET /v1/ready), inside a transaction: checks that
   * the store is still the one opened (an SQLite file still at its path,
   * not removed or replaced: a server writing to a deleted file would lose
   * everything it commits) and reads the schema version recorded in meta
   * into *out. STORE when it cannot. */
  l6_err (*schema_version)(l6_store *s, int *out, l6_error *err);

  /* ---- readers (issue 16: reads off the writer lock) ---- */

  /* Opens another connection to the same store, for reading only (a new
   * l6_store the caller closes): its begin() takes no writer lock and
   * reads one snapshot of what was committed (SQLite: a deferred
   * transaction on a WAL reader; PostgreSQL: REPEATABLE READ, READ ONLY),
   * and any write fails with STORE. NULL with err when the store has no
   * readers (an in-memory SQLite store). One thread at a time per reader,
   * like every store. */
  l6_store *(*reader)(l6_store *s, l6_error *err);
  /* ---- registries outside the Parties (issue 17) ---- */

  /* A registry's kind, "party" or "standard"; set_kind: UNKNOWN_REGISTRY
   * when absent. */
  l6_err (*registry_kind_get)(l6_store *s, const char *id, char kind[16], l6_error *err);
  l6_err (*registry_kind_set)(l6_store *s, const char *id, const char *kind, l6_error *err);
  /* Sets a batch's vintage period (both YYYY-MM-DD). */
  l6_err (*batch_vintage_set)(l6_store *s, l6_id batch, const char *start, const char *end, l6_error *err);
  /* Appends an origin block (sets b->id); the caller checked overlaps. */
  l6_err (*origin_block_put)(l6_store *s, l6_origin_block *b, l6_error *err);
  /* The origin block of (origin, prefix) overlapping [first, last] with
   * the largest first (ranges are disjoint, so there is at most one that
   * starts at or before `last` and reaches `first`); NOT_FOUND when none. */
  l6_err (*origin_block_at)(l6_store *s, const char *origin, const char *prefix, int64_t first, int64_t last,
                            l6_origin_block *out, l6_error *err);
  /* The origin blocks a batch carries, by first. */
  l6_err (*origin_blocks_of_batch)(l6_store *s, l6_id batch, l6_each_fn each, void *ctx, l6_error *err);
  /* Units of the origin's blocks of a project and vintage period. */
  l6_err (*origin_placed)(l6_store *s, const char *origin, const char *project, const char *vintage_start,
                          const char *vintage_end, l6_qty *out, l6_error *err);
  /* Inserts or replaces the unplaced units of (origin, project, period);
   * get: NOT_FOUND when none; list: an origin's ("" = all) by key. */
  l6_err (*origin_unplaced_put)(l6_store *s, const l6_origin_unplaced *u, l6_error *err);
  l6_err (*origin_unplaced_get)(l6_store *s, const char *origin, const char *project, const char *vintage_start,
                                const char *vintage_end, l6_origin_unplaced *out, l6_error *err);
  l6_err (*origin_unplaced_list)(l6_store *s, const char *origin, l6_each_fn each, void *ctx, l6_error *err);
  /* Inserts or replaces an origin's facts of a project; NOT_FOUND from get
   * when none. project_facts_set: a project's methodology, crediting
   * period and status, as its origin's newer project list gives them. */
  l6_err (*origin_project_put)(l6_store *s, const l6_origin_project *p, l6_error *err);
  l6_err (*origin_project_get)(l6_store *s, const char *origin, const char *project, l6_origin_project *out,
                               l6_error *err);
  l6_err (*project_facts_set)(l6_store *s, const l6_project *p, l6_error *err);
  /* Inserts or replaces the period of (origin, prefix, year); NOT_FOUND
   * from get when none. */
  l6_err (*origin_period_put)(l6_store *s, const l6_origin_period *p, l6_error *err);
  l6_err (*origin_period_get)(l6_store *s, const char *origin, const char *prefix, int year, l6_origin_period *out,
                              l6_error *err);
  /* A transaction's effective date (YYYY-MM-DD, when it happened at its
   * origin) and whether the origin stated no beneficiary; get: NOT_FOUND
   * for a transaction made in ledger6 (its effective date is its ts). */
  l6_err (*tx_origin_put)(l6_store *s, l6_id tx, const char *effective, bool beneficiary_unstated, l6_error *err);
  l6_err (*tx_origin_get)(l6_store *s, l6_id tx, char effective[11], bool *beneficiary_unstated, l6_error *err);
  /* The terms of an off-exchange transfer (issue 20 item 5): its
   * consideration, amount in minor units and ISO 4217 currency, or amount
   * -1 and currency "" when unpriced; get: NOT_FOUND for a transaction not
   * made through POST /v1/transfers; list: every row (l6_tx_terms), by tx. */
  l6_err (*tx_terms_put)(l6_store *s, const l6_tx_terms *t, l6_error *err);
  l6_err (*tx_terms_get)(l6_store *s, l6_id tx, l6_tx_terms *out, l6_error *err);
  l6_err (*tx_terms_list)(l6_store *s, l6_each_fn each, void *ctx, l6_error *err);
  /* Open data (issue 17): the exchange's trades of every instrument with
   * id > after, by id, at most limit rows (l6_ex_trade). */
  l6_err (*ex_trade_page)(l6_store *s, l6_id after, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* Totals of issued and retired units grouped by one dimension (GROUP BY
   * in SQL), rows l6_stat_row ordered by key; host and programme filter
   * ("" = all). Issued: the quantity of every batch, its year that of its
   * issuance (effective date when the transaction has one, else its ts).
   * Retired: the units of every retirement's lines, attributed to their
   * batch's vintage, host and programme; its year that of the retirement
   * (effective date, else ts). after_tx > 0: only the batches and
   * retirement lines of transactions with id > after_tx (the figures are
   * sums over transactions, so the service adds those of the transactions
   * since it last summed: opendata.c); the project dimensions ignore it. */
  l6_err (*stats)(l6_store *s, l6_stat_dim dim, const char *host, const char *programme, l6_id after_tx, l6_each_fn each,
                  void *ctx, l6_error *err);
  /* ---- email notices (issue 22, service/notice.c) ---- */
  /* Queues n (sets n->id) unless the user has a notice with its key:
   * *added false then, and nothing changes (once per notice per person). */
  l6_err (*notice_add)(l6_store *s, l6_notice *n, bool *added, l6_error *err);
  /* Queued notices with due_ms <= due_before, by due_ms then id, at most limit. */
  l6_err (*notice_due)(l6_store *s, int64_t due_before, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* Saves state, attempts, due_ms, sent_ms and last_error of notice n->id. */
  l6_err (*notice_update)(l6_store *s, const l6_notice *n, l6_error *err);
  /* Notices of a user (0: everyone), by id, at most limit. */
  l6_err (*notice_list)(l6_store *s, l6_id user, int limit, l6_each_fn each, void *ctx, l6_error *err);
  /* A user's choice of email notices (true unless opted out); UNKNOWN_USER. */
  l6_err (*user_notify_get)(l6_store *s, l6_id user, bool *on, l6_error *err);
  l6_err (*user_notify_set)(l6_store *s, l6_id user, bool on, l6_error *err);
  /* A bulk session (the importer, svc_import_begin .. svc_import_end) on
   * (true) or over (false). SQLite: the writer connection's page cache
   * is raised to L6_BULK_CACHE_KIB for the session and set back to what
   * it was after; durability and the journal are unchanged. May be NULL
   * (PostgreSQL: the server's shared buffers are not the session's). */
  l6_err (*bulk_session)(l6_store *s, bool on, l6_error *err);
  /* Waits for the writes the store sent without waiting for their
   * results (PostgreSQL's pipeline, issue 16 target 5) and returns the
   * first one's failure, as the write would have; the transaction stays
   * open. The service calls it where a request's outcome must be known
   * before another request runs in the same transaction (txgroup.c). May
   * be NULL (SQLite: every statement completes before its call returns). */
  l6_err (*flush)(l6_store *s, l6_error *err);
} l6_store_ops;

/* The SQLite page cache of a bulk session, in KiB (a bound: the importer's
 * memory stays flat beyond it however large the file). */
#define L6_BULK_CACHE_KIB 32768

struct l6_store {
  const l6_store_ops *ops;
  /* Set by the service that owns this (writer) store (svc_open): from then
   * on every statement must run inside a transaction (begin..commit), i.e.
   * under the service's writer lock. A statement outside one is a caller
   * that skipped the lock and may share the connection with another
   * thread: reported, and fatal under L6_TX_GUARD=abort (store_common.h
   * store__outside_tx; docs/DESIGN.md "The writer guard"). */
  bool tx_only;
  /* Round trips to the database server so far (PostgreSQL: each wait
   * for an answer, a pipeline's sync counting once; SQLite: 0). Read by
   * tests and benchmarks (issue 16 target 5); never reset. */
  uint64_t round_trips;
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
/* Fault injection for tests (SQLite only): the nth top-level COMMIT from
 * now fails (STORE, nothing committed; the caller rolls back). */
void store_sqlite_fail_commit(l6_store *s, int n);

/* Opens (creating and migrating) a PostgreSQL store; spec is a libpq
 * connection URI. Returns NULL and fills err on failure. */
l6_store *store_pg_open(const char *spec, l6_error *err);

/* *out = whether the PostgreSQL database of spec holds a ledger6 store
 * (ledger6 init or serve made its schema there). Changes nothing. */
l6_err store_pg_initialised(const char *spec, bool *out, l6_error *err);

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
