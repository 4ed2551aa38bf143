/*
 * guest-exceptions: the guest's own exceptions are delivered to the guest's own IDT,
 * with the right vector, error code, RIP (and CR2 for #PF):
 *  #DE (divide by zero), #UD (ud2), #BP (int3: a trap, RIP after it), #DB (single step),
 *  #PF (read, write and fetch at an address the guest unmapped in its own page tables),
 *  #GP (non-canonical load; INT to a vector beyond the IDT limit).
 */
#include <guest/guest.h>

/* Each helper is called as fn(arg) by guest_try; labels mark the faulting instruction. */
__asm__(
    "    .text\n"
    "    .globl exc_de, exc_de_insn\n"
    "exc_de:\n"
    "    xor %ecx, %ecx\n"
    "    mov $1, %eax\n"
    "    xor %edx, %edx\n"
    "exc_de_insn:\n"
    "    div %ecx\n"
    "    ret\n"
    "    .globl exc_ud, exc_ud_insn\n"
    "exc_ud:\n"
    "exc_ud_insn:\n"
    "    ud2\n"
    "    ret\n"
    "    .globl exc_bp, exc_bp_insn, exc_bp_after\n"
    "exc_bp:\n"
    "exc_bp_insn:\n"
    "    int3\n"
    "exc_bp_after:\n"
    "    ret\n"
    "    .globl exc_load, exc_load_insn\n"
    "exc_load:\n"
    "exc_load_insn:\n"
    "    mov (%rdi), %rax\n"
    "    ret\n"
    "    .globl exc_store, exc_store_insn\n"
    "exc_store:\n"
    "exc_store_insn:\n"
    "    movq $0x5a, (%rdi)\n"
    "    ret\n"
    "    .globl exc_step, exc_step_after\n"
    "exc_step:\n"
    "    pushfq\n"
    "    orq $0x100, (%rsp)\n"
    "    popfq\n"                    /* TF set: trap after the next instruction */
    "    nop\n"
    "exc_step_after:\n"
    "    pushfq\n"
    "    andq $~0x100, (%rsp)\n"
    "    popfq\n"
    "    ret\n"
    "    .globl exc_int40, exc_int40_insn\n"
    "exc_int40:\n"
    "exc_int40_insn:\n"
    "    int $0x40\n"
    "    ret\n");

void exc_de(void *), exc_ud(void *), exc_bp(void *), exc_load(void *), exc_store(void *);
void exc_step(void *), exc_int40(void *);
extern char exc_de_insn[], exc_ud_insn[], exc_bp_insn[], exc_bp_after[], exc_load_insn[],
    exc_store_insn[], exc_step_after[], exc_int40_insn[];

static void nothing(void *arg)
{
    (void)arg;
}

static void nested(void *arg)
{
    struct guest_exc *inner = arg;
    int v = guest_try(exc_ud, NULL, inner);
    /* The inner try must have caught it; raise another for the outer one. */
    if (v == X86_UD)
        exc_bp(NULL);
}

/* Runs fn(arg) expecting vector at rip with error code ec. */
static void expect(const char *name, void (*fn)(void *), void *arg, int vector, void *rip,
                   uint64_t ec, struct guest_exc *out)
{
    struct guest_exc e;
    int v = guest_try(fn, arg, &e);

    if (out)
        *out = e;
    if (v < 0)
        test_fail(name, "no exception, expected %s", guest_exc_name((unsigned)vector));
    else if (v != vector)
        test_fail(name, "got %s (vector %d) at RIP 0x%lx, error code 0x%lx; expected %s",
                  guest_exc_name((unsigned)v), v, e.rip, e.error_code,
                  guest_exc_name((unsigned)vector));
    else if (e.rip != (uint64_t)(uintptr_t)rip)
        test_fail(name, "%s at RIP 0x%lx, expected 0x%lx", guest_exc_name((unsigned)v), e.rip,
                  (uint64_t)(uintptr_t)rip);
    else if (e.error_code != ec)
        test_fail(name, "%s error code 0x%lx, expected 0x%lx", guest_exc_name((unsigned)v),
                  e.error_code, ec);
    else
        test_pass(name);
}

