/*
 * move_modules.c -- the modules whose rules join the policy step of every
 * move (move.h), in the order they run: like nginx's generated
 * ngx_modules.c, the one place that names them, so the core (move.c) never
 * does. A module adds a rule here and defines it in its own file.
 *
 * Non-offsetting units first: a CAB retired "for CORSIA" is refused as a
 * non-offsetting unit before the Article 6 rule names its route.
 */
#include "move.h"

extern const svc_move_hook svc_nonoff_move_hook; /* nonoff.c: CABs, conservation certificates */
extern const svc_move_hook a6_move_hook;         /* a6.c: Article 6 claims and ITMOs, first transfers */
extern const svc_move_hook a6_corsia_move_hook;  /* a6.c: CORSIA eligibility of an OIMP cancellation */
extern const svc_move_hook link_move_hook;       /* link.c: link accounts move units only on the link route */

const svc_move_hook *const svc_move_modules[] = {&link_move_hook, &svc_nonoff_move_hook, &a6_move_hook, &a6_corsia_move_hook, NULL};
