// Micro-benchmark of the one-block kernel's factorization (session 36, notes/s36.md): the
// kernel's own `ldl_factor_f64` and `ldl_invert_diag` (from pdipm.cu at HEAD, through
// head.cuh, build.sh) against a left-looking variant in which each warp owns panels and waits
// on per-panel flags instead of block barriers (`ldl_factor_ll`), and the assembly's product
// GᵀWG (`syrk_dmma`), on K = Q + GᵀWG of OptNet's random QPs (n = p = 100, specialized
// dimensions as `bench` runs them). Prints cycles per call (clock64, thread 0, the first of
// `reps` calls left out) and whether the variant's factors equal the kernel's to the bit.
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <random>
#include <algorithm>
#include "head.cuh"

constexpr int NN = OPTNET_DIM_NN, LDK = OPTNET_DIM_LD;

// One 8×8 tile of panel k's update from finished panel j (columns j0 … j0 + 7): rows i0 … i0 + 7,
// columns c0 … c0 + 7, C[i][c] −= Σ_t C[i][j0 + t]·(1/d)·C[c][j0 + t] on c ≤ i. The loads, DMMAs
// and stores of `dmma_tile_f64` for the same tile at the right-looking step j (bit-identical).
__device__ __forceinline__ void ll_tile(double* K, const double* invD, int j0, int i0, int c0, int l) {
    const int r4 = l >> 2, c4 = l & 3;
    double acc0 = 0.0, acc1 = 0.0;
    const int ic = min(i0 + r4, NN - 1) * LDK, jc = min(c0 + r4, NN - 1) * LDK;
#pragma unroll
    for (int k0 = 0; k0 < 8; k0 += 4) {
        const int k = k0 + c4;
        const double* u = K + j0 + k;
        const double b = u[jc] * invD[j0 + k];
        dmma(acc0, acc1, u[ic], b);
    }
    const int i = i0 + r4, j = c0 + 2 * c4;
    if (i < NN) {
        if (j <= i) K[i * LDK + j] -= 1.0 * acc0;
        if (j + 1 <= i) K[i * LDK + j + 1] -= 1.0 * acc1;
    }
}

// Left-looking LDLᵀ: warp w owns panels w, w + NW, …; panel k takes the updates of panels
// 0 … k − 1 in that order as each is flagged finished (the diagonal tile's from panel k − 1
// first, then its diagonal block is factored, then the other tiles' from k − 1), solves its
// rows below the block, and raises its flag. No block barrier until the end. SLEEP: a waiting
// lane naps between polls.
template <bool SLEEP>
__device__ void ldl_factor_ll(double* K, int n, double* D, double* invD, double eps, double delta,
                              volatile int* fl) {
    constexpr int PW = NB64, NP = (NN + PW - 1) / PW;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    for (int k = wp; k < NP; k += NW) {
        const int k0 = k * PW, nt = (NN - k0 + 7) / 8;
        for (int j = 0; j < k; j++) {
            if (l == 0) {
                while (fl[j] == 0) {
                    if (SLEEP) __nanosleep(20);
                }
            }
            __syncwarp();
            __threadfence_block();
            const int tl = j == k - 1 ? 1 : nt;
            for (int t = 0; t < tl; t++) ll_tile(K, invD, j * PW, k0 + 8 * t, k0, l);
        }
        __syncwarp();
        ldl_diag_f64(K, LDK, k0, min(NN - k0, PW), n, D, invD, eps, delta, rdelta, l);
        if (k > 0)
            for (int t = 1; t < nt; t++) ll_tile(K, invD, (k - 1) * PW, k0 + 8 * t, k0, l);
        __syncwarp();
        const int k1 = k0 + PW;
        for (int i = k1 + l; i < NN; i += 32) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __threadfence_block();
        __syncwarp();
        if (l == 0) fl[k] = 1;
    }
    __syncthreads();
}


// VAR 4: the pivot chain alone, warp 0 factoring the 13 diagonal blocks in turn (values unused).
__device__ void diag_chain(double* K, int n, double* D, double* invD, double eps, double delta) {
    const int l = threadIdx.x & 31;
    if ((threadIdx.x >> 5) == 0)
        for (int k0 = 0; k0 < NN; k0 += NB64)
            ldl_diag_f64(K, LDK, k0, min(NN - k0, NB64), n, D, invD, eps, delta, 1.0 / delta, l);
    __syncthreads();
}

// VAR 5: `ldl_factor_f64` without the trailing update's other tiles (`syrk_dmma_rest`): its
// critical path (row solve, barrier, diagonal tile and block, barrier) alone.
__device__ void ldl_factor_norest(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    if (wp == 0) ldl_diag_f64(K, LDK, 0, min(NN, PW), n, D, invD, eps, delta, rdelta, l);
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            ldl_diag_f64(K, LDK, k1, min(NN - k1, PW), n, D, invD, eps, delta, rdelta, l);
        }
        __syncthreads();
    }
}


// VAR 6: `ldl_invert_diag` (f64) with each row's sum in two interleaved partial sums (even and
// odd k; a different rounding, not the kernel's bits): how much of its time is the sums' chain.
__device__ void invert_split(double* K, const double* invD) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int b = w; 32 * b < NN; b += NW) {
        const int o = 32 * b, R = min(32, NN - o);
        double* Kb = K + o * LDK + o;
        double y[32];
        double xp = 0.0;
#pragma unroll
        for (int i = 0; i < 32; i++) {
            if (i >= R) break;
            const double* ci = Kb + i * LDK;
            double s0 = 0.0, s1 = 0.0;
#pragma unroll
            for (int k0 = 0; k0 < (i > 0 ? i : 1); k0 += 16) {
                __syncwarp();
                if (k0 == 0 && i > 0 && i - 1 > l) Kb[(i - 1) * LDK + l] = xp;
#pragma unroll
                for (int k = k0; k < k0 + 16 && k < i; k++) {
#ifdef S37_ONE_SUM
                    s0 += ci[k] * y[k];
#else
                    if (k & 1) s1 += ci[k] * y[k];
                    else s0 += ci[k] * y[k];
#endif
                }
            }
#ifdef S37_ONE_SUM
            // Session 37: one sum, the kernel's arithmetic until 10e15c3 (the left-looking
            // inverse), to compare a new kernel's inverse with entry by entry.
            const double s = s0;
            (void)s1;
#else
            const double s = s0 + s1;
#endif
            xp = i == l ? 1.0 : -s;
            y[i] = xp * invD[o + i];
        }
        __syncwarp();
        if (R - 1 > l) Kb[(R - 1) * LDK + l] = xp;
    }
    __syncthreads();
}


