#!/bin/bash
# Session 15, run G: the start unrefined where there are inequalities (CPU and GPU): the GPU
# tests (against the CPU), then the bench once at batch 1, 128, 2048.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 170 ./all cuda_ > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 40 ./bench --batches 1,128,2048 --reps 3 > $R/bench.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $R
