#!/bin/bash
# Session 16, run G: from which batch the narrow kernels pay (n = p = 32, 48, 64, 72; batches
# 200 … 460), forced on (OPTNET_CUDA_NARROW=1) against off (=0), interleaved twice.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ4.tgz -C /tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for k in 1 2; do
  for nn in 32 48 64 72; do
    for v in 1 0; do
      OPTNET_CUDA_NARROW=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n $nn --p $nn --batches 200,264,330,396,460,1024 --reps 3 > $R/nb_${nn}_${v}_$k.txt 2>&1
    done
  done
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
