# Session 36 §1: polishing variants raced on idle multiprocessors, evaluated on the CPU's counts.
# Inputs: /tmp/grid/g{G}_c{C}.txt, one line "iterations polishing_solves" per example of peers.py's
# 2048 QPs, written by `FIRST_GAP=G CUT=C DATA=/tmp/peer100 DUMP=... trace_tmp 2048` (notes/s35/cpu/trace_tmp.rs, copied into examples/) with
# hooks.patch applied (G: the first attempt's relative gap in place of Settings::POLISH_GAP; C: the
# guess's cut in place of GUESS_RATIO). Cost model of session 35 (kcycles at batch 1): 80 + 126 per
# iteration + 72 per polishing solve.
import numpy as np, glob, itertools
V = {}
for f in glob.glob('/tmp/grid/g*_c*.txt'):
    k = f.split('/')[-1][:-4]
    d = np.loadtxt(f)
    V[k] = 80 + 126 * d[:, 0] + 72 * d[:, 1]
base = V['g0.2_c0.03']
allc = np.min(list(V.values()), axis=0)
print('default: mean %.0f max %.0f; best of all %d variants per example: mean %.0f max %.0f'
      % (base.mean(), base.max(), len(V), allc.mean(), allc.max()))
sel = ['g0.2_c0.03']
for step in range(7):
    best = min((np.min([V[s] for s in sel + [k]], axis=0).mean(), k) for k in V if k not in sel)
    sel.append(best[1])
    print(len(sel), 'variants, adding', best[1], ': mean %.0f' % best[0])
rng = np.random.default_rng(0)
for S in [1, 2, 4, 8]:
    c = np.min([V[s] for s in sel[:S]], axis=0)
    out = [(B, round(np.mean([c[rng.choice(2048, B, replace=False)].max() for _ in range(2000)])))
           for B in [1, 8, 32, 64]]
    print(S, 'variants: expected slowest example of a batch (B, kcycles)', out)
