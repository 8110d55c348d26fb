/*
 * service_int.h -- what service.c shares with the other files of the
 * service layer (mechanism.c, cycle.c). Not for the API or the CLI: they
 * use service.h and cycle.h.
 *
 * Names start with svc__ (libuv's convention for internal symbols). Every
 * function keeps service.c's rules: writes only between svc__begin and
 * svc__finish, which also take and release the service mutex.
 */
#ifndef L6_SERVICE_INT_H
#define L6_SERVICE_INT_H

#include <pthread.h>

#include "move.h"
#include "service.h"
#include "tlog.h"

struct l6_mech_set;
struct ets_set;

struct l6_svc {
  l6_store *st;
  pthread_mutex_t mu;
  int check_level;
  int64_t (*now_ms)(void);
  char *iso;                 /* "ABC\nDEF\n..." list of valid alpha-3 codes, or NULL */
  struct l6_mech_set *mechs; /* crediting mechanism definitions (mechanism.c), or NULL */
  tlog_signer signer;        /* signs tree heads when has_signer (svc_keys_open) */
  bool has_signer;
  struct ets_set *ets;       /* emissions trading jurisdictions (ets.c), or NULL */
  struct ex_state *ex;       /* the exchange's books in memory (exchange.c), or NULL */
  svc_move_hook hooks[L6_MAX_MOVE_HOOKS]; /* the policy step's rules, in order (move.c) */
  size_t nhooks;
  int64_t session_idle_ms, session_max_ms; /* people.c; 0: the defaults of limits.h */
  int pwhash_cost;                         /* people.c: l6_pwhash_cost */
  int token_days[L6_ROLE_REVIEWER + 1]; /* a new token's lifetime by role, days; 0: never expires */
  int64_t tx_start_ns;       /* CLOCK_MONOTONIC at the open transaction's begin, for metrics.h */
};

/* Locks the service and begins a store transaction; on failure nothing
 * is locked. */
l6_err svc__begin(l6_svc *s, l6_error *err);
/* Commits when e is OK, else rolls back; unlocks; returns the outcome. */
l6_err svc__finish(l6_svc *s, l6_err e, l6_error *err);
/* The same, dropping *out on failure (and failing with NOMEM when e is OK
 * but *out is NULL). */
l6_err svc__finish_out(l6_svc *s, l6_err e, json_t **out, l6_error *err);

/* The service clock: ISO 8601 UTC timestamp with milliseconds, and ms
 * since the epoch. */
void svc__timestamp(l6_svc *s, char out[32]);

/* Makes room for element n of a growable array v holding *cap elements of
 * size bytes (doubling, from `first`): the array, moved if need be, or NULL
 * when out of memory (v is then unchanged and still the caller's). For the
 * row callbacks that collect a store list. */
void *svc__grow(void *v, size_t n, size_t *cap, size_t size, size_t first);
int64_t svc__now_ms(l6_svc *s);
/* The check level given to svc_open (2: re-check touched batches). */
int svc__check_level(const l6_svc *s);

/* Reads account id into *acc: MISSING_FIELD (id <= 0, named by role),
 * UNKNOWN_ACCOUNT, ACCOUNT_CLOSED, ACCOUNT_BLOCKED. */
l6_err svc__open_account(l6_svc *s, l6_id id, const char *role, l6_account *acc, l6_error *err);
/* Units move only through svc__move_units (move.h), which runs the
 * policy step's rules: there is no other way to move a range. */
/* Idempotency keys (service.c): inside the transaction, *hit with the
 * stored reply in *out (IDEMPOTENCY_CONFLICT for another request under
 * the key); after the work, the reply stored under the key. No-ops for
 * an empty key. Used by the exchange's order entry. */
l6_err svc__idem_check(l6_svc *s, const l6_idem *id, l6_reply *out, bool *hit, l6_error *err);
l6_err svc__idem_store(l6_svc *s, const l6_idem *id, const l6_reply *r, l6_error *err);
/* Inside svc_token_create's transaction (people.c): records the user who
 * made the token in a web session as its owner (else it is a system
 * integration's) and adds "owner" (user id or null) to reply. */
l6_err svc__token_owner(l6_svc *s, const l6_actor *a, l6_id token, json_t *reply, l6_error *err);
/* Checks that the blocks of batch partition its serials; INTERNAL if not. */
l6_err svc__check_batch(l6_svc *s, l6_id batch, l6_error *err);

/* The loaded mechanism definitions (NULL before svc_load_config), and
 * replacing them (the service takes ownership and frees the old set). */
const struct l6_mech_set *svc__mechs(const l6_svc *s);
void svc__set_mechs(l6_svc *s, struct l6_mech_set *m);

/* The loaded ETS jurisdiction rules (NULL before svc_ets_load), and
 * replacing them (the service takes ownership and frees the old set). */
const struct ets_set *svc__ets(const l6_svc *s);
void svc__set_ets(l6_svc *s, struct ets_set *set);

/* CYCLE_MANAGED when project has an activity in a mechanism's cycle (its
 * units are issued by the cycle's issue step, with the mechanism's levies
 * and splits, never by a plain issuance). Call inside a transaction.
 * Defined in cycle.c. */
l6_err svc__not_in_cycle(l6_svc *s, const char *project, l6_error *err);


/* Inside the caller's transaction: moves amount (minor units of cur) from
 * organisation from's available exchange cash to organisation to's,
 * journaled as "payment" with ref (exchange.c). INSUFFICIENT_CASH when
 * from lacks it. The exchange's conservation (held + reserved = deposited -
 * withdrawn) is unchanged by it. */
l6_err svc__ex_cash_pay(l6_svc *s, l6_id from, l6_id to, const char *cur, int64_t amount, int64_t ref, l6_error *err);
/* Non-offsetting units (nonoff.c, the unit types' property): whether a
 * unit type is non-offsetting; NON_OFFSETTING_UNIT when the batch's unit
 * type, or a unit type of the project's programme, is (`what` names the
 * emissions purpose in the message). Inside a transaction. The rule that
 * keeps them out of emissions claims is a rule of the policy step
 * (svc_nonoff_move_hook), not something a route calls. */
l6_err svc__unit_type_non_offsetting(l6_svc *s, const char *unit_type, bool *out, l6_error *err);
l6_err svc__batch_non_offsetting(l6_svc *s, l6_id batch, const char *what, l6_error *err);
l6_err svc__project_non_offsetting(l6_svc *s, const char *project, const char *what, l6_error *err);
/* May non-offsetting units be retired with this purpose (config/nma.json,
 * non_offsetting_purposes: adaptation, conservation, ...; loaded by nma.c)? */
bool svc__non_offsetting_purpose(const char *purpose);

#endif
