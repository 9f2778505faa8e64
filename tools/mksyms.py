#!/usr/bin/env python3
"""Generates the kernel symbol table that kernel/arch/ksyms.c reads.

Usage: tools/mksyms.py NM build/kernel.pass1.elf > out.S
       tools/mksyms.py --empty > out.S        (the first link pass's table)
       tools/mksyms.py --list SYMS.txt > out.S (the host unit tests' table:
           "hex-offset name" lines, a stand-in text region around them and
           the expected symbols, tests/unit/test_ksyms*.c)
       tools/mksyms.py --dump NM ELF > SYMS.txt (an ELF's functions as such
           lines: the real kernel's list for tests/unit/test_ksyms_kernel.c)

Every function symbol of the linked kernel (nm -n: t/T, minus assembler
locals, __-markers, ISR stubs and loader headers), sorted by address, as
assembly for section .ksyms, in a compact encoding (the plain table of
(address, name) pairs was 22 KB of a 256 KiB kernel). Of several names at
one address (LTO's identical-code folding leaves ten irq_save.lto_priv.N
on one function) only the last is kept: it is the one a lookup returned
anyway.

  ksyms_count   .long N
  ksyms_params  .byte T, M: the digit base and the last copy code (below)
  ksyms_tokens  256 pairs of bytes. A name byte b is a token when
                ksyms_tokens[2*b] != 0: it stands for the two bytes
                ksyms_tokens[2*b], ksyms_tokens[2*b+1], each a character or
                a token again (byte-pair encoding, as Linux's kallsyms
                token table but with pairs).
  ksyms_stream  N entries: the distance in bytes from the previous
                function's address (the first: from __text_start), then the
                encoded name.

A distance is a string of digits: a byte d < T ends it; a byte d >= T adds
d and goes on with the next byte weighted (256 - T) times more (a prefix
varint: with T around 240 most distances, a function's length, take one
byte; ULEB128 is the case T = 128). The generator picks T.

A name is a byte string that expands (tokens) into characters ending in a
0, the end of the name, which takes part in pairs like any character
("_init" + end is one token). Its first byte may be a copy code c in
1..M: the name starts with the first c + 1 characters of the previous one
(functions of one file sit together: vmbus_chan_open, vmbus_chan_close).
The generator picks M; bytes no name uses and no copy code are tokens.

The generator checks what the decoder relies on: names up to
KSYMS_NAME_MAX - 1 characters, token expansion at most KSYMS_DEPTH deep,
a distance at most KSYMS_DIGITS bytes, and decodes its own output as the
kernel does.
"""
import collections
import re
import subprocess
import sys

NAME_MAX = 128      # kernel/arch/ksyms.c: KSYMS_NAME_MAX
DEPTH = 32          # kernel/arch/ksyms.c: KSYMS_DEPTH
DIGITS = 16         # kernel/arch/ksyms.c: KSYMS_DIGITS
COPY_CODES = range(4, 13)   # values of M tried
SKIP = re.compile(r"^(\.|__|isr_stub_|mb[12]_header)")


def functions(nm, elf):
    out = subprocess.run([nm, "-n", "--defined-only", elf], check=True,
                         capture_output=True, text=True).stdout
    text, syms = None, []
    for line in out.splitlines():
        f = line.split()
        if len(f) != 3:
            continue
        if f[2] == "__text_start":
            text = int(f[0], 16)
        if f[1] in "tT" and not SKIP.match(f[2]):
            syms.append((int(f[0], 16), f[2]))
    if text is None:
        sys.exit(f"mksyms: {elf} has no __text_start")
    return text, syms


def pair_counts(seqs):
    counts = collections.Counter()
    for s in seqs:
        counts.update(zip(s, s[1:]))
    return counts


def replace(s, pair, tok):
    out, i = [], 0
    while i < len(s):
        if i + 1 < len(s) and (s[i], s[i + 1]) == pair:
            out.append(tok)
            i += 2
        else:
            out.append(s[i])
            i += 1
    return out


def bpe(seqs, free):
    """Byte-pair encoding: each free byte value in turn replaces the most
    frequent adjacent pair, while a pair still occurs twice or more (the
    table has a slot for every byte, so a token costs nothing)."""
    tokens = {}
    depth = collections.defaultdict(int)
    for tok in free:
        counts = pair_counts(seqs)
        if not counts:
            break
        pair, n = counts.most_common(1)[0]
        if n < 2:
            break
        depth[tok] = 1 + max(depth[pair[0]], depth[pair[1]])
        if depth[tok] > DEPTH:
            break
        tokens[tok] = pair
        seqs = [replace(s, pair, tok) for s in seqs]
    return seqs, tokens


def encode_names(names, m):
    """The names as byte strings with copy codes 1..m, then tokens."""
    seqs, prev = [], b""
    for name in names:
        name = name.encode()
        if min(name) <= m:
            sys.exit(f"mksyms: {name}: a byte below {m + 1}")
        k = 0
        while k < min(len(name), len(prev), m + 1) and name[k] == prev[k]:
            k += 1
        if k >= 2:
            seqs.append([k - 1] + list(name[k:]) + [0])
        else:
            seqs.append(list(name) + [0])
        prev = name
    used = {b for s in seqs for b in s} | set(range(m + 1))
    return bpe(seqs, [b for b in range(256) if b not in used])


