/* guest-pci-iobar-peer: guest-pci-iobar as the domain that owns no device (boot modules
 * need distinct file names): its owner= option defaults to 0. */
#define IOBAR_OWNER_DEFAULT 0
#include "guest-pci-iobar.c"
