/*
 * sth.h -- signed tree heads: what the registry signs (Ed25519, libsodium)
 * and the key ids that name its keys. Pure: no I/O, no allocation.
 *
 * The signed message is 69 bytes:
 *
 *   "ledger6 tree head v1\n"     21 bytes of ASCII
 *   tree_size                    8 bytes, unsigned big-endian
 *   timestamp                    8 bytes, unsigned big-endian, ms since 1970 UTC
 *   root_hash                    32 bytes (RFC 6962 MTH of the first tree_size leaves)
 *
 * A key id is the first 8 bytes of SHA-256(public key), in 16 lowercase
 * hex digits.
 */
#ifndef L6_STH_H
#define L6_STH_H

#include <stdbool.h>
#include <stdint.h>

#define STH_CONTEXT "ledger6 tree head v1\n"
#define STH_MESSAGE_BYTES 69
#define STH_KEY_ID_LEN 16 /* hex digits */
#define STH_PUBLIC_KEY_BYTES 32
#define STH_SECRET_KEY_BYTES 64
#define STH_SIGNATURE_BYTES 64

/* The message a tree head signs. */
void sth_message(int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32], uint8_t out[STH_MESSAGE_BYTES]);

/* The key id of a public key, NUL-terminated. */
void sth_key_id(const uint8_t pk[STH_PUBLIC_KEY_BYTES], char out[STH_KEY_ID_LEN + 1]);

/* Signs a tree head with an Ed25519 secret key (libsodium's 64-byte form). */
void sth_sign(const uint8_t sk[STH_SECRET_KEY_BYTES], int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32],
              uint8_t sig[STH_SIGNATURE_BYTES]);

/* True when sig is pk's signature of the tree head. */
bool sth_verify(const uint8_t pk[STH_PUBLIC_KEY_BYTES], int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32],
                const uint8_t sig[STH_SIGNATURE_BYTES]);

#endif
