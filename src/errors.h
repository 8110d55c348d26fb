/*
 * errors.h -- the one list of ledger6 error codes (after libuv's
 * UV_ERRNO_MAP). Each entry: enum suffix, stable code string (API and CLI),
 * HTTP status, default message. Codes are part of the public API: never
 * rename one; add new ones at the end of their group.
 */
#ifndef L6_ERRORS_H
#define L6_ERRORS_H

#define L6_ERR_MAP(XX)                                                              \
  XX(OK, "ok", 200, "success")                                                    \
  /* request shape */                                                             \
  XX(BAD_JSON, "bad_json", 400, "request body is not valid JSON")                 \
  XX(JSON_TOO_DEEP, "json_too_deep", 400, "JSON nesting is too deep")             \
  XX(BODY_TOO_LARGE, "body_too_large", 413, "request body is too large")          \
  XX(UNKNOWN_FIELD, "unknown_field", 400, "unknown field in request")             \
  XX(MISSING_FIELD, "missing_field", 400, "a required field is missing")          \
  XX(WRONG_TYPE, "wrong_type", 400, "a field has the wrong type")                 \
  XX(BAD_PARAM, "bad_param", 400, "a query parameter is invalid")                 \
  XX(INVALID_VALUE, "invalid_value", 422, "a field has an invalid value")         \
  XX(INVALID_QUANTITY, "invalid_quantity", 422, "quantity must be a positive integer") \
  XX(QUANTITY_OVERFLOW, "quantity_overflow", 422, "quantity is too large")        \
  XX(TOO_MANY_RANGES, "too_many_ranges", 422, "too many serial ranges or blocks in one transaction") \
  XX(INVALID_SERIAL, "invalid_serial", 422, "serial number is malformed")         \
  XX(INVALID_RANGE, "invalid_range", 422, "serial range is invalid")              \
  XX(BAD_URL, "bad_url", 400, "the decoded path or query has a control character") \
  XX(UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", 415, "the request body must be sent as Content-Type: application/json") \
  /* authentication */                                                            \
  XX(UNAUTHORIZED, "unauthorized", 401, "a valid bearer token is required")      \
  XX(FORBIDDEN, "forbidden", 403, "this role may not do that")                    \
  XX(NOT_ACCREDITED, "not_accredited", 403, "the validator is not accredited for this mechanism and scope") \
  XX(NOT_HOST_AUTHORITY, "not_host_authority", 403, "only the host Party's designated authority may authorize its units") \
  XX(BAD_CREDENTIALS, "bad_credentials", 401, "unknown email or wrong password") \
  XX(BAD_TOTP, "bad_totp", 401, "the one-time code is wrong or out of date") \
  XX(TOTP_REUSED, "totp_reused", 401, "this one-time code was already used; wait for the next one") \
  XX(USER_DISABLED, "user_disabled", 401, "this user is disabled") \
  XX(SESSION_EXPIRED, "session_expired", 401, "the session has ended (idle or absolute timeout, or logout); log in again") \
  XX(CSRF_FAILED, "csrf_failed", 403, "a cookie-authenticated write needs the session's X-CSRF-Token header") \
  XX(TOKEN_REVOKED, "token_revoked", 401, "the bearer token was revoked") \
  XX(TOKEN_EXPIRED, "token_expired", 401, "the bearer token has expired") \
  XX(NOT_APPROACH_PARTY, "not_approach_party", 403, "only the authority of a Party participating in the cooperative approach may record it") \
  /* lookups */                                                                   \
  XX(NOT_FOUND, "not_found", 404, "no such resource")                             \
  XX(METHOD_NOT_ALLOWED, "method_not_allowed", 405, "method not allowed here")    \
  XX(UNKNOWN_PARTY, "unknown_party", 404, "no such Party")                        \
  XX(UNKNOWN_REGISTRY, "unknown_registry", 404, "no such registry")               \
  XX(UNKNOWN_ORGANISATION, "unknown_organisation", 404, "no such organisation")   \
  XX(UNKNOWN_ACCOUNT, "unknown_account", 404, "no such account")                  \
  XX(UNKNOWN_PROGRAMME, "unknown_programme", 404, "no such programme")            \
  XX(UNKNOWN_UNIT_TYPE, "unknown_unit_type", 404, "no such unit type")            \
  XX(UNKNOWN_PROJECT, "unknown_project", 404, "no such project")                  \
  XX(UNKNOWN_BATCH, "unknown_batch", 404, "no such issuance batch")               \
  XX(UNKNOWN_SERIAL, "unknown_serial", 404, "no unit has this serial number")     \
  XX(UNKNOWN_TRANSACTION, "unknown_transaction", 404, "no such transaction")      \
  XX(UNKNOWN_MECHANISM, "unknown_mechanism", 404, "no such crediting mechanism")  \
  XX(UNKNOWN_ACTIVITY, "unknown_activity", 404, "no such activity in a project cycle") \
  XX(UNKNOWN_PERIOD, "unknown_period", 404, "no such monitoring period")          \
  XX(UNKNOWN_DOCUMENT, "unknown_document", 404, "no document has this hash")      \
  XX(UNKNOWN_NDC, "unknown_ndc", 404, "the Party has no NDC recorded") \
  XX(UNKNOWN_AUTHORIZATION, "unknown_authorization", 404, "no such authorization") \
  XX(UNKNOWN_ITMO, "unknown_itmo", 404, "no ITMO has this identifier") \
  XX(UNKNOWN_CORSIA_PHASE, "unknown_corsia_phase", 404, "no such CORSIA compliance phase") \
  XX(UNKNOWN_USER, "unknown_user", 404, "no such user") \
  XX(UNKNOWN_TOKEN, "unknown_token", 404, "no such API token") \
  XX(UNKNOWN_DEVICE, "unknown_device", 404, "no monitoring device of this name is registered for the activity") \
  XX(UNKNOWN_AUTHORIZATION_REQUEST, "unknown_authorization_request", 404, "no such authorization request") \
  XX(UNKNOWN_APPROACH, "unknown_approach", 404, "no such cooperative approach recorded") \
  /* state conflicts: nothing changed */                                          \
  XX(ALREADY_EXISTS, "already_exists", 409, "a resource with this id already exists") \
  XX(ACCOUNT_CLOSED, "account_closed", 409, "account is closed")                  \
  XX(ACCOUNT_BLOCKED, "account_blocked", 409, "account is blocked")               \
  XX(INSUFFICIENT_HOLDINGS, "insufficient_holdings", 409, "account does not hold enough units") \
  XX(SERIALS_NOT_HELD, "serials_not_held", 409, "account does not hold these serial numbers") \
  XX(IDEMPOTENCY_CONFLICT, "idempotency_conflict", 409, "idempotency key was used for a different request") \
  XX(ACCOUNT_NOT_EMPTY, "account_not_empty", 409, "account still holds units")    \
  XX(WRONG_STATE, "wrong_state", 409, "the activity or period is not in the state this step needs") \
  XX(REPLACEMENT_DUE, "replacement_due", 409, "units lost in an avoidable reversal must be replaced first") \
  XX(CYCLE_MANAGED, "cycle_managed", 409, "the project is in a mechanism's cycle; its issuances go through it") \
  XX(ALREADY_FIRST_TRANSFERRED, "already_first_transferred", 409, "the ITMOs were already first transferred") \
  XX(ALREADY_USED, "already_used", 409, "the ITMOs were already used") \
  XX(UNIT_CANCELLED, "unit_cancelled", 409, "the units were cancelled or retired and can never be used") \
  XX(AUTHORIZATION_REVOKED, "authorization_revoked", 409, "the authorization was revoked") \
  XX(AEF_INCONSISTENT, "aef_inconsistent", 409, "the Article 6 books fail the AEF consistency check; the report is withheld") \
  XX(DOUBLE_ISSUANCE, "double_issuance", 409, "the origin serial range overlaps one already recorded: a double issuance") \
  XX(EXPORT_CONFLICT, "export_conflict", 409, "the export contradicts what the store holds for these serials") \
  XX(READING_REPLAYED, "reading_replayed", 409, "the device already submitted a reading with this or a later sequence number") \
  XX(REQUEST_DECIDED, "request_decided", 409, "the authorization request was already approved or rejected") \
  /* rule violations */                                                           \
  XX(WRONG_UNIT_TYPE, "wrong_unit_type", 422, "units are not of the stated unit type") \
  XX(TERMINAL_ACCOUNT, "terminal_account", 422, "units in this account type can never move") \
  XX(INVALID_DESTINATION, "invalid_destination", 422, "destination account type cannot receive this transaction") \
  XX(SAME_ACCOUNT, "same_account", 422, "source and destination are the same account") \
  XX(PROJECT_NOT_ACTIVE, "project_not_active", 422, "project is not registered") \
  XX(UNIT_TYPE_MISMATCH, "unit_type_mismatch", 422, "unit type does not belong to the project's programme") \
  XX(NO_PENDING_ACCOUNT, "no_pending_account", 409, "registry has no open pending account") \
  XX(MISSING_DOCUMENT, "missing_document", 422, "a document this step requires is missing") \
  XX(NOT_ELIGIBLE, "not_eligible", 422, "the mechanism's eligibility rules refuse this") \
  XX(DEADLINE_PASSED, "deadline_passed", 422, "a deadline of the mechanism has passed") \
  XX(LEVY_ACCOUNT_MISSING, "levy_account_missing", 409, "registry has no open account to receive a levy") \
  XX(PURPOSE_NOT_AUTHORIZED, "purpose_not_authorized", 422, "the authorization does not cover this purpose") \
  XX(PARTY_NOT_AUTHORIZED, "party_not_authorized", 422, "the authorization does not name this Party") \
  XX(NOT_ACQUIRER, "not_acquirer", 422, "only the Party that acquired the ITMOs may use them") \
  XX(OUTSIDE_TIMEFRAME, "outside_timeframe", 422, "the year is outside the authorization's timeframe") \
  XX(CORSIA_NOT_ELIGIBLE, "corsia_not_eligible", 422, "the units are not eligible for this CORSIA phase") \
  XX(UNIT_AUTHORIZED, "unit_authorized", 422, "authorized units carry a corresponding adjustment; a voluntary cancellation takes unauthorized units") \
  XX(YEAR_OUTSIDE_NDC, "year_outside_ndc", 422, "the year is outside the Party's NDC period") \
  XX(ARTICLE_SIX_ROUTE_REQUIRED, "article_six_route_required", 422, "an Article 6 claim or ITMOs go through the Article 6 routes (/v1/a6/uses, /v1/a6/cancellations)") \
  XX(SAFEGUARDS_INCOMPLETE, "safeguards_incomplete", 422, "the mechanism's safeguards checklist is not fully answered, or an item that must hold does not") \
  XX(SD_INDICATORS_INCOMPLETE, "sd_indicators_incomplete", 422, "the monitoring report lacks one of the mechanism's sustainable-development indicators") \
  XX(BAD_SIGNATURE, "bad_signature", 422, "the reading's Ed25519 signature does not verify with the device's public key") \
  XX(REGISTRY_CHOICE_REFUSED, "registry_choice_refused", 422, "the mechanism lets a third-party developer choose only between the registries it names") \
  XX(COMMITMENT_NOT_OFFERED, "commitment_not_offered", 422, "the mechanism takes no ex-ante purchases of an activity's units") \
  XX(NOT_PROJECT_PARTICIPANT, "not_project_participant", 403, "only a participant of the project (its activity's organisation, or the organisation its units were issued to) may request its authorization") \
  XX(EFFECTIVE_YEAR_REFUSED, "effective_year_refused", 422, "the year a past action happened must be within the Party's NDC period and not after the current year") \
  /* emissions trading (src/service/ets.c) */                                     \
  XX(UNKNOWN_SCHEME, "unknown_scheme", 404, "no such emissions trading scheme") \
  XX(UNKNOWN_ENTITY, "unknown_entity", 404, "no such covered entity in the scheme") \
  XX(UNKNOWN_JURISDICTION, "unknown_jurisdiction", 422, "no jurisdiction file defines this code (config/jurisdictions)") \
  XX(EMISSIONS_NOT_CONFIRMED, "emissions_not_confirmed", 409, "the entity's verified emissions for the year are not confirmed") \
  XX(ALREADY_SURRENDERED, "already_surrendered", 409, "the entity already surrendered for the year") \
  XX(OFFSET_RULES_BROKEN, "offset_rules_broken", 422, "the surrender breaks the jurisdiction's rules; nothing was moved") \
  XX(YEAR_OUTSIDE_SCHEME, "year_outside_scheme", 422, "the year is outside the scheme's compliance years") \
  XX(SCHEME_REGISTRY_FIXED, "scheme_registry_fixed", 403, "only an administrator moves a scheme to another registry") \
  XX(EMISSIONS_CONFIRMED, "emissions_confirmed", 409, "the verified emissions are confirmed; only the scheme's regulator corrects them (POST /v1/ets/emissions/corrections)") \
  /* the exchange (src/service/exchange.c) */                                     \
  XX(UNKNOWN_INSTRUMENT, "unknown_instrument", 404, "no such exchange instrument") \
  XX(UNKNOWN_ORDER, "unknown_order", 404, "no such order")                        \
  XX(INSUFFICIENT_CASH, "insufficient_cash", 409, "the cash account's available balance is too small") \
  XX(INSTRUMENT_HALTED, "instrument_halted", 409, "the instrument is halted or closed") \
  XX(SESSION_CLOSED, "session_closed", 409, "the instrument's trading session is closed") \
  XX(PRICE_LIMIT, "price_limit", 422, "the price is outside the limits around the previous close") \
  XX(TICK_SIZE, "tick_size", 422, "the price is not a multiple of the tick size") \
  XX(LOT_SIZE, "lot_size", 422, "the quantity is not a multiple of the lot size") \
  XX(ORDER_SIZE, "order_size", 422, "the quantity is outside the instrument's order size limits") \
  XX(SAME_DAY_RESALE, "same_day_resale", 409, "units bought today cannot be sold the same trading day") \
  XX(SELF_TRADE, "self_trade", 409, "the order would only trade with an order of the same member") \
  XX(WOULD_CROSS, "would_cross", 409, "a post-only order would trade on entry") \
  XX(FOK_KILLED, "fok_killed", 409, "a fill-or-kill order could not be filled completely") \
  XX(NO_LIQUIDITY, "no_liquidity", 409, "a market order found nothing to trade with") \
  XX(ORDER_CLOSED, "order_closed", 409, "the order is filled or cancelled") \
  XX(BOOK_FULL, "book_full", 503, "the instrument's order book is full") \
  /* server side */                                                               \
  XX(STORE, "store_error", 500, "the store failed; nothing was changed")         \
  XX(BUSY, "busy", 503, "the store is busy; retry")                               \
  XX(NOMEM, "out_of_memory", 500, "out of memory; nothing was changed")           \
  XX(INVALID_CONFIG, "invalid_config", 500, "a configuration file is malformed")  \
  XX(INTERNAL, "internal", 500, "internal error")                                \
  XX(RATE_LIMITED, "rate_limited", 429, "too many requests; retry after the seconds in Retry-After") \
  /* non-market approaches (src/service/nma.c) */                                 \
  XX(NON_OFFSETTING_UNIT, "non_offsetting_unit", 422, "non-offsetting units (CABs, conservation certificates) can never serve an emissions claim") \
  XX(UNKNOWN_NMA, "unknown_nma", 404, "no such non-market approach")             \
  XX(UNKNOWN_OFFER, "unknown_offer", 404, "no such support offer")               \
  XX(UNKNOWN_MATCH, "unknown_match", 404, "no such support match")               \
  XX(NOT_FOCAL_POINT, "not_focal_point", 403, "only the Party's Article 6.8 focal point may do this") \
  XX(CONSENT_MISSING, "consent_missing", 422, "local communities and Indigenous Peoples involved need a record of free, prior and informed consent") \
  XX(SUPPORT_MISMATCH, "support_mismatch", 422, "the offer does not give the type of support the need asks for") \
  XX(OFFER_OVERPLEDGED, "offer_overpledged", 409, "the match is more than the offer has left after the matches already pledged") \
  XX(NEED_OVERPLEDGED, "need_overpledged", 409, "the match is more than the need has left after the matches already pledged") \
  /* Instrument eligibility criteria and integrity labels (crit, issue 6). */ \
  XX(UNKNOWN_LABEL, "unknown_label", 404, "no such label in config/labels.json") \
  XX(MIXED_OFFSETTING, "mixed_offsetting", 422, "a contract's unit types are all offsetting or all non-offsetting (CABs, conservation certificates)") \
  /* Four eyes, trusted accounts and transfer delays (proposal.c, issue 15). */ \
  XX(UNKNOWN_PROPOSAL, "unknown_proposal", 404, "no such proposal") \
  XX(SELF_APPROVAL, "self_approval", 403, "nobody approves or rejects their own proposal; another person must") \
  XX(PROPOSAL_CLOSED, "proposal_closed", 409, "the proposal is no longer pending (or delayed) and cannot be decided or cancelled") \
  XX(NOT_TRUSTED, "not_trusted", 404, "the account is not on the trusted list") \
  /* Programmes of activities, public comment, grievances and appeals (issue 20). */ \
  XX(UNKNOWN_POA, "unknown_poa", 404, "no such programme of activities") \
  XX(INCLUSION_REFUSED, "inclusion_refused", 422, "the component does not meet the programme's eligibility criteria") \
  XX(COMMENT_WINDOW_CLOSED, "comment_window_closed", 409, "the public comment window of this step is not open") \
  XX(UNKNOWN_COMMENT, "unknown_comment", 404, "no such public comment") \
  XX(UNKNOWN_CASE, "unknown_case", 404, "no such grievance or appeal") \
  /* Links between registries (link.c, issue 19, docs/LINKS.md). */ \
  XX(LINK_NOT_CONFIGURED, "link_not_configured", 409, "this server has no link identity; set one with PUT /v1/link/settings or serve --peers") \
  XX(UNKNOWN_PEER, "unknown_peer", 404, "no such peer registry") \
  XX(LINK_BAD_SIGNATURE, "link_bad_signature", 401, "the link message is malformed or its signature does not verify") \
  XX(LINK_ACCOUNT, "link_account", 422, "link escrow and link-external accounts move units only through links") \
  XX(UNKNOWN_LINK_TRANSFER, "unknown_link_transfer", 404, "no such link transfer") \
  XX(LINK_PEER_UNREACHABLE, "link_peer_unreachable", 502, "the peer registry did not answer") \
  XX(LINK_IN_FLIGHT, "link_in_flight", 409, "the units are still on their way from this registry; the sender tries again")

typedef enum {
#define L6_XX(e, code, status, msg) L6_E_##e,
  L6_ERR_MAP(L6_XX)
#undef L6_XX
  L6_E__COUNT
} l6_err;

/* Stable code string of an error ("insufficient_holdings"). Never NULL. */
const char *l6_err_code(l6_err e);
/* HTTP status of an error. */
int l6_err_status(l6_err e);
/* Default, human message of an error. Never NULL. */
const char *l6_err_message(l6_err e);

/* An error with a specific message, filled by the layer that detected it.
 * Messages say what is wrong with the request, in one sentence. */
typedef struct {
  l6_err code;
  char message[256];
  char expected[32]; /* WRONG_STATE only: the state the step needs ("" otherwise) */
} l6_error;

/* Sets *e to code with a printf-style message (or the default message when
 * fmt is NULL) and returns code, so callers can `return l6_fail(...)`. */
l6_err l6_fail(l6_error *e, l6_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
