// What the kernels' sources share: the solver's (pdipm.cu), the equilibration kernel's
// (ruiz.cu) and the batch sums' (sums.cu). A batch's layout as the host passes it, the
// dimensions of a module specialized for one shape, and the examples' status codes. Not
// compiled on its own: the host puts this text before each source (context.rs `SOURCE`,
// `RUIZ_SOURCE`, `SUMS_SOURCE`), followed by a `#line 1` directive for the source's own name.

#define FULL 0xffffffffu

// Status codes, as `Status::code` on the host.
#define ST_RUNNING -1
#define ST_SOLVED 0
#define ST_PRIMAL_INF 1
#define ST_DUAL_INF 2
#define ST_MAX_ITER 3
#define ST_NUMERICAL 4
#define ST_ALMOST 5
#define ST_INSUFFICIENT 6
// Ints per example in the forward kernel's `ist` (mod.rs `IST`): its status, its iterations,
// its polishing solves.
#define IST 3

// Where each array of the batch lives in the input buffer (element offsets) and the
// per-example stride (0 when the array is shared by the batch). Mirrors `Layout` in mod.rs.
struct Layout {
    long long oQ, oq, oA, ob, oG, oh;
    long long sQ, sq, sA, sb, sG, sh;
    long long out_stride;  // elements per example in `out`
    long long fac_stride;  // elements per example in `fac`
    int n, m, p, batch;
    int N, ld, V, g_smem;
    int k_global;  // K in `fac` (set for the K-global module's launches, which know it at compile time)
};

// A module specialized for one shape (-DOPTNET_DIMS, f64 only; context.rs `Dims`): the host passes
// n, m, p and the layout's N, ld and V as OPTNET_DIM_N … OPTNET_DIM_V, and launches the module
// only for problems of that shape. The dimensions are then constants wherever the kernels use
// them: loop bounds and strides fold into the instructions (immediate offsets instead of
// address arithmetic, fixed trip counts instead of loop tests). The generic module takes them
// from `Layout` at run time.
#if defined(OPTNET_DIMS) && !defined(OPTNET_F64)
#error "OPTNET_DIMS specializes the f64 modules only"
#endif

// The launch's layout with a specialized module's dimensions as constants (OPTNET_DIMS: the
// host launches that module only for layouts of its shape), else as it is.
__device__ __forceinline__ Layout with_dims(Layout L) {
#ifdef OPTNET_DIMS
    L.n = OPTNET_DIM_N;
    L.m = OPTNET_DIM_M;
    L.p = OPTNET_DIM_P;
    L.N = OPTNET_DIM_NN;
    L.ld = OPTNET_DIM_LD;
    L.V = OPTNET_DIM_V;
#endif
    return L;
}
