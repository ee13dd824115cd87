//! Dense kernels on a pack of examples interleaved across SIMD lanes.
//!
//! [`super::lanes`] solves [`W`] examples of one batch in lockstep: every number of the
//! method becomes a lane vector `[T; W]` holding that number for each example, and every
//! matrix is stored with a lane vector per entry (column-major for Q, A and G:
//! `M[j·rows + i][l]` is entry (i, j) of example l; the factor F as a packed lower
//! triangle, row by row, see [`tri`]). Each kernel below is then the textbook loop of one
//! example with its scalar operations widened to full vector instructions: no horizontal
//! sums, no tails, and the dependency chains of the factorization and the triangular
//! solves are shared by W examples instead of stalling one. At n ≈ 100 that is what the
//! per-example kernels lack (see [`super::dense`]); the interleaved Q, G and F of a pack
//! (1.6 MB at n = p = 100) still sit in L2.
//!
//! Like [`super::dense`], every kernel runs under [`dispatch`], which compiles it for AVX2
//! with FMA and picks it at run time where the CPU has it. The two kernels with register
//! tiles, [`form_h`] and [`ldl_factor`], are also compiled for AVX-512 and take that build
//! where the CPU has it: still 256-bit vectors, but 32 registers instead of 16, so larger
//! tiles (fewer loads per multiply–add).

use super::dense::dispatch;
use crate::Real;
use pulp::{Simd, WithSimd};

/// Examples per pack: one AVX2 register of `f64`. (Eight, one AVX-512 register, was
/// measured slower on the development machine, whose 512-bit FMA throughput is half its
/// 256-bit one, and its packs outgrew L2.)
pub(crate) const W: usize = 4;

/// One number of each example of a pack.
pub(crate) type V<T> = [T; W];

/// a·b + c, fused where the instruction set has it.
#[inline(always)]
fn fma<T: Real>(a: T, b: T, c: T) -> T {
    num_traits::Float::mul_add(a, b, c)
}

/// y ← a·b + y, lane by lane.
#[inline(always)]
fn axpy<T: Real>(y: &mut V<T>, a: &V<T>, b: &V<T>) {
    for l in 0..W {
        y[l] = fma(a[l], b[l], y[l]);
    }
}

/// y ← y − a·b, lane by lane.
#[inline(always)]
fn axmy<T: Real>(y: &mut V<T>, a: &V<T>, b: &V<T>) {
    for l in 0..W {
        y[l] = fma(-a[l], b[l], y[l]);
    }
}

/// Runs `f` compiled for the CPU's best instruction set.
#[inline(always)]
fn run<R, F: FnOnce() -> R>(f: F) -> R {
    struct Op<F>(F);
    impl<R, F: FnOnce() -> R> WithSimd for Op<F> {
        type Output = R;
        #[inline(always)]
        fn with_simd<S: Simd>(self, _: S) -> R {
            (self.0)()
        }
    }
    dispatch(Op(f))
}

/// Runs `f` compiled for AVX-512 where the CPU has it, else returns `None`. The vectors
/// stay 256 bits wide (this project's development CPU issues 512-bit multiply–adds at half
/// the rate), but AVX-512 doubles the vector registers to 32, room for larger register
/// tiles.
#[inline(always)]
fn run_avx512<R>(f: impl FnOnce() -> R) -> Option<R> {
    #[cfg(target_arch = "x86_64")]
    if let Some(s) = pulp::x86::V4::try_new() {
        return Some(s.vectorize(f));
    }
    let _ = f;
    None
}

/// Right-hand sides of one product or solve, for the kernels that take several at once
/// (`R` ≤ [`MAX_RHS`]): each pass over the matrix or the factors serves all `R`, and
/// each is summed in the same order, so rounded exactly, whatever `R` is.
pub(crate) const MAX_RHS: usize = 2;

/// yᵣ ← β·yᵣ + α·M xᵣ for each of `R` right-hand sides, M `rows × cols` column-major (β is
/// 0 or 1): four columns per sweep of the yᵣ (four multiply–adds per load and store of
/// `yᵣ[i]`), each block of columns read once for all `R`.
pub(crate) fn gemv_n<T: Real, const R: usize>(
    y: [&mut [V<T>]; R],
    M: &[V<T>],
    rows: usize,
    cols: usize,
    x: [&[V<T>]; R],
    alpha: T,
    beta_one: bool,
) {
    const { assert!(R >= 1 && R <= MAX_RHS) };
    run(
        #[inline(always)]
        || {
            let mut y = y.map(|y| &mut y[..rows]);
            if !beta_one {
                for y in &mut y {
                    y.fill([T::zero(); W]);
                }
            }
            let mut j = 0;
            while j + 4 <= cols {
                let mut ax = [[[T::zero(); W]; 4]; R];
                for (a, x) in ax.iter_mut().zip(&x) {
                    *a = std::array::from_fn(|c| x[j + c].map(|v| v * alpha));
                }
                let m0 = &M[j * rows..(j + 1) * rows];
                let m1 = &M[(j + 1) * rows..(j + 2) * rows];
                let m2 = &M[(j + 2) * rows..(j + 3) * rows];
                let m3 = &M[(j + 3) * rows..(j + 4) * rows];
                for i in 0..rows {
                    let e = [&m0[i], &m1[i], &m2[i], &m3[i]];
                    for r in 0..R {
                        let mut t = y[r][i];
                        for c in 0..4 {
                            axpy(&mut t, e[c], &ax[r][c]);
                        }
                        y[r][i] = t;
                    }
                }
                j += 4;
            }
            while j < cols {
                let mc = &M[j * rows..][..rows];
                for r in 0..R {
                    let ax = x[r][j].map(|v| v * alpha);
                    for (yi, m) in y[r].iter_mut().zip(mc) {
                        axpy(yi, m, &ax);
                    }
                }
                j += 1;
            }
        },
    )
}

