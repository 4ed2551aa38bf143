/*
 * The guest runtime's C side: start of day (vendor, IDT, start info), the exception
 * handler, the test bookkeeping, and access to the start info and command line.
 */
#include <guest/guest.h>

/* What exc_common pushed, lowest address first. */
struct guest_frame_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};

void guest_start64(void);
void guest_exception(struct guest_frame_regs *f);
void guest_idt_set_gate(unsigned v, uint64_t addr);
void guest_idt_load(unsigned nr_vectors);

/* A guest_try context (exc.S): its address is also the stack pointer to return to. */
struct guest_try_ctx {
    struct guest_exc *out;
    struct guest_try_ctx *prev;
};

extern struct guest_try_ctx *guest_try_ctx;
extern uint64_t guest_start_info_pa;
extern char guest_exc_stubs[];
extern uint64_t guest_pd[];
GUEST_NORETURN void guest_try_resume(struct guest_try_ctx *ctx, int vector);

enum guest_vendor guest_vendor;
char guest_vendor_string[13];
unsigned test_passed, test_failed;

static const struct hvm_start_info *start_info;

/* ---- vendor */

static void detect_vendor(void)
{
    struct cpuid_regs r = cpuid(0, 0);

    memcpy(guest_vendor_string + 0, &r.ebx, 4);
    memcpy(guest_vendor_string + 4, &r.edx, 4);
    memcpy(guest_vendor_string + 8, &r.ecx, 4);
    guest_vendor_string[12] = '\0';
    if (!strcmp(guest_vendor_string, "GenuineIntel"))
        guest_vendor = GUEST_VENDOR_INTEL;
    else if (!strcmp(guest_vendor_string, "AuthenticAMD") ||
             !strcmp(guest_vendor_string, "HygonGenuine"))
        guest_vendor = GUEST_VENDOR_AMD;
    else
        guest_vendor = GUEST_VENDOR_UNKNOWN;     /* hypercalls use VMMCALL */
}

/* ---- IDT: vectors 0-31, interrupt gates to the stubs in exc.S. 256 gates are reserved,
 * but the limit covers 0-31 until irq_init() (irq.c) fills in 32-255 and raises it. */

struct idt_gate {
    uint16_t off0;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off1;
    uint32_t off2;
    uint32_t zero;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint16_t idt_limit;

void guest_idt_set_gate(unsigned v, uint64_t a)
{
    idt[v] = (struct idt_gate){
        .off0 = (uint16_t)a, .sel = 0x18, .ist = 0, .type = 0x8e,   /* P, DPL0, int gate */
        .off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32),
    };
}

/* Loads the IDT on this CPU with gates [0, nr_vectors); 0 keeps the current limit
 * (APs load what the BSP has). */
void guest_idt_load(unsigned nr_vectors)
{
    if (nr_vectors)
        idt_limit = (uint16_t)(nr_vectors * sizeof(struct idt_gate) - 1);
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { idt_limit, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr) : "memory");
}

static void idt_init(void)
{
    for (unsigned v = 0; v < 32; v++)
        guest_idt_set_gate(v, (uint64_t)(uintptr_t)guest_exc_stubs + 16 * v);
    guest_idt_load(32);
}

const char *guest_exc_name(unsigned v)
{
    static const char *const names[32] = {
        "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
        "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
        "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
    };
    return v < 32 ? names[v] : "?";
}

void guest_exception(struct guest_frame_regs *f)
{
    static int in_handler;
    uint64_t cr2 = read_cr2();
    /* guest_try contexts belong to the BSP (one global chain). */
    struct guest_try_ctx *ctx = smp_cpu_id() == 0 ? guest_try_ctx : NULL;

    if (ctx) {
        if (ctx->out)
            *ctx->out = (struct guest_exc){
                .vector = f->vector, .error_code = f->error_code, .rip = f->rip,
                .cr2 = cr2, .rsp = f->rsp, .rflags = f->rflags,
            };
        guest_try_resume(ctx, (int)f->vector);
    }
    if (in_handler++) {              /* faulted while reporting a fault */
        hyp_shutdown(SHUTDOWN_crash);
        guest_halt_forever();
    }
    guest_flush();
    gprintf("guest exception %lu (%s) at RIP 0x%lx, error code 0x%lx", f->vector,
            guest_exc_name((unsigned)f->vector), f->rip, f->error_code);
    if (smp_cpu_id())
        gprintf(" on CPU %u", smp_cpu_id());
    if (f->vector == X86_PF)
        gprintf(", CR2 0x%lx", cr2);
    gprintf("\n");
    gprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", f->rax, f->rbx, f->rcx, f->rdx);
    gprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", f->rsi, f->rdi, f->rbp, f->rsp);
    gprintf("  rflags %lx cs %lx\n", f->rflags, f->cs);
    guest_shutdown(SHUTDOWN_crash);
}

