"""QEMU system cases for virtio-vsock (vsock/) through the project's
vhost-user backend (tools/vsock-backend), whose host side is Firecracker's
hybrid vsock: the host connects to a Unix socket and writes
"CONNECT <port>\\n"; a guest connecting to host port P reaches "<uds>_P".

q35 (vhost-user-vsock-pci) and microvm (vhost-user-vsock-device, MMIO v2):
minnow serving echo on a vsock port (a large transfer checked byte for
byte, concurrent connections, a stalled host reader that must stall the
guest without loss, a closed port), minnow as the client (app=vsockcat,
checking the echo of a host server), a refused connection (RST ->
ECONNRESET), and the backend killed in the middle of a transfer (the guest
notices, resets its connections and the device, and keeps running); 100
host connections at once; the backend replaced by a new one while the
guest runs (QEMU listening, the backend connecting: see backend_replaced).

vhost-user needs guest memory QEMU can share: memory-backend-memfd with
share=on. The backend must listen before QEMU starts, so it is started
when QEMU's arguments are built (BackendArgs) and stopped by the host step."""
import atexit
import hashlib
import os
import re
import socket
import subprocess
import tempfile
import threading
import time

from qemu import Case
from cases import READY, NO_PANIC

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BACKEND = os.path.join(ROOT, "build", "tools", "vsock-backend")
MEM = "256M"
ECHO_VSOCK = r"^echo: listening on vsock port 5000$"
_procs = []
atexit.register(lambda: [p.kill() for p in _procs if p.poll() is None])


