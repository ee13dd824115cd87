#!/bin/bash
# Session 15, run F: the start's solve unrefined where there are inequalities (vstart.cu:
# pdipm.cu with the start's kkt_solve<T, 1> and kkt_solve<T, 2> replaced by reduced_solve when
# p > 0, OPTNET_CUDA_SOURCE) against the embedded kernel, batch 1, 128, 2048, interleaved twice.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
for k in 1 2; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --batches 1,128,2048 > $R/bench_base_$k.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/vstart.cu OPTNET_CUDA_CHUNK=0 timeout 150 ./bench --batches 1,128,2048 > $R/bench_vstart_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
rm -rf $R
