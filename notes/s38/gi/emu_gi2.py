import numpy as np
raw = np.fromfile('/work/.device/9/ex0.bin', dtype=np.float64)
N = P = 100
Q = raw[:N*N].reshape(N, N); q = raw[N*N:N*N+N]; G = raw[N*N+N:N*N+N+P*N].reshape(P, N); h = raw[N*N+N+P*N:]
off = lambda c: c * (c + 1) // 2
L = np.linalg.cholesky(Q); J = np.linalg.inv(L).T.copy(); GJ = G @ J; w = -(J.T @ q); s = h - GJ @ w
Rp = np.zeros(N * (N + 1) // 2); rinv = np.zeros(N); u = np.zeros(N); act = [0] * N; isact = np.zeros(P, bool)
qa = 0; it = 0; TR = []
while True:
    sv = np.where(isact, np.inf, s); pi = int(np.argmin(sv)); sp = sv[pi]
    if sp >= -1e-12 * (1 + abs(h[pi])): break
    up = 0.0
    while True:
        it += 1
        gp = GJ[pi].copy(); d = -gp
        gz = -(GJ[:, qa:] @ gp[qa:])
        acc = d[:qa].copy(); r = np.zeros(N)
        for i in range(qa - 1, -1, -1):
            ri = acc[i] * rinv[i]; r[i] = ri
            col = Rp[off(i):off(i) + i]
            acc[:i] -= col * ri
        hs = np.zeros(N + 1)
        for k in range(qa, N): hs[k] = np.sqrt(np.sum(gp[k:] ** 2))
        dd = np.sum(gp[qa:] ** 2)
        t1 = np.inf; l = -1
        for j in range(qa):
            if r[j] > 0 and u[j] / r[j] < t1: t1 = u[j] / r[j]; l = j
        t2 = np.inf if dd <= 1e-28 else -sp / dd
        t = min(t1, t2); mode = 1 if t == t2 else 2
        TR.append((pi, mode, l, t, qa, dd, sp, w[N - 1]))
        if np.isfinite(t2):
            sp += t * dd; w[qa:] += t * d[qa:]; s -= t * gz
        up += t; u[:qa] -= t * r[:qa]
        if mode == 1:
            cs = np.zeros(N); sn = np.zeros(N)
            for j in range(qa + 1, N):
                hj = d[N - 1] if j == N - 1 else hs[j]; hm = hs[j - 1]
                cs[j], sn[j] = (1.0, 0.0) if hm == 0 else (d[j - 1] / hm, hj / hm)
            for M in (J, GJ, w.reshape(1, N)):
                for row in M:
                    carry = row[N - 1]
                    for j in range(N - 1, qa, -1):
                        a = row[j - 1]; row[j] = -sn[j] * a + cs[j] * carry; carry = cs[j] * a + sn[j] * carry
                    row[qa] = carry
            diag = hs[qa] if qa + 1 < N else d[qa]
            Rp[off(qa):off(qa) + qa] = d[:qa]; Rp[off(qa) + qa] = diag
            rinv[qa] = 1 / diag; act[qa] = pi; isact[pi] = True; u[qa] = up; s[pi] = 0.0; qa += 1
            break
        isact[act[l]] = False
        for j in range(l, qa - 1): u[j] = u[j + 1]; act[j] = act[j + 1]
        u[qa - 1] = 0.0
        for j in range(l, qa - 1):
            a, b = Rp[off(j + 1) + j], Rp[off(j + 1) + j + 1]
            if b != 0:
                hh = np.hypot(a, b); c, sg = a / hh, b / hh
                for cc in range(j + 1, qa):
                    ra, rb = Rp[off(cc) + j], Rp[off(cc) + j + 1]
                    Rp[off(cc) + j] = c * ra + sg * rb; Rp[off(cc) + j + 1] = -sg * ra + c * rb
                for M in (J, GJ, w.reshape(1, N)):
                    ja, jb = M[:, j].copy(), M[:, j + 1].copy()
                    M[:, j] = c * ja + sg * jb; M[:, j + 1] = -sg * ja + c * jb
        for j in range(l, qa - 1):
            Rp[off(j):off(j) + j + 1] = Rp[off(j + 1):off(j + 1) + j + 1]
        Rp[off(qa - 1):off(qa)] = 0.0
        for j in range(l, qa - 1): rinv[j] = 1 / Rp[off(j) + j]
        qa -= 1
    if len(TR) > 45: break
for k in (39, 40, 41, 42):
    print(k, [round(float(v), 6) for v in TR[k]])
