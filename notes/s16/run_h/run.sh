#!/bin/bash
# Session 16, run H: the final code (narrow module for n + m ≤ 64 above two blocks per SM) —
# the GPU tests, memcheck on `cuda_solver`; the bench at n = p = 64 with the default rule
# against OPTNET_CUDA_NARROW=0; the n = 100 bench (digests against run D).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ4.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
for v in "" 0; do
  OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 64 --p 64 --reps 5 > $R/b64_narrow${v:-auto}.txt 2>&1
done
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
