/*
 * test_core.c -- unit tests of the pure core: the error table (errors.c),
 * the model's names and validators (core/model.c), serial block planning
 * (core/ledger.c) and serial strings (core/serial.c).
 *
 * Randomised tests draw from tl_rng (tests/testlib.h); the seed is printed
 * at start, and L6_SEED=<seed> replays a failing run exactly. They compare
 * the core with small reference models written here independently: a
 * per-serial owner array for the ledger, a field-by-field checker of the
 * canonical serial form for the parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ledger.h"
#include "core/model.h"
#include "core/serial.h"
#include "errors.h"
#include "limits.h"
#include "testlib.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ====================================================================== */
/* errors.c                                                                */
/* ====================================================================== */

static void test_err_table_complete(void **state) {
  (void)state;
  for (int e = 0; e < L6_E__COUNT; e++) {
    const char *code = l6_err_code((l6_err)e);
    const char *msg = l6_err_message((l6_err)e);
    int status = l6_err_status((l6_err)e);
    assert_non_null(code);
    assert_non_null(msg);
    assert_true(code[0] != '\0');
    assert_true(msg[0] != '\0');
    assert_in_range(status, 200, 599);
    /* Codes are API identifiers: lower-case letters and underscores. */
    for (const char *p = code; *p; p++) assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
    /* Only OK is a success; every error is a 4xx or 5xx. */
    if (e == L6_E_OK)
      assert_int_equal(status, 200);
    else
      assert_in_range(status, 400, 599);
  }
}

static void test_err_codes_unique(void **state) {
  (void)state;
  for (int a = 0; a < L6_E__COUNT; a++)
    for (int b = a + 1; b < L6_E__COUNT; b++)
      if (strcmp(l6_err_code((l6_err)a), l6_err_code((l6_err)b)) == 0)
        fail_msg("errors %d and %d share the code %s", a, b, l6_err_code((l6_err)a));
}

/* Codes are part of the public API; these must never change. */
static void test_err_stable_codes(void **state) {
  (void)state;
  assert_string_equal(l6_err_code(L6_E_OK), "ok");
  assert_string_equal(l6_err_code(L6_E_INSUFFICIENT_HOLDINGS), "insufficient_holdings");
  assert_int_equal(l6_err_status(L6_E_INSUFFICIENT_HOLDINGS), 409);
  assert_string_equal(l6_err_code(L6_E_INVALID_SERIAL), "invalid_serial");
  assert_int_equal(l6_err_status(L6_E_INVALID_SERIAL), 422);
  assert_string_equal(l6_err_code(L6_E_BODY_TOO_LARGE), "body_too_large");
  assert_int_equal(l6_err_status(L6_E_BODY_TOO_LARGE), 413);
  assert_string_equal(l6_err_code(L6_E_UNAUTHORIZED), "unauthorized");
  assert_int_equal(l6_err_status(L6_E_UNAUTHORIZED), 401);
  assert_string_equal(l6_err_code(L6_E_STORE), "store_error");
  assert_int_equal(l6_err_status(L6_E_BUSY), 503);
}

static void test_err_out_of_range(void **state) {
  (void)state;
  assert_string_equal(l6_err_code(L6_E__COUNT), "internal");
  assert_int_equal(l6_err_status(L6_E__COUNT), 500);
  assert_string_equal(l6_err_message(L6_E__COUNT), "internal error");
  assert_string_equal(l6_err_code((l6_err)-1), "internal");
  assert_int_equal(l6_err_status((l6_err)-1), 500);
}

static void test_l6_fail_formats(void **state) {
  (void)state;
  l6_error e;
  memset(&e, 0x55, sizeof e);
  assert_int_equal(l6_fail(&e, L6_E_INVALID_RANGE, "range %d: [%lld, %lld]", 3, 7LL, 2LL),
                   L6_E_INVALID_RANGE);
  assert_int_equal(e.code, L6_E_INVALID_RANGE);
  assert_string_equal(e.message, "range 3: [7, 2]");

  /* NULL fmt: the default message of the code. */
  assert_int_equal(l6_fail(&e, L6_E_ACCOUNT_CLOSED, NULL), L6_E_ACCOUNT_CLOSED);
  assert_int_equal(e.code, L6_E_ACCOUNT_CLOSED);
  assert_string_equal(e.message, l6_err_message(L6_E_ACCOUNT_CLOSED));

  /* NULL error: only the code comes back. */
  assert_int_equal(l6_fail(NULL, L6_E_BUSY, "ignored %s", "x"), L6_E_BUSY);

  /* A long message is cut to the buffer, always NUL-terminated. */
  char big[1000];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  l6_fail(&e, L6_E_INTERNAL, "%s", big);
  assert_int_equal(strlen(e.message), sizeof e.message - 1);
  /* A '%' in an argument is not interpreted. */
  l6_fail(&e, L6_E_BAD_PARAM, "bad value %s", "%s%n");
  assert_string_equal(e.message, "bad value %s%n");
}

/* ====================================================================== */
/* model.c                                                                 */
/* ====================================================================== */

static void test_account_type_names(void **state) {
  (void)state;
  static const char *const names[] = {"pending",      "holding",           "trading",
                                      "retirement",   "cancellation",      "buffer",
                                      "adaptation-fund", "omge-cancellation", "surrender",
                                      "link-escrow",  "link-external"};
  assert_int_equal(COUNT(names), L6_ACCT__COUNT - 1);
  for (int t = 1; t < L6_ACCT__COUNT; t++) {
    assert_string_equal(l6_account_type_str((l6_account_type)t), names[t - 1]);
    assert_int_equal(l6_account_type_from_str(names[t - 1]), t);
  }
  assert_string_equal(l6_account_type_str(L6_ACCT__NONE), "");
  assert_string_equal(l6_account_type_str(L6_ACCT__COUNT), "");
  const char *bad[] = {"", "Holding", "holding ", " holding", "hold", "holdings", "adaptation_fund"};
  for (size_t i = 0; i < COUNT(bad); i++) assert_int_equal(l6_account_type_from_str(bad[i]), L6_ACCT__NONE);
  assert_int_equal(l6_account_type_from_str(NULL), L6_ACCT__NONE);
}

static void test_status_kind_role_names(void **state) {
  (void)state;
  static const struct {
    int v;
    const char *s;
  } statuses[] = {{L6_STATUS_OPEN, "open"}, {L6_STATUS_BLOCKED, "blocked"}, {L6_STATUS_CLOSED, "closed"}},
    kinds[] = {{L6_TX_ISSUANCE, "issuance"},
               {L6_TX_TRANSFER, "transfer"},
               {L6_TX_RETIREMENT, "retirement"},
               {L6_TX_CANCELLATION, "cancellation"}},
    roles[] = {{L6_ROLE_ADMIN, "admin"}, {L6_ROLE_HOLDER, "holder"}, {L6_ROLE_AUDITOR, "auditor"}};
  for (size_t i = 0; i < COUNT(statuses); i++) {
    assert_string_equal(l6_account_status_str((l6_account_status)statuses[i].v), statuses[i].s);
    assert_int_equal(l6_account_status_from_str(statuses[i].s), statuses[i].v);
  }
  for (size_t i = 0; i < COUNT(kinds); i++) {
    assert_string_equal(l6_tx_kind_str((l6_tx_kind)kinds[i].v), kinds[i].s);
    assert_int_equal(l6_tx_kind_from_str(kinds[i].s), kinds[i].v);
  }
  for (size_t i = 0; i < COUNT(roles); i++) {
    assert_string_equal(l6_role_str((l6_role)roles[i].v), roles[i].s);
    assert_int_equal(l6_role_from_str(roles[i].s), roles[i].v);
  }
  /* Unknown or empty names map to __NONE; out-of-range values to "". */
  assert_int_equal(l6_account_status_from_str("Open"), L6_STATUS__NONE);
  assert_int_equal(l6_account_status_from_str(""), L6_STATUS__NONE);
  assert_int_equal(l6_account_status_from_str(NULL), L6_STATUS__NONE);
  assert_int_equal(l6_tx_kind_from_str("retire"), L6_TX__NONE);
  assert_int_equal(l6_tx_kind_from_str(""), L6_TX__NONE);
  assert_int_equal(l6_tx_kind_from_str(NULL), L6_TX__NONE);
  assert_int_equal(l6_role_from_str("root"), L6_ROLE__NONE);
  assert_int_equal(l6_role_from_str(NULL), L6_ROLE__NONE);
  /* The anonymous role prints as "public" and "public" names no role. */
  assert_string_equal(l6_role_str(L6_ROLE__NONE), "public");
  assert_int_equal(l6_role_from_str("public"), L6_ROLE__NONE);
  assert_string_equal(l6_account_status_str((l6_account_status)99), "");
  assert_string_equal(l6_tx_kind_str((l6_tx_kind)99), "");
  assert_string_equal(l6_role_str((l6_role)99), "");
}

