/*
 * fuzz_checks.h -- the properties the fuzzers check, in one copy.
 *
 * Included by each libFuzzer target (fuzz/fuzz_*.c), which aborts when a
 * check fails, and by tests/test_fuzz_replay.c, which runs the saved
 * corpus through the same checks under cmocka (so CI needs no libFuzzer).
 *
 * A check takes any bytes and returns NULL when the property holds, or a
 * static string saying what broke. It must never crash, leak or read past
 * size, whatever the input. To add a target: write fuzz_check_<name> here,
 * a fuzz/fuzz_<name>.c that calls it, a corpus in fuzz/corpus/<name>/, and
 * one line in the table of tests/test_fuzz_replay.c.
 */
#ifndef L6_FUZZ_CHECKS_H
#define L6_FUZZ_CHECKS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../tests/testlib_refbook.h"
#include "api/jsonin.h"
#include "core/book.h"
#include "core/pdfattach.h"
#include "core/csvread.h"
#include "core/exports.h"
#include "core/model.h"
#include "core/origin.h"
#include "core/serial.h"
#include "limits.h"
#include "service/calc_params.h"
#include "service/certificate.h"
#include "service/cycle_data.h"
#include "service/mechanism.h"

/* Signature shared by every check. */
typedef const char *(*fuzz_check_fn)(const uint8_t *data, size_t size);

/*
 * serial: serial_parse on the input as a C string (NUL-terminated copy;
 * an embedded NUL just ends the string early). When it parses, the parsed
 * value must be valid and serial_format must give back exactly the string.
 */
static const char *fuzz_check_serial(const uint8_t *data, size_t size) {
  char *str = malloc(size + 1);
  if (str == NULL) return "out of memory";
  memcpy(str, data, size);
  str[size] = '\0';
  const char *fail = NULL;
  l6_serial s;
  if (serial_parse(str, &s)) {
    char again[L6_SERIAL_MAX + 1];
    int n = serial_format(&s, again, sizeof again);
    size_t len = strlen(str), dashes = 0;
    for (size_t i = 0; i < len; i++) dashes += str[i] == '-';
    if (n < 0)
      fail = "serial_parse accepted a serial that serial_format rejects";
    else if ((size_t)n != len || memcmp(again, str, len) != 0)
      fail = "serial_format(serial_parse(s)) != s";
    else if (dashes != (s.is_block ? 6u : 5u))
      fail = "is_block does not match the number of fields";
    else if (s.first < 1 || s.last < s.first || (!s.is_block && s.first != s.last))
      fail = "parsed serial has an impossible range";
  }
  free(str);
  return fail;
}

/* A second, independent reading of the text rule (src/core/model.c,
 * l6_valid_chars): 1 when the UTF-8 string s holds a control character or
 * an invisible one (Unicode category Cf, U+2028, U+2029). Decodes
 * naively: s is already well-formed (jansson checked it). */
