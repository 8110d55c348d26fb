/* sth.c -- signed tree heads; see sth.h. Pure. */
#include "sth.h"

#include <string.h>

#include <sodium.h>

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    p[i] = (uint8_t)(v & 0xff);
    v >>= 8;
  }
}

void sth_message(int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32], uint8_t out[STH_MESSAGE_BYTES]) {
  _Static_assert(sizeof STH_CONTEXT - 1 + 8 + 8 + 32 == STH_MESSAGE_BYTES, "STH message layout");
  size_t n = sizeof STH_CONTEXT - 1;
  memcpy(out, STH_CONTEXT, n);
  put_u64(out + n, (uint64_t)tree_size);
  put_u64(out + n + 8, (uint64_t)timestamp_ms);
  memcpy(out + n + 16, root, 32);
}

void sth_key_id(const uint8_t pk[STH_PUBLIC_KEY_BYTES], char out[STH_KEY_ID_LEN + 1]) {
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, pk, STH_PUBLIC_KEY_BYTES);
  sodium_bin2hex(out, STH_KEY_ID_LEN + 1, h, STH_KEY_ID_LEN / 2);
}

void sth_sign(const uint8_t sk[STH_SECRET_KEY_BYTES], int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32],
              uint8_t sig[STH_SIGNATURE_BYTES]) {
  uint8_t msg[STH_MESSAGE_BYTES];
  sth_message(tree_size, timestamp_ms, root, msg);
  crypto_sign_ed25519_detached(sig, NULL, msg, sizeof msg, sk);
}

bool sth_verify(const uint8_t pk[STH_PUBLIC_KEY_BYTES], int64_t tree_size, int64_t timestamp_ms, const uint8_t root[32],
                const uint8_t sig[STH_SIGNATURE_BYTES]) {
  if (tree_size < 0 || timestamp_ms < 0) return false;
  uint8_t msg[STH_MESSAGE_BYTES];
  sth_message(tree_size, timestamp_ms, root, msg);
  return crypto_sign_ed25519_verify_detached(sig, msg, sizeof msg, pk) == 0;
}
