"""The Firecracker profile, and virtio-blk's error and large-transfer cases.

Firecracker itself cannot run here (no KVM), so QEMU's microvm is set up to
present a guest what Firecracker presents (docs/firecracker.md):

  - PVH entry (build/minnow-pvh.elf), 128 MiB and the boot arguments of
    deploy/firecracker/vm-config.json (read by this module, so the profile
    and the deploy file cannot drift apart), the serial port at 0x3F8 as the
    only console, the guest MAC of the config's network interface, the
    config's drive read-only;
  - legacy devices: Firecracker creates KVM's in-kernel irqchip (8259 PIC
    and one IOAPIC) and PIT (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2 in
    src/vmm/src/vstate/vm.rs), an i8042 and a serial port, and no RTC. So:
    pit=on, pic=on, rtc=off, isa-serial=on, ioapic2=off (one IOAPIC). The
    PIT stays because minnow calibrates the TSC on it under TCG (with
    pit=off it has no reference clock and panics; under KVM kvmclock or
    CPUID would give the frequency). microvm has no i8042; minnow does not
    need one;
  - virtio-net-device and virtio-blk-device on virtio-mmio.

Two ways of telling the guest about the devices, as Firecracker does:

  firecracker-noacpi  microvm,acpi=off,auto-kernel-cmdline=off: no tables;
                      the test writes the virtio_mmio.device= entries after
                      the config's boot args, as Firecracker's
                      add_virtio_aml()/cmdline code does (src/vmm/src/
                      device_manager/mmio.rs): "4K@0x%08x:%d". QEMU puts its
                      transports 512 bytes apart (0xfeb00000 + n * 0x200,
                      IRQ 5 + n, the first -device on transport 7), so only
                      the last one can be given as 4K without overlapping
                      the next: net 4K@0xfeb00e00:12, blk 512@0xfeb00c00:11.
  firecracker-acpi    ACPI on (Firecracker >= 1.8): the DSDT lists the
                      devices (QEMU: VR07/VR06, GSIs 23/22, level-triggered
                      where Firecracker's are edge) and the command line
                      names them again; each is listed once.

Each boots app=httpd, reaches DHCP and httpd over virtio-net through a
host forward, mounts the ustar archive on the virtio-blk disk and serves
its files through /files/ (exact bytes, Content-Type, 404s: the site of
cases_pvscsi.py).

virtio-blk:

  virtio-blk-eio-{mmio,pci-q35}  QEMU's blkdebug fails reads of LBA 1000
                      and writes of LBA 2000: the device answers IOERR, the
                      driver logs it, the caller gets -EIO, a neighbour is
                      still written, LBA 0 still reads, and after QEMU quits
                      the raw file holds exactly that one neighbour sector;
  virtio-blk-shell-large  the shell's `blk verify` on 128 sectors (64 KiB,
                      the shell's limit: one request whose data spans 16
                      pages) and on 100 sectors from LBA 7 (129 is refused:
                      too long), then `blk read` of a
                      sector in hex compared with the host's file; the file,
                      filled with random bytes before the boot, must be
                      unchanged after QEMU exits (verify restores what it
                      read, so a read or write of the wrong bytes shows).
  virtio-blk-chain-{mmio-v2,pci-q35}[-noevidx]  selftest=disk with QEMU's
                      indirect_desc=off (and event_idx=off): requests as
                      chains of three ring descriptors, several in flight
                      (the burst), the raw file checked as in cases_virtio.py.
  firecracker-deploy-shell  vm-config.json's boot_args verbatim: the shell's
                      `dev` and `blk` show both devices bound.
"""
import dataclasses
import json
import os
import re
import shlex

import qemu as _qemu
from qemu import Case
from cases import READY, NO_PANIC, HTTPD_UP, curl_status
from cases_pvscsi import SITE, BLKDEBUG, HOLD, blank, eio_host, check_site, make_tar

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "deploy", "firecracker", "vm-config.json")) as _f:
    VM = json.load(_f)
