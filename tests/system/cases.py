"""QEMU system test cases (see qemu.py for what a Case is).

Every case boots the real image under TCG and asserts on the serial log and
QEMU's exit status. READY is the machine-readable line every boot ends with.
"""
from qemu import Case

READY = r"^minnow: ready in \d+ us$"
NO_PANIC = [r"PANIC"]

CASES = [
    # --- every loader minnow supports -------------------------------------
    Case("boot-multiboot1-pc", boot="kernel", machine="pc",
         expect=[r"^boot: multiboot1", r"^mem: \d+ MiB usable", r"consoles: serial vga", READY],
         reject=NO_PANIC),
    Case("boot-multiboot1-q35", boot="kernel", machine="q35",
         expect=[r"^boot: multiboot1", READY], reject=NO_PANIC),
    Case("boot-iso-seabios-pc", boot="iso-bios", machine="pc", timeout=120,
         expect=[r"^boot: multiboot2 \(GRUB", r"consoles: serial vga", READY], reject=NO_PANIC),
    Case("boot-iso-ovmf-q35", boot="iso-uefi", machine="q35", timeout=240,
         expect=[r"^boot: multiboot2 \(GRUB", r"^console: framebuffer \d+x\d+x\d+ at 0x",
                 r"consoles: serial fb", READY],
         reject=NO_PANIC + [r"consoles: .*vga"]),
    Case("boot-multiboot1-microvm", boot="kernel", machine="microvm",
         expect=[r"^boot: multiboot1", r"^consoles: serial$", READY], reject=NO_PANIC),
    Case("boot-pvh-microvm", boot="pvh", machine="microvm",
         expect=[r"^boot: pvh", READY], reject=NO_PANIC),
    Case("boot-pvh-q35", boot="pvh", machine="q35",
         expect=[r"^boot: pvh", READY], reject=NO_PANIC),

    # --- memory sizes: tiny guests and RAM above 4 GiB ----------------------
    Case("mem-8m", memory="8M", expect=[r"^mem: \d+ MiB usable", READY], reject=NO_PANIC),
    Case("mem-6g-q35", machine="q35", memory="6G",
         expect=[r"^mem: (5[0-9]{3}|6[0-9]{3}) MiB usable", READY], reject=NO_PANIC),

    # --- command line -------------------------------------------------------
    Case("cmdline-errors", cmdline="bogus=1 loglevel=abc selftest",
         expect=[r"cmdline: unknown option 'bogus'", r"cmdline: loglevel=abc: not a number",
                 READY]),
    Case("cmdline-quiet", cmdline="loglevel=0",
         expect=[READY], reject=[r"^mem: ", r"^consoles: "]),
    Case("selftest-list", cmdline="selftest=list",
         expect=[READY] + [rf"(?s)(?=.*^  {t} )" for t in
                           ("pagefault", "nullderef", "nx", "wx", "stackoverflow", "divzero", "ud", "memory",
                            "threads", "threadoverflow", "mutexowner", "timer", "pci")]),
    Case("selftest-memory", cmdline="selftest=memory",
         expect=[READY, r"selftest: memory: free pages before (\d+), after \d+", r"selftest: memory passed"],
         reject=NO_PANIC),
    Case("selftest-memory-8m", cmdline="selftest=memory", memory="8M",
         expect=[READY, r"selftest: memory passed"], reject=NO_PANIC),
    Case("selftest-unknown", cmdline="selftest=nosuch",
         expect=[READY, r"selftest: nosuch is not a known test"], exit_code=35),
    # The shipped kernel carries no self-tests and says where they are.
    Case("selftest-shipped-image", cmdline="selftest=memory", image="shipped",
         expect=[READY, r"selftest: this image has no self-tests \(they are in minnow-test.elf\)"],
         reject=[r"selftest: running"], exit_code=35),
]

# --- protection self-tests: each must end in its panic report ---------------
PANIC_END = [r"^backtrace:", r"selftest_\w+\+0x", r"^minnow: halted after panic"]
FAULTS = {
    "pagefault": [r"^PANIC: page fault \(#PF, vector 14\)$",
                  r"cause: not-present page, read, kernel mode, address cr2=0x00007f0000000000"],
    "nullderef": [r"^PANIC: page fault \(#PF, vector 14\): null pointer dereference",
                  r"cause: not-present page, read, kernel mode, address cr2=0x0000000000000000"],
    "nx": [r"^PANIC: page fault \(#PF, vector 14\)$",
           r"cause: protection violation, instruction fetch, kernel mode"],
    "wx": [r"^PANIC: page fault \(#PF, vector 14\)$",
           r"cause: protection violation, write, kernel mode"],
    "stackoverflow": [r"^PANIC: stack overflow on stack 'boot' \(guard page hit at 0x"],
    "divzero": [r"^PANIC: divide error \(#DE, vector 0\)"],
    "ud": [r"^PANIC: invalid opcode \(#UD, vector 6\)"],
}
for name, lines in FAULTS.items():
    end = PANIC_END
    if name == "stackoverflow":
        end = [r"^backtrace:", r"recurse\+0x", r"^minnow: halted after panic"]
    CASES.append(Case(f"selftest-{name}", cmdline=f"selftest={name}", exit_code=35,
                      expect=[READY, rf"selftest: running {name}"] + lines + [r"rip=0x"] + end))

# The same protections under UEFI (GRUB EFI, OVMF): one fault is enough to
# show the page tables are the kernel's own there too.
CASES.append(Case("selftest-wx-ovmf", boot="iso-uefi", machine="q35", timeout=240,
                  cmdline="selftest=wx", exit_code=35,
                  expect=[READY, r"^PANIC: page fault", r"protection violation, write"]))

# --- platform layer ---------------------------------------------------------
PCI_DEVICES = ["-nic", "none", "-vga", "none", "-device", "e1000", "-device", "e1000e", "-device", "vmxnet3",
               "-device", "pvscsi", "-device", "vmware-svga"]
for machine in ("q35", "pc"):
    CASES.append(Case(f"selftest-pci-{machine}", machine=machine, cmdline="selftest=pci",
                      extra=PCI_DEVICES, reject=NO_PANIC,
                      expect=[READY] + [rf"(?s)(?=.*{dev})" for dev in
                                        (r"8086:100e", r"8086:10d3", r"15ad:07b0", r"15ad:07c0", r"15ad:0405")]
                      + [r"(?s)(?=.*8086:10d3[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msix)",
                         r"(?s)(?=.*15ad:07b0[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msix)",
                         r"(?s)(?=.*15ad:07c0[^\n]*\n(?:  [^\n]*\n)*?  caps:[^\n]*msi)",
                         r"(?s)(?=.*8086:100e[^\n]*\n(?:  [^\n]*\n)*?  bar0 mem32 0x[0-9a-f]+ size 0x20000)",
                         r"selftest: pci passed"]))

# Power off through ACPI: no isa-debug-exit device, QEMU must exit by itself (0).
for machine in ("pc", "q35", "microvm"):
    CASES.append(Case(f"poweroff-acpi-{machine}", machine=machine, debug_exit=False,
                      boot="pvh" if machine == "microvm" else "kernel",
                      cmdline="poweroff", exit_code=0, reject=NO_PANIC,
                      expect=[READY, r"minnow: powering off"]))

CASES += [
    Case("selftest-timer", cmdline="selftest=timer", timeout=90, reject=NO_PANIC,
         expect=[READY, r"selftest: timer: TSC \d+ kHz from ", r"sleep 100000000 ns took",
                 r"1.5 s sleep took \d+ ms by the TSC = \d+ s by the RTC", r"selftest: timer passed"]),
    Case("selftest-threads", cmdline="selftest=threads", timeout=240, reject=NO_PANIC,
         expect=[READY, r"selftest: threads passed"]),
    Case("shell-pci-poweroff", machine="q35", app="shell", debug_exit=False, exit_code=0,
         extra=["-device", "e1000"], timeout=90, reject=NO_PANIC,
         interact=[(r"minnow> ", "pci\r"), (r"8086:100e[\s\S]*?minnow> ", "poweroff\r")],
         expect=[READY, r"minnow shell", r"8086:100e", r"powering off"]),
]

CASES += [
    Case("selftest-threadoverflow", cmdline="selftest=threadoverflow", exit_code=35,
         expect=[READY, r"^PANIC: stack overflow on stack 'overflower' \(guard page hit at 0x",
                 r"sched_trampoline\+0x", r"halted after panic"]),
    Case("selftest-mutexowner", cmdline="selftest=mutexowner", exit_code=35,
         expect=[READY, r"^PANIC: mutex 0x[0-9a-f]+: unlocked by 'main', which does not hold it \(owner: locker\)"]),
    Case("selftest-threads-8m", cmdline="selftest=threads", memory="8M", timeout=240, reject=NO_PANIC,
         expect=[READY, r"selftest: threads: churn: 5000 threads", r"selftest: threads passed"]),
]

# The shell from the PS/2 keyboard (typed through QEMU's monitor), on both
# chipsets' i8042s: shift, Ctrl-U (kill line) and Enter included.
for machine in ("pc", "q35"):
    CASES.append(Case(f"shell-keyboard-{machine}", machine=machine, app="shell", debug_exit=False,
                      exit_code=0, timeout=90, reject=NO_PANIC,
                      interact=[(r"minnow> ", "keys:x y z ctrl-u c p u ret"),
                                (r"hypervisor: QEMU TCG[\s\S]*?minnow> ", "keys:p o w e r o f f kp_enter")],
                      expect=[r"ps2kbd: i8042 keyboard on IRQ 1", r"minnow> xyz(\x08 \x08){3}cpu\r?$", r"hypervisor: QEMU TCG",
                              r"powering off"]))

# Reboot through the FADT reset register / 0xCF9: with -no-reboot QEMU exits
# (status 0) when the guest resets.
for machine in ("pc", "q35"):
    CASES.append(Case(f"shell-reboot-{machine}", machine=machine, app="shell", debug_exit=False,
                      exit_code=0, timeout=60, reject=NO_PANIC,
                      interact=[(r"minnow> ", "reboot\r")], expect=[r"rebooting"]))

