/*
 * keel.efi: Keel's own UEFI loader (gnu-efi). Started by the firmware as an EFI
 * application (the default boot path \EFI\BOOT\BOOTX64.EFI on an ESP made by
 * tools/mkesp.sh), it:
 *   1. reads keel.cfg from its own directory (format: keel_efi.h);
 *   2. reads keel.elf, checks it (elf.c) and loads its segments at their physical
 *      addresses (AllocatePages(AllocateAddress), loader code);
 *   3. reads each module into loader-data pages below 4 GiB;
 *   4. builds struct boot_info in loader-data pages below 4 GiB (reported to Keel as the
 *      loader's data, so its frame allocator keeps them): command lines, modules, the ACPI
 *      RSDP (ACPI 2.0 configuration table first, then 1.0), the GOP framebuffer;
 *   5. takes the memory map, converts it (memmap.c), exits boot services (again with a
 *      fresh map while the map key has changed) and jumps to keel.elf's 64-bit entry
 *      (the Keel note, boot/efi_handoff.h) with RDI = &boot_info.
 * Any error before the exit is printed on the console (which OVMF copies to the serial
 * port) with the file and the reason, and keel.efi returns an error status to the firmware.
 */
#include <efi.h>
#include <efilib.h>
#include "keel_efi.h"

#define PATH16_MAX 512
#define BELOW_4G   0xffffffffull

static EFI_HANDLE self;
static EFI_FILE_HANDLE root;
static CHAR16 self_dir[PATH16_MAX];      /* keel.efi's directory, ending in '\' */

/* Pages that must outlive keel.efi when Keel starts, and be given back when it does not
 * (the firmware does not free an application's page allocations when it returns, and a
 * loader tried next may want 1 MiB too). */
static struct { EFI_PHYSICAL_ADDRESS addr; UINTN pages; } kept[BOOT_MAX_MODULES + 2];
static unsigned nr_kept;

static void keep(EFI_PHYSICAL_ADDRESS addr, UINTN pages)
{
    kept[nr_kept].addr = addr;
    kept[nr_kept].pages = pages;
    nr_kept++;
}

static void free_kept(void)
{
    while (nr_kept) {
        nr_kept--;
        uefi_call_wrapper(BS->FreePages, 2, kept[nr_kept].addr, kept[nr_kept].pages);
    }
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Boot benchmark: TSC ticks spent in the firmware's file-system calls (they wait for the
 * disk), handed to Keel so that the figure can leave them out: QEMU completes disk reads in
 * real time, so under -icount they are the one part of the boot that is not repeatable. */
static uint64_t io_tsc, io_t0;
static inline void io_begin(void) { io_t0 = rdtsc(); }
static inline void io_end(void) { io_tsc += rdtsc() - io_t0; }

/*
 * Boot benchmark, when Keel's command line has bench=1: wait for the firmware's next timer
 * tick once the last file is read. The reads end at a different point of the tick period
 * on each run, so a tick would otherwise fall inside the measured work on some runs and
 * not on others; after the wait, everything up to ExitBootServices starts at the same
 * point. The wait is left out of the figure like the reads.
 */
static void bench_align_to_tick(void)
{
    EFI_EVENT ev;
    UINTN idx;

    io_begin();
    if (!EFI_ERROR(uefi_call_wrapper(BS->CreateEvent, 5, EVT_TIMER, 0, NULL, NULL, &ev))) {
        if (!EFI_ERROR(uefi_call_wrapper(BS->SetTimer, 3, ev, TimerRelative, 1)))
            uefi_call_wrapper(BS->WaitForEvent, 3, 1, &ev, &idx);
        uefi_call_wrapper(BS->CloseEvent, 1, ev);
    }
    io_end();
}

static void error(const CHAR16 *file, const char *reason)
{
    if (file)
        Print(L"keel.efi: error: %s: %a\r\n", file, reason);
    else
        Print(L"keel.efi: error: %a\r\n", reason);
}

static void error_status(const CHAR16 *file, const char *what, EFI_STATUS st)
{
    Print(L"keel.efi: error: %s: %a: %r\r\n", file, what, st);
}

static const char *efi_type_name(UINT32 t)
{
    static const char *const names[] = {
        "reserved", "loader code", "loader data", "boot services code",
        "boot services data", "runtime services code", "runtime services data",
        "conventional memory", "unusable memory", "ACPI reclaim", "ACPI NVS",
        "MMIO", "MMIO port space", "PAL code", "persistent memory",
    };
    return t < ARRAY_SIZE(names) ? names[t] : "an unknown type";
}

