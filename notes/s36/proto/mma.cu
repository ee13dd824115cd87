// Throughput of the fp64 tensor-core shapes on sm_90 (session 36): 8 warps on one SM, each with
// four independent accumulators, 256 products each; FLOP per cycle per SM and cycles per
// instruction per warp. m8n8k4 is the shape the kernels use (sm_80); m16n8k4, m16n8k8 and
// m16n8k16 are sm_90's (PTX ISA 7.8).
#include <cstdio>
#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { printf("CUDA error %s line %d\n", cudaGetErrorString(e_), __LINE__); return 1; } } while (0)

template <int S>
__global__ void __launch_bounds__(256, 1) mma_tp(double* out, long long* cyc, double a) {
    double c[4][4] = {};
    double av[8], bv[4];
    for (int i = 0; i < 8; i++) av[i] = a + i * 1e-3 + threadIdx.x * 1e-6;
    for (int i = 0; i < 4; i++) bv[i] = a - i * 1e-3;
    __syncthreads();
    long long t0 = clock64();
#pragma unroll 1
    for (int it = 0; it < 256; it++) {
#pragma unroll
        for (int q = 0; q < 4; q++) {
            if (S == 0)
                asm volatile("mma.sync.aligned.m8n8k4.row.col.f64.f64.f64.f64 {%0,%1}, {%2}, {%3}, {%0,%1};\n"
                             : "+d"(c[q][0]), "+d"(c[q][1]) : "d"(av[q]), "d"(bv[q]));
            if (S == 1)
                asm volatile("mma.sync.aligned.m16n8k4.row.col.f64.f64.f64.f64 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%0,%1,%2,%3};\n"
                             : "+d"(c[q][0]), "+d"(c[q][1]), "+d"(c[q][2]), "+d"(c[q][3]) : "d"(av[0]), "d"(av[1]), "d"(bv[q]));
            if (S == 2)
                asm volatile("mma.sync.aligned.m16n8k8.row.col.f64.f64.f64.f64 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                             : "+d"(c[q][0]), "+d"(c[q][1]), "+d"(c[q][2]), "+d"(c[q][3])
                             : "d"(av[0]), "d"(av[1]), "d"(av[2]), "d"(av[3]), "d"(bv[q]), "d"(bv[(q + 1) & 3]));
            if (S == 3)
                asm volatile("mma.sync.aligned.m16n8k16.row.col.f64.f64.f64.f64 {%0,%1,%2,%3}, {%4,%5,%6,%7,%8,%9,%10,%11}, {%12,%13,%14,%15}, {%0,%1,%2,%3};\n"
                             : "+d"(c[q][0]), "+d"(c[q][1]), "+d"(c[q][2]), "+d"(c[q][3])
                             : "d"(av[0]), "d"(av[1]), "d"(av[2]), "d"(av[3]), "d"(av[4]), "d"(av[5]), "d"(av[6]), "d"(av[7]),
                               "d"(bv[0]), "d"(bv[1]), "d"(bv[2]), "d"(bv[3]));
        }
    }
    long long t1 = clock64();
    double s = 0;
    for (int q = 0; q < 4; q++) for (int i = 0; i < 4; i++) s += c[q][i];
    out[blockIdx.x * 256 + threadIdx.x] = s;
    if (threadIdx.x == 0) cyc[blockIdx.x] = t1 - t0;
}

template <int S>
int run(const char* name, double flop_per_inst, int warps) {
    double* d; long long* c;
    CK(cudaMalloc(&d, 132 * 256 * 8)); CK(cudaMalloc(&c, 132 * 8));
    mma_tp<S><<<1, 32 * warps>>>(d, c, 1.0001);
    mma_tp<S><<<1, 32 * warps>>>(d, c, 1.0001);
    CK(cudaDeviceSynchronize());
    long long cy; CK(cudaMemcpy(&cy, c, 8, cudaMemcpyDeviceToHost));
    const double inst = 256.0 * 4 * warps;
    printf("%-10s %d warps: %7lld cycles, %5.1f cycles per instruction per warp, %6.1f FLOP/cycle/SM\n", name, warps, cy,
           (double)cy / (256.0 * 4), inst * flop_per_inst / cy);
    cudaFree(d); cudaFree(c);
    return 0;
}
int main() {
    for (int w : {1, 4, 8}) {
        run<0>("m8n8k4", 512, w);
        run<1>("m16n8k4", 1024, w);
        run<2>("m16n8k8", 2048, w);
        run<3>("m16n8k16", 4096, w);
    }
    return 0;
}
