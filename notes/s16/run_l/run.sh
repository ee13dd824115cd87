#!/bin/bash
# Session 16, run L: the GPU tests after the review (one scaled_diff helper for the tests).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ5.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt
(cd $OUT && tar czf res.tgz r); rm -rf $R