# --- e1000 family against QEMU's device models -------------------------------
# QEMU's user-mode network answers a hand-built DHCPDISCOVER with an offer;
# netburst wraps both rings several times, overflowing rx once on purpose.
for machine in ("pc", "q35"):
    for model in ("e1000", "e1000-82545em", "e1000e"):
        nic = ["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"]
        mode = "msi-x" if model == "e1000e" else "intx"
        CASES.append(Case(f"net-dhcp-{model}-{machine}", machine=machine, cmdline="selftest=net",
                          extra=nic, reject=NO_PANIC, timeout=60,
                          expect=[rf"^e1000: \S+ \S+ mac 52:54:00:12:34:56, link up 1000 Mb/s, {mode}", READY,
                                  r"10\.0\.2\.15", r"selftest: net passed"]))
    CASES.append(Case(f"net-burst-e1000e-{machine}", machine=machine, cmdline="selftest=netburst",
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000e,netdev=n0"],
                      reject=NO_PANIC, timeout=120, expect=[READY, r"selftest: netburst passed"]))

# lwIP on the e1000 family: DHCP from QEMU's user-mode network, then 1 MiB
# each way over a TCP loopback connection; and the static configuration.
for model, machine in (("e1000", "q35"), ("e1000e", "pc"), ("e1000-82545em", "pc")):
    CASES.append(Case(f"lwip-dhcp-{model}-{machine}", machine=machine, cmdline="selftest=dhcp", timeout=90,
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"],
                      reject=NO_PANIC + [r"^e1000: \S+ (rx|tx)\["],      # no trace without trace=
                      expect=[READY, r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)",
                              r"loopback TCP 2 x 1048576 bytes ok",
                              r"own address 10\.0\.2\.15 TCP 2 x 1048576 bytes ok", r"selftest: dhcp passed"]))
CASES.append(Case("lwip-static-e1000-q35", machine="q35", cmdline="ip=10.0.2.20/24 gw=10.0.2.2 selftest=dhcp",
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC, timeout=90,
                  expect=[r"net: eth0 10\.0\.2\.20/24 gw 10\.0\.2\.2 \(static\)", READY, r"selftest: dhcp passed"]))

CASES += [
    Case("app-list", app="list", expect=[READY, r"(?s)(?=.*^  none )(?=.*^  shell )"]),
    Case("app-unknown", app="nosuch", exit_code=35, expect=[READY, r"app: no app 'nosuch'"]),
]

# POSIX sockets over lwIP (loopback): TCP with poll, UDP, getaddrinfo, and
# Linux errno values (EBADF, EAFNOSUPPORT, ECONNREFUSED, EADDRINUSE, EAGAIN).
CASES.append(Case("sockets-loopback-e1000-q35", machine="q35", cmdline="selftest=sockets", timeout=120,
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC, expect=[READY, r"selftest: sockets: ok", r"selftest: sockets passed"]))

# The TIME_WAIT regression: 100 connections in a row from one local port to
# a server that closes first (TIME_WAIT on the server side), all must work.
CASES.append(Case("sockets-portreuse-e1000-q35", machine="q35", cmdline="selftest=portreuse", timeout=120,
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC,
                  expect=[READY, r"port reuse: 100/100 connections from port 40000 succeeded",
                          r"selftest: portreuse passed"]))

# --- apps on the e1000 family, checked from the host --------------------------
# QEMU's user network forwards free ports on 127.0.0.1 to the guest; once the
# app prints its listening line the host step runs real clients against it:
# curl, then Python's http.client and sockets. Every loop is bounded in count
# and in time (sockets time out; the case's timeout bounds the whole step).
import hashlib
import http.client
import shutil
import socket
import subprocess
import threading
import time as _time

HTTPD_UP = r"^httpd: listening on http://\d+\.\d+\.\d+\.\d+:80/$"
ECHO_UP = r"^echo: listening on tcp and udp port 7$"
NIC_IDS = {"e1000": "8086:100e", "e1000-82545em": "8086:100f", "e1000e": "8086:10d3"}


