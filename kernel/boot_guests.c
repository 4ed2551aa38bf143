/*
 * Until Dom0 and the scheduler exist, Keel runs each boot module as a guest of its own, in
 * order, on the boot CPU: each runs until it shuts down or blocks. A blocked domain stays
 * alive (its memory stays allocated) while the later ones run, so that isolation tests can
 * look for it. At the end every domain is destroyed and the free-frame count must be what
 * it was before the first one was created.
 *
 * Module command line: "<file name> [mem=<N>M] [anything else]": the file name (without
 * .elf) names the domain, and the whole line is the guest's command line.
 */
#include <keel/domain_build.h>
#include <keel/cmdline.h>
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/vcpu.h>
#include <arch/paging.h>

#define MAX_BOOT_GUESTS BOOT_MAX_MODULES
#define DEFAULT_GUEST_MEM MiB(16)

/* A string the isolation tests look for in their own memory: it must never be there. */
const char hv_canary[] = "KEEL-HV-CANARY-1";

static uint64_t parse_size(const char *s)
{
    uint64_t v = 0;
    if (!*s)
        return 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > (1ull << 40))
            return 0;
    }
    switch (*s) {
    case 'G': case 'g': v <<= 30; s++; break;
    case 'M': case 'm': v <<= 20; s++; break;
    case 'K': case 'k': v <<= 10; s++; break;
    case '\0': break;
    default: return 0;
    }
    return *s ? 0 : v;
}

static void domain_name_from(const char *cmdline, char *name, size_t len)
{
    size_t n = 0;
    const char *base = cmdline;
    for (const char *p = cmdline; *p && *p != ' '; p++)
        if (*p == '/')
            base = p + 1;
    while (base[n] && base[n] != ' ')
        n++;
    if (n > 4 && !strncmp(base + n - 4, ".elf", 4))
        n -= 4;
    if (n >= len)
        n = len - 1;
    memcpy(name, base, n);
    name[n] = '\0';
    if (!n)
        strlcpy(name, "guest", len);
}

void boot_guests_run(const struct boot_info *bi)
{
    struct domain *doms[MAX_BOOT_GUESTS];
    unsigned nd = 0;
    uint64_t free_before = frame_free_count();

    /* Keep the canary in memory the optimizer cannot drop. */
    __asm__ volatile("" :: "r"(hv_canary) : "memory");

    for (uint32_t i = 0; i < bi->nr_modules; i++) {
        const struct boot_module *m = &bi->modules[i];
        char name[DOMAIN_NAME_MAX], val[32];
        uint64_t mem = DEFAULT_GUEST_MEM;

        domain_name_from(m->cmdline, name, sizeof(name));
        if (cmdline_get(m->cmdline, "mem", val, sizeof(val))) {
            mem = ALIGN_DOWN(parse_size(val), PAGE_SIZE);
            if (!mem) {
                pr_err("error: domain %s: bad mem=%s; not started\n", name, val);
                continue;
            }
        }
        struct domain *d = domain_build_pvh(name, phys_to_virt(m->start), m->end - m->start,
                                            m->cmdline, mem);
        if (!d)
            continue;
        doms[nd++] = d;
        if (i == 0 && !strcmp(keel_opts.selftest, "bad-guest-state")) {
            /* Self test of the invalid-state path: CR0[63:32] must be zero on both
             * vendors; the CPU refuses the entry, the report must say why. */
            pr_info("selftest: giving domain %u a CR0 with reserved bit 32 set\n", d->id);
            hvm->set_reg(d->vcpus[0], GREG_CR0, hvm->get_reg(d->vcpus[0], GREG_CR0) | (1ull << 32));
        }
        vcpu_run(d->vcpus[0]);
        if (d->state == DOM_RUNNING)
            pr_info("domain %u (%s): blocked; kept alive while the others run\n", d->id, d->name);
    }

    for (unsigned i = 0; i < nd; i++)
        domain_destroy(doms[i]);
    uint64_t free_after = frame_free_count();
    if (nd)
        pr_info("guests: %u domains destroyed; free frames %llu before, %llu after: %s\n", nd,
                (unsigned long long)free_before, (unsigned long long)free_after,
                free_before == free_after ? "nothing leaked" : "LEAKED");
}
