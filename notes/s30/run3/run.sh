#!/bin/bash
# Session 30, run 3: the final tests (the overflow test rewritten to compare the GPU with the
# CPU) on the final kernel: cuda_ tests, Maros–Meszaros, gradients and polishing, memcheck.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::answers_that_overflow --nocapture --test-threads=1 > $R/t_overflow.txt 2>&1; echo "rc $?" >> $R/t_overflow.txt
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 60 ./all gradients:: polish:: > $R/t_grad_polish.txt 2>&1; echo "rc $?" >> $R/t_grad_polish.txt
date -u >> $R/gpu.txt; pack
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
