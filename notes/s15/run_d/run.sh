#!/bin/bash
# Session 15, run D: the final code's GPU tests (default 256 threads), then threads per block
# in the one-block kernel: 384 (168 registers) and 320 against 256 at batch 1, 8 and 128,
# interleaved twice, after the GPU tests with 384.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_THREADS=384 timeout 200 ./all cuda_solver:: > $R/t_cuda_384.txt 2>&1
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,8,128 > $R/bench_256_$k.txt 2>&1
  OPTNET_CUDA_THREADS=384 OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,8,128 > $R/bench_384_$k.txt 2>&1
  OPTNET_CUDA_THREADS=320 OPTNET_CUDA_CHUNK=0 timeout 200 ./bench --batches 1,8,128 > $R/bench_320_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
rm -rf $R
