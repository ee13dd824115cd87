#!/bin/bash
# Session 30, run 1: the answer check in the kernel's output (the primal residual in the original
# units, as the CPU's `check_answer`): GPU tests; the new test on session 29's kernel
# (OPTNET_CUDA_SOURCE, expected to fail); memcheck; bench's own QPs, this kernel against
# session 29's in three interleaved rounds; the cycle profile.
START=$(date +%s)
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
export OPTNET_MM_DIR=$PWD/../../optnet-runtime/tests/data/maros_meszaros
(nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv; nproc; date -u) > $R/gpu.txt 2>&1
timeout 60 ./all cuda_solver::solved_answers --nocapture --test-threads=1 > $R/t_new.txt 2>&1; echo "rc $?" >> $R/t_new.txt
timeout 150 ./all cuda_ --test-threads=1 > $R/t_cuda.txt 2>&1; echo "rc $?" >> $R/t_cuda.txt
timeout 30 ./all cuda_maros --nocapture > $R/t_mm.txt 2>&1; echo "rc $?" >> $R/t_mm.txt
timeout 60 ./all gradients:: polish:: > $R/t_grad_polish.txt 2>&1; echo "rc $?" >> $R/t_grad_polish.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after_tests.txt; pack
OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 60 ./all cuda_solver::solved_answers --nocapture --test-threads=1 > $R/t_new_on_old.txt 2>&1; echo "rc $?" >> $R/t_new_on_old.txt
date -u >> $R/gpu.txt; pack
timeout 150 compute-sanitizer --tool memcheck ./all cuda_solver --test-threads=1 > $R/memcheck.txt 2>&1; echo "rc $?" >> $R/memcheck.txt
date -u >> $R/gpu.txt; pack
export OPTNET_CUDA_CHUNK=0
for round in 1 2 3; do
  timeout 40 ./bench --batches 1,128,2048 > $R/k_new_$round.txt 2>&1
  OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 40 ./bench --batches 1,128,2048 > $R/k_old_$round.txt 2>&1
  date -u >> $R/gpu.txt; pack
  [ $(($(date +%s) - START)) -gt 420 ] && break
done
OPTNET_CUDA_PROFILE=total timeout 60 ./bench --batches 1,128,2048 --reps 3 > $R/prof_new.txt 2>&1
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