/// yᵣ ← yᵣ + α·Mᵀxᵣ for each of `R` right-hand sides, M `rows × cols` column-major: 4/R
/// columns per sweep of the xᵣ (eight chains of accumulation), each column's sum over its
/// even rows and over its odd rows, then added.
pub(crate) fn gemv_t<T: Real, const R: usize>(
    y: [&mut [V<T>]; R],
    M: &[V<T>],
    rows: usize,
    cols: usize,
    x: [&[V<T>]; R],
    alpha: T,
) {
    const { assert!(R >= 1 && R <= MAX_RHS) };
    run(
        #[inline(always)]
        || {
            let cb = 4 / R;
            let x = x.map(|x| &x[..rows]);
            let y = y.map(|y| &mut y[..cols]);
            let mut j = 0;
            while j < cols {
                let bw = cb.min(cols - j);
                // Four column streams and two right-hand side streams whatever R is: those
                // past `bw` columns or `R` sides repeat the last; they are not read (their
                // loads are dead) or, for the columns past `cols`, not stored.
                let c: [&[V<T>]; 4] = std::array::from_fn(|b| {
                    let jj = j + b.min(bw - 1);
                    &M[jj * rows..][..rows]
                });
                let [u0, u1]: [&[V<T>]; 2] = std::array::from_fn(|r| x[r.min(R - 1)]);
                // acc[column][right-hand side][chain]
                let mut acc = [[[[T::zero(); W]; 2]; MAX_RHS]; 4];
                // (Pairs of rows zipped in chunks: indexed, the loop kept bounds checks.)
                for (((e0, e1), (e2, e3)), (v0, v1)) in c[0]
                    .chunks_exact(2)
                    .zip(c[1].chunks_exact(2))
                    .zip(c[2].chunks_exact(2).zip(c[3].chunks_exact(2)))
                    .zip(u0.chunks_exact(2).zip(u1.chunks_exact(2)))
                {
                    let (e, v) = ([e0, e1, e2, e3], [v0, v1]);
                    for b in 0..cb {
                        for r in 0..R {
                            axpy(&mut acc[b][r][0], &e[b][0], &v[r][0]);
                            axpy(&mut acc[b][r][1], &e[b][1], &v[r][1]);
                        }
                    }
                }
                if rows % 2 == 1 {
                    let i = rows - 1;
                    for b in 0..cb {
                        for r in 0..R {
                            axpy(&mut acc[b][r][0], &c[b][i], &x[r][i]);
                        }
                    }
                }
                for b in 0..bw {
                    for r in 0..R {
                        let (a, yj) = (&acc[b][r], &mut y[r][j + b]);
                        for l in 0..W {
                            yj[l] = fma(alpha, a[0][l] + a[1][l], yj[l]);
                        }
                    }
                }
                j += bw;
            }
        },
    )
}

/// One sweep over G (`p × n` column-major) for both products of a residual:
/// gl ← gl + α·Gᵀλ and gz ← gz + β·G z, four columns at a time (one load and store of
/// gz per four columns).
#[allow(clippy::too_many_arguments)]
pub(crate) fn g_sweep<T: Real>(
    G: &[V<T>],
    p: usize,
    n: usize,
    lam: &[V<T>],
    gl: &mut [V<T>],
    alpha: T,
    z: &[V<T>],
    gz: &mut [V<T>],
    beta: T,
) {
    run(
        #[inline(always)]
        || {
            let (lam, gz) = (&lam[..p], &mut gz[..p]);
            let mut j = 0;
            while j < n {
                let bw = 4.min(n - j);
                // Columns past n repeat the last with a zero weight and are not stored.
                let [c0, c1, c2, c3]: [&[V<T>]; 4] = std::array::from_fn(|b| {
                    let jj = (j + b).min(n - 1);
                    &G[jj * p..(jj + 1) * p]
                });
                let az: [V<T>; 4] = std::array::from_fn(|b| {
                    if b < bw {
                        z[j + b].map(|v| v * beta)
                    } else {
                        [T::zero(); W]
                    }
                });
                let mut acc = [[T::zero(); W]; 4];
                // (Rows zipped: indexed, the loop kept a bounds check per column.)
                for (((t, li), (e0, e1)), (e2, e3)) in gz
                    .iter_mut()
                    .zip(lam)
                    .zip(c0.iter().zip(c1))
                    .zip(c2.iter().zip(c3))
                {
                    let mut u = *t;
                    for (b, e) in [e0, e1, e2, e3].into_iter().enumerate() {
                        axpy(&mut acc[b], e, li);
                        axpy(&mut u, e, &az[b]);
                    }
                    *t = u;
                }
                for b in 0..bw {
                    for l in 0..W {
                        gl[j + b][l] = fma(alpha, acc[b][l], gl[j + b][l]);
                    }
                }
                j += bw;
            }
        },
    )
}