/* ---- files ---- */

/* keel.efi's directory, from the file path of its loaded image. */
static void find_self_dir(EFI_LOADED_IMAGE *li)
{
    UINTN n = 0;
    EFI_DEVICE_PATH *dp = li->FilePath;

    while (dp && !IsDevicePathEnd(dp)) {
        UINTN len = DevicePathNodeLength(dp);
        if (len < 4)
            break;
        if (DevicePathType(dp) == MEDIA_DEVICE_PATH && DevicePathSubType(dp) == MEDIA_FILEPATH_DP) {
            const CHAR16 *s = ((FILEPATH_DEVICE_PATH *)dp)->PathName;
            UINTN m = (len - 4) / sizeof(CHAR16);
            if (n && self_dir[n - 1] != L'\\' && n + 1 < PATH16_MAX)
                self_dir[n++] = L'\\';
            for (UINTN i = 0; i < m && s[i] && n + 1 < PATH16_MAX; i++)
                self_dir[n++] = s[i] == L'/' ? L'\\' : s[i];
        }
        dp = NextDevicePathNode(dp);
    }
    while (n && self_dir[n - 1] != L'\\')      /* drop the file name */
        n--;
    if (n == 0 || self_dir[0] != L'\\') {
        self_dir[0] = L'\\';
        n = 1;
    }
    self_dir[n] = 0;
}

/* A path from keel.cfg (ASCII, '\' separators) → a volume path: absolute, or relative to
 * keel.efi's directory. False if too long. */
static bool volume_path(CHAR16 *out, const char *p)
{
    UINTN n = 0;
    if (p[0] != '\\')
        for (; self_dir[n]; n++)
            out[n] = self_dir[n];
    for (UINTN i = 0; p[i]; i++) {
        if (n + 1 >= PATH16_MAX)
            return false;
        out[n++] = (CHAR16)(unsigned char)p[i];
    }
    out[n] = 0;
    return true;
}

/*
 * Reads a whole file into pages of `type` (below 4 GiB when `low`). At most `max` bytes.
 * On error, says why (with the file name) and returns the status.
 */
static EFI_STATUS read_file(const CHAR16 *path, UINT64 max, EFI_MEMORY_TYPE type, bool low,
                            EFI_PHYSICAL_ADDRESS *addr, UINT64 *size)
{
    EFI_FILE_HANDLE fh;
    io_begin();
    EFI_STATUS st = uefi_call_wrapper(root->Open, 5, root, &fh, (CHAR16 *)path,
                                      EFI_FILE_MODE_READ, 0);
    io_end();
    if (EFI_ERROR(st)) {
        error_status(path, "cannot open", st);
        return st;
    }
    io_begin();
    EFI_FILE_INFO *info = LibFileInfo(fh);
    io_end();
    if (!info) {
        error(path, "cannot read its size (GetInfo failed)");
        st = EFI_DEVICE_ERROR;
        goto out;
    }
    UINT64 fsize = info->FileSize;
    bool dir = info->Attribute & EFI_FILE_DIRECTORY;
    FreePool(info);
    if (dir) {
        error(path, "is a directory, not a file");
        st = EFI_INVALID_PARAMETER;
        goto out;
    }
    if (fsize > max) {
        Print(L"keel.efi: error: %s: is %lu bytes long; at most %lu are accepted\r\n", path,
              fsize, max);
        st = EFI_BAD_BUFFER_SIZE;
        goto out;
    }
    UINTN pages = (UINTN)((fsize + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE);
    *addr = BELOW_4G;
    st = uefi_call_wrapper(BS->AllocatePages, 4, low ? AllocateMaxAddress : AllocateAnyPages,
                           type, pages ? pages : 1, addr);
    if (EFI_ERROR(st)) {
        Print(L"keel.efi: error: %s: no memory for its %lu bytes%a: %r\r\n", path, fsize,
              low ? " below 4 GiB" : "", st);
        goto out;
    }
    UINT64 done = 0;
    while (done < fsize) {
        UINTN chunk = (UINTN)(fsize - done);
        io_begin();
        st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, (void *)(UINTN)(*addr + done));
        io_end();
        if (EFI_ERROR(st) || chunk == 0) {
            if (!EFI_ERROR(st))
                st = EFI_END_OF_FILE;
            Print(L"keel.efi: error: %s: read only %lu of %lu bytes: %r\r\n", path, done,
                  fsize, st);
            uefi_call_wrapper(BS->FreePages, 2, *addr, pages ? pages : 1);
            goto out;
        }
        done += chunk;
    }
    *size = fsize;
    st = EFI_SUCCESS;
out:
    io_begin();
    uefi_call_wrapper(fh->Close, 1, fh);
    io_end();
    return st;
}

