/*
 * web.c -- static files for the web pages. The path check is strict: only
 * segments of [A-Za-z0-9._-] not starting with '.', an extension from a
 * short list (which fixes the Content-Type), at most L6_WEB_MAX_PATH bytes;
 * the resolved file must lie inside the folder (no symlink out), be a
 * regular file of at most L6_WEB_MAX_FILE bytes. Anything else is 404.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../limits.h"
#include "api_int.h"
#include "web.h"

static const struct {
  const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* Pages may load scripts, styles and data from this server only; no inline
 * script or style, no framing. */
#define WEB_CSP                                                                                                   \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "        \
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

static const char *type_of(const char *path) {
  const char *dot = strrchr(path, '.');
  if (dot == NULL || strchr(dot, '/')) return NULL;
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (strcmp(dot, types[i].ext) == 0) return types[i].type;
  return NULL;
}

bool web_path_ok(const char *url) {
  size_t n = strlen(url);
  if (n < 2 || n > L6_WEB_MAX_PATH || url[0] != '/') return false;
  const char *seg = url;
  for (const char *p = url; ; p++) {
    if (*p == '/' || *p == '\0') {
      if (p != url) {
        if (p == seg + 1) return false;  /* empty segment: "//" or trailing '/' */
        if (seg[1] == '.') return false; /* ".", "..", hidden files */
      }
      if (*p == '\0') break;
      seg = p;
      continue;
    }
    char ch = *p;
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
          ch == '-'))
      return false;
  }
  return type_of(url) != NULL;
}

char *web_root(const char *dir) {
  if (dir == NULL) return NULL;
  char *r = realpath(dir, NULL);
  struct stat st;
  if (r && (stat(r, &st) != 0 || !S_ISDIR(st.st_mode))) {
    free(r);
    r = NULL;
  }
  return r;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, void *buf, size_t len, bool owned,
                             const char *type, const char *cache) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(len, buf, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (resp == NULL) {
    if (owned) free(buf);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "Cache-Control", cache);
  MHD_add_response_header(resp, "Content-Security-Policy", WEB_CSP);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
  enum MHD_Result ret = api_respond(c, status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result not_found(struct MHD_Connection *c) {
  static char page[] = "<!doctype html><meta charset=utf-8><title>Not found</title>"
                       "<p>No such page. <a href=\"/\">ledger6 registry</a></p>\n";
  return reply(c, 404, page, sizeof page - 1, false, "text/html; charset=utf-8", "no-store");
}

/* Reads the file at path when it is a regular file inside root no larger
 * than the limit. Returns the malloc'd bytes and their count, or NULL. */
static char *read_inside(const char *root, const char *path, size_t *len) {
  char *real = realpath(path, NULL);
  if (real == NULL) return NULL;
  size_t rn = strlen(root);
  bool inside = strncmp(real, root, rn) == 0 && real[rn] == '/';
  int fd = inside ? open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
  free(real);
  if (fd < 0) return NULL;
  struct stat st;
  char *buf = NULL;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= L6_WEB_MAX_FILE) {
    size_t n = (size_t)st.st_size, got = 0;
    buf = malloc(n ? n : 1);
    while (buf && got < n) {
      ssize_t k = read(fd, buf + got, n - got);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) {
        free(buf);
        buf = NULL;
        break;
      }
      got += (size_t)k;
    }
    *len = n;
  }
  close(fd);
  return buf;
}

bool web_serve(const char *root, struct MHD_Connection *c, const char *url, const char *method,
               enum MHD_Result *ret) {
  if (strncmp(url, "/v1/", 4) == 0 || strcmp(url, "/v1") == 0) return false;
  bool head = strcmp(method, "HEAD") == 0;
  if (!head && strcmp(method, "GET") != 0) return false;
  if (strcmp(url, "/") == 0) url = "/index.html";
  if (!web_path_ok(url)) return false; /* not a file name: the API's JSON 404 */
  if (root == NULL) {
    *ret = not_found(c);
    return true;
  }
  char path[4096 + L6_WEB_MAX_PATH + 1]; /* root is a real path: at most PATH_MAX (4096) */
  if ((size_t)snprintf(path, sizeof path, "%s%s", root, url) >= sizeof path) {
    *ret = not_found(c);
    return true;
  }
  size_t len = 0;
  char *buf = read_inside(root, path, &len);
  if (buf == NULL) {
    *ret = not_found(c);
    return true;
  }
  /* Pages and scripts change with the server: revalidate each time. */
  *ret = reply(c, 200, buf, len, true, type_of(url), "no-cache");
  return true;
}
