/*
 * keel_start: the boot sequence after boot/ has described the machine in struct
 * boot_info. Each step says what it found; docs/ARCHITECTURE.md walks through it.
 */
#include <keel/init.h>
#include <keel/cmdline.h>
#include <keel/frame.h>
#include <keel/heap.h>
#include <keel/iommu.h>
#include <keel/pci.h>
#include <keel/hvm.h>
#include <keel/domain_build.h>
#include <keel/sched.h>
#include <keel/selftest.h>
#include <keel/memmap.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/string.h>
#include <keel/test_exit.h>
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/smp.h>
#include <arch/time.h>
#include <arch/trap.h>

extern char _image_start[], _image_end[];

static struct madt_info madt;

static const char *boot_source_name(enum boot_source s)
{
    switch (s) {
    case BOOT_SRC_MULTIBOOT2_BIOS: return "multiboot2 (BIOS)";
    case BOOT_SRC_MULTIBOOT2_EFI: return "multiboot2 (UEFI)";
    case BOOT_SRC_UEFI: return "UEFI (native)";
    default: return "unknown";
    }
}

/* Warns about ranges the loader put us in that the memory map says are not RAM. */
static void check_loaded_range(const struct boot_info *bi, paddr_t s, paddr_t e, const char *what)
{
    uint32_t t = memmap_type_of(bi->mem, bi->nr_mem, s, e);
    if (t != MEM_USABLE)
        pr_warn("warning: mem: the memory map calls %s at %#llx-%#llx %s; trusting the loader "
                "and keeping it reserved\n", what, (unsigned long long)s, (unsigned long long)e,
                t ? mem_type_name(t) : "not one kind of RAM");
}

static void mm_init(struct boot_info *bi)
{
    static struct phys_range holes[BOOT_MAX_MODULES + ACPI_MAX_TABLES + 8];
    static struct phys_range free[BOOT_MAX_MEM_RANGES + BOOT_MAX_MODULES + ACPI_MAX_TABLES + 8];
    uint32_t nh = 0, dropped;

    bi->nr_mem = memmap_sanitize(bi->mem, bi->nr_mem);
    pr_info("mem: memory map from the loader (%u ranges):\n", bi->nr_mem);
    for (uint32_t i = 0; i < bi->nr_mem; i++)
        pr_info("  %016llx-%016llx %s\n", (unsigned long long)bi->mem[i].base,
                (unsigned long long)(bi->mem[i].base + bi->mem[i].len),
                mem_type_name(bi->mem[i].type));

    /* What the frame allocator must never hand out. */
    holes[nh++] = (struct phys_range){ 0, MiB(1) };      /* real-mode memory, BIOS, AP start */
    holes[nh++] = (struct phys_range){ (paddr_t)_image_start, (paddr_t)_image_end };
    holes[nh++] = (struct phys_range){ bi->loader_data_start, bi->loader_data_end };
    check_loaded_range(bi, (paddr_t)_image_start, (paddr_t)_image_end, "the hypervisor image");
    for (uint32_t i = 0; i < bi->nr_modules; i++) {
        holes[nh++] = (struct phys_range){ bi->modules[i].start, bi->modules[i].end };
        check_loaded_range(bi, bi->modules[i].start, bi->modules[i].end, "a boot module");
    }
    nh += acpi_table_ranges(holes + nh, ACPI_MAX_TABLES + 2);
    if (bi->fb.present)
        holes[nh++] = (struct phys_range){ bi->fb.addr,
                                           bi->fb.addr + (uint64_t)bi->fb.pitch * bi->fb.height };

    uint32_t nf = memmap_free_ranges(bi->mem, bi->nr_mem, holes, nh, free, ARRAY_SIZE(free),
                                     &dropped);
    if (dropped)
        pr_warn("warning: mem: %u free ranges did not fit Keel's table; that memory is unused\n",
                dropped);
    if (!frame_init(free, nf))
        panic("mem: no usable memory below 4 GiB for the frame allocator");

    uint64_t usable = 0;
    for (uint32_t i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type == MEM_USABLE)
            usable += bi->mem[i].len;
    pr_info("mem: %llu MiB usable in %u ranges, %llu MiB free for Keel, image %llu KiB\n",
            (unsigned long long)(usable >> 20), nf,
            (unsigned long long)((frame_free_count() * PAGE_SIZE) >> 20),
            (unsigned long long)(((paddr_t)_image_end - (paddr_t)_image_start) >> 10));
}

/* The top of memory-like ranges. Reserved ranges are left out: they are often device
 * windows far above RAM (QEMU puts one at 1 TiB) and get mapped on demand (ioremap). */
static paddr_t highest_address(const struct boot_info *bi)
{
    paddr_t top = 0;
    for (uint32_t i = 0; i < bi->nr_mem; i++)
        if (bi->mem[i].type != MEM_RESERVED)
            top = MAX(top, bi->mem[i].base + bi->mem[i].len);
    return top;
}

static volatile unsigned ipi_hits;
static void ipi_probe(void *arg)
{
    (void)arg;
    __atomic_add_fetch(&ipi_hits, 1, __ATOMIC_RELAXED);
}

/* Every AP answers a call IPI: proves IPIs and the APs' interrupt path. */
static void smp_selfcheck(void)
{
    for (unsigned c = 1; c < nr_cpus; c++)
        if (!smp_call_on(c, ipi_probe, NULL))
            panic("smp: CPU %u did not answer an IPI within 1 s", c);
    pr_info("smp: IPI answered by all %u other CPUs\n", nr_cpus - 1);
}

