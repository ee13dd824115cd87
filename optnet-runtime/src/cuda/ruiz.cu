// Ruiz equilibration of a batch on the GPU, before `pdipm.cu` solves it (`Settings::equilibrate`).
//
// The CPU's method (cpu/equilibrate.rs, whose documentation gives it in full), example by
// example, one thread block per example: the KKT matrix [Q Aᵀ Gᵀ; A 0 0; G 0 0] is scaled
// symmetrically by diag(D, E) until the ∞-norms of its columns are near one (Ruiz 2001), and
// the cost by a scalar c:
//
//   Q̃ = c·DQD,  q̃ = c·Dq,  Ã = E_A·A·D,  b̃ = E_A·b,  G̃ = E_G·G·D,  h̃ = E_G·h.
//
// Each pass measures the norms of the data under the scalings so far (the data are read, not
// rewritten, until the end), multiplies every scaling by 1/√norm (clipped to the settings'
// bounds) and stops after the first pass in which none changed by 0.5 or more, or after
// `max_iter` passes. The scaled copy is written in a layout of its own (every array batched, so
// that shared arrays get each example's scaling), with the scalings that the solver's
// termination test, its answers and the backward pass use to return to the original units:
// per example D (n), E (m + p), c, 1/(c·D), 1/E, 1/c, 2(n + m + p + 1) values. The same
// operations in the same order as the CPU's, so the scalings and the scaled data are the CPU's
// to the bit.
//
// Compiled at run time by NVRTC, a module of its own (-DOPTNET_F64 or -DOPTNET_F32, -DNT).

#ifndef NT
#define NT 256
#endif
#define FULL 0xffffffffu
#define SETTLED 0.5  // cpu/equilibrate.rs `SETTLED`

// Where each array of the batch lives (element offsets) and the per-example stride (0 when
// shared). Mirrors `Layout` in mod.rs and pdipm.cu; this kernel reads only the offsets,
// strides and sizes.
struct Layout {
    long long oQ, oq, oA, ob, oG, oh;
    long long sQ, sq, sA, sb, sG, sh;
    long long out_stride, fac_stride;
    int n, m, p, batch;
    int N, ld, V, g_smem;
    int k_global;
};

template <typename T> __device__ __forceinline__ T machine_eps();
template <> __device__ __forceinline__ float machine_eps<float>() { return 1.1920929e-7f; }
template <> __device__ __forceinline__ double machine_eps<double>() { return 2.220446049250313e-16; }

// The CPU's `upd`: m ← a where a > m (the same maximum for the non-negative values here).
template <typename T> __device__ __forceinline__ T upd(T m, T a) { return a > m ? a : m; }
template <typename T> __device__ __forceinline__ T tabs(T x) { return x < T(0) ? -x : x; }

// A scaling for a norm: 1/√norm within [lo, hi], 1 for a zero column or row.
template <typename T> __device__ __forceinline__ T clip(T norm, T lo, T hi) {
    if (norm <= machine_eps<T>()) return T(1);
    T s = T(1) / sqrt(norm);
    s = s > lo ? s : lo;
    return s < hi ? s : hi;
}

// maxᵢ |M[i·n + j]|·sᵢ over rows i < rows: four independent maxima (the loads and products
// of four rows in flight, not one chain of maxima), combined at the end (the maximum does not
// depend on the order).
template <typename T>
__device__ __forceinline__ T col_max(const T* M, int n, int rows, int j, const T* s) {
    T a[4] = {T(0), T(0), T(0), T(0)};
    int i = 0;
    for (; i + 4 <= rows; i += 4) {
#pragma unroll
        for (int u = 0; u < 4; u++) a[u] = upd(a[u], tabs(M[(long long)(i + u) * n + j]) * s[i + u]);
    }
    for (; i < rows; i++) a[0] = upd(a[0], tabs(M[(long long)i * n + j]) * s[i]);
    return upd(upd(a[0], a[1]), upd(a[2], a[3]));
}

