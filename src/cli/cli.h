/* cli.h -- shared pieces of the ledger6 command line. */
#ifndef L6_CLI_H
#define L6_CLI_H

#include "../service/service.h"

/* The actor the CLI acts as: an administrator on the machine itself. */
extern const l6_actor cli_admin;

/* The configuration folder when no --config names one, found once, first
 * match wins (README.md, "CLI"):
 *   1. $LEDGER6_CONFIG, when set and not empty (taken as it is);
 *   2. ./config, when it holds iso3166-1.tsv (running in the source tree);
 *   3. BINDIR/../share/ledger6/config (an installed binary: /usr/local/bin
 *      -> /usr/local/share/ledger6/config);
 *   4. BINDIR/../config (the binary built in the source tree: build/ledger6);
 * where BINDIR is the folder of the running binary (/proc/self/exe).
 * When none holds iso3166-1.tsv: "config", whose error names it. The
 * string is static; never NULL. */
const char *cli_config_default(void);

/* Opens the store at db, the service over it, and loads the config
 * folder (main.c). NULL and err on failure. */
l6_svc *cli_open(const char *db, const char *config, l6_error *err);

/* The project cycle's commands (cycle_cli.c): is cmd one of them, and run
 * it (argv[0] is the command). Returns the exit status. */
bool cli_cycle_has(const char *cmd);
int cli_cycle_main(int argc, char **argv);

/* Article 6.2 reports (a6_cli.c): `ledger6 report aef|balances|whatif`. */
bool cli_a6_has(const char *cmd);
int cli_a6_main(int argc, char **argv);

/* The Article 6.8 platform's reads (nma_cli.c): `ledger6 nma list|ranking|totals|marketplace`. */
bool cli_nma_has(const char *cmd);
int cli_nma_main(int argc, char **argv);
/* Emissions trading (ets_cli.c): `ledger6 ets rules|report|dry-run|surrender`. */
bool cli_ets_has(const char *cmd);
int cli_ets_main(int argc, char **argv);
/* The exchange (ex_cli.c): `ledger6 exchange ...`. */
bool cli_ex_has(const char *cmd);
int cli_ex_main(int argc, char **argv);

/* Registries' public exports (import_cli.c): `ledger6 import`. */
bool cli_import_has(const char *cmd);
int cli_import_main(int argc, char **argv);
/* `ledger6 export cadt` (cadt_cli.c, docs/IMPORT.md "CADT"). */
bool cli_cadt_has(const char *cmd);
int cli_cadt_main(int argc, char **argv);

/* Fills the demo registry (demo.c). Prints a summary to stdout. */
l6_err demo_populate(l6_svc *s, l6_error *err);

#endif
