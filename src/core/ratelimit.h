/*
 * ratelimit.h -- token buckets for the HTTP server's rate limits (api.c):
 * writes per token and per client address, failed authentications per
 * address and per presented credential. Pure: no I/O, no clock, no
 * allocation, no locking; the caller passes the time (microseconds of a
 * monotonic clock), owns the slots and serialises calls.
 *
 * A bucket holds at most `burst` tokens and gains `n` tokens every `per_s`
 * seconds (continuously, in millionths of a token, integers only); an event
 * takes one token, and is refused when less than one is left. A bucket that
 * is full again is the same as no bucket, so a table may forget it.
 */
#ifndef L6_RATELIMIT_H
#define L6_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A rate: n events per per_s seconds, up to burst at once. n == 0: no limit. */
typedef struct {
  int32_t n, per_s, burst;
} l6_rate;

/* The largest n and burst a rate may have (keeps every product in int64). */
#define L6_RATE_MAX 1000000

/* Parses "off", "N/s", "N/min" or "N/h", optionally followed by ",BURST"
 * (default burst: N). 1 <= N, BURST <= L6_RATE_MAX. False when malformed
 * (*out untouched). */
bool l6_rate_parse(const char *s, l6_rate *out);
/* Formats a rate as l6_rate_parse reads it ("50/s,500", "off"). */
void l6_rate_format(const l6_rate *r, char *buf, size_t cap);

/* One bucket: micro-tokens held at time at_us. key 0 marks a free slot. */
typedef struct {
  uint64_t key;
  int64_t level;
  int64_t at_us;
} l6_bucket;

/* A table of buckets of one rate, keyed by a 64-bit key (an address, a
 * token id, a credential's hash), open addressing over caller-owned slots.
 * When every slot of a key's probe window is taken, the bucket nearest to
 * full is reused: it is the one whose loss forgives the least. */
typedef struct {
  l6_rate rate;
  l6_bucket *slots;
  size_t cap; /* a power of two */
} l6_ratetab;

/* slots: cap zeroed buckets, cap a power of two (>= 8). */
void l6_ratetab_init(l6_ratetab *t, l6_rate rate, l6_bucket *slots, size_t cap);

/* Whether an event of key may happen at now_us; when take, it happens (its
 * token is taken). When refused, *retry_s (may be NULL) is the whole number
 * of seconds (>= 1) until one token is back. A rate with n == 0 allows all. */
bool l6_ratetab_allow(l6_ratetab *t, uint64_t key, int64_t now_us, bool take, int *retry_s);

#endif
