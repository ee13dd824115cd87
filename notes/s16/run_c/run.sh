#!/bin/bash
# Session 16, run C: the factorization's rows NT at a time (fix, embedded) — the GPU tests at
# 256 threads, the random family at 128 threads with the fix and with the kernel before it
# (base: rows beyond NT + 8 never factored), memcheck at 128; fix against base in the bench
# (same digests, same time); then 128 against 256 threads over n = p = 32 … 120.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
export OPTNET_CUDA_CACHE=/tmp/occ; mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; tar xzf occ3.tgz -C /tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 200 ./all cuda_ > $R/t_cuda.txt 2>&1
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_THREADS=128 timeout 100 ./all cuda_solver::random_batched_matches_cpu > $R/t128_fix.txt 2>&1
OPTNET_CUDA_THREADS=128 OPTNET_CUDA_SOURCE=$PWD/base.cu timeout 100 ./all cuda_solver::random_batched_matches_cpu > $R/t128_base.txt 2>&1
command -v compute-sanitizer > /dev/null || export PATH=$PATH:/usr/local/cuda/bin
OPTNET_CUDA_THREADS=128 timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver::random_batched_matches_cpu > $R/memcheck128.txt 2>&1
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  for v in base fix; do
    OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_SOURCE=$PWD/$v.cu timeout 60 ./bench --batches 1,128,512,2048 --reps 5 > $R/ab_${v}_$k.txt 2>&1
  done
done
date -u >> $R/gpu.txt; pack
for k in 1 2; do
  for nn in 32 48 64 80 100 120; do
    for t in 256 128; do
      OPTNET_CUDA_CHUNK=0 OPTNET_CUDA_THREADS=$t timeout 60 ./bench --n $nn --p $nn --batches 1,32,128,512,2048 --reps 3 > $R/nt_${nn}_${t}_$k.txt 2>&1
    done
  done
  date -u >> $R/gpu.txt; pack
done
ls -la /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
