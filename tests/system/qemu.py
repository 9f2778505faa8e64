"""Boots one system-test case in QEMU (TCG) and checks it from outside.

A case names a machine, how to boot (the multiboot ELF with -kernel, the
PVH ELF, or the ISO under SeaBIOS or OVMF), the kernel command line, the
regular expressions the serial log must match (in order), ones it must not
match, and QEMU's exit status: 33 = the kernel wrote success to
isa-debug-exit, 35 = failure or panic, 1 = QEMU's own error.
Every run is bounded by the case's timeout.

A case with a `host` step also gets a NIC (`nic`, a QEMU device model) on
QEMU's user network, with each guest port in `hostfwd` ("tcp:80", "udp:7")
forwarded from a free port on 127.0.0.1 (and only there). Once `host_after`
matches the serial log, host(ports, log_so_far) runs on the host (ports maps
"tcp:80" to the host port) and returns an error string or None; QEMU is then
killed, and the case's result is the host step's (exit_code is not checked).

`nic_opts` adds properties to the NIC's -device (an id, a bus), and
`nic_pre` QEMU arguments that must come before it (the bus: a
pcie-root-port for hot-plug cases).

A host-step case with `monitor` set also gets the QEMU monitor on a unix
socket, and its host step is called as host(ports, log_so_far, qemu): qemu
is a QemuControl, which sends monitor commands ("set_link n0 off") and
reads the serial log as it grows.

A case with `tap` set gets its NIC on a TAP device instead, with nothing of
QEMU's user network in between: the harness creates a network namespace of
its own (a unique name, always deleted afterwards), a TAP device in it with
the host address TAP_HOST/24, and starts QEMU inside the namespace. The
guest is TAP_GUEST (give it `ip=` and `gw=` on the command line). The host
step is called as host(tap, log_so_far, qemu), and runs its clients and
servers in the namespace through tap.cmd([...]). This needs root (network
namespaces, TAP devices): without it the case fails and says so.
"""
import itertools
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"
EXIT_PORT = "0xf4"
TAP_HOST = "10.77.0.1"          # the namespace's side of the TAP link
TAP_GUEST = "10.77.0.2"         # the guest (ip=10.77.0.2/24 gw=10.77.0.1)
TAP_DEV = "mtap0"


@dataclass
class Case:
    name: str
    boot: str = "kernel"         # kernel | pvh | iso-bios | iso-uefi
    machine: str = "pc"
    cmdline: str = ""
    expect: list = field(default_factory=list)      # regexes, in order
    reject: list = field(default_factory=list)      # regexes that must not match
    exit_code: int = 33
    memory: str = "128M"
    timeout: int = 60
    extra: list = field(default_factory=list)       # more QEMU arguments
    debug_exit: bool = True      # attach isa-debug-exit and pass qemu_exit=
    app: str = "none"            # app= for the kernel (the shell needs input)
    interact: list = field(default_factory=list)    # (regex to wait for, text to type)
    # Text "keys:a b ret" is typed on the PS/2 keyboard (QEMU monitor sendkey)
    # instead of the serial line.
    nic: str = ""                # QEMU NIC model on -netdev user (with hostfwd)
    nic_opts: str = ""           # more properties of the NIC's -device: ",id=nic1,bus=rp1"
    nic_pre: list = field(default_factory=list)     # QEMU arguments the NIC needs first (its bus)
    nic_at_boot: bool = True     # False: only the backend; the host step device_adds the NIC
    hostfwd: list = field(default_factory=list)     # guest ports: "tcp:80", "udp:7"
    host: object = None          # host(ports, log_so_far) -> error string or None
    host_after: str = r"^minnow: ready"             # run host once this matches
    monitor: bool = False        # host step gets a QemuControl (monitor commands, live log)
    tap: bool = False            # NIC on a TAP device in a network namespace of its own
    # Which kernel: "shipped" (build/minnow*.elf, no self-tests) or "test"
    # (build/minnow-test*.elf); by default the test kernel exactly when the
    # command line asks for a self-test.
    image: str = ""

    def kernel_image(self):
        return self.image or ("test" if "selftest=" in self.cmdline else "shipped")


