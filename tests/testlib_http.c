/* testlib_http.c -- black-box API test helpers; see testlib_http.h. Sections as there. */
#include "testlib_http.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "testlib.h"

/* ---- 1. Server processes ------------------------------------------------- */

static const char *bin_path(void) {
  const char *b = getenv("L6_BIN");
  return b && b[0] ? b : "build/ledger6";
}

static void config_path(char *buf, size_t cap) {
  const char *src = getenv("L6_SRCDIR");
  snprintf(buf, cap, "%s/config", src && src[0] ? src : ".");
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Copies the server's log to stderr, so a failure shows what it said. */
static void dump_log(const tl_srv *s) {
  FILE *f = fopen(s->log, "r");
  if (f == NULL) return;
  fprintf(stderr, "---- %s ----\n", s->log);
  char line[1024];
  while (fgets(line, sizeof line, f)) fputs(line, stderr);
  fprintf(stderr, "---- end of log ----\n");
  fclose(f);
}

/* Forks and execs argv with stdout to a new pipe (whose read end goes to
 * *out_fd) and stderr appended to log (or inherited when log is NULL).
 * Returns the pid, or -1. */
static pid_t spawn(char *const argv[], const char *log, int *out_fd) {
  int p[2];
  if (pipe(p) != 0) return -1;
  /* The test process's own descriptors (the pipe's read end, curl's
   * sockets) must not leak into the child. */
  fcntl(p[0], F_SETFD, FD_CLOEXEC);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    /* Child: only async-signal-safe calls until exec. A test binary that
     * dies without its teardown (crash, timeout) must not leave servers
     * behind: the kernel kills the child when the test process goes. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    signal(SIGPIPE, SIG_DFL);
    dup2(p[1], STDOUT_FILENO);
    if (log) {
      int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) dup2(fd, STDERR_FILENO);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  close(p[1]);
  *out_fd = p[0];
  return pid;
}

/* Waits for pid until deadline (ms on the monotonic clock; 0: forever).
 * Returns the wait status, or -1 when it is still running at the deadline. */
static int wait_until(pid_t pid, int64_t deadline) {
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, deadline ? WNOHANG : 0);
    if (r == pid) return st;
    if (r < 0 && errno != EINTR) return -1;
    if (deadline && now_ms() >= deadline) return -1;
    if (deadline) usleep(5000);
  }
}

static int status_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

/* Reads the child's stdout until "listening on" (or EOF, or the deadline),
 * picking up the port and the admin token: `serve --admin-token` prints
 * one only when it made one (the store had no usable admin token), so a
 * restart, or a peer on first's store, keeps the token it had. */
static int read_banner(tl_srv *s) {
  char buf[4096];
  size_t len = 0;
  int64_t deadline = now_ms() + TL_SRV_TIMEOUT_MS;
  bool fresh = false;
  s->port = 0;
  for (;;) {
    buf[len] = '\0';
    const char *tok = strstr(buf, "admin token: ");
    if (tok && !fresh && strchr(tok, '\n')) {
      fresh = true;
      const char *end = strchr(tok, '\n');
      if (end) snprintf(s->admin, sizeof s->admin, "%.*s", (int)(end - tok - 13), tok + 13);
    }
    const char *lis = strstr(buf, "listening on http");
    if (lis && strchr(lis, '\n')) { /* http:// or https:// */
      const char *colon = strchr(strstr(lis, "://") ? strstr(lis, "://") + 3 : lis, ':');
      s->port = colon ? atoi(colon + 1) : 0;
      break;
    }
    int64_t left = deadline - now_ms();
    if (left <= 0 || len + 1 >= sizeof buf) {
      fprintf(stderr, "testlib_http: server did not print 'listening on' within %d ms\n", TL_SRV_TIMEOUT_MS);
      return -1;
    }
    struct pollfd pfd = {.fd = s->out_fd, .events = POLLIN};
    int pr = poll(&pfd, 1, (int)left);
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) continue;
    ssize_t n = read(s->out_fd, buf + len, sizeof buf - 1 - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fprintf(stderr, "testlib_http: server exited before listening; its stdout was:\n%s\n", buf);
      return -1;
    }
    len += (size_t)n;
  }
  if (s->port <= 0 || s->admin[0] == '\0') {
    fprintf(stderr, "testlib_http: cannot read port/admin token from:\n%s\n", buf);
    return -1;
  }
  return 0;
}

