"""Hand-written SVG plots for the bench report: horizontal bars with
min-max whiskers (linear or log scale) and stacked horizontal bars. No
dependencies; text is escaped; every plot is self-contained."""
import math
from xml.sax.saxutils import escape

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728"]
LABEL_W, BAR_H, GAP, PLOT_W, TOP = 230, 18, 8, 480, 40


def _doc(path, w, h, body, title):
    with open(path, "w") as f:
        f.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
                f'font-family="sans-serif" font-size="12">\n'
                f'<rect width="{w}" height="{h}" fill="white"/>\n'
                f'<text x="10" y="20" font-size="14" font-weight="bold">{escape(title)}</text>\n'
                + "\n".join(body) + "\n</svg>\n")


def _ticks(lo, hi, log):
    if log:
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [10 ** e for e in range(a, b + 1)], 10 ** a, 10 ** b
    step = 10 ** math.floor(math.log10(hi)) if hi > 0 else 1
    if hi / step < 3:
        step /= 2
    top = math.ceil(hi / step) * step
    return [i * step for i in range(int(round(top / step)) + 1)], 0, top


def hbars(path, title, bars, log=False):
    """bars: [(label, (median, min, max, n) or None)]."""
    vals = [v for _, v in bars if v]
    if not vals:
        _doc(path, 400, 60, ['<text x="10" y="45">no data</text>'], title)
        return
    lo = min(v[1] for v in vals)
    hi = max(v[2] for v in vals)
    ticks, a, b = _ticks(max(lo, 1e-6) if log else 0, hi, log)

    def x(v):
        if log:
            return LABEL_W + PLOT_W * (math.log10(max(v, a)) - math.log10(a)) / (math.log10(b) - math.log10(a))
        return LABEL_W + PLOT_W * v / b if b else LABEL_W
    h = TOP + len(bars) * (BAR_H + GAP) + 40
    body = []
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{TOP - 5}" x2="{x(t):.1f}" y2="{h - 30}" stroke="#ddd"/>')
        body.append(f'<text x="{x(t):.1f}" y="{h - 15}" text-anchor="middle">{t:g}</text>')
    for i, (label, v) in enumerate(bars):
        y = TOP + i * (BAR_H + GAP)
        body.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 4}" text-anchor="end">{escape(label)}</text>')
        if not v:
            body.append(f'<text x="{LABEL_W + 4}" y="{y + BAR_H - 4}" fill="#c00">failed</text>')
            continue
        m, mn, mx, _ = v
        body.append(f'<rect x="{LABEL_W}" y="{y}" width="{max(1, x(m) - LABEL_W):.1f}" height="{BAR_H}" '
                    f'fill="{PALETTE[i % len(PALETTE)]}"/>')
        cy = y + BAR_H / 2
        body.append(f'<line x1="{x(mn):.1f}" y1="{cy}" x2="{x(mx):.1f}" y2="{cy}" stroke="black"/>')
        for e in (mn, mx):
            body.append(f'<line x1="{x(e):.1f}" y1="{y + 3}" x2="{x(e):.1f}" y2="{y + BAR_H - 3}" stroke="black"/>')
        body.append(f'<text x="{max(x(mx), x(m)) + 6:.1f}" y="{y + BAR_H - 4}">{m:.3g}</text>')
    _doc(path, LABEL_W + PLOT_W + 80, h, body, title + "  (bar: median, whisker: min-max)")


def stacked(path, title, rows):
    """rows: [(label, [(segment name, value), ...])], segments in order."""
    names = []
    for _, segs in rows:
        for n, _ in segs:
            if n not in names:
                names.append(n)
    total = max((sum(v for _, v in segs) for _, segs in rows), default=0) or 1
    ticks, _, b = _ticks(0, total, False)

    def x(v):
        return LABEL_W + PLOT_W * v / b
    legend_rows = (len(names) + 3) // 4
    h = TOP + len(rows) * (BAR_H + GAP) + 40 + legend_rows * 18
    body = []
    base = TOP + len(rows) * (BAR_H + GAP)
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" y1="{TOP - 5}" x2="{x(t):.1f}" y2="{base}" stroke="#ddd"/>')
        body.append(f'<text x="{x(t):.1f}" y="{base + 15}" text-anchor="middle">{t:g}</text>')
    for i, (label, segs) in enumerate(rows):
        y = TOP + i * (BAR_H + GAP)
        body.append(f'<text x="{LABEL_W - 6}" y="{y + BAR_H - 4}" text-anchor="end">{escape(label)}</text>')
        acc = 0
        for n, v in segs:
            c = PALETTE[names.index(n) % len(PALETTE)]
            body.append(f'<rect x="{x(acc):.1f}" y="{y}" width="{max(0.5, x(acc + v) - x(acc)):.1f}" '
                        f'height="{BAR_H}" fill="{c}"><title>{escape(n)}: {v:.0f}</title></rect>')
            acc += v
        body.append(f'<text x="{x(acc) + 6:.1f}" y="{y + BAR_H - 4}">{acc:.0f}</text>')
    for j, n in enumerate(names):
        lx, ly = 10 + (j % 4) * 180, base + 30 + (j // 4) * 18
        body.append(f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>')
        body.append(f'<text x="{lx + 16}" y="{ly}">{escape(n)}</text>')
    _doc(path, max(LABEL_W + PLOT_W + 80, 740), h, body, title)
