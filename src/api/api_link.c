/*
 * api_link.c -- HTTP handlers of the links between registries
 * (src/service/link.h; docs/LINKS.md; docs/API.md, "Links between
 * registries").
 */
#include <string.h>

#include "../service/link.h"
#include "api_int.h"

l6_err h_link_settings_get(req *r, json_t **out, l6_error *err) { return svc_link_settings_get(r->svc, &r->actor, out, err); }
l6_err h_link_settings_put(req *r, json_t **out, l6_error *err) {
  return svc_link_settings_put(r->svc, &r->actor, r->body, out, err);
}
l6_err h_link_peer_list(req *r, json_t **out, l6_error *err) { return svc_link_peer_list(r->svc, &r->actor, out, err); }
l6_err h_link_peer_put(req *r, json_t **out, l6_error *err) {
  return svc_link_peer_put(r->svc, &r->actor, r->param[0], r->body, out, err);
}
l6_err h_link_transfer_post(req *r, json_t **out, l6_error *err) {
  r->status = 202;
  return svc_link_transfer_create(r->svc, &r->actor, r->body, out, err);
}
l6_err h_link_transfer_list(req *r, json_t **out, l6_error *err) {
  char state[16];
  l6_err e = api_query_str(r, "state", state, sizeof state, err);
  return e ? e : svc_link_transfer_list(r->svc, &r->actor, state, out, err);
}
l6_err h_link_transfer_get(req *r, json_t **out, l6_error *err) {
  return svc_link_transfer_get(r->svc, &r->actor, r->param[0], out, err);
}
l6_err h_link_inbox(req *r, json_t **out, l6_error *err) { return svc_link_inbox(r->svc, r->body, out, err); }
l6_err h_link_state(req *r, json_t **out, l6_error *err) {
  const char *from = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-L6-Link-From");
  const char *ms = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-L6-Link-Time");
  const char *sig = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-L6-Link-Signature");
  return svc_link_state(r->svc, &r->actor, from, ms, sig, out, err);
}
