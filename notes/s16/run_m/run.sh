#!/bin/bash
# Session 16, run M: after the review (knob parsing inlined, test helper): the GPU tests, and
# the two-block knob and narrow rule at n = p = 64 (default against OPTNET_CUDA_TWO_BLOCKS=0).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ > $R/t_cuda.txt 2>&1
for v in "" 0; do
  OPTNET_CUDA_TWO_BLOCKS=$v OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 64 --p 64 --batches 512 --reps 3 > $R/b64_two${v:-auto}.txt 2>&1
done
date -u >> $R/gpu.txt
(cd $OUT && tar czf res.tgz r); rm -rf $R
