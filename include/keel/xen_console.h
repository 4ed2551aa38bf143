/*
 * Reading a guest's console ring (kernel/xen_console.c). The ring is in the guest's
 * memory and the guest may scribble on it at any time: the reader takes each index once,
 * checks it, copies bytes out before using them, and never reads outside `out`.
 */
#ifndef KEEL_XEN_CONSOLE_H
#define KEEL_XEN_CONSOLE_H

#include <keel/types.h>
#include <public/console.h>

typedef void (*xencons_sink)(void *ctx, const char *s, size_t n);

enum xencons_result {
    XENCONS_OK,           /* everything between out_cons and out_prod consumed */
    XENCONS_CORRUPT,      /* out_prod - out_cons was more than the ring holds: skipped */
};

/* Hands what the guest wrote to `sink` (in pieces) and advances out_cons; *taken gets the
 * byte count. Pure: no locking, no hypervisor state. */
enum xencons_result xencons_drain(struct xencons_interface *ring, xencons_sink sink, void *ctx,
                                  size_t *taken);
/* The same for at most `max` bytes (the rest stays for the next call). */
enum xencons_result xencons_read(struct xencons_interface *ring, xencons_sink sink, void *ctx,
                                 size_t max, size_t *taken);

/* Typed input into the ring's `in` half: as many of the n bytes as fit; the count. */
size_t xencons_put_in(struct xencons_interface *ring, const char *s, size_t n);

#endif
