/*
 * api_int.h -- what the HTTP front end's handler files share: the request
 * a handler sees, the handler type, a few helpers of api.c, and the route
 * lists of the other handler files, which api.c's route table includes.
 * Not a public interface (that is http.h).
 */
#ifndef L6_API_INT_H
#define L6_API_INT_H

#include <microhttpd.h>

#include "../service/service.h"

/* What a handler sees. */
typedef struct {
  l6_svc *svc;
  struct MHD_Connection *conn;
  const char *method;
  l6_actor actor;
  const char *param[2]; /* path parameters, in order */
  json_t *body;         /* POST/PATCH/PUT only */
  l6_idem idem;
  int status;           /* 200 unless the handler says otherwise */
  bool replayed;        /* an idempotent reply given again */
  char *page;           /* an HTML reply instead of JSON (malloc'd), or NULL */
  const char *page_type; /* page's Content-Type; NULL: HTML */
  size_t page_len;      /* bytes of page when it is binary (a PDF); 0: strlen(page) */
  void *stream;         /* a Server-Sent Events stream to answer with (api_ex.c), or NULL */
  void *csv;            /* a CSV file to stream (api_open.c), or NULL */
  const char *csv_name; /* its file name, for Content-Disposition */
  int retry_after;      /* seconds for the Retry-After of a 429 (0: 1) */
  const char *session;  /* the l6_session cookie that authenticated the request (api_people.c), or NULL */
  l6_err session_err;   /* why a session cookie that was sent did not authenticate; OK otherwise */
  bool secure_cookies;  /* cookies get Secure (the server is reached over TLS) */
  char cookies[2][320]; /* Set-Cookie values of the reply (api_people.c), "" when none */
} req;

/* A handler: decode, call one service function, set r->status; *out is
 * the reply body (new reference) or NULL with err filled. */
typedef l6_err (*handler_fn)(req *r, json_t **out, l6_error *err);

/* api.c's helpers. Query parameter (NULL when absent); path parameter i
 * as a positive id (NOT_FOUND otherwise); limit/after paging; a string
 * query parameter of at most cap-1 bytes ("" when absent). */
const char *api_query(req *r, const char *name);
l6_err api_path_id(req *r, int i, l6_id *id, l6_error *err);
l6_err api_page(req *r, l6_page *pg, l6_error *err);
l6_err api_query_str(req *r, const char *name, char *dst, size_t cap, l6_error *err);
/* The client's IPv4 address in host order (0: unknown, or the CLI). */
uint32_t api_client_ip(req *r);

/* api_people.c: users and web sessions (people.h). */
l6_err h_user_post(req *r, json_t **out, l6_error *err);
l6_err h_user_list(req *r, json_t **out, l6_error *err);
l6_err h_user_patch(req *r, json_t **out, l6_error *err);
l6_err h_session_post(req *r, json_t **out, l6_error *err);
l6_err h_session_get(req *r, json_t **out, l6_error *err);
l6_err h_session_delete(req *r, json_t **out, l6_error *err);
/* api_notice.c: a user's choice of email notices (notice.h). */
l6_err h_notice_pref_get(req *r, json_t **out, l6_error *err);
l6_err h_notice_pref_put(req *r, json_t **out, l6_error *err);

#define API_PEOPLE_ROUTES                                                  \
  {"GET", "/v1/users", h_user_list},                                       \
  {"POST", "/v1/users", h_user_post},                                      \
  {"PATCH", "/v1/users/{id}", h_user_patch},                               \
  {"GET", "/v1/session", h_session_get},                                   \
  {"POST", "/v1/session", h_session_post},                                 \
  {"DELETE", "/v1/session", h_session_delete},                             \
  {"GET", "/v1/session/notices", h_notice_pref_get},                       \
  {"PUT", "/v1/session/notices", h_notice_pref_put},