_tap_ids = itertools.count()
_tap_lock = threading.Lock()


class TapNet:
    """A network namespace holding one TAP device for one case.

    setup() returns an error string (None when all is well); cleanup() is
    idempotent and deletes the namespace, which takes the TAP device with
    it. Every command is bounded in time."""

    def __init__(self):
        with _tap_lock:
            n = next(_tap_ids)
        self.ns = f"minnow-test-{os.getpid()}-{n}"
        self.dev, self.host, self.guest = TAP_DEV, TAP_HOST, TAP_GUEST
        self.created = False

    def cmd(self, args):
        """args, to be run inside the namespace."""
        return ["ip", "netns", "exec", self.ns] + list(args)

    def _ip(self, args):
        p = subprocess.run(["ip"] + args, capture_output=True, text=True, timeout=20)
        return None if p.returncode == 0 else f"ip {' '.join(args)}: {p.stderr.strip() or p.returncode}"

    def setup(self):
        if os.geteuid() != 0:
            return ("this case needs root: it creates a network namespace and a TAP device "
                    "(ip netns add, ip tuntap add); run the tests as root")
        if not shutil.which("ip"):
            return "ip not found: install Debian's iproute2 package"
        err = self._ip(["netns", "add", self.ns])
        if err:
            return err
        self.created = True
        for args in (["tuntap", "add", "dev", self.dev, "mode", "tap"],
                     ["addr", "add", f"{self.host}/24", "dev", self.dev],
                     ["link", "set", "lo", "up"], ["link", "set", self.dev, "up"]):
            err = self._ip(["-n", self.ns] + args)
            if err:
                return err
        return None

    def cleanup(self):
        if self.created:
            self._ip(["netns", "del", self.ns])
            self.created = False


def monitor_path(c, logdir):
    return os.path.join(logdir, c.name + ".mon")


def send_keys(c, logdir, keys):
    """Types on the guest's keyboard through the QEMU monitor."""
    import socket
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(monitor_path(c, logdir))
    for k in keys.split():
        s.sendall(f"sendkey {k}\n".encode())
        time.sleep(0.05)
    time.sleep(0.2)
    s.close()


class QemuControl:
    """The running QEMU, for a host step: its monitor (HMP on a unix socket)
    and its serial log."""

    def __init__(self, monitor, log_path):
        self.monitor_path = monitor
        self.log_path = log_path

    def monitor(self, command, timeout=10):
        """Runs one HMP command; returns its output (the text before the next
        prompt)."""
        import socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(self.monitor_path)
            out = b""
            while not out.endswith(b"(qemu) "):      # the banner, then a prompt
                b = s.recv(4096)
                if not b:
                    raise OSError("monitor closed the connection")
                out += b
            s.sendall(command.encode() + b"\n")
            out = b""
            while out.count(b"(qemu) ") < 1:
                b = s.recv(4096)
                if not b:
                    break
                out += b
            return out.decode(errors="replace").rpartition("(qemu) ")[0]
        finally:
            s.close()

    def log(self):
        """The serial log so far."""
        try:
            return open(self.log_path, errors="replace").read()
        except FileNotFoundError:
            return ""

    def wait_log(self, rx, timeout, pos=0):
        """Waits (bounded) for regex rx in the serial log from offset pos:
        the match, or None after timeout seconds."""
        r = re.compile(rx, re.M)
        deadline = time.time() + timeout
        while True:
            m = r.search(self.log(), pos)
            if m or time.time() > deadline:
                return m
            time.sleep(0.05)


def free_port(proto):
    """A port on 127.0.0.1 that nothing uses right now (the kernel picks it)."""
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def host_ports(c):
    """{"tcp:80": host port, ...} for the case's forwards."""
    return {fwd: free_port(fwd.split(":")[0]) for fwd in c.hostfwd}


