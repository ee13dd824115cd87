#!/usr/bin/env python3
"""Reaching definitions of the registers live at each CALL of ldl_solve_blocked in a kernel.
usage: rdef.py WIDE.txt GI.txt KERNEL SRC.cu [call indices]
WIDE: nvdisasm -c -plr -lrm wide; GI: nvdisasm -c -gi. Def marks in the wide map: '^' (defined)
and 'x' (used and redefined). Predicated definitions do not kill the search."""
import re, sys, collections
wide, gi, kern, srcp = sys.argv[1:5]
want = [int(x) for x in sys.argv[5:]]
src = open(srcp).read().split('\n')
# line info: address -> list of (line, inlined-at chain) innermost first
amap = {}; sec = None; pend = []; fresh = True
for l in open(gi):
    m = re.match(r'^\.text\.(\S+):', l)
    if m: sec = m.group(1); continue
    if sec != kern: continue
    m = re.findall(r'line (\d+)', l) if '//## File' in l else None
    if m:
        if fresh: pend = []; fresh = False
        pend.append([int(x) for x in m]); continue
    m = re.search(r'/\*([0-9a-f]+)\*/', l)
    if m:
        if not fresh:
            cur = [x[0] for x in pend]
        fresh = True
        if pend: amap[int(m.group(1), 16)] = cur
L = open(wide).read().split('\n')
start = next(i for i, l in enumerate(L) if l.startswith(f'.text.{kern}:'))
end = next((i for i in range(start + 1, len(L)) if L[i].startswith('.text.')), len(L))
hdr_i = max(i for i in range(start) if '|   # 0 1 2' in L[i] or re.search(r'\|\s+#\s+0 1 2', L[i]))
hdr = L[hdr_i]; bar = hdr.index('|', hdr.index('//'))
# columns: header like "|   # 0 1 2 3 ..." numbers at positions
nxt = hdr.index('|', bar + 1)
hs = hdr[bar:nxt]
cols = {}
for m in re.finditer(r'\d+', hs):
    if m.start() > 4: cols[int(m.group())] = bar + m.end() - 1
ins = []  # (line index, addr, text, marks)
labels = {}
for i in range(start + 1, end):
    l = L[i]
    m = re.match(r'^(\.L_x_\d+):', l)
    if m: labels[m.group(1)] = len(ins); continue
    m = re.search(r'/\*([0-9a-f]+)\*/\s+(.*?);', l)
    if m: ins.append((i, int(m.group(1), 16), m.group(2).strip(), l))
N = len(ins)
preds = collections.defaultdict(list)
for k, (_, a, t, _) in enumerate(ins):
    uncond = not t.startswith('@')
    op = t.split()[1] if t.startswith('@') else t.split()[0]
    tgt = re.search(r'`\((\.L_x_\d+)\)', t)
    if op.startswith('BRA') and tgt:
        preds[labels[tgt.group(1)]].append(k)
        if uncond and 'P' not in t.split('`')[0].split('BRA')[1]: continue  # no fallthrough
    if op.startswith('EXIT') and uncond: continue
    if op.startswith('RET') and uncond: continue
    if op.startswith('BRX') or op.startswith('JMX'): print('indirect branch at', hex(a))
    if k + 1 < N: preds[k + 1].append(k)
def mark(k, r):
    c = cols[r]; l = ins[k][3]
    return l[c] if c < len(l) else ' '
calls = [k for k, x in enumerate(ins) if 'CALL' in x[2] and 'ldl_solve_blocked' in x[2]]
def where(a):
    s = amap.get(a)
    if not s: return '?'
    return ' <- '.join(f'{x}' for x in s[:4])
for ci, k in enumerate(calls):
    if want and ci not in want: continue
    live = [r for r in cols if mark(k, r) in ':^vx']
    print(f'== call {ci} at {ins[k][1]:#x}: {len(live)} live')
    tally = collections.Counter(); examples = {}
    for r in live:
        seen = set(); stack = list(preds[k]); defs = set()
        while stack:
            j = stack.pop()
            if j in seen: continue
            seen.add(j)
            mk = mark(j, r)
            if mk in '^x' and 'CALL' not in ins[j][2]:
                defs.add(j)
                if not ins[j][2].startswith('@'): continue
            stack.extend(preds[j])
        key = tuple(sorted(set((amap.get(ins[j][1], [0, 0]) + [0])[-2 if len(amap.get(ins[j][1], [0])) > 1 else 0] for j in defs)))
        inner = tuple(sorted(set(amap.get(ins[j][1], [0])[0] for j in defs)))
        tally[(key, inner)] += 1
        examples.setdefault((key, inner), []).append((r, [ins[j][2][:60] for j in sorted(defs)][:2]))
    r130 = [r for (key, inner), lst in examples.items() for r, d in lst if all('R130' in x for x in d)]
    print('defined from R130 (smem base) only:', len(r130), r130)
    for (key, inner), n in tally.most_common():
        desc = '; '.join(f'{x}:{src[x-1].strip()[:70]}' for x in inner[:2] if x)
        print(f'{n:4d}  outer {list(key)[:4]}  inner {list(inner)[:4]}  {desc}')
        for r, d in examples[(key, inner)][:int(__import__('os').environ.get('SHOW','2'))]:
            print(f'        R{r}: {d}')