static int fuzz_text_has_invisible(const char *s) {
  static const unsigned bad[][2] = {{0x0, 0x1f},         {0x7f, 0x9f},         {0xad, 0xad},       {0x600, 0x605},
                                    {0x61c, 0x61c},      {0x6dd, 0x6dd},       {0x70f, 0x70f},     {0x890, 0x891},
                                    {0x8e2, 0x8e2},      {0x180e, 0x180e},     {0x200b, 0x200f},   {0x2028, 0x202e},
                                    {0x2060, 0x2064},    {0x2066, 0x206f},     {0xfeff, 0xfeff},   {0xfff9, 0xfffb},
                                    {0x110bd, 0x110bd},  {0x110cd, 0x110cd},   {0x13430, 0x1343f}, {0x1bca0, 0x1bca3},
                                    {0x1d173, 0x1d17a},  {0xe0001, 0xe0001},   {0xe0020, 0xe007f}};
  for (const unsigned char *p = (const unsigned char *)s; *p;) {
    int n = *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
    unsigned cp = n == 1 ? *p : *p & (0x7f >> n);
    for (int i = 1; i < n; i++) {
      if ((p[i] & 0xc0) != 0x80) return 1;
      cp = cp << 6 | (p[i] & 0x3f);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
      if (cp >= bad[i][0] && cp <= bad[i][1]) return 1;
    p += n;
  }
  return 0;
}

/*
 * json: a request body through json_parse_body and json_decode with a
 * transfer-like field table. Whatever the bytes: no crash, no leak; an
 * accepted body is an object within the depth limit that survives a
 * dump/parse round trip; a decoded string field fits its buffer and holds
 * no control or invisible format character (issue 14: U+202E).
 */
typedef struct {
  int64_t from_account, quantity;
  int vintage;
  char unit_type[L6_CODE_MAX + 1];
} fuzz_json_req;

static const char *fuzz_check_json(const uint8_t *data, size_t size) {
  static const jfield fields[] = {
      {"from_account", JF_INT, true, offsetof(fuzz_json_req, from_account), 0},
      {"quantity", JF_INT, false, offsetof(fuzz_json_req, quantity), 0},
      {"vintage", JF_INT32, false, offsetof(fuzz_json_req, vintage), 0},
      {"unit_type", JF_STR, false, offsetof(fuzz_json_req, unit_type), L6_CODE_MAX + 1},
  };
  static const char *const extra[] = {"ranges", NULL};
  const char *fail = NULL;
  json_t *body = NULL;
  l6_error err;
  int depth = json_depth((const char *)data, size);
  if (json_parse_body((const char *)data, size, &body, &err) != L6_E_OK) {
    if (body != NULL) fail = "json_parse_body failed but returned a value";
    return fail;
  }
  if (!json_is_object(body)) fail = "json_parse_body accepted a non-object";
  else if (depth > L6_MAX_JSON_DEPTH) fail = "json_parse_body accepted a body deeper than the limit";
  char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
  if (fail == NULL && text != NULL) {
    json_t *again = json_loads(text, 0, NULL);
    if (again == NULL || !json_equal(again, body)) fail = "dump/parse round trip changed the body";
    json_decref(again);
  }
  free(text);
  fuzz_json_req req;
  memset(&req, 0, sizeof req);
  if (fail == NULL && json_decode(body, fields, sizeof fields / sizeof fields[0], extra, &req, &err) == L6_E_OK) {
    if (req.unit_type[L6_CODE_MAX] != '\0') fail = "decoded string overflows its buffer";
    else if (fuzz_text_has_invisible(req.unit_type)) fail = "decoded string holds a control or format character";
    if (json_object_get(body, "from_account") == NULL) fail = "decoded without a required field";
  }
  json_decref(body);
  return fail;
}

/* The key pair of RFC 8032's test 1 (its secret seed), which the cert and
 * reading targets sign and verify with; false if libsodium cannot start. */
static bool fuzz_rfc8032_key(uint8_t pk[32], uint8_t sk[64]) {
  static const uint8_t seed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                                   0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                                   0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
  if (sodium_init() < 0) return false;
  crypto_sign_ed25519_seed_keypair(pk, sk, seed);
  return true;
}

/*
 * cert: `ledger6 verify` on any bytes, against the key of RFC 8032 test 1
 * (which signed corpus/cert/valid). No crash, no leak, whatever the input;
 * a verdict is either valid with no problem or invalid with at least one;
 * and valid only for a head signed by that key.
 */
static const char *fuzz_check_cert(const uint8_t *data, size_t size) {
  uint8_t pk[32], sk[64];
  if (!fuzz_rfc8032_key(pk, sk)) return "libsodium failed to initialise";
  json_t *cert = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (cert == NULL) return NULL;
  cert_result *res = malloc(sizeof *res);
  if (res == NULL) {
    json_decref(cert);
    return "out of memory";
  }
  cert_verify(cert, pk, res);
  const char *fail = NULL;
  if (res->valid && res->nproblems != 0) fail = "valid, with problems";
  else if (!res->valid && res->nproblems == 0) fail = "invalid, without a problem";
  else if (res->valid) {
    char id[STH_KEY_ID_LEN + 1];
    sth_key_id(pk, id);
    const char *got = json_string_value(json_object_get(json_object_get(cert, "tree_head"), "key_id"));
    if (got == NULL || strcmp(got, id) != 0) fail = "valid under another key id";
  }
  free(res);
  json_decref(cert);
  return fail;
}

/*
 * pdf: `ledger6 verify certificate.pdf` finding the attached JSON
 * (core/pdfattach.c) in any bytes: no crash; an attachment found lies
 * within the bytes. And the bytes as an attachment: pdfattach_add puts
 * them into a minimal PDF laid out as cairo writes one, and pdfattach_find
 * gets exactly them back, whatever they hold (markers, "endstream", NULs).
 */
static const char *fuzz_check_pdf(const uint8_t *data, size_t size) {
  const char *at = NULL, *why = NULL;
  size_t n = 0;
  if (pdfattach_find((const char *)data, size, &at, &n, &why) == 0) {
    if (at < (const char *)data || n > size || (size_t)(at - (const char *)data) > size - n) return "found outside the bytes";
  } else if (why == NULL) {
    return "refused without a reason";
  }
  if (size > 65536) return NULL;
  static const char base[] = "%PDF-1.5\n1 0 obj\n<< /Type /Catalog\n   /Pages 2 0 R\n>>\nendobj\n"
                             "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\nxref\n0 3\n"
                             "0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
                             "trailer\n<< /Size 3\n   /Root 1 0 R\n>>\nstartxref\n110\n%%EOF\n";
  size_t len = 0;
  char *pdf = pdfattach_add(base, sizeof base - 1, (const char *)data, size, &len, &why);
  if (pdf == NULL) return "pdfattach_add refused a PDF laid out as cairo writes one";
  const char *fail = NULL;
  if (pdfattach_find(pdf, len, &at, &n, &why) != 0) fail = "an attachment written is not found again";
  else if (n != size || (size && memcmp(at, data, size) != 0)) fail = "an attachment written is found with other bytes";
  free(pdf);
  return fail;
}

/*
 * book: the bytes are a stream of 4-byte commands run through the matching
 * engine (src/core/book.c) and the naive reference (tests/testlib_refbook.c)
 * on tiny books (16 orders, 4 levels per side, prices 1..16), so pools fill
 * and every refusal is reached. After each command: the same return code,
 * result and fills, l6_book_check holds, and the same resting orders.
 *   byte 0 % 8: 0-3 submit, 4 cancel, 5 replace, 6 restore, 7 submit with a stale seq
 *   submit: byte 1 = side (bit 0), tif (bits 1-2, 3 = invalid), flags (bits 3-4),
 *           owner 1..4 (bits 5-6); byte 2 = price (1..16; 0 when >= 240);
 *           byte 3 = qty (1..16; 0 when 255), bit 7 reuses an old id
 *   cancel/replace: byte 1 = id; replace: byte 2 = price, byte 3 = qty as above
 */
typedef struct {
  l6_fill f[64];
  size_t n;
  int over;
} fuzz_fills;

static void fuzz_on_fill(void *ctx, const l6_fill *f) {
  fuzz_fills *fs = ctx;
  if (fs->n < 64) fs->f[fs->n++] = *f;
  else fs->over = 1;
}

typedef struct {
  l6_order o[32];
  size_t n;
} fuzz_orders;

static bool fuzz_take(void *ctx, const l6_order *o) {
  fuzz_orders *s = ctx;
  if (s->n >= 32) return false;
  s->o[s->n++] = *o;
  return true;
}

static int fuzz_same_order(const l6_order *a, const l6_order *b) {
  return a->id == b->id && a->seq == b->seq && a->owner == b->owner && a->side == b->side &&
         a->tif == b->tif && a->flags == b->flags && a->price == b->price && a->qty == b->qty;
}

static int fuzz_same_fill(const l6_fill *a, const l6_fill *b) {
  return a->maker_id == b->maker_id && a->maker_owner == b->maker_owner &&
         a->taker_id == b->taker_id && a->taker_owner == b->taker_owner &&
         a->taker_side == b->taker_side && a->price == b->price && a->qty == b->qty &&
         a->maker_left == b->maker_left;
}

static const char *fuzz_book_step(l6_book *b, rb_book *r, const uint8_t *c, uint64_t *next_id,
                                  uint64_t *seq) {
  fuzz_fills fa = {.n = 0}, fb = {.n = 0};
  l6_submit_result ra = {0, 0, 0, false}, rb = {0, 0, 0, false};
  l6_book_rc ca, cb;
  unsigned op = c[0] % 8;
  int64_t price = c[2] >= 240 ? 0 : 1 + c[2] % 16;
  int64_t qty = c[3] == 255 ? 0 : 1 + (c[3] & 0x7f) % 16;
  if (op == 4) {
    int64_t la, lb;
    ca = l6_book_cancel(b, c[1] % (*next_id + 1), &la);
    cb = rb_cancel(r, c[1] % (*next_id + 1), &lb);
    if (ca != cb || la != lb) return "cancel differs from the reference";
  } else if (op == 5) {
    uint64_t id = c[1] % (*next_id + 1);
    ca = l6_book_replace(b, id, price, qty, *seq + 1, fuzz_on_fill, &fa, &ra);
    cb = rb_replace(r, id, price, qty, *seq + 1, fuzz_on_fill, &fb, &rb);
    (*seq)++;
  } else {
    l6_order o;
    o.id = (c[3] & 0x80) ? 1 + c[2] % *next_id : (*next_id)++;
    o.seq = op == 7 ? *seq : ++*seq;
    o.side = (l6_side)(c[1] & 1);
    o.tif = (l6_tif)((c[1] >> 1) & 3);
    o.flags = (c[1] >> 3) & 3;
    o.owner = 1 + ((c[1] >> 5) & 3);
    o.price = price;
    o.qty = qty;
    if (op == 6) {
      ca = l6_book_restore(b, &o);
      cb = rb_restore(r, &o);
    } else {
      ca = l6_book_submit(b, &o, fuzz_on_fill, &fa, &ra);
      cb = rb_submit(r, &o, fuzz_on_fill, &fb, &rb);
    }
  }
  if (ca != cb) return "return code differs from the reference";
  if (ra.filled != rb.filled || ra.resting != rb.resting || ra.cancelled != rb.cancelled ||
      ra.stp != rb.stp)
    return "result differs from the reference";
  if (fa.over || fb.over) return "too many fills for one command";
  if (fa.n != fb.n) return "fill count differs from the reference";
  for (size_t i = 0; i < fa.n; i++)
    if (!fuzz_same_fill(&fa.f[i], &fb.f[i])) return "fill differs from the reference";
  const char *why = NULL;
  if (!l6_book_check(b, &why)) return why;
  fuzz_orders got = {.n = 0};
  l6_order want[32];
  l6_book_each(b, fuzz_take, &got);
  if (got.n != r->n || r->n > 32) return "order count differs from the reference";
  rb_sorted(r, want);
  for (size_t i = 0; i < got.n; i++)
    if (!fuzz_same_order(&got.o[i], &want[i])) return "resting order differs from the reference";
  if (l6_book_last_seq(b) != r->last_seq) return "last seq differs from the reference";
  return NULL;
}

static const char *fuzz_check_book(const uint8_t *data, size_t size) {
  l6_book *b = l6_book_new(16, 4);
  if (b == NULL) return "out of memory";
  rb_book r;
  rb_init(&r, 16, 4);
  uint64_t next_id = 1, seq = 0;
  const char *fail = NULL;
  for (size_t i = 0; i + 4 <= size && i < 4 * 4096 && fail == NULL; i += 4)
    fail = fuzz_book_step(b, &r, data + i, &next_id, &seq);
  l6_book_free(b);
  rb_free(&r);
  return fail;
}

/*
 * csv: the importer's reader (core/csvread.h) and the export mapping
 * (core/exports.h) on any bytes. The input is read twice, whole and in
 * pieces of 1 to 8 bytes (data[0] chooses): the same records must come
 * out (fields, lines, problems), lines never go backwards nor past the
 * input's line count, no record has more fields or longer fields than the
 * limits. Every good record is mapped with one of the layouts (data[0]
 * chooses: Verra and Gold Standard's three, from 0xC0 the twelve of ACR,
 * CAR and ART TREES); a row the mapping accepts has a positive quantity
 * within the limit, real dates, a vintage period in order whose year is in
 * range, and a serial within its limit.
 */
typedef struct {
  uint64_t hash;
  long last_line, max_line;
  size_t nrec;
  const char *fail;
  export_map map;
} fuzz_csv_acc;

static uint64_t fuzz_fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
  return h;
}

