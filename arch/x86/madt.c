/*
 * MADT ("APIC" table) parser: the CPUs (local APIC and x2APIC entries), the IOAPICs and
 * the LAPIC address. Firmware tables are input we check, not trust: entries with
 * impossible lengths end the walk, disabled or duplicate CPUs are skipped with a message.
 * Pure function of its input; built for the host too (tests/unit/test_madt.c).
 */
#include <arch/acpi.h>
#include <keel/printk.h>
#include <keel/string.h>

struct madt_fixed {
    struct acpi_header h;
    uint32_t lapic_addr;
    uint32_t flags;
} __packed;

struct madt_lapic { uint8_t type, len, acpi_id, apic_id; uint32_t flags; } __packed;
struct madt_ioapic_e { uint8_t type, len, id, reserved; uint32_t addr, gsi_base; } __packed;
struct madt_lapic_override { uint8_t type, len; uint16_t reserved; uint64_t addr; } __packed;
struct madt_x2apic { uint8_t type, len; uint16_t reserved; uint32_t x2apic_id, flags, uid; } __packed;

enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_LAPIC_OVERRIDE = 5, MADT_X2APIC = 9 };
#define MADT_ENABLED 1u

static void bad(struct madt_info *m, const char *fmt, unsigned a, unsigned b)
{
    char msg[160];
    m->nr_bad++;
    snprintf(msg, sizeof(msg), fmt, a, b);
    pr_warn("warning: MADT: %s\n", msg);
}

static void add_cpu(struct madt_info *m, uint32_t apic_id, uint32_t uid, uint32_t flags,
                    unsigned off)
{
    if (!(flags & MADT_ENABLED))
        return;                  /* absent or hot-plug only: not a CPU we can start now */
    for (uint32_t i = 0; i < m->nr_cpus; i++)
        if (m->cpus[i].apic_id == apic_id) {
            bad(m, "CPU entry at offset %u repeats APIC id %u; skipped", off, apic_id);
            return;
        }
    if (m->nr_cpus == MADT_MAX_CPUS) {
        bad(m, "CPU entry at offset %u (APIC id %u) is over Keel's CPU limit; skipped",
            off, apic_id);
        return;
    }
    m->cpus[m->nr_cpus].apic_id = apic_id;
    m->cpus[m->nr_cpus].acpi_uid = uid;
    m->nr_cpus++;
}

int madt_parse(const void *table, size_t len, struct madt_info *m)
{
    const struct madt_fixed *f = table;

    memset(m, 0, sizeof(*m));
    if (!table || len < sizeof(*f) || f->h.length < sizeof(*f) || f->h.length > len) {
        pr_warn("warning: MADT: table too short or its length (%u) disagrees with %zu bytes\n",
                table && len >= sizeof(struct acpi_header) ? f->h.length : 0, len);
        return -1;
    }
    m->lapic_addr = f->lapic_addr;
    m->pcat_compat = f->flags & 1;

    const uint8_t *p = table;
    size_t end = f->h.length, off = sizeof(*f);
    while (off < end) {
        if (end - off < 2) {
            bad(m, "a %u-byte fragment at offset %u is not an entry; walk ends",
                (unsigned)(end - off), (unsigned)off);
            break;
        }
        uint8_t type = p[off], elen = p[off + 1];
        if (elen < 2 || elen > end - off) {
            bad(m, "entry at offset %u claims length %u; walk ends", (unsigned)off, elen);
            break;
        }
        const void *e = p + off;
        switch (type) {
        case MADT_LAPIC:
            if (elen < sizeof(struct madt_lapic)) {
                bad(m, "local APIC entry at offset %u is only %u bytes; skipped", (unsigned)off, elen);
                break;
            } else {
                const struct madt_lapic *l = e;
                if (l->apic_id == 0xff) {
                    if (l->flags & MADT_ENABLED)
                        bad(m, "local APIC entry at offset %u has APIC id %u (broadcast); skipped",
                            (unsigned)off, l->apic_id);
                    break;
                }
                add_cpu(m, l->apic_id, l->acpi_id, l->flags, (unsigned)off);
            }
            break;
        case MADT_X2APIC:
            if (elen < sizeof(struct madt_x2apic)) {
                bad(m, "x2APIC entry at offset %u is only %u bytes; skipped", (unsigned)off, elen);
            } else {
                const struct madt_x2apic *x = e;
                if (x->x2apic_id == 0xffffffffu)
                    bad(m, "x2APIC entry at offset %u has id %#x; skipped", (unsigned)off, x->x2apic_id);
                else
                    add_cpu(m, x->x2apic_id, x->uid, x->flags, (unsigned)off);
            }
            break;
        case MADT_IOAPIC:
            if (elen < sizeof(struct madt_ioapic_e)) {
                bad(m, "IOAPIC entry at offset %u is only %u bytes; skipped", (unsigned)off, elen);
            } else if (m->nr_ioapics == MADT_MAX_IOAPICS) {
                bad(m, "IOAPIC entry at offset %u is over the limit of %u; skipped",
                    (unsigned)off, MADT_MAX_IOAPICS);
            } else {
                const struct madt_ioapic_e *io = e;
                m->ioapics[m->nr_ioapics].id = io->id;
                m->ioapics[m->nr_ioapics].addr = io->addr;
                m->ioapics[m->nr_ioapics].gsi_base = io->gsi_base;
                m->nr_ioapics++;
            }
            break;
        case MADT_LAPIC_OVERRIDE:
            if (elen < sizeof(struct madt_lapic_override))
                bad(m, "LAPIC address override at offset %u is only %u bytes; skipped",
                    (unsigned)off, elen);
            else
                m->lapic_addr = ((const struct madt_lapic_override *)e)->addr;
            break;
        default:
            break;               /* interrupt overrides, NMI sources...: not needed yet */
        }
        off += elen;
    }
    return 0;
}
