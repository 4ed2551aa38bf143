/*
 * Dom0's virtio-blk driver, for a passed-through PCI function (1af4:1001 transitional or
 * 1af4:1042 modern), through the virtio 1.0 "modern" PCI interface: the vendor
 * capabilities in configuration space locate the common, notify and device
 * configuration structures in a memory BAR, which Keel maps into Dom0's p2m at its host
 * address (uncached). QEMU 7.2's `-device virtio-blk-pci` offers it next to the legacy
 * I/O-port interface; we use only the modern one (MMIO reaches the device directly,
 * where every legacy port access would exit to Keel). A legacy-only device is refused.
 *
 * One split virtqueue of QSIZE entries, one request in flight: header, data, status
 * descriptors pointing into Dom0's RAM (guest-physical = virtual, and = DMA address
 * behind the IOMMU, which maps exactly Dom0's RAM). No interrupts (Keel does not deliver
 * passthrough interrupts yet): INTx is disabled, the device is asked not to interrupt,
 * and completion is polled on the used ring.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#include "disk.h"
#include <guest/pci_cfg.h>
#include "virtio_blk.h"

#define EIO    5
#define EFAULT 14
#define ENODEV 19
#define EINVAL 22
#define EROFS  30

/* PCI */
#define PCI_COMMAND        0x04
#define PCI_CMD_MEM        (1u << 1)
#define PCI_CMD_MASTER     (1u << 2)
#define PCI_CMD_INTX_OFF   (1u << 10)
#define PCI_STATUS_CAPS    (1u << 4)
#define PCI_CAP_PTR        0x34
#define PCI_CAP_VENDOR     0x09

/* Virtio PCI capability: cfg_type at +3, bar at +4, offset at +8, length at +12,
 * and for the notify structure the offset multiplier at +16. */
#define VIRTIO_CAP_COMMON  1
#define VIRTIO_CAP_NOTIFY  2
#define VIRTIO_CAP_DEVICE  4

/* Common configuration structure (virtio 1.0, 4.1.4.3) */
#define CC_DEV_FEAT_SEL    0x00
#define CC_DEV_FEAT        0x04
#define CC_DRV_FEAT_SEL    0x08
#define CC_DRV_FEAT        0x0c
#define CC_STATUS          0x14
#define CC_CFG_GEN         0x15
#define CC_Q_SELECT        0x16
#define CC_Q_SIZE          0x18
#define CC_Q_MSIX          0x1a
#define CC_Q_ENABLE        0x1c
#define CC_Q_NOTIFY_OFF    0x1e
#define CC_Q_DESC          0x20
#define CC_Q_AVAIL         0x28
#define CC_Q_USED          0x30

#define ST_ACK             1u
#define ST_DRIVER          2u
#define ST_DRIVER_OK       4u
#define ST_FEATURES_OK     8u
#define ST_NEEDS_RESET     0x40u
#define ST_FAILED          0x80u

#define F_BLK_RO           (1ull << 5)
#define F_BLK_FLUSH        (1ull << 9)
#define F_VERSION_1        (1ull << 32)
#define F_ACCESS_PLATFORM  (1ull << 33)       /* its DMA goes through the platform's IOMMU */

/* virtio-blk requests */
#define REQ_IN             0
#define REQ_OUT            1
#define REQ_FLUSH          4
#define REQ_OK             0

/* Split virtqueue */
#define QSIZE              8
#define DESC_NEXT          1
#define DESC_WRITE         2          /* the device writes this buffer */
#define AVAIL_NO_INTERRUPT 1
#define MAX_XFER_SECTORS   256        /* 128 KiB per request */
#define TIMEOUT_NS         5000000000ull

#define MAX_VBLK           4

struct vq_desc { uint64_t addr; uint32_t len; uint16_t flags, next; };
struct vq_avail { uint16_t flags, idx, ring[QSIZE], used_event; };
struct vq_used_elem { uint32_t id, len; };
struct vq_used { uint16_t flags, idx; struct vq_used_elem ring[QSIZE]; uint16_t avail_event; };