def digits(v, t):
    """v as a distance of digit base t (see the top of this file)."""
    out = []
    while v >= t:
        out.append(t + (v - t) % (256 - t))
        v = (v - t) // (256 - t)
    out.append(v)
    if len(out) > DIGITS:
        sys.exit(f"mksyms: a distance of {len(out)} digits")
    return out


def check(stream, tokens, t, m, syms, text):
    """Decodes the stream as kernel/arch/ksyms.c does: it must give back
    every (address, name)."""
    def expand(b, depth):
        if b not in tokens:
            return [b]
        if depth >= DEPTH:
            sys.exit("mksyms: token expansion too deep")
        return expand(tokens[b][0], depth + 1) + expand(tokens[b][1], depth + 1)
    i, at, name = 0, text, b""
    for addr, want in syms:
        mul = 1
        while True:
            b = stream[i]
            i += 1
            at += b * mul
            if b < t:
                break
            mul *= 256 - t
        got = b""
        while True:
            out = expand(stream[i], 0)
            i += 1
            for c in out:
                if 1 <= c <= m:
                    got = name[:c + 1]
                elif c:
                    got += bytes([c])
            if out[-1] == 0:
                break
        name = got
        if (at, got.decode()) != (addr, want):
            sys.exit(f"mksyms: {want} at {addr:#x} decodes as {got} at {at:#x}")
    if i != len(stream):
        sys.exit("mksyms: stream longer than its entries")


def emit(count, t, m, tokens, stream, origin):
    print(f"/* generated by tools/mksyms.py from {origin}; do not edit */")
    print('    .section .ksyms, "a"')
    print("    .global ksyms_count, ksyms_params, ksyms_tokens, ksyms_stream")
    print(f"ksyms_count: .long {count}")
    print(f"ksyms_params: .byte {t}, {m}")
    print("ksyms_tokens:")
    table = [0] * 512
    for tok, (a, b) in tokens.items():
        table[2 * tok], table[2 * tok + 1] = a, b
    for i in range(0, 512, 16):
        print("    .byte " + ",".join(str(b) for b in table[i:i + 16]))
    print("ksyms_stream:")
    for i in range(0, len(stream), 16):
        print("    .byte " + ",".join(str(b) for b in stream[i:i + 16]))


def encode_table(syms, text, origin):
    """Checks, encodes and emits syms (sorted (address, name) pairs)."""
    last = {}
    for addr, name in syms:
        if len(name) >= NAME_MAX:
            sys.exit(f"mksyms: {name}: longer than {NAME_MAX - 1} characters")
        last[addr] = name           # the last name at an address wins
    if [a for a, _ in syms] != sorted(a for a, _ in syms) or (syms and syms[0][0] < text):
        sys.exit(f"mksyms: {origin}: symbols not sorted")
    syms = sorted(last.items())
    gaps = [a - p for a, p in zip([a for a, _ in syms], [text] + [a for a, _ in syms])]
    t = min(range(128, 253), key=lambda t: sum(len(digits(g, t)) for g in gaps))
    m, (seqs, tokens) = min(((m, encode_names([n for _, n in syms], m)) for m in COPY_CODES),
                            key=lambda e: sum(map(len, e[1][0])))
    stream = []
    for gap, seq in zip(gaps, seqs):
        stream += digits(gap, t) + seq
    check(stream, tokens, t, m, syms, text)
    emit(len(syms), t, m, tokens, stream, origin)


def host_test(path):
    """The table of a symbol list, for the host unit test: a stand-in text
    region (__text_start/__text_end, 256 bytes past the last symbol) and
    the list itself (ksyms_test_count, ksyms_test_offsets, ksyms_test_names:
    the names one after another, each ending in a 0)."""
    syms = []
    for line in open(path):
        line = line.split("#")[0].split()
        if line:
            syms.append((int(line[0], 16), line[1]))
    syms.sort(key=lambda s: s[0])
    encode_table(syms, 0, path)
    print('    .section .rodata.ksyms_test, "a"')
    print("    .global __text_start, __text_end, ksyms_test_count, ksyms_test_offsets, ksyms_test_names")
    print(f"__text_start: .skip {syms[-1][0] + 256}")
    print("__text_end:")
    print(f"    .balign 8\nksyms_test_count: .quad {len(syms)}")
    print("ksyms_test_offsets:")
    for off, _ in syms:
        print(f"    .quad {off}")
    print("ksyms_test_names:")
    for _, name in syms:
        print(f'    .asciz "{name}"')
    print('    .section .note.GNU-stack, "", @progbits')


def main():
    if sys.argv[1:] == ["--empty"]:
        emit(0, 128, 0, {}, [], "nothing (first link pass)")
        return
    if len(sys.argv) == 4 and sys.argv[1] == "--dump":
        text, syms = functions(sys.argv[2], sys.argv[3])
        print(f"# generated by tools/mksyms.py --dump from {sys.argv[3]}; do not edit")
        for addr, name in syms:
            print(f"{addr - text:x} {name}")
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--list":
        host_test(sys.argv[2])
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    nm, elf = sys.argv[1], sys.argv[2]
    text, syms = functions(nm, elf)
    encode_table(syms, text, elf)


if __name__ == "__main__":
    main()
