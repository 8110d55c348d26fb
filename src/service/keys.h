/*
 * keys.h -- the registry's signing key file, kept next to the store
 * (default: the store's path + ".keys", mode 0600). The store holds only
 * the public keys (log_keys); this file holds the secret of the current
 * key and, for the record, the id and public key of every retired one.
 *
 * Format: text, one key per line, '#' starts a comment:
 *
 *   key <key id> <created, ms since 1970> current <public key hex> <secret seed hex>
 *   key <key id> <created, ms since 1970> retired <public key hex> -
 *
 * Rotating retires the current key and forgets its secret: old tree heads
 * stay verifiable under their key id with the public key, and nobody can
 * sign new heads with a retired key. Writes go to "<path>.tmp" first and
 * are renamed into place (keys_install) once the store agrees.
 */
#ifndef L6_KEYS_H
#define L6_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/sth.h"
#include "../errors.h"
#include "../limits.h"

typedef struct {
  char id[STH_KEY_ID_LEN + 1];
  uint8_t pk[STH_PUBLIC_KEY_BYTES];
  uint8_t sk[STH_SECRET_KEY_BYTES]; /* zero for retired keys */
  int64_t created_ms;
  bool current;                     /* exactly one key of a ring is */
} l6_key;

typedef struct {
  size_t n;
  l6_key k[L6_MAX_KEYS];
} l6_keyring;

/* Reads the key file at path into *r. NOT_FOUND when there is no file;
 * INVALID_VALUE (with file and line) when it is malformed, readable by
 * group or others, or a key does not match its id. */
l6_err keys_load(const char *path, l6_keyring *r, l6_error *err);

/* Writes *r to "<path>.tmp", mode 0600, and syncs it. */
l6_err keys_write_tmp(const char *path, const l6_keyring *r, l6_error *err);
/* Renames "<path>.tmp" to path and syncs the folder. */
l6_err keys_install(const char *path, l6_error *err);
/* Removes "<path>.tmp" (after a failed store commit). */
void keys_discard_tmp(const char *path);

/* A new random key, current, created at now_ms. */
void keys_new(l6_key *k, int64_t now_ms);
/* The current key of r, or NULL. */
const l6_key *keys_current(const l6_keyring *r);
/* Zeroes every secret in r. */
void keys_wipe(l6_keyring *r);

/* Parses a public key given as 64 hex digits or 44 base64 characters
 * (surrounding white space ignored). False when it is neither. */
bool keys_parse_public(const char *text, uint8_t out[STH_PUBLIC_KEY_BYTES]);

#endif