static void test_account_type_terminal_and_transfer(void **state) {
  (void)state;
  static const struct {
    l6_account_type t;
    bool terminal;
    bool transfer;
  } cases[] = {
      {L6_ACCT_PENDING, false, false},      {L6_ACCT_HOLDING, false, true},
      {L6_ACCT_TRADING, false, true},       {L6_ACCT_RETIREMENT, true, false},
      {L6_ACCT_CANCELLATION, true, false},  {L6_ACCT_BUFFER, false, true},
      {L6_ACCT_ADAPTATION_FUND, false, true}, {L6_ACCT_OMGE_CANCELLATION, true, false},
      {L6_ACCT_SURRENDER, true, false},
      /* links (issue 19): they send units back, but no plain transfer lands in them */
      {L6_ACCT_LINK_ESCROW, false, false},  {L6_ACCT_LINK_EXTERNAL, false, false},
  };
  assert_int_equal(COUNT(cases), L6_ACCT__COUNT - 1);
  for (size_t i = 0; i < COUNT(cases); i++) {
    if (l6_account_type_terminal(cases[i].t) != cases[i].terminal)
      fail_msg("terminal(%s) should be %d", l6_account_type_str(cases[i].t), cases[i].terminal);
    if (l6_account_type_accepts_transfer(cases[i].t) != cases[i].transfer)
      fail_msg("accepts_transfer(%s) should be %d", l6_account_type_str(cases[i].t), cases[i].transfer);
  }
  assert_false(l6_account_type_terminal(L6_ACCT__NONE));
  assert_false(l6_account_type_terminal(L6_ACCT__COUNT));
  assert_false(l6_account_type_accepts_transfer(L6_ACCT__NONE));
  assert_false(l6_account_type_accepts_transfer(L6_ACCT__COUNT));
}

typedef struct {
  const char *s;
  bool ok;
} str_case;

static void check_cases(const char *what, bool (*fn)(const char *), const str_case *c, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fn(c[i].s) != c[i].ok) fail_msg("%s(\"%s\") should be %s", what, c[i].s, c[i].ok ? "true" : "false");
}

static void test_valid_alpha3_and_registry(void **state) {
  (void)state;
  static const str_case alpha3[] = {
      {"CHE", true}, {"ZZZ", true}, {"AAA", true}, {"che", false}, {"CHe", false}, {"CH", false},
      {"CHEE", false}, {"", false}, {"CH1", false}, {"C E", false}, {"@HE", false}, {"[HE", false},
  };
  static const str_case reg[] = {
      {"CHE01", true}, {"ZZZ99", true}, {"CHE00", true}, {"CHE1", false}, {"CHE012", false},
      {"che01", false}, {"CH01", false}, {"CHE0A", false}, {"CHEA1", false}, {"", false},
      {"CHE01 ", false}, {"CHE-01", false}, {"CHE/1", false}, {"CHE:1", false},
  };
  check_cases("l6_valid_alpha3", l6_valid_alpha3, alpha3, COUNT(alpha3));
  check_cases("l6_valid_registry_id", l6_valid_registry_id, reg, COUNT(reg));
  assert_false(l6_valid_alpha3(NULL));
  assert_false(l6_valid_registry_id(NULL));
}

static void test_valid_code_and_project(void **state) {
  (void)state;
  static const str_case code[] = {
      {"VCU", true},  {"A", true},      {"9", true},     {"VCS.2250", true}, {"ITMO.2", true},
      {"A..", true},  {".VCU", false},  {"vcu", false},  {"VCu", false},     {"V-U", false},
      {"V_U", false}, {"V U", false},   {"", false},     {"VCU\n", false},
      {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true},   /* 32 */
      {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false}, /* 33 */
  };
  static const str_case project[] = {
      {"VCS.2250", true}, {"p_1.x", true},  {"a", true},     {"0", true},     {"Proj_9", true},
      {"_p", false},      {".p", false},    {"p-1", false},  {"p 1", false},  {"", false},
      {"p/1", false},     {"p\xc3\xa9", false},
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", true},   /* 32 */
      {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false}, /* 33 */
  };
  check_cases("l6_valid_code", l6_valid_code, code, COUNT(code));
  check_cases("l6_valid_project_id", l6_valid_project_id, project, COUNT(project));
  assert_false(l6_valid_code(NULL));
  assert_false(l6_valid_project_id(NULL));
}

static void test_valid_date(void **state) {
  (void)state;
  static const str_case dates[] = {
      {"2024-01-01", true},  {"2023-12-31", true},  {"2024-02-29", true},  /* leap */
      {"2000-02-29", true},                                                /* 400-year leap */
      {"2023-02-29", false},                                               /* not leap */
      {"1900-02-29", false}, {"2100-02-29", false},                        /* century, not leap */
      {"2023-02-28", true},  {"2023-04-30", true},  {"2023-04-31", false}, {"2023-06-31", false},
      {"2023-09-31", false}, {"2023-11-31", false}, {"2023-01-31", true},  {"2023-03-32", false},
      {"2023-13-01", false}, {"2023-00-10", false}, {"2023-01-00", false}, {"9999-12-31", true},
      {"2023-1-01", false},  {"2023-01-1", false},  {"23-01-01", false},   {"2023/01/01", false},
      {"20230101", false},   {" 2023-01-01", false}, {"2023-01-01 ", false}, {"2023-01-0a", false},
      {"+023-01-01", false}, {"2023-01-01T00:00", false}, {"", false},     {"2023-0--01", false},
  };
  check_cases("l6_valid_date", l6_valid_date, dates, COUNT(dates));
  assert_false(l6_valid_date(NULL));
  /* Every day of a leap and a common year, and one past each month end. */
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int y = 2023; y <= 2024; y++)
    for (int m = 1; m <= 12; m++) {
      int last = mdays[m - 1] + (m == 2 && y == 2024);
      char buf[32];
      for (int d = 1; d <= last + 1; d++) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
        if (l6_valid_date(buf) != (d <= last)) fail_msg("l6_valid_date(\"%s\") wrong", buf);
      }
    }
}

static void test_valid_text(void **state) {
  (void)state;
  assert_true(l6_valid_text("hello", 10));
  assert_true(l6_valid_text("Z\xc3\xbcrich", 10)); /* UTF-8 */
  assert_true(l6_valid_text(" leading and trailing ", 100));
  assert_false(l6_valid_text("", 10));
  assert_false(l6_valid_text(NULL, 10));
  assert_false(l6_valid_text("a\tb", 10));
  assert_false(l6_valid_text("a\nb", 10));
  assert_false(l6_valid_text("a\rb", 10));
  assert_false(l6_valid_text("\x1f", 10));
  assert_false(l6_valid_text("\x01", 10));
  assert_false(l6_valid_text("ab\x7f", 10));
  assert_false(l6_valid_text("\x1b[31mred", 20)); /* terminal escape */
  /* Length limit in bytes: exactly max passes, max + 1 fails. */
  char buf[L6_TEXT_MAX + 2];
  memset(buf, 'a', L6_TEXT_MAX);
  buf[L6_TEXT_MAX] = '\0';
  assert_true(l6_valid_text(buf, L6_TEXT_MAX));
  buf[L6_TEXT_MAX] = 'a';
  buf[L6_TEXT_MAX + 1] = '\0';
  assert_false(l6_valid_text(buf, L6_TEXT_MAX));
  assert_true(l6_valid_text("abc", 3));
  assert_false(l6_valid_text("abcd", 3));
  assert_false(l6_valid_text("a", 0));
  /* Multi-byte characters count as their bytes. */
  assert_false(l6_valid_text("\xc3\xbc\xc3\xbc", 3));
}

/* Encodes code point cp as UTF-8 between "a" and "b" in buf. */
static const char *with_cp(char buf[8], unsigned cp) {
  char *p = buf;
  *p++ = 'a';
  if (cp < 0x80) *p++ = (char)cp;
  else if (cp < 0x800) *p++ = (char)(0xc0 | cp >> 6), *p++ = (char)(0x80 | (cp & 0x3f));
  else if (cp < 0x10000)
    *p++ = (char)(0xe0 | cp >> 12), *p++ = (char)(0x80 | ((cp >> 6) & 0x3f)), *p++ = (char)(0x80 | (cp & 0x3f));
  else
    *p++ = (char)(0xf0 | cp >> 18), *p++ = (char)(0x80 | ((cp >> 12) & 0x3f)), *p++ = (char)(0x80 | ((cp >> 6) & 0x3f)),
    *p++ = (char)(0x80 | (cp & 0x3f));
  *p++ = 'b';
  *p = '\0';
  return buf;
}

