/* views.c -- records to JSON; see views.h. */
#include "views.h"

#include <sodium.h>
#include <stdio.h>
#include <time.h>

#include "../core/serial.h"

static json_t *id_or_null(l6_id id) { return id > 0 ? json_integer(id) : json_null(); }

json_t *view_party(const l6_party *p) { return json_pack("{s:s, s:s}", "code", p->code, "name", p->name); }

json_t *view_registry(const l6_registry *r) {
  return json_pack("{s:s, s:s, s:s, s:s}", "id", r->id, "party", r->party, "name", r->name, "kind",
                   r->kind[0] ? r->kind : "party");
}

json_t *view_org(const l6_org *o) {
  return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)o->id, "registry", o->registry, "name", o->name);
}

json_t *view_account(const l6_account *a) {
  return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)a->id, "registry", a->registry,
                   "organisation", id_or_null(a->org), "type", l6_account_type_str(a->type), "status",
                   l6_account_status_str(a->status), "name", a->name);
}

json_t *view_programme(const l6_programme *p) {
  return json_pack("{s:s, s:s, s:s}", "code", p->code, "name", p->name, "kind", p->kind);
}

json_t *view_unit_type(const l6_unit_type *u) {
  json_t *v = json_pack("{s:s, s:s, s:s}", "code", u->code, "programme", u->programme, "name", u->name);
  if (v && u->non_offsetting) json_object_set_new(v, "non_offsetting", json_true());
  return v;
}

json_t *view_project(const l6_project *p) {
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", p->id, "programme", p->programme,
                   "host", p->host, "title", p->title, "methodology", p->methodology, "sector", p->sector,
                   "kind", p->kind, "crediting_start", p->crediting_start, "crediting_end", p->crediting_end,
                   "status", p->status);
}

json_t *view_block(const l6_batch *b, const char *host, int64_t first, int64_t last) {
  l6_serial s = {.vintage = b->vintage, .batch = b->id, .first = first, .last = last, .is_block = true};
  snprintf(s.unit_type, sizeof s.unit_type, "%s", b->unit_type);
  snprintf(s.host, sizeof s.host, "%s", host);
  snprintf(s.project, sizeof s.project, "%s", b->project);
  char buf[L6_SERIAL_MAX + 1];
  if (serial_format(&s, buf, sizeof buf) < 0) buf[0] = '\0';
  return json_pack("{s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:i}", "batch", (json_int_t)b->id, "first",
                   (json_int_t)first, "last", (json_int_t)last, "quantity", (json_int_t)(last - first + 1),
                   "serial", buf, "unit_type", b->unit_type, "project", b->project, "vintage", b->vintage);
}

json_t *view_tx(const l6_tx *t, bool public_view) {
  json_t *o = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)t->id, "kind", l6_tx_kind_str(t->kind),
                        "timestamp", t->ts, "quantity", (json_int_t)t->quantity);
  if (o == NULL) return NULL;
  if (!public_view) {
    json_object_set_new(o, "actor", json_string(t->actor));
    json_object_set_new(o, "from_account", id_or_null(t->from_account));
    json_object_set_new(o, "to_account", id_or_null(t->to_account));
  }
  if (t->kind == L6_TX_RETIREMENT || t->kind == L6_TX_CANCELLATION) {
    json_object_set_new(o, "beneficiary", json_string(t->beneficiary));
    json_object_set_new(o, "purpose", json_string(t->purpose));
    json_object_set_new(o, "claim", json_string(t->claim));
    json_object_set_new(o, "reporting_year", t->reporting_year ? json_integer(t->reporting_year) : json_null());
  }
  return o;
}

void view_set_next(json_t *list, const char *cursor) {
  json_object_set_new(list, "next", cursor ? json_string(cursor) : json_null());
}

json_t *view_hex(const uint8_t *bytes, size_t n) {
  char buf[2 * 64 + 1];
  if (n > 64) return NULL;
  sodium_bin2hex(buf, sizeof buf, bytes, n);
  return json_string(buf);
}

json_t *view_log_head(const l6_log_head *h) {
  return json_pack("{s:I, s:I, s:o, s:s, s:o}", "tree_size", (json_int_t)h->tree_size, "timestamp",
                   (json_int_t)h->timestamp_ms, "root_hash", view_hex(h->root, sizeof h->root), "key_id", h->key_id,
                   "signature", view_hex(h->signature, sizeof h->signature));
}

json_t *view_log_key(const l6_log_key *k) {
  char b64[sodium_base64_ENCODED_LEN(STH_PUBLIC_KEY_BYTES, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(b64, sizeof b64, k->public_key, sizeof k->public_key, sodium_base64_VARIANT_ORIGINAL);
  return json_pack("{s:s, s:s, s:o, s:s, s:I, s:b}", "key_id", k->id, "algorithm", "Ed25519", "public_key",
                   view_hex(k->public_key, sizeof k->public_key), "public_key_base64", b64, "created",
                   (json_int_t)k->created_ms, "current", k->current);
}

void view_iso_time(int64_t ms, char out[32]) {
  time_t secs = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char date[24];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, 32, "%s.%03dZ", date, (int)(ms % 1000));
}
