#!/bin/bash
# Session 27, run 6: the review's host refactor (TwoBlockKernels::pass, after_common): GPU tests and
# one bench round (digests against run 3), no module compiled on the device.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::specialized --nocapture --test-threads=1 > $R/t_spec.txt 2>&1; echo "rc $?" >> $R/t_spec.txt
timeout 120 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 60 ./all gradients:: > $R/t_grad.txt 2>&1; echo "rc $?" >> $R/t_grad.txt
timeout 60 ./all polish:: > $R/t_polish.txt 2>&1; echo "rc $?" >> $R/t_polish.txt
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --batches 1,128,2048 > $R/bench_new.txt 2>&1
OPTNET_CUDA_CHUNK=0 timeout 60 ./bench --generic --batches 1,128,2048 > $R/bench_generic.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
