/*
 * model.h -- the registry's nouns as plain C: account types and statuses,
 * transaction kinds, project states, and validators for identifiers.
 * Pure: no I/O, no allocation.
 */
#ifndef L6_MODEL_H
#define L6_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../limits.h"

typedef int64_t l6_qty;  /* tonnes (or units); always > 0 when moved */
typedef int64_t l6_id;   /* store row id; > 0 */

#define L6_ACCOUNT_TYPE_MAP(XX)                                   \
  XX(PENDING, "pending", false)                                   \
  XX(HOLDING, "holding", false)                                   \
  XX(TRADING, "trading", false)                                   \
  XX(RETIREMENT, "retirement", true)                              \
  XX(CANCELLATION, "cancellation", true)                          \
  XX(BUFFER, "buffer", false)                                     \
  XX(ADAPTATION_FUND, "adaptation-fund", false)                   \
  XX(OMGE_CANCELLATION, "omge-cancellation", true)                \
  XX(SURRENDER, "surrender", true)                                \
  /* links between registries (issue 19, docs/LINKS.md): units on their way \
   * to another registry, and units held in other registries */    \
  XX(LINK_ESCROW, "link-escrow", false)                           \
  XX(LINK_EXTERNAL, "link-external", false)

typedef enum {
  L6_ACCT__NONE = 0,
#define L6_XX(e, s, t) L6_ACCT_##e,
  L6_ACCOUNT_TYPE_MAP(L6_XX)
#undef L6_XX
  L6_ACCT__COUNT
} l6_account_type;

typedef enum { L6_STATUS__NONE = 0, L6_STATUS_OPEN, L6_STATUS_BLOCKED, L6_STATUS_CLOSED } l6_account_status;

typedef enum {
  L6_TX__NONE = 0,
  L6_TX_ISSUANCE,
  L6_TX_TRANSFER,
  L6_TX_RETIREMENT,
  L6_TX_CANCELLATION
} l6_tx_kind;

typedef enum {
  L6_ROLE__NONE = 0, /* anonymous */
  L6_ROLE_ADMIN,
  L6_ROLE_HOLDER,
  L6_ROLE_AUDITOR,
  L6_ROLE_VALIDATOR,      /* accredited validator/verifier (DOE, VVB); belongs to an organisation */
  L6_ROLE_AUTHORITY,      /* a Party's designated authority; belongs to an organisation of that Party's registry */
  L6_ROLE_MECHANISM_ADMIN, /* a crediting mechanism's administrator (secretariat, joint committee) */
  L6_ROLE_REVIEWER        /* a technical expert reviewer of a Party's books (Article 6 TER): reads, never writes;
                             belongs to an organisation of the reviewed Party's registry */
} l6_role;

/* Name <-> enum. *_from_str returns the __NONE value for unknown names. */
const char *l6_account_type_str(l6_account_type t);
l6_account_type l6_account_type_from_str(const char *s);
const char *l6_account_status_str(l6_account_status s);
l6_account_status l6_account_status_from_str(const char *s);
const char *l6_tx_kind_str(l6_tx_kind k);
l6_tx_kind l6_tx_kind_from_str(const char *s);
const char *l6_role_str(l6_role r);
l6_role l6_role_from_str(const char *s);

/* The indefinite article for a lower-case name in a message (a role, an
 * account type, a transaction kind): "an" before a, e, i or o, else "a"
 * ("an authority token", "an adaptation-fund account", "a holder token"). */
const char *l6_article(const char *word);

/* The role names, for messages. */
#define L6_ROLE_NAMES "admin, holder, auditor, validator, authority, mechanism-admin or reviewer"

/* May this role read ledger records (accounts, transactions) beyond the
 * public's view? Admin, auditor and holder (its own) do; the project
 * cycle's roles read what the public reads. */
bool l6_role_reads_ledger(l6_role r);

/* Does a token of this role belong to an organisation (holder, validator,
 * authority), or to none (admin, auditor, mechanism-admin)? */
bool l6_role_has_org(l6_role r);

/* Terminal account types (retirement, cancellation, OMGE cancellation,
 * surrender) never send units. */
bool l6_account_type_terminal(l6_account_type t);
/* May an account of this type receive a plain transfer? Pending receives
 * only issuances; terminal types receive only retirements/cancellations. */
bool l6_account_type_accepts_transfer(l6_account_type t);

/* Identifier validators. All take NUL-terminated strings. */
bool l6_valid_alpha3(const char *s);      /* "CHE": three ASCII capitals */
bool l6_valid_registry_id(const char *s); /* "CHE01": alpha-3 + two digits */
bool l6_valid_code(const char *s);        /* unit type / programme: [A-Z0-9.]{1,32}, starts alnum */
bool l6_valid_project_id(const char *s);  /* [A-Za-z0-9._]{1,32}, starts alnum */
bool l6_valid_date(const char *s);        /* "YYYY-MM-DD", a real calendar date */
/* The one check of free text (names, titles, beneficiaries, purposes,
 * comments): well-formed UTF-8 of 1..max bytes with no control character
 * (C0, DEL, C1) and no invisible one (the format characters, Unicode
 * category Cf, such as U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH
 * SPACE, U+FEFF, the tags U+E0001 and U+E0020-U+E007F; and U+2028, U+2029). */
bool l6_valid_text(const char *s, size_t max);
/* The same for s[0..len) of any length, empty included; a NUL inside fails. */
bool l6_valid_chars(const char *s, size_t len);

/* Overflow-checked addition of non-negative quantities; false on overflow
 * past L6_MAX_QUANTITY * 1000 (the largest total any report may show). */
bool l6_qty_add(l6_qty a, l6_qty b, l6_qty *out);

#endif
