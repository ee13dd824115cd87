#!/bin/bash
# Session 25, run B: the review's mends (the start's spread cut passed to the kernels in Params,
# the CPU's polishing-attempt test from its Schedule). Every test of the binary (CPU and GPU),
# memcheck, then the bench on its own problems (run A's reuse_e2e command: digests compared).
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 300 ./all --nocapture --test-threads=1 > $R/t_all.txt 2>&1
timeout 300 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; pack
timeout 120 ./bench --batches 1,128,2048 --reuse-grads > $R/bench.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