static const char *fuzz_csv_row_ok(const export_row *r) {
  if (r->status == EXPORT_PROJECT) {
    if (!r->project_ref[0]) return "a mapped project row has no id";
    /* A project list's dates: real, and the crediting period whole and in order. */
    if ((r->registered[0] && !l6_valid_date(r->registered)) || (r->crediting_start[0] && !l6_valid_date(r->crediting_start)) ||
        (r->crediting_end[0] && !l6_valid_date(r->crediting_end)) || !r->crediting_start[0] != !r->crediting_end[0] ||
        (r->crediting_start[0] && strcmp(r->crediting_start, r->crediting_end) > 0))
      return "a mapped project row has a bad date or crediting period";
    return NULL;
  }
  /* Isometric: sizes in kg, exact, and their whole tonnes; no serial. */
  if (r->in_kg) {
    if (r->kg <= 0 || r->kg > L6_MAX_QUANTITY * 1000 + 999 || r->quantity != r->kg / 1000 || r->buffer_kg < 0 ||
        r->buffer_kg > r->kg || r->buffer != r->buffer_kg / 1000)
      return "a mapped size in kg is out of range or not its tonnes";
    if (r->status != EXPORT_TOTAL && r->status != EXPORT_RETIRED_TOTAL) return "a mapped size in kg has another status";
    if (r->serial[0]) return "a mapped size in kg has a serial";
    if (r->status == EXPORT_TOTAL ? !l6_valid_date(r->issued_on) : !l6_valid_date(r->retired_on))
      return "a mapped size in kg has an invalid date";
    int vy = origin_vintage_year(r->vintage_start, r->vintage_end);
    return vy < L6_VINTAGE_MIN || vy > L6_VINTAGE_MAX ? "a mapped size in kg has a vintage year out of range" : NULL;
  }
  if (r->status == EXPORT_TOTAL) {
    if (r->quantity < 0 || r->quantity > L6_MAX_QUANTITY || r->buffer < 0 || r->buffer > r->quantity)
      return "a mapped issuance total is out of range";
  } else if (r->quantity <= 0 || r->quantity > L6_MAX_QUANTITY) {
    return "a mapped row has a quantity out of range";
  }
  /* CAR's and ART's retired blocks may come without an issuance date. */
  if (!l6_valid_date(r->issued_on) && !(r->issued_on[0] == '\0' && (r->status == EXPORT_RETIRED || r->status == EXPORT_CANCELLED)))
    return "a mapped row has an invalid issuance date";
  if (r->retired_on[0] && !l6_valid_date(r->retired_on)) return "a mapped row has an invalid retirement date";
  if (strcmp(r->vintage_start, r->vintage_end) > 0) return "a mapped row has a reversed vintage period";
  int y = origin_vintage_year(r->vintage_start, r->vintage_end);
  if (y < L6_VINTAGE_MIN || y > L6_VINTAGE_MAX) return "a mapped row has a vintage year out of range";
  if (r->status != EXPORT_TOTAL && (strlen(r->serial) == 0 || strlen(r->serial) > L6_ORIGIN_SERIAL_MAX))
    return "a mapped row has a bad serial";
  if (r->status < EXPORT_ACTIVE || r->status > EXPORT_TOTAL) return "a mapped row has no status";
  return NULL;
}