/* On PostgreSQL the store is no file, so the signing key file that
 * `ledger6` would put next to an SQLite store goes to the server's folder,
 * at the path an SQLite store's would have: true with its path in buf. */
static bool pg_keys(const tl_srv *s, char *buf, size_t cap) {
  if (!store_spec_is_pg(s->spec) || s->dir == NULL) return false;
  snprintf(buf, cap, "%s/l.db.keys", s->dir);
  return true;
}

static int launch(tl_srv *s) {
  char config[512];
  config_path(config, sizeof config);
  char *argv[24] = {(char *)bin_path(), "serve", "--store",       s->spec,      "--config", config,
                    "--port",           "0",     "--admin-token", "--paranoid", NULL};
  size_t n = 10;
  bool own_keys = false;
  for (size_t i = 0; i < sizeof s->extra / sizeof s->extra[0] - 1 && s->extra[i]; i++) {
    if (strcmp(s->extra[i], "--keys") == 0) own_keys = true;
    argv[n++] = (char *)s->extra[i];
  }
  char keys[600];
  if (!own_keys && pg_keys(s, keys, sizeof keys)) {
    argv[n++] = "--keys";
    argv[n++] = keys;
  }
  argv[n] = NULL;
  s->pid = spawn(argv, s->log, &s->out_fd);
  if (s->pid < 0) {
    s->pid = 0;
    fprintf(stderr, "testlib_http: cannot start %s: %s\n", argv[0], strerror(errno));
    return -1;
  }
  if (read_banner(s) != 0) {
    kill(s->pid, SIGKILL);
    wait_until(s->pid, 0);
    s->pid = 0;
    close(s->out_fd);
    s->out_fd = -1;
    dump_log(s);
    return -1;
  }
  return 0;
}

/* Makes s's directory and log; the caller fills s->spec. */
static int srv_init(tl_srv *s, const char *tag) {
  memset(s, 0, sizeof *s);
  s->out_fd = -1;
  /* A reply can arrive after the server closed a socket we still write
   * to (413 before the body is read); that must be an error, not death. */
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  s->dir = tl_tmpdir_make(tag);
  if (s->dir == NULL) {
    fprintf(stderr, "testlib_http: cannot make a temporary directory: %s\n", strerror(errno));
    return -1;
  }
  snprintf(s->log, sizeof s->log, "%s/server.log", s->dir);
  return 0;
}

int tl_srv_start(tl_srv *s, const char *tag) {
  if (srv_init(s, tag) != 0) return -1;
  if (tl_store_is_pg()) {
    if (tl_store_make(&s->store, tag, 0) != 0) return -1;
    snprintf(s->spec, sizeof s->spec, "%s", s->store.spec);
  } else {
    snprintf(s->spec, sizeof s->spec, "%s/l.db", s->dir);
  }
  return launch(s);
}