/* Issue 14: a beneficiary with U+202E RIGHT-TO-LEFT OVERRIDE reordered the
 * printed certificate. Every format character (Unicode category Cf) and the
 * line and paragraph separators are refused, each range at both ends; the
 * characters just outside stay accepted. */
static void test_valid_text_invisible(void **state) {
  (void)state;
  static const unsigned refused[][2] = {
      {0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD}, {0x070F, 0x070F},
      {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x180E, 0x180E}, {0x200B, 0x200F}, {0x2028, 0x202E},
      {0x2060, 0x2064}, {0x2066, 0x206F}, {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB}, {0x110BD, 0x110BD},
      {0x110CD, 0x110CD}, {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
      {0xE0020, 0xE007F}};
  char buf[8];
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    for (unsigned cp = refused[i][0]; cp <= refused[i][1]; cp++)
      if (l6_valid_text(with_cp(buf, cp), 10)) fail_msg("U+%04X accepted", cp);
    unsigned below = refused[i][0] - 1, above = refused[i][1] + 1;
    bool below_refused = i > 0 && refused[i - 1][1] == below;
    if (!below_refused && below >= 0xa0 && !l6_valid_text(with_cp(buf, below), 10)) fail_msg("U+%04X refused", below);
    if (!l6_valid_text(with_cp(buf, above), 10) && !(i + 1 < sizeof refused / sizeof refused[0] && refused[i + 1][0] == above))
      fail_msg("U+%04X refused", above);
  }
  /* The case, as bytes. */
  assert_false(l6_valid_text("Acme \xe2\x80\xaetxt.exe", 40));
  assert_false(l6_valid_chars("ab\xef\xbb\xbf", 5));           /* a byte order mark at the end */
  assert_false(l6_valid_chars("a\0b", 3));                       /* NUL inside */
  assert_false(l6_valid_chars("\xe2\x80", 2));                   /* cut short */
  assert_true(l6_valid_chars("", 0));
  assert_true(l6_valid_text("\xe4\xb8\xad\xe5\x9b\xbd \xd8\xa7\xd9\x84", 20)); /* Chinese, Arabic letters */
  assert_true(l6_valid_text("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8c\xb3", 20)); /* accents, dash, emoji */
}

static void test_qty_add(void **state) {
  (void)state;
  const l6_qty cap = L6_MAX_QUANTITY * 1000;
  l6_qty out = -1;
  assert_true(l6_qty_add(1, 2, &out));
  assert_int_equal(out, 3);
  assert_true(l6_qty_add(0, 0, &out));
  assert_int_equal(out, 0);
  assert_true(l6_qty_add(cap - 1, 1, &out));
  assert_int_equal(out, cap);
  assert_true(l6_qty_add(0, cap, &out));
  assert_int_equal(out, cap);
  out = 77;
  assert_false(l6_qty_add(cap, 1, &out));
  assert_false(l6_qty_add(1, cap, &out));
  assert_false(l6_qty_add(INT64_MAX, INT64_MAX, &out)); /* no signed overflow (UBSan) */
  assert_false(l6_qty_add(INT64_MAX, 1, &out));
  assert_false(l6_qty_add(1, INT64_MAX, &out));
  assert_false(l6_qty_add(-1, 5, &out));
  assert_false(l6_qty_add(5, -1, &out));
  assert_false(l6_qty_add(INT64_MIN, INT64_MIN, &out));
  assert_int_equal(out, 77); /* untouched on failure */
}

/* ====================================================================== */
/* ledger.c                                                                */
/* ====================================================================== */

static l6_block blk(l6_id batch, int vintage, int64_t first, int64_t last) {
  return (l6_block){.id = 0, .batch = batch, .account = 1, .first = first, .last = last, .vintage = vintage};
}

static void assert_take(const l6_take *t, size_t block, l6_id batch, int64_t first, int64_t last) {
  if (t->block != block || t->batch != batch || t->first != first || t->last != last)
    fail_msg("take {block %zu, batch %lld, [%lld,%lld]} expected {block %zu, batch %lld, [%lld,%lld]}",
             t->block, (long long)t->batch, (long long)t->first, (long long)t->last, block,
             (long long)batch, (long long)first, (long long)last);
}

static void test_sort_for_pick(void **state) {
  (void)state;
  l6_block b[] = {blk(5, 2021, 10, 19), blk(7, 2020, 200, 209), blk(3, 2020, 50, 54),
                  blk(7, 2020, 100, 109), blk(1, 2022, 1, 1)};
  ledger_sort_for_pick(b, COUNT(b));
  const l6_id batch[] = {3, 7, 7, 5, 1};
  const int64_t first[] = {50, 100, 200, 10, 1};
  for (size_t i = 0; i < COUNT(b); i++) {
    assert_int_equal(b[i].batch, batch[i]);
    assert_int_equal(b[i].first, first[i]);
  }
  ledger_sort_for_pick(b, 0); /* no-op, must not crash */
}

static void test_pick_exact_and_partial(void **state) {
  (void)state;
  l6_block held[] = {blk(1, 2020, 1, 100)};
  l6_take out[4];
  size_t n = 99;
  l6_error err;
  assert_int_equal(ledger_pick(held, 1, 100, out, 4, &n, &err), L6_E_OK);
  assert_int_equal(n, 1);
  assert_take(&out[0], 0, 1, 1, 100);
  /* Partial: the lowest serials go. */
  assert_int_equal(ledger_pick(held, 1, 30, out, 4, &n, &err), L6_E_OK);
  assert_int_equal(n, 1);
  assert_take(&out[0], 0, 1, 1, 30);
  assert_int_equal(ledger_pick(held, 1, 1, out, 4, &n, &err), L6_E_OK);
  assert_take(&out[0], 0, 1, 1, 1);
}

static void test_pick_across_blocks(void **state) {
  (void)state;
  l6_block held[] = {blk(5, 2021, 10, 19), blk(7, 2020, 100, 109), blk(3, 2020, 50, 54)};
  ledger_sort_for_pick(held, COUNT(held)); /* b3 [50,54], b7 [100,109], b5 [10,19] */
  l6_take out[8];
  size_t n;
  l6_error err;
  assert_int_equal(ledger_pick(held, 3, 12, out, 8, &n, &err), L6_E_OK);
  assert_int_equal(n, 2);
  assert_take(&out[0], 0, 3, 50, 54);
  assert_take(&out[1], 1, 7, 100, 106);
  /* Exactly the first two blocks: no third take. */
  assert_int_equal(ledger_pick(held, 3, 15, out, 8, &n, &err), L6_E_OK);
  assert_int_equal(n, 2);
  assert_take(&out[1], 1, 7, 100, 109);
  /* Everything. */
  assert_int_equal(ledger_pick(held, 3, 25, out, 8, &n, &err), L6_E_OK);
  assert_int_equal(n, 3);
  assert_take(&out[0], 0, 3, 50, 54);
  assert_take(&out[1], 1, 7, 100, 109);
  assert_take(&out[2], 2, 5, 10, 19);
}