/* What the device reads and writes: one page per disk, in Dom0's RAM (our image). */
struct vq_page {
    struct vq_desc desc[QSIZE];                        /* 16-byte aligned */
    struct vq_avail avail __attribute__((aligned(64)));
    struct vq_used used __attribute__((aligned(64)));
    struct { uint32_t type, reserved; uint64_t sector; } hdr __attribute__((aligned(64)));
    volatile uint8_t status;
} __attribute__((aligned(4096)));

struct vblk {
    struct disk disk;
    unsigned bdf;
    volatile uint8_t *common, *device, *notify_base;
    volatile uint16_t *notify;
    uint32_t notify_mult;
    uint64_t features;
    uint16_t avail_idx, used_idx;
    int broken;                                        /* failed, and a reset did not help */
    struct vq_page *q;
};

static struct vq_page vq_pages[MAX_VBLK];
static struct vblk vblks[MAX_VBLK];
static unsigned nr_vblk;

#define barrier() __asm__ volatile("mfence" ::: "memory")

static uint8_t rd8(volatile uint8_t *b, unsigned o) { return *(volatile uint8_t *)(b + o); }
static uint16_t rd16(volatile uint8_t *b, unsigned o) { return *(volatile uint16_t *)(b + o); }
static uint32_t rd32(volatile uint8_t *b, unsigned o) { return *(volatile uint32_t *)(b + o); }
static void wr8(volatile uint8_t *b, unsigned o, uint8_t v) { *(volatile uint8_t *)(b + o) = v; }
static void wr16(volatile uint8_t *b, unsigned o, uint16_t v) { *(volatile uint16_t *)(b + o) = v; }
static void wr32(volatile uint8_t *b, unsigned o, uint32_t v) { *(volatile uint32_t *)(b + o) = v; }
static void wr64(volatile uint8_t *b, unsigned o, uint64_t v)   /* as two 32-bit halves */
{
    wr32(b, o, (uint32_t)v);
    wr32(b, o + 4, (uint32_t)(v >> 32));
}

static const char *vblk_start(struct vblk *v);

/* The device gave up on a request (it set NEEDS_RESET, e.g. after a DMA the IOMMU
 * blocked) or never answered: reset it and set the queue up again, so that the next
 * request can work. The failed request's data is lost. */
static void vblk_restart(struct vblk *v, const char *what)
{
    const char *why = vblk_start(v);
    v->broken = why != NULL;
    gprintf("virtio-blk: %s: %s; reset: %s\n", v->disk.name, what, why ? why : "working again");
}

/* Submits the chain starting at descriptor 0 and polls until the device has used it. */
static int vblk_submit(struct vblk *v)
{
    struct vq_page *q = v->q;
    q->status = 0xff;
    q->avail.ring[v->avail_idx % QSIZE] = 0;
    barrier();                                  /* descriptors before the index */
    q->avail.idx = ++v->avail_idx;
    barrier();                                  /* the index before the doorbell */
    *v->notify = 0;                             /* queue 0 */
    uint64_t t0 = xen_clock_ns(0);
    while (*(volatile uint16_t *)&q->used.idx == v->used_idx) {
        if (rd8(v->common, CC_STATUS) & ST_NEEDS_RESET) {
            vblk_restart(v, "the device failed the request (needs reset)");
            return -EIO;
        }
        if (xen_clock_ns(0) - t0 > TIMEOUT_NS) {
            vblk_restart(v, "the device did not answer in 5 s");
            return -EIO;
        }
        __asm__ volatile("pause" ::: "memory");
    }
    v->used_idx++;
    barrier();
    return q->status == REQ_OK ? 0 : -EIO;
}