/* api_proposal.c: four eyes, trusted accounts, transfer delays (proposal.h). */
l6_err h_policy_get(req *r, json_t **out, l6_error *err);
l6_err h_policy_put(req *r, json_t **out, l6_error *err);
l6_err h_proposal_list(req *r, json_t **out, l6_error *err);
l6_err h_proposal_get(req *r, json_t **out, l6_error *err);
l6_err h_proposal_approve(req *r, json_t **out, l6_error *err);
l6_err h_proposal_reject(req *r, json_t **out, l6_error *err);
l6_err h_proposal_cancel(req *r, json_t **out, l6_error *err);
l6_err h_trusted_list(req *r, json_t **out, l6_error *err);
l6_err h_trusted_post(req *r, json_t **out, l6_error *err);
l6_err h_trusted_delete(req *r, json_t **out, l6_error *err);
#define API_PROPOSAL_ROUTES                                                \
  {"GET", "/v1/registries/{code}/approval-policy", h_policy_get},          \
  {"PUT", "/v1/registries/{code}/approval-policy", h_policy_put},          \
  {"GET", "/v1/proposals", h_proposal_list},                               \
  {"GET", "/v1/proposals/{id}", h_proposal_get},                           \
  {"POST", "/v1/proposals/{id}/approve", h_proposal_approve},              \
  {"POST", "/v1/proposals/{id}/reject", h_proposal_reject},                \
  {"POST", "/v1/proposals/{id}/cancel", h_proposal_cancel},                \
  {"GET", "/v1/accounts/{id}/trusted", h_trusted_list},                    \
  {"POST", "/v1/accounts/{id}/trusted", h_trusted_post},                   \
  {"DELETE", "/v1/accounts/{id}/trusted/{trusted}", h_trusted_delete},

/* api_link.c: links between registries (link.h, docs/LINKS.md). */
l6_err h_link_settings_get(req *r, json_t **out, l6_error *err);
l6_err h_link_settings_put(req *r, json_t **out, l6_error *err);
l6_err h_link_peer_list(req *r, json_t **out, l6_error *err);
l6_err h_link_peer_put(req *r, json_t **out, l6_error *err);
l6_err h_link_transfer_post(req *r, json_t **out, l6_error *err);
l6_err h_link_transfer_list(req *r, json_t **out, l6_error *err);
l6_err h_link_transfer_get(req *r, json_t **out, l6_error *err);
l6_err h_link_inbox(req *r, json_t **out, l6_error *err);
l6_err h_link_state(req *r, json_t **out, l6_error *err);
#define API_LINK_ROUTES                                                    \
  {"GET", "/v1/link/settings", h_link_settings_get},                       \
  {"PUT", "/v1/link/settings", h_link_settings_put},                       \
  {"GET", "/v1/link/peers", h_link_peer_list},                             \
  {"PUT", "/v1/link/peers/{code}", h_link_peer_put},                       \
  {"GET", "/v1/link/transfers", h_link_transfer_list},                     \
  {"POST", "/v1/link/transfers", h_link_transfer_post},                    \
  {"GET", "/v1/link/transfers/{id}", h_link_transfer_get},                 \
  {"POST", "/v1/link/inbox", h_link_inbox},                                \
  {"GET", "/v1/link/state", h_link_state},

/* The session cookie and the CSRF cookie (double submit: the page copies
 * its value into the X-CSRF-Token header of every write). */
#define API_SESSION_COOKIE "l6_session"
#define API_CSRF_COOKIE "l6_csrf"
#define API_CSRF_HEADER "X-CSRF-Token"
/* Queues resp (MHD_queue_response) as the answer of the request being
 * handled, stamped with its X-Request-Id; every answer goes through it,
 * so the access log and the metrics see its status. */
enum MHD_Result api_respond(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp);

/* api_cycle.c: crediting mechanisms, documents, accreditations and the
 * project cycle. */
l6_err h_mechanism_list(req *r, json_t **out, l6_error *err);
l6_err h_mechanism_get(req *r, json_t **out, l6_error *err);
l6_err h_document_post(req *r, json_t **out, l6_error *err);
l6_err h_document_get(req *r, json_t **out, l6_error *err);
l6_err h_accreditation_post(req *r, json_t **out, l6_error *err);
l6_err h_activity_post(req *r, json_t **out, l6_error *err);
l6_err h_activity_list(req *r, json_t **out, l6_error *err);
l6_err h_activity_get(req *r, json_t **out, l6_error *err);
l6_err h_activity_step(req *r, json_t **out, l6_error *err);
l6_err h_period_post(req *r, json_t **out, l6_error *err);
l6_err h_period_step(req *r, json_t **out, l6_error *err);
l6_err h_transition_post(req *r, json_t **out, l6_error *err);
/* api_cycle_data.c: devices, signed readings, ex-ante commitments (issue 20). */
l6_err h_device_post(req *r, json_t **out, l6_error *err);
l6_err h_reading_post(req *r, json_t **out, l6_error *err);
l6_err h_reading_list(req *r, json_t **out, l6_error *err);
l6_err h_commitment_post(req *r, json_t **out, l6_error *err);
l6_err h_commitment_list(req *r, json_t **out, l6_error *err);

