#!/bin/bash
# Session 17, run B: the K-global module's launch bounds and threads (B = 2 at 256 threads:
# 128 registers; B = 1: 255; B = 1 at 512 threads: 128), n = p = 200 and 300, and the phase
# profile of B = 2 and B = 1 at n = p = 200.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ2.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
export OPTNET_CUDA_CHUNK=0
for k in 1 2; do
  for v in "2 256" "1 256" "1 512"; do
    set -- $v
    for nn in 200 300; do
      OPTNET_CUDA_KGLOBAL=$1 OPTNET_CUDA_THREADS=$2 timeout 120 ./bench --n $nn --p $nn --batches 1,32,128,512 --reps 3 > $R/b${k}_n${nn}_kg$1_t$2.txt 2>&1
    done
    date -u >> $R/gpu.txt; pack
  done
done
for b in 2 1; do
  OPTNET_CUDA_PROFILE=1 OPTNET_CUDA_KGLOBAL=$b timeout 120 ./bench --n 200 --p 200 --batches 1,128 --reps 1 > $R/prof_kg$b.txt 2>&1
done
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