static void test_pick_errors(void **state) {
  (void)state;
  l6_block held[] = {blk(1, 2020, 1, 5), blk(2, 2020, 1, 10)};
  l6_take out[8];
  size_t n;
  l6_error err;

  n = 42;
  assert_int_equal(ledger_pick(held, 2, 16, out, 8, &n, &err), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(err.code, L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(n, 0);
  assert_non_null(strstr(err.message, "15"));
  assert_int_equal(ledger_pick(held, 0, 1, out, 8, &n, &err), L6_E_INSUFFICIENT_HOLDINGS);
  assert_int_equal(ledger_pick(NULL, 0, 1, out, 8, &n, &err), L6_E_INSUFFICIENT_HOLDINGS);

  n = 42;
  assert_int_equal(ledger_pick(held, 2, 0, out, 8, &n, &err), L6_E_INVALID_QUANTITY);
  assert_int_equal(err.code, L6_E_INVALID_QUANTITY);
  assert_int_equal(n, 0);
  assert_int_equal(ledger_pick(held, 2, -5, out, 8, &n, &err), L6_E_INVALID_QUANTITY);
  assert_int_equal(ledger_pick(held, 2, INT64_MIN, out, 8, &n, &err), L6_E_INVALID_QUANTITY);

  assert_int_equal(ledger_pick(held, 2, L6_MAX_QUANTITY + 1, out, 8, &n, &err), L6_E_QUANTITY_OVERFLOW);
  assert_int_equal(err.code, L6_E_QUANTITY_OVERFLOW);
  assert_int_equal(ledger_pick(held, 2, INT64_MAX, out, 8, &n, &err), L6_E_QUANTITY_OVERFLOW);

  /* The limit itself is allowed. */
  l6_block huge[] = {blk(9, 2020, 1, L6_MAX_QUANTITY)};
  assert_int_equal(ledger_pick(huge, 1, L6_MAX_QUANTITY, out, 8, &n, &err), L6_E_OK);
  assert_int_equal(n, 1);
  assert_take(&out[0], 0, 9, 1, L6_MAX_QUANTITY);

  /* A NULL error pointer is allowed. */
  assert_int_equal(ledger_pick(held, 2, 0, out, 8, &n, NULL), L6_E_INVALID_QUANTITY);
}

static void test_pick_max_takes(void **state) {
  (void)state;
  l6_block held[] = {blk(1, 2020, 1, 10), blk(1, 2020, 21, 30), blk(1, 2020, 41, 50)};
  l6_take out[4];
  size_t n;
  l6_error err;
  /* Sentinel past max: ledger_pick must never write beyond max takes. */
  memset(out, 0x7b, sizeof out);
  assert_int_equal(ledger_pick(held, 3, 25, out, 2, &n, &err), L6_E_TOO_MANY_RANGES);
  assert_int_equal(err.code, L6_E_TOO_MANY_RANGES);
  assert_int_equal(n, 0);
  assert_int_equal(out[2].first, 0x7b7b7b7b7b7b7b7bLL);
  /* Exactly max takes needed: fine. */
  assert_int_equal(ledger_pick(held, 3, 20, out, 2, &n, &err), L6_E_OK);
  assert_int_equal(n, 2);
  assert_int_equal(ledger_pick(held, 3, 25, out, 3, &n, &err), L6_E_OK);
  assert_int_equal(n, 3);
  assert_take(&out[2], 2, 1, 41, 45);
  assert_int_equal(ledger_pick(held, 3, 1, out, 0, &n, &err), L6_E_TOO_MANY_RANGES);
}

static void test_match_ranges(void **state) {
  (void)state;
  /* Held in no particular order. */
  l6_block held[] = {blk(2, 2021, 11, 20), blk(1, 2020, 1, 100), blk(2, 2021, 1, 10)};
  l6_take out[8];
  l6_error err;

  l6_range r1[] = {{1, 5, 9}};
  assert_int_equal(ledger_match_ranges(held, 3, r1, 1, out, 8, &err), L6_E_OK);
  assert_take(&out[0], 1, 1, 5, 9);

  /* Whole blocks, several ranges, same serials in different batches. */
  l6_range r2[] = {{2, 11, 20}, {1, 1, 100}, {2, 3, 3}, {2, 4, 10}};
  assert_int_equal(ledger_match_ranges(held, 3, r2, 4, out, 8, &err), L6_E_OK);
  assert_take(&out[0], 0, 2, 11, 20);
  assert_take(&out[1], 1, 1, 1, 100);
  assert_take(&out[2], 2, 2, 3, 3);
  assert_take(&out[3], 2, 2, 4, 10);

  /* Spanning two blocks, even both held, is not inside one block. */
  l6_range span[] = {{2, 5, 15}};
  assert_int_equal(ledger_match_ranges(held, 3, span, 1, out, 8, &err), L6_E_SERIALS_NOT_HELD);
  assert_int_equal(err.code, L6_E_SERIALS_NOT_HELD);
  l6_range wrong_batch[] = {{3, 1, 1}};
  assert_int_equal(ledger_match_ranges(held, 3, wrong_batch, 1, out, 8, &err), L6_E_SERIALS_NOT_HELD);
  l6_range past_end[] = {{1, 100, 101}};
  assert_int_equal(ledger_match_ranges(held, 3, past_end, 1, out, 8, &err), L6_E_SERIALS_NOT_HELD);
  l6_range beyond[] = {{2, 21, 21}};
  assert_int_equal(ledger_match_ranges(held, 3, beyond, 1, out, 8, &err), L6_E_SERIALS_NOT_HELD);
  assert_int_equal(ledger_match_ranges(held, 0, r1, 1, out, 8, &err), L6_E_SERIALS_NOT_HELD);
}

static void test_match_ranges_invalid(void **state) {
  (void)state;
  l6_block held[] = {blk(1, 2020, 1, 100)};
  l6_take out[8];
  l6_error err;
  static const l6_range bad[][2] = {
      {{1, 10, 20}, {1, 20, 30}}, /* overlap by one serial */
      {{1, 10, 20}, {1, 5, 50}},  /* one inside the other */
      {{1, 10, 20}, {1, 10, 20}}, /* the same range twice */
      {{1, 30, 40}, {1, 35, 36}}, /* the later one inside */
  };
  for (size_t i = 0; i < COUNT(bad); i++) {
    if (ledger_match_ranges(held, 1, bad[i], 2, out, 8, &err) != L6_E_INVALID_RANGE)
      fail_msg("overlapping pair %zu not rejected", i);
    assert_int_equal(err.code, L6_E_INVALID_RANGE);
  }
  l6_range adjacent[] = {{1, 10, 20}, {1, 21, 30}};
  assert_int_equal(ledger_match_ranges(held, 1, adjacent, 2, out, 8, &err), L6_E_OK);

  static const l6_range malformed[] = {
      {1, 20, 10},                     /* first > last */
      {1, 0, 5},                       /* first < 1 */
      {1, -3, 5},                      /* negative */
      {1, 0, 0},
      {1, 1, L6_MAX_SERIAL + 1},       /* past the largest serial */
      {1, INT64_MIN, INT64_MAX},
  };
  for (size_t i = 0; i < COUNT(malformed); i++)
    if (ledger_match_ranges(held, 1, &malformed[i], 1, out, 8, &err) != L6_E_INVALID_RANGE)
      fail_msg("malformed range %zu not rejected", i);

  /* m > max, and m == 0. */
  l6_range three[] = {{1, 1, 1}, {1, 2, 2}, {1, 3, 3}};
  assert_int_equal(ledger_match_ranges(held, 1, three, 3, out, 2, &err), L6_E_TOO_MANY_RANGES);
  assert_int_equal(err.code, L6_E_TOO_MANY_RANGES);
  assert_int_equal(ledger_match_ranges(held, 1, three, 3, out, 3, &err), L6_E_OK);
  assert_int_equal(ledger_match_ranges(held, 1, three, 0, out, 3, &err), L6_E_INVALID_RANGE);
}

static void test_split(void **state) {
  (void)state;
  l6_block b = blk(4, 2020, 10, 20);
  l6_range rem[2];
  assert_int_equal(ledger_split(&b, 10, 20, rem), 0);
  assert_int_equal(ledger_split(&b, 10, 14, rem), 1);
  assert_int_equal(rem[0].batch, 4);
  assert_int_equal(rem[0].first, 15);
  assert_int_equal(rem[0].last, 20);
  assert_int_equal(ledger_split(&b, 16, 20, rem), 1);
  assert_int_equal(rem[0].first, 10);
  assert_int_equal(rem[0].last, 15);
  assert_int_equal(ledger_split(&b, 12, 18, rem), 2);
  assert_int_equal(rem[0].batch, 4);
  assert_int_equal(rem[0].first, 10);
  assert_int_equal(rem[0].last, 11);
  assert_int_equal(rem[1].batch, 4);
  assert_int_equal(rem[1].first, 19);
  assert_int_equal(rem[1].last, 20);
  l6_block one = blk(4, 2020, 7, 7);
  assert_int_equal(ledger_split(&one, 7, 7, rem), 0);
}

static void test_partition_ok(void **state) {
  (void)state;
  const l6_range exact[] = {{1, 1, 10}, {1, 11, 11}, {1, 12, 100}};
  assert_true(ledger_partition_ok(exact, 3, 1, 100));
  assert_true(ledger_partition_ok(exact, 1, 1, 10));
  const l6_range gap[] = {{1, 1, 10}, {1, 12, 100}};
  assert_false(ledger_partition_ok(gap, 2, 1, 100));
  const l6_range overlap[] = {{1, 1, 10}, {1, 10, 100}};
  assert_false(ledger_partition_ok(overlap, 2, 1, 100));
  const l6_range unsorted[] = {{1, 11, 100}, {1, 1, 10}};
  assert_false(ledger_partition_ok(unsorted, 2, 1, 100));
  const l6_range inverted[] = {{1, 1, 10}, {1, 11, 10}, {1, 11, 100}};
  assert_false(ledger_partition_ok(inverted, 3, 1, 100));
  /* Outside: starts before, ends after, short. */
  assert_false(ledger_partition_ok(exact, 3, 2, 99));
  assert_false(ledger_partition_ok(exact, 3, 1, 99));
  assert_false(ledger_partition_ok(exact, 3, 1, 101));
  assert_false(ledger_partition_ok(exact, 2, 1, 100));
  const l6_range before[] = {{1, 0, 10}, {1, 11, 100}};
  assert_false(ledger_partition_ok(before, 2, 1, 100));
  /* Empty partition and empty range. */
  assert_false(ledger_partition_ok(exact, 0, 1, 100));
  assert_false(ledger_partition_ok(exact, 0, 1, 0));
  assert_false(ledger_partition_ok(exact, 3, 1, 0));
  assert_false(ledger_partition_ok(exact, 3, 1, -5));
  /* Far from 1: serials near the top of the range. */
  const l6_range top[] = {{1, L6_MAX_SERIAL - 9, L6_MAX_SERIAL - 5}, {1, L6_MAX_SERIAL - 4, L6_MAX_SERIAL}};
  assert_true(ledger_partition_ok(top, 2, L6_MAX_SERIAL - 9, 10));
}

/* ---- randomised ledger test against a per-serial reference model ------- */

enum { RL_BATCHES = 4, RL_SERIALS = 240, RL_MAX_BLOCKS = 2 * RL_BATCHES * RL_SERIALS, RL_ME = 1 };

/* The world: for each batch, owner[batch][i] holds serial start[batch]+i. */
typedef struct {
  int64_t start[RL_BATCHES];
  int64_t qty[RL_BATCHES];
  int vintage[RL_BATCHES];
  int owner[RL_BATCHES][RL_SERIALS];
} rl_world;

/* Blocks of the world: maximal runs of one owner, cut additionally where
 * the world was split before (cut[b][i] true: a block boundary before i). */
static size_t rl_blocks(const rl_world *w, bool cut[RL_BATCHES][RL_SERIALS], l6_block *out) {
  size_t n = 0;
  for (int b = 0; b < RL_BATCHES; b++)
    for (int64_t i = 0; i < w->qty[b]; i++) {
      if (i == 0 || cut[b][i] || w->owner[b][i] != w->owner[b][i - 1]) {
        out[n] = (l6_block){.id = (l6_id)n + 1, .batch = b + 1, .account = w->owner[b][i],
                            .first = w->start[b] + i, .last = w->start[b] + i, .vintage = w->vintage[b]};
        n++;
      } else {
        out[n - 1].last++;
      }
    }
  return n;
}

/* After applying takes: every batch's blocks (all holders) must still
 * partition its range. */
static void rl_check_partition(const l6_block *blocks, size_t n, const rl_world *w) {
  static l6_range r[RL_MAX_BLOCKS];
  for (int b = 0; b < RL_BATCHES; b++) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (blocks[i].batch == b + 1) r[k++] = (l6_range){blocks[i].batch, blocks[i].first, blocks[i].last};
    /* Sort by first (insertion sort: small n). */
    for (size_t i = 1; i < k; i++)
      for (size_t j = i; j > 0 && r[j - 1].first > r[j].first; j--) {
        l6_range t = r[j];
        r[j] = r[j - 1];
        r[j - 1] = t;
      }
    if (!ledger_partition_ok(r, k, w->start[b], w->qty[b])) fail_msg("batch %d no longer partitioned", b + 1);
    /* A shifted boundary must be caught (the check can fail). */
    if (k >= 2) {
      r[0].last++;
      assert_false(ledger_partition_ok(r, k, w->start[b], w->qty[b]));
      r[0].last--;
    }
  }
}

/*
 * Applies takes to the world's blocks the way the service will: each take
 * splits the block that contains it (found again, since one block may give
 * several takes) into remainders plus the taken piece, now owned by `to`.
 */
static size_t rl_apply(l6_block *blocks, size_t n, const l6_take *takes, size_t k, int to) {
  for (size_t t = 0; t < k; t++) {
    size_t i = 0;
    while (i < n && !(blocks[i].batch == takes[t].batch && blocks[i].first <= takes[t].first &&
                      takes[t].last <= blocks[i].last))
      i++;
    if (i == n) fail_msg("take %zu [%lld,%lld] is in no block", t, (long long)takes[t].first,
                         (long long)takes[t].last);
    l6_block b = blocks[i];
    l6_range rem[2];
    int nr = ledger_split(&b, takes[t].first, takes[t].last, rem);
    assert_in_range(nr, 0, 2);
    blocks[i] = b;
    blocks[i].first = takes[t].first;
    blocks[i].last = takes[t].last;
    blocks[i].account = to;
    for (int j = 0; j < nr; j++) {
      assert_true(n < RL_MAX_BLOCKS);
      assert_int_equal(rem[j].batch, b.batch);
      blocks[n] = b;
      blocks[n].first = rem[j].first;
      blocks[n].last = rem[j].last;
      n++;
    }
  }
  return n;
}

static void rl_make_world(tl_rng *r, rl_world *w, bool cut[RL_BATCHES][RL_SERIALS]) {
  for (int b = 0; b < RL_BATCHES; b++) {
    w->start[b] = tl_rng_range(r, 0, 3) == 0 ? L6_MAX_SERIAL - RL_SERIALS : tl_rng_range(r, 1, 1000000);
    w->qty[b] = tl_rng_range(r, 1, RL_SERIALS);
    w->vintage[b] = (int)tl_rng_range(r, 2018, 2021); /* ties likely: batch breaks them */
    int owners = (int)tl_rng_range(r, 1, 3);
    for (int64_t i = 0; i < w->qty[b]; i++) {
      w->owner[b][i] = (int)tl_rng_range(r, 1, owners);
      cut[b][i] = tl_rng_below(r, 8) == 0;
    }
  }
}

static void test_random_pick(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 0x7069636b); /* "pick" */
  static rl_world w;
  static bool cut[RL_BATCHES][RL_SERIALS];
  static l6_block all[RL_MAX_BLOCKS], mine[RL_MAX_BLOCKS];
  static l6_take takes[RL_MAX_BLOCKS];
  for (int iter = 0; iter < 400; iter++) {
    rl_make_world(&r, &w, cut);
    size_t n = rl_blocks(&w, cut, all);
    rl_check_partition(all, n, &w);
    size_t nm = 0;
    int64_t held = 0;
    for (size_t i = 0; i < n; i++)
      if (all[i].account == RL_ME) {
        mine[nm++] = all[i];
        held += all[i].last - all[i].first + 1;
      }
    ledger_sort_for_pick(mine, nm);
    for (size_t i = 1; i < nm; i++) /* picking order: vintage, batch, first */
      assert_true(mine[i - 1].vintage < mine[i].vintage ||
                  (mine[i - 1].vintage == mine[i].vintage &&
                   (mine[i - 1].batch < mine[i].batch ||
                    (mine[i - 1].batch == mine[i].batch && mine[i - 1].last < mine[i].first))));
    l6_qty qty = tl_rng_range(&r, 1, held + 3);
    size_t max = tl_rng_below(&r, 4) == 0 ? (size_t)tl_rng_range(&r, 0, 4) : RL_MAX_BLOCKS;
    size_t k = 99;
    l6_error err;
    l6_err rc = ledger_pick(mine, nm, qty, takes, max, &k, &err);

    /* Reference: walk my blocks in picking order and count takes. */
    size_t need = 0;
    int64_t left = qty;
    for (size_t i = 0; i < nm && left > 0; i++, need++) left -= mine[i].last - mine[i].first + 1;
    l6_err want = need > max ? L6_E_TOO_MANY_RANGES : left > 0 ? L6_E_INSUFFICIENT_HOLDINGS : L6_E_OK;
    if (rc != want)
      fail_msg("iter %d: pick %lld of %lld held in %zu blocks, max %zu: got %s, want %s", iter,
               (long long)qty, (long long)held, nm, max, l6_err_code(rc), l6_err_code(want));
    if (rc != L6_E_OK) {
      assert_int_equal(k, 0);
      continue;
    }
    assert_int_equal(k, need);
    int64_t sum = 0;
    for (size_t t = 0; t < k; t++) {
      const l6_block *b = &mine[takes[t].block];
      assert_int_equal(takes[t].block, t); /* blocks in order, none skipped */
      assert_int_equal(takes[t].batch, b->batch);
      assert_int_equal(takes[t].first, b->first); /* lowest serials first */
      assert_true(takes[t].last <= b->last);
      if (t + 1 < k) assert_int_equal(takes[t].last, b->last); /* only the last take is partial */
      sum += takes[t].last - takes[t].first + 1;
    }
    assert_int_equal(sum, qty);
    size_t n2 = rl_apply(all, n, takes, k, 9);
    rl_check_partition(all, n2, &w);
    int64_t moved = 0;
    for (size_t i = 0; i < n2; i++)
      if (all[i].account == 9) moved += all[i].last - all[i].first + 1;
    assert_int_equal(moved, qty);
  }
}

