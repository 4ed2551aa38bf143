/* Ending a test run (kernel/test_exit.c): with test_exit=1 on the command line, Keel
 * prints "KEEL-EXIT <code>" and ends the emulator it runs in; otherwise this returns. */
#ifndef KEEL_TEST_EXIT_H
#define KEEL_TEST_EXIT_H

void test_exit(int code);
/* arch: end the emulator (QEMU isa-debug-exit, Bochs magic break / shutdown port). */
void emulator_exit(int code);

#endif
