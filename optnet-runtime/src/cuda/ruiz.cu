// Ruiz equilibration of a batch on the GPU, before `pdipm.cu` solves it (`Settings::equilibrate`).
//
// The CPU's method (cpu/equilibrate.rs, whose documentation gives it in full), example by
// example, one thread block per example (a batch that shares Q, A and G: one block for the
// batch's passes, then a warp per example for its cost scaling, `RUIZ_SHARED`): the KKT matrix
// [Q Aᵀ Gᵀ; A 0 0; G 0 0] is scaled symmetrically by diag(D, E) until the ∞-norms of its
// columns are near one (Ruiz 2001), and the cost by a scalar c:
//
//   Q̃ = c·DQD,  q̃ = c·Dq,  Ã = E_A·A·D,  b̃ = E_A·b,  G̃ = E_G·G·D,  h̃ = E_G·h.
//
// Each pass measures the norms of the data under the scalings so far (the data are read, not
// rewritten, until the end), multiplies every scaling by 1/√norm (clipped to the settings'
// bounds) and stops after the first pass in which none changed by 0.5 or more, or after
// `max_iter` passes. The scaled copy is written in a layout of its own (mod.rs
// `scaled_layout`: every array batched, so that shared arrays get each example's scaling;
// but where Q, A and G are all shared, D and E are the same for every example and the copy
// keeps them shared: Ã and G̃ once, and Q once unscaled, which the solver scales by each
// example's c·DᵢDⱼ as it loads it, followed by D, E and the mean column norm of DQD), with
// the scalings that the solver's termination test, its answers and the backward pass use to
// return to the original units: per example D (n), E (m + p), c, 1/(c·D), 1/E, 1/c,
// 2(n + m + p + 1) values. The same operations in the same order as the CPU's, so the
// scalings and the scaled data are the CPU's to the bit.
//
// Compiled at run time by NVRTC, a module of its own (-DOPTNET_F64 or -DOPTNET_F32, -DNT; a
// module specialized for one shape with -DOPTNET_DIMS, as pdipm.cu's).

#ifndef NT
#define NT 256
#endif
#define SETTLED 0.5  // cpu/equilibrate.rs `SETTLED`

// `Layout` (of which this kernel reads only the offsets, strides and sizes), `with_dims` and FULL:
// common.cuh, which the host puts before this file.

template <typename T> __device__ __forceinline__ T machine_eps();
template <> __device__ __forceinline__ float machine_eps<float>() { return 1.1920929e-7f; }
template <> __device__ __forceinline__ double machine_eps<double>() { return 2.220446049250313e-16; }

// The CPU's `upd`: m ← a where a > m (the same maximum for the non-negative values here).
template <typename T> __device__ __forceinline__ T upd(T m, T a) { return a > m ? a : m; }
// |x|: the sign bit cleared (one instruction, or none where the product takes |x| as its
// operand; x < 0 ? −x : x compiled to a negation, a comparison and two selects in fp64).
__device__ __forceinline__ float tabs(float x) { return fabsf(x); }
__device__ __forceinline__ double tabs(double x) { return fabs(x); }

// A scaling for a norm: 1/√norm within [lo, hi], 1 for a zero column or row.
template <typename T> __device__ __forceinline__ T clip(T norm, T lo, T hi) {
    if (norm <= machine_eps<T>()) return T(1);
    T s = T(1) / sqrt(norm);
    s = s > lo ? s : lo;
    return s < hi ? s : hi;
}

// Groups of `count` threads: the block's threads split into ⌊NT/count⌋ groups (one when
// count ≥ NT), thread k of group g taking column (or row) k over every groups-th row (or
// column) from g, so that the whole block works on the maxima at n, m + p below NT.
// mod.rs `ruiz_groups`.
__device__ __forceinline__ int groups_of(int count) { return count > 0 && count < NT ? NT / count : 1; }