int tl_srv_start_peer(tl_srv *peer, const tl_srv *first, const char *tag) {
  if (srv_init(peer, tag) != 0) return -1;
  snprintf(peer->spec, sizeof peer->spec, "%s", first->spec);
  snprintf(peer->admin, sizeof peer->admin, "%s", first->admin); /* the store's: not minted again */
  char from[600], to[600];
  if (pg_keys(first, from, sizeof from) && pg_keys(peer, to, sizeof to)) {
    /* Every server of a PostgreSQL store needs the store's key file:
     * the peer gets a copy of first's (an SQLite peer finds first's next
     * to the store). */
    FILE *in = fopen(from, "rb");
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (in == NULL || out == NULL) {
      fprintf(stderr, "testlib_http: cannot copy the key file %s to %s\n", from, to);
      if (in) fclose(in);
      if (out) fclose(out);
      else if (fd >= 0) close(fd);
      return -1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
  }
  return launch(peer);
}

int tl_srv_restart(tl_srv *s) {
  if (s->pid != 0) {
    fprintf(stderr, "testlib_http: restart while the server still runs\n");
    return -1;
  }
  return launch(s);
}

static void reaped(tl_srv *s) {
  s->pid = 0;
  if (s->out_fd >= 0) close(s->out_fd);
  s->out_fd = -1;
}

int tl_srv_stop(tl_srv *s) {
  if (s->pid == 0) return -1;
  kill(s->pid, SIGTERM);
  int st = wait_until(s->pid, now_ms() + TL_SRV_TIMEOUT_MS);
  int code;
  if (st == -1) {
    fprintf(stderr, "testlib_http: server %d ignored SIGTERM for %d ms; killing it\n", (int)s->pid, TL_SRV_TIMEOUT_MS);
    kill(s->pid, SIGKILL);
    st = wait_until(s->pid, 0);
    code = 128 + SIGKILL;
  } else {
    code = status_code(st);
  }
  reaped(s);
  if (code != 0) {
    fprintf(stderr, "testlib_http: server exited with status %d\n", code);
    dump_log(s);
  }
  return code;
}

int tl_srv_kill(tl_srv *s) {
  if (s->pid == 0) return -1;
  kill(s->pid, SIGKILL);
  wait_until(s->pid, 0);
  reaped(s);
  return 0;
}

void tl_srv_free(tl_srv *s) {
  if (s->pid != 0) tl_srv_stop(s);
  if (s->dir) tl_tmpdir_remove(s->dir);
  s->dir = NULL;
  tl_store_free(&s->store); /* a no-op unless s made a PostgreSQL database */
}

int tl_run_cli(const tl_srv *s, char *out, size_t cap, const char *arg, ...) {
  char config[512];
  config_path(config, sizeof config);
  char *argv[32];
  size_t n = 0;
  argv[n++] = (char *)bin_path();
  va_list ap;
  va_start(ap, arg);
  for (const char *a = arg; a && n < 26; a = va_arg(ap, const char *)) argv[n++] = (char *)a;
  va_end(ap);
  bool own_keys = false;
  for (size_t i = 1; i < n; i++)
    if (strcmp(argv[i], "--keys") == 0) own_keys = true;
  char keys[600];
  if (!own_keys && pg_keys(s, keys, sizeof keys)) {
    argv[n++] = "--keys";
    argv[n++] = keys;
  }
  argv[n++] = "--store";
  argv[n++] = (char *)s->spec;
  argv[n++] = "--config";
  argv[n++] = config;
  argv[n] = NULL;
  int fd;
  pid_t pid = spawn(argv, s->log, &fd);
  if (pid < 0) return -1;
  size_t len = 0;
  char sink[512];
  int64_t deadline = now_ms() + TL_SRV_TIMEOUT_MS;
  for (;;) {
    int64_t left = deadline - now_ms();
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
      fprintf(stderr, "testlib_http: %s %s timed out\n", argv[0], arg);
      kill(pid, SIGKILL);
      break;
    }
    char *dst = out && len + 1 < cap ? out + len : sink;
    size_t room = out && len + 1 < cap ? cap - 1 - len : sizeof sink;
    ssize_t r = read(fd, dst, room);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    if (dst != sink) len += (size_t)r;
  }
  if (out && cap) out[len] = '\0';
  close(fd);
  return status_code(wait_until(pid, 0));
}

/* ---- 2. HTTP client ------------------------------------------------------ */

static pthread_key_t curl_key;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_key_make(void) { pthread_key_create(&curl_key, NULL); }

static CURL *thread_handle(void) {
  pthread_once(&curl_once, curl_key_make);
  CURL *h = pthread_getspecific(curl_key);
  if (h == NULL) {
    h = curl_easy_init();
    pthread_setspecific(curl_key, h);
  }
  return h;
}

void tl_http_thread_done(void) {
  pthread_once(&curl_once, curl_key_make);
  CURL *h = pthread_getspecific(curl_key);
  if (h) curl_easy_cleanup(h);
  pthread_setspecific(curl_key, NULL);
}

typedef struct {
  char *buf;
  size_t len, cap;
} growbuf;

static size_t on_data(char *p, size_t size, size_t n, void *ctx) {
  growbuf *g = ctx;
  size_t add = size * n;
  if (g->len + add + 1 > g->cap) {
    size_t nc = (g->len + add + 1) * 2;
    char *nb = realloc(g->buf, nc);
    if (nb == NULL) return 0;
    g->buf = nb;
    g->cap = nc;
  }
  memcpy(g->buf + g->len, p, add);
  g->len += add;
  g->buf[g->len] = '\0';
  return add;
}

typedef struct {
  const char *p;
  size_t left;
} readsrc;

static size_t on_read(char *dst, size_t size, size_t n, void *ctx) {
  readsrc *r = ctx;
  size_t k = size * n < r->left ? size * n : r->left;
  if (k > 16384) k = 16384; /* several chunks, as a streaming client would send */
  memcpy(dst, r->p, k);
  r->p += k;
  r->left -= k;
  return k;
}

