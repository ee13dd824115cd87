// Fused batched PDIPM (HSDE, Mehrotra predictor-corrector) and its backward pass.
//
// One thread block solves one QP from start to finish: the iteration never returns to the
// host. The reduced KKT matrix K = [Q + GᵀWG + εI, Aᵀ; A, −εI] lives in shared memory:
// its lower triangle (with D in a vector) holds the LDLᵀ factor, its strict upper
// triangle the unregularized matrix K0 used by iterative refinement. G is kept in shared
// memory too when it fits. See notes/ALGORITHM.md for the method; comments cite its steps.
// f64 has a second pair of entry points for large batches, two blocks per multiprocessor
// (`pdipm2_f64`, `backward2_f64`: `Blk<T, true>`, G and 16 vector slots in global memory).
// Reduced matrices too large for shared memory run those two kernels from the K-global
// module (-DOPTNET_KGLOBAL): K lives in this example's record of `fac` (device memory).
// Equilibrated batches (`Settings::equilibrate`) arrive scaled by ruiz.cu, with their
// scalings (`Params::scal`): the kernels solve the scaled QP and test termination, and write
// their answers, in the original units.
//
// Compiled at run time by NVRTC (once per process); `T` is float or double.

#ifndef NT
#define NT 256            // threads per block (NVRTC gets -DNT from the host)
#endif
#define NW (NT / 32)      // warps per block
#define NB 8              // panel width of the blocked LDLᵀ in f32 (the host sizes Pt, NB·N, for it)
#ifndef NB64
#define NB64 8            // panel width in f64 (no Pt: the tensor cores read the panel in place)
#endif
#define NVEC 49           // vector slots in shared memory
// The K-global module (-DOPTNET_KGLOBAL, f64, only the two-block kernels, one block per
// multiprocessor at mod.rs's `kglobal_threads`): K in device memory, in the example's record
// of `fac`, N×N with ld = N (the host lays it out so); the other modules keep K in shared memory.
#ifdef OPTNET_KGLOBAL
#define KGLOBAL true
#else
#define KGLOBAL false
#endif
// `Layout`, `with_dims`, FULL, the status codes (ST_*), IST and the dimensions of a module
// specialized for one shape (-DOPTNET_DIMS): common.cuh, which the host puts before this file.

// Loops that stay loops in a specialized module, where a constant trip count would unroll
// them whole: the two-block kernels' loops over G in global memory (unrolled, their batched
// loads spilled at 128 registers), and the row-pass loops of `gemv_n_rows` and `k0_mul_rows`
// (two passes at n = 100: unrolled, each call site held two copies of the pass and its warp
// reduction). Rolling the latter took the one-block kernel's code from 919 to 776 KB and its
// stack frame from 48 to 0 bytes, the two-block kernel's from 968 to 802 KB and 184 to 144
// bytes: −5.2 % cycles per example at batch 2048, −1.8 % at 128, none at 1 (session 34, run 1);
// the same arithmetic (bench's digests unchanged).
#ifdef OPTNET_DIMS
#define ROLLED _Pragma("unroll 1")
#else
#define ROLLED
#endif
// The triangular solve's loops over its 32-row blocks: unrolled in a specialized module (the
// block sizes, and the trip counts of the loops inside, then constants), rolled otherwise.
#ifdef OPTNET_DIMS
#define BLOCKS_UNROLLED _Pragma("unroll")
#else
#define BLOCKS_UNROLLED _Pragma("unroll 1")
#endif

// Settings, as `Params` in mod.rs (already adjusted for the precision).
struct Params {
    double tol_gap_abs, tol_gap_rel, tol_feas, tol_infeas_abs, tol_infeas_rel, tol_ktratio;
    double reduced_tol_gap, reduced_tol_feas, max_step_fraction, min_step_length;
    double static_reg, dyn_eps, dyn_delta, refine_abstol, refine_reltol, refine_unverified;
    double refine_kt;  // steps 5 and 7 refine where κ/τ exceeds this (`Settings::REFINEMENT_KT_RATIO`), always if 0
    double centered_step_fraction, centered_affine_step;  // step 8's fraction from α_aff ≥ the latter
    double polish_gap;  // polishing from a relative gap (and κ/τ) below this; 0: never (`Settings::polish`)
    double start_w_spread;  // `start_w_is_even`'s cut (the CPU's `pdipm::START_W_SPREAD`)
    int max_iter, refine_max_iter;
    int refine_from;  // ... or from this iteration on (`Settings::refinement_from_iteration`)
    int polish_rounds;  // solves per polishing attempt (the CPU's `polish::ROUNDS`)
    // Ruiz equilibration of a batch that shares Q, A and G (mod.rs `scaled_layout`): the data's
    // Q is unscaled, and `load_q` scales it by the example's c·DᵢDⱼ.
    int q_unscaled;
    // Ruiz equilibration (ruiz.cu): the device address of the launch's scalings, 2(n + m + p +
    // 1) values per example of the launch (block), or 0 when the data are not scaled. A field
    // of the parameters rather than of `Blk`, so that no register holds it through the
    // iteration (`Blk::d_of` … read it from the parameter space at each use).
    unsigned long long scal;
};

template <typename T> __device__ __forceinline__ T tabs(T x) { return x < T(0) ? -x : x; }
template <typename T> __device__ __forceinline__ T tmax(T a, T b) { return a > b ? a : b; }
template <typename T> __device__ __forceinline__ T tmin(T a, T b) { return a < b ? a : b; }
template <typename T> __device__ __forceinline__ T big();
template <> __device__ __forceinline__ float big<float>() { return 3.0e38f; }
template <> __device__ __forceinline__ double big<double>() { return 1.0e300; }
template <typename T> __device__ __forceinline__ T tnan();
template <> __device__ __forceinline__ float tnan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double tnan<double>() { return __longlong_as_double(0x7ff8000000000000LL); }

// The block's dynamic shared memory (laid out by `setup`).
extern __shared__ __align__(16) unsigned char smem_raw[];

// f(x, src[x]) for every x < count, by the block: U loads per thread issued before any of them
// is used, so that a block waits on device memory's latency once per U·NT entries, not once per
// entry (a plain loop that stores each entry to shared memory before loading the next waits for
// every load in turn). The one-block kernels' copies of G, Q, A and the factors (at batch 1 the
// backward pass's cycles −33 %, session 23); the two-block kernels keep plain loops (there the
// other block hides the latency, and at their 128-register limit the batched form cost 0.3–1 %
// at batch 2048).
template <typename T, typename F, int U = 8>
__device__ __forceinline__ void each_loaded(const T* src, int count, F&& f) {
    for (int base = 0; base < count; base += U * NT) {
        T v[U];
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int x = base + u * NT + (int)threadIdx.x;
            v[u] = x < count ? src[x] : T(0);
        }
#pragma unroll
        for (int u = 0; u < U; u++) {
            const int x = base + u * NT + (int)threadIdx.x;
            if (x < count) f(x, v[u]);
        }
    }
}

// The phase timers (`OPTNET_CUDA_PROFILE`): clock64 in the profiling build (-DOPTNET_PROFILE),
// a constant otherwise, so that the timers and their sums fold away and hold no registers
// (they were live across the whole iteration, leaving the triangular solve, a called
// function, too few registers to keep its loads in flight).
#ifdef OPTNET_PROFILE
__device__ __forceinline__ long long prof_clock() { return clock64(); }
#else
__device__ __forceinline__ long long prof_clock() { return 0; }
#endif

// ---------------------------------------------------------------- reductions

// Sums the KS values of `s` and takes the maximum of the KM values of `mx` over the block;
// every thread gets the results. Two barriers.
template <typename T, int KS, int KM>
__device__ void block_reduce(T (&s)[KS], T (&mx)[KM], T* red) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
#pragma unroll
        for (int i = 0; i < KS; i++) s[i] += __shfl_xor_sync(FULL, s[i], o);
#pragma unroll
        for (int i = 0; i < KM; i++) mx[i] = tmax(mx[i], __shfl_xor_sync(FULL, mx[i], o));
    }
    if (l == 0) {
#pragma unroll
        for (int i = 0; i < KS; i++) red[w * (KS + KM) + i] = s[i];
#pragma unroll
        for (int i = 0; i < KM; i++) red[w * (KS + KM) + KS + i] = mx[i];
    }
    __syncthreads();
#pragma unroll
    for (int i = 0; i < KS; i++) {
        T a = T(0);
        for (int j = 0; j < NW; j++) a += red[j * (KS + KM) + i];
        s[i] = a;
    }
#pragma unroll
    for (int i = 0; i < KM; i++) {
        T a = red[KS + i];
        for (int j = 1; j < NW; j++) a = tmax(a, red[j * (KS + KM) + KS + i]);
        mx[i] = a;
    }
    __syncthreads();
}

// The sum of v over each group of W adjacent lanes (W a power of two ≤ 32; the whole warp by
// default), every lane of the group getting it: shuffles with lane distances 1, 2, …, W/2.
template <int W = 32, typename T> __device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
    for (int o = 1; o < W; o <<= 1) v += __shfl_xor_sync(FULL, v, o);
    return v;
}

// Sums each of the KV values (KV a power of two ≤ 32) over the warp, one shuffle per value
// pair and step while values remain (reduce-scatter) instead of one per value and step:
// lane l returns the sum of value rs_index<KV>(l).
template <int KV> __device__ __forceinline__ double reduce_scatter(double (&v)[KV]) {
    const int l = threadIdx.x & 31;
    int o = 16;
#pragma unroll
    for (int h = KV / 2; h >= 1; h /= 2) {
        const bool hi = (l & o) != 0;
#pragma unroll
        for (int t = 0; t < h; t++) {
            const double send = hi ? v[t] : v[t + h];
            const double keep = hi ? v[t + h] : v[t];
            v[t] = keep + __shfl_xor_sync(FULL, send, o);
        }
        o >>= 1;
    }
    double s = v[0];
    for (; o > 0; o >>= 1) s += __shfl_xor_sync(FULL, s, o);
    return s;
}

// Which value of `reduce_scatter<KV>` lane l holds.
template <int KV> __device__ __forceinline__ int rs_index(int l) {
    int idx = 0, o = 16;
#pragma unroll
    for (int h = KV / 2; h >= 1; h /= 2) {
        if (l & o) idx += h;
        o >>= 1;
    }
    return idx;
}

// Lane l of a warp stores value rs_index<2·NR>(l) of the row pair (i0, i1) (values ordered
// row i0's NR, then row i1's), from the lane of lowest index holding it.
template <typename T, int NR>
__device__ __forceinline__ void store_pair(T* y, int V, int i0, int i1, bool two, double s) {
    constexpr int KV = 2 * NR;
    const int l = threadIdx.x & 31;
    if ((l & (32 / KV - 1)) == 0) {
        const int idx = rs_index<KV>(l);
        const int row = idx < NR ? i0 : i1, r = idx < NR ? idx : idx - NR;
        if (idx < NR || two) y[r * V + row] = (T)s;
    }
}

// Lane l of a warp stores value rs_index<RW·NR>(l) of the rows i0 + q·NW, q < RW (values
// ordered row by row, NR each), from the lane of lowest index holding it; rows ≥ rows are
// not stored. EP: stores wv[row]·((T)s − rin_r[row]) instead of s (the reduced solve's
// x_λ = W∘(G x_z − r_in), the same operations as a later pass over y).
template <typename T, int NR, int RW, bool EP = false>
__device__ __forceinline__ void store_rows(T* y, int V, int i0, int rows, double s, const T* wv = nullptr,
                                           const T* rin = nullptr) {
    constexpr int KV = RW * NR;
    const int l = threadIdx.x & 31;
    if ((l & (32 / KV - 1)) == 0) {
        const int idx = rs_index<KV>(l);
        const int q = idx / NR, r = idx - q * NR;
        const int row = i0 + q * NW;
        if (row < rows) {
            if constexpr (EP) y[r * V + row] = wv[row] * ((T)s - rin[r * V + row]);
            else y[r * V + row] = (T)s;
        }
    }
}

// The end of `gemv_n_rows` and `k0_mul_rows`: a warp's RW rows of NR partial sums a[q][r]
// reduced over the warp (`reduce_scatter`, values row by row) and stored by `store_rows`.
template <typename T, int NR, int RW, bool EP = false>
__device__ __forceinline__ void reduce_store_rows(T* y, int V, int i0, int rows, const double (&a)[RW][NR],
                                                  const T* wv = nullptr, const T* rin = nullptr) {
    double v[RW * NR];
#pragma unroll
    for (int q = 0; q < RW; q++)
#pragma unroll
        for (int r = 0; r < NR; r++) v[q * NR + r] = a[q][r];
    store_rows<T, NR, RW, EP>(y, V, i0, rows, reduce_scatter<RW * NR>(v), wv, rin);
}

// ---------------------------------------------------------------- fp64 tensor cores

// Lower-triangle tile t of an R×R region → (bi, bj), bj ≤ bi.
__device__ __forceinline__ void tile_of(int t, int& bi, int& bj) {
    int b = (int)((sqrtf(8.0f * (float)t + 1.0f) - 1.0f) * 0.5f);
    while ((b + 1) * (b + 2) / 2 <= t) b++;
    while (b * (b + 1) / 2 > t) b--;
    bi = b;
    bj = t - b * (b + 1) / 2;
}

// D += A·B on the fp64 tensor cores (sm_80+), one 8×8×4 product per warp: lane l holds
// A[l/4][l%4] (A 8×4), B[l%4][l/4] (B 4×8), and D[l/4][2(l%4)] and D[l/4][2(l%4)+1].
__device__ __forceinline__ void dmma(double& d0, double& d1, double a, double b) {
    asm volatile("mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 {%0,%1}, {%2}, {%3}, {%0,%1};\n"
                 : "+d"(d0), "+d"(d1)
                 : "d"(a), "d"(b));
}

// Two such products stacked in M that share the B fragment (tiles i and i + 1 of one tile
// column): D_i += A_i·B and D_{i+1} += A_{i+1}·B, lane l holding A_i[l/4][l%4] in a0,
// A_{i+1}[l/4][l%4] in a1, and D_i's entries in d0, d1, D_{i+1}'s in d2, d3. On sm_90 one m16n8k4
// product, whose fragments are exactly these: the fp64 tensor cores run it at the issue rate of
// m8n8k4, so twice the FLOP per cycle (notes/s36/proto/mma.cu on the H200: 123 FLOP per cycle per
// SM with m8n8k4, 251 with m16n8k4, 8 warps), and the same result to the bit (GᵀWG and the
// LDLᵀ's trailing updates compared entry by entry, notes/s36.md §3). Earlier architectures take
// the two m8n8k4 products.
__device__ __forceinline__ void dmma2(double& d0, double& d1, double& d2, double& d3, double a0, double a1,
                                      double b) {
#if __CUDA_ARCH__ >= 900
    asm volatile("mma.sync.aligned.m16n8k4.row.col.f64.f64.f64.f64 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%0,%1,%2,%3};\n"
                 : "+d"(d0), "+d"(d1), "+d"(d2), "+d"(d3)
                 : "d"(a0), "d"(a1), "d"(b));
#else
    dmma(d0, d1, a0, b);
    dmma(d2, d3, a1, b);
#endif
}

// C[i][j] −= s·Σ_k U[k][i] v_k U[k][j] on the lower triangle j ≤ i < R of C (row-major,
// leading dimension ldc), U[k][i] at U[k·ldu + i·ldi], on the tensor cores, four k per
// instruction. The
// 8×8 tiles of the lower triangle are taken in groups of up to SG tiles of one tile column
// (bj fixed, bi = bi0 … bi0 + SG − 1), a warp per group: each k step loads and scales the B
// fragment once for SG independent products, made by pairs of tiles (`dmma2`: one m16n8k4
// product on sm_90; the second tile of a pair beyond tn is formed from clamped rows and not
// stored). Rows and k beyond R and kn read as zero. `s` is ±1.
// GL (U in global memory, the two-block kernel's G): GL_KSTEPS k steps' loads are issued before
// their DMMAs (the same DMMAs in the same k order): a round trip to L2 per GL_KSTEPS steps.
// IDX: k runs over the rows kidx[0 … kn − 1] of U (and of v) instead of 0 … kn − 1 (polishing's
// GᵀWG over the constraints on its set, `assemble`).
#define SG 4
static_assert(SG % 2 == 0, "a group's tiles go by pairs (`dmma2`)");

// One k step of a group of tiles (the products below): D_t += A_t·B for t < tn by pairs of
// tiles (`dmma2`), A_t's fragment a(t), B's b. The test is warp-uniform; the second tile of a
// pair beyond tn is formed from clamped rows and not stored.
template <typename F>
__device__ __forceinline__ void dmma_group(double (&acc)[SG][2], int tn, double b, F&& a) {
#pragma unroll
    for (int t = 0; t < SG; t += 2)
        if (t < tn) dmma2(acc[t][0], acc[t][1], acc[t + 1][0], acc[t + 1][1], a(t), a(t + 1), b);
}
#ifndef GL_KSTEPS
#define GL_KSTEPS 4
#endif

// The groups of `syrk_dmma` (B0 = 0) and of `syrk_dmma_rest` (B0 = 1: tile column 0 starts at
// tile 1) for nt tile rows, in column order: entry g is (bj, bi0, tn) packed as
// bj | bi0 << 5 | tn << 10 (tn = min(SG, nt − bi0) tiles from tile row bi0). Column bj's
// groups start at bi0 = bj + B0·(bj == 0) and step by SG. A warp reads its groups' entries
// (one warp-uniform constant load per group) instead of walking the columns with a loop per
// group (about 5 % of the two-block kernel's instructions at batch 2048 in session 31's
// profile; the tables took 3.5 % of the cycles per example at batch 1, 3 % at 128 and 1.8 % at
// 2048, session 32's run 1). nt ≤ WALK_NT = 22 covers N ≤ 176 > 169, the largest K (N·(N + 1) doubles) that
// fits a block's 227 KB of shared memory (mod.rs test `shared_k_fits_the_tile_walk`); the
// K-global module, whose K may be larger, walks the columns as before (`each_group`).
#define WALK_NT 22
#define WALK_G 72  // groups at nt = 22: Σ_{L=1…22} ⌈L/SG⌉
struct TileWalk {
    unsigned short e[2][WALK_NT + 1][WALK_G];
    unsigned char count[2][WALK_NT + 1];
};
__device__ constexpr TileWalk tile_walk() {
    TileWalk t{};
    for (int b0 = 0; b0 < 2; b0++)
        for (int nt = 0; nt <= WALK_NT; nt++) {
            int c = 0;
            for (int bj = 0; bj < nt; bj++)
                for (int bi0 = bj + (b0 == 1 && bj == 0); bi0 < nt; bi0 += SG)
                    t.e[b0][nt][c++] = (unsigned short)(bj | bi0 << 5 | (nt - bi0 < SG ? nt - bi0 : SG) << 10);
            t.count[b0][nt] = (unsigned char)c;
        }
    return t;
}
__constant__ TileWalk WALK = tile_walk();

// f(bj, bi0, tn) for the groups first, first + step, … of the walk above (warp-uniform
// arguments).
template <int B0, typename F>
__device__ __forceinline__ void each_group(int nt, int first, int step, F&& f) {
    if constexpr (!KGLOBAL) {
        const int count = WALK.count[B0][nt];
        for (int g = first; g < count; g += step) {
            const int e = WALK.e[B0][nt][g];
            f(e & 31, (e >> 5) & 31, e >> 10);
        }
    } else {
        // Group gi of column bj; column bj has ng = ⌈(nt − bj − B0·(bj == 0))/SG⌉ groups.
        int bj = 0, gi = first, ng = (nt - B0 + SG - 1) / SG;
        for (;;) {
            while (bj < nt && gi >= ng) {
                gi -= ng;
                bj++;
                ng = (nt - bj + SG - 1) / SG;
            }
            if (bj >= nt) break;
            const int bi0 = bj + (B0 == 1 && bj == 0) + gi * SG;
            f(bj, bi0, min(SG, nt - bi0));
            gi += step;
        }
    }
}

