/*
 * SMP bring-up with INIT-SIPI-SIPI, one AP at a time, each with its own stacks and
 * per-CPU data; and a minimal cross-CPU call through an IPI.
 */
#include <arch/smp.h>
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/time.h>
#include <arch/trap.h>
#include <keel/frame.h>
#include <keel/init.h>
#include <keel/memmap.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/spinlock.h>
#include <keel/string.h>

extern char ap_trampoline_start[], ap_trampoline_end[];
extern char boot_stack[], boot_stack_top[];
extern uint64_t ap_boot_stack;
extern uint32_t ap_boot_cr3, ap_boot_efer, ap_boot_cpu;

static paddr_t trampoline_page;
static uint8_t bsp_ist[IST_COUNT][IST_STACK_SIZE] __aligned(16);

void ap_main(unsigned cpu);

paddr_t smp_choose_trampoline(const struct boot_info *bi, const struct mem_range *map,
                              uint32_t n)
{
    /* Highest free page in 0x1000..0x9f000 (below the EBDA), clear of everything the
     * loader handed us. */
    for (paddr_t pa = 0x9e000; pa >= 0x1000; pa -= PAGE_SIZE) {
        if (memmap_type_of(map, n, pa, pa + PAGE_SIZE) != MEM_USABLE)
            continue;
        bool clash = pa < bi->loader_data_end && pa + PAGE_SIZE > bi->loader_data_start;
        for (uint32_t m = 0; m < bi->nr_modules; m++)
            if (pa < bi->modules[m].end && pa + PAGE_SIZE > bi->modules[m].start)
                clash = true;
        if (!clash) {
            trampoline_page = pa;
            return pa;
        }
    }
    return 0;
}

void smp_init_bsp(void)
{
    struct percpu *p = &percpu_area[0];
    p->cpu = 0;
    p->stack_bottom = (uint64_t)boot_stack;
    p->stack_top = (uint64_t)boot_stack_top;
    for (int i = 1; i <= IST_COUNT; i++)
        p->ist_top[i] = (uint64_t)bsp_ist[i - 1] + IST_STACK_SIZE;
    percpu_cpu_init(p);
}

static void ipi_call_handler(struct trap_frame *tf)
{
    (void)tf;
    struct percpu *p = this_cpu();
    void (*fn)(void *) = p->call_fn;
    p->ipi_count++;
    if (fn) {
        p->call_fn = NULL;
        fn(p->call_arg);
        __atomic_add_fetch(&p->call_done, 1, __ATOMIC_RELEASE);
    }
}

bool smp_call_on(unsigned cpu, void (*fn)(void *), void *arg)
{
    struct percpu *p = &percpu_area[cpu];
    uint64_t done = p->call_done;

    p->call_arg = arg;
    __atomic_store_n(&p->call_fn, fn, __ATOMIC_RELEASE);
    apic_send_ipi(p->apic_id, VEC_IPI_CALL);
    uint64_t t0 = rdtsc();
    while (__atomic_load_n(&p->call_done, __ATOMIC_ACQUIRE) == done) {
        if (tsc_to_us(rdtsc() - t0) > 1000000)
            return false;
        cpu_relax();
    }
    return true;
}

void ap_main(unsigned cpu)
{
    struct percpu *p = &percpu_area[cpu];

    percpu_cpu_init(p);
    apic_init_cpu();
    uint32_t id = lapic_id();
    if (id != p->apic_id)
        pr_warn("warning: smp: CPU %u reports APIC id %u, the MADT said %u\n", cpu, id, p->apic_id);
    p->apic_id = id;
    __atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
    keel_secondary_start();
}

static bool alloc_stacks(struct percpu *p)
{
    paddr_t s = frame_alloc_contig(STACK_SIZE / PAGE_SIZE, PAGE_SIZE);
    if (!s)
        return false;
    p->stack_bottom = (uint64_t)phys_to_virt(s);
    p->stack_top = p->stack_bottom + STACK_SIZE;
    for (int i = 1; i <= IST_COUNT; i++) {
        paddr_t ist = frame_alloc_contig(IST_STACK_SIZE / PAGE_SIZE, PAGE_SIZE);
        if (!ist)
            return false;
        p->ist_top[i] = (uint64_t)phys_to_virt(ist) + IST_STACK_SIZE;
    }
    return true;
}

static bool start_ap(unsigned cpu, uint32_t apic_id)
{
    struct percpu *p = &percpu_area[cpu];

    memset(p, 0, sizeof(*p));
    p->cpu = cpu;
    p->apic_id = apic_id;
    if (!alloc_stacks(p)) {
        pr_warn("warning: smp: no memory for CPU %u's stacks\n", cpu);
        return false;
    }
    ap_boot_stack = p->stack_top;
    ap_boot_cr3 = (uint32_t)paging_root();
    ap_boot_efer = (uint32_t)(EFER_LME | (cpu_features.nx ? EFER_NXE : 0));
    ap_boot_cpu = cpu;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);

    /* The universal start-up algorithm: INIT, 10 ms, SIPI, 200 us, SIPI. */
    apic_send_init(apic_id);
    udelay(10000);
    for (int i = 0; i < 2 && !READ_ONCE(p->online); i++) {
        apic_send_sipi(apic_id, trampoline_page);
        udelay(200);
    }
    uint64_t t0 = rdtsc();
    while (!__atomic_load_n(&p->online, __ATOMIC_ACQUIRE)) {
        if (tsc_to_us(rdtsc() - t0) > 1000000) {
            pr_warn("warning: smp: CPU with APIC id %u did not come online in 1 s; going on "
                    "without it\n", apic_id);
            /* Park it in wait-for-SIPI so that a late start cannot use this slot. */
            apic_send_init(apic_id);
            return false;
        }
        cpu_relax();
    }
    return true;
}

unsigned smp_boot_aps(const struct madt_info *madt, unsigned limit)
{
    struct percpu *bsp = &percpu_area[0];
    unsigned n = 1;

    bsp->apic_id = lapic_id();
    bsp->online = true;
    irq_register(VEC_IPI_CALL, ipi_call_handler);
    pr_info("smp: CPU 0 online, APIC id %u (boot CPU)\n", bsp->apic_id);

    if (!madt || madt->nr_cpus <= 1 || limit == 1) {
        nr_cpus = 1;
        return 1;
    }
    if (!trampoline_page) {
        pr_warn("warning: smp: no free page below 1 MiB for the AP start code; boot CPU only\n");
        return 1;
    }
    memcpy(phys_to_virt(trampoline_page), ap_trampoline_start,
           (size_t)(ap_trampoline_end - ap_trampoline_start));

    for (uint32_t i = 0; i < madt->nr_cpus; i++) {
        uint32_t id = madt->cpus[i].apic_id;
        if (id == bsp->apic_id)
            continue;
        if ((limit && n >= limit) || n >= MAX_CPUS) {
            pr_info("smp: CPU with APIC id %u left offline (smp=%u)\n", id, limit);
            continue;
        }
        if (start_ap(n, id)) {
            pr_info("smp: CPU %u online, APIC id %u\n", n, id);
            n++;
        }
    }
    nr_cpus = n;
    return n;
}
