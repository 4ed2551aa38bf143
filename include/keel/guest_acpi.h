/*
 * The ACPI tables of a PVH guest (kernel/guest_acpi.c). Pure: Keel builds them for the
 * domains it builds itself (kernel/domain_build.c), Dom0's builder for its DomUs
 * (tools/dom0/builder.c), as Xen's toolstack does for PVH guests. The start info's
 * rsdp_paddr points at the RSDP, at the start of the page.
 */
#ifndef KEEL_GUEST_ACPI_H
#define KEEL_GUEST_ACPI_H

#include <stdint.h>

#define GUEST_ACPI_SIZE 4096u
/* Where they go: the page below the console ring (the last page of RAM); the memory map
 * reserves both (kernel/shared_info.c, xen_domain_set_layout). */
#define GUEST_ACPI_GPA(console_gpa) ((console_gpa) - GUEST_ACPI_SIZE)
#define GUEST_ACPI_MAX_VCPUS 8

/* Fills `page` (GUEST_ACPI_SIZE bytes) with the tables for nr_vcpus (1..8) vCPUs as they
 * will be seen at guest-physical address gpa. */
void guest_acpi_tables(uint8_t *page, uint64_t gpa, unsigned nr_vcpus);

#endif
