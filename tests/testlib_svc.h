/*
 * testlib_svc.h -- helpers of the tests that call the service layer
 * directly (src/service/service.h). Include after <cmocka.h>.
 */
#ifndef L6_TESTLIB_SVC_H
#define L6_TESTLIB_SVC_H

#include "service/cycle.h"
#include "service/mechanism.h"
#include "service/service.h"

/* Runs a service call that must succeed, else fails the test with the
 * call's error code and message. The call may name err_ (its l6_error) and
 * out_ (its json_t reply, dropped afterwards). */
#define TL_OK(call, what)                                                                                        \
  do {                                                                                                          \
    l6_error err_ = {0};                                                                                        \
    json_t *out_ = NULL;                                                                                        \
    l6_err e_ = (call);                                                                                         \
    if (e_ != L6_E_OK) fail_msg("%s:%d %s: %s: %s", __FILE__, __LINE__, (what), l6_err_code(e_), err_.message); \
    json_decref(out_);                                                                                          \
  } while (0)

/* Fails the test unless e is L6_E_OK, naming what, the code and the message. */
void tl_ok(l6_err e, const l6_error *err, const char *what);

/* tl_ok, then drops *out (passed by address so that it is read after the
 * call: argument order is unspecified). */
void tl_ok_json(l6_err e, json_t **out, const l6_error *err, const char *what);

/* Opens the store spec and a service of `workers` over it, with the
 * writer's outside-a-transaction guard off (for tests that read the store
 * directly between service calls); *st gets the store. */
l6_svc *tl_svc_open_direct(const char *spec, int workers, l6_store **st);

/* A service of `workers` over st (svc_open's second argument), with the
 * configuration of $L6_SRCDIR/config (else ./config) loaded. */
l6_svc *tl_svc_open_config(l6_store *st, int workers);

/* An actor of role for organisation org (0: none), named name. */
l6_actor tl_actor(l6_role role, l6_id org, const char *name);

/* The worlds of the project-cycle tests (test_cycle, test_poa,
 * test_cycle_data): a Party with its registry "<code>01"; an
 * organisation of registry; an account of registry (name NULL: "<registry>
 * <type>"); the loaded mechanism code (the test fails if there is none). */
void tl_svc_party(l6_svc *s, const l6_actor *admin, const char *code);
l6_id tl_svc_org(l6_svc *s, const l6_actor *admin, const char *registry, const char *name);
l6_id tl_svc_account(l6_svc *s, const l6_actor *admin, const char *registry, l6_id org, l6_account_type t,
                     const char *name);
const l6_mech *tl_svc_mech(l6_svc *s, const char *code);

/* The documents a world registered, one per type, on first use, by owner. */
typedef struct {
  size_t n;
  struct {
    char type[L6_DOC_TYPE_MAX + 1];
    char hash[65];
  } d[16];
} tl_docs;
const char *tl_svc_doc_hash(l6_svc *s, const l6_actor *owner, tl_docs *docs, const char *type);
/* The documents step st of m requires, as refs (their count). */
size_t tl_svc_docs_for(l6_svc *s, const l6_actor *owner, tl_docs *docs, const l6_mech *m, l6_step st, l6_doc_ref *refs);
/* What a step asks of m besides documents (src/service/mech_ldc.c): every
 * safeguard answered true at registration (accept), every SD indicator
 * reported as 1 on a monitoring report, the host's benefit-sharing accounts
 * (benefit[i] for m->benefit[i]) on an accepted issuance. The JSON lives
 * in *slot until the next call with the same slot. */
void tl_svc_step_extras(const l6_mech *m, l6_step_req *r, json_t **slot, const l6_id *benefit);

#endif
