#!/usr/bin/env python3
"""minnow's test runner: all three tiers, one summary line.

  unit    build/host/unit/test_*    pure logic on the host, ASan + UBSan
  hosted  build/host/hosted/test_*  drivers against host-side backends
  system  tests/system/cases.py     QEMU (TCG) boots of the real images

Each test prints its own result line; the last line is exactly
"N passed, N failed" and the exit status is non-zero when anything failed.
Usage: tests/run.py [--tiers unit,hosted,system] [--jobs N] [-k SUBSTRING]
"""
import argparse
import concurrent.futures
import glob
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name, extra=""):
        self.passed += 1
        print(f"ok   {name}{extra}", flush=True)

    def fail(self, name, why):
        self.failed.append(name)
        print(f"FAIL {name}: {why}", flush=True)


def run_host_binary(path, tier, res, keyword):
    """Runs one host test binary and counts its per-test lines."""
    env = dict(os.environ, BOOTINFO_DATA=os.path.join(ROOT, "tests", "data", "bootinfo"),
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
    name = os.path.basename(path)
    try:
        p = subprocess.run([path], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        res.fail(f"{tier}/{name}", "timed out after 300 s")
        return
    seen = 0
    for line in p.stdout.splitlines():
        if line.startswith("ok "):
            seen += 1
            if keyword in line:
                res.ok(f"{tier}/{line[3:]}")
        elif line.startswith("FAIL "):
            seen += 1
            res.fail(f"{tier}/{line[5:].split(': ', 1)[0]}", line[5:].split(": ", 1)[-1])
        elif line.startswith("     "):
            print(line)
    if p.returncode != 0 and seen == 0 or p.returncode < 0 or "ERROR: AddressSanitizer" in p.stderr \
            or "runtime error:" in p.stderr:
        tail = "\n".join(p.stderr.splitlines()[-15:])
        res.fail(f"{tier}/{name}", f"exit status {p.returncode}\n{tail}")
    elif seen == 0:
        res.fail(f"{tier}/{name}", "ran no test")


def host_tier(tier, res, keyword):
    bins = sorted(glob.glob(os.path.join(ROOT, "build", "host", tier, "test_*")))
    if not bins:
        res.fail(tier, "no test binaries built (run make)")
    for b in bins:
        if os.access(b, os.X_OK):
            run_host_binary(b, tier, res, keyword)


def system_tier(res, jobs, keyword):
    import cases  # tests/system/cases.py
    import qemu
    selected = [c for c in cases.CASES if keyword in c.name]
    logdir = os.path.join(ROOT, "build", "test-logs")
    os.makedirs(logdir, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(qemu.run_case, c, ROOT, logdir): c for c in selected}
        for f in concurrent.futures.as_completed(futs):
            c = futs[f]
            try:
                err, secs = f.result()
            except Exception as e:  # a bug in the harness is a failure too
                err, secs = f"harness error: {e!r}", 0
            if err:
                res.fail(f"system/{c.name}", f"{err} (log: build/test-logs/{c.name}.log)")
            else:
                res.ok(f"system/{c.name}", f" ({secs:.1f} s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiers", default="unit,hosted,system")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("-k", dest="keyword", default="")
    args = ap.parse_args()
    res = Results()
    start = time.time()
    for tier in args.tiers.split(","):
        print(f"== {tier} tests", flush=True)
        if tier in ("unit", "hosted"):
            host_tier(tier, res, args.keyword)
        elif tier == "system":
            system_tier(res, args.jobs, args.keyword)
        else:
            res.fail(tier, "unknown tier")
    if res.failed:
        print("failed: " + ", ".join(res.failed))
    print(f"({time.time() - start:.0f} s)")
    print(f"{res.passed} passed, {len(res.failed)} failed")
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