BOOT_ARGS = VM["boot-source"]["boot_args"]
MAC = VM["network-interfaces"][0]["guest_mac"]
RO = ",readonly=on" if VM["drives"][0]["is_read_only"] else ""
MEM = f"{VM['machine-config']['mem_size_mib']}M"
# app= is the one argument the test changes (the deploy runs the shell on
# the console; the test needs httpd); the kernel's later app= would win,
# but the log reads better without two.
ARGS = " ".join(a for a in shlex.split(BOOT_ARGS) if not a.startswith("app="))

# An archive of its own: QEMU's image locking would refuse a read-only
# open of a file another case has open for writing (cases_pvscsi.py's TAR).
TAR = make_tar("firecracker")
FC_MACHINE = "microvm,pit=on,pic=on,rtc=off,isa-serial=on,ioapic2=off,auto-kernel-cmdline=off"
# net on transport 7, blk on transport 6 (the order of the -device options)
NET_BASE, NET_IRQ_NOACPI, NET_GSI_ACPI = 0xfeb00e00, 12, 23
BLK_BASE, BLK_IRQ_NOACPI, BLK_GSI_ACPI = 0xfeb00c00, 11, 22


def entries(net_irq, blk_irq):
    return (f"virtio_mmio.device=4K@0x{NET_BASE:08x}:{net_irq} "
            f"virtio_mmio.device=512@0x{BLK_BASE:08x}:{blk_irq}")


def site_host(ports, log):
    port = ports["tcp:80"]
    err = curl_status(port, [r"^  eth0 virtio-net .* link up"]) or check_site(port)
    if not err:
        print(f"     status page and {len(SITE)} files from the archive served", flush=True)
    return err


PROBES = [rf"^virtio-net: mmio 0x{NET_BASE:x} mac {MAC}, link up, gsi legacy, eth0 ",
          rf"^virtio-blk: mmio 0x{BLK_BASE:x} \d+ sectors ro( flush)?, gsi, blk0$",
          r"^pci: off \(pci=off\)$", rf"^ustar: blk0 mounted, {len(SITE)} files$", READY, HTTPD_UP]
COMMON = dict(boot="pvh", app="httpd", memory=MEM, nic="virtio-net-device", nic_opts=f",mac={MAC}",
              hostfwd=["tcp:80"], host=site_host, host_after=HTTPD_UP, timeout=180,
              extra=["-drive", f"file={TAR},format=raw,if=none,id=d0{RO}",
                     "-device", "virtio-blk-device,drive=d0"])

CASES = [
    Case("firecracker-noacpi", machine=FC_MACHINE + ",acpi=off",
         cmdline=f"{ARGS} {entries(NET_IRQ_NOACPI, BLK_IRQ_NOACPI)}",
         expect=[r"^boot: pvh$",
                 rf"^cmdline: qemu_exit=0xf4 app=httpd {re.escape(ARGS)} "
                 rf"{re.escape(entries(NET_IRQ_NOACPI, BLK_IRQ_NOACPI))}$",
                 r"^acpi: no RSDP",
                 rf"^mmio: cmdline#0 LNRO0005 uid 0 at 0x{NET_BASE:x}\+0x1000, gsi {NET_IRQ_NOACPI} edge/high$",
                 rf"^mmio: cmdline#1 LNRO0005 uid 0 at 0x{BLK_BASE:x}\+0x200, gsi {BLK_IRQ_NOACPI} edge/high$",
                 r"^clock: TSC \d+ kHz \(PIT calibration\)"] + PROBES,
         reject=NO_PANIC + [r"unknown option", r"\(ignored\)", r"overlaps", r"\\_SB_", r"^consoles: .*(vga|fb)"],
         **COMMON),
    Case("firecracker-acpi", machine=FC_MACHINE,
         cmdline=f"{ARGS} {entries(NET_GSI_ACPI, BLK_GSI_ACPI)}",
         expect=[r"^boot: pvh$", r"^acpi: rev 2 XSDT, 1 cpu, 1 ioapic,",
                 rf"^mmio: \\_SB_\.VR07 LNRO0005 uid 7 at 0x{NET_BASE:x}\+0x200, gsi {NET_GSI_ACPI} level/high$",
                 rf"^mmio: \\_SB_\.VR06 LNRO0005 uid 6 at 0x{BLK_BASE:x}\+0x200, gsi {BLK_GSI_ACPI} level/high$",
                 rf"^mmio: cmdline#0: 0x{NET_BASE:x} already listed as \\_SB_\.VR07$",
                 rf"^mmio: cmdline#1: 0x{BLK_BASE:x} already listed as \\_SB_\.VR06$",
                 r"^apic: \S+ id \d+, 1 ioapic\(s\)"] + PROBES,
         reject=NO_PANIC + [r"unknown option", r"\(ignored\)", r"overlaps", r"cmdline#\d LNRO"],
         **COMMON),
]

