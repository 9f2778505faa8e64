"""The default virtual hardware of VMware's hypervisors, played by QEMU.

Each profile boots build/minnow.iso as it ships (GRUB, the default entry:
the shipped kernel) on the machine, firmware and devices a VMware host
gives a new VM, reaches httpd through a host forward and lists the devices
with the driver that bound each, from the boot log (docs/vmware.md,
"Profiles"; deploy/vmware/*.vmx are the same machines for the real hosts,
and tests/run.py's vmx check holds them to these profiles):

  profile-esxi-bios        ESXi, "Other 5.x or later Linux (64-bit)": vmxnet3,
                           PVSCSI with a disk (a ustar archive made by the
                           host's tar, its files fetched back through
                           /files/), the backdoor (vmport), SeaBIOS on pc
  profile-esxi-efi         the same under OVMF on q35: ESXi's EFI firmware
                           has no VGA text mode, the framebuffer console is
                           used
  profile-esxi-bios-shell  the ESXi BIOS machine booted as a VMware host
                           boots it: no exit device, the default app (the
                           harness's fw_cfg says only app=shell; VMware has
                           no fw_cfg), the shell's blk, pci, net and vmware
                           typed on the serial line
  profile-workstation-e1000   Workstation, "Other 64-bit": the 82545EM
                           (QEMU's e1000-82545em, not its 82540EM "e1000")
                           behind a PCI bridge, as Workstation places it
  profile-workstation-e1000e  newer guest types: the 82574L behind a PCIe
                           root port on q35

VMware puts its NICs and storage adapters behind bridges (pciBridge0, a
PCI-PCI bridge; pciBridge4-7, PCIe root ports), so the devices here sit
behind a pci-bridge on pc and behind pcie-root-ports on q35: the PCI scan
crosses a bridge as it must on VMware.
"""
import re

from cases import READY, NO_PANIC, HTTPD_UP, curl_status, bytes_stream, timed_checks
from cases_pvscsi import make_tar, check_site, SITE
from qemu import Case

# What each profile is made of. tools/check-vmx.py reads this literal (it
# does not import this module) and maps every .vmx in deploy/vmware/ to the
# profile that covers its firmware, NICs and SCSI adapters; names are the
# .vmx values (ethernetN.virtualDev, scsiN.virtualDev, firmware).
PROFILES = {
    "profile-esxi-bios": {"firmware": "bios", "nics": ["vmxnet3"], "scsi": ["pvscsi"]},
    "profile-esxi-efi": {"firmware": "efi", "nics": ["vmxnet3"], "scsi": ["pvscsi"]},
    "profile-workstation-e1000": {"firmware": "bios", "nics": ["e1000"], "scsi": []},
    "profile-workstation-e1000e": {"firmware": "bios", "nics": ["e1000e"], "scsi": []},
}

PCI_BRIDGE = ["-device", "pci-bridge,id=br0,chassis_nr=1"]
ROOT_PORTS = ["-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
              "-device", "pcie-root-port,id=rp2,chassis=2,slot=2"]
MAC = "00:0c:29:12:34:56"           # VMware's OUI for generated addresses (00:0c:29)
TAR = make_tar("profile-site")
# Lines every profile's log must hold, and none may.
BOOT_LOG = [r"^boot: multiboot2 \(GRUB"]
BAD = NO_PANIC + [r"ignored", r"past the", r"no driver", r"failed"]

# Device lines: the driver's probe line, then the PCI listing (bus:dev.fn,
# vendor:device, class, driver).
VMXNET3 = [rf"^vmxnet3: (\S+) mac {MAC}, link up 1000 Mb/s, msi-x \(3 vectors\), eth0$",
           r"^pci: (\S+) 15ad:07b0 ethernet +vmxnet3$"]
PVSCSI = [r"^pvscsi: (\S+) rings 32/128, messages, msi$", r"^pci: (\S+) 15ad:07c0 \S+ +pvscsi$",
          r"^scsi0: 0:0: QEMU QEMU HARDDISK 2\.5\+, \d+ x 512 B -> blk0$",
          rf"^ustar: blk0 mounted, {len(SITE)} files$"]
BACKDOOR = [r"^vmware: backdoor version 6 type 2 \(QEMU vmport\), memory 256 MiB"]


def e1000_lines(model, ident):
    return [rf"^e1000: (\S+) {model} mac {MAC}, link up 1000 Mb/s, \S+, eth0$",
            rf"^pci: (\S+) {ident} ethernet +e1000$"]


def device_listing(name, log, lines):
    """Every line of `lines` in the boot log (in any order); one line per
    device printed for the test log. Each PCI listing line (^pci: ) follows
    its driver's probe line in `lines`: both must name the same function,
    and that function must be behind a bridge (bus != 00), where VMware
    places it."""
    found, prev = [], None
    for rx in lines:
        m = re.search(rx, log, re.M)
        if not m:
            return f"the boot log lacks /{rx}/"
        if rx.startswith("^pci: "):
            fn = m.group(1)
            if not prev or prev.lastindex != 1 or prev.group(1) != fn:
                return f"{m.group(0).strip()!r} does not name the function of {prev and prev.group(0)!r}"
            if fn.startswith("00:"):
                return f"{m.group(0).strip()!r}: the device is on bus 00, not behind its bridge"
        found.append(m.group(0).strip())
        prev = m
    print(f"     {name}: " + "; ".join(found), flush=True)
    return None