static void test_random_match_ranges(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 0x6d61746368); /* "match" */
  static rl_world w;
  static bool cut[RL_BATCHES][RL_SERIALS];
  static l6_block all[RL_MAX_BLOCKS], mine[RL_MAX_BLOCKS];
  static l6_take takes[L6_MAX_RANGES];
  static l6_range req[L6_MAX_RANGES];
  int ok = 0, not_held = 0, overlap = 0;
  for (int iter = 0; iter < 400; iter++) {
    rl_make_world(&r, &w, cut);
    size_t n = rl_blocks(&w, cut, all);
    size_t nm = 0;
    for (size_t i = 0; i < n; i++)
      if (all[i].account == RL_ME) mine[nm++] = all[i];
    /* Ranges mostly inside my blocks (so that many requests succeed),
     * some anywhere in the batches; the reference decides. */
    size_t m = (size_t)tl_rng_range(&r, 1, tl_rng_below(&r, 2) ? 3 : 12);
    bool wild = tl_rng_below(&r, 3) == 0;
    for (size_t i = 0; i < m; i++) {
      int64_t base, span;
      int b;
      if (nm > 0 && (!wild || tl_rng_below(&r, 2))) {
        const l6_block *h = &mine[tl_rng_below(&r, nm)];
        b = (int)h->batch - 1;
        base = h->first;
        span = h->last - h->first + 1;
      } else {
        b = (int)tl_rng_below(&r, RL_BATCHES);
        base = w.start[b];
        span = w.qty[b];
      }
      int64_t lo = tl_rng_range(&r, 0, span - 1);
      int64_t len = tl_rng_below(&r, 3) == 0 ? tl_rng_range(&r, 1, span - lo) : 1 + (int64_t)tl_rng_below(&r, 3);
      if (lo + len > span) len = span - lo;
      req[i] = (l6_range){b + 1, base + lo, base + lo + len - 1};
      if (i > 0 && tl_rng_below(&r, 10) == 0) { /* reuse an earlier range's last serial */
        const l6_range *e = &req[tl_rng_below(&r, i)];
        req[i] = (l6_range){e->batch, e->last, e->last};
      }
    }
    /* Reference, in the order the API promises: the first range that is
     * either overlapping an earlier one or not inside a held block wins. */
    l6_err want = L6_E_OK;
    for (size_t i = 0; i < m && want == L6_E_OK; i++) {
      for (size_t j = 0; j < i; j++)
        if (req[j].batch == req[i].batch && req[j].first <= req[i].last && req[i].first <= req[j].last)
          want = L6_E_INVALID_RANGE;
      if (want != L6_E_OK) break;
      bool inside = false;
      for (size_t k = 0; k < nm; k++)
        inside |= mine[k].batch == req[i].batch && mine[k].first <= req[i].first && req[i].last <= mine[k].last;
      if (!inside) want = L6_E_SERIALS_NOT_HELD;
    }
    l6_error err;
    l6_err rc = ledger_match_ranges(mine, nm, req, m, takes, L6_MAX_RANGES, &err);
    if (rc != want) fail_msg("iter %d: got %s, want %s", iter, l6_err_code(rc), l6_err_code(want));
    overlap += want == L6_E_INVALID_RANGE;
    not_held += want == L6_E_SERIALS_NOT_HELD;
    if (rc != L6_E_OK) continue;
    ok++;
    for (size_t i = 0; i < m; i++) {
      const l6_block *b = &mine[takes[i].block];
      assert_int_equal(takes[i].batch, req[i].batch);
      assert_int_equal(takes[i].first, req[i].first);
      assert_int_equal(takes[i].last, req[i].last);
      assert_true(b->batch == req[i].batch && b->first <= req[i].first && req[i].last <= b->last);
    }
    size_t n2 = rl_apply(all, n, takes, m, 9);
    rl_check_partition(all, n2, &w);
  }
  /* The generator must reach all three outcomes, or the test proves little. */
  if (ok < 40 || not_held < 40 || overlap < 40)
    fail_msg("outcomes too uneven: %d ok, %d not held, %d overlapping", ok, not_held, overlap);
}

