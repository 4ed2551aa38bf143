/*
 * guest-dma-victim: the domain a device owner's DMA must never reach. Fills all of its
 * RAM above its image (up to 64 KiB short of the end: the console ring lives there) with
 * guest-secret's pattern, prints where, then sleeps for watch=<seconds> (default 20)
 * while guest-pci-edu aims its device's DMA at host addresses inside that range, and at
 * the end checks that every byte of the pattern is still there. Give it most of the
 * machine's memory below 256 MiB (mem=128M) so that the attacker's fixed targets land in
 * it on the host side.
 */
#include <guest/guest.h>
#include <guest/xen_hv.h>

#include "secret.h"

#define MS 1000000ull

static uint8_t shinfo[4096] __attribute__((aligned(4096)));

/* The first address in [start, end) whose 16 bytes are not the pattern, or end. */
static uint64_t first_damage(uint64_t start, uint64_t end, const uint64_t w[2], uint64_t key)
{
    for (uint64_t a = start; a < end; a += 16) {
        const volatile uint64_t *p = (const volatile uint64_t *)(uintptr_t)a;
        if ((p[0] ^ key) != w[0] || (p[1] ^ key) != w[1])
            return a;
    }
    return end;
}

void guest_main(void)
{
    uint64_t w[2], key = pattern_key(), watch_s = 20;
    uint64_t start = ((uint64_t)(uintptr_t)guest_image_end + (1ul << 20) - 1) & ~((1ul << 20) - 1);
    uint64_t end = guest_ram_bytes() - (64ul << 10);
    char buf[16];

    if (guest_cmdline_get("watch", buf, sizeof(buf)))
        for (watch_s = 0; buf[0] >= '0' && buf[0] <= '9' && watch_s < 1000; memmove(buf, buf + 1, 15))
            watch_s = watch_s * 10 + (uint64_t)(buf[0] - '0');
    if (!test_check(end > start && guest_is_ram(start, end - start), "victim-ram",
                    "[0x%lx, 0x%lx) is not RAM", start, end) ||
        !test_check(xen_map_shared_info(shinfo) == 0, "victim-clock", "shared_info refused"))
        return;
    pattern_words(secret_enc, w);
    for (uint64_t a = start; a < end; a += 16)
        pattern_store((void *)(uintptr_t)a, w[0], w[1], key);
    test_pass("victim-fill");
    gprintf("secret ready: GPA [0x%lx, 0x%lx); watching for %lu s\n", start, end, watch_s);
    guest_flush();

    uint64_t until = xen_clock_ns(0) + watch_s * 1000 * MS;
    uint32_t none = 0;
    while (xen_clock_ns(0) < until)
        xen_sched_poll(&none, 1, xen_clock_ns(0) + 200 * MS);
    uint64_t bad = first_damage(start, end, w, key);
    test_check(bad == end, "victim-intact", "the pattern is damaged at GPA 0x%lx", bad);
}
