#!/bin/bash
# Session 24, run B: the final commit's GPU tests (after 948be8c, the CPU lanes' retry, which the
# GPU tests compare against) and compute-sanitizer memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 150 ./all cuda_ --nocapture --test-threads=1 > $R/t_cuda.txt 2>&1
timeout 100 ./all gradients:: > $R/t_grad.txt 2>&1
timeout 100 ./all polish:: maros_meszaros:: > $R/t_cpu.txt 2>&1
timeout 200 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