# The deploy file's boot arguments verbatim (the shell on the console),
# the entries after them: `dev` shows each device with its driver bound,
# `blk` the read-only disk.
APP = next(a[4:] for a in shlex.split(BOOT_ARGS) if a.startswith("app="))
CASES.append(Case("firecracker-deploy-shell", machine=FC_MACHINE + ",acpi=off", boot="pvh", app=APP,
                  cmdline=f"{ARGS} {entries(NET_IRQ_NOACPI, BLK_IRQ_NOACPI)}", memory=MEM,
                  nic="virtio-net-device", nic_opts=f",mac={MAC}", extra=COMMON["extra"],
                  debug_exit=False, exit_code=0, timeout=90,
                  interact=[(r"minnow> ", "dev\r"), (r"cmdline#1[^\n]*\n[\s\S]*?minnow> ", "blk\r"),
                            (r"blk0: [\s\S]*?minnow> ", "reboot\r")],
                  expect=[rf"^cmdline: {re.escape(BOOT_ARGS)} {re.escape(entries(NET_IRQ_NOACPI, BLK_IRQ_NOACPI))}\r?$",
                          rf"^cmdline#0 +LNRO0005 .*0x{NET_BASE:x} +0x1000 +{NET_IRQ_NOACPI} +edge/high +virtio",
                          rf"^cmdline#1 +LNRO0005 .*0x{BLK_BASE:x} +0x200 +{BLK_IRQ_NOACPI} +edge/high +virtio",
                          r"blk0: virtio-blk .*read-only", r"rebooting"],
                  reject=NO_PANIC + [r"unknown option", r"\(ignored\)", r"overlaps"]))

# --- virtio-blk: errors injected by QEMU's blkdebug ---------------------------
# The same injection as pvscsi-blkdebug-eio (cases_pvscsi.py): on virtio-blk
# QEMU's default rerror/werror policy (report) turns the EIO into the status
# byte VIRTIO_BLK_S_IOERR (1) (hw/block/virtio-blk.c).
for setup, machine, boot, dev in (("mmio", "microvm,acpi=off", "pvh", "virtio-blk-device"),
                                  ("pci-q35", "q35", "kernel", "virtio-blk-pci")):
    disk = blank(f"virtio-eio-{setup}.img", 16)
    CASES.append(Case(f"virtio-blk-eio-{setup}", machine=machine, boot=boot, monitor=True,
                      host=eio_host(disk), host_after=HOLD, timeout=200, reject=NO_PANIC,
                      cmdline="selftest=disk disk_eio=blk0 disk_eio_read=1000 disk_eio_write=2000 disk_hold",
                      extra=["-drive", f"if=none,id=d0,format=raw,file.driver=blkdebug,"
                                       f"file.config={BLKDEBUG},file.image.filename={disk}",
                             "-device", f"{dev},drive=d0"],
                      expect=[READY,
                              r"^virtio-blk: blk0: request at sector 1000: status 1$",
                              r"^disk: blk0: read LBA 1000: -5$",
                              r"^virtio-blk: blk0: request at sector 2000: status 1$",
                              r"^disk: blk0: write LBA 2000: -5$",
                              r"^disk: wrote blk0 .* lba 2064 count 1 tag 78$",
                              r"^disk: blk0: errors 2, read LBA 0 after them: 0$", HOLD]))


# --- virtio-blk: 128 KiB requests from the shell, checked on the raw file ------
LARGE = blank("virtio-large.img", 8)
DUMP_LBA = 1100                         # inside the first verified range