template <bool GL = false, bool IDX = false>
__device__ __forceinline__ void syrk_dmma(double* C, int ldc, const double* U, int ldu, int ldi, const double* v,
                                          int R, int kn, double s, const int* kidx = nullptr) {
    auto row = [&](int k) { return IDX ? kidx[k] : k; };
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    // Warp w takes the groups w, w + NW, … in column order (`each_group`).
    each_group<0>(nt, w, NW, [&](const int bj, const int bi0, const int tn) {
        const int jb = 8 * bj + r4;
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        // Rows and columns beyond R are read from row/column R − 1 (valid addresses, no
        // branches): they only reach entries of the product that are not stored. Only k
        // beyond kn (the tail step) must read as zero.
        const int jc = min(jb, R - 1) * ldi;
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * ldi;
        int k0 = 0;
        if constexpr (GL) {
            ROLLED for (; k0 + 4 * GL_KSTEPS <= kn; k0 += 4 * GL_KSTEPS) {
                double x[GL_KSTEPS][SG], b[GL_KSTEPS];
                int kk[GL_KSTEPS];
#pragma unroll
                for (int h = 0; h < GL_KSTEPS; h++) {
                    kk[h] = row(k0 + 4 * h + c4);
                    const double* uh = U + kk[h] * ldu;
                    b[h] = uh[jc];
#pragma unroll
                    for (int t = 0; t < SG; t++) x[h][t] = uh[ic[t]];  // rows clamped to R − 1: valid addresses
                }
#pragma unroll
                for (int h = 0; h < GL_KSTEPS; h++) {
                    const double bh = b[h] * v[kk[h]];
                    dmma_group(acc, tn, bh, [&](int t) { return x[h][t]; });
                }
            }
        }
        for (; k0 + 4 <= kn; k0 += 4) {
            const int k = row(k0 + c4);
            const double* u = U + k * ldu;
            const double b = u[jc] * v[k];
            dmma_group(acc, tn, b, [&](int t) { return u[ic[t]]; });
        }
        if (k0 < kn) {
            const int k = k0 + c4;
            const bool kok = k < kn;
            const int kc = row(kok ? k : 0);
            const double* u = U + kc * ldu;
            const double bu = u[jc] * v[kc];
            const double b = kok ? bu : 0.0;
            dmma_group(acc, tn, b, [&](int t) { return u[ic[t]]; });
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

// ---------------------------------------------------------------- matrix-vector products

// `gemv_nt`'s step for one chunk of 32 columns: this lane's column entries m[q] of the pass's
// RW rows times u at those rows, added to the lane's partial sum at *pw (stored by the
// warp's first pass). Two chains of RW/2 FMAs.
template <typename T, int RW>
__device__ __forceinline__ void tp_accumulate(T* pw, const double (&m)[RW], const double (&uq)[RW], bool first) {
    double t0 = 0.0, t1 = 0.0;
#pragma unroll
    for (int q = 0; q < RW; q += 2) {
        t0 += m[q] * uq[q];
        if (q + 1 < RW) t1 += m[q + 1] * uq[q + 1];
    }
    const double t = t0 + t1;
    *pw = (T)(first ? t : (double)*pw + t);
}

// f64 `gemv_n` and `k0_mul`: RW rows (i0 + q·NW) per warp and pass instead of two, with
// RW·NR = 8 values in the butterfly: RW = 8 for one right-hand side (2 passes at 100 rows),
// 4 for two (4 passes; RW = 8 there put the 16 accumulators in local memory: +2 % cycles).
// The passes are dependent chains (loads, FMAs, the butterfly). Each row's sum is the same as
// with two rows per pass (the same lanes' partial sums in the same order, and
// `reduce_scatter` sums every value over the same butterfly whatever the number of values):
// bit-identical. RW = 4 for all NR: −5 % cycles per QP (session 10, notes/gpu_s10_lat.md);
// RW = 8/NR: −1.2 to −1.9 % more (notes/gpu_s10_lat2.md). EP: the x_λ epilogue of
// `store_rows` (wv, rin).
// GL (M in global memory, the two-block kernel's G): RW = GL_ROWS/NR rows per pass, and a lane
// loads its entries of the RW rows in GL_CHUNKS chunks of 32 columns before their sums (one
// round trip to L2 per 32·GL_CHUNKS columns), the same sums in the same order. Measured
// (session 11, notes/gpu_s11_x2.md, with the x_λ epilogue, k0_mul_rows and the barriers of
// the one-block kernel): GL_ROWS 8 / GL_CHUNKS 2 −11.5 % cycles per QP against the two-row
// form, 8 / 4 −8.5 %, 4 / 4 −6.3 % (both more spills). Session 34 (run 2, the row passes rolled):
// in a module specialized for n = p = 100, GL_CHUNKS 4, a row's 100 columns in one round trip,
// −2.1 % cycles per example at batch 2048 against 2, the two-block kernel's stack frame 144
// bytes with either; the generic modules keep 2 (with 4 their two-block kernels' frames grew
// from 416 to 512 bytes, the narrow module's from 416 to 528).
#define GL_ROWS 8
#ifndef GL_CHUNKS
#ifdef OPTNET_DIMS
#define GL_CHUNKS 4
#else
#define GL_CHUNKS 2
#endif
#endif
// TP (NR = 1): the same pass also forms Mᵀu (`gemv_nt`), each loaded entry of M taken twice.
template <typename T, int NR, int RW, bool EP = false, bool GL = false, bool TP = false>
__device__ __forceinline__ void gemv_n_rows(T* y, const T* M, int ldm, const T* x, int rows, int cols, int V,
                                            const T* wv = nullptr, const T* rin = nullptr, const T* u = nullptr,
                                            T* part = nullptr) {
    static_assert(!TP || (NR == 1 && !EP && !GL), "Mᵀu beside one product M x, M in shared memory");
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    // TP: this lane's partial sums of Mᵀu over its warp's rows, at part[w·cols + j] for its
    // columns j = 32c + l: written by the warp's first pass, accumulated by the later ones.
    T* pw = part + w * cols + l;
    bool first = true;
    ROLLED for (int i0 = w; i0 < rows; i0 += RW * NW) {
        double a[RW][NR];
        double uq[TP ? RW : 1];  // u at the pass's rows, 0 for rows ≥ rows
#pragma unroll
        for (int q = 0; q < (TP ? RW : 0); q++) {
            const int iq = i0 + q * NW;
            uq[q] = iq < rows ? (double)u[iq] : 0.0;
        }
        if constexpr (GL) {
            int off[RW];  // row offsets; rows ≥ rows read row i0
#pragma unroll
            for (int q = 0; q < RW; q++) {
#pragma unroll
                for (int r = 0; r < NR; r++) a[q][r] = 0.0;
                const int iq = i0 + q * NW;
                off[q] = (iq < rows ? iq : i0) * ldm;
            }
            const T* ml = M + l;
            ROLLED for (int c0 = 0; c0 < cols; c0 += 32 * GL_CHUNKS) {
                double m[GL_CHUNKS][RW];
#pragma unroll
                for (int c = 0; c < GL_CHUNKS; c++) {
                    const int j = c0 + 32 * c + l;
#pragma unroll
                    for (int q = 0; q < RW; q++) m[c][q] = j < cols ? (double)ml[off[q] + c0 + 32 * c] : 0.0;
                }
#pragma unroll
                for (int c = 0; c < GL_CHUNKS; c++) {
                    const int j = c0 + 32 * c + l;
                    if (j < cols) {
#pragma unroll
                        for (int r = 0; r < NR; r++) {
                            const double xv = x[r * V + j];
#pragma unroll
                            for (int q = 0; q < RW; q++) a[q][r] += m[c][q] * xv;
                        }
                    }
                }
            }
            reduce_store_rows<T, NR, RW, EP>(y, V, i0, rows, a, wv, rin);
            continue;
        }
        const T* pq[RW];
#pragma unroll
        for (int q = 0; q < RW; q++) {
#pragma unroll
            for (int r = 0; r < NR; r++) a[q][r] = 0.0;
            // Rows ≥ rows read row i0.
            const int iq = i0 + q * NW;
            pq[q] = M + (iq < rows ? iq : i0) * ldm + l;
        }
        const T* xp = x + l;
        // Chunk c: columns 32c + l (every lane but in the last chunk), two chunks per trip (a
        // constant trip count in a specialized module; unrolled whole, the chunks' loads held
        // more registers than the kernels have: the one-block kernel's stack frame 56 → 168
        // bytes with `k0_mul_rows`' loop unrolled too).
        const int nc = (cols + 31) / 32;
#pragma unroll 2
        for (int c = 0; c < nc; c++) {
            if (l + 32 * c < cols) {
                double m[RW];
#pragma unroll
                for (int q = 0; q < RW; q++) m[q] = pq[q][32 * c];
#pragma unroll
                for (int r = 0; r < NR; r++) {
                    const double xv = xp[r * V + 32 * c];
#pragma unroll
                    for (int q = 0; q < RW; q++) a[q][r] += m[q] * xv;
                }
                if constexpr (TP) tp_accumulate<T, RW>(pw + 32 * c, m, uq, first);
            }
        }
        reduce_store_rows<T, NR, RW, EP>(y, V, i0, rows, a, wv, rin);
        first = false;
    }
    if constexpr (TP) {
        // A warp without rows (rows ≤ w) adds nothing.
        if (first)
            for (int j = l; j < cols; j += 32) pw[j - l] = T(0);
    }
}

// y = M x and Mᵀu (rows × cols, f64, one right-hand side, M in shared memory) in one pass
// over M: `gemv_n_rows` (RW = 8), whose lanes hold M's entries column by column, also sums
// each column's entries times u over the warp's rows. The NW warps' partial sums stay in
// `part` (NW·cols values) for the reader to combine (`gemv_nt_entry`) after the barrier that
// follows. The residuals' Gz and Gᵀλ (step 1, the refinement): one pass over G and one
// barrier instead of two of each. Session 33 (runs 1–2, H200): −1.0 to −1.2 % cycles per
// example at batches 1 and 128 on the bench's QPs, −1.1 % at 128 on the peers'; Gᵀλ's sums
// in another order move the answers' last bits, and the peers' batch-1 QP then takes a second
// refinement step in its polishing solve (+1.2 % there).
template <typename T>
__device__ __forceinline__ void gemv_nt(T* y, T* part, const T* M, int ldm, const T* x, const T* u, int rows,
                                        int cols, int V) {
    gemv_n_rows<T, 1, 8, false, false, true>(y, M, ldm, x, rows, cols, V, nullptr, nullptr, u, part);
}

// Entry j of `gemv_nt`'s Mᵀu: its warps' partial sums, warp 0 first.
template <typename T> __device__ __forceinline__ T gemv_nt_entry(const T* part, int cols, int j) {
    T a = part[j];
#pragma unroll
    for (int g = 1; g < NW; g++) a += part[g * cols + j];
    return a;
}

// Whether the residuals take `gemv_nt`: f64 with G in shared memory (the one-block kernels:
// with G in global memory, the two-block kernels', run 1 of session 33 measured +0.4 % cycles
// at batch 2048), and its partial sums fit the product scratch (`Blk::scr`, 8·max(n, p)
// values: NW ≤ 8).
template <typename T, bool X2> __device__ __forceinline__ constexpr bool fused_nt() {
    return sizeof(T) == 8 && !X2 && NW <= 8;
}

// y_r[i] = Σ_j M[i·ldm + j] x_r[j] for i < rows, r < NR (vectors r at stride V). A warp
// per row; sums in double. f64: `gemv_n_rows`, 8/NR rows per pass with M in shared memory,
// GL_ROWS/NR with M in global memory (GL, the two-block kernel's G); f32: two rows per pass.
template <typename T, int NR, bool GL = false>
__device__ __forceinline__ void gemv_n(T* y, const T* M, int ldm, const T* x, int rows, int cols, int V) {
    if constexpr (sizeof(T) == 8) {
        gemv_n_rows<T, NR, (GL ? GL_ROWS : 8) / NR, false, GL>(y, M, ldm, x, rows, cols, V);
        return;
    }
    static_assert(sizeof(T) == 8 || !GL, "M in global memory only in the f64 two-block kernel");
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int i0 = w; i0 < rows; i0 += 2 * NW) {
        const int i1 = i0 + NW;
        const bool two = i1 < rows;
        double a0[NR], a1[NR];
#pragma unroll
        for (int r = 0; r < NR; r++) a0[r] = a1[r] = 0.0;
        // Pointers stepped by 32 (int offsets, no 64-bit index products).
        const T* p0 = M + i0 * ldm + l;
        const T* p1 = M + (two ? i1 : i0) * ldm + l;
        const T* xp = x + l;
#pragma unroll 2
        for (int j = l; j < cols; j += 32, p0 += 32, p1 += 32, xp += 32) {
            const double m0 = *p0, m1 = *p1;
#pragma unroll
            for (int r = 0; r < NR; r++) {
                const double xv = xp[r * V];
                a0[r] += m0 * xv;
                a1[r] += m1 * xv;
            }
        }
        double v[2 * NR];
#pragma unroll
        for (int r = 0; r < NR; r++) {
            v[r] = a0[r];
            v[NR + r] = a1[r];
        }
        store_pair<T, NR>(y, V, i0, i1, two, reduce_scatter<2 * NR>(v));
    }
}

// y_r[j] = Σ_i M[i·ldm + j] x_r[i] for j < cols (Mᵀx). Threads split the rows in P groups
// and combine through `scratch` (P·NR·cols values); ends with a barrier. Returns 1, or with
// `defer` (NR = 1, accumulate = false) P, and for P > 1 leaves the combination of the
// partial sums to the reader (`gemv_t_entry`): one pass and one barrier fewer.
// GL (M in global memory, the two-block kernel's G): sixteen rows' loads issued before their
// sums (the same sums in the same order), so that a thread waits for one round trip to L2
// per sixteen rows, not per four.
template <typename T, int NR, bool GL = false>
__device__ __forceinline__ int gemv_t(T* y, const T* M, int ldm, const T* x, int rows, int cols, int V,
                       T* scratch, bool accumulate, bool defer = false) {
    // P row groups (1 … 4), so that P·cols threads work; no integer division.
    const int P = 4 * cols <= NT ? 4 : 3 * cols <= NT ? 3 : 2 * cols <= NT ? 2 : 1;
    const int chunk = P == 1 ? rows : P == 2 ? (rows + 1) >> 1 : P == 3 ? (rows + 2) / 3 : (rows + 3) >> 2;
    for (int t = threadIdx.x; t < P * cols; t += NT) {
        int g = 0, j = t;
        while (j >= cols) {
            j -= cols;
            g++;
        }
        const int i0 = g * chunk, i1 = min(rows, i0 + chunk);
        double acc[NR], acc2[NR];
#pragma unroll
        for (int r = 0; r < NR; r++) acc[r] = acc2[r] = 0.0;
        int i = i0;
        const T* mp = M + i0 * ldm + j;
        const T* xp = x + i0;
        if constexpr (GL) {
            ROLLED for (; i + 15 < i1; i += 16, mp += 16 * ldm, xp += 16) {
                double a[16];
#pragma unroll
                for (int k = 0; k < 16; k++) a[k] = mp[k * ldm];
#pragma unroll
                for (int k = 0; k < 16; k += 2) {
#pragma unroll
                    for (int r = 0; r < NR; r++) {
                        acc[r] += a[k] * (double)xp[r * V + k];
                        acc2[r] += a[k + 1] * (double)xp[r * V + k + 1];
                    }
                }
            }
        }
#pragma unroll 2
        for (; i + 1 < i1; i += 2, mp += 2 * ldm, xp += 2) {
            const double a = mp[0], b = mp[ldm];
#pragma unroll
            for (int r = 0; r < NR; r++) {
                acc[r] += a * (double)xp[r * V];
                acc2[r] += b * (double)xp[r * V + 1];
            }
        }
        if (i < i1) {
            const double a = mp[0];
#pragma unroll
            for (int r = 0; r < NR; r++) acc[r] += a * (double)xp[r * V];
        }
#pragma unroll
        for (int r = 0; r < NR; r++) acc[r] += acc2[r];
        if (P == 1) {
#pragma unroll
            for (int r = 0; r < NR; r++)
                y[r * V + j] = (T)((accumulate ? (double)y[r * V + j] : 0.0) + acc[r]);
        } else {
#pragma unroll
            for (int r = 0; r < NR; r++) scratch[(g * NR + r) * cols + j] = (T)acc[r];
        }
    }
    __syncthreads();
    if (P > 1 && defer) return P;
    if (P > 1) {
        for (int t = threadIdx.x; t < NR * cols; t += NT) {
            int r = 0, j = t;
            while (j >= cols) {
                j -= cols;
                r++;
            }
            T a = accumulate ? y[r * V + j] : T(0);
            for (int g = 0; g < P; g++) a += scratch[(g * NR + r) * cols + j];
            y[r * V + j] = a;
        }
        __syncthreads();
    }
    return 1;
}

// Entry j of a deferred `gemv_t` (NR = 1, accumulate = false): y[j] when it combined (P = 1),
// else the sum of its P partial sums in `scratch`, in the order of its combine pass.
template <typename T>
__device__ __forceinline__ T gemv_t_entry(const T* y, const T* scratch, int P, int cols, int j) {
    if (P == 1) return y[j];
    T a = T(0);
    for (int g = 0; g < P; g++) a += scratch[g * cols + j];
    return a;
}

// `k0_mul` with RW rows per warp and pass (f64; see `gemv_n_rows`).
template <typename T, int NR, int RW>
__device__ __forceinline__ void k0_mul_rows(T* y, const T* K, int ld, const T* d0, const T* x, int N, int V) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    ROLLED for (int i0 = w; i0 < N; i0 += RW * NW) {
        double a[RW][NR];
        int ib[RW];
        T dg[RW];
#pragma unroll
        for (int q = 0; q < RW; q++) {
#pragma unroll
            for (int r = 0; r < NR; r++) a[q][r] = 0.0;
            const int iq = i0 + q * NW;
            ib[q] = iq < N ? iq : i0;  // rows ≥ N compute row i0 again, not stored
            dg[q] = d0[ib[q]];
        }
        // Chunk c: columns j = 32c + l (`gemv_n_rows`' chunks).
        const int nc = (N + 31) / 32;
#pragma unroll 2
        for (int c = 0; c < nc; c++) {
            const int j = l + 32 * c;
            if (j < N) {
                // Branch-free: the upper triangle's (i, j) or (j, i); the diagonal from d0.
                double m[RW];
#pragma unroll
                for (int q = 0; q < RW; q++) {
                    const int e = j > ib[q] ? ib[q] * ld + j : j * ld + ib[q];
                    const T kv = K[e];
                    m[q] = j == ib[q] ? dg[q] : kv;
                }
#pragma unroll
                for (int r = 0; r < NR; r++) {
                    const double xv = x[r * V + j];
#pragma unroll
                    for (int q = 0; q < RW; q++) a[q][r] += m[q] * xv;
                }
            }
        }
        reduce_store_rows<T, NR, RW>(y, V, i0, N, a);
    }
}

// y_r = S x_r with S = [Q, Aᵀ; A, 0] held in the strict upper triangle of K (row-major,
// leading dimension ld) and the diagonal `d0` (Q's diagonal, then zeros). With N = n it is
// y = Q x. f64: `k0_mul_rows`, 8/NR rows per warp and pass; f32: two.
template <typename T, int NR>
__device__ __forceinline__ void k0_mul(T* y, const T* K, int ld, const T* d0, const T* x, int N, int V) {
    if constexpr (sizeof(T) == 8) {
        k0_mul_rows<T, NR, 8 / NR>(y, K, ld, d0, x, N, V);
        return;
    }
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    for (int i0 = w; i0 < N; i0 += 2 * NW) {
        const int i1 = i0 + NW;
        const bool two = i1 < N;
        const int ib = two ? i1 : i0;
        double a0[NR], a1[NR];
#pragma unroll
        for (int r = 0; r < NR; r++) a0[r] = a1[r] = 0.0;
        const T dg0 = d0[i0], dg1 = d0[ib];
        for (int j = l; j < N; j += 32) {
            // Branch-free: the upper triangle's (i, j) or (j, i); the diagonal from d0.
            const int e0 = j > i0 ? i0 * ld + j : j * ld + i0;
            const int e1 = j > ib ? ib * ld + j : j * ld + ib;
            const T k0v = K[e0], k1v = K[e1];
            const double m0 = j == i0 ? dg0 : k0v;
            const double m1 = j == ib ? dg1 : k1v;
#pragma unroll
            for (int r = 0; r < NR; r++) {
                const double xv = x[r * V + j];
                a0[r] += m0 * xv;
                a1[r] += m1 * xv;
            }
        }
        double v[2 * NR];
#pragma unroll
        for (int r = 0; r < NR; r++) {
            v[r] = a0[r];
            v[NR + r] = a1[r];
        }
        store_pair<T, NR>(y, V, i0, i1, two, reduce_scatter<2 * NR>(v));
    }
}

// ---------------------------------------------------------------- LDLᵀ

// acc += xi·yjᵀ on a 4×4 register tile (the f32 `syrk`'s k step).
template <typename T>
__device__ __forceinline__ void tile_fma(T (&acc)[4][4], const T (&xi)[4], const T (&yj)[4]) {
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) acc[a][b] += xi[a] * yj[b];
}

// C −= s·acc for the tile at (i0, j0), entries of the lower triangle j ≤ i < R only.
template <typename T>
__device__ __forceinline__ void tile_store(T* C, int ldc, const T (&acc)[4][4], int i0, int j0, int R, T s) {
#pragma unroll
    for (int a = 0; a < 4; a++)
#pragma unroll
        for (int b = 0; b < 4; b++) {
            const int i = i0 + a, j = j0 + b;
            if (i < R && j <= i) C[i * ldc + j] -= s * acc[a][b];
        }
}

// C[i][j] −= s·Σ_k U[k][i] v_k U[k][j] on the lower triangle j ≤ i < R (as `syrk_dmma`):
// on the tensor cores in f64, in register tiles of 4×4 in f32 (which takes ldi = 1 only). It forms GᵀWG (s = −1) and
// the LDLᵀ's trailing updates (s = 1). With `kidx` (f64 only: polishing, which the f32 kernel
// does not do) k runs over the rows kidx[0 … kn − 1] (`syrk_dmma`'s IDX).
template <typename T, bool GL = false>
__device__ __forceinline__ void syrk(T* C, int ldc, const T* U, int ldu, int ldi, const T* v, int R, int kn, T s,
                                     const int* kidx = nullptr) {
    if constexpr (sizeof(T) == 8) {
        if (kidx != nullptr)
            syrk_dmma<GL, true>(C, ldc, U, ldu, ldi, v, R, kn, s, kidx);
        else
            syrk_dmma<GL>(C, ldc, U, ldu, ldi, v, R, kn, s);
        return;
    }
    const int nt = (R + 3) / 4, count = nt * (nt + 1) / 2;
    // Rows of U 16-byte aligned (block-uniform): each k step loads the tile's 4 + 4 entries
    // as two float4s. Lanes of a warp mostly share bi and take consecutive bj, so the scalar
    // loads of u[j0 + b] hit 8 banks (4-way conflicts); the float4 loads take 4 wavefronts.
    // Entries beyond R (at most 4·nt − 1 < the row's padded length) feed only accumulators
    // that are never stored.
    if (((reinterpret_cast<unsigned long long>(U) | (unsigned long long)ldu * sizeof(T)) & 15) == 0) {
        const int st = ldu / 4;
        for (int t = threadIdx.x; t < count; t += NT) {
            int bi, bj;
            tile_of(t, bi, bj);
            const int i0 = 4 * bi, j0 = 4 * bj;
            T acc[4][4] = {};
            const float4* ui = reinterpret_cast<const float4*>(U + i0);
            const float4* uj = reinterpret_cast<const float4*>(U + j0);
#pragma unroll 2
            for (int k = 0; k < kn; k++) {
                const float4 x4 = ui[k * st], y4 = uj[k * st];
                const T vk = v[k];
                const T xi[4] = {x4.x, x4.y, x4.z, x4.w};
                const T yj[4] = {y4.x * vk, y4.y * vk, y4.z * vk, y4.w * vk};
                tile_fma(acc, xi, yj);
            }
            tile_store(C, ldc, acc, i0, j0, R, s);
        }
        return;
    }
    for (int t = threadIdx.x; t < count; t += NT) {
        int bi, bj;
        tile_of(t, bi, bj);
        const int i0 = 4 * bi, j0 = 4 * bj;
        T acc[4][4] = {};
        for (int k = 0; k < kn; k++) {
            const T* u = U + (long long)k * ldu;
            const T vk = v[k];
            T xi[4], yj[4];
#pragma unroll
            for (int a = 0; a < 4; a++) {
                xi[a] = i0 + a < R ? u[i0 + a] : T(0);
                yj[a] = j0 + a < R ? u[j0 + a] * vk : T(0);
            }
            tile_fma(acc, xi, yj);
        }
        tile_store(C, ldc, acc, i0, j0, R, s);
    }
}

// 1/d within about an ulp, not always the correctly rounded quotient: the hardware's
// approximation and one Newton step with the cubic term (the correctly rounded reciprocal
// without its final correction step: two DFMAs and the slow-path test fewer on the pivots'
// dependency chain). Zero, subnormal and huge d give NaN or 0: the factorization regularizes
// such pivots and discards it.
__device__ __forceinline__ double rcp_faithful(double d) {
    double r;
    asm("rcp.approx.ftz.f64 %0, %1;" : "=d"(r) : "d"(d));
    double e = fma(-d, r, 1.0);
    e = fma(e, e, e);
    return fma(r, e, r);
}

// One 8×8 tile of `syrk_dmma`'s product, by one warp: C[i][j] −= Σ_k U[k][i] v_k U[k][j] for
// the tile's entries j ≤ i < R (rows 8·bi…, columns 8·bj…; s = 1, ldu = 1), with the same
// loads, the same products in the same k order and the same stores as `syrk_dmma` makes for
// that tile in any of its groups (an m8n8k4 product here, half of `dmma2`'s m16n8k4 there,
// which computes each of its tiles as m8n8k4 does), so the result is bit-identical to it.
__device__ __forceinline__ void dmma_tile_f64(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                              int kn, int bi, int bj) {
    const int l = threadIdx.x & 31, r4 = l >> 2, c4 = l & 3;
    double acc0 = 0.0, acc1 = 0.0;
    const int jc = min(8 * bj + r4, R - 1) * ldi, ic = min(8 * bi + r4, R - 1) * ldi;
    int k0 = 0;
    for (; k0 + 4 <= kn; k0 += 4) {
        const int k = k0 + c4;
        const double* u = U + k;
        const double b = u[jc] * v[k];
        dmma(acc0, acc1, u[ic], b);
    }
    if (k0 < kn) {
        const int k = k0 + c4;
        const bool kok = k < kn;
        const int kc = kok ? k : 0;
        const double* u = U + kc;
        const double bu = u[jc] * v[kc];
        const double b = kok ? bu : 0.0;
        dmma(acc0, acc1, u[ic], b);
    }
    const int i = 8 * bi + r4, j = 8 * bj + 2 * c4;
    if (i < R) {
        if (j <= i) C[i * ldc + j] -= 1.0 * acc0;
        if (j + 1 <= i) C[i * ldc + j + 1] -= 1.0 * acc1;
    }
}

// `syrk_dmma` (s = 1, ldu = 1) without tile (0, 0), by warps ww = 0 … nw − 1 (warp-uniform):
// the same groups of up to SG tiles of one tile column, except that tile column 0 starts at
// tile 1. Grouping changes nothing in a tile's arithmetic (each tile has its own
// accumulators, the same k order): bit-identical to `syrk_dmma` entry by entry.
__device__ __forceinline__ void syrk_dmma_rest(double* C, int ldc, const double* U, int ldi, const double* v, int R,
                                               int kn, int ww, int nw) {
    const int l = threadIdx.x & 31;
    const int nt = (R + 7) / 8;
    const int r4 = l >> 2, c4 = l & 3;
    // Column bj's tiles start at bj + (bj == 0) (`each_group`'s B0 = 1).
    each_group<1>(nt, ww, nw, [&](const int bj, const int bi0, const int tn) {
        const int jb = 8 * bj + r4;
        double acc[SG][2];
#pragma unroll
        for (int t = 0; t < SG; t++) acc[t][0] = acc[t][1] = 0.0;
        const int jc = min(jb, R - 1) * ldi;
        int ic[SG];
#pragma unroll
        for (int t = 0; t < SG; t++) ic[t] = min(8 * (bi0 + t) + r4, R - 1) * ldi;
        int k0 = 0;
        for (; k0 + 4 <= kn; k0 += 4) {
            const int k = k0 + c4;
            const double* u = U + k;
            const double b = u[jc] * v[k];
            dmma_group(acc, tn, b, [&](int t) { return u[ic[t]]; });
        }
        if (k0 < kn) {
            const int k = k0 + c4;
            const bool kok = k < kn;
            const int kc = kok ? k : 0;
            const double* u = U + kc;
            const double bu = u[jc] * v[kc];
            const double b = kok ? bu : 0.0;
            dmma_group(acc, tn, b, [&](int t) { return u[ic[t]]; });
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

// The w×w diagonal block at k0 factored by one warp in registers (session 8's chain): lane
// u < w holds row k0 + u in g; step t shuffles column t (final after step t − 1) to the warp
// and every lane subtracts its part, g[u] −= (g[t]/d_t)·c_u; the next pivot is lane t + 1's
// g[t + 1] before step t less step t's part, (c²)·(1/d_t); its reciprocal is formed while its
// regularization is tested. Stores D, 1/D and the block's strict lower triangle (C = L·D).
__device__ __forceinline__ void ldl_diag_f64(double* K, int ld, int k0, int w, int n, double* D, double* invD,
                                             double eps, double delta, double rdelta, int l) {
    constexpr int PW = NB64;
    double g[PW];
    const int gl = l < w ? l : -1;
#pragma unroll
    for (int t = 0; t < PW; t++) g[t] = t <= gl ? K[(k0 + l) * ld + k0 + t] : 0.0;
    double dn = K[k0 * ld + k0];  // the next pivot, unregularized
#pragma unroll
    for (int t = 0; t < PW; t++) {
        if (t >= w) break;  // block-uniform
        // d = ±delta when sgn·dn < eps (or NaN); 1/dn is formed before the test.
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
        double p = __shfl_sync(FULL, g[t + 1], t + 1);
        const double lg = g[t] * id;
#pragma unroll
        for (int u = t + 1; u < PW; u++) {
            const double c = __shfl_sync(FULL, g[t], u);
            g[u] -= lg * c;
            if (u == t + 1) p -= (c * c) * id;  // c² before id is known
        }
        dn = p;
    }
    // Column 0 of the block is not changed by it; entry l is the pivot (in D).
    if (l < w) {
#pragma unroll
        for (int u = 1; u < PW; u++)
            if (u < l) K[(k0 + l) * ld + k0 + u] = g[u];
    }
}

// f64 LDLᵀ with look-ahead (session 9, notes/gpu_s9_factor.md): the same arithmetic as session
// 8's `ldl_factor_f64` (bit-identical factor), rescheduled so that the serial pivot chain of
// panel k + 1 runs beside the tensor-core trailing update of panel k instead of after it.
// Panel k = columns k0…k1 (PW = NB64). Invariant at the top of step k: panel k's diagonal
// block is factored (D, 1/D, its strict lower triangle in K) and its rows below k1 have all
// earlier panels' updates. Step k:
// 1. every row i ≥ k1 (a thread per row, NT rows at a time) solves against the block: for t < w, cik = C[i][t]/d_t
//    and C[i][u] −= cik·C[k0+u][k0+t] for u > t (the operations session 8's rows did with
//    the shuffled column, here with broadcast loads of the stored block); barrier;
// 2. warp 0 updates the trailing matrix's diagonal tile (panel k + 1's diagonal block) and
//    factors that block (`ldl_diag_f64`, ≈ 8 dependent pivots), while warps 1…NW − 1 do the
//    rest of the trailing update (`syrk_dmma_rest`: panel k + 1's rows below its block
//    first, as tile column 0); barrier.
// Two barriers per panel, as before; the trailing update's tiles are the same DMMAs.
__device__ __forceinline__ void ldl_factor_f64(double* K, int ld, int N, int n, double* D, double* invD, double eps,
                                               double delta) {
    constexpr int PW = NB64;
    // The thread index through an opaque move (values derived from it are formed here, not
    // hoisted out of the iteration to stay live across it: fewer spills, session 8).
    int tid;
    asm volatile("mov.u32 %0, %%tid.x;" : "=r"(tid));
    const int l = tid & 31, wp = tid >> 5;
    const double rdelta = 1.0 / delta;
    if (wp == 0) ldl_diag_f64(K, ld, 0, min(N, PW), n, D, invD, eps, delta, rdelta, l);
    __syncthreads();
    for (int k0 = 0; k0 + PW < N; k0 += PW) {
        const int k1 = k0 + PW;
        // 1. Rows below the block, against the factored block (w = PW: k1 < N); a thread per
        // row, NT rows at a time (one round while N ≤ NT + PW: always at 256 threads; below
        // 256, the largest matrices that fit 227 KB of shared memory, N ≤ 139, take two).
        for (int i = k1 + tid; i < N; i += NT) {
            double a[PW];
#pragma unroll
            for (int t = 0; t < PW; t++) a[t] = K[i * ld + k0 + t];
#pragma unroll
            for (int t = 0; t < PW - 1; t++) {
                const double cik = a[t] * invD[k0 + t];
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * K[(k0 + u) * ld + k0 + t];
            }
#pragma unroll
            for (int u = 1; u < PW; u++) K[i * ld + k0 + u] = a[u];
        }
        __syncthreads();
        // 2. Trailing update K[i][j] −= Σ_k C[i][k] C[j][k] / D[k] over i ≥ j ≥ k1 (the tensor
        // cores read the panel's columns in place: U[k][i] = K[k1 + i][k0 + k]), its diagonal
        // tile and the next block's factorization by warp 0, the rest by the other warps.
        const int R = N - k1;
        if (wp == 0) {
            dmma_tile_f64(K + k1 * ld + k1, ld, K + k1 * ld + k0, ld, invD + k0, R, PW, 0, 0);
            __syncwarp();
            ldl_diag_f64(K, ld, k1, min(N - k1, PW), n, D, invD, eps, delta, rdelta, l);
        } else {
            syrk_dmma_rest(K + k1 * ld + k1, ld, K + k1 * ld + k0, ld, invD + k0, R, PW, wp - 1, NW - 1);
        }
        __syncthreads();
    }
}

// Blocked right-looking LDLᵀ of the lower triangle of K (N×N) with dynamic
// regularization (ALGORITHM §3): pivots k < n must be positive, k ≥ n negative; a pivot
// of the wrong sign or magnitude below eps becomes ±delta. On exit the strict lower
// triangle holds C = L·D (unscaled columns), D and 1/D are in the vectors. `Pt` is NB·N
// scratch (f32 only). Ends with a barrier. f64 takes `ldl_factor_f64` (the same arithmetic,
// two barriers per panel); the code below is the f32 path.
template <typename T>
__device__ __forceinline__ void ldl_factor(T* K, int ld, int N, int n, T* D, T* invD, T* Pt, T eps, T delta) {
    static_assert(sizeof(T) == 8 || NT >= 256, "the f32 panel takes a thread per row (N <= 256)");
    if constexpr (sizeof(T) == 8) {
        ldl_factor_f64(K, ld, N, n, D, invD, eps, delta);
        return;
    }
    constexpr int PW = sizeof(T) == 8 ? NB64 : NB;  // panel width
    for (int k0 = 0; k0 < N; k0 += PW) {
        const int k1 = min(N, k0 + PW);
        // Panel: columns k0..k1, one column at a time, a thread per row below k0 (N ≤ 256 ≤ NT)
        // that holds the row's panel entries in registers. Step t (column k = k0 + t): row
        // i > k subtracts column k's part from its later entries, reading column k of the
        // panel's rows (final since the step before; every thread reads the same addresses),
        // then stores its entry k + 1, now final, except row k + 1, whose entry k + 1 is the next
        // pivot: it regularizes and inverts it instead. No row loads or stores its own entries
        // during the panel (right-looking from shared memory: 2 loads and a store per entry and
        // step). The first pivot (updated by the trailing product) is read and inverted by
        // every thread.
        const int w = k1 - k0;
        const int i = k0 + 1 + threadIdx.x;
        const int ci = i < N ? min(i - k0, PW - 1) : -1;  // the row's last entry in the panel
        T a[PW];
#pragma unroll
        for (int t = 0; t < PW; t++) a[t] = t <= ci ? K[i * ld + k0 + t] : T(0);
        T id0;
        {
            T d = K[k0 * ld + k0];
            const T sgn = k0 < n ? T(1) : T(-1);
            if (!(sgn * d >= eps)) d = sgn * delta;
            id0 = T(1) / d;
            if (threadIdx.x == 0) {
                D[k0] = d;
                invD[k0] = id0;
            }
        }
#pragma unroll
        for (int t = 0; t < PW - 1; t++) {
            if (t >= w - 1) break;  // block-uniform
            const int k = k0 + t;
            const T id = t == 0 ? id0 : invD[k];
            if (t < ci) {  // i > k
                const T cik = a[t] * id;
                // Entries beyond the row's diagonal (u > ci) are updated with zeros and never
                // stored: no selects.
                T b[PW];
#pragma unroll
                for (int u = t + 1; u < PW; u++) b[u] = u <= ci ? K[(k0 + u) * ld + k] : T(0);
#pragma unroll
                for (int u = t + 1; u < PW; u++) a[u] -= cik * b[u];
                if (i == k + 1) {
                    T d = a[t + 1];
                    const T sgn = k + 1 < n ? T(1) : T(-1);
                    if (!(sgn * d >= eps)) d = sgn * delta;
                    D[k + 1] = d;
                    invD[k + 1] = T(1) / d;
                } else {
                    K[i * ld + k + 1] = a[t + 1];
                }
            }
            __syncthreads();
        }
        if (k1 >= N) {
            __syncthreads();
            break;
        }
        // Trailing update K[i][j] -= Σ_k C[i][k] C[j][k] / D[k] over i ≥ j ≥ k1.
        const int R = N - k1;
        if constexpr (sizeof(T) == 8) {
            // The tensor cores read the panel's columns in place: U[k][i] = K[k1 + i][k0 + k].
            syrk(K + k1 * ld + k1, ld, K + k1 * ld + k0, 1, ld, invD + k0, R, w, T(1));
        } else {
            // Pt 16-byte aligned (pointer arithmetic on shared memory), rows padded to R4 = 4⌈R/4⌉
            // so that the syrk loads float4s: w·R4 + 3 ≤ NB·N.
            const int R4 = (R + 3) & ~3;
            T* P4 = Pt + ((4 - (int)(Pt - reinterpret_cast<T*>(smem_raw))) & 3);
            // Warp kk copies column k0 + kk to Pt (no integer division; lanes read rows ld apart).
            for (int kk = threadIdx.x >> 5; kk < w; kk += NW)
                for (int i = threadIdx.x & 31; i < R; i += 32) P4[kk * R4 + i] = K[(k1 + i) * ld + k0 + kk];
            __syncthreads();
            syrk(K + k1 * ld + k1, ld, P4, R4, 1, invD + k0, R, w, T(1));
        }
        __syncthreads();
    }
}

// Inverts the diagonal 32×32 blocks of L in place: after `ldl_factor` the strict lower
// triangle holds C = L·D (unscaled columns); this replaces each diagonal block's part by
// X_bb = L_bb⁻¹ (unit lower, L = C·D⁻¹), keeping C in the off-diagonal blocks. The triangular
// solves then take 32 rows at a time (`ldl_solve_blocked`) instead of one.
// A warp per block. Ends with a barrier.
// - f64: a lane per column, in registers. Lane j computes column j by forward substitution,
//   X_ij = −Σ_{k<i} L_ik X_kj (X_jj = 1, X_ij = 0 for i < j), keeping y_k = D⁻¹_k X_kj so that
//   L_ik X_kj = C_ik y_k: at row i every lane reads the same C_ik (broadcast loads) and does i
//   FMAs, with no loads or stores of its own entries (session 7, notes/gpu_s6.md: −3.5 %
//   cycles per QP against the row-update scheme below). The loads go in chunks of 16 between
//   __syncwarp()s, which keeps the compiler from hoisting a whole row's loads (with them in
//   registers next to y the kernel spilled and the called triangular solve lost its load
//   registers); row i is stored after the first __syncwarp() of row i + 1, when every lane has
//   read it.
// - f32: a lane per row: L_bb = M_0 ⋯ M_{R−1} with M_k = I + l_k e_kᵀ, and step k applies
//   M_k⁻¹ to rows i > k (X_ij −= L_ik X_kj for j < k, X_ik = −L_ik); row k is final after
//   step k − 1. (The f64 scheme in f32 rounded differently and solved 2046 of 2048 random
//   QPs instead of 2048.)
// Row i of a diagonal block −= lik · row k over its first k entries (f32). Rows i and k
// differ; the restrict qualifiers say so, and the compiler issues the loads of later entries
// before the stores of earlier ones.
template <typename T>
__device__ __forceinline__ void inv_row_update(T* __restrict__ xi, const T* __restrict__ xk, const T lik,
                                               const int k) {
    int j = 0;
    for (; j + 3 < k; j += 4) {
        const T k0 = xk[j], k1 = xk[j + 1], k2 = xk[j + 2], k3 = xk[j + 3];
        const T x0 = xi[j], x1 = xi[j + 1], x2 = xi[j + 2], x3 = xi[j + 3];
        xi[j] = x0 - lik * k0;
        xi[j + 1] = x1 - lik * k1;
        xi[j + 2] = x2 - lik * k2;
        xi[j + 3] = x3 - lik * k3;
    }
    for (; j < k; j++) xi[j] -= lik * xk[j];
}

template <typename T>
__device__ __forceinline__ void ldl_invert_diag(T* K, int ld, const T* invD, int N) {
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    if constexpr (sizeof(T) == 8) {
        for (int b = w; 32 * b < N; b += NW) {
            const int o = 32 * b, R = min(32, N - o);
            T* Kb = K + o * ld + o;
            T y[32];
            T xp = T(0);  // X_{i−1,l}
#pragma unroll
            for (int i = 0; i < 32; i++) {
                if (i >= R) break;  // warp-uniform
                const T* ci = Kb + i * ld;
                T s = T(0);
#pragma unroll
                for (int k0 = 0; k0 < (i > 0 ? i : 1); k0 += 16) {
                    __syncwarp();
                    if (k0 == 0 && i > 0 && i - 1 > l) Kb[(i - 1) * ld + l] = xp;
#pragma unroll
                    for (int k = k0; k < k0 + 16 && k < i; k++) s += ci[k] * y[k];
                }
                xp = i == l ? T(1) : -s;
                y[i] = xp * invD[o + i];
            }
            __syncwarp();
            if (R - 1 > l) Kb[(R - 1) * ld + l] = xp;
        }
    } else {
        for (int b = w; 32 * b < N; b += NW) {
            const int o = 32 * b, R = min(32, N - o);
            T* xi = K + (o + (l < R ? l : 0)) * ld + o;
            for (int k = 0; k + 1 < R; k++) {
                if (l > k && l < R) {
                    const T lik = xi[k] * invD[o + k];
                    inv_row_update<T>(xi, K + (o + k) * ld + o, lik, k);
                    xi[k] = -lik;
                }
                __syncwarp();
            }
        }
    }
    __syncthreads();
}

// The triangular solves of the reduced solve (ALGORITHM §3 "solve", 1) after
// `ldl_invert_diag`, 32 rows at a time, by the whole block (`ldl_solve_blocked`).

// A solution entry as the solve stores it (X = T: the value itself). f32 solves on a double
// copy of x (X = double) and rounds each finished entry u_i (forward) and x_i (backward) to
// f32, as the earlier one-warp f32 solve stored them in x: the later blocks then read the
// same values as before, and only the order of the double sums differs. (Keeping them in
// double instead solved 2042 of 2048 random QPs, not 2048: session 8, notes/gpu_s6.md.)
template <typename T, typename X>
__device__ __forceinline__ X solve_store(double v) {
    if constexpr (sizeof(X) > sizeof(T)) return (X)(T)v;
    return (X)v;
}

// Lanes per row (forward) or column (backward) of a diagonal block's step in
// `ldl_solve_blocked`: the block's warps shared out among the NR right-hand sides, at most 8.
template <int NR> __device__ constexpr int solve_lanes() {
    return NW / NR >= 8 ? 8 : NW / NR >= 4 ? 4 : NW / NR >= 2 ? 2 : 1;
}

// Forward step inside diagonal block o (R ≤ 32 rows) for one right-hand side x (its block's
// entries hold the right-hand side, the finished blocks already subtracted), by the PL warps
// of that right-hand side: thread lt of them takes row i = lt/PL of y = X_bb·x_b, its part
// q = lt mod PL summing the columns j ≡ q (mod PL), j < i, with independent loads, combined by
// shuffles; u = D⁻¹y goes to s (32 entries), not to x, which the other parts still read.
template <typename T, typename X, int PL>
__device__ __forceinline__ void ldl_block_forward(const T* K, int ld, const T* invD, int o, int R, const X* x,
                                                  double* s, int lt) {
    const int i = lt / PL, q = lt % PL;
    const bool in = i < R;
    const int iend = in ? i : 0;  // the row's terms: j < i (none for rows beyond the block)
    const T* xi = K + (o + (in ? i : 0)) * ld + o;
    const X* xo = x + o;
    double y0 = in && q == 0 ? (double)x[o + i] : 0.0, y1 = 0.0;
    // A fixed count of terms per lane, each load and product predicated (no loop whose trip
    // count varies by lane: every load is issued before the sums).
#pragma unroll
    for (int k = 0; k < 32 / PL; k++) {
        const int j = q + k * PL;
        if (j < iend) {
            if (k & 1)
                y1 += xi[j] * xo[j];
            else
                y0 += xi[j] * xo[j];
        }
    }
    const double y = warp_sum<PL>(y0 + y1);
    if (in && q == 0) s[i] = solve_store<T, X>(y * invD[o + i]);
}

// Backward step inside diagonal block o for one right-hand side: xb holds the block's
// right-hand side (the later blocks already subtracted), s ← X_bbᵀ xb, thread lt taking
// column c = lt/PL, its part q the rows c + 1 + q, c + 1 + q + PL, …
template <typename T, typename X, int PL>
__device__ __forceinline__ void ldl_block_backward(const T* K, int ld, int o, int R, const X* xb, double* s,
                                                   int lt) {
    const int c = lt / PL, q = lt % PL;
    const bool in = c < R;
    const T* kc = K + o * ld + o + (in ? c : 0);
    double y0 = in && q == 0 ? (double)xb[c] : 0.0, y1 = 0.0;
#pragma unroll
    for (int k = 0; k < 32 / PL; k++) {
        const int ii = c + 1 + q + k * PL;  // ≥ R for columns beyond the block
        if (ii < R) {
            if (k & 1)
                y1 += kc[ii * ld] * xb[ii];
            else
                y0 += kc[ii * ld] * xb[ii];
        }
    }
    const double y = warp_sum<PL>(y0 + y1);  // every lane shuffles, before the test
    if (in && q == 0) s[c] = solve_store<T, X>(y);
}

// f64: x_r ← (L D Lᵀ)⁻¹ x_r for the NR right-hand sides x, x + V, … by the whole block: for
// each block of 32 rows, the block's diagonal step (PL = `solve_lanes` warps per right-hand
// side, a row split over PL lanes: session 31; before, one warp per right-hand side, a lane
// per row, while the other warps waited at the barrier), then all warps subtract the finished
// block from the rest (right-looking), so that the long dot products with the finished rows
// are no longer one lane's serial chain (session 5, notes/gpu_s4.md). Each of those sums is
// split over 32/W lanes of one warp (W rows or columns per warp, the smallest of 8, 16, 32
// that covers the rest in one pass) and combined by shuffles. Forward: L y = x with u = D⁻¹y
// (L_ij y_j = C_ij u_j); backward: Lᵀx = u. A diagonal step writes its block's values to the
// scratch `sc` (2·32 doubles per right-hand side: forward, backward), from which the next
// pass reads them and copies them into x; two barriers per block and direction; ends with a
// barrier.
// f32 (session 8, notes/gpu_s6.md): x is a double copy (X = double), so that the partial sums
// of the right-looking updates stay in double (in x of type f32 they were rounded to f32 per
// block and lost accuracy, session 5); entries are rounded to f32 once final (`solve_store`).
// It replaced a solve by one warp per right-hand side (a serial chain of shuffles per block):
// −15 % f32 cycles per QP. X2: a copy of its own for the two-block kernel (a called function
// is compiled within the register limit of all its callers: one copy would have held the
// one-block kernel's solves to 128 registers).
template <typename T, int NR, typename X = T, bool X2 = false>
__device__ __noinline__ void ldl_solve_blocked(const T* K, int ld, const T* invD, int N, X* x, int V, double* sc) {
    static_assert(sizeof(X) == 8, "the solve's sums and scratch are in double");
#ifdef OPTNET_DIMS
    // A called function: the constants of its callers do not reach it (f64 only, where x is a
    // slot of stride V; f32's double copy has stride N).
    if constexpr (sizeof(X) == sizeof(T)) {
        ld = OPTNET_DIM_LD;
        N = OPTNET_DIM_NN;
        V = OPTNET_DIM_V;
    }
#endif
    constexpr int PL = solve_lanes<NR>();
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    // The diagonal steps' threads: right-hand side rd, thread lt of its PL warps.
    const bool dg = w < NR * PL;
    const int rd = w / PL, lt = (w % PL) * 32 + l;
    // Threads that copy a finished block from the scratch into x: right-hand side w, row l.
    const bool cp = w < NR;
    const int nb = (N + 31) / 32;
    BLOCKS_UNROLLED
    for (int b = 0; b < nb; b++) {
        const int o = 32 * b;
        if (dg) ldl_block_forward<T, X, PL>(K, ld, invD, o, min(32, N - o), x + rd * V, sc + rd * 64, lt);
        __syncthreads();
        const int rest = N - o - 32;  // rows after the block (the block is full when rest > 0)
        if (rest <= 0) continue;      // the last block's u stays in the scratch for the backward pass
        if (cp) x[w * V + o + l] = sc[w * 64 + l];
        // Rows i ≥ o + 32: x_i −= Σ_j C_ij u_j over the block's 32 columns, lane (ri, part) of a
        // warp summing columns part·W … part·W + W − 1 of row i0 + ri.
        const int W = rest <= 8 * NW ? 8 : rest <= 16 * NW ? 16 : 32;
        const int ri = l & (W - 1), part = l / W;
        for (int i0 = o + 32 + W * w; i0 < N; i0 += W * NW) {
            const int i = min(i0 + ri, N - 1);
            const T* ci = K + i * ld + o + part * W;
            const double* u = sc + part * W;
            double a0[NR], a1[NR];
#pragma unroll
            for (int r = 0; r < NR; r++) a0[r] = a1[r] = 0.0;
            for (int j = 0; j < W; j += 2) {
                const double c0 = ci[j], c1 = ci[j + 1];
#pragma unroll
                for (int r = 0; r < NR; r++) {
                    a0[r] += c0 * u[r * 64 + j];
                    a1[r] += c1 * u[r * 64 + j + 1];
                }
            }
#pragma unroll
            for (int r = 0; r < NR; r++) {
                double a = a0[r] + a1[r];
                for (int d = 16; d >= W; d >>= 1) a += __shfl_xor_sync(FULL, a, d);
                if (part == 0 && i0 + ri < N) x[r * V + i] -= a;
            }
        }
        __syncthreads();
    }
    BLOCKS_UNROLLED
    for (int b = nb - 1; b >= 0; b--) {
        const int o = 32 * b, R = min(32, N - o);
        // The last block's right-hand side is the forward pass's u in the scratch.
        if (dg)
            ldl_block_backward<T, X, PL>(K, ld, o, R, b == nb - 1 ? sc + rd * 64 : x + rd * V + o,
                                         sc + rd * 64 + 32, lt);
        __syncthreads();
        if (cp && l < R) x[w * V + o + l] = sc[w * 64 + 32 + l];
        if (o == 0) break;
        // Columns c < o: x_c −= D⁻¹_c Σ_i C_ic x_i over the block's R rows, lane (cc, part)
        // of a warp summing rows part·W … part·W + W − 1 of column c0 + cc.
        const int W = o <= 8 * NW ? 8 : o <= 16 * NW ? 16 : 32;
        const int cc = l & (W - 1), part = l / W;
        const int i1 = min(R, part * W + W);
        const double* xb = sc + 32;
        for (int c0 = W * w; c0 < o; c0 += W * NW) {
            const int c = c0 + cc;  // < o: W divides 32, which divides o
            double a0[NR], a1[NR];
#pragma unroll
            for (int r = 0; r < NR; r++) a0[r] = a1[r] = 0.0;
            int ii = part * W;
            for (; ii + 1 < i1; ii += 2) {
                const double k0 = K[(o + ii) * ld + c], k1 = K[(o + ii + 1) * ld + c];
#pragma unroll
                for (int r = 0; r < NR; r++) {
                    a0[r] += k0 * xb[r * 64 + ii];
                    a1[r] += k1 * xb[r * 64 + ii + 1];
                }
            }
            if (ii < i1) {
                const double k0 = K[(o + ii) * ld + c];
#pragma unroll
                for (int r = 0; r < NR; r++) a0[r] += k0 * xb[r * 64 + ii];
            }
            const double id = invD[c];
#pragma unroll
            for (int r = 0; r < NR; r++) {
                double a = a0[r] + a1[r];
                for (int d = 16; d >= W; d >>= 1) a += __shfl_xor_sync(FULL, a, d);
                if (part == 0) x[r * V + c] -= a * id;
            }
        }
        __syncthreads();
    }
    __syncthreads();
}

// ---------------------------------------------------------------- per-block context

// Vector slots (each V long).
enum {
    S_Z = 0, S_NU, S_LAM, S_S, S_W, S_QZ, S_RX, S_REQ, S_RIN, S_D, S_INVD, S_D0,
    S_X0, S_X1,    // solutions (Δz; Δν) of the right-hand sides 0 and 1
    S_L0, S_L1,    // Δλ of the right-hand sides 0 and 1
    S_B0, S_B1,    // reduced right-hand sides
    S_E0, S_E1,    // refinement residuals and corrections
    S_I0, S_I1,    // r_in parts of the right-hand sides
    S_DUAL,        // Aᵀν + Gᵀλ
    S_AZ, S_GZ,    // A z, G z
    S_Q, S_BV, S_H,
    S_DSA, S_DLA,  // affine Δs, Δλ
    S_T0, S_T1,    // scratch (p)
    S_F0, S_F1,    // refinement residuals [e_x; e_eq] (N)
    S_FI0, S_FI1,  // refinement residuals e_in (p)
    S_GL0, S_GL1,  // Gᵀλ (n)
    S_GZ0, S_GZ1,  // G z (p)
    S_CL0, S_CL1,  // refinement corrections of Δλ (p)
    S_U,           // d_s/λ of the corrector (p)
    S_ZB, S_NUB, S_LAMB, S_SB, S_QZB,  // last iterate that met the reduced tolerances
    S_WR,          // f64: W regularized, w/(1 + εw) ≤ 1/ε, for the reduced matrix and solves
                   // (S_W, λ/s, for the full system of the refinement), as the CPU (ALGORITHM §3)
};

// The slots the two-block layout (`Blk<T, true>`) keeps in global memory (X2_NGLOBAL of
// them, as `NVEC_GLOBAL` in mod.rs): those read and written only by the O(n) passes of an
// iteration (the data q, b, h, the residuals and products of step 1, the corrector's d_s/λ)
// or rarely (the kept iterate), none that the refinement or the backward pass touches.
#define X2_NGLOBAL 16
#define SLOT_BIT(s) (1ull << (s))
constexpr unsigned long long X2_GLOBAL =
    SLOT_BIT(S_Q) | SLOT_BIT(S_BV) | SLOT_BIT(S_H) | SLOT_BIT(S_RX) | SLOT_BIT(S_REQ) | SLOT_BIT(S_RIN) |
    SLOT_BIT(S_DUAL) | SLOT_BIT(S_AZ) | SLOT_BIT(S_GZ) | SLOT_BIT(S_QZ) | SLOT_BIT(S_ZB) | SLOT_BIT(S_NUB) |
    SLOT_BIT(S_LAMB) | SLOT_BIT(S_SB) | SLOT_BIT(S_QZB) | SLOT_BIT(S_U);
static_assert(S_WR + 1 == NVEC, "NVEC counts the slots");
__device__ constexpr int bits(unsigned long long x) { return x == 0 ? 0 : (int)(x & 1) + bits(x >> 1); }
static_assert(bits(X2_GLOBAL) == X2_NGLOBAL, "X2_NGLOBAL counts the slots of X2_GLOBAL");

// X2: the two-blocks-per-multiprocessor layout of the f64 kernel (`pdipm2_f64`): G read from
// global memory, no panel scratch (f64 does not use it), and the vector slots of `X2_GLOBAL`
// in global memory (`gvec`), so that the block's shared memory is at most half the
// multiprocessor's.
template <typename T, bool X2 = false>
struct Blk {
    const Params* P;
    bool gsm;  // G is in shared memory (Layout::g_smem)
#ifdef OPTNET_DIMS
    static constexpr int n = OPTNET_DIM_N, m = OPTNET_DIM_M, p = OPTNET_DIM_P, N = OPTNET_DIM_NN,
                         ld = OPTNET_DIM_LD, V = OPTNET_DIM_V;
#else
    int n, m, p, N, ld, V;
#endif
    const T *Q, *q, *A, *b, *G, *h;  // this example's data (G in shared memory if it fits)
    T *K, *Pt, *vec, *red, *scr;
    T* gvec;   // X2: this example's slots in global memory (`X2_GLOBAL`)
    int goff;  // G's offset in shared memory (elements), when it is there
    int nref;  // refinement steps taken (profiling)
    T boost;   // the regularization's factor (1, or 100^k after k safeguard retries)
    long long sub[4];  // cycles in the solves (thread 0): G products, triangular solves, residuals, updates
    // V goes through an opaque move, so that the compiler recomputes slot·V at each use instead
    // of hoisting the slots' addresses out of the loops and keeping dozens of them live through
    // the whole iteration: a called function (the triangular solve) gets only the registers
    // that are not live at its call sites, and with those addresses live its dot products had
    // 2–3 registers for loads, each load waiting for the FMA before it (session 6,
    // notes/gpu_s6.md: 17–20 load registers with this, −3 % cycles per QP).
    // X2: a slot of `X2_GLOBAL` is in `gvec`, the others in shared memory without the gaps
    // (slot is a constant wherever this is inlined, so the choice folds away).
    // A specialized module (OPTNET_DIMS) keeps the opaque move too: with V a constant there the
    // one-block kernel spilled (184 bytes of spill loads) and took 3–4 % longer at batches 1
    // and 128 than with it (session 26, run 1).
    __device__ T* v(int slot) const {
        int vo;
        asm volatile("mov.b32 %0, %1;" : "=r"(vo) : "r"(V));
        if constexpr (X2) {
            const int below = __popcll(X2_GLOBAL & ((1ull << slot) - 1));
            if ((X2_GLOBAL >> slot) & 1) return gvec + below * vo;
            return vec + (slot - below) * vo;
        }
        return vec + slot * vo;
    }
    // Ruiz equilibration (ruiz.cu, `Params::scal`): this example's scalings D (n), E (m + p,
    // equalities first), c, and their reciprocals 1/(c·D), 1/E, 1/c. The iteration works on
    // the scaled data; its termination test measures the residuals in the original units,
    // multiplying by the reciprocals (an f64 division is a subroutine: with ten per entry in
    // step 1, 3 % more time at n = 100, notes/s18.md). Each is exactly 1 when the data are not
    // scaled, so an unscaled solve's arithmetic is unchanged.
    __device__ T sc_at(int k) const {
        const T* s = reinterpret_cast<const T*>(P->scal);
        return s != nullptr ? s[(long long)blockIdx.x * 2 * (n + m + p + 1) + k] : T(1);
    }
    __device__ T d_of(int j) const { return sc_at(j); }
    __device__ T e_of(int r) const { return sc_at(n + r); }
    __device__ T c_of() const { return sc_at(n + m + p); }
    __device__ T idc_of(int j) const { return sc_at(n + m + p + 1 + j); }
    __device__ T ie_of(int r) const { return sc_at(2 * n + m + p + 1 + r); }
    __device__ T ic_of() const { return sc_at(2 * (n + m + p) + 1); }
    // G through a pointer the compiler sees as shared memory (shared-memory loads with 32-bit
    // addresses instead of generic ones); only when gsm.
    __device__ const T* Gs() const { return reinterpret_cast<const T*>(smem_raw) + goff; }
};

// Whether the kernel follows the CPU's method (session 7, notes/gpu_s7.md), as the f64 kernel
// does: steps 5 and 7 solved as bordered systems (`bordered_solve`, ALGORITHM §4) with W
// regularized in the reduced system (S_WR), the centred start τ = κ = √μ₀, and the
// regularization safeguard. The f32 kernel keeps the method before: d₂ and the affine
// direction refined as one two-column `kkt_solve`, Δτ eliminated after, the reduced system on
// W = λ/s, τ = κ = 1 and no safeguard. Measured in f32 on the bench's QPs: the bordered scheme
// solved 1473 of 2048, the regularized W alone 2047 of 2048 (before: 2048); with the centred
// start and the safeguard as well 844 of 2048 ended `AlmostSolved` and 6 unsolved (709 and 4).
template <typename T> __device__ __forceinline__ constexpr bool cpu_method() { return sizeof(T) == 8; }

// The slot of W in the reduced matrix and solves: S_WR, W regularized (`regularize_w`: f64, and
// the f32 kernel's backward pass) or W itself (the f32 kernel's iteration).
template <typename T> __device__ __forceinline__ constexpr int w_reduced() { return S_WR; }

// ε, the static regularization of K and W: the settings' times the example's cost scaling c
// (1 without equilibration; since session 30, as the CPU's `KktParams::for_cost`: the scaled
// Hessian is c·DQD, and a fixed ε, ε/c relative to it, stalled a late active bound on
// Maros–Meszaros QBEACONF), boosted by the safeguard.
template <typename T, bool X2>
__device__ __forceinline__ T static_eps(const Blk<T, X2>& B) {
    return (T)B.P->static_reg * B.c_of() * B.boost;
}

// w regularized as w/(1 + εw) ≤ 1/ε, ε = `static_eps`.
template <typename T> __device__ __forceinline__ T regularized(T eps, T w) { return w / (T(1) + eps * w); }

// S_WR from S_W (p entries; no barrier): regularized (`reg`: always in f64, and in f32 for the
// backward pass's factorization), else W itself (the f32 kernel's iteration, its method).
// Until session 33 the f32 kernel factored the backward pass's K at W = λ/s itself, up to 8e7
// on `f32_solutions_and_gradients_match_f64`'s solutions: in f32 those factors held infinities
// (an entry of 1/D exactly 0) for four of its six examples, whose gradients came out NaN.
template <typename T, bool X2>
__device__ __forceinline__ void regularize_w(Blk<T, X2>& B, bool reg = cpu_method<T>()) {
    const T eps = static_eps(B);
    for (int i = threadIdx.x; i < B.p; i += NT) B.v(S_WR)[i] = reg ? regularized(eps, B.v(S_W)[i]) : B.v(S_W)[i];
}

// Lower triangle of K ← [Q + GᵀWG + εI, ·; A, −εI] (W from `w_reduced`), factored next. Q
// is read from the strict upper triangle of K and S_D0, where `load_q` put it once; with
// `set` (polishing, f64) GᵀWG sums the rows on the set S_T1 only. Ends with a barrier.
template <typename T, bool X2>
__device__ __forceinline__ void assemble(Blk<T, X2>& B, bool set = false) {
    const int n = B.n, m = B.m, N = B.N, ld = B.ld;
    T* K = B.K;
    const T* d0 = B.v(S_D0);
    // Q's lower triangle from K0's upper one, d0 on the diagonal: a warp per row, rows i and
    // i + NW together, each lane's loads of four 32-column chunks of both rows issued before its
    // stores (a loop of a load and a store per chunk waited on each load in turn).
    {
        const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
        for (int i = w; i < n; i += 2 * NW) {
            const int i2 = i + NW;
            for (int c0 = 0; 32 * c0 <= max(i, i2 < n ? i2 : 0); c0 += 4) {
                T v[2][4];
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int j = l + 32 * (c0 + c);
                    v[0][c] = j < i ? K[j * ld + i] : d0[i];
                    v[1][c] = j < i2 && i2 < n ? K[j * ld + i2] : d0[i2 < n ? i2 : i];
                }
#pragma unroll
                for (int c = 0; c < 4; c++) {
                    const int j = l + 32 * (c0 + c);
                    if (j <= i) K[i * ld + j] = v[0][c];
                    if (i2 < n && j <= i2) K[i2 * ld + j] = v[1][c];
                }
            }
        }
    }
    for (int e = threadIdx.x; e < m * n; e += NT) {
        const int r = e / n, j = e - r * n;
        K[(n + r) * ld + j] = B.A[(long long)r * n + j];
    }
    for (int e = threadIdx.x; e < m * m; e += NT) {
        const int r = e / m, c = e - r * m;
        if (c <= r) K[(n + r) * ld + n + c] = T(0);
    }
    // Polishing (`set`): the rows on its set S_T1 only, listed in increasing order in the
    // scratch (their count first), as the CPU's `Kkt::factor_rows`: W_INACTIVE (1e-30) off it
    // adds nothing above rounding, and about half the constraints are on it.
    int kn = B.p;
    const int* kidx = nullptr;
    if constexpr (sizeof(T) == 8) {
        if (set && B.p > 0) {
            int* list = reinterpret_cast<int*>(B.scr);
            if (threadIdx.x < 32) {
                const int l = threadIdx.x;
                int count = 0;
                for (int base = 0; base < B.p; base += 32) {
                    const bool on = base + l < B.p && B.v(S_T1)[base + l] != T(0);
                    const unsigned mask = __ballot_sync(FULL, on);
                    if (on) list[1 + count + __popc(mask & ((1u << l) - 1u))] = base + l;
                    count += __popc(mask);
                }
                if (l == 0) list[0] = count;
            }
            __syncthreads();
            kn = list[0];
            kidx = list + 1;
        }
    }
    // The copies above before the product reads and updates those entries from other warps
    // (compute-sanitizer racecheck, session 28: without this barrier a tile's update could
    // read an entry of Q before the warp copying it had written it).
    __syncthreads();
    if (kn > 0) {  // K += GᵀWG
        const T* v = B.v(w_reduced<T>());
        if (B.gsm)
            syrk(K, ld, B.Gs(), n, 1, v, n, kn, T(-1), kidx);
        else
            syrk<T, X2>(K, ld, B.G, n, 1, v, n, kn, T(-1), kidx);
    }
    __syncthreads();
    const T eps = static_eps(B);
    for (int i = threadIdx.x; i < N; i += NT) K[i * ld + i] += i < n ? eps : -eps;
    __syncthreads();
}

// Once per solve: Q into the strict upper triangle of K and S_D0 (which `assemble` and the
// products with [Q, Aᵀ; A, 0] read), Aᵀ into the upper (1,2) block, zeros in the upper
// (2,2) block. Returns max |Q_ij| (block-reduced). Ends with a barrier. UPPER = false: Q's
// diagonal into S_D0 only, and its max |Q_ii| (the backward pass, whose K in `fac` holds the
// forward pass's upper triangle).
// With `Params::q_unscaled` (a batch sharing Q, A and G, equilibrated) Q̃ᵢⱼ = Qᵢⱼ·((c·Dᵢ)·Dⱼ)
// here, the product ruiz.cu and the CPU's `equilibrate::apply` form.
template <typename T, bool X2, bool UPPER = true>
__device__ T load_q(Blk<T, X2>& B) {
    const int n = B.n, m = B.m, N = B.N, ld = B.ld;
    const bool unscaled = B.P->q_unscaled != 0;
    T mx = T(0);
    if constexpr (UPPER && X2) {
        for (int e = threadIdx.x; e < n * n; e += NT) {
            const int i = e / n, j = e - i * n;
            const T a = unscaled ? B.Q[e] * ((B.c_of() * B.d_of(i)) * B.d_of(j)) : B.Q[e];
            if (j > i) B.K[i * ld + j] = a;
            if (j == i) B.v(S_D0)[i] = a;
            mx = tmax(mx, tabs(a));
        }
    } else if constexpr (UPPER) {
        each_loaded(B.Q, n * n, [&](int e, T a) {
            const int i = e / n, j = e - i * n;
            if (unscaled) a *= (B.c_of() * B.d_of(i)) * B.d_of(j);
            if (j > i) B.K[i * ld + j] = a;
            if (j == i) B.v(S_D0)[i] = a;
            mx = tmax(mx, tabs(a));
        });
    } else {
        for (int i = threadIdx.x; i < n; i += NT) {
            T a = B.Q[(long long)i * n + i];
            if (unscaled) a *= (B.c_of() * B.d_of(i)) * B.d_of(i);
            B.v(S_D0)[i] = a;
            mx = tmax(mx, tabs(a));
        }
    }
    for (int i = n + threadIdx.x; i < N; i += NT) B.v(S_D0)[i] = T(0);
    if constexpr (UPPER) {
        if constexpr (X2) {
            for (int e = threadIdx.x; e < m * n; e += NT) {
                const int r = e / n, j = e - r * n;
                B.K[j * ld + n + r] = B.A[(long long)r * n + j];
            }
        } else {
            each_loaded(B.A, m * n, [&](int e, T a) {
                const int r = e / n, j = e - r * n;
                B.K[j * ld + n + r] = a;
            });
        }
        for (int e = threadIdx.x; e < m * m; e += NT) {
            const int r = e / m, c = e - r * m;
            if (c > r) B.K[(n + r) * ld + n + c] = T(0);
        }
    }
    __syncthreads();
    T s0[1] = {T(0)}, m0[1] = {mx};
    block_reduce<T, 1, 1>(s0, m0, B.red);
    return m0[0];
}

template <typename T, bool X2>
__device__ void factor(Blk<T, X2>& B) {
    ldl_factor(B.K, B.ld, B.N, B.n, B.v(S_D), B.v(S_INVD), B.Pt, (T)B.P->dyn_eps * B.boost,
               (T)B.P->dyn_delta * B.boost);
    ldl_invert_diag(B.K, B.ld, B.v(S_INVD), B.N);
}

// The triangular solve's scratch (`ldl_solve_blocked`: 2·32 doubles per right-hand side, at
// most 128): the reduction scratch and the product scratch after it (NW·32 + 8V elements, free
// between `block_reduce`s and products), 8-byte aligned (f32: by pointer arithmetic on shared
// memory, as `reduced_solve`'s double copy of x).
template <typename T, bool X2>
__device__ __forceinline__ double* solve_scratch(const Blk<T, X2>& B) {
    if constexpr (sizeof(T) == 8) {
        return reinterpret_cast<double*>(B.red);
    } else {
        const int ro = (int)(B.red - reinterpret_cast<T*>(smem_raw));
        return reinterpret_cast<double*>(B.red + (ro & 1));
    }
}

// One solve through the factored reduced matrix, for NR right-hand sides:
// (Q + GᵀWG)x_z + Aᵀx_ν = rx + Gᵀ(W∘r_in), A x_z = r_eq, then x_λ = W∘(G x_z − r_in), with
// W from `w_reduced`.
// Reads slot bs+r = [rx; r_eq] and is+r = r_in; writes xs+r = [x_z; x_ν] and ls+r = x_λ.
// Scratch S_T0... Ends with a barrier.
template <typename T, int NR, bool X2>
__device__ __forceinline__ void reduced_solve(Blk<T, X2>& B, int bs, int is, int xs, int ls) {
    const int n = B.n, p = B.p, N = B.N, V = B.V;
    const T* w = B.v(w_reduced<T>());
    for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
        for (int r = 0; r < NR; r++) {
            if (i < N) B.v(xs + r)[i] = B.v(bs + r)[i];
            if (i < p) B.v(S_T0 + r)[i] = w[i] * B.v(is + r)[i];
        }
    }
    __syncthreads();
    long long t0 = prof_clock();
    if (p > 0) gemv_t<T, NR, X2>(B.v(xs), B.G, n, B.v(S_T0), p, n, V, B.scr, true);
    long long t1 = prof_clock();
    B.sub[0] += t1 - t0;
    // The triangular solves, 32 rows at a time, by the whole block; f32 on a double copy of x.
    if constexpr (sizeof(T) == 8) {
        ldl_solve_blocked<T, NR, T, X2>(B.K, B.ld, B.v(S_INVD), N, B.v(xs), V, solve_scratch(B));
    } else {
        // x in double in Pt's scratch (NB·N ≥ 2·NR·N + 1 floats, free outside the factorization),
        // 8-byte aligned by pointer arithmetic on shared memory (so that the solve's loads stay
        // shared loads; through an integer cast they became generic ones).
        const int po = (int)(B.Pt - reinterpret_cast<T*>(smem_raw));
        double* xd = reinterpret_cast<double*>(B.Pt + (po & 1));
        for (int i = threadIdx.x; i < N; i += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) xd[r * N + i] = (double)B.v(xs + r)[i];
        }
        __syncthreads();
        ldl_solve_blocked<T, NR, double, X2>(B.K, B.ld, B.v(S_INVD), N, xd, N, solve_scratch(B));
        for (int i = threadIdx.x; i < N; i += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) B.v(xs + r)[i] = (T)xd[r * N + i];
        }
        __syncthreads();
    }
    t0 = prof_clock();
    B.sub[1] += t0 - t1;
    if (sizeof(T) == 8 && p > 0) {
        // x_λ = W∘(G x_z − r_in) stored by the product (its `store_rows` epilogue): one pass
        // and one barrier fewer, the same operations.
        gemv_n_rows<T, NR, (X2 ? GL_ROWS : 8) / NR, true, X2>(B.v(ls), B.G, n, B.v(xs), p, n, V, w, B.v(is));
        __syncthreads();
    } else if (p > 0) {
        gemv_n<T, NR>(B.v(ls), B.G, n, B.v(xs), p, n, V);
        __syncthreads();
        for (int k = threadIdx.x; k < p; k += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) B.v(ls + r)[k] = w[k] * (B.v(ls + r)[k] - B.v(is + r)[k]);
        }
        __syncthreads();
    }
    B.sub[0] += prof_clock() - t0;
}