def curl_status(port, want):
    """Real curl gets / : status 200 and every regex in `want` in the page."""
    import re
    if not shutil.which("curl"):
        return "curl not found: install Debian's curl package (tools/deps.sh)"
    p = subprocess.run(["curl", "-sS", "--max-time", "20", "-o", "-", "-w", "\n%{http_code}",
                        f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return f"curl failed ({p.returncode}): {p.stderr.strip()}"
    body, _, code = p.stdout.rpartition("\n")
    if code != "200":
        return f"curl: status {code}"
    for rx in want:
        if not re.search(rx, body, re.M):
            return f"status page lacks /{rx}/:\n{body}"
    return None


def http_get(port, path, conn=None, timeout=20):
    """One GET: (status, body, connection header). A new connection unless
    conn is given."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read(), r.getheader("Connection")
    finally:
        if conn is None:
            c.close()


def keep_alive(port):
    """Two requests on one connection, the server keeping it open."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        c.connect()
        first = c.sock.getsockname()
        for path in ("/", "/bytes/1000"):
            status, body, hdr = http_get(port, path, conn=c)
            if status != 200 or (hdr or "").lower() != "keep-alive":
                return f"keep-alive: GET {path}: {status}, Connection: {hdr}"
            if c.sock is None or c.sock.getsockname() != first:
                return "keep-alive: the client had to reconnect"
    finally:
        c.close()
    return None


def pattern(n):
    """What /bytes/N sends: byte i is i & 0xFF."""
    return (bytes(range(256)) * (n // 256 + 1))[:n]


def bytes_stream(port, n=10 * 1024 * 1024):
    t0 = _time.time()
    status, body, _ = http_get(port, f"/bytes/{n}", timeout=60)
    if status != 200 or len(body) != n:
        return f"/bytes/{n}: status {status}, {len(body)} bytes"
    if hashlib.sha256(body).digest() != hashlib.sha256(pattern(n)).digest():
        return f"/bytes/{n}: content differs from the pattern"
    return None


def sequential(port, count=1000, limit=90):
    """count requests, each on a fresh connection, with zero failures."""
    t0 = _time.time()
    for i in range(count):
        if _time.time() - t0 > limit:
            return f"sequential: only {i} of {count} requests in {limit} s"
        status, body, _ = http_get(port, "/bytes/64")
        if status != 200 or body != pattern(64):
            return f"sequential: request {i}: status {status}, {len(body)} bytes"
    return None


def parallel(port, clients=20, each=10):
    """clients threads, each making `each` requests on fresh connections.
    QEMU's user network listens for a host forward with a backlog of 1
    (`ss -ltn` shows it), so when 20 connects arrive at once the host
    kernel drops SYNs and the client retransmits them after 1, 3, 7, 15 and
    31 s; on a loaded machine one request can need several of those. Each
    request is therefore given 60 s: the check is that every one is
    answered, not how fast (over a TAP, cases_reliability.py judges load)."""
    errors = []

    def client(k):
        for i in range(each):
            try:
                status, body, _ = http_get(port, f"/bytes/{100 + k}", timeout=60)
                if status != 200 or body != pattern(100 + k):
                    errors.append(f"client {k} request {i}: status {status}, {len(body)} bytes")
            except Exception as e:
                errors.append(f"client {k} request {i}: {type(e).__name__}: {e}")
    t0 = _time.time()
    ts = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(1, 150 - (_time.time() - t0)))
    if any(t.is_alive() for t in ts):
        return "parallel: clients still running after 150 s"
    if errors:
        return f"parallel: {len(errors)} of {clients * each} failed, first: {errors[0]}"
    return None


def raw_exchange(port, data):
    """Sends raw bytes, reads until the server closes (bounded): the reply."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall(data)
        out = b""
        while len(out) < 1 << 20:
            b = s.recv(65536)
            if not b:
                break
            out += b
        return out
    finally:
        s.close()


def protocol(port):
    """Status codes and connection handling for odd requests; each exchange
    must end with the server closing the connection."""
    h = b"Host: x\r\n"
    cases = [
        (b"GET / HTTP/1.0\r\n\r\n", rb"^HTTP/1\.1 200 .*Connection: close\r\n\r\nminnow "),
        (b"BAD\r\n\r\n", rb"^HTTP/1\.1 400 "),
        (b"GET / HTTP/1.1\r\n\r\n", rb"^HTTP/1\.1 400 "),                     # no Host
        (b"GET / HTTP/1.1\r\nHost x\r\n\r\n", rb"^HTTP/1\.1 400 "),
        (b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 9000 + b"\r\n\r\n", rb"^HTTP/1\.1 400 "),
        (b"POST / HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n", rb"^HTTP/1\.1 405 .*Allow: GET, HEAD"),
        (b"GET /nope HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n", rb"^HTTP/1\.1 404 "),
        (b"GET /bytes/1073741825 HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n", rb"^HTTP/1\.1 400 "),
        (b"HEAD /bytes/5 HTTP/1.1\r\n" + h + b"Connection: close\r\n\r\n",
         rb"^HTTP/1\.1 200 .*Content-Length: 5\r\n.*\r\n\r\n$"),
        (b"GET /bytes/3 HTTP/1.1\r\n" + h + b"\r\nGET /bytes/2 HTTP/1.1\r\n" + h +
         b"Connection: close\r\n\r\n", rb"^HTTP/1\.1 200 .*\r\n\r\n\x00\x01\x02HTTP/1\.1 200 .*\r\n\r\n\x00\x01$"),
    ]
    import re
    for req, want in cases:
        got = raw_exchange(port, req)
        if not re.search(want, got, re.S):
            return f"protocol: {req[:60]!r} got {got[:200]!r}"
    return None


def timed_checks(name, checks):
    """Runs (label, check) in order, stopping at the first error; prints one
    line of timings."""
    times = []
    for label, check in checks:
        t0 = _time.time()
        err = check()
        if err:
            return err
        times.append(f"{label} {_time.time() - t0:.1f} s")
    print(f"     {name}: " + ", ".join(times), flush=True)
    return None


# Checksum offload (net/e1000.c): whether QEMU's model of the NIC verifies
# received checksums. Its 82540EM/82545EM models mark every descriptor IXSM
# ("not checked"), so there lwIP must have checked in software; its 82574L
# verifies them. Transmit insertion works on all three.
NIC_RX_CSUM = {"e1000": False, "e1000-82545em": False, "e1000e": True}
OFFLOAD_LINE = (r"^    csum offload tx-ip tx-tcp rx-ip rx-tcp/udp: tx (\d+), rx ok (\d+), rx bad (\d+)\n"
                r"    tcp/udp checked in software (\d+)$")


def offload_counters(port, model):
    """After the transfers: the status page's counters must show the device
    inserting checksums (thousands of frames: 10 MiB alone is over 7000
    segments), none found bad, and the received ones verified by the device
    or, where the model does not verify, by lwIP in software."""
    import re
    status, body, _ = http_get(port, "/")
    m = re.search(OFFLOAD_LINE, body.decode(errors="replace"), re.M)
    if status != 200 or not m:
        return f"offload: status {status}, no /{OFFLOAD_LINE}/ in the page"
    tx, rx_ok, bad, sw = (int(g) for g in m.groups())
    print(f"     offload {model}: tx {tx}, rx verified by the device {rx_ok}, in software {sw}, bad {bad}",
          flush=True)
    if tx < 7000 or bad:
        return f"offload: {m.group(0)!r}: want tx >= 7000, rx bad 0"
    if NIC_RX_CSUM[model] and rx_ok < 3000:
        return f"offload: {model} verifies received checksums, but rx ok is {rx_ok}"
    if not NIC_RX_CSUM[model] and (rx_ok or sw < 3000):
        return f"offload: {model} does not verify (IXSM): want rx ok 0 and software >= 3000: {m.group(0)!r}"
    return None


def httpd_checks(name, model):
    def host(ports, log):
        port = ports["tcp:80"]
        return timed_checks(name, [
            ("curl", lambda: curl_status(port, [r"^minnow ", r"^hypervisor: QEMU TCG",
                                                rf"^  \S+ {NIC_IDS[model]} ethernet +e1000",
                                                r"^  eth0 e1000 .* link up", r"^    rx \d+ packets"])),
            ("keep-alive", lambda: keep_alive(port)), ("protocol", lambda: protocol(port)),
            ("10 MiB", lambda: bytes_stream(port)), ("1000 sequential", lambda: sequential(port)),
            ("20x10 parallel", lambda: parallel(port)), ("offload", lambda: offload_counters(port, model))])
    return host


def echo_checks(name):
    return lambda ports, log: timed_checks(name, [("tcp 10 MiB", lambda: tcp_echo(ports)),
                                                  ("udp", lambda: udp_echo(ports))])


def tcp_echo(ports):
    """10 MiB through TCP echo, sent and received concurrently and compared
    by SHA-256."""
    n = 10 * 1024 * 1024
    data = pattern(n)[::-1]
    s = socket.create_connection(("127.0.0.1", ports["tcp:7"]), timeout=30)
    sent_err = []

    def sender():
        try:
            for off in range(0, n, 65536):
                s.sendall(data[off:off + 65536])
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            sent_err.append(e)
    t = threading.Thread(target=sender, daemon=True)
    t.start()
    got, h = 0, hashlib.sha256()
    try:
        while got < n:
            b = s.recv(1 << 20)
            if not b:
                break
            h.update(b)
            got += len(b)
    except OSError as e:
        return f"tcp echo: {e} after {got} bytes"
    finally:
        s.close()
    t.join(timeout=30)
    if sent_err or got != n or h.digest() != hashlib.sha256(data).digest():
        return f"tcp echo: {got} of {n} bytes back, sender {sent_err or 'ok'}, checksum " + \
            ("ok" if h.digest() == hashlib.sha256(data).digest() else "differs")
    return None


def udp_echo(ports):
    """Datagrams of 1, 512 and 1400 bytes come back unchanged."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(2)
    try:
        for size in (1, 512, 1400):
            msg = bytes((i * 7 + size) & 0xFF for i in range(size))
            for attempt in range(5):            # UDP: a datagram may be lost; retry a few times
                u.sendto(msg, ("127.0.0.1", ports["udp:7"]))
                try:
                    back = u.recv(65536)
                    break
                except socket.timeout:
                    back = None
            if back != msg:
                return f"udp echo of {size} bytes: got {None if back is None else len(back)} bytes"
    finally:
        u.close()
    return None


for model, machine in (("e1000", "q35"), ("e1000-82545em", "pc"), ("e1000e", "q35")):
    CASES.append(Case(f"httpd-{model}-{machine}", machine=machine, app="httpd", nic=model,
                      hostfwd=["tcp:80"], host=httpd_checks(f"httpd-{model}-{machine}", model), host_after=HTTPD_UP, timeout=240,
                      expect=[READY, r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)", HTTPD_UP],
                      reject=NO_PANIC))
CASES.append(Case("httpd-static-e1000-q35", machine="q35", app="httpd", nic="e1000",
                  cmdline="ip=10.0.2.15/24 gw=10.0.2.2", hostfwd=["tcp:80"], host_after=HTTPD_UP,
                  host=lambda ports, log: curl_status(ports["tcp:80"], [r"^minnow ", r"addr 10\.0\.2\.15 "]),
                  timeout=90, reject=NO_PANIC,
                  expect=[r"net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(static\)", HTTPD_UP]))
for model, machine in (("e1000", "q35"), ("e1000-82545em", "pc"), ("e1000e", "q35")):
    CASES.append(Case(f"echo-{model}-{machine}", machine=machine, app="echo", nic=model,
                      hostfwd=["tcp:7", "udp:7"], host=echo_checks(f"echo-{model}-{machine}"), host_after=ECHO_UP, timeout=180,
                      expect=[READY, ECHO_UP], reject=NO_PANIC))


# --- app=iperf: Debian's iperf 2 client against minnow's iperf server --------
# `iperf -c` for 3 s through a forward on 127.0.0.1 must finish and report a
# rate, and the kernel must print its own report of the same test (the host
# step waits for it on the live serial log: the app reports once the client
# has closed).
IPERF_UP = r"^iperf: listening on \d+\.\d+\.\d+\.\d+:5001$"
IPERF_REPORT = r"^iperf: (\d+) bytes in (\d+) ms, (\d+) kbit/s \(from [\d.]+:\d+\)$"


def iperf_client(name):
    def host(ports, log, qemu):
        import re
        if not shutil.which("iperf"):
            return "iperf not found: install Debian's iperf package (tools/deps.sh)"
        t0 = _time.time()
        p = subprocess.run(["iperf", "-c", "127.0.0.1", "-p", str(ports["tcp:5001"]), "-t", "3", "-f", "k"],
                           capture_output=True, text=True, timeout=40)
        secs = _time.time() - t0
        if p.returncode != 0:
            return f"iperf exited {p.returncode}: {p.stdout.strip()} {p.stderr.strip()}"
        # "[  1] 0.0000-3.0534 sec  158976 KBytes  426526 Kbits/sec"
        m = re.search(r"\]\s+([\d.]+)-([\d.]+) sec\s+([\d.]+) KBytes\s+([\d.]+) Kbits/sec", p.stdout)
        if not m or float(m.group(3)) <= 0 or float(m.group(4)) <= 0:
            return f"iperf reported no rate:\n{p.stdout}{p.stderr}"
        if float(m.group(2)) < 2.5:
            return f"iperf ran only {m.group(2)} s:\n{p.stdout}"
        k = qemu.wait_log(IPERF_REPORT, 15, pos=len(log))
        if not k:
            return f"no kernel iperf report within 15 s of the client's end (client: {m.group(0)})"
        sent, got = float(m.group(3)) * 1024, int(k.group(1))
        if got < 0.9 * sent or int(k.group(3)) <= 0:
            return f"kernel report {k.group(0)!r} does not match the client's {m.group(0)!r}"
        print(f"     {name}: iperf {secs:.1f} s, client {float(m.group(4)) / 1000:.0f} Mbit/s, "
              f"kernel {int(k.group(3)) / 1000:.0f} Mbit/s", flush=True)
        return None
    return host


for model, machine in (("e1000", "q35"), ("e1000e", "q35")):
    CASES.append(Case(f"iperf-{model}-{machine}", machine=machine, app="iperf", nic=model,
                      hostfwd=["tcp:5001"], host=iperf_client(f"iperf-{model}-{machine}"), monitor=True,
                      host_after=IPERF_UP, timeout=90, reject=NO_PANIC,
                      expect=[READY, IPERF_UP, IPERF_REPORT]))


# --- link flap during a transfer: QEMU monitor set_link -----------------------
# A large /bytes/N download runs in a thread while the host step sets the
# link off, waits 1 s, and sets it on again through the monitor. The driver
# must see both changes ("eth0: link down", "eth0: link up"); what the
# download got must be the pattern, and it must not hang: after link up it
# either makes progress again or has ended with the server closing (lwIP
# hands ERR_RTE, no route while the link is down, back to a blocked send(),
# and httpd then closes that connection). Then new requests must succeed
# within a bounded time, and 10 MiB must come through. Every wait is bounded.
FLAP_BYTES = 1 << 30                # far more than arrives in the test: stopped by the host step


class Download(threading.Thread):
    """GET /bytes/N on one connection, counting and checking what arrives
    until stopped."""

    def __init__(self, port, n):
        super().__init__(daemon=True)
        self.port, self.n = port, n
        self.got, self.err, self.done, self.closed = 0, None, False, False
        self.stop = threading.Event()
        self.ref = pattern(65536 * 2)

    def run(self):
        try:
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        except OSError as e:
            self.err = f"download: connect: {e}"
            return
        try:
            s.sendall(f"GET /bytes/{self.n} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            head = b""
            while b"\r\n\r\n" not in head:
                b = s.recv(4096)
                if not b:
                    self.err = f"download: closed in the header: {head!r}"
                    return
                head += b
            head, _, body = head.partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200 "):
                self.err = f"download: {head[:80]!r}"
                return
            while not self.stop.is_set():
                if body:
                    off = self.got % 256
                    for i in range(0, len(body), 65536):
                        piece = body[i:i + 65536]
                        if piece != self.ref[off + i % 256:off + i % 256 + len(piece)]:
                            self.err = f"download: bytes at {self.got + i} differ from the pattern"
                            return
                    self.got += len(body)
                if self.got >= self.n:
                    self.done = True
                    return
                body = s.recv(1 << 20)
                if not body:
                    self.closed = True          # the server gave up on it
                    return
        except ConnectionResetError:
            self.closed = True
        except OSError as e:
            if not self.stop.is_set():
                self.err = f"download: {e} after {self.got} bytes"
        finally:
            s.close()


def link_flap(name):
    def host(ports, log, qemu):
        port = ports["tcp:80"]
        times = []
        t0 = _time.time()

        def wait(cond, secs):
            end = _time.time() + secs
            while not cond() and _time.time() < end:
                _time.sleep(0.02)
            return cond()
        d = Download(port, FLAP_BYTES)
        d.start()
        try:
            if not wait(lambda: d.got >= 4 << 20 or d.err, 30) or d.err:
                return d.err or f"download: only {d.got} bytes in 30 s before the flap"
            times.append(f"4 MiB {_time.time() - t0:.1f} s")
            pos = len(qemu.log())
            qemu.monitor("set_link n0 off")
            t_off = _time.time()
            down = qemu.wait_log(r"^eth0: link down$", 10, pos)
            if not down:
                return "no 'eth0: link down' within 10 s of set_link n0 off"
            times.append(f"link down seen {_time.time() - t_off:.1f} s")
            _time.sleep(1)
            at_on = d.got
            qemu.monitor("set_link n0 on")
            t_on = _time.time()
            if not qemu.wait_log(r"^eth0: link up", 10, down.end()):
                return "no 'eth0: link up' within 10 s of set_link n0 on"
            times.append(f"link up seen {_time.time() - t_on:.1f} s")
            if not wait(lambda: d.got >= at_on + (4 << 20) or d.err or d.done or d.closed, 30) or d.err:
                return d.err or f"download hung after link up: {d.got - at_on} bytes in 30 s, not closed"
            if d.closed:
                times.append(f"download closed by the server at {d.got >> 20} MiB")
            else:
                times.append(f"download resumed {_time.time() - t_on:.1f} s")
            t_new, last = _time.time(), None
            while True:                 # the first request after link up may meet ARP/DHCP still settling
                try:
                    status, body, _ = http_get(port, "/bytes/100000", timeout=5)
                    if status == 200 and body == pattern(100000):
                        break
                    last = f"status {status}, {len(body)} bytes"
                except OSError as e:
                    last = f"{type(e).__name__}: {e}"
                if _time.time() - t_new > 20:
                    return f"no request succeeded within 20 s of link up; last: {last}"
                _time.sleep(0.2)
            times.append(f"new request ok {_time.time() - t_new:.1f} s")
            t_10 = _time.time()
            err = bytes_stream(port)
            if err:
                return f"after link up: {err}"
            times.append(f"10 MiB {_time.time() - t_10:.1f} s")
        finally:
            d.stop.set()
            d.join(timeout=35)
        if d.err:
            return d.err
        print(f"     {name}: " + ", ".join(times), flush=True)
        return None
    return host


for model, machine in (("e1000", "q35"), ("e1000e", "q35")):
    CASES.append(Case(f"linkflap-{model}-{machine}", machine=machine, app="httpd", nic=model,
                      hostfwd=["tcp:80"], host=link_flap(f"linkflap-{model}-{machine}"), monitor=True,
                      host_after=HTTPD_UP, timeout=120, reject=NO_PANIC,
                      expect=[READY, HTTPD_UP, r"^eth0: link down$", r"^eth0: link up"]))

# TIME_WAIT lasts 2 MSL, and MSL follows tcp_msl= (two values, so the test
# fails if the option were ignored).
for msl in (1000, 3000):
    CASES.append(Case(f"sockets-timewait-msl{msl}", machine="q35", cmdline=f"tcp_msl={msl} selftest=timewait",
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                      reject=NO_PANIC, timeout=90,
                      expect=[READY, rf"timewait: msl {msl} ms, bind during TIME_WAIT: errno 98",
                              r"selftest: timewait passed"]))

# The shell's `net`: link, address and gateway next to the counters.
CASES.append(Case("shell-net-static", machine="q35", app="shell", debug_exit=False, exit_code=0, timeout=90,
                  cmdline="ip=10.0.2.20/24 gw=10.0.2.2",
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC,
                  interact=[(r"minnow> ", "net\r"), (r"tx \d+ packets[\s\S]*?minnow> ", "poweroff\r")],
                  expect=[r"eth0: e1000 .* mac 52:54:00:12:34:56 mtu 1500 link up 1000 Mb/s",
                          r"inet 10\.0\.2\.20/24 gw 10\.0\.2\.2 \(static\)", r"powering off"]))


# --- TAP in a network namespace: a real Linux TCP facing the guest ----------
# (qemu.py, Case.tap). No slirp in between, so the host's own sockets talk to
# minnow's directly and TIME_WAIT is where TCP puts it.
import os as _os
import re as _re
import sys as _sys
import qemu as _qemu

TAP_IP = f"ip={_qemu.TAP_GUEST}/24 gw={_qemu.TAP_HOST}"
TAP_MODELS = (("e1000", "q35"), ("e1000-82545em", "pc"), ("e1000e", "q35"))
REUSE_PORT = 40123
REUSE_ROUNDS = 100
TW_LINE = r"^tcp: time-wait reopened by syn (\d+), by connect (\d+)$"


def tap_status(tap):
    """The status page through the TAP link: (text, error)."""
    p = subprocess.run(tap.cmd(["curl", "-sS", "--max-time", "20", f"http://{tap.guest}/"]),
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return None, f"status page: curl failed ({p.returncode}): {p.stderr.strip()}"
    m = _re.search(TW_LINE, p.stdout, _re.M)
    if not m:
        return None, f"status page lacks /{TW_LINE}/:\n{p.stdout}"
    return p.stdout, None


def tap_status_line(tap, rx):
    """The status page's line matching rx: (match, error)."""
    page, err = tap_status(tap)
    if err:
        return None, err
    m = _re.search(rx, page, _re.M)
    return (m, None) if m else (None, f"status page lacks /{rx}/:\n{page}")


def reuse_rounds(tap):
    """The loop of the port-reuse cases (curl_port_reuse and its twins for
    other NICs): REUSE_ROUNDS requests from local port REUSE_PORT over the
    TAP, minnow closing first. Returns (ok, failures, first failure, seconds);
    stops after 5 failures (enough to fail; each can take curl's 10 s)."""
    ok, fails, first, t0 = 0, 0, None, _time.time()
    want = ["200", "1000", str(REUSE_PORT)]
    for i in range(REUSE_ROUNDS):
        if fails == 5:
            break                   # enough to fail; each can take curl's 10 s
        # The host's previous socket may still wait in LAST_ACK for
        # minnow's ACK of its FIN (slow under TCG on a loaded machine):
        # bind() would then fail on the host, whatever minnow does. Wait
        # for that (bounded); a host TIME_WAIT is not waited for: it
        # would mean the host closed first, which the test must see.
        for _ in range(200):
            busy = subprocess.run(tap.cmd(["ss", "-Htan", "state", "last-ack", "state", "closing",
                                           f"( sport = :{REUSE_PORT} )"]),
                                  capture_output=True, text=True, timeout=10)
            if not busy.stdout.strip():
                break
            _time.sleep(0.01)
        p = subprocess.run(tap.cmd(["curl", "-sS", "--max-time", "10", "--local-port", str(REUSE_PORT),
                                    "--ignore-content-length", "-H", "Connection: close", "-o", "/dev/null",
                                    "-w", "%{http_code} %{size_download} %{local_port}",
                                    f"http://{tap.guest}/bytes/1000"]),
                           capture_output=True, text=True, timeout=30)
        if p.returncode == 0 and p.stdout.split() == want:
            ok += 1
        else:
            fails += 1
            first = first or f"request {i + 1}: curl exit {p.returncode}, {p.stdout!r} {p.stderr.strip()}"
    return ok, fails, first, _time.time() - t0


class Reuse:
    """reuse_rounds between two looks at the status page (the NIC's lines
    on the first are checked against `require`): the outcome, and the
    growth of minnow's counter of TIME_WAIT blocks reopened by a SYN."""

    def __init__(self, tap, require=()):
        self.err, self.page = None, None
        if not shutil.which("curl"):
            self.err = "curl not found: install Debian's curl package (tools/deps.sh)"
            return
        page, self.err = tap_status(tap)
        if self.err:
            return
        for rx in require:
            if not _re.search(rx, page, _re.M):
                self.err = f"status page over the static address lacks /{rx}/:\n{page}"
                return
        before = int(_re.search(TW_LINE, page, _re.M).group(1))
        self.ok, self.fails, self.first, self.secs = reuse_rounds(tap)
        self.page, self.err = tap_status(tap)
        if not self.err:
            self.reopened = int(_re.search(TW_LINE, self.page, _re.M).group(1)) - before

    def verdict(self):
        """What every port-reuse case asserts: all requests answered, and
        minnow held TIME_WAIT (reopened it on all but the first)."""
        if self.ok != REUSE_ROUNDS:
            return (f"{self.ok}/{REUSE_ROUNDS} requests succeeded (stopped after {self.fails} failures); "
                    f"first failure: {self.first}")
        if self.reopened < REUSE_ROUNDS - 1:
            return (f"minnow reopened a TIME_WAIT connection only {self.reopened} times in {REUSE_ROUNDS} "
                    "requests: it did not hold TIME_WAIT (did curl close first?)")
        return None


def curl_port_reuse(name, model):
    """REUSE_ROUNDS curl requests in a row from local port REUSE_PORT. minnow
    must close first so that it, not the host, holds TIME_WAIT: the request
    says Connection: close, httpd closes after the response, and curl
    ignores Content-Length and reads to EOF, so it cannot close before
    minnow's FIN has arrived (the host goes CLOSE_WAIT -> LAST_ACK -> closed).
    The status page's counter of TIME_WAIT blocks reopened by a SYN must then
    have grown by one for every request but the first: the test cannot pass
    without the scenario it is about."""
    def host(tap, log, qemu):
        r = Reuse(tap, (r"^minnow ", rf"^  \S+ {NIC_IDS[model]} ethernet +e1000",
                        rf"^  eth0 e1000 .* addr {_re.escape(tap.guest)} link up"))
        if r.err:
            return r.err
        ss = subprocess.run(tap.cmd(["ss", "-Htan", "state", "time-wait", f"( sport = :{REUSE_PORT} )"]),
                            capture_output=True, text=True, timeout=10)
        host_tw = len(ss.stdout.splitlines())
        print(f"     {name}: {r.ok}/{REUSE_ROUNDS} curl --local-port {REUSE_PORT} ok in {r.secs:.1f} s, "
              f"minnow reopened TIME_WAIT {r.reopened} times, host TIME_WAIT on the port: {host_tw}", flush=True)
        return r.verdict()
    return host


for model, machine in TAP_MODELS:
    CASES.append(Case(f"portreuse-curl-{model}-{machine}", machine=machine, app="httpd", nic=model, tap=True,
                      cmdline=TAP_IP, host=curl_port_reuse(f"portreuse-curl-{model}-{machine}", model),
                      host_after=HTTPD_UP, timeout=180, reject=NO_PANIC,
                      expect=[READY, rf"net: eth0 {_re.escape(_qemu.TAP_GUEST)}/24 .*\(static\)", HTTPD_UP]))


# minnow as the client: selftest=reconnect connects 50 times from port 40001
# to a server the host runs in the namespace (reconnect_server.py), closing
# first each time. The server reports what it saw (peer port, line, whose
# FIN came first); the kernel reports how often connect() reopened its own
# TIME_WAIT connection, which must be every round but the first.
RECONNECT_SERVER = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "reconnect_server.py")
RECONNECT_ROUNDS = 50
RECONNECT_DONE = r"^selftest: reconnect: (\d+)/(\d+) connections from port 40001 succeeded .*" \
                 r"own TIME_WAIT reused by connect (\d+) times"


def reconnect_client(name):
    def host(tap, log, qemu):
        t0 = _time.time()
        srv = subprocess.Popen(tap.cmd([_sys.executable, RECONNECT_SERVER, tap.host, "7007",
                                        str(RECONNECT_ROUNDS), "90"]),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # The server ends after RECONNECT_ROUNDS connections or 90 s; once the
        # kernel has given its summary, 5 s more is all it may take.
        end, summary_at = _time.time() + 100, None
        while srv.poll() is None and _time.time() < end:
            if summary_at is None and qemu.wait_log(RECONNECT_DONE, 0, pos=0):
                summary_at = _time.time()
            if summary_at is not None and _time.time() > summary_at + 5:
                break
            _time.sleep(0.1)
        if srv.poll() is None:
            srv.kill()
        out, errs = srv.communicate()
        if srv.returncode != 0 and not out:
            return f"reconnect server exited {srv.returncode}: {errs.strip()[-500:]}"
        conns = [ln.split() for ln in out.splitlines() if ln.startswith("conn ")]
        for i, c in enumerate(conns):
            if c[1:] != [tap.guest, "40001", f"minnow_{i}", "eof-first"]:
                return f"connection {i + 1} on the server: {' '.join(c)}"
        if len(conns) != RECONNECT_ROUNDS:
            return f"the server saw {len(conns)} of {RECONNECT_ROUNDS} connections:\n{out[-800:]}"
        m = qemu.wait_log(RECONNECT_DONE, 30, pos=0)
        if not m:
            return "no 'selftest: reconnect: N/N' line within 30 s of the server's end"
        print(f"     {name}: server saw {len(conns)} connections from {tap.guest}:40001, client closed first "
              f"each time; minnow: {m.group(1)}/{m.group(2)} ok, TIME_WAIT reused by connect {m.group(3)} "
              f"times; {_time.time() - t0:.1f} s", flush=True)
        return None
    return host


for model, machine in TAP_MODELS:
    CASES.append(Case(f"reconnect-client-{model}-{machine}", machine=machine, nic=model, tap=True,
                      cmdline=f"{TAP_IP} selftest=reconnect", host=reconnect_client(f"reconnect-client-{model}-{machine}"),
                      host_after=r"^selftest: reconnect: connecting to", timeout=180, reject=NO_PANIC,
                      expect=[READY, rf"^selftest: reconnect: {RECONNECT_ROUNDS}/{RECONNECT_ROUNDS} connections "
                              rf"from port 40001 succeeded .*own TIME_WAIT reused by connect {RECONNECT_ROUNDS - 1} times"]))


# --- trace=e1000: the driver's conversation with the device, decoded --------
# selftest=dhcp: reset and setup writes, the link, the DHCP exchange (frames
# both ways) and the interrupts that announced them. Without trace= none of
# it appears (lwip-dhcp-* reject it).
TRACE_LINES = [r"^e1000: 00:02\.0 reset: mask interrupts, stop rx/tx, CTRL\.RST$",
               r"^e1000: 00:02\.0 RXCSUM <- 0x00000300$", r"^e1000: 00:02\.0 RCTL <- 0x0400800[02]$",
               r"^e1000: 00:02\.0 IMS <- 0x[0-9a-f]{8}$",
               r"^e1000: 00:02\.0 STATUS 0x[0-9a-f]{8}: link up, 1000 Mb/s, full duplex$",
               r"^e1000: 00:02\.0 tx\[\d+\] context: ip 14\.\.33 sum at 24, tcp 34\.\.end sum at 50$",
               r"^e1000: 00:02\.0 tx\[\d+\] len \d+ type 0800 csum ip$",
               r"^e1000: 00:02\.0 interrupt: ICR 0x[0-9a-f]{8}( [A-Z0-9]+)+$",
               r"^e1000: 00:02\.0 rx\[\d+\] len \d+ status 0x[0-9a-f]{2} DD EOP.* type 0800$"]
for model, machine, rx in (("e1000", "q35", "IXSM"), ("e1000e", "q35", "IPCS TCPCS")):
    CASES.append(Case(f"trace-e1000-{model}-{machine}", machine=machine, cmdline="trace=e1000 selftest=dhcp",
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"],
                      reject=NO_PANIC, timeout=90,
                      expect=[rf"(?s)(?=.*{t})" for t in TRACE_LINES] +
                      [rf"(?s)(?=.*^e1000: \S+ rx\[\d+\] len \d+ status 0x[0-9a-f]{{2}} DD EOP {rx})",
                       r"^e1000: 00:02\.0 tx\[\d+\] len 42 type 0806$", r"selftest: dhcp passed"]))


# Broken checksums are dropped, whoever checks them: hand-made SYNs to
# httpd's port 80 straight onto the TAP device (raw_syn.py), with a wrong TCP
# checksum, a wrong IPv4 header checksum, or both right. Only the good ones
# may be answered. Where the model verifies checksums (e1000e) the driver
# drops the broken ones and counts them (rx bad); where it does not
# (e1000: IXSM), lwIP's software check drops them and rx bad stays 0.
RAW_SYN = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "raw_syn.py")
RAW_ROUNDS = 3
BAD_LINE = r"^    csum offload .*, rx bad (\d+)$"


def csum_drop(name, model):
    def host(tap, log, qemu):
        page, err = tap_status(tap)             # also fills both ARP caches
        if err:
            return err
        bad0 = int(_re.search(BAD_LINE, page, _re.M).group(1))
        p = subprocess.run(tap.cmd([_sys.executable, RAW_SYN, tap.dev, tap.host, tap.guest, "52:54:00:12:34:56",
                                    "80", str(RAW_ROUNDS)]), capture_output=True, text=True, timeout=60)
        got = dict(ln.split() for ln in p.stdout.splitlines() if len(ln.split()) == 2)
        want = {"bad-tcp-checksum": f"0/{RAW_ROUNDS}", "bad-ip-checksum": f"0/{RAW_ROUNDS}",
                "good": f"{RAW_ROUNDS}/{RAW_ROUNDS}"}
        if p.returncode != 0 or got != want:
            return f"raw SYNs answered: {got or p.stdout!r} (want {want}) {p.stderr.strip()[-300:]}"
        page, err = tap_status(tap)
        if err:
            return err
        bad = int(_re.search(BAD_LINE, page, _re.M).group(1)) - bad0
        print(f"     {name}: broken SYNs unanswered, good ones answered; dropped by the driver as bad: {bad}",
              flush=True)
        if bad != (2 * RAW_ROUNDS if NIC_RX_CSUM[model] else 0):
            return f"rx bad grew by {bad}: want {2 * RAW_ROUNDS if NIC_RX_CSUM[model] else 0} on {model}"
        return None
    return host


for model, machine in (("e1000", "q35"), ("e1000e", "q35")):
    CASES.append(Case(f"csum-drop-{model}-{machine}", machine=machine, app="httpd", nic=model, tap=True,
                      cmdline=TAP_IP, host=csum_drop(f"csum-drop-{model}-{machine}", model),
                      host_after=HTTPD_UP, timeout=120, reject=NO_PANIC, expect=[READY, HTTPD_UP]))

# --- Hyper-V: off Hyper-V, hv/ stays silent and touches nothing ---------------
# QEMU's TCG has no Hyper-V enlightenments (those need KVM), so the VMBus
# code itself is tested against tests/hvsim/ in the hosted tier; here the
# real image proves it keeps quiet on KVM/TCG/VMware-like machines and that
# the shell reports why there is no VMBus.
for machine in ("q35", "pc"):
    CASES.append(Case(f"hv-silent-{machine}", machine=machine, app="shell", debug_exit=False, exit_code=0,
                      cmdline="trace=vmbus,ic", timeout=90, reject=NO_PANIC + [r"^hv:", r"^vmbus: (?!not connected)", r"^ic:"],
                      interact=[(r"minnow> ", "vmbus\r"), (r"vmbus: not connected[^\n]*\n[\s\S]*?minnow> ", "poweroff\r")],
                      expect=[r"^cpu: .*hypervisor", READY, r"vmbus: not connected \(not on Hyper-V\)", r"powering off"]))

# The kernel half of hv/'s platform interface (hv_kernel.c), which the
# simulator cannot reach: hypercall-page call convention on an executable
# stand-in page, a vector raised by self-IPI, waits and deferred work.
for machine in ("q35", "pc"):
    CASES.append(Case(f"selftest-hvglue-{machine}", machine=machine, cmdline="selftest=hvglue", timeout=60,
                      reject=NO_PANIC + [r"FAILED"],
                      expect=[READY, r"hvglue: RCX/RDX/R8 in, RAX out: ok", r"hvglue: self-IPIs reach the handler: ok",
                              r"selftest: hvglue passed"]))

# --- httpd's HTML status page, as a browser sees it ----------------------------
# curl asking for text/html gets an HTML5 page with the cards, one SVG <rect>
# per boot-timeline stage (as many as the serial log's timeline shows) and the
# NIC table; then Debian's headless Chromium loads it: its --dump-dom (the DOM
# after parsing) has the same SVG and the hypervisor card, and its
# --screenshot is a 1024x768 PNG (IHDR, PNG spec 11.2.2) of more than 10 KB.
import struct as _struct
import tempfile as _tempfile

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMELINE_LINE = r"^ +\d+ +\+ *\d+  (\S.*)$"


def html_page_checks(html, stages, where):
    """The elements the HTML page must have; an error string or None."""
    want = [(r"^<!DOCTYPE html>", "the doctype"), (r'<meta charset="utf-8">', "the charset"),
            (r'<dd id="hypervisor">QEMU TCG</dd>', "the hypervisor card"),
            (r'<dd id="wallclock">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</dd>', "the wall clock as a date"),
            (r'<dd id="uptime">[\d: .d]+</dd>', "the uptime"), (r'<svg id="timeline"', "the timeline SVG"),
            (r'<table id="nics">[\s\S]*<b>eth0</b> e1000', "the NIC table"), (r"</html>\s*$", "the end")]
    for rx, what in want:
        if not _re.search(rx, html, _re.M):
            return f"{where}: no {what} (/{rx}/)"
    rects = len(_re.findall(r"<rect\b", html))
    if rects != len(stages):
        return f"{where}: {rects} <rect> for {len(stages)} timeline stages {stages}"
    for name in stages:
        if f">{name}</text>" not in html:
            return f"{where}: no label for stage {name!r}"
    if _re.search(r"<script|<link|src=", html):
        return f"{where}: the page loads something"
    return None


def chromium(args, profile, timeout=60):
    exe = shutil.which("chromium")
    if not exe:
        return None, "chromium not found: install Debian's chromium package (tools/deps.sh)"
    try:
        p = subprocess.run([exe] + CHROMIUM_FLAGS + [f"--user-data-dir={profile}"] + args,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"chromium {args[0]}: still running after {timeout} s"
    if p.returncode != 0:
        return None, f"chromium {args[0]}: exit {p.returncode}: {p.stderr.strip()[-400:]}"
    return p.stdout, None


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return _struct.unpack(">II", head[16:24])


def httpd_html(ports, log):
    url = f"http://127.0.0.1:{ports['tcp:80']}/"
    stages = _re.findall(TIMELINE_LINE, log, _re.M)
    if not stages:
        return "no boot timeline in the serial log"
    p = subprocess.run(["curl", "-sS", "--max-time", "20", "-H", "Accept: text/html,application/xhtml+xml",
                        "-D", "-", url], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        return f"curl failed ({p.returncode}): {p.stderr.strip()}"
    head, _, html = p.stdout.partition("\n\n")     # text mode: CRLF reads as LF
    if not _re.search(r"^Content-Type: text/html; charset=utf-8\r?$", head, _re.M | _re.I):
        return f"curl: not text/html:\n{head}"
    err = html_page_checks(html, stages, "curl")
    if err:
        return err
    plain = subprocess.run(["curl", "-sS", "--max-time", "20", url], capture_output=True, text=True, timeout=30)
    if not plain.stdout.startswith("minnow ") or "<" in plain.stdout:
        return f"curl without Accept: not the plain page: {plain.stdout[:200]!r}"
    with _tempfile.TemporaryDirectory(prefix="minnow-chromium-") as tmp:
        dom, err = chromium(["--dump-dom", url], _os.path.join(tmp, "profile-dom"))
        if err:
            return err
        if not _re.search(r'<dd id="hypervisor">QEMU TCG</dd>', dom):
            return f"chromium --dump-dom: no hypervisor card:\n{dom[:2000]}"
        svg = _re.search(r'<svg id="timeline"[\s\S]*?</svg>', dom)
        if not svg or len(_re.findall(r"<rect\b", svg.group(0))) != len(stages):
            return f"chromium --dump-dom: want an SVG with {len(stages)} <rect>:\n{svg.group(0) if svg else dom[:2000]}"
        shot = _os.path.join(tmp, "status.png")
        _, err = chromium([f"--screenshot={shot}", "--window-size=1024,768", url], _os.path.join(tmp, "profile-shot"))
        if err:
            return err
        if not _os.path.exists(shot):
            return "chromium --screenshot wrote no file"
        size, dims = _os.path.getsize(shot), png_size(shot)
        if dims != (1024, 768) or size <= 10 * 1024:
            return f"screenshot: {dims} and {size} bytes, want (1024, 768) and > 10 KB"
        keep = _os.environ.get("MINNOW_SCREENSHOT")      # where to keep a copy, to look at it
        if keep:
            shutil.copyfile(shot, keep)
    return None


CASES.append(Case("httpd-html-chromium-e1000-q35", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
                  host=httpd_html, host_after=HTTPD_UP, timeout=180, reject=NO_PANIC,
                  expect=[READY, HTTPD_UP]))

# --- the HTTP demo in 4 MiB of guest RAM ---------------------------------------
# lwIP's pools are sized at boot (net/lwip/pools.c): on a 4 MiB guest the data
# pools shrink (the boot says so), and httpd still serves its status page, a
# 1 MiB download checked byte for byte, then 1000 sequential requests each on
# a fresh connection. net_mem= sets the pools' size by hand on a big guest.
POOLS_SHRUNK = r"^net: lwIP pools \d+ KiB \(\d+ KiB free\): pbufs (\d+) of 1024, tcp segments \d+ of 1024"


def httpd_small(name):
    def host(ports, log):
        port = ports["tcp:80"]
        return timed_checks(name, [
            ("curl", lambda: curl_status(port, [r"^minnow ", r"^hypervisor: QEMU TCG", r"^  eth0 e1000 .* link up"])),
            ("1 MiB", lambda: bytes_stream(port, n=1 << 20)), ("1000 sequential", lambda: sequential(port))])
    return host


CASES += [
    Case("mem-4m-httpd-e1000-q35", machine="q35", memory="4M", app="httpd", nic="e1000", hostfwd=["tcp:80"],
         host=httpd_small("mem-4m-httpd-e1000-q35"), host_after=HTTPD_UP, timeout=240, reject=NO_PANIC,
         expect=[r"^mem: 3 MiB usable", POOLS_SHRUNK, READY, HTTPD_UP]),
    Case("mem-netmem-httpd-e1000-q35", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
         cmdline="net_mem=128K", host=httpd_small("mem-netmem-httpd-e1000-q35"), host_after=HTTPD_UP,
         timeout=240, reject=NO_PANIC,
         expect=[r"^net: lwIP pools 1[0-2]\d KiB \(\d+ KiB free\): pbufs \d+ of 1024", READY, HTTPD_UP]),
]

# --- PCIe native hot-plug of the NIC (kernel/pci/pci_hotplug.c) ------------
# q35 with a pcie-root-port doing native hot-plug (ACPI hot-plug of bridges
# off), the NIC behind it, app=httpd. curl works; `device_del nic1` must
# make the driver remove the NIC (pciehp presses the attention button,
# e1000 .remove, netdev_unregister, lwIP netif gone) and QEMU complete the
# unplug (`info pci` no longer lists it); `device_add` of the same model
# with the same MAC must bring eth0 back with an address (QEMU's DHCP gives
# the same lease to the same MAC, and the forward goes to that address),
# and httpd, whose listening socket is bound to any address, must serve
# curl and 10 MiB again. Done twice, so that a second cycle reuses the
# freed name, PCI slot and vectors. Every wait is bounded.
HP_PRE = ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
          "-device", "pcie-root-port,id=rp1,chassis=1,slot=1"]
HP_MAC = "52:54:00:12:34:56"
HP_OPTS = f",id=nic1,bus=rp1,mac={HP_MAC}"


def hotplug_cycle(name, model):
    def host(ports, log, qemu):
        import re
        port = ports["tcp:80"]
        times = []
        err = curl_status(port, [r"eth0"])
        if err:
            return f"before unplug: {err}"
        for cycle in (1, 2):
            pos = len(qemu.log())
            t0 = _time.time()
            out = qemu.monitor("device_del nic1")
            if "rror" in out:
                return f"device_del nic1: {out.strip()[-200:]}"
            for rx in (r"^pciehp: \S+ slot \d+: attention button: removing 1 function\(s\)$",
                       r"^net: eth0 detached, 0 NICs attached$", r"^eth0: removed$",
                       r"^e1000: \S+ \S+ removed \(eth0\)$", r"^pciehp: \S+ slot \d+: powered off$"):
                m = qemu.wait_log(rx, 20, pos)
                if not m:
                    return f"cycle {cycle}: no /{rx}/ within 20 s of device_del"
                pos = m.end()
            end = _time.time() + 10
            while re.search(r"Ethernet controller", qemu.monitor("info pci")):
                if _time.time() > end:
                    return f"cycle {cycle}: QEMU still lists the NIC 10 s after the power-off"
                _time.sleep(0.2)
            times.append(f"unplug {_time.time() - t0:.1f} s")
            t1 = _time.time()
            out = qemu.monitor(f"device_add {model}{HP_OPTS},netdev=n0")
            if "rror" in out:
                return f"device_add: {out.strip()[-200:]}"
            for rx in (r"^pciehp: \S+ slot \d+: card present, powering on$",
                       r"^e1000: \S+ \S+ mac " + HP_MAC + r", .*, eth0$",
                       r"^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$"):
                m = qemu.wait_log(rx, 30, pos)
                if not m:
                    return f"cycle {cycle}: no /{rx}/ within 30 s of device_add"
                pos = m.end()
            times.append(f"plug + dhcp {_time.time() - t1:.1f} s")
            end, last = _time.time() + 20, None
            while True:
                last = curl_status(port, [r"eth0"])
                if not last or _time.time() > end:
                    break
                _time.sleep(0.5)
            if last:
                return f"cycle {cycle}: after device_add: {last}"
            err = bytes_stream(port)
            if err:
                return f"cycle {cycle}: after device_add: {err}"
        print(f"     {name}: " + ", ".join(times), flush=True)
        return None
    return host


for model in ("e1000e", "e1000"):
    CASES.append(Case(f"hotplug-{model}-q35", machine="q35", app="httpd", nic=model, nic_opts=HP_OPTS,
                      nic_pre=HP_PRE, hostfwd=["tcp:80"], host=hotplug_cycle(f"hotplug-{model}-q35", model),
                      monitor=True, host_after=HTTPD_UP, timeout=180, reject=NO_PANIC + [r"unregister waits"],
                      expect=[r"^pciehp: \S+ slot 1: hot-plug \((?:msi-x|msi|intx)\), occupied$", READY,
                              HTTPD_UP, r"^eth0: removed$", r"^net: eth0 attached \(dhcp\)$"]))


# A machine that boots with no NIC at all: the stack is not started, httpd
# waits for eth0; the first NIC hot-added starts lwIP, gets an address, and
# httpd serves on it.
def hotplug_first_nic(name, model):
    def host(ports, log, qemu):
        pos = len(qemu.log())
        out = qemu.monitor(f"device_add {model}{HP_OPTS},netdev=n0")
        if "rror" in out:
            return f"device_add: {out.strip()[-200:]}"
        for rx in (r"^pciehp: \S+ slot \d+: card present, powering on$",
                   r"^net: lwIP \S+ on 1 NIC \(dhcp\)$",
                   r"^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$", HTTPD_UP):
            m = qemu.wait_log(rx, 30, pos)
            if not m:
                return f"no /{rx}/ within 30 s of device_add"
            pos = m.end()
        end, last = _time.time() + 20, None
        while True:
            last = curl_status(ports["tcp:80"], [r"eth0"])
            if not last or _time.time() > end:
                break
            _time.sleep(0.5)
        return last or bytes_stream(ports["tcp:80"], 1024 * 1024)
    return host


CASES.append(Case("hotplug-first-nic-e1000e-q35", machine="q35", app="httpd", nic="e1000e", nic_opts=HP_OPTS,
                  nic_pre=HP_PRE, nic_at_boot=False, hostfwd=["tcp:80"],
                  host=hotplug_first_nic("hotplug-first-nic-e1000e-q35", "e1000e"), monitor=True,
                  host_after=r"^minnow: ready in", timeout=120, reject=NO_PANIC + [r"^net: lwIP .* before"],
                  expect=[READY, r"^net: lwIP \S+ on 1 NIC", HTTPD_UP]))

# --- receive without a copy, under load (net/netdev.h: netdev_rx_lend) ------
# httpd under 20x10 parallel requests and a 10 MiB download: every frame the
# guest receives (requests, ACKs) goes up in the driver's own buffer while a
# spare one is free. The status page's counters must show lent frames, never
# more than were received, and no receive errors; the transfers themselves
# check chained transmit (lwIP's header + data pbufs, gathered by e1000).
RX_LINE = r"^    rx (\d+) packets \d+ bytes, (\d+) dropped, (\d+) errors, (\d+) without a copy$"


def rx_lend_checks(name):
    def host(ports, log):
        import re
        port = ports["tcp:80"]
        for what, check in (("parallel", lambda: parallel(port)), ("10 MiB", lambda: bytes_stream(port))):
            err = check()
            if err:
                return f"{what}: {err}"
        status, body, _ = http_get(port, "/")
        m = re.search(RX_LINE, body.decode(errors="replace"), re.M)
        if status != 200 or not m:
            return f"status page: {status}, no /{RX_LINE}/"
        packets, errors, lent = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if lent == 0 or lent > packets or errors:
            return f"rx counters: {m.group(0).strip()}"
        print(f"     {name}: {lent} of {packets} frames received without a copy", flush=True)
        return None
    return host


for model in ("e1000", "e1000e"):
    CASES.append(Case(f"rxlend-{model}-q35", machine="q35", app="httpd", nic=model, hostfwd=["tcp:80"],
                      host=rx_lend_checks(f"rxlend-{model}-q35"), host_after=HTTPD_UP, timeout=240,
                      reject=NO_PANIC, expect=[READY, HTTPD_UP]))

# Lent receive buffers running out (tests/selftest/netlend.c): a consumer
# that keeps every lent buffer; the driver must fall back to copies, lose
# no offer, and lend again after the buffers come back.
for model in ("e1000", "e1000e"):
    CASES.append(Case(f"net-rxlend-{model}-q35", machine="q35", cmdline="selftest=rxlend",
                      extra=["-nic", "none", "-netdev", "user,id=n0", "-device", f"{model},netdev=n0"],
                      reject=NO_PANIC, timeout=120,
                      expect=[READY, r"^selftest: rxlend: eth0: sent 400, offers 400, lent \d+ \(held\), copied \d+$",
                              r"^selftest: rxlend: eth0: after release: sent 40, offers 40, lent \d+$",
                              r"selftest: rxlend passed"]))


# --- the first answer after DHCP comes without a SYN retransmission ----------
# The 82540EM model holds received frames for 1 s after the driver enables
# receive (QEMU hw/net/e1000.c, set_rx_control): the DHCPOFFER and the
# client's first SYN, sent as soon as minnow is ready, then reach minnow
# together, the SYN before the DHCPACK has bound the address. minnow holds
# it (net/lwip/dhcp_hold.c) and answers it once bound; without that the SYN
# is lost and the answer waits for a retransmission. Counted on the wire:
# QEMU's filter-dump writes every frame between slirp and the NIC to a pcap;
# exactly one SYN to port 80 must be there, answered by one SYN-ACK.
def pcap_tcp_flags(path, port):
    """(SYNs to port, SYN-ACKs from port) in a pcap of Ethernet frames."""
    import struct
    data = open(path, "rb").read()
    if len(data) < 24 or struct.unpack("<I", data[:4])[0] != 0xA1B2C3D4:
        return None
    syn = synack = 0
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 0x0F) * 4
        tcp = frame[14 + ihl:]
        if len(tcp) < 14:
            continue
        sport, dport = struct.unpack(">HH", tcp[:4])
        flags = tcp[13]
        if dport == port and flags & 0x12 == 0x02:
            syn += 1
        elif sport == port and flags & 0x12 == 0x12:
            synack += 1
    return syn, synack


def first_syn_answered(pcap):
    def host(ports, log):
        p = subprocess.run(["curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}",
                            f"http://127.0.0.1:{ports['tcp:80']}/"], capture_output=True, text=True, timeout=40)
        if p.returncode != 0 or p.stdout != "200":
            return f"curl: exit {p.returncode}, {p.stdout!r} {p.stderr.strip()}"
        _time.sleep(0.5)                  # filter-dump writes as frames pass; let it settle
        counts = pcap_tcp_flags(pcap, 80)
        if counts is None:
            return f"no pcap at {pcap}"
        if counts != (1, 1):
            return f"{counts[0]} SYNs to port 80 and {counts[1]} SYN-ACKs on the wire (want 1 and 1)"
        print(f"     first-answer-dhcp-e1000-q35: one SYN, answered ({counts})", flush=True)
        return None
    return host


_PCAP = _os.path.join(_os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))),
                     "build", "test-logs", "first-answer-dhcp-e1000-q35.pcap")
CASES.append(Case("first-answer-dhcp-e1000-q35", machine="q35", app="httpd", nic="e1000", hostfwd=["tcp:80"],
                  extra=["-object", f"filter-dump,id=dump0,netdev=n0,file={_PCAP}"],
                  host=first_syn_answered(_PCAP), host_after=r"^minnow: ready in", timeout=90,
                  reject=NO_PANIC, expect=[READY, r"^net: eth0 10\.0\.2\.15/24 gw 10\.0\.2\.2 \(dhcp\)$"]))


# --- a carrier loss mid-download, over TAP (net/lwip/carrier.c) ---------------
# curl in the namespace downloads 50 MiB of /bytes/N into a file; once 8 MiB
# have arrived the host step sets the link off through the monitor for
# 0.5 s, 2 s or 5 s, then on again. lwIP keeps its route while the carrier
# is down, frames sent meanwhile are lost as on a wire, and TCP retransmits
# after link-up: each download must complete with the exact byte count and
# the pattern, and the status page must count the carrier losses. Every
# wait is bounded (curl's --max-time, the polling loops).
FLAP_TAP_BYTES = 50 << 20
FLAP_TAP_DOWNS = (0.5, 2.0, 5.0)
CARRIER_LINE = (r"^    carrier lost (\d+), tx dropped without carrier (\d+), "
                r"retransmitted at carrier return (\d+)$")


def link_flap_tap(name):
    def host(tap, log, qemu):
        import tempfile
        m0, err = tap_status_line(tap, CARRIER_LINE)
        if err:
            return err
        want = hashlib.sha256(pattern(FLAP_TAP_BYTES)).digest()
        figures = []
        for down in FLAP_TAP_DOWNS:
            with tempfile.NamedTemporaryFile(prefix="minnow-flap-", delete=True) as out:
                t0 = _time.time()
                p = subprocess.Popen(tap.cmd(["curl", "-sS", "--max-time", "120", "-o", out.name, "-w",
                                              "%{http_code} %{size_download}",
                                              f"http://{tap.guest}/bytes/{FLAP_TAP_BYTES}"]),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                try:
                    end = _time.time() + 60
                    while _os.path.getsize(out.name) < 8 << 20 and p.poll() is None and _time.time() < end:
                        _time.sleep(0.01)
                    at = _os.path.getsize(out.name)
                    if p.poll() is not None or at < 8 << 20:
                        return f"down {down} s: no flap: {at} bytes before the link went off, curl {p.poll()}"
                    pos = len(qemu.log())
                    qemu.monitor("set_link n0 off")
                    _time.sleep(down)
                    qemu.monitor("set_link n0 on")
                    if not qemu.wait_log(r"^eth0: link up", 10, pos):
                        return f"down {down} s: no 'eth0: link up' within 10 s of set_link n0 on"
                    stdout, stderr = p.communicate(timeout=130)
                finally:
                    if p.poll() is None:
                        p.kill()
                        p.wait()
                body = open(out.name, "rb").read()
                secs = _time.time() - t0
            if p.returncode != 0 or stdout.split() != ["200", str(FLAP_TAP_BYTES)] or len(body) != FLAP_TAP_BYTES:
                return (f"down {down} s (at {at >> 20} MiB): curl exit {p.returncode}, {stdout!r}, "
                        f"{len(body)} of {FLAP_TAP_BYTES} bytes; {stderr.strip()}")
            if hashlib.sha256(body).digest() != want:
                return f"down {down} s: content differs from the pattern"
            figures.append(f"down {down} s at {at >> 20} MiB: 50 MiB complete in {secs:.1f} s")
        page, err = tap_status(tap)
        if err:
            return err
        m = _re.search(CARRIER_LINE, page, _re.M)
        lost = int(m.group(1)) - int(m0.group(1))
        print(f"     {name}: " + "; ".join(figures) + f"; carrier lost {lost}, tx dropped without carrier "
              f"{m.group(2)}, retransmitted at return {m.group(3)}", flush=True)
        if lost != len(FLAP_TAP_DOWNS):
            return f"status page counts {lost} carrier losses, want {len(FLAP_TAP_DOWNS)}"
        return None
    return host


for model, machine in (("e1000", "q35"), ("e1000e", "q35")):
    CASES.append(Case(f"linkflap-tap-{model}-{machine}", machine=machine, app="httpd", nic=model, tap=True,
                      cmdline=TAP_IP, monitor=True, host=link_flap_tap(f"linkflap-tap-{model}-{machine}"),
                      host_after=HTTPD_UP, timeout=300, reject=NO_PANIC, expect=[READY, HTTPD_UP]))


# --- the small ones: invalid sources, HTTP framing and line ends --------------
# SYNs with correct checksums from 0.0.0.0, 255.255.255.255, 224.0.0.1,
# 127.0.0.1 and the subnet broadcast, straight onto the TAP (raw_src.py):
# none may be answered, each must be counted as an invalid source on the
# status page, and the same SYN from the host's own address is answered.
# Then, over the same link, raw HTTP exchanges: two differing Content-Length
# fields get 400 (RFC 9112 6.3), a request with bare LF line ends gets its
# answer (RFC 9112 2.2), and HTTP/0.9's "GET /" gets 400 at once (well
# under httpd's 15 s idle timeout).
RAW_SRC = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "raw_src.py")
BAD_SRC_LINE = r"^    stack dropped: no rx buffer \d+, input queue full \d+, invalid ipv4 source (\d+)$"
RAW_HTTP = r'''
import socket, sys, time
t0 = time.time()
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(bytes.fromhex(sys.argv[2]))
out = b""
while len(out) < 1 << 20:
    b = s.recv(65536)
    if not b:
        break
    out += b
print(f"{time.time() - t0:.2f}", out.hex())
'''
SMALL_HTTP = [
    (b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 10\r\n\r\n", rb"^HTTP/1\.1 400 "),
    (b"GET /bytes/5 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
     rb"^HTTP/1\.1 200 .*\r\n\r\n\x00\x01\x02\x03\x04$"),
    (b"GET /bytes/3 HTTP/1.0\n\n", rb"^HTTP/1\.1 200 .*Connection: close\r\n\r\n\x00\x01\x02$"),
    (b"GET /bytes/2 HTTP/1.1\nHost: x\nConnection: close\n\n", rb"^HTTP/1\.1 200 .*\r\n\r\n\x00\x01$"),
    (b"GET /\r\n", rb"^HTTP/1\.1 400 "),
    (b"GET /\n", rb"^HTTP/1\.1 400 "),
]


def small_ones(name):
    def host(tap, log, qemu):
        m0, err = tap_status_line(tap, BAD_SRC_LINE)
        if err:
            return err
        p = subprocess.run(tap.cmd([_sys.executable, RAW_SRC, tap.dev, tap.host, tap.guest, "52:54:00:12:34:56",
                                    "80", str(RAW_ROUNDS)]), capture_output=True, text=True, timeout=90,
                           cwd=_os.path.dirname(RAW_SRC))
        got = dict(ln.split() for ln in p.stdout.splitlines() if len(ln.split()) == 2)
        bad = ("0.0.0.0", "255.255.255.255", "224.0.0.1", "127.0.0.1", "10.77.0.255")
        want = {src: f"0/{RAW_ROUNDS}" for src in bad}
        want[tap.host] = f"{RAW_ROUNDS}/{RAW_ROUNDS}"
        if p.returncode != 0 or got != want:
            return f"raw SYNs answered: {got or p.stdout!r} (want {want}) {p.stderr.strip()[-300:]}"
        page, err = tap_status(tap)
        if err:
            return err
        dropped = int(_re.search(BAD_SRC_LINE, page, _re.M).group(1)) - int(m0.group(1))
        if dropped != len(bad) * RAW_ROUNDS:
            return f"invalid sources dropped grew by {dropped}, want {len(bad) * RAW_ROUNDS}"
        slowest = 0.0
        for req, rx in SMALL_HTTP:
            r = subprocess.run(tap.cmd([_sys.executable, "-c", RAW_HTTP, tap.guest, req.hex()]),
                               capture_output=True, text=True, timeout=30)
            parts = r.stdout.split()
            if r.returncode != 0 or len(parts) not in (1, 2):
                return f"{req[:50]!r}: client failed: {r.stderr.strip()[-300:]}"
            secs, reply = float(parts[0]), bytes.fromhex(parts[1]) if len(parts) == 2 else b""
            if not _re.search(rx, reply, _re.S):
                return f"{req[:50]!r}: got {reply[:200]!r}, want /{rx.decode()}/"
            if secs > 5:
                return f"{req[:50]!r}: answered after {secs:.1f} s, not at once"
            slowest = max(slowest, secs)
        print(f"     {name}: SYNs from {len(bad)} invalid sources unanswered and counted ({dropped}), good ones "
              f"answered; {len(SMALL_HTTP)} HTTP exchanges right, slowest {slowest:.2f} s", flush=True)
        return None
    return host


CASES.append(Case("small-ones-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True, cmdline=TAP_IP,
                  host=small_ones("small-ones-e1000-q35"), host_after=HTTPD_UP, timeout=180, reject=NO_PANIC,
                  expect=[READY, HTTPD_UP]))


# --- deadlines: slow clients and idle connections (apps/httpd.c) ------------
# 40 slowloris clients (more than httpd's 32 connection slots), each sending
# a request header one byte every 2 s and reconnecting when closed, for 30 s;
# a probe from a fresh client 6 s in must be answered within the run: every
# header must be whole within 10 s of its first byte (408 otherwise), so
# slots come free and the probe, waiting in the accept queue, gets one.
# Then 32 keep-alive connections go idle, holding every slot: a fresh probe
# must be answered at once (httpd closes the oldest idle one for it), and the
# oldest must be the one closed. The status page counts both.
SLOWLORIS = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "slowloris.py")
DEADLINE_LINE = r"^httpd: idle connections closed for new clients (\d+), request headers timed out (\d+)$"


def slow_clients(name):
    def host(tap, log, qemu):
        t0 = _time.time()
        p = subprocess.run(tap.cmd([_sys.executable, SLOWLORIS, tap.guest, "40", "2", "30", "32"]),
                           capture_output=True, text=True, timeout=150)
        out = p.stdout
        probe = _re.search(r"^probe answered in ([\d.]+) s$", out, _re.M)
        slow = _re.search(r"^slow: (\d+) connections, (\d+) timeouts \(408\)$", out, _re.M)
        idle = _re.search(r"^idle probe answered in ([\d.]+) s$", out, _re.M)
        if p.returncode != 0 or not probe or not slow or not idle or "oldest idle closed: yes" not in out:
            return f"slowloris.py exit {p.returncode}:\n{out}{p.stderr.strip()[-500:]}"
        if float(idle.group(1)) > 5:
            return f"the probe among idle connections waited {idle.group(1)} s: no idle connection was closed for it"
        m, err = tap_status_line(tap, DEADLINE_LINE)
        if err:
            return err
        evicted, timeouts = int(m.group(1)), int(m.group(2))
        if timeouts < 32 or evicted < 1:
            return f"status page: {m.group(0)}: want >= 32 header timeouts and >= 1 idle connection closed"
        print(f"     {name}: probe among 40 slow clients answered in {probe.group(1)} s; slow clients made "
              f"{slow.group(1)} connections, {slow.group(2)} got 408; probe among 32 idle connections answered "
              f"in {idle.group(1)} s, oldest closed; status page: {evicted} evicted, {timeouts} header timeouts; "
              f"{_time.time() - t0:.0f} s", flush=True)
        return None
    return host


# httpd_conns=32: the 32 slots these clients fill (httpd sizes them from memory otherwise).
CASES.append(Case("slowloris-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP + " httpd_conns=32",
                  host=slow_clients("slowloris-e1000-q35"), host_after=HTTPD_UP, timeout=200, reject=NO_PANIC,
                  expect=[READY, HTTPD_UP]))


# --- frames the stack drops for want of buffers are counted ----------------
# The first step of bounded receive buffers: make them run short, and see it.
# 32 connections hold httpd's slots with an unfinished request line (until
# the 10 s header deadline); 8 more wait in lwIP's accept queue, where
# nobody reads, and each pushes up to 2 MiB: their windows (256 KiB each)
# hold more frames than minnow has receive buffers, so frames are dropped.
# The status page must then count them ("stack dropped: no rx buffer N",
# N > 0), and the stack must serve again once the deadline has freed the
# slots and the queued connections are read and closed (bounded retries).
DROP_LINE = r"^    stack dropped: no rx buffer (\d+), input queue full (\d+), invalid ipv4 source \d+$"
RX_PRESSURE = _os.path.join(_os.path.dirname(_os.path.abspath(__file__)), "rx_pressure.py")


def rx_drops_counted(name):
    def host(tap, log, qemu):
        m0, err = tap_status_line(tap, DROP_LINE)
        if err:
            return err
        t0 = _time.time()
        p = subprocess.run(tap.cmd([_sys.executable, RX_PRESSURE, tap.guest, "32", "8", str(2 << 20), "25"]),
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0 or not p.stdout.startswith("holders "):
            return f"rx_pressure.py exit {p.returncode}: {p.stdout} {p.stderr.strip()[-400:]}"
        end, page = _time.time() + 60, None
        while _time.time() < end:
            page, err = tap_status(tap)
            if not err:
                break
            _time.sleep(1)
        if err:
            return f"no status page within 60 s of the pressure: {err}"
        m = _re.search(DROP_LINE, page, _re.M)
        nobuf, noqueue = int(m.group(1)) - int(m0.group(1)), int(m.group(2)) - int(m0.group(2))
        # Data of connections nobody reads, dropped to spare the buffers
        # for everyone else (net/lwip/tcp_guard.c), counts too.
        g = _re.search(r"^tcp: data dropped to spare rx buffers (\d+),", page, _re.M)
        spared = int(g.group(1)) if g else 0
        print(f"     {name}: {p.stdout.strip()}; stack dropped for want of buffers: no rx buffer {nobuf}, "
              f"input queue full {noqueue}, spared {spared}; served again {_time.time() - t0:.0f} s after the start",
              flush=True)
        if nobuf + noqueue + spared == 0:
            return "no frame counted as dropped for want of buffers"
        return None
    return host


CASES.append(Case("rxdrop-counted-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP + " httpd_conns=32",
                  host=rx_drops_counted("rxdrop-counted-e1000-q35"), host_after=HTTPD_UP, timeout=200,
                  reject=NO_PANIC, expect=[READY, HTTPD_UP]))

# The shell's `net` shows the stack's drop counters under each NIC's address.
CASES.append(Case("shell-net-drops", machine="q35", app="shell", debug_exit=False, exit_code=0, timeout=90,
                  cmdline="ip=10.0.2.20/24 gw=10.0.2.2",
                  extra=["-nic", "none", "-netdev", "user,id=n0", "-device", "e1000,netdev=n0"],
                  reject=NO_PANIC,
                  interact=[(r"minnow> ", "net\r"), (r"tx \d+ packets[\s\S]*?minnow> ", "ip\r"),
                            (r"carrier lost[\s\S]*?minnow> ", "poweroff\r")],
                  expect=[r"inet 10\.0\.2\.20/24 gw 10\.0\.2\.2 \(static\)\r?\n"
                          r"  stack dropped: no rx buffer 0, input queue full 0, invalid ipv4 source \d+",
                          r"eth0: carrier up, 10\.0\.2\.20/24 .* rx no buffer 0, rx queue full 0",
                          r"invalid sources dropped \d+; carrier lost 0", r"powering off"]))


# --- cases of each further subsystem live in their own file ---------------
# tests/system/cases_<topic>.py defines CASES (a list); each is added here in
# name order, so a new driver's cases need no edit of this file. They may
# import the helpers above with `from cases import ...`.
def _topic_cases():
    import glob as _glob
    import importlib as _importlib
    import os as _os
    here = _os.path.dirname(_os.path.abspath(__file__))
    for path in sorted(_glob.glob(_os.path.join(here, "cases_*.py"))):
        mod = _importlib.import_module(_os.path.basename(path)[:-3])
        CASES.extend(mod.CASES)


_topic_cases()
