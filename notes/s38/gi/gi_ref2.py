#!/usr/bin/env python3
"""Session 38: the Goldfarb–Idnani method in the form of gi2.cu, in numpy, against quadprog.
Differences from gi_ref.py: the iterate is kept as x = J w (w rotated with J's columns), the
products with G through GJ = G·J (rotated with J): d = Jᵀn⁺ = −(GJ)ₚ, zᵀn⁺ = ‖d₂‖², the
slacks updated by −t·(GJ)₂d₂; the added constraint's rotations from the suffix norms of d."""
import numpy as np, sys

def rot_cols(M, j0, j1, c, s):
    a, b = M[:, j0].copy(), M[:, j1].copy()
    M[:, j0] = c * a + s * b
    M[:, j1] = -s * a + c * b

def gi2(Q, q, G, h, tol=1e-12, max_iter=1000):
    n, p = Q.shape[0], G.shape[0]
    L = np.linalg.cholesky(Q)
    J = np.linalg.inv(L).T.copy()
    GJ = G @ J
    w = -(J.T @ q)                      # x = J w
    s = h - GJ @ w
    R = np.zeros((n, n)); u = np.zeros(n); act = []; isact = np.zeros(p, bool)
    qa = 0; iters = 0
    while True:
        sv = np.where(isact, np.inf, s)
        pi = int(np.argmin(sv)); sp = sv[pi]
        if sp >= -tol * (1.0 + abs(h[pi])):
            return J @ w, iters, act
        up = 0.0
        while True:
            iters += 1
            if iters > max_iter: return None, iters, act
            d = -GJ[pi].copy()
            r = np.linalg.solve(R[:qa, :qa], d[:qa]) if qa else np.zeros(0)
            dd = d[qa:] @ d[qa:]
            gz = GJ[:, qa:] @ d[qa:]          # G z
            t1 = np.inf; l = -1
            for j in range(qa):
                if r[j] > 0 and u[j] / r[j] < t1: t1 = u[j] / r[j]; l = j
            t2 = np.inf if dd <= 1e-28 else -sp / dd
            t = min(t1, t2)
            if not np.isfinite(t): return None, iters, act
            if np.isfinite(t2):
                w[qa:] += t * d[qa:]
                s -= t * gz
                sp += t * dd
            u[:qa] -= t * r
            up += t
            if t == t2:
                hs = np.sqrt(np.cumsum((d[qa:] ** 2)[::-1])[::-1])
                hs = np.concatenate([np.zeros(qa), hs])
                for j in range(n - 1, qa, -1):
                    hm, hj = hs[j - 1], (hs[j] if j < n - 1 else d[n - 1])
                    c, sn = (1.0, 0.0) if hm == 0 else (d[j - 1] / hm, hj / hm)
                    rot_cols(J, j - 1, j, c, sn); rot_cols(GJ, j - 1, j, c, sn)
                    a, b = w[j - 1], w[j]; w[j - 1] = c * a + sn * b; w[j] = -sn * a + c * b
                R[:qa, qa] = d[:qa]; R[qa, qa] = hs[qa] if qa + 1 < n else d[qa]
                u[qa] = up; act.append(pi); isact[pi] = True; qa += 1
                s[pi] = 0.0
                break
            # drop l
            R[:, l:qa - 1] = R[:, l + 1:qa].copy(); R[:, qa - 1] = 0.0
            u[l:qa - 1] = u[l + 1:qa].copy(); u[qa - 1] = 0.0
            isact[act[l]] = False
            del act[l]
            for j in range(l, qa - 1):
                a, b = R[j, j], R[j + 1, j]
                if b != 0.0:
                    hh = np.hypot(a, b); c, sn = a / hh, b / hh
                    Ra = R[j, j:qa - 1].copy(); Rb = R[j + 1, j:qa - 1].copy()
                    R[j, j:qa - 1] = c * Ra + sn * Rb
                    R[j + 1, j:qa - 1] = -sn * Ra + c * Rb
                    rot_cols(J, j, j + 1, c, sn); rot_cols(GJ, j, j + 1, c, sn)
                    a2, b2 = w[j], w[j + 1]; w[j] = c * a2 + sn * b2; w[j + 1] = -sn * a2 + c * b2
            qa -= 1

if __name__ == "__main__":
    import quadprog, importlib.util
    spec = importlib.util.spec_from_file_location("g", __file__.replace("gi_ref2.py", "gi_ref.py"))
    g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
    B = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    Q, q, G, h = g.gen(B, 100, 100)
    errs, its = [], []
    for e in range(B):
        x, it, act = gi2(Q[e], q[e], G[e], h[e])
        xr = quadprog.solve_qp(Q[e], -q[e], -G[e].T, -h[e], 0)[0]
        errs.append(np.abs(x - xr).max() / np.abs(xr).max()); its.append(it)
    print(f"B={B}: max rel err vs quadprog {max(errs):.2e}; iterations mean {np.mean(its):.1f} max {max(its)}")