// The leading dimension of the shared-memory copies of A and G: n rounded up to odd, so that
// threads reading one column of consecutive rows hit distinct banks (mod.rs `ruiz_ld`).
__device__ __forceinline__ int padded(int n) { return n | 1; }

// maxₖ |x[k·step]|·s[k·G] over k = 0, 1, … while g + k·G < count, folded into a: four
// independent maxima (four loads and products in flight, not one chain), combined by the
// caller (the maximum does not depend on the order). Pointers step: no index products.
template <typename T>
__device__ __forceinline__ void strided_max(T a[4], const T* x, long long step, const T* s, int g, int G,
                                            int count) {
    int i = g;
    for (; i + 3 * G < count; i += 4 * G, x += 4 * step, s += 4 * G) {
#pragma unroll
        for (int u = 0; u < 4; u++) a[u] = upd(a[u], tabs(x[u * step]) * s[u * G]);
    }
    for (; i < count; i += G, x += step, s += G) a[0] = upd(a[0], tabs(*x) * s[0]);
}

template <typename T> __device__ __forceinline__ T max4(const T a[4]) {
    return upd(upd(a[0], a[1]), upd(a[2], a[3]));
}

// The block's shared arrays: D (n), E (m + p), the last pass's Q-column norms (n), the cost
// scaling, and the partial maxima of one pass: per column group and column, maxᵢ |Qᵢⱼ|·Dᵢ over
// the group's rows of Q (`qpart`) and of [Q; A; G] with E for A and G (`cpart`); per row group
// and row of [A; G], maxⱼ |Mᵣⱼ|·Dⱼ over the group's columns (`rpart`). mod.rs `ruiz_smem`.
template <typename T> struct Shared {
    T *d, *ev, *qcol, *cost, *cpart, *qpart, *rpart;
};

// One pass's partial maxima of the data under D, E (c not applied). Column maxima: thread j of
// column group g over rows g, g + groups, … of Q, A, G (the groups together read consecutive
// entries). Row maxima of [A; G]: from shared memory (`Cached`, A and G with an odd leading
// dimension `ld`) thread r of row group g over columns g, g + groups, …; from device memory a
// warp per four rows, its lanes along them (coalesced), their maxima over the warp
// interleaved, one row group. Ends before a barrier.
template <typename T, bool Cached>
__device__ __forceinline__ void measure(const T* Q, const T* A, const T* G, int ld, int n, int m, int p,
                                        const Shared<T>& sh) {
    const int R = m + p, gc = groups_of(n);
    for (int t = threadIdx.x; t < gc * n; t += NT) {
        const int g = t / n, j = t - g * n;
        const long long step = (long long)gc * n, astep = (long long)gc * ld;
        T a[4] = {T(0), T(0), T(0), T(0)};
        strided_max(a, Q + (long long)g * n + j, step, sh.d + g, g, gc, n);
        sh.qpart[t] = max4(a);
        strided_max(a, A + (long long)g * ld + j, astep, sh.ev + g, g, gc, m);
        strided_max(a, G + (long long)g * ld + j, astep, sh.ev + m + g, g, gc, p);
        sh.cpart[t] = max4(a);
    }
    if (Cached) {
        const int gr = groups_of(R);
        for (int t = threadIdx.x; t < gr * R; t += NT) {
            const int g = t / R, r = t - g * R;
            const T* M = r < m ? A + (long long)r * ld : G + (long long)(r - m) * ld;
            T a[4] = {T(0), T(0), T(0), T(0)};
            strided_max(a, M + g, (long long)gr, sh.d + g, g, gr, n);
            sh.rpart[t] = max4(a);
        }
    } else {
        const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
        for (int r0 = 4 * w; r0 < R; r0 += 4 * (NT / 32)) {
            T x[4] = {T(0), T(0), T(0), T(0)};
#pragma unroll
            for (int u = 0; u < 4; u++) {
                const int r = r0 + u;
                if (r < R) {  // warp-uniform
                    const T* M = r < m ? A + (long long)r * ld : G + (long long)(r - m) * ld;
                    for (int j = l; j < n; j += 32) x[u] = upd(x[u], tabs(M[j]) * sh.d[j]);
                }
            }
            for (int o = 16; o > 0; o >>= 1) {
#pragma unroll
                for (int u = 0; u < 4; u++) x[u] = upd(x[u], __shfl_xor_sync(FULL, x[u], o));
            }
            if (l < 4 && r0 + l < R) {
                T xl = x[0];
#pragma unroll
                for (int u = 1; u < 4; u++) xl = l == u ? x[u] : xl;
                sh.rpart[r0 + l] = xl;
            }
        }
    }
}

