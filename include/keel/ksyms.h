/* Symbol lookup for stack traces (kernel/ksyms.c, table generated at link time). */
#ifndef KEEL_KSYMS_H
#define KEEL_KSYMS_H

#include <keel/types.h>

/* Name of the function containing `addr`, and the offset into it; NULL if unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);

#endif