static int fuzz_csv_rec(void *ctx, long line, char **f, size_t n, const char *problem) {
  fuzz_csv_acc *a = ctx;
  if (a->fail) return 1;
  if (line < 1 || line < a->last_line || line > a->max_line) a->fail = "a record's line number is wrong";
  if (n > L6_CSV_MAX_FIELDS) a->fail = "a record has more fields than the limit";
  a->last_line = line;
  a->nrec++;
  a->hash = fuzz_fnv(a->hash, &line, sizeof line);
  a->hash = fuzz_fnv(a->hash, &n, sizeof n);
  a->hash = fuzz_fnv(a->hash, problem ? "p" : "g", 1);
  for (size_t i = 0; i < n && !a->fail; i++) {
    size_t len = strlen(f[i]);
    if (len > L6_CSV_FIELD_MAX) a->fail = "a field is longer than the limit";
    a->hash = fuzz_fnv(a->hash, f[i], len + 1);
  }
  if (!problem && !a->fail) {
    export_row r;
    char msg[256] = "";
    if (export_map_row(&a->map, f, n, &r, msg, sizeof msg)) a->fail = fuzz_csv_row_ok(&r);
    else if (msg[0] == '\0') a->fail = "a refused row has no reason";
  }
  return a->fail != NULL;
}

static const char *fuzz_csv_read(const uint8_t *data, size_t size, size_t piece, fuzz_csv_acc *a) {
  csvread *r = csvread_new(fuzz_csv_rec, a);
  if (r == NULL) return "out of memory";
  int rc = 0;
  for (size_t at = 0; at < size && rc == 0; at += piece)
    rc = csvread_feed(r, (const char *)data + at, size - at < piece ? size - at : piece);
  if (rc == 0) rc = csvread_finish(r);
  a->hash = fuzz_fnv(a->hash, &rc, sizeof rc);
  if (rc < 0 && csvread_error(r)[0] == '\0') a->fail = "a syntax error without a message";
  csvread_free(r);
  return a->fail;
}