def nic_args(c, ports):
    if c.tap:
        return ["-nic", "none", "-netdev", f"tap,id=n0,ifname={TAP_DEV},script=no,downscript=no"] + \
            c.nic_pre + ["-device", f"{c.nic},netdev=n0{c.nic_opts}"]
    fwds = "".join(f",hostfwd={fwd.split(':')[0]}:127.0.0.1:{port}-:{fwd.split(':')[1]}"
                   for fwd, port in ports.items())
    dev = ["-device", f"{c.nic},netdev=n0{c.nic_opts}"] if c.nic_at_boot else []
    return ["-nic", "none", "-netdev", f"user,id=n0{fwds}"] + c.nic_pre + dev


def qemu_args(c, root, logdir, ports=None, tap=None):
    b = os.path.join(root, "build")
    serial = "stdio" if c.interact else f"file:{os.path.join(logdir, c.name + '.log')}"
    monitor = f"unix:{monitor_path(c, logdir)},server=on,wait=off" if c.interact or c.monitor else "none"
    args = ["qemu-system-x86_64", "-accel", "tcg", "-M", c.machine, "-m", c.memory,
            "-display", "none", "-monitor", monitor, "-no-reboot", "-serial", serial]
    cmdline = f"app={c.app} {c.cmdline}".strip()
    if c.debug_exit:
        args += ["-device", f"isa-debug-exit,iobase={EXIT_PORT},iosize=4"]
        cmdline = f"qemu_exit={EXIT_PORT} {cmdline}"
    stem = "minnow-test" if c.kernel_image() == "test" else "minnow"
    if c.boot == "kernel":
        args += ["-kernel", os.path.join(b, stem + ".elf"), "-append", cmdline]
    elif c.boot == "pvh":
        args += ["-kernel", os.path.join(b, stem + "-pvh.elf"), "-append", cmdline]
    elif c.boot in ("iso-bios", "iso-uefi"):
        # The ISO's grub.cfg is the users'; tests add options through fw_cfg.
        args += ["-cdrom", os.path.join(b, stem + ".iso"),
                 "-fw_cfg", f"name=opt/minnow/cmdline,string={cmdline}"]
        if c.boot == "iso-uefi":
            vars_copy = os.path.join(logdir, c.name + ".vars.fd")
            shutil.copyfile(OVMF_VARS, vars_copy)
            args += ["-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                     "-drive", f"if=pflash,format=raw,file={vars_copy}"]
    else:
        raise ValueError(f"unknown boot method {c.boot}")
    if c.nic:
        args += nic_args(c, ports or {})
    args += c.extra
    return tap.cmd(args) if tap else args


def check_log(c, log):
    pos = 0
    for rx in c.expect:
        m = re.compile(rx, re.M).search(log, pos)
        if not m:
            return f"expected /{rx}/ in the serial log (after offset {pos})"
        pos = m.end()
    for rx in c.reject:
        m = re.search(rx, log, re.M)
        if m:
            return f"unexpected /{rx}/ in the serial log: {m.group(0)!r}"
    return None


def run_interactive(c, args, log_path, logdir):
    """Serial on stdin/stdout: wait for each regex, then type its text."""
    import threading
    p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    buf = bytearray()
    lock = threading.Lock()

    def reader():
        while True:
            b = p.stdout.read1(4096) if hasattr(p.stdout, "read1") else p.stdout.read(1)
            if not b:
                return
            with lock:
                buf.extend(b)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    deadline = time.time() + c.timeout
    err, pos = None, 0
    for rx, text in c.interact:
        while True:
            with lock:
                m = re.compile(rx, re.M).search(buf.decode(errors="replace"), pos)
            if m:
                pos = m.end()
                break
            if time.time() > deadline or p.poll() is not None:
                err = f"interaction: never saw /{rx}/"
                break
            time.sleep(0.05)
        if err:
            break
        if text.startswith("keys:"):
            send_keys(c, logdir, text[5:])
            continue
        for ch in text:                     # typed, not pasted: one byte at a time
            p.stdin.write(ch.encode())
            p.stdin.flush()
            time.sleep(0.01)
    try:
        status = p.wait(timeout=max(1, deadline - time.time()))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        status = None
    t.join(timeout=5)
    with open(log_path, "wb") as f:
        f.write(bytes(buf))
    return status, err


def run_batch(c, args, logdir):
    """Serial to a file, no input: run until QEMU exits or the timeout."""
    with open(os.path.join(logdir, c.name + ".qemu"), "w") as qlog:
        qlog.write(" ".join(args) + "\n")
        try:
            return subprocess.run(args, stdout=qlog, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  timeout=c.timeout).returncode
        except subprocess.TimeoutExpired:
            return None


def run_host_step(c, args, log_path, logdir, ports):
    """Serial to a file: wait for host_after, run the host step, kill QEMU.
    Returns (QEMU's status or "retry" when a forward could not be set up,
    error or None)."""
    import threading
    qpath = os.path.join(logdir, c.name + ".qemu")
    if os.path.exists(log_path):
        os.remove(log_path)              # a previous attempt's
    deadline = time.time() + c.timeout
    with open(qpath, "w") as qlog:
        qlog.write(" ".join(args) + "\n")
        qlog.flush()
        p = subprocess.Popen(args, stdout=qlog, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            rx = re.compile(c.host_after, re.M)
            log = ""
            while not rx.search(log):
                if p.poll() is not None:
                    if "host forwarding rule" in open(qpath, errors="replace").read():
                        return "retry", None
                    return p.returncode, f"QEMU exited ({p.returncode}) before /{c.host_after}/"
                if time.time() > deadline:
                    return None, f"never saw /{c.host_after}/ in {c.timeout} s"
                time.sleep(0.1)
                log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
            result = {}

            def step():
                try:
                    if c.tap:
                        result["err"] = c.host(ports, log, QemuControl(monitor_path(c, logdir), log_path))
                    elif c.monitor:
                        result["err"] = c.host(ports, log, QemuControl(monitor_path(c, logdir), log_path))
                    else:
                        result["err"] = c.host(ports, log)
                except Exception as e:     # a failed check, not a crash of the runner
                    result["err"] = f"host step raised {type(e).__name__}: {e}"
            t = threading.Thread(target=step, daemon=True)
            t.start()
            t.join(timeout=max(1, deadline - time.time()))
            if t.is_alive():
                return None, f"host step still running after {c.timeout} s"
            return 0, result.get("err")
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()


def run_case(c, root, logdir):
    if getattr(c, "runner", None):      # a case that is not a QEMU boot (cases_netvsc.py)
        return c.runner(c, root, logdir)
    log_path = os.path.join(logdir, c.name + ".log")
    if os.path.exists(log_path):
        os.remove(log_path)
    start = time.time()
    if c.tap:
        tap = TapNet()
        try:
            err = tap.setup()
            if err:
                return f"TAP network: {err}", time.time() - start
            status, err = run_host_step(c, qemu_args(c, root, logdir, tap=tap), log_path, logdir, tap)
        finally:
            tap.cleanup()
        log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
        return err or check_log(c, log), time.time() - start
    if c.host:
        for _ in range(3):               # a free port can be taken before QEMU binds it
            ports = host_ports(c)
            status, err = run_host_step(c, qemu_args(c, root, logdir, ports), log_path, logdir, ports)
            if status != "retry":
                break
        if status == "retry":
            err = "QEMU could not set up a host forward three times (ports taken)"
        log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
        err = err or check_log(c, log)
        return err, time.time() - start
    args = qemu_args(c, root, logdir)
    if c.interact:
        status, err = run_interactive(c, args, log_path, logdir)
        if err:
            return err, time.time() - start
    else:
        status = run_batch(c, args, logdir)
    secs = time.time() - start
    log = open(log_path, errors="replace").read() if os.path.exists(log_path) else ""
    if status is None:
        return f"QEMU still running after {c.timeout} s", secs
    err = check_log(c, log)
    if err:
        return err, secs
    if status != c.exit_code:
        return f"QEMU exit status {status}, expected {c.exit_code}", secs
    return None, secs
