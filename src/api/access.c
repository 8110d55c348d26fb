/*
 * access.c -- the access log and request ids; see access.h.
 *
 * A line is a compact JSON object:
 *   {"time":"2026-12-07T10:00:00.123Z","request_id":"...","client":"127.0.0.1",
 *    "method":"POST","route":"/v1/transfers","status":201,"duration_ms":3.217,
 *    "token":12,"role":"holder","org":4}
 * The token is named by its id, never by its secret (the Authorization
 * header is never read here), and the path by its route template, never
 * the raw path (which may carry serials, ids or query strings).
 */
#include "access.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

static int log_fd = -1;    /* -1: off */
static bool own_fd = false; /* a file we opened (close it) */

l6_err access_log_open(const char *dest, l6_error *err) {
  access_log_close();
  if (dest == NULL || strcmp(dest, "off") == 0) return L6_E_OK;
  if (strcmp(dest, "-") == 0 || strcmp(dest, "stderr") == 0) {
    log_fd = STDERR_FILENO;
    return L6_E_OK;
  }
  int fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return l6_fail(err, L6_E_INVALID_VALUE, "cannot open the access log %.200s: %s", dest, strerror(errno));
  log_fd = fd;
  own_fd = true;
  return L6_E_OK;
}

void access_log_close(void) {
  if (own_fd) close(log_fd);
  log_fd = -1;
  own_fd = false;
}

bool access_request_id_ok(const char *id) {
  size_t n = id ? strlen(id) : 0;
  if (n == 0 || n > L6_REQUEST_ID_MAX) return false;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || strchr("._:+=/-", *p)))
      return false;
  return true;
}

void access_request_id_new(char out[33]) {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  sodium_bin2hex(out, 33, b, sizeof b);
}

void access_log_write(const access_entry *e) {
  if (log_fd < 0) return;
  char when[32];
  time_t secs = (time_t)(e->start_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  size_t n = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(when + n, sizeof when - n, ".%03dZ", (int)(e->start_ms % 1000));
  json_t *v = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:i, s:f}", "time", when, "request_id", e->request_id, "client",
                        e->client, "method", e->method ? e->method : "", "route", e->route ? e->route : "(none)",
                        "status", e->status, "duration_ms", (double)e->duration_ns / 1e6);
  if (v == NULL) return;
  json_object_set_new(v, "token", e->token > 0 ? json_integer(e->token) : json_null());
  json_object_set_new(v, "role", e->role ? json_string(e->role) : json_null());
  if (e->org > 0) json_object_set_new(v, "org", json_integer(e->org));
  char *text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
  json_decref(v);
  if (text == NULL) return;
  size_t len = strlen(text);
  char *line = realloc(text, len + 2);
  if (line == NULL) {
    free(text);
    return;
  }
  line[len] = '\n';
  ssize_t w = write(log_fd, line, len + 1); /* one write: concurrent lines never interleave */
  (void)w;
  free(line);
}