/* ---- keel.elf ---- */

/* AllocateAddress failed: say which firmware memory is in the way. */
static void explain_taken(const CHAR16 *path, UINT64 lo, UINT64 hi, EFI_STATUS st)
{
    Print(L"keel.efi: error: %s: must be loaded at 0x%lx-0x%lx (its physical addresses), but "
          "that memory is not free: %r\r\n", path, lo, hi, st);
    UINTN n, key, dsize;
    UINT32 dver;
    EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver);
    if (!map)
        return;
    unsigned shown = 0;
    for (UINTN i = 0; i < n && shown < 4; i++) {
        EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + i * dsize);
        UINT64 s = d->PhysicalStart, e = s + d->NumberOfPages * EFI_PAGE_SIZE;
        if (d->Type != EfiConventionalMemory && s < hi && lo < e) {
            Print(L"keel.efi: error: %s:   0x%lx-0x%lx is %a\r\n", path, s, e,
                  efi_type_name(d->Type));
            shown++;
        }
    }
    FreePool(map);
}

static EFI_STATUS load_kernel(const char *cfg_path, struct kelf_plan *plan)
{
    CHAR16 path[PATH16_MAX];
    EFI_PHYSICAL_ADDRESS file;
    UINT64 size;
    char why[160];

    if (!volume_path(path, cfg_path)) {
        error(NULL, "kernel= path too long");
        return EFI_INVALID_PARAMETER;
    }
    EFI_STATUS st = read_file(path, KELF_MAX_SIZE, EfiLoaderData, false, &file, &size);
    if (EFI_ERROR(st))
        return st;
    UINTN file_pages = (UINTN)((size + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE);
    if (kelf_check((const void *)(UINTN)file, size, plan, why, sizeof(why)) < 0) {
        error(path, why);
        st = EFI_LOAD_ERROR;
        goto out;
    }
    EFI_PHYSICAL_ADDRESS at = plan->lo;
    UINTN pages = (UINTN)((plan->hi - plan->lo) / EFI_PAGE_SIZE);
    st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderCode, pages, &at);
    if (EFI_ERROR(st)) {
        explain_taken(path, plan->lo, plan->hi, st);
        st = EFI_LOAD_ERROR;
        goto out;
    }
    keep(at, pages);
    /* The firmware's SetMem/CopyMem: string instructions, not gnu-efi's byte loops. */
    uefi_call_wrapper(BS->SetMem, 3, (void *)(UINTN)plan->lo, plan->hi - plan->lo, 0);
    for (uint32_t i = 0; i < plan->nr_segments; i++) {
        const struct kelf_segment *s = &plan->seg[i];
        uefi_call_wrapper(BS->CopyMem, 3, (void *)(UINTN)s->paddr,
                          (void *)(UINTN)(file + s->offset), s->filesz);
    }
    Print(L"keel.efi: %s at 0x%lx-0x%lx, entry 0x%lx\r\n", path, plan->lo, plan->hi,
          plan->entry);
out:
    uefi_call_wrapper(BS->FreePages, 2, file, file_pages ? file_pages : 1);
    return st;
}

/* ---- what Keel learns from the firmware ---- */

static void find_rsdp(struct boot_info *bi)
{
    static EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
    for (int pass = 0; pass < 2 && !bi->rsdp_len; pass++) {
        for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
            EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
            if (CompareGuid(&t->VendorGuid, pass ? &acpi10 : &acpi20))
                continue;
            const uint8_t *r = t->VendorTable;
            if (!r || kefi_memcmp(r, "RSD PTR ", 8))
                continue;
            uint32_t len = 20;                  /* ACPI 1.0 RSDP */
            if (!pass && r[15] >= 2) {
                CopyMem(&len, (void *)(r + 20), 4);
                len = len < 36 ? 36 : len > sizeof(bi->rsdp) ? sizeof(bi->rsdp) : len;
            }
            CopyMem(bi->rsdp, (void *)r, len);
            bi->rsdp_len = len;
            break;
        }
    }
}

