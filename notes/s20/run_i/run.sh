#!/bin/bash
# Session 20, run I (review): the GPU tests after the tests' shared-matrix helper (matrices_shared)
# and exactly_complementary; before, run H: the GPU tests after the host-side refactors (one match for the launch's data; Build::source), memcheck, and the bench's digests against run F (bit-identical expected).

cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
command -v ncu > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
date -u > $R/gpu.txt
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128,512,2048 > $R/bench_own.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --shared --batches 128,512,2048 > $R/bench_shared.txt 2>&1
timeout 100 ./bench --shared --batches 512,2048 --reps 2 > $R/bench_shared_chunked.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
