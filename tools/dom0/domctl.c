/*
 * The management hypercall, wrapped (dom0.h). This file alone sees Keel's public
 * structure (include/public/domctl.h): the rest of the toolstack uses struct dom_info.
 */
#include <public/domctl.h>
#include <stddef.h>

#include "dom0.h"

long hypercall1(unsigned long nr, unsigned long a1);
void *memset(void *d, int c, size_t n);
size_t strlen(const char *s);
void *memcpy(void *d, const void *s, size_t n);

static long call(struct keel_domctl *op, unsigned cmd, unsigned domid)
{
    op->cmd = cmd;
    op->interface_version = KEEL_DOMCTL_VERSION;
    op->domid = domid;
    return hypercall1(__HYPERVISOR_domctl, (unsigned long)op);
}

long dc_raw(const void *op)
{
    return hypercall1(__HYPERVISOR_domctl, (unsigned long)op);
}

long dc_create(const char *name, uint64_t mem_kb, unsigned vcpus, unsigned *domid)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.create.mem_kb = mem_kb;
    op.u.create.vcpus = vcpus;
    size_t n = strlen(name);
    if (n >= sizeof(op.u.create.name))
        return -XEN_EINVAL;
    memcpy(op.u.create.name, name, n + 1);
    long rc = call(&op, KEEL_DOMCTL_create, 0);
    if (!rc)
        *domid = op.domid;
    return rc;
}

static long simple(unsigned cmd, unsigned domid)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    return call(&op, cmd, domid);
}

long dc_destroy(unsigned domid) { return simple(KEEL_DOMCTL_destroy, domid); }
long dc_pause(unsigned domid) { return simple(KEEL_DOMCTL_pause, domid); }
long dc_unpause(unsigned domid) { return simple(KEEL_DOMCTL_unpause, domid); }

long dc_shutdown(unsigned domid, unsigned reason)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.shutdown.reason = reason;
    return call(&op, KEEL_DOMCTL_shutdown, domid);
}

long dc_getinfo(unsigned from, struct dom_info *out)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    long rc = call(&op, KEEL_DOMCTL_getinfo, from);
    if (rc)
        return rc;
    const struct keel_domctl_info *i = &op.u.info;
    out->id = i->domid;
    out->flags = i->flags;
    out->shutdown_reason = i->shutdown_reason;
    out->nr_vcpus = i->nr_vcpus;
    out->mem_kb = i->mem_kb;
    out->max_kb = i->max_kb;
    out->cpu_ns = i->cpu_ns;
    out->console_gfn = i->console_gfn;
    out->console_port = i->console_port;
    memcpy(out->name, i->name, sizeof(out->name));
    out->name[sizeof(out->name) - 1] = '\0';
    return 0;
}

long dc_load(unsigned domid, uint64_t gpa, const void *src, uint64_t len)
{
    struct keel_domctl op;
    for (uint64_t done = 0; done < len;) {
        uint64_t n = len - done > KEEL_DOMCTL_LOAD_MAX ? KEEL_DOMCTL_LOAD_MAX : len - done;
        memset(&op, 0, sizeof(op));
        op.u.load.gpa = gpa + done;
        op.u.load.src = (uint64_t)(uintptr_t)src + done;
        op.u.load.len = n;
        long rc = call(&op, KEEL_DOMCTL_load, domid);
        if (rc)
            return rc;
        done += n;
    }
    return 0;
}

long dc_set_start(unsigned domid, uint32_t entry, uint32_t ebx)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.start.entry = entry;
    op.u.start.ebx = ebx;
    return call(&op, KEEL_DOMCTL_set_start, domid);
}

long dc_set_max_mem(unsigned domid, uint64_t kb)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_kb = kb;
    return call(&op, KEEL_DOMCTL_set_max_mem, domid);
}

long dc_pin(unsigned domid, unsigned vcpu, unsigned cpu)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.pin.vcpu = vcpu;
    op.u.pin.cpu = cpu;
    return call(&op, KEEL_DOMCTL_pin_vcpu, domid);
}

long dc_console_read(unsigned domid, char *buf, uint32_t size)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.console.buf = (uint64_t)(uintptr_t)buf;
    op.u.console.size = size;
    return call(&op, KEEL_DOMCTL_console_read, domid);
}

long dc_console_write(unsigned domid, const char *buf, uint32_t size)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.console.buf = (uint64_t)(uintptr_t)buf;
    op.u.console.size = size;
    return call(&op, KEEL_DOMCTL_console_write, domid);
}

long dc_physinfo(unsigned *nr_cpus, uint64_t *total_kb, uint64_t *free_kb)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    long rc = call(&op, KEEL_DOMCTL_physinfo, 0);
    if (!rc) {
        *nr_cpus = op.u.physinfo.nr_cpus;
        *total_kb = op.u.physinfo.total_kb;
        *free_kb = op.u.physinfo.free_kb;
    }
    return rc;
}

long dc_set_store(unsigned domid, uint64_t gfn, uint32_t *port)
{
    struct keel_domctl op;
    memset(&op, 0, sizeof(op));
    op.u.store.gfn = gfn;
    long rc = call(&op, KEEL_DOMCTL_set_store, domid);
    if (!rc)
        *port = op.u.store.port;
    return rc;
}

const char *dc_strerror(long rc)
{
    switch (-rc) {
    case 0: return "ok";
    case XEN_EPERM: return "not permitted";
    case XEN_ENOENT: return "no such vCPU";
    case XEN_ESRCH: return "no such domain";
    case XEN_ENOMEM: return "out of memory";
    case XEN_EACCES: return "interface version mismatch";
    case XEN_EFAULT: return "bad address";
    case XEN_EBUSY: return "busy (the domain is running or dying)";
    case XEN_EINVAL: return "invalid argument";
    case XEN_ENOSYS: return "unknown operation (Keel predates it)";
    default: return "error";
    }
}
