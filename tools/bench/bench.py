#!/usr/bin/env python3
"""make bench / make bench-quick: boot to first answer, boot timeline, size,
throughput, requests/s and RAM, for minnow against an empty guest (the
floor) and a Debian 12 Linux guest, on the same QEMU machine and NIC.

    python3 tools/bench/bench.py [--quick] [--runs N] [--out build/bench]

Writes OUT/report.md and OUT/*.svg; the serial log of every guest run is
kept in OUT/logs/. Python 3's standard library only. Everything runs under
QEMU's TCG (no KVM here), so absolute times are the emulator's; the ratios
are what carry over. Every wait is bounded; goals are reported as ratios,
never asserted (the exit status says only whether the bench itself ran).
"""
import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest as G                                   # noqa: E402
import reliab                                       # noqa: E402
import svg                                          # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MEM = "256M"
# The configurations, by the name the tables give them: QEMU machine,
# -device of the NIC, minnow's image, the floor's image. microvm loads
# -kernel through PVH only (no multiboot), so it gets the PVH-only images;
# its virtio-net-device sits on the virtio-mmio transport, which minnow and
# Linux find in the DSDT (microvm's ACPI is on by default).
CONFIGS = {
    "e1000": ("q35", "e1000", "minnow.elf", "floor.elf"),
    "e1000e": ("q35", "e1000e", "minnow.elf", "floor.elf"),
    "vmxnet3": ("q35", "vmxnet3", "minnow.elf", "floor.elf"),
    "virtio-net-pci": ("q35", "virtio-net-pci", "minnow.elf", "floor.elf"),
    "virtio-mmio": ("microvm", "virtio-net-device", "minnow-pvh.elf", "floor-pvh.elf"),
}
FULL = list(CONFIGS)
# bench-quick: one NIC, virtio-net on q35 (the paravirtual NIC clouds give;
# e1000e's figures are in the full bench and in docs/boot-time.md).
QUICK = ["virtio-net-pci"]
STATIC = "ip=10.0.2.15/24 gw=10.0.2.2"
READY = r"^minnow: ready in (\d+) us"
TIMELINE = r"^\s+(\d+)\s+\+\s+(\d+)\s+(\S.*)$"
BOOT_TIMEOUT = 60
LINUX_TIMEOUT = 120


def log(msg):
    print(f"bench: {msg}", flush=True)


def base_args(nic, mem=MEM):
    return [G.QEMU, "-accel", "tcg", "-M", CONFIGS[nic][0], "-m", mem, "-display", "none",
            "-serial", "stdio", "-monitor", "none", "-no-reboot"]


