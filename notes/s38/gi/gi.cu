// Session 38: a prototype of the Goldfarb–Idnani dual active-set method on the GPU, one thread
// block per strictly convex QP (n = p = 100, f64), to time it against the interior point
// kernel on OptNet's random QPs. Not the library's code: a measurement (notes/s38.md §5).
//   min ½xᵀQx + qᵀx  s.t.  Gx ≤ h   (constraint i: nᵢᵀx ≥ bᵢ, nᵢ = −Gᵢ, bᵢ = −hᵢ)
// The steps are gi_ref.py's (checked there against quadprog), with two changes for the GPU:
// an added constraint's rotations take their cosines and sines from the suffix norms of d
// (computed at once, not one hypot after another), and a dropped constraint's rotations run
// in one warp. The host checks every answer's KKT conditions (independent of the method).
// Build: nvcc -arch=sm_90 -O3 -std=c++17 -o gi gi.cu; run: ./gi [reps]
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

struct Smem {
    double J[N * LD];
    double R[N * LD];
    double x[N], d[N], z[N], r[N], u[N], npl[N], cs[N], sn[N], sq[N], s[P], rinv[N];
    long long ph[8];
    double red[2 * NW];
    int ired[NW];
    int act[N];
    int isact[P];
    double sp, up, t, zn, t1;
    int qa, pidx, l, mode, done, iters, adds, drops, status, t2fin;
};

__device__ double block_sum(double v, Smem& S) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL, v, o);
    __syncthreads();
    if (l == 0) S.red[w] = v;
    __syncthreads();
    double a = 0.0;
    for (int k = 0; k < NW; k++) a += S.red[k];
    return a;
}

