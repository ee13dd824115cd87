# Stall samples of one micro-benchmark kernel by source line (ncu --page source --csv
# --print-source cuda,sass): python3 stalls.py sass_vN.csv [lines]. Prints the kernel's stall
# reasons in all, then the hottest source lines with their main reasons. The head's lines are
# pdipm.cu's (build.sh puts `#line 1 "pdipm.cu"` before them).
import csv, sys
from collections import defaultdict
def fl(x):
    try: return float(x)
    except ValueError: return 0.0
rows = list(csv.reader(open(sys.argv[1])))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 20
cur = hdr = None
lines = []
for r in rows:
    if len(r) >= 2 and r[0] == 'File Path':
        cur, hdr = r[1].split('/')[-1], None
        continue
    if r and r[0] == 'Line No':
        hdr = r
        continue
    if hdr and cur and len(r) == len(hdr) and r[0].strip():
        lines.append((cur, r, hdr))
h = lines[0][2]
reasons = [k for k in h if k.startswith('stall_') and '(Not Issued)' not in k]
ri = [h.index(k) for k in reasons]
si, ii = h.index('Warp Stall Sampling (All Samples)'), h.index('Instructions Executed')
tot = defaultdict(float)
T = 0.0
for f, r, _ in lines:
    T += fl(r[si])
    for k, i in zip(reasons, ri):
        tot[k] += fl(r[i])
S = sum(tot.values()) or 1
print('samples %d; by reason: ' % T + ', '.join('%s %.0f%%' % (k[6:], 100 * v / S)
      for k, v in sorted(tot.items(), key=lambda x: -x[1]) if v / S > 0.02))
lines.sort(key=lambda x: -fl(x[1][si]))
for f, r, _ in lines[:top]:
    rs = sorted(((fl(r[i]), k[6:]) for k, i in zip(reasons, ri)), reverse=True)[:3]
    print('%-10s %5s %5.1f%%  %-40s | %s' % (f, r[0], 100 * fl(r[si]) / T,
          ' '.join('%s %.0f' % (k, v) for v, k in rs if v > 0), r[1].strip()[:70]))
