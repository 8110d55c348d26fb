/*
 * testlib_svc.c -- helpers of the service-level tests (testlib_svc.h).
 */
#include "testlib_svc.h"

#include <stdio.h>

l6_actor tl_actor(l6_role role, l6_id org, const char *name) {
  l6_actor a = {.role = role, .org = org};
  snprintf(a.name, sizeof a.name, "%s", name);
  return a;
}
