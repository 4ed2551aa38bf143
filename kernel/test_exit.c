/* The end of a scripted test run. Real hardware never has test_exit=1. */
#include <keel/test_exit.h>
#include <keel/cmdline.h>
#include <keel/printk.h>

void test_exit(int code)
{
    if (!keel_opts.test_exit)
        return;
    pr_err("KEEL-EXIT %d\n", code);
    console_flush();               /* the last byte must leave the UART before we go */
    emulator_exit(code);
}
