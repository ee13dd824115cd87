// Session 38: the Goldfarb–Idnani prototype, sixth form (gi6): gi3b.cu's algebra and setup with
// two barriers per added constraint: the rotations' cosines and sines formed beside the
// products (warp 5, from the suffix norms), the step's decision by every warp, the slacks, R⁻¹,
// u and the next choice by warp 7 while the others rotate, w's update folded into its rotation.
// (gi3b: the third form with the rotations through restrict pointers.) As gi2.cu (x = J w, GJ = G·J rotated
// with J, the added constraint's rotations from the suffix norms of d), but R is not stored:
// its column j is −(GJ)_{act j} (rows 0 … j), which the rotations keep up to date, and R⁻¹ is
// kept instead (packed by columns), so that r = R⁻¹d₁ is a product, not a chain of qa steps:
// an added column of R⁻¹ is (−r/ρ, 1/ρ); after a drop R⁻¹ is formed again from GJ.
// A measurement, not the library's code (notes/s38.md §5).
// Build: nvcc -arch=sm_90 -O3 -std=c++17 -o gi3 gi3.cu; run: ./gi3 [reps]
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <random>
#include <algorithm>
#include <cuda_runtime.h>

#define N 100
#define P 100
#define LD 101
#define NT 256
#define NW (NT / 32)
#define MAX_IT 400
#define FULL 0xffffffffu
#define RP (N * (N + 1) / 2)

__device__ int g_setup_only = 0;
__device__ long long g_setup[4 * 2048];  // the setup's load, Cholesky, inverse, GJ (cycles)
__device__ double g_trace[8 * 512];  // debugging: example 0's steps (pidx, mode, l, t)  // debugging: stop after the setup (x = the unconstrained minimum)
// One row's rotations of an added constraint: (row[j−1], row[j]) ← (c a + s b, −s a + c b) for
// j = N−1 … qa+1, the carried value in a register; restrict pointers so that the compiler may
// load ahead of the stores (cos and sin in arrays of their own).
__device__ __forceinline__ void rotate_row(double* __restrict__ row, const double* __restrict__ cs,
                                           const double* __restrict__ sn, int qa) {
    double carry = row[N - 1];
#pragma unroll 4
    for (int j = N - 1; j > qa; j--) {
        const double a = row[j - 1], c = cs[j], s = sn[j];
        row[j] = -s * a + c * carry;
        carry = c * a + s * carry;
    }
    row[qa] = carry;
}

__device__ __forceinline__ int off(int c) { return c * (c + 1) / 2; }  // packed column c of R

struct Smem {
    double J[N * LD];
    double GJ[P * LD];
    double Ri[RP];  // R⁻¹, packed by columns (the setup's scratch before)
    double w[N], d[N], gz[2 * P], s[P], u[N], r[N], cs[N], sn[N], hs[N + 1], rinv[N], qv[N];
    double nsp;  // the next constraint's slack (warp 7's choice)
    long long ph[8];
    int act[N];
    int isact[P];
    double sp, up, t, dd;
    int qa, pidx, l, mode, done, iters, adds, drops, status, t2fin;
};

