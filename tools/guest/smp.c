/*
 * Multiprocessor bring-up (see include/guest/smp.h and smp.S): INIT + SIPI (+ a second
 * SIPI if needed) to each AP in turn, per-AP stacks, the CPU number from the stack.
 */
#include <guest/guest.h>

void guest_idt_load(unsigned nr_vectors);            /* runtime.c */
void guest_ap_start64(void);

extern char guest_ap_trampoline[], guest_ap_trampoline_end[];
extern uint64_t guest_ap_cr3, guest_ap_stack;

/* AP i (1..GUEST_MAX_CPUS-1) runs on ap_stacks[i - 1]; the BSP on entry.S's stack. */
static uint8_t ap_stacks[GUEST_MAX_CPUS - 1][SMP_AP_STACK_SIZE]
    __attribute__((aligned(SMP_AP_STACK_SIZE)));

static struct {
    volatile uint32_t online;        /* checked in */
    volatile uint32_t done;          /* ap_main returned */
    uint32_t sipis;
} cpus[GUEST_MAX_CPUS];

static volatile uint32_t ap_boot_cpu;  /* the AP being started (one at a time) */
static unsigned nr_online = 1;
int smp_wait_irqs_on = 1;

unsigned smp_cpu_id(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    uintptr_t off = sp - (uintptr_t)ap_stacks;

    return off < sizeof(ap_stacks) ? 1 + (unsigned)(off / SMP_AP_STACK_SIZE) : 0;
}

unsigned smp_cpus_online(void)
{
    return nr_online;
}

unsigned smp_sipis_sent(unsigned cpu)
{
    return cpu < GUEST_MAX_CPUS ? cpus[cpu].sipis : 0;
}

int smp_ap_done(unsigned cpu)
{
    return cpu < GUEST_MAX_CPUS && atomic_load(&cpus[cpu].done);
}

__attribute__((weak)) void ap_main(unsigned cpu)
{
    (void)cpu;
}

/* From smp.S, in long mode on the AP's own stack. */
void guest_ap_start64(void)
{
    unsigned cpu = atomic_load(&ap_boot_cpu);

    guest_idt_load(0);                        /* the BSP's IDT, same limit */
    atomic_store_release(&cpus[cpu].online, 1);
    ap_main(cpu);
    guest_flush();
    atomic_store_release(&cpus[cpu].done, 1);
    guest_halt_forever();
}

/* Waits for the AP's check-in, with interrupts on unless smp_wait_irqs_on is 0. */
static int wait_online(unsigned cpu, uint64_t ticks)
{
    uint64_t end = rdtsc() + ticks, f = irq_save();

    if (smp_wait_irqs_on)
        sti();
    while (!atomic_load_acquire(&cpus[cpu].online) && rdtsc() < end)
        cpu_relax();
    irq_restore(f);
    return (int)atomic_load_acquire(&cpus[cpu].online);
}

unsigned smp_start_aps(unsigned n)
{
    uint64_t icr_dest;

    if (n > GUEST_MAX_CPUS)
        n = GUEST_MAX_CPUS;
    if (n > 1 && !guest_is_ram(SMP_TRAMPOLINE_PA, 4096)) {
        gprintf("smp: GPA 0x%x is not RAM: no room for the AP start-up code\n",
                SMP_TRAMPOLINE_PA);
        return nr_online;
    }
    irq_init();
    memcpy((void *)(uintptr_t)SMP_TRAMPOLINE_PA, guest_ap_trampoline,
           (size_t)(guest_ap_trampoline_end - guest_ap_trampoline));
    guest_ap_cr3 = read_cr3();

    for (unsigned cpu = 1; cpu < n; cpu++) {
        if (cpus[cpu].online)
            continue;
        atomic_store(&ap_boot_cpu, cpu);
        guest_ap_stack = (uint64_t)(uintptr_t)&ap_stacks[cpu - 1][SMP_AP_STACK_SIZE];
        barrier();
        icr_dest = (uint64_t)cpu << 32;
        /* INIT (level assert); then start-up at vector 0x08 = GPA 0x8000. A second SIPI
         * only if the first did not bring the AP in: an AP already running ignores it. */
        lapic_send_icr(icr_dest | ICR_INIT | ICR_ASSERT | ICR_LEVEL);
        lapic_send_icr(icr_dest | ICR_STARTUP | (SMP_TRAMPOLINE_PA >> 12));
        cpus[cpu].sipis = 1;
        if (!wait_online(cpu, SMP_SIPI_RETRY_TICKS)) {
            lapic_send_icr(icr_dest | ICR_STARTUP | (SMP_TRAMPOLINE_PA >> 12));
            cpus[cpu].sipis = 2;
            if (!wait_online(cpu, SMP_CHECKIN_TICKS)) {
                cpus[cpu].sipis = 0;
                gprintf("smp: CPU %u did not start (INIT + 2 SIPIs, %llu ticks)\n", cpu,
                        SMP_SIPI_RETRY_TICKS + SMP_CHECKIN_TICKS);
                break;
            }
        }
        nr_online++;
    }
    return nr_online;
}

extern char guest_ap_entry_pvh32[];

uint32_t smp_ap_prepare(unsigned cpu)
{
    irq_init();
    guest_ap_cr3 = read_cr3();
    atomic_store(&ap_boot_cpu, cpu);
    guest_ap_stack = (uint64_t)(uintptr_t)&ap_stacks[cpu - 1][SMP_AP_STACK_SIZE];
    barrier();
    return (uint32_t)(uintptr_t)guest_ap_entry_pvh32;
}

int smp_ap_wait(unsigned cpu)
{
    if (!wait_online(cpu, SMP_CHECKIN_TICKS))
        return 0;
    nr_online++;
    return 1;
}