// A norm from its groups' partial maxima, times its scaling: the CPU's column norm of [Q; A; G]
// (`cpart`, D), of Q alone (`qpart`, D), or row norm of [A; G] (`rpart`, E) — the same value
// whatever the grouping.
template <typename T>
__device__ __forceinline__ T norm_of(const T* part, int count, int groups, int k, const T* scale) {
    T a = part[k];
    for (int g = 1; g < groups; g++) a = upd(a, part[g * count + k]);
    return a * scale[k];
}

// dst[x] = src[x] for x < count, by the block, sixteen loads per thread in flight (one at a
// time left a block waiting on device memory's latency for each of them: at n = p = 100 the
// copy of Q and G, 160 KB, took most of the kernel's time at batch 1).
template <typename T>
__device__ __forceinline__ void copy_in(T* dst, const T* src, long long count) {
    constexpr int U = 16;
    for (long long base = 0; base < count; base += (long long)U * NT) {
        T v[U];
#pragma unroll
        for (int u = 0; u < U; u++) {
            const long long x = base + (long long)u * NT + threadIdx.x;
            v[u] = x < count ? src[x] : T(0);
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            const long long x = base + (long long)u * NT + threadIdx.x;
            if (x < count) dst[x] = v[u];
        }
    }
}

// dst[r·ld + j] = src[r·n + j] for rows r < rows: a warp per four rows, its lanes along them,
// up to sixteen loads per lane in flight (four rows of 128 columns).
template <typename T>
__device__ __forceinline__ void copy_rows(T* dst, int ld, const T* src, int rows, int n) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int r0 = 4 * w; r0 < rows; r0 += 4 * (NT / 32)) {
        for (int j0 = 0; j0 < n; j0 += 128) {
            T v[4][4];
#pragma unroll
            for (int u = 0; u < 4; u++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int r = r0 + u, j = j0 + 32 * c + l;
                    v[u][c] = r < rows && j < n ? src[(long long)r * n + j] : T(0);
                }
#pragma unroll
            for (int u = 0; u < 4; u++)
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int r = r0 + u, j = j0 + 32 * c + l;
                    if (r < rows && j < n) dst[(long long)r * ld + j] = v[u][c];
                }
        }
    }
}

// dst[r·n + j] = src[r·ld + j]·(sr[r]·d[j]) for r < rows, j < n: a scaled matrix, the CPU's
// product (`equilibrate::apply`), in row-major order by the whole block, each thread stepping
// (r, j) by NT entries without an index division per entry.
template <typename T>
__device__ __forceinline__ void scale_out(T* dst, const T* src, int ld, int rows, int n, const T* sr, T c,
                                          const T* d) {
    const long long count = (long long)rows * n;
    if (count == 0) return;
    int r = threadIdx.x / n, j = threadIdx.x - r * n;
    const int dr = NT / n, dj = NT - dr * n;
    for (long long x = threadIdx.x; x < count; x += NT) {
        dst[x] = src[(long long)r * ld + j] * ((c * sr[r]) * d[j]);
        r += dr;
        j += dj;
        if (j >= n) {
            j -= n;
            r++;
        }
    }
}

// One example's data and outputs.
template <typename T> struct Example {
    const T *Q, *q, *A, *b, *G, *h;
    T *sQ, *sq, *sA, *sb, *sG, *sh, *out;
    // The common scalings of a copy that shares Q, A and G (`RUIZ_SHARED`).
    T* common;
};

