#!/bin/bash
# Session 15, run E: the GPU tests after the cuda_solver tests' clean-up (against_cpu,
# feasible_rhs), the kernel as committed.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 300 ./all cuda_ > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $R
