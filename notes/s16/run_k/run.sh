#!/bin/bash
# Session 16, run K: the final code (8508fe0's rule) — the GPU tests, memcheck on `cuda_solver`,
# the default rule against OPTNET_CUDA_NARROW=0 at n = p = 64 and 88 (every batch), the n = 100
# bench (digests against run D).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
for nn in 64 88; do
  for v in "" 0; do
    OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 1,128,149,264,512,2048 --reps 5 > $R/bk_${nn}_narrow${v:-auto}.txt 2>&1
  done
done
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