/* Their routes, as entries of api.c's route table. */
#define API_CYCLE_ROUTES                                                   \
  {"GET", "/v1/mechanisms", h_mechanism_list},                             \
  {"GET", "/v1/mechanisms/{code}", h_mechanism_get},                       \
  {"POST", "/v1/documents", h_document_post},                              \
  {"GET", "/v1/documents/{sha256}", h_document_get},                       \
  {"POST", "/v1/accreditations", h_accreditation_post},                    \
  {"GET", "/v1/activities", h_activity_list},                              \
  {"POST", "/v1/activities", h_activity_post},                             \
  {"GET", "/v1/activities/{id}", h_activity_get},                          \
  {"POST", "/v1/activities/{id}/steps", h_activity_step},                  \
  {"POST", "/v1/activities/{id}/periods", h_period_post},                  \
  {"POST", "/v1/activities/{id}/periods/{period}/steps", h_period_step},   \
  {"POST", "/v1/transitions", h_transition_post},                          \
  {"POST", "/v1/activities/{id}/devices", h_device_post},                  \
  {"POST", "/v1/activities/{id}/periods/{period}/data", h_reading_post},   \
  {"GET", "/v1/activities/{id}/periods/{period}/data", h_reading_list},    \
  {"POST", "/v1/activities/{id}/commitments", h_commitment_post},          \
  {"GET", "/v1/activities/{id}/commitments", h_commitment_list},

/* api_ldc.c: fees of the crediting mechanisms (issue 20). */
l6_err h_fee_report(req *r, json_t **out, l6_error *err);
l6_err h_benefit_report(req *r, json_t **out, l6_error *err);
#define API_LDC_ROUTES {"GET", "/v1/fees/{party}", h_fee_report}, {"GET", "/v1/benefit-sharing/{party}", h_benefit_report},
/* api_voice.c (and h_poa_steps in api_cycle.c): programmes of activities,
 * public comment, grievances and appeals (issue 20). */
l6_err h_poa_post(req *r, json_t **out, l6_error *err);
l6_err h_poa_get(req *r, json_t **out, l6_error *err);
l6_err h_poa_component_post(req *r, json_t **out, l6_error *err);
l6_err h_poa_inclusion(req *r, json_t **out, l6_error *err);
l6_err h_poa_steps(req *r, json_t **out, l6_error *err);
l6_err h_comment_post(req *r, json_t **out, l6_error *err);
l6_err h_comment_list(req *r, json_t **out, l6_error *err);
l6_err h_comment_hide(req *r, json_t **out, l6_error *err);
l6_err h_comment_respond(req *r, json_t **out, l6_error *err);
l6_err h_grievance_post(req *r, json_t **out, l6_error *err);
l6_err h_grievance_get(req *r, json_t **out, l6_error *err);
l6_err h_grievance_step(req *r, json_t **out, l6_error *err);
l6_err h_appeal_post(req *r, json_t **out, l6_error *err);
l6_err h_appeal_get(req *r, json_t **out, l6_error *err);
l6_err h_appeal_step(req *r, json_t **out, l6_error *err);
#define API_VOICE_ROUTES                                                   \
  {"POST", "/v1/poas", h_poa_post},                                  \
  {"GET", "/v1/poas/{code}", h_poa_get},                             \
  {"POST", "/v1/poas/{code}/components", h_poa_component_post},      \
  {"POST", "/v1/poas/{code}/components/{id}/inclusion", h_poa_inclusion}, \
  {"POST", "/v1/poas/{code}/steps", h_poa_steps},                    \
  {"GET", "/v1/activities/{id}/comments", h_comment_list},                 \
  {"POST", "/v1/activities/{id}/comments", h_comment_post},                \
  {"POST", "/v1/comments/{id}/hide", h_comment_hide},                      \
  {"POST", "/v1/comments/{id}/responses", h_comment_respond},              \
  {"POST", "/v1/grievances", h_grievance_post},                            \
  {"GET", "/v1/grievances/{id}", h_grievance_get},                         \
  {"POST", "/v1/grievances/{id}/steps", h_grievance_step},                 \
  {"POST", "/v1/appeals", h_appeal_post},                                  \
  {"GET", "/v1/appeals/{id}", h_appeal_get},                               \
  {"POST", "/v1/appeals/{id}/steps", h_appeal_step},

