/*
 * limits.h -- every hard limit of ledger6 in one place (after SQLite's
 * sqliteLimit.h). Each limit says why it exists. Changing one is a
 * behaviour change: document it in docs/API.md in the same commit.
 */
#ifndef L6_LIMITS_H
#define L6_LIMITS_H

/* Largest request body accepted by the HTTP API. A transfer naming
 * L6_MAX_RANGES ranges fits in well under 64 KiB; anything larger is a
 * mistake or an attack. Answered with 413. */
#define L6_MAX_BODY_BYTES (64 * 1024)

/* Deepest JSON nesting accepted. No request of ours nests deeper than 4;
 * the limit stops stack-hungry inputs before jansson parses them. */
#define L6_MAX_JSON_DEPTH 16

/* Most explicit serial ranges one transaction may name, and most blocks
 * one transaction may consume or create. Bounds the work (and the SQL
 * statements) done under the store's write lock by one request. */
#define L6_MAX_RANGES 256
#define L6_MAX_BLOCKS_PER_TX 1024

/* Largest page of a list request, and the default page. */
#define L6_MAX_PAGE 500
#define L6_DEFAULT_PAGE 50

/* Largest quantity in one issuance batch and largest serial number.
 * 10^12 t is about twenty years of global emissions; serials stay far
 * below INT64_MAX so first + quantity can never overflow. */
#define L6_MAX_QUANTITY 1000000000000LL
#define L6_MAX_SERIAL 4000000000000000000LL

/* String field lengths (bytes, excluding the terminating NUL). */
#define L6_CODE_MAX 32   /* unit type, programme, project and registry codes */
#define L6_NAME_MAX 200  /* names, titles, beneficiaries */
#define L6_TEXT_MAX 2000 /* claim texts, descriptions */
#define L6_IDEM_MAX 128  /* idempotency keys */
#define L6_SERIAL_MAX 160 /* a formatted serial string */

/* Vintages accepted (years). */
#define L6_VINTAGE_MIN 1990
#define L6_VINTAGE_MAX 2100

/* HTTP server: simultaneous connections, seconds before an idle
 * connection is closed, worker threads. */
#define L6_MAX_CONNECTIONS 256
#define L6_CONN_TIMEOUT_S 30
#define L6_HTTP_THREADS 4

/* How long a transaction waits for another writer of the store (another
 * thread's or process's transaction) before it gives up with BUSY (503,
 * "retry"). Service transactions last milliseconds; five seconds of
 * waiting means something is wrong, and the client should hear it. */
#define L6_STORE_BUSY_TIMEOUT_MS 5000

/* Leases (store.h): longest name, and most leases one store holds at
 * once. Single-owner jobs are few (a log appender, a tree-head signer). */
#define L6_LEASE_NAME_MAX 64
#define L6_MAX_LEASES 16

/* Longest store spec (an SQLite path or a PostgreSQL connection URI,
 * several hosts and parameters included). */
#define L6_STORE_SPEC_MAX 1024

#endif
