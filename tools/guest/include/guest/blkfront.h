/*
 * The frontend of Xen's block split driver (tools/guest/blkfront.c): the xenbus handshake
 * with the backend named in our store directory device/vbd/<devid>, then synchronous
 * reads and writes of sector ranges through one shared ring (include/public/blkif.h),
 * each request's pages granted to the backend for its duration.
 *
 * Grant references [first_ref, first_ref + 12) are the device's: the ring page, then one
 * per segment. The grant table and shared_info are mapped on first use if the guest has
 * not done it. Errors are negative Xen errno values; an I/O the backend refused is
 * -XEN_EIO with the BLKIF_RSP_* status in bf->last_status.
 */
#ifndef GUEST_BLKFRONT_H
#define GUEST_BLKFRONT_H

#include <stdint.h>

#define XEN_EIO       5
#define XEN_ETIMEDOUT 110

struct blkif_sring;
struct blkif_request;

struct blkfront {
    unsigned devid;
    uint16_t backend_id;
    char fe[40], be[96];                 /* store directories: ours (relative), the backend's */
    uint64_t sectors;
    unsigned sector_size, info;          /* as the backend published them */
    uint32_t first_ref, port;
    struct blkif_sring *ring;
    uint32_t req_prod, rsp_cons;
    uint64_t next_id;
    int16_t last_status;
};

/* Connects to virtual device devid (xvda is 51712) with `ring_page` (4 KiB aligned, ours). */
long blkfront_open(struct blkfront *bf, unsigned devid, void *ring_page, uint32_t first_ref);
/* count sectors from `sector` to or from buf (512-byte aligned, contiguous), in requests of
 * up to 11 pages. */
long blkfront_io(struct blkfront *bf, int write, uint64_t sector, void *buf, uint32_t count);
/* One request as given (its id is replaced), waiting for its response: 0 with the
 * response's BLKIF_RSP_* in *status, or a negative errno. For tests of odd requests. */
long blkfront_submit(struct blkfront *bf, struct blkif_request *rq, int16_t *status);
/* Closing, then Closed once the backend is; ring and channel given back. */
long blkfront_close(struct blkfront *bf);

#endif