/// Panel width of the factorization (its panel updates take tiles of [`TB`] × [`TB`]: 3 × 3
/// measured faster here than [`form_h`]'s 4 × 3) and block size of the triangular solves.
pub(crate) const TB: usize = 3;

/// The widest panel of [`ldl_factor`] (its scratch `u` holds N·`PB` lane vectors).
pub(crate) const PB: usize = 4;

/// Offset of row i of a lower triangle stored row by row (row i has i + 1 entries).
#[inline(always)]
pub(crate) fn tri(i: usize) -> usize {
    i * (i + 1) / 2
}

/// The first `len` entries of rows first, first + 1, … of the packed triangle F, rows past
/// `last` clamped to `last` (a tile's rows past the matrix read a real row; their results
/// are dropped).
#[inline(always)]
fn tri_rows<T, const R: usize>(F: &[V<T>], first: usize, last: usize, len: usize) -> [&[V<T>]; R] {
    std::array::from_fn(|a| {
        let r = (first + a).min(last);
        &F[tri(r)..tri(r) + len]
    })
}

/// Rows of G per block of [`form_h`] (G·diag(w) of a tile's `TJ` columns (`form_h_tiles`) is kept for a
/// block: 12 KiB). Measured at n = p = 100: blocks of 16, 32, 64 and 128 rows took 172,
/// 149, 137 and 125 µs per pack: each block costs a tile's loads and stores of its
/// accumulators, and a whole column of G stays in L2 anyway.
const KC: usize = 128;

/// The (1,1) block of K: `F[i, j] ← Q[i, j] + Σₖ G[k, i]·w[k]·G[k, j]` for j ≤ i < n, with G
/// `p × n` and Q `n × n` column-major, F the packed lower triangle ([`tri`]).
///
/// Register tiles of TI rows (their columns of G loaded once per k) × TJ columns (G·diag(w)
/// of a block of [`KC`] rows, read from L1 by the multiply–adds): 4 × 6, 24 accumulators,
/// with AVX-512's 32 registers; 4 × 3, 12 accumulators, with AVX2's 16. Measured at
/// n = p = 100 on the development machine: 90 µs per pack against 117 µs.
pub(crate) fn form_h<T: Real>(
    F: &mut [V<T>],
    Q: &[V<T>],
    n: usize,
    G: &[V<T>],
    w: &[V<T>],
    p: usize,
) {
    let wide = run_avx512(
        #[inline(always)]
        || form_h_tiles::<T, 4, 6>(F, Q, n, G, w, p),
    );
    if wide.is_none() {
        run(
            #[inline(always)]
            || form_h_tiles::<T, 4, 3>(F, Q, n, G, w, p),
        )
    }
}

/// w∘G for the columns j0.. of a tile of [`form_h`] (past n clamped, their results dropped),
/// rows k0..k0 + kc. Compiled for AVX2 only and never inlined: in the AVX-512 build of
/// [`form_h`] the compiler widened this loop to 512-bit instructions, and the kernels that
/// take AVX-512 for its registers are meant to run 256-bit vectors only (512-bit ones lower
/// the clock of some CPUs).
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn scale_tile_cols<T: Real>(
    wg: &mut [[V<T>; KC]],
    G: &[V<T>],
    w: &[V<T>],
    p: usize,
    n: usize,
    j0: usize,
    k0: usize,
    kc: usize,
) {
    run(
        #[inline(always)]
        || {
            // (Zipped slices: indexed, the loop kept a bounds check per entry and took 14.6
            // instructions per lane vector, 3.6 % of a solve's instructions; now 6.9.)
            let w = &w[k0..k0 + kc];
            for (b, wgb) in wg.iter_mut().enumerate() {
                let j = (j0 + b).min(n - 1);
                let c = &G[j * p + k0..j * p + k0 + kc];
                for ((o, g), wk) in wgb[..kc].iter_mut().zip(c).zip(w) {
                    *o = std::array::from_fn(|l| g[l] * wk[l]);
                }
            }
        },
    )
}