class Bench:
    def __init__(self, out, quick, runs, nics=None):
        self.out, self.quick, self.runs = out, quick, runs
        self.logs = os.path.join(out, "logs")
        shutil.rmtree(self.logs, ignore_errors=True)     # this run's logs only
        os.makedirs(self.logs)
        self.nics = nics or (QUICK if quick else FULL)
        self.seq = 0

    def logpath(self, what):
        self.seq += 1
        return os.path.join(self.logs, f"{self.seq:03d}-{what}.log")

    # --- the three guests -------------------------------------------------
    def floor(self, nic):
        """Launch -> QEMU's exit for the empty guest, same machine and NIC."""
        args = base_args(nic) + ["-device", "isa-debug-exit,iobase=0xf4,iosize=4",
                                 "-kernel", os.path.join(self.out, CONFIGS[nic][3])] + G.nic_args(CONFIGS[nic][1], [])
        g = G.Guest(args, self.logpath(f"floor-{nic}"))
        t = g.wait_exit(30)
        g.stop()
        out = g.wait_line(r"^floor$", 0)
        return t, (out[0] if out else None)

    def minnow(self, nic, mode, app="httpd", mem=MEM, fwds=(80,), extra="", kernel=None):
        ports = [(G.free_port(), p) for p in fwds]
        cmd = f"app={app} {STATIC if mode == 'static' else ''} {extra}".strip()
        args = base_args(nic, mem) + ["-kernel", kernel or os.path.join(ROOT, "build", CONFIGS[nic][2]),
                                      "-append", cmd] + G.nic_args(CONFIGS[nic][1], ports)
        return G.Guest(args, self.logpath(f"minnow-{nic}-{mode}-{app}-{mem}")), dict((g, h) for h, g in ports)

    def linux(self, nic, mode, mem=MEM, fwds=(80,), extra=""):
        ports = [(G.free_port(), p) for p in fwds]
        lb = os.path.join(self.out, "linux")
        # no_timer_check: on a loaded host, TCG's virtual time can fail the
        # kernel's IO-APIC timer check ("IO-APIC + timer doesn't work", a
        # panic); the check proves nothing about the NIC, so it is skipped.
        cmd = "console=ttyS0 quiet panic=-1 no_timer_check"
        if mode == "static":
            cmd += " bench_ip=10.0.2.15/24 bench_gw=10.0.2.2"
        if CONFIGS[nic][0].startswith("microvm"):
            # microvm under TCG has no PIT, HPET or ACPI PM timer (its pit and
            # pic are "auto": only with KVM's in-kernel irqchip), so Linux
            # cannot measure its TSC ("tsc: Unable to calibrate against PIT")
            # and stops before init. Tell it the rate: TCG's TSC follows the
            # host's, whose nominal MHz /proc/cpuinfo gives.
            cmd += f" tsc_early_khz={host_tsc_khz()}"
        cmd += " " + extra
        args = base_args(nic, mem) + ["-kernel", os.path.join(lb, "vmlinuz"), "-initrd", os.path.join(lb, "initrd.img"),
                                      "-append", cmd.strip()] + G.nic_args(CONFIGS[nic][1], ports)
        return G.Guest(args, self.logpath(f"linux-{nic}-{mode}-{mem}")), dict((g, h) for h, g in ports)

    # --- 1. launch -> ready, launch -> first answer ---------------------
    def boot_minnow(self, nic, mode):
        g, ports = self.minnow(nic, mode)
        try:
            r = g.wait_line(READY, BOOT_TIMEOUT)
            a = G.first_answer(g, ports[80], BOOT_TIMEOUT, attempt_timeout=0.2) if r else None
            stages = {}
            for t, line in g.lines:
                m = re.match(TIMELINE, line)
                if m:
                    stages[m.group(3)] = int(m.group(2))
            return (r[0] if r else None), a, stages, (int(r[1].group(1)) if r else None)
        finally:
            g.stop()

    def boot_linux(self, nic, mode):
        g, ports = self.linux(nic, mode)
        try:
            r = g.wait_line(r"^linux: init", LINUX_TIMEOUT)
            a = G.first_answer(g, ports[80], LINUX_TIMEOUT, attempt_timeout=0.5) if r else None
            return (r[0] if r else None), a
        finally:
            g.stop()

    # --- 3. throughput and requests/s -----------------------------------
    def iperf_to_guest(self, port, secs):
        p = subprocess.run(["iperf", "-c", "127.0.0.1", "-p", str(port), "-t", str(secs), "-f", "k"],
                           capture_output=True, text=True, timeout=secs + 30)
        m = re.search(r"\]\s+[\d.]+-([\d.]+) sec\s+[\d.]+ KBytes\s+([\d.]+) Kbits/sec", p.stdout)
        return float(m.group(2)) / 1000 if m else None

    def iperf_from_minnow(self, nic, kernel=None):
        """Guest -> host: `iperf_to=10.0.2.2` makes minnow's iperf client send
        10 s to 10.0.2.2:5001, which QEMU's user network (slirp) connects to
        the host's 127.0.0.1:5001, where `iperf -s` listens. The port is fixed
        by apps/iperf.c (IPERF_PORT), so it must be free on the host.
        The rate is the one the app reports at the client's end."""
        srv = subprocess.Popen(["iperf", "-s", "-B", "127.0.0.1", "-p", "5001", "-f", "k"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        if srv.poll() is not None:
            log("iperf guest->host: cannot listen on 127.0.0.1:5001")
            return None
        g, _ = self.minnow(nic, "static", app="iperf", fwds=(), extra="iperf_to=10.0.2.2", kernel=kernel)
        try:
            m = g.wait_line(r"^iperf: \d+ bytes in \d+ ms, (\d+) kbit/s \(from 10\.0\.2\.2:5001\), client done$",
                            BOOT_TIMEOUT + 15)
            return int(m[1].group(1)) / 1000 if m else None
        finally:
            g.stop()
            srv.kill()
            srv.wait()

    def ab(self, url, n, keepalive):
        args = ["ab", "-q", "-n", str(n), "-c", "1", "-s", "10"] + (["-k"] if keepalive else []) + [url]
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return None
        m = re.search(r"Requests per second:\s+([\d.]+)", p.stdout)
        failed = re.search(r"Failed requests:\s+(\d+)", p.stdout)
        if not m or (failed and int(failed.group(1)) > 0) or "Non-2xx responses" in p.stdout:
            return None
        return float(m.group(1))

    def load_minnow(self, nic, secs, nreq):
        res = {}
        g, ports = self.minnow(nic, "static", app="iperf", fwds=(5001,))
        try:
            if g.wait_line(r"^iperf: listening", BOOT_TIMEOUT):
                res["iperf host->guest"] = self.iperf_to_guest(ports[5001], secs)
        finally:
            g.stop()
        res["iperf guest->host"] = self.iperf_from_minnow(nic)
        g, ports = self.minnow(nic, "static")
        try:
            if g.wait_line(r"^httpd: listening", BOOT_TIMEOUT) and G.first_answer(g, ports[80], 20, attempt_timeout=0.2):
                url = f"http://127.0.0.1:{ports[80]}/bytes/16"
                res["req/s keep-alive"] = self.ab(url, nreq, True)
                res["req/s new connection"] = self.ab(url, nreq, False)
        finally:
            g.stop()
        return res

    def load_linux(self, nic, secs, nreq):
        res = {}
        lport = G.free_port()
        srv = subprocess.Popen(["iperf", "-s", "-p", str(lport), "-f", "k"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        g, ports = self.linux(nic, "static", fwds=(80, 5001), extra=f"bench_iperfc={lport}")
        try:
            up = g.wait_line(r"^linux: iperf server up", LINUX_TIMEOUT)
            for _, line in g.lines:
                m = re.search(r"linux: iperf-c .*\]\s+[\d.]+-([\d.]+) sec\s+[\d.]+ KBytes\s+([\d.]+) Kbits/sec", line)
                if m:
                    res["iperf guest->host"] = float(m.group(2)) / 1000
            if up:
                time.sleep(0.5)
                res["iperf host->guest"] = self.iperf_to_guest(ports[5001], secs)
                url = f"http://127.0.0.1:{ports[80]}/16"
                if G.first_answer(g, ports[80], 20, attempt_timeout=0.5):
                    res["req/s keep-alive"] = self.ab(url, nreq, True)
                    res["req/s new connection"] = self.ab(url, nreq, False)
        finally:
            g.stop()
            srv.kill()
            srv.wait()
        return res

    # --- 4. RAM ---------------------------------------------------------
    def init_vs_ram(self, mem):
        g, _ = self.minnow("e1000e", "static", app="none", mem=mem, fwds=())
        try:
            r = g.wait_line(READY, BOOT_TIMEOUT)
            stages = {}
            for _, line in g.lines:
                m = re.match(TIMELINE, line)
                if m:
                    stages[m.group(3)] = int(m.group(2))
            return (int(r[1].group(1)) if r else None), stages.get("memory")
        finally:
            g.stop()

    def serves(self, kind, mib, nreq=1000):
        """Boots with mib MiB and serves nreq keep-alive requests?"""
        mem = f"{mib}M"
        if kind == "minnow":
            g, ports = self.minnow("e1000e", "static", mem=mem)
            url = f"http://127.0.0.1:{ports[80]}/bytes/16"
            up = r"^httpd: listening"
        else:
            g, ports = self.linux("e1000e", "static", mem=mem)
            url = f"http://127.0.0.1:{ports[80]}/16"
            up = r"^linux: iperf server up"
        try:
            if not g.wait_line(up, LINUX_TIMEOUT if kind == "linux" else BOOT_TIMEOUT):
                return False
            if not G.first_answer(g, ports[80], 20, attempt_timeout=0.5):
                return False
            return self.ab(url, nreq, True) is not None
        finally:
            g.stop()

    def bisect_ram(self, kind, lo, hi):
        """Smallest MiB in (lo, hi] that serves, given hi serves and lo fails."""
        if not self.serves(kind, hi):
            return None, f"{hi} MiB does not serve"
        while hi - lo > 1:
            mid = (lo + hi) // 2
            ok = self.serves(kind, mid)
            log(f"  {kind} {mid} MiB: {'serves' if ok else 'fails'}")
            if ok:
                hi = mid
            else:
                lo = mid
        return hi, None


# --- statistics and formatting ------------------------------------------
def med(xs):
    xs = [x for x in xs if x is not None]
    return (statistics.median(xs), min(xs), max(xs), len(xs)) if xs else None


def fmt_s(st, scale=1.0, unit="s", nd=3):
    if not st:
        return "failed"
    m, lo, hi, n = st
    return f"{m * scale:.{nd}f} {unit} ({lo * scale:.{nd}f}-{hi * scale:.{nd}f}, n={n})"


def ratio(a, b):
    return f"{a[0] / b[0]:.2f}x" if a and b and b[0] else "n/a"


def host_tsc_khz():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("cpu MHz"):
                return int(float(line.split(":", 1)[1]) * 1000)
    except (OSError, ValueError):
        pass
    return 2000000


def host_header():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    q = subprocess.run([G.QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return cpu, q, os.cpu_count()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--reliab-only", action="store_true",
                    help="only the reliability section (root, TAP), into OUT/report-reliab.md")
    ap.add_argument("--nics", help="comma-separated configurations, of: " + ", ".join(CONFIGS))
    a = ap.parse_args()
    nics = a.nics.split(",") if a.nics else None
    if nics and not set(nics) <= set(CONFIGS):
        sys.exit(f"bench: --nics takes {', '.join(CONFIGS)}")
    runs = a.runs or (3 if a.quick else 5)
    start = time.monotonic()
    b = Bench(a.out, a.quick, runs, nics)
    for tool in ("iperf", "ab", G.QEMU):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} not found: run make deps")
    for nic in b.nics:
        _, _, img, fl = CONFIGS[nic]
        if not os.path.exists(os.path.join(a.out, fl)) or not os.path.exists(os.path.join(ROOT, "build", img)):
            sys.exit(f"bench: build/bench/{fl} or build/{img} missing: run it through make bench")
    have_linux = os.path.exists(os.path.join(a.out, "linux", "initrd.img"))
    cpu, qver, ncpu = host_header()
    R = {"boot": {}, "timeline": {}, "load": {}, "ram": {}, "ramfit": {}}
    if a.reliab_only:
        log("reliability under load, minnow and Linux over TAP")
        out = []
        reliab.report(out.append, reliab.run(b, have_linux, a.quick))
        with open(os.path.join(a.out, "report-reliab.md"), "w") as f:
            f.write("\n".join(out) + "\n")
        log(f"done in {time.monotonic() - start:.0f} s: {os.path.join(a.out, 'report-reliab.md')}")
        return

    # 1. boot to first answer
    minnow_modes = ["dhcp", "static"]
    linux_modes = ["dhcp"] if a.quick else ["dhcp", "static"]
    for nic in b.nics:
        log(f"floor, {nic}: {runs} runs")
        fs = [b.floor(nic) for _ in range(runs)]
        R["boot"][("floor", nic, "-")] = {"exit": [f[0] for f in fs], "ready": [f[1] for f in fs]}
        for mode in minnow_modes:
            log(f"minnow, {nic}, {mode}: {runs} runs")
            rs = [b.boot_minnow(nic, mode) for _ in range(runs)]
            R["boot"][("minnow", nic, mode)] = {"ready": [r[0] for r in rs], "answer": [r[1] for r in rs],
                                                "ready_us": [r[3] for r in rs]}
            stages = {}
            for r in rs:
                for k, v in r[2].items():
                    stages.setdefault(k, []).append(v)
            R["timeline"][f"{nic}, {mode}"] = stages
        if have_linux:
            for mode in linux_modes:
                lr = max(3, runs - 2) if a.quick else runs
                log(f"linux, {nic}, {mode}: {lr} runs")
                rs = [b.boot_linux(nic, mode) for _ in range(lr)]
                R["boot"][("linux", nic, mode)] = {"ready": [r[0] for r in rs], "answer": [r[1] for r in rs]}

    # 3. throughput, requests/s
    secs, nreq = (3, 300) if a.quick else (5, 1000)
    lruns = 1 if a.quick else runs
    for nic in b.nics:
        log(f"load, minnow, {nic}: {lruns} runs")
        ms = [b.load_minnow(nic, secs, nreq) for _ in range(lruns)]
        R["load"][("minnow", nic)] = {k: [m.get(k) for m in ms] for k in set().union(*ms)}
        if have_linux:
            log(f"load, linux, {nic}: {lruns} runs")
            ls = [b.load_linux(nic, secs, nreq) for _ in range(lruns)]
            R["load"][("linux", nic)] = {k: [m.get(k) for m in ls] for k in set().union(*ls)}

    # 4. init cost vs RAM
    sizes = ["16M", "256M", "4G"] if a.quick else ["16M", "64M", "256M", "1G", "4G"]
    for mem in sizes:
        log(f"minnow at -m {mem}: {runs} runs")
        rs = [b.init_vs_ram(mem) for _ in range(runs)]
        R["ram"][mem] = {"ready_us": [r[0] for r in rs], "memory_us": [r[1] for r in rs]}

    # smallest RAM that serves 1000 requests (full bench only)
    if not a.quick:
        log("smallest RAM for minnow (bisection)")
        R["ramfit"]["minnow"] = b.bisect_ram("minnow", 1, 64)
        if have_linux:
            log("smallest RAM for Linux (bisection)")
            R["ramfit"]["linux"] = b.bisect_ram("linux", 16, 512)

    # 5. reliability under load (root: TAP in a namespace)
    log("reliability under load, minnow and Linux over TAP")
    R["reliab"] = reliab.run(b, have_linux, a.quick)

    size = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "size.py"),
                           os.path.join(ROOT, "build", "minnow.elf")], capture_output=True, text=True).stdout
    write_report(a, b, R, runs, cpu, qver, ncpu, size, have_linux, time.monotonic() - start)
    log(f"done in {time.monotonic() - start:.0f} s: {os.path.join(a.out, 'report.md')}")


def write_report(a, b, R, runs, cpu, qver, ncpu, size, have_linux, elapsed):
    out = []
    w = out.append
    w(f"# minnow bench{' (quick)' if a.quick else ''}\n")
    w(f"- host CPU: {cpu}, {ncpu} cores; {qver}")
    w(f"- accelerator: **TCG** (QEMU's software emulation; no KVM on this machine). Absolute times are the "
      f"emulator's; compare the ratios.")
    w(f"- machines, `-m {MEM}`, NIC on QEMU's user network (slirp) with a 127.0.0.1 host forward: " +
      "; ".join(f"{n}: `-M {CONFIGS[n][0]} -device {CONFIGS[n][1]}` (minnow {CONFIGS[n][2]})" for n in b.nics))
    w(f"- each figure: median (min-max, n = runs) of {runs} runs unless n says otherwise; bench took {elapsed:.0f} s")
    w("- the host was not idle: other QEMU test runs may share its cores, which widens the min-max spans")
    w(f"- generated by tools/bench/bench.py on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
      f"serial logs of every run in build/bench/logs/\n")

    w("## Launch to first answer\n")
    w("Launch = just before QEMU starts. `ready`: the `minnow: ready` line (Linux: its /init's first line) "
      "arrives on the serial pipe. `answer`: a raw `GET /` through the host forward gets an HTTP status line "
      "back (one attempt at a time, each bounded to 0.2 s for minnow and 0.5 s for Linux, 5 ms between "
      "attempts). The floor is an empty multiboot guest (tools/bench/floor.S, a few instructions) that writes "
      "to isa-debug-exit at once, with the same machine and NIC: launch to QEMU's exit (its `ready` column: its "
      "one line on COM1, written just before). On a shared host the floor's spread is wide: compare the "
      "min columns too.\n")
    w("| guest | NIC | address | launch -> ready | launch -> first answer | answer / floor | Linux / minnow (same address mode; else Linux DHCP) |")
    w("|---|---|---|---|---|---|---|")
    bars = []
    for nic in b.nics:
        fl = med(R["boot"][("floor", nic, "-")]["exit"])
        fo = med(R["boot"][("floor", nic, "-")]["ready"])
        w(f"| floor | {nic} | - | {fmt_s(fo)} (its line on COM1) | {fmt_s(fl)} (QEMU's exit) | 1.00x | |")
        bars.append((f"floor {nic}", fl))
        lin = med(R["boot"].get(("linux", nic, "dhcp"), {}).get("answer", []))
        for mode in ("dhcp", "static"):
            k = ("minnow", nic, mode)
            if k not in R["boot"]:
                continue
            rd, an = med(R["boot"][k]["ready"]), med(R["boot"][k]["answer"])
            lin_m = med(R["boot"].get(("linux", nic, mode), {}).get("answer", [])) or lin
            w(f"| minnow | {nic} | {mode} | {fmt_s(rd)} | {fmt_s(an)} | {ratio(an, fl)} | {ratio(lin_m, an)} |")
            bars.append((f"minnow {nic} {mode}", an))
        for mode in ("dhcp", "static"):
            k = ("linux", nic, mode)
            if k in R["boot"]:
                rd, an = med(R["boot"][k]["ready"]), med(R["boot"][k]["answer"])
                w(f"| Linux 6.1 (Debian 12) | {nic} | {mode} | {fmt_s(rd)} | {fmt_s(an)} | {ratio(an, fl)} | |")
                bars.append((f"Linux {nic} {mode}", an))
    if not have_linux:
        w("\n(Linux guest not built: tools/bench/linux.sh failed; see make bench's output.)")
    w("\nGoals, reported: first answer <= 1.1x the floor; Linux / minnow >= 20x. The ratios are in the table; "
      "the 82540EM (`e1000`) rows carry QEMU's 1 s receive hold after every RCTL write, see docs/boot-time.md.\n")
    svg.hbars(os.path.join(a.out, "first-answer.svg"), "launch -> first HTTP answer (s, log scale; TCG)", bars, log=True)
    w("![first answer](first-answer.svg)\n")

    w("## Boot timeline by init stage (minnow, us since the first instruction, medians)\n")
    stack = []
    names = []
    for cfg, st in R["timeline"].items():
        row = [(k, statistics.median(v)) for k, v in st.items()]
        stack.append((cfg, row))
        for k, _ in row:
            if k not in names:
                names.append(k)
    w("| stage | " + " | ".join(c for c, _ in stack) + " |")
    w("|---|" + "---|" * len(stack))
    for n in names:
        w(f"| {n} | " + " | ".join(f"{dict(r).get(n, 0):.0f}" for _, r in stack) + " |")
    svg.stacked(os.path.join(a.out, "timeline.svg"), "minnow boot timeline by stage (us; TCG)", stack)
    w("\n![timeline](timeline.svg)\n")

    w("## Size (stripped, by subsystem: `python3 tools/size.py build/minnow.elf`)\n")
    m = re.search(r"stripped: (\d+) bytes", size)
    if m:
        w(f"Stripped image {int(m.group(1))} bytes = {int(m.group(1)) / 1024:.1f} KiB; goal <= 256 KiB: "
          f"{int(m.group(1)) / 262144:.2f}x of the budget.\n")
    w("```\n" + size.rstrip() + "\n```\n")

    w("## Throughput and requests/s (through slirp, TCG)\n")
    w("iperf 2 (`iperf -c` on the host for the stated time) to minnow's `app=iperf` and to `iperf -s` "
      "in the Linux guest; guest -> host: an `iperf -s` on the host, to which the Linux guest's `iperf -c 10.0.2.2` "
      "and minnow's iperf client (`app=iperf iperf_to=10.0.2.2`, 10 s to port 5001, the rate it reports) "
      "send through slirp. Requests/s: `ab -c 1` on 16-byte bodies "
      "(minnow `/bytes/16`, busybox httpd a 16-byte file), keep-alive (`-k`) and one connection per request; "
      "busybox httpd closes every connection, so its keep-alive figure is one connection per request too. "
      "Static addresses on both.\n")
    keys = ["iperf host->guest", "iperf guest->host", "req/s keep-alive", "req/s new connection"]
    w("| metric | " + " | ".join(f"{g} {n}" for g, n in R["load"]) + " | minnow / Linux |")
    w("|---|" + "---|" * (len(R["load"]) + 1))
    tbars = []
    for k in keys:
        cells, rat = [], []
        for (gname, nic), d in R["load"].items():
            st = med(d.get(k, []))
            unit = "Mbit/s" if k.startswith("iperf") else "req/s"
            cells.append(fmt_s(st, 1, unit, 0) if st else "n/a")
            if k.startswith("iperf") and st:
                tbars.append((f"{gname} {nic} {k[6:]}", st))
        rats = []
        for nic in b.nics:
            mm, ll = med(R["load"].get(("minnow", nic), {}).get(k, [])), med(R["load"].get(("linux", nic), {}).get(k, []))
            if mm and ll:
                rats.append(f"{nic} {mm[0] / ll[0]:.2f}x")
        w(f"| {k} | " + " | ".join(cells) + f" | {', '.join(rats) or 'n/a'} |")
    w("\nGoal, reported: throughput >= 1.0x Linux (the minnow / Linux column).\n")
    svg.hbars(os.path.join(a.out, "throughput.svg"), "iperf 2 through slirp (Mbit/s; TCG)", tbars, log=False)
    w("![throughput](throughput.svg)\n")

    w("## Init cost vs guest RAM (minnow, q35, e1000e, static, app=none)\n")
    w("| -m | ready in (us) | memory stage (us) |")
    w("|---|---|---|")
    rbars = []
    for mem, d in R["ram"].items():
        r, mstage = med(d["ready_us"]), med(d["memory_us"])
        w(f"| {mem} | {fmt_s(r, 1, 'us', 0)} | {fmt_s(mstage, 1, 'us', 0)} |")
        rbars.append((f"-m {mem}: memory stage", mstage))
    svg.hbars(os.path.join(a.out, "ram.svg"), "memory init stage vs -m (us; TCG)", rbars, log=False)
    w("\n![ram](ram.svg)\n")

    w("## Smallest RAM that boots and serves 1,000 keep-alive requests\n")
    if R["ramfit"]:
        for kind, (mib, err) in R["ramfit"].items():
            w(f"- {kind}: {f'{mib} MiB' if mib else 'not found: ' + err} (bisection in whole MiB, e1000e, static)")
    else:
        w("- not measured by bench-quick (make bench does it)")
    w("")
    reliab.report(w, R.get("reliab", {"skipped": "not run"}))
    with open(os.path.join(a.out, "report.md"), "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
