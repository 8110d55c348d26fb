/*
 * views.h -- the JSON shape of each record, as the API returns it. One
 * place, so the API, the CLI and the tests see the same documents.
 * Every function returns a new reference (NULL only when out of memory).
 */
#ifndef L6_VIEWS_H
#define L6_VIEWS_H

#include <jansson.h>

#include "../store/store.h"

json_t *view_party(const l6_party *p);
json_t *view_registry(const l6_registry *r);
json_t *view_org(const l6_org *o);
json_t *view_account(const l6_account *a);
json_t *view_programme(const l6_programme *p);
json_t *view_unit_type(const l6_unit_type *u);
json_t *view_project(const l6_project *p);
/* A block of a batch: serial range, quantity, serial string. host is the
 * project's host Party. */
json_t *view_block(const l6_batch *b, const char *host, int64_t first, int64_t last);
/* A transaction without its blocks; public hides account ids. */
json_t *view_tx(const l6_tx *t, bool public_view);
/* Transparency log. Hashes, keys and signatures are lowercase hex. */
json_t *view_hex(const uint8_t *bytes, size_t n);
/* {"tree_size","timestamp","root_hash","key_id","signature"} */
json_t *view_log_head(const l6_log_head *h);
/* {"key_id","algorithm","public_key","public_key_base64","created","current"} */
json_t *view_log_key(const l6_log_key *k);
/* "2026-11-21T01:51:55.231Z" for ms since 1970 UTC (ISO 8601, ms). */
void view_iso_time(int64_t ms, char out[32]);
/* Adds "next": cursor (or null) to a list object. */
void view_set_next(json_t *list, const char *cursor);

#endif