/* ---- start info */

const struct hvm_start_info *guest_start_info(void)
{
    return start_info;
}

static const void *gpa_ptr(uint64_t pa)
{
    return pa && pa < (1ull << 32) ? (const void *)(uintptr_t)pa : NULL;
}

const char *guest_cmdline(void)
{
    const char *s = start_info ? gpa_ptr(start_info->cmdline_paddr) : NULL;
    return s ? s : "";
}

const char *guest_cmdline_get(const char *key, char *buf, size_t size)
{
    const char *p = guest_cmdline();
    size_t klen = strlen(key);

    while (*p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = 0;
            p += klen + 1;
            while (p[n] && p[n] != ' ' && n + 1 < size) {
                buf[n] = p[n];
                n++;
            }
            if (size)
                buf[n] = '\0';
            return buf;
        }
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

unsigned long guest_cmdline_num(const char *key, unsigned long dflt)
{
    char buf[16];
    if (!guest_cmdline_get(key, buf, sizeof(buf)))
        return dflt;
    unsigned long v = 0;
    for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (unsigned long)(*p - '0');
    return v;
}

unsigned guest_memmap(const struct hvm_memmap_table_entry **out)
{
    const struct hvm_memmap_table_entry *m = NULL;

    if (start_info && start_info->version >= 1)
        m = gpa_ptr(start_info->memmap_paddr);
    *out = m;
    return m ? start_info->memmap_entries : 0;
}

uint64_t guest_ram_bytes(void)
{
    const struct hvm_memmap_table_entry *m;
    unsigned n = guest_memmap(&m);
    uint64_t total = 0;

    for (unsigned i = 0; i < n; i++)
        if (m[i].type == HVM_MEMMAP_TYPE_RAM)
            total += m[i].size;
    return total;
}

int guest_is_ram(uint64_t addr, uint64_t size)
{
    const struct hvm_memmap_table_entry *m;
    unsigned n = guest_memmap(&m);
    uint64_t end = addr + size;

    /* Walk forward through RAM entries that cover addr (entries may be adjacent). */
    for (int progress = 1; addr < end && progress;) {
        progress = 0;
        for (unsigned i = 0; i < n; i++) {
            if (m[i].type != HVM_MEMMAP_TYPE_RAM)
                continue;
            if (m[i].addr <= addr && addr < m[i].addr + m[i].size) {
                addr = m[i].addr + m[i].size;
                progress = 1;
            }
        }
    }
    return addr >= end;
}

uint64_t *guest_pde(uint64_t va)
{
    return va < (1ull << 32) ? &guest_pd[va >> 21] : NULL;
}

/* ---- tests */

void test_pass(const char *name)
{
    atomic_inc(&test_passed);
    gprintf("PASS %s\n", name);
}

static void test_vfail(const char *name, const char *fmt, va_list ap)
{
    char why[192];

    atomic_inc(&test_failed);
    gvsnprintf(why, sizeof(why), fmt, ap);
    gprintf("FAIL %s: %s\n", name, why);
}

void test_fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    test_vfail(name, fmt, ap);
    va_end(ap);
}

void test_note(const char *name, const char *fmt, ...)
{
    char why[192];
    va_list ap;

    va_start(ap, fmt);
    gvsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    gprintf("NOTE %s: %s\n", name, why);
}

int test_check(int cond, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (cond) {
        test_pass(name);
        return 1;
    }
    va_start(ap, fmt);
    test_vfail(name, fmt, ap);
    va_end(ap);
    return 0;
}

void guest_done(void)
{
    guest_flush();
    gprintf("DONE %u passed, %u failed\n", test_passed, test_failed);
    guest_shutdown(test_failed ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}

/* ---- start of day, from entry.S in long mode */

void guest_start64(void)
{
    const struct hvm_start_info *si = gpa_ptr(guest_start_info_pa);

    detect_vendor();
    idt_init();
#ifdef GUEST_BARE
    /* No hypervisor: mask the 8259s (whose IRQ 0 would arrive on vector 8 once a test
     * enables interrupts) and switch the local APIC to x2APIC mode if the CPU can (Keel's
     * virtual APIC starts there). */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    if (cpuid(1, 0).ecx & (1u << 21))
        wrmsr(MSR_IA32_APIC_BASE, rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
#endif

    if (si && si->magic == HVM_START_MAGIC)
        start_info = si;
    else
        test_fail("start-info", "EBX 0x%lx does not point at a start info (magic 0x%x)",
                  guest_start_info_pa, si ? si->magic : 0);

    gprintf("guest: %s, start info v%u at 0x%lx, %lu KiB RAM, cmdline \"%s\"\n",
            guest_vendor_string, start_info ? start_info->version : 0, guest_start_info_pa,
            guest_ram_bytes() >> 10, guest_cmdline());
    guest_main();
    guest_done();
}
