// Micro-benchmark of an iteration's other pieces (session 36; prepared, NOT YET RUN: built on the
// development machine only, for the next session's device time). After the kernel's own
// factorization of K = Q + GᵀWG (as factor.cu), in one block with K and G in shared memory,
// specialized for n = p = 100: cycles per call (clock64, thread 0, the first call left out) of
// - `ldl_solve_blocked` with one and with two right-hand sides (the reduced solve's sweeps);
// - `gemv_n` (G·x), `gemv_t` (Gᵀy), `k0_mul` (K0·x, a refinement residual's product);
// - `block_reduce` of 6 sums and 10 maxima (the residuals' reduction).
// Checks: the one-right-hand-side solve's residual ‖K0·x − b‖∞ / ‖b‖∞ on the host.
// Build: FILE=solves.cu CUT_AT='^#define X2_NGLOBAL' OUTBIN=… ./build.sh
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>
#include <random>
#include <algorithm>
#include "head.cuh"

constexpr int NN = OPTNET_DIM_NN, LDK = OPTNET_DIM_LD, VV = OPTNET_DIM_V;

// Shared memory: K (NN × LDK), D, 1/D, d0 (K's diagonal), G (NN × NN), W, x (2 slots), y,
// b, the solve's scratch (128 doubles), the products' scratch (8·VV), the reduction's (NW·32).
__global__ void __launch_bounds__(NT, 1)
    solves_kernel(const double* Kin, const double* Gin, const double* bin, double* xout, long long* cyc, int reps,
                  double eps, double delta) {
    double* K = reinterpret_cast<double*>(smem_raw);
    double* D = K + NN * LDK;
    double* iD = D + VV;
    double* d0 = iD + VV;
    double* G = d0 + VV;
    double* x = G + NN * NN;   // two slots of VV
    double* y = x + 2 * VV;
    double* b = y + VV;
    double* sc = b + VV;       // 128
    double* scr = sc + 128;    // 8·VV
    double* red = scr + 8 * VV;  // NW·32
    const double* src = Kin + (long long)blockIdx.x * NN * NN;
    for (int i = threadIdx.x; i < NN * NN; i += NT) G[i] = Gin[(long long)blockIdx.x * NN * NN + i];
    for (int i = threadIdx.x; i < VV; i += NT) b[i] = i < NN ? bin[(long long)blockIdx.x * NN + i] : 0.0;
    // K: the matrix in the lower triangle (factored below) and its copy K0 in the strict upper one,
    // the diagonal in d0, as the kernel keeps them (`k0_mul` reads K0 from the upper triangle).
    for (int e = threadIdx.x; e < NN * NN; e += NT) {
        const int i = e / NN, j = e - i * NN;
        K[i * LDK + j] = src[e];
    }
    for (int i = threadIdx.x; i < NN; i += NT) d0[i] = src[i * NN + i];
    __syncthreads();
    ldl_factor_f64(K, LDK, NN, NN, D, iD, eps, delta);
    ldl_invert_diag(K, LDK, iD, NN);
    long long t[6] = {0, 0, 0, 0, 0, 0};
    for (int r = 0; r < reps; r++) {
        for (int i = threadIdx.x; i < VV; i += NT) {
            x[i] = b[i];
            x[VV + i] = b[i];
        }
        __syncthreads();
        long long c0 = clock64();
        ldl_solve_blocked<double, 1, double, false>(K, LDK, iD, NN, x, VV, sc);
        __syncthreads();
        long long c1 = clock64();
        for (int i = threadIdx.x; i < VV; i += NT) x[VV + i] = b[i];
        __syncthreads();
        long long c2 = clock64();
        ldl_solve_blocked<double, 2, double, false>(K, LDK, iD, NN, x + VV, VV, sc);
        __syncthreads();
        long long c3 = clock64();
        gemv_n<double, 1, false>(y, G, NN, x, NN, NN, VV);
        __syncthreads();
        long long c4 = clock64();
        gemv_t<double, 1, false>(y, G, NN, x, NN, NN, VV, scr, false);
        __syncthreads();
        long long c5 = clock64();
        k0_mul<double, 1>(y, K, LDK, d0, x, NN, VV);
        __syncthreads();
        long long c6 = clock64();
        double s6[6] = {x[threadIdx.x % NN], 0, 0, 0, 0, 0}, m10[10] = {y[threadIdx.x % NN], 0, 0, 0, 0, 0, 0, 0, 0, 0};
        block_reduce<double, 6, 10>(s6, m10, red);
        __syncthreads();
        long long c7 = clock64();
        if (r > 0) {
            t[0] += c1 - c0;
            t[1] += c3 - c2;
            t[2] += c4 - c3;
            t[3] += c5 - c4;
            t[4] += c6 - c5;
            t[5] += c7 - c6;
        }
        if (threadIdx.x == 0 && r == reps - 1) y[0] += s6[0] + m10[0];  // keep the reduction
    }
    // x (the one-right-hand-side solve) and K0·x for the host's check.
    k0_mul<double, 1>(y, K, LDK, d0, x, NN, VV);
    __syncthreads();
    for (int i = threadIdx.x; i < NN; i += NT) {
        xout[(long long)blockIdx.x * 2 * NN + i] = x[i];
        xout[(long long)blockIdx.x * 2 * NN + NN + i] = y[i];
    }
    if (threadIdx.x == 0)
        for (int k = 0; k < 6; k++) cyc[6 * blockIdx.x + k] = t[k] / (reps - 1);
}

