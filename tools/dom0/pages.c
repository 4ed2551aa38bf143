/*
 * Dom0's free RAM, handed out in whole pages and never taken back: for RAM disks and
 * device buffers, which live as long as Dom0. It is the RAM above everything the
 * hypervisor put in our memory (the image, the start info, the modules), taken from the
 * top of the highest RAM range down.
 */
#include <guest/guest.h>

#include "dom0.h"

struct modlist_entry { uint64_t paddr, size, cmdline_paddr, reserved; };

static uint64_t low, high;                 /* [low, high) is still free */

static void find_free(void)
{
    const struct hvm_start_info *si = guest_start_info();
    const struct hvm_memmap_table_entry *map;
    low = (uint64_t)(uintptr_t)guest_image_end;
    if (si) {
        const struct modlist_entry *m = (const void *)(uintptr_t)si->modlist_paddr;
        uint64_t info_end = (uint64_t)(uintptr_t)si + 4096;
        if (info_end > low)
            low = info_end;
        for (unsigned i = 0; i < si->nr_modules; i++)
            if (m[i].paddr + m[i].size > low)
                low = m[i].paddr + m[i].size;
    }
    low = (low + 0xfff) & ~0xfffull;
    for (unsigned i = 0, n = guest_memmap(&map); i < n; i++)
        if (map[i].type == HVM_MEMMAP_TYPE_RAM && map[i].addr + map[i].size > high)
            high = (map[i].addr + map[i].size) & ~0xfffull;
    if (!guest_is_ram(low, high > low ? high - low : 0))
        high = low;                        /* not one RAM range: give nothing out */
}

void *dom0_pages(size_t n)
{
    if (!high)
        find_free();
    if (n > (high - low) / 4096)
        return NULL;
    high -= n * 4096;
    return (void *)(uintptr_t)high;
}
