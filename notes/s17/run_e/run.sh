#!/bin/bash
# Session 17, run E: the K-global module with launch bounds for two 512-thread blocks per
# multiprocessor (64 registers) against one 1024-thread block, n = p = 200 and 300, batches up
# to 1024 (the bench's random QPs; twice, interleaved).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
export OPTNET_CUDA_CHUNK=0
for k in 1 2; do
  for b in 1 2; do
    for nn in 200 300; do
      OPTNET_CUDA_KGLOBAL_BLOCKS=$b timeout 100 ./bench --n $nn --p $nn --batches 1,128,264,512,1024 --reps 3 > $R/e${k}_n${nn}_b$b.txt 2>&1
    done
    date -u >> $R/gpu.txt; pack
  done
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
