#!/bin/bash
# Session 15, run B: threads per block. NT=128 in the two-block kernel (255 registers, no
# spills, 4 warps per QP) against NT=256 (128 registers, spills) at batch 512 and 2048,
# interleaved twice, after the GPU tests with NT=128 and the two-block kernel forced; NT=512
# in the one-block kernel at batch 1 and 128.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
OPTNET_CUDA_THREADS=128 OPTNET_CUDA_TWO_BLOCKS=1 timeout 200 ./all cuda_solver:: > $R/t_cuda_128.txt 2>&1
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --batches 512,2048 > $R/bench_256_$k.txt 2>&1
  OPTNET_CUDA_THREADS=128 OPTNET_CUDA_CHUNK=0 timeout 120 ./bench --batches 512,2048 > $R/bench_128_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
OPTNET_CUDA_THREADS=512 OPTNET_CUDA_CHUNK=0 timeout 200 ./bench --batches 1,128 > $R/bench_512.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128 > $R/bench_256_small.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $R