/* ====================================================================== */
/* serial.c                                                                */
/* ====================================================================== */

static l6_serial mkserial(const char *ut, const char *host, const char *proj, int vintage, int64_t batch,
                          int64_t first, int64_t last, bool is_block) {
  l6_serial s;
  memset(&s, 0, sizeof s);
  snprintf(s.unit_type, sizeof s.unit_type, "%s", ut);
  snprintf(s.host, sizeof s.host, "%s", host);
  snprintf(s.project, sizeof s.project, "%s", proj);
  s.vintage = vintage;
  s.batch = batch;
  s.first = first;
  s.last = last;
  s.is_block = is_block;
  return s;
}

static void assert_serial_equal(const l6_serial *a, const l6_serial *b) {
  assert_string_equal(a->unit_type, b->unit_type);
  assert_string_equal(a->host, b->host);
  assert_string_equal(a->project, b->project);
  assert_int_equal(a->vintage, b->vintage);
  assert_int_equal(a->batch, b->batch);
  assert_int_equal(a->first, b->first);
  assert_int_equal(a->last, b->last);
  assert_int_equal(a->is_block, b->is_block);
}

static void test_serial_format_known(void **state) {
  (void)state;
  char buf[L6_SERIAL_MAX + 1];
  l6_serial s = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 42, 42, false);
  assert_int_equal(serial_format(&s, buf, sizeof buf), 38);
  assert_string_equal(buf, "VCU-MWI-VCS.2250-2022-000007-000000042");
  s = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 1, 1000, true);
  assert_int_equal(serial_format(&s, buf, sizeof buf), 48);
  assert_string_equal(buf, "VCU-MWI-VCS.2250-2022-000007-000000001-000001000");
  /* A block of one serial keeps the block form. */
  s = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 5, 5, true);
  serial_format(&s, buf, sizeof buf);
  assert_string_equal(buf, "VCU-MWI-VCS.2250-2022-000007-000000005-000000005");
  /* Wider numbers are written in full. */
  s = mkserial("ITMO.2", "CHE", "p_1", 2100, 1234567, 1234567890, L6_MAX_SERIAL, true);
  serial_format(&s, buf, sizeof buf);
  assert_string_equal(buf, "ITMO.2-CHE-p_1-2100-1234567-1234567890-4000000000000000000");
  s = mkserial("A", "ZZZ", "0", 1990, 999999, 999999999, 999999999, false);
  serial_format(&s, buf, sizeof buf);
  assert_string_equal(buf, "A-ZZZ-0-1990-999999-999999999");
}

static void test_serial_format_rejects(void **state) {
  (void)state;
  char buf[L6_SERIAL_MAX + 1];
  const l6_serial bad[] = {
      mkserial("vcu", "MWI", "P", 2022, 1, 1, 1, false),   mkserial("", "MWI", "P", 2022, 1, 1, 1, false),
      mkserial("VCU", "mwi", "P", 2022, 1, 1, 1, false),   mkserial("VCU", "MW", "P", 2022, 1, 1, 1, false),
      mkserial("VCU", "MWI", "P-1", 2022, 1, 1, 1, false), mkserial("VCU", "MWI", "", 2022, 1, 1, 1, false),
      mkserial("VCU", "MWI", "P", 1989, 1, 1, 1, false),   mkserial("VCU", "MWI", "P", 2101, 1, 1, 1, false),
      mkserial("VCU", "MWI", "P", 2022, 0, 1, 1, false),   mkserial("VCU", "MWI", "P", 2022, -1, 1, 1, false),
      mkserial("VCU", "MWI", "P", 2022, 1, 0, 0, false),   mkserial("VCU", "MWI", "P", 2022, 1, 5, 4, true),
      mkserial("VCU", "MWI", "P", 2022, 1, 1, 2, false), /* a unit with two serials */
      mkserial("VCU", "MWI", "P", 2022, 1, 1, L6_MAX_SERIAL + 1, true),
  };
  for (size_t i = 0; i < COUNT(bad); i++)
    if (serial_format(&bad[i], buf, sizeof buf) != -1) fail_msg("bad serial %zu formatted as %s", i, buf);
  /* Buffer exactly one byte short, then just big enough. */
  l6_serial s = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 42, 42, false);
  assert_int_equal(serial_format(&s, buf, 38), -1);
  assert_int_equal(serial_format(&s, buf, 39), 38);
  assert_string_equal(buf, "VCU-MWI-VCS.2250-2022-000007-000000042");
}

