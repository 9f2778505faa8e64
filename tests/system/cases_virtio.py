"""QEMU system cases for virtio (virtio/): virtio-net on the PCI transport
(q35 and pc, virtio-net-pci) and on the MMIO transport (microvm,
virtio-net-device, legacy by default and version 2 with
-global virtio-mmio.force-legacy=false), driven from outside with the same
peers as the e1000 cases: real curl (sequential, parallel, 10 MiB checked),
TCP and UDP echo, iperf 2 in both directions, a link flap through the QEMU
monitor, and curl --local-port over a TAP device.

On microvm with acpi=off QEMU appends virtio_mmio.device=512@0x...:IRQ to
the command line of a -kernel boot (its auto-kernel-cmdline property); with
ACPI on (the default) the devices are in the DSDT. Both reach the MMIO bus
(kernel/dev/mmio_bus.h)."""
import re
import shutil
import subprocess
import time

import qemu as _qemu
from qemu import Case
from cases import (READY, NO_PANIC, HTTPD_UP, ECHO_UP, IPERF_UP, IPERF_REPORT, TAP_IP,
                   REUSE_PORT, REUSE_ROUNDS, Reuse, curl_status, keep_alive, protocol, bytes_stream,
                   sequential, parallel, timed_checks, echo_checks, iperf_client, link_flap)

CASES = []

# (name, machine, -device, boot, extra QEMU arguments, what the probe line says)
PCI_ID = r"1af4:10(00|41)"
VIRTIO_SETUPS = [
    ("pci-q35", "q35", "virtio-net-pci", "kernel", [], r"msi-x"),
    ("pci-pc", "pc", "virtio-net-pci", "kernel", [], r"msi-x"),
    ("pci-intx-q35", "q35", "virtio-net-pci,vectors=0", "kernel", [], r"intx"),
    # Two MSI-X entries: configuration and receive each have one, transmit
    # shares entry 0.
    ("pci-2vec-q35", "q35", "virtio-net-pci,vectors=2", "kernel", [], r"msi-x"),
    ("mmio-legacy", "microvm,acpi=off", "virtio-net-device", "pvh", [], r"gsi legacy"),
    ("mmio-v2", "microvm,acpi=off", "virtio-net-device", "pvh",
     ["-global", "virtio-mmio.force-legacy=false"], r"gsi"),
    # ACPI on (microvm's default): the device in the DSDT, its GSI (47) on
    # the second IOAPIC.
    ("mmio-acpi-legacy", "microvm", "virtio-net-device", "pvh", [], r"gsi legacy"),
]
PROBE = r"^virtio-net: (\S+|mmio 0x[0-9a-f]+) mac 52:54:00:12:34:56, link up, {mode}, eth0 "


def status_checks(port, setup):
    """The status page over the device: the NIC's line names virtio-net,
    and on PCI the listing binds the function to virtio-pci."""
    want = [r"^minnow ", r"^  eth0 virtio-net .* link up", r"^    rx \d+ packets"]
    if setup.startswith("pci"):
        want.append(rf"^  \S+ {PCI_ID} ethernet +virtio-pci")
    return curl_status(port, want)


def httpd_checks(name, setup):
    def host(ports, log):
        port = ports["tcp:80"]
        return timed_checks(name, [
            ("curl", lambda: status_checks(port, setup)),
            ("keep-alive", lambda: keep_alive(port)), ("protocol", lambda: protocol(port)),
            ("10 MiB", lambda: bytes_stream(port)), ("1000 sequential", lambda: sequential(port)),
            ("20x10 parallel", lambda: parallel(port))])
    return host


