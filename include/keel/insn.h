/* Instruction length decoding for the few instructions that exit (kernel/insn.c). Used
 * when the CPU does not report the length (SVM without NRIPS). Pure; tested on the host. */
#ifndef KEEL_INSN_H
#define KEEL_INSN_H

#include <keel/types.h>

enum insn_kind { INSN_CPUID, INSN_HLT, INSN_HYPERCALL, INSN_RDMSR, INSN_WRMSR };

/* Length of the instruction at the start of buf (n bytes available) if it is `kind`,
 * allowing legacy prefixes and, in 64-bit code, a REX prefix; -1 if it is not. */
int insn_length(const uint8_t *buf, size_t n, bool code64, enum insn_kind kind);

#endif