// The iterative refinement of `kkt_solve` (below), from the solution in xs, ls (the reduced
// solve's). POLISH (polishing's solves, as the CPU's `Polisher`: a polished point must pass
// the termination test itself): every correction's residual measured, and with `tight` (a
// retry) no tolerance: refined until a step no longer halves the residual (or
// `refine_max_iter`).
template <typename T, int NR, bool X2, bool POLISH = false>
__device__ __forceinline__ void kkt_refine(Blk<T, X2>& B, int bs, int is, int xs, int ls, bool tight = false) {
    const int n = B.n, m = B.m, p = B.p, N = B.N, V = B.V;
    const T* w = B.v(S_W);
    T tol[NR], last[NR];
    bool done[NR], final[NR];
    {
        T s0[1] = {T(0)}, mx[NR];
#pragma unroll
        for (int r = 0; r < NR; r++) mx[r] = T(0);
        for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) {
                if (i < N) mx[r] = tmax(mx[r], tabs(B.v(bs + r)[i]));
                if (i < p) mx[r] = tmax(mx[r], tabs(B.v(is + r)[i]));
            }
        }
        block_reduce<T, 1, NR>(s0, mx, B.red);
#pragma unroll
        for (int r = 0; r < NR; r++) {
            tol[r] = POLISH && tight ? T(0) : (T)B.P->refine_abstol + (T)B.P->refine_reltol * mx[r];
            last[r] = big<T>();
            done[r] = false;
            final[r] = false;
        }
    }
    for (int it = 0; it < B.P->refine_max_iter; it++) {
        // e = rhs − K_full·(x, λ): e_x = rx − (Qz + Aᵀν) − Gᵀλ, e_eq = r_eq − Az,
        // e_in = r_in − Gz + λ/W.
        const long long tr0 = prof_clock();
        // One right-hand side: Gz and Gᵀλ in one pass (`gemv_nt`), Gᵀλ read from its partial sums.
        constexpr bool NT1 = fused_nt<T, X2>() && NR == 1;
        k0_mul<T, NR>(B.v(S_F0), B.K, B.ld, B.v(S_D0), B.v(xs), N, V);
        if (p > 0) {
            if constexpr (NT1)
                gemv_nt<T>(B.v(S_GZ0), B.scr, B.G, n, B.v(xs), B.v(ls), p, n, V);
            else
                gemv_n<T, NR, X2>(B.v(S_GZ0), B.G, n, B.v(xs), p, n, V);
        }
        __syncthreads();
        if (!NT1 && p > 0) gemv_t<T, NR, X2>(B.v(S_GL0), B.G, n, B.v(ls), p, n, V, B.scr, false);
        T s0[1] = {T(0)}, mx[NR];
#pragma unroll
        for (int r = 0; r < NR; r++) mx[r] = T(0);
        for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) {
                if (i < N) {
                    T e = B.v(bs + r)[i] - B.v(S_F0 + r)[i];
                    if (i < n && p > 0) e -= NT1 ? gemv_nt_entry<T>(B.scr, n, i) : B.v(S_GL0 + r)[i];
                    B.v(S_F0 + r)[i] = e;
                    mx[r] = tmax(mx[r], tabs(e));
                    if (!(e == e)) mx[r] = big<T>();
                }
                if (i < p) {
                    const T e = B.v(is + r)[i] - B.v(S_GZ0 + r)[i] + B.v(ls + r)[i] / w[i];
                    B.v(S_FI0 + r)[i] = e;
                    mx[r] = tmax(mx[r], tabs(e));
                    if (!(e == e)) mx[r] = big<T>();
                }
            }
        }
        block_reduce<T, 1, NR>(s0, mx, B.red);
        bool all = true;