/// [`form_h`] with register tiles of `TI` × `TJ` lane vectors.
#[inline(always)]
fn form_h_tiles<T: Real, const TI: usize, const TJ: usize>(
    F: &mut [V<T>],
    Q: &[V<T>],
    n: usize,
    G: &[V<T>],
    w: &[V<T>],
    p: usize,
) {
    let mut wg = [[[T::zero(); W]; KC]; TJ];
    let mut k0 = 0;
    loop {
        let kc = KC.min(p - k0.min(p));
        let first = k0 == 0;
        let mut j0 = 0;
        while j0 < n {
            scale_tile_cols(&mut wg, G, w, p, n, j0, k0, kc);
            let mut i0 = j0 / TI * TI;
            while i0 < n {
                let ci: [&[V<T>]; TI] = std::array::from_fn(|a| {
                    let i = (i0 + a).min(n - 1);
                    &G[i * p + k0..i * p + k0 + kc]
                });
                let mut acc = [[[T::zero(); W]; TJ]; TI];
                for a in 0..TI {
                    for b in 0..TJ {
                        let (i, j) = (i0 + a, j0 + b);
                        if i < n && j <= i {
                            acc[a][b] = if first { Q[j * n + i] } else { F[tri(i) + j] };
                        }
                    }
                }
                // (Lengths fixed once, so that the loop has no bounds checks and
                // the accumulators stay in registers.)
                let wgs: [&[V<T>]; TJ] = std::array::from_fn(|b| &wg[b][..kc]);
                let ci = ci.map(|c| &c[..kc]);
                for k in 0..kc {
                    let u: [V<T>; TI] = std::array::from_fn(|a| ci[a][k]);
                    for a in 0..TI {
                        for b in 0..TJ {
                            axpy(&mut acc[a][b], &u[a], &wgs[b][k]);
                        }
                    }
                }
                for a in 0..TI {
                    for b in 0..TJ {
                        let (i, j) = (i0 + a, j0 + b);
                        if i < n && j <= i {
                            F[tri(i) + j] = acc[a][b];
                        }
                    }
                }
                i0 += TI;
            }
            j0 += TJ;
        }
        k0 += KC;
        if k0 >= p {
            break;
        }
    }
}

/// LDLᵀ of the lower triangle of F (`N × N`, packed by rows, see [`tri`]) in place,
/// without pivoting, left-looking in panels (notes/ALGORITHM.md §3): each panel is first
/// updated with all finished columns (`F[i, c] −= Σₖ L[i, k]·D[k]·L[c, k]`, in register tiles,
/// each row of L read contiguously), then factored column by column. Dynamic
/// regularization as the scalar path: pivot k must have the sign `+` for k < n and `−`
/// after; a pivot of the wrong sign or of magnitude below `eps` becomes ±`delta`.
///
/// Panels of 4 columns and tiles of 4 × 4 with AVX-512's 32 registers, 3 and 3 × 3 with
/// AVX2's 16: at N = 100 on the development machine 47–55 µs per pack against 77 µs.
///
/// On exit F's strict lower triangle holds L (unit diagonal implied), its diagonal D, and
/// `inv_d` holds 1/D. `u` is scratch of N·[`PB`] lane vectors. Returns, per lane, whether
/// every pivot and every entry of L is finite and non-zero.
#[allow(clippy::too_many_arguments)]
pub(crate) fn ldl_factor<T: Real>(
    F: &mut [V<T>],
    N: usize,
    n: usize,
    eps: &V<T>,
    delta: &V<T>,
    inv_d: &mut [V<T>],
    u: &mut [V<T>],
) -> [bool; W] {
    match run_avx512(
        #[inline(always)]
        || ldl_factor_tiles::<T, 4, 4>(F, N, n, eps, delta, inv_d, u),
    ) {
        Some(ok) => ok,
        None => run(
            #[inline(always)]
            || ldl_factor_tiles::<T, 3, 3>(F, N, n, eps, delta, inv_d, u),
        ),
    }
}

