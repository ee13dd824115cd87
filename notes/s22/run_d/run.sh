#!/bin/bash
# Session 22, run D: chunks of at least a wave (new chunk_len) against session 11's rule
# (OPTNET_CUDA_CHUNK=66 at 512 and 1024, 128 at 2048), three rounds interleaved; the chunked
# test's chunks; GPU tests and memcheck on the final code.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
OPTNET_CUDA_PROFILE=total timeout 100 ./all chunked_batch --nocapture > $R/t_chunked_prof.txt 2>&1
timeout 200 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
for round in 1 2 3; do
  timeout 100 ./bench --batches 512,1024,2048 > $R/own_new_$round.txt 2>&1
  OPTNET_CUDA_CHUNK=66 timeout 100 ./bench --batches 512,1024 > $R/own_old_$round.txt 2>&1
  OPTNET_CUDA_CHUNK=128 timeout 100 ./bench --batches 2048 >> $R/own_old_$round.txt 2>&1
  timeout 100 ./bench --shared --batches 512,1024,2048 > $R/shared_new_$round.txt 2>&1
  OPTNET_CUDA_CHUNK=66 timeout 100 ./bench --shared --batches 512,1024 > $R/shared_old_$round.txt 2>&1
  OPTNET_CUDA_CHUNK=128 timeout 100 ./bench --shared --batches 2048 >> $R/shared_old_$round.txt 2>&1
  date -u >> $R/gpu.txt; pack
done
rm -rf $OUT/r