static void find_framebuffer(struct boot_info *bi)
{
    EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
    EFI_STATUS st = uefi_call_wrapper(BS->LocateProtocol, 3, &GraphicsOutputProtocol, NULL,
                                      (void **)&gop);
    if (EFI_ERROR(st) || !gop || !gop->Mode || !gop->Mode->Info)
        return;
    const EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *m = gop->Mode->Info;
    uint32_t bpp;
    switch (m->PixelFormat) {
    case PixelRedGreenBlueReserved8BitPerColor:
    case PixelBlueGreenRedReserved8BitPerColor:
        bpp = 32;
        break;
    case PixelBitMask: {
        uint32_t all = m->PixelInformation.RedMask | m->PixelInformation.GreenMask |
                       m->PixelInformation.BlueMask | m->PixelInformation.ReservedMask;
        bpp = 0;
        while (bpp < 32 && (all >> bpp))
            bpp++;
        bpp = (bpp + 7) & ~7u;
        break;
    }
    default:
        return;                                 /* BltOnly: no framebuffer to hand over */
    }
    if (!bpp || !gop->Mode->FrameBufferBase)
        return;
    bi->fb.present = true;
    bi->fb.addr = gop->Mode->FrameBufferBase;
    bi->fb.width = m->HorizontalResolution;
    bi->fb.height = m->VerticalResolution;
    bi->fb.pitch = m->PixelsPerScanLine * (bpp / 8);
    bi->fb.bpp = (uint8_t)bpp;
    bi->fb.type = 1;                            /* direct RGB */
}

static void set_loader_name(struct boot_info *bi)
{
    size_t n = 0;
    const char *me = "keel.efi on ";
    while (me[n] && n + 1 < sizeof(bi->loader_name)) {
        bi->loader_name[n] = me[n];
        n++;
    }
    const CHAR16 *v = ST->FirmwareVendor ? ST->FirmwareVendor : L"unknown firmware";
    for (UINTN i = 0; v[i] && n + 1 < sizeof(bi->loader_name); i++)
        bi->loader_name[n++] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
    bi->loader_name[n] = '\0';
}

/* ---- exit ---- */

/* Set once ExitBootServices has been called: from then on, the UEFI specification allows
 * no boot service but GetMemoryMap and ExitBootServices, even when the call failed. */
static bool exit_tried;

