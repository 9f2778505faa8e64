"""The reliability tier: minnow under load and abuse over a TAP link, where a
Linux guest on the same QEMU and NIC holds (docs/net.md, "Reliability under
load"). Each case boots one guest on an e1000 (q35) in a network namespace
of its own and drives it with tests/system/load.py (or slowloris.py) from
the host side. The cases assert what was served, never how fast.

Counts are bounded so that the tier stays near two minutes of TCG on two
cores: 1,000 requests at concurrency 250 (every client beyond httpd's
connection threads waits in the backlog at least once), 50 x 1 MiB echoes
(50 MiB through the stack, five times more than minnow's receive buffers),
200 slow clients for 24 s, 20,000 spoofed SYNs (300 times the listen
backlog), 32 x 4 MiB downloads in a 4 MiB guest.
"""
import re
import subprocess
import sys
import os

from cases import HTTPD_UP, ECHO_UP, NO_PANIC, READY, TAP_IP, tap_status
from qemu import Case

HERE = os.path.dirname(os.path.abspath(__file__))
LOAD = os.path.join(HERE, "load.py")
SLOWLORIS = os.path.join(HERE, "slowloris.py")
GUEST_MAC = "52:54:00:12:34:56"
GUARD_LINE = (r"^tcp: data dropped to spare rx buffers (\d+), syn cookies sent (\d+), connections from cookies "
              r"(\d+), half-open evicted (\d+)$")
CASES = []


def run_load(tap, args, timeout):
    """load.py ARGS in the namespace: (stdout, error)."""
    p = subprocess.run(tap.cmd([sys.executable, LOAD] + args), capture_output=True, text=True,
                       timeout=timeout)
    if p.returncode != 0 or not p.stdout.strip():
        return None, f"load.py {args[0]} exit {p.returncode}: {p.stdout} {p.stderr.strip()[-400:]}"
    return p.stdout.strip(), None


def status_after(tap, name, what):
    """The status page once the load is over: the guest must still serve."""
    page, err = tap_status(tap)
    if err:
        return f"{name}: no status page after {what}: {err}"
    print(f"     {name}: {what}", flush=True)
    return None


# 1,000 requests, 250 at once, each on a new connection: every one answered,
# none reset (lwIP resets a connection whose handshake completed when no
# netconn is left for it; the pools are now sized for the backlog).
def concurrency(name):
    def host(tap, log, qemu):
        out, err = run_load(tap, ["conc", tap.guest, "250", "1000", "150"], 200)
        if err:
            return err
        m = re.match(r"conc 250: ok (\d+), reset (\d+), refused (\d+), timeout (\d+), other (\d+)", out)
        if not m or int(m.group(1)) != 1000:
            return f"want 1000 answered, no reset: {out}"
        return status_after(tap, name, out)
    return host


CASES.append(Case("reliab-conc250-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP, host=concurrency("reliab-conc250-e1000-q35"), host_after=HTTPD_UP,
                  timeout=260, reject=NO_PANIC, expect=[READY, HTTPD_UP]))


# 50 parallel 1 MiB echoes, each verified byte for byte, while pings go on:
# connections the echo threads have not reached yet cannot take every
# receive buffer, so ICMP (and the other connections' ACKs) still get in.
def echo_pings(name):
    def host(tap, log, qemu):
        out, err = run_load(tap, ["echo", tap.guest, "50", str(1 << 20), "120"], 160)
        if err:
            return err
        m = re.match(r"echo (\d+)/50 verified, pings (\d+)/(\d+) answered, longest silence (\d+)", out)
        if not m or m.group(1) != "50":
            return f"want 50 of 50 echoes verified: {out}"
        # Pings every 0.2 s: a stack whose buffers are all taken answers
        # none for many seconds; allow a few lost ones, not a silence.
        if int(m.group(2)) * 2 < int(m.group(3)) or int(m.group(4)) > 10:
            return f"pings went unanswered under the echo load: {out}"
        after, err = run_load(tap, ["echo", tap.guest, "1", "1000", "20"], 40)
        if err or not after.startswith("echo 1/1 verified"):
            return f"no echo after the load: {after or err}"
        print(f"     {name}: {out}", flush=True)
        return None
    return host