#pragma unroll
        for (int r = 0; r < NR; r++) {
            // Stop once accurate, on a non-finite residual, or when refinement stalls.
            if (!done[r] && (mx[r] <= tol[r] || !(mx[r] < big<T>()) || !(mx[r] < T(0.5) * last[r])))
                done[r] = true;
            // A first correction of a residual within `refine_unverified` times the tolerance
            // is final: the residual is not measured again (as the CPU's `solve_full`; the host
            // sets 1e6 in f64, 10 in f32).
            final[r] = !POLISH && it == 0 && mx[r] <= (T)B.P->refine_unverified * tol[r];
            last[r] = mx[r];
            all = all && done[r];
        }
        B.sub[2] += prof_clock() - tr0;
        if (all) break;
        B.nref++;
        reduced_solve<T, NR>(B, S_F0, S_FI0, S_E0, S_CL0);
        const long long tu0 = prof_clock();
        for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
            for (int r = 0; r < NR; r++) {
                if (done[r]) continue;
                if (i < N) B.v(xs + r)[i] += B.v(S_E0 + r)[i];
                if (i < p) B.v(ls + r)[i] += B.v(S_CL0 + r)[i];
            }
        }
        __syncthreads();
        B.sub[3] += prof_clock() - tu0;
        bool rest = false;
