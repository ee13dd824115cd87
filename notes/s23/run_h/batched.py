# Session 23, run H: what one interior point step costs in batched dense library calls (torch:
# cuBLAS batched GEMM, cuSOLVER batched Cholesky), f64, n = p = 100 — the issue's
# "batched-GEMM path" measured with vendor kernels instead of estimated.
import torch, time, json, sys
dev = torch.device("cuda")
torch.backends.cuda.matmul.allow_tf32 = False
res = {}
def timed(f, reps=20):
    for _ in range(3): f()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ts = []
    for _ in range(reps):
        s.record(); f(); e.record(); torch.cuda.synchronize(); ts.append(s.elapsed_time(e))
    ts.sort(); return ts[len(ts) // 2]
n = p = 100
for B in (128, 512, 2048):
    g = torch.Generator(device=dev).manual_seed(0)
    L = torch.randn(B, n, n, dtype=torch.float64, device=dev, generator=g)
    Q = L @ L.transpose(1, 2) + 1e-3 * torch.eye(n, dtype=torch.float64, device=dev)
    G = torch.randn(B, p, n, dtype=torch.float64, device=dev, generator=g)
    w = torch.rand(B, p, dtype=torch.float64, device=dev, generator=g) + 0.1
    r = torch.randn(B, n, 2, dtype=torch.float64, device=dev, generator=g)
    K = Q + G.transpose(1, 2) @ (w.unsqueeze(2) * G)
    C = torch.linalg.cholesky(K)
    t_asm = timed(lambda: Q + G.transpose(1, 2) @ (w.unsqueeze(2) * G))
    t_chol = timed(lambda: torch.linalg.cholesky_ex(K))
    t_solve = timed(lambda: torch.cholesky_solve(r, C))
    t_gemv = timed(lambda: (G @ r, G.transpose(1, 2) @ (G @ r)))
    step = t_asm + t_chol + 3 * t_solve + 2 * t_gemv
    res[B] = dict(assemble=t_asm, cholesky=t_chol, solve2=t_solve, gemv_pair=t_gemv, step=step)
    print(f"B={B}: assemble {t_asm:.3f} ms, cholesky {t_chol:.3f} ms, cholesky_solve (2 rhs) {t_solve:.3f} ms, "
          f"G products {t_gemv:.3f} ms; a step (assemble, factor, 3 solves, 2 product pairs) {step:.3f} ms; "
          f"x8 steps {8*step:.2f} ms", flush=True)
json.dump(res, open(sys.argv[1], "w"), indent=1)
