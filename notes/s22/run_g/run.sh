#!/bin/bash
# Session 22, run G: the batch sums staged in shared memory (splits of 32, a second kernel
# adding them): GPU tests, memcheck, the backward's host times, --shared e2e and kernels.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 100 ./bench --shared --batches 128,2048 --reps 5 > $R/prof_shared.txt 2>&1
for round in 1 2; do
  timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_e2e_$round.txt 2>&1
  OPTNET_CUDA_CHUNK=0 timeout 100 ./bench --shared --batches 1,128,512,2048 > $R/shared_k_$round.txt 2>&1
done
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
