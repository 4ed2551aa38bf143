/*
 * guest-spin: CPU-bound, for scheduler fairness (scenario sched-fair). Counts loop
 * iterations (one RDTSC each) during a window of W TSC ticks and prints
 *     spin: <iterations> iterations in <W> ticks (tag <t>)
 * then shuts down. The TSC keeps running while the vCPU is descheduled, so two such
 * domains sharing one CPU each count about half of what one would alone, and a fair
 * scheduler gives them the same count.
 *
 * The window is placed in the middle of the run: W/8 ticks of spinning before it and
 * W/8 after it, so that both domains' windows lie entirely in the time where both
 * compete (they start up to a slice apart, and one must not finish early and leave the
 * CPU to the other inside its window).
 *
 * It also prints how often its run was interrupted for long inside the window (gaps
 * between two consecutive TSC reads longer than W/1000 ticks: the other domain ran)
 * and the longest gap:
 *     spin: descheduled <n> times, longest gap <g> ticks (tag <t>)
 *
 * The guest cannot know its TSC frequency (QEMU TCG: the host's, ~2 GHz; -icount: one
 * tick per instruction; Bochs: 50 MHz at ips=50M), so W comes from the command line:
 * ticks=N, overridden by ticks_svm=N / ticks_vmx=N for the vendor it runs on (in Keel's
 * test matrix AMD-V is QEMU and VT-x is Bochs). tag=<t> names the instance. irqs=on spins
 * with interrupts enabled (none are expected: the local APIC stays disabled), default off.
 */
#include <guest/guest.h>

#define DEFAULT_TICKS 1000000000ull

static uint64_t parse_u64(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (uint64_t)(*s - '0');
    return v;
}

/* Spins until `end`; returns the iterations. Also the number of gaps longer than `gap`
 * and the longest one. */
static uint64_t spin_until(uint64_t end, uint64_t gap, uint64_t *ngaps, uint64_t *longest)
{
    uint64_t n = 0, prev = rdtsc(), t;

    while ((t = rdtsc()) < end) {
        if (t - prev > gap) {
            (*ngaps)++;
            if (t - prev > *longest)
                *longest = t - prev;
        }
        prev = t;
        n++;
    }
    return n;
}

void guest_main(void)
{
    char buf[32], tag[16] = "-";
    uint64_t w = DEFAULT_TICKS, t_start, w0, w1, iters, ngaps = 0, longest = 0, dummy = 0;
    const char *vkey = guest_vendor == GUEST_VENDOR_INTEL ? "ticks_vmx" : "ticks_svm";

    t_start = rdtsc();
    if (guest_cmdline_get("ticks", buf, sizeof(buf)))
        w = parse_u64(buf);
    if (guest_cmdline_get(vkey, buf, sizeof(buf)))
        w = parse_u64(buf);
    guest_cmdline_get("tag", tag, sizeof(tag));
    if (guest_cmdline_get("irqs", buf, sizeof(buf)) && !strcmp(buf, "on"))
        sti();
    if (!test_check(w >= 1000, "spin-window", "window of %lu ticks is too short", w))
        return;

    w0 = t_start + w / 8;
    w1 = w0 + w;
    spin_until(w0, ~0ull, &dummy, &dummy);
    iters = spin_until(w1, w / 1000, &ngaps, &longest);
    spin_until(w1 + w / 8, ~0ull, &dummy, &dummy);

    gprintf("spin: %lu iterations in %lu ticks (tag %s)\n", iters, w, tag);
    gprintf("spin: descheduled %lu times, longest gap %lu ticks (tag %s)\n", ngaps, longest,
            tag);
    test_check(iters > 0, "spin-counted", "no iterations in the window");
}