#define UNMAPPED_VA 0xc0000000ull    /* a 2 MiB page we take out of our own page tables */

static void test_page_faults(void)
{
    uint64_t *pde = guest_pde(UNMAPPED_VA), saved = *pde;
    uint64_t addr = UNMAPPED_VA + 0x1238;
    struct guest_exc e;

    *pde = 0;
    invlpg(UNMAPPED_VA);

    expect("exc-pf-read", exc_load, (void *)(uintptr_t)addr, X86_PF, exc_load_insn, 0, &e);
    test_check(e.vector == X86_PF && e.cr2 == addr, "exc-pf-read-cr2",
               "CR2 0x%lx, expected 0x%lx", e.cr2, addr);

    addr += 0x1000;
    expect("exc-pf-write", exc_store, (void *)(uintptr_t)addr, X86_PF, exc_store_insn, PF_W, &e);
    test_check(e.vector == X86_PF && e.cr2 == addr, "exc-pf-write-cr2",
               "CR2 0x%lx, expected 0x%lx", e.cr2, addr);

    /* An instruction fetch: CR2 = RIP = the target. Without EFER.NXE the I/D bit may be 0. */
    addr = UNMAPPED_VA + 0x2000;
    int v = guest_try((void (*)(void *))(uintptr_t)addr, NULL, &e);
    test_check(v == X86_PF && e.rip == addr && e.cr2 == addr && (e.error_code & ~PF_I) == 0,
               "exc-pf-fetch", "got %s at RIP 0x%lx, CR2 0x%lx, error code 0x%lx "
               "(expected #PF at 0x%lx, error code 0 or 0x10)",
               v < 0 ? "nothing" : guest_exc_name((unsigned)v), e.rip, e.cr2, e.error_code, addr);

    *pde = saved;
    invlpg(UNMAPPED_VA);
    /* Not touched again: 3 GiB is above our RAM (a nested page fault). */
}

void guest_main(void)
{
    struct guest_exc e, inner;
    int v;

    v = guest_try(nothing, NULL, &e);
    test_check(v == -1, "exc-none", "guest_try of a function that returns gave %d", v);

    expect("exc-de", exc_de, NULL, X86_DE, exc_de_insn, 0, NULL);
    expect("exc-ud", exc_ud, NULL, X86_UD, exc_ud_insn, 0, NULL);
    expect("exc-bp", exc_bp, NULL, X86_BP, exc_bp_after, 0, &e);
    (void)exc_bp_insn;
    expect("exc-db-single-step", exc_step, NULL, X86_DB, exc_step_after, 0, NULL);

    test_page_faults();

    expect("exc-gp-noncanonical", exc_load, (void *)0x8000000000000000ull, X86_GP,
           exc_load_insn, 0, NULL);
    /* INT n beyond the IDT limit: #GP with the IDT bit set in the error code and the vector
     * as the index: vector << 3 | 2 per the manuals; QEMU TCG reports vector << 4 | 2. */
    v = guest_try(exc_int40, NULL, &e);
    test_check(v == X86_GP && e.rip == (uintptr_t)exc_int40_insn &&
               (e.error_code == ((0x40 << 3) | 2) || e.error_code == ((0x40 << 4) | 2)),
               "exc-gp-idt-limit", "int $0x40: got %s at RIP 0x%lx, error code 0x%lx; expected "
               "#GP at 0x%lx, error code 0x202", v < 0 ? "nothing" : guest_exc_name((unsigned)v),
               e.rip, e.error_code, (uint64_t)(uintptr_t)exc_int40_insn);

    memset(&inner, 0, sizeof(inner));
    v = guest_try(nested, &inner, &e);
    test_check(v == X86_BP && inner.vector == X86_UD && inner.rip == (uintptr_t)exc_ud_insn,
               "exc-nested-try", "outer got %d, inner vector %lu at 0x%lx", v, inner.vector,
               inner.rip);

    /* Still sane after all that: a plain call works and the stack is where it was. */
    v = guest_try(nothing, NULL, &e);
    test_check(v == -1, "exc-after", "guest_try after the exceptions gave %d", v);
}
