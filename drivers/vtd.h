/* What the VT-d files share (drivers/vtd.c: units, DMA remapping, faults;
 * drivers/vtd_inval.c: invalidation; drivers/vtd_irq.c: interrupt remapping). Register
 * offsets and bits from Intel's "Virtualization Technology for Directed I/O" specification. */
#ifndef DRIVERS_VTD_H
#define DRIVERS_VTD_H

#include <keel/types.h>

#define REG_CAP     0x08
#define REG_ECAP    0x10
#define REG_GCMD    0x18
#define REG_GSTS    0x1c
#define REG_RTADDR  0x20
#define REG_CCMD    0x28
#define REG_FSTS    0x34
#define REG_FECTL   0x38
#define REG_PMEN    0x64
#define REG_IQH     0x80
#define REG_IQT     0x88
#define REG_IQA     0x90
#define REG_IRTA    0xb8

#define ECAP_C          (1ull << 0)     /* page-walks snoop the CPU caches */
#define ECAP_QI         (1ull << 1)     /* queued invalidation */
#define ECAP_IR         (1ull << 3)     /* interrupt remapping */

#define GCMD_TE     (1u << 31)
#define GCMD_SRTP   (1u << 30)
#define GCMD_WBF    (1u << 27)
#define GCMD_QIE    (1u << 26)
#define GCMD_IRE    (1u << 25)
#define GCMD_SIRTP  (1u << 24)

#define FSTS_IQE    (1u << 4)           /* an invalidation descriptor was refused */

struct vtd_unit {
    volatile uint8_t *mmio;
    paddr_t base;
    uint64_t cap, ecap;
    unsigned iotlb, fro, nfr;
    uint64_t *queue;                    /* the invalidation queue, once enabled */
    unsigned queue_tail;                /* bytes */
};

extern struct vtd_unit vtd_units[];
extern unsigned vtd_nr_units;

static inline uint64_t vtd_rd64(struct vtd_unit *u, unsigned r) { return *(volatile uint64_t *)(u->mmio + r); }
static inline uint32_t vtd_rd32(struct vtd_unit *u, unsigned r) { return *(volatile uint32_t *)(u->mmio + r); }
static inline void vtd_wr64(struct vtd_unit *u, unsigned r, uint64_t v) { *(volatile uint64_t *)(u->mmio + r) = v; }
static inline void vtd_wr32(struct vtd_unit *u, unsigned r, uint32_t v) { *(volatile uint32_t *)(u->mmio + r) = v; }

/* Waits until (register & mask) == want; false (said once) if the unit never answers. */
bool vtd_wait_reg(struct vtd_unit *u, unsigned r, bool wide, uint64_t mask, uint64_t want);
/* A global command (GCMD bit); true when the status says it is done. */
bool vtd_command(struct vtd_unit *u, uint32_t bit);
/* Cache lines of entries just written reach memory, for units that do not snoop. */
void vtd_written(const void *p, size_t len);

/* Invalidation (drivers/vtd_inval.c), through the registers or, once vtd_queue_enable()
 * succeeded on a unit, through its queue (the specification forbids mixing the two). Each
 * returns when every unit is done. vtd_invalidate: the device's context entry (tagged
 * with domain `domid`) if bdf >= 0, and domain domid's translations; (-1, -1): every
 * context entry and translation. */
bool vtd_queue_enable(struct vtd_unit *u);
void vtd_invalidate(int bdf, int domid);
/* The interrupt entry cache: every entry (index < 0) or one. Queued units only. */
void vtd_invalidate_irq(int index);

/* Interrupt remapping (drivers/vtd_irq.c): true if every unit now remaps (compatibility
 * format interrupts blocked). Called with translation set up, queues enabled. */
bool vtd_irq_enable(void);
int vtd_irq_route(uint16_t bdf, uint8_t vector, uint32_t apic_id, uint32_t *addr, uint32_t *data);
void vtd_irq_unroute(uint16_t bdf, uint8_t vector);

#endif
