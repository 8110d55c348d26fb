/*
 * store_common.h -- helpers shared by the store engines (store_sqlite.c,
 * store_pg.c); not part of the store interface. Implemented in store.c.
 */
#ifndef L6_STORE_COMMON_H
#define L6_STORE_COMMON_H

#include <stdbool.h>

/* True when name is a valid lease name: 1 to L6_LEASE_NAME_MAX characters
 * of [A-Za-z0-9._-]. */
bool store_lease_name_ok(const char *name);

/* A statement (number id) asked for outside a transaction on a store whose
 * owner made it tx_only (store.h): a service call without the writer
 * lock. Prints what happened and aborts. */
_Noreturn void store__outside_tx(int id);

#endif
