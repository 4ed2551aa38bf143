/*
 * The store's wire protocol (Xen's xenstore, as guests' xenbus drivers speak it), in
 * Keel's words: a 16-byte header then `len` bytes of NUL-separated strings, carried over
 * a shared page of two 1 KiB rings (requests to the store, replies and watch events back).
 * Served by Dom0 (tools/dom0/xs_store.c).
 */
#ifndef KEEL_PUBLIC_XS_WIRE_H
#define KEEL_PUBLIC_XS_WIRE_H

#include <stdint.h>

enum xs_msg_type {
    XS_CONTROL = 0,
    XS_DIRECTORY = 1,
    XS_READ = 2,
    XS_GET_PERMS = 3,
    XS_WATCH = 4,
    XS_UNWATCH = 5,
    XS_TRANSACTION_START = 6,
    XS_TRANSACTION_END = 7,
    XS_INTRODUCE = 8,
    XS_RELEASE = 9,
    XS_GET_DOMAIN_PATH = 10,
    XS_WRITE = 11,
    XS_MKDIR = 12,
    XS_RM = 13,
    XS_SET_PERMS = 14,
    XS_WATCH_EVENT = 15,
    XS_ERROR = 16,
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME = 18,
    XS_SET_TARGET = 19,
    XS_RESET_WATCHES = 21,
    XS_DIRECTORY_PART = 22,
};

struct xsd_sockmsg {
    uint32_t type;       /* enum xs_msg_type */
    uint32_t req_id;     /* echoed in the reply */
    uint32_t tx_id;      /* transaction, 0: none */
    uint32_t len;        /* payload bytes that follow */
};

#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_RING_SIZE   1024
#define XS_RING_MASK(i)      ((i) & (XENSTORE_RING_SIZE - 1))

/* The shared page (HVM_PARAM_STORE_PFN), indexes running freely. */
struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];    /* guest -> store */
    char rsp[XENSTORE_RING_SIZE];    /* store -> guest: replies, watch events */
    uint32_t req_cons, req_prod;
    uint32_t rsp_cons, rsp_prod;
    uint32_t server_features;
    uint32_t connection;
    uint32_t error;
};

#endif