static int vblk_rw(struct vblk *v, uint32_t type, uint64_t sector, void *buf, uint32_t count)
{
    if (v->broken)
        return -EIO;
    if (sector > v->disk.sectors || count > v->disk.sectors - sector)
        return -EINVAL;
    /* The device reaches only Dom0's RAM (the IOMMU); a buffer elsewhere (e.g. a grant
     * mapping above our RAM) would fault there: the caller must bounce it. */
    if (count && !guest_is_ram((uint64_t)(uintptr_t)buf, (uint64_t)count * 512))
        return -EFAULT;
    struct vq_page *q = v->q;
    while (count) {
        uint32_t n = count < MAX_XFER_SECTORS ? count : MAX_XFER_SECTORS;
        q->hdr.type = type;
        q->hdr.reserved = 0;
        q->hdr.sector = sector;
        q->desc[0] = (struct vq_desc){ (uint64_t)(uintptr_t)&q->hdr, sizeof(q->hdr), DESC_NEXT, 1 };
        q->desc[1] = (struct vq_desc){ (uint64_t)(uintptr_t)buf, n * 512,
                                       (uint16_t)(DESC_NEXT | (type == REQ_IN ? DESC_WRITE : 0)), 2 };
        q->desc[2] = (struct vq_desc){ (uint64_t)(uintptr_t)&q->status, 1, DESC_WRITE, 0 };
        int rc = vblk_submit(v);
        if (rc)
            return rc;
        sector += n;
        count -= n;
        buf = (uint8_t *)buf + n * 512;
    }
    return 0;
}

static int vblk_read(struct disk *d, uint64_t sector, void *buf, uint32_t count)
{
    return vblk_rw(d->priv, REQ_IN, sector, buf, count);
}

static int vblk_write(struct disk *d, uint64_t sector, const void *buf, uint32_t count)
{
    if (d->readonly)
        return -EROFS;
    return vblk_rw(d->priv, REQ_OUT, sector, (void *)(uintptr_t)buf, count);
}

static int vblk_flush(struct disk *d)
{
    struct vblk *v = d->priv;
    if (!(v->features & F_BLK_FLUSH))
        return 0;                               /* no write cache to flush */
    if (v->broken)
        return -EIO;
    v->q->hdr = (typeof(v->q->hdr)){ REQ_FLUSH, 0, 0 };
    v->q->desc[0] = (struct vq_desc){ (uint64_t)(uintptr_t)&v->q->hdr, sizeof(v->q->hdr), DESC_NEXT, 1 };
    v->q->desc[1] = (struct vq_desc){ (uint64_t)(uintptr_t)&v->q->status, 1, DESC_WRITE, 0 };
    return vblk_submit(v);
}

/* The address of a virtio structure (capability at `cap`), or NULL if we cannot reach it. */
static volatile uint8_t *cap_addr(unsigned bdf, unsigned cap)
{
    unsigned bar = pci_cfg_read8(bdf, cap + 4);
    uint64_t base = bar < 6 ? pci_cfg_bar(bdf, bar) : 0;
    uint64_t a = base + pci_cfg_read32(bdf, cap + 8);
    if (!base || a + pci_cfg_read32(bdf, cap + 12) > (1ull << 32))
        return NULL;                            /* I/O BAR, unassigned, or above our map */
    /* The runtime maps it write-back; Keel's p2m says uncached, but say so here too
     * (PCD|PWT) so that the effective type is UC whatever the nested-paging rules. */
    uint64_t *pde = guest_pde(a);
    if (!(*pde & 0x18)) {
        *pde |= 0x18;
        __asm__ volatile("invlpg (%0)" :: "r"((uintptr_t)a) : "memory");
    }
    return (volatile uint8_t *)(uintptr_t)a;
}

