/*
 * web.h -- the static web pages (web/): GET and HEAD of any path outside
 * /v1/ serve a file of the web folder, "/" its index.html.
 */
#ifndef L6_WEB_H
#define L6_WEB_H

#include <microhttpd.h>
#include <stdbool.h>

/* The folder's real path (malloc'd), or NULL when dir is NULL or no folder. */
char *web_root(const char *dir);

/* Serves url from root when it names a static file (method GET or HEAD,
 * not under /v1/, a path web_path_ok accepts, or "/"): the file, or a
 * small 404 page. Returns true and sets *ret when it answered; false
 * leaves the request to the API (whose answer is then a JSON 404/405). */
bool web_serve(const char *root, struct MHD_Connection *c, const char *url, const char *method,
               enum MHD_Result *ret);

/* Whether url names a servable file path (the check alone; for tests). */
bool web_path_ok(const char *url);

#endif