CASES.append(Case("reliab-echo50-e1000-q35", machine="q35", app="echo", nic="e1000", tap=True,
                  cmdline=TAP_IP, host=echo_pings("reliab-echo50-e1000-q35"), host_after=ECHO_UP,
                  timeout=220, reject=NO_PANIC, expect=[READY, ECHO_UP]))


# 200 slowloris clients (a byte every 2 s): a fresh probe is still answered.
def slow200(name):
    def host(tap, log, qemu):
        p = subprocess.run(tap.cmd([sys.executable, SLOWLORIS, tap.guest, "200", "2", "24", "0"]),
                           capture_output=True, text=True, timeout=90)
        if p.returncode != 0 or not re.search(r"^probe answered in", p.stdout, re.M):
            return f"slowloris.py exit {p.returncode}: {p.stdout} {p.stderr.strip()[-400:]}"
        return status_after(tap, name, " / ".join(p.stdout.strip().splitlines()))
    return host


CASES.append(Case("reliab-slowloris200-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP, host=slow200("reliab-slowloris200-e1000-q35"), host_after=HTTPD_UP,
                  timeout=200, reject=NO_PANIC, expect=[READY, HTTPD_UP]))


# 20,000 SYNs from spoofed sources (2,500 a second): half-open connections
# are bounded and the SYNs beyond are answered with cookies, so a real
# client's handshake completes during the flood; the status page counts the
# cookies.
def synflood(name):
    def host(tap, log, qemu):
        page, err = tap_status(tap)             # fills both ARP caches
        if err:
            return err
        out, err = run_load(tap, ["synflood", tap.dev, tap.host, tap.guest, GUEST_MAC, "80", "20000", "60"],
                            120)
        if err:
            return err
        m = re.match(r"synflood sent (\d+), probes served (\d+)/(\d+)", out)
        if not m or m.group(1) != "20000" or int(m.group(2)) == 0:
            return f"want a probe served during a flood of 20000 SYNs: {out}"
        page, err = tap_status(tap)
        if err:
            return f"no status page after the flood: {err}"
        r = re.search(GUARD_LINE, page, re.M)
        if not r or int(r.group(2)) == 0:
            return "the status page counts no SYN cookie sent"
        print(f"     {name}: {out}; {r.group(0)}", flush=True)
        return None
    return host


CASES.append(Case("reliab-synflood-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP, host=synflood("reliab-synflood-e1000-q35"), host_after=HTTPD_UP,
                  timeout=200, reject=NO_PANIC, expect=[READY, HTTPD_UP]))


# A 4 MiB guest serves 32 parallel 4 MiB downloads, every byte checked:
# under memory pressure a send waits for memory instead of failing.
def small_memory(name):
    def host(tap, log, qemu):
        out, err = run_load(tap, ["download", tap.guest, "32", str(4 << 20), "240"], 280)
        if err:
            return err
        if not out.startswith("download 32/32 complete"):
            return f"want 32 of 32 downloads complete: {out}"
        return status_after(tap, name, out)
    return host


CASES.append(Case("reliab-mem4-download32-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  memory="4M", cmdline=TAP_IP, host=small_memory("reliab-mem4-download32-e1000-q35"),
                  host_after=HTTPD_UP, timeout=330, reject=NO_PANIC, expect=[READY, HTTPD_UP]))


# trace=tcpguard: each SYN answered with a cookie is one decoded line (100
# spoofed SYNs without an MSS option: past the 32 half-open, cookies that
# encode RFC 9293's default MSS, 536).
def trace_flood(name):
    def host(tap, log, qemu):
        page, err = tap_status(tap)
        if err:
            return err
        out, err = run_load(tap, ["synflood", tap.dev, tap.host, tap.guest, GUEST_MAC, "80", "100", "30"], 60)
        if err:
            return err
        print(f"     {name}: {out}", flush=True)
        return None
    return host


CASES.append(Case("reliab-trace-tcpguard-e1000-q35", machine="q35", app="httpd", nic="e1000", tap=True,
                  cmdline=TAP_IP + " trace=tcpguard", host=trace_flood("reliab-trace-tcpguard-e1000-q35"),
                  host_after=HTTPD_UP, timeout=120, reject=NO_PANIC,
                  expect=[READY, HTTPD_UP, r"^tcpguard: SYN from 10\.99\.\d+\.\d+:\d+: half-open queue full, "
                          r"SYN-ACK with cookie [0-9a-f]{8} \(mss 536\)$"]))
