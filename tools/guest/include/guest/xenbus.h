/*
 * The guest side of the store (tools/guest/xenbus.c): requests over the shared ring page
 * the toolstack gave us (HVM_PARAM_STORE_PFN / STORE_EVTCHN), one at a time, waiting for
 * the reply in SCHEDOP_poll on the store port; watch events that arrive meanwhile are
 * queued for xenbus_wait_watch. Errors come back as negative Xen errno values
 * (-XEN_ENOENT for "ENOENT"...); -XEN_ENOSYS if we have no store.
 */
#ifndef GUEST_XENBUS_H
#define GUEST_XENBUS_H

#include <stddef.h>
#include <stdint.h>

long xenbus_init(void);
/* The value into buf (NUL-terminated); its length. */
long xenbus_read(const char *path, char *buf, size_t size);
long xenbus_write(const char *path, const char *value);
long xenbus_mkdir(const char *path);
long xenbus_rm(const char *path);
/* Children, NUL-separated; the byte count. */
long xenbus_directory(const char *path, char *buf, size_t size);
long xenbus_watch(const char *path, const char *token);
long xenbus_unwatch(const char *path, const char *token);
/* The next watch event (path and token), waiting up to timeout_ns. 0, or -XEN_EAGAIN. */
long xenbus_wait_watch(char *path, size_t psize, char *token, size_t tsize, uint64_t timeout_ns);
/* Any request, raw: reply payload into buf; the reply length, or -errno from XS_ERROR. */
long xenbus_request(uint32_t type, const char *a, const char *b, size_t blen, char *buf,
                    size_t size);

#endif
