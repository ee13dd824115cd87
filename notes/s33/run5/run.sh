#!/bin/bash
# Session 33, run 5: bench under the f32-arithmetic kernel (forward alone, no gradient digests)
# and one default round on the bench's own QPs (its digests against run 4's).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
OPTNET_CUDA_F32_ARITHMETIC=f32 timeout 60 ./bench --batches 1,128,2048 --reps 3 > $R/bench_f32k.txt 2>&1; echo "rc $?" >> $R/bench_f32k.txt
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench > $R/bench.txt 2>&1; echo "rc $?" >> $R/bench.txt
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