for setup, machine, dev, boot, extra, mode in VIRTIO_SETUPS:
    probe = PROBE.format(mode=mode)
    common = dict(machine=machine, boot=boot, nic=dev, extra=extra, reject=NO_PANIC)
    CASES.append(Case(f"virtio-httpd-{setup}", app="httpd", hostfwd=["tcp:80"],
                      host=httpd_checks(f"virtio-httpd-{setup}", setup), host_after=HTTPD_UP,
                      timeout=240, expect=[probe, READY, HTTPD_UP], **common))
    CASES.append(Case(f"virtio-echo-{setup}", app="echo", hostfwd=["tcp:7", "udp:7"],
                      host=echo_checks(f"virtio-echo-{setup}"), host_after=ECHO_UP, timeout=180,
                      expect=[probe, READY, ECHO_UP], **common))
    if setup in ("pci-intx-q35", "pci-2vec-q35"):
        continue
    CASES.append(Case(f"virtio-iperf-{setup}", app="iperf", hostfwd=["tcp:5001"],
                      host=iperf_client(f"virtio-iperf-{setup}"), monitor=True, host_after=IPERF_UP,
                      timeout=90, expect=[probe, READY, IPERF_UP, IPERF_REPORT], **common))
    CASES.append(Case(f"virtio-linkflap-{setup}", app="httpd", hostfwd=["tcp:80"],
                      host=link_flap(f"virtio-linkflap-{setup}"), monitor=True, host_after=HTTPD_UP,
                      timeout=120, expect=[probe, READY, HTTPD_UP, r"^eth0: link down$", r"^eth0: link up"],
                      **common))

# trace=virtio and trace=virtio-net show the status sequence one step at a
# time, the negotiated features, each queue, and frames with their headers.
CASES.append(Case("virtio-trace-pci-q35", machine="q35", nic="virtio-net-pci", app="none",
                  cmdline="trace=virtio,virtio-net selftest=net", timeout=90, reject=NO_PANIC,
                  expect=[r"^virtio: \S+ status <- 0x00$", r"^virtio: \S+ status <- 0x01$",
                          r"^virtio: \S+ status <- 0x03$",
                          r"^virtio: \S+ features: device 0x[0-9a-f]+, driver 0x1[0-9a-f]{8}$",
                          r"^virtio: \S+ status <- 0x0b$",
                          r"^virtio: \S+ queue 0: size 256 .* event-idx$",
                          r"^virtio: \S+ queue 1: size 256 ",
                          r"^virtio: \S+ status <- 0x0f$", PROBE.format(mode="msi-x"),
                          r"^virtio-net: eth0 tx slot \d+ len \d+ type 0800",
                          r"^virtio-net: eth0 rx buf \d+ len \d+ hdr flags 0x\d+ gso 0 num_buffers 1 type 0800",
                          r"selftest: net passed"]))
CASES.append(Case("virtio-trace-mmio-legacy", machine="microvm,acpi=off", boot="pvh",
                  nic="virtio-net-device", app="none", cmdline="trace=virtio", timeout=90, reject=NO_PANIC,
                  expect=[r"^virtio: mmio 0x[0-9a-f]+ status <- 0x03$",
                          r"^virtio: mmio 0x[0-9a-f]+ features: device 0x[0-9a-f]+, driver 0x[0-9a-f]{1,8}$",
                          r"^virtio: mmio 0x[0-9a-f]+ queue 0: size 256 \(device max 1024\)",
                          r"^virtio: mmio 0x[0-9a-f]+ status <- 0x07$", PROBE.format(mode="gsi legacy"),
                          READY]))
CASES.append(Case("virtio-mmio-acpi-gsi47", machine="microvm", boot="pvh", nic="virtio-net-device",
                  app="none", cmdline="selftest=net", timeout=90, reject=NO_PANIC,
                  extra=["-global", "virtio-mmio.force-legacy=false"],
                  expect=[r"^mmio: \\_SB_\.VR23 LNRO0005 uid 23 at 0xfeb02e00\+0x200, gsi 47 level/high$",
                          PROBE.format(mode="gsi"), r"selftest: net passed"]))