static void test_serial_parse_known(void **state) {
  (void)state;
  l6_serial s;
  assert_true(serial_parse("VCU-MWI-VCS.2250-2022-000007-000000042", &s));
  l6_serial want = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 42, 42, false);
  assert_serial_equal(&s, &want);
  assert_true(serial_parse("VCU-MWI-VCS.2250-2022-000007-000000001-000001000", &s));
  want = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 1, 1000, true);
  assert_serial_equal(&s, &want);
  assert_true(serial_parse("VCU-MWI-VCS.2250-2022-000007-000000005-000000005", &s));
  want = mkserial("VCU", "MWI", "VCS.2250", 2022, 7, 5, 5, true);
  assert_serial_equal(&s, &want);
  assert_true(serial_parse("ITMO.2-CHE-p_1-2100-1234567-1234567890-4000000000000000000", &s));
  want = mkserial("ITMO.2", "CHE", "p_1", 2100, 1234567, 1234567890, L6_MAX_SERIAL, true);
  assert_serial_equal(&s, &want);
  /* Longest legal fields. */
  const char *longest = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-CHE-pppppppppppppppppppppppppppppppp-2022-"
                        "1000000000000000000-3999999999999999999-4000000000000000000";
  assert_true(serial_parse(longest, &s));
  assert_int_equal(s.batch, 1000000000000000000LL);
  char buf[L6_SERIAL_MAX + 1];
  assert_int_equal(serial_format(&s, buf, sizeof buf), (int)strlen(longest));
  assert_string_equal(buf, longest);
}

static void test_serial_parse_rejects(void **state) {
  (void)state;
  static const char *const bad[] = {
      "",
      "-",
      "VCU",
      /* leading zeros, wrong width */
      "VCU-MWI-VCS.2250-2022-0000007-000000042", /* batch 7 digits with a leading zero */
      "VCU-MWI-VCS.2250-2022-00007-000000042",   /* batch 5 digits */
      "VCU-MWI-VCS.2250-2022-7-000000042",
      "VCU-MWI-VCS.2250-2022-000007-0000000042", /* serial 10 digits with a leading zero */
      "VCU-MWI-VCS.2250-2022-000007-00000042",   /* serial 8 digits */
      "VCU-MWI-VCS.2250-2022-000007-42",
      "VCU-MWI-VCS.2250-2022-000007-000000001-00000100",
      "VCU-MWI-VCS.2250-02022-000007-000000042", /* vintage 5 digits */
      "VCU-MWI-VCS.2250-022-000007-000000042",
      /* missing fields, extra fields */
      "VCU-MWI-VCS.2250-2022-000007",
      "VCU-MWI-2022-000007-000000042",
      "VCU-MWI-VCS.2250-2022-000007-000000001-000000002-000000003",
      "VCU-MWI-VCS.2250-2022-000007-000000001-000000002-000000003-000000004",
      "VCU-MWI-VCS.2250-2022-000007-000000042-",
      "-VCU-MWI-VCS.2250-2022-000007-000000042",
      "VCU--MWI-VCS.2250-2022-000007-000000042",
      "VCU-MWI--2022-000007-000000042",
      "--2022-000007-000000042-",
      "------",
      /* non-digits */
      "VCU-MWI-VCS.2250-2022-00000a-000000042",
      "VCU-MWI-VCS.2250-2022-+00007-000000042",
      "VCU-MWI-VCS.2250-2022- 00007-000000042",
      "VCU-MWI-VCS.2250-2O22-000007-000000042",
      "VCU-MWI-VCS.2250-2022-000007-00000004.",
      "VCU-MWI-VCS.2250-2022-000007-000000042 ",
      "VCU-MWI-VCS.2250-2022-000007-000000042\n",
      " VCU-MWI-VCS.2250-2022-000007-000000042",
      /* letter case and charset */
      "vcu-MWI-VCS.2250-2022-000007-000000042",
      "Vcu-MWI-VCS.2250-2022-000007-000000042",
      "VCU-mwi-VCS.2250-2022-000007-000000042",
      "VCU-MW-VCS.2250-2022-000007-000000042",
      "VCU-MWIX-VCS.2250-2022-000007-000000042",
      ".VCU-MWI-VCS.2250-2022-000007-000000042",
      "VCU-MWI-_VCS-2022-000007-000000042",
      "VCU-MWI-VCS 2250-2022-000007-000000042",
      "VCU-MWI-VCS\xc3\xa9-2022-000007-000000042",
      /* hyphen in project */
      "VCU-MWI-VCS-2250-2022-000007-000000042",
      "VCU-MWI-VCS-2250-2022-000007-000000001-000000002",
      /* numeric ranges */
      "VCU-MWI-VCS.2250-1989-000007-000000042",
      "VCU-MWI-VCS.2250-2101-000007-000000042",
      "VCU-MWI-VCS.2250-0000-000007-000000042",
      "VCU-MWI-VCS.2250-9999-000007-000000042",
      "VCU-MWI-VCS.2250-2022-000000-000000042",  /* batch 0 */
      "VCU-MWI-VCS.2250-2022-000007-000000000",  /* serial 0 */
      "VCU-MWI-VCS.2250-2022-000007-000000000-000000005",
      "VCU-MWI-VCS.2250-2022-000007-000000010-000000009", /* last < first */
      "VCU-MWI-VCS.2250-2022-000007-000000001-4000000000000000001",
      "VCU-MWI-VCS.2250-2022-000007-4000000000000000001",
      "VCU-MWI-VCS.2250-2022-000007-9223372036854775807",
      "VCU-MWI-VCS.2250-2022-000007-9223372036854775808",
      "VCU-MWI-VCS.2250-2022-000007-99999999999999999999",
      "VCU-MWI-VCS.2250-2022-99999999999999999999-000000001",
      "VCU-MWI-VCS.2250-2022-9223372036854775808-000000001",
      /* overlong fields */
      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-CHE-p-2022-000001-000000001",
      "A-CHE-ppppppppppppppppppppppppppppppppp-2022-000001-000000001",
  };
  for (size_t i = 0; i < COUNT(bad); i++) {
    l6_serial s;
    if (serial_parse(bad[i], &s)) fail_msg("serial_parse accepted \"%s\"", bad[i]);
  }
  l6_serial s;
  assert_false(serial_parse(NULL, &s));
  /* Overlong input: a valid serial followed by junk, and a huge string. */
  char big[20000];
  snprintf(big, sizeof big, "%s", "VCU-MWI-VCS.2250-2022-000007-000000042");
  memset(big + strlen(big), '0', sizeof big - strlen(big) - 1);
  big[sizeof big - 1] = '\0';
  assert_false(serial_parse(big, &s));
  memset(big, '-', sizeof big - 1);
  assert_false(serial_parse(big, &s));
  memset(big, 'A', L6_SERIAL_MAX + 1);
  big[L6_SERIAL_MAX + 1] = '\0';
  assert_false(serial_parse(big, &s));
}

/* ---- randomised serial tests -------------------------------------------- */

static const char UT_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.";
static const char PROJ_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";

/* A random field of len 1..32 from chars; the first from the alnum prefix
 * of length nalnum. */
static void rand_field(tl_rng *r, char *out, const char *chars, size_t nchars, size_t nalnum) {
  size_t len = tl_rng_below(r, 4) == 0 ? (size_t)tl_rng_range(r, 1, L6_CODE_MAX) : (size_t)tl_rng_range(r, 1, 8);
  out[0] = chars[tl_rng_below(r, nalnum)];
  for (size_t i = 1; i < len; i++) out[i] = chars[tl_rng_below(r, nchars)];
  out[len] = '\0';
}

/* A number in [lo, hi] that is often small, often near the padding widths
 * (999999 / 10^9) and sometimes huge. */
static int64_t rand_num(tl_rng *r, int64_t lo, int64_t hi) {
  int64_t v;
  switch (tl_rng_below(r, 5)) {
  case 0: v = tl_rng_range(r, 1, 20); break;
  case 1: v = tl_rng_range(r, 999990, 1000010); break;
  case 2: v = tl_rng_range(r, 999999990, 1000000010); break;
  case 3: v = hi - tl_rng_range(r, 0, 20); break;
  default: v = tl_rng_range(r, lo, hi); break;
  }
  return v < lo ? lo : v > hi ? hi : v;
}