/* The contract log (tests/contract/): when L6_CONTRACT_LOG names a file,
 * every request that got an HTTP reply is appended to it as one JSON line
 *   {"method", "path", "status", "content_type", "body"}
 * (path with its query string; body the reply's text), for
 * tests/contract/check.mjs to validate against src/api/openapi.json. One
 * write(2) per line on an O_APPEND descriptor, under a mutex, so that the
 * lines of concurrent threads do not interleave. */
static pthread_mutex_t contract_mu = PTHREAD_MUTEX_INITIALIZER;

static void contract_log(const tl_req *r, const tl_resp *out) {
  const char *file = getenv("L6_CONTRACT_LOG");
  if (file == NULL || *file == '\0' || out->status == 0) return;
  char ctype[256];
  tl_resp_header(out, "Content-Type", ctype, sizeof ctype);
  /* A binary reply (the AEF workbook) is logged without its body: the
   * checker then checks its status and content type only. */
  bool binary = strncmp(ctype, "application/vnd.openxmlformats", 30) == 0;
  json_t *rec = json_pack("{s:s, s:s, s:I, s:s, s:s}", "method", r->method, "path", r->path, "status",
                          (json_int_t)out->status, "content_type", ctype, "body", out->raw && !binary ? out->raw : "");
  if (rec == NULL) { /* a body that is not UTF-8: log it without, the checker reports it */
    rec = json_pack("{s:s, s:s, s:I, s:s, s:b}", "method", r->method, "path", r->path, "status", (json_int_t)out->status,
                    "content_type", ctype, "body_not_utf8", 1);
  }
  char *line = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  json_decref(rec);
  if (line == NULL) return;
  size_t len = strlen(line);
  line[len] = '\n'; /* replaces the NUL: written by length */
  pthread_mutex_lock(&contract_mu);
  int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    for (size_t off = 0; off <= len;) {
      ssize_t w = write(fd, line + off, len + 1 - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      off += (size_t)w;
    }
    close(fd);
  }
  pthread_mutex_unlock(&contract_mu);
  free(line);
}

tl_resp tl_http_send(const tl_srv *s, const tl_req *r) {
  tl_resp out = {0};
  CURL *h = thread_handle();
  if (h == NULL) {
    snprintf(out.err, sizeof out.err, "curl_easy_init failed");
    out.raw = strdup("");
    return out;
  }
  curl_easy_reset(h); /* keeps the connection cache */
  char url[1024];
  snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, r->path);
  growbuf g = {0}, hg = {0};
  struct curl_slist *hdr = NULL;
  char auth[128];
  if (r->token) {
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->token);
    hdr = curl_slist_append(hdr, auth);
  }
  /* Bodies go at once, without an "Expect: 100-continue" round trip,
   * unless asked: a server that refuses a large body early (413) and
   * closes makes curl's send fail, and curl then drops the reply it has
   * not read yet. With the round trip the refusal comes before the body. */
  if (r->expect_continue) {
    hdr = curl_slist_append(hdr, "Expect: 100-continue");
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 10000L);
  } else {
    hdr = curl_slist_append(hdr, "Expect:");
  }
  int typed = 0; /* the caller's own Content-Type ("Content-Type:" sends none) replaces the default */
  for (size_t i = 0; i < 4 && r->headers[i]; i++) {
    hdr = curl_slist_append(hdr, r->headers[i]);
    typed = typed || strncasecmp(r->headers[i], "Content-Type:", 13) == 0;
  }
  size_t blen = r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
  readsrc src = {r->body, blen};
  if (r->body && !typed) hdr = curl_slist_append(hdr, "Content-Type: application/json");
  if (r->body && r->chunked) {
    hdr = curl_slist_append(hdr, "Transfer-Encoding: chunked");
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &src);
  } else if (r->body) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)blen);
  }
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
  if (strcmp(r->method, "HEAD") == 0) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*"); /* the server is local, whatever http_proxy says */
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &hg);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  } else {
    /* A reply that arrived before the upload failed still counts. */
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    out.status = (rc == CURLE_SEND_ERROR && code > 0) ? code : 0;
    snprintf(out.err, sizeof out.err, "%s", curl_easy_strerror(rc));
  }
  curl_slist_free_all(hdr);
  out.raw = g.buf ? g.buf : strdup("");
  out.len = g.buf ? g.len : 0;
  out.headers = hg.buf;
  if (out.raw && out.raw[0]) {
    json_error_t je;
    out.body = json_loads(out.raw, JSON_DECODE_ANY, &je);
  }
  contract_log(r, &out);
  return out;
}

