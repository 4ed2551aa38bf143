/*
 * Building a PVH domain from a kernel image: check the ELF completely (elf_plan), create
 * the domain, copy the segments in, and lay out the start-of-day information the PVH ABI
 * promises (struct hvm_start_info version 1, the command line, the memory map) in the
 * first free pages above the image. The vCPU starts in 32-bit protected mode at the
 * image's PVH entry with EBX pointing at the start info.
 *
 * Modules (Dom0's images and configuration files, a Linux guest's initramfs) follow, each
 * on a page boundary, listed in the start info with their command lines.
 *
 * The last page of guest RAM holds the console ring (HVM_PARAM_CONSOLE_PFN, with an
 * unbound port in HVM_PARAM_CONSOLE_EVTCHN), the page below it the ACPI tables
 * (kernel/guest_acpi.c, found through rsdp_paddr); the memory map marks both reserved so
 * that the guest's allocator leaves them alone. The same map answers XENMEM_memory_map.
 */
#include <keel/domain_build.h>
#include <keel/elf_loader.h>
#include <keel/guest_acpi.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <public/hvm_start_info.h>

struct domain *domain_build_pvh(const char *name, const void *image, size_t size,
                                const char *cmdline, uint64_t mem_bytes, unsigned nr_vcpus,
                                const struct build_module *mods, unsigned nr_mods)
{
    struct load_plan plan;
    char err[160];

    if (elf_plan(image, size, mem_bytes, &plan, err, sizeof(err))) {
        pr_err("error: domain %s: kernel image refused: %s\n", name, err);
        return NULL;
    }
    if (nr_mods > BUILD_MAX_MODULES) {
        pr_err("error: domain %s: %u modules, at most %u\n", name, nr_mods, BUILD_MAX_MODULES);
        return NULL;
    }
    /* Above the image: start info, command line, memory map, module list, the modules'
     * command lines; then each module on a page boundary. */
    size_t cmdlen = strlen(cmdline) + 1;
    uint64_t info = ALIGN_UP(plan.highest, PAGE_SIZE);
    uint64_t cmd_at = info + sizeof(struct hvm_start_info);
    uint64_t map_at = ALIGN_UP(cmd_at + cmdlen, 8);
    uint64_t mods_at = map_at + XEN_MAX_E820 * sizeof(struct hvm_memmap_table_entry);
    uint64_t end = mods_at + nr_mods * sizeof(struct hvm_modlist_entry);
    uint64_t mod_cmd_at[BUILD_MAX_MODULES], mod_at[BUILD_MAX_MODULES];
    for (unsigned i = 0; i < nr_mods; i++) {
        mod_cmd_at[i] = end;
        end += strlen(mods[i].cmdline) + 1;
    }
    for (unsigned i = 0; i < nr_mods; i++) {
        mod_at[i] = ALIGN_UP(end, PAGE_SIZE);
        end = mod_at[i] + mods[i].size;
    }
    uint64_t console_at = mem_bytes - PAGE_SIZE, acpi_at = GUEST_ACPI_GPA(console_at);
    if (end > acpi_at) {
        pr_err("error: domain %s: no room for the start info%s above the image at %#llx "
               "(%llu KiB needed)\n", name, nr_mods ? " and modules" : "",
               (unsigned long long)info, (unsigned long long)((end - info) >> 10));
        return NULL;
    }

    struct domain *d = domain_create(name, mem_bytes, nr_vcpus);
    if (!d)
        return NULL;
    for (uint32_t i = 0; i < plan.nr_segments; i++) {
        const struct load_segment *s = &plan.seg[i];
        /* The memory is already zero, which covers memsz beyond filesz. */
        if (copy_to_guest_phys(d, s->gpa, (const uint8_t *)image + s->file_off, s->filesz))
            goto fail;
    }

    if (xen_domain_set_layout(d, mem_bytes, console_at))
        goto fail;
    struct hvm_start_info si = {
        .magic = HVM_START_MAGIC,
        .version = 1,
        .cmdline_paddr = cmd_at,
        .memmap_paddr = map_at,
        .memmap_entries = d->xen.nr_e820,
        .rsdp_paddr = acpi_at,
    };
    if (nr_mods) {
        si.nr_modules = nr_mods;
        si.modlist_paddr = mods_at;
    }
    static uint8_t acpi[GUEST_ACPI_SIZE];  /* domains are built one at a time */
    guest_acpi_tables(acpi, acpi_at, nr_vcpus);
    if (copy_to_guest_phys(d, info, &si, sizeof(si)) ||
        copy_to_guest_phys(d, cmd_at, cmdline, cmdlen) ||
        copy_to_guest_phys(d, acpi_at, acpi, sizeof(acpi)))
        goto fail;
    for (unsigned i = 0; i < nr_mods; i++) {
        struct hvm_modlist_entry m = { .paddr = mod_at[i], .size = mods[i].size,
                                       .cmdline_paddr = mod_cmd_at[i] };
        if (copy_to_guest_phys(d, mods_at + i * sizeof(m), &m, sizeof(m)) ||
            copy_to_guest_phys(d, mod_cmd_at[i], mods[i].cmdline, strlen(mods[i].cmdline) + 1) ||
            copy_to_guest_phys(d, mod_at[i], mods[i].data, mods[i].size))
            goto fail;
    }
    for (unsigned i = 0; i < d->xen.nr_e820; i++) {
        struct hvm_memmap_table_entry e = { .addr = d->xen.e820[i].addr,
                                            .size = d->xen.e820[i].size,
                                            .type = d->xen.e820[i].type };
        if (copy_to_guest_phys(d, map_at + i * sizeof(e), &e, sizeof(e)))
            goto fail;
    }

    struct vcpu *v = d->vcpus[0];
    hvm->vcpu_set_start(v, START_PVH32, plan.pvh_entry, d->p2m.root);
    v->regs.rbx = info;
    pr_info("domain %u (%s): %llu MiB, %u vCPU%s, %s image at %#llx-%#llx, PVH entry %#llx\n", d->id, name,
            (unsigned long long)(mem_bytes >> 20), nr_vcpus, nr_vcpus == 1 ? "" : "s",
            plan.elf64 ? "ELF64" : "ELF32",
            (unsigned long long)plan.lowest, (unsigned long long)plan.highest,
            (unsigned long long)plan.pvh_entry);
    return d;
fail:
    pr_err("error: domain %s: could not copy the image into guest memory\n", name);
    domain_destroy(d);
    return NULL;
}
