#!/bin/bash
# Session 23, run B: loads batched (v1.cu: `each_loaded` for G, Q, A and the factors) against the
# embedded kernel: ncu cycles per kernel at batch 1, 128, 2048, and the bench interleaved twice.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,launch__registers_per_thread
for v in base v1; do
  if [ $v = base ]; then unset OPTNET_CUDA_SOURCE; else export OPTNET_CUDA_SOURCE=$PWD/v1.cu; fi
  for B in 1 128 2048; do
    OPTNET_CUDA_CHUNK=0 timeout 150 ncu --metrics $M --csv -k regex:'pdipm|backward' ./bench --batches $B --reps 1 > $R/ncu_${v}_b$B.csv 2> $R/ncu_${v}_b$B.err
  done
  date -u >> $R/gpu.txt; pack
done
for round in 1 2; do
  for v in base v1; do
    if [ $v = base ]; then unset OPTNET_CUDA_SOURCE; else export OPTNET_CUDA_SOURCE=$PWD/v1.cu; fi
    OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128,2048 > $R/k_${v}_$round.txt 2>&1
  done
done
unset OPTNET_CUDA_SOURCE
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
