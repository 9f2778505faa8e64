"""System cases for the block layer on VMware's PVSCSI adapter, against
QEMU's model (hw/scsi/vmw_pvscsi.c) and its scsi-hd disks on raw files
the test makes:

  pvscsi-disks-{q35,pc}   selftest=disk writes patterns at random LBAs of
                          three disks (pc: through INTx, pvscsi_intx); the
                          host quits QEMU through the monitor, rebuilds each
                          disk from the "disk: wrote" lines and compares the
                          whole raw file, so a write in the wrong place fails
  pvscsi-ustar-httpd      a ustar image made by the host's tar as a disk next
                          to a blank one: files fetched with curl through
                          httpd (exact bytes, Content-Type), 404s
  pvscsi-blkdebug-eio     QEMU's blkdebug fails reads of LBA 1000 and writes
                          of LBA 2000: the calls get -EIO with the sense
                          logged, the kernel goes on, LBA 2000 on the file
                          is untouched and a neighbour written
  pvscsi-hotplug          a tar disk hot-added through the monitor
                          (device_add scsi-hd) becomes blk1 and is mounted
                          and served; device_del takes it away again
  pvscsi-shell-blk        the shell's blk: list, read, verify, bad arguments
  pvscsi-timeout-abort    a READ stalled by QEMU's throttle filter: aborted
  pvscsi-unplug-adapter   the adapter hot-unplugged from a PCIe root port

The raw files live in build/test-logs/pvscsi/ (sparse) and are made when
this module is loaded.
"""
import hashlib
import os
import re
import shutil
import struct
import subprocess
import time

from cases import READY, NO_PANIC, HTTPD_UP
from qemu import Case

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIR = os.path.join(ROOT, "build", "test-logs", "pvscsi")
M64 = (1 << 64) - 1
HOLD = r"^disk: passed, holding for the host$"


def path(name):
    return os.path.join(DIR, name)


def blank(name, mib):
    """A sparse raw disk of mib MiB, zeroed."""
    p = path(name)
    with open(p, "wb") as f:
        f.truncate(mib << 20)
    return p