extern "C" __global__ void __launch_bounds__(NT, 1)
gi6_f64(const double* Qg, const double* qg, const double* Gg, const double* hg, double* xo, double* lo,
        int* st, long long* cyc) {
    extern __shared__ __align__(16) unsigned char raw[];
    Smem& S = *reinterpret_cast<Smem*>(raw);
    const int e = blockIdx.x, tid = threadIdx.x, w = tid >> 5, ln = tid & 31;
    const double* Q = Qg + (long long)e * N * N;
    const double* q = qg + (long long)e * N;
    const double* G = Gg + (long long)e * P * N;
    const double* h = hg + (long long)e * P;
    const long long c0 = clock64();
    // ---- Setup. Q into J (lower triangle), G into GJ, q.
    for (int k0 = 0; k0 < N * N; k0 += 4 * NT) {
        double a[4], b[4];
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const int k = k0 + u * NT + tid;
            a[u] = k < N * N ? Q[k] : 0.0;
            b[u] = k < N * N ? G[k] : 0.0;
        }
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const int k = k0 + u * NT + tid;
            if (k < N * N) {
                const int i = k / N, j = k - i * N;
                S.J[i * LD + j] = a[u];
                S.GJ[i * LD + j] = b[u];
            }
        }
    }
    for (int i = tid; i < P; i += NT) { S.isact[i] = 0; }
    for (int i = tid; i < N; i += NT) { S.qv[i] = q[i]; S.u[i] = 0.0; }
    __syncthreads();
    long long ts0 = clock64(), ts[4] = {0, 0, 0, 0};
    // Cholesky, right-looking, one barrier per column: step k updates the trailing lower
    // triangle from column k unscaled (× 1/A_kk) and scales column k − 1 (no longer read).
    // Two threads per row i > k, alternate columns j ∈ (k, i].
    for (int k = 0; k < N; k++) {
        const double ik = 1.0 / S.J[k * LD + k];
        const int i = k + 1 + (tid >> 1), half = tid & 1;
        if (i < N) {
            const double aik = S.J[i * LD + k] * ik;
            for (int j = k + 1 + half; j <= i; j += 2) S.J[i * LD + j] -= aik * S.J[j * LD + k];
        }
        if (k > 0) {
            const double idk = rsqrt(S.J[(k - 1) * LD + k - 1]);
            for (int r = k + tid; r < N; r += NT) S.J[r * LD + k - 1] *= idk;  // rows ≥ k of column k−1
        }
        __syncthreads();
        if (k > 0 && tid == 0) S.J[(k - 1) * LD + k - 1] = sqrt(S.J[(k - 1) * LD + k - 1]);
        __syncthreads();
    }
    if (tid == 0) S.J[(N - 1) * LD + N - 1] = sqrt(S.J[(N - 1) * LD + N - 1]);
    __syncthreads();
    ts[0] = clock64();
    // X = L⁻¹ (packed by rows in Rp): row k final after step k. Step k: rows i > k, entries
    // j ≤ k: X_ij −= L_ik·X_kj/L_kk (row k unscaled), and row k − 1 scaled by 1/L_{k−1,k−1}.
    for (int k = tid; k < RP; k += NT) S.Ri[k] = 0.0;
    __syncthreads();
    for (int k = tid; k < N; k += NT) S.Ri[off(k) + k] = 1.0;
    __syncthreads();
    for (int k = 0; k < N; k++) {
        const double ik = 1.0 / S.J[k * LD + k];
        const int i = k + 1 + (tid >> 1), half = tid & 1;
        if (i < N) {
            const double lik = S.J[i * LD + k] * ik;
            for (int j = half; j <= k; j += 2) S.Ri[off(i) + j] -= lik * S.Ri[off(k) + j];
        }
        __syncthreads();
        for (int j = tid; j <= k; j += NT) S.Ri[off(k) + j] *= ik;
        __syncthreads();
    }
    ts[1] = clock64();
    // J = Xᵀ (upper triangular), over L.
    for (int k = tid; k < N * N; k += NT) {
        const int i = k / N, j = k - i * N;
        S.J[i * LD + j] = j >= i ? S.Ri[off(j) + i] : 0.0;
    }
    __syncthreads();
    // GJ = G·J: half of G's rows at a time copied into the free Rp area (50·100 values), then a
    // thread per output entry (j ≥ k only: J upper triangular), four accumulators.
    for (int r0 = 0; r0 < P; r0 += P / 2) {
        for (int k = tid; k < (P / 2) * N; k += NT) {
            const int i = k / N, j = k - i * N;
            S.Ri[k] = S.GJ[(r0 + i) * LD + j];
        }
        __syncthreads();
        for (int o = tid; o < (P / 2) * N; o += NT) {
            const int i = o / N, j = o - i * N;
            const double* g = S.Ri + i * N;
            double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
            int k = 0;
            for (; k + 3 <= j; k += 4) {
                a0 += g[k] * S.J[k * LD + j];
                a1 += g[k + 1] * S.J[(k + 1) * LD + j];
                a2 += g[k + 2] * S.J[(k + 2) * LD + j];
                a3 += g[k + 3] * S.J[(k + 3) * LD + j];
            }
            for (; k <= j; k++) a0 += g[k] * S.J[k * LD + j];
            S.GJ[(r0 + i) * LD + j] = (a0 + a1) + (a2 + a3);
        }
        __syncthreads();
    }
    for (int k = tid; k < RP; k += NT) S.Ri[k] = 0.0;
    __syncthreads();
    ts[2] = clock64();
    // w = −Jᵀq, then s = h − GJ·w.
    for (int j = tid; j < N; j += NT) {
        double a = 0.0;
        for (int k = 0; k <= j; k++) a += S.J[k * LD + j] * S.qv[k];
        S.w[j] = -a;
    }
    __syncthreads();
    for (int i = tid; i < P; i += NT) {
        double a0 = 0.0, a1 = 0.0;
        for (int j = 0; j < N; j += 2) { a0 += S.GJ[i * LD + j] * S.w[j]; a1 += S.GJ[i * LD + j + 1] * S.w[j + 1]; }
        S.s[i] = h[i] - (a0 + a1);
    }
    if (tid == 0) {
        S.qa = 0; S.iters = 0; S.adds = 0; S.drops = 0; S.status = 0; S.done = g_setup_only;
        for (int k = 0; k < 8; k++) S.ph[k] = 0;
        S.ph[6] = ts[0] - ts0;            // Cholesky
        S.ph[7] = ts[1] - ts[0];          // inverse
        (void)ts[2];
    }
    __syncthreads();
    const long long c1 = clock64();
    long long tl = c1;
