/*
 * ratelimit.c -- token buckets (ratelimit.h).
 */
#include "ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MICRO INT64_C(1000000)
#define PROBE 8 /* slots of one key's probe window */

static bool parse_uint(const char **p, int32_t *out) {
  const char *s = *p;
  int64_t v = 0;
  if (*s < '0' || *s > '9') return false;
  for (; *s >= '0' && *s <= '9'; s++) {
    v = v * 10 + (*s - '0');
    if (v > L6_RATE_MAX) return false;
  }
  *out = (int32_t)v;
  *p = s;
  return true;
}

bool l6_rate_parse(const char *s, l6_rate *out) {
  if (s == NULL) return false;
  if (strcmp(s, "off") == 0) {
    *out = (l6_rate){0, 1, 0};
    return true;
  }
  l6_rate r = {0};
  if (!parse_uint(&s, &r.n) || r.n < 1 || *s++ != '/') return false;
  if (strncmp(s, "s", 1) == 0 && (s[1] == '\0' || s[1] == ',')) r.per_s = 1, s += 1;
  else if (strncmp(s, "min", 3) == 0 && (s[3] == '\0' || s[3] == ',')) r.per_s = 60, s += 3;
  else if (strncmp(s, "h", 1) == 0 && (s[1] == '\0' || s[1] == ',')) r.per_s = 3600, s += 1;
  else return false;
  r.burst = r.n;
  if (*s == ',') {
    s++;
    if (!parse_uint(&s, &r.burst) || r.burst < 1) return false;
  }
  if (*s != '\0') return false;
  *out = r;
  return true;
}

void l6_rate_format(const l6_rate *r, char *buf, size_t cap) {
  if (r->n == 0) {
    snprintf(buf, cap, "off");
    return;
  }
  const char *unit = r->per_s == 1 ? "s" : r->per_s == 60 ? "min" : "h";
  snprintf(buf, cap, "%d/%s,%d", (int)r->n, unit, (int)r->burst);
}

void l6_ratetab_init(l6_ratetab *t, l6_rate rate, l6_bucket *slots, size_t cap) {
  t->rate = rate;
  t->slots = slots;
  t->cap = cap;
}

/* splitmix64's finaliser: spreads keys that differ in a few bits. */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= UINT64_C(0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= UINT64_C(0x94d049bb133111eb);
  return x ^ (x >> 31);
}

/* The level of b at now_us: refilled, never above the burst. */
static int64_t level_at(const l6_rate *r, const l6_bucket *b, int64_t now_us) {
  int64_t full = (int64_t)r->burst * MICRO;
  int64_t dt = now_us - b->at_us;
  if (dt <= 0) return b->level;
  /* n/per_s tokens per second = n micro-tokens per per_s microseconds;
   * past the time to fill, the bucket is full (and dt * n cannot overflow). */
  int64_t fill_us = (full - b->level) / r->n * r->per_s + r->per_s;
  if (dt >= fill_us) return full;
  int64_t v = b->level + dt * r->n / r->per_s;
  return v > full ? full : v;
}

bool l6_ratetab_allow(l6_ratetab *t, uint64_t key, int64_t now_us, bool take, int *retry_s) {
  const l6_rate *r = &t->rate;
  if (r->n == 0) return true;
  if (key == 0) key = 1; /* 0 marks a free slot */
  int64_t full = (int64_t)r->burst * MICRO;
  size_t mask = t->cap - 1, start = (size_t)mix(key) & mask;
  l6_bucket *b = NULL, *free_slot = NULL, *fullest = NULL;
  int64_t fullest_level = -1;
  for (size_t i = 0; i < PROBE && i < t->cap; i++) {
    l6_bucket *s = &t->slots[(start + i) & mask];
    if (s->key == key) {
      b = s;
      break;
    }
    if (s->key == 0) {
      if (free_slot == NULL) free_slot = s;
      continue;
    }
    int64_t lv = level_at(r, s, now_us);
    if (lv > fullest_level) fullest_level = lv, fullest = s;
  }
  if (b == NULL) {
    b = free_slot ? free_slot : fullest;
    *b = (l6_bucket){.key = key, .level = full, .at_us = now_us};
  }
  int64_t lv = level_at(r, b, now_us);
  if (lv >= MICRO) {
    if (take) {
      b->level = lv - MICRO;
      b->at_us = now_us;
    }
    return true;
  }
  if (retry_s) {
    /* (MICRO - lv) micro-tokens come back in (MICRO - lv) * per_s / n us. */
    int64_t us = ((MICRO - lv) * r->per_s + r->n - 1) / r->n;
    int64_t s = (us + MICRO - 1) / MICRO;
    *retry_s = s < 1 ? 1 : (int)s;
  }
  return false;
}
