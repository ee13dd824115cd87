#!/bin/bash
# Session 29, run 6 (final kernels: the primal residual, polishing's breakdown check, the output
# check): GPU tests; the new tests on session 28's kernel (OPTNET_CUDA_SOURCE); bench's own QPs,
# the final kernel against session 28's in three interleaved rounds.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 90 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_solver::answers_that cuda_solver::primal_residual cuda_solver::fuzzing --nocapture --test-threads=1 > $R/t_new.txt 2>&1; echo "rc $?" >> $R/t_new.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 30 ./all gradients:: polish:: > $R/t_grad_polish.txt 2>&1; echo "rc $?" >> $R/t_grad_polish.txt
date -u >> $R/gpu.txt; pack
OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 30 ./all cuda_solver::answers_that cuda_solver::primal_residual --nocapture --test-threads=1 > $R/t_old.txt 2>&1; echo "rc $?" >> $R/t_old.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for k in 1 2 3; do
  timeout 40 ./bench --batches 1,128,2048 > $R/k_new_$k.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 40 ./bench --batches 1,128,2048 > $R/k_old_$k.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 200 ] && break
done
ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
