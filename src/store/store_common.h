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
 * lock. Prints what happened with a backtrace (the first 20 times), and
 * aborts when the environment has L6_TX_GUARD=abort (the test suite sets
 * it). Without it the caller goes on safely: PostgreSQL refuses the
 * statement (a connection two threads use at once is corrupted), SQLite
 * runs it (its connection is serialized; the read may see another
 * request's uncommitted rows). */
void store__outside_tx(int id);

/* The project list's statement for its filters (issue 21, schema 28): the
 * one led by host and status, host, status or programme equality, so the
 * planner reads that filter's index instead of every project by id (the
 * OR forms "(? = '' OR host = ?)" of the unfiltered statement use no
 * index); all: no filter. Each statement keeps the other filters' OR forms
 * and binds the same parameters. */
int store__proj_list_q(const char *programme, const char *host, const char *status, int all, int host_status, int by_host,
                       int by_status, int by_programme);

#endif
