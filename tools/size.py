#!/usr/bin/env python3
"""Kernel size by subsystem, from the linker map of the final link.

Usage: tools/size.py IMAGE.elf [BUDGET]
Prints the stripped size of IMAGE (strip -o to a temporary file) against
BUDGET bytes, then a table: for each subsystem -- kernel/<folder>, the top
folders (boot, lib, net, hv, apps, ...), lwIP, the generated font and the
embedded symbol table -- the bytes of code (.text), read-only data
(.rodata and the linker sets), data (.data) and zeroed data (.bss) that
the link kept (--gc-sections drops the rest, so object-file sizes would
overstate). Exits 1 when the stripped size is over the budget.

The kernel is linked with LTO, after which all its code comes out of one
object: the table is then read from IMAGE's twin linked without LTO
(IMAGE.nolto.elf, make size builds it from the same fat objects), and a
last line gives what LTO saves on the whole (IMAGE against its twin). Without
the twin, the table is IMAGE's own map.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

OUT_SECTIONS = {".text": "text", ".rodata": "rodata", ".ksyms": "rodata", ".data": "data", ".bss": "bss"}
INPUT = re.compile(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$")


def subsystem(obj):
    path = obj.split("(")[0]
    if path.startswith("build/"):
        path = path[len("build/"):]
    parts = path.split("/")
    if parts[0] == "lwip":
        return "lwIP (Debian's 2.1.3)"
    if parts[0] == "gen":
        return "generated: symbol table" if "ksyms" in parts[-1] else "generated: console font"
    if parts[0] == "kernel" and len(parts) > 2:
        return "kernel/" + parts[1]
    if parts[0] == "tests" and len(parts) > 2:
        return "tests/" + parts[1]
    return parts[0] + ("/" if len(parts) > 1 else "")


def parse(map_path):
    sizes = collections.defaultdict(lambda: collections.Counter())
    out = None
    pending = None
    in_map = False
    for line in open(map_path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("Linker script and memory map"):
            in_map = True
            continue
        if not in_map:
            continue
        if line and not line.startswith(" "):
            out = OUT_SECTIONS.get(line.split()[0])
            pending = None
            continue
        if out is None:
            continue
        m = INPUT.match(line)
        if m and m.group(4).endswith(".o"):
            if m.group(1) is None and pending is None:
                continue
            size = int(m.group(3), 16)
            if size:
                sizes[subsystem(m.group(4))][out] += size
            pending = None
        elif re.match(r"^ \S+$", line):
            pending = line.strip()      # long section name; numbers on the next line
    return sizes


def section_sizes(elf):
    """Bytes of text, rodata, data and bss in elf's section headers."""
    out = subprocess.run(["readelf", "-SW", elf], check=True, capture_output=True, text=True).stdout
    sizes = collections.Counter()
    for m in re.finditer(r"\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)", out):
        col = OUT_SECTIONS.get(m.group(1))
        if col:
            sizes[col] += int(m.group(2), 16)
    return sizes


def stripped_size(elf):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "stripped")
        subprocess.run(["strip", "-o", out, elf], check=True)
        return os.path.getsize(out)


def main():
    elf = sys.argv[1]
    budget = int(sys.argv[2]) if len(sys.argv) > 2 else 262144
    total = stripped_size(elf)
    # The twin counts when it was linked after IMAGE's first pass (from
    # the same objects, then).
    base = elf[:-len(".elf")] if elf.endswith(".elf") else elf
    twin, pass1 = base + ".nolto.elf", base + ".pass1.elf"
    if not (os.path.exists(twin + ".map") and os.path.exists(pass1)
            and os.path.getmtime(twin + ".map") >= os.path.getmtime(pass1)):
        twin = None
    sizes = parse((twin or elf) + ".map")
    cols = ("text", "rodata", "data", "bss")
    print(f"{os.path.basename(elf)} stripped: {total} bytes of {budget} "
          f"({budget - total} left)" if total <= budget else
          f"{os.path.basename(elf)} stripped: {total} bytes: OVER the budget of {budget}")
    print(f"{'subsystem':<28}" + "".join(f"{c:>9}" for c in cols) + f"{'in file':>9}")
    sums = collections.Counter()
    for name in sorted(sizes, key=lambda n: -(sizes[n]["text"] + sizes[n]["rodata"] + sizes[n]["data"])):
        s = sizes[name]
        sums.update(s)
        print(f"{name:<28}" + "".join(f"{s[c]:>9}" for c in cols) + f"{s['text'] + s['rodata'] + s['data']:>9}")
    if twin:
        lto = section_sizes(elf)
        lto.subtract(section_sizes(twin))
        sums.update(lto)
        print(f"{'LTO (whole kernel)':<28}" + "".join(f"{lto[c]:>9}" for c in cols)
              + f"{lto['text'] + lto['rodata'] + lto['data']:>9}")
    print(f"{'total':<28}" + "".join(f"{sums[c]:>9}" for c in cols)
          + f"{sums['text'] + sums['rodata'] + sums['data']:>9}")
    return 0 if total <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