static const char *fuzz_check_csv(const uint8_t *data, size_t size) {
  if (size == 0) return NULL;
  static const char *const verra[] = {"Issuance Date", "Sustainable Development Goals", "Vintage Start", "Vintage End", "ID",
                                      "Name", "Country/Area", "Project Type", "Methodology", "Total Vintage Quantity",
                                      "Quantity Issued", "Serial Number", "Additional Certifications",
                                      "Retirement/Cancellation Date", "Retirement Beneficiary", "Retirement Reason",
                                      "Retirement Details"};
  static const char *const gsi[] = {"Vintage", "Credit Status", "Quantity", "GSID", "Project Name", "Project Developer",
                                    "Country", "Project Type", "Methodology", "Programme of Activities", "POA GSID",
                                    "Product Type", "Issuance Date", "Monitoring Period Start", "Monitoring Period End",
                                    "Serial Number", "Label", "Article Six Authorization"};
  static const char *const gsr[] = {"Vintage", "Credit Status", "Quantity", "GSID", "Project Name", "Project Developer",
                                    "Country", "Product Type", "Project Type", "Methodology", "Programme of Activities",
                                    "POA GSID", "Issuance Date", "Retirement Date", "Monitoring Period Start",
                                    "Monitoring Period End", "Serial Number", "Note", "Aeroplane Operator Name", "Label",
                                    "Use Case", "Using Entity", "Article Six Authorization"};
  /* data[0] from 0xC0: the layouts of ACR, CAR and ART TREES (their
   * header rows as tests/data/import/ writes them), 12 of them. */
  static const struct {
    const char *source;
    size_t n;
    const char *cols[40];
  } more[] = {
      {"acr", 22, {"Project ID", "Compliance Program ID (ARB or Ecology)", "Project Developer", "Project Name", "Project Type", "Project Methodology/Protocol", "Initial Crediting Period Start Date", "Current Crediting Period Start Date", "Current Crediting Period End Date", "Voluntary Status", "Compliance Program Status (ARB or Ecology)", "Project Status Date", "Project Site Location", "Project Site State", "Project Site Country", "Sustainable Development Goal(s)", "Current VVB", "ACR Project Validation", "Total Number of Credits Registered ", "Documents", "Project Website", "Unnamed: 21"}},
      {"acr", 27, {"Date Issued (GMT)", "Vintage", "ReportingPeriodBegin", "ReportingPeriodEnd", "Total Credits Issued", "Credits Issued to Project", "Credits Issued to Buffer Pool", "Credits Transferred to Buffer Pool", "Project Developer", "Project ID", "Project Name", "Project Type", "Project Methodology/Protocol", "Methodology/Protocol Version", "Project VVB", "Project Site Location", "Project Site State", "Project Site Country", "ARB Eligible", "Ecology Eligible", "CCP Approved", "Project Crediting Period Start Date", "Verified Removal", "Sustainable Development Goal(s)", "Project Website", "Documents", "Unnamed: 26"}},
      {"acr", 32, {"fiid", "Credit Serial Numbers", "Date Issued (GMT)", "Vintage", "Vintage Assignment Period Start Date", "Vintage Assignment Period End Date", "Quantity of Credits", "Account Holder", "Status Effective (GMT)", "Retired on Behalf of", "Retirement Reason", "Purpose of Retirement", "Project ID", "Project Name", "Project Type", "Project Methodology/Protocol", "Methodology/Protocol Version", "Project Site Location", "Project Site State", "Project Site Country", "ARB Eligible", "Ecology Eligible", "CORSIA Eligible", "Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase)", "Eligible for CORSIA 2024-2026 Compliance Period (First Phase)", "CCP Approved", "Verified Removal", "Sustainable Development Goal(s)", "Project Website", "Documents", "Numberoffiles", "Unnamed: 31"}},
      {"acr", 32, {"Credit Serial Numbers", "Date Issued (GMT)", "Vintage", "Vintage Assignment Period Start Date", "Vintage Assignment Period End Date", "Quantity of Credits", "Account Holder", "ahID", "Status Effective  (GMT)", "Cancellation Type", "Project ID", "Project Name", "Project Type", "Project Methodology/Protocol", "Methodology/Protocol Version", "Project Site Location", "Project Site State", "Project Site Country", "ARB Eligible", "Ecology Eligible", "CORSIA Eligible", "Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase)", "Eligible for CORSIA 2024-2026 Compliance Period (First Phase)", "CCP Approved", "Verified Removal", "Sustainable Development Goal(s)", "Project Website", "Documents", "Cancellation Details", "fiid", "Numberoffiles", "Unnamed: 31"}},
      {"car", 29, {"Project ID", "Compliance Program ID", "ARB ID", "WA ECO", "Cooperative/ Aggregate ID", "Project Developer", "Project Owner", "Project Name", "Offset Project Operator", "Authorized Project Designee", "Verification Body", "Project Type", "Status", "Compliance Program Status", "ARB Project Status", "WA ECO Project Status", "Project Site Location", "Project Site State", "Project Site Country", "Additional Certification(s)", "SDG Impact", "Project Notes", "Total Number of Offset Credits Registered ", "Project Listed Date", "Project Registered Date", "Documents", "Data", "Project Website", "Unnamed: 28"}},
      {"car", 34, {"Date Issued", "Project ID", "Cooperative/ Aggregate ID", "Project Name", "Project Developer", "Project Owner", "Project Type", "Reduction/Removal", "Reversible/Non-Reversible", "Protocol and Version", "ARB Eligible", "WA ECO Eligible", "Eligible for CORSIA 2021-2023 Compliance Period", "Eligible for CORSIA 2024-2026 Compliance Period", "Corresponding Adjustment", "CCP Approved", "Crediting Period", "Vintage", "Total Offset Credits Issued", "Zero-Credit Reporting Period", "Offset Credits Currently in Reserve Buffer Pool", "Offset Credits Intended for Compliance Buffer Pool", "Offset Credits Converted to VCUs", "Canceled for Compliance", "Canceled", "Project Site Location", "Project Site State", "Project Site Country", "Activity Area Type", "Additional Certification(s)", "Verification Body", "Project Website", "Documents", "Unnamed: 33"}},
      {"car", 23, {"Vintage", "Offset Credit Serial Numbers", "Quantity of Offset Credits", "Status Effective", "Project ID", "Project Name", "Project Type", "Reduction/Removal", "Reversible/Non-Reversible", "Protocol and Version", "Project Site Location", "Project Site State", "Project Site Country", "Activity Area Type", "Additional Certification(s)", "Eligible for CORSIA 2021-2023 Compliance Period", "Eligible for CORSIA 2024-2026 Compliance Period", "Corresponding Adjustment", "CCP Approved", "Account Holder", "Retirement Reason", "Retirement Reason Details", "Unnamed: 22"}},
      {"car", 17, {"Vintage", "Offset Credit Serial Numbers", "Quantity of Offset Credits", "Status Effective", "Project ID", "Project Name", "Project Type", "Reduction/Removal", "Reversible/Non-Reversible", "Protocol and Version", "Project Site Location", "Project Site State", "Project Site Country", "Additional Certification(s)", "Cancellation Reason", "Export Notes", "Unnamed: 16"}},
      {"art-trees", 15, {"Program ID", "Sovereign Program Developer", "Program Name", "Crediting Program and Standard", "Verification Body", "Program Type", "Status", "Initial Crediting Period Start Date", "Program Jurisdiction(s)", "Program  Country", "Program Notes", "Documents", "Program Website", "Numberoffiles", "Unnamed: 14"}},
      {"art-trees", 20, {"Date Approved", "Program ID", "Program Name", "Sovereign Program Developer", "Crediting Program and Standard", "Program Type", "Standard Version", "Vintage", "Total Emission Reductions/Removals", "Credits Deposited in Buffer", "Credits Verified", "CCP Approved", "Program Jurisdiction(s)", "Program  Country", "CORSIA Eligible", "Verification Body", "Program Website", "Documents", "fiID", "Unnamed: 19"}},
      {"art-trees", 20, {"Vintage", "Credit Serial Numbers", "Quantity of Credits", "Status Effective", "Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase)", "Eligible for CORSIA 2024-2026 Compliance Period (First Phase)", "CCP Approved", "Program ID", "Program Name", "Program Type", "Crediting Program and Standard", "Standard Version", "Program Jurisdiction(s)", "Program  Country", "Date Approved", "Account Holder", "Retired on Behalf of", "Retirement Reason", "Purpose of Retirement", "Unnamed: 19"}},
      {"art-trees", 20, {"Vintage", "Credit Serial Numbers", "Quantity of Credits", "Status Effective", "Eligible for CORSIA 2021-2023 Compliance Period (Pilot Phase)", "Eligible for CORSIA 2024-2026 Compliance Period (First Phase)", "CCP Approved", "Program ID", "Program Name", "Crediting Program and Standard", "Program Type", "Standard Version", "Program Jurisdiction(s)", "Program  Country", "CORSIA Eligible", "Date Approved", "Account Holder", "Cancellation Reason", "Cancellation Details", "Unnamed: 19"}},
      /* 0xCC-0xCE: Isometric's project list, issuances and retirements. */
      {"isometric", 39, {"id", "name", "status", "short_code", "url", "process_key", "pathway", "protocol_slug", "country_code", "validator_name", "current_verifier_name", "crediting_period_start", "crediting_period_end", "supplier.id", "supplier.short_description", "supplier.long_description", "supplier.organisation.id", "supplier.organisation.name", "supplier.organisation.domain", "supplier.location", "issued_credits_total.credits", "issued_credits_total.credit_kgs", "retired_credits_total.credits", "retired_credits_total.credit_kgs", "issued_buffer_pool_credits_total.credits", "issued_buffer_pool_credits_total.credit_kgs", "retired_buffer_pool_credits_total.credits", "retired_buffer_pool_credits_total.credit_kgs", "location.country_code", "location.country_name", "location.latitude", "location.longitude", "location.description", "location", "supplier.location.country_code", "supplier.location.country_name", "supplier.location.latitude", "supplier.location.longitude", "supplier.location.description"}},
      {"isometric", 21, {"id", "issued_at", "project_id", "supplier.id", "supplier.short_description", "supplier.long_description", "supplier.organisation.id", "supplier.organisation.name", "supplier.organisation.domain", "supplier.location", "supplier_credit_batch_size_total.credits", "supplier_credit_batch_size_total.credit_kgs", "buffer_pool_credit_batch_size_total.credits", "buffer_pool_credit_batch_size_total.credit_kgs", "credit_batch_size_total.credits", "credit_batch_size_total.credit_kgs", "supplier.location.country_code", "supplier.location.country_name", "supplier.location.latitude", "supplier.location.longitude", "supplier.location.description"}},
      {"isometric", 15, {"retirement_id", "retired_at", "purposes", "url", "notes", "beneficiary.id", "beneficiary.name", "beneficiary.domain", "owner.id", "owner.name", "owner.domain", "credit_batch_size_total.credits", "credit_batch_size_total.credit_kgs", "project_id", "sequestered_on"}},
      /* 0xCF-0xD1: Cercarbono's project list, issuances and retirements. */
      {"cercarbono", 20, {"id", "code", "is_public", "owner", "owner_id", "developer", "developer_id", "validator", "verifier", "credits_type", "name", "description", "standard", "sector", "evaluation_criteria", "quantification_method", "stage", "locations", "serials", "annualEstimated"}},
      {"cercarbono", 9, {"verification", "serial", "issued_quantity", "issuance_date", "year", "is_buffer", "vintage_of_credits", "global_goals", "elegible"}},
      {"cercarbono", 13, {"project_name", "project_id", "serial", "vintage", "certificate_destination", "end_user", "passive_subject", "date", "quantity", "public_consult", "from", "to", "industry"}},
      /* 0xD2, 0xD3: the project lists of Verra and Gold Standard. */
      {"verra", 13, {"ID", "Name", "Proponent", "Project Type", "AFOLU Activities", "Methodology", "Status", "Country/Area", "Estimated Annual Emission Reductions", "Region", "Project Registration Date", "Crediting Period Start Date", "Crediting Period End Date"}},
      {"gold-standard", 13, {"GSID", "Project Name", "Project Developer Name", "Status", "Sustainable Development Goals", "Project Type", "Country", "Description", "Estimated Annual Credits", "Methodology", "Size", "Programme of Activities", "POA GSID"}}
  };
  const char *const *hdr = data[0] % 3 == 0 ? verra : data[0] % 3 == 1 ? gsi : gsr;
  size_t nh = data[0] % 3 == 0 ? sizeof verra / sizeof *verra : data[0] % 3 == 1 ? sizeof gsi / sizeof *gsi
                                                                              : sizeof gsr / sizeof *gsr;
  const char *source = data[0] % 3 == 0 ? "verra" : "gold-standard";
  if (data[0] >= 0xC0) {
    size_t k = (size_t)(data[0] - 0xC0) % (sizeof more / sizeof *more);
    hdr = more[k].cols;
    nh = more[k].n;
    source = more[k].source;
  }
  fuzz_csv_acc a = {.hash = 14695981039346656037ULL, .max_line = 1}, b;
  for (size_t i = 0; i < size; i++) a.max_line += data[i] == '\n';
  char msg[256];
  if (!export_map_header(source, (char **)hdr, nh, &a.map, msg, sizeof msg))
    return "the fixed header is not recognised";
  b = a;
  const char *fail = fuzz_csv_read(data + 1, size - 1, size, &a);
  if (fail == NULL) fail = fuzz_csv_read(data + 1, size - 1, (size_t)(data[0] % 8) + 1, &b);
  if (fail == NULL && (a.hash != b.hash || a.nrec != b.nrec)) fail = "reading in pieces gives other records";
  return fail;
}

