#!/bin/bash
# Session 23, run J: small copies and unpacking on the calling thread (no pool round trip):
# GPU tests, the host timestamps, and the e2e bench at small batches (--shared and own data),
# twice, interleaved with run F's binary (bench_old).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1
OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_PROFILE=total timeout 100 ./bench --shared --batches 1,128 --reps 5 > $R/prof_shared.txt 2>&1
for round in 1 2; do
  for b in bench_old bench; do
    timeout 100 ./$b --shared --batches 1,8,32,128,512 --reps 9 > $R/shared_${b}_$round.txt 2>&1
    timeout 100 ./$b --batches 1,8,32,128 --reps 9 --reuse-grads > $R/own_${b}_$round.txt 2>&1
  done
done
date -u >> $R/gpu.txt; pack
rm -rf $OUT/r