/// [`ldl_factor`] in panels of `PW` columns, updated in tiles of `RB` rows × `PW` columns.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn ldl_factor_tiles<T: Real, const RB: usize, const PW: usize>(
    F: &mut [V<T>],
    N: usize,
    n: usize,
    eps: &V<T>,
    delta: &V<T>,
    inv_d: &mut [V<T>],
    u: &mut [V<T>],
) -> [bool; W] {
    let mut chk = [T::zero(); W];
    let mut zero_pivot = [false; W];
    let mut j0 = 0;
    while j0 < N {
        let bw = PW.min(N - j0);
        // U[k][c] = D[k]·L[j0 + c, k] for the finished columns k < j0 (rows past N clamped),
        // k by k: the compiler keeps this loop on 256-bit vectors in the AVX-512 build (a
        // loop over k for each c became 512-bit multiplies, see `scale_tile_cols`).
        {
            let rows: [&[V<T>]; PW] = tri_rows(F, j0, N - 1, j0);
            for (k, uk) in u[..j0 * PW].chunks_exact_mut(PW).enumerate() {
                let dk = F[tri(k) + k];
                for c in 0..PW {
                    let lk = rows[c][k];
                    uk[c] = std::array::from_fn(|l| dk[l] * lk[l]);
                }
            }
        }
        // Panel rows j0.. updated with the finished columns, RB rows at a time.
        let mut i0 = j0;
        while i0 < N {
            let ra = RB.min(N - i0);
            // (Rows cut to j0 and U zipped in chunks: indexed, the loop kept a bounds check
            // per row and two per chunk of U, 27 instructions per k against 17 now.)
            let rows: [&[V<T>]; RB] = tri_rows(F, i0, N - 1, j0);
            let rows = rows.map(|r| &r[..j0]);
            let mut acc = [[[T::zero(); W]; PW]; RB];
            for (k, uk) in (0..j0).zip(u.chunks_exact(PW)) {
                let li: [V<T>; RB] = std::array::from_fn(|a| rows[a][k]);
                for a in 0..RB {
                    for c in 0..PW {
                        axpy(&mut acc[a][c], &li[a], &uk[c]);
                    }
                }
            }
            for a in 0..ra {
                let i = i0 + a;
                for c in 0..bw {
                    if i >= j0 + c {
                        let f = &mut F[tri(i) + j0 + c];
                        for l in 0..W {
                            f[l] -= acc[a][c][l];
                        }
                    }
                }
            }
            i0 += RB;
        }
        // Factor the panel column by column: first its own rows (the diagonal block), which
        // give the pivots and the multipliers `ts`, then the rows below it, each through all
        // of the panel's columns at once (every entry sees the same operations in the same
        // order as column by column; row by row, the loop needs no test of the triangle and
        // no index arithmetic per entry).
        let pe = j0 + bw;
        let mut ts = [[[T::zero(); W]; PW]; PW];
        let mut ids = [[T::zero(); W]; PW];
        for c in 0..bw {
            let k = j0 + c;
            let sgn = if k < n { T::one() } else { -T::one() };
            let mut d = F[tri(k) + k];
            for l in 0..W {
                // (Also replaces a NaN pivot: no comparison with NaN holds.)
                let right = sgn * d[l] >= eps[l];
                if !right {
                    d[l] = sgn * delta[l];
                }
                zero_pivot[l] |= d[l] == T::zero();
            }
            let id: V<T> = std::array::from_fn(|l| T::one() / d[l]);
            F[tri(k) + k] = d;
            inv_d[k] = id;
            ids[c] = id;
            // L[j0 + c2, k] for the later columns of the panel.
            let t: [V<T>; PW] = std::array::from_fn(|c2| {
                let r = (j0 + c2).min(N - 1);
                std::array::from_fn(|l| F[tri(r) + k][l] * id[l])
            });
            for i in k + 1..pe {
                let ci = F[tri(i) + k];
                for c2 in c + 1..bw {
                    if i >= j0 + c2 {
                        axmy(&mut F[tri(i) + j0 + c2], &ci, &t[c2]);
                    }
                }
                let li: V<T> = std::array::from_fn(|l| ci[l] * id[l]);
                for l in 0..W {
                    chk[l] = fma(li[l], T::zero(), chk[l]);
                }
                F[tri(i) + k] = li;
            }
            ts[c] = t;
        }
        if bw == PW {
            for i in pe..N {
                panel_row(&mut F[tri(i) + j0..][..PW], &ts, &ids, &mut chk);
            }
        } else {
            for i in pe..N {
                panel_row(&mut F[tri(i) + j0..][..bw], &ts, &ids, &mut chk);
            }
        }
        j0 += bw;
    }
    let d_ok = (0..N).fold([T::zero(); W], |mut a, k| {
        for l in 0..W {
            a[l] = fma(F[tri(k) + k][l], T::zero(), a[l]);
        }
        a
    });
    std::array::from_fn(|l| !zero_pivot[l] && chk[l] == T::zero() && d_ok[l] == T::zero())
}

/// Row i (below the panel) of [`ldl_factor_tiles`]'s panel factorization: `row` holds
/// F[i, j0..j0 + bw], `ts[c][c2]` = L[j0 + c2, j0 + c] and `ids[c]` = 1/D[j0 + c] for the
/// panel's columns. Column by column: `row[c2]` −= `row[c]`·`ts[c][c2]` for the later
/// columns c2, then `row[c]` ← `row[c]`/D, which is L[i, j0 + c]; `chk` collects 0·L (NaN
/// where an entry is not finite).
#[inline(always)]
fn panel_row<T: Real, const PW: usize>(
    row: &mut [V<T>],
    ts: &[[V<T>; PW]; PW],
    ids: &[V<T>; PW],
    chk: &mut V<T>,
) {
    // (In registers, read and written once: updated in place, the compiler's vectorizer
    // mixed halves of neighbouring entries, and the loads stalled on the stores before.)
    let bw = row.len();
    let mut r = [[T::zero(); W]; PW];
    r[..bw].copy_from_slice(row);
    for c in 0..bw {
        let ci = r[c];
        for c2 in c + 1..bw {
            axmy(&mut r[c2], &ci, &ts[c][c2]);
        }
        let li: V<T> = std::array::from_fn(|l| ci[l] * ids[c][l]);
        for l in 0..W {
            chk[l] = fma(li[l], T::zero(), chk[l]);
        }
        r[c] = li;
    }
    row.copy_from_slice(&r[..bw]);
}

