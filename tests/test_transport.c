/*
 * test_transport.c -- the transport limits and TLS of `ledger6 serve`
 * (docs/OPERATIONS.md, "Limits" and "TLS"), against the real server:
 *   - 300 connections trickling their request heads from one address take
 *     at most --conns-per-ip connections; every one is cut at its request
 *     deadline although it keeps sending; another address (127.0.0.2: Linux
 *     routes all of 127/8 to loopback) is answered within 1 s throughout;
 *   - a flood of writes is answered 429 rate_limited with Retry-After, per
 *     token and per address, and the refused writes change nothing;
 *   - a flood of failed authentications locks the address and the
 *     credential out (429), not public reads nor other addresses;
 *   - market data streams per address and per token are capped (429), and
 *     anonymous clients cannot take the slots kept for token holders (503);
 *   - HTTPS: a TLS handshake against a self-signed certificate made here
 *     with openssl, requests over it, and plain HTTP refused on that port.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "testlib_http.h"

static int64_t ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a client bound to a source address --------------------------------- */

typedef struct {
  long status;
  char retry_after[32];
  char body[4096];
  size_t len;
  char err[CURL_ERROR_SIZE];
  double seconds;
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
  reply *r = ud;
  size_t k = sz * n, room = sizeof r->body - 1 - r->len;
  memcpy(r->body + r->len, p, k < room ? k : room);
  r->len += k < room ? k : room;
  r->body[r->len] = '\0';
  return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  reply *r = ud;
  size_t k = sz * n;
  if (k > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
    snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)(k - 12), p + 12);
    char *q = r->retry_after;
    while (*q == ' ') memmove(q, q + 1, strlen(q));
    q[strcspn(q, "\r\n")] = '\0';
  }
  return k;
}

/* One request from source address src (NULL: the default) to s, over
 * HTTPS with the certificate ca when ca is not NULL; timeout_ms bounds it. */
static reply req_from(const char *src, const tl_srv *s, const char *method, const char *path, const char *token,
                      const char *body, const char *ca, long timeout_ms) {
  reply r = {0};
  CURL *c = curl_easy_init();
  char url[512], auth[160];
  snprintf(url, sizeof url, "%s://127.0.0.1:%d%s", ca ? "https" : "http", s->port, path);
  struct curl_slist *h = NULL;
  if (token) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
  }
  if (body) h = curl_slist_append(h, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  if (src) curl_easy_setopt(c, CURLOPT_INTERFACE, src);
  if (ca) curl_easy_setopt(c, CURLOPT_CAINFO, ca);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r.err);
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.seconds);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
  return r;
}

static bool has_code(const reply *r, const char *code) {
  char want[64];
  snprintf(want, sizeof want, "\"code\":\"%s\"", code);
  return strstr(r->body, want) != NULL;
}

/* A 429 rate_limited with a Retry-After of 1..max seconds. */
static void assert_429(const reply *r, int max) {
  if (r->status != 429 || !has_code(r, "rate_limited")) fail_msg("expected 429 rate_limited, got %ld %s", r->status, r->body);
  int v = atoi(r->retry_after);
  if (v < 1 || v > max) fail_msg("Retry-After '%s' is not 1..%d", r->retry_after, max);
}

/* A TCP connection to 127.0.0.1:port from src; -1 on failure. */
static int connect_from(const char *src, int port, bool nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET};
  inet_pton(AF_INET, src, &a.sin_addr);
  struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
  if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
      (connect(fd, (struct sockaddr *)&d, sizeof d) != 0 && errno != EINPROGRESS)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* ---- 300 trickling connections ------------------------------------------ */

#define TRICKLERS 300
#define PER_IP 16
#define DEADLINE_S 2

typedef struct {
  const tl_srv *s;
  volatile int stop;
  int asked, answered;
  double worst;
  char why[300];
} prober;

/* From 127.0.0.2, GET /v1/health every 200 ms, each within 1 s. */
static void *probe_main(void *arg) {
  prober *p = arg;
  while (!p->stop) {
    reply r = req_from("127.0.0.2", p->s, "GET", "/v1/health", NULL, NULL, NULL, 1000);
    p->asked++;
    if (r.status == 200) p->answered++;
    else if (!p->why[0]) snprintf(p->why, sizeof p->why, "status %ld after %.3f s: %s", r.status, r.seconds, r.err);
    if (r.seconds > p->worst) p->worst = r.seconds;
    usleep(200 * 1000);
  }
  return NULL;
}

