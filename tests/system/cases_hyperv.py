"""A Hyper-V Generation 2-like machine under QEMU: UEFI (OVMF) on q35 with
every legacy device QEMU 7.2 can switch off switched off.

A Gen2 VM has UEFI firmware, no 8254 PIT, no 8259 PIC, no HPET, no PS/2
controller, no floppy, parallel port, IDE or emulated VGA; its disks and
DVD are synthetic (storvsc), its console a COM port, its clock sources the
TSC, the Hyper-V reference time and the ACPI PM timer (Microsoft, "Should
I create a generation 1 or 2 virtual machine in Hyper-V?", learn.microsoft.com
/windows-server/virtualization/hyper-v/plan/should-i-create-a-generation-1-or-2-virtual-machine-in-hyper-v).
Here:
  -M q35,pit=off,pic=off,hpet=off   no 8254, no 8259, no HPET (QEMU
                                    hw/i386/pc.c and hw/i386/x86.c machine
                                    properties "pit", "pic", "hpet")
  i8042=off vmport=off smbus=off    no PS/2 controller, no VMware port, no
                                    ICH9 SMBus
  -nodefaults                       no default VGA, NIC, floppy, parallel
                                    or serial port: only what is named
  ICH9-LPC.disable_s3/s4=1          no S3/S4 in the DSDT (Gen2 offers none)
OVMF still boots with all of these off (its timer is the LAPIC's when the
8254 is absent). What stays and a Gen2 VM does not have: ICH9's AHCI
controller (QEMU's -cdrom needs it: the DVD of a Gen2 VM is on storvsc),
the RTC (Gen2 has one too) and, in the timer case, isa-debug-exit (the
test harness's exit port). The display is none at all (GRUB says "no
suitable video mode found" and minnow runs on the serial console alone),
or, as a Gen2 VM's UEFI framebuffer, a PCI display without VGA
(bochs-display): minnow's framebuffer console comes up on it.

What this proves: with no PIT, PIC or HPET the kernel finds its TSC rate
(here by the ACPI PM timer: QEMU TCG has neither CPUID 0x15 nor a
hypervisor frequency MSR), runs its timer on the LAPIC, masks no 8259 it
does not have without faulting, reaches `minnow: ready`, sleeps correctly
against the TSC and the RTC, and powers off through ACPI. What it does not
prove: anything about VMBus (QEMU has none; the Hyper-V frequency MSR path,
TSC_SOURCE "hyperv" in hv/hv_kernel.c, is tested by the simulator's tests
in tests/hvsim/ and the `hvglue` self-test), the real Gen2 firmware (Hyper-V's
UEFI, not OVMF), or Secure Boot (the ISO's GRUB is not signed)."""
from qemu import Case

READY = r"^minnow: ready in \d+ us$"
GEN2_MACHINE = "q35,pit=off,pic=off,hpet=off,i8042=off,vmport=off,smbus=off"
GEN2_EXTRA = ["-nodefaults", "-global", "ICH9-LPC.disable_s3=1", "-global", "ICH9-LPC.disable_s4=1"]
# The clock line (kernel/time/clock.c): the TSC rate by the ACPI PM timer,
# events by the LAPIC timer; a PIT or HPET calibration would mean the
# machine still had one.
CLOCK = r"^clock: TSC \d+ kHz \(ACPI PM timer calibration\), timer events by LAPIC"
NO_LEGACY = [r"PANIC", r"PIT calibration", r"HPET calibration", r"consoles: .*vga", r"^ps2"]

CASES = [
    # The shipped ISO, no isa-debug-exit either: it ends by ACPI S5 and
    # QEMU exits 0 by itself.
    Case("hyperv-gen2like-boot-poweroff", boot="iso-uefi", machine=GEN2_MACHINE, extra=GEN2_EXTRA,
         timeout=240, debug_exit=False, exit_code=0, cmdline="poweroff loglevel=4",
         expect=[r"^boot: multiboot2 \(GRUB", CLOCK, r"^consoles: serial$", READY,
                 r"minnow: powering off"],
         reject=NO_LEGACY + [r"consoles: .*fb"]),
    # A Gen2 VM does have a framebuffer (UEFI GOP), without VGA: QEMU's
    # bochs-display is such a PCI display (no legacy VGA ports or memory).
    Case("hyperv-gen2like-framebuffer", boot="iso-uefi", machine=GEN2_MACHINE,
         extra=GEN2_EXTRA + ["-device", "bochs-display"], timeout=240, debug_exit=False, exit_code=0,
         cmdline="poweroff", expect=[CLOCK, r"^console: framebuffer \d+x\d+x32 at 0x", r"^consoles: serial fb$",
                                     READY, r"minnow: powering off"],
         reject=NO_LEGACY),
    # The test ISO: sleeps measured against the TSC and the RTC.
    Case("hyperv-gen2like-timer", boot="iso-uefi", machine=GEN2_MACHINE, extra=GEN2_EXTRA,
         timeout=300, cmdline="selftest=timer",
         expect=[CLOCK, READY, r"selftest: timer: TSC \d+ kHz from ACPI PM timer calibration",
                 # The self-test judges the TSC against the RTC over however
                 # long the sleep took (TCG on a loaded host can wake it
                 # seconds late), not the lateness itself.
                 r"sleep 100000000 ns took", r"1.5 s sleep took \d+ ms by the TSC = \d+ s by the RTC",
                 r"selftest: timer passed"],
         reject=NO_LEGACY + [r"consoles: .*fb"]),
]