#pragma unroll
        for (int r = 0; r < NR; r++) {
            done[r] = done[r] || final[r];
            rest = rest || !done[r];
        }
        if (!rest) break;
    }
    (void)m;
}

// ALGORITHM §3 "solve", as the CPU does it: a reduced solve, then iterative refinement
// against the full system [Q Aᵀ Gᵀ; A 0 0; G 0 −W⁻¹] (eliminating Δλ amplifies rounding by
// W, which grows without bound at active constraints). Inputs and outputs as
// `reduced_solve`; the inputs are kept. Ends with a barrier.
template <typename T, int NR, bool X2>
__device__ __forceinline__ void kkt_solve(Blk<T, X2>& B, int bs, int is, int xs, int ls) {
    reduced_solve<T, NR>(B, bs, is, xs, ls);
    kkt_refine<T, NR>(B, bs, is, xs, ls);
}

// The τ row of the bordered system (ALGORITHM §4 step 5), (q + 2Qz/τ)ᵀx_z + bᵀx_ν + hᵀx_λ,
// for the NR directions in slots xs+r, ls+r (c[r], block-reduced), with the max |·| of the
// right-hand side in slots bs, is (rmax, when RHS). it2 = 2/τ. Ends with a barrier.
template <typename T, int NR, bool RHS, bool X2>
__device__ __forceinline__ void border_rows(Blk<T, X2>& B, int xs, int ls, T it2, int bs, int is, T (&c)[NR], T& rmax) {
    const int n = B.n, m = B.m, p = B.p, N = B.N, V = B.V;
    T mx[1] = {T(0)};
#pragma unroll
    for (int r = 0; r < NR; r++) c[r] = T(0);
    for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
        for (int r = 0; r < NR; r++) {
            const T* x = B.v(xs + r);
            if (i < n) c[r] += (B.v(S_Q)[i] + it2 * B.v(S_QZ)[i]) * x[i];
            if (i < m) c[r] += B.v(S_BV)[i] * x[n + i];
            if (i < p) c[r] += B.v(S_H)[i] * B.v(ls + r)[i];
        }
        if (RHS && i < N) mx[0] = tmax(mx[0], tabs(B.v(bs)[i]));
        if (RHS && i < p) mx[0] = tmax(mx[0], tabs(B.v(is)[i]));
    }
    block_reduce<T, NR, 1>(c, mx, B.red);
    rmax = mx[0];
}

// x += c, or x −= c when SUB, for the bordered correction c = (S_E0, S_CL0) + dc·(S_X0, S_L0)
// (a reduced-solve correction completed by d₂) of the direction in slots xs/ls. Ends with a
// barrier.
template <typename T, bool SUB, bool X2>
__device__ __forceinline__ void apply_correction(Blk<T, X2>& B, int xs, int ls, T dc) {
    const int p = B.p, N = B.N, V = B.V;
    for (int i = threadIdx.x; i < V; i += NT) {
        if (i < N) {
            if (SUB) B.v(xs)[i] -= B.v(S_E0)[i] + dc * B.v(S_X0)[i];
            else B.v(xs)[i] += B.v(S_E0)[i] + dc * B.v(S_X0)[i];
        }
        if (i < p) {
            if (SUB) B.v(ls)[i] -= B.v(S_CL0)[i] + dc * B.v(S_L0)[i];
            else B.v(ls)[i] += B.v(S_CL0)[i] + dc * B.v(S_L0)[i];
        }
    }
    __syncthreads();
}

// f64 (`cpu_method`): `border_rows` for d₂ and the affine direction (slots S_X0/S_L0 and
// S_X1/S_L1, c[0] and c[1]) with the denominator of Δτ (ALGORITHM §4 step 4) in the same
// reduction. den = den0 − c₀ = κ/τ + ξᵀQξ − (q + 2Qξ)ᵀz₂ − bᵀν₂ − hᵀλ₂ (ξ = z/τ,
// d₂ = (z₂, ν₂, λ₂) the reduced solve of (−q, b, h)) is computed as the equal sum of
// non-negative terms
//   κ/τ + (ξ − z₂)ᵀQ(ξ − z₂) + ε(‖z₂‖² + ‖ν₂‖²) + Σ λ₂ᵢ²/w̃ᵢ     (w̃ = S_WR, ε as `assemble`)
// (from the reduced system's rows: −qᵀz₂ = z₂ᵀ(Q + εI)z₂ + ν₂ᵀAz₂ + λ₂ᵀGz₂,
// bᵀν₂ = ν₂ᵀAz₂ − ε‖ν₂‖², hᵀλ₂ = λ₂ᵀGz₂ − λ₂ᵀW̃⁻¹λ₂). Near the solution den0 ≈ ξᵀQξ stays
// O(‖Q‖) while den goes to κ/τ, and den0 − c₀ loses its digits to d₂'s solve error: in the
// 10th iteration of example 1853 of the peers' batch-2048 problems (notes/gpu_s7.md) it came
// out 215.628 − 215.628 = −7.2e-9 for 2.0e-5, the bordered refinement diverged and the step
// fell below `min_step_length` (`AlmostSolved`). This form is ≥ κ/τ > 0 and as accurate as d₂.
// Its product with Q is no extra product: on entry S_F0 = K·d₂ = (Qz₂ + Aᵀν₂, Az₂) (S_F1 =
// K·x₁, the affine `bordered_solve`'s first residual takes both), and with u = ξ − z₂,
//   uᵀQu = uᵀ(Qξ − (K·d₂)_z) + ν₂ᵀ(Aξ − (K·d₂)_ν)
// (Qξ = S_QZ/τ, Aξ = S_AZ/τ from the residuals). Qξ − Qz₂ is a difference of products, but its
// rounding (≈ ε_mach·‖Qξ‖) enters den multiplied by u, small where den is; the solve error
// that den0 − c₀ lost its digits to does not enter. Returns den; rmax as `border_rows`. Ends
// with a barrier.
template <typename T, bool X2>
__device__ __forceinline__ T border_rows_den(Blk<T, X2>& B, T tau, T kap, T it2, T (&c)[2], T& rmax) {
    const int n = B.n, m = B.m, p = B.p, N = B.N, V = B.V;
    const T it = T(1) / tau;
    const T eps = static_eps(B);
    const T* wr = B.v(S_WR);
    T s[3] = {T(0), T(0), T(0)}, mx[1] = {T(0)};
    for (int i = threadIdx.x; i < V; i += NT) {
#pragma unroll
        for (int r = 0; r < 2; r++) {
            const T* x = B.v(S_X0 + r);
            if (i < n) s[r] += (B.v(S_Q)[i] + it2 * B.v(S_QZ)[i]) * x[i];
            if (i < m) s[r] += B.v(S_BV)[i] * x[n + i];
            if (i < p) s[r] += B.v(S_H)[i] * B.v(S_L0 + r)[i];
        }
        if (i < N) {
            const T x = B.v(S_X0)[i];
            s[2] += eps * x * x;
            mx[0] = tmax(mx[0], tabs(B.v(S_B1)[i]));
        }
        if (i < n) s[2] += (B.v(S_Z)[i] * it - B.v(S_X0)[i]) * (B.v(S_QZ)[i] * it - B.v(S_F0)[i]);
        if (i < m) s[2] += B.v(S_X0)[n + i] * (B.v(S_AZ)[i] * it - B.v(S_F0)[n + i]);
        if (i < p) {
            const T l = B.v(S_L0)[i];
            s[2] += l * (l / wr[i]);
            mx[0] = tmax(mx[0], tabs(B.v(S_I1)[i]));
        }
    }
    block_reduce<T, 3, 1>(s, mx, B.red);
    c[0] = s[0];
    c[1] = s[1];
    rmax = mx[0];
    return kap / tau + s[2];
}

// ALGORITHM §4 steps 5 and 7, as the CPU's `solve_full` with a `Border`: the direction
// (Δ, Δτ) of the bordered system
//   [K_full                 (q, −b, −h)  ] [Δ ]   [rhs]
//   [−(q + 2Qz/τ, b, h)ᵀ    den0         ] [Δτ] = [rt ]     K_full = [Q Aᵀ Gᵀ; A 0 0; G 0 −W⁻¹],
// refined as one system. Its approximate inverse is a reduced solve completed with
// Δτ = (rt + row(x))/den and x += Δτ·d₂, where d₂ (slots S_X0, S_L0) is the unrefined
// reduced solve of (−q, b, h) and den = den0 − row(d₂) (`border_rows_den`). On entry
// xs/ls hold the reduced solve of the right-hand side bs/is, c its τ row and rmax the max
// |rhs| (`border_rows`); KX: S_F0 = K·d₂ and S_F1 = K·xs (K = [Q Aᵀ; A 0], `k0_mul`), of
// which the first residual takes K·(xs + Δτ·d₂) instead of a product; on return the refined
// (Δz; Δν) and Δλ. The residual is measured on
// the unreduced equations and the τ row; the refinement's rules are the CPU's (a correction
// that made the residual worse is taken back; stop below a 5× gain; the first correction
// final within `refine_unverified`·tol), not `kkt_solve`'s. Scratch: slots
// S_F0, S_FI0, S_GZ0, S_GL0, S_E0, S_CL0, S_T0. Returns Δτ. Ends with a barrier.
template <typename T, bool KX, bool X2>
__device__ __forceinline__ T bordered_solve(Blk<T, X2>& B, int bs, int is, int xs, int ls, T rt, T den0, T den,
                                            T it2, T c, T rmax, int max_it) {
    const int n = B.n, p = B.p, N = B.N, V = B.V;
    const T* w = B.v(S_W);
    T dtau = (rt + c) / den;
    for (int i = threadIdx.x; i < V; i += NT) {
        if (i < N) B.v(xs)[i] += dtau * B.v(S_X0)[i];
        if (i < p) B.v(ls)[i] += dtau * B.v(S_L0)[i];
    }
    __syncthreads();
    const T tol = (T)B.P->refine_abstol + (T)B.P->refine_reltol * tmax(rmax, tabs(rt));
    T last = big<T>();
    T dc = T(0);  // the last correction's Δτ (its Δ is still in slots S_E0, S_CL0)
    for (int it = 0; it < max_it; it++) {
        // e = rhs − K_full·(x, λ) − Δτ·(q, −b, −h): e_x = rx − (Qz + Aᵀν) − Gᵀλ − Δτq,
        // e_eq = r_eq − Az + Δτb, e_in = r_in − Gz + λ/W + Δτh; e_τ = rt − Δτ·den0 + row(x).
        const long long tr0 = prof_clock();
        // KX: the first residual's K·x as K·x₁ + Δτ·K·d₂ from S_F1 and S_F0.
        const bool fresh = !KX || it > 0;
        if (fresh) k0_mul<T, 1>(B.v(S_F0), B.K, B.ld, B.v(S_D0), B.v(xs), N, V);
        // Gz and Gᵀλ's partial sums in one pass (`gemv_nt`; else Gᵀλ deferred, combined from
        // `gemv_t`'s partial sums where the loop below reads it).
        if (p > 0) {
            if constexpr (fused_nt<T, X2>())
                gemv_nt<T>(B.v(S_GZ0), B.scr, B.G, n, B.v(xs), B.v(ls), p, n, V);
            else
                gemv_n<T, 1, X2>(B.v(S_GZ0), B.G, n, B.v(xs), p, n, V);
        }
        __syncthreads();
        const int gP = fused_nt<T, X2>() || p == 0 ? 1
                                                : gemv_t<T, 1, X2>(B.v(S_GL0), B.G, n, B.v(ls), p, n, V, B.scr, false, true);
        T s0[1] = {T(0)}, mx[1] = {T(0)};
        for (int i = threadIdx.x; i < V; i += NT) {
            const T* x = B.v(xs);
            if (i < N) {
                T e = B.v(bs)[i] - (fresh ? B.v(S_F0)[i] : B.v(S_F1)[i] + dtau * B.v(S_F0)[i]);
                if (i < n) {
                    if (p > 0)
                        e -= fused_nt<T, X2>() ? gemv_nt_entry<T>(B.scr, n, i) : gemv_t_entry<T>(B.v(S_GL0), B.scr, gP, n, i);
                    e -= dtau * B.v(S_Q)[i];
                    s0[0] += (B.v(S_Q)[i] + it2 * B.v(S_QZ)[i]) * x[i];
                } else {
                    e += dtau * B.v(S_BV)[i - n];
                    s0[0] += B.v(S_BV)[i - n] * x[i];
                }
                B.v(S_F0)[i] = e;
                mx[0] = tmax(mx[0], tabs(e));
                if (!(e == e)) mx[0] = big<T>();
            }
            if (i < p) {
                const T l = B.v(ls)[i];
                const T e = B.v(is)[i] - B.v(S_GZ0)[i] + l / w[i] + dtau * B.v(S_H)[i];
                B.v(S_FI0)[i] = e;
                s0[0] += B.v(S_H)[i] * l;
                mx[0] = tmax(mx[0], tabs(e));
                if (!(e == e)) mx[0] = big<T>();
            }
        }
        block_reduce<T, 1, 1>(s0, mx, B.red);
        const T et = rt - dtau * den0 + s0[0];
        const T err = et == et ? tmax(mx[0], tabs(et)) : big<T>();
        B.sub[2] += prof_clock() - tr0;
        // As the CPU: a correction that made the residual worse (or not finite) is taken
        // back; stop once accurate, on a non-finite residual, or when a step no longer gains
        // a factor of 5.
        if (it > 0 && !(err <= last)) {
            apply_correction<T, true>(B, xs, ls, dc);
            dtau -= dc;
            break;
        }
        if (err <= tol || !(err < big<T>()) || !(T(5) * err <= last)) break;
        // A first correction of a residual within `refine_unverified` times the tolerance is
        // final (as in `kkt_solve`).
        const bool final = it == 0 && err <= (T)B.P->refine_unverified * tol;
        last = err;
        B.nref++;
        reduced_solve<T, 1>(B, S_F0, S_FI0, S_E0, S_CL0);
        const long long tu0 = prof_clock();
        // The correction completed by the border: Δτ_c = (e_τ + row(c))/den, c += Δτ_c·d₂.
        T cr[1], unused;
        border_rows<T, 1, false>(B, S_E0, S_CL0, it2, S_F0, S_FI0, cr, unused);
        dc = (et + cr[0]) / den;
        apply_correction<T, false>(B, xs, ls, dc);
        dtau += dc;
        B.sub[3] += prof_clock() - tu0;
        if (final) break;
    }
    return dtau;
}