static int vblk_setup(struct vblk *v, unsigned bdf)
{
    volatile uint8_t *common = NULL, *notify = NULL, *device = NULL;
    uint32_t mult = 0;

    if (pci_cfg_read16(bdf, 0x06) & PCI_STATUS_CAPS)
        for (unsigned cap = pci_cfg_read8(bdf, PCI_CAP_PTR) & 0xfc, hops = 0; cap && hops < 48;
             cap = pci_cfg_read8(bdf, cap + 1) & 0xfc, hops++) {
            if (pci_cfg_read8(bdf, cap) != PCI_CAP_VENDOR)
                continue;
            unsigned type = pci_cfg_read8(bdf, cap + 3);
            if (type == VIRTIO_CAP_COMMON && !common)
                common = cap_addr(bdf, cap);
            else if (type == VIRTIO_CAP_NOTIFY && !notify) {
                notify = cap_addr(bdf, cap);
                mult = pci_cfg_read32(bdf, cap + 16);
            } else if (type == VIRTIO_CAP_DEVICE && !device)
                device = cap_addr(bdf, cap);
        }
    if (!common || !notify || !device) {
        gprintf("virtio-blk: 00:%02x.%x: no usable modern interface (legacy-only, or its BAR "
                "is not mapped below 4 GiB); not used\n", bdf >> 3, bdf & 7);
        return -ENODEV;
    }
    pci_cfg_write16(bdf, PCI_COMMAND, (uint16_t)(pci_cfg_read16(bdf, PCI_COMMAND) |
                    PCI_CMD_MEM | PCI_CMD_MASTER | PCI_CMD_INTX_OFF));
    *v = (struct vblk){ .bdf = bdf, .common = common, .device = device, .notify_base = notify,
                        .notify_mult = mult, .q = &vq_pages[v - vblks] };
    const char *why = vblk_start(v);
    if (why) {
        gprintf("virtio-blk: 00:%02x.%x: %s; not used\n", bdf >> 3, bdf & 7, why);
        return -ENODEV;
    }
    uint64_t cap;
    uint8_t gen;
    do {                                        /* a consistent 64-bit read of capacity */
        gen = rd8(common, CC_CFG_GEN);
        cap = rd32(device, 0) | (uint64_t)rd32(device, 4) << 32;
    } while (gen != rd8(common, CC_CFG_GEN));

    gsnprintf(v->disk.name, sizeof(v->disk.name), "virtio%u", (unsigned)(v - vblks));
    v->disk.sectors = cap;
    v->disk.readonly = !!(v->features & F_BLK_RO);
    v->disk.read = vblk_read;
    v->disk.write = vblk_write;
    v->disk.flush = vblk_flush;
    v->disk.priv = v;
    return 0;
}

/* Reset, then the initialisation sequence of virtio 1.0, 3.1.1, with an empty queue 0.
 * NULL, or why the device cannot be used (it is then left FAILED). */
