/*
 * selftest=domain-churn: create and destroy 32 domains (16 MiB, 2 vCPUs each) in a loop,
 * and check that the free-frame count comes back exactly — the invariant that every frame
 * a domain held returns when it is destroyed (RAM, p2m tables, VMCBs/VMCSs, heap slabs).
 */
#include <keel/domain.h>
#include <keel/frame.h>
#include <keel/printk.h>
#include <keel/selftest.h>

bool selftest_domain_churn(void)
{
    uint64_t before = frame_free_count();
    for (int i = 0; i < 32; i++) {
        struct domain *d = domain_create("churn", MiB(16), 2);
        if (!d) {
            pr_err("selftest: domain-churn: creating domain %d failed\n", i);
            return false;
        }
        domain_destroy(d);
        if (frame_free_count() != before) {
            pr_err("selftest: domain-churn: %lld frames lost after domain %d\n",
                   (long long)(before - frame_free_count()), i);
            return false;
        }
    }
    pr_info("selftest: domain-churn: 32 domains created and destroyed; free frames %llu "
            "before and after\n", (unsigned long long)before);
    return true;
}
