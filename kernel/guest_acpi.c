/*
 * The ACPI tables a PVH guest finds through the start info's rsdp_paddr, as Xen's
 * toolstack gives them: RSDP → XSDT → FADT (hardware-reduced: no PIC, PIT, PM timer, RTC
 * or other legacy devices; an empty DSDT) and MADT (one enabled local APIC per vCPU, no
 * I/O APIC, no 8259s).
 *
 * Linux needs them: it enumerates CPUs from the MADT only, it picks its x2APIC driver
 * while parsing the MADT (the vCPU starts with the x2APIC already on, and the default
 * xAPIC driver would touch the MMIO page that is not there), and the hardware-reduced
 * FADT keeps it from probing the legacy PIC and PIT. Layouts are the ACPI specification's
 * (6.0 FADT, MADT types 0), written here byte by byte. Pure: also built into Dom0.
 */
#include <keel/guest_acpi.h>
#include <keel/string.h>

#define HDR_LEN   36
#define RSDP_LEN  36
#define FADT_LEN  276
#define FADT_FLAG_HW_REDUCED (1u << 20)
#define BOOT_ARCH_NO_VGA     (1u << 2)
#define BOOT_ARCH_NO_CMOS    (1u << 5)

/* Offsets of the tables inside the page. */
#define AT_RSDP 0
#define AT_XSDT 64
#define AT_DSDT 128
#define AT_FADT 192
#define AT_MADT (AT_FADT + FADT_LEN + 12)

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static uint8_t checksum(const uint8_t *p, size_t n)
{
    uint8_t s = 0;
    while (n--)
        s += *p++;
    return (uint8_t)-s;
}

/* A system description table header; the checksum is filled in by finish(). */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
    memcpy(t, sig, 4);
    put32(t + 4, len);
    t[8] = rev;
    memcpy(t + 10, "KEEL  ", 6);
    memcpy(t + 16, "KEELVM  ", 8);
    put32(t + 24, 1);
    memcpy(t + 28, "KEEL", 4);
    put32(t + 32, 1);
}

static void finish(uint8_t *t)
{
    uint32_t len;
    memcpy(&len, t + 4, 4);
    t[9] = 0;
    t[9] = checksum(t, len);
}

void guest_acpi_tables(uint8_t *page, uint64_t gpa, unsigned nr_vcpus)
{
    _Static_assert(AT_MADT + HDR_LEN + 8 + 8 * GUEST_ACPI_MAX_VCPUS <= GUEST_ACPI_SIZE,
                   "the tables fit in their page");
    if (nr_vcpus > GUEST_ACPI_MAX_VCPUS)
        nr_vcpus = GUEST_ACPI_MAX_VCPUS;
    uint32_t madt_len = HDR_LEN + 8 + 8 * nr_vcpus;

    memset(page, 0, GUEST_ACPI_SIZE);

    uint8_t *rsdp = page + AT_RSDP;
    memcpy(rsdp, "RSD PTR ", 8);
    memcpy(rsdp + 9, "KEEL  ", 6);
    rsdp[15] = 2;                      /* ACPI 2.0+: the XSDT */
    put32(rsdp + 20, RSDP_LEN);
    put64(rsdp + 24, gpa + AT_XSDT);
    rsdp[8] = checksum(rsdp, 20);
    rsdp[32] = checksum(rsdp, RSDP_LEN);

    uint8_t *xsdt = page + AT_XSDT;
    header(xsdt, "XSDT", HDR_LEN + 16, 1);
    put64(xsdt + HDR_LEN, gpa + AT_FADT);
    put64(xsdt + HDR_LEN + 8, gpa + AT_MADT);
    finish(xsdt);

    uint8_t *dsdt = page + AT_DSDT;    /* no AML: nothing to describe */
    header(dsdt, "DSDT", HDR_LEN, 2);
    finish(dsdt);

    uint8_t *fadt = page + AT_FADT;
    header(fadt, "FACP", FADT_LEN, 6);
    put16(fadt + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS);
    put32(fadt + 112, FADT_FLAG_HW_REDUCED);
    put64(fadt + 140, gpa + AT_DSDT);  /* X_DSDT */
    memcpy(fadt + 268, "KEELVM  ", 8); /* hypervisor vendor identity */
    finish(fadt);

    uint8_t *madt = page + AT_MADT;
    header(madt, "APIC", madt_len, 4);
    put32(madt + HDR_LEN, 0xfee00000); /* the architectural address; flags 0: no 8259s */
    for (unsigned i = 0; i < nr_vcpus; i++) {
        uint8_t *e = madt + HDR_LEN + 8 + 8 * i;
        e[0] = 0;                      /* processor local APIC */
        e[1] = 8;
        e[2] = (uint8_t)i;             /* ACPI processor UID */
        e[3] = (uint8_t)i;             /* APIC id: the vCPU id, as CPUID and the x2APIC say */
        put32(e + 4, 1);               /* enabled */
    }
    finish(madt);
}
