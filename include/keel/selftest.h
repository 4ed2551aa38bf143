/* Self tests the command line can ask for (selftest=...), run during boot. */
#ifndef KEEL_SELFTEST_H
#define KEEL_SELFTEST_H

#include <keel/types.h>

bool selftest_domain_churn(void);   /* kernel/selftest_churn.c; needs a backend enabled */

#endif