/* api_a6.c: Article 6.2 accounting (NDCs, authorizations, ITMO actions,
 * balances, the AEF, the what-if comparison). */
l6_err h_a6_ndc_get(req *r, json_t **out, l6_error *err);
l6_err h_a6_ndc_put(req *r, json_t **out, l6_error *err);
l6_err h_a6_year_put(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_list(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_post(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_get(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_revoke(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_amend(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_versions(req *r, json_t **out, l6_error *err);
l6_err h_a6_itmo_list(req *r, json_t **out, l6_error *err);
l6_err h_a6_first_transfer(req *r, json_t **out, l6_error *err);
l6_err h_a6_use(req *r, json_t **out, l6_error *err);
l6_err h_a6_cancel(req *r, json_t **out, l6_error *err);
l6_err h_a6_balances(req *r, json_t **out, l6_error *err);
l6_err h_a6_aef(req *r, json_t **out, l6_error *err);
l6_err h_a6_aef_checks(req *r, json_t **out, l6_error *err);
l6_err h_a6_whatif(req *r, json_t **out, l6_error *err);
l6_err h_a6_corsia(req *r, json_t **out, l6_error *err);
l6_err h_a6_auth_letter(req *r, json_t **out, l6_error *err);
l6_err h_a6_request_post(req *r, json_t **out, l6_error *err);
l6_err h_a6_request_list(req *r, json_t **out, l6_error *err);
l6_err h_a6_request_get(req *r, json_t **out, l6_error *err);
l6_err h_a6_request_approve(req *r, json_t **out, l6_error *err);
l6_err h_a6_request_reject(req *r, json_t **out, l6_error *err);

#define API_A6_ROUTES                                                      \
  {"GET", "/v1/a6/ndcs/{party}", h_a6_ndc_get},                            \
  {"PUT", "/v1/a6/ndcs/{party}", h_a6_ndc_put},                            \
  {"PUT", "/v1/a6/ndcs/{party}/years/{year}", h_a6_year_put},              \
  {"GET", "/v1/a6/authorizations", h_a6_auth_list},                        \
  {"POST", "/v1/a6/authorizations", h_a6_auth_post},                       \
  {"GET", "/v1/a6/authorizations/{id}", h_a6_auth_get},                    \
  {"POST", "/v1/a6/authorizations/{id}/revoke", h_a6_auth_revoke},         \
  {"POST", "/v1/a6/authorizations/{id}/amendments", h_a6_auth_amend},      \
  {"GET", "/v1/a6/authorizations/{id}/versions", h_a6_auth_versions},      \
  {"GET", "/v1/a6/authorizations/{id}/letter", h_a6_auth_letter},          \
  {"GET", "/v1/a6/itmos", h_a6_itmo_list},                                 \
  {"POST", "/v1/a6/first-transfers", h_a6_first_transfer},                 \
  {"POST", "/v1/a6/uses", h_a6_use},                                       \
  {"POST", "/v1/a6/cancellations", h_a6_cancel},                           \
  {"GET", "/v1/a6/balances/{party}", h_a6_balances},                       \
  {"GET", "/v1/a6/aef/{party}", h_a6_aef},                                 \
  {"GET", "/v1/a6/aef/{party}/checks", h_a6_aef_checks},                   \
  {"GET", "/v1/a6/whatif/{party}", h_a6_whatif},                           \
  {"GET", "/v1/a6/corsia", h_a6_corsia},                                   \
  {"GET", "/v1/a6/authorization-requests", h_a6_request_list},             \
  {"POST", "/v1/a6/authorization-requests", h_a6_request_post},            \
  {"GET", "/v1/a6/authorization-requests/{id}", h_a6_request_get},         \
  {"POST", "/v1/a6/authorization-requests/{id}/approve", h_a6_request_approve}, \
  {"POST", "/v1/a6/authorization-requests/{id}/reject", h_a6_request_reject},

/* api_a6_report.c: Article 6.2 reports (cooperative approaches, initial
 * report, annual and regular information). */
l6_err h_a6_approach_list(req *r, json_t **out, l6_error *err);
l6_err h_a6_approach_get(req *r, json_t **out, l6_error *err);
l6_err h_a6_approach_put(req *r, json_t **out, l6_error *err);
l6_err h_a6_initial_report(req *r, json_t **out, l6_error *err);
l6_err h_a6_annual_information(req *r, json_t **out, l6_error *err);
l6_err h_a6_regular_information(req *r, json_t **out, l6_error *err);
l6_err h_a6_letter_pdf(req *r, json_t **out, l6_error *err);
#define API_A6_REPORT_ROUTES                                                           \
  {"GET", "/v1/a6/approaches", h_a6_approach_list},                                    \
  {"GET", "/v1/a6/approaches/{code}", h_a6_approach_get},                              \
  {"PUT", "/v1/a6/approaches/{code}", h_a6_approach_put},                              \
  {"GET", "/v1/a6/approaches/{code}/initial-report", h_a6_initial_report},             \
  {"GET", "/v1/a6/annual-information/{party}/{year}", h_a6_annual_information},        \
  {"GET", "/v1/a6/regular-information/{party}", h_a6_regular_information},             \
  {"GET", "/v1/a6/authorizations/{id}/letter.pdf", h_a6_letter_pdf},

/* api_nma.c: Article 6.8 non-market approaches (NMAs, support offers,
 * matching, matches, totals) and the adaptation marketplace. */
l6_err h_nma_list(req *r, json_t **out, l6_error *err);
l6_err h_nma_post(req *r, json_t **out, l6_error *err);
l6_err h_nma_get(req *r, json_t **out, l6_error *err);
l6_err h_nma_step(req *r, json_t **out, l6_error *err);
l6_err h_nma_consent(req *r, json_t **out, l6_error *err);
l6_err h_nma_ranking(req *r, json_t **out, l6_error *err);
l6_err h_offer_list(req *r, json_t **out, l6_error *err);
l6_err h_offer_post(req *r, json_t **out, l6_error *err);
l6_err h_offer_get(req *r, json_t **out, l6_error *err);
l6_err h_match_list(req *r, json_t **out, l6_error *err);
l6_err h_match_post(req *r, json_t **out, l6_error *err);
l6_err h_match_get(req *r, json_t **out, l6_error *err);
l6_err h_match_step(req *r, json_t **out, l6_error *err);
l6_err h_nma_totals(req *r, json_t **out, l6_error *err);
l6_err h_marketplace(req *r, json_t **out, l6_error *err);
l6_err h_listing_post(req *r, json_t **out, l6_error *err);
l6_err h_purchase_post(req *r, json_t **out, l6_error *err);
l6_err h_purchase_list(req *r, json_t **out, l6_error *err);

#define API_NMA_ROUTES                                                     \
  {"GET", "/v1/nmas", h_nma_list},                                         \
  {"POST", "/v1/nmas", h_nma_post},                                        \
  {"GET", "/v1/nmas/{id}", h_nma_get},                                     \
  {"POST", "/v1/nmas/{id}/steps", h_nma_step},                             \
  {"POST", "/v1/nmas/{id}/consents", h_nma_consent},                       \
  {"GET", "/v1/nmas/{id}/ranking", h_nma_ranking},                         \
  {"GET", "/v1/support-offers", h_offer_list},                             \
  {"POST", "/v1/support-offers", h_offer_post},                            \
  {"GET", "/v1/support-offers/{id}", h_offer_get},                         \
  {"GET", "/v1/support-matches", h_match_list},                            \
  {"POST", "/v1/support-matches", h_match_post},                           \
  {"GET", "/v1/support-matches/{id}", h_match_get},                        \
  {"POST", "/v1/support-matches/{id}/steps", h_match_step},                \
  {"GET", "/v1/nma-totals", h_nma_totals},                                 \
  {"GET", "/v1/adaptation-marketplace", h_marketplace},                    \
  {"POST", "/v1/adaptation-marketplace/listings", h_listing_post},         \
  {"GET", "/v1/adaptation-marketplace/purchases", h_purchase_list},        \
  {"POST", "/v1/adaptation-marketplace/purchases", h_purchase_post},
l6_err h_ets_jurisdictions(req *r, json_t **out, l6_error *err);
l6_err h_ets_scheme_list(req *r, json_t **out, l6_error *err);
l6_err h_ets_scheme_put(req *r, json_t **out, l6_error *err);
l6_err h_ets_entity_list(req *r, json_t **out, l6_error *err);
l6_err h_ets_entity_put(req *r, json_t **out, l6_error *err);
l6_err h_ets_project_put(req *r, json_t **out, l6_error *err);
l6_err h_ets_emissions(req *r, json_t **out, l6_error *err);
l6_err h_ets_confirm(req *r, json_t **out, l6_error *err);
l6_err h_ets_allocation(req *r, json_t **out, l6_error *err);
l6_err h_ets_allocate(req *r, json_t **out, l6_error *err);
l6_err h_ets_surrender(req *r, json_t **out, l6_error *err);
l6_err h_ets_dry_run(req *r, json_t **out, l6_error *err);
l6_err h_ets_report(req *r, json_t **out, l6_error *err);
l6_err h_ets_project_get(req *r, json_t **out, l6_error *err);
l6_err h_ets_record_get(req *r, json_t **out, l6_error *err);
l6_err h_ets_correct(req *r, json_t **out, l6_error *err);
l6_err h_ets_verifier(req *r, json_t **out, l6_error *err);

#define API_ETS_ROUTES                                                     \
  {"GET", "/v1/ets/jurisdictions", h_ets_jurisdictions},                   \
  {"GET", "/v1/ets/schemes", h_ets_scheme_list},                           \
  {"PUT", "/v1/ets/schemes/{code}", h_ets_scheme_put},                     \
  {"GET", "/v1/ets/schemes/{code}/entities", h_ets_entity_list},           \
  {"PUT", "/v1/ets/schemes/{code}/entities/{id}", h_ets_entity_put},       \
  {"GET", "/v1/ets/schemes/{code}/report", h_ets_report},                  \
  {"POST", "/v1/ets/schemes/{code}/verifiers", h_ets_verifier},           \
  {"GET", "/v1/ets/projects/{id}", h_ets_project_get},                     \
  {"PUT", "/v1/ets/projects/{id}", h_ets_project_put},                     \
  {"GET", "/v1/ets/emissions", h_ets_record_get},                          \
  {"PUT", "/v1/ets/emissions", h_ets_emissions},                           \
  {"POST", "/v1/ets/emissions/confirm", h_ets_confirm},                    \
  {"POST", "/v1/ets/emissions/corrections", h_ets_correct},                \
  {"PUT", "/v1/ets/allocations", h_ets_allocation},                        \
  {"POST", "/v1/ets/allocations", h_ets_allocate},                         \
  {"POST", "/v1/ets/surrenders", h_ets_surrender},                         \
  {"POST", "/v1/ets/surrenders/dry-run", h_ets_dry_run},
/* api_ex.c: the exchange (instruments, cash, orders, market data). */
l6_err h_ex_instrument_post(req *r, json_t **out, l6_error *err);
l6_err h_ex_instrument_list(req *r, json_t **out, l6_error *err);
l6_err h_ex_instrument_status(req *r, json_t **out, l6_error *err);
l6_err h_ex_deposit(req *r, json_t **out, l6_error *err);
l6_err h_ex_withdrawal(req *r, json_t **out, l6_error *err);
l6_err h_ex_cash_list(req *r, json_t **out, l6_error *err);
l6_err h_ex_order_post(req *r, json_t **out, l6_error *err);
l6_err h_ex_order_list(req *r, json_t **out, l6_error *err);
l6_err h_ex_order_cancel(req *r, json_t **out, l6_error *err);
l6_err h_ex_order_replace(req *r, json_t **out, l6_error *err);
l6_err h_ex_depth(req *r, json_t **out, l6_error *err);
l6_err h_ex_trades(req *r, json_t **out, l6_error *err);
l6_err h_ex_bars(req *r, json_t **out, l6_error *err);
l6_err h_ex_close(req *r, json_t **out, l6_error *err);
l6_err h_ex_benefit(req *r, json_t **out, l6_error *err);
l6_err h_ex_auction(req *r, json_t **out, l6_error *err);
l6_err h_ex_stream(req *r, json_t **out, l6_error *err);
l6_err h_ex_quote_post(req *r, json_t **out, l6_error *err);
l6_err h_ex_quote_accept(req *r, json_t **out, l6_error *err);
/* The stream: the service's listener (svc_ex_set_listener), the reply of
 * h_ex_stream (r->stream), and closing every stream before the daemon
 * stops (suspended connections must be resumed first). */
void ex_stream_publish(void *ctx, const char *event, const char *instrument, json_t *data);
enum MHD_Result ex_stream_respond(struct MHD_Connection *c, void *stream);
void ex_streams_close(void);
int ex_streams_open(void);
/* Streams one client address or one token may hold, and the streams of
 * anonymous clients together (http_start_opts). */
void ex_streams_configure(int per_client, int anonymous_max);

#define API_EX_ROUTES                                                        \
  {"GET", "/v1/exchange/instruments", h_ex_instrument_list},                 \
  {"POST", "/v1/exchange/instruments", h_ex_instrument_post},                \
  {"POST", "/v1/exchange/instruments/{code}/status", h_ex_instrument_status}, \
  {"GET", "/v1/exchange/instruments/{code}/depth", h_ex_depth},              \
  {"GET", "/v1/exchange/instruments/{code}/trades", h_ex_trades},            \
  {"GET", "/v1/exchange/instruments/{code}/bars", h_ex_bars},                \
  {"GET", "/v1/exchange/instruments/{code}/close", h_ex_close},              \
  {"GET", "/v1/exchange/benefit-sharing", h_ex_benefit},                     \
  {"POST", "/v1/exchange/instruments/{code}/auction", h_ex_auction},         \
  {"POST", "/v1/exchange/deposits", h_ex_deposit},                           \
  {"POST", "/v1/exchange/withdrawals", h_ex_withdrawal},                     \
  {"GET", "/v1/exchange/cash", h_ex_cash_list},                              \
  {"GET", "/v1/exchange/orders", h_ex_order_list},                           \
  {"GET", "/v1/exchange/stream", h_ex_stream},                               \
  {"POST", "/v1/exchange/orders", h_ex_order_post},                          \
  {"POST", "/v1/exchange/orders/{id}/cancel", h_ex_order_cancel},            \
  {"POST", "/v1/exchange/orders/{id}/replace", h_ex_order_replace},         \
  {"POST", "/v1/exchange/quotes", h_ex_quote_post},                          \
  {"POST", "/v1/exchange/quotes/{id}/accept", h_ex_quote_accept},           \
  API_CRIT_ROUTES

/* Instrument criteria and integrity labels (api_ex.c, crit.h). */
l6_err h_crit_labels(req *r, json_t **out, l6_error *err);
l6_err h_batch_label_post(req *r, json_t **out, l6_error *err);
l6_err h_batch_label_list(req *r, json_t **out, l6_error *err);
#define API_CRIT_ROUTES                                         \
  {"GET", "/v1/labels", h_crit_labels},                         \
  {"POST", "/v1/issuances/{id}/labels", h_batch_label_post},    \
  {"GET", "/v1/issuances/{id}/labels", h_batch_label_list},

/* api_open.c: open data, the public CSV files and the totals (issue 17). */
l6_err h_open_projects(req *r, json_t **out, l6_error *err);
l6_err h_open_issuances(req *r, json_t **out, l6_error *err);
l6_err h_open_retirements(req *r, json_t **out, l6_error *err);
l6_err h_open_trades(req *r, json_t **out, l6_error *err);
l6_err h_stats(req *r, json_t **out, l6_error *err);
l6_err h_open_sd(req *r, json_t **out, l6_error *err); /* issue 20: sd-indicators.csv */
l6_err h_open_safeguards(req *r, json_t **out, l6_error *err); /* issue 20: safeguards.csv */
/* CADT shape (issue 17 item 4, service/cadt.c). */
l6_err h_cadt_projects(req *r, json_t **out, l6_error *err);
l6_err h_cadt_units(req *r, json_t **out, l6_error *err);
/* Answers with r->csv, streamed (takes it). */
enum MHD_Result open_csv_respond(struct MHD_Connection *c, void *stream, const char *name);
#define API_OPEN_ROUTES                                                    \
  {"GET", "/v1/public/projects.csv", h_open_projects},                     \
  {"GET", "/v1/public/issuances.csv", h_open_issuances},                   \
  {"GET", "/v1/public/retirements.csv", h_open_retirements},               \
  {"GET", "/v1/public/trades.csv", h_open_trades},                         \
  {"GET", "/v1/public/sd-indicators.csv", h_open_sd},                      \
  {"GET", "/v1/public/safeguards.csv", h_open_safeguards},                 \
  {"GET", "/v1/stats", h_stats},                                          \
  {"GET", "/v1/cadt/projects", h_cadt_projects},                          \
  {"GET", "/v1/cadt/units", h_cadt_units},

#endif
