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
struct origin_set;

/* Group commit (txgroup.c): one per thread, on its way through the
 * writer lock. */
typedef struct svc_member svc_member;
struct svc_member {
  svc_member *next;   /* the queue for the baton */
  svc_member *gnext;  /* the members of the open group, in order */
  pthread_cond_t cv;
  bool baton, done;   /* holds the baton; the group's outcome is in */
  bool tx;            /* a transaction (joins the group), not a plain lock */
  bool savepoint;     /* runs in a savepoint (not the group's first) */
  l6_err result;
  l6_error *err;
  void (*on_commit)(l6_svc *s, void *ctx);
  void (*on_abort)(l6_svc *s, void *ctx);
  void *hook_ctx;
  int64_t start_ns;
};

typedef struct {
  pthread_mutex_t mu;         /* guards the queue and the flags below */
  bool busy;                  /* some thread holds the baton */
  svc_member *head, *tail;    /* threads waiting for it */
  /* The rest is the baton holder's. */
  bool open;                  /* a group's store transaction is open */
  bool poisoned;              /* a member left it in doubt: it rolls back */
  svc_member *first, *last;   /* its members so far */
  size_t n;
  /* The first member's writes may not have answered yet (a store that
   * pipelines writes, ops->flush): they answer with the group's commit,
   * or before the next member runs (txgroup.c first_flush). */
  bool unflushed;
  l6_err flush_e;             /* their failure, the first member's own */
  l6_error flush_err;
  uint64_t groups, members;   /* groups closed and their members, since open (tests, metrics) */
} svc_group;

/* Readers (readers.c): up to L6_SVC_READERS read connections, each with
 * a view of the service (an l6_svc with reader set and st the reader). */
#define L6_SVC_READERS 16
#define L6_SVC_TOUCHES 32
typedef struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  l6_svc *slot[L6_SVC_READERS]; /* views; NULL until opened */
  bool busy[L6_SVC_READERS];
  size_t n;                     /* views opened */
  bool off;                     /* the store has no readers: reads take the writer path */
  /* Token last-used times waiting for the next commit group (svc_authenticate). */
  struct { l6_id token; int64_t now; } touch[L6_SVC_TOUCHES];
  size_t ntouch;
} svc_readers;

/* A configuration field added here must also be copied to the readers'
 * views (readers.c, refresh), or reads on a view will not see it. */
struct l6_svc {
  l6_store *st;
  bool reader;       /* a reader's view (readers.c): begin/finish read a snapshot, no writer lock */
  svc_readers *rd;   /* the readers of a writer service (NULL in a view) */
  int64_t view_start_ns; /* a view: CLOCK_MONOTONIC at its snapshot's begin, for metrics.h */
  svc_group group; /* the writer lock and group commit (txgroup.c) */
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
  struct origin_set *origins; /* registries outside the Parties (origin.c, config/origins.json), or NULL */
};

/* Group commit (txgroup.c, docs/DESIGN.md "Group commit"). svc__tx_begin
 * waits for the writer lock and begins the request's transaction (the
 * group's, or a savepoint in it); svc__tx_end ends it (released when e is
 * OK, else rolled back alone), lets the next request in, and returns once
 * the group's commit is durable: e, or the commit's error. on_commit and
 * on_abort (svc__on_outcome, between the two) run under the lock when the
 * request's outcome is final. svc__lock/svc__unlock hold the lock with no
 * transaction open (leases); svc__trylock takes it only when free. */
void svc__group_init(svc_group *g);
void svc__group_destroy(svc_group *g);
l6_err svc__tx_begin(l6_svc *s, l6_error *err);
l6_err svc__tx_end(l6_svc *s, l6_err e, l6_error *err);
void svc__on_outcome(l6_svc *s, void (*on_commit)(l6_svc *, void *), void (*on_abort)(l6_svc *, void *), void *ctx);
void svc__lock(l6_svc *s);
/* Readers (readers.c). svc__reader_get: a view of s on a free read
 * connection (waits for one), or NULL when the store has none (the caller
 * then reads on the writer path); give it back with svc__reader_put. A
 * view's begin() and finish() open and end a snapshot transaction without
 * the writer lock. Only read-only calls may run on a view: any write
 * fails (query_only / READ ONLY). */
void svc__readers_init(l6_svc *s);
void svc__readers_free(l6_svc *s);
l6_svc *svc__reader_get(l6_svc *s);
void svc__reader_put(l6_svc *s, l6_svc *view);
/* Queues a token's last-used time for the next commit group (dropped
 * when the queue is full: the token's next request tries again). */