def large_runner(c, root, logdir):
    """Fill the disk with random bytes, run the interactive case, then check
    the hex dump against the file and the file against what it was."""
    data = os.urandom(os.path.getsize(LARGE))
    with open(LARGE, "wb") as f:
        f.write(data)
    err, secs = _qemu.run_case(dataclasses.replace(c), root, logdir)
    if err:
        return err, secs
    log = open(os.path.join(logdir, c.name + ".log"), errors="replace").read()
    dump = bytearray()
    for off, hexes in re.findall(r"^([0-9a-f]{4}): ((?:[0-9a-f]{2} ?){16})", log, re.M):
        if int(off, 16) == len(dump):
            dump += bytes.fromhex(hexes.replace(" ", ""))
    want = data[DUMP_LBA * 512:(DUMP_LBA + 1) * 512]
    if bytes(dump[:512]) != want:
        return f"blk read blk0 {DUMP_LBA}: the dump ({len(dump)} bytes) differs from the file", secs
    got = open(LARGE, "rb").read()
    if got != data:
        bad = next(i for i in range(len(data)) if got[i] != data[i])
        return f"{LARGE}: changed at byte {bad} (LBA {bad // 512}) though verify restores it", secs
    return None, secs


_large = Case("virtio-blk-shell-large", machine="microvm,acpi=off", boot="pvh", app="shell",
              debug_exit=False, exit_code=0, timeout=120, reject=NO_PANIC + [r"differs", r"FAILED"],
              extra=["-drive", f"if=none,id=d0,file={LARGE},format=raw", "-device", "virtio-blk-device,drive=d0"],
              interact=[(r"minnow> ", "blk verify blk0 1001 128\r"),
                        (r"verify LBA 1001 count 128: [\s\S]*?minnow> ", "blk verify blk0 7 100\r"),
                        (r"verify LBA 7 count 100: [\s\S]*?minnow> ", f"blk read blk0 {DUMP_LBA}\r"),
                        (r"01f0:[^\n]*\n[\s\S]*?minnow> ", "blk verify blk0 0 129\r"),
                        (r"blk0: [^\n]*(outside|too long|failed)[^\n]*\n[\s\S]*?minnow> ", "reboot\r")],
              expect=[r"^virtio-blk: mmio 0x[0-9a-f]+ 16384 sectors flush, gsi( legacy)?, blk0$",
                      r"blk: blk0: verify LBA 1001 count 128: ok \(0\)",
                      r"blk: blk0: verify LBA 7 count 100: ok \(0\)",
                      r"^01f0: ", r"rebooting"])
_large.runner = large_runner
CASES.append(_large)


# --- virtio-blk without indirect descriptors -----------------------------------
# With INDIRECT_DESC withdrawn (QEMU's indirect_desc=off) each request is a
# chain of three ring descriptors (header, data, status), so the burst of
# selftest=disk keeps chains of three in flight together; without EVENT_IDX
# (event_idx=off) the driver notifies and takes interrupts on the ring's
# flags alone. Checked on the raw file as the virtio-blk-* cases of
# cases_virtio.py.
from cases_virtio import vblk_host, blank_raw

for setup, machine, boot, dev in (("mmio-v2", "microvm", "pvh", "virtio-blk-device"),
                                  ("pci-q35", "q35", "kernel", "virtio-blk-pci")):
    for props in ("indirect_desc=off", "indirect_desc=off,event_idx=off"):
        name = f"virtio-blk-chain-{setup}" + ("-noevidx" if "event_idx" in props else "")
        raw = blank_raw(name)
        extra = ["-global", "virtio-mmio.force-legacy=false"] if setup == "mmio-v2" else []
        CASES.append(Case(name, machine=machine, boot=boot, cmdline="selftest=disk disk_min=1 disk_hold trace=virtio",
                          extra=["-drive", f"file={raw},format=raw,if=none,id=d0",
                                 "-device", f"{dev},drive=d0,{props}"] + extra,
                          monitor=True, host=vblk_host(raw), host_after=r"^selftest: running disk",
                          timeout=300, reject=NO_PANIC + [r"indirect", r"refused"]
                          + ([r"event-idx"] if "event_idx" in props else []),
                          expect=[r"^virtio: \S+( 0x[0-9a-f]+)? queue 0: size \d+ .*desc",
                                  r"^virtio-blk: \S+( 0x[0-9a-f]+)? 32768 sectors flush, \S+, blk0$",
                                  r"^disk: blk0: burst of 12 writes, ([2-9]|1[0-2]) in flight at once: 0$",
                                  HOLD]))
