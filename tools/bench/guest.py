"""One QEMU guest under the bench's clock: launch, serial lines stamped on
arrival, and the launch -> first HTTP answer poller.

Every figure is taken by this process's monotonic clock from just before
QEMU is started: `ready` when the serial line matching a marker arrives on
QEMU's stdout (a pipe, read by a thread), `answer` when a raw HTTP GET sent
to a 127.0.0.1 host forward gets its first byte back. Every wait is
bounded; QEMU is killed (by its own pid) when a run ends."""
import os
import re
import socket
import subprocess
import threading
import time

QEMU = "qemu-system-x86_64"


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def nic_args(nic, fwds, dump=None):
    """QEMU's user network with hostfwd of each (host port, guest port), and
    optionally every frame of n0 written to a pcap (filter-dump)."""
    f = "".join(f",hostfwd=tcp:127.0.0.1:{h}-:{g}" for h, g in fwds)
    a = ["-nic", "none", "-netdev", f"user,id=n0{f}", "-device", f"{nic},netdev=n0"]
    if dump:
        a += ["-object", f"filter-dump,id=d0,netdev=n0,file={dump}"]
    return a


class Guest:
    def __init__(self, args, log_path=None):
        self.args = args
        self.lines = []                 # (seconds since launch, text)
        self.cond = threading.Condition()
        self.log_path = log_path
        self.t0 = time.monotonic()
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in iter(self.p.stdout.readline, b""):
            t = time.monotonic() - self.t0
            with self.cond:
                self.lines.append((t, raw.decode(errors="replace").rstrip("\r\n")))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    def wait_line(self, rx, timeout):
        """(seconds since launch, match) of the first line matching rx, or None."""
        r = re.compile(rx)
        deadline = time.monotonic() + timeout
        i = 0
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = r.search(self.lines[i][1])
                    if m:
                        return self.lines[i][0], m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (self.p.poll() is not None and not self.reader.is_alive()):
                    return None
                self.cond.wait(min(left, 0.05))

    def wait_exit(self, timeout):
        """Seconds from launch to QEMU's exit, or None."""
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        return time.monotonic() - self.t0

    def text(self):
        with self.cond:
            return "\n".join(f"{t:9.4f} {s}" for t, s in self.lines)

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.reader.join(timeout=5)
        if self.log_path:
            with open(self.log_path, "w") as f:
                f.write(" ".join(self.args) + "\n" + self.text() + "\n")


def http_once(port, attempt_timeout):
    """One raw GET; True when an HTTP status line came back."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=attempt_timeout)
    except OSError:
        return False
    try:
        s.settimeout(attempt_timeout)
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        return s.recv(16).startswith(b"HTTP/")
    except OSError:
        return False
    finally:
        s.close()


def first_answer(g, port, timeout, every=0.005, attempt_timeout=3.0):
    """Seconds from g's launch to the first HTTP answer on port: one GET at a
    time, a new one `every` seconds after a failed one (as a health checker
    would), each attempt bounded by attempt_timeout. None on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http_once(port, attempt_timeout):
            return time.monotonic() - g.t0
        if g.p.poll() is not None:
            return None
        time.sleep(every)
    return None
