/*
 * Local APIC access. In x2APIC mode registers are MSRs (0x800 + offset/16); in xAPIC mode
 * they are MMIO at the APIC base. One pair of accessors hides the difference.
 */
#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/io.h>
#include <arch/paging.h>
#include <arch/trap.h>
#include <keel/printk.h>

#define APIC_ID       0x020
#define APIC_VER      0x030
#define APIC_TPR      0x080
#define APIC_EOI      0x0b0
#define APIC_SVR      0x0f0
#define APIC_ESR      0x280
#define APIC_ICR_LO   0x300
#define APIC_ICR_HI   0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERM 0x330
#define APIC_LVT_PERF 0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERR  0x370
#define APIC_TMR_INIT 0x380
#define APIC_TMR_CUR  0x390
#define APIC_TMR_DIV  0x3e0

#define APIC_BASE_EN   (1ull << 11)
#define APIC_BASE_EXTD (1ull << 10)
#define ICR_BUSY       (1u << 12)
#define ICR_ASSERT     (1u << 14)
#define ICR_INIT       (5u << 8)
#define ICR_STARTUP    (6u << 8)
#define ICR_NMI        (4u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)

bool apic_x2apic_mode;
static bool apic_enabled;            /* this CPU's APIC is usable (panic may come earlier) */
static volatile uint32_t *apic_mmio;

static uint32_t apic_read(uint32_t reg)
{
    if (apic_x2apic_mode)
        return (uint32_t)rdmsr(0x800 + (reg >> 4));
    return apic_mmio[reg / 4];
}

static void apic_write(uint32_t reg, uint32_t v)
{
    if (apic_x2apic_mode)
        wrmsr(0x800 + (reg >> 4), v);
    else
        apic_mmio[reg / 4] = v;
}

static void apic_icr(uint32_t dest, uint32_t lo)
{
    if (apic_x2apic_mode) {
        /* x2APIC: one 64-bit write, no busy bit to poll. */
        wrmsr(0x800 + (APIC_ICR_LO >> 4), ((uint64_t)dest << 32) | lo);
        return;
    }
    for (int i = 0; i < 1000000 && (apic_mmio[APIC_ICR_LO / 4] & ICR_BUSY); i++)
        __asm__ volatile("pause");
    apic_mmio[APIC_ICR_HI / 4] = dest << 24;
    apic_mmio[APIC_ICR_LO / 4] = lo;
    for (int i = 0; i < 1000000 && (apic_mmio[APIC_ICR_LO / 4] & ICR_BUSY); i++)
        __asm__ volatile("pause");
}

void apic_init_bsp(void)
{
    /* Keel never uses the 8259 PICs: mask them so they cannot raise stray vectors. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);

    uint64_t base = rdmsr(MSR_APIC_BASE);
    apic_x2apic_mode = cpu_features.x2apic;
    if (!apic_x2apic_mode)
        apic_mmio = ioremap(base & 0xffffff000ull, PAGE_SIZE);
}

void apic_init_cpu(void)
{
    uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_EN;
    if (apic_x2apic_mode)
        base |= APIC_BASE_EXTD;
    wrmsr(MSR_APIC_BASE, base);

    apic_write(APIC_TPR, 0);
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    apic_write(APIC_LVT_LINT0, LVT_MASKED);
    apic_write(APIC_LVT_LINT1, LVT_MASKED);
    apic_write(APIC_LVT_ERR, LVT_MASKED);
    if (((apic_read(APIC_VER) >> 16) & 0xff) >= 4)
        apic_write(APIC_LVT_PERF, LVT_MASKED);
    if (((apic_read(APIC_VER) >> 16) & 0xff) >= 5)
        apic_write(APIC_LVT_THERM, LVT_MASKED);
    apic_write(APIC_ESR, 0);
    apic_write(APIC_SVR, 0x100 | VEC_SPURIOUS);     /* software enable */
    lapic_eoi();
    apic_enabled = true;
}

uint32_t lapic_id(void)
{
    uint32_t id = apic_read(APIC_ID);
    return apic_x2apic_mode ? id : id >> 24;
}

void lapic_eoi(void) { apic_write(APIC_EOI, 0); }

void apic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    apic_icr(apic_id, ICR_ASSERT | vector);
}

void apic_send_init(uint32_t apic_id)
{
    apic_icr(apic_id, ICR_ASSERT | ICR_INIT);
}

void apic_send_sipi(uint32_t apic_id, paddr_t start_page)
{
    apic_icr(apic_id, ICR_ASSERT | ICR_STARTUP | (uint32_t)(start_page >> 12));
}

void apic_send_nmi_all_but_self(void)
{
    if (apic_enabled)
        apic_icr(0, ICR_ASSERT | ICR_NMI | ICR_ALL_BUT_SELF);
}

void lapic_timer_oneshot(uint32_t count, uint32_t lvt)
{
    apic_write(APIC_TMR_DIV, 0x3);          /* divide by 16 */
    apic_write(APIC_LVT_TIMER, lvt);        /* one-shot mode is 0 in bits 17-18 */
    apic_write(APIC_TMR_INIT, count);
}

void lapic_timer_stop(void)
{
    apic_write(APIC_LVT_TIMER, LVT_MASKED);
    apic_write(APIC_TMR_INIT, 0);
}

uint32_t lapic_timer_current(void) { return apic_read(APIC_TMR_CUR); }