# --- TAP: curl --local-port against minnow's TIME_WAIT, over virtio-net ------
def curl_port_reuse(name):
    """As cases.curl_port_reuse (minnow closes first and holds TIME_WAIT;
    each request from the same local port must reopen it), on virtio-net."""
    def host(tap, log, qemu):
        r = Reuse(tap, (rf"^  eth0 virtio-net .* addr {re.escape(tap.guest)} link up",))
        if r.err:
            return r.err
        # Over a TAP QEMU has a virtio header to pass on, so it offers the
        # checksum offloads (under slirp it withdraws them): both must be in use.
        off = re.search(r"^    csum offload tx-tcp rx-tcp/udp: tx (\d+), rx ok (\d+), rx bad (\d+)$", r.page, re.M)
        print(f"     {name}: {r.ok}/{REUSE_ROUNDS} ok in {r.secs:.1f} s, "
              f"TIME_WAIT reopened {r.reopened} times, {off.group(0).strip() if off else 'no offload line'}",
              flush=True)
        if not off or int(off.group(1)) < REUSE_ROUNDS or int(off.group(2)) < REUSE_ROUNDS or int(off.group(3)):
            return f"checksum offload not in use both ways (or bad ones seen):\n{r.page}"
        return r.verdict()
    return host


# --- iperf 2 from minnow to the host's iperf -s (iperf_to=) -----------------
# The app's client connects once, as soon as the app starts: too early for a
# server the host step would start. So the guest sends to 10.0.2.100:5001,
# which QEMU's guestfwd hands to tests/system/relay.py; the relay connects to
# the host's `iperf -s` on 127.0.0.1 (retrying while it starts) and copies.
import os as _os
RELAY = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "relay.py")
GUEST_IPERF = r"^iperf: (\d+) bytes in (\d+) ms, (\d+) kbit/s \(from [\d.]+:5001\), client done$"


def iperf_guest_to_host(name, port):
    """minnow's iperf client sends for 10 s; `iperf -s` on the host and
    the kernel must both report the transfer, of about the same size."""
    def host(ports, log, qemu):
        if not shutil.which("iperf"):
            return "iperf not found: install Debian's iperf package (tools/deps.sh)"
        out_path = _os.path.join(_os.path.dirname(RELAY), "..", "..", "build", "test-logs", name + ".iperf-s")
        with open(out_path, "w") as out:
            srv = subprocess.Popen(["stdbuf", "-oL", "iperf", "-s", "-B", "127.0.0.1", "-p", str(port), "-f", "k"],
                                   stdout=out, stderr=subprocess.STDOUT)
        rate = r"\]\s+[\d.]+-([\d.]+) sec\s+([\d.]+) KBytes\s+([\d.]+) Kbits/sec"
        m = None
        try:
            k = qemu.wait_log(GUEST_IPERF, 60, pos=0)
            if not k:
                return "no kernel report of the transfer to the host within 60 s"
            for _ in range(150):        # the server reports once it has the FIN
                m = re.search(rate, open(out_path).read())
                if m:
                    break
                time.sleep(0.1)
        finally:
            srv.terminate()
            srv.wait(timeout=10)
        out = open(out_path).read()
        if not m or float(m.group(2)) <= 0:
            return f"iperf -s reported no transfer:\n{out}"
        if float(m.group(2)) * 1024 < 0.9 * int(k.group(1)):
            return f"host got {m.group(2)} KBytes, the kernel says it sent {k.group(1)} bytes"
        print(f"     {name}: minnow -> host: iperf -s {float(m.group(3)) / 1000:.0f} Mbit/s over "
              f"{m.group(1)} s, kernel {int(k.group(3)) / 1000:.0f} Mbit/s", flush=True)
        return None
    return host


for setup, machine, dev, boot, extra, _ in VIRTIO_SETUPS + [("e1000e-ref", "q35", "e1000e", "kernel", [], "")]:
    if setup in ("pci-intx-q35", "pci-2vec-q35", "mmio-acpi-legacy"):
        continue
    port = _qemu.free_port("tcp")
    name = f"virtio-iperf-to-host-{setup}"
    CASES.append(Case(name, app="iperf", machine=machine, boot=boot, cmdline="iperf_to=10.0.2.100",
                      extra=["-nic", "none", "-netdev",
                             f"user,id=n0,guestfwd=tcp:10.0.2.100:5001-cmd:python3 {RELAY} {port}",
                             "-device", f"{dev},netdev=n0"] + extra,
                      monitor=True, host=iperf_guest_to_host(name, port), host_after=r"^iperf: sending to",
                      timeout=120, reject=NO_PANIC, expect=[READY, GUEST_IPERF]))