static const char *vblk_start(struct vblk *v)
{
    volatile uint8_t *common = v->common;
    wr8(common, CC_STATUS, 0);
    for (int i = 0; i < 1000000 && rd8(common, CC_STATUS); i++)
        __asm__ volatile("pause");
    wr8(common, CC_STATUS, ST_ACK);
    wr8(common, CC_STATUS, ST_ACK | ST_DRIVER);
    wr32(common, CC_DEV_FEAT_SEL, 0);
    uint64_t offered = rd32(common, CC_DEV_FEAT);
    wr32(common, CC_DEV_FEAT_SEL, 1);
    offered |= (uint64_t)rd32(common, CC_DEV_FEAT) << 32;
    uint64_t want = offered & (F_VERSION_1 | F_ACCESS_PLATFORM | F_BLK_RO | F_BLK_FLUSH);
    const char *why = NULL;
    if (!(want & F_VERSION_1))
        why = "no VIRTIO_F_VERSION_1";
    /* Without ACCESS_PLATFORM a virtio device may bypass the IOMMU and take our addresses
     * as host-physical ones (QEMU does, unless iommu_platform=on): our GPAs are not, so
     * its DMA would land in someone else's memory. */
    else if (!(want & F_ACCESS_PLATFORM))
        why = "no VIRTIO_F_ACCESS_PLATFORM: its DMA would bypass the IOMMU (QEMU: iommu_platform=on)";
    if (!why) {
        wr32(common, CC_DRV_FEAT_SEL, 0);
        wr32(common, CC_DRV_FEAT, (uint32_t)want);
        wr32(common, CC_DRV_FEAT_SEL, 1);
        wr32(common, CC_DRV_FEAT, (uint32_t)(want >> 32));
        wr8(common, CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK);
        if (!(rd8(common, CC_STATUS) & ST_FEATURES_OK))
            why = "features refused";
    }
    uint16_t size = 0;
    if (!why) {
        wr16(common, CC_Q_SELECT, 0);
        size = rd16(common, CC_Q_SIZE);
        if (size < 3)                           /* a request takes three descriptors */
            why = "queue 0 too small or absent";
    }
    if (why) {
        wr8(common, CC_STATUS, ST_FAILED);
        return why;
    }
    struct vq_page *q = v->q;
    memset(q, 0, sizeof(*q));
    q->avail.flags = AVAIL_NO_INTERRUPT;
    v->avail_idx = v->used_idx = 0;
    v->features = want;
    wr16(common, CC_Q_SIZE, size < QSIZE ? size : QSIZE);
    wr16(common, CC_Q_MSIX, 0xffff);            /* no vector */
    wr64(common, CC_Q_DESC, (uint64_t)(uintptr_t)q->desc);
    wr64(common, CC_Q_AVAIL, (uint64_t)(uintptr_t)&q->avail);
    wr64(common, CC_Q_USED, (uint64_t)(uintptr_t)&q->used);
    v->notify = (volatile uint16_t *)(v->notify_base + (uint32_t)rd16(common, CC_Q_NOTIFY_OFF) *
                                      v->notify_mult);
    wr16(common, CC_Q_ENABLE, 1);
    wr8(common, CC_STATUS, ST_ACK | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    return NULL;
}

/* Tests only (disk_cmd.c's disk-dma-escape): a read of one sector whose data descriptor
 * points at `gpa`, anywhere, with none of vblk_rw's checks: the IOMMU must stop it. */
int virtio_blk_read_to(struct disk *d, uint64_t sector, uint64_t gpa)
{
    if (d->read != vblk_read)
        return -ENODEV;
    struct vblk *v = d->priv;
    if (v->broken)
        return -EIO;
    struct vq_page *q = v->q;
    q->hdr.type = REQ_IN;
    q->hdr.reserved = 0;
    q->hdr.sector = sector;
    q->desc[0] = (struct vq_desc){ (uint64_t)(uintptr_t)&q->hdr, sizeof(q->hdr), DESC_NEXT, 1 };
    q->desc[1] = (struct vq_desc){ gpa, 512, DESC_NEXT | DESC_WRITE, 2 };
    q->desc[2] = (struct vq_desc){ (uint64_t)(uintptr_t)&q->status, 1, DESC_WRITE, 0 };
    return vblk_submit(v);
}

static void vblk_found(unsigned bdf, uint32_t id)
{
    if ((id & 0xffff) != 0x1af4 || ((id >> 16) != 0x1001 && (id >> 16) != 0x1042))
        return;
    if (nr_vblk == MAX_VBLK) {
        gprintf("virtio-blk: 00:%02x.%x: more than %u disks; not used\n", bdf >> 3, bdf & 7,
                MAX_VBLK);
        return;
    }
    struct vblk *v = &vblks[nr_vblk];
    if (vblk_setup(v, bdf))
        return;
    if (disk_register(&v->disk)) {
        gprintf("virtio-blk: %s: cannot register\n", v->disk.name);
        wr8(v->common, CC_STATUS, 0);           /* reset: the device lets go of our RAM */
        return;
    }
    nr_vblk++;
    gprintf("virtio-blk: %s at 00:%02x.%x: %lu sectors (%lu MiB)%s%s, polled\n", v->disk.name,
            bdf >> 3, bdf & 7, (unsigned long)v->disk.sectors,
            (unsigned long)(v->disk.sectors >> 11), v->disk.readonly ? ", read-only" : "",
            v->features & F_BLK_FLUSH ? ", write cache" : "");
}

void virtio_blk_probe(void)
{
    pci_cfg_each(vblk_found);
}