tl_resp tl_http_req(const tl_srv *s, const char *method, const char *path, const char *token, const char *body,
                    const char *header) {
  tl_req r = {.method = method, .path = path, .token = token, .body = body, .headers = {header, NULL}};
  return tl_http_send(s, &r);
}

tl_resp tl_http_reqj(const tl_srv *s, const char *method, const char *path, const char *token, json_t *body,
                     const char *header) {
  char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
  json_decref(body);
  tl_resp r = tl_http_req(s, method, path, token, text, header);
  free(text);
  return r;
}

void tl_resp_free(tl_resp *r) {
  json_decref(r->body);
  free(r->raw);
  free(r->headers);
  memset(r, 0, sizeof *r);
}

int tl_resp_header(const tl_resp *r, const char *name, char *buf, size_t cap) {
  size_t n = strlen(name);
  buf[0] = '\0';
  for (const char *line = r->headers; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
      const char *v = line + n + 1;
      while (*v == ' ' || *v == '\t') v++;
      size_t vl = (size_t)(line + len - v);
      while (vl > 0 && (v[vl - 1] == '\r' || v[vl - 1] == ' ')) vl--;
      snprintf(buf, cap, "%.*s", (int)vl, v);
      return 1;
    }
    line = end ? end + 1 : line + len;
  }
  return 0;
}

