#!/usr/bin/env python3
"""Session 38: the Goldfarb–Idnani dual active-set method, written step by step as the GPU
prototype (gi.cu) takes it, in numpy, checked against quadprog on peers.py's random QPs.
min ½xᵀQx + qᵀx  s.t.  Gx ≤ h  (constraint i: nᵢᵀx ≥ bᵢ with nᵢ = −Gᵢ, bᵢ = −hᵢ).
usage: gi_ref.py [B]"""
import numpy as np, sys

def gi(Q, q, G, h, tol=1e-12, max_iter=1000):
    n, p = Q.shape[0], G.shape[0]
    L = np.linalg.cholesky(Q)
    J = np.linalg.inv(L).T.copy()          # J = L⁻ᵀ (upper triangular)
    x = -J @ (J.T @ q)                     # the unconstrained minimum
    R = np.zeros((n, n)); u = np.zeros(n); act = []
    qa = 0; iters = 0; adds = drops = 0
    while True:
        s = h - G @ x                      # slacks, ≥ 0 when feasible
        s[act] = np.inf
        pidx = int(np.argmin(s)); sp = s[pidx]
        if sp >= -tol * (1.0 + abs(h[pidx])):
            return x, iters, adds, drops, act
        npl = -G[pidx]                     # n⁺
        up = 0.0                           # u⁺ of the violated constraint
        while True:
            iters += 1
            if iters > max_iter: return None, iters, adds, drops, act
            d = J.T @ npl
            z = J[:, qa:] @ d[qa:]
            r = np.zeros(qa)
            for i in range(qa - 1, -1, -1):
                r[i] = (d[i] - R[i, i + 1:qa] @ r[i + 1:qa]) / R[i, i]
            # partial (dual) step
            t1 = np.inf; l = -1
            for j in range(qa):
                if r[j] > 0 and u[j] / r[j] < t1: t1 = u[j] / r[j]; l = j
            zn = z @ npl
            t2 = np.inf if abs(zn) <= 1e-14 * (1 + np.abs(npl).max()) else -sp / zn
            t = min(t1, t2)
            if not np.isfinite(t): return None, iters, adds, drops, act   # infeasible
            if np.isfinite(t2):
                x = x + t * z
                sp = sp + t * zn
            u[:qa] -= t * r
            up += t
            if t == t2:                    # full step: add the constraint
                for j in range(n - 1, qa, -1):
                    a, b = d[j - 1], d[j]
                    if b == 0.0: continue
                    hh = np.hypot(a, b); c, sn = a / hh, b / hh
                    d[j - 1] = hh; d[j] = 0.0
                    Ja = J[:, j - 1].copy(); Jb = J[:, j].copy()
                    J[:, j - 1] = c * Ja + sn * Jb
                    J[:, j] = -sn * Ja + c * Jb
                R[:qa + 1, qa] = d[:qa + 1]
                u[qa] = up; act.append(pidx); qa += 1; adds += 1
                break
            # partial step: drop active constraint l
            drops += 1
            R[:, l:qa - 1] = R[:, l + 1:qa].copy(); R[:, qa - 1] = 0.0
            u[l:qa - 1] = u[l + 1:qa].copy(); u[qa - 1] = 0.0
            del act[l]
            for j in range(l, qa - 1):
                a, b = R[j, j], R[j + 1, j]
                if b != 0.0:
                    hh = np.hypot(a, b); c, sn = a / hh, b / hh
                    Ra = R[j, j:qa - 1].copy(); Rb = R[j + 1, j:qa - 1].copy()
                    R[j, j:qa - 1] = c * Ra + sn * Rb
                    R[j + 1, j:qa - 1] = -sn * Ra + c * Rb
                    Ja = J[:, j].copy(); Jb = J[:, j + 1].copy()
                    J[:, j] = c * Ja + sn * Jb
                    J[:, j + 1] = -sn * Ja + c * Jb
            qa -= 1

def gen(B, n, p, seed=0):  # peers.py's generator
    r = np.random.default_rng(seed)
    L = r.random((B, n, n)); Q = L @ L.transpose(0, 2, 1) + 1e-3 * np.eye(n)
    G = r.standard_normal((B, p, n)); z0 = r.standard_normal((B, n)); s0 = r.random((B, p))
    h = np.einsum('bij,bj->bi', G, z0) + s0; q = r.standard_normal((B, n))
    return Q, q, G, h

if __name__ == "__main__":
    import quadprog
    B = int(sys.argv[1]) if len(sys.argv) > 1 else 32
    Q, q, G, h = gen(B, 100, 100)
    errs, its, ad, dr = [], [], [], []
    for e in range(B):
        x, it, a, d_, act = gi(Q[e], q[e], G[e], h[e])
        xr = quadprog.solve_qp(Q[e], -q[e], -G[e].T, -h[e], 0)[0]
        errs.append(np.abs(x - xr).max() / np.abs(xr).max()); its.append(it); ad.append(a); dr.append(d_)
    print(f"B={B}: max rel err vs quadprog {max(errs):.2e}; inner iterations mean {np.mean(its):.1f} max {max(its)}; adds {np.mean(ad):.1f}, drops {np.mean(dr):.1f}")