// W of the start's factorization for inequality row i (ALGORITHM §2, the CPU's
// `pdipm::start_w`): (c/Eᵢ²)^¾ as r·√r with r = √c/Eᵢ, correctly rounded operations only (the
// CPU's point to the bit); exactly 1 without equilibration (c = Eᵢ = 1).
template <typename T> __device__ __forceinline__ T start_w(T c, T e) {
    const T r = sqrt(c) / e;
    return r * sqrt(r);
}

// Whether the start's W spreads at most `Params::start_w_spread`-fold (the CPU's
// `pdipm::start_w_is_even`; always without inequalities): then the start pairs take its ratio
// (`onto_start_w`) and the first iteration the start's factors. W recomputed from the
// scalings (S_W holds λ/s from the first iteration on). Two barriers.
template <typename T, bool X2>
__device__ bool start_w_is_even(Blk<T, X2>& B) {
    T s0[1] = {T(0)}, mx[2] = {T(0), -big<T>()};
    for (int i = threadIdx.x; i < B.p; i += NT) {
        const T w = start_w(B.c_of(), B.e_of(B.m + i));
        mx[0] = tmax(mx[0], w);
        mx[1] = tmax(mx[1], -w);
    }
    block_reduce<T, 1, 2>(s0, mx, B.red);
    return B.p == 0 || mx[0] <= (T)B.P->start_w_spread * -mx[1];
}

// A start pair (s, λ) set to the ratio λ/s = W of the start's factorization, its product
// μ = sλ kept: s = √(μ/W), λ = √(μW) (ALGORITHM §2, the CPU's `pdipm::onto_start_w`, the same
// correctly rounded operations), so that the first iteration takes the start's factors.
template <typename T, bool X2>
__device__ __forceinline__ void onto_start_w(Blk<T, X2>& B) {
    for (int i = threadIdx.x; i < B.p; i += NT) {
        const T mu = B.v(S_S)[i] * B.v(S_LAM)[i], w = B.v(S_W)[i];
        B.v(S_S)[i] = sqrt(mu / w);
        B.v(S_LAM)[i] = sqrt(mu * w);
    }
}

// Shifts v (length p) into the interior (ALGORITHM "Start"): with
// target = max(1, 0.1·Σmax(vᵢ, 0)/p), v += target − min(v) when min(v) < target.
template <typename T, bool X2>
__device__ void shift_interior(Blk<T, X2>& B, T* v) {
    const int p = B.p;
    T s0[1] = {T(0)}, mx[1] = {-big<T>()};
    for (int k = threadIdx.x; k < p; k += NT) {
        s0[0] += tmax(v[k], T(0));
        mx[0] = tmax(mx[0], -v[k]);  // −min v
    }
    block_reduce<T, 1, 1>(s0, mx, B.red);
    const T vmin = -mx[0];
    const T target = tmax(T(1), T(0.1) * s0[0] / (T)p);
    if (vmin < target) {
        const T add = target - vmin;
        for (int k = threadIdx.x; k < p; k += NT) v[k] += add;
    }
    __syncthreads();
}

// Max step α ∈ (0, ∞) keeping s + αΔs, λ + αΔλ, τ + αΔτ, κ + αΔκ ≥ 0 (block-reduced).
template <typename T, bool X2>
__device__ T step_to_boundary(Blk<T, X2>& B, const T* ds, const T* dl, T tau, T dtau, T kap, T dkap) {
    T ratio = T(0);
    const T* s = B.v(S_S);
    const T* l = B.v(S_LAM);
    for (int k = threadIdx.x; k < B.p; k += NT) {
        ratio = tmax(ratio, -ds[k] / s[k]);
        ratio = tmax(ratio, -dl[k] / l[k]);
    }
    ratio = tmax(ratio, -dtau / tau);
    ratio = tmax(ratio, -dkap / kap);
    T s0[1] = {T(0)}, mx[1] = {ratio};
    block_reduce<T, 1, 1>(s0, mx, B.red);
    return mx[0] > T(0) ? T(1) / mx[0] : big<T>();
}

// ---------------------------------------------------------------- polishing

// W of a solution for the backward pass's K (OptNet eq. 7), as the CPU's `solution_weight`:
// the exact zeros of a polished solution become W_ACTIVE (s = 0) and W_INACTIVE (λ = 0), and
// every weight stays within them.
#define W_ACTIVE 1e30
#define W_INACTIVE 1e-30
// A constraint is guessed active where λᵢ/sᵢ, extrapolated ahead, exceeds
// GUESS_RATIO (the CPU's `polish::GUESS_RATIO` and `polish::guess_ratio`).
#define GUESS_RATIO 0.03
// A failed attempt from a relative gap of LOOSE_GAP or more is retried once the gap has fallen
// LOOSE_RETRY_GAIN-fold and below LOOSE_GAP, not 100-fold (the CPU's `polish::LOOSE_GAP`,
// `polish::LOOSE_RETRY_GAIN`).
#define LOOSE_GAP 3e-2
#define LOOSE_RETRY_GAIN 3.0
template <typename T> __device__ __forceinline__ T solution_weight(T l, T s) {
    if (!(s > T(0))) return (T)W_ACTIVE;
    if (!(l > T(0))) return (T)W_INACTIVE;
    return tmin((T)W_ACTIVE, tmax((T)W_INACTIVE, l / s));
}

// What `polish_check` found: the set stood, a constraint changed sides, or the solve was not
// finite (a breakdown).
enum { PC_STOOD = 0, PC_CHANGED = 1, PC_BROKE = 2 };

// The point of a polishing solve in S_X0, S_L0 on the set S_W was factored with (λᵢ clamped on
// it, sᵢ off it) into S_LAM, S_S, the set corrected in S_T1; whether the guess was wrong
// anywhere, or the solve not finite: a factorization of a degenerate set (more rows on it than
// the equality-constrained QP has independent ones) regularizes its zero pivots to ±δ, and the
// factors can grow past the largest double while every pivot is finite (Maros–Meszaros QE226,
// session 29). The CPU's `Kkt::factor_rows` then refuses the factors and its polisher gives up
// the attempt; here the non-finite values reach λ on the set and, through Gz (0·NaN = NaN),
// s off it, and the sum 0·(those) probes them with the reduction the check makes anyway.
template <typename T, bool X2>
__device__ int polish_check(Blk<T, X2>& B) {
    const int n = B.n, p = B.p, V = B.V;
    if (p > 0) gemv_n<T, 1, X2>(B.v(S_GZ), B.G, n, B.v(S_X0), p, n, V);
    __syncthreads();
    T probe[1] = {T(0)}, changed[1] = {T(0)};
    for (int i = threadIdx.x; i < p; i += NT) {
        if (B.v(S_W)[i] > T(1)) {
            const T l = B.v(S_L0)[i];
            if (l < T(0)) changed[0] = T(1);
            probe[0] += T(0) * l;
            B.v(S_T1)[i] = l >= T(0) ? T(1) : T(0);
            B.v(S_LAM)[i] = tmax(l, T(0));
            B.v(S_S)[i] = T(0);
        } else {
            const T si = B.v(S_H)[i] - B.v(S_GZ)[i];
            if (si < T(0)) changed[0] = T(1);
            probe[0] += T(0) * si;
            B.v(S_T1)[i] = si < T(0) ? T(1) : T(0);
            B.v(S_LAM)[i] = T(0);
            B.v(S_S)[i] = tmax(si, T(0));
        }
    }
    block_reduce<T, 1, 1>(probe, changed, B.red);
    if (probe[0] != T(0)) return PC_BROKE;
    return changed[0] != T(0) ? PC_CHANGED : PC_STOOD;
}

// W on the polishing set S_T1: W_ACTIVE on it, W_INACTIVE off it, regularized as K is
// factored with it. Ends with a barrier.
template <typename T, bool X2>
__device__ __forceinline__ void polish_weights(Blk<T, X2>& B) {
    for (int i = threadIdx.x; i < B.p; i += NT) B.v(S_W)[i] = B.v(S_T1)[i] != T(0) ? (T)W_ACTIVE : (T)W_INACTIVE;
    regularize_w(B);
    __syncthreads();
}

// The polished point's z and ν from the solve in S_X0. Ends with a barrier.
template <typename T, bool X2>
__device__ __forceinline__ void polish_point(Blk<T, X2>& B) {
    for (int i = threadIdx.x; i < B.V; i += NT) {
        if (i < B.n) B.v(S_Z)[i] = B.v(S_X0)[i];
        if (i < B.m) B.v(S_NU)[i] = B.v(S_X0)[B.n + i];
    }
    __syncthreads();
}

// Polishing (notes/ALGORITHM.md §4b, the CPU's `polish.rs`): the KKT system on the active set
// the iterate points to (S_T1 > GUESS_RATIO: step 1 left there λᵢ/sᵢ extrapolated one
// iteration ahead), K factored with W = W_ACTIVE on it (regularized
// to 1/ε) and W_INACTIVE off it, and the reduced solve of (−q, b, h); a constraint guessed
// wrongly (λᵢ < 0, or Gᵢz > hᵢ off the set) changes sides and the system is solved again, at
// most `Params::polish_rounds` solves in all; the set that stands (or the last round's, or one
// that a refined solve's check moved to) is refined against the full system (`kkt_refine`,
// every correction verified; with `tight`, a retry, as far as refinement gains) and checked
// again (`polish_check`). Writes the polished point (τ = 1, κ = 0: λᵢ = 0 off the set, sᵢ = 0
// on it, negative values clamped to 0) into S_Z, S_NU, S_LAM, S_S; the caller has kept the
// iterate. Scratch: S_X0, S_L0, S_GZ and `kkt_refine`'s; the right-hand side stays in S_B0,
// S_I0 and the set in S_T1 (1 on it), for `polish_on`. Returns whether the last solve's set
// stood (then K holds the factors at the polished point's W, which the backward pass can
// take); a solve that is not finite ends the attempt there, unsettled (`polish_check`). Counts
// its solves (factorizations) in `*solves` (thread 0). Ends with a barrier.
template <typename T, bool X2>
__device__ bool polish(Blk<T, X2>& B, bool tight, int* solves) {
    const int n = B.n, N = B.N, p = B.p, V = B.V;
    for (int i = threadIdx.x; i < V; i += NT) {
        if (i < p) B.v(S_T1)[i] = B.v(S_T1)[i] > (T)GUESS_RATIO ? T(1) : T(0);
        B.v(S_B0)[i] = i < n ? -B.v(S_Q)[i] : (i < N ? B.v(S_BV)[i - n] : T(0));
        B.v(S_I0)[i] = B.v(S_H)[i];
    }
    bool settled = false;
    // Whether this round's set is one that a refined solve's check moved to (the CPU's
    // `Polisher::polish`: that set's solve is refined before it is checked).
    bool after_refined = false;
    for (int round = 1; round <= B.P->polish_rounds; round++) {
        if (threadIdx.x == 0) ++*solves;
        polish_weights(B);
        assemble(B, true);
        factor(B);
        // A solve whose set turns out wrong is not refined (the unrefined solution, exact but
        // for ε, tells the constraints to move as well); the set that stands, or the last
        // round's, is refined and checked again (the CPU's `Polisher::polish`).
        reduced_solve<T, 1>(B, S_B0, S_I0, S_X0, S_L0);
        // A breakdown ends the attempt unsettled (the CPU's polisher gives it up at the
        // factorization; the point, not finite, then fails the termination test).
        if (!after_refined) {
            const int c = polish_check(B);
            if (c == PC_BROKE) break;
            if (c == PC_CHANGED && round < B.P->polish_rounds) continue;
        }
        kkt_refine<T, 1, X2, true>(B, S_B0, S_I0, S_X0, S_L0, tight);
        const int c = polish_check(B);
        settled = c == PC_STOOD;
        if (c != PC_CHANGED) break;
        after_refined = true;
    }
    polish_point(B);
    return settled;
}

// Whether polishing attempt `attempt` (1, 2, …) would repeat the example's last one, which
// failed (notes/ALGORITHM.md §4b, the CPU's `polish::Tried`): the same first guess (S_T1 >
// GUESS_RATIO, as `polish` takes it), as tight (a retry, `attempt` > 1: so from the third
// attempt on) and the same regularization boost (with which `polish` factors, where the CPU's
// polisher has its own unboosted K). An attempt is a function of these given the data (W on the
// set constant, the right-hand side (−q, b, h)): it would take the same solves to the same point
// and fail the same test. Records this attempt's guess and boost in `last` (p values) and
// `*last_boost` for the next: this example's λ and objective in `out`, which the block writes
// only at its end (a vector slot would cost every example shared memory; each value stays where
// the same thread reads it at the next attempt, so no barrier orders it). Ends with a barrier.
template <typename T, bool X2>
__device__ bool polish_repeats(Blk<T, X2>& B, T* last, T* last_boost, int attempt) {
    const bool compare = attempt >= 3;
    T s0[1] = {T(0)}, differ[1] = {T(0)};
    for (int i = threadIdx.x; i < B.p; i += NT) {
        const T on = B.v(S_T1)[i] > (T)GUESS_RATIO ? T(1) : T(0);
        if (compare && last[i] != on) differ[0] = T(1);
        last[i] = on;
    }
    if (threadIdx.x == 0) {
        if (compare && *last_boost != B.boost) differ[0] = T(1);
        *last_boost = B.boost;
    }
    block_reduce<T, 1, 1>(s0, differ, B.red);
    return compare && differ[0] == T(0);
}

// A first attempt's polished point whose set stood but that failed the termination test
// (refined to the refinement's tolerance, its gap |zᵀr_d| can still be a few times the gap
// tolerance: notes/s21.md): refined on, on the same factors, as far as refinement gains
// (`kkt_refine`'s `tight`), checked and written again as `polish` does; whether its set still
// stands. The CPU's `Polisher::polish` with a first attempt's point that `accept` refuses.
// Ends with a barrier.
template <typename T, bool X2>
__device__ bool polish_on(Blk<T, X2>& B) {
    polish_weights(B);  // the loop's residuals took S_W for the point's own weights
    kkt_refine<T, 1, X2, true>(B, S_B0, S_I0, S_X0, S_L0, true);
    const bool settled = polish_check(B) == PC_STOOD;
    polish_point(B);
    return settled;
}

// ---------------------------------------------------------------- the forward kernel

// The block's view of example `e` and its shared memory (the layout `forward_smem` in
// mod.rs sizes): K (N×ld), G (p×n, if it fits), the panel scratch, the vector slots, the
// reduction and product scratch. Loads G into shared memory. The K-global module's K is `kg`
// (the example's record of `fac`), not in shared memory.
template <typename T, bool X2>
__device__ __forceinline__ void setup(Blk<T, X2>& B, const Layout& L, const Params& P, const T* data, int e,
                                      T* gvec, T* kg) {
    static_assert(!X2 || sizeof(T) == 8, "the two-block layout is the f64 kernel's");
    T* smem = reinterpret_cast<T*>(smem_raw);
    B.gsm = !X2 && L.g_smem != 0;
    B.gvec = gvec;
    B.P = &P;
    B.nref = 0;
    B.boost = T(1);
    B.sub[0] = B.sub[1] = B.sub[2] = B.sub[3] = 0;
#ifndef OPTNET_DIMS
    B.n = L.n; B.m = L.m; B.p = L.p; B.N = L.N; B.ld = L.ld; B.V = L.V;
#endif
    const int n = B.n, p = B.p, N = B.N, V = B.V;
    B.Q = data + L.oQ + e * L.sQ;
    B.q = data + L.oq + e * L.sq;
    B.A = data + L.oA + e * L.sA;
    B.b = data + L.ob + e * L.sb;
    const T* Gg = data + L.oG + e * L.sG;
    B.h = data + L.oh + e * L.sh;
    constexpr bool kglobal = X2 && KGLOBAL;
    B.K = kglobal ? kg : smem;
    T* cur = kglobal ? smem : smem + N * B.ld;
    B.goff = (int)(cur - smem);
    if (B.gsm) {
        B.G = cur;
        cur += p * n;
    } else {
        B.G = Gg;
    }
    B.Pt = cur;
    if (!X2) cur += NB * N;
    B.vec = cur;
    cur += (X2 ? NVEC - X2_NGLOBAL : NVEC) * V;
    B.red = cur;
    cur += NW * 32;
    B.scr = cur;  // 4·2·max(n, p) for gemv_t
    if (B.gsm)
        each_loaded(Gg, p * n, [&](int i, T g) { (const_cast<T*>(B.G))[i] = g; });
    __syncthreads();
}

// Phase timers (clock64 cycles, thread 0, summed over the block's run): the iterations'
// assemble, factor, solves and the rest of their steps, the output, the start (from the
// block's start: its assemble, factor and refined solve), polishing (all of it), and each
// iteration's residuals and termination test; added to `prof` when it is not null, followed
// by the counts and the sub-timers.
#define PROF_PHASES 8
#define PROF_MARK(k)                                   \
    do {                                               \
        const long long t_ = prof_clock();             \
        if (threadIdx.x == 0) ph[k] += t_ - t_last;    \
        t_last = t_;                                   \
    } while (0)

