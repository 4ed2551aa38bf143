/* GDT and TSS layouts for long mode. */
#ifndef ARCH_DESC_H
#define ARCH_DESC_H

#include <keel/types.h>

#define SEL_CODE64  0x08
#define SEL_DATA    0x10
#define SEL_TSS     0x18

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __packed;

struct gdt_table {
    uint64_t null;
    uint64_t code64;
    uint64_t data;
    uint64_t tss_lo, tss_hi;     /* a 16-byte system descriptor */
};

#endif
