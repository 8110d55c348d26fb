/*
 * testlib_svc.h -- helpers of the tests that call the service layer
 * directly (src/service/service.h). Include after <cmocka.h>.
 */
#ifndef L6_TESTLIB_SVC_H
#define L6_TESTLIB_SVC_H

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

/* An actor of role for organisation org (0: none), named name. */
l6_actor tl_actor(l6_role role, l6_id org, const char *name);

#endif
