"""netvsc end to end: real curl against minnow's netvsc, lwIP and httpd.

There is no Hyper-V under QEMU's TCG, so the guest side runs on the host:
build/host/e2e_netvsc (tests/hvsim/e2e/) is hv/netvsc*.c, net/ and
apps/httpd.c built for Linux against the strict simulator's netvsp host,
whose frames go to and from a TAP device. This case makes the TAP device
in a network namespace of its own (qemu.TapNet, as the QEMU TAP cases),
runs the program inside it with the guest at TAP_GUEST, and from the
namespace fetches the status page (it must list eth0 as netvsc with its
address and link) and 10 MiB from /bytes/, checked byte for byte (httpd's
pattern: byte i is i mod 256). Two hosts: openvmm's answers (6144-byte
send sections, one message per receive packet), and one with 1024-byte
sections (every full-size frame goes GPA-direct) that batches four RNDIS
messages per receive packet. Needs root, like every TAP case.

Then the same program against the peers the e1000 TAP cases use:
100 curl requests in a row from one local port (minnow closes first and
must reopen its TIME_WAIT on each SYN), a Python client echoing 10 MiB
through apps/echo.c (run beside httpd, e2e_netvsc -e), and a download
through which the host unplugs the cable: the program's SIGUSR1 makes
the netvsp host send an RNDIS media-disconnect indication and pass no
frames, SIGUSR2 two seconds later media-connect; the guest's netdev must
log the carrier's loss and return and the download finish byte-exact."""
import hashlib
import os
import re
import signal
import subprocess
import time

import qemu as _qemu
from cases import REUSE_PORT, REUSE_ROUNDS, Reuse, CARRIER_LINE, tap_status

E2E_BYTES = 10 * 1024 * 1024


class E2ECase:
    """A system case run by its own function instead of a QEMU boot
    (qemu.run_case calls runner)."""

    def __init__(self, name, runner, host_args=(), body=None, opts=()):
        self.name = name
        self.runner = runner
        self.host_args = list(host_args)
        self.body = body                # run_e2e's checks after httpd is up (None: curl and /bytes/)
        self.opts = list(opts)          # e2e_netvsc's options (-e: echo beside httpd)


def _wait_for(path, text, proc, secs, pos=0):
    """Waits (bounded) until the log at path holds text after offset pos;
    error or None."""
    deadline = time.time() + secs
    while time.time() < deadline:
        log = open(path, errors="replace").read() if os.path.exists(path) else ""
        if text in log[pos:]:
            return None
        if proc.poll() is not None:
            return f"e2e_netvsc exited ({proc.returncode}) before '{text}'"
        time.sleep(0.1)
    return f"never saw '{text}' in {secs} s"


