"""Where a kernel's instructions and stall samples go, by source function, call site and line.

Joins ncu's per-instruction source page (`ncu -i REP --page source --csv --print-source sass`,
gzipped) with the line information nvdisasm prints for the same CUBIN (`nvdisasm -gi -c`;
the optnet disk cache holds the CUBIN the run used, compiled with -lineinfo). Usage:

    python3 sass_lines.py KERNEL CUBIN.sass SOURCE.cu NCU_SASS.csv.gz [--loop LO HI MIN]

KERNEL is e.g. pdipm2_f64; the .sass file is `nvdisasm -gi -c CUBIN`; SOURCE.cu the kernel
source the CUBIN was compiled from. Prints the warp instructions per block (the first
instruction's count), then instructions and stall samples (% of the kernel's) by innermost
function, by call site in `pdipm()`, by line, and the stall reasons of the main functions.
With --loop, lists the instructions of lines LO…HI executed at least MIN times instead.
"""
import bisect, collections, csv, gzip, re, sys

kernel, sass_path, src_path, csv_path = sys.argv[1:5]

# Instruction offset -> inline chain (innermost line first) and text, for KERNEL's section.
funcs, cur, chain, pending = {}, None, [], []
for ln in open(sass_path):
    m = re.match(r'^\.text\.(\S+):', ln)
    if m:
        cur = m.group(1); funcs[cur] = {}; pending = []
        continue
    if cur is None:
        continue
    m = re.match(r'\s*//## File "[^"]*", line (\d+)(?: inlined at "[^"]*", line (\d+))?', ln)
    if m:
        pending.append(int(m.group(1)))
        if m.group(2) is None:
            chain, pending = pending, []
        continue
    m = re.match(r'\s*/\*([0-9a-f]{4,})\*/\s+(.*?);', ln)
    if m:
        funcs[cur][int(m.group(1), 16)] = (list(chain), m.group(2))
F = funcs[kernel]

# Source line -> enclosing function (by the definitions' first lines).
src = open(src_path).read().split('\n')
starts = []
for i, l in enumerate(src, 1):
    m = re.match(r'^(?:__device__|template <[^>]*>\s*__device__)[^(]*?\b(\w+)\s*\(', l)
    if m and not l.rstrip().endswith(';'):
        starts.append((i, m.group(1)))
    m = re.match(r'^(pdipm2?_f(?:64|32)|backward2?_f(?:64|32))\(', l)
    if m:
        starts.append((i, m.group(1)))
starts.sort()
sl = [s for s, _ in starts]
def fn(line):
    k = bisect.bisect_right(sl, line) - 1
    return starts[k][1] if k >= 0 else '?'

rows = list(csv.reader(gzip.open(csv_path, 'rt')))
hdr, data = rows[1], rows[2:]
ia = hdr.index("Instructions Executed")
iss = hdr.index("Warp Stall Sampling (All Samples)")
sc = [i for i, h in enumerate(hdr) if h.startswith('stall_') and 'Not Issued' not in h]
base = int(data[0][0], 16)

if len(sys.argv) > 5 and sys.argv[5] == '--loop':
    lo, hi, mn = map(int, sys.argv[6:9])
    for r in data:
        off = int(r[0], 16) - base; c = int(r[ia]); ch, ins = F[off]
        if ch and lo <= ch[0] <= hi and c >= mn:
            print(f"{off:6x} {c:10d} {r[iss]:>6s} {ch[:3]} {ins}")
    sys.exit()

byfn, byfs = collections.Counter(), collections.Counter()
byline, bylines = collections.Counter(), collections.Counter()
bysite, bysites = collections.Counter(), collections.Counter()
reasons = collections.defaultdict(collections.Counter)
tot = tots = 0
for r in data:
    off = int(r[0], 16) - base
    c, s = int(r[ia]), int(r[iss])
    ch, ins = F[off]
    inner = ch[0] if ch else 0
    f = fn(inner)
    byfn[f] += c; byfs[f] += s; byline[inner] += c; bylines[inner] += s
    site = next((L for L in ch if fn(L) == 'pdipm'), None)
    bysite[site] += c; bysites[site] += s
    for i in sc:
        v = int(r[i]) if r[i] not in ('', '-') else 0
        reasons[f][hdr[i][6:]] += v; reasons['ALL'][hdr[i][6:]] += v
    tot += c; tots += s
blocks = int(data[0][ia])
print(f"warp instructions {tot}, stall samples {tots}; first instruction executed {blocks} times")
print("\n== by innermost function: instructions %, stall samples %")
for f, c in byfn.most_common(30):
    print(f"{f:26s} {c / tot * 100:6.2f} {byfs[f] / tots * 100:6.2f}")
print("\n== by call site in pdipm() (None: outside it, e.g. the out-of-line triangular solve)")
for L, c in sorted(bysite.items(), key=lambda x: -x[1])[:25]:
    print(f"{str(L):6s} {c / tot * 100:6.2f} {bysites[L] / tots * 100:6.2f}  {src[L - 1].strip()[:90] if L else ''}")
print("\n== hottest lines")
for L, c in byline.most_common(30):
    print(f"{L:5d} {c / tot * 100:6.2f} {bylines[L] / tots * 100:6.2f} {fn(L):20s} {src[L - 1].strip()[:80]}")
print("\n== stall reasons (% of the function's samples)")
rt = sum(reasons['ALL'].values())
for f in ['ALL'] + [f for f, _ in byfs.most_common(10)]:
    s = sum(reasons[f].values()) or 1
    print(f"{f:20s} {s / rt * 100:5.1f}% :", ", ".join(f"{k} {v / s * 100:.0f}" for k, v in reasons[f].most_common(6)))
