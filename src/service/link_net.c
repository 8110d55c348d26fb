/*
 * link_net.c -- the links' transport: one HTTP request with libcurl
 * (docs/LINKS.md, "Transport"). A fresh easy handle per request keeps it
 * thread-safe; curl_global_init runs once from serve's start.
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "../limits.h"
#include "link.h"

#define LINK_TIMEOUT_MS 5000L
#define LINK_REPLY_MAX (256 * 1024)

void link_net_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
  char *buf;
  size_t n;
  bool over;
} sink;

static size_t on_data(char *p, size_t size, size_t nmemb, void *ctx) {
  sink *k = ctx;
  size_t len = size * nmemb;
  if (k->over || k->n + len > LINK_REPLY_MAX) {
    k->over = true;
    return 0;
  }
  char *nb = realloc(k->buf, k->n + len + 1);
  if (nb == NULL) return 0;
  memcpy(nb + k->n, p, len);
  k->buf = nb;
  k->n += len;
  k->buf[k->n] = '\0';
  return len;
}

l6_err link_http(const char *method, const char *url, const char *body, const char *const *headers, long *status,
                 char **reply, l6_error *err) {
  *status = 0;
  *reply = NULL;
  CURL *c = curl_easy_init();
  if (c == NULL) return l6_fail(err, L6_E_NOMEM, NULL);
  struct curl_slist *h = NULL;
  if (body) h = curl_slist_append(h, "Content-Type: application/json");
  for (size_t i = 0; headers && headers[i]; i++) h = curl_slist_append(h, headers[i]);
  sink k = {0};
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, LINK_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
  if (h) curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (strcmp(method, "POST") == 0) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
  CURLcode rc = curl_easy_perform(c);
  l6_err e = L6_E_OK;
  if (rc != CURLE_OK) {
    e = l6_fail(err, L6_E_LINK_PEER_UNREACHABLE, "%s: %s", url, curl_easy_strerror(rc));
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    *reply = k.buf ? k.buf : strdup("");
    k.buf = NULL;
    if (*reply == NULL) e = l6_fail(err, L6_E_NOMEM, NULL);
  }
  free(k.buf);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return e;
}
