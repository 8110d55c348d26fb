/* model.c -- enum tables and identifier validators. Pure. */
#include "model.h"

#include <string.h>

static const struct {
  const char *name;
  bool terminal;
} account_types[L6_ACCT__COUNT] = {
    [L6_ACCT__NONE] = {"", false},
#define L6_XX(e, s, t) [L6_ACCT_##e] = {s, t},
    L6_ACCOUNT_TYPE_MAP(L6_XX)
#undef L6_XX
};

static const char *const statuses[] = {"", "open", "blocked", "closed"};
static const char *const kinds[] = {"", "issuance", "transfer", "retirement", "cancellation"};
static const char *const roles[] = {"public", "admin", "holder", "auditor", "validator", "authority", "mechanism-admin", "reviewer"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const char *const *names, size_t n, const char *s) {
  if (s == NULL) return 0;
  for (size_t i = 1; i < n; i++)
    if (strcmp(names[i], s) == 0) return (int)i;
  return 0;
}

const char *l6_account_type_str(l6_account_type t) {
  return (t > 0 && t < L6_ACCT__COUNT) ? account_types[t].name : "";
}

l6_account_type l6_account_type_from_str(const char *s) {
  if (s == NULL) return L6_ACCT__NONE;
  for (int i = 1; i < L6_ACCT__COUNT; i++)
    if (strcmp(account_types[i].name, s) == 0) return (l6_account_type)i;
  return L6_ACCT__NONE;
}

const char *l6_account_status_str(l6_account_status s) {
  return ((size_t)s < COUNT(statuses)) ? statuses[s] : "";
}
l6_account_status l6_account_status_from_str(const char *s) {
  return (l6_account_status)lookup(statuses, COUNT(statuses), s);
}
const char *l6_tx_kind_str(l6_tx_kind k) { return ((size_t)k < COUNT(kinds)) ? kinds[k] : ""; }
l6_tx_kind l6_tx_kind_from_str(const char *s) { return (l6_tx_kind)lookup(kinds, COUNT(kinds), s); }
const char *l6_role_str(l6_role r) { return ((size_t)r < COUNT(roles)) ? roles[r] : ""; }
l6_role l6_role_from_str(const char *s) { return (l6_role)lookup(roles, COUNT(roles), s); }

bool l6_role_reads_ledger(l6_role r) { return r == L6_ROLE_ADMIN || r == L6_ROLE_AUDITOR || r == L6_ROLE_HOLDER; }
bool l6_role_has_org(l6_role r) {
  return r == L6_ROLE_HOLDER || r == L6_ROLE_VALIDATOR || r == L6_ROLE_AUTHORITY || r == L6_ROLE_REVIEWER;
}

bool l6_account_type_terminal(l6_account_type t) {
  return t > 0 && t < L6_ACCT__COUNT && account_types[t].terminal;
}

bool l6_account_type_accepts_transfer(l6_account_type t) {
  return t > 0 && t < L6_ACCT__COUNT && t != L6_ACCT_PENDING && !account_types[t].terminal && t != L6_ACCT_LINK_ESCROW &&
         t != L6_ACCT_LINK_EXTERNAL;
}

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }

bool l6_valid_alpha3(const char *s) {
  return s != NULL && is_upper(s[0]) && is_upper(s[1]) && is_upper(s[2]) && s[3] == '\0';
}

bool l6_valid_registry_id(const char *s) {
  return s != NULL && is_upper(s[0]) && is_upper(s[1]) && is_upper(s[2]) && is_digit(s[3]) &&
         is_digit(s[4]) && s[5] == '\0';
}

bool l6_valid_code(const char *s) {
  if (s == NULL || !(is_upper(s[0]) || is_digit(s[0]))) return false;
  size_t n = 0;
  for (; s[n]; n++)
    if (!(is_upper(s[n]) || is_digit(s[n]) || s[n] == '.')) return false;
  return n <= L6_CODE_MAX;
}

bool l6_valid_project_id(const char *s) {
  if (s == NULL || !(is_upper(s[0]) || is_lower(s[0]) || is_digit(s[0]))) return false;
  size_t n = 0;
  for (; s[n]; n++)
    if (!(is_upper(s[n]) || is_lower(s[n]) || is_digit(s[n]) || s[n] == '.' || s[n] == '_'))
      return false;
  return n <= L6_CODE_MAX;
}

