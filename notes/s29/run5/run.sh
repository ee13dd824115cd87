#!/bin/bash
# Session 29, run 5: the primal-residual test on the final kernel and on session 28's.
cd "$(dirname "$0")"
R=$OUT/r; mkdir -p $R
pack() { (cd $OUT && tar czf res.tgz r); }
mkdir -p /tmp/occ; tar xzf occ.tgz -C /tmp/occ; ls /tmp/occ > $R/occ_before.txt
export OPTNET_CUDA_CACHE=/tmp/occ
(nvidia-smi --query-gpu=name,driver_version --format=csv; date -u) > $R/gpu.txt 2>&1
timeout 40 ./all cuda_solver::primal_residual cuda_solver::fuzzing --nocapture --test-threads=1 > $R/t_new.txt 2>&1; echo "rc $?" >> $R/t_new.txt
OPTNET_CUDA_SOURCE=$PWD/old/pdipm.cu timeout 40 ./all cuda_solver::primal_residual --nocapture > $R/t_old.txt 2>&1; echo "rc $?" >> $R/t_old.txt
date -u >> $R/gpu.txt; ls /tmp/occ > $R/occ_after.txt; pack
rm -rf $OUT/r
