/*
 * guest-bench: the cost of a VM exit, in instructions. Under QEMU -icount shift=0 the TSC
 * advances exactly once per emulated instruction (guest's and hypervisor's alike), so an
 * RDTSC delta is an exact instruction count.
 *
 *  null_hypercall: hypercall 63 (not implemented: must return -ENOSYS) in a loop;
 *  cpuid_exit:     CPUID leaf 0 in a loop;
 * each minus the same loop with a NOP in place of the exiting instruction, divided by the
 * iterations (after warm-up): the instructions one exit adds beyond the guest's own one.
 * Prints "BENCH <svm|vmx>/<name> <n> insns".
 */
#include <guest/guest.h>

#define WARMUP 100
#define ITERS  10000
#define NULL_HYPERCALL 63

/* Each loop: u64 f(u64 iterations), returns the TSC delta. Same instructions in each,
 * but the one under test. */
#define BENCH_LOOP(name, setup, insn)                   \
    "    .globl " name "\n"                             \
    name ":\n"                                          \
    "    push %rbx\n"                                   \
    "    push %r12\n"                                   \
    "    push %r13\n"                                   \
    "    mov %rdi, %r12\n"                              \
    "    rdtsc\n"                                       \
    "    shl $32, %rdx\n"                               \
    "    or %rax, %rdx\n"                               \
    "    mov %rdx, %r13\n"                              \
    "1:  " setup "\n"                                   \
    "    " insn "\n"                                    \
    "    dec %r12\n"                                    \
    "    jnz 1b\n"                                      \
    "    rdtsc\n"                                       \
    "    shl $32, %rdx\n"                               \
    "    or %rdx, %rax\n"                               \
    "    sub %r13, %rax\n"                              \
    "    pop %r13\n"                                    \
    "    pop %r12\n"                                    \
    "    pop %rbx\n"                                    \
    "    ret\n"

/* The hypercall loop: RAX = 63, no arguments used. CPUID: EAX = ECX = 0. The counter
 * (R12) and start time (R13) are neither hypercall argument registers (RDI, RSI, RDX,
 * R10, R8, R9: Xen may clobber those) nor written by CPUID. */
#define HC_SETUP    "mov $63, %eax"
#define CPUID_SETUP "xor %eax, %eax; xor %ecx, %ecx"

__asm__("    .text\n"
        BENCH_LOOP("loop_vmmcall", HC_SETUP, "vmmcall")
        BENCH_LOOP("loop_vmcall", HC_SETUP, "vmcall")
        BENCH_LOOP("loop_hc_nop", HC_SETUP, "nop")
        BENCH_LOOP("loop_cpuid", CPUID_SETUP, "cpuid")
        BENCH_LOOP("loop_cpuid_nop", CPUID_SETUP, "nop"));

uint64_t loop_vmmcall(uint64_t n), loop_vmcall(uint64_t n), loop_hc_nop(uint64_t n);
uint64_t loop_cpuid(uint64_t n), loop_cpuid_nop(uint64_t n);

static void report(const char *vendor, const char *name, uint64_t t, uint64_t t_empty)
{
    /* Rounded to the nearest instruction; a negative difference shows as 0. */
    uint64_t per = t > t_empty ? (t - t_empty + ITERS / 2) / ITERS : 0;
    gprintf("bench: %s: %lu ticks, empty loop %lu ticks, %u iterations\n", name, t, t_empty,
            ITERS);
    gprintf("BENCH %s/%s %lu insns\n", vendor, name, per);
}

void guest_main(void)
{
    int intel = guest_vendor == GUEST_VENDOR_INTEL;
    const char *vendor = intel ? "vmx" : "svm";
    uint64_t (*hc_loop)(uint64_t) = intel ? loop_vmcall : loop_vmmcall;
    uint64_t t, t_empty;
    long rc;

    rc = hypercall0(NULL_HYPERCALL);
    if (!test_check(rc == -XEN_ENOSYS, "bench-null-hypercall-enosys",
                    "hypercall %d returned %ld, expected -ENOSYS (-%d)", NULL_HYPERCALL, rc,
                    XEN_ENOSYS))
        return;

    hc_loop(WARMUP);
    t = hc_loop(ITERS);
    loop_hc_nop(WARMUP);
    t_empty = loop_hc_nop(ITERS);
    report(vendor, "null_hypercall", t, t_empty);

    loop_cpuid(WARMUP);
    t = loop_cpuid(ITERS);
    loop_cpuid_nop(WARMUP);
    t_empty = loop_cpuid_nop(ITERS);
    report(vendor, "cpuid_exit", t, t_empty);
}