/*
 * mech: mech_parse (a mechanism definition, config/mechanisms/NAME.json) on
 * any bytes: no crash or leak; a refusal is INVALID_CONFIG with a message
 * naming the file and leaves nothing allocated; an accepted definition has
 * a runnable chain, its issue-20 keys in range (comment_days 0-365 on every
 * step, max_components 1-10000 with programmes, appeal_days 1-365 with
 * recourse), and the definition as loaded (less "file" and "hash") parses
 * again to the same rules.
 */
/* The issue-20 LDC sections of an accepted definition (mech_ldc.c):
 * safeguards, SD indicators, fees and benefit sharing loaded exactly when
 * their keys are there, within their limits, codes well formed and unique,
 * each on a step the mechanism has; fee tiers valid and the largest
 * issuance's fee computable; benefit shares 1-10000 bp, at most 10000 in
 * all, each recipient once. */
static bool fuzz_item_code(const char *c) {
  size_t n = strlen(c);
  if (n == 0 || n > L6_CODE_MAX || c[0] == '-' || c[n - 1] == '-') return false;
  for (size_t i = 0; i < n; i++)
    if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9') || c[i] == '-')) return false;
  return true;
}

static const char *fuzz_mech_ldc(const l6_mech *m) {
  json_t *j = m->json;
  if ((m->nsafeguards > 0) != (json_object_get(j, "safeguards") != NULL) || m->nsafeguards > L6_MAX_SAFEGUARDS ||
      m->nsafeguards != json_array_size(json_object_get(j, "safeguards")))
    return "safeguards loaded without the key, or not all of them";
  if ((m->nsd > 0) != (json_object_get(j, "sd_indicators") != NULL) || m->nsd > L6_MAX_SD_INDICATORS ||
      m->nsd != json_array_size(json_object_get(j, "sd_indicators")))
    return "SD indicators loaded without the key, or not all of them";
  if (m->fees != (json_object_get(j, "fees") != NULL)) return "fees loaded without the key, or not with it";
  if ((m->nbenefit > 0) != (json_object_get(j, "benefit_sharing") != NULL) || m->nbenefit > L6_MAX_BENEFIT_SHARES)
    return "benefit shares loaded without the key, or too many";
  if ((m->nsafeguards && !m->steps[L6_STEP_REGISTER].defined) || (m->nsd && !m->steps[L6_STEP_MONITOR].defined) ||
      (m->fees && !m->steps[L6_STEP_REGISTER].defined) || (m->nbenefit && !m->steps[L6_STEP_ISSUE].defined))
    return "an LDC section on a step the mechanism lacks";
  for (size_t i = 0; i < m->nsafeguards; i++) {
    if (!fuzz_item_code(m->safeguards[i].code) || !l6_valid_text(m->safeguards[i].text, L6_NAME_MAX))
      return "a safeguard's code or text is malformed";
    for (size_t k = 0; k < i; k++)
      if (strcmp(m->safeguards[k].code, m->safeguards[i].code) == 0) return "a safeguard is listed twice";
  }
  for (size_t i = 0; i < m->nsd; i++) {
    if (!fuzz_item_code(m->sd[i].code) || !fuzz_item_code(m->sd[i].unit) || !l6_valid_text(m->sd[i].name, L6_NAME_MAX))
      return "an SD indicator's code, unit or name is malformed";
    for (size_t k = 0; k < i; k++)
      if (strcmp(m->sd[k].code, m->sd[i].code) == 0) return "an SD indicator is listed twice";
  }
  if (m->fees) {
    if (strlen(m->currency) != 3 || !l6_valid_alpha3(m->currency)) return "a fee currency is not ISO 4217";
    if (m->registration_fee < 0 || m->registration_fee > L6_MAX_FEE_AMOUNT) return "a registration fee out of range";
    if (fee_tiers_check(m->tiers, m->ntiers) != NULL) return "invalid fee tiers loaded";
    int64_t amount = -1;
    l6_error e2;
    if (fee_tiers_amount(m->tiers, m->ntiers, L6_MAX_QUANTITY, &amount, NULL, NULL, &e2) != L6_E_OK || amount < 0 ||
        amount > (int64_t)L6_MAX_QUANTITY * L6_MAX_FEE_PER_UNIT)
      return "the fee of the largest issuance is not computable";
    if (m->nrelief > L6_MAX_FEE_RELIEF) return "too many relief groups";
    for (size_t i = 0; i < m->nrelief; i++) {
      const l6_mech_relief *r = &m->relief[i];
      if (r->group[0] == '\0' || (r->registration == L6_RELIEF_NONE && r->issuance == L6_RELIEF_NONE) ||
          r->issuance == L6_RELIEF_DEFER)
        return "a relief group grants nothing, or defers an issuance fee";
      for (size_t k = 0; k < i; k++)
        if (strcmp(m->relief[k].group, r->group) == 0) return "a relief group is listed twice";
    }
  } else if (m->nrelief || m->ntiers) {
    return "fee parts loaded without fees";
  }
  int sum = 0;
  for (size_t i = 0; i < m->nbenefit; i++) {
    if (m->benefit[i].bp < 1 || m->benefit[i].bp > L6_BP_ONE ||
        (strcmp(m->benefit[i].to, "host-community") != 0 && strcmp(m->benefit[i].to, "host-government") != 0))
      return "a benefit share out of range or to an unknown recipient";
    for (size_t k = 0; k < i; k++)
      if (strcmp(m->benefit[k].to, m->benefit[i].to) == 0) return "a benefit recipient is listed twice";
    sum += m->benefit[i].bp;
  }
  if (sum > L6_BP_ONE) return "benefit shares above 100 %";
  return NULL;
}

