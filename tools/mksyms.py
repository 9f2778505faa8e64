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
  ksyms_params  .byte T, M, L: the digit base, the last copy code and the
                longest code (below)
  ksyms_lens    L bytes: how many codes are 1, 2, ..., L bits long
  ksyms_table   two bytes per symbol number: (CHAR, c) for a character c,
                else the numbers of the two symbols it stands for (a token
                of byte-pair encoding, as Linux's kallsyms token table but
                with pairs, expanded at most DEPTH deep)
  ksyms_stream  a bit string, the first bit in the top bit of the first
                byte: N entries, each the distance in bytes from the previous
                function's address (the first: from __text_start), then the
                codes of the name's symbols.

A distance is a string of 8-bit digits: a digit d < T ends it; a digit
d >= T adds d and goes on with the next digit weighted (256 - T) times
more (a prefix varint: with T around 240 most distances, a function's
length, take one byte; ULEB128 is the case T = 128). The generator
picks T.

A name is a string of symbols that expands into characters ending in a
0, the end of the name, which takes part in pairs like any character
("_init" + end is one token). Its first character may be a copy code c
in 1..M: the name starts with the first c + 1 characters of the previous
one (functions of one file sit together: vmbus_chan_open,
vmbus_chan_close). The generator picks M.

The symbols that occur in the stream have a canonical Huffman code: their
numbers run from 0 in the order of their codes, the codes of one length
are consecutive and the first code of a length is (last code of the
shorter length + 1) << 1, so that the counts per length are the whole
code book (RFC 1951, 3.2.2, without the symbol permutation). Symbols
found only inside tokens are numbered after them.

The generator checks what the decoder relies on: names up to
KSYMS_NAME_MAX - 1 characters, token expansion at most KSYMS_DEPTH deep,
a distance at most KSYMS_DIGITS bytes, and decodes its own output as the
kernel does.
"""
import collections
import heapq
import re
import subprocess
import sys

NAME_MAX = 128      # kernel/arch/ksyms.c: KSYMS_NAME_MAX
DEPTH = 32          # kernel/arch/ksyms.c: KSYMS_DEPTH
DIGITS = 16         # kernel/arch/ksyms.c: KSYMS_DIGITS
CODE_MAX = 24       # a code fits the decoder's unsigned
CHAR = 255          # a table entry (CHAR, c) is the character c
COPY_CODES = range(6, 11)   # values of M tried (each a byte-pair run, 0.5 s)
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
    free values run out long before: a kernel's names take them all)."""
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
    free = [b for b in range(256) if b not in used]
    return bpe(seqs, free[:max(0, CHAR - len(used))])   # at most 255 symbols


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


def huffman_lengths(counts):
    """Code length of each symbol of counts (Huffman's algorithm)."""
    if len(counts) == 1:
        return {k: 1 for k in counts}
    heap = [(n, i, [k]) for i, (k, n) in enumerate(sorted(counts.items()))]
    heapq.heapify(heap)
    lengths = collections.Counter()
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        for k in a[2] + b[2]:
            lengths[k] += 1
        heapq.heappush(heap, (a[0] + b[0], a[1], a[2] + b[2]))
    return lengths


def number(seqs, tokens):
    """Symbol numbers: the coded symbols in canonical order (by code length,
    then value), then those only inside tokens. Returns the numbering, the
    code lengths by number, the count of codes of each length, and the
    table of entries (two bytes per number)."""
    counts = collections.Counter(b for s in seqs for b in s)
    lengths = huffman_lengths(counts)
    order = sorted(counts, key=lambda b: (lengths[b], b))
    inner = {b for pair in tokens.values() for b in pair} - set(order)
    order += sorted(inner)
    if len(order) > CHAR:
        sys.exit(f"mksyms: {len(order)} symbols, more than {CHAR}")
    num = {b: i for i, b in enumerate(order)}
    maxlen = max(lengths.values())
    if maxlen > CODE_MAX:
        sys.exit(f"mksyms: a code of {maxlen} bits")
    per_len = [sum(1 for b in counts if lengths[b] == n) for n in range(1, maxlen + 1)]
    table = []
    for b in order:
        table += [num[tokens[b][0]], num[tokens[b][1]]] if b in tokens else [CHAR, b]
    return num, [lengths[b] for b in order], per_len, table