template <typename T, bool X2>
__device__ __forceinline__ void pdipm(const Layout& L0, const Params& P, const T* data, T* out, int* ist, T* fac,
                      unsigned long long* prof, T* gvec) {
    const Layout L = with_dims(L0);
    long long ph[PROF_PHASES] = {0, 0, 0, 0, 0, 0, 0, 0};
    long long t_last = prof_clock();
    // The block's cycles from its start to its statistics (any profiling mode): the start's
    // low 32 bits are parked in this example's iteration-count slot (written with the
    // statistics), so that no register holds them through the iteration (a few registers more
    // live across the iteration leave the triangular solve, a called function, too few to keep
    // its loads in flight: 5 % slower).
    const int e = blockIdx.x;
    if (prof != nullptr && threadIdx.x == 0) ist[IST * e + 1] = (int)(unsigned)clock64();
    if (threadIdx.x == 0) ist[IST * e + 2] = 0;  // polishing solves, counted by `polish`
    Blk<T, X2> B;
    setup(B, L, P, data, e, X2 ? gvec + (long long)e * X2_NGLOBAL * L.V : (T*)nullptr,
          X2 && KGLOBAL ? fac + e * L.fac_stride : (T*)nullptr);
    const int n = B.n, m = B.m, p = B.p, N = B.N, V = B.V;
    // Load q, b, h, G; zero the iterate.
    for (int i = threadIdx.x; i < V; i += NT) {
        B.v(S_Q)[i] = i < n ? B.q[i] : T(0);
        B.v(S_BV)[i] = i < m ? B.b[i] : T(0);
        B.v(S_H)[i] = i < p ? B.h[i] : T(0);
        B.v(S_W)[i] = i < p ? start_w(B.c_of(), B.e_of(m + i)) : T(1);
    }
    regularize_w(B);
    __syncthreads();

    // ---- Start (W = `start_w`). The solve is refined only without inequalities (ALGORITHM §2: then
    // the point is the solution; with them it is shifted into the interior, and an unrefined
    // solve, exact but for ε, serves as well).
    const T qmax = load_q(B);
    assemble(B);
    factor(B);
    const bool lp = qmax == T(0);
    if (!lp) {
        // (z, ν, λ̂) = solve(−q, b, h); s = −W⁻¹λ̂, λ = λ̂.
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_B0)[i] = i < n ? -B.v(S_Q)[i] : (i < N ? B.v(S_BV)[i - n] : T(0));
            B.v(S_I0)[i] = B.v(S_H)[i];
        }
        __syncthreads();
        if (p > 0)
            reduced_solve<T, 1>(B, S_B0, S_I0, S_X0, S_L0);
        else
            kkt_solve<T, 1>(B, S_B0, S_I0, S_X0, S_L0);
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_Z)[i] = i < n ? B.v(S_X0)[i] : T(0);
            B.v(S_NU)[i] = i < m ? B.v(S_X0)[n + i] : T(0);
            B.v(S_S)[i] = i < p ? -B.v(S_L0)[i] / B.v(S_W)[i] : T(0);
            B.v(S_LAM)[i] = i < p ? B.v(S_L0)[i] : T(0);
        }
    } else {
        // LP: (z, −s) from solve(0, b, h); (ν, λ) from solve(−q, 0, 0).
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_B0)[i] = i < n ? T(0) : (i < N ? B.v(S_BV)[i - n] : T(0));
            B.v(S_I0)[i] = B.v(S_H)[i];
            B.v(S_B1)[i] = i < n ? -B.v(S_Q)[i] : T(0);
            B.v(S_I1)[i] = T(0);
        }
        __syncthreads();
        if (p > 0)
            reduced_solve<T, 2>(B, S_B0, S_I0, S_X0, S_L0);
        else
            kkt_solve<T, 2>(B, S_B0, S_I0, S_X0, S_L0);
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_Z)[i] = i < n ? B.v(S_X0)[i] : T(0);
            B.v(S_NU)[i] = i < m ? B.v(S_X1)[n + i] : T(0);
            B.v(S_S)[i] = i < p ? -B.v(S_L0)[i] / B.v(S_W)[i] : T(0);
            B.v(S_LAM)[i] = i < p ? B.v(S_L1)[i] : T(0);
        }
    }
    __syncthreads();
    T tau = T(1), kap = T(1);
    if (p > 0) {
        shift_interior(B, B.v(S_S));
        shift_interior(B, B.v(S_LAM));
        // f64: τ = κ = √μ₀ with μ₀ = sᵀλ/p, the pair τκ as centred as the sᵢλᵢ (ALGORITHM
        // "Start"; the CPU's `start_tau_kappa`). The f32 kernel keeps τ = κ = 1 (with the
        // centred start it left more examples AlmostSolved or unsolved, notes/gpu_s7.md).
        if constexpr (cpu_method<T>()) {
            // Each thread reads back the pairs it wrote: no barrier before the sum.
            if (start_w_is_even(B)) onto_start_w(B);
            T sm[1] = {T(0)}, mx[1] = {T(0)};
            for (int i = threadIdx.x; i < p; i += NT) sm[0] += B.v(S_S)[i] * B.v(S_LAM)[i];
            block_reduce<T, 1, 1>(sm, mx, B.red);
            const T mu0 = sm[0] / (T)p;
            if (mu0 > T(0) && mu0 < big<T>()) {
                tau = sqrt(mu0);
                kap = tau;
            }
        }
    }

    // Norms of the data (constant), in the original units: q = q̃/(c·D), b = b̃/E_A, h = h̃/E_G.
    T nq, nbh;
    {
        T s0[1] = {T(0)}, mx[2] = {T(0), T(0)};
        for (int i = threadIdx.x; i < V; i += NT) {
            const T idc = i < n ? B.idc_of(i) : T(1);
            const T iea = i < m ? B.ie_of(i) : T(1), ieg = i < p ? B.ie_of(m + i) : T(1);
            mx[0] = tmax(mx[0], tabs(B.v(S_Q)[i] * idc));
            mx[1] = tmax(mx[1], tmax(tabs(B.v(S_BV)[i] * iea), tabs(B.v(S_H)[i] * ieg)));
        }
        block_reduce<T, 1, 2>(s0, mx, B.red);
        nq = mx[0];
        nbh = mx[1];
    }

    int status = ST_RUNNING, iter = 0, boosts = 0;
    bool have_b = false;
    T tau_b = T(1), kap_b = T(1), rp_b = T(0), rd_b = T(0), gap_b = T(0);
    T res_p = T(0), res_d = T(0), gap_abs = T(0), gap_rel = T(0), kt = T(0);
    const T frac = (T)P.max_step_fraction, frac_c = (T)P.centered_step_fraction;
    const T aff_c = (T)P.centered_affine_step;
    // Polishing (f64): the gap below which the next attempt is due; whether the iterate is a
    // polished point under test (0: no; 1: yes; 2: yes, and K holds the factors at its W; 3:
    // as 2, refined on by `polish_on`), the
    // interior iterate kept in S_X1, S_DLA, S_DSA and its τ, κ in S_U[0], S_U[1] (in
    // registers they cost the iteration's called solve; S_U, the corrector's, is free from the
    // attempt to the restore. Until session 28 they were in S_T0, which `reduced_solve`
    // overwrites: a first attempt refined on by `polish_on` and still refused restored the
    // iterate with τ, κ of w∘r_in, where the CPU restores its own).
    T pol_next = (T)P.polish_gap;
    // Attempts so far, skipped ones included (`polish_repeats`): a retry's solves are refined as
    // far as refinement gains (`polish`).
    int pol_attempts = 0;
    int polishing = 0;
    PROF_MARK(5);
    for (;;) {
        // ---- 1. residuals.
        k0_mul<T, 1>(B.v(S_QZ), B.K, B.ld, B.v(S_D0), B.v(S_Z), n, V);
        // Gz, and Gᵀλ's partial sums in B.scr from the same pass over G (`gemv_nt`).
        if (p > 0) {
            if constexpr (fused_nt<T, X2>())
                gemv_nt<T>(B.v(S_GZ), B.scr, B.G, n, B.v(S_Z), B.v(S_LAM), p, n, V);
            else
                gemv_n<T, 1, X2>(B.v(S_GZ), B.G, n, B.v(S_Z), p, n, V);
        }
        if (m > 0) gemv_n<T, 1>(B.v(S_AZ), B.A, n, B.v(S_Z), m, n, V);
        __syncthreads();
        if constexpr (fused_nt<T, X2>()) {
            // Without equality constraints the loop below reads Gᵀλ from the partial sums; with
            // them Aᵀν joins it in S_DUAL (`gemv_t`'s own partial sums take B.scr).
            if (m > 0) {
                for (int i = threadIdx.x; i < n; i += NT)
                    B.v(S_DUAL)[i] = p > 0 ? gemv_nt_entry<T>(B.scr, n, i) : T(0);
                __syncthreads();
            }
        } else if constexpr (sizeof(T) == 8) {
            // `gemv_t` ends with a barrier: no second one (the f32 kernel is kept as it was).
            // Its loads grouped (GL) in the two-block kernel: −1 % cycles (notes/gpu_s11_x2.md, gt).
            if (p > 0) {
                gemv_t<T, 1, X2>(B.v(S_DUAL), B.G, n, B.v(S_LAM), p, n, V, B.scr, false);
            } else {
                for (int i = threadIdx.x; i < n; i += NT) B.v(S_DUAL)[i] = T(0);
                __syncthreads();
            }
        } else {
            if (p > 0) gemv_t<T, 1>(B.v(S_DUAL), B.G, n, B.v(S_LAM), p, n, V, B.scr, false);
            else for (int i = threadIdx.x; i < n; i += NT) B.v(S_DUAL)[i] = T(0);
            __syncthreads();
        }
        if (m > 0) gemv_t<T, 1>(B.v(S_DUAL), B.A, n, B.v(S_NU), m, n, V, B.scr, true);
        // Sums: qᵀz, bᵀν, hᵀλ, zᵀQz, sᵀλ, non-finite probe.
        // Maxes: ‖z‖, ‖s‖, ‖(ν,λ)‖, ‖r_eq‖, ‖r_in‖, ‖rx‖, ‖Aᵀν+Gᵀλ‖, ‖Qz‖, ‖(Az, Gz+s)‖, ‖(Az, Gz)‖,
        // in the original units when the data are scaled (as the CPU's `info`): z = D z̃,
        // s = s̃/E_G, (ν, λ) = E (ν̃, λ̃)/c, the rows of the dual residual ÷ c·D, of the
        // primal residual ÷ E; the sums (so the objectives) ÷ c below (each a product with
        // the reciprocal).
        T sm[6] = {T(0), T(0), T(0), T(0), T(0), T(0)};
        const T eps_w = static_eps(B);
        T mx[10];
#pragma unroll
        for (int i = 0; i < 10; i++) mx[i] = T(0);
        for (int i = threadIdx.x; i < V; i += NT) {
            if (i < n) {
                const T z = B.v(S_Z)[i], qz = B.v(S_QZ)[i];
                const T du = !fused_nt<T, X2>() || m > 0 ? B.v(S_DUAL)[i] : p > 0 ? gemv_nt_entry<T>(B.scr, n, i) : T(0);
                const T rx = -(qz + du + B.v(S_Q)[i] * tau);
                B.v(S_RX)[i] = rx;
                sm[0] += B.v(S_Q)[i] * z;
                sm[3] += z * qz;
                sm[5] += T(0) * (z + rx);
                const T idc = B.idc_of(i);
                mx[0] = tmax(mx[0], tabs(z * B.d_of(i)));
                mx[5] = tmax(mx[5], tabs(rx * idc));
                mx[6] = tmax(mx[6], tabs(du * idc));
                mx[7] = tmax(mx[7], tabs(qz * idc));
            }
            if (i < m) {
                const T nu = B.v(S_NU)[i], az = B.v(S_AZ)[i];
                const T r = az - B.v(S_BV)[i] * tau;
                B.v(S_REQ)[i] = r;
                sm[1] += B.v(S_BV)[i] * nu;
                sm[5] += T(0) * (nu + r);
                const T iea = B.ie_of(i);
                mx[2] = tmax(mx[2], tabs(B.e_of(i) * nu * B.ic_of()));
                mx[3] = tmax(mx[3], tabs(r * iea));
                mx[8] = tmax(mx[8], tabs(az * iea));
                mx[9] = tmax(mx[9], tabs(az * iea));
            }
            if (i < p) {
                const T l = B.v(S_LAM)[i], s = B.v(S_S)[i], gzs = B.v(S_GZ)[i] + s;
                const T r = gzs - B.v(S_H)[i] * tau;
                B.v(S_RIN)[i] = r;
                const T w = l / s;
                // Polishing's guess (the CPU's `polish::guess_ratio`): w extrapolated ahead
                // from the last iterate's, which S_W still holds, w·(w/w′)^1.5 (from the first
                // iteration on; kept in S_T1 for `polish`, not while a polished point is under
                // test, whose set S_T1 holds).
                if (cpu_method<T>() && polishing == 0) {
                    const T wr = iter > 0 ? w / B.v(S_W)[i] : T(1);
                    B.v(S_T1)[i] = iter > 0 ? w * (wr * sqrt(wr)) : w;
                }
                B.v(S_W)[i] = w;
                B.v(S_WR)[i] = cpu_method<T>() ? regularized(eps_w, w) : w;
                sm[2] += B.v(S_H)[i] * l;
                sm[4] += s * l;
                sm[5] += T(0) * (l + s + r);
                const T ieg = B.ie_of(m + i);
                mx[1] = tmax(mx[1], tabs(s * ieg));
                mx[2] = tmax(mx[2], tabs(B.e_of(m + i) * l * B.ic_of()));
                mx[4] = tmax(mx[4], tabs(r * ieg));
                mx[8] = tmax(mx[8], tabs(gzs * ieg));
                mx[9] = tmax(mx[9], tabs(B.v(S_GZ)[i] * ieg));
            }
        }
        block_reduce<T, 6, 10>(sm, mx, B.red);
        const T qz = sm[0], bnu_hl = sm[1] + sm[2], zQz = sm[3], sl = sm[4];
        const T rtau = qz + bnu_hl + kap + zQz / tau;
        // ---- 2. termination.
        {
            const T it = T(1) / tau, ic = B.ic_of();
            const T pobj = (qz * it + T(0.5) * zQz * it * it) * ic;
            const T dobj = (-bnu_hl * it - T(0.5) * zQz * it * it) * ic;
            // The primal residual relative to ‖(Az, Gz)‖, not ‖z‖, as the CPU's `measure` since
            // 2026-11-23 (Clarabel's choice): a huge z that the constraints do not see (a
            // singular or inconsistent A) must not make a large ‖Az − b‖ look small. Until
            // session 29 the kernel kept ‖z‖: the CPU's iterates with another primal residual
            // (Maros–Meszaros CVXQP1_S 1.01–1.22× the CPU's; a solution with z₀ = 10⁴ that no
            // constraint sees 10⁻⁴ times it: `primal_residual_is_relative_to_what_the_constraints_see`).
            res_p = tmax(mx[3], mx[4]) * it / tmax(T(1), nbh + (mx[9] + mx[1]) * it);
            // The dual residual relative to its own terms, ‖q‖ + ‖Qz‖ + ‖Aᵀν + Gᵀλ‖, not to
            // ‖z‖ + ‖(ν, λ)‖ (since session 30, as the CPU's `measure`): a huge z must not make
            // a large residual look small (an LP whose unboundedness overflow hid, b = f64::MAX,
            // passed as solved at z ≈ 1e308 on both backends).
            res_d = mx[5] * it / tmax(T(1), nq + (mx[7] + mx[6]) * it);
            gap_abs = tabs(pobj - dobj);
            gap_rel = gap_abs / tmax(T(1), tmin(tabs(pobj), tabs(dobj)));
            kt = kap / tau;
            const bool finite = isfinite(sm[5]) && isfinite(tau) && isfinite(kap) &&
                                isfinite(rtau) && isfinite(mx[0] + mx[1] + mx[2] + mx[5]);
            if (!finite) {
                status = ST_NUMERICAL;
            } else if (kt <= T(1) && (gap_abs < (T)P.tol_gap_abs || gap_rel < (T)P.tol_gap_rel) &&
                       res_p < (T)P.tol_feas && res_d < (T)P.tol_feas) {
                status = ST_SOLVED;
            } else if (kt > T(1000) / (T)P.tol_ktratio) {
                const T ia = (T)P.tol_infeas_abs, ir = (T)P.tol_infeas_rel;
                const T bnu = bnu_hl * ic, qzc = qz * ic;
                if (bnu < -ia && mx[6] / tmax(T(1), mx[2]) < -ir * bnu)
                    status = ST_PRIMAL_INF;
                else if (qzc < -ia &&
                         tmax(mx[7] / tmax(T(1), mx[0]), mx[8] / tmax(T(1), mx[0] + mx[1])) < -ir * qzc)
                    status = ST_DUAL_INF;
            }
            if constexpr (cpu_method<T>()) {
                if (polishing != 0) {
                    // A polished point ends the solve only as solved. A first attempt's point
                    // whose set stood is refined on and tested again (`polish_on`; 3: K still
                    // holds the factors at its W); otherwise the kept interior iterate comes
                    // back and its iteration goes on.
                    if (status == ST_SOLVED) break;
                    if (polishing == 2 && pol_attempts == 1) {
                        PROF_MARK(7);
                        polishing = polish_on(B) ? 3 : 1;
                        PROF_MARK(6);
                        status = ST_RUNNING;
                        continue;
                    }
                    polishing = 0;
                    status = ST_RUNNING;
                    for (int i = threadIdx.x; i < V; i += NT) {
                        if (i < n) B.v(S_Z)[i] = B.v(S_X1)[i];
                        if (i < m) B.v(S_NU)[i] = B.v(S_X1)[n + i];
                        if (i < p) {
                            B.v(S_LAM)[i] = B.v(S_DLA)[i];
                            B.v(S_S)[i] = B.v(S_DSA)[i];
                        }
                    }
                    tau = B.v(S_U)[0];
                    kap = B.v(S_U)[1];
                    __syncthreads();
                    continue;
                }
            }
            if (status != ST_RUNNING) break;
            if constexpr (cpu_method<T>()) {
                // (Before the iteration limit, as on the CPU: an example at its last iterate
                // may still end polished.)
                // An attempt that would repeat the last failed one (`polish_repeats`) counts as
                // made and failed: the next waits for a gap 100 times smaller (3 times and below
                // LOOSE_GAP after an attempt from LOOSE_GAP or more), and the iteration
                // goes on from this iterate, as it would after the failed point's test (whose
                // residual pass the kept iterate's then repeats: the same step 1 but for S_T1,
                // which this pass rewrites before `polish` reads it).
                bool due = gap_rel < pol_next && kt < (T)P.polish_gap;
                if (due) {
                    pol_next = gap_rel >= T(LOOSE_GAP) ? tmin(gap_rel / T(LOOSE_RETRY_GAIN), T(LOOSE_GAP))
                                                       : gap_rel / T(100);
                    T* o = out + e * L.out_stride;
                    due = !polish_repeats(B, o + n + m, o + n + m + 2 * p, ++pol_attempts);
                }
                if (due) {
                    // Polish (ALGORITHM §4b): keep the iterate, test the polished point with
                    // step 1's residuals and step 2's test (not counted as an iteration); a
                    // failed attempt is retried once the gap reaches pol_next.
                    for (int i = threadIdx.x; i < V; i += NT) {
                        if (i < n) B.v(S_X1)[i] = B.v(S_Z)[i];
                        if (i < m) B.v(S_X1)[n + i] = B.v(S_NU)[i];
                        if (i < p) {
                            B.v(S_DLA)[i] = B.v(S_LAM)[i];
                            B.v(S_DSA)[i] = B.v(S_S)[i];
                        }
                    }
                    __syncthreads();
                    PROF_MARK(7);
                    polishing = polish(B, pol_attempts > 1, ist + IST * e + 2) ? 2 : 1;
                    PROF_MARK(6);
                    if (threadIdx.x == 0) {
                        B.v(S_U)[0] = tau;
                        B.v(S_U)[1] = kap;
                    }
                    __syncthreads();
                    tau = T(1);
                    kap = T(0);
                    continue;
                }
            }
            if (iter >= P.max_iter) {
                status = ST_MAX_ITER;
                break;
            }
            if (kt <= T(1) && (gap_abs < (T)P.reduced_tol_gap || gap_rel < (T)P.reduced_tol_gap) &&
                res_p < (T)P.reduced_tol_feas && res_d < (T)P.reduced_tol_feas) {
                // Keep it: if precision runs out later (f32 near its floor), this is returned
                // as almost solved rather than a NaN.
                for (int i = threadIdx.x; i < V; i += NT) {
                    B.v(S_ZB)[i] = B.v(S_Z)[i];
                    B.v(S_NUB)[i] = B.v(S_NU)[i];
                    B.v(S_LAMB)[i] = B.v(S_LAM)[i];
                    B.v(S_SB)[i] = B.v(S_S)[i];
                    B.v(S_QZB)[i] = B.v(S_QZ)[i];
                }
                have_b = true;
                tau_b = tau; kap_b = kap; rp_b = res_p; rd_b = res_d; gap_b = gap_abs;
            }
        }
        iter++;
        // ---- 3. KKT matrix at W = λ/s. f64: the first iteration takes the start's factors
        // where the start pairs took its W (`start_w_is_even`, asked again: a flag in a
        // register live across the iteration costs the called solve; then W = λ/s is the
        // start's to rounding), unless `polish` has factored in K's place or the safeguard
        // raised the regularization.
        PROF_MARK(7);
        if (!(cpu_method<T>() && iter == 1 && pol_attempts == 0 && boosts == 0 && start_w_is_even(B))) {
            assemble(B);
            PROF_MARK(0);
            factor(B);
        }
        PROF_MARK(1);
        const T xQx = zQz / (tau * tau);
        // ---- 4–5. The constant direction d₂ (RHS 0) and the affine direction (RHS 1): one
        // two-column reduced solve. f64: d₂ stays unrefined (the τ column of the bordered
        // system), the affine direction is completed and refined as the bordered system's
        // solution (`bordered_solve`, as the CPU). f32: both refined (`kkt_solve`), then Δτ.
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_B0)[i] = i < n ? -B.v(S_Q)[i] : (i < N ? B.v(S_BV)[i - n] : T(0));
            B.v(S_I0)[i] = B.v(S_H)[i];
            B.v(S_B1)[i] = i < n ? B.v(S_RX)[i] : (i < N ? -B.v(S_REQ)[i - n] : T(0));
            B.v(S_I1)[i] = i < p ? -B.v(S_RIN)[i] + B.v(S_S)[i] : T(0);  // d_s/λ = s
        }
        __syncthreads();
        PROF_MARK(3);
        if constexpr (cpu_method<T>())
            reduced_solve<T, 2>(B, S_B0, S_I0, S_X0, S_L0);
        else
            kkt_solve<T, 2>(B, S_B0, S_I0, S_X0, S_L0);
        const T it2 = T(2) / tau;
        // c_r = qᵀz_r + bᵀν_r + hᵀλ_r + 2ξᵀQz_r; with c₀ the denominator of Δτ (step 4).
        T c[2], rmax, den;
        // Steps 5 and 7 refine their directions from the 10th iteration (f64 data), or where
        // the iterate heads for a certificate (κ/τ > 100), or always (the f32 kernel):
        // `Settings::refinement_from_iteration`.
        const bool refine = B.P->refine_kt <= 0.0 || kap > (T)B.P->refine_kt * tau || iter >= B.P->refine_from;
        const int refine_it = refine ? B.P->refine_max_iter : 0;
        if constexpr (cpu_method<T>()) {
            // K·d₂ and K·x₁ (S_F0, S_F1): den's product with Q, and the affine direction's
            // first residual (`bordered_solve`), which is not needed without refinement.
            if (refine_it > 0)
                k0_mul<T, 2>(B.v(S_F0), B.K, B.ld, B.v(S_D0), B.v(S_X0), N, V);
            else
                k0_mul<T, 1>(B.v(S_F0), B.K, B.ld, B.v(S_D0), B.v(S_X0), N, V);
            __syncthreads();
            den = border_rows_den(B, tau, kap, it2, c, rmax);
        } else {
            border_rows<T, 2, false>(B, S_X0, S_L0, it2, S_B1, S_I1, c, rmax);
        }
        const T den0 = kap / tau + xQx;
        if constexpr (!cpu_method<T>()) {
            den = den0 - c[0];
        } else {
            // The bordered refinement's approximate inverse takes den0 − c₀, the Schur
            // complement of the bordered system with the computed d₂ (the approximate inverse
            // is then the exact inverse of a nearby system: fewer refinement steps than with
            // the sum form alone, 21.5 against 22.1 per example), unless it has fallen below
            // half the sum form (`border_rows_den`): lost its size or its sign to d₂'s solve
            // error, as in the peers' example 1853, where it made that system near-singular
            // and the refinement diverge.
            const T den_d2 = den0 - c[0];
            if (den_d2 >= T(0.5) * den) den = den_d2;
        }
        // The affine Δτ (d_κ/τ = τκ/τ = κ).
        T dtau_a;
        if constexpr (cpu_method<T>())
            dtau_a = bordered_solve<T, true>(B, S_B1, S_I1, S_X1, S_L1, rtau - kap, den0, den, it2, c[1], rmax,
                                             refine_it);
        else
            dtau_a = (rtau - kap + c[1]) / den;
        PROF_MARK(2);
        const T dkap_a = -(tau * kap + kap * dtau_a) / tau;
        // Affine Δλ = S_L1 (f32: x1 + Δτ x2); Δs = −s − Hs∘Δλ (d_s/λ = s).
        for (int i = threadIdx.x; i < p; i += NT) {
            const T dl = cpu_method<T>() ? B.v(S_L1)[i] : B.v(S_L1)[i] + dtau_a * B.v(S_L0)[i];
            const T s = B.v(S_S)[i], l = B.v(S_LAM)[i];
            B.v(S_DLA)[i] = dl;
            B.v(S_DSA)[i] = -s - (s / l) * dl;
        }
        __syncthreads();
        const T a_aff = tmin(T(1), step_to_boundary(B, B.v(S_DSA), B.v(S_DLA), tau, dtau_a, kap, dkap_a));
        // ---- 6.
        const T mu = (sl + tau * kap) / (T)(p + 1);
        const T om = T(1) - a_aff;
        const T sigma = om * om * om;
        const T f = T(1) - sigma;
        // ---- 7. corrector (RHS 1; RHS 0 is reused).
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_B1)[i] = i < n ? f * B.v(S_RX)[i] : (i < N ? -f * B.v(S_REQ)[i - n] : T(0));
            if (i < p) {
                const T s = B.v(S_S)[i], l = B.v(S_LAM)[i];
                const T ds = s * l + B.v(S_DSA)[i] * B.v(S_DLA)[i] - sigma * mu;
                B.v(S_U)[i] = ds / l;  // d_s/λ
                B.v(S_I1)[i] = -f * B.v(S_RIN)[i] + ds / l;
            } else {
                B.v(S_I1)[i] = T(0);
            }
        }
        __syncthreads();
        PROF_MARK(3);
        if constexpr (cpu_method<T>())
            reduced_solve<T, 1>(B, S_B1, S_I1, S_X1, S_L1);
        else
            kkt_solve<T, 1>(B, S_B1, S_I1, S_X1, S_L1);
        const T dk = tau * kap + dtau_a * dkap_a - sigma * mu;
        T c1[1], rmax1;
        border_rows<T, 1, cpu_method<T>()>(B, S_X1, S_L1, it2, S_B1, S_I1, c1, rmax1);
        T dtau;
        if constexpr (cpu_method<T>())
            dtau = bordered_solve<T, false>(B, S_B1, S_I1, S_X1, S_L1, f * rtau - dk / tau, den0, den, it2, c1[0],
                                            rmax1, refine_it);
        else
            dtau = (f * rtau - dk / tau + c1[0]) / den;
        PROF_MARK(2);
        const T dkap = -(dk + kap * dtau) / tau;
        // Full direction in S_X1 (Δz;Δν), S_L1 (Δλ) (f32: x1 + Δτ x2), S_T0 (Δs).
        if constexpr (cpu_method<T>()) {
            for (int i = threadIdx.x; i < p; i += NT) {
                const T s = B.v(S_S)[i], l = B.v(S_LAM)[i];
                B.v(S_T0)[i] = -B.v(S_U)[i] - (s / l) * B.v(S_L1)[i];
            }
        } else {
            for (int i = threadIdx.x; i < V; i += NT) {
                if (i < N) B.v(S_X1)[i] += dtau * B.v(S_X0)[i];
                if (i < p) {
                    const T dl = B.v(S_L1)[i] + dtau * B.v(S_L0)[i];
                    const T s = B.v(S_S)[i], l = B.v(S_LAM)[i];
                    B.v(S_L1)[i] = dl;
                    B.v(S_T0)[i] = -B.v(S_U)[i] - (s / l) * dl;
                }
            }
        }
        __syncthreads();
        // Safeguard (f64, as the CPU's `MAX_BOOSTS`): a direction that is not finite is
        // computed again from a factorization with 100× the regularization (ε, and the dynamic
        // regularization's threshold and value), kept for the rest of this example's solve, at
        // most three times. The iteration restarts at its residuals (unchanged; W regularized
        // anew) and is not counted twice. (Not measured in the f32 kernel, which keeps its
        // breakdowns as before.)
        if constexpr (cpu_method<T>()) {
            T s0[1] = {T(0)}, mx0[1] = {T(0)};
            for (int i = threadIdx.x; i < V; i += NT) {
                if (i < N) s0[0] += T(0) * B.v(S_X1)[i];
                if (i < p) s0[0] += T(0) * (B.v(S_L1)[i] + B.v(S_T0)[i]);
            }
            block_reduce<T, 1, 1>(s0, mx0, B.red);
            const bool finite = s0[0] == T(0) && isfinite(dtau) && isfinite(dkap);
            if (!finite && boosts < 3) {
                boosts++;
                B.boost *= T(100);
                iter--;
                continue;
            }
        }
        // ---- 8. step.
        const T alpha = (a_aff >= aff_c ? frac_c : frac) * tmin(T(1), step_to_boundary(B, B.v(S_T0), B.v(S_L1), tau, dtau, kap, dkap));
        for (int i = threadIdx.x; i < V; i += NT) {
            if (i < n) B.v(S_Z)[i] += alpha * B.v(S_X1)[i];
            if (i < m) B.v(S_NU)[i] += alpha * B.v(S_X1)[n + i];
            if (i < p) {
                B.v(S_LAM)[i] += alpha * B.v(S_L1)[i];
                B.v(S_S)[i] += alpha * B.v(S_T0)[i];
            }
        }
        tau += alpha * dtau;
        kap += alpha * dkap;
        __syncthreads();
        if (!(alpha >= (T)P.min_step_length)) {
            status = ST_INSUFFICIENT;
            break;
        }
    }
    // As the CPU: a stalled or capped run that meets the reduced tolerances is almost solved.
    if ((status == ST_INSUFFICIENT || status == ST_MAX_ITER) && kt <= T(1) &&
        (gap_abs < (T)P.reduced_tol_gap || gap_rel < (T)P.reduced_tol_gap) &&
        res_p < (T)P.reduced_tol_feas && res_d < (T)P.reduced_tol_feas)
        status = ST_ALMOST;
    // Unlike the CPU: a breakdown after an iterate met the reduced tolerances returns that
    // iterate, almost solved.
    if ((status == ST_NUMERICAL || status == ST_INSUFFICIENT || status == ST_MAX_ITER) && have_b) {
        __syncthreads();
        for (int i = threadIdx.x; i < V; i += NT) {
            B.v(S_Z)[i] = B.v(S_ZB)[i];
            B.v(S_NU)[i] = B.v(S_NUB)[i];
            B.v(S_LAM)[i] = B.v(S_LAMB)[i];
            B.v(S_S)[i] = B.v(S_SB)[i];
            B.v(S_QZ)[i] = B.v(S_QZB)[i];
        }
        __syncthreads();
        tau = tau_b; kap = kap_b; res_p = rp_b; res_d = rd_b; gap_abs = gap_b;
        status = ST_ALMOST;
    }
    PROF_MARK(3);
    // ---- Output: (z, ν, λ, s)/τ (in the original units: z = D z̃, ν = E_A ν̃/c,
    // λ = E_G λ̃/c, s = s̃/E_G), statistics, and for solved examples the factorization at the
    // solution's W for the backward pass (in the scaled units, as the backward pass works).
    // The solution is the iterate over τ; a certificate is normalized by κ; a numerical
    // error gives NaN.
    const bool cert = status == ST_PRIMAL_INF || status == ST_DUAL_INF;
    const T it = status == ST_NUMERICAL ? tnan<T>() : T(1) / (cert ? kap : tau);
    T* o = out + e * L.out_stride;
    // 0·(each value written): NaN where one is not finite (the probe below).
    T probe = T(0);
    for (int i = threadIdx.x; i < n; i += NT) {
        const T v = B.v(S_Z)[i] * it * B.d_of(i);
        o[i] = v;
        probe += T(0) * v;
    }
    // The answer's primal residual in the original units (the CPU's `primal_residual`, below):
    // Az − b = E_A⁻¹(Ãz̃/τ − b̃) and Gz + s − h = E_G⁻¹(G̃z̃/τ + s̃/τ − h̃), with Ãz̃, G̃z̃ from
    // the last residual pass, which saw this iterate unless it is an almost solved one (a
    // stalled step moved it, or a kept iterate came back): those are multiplied again.
    if (status == ST_ALMOST) {
        // (A plain loop: a rare path, kept small; `gemv_n` here cost the one-block kernel 80
        // bytes more of spills and 3–4 % of its time at batches 1 and 128, session 30's run 1.)
#pragma unroll 1
        for (int i = threadIdx.x; i < m + p; i += NT) {
            const T* row = i < m ? B.A + (long long)i * n : B.G + (long long)(i - m) * n;
            T a = T(0);
#pragma unroll 1
            for (int j = 0; j < n; j++) a += row[j] * B.v(S_Z)[j];
            if (i < m) B.v(S_AZ)[i] = a;
            else B.v(S_GZ)[i - m] = a;
        }
        __syncthreads();
    }
    // max |(Az − b, Gz + s − h)|, max |(b, h, Az, Gz, s)|
    T mx0[2] = {T(0), T(0)};
    for (int i = threadIdx.x; i < m; i += NT) {
        const T v = B.v(S_NU)[i] * it * B.e_of(i) * B.ic_of();
        o[n + i] = v;
        const T iea = B.ie_of(i), az = B.v(S_AZ)[i] * it * iea, b = B.v(S_BV)[i] * iea, r = az - b;
        probe += T(0) * (v + r);
        mx0[0] = tmax(mx0[0], tabs(r));
        mx0[1] = tmax(mx0[1], tmax(tabs(az), tabs(b)));
    }
    for (int i = threadIdx.x; i < p; i += NT) {
        const T ieg = B.ie_of(m + i);
        const T l = B.v(S_LAM)[i] * it * B.e_of(m + i) * B.ic_of(), v = B.v(S_S)[i] * it * ieg;
        o[n + m + i] = l;
        o[n + m + p + i] = v;
        const T gz = B.v(S_GZ)[i] * it * ieg, h = B.v(S_H)[i] * ieg, r = gz + v - h;
        probe += T(0) * (l + v + r);
        mx0[0] = tmax(mx0[0], tabs(r));
        mx0[1] = tmax(mx0[1], tmax(tmax(tabs(gz), tabs(h)), tabs(v)));
    }
    bool solved = status == ST_SOLVED || status == ST_ALMOST;
    // A polished answer keeps the last polishing solve's factors below, also when the check
    // makes it almost solved (as the CPU keeps its factors).
    const bool polished = polishing >= 2 && status == ST_SOLVED;
    {
        // objective ½ξᵀQξ + qᵀξ from the last residual pass (Qz was computed there).
        T sm2[3] = {T(0), T(0), probe};
        for (int i = threadIdx.x; i < n; i += NT) {
            sm2[0] += B.v(S_Z)[i] * B.v(S_QZ)[i];
            sm2[1] += B.v(S_Q)[i] * B.v(S_Z)[i];
        }
        block_reduce<T, 3, 2>(sm2, mx0, B.red);
        const T obj = (T(0.5) * sm2[0] * it * it + sm2[1] * it) * B.ic_of();  // τ scaling when solved
        // As the CPU (cpu/mod.rs `check_answer`, since 2026-11-23; the kernel's finiteness
        // check since session 29, its residual since session 30): an answer reported solved
        // whose values in the original units, objective or primal residual are not finite
        // (extreme data, e.g. Az = b with b near the largest double and small A), or whose
        // primal residual ‖(Az − b, Gz + s − h)‖∞ / max(1, ‖(b, h)‖∞, ‖(Az, Gz)‖∞, ‖s‖∞) is above
        // the reduced tolerance, is a numerical error, its values kept as computed; a solved
        // one above 1000× the tolerance is almost solved. The block agrees (the reductions are
        // every thread's), so a numerical error writes no factorization for the backward
        // pass, which gives the example zero gradients. (The residual is the HSDE's measure
        // recomputed on the answer itself: τ → 0 with κ → 0 can let rounding noise divided by
        // τ pass the loop's test. The CPU takes the original arrays and, for f32 data, the
        // answer rounded to f32; here the scaled ones mapped back through E, in f64 for f32
        // data: the same measure to rounding.)
        const T res = mx0[0] / tmax(T(1), mx0[1]);
        if (solved && !(isfinite(obj) && sm2[2] == T(0) && res <= (T)P.reduced_tol_feas)) {
            status = ST_NUMERICAL;
            solved = false;
        } else if (status == ST_SOLVED && res > tmin(T(1000) * (T)P.tol_feas, (T)P.reduced_tol_feas)) {
            status = ST_ALMOST;
        }
        if (threadIdx.x == 0) {
            o[n + m + 2 * p + 0] = solved ? obj : tnan<T>();
            const T bad = status == ST_NUMERICAL ? tnan<T>() : T(1);
            o[n + m + 2 * p + 1] = res_p * bad;
            o[n + m + 2 * p + 2] = res_d * bad;
            o[n + m + 2 * p + 3] = gap_abs * bad;
            ist[IST * e] = status;
            if (prof != nullptr) {  // the block's cycles (the start parked in this slot)
                const unsigned t_end = (unsigned)clock64(), t_start = (unsigned)ist[IST * e + 1];
                const unsigned long long cycles = t_end - t_start;
                atomicAdd(prof + PROF_PHASES + 6, cycles);
                // The slowest block: its cycles, iterations and example (within the launch).
                atomicMax(prof + PROF_PHASES + 7,
                          cycles << 32 | (unsigned long long)min(iter, 255) << 24 | (unsigned long long)e);
            }
            ist[IST * e + 1] = iter;
        }
    }
    if (solved && fac != nullptr) {
        if (polished) {
            // K holds the factors at the polished solution's W (W_ACTIVE on its set, where
            // s = 0, W_INACTIVE off it): the last polishing solve's.
            for (int i = threadIdx.x; i < p; i += NT)
                B.v(S_W)[i] = B.v(S_T1)[i] != T(0) ? (T)W_ACTIVE : (T)W_INACTIVE;
            __syncthreads();
        } else {
            for (int i = threadIdx.x; i < p; i += NT)
                B.v(S_W)[i] = solution_weight(B.v(S_LAM)[i], B.v(S_S)[i]);
            __syncthreads();
            regularize_w(B, true);  // f32 too: the backward pass refines against W itself
            __syncthreads();
            assemble(B);
            factor(B);
        }
        T* f = fac + e * L.fac_stride;
        // K for the backward pass: the factors in the lower triangle, zeros on the diagonal (D⁻¹
        // follows), and in the one-block kernels Q and Aᵀ (`load_q`) in the upper triangle, zeros
        // in the two-block kernels'. The K-global module's K is f's first N×N.
        if constexpr (!(X2 && KGLOBAL)) {
            for (int x = threadIdx.x; x < N * N; x += NT) {
                const int i = x / N, j = x - i * N;
                f[x] = (X2 ? j < i : j != i) ? B.K[i * B.ld + j] : T(0);
            }
        }
        for (int i = threadIdx.x; i < N; i += NT) f[N * N + i] = B.v(S_INVD)[i];
        for (int i = threadIdx.x; i < p; i += NT) f[N * N + N + i] = B.v(S_W)[i];
    }
    PROF_MARK(4);
    if (prof != nullptr && threadIdx.x == 0) {
        for (int k = 0; k < PROF_PHASES; k++) atomicAdd(prof + k, (unsigned long long)ph[k]);
        atomicAdd(prof + PROF_PHASES, (unsigned long long)iter);
        atomicAdd(prof + PROF_PHASES + 1, (unsigned long long)B.nref);
        for (int k = 0; k < 4; k++) atomicAdd(prof + PROF_PHASES + 2 + k, (unsigned long long)B.sub[k]);
    }
}