int64_t tl_jint(const json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

const char *tl_jstr(const json_t *obj, const char *key) { return json_string_value(json_object_get(obj, key)); }

/* ---- 3. Assertions on replies -------------------------------------------- */

static void show(const tl_resp *r, const char *file, int line, const char *what) {
  print_error("%s:%d: %s; got status %ld%s%s, body: %.2000s\n", file, line, what, r->status, r->status ? "" : " -- ",
              r->status ? "" : r->err, r->raw ? r->raw : "(none)");
}

void tl_assert_status_at(const tl_resp *r, long status, const char *file, int line) {
  if (r->status != status) {
    char what[64];
    snprintf(what, sizeof what, "expected status %ld", status);
    show(r, file, line, what);
    _fail(file, line);
  }
}

json_t *tl_must_at(const tl_srv *s, const char *method, const char *path, const char *tok, json_t *body, long status,
                   const char *file, int line) {
  tl_resp r = tl_http_reqj(s, method, path, tok, body, NULL);
  tl_assert_status_at(&r, status, file, line);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

int tl_error_is(const tl_resp *r, long status, const char *code, const char *file, int line) {
  json_t *e = json_object_get(r->body, "error");
  const char *got = tl_jstr(e, "code");
  const char *msg = tl_jstr(e, "message");
  if (r->status == status && got && strcmp(got, code) == 0 && msg && msg[0] != '\0') return 1;
  char what[128];
  snprintf(what, sizeof what, "expected error %ld %s", status, code);
  show(r, file, line, what);
  return 0;
}

void tl_assert_error_at(const tl_resp *r, long status, const char *code, const char *file, int line) {
  if (!tl_error_is(r, status, code, file, line)) _fail(file, line);
}

/* ---- 4. Fixtures through the API ----------------------------------------- */

/* Sends, asserts the status, returns the body (new reference). */
static json_t *expect(const tl_srv *s, const char *method, const char *path, json_t *body, long status,
                      const char *what) {
  tl_resp r = tl_http_reqj(s, method, path, s->admin, body, NULL);
  if (r.status != status || r.body == NULL) {
    print_error("fixture %s: %s %s expected %ld\n", what, method, path, status);
    show(&r, __FILE__, __LINE__, what);
    tl_resp_free(&r);
    fail();
  }
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  return b;
}

void tl_mk_party(const tl_srv *s, const char *code, const char *name) {
  json_decref(expect(s, "POST", "/v1/parties", json_pack("{s:s, s:s}", "code", code, "name", name), 201, "party"));
}

void tl_mk_registry(const tl_srv *s, const char *id, const char *party, tl_registry_accounts *acc) {
  char name[64];
  snprintf(name, sizeof name, "%s national registry", id);
  json_t *b = expect(s, "POST", "/v1/registries", json_pack("{s:s, s:s, s:s}", "id", id, "party", party, "name", name),
                     201, "registry");
  json_t *accs = json_object_get(b, "accounts");
  assert_int_equal(json_array_size(accs), 6);
  tl_registry_accounts got = {0};
  size_t i;
  json_t *a;
  json_array_foreach(accs, i, a) {
    const char *type = tl_jstr(a, "type");
    assert_non_null(type);
    assert_string_equal(tl_jstr(a, "status"), "open");
    assert_string_equal(tl_jstr(a, "registry"), id);
    assert_true(json_is_null(json_object_get(a, "organisation")));
    int64_t aid = tl_jint(a, "id");
    assert_true(aid > 0);
    if (strcmp(type, "pending") == 0)
      got.pending = aid;
    else if (strcmp(type, "retirement") == 0)
      got.retirement = aid;
    else if (strcmp(type, "cancellation") == 0)
      got.cancellation = aid;
    else if (strcmp(type, "adaptation-fund") == 0)
      got.adaptation_fund = aid;
    else if (strcmp(type, "omge-cancellation") == 0)
      got.omge = aid;
    else if (strcmp(type, "buffer") == 0)
      got.buffer = aid;
  }
  assert_true(got.pending && got.retirement && got.cancellation);
  assert_true(got.adaptation_fund && got.omge && got.buffer);
  if (acc) *acc = got;
  json_decref(b);
}

int64_t tl_mk_org(const tl_srv *s, const char *registry, const char *name) {
  json_t *b = expect(s, "POST", "/v1/organisations", json_pack("{s:s, s:s}", "registry", registry, "name", name), 201,
                     "organisation");
  int64_t id = tl_jint(b, "id");
  assert_true(id > 0);
  json_decref(b);
  return id;
}

int64_t tl_mk_account(const tl_srv *s, const char *registry, int64_t org, const char *type, const char *name) {
  json_t *req = json_pack("{s:s, s:s, s:s}", "registry", registry, "type", type, "name", name);
  if (org) json_object_set_new(req, "organisation", json_integer(org));
  json_t *b = expect(s, "POST", "/v1/accounts", req, 201, "account");
  int64_t id = tl_jint(b, "id");
  assert_true(id > 0);
  assert_string_equal(tl_jstr(b, "status"), "open");
  assert_string_equal(tl_jstr(b, "type"), type);
  json_decref(b);
  return id;
}

int64_t tl_registry_account(const tl_srv *s, const char *registry, const char *type) {
  int64_t found = 0;
  char path[160] = "/v1/accounts?limit=500";
  for (;;) {
    json_t *b = expect(s, "GET", path, NULL, 200, "accounts");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(b, "items"), i, a) {
      if (found == 0 && json_is_null(json_object_get(a, "organisation")) && strcmp(tl_jstr(a, "registry"), registry) == 0 &&
          strcmp(tl_jstr(a, "type"), type) == 0)
        found = tl_jint(a, "id");
    }
    const char *next = tl_jstr(b, "next");
    if (found || next == NULL) {
      json_decref(b);
      break;
    }
    snprintf(path, sizeof path, "/v1/accounts?limit=500&after=%s", next);
    json_decref(b);
  }
  assert_true(found > 0);
  return found;
}

void tl_mk_project(const tl_srv *s, const char *id, const char *programme, const char *host) {
  json_t *req = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "programme", programme, "host",
                          host, "title", "Efficient cookstoves", "methodology", "VM0050", "sector", "energy demand",
                          "kind", "avoidance", "crediting_start", "2020-01-01", "crediting_end", "2030-12-31");
  json_decref(expect(s, "POST", "/v1/projects", req, 201, "project"));
}

json_t *tl_mk_issue(const tl_srv *s, const char *registry, const char *project, const char *unit_type, int vintage,
                    int64_t qty, int64_t forward_to) {
  json_t *req = json_pack("{s:s, s:s, s:s, s:i, s:I}", "registry", registry, "project", project, "unit_type", unit_type,
                          "vintage", vintage, "quantity", (json_int_t)qty);
  if (forward_to) json_object_set_new(req, "forward_to", json_integer(forward_to));
  json_t *b = expect(s, "POST", "/v1/issuances", req, 201, "issuance");
  assert_int_equal(tl_jint(b, "quantity"), qty);
  assert_true(tl_batch_of(b) > 0);
  return b;
}

int64_t tl_batch_of(const json_t *issue_reply) {
  return tl_jint(json_array_get(json_object_get(issue_reply, "blocks"), 0), "batch");
}

