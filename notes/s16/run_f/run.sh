#!/bin/bash
# Session 16, run F: the narrow module (two-block kernels at 128 threads, launch bounds for four
# blocks per SM) for n + m ≤ 80 — the GPU tests, memcheck on the narrow tests; the bench with it
# (default) against without it (OPTNET_CUDA_NARROW=0) for n = p = 32 … 90, interleaved twice,
# and forced (=1) at 90 and 100; the n = 100 bench (digests against run D).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ4.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver::narrow cuda_solver::chunked --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
for k in 1 2; do
  for nn in 32 48 64 72 80 90; do
    for v in on off; do
      if [ $v = on ]; then X=""; else X=0; fi
      OPTNET_CUDA_NARROW=$X OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 149,512,2048 --reps 3 > $R/nw_${nn}_${v}_$k.txt 2>&1
    done
  done
  for nn in 90 100; do
    OPTNET_CUDA_NARROW=1 OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 149,512,2048 --reps 3 > $R/nw_${nn}_forced_$k.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
# e2e (chunked, default settings) at n = 64 with and without
for v in on off; do
  if [ $v = on ]; then X=""; else X=0; fi
  OPTNET_CUDA_NARROW=$X timeout 60 ./bench --n 64 --p 64 --batches 512,2048 --reps 3 > $R/e2e_64_$v.txt 2>&1
done
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