// Norms of the data under D, E (c not applied): column j of [Q; A; G] (`col`), of Q alone
// (`qcol`), row r of [A; G] (`row`): Dⱼ·maxᵢ |Qᵢⱼ|·Dᵢ, Eᵣ·maxⱼ |Gᵣⱼ|·Dⱼ, and so on. A thread
// per column (consecutive threads read consecutive entries of a row); a warp per four rows,
// their sums over the warp interleaved. Ends before a barrier.
template <typename T>
__device__ void measure(const T* Q, const T* A, const T* G, int n, int m, int p, const T* d, const T* e, T* col,
                        T* qcol, T* row) {
    for (int j = threadIdx.x; j < n; j += NT) {
        const T q = col_max(Q, n, n, j, d);
        const T a = col_max(A, n, m, j, e);
        const T g = col_max(G, n, p, j, e + m);
        qcol[j] = q * d[j];
        col[j] = upd(upd(q, a), g) * d[j];
    }
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31, R = m + p;
    for (int r0 = 4 * w; r0 < R; r0 += 4 * (NT / 32)) {
        T x[4] = {T(0), T(0), T(0), T(0)};
#pragma unroll
        for (int u = 0; u < 4; u++) {
            const int r = r0 + u;
            if (r < R) {  // warp-uniform
                const T* M = r < m ? A + (long long)r * n : G + (long long)(r - m) * n;
                for (int j = l; j < n; j += 32) x[u] = upd(x[u], tabs(M[j]) * d[j]);
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
            row[r0 + l] = xl * e[r0 + l];
        }
    }
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

// Example blockIdx.x of the batch at `data` (layout L) → its scaled copy at `scaled` (layout
// S) and its scalings at sc + e·2(n + m + p + 1). Shared memory: D, E, the column, Q-column and
// row norms and the cost scaling ((3n + 2(m + p) + 1) values), then, with `cached`, copies of
// Q, A and G, which the passes read instead of device memory (mod.rs `ruiz_smem` decides: at
// n = p = 100, 160 KB; the passes then take a fraction of the time).
template <typename T>
__device__ void ruiz(const Layout& L, const Layout& S, const T* data, T* scaled, T* sc, int max_iter, T lo,
                     T hi, int cached) {
    const long long e = blockIdx.x;
    const int n = L.n, m = L.m, p = L.p, R = m + p;
    const T* Q = data + L.oQ + e * L.sQ;
    const T* q = data + L.oq + e * L.sq;
    const T* A = data + L.oA + e * L.sA;
    const T* b = data + L.ob + e * L.sb;
    const T* G = data + L.oG + e * L.sG;
    const T* h = data + L.oh + e * L.sh;
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* d = reinterpret_cast<T*>(smem_raw);
    T* ev = d + n;
    T* col = ev + R;
    T* qcol = col + n;
    T* row = qcol + n;
    T* cost = row + R;
    if (cached) {
        T* Qs = cost + 1;
        T* As = Qs + (long long)n * n;
        T* Gs = As + (long long)m * n;
        copy_in(Qs, Q, (long long)n * n);
        copy_in(As, A, (long long)m * n);
        copy_in(Gs, G, (long long)p * n);
        Q = Qs;
        A = As;
        G = Gs;
    }
    for (int j = threadIdx.x; j < n; j += NT) d[j] = T(1);
    for (int r = threadIdx.x; r < R; r += NT) ev[r] = T(1);
    __syncthreads();
    measure(Q, A, G, n, m, p, d, ev, col, qcol, row);
    __syncthreads();
    for (int it = 0; it < max_iter; it++) {
        int done = 1;
        for (int j = threadIdx.x; j < n; j += NT) {
            const T s = clip(col[j], lo, hi);
            done &= tabs(s - T(1)) < T(SETTLED);
            d[j] *= s;
        }
        for (int r = threadIdx.x; r < R; r += NT) {
            const T s = clip(row[r], lo, hi);
            done &= tabs(s - T(1)) < T(SETTLED);
            ev[r] *= s;
        }
        __syncthreads();
        measure(Q, A, G, n, m, p, d, ev, col, qcol, row);
        if (__syncthreads_and(done)) break;
    }
    // Cost scaling: the mean column norm of Q and ‖q‖∞ brought to about one (the CPU's sum, in
    // its order, by one thread; the maximum by warp 0).
    if (threadIdx.x < 32) {
        T qn = T(0);
        for (int j = threadIdx.x; j < n; j += 32) qn = upd(qn, tabs(q[j] * d[j]));
        for (int o = 16; o > 0; o >>= 1) qn = upd(qn, __shfl_xor_sync(FULL, qn, o));
        T mean = T(0);
        if (threadIdx.x == 0) {
            for (int j = 0; j < n; j++) mean += qcol[j];
            if (n > 0) mean /= (T)n;
        }
        const T scale = upd(mean, qn);
        T c = T(1);
        if (!(scale <= machine_eps<T>())) {
            c = T(1) / scale;
            c = c > lo ? c : lo;
            c = c < hi ? c : hi;
        }
        if (threadIdx.x == 0) cost[0] = c;
    }
    __syncthreads();
    const T c = cost[0];
    // The scaled copy: each entry times the CPU's product (`equilibrate::apply`).
    T* sQ = scaled + S.oQ + e * S.sQ;
    T* sq = scaled + S.oq + e * S.sq;
    T* sA = scaled + S.oA + e * S.sA;
    T* sb = scaled + S.ob + e * S.sb;
    T* sG = scaled + S.oG + e * S.sG;
    T* sh = scaled + S.oh + e * S.sh;
    // A warp per row, its lanes along the row (no index division).
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int i = w; i < n; i += NT / 32) {
        const T ci = c * d[i];
        for (int j = l; j < n; j += 32) sQ[(long long)i * n + j] = Q[(long long)i * n + j] * (ci * d[j]);
    }
    for (int r = w; r < m; r += NT / 32)
        for (int j = l; j < n; j += 32) sA[(long long)r * n + j] = A[(long long)r * n + j] * (ev[r] * d[j]);
    for (int r = w; r < p; r += NT / 32)
        for (int j = l; j < n; j += 32) sG[(long long)r * n + j] = G[(long long)r * n + j] * (ev[m + r] * d[j]);
    for (int j = threadIdx.x; j < n; j += NT) sq[j] = q[j] * (c * d[j]);
    for (int r = threadIdx.x; r < m; r += NT) sb[r] = b[r] * ev[r];
    for (int r = threadIdx.x; r < p; r += NT) sh[r] = h[r] * ev[m + r];
    T* out = sc + e * 2 * (n + R + 1);
    for (int j = threadIdx.x; j < n; j += NT) {
        out[j] = d[j];
        out[n + R + 1 + j] = T(1) / (c * d[j]);
    }
    for (int r = threadIdx.x; r < R; r += NT) {
        out[n + r] = ev[r];
        out[2 * n + R + 1 + r] = T(1) / ev[r];
    }
    if (threadIdx.x == 0) {
        out[n + R] = c;
        out[2 * (n + R) + 1] = T(1) / c;
    }
}

#ifdef OPTNET_F64
extern "C" __global__ void __launch_bounds__(NT)
ruiz_f64(const Layout L, const Layout S, const double* data, double* scaled, double* sc, int max_iter, double lo,
         double hi, int cached) {
    ruiz<double>(L, S, data, scaled, sc, max_iter, lo, hi, cached);
}
#endif
#ifdef OPTNET_F32
extern "C" __global__ void __launch_bounds__(NT)
ruiz_f32(const Layout L, const Layout S, const float* data, float* scaled, float* sc, int max_iter, float lo,
         float hi, int cached) {
    ruiz<float>(L, S, data, scaled, sc, max_iter, lo, hi, cached);
}
#endif