def _check_bytes(path):
    data = open(path, "rb").read()
    if len(data) != E2E_BYTES:
        return f"/bytes/: {len(data)} bytes, expected {E2E_BYTES}"
    pattern = bytes(range(256)) * (E2E_BYTES // 256)
    if data != pattern:
        bad = next(i for i in range(E2E_BYTES) if data[i] != pattern[i])
        return f"/bytes/: byte {bad} is {data[bad]}, expected {bad % 256}"
    return None


def run_e2e(c, root, logdir):
    start = time.time()
    binary = os.path.join(root, "build", "host", "e2e_netvsc")
    if not os.access(binary, os.X_OK):
        return "build/host/e2e_netvsc not built (make e2e-netvsc)", 0
    log_path = os.path.join(logdir, c.name + ".log")
    out_path = os.path.join(logdir, c.name + ".bytes")
    tap = _qemu.TapNet()
    proc = None
    try:
        err = tap.setup()
        if err:
            return f"TAP network: {err}", time.time() - start
        with open(log_path, "w") as log:
            proc = subprocess.Popen(tap.cmd([binary] + c.opts + [tap.dev, f"ip={tap.guest}/24 gw={tap.host}", "300"]
                                             + c.host_args),
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, HVSIM_LOG="1",
                                             ASAN_OPTIONS="detect_leaks=0:detect_stack_use_after_return=0"))
        err = _wait_for(log_path, "httpd: listening", proc, 60)
        if not err and "-e" in c.opts:
            err = _wait_for(log_path, "echo: listening", proc, 60)
        if err:
            return err, time.time() - start
        if c.body:
            err = c.body(c, tap, proc, log_path, out_path)
            if not err:
                proc.terminate()
                proc.wait(timeout=10)
                log = open(log_path, errors="replace").read()
                if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
                    err = "sanitizer report in the log"
            return err, time.time() - start
        p = subprocess.run(tap.cmd(["curl", "-sS", "--max-time", "30", f"http://{tap.guest}/"]),
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            return f"status page: curl: {p.stderr.strip()}", time.time() - start
        want = f"eth0 netvsc vmbus relid 1 nvsp 6.1 mac 00:15:5d:01:02:03 addr {tap.guest} link up"
        if want not in p.stdout:
            return f"status page lacks '{want}'", time.time() - start
        t0 = time.time()
        p = subprocess.run(tap.cmd(["curl", "-sS", "--max-time", "240", "-o", out_path,
                                    f"http://{tap.guest}/bytes/{E2E_BYTES}"]),
                           capture_output=True, text=True, timeout=260)
        secs = time.time() - t0
        if p.returncode != 0:
            return f"/bytes/: curl: {p.stderr.strip()}", time.time() - start
        err = _check_bytes(out_path)
        if err:
            return err, time.time() - start
        proc.terminate()                # prints its frame counts and exits
        proc.wait(timeout=10)
        log = open(log_path, errors="replace").read()
        if "ERROR: AddressSanitizer" in log or "runtime error:" in log:
            return "sanitizer report in the log", time.time() - start
        m = re.search(r"\((\d+) from send sections, (\d+) GPA-direct\)", log)
        if not m:
            return "no frame counts from e2e_netvsc", time.time() - start
        sections, gpa = int(m.group(1)), int(m.group(2))
        if c.host_args and gpa < E2E_BYTES // 1500:
            return f"only {gpa} frames went GPA-direct with 1024-byte sections", time.time() - start
        print(f"     {c.name}: 10 MiB through netvsc in {secs:.2f} s ({E2E_BYTES / secs / 1e6:.1f} MB/s), "
              f"byte-exact; guest frames: {sections} via send sections, {gpa} GPA-direct", flush=True)
        return None, time.time() - start
    finally:
        if proc and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        tap.cleanup()
        if os.path.exists(out_path):
            os.remove(out_path)


def port_reuse(c, tap, proc, log_path, out_path):
    """As cases.curl_port_reuse over the netvsc program: REUSE_ROUNDS curl
    requests from local port REUSE_PORT with Connection: close and
    --ignore-content-length (so minnow closes first and holds TIME_WAIT);
    all must succeed and minnow's counter of TIME_WAIT blocks reopened by a
    SYN must grow by one for each but the first."""
    r = Reuse(tap)
    if r.err:
        return r.err
    print(f"     {c.name}: {r.ok}/{REUSE_ROUNDS} curl --local-port {REUSE_PORT} ok in {r.secs:.1f} s, "
          f"minnow reopened TIME_WAIT {r.reopened} times", flush=True)
    return r.verdict()


# Run inside the namespace: sends argv[2] bytes (seeded pseudo-random) to
# argv[1]:7 while reading them back, compares, prints bytes and seconds.
ECHO_CLIENT = """
import hashlib, random, socket, sys, threading, time
n = int(sys.argv[2])
data = random.Random(7).randbytes(n)
s = socket.create_connection((sys.argv[1], 7), timeout=30)
err = []
def sender():
    try:
        for off in range(0, n, 65536):
            s.sendall(data[off:off + 65536])
        s.shutdown(socket.SHUT_WR)
    except OSError as e:
        err.append(e)
t0 = time.time()
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
    err.append(e)
secs = time.time() - t0
t.join(timeout=30)
same = h.digest() == hashlib.sha256(data).digest()
print(got, f"{secs:.2f}", "same" if same else "differs", err or "")
sys.exit(0 if got == n and same and not err else 1)
"""


def tcp_echo(c, tap, proc, log_path, out_path):
    p = subprocess.run(tap.cmd(["python3", "-c", ECHO_CLIENT, tap.guest, str(E2E_BYTES)]),
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        return f"tcp echo through apps/echo.c: {p.stdout.strip()} {p.stderr.strip()[-500:]}"
    got, secs = p.stdout.split()[:2]
    print(f"     {c.name}: 10 MiB echoed through netvsc and apps/echo.c in {secs} s, byte-exact", flush=True)
    return None


FLAP_BYTES = 64 << 20
FLAP_DOWN_S = 2


def link_flap(c, tap, proc, log_path, out_path):
    """A download of FLAP_BYTES; at 8 MiB the host unplugs (RNDIS media
    disconnect, no frames), FLAP_DOWN_S later plugs back (media connect).
    The guest must log 'eth0: link down' then 'eth0: link up', count one
    carrier loss, and the download finish with the exact bytes."""
    page, err = tap_status(tap)
    if err:
        return err
    lost0 = int(re.search(CARRIER_LINE, page, re.M).group(1))
    t0 = time.time()
    p = subprocess.Popen(tap.cmd(["curl", "-sS", "--max-time", "120", "-o", out_path, "-w",
                                  "%{http_code} %{size_download}", f"http://{tap.guest}/bytes/{FLAP_BYTES}"]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        end = time.time() + 60
        size = lambda: os.path.getsize(out_path) if os.path.exists(out_path) else 0
        while size() < 8 << 20 and p.poll() is None and time.time() < end:
            time.sleep(0.01)
        at = size()
        if p.poll() is not None or at < 8 << 20:
            return f"no flap: {at} bytes before the unplug, curl {p.poll()}"
        pos = len(open(log_path, errors="replace").read())
        proc.send_signal(signal.SIGUSR1)
        err = _wait_for(log_path, "eth0: link down", proc, 10, pos)
        if err:
            return f"after the media disconnect indication: {err}"
        time.sleep(FLAP_DOWN_S)
        if p.poll() is not None:
            return f"curl ended ({p.returncode}) while the link was down"
        at_up = size()
        pos = len(open(log_path, errors="replace").read())
        proc.send_signal(signal.SIGUSR2)
        err = _wait_for(log_path, "eth0: link up", proc, 10, pos)
        if err:
            return f"after the media connect indication: {err}"
        stdout, stderr = p.communicate(timeout=130)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    secs = time.time() - t0
    if p.returncode != 0 or stdout.split() != ["200", str(FLAP_BYTES)]:
        return f"download: curl exit {p.returncode}, {stdout!r}; {stderr.strip()}"
    body = open(out_path, "rb").read()
    if len(body) != FLAP_BYTES or hashlib.sha256(body).digest() != \
            hashlib.sha256(bytes(range(256)) * (FLAP_BYTES // 256)).digest():
        return f"download: {len(body)} bytes, not httpd's pattern of {FLAP_BYTES}"
    page, err = tap_status(tap)
    if err:
        return err
    m = re.search(CARRIER_LINE, page, re.M)
    lost = int(m.group(1)) - lost0
    proc.terminate()                    # prints its frame counts and exits
    proc.wait(timeout=10)
    unplugged = re.search(r"(\d+) while unplugged", open(log_path, errors="replace").read())
    if not unplugged or not int(unplugged.group(1)):
        return "the host dropped no frame while unplugged: the download did not run into the pulled cable"
    print(f"     {c.name}: 64 MiB download unplugged {FLAP_DOWN_S} s at {at >> 20} MiB "
          f"({at_up >> 20} MiB at plug-in), complete byte-exact in {secs:.1f} s; carrier lost {lost}, "
          f"tx dropped without carrier {m.group(2)}, retransmitted at return {m.group(3)}; {unplugged.group(1)} frames lost to the unplugged host",
          flush=True)
    if lost != 1:
        return f"status page counts {lost} carrier losses, want 1"
    return None


CASES = [E2ECase("netvsc-e2e-tap-curl", run_e2e),
         E2ECase("netvsc-e2e-tap-curl-gpa-batch", run_e2e, host_args=["1024", "4"]),
         E2ECase("netvsc-e2e-tap-portreuse-curl", run_e2e, body=port_reuse),
         E2ECase("netvsc-e2e-tap-echo", run_e2e, body=tcp_echo, opts=["-e"]),
         E2ECase("netvsc-e2e-tap-linkflap", run_e2e, body=link_flap)]
