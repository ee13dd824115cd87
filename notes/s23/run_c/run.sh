#!/bin/bash
# Session 23, run C: where the backward kernel (v2.cu: clock64 phases by printf) and the
# equilibration kernel (bench_rz: ruiz.cu with clock64 phases) spend their cycles.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
OPTNET_CUDA_SOURCE=$PWD/v2.cu OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128,2048 --reps 1 > $R/bwd.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench_rz --batches 1,128,2048 --reps 1 > $R/rz.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