bool l6_valid_date(const char *s) {
  if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !is_digit(s[i])) return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || m < 1 || m > 12 || d < 1) return false;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Characters a text field refuses although they are well-formed: the
 * Unicode format characters (General_Category Cf, Unicode 15.0) and the
 * line and paragraph separators (Zl, Zp). They are invisible, yet they
 * reorder what follows (U+202E RIGHT-TO-LEFT OVERRIDE turns "Acme
 * <U+202E>txt.exe" into "Acme exe.txt" on a printed certificate), hide
 * text (U+200B, the tags U+E0020-U+E007F) or break a line as \n would.
 * Sorted, for the binary search in is_invisible. */
static const struct {
  unsigned lo, hi;
} invisible[] = {
    {0x00AD, 0x00AD},   /* soft hyphen */
    {0x0600, 0x0605},   /* Arabic number signs */
    {0x061C, 0x061C},   /* Arabic letter mark */
    {0x06DD, 0x06DD},   /* Arabic end of ayah */
    {0x070F, 0x070F},   /* Syriac abbreviation mark */
    {0x0890, 0x0891},   /* Arabic pound and piastre marks above */
    {0x08E2, 0x08E2},   /* Arabic disputed end of ayah */
    {0x180E, 0x180E},   /* Mongolian vowel separator */
    {0x200B, 0x200F},   /* zero width space, non-joiner, joiner; LRM, RLM */
    {0x2028, 0x202E},   /* line, paragraph separators (Zl, Zp); LRE, RLE, PDF, LRO, RLO */
    {0x2060, 0x2064},   /* word joiner, invisible operators */
    {0x2066, 0x206F},   /* LRI, RLI, FSI, PDI; deprecated format characters */
    {0xFEFF, 0xFEFF},   /* zero width no-break space (byte order mark) */
    {0xFFF9, 0xFFFB},   /* interlinear annotation */
    {0x110BD, 0x110BD}, /* Kaithi number sign */
    {0x110CD, 0x110CD}, /* Kaithi number sign above */
    {0x13430, 0x1343F}, /* Egyptian hieroglyph format controls */
    {0x1BCA0, 0x1BCA3}, /* shorthand format controls */
    {0x1D173, 0x1D17A}, /* musical symbol format controls */
    {0xE0001, 0xE0001}, /* language tag */
    {0xE0020, 0xE007F}, /* tag characters */
};

static bool is_invisible(unsigned cp) {
  size_t lo = 0, hi = sizeof invisible / sizeof invisible[0];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cp < invisible[mid].lo) hi = mid;
    else if (cp > invisible[mid].hi) lo = mid + 1;
    else return true;
  }
  return false;
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when it is
 * malformed, overlong, a surrogate, above U+10FFFF, a control (C0, DEL,
 * C1) or invisible (above). */
static size_t utf8_char(const unsigned char *p) {
  unsigned c = p[0];
  if (c < 0x20 || c == 0x7f) return 0;
  if (c < 0x80) return 1;
  size_t n;
  unsigned cp;
  if (c >= 0xc2 && c <= 0xdf) n = 2, cp = c & 0x1f;
  else if (c >= 0xe0 && c <= 0xef) n = 3, cp = c & 0x0f;
  else if (c >= 0xf0 && c <= 0xf4) n = 4, cp = c & 0x07;
  else return 0;
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL */
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff))) return 0;
  if (cp >= 0xd800 && cp <= 0xdfff) return 0;
  if (cp >= 0x80 && cp <= 0x9f) return 0;
  if (is_invisible(cp)) return 0;
  return n;
}

bool l6_valid_chars(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = 0;
  while (n < len) {
    size_t k = utf8_char(p + n); /* a NUL inside is a control: 0 */
    if (k == 0 || k > len - n) return false;
    n += k;
  }
  return true;
}

bool l6_valid_text(const char *s, size_t max) {
  if (s == NULL || s[0] == '\0') return false;
  size_t n = strlen(s);
  return n <= max && l6_valid_chars(s, n);
}

bool l6_qty_add(l6_qty a, l6_qty b, l6_qty *out) {
  const l6_qty cap = L6_MAX_QUANTITY * 1000;
  if (a < 0 || b < 0 || a > cap - b) return false;
  *out = a + b;
  return true;
}

const char *l6_article(const char *word) {
  switch (word ? word[0] : '\0') {
  case 'a': case 'e': case 'i': case 'o': return "an";
  default: return "a";
  }
}
