# Goldfarb–Idnani (quadprog) iteration counts on peers.py's random QPs (n = p = 100).
import numpy as np, quadprog, sys, time
sys.path.insert(0, '/work/shared/peers')
def gen(B, n, p, seed=0):
    r = np.random.default_rng(seed)
    L = r.random((B, n, n)); Q = L @ L.transpose(0, 2, 1) + 1e-3 * np.eye(n)
    G = r.standard_normal((B, p, n)); z0 = r.standard_normal((B, n)); s0 = r.random((B, p))
    q = r.standard_normal((B, n)); h = np.einsum('bij,bj->bi', G, z0) + s0
    return Q, q, G, h
B = int(sys.argv[1]) if len(sys.argv) > 1 else 256
Q, q, G, h = gen(B, 100, 100)
its = []; act = []; t = time.time()
for e in range(B):
    # quadprog: min ½xᵀGx − aᵀx s.t. Cᵀx ≥ b  →  G=Q, a=−q, C=−Gᵀ, b=−h
    x, f, xu, it, lag, iact = quadprog.solve_qp(Q[e], -q[e], -G[e].T, -h[e], 0)
    its.append(it[0]); act.append(len(iact))
t = time.time() - t
its = np.array(its); act = np.array(act)
print(f"B={B}: iterations mean {its.mean():.1f} min {its.min()} max {its.max()}; active at the solution mean {act.mean():.1f}; {1e3*t/B:.2f} ms per QP on one core")
