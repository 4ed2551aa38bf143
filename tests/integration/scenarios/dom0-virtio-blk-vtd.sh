# dom0-virtio-blk behind VT-d instead of AMD-Vi (QEMU q35, intel-iommu before the devices
# it translates): the same disk checks; the escaping DMA is named by Keel's fault line
# (device, address, write: the device writes the data it read into memory) and by QEMU's
# vtd_dmar_fault trace. aw-bits=48 offers 4-level tables, which Keel then uses (QEMU's
# default, 39 bits, has only 3-level ones: pci-edu-vtd covers those).
# The forged MSIs: those in remappable format (address bit 4 set) name remapping entries
# Keel never wrote and are refused (QEMU: "non-present IRTE", "index too large"). Those in
# compatibility format should be blocked too — Keel leaves GCMD.CFI clear — but QEMU 7.2
# ignores CFI and lets them through, so this variant cannot reject the "no handler" line;
# real VT-d blocks them (and QEMU would with EIME, which it offers only under KVM).
source "${BASH_SOURCE[0]%/*}/dom0-virtio-blk.sh"
NAME=dom0-virtio-blk-vtd
QEMU_ARGS=(-device intel-iommu,aw-bits=48 "${QEMU_ARGS[@]:2}")
QEMU_ARGS=("${QEMU_ARGS[@]/amdvi_page_fault/vtd_dmar_fault}")
EXPECT=('^vt-d: 1 unit\(s\), 4-level page tables' "${EXPECT[@]/'^amd-iommu: IO_PAGE_FAULT'/'^vt-d: DMA fault device 00:[0-9a-f]{2}\.0 \(dom0\) address 0x10000000 write: write not permitted'}")
TRACE_ESCAPE='^vtd_dmar_fault sid 0x[0-9a-f]+ fault 5 addr 0x10000000 write 1$'
TRACE_SECTOR='^vtd_dmar_fault sid 0x[0-9a-f]+ fault 5 addr 0x10000[01][0-9a-f][0-9a-f] write 1$'
TRACE_ANY='vtd_dmar_fault'
IR_REFUSED='vtd_irte_get: detected non-present IRTE'
REJECT=('FAIL' 'guest exception' 'LEAKED' 'did not answer')
