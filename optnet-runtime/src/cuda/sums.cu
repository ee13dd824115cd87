// The batch sums of a shared array's gradient (OptNet eq. 8), on the device, where the backward
// pass leaves the adjoints and the forward pass the solution (mod.rs `shared_sums`):
//
//   dQ: Σ_b d_z,b z_bᵀ (the host takes ½(S + Sᵀ)),
//   dA: Σ_b d_ν,b z_bᵀ + ν_b d_z,bᵀ,
//   dG: Σ_b D(λ)d_λ,b z_bᵀ + λ_b d_z,bᵀ,
//
// over the examples that solved (status 0, Solved, or 5, AlmostSolved: `Status::is_solved`;
// an unsolved example's rows may hold NaN and are read as zeros).
//
// `sums` (grid: tiles of the r×n result × splits of SPLIT examples × the shared arrays): a
// block stages a few examples' rows of the factors in shared memory at a time, and each thread
// adds their products into ENTRIES entries of the result held in registers, examples in order;
// it writes its split's partial sums. `sums_total` (a thread per entry) then adds the splits in
// order. So the sums do not depend on the launch's scheduling: the same bits every call. Two
// launches for all the arrays: each launch costs the stream a few µs, more than the sums'
// arithmetic (one launch per array and kernel took 60–70 µs at batch 128, session 22).
//
// Compiled at run time by NVRTC, a module of its own (-DOPTNET_F64 or -DOPTNET_F32, -DNT).

#ifndef NT
#define NT 256
#endif

// Examples per split (mod.rs `SUM_SPLIT`) and result entries per thread (mod.rs
// `SUM_ENTRIES`).
#define SPLIT 32
#define ENTRIES 8

// One factor of a product: the vector of example b is at base + b·stride.
template <typename T> struct Rows {
    const T* base;
    long long stride;
};

// One shared array's sum (mod.rs `SumSpec`): Σ u xᵀ (+ y vᵀ when pairs = 2), r×n, its splits'
// partial sums at part + split·r·n and its total at total; `stage` examples in shared memory at
// a time.
template <typename T> struct Spec {
    Rows<T> u, x, y, v;
    int pairs, r, stage, pad;
    long long part, total;
};

// Up to three arrays' sums (Q, A, G) in one launch: blockIdx.z picks one.
template <typename T> struct Specs {
    Spec<T> s[3];
};

// IST (ints per example in the forward kernel's `ist`, its status first), the status codes and
// FULL: common.cuh, which the host puts before this file.

// Copies `cnt` examples' rows of `len` entries from a (and b when `two`), examples s0, s0 + 1,
// …, into sa (and sb), the block's threads over the entries; an example that did not solve
// (status other than 0 or 5) is staged as zeros.
template <typename T>
__device__ __forceinline__ void stage_rows(T* sa, T* sb, const Rows<T>& a, const Rows<T>& b, bool two, int len,
                                           int s0, int cnt, const int* ist) {
    for (int idx = threadIdx.x; idx < cnt * len; idx += NT) {
        const int k = idx / len, t = idx - k * len;
        const long long e = s0 + k;
        const int st = ist[IST * e];
        const bool ok = st == ST_SOLVED || st == ST_ALMOST;
        sa[idx] = ok ? a.base[e * a.stride + t] : T(0);
        if (two) sb[idx] = ok ? b.base[e * b.stride + t] : T(0);
    }
}

// Partial sums of split blockIdx.y of array blockIdx.z over result entries
// blockIdx.x·NT·ENTRIES + t + NT·q. Shared memory: `stage` examples' u (r), x (n) and, for two
// pairs, y (r), v (n).
template <typename T>
__device__ void sums(const Specs<T>& S, T* buf, const int* ist, int batch, int n) {
    const Spec<T>& sp = S.s[blockIdx.z];
    const int r = sp.r, stage = sp.stage, pairs = sp.pairs;
    const long long rn = (long long)r * n;
    const long long e0 = (long long)blockIdx.x * NT * ENTRIES + threadIdx.x;
    if ((long long)blockIdx.x * NT * ENTRIES >= rn) return;  // a smaller array's spare tiles
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* su = reinterpret_cast<T*>(smem_raw);
    T* sx = su + stage * r;
    T* sy = sx + stage * n;
    T* sv = sy + (pairs == 2 ? stage * r : 0);
    int ei[ENTRIES], ej[ENTRIES];
#pragma unroll
    for (int q = 0; q < ENTRIES; q++) {
        const long long e = e0 + (long long)q * NT;
        ei[q] = e < rn ? (int)(e / n) : -1;
        ej[q] = e < rn ? (int)(e - (long long)ei[q] * n) : 0;
    }
    T acc[ENTRIES];
#pragma unroll
    for (int q = 0; q < ENTRIES; q++) acc[q] = T(0);
    const int b0 = blockIdx.y * SPLIT, b1 = min(batch, b0 + SPLIT);
    for (int s0 = b0; s0 < b1; s0 += stage) {
        const int cnt = min(stage, b1 - s0);
        // Stage: u, y (r entries) and x, v (n entries); unsolved examples' rows as zeros.
        stage_rows(su, sy, sp.u, sp.y, pairs == 2, r, s0, cnt, ist);
        stage_rows(sx, sv, sp.x, sp.v, pairs == 2, n, s0, cnt, ist);
        __syncthreads();
        for (int k = 0; k < cnt; k++) {
#pragma unroll
            for (int q = 0; q < ENTRIES; q++) {
                if (ei[q] < 0) continue;
                acc[q] += su[k * r + ei[q]] * sx[k * n + ej[q]];
                if (pairs == 2) acc[q] += sy[k * r + ei[q]] * sv[k * n + ej[q]];
            }
        }
        __syncthreads();
    }
    T* part = buf + sp.part + (long long)blockIdx.y * rn;
#pragma unroll
    for (int q = 0; q < ENTRIES; q++)
        if (ei[q] >= 0) part[e0 + (long long)q * NT] = acc[q];
}

// Array blockIdx.z's total: entry e = Σ_s partial sums of split s, the splits in order, a
// thread per entry.
template <typename T> __device__ void sums_total(const Specs<T>& S, T* buf, int splits, int n) {
    const Spec<T>& sp = S.s[blockIdx.z];
    const long long rn = (long long)sp.r * n;
    const long long e = (long long)blockIdx.x * NT + threadIdx.x;
    if (e >= rn) return;
    const T* part = buf + sp.part;
    T a = T(0);
    for (int s = 0; s < splits; s++) a += part[s * rn + e];
    buf[sp.total + e] = a;
}

#ifdef OPTNET_F64
extern "C" __global__ void __launch_bounds__(NT)
sums_f64(const Specs<double> S, double* buf, const int* ist, int batch, int n) {
    sums<double>(S, buf, ist, batch, n);
}
extern "C" __global__ void __launch_bounds__(NT) sums_total_f64(const Specs<double> S, double* buf, int splits, int n) {
    sums_total<double>(S, buf, splits, n);
}
#endif
#ifdef OPTNET_F32
extern "C" __global__ void __launch_bounds__(NT)
sums_f32(const Specs<float> S, float* buf, const int* ist, int batch, int n) {
    sums<float>(S, buf, ist, batch, n);
}
extern "C" __global__ void __launch_bounds__(NT) sums_total_f32(const Specs<float> S, float* buf, int splits, int n) {
    sums_total<float>(S, buf, splits, n);
}
#endif
