/*
 * The block device split-driver protocol (Xen's io/blkif.h over io/ring.h, the one Linux's
 * xen-blkfront and xen-blkback speak), in Keel's words. It is a contract between two
 * domains, not with the hypervisor: Dom0's backend (tools/dom0/blkback.c) and the guest
 * runtime's frontend (tools/guest/blkfront.c) both include this file.
 *
 * The frontend shares one 4 KiB page: a 64-byte header of four free-running 32-bit
 * indexes, then a power-of-two array of slots, each holding a request (frontend to
 * backend) or, once served, the response that replaces it. Indexes are masked with
 * (size - 1). The *_event indexes say when the other side wants a notification: a
 * producer that moves its index from old to new notifies if the event index lies in
 * (old, new] (BLKIF_NEED_NOTIFY).
 *
 * A request names up to 11 segments, each a granted frontend page and the 512-byte
 * sectors of it to use (first_sect..last_sect, inclusive, 0..7). The sectors of all
 * segments are consecutive on the disk, from sector_number on.
 *
 * Handshake through the store (the xenbus states, in each side's "state" node):
 *   backend  InitWait      after publishing sectors, sector-size, info, features
 *   frontend Initialised   after writing ring-ref, event-channel, protocol
 *   backend  Connected     ring mapped, channel bound
 *   frontend Connected
 *   either   Closing, then Closed, to tear down
 */
#ifndef KEEL_PUBLIC_BLKIF_H
#define KEEL_PUBLIC_BLKIF_H

#include <stdint.h>

/* xenbus states (io/xenbus.h) */
enum xenbus_state {
    XENBUS_UNKNOWN = 0,
    XENBUS_INITIALISING = 1,
    XENBUS_INIT_WAIT = 2,
    XENBUS_INITIALISED = 3,
    XENBUS_CONNECTED = 4,
    XENBUS_CLOSING = 5,
    XENBUS_CLOSED = 6,
};

#define BLKIF_OP_READ            0
#define BLKIF_OP_WRITE           1
#define BLKIF_OP_WRITE_BARRIER   2
#define BLKIF_OP_FLUSH_DISKCACHE 3
#define BLKIF_OP_DISCARD         5
#define BLKIF_OP_INDIRECT        6

#define BLKIF_RSP_EOPNOTSUPP (-2)
#define BLKIF_RSP_ERROR      (-1)
#define BLKIF_RSP_OKAY       0

#define BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define BLKIF_SECTOR_SIZE 512            /* first_sect/last_sect/sector_number units */

/* The "info" node's bits */
#define VDISK_CDROM     0x1
#define VDISK_REMOVABLE 0x2
#define VDISK_READONLY  0x4

/* "protocol" the frontend writes: the 64-bit x86 layout below */
#define BLKIF_PROTOCOL_X86_64 "x86_64-abi"

struct blkif_request_segment {
    uint32_t gref;
    uint8_t first_sect, last_sect;
};                                       /* 8 bytes (2 of padding) */

struct blkif_request {
    uint8_t operation;                   /* BLKIF_OP_* */
    uint8_t nr_segments;
    uint16_t handle;                     /* the virtual device number */
    uint64_t id;                         /* the frontend's, echoed in the response */
    uint64_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
};                                       /* 112 bytes */

struct blkif_response {
    uint64_t id;
    uint8_t operation;
    int16_t status;                      /* BLKIF_RSP_* */
};                                       /* 16 bytes */

union blkif_sring_entry {
    struct blkif_request req;
    struct blkif_response rsp;
};

#define BLKIF_RING_PAGE 4096
#define BLKIF_RING_HEADER 64
/* (4096 - 64) / 112 = 36 slots fit; the ring uses the power of two below. */
#define BLKIF_RING_SIZE 32

struct blkif_sring {
    uint32_t req_prod, req_event;
    uint32_t rsp_prod, rsp_event;
    uint8_t pad[BLKIF_RING_HEADER - 16];
    union blkif_sring_entry ring[BLKIF_RING_SIZE];
};

/* Must the producer that moved its index from old to new notify, given the consumer's
 * event index? (RING_PUSH_*_AND_CHECK_NOTIFY) */
static inline int blkif_need_notify(uint32_t event, uint32_t old, uint32_t new_)
{
    return (uint32_t)(new_ - event) < (uint32_t)(new_ - old);
}

_Static_assert(sizeof(struct blkif_request) == 112, "blkif request layout");
_Static_assert(sizeof(struct blkif_response) == 16, "blkif response layout");
_Static_assert(sizeof(struct blkif_sring) <= BLKIF_RING_PAGE, "blkif ring fits a page");
_Static_assert((BLKIF_RING_PAGE - BLKIF_RING_HEADER) / sizeof(struct blkif_request) <
               2 * BLKIF_RING_SIZE, "BLKIF_RING_SIZE is the largest power of two that fits");

#endif
