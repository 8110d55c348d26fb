/* cli.h -- shared pieces of the ledger6 command line. */
#ifndef L6_CLI_H
#define L6_CLI_H

#include "../service/service.h"

/* The actor the CLI acts as: an administrator on the machine itself. */
extern const l6_actor cli_admin;

/* Fills the demo registry (demo.c). Prints a summary to stdout. */
l6_err demo_populate(l6_svc *s, l6_error *err);

#endif