// `ldl_diag_f64` with the whole 8×8 block in every lane's registers (36 values, the same
// operations on every lane: no shuffles). The same arithmetic, operation for operation: row r's
// entries −= (G[r][t]·(1/d_t))·G[u][t], and the next pivot from its entry before step t less
// (c·c)·(1/d_t) with c = G[t + 1][t]; lane r < w stores row r as the kernel's lane r does.
__device__ __forceinline__ void ldl_diag_red(double* K, int ld, int k0, int w, int n, double* D, double* invD,
                                             double eps, double delta, double rdelta, int l) {
    constexpr int PW = NB64;
    double G[PW][PW];
#pragma unroll
    for (int r = 0; r < PW; r++)
#pragma unroll
        for (int u = 0; u <= r; u++) G[r][u] = r < w ? K[(k0 + r) * ld + k0 + u] : 0.0;
    double dn = G[0][0];
#pragma unroll
    for (int t = 0; t < PW; t++) {
        if (t >= w) break;
        const bool pos = k0 + t < n;
        const bool ok = pos ? dn >= eps : -dn >= eps;
        const double r = rcp_faithful(dn);
        const double d = ok ? dn : pos ? delta : -delta;
        const double id = ok ? r : pos ? rdelta : -rdelta;
        if (l == 0) {
            D[k0 + t] = d;
            invD[k0 + t] = id;
        }
        if (t + 1 >= w) break;
        double p = G[t + 1][t + 1];
        {
            const double c = G[t + 1][t];
            p -= (c * c) * id;
        }
#pragma unroll
        for (int rr = t + 1; rr < PW; rr++) {
            const double lg = G[rr][t] * id;
#pragma unroll
            for (int u = t + 1; u <= rr; u++) G[rr][u] -= lg * G[u][t];
        }
        dn = p;
    }
#pragma unroll
    for (int r = 1; r < PW; r++)
        if (r == l && r < w)
#pragma unroll
            for (int u = 1; u < r; u++) K[(k0 + r) * ld + k0 + u] = G[r][u];
}

// VAR 7: `ldl_factor_f64` with `ldl_diag_red`; VAR 8: its pivot chain alone.
__device__ void ldl_factor_red(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    if (wp == 0) ldl_diag_red(K, LDK, 0, min(NN, PW), n, D, invD, eps, delta, rdelta, l);
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            ldl_diag_red(K, LDK, k1, min(NN - k1, PW), n, D, invD, eps, delta, rdelta, l);
        } else {
            syrk_dmma_rest(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}
__device__ void diag_chain_red(double* K, int n, double* D, double* invD, double eps, double delta) {
    const int l = threadIdx.x & 31;
    if ((threadIdx.x >> 5) == 0)
        for (int k0 = 0; k0 < NN; k0 += NB64)
            ldl_diag_red(K, LDK, k0, min(NN - k0, NB64), n, D, invD, eps, delta, 1.0 / delta, l);
    __syncthreads();
}

// Latencies (cycles per dependent operation, thread 0's clock64 over 256 of them): DFMA, the
// fp64 reciprocal's approximation (MUFU), `rcp_faithful`, a 64-bit shuffle.
__global__ void latency(double* out, long long* cyc, double a) {
    const int l = threadIdx.x & 31;
    double x = a + l, y = a, z = a + 1.0, s = a;
    long long t0 = clock64();
#pragma unroll 1
    for (int i = 0; i < 256; i++) x = fma(x, a, 1e-3);
    long long t1 = clock64();
#pragma unroll 1
    for (int i = 0; i < 256; i++) asm volatile("rcp.approx.ftz.f64 %0, %0;" : "+d"(y));
    long long t2 = clock64();
#pragma unroll 1
    for (int i = 0; i < 256; i++) z = rcp_faithful(z);
    long long t3 = clock64();
#pragma unroll 1
    for (int i = 0; i < 256; i++) s = __shfl_sync(FULL, s, (l + 1) & 31);
    long long t4 = clock64();
    out[threadIdx.x] = x + y + z + s;
    if (threadIdx.x == 0) {
        cyc[0] = t1 - t0; cyc[1] = t2 - t1; cyc[2] = t3 - t2; cyc[3] = t4 - t3;
    }
}


// The trailing update's tiles from panel j (columns j0 … j0 + 7, trailing rows from k1 = j0 + 8)
// other than tile column 0: group g of the tile columns bj ≥ 1 (SG tiles of one column from
// bi0, as `syrk_dmma_rest`'s groups; every tile bit-identical to `syrk_dmma`'s), nt tile rows.
__device__ __forceinline__ int later_groups(int nt) {
    int c = 0;
    for (int bj = 1; bj < nt; bj++) c += (nt - bj + SG - 1) / SG;
    return c;
}
__device__ __forceinline__ void later_group(double* K, const double* invD, int j0, int g) {
    const int l = threadIdx.x & 31, r4 = l >> 2, c4 = l & 3;
    const int k1 = j0 + NB64, R = NN - k1, nt = (R + 7) / 8;
    int bj = 1, bi0 = 1;
    for (;;) {
        const int ng = (nt - bj + SG - 1) / SG;
        if (g < ng) {
            bi0 = bj + g * SG;
            break;
        }
        g -= ng;
        bj++;
    }
    const int tn = min(SG, nt - bi0);
    double* C = K + k1 * LDK + k1;
    const double* U = K + k1 * LDK + j0;
    const double* v = invD + j0;
    const int jc = min(8 * bj + r4, R - 1) * LDK;
    double acc[SG][2];
#pragma unroll
    for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
    int ic[SG];
#pragma unroll
    for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * LDK;
#pragma unroll
    for (int k0 = 0; k0 < NB64; k0 += 4) {
        const int k = k0 + c4;
        const double* u = U + k;
        const double b = u[jc] * v[k];
#pragma unroll
        for (int t = 0; t < SG; t++)
            if (t < tn) dmma(acc[t][0], acc[t][1], u[ic[t]], b);
    }
    const int j = 8 * bj + 2 * c4;
#pragma unroll
    for (int t = 0; t < SG; t++) {
        const int i = 8 * (bi0 + t) + r4;
        if (t < tn && i < R) {
            if (j <= i) C[i * LDK + j] -= 1.0 * acc[t][0];
            if (j + 1 <= i) C[i * LDK + j + 1] -= 1.0 * acc[t][1];
        }
    }
}

// VAR 10: the diagonal blocks in registers, and the trailing update split: tile column 0 (the
// next panel's rows) by warps 1 … NW − 1 beside warp 0's diagonal block, the later columns'
// groups taken from a shared counter by any warp that is free: warps 1 … NW − 1 until warp 0
// has factored the block, then every warp after its rows of the next panel's solve. The same
// tiles, each from its panels in the same order: bit-identical.
__device__ void ldl_factor_steal(double* K, int n, double* D, double* invD, double eps, double delta,
                                 volatile int* fl) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    int* ctr = const_cast<int*>(fl) + 8;      // next group of the pending later columns
    volatile int* done = fl + 9;              // warp 0 has factored this step's block
    if (wp == 0) ldl_diag_red(K, LDK, 0, min(NN, PW), n, D, invD, eps, delta, rdelta, l);
    if (tid == 0) { *ctr = 0; *done = 0; }
    __syncthreads();
    int pj0 = -1, pgroups = 0;  // the pending later columns: their panel and group count
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW, R = NN - k1;
        // A. Rows below panel k against its block; the free warps take pending groups.
        if (tid < R) {
            const int i = k1 + tid;
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        if (pgroups > 0) {
            for (;;) {
                int g = 0;
                if (l == 0) g = atomicAdd(ctr, 1);
                g = __shfl_sync(FULL, g, 0);
                if (g >= pgroups) break;
                later_group(K, invD, pj0, g);
            }
        }
        __syncthreads();
        if (tid == 0) { *ctr = 0; *done = 0; }
        __syncthreads();
        // B. Warp 0: the next block's tile and factorization; the others: tile column 0, then
        // this step's later groups until warp 0 is done.
        const int nt = (R + 7) / 8;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            ldl_diag_red(K, LDK, k1, min(NN - k1, PW), n, D, invD, eps, delta, rdelta, l);
            __syncwarp();
            if (l == 0) *done = 1;
        } else {
            for (int bi = wp; bi < nt; bi += NW - 1)
                dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, bi, 0);
            const int G = later_groups(nt);
            for (;;) {
                int g = G;
                if (l == 0 && *done == 0) g = atomicAdd(ctr, 1);
                g = __shfl_sync(FULL, g, 0);
                if (g >= G) break;
                later_group(K, invD, k0, g);
            }
        }
        pj0 = k0;
        pgroups = later_groups(nt);
        __syncthreads();
    }
}