// What a launch does (`mode`, mod.rs `RuizMode`):
//  - EXAMPLES: a block per example, the whole method for its own data;
//  - SHARED: one block, the passes over Q, A and G that every example shares (scaled_layout
//    shares them), the shared part of the copy (Q as it is, Ã, G̃) and the scalings every
//    example shares: D, E and the mean column norm of DQD (the `common` scalings, which follow
//    Q in the copy, mod.rs `scaled_layout`);
//  - COSTS: after a SHARED launch, a warp per example: its cost scaling c from q and the common
//    scalings, its vectors and its scalings.
// A batch that shares Q, A and G once runs the passes once (each example's block ran the same
// passes on the same data until session 21).
#define RUIZ_EXAMPLES 0
#define RUIZ_SHARED 1
#define RUIZ_COSTS 2

// The passes (see the top of the file) over Q, A, G, in shared memory when `Cached` (the
// compiler then addresses them as shared memory: a generic pointer costs each load an
// address-space test; A and G with leading dimension `ld`), else in device memory (ld = n):
// D, E and the last pass's Q-column norms (`qcol`) in `sh`, then a barrier.
template <typename T, bool Cached>
__device__ __forceinline__ void passes(const T* Q, const T* A, const T* G, int ld, int n, int m, int p,
                                       const Shared<T>& sh, int max_iter, T lo, T hi) {
    T *d = sh.d, *ev = sh.ev;
    const int R = m + p, gc = groups_of(n), gr = Cached ? groups_of(R) : 1;
    measure<T, Cached>(Q, A, G, ld, n, m, p, sh);
    __syncthreads();
    for (int it = 0; it < max_iter; it++) {
        int done = 1;
        for (int j = threadIdx.x; j < n; j += NT) {
            const T s = clip(norm_of(sh.cpart, n, gc, j, d), lo, hi);
            done &= tabs(s - T(1)) < T(SETTLED);
            d[j] *= s;
        }
        for (int r = threadIdx.x; r < R; r += NT) {
            const T s = clip(norm_of(sh.rpart, R, gr, r, ev), lo, hi);
            done &= tabs(s - T(1)) < T(SETTLED);
            ev[r] *= s;
        }
        __syncthreads();
        measure<T, Cached>(Q, A, G, ld, n, m, p, sh);
        if (__syncthreads_and(done)) break;
    }
    for (int j = threadIdx.x; j < n; j += NT) sh.qcol[j] = norm_of(sh.qpart, n, gc, j, d);
    __syncthreads();
}

// The mean of the Q-column norms (the CPU's sum, in its order, by one thread).
template <typename T> __device__ __forceinline__ T mean_of(const T* qcol, int n) {
    T mean = T(0);
    for (int j = 0; j < n; j++) mean += qcol[j];
    if (n > 0) mean /= (T)n;
    return mean;
}

// The cost scaling: the mean column norm of DQD and ‖Dq‖∞ brought to about one, by a warp (the
// maximum over its lanes; every lane gets c).
template <typename T>
__device__ __forceinline__ T cost_of(const T* q, const T* d, int n, T mean, T lo, T hi) {
    const int l = threadIdx.x & 31;
    T qn = T(0);
    for (int j = l; j < n; j += 32) qn = upd(qn, tabs(q[j] * d[j]));
    for (int o = 16; o > 0; o >>= 1) qn = upd(qn, __shfl_xor_sync(FULL, qn, o));
    const T scale = upd(mean, qn);
    T c = T(1);
    if (!(scale <= machine_eps<T>())) {
        c = T(1) / scale;
        c = c > lo ? c : lo;
        c = c < hi ? c : hi;
    }
    return c;
}