TAP_SETUPS = [(s, m, d, b, e) for s, m, d, b, e, _ in VIRTIO_SETUPS if s in ("pci-q35", "mmio-legacy", "mmio-v2")]
for setup, machine, dev, boot, extra in TAP_SETUPS:
    common = dict(machine=machine, boot=boot, nic=dev, extra=extra, tap=True, reject=NO_PANIC)
    CASES.append(Case(f"virtio-portreuse-curl-{setup}", app="httpd", cmdline=TAP_IP,
                      host=curl_port_reuse(f"virtio-portreuse-curl-{setup}"), host_after=HTTPD_UP,
                      timeout=180, expect=[READY, HTTPD_UP], **common))
# iperf into minnow on the e1000e, for comparison in the same run.
CASES.append(Case("virtio-iperf-e1000e-ref", app="iperf", machine="q35", nic="e1000e", hostfwd=["tcp:5001"],
                  host=iperf_client("virtio-iperf-e1000e-ref"), monitor=True, host_after=IPERF_UP,
                  timeout=90, reject=NO_PANIC, expect=[READY, IPERF_UP, IPERF_REPORT]))


# --- virtio-blk: selftest=disk, then the raw file checked from the host ------
# The disk self-test (tests/selftest/disk.c) writes its pattern at random
# LBAs, flushes, reads back, runs a burst of concurrent writes (more in
# flight than one at a time), and holds; the host quits QEMU and rebuilds
# the expected image from the "disk: wrote" lines, then compares the whole
# raw file, so a write in the wrong place or never flushed fails.
import hashlib
from cases_pvscsi import HOLD, sector, quit_qemu

BLK_WROTE = re.compile(r"^disk: wrote blk0 .+? lba (\d+) count (\d+) tag (\d+)$", re.M)
BLK_DIR = _os.path.join(_os.path.dirname(RELAY), "..", "..", "build", "test-logs", "virtio")


def vblk_host(raw):
    def host(ports, log, qemu):
        if not qemu.wait_log(HOLD, 300):
            return "the disk self-test never reached its hold"
        text = qemu.log()
        quit_qemu(qemu)
        want = bytearray(_os.path.getsize(raw))
        n = 0
        for m in BLK_WROTE.finditer(text):
            lba, count, tag = (int(g) for g in m.groups())
            for s in range(count):
                want[(lba + s) * 512:(lba + s + 1) * 512] = sector(lba + s, tag)
            n += 1
        if n < 8:
            return f"only {n} writes reported"
        got = open(raw, "rb").read()
        if hashlib.sha256(got).digest() != hashlib.sha256(want).digest():
            bad = next(i for i in range(len(want)) if got[i] != want[i])
            return f"{raw}: differs from the {n} writes reported, first at byte {bad}"
        print(f"     raw file matches {n} writes", flush=True)
        return None
    return host


def blank_raw(name, mib=16):
    _os.makedirs(BLK_DIR, exist_ok=True)
    p = _os.path.abspath(_os.path.join(BLK_DIR, name + ".raw"))
    with open(p, "wb") as f:
        f.truncate(0)
        f.truncate(mib << 20)
    return p


for setup, machine, dev, boot, extra in [
        ("pci-q35", "q35", "virtio-blk-pci", "kernel", []),
        ("pci-pc", "pc", "virtio-blk-pci", "kernel", []),
        ("mmio-legacy", "microvm,acpi=off", "virtio-blk-device", "pvh", []),
        ("mmio-v2", "microvm", "virtio-blk-device", "pvh", ["-global", "virtio-mmio.force-legacy=false"])]:
    name = f"virtio-blk-{setup}"
    raw = blank_raw(name)
    CASES.append(Case(name, machine=machine, boot=boot, cmdline="selftest=disk disk_min=1 disk_hold",
                      extra=["-drive", f"file={raw},format=raw,if=none,id=d0", "-device", f"{dev},drive=d0"]
                      + extra, monitor=True, host=vblk_host(raw), host_after=r"^selftest: running disk",
                      timeout=300, reject=NO_PANIC,
                      expect=[r"^virtio-blk: \S+( 0x[0-9a-f]+)? 32768 sectors flush, \S+, blk0$",
                              r"^disk: blk0: burst of 12 writes, ([2-9]|1[0-2]) in flight at once: 0$", HOLD]))
