#!/bin/bash
# Session 27, run 4: the K-global module specialized for the shape (Build::KGlobalShape): the GPU
# tests (the specialized test with a K-global shape), then bench --n 200 --p 200 (K in device
# memory), generic vs specialized, interleaved.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::specialized --nocapture --test-threads=1 > $R/t_spec.txt 2>&1; echo "rc $?" >> $R/t_spec.txt
ls /tmp/occ > $R/occ_after_spec.txt; pack
timeout 120 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
date -u >> $R/gpu.txt; pack
for round in 1 2; do
  for v in new generic; do
    G=; [ $v = generic ] && G=--generic
    OPTNET_CUDA_CHUNK=0 timeout 60 ./bench $G --n 200 --p 200 --batches 1,32,128,512 > $R/k200_${v}_$round.txt 2>&1
    date -u >> $R/gpu.txt; pack
  done
done
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 200 --p 200 --batches 1,128 --reps 3 > $R/prof_k200_new.txt 2>&1
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --generic --n 200 --p 200 --batches 1,128 --reps 3 > $R/prof_k200_generic.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
