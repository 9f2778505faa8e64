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
messages per receive packet. Needs root, like every TAP case."""
import os
import re
import subprocess
import time

import qemu as _qemu

E2E_BYTES = 10 * 1024 * 1024


class E2ECase:
    """A system case run by its own function instead of a QEMU boot
    (qemu.run_case calls runner)."""

    def __init__(self, name, runner, host_args=()):
        self.name = name
        self.runner = runner
        self.host_args = list(host_args)


def _wait_for(path, text, proc, secs):
    """Waits (bounded) until the log at path holds text; error or None."""
    deadline = time.time() + secs
    while time.time() < deadline:
        log = open(path, errors="replace").read() if os.path.exists(path) else ""
        if text in log:
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
            proc = subprocess.Popen(tap.cmd([binary, tap.dev, f"ip={tap.guest}/24 gw={tap.host}", "300"]
                                             + c.host_args),
                                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=dict(os.environ, HVSIM_LOG="1",
                                             ASAN_OPTIONS="detect_leaks=0:detect_stack_use_after_return=0"))
        err = _wait_for(log_path, "httpd: listening", proc, 60)
        if err:
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


CASES = [E2ECase("netvsc-e2e-tap-curl", run_e2e),
         E2ECase("netvsc-e2e-tap-curl-gpa-batch", run_e2e, host_args=["1024", "4"])]
