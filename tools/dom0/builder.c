/*
 * The domain builder: from a configuration to a running PVH domain, the way Xen's
 * toolstack does it, with Keel doing only the checked copying:
 *   1. plan the kernel image (kernel/elf_loader.c, the same checks Keel applies to Dom0);
 *   2. create the domain (paused) with its memory and vCPUs;
 *   3. copy each segment in; the start info, command line, memory map and the ramdisk
 *      module go in the first pages above the image;
 *   4. point vCPU 0 at the PVH entry with EBX = the start info, connect its store and
 *      its disks (blkback.c), and unpause.
 * The memory map follows Keel's layout for every domain: RAM up to the store ring page,
 * then the ACPI tables' page and the console ring page, which is the last page (getinfo
 * says where it is); all three reserved. The ACPI tables (MADT with the vCPUs, a hardware-reduced FADT) are built by
 * the same code Keel uses for the domains it builds itself (kernel/guest_acpi.c).
 */
#include <guest/guest.h>
#include <keel/elf_loader.h>
#include <keel/guest_acpi.h>

#include <guest/xen_hv.h>

#include "dom0.h"
#include "xs_store.h"

struct modlist_entry {                 /* hvm_start_info's module list (PVH ABI) */
    uint64_t paddr, size, cmdline_paddr, reserved;
};

static uint8_t page[4096] __attribute__((aligned(64)));
static uint8_t acpi_page[GUEST_ACPI_SIZE] __attribute__((aligned(64)));

static long fail(long id, const char *name, const char *what, long rc)
{
    gprintf("dom0: create %s: %s: %s\n", name, what, dc_strerror(rc));
    if (id >= 0)
        dc_destroy((unsigned)id);
    return rc;
}

long build_domain(const struct xlcfg *cfg)
{
    const struct module *k = module_find(cfg->kernel), *rd = NULL;
    struct load_plan plan;
    char err[160];
    uint64_t mem = (uint64_t)cfg->memory_mb << 20;

    if (!k) {
        gprintf("dom0: create %s: kernel \"%s\": no such module\n", cfg->name, cfg->kernel);
        return -XEN_ENOENT;
    }
    if (cfg->ramdisk[0] && !(rd = module_find(cfg->ramdisk))) {
        gprintf("dom0: create %s: ramdisk \"%s\": no such module\n", cfg->name, cfg->ramdisk);
        return -XEN_ENOENT;
    }
    if (elf_plan(k->data, k->size, mem, &plan, err, sizeof(err))) {
        gprintf("dom0: create %s: kernel %s refused: %s\n", cfg->name, cfg->kernel, err);
        return -XEN_EINVAL;
    }
    /* Start info page: [struct | cmdline | memmap | modlist]; the ramdisk after it. */
    size_t cmdlen = strlen(cfg->cmdline) + 1;
    uint64_t info = ALIGN_UP(plan.highest, 4096);
    uint64_t cmd_off = sizeof(struct hvm_start_info);
    uint64_t map_off = ALIGN_UP(cmd_off + cmdlen, 8);
    uint64_t mod_off = map_off + 2 * sizeof(struct hvm_memmap_table_entry);
    uint64_t rd_at = info + 4096;
    uint64_t console = mem - 4096, acpi = GUEST_ACPI_GPA(console), store = acpi - 4096;
    if (mod_off + sizeof(struct modlist_entry) > sizeof(page) ||
        rd_at + (rd ? rd->size : 0) > store) {
        gprintf("dom0: create %s: %u MiB is too small for the image, start info and ramdisk\n",
                cfg->name, cfg->memory_mb);
        return -XEN_ENOMEM;
    }

    for (unsigned i = 0; i < cfg->nr_disks; i++)
        if (blkback_check(cfg->disk[i])) {
            gprintf("dom0: create %s: disk %u is not usable\n", cfg->name, i);
            return -XEN_EINVAL;
        }

    unsigned id;
    long rc = dc_create(cfg->name, mem >> 10, cfg->vcpus, &id);
    if (rc)
        return fail(-1, cfg->name, "creating it", rc);
    struct dom_info di;
    if ((rc = dc_getinfo(id, &di)) || di.id != id || di.console_gfn << 12 != console)
        return fail(id, cfg->name, "its layout is not the expected one", rc ? rc : -XEN_EINVAL);
    if (cfg->maxmem_mb > cfg->memory_mb && (rc = dc_set_max_mem(id, (uint64_t)cfg->maxmem_mb << 10)))
        return fail(id, cfg->name, "setting maxmem", rc);
    for (uint32_t i = 0; i < plan.nr_segments; i++) {
        const struct load_segment *s = &plan.seg[i];
        if ((rc = dc_load(id, s->gpa, (const uint8_t *)k->data + s->file_off, s->filesz)))
            return fail(id, cfg->name, "loading the kernel", rc);
    }

    /* The store ring on the page below the ACPI tables (reserved, granted to us). */
    uint32_t store_port;
    if ((rc = dc_set_store(id, store >> 12, &store_port)))
        return fail(id, cfg->name, "setting up its store ring", rc);

    memset(page, 0, sizeof(page));
    struct hvm_start_info *si = (void *)page;
    struct hvm_memmap_table_entry *map = (void *)(page + map_off);
    si->magic = HVM_START_MAGIC;
    si->version = 1;
    si->cmdline_paddr = info + cmd_off;
    si->memmap_paddr = info + map_off;
    si->memmap_entries = 2;
    si->rsdp_paddr = acpi;
    memcpy(page + cmd_off, cfg->cmdline, cmdlen);
    map[0] = (struct hvm_memmap_table_entry){ .addr = 0, .size = store, .type = 1 };
    map[1] = (struct hvm_memmap_table_entry){ .addr = store, .size = mem - store, .type = 2 };
    if (rd) {
        struct modlist_entry *m = (void *)(page + mod_off);
        m->paddr = rd_at;
        m->size = rd->size;
        si->nr_modules = 1;
        si->modlist_paddr = info + mod_off;
        if ((rc = dc_load(id, rd_at, rd->data, rd->size)))
            return fail(id, cfg->name, "loading the ramdisk", rc);
    }
    if ((rc = dc_load(id, info, page, sizeof(page))))
        return fail(id, cfg->name, "writing the start info", rc);
    guest_acpi_tables(acpi_page, acpi, cfg->vcpus);
    if ((rc = dc_load(id, acpi, acpi_page, sizeof(acpi_page))))
        return fail(id, cfg->name, "writing the ACPI tables", rc);
    if ((rc = dc_set_start(id, (uint32_t)plan.pvh_entry, (uint32_t)info)))
        return fail(id, cfg->name, "setting its entry", rc);
    if ((rc = xs_ring_connect(id, cfg->name, store_port)))
        return fail(id, cfg->name, "connecting its store", rc);
    for (unsigned i = 0; i < cfg->vcpus; i++) {     /* as xl writes them (Linux reads them) */
        char path[64];
        gsnprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", id, i);
        xs_write(path, "online");
    }
    for (unsigned i = 0; i < cfg->nr_disks; i++)
        if ((rc = blkback_attach(id, cfg->disk[i]))) {
            blkback_forget(id);
            xs_ring_disconnect(id);
            return fail(id, cfg->name, "setting up its disks", rc);
        }
    if ((rc = dc_unpause(id)))
        return fail(id, cfg->name, "starting it", rc);
    return id;
}
