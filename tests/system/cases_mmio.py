"""MMIO bus cases: virtio-mmio devices and the RTC found in microvm's DSDT
(the static AML reader, kernel/acpi/acpi_aml_dev.c) and on the command line
(virtio_mmio.device=, kernel/dev/mmio_bus.c), shown in the boot log and by
the shell's `dev`. No virtio driver is needed: the cases check what the bus
lists (base, GSI, trigger, _HID), against what QEMU builds:

  - microvm with ACPI (its default): hw/i386/acpi-microvm.c puts each
    virtio-mmio transport with a device in the DSDT as Device(VRnn),
    _HID "LNRO0005", _UID nn, Memory32Fixed(0xFEB00000 + nn * 0x200, 0x200)
    and Interrupt(Level, ActiveHigh) {24 + nn} -- GSIs 24-47 on a second
    IOAPIC (the MADT lists two). -device virtio-*-device takes the transports
    from the top: the first is VR23 (0xFEB02E00, GSI 47), the second VR22.
  - microvm,acpi=off: no tables; for a -kernel boot QEMU appends
    virtio_mmio.device=512@<base>:<irq> to the command line
    (hw/i386/microvm.c, the auto-kernel-cmdline property, on by default),
    IRQs from 5 up on the one IOAPIC: transport 7 -> 0xfeb00e00:12.
"""
from qemu import Case

READY = r"^minnow: ready in \d+ us$"
NO_PANIC = [r"PANIC"]

VIRTIO2 = ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
           "-drive", "if=none,id=d0,file=/dev/null,format=raw,readonly=on",
           "-device", "virtio-blk-device,drive=d0"]

