/*
 * calc_params.h -- methodology parameters as data (issue 20, item 7):
 * the defaults and the Parties' factors (grid emission factors, fNRB, ...)
 * that fill the inputs a monitoring report leaves out, read from
 * config/methodologies/parameters.json instead of being fixed in C.
 *
 * The calculators (core/calc.h) keep their formulas and input ranges (the
 * ranges bound every intermediate product, so they stay in C); a parameter
 * names one input of one calculator and gives its value by default and/or
 * per host Party, each value with its source. Parsing is strict: unknown
 * keys, unknown calculators or inputs, values outside the input's range,
 * malformed Party codes and missing sources are refused with the file, the
 * key and the reason (INVALID_CONFIG). Pure: no I/O.
 */
#ifndef L6_CALC_PARAMS_H
#define L6_CALC_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/calc.h"
#include "../errors.h"

#define L6_MAX_CALC_PARAMS 512         /* values in one file */
#define L6_MAX_CALC_PARAMS_BYTES 65536 /* the file's size */

typedef struct {
  const l6_calc *calc;
  size_t input;                        /* index into calc->inputs */
  char party[4];                       /* "" for the default */
  int64_t value;
  char source[201];                    /* where the figure comes from */
} l6_calc_param;

typedef struct l6_calc_params {
  size_t n;
  l6_calc_param p[L6_MAX_CALC_PARAMS];
  char hash[65];                       /* SHA-256 of the file, hex */
} l6_calc_params;

/* Parses text[0..len) (path names it in messages). *out is malloc'd and
 * owned by the caller (calc_params_free); NULL on error. */
l6_err calc_params_parse(const char *path, const char *text, size_t len, l6_calc_params **out, l6_error *err);
void calc_params_free(l6_calc_params *p);

/* The parameter of calc's input for host: the Party's value if the file
 * gives one, else the default; NULL when there is neither. */
const l6_calc_param *calc_params_find(const l6_calc_params *p, const l6_calc *calc, size_t input, const char *host);

#endif
