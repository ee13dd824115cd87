#!/bin/bash
# Session 15, run C: code size. v1: the factorization out of line (one copy instead of four),
# v2: v1 + GᵀWG's syrk out of line (notes/s15/outline_v1.patch, outline_v2.patch, applied to
# pdipm.cu as v1.cu and v2.cu); against the embedded kernel (base), batch 128 and 2048,
# interleaved twice (OPTNET_CUDA_SOURCE). Then the f32-arithmetic kernel at 128 and 2048.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --batches 128,2048 > $R/bench_base_$k.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/v1.cu OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --batches 128,2048 > $R/bench_v1_$k.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/v2.cu OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --batches 128,2048 > $R/bench_v2_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
OPTNET_CUDA_F32_ARITHMETIC=f32 OPTNET_CUDA_CHUNK=0 timeout 200 ./bench --batches 128,2048 > $R/bench_f32k.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $R