// An example's scaled vectors and its scalings (see the top of the file), by `count` threads
// from `first` (the block, or a warp).
template <typename T>
__device__ __forceinline__ void vectors_out(const Example<T>& x, int n, int m, int p, const T* d, const T* ev,
                                            T c, int first, int count) {
    const int R = m + p;
    for (int j = first; j < n; j += count) x.sq[j] = x.q[j] * (c * d[j]);
    for (int r = first; r < m; r += count) x.sb[r] = x.b[r] * ev[r];
    for (int r = first; r < p; r += count) x.sh[r] = x.h[r] * ev[m + r];
    T* out = x.out;
    for (int j = first; j < n; j += count) {
        out[j] = d[j];
        out[n + R + 1 + j] = T(1) / (c * d[j]);
    }
    for (int r = first; r < R; r += count) {
        out[n + r] = ev[r];
        out[2 * n + R + 1 + r] = T(1) / ev[r];
    }
    if (first == 0) {
        out[n + R] = c;
        out[2 * (n + R) + 1] = T(1) / c;
    }
}

// The passes, the cost scaling and the scaled copy of one example (EXAMPLES), or the passes,
// the shared copy and the common scalings (SHARED): `x` the example's data and outputs.
template <typename T, bool Cached>
__device__ __forceinline__ void finish(const Example<T>& x, int ld, int n, int m, int p, const Shared<T>& sh,
                                       int max_iter, T lo, T hi, int mode) {
    const T *Q = x.Q, *A = x.A, *G = x.G;
    const T *d = sh.d, *ev = sh.ev;
    passes<T, Cached>(Q, A, G, ld, n, m, p, sh, max_iter, lo, hi);
    // The mean Q-column norm by thread 0; with it, the example's cost scaling by warp 0.
    if (threadIdx.x < 32) {
        const T mean = __shfl_sync(FULL, threadIdx.x == 0 ? mean_of(sh.qcol, n) : T(0), 0);
        const T c = mode == RUIZ_SHARED ? T(0) : cost_of(x.q, d, n, mean, lo, hi);
        if (threadIdx.x == 0) sh.cost[0] = mode == RUIZ_SHARED ? mean : c;
    }
    __syncthreads();
    if (mode == RUIZ_SHARED) {
        // Q as it is (the solver's `load_q` forms Qᵢⱼ·((c·Dᵢ)·Dⱼ), these products), Ã and G̃
        // (below) under the scalings every example shares, and those scalings.
        for (int e = threadIdx.x; e < n * n; e += NT) x.sQ[e] = Q[e];
        for (int j = threadIdx.x; j < n; j += NT) x.common[j] = d[j];
        for (int r = threadIdx.x; r < m + p; r += NT) x.common[n + r] = ev[r];
        if (threadIdx.x == 0) x.common[n + m + p] = sh.cost[0];
    } else {
        // The scaled copy: Q̃ᵢⱼ = Qᵢⱼ·((c·Dᵢ)·Dⱼ) (the CPU's products), the vectors, the scalings.
        const T c = sh.cost[0];
        scale_out(x.sQ, Q, n, n, n, d, c, d);
        vectors_out(x, n, m, p, d, ev, c, threadIdx.x, NT);
    }
    // Ãᵣⱼ = Aᵣⱼ·((1·Eᵣ)·Dⱼ) and G̃ likewise (1·Eᵣ = Eᵣ exactly: the CPU's products).
    scale_out(x.sA, A, ld, m, n, ev, T(1), d);
    scale_out(x.sG, G, ld, p, n, ev + m, T(1), d);
}

// Example e of the batch at `data` (layout L) → its scaled copy at `scaled` (layout S) and its
// scalings at sc + e·2(n + m + p + 1).
template <typename T> __device__ __forceinline__ Example<T> example(const Layout& L, const Layout& S,
                                                                   const T* data, T* scaled, T* sc, long long e) {
    const int R = L.m + L.p;
    Example<T> x;
    x.Q = data + L.oQ + e * L.sQ;
    x.q = data + L.oq + e * L.sq;
    x.A = data + L.oA + e * L.sA;
    x.b = data + L.ob + e * L.sb;
    x.G = data + L.oG + e * L.sG;
    x.h = data + L.oh + e * L.sh;
    x.sQ = scaled + S.oQ + e * S.sQ;
    x.sq = scaled + S.oq + e * S.sq;
    x.sA = scaled + S.oA + e * S.sA;
    x.sb = scaled + S.ob + e * S.sb;
    x.sG = scaled + S.oG + e * S.sG;
    x.sh = scaled + S.oh + e * S.sh;
    x.out = sc + e * 2 * (L.n + R + 1);
    // Where S shares Q (and so A and G): the common scalings follow Q (mod.rs `scaled_layout`).
    x.common = scaled + S.oQ + (long long)L.n * L.n;
    return x;
}