CASES = [
    # ACPI: the DSDT's devices, the two IOAPICs, and `dev` listing them.
    Case("mmio-acpi-microvm", boot="pvh", machine="microvm", app="shell", debug_exit=False,
         exit_code=0, timeout=90, extra=VIRTIO2,
         interact=[(r"minnow> ", "dev\r"), (r"VR22[^\n]*\n[\s\S]*?minnow> ", "reboot\r")],
         expect=[r"^acpi: rev 2 XSDT, 1 cpu, 2 ioapics",
                 r"^mmio: \\_SB_\.RTC_ PNP0B00 uid 0 at port 0x70\+0x8, gsi 8 edge/high$",
                 r"^mmio: \\_SB_\.VR23 LNRO0005 uid 23 at 0xfeb02e00\+0x200, gsi 47 level/high$",
                 r"^mmio: \\_SB_\.VR22 LNRO0005 uid 22 at 0xfeb02c00\+0x200, gsi 46 level/high$",
                 r"^apic: \S+ id \d+, 2 ioapic\(s\)",
                 READY,
                 r"^\\_SB_\.RTC_ +PNP0B00 +0 io +0x70 +0x8 +8 edge/high +-",
                 r"^\\_SB_\.VR23 +LNRO0005 +23 mem +0xfeb02e00 +0x200 +47 level/high",
                 r"^\\_SB_\.VR22 +LNRO0005 +22 mem +0xfeb02c00 +0x200 +46 level/high",
                 r"rebooting"],
         reject=NO_PANIC + [r"cmdline#", r"unknown option", r"AML not readable"]),

    # acpi=off: QEMU's auto-kernel-cmdline entries, parsed and listed; the
    # command-line checker does not call the key unknown.
    Case("mmio-cmdline-microvm-noacpi", boot="pvh", machine="microvm,acpi=off", extra=VIRTIO2,
         expect=[r"^cmdline: .*virtio_mmio\.device=512@0xfeb00e00:12 virtio_mmio\.device=512@0xfeb00c00:11",
                 r"^acpi: no RSDP",
                 r"^mmio: cmdline#0 LNRO0005 uid 0 at 0xfeb00e00\+0x200, gsi 12 edge/high$",
                 r"^mmio: cmdline#1 LNRO0005 uid 0 at 0xfeb00c00\+0x200, gsi 11 edge/high$",
                 READY],
         reject=NO_PANIC + [r"unknown option", r"\(ignored\)", r"\\_SB_"]),

    # The same with QEMU's auto-kernel-cmdline off: nothing tells the guest,
    # and the bus stays empty (the entries above came from QEMU, not minnow).
    Case("mmio-cmdline-microvm-noauto", boot="pvh", machine="microvm,acpi=off,auto-kernel-cmdline=off",
         extra=VIRTIO2, expect=[r"^cmdline: qemu_exit=0xf4 app=none$", READY], reject=NO_PANIC + [r"^mmio: "]),

    # Malformed entries are logged and skipped, the boot goes on; a device the
    # DSDT already lists (same base) is listed once; a good entry after the
    # bad ones is added with its id.
    Case("mmio-cmdline-malformed", boot="pvh", machine="microvm", extra=VIRTIO2,
         cmdline="virtio_mmio.device=4K@0xd0000000 virtio_mmio.device=4K@0xd0000000:5junk "
                 "virtio_mmio.device=0@0x1000:5 virtio_mmio.device=99999999999999999999@0x1000:5 "
                 "virtio_mmio.device=512@0xfeb02e00:47 virtio_mmio.device=4K@0xd0001000:6:3",
         expect=[r"^mmio: \\_SB_\.VR23 LNRO0005",
                 r"^mmio: virtio_mmio\.device=4K@0xd0000000: expected :<irq> after the base \(ignored\)",
                 r"^mmio: virtio_mmio\.device=4K@0xd0000000:5junk: unexpected text after the fields \(ignored\)",
                 r"^mmio: cmdline#2: bad window 0x1000\+0x0 \(ignored\)",
                 r"^mmio: virtio_mmio\.device=99999999999999999999@0x1000:5: bad size \(ignored\)",
                 r"^mmio: cmdline#4: 0xfeb02e00 already listed as \\_SB_\.VR23",
                 r"^mmio: cmdline#5 LNRO0005 uid 3 at 0xd0001000\+0x1000, gsi 6 edge/high$",
                 READY],
         reject=NO_PANIC + [r"unknown option", r"cmdline#4 LNRO0005"]),

    # selftest=mmio (tests/selftest/mmio.c): the windows the bus lists answer
    # as virtio-mmio transports (magic "virt"; device id 1 = net, 2 = block)
    # and their GSIs are IOAPIC inputs -- 46 and 47 on microvm's second one.
    Case("mmio-selftest-acpi-microvm", boot="pvh", machine="microvm", cmdline="selftest=mmio", extra=VIRTIO2,
         expect=[READY, r"^selftest: mmio: \\_SB_\.VR23 magic 0x74726976 version \d device id 1$",
                 r"^selftest: mmio: \\_SB_\.VR22 magic 0x74726976 version \d device id 2$",
                 r"^selftest: mmio passed"], reject=NO_PANIC),
    Case("mmio-selftest-cmdline-microvm", boot="pvh", machine="microvm,acpi=off", cmdline="selftest=mmio",
         extra=VIRTIO2,
         expect=[READY, r"^selftest: mmio: cmdline#0 magic 0x74726976 version \d device id 1$",
                 r"^selftest: mmio: cmdline#1 magic 0x74726976 version \d device id 2$",
                 r"^selftest: mmio passed"], reject=NO_PANIC),
    # ... and it fails when a listed window has no device behind it.
    Case("mmio-selftest-nodevice", boot="pvh", machine="microvm", exit_code=35,
         cmdline="selftest=mmio virtio_mmio.device=4K@0xd0001000:6",
         expect=[READY, r"^selftest: mmio: cmdline#0 magic 0x00000000", r"^selftest: mmio FAILED"],
         reject=NO_PANIC),

    # pc and q35 (hw/i386/acpi-build.c): the RTC under the ISA bridge is the
    # only device listed (the HPET has a window but no interrupt in _CRS; the
    # PCI interrupt links have no window).
    Case("mmio-acpi-pc", machine="pc",
         expect=[r"^mmio: \\_SB_\.PCI0\.S08_\.RTC_ PNP0B00 uid 0 at port 0x70\+0x8, gsi 8 edge/high$", READY],
         reject=NO_PANIC + [r"^mmio: (?!\\_SB_\.PCI0\.S08_\.RTC_ )", r"AML not readable"]),
    Case("mmio-acpi-q35", machine="q35",
         expect=[r"^mmio: \\_SB_\.PCI0\.SF8_\.RTC_ PNP0B00 uid 0 at port 0x70\+0x8, gsi 8 edge/high$", READY],
         reject=NO_PANIC + [r"^mmio: (?!\\_SB_\.PCI0\.SF8_\.RTC_ )", r"AML not readable"]),
]