/* The LDC sections of two loads of one definition are the same. */
static const char *fuzz_mech_ldc_same(const l6_mech *a, const l6_mech *b) {
  if (a->nsafeguards != b->nsafeguards || a->nsd != b->nsd || a->fees != b->fees || a->nbenefit != b->nbenefit ||
      a->ntiers != b->ntiers || a->nrelief != b->nrelief || a->registration_fee != b->registration_fee ||
      strcmp(a->currency, b->currency) != 0)
    return "the LDC sections as loaded parse to other rules";
  for (size_t i = 0; i < a->nsafeguards; i++)
    if (strcmp(a->safeguards[i].code, b->safeguards[i].code) != 0 ||
        a->safeguards[i].must_hold != b->safeguards[i].must_hold || strcmp(a->safeguards[i].text, b->safeguards[i].text) != 0)
      return "a safeguard as loaded parses to another";
  for (size_t i = 0; i < a->nsd; i++)
    if (strcmp(a->sd[i].code, b->sd[i].code) != 0 || strcmp(a->sd[i].unit, b->sd[i].unit) != 0)
      return "an SD indicator as loaded parses to another";
  for (size_t i = 0; i < a->ntiers; i++)
    if (a->tiers[i].up_to != b->tiers[i].up_to || a->tiers[i].per_unit != b->tiers[i].per_unit)
      return "a fee tier as loaded parses to another";
  for (size_t i = 0; i < a->nrelief; i++)
    if (strcmp(a->relief[i].group, b->relief[i].group) != 0 || a->relief[i].registration != b->relief[i].registration ||
        a->relief[i].issuance != b->relief[i].issuance)
      return "a fee relief as loaded parses to another";
  for (size_t i = 0; i < a->nbenefit; i++)
    if (strcmp(a->benefit[i].to, b->benefit[i].to) != 0 || a->benefit[i].bp != b->benefit[i].bp)
      return "a benefit share as loaded parses to another";
  return NULL;
}

static const char *fuzz_mech_same(const l6_mech *a, const l6_mech *b) {
  if (strcmp(a->code, b->code) != 0 || a->chain != b->chain || a->poa != b->poa ||
      a->poa_max_components != b->poa_max_components || a->recourse != b->recourse || a->appeal_days != b->appeal_days ||
      a->nscopes != b->nscopes || a->ncalcs != b->ncalcs || a->levy.sop_bp != b->levy.sop_bp)
    return "the definition as loaded parses to other rules";
  for (int st = 0; st < L6_STEP__COUNT; st++)
    if (a->steps[st].defined != b->steps[st].defined || a->steps[st].role != b->steps[st].role ||
        a->steps[st].comment_days != b->steps[st].comment_days || a->steps[st].ndocs != b->steps[st].ndocs)
      return "a step of the definition as loaded parses to another step";
  return fuzz_mech_ldc_same(a, b);
}

static const char *fuzz_check_mech(const uint8_t *data, size_t size) {
  l6_mech m, again;
  l6_error err;
  memset(&err, 0, sizeof err);
  if (mech_parse("fuzz.json", (const char *)data, size, &m, &err) != L6_E_OK) {
    if (err.code != L6_E_INVALID_CONFIG) return "a refused definition is not invalid_config";
    if (strncmp(err.message, "fuzz.json: ", 11) != 0) return "a refusal does not name the file";
    if (m.json != NULL) return "a refused definition keeps its JSON";
    return NULL;
  }
  const char *fail = NULL;
  if (m.json == NULL) fail = "an accepted definition has no JSON";
  else if (!cycle_chain_ok(m.chain)) fail = "an accepted definition has a chain the machine cannot run";
  else if (m.poa != (json_object_get(m.json, "programmes") != NULL)) fail = "programmes allowed without the key, or not with it";
  else if (m.poa && (m.poa_max_components < 1 || m.poa_max_components > L6_MAX_POA_COMPONENTS))
    fail = "max_components out of range";
  else if (m.recourse && (m.appeal_days < 1 || m.appeal_days > L6_MAX_COMMENT_DAYS)) fail = "appeal_days out of range";
  else fail = fuzz_mech_ldc(&m);
  for (int st = 0; fail == NULL && st < L6_STEP__COUNT; st++)
    if (m.steps[st].comment_days < 0 || m.steps[st].comment_days > L6_MAX_COMMENT_DAYS ||
        (!m.steps[st].defined && m.steps[st].comment_days))
      fail = "comment_days out of range or on a step the mechanism lacks";
  if (fail == NULL) {
    json_t *copy = json_deep_copy(m.json);
    json_object_del(copy, "file");
    json_object_del(copy, "hash");
    char *text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    if (text == NULL) fail = "the definition as loaded cannot be written";
    else if (mech_parse("fuzz.json", text, strlen(text), &again, &err) != L6_E_OK) fail = "the definition as loaded is refused";
    else {
      fail = fuzz_mech_same(&m, &again);
      mech_free(&again);
    }
    free(text);
  }
  mech_free(&m);
  return fail;
}

/*
 * params: calc_params_parse (config/methodologies/parameters.json, issue
 * 20) on any bytes: no crash or leak; OK or INVALID_CONFIG only; a file
 * that loads holds only values in their calculator input's range, each
 * with a printable source and a valid Party code, and parses again to the
 * same values (deterministic).
 */