/* The body has its own deadline, as long again after the head; a kept-alive
 * connection has one for its next request's head, from the end of its reply. */
static void body_and_keepalive_deadlines(const tl_srv *s) {
  int slow = connect_from("127.0.0.3", s->port, true), idle = connect_from("127.0.0.4", s->port, true);
  assert_true(slow >= 0 && idle >= 0);
  usleep(100 * 1000); /* the connections are established */
  static const char post[] = "POST /v1/parties HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                             "Content-Length: 1000\r\n\r\n";
  static const char get[] = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  assert_int_equal(send(slow, post, sizeof post - 1, MSG_NOSIGNAL), (ssize_t)(sizeof post - 1));
  assert_int_equal(send(idle, get, sizeof get - 1, MSG_NOSIGNAL), (ssize_t)(sizeof get - 1));
  int64_t t0 = ms_now(), slow_at = 0, idle_at = 0;
  bool answered = false;
  while ((!slow_at || !idle_at) && ms_now() - t0 < (DEADLINE_S + 3) * 1000) {
    char buf[1024];
    if (!slow_at) {
      ssize_t n = recv(slow, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN) || send(slow, " ", 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) slow_at = ms_now();
    }
    if (!idle_at) {
      ssize_t n = recv(idle, buf, sizeof buf - 1, MSG_DONTWAIT);
      if (n > 0) answered = answered || (buf[n] = '\0', strstr(buf, "200 OK") != NULL);
      else if (n == 0 || errno != EAGAIN) idle_at = ms_now();
    }
    usleep(100 * 1000);
  }
  close(slow);
  close(idle);
  print_message("slow body cut after %lld ms; idle kept-alive connection closed after %lld ms\n",
                (long long)(slow_at - t0), (long long)(idle_at - t0));
  assert_true(answered);
  assert_true(slow_at && slow_at - t0 >= DEADLINE_S * 1000 - 300 && slow_at - t0 <= DEADLINE_S * 1000 + 1500);
  assert_true(idle_at && idle_at - t0 >= DEADLINE_S * 1000 - 300 && idle_at - t0 <= DEADLINE_S * 1000 + 1500);
}