// ---------------------------------------------------------------- the backward kernel

// OptNet eq. 7 at the solution, solved as the full system
//   [Q Aᵀ Gᵀ; A 0 0; G 0 −W⁻¹] (d_z, d_ν, d̃λ) = (−∂ℓ/∂z, 0, 0),   W = λ/s,
// whose last block gives d̃λ = W∘(G d_z) = D(λ)d_λ: the stored LDLᵀ factorization of the
// reduced matrix Q + GᵀWG (forward pass, at the solution's W) preconditions iterative
// refinement on the full system (the reduced system alone loses all accuracy once W reaches
// 1/ε at active constraints). adj per example: d_z (n) | d_ν (m) | d̃λ (p); zeros for
// examples that did not solve. Equilibrated data (`Params::scal`, the forward pass's scalings): the
// system is solved in the scaled units with right-hand side −D∘∂ℓ/∂z, and its solution y maps
// back as d_z = c·D∘y_z, d_ν = E_A∘y_ν, d̃λ = E_G∘y_λ (the CPU's `adjoints`).
template <typename T, bool X2>
__device__ __forceinline__ void backward(const Layout& L0, const Params& P, const T* data, const int* ist,
                         const T* fac, const T* dl_dz, T* adj) {
    const Layout L = with_dims(L0);
    const int e = blockIdx.x;
    const int n = L.n, m = L.m, p = L.p, N = L.N;
    T* a = adj + (long long)e * (n + m + p);
    const int st = ist[IST * e];
    if (!(st == ST_SOLVED || st == ST_ALMOST)) {
        for (int i = threadIdx.x; i < n + m + p; i += NT) a[i] = T(0);
        return;
    }
    Blk<T, X2> B;
    const T* f = fac + e * L.fac_stride;
    // The backward pass uses no slot of `X2_GLOBAL`. K in f holds the factors in its lower
    // triangle and (but in the two-block kernels) Q and Aᵀ in its upper one (the forward pass's
    // `load_q`, which the full-system products read): the K-global module reads it there and
    // does not write it, the one-block kernels copy it whole and load only Q's diagonal, the
    // two-block kernels copy the factors and load Q and Aᵀ again.
    setup(B, L, P, data, e, (T*)nullptr, const_cast<T*>(f));
    const int V = B.V, ld = B.ld;
    if constexpr (X2 && KGLOBAL) {
        load_q<T, X2, false>(B);
    } else if constexpr (X2) {
        load_q(B);
        for (int i = threadIdx.x; i < N * N; i += NT) {
            const int ii = i / N, j = i - ii * N;
            if (j < ii) B.K[ii * ld + j] = f[i];
        }
    } else {
        load_q<T, X2, false>(B);
        each_loaded(f, N * N, [&](int i, T x) {
            const int ii = i / N, j = i - ii * N;
            B.K[ii * ld + j] = x;
        });
    }
    for (int i = threadIdx.x; i < V; i += NT) {
        B.v(S_INVD)[i] = i < N ? f[N * N + i] : T(0);
        B.v(S_W)[i] = i < p ? f[N * N + N + i] : T(0);
        B.v(S_B0)[i] = i < n ? -B.d_of(i) * dl_dz[(long long)e * n + i] : T(0);
        B.v(S_I0)[i] = T(0);
    }
    __syncthreads();
    regularize_w(B, true);  // the stored factorization's W
    __syncthreads();
    kkt_solve<T, 1>(B, S_B0, S_I0, S_X0, S_L0);
    for (int i = threadIdx.x; i < n + m; i += NT)
        a[i] = i < n ? B.v(S_X0)[i] * B.c_of() * B.d_of(i) : B.v(S_X0)[i] * B.e_of(i - n);
    for (int k = threadIdx.x; k < p; k += NT) a[n + m + k] = B.v(S_L0)[k] * B.e_of(m + k);
}

// One precision per compiled module (NVRTC is given -DOPTNET_F64 or -DOPTNET_F32), so a
// process pays compile time only for the precision it uses. A narrow module
// (-DOPTNET_NARROW=B, 128 threads: mod.rs `NARROW_THREADS`) holds only the two-block kernels,
// with launch bounds for B blocks per multiprocessor, for small reduced matrices at large
// batches; the K-global module (-DOPTNET_KGLOBAL) only the two-block kernels too, with K in
// `fac`, for reduced matrices that do not fit shared memory.
#if defined(OPTNET_F64) && !defined(OPTNET_NARROW) && !defined(OPTNET_KGLOBAL)
extern "C" __global__ void __launch_bounds__(NT, 1)
pdipm_f64(const Layout L, const Params P, const double* data, double* out, int* ist, double* fac,
          unsigned long long* prof) {
    pdipm<double, false>(L, P, data, out, ist, fac, prof, nullptr);
}
extern "C" __global__ void __launch_bounds__(NT, 1)
backward_f64(const Layout L, const Params P, const double* data, const int* ist, const double* fac,
             const double* dl_dz, double* adj) {
    backward<double, false>(L, P, data, ist, fac, dl_dz, adj);
}
#endif
#ifdef OPTNET_F64
// The same kernels with two blocks per multiprocessor (large batches; mod.rs says when): at most
// 128 registers per thread, and the two-block layout (`Blk<T, true>`: G and X2_NGLOBAL vector
// slots in global memory, `gvec` holding batch × X2_NGLOBAL × V values). Same arithmetic. In
// a narrow module with B = 4 the same 128 registers make up to four 128-thread blocks per
// multiprocessor, as many as their shared memory allows; with B = 2, 255 registers. The
// K-global module's launch bounds ask for one block (at its default 1024 threads, 64 registers).
#ifdef OPTNET_NARROW
#define X2_BLOCKS OPTNET_NARROW
#elif defined(OPTNET_KGLOBAL)
#define X2_BLOCKS 1
#else
#define X2_BLOCKS 2
#endif
extern "C" __global__ void __launch_bounds__(NT, X2_BLOCKS)
pdipm2_f64(const Layout L, const Params P, const double* data, double* out, int* ist, double* fac,
           unsigned long long* prof, double* gvec) {
    pdipm<double, true>(L, P, data, out, ist, fac, prof, gvec);
}
extern "C" __global__ void __launch_bounds__(NT, X2_BLOCKS)
backward2_f64(const Layout L, const Params P, const double* data, const int* ist, const double* fac,
              const double* dl_dz, double* adj) {
    backward<double, true>(L, P, data, ist, fac, dl_dz, adj);
}
#endif
#ifdef OPTNET_F32
// f32 fits two 256-thread blocks per multiprocessor (registers and shared memory) for
// n = p = 100.
extern "C" __global__ void __launch_bounds__(NT, NT <= 256 ? 2 : 1)
pdipm_f32(const Layout L, const Params P, const float* data, float* out, int* ist, float* fac,
          unsigned long long* prof) {
    pdipm<float, false>(L, P, data, out, ist, fac, prof, nullptr);
}
extern "C" __global__ void __launch_bounds__(NT, 1)
backward_f32(const Layout L, const Params P, const float* data, const int* ist, const float* fac,
             const float* dl_dz, float* adj) {
    backward<float, false>(L, P, data, ist, fac, dl_dz, adj);
}
#endif