// VAR 11: GᵀWG with each warp's group 4 tile rows × 2 tile columns (two B fragments and four A
// per k step for eight products, where `syrk_dmma`'s 4 × 1 loads five for four): the same
// DMMAs per tile in the same k order (bit-identical).
__device__ void syrk_2d(double* C, const double* U, const double* v) {
    constexpr int R = NN, ldu = NN, kn = NN;  // U = G (p × n), ldi = 1, s = −1
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31, r4 = l >> 2, c4 = l & 3;
    constexpr int nt = (R + 7) / 8;
    int g = 0;
    for (int bj0 = 0; bj0 < nt; bj0 += 2)
        for (int bi0 = bj0; bi0 < nt; bi0 += 4, g++) {
            if (g % NW != w) continue;
            double acc[4][2][2];
#pragma unroll
            for (int t = 0; t < 4; t++)
#pragma unroll
                for (int q = 0; q < 2; q++) acc[t][q][0] = acc[t][q][1] = 0.0;
            int ic[4], jc[2];
#pragma unroll
            for (int t = 0; t < 4; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1);
#pragma unroll
            for (int q = 0; q < 2; q++) jc[q] = min(8 * (bj0 + q) + r4, R - 1);
            for (int k0 = 0; k0 + 4 <= kn; k0 += 4) {
                const int k = k0 + c4;
                const double* u = U + k * ldu;
                const double vk = v[k];
                const double b0 = u[jc[0]] * vk, b1 = u[jc[1]] * vk;
#pragma unroll
                for (int t = 0; t < 4; t++) {
                    const double a = u[ic[t]];
                    if (bi0 + t < nt) {
                        dmma(acc[t][0][0], acc[t][0][1], a, b0);
                        if (bj0 + 1 <= bi0 + t && bj0 + 1 < nt) dmma(acc[t][1][0], acc[t][1][1], a, b1);
                    }
                }
            }
#pragma unroll
            for (int t = 0; t < 4; t++)
#pragma unroll
                for (int q = 0; q < 2; q++) {
                    const int i = 8 * (bi0 + t) + r4, j = 8 * (bj0 + q) + 2 * c4;
                    if (bi0 + t < nt && bj0 + q <= bi0 + t && i < R) {
                        if (j <= i) C[i * LDK + j] -= -1.0 * acc[t][q][0];
                        if (j + 1 <= i) C[i * LDK + j + 1] -= -1.0 * acc[t][q][1];
                    }
                }
        }
}

// Latencies, unrolled chains of 64 (cycles per dependent operation).
__global__ void latency2(double* out, long long* cyc, double a) {
    const int l = threadIdx.x & 31;
    double x = a + l, y = a, z = a + 1.0, s = a, m = a;
    long long t0 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) x = fma(x, a, 1e-3);
    long long t1 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) asm volatile("rcp.approx.ftz.f64 %0, %0;" : "+d"(y));
    long long t2 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) z = rcp_faithful(z);
    long long t3 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) s = __shfl_sync(FULL, s, (l + 1) & 31);
    long long t4 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) m = m * a;
    long long t5 = clock64();
    out[threadIdx.x] = x + y + z + s + m;
    if (threadIdx.x == 0) {
        cyc[0] = t1 - t0; cyc[1] = t2 - t1; cyc[2] = t3 - t2; cyc[3] = t4 - t3; cyc[4] = t5 - t4;
    }
}


