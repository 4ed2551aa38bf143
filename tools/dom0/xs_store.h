/*
 * The store served by Dom0 (tools/dom0/xs_store.c): a tree of paths with string values,
 * watches, and the request side of the wire protocol (include/public/xs_wire.h). Pure:
 * replies and watch events leave through a callback; the rings are someone else's
 * (xs_ring.c). Built for the host unit tests too.
 *
 * Permissions, simpler than xenstored's and fixed: Dom0 may do anything; a DomU d may read
 * and watch /local/domain/d/... and the backend directories for it
 * (/local/domain/0/backend/<type>/d/...), and write, make and remove only below
 * /local/domain/d/. Transactions are accepted and applied at once (no isolation).
 */
#ifndef XS_STORE_H
#define XS_STORE_H

#include <stddef.h>
#include <stdint.h>

#define XS_PATH_MAX  128
#define XS_VALUE_MAX 256
#define XS_MAX_NODES 1024
#define XS_MAX_WATCHES 128

typedef void (*xs_send_fn)(void *ctx, unsigned domid, uint32_t type, uint32_t req_id,
                           uint32_t tx_id, const char *payload, uint32_t len);

void xs_init(xs_send_fn send, void *ctx);
/* One request from domain `domid` (payload: hdr->len bytes); the reply goes to send. */
void xs_request(unsigned domid, uint32_t type, uint32_t req_id, uint32_t tx_id,
                const char *payload, uint32_t len);
/* Dom0's own access (no reply): 0 or a negative errno-like code. */
int xs_write(const char *path, const char *value);
const char *xs_read(const char *path);             /* NULL: no such node */
int xs_rm(const char *path);
/* A domain went away: its watches, and /local/domain/<id>, and the backends for it. */
void xs_forget_domain(unsigned domid);
unsigned xs_nr_nodes(void);

#endif