def profile_host(name, lines, nic_page, files):
    def host(ports, log):
        port = ports["tcp:80"]
        err = device_listing(name, log, lines)
        if err:
            return err
        checks = [("curl", lambda: curl_status(port, [r"^minnow ", nic_page])),
                  ("10 MiB", lambda: bytes_stream(port))]
        if files:
            checks.append(("/files/", lambda: check_site(port)))
        return timed_checks(name, checks)
    return host


def profile(name, boot, machine, nic, bus, pre, lines, nic_page, extra=(), files=False, expect=(),
            reject=(), timeout=150):
    return Case(name, boot=boot, machine=machine, app="httpd", memory="256M", nic=nic,
                nic_opts=f",bus={bus},mac={MAC}", nic_pre=pre, hostfwd=["tcp:80"],
                extra=["-machine", "vmport=on"] + list(extra),
                host=profile_host(name, BOOT_LOG + lines, nic_page, files), host_after=HTTPD_UP,
                timeout=timeout, reject=BAD + list(reject),
                expect=BOOT_LOG + list(expect) + [READY, HTTPD_UP])


# The archive is shared by the cases (read-only: QEMU locks a writable image).
DISK = ["-drive", f"if=none,id=d0,file={TAR},format=raw,readonly=on",
        "-device", "scsi-hd,drive=d0,bus=h.0,scsi-id=0"]
ESXI_DISK_PC = ["-device", "pvscsi,id=h,bus=br0"] + DISK
ESXI_DISK_Q35 = ["-device", "pvscsi,id=h,bus=rp2"] + DISK
VMX_PAGE = r"^  eth0 vmxnet3 \S+ vmxnet3 rev 1 msi-x .* link up 1000 Mb/s"

CASES = [
    profile("profile-esxi-bios", "iso-bios", "pc", "vmxnet3", "br0", PCI_BRIDGE,
            VMXNET3 + PVSCSI + BACKDOOR, VMX_PAGE, extra=ESXI_DISK_PC, files=True,
            expect=[r"^consoles: serial vga$"]),
    # ESXi's EFI firmware, like OVMF, offers GOP only: GRUB passes the
    # framebuffer, and minnow's console is drawn there.
    profile("profile-esxi-efi", "iso-uefi", "q35", "vmxnet3", "rp1", ROOT_PORTS,
            VMXNET3 + PVSCSI + BACKDOOR, VMX_PAGE, extra=ESXI_DISK_Q35, files=True, timeout=300,
            expect=[r"^console: framebuffer \d+x\d+x\d+ at 0x[0-9a-f]+, \d+x\d+ text$",
                    r"^consoles: serial fb$"], reject=[r"consoles: .*vga"]),
    profile("profile-workstation-e1000", "iso-bios", "pc", "e1000-82545em", "br0", PCI_BRIDGE,
            e1000_lines("82545EM", "8086:100f") + BACKDOOR, r"^  eth0 e1000 .* link up",
            expect=[r"^consoles: serial vga$"]),
    profile("profile-workstation-e1000e", "iso-bios", "q35", "e1000e", "rp1", ROOT_PORTS,
            e1000_lines("82574L", "8086:10d3") + BACKDOOR, r"^  eth0 e1000 .* link up",
            expect=[r"^consoles: serial vga$"]),
    # The ESXi machine as a VMware host boots it: no exit device, the
    # default app (the shell), listing the disks, PCI functions and NICs.
    Case("profile-esxi-bios-shell", boot="iso-bios", machine="pc", app="shell", memory="256M",
         debug_exit=False, exit_code=0, timeout=150,
         extra=["-machine", "vmport=on"] + PCI_BRIDGE + ["-nic", "none", "-netdev", "user,id=n0",
                "-device", f"vmxnet3,netdev=n0,bus=br0,mac={MAC}"] + ESXI_DISK_PC,
         reject=BAD,
         interact=[(r"minnow> ", "blk\r"), (r"errors \d+\r?\n[\s\S]*?minnow> ", "pci\r"),
                   (r"15ad:07c0[\s\S]*?minnow> ", "net\r"), (r"eth0[\s\S]*?minnow> ", "vmware\r"),
                   (r"backdoor version[\s\S]*?minnow> ", "poweroff\r")],
         expect=[r"^cmdline: app=shell$", r"^consoles: serial vga$", READY,
                 r"blk0: pvscsi \"QEMU QEMU HARDDISK 2\.5\+\" \d+ MiB \(\d+ x 512 B\) at scsi0:0:0:0",
                 r"15ad:07b0 .*vmxnet3", r"15ad:07c0 .*pvscsi", r"eth0: vmxnet3 01:00\.0 vmxnet3 rev 1 msi-x",
                 r"vmware: backdoor version 6 type 2", r"powering off"]),
]
