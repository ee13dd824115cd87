#!/bin/bash
# Session 17, run F: the final code (e9b44b5) — the tests after the review (cuda_solver's
# helpers, `layout`), the K-global module through the chunked forward call (batch 512 at
# n = p = 200 in chunks, against one launch: the digests of answers and gradients must agree),
# and the n = 100 bench (digests against runs A and D).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ6.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 120 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 200 --p 200 --batches 512 --reps 1 > $R/kg512_one.txt 2>&1
OPTNET_CUDA_PROFILE=total timeout 60 ./bench --n 200 --p 200 --batches 512 --reps 1 > $R/kg512_chunked.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 --reps 5 > $R/bench100.txt 2>&1
date -u >> $R/gpu.txt; ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