class Env:
    """One case's backend, its socket paths and any host-side listener."""

    def __init__(self, name, listen_port=None, connect=False):
        self.dir = tempfile.mkdtemp(prefix=f"minnow-{name}-")
        self.vhu = os.path.join(self.dir, "vhu.sock")
        self.uds = os.path.join(self.dir, "v.sock")
        self.listen_port = listen_port
        self.connect = connect          # QEMU listens (server=on), the backend connects
        self.proc = None
        self.starts = 0

    def start(self):
        self.stop()
        self.starts += 1
        self.proc = subprocess.Popen([BACKEND, "--connect" if self.connect else "--socket", self.vhu,
                                      "--uds", self.uds, "--cid", "3"], stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, f"backend{self.starts}.log"), "w"))
        _procs.append(self.proc)
        for _ in range(0 if self.connect else 100):
            if os.path.exists(self.vhu):
                break
            time.sleep(0.02)
        if self.listen_port:
            start_echo_server(f"{self.uds}_{self.listen_port}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self):
        try:
            return open(os.path.join(self.dir, f"backend{self.starts}.log")).read()
        except OSError:
            return ""


class BackendArgs:
    """QEMU's extra arguments; building the command line (iterating them)
    starts the backend."""

    def __init__(self, env, args):
        self.env, self.args = env, args

    def __iter__(self):
        self.env.start()
        return iter(self.args)


def start_echo_server(path):
    """A host echo server on a Unix socket (what a guest reaches at port P)."""
    if os.path.exists(path):
        os.unlink(path)
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(16)

    def serve(c):
        with c:
            while True:
                b = c.recv(65536)
                if not b:
                    return
                c.sendall(b)

    def loop():
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()


def vconnect(env, port, timeout=20):
    """A host connection to guest port `port`: (socket, OK line) or (None, why)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(env.uds)
    s.sendall(b"CONNECT %d\n" % port)
    line = b""
    while not line.endswith(b"\n"):
        b = s.recv(1)
        if not b:
            s.close()
            return None, f"CONNECT {port}: closed without OK ({line!r})"
        line += b
    if not line.startswith(b"OK "):
        return None, f"CONNECT {port}: {line!r}"
    return s, line


def echo_bulk(env, nbytes, chunk=1 << 20):
    """Sends nbytes through the guest's echo while reading them back; checks
    the SHA-256 of what returns. Returns (error or None, MiB/s)."""
    s, why = vconnect(env, 5000)
    if not s:
        return why, 0
    data = os.urandom(chunk)
    want = hashlib.sha256()
    for _ in range(nbytes // chunk):
        want.update(data)
    err = []

    def tx():
        try:
            for _ in range(nbytes // chunk):
                s.sendall(data)
        except OSError as e:
            err.append(f"send: {e}")
    t0 = time.time()
    t = threading.Thread(target=tx, daemon=True)
    t.start()
    got, h = 0, hashlib.sha256()
    try:
        while got < nbytes:
            b = s.recv(1 << 16)
            if not b:
                break
            h.update(b)
            got += len(b)
    except OSError as e:
        err.append(f"recv after {got} bytes: {e}")
    t.join(5)
    dt = time.time() - t0
    s.close()
    if err:
        return err[0], 0
    if got != nbytes or h.digest() != want.digest():
        return f"echoed {got} of {nbytes} bytes, digest {'ok' if h.digest() == want.digest() else 'WRONG'}", 0
    return None, nbytes / dt / 2**20


def concurrent(env, n=16, size=256 << 10):
    errs = []

    def one(i):
        e, _ = echo_bulk(env, size, chunk=size)
        if e:
            errs.append(f"connection {i}: {e}")
    ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    return errs[0] if errs else None


def stalled_reader(env, size=4 << 20):
    """Writes size bytes without reading: the writer must stall (credit
    exhausted all along the path) long before all are written; then
    everything must come back, in order."""
    s, why = vconnect(env, 5000)
    if not s:
        return why
    data = bytes(i % 253 for i in range(size))
    sent = [0]

    def tx():
        try:
            for off in range(0, size, 4096):
                s.sendall(data[off:off + 4096])
                sent[0] = off + 4096
        except OSError:
            pass
    t = threading.Thread(target=tx, daemon=True)
    t.start()
    time.sleep(3)
    stalled_at = sent[0]
    if stalled_at >= size:
        return f"the writer was never stalled ({stalled_at} bytes went out without a reader)"
    got = bytearray()
    while len(got) < size:
        b = s.recv(1 << 16)
        if not b:
            break
        got += b
    t.join(10)
    s.close()
    if bytes(got) != data:
        return f"after the stall {len(got)} of {size} bytes came back{' (content differs)' if len(got) == size else ''}"
    return None


def closed_port(env):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(env.uds)
    s.sendall(b"CONNECT 5999\n")
    try:
        b = s.recv(100)
    except socket.timeout:
        return "CONNECT to a closed port: no answer in 10 s"
    return None if b == b"" else f"CONNECT to a closed port answered {b!r}"


def checks(env, steps):
    def host(ports, log, *ctl):
        try:
            for name, fn in steps:
                t0 = time.time()
                try:
                    takes_ctl = "ctl" in fn.__code__.co_varnames[:fn.__code__.co_argcount]
                    err = fn(env, *ctl) if takes_ctl else fn(env)
                except OSError as e:
                    err = f"{type(e).__name__}: {e}"
                print(f"    {name}: {'ok' if not err else err} ({time.time() - t0:.1f} s)")
                if err:
                    return f"{name}: {err}\n{env.log()[-2000:]}"
            return None
        finally:
            env.stop()
    return host


def system_reset(ctl, up_rx, timeout):
    """A machine reset from the monitor: the match once up_rx shows again
    (bounded by timeout seconds), or None."""
    pos = len(ctl.log())
    ctl.monitor("system_reset")
    return ctl.wait_log(up_rx, timeout, pos)


def bulk(nbytes):
    def f(env):
        err, rate = echo_bulk(env, nbytes)
        if not err:
            print(f"    {nbytes >> 20} MiB echoed at {rate:.1f} MiB/s")
        return err
    return f


DEVICE_GONE = r"^vsock: .+ took no packet for \d+ ms: (\d+) connections reset, device reset$"


def backend_killed(env, ctl):
    """The backend dies in the middle of a transfer: the guest must notice
    (its driver finds the device taking no packet, resets the connection,
    whose reader gets ECONNRESET, and resets the device) and go on (its log
    gains no panic and QEMU answers the monitor)."""
    s, why = vconnect(env, 5000)
    if not s:
        return why
    pos = len(ctl.log())
    s.sendall(os.urandom(32 << 10))
    s.recv(4096)                        # data flows; more is on its way
    env.stop()
    if not ctl.wait_log(DEVICE_GONE, 30, pos):
        return "the guest did not notice the backend was gone"
    m = re.search(DEVICE_GONE, ctl.log()[pos:], re.M)
    if int(m.group(1)) != 1:
        return f"{m.group(1)} connections reset, 1 was open"
    if not ctl.wait_log(r"^echo: (receive failed \(errno 104\)|send failed \(errno 32\)), closing$", 10, pos):
        return "the echo connection did not fail with ECONNRESET"
    st = ctl.monitor("info status")
    if "running" not in st:
        return f"after the backend died QEMU says {st!r}"
    if re.search(r"PANIC", ctl.log()):
        return "the guest panicked"
    return None


def malformed_vhost_user(env):
    """A second backend, driven as a vhost-user front end by this test:
    well-formed GET_FEATURES is answered; each malformed message gets its
    log line and the front end is dropped; the next front end is served."""
    import struct
    d = tempfile.mkdtemp(prefix="minnow-vu-")
    path, logp = os.path.join(d, "vhu.sock"), os.path.join(d, "be.log")
    p = subprocess.Popen([BACKEND, "--socket", path, "--uds", os.path.join(d, "v.sock")],
                         stdout=subprocess.DEVNULL, stderr=open(logp, "w"))
    _procs.append(p)
    try:
        for _ in range(100):
            if os.path.exists(path):
                break
            time.sleep(0.02)

        def front():
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(5)
            s.connect(path)
            return s
        s = front()
        s.sendall(struct.pack("<III", 1, 1, 0))                 # GET_FEATURES
        rep = s.recv(64)
        if len(rep) != 20 or struct.unpack("<IIIQ", rep)[3] != 0x140000000:
            return f"GET_FEATURES answered {rep!r}"
        bad = [(struct.pack("<III", 9, 1, 48) + bytes(48), r"malformed vhost-user message 9 \(size 48\)"),
               (struct.pack("<III", 8, 1, 8) + struct.pack("<II", 0, 1000), r"not a power of two"),
               (struct.pack("<III", 5, 1, 40) + struct.pack("<II", 1, 0) + bytes(32), r"region count, size and fds"),
               (struct.pack("<III", 1, 2, 0), r"bad version"),
               (struct.pack("<III", 8, 1, 8) + struct.pack("<II", 7, 256), r"bad ring state or index")]
        for msg, line in bad:
            if s is None:
                s = front()
            s.sendall(msg)
            if s.recv(64) != b"":
                return f"front end not dropped after {msg[:12].hex()}"
            s.close()
            s = None
            time.sleep(0.1)
            if not re.search(line, open(logp).read()):
                return f"no /{line}/ in the backend's log:\n{open(logp).read()}"
        s = front()
        s.sendall(struct.pack("<III", 15, 1, 0))                # GET_PROTOCOL_FEATURES
        rep = s.recv(64)
        s.close()
        if len(rep) != 20 or not struct.unpack("<IIIQ", rep)[3] & (1 << 9):
            return f"after the malformed ones, GET_PROTOCOL_FEATURES answered {rep!r}"
        if p.poll() is not None:
            return "the backend died"
        return None
    finally:
        p.kill()
        p.wait()


def vu_args(env, dev="vhost-user-vsock-pci", extra=(), chardev=""):
    """QEMU's arguments for a vhost-user-vsock device on env's backend, in
    shareable guest memory, with no NIC (chardev: options after the path)."""
    return BackendArgs(env, list(extra) + ["-object", f"memory-backend-memfd,id=mem,size={MEM},share=on",
                                           "-chardev", f"socket,id=vu,path={env.vhu}{chardev}",
                                           "-device", f"{dev},chardev=vu", "-nic", "none"])


SETUPS = [
    ("q35", "q35", "vhost-user-vsock-pci", "kernel", [], r"^vsock: 00:\S+ cid 3, msi-x$"),
    ("microvm", "microvm,acpi=off", "vhost-user-vsock-device", "pvh",
     ["-global", "virtio-mmio.force-legacy=false"], r"^vsock: mmio 0x\S+ cid 3, "),
    ("microvm-acpi", "microvm", "vhost-user-vsock-device", "pvh",
     ["-global", "virtio-mmio.force-legacy=false"], r"^vsock: mmio 0x\S+ cid 3, "),
    ("microvm-legacy", "microvm,acpi=off", "vhost-user-vsock-device", "pvh", [],
     r"^vsock: mmio 0x\S+ cid 3, .* legacy$"),
]

CASES = []
for setup, machine, dev, boot, extra, probe in SETUPS:
    common = dict(machine=f"{machine},memory-backend=mem", memory=MEM, boot=boot, reject=NO_PANIC)
    env = Env(f"vsock-echo-{setup}")
    CASES.append(Case(f"vsock-echo-{setup}", app="echo", cmdline="vsock=5000", extra=vu_args(env, dev, extra),
                      host=checks(env, [("64 MiB", bulk(64 << 20)), ("16 concurrent", concurrent),
                                        ("stalled reader", stalled_reader),
                                        ("closed port", closed_port)]),
                      host_after=ECHO_VSOCK, timeout=300, expect=[probe, READY, ECHO_VSOCK], **common))
    env = Env(f"vsock-client-{setup}", listen_port=6000)
    CASES.append(Case(f"vsock-client-{setup}", app="vsockcat", cmdline="vsock=6000 vsock_bytes=16M",
                      extra=vu_args(env, dev, extra), host=checks(env, []), host_after=r"^vsockcat: ", timeout=240,
                      expect=[probe, READY, r"^vsockcat: 2:6000 sent 16777216, echoed 16777216, ok in \d+ ms$"],
                      **common))

env = Env("vsock-refused-q35")
CASES.append(Case("vsock-refused-q35", app="vsockcat", cmdline="vsock=6001", machine="q35,memory-backend=mem",
                  memory=MEM, reject=NO_PANIC,
                  extra=vu_args(env),
                  host=checks(env, [("malformed vhost-user", malformed_vhost_user)]),
                  host_after=r"^vsockcat: ", timeout=120,
                  expect=[READY, r"^vsockcat: connect to 2:6001: errno 104$"]))
env = Env("vsock-backend-killed-q35")
CASES.append(Case("vsock-backend-killed-q35", app="echo", cmdline="vsock=5000", machine="q35,memory-backend=mem",
                  memory=MEM, reject=NO_PANIC, monitor=True,
                  extra=vu_args(env),
                  host=checks(env, [("backend killed", backend_killed)]), host_after=ECHO_VSOCK,
                  timeout=120, expect=[READY, ECHO_VSOCK]))

# The same host-side checks against Debian 12's Linux (its own virtio-vsock
# driver, socat VSOCK-LISTEN:5000,fork EXEC:cat as the echo server), so the
# backend is not only minnow agreeing with minnow. The guest is assembled
# by tools/vsock-backend/linux-guest.sh (make vsock-linux); QEMU keeps the
# last -kernel/-append, so the Linux ones given in `extra` replace minnow's.
LINUX = os.path.join(ROOT, "build", "vsock-linux")
LINUX_UP = r"^linux: socat listening$"
# On microvm (ACPI on: Linux finds MMIO devices only in the DSDT) Debian's
# kernel cannot calibrate the TSC under TCG (no PIT/HPET reference) and
# stops: it is given the rate and a delay-loop value instead.
LINUX_SETUPS = [
    ("q35", "q35", "vhost-user-vsock-pci", [], ""),
    ("microvm", "microvm", "vhost-user-vsock-device", ["-global", "virtio-mmio.force-legacy=false"],
     " tsc_early_khz=2600000 lpj=5000000 no_timer_check"),
]
# `make test` builds the guest first (make vsock-linux); without it these
# cases fail (QEMU cannot load the kernel), they are never left out.
for setup, machine, dev, extra, more in LINUX_SETUPS:
    env = Env(f"vsock-linux-{setup}", listen_port=6000)
    CASES.append(Case(
        f"vsock-linux-{setup}", machine=f"{machine},memory-backend=mem", memory=MEM,
        debug_exit=False, reject=NO_PANIC, timeout=300, host_after=LINUX_UP,
        extra=BackendArgs(env, extra + [
            "-cpu", "max", "-object", f"memory-backend-memfd,id=mem,size={MEM},share=on",
            "-chardev", f"socket,id=vu,path={env.vhu}", "-device", f"{dev},chardev=vu",
            "-nic", "none", "-kernel", os.path.join(LINUX, "vmlinuz"),
            "-initrd", os.path.join(LINUX, "initrd.img"),
            "-append", "console=ttyS0 quiet vsock_client=6000" + more]),
        host=checks(env, [("32 MiB", bulk(32 << 20)), ("16 concurrent", concurrent),
                          ("stalled reader", stalled_reader), ("closed port", closed_port)]),
        expect=[r"^linux: vsock up$", r"^linux: client got hello from linux$", LINUX_UP]))


def linux_backend_replaced(env, ctl):
    """The backend's --connect mode against Linux's own driver: QEMU
    listens, the backend is killed and a new one connects, and after a
    system_reset (Linux, unlike minnow, does not reset a device that went
    quiet) Linux's driver starts the device on the new backend, which must
    carry the echo exactly."""
    err, _ = echo_bulk(env, 1 << 20)
    if err:
        return f"before: {err}"
    env.stop()
    time.sleep(1)
    env.start()
    for _ in range(100):
        if "front end connected" in env.log():
            break
        time.sleep(0.1)
    else:
        return "the new backend did not connect to QEMU"
    if not system_reset(ctl, LINUX_UP, 200):
        return "Linux did not come back after system_reset"
    err, rate = echo_bulk(env, 4 << 20)
    if err:
        return f"through the new backend: {err}"
    print(f"    Linux through the new backend: 4 MiB echoed at {rate:.1f} MiB/s")
    return None


env = Env("vsock-linux-backend-replaced-q35", listen_port=6000, connect=True)
CASES.append(Case(
    "vsock-linux-backend-replaced-q35", machine="q35,memory-backend=mem", memory=MEM, monitor=True,
    debug_exit=False, reject=NO_PANIC, timeout=420, host_after=LINUX_UP,
    extra=BackendArgs(env, [
        "-action", "reboot=reset",
        "-cpu", "max", "-object", f"memory-backend-memfd,id=mem,size={MEM},share=on",
        "-chardev", f"socket,id=vu,path={env.vhu},server=on,wait=on",
        "-device", "vhost-user-vsock-pci,chardev=vu",
        "-nic", "none", "-kernel", os.path.join(LINUX, "vmlinuz"),
        "-initrd", os.path.join(LINUX, "initrd.img"),
        "-append", "console=ttyS0 quiet vsock_client=6000"]),
    host=checks(env, [("backend replaced", linux_backend_replaced)]),
    expect=[r"^linux: vsock up$", LINUX_UP]))


def http_over_vsock(env):
    """GET / and GET /bytes/1048576 from app=httpd over vsock."""
    for path, want in (("/", b"minnow"), ("/bytes/1048576", None)):
        s, why = vconnect(env, 8080)
        if not s:
            return why
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: vsock\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            return f"GET {path}: {head[:80]!r}"
        if want and want not in body:
            return f"GET {path}: no {want!r} in the page"
        if not want and (len(body) != 1 << 20 or body != bytes(i % 256 for i in range(1 << 20))):
            return f"GET {path}: {len(body)} bytes, or not the pattern"
    return None


env = Env("vsock-httpd-q35")
CASES.append(Case("vsock-httpd-q35", app="httpd", cmdline="vsock=8080", machine="q35,memory-backend=mem",
                  memory=MEM, reject=NO_PANIC,
                  extra=vu_args(env),
                  host=checks(env, [("http", http_over_vsock)]),
                  host_after=r"^httpd: listening on vsock port 8080$", timeout=120,
                  expect=[READY, r"^httpd: listening on vsock port 8080$"]))


def guest_reset(env, ctl):
    """Echo, then a guest reset from the monitor (QEMU stops the device:
    the backend closes its connections), then echo again on the rebooted
    guest through the same backend."""
    err, _ = echo_bulk(env, 1 << 20)
    if err:
        return f"before the reset: {err}"
    if not system_reset(ctl, ECHO_VSOCK, 60):
        return "the guest did not come back after system_reset"
    err, _ = echo_bulk(env, 1 << 20)
    if err:
        return f"after the reset: {err}"
    return None


env = Env("vsock-reset-q35")
CASES.append(Case("vsock-reset-q35", app="echo", cmdline="vsock=5000", machine="q35,memory-backend=mem",
                  memory=MEM, reject=NO_PANIC, monitor=True,
                  extra=vu_args(env, extra=["-action", "reboot=reset"]),
                  host=checks(env, [("guest reset", guest_reset)]), host_after=ECHO_VSOCK,
                  timeout=150, expect=[READY, ECHO_VSOCK]))


def hundred(env, n=100, size=64 << 10):
    """n host clients connect at once (a barrier releases every CONNECT
    together), each sends its own seeded 64 KiB and checks the echo."""
    import random
    go = threading.Barrier(n)
    errs, ok = [], []

    def one(i):
        data = random.Random(i).randbytes(size)
        try:
            go.wait(30)
        except threading.BrokenBarrierError:
            pass
        try:
            s, why = vconnect(env, 5000, timeout=60)
            if not s:
                errs.append(f"connection {i}: {why}")
                return
            with s:
                t = threading.Thread(target=s.sendall, args=(data,), daemon=True)
                t.start()
                got = bytearray()
                while len(got) < size:
                    b = s.recv(1 << 16)
                    if not b:
                        break
                    got += b
                t.join(10)
            if bytes(got) != data:
                errs.append(f"connection {i}: {len(got)} of {size} bytes came back"
                            f"{' (content differs)' if len(got) == size else ''}")
            else:
                ok.append(i)
        except OSError as e:
            errs.append(f"connection {i}: {type(e).__name__}: {e}")
    ts = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(180)
    print(f"    {len(ok)} of {n} connections echoed {size} bytes exactly")
    if len(ok) != n:
        return f"{n - len(ok)} failed, first: {sorted(errs)[0] if errs else 'a client never finished'}"
    return None


def backend_replaced(env, ctl):
    """The backend dies in the middle of two transfers and a new one takes
    its place. QEMU 7.2's vhost-user-vsock cannot reconnect a client
    chardev (reconnect=N fails at realize: "Failed to set msg fds"; the
    device has no chardev event handler, vhost-user-blk has one), so QEMU
    listens here (server=on) and the backend connects (--connect): QEMU
    takes the next backend that connects and hands it the rings the next
    time the guest starts the device. The guest must notice the dead
    device on its own (both connections reset, their readers get
    ECONNRESET), reset the device until a backend answers, and then serve
    again with exact bytes -- no system_reset."""
    socks = []
    pos = len(ctl.log())
    for _ in range(2):
        s, why = vconnect(env, 5000)
        if not s:
            return why
        s.sendall(os.urandom(32 << 10))
        s.recv(4096)                    # data flows; more is on its way
        socks.append(s)
    env.stop()
    if not ctl.wait_log(DEVICE_GONE, 30, pos):
        return "the guest did not notice the backend was gone"
    m = re.search(DEVICE_GONE, ctl.log()[pos:], re.M)
    if int(m.group(1)) != 2:
        return f"{m.group(1)} connections reset, 2 were open"
    for s in socks:
        s.close()
    time.sleep(3)                       # a reset of the device with no backend at all
    if "running" not in ctl.monitor("info status"):
        return "QEMU stopped after the backend died"
    env.start()                         # connects to QEMU's socket
    if not ctl.wait_log(r"^vsock: .+ takes packets again \(\d+ resets\)$", 60, pos):
        return f"the guest did not take up the new backend\n{env.log()[-1500:]}"
    err, rate = echo_bulk(env, 4 << 20)
    if err:
        return f"through the new backend: {err}"
    print(f"    the new backend serves: 4 MiB echoed at {rate:.1f} MiB/s")
    if re.search(r"PANIC", ctl.log()):
        return "the guest panicked"
    return None


for setup, machine, dev, boot, extra, probe in SETUPS[:2]:
    env = Env(f"vsock-100-{setup}")
    CASES.append(Case(f"vsock-100-{setup}", app="echo", cmdline="vsock=5000", boot=boot,
                      machine=f"{machine},memory-backend=mem", memory=MEM, reject=NO_PANIC,
                      extra=vu_args(env, dev, extra), host=checks(env, [("100 concurrent", hundred)]),
                      host_after=ECHO_VSOCK, timeout=300, expect=[probe, READY, ECHO_VSOCK]))
for setup, machine, dev, boot, extra, probe in SETUPS[:2]:
    env = Env(f"vsock-backend-replaced-{setup}", connect=True)
    CASES.append(Case(f"vsock-backend-replaced-{setup}", app="echo", cmdline="vsock=5000", boot=boot,
                      machine=f"{machine},memory-backend=mem", memory=MEM, reject=NO_PANIC, monitor=True,
                      extra=vu_args(env, dev, extra, chardev=",server=on,wait=on"),
                      host=checks(env, [("backend replaced", backend_replaced)]), host_after=ECHO_VSOCK,
                      timeout=240, expect=[probe, READY, ECHO_VSOCK]))