void svc__touch_later(l6_svc *s, l6_id token, int64_t now);
/* Inside the group's transaction, before its commit: writes the queued
 * last-used times, each in a savepoint whose failure is ignored. */
void svc__touch_flush(l6_svc *s);
/* The read-only service calls start with READ_ON_VIEW(s, fn, args...):
 * they run again on a reader view when one is free and return its result
 * (on a view, or with no readers, they go on in place). */
#define READ_ON_VIEW(s, fn, ...)                       \
  do {                                                 \
    if (!(s)->reader) {                                \
      l6_svc *view_ = svc__reader_get(s);              \
      if (view_ != NULL) {                             \
        l6_err e_view_ = fn(view_, __VA_ARGS__);       \
        svc__reader_put(s, view_);                     \
        return e_view_;                                \
      }                                                \
    }                                                  \
  } while (0)
bool svc__trylock(l6_svc *s);
void svc__unlock(l6_svc *s);

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

/* ---- four eyes, trusted accounts, delays (proposal.c) ----------------- */

/* svc_move's work inside the caller's transaction (service.c): checks,
 * plans and moves the units of r as a's request. gate: whether the
 * registry's approval policy may turn it into a proposal (svc_move); an
 * approved proposal or one whose delay ended runs its request with gate
 * false, through every other check again. On success out->status is 201
 * (moved) or 202 (out->body is the proposal). */
l6_err svc__move_in_tx(l6_svc *s, const l6_actor *a, const l6_move_req *r, bool gate, l6_reply *out, l6_error *err);
/* Inside svc__move_in_tx, once from, to and the takes are known: when the
 * policy of from's registry covers the request (approval, or a delay for
 * an untrusted destination), records a proposal, moves the takes into
 * the registry's hold account and sets *proposed with out = 202 and the
 * proposal. Otherwise changes nothing. */
l6_err svc__proposal_gate(l6_svc *s, const l6_actor *a, const l6_move_req *r, const l6_account *from,
                          const l6_account *to, const l6_take *takes, size_t n, l6_qty qty, l6_reply *out,
                          bool *proposed, l6_error *err);
/* INVALID_DESTINATION when from or to is a registry's hold account: only
 * proposals move units in and out of it. */
l6_err svc__hold_account_check(l6_svc *s, const l6_account *from, const l6_account *to, l6_error *err);
/* Requests that move no units (kinds "a6-authorization", "a6-revocation"):
 * whether registry's policy covers Article 6 authorizations; recording
 * such a request (its canonical JSON, request) as a pending proposal of
 * a's organisation, nothing held (out: the proposal); and re-running one
 * as its proposer inside the open transaction with the gate off (a6.c),
 * every check again. */
l6_err svc__policy_covers_a6(l6_svc *s, const char *registry, bool *covered, l6_error *err);
l6_err svc__proposal_plain(l6_svc *s, const l6_actor *a, const char *kind, const char *registry, const char *reason,
                           const char *request, json_t **out, l6_error *err);
l6_err svc__plain_rerun(l6_svc *s, const l6_actor *a, const char *kind, const char *request, l6_error *err);
/* The same for the ETS kinds ("ets-confirmation", "ets-correction"):
 * whether registry's policy has "ets_emissions" (ets.c gates the
 * regulator's confirmation and correction on it), and the re-run of an
 * approved one (ets.c; svc__plain_rerun hands "ets-" kinds to it). */
l6_err svc__policy_covers_ets(l6_svc *s, const char *registry, bool *covered, l6_error *err);
l6_err svc__ets_rerun(l6_svc *s, const l6_actor *a, const char *kind, const char *request, l6_error *err);
/* The ids of the activities whose project party hosts, appended to acts
 * (mech_ldc.c; the fee and benefit-sharing reports). */
l6_err svc__hosted_activities(l6_svc *s, const char *party, json_t *acts, l6_error *err);

/* consideration.c (issue 20 item 5): the optional price of an off-exchange
 * transfer. check: the amount and currency of a request; put: records the
 * transfer's terms (priced or not) in the caller's transaction; add: sets
 * "consideration" on every transaction of a list that has one; sums: the
 * priced and unpriced off-exchange transfers counted for a host Party in
 * its benefit-sharing report (into `report`: "transfers"). */
l6_err svc__consideration_check(const l6_move_req *r, l6_error *err);
l6_err svc__consideration_put(l6_svc *s, l6_id tx, const l6_move_req *r, l6_error *err);
l6_err svc__add_considerations(l6_svc *s, json_t *items, l6_error *err);
l6_err svc__consideration_sums(l6_svc *s, const char *party, json_t *report, l6_error *err);

#endif
