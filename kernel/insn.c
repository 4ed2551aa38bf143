/*
 * Decoding just enough to skip an instruction that caused an exit, when the hardware does
 * not say how long it was. The instruction is known from the exit; we only need to account
 * for prefixes, and we check the opcode really is the one that exited (a guest could have
 * rewritten the bytes meanwhile).
 */
#include <keel/insn.h>

static bool is_legacy_prefix(uint8_t b)
{
    switch (b) {
    case 0xf0: case 0xf2: case 0xf3:                       /* lock, repne, rep */
    case 0x2e: case 0x36: case 0x3e: case 0x26: case 0x64: case 0x65: /* segments */
    case 0x66: case 0x67:                                  /* operand, address size */
        return true;
    default:
        return false;
    }
}

int insn_length(const uint8_t *buf, size_t n, bool code64, enum insn_kind kind)
{
    size_t i = 0;

    if (n > 15)
        n = 15;                         /* the architectural limit */
    while (i < n && is_legacy_prefix(buf[i]))
        i++;
    if (code64 && i < n && (buf[i] & 0xf0) == 0x40)
        i++;                            /* REX must come last */
    if (i >= n)
        return -1;

    const uint8_t *op = buf + i;
    size_t left = n - i;
    switch (kind) {
    case INSN_HLT:
        return op[0] == 0xf4 ? (int)i + 1 : -1;
    case INSN_CPUID:
        return left >= 2 && op[0] == 0x0f && op[1] == 0xa2 ? (int)i + 2 : -1;
    case INSN_RDMSR:
        return left >= 2 && op[0] == 0x0f && op[1] == 0x32 ? (int)i + 2 : -1;
    case INSN_WRMSR:
        return left >= 2 && op[0] == 0x0f && op[1] == 0x30 ? (int)i + 2 : -1;
    case INSN_HYPERCALL:      /* VMCALL 0f 01 c1 or VMMCALL 0f 01 d9 */
        return left >= 3 && op[0] == 0x0f && op[1] == 0x01 && (op[2] == 0xc1 || op[2] == 0xd9)
                   ? (int)i + 3 : -1;
    }
    return -1;
}
