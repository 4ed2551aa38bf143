/*
 * The firmware's memory map (GetMemoryMap, taken just before ExitBootServices) → the
 * ranges of struct boot_info. Pure.
 */
#include "keel_efi.h"
#include "../efi_memtype.h"

uint32_t efi_to_mem_type(uint32_t efi_type)
{
    return efi_mem_type(efi_type);
}

/* EFI_MEMORY_DESCRIPTOR's leading fields (the firmware's desc_size may be larger). */
struct efi_desc {
    uint32_t type, pad;
    uint64_t phys_start, virt_start, num_pages, attribute;
};

int efimap_convert(const void *map, uint64_t map_size, uint64_t desc_size,
                   struct boot_info *bi)
{
    const uint8_t *p = map;
    int dropped = 0;

    bi->nr_mem = 0;
    if (desc_size < sizeof(struct efi_desc) || desc_size > 4096)
        return -1;
    for (uint64_t off = 0; map_size - off >= desc_size && off < map_size; off += desc_size) {
        struct efi_desc d;
        for (size_t i = 0; i < sizeof(d); i++)
            ((uint8_t *)&d)[i] = p[off + i];
        if (d.num_pages == 0 || d.num_pages > (UINT64_MAX >> 12) ||
            d.phys_start + (d.num_pages << 12) < d.phys_start)
            continue;                       /* empty, impossible or wrapping: skipped */
        uint64_t base = d.phys_start, len = d.num_pages << 12;
        uint32_t type = efi_to_mem_type(d.type);
        if (bi->nr_mem) {
            struct mem_range *last = &bi->mem[bi->nr_mem - 1];
            if (last->type == type && last->base + last->len == base) {
                last->len += len;
                continue;
            }
        }
        if (bi->nr_mem == BOOT_MAX_MEM_RANGES) {
            dropped++;
            continue;
        }
        bi->mem[bi->nr_mem].base = base;
        bi->mem[bi->nr_mem].len = len;
        bi->mem[bi->nr_mem].type = type;
        bi->nr_mem++;
    }
    return dropped;
}
