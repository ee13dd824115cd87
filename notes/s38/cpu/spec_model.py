#!/usr/bin/env python3
"""Session 38 §6: speculative polishing, modelled from CPU counts. pkK.txt (K = 1…7) are
notes/s35/cpu/trace_tmp.rs's per-example (iterations, polishing solves; run from examples/) on peers.py's batch-128 QPs with one
polishing attempt only, at the K-th iterate asked (OPT_PK=K, pk.patch; K = 1 is the start's
iterate), pk0.txt the default schedule. An attempt from iterate K−1 succeeded if the solve
ended there. Cycles in session 35's batch-1 model: 80 k + 126 k per iteration + 72 k per
polishing solve. Speculative: the block iterates on while helper blocks (idle multiprocessors)
polish each iterate; the answer is the first successful attempt's."""
import numpy as np
d = {K: np.loadtxt(f'pk{K}.txt', dtype=int) for K in range(0, 8)}
print("K  success  mean solves(success)")
S = {}
for K in range(1, 8):
    it, ps = d[K][:, 0], d[K][:, 1]
    ok = it == K - 1
    S[K] = (ok, ps)
    print(K, ok.mean().round(3), ps[ok].mean().round(2) if ok.any() else '-')
base = 80 + 126 * d[0][:, 0] + 72 * d[0][:, 1]
spec = []
for e in range(len(base)):
    best = base[e]
    for K in range(2, 8):
        ok, ps = S[K]
        if ok[e]:
            best = min(best, 80 + 126 * (K - 1) + 72 * ps[e])
    spec.append(best)
spec = np.array(spec)
print("model kcycles: default mean %.0f max %.0f; speculative mean %.0f max %.0f" % (base.mean(), base.max(), spec.mean(), spec.max()))
