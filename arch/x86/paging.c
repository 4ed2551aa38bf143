/*
 * Host page tables. Keel runs on a 1:1 map of physical memory: the image is linked at
 * its load address (1 MiB), and every physical address below `limit` is mapped at the
 * same virtual address, writable and non-executable, except the hypervisor image, which
 * gets W^X permissions section by section (text: read-only + executable, rodata:
 * read-only, data/bss: writable). Page 0 is left unmapped to catch NULL dereferences.
 * Large pages (1 GiB when the CPU has them, else 2 MiB) keep the map small.
 */
#include <arch/paging.h>
#include <arch/cpu.h>
#include <keel/frame.h>
#include <keel/panic.h>
#include <keel/printk.h>
#include <keel/string.h>

extern char _image_start[], _text_start[], _text_end[], _rodata_start[], _rodata_end[],
    _data_start[], _image_end[];

static uint64_t host_pml4[512] __aligned(4096);   /* in .bss: below 4 GiB for the APs */

static uint64_t *table_of(uint64_t entry) { return phys_to_virt(entry & PTE_ADDR_MASK); }

static uint64_t *alloc_table(void)
{
    paddr_t pa = frame_alloc_zeroed();
    if (!pa)
        panic("paging: out of memory for page tables");
    return phys_to_virt(pa);
}

/* The entry for `va` at `level` (3 = PDPT, 2 = PD, 1 = PT), creating tables on the way. */
static uint64_t *walk_create(uint64_t va, int level)
{
    uint64_t *t = host_pml4;
    for (int l = 4; l > level; l--) {
        uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
        if (!(*e & PTE_P))
            *e = virt_to_phys(alloc_table()) | PTE_P | PTE_W;
        else if (*e & PTE_PS)
            panic("paging: %#llx is already mapped by a large page", (unsigned long long)va);
        t = table_of(*e);
    }
    return &t[(va >> (12 + 9 * (level - 1))) & 511];
}

static void map_range(uint64_t start, uint64_t end, uint64_t flags)
{
    uint64_t va = start;
    while (va < end) {
        uint64_t left = end - va;
        if (cpu_features.pdpe1gb && !(va & (GiB(1) - 1)) && left >= GiB(1)) {
            *walk_create(va, 3) = va | flags | PTE_PS;
            va += GiB(1);
        } else if (!(va & (MiB(2) - 1)) && left >= MiB(2)) {
            *walk_create(va, 2) = va | flags | PTE_PS;
            va += MiB(2);
        } else {
            *walk_create(va, 1) = va | flags;
            va += PAGE_SIZE;
        }
    }
}

void paging_load(void)
{
    /* NX must be on before any table that uses it is live. */
    if (cpu_features.nx)
        wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    write_cr0(read_cr0() | CR0_WP);
    write_cr3(virt_to_phys(host_pml4));
}

paddr_t paging_root(void) { return virt_to_phys(host_pml4); }

void paging_init(paddr_t limit)
{
    uint64_t nx = cpu_features.nx ? PTE_NX : 0;
    uint64_t rw = PTE_P | PTE_W | nx;
    uint64_t text = (uint64_t)_text_start, text_end = (uint64_t)_text_end;
    uint64_t ro = (uint64_t)_rodata_start, ro_end = (uint64_t)_rodata_end;
    uint64_t data = (uint64_t)_data_start, end = (uint64_t)_image_end;

    if (!cpu_features.nx)
        pr_warn("warning: paging: the CPU has no NX bit; data pages stay executable\n");
    BUG_ON(text & ~PAGE_MASK || ro & ~PAGE_MASK || data & ~PAGE_MASK);
    limit = ALIGN_UP(MAX(limit, GiB(4)), GiB(1));

    map_range(PAGE_SIZE, text, rw);
    map_range(text, ALIGN_UP(text_end, PAGE_SIZE), PTE_P);             /* R+X */
    map_range(ro, ALIGN_UP(ro_end, PAGE_SIZE), PTE_P | nx);            /* R */
    map_range(data, ALIGN_UP(end, PAGE_SIZE), rw);                     /* RW */
    map_range(ALIGN_UP(end, PAGE_SIZE), limit, rw);
    paging_load();
    pr_info("paging: direct map of %llu GiB, image %#llx-%#llx (text RX, rodata R, data RW, NX %s)\n",
            (unsigned long long)(limit >> 30), (unsigned long long)text,
            (unsigned long long)end, cpu_features.nx ? "on" : "off");
}

/* Replaces the large page at *e (size `size`) with a table of pages half a level down. */
static void split_large(uint64_t *e, uint64_t size)
{
    uint64_t *t = alloc_table();
    uint64_t sub = size / 512, base = *e & PTE_ADDR_MASK & ~(size - 1);
    uint64_t flags = *e & ~PTE_ADDR_MASK & ~PTE_PS;
    for (int i = 0; i < 512; i++)
        t[i] = (base + i * sub) | flags | (sub > PAGE_SIZE ? PTE_PS : 0);
    *e = virt_to_phys(t) | PTE_P | PTE_W;
}

void *ioremap(paddr_t pa, size_t size)
{
    for (uint64_t va = ALIGN_DOWN(pa, PAGE_SIZE); va < pa + size; va += PAGE_SIZE) {
        uint64_t *t = host_pml4;
        for (int l = 4; l > 1; l--) {
            uint64_t *e = &t[(va >> (12 + 9 * (l - 1))) & 511];
            uint64_t lsize = 1ull << (12 + 9 * (l - 1));
            if (!(*e & PTE_P))
                *e = virt_to_phys(alloc_table()) | PTE_P | PTE_W;
            else if (*e & PTE_PS)
                split_large(e, lsize);
            t = table_of(*e);
        }
        uint64_t *pte = &t[(va >> 12) & 511];
        *pte = va | PTE_P | PTE_W | PTE_PCD | PTE_PWT | (cpu_features.nx ? PTE_NX : 0);
        invlpg(va);
    }
    return phys_to_virt(pa);
}
