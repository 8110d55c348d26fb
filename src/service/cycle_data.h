/*
 * cycle_data.h -- what issue 20 (items 6 and 7) attaches to an activity of
 * the project cycle, kept in activity records (store.h l6_arec):
 *
 * Monitoring devices and signed readings. The participant registers its
 * monitoring systems, each with an Ed25519 public key; a device submits
 * readings of a period (one input of a calculator, an integer in the
 * input's unit) signed with its key over svc_reading_message's text, with
 * a sequence number that must grow (a replay is refused). The monitoring
 * report of the period sums each input's readings and feeds the sums to
 * the calculator; the readings' hashes go into the report's step record.
 *
 * Ex-ante purchases (commitments). Under a mechanism with
 * ex_ante_purchases, a funder commits to buy a quantity of a registered
 * activity's units at a price before they exist; at each issuance the
 * open commitments, oldest first, are delivered from the activity
 * registry's share (after the levies) and retired in the funder's name,
 * in the issuance's store transaction; a commitment never receives more
 * than its quantity, an issuance never delivers more than it issued.
 *
 * Registry choice of a third-party developer (split.third_party_choice),
 * recorded at submission: which of the allowed shares takes all of its
 * units.
 *
 * Same contract as service.h: each call checks who may do it, validates,
 * runs as one store transaction; replies are new JSON references.
 */
#ifndef L6_SERVICE_CYCLE_DATA_H
#define L6_SERVICE_CYCLE_DATA_H

#include "../core/calc.h"
#include "cycle.h"
#include "mechanism.h"

#define L6_MAX_READINGS 1000   /* readings of one period */
#define L6_MAX_DEVICES 100     /* devices of one activity */
#define L6_MAX_COMMITMENTS 20  /* commitments of one activity */
#define L6_READING_MSG_MAX 512

/* The text a device signs for one reading (UTF-8, no NUL):
 *   "ledger6-reading/1\n<activity>\n<period>\n<device>\n<seq>\n<input>\n<value>\n<taken_on>\n"
 * Returns its length (< cap), or -1 when it does not fit. */
int svc_reading_message(char *buf, size_t cap, const char *activity, int period, const char *device, int64_t seq,
                        const char *input, int64_t value, const char *taken_on);

/* One signed reading as submitted (the body of POST .../data). */
typedef struct {
  char device[41];    /* printable text, 1-40 bytes */
  int64_t seq;        /* 1..INT32_MAX */
  char input[32];     /* a calculator input's name, printable, 1-31 bytes */
  int64_t value;      /* >= 0, in the input's unit */
  char taken_on[11];  /* YYYY-MM-DD */
  char signature[129]; /* Ed25519, 128 lower-case hex digits */
} l6_reading;

/* The body's checks that need no store (fuzzed by fuzz/fuzz_reading.c):
 * only the six keys, each present, typed and in range. Errors BAD_JSON
 * (not an object), UNKNOWN_FIELD, MISSING_FIELD, WRONG_TYPE, INVALID_VALUE. */
l6_err svc_reading_parse(const json_t *in, l6_reading *r, l6_error *err);

/* Whether r's signature verifies under pk_hex (an Ed25519 public key in
 * hex) over svc_reading_message(activity, period, r); msg[0..*mlen) gets
 * that text (*mlen -1 when it does not fit cap, and false). */
bool svc_reading_verify(const char *pk_hex, const char *activity, int period, const l6_reading *r, char *msg, size_t cap,
                        int *mlen);

/* POST /v1/activities/{id}/devices: {name, public_key (64 hex)}; the
 * participant (a holder token of the activity's organisation). */
l6_err svc_device_register(l6_svc *s, const l6_actor *a, const char *project, const json_t *in, json_t **out,
                           l6_error *err);
/* POST /v1/activities/{id}/periods/{n}/data: {device, seq, input, value,
 * taken_on, signature (128 hex)}. Authenticated by the signature: any
 * caller may deliver it (no token needed). */
l6_err svc_reading_submit(l6_svc *s, const l6_actor *a, const char *project, int period, const json_t *in, json_t **out,
                          l6_error *err);
/* GET /v1/activities/{id}/periods/{n}/data (public): the period's readings. */
l6_err svc_reading_list(l6_svc *s, const l6_actor *a, const char *project, int period, json_t **out, l6_error *err);

/* POST /v1/activities/{id}/commitments: {quantity, price, currency,
 * funder_account, beneficiary}; a holder token of the account's
 * organisation (not the participant's). */
l6_err svc_commitment_post(l6_svc *s, const l6_actor *a, const char *project, const json_t *in, json_t **out,
                           l6_error *err);
/* GET /v1/activities/{id}/commitments (public). */
l6_err svc_commitment_list(l6_svc *s, const l6_actor *a, const char *project, json_t **out, l6_error *err);

/* ---- for cycle.c, inside its transaction ---- */

/* The inputs of a monitoring report of period (start..end) of project
 * (hosted by host) for calc: given ones (the request), the sums of the
 * period's readings, and the methodology parameters for what is left.
 * out gets every input of calc; detail gets "sources", and "readings" and
 * "parameters_hash" when used. */
l6_err cdata__inputs(l6_svc *s, const l6_calc *calc, const char *project, const char *host, int period,
                     const char *start, const char *end, const l6_calc_arg *given, size_t ngiven, l6_calc_arg *out,
                     size_t *nout, json_t *detail, l6_error *err);

/* The share a third-party developer chose for project (-1: none). */
l6_err cdata__tp_choice(l6_svc *s, const char *project, int *share, l6_error *err);
/* Records the choice at submission (party: "host" or the share's party):
 * REGISTRY_CHOICE_REFUSED unless m allows it and dev_party is a third party. */
l6_err cdata__tp_choose(l6_svc *s, const l6_mech *m, const char *project, const char *host, const char *dev_party,
                        const char *party, l6_error *err);

/* Delivers open commitments of project from batch (in pending account
 * pending, next free serial *next, at most avail units) and retires them
 * in the funders' names; *delivered gets the total; detail gets
 * "commitments". */
l6_err cdata__deliver(l6_svc *s, const l6_actor *a, const char *ts, const char *project, int period, l6_id pending,
                      l6_id batch, int64_t *next, l6_qty avail, l6_qty *delivered, json_t *detail, l6_error *err);

#endif
