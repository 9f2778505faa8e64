#!/usr/bin/env python3
"""Seeds the corpus of build/fuzz/fuzz_acpi_aml_dev with the DSDT bodies
(after the 36-byte header) of the captures in tests/data/acpi.

Usage: tests/fuzz/seed_aml.py CAPTURE_DIR CORPUS_DIR"""
import os
import sys


def dsdt_bodies(path):
    """Every captured region that starts with a DSDT or SSDT header."""
    regions, cur = [], None
    for line in open(path, encoding="ascii", errors="replace"):
        f = line.split()
        if line.startswith("bootdump: region"):
            cur = bytearray()
            regions.append(cur)
        elif line.startswith("bootdump: data") and cur is not None and len(f) == 3:
            cur += bytes.fromhex(f[2])
    for r in regions:
        if r[:4] in (b"DSDT", b"SSDT") and len(r) >= 36:
            n = int.from_bytes(r[4:8], "little")
            yield bytes(r[36:min(n, len(r))])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if name.endswith(".txt"):
            for i, body in enumerate(dsdt_bodies(os.path.join(src, name))):
                with open(os.path.join(dst, f"seed-{name[:-4]}-{i}"), "wb") as f:
                    f.write(body)


if __name__ == "__main__":
    main()