def splitmix(x):
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def sector(lba, tag, size=512):
    """What blk_pattern (blk/blk_shell.c) writes into sector lba for tag."""
    seed = (tag << 32) ^ lba
    return b"".join(struct.pack("<Q", splitmix((seed + (w + 1) * 0x9e3779b97f4a7c15) & M64))
                    for w in range(size // 8))


WROTE = re.compile(r"^disk: wrote (blk\d+) scsi\d+:0:(\d+):0 lba (\d+) count (\d+) tag (\d+)$", re.M)


def quit_qemu(qemu):
    try:
        qemu.monitor("quit", timeout=5)
    except OSError:
        pass                            # the monitor goes away with QEMU
    time.sleep(1)


def check_disks(files, log):
    """files: {scsi target: raw path}. Rebuilds each disk from the guest's
    reports (in order: a later write wins) and compares whole files."""
    writes = {t: [] for t in files}
    for m in WROTE.finditer(log):
        t = int(m.group(2))
        if t not in files:
            return f"a write reported on target {t}, which has no disk"
        writes[t].append((int(m.group(3)), int(m.group(4)), int(m.group(5))))
    for t, p in files.items():
        if not writes[t]:
            return f"no writes reported for target {t}"
        want = bytearray(os.path.getsize(p))
        for lba, count, tag in writes[t]:
            for s in range(count):
                want[(lba + s) * 512:(lba + s + 1) * 512] = sector(lba + s, tag)
        got = open(p, "rb").read()
        if hashlib.sha256(got).digest() != hashlib.sha256(want).digest():
            bad = next(i for i in range(len(want)) if got[i] != want[i])
            return f"target {t} ({p}): file differs from the writes reported, first at byte {bad}"
    return None


def disks_host(files):
    def host(ports, log, qemu):
        m = qemu.wait_log(HOLD, 300)
        if not m:
            return "the self-test never reached its hold"
        text = qemu.log()
        quit_qemu(qemu)
        return check_disks(files, text)
    return host


def scsi_hd(i, target, file, fmt="raw"):
    return ["-drive", f"if=none,id=d{i},file={file},format={fmt}",
            "-device", f"scsi-hd,drive=d{i},bus=h.0,scsi-id={target}"]


CASES = []
os.makedirs(DIR, exist_ok=True)

# --- random writes on three disks, checked on the raw files ----------------
for machine, opts in (("q35", ""), ("pc", " pvscsi_intx")):
    name = f"pvscsi-disks-{machine}"
    files = {0: blank(f"{name}-0.img", 16), 3: blank(f"{name}-3.img", 8), 6: blank(f"{name}-6.img", 64)}
    extra = ["-device", "pvscsi,id=h"]
    for i, (t, p) in enumerate(files.items()):
        extra += scsi_hd(i, t, p)
    CASES.append(Case(name, machine=machine, cmdline=f"selftest=disk disk_min=3 disk_hold{opts}",
                      extra=extra, monitor=True, host=disks_host(files), host_after=HOLD,
                      timeout=300, reject=NO_PANIC + [r"FAILED", r"timed out"],
                      expect=[r"^pvscsi: \S+ rings 32/128, messages, " + ("intx" if opts else "msi") + "$",
                              r"^scsi0: 0:0: QEMU QEMU HARDDISK 2\.5\+, 32768 x 512 B -> blk0$",
                              r"^scsi0: 3:0: .* 16384 x 512 B -> blk1$",
                              r"^scsi0: 6:0: .* 131072 x 512 B -> blk2$", READY,
                              r"^disk: blk2: burst of 12 writes, \d+ in flight at once: 0$", HOLD]))

# --- a ustar archive made by the host's tar, served by httpd ---------------
SITE = {
    "index.html": (b"<!doctype html><title>minnow</title><h1>from a disk</h1>\n", "text/html; charset=utf-8"),
    "css/site.css": (b"body { font-family: sans-serif }\n", "text/css"),
    "js/app.js": (b"console.log('minnow');\n", "text/javascript"),
    "notes.txt": (b"plain text\n" * 100, "text/plain; charset=utf-8"),
    "img/logo.png": (bytes(range(256)) * 300, "image/png"),
    "img/photo.jpg": (os.urandom(70000), "image/jpeg"),
    "img/icon.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>\n", "image/svg+xml"),
    "data.json": (b'{"a": 1}\n', "application/json"),
    "blob.bin": (os.urandom(200000), "application/octet-stream"),
    "deep/" + "d" * 60 + "/" + "f" * 80 + ".txt": (b"a path longer than 100 bytes\n", "text/plain; charset=utf-8"),
}


def make_tar(name):
    """A ustar image of SITE made by the host's tar; its path."""
    src = path(name + "-src")
    shutil.rmtree(src, ignore_errors=True)
    for rel, (data, _) in SITE.items():
        os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
        with open(os.path.join(src, rel), "wb") as f:
            f.write(data)
    out = path(name + ".tar")
    subprocess.run(["tar", "--format=ustar", "-cf", out, "-C", src, "."], check=True, timeout=30)
    return out


def curl(port, rel):
    """(status, content type, body) of GET /files/rel, through curl."""
    hdr = path(f"curl-{port}.hdr")
    p = subprocess.run(["curl", "-s", "-m", "20", "-D", hdr, f"http://127.0.0.1:{port}/files/{rel}"],
                       capture_output=True, timeout=30)
    head = open(hdr, errors="replace").read() if os.path.exists(hdr) else ""
    status = re.search(r"^HTTP/1\.1 (\d+)", head, re.M)
    ctype = re.search(r"^Content-Type: (.*?)\r?$", head, re.M | re.I)
    return (int(status.group(1)) if status else None, ctype.group(1) if ctype else None, p.stdout)


def check_site(port):
    for rel, (data, ctype) in SITE.items():
        st, ct, body = curl(port, rel)
        if st != 200 or ct != ctype or body != data:
            return f"/files/{rel}: status {st}, type {ct!r}, {len(body)} bytes (want {len(data)})"
    for rel in ("nope.html", "css", "", "img/logo.png/x"):
        st, _, _ = curl(port, rel)
        if st != 404:
            return f"/files/{rel}: status {st}, not 404"
    return None


def ustar_host(ports, log):
    return check_site(ports["tcp:80"])


TAR = make_tar("site")
CASES.append(Case("pvscsi-ustar-httpd", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
                  extra=["-device", "pvscsi,id=h"] + scsi_hd(0, 0, blank("ustar-blank.img", 4)) +
                  scsi_hd(1, 2, TAR),
                  host=ustar_host, host_after=HTTPD_UP, timeout=180, reject=NO_PANIC,
                  expect=[r"^scsi0: 2:0: .* -> blk1$", rf"^ustar: blk1 mounted, {len(SITE)} files$",
                          READY, HTTPD_UP]))

# --- errors injected by QEMU's blkdebug -------------------------------------
BLKDEBUG = path("blkdebug.cfg")
with open(BLKDEBUG, "w") as f:
    f.write('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "1000"\n\n'
            '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "2000"\n')


def eio_host(file):
    def host(ports, log, qemu):
        if not qemu.wait_log(HOLD, 200):
            return "the self-test never reached its hold"
        quit_qemu(qemu)
        got = open(file, "rb").read()
        want = bytearray(len(got))
        want[2064 * 512:2065 * 512] = sector(2064, 78)
        if got != want:
            bad = next(i for i in range(len(want)) if got[i] != want[i])
            return f"the disk differs from one sector at LBA 2064, first at byte {bad} (LBA {bad // 512})"
        return None
    return host


EIO_DISK = blank("eio.img", 16)
CASES.append(Case("pvscsi-blkdebug-eio", machine="q35", monitor=True, host=eio_host(EIO_DISK), host_after=HOLD,
                  cmdline="selftest=disk disk_eio=blk0 disk_eio_read=1000 disk_eio_write=2000 disk_hold",
                  extra=["-device", "pvscsi,id=h", "-drive",
                         f"if=none,id=d0,format=raw,file.driver=blkdebug,file.config={BLKDEBUG},"
                         f"file.image.filename={EIO_DISK}",
                         "-device", "scsi-hd,drive=d0,bus=h.0,scsi-id=1"],
                  timeout=200, reject=NO_PANIC,
                  expect=[READY,
                          r"^blk0 \(scsi0:0:1:0\) LBA 1000: READ\(10\) failed \(-5\): ABORTED COMMAND",
                          r"^disk: blk0: read LBA 1000: -5$",
                          r"^blk0 \(scsi0:0:1:0\) LBA 2000: WRITE\(10\) failed \(-5\)",
                          r"^disk: blk0: write LBA 2000: -5$",
                          r"^disk: wrote blk0 scsi0:0:1:0 lba 2064 count 1 tag 78$",
                          r"^disk: blk0: errors 2, read LBA 0 after them: 0$", HOLD]))


# --- hot-plug through the monitor --------------------------------------------
def hotplug_host(tar):
    def host(ports, log, qemu):
        port = ports["tcp:80"]
        pos = len(qemu.log())
        qemu.monitor(f"drive_add 0 if=none,id=hp0,file={tar},format=raw")
        qemu.monitor("device_add scsi-hd,drive=hp0,bus=h.0,scsi-id=4,id=hpd")
        if not qemu.wait_log(rf"^ustar: blk1 mounted, {len(SITE)} files$", 60, pos):
            return "the hot-added disk was not mounted as blk1"
        err = check_site(port)
        if err:
            return "after hot-add: " + err
        pos = len(qemu.log())
        qemu.monitor("device_del hpd")
        if not qemu.wait_log(r"^ustar: blk1 unmounted$", 60, pos):
            return "device_del: the archive stayed mounted"
        st, _, _ = curl(port, "index.html")
        return None if st == 404 else f"after device_del: /files/index.html gives {st}, not 404"
    return host


CASES.append(Case("pvscsi-hotplug", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
                  extra=["-device", "pvscsi,id=h"] + scsi_hd(0, 0, blank("hotplug-0.img", 4)),
                  monitor=True, host=hotplug_host(make_tar("hotplug")), host_after=HTTPD_UP,
                  timeout=180, reject=NO_PANIC,
                  expect=[r"-> blk0$", READY, HTTPD_UP,
                          r"^pvscsi: \S+: disk added at target 4 lun 0$",
                          r"^scsi0: 4:0: QEMU QEMU HARDDISK 2\.5\+, \d+ x 512 B -> blk1$",
                          r"^pvscsi: \S+: disk removed at target 4 lun 0$",
                          r"^scsi0: 4:0: blk1 removed$"]))


# --- the shell's blk command ---------------------------------------------------
# `blk` lists the disks, `blk read` dumps the tar's first header (its name
# field "./" and the "ustar" magic at offset 0x101), `blk verify` writes,
# checks and restores a range of the blank disk, and bad arguments are refused.
CASES.append(Case("pvscsi-shell-blk", machine="q35", app="shell", debug_exit=False, exit_code=0, timeout=120,
                  extra=["-device", "pvscsi,id=h"] + scsi_hd(0, 1, blank("shell-0.img", 8)) +
                  scsi_hd(1, 2, TAR),
                  reject=NO_PANIC + [r"FAILED"],
                  interact=[(r"minnow> ", "blk\r"), (r"errors \d+\r?\n[\s\S]*errors \d+\r?\n[\s\S]*?minnow> ",
                                                      "blk read blk1 0\r"),
                            (r"01f0:[^\n]*\n[\s\S]*?minnow> ", "blk verify blk0 100 8\r"),
                            (r"verify LBA 100 count 8: [\s\S]*?minnow> ", "blk verify blk0 16380 8\r"),
                            (r"outside the device[\s\S]*?minnow> ", "blk read blk9 0\r"),
                            (r"usage: [\s\S]*?minnow> ", "poweroff\r")],
                  expect=[r"blk0: pvscsi \"QEMU QEMU HARDDISK 2\.5\+\" 8 MiB \(16384 x 512 B\) at scsi0:0:1:0",
                          r"blk1: pvscsi \"QEMU QEMU HARDDISK 2\.5\+\" \d+ MiB \(\d+ x 512 B\) at scsi0:0:2:0",
                          r"0000: 2e 2f 00 00 ",
                          r"0100: 00 75 73 74 61 72 00 30 30 ",
                          r"blk: blk0: verify LBA 100 count 8: ok \(0\)",
                          r"LBA 16380 count 8 is outside the device",
                          r"usage: blk", r"powering off"]))


# --- a command that does not finish in time -----------------------------------
# QEMU's throttle filter lets 64 bytes a second be read from the disk: a
# 64 KiB READ cannot finish within scsi_timeout_ms=2000, so pvscsi aborts
# it (ABORT_CMD; QEMU answers ABORTQUEUE) and the caller gets -ETIMEDOUT;
# writes (not throttled) still work afterwards, and the kernel goes on.
CASES.append(Case("pvscsi-timeout-abort", machine="q35", timeout=240, reject=NO_PANIC,
                  cmdline="selftest=disk disk_slow=blk0 scsi_timeout_ms=2000",
                  extra=["-device", "pvscsi,id=h", "-object", "throttle-group,id=tg0,x-bps-read=64",
                         "-drive", f"if=none,id=d0,driver=throttle,throttle-group=tg0,file.driver=file,"
                                   f"file.filename={blank('slow.img', 8)}",
                         "-device", "scsi-hd,drive=d0,bus=h.0,scsi-id=0"],
                  expect=[READY, r"^pvscsi: \S+: command 0x28 to target 0 timed out: abort$",
                          r"^disk: blk0: read of 128 sectors: -110 after \d+ ms$",
                          r"^disk: blk0: write after it: 0$", r"^selftest: disk passed$"]))


# --- the adapter itself hot-unplugged ------------------------------------------
# pvscsi behind a PCIe root port; device_del of the adapter (the guest's
# PCIe hot-plug answers the attention button) unregisters its disks, the
# archive on one of them is unmounted, and httpd answers 404 instead of
# the file, without a panic.
def unplug_host(ports, log, qemu):
    port = ports["tcp:80"]
    err = check_site(port)
    if err:
        return "before unplug: " + err
    pos = len(qemu.log())
    qemu.monitor("device_del h")
    if not qemu.wait_log(r"^pvscsi: \S+ removed$", 60, pos):
        return "device_del: pvscsi was not removed"
    st, _, _ = curl(port, "index.html")
    return None if st == 404 else f"after unplug: /files/index.html gives {st}, not 404"


CASES.append(Case("pvscsi-unplug-adapter", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
                  extra=["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
                         "-device", "pcie-root-port,id=rp1,slot=1,chassis=1", "-device", "pvscsi,id=h,bus=rp1"] +
                  scsi_hd(0, 0, blank("unplug-0.img", 4)) + scsi_hd(1, 3, TAR),
                  monitor=True, host=unplug_host, host_after=HTTPD_UP, timeout=180, reject=NO_PANIC,
                  expect=[r"^ustar: blk1 mounted", READY, HTTPD_UP, r"^scsi0: 3:0: blk1 removed$",
                          r"^ustar: blk1 unmounted$", r"^scsi0: 0:0: blk0 removed$",
                          r"^pvscsi: \S+ removed$"]))