class Bits:
    """A bit string, the first bit in the top bit of the first byte."""
    def __init__(self, data=None):
        self.bits, self.pos, self.data = [], 0, data

    def put(self, v, n):
        self.bits += [(v >> i) & 1 for i in range(n - 1, -1, -1)]

    def bytes(self):
        b = self.bits + [0] * (-len(self.bits) % 8)
        return [int("".join(map(str, b[i:i + 8])), 2) for i in range(0, len(b), 8)]

    def get(self, n):
        v = 0
        for _ in range(n):
            v = v << 1 | (self.data[self.pos >> 3] >> (7 - (self.pos & 7)) & 1)
            self.pos += 1
        return v


def check(data, params, per_len, table, syms, text):
    """Decodes the stream as kernel/arch/ksyms.c does: it must give back
    every (address, name)."""
    t, m = params
    bits = Bits(data)

    def symbol():
        code = index = 0            # code: less the first code of its length
        for count in per_len:
            code = code << 1 | bits.get(1)
            if code < count:
                return index + code
            index += count
            code -= count
        sys.exit("mksyms: a code that is none")

    def expand(n, depth):
        if table[2 * n] == CHAR:
            return [table[2 * n + 1]]
        if depth >= DEPTH:
            sys.exit("mksyms: token expansion too deep")
        return expand(table[2 * n], depth + 1) + expand(table[2 * n + 1], depth + 1)
    at, name = text, b""
    for addr, want in syms:
        mul = 1
        while True:
            d = bits.get(8)
            at += d * mul
            if d < t:
                break
            mul *= 256 - t
        got = b""
        while True:
            out = expand(symbol(), 0)
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
    if (bits.pos + 7) // 8 != len(data):
        sys.exit("mksyms: stream longer than its entries")


def emit(count, params, per_len, table, stream, origin):
    print(f"/* generated by tools/mksyms.py from {origin}; do not edit */")
    print('    .section .ksyms, "a"')
    print("    .global ksyms_count, ksyms_params, ksyms_lens, ksyms_table, ksyms_stream")
    print(f"ksyms_count: .long {count}")
    print(f"ksyms_params: .byte {params[0]}, {params[1]}, {len(per_len)}")
    for label, data in (("ksyms_lens", per_len), ("ksyms_table", table), ("ksyms_stream", stream)):
        print(f"{label}:")
        for i in range(0, len(data), 16):
            print("    .byte " + ",".join(str(b) for b in data[i:i + 16]))


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
    best = None
    for m in COPY_CODES:
        seqs, tokens = encode_names([n for _, n in syms], m)
        num, lengths, per_len, table = number(seqs, tokens)
        size = (sum(lengths[num[b]] for s in seqs for b in s) + 7) // 8 + len(table)
        if not best or size < best[0]:
            best = (size, m, seqs, num, lengths, per_len, table)
    _, m, seqs, num, lengths, per_len, table = best
    # The canonical code of each number: consecutive within a length.
    codes, code = [], 0
    for n, ln in enumerate(lengths):
        if not ln:
            break                   # only inside tokens: no code
        if n and ln != lengths[n - 1]:
            code <<= ln - lengths[n - 1]
        codes.append(code)
        code += 1
    bits = Bits()
    for gap, seq in zip(gaps, seqs):
        for d in digits(gap, t):
            bits.put(d, 8)
        for b in seq:
            bits.put(codes[num[b]], lengths[num[b]])
    stream = bits.bytes()
    check(stream, (t, m), per_len, table, syms, text)
    emit(len(syms), (t, m), per_len, table, stream, origin)


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
        emit(0, (128, 0), [], [], [], "nothing (first link pass)")
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