static EFI_STATUS exit_boot_services(struct boot_info *bi)
{
    UINTN size, cap = 0, key, dsize = 0;
    UINT32 dver;
    void *map = NULL;
    EFI_STATUS st = EFI_SUCCESS;

    for (int tries = 0; tries < 8; tries++) {
        /* From GetMemoryMap to ExitBootServices: no allocation, no output. */
        size = cap;
        st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, map, &key, &dsize, &dver);
        if (st == EFI_BUFFER_TOO_SMALL && !exit_tried) {
            /* Room for the descriptors that allocating the buffer itself adds. */
            if (map)
                FreePool(map);
            cap = size + 32 * (dsize ? dsize : sizeof(EFI_MEMORY_DESCRIPTOR));
            map = AllocatePool(cap);
            if (!map) {
                error(NULL, "no memory for the memory map");
                return EFI_OUT_OF_RESOURCES;
            }
            continue;
        }
        if (EFI_ERROR(st))
            break;
        int dropped = efimap_convert(map, size, dsize, bi);
        if (dropped < 0) {
            st = EFI_UNSUPPORTED;
            if (exit_tried)
                break;
            FreePool(map);
            Print(L"keel.efi: error: the firmware's memory descriptors are %lu bytes; "
                  "not believable\r\n", (UINT64)dsize);
            return st;
        }
        bi->nr_warnings = dropped > 0;         /* efi_handoff.c says what it means */
        exit_tried = true;
        st = uefi_call_wrapper(BS->ExitBootServices, 2, self, key);
        if (st == EFI_SUCCESS)
            return EFI_SUCCESS;
        if (st != EFI_INVALID_PARAMETER)       /* anything but "the map changed" */
            break;
    }
    /* Boot services may be half gone: printing is all that is left to try. */
    Print(L"keel.efi: error: cannot exit boot services: %r\r\n", st);
    return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
    /* Boot benchmark: keel.efi's first instruction after gnu-efi's self-relocation. */
    uint64_t tsc_start = rdtsc();
    static struct kcfg cfg;
    struct kelf_plan plan;
    CHAR16 cfg_path[PATH16_MAX];
    char why[160];
    EFI_LOADED_IMAGE *li;
    EFI_FILE_IO_INTERFACE *fs;
    EFI_STATUS st;

    self = image;
    InitializeLib(image, systab);

    st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
    if (EFI_ERROR(st)) {
        Print(L"keel.efi: error: no loaded-image protocol: %r\r\n", st);
        goto fail;
    }
    st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle, &FileSystemProtocol,
                           (void **)&fs);
    if (!EFI_ERROR(st)) {
        io_begin();
        st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
        io_end();
    }
    if (EFI_ERROR(st)) {
        Print(L"keel.efi: error: cannot open the volume keel.efi was loaded from: %r\r\n", st);
        goto fail;
    }
    find_self_dir(li);

    /* The config file. */
    volume_path(cfg_path, "keel.cfg");
    EFI_PHYSICAL_ADDRESS cfg_buf;
    UINT64 cfg_size;
    st = read_file(cfg_path, KCFG_MAX_SIZE, EfiLoaderData, false, &cfg_buf, &cfg_size);
    if (EFI_ERROR(st))
        goto fail;
    int r = kcfg_parse((const char *)(UINTN)cfg_buf, cfg_size, &cfg, why, sizeof(why));
    uefi_call_wrapper(BS->FreePages, 2, cfg_buf, cfg_size ? (cfg_size + 4095) / 4096 : 1);
    if (r < 0) {
        error(cfg_path, why);
        st = EFI_LOAD_ERROR;
        goto fail;
    }

    /* struct boot_info, in pages below 4 GiB that Keel keeps as the loader's data. */
    UINTN bi_pages = (sizeof(struct boot_info) + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE;
    EFI_PHYSICAL_ADDRESS bi_addr = BELOW_4G;
    st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData, bi_pages,
                           &bi_addr);
    if (EFI_ERROR(st)) {
        Print(L"keel.efi: error: no memory below 4 GiB for the boot information: %r\r\n", st);
        goto fail;
    }
    keep(bi_addr, bi_pages);
    struct boot_info *bi = (struct boot_info *)(UINTN)bi_addr;
    uefi_call_wrapper(BS->SetMem, 3, bi, bi_pages * EFI_PAGE_SIZE, 0);
    bi->source = BOOT_SRC_UEFI;
    bi->loader_tsc_start = tsc_start;
    bi->loader_data_start = bi_addr;
    bi->loader_data_end = bi_addr + bi_pages * EFI_PAGE_SIZE;
    set_loader_name(bi);
    CopyMem(bi->cmdline, cfg.cmdline, sizeof(bi->cmdline));   /* same size, terminated */

    /* Keel itself, then the modules. */
    st = load_kernel(cfg.kernel, &plan);
    if (EFI_ERROR(st))
        goto fail;
    for (uint32_t i = 0; i < cfg.nr_modules; i++) {
        CHAR16 path[PATH16_MAX];
        EFI_PHYSICAL_ADDRESS at;
        UINT64 size;
        if (!volume_path(path, cfg.modules[i].path)) {
            error(NULL, "module= path too long");
            st = EFI_INVALID_PARAMETER;
            goto fail;
        }
        /* Modules are guest images: well under 4 GiB each. */
        st = read_file(path, 1ull << 31, EfiLoaderData, true, &at, &size);
        if (EFI_ERROR(st))
            goto fail;
        keep(at, size ? (UINTN)((size + EFI_PAGE_SIZE - 1) / EFI_PAGE_SIZE) : 1);
        struct boot_module *m = &bi->modules[bi->nr_modules++];
        m->start = at;
        m->end = at + size;
        CopyMem(m->cmdline, cfg.modules[i].cmdline, sizeof(m->cmdline));
        Print(L"keel.efi: %s at 0x%lx-0x%lx\r\n", path, m->start, m->end);
    }
    if (kefi_has_word(cfg.cmdline, "bench=1"))
        bench_align_to_tick();
    find_rsdp(bi);
    find_framebuffer(bi);
    Print(L"keel.efi: exiting boot services, starting Keel\r\n");
    bi->loader_tsc_io = io_tsc;             /* no file access after this */

    st = exit_boot_services(bi);
    if (EFI_ERROR(st))
        goto fail;
    /* No firmware from here on. Into keel.elf (boot/efi_entry.S), for good. */
    __asm__ volatile("cli; jmp *%1" : : "D"(bi), "r"(plan.entry) : "memory");
    __builtin_unreachable();

fail:
    if (!exit_tried)
        free_kept();
    Print(L"keel.efi: Keel not started; returning to the firmware (%r)\r\n", st);
    return st;
}