static void run_selftest(const char *name)
{
    if (!name[0])
        return;
    if (!strcmp(name, "fault")) {
        pr_info("selftest: writing to an unmapped address; a panic report must follow\n");
        volatile uint64_t *bad = (volatile uint64_t *)0xdead0000000ull;
        *bad = 0x6b65656c;
        panic("selftest: the write to an unmapped address did not fault");
    }
    if (!strcmp(name, "domain-churn")) {
        if (!hvm)
            pr_err("error: selftest=domain-churn needs AMD-V or VT-x\n");
        else if (!selftest_domain_churn())
            panic("selftest: domain-churn failed");
        return;
    }
    if (strcmp(name, "bad-guest-state") && strcmp(name, "migrate"))  /* with the guests */
        pr_warn("warning: selftest=%s: no such self test (fault, bad-guest-state, "
                "domain-churn, migrate)\n", name);
}

static volatile int hvm_enable_failed;
static void hvm_enable_here(void *arg)
{
    (void)arg;
    if (!hvm->cpu_enable())
        hvm_enable_failed = 1;
}

/* Virtualization: pick the backend, enable it everywhere, then start the boot modules.
 * True if guests were started. */
static bool hvm_start(const struct boot_info *bi)
{
    if (!hvm_init()) {
        if (bi->nr_modules)
            pr_warn("warning: %u boot modules not started: no usable virtualization\n",
                    bi->nr_modules);
        return false;
    }
    hvm_enable_here(NULL);
    for (unsigned c = 1; c < nr_cpus; c++)
        if (!smp_call_on(c, hvm_enable_here, NULL))
            hvm_enable_failed = 1;
    if (hvm_enable_failed) {
        pr_err("error: hvm: %s could not be enabled on every CPU; no guests\n", hvm->name);
        return false;
    }
    pr_info("hvm: %s enabled on %u CPU%s\n", hvm->name, nr_cpus, nr_cpus == 1 ? "" : "s");
    return keel_opts.dom0_off ? boot_guests_start(bi) : dom0_start(bi);
}

void keel_start(struct boot_info *bi)
{
    uint64_t entry_tsc = rdtsc();      /* boot benchmark: Keel's C entry */
    cmdline_parse(bi->cmdline, &keel_opts);
    console_configure(keel_opts.console);
    console_loglevel = keel_opts.loglvl;
    pr_info("Keel %s: booted by %s%s%s, command line '%s'\n", KEEL_VERSION,
            boot_source_name(bi->source), bi->loader_name[0] ? ", " : "", bi->loader_name,
            bi->cmdline);

    cpu_features_init();
    pr_info("cpu: %s family %u model %u stepping %u%s%s%s%s\n", cpu_features.vendor,
            cpu_features.family, cpu_features.model, cpu_features.stepping,
            cpu_features.svm ? ", AMD-V" : "", cpu_features.vmx ? ", VT-x" : "",
            cpu_features.x2apic ? ", x2APIC" : "", cpu_features.nx ? ", NX" : "");
    idt_init();
    smp_init_bsp();

    bool have_acpi = acpi_init(bi);    /* before mm: the tables' ranges are reserved */
    mm_init(bi);
    smp_choose_trampoline(bi, bi->mem, bi->nr_mem);
    paging_init(MAX(highest_address(bi), frame_limit()));
    if (bi->fb.present)
        pr_info("fb: %ux%u, %u bpp at %#llx\n", bi->fb.width, bi->fb.height, bi->fb.bpp,
                (unsigned long long)bi->fb.addr);
    for (uint32_t i = 0; i < bi->nr_modules; i++)
        pr_info("module %u: %#llx-%#llx '%s'\n", i, (unsigned long long)bi->modules[i].start,
                (unsigned long long)bi->modules[i].end, bi->modules[i].cmdline);

    const struct acpi_header *t = have_acpi ? acpi_find_table("APIC", 0) : NULL;
    if (t && madt_parse(t, t->length, &madt) == 0) {
        pr_info("acpi: MADT lists %u CPUs, %u IOAPICs, LAPIC at %#llx\n", madt.nr_cpus,
                madt.nr_ioapics, (unsigned long long)madt.lapic_addr);
    } else {
        pr_warn("warning: acpi: no usable MADT; running on the boot CPU only\n");
        madt.nr_cpus = 0;
    }

    apic_init_bsp();
    apic_init_cpu();
    time_calibrate();

    unsigned n = smp_boot_aps(&madt, keel_opts.smp);
    if (keel_opts.smp)
        pr_info("smp: %u CPU%s online (%u listed in the MADT; smp=%u)\n", n, n == 1 ? "" : "s",
                madt.nr_cpus, keel_opts.smp);
    else
        pr_info("smp: %u CPU%s online (%u listed in the MADT)\n", n, n == 1 ? "" : "s",
                madt.nr_cpus);
    if (keel_opts.bench)
        pr_info("BENCH boot/all_cpus_online %llu insns\n",
                (unsigned long long)(rdtsc() - boot_tsc_start));
    if (keel_opts.bench && bi->loader_tsc_start)
        pr_info("BENCH boot/efi_entry_to_keel_start %llu insns\n",
                (unsigned long long)(entry_tsc - bi->loader_tsc_start - bi->loader_tsc_io));
    smp_selfcheck();

    sched_cpu_init();
    pci_init();
    iommu_init();
    bool guests = hvm_start(bi);
    run_selftest(keel_opts.selftest);
    pr_info("keel: boot complete\n");
    if (!guests)
        test_exit(0);            /* with guests, the runner ends the test when they are done */
    sched_open();
    sched_run();
}

void keel_secondary_start(void)
{
    sched_secondary_start();
}
