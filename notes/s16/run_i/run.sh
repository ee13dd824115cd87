#!/bin/bash
# Session 16, run I: two narrow modules (launch bounds for 4 blocks per SM, n + m ≤ 64; for 2,
# n + m 65…80) — the GPU tests and memcheck of the narrow tests; the 2-block variant forced
# (OPTNET_CUDA_NARROW=2) against off (=0) at n = p = 68 … 88 over batches 149 … 2048, 2 against 4
# at n = 48 and 64, interleaved twice; the n = 100 bench (digests against run D).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver::narrow cuda_solver::chunked --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
for k in 1 2; do
  for nn in 68 72 80 88; do
    for v in 2 0; do
      OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 149,200,264,330,512,1024,2048 --reps 3 > $R/nv_${nn}_${v}_$k.txt 2>&1
    done
  done
  for nn in 48 64; do
    for v in 2 4; do
      OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 512,2048 --reps 3 > $R/nv_${nn}_${v}_$k.txt 2>&1
    done
  done
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