/// xᵣ ← (L D Lᵀ)⁻¹ xᵣ for each of `R` right-hand sides, with the factors of [`ldl_factor`]
/// (F packed, `inv_d` = 1/D). Both triangular solves take [`TB`] rows of L per sweep of the
/// xᵣ, each row read once for all `R`.
pub(crate) fn ldl_solve<T: Real, const R: usize>(
    F: &[V<T>],
    N: usize,
    inv_d: &[V<T>],
    x: [&mut [V<T>]; R],
) {
    const { assert!(R >= 1 && R <= MAX_RHS) };
    run(
        #[inline(always)]
        || {
            let mut x = x.map(|x| &mut x[..N]);
            // L y = x: rows i0..i0+TB take the finished x[..i0] (two chains of
            // accumulation per row), then their own triangle.
            let mut i0 = 0;
            while i0 < N {
                let bw = TB.min(N - i0);
                let [f0, f1, f2]: [&[V<T>]; TB] = tri_rows(F, i0, N - 1, i0);
                // acc[right-hand side][row][chain]
                let mut acc = [[[[T::zero(); W]; 2]; TB]; MAX_RHS];
                {
                    // (Two right-hand side streams whatever R is, the second repeating the
                    // first where R = 1: pairs of entries zipped in chunks, as indexed the
                    // loop kept bounds checks.)
                    let xf: [&[V<T>]; MAX_RHS] = std::array::from_fn(|r| &x[r.min(R - 1)][..i0]);
                    for ((((e0, e1), e2), u), v) in f0
                        .chunks_exact(2)
                        .zip(f1.chunks_exact(2))
                        .zip(f2.chunks_exact(2))
                        .zip(xf[0].chunks_exact(2))
                        .zip(xf[1].chunks_exact(2))
                    {
                        let u = [u, v];
                        for (a, e) in [e0, e1, e2].into_iter().enumerate() {
                            for r in 0..R {
                                axpy(&mut acc[r][a][0], &e[0], &u[r][0]);
                                axpy(&mut acc[r][a][1], &e[1], &u[r][1]);
                            }
                        }
                    }
                    if i0 % 2 == 1 {
                        let k = i0 - 1;
                        for (a, e) in [f0, f1, f2].into_iter().enumerate() {
                            for r in 0..R {
                                axpy(&mut acc[r][a][0], &e[k], &xf[r][k]);
                            }
                        }
                    }
                }
                for (x, acc) in x.iter_mut().zip(&acc) {
                    for a in 0..bw {
                        let i = i0 + a;
                        let mut xi = x[i];
                        for l in 0..W {
                            xi[l] -= acc[a][0][l] + acc[a][1][l];
                        }
                        for c in 0..a {
                            axmy(&mut xi, &F[tri(i) + i0 + c], &x[i0 + c]);
                        }
                        x[i] = xi;
                    }
                }
                i0 += bw;
            }
            // D u = y.
            for x in &mut x {
                for (xi, di) in x.iter_mut().zip(inv_d) {
                    for l in 0..W {
                        xi[l] *= di[l];
                    }
                }
            }
            // Lᵀ x = u, from the last block of rows back: each finished row i of L is
            // subtracted from x[..i] (x[k] −= L[i, k]·x[i]).
            let mut end = N;
            while end > 0 {
                let bw = if end % TB == 0 { TB } else { end % TB };
                let i0 = end - bw;
                for x in &mut x {
                    for a in (0..bw).rev() {
                        let i = i0 + a;
                        let xi = x[i];
                        for c in 0..a {
                            let f = F[tri(i) + i0 + c];
                            axmy(&mut x[i0 + c], &f, &xi);
                        }
                    }
                }
                let mut xe = [[[T::zero(); W]; TB]; R];
                for (xe, x) in xe.iter_mut().zip(&x) {
                    *xe = std::array::from_fn(|a| x[(i0 + a).min(end - 1)]);
                }
                let rows: [&[V<T>]; TB] = tri_rows(F, i0, end - 1, i0);
                if bw == TB {
                    let [f0, f1, f2] = rows;
                    let xs = x.each_mut().map(|x| &mut x[..i0]);
                    for k in 0..i0 {
                        let e = [&f0[k], &f1[k], &f2[k]];
                        for r in 0..R {
                            let mut u = xs[r][k];
                            for a in 0..TB {
                                axmy(&mut u, e[a], &xe[r][a]);
                            }
                            xs[r][k] = u;
                        }
                    }
                } else {
                    for (x, xe) in x.iter_mut().zip(&xe) {
                        for a in 0..bw {
                            for (xk, f) in x[..i0].iter_mut().zip(rows[a]) {
                                axmy(xk, f, &xe[a]);
                            }
                        }
                    }
                }
                end = i0;
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pack of W different SPD-plus-negative-block matrices, [H Aᵀ; A −εI].
    fn pack_kkt(n: usize, m: usize) -> (Vec<V<f64>>, Vec<Vec<f64>>) {
        let nn = n + m;
        let mut full = vec![vec![0.0; nn * nn]; W];
        // (full: column-major and symmetric; the pack: its lower triangle, packed.)
        for (l, f) in full.iter_mut().enumerate() {
            let r = |i: usize, j: usize| (((i * 31 + j * 17 + l * 7) % 13) as f64 - 6.0) / 7.0;
            for i in 0..n {
                for j in 0..n {
                    let mut h = 0.0;
                    for k in 0..n {
                        h += r(k, i) * r(k, j);
                    }
                    f[j * nn + i] = h + if i == j { 1.0 } else { 0.0 };
                }
            }
            for i in 0..m {
                for j in 0..n {
                    f[j * nn + n + i] = r(i + 50, j);
                    f[(n + i) * nn + j] = r(i + 50, j);
                }
                f[(n + i) * nn + n + i] = -1e-3;
            }
        }
        let mut packed = vec![[0.0; W]; tri(nn)];
        for i in 0..nn {
            for j in 0..=i {
                packed[tri(i) + j] = std::array::from_fn(|l| full[l][j * nn + i]);
            }
        }
        (packed, full)
    }

    #[test]
    fn ldl_factor_and_solve_invert_each_lane() {
        for (n, m) in [(7, 0), (9, 3), (12, 5), (4, 1)] {
            let nn = n + m;
            let (mut F, full) = pack_kkt(n, m);
            let mut inv_d = vec![[0.0; W]; nn];
            let mut u = vec![[0.0; W]; nn * PB];
            // Both tile shapes (this CPU's and the other one) factor the same matrix alike.
            let (eps, delta) = ([1e-13; W], [1e-7; W]);
            let (mut F33, mut F44) = (F.clone(), F.clone());
            let ok = ldl_factor(&mut F, nn, n, &eps, &delta, &mut inv_d, &mut u);
            let ok33 =
                ldl_factor_tiles::<f64, 3, 3>(&mut F33, nn, n, &eps, &delta, &mut inv_d, &mut u);
            let ok44 =
                ldl_factor_tiles::<f64, 4, 4>(&mut F44, nn, n, &eps, &delta, &mut inv_d, &mut u);
            assert!(ok.iter().chain(&ok33).chain(&ok44).all(|&o| o));
            for ((a, b), c) in F.iter().zip(&F33).zip(&F44) {
                for l in 0..W {
                    let tol = 1e-12 * (1.0 + a[l].abs());
                    assert!((a[l] - b[l]).abs() <= tol && (a[l] - c[l]).abs() <= tol);
                }
            }
            let b: Vec<V<f64>> = (0..nn)
                .map(|i| std::array::from_fn(|l| (i as f64 + 1.0) * (l as f64 - 3.5)))
                .collect();
            let mut x = b.clone();
            ldl_solve(&F, nn, &inv_d, [&mut x]);
            for l in 0..W {
                for i in 0..nn {
                    let kx: f64 = (0..nn).map(|j| full[l][j * nn + i] * x[j][l]).sum();
                    assert!(
                        (kx - b[i][l]).abs() < 1e-9 * (1.0 + b[i][l].abs()),
                        "n {n} m {m} lane {l} row {i}: {kx} vs {}",
                        b[i][l]
                    );
                }
            }
        }
    }

    /// The kernels given two right-hand sides give each bit for bit what they give it
    /// alone.
    #[test]
    fn multi_column_kernels_match_single_ones() {
        for (n, m) in [(7, 0), (9, 3), (12, 5), (4, 1)] {
            let nn = n + m;
            let (mut F, _) = pack_kkt(n, m);
            let mut inv_d = vec![[0.0; W]; nn];
            let mut u = vec![[0.0; W]; nn * PB];
            ldl_factor(&mut F, nn, n, &[1e-13; W], &[1e-7; W], &mut inv_d, &mut u);
            let b: [Vec<V<f64>>; 2] = std::array::from_fn(|r| {
                (0..nn)
                    .map(|i| std::array::from_fn(|l| ((i * 5 + l * 3 + r * 7) % 11) as f64 - 4.5))
                    .collect()
            });
            let [mut x0, mut x1] = b.clone();
            ldl_solve(&F, nn, &inv_d, [&mut x0, &mut x1]);
            for (r, x) in [x0, x1].iter().enumerate() {
                let mut y = b[r].clone();
                ldl_solve(&F, nn, &inv_d, [&mut y]);
                assert_eq!(x, &y);
            }
        }
        for (rows, cols) in [(11, 6), (8, 7), (5, 1)] {
            let M: Vec<V<f64>> = (0..rows * cols)
                .map(|e| std::array::from_fn(|l| ((e * 7 + l * 3) % 11) as f64 / 3.0 - 1.7))
                .collect();
            let vec = |len: usize, r: usize| -> Vec<V<f64>> {
                (0..len)
                    .map(|i| std::array::from_fn(|l| ((i * 3 + l + r * 5) % 7) as f64 / 7.0 - 0.4))
                    .collect()
            };
            let (xc, xr) = ([vec(cols, 0), vec(cols, 1)], [vec(rows, 2), vec(rows, 3)]);
            for beta_one in [false, true] {
                let [mut y0, mut y1] = [vec(rows, 4), vec(rows, 5)];
                gemv_n(
                    [&mut y0, &mut y1],
                    &M,
                    rows,
                    cols,
                    [&xc[0], &xc[1]],
                    -1.3,
                    beta_one,
                );
                for (r, y) in [y0, y1].iter().enumerate() {
                    let mut z = vec(rows, 4 + r);
                    gemv_n([&mut z], &M, rows, cols, [&xc[r]], -1.3, beta_one);
                    assert_eq!(y, &z);
                }
            }
            let [mut y0, mut y1] = [vec(cols, 6), vec(cols, 7)];
            gemv_t([&mut y0, &mut y1], &M, rows, cols, [&xr[0], &xr[1]], 0.7);
            for (r, y) in [y0, y1].iter().enumerate() {
                let mut z = vec(cols, 6 + r);
                gemv_t([&mut z], &M, rows, cols, [&xr[r]], 0.7);
                assert_eq!(y, &z);
            }
        }
    }

    #[test]
    fn products_match_naive_loops() {
        let (rows, cols) = (11, 6);
        let M: Vec<V<f64>> = (0..rows * cols)
            .map(|e| std::array::from_fn(|l| ((e * 7 + l * 3) % 11) as f64 - 5.0))
            .collect();
        let x: Vec<V<f64>> = (0..cols)
            .map(|j| std::array::from_fn(|l| j as f64 - l as f64))
            .collect();
        let xr: Vec<V<f64>> = (0..rows)
            .map(|i| std::array::from_fn(|l| 0.5 * i as f64 + l as f64))
            .collect();
        let mut y = vec![[1.0; W]; rows];
        gemv_n([&mut y], &M, rows, cols, [&x], -2.0, true);
        let mut yt = vec![[1.0; W]; cols];
        gemv_t([&mut yt], &M, rows, cols, [&xr], 3.0);
        let (mut gl, mut gz) = (vec![[0.0; W]; cols], vec![[0.0; W]; rows]);
        g_sweep(&M, rows, cols, &xr, &mut gl, 1.0, &x, &mut gz, 1.0);
        for l in 0..W {
            for i in 0..rows {
                let mx: f64 = (0..cols).map(|j| M[j * rows + i][l] * x[j][l]).sum();
                assert!((y[i][l] - (1.0 - 2.0 * mx)).abs() < 1e-12);
                assert!((gz[i][l] - mx).abs() < 1e-12);
            }
            for j in 0..cols {
                let mtx: f64 = (0..rows).map(|i| M[j * rows + i][l] * xr[i][l]).sum();
                assert!((yt[j][l] - (1.0 + 3.0 * mtx)).abs() < 1e-12);
                assert!((gl[j][l] - mtx).abs() < 1e-12);
            }
        }
        // F = Q + GwᵀGw on the lower triangle.
        let (n, p) = (cols, rows);
        let Q: Vec<V<f64>> = (0..n * n).map(|e| [e as f64; W]).collect();
        let mut F = vec![[f64::NAN; W]; tri(n)];
        form_h(&mut F, &Q, n, &M, &xr, p);
        let mut F43 = vec![[f64::NAN; W]; tri(n)];
        form_h_tiles::<f64, 4, 3>(&mut F43, &Q, n, &M, &xr, p);
        let mut F46 = vec![[f64::NAN; W]; tri(n)];
        form_h_tiles::<f64, 4, 6>(&mut F46, &Q, n, &M, &xr, p);
        for l in 0..W {
            for e in 0..tri(n) {
                assert!(F43[e][l] == F[e][l] || (F43[e][l] - F[e][l]).abs() < 1e-12);
                assert!(F46[e][l] == F[e][l] || (F46[e][l] - F[e][l]).abs() < 1e-12);
            }
            for j in 0..n {
                for i in j..n {
                    let g: f64 = (0..p)
                        .map(|k| M[i * p + k][l] * xr[k][l] * M[j * p + k][l])
                        .sum();
                    assert!((F[tri(i) + j][l] - (Q[j * n + i][l] + g)).abs() < 1e-12);
                }
            }
        }
    }
}