// `ldl_diag_red` with the block's width a constant (W = 8: every block but a last narrower one)
// and D, 1/D stored after the chain: how much of the chain is its branches and stores.
template <int W>
__device__ __forceinline__ void ldl_diag_fixed(double* K, int ld, int k0, int n, double* D, double* invD,
                                               double eps, double delta, double rdelta, int l) {
    constexpr int PW = NB64;
    double G[PW][PW], dd[PW], ii[PW];
#pragma unroll
    for (int r = 0; r < W; r++)
#pragma unroll
        for (int u = 0; u <= r; u++) G[r][u] = K[(k0 + r) * ld + k0 + u];
    double dn = G[0][0];
#pragma unroll
    for (int t = 0; t < W; t++) {
        const bool pos = k0 + t < n;
        const bool ok = pos ? dn >= eps : -dn >= eps;
        const double r = rcp_faithful(dn);
        dd[t] = ok ? dn : pos ? delta : -delta;
        const double id = ok ? r : pos ? rdelta : -rdelta;
        ii[t] = id;
        if (t + 1 >= W) break;
        double p = G[t + 1][t + 1];
        {
            const double c = G[t + 1][t];
            p -= (c * c) * id;
        }
#pragma unroll
        for (int rr = t + 1; rr < W; rr++) {
            const double lg = G[rr][t] * id;
#pragma unroll
            for (int u = t + 1; u <= rr; u++) G[rr][u] -= lg * G[u][t];
        }
        dn = p;
    }
    if (l < W) {
        double dl = dd[0], il = ii[0];
#pragma unroll
        for (int t = 1; t < W; t++)
            if (t == l) { dl = dd[t]; il = ii[t]; }
        D[k0 + l] = dl;
        invD[k0 + l] = il;
    }
#pragma unroll
    for (int r = 1; r < W; r++)
        if (r == l)
#pragma unroll
            for (int u = 1; u < r; u++) K[(k0 + r) * ld + k0 + u] = G[r][u];
}
__device__ void diag_chain_fixed(double* K, int n, double* D, double* invD, double eps, double delta) {
    const int l = threadIdx.x & 31;
    if ((threadIdx.x >> 5) == 0) {
        for (int k0 = 0; k0 + 8 <= NN; k0 += NB64)
            ldl_diag_fixed<8>(K, LDK, k0, n, D, invD, eps, delta, 1.0 / delta, l);
        if (NN % 8) ldl_diag_fixed<NN % 8>(K, LDK, NN - NN % 8, n, D, invD, eps, delta, 1.0 / delta, l);
    }
    __syncthreads();
}
// VAR 12: `ldl_factor_f64`'s schedule without the pivot chain (warp 0 updates the tile only):
// the trailing updates' and row solves' own path.
__device__ void ldl_factor_nodiag(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int wp = tid >> 5;
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
        } else {
            syrk_dmma_rest(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}


// `ldl_diag_fixed<8>` for any width w ≤ 8: rows r ≥ w padded with the identity (their pivots
// are formed and dropped; rows below w never read them), D and 1/D stored for t < w.
__device__ __forceinline__ void ldl_diag_pad(double* K, int ld, int k0, int w, int n, double* D, double* invD,
                                             double eps, double delta, double rdelta, int l) {
    constexpr int PW = NB64;
    double G[PW][PW], dd[PW], ii[PW];
#pragma unroll
    for (int r = 0; r < PW; r++)
#pragma unroll
        for (int u = 0; u <= r; u++) G[r][u] = r < w ? K[(k0 + r) * ld + k0 + u] : (r == u ? 1.0 : 0.0);
    double dn = G[0][0];
#pragma unroll
    for (int t = 0; t < PW; t++) {
        const bool pos = k0 + t < n;
        const bool ok = pos ? dn >= eps : -dn >= eps;
        const double r = rcp_faithful(dn);
        dd[t] = ok ? dn : pos ? delta : -delta;
        const double id = ok ? r : pos ? rdelta : -rdelta;
        ii[t] = id;
        if (t + 1 >= PW) break;
        double p = G[t + 1][t + 1];
        {
            const double c = G[t + 1][t];
            p -= (c * c) * id;
        }
#pragma unroll
        for (int rr = t + 1; rr < PW; rr++) {
            const double lg = G[rr][t] * id;
#pragma unroll
            for (int u = t + 1; u <= rr; u++) G[rr][u] -= lg * G[u][t];
        }
        dn = p;
    }
    if (l < w) {
        double dl = dd[0], il = ii[0];
#pragma unroll
        for (int t = 1; t < PW; t++)
            if (t == l) { dl = dd[t]; il = ii[t]; }
        D[k0 + l] = dl;
        invD[k0 + l] = il;
    }
#pragma unroll
    for (int r = 2; r < PW; r++)
        if (r == l && r < w)
#pragma unroll
            for (int u = 1; u < r; u++) K[(k0 + r) * ld + k0 + u] = G[r][u];
}

// Groups of X tiles of one tile column (`syrk_dmma_rest`'s with SG = X), tile column 0 from
// tile 1, warps ww of nw; each tile's DMMAs as `syrk_dmma`'s.
template <int X>
__device__ __forceinline__ void rest_x(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                       int ww, int nw) {
    const int l = threadIdx.x & 31, r4 = l >> 2, c4 = l & 3;
    const int nt = (R + 7) / 8;
    int g = 0;
    for (int bj = 0; bj < nt; bj++)
        for (int bi0 = bj + (bj == 0); bi0 < nt; bi0 += X, g++) {
            if (g % nw != ww) continue;
            const int tn = min(X, nt - bi0);
            double acc[X][2];
#pragma unroll
            for (int t = 0; t < X; t++) acc[t][0] = acc[t][1] = 0.0;
            const int jc = min(8 * bj + r4, R - 1) * ldi;
            int ic[X];
#pragma unroll
            for (int t = 0; t < X; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * ldi;
#pragma unroll
            for (int k0 = 0; k0 < NB64; k0 += 4) {
                const int k = k0 + c4;
                const double* u = U + k;
                const double b = u[jc] * v[k];
#pragma unroll
                for (int t = 0; t < X; t++)
                    if (t < tn) dmma(acc[t][0], acc[t][1], u[ic[t]], b);
            }
            const int j = 8 * bj + 2 * c4;
#pragma unroll
            for (int t = 0; t < X; t++) {
                const int i = 8 * (bi0 + t) + r4;
                if (t < tn && i < R) {
                    if (j <= i) C[i * ldc + j] -= 1.0 * acc[t][0];
                    if (j + 1 <= i) C[i * ldc + j + 1] -= 1.0 * acc[t][1];
                }
            }
        }
}

// VAR 14 (X = 0: `syrk_dmma_rest`), 15 (X = 1), 16 (X = 2): `ldl_factor_f64` with
// `ldl_diag_pad`; VAR 17 (X = 1) and 18 (X = 2) without the diagonal blocks (the T path alone).
template <int X, bool DIAG>
__device__ void ldl_factor_x(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    if (DIAG && wp == 0) ldl_diag_pad(K, LDK, 0, min(NN, PW), n, D, invD, eps, delta, rdelta, l);
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            if (DIAG) ldl_diag_pad(K, LDK, k1, min(NN - k1, PW), n, D, invD, eps, delta, rdelta, l);
        } else if (X == 0) {
            syrk_dmma_rest(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, wp - 1, NW - 1);
        } else {
            rest_x<X == 0 ? 1 : X>(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}

__global__ void dmma_latency(double* out, long long* cyc, double a) {
    double d0 = 0.0, d1 = 0.0, e0 = 0, e1 = 0, f0 = 0, f1 = 0, g0 = 0, g1 = 0;
    long long t0 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) dmma(d0, d1, a, a);
    long long t1 = clock64();
#pragma unroll
    for (int i = 0; i < 64; i++) {
        dmma(d0, d1, a, a);
        dmma(e0, e1, a, a);
        dmma(f0, f1, a, a);
        dmma(g0, g1, a, a);
    }
    long long t2 = clock64();
    out[threadIdx.x] = d0 + d1 + e0 + e1 + f0 + f1 + g0 + g1;
    if (threadIdx.x == 0) { cyc[0] = t1 - t0; cyc[1] = t2 - t1; }
}


// The trailing update's tiles but (0, 0) as one group per warp: warp ww takes tiles 1 + ww,
// 1 + ww + nw, … of the lower triangle in row order (`tile_of`), at most MT, and issues both k
// steps' loads and DMMAs of all of them together (each tile's DMMAs as `syrk_dmma`'s).
template <int MT>
__device__ __forceinline__ void rest_all(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                         int ww, int nw) {
    const int l = threadIdx.x & 31, r4 = l >> 2, c4 = l & 3;
    const int nt = (R + 7) / 8, count = nt * (nt + 1) / 2 - 1;
    int ic[MT], jc[MT], io[MT], jo[MT];
#pragma unroll
    for (int m = 0; m < MT; m++) {
        int bi, bj;
        tile_of(min(1 + ww + m * nw, count), bi, bj);
        ic[m] = min(8 * bi + r4, R - 1) * ldi;
        jc[m] = min(8 * bj + r4, R - 1) * ldi;
        io[m] = 8 * bi + r4;
        jo[m] = 8 * bj + 2 * c4;
    }
    double acc[MT][2];
#pragma unroll
    for (int m = 0; m < MT; m++) acc[m][0] = acc[m][1] = 0.0;
#pragma unroll
    for (int k0 = 0; k0 < NB64; k0 += 4) {
        const int k = k0 + c4;
        const double* u = U + k;
        const double vk = v[k];
        double a[MT], b[MT];
#pragma unroll
        for (int m = 0; m < MT; m++)
            if (1 + ww + m * nw <= count) {
                a[m] = u[ic[m]];
                b[m] = u[jc[m]] * vk;
            }
#pragma unroll
        for (int m = 0; m < MT; m++)
            if (1 + ww + m * nw <= count) dmma(acc[m][0], acc[m][1], a[m], b[m]);
    }
#pragma unroll
    for (int m = 0; m < MT; m++)
        if (1 + ww + m * nw <= count) {
            const int i = io[m], j = jo[m];
            if (i < R) {
                if (j <= i) C[i * ldc + j] -= 1.0 * acc[m][0];
                if (j + 1 <= i) C[i * ldc + j + 1] -= 1.0 * acc[m][1];
            }
        }
}

// VAR 19: `ldl_diag_pad` and `rest_all`; VAR 20: the same without the diagonal blocks.
template <bool DIAG>
__device__ void ldl_factor_all(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64, MT = ((NN + 7) / 8 * ((NN + 7) / 8 - 1) / 2 + NW - 2) / (NW - 1);
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    if (DIAG && wp == 0) ldl_diag_pad(K, LDK, 0, min(NN, PW), n, D, invD, eps, delta, rdelta, l);
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            if (DIAG) ldl_diag_pad(K, LDK, k1, min(NN - k1, PW), n, D, invD, eps, delta, rdelta, l);
        } else {
            rest_all<MT>(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}


// VAR 21: `syrk_dmma` (GᵀWG: ldi = 1, kn = 100, s = −1) with every group's SG products made
// whether or not its tiles exist (rows clamped to R − 1, as the loads already are; only the
// stores test t < tn): no warp-uniform branch around each DMMA. Each stored tile's arithmetic
// unchanged.
__device__ void syrk_nobranch(double* C, int ldc, const double* U, int ldu, const double* v, int R, int kn,
                              double s) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    each_group<0>(nt, w, NW, [&](const int bj, const int bi0, const int tn) {
        const int jb = 8 * bj + r4;
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        const int jc = min(jb, R - 1);
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1);
        for (int k0 = 0; k0 + 4 <= kn; k0 += 4) {
            const int k = k0 + c4;
            const double* u = U + k * ldu;
            const double b = u[jc] * v[k];
#pragma unroll
            for (int t = 0; t < SG; t++) dmma(acc[t][0], acc[t][1], u[ic[t]], b);
        }
        const int j = 8 * bj + 2 * c4;
#pragma unroll
        for (int t = 0; t < SG; t++) {
            const int i = 8 * (bi0 + t) + r4;
            if (t < tn && i < R) {
                if (j <= i) C[i * ldc + j] -= s * acc[t][0];
                if (j + 1 <= i) C[i * ldc + j + 1] -= s * acc[t][1];
            }
        }
    });
}

// VAR 22: `ldl_factor_f64` with the trailing update's groups made the same way
// (`syrk_dmma_rest` without the branches: `rest_nobranch`).
__device__ __forceinline__ void rest_nobranch(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                              int ww, int nw) {
    const int l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    each_group<1>(nt, ww, nw, [&](const int bj, const int bi0, const int tn) {
        const int jb = 8 * bj + r4;
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        const int jc = min(jb, R - 1) * ldi;
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * ldi;
#pragma unroll
        for (int k0 = 0; k0 < NB64; k0 += 4) {
            const int k = k0 + c4;
            const double* u = U + k;
            const double b = u[jc] * v[k];
#pragma unroll
            for (int t = 0; t < SG; t++) dmma(acc[t][0], acc[t][1], u[ic[t]], b);
        }
        const int j = 8 * bj + 2 * c4;
#pragma unroll
        for (int t = 0; t < SG; t++) {
            const int i = 8 * (bi0 + t) + r4;
            if (t < tn && i < R) {
                if (j <= i) C[i * ldc + j] -= 1.0 * acc[t][0];
                if (j + 1 <= i) C[i * ldc + j + 1] -= 1.0 * acc[t][1];
            }
        }
    });
}
template <int DIAGV>
__device__ void ldl_factor_nb(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    auto diag = [&](int k0, int w) {
        if (DIAGV == 0) ldl_diag_f64(K, LDK, k0, w, n, D, invD, eps, delta, rdelta, l);
        else ldl_diag_pad(K, LDK, k0, w, n, D, invD, eps, delta, rdelta, l);
    };
    if (wp == 0) diag(0, min(NN, PW));
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            diag(k1, min(NN - k1, PW));
        } else {
            rest_nobranch(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}


// sm_90's m16n8k4 fp64 product: two m8n8k4 tiles stacked in M sharing the B fragment (lane l:
// A rows l/4 and l/4 + 8 at column l%4; B row l%4, column l/4; D rows l/4 and l/4 + 8, columns
// 2(l%4) and 2(l%4) + 1). Twice the FLOP per instruction of m8n8k4 at the same issue rate.
__device__ __forceinline__ void dmma16(double& d0, double& d1, double& d2, double& d3, double a0, double a1,
                                       double b) {
    asm volatile("mma.sync.aligned.m16n8k4.row.col.f64.f64.f64.f64 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%0,%1,%2,%3};\n"
                 : "+d"(d0), "+d"(d1), "+d"(d2), "+d"(d3)
                 : "d"(a0), "d"(a1), "d"(b));
}

// VAR 24: GᵀWG as `syrk_dmma` (SG = 4 tiles of one column per group) with each pair of tiles
// one m16n8k4 product instead of two m8n8k4.
__device__ void syrk_m16(double* C, int ldc, const double* U, int ldu, const double* v, int R, int kn, double s) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    each_group<0>(nt, w, NW, [&](const int bj, const int bi0, const int tn) {
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        const int jc = min(8 * bj + r4, R - 1);
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1);
        for (int k0 = 0; k0 + 4 <= kn; k0 += 4) {
            const int k = k0 + c4;
            const double* u = U + k * ldu;
            const double b = u[jc] * v[k];
#pragma unroll
            for (int t = 0; t < SG; t += 2)
                if (t < tn) dmma16(acc[t][0], acc[t][1], acc[t + 1][0], acc[t + 1][1], u[ic[t]], u[ic[t + 1]], b);
        }
        const int j = 8 * bj + 2 * c4;
#pragma unroll
        for (int t = 0; t < SG; t++) {
            const int i = 8 * (bi0 + t) + r4;
            if (t < tn && i < R) {
                if (j <= i) C[i * ldc + j] -= s * acc[t][0];
                if (j + 1 <= i) C[i * ldc + j + 1] -= s * acc[t][1];
            }
        }
    });
}