// A launch of `mode` (see above) over the examples of the batch at `data` (layout L), their
// scaled copy at `scaled` (layout S) and their scalings at `sc`. Shared memory (mod.rs
// `ruiz_smem`; none for COSTS): the arrays of `Shared`, then, with `cached`, copies of Q
// (leading dimension n), A and G (`padded`), which the passes read instead of device memory.
template <typename T>
__device__ void ruiz(const Layout& L0, const Layout& S, const T* data, T* scaled, T* sc, int max_iter, T lo,
                     T hi, int cached, int mode) {
    const Layout L = with_dims(L0);
    const int n = L.n, m = L.m, p = L.p, R = m + p;
    if (mode == RUIZ_COSTS) {
        const long long e = (long long)blockIdx.x * (NT / 32) + (threadIdx.x >> 5);
        if (e >= L.batch) return;
        const Example<T> x = example(L, S, data, scaled, sc, e);
        const T *d = x.common, *ev = x.common + n;
        const T c = cost_of(x.q, d, n, x.common[n + R], lo, hi);
        vectors_out(x, n, m, p, d, ev, c, threadIdx.x & 31, 32);
        return;
    }
    const Example<T> x = example(L, S, data, scaled, sc, blockIdx.x);
    extern __shared__ __align__(16) unsigned char smem_raw[];
    Shared<T> sh;
    sh.d = reinterpret_cast<T*>(smem_raw);
    sh.ev = sh.d + n;
    sh.qcol = sh.ev + R;
    sh.cost = sh.qcol + n;
    sh.cpart = sh.cost + 1;
    sh.qpart = sh.cpart + groups_of(n) * n;
    sh.rpart = sh.qpart + groups_of(n) * n;
    for (int j = threadIdx.x; j < n; j += NT) sh.d[j] = T(1);
    for (int r = threadIdx.x; r < R; r += NT) sh.ev[r] = T(1);
    if (cached) {
        const int ld = padded(n);
        T* Qs = sh.rpart + groups_of(R) * R;
        T* As = Qs + (long long)n * n;
        T* Gs = As + (long long)m * ld;
        copy_in(Qs, x.Q, (long long)n * n);
        copy_rows(As, ld, x.A, m, n);
        copy_rows(Gs, ld, x.G, p, n);
        Example<T> xc = x;
        xc.Q = Qs;
        xc.A = As;
        xc.G = Gs;
        __syncthreads();
        finish<T, true>(xc, ld, n, m, p, sh, max_iter, lo, hi, mode);
    } else {
        __syncthreads();
        finish<T, false>(x, n, n, m, p, sh, max_iter, lo, hi, mode);
    }
}

#ifdef OPTNET_F64
extern "C" __global__ void __launch_bounds__(NT)
ruiz_f64(const Layout L, const Layout S, const double* data, double* scaled, double* sc, int max_iter, double lo,
         double hi, int cached, int mode) {
    ruiz<double>(L, S, data, scaled, sc, max_iter, lo, hi, cached, mode);
}
#endif
#ifdef OPTNET_F32
extern "C" __global__ void __launch_bounds__(NT)
ruiz_f32(const Layout L, const Layout S, const float* data, float* scaled, float* sc, int max_iter, float lo,
         float hi, int cached, int mode) {
    ruiz<float>(L, S, data, scaled, sc, max_iter, lo, hi, cached, mode);
}
#endif
