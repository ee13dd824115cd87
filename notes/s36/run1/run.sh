#!/bin/bash
# Session 36, run 1: the kernel with pairs of fp64 tensor-core tiles as sm_90's m16n8k4 products
# (`dmma2` in syrk_dmma and syrk_dmma_rest; `bench`, `all`) against the kernel at 5432957 (session
# 35's 998362f: `bench_prev`, its modules in occ_prev.tgz). The GPU tests; then interleaved rounds
# of `bench` on its own random QPs (n = p = 100; the answers' digests must match); cycles per
# example (OPTNET_CUDA_PROFILE=total). A tight device budget: each step checks the elapsed time.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; tar xzf occ_prev.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 100 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  for v in new prev; do
    B=./bench; [ $v = prev ] && B=./bench_prev
    timeout 50 $B --batches 1,8,32,128,512,2048 > $R/bench_${v}_$round.txt 2>&1
    [ $round = 1 ] && OPTNET_CUDA_PROFILE=total timeout 30 $B --batches 1,128,2048 --reps 3 > $R/prof_${v}.txt 2>&1
    pack
    [ $(($(date +%s) - START)) -gt 190 ] && break 2
  done
done
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
