/*
 * origin.h -- registries outside the Parties (issue 17, docs/IMPORT.md):
 * independent standards (Verra, Gold Standard, ...) as registries of kind
 * "standard", their serials kept beside ledger6's own (origin blocks), and
 * the importer of their public exports (`ledger6 import`).
 *
 * The origins, their serial patterns and the export country names that
 * are not ISO 3166 names come from config/origins.json, read strictly: an
 * unknown key is INVALID_CONFIG.
 */
#ifndef L6_SVC_ORIGIN_H
#define L6_SVC_ORIGIN_H

#include <jansson.h>
#include <stdbool.h>

#include "../core/exports.h"
#include "service.h"

/* Reads DIR/origins.json (optional: no file, no origins) and
 * DIR/iso3166-1.tsv's names. INVALID_CONFIG names the file and key. */
l6_err svc_origins_load(l6_svc *s, const char *dir, l6_error *err);
void svc__origins_free(l6_svc *s);
/* Whether an origin of this code is configured. */
bool svc_origin_known(const l6_svc *s, const char *code);

/* Inside a transaction: the origin block holding the serials that text
 * names, tried against every origin's pattern in file order. INVALID_SERIAL
 * when no pattern matches, UNKNOWN_SERIAL when one matches but no block
 * holds its first serial. *origin_code gets the origin's code. */
l6_err svc__origin_find(l6_svc *s, const char *text, l6_origin_block *out, l6_error *err);

typedef struct {
  bool dry_run; /* do everything, then roll it all back */
  bool strict;  /* the first refused row rolls everything back */
} svc_import_opts;

typedef enum {
  IMPORT_ADDED = 1, /* a new block (issued, and retired or cancelled when the row says so) */
  IMPORT_RETIRED,   /* units of a known block retired or cancelled now (mirror mode) */
  IMPORT_UNCHANGED, /* the store already says what the row says */
  IMPORT_NOTED,     /* an issuance record without serials: its units counted toward the vintage's total */
  IMPORT_UPDATED    /* a row changed a recorded project's facts or a recorded batch's labels (mirror mode) */
} svc_import_outcome;

typedef struct svc_import svc_import;

/* Starts an import of origin's rows as actor a (administrator): makes the
 * origin's registry (kind "standard", with its pending, retirement and
 * cancellation accounts) and its seat Party when absent, and opens the
 * first transaction. The service stays locked until svc_import_end, and
 * commits every L6_IMPORT_COMMIT_ROWS rows (never with dry_run or strict).
 * *out is freed by svc_import_end. */
l6_err svc_import_begin(l6_svc *s, const l6_actor *a, const char *origin, const svc_import_opts *o, svc_import **out,
                        l6_error *err);
/* Applies one row, all or nothing: *outcome says what it did. A refused
 * row changes nothing and returns its error (the reason in err):
 * INVALID_SERIAL, INVALID_VALUE, UNKNOWN_PARTY (a country no ISO name nor
 * alias names), UNKNOWN_SERIAL (a retirement of a block never issued),
 * DOUBLE_ISSUANCE, EXPORT_CONFLICT, or a refusal of the policy step.
 * STORE/BUSY end the import (call svc_import_end with commit false). */
l6_err svc_import_row(svc_import *im, const export_row *r, svc_import_outcome *outcome, l6_error *err);
/* Records the units each row's vintage total leaves unplaced, then
 * commits (commit true and not a dry run) or rolls back the open
 * transaction, unlocks, frees im. *summary (new reference, may be NULL on
 * failure): {"origin", "dry_run", "projects", "batches", "added",
 * "retired", "unchanged", "updated" (projects whose facts a project list
 * changed), "noted" (issuance records without serials read),
 * "totals_changed" (vintage totals new or changed in the store),
 * "labels_changed" (labels set or dropped on batches recorded before:
 * mirror mode; a row that changed only labels counts as "updated"),
 * "by_vintage": [{"vintage", "issued", "retired", "unplaced", "buffer",
 * "retired_unplaced" (of unplaced, retired without serials: Isometric)}]}. */
l6_err svc_import_end(svc_import *im, bool commit, json_t **summary, l6_error *err);

/* The origin (its code; NULL: a project made in ledger6) of a project id
 * PREFIX.ID by the origins' project_prefix, its name and the origin's own
 * project id (pointers into s's configuration and into project). */
const char *svc__origin_of_project(const l6_svc *s, const char *project, const char **name, const char **origin_id);

#endif
