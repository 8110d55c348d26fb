/*
 * cadt_cli.c -- `ledger6 export cadt`: the projects and units in the
 * Climate Action Data Trust's shape (docs/IMPORT.md "CADT"), the same
 * records GET /v1/cadt/projects and /v1/cadt/units give, written page by
 * page (one page in memory at a time) as two JSON arrays:
 *
 *   ledger6 export cadt [--out DIR] [--store SPEC] [--config DIR]
 *
 * DIR/projects.json and DIR/units.json (DIR: the current directory by
 * default). Exit status: 0 written, 2 usage, 3 the store or a file failed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *usage =
    "usage: ledger6 export cadt [--out DIR] [--store SPEC] [--config DIR]\n"
    "Writes DIR/projects.json and DIR/units.json: every project and every unit block in the\n"
    "Climate Action Data Trust's data model (docs/IMPORT.md \"CADT\"), as GET /v1/cadt/projects\n"
    "and /v1/cadt/units give them.\n";

bool cli_cadt_has(const char *cmd) { return strcmp(cmd, "export") == 0; }

typedef l6_err (*page_fn)(l6_svc *s, const l6_page *pg, json_t **out, l6_error *err);

/* Writes every page of fn to DIR/name as one JSON array; the count in *n. */
static int write_all(l6_svc *s, page_fn fn, const char *dir, const char *name, long *n) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    return 3;
  }
  l6_page pg = {.limit = L6_MAX_PAGE};
  int status = 0;
  *n = 0;
  fputs("[", f);
  for (;;) {
    json_t *out = NULL;
    l6_error err = {0};
    if (fn(s, &pg, &out, &err) != L6_E_OK) {
      fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(err.code), err.message);
      status = 3;
      break;
    }
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(out, "items"), i, v) {
      char *t = json_dumps(v, JSON_PRESERVE_ORDER | JSON_COMPACT);
      if (t == NULL) status = 3;
      else fprintf(f, "%s\n%s", *n ? "," : "", t);
      free(t);
      (*n)++;
    }
    const char *next = json_string_value(json_object_get(out, "next"));
    if (next) snprintf(pg.after, sizeof pg.after, "%s", next);
    json_decref(out);
    if (next == NULL || status) break;
  }
  fputs("\n]\n", f);
  if (fclose(f) != 0) {
    perror(path);
    status = 3;
  }
  return status;
}

int cli_cadt_main(int argc, char **argv) {
  static const struct option longs[] = {{"db", required_argument, NULL, 'd'},  {"store", required_argument, NULL, 'd'},
                                        {"keys", required_argument, NULL, 'K'}, {"config", required_argument, NULL, 'c'},
                                        {"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  const char *db = "data/ledger6.db", *config = cli_config_default(), *dir = ".";
  if (argc < 2 || strcmp(argv[1], "cadt") != 0) {
    bool help = argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0);
    fputs(usage, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  int ch;
  optind = 1;
  while ((ch = getopt_long(argc - 1, argv + 1, "h", longs, NULL)) != -1) {
    switch (ch) {
    case 'd': db = optarg; break;
    case 'c': config = optarg; break;
    case 'K': break;
    case 'o': dir = optarg; break;
    case 'h': fputs(usage, stdout); return 0;
    default: fputs(usage, stderr); return 2;
    }
  }
  if (optind != argc - 1) {
    fputs(usage, stderr);
    return 2;
  }
  l6_error err = {0};
  l6_svc *s = cli_open(db, config, &err);
  if (s == NULL) {
    fprintf(stderr, "ledger6: %s: %s\n", l6_err_code(err.code), err.message);
    return 3;
  }
  long np = 0, nu = 0;
  int status = write_all(s, svc_cadt_projects, dir, "projects.json", &np);
  if (status == 0) status = write_all(s, svc_cadt_units, dir, "units.json", &nu);
  if (status == 0) printf("cadt: %ld projects, %ld units written to %s\n", np, nu, dir);
  svc_close(s);
  return status;
}
