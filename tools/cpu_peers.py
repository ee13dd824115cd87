"""One-core times of qpax (JAX on the CPU), OSQP and Clarabel (Python) on the 128 random QPs
of ../shared/peers/peers.py (n = p = 100, seed 0: Q = LLᵀ + 1e-3·I, G ~ N(0, 1),
h = Gz₀ + s₀), for issue 2's CPU goal side by side with `bench_cpu` on the same machine.

    taskset -c 0 python3 tools/cpu_peers.py        # REPS=5 for more repetitions

Needs numpy, jax and qpax; OSQP, Clarabel and SciPy are timed when installed. qpax is
vmapped and jitted over the batch (as peers.py times it on the GPU), with XLA on one thread;
OSQP and Clarabel solve the QPs one after another with their default settings."""
import os, sys, time, statistics

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
import numpy as np


def gen(B, n, p, seed=0):
    """The problems of peers.py's `gen` (the same draws in the same order)."""
    r = np.random.default_rng(seed)
    L = r.random((B, n, n)); Q = L @ L.transpose(0, 2, 1) + 1e-3 * np.eye(n)
    G = r.standard_normal((B, p, n)); z0 = r.standard_normal((B, n)); s0 = r.random((B, p))
    h = np.einsum('bij,bj->bi', G, z0) + s0; q = r.standard_normal((B, n))
    return Q, q, G, h


B, n, p = 128, 100, 100
Q, q, G, h = gen(B, n, p)
reps = int(os.environ.get("REPS", "3"))


def med(f):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return statistics.median(ts), ts


def report(name, t, ts):
    print(f"{name}, {B} QPs, one core: {t:.3f} s (median of {reps}: {' '.join('%.3f' % x for x in ts)})", flush=True)


import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp, qpax
J = [jnp.asarray(x) for x in (Q, q, G, h)]
A = jnp.zeros((B, 0, n)); b = jnp.zeros((B, 0))
solve = jax.jit(jax.vmap(qpax.solve_qp_primal))
report("qpax (JAX CPU, f64, vmap + jit)", *med(lambda: jax.block_until_ready(solve(J[0], J[1], A, b, J[2], J[3]))))
try:
    import scipy.sparse as sp, osqp, clarabel
except ImportError:
    print("OSQP / Clarabel / SciPy not installed: qpax only")
    sys.exit(0)


def run_osqp():
    for i in range(B):
        m = osqp.OSQP()
        m.setup(sp.csc_matrix(Q[i]), q[i], sp.csc_matrix(G[i]), -np.inf * np.ones(p), h[i], verbose=False)
        m.solve()


report(f"OSQP {osqp.__version__} (defaults)", *med(run_osqp))


def run_clarabel():
    s = clarabel.DefaultSettings(); s.verbose = False
    for i in range(B):
        clarabel.DefaultSolver(sp.csc_matrix(np.triu(Q[i])), q[i], sp.csc_matrix(G[i]), h[i],
                               [clarabel.NonnegativeConeT(p)], s).solve()


report(f"Clarabel {clarabel.__version__} (Python, defaults)", *med(run_clarabel))
