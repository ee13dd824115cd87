#!/bin/bash
# Session 16, run J: the 2-block narrow variant (OPTNET_CUDA_NARROW=2) against off (=0) at
# n = p = 32, 48, 64 for batches 149 … 264 (up to two blocks per SM), and at n = 96.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for k in 1 2; do
  for nn in 32 48 64; do
    for v in 2 0; do
      OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 149,200,264 --reps 3 > $R/nj_${nn}_${v}_$k.txt 2>&1
    done
  done
  for v in 2 0; do
    OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 96 --p 96 --batches 149,512,2048 --reps 3 > $R/nj_96_${v}_$k.txt 2>&1
  done
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
