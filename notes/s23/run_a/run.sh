#!/bin/bash
# Session 23, run A: GPU tests on the review's refactor (sums.cu staging helper, shared_sums on
# the Layout), the --shared digests (against s22 run I), and where batch 1 / 128 spend their
# device time per kernel (ncu durations and instructions: ruiz, pdipm, backward).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_k.txt 2>&1
timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_e2e.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --batches 1,128,2048 > $R/own_k.txt 2>&1
date -u >> $R/gpu.txt; pack
M=gpu__time_duration.sum,smsp__inst_executed.sum,sm__cycles_elapsed.max,smsp__cycles_active.avg
for B in 1 128 2048; do
  OPTNET_CUDA_CHUNK=0 timeout 150 ncu --metrics $M --csv ./bench --batches $B --reps 1 > $R/ncu_b$B.csv 2> $R/ncu_b$B.err
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
