#!/bin/bash
# Session 23, run I: where a forward call's host time goes at small batches (the profile's
# finer host timestamps), --shared and per-example data.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 100 ./bench --shared --batches 1,128 --reps 5 > $R/prof_shared.txt 2>&1
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 100 ./bench --batches 1,128 --reps 5 > $R/prof_own.txt 2>&1
timeout 100 ./bench --shared --batches 1,128 --reps 9 > $R/shared.txt 2>&1
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