#define CK(x)                                                                               \
    do {                                                                                    \
        cudaError_t e_ = (x);                                                               \
        if (e_ != cudaSuccess) {                                                            \
            printf("CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

int main(int argc, char** argv) {
    const int reps = argc > 1 ? atoi(argv[1]) : 6;
    const int n = NN, Bmax = 132;
    std::mt19937_64 rng(36);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::uniform_real_distribution<double> ud(0.0, 1.0);
    std::vector<double> hK((size_t)Bmax * n * n), hG((size_t)Bmax * n * n), hb((size_t)Bmax * n);
    for (int e = 0; e < Bmax; e++) {
        std::vector<double> L(n * n), W(n);
        for (auto& v : L) v = nd(rng);
        double* G = &hG[(size_t)e * n * n];
        for (int i = 0; i < n * n; i++) G[i] = nd(rng);
        for (int i = 0; i < n; i++) W[i] = pow(10.0, 2.0 * (2 * ud(rng) - 1));
        for (int i = 0; i < n; i++) hb[(size_t)e * n + i] = nd(rng);
        double* K = &hK[(size_t)e * n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) {
                double s = i == j ? 1e-3 : 0.0;
                for (int k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k] + G[k * n + i] * W[k] * G[k * n + j];
                K[i * n + j] = K[j * n + i] = s;
            }
    }
    double *dK, *dG, *db, *dx;
    long long* dc;
    CK(cudaMalloc(&dK, hK.size() * 8));
    CK(cudaMalloc(&dG, hG.size() * 8));
    CK(cudaMalloc(&db, hb.size() * 8));
    CK(cudaMalloc(&dx, (size_t)Bmax * 2 * n * 8));
    CK(cudaMalloc(&dc, (size_t)Bmax * 6 * 8));
    CK(cudaMemcpy(dK, hK.data(), hK.size() * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(dG, hG.data(), hG.size() * 8, cudaMemcpyHostToDevice));
    CK(cudaMemcpy(db, hb.data(), hb.size() * 8, cudaMemcpyHostToDevice));
    const size_t smem = (NN * LDK + 3 * VV + NN * NN + 4 * VV + 128 + 8 * VV + NW * 32) * sizeof(double);
    CK(cudaFuncSetAttribute(solves_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
    for (int B : {1, Bmax}) {
        solves_kernel<<<B, NT, smem>>>(dK, dG, db, dx, dc, reps, 1e-13, 2e-7);
        solves_kernel<<<B, NT, smem>>>(dK, dG, db, dx, dc, reps, 1e-13, 2e-7);
        CK(cudaDeviceSynchronize());
        std::vector<long long> c((size_t)B * 6);
        std::vector<double> xo((size_t)B * 2 * n);
        CK(cudaMemcpy(c.data(), dc, c.size() * 8, cudaMemcpyDeviceToHost));
        CK(cudaMemcpy(xo.data(), dx, xo.size() * 8, cudaMemcpyDeviceToHost));
        double m[6] = {0, 0, 0, 0, 0, 0}, res = 0;
        for (int e = 0; e < B; e++) {
            for (int k = 0; k < 6; k++) m[k] += (double)c[(size_t)6 * e + k] / B;
            double rmax = 0, bmax = 0;
            for (int i = 0; i < n; i++) {
                rmax = std::max(rmax, fabs(xo[(size_t)e * 2 * n + n + i] - hb[(size_t)e * n + i]));
                bmax = std::max(bmax, fabs(hb[(size_t)e * n + i]));
            }
            res = std::max(res, rmax / bmax);
        }
        printf("B=%3d cycles per call: solve 1 rhs %.0f, 2 rhs %.0f, G·x %.0f, Gᵀy %.0f, K0·x %.0f, "
               "block_reduce<6,10> %.0f; solve residual max %.2e\n",
               B, m[0], m[1], m[2], m[3], m[4], m[5], res);
    }
    return 0;
}