char *tl_mk_token(const tl_srv *s, const char *role, int64_t org) {
  json_t *req = json_pack("{s:s, s:s}", "role", role, "label", "test token");
  if (org) json_object_set_new(req, "organisation", json_integer(org));
  json_t *b = expect(s, "POST", "/v1/tokens", req, 201, "token");
  const char *t = tl_jstr(b, "token");
  assert_non_null(t);
  assert_int_equal(strncmp(t, "l6_", 3), 0);
  char *dup = strdup(t);
  json_decref(b);
  return dup;
}

char *tl_cli_token(const tl_srv *s, const char *role, int64_t org) {
  char orgs[32], out[256];
  snprintf(orgs, sizeof orgs, "%lld", (long long)org);
  int rc = org ? tl_run_cli(s, out, sizeof out, "token", "create", "--role", role, "--org", orgs, "--label", "cli test",
                            (char *)NULL)
               : tl_run_cli(s, out, sizeof out, "token", "create", "--role", role, "--label", "cli test", (char *)NULL);
  if (rc != 0) print_error("ledger6 token create exited %d: %s\n", rc, out);
  assert_int_equal(rc, 0);
  out[strcspn(out, "\n")] = '\0';
  assert_int_equal(strncmp(out, "l6_", 3), 0);
  return strdup(out);
}

/* ---- 5. Holdings as a canonical string ----------------------------------- */

typedef struct {
  int64_t batch, first, last;
} hblock;

static int hblock_cmp(const void *a, const void *b) {
  const hblock *x = a, *y = b;
  if (x->batch != y->batch) return x->batch < y->batch ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return 0;
}

static json_t *holdings_json(const tl_srv *s, int64_t account) {
  char path[64];
  snprintf(path, sizeof path, "/v1/accounts/%lld/holdings", (long long)account);
  tl_resp r = tl_http_req(s, "GET", path, s->admin, NULL, NULL);
  tl_assert_status(&r, 200);
  json_t *b = json_incref(r.body);
  tl_resp_free(&r);
  assert_true(json_is_false(json_object_get(b, "blocks_truncated")));
  return b;
}

/* Writes the account's blocks, sorted, into a malloc'd "status=.. total=..
 * blocks=" string; merge joins ranges that touch (first == last + 1). */
static char *holdings_text(const tl_srv *s, int64_t account, int merge) {
  json_t *b = holdings_json(s, account);
  json_t *blocks = json_object_get(b, "blocks");
  size_t n = json_array_size(blocks);
  hblock *v = calloc(n + 1, sizeof *v);
  assert_non_null(v);
  int64_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    json_t *blk = json_array_get(blocks, i);
    v[i] = (hblock){tl_jint(blk, "batch"), tl_jint(blk, "first"), tl_jint(blk, "last")};
    assert_int_equal(tl_jint(blk, "quantity"), v[i].last - v[i].first + 1);
    sum += v[i].last - v[i].first + 1;
  }
  /* The total must agree with the blocks it summarises. */
  assert_int_equal(sum, tl_jint(b, "total"));
  qsort(v, n, sizeof *v, hblock_cmp);
  if (merge && n > 0) {
    size_t k = 0;
    for (size_t i = 1; i < n; i++) {
      if (v[i].batch == v[k].batch && v[i].first == v[k].last + 1)
        v[k].last = v[i].last;
      else
        v[++k] = v[i];
    }
    n = k + 1;
  }
  size_t cap = 64 + n * 64, len = 0;
  char *out = malloc(cap);
  assert_non_null(out);
  len += (size_t)snprintf(out, cap, "status=%s total=%lld blocks=", tl_jstr(json_object_get(b, "account"), "status"),
                          (long long)tl_jint(b, "total"));
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(out + len, cap - len, "%s%lld:%lld-%lld", i ? "," : "", (long long)v[i].batch,
                            (long long)v[i].first, (long long)v[i].last);
  free(v);
  json_decref(b);
  return out;
}

char *tl_holdings(const tl_srv *s, int64_t account) { return holdings_text(s, account, 0); }

char *tl_holdings_units(const tl_srv *s, int64_t account) { return holdings_text(s, account, 1); }

int64_t tl_holdings_total(const tl_srv *s, int64_t account) {
  json_t *b = holdings_json(s, account);
  int64_t t = tl_jint(b, "total");
  json_decref(b);
  return t;
}
