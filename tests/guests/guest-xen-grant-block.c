/* guest-xen-grant-hold that stays alive and blocked holding its mapping (see there). */
#define HOLD_BLOCK 1
#include "guest-xen-grant-hold.c"