#define PH(k) do { const long long t_ = clock64(); if (tid == 0) S.ph[k] += t_ - tl; tl = t_; } while (0)
    if (w == NW - 1) {  // the first choice
        double b = INFINITY;
        int bi = 0;
        for (int i = ln; i < P; i += 32)
            if (S.s[i] < b) { b = S.s[i]; bi = i; }
        for (int o = 16; o > 0; o >>= 1) {
            const double ob = __shfl_xor_sync(FULL, b, o);
            const int oi = __shfl_xor_sync(FULL, bi, o);
            if (ob < b || (ob == b && oi < bi)) { b = ob; bi = oi; }
        }
        if (ln == 0) { S.pidx = bi; S.nsp = b; S.done = g_setup_only || b >= -1e-12 * (1.0 + fabs(h[bi])); }
    }
    __syncthreads();
    int qa = 0, iters = 0, adds = 0, drops = 0, status = 0;
    int pi = S.pidx;
    double sp = S.nsp, up = 0.0;
    bool done = S.done;
    while (!done) {
        iters++;
        const double* gp = S.GJ + pi * LD;  // d = −GJ row p
        // Phase 1: d; gz = GJ₂d₂ (warps 0–4); ‖d₂‖² (warp 5); r = R⁻¹d₁ (warps 6–7).
        if (tid < N) S.d[tid] = -gp[tid];
        if (w < NW - 3) {
            for (int task = tid; task < 2 * P; task += 32 * (NW - 3)) {
                const int i = task < P ? task : task - P, half = task < P ? 0 : 1;
                const int mid = (qa + N) >> 1, j0 = half ? mid : qa, j1 = half ? N : mid;
                const double* gi = S.GJ + i * LD;
                double a0 = 0.0, a1 = 0.0;
                int j = j0;
                for (; j + 1 < j1; j += 2) { a0 -= gi[j] * gp[j]; a1 -= gi[j + 1] * gp[j + 1]; }
                if (j < j1) a0 -= gi[j] * gp[j];
                S.gz[half * P + i] = a0 + a1;
            }
        } else if (w == NW - 3) {
            // Suffix norms h_k = ‖d[k:]‖ over [qa, N) (lane ln: entries 4ln … 4ln+3), ‖d₂‖², and
            // the added constraint's rotations: for j ∈ (qa, N), cos_j = d[j−1]/h_{j−1},
            // sin_j = h_j/h_{j−1} (d[N−1] itself for j = N−1), each lane its own j.
            double v[4], hv[4], tot = 0.0;
            for (int c = 3; c >= 0; c--) {
                const int k = 4 * ln + c;
                const double dk = k >= qa && k < N ? gp[k] : 0.0;
                tot += dk * dk;
                v[c] = tot;
            }
            double x = tot;
            for (int o = 1; o < 32; o <<= 1) {
                const double y = __shfl_down_sync(FULL, x, o);
                if (ln + o < 32) x += y;
            }
            double above = __shfl_down_sync(FULL, x, 1);
            if (ln == 31) above = 0.0;
            for (int c = 0; c < 4; c++) hv[c] = sqrt(v[c] + above);
            const double hnext = __shfl_down_sync(FULL, hv[0], 1);  // h at 4(ln+1)
            for (int c = 0; c < 4; c++) {
                const int j = 4 * ln + c;  // rotation j: columns j−1, j; needs h_{j−1}
                const double hm = c > 0 ? hv[c - 1] : __shfl_up_sync(FULL, hv[3], 1);
                const double hj = j == N - 1 ? -gp[N - 1] : hv[c];
                (void)hnext;
                if (j > qa && j < N) {
                    if (hm == 0.0) { S.cs[j] = 1.0; S.sn[j] = 0.0; }
                    else { const double ih = 1.0 / hm; S.cs[j] = -gp[j - 1] * ih; S.sn[j] = hj * ih; }
                }
                if (j >= qa && j < N) S.hs[j] = hv[c];
            }
            if (ln == 0) S.dd = x;
        } else {
            for (int i = tid - 32 * (NW - 2); i < qa; i += 64) {
                double a0 = 0.0, a1 = 0.0;
                int k = i;
                for (; k + 1 < qa; k += 2) { a0 -= S.Ri[off(k) + i] * gp[k]; a1 -= S.Ri[off(k + 1) + i] * gp[k + 1]; }
                if (k < qa) a0 -= S.Ri[off(k) + i] * gp[k];
                S.r[i] = a0 + a1;
            }
        }
        __syncthreads();
        PH(1);
        // The step, by every warp: the smallest u_j/r_j over r_j > 0 as a pair, t1, t2.
        double bu = 1.0, br = 0.0;
        int l = -1;
        for (int j = ln; j < qa; j += 32) {
            const double rj = S.r[j], uj = S.u[j];
            if (rj > 0.0 && (br == 0.0 || uj * br < bu * rj)) { bu = uj; br = rj; l = j; }
        }
        for (int o = 16; o > 0; o >>= 1) {
            const double ou = __shfl_xor_sync(FULL, bu, o), orr = __shfl_xor_sync(FULL, br, o);
            const int ol = __shfl_xor_sync(FULL, l, o);
            if (orr > 0.0 && (br == 0.0 || ou * br < bu * orr || (ou * br == bu * orr && ol < l))) {
                bu = ou; br = orr; l = ol;
            }
        }
        const double t1 = br > 0.0 ? bu / br : INFINITY;
        const double dd = S.dd;
        const double t2 = dd <= 1e-28 ? INFINITY : -sp / dd;
        const double t = fmin(t1, t2);
        const bool t2fin = isfinite(t2);
        if (!isfinite(t) || iters > MAX_IT) { status = isfinite(t) ? 2 : 1; break; }
        const bool add = t == t2;
        if (t2fin) sp += t * dd;
        up += t;
        if (e == 0 && tid == 0 && iters <= 512) {
            const int k = iters - 1;
            g_trace[8 * k] = pi; g_trace[8 * k + 1] = add ? 1 : 2; g_trace[8 * k + 2] = l; g_trace[8 * k + 3] = t;
            g_trace[8 * k + 4] = qa; g_trace[8 * k + 5] = dd; g_trace[8 * k + 6] = sp - (t2fin ? t * dd : 0.0);
            g_trace[8 * k + 7] = 0.0;
        }
        PH(2);
        if (add) {
            // Rotations of J's rows (threads 0–99), GJ's (100–199) and w (200, its update t·d₂
            // folded in); R⁻¹'s new column (−r/ρ, 1/ρ), u, the active set, the slacks and the
            // next choice (warp 7).
            const double rho = qa + 1 < N ? S.hs[qa] : S.d[qa];
            if (tid < 2 * N) {
                double* row = tid < N ? S.J + tid * LD : S.GJ + (tid - N) * LD;
                if (qa + 1 < N) rotate_row(row, S.cs, S.sn, qa);
            } else if (tid == 2 * N) {
                const double tw = t2fin ? t : 0.0;
                if (qa + 1 < N) {
                    double carry = S.w[N - 1] + tw * S.d[N - 1];
                    for (int j = N - 1; j > qa; j--) {
                        const double a = S.w[j - 1] + tw * S.d[j - 1], c = S.cs[j], sg = S.sn[j];
                        S.w[j] = -sg * a + c * carry;
                        carry = c * a + sg * carry;
                    }
                    S.w[qa] = carry;
                } else {
                    S.w[qa] += tw * S.d[qa];
                }
            } else if (w == NW - 1) {
                // R⁻¹'s new column (−r/α, 1/α), u, the active set, the slacks, the next choice.
                const double ia = 1.0 / rho;
                for (int k = ln; k <= qa; k += 32) {
                    S.Ri[off(qa) + k] = k < qa ? -S.r[k] * ia : ia;
                    if (k < qa) S.u[k] -= t * S.r[k];
                }
                if (ln == 0) { S.u[qa] = up; S.act[qa] = pi; }
                double b = INFINITY;
                int bi = 0;
                for (int i = ln; i < P; i += 32) {
                    double si = S.s[i];
                    if (t2fin) si -= t * (S.gz[i] + S.gz[P + i]);
                    if (i == pi) { si = 0.0; S.isact[i] = 1; }
                    S.s[i] = si;
                    if (!S.isact[i] && si < b) { b = si; bi = i; }
                }
                for (int o = 16; o > 0; o >>= 1) {
                    const double ob = __shfl_xor_sync(FULL, b, o);
                    const int oi = __shfl_xor_sync(FULL, bi, o);
                    if (ob < b || (ob == b && oi < bi)) { b = ob; bi = oi; }
                }
                if (ln == 0) { S.pidx = bi; S.nsp = b; S.done = b >= -1e-12 * (1.0 + fabs(h[bi])); }
            }
            __syncthreads();
            PH(4);
            qa++; adds++;
            pi = S.pidx; sp = S.nsp; up = 0.0; done = S.done;
            continue;
        }
        // A partial step, then drop l (as gi3).
        if (tid == 2 * N && t2fin)
            for (int k = qa; k < N; k++) S.w[k] += t * S.d[k];
        if (w == NW - 2) for (int k = ln; k < qa; k += 32) S.u[k] -= t * S.r[k];
        if (w == NW - 1 && t2fin)
            for (int i = ln; i < P; i += 32) S.s[i] -= t * (S.gz[i] + S.gz[P + i]);
        __syncthreads();
        if (w == 0) {
            for (int j = l; j < qa - 1; j++) {
                const double* ga = S.GJ + S.act[j + 1] * LD;
                const double a = -ga[j], b = -ga[j + 1];
                __syncwarp();
                if (b != 0.0) {
                    const double hh = hypot(a, b), c = a / hh, sg = b / hh;
                    for (int k = ln; k < N + P + 1; k += 32) {
                        double* row = k < N ? S.J + k * LD : k < N + P ? S.GJ + (k - N) * LD : S.w;
                        const double ja = row[j], jb = row[j + 1];
                        row[j] = c * ja + sg * jb;
                        row[j + 1] = -sg * ja + c * jb;
                    }
                }
                __syncwarp();
            }
            if (ln == 0) {
                S.isact[S.act[l]] = 0;
                for (int j = l; j < qa - 1; j++) { S.u[j] = S.u[j + 1]; S.act[j] = S.act[j + 1]; }
                S.u[qa - 1] = 0.0;
            }
        }
        __syncthreads();
        qa--; drops++;
        for (int i = tid; i < qa; i += NT) S.rinv[i] = -1.0 / S.GJ[S.act[i] * LD + i];
        __syncthreads();
        for (int j = tid; j < qa; j += NT) {
            double* x = S.Ri + off(j);
            x[j] = S.rinv[j];
            for (int i = j - 1; i >= 0; i--) {
                double a = 0.0;
                for (int k = i + 1; k <= j; k++) a += S.GJ[S.act[k] * LD + i] * x[k];  // −R_ik = GJ[act k][i]
                x[i] = a * S.rinv[i];
            }
        }
        __syncthreads();
        PH(5);
    }
    if (tid == 0) { S.qa = qa; S.iters = iters; S.adds = adds; S.drops = drops; S.status = status; }
    __syncthreads();
    const long long c2 = clock64();
    // x = J w; λ (u on the active set).
    for (int i = tid; i < N; i += NT) {
        double a = 0.0;
        for (int j = i; j < N; j++) a += S.J[i * LD + j] * S.w[j];
        for (int j = 0; j < i; j++) a += S.J[i * LD + j] * S.w[j];
        xo[(long long)e * N + i] = a;
    }
    for (int i = tid; i < P; i += NT) lo[(long long)e * P + i] = 0.0;
    __syncthreads();
    for (int j = tid; j < S.qa; j += NT) lo[(long long)e * P + S.act[j]] = S.u[j];
    if (tid == 0) {
        st[4 * e] = S.status; st[4 * e + 1] = S.iters; st[4 * e + 2] = S.adds; st[4 * e + 3] = S.drops;
        cyc[8 * e] = c1 - c0; cyc[8 * e + 1] = c2 - c0;
        for (int k = 0; k < 6; k++) cyc[8 * e + 2 + k] = S.ph[k];
        g_setup[4 * e] = ts0 - c0; g_setup[4 * e + 1] = S.ph[6]; g_setup[4 * e + 2] = S.ph[7]; g_setup[4 * e + 3] = ts[2] - ts[1];
    }
}