static void test_trickle(void **state) {
  (void)state;
  tl_srv srv;
  static char per_ip[8], deadline[8];
  snprintf(per_ip, sizeof per_ip, "%d", PER_IP);
  snprintf(deadline, sizeof deadline, "%d", DEADLINE_S);
  assert_int_equal(tl_srv_start(&srv, "transport-trickle"), 0);
  srv.extra[0] = "--conns-per-ip", srv.extra[1] = per_ip, srv.extra[2] = "--request-timeout", srv.extra[3] = deadline;
  tl_srv_stop(&srv);
  assert_int_equal(tl_srv_restart(&srv), 0);

  prober p = {.s = &srv};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, probe_main, &p), 0);
  int fd[TRICKLERS];
  int64_t closed_at[TRICKLERS], t0 = ms_now();
  for (int i = 0; i < TRICKLERS; i++) {
    fd[i] = connect_from("127.0.0.1", srv.port, true);
    closed_at[i] = fd[i] < 0 ? t0 : 0;
  }
  /* A request head that never ends, one byte per socket every 100 ms. */
  static const char head[] = "GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: ";
  size_t sent = 0;
  int open_at_1s = -1;
  while (ms_now() - t0 < (DEADLINE_S + 2) * 1000) {
    char ch = sent < sizeof head - 1 ? head[sent] : 'a';
    sent++;
    for (int i = 0; i < TRICKLERS; i++) {
      if (closed_at[i]) continue;
      char buf[256];
      ssize_t n = recv(fd[i], buf, sizeof buf, MSG_DONTWAIT);
      bool gone = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
      if (!gone && send(fd[i], &ch, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        gone = true;
      if (gone) closed_at[i] = ms_now();
    }
    if (open_at_1s < 0 && ms_now() - t0 >= 1000) {
      open_at_1s = 0;
      for (int i = 0; i < TRICKLERS; i++) open_at_1s += closed_at[i] == 0;
    }
    usleep(100 * 1000);
  }
  p.stop = 1;
  pthread_join(th, NULL);
  int still_open = 0, cut_early = 0;
  for (int i = 0; i < TRICKLERS; i++) {
    still_open += closed_at[i] == 0;
    /* those the server kept were cut at the deadline, not before */
    if (closed_at[i] > t0 + 1000 && closed_at[i] < t0 + DEADLINE_S * 1000 - 300) cut_early++;
    if (fd[i] >= 0) close(fd[i]);
  }
  print_message("trickle: %d of %d open after 1 s, %d open at the end; 127.0.0.2: %d of %d answered, worst %.3f s\n",
                open_at_1s, TRICKLERS, still_open, p.answered, p.asked, p.worst);
  if (p.why[0]) print_message("127.0.0.2 failed: %s\n", p.why);
  assert_true(open_at_1s >= 1 && open_at_1s <= PER_IP); /* the rest were closed on accept */
  assert_int_equal(still_open, 0);                      /* trickling did not extend the deadline */
  assert_int_equal(cut_early, 0);
  assert_true(p.asked >= 10);
  assert_int_equal(p.answered, p.asked);
  assert_true(p.worst < 1.0);
  /* A request that completes its head in time is answered as always. */
  reply r = req_from("127.0.0.1", &srv, "GET", "/v1/health", NULL, NULL, NULL, 2000);
  assert_int_equal(r.status, 200);
  body_and_keepalive_deadlines(&srv);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* ---- writes ------------------------------------------------------------- */

static void test_write_flood(void **state) {
  (void)state;
  tl_srv srv;
  assert_int_equal(tl_srv_start(&srv, "transport-writes"), 0);
  srv.extra[0] = "--token-write-rate", srv.extra[1] = "2/min,5", srv.extra[2] = "--ip-write-rate", srv.extra[3] = "2/min,8";
  tl_srv_stop(&srv);
  assert_int_equal(tl_srv_restart(&srv), 0);
  char *b = tl_cli_token(&srv, "admin", 0);
  const char *a = srv.admin;
  /* Token a: five writes (each refused for its body, still a write), then 429. */
  for (int i = 0; i < 5; i++) {
    tl_resp r = tl_http_req(&srv, "POST", "/v1/parties", a, "{}", NULL);
    assert_error(&r, 400, "missing_field");
    tl_resp_free(&r);
  }
  tl_resp r = tl_http_req(&srv, "POST", "/v1/parties", a, "{\"code\":\"CHE\",\"name\":\"Switzerland\"}", NULL);
  assert_error(&r, 429, "rate_limited");
  char ra[16];
  assert_true(tl_resp_header(&r, "Retry-After", ra, sizeof ra));
  assert_true(atoi(ra) >= 1 && atoi(ra) <= 30); /* one write every 30 s */
  tl_resp_free(&r);
  /* Nothing was written; reads go on. */
  r = tl_http_req(&srv, "GET", "/v1/parties", a, NULL, NULL);
  tl_assert_status(&r, 200);
  assert_null(strstr(r.raw, "CHE"));
  tl_resp_free(&r);
  /* The limit is the token's: from another address too. */
  reply x = req_from("127.0.0.2", &srv, "POST", "/v1/parties", a, "{}", NULL, 5000);
  assert_429(&x, 30);
  /* Token b on the same address: three more, then the address's eight are spent. */
  for (int i = 0; i < 3; i++) {
    r = tl_http_req(&srv, "POST", "/v1/parties", b, "{}", NULL);
    assert_error(&r, 400, "missing_field");
    tl_resp_free(&r);
  }
  r = tl_http_req(&srv, "POST", "/v1/parties", b, "{}", NULL);
  assert_error(&r, 429, "rate_limited");
  assert_true(tl_resp_header(&r, "Retry-After", ra, sizeof ra));
  tl_resp_free(&r);
  /* Token b from another address still writes. */
  x = req_from("127.0.0.2", &srv, "POST", "/v1/parties", b, "{\"code\":\"CHE\",\"name\":\"Switzerland\"}", NULL, 5000);
  assert_int_equal(x.status, 201);
  free(b);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* ---- failed authentications --------------------------------------------- */

static void test_auth_flood(void **state) {
  (void)state;
  tl_srv srv;
  assert_int_equal(tl_srv_start(&srv, "transport-auth"), 0);
  srv.extra[0] = "--auth-fail-rate", srv.extra[1] = "2/min,5";
  tl_srv_stop(&srv);
  assert_int_equal(tl_srv_restart(&srv), 0);
  const char *bad = "l6_000000000000000000000000000000000000000000000000";
  for (int i = 0; i < 5; i++) {
    tl_resp r = tl_http_req(&srv, "GET", "/v1/accounts", bad, NULL, NULL);
    assert_error(&r, 401, "unauthorized");
    tl_resp_free(&r);
  }
  tl_resp r = tl_http_req(&srv, "GET", "/v1/accounts", bad, NULL, NULL);
  assert_error(&r, 429, "rate_limited");
  char ra[16];
  assert_true(tl_resp_header(&r, "Retry-After", ra, sizeof ra));
  assert_true(atoi(ra) >= 1 && atoi(ra) <= 30);
  tl_resp_free(&r);
  /* The address is locked out, even with a good token; public reads go on. */
  r = tl_http_req(&srv, "GET", "/v1/accounts", srv.admin, NULL, NULL);
  assert_error(&r, 429, "rate_limited");
  tl_resp_free(&r);
  r = tl_http_req(&srv, "GET", "/v1/parties", NULL, NULL, NULL);
  tl_assert_status(&r, 200);
  tl_resp_free(&r);
  /* Another address: the good token works, the spent credential does not,
   * another bad one is still just refused. */
  reply x = req_from("127.0.0.2", &srv, "GET", "/v1/accounts", srv.admin, NULL, NULL, 5000);
  assert_int_equal(x.status, 200);
  x = req_from("127.0.0.2", &srv, "GET", "/v1/accounts", bad, NULL, NULL, 5000);
  assert_429(&x, 30);
  x = req_from("127.0.0.2", &srv, "GET", "/v1/accounts", "l6_111111111111111111111111111111111111111111111111", NULL,
               NULL, 5000);
  assert_int_equal(x.status, 401);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* ---- market data streams ------------------------------------------------ */

/* Opens GET /v1/exchange/stream from src (with token or NULL); returns the
 * socket of a 200 stream, else -1 with the status in *status. */
static int open_stream(const tl_srv *s, const char *src, const char *token, int *status) {
  *status = 0;
  int fd = connect_from(src, s->port, false);
  if (fd < 0) return -1;
  char req[300];
  int n = snprintf(req, sizeof req, "GET /v1/exchange/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s\r\n",
                   token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : "");
  if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
    close(fd);
    return -1;
  }
  char buf[2048];
  size_t len = 0;
  int64_t until = ms_now() + 5000;
  while (len < sizeof buf - 1 && !strstr((buf[len] = '\0', buf), "\r\n\r\n") && ms_now() < until) {
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, 200) <= 0) continue;
    ssize_t k = recv(fd, buf + len, sizeof buf - 1 - len, 0);
    if (k <= 0) break;
    len += (size_t)k;
  }
  buf[len] = '\0';
  if (strncmp(buf, "HTTP/1.1 ", 9) == 0) *status = atoi(buf + 9);
  if (*status != 200) {
    close(fd);
    return -1;
  }
  return fd;
}

static void test_stream_caps(void **state) {
  (void)state;
  tl_srv srv;
  assert_int_equal(tl_srv_start(&srv, "transport-streams"), 0);
  srv.extra[0] = "--streams-per-client", srv.extra[1] = "2";
  tl_srv_stop(&srv);
  assert_int_equal(tl_srv_restart(&srv), 0);
  char *t = tl_cli_token(&srv, "auditor", 0), *u = tl_cli_token(&srv, "auditor", 0);
  int fds[64], nfd = 0, st;
  /* Two per address. */
  for (int i = 0; i < 2; i++) {
    fds[nfd] = open_stream(&srv, "127.0.0.1", NULL, &st);
    assert_int_equal(st, 200);
    nfd++;
  }
  tl_resp r = tl_http_req(&srv, "GET", "/v1/exchange/stream", NULL, NULL, NULL);
  assert_error(&r, 429, "rate_limited");
  char ra[16];
  assert_true(tl_resp_header(&r, "Retry-After", ra, sizeof ra));
  tl_resp_free(&r);
  fds[nfd] = open_stream(&srv, "127.0.0.2", NULL, &st);
  assert_int_equal(st, 200);
  nfd++;
  /* Two per token, whatever the address. */
  fds[nfd++] = open_stream(&srv, "127.0.0.3", t, &st);
  assert_int_equal(st, 200);
  fds[nfd++] = open_stream(&srv, "127.0.0.4", t, &st);
  assert_int_equal(st, 200);
  reply x = req_from("127.0.0.5", &srv, "GET", "/v1/exchange/stream?limit=1", t, NULL, NULL, 5000);
  assert_429(&x, 60);
  /* Anonymous clients fill their share (48 of 64); then only token holders get one. */
  int anon = 3;
  for (int a = 10; anon < 48; a++) {
    char src[32];
    snprintf(src, sizeof src, "127.0.0.%d", a);
    for (int k = 0; k < 2 && anon < 48; k++, anon++) {
      assert_true(nfd < 64);
      fds[nfd++] = open_stream(&srv, src, NULL, &st);
      assert_int_equal(st, 200);
    }
  }
  int fd = open_stream(&srv, "127.0.1.1", NULL, &st);
  assert_int_equal(fd, -1);
  assert_int_equal(st, 503);
  fd = open_stream(&srv, "127.0.1.1", u, &st);
  assert_int_equal(st, 200);
  close(fd);
  for (int i = 0; i < nfd; i++) close(fds[i]);
  free(t);
  free(u);
  assert_int_equal(tl_srv_stop(&srv), 0);
  tl_srv_free(&srv);
}

/* ---- TLS ---------------------------------------------------------------- */

static void test_tls(void **state) {
  (void)state;
  char *dir = tl_tmpdir_make("transport-tls");
  assert_non_null(dir);
  char cert[600], key[600], cmd[2000];
  snprintf(cert, sizeof cert, "%s/cert.pem", dir);
  snprintf(key, sizeof key, "%s/key.pem", dir);
  /* openssl is a test dependency (scripts/deps.sh): a missing one fails. */
  snprintf(cmd, sizeof cmd,
           "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 -keyout '%s' -out '%s' 2>/dev/null",
           key, cert);
  assert_int_equal(system(cmd), 0);

  tl_srv srv;
  assert_int_equal(tl_srv_start(&srv, "transport-tls"), 0);
  srv.extra[0] = "--tls-cert", srv.extra[1] = cert, srv.extra[2] = "--tls-key", srv.extra[3] = key;
  tl_srv_stop(&srv);
  assert_int_equal(tl_srv_restart(&srv), 0);
  /* The handshake, the certificate checked against cert.pem, then requests. */
  reply x = req_from(NULL, &srv, "GET", "/v1/health", NULL, NULL, cert, 10000);
  if (x.status != 200) fail_msg("HTTPS GET /v1/health: %ld %s", x.status, x.err);
  assert_non_null(strstr(x.body, "\"ok\""));
  x = req_from(NULL, &srv, "POST", "/v1/parties", srv.admin, "{\"code\":\"CHE\",\"name\":\"Switzerland\"}", cert, 10000);
  assert_int_equal(x.status, 201);
  x = req_from(NULL, &srv, "GET", "/v1/parties", NULL, NULL, cert, 10000);
  assert_int_equal(x.status, 200);
  assert_non_null(strstr(x.body, "Switzerland"));
  /* An untrusted certificate (the system's CAs only) is refused by the client;
   * plain HTTP on the TLS port gets no HTTP answer. */
  CURL *c = curl_easy_init();
  char url[200];
  snprintf(url, sizeof url, "https://127.0.0.1:%d/v1/health", srv.port);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
  CURLcode cc = curl_easy_perform(c);
  assert_true(cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CONNECT_ERROR);
  curl_easy_cleanup(c);
  x = req_from(NULL, &srv, "GET", "/v1/health", NULL, NULL, NULL, 3000);
  assert_true(x.status == 0 || x.status >= 400);
  assert_int_equal(tl_srv_stop(&srv), 0);
  /* A certificate without its key is refused at once. */
  char out[512];
  assert_int_equal(tl_run_cli(&srv, out, sizeof out, "serve", "--port", "0", "--tls-cert", cert, NULL), 2);
  tl_srv_free(&srv);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
}

int main(void) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trickle),     cmocka_unit_test(test_write_flood), cmocka_unit_test(test_auth_flood),
      cmocka_unit_test(test_stream_caps), cmocka_unit_test(test_tls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