static l6_serial rand_serial(tl_rng *r) {
  l6_serial s;
  memset(&s, 0, sizeof s);
  rand_field(r, s.unit_type, UT_CHARS, sizeof UT_CHARS - 1, 36);
  for (int i = 0; i < 3; i++) s.host[i] = (char)('A' + tl_rng_below(r, 26));
  rand_field(r, s.project, PROJ_CHARS, sizeof PROJ_CHARS - 1, 62);
  s.vintage = (int)tl_rng_range(r, L6_VINTAGE_MIN, L6_VINTAGE_MAX);
  s.batch = rand_num(r, 1, INT64_MAX);
  s.is_block = tl_rng_below(r, 2);
  s.first = rand_num(r, 1, L6_MAX_SERIAL);
  s.last = s.is_block ? rand_num(r, s.first, L6_MAX_SERIAL) : s.first;
  return s;
}

/*
 * Reference for "is this the canonical form?", written from serial.h
 * alone: split on '-', check each field's charset and width, and the
 * numeric ranges. Independent of serial.c.
 */
static bool ref_number(const char *p, size_t len, size_t width, int64_t lo, int64_t hi, int64_t *out) {
  if (len < width || len > 19) return false;
  if (len > width && p[0] == '0') return false; /* wider numbers have no padding */
  int64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') return false;
    if (v > (INT64_MAX - (p[i] - '0')) / 10) return false;
    v = v * 10 + (p[i] - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

static bool ref_canonical(const char *s) {
  const char *f[9];
  size_t len[9], nf = 0;
  const char *start = s;
  for (const char *p = s;; p++)
    if (*p == '-' || *p == '\0') {
      if (nf == 9) return false;
      f[nf] = start;
      len[nf++] = (size_t)(p - start);
      if (*p == '\0') break;
      start = p + 1;
    }
  if (nf != 6 && nf != 7) return false;
  /* unit type: [A-Z0-9.]{1,32}, starts alnum */
  if (len[0] < 1 || len[0] > L6_CODE_MAX || f[0][0] == '.') return false;
  for (size_t i = 0; i < len[0]; i++)
    if (!memchr(UT_CHARS, f[0][i], sizeof UT_CHARS - 1)) return false;
  /* host: three capitals */
  if (len[1] != 3) return false;
  for (size_t i = 0; i < 3; i++)
    if (f[1][i] < 'A' || f[1][i] > 'Z') return false;
  /* project: [A-Za-z0-9._]{1,32}, starts alnum */
  if (len[2] < 1 || len[2] > L6_CODE_MAX || f[2][0] == '.' || f[2][0] == '_') return false;
  for (size_t i = 0; i < len[2]; i++)
    if (!memchr(PROJ_CHARS, f[2][i], sizeof PROJ_CHARS - 1)) return false;
  int64_t vintage, batch, first, last;
  if (len[3] != 4 || !ref_number(f[3], 4, 4, L6_VINTAGE_MIN, L6_VINTAGE_MAX, &vintage)) return false;
  if (!ref_number(f[4], len[4], 6, 1, INT64_MAX, &batch)) return false;
  if (!ref_number(f[5], len[5], 9, 1, L6_MAX_SERIAL, &first)) return false;
  if (nf == 7 && (!ref_number(f[6], len[6], 9, 1, L6_MAX_SERIAL, &last) || last < first)) return false;
  return true;
}

static void test_serial_random_round_trip(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 0x726f756e64); /* "round" */
  char buf[L6_SERIAL_MAX + 1], again[L6_SERIAL_MAX + 1];
  for (int i = 0; i < 10000; i++) {
    l6_serial s = rand_serial(&r), p;
    int n = serial_format(&s, buf, sizeof buf);
    if (n < 0) fail_msg("iteration %d: valid serial did not format", i);
    assert_int_equal((size_t)n, strlen(buf));
    assert_true(ref_canonical(buf));
    if (!serial_parse(buf, &p)) fail_msg("iteration %d: \"%s\" did not parse", i, buf);
    assert_serial_equal(&p, &s);
    assert_int_equal(serial_format(&p, again, sizeof again), n);
    assert_string_equal(again, buf);
  }
}

/* One random edit of str (length *len, capacity cap). */
static void mutate(tl_rng *r, char *str, size_t *len, size_t cap) {
  static const char alphabet[] = "0123456789-._AZaz \x7f\xff\x01";
  size_t n = *len;
  switch (tl_rng_below(r, 6)) {
  case 0: /* replace one byte */
    if (n > 0) str[tl_rng_below(r, n)] = alphabet[tl_rng_below(r, sizeof alphabet - 1)];
    break;
  case 1: /* replace one digit by another: often still parses */
    if (n > 0) {
      size_t i = tl_rng_below(r, n);
      if (str[i] >= '0' && str[i] <= '9') str[i] = (char)('0' + tl_rng_below(r, 10));
    }
    break;
  case 2: /* insert a byte */
    if (n + 1 < cap) {
      size_t i = tl_rng_below(r, n + 1);
      memmove(str + i + 1, str + i, n - i);
      str[i] = alphabet[tl_rng_below(r, sizeof alphabet - 1)];
      n++;
    }
    break;
  case 3: /* delete a byte */
    if (n > 0) {
      size_t i = tl_rng_below(r, n);
      memmove(str + i, str + i + 1, n - i - 1);
      n--;
    }
    break;
  case 4: /* duplicate a chunk (a field, a separator) */
    if (n > 0) {
      size_t i = tl_rng_below(r, n), k = 1 + tl_rng_below(r, 12);
      if (i + k > n) k = n - i;
      if (n + k < cap) {
        memmove(str + i + k, str + i, n - i);
        n += k;
      }
    }
    break;
  default: /* truncate */
    n = tl_rng_below(r, n + 1);
    break;
  }
  str[n] = '\0';
  *len = n;
}

static void test_serial_random_mutations(void **state) {
  (void)state;
  tl_rng r;
  tl_rng_init(&r, 0x6d7574); /* "mut" */
  char buf[2 * L6_SERIAL_MAX], again[L6_SERIAL_MAX + 1];
  int parsed = 0, rejected = 0;
  for (int i = 0; i < 10000; i++) {
    l6_serial s = rand_serial(&r), p;
    int n = serial_format(&s, buf, sizeof buf);
    assert_true(n > 0);
    size_t len = (size_t)n;
    int edits = (int)tl_rng_range(&r, 1, 3);
    for (int e = 0; e < edits; e++) mutate(&r, buf, &len, sizeof buf);
    bool ok = serial_parse(buf, &p);
    if (ok != ref_canonical(buf))
      fail_msg("iteration %d: serial_parse(\"%s\") = %d, reference says %d", i, buf, ok, !ok);
    if (!ok) {
      rejected++;
      continue;
    }
    parsed++;
    int m = serial_format(&p, again, sizeof again);
    if (m < 0 || strcmp(again, buf) != 0) fail_msg("iteration %d: \"%s\" re-formats as \"%s\"", i, buf, again);
  }
  /* Both outcomes must occur, or the mutations test nothing. */
  if (parsed < 100 || rejected < 100) fail_msg("mutations too tame or too wild: %d parsed, %d rejected", parsed, rejected);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0); /* keep cmocka's stdout in order with stderr */
  tl_seed();                        /* print the seed before anything can fail */
  const struct CMUnitTest tests[] = {
      /* errors.c */
      cmocka_unit_test(test_err_table_complete),
      cmocka_unit_test(test_err_codes_unique),
      cmocka_unit_test(test_err_stable_codes),
      cmocka_unit_test(test_err_out_of_range),
      cmocka_unit_test(test_l6_fail_formats),
      /* model.c */
      cmocka_unit_test(test_account_type_names),
      cmocka_unit_test(test_status_kind_role_names),
      cmocka_unit_test(test_account_type_terminal_and_transfer),
      cmocka_unit_test(test_valid_alpha3_and_registry),
      cmocka_unit_test(test_valid_code_and_project),
      cmocka_unit_test(test_valid_date),
      cmocka_unit_test(test_valid_text),
      cmocka_unit_test(test_valid_text_invisible),
      cmocka_unit_test(test_qty_add),
      /* ledger.c */
      cmocka_unit_test(test_sort_for_pick),
      cmocka_unit_test(test_pick_exact_and_partial),
      cmocka_unit_test(test_pick_across_blocks),
      cmocka_unit_test(test_pick_errors),
      cmocka_unit_test(test_pick_max_takes),
      cmocka_unit_test(test_match_ranges),
      cmocka_unit_test(test_match_ranges_invalid),
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_partition_ok),
      cmocka_unit_test(test_random_pick),
      cmocka_unit_test(test_random_match_ranges),
      /* serial.c */
      cmocka_unit_test(test_serial_format_known),
      cmocka_unit_test(test_serial_format_rejects),
      cmocka_unit_test(test_serial_parse_known),
      cmocka_unit_test(test_serial_parse_rejects),
      cmocka_unit_test(test_serial_random_round_trip),
      cmocka_unit_test(test_serial_random_mutations),
  };
  return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