#define CK(x) do { cudaError_t r_ = (x); if (r_ != cudaSuccess) { printf("CUDA %s at %d\n", cudaGetErrorString(r_), __LINE__); exit(1); } } while (0)

int main(int argc, char** argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 5;
    if (argc > 2) { const int one = 1; CK(cudaMemcpyToSymbol(g_setup_only, &one, sizeof(int))); }
    const int BM = 2048;
    std::mt19937_64 rng(38);
    std::uniform_real_distribution<double> U(0.0, 1.0);
    std::normal_distribution<double> Nd(0.0, 1.0);
    std::vector<double> Q((size_t)BM * N * N), q((size_t)BM * N), G((size_t)BM * P * N), h((size_t)BM * P);
    std::vector<double> L(N * N);
    for (int e = 0; e < BM; e++) {
        for (auto& v : L) v = U(rng);
        double* Qe = &Q[(size_t)e * N * N];
        for (int i = 0; i < N; i++)
            for (int j = 0; j <= i; j++) {
                double a = 0.0;
                for (int k = 0; k < N; k++) a += L[i * N + k] * L[j * N + k];
                Qe[i * N + j] = Qe[j * N + i] = a + (i == j ? 1e-3 : 0.0);
            }
        double* Ge = &G[(size_t)e * P * N];
        for (int k = 0; k < P * N; k++) Ge[k] = Nd(rng);
        double z0[N];
        for (int j = 0; j < N; j++) z0[j] = Nd(rng);
        for (int i = 0; i < P; i++) {
            double a = 0.0;
            for (int j = 0; j < N; j++) a += Ge[i * N + j] * z0[j];
            h[(size_t)e * P + i] = a + U(rng);
        }
        for (int j = 0; j < N; j++) q[(size_t)e * N + j] = Nd(rng);
    }
    double *dQ, *dq, *dG, *dh, *dx, *dl;
    int* dst;
    long long* dc;
    CK(cudaMalloc(&dQ, Q.size() * 8)); CK(cudaMalloc(&dq, q.size() * 8));
    CK(cudaMalloc(&dG, G.size() * 8)); CK(cudaMalloc(&dh, h.size() * 8));
    CK(cudaMalloc(&dx, (size_t)BM * N * 8)); CK(cudaMalloc(&dl, (size_t)BM * P * 8));
    CK(cudaMalloc(&dst, (size_t)BM * 16)); CK(cudaMalloc(&dc, (size_t)BM * 64));
    CK(cudaMemcpy(dQ, Q.data(), Q.size() * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dq, q.data(), q.size() * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dG, G.data(), G.size() * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dh, h.data(), h.size() * 8, cudaMemcpyHostToDevice));
    const int smem = sizeof(Smem);
    CK(cudaFuncSetAttribute(gi6_f64, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    printf("shared memory per block %d bytes\n", smem);
    cudaEvent_t a, b;
    cudaEventCreate(&a); cudaEventCreate(&b);
    for (int B : {1, 8, 32, 128, 512, 2048}) {
        std::vector<float> ms;
        for (int r = 0; r < reps + 1; r++) {
            cudaEventRecord(a);
            gi6_f64<<<B, NT, smem>>>(dQ, dq, dG, dh, dx, dl, dst, dc);
            cudaEventRecord(b);
            CK(cudaEventSynchronize(b));
            float t; cudaEventElapsedTime(&t, a, b);
            if (r > 0) ms.push_back(t);
        }
        CK(cudaGetLastError());
        std::sort(ms.begin(), ms.end());
        std::vector<double> x((size_t)B * N), lam((size_t)B * P);
        std::vector<int> st((size_t)B * 4);
        std::vector<long long> cy((size_t)B * 8);
        CK(cudaMemcpy(x.data(), dx, x.size() * 8, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(lam.data(), dl, lam.size() * 8, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(st.data(), dst, st.size() * 4, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(cy.data(), dc, cy.size() * 8, cudaMemcpyDeviceToHost));
        // KKT check in the original data: stationarity ‖Qx + q + Gᵀλ‖∞ / (1 + ‖q‖∞ + ‖Qx‖∞),
        // feasibility max(Gx − h)₊ / (1 + ‖h‖∞), λ ≥ 0, complementarity max λᵢ|hᵢ − Gᵢx|.
        double es = 0, ef = 0, en = 0, ec = 0, it = 0, ad = 0, dr = 0, cs = 0, ct = 0, ctmax = 0;
        int bad = 0, itmax = 0;
        double phs[6] = {0, 0, 0, 0, 0, 0};
        for (int e = 0; e < B; e++) {
            const double *Qe = &Q[(size_t)e * N * N], *Ge = &G[(size_t)e * P * N], *xe = &x[(size_t)e * N];
            const double *le = &lam[(size_t)e * P], *qe = &q[(size_t)e * N], *he = &h[(size_t)e * P];
            double nq = 0, nqx = 0, nh = 0, rs = 0, rf = 0, rn = 0, rc = 0;
            for (int i = 0; i < N; i++) {
                double qx = 0, gl = 0;
                for (int j = 0; j < N; j++) qx += Qe[i * N + j] * xe[j];
                for (int k = 0; k < P; k++) gl += Ge[k * N + i] * le[k];
                rs = std::max(rs, fabs(qx + qe[i] + gl));
                nq = std::max(nq, fabs(qe[i])); nqx = std::max(nqx, fabs(qx));
            }
            for (int k = 0; k < P; k++) {
                double gx = 0;
                for (int j = 0; j < N; j++) gx += Ge[k * N + j] * xe[j];
                nh = std::max(nh, fabs(he[k]));
                rf = std::max(rf, gx - he[k]);
                rn = std::max(rn, -le[k]);
                rc = std::max(rc, le[k] * fabs(he[k] - gx));
            }
            es = std::max(es, rs / (1 + nq + nqx)); ef = std::max(ef, rf / (1 + nh));
            en = std::max(en, rn); ec = std::max(ec, rc);
            bad += st[4 * e] != 0;
            it += st[4 * e + 1]; ad += st[4 * e + 2]; dr += st[4 * e + 3];
            itmax = std::max(itmax, st[4 * e + 1]);
            cs += cy[8 * e]; ct += cy[8 * e + 1]; ctmax = std::max(ctmax, (double)cy[8 * e + 1]);
            for (int k = 0; k < 6; k++) phs[k] += cy[8 * e + 2 + k];
        }
        printf("B=%d: %.3f ms (median of %d; min %.3f), kcycles/QP setup %.0f total %.0f (max %.0f); "
               "iterations %.1f (max %d), adds %.1f, drops %.1f, not solved %d; KKT: stationarity %.1e, "
               "feasibility %.1e, λ<0 %.1e, complementarity %.1e\n",
               B, ms[ms.size() / 2], (int)ms.size(), ms[0], cs / B / 1e3, ct / B / 1e3, ctmax / 1e3,
               it / B, itmax, ad / B, dr / B, bad, es, ef, en, ec);
        {
            std::vector<long long> su(4 * 2048);
            CK(cudaMemcpyFromSymbol(su.data(), g_setup, su.size() * 8));
            double a[4] = {0, 0, 0, 0};
            for (int e = 0; e < B; e++) for (int k = 0; k < 4; k++) a[k] += su[4 * e + k];
            printf("  setup kcycles/QP: load %.0f, Cholesky %.0f, inverse %.0f, GJ %.0f\n", a[0] / B / 1e3, a[1] / B / 1e3, a[2] / B / 1e3, a[3] / B / 1e3);
        }
        printf("  kcycles/QP by phase: choice %.0f, products and r %.0f, step %.0f, updates %.0f, adds %.0f, drops %.0f\n",
               phs[0] / B / 1e3, phs[1] / B / 1e3, phs[2] / B / 1e3, phs[3] / B / 1e3, phs[4] / B / 1e3, phs[5] / B / 1e3);
    }
    {
        std::vector<double> tr(8 * 512);
        CK(cudaMemcpyFromSymbol(tr.data(), g_trace, tr.size() * 8));
        FILE* f = fopen(getenv("TRACE_OUT") ? getenv("TRACE_OUT") : "trace.txt", "w");
        for (int k = 0; k < 512 && tr[8 * k + 1] != 0; k++)
            fprintf(f, "%d %d %d %.17g %d %.17g %.17g %.17g\n", (int)tr[8 * k], (int)tr[8 * k + 1], (int)tr[8 * k + 2], tr[8 * k + 3],
                    (int)tr[8 * k + 4], tr[8 * k + 5], tr[8 * k + 6], tr[8 * k + 7]);
        fclose(f);
        FILE* g = fopen(getenv("EX0_OUT") ? getenv("EX0_OUT") : "ex0.bin", "wb");
        fwrite(Q.data(), 8, N * N, g); fwrite(q.data(), 8, N, g); fwrite(G.data(), 8, P * N, g); fwrite(h.data(), 8, P, g);
        fclose(g);
    }
    return 0;
}