extern "C" __global__ void __launch_bounds__(NT, 1)
gi_f64(const double* Qg, const double* qg, const double* Gg, const double* hg, double* xo, double* lo,
       int* st, long long* cyc) {
    extern __shared__ __align__(16) unsigned char raw[];
    Smem& S = *reinterpret_cast<Smem*>(raw);
    const int e = blockIdx.x, tid = threadIdx.x, w = tid >> 5, ln = tid & 31;
    const double* Q = Qg + (long long)e * N * N;
    const double* q = qg + (long long)e * N;
    const double* G = Gg + (long long)e * P * N;
    const double* h = hg + (long long)e * P;
    const long long c0 = clock64();
    // ---- Setup: Q = LLᵀ (L in J), X = L⁻¹ (in R), J = Xᵀ, x = −J Jᵀ q.
    for (int k = tid; k < N * N; k += NT) S.J[(k / N) * LD + k % N] = Q[k];
    for (int k = tid; k < N * LD; k += NT) S.R[k] = 0.0;
    for (int i = tid; i < P; i += NT) S.isact[i] = 0;
    __syncthreads();
    for (int k = 0; k < N; k++) {
        const double dk = sqrt(S.J[k * LD + k]);
        __syncthreads();
        if (tid == 0) S.J[k * LD + k] = dk;
        for (int i = k + 1 + tid; i < N; i += NT) S.J[i * LD + k] /= dk;
        __syncthreads();
        const int m = N - k - 1;  // trailing rows/cols k+1..N-1, lower triangle
        for (int t = tid; t < m * m; t += NT) {
            const int i = k + 1 + t / m, j = k + 1 + t % m;
            if (j <= i) S.J[i * LD + j] -= S.J[i * LD + k] * S.J[j * LD + k];
        }
        __syncthreads();
    }
    // X = L⁻¹, row k final after step k: X[k][:] /= L_kk, then rows i > k: X[i][:] −= L_ik X[k][:].
    for (int k = tid; k < N; k += NT) S.R[k * LD + k] = 1.0;
    __syncthreads();
    for (int k = 0; k < N; k++) {
        const double ik = 1.0 / S.J[k * LD + k];
        for (int j = tid; j <= k; j += NT) S.R[k * LD + j] *= ik;
        __syncthreads();
        const int rows = N - k - 1, cols = k + 1;
        for (int t = tid; t < rows * cols; t += NT) {
            const int i = k + 1 + t / cols, j = t % cols;
            S.R[i * LD + j] -= S.J[i * LD + k] * S.R[k * LD + j];
        }
        __syncthreads();
    }
    for (int k = tid; k < N * N; k += NT) {
        const int i = k / N, j = k % N;
        S.J[i * LD + j] = S.R[j * LD + i];  // J = Xᵀ (upper triangular)
    }
    __syncthreads();
    for (int k = tid; k < N * LD; k += NT) S.R[k] = 0.0;
    for (int j = tid; j < N; j += NT) {  // d = Jᵀq (scratch)
        double a = 0.0;
        for (int k = 0; k < N; k++) a += S.J[k * LD + j] * q[k];
        S.d[j] = a;
    }
    __syncthreads();
    for (int i = tid; i < N; i += NT) {
        double a = 0.0;
        for (int j = 0; j < N; j++) a += S.J[i * LD + j] * S.d[j];
        S.x[i] = -a;
    }
    if (tid == 0) {
        S.qa = 0; S.iters = 0; S.adds = 0; S.drops = 0; S.status = 0; S.done = 0;
    }
    __syncthreads();
    const long long c1 = clock64();
    long long tl = c1;
    if (tid == 0) for (int k = 0; k < 8; k++) S.ph[k] = 0;
#define PH(k) do { const long long t_ = clock64(); if (tid == 0) S.ph[k] += t_ - tl; tl = t_; } while (0)
    // ---- The iterations.
    for (;;) {
        // a. Slacks s = h − Gx of the inactive constraints (active: +∞), a warp per row.
        for (int i0 = 4 * w; i0 < P; i0 += 4 * NW) {
            double g[4][4], a[4];
#pragma unroll
            for (int u = 0; u < 4; u++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int i = min(i0 + u, P - 1), j = ln + 32 * c;
                    g[u][c] = j < N ? G[i * N + j] : 0.0;
                }
#pragma unroll
            for (int u = 0; u < 4; u++) {
                a[u] = 0.0;
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int j = ln + 32 * c;
                    if (j < N) a[u] += g[u][c] * S.x[j];
                }
            }
#pragma unroll
            for (int u = 0; u < 4; u++)
                for (int o = 16; o > 0; o >>= 1) a[u] += __shfl_xor_sync(FULL, a[u], o);
            if (ln < 4 && i0 + ln < P) {
                double v = a[0];
#pragma unroll
                for (int u = 1; u < 4; u++) v = ln == u ? a[u] : v;
                S.s[i0 + ln] = S.isact[i0 + ln] ? INFINITY : h[i0 + ln] - v;
            }
        }
        __syncthreads();
        // b. The most violated: warp 0.
        if (w == 0) {
            double b = INFINITY;
            int bi = 0;
            for (int i = ln; i < P; i += 32)
                if (S.s[i] < b) { b = S.s[i]; bi = i; }
            for (int o = 16; o > 0; o >>= 1) {
                const double ob = __shfl_xor_sync(FULL, b, o);
                const int oi = __shfl_xor_sync(FULL, bi, o);
                if (ob < b || (ob == b && oi < bi)) { b = ob; bi = oi; }
            }
            if (ln == 0) {
                S.pidx = bi; S.sp = b; S.up = 0.0;
                if (b >= -1e-12 * (1.0 + fabs(h[bi]))) S.done = 1;
            }
        }
        __syncthreads();
        PH(0);
        if (S.done) break;
        for (int j = tid; j < N; j += NT) S.npl[j] = -G[S.pidx * N + j];
        __syncthreads();
        for (;;) {  // inner: steps towards constraint pidx
            if (tid == 0) S.iters++;
            const int qa = S.qa;
            // d = Jᵀ n⁺ (a thread per column, two halves of the rows combined).
            if (tid < 2 * N) {
                const int j = tid % N, half = tid / N;
                double a = 0.0;
                for (int k = half * (N / 2); k < (half + 1) * (N / 2); k++) a += S.J[k * LD + j] * S.npl[k];
                (half ? S.cs : S.sn)[j] = a;
            }
            __syncthreads();
            if (tid < N) S.d[tid] = S.sn[tid] + S.cs[tid];
            __syncthreads();
            PH(1);
            // z = J₂d₂ (threads 0..N−1) beside r = R⁻¹d₁ (warp 7, back substitution).
            if (tid < N) {
                double a = 0.0;
                for (int j = qa; j < N; j++) a += S.J[tid * LD + j] * S.d[j];
                S.z[tid] = a;
            } else if (w == NW - 1) {
                double acc[4];
                for (int c = 0; c < 4; c++) {
                    const int k = ln + 32 * c;
                    acc[c] = k < qa ? S.d[k] : 0.0;
                }
                for (int i = qa - 1; i >= 0; i--) {
                    const int own = i & 31, oc = i >> 5;
                    double ai = acc[0];
                    for (int c = 1; c < 4; c++) ai = oc == c ? acc[c] : ai;
                    ai = __shfl_sync(FULL, ai, own);
                    const double ri = ai * S.rinv[i];
                    if (ln == 0) S.r[i] = ri;
                    for (int c = 0; c < 4; c++) {
                        const int k = ln + 32 * c;
                        if (k < i) acc[c] -= S.R[k * LD + i] * ri;
                    }
                }
            }
            __syncthreads();
            PH(2);
            // Step lengths (warp 0): t1 over the active set, zn = zᵀn⁺, t2.
            if (w == 0) {
                double t1 = INFINITY;
                int l = -1;
                for (int j = ln; j < qa; j += 32)
                    if (S.r[j] > 0.0) {
                        const double v = S.u[j] / S.r[j];
                        if (v < t1) { t1 = v; l = j; }
                    }
                double zn = 0.0, nm = 0.0;
                for (int k = ln; k < N; k += 32) {
                    zn += S.z[k] * S.npl[k];
                    nm = fmax(nm, fabs(S.npl[k]));
                }
                for (int o = 16; o > 0; o >>= 1) {
                    const double ot = __shfl_xor_sync(FULL, t1, o);
                    const int ol = __shfl_xor_sync(FULL, l, o);
                    if (ot < t1 || (ot == t1 && ol < l && ol >= 0)) { t1 = ot; l = ol; }
                    zn += __shfl_xor_sync(FULL, zn, o);
                    nm = fmax(nm, __shfl_xor_sync(FULL, nm, o));
                }
                if (ln == 0) {
                    const double t2 = fabs(zn) <= 1e-14 * (1.0 + nm) ? INFINITY : -S.sp / zn;
                    const double t = fmin(t1, t2);
                    S.t = t; S.zn = zn; S.l = l; S.t1 = t1; S.t2fin = isfinite(t2);
                    if (!isfinite(t) || S.iters > MAX_IT) {
                        S.mode = 0; S.status = isfinite(t) ? 2 : 1;
                    } else {
                        S.mode = t == t2 ? 1 : 2;  // 1: add, 2: drop l
                        if (isfinite(t2)) S.sp += t * zn;
                        S.up += t;
                    }
                }
            }
            __syncthreads();
            const int mode = S.mode;
            if (mode == 0) break;
            const double t = S.t;
            for (int k = tid; k < N; k += NT) {
                if (S.t2fin) S.x[k] += t * S.z[k];
                if (k < qa) S.u[k] -= t * S.r[k];
            }
            __syncthreads();
            PH(3);
            if (mode == 1) {
                // Add pidx: rotations zeroing d[N−1] … d[qa+1] into d[qa]. The carried value at j
                // is the suffix norm h_j = ‖d[j:]‖: cos_j = d[j−1]/h_{j−1}, sin_j = h_j/h_{j−1}.
                if (tid == 0) {  // the suffix norms h_k = ‖d[k:]‖ (one thread: a prototype)
                    double hc = 0.0;
                    for (int k = N - 1; k >= qa; k--) {
                        hc += S.d[k] * S.d[k];
                        S.sq[k] = sqrt(hc);
                    }
                }
                __syncthreads();
                for (int j = qa + 1 + tid; j < N; j += NT) {
                    // the carried value: d[N−1] itself at the first rotation, then the suffix norm
                    const double hj = j == N - 1 ? S.d[N - 1] : S.sq[j], hm = S.sq[j - 1];
                    if (hm == 0.0) { S.cs[j] = 1.0; S.sn[j] = 0.0; }
                    else { S.cs[j] = S.d[j - 1] / hm; S.sn[j] = hj / hm; }
                }
                __syncthreads();
                // Apply to J's columns, a thread per row: (J[:,j−1], J[:,j]) ← (c a + s b, −s a + c b).
                if (tid < N && qa + 1 < N) {
                    double carry = S.J[tid * LD + N - 1];
                    for (int j = N - 1; j > qa; j--) {
                        const double a = S.J[tid * LD + j - 1], c = S.cs[j], s = S.sn[j];
                        S.J[tid * LD + j] = -s * a + c * carry;
                        carry = c * a + s * carry;
                    }
                    S.J[tid * LD + qa] = carry;
                }
                // R's new column: d[0..qa−1] and the norm at qa.
                for (int k = tid; k <= qa; k += NT)
                    S.R[k * LD + qa] = k < qa ? S.d[k] : (qa + 1 < N ? S.sq[qa] : S.d[qa]);
                if (tid == 0) {
                    S.rinv[qa] = 1.0 / (qa + 1 < N ? S.sq[qa] : S.d[qa]);
                    S.act[qa] = S.pidx; S.isact[S.pidx] = 1; S.u[qa] = S.up;
                    S.qa = qa + 1; S.adds++;
                }
                __syncthreads();
                PH(4);
                break;
            }
            // Drop active constraint l (warp 0): shift R's columns, u and act; rotations on R's
            // rows j, j+1 and J's columns j, j+1 for j = l … qa−2.
            if (w == 0) {
                const int l = S.l;
                for (int j = l; j < qa - 1; j++) {
                    for (int k = ln; k <= j + 1; k += 32) S.R[k * LD + j] = S.R[k * LD + j + 1];
                }
                __syncwarp();
                for (int k = ln; k < N; k += 32) S.R[k * LD + qa - 1] = 0.0;
                if (ln == 0) {
                    S.isact[S.act[l]] = 0;
                    for (int j = l; j < qa - 1; j++) { S.u[j] = S.u[j + 1]; S.act[j] = S.act[j + 1]; }
                    S.u[qa - 1] = 0.0;
                }
                __syncwarp();
                for (int j = l; j < qa - 1; j++) {
                    const double a = S.R[j * LD + j], b = S.R[(j + 1) * LD + j];
                    __syncwarp();
                    if (b != 0.0) {
                        const double hh = hypot(a, b), c = a / hh, s = b / hh;
                        for (int k = j + ln; k < qa - 1; k += 32) {
                            const double ra = S.R[j * LD + k], rb = S.R[(j + 1) * LD + k];
                            S.R[j * LD + k] = c * ra + s * rb;
                            S.R[(j + 1) * LD + k] = -s * ra + c * rb;
                        }
                        for (int k = ln; k < N; k += 32) {
                            const double ja = S.J[k * LD + j], jb = S.J[k * LD + j + 1];
                            S.J[k * LD + j] = c * ja + s * jb;
                            S.J[k * LD + j + 1] = -s * ja + c * jb;
                        }
                    }
                    __syncwarp();
                }
                for (int j = l + ln; j < qa - 1; j += 32) S.rinv[j] = 1.0 / S.R[j * LD + j];
                if (ln == 0) { S.qa = qa - 1; S.drops++; }
            }
            __syncthreads();
            PH(5);
        }
        if (S.mode == 0) break;
    }
    const long long c2 = clock64();
    // Output: x, λ (u on the active set), status, counts, cycles.
    for (int i = tid; i < N; i += NT) xo[(long long)e * N + i] = S.x[i];
    for (int i = tid; i < P; i += NT) lo[(long long)e * P + i] = 0.0;
    __syncthreads();
    for (int j = tid; j < S.qa; j += NT) lo[(long long)e * P + S.act[j]] = S.u[j];
    if (tid == 0) {
        st[4 * e] = S.status; st[4 * e + 1] = S.iters; st[4 * e + 2] = S.adds; st[4 * e + 3] = S.drops;
        cyc[8 * e] = c1 - c0; cyc[8 * e + 1] = c2 - c0;
        for (int k = 0; k < 6; k++) cyc[8 * e + 2 + k] = S.ph[k];
    }
}

#define CK(x) do { cudaError_t r_ = (x); if (r_ != cudaSuccess) { printf("CUDA %s at %d\n", cudaGetErrorString(r_), __LINE__); exit(1); } } while (0)

int main(int argc, char** argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 5;
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
    CK(cudaFuncSetAttribute(gi_f64, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
    printf("shared memory per block %d bytes\n", smem);
    cudaEvent_t a, b;
    cudaEventCreate(&a); cudaEventCreate(&b);
    for (int B : {1, 8, 32, 128, 512, 2048}) {
        std::vector<float> ms;
        for (int r = 0; r < reps + 1; r++) {
            cudaEventRecord(a);
            gi_f64<<<B, NT, smem>>>(dQ, dq, dG, dh, dx, dl, dst, dc);
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
        printf("  kcycles/QP by phase: slacks+choice %.0f, d %.0f, z and r %.0f, steps %.0f, adds %.0f, drops %.0f\n",
               phs[0] / B / 1e3, phs[1] / B / 1e3, phs[2] / B / 1e3, phs[3] / B / 1e3, phs[4] / B / 1e3, phs[5] / B / 1e3);
    }
    return 0;
}
