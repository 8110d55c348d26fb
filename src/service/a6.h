/*
 * a6.h -- Article 6.2 accounting as use cases (docs/DESIGN.md, "Article 6.2
 * accounting"): NDCs, letters of authorization, first-transfer detection
 * and corresponding adjustments, use and cancellation actions, CORSIA,
 * balances, the AEF report with its consistency check, and the what-if
 * comparison. Every call is one store transaction, like service.h.
 *
 * Roles: admin (the registry operator) may do everything; a Party's
 * authority (token role authority, organisation in a registry of that
 * Party) manages its own NDC and authorizes its own units; holders act on
 * their own accounts; the books and reports are read by admin, auditor
 * and authorities.
 */
#ifndef L6_SVC_A6_H
#define L6_SVC_A6_H

#include "service.h"

/* An NDC with its years (reported emissions, trajectory levels). */
l6_err svc_a6_ndc_put(l6_svc *s, const l6_actor *a, const l6_a6_ndc *ndc, const l6_a6_year *years, size_t ny,
                      json_t **out, l6_error *err);
/* Records one year of an existing NDC (reported emissions and/or
 * trajectory level; an absent figure is not reported): replaces that year. */
l6_err svc_a6_year_put(l6_svc *s, const l6_actor *a, const l6_a6_year *y, json_t **out, l6_error *err);
l6_err svc_a6_ndc_get(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

/* Authorizes units of a project (in->party must host it): the units
 * already issued of the covered vintages, then those issued later, up to
 * in->quantity, become ITMOs with identifiers. Sets in->id. */
l6_err svc_a6_authorize(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, l6_error *err);
/* Revokes an authorization: units not yet first transferred stop being
 * ITMOs for new first transfers, uses and cancellations. */
l6_err svc_a6_revoke(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* As svc_a6_authorize and svc_a6_revoke, with the reply's status: 201
 * done, or 202 when the approval policy of a registry of the Party has
 * "a6_authorizations" (proposal.c): then *out is the proposal, and a
 * second person's approval re-runs the request (svc__plain_rerun). */
l6_err svc_a6_authorize_st(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, int *status, l6_error *err);
l6_err svc_a6_revoke_st(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, int *status, l6_error *err);
/* Amends authorization id (its Party's authority or admin; not revoked):
 * changes is an object of the terms to change (quantity, not below the
 * ITMOs already made; vintage_from, vintage_to; purposes, authorized_parties,
 * authorized_entities as arrays; year_from, year_to), in force from
 * effective_from (YYYY-MM-DD). The version goes up by one; the amendment is
 * recorded with the terms it replaced, and the ITMOs already first
 * transferred keep those terms (their uses and cancellations are checked
 * against them); the others take the new ones. The reply: the amended
 * authorization and "amendment" (itmos_kept, itmos_touched). */
l6_err svc_a6_amend(l6_svc *s, const l6_actor *a, l6_id id, const json_t *changes, const char *effective_from,
                    const char *reason, json_t **out, l6_error *err);
/* An authorization's amendments, oldest first (public, like the letter). */
l6_err svc_a6_auth_versions(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* One authorization (public, like the list), with its ITMO ranges. */
l6_err svc_a6_auth_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
l6_err svc_a6_auth_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);
/* The letter of authorization id as an auditor checks it (public, like
 * the letter): its canonical text from the stored terms
 * (core/a6_letter.h), that text's SHA-256, the hash recorded at the last
 * change (null when made before schema 22) and whether they match. */
l6_err svc_a6_auth_letter(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* For ledger6 verify --store, inside the caller's transaction: recomputes
 * every authorization's letter hash from its stored terms; *checked counts
 * those with a hash recorded; problem (cap bytes) gets the first mismatch,
 * or "" when all match. */
l6_err svc__a6_letters_check(l6_store *st, int64_t *checked, char *problem, size_t cap, l6_error *err);
/* The ITMO ranges of an authorization (0: all) with identifiers and state. */
l6_err svc_a6_itmo_list(l6_svc *s, const l6_actor *a, l6_id auth, json_t **out, l6_error *err);

typedef enum {
  A6_ACT_FIRST_TRANSFER = 1, /* the host records a first transfer (e.g. out of this registry) */
  A6_ACT_USE,                /* use toward the acquiring Party's NDC */
  A6_ACT_OIMP,               /* cancellation for OIMP (CORSIA, voluntary claim, other) */
  A6_ACT_VOLUNTARY           /* voluntary cancellation of unauthorized units (mitigation contribution, no CA) */
} a6_act_kind;

typedef struct {
  a6_act_kind kind;
  l6_id account;               /* the account holding the units */
  char first_id[64], last_id[64]; /* ITMO identifiers (not VOLUNTARY) */
  l6_range range;              /* VOLUNTARY: serials of a batch */
  char party[4];               /* USE: the using Party */
  int year;                    /* USE: year of use */
  char purpose[16];            /* OIMP: "CORSIA", "voluntary", "other" */
  char phase[16];              /* OIMP CORSIA: the compliance phase */
  char entity[L6_NAME_MAX + 1];/* OIMP: the using entity (aeroplane operator) */
  int effective_year;          /* FIRST_TRANSFER, OIMP: the year it happened, when loading past years
                                  (authority or admin only; within the host's NDC period, not after
                                  this year); 0: now. The commit time stays now. */
} l6_a6_act_req;

/* Runs an action in one transaction: the units move to the registry's
 * cancellation account (except FIRST_TRANSFER), the AEF actions and the
 * corresponding adjustments are written. */
l6_err svc_a6_act(l6_svc *s, const l6_actor *a, const l6_a6_act_req *r, json_t **out, l6_error *err);

/* Per year of the Party's NDC: reported emissions, first transferred,
 * used, corresponding adjustment and adjusted emissions under its method. */
l6_err svc_a6_balances(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);
/* The AEF's five tables for party and year, after a consistency check
 * ("consistent", "inconsistencies"). The holdings table is the Party's
 * holdings per vintage at the end (UTC) of the day as_of ("YYYY-MM-DD"),
 * from its actions recorded up to then; NULL or "": 31 December of year,
 * or today while that is ahead (submission.holdings_as_of says which).
 * BAD_PARAM for an as_of that is no calendar date or is after today.
 * Public: Parties' AEF submissions are public information under the Paris
 * Agreement (docs/API.md). */
l6_err svc_a6_aef(l6_svc *s, const l6_actor *a, const char *party, int year, const char *as_of, json_t **out,
                  l6_error *err);
/* The consistency checks svc_a6_aef runs, each by its stable code with its
 * description, "passed" and its findings (messages): the secretariat's
 * checks (src/core/aef_check.h) and the registry's reconciliation of the
 * actions with the ledger. Public, like the AEF. */
l6_err svc_a6_aef_checks(l6_svc *s, const l6_actor *a, const char *party, int year, const char *as_of, json_t **out,
                         l6_error *err);
/* aef_export.c: the AEF in the layout of the UN's workbook (decisions
 * 6/CMA.4 and 4/CMA.6; docs/API.md "The AEF workbook"). Whether name is
 * one of the five tables (submission, authorizations, actions, holdings,
 * authorized_entities). */
bool svc_a6_aef_table_known(const char *name);
/* One table of the report of svc_a6_aef as CSV (RFC 4180: CRLF line ends,
 * fields with a comma, quote or line end quoted): the template's headings,
 * then one line per record. malloc'd; NULL for an unknown table or when out
 * of memory. */
char *svc_a6_aef_csv_table(const json_t *aef, const char *table);
/* The report as an .xlsx workbook with the template's five worksheets;
 * *out malloc'd, *len bytes. INTERNAL when the workbook cannot be written. */
l6_err svc_a6_aef_xlsx(const json_t *aef, char **out, size_t *len, l6_error *err);
/* Adjusted emissions under every accounting option (core a6_whatif), read only. */
l6_err svc_a6_whatif(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

/* Loads dir/corsia.json (phases, eligible programmes, conditions). A
 * missing file leaves CORSIA cancellations refused (unknown_corsia_phase);
 * a malformed one is INVALID_CONFIG naming the key. Process-wide: the
 * phases are the same for every service of the process. */
l6_err svc_a6_load_corsia(const char *dir, l6_error *err);
/* The loaded phases as JSON (GET /v1/a6/corsia). */
l6_err svc_a6_corsia(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);

/* ---- exchange labels (crit, src/service/exchange.c) ---- */

/* Whether CORSIA phase `name` is loaded from config/corsia.json. */
bool a6_corsia_known(const char *name);
/* Calls fn(ctx, lo, hi), in serial order, for each sub-range of serials
 * [first, last] of batch b eligible for the exchange labels asked: oimp,
 * ITMOs authorized for OIMP (held, authorization not revoked before their
 * first transfer); corsia_phase (not NULL), units satisfying that phase
 * as an OIMP CORSIA cancellation checks them (a6_corsia_check: an ITMO
 * authorized for OIMP counts as authorized with its adjustment applied,
 * any other unit as neither). Inside the caller's store transaction. */
l6_err a6_eligible_ranges(l6_svc *s, const l6_batch *b, int64_t first, int64_t last, bool oimp,
                          const char *corsia_phase, void (*fn)(void *ctx, int64_t lo, int64_t hi), void *ctx,
                          l6_error *err);

/* ---- hooks of the ledger (inside its store transaction) ---- */

/* The Article 6 rules of every move (move.h) are a6_move_hook (claims
 * and ITMOs: refused on routes that do not do the accounting; transfers
 * between Parties recorded, first transfers adjusted) and
 * a6_corsia_move_hook (CORSIA eligibility), registered through
 * move_modules.c: no route calls them. */
/* After an issuance: units of authorized projects become ITMOs (first
 * transferred at once for OIMP authorizations whose event is issuance or
 * authorization). */
l6_err a6_on_issue(l6_svc *s, const l6_tx *tx, const l6_batch *b, l6_error *err);
/* The same when the caller holds the batch's project's host Party (the
 * importer), which a6_on_issue reads. */
l6_err a6_on_issue_host(l6_svc *s, const l6_tx *tx, const l6_batch *b, const char *host, l6_error *err);

/* ---- authorization requests (a6_request.c, issue 18 item 4) ---- */

/* A project participant (a holder token of the project's activity's
 * organisation, or, for a project outside a mechanism's cycle, of an
 * organisation its units were issued to) asks the host Party's authority
 * to authorize units of the project: terms as svc_a6_authorize's (party is
 * set to the project's host), note an optional text. The request is
 * pending until the authority approves it (the authorization is made by
 * svc_a6_authorize's path in the same transaction and linked, 201; 202
 * when the Party's approval policy makes it a proposal) or rejects it with
 * reasons. */
l6_err svc_a6_request_post(l6_svc *s, const l6_actor *a, l6_a6_auth *terms, const char *note, json_t **out,
                           l6_error *err);
/* Requests of Party party ("" all): admin, auditor; an authority or a
 * reviewer those of its own Party; a holder its organisation's. */
l6_err svc_a6_request_list(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);
l6_err svc_a6_request_get(l6_svc *s, const l6_actor *a, l6_id id, json_t **out, l6_error *err);
/* The host's authority (or admin) decides a pending request: approve, or
 * reject with reasons (required). *status 201, or 202 (a proposal). */
l6_err svc_a6_request_decide(l6_svc *s, const l6_actor *a, l6_id id, bool approve, const char *reasons, json_t **out,
                             int *status, l6_error *err);

/* Inside a6.c, for a6_request.c: the terms' checks that need no store
 * (canonicalises purposes and the first transfer event), and the
 * authorization inside the caller's open transaction, through the approval
 * policy (*status 201 made, 202 proposed). */
l6_err svc__a6_terms_validate(l6_a6_auth *in, l6_error *err);
l6_err svc__a6_authorize_in_tx(l6_svc *s, const l6_actor *a, l6_a6_auth *in, json_t **out, int *status, l6_error *err);

/* ---- reports (a6_report.c, issue 18 item 2) ---- */

/* A cooperative approach's record (PUT /v1/a6/approaches/{code}): the
 * authority of a participating Party (its Party among body's "parties"),
 * or admin, creates or replaces it. body: title (required), description,
 * parties (two or more Party codes, required), start_year, end_year,
 * metrics (array), expected_mitigation (array of {year, tco2e}),
 * authorized_entities (array), texts (object of the initial report's
 * texts: docs/API.md "Article 6.2 reports"). *status 201 made, 200
 * replaced. */
l6_err svc_a6_approach_put(l6_svc *s, const l6_actor *a, int code, const json_t *body, json_t **out, int *status,
                           l6_error *err);
/* One record, and all of them (public, like the initial report). */
l6_err svc_a6_approach_get(l6_svc *s, const l6_actor *a, int code, json_t **out, l6_error *err);
l6_err svc_a6_approach_list(l6_svc *s, const l6_actor *a, json_t **out, l6_error *err);
/* The initial report of participating Party party ("" the Party that
 * registered the record) on approach code (decision 2/CMA.3, annex,
 * paragraph 18): every element with its value, from the record or the
 * books, and whether it is given; "complete" and "missing" (the element
 * ids not given). Public: initial reports are published by the secretariat. */
l6_err svc_a6_initial_report(l6_svc *s, const l6_actor *a, int code, const char *party, json_t **out, l6_error *err);
/* The annual information of party for year (paragraph 20): the AEF of
 * svc_a6_aef for that year with its due date (15 April of year + 1) and
 * whether it is past due today. Public, like the AEF. */
l6_err svc_a6_annual_information(l6_svc *s, const l6_actor *a, const char *party, int year, json_t **out,
                                 l6_error *err);
/* The regular information of party (paragraphs 21-23, the annex to its
 * biennial transparency report): the emissions balance of
 * svc_a6_balances and, per cooperative approach, the ITMOs first
 * transferred, acquired, used and cancelled per year from the books, with
 * the record's texts. Readers of the books, like the balances. */
l6_err svc_a6_regular_information(l6_svc *s, const l6_actor *a, const char *party, json_t **out, l6_error *err);

/* Inside a6.c, for a6_report.c (inside the caller's transaction): the
 * balances' JSON of party (UNKNOWN_NDC when it has none), the actor's
 * Party ("" for roles without one), and the readers' check of the books
 * (party NULL: the role only). */
l6_err svc__a6_balances_in_tx(l6_svc *s, const char *party, json_t **out, l6_error *err);
l6_err svc__a6_actor_party(l6_svc *s, const l6_actor *a, char party[4], l6_error *err);
l6_err svc__a6_need_books_reader(l6_svc *s, const l6_actor *a, const char *party, l6_error *err);

/* ---- for links (src/service/link_a6.c; inside the caller's transaction) ---- */

/* Whether moving ITMO range r out of from_party to another Party is its
 * first transfer (authorized for NDC use, not yet first transferred, not
 * revoked, leaving its host). */
bool a6__first_transfer_due(const l6_a6_itmo *r, const l6_a6_auth *x, const char *from_party);
/* Appends an AEF action of `type` for range r to party's books. */
l6_err a6__put_action(l6_svc *s, l6_id tx, const char *type, const char *party, const l6_a6_itmo *r, const char *from,
                      const char *to, int year, int64_t ca, l6_error *err);
/* The host's first transfer of r in year to Party `to` (corresponding adjustment +q). */
l6_err a6__first_transfer(l6_svc *s, l6_id tx, l6_a6_itmo *r, int year, const char *to, l6_error *err);
/* Cuts row r down to batch serials [lo, hi]; the parts outside become rows. */
l6_err a6__isolate(l6_svc *s, l6_a6_itmo *r, int64_t lo, int64_t hi, l6_error *err);
/* The ITMO identifier of `serial` (an ITMO serial) of range r. */
void a6__itmo_id(const l6_a6_itmo *r, int64_t serial, char out[64]);

#endif
