#!/bin/bash
# Session 15, run A: speculative polishing (helper blocks for small batches,
# notes/s15/speculative_polish.patch applied): GPU tests, then the bench's own QPs at batch
# 1..128 with helpers (default) and without (OPTNET_CUDA_SPECULATE=0), interleaved twice; then
# compute-sanitizer memcheck on cuda_solver.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 240 ./all cuda_solver:: > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 60 ./all cuda_maros_meszaros:: > $R/t_mm.txt 2>&1
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,8,32,64,128 > $R/bench_on_$k.txt 2>&1
  OPTNET_CUDA_SPECULATE=0 OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,8,32,64,128 > $R/bench_off_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver:: --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $R
