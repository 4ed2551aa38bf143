/*
 * Building a PVH domain from a kernel image: check the ELF completely (elf_plan), create
 * the domain, copy the segments in, and lay out the start-of-day information the PVH ABI
 * promises (struct hvm_start_info version 1, the command line, the memory map) in the
 * first free pages above the image. The vCPU starts in 32-bit protected mode at the
 * image's PVH entry with EBX pointing at the start info.
 *
 * An initrd, if given, is the start info's one module (what Linux takes as its initramfs),
 * page-aligned after the memory map.
 *
 * The last two pages of guest RAM hold the console ring (HVM_PARAM_CONSOLE_PFN, with an
 * unbound port in HVM_PARAM_CONSOLE_EVTCHN) and the ACPI tables (kernel/guest_acpi.c,
 * found through rsdp_paddr); the memory map marks them reserved so that the guest's
 * allocator leaves them alone. The same map answers XENMEM_memory_map.
 */
#include <keel/domain_build.h>
#include <keel/elf_loader.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/xen_abi.h>
#include <public/hvm_start_info.h>

struct domain *domain_build_pvh(const char *name, const void *image, size_t size,
                                const char *cmdline, uint64_t mem_bytes, unsigned nr_vcpus,
                                const void *initrd, size_t initrd_size)
{
    struct load_plan plan;
    char err[160];

    if (elf_plan(image, size, mem_bytes, &plan, err, sizeof(err))) {
        pr_err("error: domain %s: kernel image refused: %s\n", name, err);
        return NULL;
    }
    size_t cmdlen = strlen(cmdline) + 1;
    uint64_t info = ALIGN_UP(plan.highest, PAGE_SIZE);
    uint64_t cmd_at = info + sizeof(struct hvm_start_info);
    uint64_t map_at = ALIGN_UP(cmd_at + cmdlen, 8);
    uint64_t mod_at = map_at + XEN_MAX_E820 * sizeof(struct hvm_memmap_table_entry);
    uint64_t initrd_at = ALIGN_UP(mod_at + sizeof(struct hvm_modlist_entry), PAGE_SIZE);
    uint64_t end = initrd_at + initrd_size;
    uint64_t console_at = mem_bytes - 2 * PAGE_SIZE, acpi_at = mem_bytes - PAGE_SIZE;
    if (end > console_at) {
        pr_err("error: domain %s: no room for the start info%s above the image at %#llx\n", name,
               initrd ? " and initrd" : "", (unsigned long long)info);
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

    if (xen_domain_set_layout(d, mem_bytes, console_at, 2 * PAGE_SIZE) ||
        guest_acpi_build(d, acpi_at))
        goto fail;
    struct hvm_start_info si = {
        .magic = HVM_START_MAGIC,
        .version = 1,
        .cmdline_paddr = cmd_at,
        .memmap_paddr = map_at,
        .memmap_entries = d->xen.nr_e820,
        .rsdp_paddr = acpi_at,
    };
    struct hvm_modlist_entry mod = { .paddr = initrd_at, .size = initrd_size };
    if (initrd) {
        si.nr_modules = 1;
        si.modlist_paddr = mod_at;
    }
    if (copy_to_guest_phys(d, info, &si, sizeof(si)) ||
        copy_to_guest_phys(d, cmd_at, cmdline, cmdlen) ||
        (initrd && (copy_to_guest_phys(d, mod_at, &mod, sizeof(mod)) ||
                    copy_to_guest_phys(d, initrd_at, initrd, initrd_size))))
        goto fail;
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
    if (initrd)
        pr_info("domain %u (%s): initrd of %zu KiB at %#llx\n", d->id, name, initrd_size >> 10,
                (unsigned long long)initrd_at);
    return d;
fail:
    pr_err("error: domain %s: could not copy the image into guest memory\n", name);
    domain_destroy(d);
    return NULL;
}