// VAR 25: `ldl_factor_f64` whose trailing update (`syrk_dmma_rest`'s groups) takes pairs of
// tiles as m16n8k4 products.
__device__ __forceinline__ void rest_m16(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                         int ww, int nw) {
    const int l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    each_group<1>(nt, ww, nw, [&](const int bj, const int bi0, const int tn) {
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        const int jc = min(8 * bj + r4, R - 1) * ldi;
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * ldi;
#pragma unroll
        for (int k0 = 0; k0 < NB64; k0 += 4) {
            const int k = k0 + c4;
            const double* u = U + k;
            const double b = u[jc] * v[k];
#pragma unroll
            for (int t = 0; t < SG; t += 2)
                if (t < tn) dmma16(acc[t][0], acc[t][1], acc[t + 1][0], acc[t + 1][1], u[ic[t]], u[ic[t + 1]], b);
        }
        const int j = 8 * bj + 2 * c4;
#pragma unroll
        for (int t = 0; t < SG; t++) {
            const int i = 8 * (bi0 + t) + r4;
            if (t < tn && i < R) {
                if (j <= i) C[i * ldc + j] -= 1.0 * acc[t][0];
                if (j + 1 <= i) C[i * ldc + j + 1] -= 1.0 * acc[t][1];
            }
        }
    });
}
template <int DIAGV>
__device__ void ldl_factor_m16(double* K, int n, double* D, double* invD, double eps, double delta) {
    constexpr int PW = NB64;
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    auto diag = [&](int k0, int w) {
        if (DIAGV == 0) ldl_diag_f64(K, LDK, k0, w, n, D, invD, eps, delta, rdelta, l);
        else ldl_diag_red(K, LDK, k0, w, n, D, invD, eps, delta, rdelta, l);
    };
    if (wp == 0) diag(0, min(NN, PW));
    __syncthreads();
    for (int k0 = 0; k0 + PW < NN; k0 += PW) {
        const int k1 = k0 + PW;
        for (int i = k1 + tid; i < NN; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * LDK + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * LDK + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * LDK + k0 + u] = a[u];
        }
        __syncthreads();
        const int R = NN - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, PW, 0, 0);
            __syncwarp();
            diag(k1, min(NN - k1, PW));
        } else {
            rest_m16(K + k1 * LDK + k1, LDK, K + k1 * LDK + k0, LDK, invD + k0, R, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}

// VAR 0: the kernel's factorization; 1: left-looking; 2: left-looking with naps; 3: GᵀWG;
// 4: the pivot chain; 5: without the other tiles; 9: GᵀWG with the loads of GL_KSTEPS steps grouped.
template <int VAR>
__global__ void __launch_bounds__(NT, 1)
    bench_kernel(const double* Kin, const double* Gin, const double* Win, double* fac, double* inv, long long* cyc,
                 int reps, double eps, double delta) {
    double* K = reinterpret_cast<double*>(smem_raw);
    double* D = K + NN * LDK;
    double* iD = D + 128;
    double* G = iD + 128;
    double* W = G + NN * NN;
    volatile int* fl = reinterpret_cast<volatile int*>(W + 128);
    const double* src = Kin + (long long)blockIdx.x * NN * NN;
    if (VAR == 3 || VAR == 9 || VAR == 11 || VAR == 21 || VAR == 24) {
        for (int i = threadIdx.x; i < NN * NN; i += NT) G[i] = Gin[(long long)blockIdx.x * NN * NN + i];
        for (int i = threadIdx.x; i < NN; i += NT) W[i] = Win[(long long)blockIdx.x * NN + i];
    }
    long long t_a = 0, t_b = 0;
    for (int r = 0; r < reps; r++) {
        for (int x = threadIdx.x; x < NN * NN; x += NT) {
            const int i = x / NN, j = x - i * NN;
            K[i * LDK + j] = (VAR == 3 || VAR == 9 || VAR == 11 || VAR == 21 || VAR == 24) ? (j <= i ? src[x] : 0.0) : src[x];
        }
        if (threadIdx.x < 16) fl[threadIdx.x] = 0;
        __syncthreads();
        const long long t0 = clock64();
        if (VAR == 0 || VAR == 6) ldl_factor_f64(K, LDK, NN, NN, D, iD, eps, delta);
        if (VAR == 1) ldl_factor_ll<false>(K, NN, D, iD, eps, delta, fl);
        if (VAR == 2) ldl_factor_ll<true>(K, NN, D, iD, eps, delta, fl);
        if (VAR == 3) syrk_dmma(K, LDK, G, NN, 1, W, NN, NN, -1.0);
        if (VAR == 9) syrk_dmma<true>(K, LDK, G, NN, 1, W, NN, NN, -1.0);
        if (VAR == 4) diag_chain(K, NN, D, iD, eps, delta);
        if (VAR == 7) ldl_factor_red(K, NN, D, iD, eps, delta);
        if (VAR == 14) ldl_factor_x<0, true>(K, NN, D, iD, eps, delta);
        if (VAR == 15) ldl_factor_x<1, true>(K, NN, D, iD, eps, delta);
        if (VAR == 16) ldl_factor_x<2, true>(K, NN, D, iD, eps, delta);
        if (VAR == 17) ldl_factor_x<1, false>(K, NN, D, iD, eps, delta);
        if (VAR == 18) ldl_factor_x<2, false>(K, NN, D, iD, eps, delta);
        if (VAR == 19) ldl_factor_all<true>(K, NN, D, iD, eps, delta);
        if (VAR == 20) ldl_factor_all<false>(K, NN, D, iD, eps, delta);
        if (VAR == 21) syrk_nobranch(K, LDK, G, NN, W, NN, NN, -1.0);
        if (VAR == 22) ldl_factor_nb<0>(K, NN, D, iD, eps, delta);
        if (VAR == 23) ldl_factor_nb<1>(K, NN, D, iD, eps, delta);
        if (VAR == 24) syrk_m16(K, LDK, G, NN, W, NN, NN, -1.0);
        if (VAR == 25) ldl_factor_m16<0>(K, NN, D, iD, eps, delta);
        if (VAR == 26) ldl_factor_m16<1>(K, NN, D, iD, eps, delta);
        if (VAR == 12) ldl_factor_nodiag(K, NN, D, iD, eps, delta);
        if (VAR == 13) diag_chain_fixed(K, NN, D, iD, eps, delta);
        if (VAR == 10) ldl_factor_steal(K, NN, D, iD, eps, delta, fl);
        if (VAR == 11) syrk_2d(K, G, W);
        if (VAR == 8) diag_chain_red(K, NN, D, iD, eps, delta);
        if (VAR == 5) ldl_factor_norest(K, NN, D, iD, eps, delta);
        __syncthreads();
        const long long t1 = clock64();
        if (r == 0 && VAR != 3 && VAR != 9 && VAR != 11 && VAR != 21 && VAR != 24) {
            double* o = fac + (long long)blockIdx.x * (NN * LDK + 256);
            for (int x = threadIdx.x; x < NN * LDK; x += NT) o[x] = K[x];
            for (int x = threadIdx.x; x < NN; x += NT) {
                o[NN * LDK + x] = D[x];
                o[NN * LDK + 128 + x] = iD[x];
            }
        }
        if (r == 0 && (VAR == 3 || VAR == 9 || VAR == 11 || VAR == 21 || VAR == 24)) {
            double* o = fac + (long long)blockIdx.x * (NN * LDK + 256);
            for (int x = threadIdx.x; x < NN * LDK; x += NT) o[x] = K[x];
        }
        __syncthreads();
        const long long t2 = clock64();
        if (VAR != 3 && VAR != 9 && VAR != 11 && VAR != 21 && VAR != 24 && VAR != 6) ldl_invert_diag(K, LDK, iD, NN);
        if (VAR == 6) invert_split(K, iD);
        const long long t3 = clock64();
        if (r > 0) {
            t_a += t1 - t0;
            t_b += t3 - t2;
        }
        if (r == 0 && VAR != 3 && VAR != 9 && VAR != 11 && VAR != 21 && VAR != 24) {
            double* o = inv + (long long)blockIdx.x * NN * LDK;
            for (int x = threadIdx.x; x < NN * LDK; x += NT) o[x] = K[x];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        cyc[2 * blockIdx.x] = t_a / (reps - 1);
        cyc[2 * blockIdx.x + 1] = t_b / (reps - 1);
    }
}

#define CK(x)                                                                           \
    do {                                                                                \
        cudaError_t e_ = (x);                                                           \
        if (e_ != cudaSuccess) {                                                        \
            printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

template <int VAR>
void run(int B, int reps, const double* dK, const double* dG, const double* dW, double* dfac, double* dinv,
         long long* dcyc, std::vector<double>& fac, std::vector<double>& inv, double& ca, double& cb, float& ms) {
    const size_t smem = (NN * LDK + 256 + NN * NN + 128) * sizeof(double) + 64;
    CK(cudaFuncSetAttribute(bench_kernel<VAR>, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    bench_kernel<VAR><<<B, NT, smem>>>(dK, dG, dW, dfac, dinv, dcyc, reps, 1e-13, 2e-7);  // warm-up
    CK(cudaEventRecord(e0));
    bench_kernel<VAR><<<B, NT, smem>>>(dK, dG, dW, dfac, dinv, dcyc, reps, 1e-13, 2e-7);
    CK(cudaEventRecord(e1));
    CK(cudaDeviceSynchronize());
    CK(cudaEventElapsedTime(&ms, e0, e1));
    std::vector<long long> cyc(2 * B);
    CK(cudaMemcpy(cyc.data(), dcyc, cyc.size() * 8, cudaMemcpyDeviceToHost));
    fac.resize((size_t)B * (NN * LDK + 256));
    inv.resize((size_t)B * NN * LDK);
    CK(cudaMemcpy(fac.data(), dfac, fac.size() * 8, cudaMemcpyDeviceToHost));
    CK(cudaMemcpy(inv.data(), dinv, inv.size() * 8, cudaMemcpyDeviceToHost));
    ca = cb = 0;
    for (int b = 0; b < B; b++) {
        ca += cyc[2 * b];
        cb += cyc[2 * b + 1];
    }
    ca /= B;
    cb /= B;
}

int main(int argc, char** argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 6;
    const int Bmax = 264;
    // OptNet's random QPs as peers.py draws them (Q = LLᵀ + 1e-3·I, G standard normal), W = λ/s
    // log-uniform over [1e-2, 1e2] (an iterate's) or [1e-8, 1e8] (near a solution).
    std::mt19937_64 rng(36);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    const int n = NN;
    {
        double* dout;
        long long* dc;
        CK(cudaMalloc(&dout, 256 * 8));
        CK(cudaMalloc(&dc, 4 * 8));
        CK(cudaMalloc(&dc, 8 * 8));
        latency2<<<1, 32>>>(dout, dc, 0.999);
        latency2<<<1, 32>>>(dout, dc, 0.999);
        long long c[5];
        CK(cudaMemcpy(c, dc, 40, cudaMemcpyDeviceToHost));
        dmma_latency<<<1, 32>>>(dout, dc, 0.999);
        dmma_latency<<<1, 32>>>(dout, dc, 0.999);
        long long cd[2];
        CK(cudaMemcpy(cd, dc, 16, cudaMemcpyDeviceToHost));
        printf("DMMA m8n8k4 f64: %.1f cycles dependent, %.1f per instruction with four chains\n", cd[0] / 64.0, cd[1] / 256.0);
        printf("latency per dependent op (cycles, chains of 64): DFMA %.1f, rcp.approx.f64 %.1f, rcp_faithful %.1f, f64 shuffle %.1f, DMUL %.1f\n",
               c[0] / 64.0, c[1] / 64.0, c[2] / 64.0, c[3] / 64.0, c[4] / 64.0);
    }
    for (double wr : {2.0, 8.0}) {
        std::vector<double> hK((size_t)Bmax * n * n), hG((size_t)Bmax * n * n), hW((size_t)Bmax * n);
        for (int b = 0; b < Bmax; b++) {
            std::vector<double> L(n * n), Q(n * n, 0.0);
            for (auto& x : L) x = nd(rng);
            for (int i = 0; i < n; i++)
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
                    Q[i * n + j] = Q[j * n + i] = s + (i == j ? 1e-3 : 0.0);
                }
            double* G = &hG[(size_t)b * n * n];
            double* W = &hW[(size_t)b * n];
            for (int x = 0; x < n * n; x++) G[x] = nd(rng);
            for (int i = 0; i < n; i++) W[i] = pow(10.0, wr * (2 * ud(rng) - 1));
            double* K = &hK[(size_t)b * n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) {
                    double s = Q[i * n + j];
                    for (int k = 0; k < n; k++) s += G[k * n + i] * W[k] * G[k * n + j];
                    K[i * n + j] = s;
                }
        }
        double *dK, *dG, *dW, *dfac, *dinv;
        long long* dcyc;
        CK(cudaMalloc(&dK, hK.size() * 8));
        CK(cudaMalloc(&dG, hG.size() * 8));
        CK(cudaMalloc(&dW, hW.size() * 8));
        CK(cudaMalloc(&dfac, (size_t)Bmax * (NN * LDK + 256) * 8));
        CK(cudaMalloc(&dinv, (size_t)Bmax * NN * LDK * 8));
        CK(cudaMalloc(&dcyc, (size_t)Bmax * 2 * 8));
        CK(cudaMemcpy(dK, hK.data(), hK.size() * 8, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dG, hG.data(), hG.size() * 8, cudaMemcpyHostToDevice));
        CK(cudaMemcpy(dW, hW.data(), hW.size() * 8, cudaMemcpyHostToDevice));
        printf("W over 1e-%g … 1e%g\n", wr, wr);
        for (int B : {1, 132}) {
            std::vector<double> f0, i0, f, iv;
            double ca0, cb0, ca, cb;
            float ms0, ms;
            run<0>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f0, i0, ca0, cb0, ms0);
            // The factor's residual max|LDLᵀ − K| / max|K| (strict lower C = L·D), example 0.
            double res = 0, kmax = 0;
            {
                const double* o = f0.data();
                const double* Dv = o + NN * LDK;
                for (int i = 0; i < n; i++)
                    for (int j = 0; j <= i; j++) {
                        double s = 0;
                        for (int k = 0; k <= j; k++) {
                            const double lik = k == i ? 1.0 : o[i * LDK + k] / Dv[k];
                            const double ljk = k == j ? 1.0 : o[j * LDK + k] / Dv[k];
                            s += lik * Dv[k] * ljk;
                        }
                        res = std::max(res, fabs(s - hK[i * n + j]));
                        kmax = std::max(kmax, fabs(hK[i * n + j]));
                    }
            }
            printf("  B=%3d kernel's ldl_factor_f64: %8.0f cycles, ldl_invert_diag %7.0f, launch %.3f ms (%d reps), residual %.2e\n",
                   B, ca0, cb0, ms0, reps, res / kmax);
            auto cmp = [&](const char* name, int VAR) {
                if (VAR == 1) run<1>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 14) run<14>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 15) run<15>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 16) run<16>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 19) run<19>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 22) run<22>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 23) run<23>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 25) run<25>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 26) run<26>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 10) run<10>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else if (VAR == 7) run<7>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                else run<2>(B, reps, dK, dG, dW, dfac, dinv, dcyc, f, iv, ca, cb, ms);
                size_t diff = 0;
                for (int b = 0; b < B; b++) {
                    const double* a = &f0[(size_t)b * (NN * LDK + 256)];
                    const double* c = &f[(size_t)b * (NN * LDK + 256)];
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < i; j++) diff += a[i * LDK + j] != c[i * LDK + j];
                        diff += a[NN * LDK + i] != c[NN * LDK + i];
                        diff += a[NN * LDK + 128 + i] != c[NN * LDK + 128 + i];
                    }
                }
                printf("  B=%3d %-28s %8.0f cycles (%.2fx), ldl_invert_diag %7.0f, launch %.3f ms, entries differing from the kernel's: %zu\n",
                       B, name, ca, ca0 / ca, cb, ms, diff);
            };
            cmp("left-looking, flags:", 1);
            cmp("left-looking, flags, naps:", 2);
            cmp("diagonal blocks in registers:", 7);
            cmp("padded fixed-width blocks:", 14);
            cmp("padded blocks, one group a warp:", 19);
            cmp("groups without branches:", 22);
            cmp("no branches, padded blocks:", 23);
            cmp("trailing update m16n8k4:", 25);
            cmp("m16n8k4, blocks in registers:", 26);
            std::vector<double> fs, is;
            run<3>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d syrk_dmma GᵀWG:            %8.0f cycles\n", B, ca);
            const std::vector<double> s3 = fs;
            run<9>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            size_t sd = 0;
            for (int b = 0; b < B; b++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j <= i; j++)
                        sd += s3[(size_t)b * (NN * LDK + 256) + i * LDK + j] != fs[(size_t)b * (NN * LDK + 256) + i * LDK + j];
            printf("  B=%3d syrk_dmma<GL> GᵀWG:        %8.0f cycles, entries differing: %zu\n", B, ca, sd);
            run<11>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            sd = 0;
            for (int b = 0; b < B; b++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j <= i; j++)
                        sd += s3[(size_t)b * (NN * LDK + 256) + i * LDK + j] != fs[(size_t)b * (NN * LDK + 256) + i * LDK + j];
            printf("  B=%3d GᵀWG 4×2 tile groups:       %8.0f cycles, entries differing: %zu\n", B, ca, sd);
            run<21>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            sd = 0;
            for (int b = 0; b < B; b++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j <= i; j++)
                        sd += s3[(size_t)b * (NN * LDK + 256) + i * LDK + j] != fs[(size_t)b * (NN * LDK + 256) + i * LDK + j];
            printf("  B=%3d GᵀWG without branches:      %8.0f cycles, entries differing: %zu\n", B, ca, sd);
            run<24>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            sd = 0;
            for (int b = 0; b < B; b++)
                for (int i = 0; i < n; i++)
                    for (int j = 0; j <= i; j++)
                        sd += s3[(size_t)b * (NN * LDK + 256) + i * LDK + j] != fs[(size_t)b * (NN * LDK + 256) + i * LDK + j];
            printf("  B=%3d GᵀWG m16n8k4:               %8.0f cycles, entries differing: %zu\n", B, ca, sd);
            run<4>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d pivot chain alone:         %8.0f cycles\n", B, ca);
            run<8>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d pivot chain, registers:    %8.0f cycles\n", B, ca);
            run<13>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d pivot chain, fixed width:  %8.0f cycles\n", B, ca);
            run<12>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d factor without the chain:  %8.0f cycles\n", B, ca);
            run<20>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d  … one group a warp:       %8.0f cycles\n", B, ca);
            run<5>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            printf("  B=%3d factor without other tiles: %7.0f cycles\n", B, ca);
            run<6>(B, reps, dK, dG, dW, dfac, dinv, dcyc, fs, is, ca, cb, ms);
            double md = 0;
            for (int b = 0; b < B; b++)
                for (size_t x = 0; x < (size_t)NN * LDK; x++) {
                    const double a0 = i0[(size_t)b * NN * LDK + x], a1 = is[(size_t)b * NN * LDK + x];
                    md = std::max(md, fabs(a0 - a1) / std::max(1e-300, fabs(a0)));
                }
            printf("  B=%3d invert, two partial sums:  %8.0f cycles (kernel's %.0f), max relative difference %.2e\n", B, cb, cb0, md);
        }
        cudaFree(dK); cudaFree(dG); cudaFree(dW); cudaFree(dfac); cudaFree(dinv); cudaFree(dcyc);
    }
    return 0;
}
