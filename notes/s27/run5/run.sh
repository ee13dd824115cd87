#!/bin/bash
# Session 27, run 5: the final code (the K-global module not specialized after run 4; a K-global shape
# in the specialized test, which must run the generic modules: no compile on the device), GPU tests,
# and the cycle profile's label for a K-global launch.
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
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --generic --n 200 --p 200 --batches 1 --reps 1 > $R/prof_k200.txt 2>&1
OPTNET_CUDA_PROFILE=total OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --n 100 --p 100 --batches 2048 --reps 1 > $R/prof_b2048.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