static const char *fuzz_check_params(const uint8_t *data, size_t size) {
  l6_calc_params *p = NULL, *q = NULL;
  l6_error err;
  l6_err e = calc_params_parse("fuzz.json", (const char *)data, size, &p, &err);
  if (e != L6_E_OK) {
    if (p != NULL) return "a refused file left parameters";
    return e == L6_E_INVALID_CONFIG || e == L6_E_NOMEM ? NULL : "refused with a code other than invalid_config";
  }
  const char *fail = NULL;
  for (size_t i = 0; i < p->n && fail == NULL; i++) {
    const l6_calc_param *x = &p->p[i];
    if (x->calc == NULL || x->input >= x->calc->ninputs) fail = "a parameter names no input";
    else if (x->value < x->calc->inputs[x->input].min || x->value > x->calc->inputs[x->input].max)
      fail = "a value outside its input's range loaded";
    else if (!l6_valid_text(x->source, 200)) fail = "a source is not printable text";
    else if (x->party[0] && !l6_valid_alpha3(x->party)) fail = "a Party code is not alpha-3";
  }
  if (fail == NULL && calc_params_parse("fuzz.json", (const char *)data, size, &q, &err) != L6_E_OK)
    fail = "the same bytes failed the second time";
  if (fail == NULL && (q->n != p->n || memcmp(q->p, p->p, p->n * sizeof p->p[0]) != 0 || strcmp(q->hash, p->hash) != 0))
    fail = "the same bytes gave other parameters";
  calc_params_free(p);
  calc_params_free(q);
  return fail;
}

/*
 * reading: svc_reading_parse and svc_reading_verify (a signed monitoring
 * reading, the body of POST /v1/activities/{id}/periods/{n}/data, issue 20)
 * on any bytes: no crash or leak; a refusal has one of the body's error
 * codes; an accepted reading has its fields in range, and its signed text
 * (svc_reading_message for activity FUZZ.ACT, period 1) splits back into
 * exactly those fields (no field can smuggle a line into another); signed
 * by the key of RFC 8032 test 1 it verifies, and no longer verifies once
 * seq, value, input or the period changes or a signature bit flips.
 * corpus/reading/valid is a reading of FUZZ.ACT period 1 signed by that key.
 */
static const char *fuzz_check_reading(const uint8_t *data, size_t size) {
  uint8_t pk[32], sk[64];
  if (!fuzz_rfc8032_key(pk, sk)) return "libsodium failed to initialise";
  char pkh[65];
  sodium_bin2hex(pkh, sizeof pkh, pk, sizeof pk);
  json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
  if (in == NULL) return NULL;
  l6_reading r;
  l6_error err;
  memset(&err, 0, sizeof err);
  l6_err e = svc_reading_parse(in, &r, &err);
  json_decref(in);
  if (e != L6_E_OK)
    return e == L6_E_BAD_JSON || e == L6_E_UNKNOWN_FIELD || e == L6_E_MISSING_FIELD || e == L6_E_WRONG_TYPE ||
                   e == L6_E_INVALID_VALUE
               ? (err.message[0] ? NULL : "a refusal without a message")
               : "a refusal with a code the body cannot have";
  if (r.seq < 1 || r.seq > INT32_MAX || r.value < 0 || !l6_valid_date(r.taken_on) || strlen(r.signature) != 128 ||
      !l6_valid_text(r.device, 40) || !l6_valid_text(r.input, 31))
    return "an accepted reading has a field out of range";
  char msg[L6_READING_MSG_MAX];
  int mlen;
  bool own = svc_reading_verify(pkh, "FUZZ.ACT", 1, &r, msg, sizeof msg, &mlen); /* the fuzzed signature */
  if (mlen < 0) return "an accepted reading's signed text does not fit";
  /* The signed text splits back into the fields. */
  char f[8][64];
  int nf = 0;
  const char *p = msg, *end = msg + mlen;
  while (p < end && nf < 8) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL || nl - p >= 64) return "the signed text has a field that is not one line";
    memcpy(f[nf], p, (size_t)(nl - p));
    f[nf++][nl - p] = '\0';
    p = nl + 1;
  }
  char seqs[24], vals[24];
  snprintf(seqs, sizeof seqs, "%lld", (long long)r.seq);
  snprintf(vals, sizeof vals, "%lld", (long long)r.value);
  if (nf != 8 || p != end || strcmp(f[0], "ledger6-reading/1") != 0 || strcmp(f[1], "FUZZ.ACT") != 0 ||
      strcmp(f[2], "1") != 0 || strcmp(f[3], r.device) != 0 || strcmp(f[4], seqs) != 0 || strcmp(f[5], r.input) != 0 ||
      strcmp(f[6], vals) != 0 || strcmp(f[7], r.taken_on) != 0)
    return "the signed text does not split back into the reading's fields";
  /* Signed by the test key it verifies; any change breaks it. */
  uint8_t sig[64];
  crypto_sign_ed25519_detached(sig, NULL, (const unsigned char *)msg, (unsigned long long)mlen, sk);
  l6_reading good = r;
  sodium_bin2hex(good.signature, sizeof good.signature, sig, sizeof sig);
  if (!svc_reading_verify(pkh, "FUZZ.ACT", 1, &good, msg, sizeof msg, &mlen)) return "a good signature does not verify";
  if (strcmp(good.signature, r.signature) == 0 && !own) return "the reading's own (good) signature did not verify";
  l6_reading bad = good;
  bad.seq = good.seq == INT32_MAX ? 1 : good.seq + 1;
  if (svc_reading_verify(pkh, "FUZZ.ACT", 1, &bad, msg, sizeof msg, &mlen)) return "a changed seq still verifies";
  bad = good;
  bad.value = good.value == INT64_MAX ? 0 : good.value + 1;
  if (svc_reading_verify(pkh, "FUZZ.ACT", 1, &bad, msg, sizeof msg, &mlen)) return "a changed value still verifies";
  bad = good;
  bad.input[0] = bad.input[0] == 'x' ? 'y' : 'x';
  if (svc_reading_verify(pkh, "FUZZ.ACT", 1, &bad, msg, sizeof msg, &mlen)) return "a changed input still verifies";
  if (svc_reading_verify(pkh, "FUZZ.ACT", 2, &good, msg, sizeof msg, &mlen)) return "another period still verifies";
  bad = good;
  bad.signature[r.seq % 128] = bad.signature[r.seq % 128] == '0' ? '1' : '0';
  if (svc_reading_verify(pkh, "FUZZ.ACT", 1, &bad, msg, sizeof msg, &mlen)) return "a changed signature still verifies";
  return NULL;
}

#endif
